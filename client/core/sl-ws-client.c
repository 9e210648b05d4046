/* sl-ws-client.c: the real-time hub from the client's side — one WebSocket
 * kept open (reconnects with backoff, rooms joined again), messages in and out
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Keepalive: libsoup answers the server's pings by itself. The server pings
 * only a silent client, so this side cannot rely on pings to notice a dead
 * link: after SL_WS_IDLE_PING of hearing nothing it sends an app-level
 * {"type":"ping"} (the hub answers "pong"), and after SL_WS_IDLE_DEAD of
 * silence it drops the connection and reconnects.
 */
#define G_LOG_DOMAIN "sl-ws-client"

#include "config.h"

#include "sl-ws-client.h"
#include "sl-api-client-private.h"
#include "sl-client-error.h"

#include <string.h>

#define SL_WS_BACKOFF_FIRST_MS 500
#define SL_WS_BACKOFF_MAX_MS 10000
#define SL_WS_BACKOFF_JITTER 0.2
#define SL_WS_STABLE_US (10 * G_USEC_PER_SEC)   /* a connection this long resets the backoff */
#define SL_WS_WATCHDOG_S 5
#define SL_WS_IDLE_PING (15 * G_USEC_PER_SEC)
#define SL_WS_IDLE_DEAD (40 * G_USEC_PER_SEC)
#define SL_WS_MAX_PAYLOAD (16 * 1024 * 1024)
#define SL_WS_REJOIN_PREFIX "sl-rejoin:"

struct _SlWsClient
{
  GObject                  parent_instance;

  SlApiClient             *api;
  GMainContext            *context;
  SlWsState                state;
  gboolean                 started;
  gboolean                 was_connected;    /* a "hello" came before: the next one is a reconnect */
  gboolean                 refresh_tried;    /* this attempt already refreshed after a 401 */

  SoupMessage             *upgrade;          /* the attempt under way */
  GCancellable            *cancellable;      /* of the attempt (or its refresh) under way */
  SoupWebsocketConnection *conn;
  gint64                   opened_at;        /* monotonic, when the socket opened */
  gint64                   last_heard;       /* monotonic */
  GSource                  *retry_timer;
  GSource                  *watchdog;
  guint                    backoff_ms;       /* the next wait */

  GArray                  *rooms;            /* gint64 class ids, in join order */
  GArray                  *rejoining;        /* rooms asked again, not yet answered */
};

G_DEFINE_FINAL_TYPE (SlWsClient, sl_ws_client, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_MESSAGE,
  SIGNAL_REJOINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void connect_now (SlWsClient *self);

static void
set_state (SlWsClient *self,
           SlWsState   state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) state);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

static gssize
room_index (GArray *rooms,
            gint64  class_id)
{
  for (guint i = 0; i < rooms->len; i++)
    if (g_array_index (rooms, gint64, i) == class_id)
      return i;
  return -1;
}

static void
remove_room (GArray *rooms,
             gint64  class_id)
{
  gssize i = room_index (rooms, class_id);

  if (i >= 0)
    g_array_remove_index (rooms, (guint) i);
}

/* ---- sending ------------------------------------------------------------ */

static gboolean
send_object (SlWsClient  *self,
             JsonObject  *message,
             GError     **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  if (self->state != SL_WS_CONNECTED || self->conn == NULL ||
      soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE,
                           "not connected to the server's real-time hub");
      return FALSE;
    }
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, message);
  text = json_to_string (node, FALSE);
  soup_websocket_connection_send_text (self->conn, text);
  return TRUE;
}

static void
send_room_message (SlWsClient *self,
                   const char *type,
                   gint64      class_id,
                   const char *ref)
{
  g_autoptr(JsonObject) message = json_object_new ();
  g_autoptr(GError) error = NULL;

  json_object_set_string_member (message, "type", type);
  json_object_set_int_member (message, "class_id", class_id);
  if (ref != NULL)
    json_object_set_string_member (message, "ref", ref);
  if (!send_object (self, message, &error))
    g_debug ("%s %" G_GINT64_FORMAT ": %s", type, class_id, error->message);
}

/* ---- reconnecting ------------------------------------------------------- */

static gboolean
retry_cb (gpointer user_data)
{
  SlWsClient *self = user_data;

  g_clear_pointer (&self->retry_timer, g_source_unref);
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* Waits, then tries again: 0.5 s doubling to 10 s, ±20 %. */
static void
schedule_retry (SlWsClient *self)
{
  guint wait_ms;

  if (!self->started)
    {
      set_state (self, SL_WS_DISCONNECTED);
      return;
    }
  set_state (self, SL_WS_CONNECTING);
  clear_source (&self->retry_timer);
  wait_ms = (guint) (self->backoff_ms * g_random_double_range (1.0 - SL_WS_BACKOFF_JITTER,
                                                               1.0 + SL_WS_BACKOFF_JITTER));
  g_debug ("reconnecting in %u ms", wait_ms);
  self->backoff_ms = MIN (self->backoff_ms * 2, SL_WS_BACKOFF_MAX_MS);
  self->retry_timer = g_timeout_source_new (wait_ms);
  g_source_set_callback (self->retry_timer, retry_cb, self, NULL);
  g_source_set_static_name (self->retry_timer, "[sl-ws-client] retry");
  g_source_attach (self->retry_timer, self->context);
}

static void
conn_closed_cb (SoupWebsocketConnection *conn,
                gpointer                 user_data)
{
  g_object_unref (conn);
}

static void
drop_connection (SlWsClient *self,
                 gushort     code)
{
  clear_source (&self->watchdog);
  g_array_set_size (self->rejoining, 0);
  if (self->conn == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->conn, self);
  if (g_get_monotonic_time () - self->opened_at >= SL_WS_STABLE_US)
    self->backoff_ms = SL_WS_BACKOFF_FIRST_MS;
  if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->conn, code, NULL);
  if (soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_CLOSED)
    {
      /* the close handshake finishes on its own; the connection keeps
       * itself until then */
      g_signal_connect (self->conn, "closed", G_CALLBACK (conn_closed_cb), NULL);
      self->conn = NULL;
      return;
    }
  g_clear_object (&self->conn);
}

static void
closed_cb (SoupWebsocketConnection *conn,
           gpointer                 user_data)
{
  SlWsClient *self = user_data;

  g_debug ("connection closed (code %u)", soup_websocket_connection_get_close_code (conn));
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  schedule_retry (self);
}

static void
error_cb (SoupWebsocketConnection *conn,
          GError                  *error,
          gpointer                 user_data)
{
  g_debug ("connection error: %s", error->message);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  SlWsClient *self = user_data;
  gint64 silence = g_get_monotonic_time () - self->last_heard;

  if (silence >= SL_WS_IDLE_DEAD)
    {
      g_debug ("nothing heard for %" G_GINT64_FORMAT " s: reconnecting", silence / G_USEC_PER_SEC);
      g_clear_pointer (&self->watchdog, g_source_unref);
      drop_connection (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
      schedule_retry (self);
      return G_SOURCE_REMOVE;
    }
  if (silence >= SL_WS_IDLE_PING && self->state == SL_WS_CONNECTED)
    {
      g_autoptr(JsonObject) ping = json_object_new ();

      json_object_set_string_member (ping, "type", "ping");
      send_object (self, ping, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- receiving ---------------------------------------------------------- */

static void
finish_rejoin_of (SlWsClient *self,
                  gint64      class_id)
{
  gssize i = room_index (self->rejoining, class_id);

  if (i < 0)
    return;
  g_array_remove_index (self->rejoining, (guint) i);
  if (self->rejoining->len == 0)
    g_signal_emit (self, signals[SIGNAL_REJOINED], 0);
}

static void
hello_received (SlWsClient *self)
{
  gboolean reconnect = self->was_connected;

  self->was_connected = TRUE;
  self->refresh_tried = FALSE;
  set_state (self, SL_WS_CONNECTED);
  if (self->state != SL_WS_CONNECTED)
    return;   /* a handler stopped us */

  g_array_set_size (self->rejoining, 0);
  g_array_append_vals (self->rejoining, self->rooms->data, self->rooms->len);
  for (guint i = 0; i < self->rooms->len; i++)
    {
      gint64 class_id = g_array_index (self->rooms, gint64, i);
      g_autofree char *ref = g_strdup_printf (SL_WS_REJOIN_PREFIX "%" G_GINT64_FORMAT, class_id);

      send_room_message (self, "join", class_id, reconnect ? ref : NULL);
    }
  if (!reconnect)
    g_array_set_size (self->rejoining, 0);
  else if (self->rooms->len == 0)
    g_signal_emit (self, signals[SIGNAL_REJOINED], 0);
}

static void
message_cb (SoupWebsocketConnection *conn,
            gint                     type,
            GBytes                  *message,
            gpointer                 user_data)
{
  SlWsClient *self = user_data;
  g_autoptr(SlWsClient) hold = g_object_ref (self);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) object = NULL;
  gsize length;
  const char *data = g_bytes_get_data (message, &length);
  const char *kind;
  JsonNode *root;

  self->last_heard = g_get_monotonic_time ();
  if (type != SOUP_WEBSOCKET_DATA_TEXT ||
      !json_parser_load_from_data (parser, data, (gssize) length, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_warning ("dropping a frame from the server that is not a JSON object");
      return;
    }
  object = json_object_ref (json_node_get_object (root));
  kind = json_object_get_string_member_with_default (object, "type", "");

  if (strcmp (kind, "hello") == 0)
    hello_received (self);

  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, object);

  if (strcmp (kind, "joined") == 0 && json_object_has_member (object, "class_id"))
    finish_rejoin_of (self, json_object_get_int_member (object, "class_id"));

  /* a room that cannot be joined again (ended, gone) is forgotten */
  if (strcmp (kind, "error") == 0)
    {
      const char *ref = json_object_get_string_member_with_default (object, "ref", "");
      gint64 class_id;

      if (g_str_has_prefix (ref, SL_WS_REJOIN_PREFIX) &&
          g_ascii_string_to_signed (ref + strlen (SL_WS_REJOIN_PREFIX), 10, 1, G_MAXINT64,
                                    &class_id, NULL) &&
          room_index (self->rejoining, class_id) >= 0)
        {
          g_debug ("room %" G_GINT64_FORMAT " cannot be joined again: %s", class_id,
                   json_object_get_string_member_with_default (object, "message", ""));
          remove_room (self->rooms, class_id);
          finish_rejoin_of (self, class_id);
        }
    }
}

/* ---- connecting --------------------------------------------------------- */

static void
refreshed_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SlWsClient) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_sl_api_client_refresh_finish (SL_API_CLIENT (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;   /* stopped */
      g_debug ("refresh before reconnecting: %s", error->message);
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT))
        {
          sl_ws_client_stop (self);
          return;
        }
      g_clear_object (&self->cancellable);
      if (self->started && self->retry_timer == NULL && self->conn == NULL && self->upgrade == NULL)
        schedule_retry (self);
      return;
    }
  g_clear_object (&self->cancellable);
  connect_now (self);
}

/* One try at the upgrade: a stop (or a newer try) makes its answer moot. */
typedef struct {
  SlWsClient   *self;
  SoupMessage  *upgrade;
  GCancellable *cancellable;
} Attempt;

static void
attempt_free (Attempt *attempt)
{
  g_object_unref (attempt->self);
  g_object_unref (attempt->upgrade);
  g_object_unref (attempt->cancellable);
  g_free (attempt);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Attempt, attempt_free)

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Attempt) attempt = user_data;
  SlWsClient *self = attempt->self;
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *conn;
  guint status;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (g_cancellable_is_cancelled (attempt->cancellable) || self->upgrade != attempt->upgrade)
    {
      /* stopped meanwhile */
      if (conn != NULL)
        {
          soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          g_signal_connect (conn, "closed", G_CALLBACK (conn_closed_cb), NULL);
        }
      return;
    }
  g_clear_object (&self->upgrade);
  g_clear_object (&self->cancellable);
  status = soup_message_get_status (attempt->upgrade);

  if (conn == NULL)
    {
      g_debug ("cannot connect to the hub (%u): %s", status, error->message);
      if (status == SOUP_STATUS_UNAUTHORIZED && !self->refresh_tried &&
          sl_api_client_get_access_token (self->api) != NULL)
        {
          /* the token expired while we were away: a fresh one, then again */
          self->refresh_tried = TRUE;
          self->cancellable = g_cancellable_new ();
          _sl_api_client_refresh_async (self->api, self->cancellable, refreshed_cb,
                                        g_object_ref (self));
          return;
        }
      schedule_retry (self);
      return;
    }

  self->conn = conn;
  self->opened_at = self->last_heard = g_get_monotonic_time ();
  soup_websocket_connection_set_max_incoming_payload_size (conn, SL_WS_MAX_PAYLOAD);
  g_signal_connect (conn, "message", G_CALLBACK (message_cb), self);
  g_signal_connect (conn, "closed", G_CALLBACK (closed_cb), self);
  g_signal_connect (conn, "error", G_CALLBACK (error_cb), self);
  self->watchdog = g_timeout_source_new_seconds (SL_WS_WATCHDOG_S);
  g_source_set_callback (self->watchdog, watchdog_cb, self, NULL);
  g_source_set_static_name (self->watchdog, "[sl-ws-client] watchdog");
  g_source_attach (self->watchdog, self->context);
  /* CONNECTED once the "hello" is in */
}

static void
connect_now (SlWsClient *self)
{
  g_autofree char *url = g_strconcat (sl_api_client_get_base_url (self->api), "/ws", NULL);
  const char *token = sl_api_client_get_access_token (self->api);
  Attempt *attempt;

  if (!self->started || self->conn != NULL || self->upgrade != NULL)
    return;
  set_state (self, SL_WS_CONNECTING);

  self->upgrade = soup_message_new ("GET", url);
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (self->upgrade),
                                    "Authorization", value);
    }
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  attempt = g_new0 (Attempt, 1);
  attempt->self = g_object_ref (self);
  attempt->upgrade = g_object_ref (self->upgrade);
  attempt->cancellable = g_object_ref (self->cancellable);
  soup_session_websocket_connect_async (sl_api_client_get_session (self->api), self->upgrade,
                                        NULL, NULL, G_PRIORITY_DEFAULT, self->cancellable,
                                        connected_cb, attempt);
}

static void
signed_out_cb (SlApiClient *api,
               GError      *why,
               gpointer     user_data)
{
  SlWsClient *self = user_data;

  g_debug ("signed out: %s", why ? why->message : "");
  sl_ws_client_stop (self);
}

/* ---- the object --------------------------------------------------------- */

static void
sl_ws_client_dispose (GObject *object)
{
  SlWsClient *self = SL_WS_CLIENT (object);

  self->started = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->upgrade);
  clear_source (&self->retry_timer);
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  g_clear_object (&self->api);

  G_OBJECT_CLASS (sl_ws_client_parent_class)->dispose (object);
}

static void
sl_ws_client_finalize (GObject *object)
{
  SlWsClient *self = SL_WS_CLIENT (object);

  g_array_unref (self->rooms);
  g_array_unref (self->rejoining);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (sl_ws_client_parent_class)->finalize (object);
}

static void
sl_ws_client_class_init (SlWsClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_ws_client_dispose;
  object_class->finalize = sl_ws_client_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  signals[SIGNAL_REJOINED] =
    g_signal_new ("rejoined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sl_ws_client_init (SlWsClient *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->rooms = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->rejoining = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->backoff_ms = SL_WS_BACKOFF_FIRST_MS;
}

SlWsClient *
sl_ws_client_new (SlApiClient *api)
{
  SlWsClient *self;

  g_return_val_if_fail (SL_IS_API_CLIENT (api), NULL);

  self = g_object_new (SL_TYPE_WS_CLIENT, NULL);
  self->api = g_object_ref (api);
  g_signal_connect_object (api, "signed-out", G_CALLBACK (signed_out_cb), self, 0);
  return self;
}

void
sl_ws_client_start (SlWsClient *self)
{
  g_return_if_fail (SL_IS_WS_CLIENT (self));

  if (self->started)
    return;
  self->started = TRUE;
  self->refresh_tried = FALSE;
  self->backoff_ms = SL_WS_BACKOFF_FIRST_MS;
  connect_now (self);
}

void
sl_ws_client_stop (SlWsClient *self)
{
  g_return_if_fail (SL_IS_WS_CLIENT (self));

  self->started = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->upgrade);
  clear_source (&self->retry_timer);
  drop_connection (self, SOUP_WEBSOCKET_CLOSE_NORMAL);
  self->was_connected = FALSE;
  set_state (self, SL_WS_DISCONNECTED);
}

SlWsState
sl_ws_client_get_state (SlWsClient *self)
{
  g_return_val_if_fail (SL_IS_WS_CLIENT (self), SL_WS_DISCONNECTED);
  return self->state;
}

void
sl_ws_client_join (SlWsClient *self,
                   gint64      class_id)
{
  g_return_if_fail (SL_IS_WS_CLIENT (self));

  if (room_index (self->rooms, class_id) < 0)
    g_array_append_val (self->rooms, class_id);
  if (self->state == SL_WS_CONNECTED)
    send_room_message (self, "join", class_id, NULL);
}

void
sl_ws_client_leave (SlWsClient *self,
                    gint64      class_id)
{
  g_return_if_fail (SL_IS_WS_CLIENT (self));

  remove_room (self->rooms, class_id);
  if (room_index (self->rejoining, class_id) >= 0)
    finish_rejoin_of (self, class_id);
  if (self->state == SL_WS_CONNECTED)
    send_room_message (self, "leave", class_id, NULL);
}

gboolean
sl_ws_client_send (SlWsClient  *self,
                   JsonObject  *message,
                   GError     **error)
{
  g_return_val_if_fail (SL_IS_WS_CLIENT (self), FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return send_object (self, message, error);
}

gboolean
sl_ws_client_send_chat (SlWsClient  *self,
                        gint64       class_id,
                        const char  *text,
                        GError     **error)
{
  g_autoptr(JsonObject) message = json_object_new ();

  g_return_val_if_fail (SL_IS_WS_CLIENT (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);

  json_object_set_string_member (message, "type", "chat");
  json_object_set_int_member (message, "class_id", class_id);
  json_object_set_string_member (message, "text", text);
  return sl_ws_client_send (self, message, error);
}

gboolean
sl_ws_client_set_hand (SlWsClient  *self,
                       gint64       class_id,
                       gboolean     raised,
                       GError     **error)
{
  g_autoptr(JsonObject) message = json_object_new ();

  g_return_val_if_fail (SL_IS_WS_CLIENT (self), FALSE);

  json_object_set_string_member (message, "type", raised ? "hand_raise" : "hand_lower");
  json_object_set_int_member (message, "class_id", class_id);
  return sl_ws_client_send (self, message, error);
}

gboolean
sl_ws_client_send_signal (SlWsClient  *self,
                          gint64       class_id,
                          gint64       to,
                          JsonObject  *data,
                          GError     **error)
{
  g_autoptr(JsonObject) message = json_object_new ();

  g_return_val_if_fail (SL_IS_WS_CLIENT (self), FALSE);
  g_return_val_if_fail (data != NULL, FALSE);

  json_object_set_string_member (message, "type", "signal");
  json_object_set_int_member (message, "class_id", class_id);
  json_object_set_int_member (message, "to", to);
  json_object_set_object_member (message, "data", json_object_ref (data));
  return sl_ws_client_send (self, message, error);
}
