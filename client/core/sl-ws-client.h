/* sl-ws-client.h: the real-time hub (GET /ws, docs/protocol.md) from the
 * client's side: rooms, chat, hands, stage and signal messages, and staying
 * connected: reconnects with backoff and rejoins its rooms after a server
 * restart or a network loss
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-api-client.h"

G_BEGIN_DECLS

typedef enum {
  SL_WS_DISCONNECTED,   /* not started, or closed */
  SL_WS_CONNECTING,     /* first attempt or a reconnect under way / waiting */
  SL_WS_CONNECTED,      /* "hello" received */
} SlWsState;

#define SL_TYPE_WS_CLIENT (sl_ws_client_get_type ())
G_DECLARE_FINAL_TYPE (SlWsClient, sl_ws_client, SL, WS_CLIENT, GObject)

/* Uses @api's base URL and current access token (taken again at each
 * reconnect, so refreshed tokens are used). */
SlWsClient *sl_ws_client_new       (SlApiClient *api);
/* Connects, and keeps connecting: after a failure or a drop it waits
 * 0.5 s, doubling to at most 10 s (with ±20 % jitter), resetting after a
 * connection that lasted 10 s. A 401 at the upgrade first refreshes the
 * token through @api; "signed-out" on @api stops it. */
void        sl_ws_client_start     (SlWsClient  *self);
/* Closes (code 1000) and stops reconnecting. */
void        sl_ws_client_stop      (SlWsClient  *self);
SlWsState   sl_ws_client_get_state (SlWsClient  *self);

/* Rooms are remembered and joined again after every reconnect. */
void        sl_ws_client_join      (SlWsClient  *self,
                                    gint64       class_id);
void        sl_ws_client_leave     (SlWsClient  *self,
                                    gint64       class_id);

/* Sends one protocol message (an object with "type"); FALSE with
 * SL_CLIENT_ERROR_UNREACHABLE when not connected (nothing is queued). */
gboolean    sl_ws_client_send      (SlWsClient  *self,
                                    JsonObject  *message,
                                    GError     **error);
gboolean    sl_ws_client_send_chat (SlWsClient  *self,
                                    gint64       class_id,
                                    const char  *text,
                                    GError     **error);
gboolean    sl_ws_client_set_hand  (SlWsClient  *self,
                                    gint64       class_id,
                                    gboolean     raised,
                                    GError     **error);
/* {"type":"signal","class_id","to","data"} */
gboolean    sl_ws_client_send_signal (SlWsClient *self,
                                      gint64      class_id,
                                      gint64      to,
                                      JsonObject *data,
                                      GError    **error);

/* Signals:
 *   "state-changed" (SlWsState state)
 *   "message" (JsonObject *message)  every message from the server, "hello"
 *       and pings' answers included, as parsed; a frame that is not a JSON
 *       object is dropped with a warning
 *   "rejoined" ()  after a reconnect, once the rooms were joined again */

G_END_DECLS
