/* test-client-api.c: the client's HTTP API client against an in-process
 * server — signing in, wrong passwords, unreachable servers, bad addresses,
 * tokens refreshed before expiry and after a 401, sessions that end, error
 * mapping, raw sends and the conveniences
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-test-ws.h"
#include "sl-api-client.h"
#include "sl-api-client-private.h"
#include "sl-client-error.h"
#include "sl-jwt.h"

#include <string.h>

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

static gboolean
login (SlApiClient  *api,
       const char   *username,
       const char   *password,
       GError      **error)
{
  Wait wait = { FALSE, };
  gboolean ok;

  sl_api_client_login_async (api, username, password, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  ok = sl_api_client_login_finish (api, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static gboolean
resume (SlApiClient  *api,
        const char   *refresh_token,
        GError      **error)
{
  Wait wait = { FALSE, };
  gboolean ok;

  sl_api_client_resume_async (api, refresh_token, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  ok = sl_api_client_resume_finish (api, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static SlApiClient *
signed_in (SlTestServer *ts,
           const char   *username,
           const char   *password)
{
  g_autoptr(GError) error = NULL;
  SlApiClient *api = sl_api_client_new (ts->base_url, &error);

  g_assert_no_error (error);
  g_assert_true (login (api, username, password, &error));
  g_assert_no_error (error);
  return api;
}

/* Runs a request (@body: JSON text or NULL) to its end. */
static JsonObject *
request (SlApiClient  *api,
         const char   *method,
         const char   *path,
         const char   *body,
         GError      **error)
{
  g_autoptr(JsonObject) object = NULL;
  Wait wait = { FALSE, };
  JsonObject *answer;

  if (body != NULL)
    {
      g_autoptr(JsonNode) node = json_from_string (body, NULL);

      g_assert_nonnull (node);
      object = json_object_ref (json_node_get_object (node));
    }
  sl_api_client_request_async (api, method, path, object, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  answer = sl_api_client_request_finish (api, wait.result, error);
  g_object_unref (wait.result);
  return answer;
}

/* Waits for a convenience call started with wait_cb. */
static JsonObject *
finish (SlApiClient  *api,
        Wait         *wait,
        GError      **error)
{
  JsonObject *answer;

  sl_test_wait_for (&wait->done);
  answer = sl_api_client_request_finish (api, wait->result, error);
  g_object_unref (wait->result);
  return answer;
}

static GBytes *
send_raw (SlApiClient         *api,
          const char          *method,
          const char          *path_or_url,
          const char          *bearer,
          SoupMessageHeaders **headers,
          GError             **error)
{
  Wait wait = { FALSE, };
  GBytes *body;

  sl_api_client_send_async (api, method, path_or_url, bearer, NULL, NULL, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  body = sl_api_client_send_finish (api, wait.result, headers, error);
  g_object_unref (wait.result);
  return body;
}

/* A class owned by teacher, scheduled in 10 minutes; @live: started. */
static gint64
make_class (SlTestServer *ts,
            const char   *title,
            gboolean      live)
{
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (now, 10);
  g_autofree char *when = g_date_time_format_iso8601 (soon);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":45}", title, when);
  g_autoptr(SlTestResponse) created = sl_test_request (ts, "POST", "/api/classes", teacher, body);
  gint64 id;

  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (json_object_get_object_member (sl_test_response_object (created),
                                                                   "class"), "id");
  if (live)
    {
      g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", id);
      g_autoptr(SlTestResponse) started = sl_test_request (ts, "POST", path, teacher, NULL);

      g_assert_cmpuint (started->status, ==, 200);
    }
  return id;
}

/* The state of a class, asked directly of the server. */
static char *
class_state (SlTestServer *ts,
             gint64        class_id)
{
  g_autofree char *token = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, class_id);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return g_strdup (json_object_get_string_member (
                     json_object_get_object_member (sl_test_response_object (resp), "class"), "state"));
}

/* A loopback port nobody listens on. */
static guint
closed_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  guint port;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);
  return port;
}

static void
count_cb (GObject  *object,
          gpointer  user_data)
{
  (*(guint *) user_data)++;
}

typedef struct {
  guint   count;
  GError *why;
} SignedOut;

static void
signed_out_cb (SlApiClient *api,
               GError      *why,
               gpointer     user_data)
{
  SignedOut *out = user_data;

  out->count++;
  g_clear_error (&out->why);
  out->why = g_error_copy (why);
}

/* The "exp" claim of a JWT, read without checking it. */
static gint64
token_expiry (const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", 3);
  g_autoptr(GString) b64 = NULL;
  g_autofree guchar *json = NULL;
  g_autoptr(JsonNode) node = NULL;
  gsize length;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  b64 = g_string_new (parts[1]);
  g_string_replace (b64, "-", "+", 0);
  g_string_replace (b64, "_", "/", 0);
  while (b64->len % 4 != 0)
    g_string_append_c (b64, '=');
  json = g_base64_decode (b64->str, &length);
  node = json_from_string ((const char *) json, NULL);
  g_assert_nonnull (node);
  return json_object_get_int_member (json_node_get_object (node), "exp");
}

/* An access token that expired an hour ago, signed with the test secret. */
static char *
expired_token (gint64 user_id)
{
  g_autoptr(SlJwt) jwt = sl_jwt_new ((const guint8 *) SL_TEST_JWT_SECRET, strlen (SL_TEST_JWT_SECRET),
                                     "streamlet", "streamlet");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  return sl_jwt_sign (jwt, user_id, SL_ROLE_STUDENT, "an-old-session", now - 7200, 900);
}

/* ---- signing in --------------------------------------------------------- */

static void
test_login (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autofree char *with_slash = g_strconcat (ts->base_url, "/", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SlApiClient) api = sl_api_client_new (with_slash, &error);
  g_autoptr(JsonObject) profile = NULL;
  g_autoptr(JsonObject) live = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (sl_api_client_get_base_url (api), ==, ts->base_url);
  g_assert_nonnull (sl_api_client_get_session (api));
  g_assert_null (sl_api_client_get_access_token (api));
  g_assert_cmpint (sl_api_client_get_user_id (api), ==, 0);
  g_assert_null (sl_api_client_get_role (api));

  g_assert_true (login (api, "teacher", "teacher123", &error));
  g_assert_no_error (error);
  g_assert_nonnull (sl_api_client_get_access_token (api));
  g_assert_cmpint (sl_api_client_get_user_id (api), >, 0);
  g_assert_cmpstr (sl_api_client_get_role (api), ==, "teacher");
  g_assert_cmpstr (sl_api_client_get_display_name (api), ==, "Demo teacher");

  /* the token is used */
  profile = request (api, "GET", "/api/profile", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (profile, "user"),
                                                  "username"), ==, "teacher");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (profile, "user"), "id"),
                   ==, sl_api_client_get_user_id (api));
  {
    Wait wait = { FALSE, };

    sl_api_client_list_live_async (api, NULL, wait_cb, &wait);
    live = finish (api, &wait, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (live, "classes")), ==, 0);
  }

  /* signing out forgets the session, without "signed-out" */
  {
    SignedOut out = { 0, };
    g_autoptr(JsonObject) after = NULL;

    g_signal_connect (api, "signed-out", G_CALLBACK (signed_out_cb), &out);
    sl_api_client_logout (api);
    g_assert_null (sl_api_client_get_access_token (api));
    g_assert_cmpint (sl_api_client_get_user_id (api), ==, 0);
    after = request (api, "GET", "/api/profile", NULL, &error);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
    g_assert_null (after);
    g_assert_cmpuint (out.count, ==, 0);
    g_signal_handlers_disconnect_by_data (api, &out);
  }
  g_clear_object (&api);
  sl_test_server_free (ts);
}

/* "stay signed in": a later run resumes the session from the refresh token
 * it kept; a spent or made-up token is refused and changes nothing */
static void
test_resume (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) first = signed_in (ts, "student", "student123");
  g_autoptr(SlApiClient) later = NULL;
  g_autoptr(SlApiClient) stale = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = g_strdup (sl_api_client_get_refresh_token (first));
  g_autofree char *next = NULL;
  g_autoptr(JsonObject) profile = NULL;

  g_assert_nonnull (kept);
  g_clear_object (&first);   /* the app quits without signing out */

  later = sl_api_client_new (ts->base_url, &error);
  g_assert_no_error (error);
  g_assert_true (resume (later, kept, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (sl_api_client_get_role (later), ==, "student");
  g_assert_cmpstr (sl_api_client_get_display_name (later), ==, "Demo student");
  g_assert_nonnull (sl_api_client_get_access_token (later));
  next = g_strdup (sl_api_client_get_refresh_token (later));
  g_assert_cmpstr (next, !=, kept);   /* refresh tokens are single use */
  profile = request (later, "GET", "/api/profile", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (profile, "user"),
                                                  "username"), ==, "student");

  /* the spent token, a made-up one and an empty one are refused */
  stale = sl_api_client_new (ts->base_url, &error);
  g_assert_no_error (error);
  for (const char *const *t = (const char *[]) { kept, "not-a-token", "", NULL }; *t != NULL; t++)
    {
      g_assert_false (resume (stale, *t, &error));
      g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
      g_clear_error (&error);
      g_assert_null (sl_api_client_get_access_token (stale));
      g_assert_null (sl_api_client_get_refresh_token (stale));
    }
  /* and the live session is untouched by those attempts */
  g_clear_pointer (&profile, json_object_unref);
  profile = request (later, "GET", "/api/profile", NULL, &error);
  g_assert_no_error (error);

  g_clear_object (&later);
  g_clear_object (&stale);
  sl_test_server_free (ts);
}

static void
test_bad_credentials (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(SlApiClient) api = sl_api_client_new (ts->base_url, &error);
  g_autofree char *token = NULL;

  g_assert_no_error (error);
  g_assert_false (login (api, "teacher", "wrong-password", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BAD_CREDENTIALS);
  g_assert_cmpstr (error->message, ==, "wrong user name or password");
  g_assert_cmpint (sl_client_error_exit_code (error), ==, 3);
  g_assert_null (sl_api_client_get_access_token (api));
  g_clear_error (&error);

  /* an unknown user gets the same answer */
  g_assert_false (login (api, "nobody", "teacher123", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);

  /* a failed sign-in leaves the session there was as it was */
  g_assert_true (login (api, "student", "student123", &error));
  token = g_strdup (sl_api_client_get_access_token (api));
  g_assert_false (login (api, "teacher", "nope-nope", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BAD_CREDENTIALS);
  g_clear_error (&error);
  g_assert_cmpstr (sl_api_client_get_access_token (api), ==, token);
  g_assert_cmpstr (sl_api_client_get_role (api), ==, "student");
  {
    g_autoptr(JsonObject) profile = request (api, "GET", "/api/profile", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (profile, "user"),
                                                    "username"), ==, "student");
  }
  g_clear_object (&api);
  sl_test_server_free (ts);
}

static void
test_unreachable (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", closed_port ());
  g_autoptr(GError) error = NULL;
  g_autoptr(SlApiClient) api = sl_api_client_new (url, &error);
  g_autoptr(JsonObject) answer = NULL;

  g_assert_no_error (error);
  g_assert_false (login (api, "teacher", "teacher123", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, url));
  g_assert_cmpint (sl_client_error_exit_code (error), ==, 2);
  g_assert_null (sl_api_client_get_access_token (api));
  g_clear_error (&error);

  answer = request (api, "GET", "/api/classes/live", NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_assert_nonnull (strstr (error->message, url));
}

static void
test_bad_base_url (void)
{
  static const char *bad[] = {
    "", "localhost:8080", "ftp://example.org", "http://", "http:///api",
    "not a url", "http://example.org/?q=1", "http://example.org/#top",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SlApiClient) api = sl_api_client_new (bad[i], &error);

      g_assert_null (api);
      g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
      if (*bad[i] != '\0')
        g_assert_nonnull (strstr (error->message, bad[i]));
    }

  /* https and a host name are fine (nothing is sent yet) */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SlApiClient) api = sl_api_client_new ("https://school.example///", &error);

    g_assert_no_error (error);
    g_assert_cmpstr (sl_api_client_get_base_url (api), ==, "https://school.example");
  }
}

static void
test_exit_codes (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");

  for (int code = SL_CLIENT_ERROR_UNREACHABLE; code <= SL_CLIENT_ERROR_MEDIA; code++)
    {
      g_autoptr(GError) error = g_error_new_literal (SL_CLIENT_ERROR, code, "x");
      int exit_code = sl_client_error_exit_code (error);

      g_assert_cmpint (exit_code, >=, 2);
      g_assert_cmpint (exit_code, <, 126);
      g_assert_false (g_hash_table_contains (seen, GINT_TO_POINTER (exit_code)));
      g_hash_table_add (seen, GINT_TO_POINTER (exit_code));
    }
  g_assert_cmpint (sl_client_error_exit_code (other), ==, 1);
}

/* ---- tokens ------------------------------------------------------------- */

static void
test_refresh_before_expiry (void)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;
  g_autoptr(SlApiClient) api = NULL;
  g_autofree char *original = NULL;
  guint refreshed = 0;
  gint64 original_exp;

  config->access_token_ttl = 2;   /* below what the command line allows */
  ts = sl_test_server_new ("sqlite", config);
  api = signed_in (ts, "student", "student123");
  original = g_strdup (sl_api_client_get_access_token (api));
  original_exp = token_expiry (original);
  g_signal_connect (api, "token-refreshed", G_CALLBACK (count_cb), &refreshed);

  /* at 4/5 of its 2 s life the token is replaced, and again, and again */
  while (refreshed < 2)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (sl_api_client_get_access_token (api), !=, original);
  g_assert_cmpint (token_expiry (sl_api_client_get_access_token (api)), >, original_exp);

  /* past the original token's expiry, requests still work */
  while (g_get_real_time () / G_USEC_PER_SEC <= original_exp + 1)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(JsonObject) profile = request (api, "GET", "/api/profile", NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (profile);
    g_assert_cmpint (token_expiry (sl_api_client_get_access_token (api)),
                     >=, g_get_real_time () / G_USEC_PER_SEC);
  }
  g_assert_cmpuint (refreshed, >=, 2);
  g_signal_handlers_disconnect_by_data (api, &refreshed);
  g_clear_object (&api);
  sl_test_server_free (ts);
}

static void
test_refresh_after_401 (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) api = signed_in (ts, "student", "student123");
  g_autofree char *expired = expired_token (sl_api_client_get_user_id (api));
  g_autoptr(GError) error = NULL;
  guint refreshed = 0;

  g_signal_connect (api, "token-refreshed", G_CALLBACK (count_cb), &refreshed);

  /* the server refuses this one (401 token_expired) */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/profile", expired, NULL);

    g_assert_cmpuint (resp->status, ==, 401);
  }
  _sl_api_client_set_access_token (api, expired);

  /* two requests at once: one refresh, both retried and answered */
  {
    Wait first = { FALSE, }, second = { FALSE, };
    g_autoptr(JsonObject) a = NULL;
    g_autoptr(JsonObject) b = NULL;

    sl_api_client_request_async (api, "GET", "/api/profile", NULL, NULL, wait_cb, &first);
    sl_api_client_request_async (api, "GET", "/api/classes/live", NULL, NULL, wait_cb, &second);
    a = finish (api, &first, &error);
    g_assert_no_error (error);
    b = finish (api, &second, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (a, "user"),
                                                    "username"), ==, "student");
    g_assert_true (json_object_has_member (b, "classes"));
  }
  g_assert_cmpuint (refreshed, ==, 1);
  g_assert_cmpstr (sl_api_client_get_access_token (api), !=, expired);

  /* a garbled token is handled the same way */
  _sl_api_client_set_access_token (api, "garbage");
  {
    g_autoptr(JsonObject) profile = request (api, "GET", "/api/profile", NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (profile);
  }
  g_assert_cmpuint (refreshed, ==, 2);
  g_signal_handlers_disconnect_by_data (api, &refreshed);
  g_clear_object (&api);
  sl_test_server_free (ts);
}

static void
test_refresh_refused (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) api = signed_in (ts, "student", "student123");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  SignedOut out = { 0, };
  guint refreshed = 0;

  g_signal_connect (api, "signed-out", G_CALLBACK (signed_out_cb), &out);
  g_signal_connect (api, "token-refreshed", G_CALLBACK (count_cb), &refreshed);

  /* the login ends elsewhere: its access and refresh tokens are refused */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/logout",
                                                      sl_api_client_get_access_token (api), NULL);

    g_assert_cmpuint (resp->status, ==, 204);
  }

  answer = request (api, "GET", "/api/profile", NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
  g_assert_cmpint (sl_client_error_exit_code (error), ==, 4);
  g_assert_cmpuint (out.count, ==, 1);
  g_assert_error (out.why, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
  g_assert_cmpuint (refreshed, ==, 0);
  g_assert_null (sl_api_client_get_access_token (api));
  g_assert_cmpint (sl_api_client_get_user_id (api), ==, 0);
  g_clear_error (&error);

  /* no session any more: refused again, and no second signal */
  answer = request (api, "GET", "/api/profile", NULL, &error);
  g_assert_null (answer);
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
  g_assert_cmpuint (out.count, ==, 1);
  g_clear_error (&error);

  /* signing in again works */
  g_assert_true (login (api, "student", "student123", &error));
  g_assert_no_error (error);

  g_signal_handlers_disconnect_by_data (api, &out);
  g_signal_handlers_disconnect_by_data (api, &refreshed);
  g_clear_error (&out.why);
  g_clear_object (&api);
  sl_test_server_free (ts);
}

/* ---- errors ------------------------------------------------------------- */

static void
test_error_mapping (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) teacher = signed_in (ts, "teacher", "teacher123");
  g_autoptr(SlApiClient) student = signed_in (ts, "student", "student123");
  gint64 class_id = make_class (ts, "Geometry", FALSE);
  g_autofree char *start = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", class_id);
  g_autofree char *end = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/end", class_id);
  g_autoptr(GError) error = NULL;

  /* 404: no such class */
  {
    Wait wait = { FALSE, };
    g_autoptr(JsonObject) answer = NULL;

    sl_api_client_get_class_async (student, 999999, NULL, wait_cb, &wait);
    answer = finish (student, &wait, &error);
    g_assert_null (answer);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND);
    g_assert_cmpstr (error->message, !=, "");
    g_assert_cmpint (sl_client_error_exit_code (error), ==, 6);
    g_clear_error (&error);
  }

  /* 409 not_live: ending a class that has not started; it stays scheduled */
  {
    g_autoptr(JsonObject) answer = request (teacher, "POST", end, NULL, &error);
    g_autofree char *state = class_state (ts, class_id);

    g_assert_null (answer);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_LIVE);
    g_assert_cmpint (sl_client_error_exit_code (error), ==, 7);
    g_assert_cmpstr (state, ==, "scheduled");
    g_clear_error (&error);
  }

  /* 403: a student starting someone's class; it stays scheduled */
  {
    g_autoptr(JsonObject) answer = request (student, "POST", start, NULL, &error);
    g_autofree char *state = class_state (ts, class_id);

    g_assert_null (answer);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN);
    g_assert_cmpstr (state, ==, "scheduled");
    g_clear_error (&error);
  }

  /* 409 other: starting a live class twice */
  {
    g_autoptr(JsonObject) started = request (teacher, "POST", start, NULL, &error);
    g_autoptr(JsonObject) again = NULL;
    g_autofree char *state = NULL;

    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (started, "class"),
                                                    "state"), ==, "live");
    again = request (teacher, "POST", start, NULL, &error);
    g_assert_null (again);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BUSY);
    state = class_state (ts, class_id);
    g_assert_cmpstr (state, ==, "live");
    g_clear_error (&error);
  }

  /* 400: the server's message comes through; nothing is created */
  {
    g_autoptr(JsonObject) answer = request (teacher, "POST", "/api/classes",
                                            "{\"title\":\"No time\"}", &error);
    g_autoptr(JsonObject) upcoming = NULL;

    g_assert_null (answer);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_REFUSED);
    g_assert_nonnull (strstr (error->message, "scheduled_at"));
    g_clear_error (&error);
    upcoming = request (teacher, "GET", "/api/classes/upcoming", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (json_object_get_int_member (upcoming, "total"), ==, 0);
  }

  /* 2xx that is not a JSON object (the web viewer's page): PROTOCOL */
  {
    g_autofree char *page = g_strdup_printf ("/watch/%" G_GINT64_FORMAT, class_id);
    g_autoptr(JsonObject) answer = request (teacher, "GET", page, NULL, &error);

    g_assert_null (answer);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL);
    g_clear_error (&error);
  }

  g_clear_object (&teacher);
  g_clear_object (&student);
  sl_test_server_free (ts);
}

/* ---- raw sends ---------------------------------------------------------- */

static void
test_raw_send (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  SlTestServer *other = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) api = signed_in (ts, "teacher", "teacher123");
  g_autofree char *student_token = sl_test_login (ts, "student", "student123", NULL);
  g_autoptr(GError) error = NULL;

  /* a path; the answer's headers come along */
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(GBytes) body = send_raw (api, "GET", "/healthz", NULL, &headers, &error);
    g_autoptr(JsonNode) node = NULL;

    g_assert_no_error (error);
    g_assert_nonnull (headers);
    g_assert_true (soup_message_headers_header_contains (headers, "Content-Type", "application/json"));
    node = json_from_string (g_bytes_get_data (body, NULL), NULL);
    g_assert_cmpstr (json_object_get_string_member (json_node_get_object (node), "status"), ==, "ok");
  }

  /* an absolute URL on our server carries our token */
  {
    g_autofree char *url = g_strconcat (ts->base_url, "/api/profile", NULL);
    g_autoptr(GBytes) body = send_raw (api, "GET", url, NULL, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "\"teacher\""));
  }

  /* a bearer overrides it */
  {
    g_autoptr(GBytes) body = send_raw (api, "GET", "/api/profile", student_token, NULL, &error);

    g_assert_no_error (error);
    g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "\"student\""));
  }

  /* another server never sees our token (it would take it: same secret) */
  {
    g_autofree char *url = g_strconcat (other->base_url, "/api/profile", NULL);
    guint refreshed = 0;
    g_autoptr(GBytes) body = NULL;

    g_signal_connect (api, "token-refreshed", G_CALLBACK (count_cb), &refreshed);
    body = send_raw (api, "GET", url, NULL, NULL, &error);
    g_assert_null (body);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT);
    g_assert_cmpuint (refreshed, ==, 0);
    g_assert_nonnull (sl_api_client_get_access_token (api));
    g_signal_handlers_disconnect_by_data (api, &refreshed);
    g_clear_error (&error);
  }

  /* errors as for JSON requests; a closed port names its URL */
  {
    g_autoptr(SoupMessageHeaders) headers = NULL;
    g_autoptr(GBytes) body = send_raw (api, "DELETE", "/whip/999999/nosuchsession", NULL, &headers, &error);
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/whip/1", closed_port ());
    g_autoptr(GBytes) none = NULL;

    g_assert_null (body);
    g_assert_null (headers);
    g_assert_nonnull (error);
    g_assert_true (error->domain == SL_CLIENT_ERROR);
    g_clear_error (&error);

    none = send_raw (api, "POST", url, "a-key", NULL, &error);
    g_assert_null (none);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
    g_assert_nonnull (strstr (error->message, url));
    g_clear_error (&error);
  }

  g_clear_object (&api);
  sl_test_server_free (other);
  sl_test_server_free (ts);
}

/* ---- conveniences ------------------------------------------------------- */

static void
test_conveniences (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlApiClient) teacher = signed_in (ts, "teacher", "teacher123");
  g_autoptr(SlApiClient) student = signed_in (ts, "student", "student123");
  gint64 class_id = make_class (ts, "History", TRUE);
  g_autoptr(GError) error = NULL;

  /* the class, and the live list */
  {
    Wait wait = { FALSE, };
    g_autoptr(JsonObject) answer = NULL;
    g_autoptr(JsonObject) live = NULL;

    sl_api_client_get_class_async (student, class_id, NULL, wait_cb, &wait);
    answer = finish (student, &wait, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (answer, "class"),
                                                    "title"), ==, "History");
    wait.done = FALSE;
    sl_api_client_list_live_async (student, NULL, wait_cb, &wait);
    live = finish (student, &wait, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (live, "classes")), ==, 1);
  }

  /* the stream key: the owner's only */
  {
    Wait wait = { FALSE, };
    g_autoptr(JsonObject) key = NULL;
    g_autoptr(JsonObject) refused = NULL;
    g_autofree char *suffix = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, class_id);

    sl_api_client_stream_key_async (teacher, class_id, NULL, wait_cb, &wait);
    key = finish (teacher, &wait, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (strlen (json_object_get_string_member (key, "stream_key")), ==, 43);
    g_assert_true (g_str_has_suffix (json_object_get_string_member (key, "whip_url"), suffix));

    wait.done = FALSE;
    sl_api_client_stream_key_async (student, class_id, NULL, wait_cb, &wait);
    refused = finish (student, &wait, &error);
    g_assert_null (refused);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN);
    g_clear_error (&error);
  }

  /* chat history, oldest first */
  {
    g_autoptr(SlTestWs) ws = sl_test_ws_connect_as (ts, "student", "student123");
    g_autoptr(JsonObject) joined = NULL;
    g_autoptr(JsonObject) history = NULL;
    g_autoptr(JsonObject) missing = NULL;
    Wait wait = { FALSE, };
    JsonArray *messages;

    sl_test_ws_sendf (ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    joined = sl_test_ws_expect (ws, "joined");
    for (int i = 0; i < 3; i++)
      {
        g_autoptr(JsonObject) chat = NULL;

        sl_test_ws_sendf (ws, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"line %d\"}",
                          class_id, i);
        chat = sl_test_ws_expect (ws, "chat");
      }
    sl_api_client_chat_history_async (teacher, class_id, NULL, wait_cb, &wait);
    history = finish (teacher, &wait, &error);
    g_assert_no_error (error);
    messages = json_object_get_array_member (history, "messages");
    g_assert_cmpuint (json_array_get_length (messages), ==, 3);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 0), "text"),
                     ==, "line 0");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (messages, 2), "text"),
                     ==, "line 2");

    wait.done = FALSE;
    sl_api_client_chat_history_async (teacher, 999999, NULL, wait_cb, &wait);
    missing = finish (teacher, &wait, &error);
    g_assert_null (missing);
    g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND);
    g_clear_error (&error);
  }

  g_clear_object (&teacher);
  g_clear_object (&student);
  sl_test_server_free (ts);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-api/login", test_login);
  g_test_add_func ("/client-api/resume", test_resume);
  g_test_add_func ("/client-api/bad-credentials", test_bad_credentials);
  g_test_add_func ("/client-api/unreachable", test_unreachable);
  g_test_add_func ("/client-api/bad-base-url", test_bad_base_url);
  g_test_add_func ("/client-api/exit-codes", test_exit_codes);
  g_test_add_func ("/client-api/refresh-before-expiry", test_refresh_before_expiry);
  g_test_add_func ("/client-api/refresh-after-401", test_refresh_after_401);
  g_test_add_func ("/client-api/refresh-refused", test_refresh_refused);
  g_test_add_func ("/client-api/error-mapping", test_error_mapping);
  g_test_add_func ("/client-api/raw-send", test_raw_send);
  g_test_add_func ("/client-api/conveniences", test_conveniences);
  return g_test_run ();
}
