/* sl-api-client-private.h: SlApiClient internals for the rest of
 * client/core (the WebSocket client refreshes through it) and the tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-api-client.h"

G_BEGIN_DECLS

/* Trades the refresh token for a new pair now (joining a refresh already
 * under way). A refused refresh signs out ("signed-out", SIGNED_OUT); no
 * session at all is SIGNED_OUT too. */
void     _sl_api_client_refresh_async     (SlApiClient         *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean _sl_api_client_refresh_finish    (SlApiClient         *self,
                                           GAsyncResult        *result,
                                           GError             **error);

/* Tests: replaces the access token (say, with an expired one) and keeps the
 * refresh token and its schedule. */
void     _sl_api_client_set_access_token  (SlApiClient         *self,
                                           const char          *token);

G_END_DECLS
