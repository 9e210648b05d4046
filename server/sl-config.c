/* sl-config.c: streamlet-server configuration from flags, STREAMLET_*
 * environment variables and an optional key file
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-config"

#include "config.h"

#include "sl-config.h"

#include <gio/gio.h>
#include <stddef.h>
#include <string.h>

G_DEFINE_QUARK (sl-config-error-quark, sl_config_error)

typedef enum {
  OPT_UINT,
  OPT_STRING,
  OPT_FLAG,       /* a flag with no value: --demo; env/file take true/false */
  OPT_LIST,       /* comma-separated strings */
} OptKind;

typedef struct {
  const char *name;         /* flag name; env STREAMLET_<NAME>; key in [server] */
  OptKind     kind;
  gsize       offset;       /* into SlConfig */
  guint       min;
  guint       max;
  gboolean    flag_allowed; /* FALSE: secrets, only from env or file */
  const char *arg;
  const char *help;
} OptSpec;

#define FIELD(f) offsetof (SlConfig, f)

static const OptSpec options[] = {
  { "port", OPT_UINT, FIELD (port), 0, 65535, TRUE, "N",
    "TCP port to serve HTTP on (default 8080; 0 picks a free one)" },
  { "address", OPT_STRING, FIELD (address), 0, 0, TRUE, "ADDR",
    "Address to listen on (default: every interface)" },
  { "data-dir", OPT_STRING, FIELD (data_dir), 0, 0, TRUE, "DIR",
    "Where the SQLite store, the token secret and media live (default ./var)" },
  { "database", OPT_STRING, FIELD (database), 0, 0, TRUE, "URL",
    "postgresql://… to use PostgreSQL; default: SQLite file in the data dir" },
  { "config", OPT_STRING, FIELD (config_file), 0, 0, TRUE, "FILE",
    "Key file with a [server] group; keys are the long option names" },
  { "demo", OPT_FLAG, FIELD (demo), 0, 0, TRUE, NULL,
    "Create the demo accounts admin/admin123, teacher/teacher123, student/student123" },
  { "no-registration", OPT_FLAG, FIELD (registration), 0, 0, TRUE, NULL,
    "Refuse POST /api/register (admins still create accounts)" },
  { "access-token-ttl", OPT_UINT, FIELD (access_token_ttl), 60, 86400, TRUE, "SECONDS",
    "Lifetime of access tokens (default 900)" },
  { "refresh-token-ttl", OPT_UINT, FIELD (refresh_token_ttl), 300, 31536000, TRUE, "SECONDS",
    "Lifetime of refresh tokens (default 2592000, 30 days)" },
  { "max-body-size", OPT_UINT, FIELD (max_body_size), 1024, 64 * 1024 * 1024, TRUE, "BYTES",
    "Largest request body accepted; larger gets 413 (default 1048576)" },
  { "login-max-failures", OPT_UINT, FIELD (login_max_failures), 1, 1000, TRUE, "N",
    "Failed logins per account within the window before 429 (default 5)" },
  { "address-max-failures", OPT_UINT, FIELD (address_max_failures), 1, 100000, TRUE, "N",
    "Failed logins per client address within the window before 429 (default 50)" },
  { "login-window", OPT_UINT, FIELD (login_window), 1, 86400, TRUE, "SECONDS",
    "Window and lockout time of login throttling (default 900)" },
  { "hash-threads", OPT_UINT, FIELD (hash_threads), 1, 64, TRUE, "N",
    "Password hashes computed at once (default: number of cores)" },
  { "ws-origins", OPT_LIST, FIELD (ws_origins), 0, 0, TRUE, "ORIGINS",
    "Comma-separated origins (https://school.example) whose pages may open /ws; "
    "the server's own origin and native apps always may" },
  { "no-record", OPT_FLAG, FIELD (record), 0, 0, TRUE, NULL,
    "Do not record live classes (HLS still works, with only a live window on disk)" },
  { "ice-addresses", OPT_LIST, FIELD (ice_addresses), 0, 0, TRUE, "IPS",
    "Comma-separated local IP addresses WebRTC (ICE) may use; default: every interface" },
  { "max-viewers", OPT_UINT, FIELD (max_viewers), 1, 10000, TRUE, "N",
    "WebRTC (WHEP) viewers the server feeds per class; more get 503 (default 100)" },
  { "web-dir", OPT_STRING, FIELD (web_dir), 0, 0, TRUE, "DIR",
    "The web viewer's files, with hls.js in node_modules (default: data/web of the sources)" },
  { "quiet", OPT_FLAG, 0, 0, 0, TRUE, NULL,
    "Log warnings and errors only (no request lines)" },
  { "verbose", OPT_FLAG, 0, 0, 0, TRUE, NULL,
    "Log debug messages too" },
  { "jwt-secret", OPT_STRING, FIELD (jwt_secret), 0, 0, FALSE, NULL,
    NULL },
  { "admin-password", OPT_STRING, FIELD (admin_password), 0, 0, FALSE, NULL,
    NULL },
};

SlConfig *
sl_config_new (void)
{
  SlConfig *config = g_new0 (SlConfig, 1);

  config->port = 8080;
  config->data_dir = g_strdup ("var");
  config->registration = TRUE;
  config->record = TRUE;
  config->max_viewers = 100;
  config->web_dir = g_strdup (SL_SOURCE_DIR "/data/web");
  config->access_token_ttl = 900;
  config->refresh_token_ttl = 30 * 24 * 3600;
  config->max_body_size = 1024 * 1024;
  config->login_max_failures = 5;
  config->address_max_failures = 50;
  config->login_window = 900;
  config->hash_threads = MAX (1, g_get_num_processors ());
  config->log_level = SL_LOG_NORMAL;
  config->log_requests = TRUE;
  return config;
}

static void
wipe_string (char *s)
{
  if (s != NULL)
    memset (s, 0, strlen (s));
  g_free (s);
}

void
sl_config_free (SlConfig *config)
{
  if (config == NULL)
    return;
  g_free (config->address);
  g_free (config->data_dir);
  g_free (config->database);
  g_free (config->config_file);
  g_strfreev (config->ws_origins);
  g_strfreev (config->ice_addresses);
  g_free (config->web_dir);
  wipe_string (config->jwt_secret);
  wipe_string (config->admin_password);
  g_free (config);
}

static char *
env_name (const char *name)
{
  g_autofree char *upper = g_ascii_strup (name, -1);

  g_strdelimit (upper, "-", '_');
  return g_strconcat ("STREAMLET_", upper, NULL);
}

static gboolean
parse_bool (const char *value,
            gboolean   *out)
{
  if (g_ascii_strcasecmp (value, "1") == 0 || g_ascii_strcasecmp (value, "true") == 0 ||
      g_ascii_strcasecmp (value, "yes") == 0 || g_ascii_strcasecmp (value, "on") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (value, "0") == 0 || g_ascii_strcasecmp (value, "false") == 0 ||
           g_ascii_strcasecmp (value, "no") == 0 || g_ascii_strcasecmp (value, "off") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* Stores one textual value from @source into @config. */
static gboolean
apply_value (SlConfig      *config,
             const OptSpec *spec,
             const char    *value,
             const char    *source,
             GError       **error)
{
  guint8 *base = (guint8 *) config;

  switch (spec->kind)
    {
    case OPT_UINT:
      {
        guint64 n;
        g_autoptr(GError) local_error = NULL;

        if (!g_ascii_string_to_unsigned (value, 10, spec->min, spec->max, &n, &local_error))
          {
            g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                         "%s (from %s): “%s” is not a whole number from %u to %u",
                         spec->name, source, value, spec->min, spec->max);
            return FALSE;
          }
        *(guint *) (base + spec->offset) = (guint) n;
        return TRUE;
      }

    case OPT_STRING:
      if (*value == '\0')
        {
          g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                       "%s (from %s): must not be empty", spec->name, source);
          return FALSE;
        }
      g_free (*(char **) (base + spec->offset));
      *(char **) (base + spec->offset) = g_strdup (value);
      return TRUE;

    case OPT_LIST:
      {
        g_auto(GStrv) items = g_strsplit (value, ",", -1);
        g_autoptr(GPtrArray) kept = g_ptr_array_new_with_free_func (g_free);

        for (guint i = 0; items[i] != NULL; i++)
          {
            g_strstrip (items[i]);
            if (items[i][0] == '\0')
              continue;
            if (g_str_equal (spec->name, "ice-addresses"))
              {
                g_autoptr(GInetAddress) address = g_inet_address_new_from_string (items[i]);

                if (address == NULL)
                  {
                    g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                                 "%s (from %s): “%s” is not an IP address",
                                 spec->name, source, items[i]);
                    return FALSE;
                  }
              }
            else if (!g_str_has_prefix (items[i], "http://") && !g_str_has_prefix (items[i], "https://"))
              {
                g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                             "%s (from %s): “%s” is not an http:// or https:// origin",
                             spec->name, source, items[i]);
                return FALSE;
              }
            g_ptr_array_add (kept, g_strdup (items[i]));
          }
        g_ptr_array_add (kept, NULL);
        g_strfreev (*(char ***) (base + spec->offset));
        *(char ***) (base + spec->offset) = (char **) g_ptr_array_free (g_steal_pointer (&kept), FALSE);
        return TRUE;
      }

    case OPT_FLAG:
      {
        gboolean b;

        if (!parse_bool (value, &b))
          {
            g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                         "%s (from %s): “%s” is not true or false",
                         spec->name, source, value);
            return FALSE;
          }
        if (g_str_equal (spec->name, "no-registration"))
          config->registration = !b;
        else if (g_str_equal (spec->name, "no-record"))
          config->record = !b;
        else if (g_str_equal (spec->name, "quiet"))
          {
            if (b)
              config->log_level = SL_LOG_QUIET;
          }
        else if (g_str_equal (spec->name, "verbose"))
          {
            if (b)
              config->log_level = SL_LOG_VERBOSE;
          }
        else
          *(gboolean *) (base + spec->offset) = b;
        return TRUE;
      }

    default:
      g_assert_not_reached ();
    }
}

static gboolean
load_key_file (SlConfig   *config,
               gboolean   *taken,
               GError    **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new ();
  g_auto(GStrv) groups = NULL;
  g_auto(GStrv) keys = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *source = NULL;

  if (!g_key_file_load_from_file (file, config->config_file, G_KEY_FILE_NONE, &local_error))
    {
      g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_FILE,
                   "cannot read the configuration file %s: %s",
                   config->config_file, local_error->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (file, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      if (!g_str_equal (groups[i], "server"))
        {
          g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_UNKNOWN,
                       "%s: unknown group [%s]; settings go in [server]",
                       config->config_file, groups[i]);
          return FALSE;
        }
    }

  if (!g_key_file_has_group (file, "server"))
    return TRUE;

  source = g_strdup_printf ("%s", config->config_file);
  keys = g_key_file_get_keys (file, "server", NULL, NULL);
  for (guint i = 0; keys != NULL && keys[i] != NULL; i++)
    {
      const OptSpec *spec = NULL;
      gboolean is_taken = FALSE;
      g_autofree char *value = NULL;

      for (guint j = 0; j < G_N_ELEMENTS (options); j++)
        if (g_str_equal (options[j].name, keys[i]) && !g_str_equal (keys[i], "config"))
          {
            spec = &options[j];
            is_taken = taken[j];
            break;
          }

      if (spec == NULL)
        {
          g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_UNKNOWN,
                       "%s: unknown key “%s” in [server]", config->config_file, keys[i]);
          return FALSE;
        }
      if (is_taken)
        continue; /* set by a flag or the environment, which win */

      value = g_key_file_get_string (file, "server", keys[i], NULL);
      if (value == NULL || !apply_value (config, spec, value, source, error))
        {
          if (value == NULL)
            g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                         "%s: cannot read key “%s”", config->config_file, keys[i]);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
sl_config_load (SlConfig   *config,
                int        *argc,
                char     ***argv,
                char      **envp,
                GError    **error)
{
  g_autoptr(GOptionContext) context = NULL;
  g_auto(GStrv) env = NULL;
  char *values[G_N_ELEMENTS (options)] = { NULL, };
  gboolean flags[G_N_ELEMENTS (options)] = { FALSE, };
  gboolean taken[G_N_ELEMENTS (options)] = { FALSE, };
  GOptionEntry option_entries[G_N_ELEMENTS (options) + 1];
  guint n_entries = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (config != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      if (!options[i].flag_allowed)
        continue;
      option_entries[n_entries++] = (GOptionEntry) {
        options[i].name, 0, 0,
        options[i].kind == OPT_FLAG ? G_OPTION_ARG_NONE : G_OPTION_ARG_STRING,
        options[i].kind == OPT_FLAG ? (gpointer) &flags[i] : (gpointer) &values[i],
        options[i].help, options[i].arg,
      };
    }
  option_entries[n_entries] = (GOptionEntry) { NULL };

  context = g_option_context_new ("- the streamlet live-class server");
  g_option_context_set_summary (context,
    "Serves the streamlet REST API, WebSocket hub and media on one HTTP port.");
  g_option_context_set_description (context,
    "Every option can also be set in the environment as STREAMLET_<OPTION>\n"
    "(upper case, '-' as '_', e.g. STREAMLET_DATA_DIR=/srv/streamlet) or in the\n"
    "key file given by --config, group [server], key = option name\n"
    "(e.g. port=8080). Flags win over the environment, which wins over the file.\n"
    "Flags without a value take true/false in the environment and the file.\n"
    "\n"
    "Secrets never come from flags:\n"
    "  STREAMLET_JWT_SECRET      (or jwt-secret= in the file) the access-token\n"
    "                            signing secret, at least 32 bytes; by default a\n"
    "                            random one is made at first start and kept in\n"
    "                            DATA_DIR/jwt-secret (mode 0600)\n"
    "  STREAMLET_ADMIN_PASSWORD  (or admin-password=) the password of the first\n"
    "                            admin created on an empty store; by default a\n"
    "                            random one is printed once\n");
  g_option_context_add_main_entries (context, option_entries, NULL);

  if (!g_option_context_parse (context, argc, argv, error))
    goto out;

  if (*argc > 1)
    {
      g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                   "unexpected argument “%s” (see --help)", (*argv)[1]);
      goto out;
    }

  /* 1. flags */
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      if (options[i].kind == OPT_FLAG && flags[i])
        {
          taken[i] = TRUE;
          if (!apply_value (config, &options[i], "true", "the command line", error))
            goto out;
        }
      else if (values[i] != NULL)
        {
          g_autofree char *what = g_strdup_printf ("--%s", options[i].name);

          taken[i] = TRUE;
          if (!apply_value (config, &options[i], values[i], what, error))
            goto out;
        }
    }

  /* 2. environment */
  env = envp != NULL ? g_strdupv (envp) : g_get_environ ();
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    {
      g_autofree char *name = env_name (options[i].name);
      const char *value = g_environ_getenv (env, name);

      if (taken[i] || value == NULL)
        continue;
      taken[i] = TRUE;
      if (!apply_value (config, &options[i], value, name, error))
        goto out;
    }

  /* 3. the key file */
  if (config->config_file != NULL && !load_key_file (config, taken, error))
    goto out;

  if (config->jwt_secret != NULL && strlen (config->jwt_secret) < 32)
    {
      g_set_error_literal (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                           "jwt-secret: must be at least 32 bytes long");
      goto out;
    }

  ok = TRUE;

out:
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    wipe_string (values[i]);
  return ok;
}
