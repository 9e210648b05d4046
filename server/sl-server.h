/* sl-server.h: streamlet-server — the HTTP front, its routes and its parts
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sl-auth.h"
#include "sl-config.h"
#include "sl-store.h"

G_BEGIN_DECLS

#define SL_TYPE_SERVER (sl_server_get_type ())
G_DECLARE_FINAL_TYPE (SlServer, sl_server, SL, SERVER, GObject)

/* Opens the store (and applies its migrations) and the token secret.
 * Takes @config. */
SlServer       *sl_server_new          (SlConfig            *config,
                                        GError             **error);
/* Creates the first admin (and with --demo the demo accounts), then listens. */
void            sl_server_start_async  (SlServer            *self,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean        sl_server_start_finish (SlServer            *self,
                                        GAsyncResult        *result,
                                        GError             **error);
/* Refuses new requests, lets those in flight finish (10 s at most), closes
 * the connections and the store. */
void            sl_server_stop_async   (SlServer            *self,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gboolean        sl_server_stop_finish  (SlServer            *self,
                                        GAsyncResult        *result,
                                        GError             **error);

guint           sl_server_get_port     (SlServer            *self);
SlStore        *sl_server_get_store    (SlServer            *self);
SlAuth         *sl_server_get_auth     (SlServer            *self);
struct _SlHub  *sl_server_get_hub      (SlServer            *self);
struct _SlMediaServer *sl_server_get_media (SlServer        *self);
const SlConfig *sl_server_get_config   (SlServer            *self);

/* Tells every connected client: @event is "class_started", "class_ended"
 * (the room closes) or "class_updated". */
void            sl_server_class_changed (SlServer           *self,
                                         const char         *event,
                                         const SlClass      *klass);

G_END_DECLS
