/* sl-config.h: streamlet-server configuration from flags, STREAMLET_*
 * environment variables and an optional key file
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sl-log.h"

G_BEGIN_DECLS

#define SL_CONFIG_ERROR (sl_config_error_quark ())

typedef enum {
  SL_CONFIG_ERROR_INVALID,    /* a value that does not parse or is out of range */
  SL_CONFIG_ERROR_UNKNOWN,    /* an unknown key in the key file */
  SL_CONFIG_ERROR_FILE,       /* the key file cannot be read */
} SlConfigError;

GQuark sl_config_error_quark (void);

typedef struct {
  guint       port;                 /* 0: any free port (tests) */
  char       *address;              /* NULL: every interface */
  char       *data_dir;
  char       *database;             /* NULL: SQLite in data_dir */
  char       *config_file;
  gboolean    demo;
  gboolean    registration;
  guint       access_token_ttl;     /* seconds */
  guint       refresh_token_ttl;    /* seconds */
  guint       max_body_size;        /* bytes */
  guint       login_max_failures;   /* per account, within login_window */
  guint       address_max_failures; /* per client address, within login_window */
  guint       login_window;         /* seconds */
  guint       hash_threads;
  SlLogLevel  log_level;
  gboolean    log_requests;
  char      **ws_origins;           /* extra Origins allowed to open /ws */
  gboolean    record;               /* record live classes */
  char      **ice_addresses;        /* NULL: ICE may use every interface */
  guint       max_viewers;          /* WHEP viewers per class */
  char       *web_dir;              /* the web viewer's files */
  char       *jwt_secret;           /* env/file only, never a flag */
  char       *admin_password;       /* STREAMLET_ADMIN_PASSWORD only */
} SlConfig;

SlConfig *sl_config_new        (void);
void      sl_config_free       (SlConfig *config);

/* Reads flags (removing them from argv), then the environment, then the key
 * file named by --config / STREAMLET_CONFIG; earlier sources win.
 * @envp: NULL for the process environment. */
gboolean  sl_config_load       (SlConfig   *config,
                                int        *argc,
                                char     ***argv,
                                char      **envp,
                                GError    **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlConfig, sl_config_free)

G_END_DECLS
