/* test-jwt.c: access tokens are signed, checked strictly, and every forgery fails
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-jwt"

#include "config.h"

#include "sl-jwt.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SECRET "0123456789abcdef0123456789abcdef"
#define OTHER_SECRET "fedcba9876543210fedcba9876543210"
#define ISSUER "https://streamlet.test"
#define AUDIENCE "streamlet-api"
#define NOW G_GINT64_CONSTANT (1700000000)

static SlJwt *
new_jwt (void)
{
  return sl_jwt_new ((const guint8 *) SECRET, strlen (SECRET), ISSUER, AUDIENCE);
}

/* Tokens made by hand, with code independent of sl-jwt.c: GLib's base64
 * turned into base64url, and OpenSSL's one-shot HMAC(). */

static char *
b64url (const void *data,
        gsize       len)
{
  char *s = g_base64_encode (data, len);
  char *w = s;

  for (char *r = s; *r; r++)
    {
      if (*r == '=')
        continue;
      *w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
    }
  *w = '\0';
  return s;
}

static char *
b64url_str (const char *text)
{
  return b64url (text, strlen (text));
}

static void
hmac (const char *secret,
      const char *data,
      guint8      out[32])
{
  unsigned int len = 0;

  g_assert_nonnull (HMAC (EVP_sha256 (), secret, (int) strlen (secret),
                          (const guint8 *) data, strlen (data), out, &len));
  g_assert_cmpuint (len, ==, 32);
}

static char *
signed_token (const char *header_json,
              const char *payload_json,
              const char *secret)
{
  g_autofree char *h = b64url_str (header_json);
  g_autofree char *p = b64url_str (payload_json);
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  g_autofree char *s = NULL;
  guint8 sig[32];

  hmac (secret, input, sig);
  s = b64url (sig, sizeof sig);
  return g_strconcat (input, ".", s, NULL);
}

#define GOOD_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define CLAIMS_REST \
  "\"sid\":\"s-1\",\"typ\":\"access\",\"iat\":1700000000,\"nbf\":1700000000," \
  "\"exp\":1700000900,\"jti\":\"abc\""
#define GOOD_PAYLOAD \
  "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"sub\":\"42\"," \
  "\"role\":\"teacher\"," CLAIMS_REST "}"
#define PAYLOAD_WITH(sub_role_sid_times) \
  "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\"," sub_role_sid_times "}"

/* Roundtrip */

static void
test_roundtrip (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = sl_jwt_sign (jwt, 42, SL_ROLE_TEACHER, "session-7", NOW, 900);
  g_autofree char *again = sl_jwt_sign (jwt, 42, SL_ROLE_TEACHER, "session-7", NOW, 900);
  g_autoptr(SlJwtClaims) claims = NULL;

  g_assert_nonnull (token);
  g_assert_cmpuint (strlen (token), <=, SL_JWT_MAX_LENGTH);
  /* jti differs: two tokens are never equal. */
  g_assert_cmpstr (token, !=, again);

  claims = sl_jwt_verify (jwt, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (claims);
  g_assert_cmpint (claims->user_id, ==, 42);
  g_assert_cmpint (claims->role, ==, SL_ROLE_TEACHER);
  g_assert_cmpstr (claims->session, ==, "session-7");
  g_assert_cmpint (claims->issued_at, ==, NOW);
  g_assert_cmpint (claims->expires_at, ==, NOW + 900);
}

static void
test_roles (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  const SlRole roles[] = { SL_ROLE_STUDENT, SL_ROLE_TEACHER, SL_ROLE_ADMIN };

  for (gsize i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *token = sl_jwt_sign (jwt, G_MAXINT64, roles[i], "s", NOW, 60);
      g_autoptr(SlJwtClaims) claims = sl_jwt_verify (jwt, token, NOW, NULL);

      g_assert_nonnull (claims);
      g_assert_cmpint (claims->role, ==, roles[i]);
      g_assert_cmpint (claims->user_id, ==, G_MAXINT64);
    }
}

static JsonObject *
decode_part (const char *part)
{
  g_autofree char *std = g_strdup (part);
  GString *padded = g_string_new (NULL);
  g_autofree guchar *raw = NULL;
  gsize len = 0;
  g_autoptr(JsonParser) parser = json_parser_new ();

  for (char *c = std; *c; c++)
    g_string_append_c (padded, *c == '-' ? '+' : *c == '_' ? '/' : *c);
  while (padded->len % 4 != 0)
    g_string_append_c (padded, '=');
  raw = g_base64_decode (padded->str, &len);
  g_string_free (padded, TRUE);

  g_assert_true (json_parser_load_from_data (parser, (const char *) raw, (gssize) len, NULL));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_token_shape (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autofree char *token = sl_jwt_sign (jwt, 7, SL_ROLE_STUDENT, "sid-x", NOW, 600);
  g_auto(GStrv) parts = g_strsplit (token, ".", 0);
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) payload = NULL;
  guint8 sig[32];
  g_autofree char *input = NULL;
  g_autofree char *expected_sig = NULL;

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_null (strchr (token, '='));

  header = decode_part (parts[0]);
  g_assert_cmpuint (json_object_get_size (header), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (header, "alg"), ==, "HS256");
  g_assert_cmpstr (json_object_get_string_member (header, "typ"), ==, "JWT");

  payload = decode_part (parts[1]);
  g_assert_cmpstr (json_object_get_string_member (payload, "iss"), ==, ISSUER);
  g_assert_cmpstr (json_object_get_string_member (payload, "aud"), ==, AUDIENCE);
  g_assert_cmpstr (json_object_get_string_member (payload, "sub"), ==, "7");
  g_assert_cmpstr (json_object_get_string_member (payload, "role"), ==, "student");
  g_assert_cmpstr (json_object_get_string_member (payload, "sid"), ==, "sid-x");
  g_assert_cmpstr (json_object_get_string_member (payload, "typ"), ==, "access");
  g_assert_cmpint (json_object_get_int_member (payload, "iat"), ==, NOW);
  g_assert_cmpint (json_object_get_int_member (payload, "nbf"), ==, NOW);
  g_assert_cmpint (json_object_get_int_member (payload, "exp"), ==, NOW + 600);
  /* 16 random bytes, base64url: 22 characters. */
  g_assert_cmpuint (strlen (json_object_get_string_member (payload, "jti")), ==, 22);

  /* An independent HMAC over "header.payload" gives the same signature. */
  input = g_strconcat (parts[0], ".", parts[1], NULL);
  hmac (SECRET, input, sig);
  expected_sig = b64url (sig, sizeof sig);
  g_assert_cmpstr (parts[2], ==, expected_sig);
}

static void
test_hand_made_token_accepted (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autofree char *token = signed_token (GOOD_HEADER, GOOD_PAYLOAD, SECRET);
  g_autoptr(SlJwtClaims) claims = NULL;
  g_autoptr(GError) error = NULL;

  claims = sl_jwt_verify (jwt, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpint (claims->user_id, ==, 42);
  g_assert_cmpint (claims->role, ==, SL_ROLE_TEACHER);
  g_assert_cmpstr (claims->session, ==, "s-1");
}

/* Accepted variants: leeway edges, an audience list, extra header fields. */
typedef struct {
  const char *name;
  const char *header;
  const char *payload;
} GoodToken;

static const GoodToken good_tokens[] = {
  { "exp-within-leeway", GOOD_HEADER,
    PAYLOAD_WITH ("\"sub\":\"1\",\"role\":\"admin\",\"sid\":\"s\",\"typ\":\"access\","
                  "\"iat\":1699999000,\"nbf\":1699999000,\"exp\":1699999971") },
  { "nbf-within-leeway", GOOD_HEADER,
    PAYLOAD_WITH ("\"sub\":\"1\",\"role\":\"admin\",\"sid\":\"s\",\"typ\":\"access\","
                  "\"iat\":1700000000,\"nbf\":1700000030,\"exp\":1700000900") },
  { "iat-within-leeway", GOOD_HEADER,
    PAYLOAD_WITH ("\"sub\":\"1\",\"role\":\"admin\",\"sid\":\"s\",\"typ\":\"access\","
                  "\"iat\":1700000030,\"nbf\":1700000000,\"exp\":1700000900") },
  { "no-nbf", GOOD_HEADER,
    PAYLOAD_WITH ("\"sub\":\"1\",\"role\":\"admin\",\"sid\":\"s\",\"typ\":\"access\","
                  "\"iat\":1700000000,\"exp\":1700000900") },
  { "aud-array-with-ours", GOOD_HEADER,
    "{\"iss\":\"" ISSUER "\",\"aud\":[\"other\",\"" AUDIENCE "\"],\"sub\":\"1\","
    "\"role\":\"student\"," CLAIMS_REST "}" },
  { "header-without-typ", "{\"alg\":\"HS256\"}", GOOD_PAYLOAD },
  { "header-with-kid", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_PAYLOAD },
  { "unknown-claims", GOOD_HEADER,
    "{\"iss\":\"" ISSUER "\",\"aud\":\"" AUDIENCE "\",\"sub\":\"42\",\"role\":\"teacher\","
    "\"extra\":{\"nested\":[1,2,3]}," CLAIMS_REST "}" },
};

static void
test_good_token (gconstpointer data)
{
  const GoodToken *c = data;
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autofree char *token = signed_token (c->header, c->payload, SECRET);
  g_autoptr(SlJwtClaims) claims = NULL;
  g_autoptr(GError) error = NULL;

  claims = sl_jwt_verify (jwt, token, NOW, &error);
  g_assert_no_error (error);
  g_assert_nonnull (claims);
}

/* Rejections */

typedef enum {
  SIG_GOOD,          /* HMAC with our secret over what is sent */
  SIG_EMPTY,         /* "h.p." */
  SIG_OTHER_SECRET,
  SIG_TRUNCATED,     /* first 24 bytes of the good one */
  SIG_31,
  SIG_33,
  SIG_PADDED,        /* good, with '=' appended */
  SIG_FLIP,          /* one character of the good one changed */
  SIG_NONCANONICAL,  /* last character with its unused bits set */
  SIG_OF_SIGNED,     /* the signature of @signed_header/@signed_payload */
} SigKind;

typedef enum {
  RAW_NONE,
  RAW_EMPTY_HEADER,   /* ".p.s" */
  RAW_EMPTY_PAYLOAD,  /* "h..s" */
  RAW_TWO_PARTS,      /* "h.p" */
  RAW_FOUR_PARTS,     /* "h.p.s.s" */
  RAW_HEADER_PADDED,  /* "h=.p.s" */
  RAW_STD_BASE64,     /* a '+' inside the payload */
  RAW_NUL_INSIDE,     /* a NUL where the second dot was */
  RAW_SPACE,          /* "Bearer h.p.s" */
  RAW_NEWLINE,        /* "h.p.s\n" */
  RAW_EMPTY,          /* "" */
  RAW_DOTS,           /* ".." */
  RAW_TOO_LONG,       /* a good token padded past 4096 bytes */
} RawKind;

typedef struct {
  const char *name;
  const char *header;          /* NULL: GOOD_HEADER */
  const char *payload;         /* NULL: GOOD_PAYLOAD */
  SigKind     sig;
  RawKind     raw;
  int         code;
  const char *signed_header;   /* SIG_OF_SIGNED: what was really signed */
  const char *signed_payload;
} BadToken;

#define P(s) PAYLOAD_WITH (s)
#define TIMES "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900"
#define WHO "\"sub\":\"42\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\","

static const BadToken bad_tokens[] = {
  /* algorithm and header */
  { "alg-none-unsigned", "{\"alg\":\"none\",\"typ\":\"JWT\"}", NULL, SIG_EMPTY, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "alg-none-signed", "{\"alg\":\"none\",\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-None-signed", "{\"alg\":\"None\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-HS512", "{\"alg\":\"HS512\",\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-RS256", "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-hs256-lowercase", "{\"alg\":\"hs256\",\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-missing", "{\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-not-a-string", "{\"alg\":[\"HS256\"],\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "alg-null", "{\"alg\":null,\"typ\":\"JWT\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "typ-wrong", "{\"alg\":\"HS256\",\"typ\":\"JWE\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "typ-not-a-string", "{\"alg\":\"HS256\",\"typ\":1}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "crit-present", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"crit\":[\"exp\"]}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "crit-empty", "{\"alg\":\"HS256\",\"crit\":[]}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_ALGORITHM },
  { "header-duplicate-alg", "{\"alg\":\"none\",\"alg\":\"HS256\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "header-not-json", "hello", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "header-array", "[\"alg\",\"HS256\"]", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "header-string", "\"HS256\"", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "header-invalid-utf8", "{\"alg\":\"HS256\",\"x\":\"\xff\"}", NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  /* signature */
  { "signature-other-secret", NULL, NULL, SIG_OTHER_SECRET, RAW_NONE, SL_JWT_ERROR_SIGNATURE },
  { "signature-flipped", NULL, NULL, SIG_FLIP, RAW_NONE, SL_JWT_ERROR_SIGNATURE },
  /* signed for a student, sent claiming admin */
  { "payload-changed-after-signing", NULL,
    P ("\"sub\":\"42\",\"role\":\"admin\",\"sid\":\"s\",\"typ\":\"access\"," TIMES),
    SIG_OF_SIGNED, RAW_NONE, SL_JWT_ERROR_SIGNATURE, GOOD_HEADER, P (WHO TIMES) },
  { "header-changed-after-signing", "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k0\"}", NULL,
    SIG_OF_SIGNED, RAW_NONE, SL_JWT_ERROR_SIGNATURE,
    "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"k1\"}", GOOD_PAYLOAD },
  { "signature-truncated", NULL, NULL, SIG_TRUNCATED, RAW_NONE, SL_JWT_ERROR_SIGNATURE },
  { "signature-31-bytes", NULL, NULL, SIG_31, RAW_NONE, SL_JWT_ERROR_SIGNATURE },
  { "signature-33-bytes", NULL, NULL, SIG_33, RAW_NONE, SL_JWT_ERROR_SIGNATURE },
  { "signature-padded", NULL, NULL, SIG_PADDED, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "signature-noncanonical-bits", NULL, NULL, SIG_NONCANONICAL, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  /* structure and encoding */
  { "empty-header-part", NULL, NULL, SIG_GOOD, RAW_EMPTY_HEADER, SL_JWT_ERROR_MALFORMED },
  { "empty-payload-part", NULL, NULL, SIG_GOOD, RAW_EMPTY_PAYLOAD, SL_JWT_ERROR_MALFORMED },
  { "two-parts", NULL, NULL, SIG_GOOD, RAW_TWO_PARTS, SL_JWT_ERROR_MALFORMED },
  { "four-parts", NULL, NULL, SIG_GOOD, RAW_FOUR_PARTS, SL_JWT_ERROR_MALFORMED },
  { "header-padded", NULL, NULL, SIG_GOOD, RAW_HEADER_PADDED, SL_JWT_ERROR_MALFORMED },
  { "standard-base64-chars", NULL, NULL, SIG_GOOD, RAW_STD_BASE64, SL_JWT_ERROR_MALFORMED },
  { "nul-inside", NULL, NULL, SIG_GOOD, RAW_NUL_INSIDE, SL_JWT_ERROR_MALFORMED },
  { "bearer-prefix", NULL, NULL, SIG_GOOD, RAW_SPACE, SL_JWT_ERROR_MALFORMED },
  { "trailing-newline", NULL, NULL, SIG_GOOD, RAW_NEWLINE, SL_JWT_ERROR_MALFORMED },
  { "empty-string", NULL, NULL, SIG_GOOD, RAW_EMPTY, SL_JWT_ERROR_MALFORMED },
  { "only-dots", NULL, NULL, SIG_GOOD, RAW_DOTS, SL_JWT_ERROR_MALFORMED },
  { "too-long", NULL, NULL, SIG_GOOD, RAW_TOO_LONG, SL_JWT_ERROR_MALFORMED },
  { "payload-not-json", NULL, "not json at all", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-array", NULL, "[{\"sub\":\"42\"}]", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-number", NULL, "42", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-invalid-utf8", NULL, P (WHO TIMES ",\"x\":\"\xc3\x28\""), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-duplicate-role", NULL, P (WHO TIMES ",\"role\":\"admin\""), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "header-deeply-nested", "{\"alg\":\"HS256\",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
    NULL, SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-deeply-nested", NULL, P (WHO TIMES ",\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"),
    SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  { "payload-truncated-json", NULL, "{\"iss\":\"" ISSUER "\",\"aud\":", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_MALFORMED },
  /* time */
  { "expired-beyond-leeway", NULL,
    P (WHO "\"iat\":1699990000,\"nbf\":1699990000,\"exp\":1699999969"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_EXPIRED },
  { "expired-at-leeway-edge", NULL,
    P (WHO "\"iat\":1699990000,\"nbf\":1699990000,\"exp\":1699999970"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_EXPIRED },
  { "nbf-in-future", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000031,\"exp\":1700000900"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_NOT_YET_VALID },
  { "iat-in-future", NULL,
    P (WHO "\"iat\":1700000031,\"nbf\":1700000000,\"exp\":1700000900"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_NOT_YET_VALID },
  { "exp-string", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":\"1700000900\""), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "exp-float", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1700000900.5"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "exp-exponent", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":1.8e9"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "exp-missing", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000000"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "iat-missing", NULL,
    P (WHO "\"nbf\":1700000000,\"exp\":1700000900"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "nbf-string", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":\"now\",\"exp\":1700000900"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "exp-null", NULL,
    P (WHO "\"iat\":1700000000,\"nbf\":1700000000,\"exp\":null"), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  /* claims */
  { "iss-wrong", NULL,
    "{\"iss\":\"https://evil.test\",\"aud\":\"" AUDIENCE "\"," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "iss-missing", NULL,
    "{\"aud\":\"" AUDIENCE "\"," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "aud-wrong", NULL,
    "{\"iss\":\"" ISSUER "\",\"aud\":\"another-api\"," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "aud-missing", NULL,
    "{\"iss\":\"" ISSUER "\"," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "aud-array-without-ours", NULL,
    "{\"iss\":\"" ISSUER "\",\"aud\":[\"a\",\"b\"]," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "aud-empty-array", NULL,
    "{\"iss\":\"" ISSUER "\",\"aud\":[]," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "aud-nested-array", NULL,
    "{\"iss\":\"" ISSUER "\",\"aud\":[[\"" AUDIENCE "\"]]," WHO TIMES "}", SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "typ-claim-refresh", NULL,
    P ("\"sub\":\"42\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"refresh\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "typ-claim-missing", NULL,
    P ("\"sub\":\"42\",\"role\":\"student\",\"sid\":\"s\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-non-numeric", NULL,
    P ("\"sub\":\"admin\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-negative", NULL,
    P ("\"sub\":\"-42\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-zero", NULL,
    P ("\"sub\":\"0\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-leading-zero", NULL,
    P ("\"sub\":\"042\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-plus-sign", NULL,
    P ("\"sub\":\"+42\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-trailing-space", NULL,
    P ("\"sub\":\"42 \",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-overflow", NULL,
    P ("\"sub\":\"9223372036854775808\",\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-integer", NULL,
    P ("\"sub\":42,\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sub-missing", NULL,
    P ("\"role\":\"student\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "role-bogus", NULL,
    P ("\"sub\":\"42\",\"role\":\"root\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "role-uppercase", NULL,
    P ("\"sub\":\"42\",\"role\":\"ADMIN\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "role-number", NULL,
    P ("\"sub\":\"42\",\"role\":3,\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "role-missing", NULL,
    P ("\"sub\":\"42\",\"sid\":\"s\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sid-missing", NULL,
    P ("\"sub\":\"42\",\"role\":\"student\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sid-empty", NULL,
    P ("\"sub\":\"42\",\"role\":\"student\",\"sid\":\"\",\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
  { "sid-number", NULL,
    P ("\"sub\":\"42\",\"role\":\"student\",\"sid\":7,\"typ\":\"access\"," TIMES), SIG_GOOD, RAW_NONE, SL_JWT_ERROR_CLAIMS },
};

static void
replace_part (char      **token,
              guint       index,
              const char *with)
{
  g_auto(GStrv) parts = g_strsplit (*token, ".", 0);

  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_free (parts[index]);
  parts[index] = g_strdup (with);
  g_free (*token);
  *token = g_strjoinv (".", parts);
}

static char *
signature_of_bytes (const guint8 *sig,
                    gsize         len)
{
  return b64url (sig, len);
}

static char *
build_bad_token (const BadToken *c)
{
  const char *header = c->header != NULL ? c->header : GOOD_HEADER;
  const char *payload = c->payload != NULL ? c->payload : GOOD_PAYLOAD;
  g_autofree char *h = b64url_str (header);
  g_autofree char *p = b64url_str (payload);
  g_autofree char *input = g_strconcat (h, ".", p, NULL);
  char *token = signed_token (header, payload, SECRET);
  g_auto(GStrv) parts = g_strsplit (token, ".", 0);
  guint8 sig[33];

  hmac (SECRET, input, sig);
  sig[32] = 0x5a;

  switch (c->sig)
    {
    case SIG_GOOD:
      break;
    case SIG_EMPTY:
      replace_part (&token, 2, "");
      break;
    case SIG_OTHER_SECRET:
      g_free (token);
      token = signed_token (header, payload, OTHER_SECRET);
      break;
    case SIG_TRUNCATED:
      {
        g_autofree char *s = signature_of_bytes (sig, 24);
        replace_part (&token, 2, s);
      }
      break;
    case SIG_31:
      {
        g_autofree char *s = signature_of_bytes (sig, 31);
        replace_part (&token, 2, s);
      }
      break;
    case SIG_33:
      {
        g_autofree char *s = signature_of_bytes (sig, 33);
        replace_part (&token, 2, s);
      }
      break;
    case SIG_PADDED:
      {
        g_autofree char *s = g_strconcat (parts[2], "=", NULL);
        replace_part (&token, 2, s);
      }
      break;
    case SIG_FLIP:
      {
        g_autofree char *s = g_strdup (parts[2]);
        s[10] = s[10] == 'A' ? 'B' : 'A';
        replace_part (&token, 2, s);
      }
      break;
    case SIG_NONCANONICAL:
      {
        /* 32 bytes are 43 characters; the last one carries 2 unused bits. */
        g_autofree char *s = g_strdup (parts[2]);
        static const char alphabet[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        gsize last = strlen (s) - 1;
        const char *pos = strchr (alphabet, s[last]);

        g_assert_cmpuint (last, ==, 42);
        g_assert_nonnull (pos);
        g_assert_cmpint ((pos - alphabet) & 3, ==, 0);
        s[last] = alphabet[(pos - alphabet) | 1];
        replace_part (&token, 2, s);
      }
      break;
    case SIG_OF_SIGNED:
      {
        g_autofree char *other = signed_token (c->signed_header, c->signed_payload, SECRET);
        g_auto(GStrv) other_parts = g_strsplit (other, ".", 0);
        replace_part (&token, 2, other_parts[2]);
      }
      break;
    }

  switch (c->raw)
    {
    case RAW_NONE:
      break;
    case RAW_EMPTY_HEADER:
      replace_part (&token, 0, "");
      break;
    case RAW_EMPTY_PAYLOAD:
      replace_part (&token, 1, "");
      break;
    case RAW_TWO_PARTS:
      g_free (token);
      token = g_strconcat (parts[0], ".", parts[1], NULL);
      break;
    case RAW_FOUR_PARTS:
      {
        char *four = g_strconcat (token, ".", parts[2], NULL);
        g_free (token);
        token = four;
      }
      break;
    case RAW_HEADER_PADDED:
      {
        g_autofree char *h_padded = g_strconcat (parts[0], "=", NULL);
        replace_part (&token, 0, h_padded);
      }
      break;
    case RAW_STD_BASE64:
      {
        g_autofree char *std = g_strdup (parts[1]);
        std[5] = '+';
        replace_part (&token, 1, std);
      }
      break;
    case RAW_NUL_INSIDE:
      token[strlen (parts[0]) + 1 + strlen (parts[1])] = '\0';
      break;
    case RAW_SPACE:
      {
        char *bearer = g_strconcat ("Bearer ", token, NULL);
        g_free (token);
        token = bearer;
      }
      break;
    case RAW_NEWLINE:
      {
        char *nl = g_strconcat (token, "\n", NULL);
        g_free (token);
        token = nl;
      }
      break;
    case RAW_EMPTY:
      g_free (token);
      token = g_strdup ("");
      break;
    case RAW_DOTS:
      g_free (token);
      token = g_strdup ("..");
      break;
    case RAW_TOO_LONG:
      {
        GString *big = g_string_new (NULL);
        g_autofree char *long_payload = NULL;

        for (int i = 0; i < 3100; i++)
          g_string_append_c (big, 'x');
        long_payload = g_strdup_printf (P (WHO TIMES ",\"pad\":\"%s\""), big->str);
        g_string_free (big, TRUE);
        g_free (token);
        token = signed_token (header, long_payload, SECRET);
        g_assert_cmpuint (strlen (token), >, SL_JWT_MAX_LENGTH);
      }
      break;
    }

  return token;
}

static void
test_bad_token (gconstpointer data)
{
  const BadToken *c = data;
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autofree char *token = build_bad_token (c);
  g_autoptr(SlJwtClaims) claims = NULL;
  g_autoptr(GError) error = NULL;

  g_test_message ("token: %.200s", token);
  claims = sl_jwt_verify (jwt, token, NOW, &error);
  g_assert_null (claims);
  g_assert_error (error, SL_JWT_ERROR, c->code);
  g_assert_nonnull (error->message);
}

/* The longest token that is still accepted is exactly SL_JWT_MAX_LENGTH. */
static void
test_length_limit (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  gboolean found = FALSE;

  for (guint pad = 2000; pad < 3100 && !found; pad++)
    {
      g_autofree char *padding = g_strnfill (pad, 'y');
      g_autofree char *payload = g_strdup_printf (P (WHO TIMES ",\"pad\":\"%s\""), padding);
      g_autofree char *token = signed_token (GOOD_HEADER, payload, SECRET);
      g_autoptr(SlJwtClaims) claims = NULL;
      g_autoptr(GError) error = NULL;

      if (strlen (token) != SL_JWT_MAX_LENGTH)
        continue;
      found = TRUE;
      claims = sl_jwt_verify (jwt, token, NOW, &error);
      g_assert_no_error (error);
      g_assert_nonnull (claims);
    }
  g_assert_true (found);
}

static void
test_other_issuer_config (void)
{
  /* A token from another deployment (same secret, other iss/aud) fails. */
  g_autoptr(SlJwt) ours = new_jwt ();
  g_autoptr(SlJwt) theirs = sl_jwt_new ((const guint8 *) SECRET, strlen (SECRET),
                                        "https://other.test", "other-api");
  g_autofree char *token = sl_jwt_sign (theirs, 1, SL_ROLE_ADMIN, "s", NOW, 60);
  g_autoptr(GError) error = NULL;
  g_autoptr(SlJwtClaims) claims = sl_jwt_verify (ours, token, NOW, &error);

  g_assert_null (claims);
  g_assert_error (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS);
}

static void
test_expiry_edges (void)
{
  g_autoptr(SlJwt) jwt = new_jwt ();
  g_autofree char *token = sl_jwt_sign (jwt, 5, SL_ROLE_STUDENT, "s", NOW, 60);
  g_autoptr(GError) error = NULL;
  SlJwtClaims *claims;

  /* Valid until exp + leeway (exclusive). */
  claims = sl_jwt_verify (jwt, token, NOW + 60 + SL_JWT_LEEWAY_SECONDS - 1, &error);
  g_assert_no_error (error);
  sl_jwt_claims_free (claims);

  claims = sl_jwt_verify (jwt, token, NOW + 60 + SL_JWT_LEEWAY_SECONDS, &error);
  g_assert_null (claims);
  g_assert_error (error, SL_JWT_ERROR, SL_JWT_ERROR_EXPIRED);
  g_clear_error (&error);

  /* A clock slightly behind the issuer's is tolerated, not more. */
  claims = sl_jwt_verify (jwt, token, NOW - SL_JWT_LEEWAY_SECONDS, &error);
  g_assert_no_error (error);
  sl_jwt_claims_free (claims);

  claims = sl_jwt_verify (jwt, token, NOW - SL_JWT_LEEWAY_SECONDS - 1, &error);
  g_assert_null (claims);
  g_assert_error (error, SL_JWT_ERROR, SL_JWT_ERROR_NOT_YET_VALID);
}

static void
test_short_secret_refused (void)
{
  SlJwt *jwt;

  if (g_test_undefined ())
    {
      g_test_expect_message ("sl-jwt", G_LOG_LEVEL_CRITICAL, "*secret_len >= SL_JWT_MIN_SECRET*");
      jwt = sl_jwt_new ((const guint8 *) "short", 5, ISSUER, AUDIENCE);
      g_test_assert_expected_messages ();
      g_assert_null (jwt);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/jwt/roundtrip", test_roundtrip);
  g_test_add_func ("/jwt/roles", test_roles);
  g_test_add_func ("/jwt/token-shape", test_token_shape);
  g_test_add_func ("/jwt/hand-made-token", test_hand_made_token_accepted);
  g_test_add_func ("/jwt/length-limit", test_length_limit);
  g_test_add_func ("/jwt/other-issuer", test_other_issuer_config);
  g_test_add_func ("/jwt/expiry-edges", test_expiry_edges);
  g_test_add_func ("/jwt/short-secret", test_short_secret_refused);

  for (gsize i = 0; i < G_N_ELEMENTS (good_tokens); i++)
    {
      g_autofree char *path = g_strdup_printf ("/jwt/good/%s", good_tokens[i].name);

      g_test_add_data_func (path, &good_tokens[i], test_good_token);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (bad_tokens); i++)
    {
      g_autofree char *path = g_strdup_printf ("/jwt/bad/%s", bad_tokens[i].name);

      g_test_add_data_func (path, &bad_tokens[i], test_bad_token);
    }

  return g_test_run ();
}
