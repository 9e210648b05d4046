/* sl-store.h: the server's storage interface (SQLite or PostgreSQL)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every implementation method is blocking and runs on the store's own
 * worker thread, one job at a time; callers only ever use the _async/_finish
 * pairs below, so no main loop that serves requests waits on the database.
 */
#pragma once

#include <gio/gio.h>

#include "sl-user.h"

G_BEGIN_DECLS

#define SL_STORE_ERROR (sl_store_error_quark ())

typedef enum {
  SL_STORE_ERROR_FAILED,      /* the database said no (I/O, SQL, lost connection) */
  SL_STORE_ERROR_CONNECT,     /* could not open or connect */
  SL_STORE_ERROR_MIGRATION,   /* a schema migration failed */
  SL_STORE_ERROR_NOT_FOUND,   /* no such row */
  SL_STORE_ERROR_EXISTS,      /* a unique value is taken (username) */
  SL_STORE_ERROR_CLOSED,      /* the store was closed */
  SL_STORE_ERROR_INVALID,     /* bad argument (unknown URL scheme, …) */
} SlStoreError;

GQuark sl_store_error_quark (void);

/* Which fields sl_store_update_user_async() writes. */
typedef enum {
  SL_USER_FIELD_DISPLAY_NAME  = 1 << 0,
  SL_USER_FIELD_ROLE          = 1 << 1,
  SL_USER_FIELD_DISABLED      = 1 << 2,
  SL_USER_FIELD_PASSWORD_HASH = 1 << 3,
} SlUserFields;

typedef enum {
  SL_REFRESH_OK,        /* rotated: the old token is spent, the new one stored */
  SL_REFRESH_UNKNOWN,   /* no such token */
  SL_REFRESH_REUSED,    /* already spent or revoked: its whole login is revoked now */
  SL_REFRESH_EXPIRED,
  SL_REFRESH_DISABLED,  /* the account is disabled: its login is revoked now */
} SlRefreshOutcome;

/* One page of users. */
typedef struct {
  GPtrArray *users;     /* of SlUser */
  gint64     total;     /* rows matching the query, ignoring limit/offset */
} SlUserPage;

void sl_user_page_free (SlUserPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlUserPage, sl_user_page_free)

/* The result of a successful refresh token rotation. */
typedef struct {
  SlRefreshOutcome outcome;
  SlUser          *user;     /* set when outcome == SL_REFRESH_OK */
  char            *session;  /* the login ("family") the token belongs to */
} SlRefreshResult;

void sl_refresh_result_free (SlRefreshResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlRefreshResult, sl_refresh_result_free)

#define SL_TYPE_STORE (sl_store_get_type ())
G_DECLARE_INTERFACE (SlStore, sl_store, SL, STORE, GObject)

struct _SlStoreInterface
{
  GTypeInterface parent_iface;

  /* All blocking; all called on the worker thread only. */
  gboolean          (*open)                  (SlStore       *self,
                                              GError       **error);
  void              (*close)                 (SlStore       *self);

  SlUser           *(*create_user)           (SlStore       *self,
                                              const SlUser  *user,
                                              GError       **error);
  SlUser           *(*get_user)              (SlStore       *self,
                                              gint64         id,
                                              GError       **error);
  SlUser           *(*get_user_by_name)      (SlStore       *self,
                                              const char    *username,
                                              GError       **error);
  SlUserPage       *(*list_users)            (SlStore       *self,
                                              const char    *query,
                                              guint          limit,
                                              guint          offset,
                                              GError       **error);
  SlUser           *(*update_user)           (SlStore       *self,
                                              gint64         id,
                                              SlUserFields   fields,
                                              const SlUser  *values,
                                              gint64         now,
                                              GError       **error);
  gint64            (*count_users)           (SlStore       *self,
                                              GError       **error);
  GArray           *(*list_disabled_users)   (SlStore       *self,
                                              GError       **error);

  gboolean          (*add_refresh_token)     (SlStore       *self,
                                              gint64         user_id,
                                              const char    *session,
                                              const char    *token_hash,
                                              gint64         expires_at,
                                              gint64         now,
                                              GError       **error);
  SlRefreshResult  *(*rotate_refresh_token)  (SlStore       *self,
                                              const char    *old_hash,
                                              const char    *new_hash,
                                              gint64         new_expires_at,
                                              gint64         now,
                                              GError       **error);
  gboolean          (*revoke_session)        (SlStore       *self,
                                              const char    *session,
                                              gint64         now,
                                              GError       **error);
  /* Returns the sessions it revoked (strings, each once). */
  GPtrArray        *(*revoke_user_sessions)  (SlStore       *self,
                                              gint64         user_id,
                                              const char    *except_session,
                                              gint64         now,
                                              GError       **error);
};

/* "sqlite:///path/file.db", a plain file path, "postgresql://…" or
 * "postgres://…"; NULL or "" means SQLite in @data_dir.  Opens the store
 * (connects and applies migrations) before returning; blocking, for start-up. */
SlStore          *sl_store_new_for_url           (const char           *url,
                                                  const char           *data_dir,
                                                  GError              **error);
/* Finishes queued jobs, then closes.  Blocks; for shutdown. */
void              sl_store_close                 (SlStore              *self);
/* A short name for logs: "sqlite" or "postgresql". */
const char       *sl_store_get_dialect           (SlStore              *self);

/* Errors: SL_STORE_ERROR_CLOSED after sl_store_close(); G_IO_ERROR_CANCELLED
 * when @cancellable fires before the job has run. */

/* EXISTS when the username is taken, INVALID for a bad username, role,
 * display name or empty password hash.  A created_at (updated_at) of 0
 * means now. */
void              sl_store_create_user_async     (SlStore              *self,
                                                  const SlUser         *user,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlUser           *sl_store_create_user_finish    (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_get_user_async        (SlStore              *self,
                                                  gint64                id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlUser           *sl_store_get_user_finish       (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_get_user_by_name_async (SlStore             *self,
                                                  const char           *username,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlUser           *sl_store_get_user_by_name_finish (SlStore            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* @query: a case-insensitive substring of the username or display name,
 * matched literally (% and _ are plain characters); NULL or "" for all.
 * Ordered by id; @limit 0 means no limit. */
void              sl_store_list_users_async      (SlStore              *self,
                                                  const char           *query,
                                                  guint                 limit,
                                                  guint                 offset,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlUserPage       *sl_store_list_users_finish     (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* Writes only the @fields of @values (and updated_at); NOT_FOUND when there
 * is no such user. */
void              sl_store_update_user_async     (SlStore              *self,
                                                  gint64                id,
                                                  SlUserFields          fields,
                                                  const SlUser         *values,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlUser           *sl_store_update_user_finish    (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_count_users_async     (SlStore              *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gint64            sl_store_count_users_finish    (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_list_disabled_users_async (SlStore          *self,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GArray           *sl_store_list_disabled_users_finish (SlStore         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
/* NOT_FOUND when there is no such user, EXISTS when the hash is stored. */
void              sl_store_add_refresh_token_async (SlStore            *self,
                                                  gint64                user_id,
                                                  const char           *session,
                                                  const char           *token_hash,
                                                  gint64                expires_at,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          sl_store_add_refresh_token_finish (SlStore           *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_rotate_refresh_token_async (SlStore         *self,
                                                  const char           *old_hash,
                                                  const char           *new_hash,
                                                  gint64                new_expires_at,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlRefreshResult  *sl_store_rotate_refresh_token_finish (SlStore        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_revoke_session_async  (SlStore              *self,
                                                  const char           *session,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          sl_store_revoke_session_finish (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_revoke_user_sessions_async (SlStore         *self,
                                                  gint64                user_id,
                                                  const char           *except_session,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
/* The sessions revoked (strings, each once), NULL on error. */
GPtrArray        *sl_store_revoke_user_sessions_finish (SlStore        *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
