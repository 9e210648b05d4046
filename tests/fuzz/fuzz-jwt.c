/* fuzz-jwt.c: sl_jwt_verify() on arbitrary bytes, also signed so the claims are reached
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-jwt"

#include "config.h"

#include "sl-fuzz.h"
#include "sl-jwt.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

/* The seed corpus in corpus/fuzz-jwt/ is made with these. */
#define SECRET "streamlet-fuzz-secret-0123456789abcdef"
#define ISSUER "https://streamlet.fuzz"
#define AUDIENCE "streamlet-api"
#define NOW G_GINT64_CONSTANT (1700000000)

static SlJwt *
get_jwt (void)
{
  /* Built once: libFuzzer calls us millions of times in one process. */
  static SlJwt *jwt;

  if (jwt == NULL)
    jwt = sl_jwt_new ((const guint8 *) SECRET, strlen (SECRET), ISSUER, AUDIENCE);
  return jwt;
}

static void
check (const char *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlJwtClaims) claims = sl_jwt_verify (get_jwt (), token, NOW, &error);

  /* Exactly one of claims and error, and accepted claims are sane. */
  if ((claims == NULL) == (error == NULL))
    abort ();
  if (error != NULL && (error->domain != SL_JWT_ERROR || error->message == NULL))
    abort ();
  if (claims != NULL &&
      (claims->user_id <= 0 ||
       claims->role < SL_ROLE_STUDENT || claims->role > SL_ROLE_ADMIN ||
       claims->session == NULL || claims->session[0] == '\0' ||
       claims->expires_at <= NOW - SL_JWT_LEEWAY_SECONDS ||
       claims->issued_at > NOW + SL_JWT_LEEWAY_SECONDS))
    abort ();
}

static char *
b64url (const guint8 *data,
        gsize         len)
{
  char *s = g_base64_encode (data, len);
  char *w = s;

  for (char *r = s; *r; r++)
    if (*r != '=')
      *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
  *w = '\0';
  return s;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *input = g_strndup ((const char *) data, size);
  guint8 sig[EVP_MAX_MD_SIZE];
  unsigned int sig_len = 0;
  g_autofree char *sig_b64 = NULL;
  g_autofree char *token = NULL;

  /* 1. The input as a token. */
  check (input);

  /* 2. The input as "header.payload", correctly signed: without this the
   * fuzzer could never get past the signature to the claims. */
  if (memchr (data, '\0', size) != NULL || size > SL_JWT_MAX_LENGTH)
    return 0;
  if (HMAC (EVP_sha256 (), SECRET, (int) strlen (SECRET),
            (const guint8 *) input, size, sig, &sig_len) == NULL)
    abort ();
  sig_b64 = b64url (sig, sig_len);
  token = g_strconcat (input, ".", sig_b64, NULL);
  check (token);

  return 0;
}
