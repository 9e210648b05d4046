/* test-store.c: the store, against SQLite and (when available) PostgreSQL
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-store"

#include "config.h"

#include "sl-store.h"
#include "sl-test-db.h"

#include <libpq-fe.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <glib/gstdio.h>

#define SL_MIGRATIONS_PATH "/io/github/streamlet/server/sql"

static GThread *main_thread;

typedef struct {
  const char *dialect;
  char       *url;
  SlStore    *store;
} Fixture;

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static void
set_str (char **field, const char *value)
{
  g_free (*field);
  *field = g_strdup (value);
}

/* Running the async API to completion on this thread's main context */

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_true (g_thread_self () == main_thread);
  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

static GAsyncResult *
await_result (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *slot;
}

static SlUser *
store_create_user (SlStore *store, const SlUser *user, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_create_user_async (store, user, NULL, result_cb, &result);
  return sl_store_create_user_finish (store, await_result (&result), error);
}

static SlUser *
store_get_user (SlStore *store, gint64 id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_get_user_async (store, id, NULL, result_cb, &result);
  return sl_store_get_user_finish (store, await_result (&result), error);
}

static SlUser *
store_get_user_by_name (SlStore *store, const char *username, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_get_user_by_name_async (store, username, NULL, result_cb, &result);
  return sl_store_get_user_by_name_finish (store, await_result (&result), error);
}

static SlUserPage *
store_list_users (SlStore *store, const char *query, guint limit, guint offset, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_users_async (store, query, limit, offset, NULL, result_cb, &result);
  return sl_store_list_users_finish (store, await_result (&result), error);
}

static SlUser *
store_update_user (SlStore *store, gint64 id, SlUserFields fields, const SlUser *values,
                   GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_update_user_async (store, id, fields, values, NULL, result_cb, &result);
  return sl_store_update_user_finish (store, await_result (&result), error);
}

static gint64
store_count_users (SlStore *store, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_count_users_async (store, NULL, result_cb, &result);
  return sl_store_count_users_finish (store, await_result (&result), error);
}

static GArray *
store_list_disabled_users (SlStore *store, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_disabled_users_async (store, NULL, result_cb, &result);
  return sl_store_list_disabled_users_finish (store, await_result (&result), error);
}

static gboolean
store_add_refresh_token (SlStore *store, gint64 user_id, const char *session,
                         const char *hash, gint64 expires_at, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_add_refresh_token_async (store, user_id, session, hash, expires_at, NULL,
                                    result_cb, &result);
  return sl_store_add_refresh_token_finish (store, await_result (&result), error);
}

static SlRefreshResult *
store_rotate (SlStore *store, const char *old_hash, const char *new_hash,
              gint64 new_expires_at, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_rotate_refresh_token_async (store, old_hash, new_hash, new_expires_at, NULL,
                                       result_cb, &result);
  return sl_store_rotate_refresh_token_finish (store, await_result (&result), error);
}

static gboolean
store_revoke_session (SlStore *store, const char *session, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_revoke_session_async (store, session, NULL, result_cb, &result);
  return sl_store_revoke_session_finish (store, await_result (&result), error);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The sessions it revoked, sorted and joined by ',' ("" for none);
 * NULL on error. */
static char *
store_revoke_user_sessions (SlStore *store, gint64 user_id, const char *except,
                            GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) sessions = NULL;

  sl_store_revoke_user_sessions_async (store, user_id, except, NULL, result_cb, &result);
  sessions = sl_store_revoke_user_sessions_finish (store, await_result (&result), error);
  if (sessions == NULL)
    return NULL;
  g_ptr_array_sort (sessions, compare_strings);
  g_ptr_array_add (sessions, NULL);
  return g_strjoinv (",", (char **) sessions->pdata);
}

/* Looking at the database behind the store's back */

static PGconn *
pg_connect (const char *url)
{
  PGconn *conn = PQconnectdb (url);

  if (PQstatus (conn) != CONNECTION_OK)
    g_error ("Cannot connect to the test database: %s", PQerrorMessage (conn));
  return conn;
}

static sqlite3 *
sqlite_connect (const char *url)
{
  sqlite3 *db = NULL;

  g_assert_true (g_str_has_prefix (url, "sqlite://"));
  g_assert_cmpint (sqlite3_open_v2 (url + strlen ("sqlite://"), &db,
                                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                   ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static gint64
db_query_int (const char *url, const char *sql)
{
  gint64 value;

  if (g_str_has_prefix (url, "sqlite://"))
    {
      sqlite3 *db = sqlite_connect (url);
      sqlite3_stmt *stmt = NULL;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      value = sqlite3_column_int64 (stmt, 0);
      sqlite3_finalize (stmt);
      sqlite3_close (db);
    }
  else
    {
      PGconn *conn = pg_connect (url);
      PGresult *res = PQexec (conn, sql);

      if (PQresultStatus (res) != PGRES_TUPLES_OK)
        g_error ("“%s” failed: %s", sql, PQerrorMessage (conn));
      g_assert_cmpint (PQntuples (res), ==, 1);
      value = g_ascii_strtoll (PQgetvalue (res, 0, 0), NULL, 10);
      PQclear (res);
      PQfinish (conn);
    }
  return value;
}

static void
db_exec (const char *url, const char *sql)
{
  if (g_str_has_prefix (url, "sqlite://"))
    {
      sqlite3 *db = sqlite_connect (url);

      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);
    }
  else
    {
      PGconn *conn = pg_connect (url);
      PGresult *res = PQexec (conn, sql);

      if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
        g_error ("“%s” failed: %s", sql, PQerrorMessage (conn));
      PQclear (res);
      PQfinish (conn);
    }
}

static guint
count_migration_files (const char *dialect)
{
  g_autofree char *path = g_strdup_printf (SL_MIGRATIONS_PATH "/%s/", dialect);
  g_auto(GStrv) names = g_resources_enumerate_children (path, 0, NULL);

  g_assert_nonnull (names);
  return g_strv_length (names);
}

/* Fixture */

static SlStore *
open_store (const char *url)
{
  g_autoptr(GError) error = NULL;
  SlStore *store = sl_store_new_for_url (url, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dialect = data;
  f->url = sl_test_db_new_url (f->dialect);
  f->store = open_store (f->url);
  g_assert_cmpstr (sl_store_get_dialect (f->store), ==, f->dialect);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  if (f->store != NULL)
    {
      sl_store_close (f->store);
      g_clear_object (&f->store);
    }
  sl_test_db_drop (f->url);
  g_free (f->url);
}

static SlUser *
new_user_values (const char *username, const char *display_name, SlRole role)
{
  SlUser *user = sl_user_new ();

  user->username = g_strdup (username);
  user->display_name = g_strdup (display_name);
  user->role = role;
  user->password_hash = g_strdup_printf ("$hash$%s", username);
  return user;
}

static SlUser *
make_user (Fixture *f, const char *username, const char *display_name, SlRole role)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) values = new_user_values (username, display_name, role);
  SlUser *user = store_create_user (f->store, values, &error);

  g_assert_no_error (error);
  g_assert_nonnull (user);
  return user;
}

static void
assert_users_equal (const SlUser *a, const SlUser *b)
{
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpstr (a->username, ==, b->username);
  g_assert_cmpstr (a->display_name, ==, b->display_name);
  g_assert_cmpint (a->role, ==, b->role);
  g_assert_cmpint (a->disabled, ==, b->disabled);
  g_assert_cmpstr (a->password_hash, ==, b->password_hash);
  g_assert_cmpint (a->created_at, ==, b->created_at);
  g_assert_cmpint (a->updated_at, ==, b->updated_at);
}

/* Users */

static void
test_users_create (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  gint64 before = now_s ();
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice Liddell", SL_ROLE_TEACHER);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);
  g_autoptr(SlUser) by_id = NULL;
  g_autoptr(SlUser) by_name = NULL;

  g_assert_cmpint (alice->id, >, 0);
  g_assert_cmpint (bob->id, >, alice->id);
  g_assert_cmpstr (alice->username, ==, "alice");
  g_assert_cmpstr (alice->display_name, ==, "Alice Liddell");
  g_assert_cmpint (alice->role, ==, SL_ROLE_TEACHER);
  g_assert_false (alice->disabled);
  g_assert_cmpstr (alice->password_hash, ==, "$hash$alice");
  g_assert_cmpint (alice->created_at, >=, before);
  g_assert_cmpint (alice->created_at, <=, now_s ());
  g_assert_cmpint (alice->updated_at, ==, alice->created_at);

  by_id = store_get_user (f->store, alice->id, &error);
  g_assert_no_error (error);
  assert_users_equal (by_id, alice);

  by_name = store_get_user_by_name (f->store, "bob", &error);
  g_assert_no_error (error);
  assert_users_equal (by_name, bob);
}

static void
test_users_duplicate (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(SlUser) values = new_user_values ("alice", "Impostor", SL_ROLE_ADMIN);
  g_autoptr(SlUser) dup = NULL;
  g_autoptr(SlUser) after = NULL;

  dup = store_create_user (f->store, values, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_EXISTS);
  g_assert_null (dup);
  g_assert_nonnull (strstr (error->message, "alice"));
  g_clear_error (&error);

  g_assert_cmpint (store_count_users (f->store, &error), ==, 1);
  g_assert_no_error (error);
  after = store_get_user_by_name (f->store, "alice", &error);
  g_assert_no_error (error);
  assert_users_equal (after, alice);
}

static void
test_users_invalid (Fixture *f, gconstpointer data)
{
  const char *bad_names[] = { "Alice", "ab", "with space", "semi;colon", "", "ünï" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlUser) values = new_user_values (bad_names[i], "X", SL_ROLE_STUDENT);
      g_autoptr(SlUser) user = store_create_user (f->store, values, &error);

      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
      g_assert_null (user);
    }

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlUser) values = new_user_values ("valid", "Valid", SL_ROLE_STUDENT);
      g_autoptr(SlUser) user = NULL;

      if (i == 0)
        g_clear_pointer (&values->display_name, g_free);
      else if (i == 1)
        g_clear_pointer (&values->password_hash, g_free);
      else
        values->role = 7;
      user = store_create_user (f->store, values, &error);
      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
      g_assert_null (user);
    }

  g_assert_cmpint (store_count_users (f->store, NULL), ==, 0);
}

static void
test_users_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) values = new_user_values ("ghost", "Ghost", SL_ROLE_ADMIN);
  g_autoptr(SlUser) user = NULL;

  user = store_get_user (f->store, 4242, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (user);
  g_clear_error (&error);

  user = store_get_user_by_name (f->store, "ghost", &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (user);
  g_clear_error (&error);

  user = store_update_user (f->store, 4242, SL_USER_FIELD_DISPLAY_NAME | SL_USER_FIELD_ROLE,
                            values, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (user);
  g_clear_error (&error);

  g_assert_cmpint (store_count_users (f->store, &error), ==, 0);
  g_assert_no_error (error);
}

static void
assert_search (Fixture *f, const char *query, const char * const *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUserPage) page = store_list_users (f->store, query, 0, 0, &error);
  guint n = g_strv_length ((char **) expected);

  g_assert_no_error (error);
  g_assert_nonnull (page);
  if (page->users->len != n)
    g_error ("Query “%s”: %u users, expected %u", query, page->users->len, n);
  g_assert_cmpint (page->total, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const SlUser *user = g_ptr_array_index (page->users, i);

      g_assert_cmpstr (user->username, ==, expected[i]);
      if (i > 0)
        g_assert_cmpint (user->id, >, ((SlUser *) g_ptr_array_index (page->users, i - 1))->id);
    }
}

static void
test_users_search (Fixture *f, gconstpointer data)
{
  const char *everyone[] = { "alice", "bob", "carol", "dave", "erin", "zoe", "al_x", NULL };
  const char *people[][2] = {
    { "alice", "Alice Liddell" },
    { "bob", "Bob O'Brien" },
    { "carol", "Carol 100% Sure" },
    { "dave", "Dave_the_Rave" },
    { "erin", "Erin back\\slash" },
    { "zoe", "Zoë Łukasiewicz" },
    { "al_x", "Plain" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (people); i++)
    sl_user_free (make_user (f, people[i][0], people[i][1], SL_ROLE_STUDENT));

  assert_search (f, NULL, everyone);
  assert_search (f, "", everyone);
  /* Case-insensitive, username or display name. */
  assert_search (f, "AL", (const char *[]) { "alice", "al_x", NULL });
  assert_search (f, "liddell", (const char *[]) { "alice", NULL });
  assert_search (f, "o'b", (const char *[]) { "bob", NULL });
  assert_search (f, "ZOË", (const char *[]) { "zoe", NULL });
  assert_search (f, "łukasiewicz", (const char *[]) { "zoe", NULL });
  /* LIKE's metacharacters match themselves. */
  assert_search (f, "%", (const char *[]) { "carol", NULL });
  assert_search (f, "100%", (const char *[]) { "carol", NULL });
  assert_search (f, "_", (const char *[]) { "dave", "al_x", NULL });
  assert_search (f, "l_x", (const char *[]) { "al_x", NULL });
  assert_search (f, "\\", (const char *[]) { "erin", NULL });
  assert_search (f, "%%", (const char *[]) { NULL });
  assert_search (f, "nobody", (const char *[]) { NULL });
}

static void
test_users_search_injection (Fixture *f, gconstpointer data)
{
  const char *queries[] = {
    "'; DROP TABLE users; --",
    "\"; DROP TABLE users; --",
    "' OR '1'='1",
    "x') OR 1=1 --",
    "$1",
    "?1",
  };
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlUserPage) page = store_list_users (f->store, queries[i], 10, 0, &error);
      g_autoptr(SlUser) user = NULL;

      g_assert_no_error (error);
      g_assert_cmpuint (page->users->len, ==, 0);
      g_assert_cmpint (page->total, ==, 0);
      user = store_get_user_by_name (f->store, queries[i], &error);
      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
    }

  /* The table is still there, with its row. */
  {
    g_autoptr(SlUser) again = store_get_user (f->store, alice->id, NULL);

    assert_users_equal (again, alice);
  }
  g_assert_cmpint (store_count_users (f->store, NULL), ==, 1);
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM users"), ==, 1);
}

static void
test_users_paging (Fixture *f, gconstpointer data)
{
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_user_free);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 25; i++)
    {
      g_autofree char *name = g_strdup_printf ("user-%02u", i);

      g_ptr_array_add (users, make_user (f, name, name, SL_ROLE_STUDENT));
    }

  for (guint offset = 0; offset <= 30; offset += 10)
    {
      g_autoptr(SlUserPage) page = store_list_users (f->store, NULL, 10, offset, &error);
      guint expected = offset >= 25 ? 0 : MIN (10, 25 - offset);

      g_assert_no_error (error);
      g_assert_cmpint (page->total, ==, 25);
      g_assert_cmpuint (page->users->len, ==, expected);
      for (guint i = 0; i < page->users->len; i++)
        assert_users_equal (g_ptr_array_index (page->users, i),
                            g_ptr_array_index (users, offset + i));
    }

  {
    /* Limit 0: no limit. */
    g_autoptr(SlUserPage) page = store_list_users (f->store, NULL, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (page->users->len, ==, 25);
  }
  {
    /* With a query: user-01, user-10 … user-19, user-21. */
    g_autoptr(SlUserPage) page = store_list_users (f->store, "1", 5, 10, &error);

    g_assert_no_error (error);
    g_assert_cmpint (page->total, ==, 12);
    g_assert_cmpuint (page->users->len, ==, 2);
    g_assert_cmpstr (((SlUser *) g_ptr_array_index (page->users, 0))->username, ==, "user-19");
    g_assert_cmpstr (((SlUser *) g_ptr_array_index (page->users, 1))->username, ==, "user-21");
  }
}

static void
test_users_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) initial = new_user_values ("alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(SlUser) alice = NULL;
  g_autoptr(SlUser) values = new_user_values ("ignored", "New Name", SL_ROLE_ADMIN);
  g_autoptr(SlUser) expected = NULL;
  g_autoptr(SlUser) other = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);
  g_autoptr(SlUser) other_after = NULL;
  const SlUserFields steps[] = {
    SL_USER_FIELD_DISPLAY_NAME,
    SL_USER_FIELD_ROLE,
    SL_USER_FIELD_DISABLED,
    SL_USER_FIELD_PASSWORD_HASH,
    0,
  };

  initial->created_at = 1000;
  initial->updated_at = 1000;
  alice = store_create_user (f->store, initial, &error);
  g_assert_no_error (error);
  g_assert_cmpint (alice->created_at, ==, 1000);
  expected = sl_user_copy (alice);

  values->disabled = TRUE;
  g_free (values->password_hash);
  values->password_hash = g_strdup ("$hash$new");

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(SlUser) updated = NULL;
      g_autoptr(SlUser) fetched = NULL;
      gint64 before = now_s ();

      updated = store_update_user (f->store, alice->id, steps[i], values, &error);
      g_assert_no_error (error);

      if (steps[i] & SL_USER_FIELD_DISPLAY_NAME)
        set_str (&expected->display_name, values->display_name);
      if (steps[i] & SL_USER_FIELD_ROLE)
        expected->role = values->role;
      if (steps[i] & SL_USER_FIELD_DISABLED)
        expected->disabled = values->disabled;
      if (steps[i] & SL_USER_FIELD_PASSWORD_HASH)
        set_str (&expected->password_hash, values->password_hash);
      g_assert_cmpint (updated->updated_at, >=, before);
      g_assert_cmpint (updated->updated_at, <=, now_s ());
      expected->updated_at = updated->updated_at;

      assert_users_equal (updated, expected);
      fetched = store_get_user (f->store, alice->id, &error);
      g_assert_no_error (error);
      assert_users_equal (fetched, expected);
    }
  g_assert_cmpstr (expected->username, ==, "alice");
  g_assert_cmpint (expected->created_at, ==, 1000);

  /* Bad values: refused, nothing written. */
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SlUser) bad = sl_user_copy (values);
      g_autoptr(SlUser) updated = NULL;
      g_autoptr(SlUser) fetched = NULL;
      SlUserFields fields;

      if (i == 0)
        {
          g_clear_pointer (&bad->display_name, g_free);
          fields = SL_USER_FIELD_DISPLAY_NAME;
        }
      else if (i == 1)
        {
          bad->role = 0;
          fields = SL_USER_FIELD_ROLE | SL_USER_FIELD_DISPLAY_NAME;
        }
      else
        {
          set_str (&bad->password_hash, "");
          fields = SL_USER_FIELD_PASSWORD_HASH;
        }
      updated = store_update_user (f->store, alice->id, fields, bad, &error);
      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
      g_assert_null (updated);
      g_clear_error (&error);
      fetched = store_get_user (f->store, alice->id, &error);
      g_assert_no_error (error);
      assert_users_equal (fetched, expected);
    }

  /* The other row is untouched. */
  other_after = store_get_user (f->store, other->id, &error);
  g_assert_no_error (error);
  assert_users_equal (other_after, other);
}

static void
test_users_count_disabled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) none = store_list_disabled_users (f->store, &error);
  g_autoptr(GArray) ids = NULL;
  g_autoptr(SlUser) values = sl_user_new ();
  SlUser *users[4];

  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  g_assert_cmpint (store_count_users (f->store, &error), ==, 0);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    {
      g_autofree char *name = g_strdup_printf ("user%u", i);

      users[i] = make_user (f, name, name, SL_ROLE_STUDENT);
    }
  g_assert_cmpint (store_count_users (f->store, &error), ==, 4);

  values->disabled = TRUE;
  for (guint i = 0; i < G_N_ELEMENTS (users); i += 2)
    {
      g_autoptr(SlUser) updated = store_update_user (f->store, users[3 - i]->id,
                                                     SL_USER_FIELD_DISABLED, values, &error);
      g_assert_no_error (error);
      g_assert_true (updated->disabled);
    }

  ids = store_list_disabled_users (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_cmpint (g_array_index (ids, gint64, 0), ==, users[1]->id);
  g_assert_cmpint (g_array_index (ids, gint64, 1), ==, users[3]->id);
  g_assert_cmpint (store_count_users (f->store, &error), ==, 4);

  for (guint i = 0; i < G_N_ELEMENTS (users); i++)
    sl_user_free (users[i]);
}

static void
test_users_round_trip (Fixture *f, gconstpointer data)
{
  const char *names[] = {
    "O'Brien \"the Quoted\" `tick`",
    "Zoë 🎓 日本語 Ελληνικά עברית",
    "back\\slash; DROP TABLE users; --",
    "tab\tnew\nline\r",
    "%_%_ $1 ?1 :name",
    "  spaced  ",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *username = g_strdup_printf ("person.%u", i);
      g_autoptr(SlUser) values = new_user_values (username, names[i], SL_ROLE_TEACHER);
      g_autoptr(SlUser) created = NULL;
      g_autoptr(SlUser) fetched = NULL;

      set_str (&values->password_hash, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$'\"\\");
      created = store_create_user (f->store, values, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (created->display_name, ==, names[i]);
      g_assert_cmpstr (created->password_hash, ==, values->password_hash);

      fetched = store_get_user_by_name (f->store, username, &error);
      g_assert_no_error (error);
      assert_users_equal (fetched, created);
    }
  g_assert_cmpint (store_count_users (f->store, NULL), ==, G_N_ELEMENTS (names));
}

/* Refresh tokens */

static void
assert_rotate (Fixture *f, const char *old_hash, const char *new_hash,
               SlRefreshOutcome outcome, const char *session, gint64 user_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlRefreshResult) result = store_rotate (f->store, old_hash, new_hash,
                                                    now_s () + 3600, &error);

  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpint (result->outcome, ==, outcome);
  g_assert_cmpstr (result->session, ==, session);
  if (outcome == SL_REFRESH_OK)
    {
      g_assert_nonnull (result->user);
      g_assert_cmpint (result->user->id, ==, user_id);
    }
  else
    {
      g_assert_null (result->user);
    }
}

static void
add_token (Fixture *f, gint64 user_id, const char *session, const char *hash, gint64 expires_at)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (store_add_refresh_token (f->store, user_id, session, hash, expires_at, &error));
  g_assert_no_error (error);
}

static gint64
count_tokens (Fixture *f, const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM refresh_tokens WHERE %s", where);

  return db_query_int (f->url, sql);
}

static void
test_refresh_ok (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);
  gint64 new_expiry = now_s () + 7200;
  g_autofree char *where = NULL;

  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  assert_rotate (f, "h1", "h2", SL_REFRESH_OK, "s1", alice->id);

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SlRefreshResult) result = store_rotate (f->store, "h2", "h3", new_expiry, &error);

    g_assert_no_error (error);
    g_assert_cmpint (result->outcome, ==, SL_REFRESH_OK);
    g_assert_cmpstr (result->user->username, ==, "alice");
    g_assert_cmpstr (result->session, ==, "s1");
  }

  g_assert_cmpint (count_tokens (f, "token_hash IN ('h1', 'h2') AND spent_at IS NOT NULL"), ==, 2);
  where = g_strdup_printf ("token_hash = 'h3' AND session = 's1' AND user_id = %" G_GINT64_FORMAT
                           " AND expires_at = %" G_GINT64_FORMAT
                           " AND spent_at IS NULL AND revoked_at IS NULL",
                           alice->id, new_expiry);
  g_assert_cmpint (count_tokens (f, where), ==, 1);
  g_assert_cmpint (count_tokens (f, "revoked_at IS NOT NULL"), ==, 0);
}

static void
test_refresh_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  assert_rotate (f, "nope", "h2", SL_REFRESH_UNKNOWN, NULL, 0);
  assert_rotate (f, "", "h2", SL_REFRESH_UNKNOWN, NULL, 0);
  assert_rotate (f, "h1' OR '1'='1", "h2", SL_REFRESH_UNKNOWN, NULL, 0);
  /* Nothing stored, nothing spent. */
  g_assert_cmpint (count_tokens (f, "1 = 1"), ==, 1);
  g_assert_cmpint (count_tokens (f, "spent_at IS NULL AND revoked_at IS NULL"), ==, 1);
}

static void
test_refresh_reused (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  add_token (f, alice->id, "s2", "other", now_s () + 3600);
  assert_rotate (f, "h1", "h2", SL_REFRESH_OK, "s1", alice->id);
  assert_rotate (f, "h2", "h3", SL_REFRESH_OK, "s1", alice->id);

  /* A stolen h1 comes back: the whole login goes, so the newest fails too. */
  assert_rotate (f, "h1", "x1", SL_REFRESH_REUSED, "s1", 0);
  assert_rotate (f, "h3", "x2", SL_REFRESH_REUSED, "s1", 0);
  g_assert_cmpint (count_tokens (f, "session = 's1' AND revoked_at IS NULL"), ==, 0);
  g_assert_cmpint (count_tokens (f, "token_hash LIKE 'x%'"), ==, 0);

  /* The other login is untouched. */
  assert_rotate (f, "other", "other2", SL_REFRESH_OK, "s2", alice->id);
}

static void
test_refresh_expired (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  add_token (f, alice->id, "s1", "old", now_s () - 10);
  assert_rotate (f, "old", "new", SL_REFRESH_EXPIRED, "s1", 0);
  g_assert_cmpint (count_tokens (f, "token_hash = 'new'"), ==, 0);
  g_assert_cmpint (count_tokens (f, "token_hash = 'old' AND spent_at IS NULL"), ==, 1);
}

static void
test_refresh_disabled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(SlUser) values = sl_user_new ();
  g_autoptr(SlUser) updated = NULL;

  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  values->disabled = TRUE;
  updated = store_update_user (f->store, alice->id, SL_USER_FIELD_DISABLED, values, &error);
  g_assert_no_error (error);
  g_clear_pointer (&updated, sl_user_free);

  assert_rotate (f, "h1", "h2", SL_REFRESH_DISABLED, "s1", 0);
  g_assert_cmpint (count_tokens (f, "session = 's1' AND revoked_at IS NOT NULL"), ==, 1);
  g_assert_cmpint (count_tokens (f, "token_hash = 'h2'"), ==, 0);

  /* Enabled again, the revoked login stays revoked. */
  values->disabled = FALSE;
  updated = store_update_user (f->store, alice->id, SL_USER_FIELD_DISABLED, values, &error);
  g_assert_no_error (error);
  assert_rotate (f, "h1", "h2", SL_REFRESH_REUSED, "s1", 0);
}

static void
test_refresh_revoke_session (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  add_token (f, alice->id, "s1", "a1", now_s () + 3600);
  add_token (f, alice->id, "s2", "b1", now_s () + 3600);
  assert_rotate (f, "a1", "a2", SL_REFRESH_OK, "s1", alice->id);

  g_assert_true (store_revoke_session (f->store, "s1", &error));
  g_assert_no_error (error);
  assert_rotate (f, "a2", "a3", SL_REFRESH_REUSED, "s1", 0);
  assert_rotate (f, "b1", "b2", SL_REFRESH_OK, "s2", alice->id);

  /* An unknown session is not an error. */
  g_assert_true (store_revoke_session (f->store, "no-such-session", &error));
  g_assert_no_error (error);
}

static void
test_refresh_revoke_user_sessions (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);

  add_token (f, alice->id, "a1", "a1-t", now_s () + 3600);
  add_token (f, alice->id, "a2", "a2-t", now_s () + 3600);
  add_token (f, alice->id, "a3", "a3-t", now_s () + 3600);
  add_token (f, alice->id, "a3", "a3-u", now_s () + 3600);
  add_token (f, bob->id, "b1", "b1-t", now_s () + 3600);

  /* "Log out everywhere else": each ended session named once. */
  {
    g_autofree char *ended = store_revoke_user_sessions (f->store, alice->id, "a2", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (ended, ==, "a1,a3");
  }
  assert_rotate (f, "a1-t", "x", SL_REFRESH_REUSED, "a1", 0);
  assert_rotate (f, "a3-t", "x", SL_REFRESH_REUSED, "a3", 0);
  assert_rotate (f, "a2-t", "a2-t2", SL_REFRESH_OK, "a2", alice->id);
  assert_rotate (f, "b1-t", "b1-t2", SL_REFRESH_OK, "b1", bob->id);

  /* Everywhere: only a2 was still open. */
  {
    g_autofree char *ended = store_revoke_user_sessions (f->store, alice->id, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (ended, ==, "a2");
  }
  assert_rotate (f, "a2-t2", "x", SL_REFRESH_REUSED, "a2", 0);
  assert_rotate (f, "b1-t2", "b1-t3", SL_REFRESH_OK, "b1", bob->id);
}

static void
test_refresh_bad_input (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);

  /* No such user. */
  g_assert_false (store_add_refresh_token (f->store, alice->id + 1000, "s", "h", now_s () + 60,
                                           &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* A hash already stored. */
  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  g_assert_false (store_add_refresh_token (f->store, alice->id, "s2", "h1", now_s () + 60,
                                           &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  /* A rotation to a hash already stored fails whole: the old one is not spent. */
  add_token (f, alice->id, "s1", "h2", now_s () + 3600);
  {
    g_autoptr(SlRefreshResult) result = store_rotate (f->store, "h1", "h2", now_s () + 60, &error);

    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_EXISTS);
    g_assert_null (result);
    g_clear_error (&error);
  }
  g_assert_cmpint (count_tokens (f, "spent_at IS NOT NULL OR revoked_at IS NOT NULL"), ==, 0);
  assert_rotate (f, "h1", "h3", SL_REFRESH_OK, "s1", alice->id);
}

/* The store itself */

static void
test_store_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_ADMIN);
  g_autoptr(SlUser) again = NULL;
  gint64 migrations, applied_sum;

  add_token (f, alice->id, "s1", "h1", now_s () + 3600);
  migrations = db_query_int (f->url, "SELECT count(*) FROM schema_migrations");
  applied_sum = db_query_int (f->url, "SELECT sum(applied_at) FROM schema_migrations");
  g_assert_cmpint (migrations, ==, count_migration_files (f->dialect));
  g_assert_cmpint (db_query_int (f->url, "SELECT min(version) FROM schema_migrations"), ==, 1);

  sl_store_close (f->store);
  g_clear_object (&f->store);
  /* Let a second passes, so a re-applied migration would show. */
  g_usleep (G_USEC_PER_SEC + 100000);
  f->store = open_store (f->url);

  again = store_get_user_by_name (f->store, "alice", &error);
  g_assert_no_error (error);
  assert_users_equal (again, alice);
  assert_rotate (f, "h1", "h2", SL_REFRESH_OK, "s1", alice->id);
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM schema_migrations"), ==, migrations);
  g_assert_cmpint (db_query_int (f->url, "SELECT sum(applied_at) FROM schema_migrations"),
                   ==, applied_sum);
}

static void
test_store_closed (Fixture *f, gconstpointer data)
{
  SlStore *store = f->store;
  g_autoptr(SlUser) values = new_user_values ("alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(GError) e0 = NULL, e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_autoptr(GError) e6 = NULL, e7 = NULL, e8 = NULL, e9 = NULL, e10 = NULL;
  g_autoptr(SlUser) u0 = NULL, u1 = NULL, u2 = NULL, u3 = NULL;
  g_autoptr(SlUserPage) page = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(SlRefreshResult) rotated = NULL;

  sl_store_close (store);
  sl_store_close (store);  /* twice is fine */

  u0 = store_create_user (store, values, &e0);
  u1 = store_get_user (store, 1, &e1);
  u2 = store_get_user_by_name (store, "alice", &e2);
  page = store_list_users (store, NULL, 10, 0, &e3);
  u3 = store_update_user (store, 1, SL_USER_FIELD_ROLE, values, &e4);
  g_assert_cmpint (store_count_users (store, &e5), ==, -1);
  ids = store_list_disabled_users (store, &e6);
  g_assert_false (store_add_refresh_token (store, 1, "s", "h", now_s () + 60, &e7));
  rotated = store_rotate (store, "h", "h2", now_s () + 60, &e8);
  g_assert_false (store_revoke_session (store, "s", &e9));
  g_assert_false (store_revoke_user_sessions (store, 1, NULL, &e10));

  g_assert_null (u0);
  g_assert_null (u1);
  g_assert_null (u2);
  g_assert_null (page);
  g_assert_null (u3);
  g_assert_null (ids);
  g_assert_null (rotated);
  {
    const GError *errors[] = { e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10 };

    for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
      g_assert_error (errors[i], SL_STORE_ERROR, SL_STORE_ERROR_CLOSED);
  }
}

typedef struct {
  Fixture *f;
  guint    pending;
  gint64   created_ids[100];
  gint64   fetched_ids[100];
  gint64   count_seen;
} Flood;

typedef struct {
  Flood *flood;
  guint  index;
} FloodCall;

static void
flood_create_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree FloodCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) user = sl_store_create_user_finish (SL_STORE (source), result, &error);
  g_autofree char *name = g_strdup_printf ("flood-%03u", call->index);

  g_assert_true (g_thread_self () == main_thread);
  g_assert_no_error (error);
  g_assert_cmpstr (user->username, ==, name);
  call->flood->created_ids[call->index] = user->id;
  call->flood->pending--;
}

static void
flood_get_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree FloodCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) user = sl_store_get_user_by_name_finish (SL_STORE (source), result, &error);
  g_autofree char *name = g_strdup_printf ("flood-%03u", call->index);

  g_assert_true (g_thread_self () == main_thread);
  g_assert_no_error (error);
  g_assert_cmpstr (user->username, ==, name);
  call->flood->fetched_ids[call->index] = user->id;
  call->flood->pending--;
}

static void
test_store_concurrent (Fixture *f, gconstpointer data)
{
  Flood flood = { f, 0, { 0 }, { 0 }, 0 };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  /* 200 jobs queued before any completes: each create, then its lookup. */
  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *name = g_strdup_printf ("flood-%03u", i);
      g_autoptr(SlUser) values = new_user_values (name, name, SL_ROLE_STUDENT);
      FloodCall *create = g_new0 (FloodCall, 1);
      FloodCall *get = g_new0 (FloodCall, 1);

      create->flood = get->flood = &flood;
      create->index = get->index = i;
      sl_store_create_user_async (f->store, values, NULL, flood_create_cb, create);
      sl_store_get_user_by_name_async (f->store, name, NULL, flood_get_cb, get);
      flood.pending += 2;
    }
  g_assert_cmpuint (flood.pending, ==, 200);

  while (flood.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  for (guint i = 0; i < 100; i++)
    {
      g_assert_cmpint (flood.created_ids[i], >, 0);
      g_assert_cmpint (flood.fetched_ids[i], ==, flood.created_ids[i]);
      g_assert_false (g_hash_table_contains (seen, &flood.created_ids[i]));
      g_hash_table_add (seen, &flood.created_ids[i]);
    }
  g_assert_cmpint (store_count_users (f->store, NULL), ==, 100);
}

static void
test_store_cancelled (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(SlUser) values = new_user_values ("alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SlUser) user = NULL;

  g_cancellable_cancel (cancellable);
  sl_store_create_user_async (f->store, values, cancellable, result_cb, &result);
  user = sl_store_create_user_finish (f->store, await_result (&result), &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (user);
  g_assert_cmpint (store_count_users (f->store, NULL), ==, 0);
}

static void
test_store_migration_failure (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlStore) store = NULL;

  /* A database that already has a "users" table of its own. */
  sl_store_close (f->store);
  g_clear_object (&f->store);
  sl_test_db_drop (f->url);
  g_free (f->url);
  f->url = sl_test_db_new_url (f->dialect);
  db_exec (f->url, "CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('keep me')");

  store = sl_store_new_for_url (f->url, NULL, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION);
  g_assert_null (store);
  g_assert_nonnull (strstr (error->message, "0001_accounts.sql"));
  g_test_message ("%s", error->message);

  /* Rolled back: not recorded, nothing half made, their data intact. */
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM schema_migrations"), ==, 0);
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM users"), ==, 1);
}

static void
test_store_reconnect (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_STUDENT);
  g_autoptr(SlUser) again = NULL;

  /* The server drops the store's connection (restart, failover, idle kill). */
  g_assert_cmpint (db_query_int (f->url,
                                 "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                 " WHERE datname = current_database()"
                                 " AND pid <> pg_backend_pid()"),
                   ==, 1);
  g_usleep (G_USEC_PER_SEC / 5);

  again = store_get_user (f->store, alice->id, &error);
  g_assert_no_error (error);
  assert_users_equal (again, alice);
  g_assert_cmpint (store_count_users (f->store, &error), ==, 1);
  g_assert_no_error (error);
}

static void
count_and_drop_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  guint *pending = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (sl_store_count_users_finish (SL_STORE (source), result, &error), ==, 0);
  g_assert_no_error (error);
  (*pending)--;
}

static void
test_store_unref_without_close (Fixture *f, gconstpointer data)
{
  /* Dropped with jobs in flight, never closed: the jobs still complete and
   * the last reference may go on the worker thread itself. */
  for (guint round = 0; round < 20; round++)
    {
      SlStore *store = open_store (f->url);
      guint pending = 3;

      for (guint i = 0; i < 3; i++)
        sl_store_count_users_async (store, NULL, count_and_drop_cb, &pending);
      g_object_unref (store);
      while (pending > 0)
        g_main_context_iteration (NULL, TRUE);
    }
}

/* Classes, chat, mutes and hands */

static SlClass *
store_create_class (SlStore *store, const SlClass *klass, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_create_class_async (store, klass, NULL, result_cb, &result);
  return sl_store_create_class_finish (store, await_result (&result), error);
}

static SlClass *
store_get_class (SlStore *store, gint64 id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_get_class_async (store, id, NULL, result_cb, &result);
  return sl_store_get_class_finish (store, await_result (&result), error);
}

static SlClassPage *
store_list_classes (SlStore *store, SlClassList which, guint limit, guint offset, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_classes_async (store, which, limit, offset, NULL, result_cb, &result);
  return sl_store_list_classes_finish (store, await_result (&result), error);
}

static SlClass *
store_update_class (SlStore *store, gint64 id, SlClassFields fields, const SlClass *values,
                    SlClassState allowed, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_update_class_async (store, id, fields, values, allowed, NULL, result_cb, &result);
  return sl_store_update_class_finish (store, await_result (&result), error);
}

static SlClass *
store_set_class_state (SlStore *store, gint64 id, SlClassState allowed, SlClassState to,
                       GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_set_class_state_async (store, id, allowed, to, NULL, result_cb, &result);
  return sl_store_set_class_state_finish (store, await_result (&result), error);
}

static SlChatMessage *
store_add_chat (SlStore *store, gint64 class_id, gint64 user_id, const char *text,
                GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_add_chat_message_async (store, class_id, user_id, text, NULL, result_cb, &result);
  return sl_store_add_chat_message_finish (store, await_result (&result), error);
}

static GPtrArray *
store_list_chat (SlStore *store, gint64 class_id, gint64 before_id, guint limit, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_chat_messages_async (store, class_id, before_id, limit, NULL, result_cb, &result);
  return sl_store_list_chat_messages_finish (store, await_result (&result), error);
}

static gboolean
store_delete_chat (SlStore *store, gint64 class_id, gint64 message_id, gint64 by,
                   GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_delete_chat_message_async (store, class_id, message_id, by, NULL, result_cb, &result);
  return sl_store_delete_chat_message_finish (store, await_result (&result), error);
}

static gboolean
store_set_muted (SlStore *store, gint64 class_id, gint64 user_id, gboolean muted, gint64 by,
                 GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_set_muted_async (store, class_id, user_id, muted, by, NULL, result_cb, &result);
  return sl_store_set_muted_finish (store, await_result (&result), error);
}

static GArray *
store_list_muted (SlStore *store, gint64 class_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_muted_async (store, class_id, NULL, result_cb, &result);
  return sl_store_list_muted_finish (store, await_result (&result), error);
}

static GPtrArray *
store_raise_hand (SlStore *store, gint64 class_id, gint64 user_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_raise_hand_async (store, class_id, user_id, NULL, result_cb, &result);
  return sl_store_raise_hand_finish (store, await_result (&result), error);
}

static GPtrArray *
store_lower_hand (SlStore *store, gint64 class_id, gint64 user_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_lower_hand_async (store, class_id, user_id, NULL, result_cb, &result);
  return sl_store_lower_hand_finish (store, await_result (&result), error);
}

static GPtrArray *
store_list_hands (SlStore *store, gint64 class_id, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  sl_store_list_hands_async (store, class_id, NULL, result_cb, &result);
  return sl_store_list_hands_finish (store, await_result (&result), error);
}

static SlClass *
new_class_values (gint64 owner_id, const char *title, const char *stream_key,
                  gint64 scheduled_at)
{
  SlClass *klass = sl_class_new ();

  klass->owner_id = owner_id;
  klass->title = g_strdup (title);
  set_str (&klass->description, "About it");
  klass->scheduled_at = scheduled_at;
  klass->duration_minutes = 45;
  klass->is_public = TRUE;
  klass->stream_key = g_strdup (stream_key);
  return klass;
}

static SlClass *
make_class (Fixture *f, gint64 owner_id, const char *title, gint64 scheduled_at)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *key = g_strdup_printf ("key-%s", title);
  g_autoptr(SlClass) values = new_class_values (owner_id, title, key, scheduled_at);
  SlClass *klass = store_create_class (f->store, values, &error);

  g_assert_no_error (error);
  g_assert_nonnull (klass);
  return klass;
}

static SlClass *
set_state (Fixture *f, gint64 id, SlClassState allowed, SlClassState to)
{
  g_autoptr(GError) error = NULL;
  SlClass *klass = store_set_class_state (f->store, id, allowed, to, &error);

  g_assert_no_error (error);
  g_assert_nonnull (klass);
  g_assert_cmpint (klass->state, ==, to);
  return klass;
}

static void
assert_classes_equal (const SlClass *a, const SlClass *b)
{
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpint (a->owner_id, ==, b->owner_id);
  g_assert_cmpstr (a->owner_name, ==, b->owner_name);
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->description, ==, b->description);
  g_assert_cmpint (a->scheduled_at, ==, b->scheduled_at);
  g_assert_cmpint (a->duration_minutes, ==, b->duration_minutes);
  g_assert_cmpint (a->is_public, ==, b->is_public);
  g_assert_cmpint (a->state, ==, b->state);
  g_assert_cmpint (a->started_at, ==, b->started_at);
  g_assert_cmpint (a->ended_at, ==, b->ended_at);
  g_assert_cmpstr (a->stream_key, ==, b->stream_key);
  g_assert_cmpint (a->created_at, ==, b->created_at);
  g_assert_cmpint (a->updated_at, ==, b->updated_at);
}

/* The stored row equals @expected. */
static void
assert_class_stored (Fixture *f, const SlClass *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) fetched = store_get_class (f->store, expected->id, &error);

  g_assert_no_error (error);
  assert_classes_equal (fetched, expected);
}

static void
test_classes_create (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice O'Teacher", SL_ROLE_TEACHER);
  g_autoptr(SlClass) values = new_class_values (alice->id, "Algebra", "k-1", 1900000000);
  g_autoptr(SlClass) created = NULL;
  g_autoptr(SlClass) second = NULL;
  gint64 before = now_s ();

  /* What the caller says about state, times and owner name is not stored. */
  values->state = SL_CLASS_LIVE;
  values->started_at = 5;
  values->ended_at = 6;
  values->created_at = 7;
  values->owner_name = g_strdup ("Mallory");
  values->is_public = FALSE;
  values->duration_minutes = SL_CLASS_DURATION_MAX;

  created = store_create_class (f->store, values, &error);
  g_assert_no_error (error);
  g_assert_cmpint (created->id, >, 0);
  g_assert_cmpint (created->owner_id, ==, alice->id);
  g_assert_cmpstr (created->owner_name, ==, "Alice O'Teacher");
  g_assert_cmpstr (created->title, ==, "Algebra");
  g_assert_cmpstr (created->description, ==, "About it");
  g_assert_cmpint (created->scheduled_at, ==, 1900000000);
  g_assert_cmpint (created->duration_minutes, ==, SL_CLASS_DURATION_MAX);
  g_assert_false (created->is_public);
  g_assert_cmpint (created->state, ==, SL_CLASS_SCHEDULED);
  g_assert_cmpint (created->started_at, ==, 0);
  g_assert_cmpint (created->ended_at, ==, 0);
  g_assert_cmpstr (created->stream_key, ==, "k-1");
  g_assert_cmpint (created->created_at, >=, before);
  g_assert_cmpint (created->created_at, <=, now_s ());
  g_assert_cmpint (created->updated_at, ==, created->created_at);
  assert_class_stored (f, created);

  /* A NULL description is "". */
  set_str (&values->stream_key, "k-2");
  g_clear_pointer (&values->description, g_free);
  values->is_public = TRUE;
  second = store_create_class (f->store, values, &error);
  g_assert_no_error (error);
  g_assert_cmpint (second->id, >, created->id);
  g_assert_cmpstr (second->description, ==, "");
  g_assert_true (second->is_public);
  assert_class_stored (f, second);
}

static void
test_classes_create_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) first = make_class (f, alice->id, "first", 1900000000);
  g_autofree char *long_title = g_strnfill (SL_CLASS_TITLE_MAX + 1, 'x');
  g_autofree char *long_description = g_strnfill (SL_CLASS_DESCRIPTION_MAX + 1, 'x');
  struct {
    const char *what;
    SlStoreError code;
  } cases[] = {
    { "taken stream key", SL_STORE_ERROR_EXISTS },
    { "no such owner", SL_STORE_ERROR_NOT_FOUND },
    { "empty title", SL_STORE_ERROR_INVALID },
    { "NULL title", SL_STORE_ERROR_INVALID },
    { "long title", SL_STORE_ERROR_INVALID },
    { "bad UTF-8 title", SL_STORE_ERROR_INVALID },
    { "long description", SL_STORE_ERROR_INVALID },
    { "zero duration", SL_STORE_ERROR_INVALID },
    { "long duration", SL_STORE_ERROR_INVALID },
    { "empty stream key", SL_STORE_ERROR_INVALID },
    { "NULL stream key", SL_STORE_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlClass) values = new_class_values (alice->id, "second", "k-second", 1);
      g_autoptr(SlClass) created = NULL;

      switch (i)
        {
        case 0: set_str (&values->stream_key, first->stream_key); break;
        case 1: values->owner_id = alice->id + 1000; break;
        case 2: set_str (&values->title, ""); break;
        case 3: g_clear_pointer (&values->title, g_free); break;
        case 4: set_str (&values->title, long_title); break;
        case 5: set_str (&values->title, "bad \xff\xfe"); break;
        case 6: set_str (&values->description, long_description); break;
        case 7: values->duration_minutes = 0; break;
        case 8: values->duration_minutes = SL_CLASS_DURATION_MAX + 1; break;
        case 9: set_str (&values->stream_key, ""); break;
        default: g_clear_pointer (&values->stream_key, g_free); break;
        }
      created = store_create_class (f->store, values, &error);
      g_test_message ("%s: %s", cases[i].what, error != NULL ? error->message : "no error");
      g_assert_error (error, SL_STORE_ERROR, (gint) cases[i].code);
      g_assert_null (created);
    }

  /* Nothing stored, the first one intact. */
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM classes"), ==, 1);
  assert_class_stored (f, first);
}

static void
test_classes_not_found (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) values = new_class_values (1, "x", "k", 1);
  g_autoptr(SlClass) klass = NULL;

  klass = store_get_class (f->store, 4242, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (klass);
  g_clear_error (&error);

  klass = store_update_class (f->store, 4242, SL_CLASS_FIELD_TITLE, values,
                              SL_CLASS_SCHEDULED | SL_CLASS_LIVE, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (klass);
  g_clear_error (&error);

  klass = store_set_class_state (f->store, 4242, SL_CLASS_SCHEDULED, SL_CLASS_LIVE, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_assert_null (klass);
}

/* The titles of a list page, joined by ','. */
static char *
list_titles (Fixture *f, SlClassList which, guint limit, guint offset, gint64 expected_total)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClassPage) page = store_list_classes (f->store, which, limit, offset, &error);
  g_autoptr(GString) titles = g_string_new ("");

  g_assert_no_error (error);
  g_assert_nonnull (page);
  g_assert_cmpint (page->total, ==, expected_total);
  for (guint i = 0; i < page->classes->len; i++)
    {
      const SlClass *klass = g_ptr_array_index (page->classes, i);

      g_assert_cmpstr (klass->owner_name, ==, "Alice");
      g_string_append_printf (titles, "%s%s", i > 0 ? "," : "", klass->title);
    }
  return g_string_free (g_steal_pointer (&titles), FALSE);
}

#define assert_list(f, which, limit, offset, total, expected) \
  G_STMT_START { \
    g_autofree char *titles_ = list_titles (f, which, limit, offset, total); \
    g_assert_cmpstr (titles_, ==, expected); \
  } G_STMT_END

static void
db_exec_printf (Fixture *f, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
db_exec_printf (Fixture *f, const char *format, ...)
{
  va_list args;
  g_autofree char *sql = NULL;

  va_start (args, format);
  sql = g_strdup_vprintf (format, args);
  va_end (args);
  db_exec (f->url, sql);
}

static void
test_classes_lists (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  /* Upcoming: by scheduled_at, ties by id. */
  const struct { const char *title; gint64 at; } upcoming[] = {
    { "u-late", 3000 }, { "u-early", 1000 }, { "u-mid-a", 2000 }, { "u-mid-b", 2000 },
    { "u-first", 500 },
  };
  /* Live: by started_at, newest first, ties by id, newest first. */
  const struct { const char *title; gint64 started; } live[] = {
    { "l-old", 100 }, { "l-new-a", 300 }, { "l-new-b", 300 },
  };
  /* Past: by ended_at (updated_at without one), latest first, ties by id. */
  const struct { const char *title; SlClassState state; gint64 ended; gint64 updated; } past[] = {
    { "p-ended-200", SL_CLASS_ENDED, 200, 900 },
    { "p-cancelled-400", SL_CLASS_CANCELLED, 400, 400 },
    { "p-no-end-300", SL_CLASS_CANCELLED, 0, 300 },
    { "p-ended-400", SL_CLASS_ENDED, 400, 400 },
  };

  assert_list (f, SL_CLASS_LIST_LIVE, 10, 0, 0, "");
  assert_list (f, SL_CLASS_LIST_UPCOMING, 10, 0, 0, "");
  assert_list (f, SL_CLASS_LIST_PAST, 10, 0, 0, "");

  for (guint i = 0; i < G_N_ELEMENTS (upcoming); i++)
    sl_class_free (make_class (f, alice->id, upcoming[i].title, upcoming[i].at));
  for (guint i = 0; i < G_N_ELEMENTS (live); i++)
    {
      g_autoptr(SlClass) klass = make_class (f, alice->id, live[i].title, 1);

      sl_class_free (set_state (f, klass->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE));
      db_exec_printf (f, "UPDATE classes SET started_at = %" G_GINT64_FORMAT
                      " WHERE id = %" G_GINT64_FORMAT, live[i].started, klass->id);
    }
  for (guint i = 0; i < G_N_ELEMENTS (past); i++)
    {
      g_autoptr(SlClass) klass = make_class (f, alice->id, past[i].title, 1);
      g_autofree char *ended = past[i].ended != 0
                               ? g_strdup_printf ("%" G_GINT64_FORMAT, past[i].ended)
                               : g_strdup ("NULL");

      sl_class_free (set_state (f, klass->id, SL_CLASS_SCHEDULED, past[i].state));
      db_exec_printf (f, "UPDATE classes SET ended_at = %s, updated_at = %" G_GINT64_FORMAT
                      " WHERE id = %" G_GINT64_FORMAT, ended, past[i].updated, klass->id);
    }

  assert_list (f, SL_CLASS_LIST_UPCOMING, 0, 0, 5, "u-first,u-early,u-mid-a,u-mid-b,u-late");
  assert_list (f, SL_CLASS_LIST_LIVE, 0, 0, 3, "l-new-b,l-new-a,l-old");
  assert_list (f, SL_CLASS_LIST_PAST, 0, 0, 4,
               "p-ended-400,p-cancelled-400,p-no-end-300,p-ended-200");

  /* Pages: total counts the whole list. */
  assert_list (f, SL_CLASS_LIST_UPCOMING, 2, 0, 5, "u-first,u-early");
  assert_list (f, SL_CLASS_LIST_UPCOMING, 2, 2, 5, "u-mid-a,u-mid-b");
  assert_list (f, SL_CLASS_LIST_UPCOMING, 2, 4, 5, "u-late");
  assert_list (f, SL_CLASS_LIST_UPCOMING, 2, 6, 5, "");
  assert_list (f, SL_CLASS_LIST_LIVE, 1, 1, 3, "l-new-a");
  assert_list (f, SL_CLASS_LIST_PAST, 3, 1, 4, "p-cancelled-400,p-no-end-300,p-ended-200");

  /* A class moves from list to list. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SlClassPage) page = store_list_classes (f->store, SL_CLASS_LIST_UPCOMING, 1, 0,
                                                      &error);
    const SlClass *first = g_ptr_array_index (page->classes, 0);

    g_assert_no_error (error);
    sl_class_free (set_state (f, first->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE));
  }
  assert_list (f, SL_CLASS_LIST_UPCOMING, 0, 0, 4, "u-early,u-mid-a,u-mid-b,u-late");
  assert_list (f, SL_CLASS_LIST_LIVE, 1, 0, 4, "u-first");
}

static void
test_classes_update (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "Algebra", 1900000000);
  g_autoptr(SlClass) other = make_class (f, alice->id, "Other", 1900000000);
  g_autoptr(SlClass) values = new_class_values (alice->id + 99, "Geometry", "new-key", 2000000000);
  g_autoptr(SlClass) expected = sl_class_copy (klass);
  const SlClassFields steps[] = {
    SL_CLASS_FIELD_TITLE,
    SL_CLASS_FIELD_DESCRIPTION,
    SL_CLASS_FIELD_SCHEDULED_AT,
    SL_CLASS_FIELD_DURATION,
    SL_CLASS_FIELD_PUBLIC,
    SL_CLASS_FIELD_STREAM_KEY,
    0,
  };

  set_str (&values->description, "Shapes 'n' \"angles\"");
  values->duration_minutes = 90;
  values->is_public = FALSE;
  values->state = SL_CLASS_ENDED;     /* not a field: ignored */

  /* Backdate it, so that updated_at visibly moves. */
  db_exec_printf (f, "UPDATE classes SET created_at = 1000, updated_at = 1000"
                  " WHERE id = %" G_GINT64_FORMAT, klass->id);
  expected->created_at = expected->updated_at = 1000;

  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(SlClass) updated = NULL;
      gint64 before = now_s ();

      updated = store_update_class (f->store, klass->id, steps[i], values,
                                    SL_CLASS_SCHEDULED | SL_CLASS_LIVE, &error);
      g_assert_no_error (error);

      if (steps[i] & SL_CLASS_FIELD_TITLE)
        set_str (&expected->title, values->title);
      if (steps[i] & SL_CLASS_FIELD_DESCRIPTION)
        set_str (&expected->description, values->description);
      if (steps[i] & SL_CLASS_FIELD_SCHEDULED_AT)
        expected->scheduled_at = values->scheduled_at;
      if (steps[i] & SL_CLASS_FIELD_DURATION)
        expected->duration_minutes = values->duration_minutes;
      if (steps[i] & SL_CLASS_FIELD_PUBLIC)
        expected->is_public = values->is_public;
      if (steps[i] & SL_CLASS_FIELD_STREAM_KEY)
        set_str (&expected->stream_key, values->stream_key);
      g_assert_cmpint (updated->updated_at, >=, before);
      g_assert_cmpint (updated->updated_at, <=, now_s ());
      expected->updated_at = updated->updated_at;

      assert_classes_equal (updated, expected);
      assert_class_stored (f, expected);
    }
  g_assert_cmpint (expected->owner_id, ==, alice->id);
  g_assert_cmpint (expected->created_at, ==, 1000);

  /* Refused: another class's stream key, bad values.  Nothing changes. */
  for (guint i = 0; i < 4; i++)
    {
      g_autoptr(SlClass) bad = sl_class_copy (values);
      g_autoptr(SlClass) updated = NULL;
      SlClassFields fields = SL_CLASS_FIELD_TITLE;
      SlStoreError code = SL_STORE_ERROR_INVALID;

      set_str (&bad->title, "Must not be written");
      switch (i)
        {
        case 0:
          set_str (&bad->stream_key, other->stream_key);
          fields |= SL_CLASS_FIELD_STREAM_KEY;
          code = SL_STORE_ERROR_EXISTS;
          break;
        case 1:
          set_str (&bad->title, "");
          break;
        case 2:
          bad->duration_minutes = -5;
          fields |= SL_CLASS_FIELD_DURATION;
          break;
        default:
          set_str (&bad->stream_key, "");
          fields |= SL_CLASS_FIELD_STREAM_KEY;
          break;
        }
      updated = store_update_class (f->store, klass->id, fields, bad,
                                    SL_CLASS_SCHEDULED, &error);
      g_assert_error (error, SL_STORE_ERROR, (gint) code);
      g_assert_null (updated);
      g_clear_error (&error);
      assert_class_stored (f, expected);
    }

  /* The other row is untouched. */
  assert_class_stored (f, other);
}

static void
test_classes_update_conflict (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "Algebra", 1900000000);
  g_autoptr(SlClass) live = set_state (f, klass->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE);
  g_autoptr(SlClass) values = new_class_values (alice->id, "Changed", "changed-key", 1);
  const SlClassState refused[] = { SL_CLASS_SCHEDULED, SL_CLASS_ENDED | SL_CLASS_CANCELLED, 0 };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(SlClass) updated = store_update_class (f->store, klass->id,
                                                       SL_CLASS_FIELD_TITLE |
                                                       SL_CLASS_FIELD_STREAM_KEY |
                                                       SL_CLASS_FIELD_SCHEDULED_AT,
                                                       values, refused[i], &error);

      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT);
      g_assert_null (updated);
      g_clear_error (&error);
      assert_class_stored (f, live);
    }

  {
    g_autoptr(SlClass) updated = store_update_class (f->store, klass->id, SL_CLASS_FIELD_TITLE,
                                                     values, SL_CLASS_LIVE, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (updated->title, ==, "Changed");
    g_assert_cmpstr (updated->stream_key, ==, live->stream_key);
    g_assert_cmpint (updated->state, ==, SL_CLASS_LIVE);
  }
}

static void
test_classes_state (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) a = make_class (f, alice->id, "a", 1900000000);
  g_autoptr(SlClass) b = make_class (f, alice->id, "b", 1900000000);
  g_autoptr(SlClass) live = NULL;
  g_autoptr(SlClass) ended = NULL;
  g_autoptr(SlClass) cancelled = NULL;
  g_autoptr(SlClass) refused = NULL;
  gint64 before = now_s ();

  /* Start: started_at now, no end. */
  live = set_state (f, a->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE);
  g_assert_cmpint (live->started_at, >=, before);
  g_assert_cmpint (live->started_at, <=, now_s ());
  g_assert_cmpint (live->ended_at, ==, 0);
  g_assert_cmpint (live->updated_at, ==, live->started_at);
  g_assert_cmpstr (live->title, ==, "a");
  g_assert_cmpstr (live->owner_name, ==, "Alice");
  assert_class_stored (f, live);

  /* Start twice: refused, unchanged. */
  refused = store_set_class_state (f->store, a->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT);
  g_assert_null (refused);
  g_clear_error (&error);
  assert_class_stored (f, live);

  /* End a scheduled class when only a live one may end. */
  refused = store_set_class_state (f->store, b->id, SL_CLASS_LIVE, SL_CLASS_ENDED, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT);
  g_assert_null (refused);
  g_clear_error (&error);
  assert_class_stored (f, b);

  /* End the live one: ended_at now, started_at kept. */
  db_exec_printf (f, "UPDATE classes SET started_at = 1234 WHERE id = %" G_GINT64_FORMAT, a->id);
  ended = set_state (f, a->id, SL_CLASS_LIVE, SL_CLASS_ENDED);
  g_assert_cmpint (ended->started_at, ==, 1234);
  g_assert_cmpint (ended->ended_at, >=, before);
  g_assert_cmpint (ended->ended_at, <=, now_s ());
  assert_class_stored (f, ended);

  /* Ended is final when nothing allows it. */
  refused = store_set_class_state (f->store, a->id, SL_CLASS_SCHEDULED | SL_CLASS_LIVE,
                                   SL_CLASS_CANCELLED, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT);
  g_clear_error (&error);
  assert_class_stored (f, ended);

  /* Cancel the scheduled one: ended_at, never started. */
  cancelled = set_state (f, b->id, SL_CLASS_SCHEDULED | SL_CLASS_LIVE, SL_CLASS_CANCELLED);
  g_assert_cmpint (cancelled->started_at, ==, 0);
  g_assert_cmpint (cancelled->ended_at, >=, before);
  assert_class_stored (f, cancelled);
}

typedef struct {
  guint pending;
  guint succeeded;
  guint conflicts;
} Race;

static void
race_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Race *race = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) klass = sl_store_set_class_state_finish (SL_STORE (source), result, &error);

  if (klass != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpint (klass->state, ==, SL_CLASS_LIVE);
      race->succeeded++;
    }
  else
    {
      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT);
      race->conflicts++;
    }
  race->pending--;
}

static void
test_classes_state_race (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "contested", 1900000000);
  g_autoptr(SlClass) after = NULL;
  SlStore *stores[4];
  Race race = { 0, 0, 0 };

  /* Several stores, each with its own connection and worker thread, as
   * several servers on one database would be. */
  stores[0] = g_object_ref (f->store);
  for (guint i = 1; i < G_N_ELEMENTS (stores); i++)
    stores[i] = open_store (f->url);

  for (guint i = 0; i < 20; i++)
    {
      sl_store_set_class_state_async (stores[i % G_N_ELEMENTS (stores)], klass->id,
                                      SL_CLASS_SCHEDULED, SL_CLASS_LIVE, NULL, race_cb, &race);
      race.pending++;
    }
  while (race.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_cmpuint (race.succeeded, ==, 1);
  g_assert_cmpuint (race.conflicts, ==, 19);
  after = store_get_class (f->store, klass->id, NULL);
  g_assert_cmpint (after->state, ==, SL_CLASS_LIVE);

  for (guint i = 0; i < G_N_ELEMENTS (stores); i++)
    {
      sl_store_close (stores[i]);
      g_object_unref (stores[i]);
    }
}

/* The messages' ids, joined by ','. */
static char *
chat_ids (GPtrArray *messages)
{
  g_autoptr(GString) ids = g_string_new ("");

  for (guint i = 0; i < messages->len; i++)
    g_string_append_printf (ids, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            ((SlChatMessage *) g_ptr_array_index (messages, i))->id);
  return g_string_free (g_steal_pointer (&ids), FALSE);
}

/* @messages are the messages @indexes (into @all) name, in order; -1 ends. */
static void
assert_chat (Fixture *f, gint64 class_id, gint64 before_id, guint limit, GPtrArray *all,
             const int *indexes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = store_list_chat (f->store, class_id, before_id, limit, &error);
  g_autoptr(GString) expected = g_string_new ("");
  g_autofree char *got = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (messages);
  for (guint i = 0; indexes[i] >= 0; i++)
    g_string_append_printf (expected, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            ((SlChatMessage *) g_ptr_array_index (all, indexes[i]))->id);
  got = chat_ids (messages);
  g_assert_cmpstr (got, ==, expected->str);

  for (guint i = 0; i < messages->len; i++)
    {
      const SlChatMessage *m = g_ptr_array_index (messages, i);
      const SlChatMessage *e = g_ptr_array_index (all, indexes[i]);

      g_assert_cmpint (m->class_id, ==, e->class_id);
      g_assert_cmpint (m->user_id, ==, e->user_id);
      g_assert_cmpstr (m->display_name, ==, e->display_name);
      g_assert_cmpstr (m->text, ==, e->text);
      g_assert_cmpint (m->created_at, ==, e->created_at);
    }
}

#define IDX(...) ((const int[]) { __VA_ARGS__, -1 })
#define NONE ((const int[]) { -1 })

static void
test_chat_list (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob B.", SL_ROLE_STUDENT);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "chatty", 1900000000);
  g_autoptr(SlClass) other = make_class (f, alice->id, "quiet", 1900000000);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_chat_message_free);
  gint64 before = now_s ();

  assert_chat (f, klass->id, 0, 10, all, NONE);

  for (guint i = 0; i < 6; i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);
      SlUser *from = i % 2 == 0 ? alice : bob;
      SlChatMessage *message = store_add_chat (f->store, klass->id, from->id, text, &error);

      g_assert_no_error (error);
      g_assert_cmpint (message->id, >, 0);
      if (i > 0)
        g_assert_cmpint (message->id, >,
                         ((SlChatMessage *) g_ptr_array_index (all, i - 1))->id);
      g_assert_cmpint (message->class_id, ==, klass->id);
      g_assert_cmpint (message->user_id, ==, from->id);
      g_assert_cmpstr (message->display_name, ==, from->display_name);
      g_assert_cmpstr (message->text, ==, text);
      g_assert_cmpint (message->created_at, >=, before);
      g_assert_cmpint (message->created_at, <=, now_s ());
      g_ptr_array_add (all, message);
    }
  /* Another class's chat is not this one's. */
  sl_chat_message_free (store_add_chat (f->store, other->id, bob->id, "elsewhere", &error));
  g_assert_no_error (error);

  /* Oldest first; a limit keeps the newest. */
  assert_chat (f, klass->id, 0, 0, all, IDX (0, 1, 2, 3, 4, 5));
  assert_chat (f, klass->id, 0, 100, all, IDX (0, 1, 2, 3, 4, 5));
  assert_chat (f, klass->id, 0, 2, all, IDX (4, 5));

  /* Paging back with before_id. */
  {
    gint64 id4 = ((SlChatMessage *) g_ptr_array_index (all, 4))->id;
    gint64 id2 = ((SlChatMessage *) g_ptr_array_index (all, 2))->id;
    gint64 id0 = ((SlChatMessage *) g_ptr_array_index (all, 0))->id;

    assert_chat (f, klass->id, id4, 2, all, IDX (2, 3));
    assert_chat (f, klass->id, id2, 2, all, IDX (0, 1));
    assert_chat (f, klass->id, id0, 2, all, NONE);
    assert_chat (f, klass->id, id4, 0, all, IDX (0, 1, 2, 3));
  }

  /* A class or a user that does not exist. */
  {
    g_autoptr(SlChatMessage) message = store_add_chat (f->store, klass->id + 1000, bob->id, "x",
                                                       &error);

    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
    g_assert_null (message);
    g_clear_error (&error);
    message = store_add_chat (f->store, klass->id, bob->id + 1000, "x", &error);
    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
    g_assert_null (message);
    g_clear_error (&error);
  }
  assert_chat (f, klass->id + 1000, 0, 10, all, NONE);
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM chat_messages"), ==, 7);
}

static void
test_chat_delete (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "chatty", 1900000000);
  g_autoptr(SlClass) other = make_class (f, alice->id, "other", 1900000000);
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_chat_message_free);
  g_autofree char *where = NULL;
  gint64 id1;

  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = g_strdup_printf ("m%u", i);

      g_ptr_array_add (all, store_add_chat (f->store, klass->id, alice->id, text, &error));
      g_assert_no_error (error);
    }
  id1 = ((SlChatMessage *) g_ptr_array_index (all, 1))->id;

  /* The wrong class: not found, still there. */
  g_assert_false (store_delete_chat (f->store, other->id, id1, alice->id, &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (store_delete_chat (f->store, klass->id, id1 + 1000, alice->id, &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_chat (f, klass->id, 0, 0, all, IDX (0, 1, 2, 3));

  g_assert_true (store_delete_chat (f->store, klass->id, id1, alice->id, &error));
  g_assert_no_error (error);
  assert_chat (f, klass->id, 0, 0, all, IDX (0, 2, 3));
  /* A limit counts what is shown, not what was deleted. */
  assert_chat (f, klass->id, 0, 2, all, IDX (2, 3));
  assert_chat (f, klass->id, ((SlChatMessage *) g_ptr_array_index (all, 2))->id, 1, all, IDX (0));

  /* Deleted already. */
  g_assert_false (store_delete_chat (f->store, klass->id, id1, alice->id, &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Kept, marked: who and when. */
  where = g_strdup_printf ("SELECT count(*) FROM chat_messages WHERE id = %" G_GINT64_FORMAT
                           " AND deleted_by = %" G_GINT64_FORMAT " AND deleted_at >= %"
                           G_GINT64_FORMAT " AND text = 'm1'",
                           id1, alice->id, now_s () - 5);
  g_assert_cmpint (db_query_int (f->url, where), ==, 1);
  g_assert_cmpint (db_query_int (f->url,
                                 "SELECT count(*) FROM chat_messages WHERE deleted_at IS NULL"),
                   ==, 3);
}

static void
test_chat_round_trip (Fixture *f, gconstpointer data)
{
  g_autoptr(SlUser) alice = make_user (f, "alice", "Zoë 🎓 O'Brien", SL_ROLE_TEACHER);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "chatty", 1900000000);
  g_autofree char *longest = g_strnfill (SL_CHAT_TEXT_MAX, 'z');
  g_autofree char *too_long = g_strnfill (SL_CHAT_TEXT_MAX + 1, 'z');
  const char *texts[] = {
    "O'Brien said \"hi\" `tick`",
    "'; DROP TABLE chat_messages; --",
    "\\'); DELETE FROM users; -- $1 ?1 :name %_%",
    "emoji 🎓🔥👩‍🏫 日本語 Ελληνικά עברית",
    "tab\tnew\nline\r\n",
    "  spaced  ",
    longest,
  };
  const char *bad[] = { "", too_long, "bad \xc3\x28 utf-8" };
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(SlChatMessage) message = store_add_chat (f->store, klass->id, alice->id,
                                                         texts[i], &error);

      g_assert_no_error (error);
      g_assert_cmpstr (message->text, ==, texts[i]);
      g_assert_cmpstr (message->display_name, ==, "Zoë 🎓 O'Brien");
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SlChatMessage) message = store_add_chat (f->store, klass->id, alice->id,
                                                         bad[i], &error);

      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
      g_assert_null (message);
      g_clear_error (&error);
    }

  listed = store_list_chat (f->store, klass->id, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, G_N_ELEMENTS (texts));
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (((SlChatMessage *) g_ptr_array_index (listed, i))->text, ==, texts[i]);
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM users"), ==, 1);
}

static char *
muted_ids (Fixture *f, gint64 class_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = store_list_muted (f->store, class_id, &error);
  g_autoptr(GString) text = g_string_new ("");

  g_assert_no_error (error);
  g_assert_nonnull (ids);
  for (guint i = 0; i < ids->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i > 0 ? "," : "",
                            g_array_index (ids, gint64, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

#define assert_muted(f, class_id, expected) \
  G_STMT_START { \
    g_autofree char *ids_ = muted_ids (f, class_id); \
    g_assert_cmpstr (ids_, ==, expected); \
  } G_STMT_END

static void
mute (Fixture *f, gint64 class_id, gint64 user_id, gboolean muted, gint64 by)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (store_set_muted (f->store, class_id, user_id, muted, by, &error));
  g_assert_no_error (error);
}

static void
test_mutes (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);
  g_autoptr(SlUser) carol = make_user (f, "carol", "Carol", SL_ROLE_STUDENT);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "a", 1900000000);
  g_autoptr(SlClass) other = make_class (f, alice->id, "b", 1900000000);
  g_autofree char *both = g_strdup_printf ("%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT,
                                           bob->id, carol->id);
  g_autofree char *just_carol = g_strdup_printf ("%" G_GINT64_FORMAT, carol->id);

  assert_muted (f, klass->id, "");
  mute (f, klass->id, carol->id, TRUE, alice->id);
  mute (f, klass->id, bob->id, TRUE, alice->id);
  mute (f, klass->id, bob->id, TRUE, alice->id);   /* again: no change, no error */
  assert_muted (f, klass->id, both);
  assert_muted (f, other->id, "");
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM class_mutes"), ==, 2);

  mute (f, klass->id, bob->id, FALSE, alice->id);
  assert_muted (f, klass->id, just_carol);
  mute (f, klass->id, bob->id, FALSE, alice->id);  /* again */
  mute (f, other->id, bob->id, FALSE, alice->id);  /* never muted */
  assert_muted (f, klass->id, just_carol);

  /* No such class or user. */
  g_assert_false (store_set_muted (f->store, klass->id + 1000, bob->id, TRUE, alice->id, &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (store_set_muted (f->store, klass->id, bob->id + 1000, TRUE, alice->id, &error));
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);
  assert_muted (f, klass->id, just_carol);
}

/* The display names of a hand queue, in order, joined by ','. */
static char *
hands_text (GPtrArray *hands)
{
  g_autoptr(GString) text = g_string_new ("");

  g_assert_nonnull (hands);
  for (guint i = 0; i < hands->len; i++)
    {
      const SlHand *hand = g_ptr_array_index (hands, i);

      g_string_append_printf (text, "%s%s", i > 0 ? "," : "", hand->display_name);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Takes @hands, what a hand call returned with @error. */
static void
assert_hands (GPtrArray *hands, GError **error, const char *expected)
{
  g_autoptr(GPtrArray) owned = hands;
  g_autofree char *text = NULL;

  g_assert_no_error (*error);
  text = hands_text (owned);
  g_assert_cmpstr (text, ==, expected);
}

static void
test_hands (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);
  g_autoptr(SlUser) carol = make_user (f, "carol", "Carol", SL_ROLE_STUDENT);
  g_autoptr(SlUser) dave = make_user (f, "dave", "Dave", SL_ROLE_STUDENT);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "a", 1900000000);
  g_autoptr(SlClass) other = make_class (f, alice->id, "b", 1900000000);
  gint64 before = now_s ();

  assert_hands (store_list_hands (f->store, klass->id, &error), &error, "");
  /* In the order they went up, not by id. */
  assert_hands (store_raise_hand (f->store, klass->id, dave->id, &error), &error, "Dave");
  assert_hands (store_raise_hand (f->store, klass->id, bob->id, &error), &error, "Dave,Bob");
  assert_hands (store_raise_hand (f->store, klass->id, carol->id, &error), &error,
                "Dave,Bob,Carol");
  assert_hands (store_raise_hand (f->store, other->id, carol->id, &error), &error, "Carol");

  /* Raised again: keeps its place (and its time). */
  db_exec_printf (f, "UPDATE hands SET raised_at = 1000 WHERE user_id = %" G_GINT64_FORMAT
                  " AND class_id = %" G_GINT64_FORMAT, dave->id, klass->id);
  {
    g_autoptr(GPtrArray) hands = store_raise_hand (f->store, klass->id, dave->id, &error);
    const SlHand *first = g_ptr_array_index (hands, 0);
    const SlHand *last = g_ptr_array_index (hands, 2);

    g_assert_no_error (error);
    g_assert_cmpuint (hands->len, ==, 3);
    g_assert_cmpint (first->user_id, ==, dave->id);
    g_assert_cmpint (first->raised_at, ==, 1000);
    g_assert_cmpint (last->user_id, ==, carol->id);
    g_assert_cmpint (last->raised_at, >=, before);
    g_assert_cmpint (last->raised_at, <=, now_s ());
  }

  /* Lowered: out of the queue; lowering again changes nothing; raised
   * again: last. */
  assert_hands (store_lower_hand (f->store, klass->id, bob->id, &error), &error, "Dave,Carol");
  assert_hands (store_lower_hand (f->store, klass->id, bob->id, &error), &error, "Dave,Carol");
  assert_hands (store_raise_hand (f->store, klass->id, bob->id, &error), &error, "Dave,Carol,Bob");
  assert_hands (store_lower_hand (f->store, klass->id, dave->id, &error), &error, "Carol,Bob");
  assert_hands (store_raise_hand (f->store, klass->id, dave->id, &error), &error, "Carol,Bob,Dave");
  assert_hands (store_list_hands (f->store, klass->id, &error), &error, "Carol,Bob,Dave");
  assert_hands (store_list_hands (f->store, other->id, &error), &error, "Carol");

  /* No such class or user. */
  {
    g_autoptr(GPtrArray) hands = store_raise_hand (f->store, klass->id + 1000, bob->id, &error);

    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
    g_assert_null (hands);
    g_clear_error (&error);
    hands = store_raise_hand (f->store, klass->id, bob->id + 1000, &error);
    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
    g_assert_null (hands);
    g_clear_error (&error);
  }
  assert_hands (store_list_hands (f->store, klass->id, &error), &error, "Carol,Bob,Dave");
}

static void
test_classes_reopen (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlUser) alice = make_user (f, "alice", "Alice", SL_ROLE_TEACHER);
  g_autoptr(SlUser) bob = make_user (f, "bob", "Bob", SL_ROLE_STUDENT);
  g_autoptr(SlClass) klass = make_class (f, alice->id, "kept", 1900000000);
  g_autoptr(SlClass) live = set_state (f, klass->id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE);
  g_autoptr(SlChatMessage) message = store_add_chat (f->store, klass->id, bob->id, "still here",
                                                     &error);
  g_autofree char *bob_id = g_strdup_printf ("%" G_GINT64_FORMAT, bob->id);
  gint64 applied_at;

  g_assert_no_error (error);
  mute (f, klass->id, bob->id, TRUE, alice->id);
  assert_hands (store_raise_hand (f->store, klass->id, bob->id, &error), &error, "Bob");
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM schema_migrations"), ==, 2);
  applied_at = db_query_int (f->url, "SELECT applied_at FROM schema_migrations WHERE version = 2");

  sl_store_close (f->store);
  g_clear_object (&f->store);
  f->store = open_store (f->url);

  assert_class_stored (f, live);
  {
    g_autoptr(GPtrArray) chat = store_list_chat (f->store, klass->id, 0, 0, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (chat->len, ==, 1);
    g_assert_cmpint (((SlChatMessage *) g_ptr_array_index (chat, 0))->id, ==, message->id);
    g_assert_cmpstr (((SlChatMessage *) g_ptr_array_index (chat, 0))->text, ==, "still here");
  }
  assert_muted (f, klass->id, bob_id);
  assert_hands (store_list_hands (f->store, klass->id, &error), &error, "Bob");
  assert_list (f, SL_CLASS_LIST_LIVE, 0, 0, 1, "kept");

  /* 0002 applied once. */
  g_assert_cmpint (db_query_int (f->url, "SELECT count(*) FROM schema_migrations"), ==, 2);
  g_assert_cmpint (db_query_int (f->url, "SELECT applied_at FROM schema_migrations"
                                         " WHERE version = 2"), ==, applied_at);
}

static void
test_classes_closed (Fixture *f, gconstpointer data)
{
  SlStore *store = f->store;
  g_autoptr(SlClass) values = new_class_values (1, "x", "k", 1);
  g_autoptr(GError) e0 = NULL, e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL, e5 = NULL;
  g_autoptr(GError) e6 = NULL, e7 = NULL, e8 = NULL, e9 = NULL, e10 = NULL, e11 = NULL;
  g_autoptr(GError) e12 = NULL;
  g_autoptr(SlClass) c0 = NULL, c1 = NULL, c2 = NULL, c3 = NULL;
  g_autoptr(SlClassPage) page = NULL;
  g_autoptr(SlChatMessage) message = NULL;
  g_autoptr(GPtrArray) chat = NULL, h0 = NULL, h1 = NULL, h2 = NULL;
  g_autoptr(GArray) muted = NULL;

  sl_store_close (store);

  c0 = store_create_class (store, values, &e0);
  c1 = store_get_class (store, 1, &e1);
  page = store_list_classes (store, SL_CLASS_LIST_LIVE, 10, 0, &e2);
  c2 = store_update_class (store, 1, SL_CLASS_FIELD_TITLE, values, SL_CLASS_SCHEDULED, &e3);
  c3 = store_set_class_state (store, 1, SL_CLASS_SCHEDULED, SL_CLASS_LIVE, &e4);
  message = store_add_chat (store, 1, 1, "x", &e5);
  chat = store_list_chat (store, 1, 0, 10, &e6);
  g_assert_false (store_delete_chat (store, 1, 1, 1, &e7));
  g_assert_false (store_set_muted (store, 1, 1, TRUE, 1, &e8));
  muted = store_list_muted (store, 1, &e9);
  h0 = store_raise_hand (store, 1, 1, &e10);
  h1 = store_lower_hand (store, 1, 1, &e11);
  h2 = store_list_hands (store, 1, &e12);

  g_assert_null (c0);
  g_assert_null (c1);
  g_assert_null (page);
  g_assert_null (c2);
  g_assert_null (c3);
  g_assert_null (message);
  g_assert_null (chat);
  g_assert_null (muted);
  g_assert_null (h0);
  g_assert_null (h1);
  g_assert_null (h2);
  {
    const GError *errors[] = { e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12 };

    for (guint i = 0; i < G_N_ELEMENTS (errors); i++)
      g_assert_error (errors[i], SL_STORE_ERROR, SL_STORE_ERROR_CLOSED);
  }
}

/* URLs (no fixture) */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

static void
test_url_invalid (void)
{
  const char *urls[] = {
    "mysql://root:hunter2@localhost/streamlet",
    "http://example.com/db",
    "sqlite://relative/path.db",
  };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlStore) store = sl_store_new_for_url (urls[i], "/nonexistent", &error);

      g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
      g_assert_null (store);
      g_assert_null (strstr (error->message, "hunter2"));
    }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SlStore) store = sl_store_new_for_url (NULL, NULL, &error);

    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID);
    g_assert_null (store);
  }
}

static void
test_url_data_dir (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("streamlet-test-url-XXXXXX", &error);
  g_autofree char *data_dir = g_build_filename (tmp, "nested", "data", NULL);
  g_autofree char *db_path = g_build_filename (data_dir, "streamlet.db", NULL);
  g_autofree char *plain_path = g_build_filename (tmp, "plain.db", NULL);
  const char *default_urls[] = { NULL, "" };
  GStatBuf st;

  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (default_urls); i++)
    {
      g_autoptr(SlStore) store = sl_store_new_for_url (default_urls[i], data_dir, &error);
      g_autoptr(SlUser) user = NULL;
      g_autoptr(SlUser) values = new_user_values (i == 0 ? "first" : "second", "X",
                                                  SL_ROLE_STUDENT);

      g_assert_no_error (error);
      g_assert_cmpstr (sl_store_get_dialect (store), ==, "sqlite");
      g_assert_cmpint (g_stat (data_dir, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0700);
      g_assert_true (g_file_test (db_path, G_FILE_TEST_IS_REGULAR));

      user = store_create_user (store, values, &error);
      g_assert_no_error (error);
      /* The same file both times. */
      g_assert_cmpint (store_count_users (store, NULL), ==, i + 1);
      sl_store_close (store);
    }

  {
    /* A plain path. */
    g_autoptr(SlStore) store = sl_store_new_for_url (plain_path, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (sl_store_get_dialect (store), ==, "sqlite");
    g_assert_true (g_file_test (plain_path, G_FILE_TEST_IS_REGULAR));
    sl_store_close (store);
  }

  remove_tree (tmp);
}

static void
test_url_not_a_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("streamlet-test-url-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "notes.txt", NULL);
  g_autofree char *contents = g_strnfill (4096, 'x');
  g_autoptr(SlStore) store = NULL;
  g_autofree char *after = NULL;

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));

  store = sl_store_new_for_url (path, NULL, &error);
  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT);
  g_assert_null (store);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* Left as it was. */
  g_assert_true (g_file_get_contents (path, &after, NULL, &error));
  g_assert_cmpstr (after, ==, contents);
  remove_tree (tmp);
}

static void
test_url_connect_failure (void)
{
  g_autoptr(GError) error = NULL;
  /* Port 1 on loopback: refused at once. */
  g_autoptr(SlStore) store = sl_store_new_for_url ("postgresql://someone:s3cr3t-pw@127.0.0.1:1/db"
                                                   "?connect_timeout=5",
                                                   NULL, &error);

  g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT);
  g_assert_null (store);
  g_test_message ("%s", error->message);
  g_assert_null (strstr (error->message, "s3cr3t"));
}

static void
add_store_test (const char *dialect,
                const char *name,
                void      (*func) (Fixture *, gconstpointer))
{
  g_autofree char *path = g_strdup_printf ("/store/%s/%s", dialect, name);

  g_test_add (path, Fixture, dialect, fixture_set_up, func, fixture_tear_down);
}

int
main (int argc, char *argv[])
{
  const char * const *dialects;

  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  dialects = sl_test_db_dialects ();
  for (guint i = 0; dialects[i] != NULL; i++)
    {
      const char *d = dialects[i];

      add_store_test (d, "users/create", test_users_create);
      add_store_test (d, "users/duplicate", test_users_duplicate);
      add_store_test (d, "users/invalid", test_users_invalid);
      add_store_test (d, "users/not-found", test_users_not_found);
      add_store_test (d, "users/search", test_users_search);
      add_store_test (d, "users/search-injection", test_users_search_injection);
      add_store_test (d, "users/paging", test_users_paging);
      add_store_test (d, "users/update", test_users_update);
      add_store_test (d, "users/count-disabled", test_users_count_disabled);
      add_store_test (d, "users/round-trip", test_users_round_trip);
      add_store_test (d, "refresh/ok", test_refresh_ok);
      add_store_test (d, "refresh/unknown", test_refresh_unknown);
      add_store_test (d, "refresh/reused", test_refresh_reused);
      add_store_test (d, "refresh/expired", test_refresh_expired);
      add_store_test (d, "refresh/disabled", test_refresh_disabled);
      add_store_test (d, "refresh/revoke-session", test_refresh_revoke_session);
      add_store_test (d, "refresh/revoke-user-sessions", test_refresh_revoke_user_sessions);
      add_store_test (d, "refresh/bad-input", test_refresh_bad_input);
      add_store_test (d, "reopen", test_store_reopen);
      add_store_test (d, "closed", test_store_closed);
      add_store_test (d, "concurrent", test_store_concurrent);
      add_store_test (d, "cancelled", test_store_cancelled);
      add_store_test (d, "unref-without-close", test_store_unref_without_close);
      add_store_test (d, "migration-failure", test_store_migration_failure);
      if (g_str_equal (d, "postgresql"))
        add_store_test (d, "reconnect", test_store_reconnect);
      add_store_test (d, "classes/create", test_classes_create);
      add_store_test (d, "classes/create-invalid", test_classes_create_invalid);
      add_store_test (d, "classes/not-found", test_classes_not_found);
      add_store_test (d, "classes/lists", test_classes_lists);
      add_store_test (d, "classes/update", test_classes_update);
      add_store_test (d, "classes/update-conflict", test_classes_update_conflict);
      add_store_test (d, "classes/state", test_classes_state);
      add_store_test (d, "classes/state-race", test_classes_state_race);
      add_store_test (d, "classes/reopen", test_classes_reopen);
      add_store_test (d, "classes/closed", test_classes_closed);
      add_store_test (d, "chat/list", test_chat_list);
      add_store_test (d, "chat/delete", test_chat_delete);
      add_store_test (d, "chat/round-trip", test_chat_round_trip);
      add_store_test (d, "mutes", test_mutes);
      add_store_test (d, "hands", test_hands);
    }

  g_test_add_func ("/store/url/invalid", test_url_invalid);
  g_test_add_func ("/store/url/data-dir", test_url_data_dir);
  g_test_add_func ("/store/url/not-a-database", test_url_not_a_database);
  g_test_add_func ("/store/url/connect-failure", test_url_connect_failure);

  return g_test_run ();
}
