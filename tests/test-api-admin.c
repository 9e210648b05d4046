/* test-api-admin.c: /api/admin/users — listing and searching, creating,
 * reading and changing accounts, and locking them
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-api-admin"

#include "config.h"

#include "sl-test-server.h"

#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static void
assert_error (SlTestResponse *resp,
              guint           status,
              const char     *code)
{
  JsonObject *error;

  g_assert_cmpuint (resp->status, ==, status);
  g_assert_cmpstr (soup_message_headers_get_content_type (resp->headers, NULL),
                   ==, "application/json");
  g_assert_cmpstr (sl_test_response_error (resp), ==, code);
  error = json_object_get_object_member (sl_test_response_object (resp), "error");
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
}

static const char *
error_field (SlTestResponse *resp)
{
  JsonObject *error = json_object_get_object_member (sl_test_response_object (resp), "error");

  if (error == NULL || !json_object_has_member (error, "field"))
    return NULL;
  return json_object_get_string_member (error, "field");
}

/* The "user" member of a 200/201 answer; checks its shape. */
static JsonObject *
user_of (SlTestResponse *resp)
{
  JsonObject *user = json_object_get_object_member (sl_test_response_object (resp), "user");

  g_assert_nonnull (user);
  g_assert_cmpint (json_object_get_int_member (user, "id"), >, 0);
  g_assert_true (json_object_has_member (user, "username"));
  g_assert_true (json_object_has_member (user, "display_name"));
  g_assert_true (json_object_has_member (user, "role"));
  g_assert_true (json_object_has_member (user, "disabled"));
  g_assert_true (json_object_has_member (user, "created_at"));
  /* Never leaves the server, in any form. */
  g_assert_false (json_object_has_member (user, "password_hash"));
  g_assert_false (json_object_has_member (user, "password"));
  return user;
}

typedef struct {
  gint64  total;
  GArray *ids;        /* gint64 */
  GPtrArray *names;   /* usernames, in order */
} Listing;

static void
listing_free (Listing *listing)
{
  g_array_unref (listing->ids);
  g_ptr_array_unref (listing->names);
  g_free (listing);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listing, listing_free)

/* GET /api/admin/users?@query, expecting 200. */
static Listing *
list_users (SlTestServer *ts,
            const char   *token,
            const char   *query)
{
  g_autofree char *path = query ? g_strconcat ("/api/admin/users?", query, NULL)
                                : g_strdup ("/api/admin/users");
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);
  Listing *listing = g_new0 (Listing, 1);
  JsonObject *object;
  JsonArray *users;

  if (resp->status != 200)
    g_error ("GET %s: %u %s", path, resp->status, sl_test_response_error (resp));
  object = sl_test_response_object (resp);
  g_assert_true (json_object_has_member (object, "total"));
  listing->total = json_object_get_int_member (object, "total");
  users = json_object_get_array_member (object, "users");
  g_assert_nonnull (users);
  listing->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  listing->names = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);
      gint64 id = json_object_get_int_member (user, "id");

      g_assert_false (json_object_has_member (user, "password_hash"));
      g_array_append_val (listing->ids, id);
      g_ptr_array_add (listing->names, g_strdup (json_object_get_string_member (user, "username")));
    }
  return listing;
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* The usernames of a listing, sorted, comma-separated. */
static char *
sorted_names (Listing *listing)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();

  for (guint i = 0; i < listing->names->len; i++)
    g_ptr_array_add (sorted, listing->names->pdata[i]);
  g_ptr_array_sort (sorted, compare_strings);
  g_ptr_array_add (sorted, NULL);
  return g_strjoinv (",", (char **) sorted->pdata);
}

/* Searches for @q (sent form-encoded) and returns the sorted usernames;
 * checks total agrees with the page. */
static char *
search (SlTestServer *ts,
        const char   *token,
        const char   *q)
{
  g_autofree char *encoded = g_uri_escape_string (q, NULL, FALSE);
  g_autofree char *query = g_strdup_printf ("q=%s", encoded);
  g_autoptr(Listing) listing = list_users (ts, token, query);

  g_assert_cmpint (listing->total, ==, listing->ids->len);
  return sorted_names (listing);
}

/* POST /api/admin/users; returns the new user's id. */
static gint64
create_user (SlTestServer *ts,
             const char   *token,
             const char   *body)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/admin/users", token, body);

  if (resp->status != 201)
    g_error ("POST /api/admin/users %s: %u %s", body, resp->status, sl_test_response_error (resp));
  return json_object_get_int_member (user_of (resp), "id");
}

static char *
user_path (gint64 id)
{
  return g_strdup_printf ("/api/admin/users/%" G_GINT64_FORMAT, id);
}

/* The user as GET /api/admin/users/<id> shows it. */
static JsonObject *
get_user (SlTestServer *ts,
          const char   *token,
          gint64        id)
{
  g_autofree char *path = user_path (id);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_ref (user_of (resp));
}

static JsonObject *
get_profile (SlTestServer *ts,
             const char   *token)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/profile", token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_ref (user_of (resp));
}

static gint64
id_of (SlTestServer *ts,
       const char   *token)
{
  g_autoptr(JsonObject) user = get_profile (ts, token);

  return json_object_get_int_member (user, "id");
}

static SlTestResponse *
patch_user (SlTestServer *ts,
            const char   *token,
            gint64        id,
            const char   *body)
{
  g_autofree char *path = user_path (id);

  return sl_test_request (ts, "PATCH", path, token, body);
}

static SlTestResponse *
login (SlTestServer *ts,
       const char   *username,
       const char   *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);

  return sl_test_request (ts, "POST", "/api/login", NULL, body);
}

/* The role claim inside an access token, read from its payload. */
static char *
token_role (const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  g_autoptr(GString) b64 = NULL;
  g_autofree guchar *json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len = 0;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  b64 = g_string_new (parts[1]);
  for (gsize i = 0; i < b64->len; i++)
    b64->str[i] = b64->str[i] == '-' ? '+' : b64->str[i] == '_' ? '/' : b64->str[i];
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  json = g_base64_decode (b64->str, &len);
  g_assert_true (json_parser_load_from_data (parser, (const char *) json, (gssize) len, NULL));
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "role"));
}

/* ---- list, search, page ------------------------------------------------- */

static void
test_list (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/admin/users", admin, NULL);
  JsonObject *object;
  JsonArray *users;
  g_autoptr(GHashTable) roles = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_assert_cmpuint (resp->status, ==, 200);
  object = sl_test_response_object (resp);
  g_assert_cmpint (json_object_get_int_member (object, "total"), ==, 3);
  users = json_object_get_array_member (object, "users");
  g_assert_cmpuint (json_array_get_length (users), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      g_assert_false (json_object_has_member (user, "password_hash"));
      g_assert_false (json_object_get_boolean_member (user, "disabled"));
      g_hash_table_insert (roles, g_strdup (json_object_get_string_member (user, "username")),
                           g_strdup (json_object_get_string_member (user, "role")));
    }
  g_assert_cmpstr (g_hash_table_lookup (roles, "admin"), ==, "admin");
  g_assert_cmpstr (g_hash_table_lookup (roles, "teacher"), ==, "teacher");
  g_assert_cmpstr (g_hash_table_lookup (roles, "student"), ==, "student");

  sl_test_server_free (ts);
}

static void
test_search (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  static const struct {
    const char *q;
    const char *expected;   /* sorted usernames */
  } cases[] = {
    /* By user name, in any case. */
    { "teach", "teacher" },
    { "TEACH", "teacher" },
    { "sTuDeNt", "student" },
    /* By display name ("Demo …" for the demo users), in any case. */
    { "demo", "admin,student,teacher" },
    { "DEMO S", "student" },
    { "élodie", "emr" },
    { "ÉLODIE", "emr" },
    { "ROUSSEAU", "emr" },
    /* % and _ are themselves, not wildcards. */
    { "%", "discount" },
    { "0%", "discount" },
    { "_", "under_score" },
    { "r_s", "under_score" },
    { "d%o", "" },
    { "\\", "backslash" },
    { "\\%", "" },
    /* Neither a wildcard nor SQL. */
    { "*", "" },
    { "' OR '1'='1", "" },
    { "nobody-here", "" },
  };

  create_user (ts, admin, "{\"username\":\"emr\",\"password\":\"longenough1\","
                          "\"display_name\":\"Élodie Rousseau\"}");
  create_user (ts, admin, "{\"username\":\"discount\",\"password\":\"longenough1\","
                          "\"display_name\":\"100% Off\"}");
  create_user (ts, admin, "{\"username\":\"under_score\",\"password\":\"longenough1\","
                          "\"display_name\":\"Under Score\"}");
  create_user (ts, admin, "{\"username\":\"backslash\",\"password\":\"longenough1\","
                          "\"display_name\":\"Back \\\\ Slash\"}");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *found = search (ts, admin, cases[i].q);
      g_autofree char *got = g_strdup_printf ("q=%s -> [%s]", cases[i].q, found);
      g_autofree char *want = g_strdup_printf ("q=%s -> [%s]", cases[i].q, cases[i].expected);

      g_assert_cmpstr (got, ==, want);
    }

  /* No q, or an empty one: everyone. */
  {
    g_autoptr(Listing) all = list_users (ts, admin, "q=");

    g_assert_cmpint (all->total, ==, 7);
    g_assert_cmpuint (all->ids->len, ==, 7);
  }
  /* Search and paging together: the total is of the matches. */
  {
    g_autoptr(Listing) page = list_users (ts, admin, "q=demo&limit=2&offset=0");

    g_assert_cmpint (page->total, ==, 3);
    g_assert_cmpuint (page->ids->len, ==, 2);
  }
  /* Too long a q is refused, not run. */
  {
    GString *q = g_string_new ("q=");
    g_autoptr(SlTestResponse) resp = NULL;

    for (guint i = 0; i < 101; i++)
      g_string_append_c (q, 'x');
    g_string_prepend (q, "/api/admin/users?");
    resp = sl_test_request (ts, "GET", q->str, admin, NULL);
    g_string_free (q, TRUE);
    assert_error (resp, 400, "invalid_parameter");
  }

  sl_test_server_free (ts);
}

static void
test_paging (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autoptr(Listing) all = list_users (ts, admin, NULL);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  const char *bad[] = {
    "limit=0", "limit=201", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=1e2",
    "limit=99999999999999999999", "offset=-1", "offset=abc", "offset=1x", NULL,
  };

  g_assert_cmpint (all->total, ==, 3);
  g_assert_cmpuint (all->ids->len, ==, 3);

  /* One at a time: each page one user, the total always 3, the pages
   * together everyone, once, in the same order. */
  for (guint offset = 0; offset < 3; offset++)
    {
      g_autofree char *query = g_strdup_printf ("limit=1&offset=%u", offset);
      g_autoptr(Listing) page = list_users (ts, admin, query);
      gint64 id;

      g_assert_cmpint (page->total, ==, 3);
      g_assert_cmpuint (page->ids->len, ==, 1);
      id = g_array_index (page->ids, gint64, 0);
      g_assert_cmpint (id, ==, g_array_index (all->ids, gint64, offset));
      g_assert_false (g_hash_table_contains (seen, &id));
      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 3);

  {
    g_autoptr(Listing) page = list_users (ts, admin, "limit=2&offset=2");

    g_assert_cmpint (page->total, ==, 3);
    g_assert_cmpuint (page->ids->len, ==, 1);
  }
  {
    g_autoptr(Listing) page = list_users (ts, admin, "limit=200&offset=3");

    g_assert_cmpint (page->total, ==, 3);
    g_assert_cmpuint (page->ids->len, ==, 0);
  }
  {
    g_autoptr(Listing) page = list_users (ts, admin, "limit=200");

    g_assert_cmpuint (page->ids->len, ==, 3);
  }

  for (guint i = 0; bad[i] != NULL; i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/admin/users?%s", bad[i]);
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, admin, NULL);
      g_autofree char *got = g_strdup_printf ("%s -> %u %s", bad[i], resp->status,
                                              sl_test_response_error (resp));
      g_autofree char *want = g_strdup_printf ("%s -> 400 invalid_parameter", bad[i]);
      g_autofree char *name = g_strndup (bad[i], strcspn (bad[i], "="));

      g_assert_cmpstr (got, ==, want);
      assert_error (resp, 400, "invalid_parameter");
      /* The message names the parameter. */
      g_assert_nonnull (strstr (json_object_get_string_member (
        json_object_get_object_member (sl_test_response_object (resp), "error"), "message"), name));
    }

  sl_test_server_free (ts);
}

/* ---- create ------------------------------------------------------------- */

static void
test_create (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);

  /* A teacher, given in mixed case: stored lower-cased. */
  {
    g_autoptr(SlTestResponse) resp =
      sl_test_request (ts, "POST", "/api/admin/users", admin,
                       "{\"username\":\"Ms.Frizzle\",\"password\":\"magic-school-bus\","
                       "\"display_name\":\"Valerie Frizzle\",\"role\":\"teacher\"}");
    JsonObject *user;
    g_autofree char *token = NULL;
    g_autoptr(JsonObject) me = NULL;

    g_assert_cmpuint (resp->status, ==, 201);
    user = user_of (resp);
    g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "ms.frizzle");
    g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Valerie Frizzle");
    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "teacher");
    g_assert_false (json_object_get_boolean_member (user, "disabled"));

    /* The password works, in any case of the user name. */
    token = sl_test_login (ts, "MS.FRIZZLE", "magic-school-bus", NULL);
    me = get_profile (ts, token);
    g_assert_cmpint (json_object_get_int_member (me, "id"), ==, json_object_get_int_member (user, "id"));
    g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "teacher");
    {
      g_autofree char *role = token_role (token);

      g_assert_cmpstr (role, ==, "teacher");
    }
    /* A teacher is no admin. */
    {
      g_autoptr(SlTestResponse) refused = sl_test_request (ts, "GET", "/api/admin/users", token, NULL);

      assert_error (refused, 403, "forbidden");
    }
    /* And a wrong password does not work. */
    {
      g_autoptr(SlTestResponse) wrong = login (ts, "ms.frizzle", "magic-school-van");

      assert_error (wrong, 401, "invalid_credentials");
    }
  }

  /* An admin, who can then do admin things. */
  {
    gint64 id = create_user (ts, admin, "{\"username\":\"second-admin\",\"password\":\"longenough1\","
                                        "\"role\":\"admin\"}");
    g_autoptr(JsonObject) user = get_user (ts, admin, id);
    g_autofree char *token = sl_test_login (ts, "second-admin", "longenough1", NULL);
    g_autoptr(Listing) listing = list_users (ts, token, NULL);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "admin");
    g_assert_cmpint (listing->total, ==, 5);
  }

  /* No role: a student, named after the user name. */
  {
    gint64 id = create_user (ts, admin, "{\"username\":\"plain\",\"password\":\"longenough1\"}");
    g_autoptr(JsonObject) user = get_user (ts, admin, id);
    g_autofree char *token = sl_test_login (ts, "plain", "longenough1", NULL);
    g_autoptr(JsonObject) me = get_profile (ts, token);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
    g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "plain");
    g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "student");
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 6);

  /* Taken, in any case: refused, nothing made, the holder unchanged. */
  {
    const char *taken[] = {
      "{\"username\":\"student\",\"password\":\"longenough1\",\"role\":\"admin\"}",
      "{\"username\":\"STUDENT\",\"password\":\"longenough1\"}",
      "{\"username\":\"Ms.Frizzle\",\"password\":\"longenough1\"}",
      "{\"username\":\"Admin\",\"password\":\"longenough1\",\"role\":\"teacher\"}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (taken); i++)
      {
        g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/admin/users", admin, taken[i]);

        assert_error (resp, 409, "username_taken");
        g_assert_cmpint (sl_test_count_users (ts), ==, 6);
      }
    {
      g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
      g_autoptr(JsonObject) me = get_profile (ts, token);

      g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "student");
    }
    /* The old password still is the only one. */
    {
      g_autoptr(SlTestResponse) resp = login (ts, "admin", "longenough1");

      assert_error (resp, 401, "invalid_credentials");
    }
  }

  /* A role that is none of the three. */
  {
    const char *bad[] = {
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":\"superuser\"}",
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":\"ADMIN\"}",
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":\"\"}",
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":3}",
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":null}",
      "{\"username\":\"badrole\",\"password\":\"longenough1\",\"role\":[\"admin\"]}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/admin/users", admin, bad[i]);

        assert_error (resp, 400, "invalid_field");
        g_assert_cmpstr (error_field (resp), ==, "role");
        g_assert_cmpint (sl_test_count_users (ts), ==, 6);
      }
  }

  sl_test_server_free (ts);
}

/* ---- one user ----------------------------------------------------------- */

static void
test_get (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 id = id_of (ts, student);
  g_autoptr(JsonObject) user = get_user (ts, admin, id);
  gint64 unknown[] = { 999999, G_GINT64_CONSTANT (922337203685477580) };

  g_assert_cmpint (json_object_get_int_member (user, "id"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "student");
  g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Demo student");
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
  g_assert_false (json_object_get_boolean_member (user, "disabled"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (user, "created_at"), "Z"));

  for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
    {
      g_autofree char *path = user_path (unknown[i]);
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, admin, NULL);

      assert_error (resp, 404, "not_found");
    }

  sl_test_server_free (ts);
}

/* ---- change ------------------------------------------------------------- */

static void
test_patch_role (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 id = id_of (ts, student);

  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"role\":\"teacher\"}");
    JsonObject *user;

    g_assert_cmpuint (resp->status, ==, 200);
    user = user_of (resp);
    g_assert_cmpint (json_object_get_int_member (user, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "teacher");
    g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "student");
    g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Demo student");
  }
  {
    g_autoptr(JsonObject) user = get_user (ts, admin, id);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "teacher");
  }
  /* The next sign-in carries the new role. */
  {
    g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
    g_autofree char *role = token_role (token);
    g_autoptr(JsonObject) me = get_profile (ts, token);

    g_assert_cmpstr (role, ==, "teacher");
    g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "teacher");
  }

  /* Made admin, the next sign-in reaches the admin routes. */
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"role\":\"admin\"}");
    g_autofree char *token = NULL;
    g_autofree char *role = NULL;
    g_autoptr(Listing) listing = NULL;

    g_assert_cmpuint (resp->status, ==, 200);
    token = sl_test_login (ts, "student", "student123", NULL);
    role = token_role (token);
    g_assert_cmpstr (role, ==, "admin");
    listing = list_users (ts, token, NULL);
    g_assert_cmpint (listing->total, ==, 3);
  }
  /* And back to student: the next sign-in does not. */
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"role\":\"student\"}");
    g_autofree char *token = NULL;
    g_autoptr(SlTestResponse) refused = NULL;

    g_assert_cmpuint (resp->status, ==, 200);
    token = sl_test_login (ts, "student", "student123", NULL);
    refused = sl_test_request (ts, "GET", "/api/admin/users", token, NULL);
    assert_error (refused, 403, "forbidden");
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);

  sl_test_server_free (ts);
}

/* A demoted admin loses admin power at once, not when the token runs out,
 * and cannot use the old token to promote themselves back. */
static void
test_demoted_admin (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *b_refresh = NULL;
  g_autofree char *b_token = NULL;
  gint64 b_id;

  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/admin/users", admin,
      "{\"username\":\"second.admin\",\"password\":\"second admin pw\",\"role\":\"admin\"}");
    g_assert_cmpuint (resp->status, ==, 201);
    b_id = json_object_get_int_member (user_of (resp), "id");
  }
  b_token = sl_test_login (ts, "second.admin", "second admin pw", &b_refresh);
  {
    g_autoptr(SlTestResponse) ok = sl_test_request (ts, "GET", "/api/admin/users", b_token, NULL);
    g_assert_cmpuint (ok->status, ==, 200);
  }
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, b_id, "{\"role\":\"student\"}");
    g_assert_cmpuint (resp->status, ==, 200);
  }
  {
    g_autoptr(SlTestResponse) refused = sl_test_request (ts, "GET", "/api/admin/users", b_token, NULL);
    g_autoptr(SlTestResponse) self_promote = patch_user (ts, b_token, b_id, "{\"role\":\"admin\"}");
    g_autoptr(JsonObject) user = get_user (ts, admin, b_id);

    assert_error (refused, 401, "token_expired");
    assert_error (self_promote, 401, "token_expired");
    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
  }
  /* a refresh hands out a token with the new role, which works as a student's */
  {
    g_autofree char *body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", b_refresh);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/token/refresh", NULL, body);
    const char *fresh;

    g_assert_cmpuint (resp->status, ==, 200);
    fresh = json_object_get_string_member (sl_test_response_object (resp), "access_token");
    {
      g_autoptr(SlTestResponse) profile = sl_test_request (ts, "GET", "/api/profile", fresh, NULL);
      g_autoptr(SlTestResponse) admin_route = sl_test_request (ts, "GET", "/api/admin/users", fresh, NULL);

      g_assert_cmpuint (profile->status, ==, 200);
      assert_error (admin_route, 403, "forbidden");
    }
  }
  sl_test_server_free (ts);
}

static void
test_patch_display_name (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  gint64 id = id_of (ts, teacher);

  {
    g_autoptr(SlTestResponse) resp =
      patch_user (ts, admin, id, "{\"display_name\":\"  Prof. O'Hara \\\"Ann\\\"  \"}");

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (user_of (resp), "display_name"), ==,
                     "Prof. O'Hara \"Ann\"");
    g_assert_cmpstr (json_object_get_string_member (user_of (resp), "role"), ==, "teacher");
  }
  /* The teacher sees it too, and their sign-in is untouched. */
  {
    g_autoptr(JsonObject) me = get_profile (ts, teacher);

    g_assert_cmpstr (json_object_get_string_member (me, "display_name"), ==, "Prof. O'Hara \"Ann\"");
    g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "teacher");
    g_assert_false (json_object_get_boolean_member (me, "disabled"));
  }
  /* Several at once. */
  {
    g_autoptr(SlTestResponse) resp =
      patch_user (ts, admin, id, "{\"display_name\":\"Ann\",\"role\":\"student\",\"disabled\":false}");
    JsonObject *user;

    g_assert_cmpuint (resp->status, ==, 200);
    user = user_of (resp);
    g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Ann");
    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
    g_assert_false (json_object_get_boolean_member (user, "disabled"));
  }

  sl_test_server_free (ts);
}

static void
test_patch_disable (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *refresh = NULL;
  g_autofree char *student = sl_test_login (ts, "student", "student123", &refresh);
  g_autofree char *other_refresh = NULL;
  g_autofree char *other = sl_test_login (ts, "student", "student123", &other_refresh);
  gint64 id = id_of (ts, student);

  /* Disabled. */
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"disabled\":true}");

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (user_of (resp), "disabled"));
  }
  {
    g_autoptr(JsonObject) user = get_user (ts, admin, id);

    g_assert_true (json_object_get_boolean_member (user, "disabled"));
  }

  /* Every access token of theirs is refused at once, on every route. */
  {
    const char *tokens[] = { student, other };

    for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
      {
        g_autoptr(SlTestResponse) profile = sl_test_request (ts, "GET", "/api/profile", tokens[i], NULL);
        g_autoptr(SlTestResponse) rename =
          sl_test_request (ts, "PATCH", "/api/profile", tokens[i], "{\"display_name\":\"Still here\"}");

        assert_error (profile, 403, "account_disabled");
        assert_error (rename, 403, "account_disabled");
      }
    {
      g_autoptr(JsonObject) user = get_user (ts, admin, id);

      g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Demo student");
    }
  }
  /* Their refresh tokens are dead. */
  {
    const char *tokens[] = { refresh, other_refresh };

    for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", tokens[i]);
        g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/token/refresh", NULL, body);

        g_assert_true (resp->status == 401 || resp->status == 403);
        g_assert_true (g_strcmp0 (sl_test_response_error (resp), "invalid_refresh_token") == 0 ||
                       g_strcmp0 (sl_test_response_error (resp), "account_disabled") == 0);
        g_assert_false (json_object_has_member (sl_test_response_object (resp), "access_token"));
      }
  }
  /* They cannot sign in: told so, with the right password only. */
  {
    g_autoptr(SlTestResponse) resp = login (ts, "student", "student123");

    assert_error (resp, 403, "account_disabled");
    g_assert_false (json_object_has_member (sl_test_response_object (resp), "access_token"));
  }
  {
    g_autoptr(SlTestResponse) resp = login (ts, "student", "not-the-password");

    assert_error (resp, 401, "invalid_credentials");
  }
  /* Others are not affected. */
  {
    g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
    g_autoptr(JsonObject) me = get_profile (ts, teacher);

    g_assert_false (json_object_get_boolean_member (me, "disabled"));
  }

  /* Enabled again: they sign in again; the refresh tokens from before stay
   * dead. */
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"disabled\":false}");

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (user_of (resp), "disabled"));
  }
  {
    g_autofree char *new_refresh = NULL;
    g_autofree char *token = sl_test_login (ts, "student", "student123", &new_refresh);
    g_autoptr(JsonObject) me = get_profile (ts, token);
    g_autofree char *old_body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", refresh);
    g_autofree char *new_body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", new_refresh);
    g_autoptr(SlTestResponse) old_resp = sl_test_request (ts, "POST", "/api/token/refresh", NULL, old_body);
    g_autoptr(SlTestResponse) new_resp = sl_test_request (ts, "POST", "/api/token/refresh", NULL, new_body);

    g_assert_false (json_object_get_boolean_member (me, "disabled"));
    assert_error (old_resp, 401, "invalid_refresh_token");
    g_assert_cmpuint (new_resp->status, ==, 200);
    g_assert_nonnull (json_object_get_string_member (sl_test_response_object (new_resp), "access_token"));
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);

  sl_test_server_free (ts);
}

/* An admin disabling another admin: locked out of the admin routes at once. */
static void
test_disable_admin (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  gint64 id = create_user (ts, admin, "{\"username\":\"other-admin\",\"password\":\"longenough1\","
                                      "\"role\":\"admin\"}");
  g_autofree char *other = sl_test_login (ts, "other-admin", "longenough1", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *student_path = user_path (id_of (ts, student));

  {
    g_autoptr(Listing) listing = list_users (ts, other, NULL);

    g_assert_cmpint (listing->total, ==, 4);
  }
  {
    g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, "{\"disabled\":true}");

    g_assert_cmpuint (resp->status, ==, 200);
  }
  {
    g_autoptr(SlTestResponse) list = sl_test_request (ts, "GET", "/api/admin/users", other, NULL);
    g_autoptr(SlTestResponse) patch =
      sl_test_request (ts, "PATCH", student_path, other, "{\"disabled\":true}");

    assert_error (list, 403, "account_disabled");
    assert_error (patch, 403, "account_disabled");
  }
  /* The admin who did it is fine. */
  {
    g_autoptr(Listing) listing = list_users (ts, admin, NULL);

    g_assert_cmpint (listing->total, ==, 4);
  }
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", student_path, admin, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_false (json_object_get_boolean_member (user_of (resp), "disabled"));
  }

  sl_test_server_free (ts);
}

static void
test_patch_refused (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 me = id_of (ts, admin);
  gint64 id = id_of (ts, student);
  g_autofree char *before = NULL;
  static const struct {
    const char *body;
    const char *code;
    const char *field;
  } bad[] = {
    { "{}", "nothing_to_change", NULL },
    { "{\"disabled\":\"yes\"}", "invalid_field", "disabled" },
    { "{\"disabled\":1}", "invalid_field", "disabled" },
    { "{\"disabled\":null}", "invalid_field", "disabled" },
    { "{\"role\":5}", "invalid_field", "role" },
    { "{\"role\":\"boss\"}", "invalid_field", "role" },
    { "{\"role\":\"Teacher\"}", "invalid_field", "role" },
    { "{\"display_name\":5}", "invalid_field", "display_name" },
    { "{\"display_name\":\"\"}", "invalid_field", "display_name" },
    { "{\"display_name\":\"   \"}", "invalid_field", "display_name" },
    { "{\"username\":\"renamed\"}", "invalid_field", "username" },
    { "{\"password\":\"longenough1\"}", "invalid_field", "password" },
    { "{\"id\":1}", "invalid_field", "id" },
    { "{\"role\":\"teacher\",\"disabled\":\"no\"}", "invalid_field", "disabled" },
    { "[]", "invalid_json", NULL },
    { "{\"role\":", "invalid_json", NULL },
    { "{\"role\":\"teacher\"}{\"role\":\"admin\"}", "invalid_json", NULL },
    { "{\"display_name\":\"a\\ud800b\"}", "invalid_json", NULL },
  };

  {
    g_autoptr(JsonObject) user = get_user (ts, admin, id);
    g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), user);

    before = json_to_string (node, FALSE);
  }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SlTestResponse) resp = patch_user (ts, admin, id, bad[i].body);
      g_autofree char *got = g_strdup_printf ("%s -> %u %s %s", bad[i].body, resp->status,
                                              sl_test_response_error (resp),
                                              resp->json ? error_field (resp) : NULL);
      g_autofree char *want = g_strdup_printf ("%s -> 400 %s %s", bad[i].body, bad[i].code,
                                               bad[i].field);
      g_autoptr(JsonObject) user = NULL;
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *after = NULL;

      g_assert_cmpstr (got, ==, want);
      assert_error (resp, 400, bad[i].code);
      user = get_user (ts, admin, id);
      node = json_node_init_object (json_node_alloc (), user);
      after = json_to_string (node, FALSE);
      g_assert_cmpstr (after, ==, before);
    }

  /* Unknown users. */
  {
    gint64 unknown[] = { 999999, 4 };

    for (guint i = 0; i < G_N_ELEMENTS (unknown); i++)
      {
        g_autoptr(SlTestResponse) role = patch_user (ts, admin, unknown[i], "{\"role\":\"teacher\"}");
        g_autoptr(SlTestResponse) off = patch_user (ts, admin, unknown[i], "{\"disabled\":true}");

        assert_error (role, 404, "not_found");
        assert_error (off, 404, "not_found");
      }
    g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  }

  /* Admins cannot demote or disable themselves. */
  {
    const char *self[] = {
      "{\"role\":\"teacher\"}",
      "{\"role\":\"student\"}",
      "{\"disabled\":true}",
      "{\"display_name\":\"Me\",\"disabled\":true}",
      "{\"role\":\"admin\",\"disabled\":true}",
    };

    for (guint i = 0; i < G_N_ELEMENTS (self); i++)
      {
        g_autoptr(SlTestResponse) resp = patch_user (ts, admin, me, self[i]);
        g_autofree char *got = g_strdup_printf ("%s -> %u %s", self[i], resp->status,
                                                sl_test_response_error (resp));
        g_autofree char *want = g_strdup_printf ("%s -> 409 cannot_change_self", self[i]);

        g_assert_cmpstr (got, ==, want);
        assert_error (resp, 409, "cannot_change_self");
      }
    {
      g_autoptr(JsonObject) user = get_profile (ts, admin);
      g_autoptr(Listing) listing = list_users (ts, admin, NULL);

      g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "admin");
      g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "Demo admin");
      g_assert_false (json_object_get_boolean_member (user, "disabled"));
      g_assert_cmpint (listing->total, ==, 3);
    }
    /* What keeps them an admin is allowed. */
    {
      g_autoptr(SlTestResponse) resp =
        patch_user (ts, admin, me, "{\"display_name\":\"The Admin\",\"role\":\"admin\",\"disabled\":false}");

      g_assert_cmpuint (resp->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (user_of (resp), "display_name"), ==, "The Admin");
      g_assert_cmpstr (json_object_get_string_member (user_of (resp), "role"), ==, "admin");
    }
  }

  sl_test_server_free (ts);
}

/* ---- who may use these routes ------------------------------------------- */

static void
test_new_teacher_and_students (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  gint64 id = create_user (ts, admin, "{\"username\":\"fresh.teacher\",\"password\":\"chalk-and-board\","
                                      "\"display_name\":\"Fresh Teacher\",\"role\":\"teacher\"}");
  g_autofree char *teacher = sl_test_login (ts, "fresh.teacher", "chalk-and-board", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *path = user_path (id);
  const struct {
    const char *method;
    const char *path;
    const char *body;
  } routes[] = {
    { "GET", "/api/admin/users", NULL },
    { "GET", "/api/admin/users?q=a&limit=1", NULL },
    { "POST", "/api/admin/users", "{\"username\":\"by-student\",\"password\":\"longenough1\",\"role\":\"admin\"}" },
    { "GET", path, NULL },
    { "PATCH", path, "{\"role\":\"student\"}" },
    { "PATCH", path, "{\"disabled\":true}" },
  };

  {
    g_autoptr(JsonObject) me = get_profile (ts, teacher);

    g_assert_cmpint (json_object_get_int_member (me, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (me, "role"), ==, "teacher");
    g_assert_cmpstr (json_object_get_string_member (me, "display_name"), ==, "Fresh Teacher");
  }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      const char *tokens[] = { student, teacher };

      for (guint t = 0; t < G_N_ELEMENTS (tokens); t++)
        {
          g_autoptr(SlTestResponse) resp =
            sl_test_request (ts, routes[i].method, routes[i].path, tokens[t], routes[i].body);
          g_autofree char *got = g_strdup_printf ("%s %s as %s -> %u %s", routes[i].method,
                                                  routes[i].path, t ? "teacher" : "student",
                                                  resp->status, sl_test_response_error (resp));
          g_autofree char *want = g_strdup_printf ("%s %s as %s -> 403 forbidden", routes[i].method,
                                                   routes[i].path, t ? "teacher" : "student");

          g_assert_cmpstr (got, ==, want);
          assert_error (resp, 403, "forbidden");
          g_assert_false (json_object_has_member (sl_test_response_object (resp), "users"));
          g_assert_false (json_object_has_member (sl_test_response_object (resp), "user"));
        }
    }

  /* Nothing they tried happened. */
  {
    g_autoptr(JsonObject) user = get_user (ts, admin, id);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "teacher");
    g_assert_false (json_object_get_boolean_member (user, "disabled"));
    g_assert_cmpint (sl_test_count_users (ts), ==, 4);
  }

  sl_test_server_free (ts);
}

/* ---- main --------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  const char * const *dialects;
  static const struct {
    const char   *name;
    GTestDataFunc func;
  } tests[] = {
    { "list", test_list },
    { "search", test_search },
    { "paging", test_paging },
    { "create", test_create },
    { "get", test_get },
    { "patch-role", test_patch_role },
    { "demoted-admin", test_demoted_admin },
    { "patch-display-name", test_patch_display_name },
    { "patch-disable", test_patch_disable },
    { "disable-admin", test_disable_admin },
    { "patch-refused", test_patch_refused },
    { "new-teacher-and-students", test_new_teacher_and_students },
  };

  g_test_init (&argc, &argv, NULL);

  dialects = sl_test_db_dialects ();
  for (guint d = 0; dialects[d] != NULL; d++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *path = g_strdup_printf ("/api-admin/%s/%s", dialects[d], tests[t].name);

        g_test_add_data_func (path, dialects[d], tests[t].func);
      }

  return g_test_run ();
}
