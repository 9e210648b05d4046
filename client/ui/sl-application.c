/* sl-application.c: the streamlet desktop app: settings, session, actions
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-application"

#include "config.h"

#include "sl-application.h"

#include "sl-window.h"

#include <glib/gi18n.h>

struct _SlApplication {
  AdwApplication  parent_instance;

  GSettings      *settings;
  SlSession      *session;
  char           *server;      /* --server, until startup stores it */
};

G_DEFINE_FINAL_TYPE (SlApplication, sl_application, ADW_TYPE_APPLICATION)

static void
apply_color_scheme (SlApplication *self)
{
  g_autofree char *scheme = g_settings_get_string (self->settings, "color-scheme");
  AdwColorScheme value = ADW_COLOR_SCHEME_DEFAULT;

  if (g_str_equal (scheme, "light"))
    value = ADW_COLOR_SCHEME_FORCE_LIGHT;
  else if (g_str_equal (scheme, "dark"))
    value = ADW_COLOR_SCHEME_FORCE_DARK;
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), value);
}

static void
color_scheme_changed_cb (GSettings     *settings,
                         const char    *key,
                         SlApplication *self)
{
  apply_color_scheme (self);
}

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  SlApplication *self = user_data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (self));

  /* each window saves its size and ends its media on close */
  while (windows != NULL)
    {
      GtkWindow *window = windows->data;

      windows = windows->next;
      gtk_window_close (window);
    }
  g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  SlApplication *self = user_data;
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (self));
  const char *developers[] = { _("The streamlet developers"), NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        /* from the app's resources, for both profiles */
                        "application-icon", "io.github.streamlet.Streamlet",
                        "application-name", _("Streamlet"),
                        "developer-name", _("The streamlet developers"),
                        "version", PACKAGE_VERSION,
                        "comments", _("Live classes, relayed from student to student"),
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "developers", developers,
                        /* Translators: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

/* --server URL: fills in the sign-in form's server (and is remembered
 * like one typed there). Bad values show up as the sign-in error. */
static int
sl_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  SlApplication *self = SL_APPLICATION (app);
  const char *server = NULL;

  if (g_variant_dict_lookup (options, "server", "&s", &server))
    {
      if (*server == '\0')
        {
          g_printerr ("%s\n", _("--server needs a URL, e.g. http://127.0.0.1:8080"));
          return 64;
        }
      g_free (self->server);
      self->server = g_strdup (server);
    }
  return -1;
}

static void
sl_application_activate (GApplication *app)
{
  SlApplication *self = SL_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (sl_window_new (self));
  gtk_window_present (window);
}

static void
sl_application_startup (GApplication *app)
{
  SlApplication *self = SL_APPLICATION (app);
  static const GActionEntry entries[] = {
    { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
    { "about", about_activated, NULL, NULL, NULL, { 0 } },
  };
  static const struct {
    const char *action;
    const char *accels[3];
  } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "win.fullscreen", { "F11", NULL } },
    { "win.sign-out", { NULL } },
    { "win.show-help-overlay", { "<Control>question", NULL } },
    { "window.close", { "<Control>w", NULL } },
    { "win.search", { "<Control>f", NULL } },
  };

  G_APPLICATION_CLASS (sl_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (self), entries, G_N_ELEMENTS (entries), self);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    if (accels[i].accels[0] != NULL)
      gtk_application_set_accels_for_action (GTK_APPLICATION (self), accels[i].action,
                                             accels[i].accels);

  self->settings = g_settings_new (SL_APP_ID);
  g_signal_connect_object (self->settings, "changed::color-scheme",
                           G_CALLBACK (color_scheme_changed_cb), self, 0);
  apply_color_scheme (self);
  /* the primary menu's Style: follow the system, or force light or dark */
  {
    g_autoptr(GAction) scheme = g_settings_create_action (self->settings, "color-scheme");

    g_action_map_add_action (G_ACTION_MAP (self), scheme);
  }
  if (self->server != NULL)
    g_settings_set_string (self->settings, "server-url", self->server);
  self->session = sl_session_new (self->settings, g_getenv ("STREAMLET_SESSION_FILE"));
}

static void
sl_application_shutdown (GApplication *app)
{
  SlApplication *self = SL_APPLICATION (app);

  g_clear_object (&self->session);
  G_APPLICATION_CLASS (sl_application_parent_class)->shutdown (app);
}

static void
sl_application_dispose (GObject *object)
{
  SlApplication *self = SL_APPLICATION (object);

  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->server, g_free);
  G_OBJECT_CLASS (sl_application_parent_class)->dispose (object);
}

static void
sl_application_class_init (SlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = sl_application_dispose;
  app_class->activate = sl_application_activate;
  app_class->handle_local_options = sl_application_handle_local_options;
  app_class->startup = sl_application_startup;
  app_class->shutdown = sl_application_shutdown;
}

static void
sl_application_init (SlApplication *self)
{
  static const GOptionEntry options[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, NULL,
      N_("The streamlet server to sign in to"), N_("URL") },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), options);
}

SlApplication *
sl_application_new (void)
{
  return g_object_new (SL_TYPE_APPLICATION,
                       "application-id", SL_APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       /* the same resources for both profiles */
                       "resource-base-path", "/io/github/streamlet/Streamlet",
                       NULL);
}

SlSession *
sl_application_get_session (SlApplication *self)
{
  g_return_val_if_fail (SL_IS_APPLICATION (self), NULL);
  return self->session;
}

GSettings *
sl_application_get_settings (SlApplication *self)
{
  g_return_val_if_fail (SL_IS_APPLICATION (self), NULL);
  return self->settings;
}
