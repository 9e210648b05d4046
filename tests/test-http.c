/* test-http.c: the HTTP front as a client sees it — unknown paths and
 * methods, body limits and types, bad input, forged tokens, roles, and a
 * graceful stop
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-http"

#include "config.h"

#include "sl-jwt.h"
#include "sl-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

#define MAX_BODY 4096

/* ---- helpers ------------------------------------------------------------ */

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

static SlTestResponse *
response_new (SoupMessage *msg,
              GBytes      *body)
{
  SlTestResponse *resp = g_new0 (SlTestResponse, 1);
  gsize len;
  const char *data = g_bytes_get_data (body, &len);

  resp->body = body;
  resp->status = soup_message_get_status (msg);
  resp->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (len > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, data, (gssize) len, NULL))
        resp->json = json_node_copy (json_parser_get_root (parser));
    }
  return resp;
}

/* Sends @msg on @session (NULL: the fixture's) and waits; NULL and @error
 * when no answer came. */
static SlTestResponse *
send_message (SlTestServer  *ts,
              SoupSession   *session,
              SoupMessage   *msg,
              GError       **error)
{
  Wait wait = { FALSE, NULL };
  GBytes *body;

  if (session == NULL)
    session = ts->session;
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  body = soup_session_send_and_read_finish (session, wait.result, error);
  g_object_unref (wait.result);
  if (body == NULL)
    return NULL;
  return response_new (msg, body);
}

static SoupMessage *
new_message (SlTestServer *ts,
             const char   *method,
             const char   *path)
{
  g_autofree char *url = g_strconcat (ts->base_url, path, NULL);
  SoupMessage *msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  return msg;
}

/* A request with a raw Authorization header (NULL: none). */
static SlTestResponse *
request_with_authorization (SlTestServer *ts,
                            const char   *method,
                            const char   *path,
                            const char   *authorization)
{
  g_autoptr(SoupMessage) msg = new_message (ts, method, path);
  g_autoptr(GError) error = NULL;
  SlTestResponse *resp;

  if (authorization != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg),
                                  "Authorization", authorization);
  resp = send_message (ts, NULL, msg, &error);
  g_assert_no_error (error);
  return resp;
}

/* A body sent chunked: a stream of unknown length. */
static SlTestResponse *
request_chunked (SlTestServer *ts,
                 const char   *method,
                 const char   *path,
                 const char   *body,
                 gsize         length)
{
  g_autoptr(SoupMessage) msg = new_message (ts, method, path);
  g_autoptr(GInputStream) stream =
    g_memory_input_stream_new_from_data (g_memdup2 (body, length), (gssize) length, g_free);
  g_autoptr(GError) error = NULL;
  SlTestResponse *resp;

  soup_message_set_request_body (msg, "application/json", stream, -1);
  g_assert_cmpint (soup_message_headers_get_encoding (soup_message_get_request_headers (msg)),
                   ==, SOUP_ENCODING_CHUNKED);
  resp = send_message (ts, NULL, msg, &error);
  g_assert_no_error (error);
  return resp;
}

/* An error answer: the status, JSON {"error":{"code","message"}} with a
 * non-empty message, and the code. */
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
  JsonObject *error;

  if (resp->json == NULL || !JSON_NODE_HOLDS_OBJECT (resp->json))
    return NULL;
  error = json_object_get_object_member (json_node_get_object (resp->json), "error");
  if (error == NULL || !json_object_has_member (error, "field"))
    return NULL;
  return json_object_get_string_member (error, "field");
}

static const char *
error_message (SlTestResponse *resp)
{
  JsonObject *error;

  if (resp->json == NULL || !JSON_NODE_HOLDS_OBJECT (resp->json))
    return NULL;
  error = json_object_get_object_member (json_node_get_object (resp->json), "error");
  if (error == NULL || !json_object_has_member (error, "message"))
    return NULL;
  return json_object_get_string_member (error, "message");
}

static char *
node_to_string (JsonNode *node)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, NULL);
}

/* The user as the API shows it, via GET /api/profile with @token. */
static JsonObject *
get_profile (SlTestServer *ts,
             const char   *token)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/profile", token, NULL);
  JsonObject *user;

  g_assert_cmpuint (resp->status, ==, 200);
  user = json_object_get_object_member (sl_test_response_object (resp), "user");
  g_assert_nonnull (user);
  return json_object_ref (user);
}

/* Every user, as the admin API lists them, as one string. */
static char *
users_snapshot (SlTestServer *ts,
                const char   *admin_token)
{
  g_autoptr(SlTestResponse) resp =
    sl_test_request (ts, "GET", "/api/admin/users?limit=200", admin_token, NULL);
  JsonObject *object;

  g_assert_cmpuint (resp->status, ==, 200);
  object = sl_test_response_object (resp);
  return node_to_string (json_object_get_member (object, "users"));
}

/* "{A65}" in @template becomes 65 'a's, "{[40}" 40 '[' and "{]40}" 40
 * ']'; the rest is kept. */
static char *
expand (const char *template)
{
  GString *out = g_string_new (NULL);
  const char *p = template;

  while (*p != '\0')
    {
      if (p[0] == '{' && p[1] != '\0' && strchr ("A[]", p[1]) != NULL &&
          g_ascii_isdigit (p[2]))
        {
          char c = p[1] == 'A' ? 'a' : p[1];
          char *end = NULL;
          guint64 n = g_ascii_strtoull (p + 2, &end, 10);

          g_assert_true (*end == '}');
          for (guint64 i = 0; i < n; i++)
            g_string_append_c (out, c);
          p = end + 1;
          continue;
        }
      g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

/* ---- tokens made by hand ------------------------------------------------ */

static char *
b64url (const void *data,
        gsize       len)
{
  char *s = g_base64_encode (data, len);
  char *w = s;

  for (char *r = s; *r; r++)
    {
      if (*r == '=')
        continue;
      *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
    }
  *w = '\0';
  return s;
}

static char *
b64url_str (const char *text)
{
  return b64url (text, strlen (text));
}

static char *
b64url_decode_str (const char *part,
                   gsize       len)
{
  GString *s = g_string_new_len (part, (gssize) len);
  guchar *data;
  gsize out_len = 0;
  char *text;

  for (gsize i = 0; i < s->len; i++)
    s->str[i] = s->str[i] == '-' ? '+' : s->str[i] == '_' ? '/' : s->str[i];
  while (s->len % 4 != 0)
    g_string_append_c (s, '=');
  data = g_base64_decode (s->str, &out_len);
  g_string_free (s, TRUE);
  text = g_strndup ((const char *) data, out_len);
  g_free (data);
  return text;
}

/* The JSON of a token's payload. */
static char *
token_payload (const char *token)
{
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  return b64url_decode_str (parts[1], strlen (parts[1]));
}

/* header.payload signed HS256 with @secret, independently of sl-jwt.c. */
static char *
forge (const char *header_json,
       const char *payload_json,
       const char *secret)
{
  g_autofree char *header = b64url_str (header_json);
  g_autofree char *payload = b64url_str (payload_json);
  g_autofree char *input = g_strconcat (header, ".", payload, NULL);
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, (const guchar *) secret, strlen (secret));
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  g_autofree char *signature = NULL;

  g_hmac_update (hmac, (const guchar *) input, -1);
  g_hmac_get_digest (hmac, digest, &digest_len);
  g_assert_cmpuint (digest_len, ==, 32);
  signature = b64url (digest, digest_len);
  return g_strconcat (input, ".", signature, NULL);
}

#define GOOD_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

/* A payload the server accepts, with @extra claims spliced in first
 * (json-glib would keep the last of a repeated member, the server none). */
static char *
payload_json (gint64      user_id,
              const char *role,
              gint64      now,
              const char *extra)
{
  return g_strdup_printf ("{%s\"iss\":\"streamlet\",\"aud\":\"streamlet\",\"sub\":\"%" G_GINT64_FORMAT "\","
                          "\"role\":\"%s\",\"sid\":\"forged-session\",\"typ\":\"access\","
                          "\"iat\":%" G_GINT64_FORMAT ",\"nbf\":%" G_GINT64_FORMAT ","
                          "\"exp\":%" G_GINT64_FORMAT ",\"jti\":\"j1\"}",
                          extra ? extra : "", user_id, role, now, now, now + 600);
}

/* @token with its header part replaced by @header_json (signature kept). */
static char *
with_header (const char *token,
             const char *header_json)
{
  g_autofree char *header = b64url_str (header_json);
  const char *dot = strchr (token, '.');

  return g_strconcat (header, dot, NULL);
}

static char *
signature_of (const char *token)
{
  return g_strdup (strrchr (token, '.') + 1);
}

/* ---- 404, 405, /healthz ------------------------------------------------- */

static void
test_not_found (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *long_path = NULL;
  const char *paths[] = {
    "/nope",
    "/",
    "/api",
    "/api/",
    "/api/profile/",
    "/API/PROFILE",
    "/api/profile/extra",
    "/api/admin",
    "/api/admin/users/",
    "/api/admin/users/0",
    "/api/admin/users/abc",
    "/api/admin/users/01",
    "/api/admin/users/-1",
    "/api/admin/users/+1",
    "/api/admin/users/1.0",
    "/api/admin/users/1/",
    "/api/admin/users/1/extra",
    "/api/admin/users/99999999999999999999999",
    "/healthz/",
    NULL,
  };
  GString *path = g_string_new ("/");

  for (guint i = 0; i < 3000; i++)
    g_string_append_c (path, 'a' + (i % 26));
  long_path = g_string_free (path, FALSE);

  for (guint i = 0; paths[i] != NULL; i++)
    {
      /* The same answer with or without an admin token: no route there. */
      for (guint with_token = 0; with_token < 2; with_token++)
        {
          g_autoptr(SlTestResponse) resp =
            sl_test_request (ts, "GET", paths[i], with_token ? admin : NULL, NULL);
          g_autofree char *got = g_strdup_printf ("%s %u %s", paths[i], resp->status,
                                                  sl_test_response_error (resp));
          g_autofree char *want = g_strdup_printf ("%s 404 not_found", paths[i]);

          g_assert_cmpstr (got, ==, want);
          assert_error (resp, 404, "not_found");
        }
    }

  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", long_path, admin, NULL);

    assert_error (resp, 404, "not_found");
  }
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", long_path, NULL, "{}");

    assert_error (resp, 404, "not_found");
  }
  /* A real user id under a path that is not a route is no route either. */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "PATCH", "/api/admin/users/1/role",
                                                      admin, "{\"role\":\"student\"}");

    assert_error (resp, 404, "not_found");
  }
  /* And the server still answers. */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }

  sl_test_server_free (ts);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* "GET, PATCH" -> sorted, trimmed. */
static char *
normalise_allow (const char *allow)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) list = g_ptr_array_new ();

  g_assert_nonnull (allow);
  parts = g_strsplit (allow, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    g_ptr_array_add (list, g_strstrip (parts[i]));
  g_ptr_array_sort (list, compare_strings);
  g_ptr_array_add (list, NULL);
  return g_strjoinv (",", (char **) list->pdata);
}

static void
test_method_not_allowed (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  static const struct {
    const char *method;
    const char *path;
    const char *allow;   /* sorted, comma-separated */
  } cases[] = {
    { "DELETE", "/api/login", "POST" },
    { "GET", "/api/login", "POST" },
    { "PUT", "/api/login", "POST" },
    { "PUT", "/api/profile", "GET,PATCH" },
    { "DELETE", "/api/profile", "GET,PATCH" },
    { "POST", "/api/profile", "GET,PATCH" },
    { "GET", "/api/register", "POST" },
    { "GET", "/api/token/refresh", "POST" },
    { "GET", "/api/logout", "POST" },
    { "POST", "/healthz", "GET" },
    { "DELETE", "/api/admin/users", "GET,POST" },
    { "PUT", "/api/admin/users", "GET,POST" },
    { "DELETE", "/api/admin/users/2", "GET,PATCH" },
    { "POST", "/api/admin/users/2", "GET,PATCH" },
    { "OPTIONS", "/api/profile", "GET,PATCH" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      for (guint with_token = 0; with_token < 2; with_token++)
        {
          g_autoptr(SlTestResponse) resp =
            sl_test_request (ts, cases[i].method, cases[i].path,
                             with_token ? admin : NULL, NULL);
          g_autofree char *allow = NULL;
          g_autofree char *got = NULL, *want = NULL;

          got = g_strdup_printf ("%s %s -> %u %s", cases[i].method, cases[i].path,
                                 resp->status, sl_test_response_error (resp));
          want = g_strdup_printf ("%s %s -> 405 method_not_allowed", cases[i].method,
                                  cases[i].path);
          g_assert_cmpstr (got, ==, want);
          assert_error (resp, 405, "method_not_allowed");
          allow = normalise_allow (soup_message_headers_get_one (resp->headers, "Allow"));
          g_assert_cmpstr (allow, ==, cases[i].allow);
        }
    }

  /* A body on a 405 changes nothing: still no account made. */
  {
    g_autoptr(SlTestResponse) resp =
      sl_test_request (ts, "PUT", "/api/register", NULL,
                       "{\"username\":\"viaput\",\"password\":\"longenough1\"}");

    assert_error (resp, 405, "method_not_allowed");
    g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  }

  sl_test_server_free (ts);
}

static void
test_healthz (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);
  JsonObject *object;

  g_assert_cmpuint (resp->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (resp->headers, NULL),
                   ==, "application/json");
  object = sl_test_response_object (resp);
  g_assert_cmpstr (json_object_get_string_member (object, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (object, "store"), ==, dialect);
  g_assert_false (json_object_has_member (object, "error"));

  sl_test_server_free (ts);
}

/* ---- 413 and 415 -------------------------------------------------------- */

static SlTestServer *
small_body_server (const char *dialect)
{
  SlConfig *config = sl_test_config_new ();

  config->max_body_size = MAX_BODY;
  return sl_test_server_new (dialect, config);
}

/* @json padded with spaces (still the same JSON) to @length bytes. */
static char *
padded (const char *json,
        gsize       length)
{
  gsize len = strlen (json);
  char *out;

  g_assert_cmpuint (length, >=, len);
  out = g_malloc (length + 1);
  memcpy (out, json, len);
  memset (out + len, ' ', length - len);
  out[length] = '\0';
  return out;
}

static void
assert_cannot_log_in (SlTestServer *ts,
                      const char   *username,
                      const char   *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/login", NULL, body);

  assert_error (resp, 401, "invalid_credentials");
}

static void
test_payload_too_large (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = small_body_server (dialect);
  const char *login = "{\"username\":\"student\",\"password\":\"student123\"}";
  const char *signup = "{\"username\":\"bigbody\",\"password\":\"longenough1\"}";

  /* A valid sign-in, padded past the limit with a Content-Length. */
  {
    g_autofree char *body = padded (login, MAX_BODY + 1);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/login", NULL, body);

    assert_error (resp, 413, "payload_too_large");
    g_assert_false (json_object_has_member (sl_test_response_object (resp), "access_token"));
  }
  /* A much larger one. */
  {
    g_autofree char *body = padded (signup, 64 * 1024);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/register", NULL, body);

    assert_error (resp, 413, "payload_too_large");
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);

  /* The server still answers, on a new request. */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }

  /* Exactly at the limit is fine. */
  {
    g_autofree char *body = padded (login, MAX_BODY);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/login", NULL, body);

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_nonnull (json_object_get_string_member (sl_test_response_object (resp),
                                                     "access_token"));
  }

  sl_test_server_free (ts);
}

static void
test_payload_too_large_chunked (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = small_body_server (dialect);
  const char *signup = "{\"username\":\"chunky\",\"password\":\"longenough1\"}";

  /* Over the limit, with no length announced. */
  {
    g_autofree char *body = padded (signup, MAX_BODY + 1);
    g_autoptr(SlTestResponse) resp =
      request_chunked (ts, "POST", "/api/register", body, strlen (body));

    assert_error (resp, 413, "payload_too_large");
  }
  {
    g_autofree char *body = padded (signup, 256 * 1024);
    g_autoptr(SlTestResponse) resp =
      request_chunked (ts, "POST", "/api/register", body, strlen (body));

    assert_error (resp, 413, "payload_too_large");
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  assert_cannot_log_in (ts, "chunky", "longenough1");

  /* The server still answers. */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }

  /* A chunked body within the limit is read and served. */
  {
    g_autofree char *body = padded (signup, MAX_BODY);
    g_autoptr(SlTestResponse) resp =
      request_chunked (ts, "POST", "/api/register", body, strlen (body));
    JsonObject *user;

    g_assert_cmpuint (resp->status, ==, 201);
    user = json_object_get_object_member (sl_test_response_object (resp), "user");
    g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "chunky");
  }
  g_assert_cmpint (sl_test_count_users (ts), ==, 4);

  sl_test_server_free (ts);
}

static void
test_unsupported_media_type (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  const char *login = "{\"username\":\"student\",\"password\":\"student123\"}";
  const char *signup = "{\"username\":\"plaintext\",\"password\":\"longenough1\"}";
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  const char *refused[] = {
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/jsonp",
    "text/json",
    NULL,
  };

  for (guint i = 0; refused[i] != NULL; i++)
    {
      g_autoptr(SlTestResponse) resp =
        sl_test_request_full (ts, "POST", "/api/login", NULL, refused[i], login, strlen (login));
      g_autofree char *got = g_strdup_printf ("%s -> %u %s", refused[i], resp->status,
                                              sl_test_response_error (resp));
      g_autofree char *want = g_strdup_printf ("%s -> 415 unsupported_media_type", refused[i]);

      g_assert_cmpstr (got, ==, want);
      assert_error (resp, 415, "unsupported_media_type");
    }

  /* Nothing is made from a refused body. */
  {
    g_autoptr(SlTestResponse) resp =
      sl_test_request_full (ts, "POST", "/api/register", NULL, "text/plain", signup, strlen (signup));

    assert_error (resp, 415, "unsupported_media_type");
    g_assert_cmpint (sl_test_count_users (ts), ==, 3);
  }
  {
    const char *rename = "{\"display_name\":\"Plain Text\"}";
    g_autoptr(SlTestResponse) resp =
      sl_test_request_full (ts, "PATCH", "/api/profile", student, "text/plain",
                            rename, strlen (rename));
    g_autoptr(JsonObject) user = NULL;

    assert_error (resp, 415, "unsupported_media_type");
    user = get_profile (ts, student);
    g_assert_cmpstr (json_object_get_string_member (user, "display_name"), !=, "Plain Text");
  }

  /* JSON, with a charset or in capitals, is JSON. */
  {
    g_autoptr(SlTestResponse) resp =
      sl_test_request_full (ts, "POST", "/api/login", NULL, "application/json; charset=utf-8",
                            login, strlen (login));

    g_assert_cmpuint (resp->status, ==, 200);
  }
  {
    g_autoptr(SlTestResponse) resp =
      sl_test_request_full (ts, "POST", "/api/login", NULL, "Application/JSON", login, strlen (login));

    g_assert_cmpuint (resp->status, ==, 200);
  }

  sl_test_server_free (ts);
}

/* ---- bad input ---------------------------------------------------------- */

typedef enum {
  AS_ANONYMOUS,
  AS_STUDENT,
  AS_ADMIN,
} As;

typedef struct {
  const char *name;
  const char *body;       /* expanded (see expand()) unless @length */
  gsize       length;     /* for bodies with a NUL byte; 0: strlen */
  guint       status;
  const char *code;       /* NULL: success */
  const char *field;      /* the field the error names, or NULL */
} BadInput;

#define RAW(s) s, sizeof (s) - 1
#define TXT(s) s, 0

#define PW "\"password\":\"longenough1\""

static const BadInput register_rows[] = {
  { "malformed", TXT ("{\"username\":"), 400, "invalid_json", NULL },
  { "trailing-comma", TXT ("{\"username\":\"newuser\"," PW ",}"), 400, "invalid_json", NULL },
  { "empty", TXT (""), 400, "invalid_json", NULL },
  { "whitespace-only", TXT ("   \n"), 400, "invalid_json", NULL },
  { "array", TXT ("[{\"username\":\"newuser\"," PW "}]"), 400, "invalid_json", NULL },
  { "string", TXT ("\"newuser\""), 400, "invalid_json", NULL },
  { "number", TXT ("42"), 400, "invalid_json", NULL },
  { "null", TXT ("null"), 400, "invalid_json", NULL },
  { "two-objects", TXT ("{\"username\":\"newuser\"," PW "}{\"role\":\"admin\"}"), 400, "invalid_json", NULL },
  { "object-then-array", TXT ("{\"username\":\"newuser\"," PW "}[]"), 400, "invalid_json", NULL },
  { "comment", TXT ("{/* hi */\"username\":\"newuser\"," PW "}"), 400, "invalid_json", NULL },
  { "single-quotes", TXT ("{'username':'newuser'," PW "}"), 400, "invalid_json", NULL },
  { "unknown-escape", TXT ("{\"username\":\"new\\quser\"," PW "}"), 400, "invalid_json", NULL },
  { "nan", TXT ("{\"username\":NaN," PW "}"), 400, "invalid_json", NULL },
  { "deep-nesting", TXT ("{\"username\":\"newuser\"," PW ",\"x\":{[40}{]40}}"), 400, "invalid_json", NULL },
  { "very-deep-nesting", TXT ("{\"username\":\"newuser\"," PW ",\"x\":{[200000}{]200000}}"), 400, "invalid_json", NULL },
  { "unclosed-deep-nesting", TXT ("{[200000}"), 400, "invalid_json", NULL },
  { "username-number", TXT ("{\"username\":5," PW "}"), 400, "invalid_field", "username" },
  { "username-null", TXT ("{\"username\":null," PW "}"), 400, "invalid_field", "username" },
  { "password-bool", TXT ("{\"username\":\"newuser\",\"password\":true}"), 400, "invalid_field", "password" },
  { "display-name-object", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":{}}"), 400, "invalid_field", "display_name" },
  { "display-name-array", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":[\"a\"]}"), 400, "invalid_field", "display_name" },
  { "missing-username", TXT ("{" PW "}"), 400, "missing_field", "username" },
  { "missing-password", TXT ("{\"username\":\"newuser\"}"), 400, "missing_field", "password" },
  { "empty-object", TXT ("{}"), 400, "missing_field", "username" },
  { "unknown-field-role", TXT ("{\"username\":\"newuser\"," PW ",\"role\":\"admin\"}"), 400, "invalid_field", "role" },
  { "unknown-field-disabled", TXT ("{\"username\":\"newuser\"," PW ",\"disabled\":false}"), 400, "invalid_field", "disabled" },
  { "username-65", TXT ("{\"username\":\"{A65}\"," PW "}"), 400, "invalid_field", "username" },
  { "username-2", TXT ("{\"username\":\"ab\"," PW "}"), 400, "invalid_field", "username" },
  { "display-name-101", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"{A101}\"}"), 400, "invalid_field", "display_name" },
  { "display-name-empty", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"\"}"), 400, "invalid_field", "display_name" },
  { "display-name-blank", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"   \"}"), 400, "invalid_field", "display_name" },
  { "password-1025", TXT ("{\"username\":\"newuser\",\"password\":\"{A1025}\"}"), 400, "invalid_field", "password" },
  { "password-7", TXT ("{\"username\":\"newuser\",\"password\":\"abcdefg\"}"), 400, "invalid_field", "password" },
  { "invalid-utf8", RAW ("{\"username\":\"new\xff\xfeuser\"," PW "}"), 400, "invalid_json", NULL },
  { "overlong-utf8", RAW ("{\"username\":\"new\xc0\xafuser\"," PW "}"), 400, "invalid_json", NULL },
  { "raw-nul", RAW ("{\"username\":\"new\0user\"," PW "}"), 400, "invalid_json", NULL },
  { "escaped-nul", TXT ("{\"username\":\"new\\u0000user\"," PW "}"), 400, "invalid_json", NULL },
  { "escaped-nul-in-name", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"x\\u0000y\"}"), 400, "invalid_json", NULL },
  { "sql-username", TXT ("{\"username\":\"a'; DROP TABLE users; --\"," PW "}"), 400, "invalid_field", "username" },
  { "sql-username-quote", TXT ("{\"username\":\"student' --\"," PW "}"), 400, "invalid_field", "username" },
  { "username-non-ascii", TXT ("{\"username\":\"\xc3\xa9l\xc3\xa8ve\"," PW "}"), 400, "invalid_field", "username" },
  { "username-control", TXT ("{\"username\":\"new\\u0007user\"," PW "}"), 400, "invalid_field", "username" },
  { "display-name-control", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\u0001b\"}"), 400, "invalid_field", "display_name" },
  { "display-name-escape", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\u001b[31mb\"}"), 400, "invalid_field", "display_name" },
  { "display-name-del", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\x7f" "b\"}"), 400, "invalid_field", "display_name" },
  { "password-control", TXT ("{\"username\":\"newuser\",\"password\":\"longenough\\u00021\"}"), 400, "invalid_field", "password" },
  { "lone-surrogate-display-name", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\ud800b\"}"), 400, "invalid_json", NULL },
  { "lone-surrogate-password", TXT ("{\"username\":\"newuser\",\"password\":\"longenough\\ud800b\"}"), 400, "invalid_json", NULL },
  { "low-surrogate-alone", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\udc00\"}"), 400, "invalid_json", NULL },
  { "taken", TXT ("{\"username\":\"student\"," PW "}"), 409, "username_taken", NULL },
  { "taken-other-case", TXT ("{\"username\":\"StUdEnT\"," PW "}"), 409, "username_taken", NULL },
  /* Accepted: SQL in a display name is only text. */
  { "sql-display-name", TXT ("{\"username\":\"bobby.tables\"," PW ",\"display_name\":\"Robert'); DROP TABLE users;-- \\\"x\\\" \\\\ %_*\"}"), 201, NULL, NULL },
};

static const BadInput login_rows[] = {
  { "malformed", TXT ("{\"username\":\"student\",\"password\":"), 400, "invalid_json", NULL },
  { "empty", TXT (""), 400, "invalid_json", NULL },
  { "array", TXT ("[\"student\",\"student123\"]"), 400, "invalid_json", NULL },
  { "string", TXT ("\"student\""), 400, "invalid_json", NULL },
  { "number", TXT ("1"), 400, "invalid_json", NULL },
  { "username-number", TXT ("{\"username\":5,\"password\":\"student123\"}"), 400, "invalid_field", "username" },
  { "password-bool", TXT ("{\"username\":\"student\",\"password\":true}"), 400, "invalid_field", "password" },
  { "password-object", TXT ("{\"username\":\"student\",\"password\":{}}"), 400, "invalid_field", "password" },
  { "missing-password", TXT ("{\"username\":\"student\"}"), 400, "missing_field", "password" },
  { "missing-username", TXT ("{\"password\":\"student123\"}"), 400, "missing_field", "username" },
  { "unknown-field", TXT ("{\"username\":\"student\",\"password\":\"student123\",\"remember\":true}"), 400, "invalid_field", "remember" },
  { "username-65", TXT ("{\"username\":\"{A65}\",\"password\":\"student123\"}"), 400, "invalid_field", "username" },
  { "password-1025", TXT ("{\"username\":\"student\",\"password\":\"{A1025}\"}"), 400, "invalid_field", "password" },
  { "password-empty", TXT ("{\"username\":\"student\",\"password\":\"\"}"), 400, "invalid_field", "password" },
  { "invalid-utf8", RAW ("{\"username\":\"stud\xff" "ent\",\"password\":\"student123\"}"), 400, "invalid_json", NULL },
  { "raw-nul", RAW ("{\"username\":\"student\",\"password\":\"student123\0\"}"), 400, "invalid_json", NULL },
  { "escaped-nul", TXT ("{\"username\":\"student\\u0000\",\"password\":\"student123\"}"), 400, "invalid_json", NULL },
  { "control", TXT ("{\"username\":\"stu\\u0001dent\",\"password\":\"student123\"}"), 400, "invalid_field", "username" },
  /* Well-formed but wrong: the same answer as any wrong password. */
  { "sql-username", TXT ("{\"username\":\"a'; DROP TABLE users; --\",\"password\":\"student123\"}"), 401, "invalid_credentials", NULL },
  { "sql-or-true", TXT ("{\"username\":\"student' OR '1'='1\",\"password\":\"x' OR '1'='1\"}"), 401, "invalid_credentials", NULL },
  { "password-7", TXT ("{\"username\":\"nobody\",\"password\":\"abcdefg\"}"), 401, "invalid_credentials", NULL },
};

static const BadInput profile_rows[] = {
  { "malformed", TXT ("{\"display_name\":"), 400, "invalid_json", NULL },
  { "empty", TXT (""), 400, "invalid_json", NULL },
  { "array", TXT ("[]"), 400, "invalid_json", NULL },
  { "string", TXT ("\"Name\""), 400, "invalid_json", NULL },
  { "number", TXT ("3.5"), 400, "invalid_json", NULL },
  { "nothing", TXT ("{}"), 400, "nothing_to_change", NULL },
  { "display-name-number", TXT ("{\"display_name\":5}"), 400, "invalid_field", "display_name" },
  { "display-name-object", TXT ("{\"display_name\":{}}"), 400, "invalid_field", "display_name" },
  { "display-name-null", TXT ("{\"display_name\":null}"), 400, "invalid_field", "display_name" },
  { "display-name-empty", TXT ("{\"display_name\":\"\"}"), 400, "invalid_field", "display_name" },
  { "display-name-blank", TXT ("{\"display_name\":\" \\t \"}"), 400, "invalid_field", "display_name" },
  { "display-name-101", TXT ("{\"display_name\":\"{A101}\"}"), 400, "invalid_field", "display_name" },
  { "unknown-role", TXT ("{\"role\":\"admin\"}"), 400, "invalid_field", "role" },
  { "unknown-username", TXT ("{\"display_name\":\"New\",\"username\":\"admin\"}"), 400, "invalid_field", "username" },
  { "unknown-disabled", TXT ("{\"disabled\":false}"), 400, "invalid_field", "disabled" },
  { "new-password-alone", TXT ("{\"new_password\":\"longenough1\"}"), 400, "missing_field", "current_password" },
  { "new-password-7", TXT ("{\"current_password\":\"student123\",\"new_password\":\"abcdefg\"}"), 400, "invalid_field", "new_password" },
  { "new-password-1025", TXT ("{\"current_password\":\"student123\",\"new_password\":\"{A1025}\"}"), 400, "invalid_field", "new_password" },
  { "new-password-bool", TXT ("{\"current_password\":\"student123\",\"new_password\":true}"), 400, "invalid_field", "new_password" },
  { "current-password-1025", TXT ("{\"current_password\":\"{A1025}\",\"new_password\":\"longenough1\"}"), 400, "invalid_field", "current_password" },
  { "wrong-current-password", TXT ("{\"current_password\":\"student124\",\"new_password\":\"longenough1\"}"), 403, "wrong_password", "current_password" },
  { "invalid-utf8", RAW ("{\"display_name\":\"\xed\xa0\x80\"}"), 400, "invalid_json", NULL },
  { "raw-nul", RAW ("{\"display_name\":\"a\0b\"}"), 400, "invalid_json", NULL },
  { "escaped-nul", TXT ("{\"display_name\":\"a\\u0000b\"}"), 400, "invalid_json", NULL },
  { "escaped-nul-upper", TXT ("{\"display_name\":\"a\\U0000b\"}"), 400, "invalid_json", NULL },
  { "control", TXT ("{\"display_name\":\"a\\u0008b\"}"), 400, "invalid_field", "display_name" },
  { "two-objects", TXT ("{\"display_name\":\"Twice\"}{}"), 400, "invalid_json", NULL },
  { "lone-surrogate", TXT ("{\"display_name\":\"a\\ud800b\"}"), 400, "invalid_json", NULL },
  { "sql-display-name", TXT ("{\"display_name\":\"x'); UPDATE users SET role='admin'; --\"}"), 200, NULL, NULL },
  { "unicode-display-name", TXT ("{\"display_name\":\"Zo\xc3\xab \xe5\xad\xa6\xe7\x94\x9f \xf0\x9f\x8e\x93\"}"), 200, NULL, NULL },
};

static const BadInput admin_create_rows[] = {
  { "malformed", TXT ("{"), 400, "invalid_json", NULL },
  { "empty", TXT (""), 400, "invalid_json", NULL },
  { "array", TXT ("[]"), 400, "invalid_json", NULL },
  { "string", TXT ("\"teacher2\""), 400, "invalid_json", NULL },
  { "number", TXT ("-0"), 400, "invalid_json", NULL },
  { "username-number", TXT ("{\"username\":5," PW "}"), 400, "invalid_field", "username" },
  { "password-bool", TXT ("{\"username\":\"newuser\",\"password\":true}"), 400, "invalid_field", "password" },
  { "display-name-object", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":{}}"), 400, "invalid_field", "display_name" },
  { "role-number", TXT ("{\"username\":\"newuser\"," PW ",\"role\":3}"), 400, "invalid_field", "role" },
  { "role-unknown", TXT ("{\"username\":\"newuser\"," PW ",\"role\":\"superuser\"}"), 400, "invalid_field", "role" },
  { "role-capitals", TXT ("{\"username\":\"newuser\"," PW ",\"role\":\"Admin\"}"), 400, "invalid_field", "role" },
  { "missing-username", TXT ("{" PW ",\"role\":\"teacher\"}"), 400, "missing_field", "username" },
  { "missing-password", TXT ("{\"username\":\"newuser\",\"role\":\"teacher\"}"), 400, "missing_field", "password" },
  { "unknown-field", TXT ("{\"username\":\"newuser\"," PW ",\"disabled\":true}"), 400, "invalid_field", "disabled" },
  { "username-65", TXT ("{\"username\":\"{A65}\"," PW "}"), 400, "invalid_field", "username" },
  { "display-name-101", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"{A101}\"}"), 400, "invalid_field", "display_name" },
  { "password-1025", TXT ("{\"username\":\"newuser\",\"password\":\"{A1025}\"}"), 400, "invalid_field", "password" },
  { "password-7", TXT ("{\"username\":\"newuser\",\"password\":\"abcdefg\"}"), 400, "invalid_field", "password" },
  { "invalid-utf8", RAW ("{\"username\":\"newuser\"," PW ",\"display_name\":\"\x80\"}"), 400, "invalid_json", NULL },
  { "raw-nul", RAW ("{\"username\":\"newuser\0\"," PW "}"), 400, "invalid_json", NULL },
  { "escaped-nul", TXT ("{\"username\":\"newuser\"," PW ",\"role\":\"admin\\u0000\"}"), 400, "invalid_json", NULL },
  { "sql-username", TXT ("{\"username\":\"a'; DROP TABLE users; --\"," PW "}"), 400, "invalid_field", "username" },
  { "control", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\u001fb\"}"), 400, "invalid_field", "display_name" },
  { "two-objects", TXT ("{\"username\":\"newuser\"," PW "}{}"), 400, "invalid_json", NULL },
  { "lone-surrogate", TXT ("{\"username\":\"newuser\"," PW ",\"display_name\":\"a\\ud800b\"}"), 400, "invalid_json", NULL },
  { "taken", TXT ("{\"username\":\"Teacher\"," PW ",\"role\":\"admin\"}"), 409, "username_taken", NULL },
  { "sql-display-name", TXT ("{\"username\":\"o.brien\"," PW ",\"display_name\":\"O'Brien\\\"; DELETE FROM users WHERE '1'='1\"}"), 201, NULL, NULL },
};

typedef struct {
  const char     *dialect;
  const char     *method;
  const char     *path;
  As              as;
  const BadInput *rows;
  gsize           n_rows;
} BadInputTable;

/* The expected display_name of a row that succeeds: the one it sent. */
static char *
sent_display_name (const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  return g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                  "display_name"));
}

static void
test_bad_input (gconstpointer data)
{
  const BadInputTable *table = data;
  SlTestServer *ts = sl_test_server_new (table->dialect, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *snapshot = users_snapshot (ts, admin);
  gint64 count = sl_test_count_users (ts);
  const char *token = table->as == AS_ADMIN ? admin : table->as == AS_STUDENT ? student : NULL;

  g_assert_cmpint (count, ==, 3);

  for (gsize i = 0; i < table->n_rows; i++)
    {
      const BadInput *row = &table->rows[i];
      g_autofree char *body = row->length ? g_memdup2 (row->body, row->length) : expand (row->body);
      gsize length = row->length ? row->length : strlen (body);
      g_autoptr(SlTestResponse) resp =
        sl_test_request_full (ts, table->method, table->path, token, "application/json",
                              body, length);
      g_autofree char *got = NULL, *want = NULL;

      g_test_message ("%s %s: %s", table->method, table->path, row->name);
      got = g_strdup_printf ("%s -> %u %s", row->name, resp->status,
                             row->code ? sl_test_response_error (resp) : "ok");
      want = g_strdup_printf ("%s -> %u %s", row->name, row->status, row->code ? row->code : "ok");
      g_assert_cmpstr (got, ==, want);

      if (row->code != NULL)
        {
          g_autofree char *after = NULL;
          const char *field = error_field (resp);

          assert_error (resp, row->status, row->code);
          if (row->field != NULL)
            {
              /* Named in "field", and in the message for people. */
              g_autofree char *got_field = g_strdup_printf ("%s -> field %s", row->name, field);
              g_autofree char *want_field = g_strdup_printf ("%s -> field %s", row->name, row->field);

              g_assert_cmpstr (got_field, ==, want_field);
              g_assert_nonnull (strstr (error_message (resp), row->field));
            }
          /* Nothing was made or changed. */
          g_assert_cmpint (sl_test_count_users (ts), ==, count);
          after = users_snapshot (ts, admin);
          g_assert_cmpstr (after, ==, snapshot);
        }
      else
        {
          /* Accepted verbatim, and read back the same. */
          g_autofree char *expected = sent_display_name (body);
          JsonObject *object = sl_test_response_object (resp);
          JsonObject *user = json_object_get_object_member (object, "user");
          g_autoptr(SlTestResponse) again = NULL;
          g_autofree char *path = NULL;
          JsonObject *stored;

          g_assert_nonnull (user);
          g_assert_cmpstr (json_object_get_string_member (user, "display_name"), ==, expected);
          path = g_strdup_printf ("/api/admin/users/%" G_GINT64_FORMAT,
                                  json_object_get_int_member (user, "id"));
          again = sl_test_request (ts, "GET", path, admin, NULL);
          g_assert_cmpuint (again->status, ==, 200);
          stored = json_object_get_object_member (sl_test_response_object (again), "user");
          g_assert_cmpstr (json_object_get_string_member (stored, "display_name"), ==, expected);
          g_assert_cmpstr (json_object_get_string_member (stored, "role"), ==,
                           table->as == AS_STUDENT ? "student" :
                           json_object_get_string_member (user, "role"));

          count = sl_test_count_users (ts);
          g_free (snapshot);
          snapshot = users_snapshot (ts, admin);
        }
    }

  /* Whatever came in, the demo accounts still sign in as before, with
   * their roles, and the users table is still there. */
  {
    static const char * const accounts[][3] = {
      { "admin", "admin123", "admin" },
      { "teacher", "teacher123", "teacher" },
      { "student", "student123", "student" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (accounts); i++)
      {
        g_autofree char *token2 = sl_test_login (ts, accounts[i][0], accounts[i][1], NULL);
        g_autoptr(JsonObject) user = get_profile (ts, token2);

        g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, accounts[i][0]);
        g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, accounts[i][2]);
      }
    g_assert_cmpint (sl_test_count_users (ts), >=, 3);
  }

  sl_test_server_free (ts);
}

/* ---- forged and broken tokens ------------------------------------------- */

typedef struct {
  char       *name;
  char       *authorization;   /* the whole header value; NULL: none */
  const char *code;
} TokenRow;

static void
token_row_free (TokenRow *row)
{
  g_free (row->name);
  g_free (row->authorization);
  g_free (row);
}

static void
add_row (GPtrArray  *rows,
         const char *name,
         const char *code,
         char       *authorization)
{
  TokenRow *row = g_new0 (TokenRow, 1);

  row->name = g_strdup (name);
  row->authorization = authorization;
  row->code = code;
  g_ptr_array_add (rows, row);
}

static char *
bearer (const char *token)
{
  return g_strconcat ("Bearer ", token, NULL);
}

static void
assert_unauthorized (SlTestResponse *resp,
                     const char     *name,
                     const char     *code)
{
  g_autofree char *got = g_strdup_printf ("%s -> %u %s", name, resp->status,
                                          sl_test_response_error (resp));
  g_autofree char *want = g_strdup_printf ("%s -> 401 %s", name, code);
  const char *challenge;

  g_assert_cmpstr (got, ==, want);
  assert_error (resp, 401, code);
  challenge = soup_message_headers_get_one (resp->headers, "WWW-Authenticate");
  g_assert_nonnull (challenge);
  g_assert_true (g_str_has_prefix (challenge, "Bearer"));
}

static void
test_tokens (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
  g_autoptr(JsonObject) me = get_profile (ts, token);
  gint64 id = json_object_get_int_member (me, "id");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  const char *secret = SL_TEST_JWT_SECRET;
  const char *other_secret = "another-secret-that-is-long-enough-0123456789";
  g_autoptr(SlJwt) right = sl_jwt_new ((const guint8 *) secret, strlen (secret),
                                       "streamlet", "streamlet");
  g_autoptr(SlJwt) other_key = sl_jwt_new ((const guint8 *) other_secret, strlen (other_secret),
                                           "streamlet", "streamlet");
  g_autoptr(SlJwt) other_iss = sl_jwt_new ((const guint8 *) secret, strlen (secret),
                                           "someone-else", "streamlet");
  g_autoptr(SlJwt) other_aud = sl_jwt_new ((const guint8 *) secret, strlen (secret),
                                           "streamlet", "someone-else");
  g_autofree char *signature = signature_of (token);
  g_autofree char *good_payload = payload_json (id, "student", now, NULL);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) token_row_free);

  /* Controls: the real token, the scheme in lower case, and tokens made
   * here (by sl-jwt and by hand) work, so the rows below fail for the
   * one thing each changes. */
  {
    g_autofree char *lower = g_strconcat ("bearer ", token, NULL);
    g_autofree char *made = sl_jwt_sign (right, id, SL_ROLE_STUDENT, "any-session", now, 600);
    g_autofree char *by_hand = forge (GOOD_HEADER, good_payload, secret);
    const char *controls[] = { token, NULL, made, by_hand };

    for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
      {
        g_autofree char *header = controls[i] ? bearer (controls[i]) : g_strdup (lower);
        g_autoptr(SlTestResponse) resp =
          request_with_authorization (ts, "GET", "/api/profile", header);
        JsonObject *user;

        g_assert_cmpuint (resp->status, ==, 200);
        user = json_object_get_object_member (sl_test_response_object (resp), "user");
        g_assert_cmpint (json_object_get_int_member (user, "id"), ==, id);
        g_assert_cmpstr (json_object_get_string_member (user, "username"), ==, "student");
      }
  }

  add_row (rows, "no-header", "unauthorized", NULL);
  add_row (rows, "garbage", "invalid_token", bearer ("not-a-token"));
  add_row (rows, "empty", "unauthorized", g_strdup ("Bearer "));
  add_row (rows, "bearer-alone", "unauthorized", g_strdup ("Bearer"));
  add_row (rows, "basic", "unauthorized", g_strdup ("Basic YWRtaW46YWRtaW4xMjM="));
  add_row (rows, "token-without-scheme", "unauthorized", g_strdup (token));
  add_row (rows, "dots-only", "invalid_token", bearer (".."));
  {
    g_autofree char *none = b64url_str ("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    g_autofree char *payload = b64url_str (good_payload);

    add_row (rows, "alg-none-unsigned", "invalid_token",
             g_strdup_printf ("Bearer %s.%s.", none, payload));
    add_row (rows, "alg-none-two-parts", "invalid_token",
             g_strdup_printf ("Bearer %s.%s", none, payload));
  }
  {
    g_autofree char *t = with_header (token, "{\"alg\":\"none\",\"typ\":\"JWT\"}");

    add_row (rows, "alg-none-original-signature", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = with_header (token, "{\"alg\":\"HS512\",\"typ\":\"JWT\"}");

    add_row (rows, "hs512-header", "invalid_token", bearer (t));
  }
  {
    /* Correctly signed with HMAC-SHA256 over the changed header. */
    g_autofree char *t = forge ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}", good_payload, secret);

    add_row (rows, "hs512-header-resigned", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = with_header (token, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}");

    add_row (rows, "rs256-header", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = forge ("{\"alg\":\"hs256\",\"typ\":\"JWT\"}", good_payload, secret);

    add_row (rows, "alg-lower-case", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = forge ("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}",
                                good_payload, secret);

    add_row (rows, "crit-header", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = sl_jwt_sign (other_key, id, SL_ROLE_STUDENT, "s", now, 600);

    add_row (rows, "other-secret", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = sl_jwt_sign (other_key, id, SL_ROLE_ADMIN, "s", now, 600);

    add_row (rows, "other-secret-admin", "invalid_token", bearer (t));
  }
  {
    /* role -> admin, the signature kept. */
    g_autofree char *payload = token_payload (token);
    g_autofree char *escalated = NULL;
    g_autofree char *header = g_strndup (token, strchr (token, '.') - token);
    g_autofree char *encoded = NULL;
    char *found = strstr (payload, "\"role\":\"student\"");

    g_assert_nonnull (found);
    escalated = g_strdup_printf ("%.*s\"role\":\"admin\"%s", (int) (found - payload), payload,
                                 found + strlen ("\"role\":\"student\""));
    encoded = b64url_str (escalated);
    add_row (rows, "payload-tampered-role", "invalid_token",
             g_strdup_printf ("Bearer %s.%s.%s", header, encoded, signature));
  }
  {
    g_autofree char *t = g_strdup (token);
    char *c = strrchr (t, '.') + 10;

    *c = *c == 'A' ? 'B' : 'A';
    add_row (rows, "signature-flipped", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = g_strndup (token, strlen (token) - 4);

    add_row (rows, "signature-truncated", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = g_strndup (token, strrchr (token, '.') - token + 1);

    add_row (rows, "signature-empty", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = g_strndup (token, strrchr (token, '.') - token);

    add_row (rows, "two-parts", "invalid_token", bearer (t));
  }
  add_row (rows, "four-parts", "invalid_token", g_strdup_printf ("Bearer %s.%s", token, signature));
  {
    g_autofree char *t = sl_jwt_sign (right, id, SL_ROLE_STUDENT, "s", now - 7200, 900);

    add_row (rows, "expired", "token_expired", bearer (t));
  }
  {
    g_autofree char *t = sl_jwt_sign (right, id, SL_ROLE_STUDENT, "s", now + 3600, 900);

    add_row (rows, "not-yet-valid", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = sl_jwt_sign (other_iss, id, SL_ROLE_STUDENT, "s", now, 600);

    add_row (rows, "wrong-issuer", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = sl_jwt_sign (other_aud, id, SL_ROLE_STUDENT, "s", now, 600);

    add_row (rows, "wrong-audience", "invalid_token", bearer (t));
  }
  add_row (rows, "trailing-garbage", "invalid_token", g_strdup_printf ("Bearer %sxyz", token));
  add_row (rows, "base64-padding", "invalid_token", g_strdup_printf ("Bearer %s=", token));
  {
    g_autofree char *payload = b64url_str (good_payload);
    g_autofree char *t = forge (GOOD_HEADER, good_payload, secret);
    g_autofree char *padded_token = NULL;
    gsize header_len = strchr (t, '.') - t;

    /* "=" padding on the header, the signature still over the unpadded form. */
    padded_token = g_strdup_printf ("%.*s==%s", (int) header_len, t, t + header_len);
    add_row (rows, "header-padding", "invalid_token", bearer (padded_token));
  }
  {
    GString *t = g_string_new (token);

    while (t->len < 5000)
      g_string_append_c (t, 'A');
    add_row (rows, "over-long", "invalid_token", g_strdup_printf ("Bearer %s", t->str));
    g_string_free (t, TRUE);
  }
  {
    g_autofree char *t = g_strdup_printf ("%.*s %s", 20, token, token + 20);

    add_row (rows, "space-inside", "invalid_token", bearer (t));
  }
  {
    g_autofree char *t = g_ascii_strup (token, -1);

    add_row (rows, "upper-cased", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = payload_json (id, "student", now, "\"typ\":\"refresh\",");
    g_autofree char *fixed = NULL;
    g_autofree char *t = NULL;

    /* The typ spliced in first is repeated: also make a clean one. */
    fixed = g_strdup_printf ("{\"iss\":\"streamlet\",\"aud\":\"streamlet\",\"sub\":\"%" G_GINT64_FORMAT "\","
                             "\"role\":\"student\",\"sid\":\"s\",\"typ\":\"refresh\","
                             "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                             id, now, now + 600);
    t = forge (GOOD_HEADER, fixed, secret);
    add_row (rows, "typ-refresh", "invalid_token", bearer (t));
    g_free (t);
    t = forge (GOOD_HEADER, p, secret);
    add_row (rows, "typ-repeated", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = payload_json (id, "student", now, "\"role\":\"admin\",");
    g_autofree char *t = forge (GOOD_HEADER, p, secret);

    add_row (rows, "role-repeated", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = payload_json (id, "superuser", now, NULL);
    g_autofree char *t = forge (GOOD_HEADER, p, secret);

    add_row (rows, "role-unknown", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = g_strdup_printf ("{\"iss\":\"streamlet\",\"aud\":\"streamlet\",\"sub\":\"0\","
                                          "\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\","
                                          "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                          now, now + 600);
    g_autofree char *t = forge (GOOD_HEADER, p, secret);

    add_row (rows, "sub-zero", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = g_strdup_printf ("{\"iss\":\"streamlet\",\"aud\":\"streamlet\",\"sub\":\"%" G_GINT64_FORMAT "\","
                                          "\"role\":\"student\",\"typ\":\"access\","
                                          "\"iat\":%" G_GINT64_FORMAT ",\"exp\":%" G_GINT64_FORMAT "}",
                                          id, now, now + 600);
    g_autofree char *t = forge (GOOD_HEADER, p, secret);

    add_row (rows, "no-session", "invalid_token", bearer (t));
  }
  {
    g_autofree char *p = g_strdup_printf ("{\"iss\":\"streamlet\",\"aud\":\"streamlet\",\"sub\":\"%" G_GINT64_FORMAT "\","
                                          "\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\","
                                          "\"iat\":%" G_GINT64_FORMAT ",\"exp\":\"%" G_GINT64_FORMAT "\"}",
                                          id, now, now + 600);
    g_autofree char *t = forge (GOOD_HEADER, p, secret);

    add_row (rows, "exp-string", "invalid_token", bearer (t));
  }

  g_assert_cmpuint (rows->len, >=, 22);
  for (guint i = 0; i < rows->len; i++)
    {
      TokenRow *row = g_ptr_array_index (rows, i);
      g_autoptr(SlTestResponse) resp =
        request_with_authorization (ts, "GET", "/api/profile", row->authorization);

      g_test_message ("token row %s", row->name);
      assert_unauthorized (resp, row->name, row->code);
      g_assert_false (json_object_has_member (sl_test_response_object (resp), "user"));
    }

  /* The forgeries that claim admin get no further on an admin route. */
  for (guint i = 0; i < rows->len; i++)
    {
      TokenRow *row = g_ptr_array_index (rows, i);
      g_autoptr(SlTestResponse) resp = NULL;

      if (!g_str_has_prefix (row->name, "payload-tampered") &&
          !g_str_has_prefix (row->name, "role-") &&
          !g_str_has_prefix (row->name, "other-secret"))
        continue;
      resp = request_with_authorization (ts, "GET", "/api/admin/users", row->authorization);
      assert_unauthorized (resp, row->name, row->code);
      g_assert_false (json_object_has_member (sl_test_response_object (resp), "users"));
    }

  /* And the real one still works after all that. */
  {
    g_autoptr(JsonObject) again = get_profile (ts, token);

    g_assert_cmpint (json_object_get_int_member (again, "id"), ==, id);
  }

  sl_test_server_free (ts);
}

/* ---- who may do what ---------------------------------------------------- */

enum { PUBLIC, STUDENT, TEACHER, ADMIN };

static void
test_role_matrix (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  static const char * const names[] = { "anonymous", "student", "teacher", "admin" };
  char *tokens[4] = { NULL, };
  g_autofree char *student_path = NULL;
  /* The route table of sl-server.c, with a harmless body; logout last,
   * as it ends the sign-in. "{student}" is the student's own id. */
  static const struct {
    const char *method;
    const char *path;
    int         access;
    const char *body;
  } routes[] = {
    { "GET", "/healthz", PUBLIC, NULL },
    { "POST", "/api/register", PUBLIC, "{}" },
    { "POST", "/api/login", PUBLIC, "{}" },
    { "POST", "/api/token/refresh", PUBLIC, "{}" },
    { "GET", "/api/profile", STUDENT, NULL },
    { "PATCH", "/api/profile", STUDENT, "{}" },
    { "GET", "/api/admin/users", ADMIN, NULL },
    { "POST", "/api/admin/users", ADMIN, "{}" },
    { "GET", "/api/admin/users/{student}", ADMIN, NULL },
    { "PATCH", "/api/admin/users/{student}", ADMIN, "{}" },
    { "POST", "/api/logout", STUDENT, NULL },
  };

  tokens[STUDENT] = sl_test_login (ts, "student", "student123", NULL);
  tokens[TEACHER] = sl_test_login (ts, "teacher", "teacher123", NULL);
  tokens[ADMIN] = sl_test_login (ts, "admin", "admin123", NULL);
  {
    g_autoptr(JsonObject) user = get_profile (ts, tokens[STUDENT]);

    student_path = g_strdup_printf ("/api/admin/users/%" G_GINT64_FORMAT,
                                    json_object_get_int_member (user, "id"));
  }
  {
    g_autofree char *before = users_snapshot (ts, tokens[ADMIN]);

    for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
      {
        const char *path = g_str_has_suffix (routes[r].path, "{student}") ? student_path : routes[r].path;

        for (int who = PUBLIC; who <= ADMIN; who++)
          {
            g_autoptr(SlTestResponse) resp =
              sl_test_request (ts, routes[r].method, path, tokens[who], routes[r].body);
            const char *code = sl_test_response_error (resp);
            g_autofree char *what = g_strdup_printf ("%s %s as %s", routes[r].method, path, names[who]);
            g_autofree char *got = g_strdup_printf ("%s -> %u %s", what, resp->status, code);

            g_test_message ("%s", got);
            if (routes[r].access != PUBLIC && who == PUBLIC)
              {
                g_autofree char *want = g_strdup_printf ("%s -> 401 unauthorized", what);

                g_assert_cmpstr (got, ==, want);
                assert_error (resp, 401, "unauthorized");
                g_assert_nonnull (soup_message_headers_get_one (resp->headers, "WWW-Authenticate"));
              }
            else if (routes[r].access > who)
              {
                g_autofree char *want = g_strdup_printf ("%s -> 403 forbidden", what);

                g_assert_cmpstr (got, ==, want);
                assert_error (resp, 403, "forbidden");
              }
            else
              {
                /* Let through: whatever the handler says, the route is there
                 * and the caller is neither unknown nor refused. */
                if (resp->status == 401 || resp->status == 403 || resp->status == 404 ||
                    resp->status == 405 || resp->status >= 500)
                  g_error ("%s: let through expected, got %s", what, got);
                g_assert_cmpuint (resp->status, <, 500);
              }
          }
      }

    /* The students' and teachers' tries changed nothing (the admin's login
     * ended with its logout: sign in again to look). */
    {
      g_autofree char *admin_again = sl_test_login (ts, "admin", "admin123", NULL);
      g_autofree char *after = users_snapshot (ts, admin_again);

      g_assert_cmpstr (after, ==, before);
      g_assert_cmpint (sl_test_count_users (ts), ==, 3);
    }
  }

  /* Refused before the body is read: even a bad body gets 403, and a real
   * one does nothing. */
  for (int who = STUDENT; who <= TEACHER; who++)
    {
      g_autofree char *fresh = sl_test_login (ts, who == STUDENT ? "student" : "teacher",
                                              who == STUDENT ? "student123" : "teacher123", NULL);
      g_autoptr(SlTestResponse) bad = sl_test_request (ts, "POST", "/api/admin/users", fresh, "not json");
      g_autoptr(SlTestResponse) real =
        sl_test_request (ts, "POST", "/api/admin/users", fresh,
                         "{\"username\":\"sneaky\",\"password\":\"longenough1\",\"role\":\"admin\"}");
      g_autoptr(SlTestResponse) promote =
        sl_test_request (ts, "PATCH", student_path, fresh, "{\"role\":\"admin\"}");

      assert_error (bad, 403, "forbidden");
      assert_error (real, 403, "forbidden");
      assert_error (promote, 403, "forbidden");
      g_assert_cmpint (sl_test_count_users (ts), ==, 3);
    }
  {
    g_autofree char *admin_again = sl_test_login (ts, "admin", "admin123", NULL);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", student_path, admin_again, NULL);
    JsonObject *user = json_object_get_object_member (sl_test_response_object (resp), "user");

    g_assert_cmpuint (resp->status, ==, 200);

    g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
  }

  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    g_free (tokens[i]);
  sl_test_server_free (ts);
}

/* ---- graceful stop ------------------------------------------------------ */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

/* For a fixture whose server this test stopped itself. */
static void
free_stopped (SlTestServer *ts)
{
  g_clear_object (&ts->session);
  g_clear_object (&ts->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  sl_test_db_drop (ts->db_url);
  remove_tree (ts->data_dir);
  g_free (ts->dialect);
  g_strfreev (ts->ice_addresses);
  g_free (ts->db_url);
  g_free (ts->data_dir);
  g_free (ts->base_url);
  g_free (ts);
}

static void
wrote_body_cb (SoupMessage *msg,
               gpointer     user_data)
{
  *(gboolean *) user_data = TRUE;
}

static gboolean
timeout_flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_graceful_stop (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  g_autoptr(SoupMessage) login = new_message (ts, "POST", "/api/login");
  g_autoptr(SoupMessage) late = new_message (ts, "GET", "/healthz");
  g_autoptr(SoupSession) other = soup_session_new ();
  const char *body = "{\"username\":\"student\",\"password\":\"student123\"}";
  g_autoptr(GBytes) bytes = g_bytes_new_static (body, strlen (body));
  g_autoptr(GError) error = NULL;
  g_autoptr(SlTestResponse) login_resp = NULL;
  g_autoptr(SlTestResponse) late_resp = NULL;
  Wait login_wait = { FALSE, NULL }, late_wait = { FALSE, NULL }, stop_wait = { FALSE, NULL };
  gboolean sent = FALSE, settled = FALSE;
  GBytes *answer;
  guint port = sl_server_get_port (ts->server);

  /* The sign-in is on its way: sent, and read by the server, which now
   * hashes the password for a good fraction of a second. */
  soup_message_set_request_body_from_bytes (login, "application/json", bytes);
  g_signal_connect (login, "wrote-body", G_CALLBACK (wrote_body_cb), &sent);
  soup_session_send_and_read_async (ts->session, login, G_PRIORITY_DEFAULT, NULL,
                                    wait_cb, &login_wait);
  sl_test_wait_for (&sent);
  g_timeout_add (50, timeout_flag_cb, &settled);
  sl_test_wait_for (&settled);
  g_assert_false (login_wait.done);

  sl_server_stop_async (ts->server, wait_cb, &stop_wait);
  /* Not stopped while the sign-in is in flight. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_false (stop_wait.done);

  /* A new request meanwhile is turned away, clearly. */
  soup_session_send_and_read_async (other, late, G_PRIORITY_DEFAULT, NULL, wait_cb, &late_wait);
  sl_test_wait_for (&late_wait.done);
  answer = soup_session_send_and_read_finish (other, late_wait.result, &error);
  g_object_unref (late_wait.result);
  g_assert_no_error (error);
  late_resp = response_new (late, answer);
  assert_error (late_resp, 503, "shutting_down");

  /* The sign-in that was in flight completes. */
  sl_test_wait_for (&login_wait.done);
  answer = soup_session_send_and_read_finish (ts->session, login_wait.result, &error);
  g_object_unref (login_wait.result);
  g_assert_no_error (error);
  login_resp = response_new (login, answer);
  g_assert_cmpuint (login_resp->status, ==, 200);
  g_assert_nonnull (json_object_get_string_member (sl_test_response_object (login_resp),
                                                   "access_token"));

  /* Then the stop does. */
  sl_test_wait_for (&stop_wait.done);
  g_assert_true (sl_server_stop_finish (ts->server, stop_wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (stop_wait.result);

  /* After it, nobody is listening. */
  {
    g_autoptr(SoupSession) fresh = soup_session_new_with_options ("timeout", 5, NULL);
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/healthz", port);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(SlTestResponse) resp = NULL;
    g_autoptr(GError) refused = NULL;

    resp = send_message (ts, fresh, msg, &refused);
    g_assert_null (resp);
    g_assert_nonnull (refused);
  }

  free_stopped (ts);
}

/* A stop with nothing in flight completes at once, and the port closes. */
static void
test_stop_idle (gconstpointer data)
{
  const char *dialect = data;
  SlTestServer *ts = sl_test_server_new (dialect, NULL);
  guint port = sl_server_get_port (ts->server);
  Wait stop_wait = { FALSE, NULL };
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/healthz", NULL, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  sl_server_stop_async (ts->server, wait_cb, &stop_wait);
  sl_test_wait_for (&stop_wait.done);
  g_assert_true (sl_server_stop_finish (ts->server, stop_wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (stop_wait.result);

  {
    g_autoptr(SoupSession) fresh = soup_session_new_with_options ("timeout", 5, NULL);
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/healthz", port);
    g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
    g_autoptr(SlTestResponse) resp = NULL;
    g_autoptr(GError) refused = NULL;

    resp = send_message (ts, fresh, msg, &refused);
    g_assert_null (resp);
    g_assert_nonnull (refused);
  }

  free_stopped (ts);
}

/* ---- main --------------------------------------------------------------- */

static void
add_dialect_test (const char   *dialect,
                  const char   *name,
                  GTestDataFunc func)
{
  g_autofree char *path = g_strdup_printf ("/http/%s/%s", dialect, name);

  g_test_add_data_func (path, dialect, func);
}

int
main (int   argc,
      char *argv[])
{
  const char * const *dialects;
  static const struct {
    const char     *name;
    const char     *method;
    const char     *path;
    As              as;
    const BadInput *rows;
    gsize           n_rows;
  } tables[] = {
    { "register", "POST", "/api/register", AS_ANONYMOUS, register_rows, G_N_ELEMENTS (register_rows) },
    { "login", "POST", "/api/login", AS_ANONYMOUS, login_rows, G_N_ELEMENTS (login_rows) },
    { "profile", "PATCH", "/api/profile", AS_STUDENT, profile_rows, G_N_ELEMENTS (profile_rows) },
    { "admin-create", "POST", "/api/admin/users", AS_ADMIN, admin_create_rows, G_N_ELEMENTS (admin_create_rows) },
  };

  g_test_init (&argc, &argv, NULL);

  dialects = sl_test_db_dialects ();
  for (guint d = 0; dialects[d] != NULL; d++)
    {
      const char *dialect = dialects[d];

      add_dialect_test (dialect, "not-found", test_not_found);
      add_dialect_test (dialect, "method-not-allowed", test_method_not_allowed);
      add_dialect_test (dialect, "healthz", test_healthz);
      add_dialect_test (dialect, "payload-too-large", test_payload_too_large);
      add_dialect_test (dialect, "payload-too-large-chunked", test_payload_too_large_chunked);
      add_dialect_test (dialect, "unsupported-media-type", test_unsupported_media_type);
      for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
        {
          BadInputTable *table = g_new0 (BadInputTable, 1);
          g_autofree char *path = g_strdup_printf ("/http/%s/bad-input/%s", dialect, tables[t].name);

          table->dialect = dialect;
          table->method = tables[t].method;
          table->path = tables[t].path;
          table->as = tables[t].as;
          table->rows = tables[t].rows;
          table->n_rows = tables[t].n_rows;
          g_test_add_data_func_full (path, table, test_bad_input, g_free);
        }
      add_dialect_test (dialect, "tokens", test_tokens);
      add_dialect_test (dialect, "role-matrix", test_role_matrix);
      add_dialect_test (dialect, "graceful-stop", test_graceful_stop);
      add_dialect_test (dialect, "stop-idle", test_stop_idle);
    }

  return g_test_run ();
}
