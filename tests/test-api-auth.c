/* test-api-auth.c: registration, sign-in, token refresh and rotation,
 * logout, the profile, throttling and first-start accounts, over HTTP
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

static JsonObject *
member (SlTestResponse *resp,
        const char     *name)
{
  JsonObject *object = sl_test_response_object (resp);

  g_assert_true (json_object_has_member (object, name));
  return json_object_get_object_member (object, name);
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

static SlTestResponse *
refresh (SlTestServer *ts,
         const char   *token)
{
  g_autofree char *body = g_strdup_printf ("{\"refresh_token\":\"%s\"}", token);
  return sl_test_request (ts, "POST", "/api/token/refresh", NULL, body);
}

static void
test_healthz (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (sl_test_response_object (resp), "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (sl_test_response_object (resp), "store"), ==,
                   (const char *) data);
  sl_test_server_free (ts);
}

static void
test_register (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autoptr(SlTestResponse) resp = NULL;
  g_autoptr(SlTestResponse) again = NULL;
  g_autoptr(SlTestResponse) profile = NULL;
  JsonObject *user;
  const char *token;

  resp = sl_test_request (ts, "POST", "/api/register", NULL,
                          "{\"username\":\"Maria.Lopez\",\"password\":\"correct horse\","
                          "\"display_name\":\"María López\"}");
  g_assert_cmpuint (resp->status, ==, 201);
  user = member (resp, "user");
  g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "maria.lopez");
  g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, "María López");
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
  g_assert_false (json_object_has_member (user, "password_hash"));
  g_assert_cmpint (json_object_get_int_member (sl_test_response_object (resp), "expires_in"), ==, 900);
  token = json_object_get_string_member (sl_test_response_object (resp), "access_token");

  profile = sl_test_request (ts, "GET", "/api/profile", token, NULL);
  g_assert_cmpuint (profile->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (member (profile, "user"), "username"), ==, "maria.lopez");
  g_assert_cmpint (sl_test_count_users (ts), ==, 4);

  /* the same name again, in other case: refused, nothing added */
  again = sl_test_request (ts, "POST", "/api/register", NULL,
                           "{\"username\":\"MARIA.LOPEZ\",\"password\":\"another one\"}");
  g_assert_cmpuint (again->status, ==, 409);
  g_assert_cmpstr (sl_test_response_error (again), ==, "username_taken");
  g_assert_cmpint (sl_test_count_users (ts), ==, 4);

  /* the password they chose signs them in */
  {
    g_autoptr(SlTestResponse) in = login (ts, "maria.lopez", "correct horse");
    g_assert_cmpuint (in->status, ==, 200);
  }
  sl_test_server_free (ts);
}

static void
test_register_disabled (gconstpointer data)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;
  g_autoptr(SlTestResponse) resp = NULL;

  config->registration = FALSE;
  ts = sl_test_server_new (data, config);
  resp = sl_test_request (ts, "POST", "/api/register", NULL,
                          "{\"username\":\"newbie\",\"password\":\"long enough\"}");
  g_assert_cmpuint (resp->status, ==, 403);
  g_assert_cmpstr (sl_test_response_error (resp), ==, "registration_disabled");
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  sl_test_server_free (ts);
}

static void
test_register_bad_password (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autoptr(SlTestResponse) resp = NULL;
  JsonObject *error;

  resp = sl_test_request (ts, "POST", "/api/register", NULL,
                          "{\"username\":\"shorty\",\"password\":\"1234567\"}");
  g_assert_cmpuint (resp->status, ==, 400);
  g_assert_cmpstr (sl_test_response_error (resp), ==, "invalid_field");
  error = member (resp, "error");
  g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, "password");
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  sl_test_server_free (ts);
}

static void
test_login (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autoptr(SlTestResponse) ok = login (ts, "teacher", "teacher123");
  g_autoptr(SlTestResponse) upper = login (ts, "Teacher", "teacher123");
  g_autoptr(SlTestResponse) wrong = login (ts, "teacher", "teacher124");
  g_autoptr(SlTestResponse) unknown = login (ts, "nobody", "teacher123");
  JsonObject *object;

  g_assert_cmpuint (ok->status, ==, 200);
  object = sl_test_response_object (ok);
  g_assert_cmpstr (json_object_get_string_member (member (ok, "user"), "role"), ==, "teacher");
  g_assert_cmpstr (json_object_get_string_member (object, "token_type"), ==, "Bearer");
  g_assert_cmpuint (strlen (json_object_get_string_member (object, "refresh_token")), >=, 40);
  g_assert_cmpuint (upper->status, ==, 200);

  /* an unknown user and a wrong password get the very same answer */
  g_assert_cmpuint (wrong->status, ==, 401);
  g_assert_cmpuint (unknown->status, ==, 401);
  g_assert_cmpstr (sl_test_response_error (wrong), ==, "invalid_credentials");
  g_assert_true (g_bytes_equal (wrong->body, unknown->body));
  sl_test_server_free (ts);
}

static gint64
timed_login (SlTestServer *ts,
             const char   *username)
{
  gint64 start = g_get_monotonic_time ();
  g_autoptr(SlTestResponse) resp = login (ts, username, "not the password");

  g_assert_cmpuint (resp->status, ==, 401);
  return g_get_monotonic_time () - start;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static void
test_login_same_time (gconstpointer data)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;
  gint64 known[5], unknown[5];
  double ratio;

  config->login_max_failures = 100;
  config->address_max_failures = 100;
  ts = sl_test_server_new (data, config);
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    {
      known[i] = timed_login (ts, "student");
      unknown[i] = timed_login (ts, "no-such-user");
    }
  qsort (known, G_N_ELEMENTS (known), sizeof known[0], compare_gint64);
  qsort (unknown, G_N_ELEMENTS (unknown), sizeof unknown[0], compare_gint64);
  ratio = (double) known[2] / (double) unknown[2];
  g_test_message ("median wrong password %.1f ms, unknown user %.1f ms",
                  known[2] / 1000.0, unknown[2] / 1000.0);
  /* both pay for one full password hash */
  g_assert_cmpfloat (ratio, >, 0.5);
  g_assert_cmpfloat (ratio, <, 2.0);
  g_assert_cmpint (unknown[2], >, 20 * 1000);
  sl_test_server_free (ts);
}

static void
test_refresh_rotation (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *first = NULL;
  g_autofree char *access = sl_test_login (ts, "student", "student123", &first);
  g_autoptr(SlTestResponse) r1 = refresh (ts, first);
  g_autoptr(SlTestResponse) reuse = NULL;
  g_autoptr(SlTestResponse) after = NULL;
  g_autoptr(SlTestResponse) profile = NULL;
  const char *second, *access2;

  g_assert_cmpuint (r1->status, ==, 200);
  second = json_object_get_string_member (sl_test_response_object (r1), "refresh_token");
  access2 = json_object_get_string_member (sl_test_response_object (r1), "access_token");
  g_assert_cmpstr (second, !=, first);
  g_assert_cmpstr (json_object_get_string_member (member (r1, "user"), "username"), ==, "student");

  profile = sl_test_request (ts, "GET", "/api/profile", access2, NULL);
  g_assert_cmpuint (profile->status, ==, 200);

  /* the spent token again: refused, and its whole login is revoked */
  reuse = refresh (ts, first);
  g_assert_cmpuint (reuse->status, ==, 401);
  g_assert_cmpstr (sl_test_response_error (reuse), ==, "invalid_refresh_token");
  after = refresh (ts, second);
  g_assert_cmpuint (after->status, ==, 401);
  g_assert_cmpstr (sl_test_response_error (after), ==, "invalid_refresh_token");

  /* a made-up token */
  {
    g_autoptr(SlTestResponse) bogus = refresh (ts, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    g_assert_cmpuint (bogus->status, ==, 401);
  }
  sl_test_server_free (ts);
}

static void
test_logout (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *refresh_a = NULL, *refresh_b = NULL;
  g_autofree char *access_a = sl_test_login (ts, "student", "student123", &refresh_a);
  g_autofree char *access_b = sl_test_login (ts, "student", "student123", &refresh_b);
  g_autoptr(SlTestResponse) out = sl_test_request (ts, "POST", "/api/logout", access_a, NULL);
  g_autoptr(SlTestResponse) ra = refresh (ts, refresh_a);
  g_autoptr(SlTestResponse) rb = refresh (ts, refresh_b);
  g_autoptr(SlTestResponse) anonymous = sl_test_request (ts, "POST", "/api/logout", NULL, NULL);

  g_assert_cmpuint (out->status, ==, 204);
  g_assert_cmpuint (ra->status, ==, 401);
  /* the access token of the ended login is refused at once */
  {
    g_autoptr(SlTestResponse) after = sl_test_request (ts, "GET", "/api/profile", access_a, NULL);
    g_autoptr(SlTestResponse) other = sl_test_request (ts, "GET", "/api/profile", access_b, NULL);

    g_assert_cmpuint (after->status, ==, 401);
    g_assert_cmpstr (sl_test_response_error (after), ==, "invalid_token");
    g_assert_cmpuint (other->status, ==, 200);
  }
  /* the other login of the same user goes on */
  g_assert_cmpuint (rb->status, ==, 200);
  g_assert_cmpuint (anonymous->status, ==, 401);
  sl_test_server_free (ts);
}

static void
test_profile (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
  g_autoptr(SlTestResponse) get = sl_test_request (ts, "GET", "/api/profile", token, NULL);
  g_autoptr(SlTestResponse) patch = NULL;
  g_autoptr(SlTestResponse) get2 = NULL;
  g_autoptr(SlTestResponse) empty = NULL;
  g_autoptr(SlTestResponse) blank = NULL;
  g_autoptr(SlTestResponse) anonymous = sl_test_request (ts, "GET", "/api/profile", NULL, NULL);

  g_assert_cmpuint (get->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (member (get, "user"), "role"), ==, "student");
  g_assert_cmpuint (anonymous->status, ==, 401);
  g_assert_cmpstr (sl_test_response_error (anonymous), ==, "unauthorized");
  g_assert_nonnull (soup_message_headers_get_one (anonymous->headers, "WWW-Authenticate"));

  patch = sl_test_request (ts, "PATCH", "/api/profile", token,
                           "{\"display_name\":\"  Zoë O'Neil; DROP TABLE users  \"}");
  g_assert_cmpuint (patch->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (member (patch, "user"), "display_name"), ==,
                   "Zoë O'Neil; DROP TABLE users");
  get2 = sl_test_request (ts, "GET", "/api/profile", token, NULL);
  g_assert_cmpstr (json_object_get_string_member (member (get2, "user"), "display_name"), ==,
                   "Zoë O'Neil; DROP TABLE users");

  empty = sl_test_request (ts, "PATCH", "/api/profile", token, "{}");
  g_assert_cmpuint (empty->status, ==, 400);
  g_assert_cmpstr (sl_test_response_error (empty), ==, "nothing_to_change");
  blank = sl_test_request (ts, "PATCH", "/api/profile", token, "{\"display_name\":\"   \"}");
  g_assert_cmpuint (blank->status, ==, 400);
  g_assert_cmpstr (sl_test_response_error (blank), ==, "invalid_field");
  sl_test_server_free (ts);
}

static void
test_change_password (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *refresh_here = NULL, *refresh_other = NULL;
  g_autofree char *here = sl_test_login (ts, "student", "student123", &refresh_here);
  g_autofree char *other = sl_test_login (ts, "student", "student123", &refresh_other);
  g_autoptr(SlTestResponse) no_current = NULL;
  g_autoptr(SlTestResponse) wrong_current = NULL;
  g_autoptr(SlTestResponse) weak = NULL;
  g_autoptr(SlTestResponse) changed = NULL;
  g_autoptr(SlTestResponse) old_login = NULL;
  g_autoptr(SlTestResponse) new_login = NULL;
  g_autoptr(SlTestResponse) r_other = NULL;
  g_autoptr(SlTestResponse) r_here = NULL;

  no_current = sl_test_request (ts, "PATCH", "/api/profile", here,
                                "{\"new_password\":\"brand new secret\"}");
  g_assert_cmpuint (no_current->status, ==, 400);
  g_assert_cmpstr (sl_test_response_error (no_current), ==, "missing_field");

  wrong_current = sl_test_request (ts, "PATCH", "/api/profile", here,
                                   "{\"current_password\":\"student999\","
                                   "\"new_password\":\"brand new secret\"}");
  g_assert_cmpuint (wrong_current->status, ==, 403);
  g_assert_cmpstr (sl_test_response_error (wrong_current), ==, "wrong_password");

  weak = sl_test_request (ts, "PATCH", "/api/profile", here,
                          "{\"current_password\":\"student123\",\"new_password\":\"short\"}");
  g_assert_cmpuint (weak->status, ==, 400);
  g_assert_cmpstr (sl_test_response_error (weak), ==, "invalid_field");

  /* nothing above changed the password */
  {
    g_autoptr(SlTestResponse) still = login (ts, "student", "student123");
    g_assert_cmpuint (still->status, ==, 200);
  }

  changed = sl_test_request (ts, "PATCH", "/api/profile", here,
                             "{\"current_password\":\"student123\","
                             "\"new_password\":\"brand new secret\"}");
  g_assert_cmpuint (changed->status, ==, 200);

  old_login = login (ts, "student", "student123");
  g_assert_cmpuint (old_login->status, ==, 401);
  new_login = login (ts, "student", "brand new secret");
  g_assert_cmpuint (new_login->status, ==, 200);

  /* every other login has ended; this one goes on */
  r_other = refresh (ts, refresh_other);
  g_assert_cmpuint (r_other->status, ==, 401);
  {
    g_autoptr(SlTestResponse) p_other = sl_test_request (ts, "GET", "/api/profile", other, NULL);
    g_autoptr(SlTestResponse) p_here = sl_test_request (ts, "GET", "/api/profile", here, NULL);

    g_assert_cmpuint (p_other->status, ==, 401);
    g_assert_cmpuint (p_here->status, ==, 200);
  }
  r_here = refresh (ts, refresh_here);
  g_assert_cmpuint (r_here->status, ==, 200);
  sl_test_server_free (ts);
}

static void
test_throttle_account (gconstpointer data)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;

  config->login_max_failures = 3;
  config->login_window = 60;
  ts = sl_test_server_new (data, config);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SlTestResponse) resp = login (ts, "teacher", "wrong password");
      g_assert_cmpuint (resp->status, ==, 401);
    }
  {
    /* locked: even the right password waits */
    g_autoptr(SlTestResponse) resp = login (ts, "teacher", "teacher123");
    const char *retry;

    g_assert_cmpuint (resp->status, ==, 429);
    g_assert_cmpstr (sl_test_response_error (resp), ==, "too_many_requests");
    retry = soup_message_headers_get_one (resp->headers, "Retry-After");
    g_assert_nonnull (retry);
    g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), >=, 1);
    g_assert_cmpint (g_ascii_strtoll (retry, NULL, 10), <=, 60);
  }
  {
    /* another account from the same address is not locked */
    g_autoptr(SlTestResponse) resp = login (ts, "student", "student123");
    g_assert_cmpuint (resp->status, ==, 200);
  }
  sl_test_server_free (ts);
}

static void
test_throttle_address (gconstpointer data)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;
  static const char *names[] = { "a1", "a2", "a3", "a4" };

  config->login_max_failures = 100;
  config->address_max_failures = 4;
  ts = sl_test_server_new (data, config);

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(SlTestResponse) resp = login (ts, names[i], "whatever1");
      g_assert_cmpuint (resp->status, ==, 401);
    }
  {
    g_autoptr(SlTestResponse) resp = login (ts, "student", "student123");
    g_assert_cmpuint (resp->status, ==, 429);
    g_assert_nonnull (soup_message_headers_get_one (resp->headers, "Retry-After"));
  }
  sl_test_server_free (ts);
}

/* ---- start-up ----------------------------------------------------------- */

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* A server on an EMPTY database (no seeded users), as on first start. */
static SlServer *
start_empty (const char *url,
             const char *dir,
             SlConfig   *config)
{
  g_autoptr(GError) error = NULL;
  SlServer *server;
  Wait wait = { FALSE, };

  g_free (config->data_dir);
  config->data_dir = g_strdup (dir);
  g_free (config->database);
  config->database = g_strdup (url);
  server = sl_server_new (config, &error);
  g_assert_no_error (error);
  sl_server_start_async (server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_start_finish (server, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return server;
}

static void
stop (SlServer *server)
{
  Wait wait = { FALSE, };

  sl_server_stop_async (server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_stop_finish (server, wait.result, NULL));
  g_object_unref (wait.result);
  g_object_unref (server);
}

static SlUser *
find_user (SlServer   *server,
           const char *username)
{
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };
  SlUser *user;

  sl_store_get_user_by_name_async (sl_server_get_store (server), username, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  user = sl_store_get_user_by_name_finish (sl_server_get_store (server), wait.result, &error);
  g_object_unref (wait.result);
  if (user == NULL)
    g_assert_error (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);
  return user;
}

static gboolean
password_matches (SlUser     *user,
                  const char *password)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = sl_password_verify (password, user->password_hash, NULL, &error);

  g_assert_no_error (error);
  return ok;
}

static void
test_first_start_admin (gconstpointer data)
{
  g_autofree char *url = sl_test_db_new_url (data);
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-XXXXXX", NULL);
  g_autofree char *secret_path = g_build_filename (dir, "jwt-secret", NULL);
  SlConfig *config = sl_test_config_new ();
  SlServer *server;
  g_autoptr(SlUser) admin = NULL;
  g_autoptr(SlUser) again = NULL;
  GStatBuf st;

  g_clear_pointer (&config->jwt_secret, g_free);   /* made and kept in the data dir */
  config->admin_password = g_strdup ("first admin secret");
  server = start_empty (url, dir, config);
  admin = find_user (server, "admin");
  g_assert_nonnull (admin);
  g_assert_cmpint (admin->role, ==, SL_ROLE_ADMIN);
  g_assert_true (password_matches (admin, "first admin secret"));
  g_assert_null (find_user (server, "teacher"));
  stop (server);

  g_assert_cmpint (g_stat (secret_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, >=, 32);

  /* a second start does not touch the existing admin */
  config = sl_test_config_new ();
  g_clear_pointer (&config->jwt_secret, g_free);
  config->admin_password = g_strdup ("some other password");
  server = start_empty (url, dir, config);
  again = find_user (server, "admin");
  g_assert_true (password_matches (again, "first admin secret"));
  stop (server);

  sl_test_db_drop (url);
  g_unlink (secret_path);
  {
    g_autofree char *db = g_build_filename (dir, "streamlet.db", NULL);
    g_unlink (db);
  }
  g_rmdir (dir);
}

static void
test_demo_accounts (gconstpointer data)
{
  g_autofree char *url = sl_test_db_new_url (data);
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-XXXXXX", NULL);
  SlConfig *config = sl_test_config_new ();
  SlServer *server;
  static const struct { const char *name, *password; SlRole role; } demo[] = {
    { "admin", "admin123", SL_ROLE_ADMIN },
    { "teacher", "teacher123", SL_ROLE_TEACHER },
    { "student", "student123", SL_ROLE_STUDENT },
  };

  config->demo = TRUE;
  server = start_empty (url, dir, config);
  for (guint i = 0; i < G_N_ELEMENTS (demo); i++)
    {
      g_autoptr(SlUser) user = find_user (server, demo[i].name);

      g_assert_nonnull (user);
      g_assert_cmpint (user->role, ==, demo[i].role);
      g_assert_true (password_matches (user, demo[i].password));
    }
  stop (server);
  sl_test_db_drop (url);
}

static void
test_bad_admin_password (gconstpointer data)
{
  g_autofree char *url = sl_test_db_new_url (data);
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-XXXXXX", NULL);
  SlConfig *config = sl_test_config_new ();
  g_autoptr(SlServer) server = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };

  config->admin_password = g_strdup ("short");
  g_free (config->data_dir);
  config->data_dir = g_strdup (dir);
  config->database = g_strdup (url);
  server = sl_server_new (config, &error);
  g_assert_no_error (error);
  sl_server_start_async (server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_false (sl_server_start_finish (server, wait.result, &error));
  g_assert_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "STREAMLET_ADMIN_PASSWORD"));
  g_object_unref (wait.result);
  sl_store_close (sl_server_get_store (server));
  sl_test_db_drop (url);
}

int
main (int   argc,
      char *argv[])
{
  const char * const *dialects;

  g_test_init (&argc, &argv, NULL);
  dialects = sl_test_db_dialects ();

  for (guint i = 0; dialects[i] != NULL; i++)
    {
      static const struct {
        const char *name;
        GTestDataFunc func;
      } cases[] = {
        { "healthz", test_healthz },
        { "register", test_register },
        { "register-disabled", test_register_disabled },
        { "register-bad-password", test_register_bad_password },
        { "login", test_login },
        { "login-same-time", test_login_same_time },
        { "refresh-rotation", test_refresh_rotation },
        { "logout", test_logout },
        { "profile", test_profile },
        { "change-password", test_change_password },
        { "throttle-account", test_throttle_account },
        { "throttle-address", test_throttle_address },
        { "first-start-admin", test_first_start_admin },
        { "demo-accounts", test_demo_accounts },
        { "bad-admin-password", test_bad_admin_password },
      };

      for (guint j = 0; j < G_N_ELEMENTS (cases); j++)
        {
          g_autofree char *path = g_strdup_printf ("/api-auth/%s/%s", dialects[i], cases[j].name);
          g_test_add_data_func (path, dialects[i], cases[j].func);
        }
    }

  return g_test_run ();
}
