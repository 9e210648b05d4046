/* test-config.c: streamlet-server configuration from flags, environment
 * and key file, and the clear errors for bad values
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static gboolean
load (SlConfig    *config,
      const char  *args,
      const char **env,
      GError     **error)
{
  g_auto(GStrv) owned = NULL;
  g_autofree char **argv = NULL;
  g_autofree char *line = g_strconcat ("streamlet-server ", args, NULL);
  int argc;

  /* The parser takes the options out of argv (as with main's argv, it does
   * not free them): keep our own list of the strings. */
  g_assert_true (g_shell_parse_argv (line, &argc, &owned, NULL));
  argv = g_memdup2 (owned, sizeof (char *) * (argc + 1));
  return sl_config_load (config, &argc, &argv, (char **) env, error);
}

static char *
write_key_file (const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("streamlet-config-XXXXXX.ini", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  return path;
}

static void
test_defaults (void)
{
  g_autoptr(SlConfig) config = sl_config_new ();
  const char *env[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (load (config, "", env, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->port, ==, 8080);
  g_assert_null (config->database);
  g_assert_true (config->registration);
  g_assert_false (config->demo);
  g_assert_cmpuint (config->access_token_ttl, ==, 900);
  g_assert_cmpuint (config->max_body_size, ==, 1024 * 1024);
}

static void
test_precedence (void)
{
  g_autofree char *path = write_key_file ("[server]\nport=7000\ndata-dir=/from/file\n"
                                          "access-token-ttl=600\ndemo=true\n");
  g_autofree char *config_arg = g_strdup_printf ("--config %s --port 9000", path);
  const char *env[] = { "STREAMLET_PORT=8000", "STREAMLET_DATA_DIR=/from/env", NULL };
  g_autoptr(SlConfig) config = sl_config_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (load (config, config_arg, env, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->port, ==, 9000);              /* flag beats env and file */
  g_assert_cmpstr (config->data_dir, ==, "/from/env");    /* env beats file */
  g_assert_cmpuint (config->access_token_ttl, ==, 600);   /* file beats default */
  g_assert_true (config->demo);
  g_unlink (path);
}

static void
test_flags (void)
{
  g_autoptr(SlConfig) config = sl_config_new ();
  const char *env[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (load (config, "--port 0 --address 127.0.0.1 --demo --no-registration "
                       "--database postgresql://u@127.0.0.1/db --quiet", env, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->port, ==, 0);
  g_assert_cmpstr (config->address, ==, "127.0.0.1");
  g_assert_true (config->demo);
  g_assert_false (config->registration);
  g_assert_cmpstr (config->database, ==, "postgresql://u@127.0.0.1/db");
  g_assert_cmpint (config->log_level, ==, SL_LOG_QUIET);
}

static void
test_ws_origins (void)
{
  g_autoptr(SlConfig) config = sl_config_new ();
  const char *env[] = { "STREAMLET_WS_ORIGINS= https://a.example , ,http://b.example:8080", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (load (config, "", env, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (config->ws_origins), ==, 2);
  g_assert_cmpstr (config->ws_origins[0], ==, "https://a.example");
  g_assert_cmpstr (config->ws_origins[1], ==, "http://b.example:8080");
}

static void
test_env_secrets (void)
{
  g_autoptr(SlConfig) config = sl_config_new ();
  const char *env[] = { "STREAMLET_JWT_SECRET=0123456789abcdef0123456789abcdef!",
                        "STREAMLET_ADMIN_PASSWORD=first password",
                        "STREAMLET_NO_REGISTRATION=yes", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (load (config, "", env, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->jwt_secret, ==, "0123456789abcdef0123456789abcdef!");
  g_assert_cmpstr (config->admin_password, ==, "first password");
  g_assert_false (config->registration);
}

static void
test_bad_values (void)
{
  static const struct {
    const char *args;
    const char *env;
    const char *file;
    const char *expect;   /* a piece of the message */
  } rows[] = {
    { "--port abc", NULL, NULL, "port" },
    { "--port 70000", NULL, NULL, "port" },
    { "--port -1", NULL, NULL, "port" },
    { "--port ''", NULL, NULL, "port" },
    { "--access-token-ttl 5", NULL, NULL, "access-token-ttl" },
    { "--max-body-size 99999999999", NULL, NULL, "max-body-size" },
    { "--hash-threads 0", NULL, NULL, "hash-threads" },
    { "--bogus", NULL, NULL, "bogus" },
    { "--jwt-secret abcdefabcdefabcdefabcdefabcdefabcdef", NULL, NULL, "jwt-secret" },
    { "stray-argument", NULL, NULL, "stray-argument" },
    { "--ws-origins ftp://school.example", NULL, NULL, "ws-origins" },
    { "--ws-origins 'https://a.example,school.example'", NULL, NULL, "school.example" },
    { "--ice-addresses 10.0.0.300", NULL, NULL, "10.0.0.300" },
    { "--ice-addresses '127.0.0.1,localhost'", NULL, NULL, "localhost" },
    { "--max-viewers 0", NULL, NULL, "max-viewers" },
    { "--max-viewers 10001", NULL, NULL, "max-viewers" },
    { "--web-dir ''", NULL, NULL, "web-dir" },
    { "", "STREAMLET_NO_RECORD=perhaps", NULL, "STREAMLET_NO_RECORD" },
    { "", "STREAMLET_PORT=eighty", NULL, "STREAMLET_PORT" },
    { "", "STREAMLET_DEMO=maybe", NULL, "STREAMLET_DEMO" },
    { "", "STREAMLET_JWT_SECRET=short", NULL, "jwt-secret" },
    { "", "STREAMLET_DATA_DIR=", NULL, "data-dir" },
    { "", NULL, "[server]\nport=x\n", "port" },
    { "", NULL, "[server]\nunknown-key=1\n", "unknown-key" },
    { "", NULL, "[other]\nport=1\n", "[other]" },
    { "", NULL, "this is not a key file", "configuration file" },
    { "", NULL, "[server]\nconfig=/elsewhere\n", "config" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(SlConfig) config = sl_config_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *args = NULL;
      const char *env[] = { rows[i].env, NULL };

      if (rows[i].file != NULL)
        {
          path = write_key_file (rows[i].file);
          args = g_strdup_printf ("%s --config %s", rows[i].args, path);
        }
      else
        args = g_strdup (rows[i].args);

      g_test_message ("row %u: %s", i, args);
      g_assert_false (load (config, args, env, &error));
      g_assert_nonnull (error);
      g_assert_nonnull (strstr (error->message, rows[i].expect));
      /* the defaults are still there for what the bad value did not touch */
      g_assert_cmpuint (config->access_token_ttl, ==, 900);
      if (path != NULL)
        g_unlink (path);
    }
}

static void
test_missing_file (void)
{
  g_autoptr(SlConfig) config = sl_config_new ();
  const char *env[] = { NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (load (config, "--config /nonexistent/streamlet.ini", env, &error));
  g_assert_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_FILE);
}

static void
test_help (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(SlConfig) config = sl_config_new ();
      const char *env[] = { NULL };

      load (config, "--help", env, NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*--data-dir=DIR*");
  g_test_trap_assert_stdout ("*STREAMLET_*");
  g_test_trap_assert_stdout ("*STREAMLET_ADMIN_PASSWORD*");
  g_test_trap_assert_stdout ("*--no-registration*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/precedence", test_precedence);
  g_test_add_func ("/config/flags", test_flags);
  g_test_add_func ("/config/env-secrets", test_env_secrets);
  g_test_add_func ("/config/ws-origins", test_ws_origins);
  g_test_add_func ("/config/bad-values", test_bad_values);
  g_test_add_func ("/config/missing-file", test_missing_file);
  g_test_add_func ("/config/help", test_help);

  return g_test_run ();
}
