/* sl-test-ws.c: a WebSocket client of the hub for tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-test"

#include "config.h"

#include "sl-test-ws.h"

#include <string.h>

static void
message_cb (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  SlTestWs *ws = user_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  JsonNode *root;

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_assert_true (json_parser_load_from_data (parser, data, (gssize) length, NULL));
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  g_ptr_array_add (ws->received, json_object_ref (json_node_get_object (root)));
  ws->n_received++;
}

static void
closed_cb (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  SlTestWs *ws = user_data;

  ws->closed = TRUE;
  ws->close_code = soup_websocket_connection_get_close_code (conn);
}

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

SlTestWs *
sl_test_ws_connect (SlTestServer *ts,
                    const char   *token,
                    const char   *origin,
                    guint        *status)
{
  g_autofree char *url = g_strdup_printf ("%s/ws", ts->base_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  SlTestWs *ws;
  Wait wait = { FALSE, };
  SoupWebsocketConnection *conn;

  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  soup_websocket_client_prepare_handshake (msg, origin, NULL, NULL);
  if (origin == NULL)
    soup_message_headers_remove (soup_message_get_request_headers (msg), "Origin");

  soup_session_websocket_connect_async (ts->session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                        wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  conn = soup_session_websocket_connect_finish (ts->session, wait.result, &error);
  g_object_unref (wait.result);
  if (status != NULL)
    *status = soup_message_get_status (msg);
  if (conn == NULL)
    return NULL;

  ws = g_new0 (SlTestWs, 1);
  ws->conn = conn;
  ws->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  soup_websocket_connection_set_max_incoming_payload_size (conn, 16 * 1024 * 1024);
  g_signal_connect (conn, "message", G_CALLBACK (message_cb), ws);
  g_signal_connect (conn, "closed", G_CALLBACK (closed_cb), ws);

  {
    g_autoptr(JsonObject) hello = sl_test_ws_expect (ws, "hello");

    g_assert_true (json_object_has_member (hello, "user"));
  }
  return ws;
}

SlTestWs *
sl_test_ws_connect_as (SlTestServer *ts,
                       const char   *username,
                       const char   *password)
{
  g_autofree char *token = sl_test_login (ts, username, password, NULL);
  guint status = 0;
  SlTestWs *ws = sl_test_ws_connect (ts, token, NULL, &status);

  g_assert_cmpuint (status, ==, 101);
  g_assert_nonnull (ws);
  return ws;
}

void
sl_test_ws_free (SlTestWs *ws)
{
  if (ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (ws->conn, ws);
  if (soup_websocket_connection_get_state (ws->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (ws->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_object_unref (ws->conn);
  g_ptr_array_unref (ws->received);
  g_free (ws);
}

void
sl_test_ws_send (SlTestWs   *ws,
                 const char *json)
{
  g_assert_cmpint (soup_websocket_connection_get_state (ws->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
  soup_websocket_connection_send_text (ws->conn, json);
}

void
sl_test_ws_sendf (SlTestWs   *ws,
                  const char *format,
                  ...)
{
  g_autofree char *json = NULL;
  va_list args;

  va_start (args, format);
  json = g_strdup_vprintf (format, args);
  va_end (args);
  sl_test_ws_send (ws, json);
}

static gint
find (SlTestWs   *ws,
      const char *type)
{
  for (guint i = 0; i < ws->received->len; i++)
    {
      JsonObject *object = g_ptr_array_index (ws->received, i);

      if (type == NULL || g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""),
                                     type) == 0)
        return (gint) i;
    }
  return -1;
}

JsonObject *
sl_test_ws_expect (SlTestWs   *ws,
                   const char *type)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  gint index;

  while ((index = find (ws, type)) < 0)
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autoptr(GString) seen = g_string_new (NULL);

          for (guint i = 0; i < ws->received->len; i++)
            g_string_append_printf (seen, " %s", json_object_get_string_member_with_default (
                                      g_ptr_array_index (ws->received, i), "type", "?"));
          g_error ("no “%s” message came (waiting:%s; closed %d)", type, seen->str, ws->closed);
        }
      g_main_context_iteration (NULL, FALSE);
      if (find (ws, type) < 0)
        sl_test_settle (5);
    }
  return g_ptr_array_steal_index (ws->received, (guint) index);
}

JsonObject *
sl_test_ws_expect_error (SlTestWs   *ws,
                         const char *code)
{
  JsonObject *error = sl_test_ws_expect (ws, "error");

  g_assert_cmpstr (json_object_get_string_member (error, "code"), ==, code);
  g_assert_true (json_object_has_member (error, "message"));
  return error;
}

guint
sl_test_ws_count (SlTestWs   *ws,
                  const char *type)
{
  guint n = 0;

  for (guint i = 0; i < ws->received->len; i++)
    {
      JsonObject *object = g_ptr_array_index (ws->received, i);

      if (type == NULL ||
          g_strcmp0 (json_object_get_string_member_with_default (object, "type", ""), type) == 0)
        n++;
    }
  return n;
}

void
sl_test_ws_clear (SlTestWs *ws)
{
  g_ptr_array_set_size (ws->received, 0);
}

static gboolean
timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

void
sl_test_settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

gushort
sl_test_ws_wait_closed (SlTestWs *ws)
{
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  while (!ws->closed)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("the server did not close the connection");
      sl_test_settle (5);
    }
  return ws->close_code;
}
