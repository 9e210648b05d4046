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

/* The columns every class query selects (FROM classes, or RETURNING from a
 * write to it), in the order the row readers expect; the owner's display
 * name comes from a correlated subquery so that one list serves both. */
#define SL_STORE_CLASS_COLUMNS \
  "classes.id, classes.owner_id," \
  " (SELECT users.display_name FROM users WHERE users.id = classes.owner_id)," \
  " classes.title, classes.description, classes.scheduled_at," \
  " classes.duration_minutes, classes.is_public, classes.state, classes.started_at," \
  " classes.ended_at, classes.stream_key, classes.created_at, classes.updated_at"
#define SL_STORE_N_CLASS_COLUMNS 14

/* The same for chat messages (FROM chat_messages or RETURNING). */
#define SL_STORE_CHAT_COLUMNS \
  "chat_messages.id, chat_messages.class_id, chat_messages.user_id," \
  " (SELECT users.display_name FROM users WHERE users.id = chat_messages.user_id)," \
  " chat_messages.text, chat_messages.created_at"

/* What the three class lists select and how they sort (SlClassList). */
#define SL_STORE_CLASS_LIVE_WHERE     " WHERE classes.state = 'live'"
#define SL_STORE_CLASS_LIVE_ORDER     " ORDER BY classes.started_at DESC, classes.id DESC"
#define SL_STORE_CLASS_UPCOMING_WHERE " WHERE classes.state = 'scheduled'"
#define SL_STORE_CLASS_UPCOMING_ORDER " ORDER BY classes.scheduled_at ASC, classes.id ASC"
#define SL_STORE_CLASS_PAST_WHERE     " WHERE classes.state IN ('ended', 'cancelled')"
#define SL_STORE_CLASS_PAST_ORDER \
  " ORDER BY coalesce(classes.ended_at, classes.updated_at) DESC, classes.id DESC"

/* The names of the states in @states, in flag order, NULL for the rest: the
 * parameters of a "state IN (?, ?, ?, ?)". */
#define SL_STORE_N_CLASS_STATES 4
void        _sl_store_state_names       (SlClassState      states,
                                         const char       *names[SL_STORE_N_CLASS_STATES]);

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

/* Applies, in order, each migration of @dialect that @apply does not skip
 * (it knows which versions its database has); @rollback undoes a failed
 * one.  The error names the failing file. */
typedef gboolean (*SlMigrationApplyFunc)    (gpointer          store,
                                             SlMigration      *migration,
                                             GError          **error);
typedef void     (*SlMigrationRollbackFunc) (gpointer          store);

gboolean    _sl_store_apply_migrations  (const char              *dialect,
                                         gpointer                 store,
                                         SlMigrationApplyFunc     apply,
                                         SlMigrationRollbackFunc  rollback,
                                         GError                 **error);

/* "%query%" with LIKE's metacharacters (% _ \) escaped by a backslash, so
 * the query matches literally with ESCAPE '\'; NULL for a NULL or empty
 * query (which matches everything). */
char       *_sl_store_like_pattern      (const char       *query);

SlRefreshResult *_sl_refresh_result_new (SlRefreshOutcome  outcome,
                                         const char       *session,
                                         SlUser           *user);

G_END_DECLS
