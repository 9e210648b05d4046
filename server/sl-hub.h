/* sl-hub.h: the real-time hub — WebSocket clients, class rooms, chat,
 * hands, presence, stage and signalling (docs/protocol.md)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "sl-auth.h"
#include "sl-class.h"
#include "sl-jwt.h"
#include "sl-store.h"

G_BEGIN_DECLS

#define SL_TYPE_HUB (sl_hub_get_type ())
G_DECLARE_FINAL_TYPE (SlHub, sl_hub, SL, HUB, GObject)

SlHub *sl_hub_new            (SlStore           *store);
/* Takes over @stream (an upgraded connection) for the user of @claims. */
void   sl_hub_accept         (SlHub             *self,
                              GIOStream         *stream,
                              const SlJwtClaims *claims);
/* "class_started", "class_updated" or "class_ended" to every client; an
 * ended or cancelled class's room closes. */
void   sl_hub_class_changed  (SlHub             *self,
                              const char        *event,
                              const SlClass     *klass);
/* {"type": "stream", "class_id", "online"} to every client: a publisher
 * started or stopped sending (the class stays live either way). */
void   sl_hub_stream_changed (SlHub             *self,
                              gint64             class_id,
                              gboolean           online);
/* How many distinct users are in @class_id's room now. */
guint  sl_hub_get_room_count (SlHub             *self,
                              gint64             class_id);
/* Closes every connection with 1001 (going away). */
void   sl_hub_shutdown       (SlHub             *self);
guint  sl_hub_get_n_clients  (SlHub             *self);
/* Pings a client after @ping_interval µs of silence and drops it after
 * @timeout µs (15 s and 30 s by default); for connections made later. */
void   sl_hub_set_keepalive  (SlHub             *self,
                              gint64             ping_interval,
                              gint64             timeout);

G_END_DECLS
