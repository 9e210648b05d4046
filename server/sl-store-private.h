/* sl-store-private.h: what the store implementations share with sl-store.c
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-store.h"

G_BEGIN_DECLS

/* Where the migrations live in the server's gresource: one folder per
 * dialect, files named NNNN_name.sql, applied in version order. */
#define SL_STORE_MIGRATIONS_PATH "/io/github/streamlet/server/sql"

/* The columns every user query selects, in the order the row readers expect. */
#define SL_STORE_USER_COLUMNS \
  "id, username, display_name, role, disabled, password_hash, created_at, updated_at"
#define SL_STORE_USER_COLUMNS_U \
  "u.id, u.username, u.display_name, u.role, u.disabled, u.password_hash, " \
  "u.created_at, u.updated_at"
#define SL_STORE_N_USER_COLUMNS 8

typedef struct {
  guint  version;   /* the NNNN of the file name */
  char  *name;      /* "0001_accounts.sql" */
  char  *sql;       /* the script, NUL-terminated */
} SlMigration;

void        _sl_migration_free          (SlMigration *migration);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlMigration, _sl_migration_free)

/* The migrations of @dialect ("sqlite", "postgresql"), sorted by version;
 * a GPtrArray of SlMigration. */
GPtrArray  *_sl_store_load_migrations   (const char       *dialect,
                                         GError          **error);

/* "%query%" with LIKE's metacharacters (% _ \) escaped by a backslash, so
 * the query matches literally with ESCAPE '\'; NULL for a NULL or empty
 * query (which matches everything). */
char       *_sl_store_like_pattern      (const char       *query);

SlRefreshResult *_sl_refresh_result_new (SlRefreshOutcome  outcome,
                                         const char       *session,
                                         SlUser           *user);

G_END_DECLS
