/* sl-ws-connection.h: the server side of one WebSocket (RFC 6455) on a
 * stream taken over from the HTTP server, with hard limits: frame and
 * message size, a bounded send queue, and a keepalive with a pong timeout
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Written here rather than using SoupWebsocketConnection: libsoup 3.2 has
 * no cap on a fragmented message's total size, no pong timeout, and no way
 * to see (or bound) how much it has queued for a client that stopped
 * reading — the three things a hub of thousands of clients needs.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  SL_WS_CLOSE_NORMAL = 1000,
  SL_WS_CLOSE_GOING_AWAY = 1001,
  SL_WS_CLOSE_PROTOCOL_ERROR = 1002,
  SL_WS_CLOSE_BAD_DATA = 1007,
  SL_WS_CLOSE_POLICY_VIOLATION = 1008,
  SL_WS_CLOSE_TOO_BIG = 1009,
  SL_WS_CLOSE_ABNORMAL = 1006,   /* never sent: no close frame came */
} SlWsCloseCode;

typedef struct {
  gsize  max_message;     /* one message, all fragments */
  gsize  max_queue;       /* bytes waiting to be sent before the client is dropped */
  gint64 ping_interval;   /* µs of silence before we ping */
  gint64 pong_timeout;    /* µs without anything from the peer before we give up */
} SlWsLimits;

/* Watches many connections' sockets at once (one epoll set). */
typedef struct _SlWsPoller SlWsPoller;

SlWsPoller     *sl_ws_poller_new            (void);
SlWsPoller     *sl_ws_poller_ref            (SlWsPoller         *poller);
void            sl_ws_poller_unref          (SlWsPoller         *poller);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlWsPoller, sl_ws_poller_unref)

#define SL_TYPE_WS_CONNECTION (sl_ws_connection_get_type ())
G_DECLARE_FINAL_TYPE (SlWsConnection, sl_ws_connection, SL, WS_CONNECTION, GObject)

/* Signals:
 *   "message" (GBytes *payload, gboolean is_text)  a whole message
 *   "closed"  (guint code)                          once, at the end */

SlWsConnection *sl_ws_connection_new        (GIOStream          *stream,
                                             const SlWsLimits   *limits,
                                             SlWsPoller         *poller);
/* Reading starts here, so the owner can connect its signals first. */
void            sl_ws_connection_start      (SlWsConnection     *self);

/* A text frame of @data; FALSE when the connection is closing or its queue
 * is full (it is then dropped with 1008). */
gboolean        sl_ws_connection_send_text  (SlWsConnection     *self,
                                             const char         *data,
                                             gsize               length);
/* A frame built once by sl_ws_frame_text() and shared by many clients. */
gboolean        sl_ws_connection_send_frame (SlWsConnection     *self,
                                             GBytes             *frame);
void            sl_ws_connection_close      (SlWsConnection     *self,
                                             guint               code,
                                             const char         *reason);
/* Pings when idle, drops the peer when it has been silent too long. */
void            sl_ws_connection_tick       (SlWsConnection     *self,
                                             gint64              now);
gboolean        sl_ws_connection_is_open    (SlWsConnection     *self);
gsize           sl_ws_connection_get_queued (SlWsConnection     *self);

/* The bytes of one unmasked text frame carrying @data. */
GBytes         *sl_ws_frame_text            (const char         *data,
                                             gsize               length);

G_END_DECLS
