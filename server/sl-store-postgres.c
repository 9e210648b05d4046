/* sl-store-postgres.c: SlStore on a PostgreSQL database (libpq)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-store-postgres"

#include "config.h"

#include "sl-store-postgres.h"
#include "sl-store-private.h"

#include <libpq-fe.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

/* Taken (per transaction) while migrating, so that several servers starting
 * on one database apply each migration once: "STRM". */
#define SL_PG_MIGRATION_LOCK "1398035021"

struct _SlStorePostgres
{
  GObject   parent_instance;

  char     *url;
  PGconn   *conn;
  gboolean  in_transaction;
};

static void sl_store_postgres_store_iface_init (SlStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SlStorePostgres, sl_store_postgres, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (SL_TYPE_STORE,
                                                      sl_store_postgres_store_iface_init))

/* Helpers */

/* Integer parameters travel as text, formatted into a caller's buffer. */
#define SL_PG_INT_SIZE 24

static const char *
sl_pg_int (char   buffer[SL_PG_INT_SIZE],
           gint64 value)
{
  g_snprintf (buffer, SL_PG_INT_SIZE, "%" G_GINT64_FORMAT, value);
  return buffer;
}

static gint64
sl_pg_get_int (const PGresult *res,
               int             row,
               int             column)
{
  return g_ascii_strtoll (PQgetvalue (res, row, column), NULL, 10);
}

static gboolean
sl_pg_get_bool (const PGresult *res,
                int             row,
                int             column)
{
  return PQgetvalue (res, row, column)[0] == 't';
}

/* @message with every occurrence of the URL's password masked. */
static char *
sl_pg_scrub (const char *url,
             const char *message)
{
  g_autoptr(GString) scrubbed = g_string_new (message);
  g_autoptr(GPtrArray) secrets = g_ptr_array_new_with_free_func (g_free);
  PQconninfoOption *options = PQconninfoParse (url, NULL);
  const char *authority = strstr (url, "://");

  if (options != NULL)
    {
      for (PQconninfoOption *o = options; o->keyword != NULL; o++)
        if (g_str_equal (o->keyword, "password") && o->val != NULL && *o->val != '\0')
          g_ptr_array_add (secrets, g_strdup (o->val));
      PQconninfoFree (options);
    }
  /* Also the raw (maybe percent-encoded, maybe unparsable) user:password@. */
  if (authority != NULL)
    {
      const char *start = authority + 3;
      const char *end = start + strcspn (start, "/?");
      const char *at = g_strrstr_len (start, end - start, "@");
      const char *colon = at != NULL ? memchr (start, ':', at - start) : NULL;

      if (colon != NULL && at > colon + 1)
        g_ptr_array_add (secrets, g_strndup (colon + 1, at - colon - 1));
    }

  for (guint i = 0; i < secrets->len; i++)
    g_string_replace (scrubbed, g_ptr_array_index (secrets, i), "****", 0);
  g_strchomp (scrubbed->str);
  return g_strdup (scrubbed->str);
}

static void
sl_pg_set_error (SlStorePostgres  *self,
                 const PGresult   *res,
                 GError          **error)
{
  const char *state = res != NULL ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  const char *message = res != NULL ? PQresultErrorField (res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
  g_autofree char *text = NULL;
  SlStoreError code = SL_STORE_ERROR_FAILED;

  if ((message == NULL || *message == '\0') && res != NULL)
    message = PQresultErrorMessage (res);
  if ((message == NULL || *message == '\0') && self->conn != NULL)
    message = PQerrorMessage (self->conn);
  if (message == NULL || *message == '\0')
    message = "unknown error";
  text = sl_pg_scrub (self->url, message);

  if (g_strcmp0 (state, "23505") == 0)        /* unique_violation */
    code = SL_STORE_ERROR_EXISTS;
  else if (g_strcmp0 (state, "23503") == 0)   /* foreign_key_violation */
    code = SL_STORE_ERROR_NOT_FOUND;
  else if (g_strcmp0 (state, "23514") == 0 ||  /* check_violation */
           g_strcmp0 (state, "23502") == 0 ||  /* not_null_violation */
           g_strcmp0 (state, "22021") == 0)    /* character_not_in_repertoire */
    code = SL_STORE_ERROR_INVALID;

  g_set_error (error, SL_STORE_ERROR, code, "%s", text);
}

static gboolean
sl_pg_result_ok (const PGresult *res)
{
  ExecStatusType status = PQresultStatus (res);

  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

/* One statement, text parameters, text results.  A connection found broken
 * is reset once; outside a transaction the statement is then retried once
 * (inside one, the transaction died with the connection). */
static PGresult *
sl_pg_exec (SlStorePostgres     *self,
            const char          *sql,
            int                  n_params,
            const char * const  *params,
            GError             **error)
{
  for (guint attempt = 0; ; attempt++)
    {
      g_autoptr(PGresult) res = NULL;

      if (self->conn == NULL)
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CLOSED, "The store is closed");
          return NULL;
        }

      res = PQexecParams (self->conn, sql, n_params, NULL, params, NULL, NULL, 0);
      if (sl_pg_result_ok (res))
        return g_steal_pointer (&res);

      if (PQstatus (self->conn) == CONNECTION_BAD && attempt == 0)
        {
          gboolean was_in_transaction = self->in_transaction;

          g_message ("Lost the connection to PostgreSQL; reconnecting");
          PQreset (self->conn);
          self->in_transaction = FALSE;
          if (PQstatus (self->conn) == CONNECTION_OK && !was_in_transaction)
            continue;
        }

      sl_pg_set_error (self, res, error);
      return NULL;
    }
}

static gboolean
sl_pg_command (SlStorePostgres     *self,
               const char          *sql,
               int                  n_params,
               const char * const  *params,
               GError             **error)
{
  g_autoptr(PGresult) res = sl_pg_exec (self, sql, n_params, params, error);

  return res != NULL;
}

static gboolean
sl_pg_begin (SlStorePostgres  *self,
             GError          **error)
{
  g_return_val_if_fail (!self->in_transaction, FALSE);

  if (!sl_pg_command (self, "BEGIN", 0, NULL, error))
    return FALSE;
  self->in_transaction = TRUE;
  return TRUE;
}

static gboolean
sl_pg_commit (SlStorePostgres  *self,
              GError          **error)
{
  gboolean ok = sl_pg_command (self, "COMMIT", 0, NULL, error);

  self->in_transaction = FALSE;
  return ok;
}

static void
sl_pg_rollback (SlStorePostgres *self)
{
  g_autoptr(PGresult) res = NULL;

  if (!self->in_transaction || self->conn == NULL)
    return;
  self->in_transaction = FALSE;
  res = PQexec (self->conn, "ROLLBACK");
  if (!sl_pg_result_ok (res))
    g_warning ("Could not roll back: %s", PQerrorMessage (self->conn));
}

/* Reads SL_STORE_USER_COLUMNS of @row from @first on. */
static SlUser *
sl_pg_read_user (const PGresult  *res,
                 int              row,
                 int              first,
                 GError         **error)
{
  g_autoptr(SlUser) user = sl_user_new ();
  const char *role = PQgetvalue (res, row, first + 3);

  user->id = sl_pg_get_int (res, row, first);
  user->username = g_strdup (PQgetvalue (res, row, first + 1));
  user->display_name = g_strdup (PQgetvalue (res, row, first + 2));
  if (!sl_role_from_string (role, &user->role))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED,
                   "User %" G_GINT64_FORMAT " has an unknown role “%s”", user->id, role);
      return NULL;
    }
  user->disabled = sl_pg_get_bool (res, row, first + 4);
  user->password_hash = g_strdup (PQgetvalue (res, row, first + 5));
  user->created_at = sl_pg_get_int (res, row, first + 6);
  user->updated_at = sl_pg_get_int (res, row, first + 7);
  return g_steal_pointer (&user);
}

/* Runs a statement that returns at most one user row. */
static SlUser *
sl_pg_exec_user (SlStorePostgres     *self,
                 const char          *sql,
                 int                  n_params,
                 const char * const  *params,
                 GError             **error)
{
  g_autoptr(PGresult) res = sl_pg_exec (self, sql, n_params, params, error);

  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND, "No such user");
      return NULL;
    }
  return sl_pg_read_user (res, 0, 0, error);
}

static void
sl_pg_notice_cb (void       *user_data,
                 const char *message)
{
  g_debug ("%s", message);
}

/* Migrations */

static gboolean
sl_pg_apply (SlStorePostgres  *self,
             SlMigration      *migration,
             GError          **error)
{
  char version_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (version_buf, migration->version),
    sl_pg_int (now_buf, g_get_real_time () / G_USEC_PER_SEC),
  };
  g_autoptr(PGresult) applied = NULL;
  g_autoptr(PGresult) script = NULL;

  if (!sl_pg_begin (self, error) ||
      !sl_pg_command (self, "SELECT pg_advisory_xact_lock(" SL_PG_MIGRATION_LOCK ")",
                      0, NULL, error))
    return FALSE;

  applied = sl_pg_exec (self, "SELECT 1 FROM schema_migrations WHERE version = $1",
                        1, params, error);
  if (applied == NULL)
    return FALSE;
  if (PQntuples (applied) > 0)
    return sl_pg_commit (self, error);

  g_debug ("Applying postgresql/%s", migration->name);
  /* A script of several statements: the simple query protocol, no parameters. */
  script = PQexec (self->conn, migration->sql);
  if (!sl_pg_result_ok (script))
    {
      sl_pg_set_error (self, script, error);
      return FALSE;
    }

  return sl_pg_command (self,
                        "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                        2, params, error) &&
         sl_pg_commit (self, error);
}

static gboolean
sl_pg_migrate (SlStorePostgres  *self,
               GError          **error)
{
  if (!sl_pg_begin (self, error) ||
      !sl_pg_command (self, "SELECT pg_advisory_xact_lock(" SL_PG_MIGRATION_LOCK ")",
                      0, NULL, error) ||
      !sl_pg_command (self,
                      "CREATE TABLE IF NOT EXISTS schema_migrations ("
                      " version INTEGER PRIMARY KEY,"
                      " applied_at BIGINT NOT NULL)",
                      0, NULL, error) ||
      !sl_pg_commit (self, error))
    {
      sl_pg_rollback (self);
      g_prefix_error (error, "Could not create schema_migrations: ");
      return FALSE;
    }

  return _sl_store_apply_migrations ("postgresql", self, (SlMigrationApplyFunc) sl_pg_apply,
                                     (SlMigrationRollbackFunc) sl_pg_rollback, error);
}

/* SlStore */

static void
sl_store_postgres_close (SlStore *store)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (store);

  g_clear_pointer (&self->conn, PQfinish);
  self->in_transaction = FALSE;
}

static gboolean
sl_store_postgres_open (SlStore  *store,
                        GError  **error)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (store);
  /* The URL comes first, so what follows it wins. */
  const char * const keywords[] = { "dbname", "client_encoding", "application_name", NULL };
  const char * const values[] = { self->url, "UTF8", "streamlet-server", NULL };

  g_return_val_if_fail (self->conn == NULL, FALSE);

  self->conn = PQconnectdbParams (keywords, values, 1);
  if (PQstatus (self->conn) != CONNECTION_OK)
    {
      g_autofree char *message = sl_pg_scrub (self->url,
                                              self->conn != NULL ? PQerrorMessage (self->conn)
                                                                 : "out of memory");

      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT,
                   "Could not connect to PostgreSQL: %s", message);
      sl_store_postgres_close (store);
      return FALSE;
    }
  PQsetNoticeProcessor (self->conn, sl_pg_notice_cb, NULL);

  if (!sl_pg_migrate (self, error))
    {
      sl_store_postgres_close (store);
      return FALSE;
    }
  return TRUE;
}

static SlUser *
sl_store_postgres_create_user (SlStore       *store,
                               const SlUser  *user,
                               GError       **error)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (store);
  char created_buf[SL_PG_INT_SIZE], updated_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    user->username,
    user->display_name,
    sl_role_to_string (user->role),
    user->disabled ? "true" : "false",
    user->password_hash,
    sl_pg_int (created_buf, user->created_at),
    sl_pg_int (updated_buf, user->updated_at),
  };
  SlUser *created;

  created = sl_pg_exec_user (self,
                             "INSERT INTO users (username, display_name, role, disabled,"
                             " password_hash, created_at, updated_at)"
                             " VALUES ($1, $2, $3, $4, $5, $6, $7)"
                             " RETURNING " SL_STORE_USER_COLUMNS,
                             G_N_ELEMENTS (params), params, error);
  if (created == NULL)
    g_prefix_error (error, "Could not create user “%s”: ", user->username);
  return created;
}

static SlUser *
sl_store_postgres_get_user (SlStore  *store,
                            gint64    id,
                            GError  **error)
{
  char id_buf[SL_PG_INT_SIZE];
  const char *params[] = { sl_pg_int (id_buf, id) };

  return sl_pg_exec_user (SL_STORE_POSTGRES (store),
                          "SELECT " SL_STORE_USER_COLUMNS " FROM users WHERE id = $1",
                          G_N_ELEMENTS (params), params, error);
}

static SlUser *
sl_store_postgres_get_user_by_name (SlStore     *store,
                                    const char  *username,
                                    GError     **error)
{
  const char *params[] = { username };

  return sl_pg_exec_user (SL_STORE_POSTGRES (store),
                          "SELECT " SL_STORE_USER_COLUMNS " FROM users WHERE username = $1",
                          G_N_ELEMENTS (params), params, error);
}

#define SL_PG_USER_MATCH \
  " WHERE $1::text IS NULL" \
  " OR lower(username) LIKE lower($1) ESCAPE '\\'" \
  " OR lower(display_name) LIKE lower($1) ESCAPE '\\'"

static SlUserPage *
sl_store_postgres_list_users (SlStore     *store,
                              const char  *query,
                              guint        limit,
                              guint        offset,
                              GError     **error)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (store);
  g_autofree char *pattern = _sl_store_like_pattern (query);
  char limit_buf[SL_PG_INT_SIZE], offset_buf[SL_PG_INT_SIZE];
  /* A NULL limit is LIMIT ALL. */
  const char *params[] = {
    pattern,
    limit > 0 ? sl_pg_int (limit_buf, limit) : NULL,
    sl_pg_int (offset_buf, offset),
  };
  g_autoptr(SlUserPage) page = g_new0 (SlUserPage, 1);
  g_autoptr(PGresult) count = NULL;
  g_autoptr(PGresult) rows = NULL;

  page->users = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_user_free);

  count = sl_pg_exec (self, "SELECT count(*) FROM users" SL_PG_USER_MATCH, 1, params, error);
  if (count == NULL)
    return NULL;
  page->total = sl_pg_get_int (count, 0, 0);

  rows = sl_pg_exec (self,
                     "SELECT " SL_STORE_USER_COLUMNS " FROM users" SL_PG_USER_MATCH
                     " ORDER BY id LIMIT $2 OFFSET $3",
                     G_N_ELEMENTS (params), params, error);
  if (rows == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (rows); i++)
    {
      SlUser *user = sl_pg_read_user (rows, i, 0, error);

      if (user == NULL)
        return NULL;
      g_ptr_array_add (page->users, user);
    }
  return g_steal_pointer (&page);
}

static SlUser *
sl_store_postgres_update_user (SlStore       *store,
                               gint64         id,
                               SlUserFields   fields,
                               const SlUser  *values,
                               gint64         now,
                               GError       **error)
{
  char id_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  /* A NULL parameter keeps the column as it is. */
  const char *params[] = {
    sl_pg_int (id_buf, id),
    (fields & SL_USER_FIELD_DISPLAY_NAME) ? values->display_name : NULL,
    (fields & SL_USER_FIELD_ROLE) ? sl_role_to_string (values->role) : NULL,
    (fields & SL_USER_FIELD_DISABLED) ? (values->disabled ? "true" : "false") : NULL,
    (fields & SL_USER_FIELD_PASSWORD_HASH) ? values->password_hash : NULL,
    sl_pg_int (now_buf, now),
  };

  return sl_pg_exec_user (SL_STORE_POSTGRES (store),
                          "UPDATE users SET"
                          " display_name = coalesce($2, display_name),"
                          " role = coalesce($3, role),"
                          " disabled = coalesce($4::boolean, disabled),"
                          " password_hash = coalesce($5, password_hash),"
                          " updated_at = $6"
                          " WHERE id = $1"
                          " RETURNING " SL_STORE_USER_COLUMNS,
                          G_N_ELEMENTS (params), params, error);
}

static gint64
sl_store_postgres_count_users (SlStore  *store,
                               GError  **error)
{
  g_autoptr(PGresult) res = sl_pg_exec (SL_STORE_POSTGRES (store),
                                        "SELECT count(*) FROM users", 0, NULL, error);

  return res != NULL ? sl_pg_get_int (res, 0, 0) : -1;
}

static GArray *
sl_store_postgres_list_disabled_users (SlStore  *store,
                                       GError  **error)
{
  g_autoptr(PGresult) res = NULL;
  GArray *ids;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "SELECT id FROM users WHERE disabled ORDER BY id", 0, NULL, error);
  if (res == NULL)
    return NULL;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    {
      gint64 id = sl_pg_get_int (res, i, 0);

      g_array_append_val (ids, id);
    }
  return ids;
}

static gboolean
sl_store_postgres_add_refresh_token (SlStore     *store,
                                     gint64       user_id,
                                     const char  *session,
                                     const char  *token_hash,
                                     gint64       expires_at,
                                     gint64       now,
                                     GError     **error)
{
  char user_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE], expires_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (user_buf, user_id),
    session,
    token_hash,
    sl_pg_int (now_buf, now),
    sl_pg_int (expires_buf, expires_at),
  };

  if (!sl_pg_command (SL_STORE_POSTGRES (store),
                      "INSERT INTO refresh_tokens (user_id, session, token_hash,"
                      " created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                      G_N_ELEMENTS (params), params, error))
    {
      g_prefix_error (error, "Could not store a refresh token for user %" G_GINT64_FORMAT ": ",
                      user_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sl_store_postgres_revoke_session (SlStore     *store,
                                  const char  *session,
                                  gint64       now,
                                  GError     **error)
{
  char now_buf[SL_PG_INT_SIZE];
  const char *params[] = { session, sl_pg_int (now_buf, now) };

  return sl_pg_command (SL_STORE_POSTGRES (store),
                        "UPDATE refresh_tokens SET revoked_at = $2"
                        " WHERE session = $1 AND revoked_at IS NULL",
                        G_N_ELEMENTS (params), params, error);
}

static GPtrArray *
sl_store_postgres_revoke_user_sessions (SlStore     *store,
                                        gint64       user_id,
                                        const char  *except_session,
                                        gint64       now,
                                        GError     **error)
{
  char user_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (user_buf, user_id),
    except_session,
    sl_pg_int (now_buf, now),
  };

  g_autoptr(PGresult) res = NULL;
  GPtrArray *sessions;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "UPDATE refresh_tokens SET revoked_at = $3"
                    " WHERE user_id = $1 AND revoked_at IS NULL"
                    " AND ($2::text IS NULL OR session <> $2)"
                    " RETURNING session",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  sessions = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      const char *session = PQgetvalue (res, i, 0);

      if (!g_ptr_array_find_with_equal_func (sessions, session, g_str_equal, NULL))
        g_ptr_array_add (sessions, g_strdup (session));
    }
  return sessions;
}

/* The body of rotate_refresh_token(), inside its transaction. */
static SlRefreshResult *
sl_pg_rotate (SlStorePostgres  *self,
              const char       *old_hash,
              const char       *new_hash,
              gint64            new_expires_at,
              gint64            now,
              GError          **error)
{
  const char *params[] = { old_hash };
  char now_buf[SL_PG_INT_SIZE];
  const char *spend_params[] = { old_hash, sl_pg_int (now_buf, now) };
  g_autoptr(PGresult) res = NULL;
  g_autoptr(SlUser) user = NULL;
  const char *session;
  gint64 expires_at;
  gboolean used;

  /* FOR UPDATE: another server rotating the same token waits here, then
   * sees it spent. */
  res = sl_pg_exec (self,
                    "SELECT " SL_STORE_USER_COLUMNS_U ", t.session, t.expires_at,"
                    " t.spent_at IS NOT NULL OR t.revoked_at IS NOT NULL"
                    " FROM refresh_tokens t JOIN users u ON u.id = t.user_id"
                    " WHERE t.token_hash = $1"
                    " FOR UPDATE OF t",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    return _sl_refresh_result_new (SL_REFRESH_UNKNOWN, NULL, NULL);

  user = sl_pg_read_user (res, 0, 0, error);
  if (user == NULL)
    return NULL;
  session = PQgetvalue (res, 0, SL_STORE_N_USER_COLUMNS);
  expires_at = sl_pg_get_int (res, 0, SL_STORE_N_USER_COLUMNS + 1);
  used = sl_pg_get_bool (res, 0, SL_STORE_N_USER_COLUMNS + 2);

  if (used || user->disabled)
    {
      if (!sl_store_postgres_revoke_session (SL_STORE (self), session, now, error))
        return NULL;
      return _sl_refresh_result_new (used ? SL_REFRESH_REUSED : SL_REFRESH_DISABLED,
                                     session, NULL);
    }
  if (expires_at <= now)
    return _sl_refresh_result_new (SL_REFRESH_EXPIRED, session, NULL);

  if (!sl_pg_command (self, "UPDATE refresh_tokens SET spent_at = $2 WHERE token_hash = $1",
                      G_N_ELEMENTS (spend_params), spend_params, error) ||
      !sl_store_postgres_add_refresh_token (SL_STORE (self), user->id, session, new_hash,
                                            new_expires_at, now, error))
    return NULL;

  return _sl_refresh_result_new (SL_REFRESH_OK, session, g_steal_pointer (&user));
}

static SlRefreshResult *
sl_store_postgres_rotate_refresh_token (SlStore     *store,
                                        const char  *old_hash,
                                        const char  *new_hash,
                                        gint64       new_expires_at,
                                        gint64       now,
                                        GError     **error)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (store);
  g_autoptr(SlRefreshResult) result = NULL;

  if (!sl_pg_begin (self, error))
    {
      g_prefix_error (error, "Could not rotate a refresh token: ");
      return NULL;
    }
  result = sl_pg_rotate (self, old_hash, new_hash, new_expires_at, now, error);
  if (result == NULL || !sl_pg_commit (self, error))
    {
      sl_pg_rollback (self);
      g_prefix_error (error, "Could not rotate a refresh token: ");
      return NULL;
    }
  return g_steal_pointer (&result);
}

/* Classes */

/* Reads SL_STORE_CLASS_COLUMNS of @row. */
static SlClass *
sl_pg_read_class (const PGresult  *res,
                  int              row,
                  GError         **error)
{
  g_autoptr(SlClass) klass = g_new0 (SlClass, 1);
  const char *state = PQgetvalue (res, row, 8);

  klass->id = sl_pg_get_int (res, row, 0);
  klass->owner_id = sl_pg_get_int (res, row, 1);
  klass->owner_name = g_strdup (PQgetvalue (res, row, 2));
  klass->title = g_strdup (PQgetvalue (res, row, 3));
  klass->description = g_strdup (PQgetvalue (res, row, 4));
  klass->scheduled_at = sl_pg_get_int (res, row, 5);
  klass->duration_minutes = (gint) sl_pg_get_int (res, row, 6);
  klass->is_public = sl_pg_get_bool (res, row, 7);
  if (!sl_class_state_from_string (state, &klass->state))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED,
                   "Class %" G_GINT64_FORMAT " has an unknown state “%s”", klass->id, state);
      return NULL;
    }
  /* NULL reads as "", which is 0: not yet. */
  klass->started_at = sl_pg_get_int (res, row, 9);
  klass->ended_at = sl_pg_get_int (res, row, 10);
  klass->stream_key = g_strdup (PQgetvalue (res, row, 11));
  klass->created_at = sl_pg_get_int (res, row, 12);
  klass->updated_at = sl_pg_get_int (res, row, 13);
  return g_steal_pointer (&klass);
}

static SlClass *
sl_store_postgres_get_class (SlStore  *store,
                             gint64    id,
                             GError  **error)
{
  char id_buf[SL_PG_INT_SIZE];
  const char *params[] = { sl_pg_int (id_buf, id) };
  g_autoptr(PGresult) res = NULL;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes WHERE classes.id = $1",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  if (PQntuples (res) == 0)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND,
                   "No class %" G_GINT64_FORMAT, id);
      return NULL;
    }
  return sl_pg_read_class (res, 0, error);
}

/* Runs a guarded write of class @id returning SL_STORE_CLASS_COLUMNS; no
 * row back is NOT_FOUND or CONFLICT. */
static SlClass *
sl_pg_write_class (SlStorePostgres     *self,
                   gint64               id,
                   const char          *sql,
                   int                  n_params,
                   const char * const  *params,
                   GError             **error)
{
  g_autoptr(PGresult) res = sl_pg_exec (self, sql, n_params, params, error);
  g_autoptr(SlClass) klass = NULL;

  if (res == NULL)
    return NULL;
  if (PQntuples (res) > 0)
    return sl_pg_read_class (res, 0, error);

  klass = sl_store_postgres_get_class (SL_STORE (self), id, error);
  if (klass != NULL)
    g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT,
                 "Class %" G_GINT64_FORMAT " is %s", id, sl_class_state_to_string (klass->state));
  return NULL;
}

static SlClass *
sl_store_postgres_create_class (SlStore        *store,
                                const SlClass  *klass,
                                gint64          now,
                                GError        **error)
{
  char owner_buf[SL_PG_INT_SIZE], scheduled_buf[SL_PG_INT_SIZE];
  char duration_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (owner_buf, klass->owner_id),
    klass->title,
    klass->description,
    sl_pg_int (scheduled_buf, klass->scheduled_at),
    sl_pg_int (duration_buf, klass->duration_minutes),
    klass->is_public ? "true" : "false",
    klass->stream_key,
    sl_pg_int (now_buf, now),
  };
  g_autoptr(PGresult) res = NULL;
  SlClass *created = NULL;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "INSERT INTO classes (owner_id, title, description, scheduled_at,"
                    " duration_minutes, is_public, state, stream_key, created_at, updated_at)"
                    " VALUES ($1, $2, $3, $4, $5, $6, 'scheduled', $7, $8, $8)"
                    " RETURNING " SL_STORE_CLASS_COLUMNS,
                    G_N_ELEMENTS (params), params, error);
  if (res != NULL && PQntuples (res) == 0)
    g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED, "No row came back");
  else if (res != NULL)
    created = sl_pg_read_class (res, 0, error);
  if (created == NULL)
    g_prefix_error (error, "Could not create class “%s”: ", klass->title);
  return created;
}

static SlClassPage *
sl_store_postgres_list_classes (SlStore      *store,
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
      SL_STORE_CLASS_LIVE_ORDER " LIMIT $1 OFFSET $2",
    },
    [SL_CLASS_LIST_UPCOMING] = {
      "SELECT count(*) FROM classes" SL_STORE_CLASS_UPCOMING_WHERE,
      "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes" SL_STORE_CLASS_UPCOMING_WHERE
      SL_STORE_CLASS_UPCOMING_ORDER " LIMIT $1 OFFSET $2",
    },
    [SL_CLASS_LIST_PAST] = {
      "SELECT count(*) FROM classes" SL_STORE_CLASS_PAST_WHERE,
      "SELECT " SL_STORE_CLASS_COLUMNS " FROM classes" SL_STORE_CLASS_PAST_WHERE
      SL_STORE_CLASS_PAST_ORDER " LIMIT $1 OFFSET $2",
    },
  };
  SlStorePostgres *self = SL_STORE_POSTGRES (store);
  char limit_buf[SL_PG_INT_SIZE], offset_buf[SL_PG_INT_SIZE];
  /* A NULL limit is LIMIT ALL. */
  const char *params[] = {
    limit > 0 ? sl_pg_int (limit_buf, limit) : NULL,
    sl_pg_int (offset_buf, offset),
  };
  g_autoptr(SlClassPage) page = g_new0 (SlClassPage, 1);
  g_autoptr(PGresult) count = NULL;
  g_autoptr(PGresult) rows = NULL;

  if ((guint) which >= G_N_ELEMENTS (queries))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID, "Unknown class list %d",
                   (int) which);
      return NULL;
    }
  page->classes = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_class_free);

  count = sl_pg_exec (self, queries[which].count, 0, NULL, error);
  if (count == NULL)
    return NULL;
  page->total = sl_pg_get_int (count, 0, 0);

  rows = sl_pg_exec (self, queries[which].rows, G_N_ELEMENTS (params), params, error);
  if (rows == NULL)
    return NULL;
  for (int i = 0; i < PQntuples (rows); i++)
    {
      SlClass *klass = sl_pg_read_class (rows, i, error);

      if (klass == NULL)
        return NULL;
      g_ptr_array_add (page->classes, klass);
    }
  return g_steal_pointer (&page);
}

static SlClass *
sl_store_postgres_update_class (SlStore        *store,
                                gint64          id,
                                SlClassFields   fields,
                                const SlClass  *values,
                                SlClassState    allowed,
                                gint64          now,
                                GError        **error)
{
  char id_buf[SL_PG_INT_SIZE], scheduled_buf[SL_PG_INT_SIZE];
  char duration_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *states[SL_STORE_N_CLASS_STATES];
  const char *params[12];
  SlClass *updated;

  _sl_store_state_names (allowed, states);
  /* A NULL parameter keeps the column as it is. */
  params[0] = sl_pg_int (id_buf, id);
  params[1] = (fields & SL_CLASS_FIELD_TITLE) ? values->title : NULL;
  params[2] = (fields & SL_CLASS_FIELD_DESCRIPTION) ? values->description : NULL;
  params[3] = (fields & SL_CLASS_FIELD_SCHEDULED_AT)
              ? sl_pg_int (scheduled_buf, values->scheduled_at) : NULL;
  params[4] = (fields & SL_CLASS_FIELD_DURATION)
              ? sl_pg_int (duration_buf, values->duration_minutes) : NULL;
  params[5] = (fields & SL_CLASS_FIELD_PUBLIC) ? (values->is_public ? "true" : "false") : NULL;
  params[6] = (fields & SL_CLASS_FIELD_STREAM_KEY) ? values->stream_key : NULL;
  params[7] = sl_pg_int (now_buf, now);
  for (guint i = 0; i < SL_STORE_N_CLASS_STATES; i++)
    params[8 + i] = states[i];

  /* One statement: the state is checked on the row being written (a
   * concurrent writer's change is seen before the check). */
  updated = sl_pg_write_class (SL_STORE_POSTGRES (store), id,
                               "UPDATE classes SET"
                               " title = coalesce($2, title),"
                               " description = coalesce($3, description),"
                               " scheduled_at = coalesce($4::bigint, scheduled_at),"
                               " duration_minutes = coalesce($5::integer, duration_minutes),"
                               " is_public = coalesce($6::boolean, is_public),"
                               " stream_key = coalesce($7, stream_key),"
                               " updated_at = $8"
                               " WHERE id = $1 AND state IN ($9, $10, $11, $12)"
                               " RETURNING " SL_STORE_CLASS_COLUMNS,
                               G_N_ELEMENTS (params), params, error);
  if (updated == NULL)
    g_prefix_error (error, "Could not update class %" G_GINT64_FORMAT ": ", id);
  return updated;
}

static SlClass *
sl_store_postgres_set_class_state (SlStore       *store,
                                   gint64         id,
                                   SlClassState   allowed,
                                   SlClassState   to,
                                   gint64         now,
                                   GError       **error)
{
  char id_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *states[SL_STORE_N_CLASS_STATES];
  const char *params[9];
  SlClass *updated;

  _sl_store_state_names (allowed, states);
  sl_pg_int (now_buf, now);
  params[0] = sl_pg_int (id_buf, id);
  params[1] = sl_class_state_to_string (to);
  /* Going live starts the clock; ending or cancelling stops it; a class
   * live or scheduled again has no end (yet). */
  params[2] = to == SL_CLASS_LIVE ? now_buf : NULL;
  params[3] = (to == SL_CLASS_ENDED || to == SL_CLASS_CANCELLED) ? now_buf : NULL;
  params[4] = now_buf;
  for (guint i = 0; i < SL_STORE_N_CLASS_STATES; i++)
    params[5 + i] = states[i];

  updated = sl_pg_write_class (SL_STORE_POSTGRES (store), id,
                               "UPDATE classes SET"
                               " state = $2,"
                               " started_at = coalesce($3::bigint, started_at),"
                               " ended_at = $4::bigint,"
                               " updated_at = $5"
                               " WHERE id = $1 AND state IN ($6, $7, $8, $9)"
                               " RETURNING " SL_STORE_CLASS_COLUMNS,
                               G_N_ELEMENTS (params), params, error);
  if (updated == NULL)
    g_prefix_error (error, "Could not make class %" G_GINT64_FORMAT " %s: ",
                    id, sl_class_state_to_string (to));
  return updated;
}

/* Chat and mutes */

/* Reads SL_STORE_CHAT_COLUMNS of @row. */
static SlChatMessage *
sl_pg_read_chat_message (const PGresult *res,
                         int             row)
{
  SlChatMessage *message = g_new0 (SlChatMessage, 1);

  message->id = sl_pg_get_int (res, row, 0);
  message->class_id = sl_pg_get_int (res, row, 1);
  message->user_id = sl_pg_get_int (res, row, 2);
  message->display_name = g_strdup (PQgetvalue (res, row, 3));
  message->text = g_strdup (PQgetvalue (res, row, 4));
  message->created_at = sl_pg_get_int (res, row, 5);
  return message;
}

static SlChatMessage *
sl_store_postgres_add_chat_message (SlStore     *store,
                                    gint64       class_id,
                                    gint64       user_id,
                                    const char  *text,
                                    gint64       now,
                                    GError     **error)
{
  char class_buf[SL_PG_INT_SIZE], user_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (user_buf, user_id),
    text,
    sl_pg_int (now_buf, now),
  };
  g_autoptr(PGresult) res = NULL;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "INSERT INTO chat_messages (class_id, user_id, text, created_at)"
                    " VALUES ($1, $2, $3, $4)"
                    " RETURNING " SL_STORE_CHAT_COLUMNS,
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL || PQntuples (res) == 0)
    {
      if (res != NULL)
        g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED, "No row came back");
      g_prefix_error (error, "Could not add a message to class %" G_GINT64_FORMAT ": ",
                      class_id);
      return NULL;
    }
  return sl_pg_read_chat_message (res, 0);
}

static GPtrArray *
sl_store_postgres_list_chat_messages (SlStore  *store,
                                      gint64    class_id,
                                      gint64    before_id,
                                      guint     limit,
                                      GError  **error)
{
  char class_buf[SL_PG_INT_SIZE], before_buf[SL_PG_INT_SIZE], limit_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (before_buf, before_id),
    limit > 0 ? sl_pg_int (limit_buf, limit) : NULL,
  };
  g_autoptr(PGresult) res = NULL;
  GPtrArray *messages;

  /* The newest @limit before @before_id, then turned oldest first. */
  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "SELECT * FROM ("
                    " SELECT " SL_STORE_CHAT_COLUMNS " FROM chat_messages"
                    " WHERE chat_messages.class_id = $1"
                    " AND chat_messages.deleted_at IS NULL"
                    " AND ($2::bigint = 0 OR chat_messages.id < $2::bigint)"
                    " ORDER BY chat_messages.id DESC LIMIT $3::bigint"
                    ") AS newest ORDER BY 1 ASC",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  messages = g_ptr_array_new_full (PQntuples (res), (GDestroyNotify) sl_chat_message_free);
  for (int i = 0; i < PQntuples (res); i++)
    g_ptr_array_add (messages, sl_pg_read_chat_message (res, i));
  return messages;
}

static gboolean
sl_store_postgres_delete_chat_message (SlStore  *store,
                                       gint64    class_id,
                                       gint64    message_id,
                                       gint64    deleted_by,
                                       gint64    now,
                                       GError  **error)
{
  char class_buf[SL_PG_INT_SIZE], message_buf[SL_PG_INT_SIZE];
  char by_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (message_buf, message_id),
    sl_pg_int (by_buf, deleted_by),
    sl_pg_int (now_buf, now),
  };
  g_autoptr(PGresult) res = NULL;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "UPDATE chat_messages SET deleted_at = $4, deleted_by = $3"
                    " WHERE id = $2 AND class_id = $1 AND deleted_at IS NULL",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    {
      g_prefix_error (error, "Could not delete message %" G_GINT64_FORMAT ": ", message_id);
      return FALSE;
    }
  if (g_strcmp0 (PQcmdTuples (res), "0") == 0)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND,
                   "No message %" G_GINT64_FORMAT " in class %" G_GINT64_FORMAT,
                   message_id, class_id);
      return FALSE;
    }
  return TRUE;
}

static gboolean
sl_store_postgres_set_muted (SlStore   *store,
                             gint64     class_id,
                             gint64     user_id,
                             gboolean   muted,
                             gint64     by,
                             gint64     now,
                             GError   **error)
{
  char class_buf[SL_PG_INT_SIZE], user_buf[SL_PG_INT_SIZE];
  char by_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (user_buf, user_id),
    sl_pg_int (by_buf, by),
    sl_pg_int (now_buf, now),
  };
  gboolean ok;

  if (muted)
    ok = sl_pg_command (SL_STORE_POSTGRES (store),
                        "INSERT INTO class_mutes (class_id, user_id, muted_by, created_at)"
                        " VALUES ($1, $2, $3, $4)"
                        " ON CONFLICT (class_id, user_id) DO NOTHING",
                        4, params, error);
  else
    ok = sl_pg_command (SL_STORE_POSTGRES (store),
                        "DELETE FROM class_mutes WHERE class_id = $1 AND user_id = $2",
                        2, params, error);
  if (!ok)
    g_prefix_error (error, "Could not %s user %" G_GINT64_FORMAT " in class %" G_GINT64_FORMAT
                    ": ", muted ? "mute" : "unmute", user_id, class_id);
  return ok;
}

static GArray *
sl_store_postgres_list_muted (SlStore  *store,
                              gint64    class_id,
                              GError  **error)
{
  char class_buf[SL_PG_INT_SIZE];
  const char *params[] = { sl_pg_int (class_buf, class_id) };
  g_autoptr(PGresult) res = NULL;
  GArray *ids;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "SELECT user_id FROM class_mutes WHERE class_id = $1 ORDER BY user_id",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), PQntuples (res));
  for (int i = 0; i < PQntuples (res); i++)
    {
      gint64 id = sl_pg_get_int (res, i, 0);

      g_array_append_val (ids, id);
    }
  return ids;
}

/* Hands */

static GPtrArray *
sl_store_postgres_list_hands (SlStore  *store,
                              gint64    class_id,
                              GError  **error)
{
  char class_buf[SL_PG_INT_SIZE];
  const char *params[] = { sl_pg_int (class_buf, class_id) };
  g_autoptr(PGresult) res = NULL;
  GPtrArray *hands;

  res = sl_pg_exec (SL_STORE_POSTGRES (store),
                    "SELECT h.user_id, u.display_name, h.raised_at"
                    " FROM hands h JOIN users u ON u.id = h.user_id"
                    " WHERE h.class_id = $1 ORDER BY h.seq",
                    G_N_ELEMENTS (params), params, error);
  if (res == NULL)
    return NULL;
  hands = g_ptr_array_new_full (PQntuples (res), (GDestroyNotify) sl_hand_free);
  for (int i = 0; i < PQntuples (res); i++)
    {
      SlHand *hand = g_new0 (SlHand, 1);

      hand->user_id = sl_pg_get_int (res, i, 0);
      hand->display_name = g_strdup (PQgetvalue (res, i, 1));
      hand->raised_at = sl_pg_get_int (res, i, 2);
      g_ptr_array_add (hands, hand);
    }
  return hands;
}

static GPtrArray *
sl_store_postgres_raise_hand (SlStore  *store,
                              gint64    class_id,
                              gint64    user_id,
                              gint64    now,
                              GError  **error)
{
  char class_buf[SL_PG_INT_SIZE], user_buf[SL_PG_INT_SIZE], now_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (user_buf, user_id),
    sl_pg_int (now_buf, now),
  };

  /* seq (an identity) puts it last; a hand already up keeps its place. */
  if (!sl_pg_command (SL_STORE_POSTGRES (store),
                      "INSERT INTO hands (class_id, user_id, raised_at) VALUES ($1, $2, $3)"
                      " ON CONFLICT (class_id, user_id) DO NOTHING",
                      G_N_ELEMENTS (params), params, error))
    {
      g_prefix_error (error, "Could not raise a hand in class %" G_GINT64_FORMAT ": ", class_id);
      return NULL;
    }
  return sl_store_postgres_list_hands (store, class_id, error);
}

static GPtrArray *
sl_store_postgres_lower_hand (SlStore  *store,
                              gint64    class_id,
                              gint64    user_id,
                              GError  **error)
{
  char class_buf[SL_PG_INT_SIZE], user_buf[SL_PG_INT_SIZE];
  const char *params[] = {
    sl_pg_int (class_buf, class_id),
    sl_pg_int (user_buf, user_id),
  };

  if (!sl_pg_command (SL_STORE_POSTGRES (store),
                      "DELETE FROM hands WHERE class_id = $1 AND user_id = $2",
                      G_N_ELEMENTS (params), params, error))
    return NULL;
  return sl_store_postgres_list_hands (store, class_id, error);
}

/* GObject */

static void
sl_store_postgres_finalize (GObject *object)
{
  SlStorePostgres *self = SL_STORE_POSTGRES (object);

  sl_store_postgres_close (SL_STORE (self));
  g_free (self->url);

  G_OBJECT_CLASS (sl_store_postgres_parent_class)->finalize (object);
}

static void
sl_store_postgres_class_init (SlStorePostgresClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sl_store_postgres_finalize;
}

static void
sl_store_postgres_init (SlStorePostgres *self)
{
}

static void
sl_store_postgres_store_iface_init (SlStoreInterface *iface)
{
  iface->open = sl_store_postgres_open;
  iface->close = sl_store_postgres_close;
  iface->create_user = sl_store_postgres_create_user;
  iface->get_user = sl_store_postgres_get_user;
  iface->get_user_by_name = sl_store_postgres_get_user_by_name;
  iface->list_users = sl_store_postgres_list_users;
  iface->update_user = sl_store_postgres_update_user;
  iface->count_users = sl_store_postgres_count_users;
  iface->list_disabled_users = sl_store_postgres_list_disabled_users;
  iface->add_refresh_token = sl_store_postgres_add_refresh_token;
  iface->rotate_refresh_token = sl_store_postgres_rotate_refresh_token;
  iface->revoke_session = sl_store_postgres_revoke_session;
  iface->revoke_user_sessions = sl_store_postgres_revoke_user_sessions;
  iface->create_class = sl_store_postgres_create_class;
  iface->get_class = sl_store_postgres_get_class;
  iface->list_classes = sl_store_postgres_list_classes;
  iface->update_class = sl_store_postgres_update_class;
  iface->set_class_state = sl_store_postgres_set_class_state;
  iface->add_chat_message = sl_store_postgres_add_chat_message;
  iface->list_chat_messages = sl_store_postgres_list_chat_messages;
  iface->delete_chat_message = sl_store_postgres_delete_chat_message;
  iface->set_muted = sl_store_postgres_set_muted;
  iface->list_muted = sl_store_postgres_list_muted;
  iface->raise_hand = sl_store_postgres_raise_hand;
  iface->lower_hand = sl_store_postgres_lower_hand;
  iface->list_hands = sl_store_postgres_list_hands;
}

SlStorePostgres *
sl_store_postgres_new (const char *url)
{
  SlStorePostgres *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (SL_TYPE_STORE_POSTGRES, NULL);
  self->url = g_strdup (url);
  return self;
}
