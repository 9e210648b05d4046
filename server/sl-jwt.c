/* sl-jwt.c: access tokens as JWT HS256, strictly checked
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-jwt"

#include "config.h"

#include "sl-jwt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

G_DEFINE_QUARK (sl-jwt-error-quark, sl_jwt_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MAC, EVP_MAC_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_MAC_CTX, EVP_MAC_CTX_free)

#define SIGNATURE_BYTES 32
#define JTI_BYTES 16
/* The header we write; any other HS256 header is accepted too. */
#define HEADER_JSON "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"

struct _SlJwt
{
  guint8  *secret;
  gsize    secret_len;
  char    *issuer;
  char    *audience;
  EVP_MAC *mac;       /* HMAC; reference-counted and safe to share */
};

/* base64url without padding (RFC 7515 §2) */

static const char b64url_alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static char *
b64url_encode (const guint8 *data,
               gsize         len)
{
  GString *out = g_string_sized_new ((len * 4) / 3 + 4);
  gsize i = 0;

  for (; i + 3 <= len; i += 3)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8) | data[i + 2];

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 63]);
      g_string_append_c (out, b64url_alphabet[v & 63]);
    }
  if (len - i == 1)
    {
      guint32 v = (guint32) data[i] << 16;

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
    }
  else if (len - i == 2)
    {
      guint32 v = ((guint32) data[i] << 16) | ((guint32) data[i + 1] << 8);

      g_string_append_c (out, b64url_alphabet[(v >> 18) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 12) & 63]);
      g_string_append_c (out, b64url_alphabet[(v >> 6) & 63]);
    }
  return g_string_free (out, FALSE);
}

static int
b64url_value (char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

/* Strict: only the 64 characters, no padding, and the unused low bits of
 * the last character must be zero, so every byte string has exactly one
 * accepted spelling. Returns NULL on any deviation. The result has a
 * trailing NUL (not counted in @out_len) so JSON can be parsed from it. */
static guint8 *
b64url_decode (const char *text,
               gsize       text_len,
               gsize      *out_len)
{
  g_autofree guint8 *out = NULL;
  gsize n = 0;
  guint32 acc = 0;
  guint bits = 0;

  if (text_len % 4 == 1)
    return NULL;

  out = g_malloc ((text_len / 4) * 3 + 3);
  for (gsize i = 0; i < text_len; i++)
    {
      int v = b64url_value (text[i]);

      if (v < 0)
        return NULL;
      acc = (acc << 6) | (guint32) v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (guint8) (acc >> bits);
          acc &= (1u << bits) - 1;
        }
    }
  /* 2 or 4 bits left over: they must be zero. */
  if (acc != 0)
    return NULL;

  out[n] = '\0';
  *out_len = n;
  return g_steal_pointer (&out);
}

/* JSON */

static void
count_member_cb (JsonParser *parser,
                 JsonObject *object,
                 const char *member_name,
                 GHashTable *counts)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, object));

  g_hash_table_insert (counts, object, GUINT_TO_POINTER (n + 1));
}

/* json-glib parses recursively and has no depth limit: ~100000 nested
 * brackets overflow an 8 MiB stack. The number of opening brackets bounds
 * the depth (strings included, so nothing can hide them), and no token of
 * ours has more than a handful. */
#define MAX_JSON_BRACKETS 32

static gboolean
few_brackets (const guint8 *data,
              gsize         len)
{
  guint n = 0;

  for (gsize i = 0; i < len; i++)
    if ((data[i] == '[' || data[i] == '{') && ++n > MAX_JSON_BRACKETS)
      return FALSE;
  return TRUE;
}

/* A decoded part must be UTF-8 text without NUL holding one JSON object
 * with no repeated member names (json-glib keeps the last silently, which
 * would let two readers of one token disagree). */
static JsonObject *
parse_part (const guint8 *data,
            gsize         len)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GHashTable) counts = NULL;
  GHashTableIter iter;
  gpointer object, count;
  JsonNode *root;

  if (len == 0 || memchr (data, '\0', len) != NULL ||
      !g_utf8_validate ((const char *) data, (gssize) len, NULL) ||
      !few_brackets (data, len))
    return NULL;

  counts = g_hash_table_new (NULL, NULL);
  parser = json_parser_new ();
  g_signal_connect (parser, "object-member", G_CALLBACK (count_member_cb), counts);
  if (!json_parser_load_from_data (parser, (const char *) data, (gssize) len, NULL))
    return NULL;

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;

  /* Every object is still alive in the tree, so the pointers are unique. */
  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, &object, &count))
    if (GPOINTER_TO_UINT (count) != json_object_get_size (object))
      return NULL;

  return json_object_ref (json_node_get_object (root));
}

/* The string value of @name, or NULL when absent or not a string. */
static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* Present and a JSON integer (not a float, not a string). */
static gboolean
get_int (JsonObject *object,
         const char *name,
         gint64     *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

/* HMAC-SHA256 */

static gboolean
hmac_sha256 (SlJwt      *jwt,
             const char *data,
             gsize       len,
             guint8      out[SIGNATURE_BYTES])
{
  g_autoptr(EVP_MAC_CTX) ctx = NULL;
  char digest[] = "SHA256";
  OSSL_PARAM params[2];
  size_t out_len = 0;

  params[0] = OSSL_PARAM_construct_utf8_string (OSSL_MAC_PARAM_DIGEST, digest, 0);
  params[1] = OSSL_PARAM_construct_end ();

  ctx = EVP_MAC_CTX_new (jwt->mac);
  if (ctx == NULL ||
      EVP_MAC_init (ctx, jwt->secret, jwt->secret_len, params) != 1 ||
      EVP_MAC_update (ctx, (const unsigned char *) data, len) != 1 ||
      EVP_MAC_final (ctx, out, &out_len, SIGNATURE_BYTES) != 1 ||
      out_len != SIGNATURE_BYTES)
    {
      OPENSSL_cleanse (out, SIGNATURE_BYTES);
      return FALSE;
    }
  return TRUE;
}

/* Public API */

void
sl_jwt_claims_free (SlJwtClaims *claims)
{
  if (claims == NULL)
    return;
  g_free (claims->session);
  g_free (claims);
}

SlJwt *
sl_jwt_new (const guint8 *secret,
            gsize         secret_len,
            const char   *issuer,
            const char   *audience)
{
  SlJwt *jwt;
  EVP_MAC *mac;

  g_return_val_if_fail (secret != NULL, NULL);
  g_return_val_if_fail (secret_len >= SL_JWT_MIN_SECRET, NULL);
  g_return_val_if_fail (issuer != NULL && *issuer != '\0', NULL);
  g_return_val_if_fail (audience != NULL && *audience != '\0', NULL);

  mac = EVP_MAC_fetch (NULL, OSSL_MAC_NAME_HMAC, NULL);
  if (mac == NULL)
    {
      g_critical ("OpenSSL has no HMAC implementation; cannot sign tokens");
      return NULL;
    }

  jwt = g_new0 (SlJwt, 1);
  jwt->secret = g_memdup2 (secret, secret_len);
  jwt->secret_len = secret_len;
  jwt->issuer = g_strdup (issuer);
  jwt->audience = g_strdup (audience);
  jwt->mac = mac;
  return jwt;
}

void
sl_jwt_free (SlJwt *jwt)
{
  if (jwt == NULL)
    return;
  OPENSSL_cleanse (jwt->secret, jwt->secret_len);
  g_free (jwt->secret);
  g_free (jwt->issuer);
  g_free (jwt->audience);
  EVP_MAC_free (jwt->mac);
  g_free (jwt);
}

/* Returns NULL only if OpenSSL fails (no randomness, no HMAC). */
char *
sl_jwt_sign (SlJwt      *jwt,
             gint64      user_id,
             SlRole      role,
             const char *session,
             gint64      now,
             gint64      ttl_seconds)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *payload_json = NULL;
  g_autofree char *header_b64 = NULL;
  g_autofree char *payload_b64 = NULL;
  g_autofree char *signing_input = NULL;
  g_autofree char *signature_b64 = NULL;
  g_autofree char *jti = NULL;
  g_autofree char *sub = NULL;
  guint8 random[JTI_BYTES];
  guint8 signature[SIGNATURE_BYTES];
  gsize payload_len = 0;
  char *token;

  g_return_val_if_fail (jwt != NULL, NULL);
  g_return_val_if_fail (user_id > 0, NULL);
  g_return_val_if_fail (role == SL_ROLE_STUDENT || role == SL_ROLE_TEACHER ||
                        role == SL_ROLE_ADMIN, NULL);
  g_return_val_if_fail (session != NULL && *session != '\0', NULL);
  g_return_val_if_fail (ttl_seconds > 0, NULL);

  if (RAND_bytes (random, sizeof random) != 1)
    {
      g_warning ("No randomness for a token id; not signing");
      return NULL;
    }
  jti = b64url_encode (random, sizeof random);
  sub = g_strdup_printf ("%" G_GINT64_FORMAT, user_id);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "iss");
  json_builder_add_string_value (builder, jwt->issuer);
  json_builder_set_member_name (builder, "aud");
  json_builder_add_string_value (builder, jwt->audience);
  json_builder_set_member_name (builder, "sub");
  json_builder_add_string_value (builder, sub);
  json_builder_set_member_name (builder, "role");
  json_builder_add_string_value (builder, sl_role_to_string (role));
  json_builder_set_member_name (builder, "sid");
  json_builder_add_string_value (builder, session);
  json_builder_set_member_name (builder, "typ");
  json_builder_add_string_value (builder, "access");
  json_builder_set_member_name (builder, "iat");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "nbf");
  json_builder_add_int_value (builder, now);
  json_builder_set_member_name (builder, "exp");
  json_builder_add_int_value (builder, now + ttl_seconds);
  json_builder_set_member_name (builder, "jti");
  json_builder_add_string_value (builder, jti);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  {
    g_autoptr(JsonGenerator) generator = json_generator_new ();

    json_generator_set_root (generator, root);
    payload_json = json_generator_to_data (generator, &payload_len);
  }

  header_b64 = b64url_encode ((const guint8 *) HEADER_JSON, strlen (HEADER_JSON));
  payload_b64 = b64url_encode ((const guint8 *) payload_json, payload_len);
  signing_input = g_strconcat (header_b64, ".", payload_b64, NULL);

  if (!hmac_sha256 (jwt, signing_input, strlen (signing_input), signature))
    {
      g_warning ("HMAC-SHA256 failed; not signing");
      return NULL;
    }
  signature_b64 = b64url_encode (signature, sizeof signature);
  OPENSSL_cleanse (signature, sizeof signature);

  token = g_strconcat (signing_input, ".", signature_b64, NULL);
  if (strlen (token) > SL_JWT_MAX_LENGTH)
    {
      /* Only a huge issuer, audience or session gets here. */
      g_critical ("A signed token would be longer than %d bytes", SL_JWT_MAX_LENGTH);
      g_free (token);
      return NULL;
    }
  return token;
}

/* "1" … "9223372036854775807": decimal digits, no sign, no leading zero. */
static gboolean
parse_subject (const char *sub,
               gint64     *out)
{
  guint64 value;

  if (sub == NULL || sub[0] < '1' || sub[0] > '9')
    return FALSE;
  for (const char *p = sub; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  if (!g_ascii_string_to_unsigned (sub, 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

static gboolean
audience_matches (JsonObject *payload,
                  const char *audience)
{
  JsonNode *node = json_object_get_member (payload, "aud");

  if (node == NULL)
    return FALSE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n; i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_TYPE (element) == JSON_NODE_VALUE &&
              json_node_get_value_type (element) == G_TYPE_STRING &&
              g_strcmp0 (json_node_get_string (element), audience) == 0)
            return TRUE;
        }
      return FALSE;
    }
  return g_strcmp0 (get_string (payload, "aud"), audience) == 0;
}

/* Saturating, so that absurd (but signed) times cannot wrap around. */
static gint64
add_seconds (gint64 t,
             gint64 seconds)
{
  if (seconds > 0 && t > G_MAXINT64 - seconds)
    return G_MAXINT64;
  if (seconds < 0 && t < G_MININT64 - seconds)
    return G_MININT64;
  return t + seconds;
}

static gboolean
check_header (const char  *part,
              gsize        len,
              GError     **error)
{
  g_autofree guint8 *decoded = NULL;
  g_autoptr(JsonObject) header = NULL;
  gsize decoded_len = 0;
  const char *typ;

  decoded = b64url_decode (part, len, &decoded_len);
  if (decoded == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token header is not base64url");
      return FALSE;
    }
  header = parse_part (decoded, decoded_len);
  if (header == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token header is not a JSON object");
      return FALSE;
    }

  /* Exactly HS256: never "none", never another algorithm or key type. */
  if (g_strcmp0 (get_string (header, "alg"), "HS256") != 0)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_ALGORITHM,
                           "the token is not signed with HS256");
      return FALSE;
    }
  if (json_object_has_member (header, "typ"))
    {
      typ = get_string (header, "typ");
      if (g_strcmp0 (typ, "JWT") != 0)
        {
          g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_ALGORITHM,
                               "the token header's typ is not JWT");
          return FALSE;
        }
    }
  /* We understand no extension, so none may be critical (RFC 7515 §4.1.11). */
  if (json_object_has_member (header, "crit"))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_ALGORITHM,
                           "the token header lists critical extensions");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_signature (SlJwt       *jwt,
                 const char  *token,
                 gsize        signing_len,
                 const char  *part,
                 gsize        len,
                 GError     **error)
{
  g_autofree guint8 *given = NULL;
  guint8 expected[SIGNATURE_BYTES];
  gsize given_len = 0;
  gboolean ok;

  given = b64url_decode (part, len, &given_len);
  if (given == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token signature is not base64url");
      return FALSE;
    }
  if (given_len != SIGNATURE_BYTES)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE,
                           "the token signature has the wrong length");
      return FALSE;
    }
  if (!hmac_sha256 (jwt, token, signing_len, expected))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE,
                           "the token signature could not be computed");
      return FALSE;
    }
  ok = CRYPTO_memcmp (expected, given, SIGNATURE_BYTES) == 0;
  OPENSSL_cleanse (expected, sizeof expected);
  if (!ok)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_SIGNATURE,
                           "the token signature does not match");
      return FALSE;
    }
  return TRUE;
}

static SlJwtClaims *
check_claims (SlJwt       *jwt,
              JsonObject  *payload,
              gint64       now,
              GError     **error)
{
  g_autoptr(SlJwtClaims) claims = g_new0 (SlJwtClaims, 1);
  const char *sid;
  gint64 nbf = 0;
  gboolean has_nbf;

  if (g_strcmp0 (get_string (payload, "iss"), jwt->issuer) != 0)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token was issued by someone else (iss)");
      return NULL;
    }
  if (!audience_matches (payload, jwt->audience))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token is meant for someone else (aud)");
      return NULL;
    }
  if (g_strcmp0 (get_string (payload, "typ"), "access") != 0)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token is not an access token (typ)");
      return NULL;
    }
  if (!parse_subject (get_string (payload, "sub"), &claims->user_id))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token names no valid user (sub)");
      return NULL;
    }
  if (!sl_role_from_string (get_string (payload, "role"), &claims->role))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token names no valid role (role)");
      return NULL;
    }
  sid = get_string (payload, "sid");
  if (sid == NULL || *sid == '\0')
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token names no session (sid)");
      return NULL;
    }
  if (!get_int (payload, "iat", &claims->issued_at) ||
      !get_int (payload, "exp", &claims->expires_at))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token's iat and exp must be integers");
      return NULL;
    }
  has_nbf = json_object_has_member (payload, "nbf");
  if (has_nbf && !get_int (payload, "nbf", &nbf))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_CLAIMS,
                           "the token's nbf must be an integer");
      return NULL;
    }

  if (claims->expires_at <= add_seconds (now, -SL_JWT_LEEWAY_SECONDS))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_EXPIRED,
                           "the token has expired");
      return NULL;
    }
  if ((has_nbf && nbf > add_seconds (now, SL_JWT_LEEWAY_SECONDS)) ||
      claims->issued_at > add_seconds (now, SL_JWT_LEEWAY_SECONDS))
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_NOT_YET_VALID,
                           "the token is not valid yet");
      return NULL;
    }

  claims->session = g_strdup (sid);
  return g_steal_pointer (&claims);
}

SlJwtClaims *
sl_jwt_verify (SlJwt       *jwt,
               const char  *token,
               gint64       now,
               GError     **error)
{
  g_autofree guint8 *payload_bytes = NULL;
  g_autoptr(JsonObject) payload = NULL;
  const char *dot1, *dot2;
  gsize len, payload_len = 0;

  g_return_val_if_fail (jwt != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (token == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "no token");
      return NULL;
    }
  len = strnlen (token, SL_JWT_MAX_LENGTH + 1);
  if (len > SL_JWT_MAX_LENGTH)
    {
      g_set_error (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                   "the token is longer than %d bytes", SL_JWT_MAX_LENGTH);
      return NULL;
    }

  /* header.payload.signature, each part non-empty. */
  dot1 = memchr (token, '.', len);
  dot2 = dot1 != NULL ? memchr (dot1 + 1, '.', len - (dot1 + 1 - token)) : NULL;
  if (dot1 == NULL || dot2 == NULL ||
      memchr (dot2 + 1, '.', len - (dot2 + 1 - token)) != NULL ||
      dot1 == token || dot2 == dot1 + 1 || dot2 + 1 == token + len)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token is not three non-empty parts separated by dots");
      return NULL;
    }

  if (!check_header (token, dot1 - token, error))
    return NULL;

  payload_bytes = b64url_decode (dot1 + 1, dot2 - (dot1 + 1), &payload_len);
  if (payload_bytes == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token payload is not base64url");
      return NULL;
    }

  /* Nothing in the payload is looked at before the signature holds. */
  if (!check_signature (jwt, token, dot2 - token, dot2 + 1,
                        len - (dot2 + 1 - token), error))
    return NULL;

  payload = parse_part (payload_bytes, payload_len);
  if (payload == NULL)
    {
      g_set_error_literal (error, SL_JWT_ERROR, SL_JWT_ERROR_MALFORMED,
                           "the token payload is not a JSON object");
      return NULL;
    }

  return check_claims (jwt, payload, now, error);
}
