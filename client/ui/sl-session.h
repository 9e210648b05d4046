/* sl-session.h: the app's signed-in state: one API client and one hub
 * connection per sign-in, the remembered server and user, and the kept
 * session of "stay signed in"
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-api-client.h"
#include "sl-ws-client.h"

G_BEGIN_DECLS

typedef enum {
  SL_SESSION_SIGNED_OUT,
  SL_SESSION_SIGNING_IN,
  SL_SESSION_SIGNED_IN,
} SlSessionState;

#define SL_TYPE_SESSION (sl_session_get_type ())
G_DECLARE_FINAL_TYPE (SlSession, sl_session, SL, SESSION, GObject)

/* @settings: the app's GSettings (server-url, username, stay-signed-in).
 * @kept_path: where "stay signed in" keeps the refresh token (0600);
 * NULL: $XDG_DATA_HOME/streamlet/session. */
SlSession      *sl_session_new              (GSettings            *settings,
                                             const char           *kept_path);

/* Signs in to @server_url; remembers the server and user name in GSettings,
 * and with @stay_signed_in keeps the refresh token on disk (otherwise the
 * tokens live in memory only and any kept one is removed). Errors: those of
 * SlApiClient (UNREACHABLE for a bad URL too). */
void            sl_session_sign_in_async    (SlSession            *self,
                                             const char           *server_url,
                                             const char           *username,
                                             const char           *password,
                                             gboolean              stay_signed_in,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean        sl_session_sign_in_finish   (SlSession            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/* Resumes the kept session, if there is one (FALSE with SIGNED_OUT when
 * there is none or the server refused it; the kept token is then removed). */
void            sl_session_resume_async     (SlSession            *self,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean        sl_session_resume_finish    (SlSession            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
gboolean        sl_session_has_kept         (SlSession            *self);
/* Signs out on the server, forgets the tokens and the kept session. */
void            sl_session_sign_out         (SlSession            *self);

SlSessionState  sl_session_get_state        (SlSession            *self);
/* Valid while signed in, NULL otherwise. */
SlApiClient    *sl_session_get_api          (SlSession            *self);
SlWsClient     *sl_session_get_hub          (SlSession            *self);
const char     *sl_session_get_role         (SlSession            *self);
const char     *sl_session_get_display_name (SlSession            *self);
/* The profile dialog changed it on the server: the session says the new
 * name until the next sign-in. */
void            sl_session_set_display_name (SlSession            *self,
                                             const char           *display_name);
gint64          sl_session_get_user_id      (SlSession            *self);
/* The addresses WebRTC may use (STREAMLET_ICE_ADDRESSES, comma separated;
 * tests pin them to their private network), NULL: every interface. For
 * SlPublisher and SlViewer. */
const char *const *sl_session_get_ice_addresses (SlSession        *self);

/* Properties: "state" (SlSessionState), "role", "display-name",
 *   "hub-state" (SlWsState).
 * Signals: "signed-out" (GError *why): the server ended the session. */

G_END_DECLS
