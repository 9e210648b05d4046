/* sl-store-sqlite.c: SlStore on a SQLite file
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-store-sqlite"

#include "config.h"

#include "sl-store-sqlite.h"
#include "sl-store-private.h"

#include <sqlite3.h>
#include <string.h>

/* Statements we own and finalize. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Statements borrowed from the cache: reset and unbound when done. */
typedef sqlite3_stmt SlSqliteCachedStmt;

static void
sl_sqlite_cached_stmt_release (SlSqliteCachedStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlSqliteCachedStmt, sl_sqlite_cached_stmt_release)

static void
sl_sqlite_stmt_free (gpointer stmt)
{
  sqlite3_finalize (stmt);
}

#define SL_SQLITE_BUSY_TIMEOUT_MS 5000

struct _SlStoreSqlite
{
  GObject     parent_instance;

  char       *path;
  sqlite3    *db;
  GHashTable *statements;  /* SQL text (static) → sqlite3_stmt */
};

static void sl_store_sqlite_store_iface_init (SlStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SlStoreSqlite, sl_store_sqlite, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SL_TYPE_STORE,
                                                      sl_store_sqlite_store_iface_init))

/* Helpers */

static void
sl_sqlite_set_error (SlStoreSqlite  *self,
                     int             rc,
                     GError        **error)
{
  SlStoreError code;

  switch (rc)
    {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      code = SL_STORE_ERROR_EXISTS;
      break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      code = SL_STORE_ERROR_NOT_FOUND;
      break;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
      code = SL_STORE_ERROR_INVALID;
      break;
    default:
      code = SL_STORE_ERROR_FAILED;
      break;
    }
  g_set_error (error, SL_STORE_ERROR, code, "%s",
               self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
}

static gboolean
sl_sqlite_check_open (SlStoreSqlite  *self,
                      GError        **error)
{
  if (self->db != NULL)
    return TRUE;
  g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CLOSED, "The store is closed");
  return FALSE;
}

static gboolean
sl_sqlite_exec (SlStoreSqlite  *self,
                const char     *sql,
                GError        **error)
{
  int rc;

  if (!sl_sqlite_check_open (self, error))
    return FALSE;
  rc = sqlite3_exec (self->db, sql, NULL, NULL, NULL);
  if (rc != SQLITE_OK)
    {
      sl_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  return TRUE;
}

static void
sl_sqlite_rollback (SlStoreSqlite *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db) &&
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
    g_warning ("Could not roll back: %s", sqlite3_errmsg (self->db));
}

/* A cached, prepared statement; released (reset) by g_autoptr(SlSqliteCachedStmt). */
static SlSqliteCachedStmt *
sl_sqlite_prepare (SlStoreSqlite  *self,
                   const char     *sql,
                   GError        **error)
{
  sqlite3_stmt *stmt;
  int rc;

  if (!sl_sqlite_check_open (self, error))
    return NULL;

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    return stmt;

  rc = sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sl_sqlite_set_error (self, rc, error);
      g_prefix_error (error, "Could not prepare a statement: ");
      return NULL;
    }
  g_hash_table_insert (self->statements, (gpointer) sql, stmt);
  return stmt;
}

/* SQLITE_ROW or SQLITE_DONE, or 0 with @error set. */
static int
sl_sqlite_step (SlStoreSqlite  *self,
                sqlite3_stmt   *stmt,
                GError        **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW || rc == SQLITE_DONE)
    return rc;
  sl_sqlite_set_error (self, rc, error);
  return 0;
}

static void
sl_sqlite_bind_text (sqlite3_stmt *stmt,
                     int           index,
                     const char   *value)
{
  if (value == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, value, -1, SQLITE_TRANSIENT);
}

static char *
sl_sqlite_column_dup (sqlite3_stmt *stmt,
                      int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Reads SL_STORE_USER_COLUMNS from @first on. */
static SlUser *
sl_sqlite_read_user (sqlite3_stmt  *stmt,
                     int            first,
                     GError       **error)
{
  g_autoptr(SlUser) user = sl_user_new ();
  const char *role = (const char *) sqlite3_column_text (stmt, first + 3);

  user->id = sqlite3_column_int64 (stmt, first);
  user->username = sl_sqlite_column_dup (stmt, first + 1);
  user->display_name = sl_sqlite_column_dup (stmt, first + 2);
  if (!sl_role_from_string (role, &user->role))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED,
                   "User %" G_GINT64_FORMAT " has an unknown role “%s”",
                   user->id, role != NULL ? role : "");
      return NULL;
    }
  user->disabled = sqlite3_column_int (stmt, first + 4) != 0;
  user->password_hash = sl_sqlite_column_dup (stmt, first + 5);
  user->created_at = sqlite3_column_int64 (stmt, first + 6);
  user->updated_at = sqlite3_column_int64 (stmt, first + 7);
  return g_steal_pointer (&user);
}

/* Runs a statement that returns at most one user row. */
static SlUser *
sl_sqlite_step_user (SlStoreSqlite  *self,
                     sqlite3_stmt   *stmt,
                     GError        **error)
{
  switch (sl_sqlite_step (self, stmt, error))
    {
    case SQLITE_ROW:
      return sl_sqlite_read_user (stmt, 0, error);
    case SQLITE_DONE:
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND, "No such user");
      return NULL;
    default:
      return NULL;
    }
}

/* Case-insensitive search beyond ASCII: sl_fold(text) lower-cases UTF-8. */
static void
sl_sqlite_fold_cb (sqlite3_context  *context,
                   int               argc,
                   sqlite3_value   **argv)
{
  const char *text = (const char *) sqlite3_value_text (argv[0]);
  int len = sqlite3_value_bytes (argv[0]);

  if (text == NULL)
    sqlite3_result_null (context);
  else if (!g_utf8_validate_len (text, (gsize) len, NULL))
    sqlite3_result_value (context, argv[0]);
  else
    sqlite3_result_text (context, g_utf8_strdown (text, len), -1, g_free);
}

/* Migrations */

static gboolean
sl_sqlite_is_applied (SlStoreSqlite  *self,
                      guint           version,
                      gboolean       *applied,
                      GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (self->db, "SELECT 1 FROM schema_migrations WHERE version = ?1",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sl_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, version);
  rc = sl_sqlite_step (self, stmt, error);
  *applied = rc == SQLITE_ROW;
  return rc != 0;
}

static gboolean
sl_sqlite_apply (SlStoreSqlite  *self,
                 SlMigration    *migration,
                 GError        **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean applied = FALSE;
  int rc;

  /* IMMEDIATE: another process opening the same file waits for us. */
  if (!sl_sqlite_exec (self, "BEGIN IMMEDIATE", error) ||
      !sl_sqlite_is_applied (self, migration->version, &applied, error))
    return FALSE;
  if (applied)
    return sl_sqlite_exec (self, "COMMIT", error);

  g_debug ("Applying sqlite/%s", migration->name);
  if (!sl_sqlite_exec (self, migration->sql, error))
    return FALSE;

  rc = sqlite3_prepare_v2 (self->db,
                           "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                           -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    {
      sl_sqlite_set_error (self, rc, error);
      return FALSE;
    }
  sqlite3_bind_int64 (stmt, 1, migration->version);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  if (!sl_sqlite_step (self, stmt, error))
    return FALSE;

  return sl_sqlite_exec (self, "COMMIT", error);
}

static gboolean
sl_sqlite_migrate (SlStoreSqlite  *self,
                   GError        **error)
{
  if (!sl_sqlite_exec (self,
                       "CREATE TABLE IF NOT EXISTS schema_migrations ("
                       " version INTEGER PRIMARY KEY,"
                       " applied_at INTEGER NOT NULL)",
                       error))
    {
      g_prefix_error (error, "Could not create schema_migrations: ");
      return FALSE;
    }

  return _sl_store_apply_migrations ("sqlite", self, (SlMigrationApplyFunc) sl_sqlite_apply,
                                     (SlMigrationRollbackFunc) sl_sqlite_rollback, error);
}

/* SlStore */

static void
sl_store_sqlite_close (SlStore *store)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);

  /* Statements first: a connection with live statements does not close. */
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      int rc = sqlite3_close (self->db);

      if (rc != SQLITE_OK)
        g_warning ("Could not close %s: %s", self->path, sqlite3_errstr (rc));
      self->db = NULL;
    }
}

static gboolean
sl_store_sqlite_open (SlStore  *store,
                      GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(GError) local_error = NULL;
  int rc;

  g_return_val_if_fail (self->db == NULL, FALSE);

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_EXRESCODE,
                        NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT,
                   "Could not open %s: %s", self->path,
                   self->db != NULL ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      sl_store_sqlite_close (store);
      return FALSE;
    }

  sqlite3_extended_result_codes (self->db, 1);
  sqlite3_busy_timeout (self->db, SL_SQLITE_BUSY_TIMEOUT_MS);
  rc = sqlite3_create_function_v2 (self->db, "sl_fold", 1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                   NULL, sl_sqlite_fold_cb, NULL, NULL, NULL);
  if (rc != SQLITE_OK ||
      !sl_sqlite_exec (self,
                       "PRAGMA journal_mode = WAL;"
                       "PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = ON;",
                       &local_error))
    {
      /* Also what a file that is not a database gives. */
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT, "Could not open %s: %s",
                   self->path,
                   local_error != NULL ? local_error->message : sqlite3_errstr (rc));
      sl_store_sqlite_close (store);
      return FALSE;
    }

  if (!sl_sqlite_migrate (self, error))
    {
      sl_store_sqlite_close (store);
      return FALSE;
    }
  return TRUE;
}

static SlUser *
sl_store_sqlite_create_user (SlStore       *store,
                             const SlUser  *user,
                             GError       **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  SlUser *created;

  stmt = sl_sqlite_prepare (self,
                            "INSERT INTO users (username, display_name, role, disabled,"
                            " password_hash, created_at, updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                            " RETURNING " SL_STORE_USER_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sl_sqlite_bind_text (stmt, 1, user->username);
  sl_sqlite_bind_text (stmt, 2, user->display_name);
  sl_sqlite_bind_text (stmt, 3, sl_role_to_string (user->role));
  sqlite3_bind_int (stmt, 4, user->disabled ? 1 : 0);
  sl_sqlite_bind_text (stmt, 5, user->password_hash);
  sqlite3_bind_int64 (stmt, 6, user->created_at);
  sqlite3_bind_int64 (stmt, 7, user->updated_at);

  created = sl_sqlite_step_user (self, stmt, error);
  if (created == NULL)
    g_prefix_error (error, "Could not create user “%s”: ", user->username);
  return created;
}

static SlUser *
sl_store_sqlite_get_user (SlStore  *store,
                          gint64    id,
                          GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self, "SELECT " SL_STORE_USER_COLUMNS " FROM users WHERE id = ?1",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  return sl_sqlite_step_user (self, stmt, error);
}

static SlUser *
sl_store_sqlite_get_user_by_name (SlStore     *store,
                                  const char  *username,
                                  GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self,
                            "SELECT " SL_STORE_USER_COLUMNS " FROM users WHERE username = ?1",
                            error);
  if (stmt == NULL)
    return NULL;
  sl_sqlite_bind_text (stmt, 1, username);
  return sl_sqlite_step_user (self, stmt, error);
}

#define SL_SQLITE_USER_MATCH \
  " WHERE ?1 IS NULL" \
  " OR sl_fold(username) LIKE sl_fold(?1) ESCAPE '\\'" \
  " OR sl_fold(display_name) LIKE sl_fold(?1) ESCAPE '\\'"

static gboolean
sl_sqlite_count_matches (SlStoreSqlite  *self,
                         const char     *pattern,
                         gint64         *total,
                         GError        **error)
{
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self, "SELECT count(*) FROM users" SL_SQLITE_USER_MATCH, error);
  if (stmt == NULL)
    return FALSE;
  sl_sqlite_bind_text (stmt, 1, pattern);
  if (sl_sqlite_step (self, stmt, error) != SQLITE_ROW)
    return FALSE;
  *total = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static SlUserPage *
sl_store_sqlite_list_users (SlStore     *store,
                            const char  *query,
                            guint        limit,
                            guint        offset,
                            GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autofree char *pattern = _sl_store_like_pattern (query);
  g_autoptr(SlUserPage) page = g_new0 (SlUserPage, 1);
  int rc;

  page->users = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_user_free);
  if (!sl_sqlite_count_matches (self, pattern, &page->total, error))
    return NULL;

  stmt = sl_sqlite_prepare (self,
                            "SELECT " SL_STORE_USER_COLUMNS " FROM users"
                            SL_SQLITE_USER_MATCH
                            " ORDER BY id LIMIT ?2 OFFSET ?3",
                            error);
  if (stmt == NULL)
    return NULL;
  sl_sqlite_bind_text (stmt, 1, pattern);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);
  sqlite3_bind_int64 (stmt, 3, offset);

  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    {
      SlUser *user = sl_sqlite_read_user (stmt, 0, error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (page->users, user);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&page);
}

static SlUser *
sl_store_sqlite_update_user (SlStore       *store,
                             gint64         id,
                             SlUserFields   fields,
                             const SlUser  *values,
                             gint64         now,
                             GError       **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  /* A NULL parameter keeps the column as it is. */
  stmt = sl_sqlite_prepare (self,
                            "UPDATE users SET"
                            " display_name = coalesce(?2, display_name),"
                            " role = coalesce(?3, role),"
                            " disabled = coalesce(?4, disabled),"
                            " password_hash = coalesce(?5, password_hash),"
                            " updated_at = ?6"
                            " WHERE id = ?1"
                            " RETURNING " SL_STORE_USER_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (fields & SL_USER_FIELD_DISPLAY_NAME)
    sl_sqlite_bind_text (stmt, 2, values->display_name);
  if (fields & SL_USER_FIELD_ROLE)
    sl_sqlite_bind_text (stmt, 3, sl_role_to_string (values->role));
  if (fields & SL_USER_FIELD_DISABLED)
    sqlite3_bind_int (stmt, 4, values->disabled ? 1 : 0);
  if (fields & SL_USER_FIELD_PASSWORD_HASH)
    sl_sqlite_bind_text (stmt, 5, values->password_hash);
  sqlite3_bind_int64 (stmt, 6, now);

  return sl_sqlite_step_user (self, stmt, error);
}

static gint64
sl_store_sqlite_count_users (SlStore  *store,
                             GError  **error)
{
  gint64 total = -1;

  if (!sl_sqlite_count_matches (SL_STORE_SQLITE (store), NULL, &total, error))
    return -1;
  return total;
}

static GArray *
sl_store_sqlite_list_disabled_users (SlStore  *store,
                                     GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = sl_sqlite_prepare (self, "SELECT id FROM users WHERE disabled <> 0 ORDER BY id", error);
  if (stmt == NULL)
    return NULL;
  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&ids);
}

static gboolean
sl_store_sqlite_add_refresh_token (SlStore     *store,
                                   gint64       user_id,
                                   const char  *session,
                                   const char  *token_hash,
                                   gint64       expires_at,
                                   gint64       now,
                                   GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self,
                            "INSERT INTO refresh_tokens (user_id, session, token_hash,"
                            " created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sl_sqlite_bind_text (stmt, 2, session);
  sl_sqlite_bind_text (stmt, 3, token_hash);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, expires_at);
  if (!sl_sqlite_step (self, stmt, error))
    {
      g_prefix_error (error, "Could not store a refresh token for user %" G_GINT64_FORMAT ": ",
                      user_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sl_store_sqlite_revoke_session (SlStore     *store,
                                const char  *session,
                                gint64       now,
                                GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self,
                            "UPDATE refresh_tokens SET revoked_at = ?2"
                            " WHERE session = ?1 AND revoked_at IS NULL",
                            error);
  if (stmt == NULL)
    return FALSE;
  sl_sqlite_bind_text (stmt, 1, session);
  sqlite3_bind_int64 (stmt, 2, now);
  return sl_sqlite_step (self, stmt, error) != 0;
}

static GPtrArray *
sl_store_sqlite_revoke_user_sessions (SlStore     *store,
                                      gint64       user_id,
                                      const char  *except_session,
                                      gint64       now,
                                      GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) sessions = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = sl_sqlite_prepare (self,
                            "UPDATE refresh_tokens SET revoked_at = ?3"
                            " WHERE user_id = ?1 AND revoked_at IS NULL"
                            " AND (?2 IS NULL OR session <> ?2)"
                            " RETURNING session",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, user_id);
  sl_sqlite_bind_text (stmt, 2, except_session);
  sqlite3_bind_int64 (stmt, 3, now);
  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    {
      const char *session = (const char *) sqlite3_column_text (stmt, 0);

      if (session != NULL &&
          !g_ptr_array_find_with_equal_func (sessions, session, g_str_equal, NULL))
        g_ptr_array_add (sessions, g_strdup (session));
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&sessions);
}

/* The body of rotate_refresh_token(), inside its transaction. */
static SlRefreshResult *
sl_sqlite_rotate (SlStoreSqlite  *self,
                  const char     *old_hash,
                  const char     *new_hash,
                  gint64          new_expires_at,
                  gint64          now,
                  GError        **error)
{
  g_autoptr(SlUser) user = NULL;
  g_autofree char *session = NULL;
  gint64 expires_at;
  gboolean used;

  {
    g_autoptr(SlSqliteCachedStmt) stmt = NULL;

    stmt = sl_sqlite_prepare (self,
                              "SELECT " SL_STORE_USER_COLUMNS_U ", t.session, t.expires_at,"
                              " t.spent_at IS NOT NULL OR t.revoked_at IS NOT NULL"
                              " FROM refresh_tokens t JOIN users u ON u.id = t.user_id"
                              " WHERE t.token_hash = ?1",
                              error);
    if (stmt == NULL)
      return NULL;
    sl_sqlite_bind_text (stmt, 1, old_hash);
    switch (sl_sqlite_step (self, stmt, error))
      {
      case SQLITE_DONE:
        return _sl_refresh_result_new (SL_REFRESH_UNKNOWN, NULL, NULL);
      case SQLITE_ROW:
        break;
      default:
        return NULL;
      }
    user = sl_sqlite_read_user (stmt, 0, error);
    if (user == NULL)
      return NULL;
    session = sl_sqlite_column_dup (stmt, SL_STORE_N_USER_COLUMNS);
    expires_at = sqlite3_column_int64 (stmt, SL_STORE_N_USER_COLUMNS + 1);
    used = sqlite3_column_int (stmt, SL_STORE_N_USER_COLUMNS + 2) != 0;
  }

  if (used || user->disabled)
    {
      if (!sl_store_sqlite_revoke_session (SL_STORE (self), session, now, error))
        return NULL;
      return _sl_refresh_result_new (used ? SL_REFRESH_REUSED : SL_REFRESH_DISABLED,
                                     session, NULL);
    }
  if (expires_at <= now)
    return _sl_refresh_result_new (SL_REFRESH_EXPIRED, session, NULL);

  {
    g_autoptr(SlSqliteCachedStmt) stmt = NULL;

    stmt = sl_sqlite_prepare (self,
                              "UPDATE refresh_tokens SET spent_at = ?2 WHERE token_hash = ?1",
                              error);
    if (stmt == NULL)
      return NULL;
    sl_sqlite_bind_text (stmt, 1, old_hash);
    sqlite3_bind_int64 (stmt, 2, now);
    if (!sl_sqlite_step (self, stmt, error))
      return NULL;
  }

  if (!sl_store_sqlite_add_refresh_token (SL_STORE (self), user->id, session, new_hash,
                                          new_expires_at, now, error))
    return NULL;

  return _sl_refresh_result_new (SL_REFRESH_OK, session, g_steal_pointer (&user));
}

static SlRefreshResult *
sl_store_sqlite_rotate_refresh_token (SlStore     *store,
                                      const char  *old_hash,
                                      const char  *new_hash,
                                      gint64       new_expires_at,
                                      gint64       now,
                                      GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlRefreshResult) result = NULL;

  if (!sl_sqlite_exec (self, "BEGIN IMMEDIATE", error))
    return NULL;
  result = sl_sqlite_rotate (self, old_hash, new_hash, new_expires_at, now, error);
  if (result == NULL || !sl_sqlite_exec (self, "COMMIT", error))
    {
      sl_sqlite_rollback (self);
      g_prefix_error (error, "Could not rotate a refresh token: ");
      return NULL;
    }
  return g_steal_pointer (&result);
}

/* Classes */

/* Reads SL_STORE_CLASS_COLUMNS. */
static SlClass *
sl_sqlite_read_class (sqlite3_stmt  *stmt,
                      GError       **error)
{
  g_autoptr(SlClass) klass = g_new0 (SlClass, 1);
  const char *state = (const char *) sqlite3_column_text (stmt, 8);

  klass->id = sqlite3_column_int64 (stmt, 0);
  klass->owner_id = sqlite3_column_int64 (stmt, 1);
  klass->owner_name = sl_sqlite_column_dup (stmt, 2);
  klass->title = sl_sqlite_column_dup (stmt, 3);
  klass->description = sl_sqlite_column_dup (stmt, 4);
  klass->scheduled_at = sqlite3_column_int64 (stmt, 5);
  klass->duration_minutes = sqlite3_column_int (stmt, 6);
  klass->is_public = sqlite3_column_int (stmt, 7) != 0;
  if (!sl_class_state_from_string (state, &klass->state))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED,
                   "Class %" G_GINT64_FORMAT " has an unknown state “%s”",
                   klass->id, state != NULL ? state : "");
      return NULL;
    }
  klass->started_at = sqlite3_column_int64 (stmt, 9);
  klass->ended_at = sqlite3_column_int64 (stmt, 10);
  klass->stream_key = sl_sqlite_column_dup (stmt, 11);
  klass->created_at = sqlite3_column_int64 (stmt, 12);
  klass->updated_at = sqlite3_column_int64 (stmt, 13);
  return g_steal_pointer (&klass);
}

/* Runs a statement that returns at most one class row; SQLITE_DONE (no
 * row) is 0 with no error set, for the caller to explain. */
static SlClass *
sl_sqlite_step_class (SlStoreSqlite  *self,
                      sqlite3_stmt   *stmt,
                      gboolean       *found,
                      GError        **error)
{
  *found = FALSE;
  switch (sl_sqlite_step (self, stmt, error))
    {
    case SQLITE_ROW:
      *found = TRUE;
      return sl_sqlite_read_class (stmt, error);
    default:
      return NULL;
    }
}

static SlClass *
sl_store_sqlite_get_class (SlStore  *store,
                           gint64    id,
                           GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  SlClass *klass;
  gboolean found;

  stmt = sl_sqlite_prepare (self,
                            "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes WHERE classes.id = ?1",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  klass = sl_sqlite_step_class (self, stmt, &found, &local_error);
  if (local_error != NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  else if (!found)
    g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND,
                 "No class %" G_GINT64_FORMAT, id);
  return klass;
}

/* After a guarded write changed no row: NOT_FOUND or CONFLICT. */
static void
sl_sqlite_explain_unchanged (SlStoreSqlite  *self,
                             gint64          id,
                             GError        **error)
{
  g_autoptr(SlClass) klass = sl_store_sqlite_get_class (SL_STORE (self), id, error);

  if (klass != NULL)
    g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT,
                 "Class %" G_GINT64_FORMAT " is %s", id, sl_class_state_to_string (klass->state));
}

static SlClass *
sl_store_sqlite_create_class (SlStore        *store,
                              const SlClass  *klass,
                              gint64          now,
                              GError        **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  SlClass *created;
  gboolean found;

  stmt = sl_sqlite_prepare (self,
                            "INSERT INTO classes (owner_id, title, description, scheduled_at,"
                            " duration_minutes, is_public, state, stream_key, created_at,"
                            " updated_at)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'scheduled', ?7, ?8, ?8)"
                            " RETURNING " SL_STORE_CLASS_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, klass->owner_id);
  sl_sqlite_bind_text (stmt, 2, klass->title);
  sl_sqlite_bind_text (stmt, 3, klass->description);
  sqlite3_bind_int64 (stmt, 4, klass->scheduled_at);
  sqlite3_bind_int (stmt, 5, klass->duration_minutes);
  sqlite3_bind_int (stmt, 6, klass->is_public ? 1 : 0);
  sl_sqlite_bind_text (stmt, 7, klass->stream_key);
  sqlite3_bind_int64 (stmt, 8, now);

  created = sl_sqlite_step_class (self, stmt, &found, &local_error);
  if (local_error == NULL && !found)
    g_set_error (&local_error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED, "No row came back");
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not create class “%s”: ", klass->title);
      return NULL;
    }
  return created;
}

static SlClassPage *
sl_store_sqlite_list_classes (SlStore      *store,
                              SlClassList   which,
                              guint         limit,
                              guint         offset,
                              GError      **error)
{
  static const struct {
    const char *count;
    const char *rows;
  } queries[] = {
    [SL_CLASS_LIST_LIVE] = {
      "SELECT count(*) FROM classes" SL_STORE_CLASS_LIVE_WHERE,
      "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes" SL_STORE_CLASS_LIVE_WHERE
      SL_STORE_CLASS_LIVE_ORDER " LIMIT ?1 OFFSET ?2",
    },
    [SL_CLASS_LIST_UPCOMING] = {
      "SELECT count(*) FROM classes" SL_STORE_CLASS_UPCOMING_WHERE,
      "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes" SL_STORE_CLASS_UPCOMING_WHERE
      SL_STORE_CLASS_UPCOMING_ORDER " LIMIT ?1 OFFSET ?2",
    },
    [SL_CLASS_LIST_PAST] = {
      "SELECT count(*) FROM classes" SL_STORE_CLASS_PAST_WHERE,
      "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes" SL_STORE_CLASS_PAST_WHERE
      SL_STORE_CLASS_PAST_ORDER " LIMIT ?1 OFFSET ?2",
    },
  };
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlClassPage) page = g_new0 (SlClassPage, 1);
  int rc;

  if ((guint) which >= G_N_ELEMENTS (queries))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID, "Unknown class list %d",
                   (int) which);
      return NULL;
    }
  page->classes = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_class_free);

  {
    g_autoptr(SlSqliteCachedStmt) stmt = sl_sqlite_prepare (self, queries[which].count, error);

    if (stmt == NULL || sl_sqlite_step (self, stmt, error) != SQLITE_ROW)
      return NULL;
    page->total = sqlite3_column_int64 (stmt, 0);
  }

  {
    g_autoptr(SlSqliteCachedStmt) stmt = sl_sqlite_prepare (self, queries[which].rows, error);

    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, limit > 0 ? (gint64) limit : -1);
    sqlite3_bind_int64 (stmt, 2, offset);
    while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
      {
        SlClass *klass = sl_sqlite_read_class (stmt, error);

        if (klass == NULL)
          return NULL;
        g_ptr_array_add (page->classes, klass);
      }
    if (rc == 0)
      return NULL;
  }
  return g_steal_pointer (&page);
}

/* Binds the names of @allowed to ?@first … ?@first+3. */
static void
sl_sqlite_bind_states (sqlite3_stmt *stmt,
                       int           first,
                       SlClassState  allowed)
{
  const char *names[SL_STORE_N_CLASS_STATES];

  _sl_store_state_names (allowed, names);
  for (int i = 0; i < SL_STORE_N_CLASS_STATES; i++)
    sl_sqlite_bind_text (stmt, first + i, names[i]);
}

static SlClass *
sl_store_sqlite_update_class (SlStore        *store,
                              gint64          id,
                              SlClassFields   fields,
                              const SlClass  *values,
                              SlClassState    allowed,
                              gint64          now,
                              GError        **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SlClass) updated = NULL;
  gboolean found;

  /* One statement: the state is checked where the row is written.  A NULL
   * parameter keeps the column as it is. */
  stmt = sl_sqlite_prepare (self,
                            "UPDATE classes SET"
                            " title = coalesce(?2, title),"
                            " description = coalesce(?3, description),"
                            " scheduled_at = coalesce(?4, scheduled_at),"
                            " duration_minutes = coalesce(?5, duration_minutes),"
                            " is_public = coalesce(?6, is_public),"
                            " stream_key = coalesce(?7, stream_key),"
                            " updated_at = ?8"
                            " WHERE id = ?1 AND state IN (?9, ?10, ?11, ?12)"
                            " RETURNING " SL_STORE_CLASS_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (fields & SL_CLASS_FIELD_TITLE)
    sl_sqlite_bind_text (stmt, 2, values->title);
  if (fields & SL_CLASS_FIELD_DESCRIPTION)
    sl_sqlite_bind_text (stmt, 3, values->description);
  if (fields & SL_CLASS_FIELD_SCHEDULED_AT)
    sqlite3_bind_int64 (stmt, 4, values->scheduled_at);
  if (fields & SL_CLASS_FIELD_DURATION)
    sqlite3_bind_int (stmt, 5, values->duration_minutes);
  if (fields & SL_CLASS_FIELD_PUBLIC)
    sqlite3_bind_int (stmt, 6, values->is_public ? 1 : 0);
  if (fields & SL_CLASS_FIELD_STREAM_KEY)
    sl_sqlite_bind_text (stmt, 7, values->stream_key);
  sqlite3_bind_int64 (stmt, 8, now);
  sl_sqlite_bind_states (stmt, 9, allowed);

  updated = sl_sqlite_step_class (self, stmt, &found, &local_error);
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not update class %" G_GINT64_FORMAT ": ", id);
      return NULL;
    }
  if (!found)
    {
      /* Done with the write before reading again. */
      g_clear_pointer (&stmt, sl_sqlite_cached_stmt_release);
      sl_sqlite_explain_unchanged (self, id, error);
      return NULL;
    }
  return g_steal_pointer (&updated);
}

static SlClass *
sl_store_sqlite_set_class_state (SlStore       *store,
                                 gint64         id,
                                 SlClassState   allowed,
                                 SlClassState   to,
                                 gint64         now,
                                 GError       **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SlClass) updated = NULL;
  gboolean found;

  /* Going live starts the clock; ending or cancelling stops it; a class
   * live or scheduled again has no end (yet). */
  stmt = sl_sqlite_prepare (self,
                            "UPDATE classes SET"
                            " state = ?2,"
                            " started_at = coalesce(?3, started_at),"
                            " ended_at = ?4,"
                            " updated_at = ?5"
                            " WHERE id = ?1 AND state IN (?6, ?7, ?8, ?9)"
                            " RETURNING " SL_STORE_CLASS_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  sl_sqlite_bind_text (stmt, 2, sl_class_state_to_string (to));
  if (to == SL_CLASS_LIVE)
    sqlite3_bind_int64 (stmt, 3, now);
  if (to == SL_CLASS_ENDED || to == SL_CLASS_CANCELLED)
    sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, now);
  sl_sqlite_bind_states (stmt, 6, allowed);

  updated = sl_sqlite_step_class (self, stmt, &found, &local_error);
  if (local_error != NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                  "Could not make class %" G_GINT64_FORMAT " %s: ",
                                  id, sl_class_state_to_string (to));
      return NULL;
    }
  if (!found)
    {
      g_clear_pointer (&stmt, sl_sqlite_cached_stmt_release);
      sl_sqlite_explain_unchanged (self, id, error);
      return NULL;
    }
  return g_steal_pointer (&updated);
}

/* Chat and mutes */

/* Reads SL_STORE_CHAT_COLUMNS. */
static SlChatMessage *
sl_sqlite_read_chat_message (sqlite3_stmt *stmt)
{
  SlChatMessage *message = g_new0 (SlChatMessage, 1);

  message->id = sqlite3_column_int64 (stmt, 0);
  message->class_id = sqlite3_column_int64 (stmt, 1);
  message->user_id = sqlite3_column_int64 (stmt, 2);
  message->display_name = sl_sqlite_column_dup (stmt, 3);
  /* Byte for byte, NULs and all would not survive: text is text. */
  message->text = sl_sqlite_column_dup (stmt, 4);
  message->created_at = sqlite3_column_int64 (stmt, 5);
  return message;
}

static SlChatMessage *
sl_store_sqlite_add_chat_message (SlStore     *store,
                                  gint64       class_id,
                                  gint64       user_id,
                                  const char  *text,
                                  gint64       now,
                                  GError     **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self,
                            "INSERT INTO chat_messages (class_id, user_id, text, created_at)"
                            " VALUES (?1, ?2, ?3, ?4)"
                            " RETURNING " SL_STORE_CHAT_COLUMNS,
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, class_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  sl_sqlite_bind_text (stmt, 3, text);
  sqlite3_bind_int64 (stmt, 4, now);

  switch (sl_sqlite_step (self, stmt, error))
    {
    case SQLITE_ROW:
      return sl_sqlite_read_chat_message (stmt);
    case SQLITE_DONE:
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED, "The message was not stored");
      return NULL;
    default:
      g_prefix_error (error, "Could not add a message to class %" G_GINT64_FORMAT ": ",
                      class_id);
      return NULL;
    }
}

static GPtrArray *
sl_store_sqlite_list_chat_messages (SlStore  *store,
                                    gint64    class_id,
                                    gint64    before_id,
                                    guint     limit,
                                    GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  int rc;

  /* The newest @limit before @before_id, then turned oldest first. */
  stmt = sl_sqlite_prepare (self,
                            "SELECT * FROM ("
                            " SELECT " SL_STORE_CHAT_COLUMNS " FROM chat_messages"
                            " WHERE chat_messages.class_id = ?1"
                            " AND chat_messages.deleted_at IS NULL"
                            " AND (?2 = 0 OR chat_messages.id < ?2)"
                            " ORDER BY chat_messages.id DESC LIMIT ?3"
                            ") ORDER BY 1 ASC",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, class_id);
  sqlite3_bind_int64 (stmt, 2, before_id);
  sqlite3_bind_int64 (stmt, 3, limit > 0 ? (gint64) limit : -1);

  messages = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_chat_message_free);
  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    g_ptr_array_add (messages, sl_sqlite_read_chat_message (stmt));
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&messages);
}

static gboolean
sl_store_sqlite_delete_chat_message (SlStore  *store,
                                     gint64    class_id,
                                     gint64    message_id,
                                     gint64    deleted_by,
                                     gint64    now,
                                     GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  stmt = sl_sqlite_prepare (self,
                            "UPDATE chat_messages SET deleted_at = ?4, deleted_by = ?3"
                            " WHERE id = ?2 AND class_id = ?1 AND deleted_at IS NULL",
                            error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, class_id);
  sqlite3_bind_int64 (stmt, 2, message_id);
  sqlite3_bind_int64 (stmt, 3, deleted_by);
  sqlite3_bind_int64 (stmt, 4, now);
  if (!sl_sqlite_step (self, stmt, error))
    {
      g_prefix_error (error, "Could not delete message %" G_GINT64_FORMAT ": ", message_id);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND,
                   "No message %" G_GINT64_FORMAT " in class %" G_GINT64_FORMAT,
                   message_id, class_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sl_store_sqlite_set_muted (SlStore   *store,
                           gint64     class_id,
                           gint64     user_id,
                           gboolean   muted,
                           gint64     by,
                           gint64     now,
                           GError   **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;

  if (muted)
    stmt = sl_sqlite_prepare (self,
                              "INSERT INTO class_mutes (class_id, user_id, muted_by, created_at)"
                              " VALUES (?1, ?2, ?3, ?4)"
                              " ON CONFLICT (class_id, user_id) DO NOTHING",
                              error);
  else
    stmt = sl_sqlite_prepare (self,
                              "DELETE FROM class_mutes WHERE class_id = ?1 AND user_id = ?2",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, class_id);
  sqlite3_bind_int64 (stmt, 2, user_id);
  if (muted)
    {
      sqlite3_bind_int64 (stmt, 3, by);
      sqlite3_bind_int64 (stmt, 4, now);
    }
  if (!sl_sqlite_step (self, stmt, error))
    {
      g_prefix_error (error, "Could not %s user %" G_GINT64_FORMAT " in class %" G_GINT64_FORMAT
                      ": ", muted ? "mute" : "unmute", user_id, class_id);
      return FALSE;
    }
  return TRUE;
}

static GArray *
sl_store_sqlite_list_muted (SlStore  *store,
                            gint64    class_id,
                            GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  stmt = sl_sqlite_prepare (self,
                            "SELECT user_id FROM class_mutes WHERE class_id = ?1 ORDER BY user_id",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, class_id);
  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);

      g_array_append_val (ids, id);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&ids);
}

/* Hands */

static GPtrArray *
sl_store_sqlite_list_hands (SlStore  *store,
                            gint64    class_id,
                            GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);
  g_autoptr(SlSqliteCachedStmt) stmt = NULL;
  g_autoptr(GPtrArray) hands = NULL;
  int rc;

  stmt = sl_sqlite_prepare (self,
                            "SELECT h.user_id, u.display_name, h.raised_at"
                            " FROM hands h JOIN users u ON u.id = h.user_id"
                            " WHERE h.class_id = ?1 ORDER BY h.seq",
                            error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, class_id);

  hands = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hand_free);
  while ((rc = sl_sqlite_step (self, stmt, error)) == SQLITE_ROW)
    {
      SlHand *hand = g_new0 (SlHand, 1);

      hand->user_id = sqlite3_column_int64 (stmt, 0);
      hand->display_name = sl_sqlite_column_dup (stmt, 1);
      hand->raised_at = sqlite3_column_int64 (stmt, 2);
      g_ptr_array_add (hands, hand);
    }
  if (rc == 0)
    return NULL;
  return g_steal_pointer (&hands);
}

static GPtrArray *
sl_store_sqlite_raise_hand (SlStore  *store,
                            gint64    class_id,
                            gint64    user_id,
                            gint64    now,
                            GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);

  {
    g_autoptr(SlSqliteCachedStmt) stmt = NULL;

    /* Last in the class's queue; a hand already up keeps its place.  One
     * statement, so the max and the insert are one write. */
    stmt = sl_sqlite_prepare (self,
                              "INSERT INTO hands (class_id, user_id, raised_at, seq)"
                              " SELECT ?1, ?2, ?3, coalesce(max(seq), 0) + 1"
                              " FROM hands WHERE class_id = ?1"
                              " ON CONFLICT (class_id, user_id) DO NOTHING",
                              error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, class_id);
    sqlite3_bind_int64 (stmt, 2, user_id);
    sqlite3_bind_int64 (stmt, 3, now);
    if (!sl_sqlite_step (self, stmt, error))
      {
        g_prefix_error (error, "Could not raise a hand in class %" G_GINT64_FORMAT ": ",
                        class_id);
        return NULL;
      }
  }
  return sl_store_sqlite_list_hands (store, class_id, error);
}

static GPtrArray *
sl_store_sqlite_lower_hand (SlStore  *store,
                            gint64    class_id,
                            gint64    user_id,
                            GError  **error)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (store);

  {
    g_autoptr(SlSqliteCachedStmt) stmt = NULL;

    stmt = sl_sqlite_prepare (self, "DELETE FROM hands WHERE class_id = ?1 AND user_id = ?2",
                              error);
    if (stmt == NULL)
      return NULL;
    sqlite3_bind_int64 (stmt, 1, class_id);
    sqlite3_bind_int64 (stmt, 2, user_id);
    if (!sl_sqlite_step (self, stmt, error))
      return NULL;
  }
  return sl_store_sqlite_list_hands (store, class_id, error);
}

/* GObject */

static void
sl_store_sqlite_finalize (GObject *object)
{
  SlStoreSqlite *self = SL_STORE_SQLITE (object);

  sl_store_sqlite_close (SL_STORE (self));
  g_clear_pointer (&self->statements, g_hash_table_unref);
  g_free (self->path);

  G_OBJECT_CLASS (sl_store_sqlite_parent_class)->finalize (object);
}

static void
sl_store_sqlite_class_init (SlStoreSqliteClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sl_store_sqlite_finalize;
}

static void
sl_store_sqlite_init (SlStoreSqlite *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            sl_sqlite_stmt_free);
}

static void
sl_store_sqlite_store_iface_init (SlStoreInterface *iface)
{
  iface->open = sl_store_sqlite_open;
  iface->close = sl_store_sqlite_close;
  iface->create_user = sl_store_sqlite_create_user;
  iface->get_user = sl_store_sqlite_get_user;
  iface->get_user_by_name = sl_store_sqlite_get_user_by_name;
  iface->list_users = sl_store_sqlite_list_users;
  iface->update_user = sl_store_sqlite_update_user;
  iface->count_users = sl_store_sqlite_count_users;
  iface->list_disabled_users = sl_store_sqlite_list_disabled_users;
  iface->add_refresh_token = sl_store_sqlite_add_refresh_token;
  iface->rotate_refresh_token = sl_store_sqlite_rotate_refresh_token;
  iface->revoke_session = sl_store_sqlite_revoke_session;
  iface->revoke_user_sessions = sl_store_sqlite_revoke_user_sessions;
  iface->create_class = sl_store_sqlite_create_class;
  iface->get_class = sl_store_sqlite_get_class;
  iface->list_classes = sl_store_sqlite_list_classes;
  iface->update_class = sl_store_sqlite_update_class;
  iface->set_class_state = sl_store_sqlite_set_class_state;
  iface->add_chat_message = sl_store_sqlite_add_chat_message;
  iface->list_chat_messages = sl_store_sqlite_list_chat_messages;
  iface->delete_chat_message = sl_store_sqlite_delete_chat_message;
  iface->set_muted = sl_store_sqlite_set_muted;
  iface->list_muted = sl_store_sqlite_list_muted;
  iface->raise_hand = sl_store_sqlite_raise_hand;
  iface->lower_hand = sl_store_sqlite_lower_hand;
  iface->list_hands = sl_store_sqlite_list_hands;
}

SlStoreSqlite *
sl_store_sqlite_new (const char *path)
{
  SlStoreSqlite *self;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_object_new (SL_TYPE_STORE_SQLITE, NULL);
  self->path = g_strdup (path);
  return self;
}
