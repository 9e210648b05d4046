/* sl-jwt.h: access tokens as JWT HS256, strictly checked
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "sl-user.h"

G_BEGIN_DECLS

#define SL_JWT_ERROR (sl_jwt_error_quark ())

typedef enum {
  SL_JWT_ERROR_MALFORMED,      /* not three base64url parts of JSON objects */
  SL_JWT_ERROR_ALGORITHM,      /* alg is not HS256 (none, RS256, …) or typ is wrong */
  SL_JWT_ERROR_SIGNATURE,      /* signature does not match */
  SL_JWT_ERROR_EXPIRED,        /* exp is past (beyond the leeway) */
  SL_JWT_ERROR_NOT_YET_VALID,  /* nbf or iat in the future (beyond the leeway) */
  SL_JWT_ERROR_CLAIMS,         /* iss, aud, typ, sub, role or sid missing or wrong */
} SlJwtError;

GQuark sl_jwt_error_quark (void);

#define SL_JWT_MIN_SECRET 32
#define SL_JWT_LEEWAY_SECONDS 30
#define SL_JWT_MAX_LENGTH 4096

typedef struct {
  gint64  user_id;    /* sub */
  SlRole  role;
  char   *session;    /* sid: the login this token was issued for */
  gint64  issued_at;  /* iat */
  gint64  expires_at; /* exp */
} SlJwtClaims;

void sl_jwt_claims_free (SlJwtClaims *claims);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlJwtClaims, sl_jwt_claims_free)

typedef struct _SlJwt SlJwt;

/* @secret must be at least SL_JWT_MIN_SECRET bytes. */
SlJwt       *sl_jwt_new    (const guint8 *secret,
                            gsize         secret_len,
                            const char   *issuer,
                            const char   *audience);
void         sl_jwt_free   (SlJwt        *jwt);

/* Header {"alg":"HS256","typ":"JWT"}; claims iss, aud, sub (the id as a
 * string), role, sid, typ "access", iat, nbf, exp, jti. */
char        *sl_jwt_sign   (SlJwt        *jwt,
                            gint64        user_id,
                            SlRole        role,
                            const char   *session,
                            gint64        now,
                            gint64        ttl_seconds);
SlJwtClaims *sl_jwt_verify (SlJwt        *jwt,
                            const char   *token,
                            gint64        now,
                            GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlJwt, sl_jwt_free)

G_END_DECLS
