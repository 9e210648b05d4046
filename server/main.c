/* main.c: streamlet-server's entry point
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "streamlet-server"

#include "config.h"

#include "sl-config.h"
#include "sl-log.h"
#include "sl-server.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdlib.h>

typedef struct {
  GMainLoop *loop;
  SlServer  *server;
  int        status;
} App;

static void
stopped_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_server_stop_finish (SL_SERVER (source), result, &error))
    g_warning ("shutdown: %s", error->message);
  else
    g_message ("stopped cleanly");
  g_main_loop_quit (app->loop);
}

static gboolean
signal_cb (gpointer user_data)
{
  App *app = user_data;

  sl_server_stop_async (app->server, stopped_cb, app);
  return G_SOURCE_CONTINUE;
}

static void
started_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  App *app = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_server_start_finish (SL_SERVER (source), result, &error))
    {
      g_printerr ("streamlet-server: cannot start: %s\n", error->message);
      app->status = EXIT_FAILURE;
      g_main_loop_quit (app->loop);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(SlConfig) config = sl_config_new ();
  g_autoptr(GError) error = NULL;
  App app = { NULL, NULL, EXIT_SUCCESS };
  guint sigint_id, sigterm_id;

  setlocale (LC_ALL, "");

  if (!sl_config_load (config, &argc, &argv, NULL, &error))
    {
      g_printerr ("streamlet-server: %s\n", error->message);
      return 2;
    }

  sl_log_init (config->log_level);
  config->log_requests = config->log_level >= SL_LOG_NORMAL;

  app.server = sl_server_new (g_steal_pointer (&config), &error);
  if (app.server == NULL)
    {
      g_printerr ("streamlet-server: %s\n", error->message);
      return EXIT_FAILURE;
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &app);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &app);

  sl_server_start_async (app.server, started_cb, &app);
  g_main_loop_run (app.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_clear_object (&app.server);
  g_main_loop_unref (app.loop);
  return app.status;
}
