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
    }

  g_test_add_func ("/store/url/invalid", test_url_invalid);
  g_test_add_func ("/store/url/data-dir", test_url_data_dir);
  g_test_add_func ("/store/url/not-a-database", test_url_not_a_database);
  g_test_add_func ("/store/url/connect-failure", test_url_connect_failure);

  return g_test_run ();
}
