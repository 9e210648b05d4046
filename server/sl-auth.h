/* sl-auth.h: who is asking — bearer tokens, logins, sessions and their
 * refresh tokens, login throttling
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "sl-config.h"
#include "sl-jwt.h"
#include "sl-password.h"
#include "sl-store.h"

G_BEGIN_DECLS

#define SL_AUTH_ERROR (sl_auth_error_quark ())

typedef enum {
  SL_AUTH_ERROR_MISSING_TOKEN,          /* no usable Authorization header */
  SL_AUTH_ERROR_INVALID_CREDENTIALS,    /* unknown user or wrong password: one answer */
  SL_AUTH_ERROR_INVALID_REFRESH_TOKEN,  /* unknown, spent, revoked or expired */
  SL_AUTH_ERROR_DISABLED,               /* the account is disabled */
  SL_AUTH_ERROR_THROTTLED,              /* too many failures: try later */
  SL_AUTH_ERROR_WRONG_PASSWORD,         /* the current password given to change it */
  SL_AUTH_ERROR_SECRET,                 /* the signing secret cannot be read or made */
  SL_AUTH_ERROR_SESSION_ENDED,          /* the token's login was ended (logout, …) */
  SL_AUTH_ERROR_STALE_TOKEN,            /* the user's role changed since it was issued */
} SlAuthError;

GQuark sl_auth_error_quark (void);

/* What a successful login or refresh hands out. */
typedef struct {
  SlUser *user;
  char   *session;
  char   *access_token;
  char   *refresh_token;
  gint64  expires_in;
} SlLogin;

void      sl_login_free    (SlLogin *login);
JsonNode *sl_login_to_json (const SlLogin *login);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlLogin, sl_login_free)

#define SL_TYPE_AUTH (sl_auth_get_type ())
G_DECLARE_FINAL_TYPE (SlAuth, sl_auth, SL, AUTH, GObject)

/* The secret: config->jwt_secret, else DATA_DIR/jwt-secret (made at first
 * start, 0600). */
SlAuth           *sl_auth_new                (const SlConfig      *config,
                                              SlStore             *store,
                                              GError             **error);
SlPasswordHasher *sl_auth_get_hasher         (SlAuth              *self);

/* Checks "Authorization: Bearer <jwt>" (or, where @allow_query, an
 * access_token query parameter). */
SlJwtClaims      *sl_auth_check_request      (SlAuth              *self,
                                              SoupServerMessage   *msg,
                                              gboolean             allow_query,
                                              GError             **error);
void              sl_auth_set_disabled       (SlAuth              *self,
                                              gint64               user_id,
                                              gboolean             disabled);

/* Signed URLs (HLS of non-public classes, recordings): anyone holding the
 * URL may fetch what lies under @scope (a path prefix such as "/hls/7/")
 * until @expires_at (unix seconds).  Returns the query to append,
 * "exp=<n>&sig=<base64url HMAC-SHA256>"; the key is derived from the token
 * secret.  Give every viewer of a scope the same @expires_at (rounded up)
 * and a CDN caches one copy. */
char             *sl_auth_sign_scope         (SlAuth              *self,
                                              const char          *scope,
                                              gint64               expires_at);
/* TRUE when @exp and @sig (the query's values, nullable) sign @scope and
 * have not expired at @now. */
gboolean          sl_auth_check_scope        (SlAuth              *self,
                                              const char          *scope,
                                              const char          *exp,
                                              const char          *sig,
                                              gint64               now);
/* After a role change: older tokens (with the old role) are refused. */
void              sl_auth_set_role           (SlAuth              *self,
                                              gint64               user_id,
                                              SlRole               role);
/* Access tokens of these logins are refused from now on (they are already
 * revoked in the store). @sessions: strings. */
void              sl_auth_end_sessions       (SlAuth              *self,
                                              GPtrArray           *sessions);
void              sl_auth_end_session        (SlAuth              *self,
                                              const char          *session);
/* Ends every login of @user_id but @except_session (nullable): their
 * refresh tokens in the store, their access tokens here. */
void              sl_auth_end_user_sessions_async  (SlAuth              *self,
                                                    gint64               user_id,
                                                    const char          *except_session,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean          sl_auth_end_user_sessions_finish (SlAuth              *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);

void              sl_auth_login_async        (SlAuth              *self,
                                              const char          *username,
                                              const char          *password,
                                              const char          *client_address,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/* On SL_AUTH_ERROR_THROTTLED, *retry_after holds seconds to wait. */
SlLogin          *sl_auth_login_finish       (SlAuth              *self,
                                              GAsyncResult        *result,
                                              gint64              *retry_after,
                                              GError             **error);
/* A new login for @user (after registration). */
void              sl_auth_start_session_async (SlAuth             *self,
                                              const SlUser        *user,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
SlLogin          *sl_auth_start_session_finish (SlAuth            *self,
                                              GAsyncResult        *result,
                                              GError             **error);
void              sl_auth_refresh_async      (SlAuth              *self,
                                              const char          *refresh_token,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
SlLogin          *sl_auth_refresh_finish     (SlAuth              *self,
                                              GAsyncResult        *result,
                                              GError             **error);

/* The stored form of a refresh token. */
char             *sl_auth_hash_refresh_token (const char          *token);

G_END_DECLS
