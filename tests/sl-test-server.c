/* sl-test-server.c: an in-process streamlet-server on a free loopback port,
 * a fresh store, and a small synchronous HTTP client for tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-test"

#include "config.h"

#include "sl-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

#include "sl-json.h"
#include "sl-password.h"

static const struct {
  const char *username;
  const char *password;
  SlRole      role;
} demo_users[] = {
  { "admin", "admin123", SL_ROLE_ADMIN },
  { "teacher", "teacher123", SL_ROLE_TEACHER },
  { "student", "student123", SL_ROLE_STUDENT },
};

void
sl_test_wait_for (gboolean *flag)
{
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_main_context_iteration (NULL, FALSE);
      if (!*flag)
        {
          if (g_get_monotonic_time () > deadline)
            g_error ("timed out waiting for the server");
          g_main_context_iteration (NULL, TRUE);
        }
    }
}

SlConfig *
sl_test_config_new (void)
{
  SlConfig *config = sl_config_new ();
  static gsize quiet = 0;

  /* Servers' info lines would drown the TAP output; warnings still show
   * (and are fatal under GTest). */
  if (g_once_init_enter (&quiet))
    {
      sl_log_init (SL_LOG_QUIET);
      g_once_init_leave (&quiet, 1);
    }

  config->port = 0;
  config->address = g_strdup ("127.0.0.1");
  /* WebRTC on loopback only (tests that need more set their own) */
  config->ice_addresses = g_strsplit ("127.0.0.1", ",", -1);
  config->log_requests = FALSE;
  config->log_level = SL_LOG_QUIET;
  config->jwt_secret = g_strdup (SL_TEST_JWT_SECRET);
  return config;
}

/* The demo users' hashes: computed once per test program. */
static const char *
demo_hash (guint i)
{
  static char *hashes[G_N_ELEMENTS (demo_users)];

  if (hashes[i] == NULL)
    {
      g_autoptr(GError) error = NULL;

      hashes[i] = sl_password_hash (demo_users[i].password, &error);
      g_assert_no_error (error);
    }
  return hashes[i];
}

typedef struct {
  gboolean  done;
  GObject  *source;
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

static void
seed_users (const char *url,
            const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlStore) store = sl_store_new_for_url (url, data_dir, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (demo_users); i++)
    {
      g_autoptr(SlUser) user = sl_user_new ();
      g_autoptr(SlUser) created = NULL;
      Wait wait = { FALSE, };

      user->username = g_strdup (demo_users[i].username);
      user->display_name = g_strdup_printf ("Demo %s", demo_users[i].username);
      user->role = demo_users[i].role;
      user->password_hash = g_strdup (demo_hash (i));
      sl_store_create_user_async (store, user, NULL, wait_cb, &wait);
      sl_test_wait_for (&wait.done);
      created = sl_store_create_user_finish (store, wait.result, &error);
      g_object_unref (wait.result);
      g_assert_no_error (error);
    }
  sl_store_close (store);
}

SlTestServer *
sl_test_server_new (const char *dialect,
                    SlConfig   *config)
{
  SlTestServer *ts = g_new0 (SlTestServer, 1);
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };

  if (config == NULL)
    config = sl_test_config_new ();

  ts->dialect = g_strdup (dialect);
  ts->ice_addresses = g_strdupv (config->ice_addresses);
  ts->data_dir = g_dir_make_tmp ("streamlet-test-XXXXXX", &error);
  g_assert_no_error (error);
  ts->db_url = sl_test_db_new_url (dialect);
  seed_users (ts->db_url, ts->data_dir);

  g_free (config->data_dir);
  config->data_dir = g_strdup (ts->data_dir);
  g_free (config->database);
  config->database = g_strdup (ts->db_url);

  ts->server = sl_server_new (config, &error);
  g_assert_no_error (error);
  sl_server_start_async (ts->server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  sl_server_start_finish (ts->server, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);

  ts->port = sl_server_get_port (ts->server);
  ts->base_url = g_strdup_printf ("http://127.0.0.1:%u", ts->port);
  ts->session = soup_session_new_with_options ("timeout", 30, "max-conns-per-host", 8, NULL);
  return ts;
}

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

void
sl_test_server_stop (SlTestServer *ts)
{
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };

  g_assert_nonnull (ts->server);
  sl_server_stop_async (ts->server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_stop_finish (ts->server, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_clear_object (&ts->server);
}

void
sl_test_server_restart (SlTestServer *ts)
{
  SlConfig *config = sl_test_config_new ();
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };

  g_assert_null (ts->server);
  config->port = ts->port;
  g_free (config->data_dir);
  config->data_dir = g_strdup (ts->data_dir);
  g_free (config->database);
  config->database = g_strdup (ts->db_url);
  g_strfreev (config->ice_addresses);
  config->ice_addresses = g_strdupv (ts->ice_addresses);
  ts->server = sl_server_new (config, &error);
  g_assert_no_error (error);
  sl_server_start_async (ts->server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_start_finish (ts->server, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  g_assert_cmpuint (sl_server_get_port (ts->server), ==, ts->port);
}

void
sl_test_server_free (SlTestServer *ts)
{
  if (ts == NULL)
    return;

  g_clear_object (&ts->session);
  if (ts->server != NULL)
    sl_test_server_stop (ts);

  /* Let the idle callbacks of closed connections run. */
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

SlTestResponse *
sl_test_request_full (SlTestServer *ts,
                      const char   *method,
                      const char   *path,
                      const char   *token,
                      const char   *content_type,
                      const void   *body,
                      gsize         body_len)
{
  g_autofree char *url = g_strconcat (ts->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  SlTestResponse *resp;
  Wait wait = { FALSE, };

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", value);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, body_len);

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
      if (content_type == NULL)
        soup_message_headers_remove (soup_message_get_request_headers (msg), "Content-Type");
    }

  soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);

  resp = g_new0 (SlTestResponse, 1);
  resp->body = soup_session_send_and_read_finish (ts->session, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  resp->status = soup_message_get_status (msg);
  resp->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));

  if (g_bytes_get_size (resp->body) > 0)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      gsize len;
      const char *data = g_bytes_get_data (resp->body, &len);

      if (json_parser_load_from_data (parser, data, (gssize) len, NULL))
        resp->json = json_node_copy (json_parser_get_root (parser));
    }
  return resp;
}

SlTestResponse *
sl_test_request (SlTestServer *ts,
                 const char   *method,
                 const char   *path,
                 const char   *token,
                 const char   *json_body)
{
  return sl_test_request_full (ts, method, path, token,
                               json_body ? "application/json" : NULL,
                               json_body, json_body ? strlen (json_body) : 0);
}

void
sl_test_response_free (SlTestResponse *resp)
{
  if (resp == NULL)
    return;
  g_clear_pointer (&resp->body, g_bytes_unref);
  g_clear_pointer (&resp->json, json_node_unref);
  g_clear_pointer (&resp->headers, soup_message_headers_unref);
  g_free (resp);
}

JsonObject *
sl_test_response_object (SlTestResponse *resp)
{
  g_assert_nonnull (resp->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (resp->json));
  return json_node_get_object (resp->json);
}

const char *
sl_test_response_error (SlTestResponse *resp)
{
  JsonObject *object, *error;

  if (resp->json == NULL || !JSON_NODE_HOLDS_OBJECT (resp->json))
    return NULL;
  object = json_node_get_object (resp->json);
  if (!json_object_has_member (object, "error"))
    return NULL;
  error = json_object_get_object_member (object, "error");
  g_assert_nonnull (error);
  g_assert_true (json_object_has_member (error, "message"));
  return json_object_get_string_member (error, "code");
}

char *
sl_test_login (SlTestServer *ts,
               const char   *username,
               const char   *password,
               char        **refresh_token)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}",
                                           username, password);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/login", NULL, body);
  JsonObject *object;

  g_assert_cmpuint (resp->status, ==, 200);
  object = sl_test_response_object (resp);
  if (refresh_token != NULL)
    *refresh_token = g_strdup (json_object_get_string_member (object, "refresh_token"));
  return g_strdup (json_object_get_string_member (object, "access_token"));
}

gint64
sl_test_count_users (SlTestServer *ts)
{
  SlStore *store = sl_server_get_store (ts->server);
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };
  gint64 count;

  sl_store_count_users_async (store, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  count = sl_store_count_users_finish (store, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  return count;
}

gint64
sl_test_create_class (SlTestServer *ts,
                      const char   *title,
                      int           minutes_ahead,
                      gboolean      start)
{
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_minutes (now, minutes_ahead);
  g_autofree char *at = g_date_time_format_iso8601 (when);
  g_autoptr(JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());
  g_autofree char *text = NULL;
  g_autoptr(SlTestResponse) created = NULL;
  gint64 id;

  json_object_set_string_member (json_node_get_object (body), "title", title);
  json_object_set_string_member (json_node_get_object (body), "scheduled_at", at);
  json_object_set_int_member (json_node_get_object (body), "duration_minutes", 45);
  text = sl_json_node_to_string (body, NULL);
  created = sl_test_request (ts, "POST", "/api/classes", teacher, text);
  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (json_object_get_object_member (sl_test_response_object (created),
                                                                  "class"), "id");
  if (start)
    {
      g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", id);
      g_autoptr(SlTestResponse) started = sl_test_request (ts, "POST", path, teacher, NULL);

      g_assert_cmpuint (started->status, ==, 200);
    }
  return id;
}
