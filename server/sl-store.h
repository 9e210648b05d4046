/* sl-store.h: the server's storage interface (SQLite or PostgreSQL)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every implementation method is blocking and runs on the store's own
 * worker thread, one job at a time; callers only ever use the _async/_finish
 * pairs below, so no main loop that serves requests waits on the database.
 */
#pragma once

#include <gio/gio.h>

#include "sl-class.h"
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
  SL_STORE_ERROR_CONFLICT,    /* the row is in a state the change does not apply to */
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

/* Which fields sl_store_update_class_async() writes. */
typedef enum {
  SL_CLASS_FIELD_TITLE            = 1 << 0,
  SL_CLASS_FIELD_DESCRIPTION      = 1 << 1,
  SL_CLASS_FIELD_SCHEDULED_AT     = 1 << 2,
  SL_CLASS_FIELD_DURATION         = 1 << 3,
  SL_CLASS_FIELD_PUBLIC           = 1 << 4,
  SL_CLASS_FIELD_STREAM_KEY       = 1 << 5,
} SlClassFields;

typedef enum {
  SL_CLASS_LIST_LIVE,       /* state live, newest start first */
  SL_CLASS_LIST_UPCOMING,   /* state scheduled, soonest first */
  SL_CLASS_LIST_PAST,       /* ended or cancelled, latest end first */
} SlClassList;

/* One page of classes. */
typedef struct {
  GPtrArray *classes;   /* of SlClass */
  gint64     total;
} SlClassPage;

void sl_class_page_free (SlClassPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlClassPage, sl_class_page_free)

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

  /* Classes.  create_class stores owner_id, title, description,
   * scheduled_at, duration_minutes, is_public, stream_key (state scheduled)
   * and returns the row with owner_name filled in.  update_class and
   * set_class_state answer SL_STORE_ERROR_CONFLICT when the class's state
   * is not in @allowed, and change nothing then.  set_class_state sets
   * started_at when going live and ended_at when ending or cancelling. */
  SlClass          *(*create_class)          (SlStore       *self,
                                              const SlClass *klass,
                                              gint64         now,
                                              GError       **error);
  SlClass          *(*get_class)             (SlStore       *self,
                                              gint64         id,
                                              GError       **error);
  SlClassPage      *(*list_classes)          (SlStore       *self,
                                              SlClassList    which,
                                              guint          limit,
                                              guint          offset,
                                              GError       **error);
  SlClass          *(*update_class)          (SlStore       *self,
                                              gint64         id,
                                              SlClassFields  fields,
                                              const SlClass *values,
                                              SlClassState   allowed,
                                              gint64         now,
                                              GError       **error);
  SlClass          *(*set_class_state)       (SlStore       *self,
                                              gint64         id,
                                              SlClassState   allowed,
                                              SlClassState   to,
                                              gint64         now,
                                              GError       **error);

  /* Chat: list_chat_messages gives up to @limit messages older than
   * @before_id (0: the newest), oldest first, leaving deleted ones out.
   * delete_chat_message: NOT_FOUND unless the message is in that class and
   * not deleted yet. */
  SlChatMessage    *(*add_chat_message)      (SlStore       *self,
                                              gint64         class_id,
                                              gint64         user_id,
                                              const char    *text,
                                              gint64         now,
                                              GError       **error);
  GPtrArray        *(*list_chat_messages)    (SlStore       *self,
                                              gint64         class_id,
                                              gint64         before_id,
                                              guint          limit,
                                              GError       **error);
  gboolean          (*delete_chat_message)   (SlStore       *self,
                                              gint64         class_id,
                                              gint64         message_id,
                                              gint64         deleted_by,
                                              gint64         now,
                                              GError       **error);
  gboolean          (*set_muted)             (SlStore       *self,
                                              gint64         class_id,
                                              gint64         user_id,
                                              gboolean       muted,
                                              gint64         by,
                                              gint64         now,
                                              GError       **error);
  GArray           *(*list_muted)            (SlStore       *self,
                                              gint64         class_id,
                                              GError       **error);

  /* The hand queue of a class, in the order hands went up.  raise_hand
   * keeps an already raised hand where it is; both return the queue after
   * the change (of SlHand). */
  GPtrArray        *(*raise_hand)            (SlStore       *self,
                                              gint64         class_id,
                                              gint64         user_id,
                                              gint64         now,
                                              GError       **error);
  GPtrArray        *(*lower_hand)            (SlStore       *self,
                                              gint64         class_id,
                                              gint64         user_id,
                                              GError       **error);
  GPtrArray        *(*list_hands)            (SlStore       *self,
                                              gint64         class_id,
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

/* Classes, chat, mutes and hands: each the vfunc above, off the caller's
 * thread.  @now is taken when the call is made. */
void              sl_store_create_class_async    (SlStore              *self,
                                                  const SlClass        *klass,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlClass          *sl_store_create_class_finish   (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_get_class_async       (SlStore              *self,
                                                  gint64                id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlClass          *sl_store_get_class_finish      (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_list_classes_async    (SlStore              *self,
                                                  SlClassList           which,
                                                  guint                 limit,
                                                  guint                 offset,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlClassPage      *sl_store_list_classes_finish   (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_update_class_async    (SlStore              *self,
                                                  gint64                id,
                                                  SlClassFields         fields,
                                                  const SlClass        *values,
                                                  SlClassState          allowed,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlClass          *sl_store_update_class_finish   (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_set_class_state_async (SlStore              *self,
                                                  gint64                id,
                                                  SlClassState          allowed,
                                                  SlClassState          to,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlClass          *sl_store_set_class_state_finish (SlStore             *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_add_chat_message_async (SlStore             *self,
                                                  gint64                class_id,
                                                  gint64                user_id,
                                                  const char           *text,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
SlChatMessage    *sl_store_add_chat_message_finish (SlStore            *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_list_chat_messages_async (SlStore           *self,
                                                  gint64                class_id,
                                                  gint64                before_id,
                                                  guint                 limit,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray        *sl_store_list_chat_messages_finish (SlStore          *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_delete_chat_message_async (SlStore          *self,
                                                  gint64                class_id,
                                                  gint64                message_id,
                                                  gint64                deleted_by,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          sl_store_delete_chat_message_finish (SlStore         *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_set_muted_async       (SlStore              *self,
                                                  gint64                class_id,
                                                  gint64                user_id,
                                                  gboolean              muted,
                                                  gint64                by,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
gboolean          sl_store_set_muted_finish      (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_list_muted_async      (SlStore              *self,
                                                  gint64                class_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GArray           *sl_store_list_muted_finish     (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_raise_hand_async      (SlStore              *self,
                                                  gint64                class_id,
                                                  gint64                user_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray        *sl_store_raise_hand_finish     (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_lower_hand_async      (SlStore              *self,
                                                  gint64                class_id,
                                                  gint64                user_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray        *sl_store_lower_hand_finish     (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);
void              sl_store_list_hands_async      (SlStore              *self,
                                                  gint64                class_id,
                                                  GCancellable         *cancellable,
                                                  GAsyncReadyCallback   callback,
                                                  gpointer              user_data);
GPtrArray        *sl_store_list_hands_finish     (SlStore              *self,
                                                  GAsyncResult         *result,
                                                  GError              **error);

G_END_DECLS
