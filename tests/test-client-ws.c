/* test-client-ws.c: the client's hub connection against an in-process
 * server — hello, rooms and chat, hands, signals between two clients,
 * reconnecting and rejoining after a server restart, a 401 at the upgrade,
 * stopping, and sending while disconnected
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-test-ws.h"
#include "sl-api-client.h"
#include "sl-api-client-private.h"
#include "sl-client-error.h"
#include "sl-jwt.h"
#include "sl-ws-client.h"

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

static SlApiClient *
signed_in (SlTestServer *ts,
           const char   *username,
           const char   *password)
{
  g_autoptr(GError) error = NULL;
  SlApiClient *api = sl_api_client_new (ts->base_url, &error);
  Wait wait = { FALSE, };

  g_assert_no_error (error);
  sl_api_client_login_async (api, username, password, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_api_client_login_finish (api, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return api;
}

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

/* A hub client and everything it heard. */
typedef struct {
  SlApiClient *api;
  SlWsClient  *ws;
  GPtrArray   *received;   /* JsonObject *, not yet taken */
  GArray      *states;     /* SlWsState, every change */
  guint        rejoined;
} Client;

static void
message_cb (SlWsClient *ws,
            JsonObject *message,
            gpointer    user_data)
{
  Client *client = user_data;

  g_ptr_array_add (client->received, json_object_ref (message));
}

static void
state_cb (SlWsClient *ws,
          int         state,
          gpointer    user_data)
{
  Client *client = user_data;

  g_array_append_val (client->states, state);
}

static void
rejoined_cb (SlWsClient *ws,
             gpointer    user_data)
{
  Client *client = user_data;

  client->rejoined++;
}

static Client *
client_new (SlTestServer *ts,
            const char   *username,
            const char   *password)
{
  Client *client = g_new0 (Client, 1);

  client->api = signed_in (ts, username, password);
  client->ws = sl_ws_client_new (client->api);
  client->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  client->states = g_array_new (FALSE, FALSE, sizeof (int));
  g_signal_connect (client->ws, "message", G_CALLBACK (message_cb), client);
  g_signal_connect (client->ws, "state-changed", G_CALLBACK (state_cb), client);
  g_signal_connect (client->ws, "rejoined", G_CALLBACK (rejoined_cb), client);
  return client;
}

static void
client_free (Client *client)
{
  g_signal_handlers_disconnect_by_data (client->ws, client);
  sl_ws_client_stop (client->ws);
  g_object_unref (client->ws);
  g_object_unref (client->api);
  g_ptr_array_unref (client->received);
  g_array_unref (client->states);
  g_free (client);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

static gint
find (Client     *client,
      const char *type)
{
  for (guint i = 0; i < client->received->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (client->received, i),
                                                               "type", ""), type) == 0)
      return (gint) i;
  return -1;
}

static guint
count (Client     *client,
       const char *type)
{
  guint n = 0;

  for (guint i = 0; i < client->received->len; i++)
    if (g_strcmp0 (json_object_get_string_member_with_default (g_ptr_array_index (client->received, i),
                                                               "type", ""), type) == 0)
      n++;
  return n;
}

static void
count_cb (GObject  *object,
          gpointer  user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until @done (a condition on @client) or @seconds pass. */
typedef gboolean (*Condition) (Client *client, gconstpointer data);

static gboolean
run_until (Client        *client,
           Condition      condition,
           gconstpointer  data,
           guint          seconds)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (seconds, flag_cb, &timed_out);

  while (!condition (client, data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return condition (client, data);
}

static gboolean
has_message (Client        *client,
             gconstpointer  type)
{
  return find (client, type) >= 0;
}

static gboolean
in_state (Client        *client,
          gconstpointer  state)
{
  return (int) sl_ws_client_get_state (client->ws) == GPOINTER_TO_INT (state);
}

static gboolean
rejoined (Client        *client,
          gconstpointer  data)
{
  return client->rejoined > 0;
}

static void
settle (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Waits (10 s at most) for a message of @type, takes it and returns it. */
static JsonObject *
expect (Client     *client,
        const char *type)
{
  gint index;

  if (!run_until (client, has_message, type, 10))
    g_error ("no “%s” message came", type);
  index = find (client, type);
  return g_ptr_array_steal_index (client->received, (guint) index);
}

static void
wait_state (Client    *client,
            SlWsState  state)
{
  if (!run_until (client, in_state, GINT_TO_POINTER (state), 15))
    g_error ("state %d never came (still %d)", state, sl_ws_client_get_state (client->ws));
}

static void
connect_and_join (Client *client,
                  gint64  class_id)
{
  g_autoptr(JsonObject) hello = NULL;
  g_autoptr(JsonObject) joined = NULL;

  sl_ws_client_start (client->ws);
  wait_state (client, SL_WS_CONNECTED);
  hello = expect (client, "hello");
  if (class_id > 0)
    {
      sl_ws_client_join (client->ws, class_id);
      joined = expect (client, "joined");
      g_assert_cmpint (json_object_get_int_member (joined, "class_id"), ==, class_id);
    }
}

/* ---- connecting --------------------------------------------------------- */

static void
test_connect_hello (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(Client) client = client_new (ts, "student", "student123");
  g_autoptr(JsonObject) hello = NULL;
  JsonObject *user;

  g_assert_cmpint (sl_ws_client_get_state (client->ws), ==, SL_WS_DISCONNECTED);
  sl_ws_client_start (client->ws);
  g_assert_cmpint (sl_ws_client_get_state (client->ws), ==, SL_WS_CONNECTING);
  hello = expect (client, "hello");
  g_assert_cmpint (sl_ws_client_get_state (client->ws), ==, SL_WS_CONNECTED);
  user = json_object_get_object_member (hello, "user");
  g_assert_cmpint (json_object_get_int_member (user, "id"), ==, sl_api_client_get_user_id (client->api));
  g_assert_cmpstr (json_object_get_string_member (user, "role"), ==, "student");
  g_assert_cmpuint (client->states->len, ==, 2);
  g_assert_cmpint (g_array_index (client->states, int, 0), ==, SL_WS_CONNECTING);
  g_assert_cmpint (g_array_index (client->states, int, 1), ==, SL_WS_CONNECTED);

  /* an app-level ping is answered */
  {
    g_autoptr(JsonObject) ping = json_object_new ();
    g_autoptr(JsonObject) pong = NULL;
    g_autoptr(GError) error = NULL;

    json_object_set_string_member (ping, "type", "ping");
    g_assert_true (sl_ws_client_send (client->ws, ping, &error));
    g_assert_no_error (error);
    pong = expect (client, "pong");
  }
  /* a first connection is no reconnect */
  g_assert_cmpuint (client->rejoined, ==, 0);

  g_clear_pointer (&client, client_free);
  sl_test_server_free (ts);
}

static void
test_chat_round_trip (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Chemistry", FALSE);
  g_autoptr(Client) teacher = client_new (ts, "teacher", "teacher123");
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) at_teacher = NULL;
  g_autoptr(JsonObject) at_student = NULL;

  connect_and_join (teacher, class_id);
  connect_and_join (student, class_id);

  g_assert_true (sl_ws_client_send_chat (student->ws, class_id, "hello, class", &error));
  g_assert_no_error (error);
  at_teacher = expect (teacher, "chat");
  at_student = expect (student, "chat");
  g_assert_cmpstr (json_object_get_string_member (at_teacher, "text"), ==, "hello, class");
  g_assert_cmpstr (json_object_get_string_member (at_student, "text"), ==, "hello, class");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (at_teacher, "from"), "id"),
                   ==, sl_api_client_get_user_id (student->api));
  g_assert_cmpint (json_object_get_int_member (at_teacher, "id"), ==,
                   json_object_get_int_member (at_student, "id"));

  /* a bad message gets the server's error, and nothing else happens */
  {
    g_autoptr(JsonObject) bad = NULL;

    g_assert_true (sl_ws_client_send_chat (student->ws, class_id, "", &error));
    bad = expect (student, "error");
    g_assert_cmpstr (json_object_get_string_member (bad, "code"), ==, "invalid_message");
    settle (200);
    g_assert_cmpuint (count (teacher, "chat"), ==, 0);
  }

  /* after leaving, chat is refused */
  {
    g_autoptr(JsonObject) left = NULL;
    g_autoptr(JsonObject) refused = NULL;

    sl_ws_client_leave (student->ws, class_id);
    left = expect (student, "left");
    g_assert_true (sl_ws_client_send_chat (student->ws, class_id, "still here?", &error));
    refused = expect (student, "error");
    g_assert_cmpstr (json_object_get_string_member (refused, "code"), ==, "not_member");
    settle (200);
    g_assert_cmpuint (count (teacher, "chat"), ==, 0);
  }

  g_clear_pointer (&teacher, client_free);
  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

static void
test_hands (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Music", FALSE);
  g_autoptr(Client) teacher = client_new (ts, "teacher", "teacher123");
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  g_autoptr(GError) error = NULL;

  connect_and_join (teacher, class_id);
  connect_and_join (student, class_id);

  g_assert_true (sl_ws_client_set_hand (student->ws, class_id, TRUE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) hand = expect (student, "hand");
    g_autoptr(JsonObject) hands = expect (teacher, "hands");

    g_assert_true (json_object_get_boolean_member (hand, "raised"));
    g_assert_cmpint (json_object_get_int_member (hand, "position"), ==, 1);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (hands, "queue")), ==, 1);
  }

  g_assert_true (sl_ws_client_set_hand (student->ws, class_id, FALSE, &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) hand = expect (student, "hand");
    g_autoptr(JsonObject) hands = expect (teacher, "hands");

    g_assert_false (json_object_get_boolean_member (hand, "raised"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (hands, "queue")), ==, 0);
  }

  g_clear_pointer (&teacher, client_free);
  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

static void
test_signal (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Physics", TRUE);
  g_autoptr(Client) teacher = client_new (ts, "teacher", "teacher123");
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(JsonObject) got = NULL;
  g_autoptr(GError) error = NULL;

  connect_and_join (teacher, class_id);
  connect_and_join (student, class_id);

  json_object_set_string_member (data, "kind", "offer");
  json_object_set_string_member (data, "sdp", "v=0 …");
  g_assert_true (sl_ws_client_send_signal (teacher->ws, class_id, sl_api_client_get_user_id (student->api),
                                           data, &error));
  g_assert_no_error (error);
  got = expect (student, "signal");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (got, "from"), "id"),
                   ==, sl_api_client_get_user_id (teacher->api));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (got, "data"), "sdp"),
                   ==, "v=0 …");
  settle (200);
  g_assert_cmpuint (count (teacher, "signal"), ==, 0);

  /* to someone not in the room: the server says so, nobody gets it */
  {
    g_autoptr(JsonObject) refused = NULL;

    g_assert_true (sl_ws_client_send_signal (teacher->ws, class_id, 999999, data, &error));
    refused = expect (teacher, "error");
    g_assert_cmpstr (json_object_get_string_member (refused, "code"), ==, "recipient_not_found");
    g_assert_cmpuint (count (student, "signal"), ==, 0);
  }

  g_clear_pointer (&teacher, client_free);
  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

/* ---- staying connected -------------------------------------------------- */

static void
test_reconnect_after_restart (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Latin", FALSE);
  gint64 other_id = make_class (ts, "Greek", FALSE);
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  g_autoptr(GError) error = NULL;

  connect_and_join (student, class_id);
  sl_ws_client_join (student->ws, other_id);
  json_object_unref (expect (student, "joined"));
  g_assert_true (sl_ws_client_send_chat (student->ws, class_id, "before", &error));
  json_object_unref (expect (student, "chat"));

  /* the server goes away: the client keeps trying, and sends nothing */
  sl_test_server_stop (ts);
  wait_state (student, SL_WS_CONNECTING);
  g_assert_false (sl_ws_client_send_chat (student->ws, class_id, "into the void", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_clear_error (&error);
  settle (1500);   /* a few failed attempts */
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_CONNECTING);
  g_ptr_array_set_size (student->received, 0);

  /* a new server on the same port: connected again, both rooms joined */
  sl_test_server_restart (ts);
  if (!run_until (student, rejoined, NULL, 15))
    g_error ("the rooms were not joined again");
  g_assert_cmpuint (student->rejoined, ==, 1);
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_CONNECTED);
  g_assert_cmpuint (count (student, "hello"), ==, 1);
  g_assert_cmpuint (count (student, "joined"), ==, 2);
  {
    g_autoptr(JsonObject) joined = expect (student, "joined");
    JsonArray *history = json_object_get_array_member (joined, "chat");

    g_assert_cmpint (json_object_get_int_member (joined, "class_id"), ==, class_id);
    /* what was sent while disconnected was not queued */
    g_assert_cmpuint (json_array_get_length (history), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 0), "text"),
                     ==, "before");
  }

  g_assert_true (sl_ws_client_send_chat (student->ws, class_id, "after", &error));
  g_assert_no_error (error);
  {
    g_autoptr(JsonObject) chat = expect (student, "chat");

    g_assert_cmpstr (json_object_get_string_member (chat, "text"), ==, "after");
  }

  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

static void
test_expired_token_at_upgrade (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(Client) client = client_new (ts, "student", "student123");
  g_autoptr(SlJwt) jwt = sl_jwt_new ((const guint8 *) SL_TEST_JWT_SECRET, strlen (SL_TEST_JWT_SECRET),
                                     "streamlet", "streamlet");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *expired = sl_jwt_sign (jwt, sl_api_client_get_user_id (client->api), SL_ROLE_STUDENT,
                                          "an-old-session", now - 7200, 900);
  g_autoptr(JsonObject) hello = NULL;
  guint status = 0;
  guint refreshed = 0;

  /* the server refuses it at the door */
  g_assert_null (sl_test_ws_connect (ts, expired, NULL, &status));
  g_assert_cmpuint (status, ==, 401);

  _sl_api_client_set_access_token (client->api, expired);
  g_signal_connect (client->api, "token-refreshed", G_CALLBACK (count_cb), &refreshed);

  sl_ws_client_start (client->ws);
  hello = expect (client, "hello");
  g_assert_cmpint (sl_ws_client_get_state (client->ws), ==, SL_WS_CONNECTED);
  g_assert_cmpuint (refreshed, ==, 1);
  g_assert_cmpstr (sl_api_client_get_access_token (client->api), !=, expired);

  g_signal_handlers_disconnect_by_data (client->api, &refreshed);
  g_clear_pointer (&client, client_free);
  sl_test_server_free (ts);
}

static void
test_signed_out_stops (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(Client) client = client_new (ts, "student", "student123");

  connect_and_join (client, 0);

  /* the login ends on the server and the access token runs out; after a
   * restart the upgrade gets 401, the refresh is refused: signed out, and
   * the client stops trying */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/logout",
                                                      sl_api_client_get_access_token (client->api), NULL);
    g_autoptr(SlJwt) jwt = sl_jwt_new ((const guint8 *) SL_TEST_JWT_SECRET, strlen (SL_TEST_JWT_SECRET),
                                       "streamlet", "streamlet");
    gint64 now = g_get_real_time () / G_USEC_PER_SEC;
    g_autofree char *expired = sl_jwt_sign (jwt, sl_api_client_get_user_id (client->api), SL_ROLE_STUDENT,
                                            "an-old-session", now - 7200, 900);

    g_assert_cmpuint (resp->status, ==, 204);
    _sl_api_client_set_access_token (client->api, expired);
  }
  sl_test_server_stop (ts);
  wait_state (client, SL_WS_CONNECTING);
  sl_test_server_restart (ts);
  wait_state (client, SL_WS_DISCONNECTED);
  g_assert_null (sl_api_client_get_access_token (client->api));
  settle (1500);
  g_assert_cmpint (sl_ws_client_get_state (client->ws), ==, SL_WS_DISCONNECTED);
  g_assert_cmpuint (count (client, "hello"), ==, 0);

  g_clear_pointer (&client, client_free);
  sl_test_server_free (ts);
}

static void
test_stop (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Art", FALSE);
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  guint changes;

  sl_test_ws_sendf (teacher, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  json_object_unref (sl_test_ws_expect (teacher, "joined"));
  connect_and_join (student, class_id);
  {
    g_autoptr(JsonObject) presence = sl_test_ws_expect (teacher, "presence");

    g_assert_cmpint (json_object_get_int_member (presence, "count"), ==, 2);
  }

  /* stop: closed at once, and the server lets the student go */
  sl_ws_client_stop (student->ws);
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_DISCONNECTED);
  {
    g_autoptr(JsonObject) presence = sl_test_ws_expect (teacher, "presence");

    g_assert_cmpint (json_object_get_int_member (presence, "count"), ==, 1);
  }

  /* no reconnecting after a stop, even while a reconnect was pending */
  sl_ws_client_start (student->ws);
  wait_state (student, SL_WS_CONNECTED);
  g_clear_pointer (&teacher, sl_test_ws_free);
  sl_test_server_stop (ts);
  wait_state (student, SL_WS_CONNECTING);
  sl_ws_client_stop (student->ws);
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_DISCONNECTED);
  changes = student->states->len;
  sl_test_server_restart (ts);
  settle (2000);
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_DISCONNECTED);
  g_assert_cmpuint (student->states->len, ==, changes);

  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

static void
test_send_while_disconnected (void)
{
  SlTestServer *ts = sl_test_server_new ("sqlite", NULL);
  gint64 class_id = make_class (ts, "Biology", TRUE);
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(Client) student = client_new (ts, "student", "student123");
  g_autoptr(JsonObject) data = json_object_new ();
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  sl_test_ws_sendf (teacher, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  json_object_unref (sl_test_ws_expect (teacher, "joined"));

  /* not started: every send fails, nothing is queued */
  g_assert_false (sl_ws_client_send_chat (student->ws, class_id, "early", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_clear_error (&error);
  g_assert_false (sl_ws_client_set_hand (student->ws, class_id, TRUE, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_clear_error (&error);
  g_assert_false (sl_ws_client_send_signal (student->ws, class_id, 1, data, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_clear_error (&error);
  json_object_set_string_member (message, "type", "ping");
  g_assert_false (sl_ws_client_send (student->ws, message, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  g_clear_error (&error);
  g_assert_cmpint (sl_ws_client_get_state (student->ws), ==, SL_WS_DISCONNECTED);

  /* a room joined before connecting is joined on connect */
  sl_ws_client_join (student->ws, class_id);
  sl_ws_client_start (student->ws);
  json_object_unref (expect (student, "joined"));
  settle (300);
  g_assert_cmpuint (sl_test_ws_count (teacher, "chat"), ==, 0);
  g_assert_cmpuint (sl_test_ws_count (teacher, "hands"), ==, 0);
  g_assert_cmpuint (count (student, "pong"), ==, 0);
  g_assert_cmpuint (count (student, "signal"), ==, 0);

  g_clear_pointer (&student, client_free);
  sl_test_server_free (ts);
}

static void
count_state_cb (SlWsClient *ws,
                int         state,
                gpointer    user_data)
{
  (*(guint *) user_data)++;
}

static void
test_unreachable_keeps_trying (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                            G_SOCKET_PROTOCOL_TCP, &error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SlApiClient) api = NULL;
  g_autoptr(SlWsClient) ws = NULL;
  guint changes = 0;

  /* a loopback port nobody listens on */
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  url = g_strdup_printf ("http://127.0.0.1:%u",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  api = sl_api_client_new (url, &error);
  g_assert_no_error (error);
  ws = sl_ws_client_new (api);
  g_signal_connect (ws, "state-changed", G_CALLBACK (count_state_cb), &changes);
  sl_ws_client_start (ws);
  settle (1500);
  /* still trying, quietly, and never said it connected */
  g_assert_cmpint (sl_ws_client_get_state (ws), ==, SL_WS_CONNECTING);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_false (sl_ws_client_send_chat (ws, 1, "anyone?", &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE);
  sl_ws_client_stop (ws);
  g_assert_cmpint (sl_ws_client_get_state (ws), ==, SL_WS_DISCONNECTED);
  g_signal_handlers_disconnect_by_data (ws, &changes);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/client-ws/connect-hello", test_connect_hello);
  g_test_add_func ("/client-ws/chat-round-trip", test_chat_round_trip);
  g_test_add_func ("/client-ws/hands", test_hands);
  g_test_add_func ("/client-ws/signal", test_signal);
  g_test_add_func ("/client-ws/reconnect-after-restart", test_reconnect_after_restart);
  g_test_add_func ("/client-ws/expired-token-at-upgrade", test_expired_token_at_upgrade);
  g_test_add_func ("/client-ws/signed-out-stops", test_signed_out_stops);
  g_test_add_func ("/client-ws/stop", test_stop);
  g_test_add_func ("/client-ws/send-while-disconnected", test_send_while_disconnected);
  g_test_add_func ("/client-ws/unreachable-keeps-trying", test_unreachable_keeps_trying);
  return g_test_run ();
}
