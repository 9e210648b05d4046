/* sl-api-client.h: the server's HTTP API for the app and streamlet-edge:
 * signing in (tokens refreshed before they expire), classes, chat history,
 * stream keys, and raw requests for WHIP/WHEP
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define SL_TYPE_API_CLIENT (sl_api_client_get_type ())
G_DECLARE_FINAL_TYPE (SlApiClient, sl_api_client, SL, API_CLIENT, GObject)

/* @base_url: "http://host:port" or "https://…" (a trailing '/' is fine).
 * NULL with SL_CLIENT_ERROR_UNREACHABLE (message names the URL) when it is
 * not an http(s) URL with a host. Callbacks and signals come on the
 * thread-default main context of the caller. */
SlApiClient *sl_api_client_new            (const char           *base_url,
                                           GError              **error);
const char  *sl_api_client_get_base_url   (SlApiClient          *self);
SoupSession *sl_api_client_get_session    (SlApiClient          *self);

/* POST /api/login. Keeps the tokens, and from then on refreshes the access
 * token (POST /api/token/refresh) when a fifth of its life is left, and once
 * more on a 401; when the refresh is refused it emits "signed-out". Wrong
 * name or password: SL_CLIENT_ERROR_BAD_CREDENTIALS. */
void         sl_api_client_login_async    (SlApiClient          *self,
                                           const char           *username,
                                           const char           *password,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean     sl_api_client_login_finish   (SlApiClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
/* Resumes a session kept from an earlier run ("stay signed in") by
 * refreshing @refresh_token, which is spent doing so: keep the new one
 * (sl_api_client_get_refresh_token, after this and after each
 * "token-refreshed"). A refused token: SL_CLIENT_ERROR_SIGNED_OUT. */
void         sl_api_client_resume_async   (SlApiClient          *self,
                                           const char           *refresh_token,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
gboolean     sl_api_client_resume_finish  (SlApiClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);
const char  *sl_api_client_get_refresh_token (SlApiClient       *self);
/* Valid after login; NULL/0 before. */
const char  *sl_api_client_get_access_token (SlApiClient        *self);
gint64       sl_api_client_get_user_id    (SlApiClient          *self);
const char  *sl_api_client_get_role       (SlApiClient          *self);   /* "admin", "teacher", "student" */
const char  *sl_api_client_get_display_name (SlApiClient        *self);
/* POST /api/logout, then forgets the tokens (no "signed-out" signal). */
void         sl_api_client_logout         (SlApiClient          *self);

/* A JSON request to @path ("/api/…"), with the access token when signed in;
 * @body (nullable, an object) is sent as application/json. Resolves to the
 * answer's object on 2xx; otherwise the error maps the status and the
 * server's {"error":{code,message}}: 401 after a failed refresh →
 * SIGNED_OUT, 403 FORBIDDEN, 404 NOT_FOUND, 409 not_live → NOT_LIVE,
 * 409 other / 503 too_many_viewers → BUSY, 503 stream_offline → OFFLINE,
 * other 4xx REFUSED, 5xx SERVER, unreadable JSON PROTOCOL, no connection
 * UNREACHABLE. The message is the server's when it sent one. */
void         sl_api_client_request_async  (SlApiClient          *self,
                                           const char           *method,
                                           const char           *path,
                                           JsonObject           *body,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
JsonObject  *sl_api_client_request_finish (SlApiClient          *self,
                                           GAsyncResult         *result,
                                           GError              **error);

/* Any body (SDP, trickle fragments): @path_or_url is a path on the server or
 * an absolute URL; @bearer (nullable) overrides the access token (a stream
 * key). Resolves to the answer's body on 2xx, and *@response_headers
 * (nullable, transfer full) to its headers; errors as above. */
void         sl_api_client_send_async     (SlApiClient          *self,
                                           const char           *method,
                                           const char           *path_or_url,
                                           const char           *bearer,
                                           const char           *content_type,
                                           GBytes               *body,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
GBytes      *sl_api_client_send_finish    (SlApiClient          *self,
                                           GAsyncResult         *result,
                                           SoupMessageHeaders  **response_headers,
                                           GError              **error);

/* Conveniences over request_async (resolve with request_finish):
 * GET /api/classes/<id> (→ {"class":…}), GET /api/classes/live,
 * GET /api/classes/<id>/chat, GET /api/classes/<id>/stream-key
 * (→ {stream_key, whip_url}). */
void         sl_api_client_get_class_async (SlApiClient *self, gint64 class_id, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
void         sl_api_client_list_live_async (SlApiClient *self, GCancellable *cancellable,
                                            GAsyncReadyCallback callback, gpointer user_data);
void         sl_api_client_chat_history_async (SlApiClient *self, gint64 class_id, GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
void         sl_api_client_stream_key_async (SlApiClient *self, gint64 class_id, GCancellable *cancellable,
                                             GAsyncReadyCallback callback, gpointer user_data);

/* Signals:
 *   "token-refreshed"  the access token changed
 *   "signed-out"       (GError *why) the session cannot be kept */

G_END_DECLS
