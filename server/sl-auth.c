/* sl-auth.c: who is asking — bearer tokens, logins, sessions and their
 * refresh tokens, login throttling
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-auth"

#include "config.h"

#include "sl-auth.h"
#include "sl-throttle.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>
#include <unistd.h>

#define SL_AUTH_ISSUER "streamlet"
#define SL_AUTH_AUDIENCE "streamlet"
#define SL_AUTH_SECRET_BYTES 48
#define SL_AUTH_MAX_THROTTLE_KEYS 100000
/* Verified access tokens remembered, so a client's every request does not
 * pay for a signature check and two JSON parses again. */
#define SL_AUTH_MAX_VERIFIED 8192

G_DEFINE_QUARK (sl-auth-error-quark, sl_auth_error)

struct _SlAuth
{
  GObject           parent_instance;

  SlStore          *store;
  SlPasswordHasher *hasher;
  SlJwt            *jwt;
  SlThrottle       *account_throttle;
  SlThrottle       *address_throttle;
  GHashTable       *disabled;          /* user ids (gint64 *) */
  GHashTable       *roles;             /* user id → role, for users changed since start */
  GHashTable       *ended;             /* session → until when to refuse it (unix s) */
  GHashTable       *verified;          /* token → SlJwtClaims, signature already checked */
  gint64            access_ttl;
  gint64            refresh_ttl;
  guint8            url_key[32];       /* signs URLs, derived from the secret */
};

G_DEFINE_FINAL_TYPE (SlAuth, sl_auth, G_TYPE_OBJECT)

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

void
sl_login_free (SlLogin *login)
{
  if (login == NULL)
    return;
  g_clear_pointer (&login->user, sl_user_free);
  g_free (login->session);
  g_free (login->access_token);
  if (login->refresh_token != NULL)
    OPENSSL_cleanse (login->refresh_token, strlen (login->refresh_token));
  g_free (login->refresh_token);
  g_free (login);
}

JsonNode *
sl_login_to_json (const SlLogin *login)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_member (object, "user", sl_user_to_json (login->user));
  json_object_set_string_member (object, "access_token", login->access_token);
  json_object_set_string_member (object, "refresh_token", login->refresh_token);
  json_object_set_string_member (object, "token_type", "Bearer");
  json_object_set_int_member (object, "expires_in", login->expires_in);
  return json_node_init_object (json_node_alloc (), object);
}

static char *
random_token (gsize n_bytes)
{
  g_autofree guint8 *bytes = g_malloc (n_bytes);
  char *text;

  if (RAND_bytes (bytes, (int) n_bytes) != 1)
    g_error ("the system random number generator failed");

  text = g_base64_encode (bytes, n_bytes);
  OPENSSL_cleanse (bytes, n_bytes);
  /* base64url, no padding */
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  for (char *p = text + strlen (text); p > text && p[-1] == '='; p--)
    p[-1] = '\0';
  return text;
}

char *
sl_auth_hash_refresh_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

static gboolean
load_secret (const SlConfig  *config,
             GBytes         **out,
             GError         **error)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) local_error = NULL;

  if (config->jwt_secret != NULL)
    {
      *out = g_bytes_new (config->jwt_secret, strlen (config->jwt_secret));
      return TRUE;
    }

  path = g_build_filename (config->data_dir, "jwt-secret", NULL);
  if (g_file_get_contents (path, &contents, &length, &local_error))
    {
      if (length < SL_JWT_MIN_SECRET)
        {
          g_set_error (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                       "%s is shorter than %d bytes; remove it to make a new one",
                       path, SL_JWT_MIN_SECRET);
          return FALSE;
        }
      *out = g_bytes_new (contents, length);
      OPENSSL_cleanse (contents, length);
      return TRUE;
    }
  if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_set_error (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                   "cannot read %s: %s", path, local_error->message);
      return FALSE;
    }

  /* First start: make one, readable by us alone. */
  {
    guint8 secret[SL_AUTH_SECRET_BYTES];
    int fd;
    gssize written;

    if (RAND_bytes (secret, sizeof secret) != 1)
      {
        g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                             "the system random number generator failed");
        return FALSE;
      }
    fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      {
        int saved = errno;

        OPENSSL_cleanse (secret, sizeof secret);
        g_set_error (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                     "cannot create %s: %s", path, g_strerror (saved));
        return FALSE;
      }
    written = write (fd, secret, sizeof secret);
    if (written != (gssize) sizeof secret || fsync (fd) != 0)
      {
        int saved = errno;

        close (fd);
        g_unlink (path);
        OPENSSL_cleanse (secret, sizeof secret);
        g_set_error (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                     "cannot write %s: %s", path, g_strerror (saved));
        return FALSE;
      }
    close (fd);
    g_message ("made a new token signing secret in %s", path);
    *out = g_bytes_new (secret, sizeof secret);
    OPENSSL_cleanse (secret, sizeof secret);
  }
  return TRUE;
}

static void
sl_auth_finalize (GObject *object)
{
  SlAuth *self = SL_AUTH (object);

  g_clear_object (&self->store);
  g_clear_object (&self->hasher);
  g_clear_pointer (&self->jwt, sl_jwt_free);
  g_clear_pointer (&self->account_throttle, sl_throttle_free);
  g_clear_pointer (&self->address_throttle, sl_throttle_free);
  g_clear_pointer (&self->disabled, g_hash_table_unref);
  g_clear_pointer (&self->roles, g_hash_table_unref);
  g_clear_pointer (&self->ended, g_hash_table_unref);
  g_clear_pointer (&self->verified, g_hash_table_unref);

  G_OBJECT_CLASS (sl_auth_parent_class)->finalize (object);
}

static void
sl_auth_class_init (SlAuthClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sl_auth_finalize;
}

static void
sl_auth_init (SlAuth *self)
{
  self->disabled = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->roles = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->ended = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->verified = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) sl_jwt_claims_free);
}

static SlJwtClaims *
claims_copy (const SlJwtClaims *claims)
{
  SlJwtClaims *copy = g_memdup2 (claims, sizeof *claims);

  copy->session = g_strdup (claims->session);
  return copy;
}

/* sl_jwt_verify() with a memory: a token seen valid before is taken again
 * while it has not expired (the same rule sl_jwt_verify applies). */
static SlJwtClaims *
verify_token (SlAuth      *self,
              const char  *token,
              gint64       now,
              GError     **error)
{
  SlJwtClaims *known = g_hash_table_lookup (self->verified, token);
  SlJwtClaims *claims;

  if (known != NULL)
    {
      if (known->expires_at > now - SL_JWT_LEEWAY_SECONDS)
        return claims_copy (known);
      g_hash_table_remove (self->verified, token);
    }

  claims = sl_jwt_verify (self->jwt, token, now, error);
  if (claims == NULL)
    return NULL;

  if (g_hash_table_size (self->verified) >= SL_AUTH_MAX_VERIFIED)
    {
      GHashTableIter iter;
      SlJwtClaims *value;

      /* drop the expired; if that frees nothing, start afresh */
      g_hash_table_iter_init (&iter, self->verified);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &value))
        if (value->expires_at <= now - SL_JWT_LEEWAY_SECONDS)
          g_hash_table_iter_remove (&iter);
      if (g_hash_table_size (self->verified) >= SL_AUTH_MAX_VERIFIED)
        g_hash_table_remove_all (self->verified);
    }
  g_hash_table_insert (self->verified, g_strdup (token), claims_copy (claims));
  return claims;
}

static gboolean
hmac_sha256 (const guint8 *key,
             gsize         key_len,
             const char   *text,
             guint8        out[32])
{
  size_t out_len = 0;

  return EVP_Q_mac (NULL, "HMAC", NULL, "SHA256", NULL, key, key_len,
                    (const unsigned char *) text, strlen (text), out, 32, &out_len) != NULL &&
         out_len == 32;
}

static char *
scope_signature (SlAuth     *self,
                 const char *scope,
                 gint64      expires_at)
{
  g_autofree char *text = g_strdup_printf ("%s|%" G_GINT64_FORMAT, scope, expires_at);
  guint8 mac[32];
  char *sig;

  if (!hmac_sha256 (self->url_key, sizeof self->url_key, text, mac))
    return NULL;
  sig = g_base64_encode (mac, sizeof mac);
  /* base64url without padding */
  g_strdelimit (sig, "+", '-');
  g_strdelimit (sig, "/", '_');
  *strchr (sig, '=') = '\0';
  return sig;
}

char *
sl_auth_sign_scope (SlAuth     *self,
                    const char *scope,
                    gint64      expires_at)
{
  g_autofree char *sig = NULL;

  g_return_val_if_fail (SL_IS_AUTH (self), NULL);
  g_return_val_if_fail (scope != NULL, NULL);

  sig = scope_signature (self, scope, expires_at);
  if (sig == NULL)
    return NULL;
  return g_strdup_printf ("exp=%" G_GINT64_FORMAT "&sig=%s", expires_at, sig);
}

gboolean
sl_auth_check_scope (SlAuth     *self,
                     const char *scope,
                     const char *exp,
                     const char *sig,
                     gint64      now)
{
  g_autofree char *expected = NULL;
  guint64 expires_at;
  gsize length;

  g_return_val_if_fail (SL_IS_AUTH (self), FALSE);

  if (exp == NULL || sig == NULL || scope == NULL)
    return FALSE;
  if (!g_ascii_string_to_unsigned (exp, 10, 1, G_MAXINT64, &expires_at, NULL) ||
      (gint64) expires_at < now)
    return FALSE;
  expected = scope_signature (self, scope, (gint64) expires_at);
  length = strlen (sig);
  return expected != NULL && strlen (expected) == length &&
         CRYPTO_memcmp (expected, sig, length) == 0;
}

SlAuth *
sl_auth_new (const SlConfig  *config,
             SlStore         *store,
             GError         **error)
{
  g_autoptr(SlAuth) self = NULL;
  g_autoptr(GBytes) secret = NULL;
  gsize length;
  const guint8 *data;

  g_return_val_if_fail (config != NULL, NULL);
  g_return_val_if_fail (SL_IS_STORE (store), NULL);

  if (!load_secret (config, &secret, error))
    return NULL;

  self = g_object_new (SL_TYPE_AUTH, NULL);
  self->store = g_object_ref (store);
  self->hasher = sl_password_hasher_new (config->hash_threads);
  data = g_bytes_get_data (secret, &length);
  self->jwt = sl_jwt_new (data, length, SL_AUTH_ISSUER, SL_AUTH_AUDIENCE);
  if (!hmac_sha256 (data, length, "streamlet signed URLs", self->url_key))
    {
      g_set_error (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SECRET,
                   "could not derive the URL signing key");
      return NULL;
    }
  self->account_throttle = sl_throttle_new (config->login_max_failures,
                                            config->login_window,
                                            SL_AUTH_MAX_THROTTLE_KEYS);
  self->address_throttle = sl_throttle_new (config->address_max_failures,
                                            config->login_window,
                                            SL_AUTH_MAX_THROTTLE_KEYS);
  self->access_ttl = config->access_token_ttl;
  self->refresh_ttl = config->refresh_token_ttl;
  return g_steal_pointer (&self);
}

SlPasswordHasher *
sl_auth_get_hasher (SlAuth *self)
{
  g_return_val_if_fail (SL_IS_AUTH (self), NULL);
  return self->hasher;
}

void
sl_auth_set_disabled (SlAuth  *self,
                      gint64   user_id,
                      gboolean disabled)
{
  g_return_if_fail (SL_IS_AUTH (self));

  if (disabled)
    g_hash_table_add (self->disabled, g_memdup2 (&user_id, sizeof user_id));
  else
    g_hash_table_remove (self->disabled, &user_id);
}

void
sl_auth_set_role (SlAuth  *self,
                  gint64   user_id,
                  SlRole   role)
{
  g_return_if_fail (SL_IS_AUTH (self));

  g_hash_table_insert (self->roles, g_memdup2 (&user_id, sizeof user_id),
                       GINT_TO_POINTER (role));
}

void
sl_auth_end_session (SlAuth     *self,
                     const char *session)
{
  gint64 now = now_seconds ();
  /* after this no access token of the session is still within its lifetime */
  gint64 until = now + self->access_ttl + SL_JWT_LEEWAY_SECONDS;

  g_return_if_fail (SL_IS_AUTH (self));

  if (g_hash_table_size (self->ended) >= 1024 &&
      g_hash_table_size (self->ended) % 1024 == 0)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->ended);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        if ((gint64) (gintptr) value < now)
          g_hash_table_iter_remove (&iter);
    }
  g_hash_table_insert (self->ended, g_strdup (session), (gpointer) (gintptr) until);
}

void
sl_auth_end_sessions (SlAuth    *self,
                      GPtrArray *sessions)
{
  g_return_if_fail (SL_IS_AUTH (self));

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    sl_auth_end_session (self, g_ptr_array_index (sessions, i));
}

static void
user_sessions_revoked_cb (GObject      *source,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GPtrArray) ended = NULL;
  GError *error = NULL;

  ended = sl_store_revoke_user_sessions_finish (SL_STORE (source), result, &error);
  if (ended == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  sl_auth_end_sessions (g_task_get_source_object (task), ended);
  g_task_return_boolean (task, TRUE);
}

void
sl_auth_end_user_sessions_async (SlAuth              *self,
                                 gint64               user_id,
                                 const char          *except_session,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SL_IS_AUTH (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_auth_end_user_sessions_async);
  sl_store_revoke_user_sessions_async (self->store, user_id, except_session, NULL,
                                       user_sessions_revoked_cb, task);
}

gboolean
sl_auth_end_user_sessions_finish (SlAuth        *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

SlJwtClaims *
sl_auth_check_request (SlAuth             *self,
                       SoupServerMessage  *msg,
                       gboolean            allow_query,
                       GError            **error)
{
  const char *header;
  const char *token = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(SlJwtClaims) claims = NULL;

  g_return_val_if_fail (SL_IS_AUTH (self), NULL);

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header != NULL)
    {
      if (g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
        {
          g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_MISSING_TOKEN,
                               "the Authorization header must be “Bearer <access token>”");
          return NULL;
        }
      token = header + 7;
      while (*token == ' ')
        token++;
    }
  else if (allow_query && g_uri_get_query (soup_server_message_get_uri (msg)) != NULL)
    {
      query = soup_form_decode (g_uri_get_query (soup_server_message_get_uri (msg)));
      token = g_hash_table_lookup (query, "access_token");
    }

  if (token == NULL || *token == '\0')
    {
      g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_MISSING_TOKEN,
                           "sign in first: this needs an access token");
      return NULL;
    }

  claims = verify_token (self, token, now_seconds (), error);
  if (claims == NULL)
    return NULL;

  if (g_hash_table_contains (self->disabled, &claims->user_id))
    {
      g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_DISABLED,
                           "this account is disabled");
      return NULL;
    }
  if (g_hash_table_size (self->ended) > 0)
    {
      gpointer until;

      if (g_hash_table_lookup_extended (self->ended, claims->session, NULL, &until) &&
          (gint64) (gintptr) until >= now_seconds ())
        {
          g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_SESSION_ENDED,
                               "this login has ended; sign in again");
          return NULL;
        }
    }
  if (g_hash_table_size (self->roles) > 0)
    {
      gpointer role;

      if (g_hash_table_lookup_extended (self->roles, &claims->user_id, NULL, &role) &&
          GPOINTER_TO_INT (role) != (int) claims->role)
        {
          g_set_error_literal (error, SL_AUTH_ERROR, SL_AUTH_ERROR_STALE_TOKEN,
                               "your role has changed; refresh the access token");
          return NULL;
        }
    }
  return g_steal_pointer (&claims);
}

/* ---- new sessions ------------------------------------------------------- */

typedef struct {
  SlLogin *login;
  char    *refresh_hash;
} SessionData;

static void
session_data_free (SessionData *data)
{
  g_clear_pointer (&data->login, sl_login_free);
  g_free (data->refresh_hash);
  g_free (data);
}

static void
session_stored_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SessionData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sl_store_add_refresh_token_finish (SL_STORE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&data->login), (GDestroyNotify) sl_login_free);
}

/* Makes the tokens of a login and stores its refresh token. */
static void
start_session (SlAuth       *self,
               const SlUser *user,
               GTask        *task)
{
  SessionData *data = g_new0 (SessionData, 1);
  SlLogin *login = g_new0 (SlLogin, 1);
  gint64 now = now_seconds ();

  login->user = sl_user_copy (user);
  g_clear_pointer (&login->user->password_hash, g_free);
  login->session = random_token (16);
  login->refresh_token = random_token (32);
  login->access_token = sl_jwt_sign (self->jwt, user->id, user->role, login->session,
                                     now, self->access_ttl);
  login->expires_in = self->access_ttl;
  data->login = login;
  data->refresh_hash = sl_auth_hash_refresh_token (login->refresh_token);
  g_task_set_task_data (task, data, (GDestroyNotify) session_data_free);

  sl_store_add_refresh_token_async (self->store, user->id, login->session,
                                    data->refresh_hash, now + self->refresh_ttl,
                                    NULL, session_stored_cb, task);
}

void
sl_auth_start_session_async (SlAuth              *self,
                             const SlUser        *user,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SL_IS_AUTH (self));
  g_return_if_fail (user != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_auth_start_session_async);
  start_session (self, user, task);
}

SlLogin *
sl_auth_start_session_finish (SlAuth        *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- login -------------------------------------------------------------- */

typedef struct {
  char   *username;
  char   *password;
  char   *account_key;
  char   *address_key;
  SlUser *user;
  gint64  retry_after;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->username);
  if (data->password != NULL)
    OPENSSL_cleanse (data->password, strlen (data->password));
  g_free (data->password);
  g_free (data->account_key);
  g_free (data->address_key);
  g_clear_pointer (&data->user, sl_user_free);
  g_free (data);
}

static void
login_session_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  SlLogin *login = sl_auth_start_session_finish (SL_AUTH (source), result, &error);

  if (login == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, login, (GDestroyNotify) sl_login_free);
}

static void
login_verified_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlAuth *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean ok;

  ok = sl_password_hasher_verify_finish (SL_PASSWORD_HASHER (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  if (!ok || data->user == NULL)
    {
      gint64 now = now_seconds ();

      sl_throttle_failure (self->account_throttle, data->account_key, now);
      sl_throttle_failure (self->address_throttle, data->address_key, now);
      g_task_return_new_error (task, SL_AUTH_ERROR, SL_AUTH_ERROR_INVALID_CREDENTIALS,
                               "the user name or the password is wrong");
      return;
    }

  sl_throttle_success (self->account_throttle, data->account_key);
  if (data->user->disabled)
    {
      g_task_return_new_error (task, SL_AUTH_ERROR, SL_AUTH_ERROR_DISABLED,
                               "this account is disabled");
      return;
    }

  sl_auth_start_session_async (self, data->user, login_session_cb, g_steal_pointer (&task));
}

static void
login_user_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlAuth *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  data->user = sl_store_get_user_by_name_finish (SL_STORE (source), result, &error);
  if (data->user == NULL && !g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* An unknown user costs the same hash as a wrong password. */
  sl_password_hasher_verify_async (self->hasher, data->password,
                                   data->user ? data->user->password_hash : NULL,
                                   NULL, login_verified_cb, g_steal_pointer (&task));
}

void
sl_auth_login_async (SlAuth              *self,
                     const char          *username,
                     const char          *password,
                     const char          *client_address,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  LoginData *data;
  gint64 now = now_seconds ();
  gint64 retry_account = 0, retry_address = 0;
  gboolean account_ok, address_ok;

  g_return_if_fail (SL_IS_AUTH (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_auth_login_async);
  data = g_new0 (LoginData, 1);
  data->username = g_ascii_strdown (username, -1);
  data->password = g_strdup (password);
  data->account_key = g_strdup (data->username);
  data->address_key = g_strdup (client_address);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);

  account_ok = sl_throttle_check (self->account_throttle, data->account_key, now, &retry_account);
  address_ok = sl_throttle_check (self->address_throttle, data->address_key, now, &retry_address);
  if (!account_ok || !address_ok)
    {
      data->retry_after = MAX (account_ok ? 0 : retry_account, address_ok ? 0 : retry_address);
      g_task_return_new_error (task, SL_AUTH_ERROR, SL_AUTH_ERROR_THROTTLED,
                               "too many failed sign-ins; try again in %" G_GINT64_FORMAT " s",
                               data->retry_after);
      return;
    }

  sl_store_get_user_by_name_async (self->store, data->username, NULL,
                                   login_user_cb, g_steal_pointer (&task));
}

SlLogin *
sl_auth_login_finish (SlAuth        *self,
                      GAsyncResult  *result,
                      gint64        *retry_after,
                      GError       **error)
{
  LoginData *data;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (retry_after != NULL)
    *retry_after = data ? data->retry_after : 0;
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- refresh ------------------------------------------------------------ */

static void
refresh_rotated_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlAuth *self = g_task_get_source_object (task);
  const char *new_token = g_task_get_task_data (task);
  g_autoptr(SlRefreshResult) rotated = NULL;
  SlLogin *login;
  GError *error = NULL;

  rotated = sl_store_rotate_refresh_token_finish (SL_STORE (source), result, &error);
  if (rotated == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  switch (rotated->outcome)
    {
    case SL_REFRESH_OK:
      break;
    case SL_REFRESH_DISABLED:
      g_task_return_new_error (task, SL_AUTH_ERROR, SL_AUTH_ERROR_DISABLED,
                               "this account is disabled");
      return;
    case SL_REFRESH_REUSED:
      g_message ("a spent refresh token was presented again: its login is revoked");
      G_GNUC_FALLTHROUGH;
    case SL_REFRESH_UNKNOWN:
    case SL_REFRESH_EXPIRED:
    default:
      g_task_return_new_error (task, SL_AUTH_ERROR, SL_AUTH_ERROR_INVALID_REFRESH_TOKEN,
                               "the refresh token is not valid; sign in again");
      return;
    }

  login = g_new0 (SlLogin, 1);
  login->refresh_token = g_strdup (new_token);
  login->user = g_steal_pointer (&rotated->user);
  g_clear_pointer (&login->user->password_hash, g_free);
  login->session = g_steal_pointer (&rotated->session);
  login->access_token = sl_jwt_sign (self->jwt, login->user->id, login->user->role,
                                     login->session, now_seconds (), self->access_ttl);
  login->expires_in = self->access_ttl;
  g_task_return_pointer (task, login, (GDestroyNotify) sl_login_free);
}

void
sl_auth_refresh_async (SlAuth              *self,
                       const char          *refresh_token,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;
  char *new_token;
  g_autofree char *old_hash = NULL;
  g_autofree char *new_hash = NULL;

  g_return_if_fail (SL_IS_AUTH (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_auth_refresh_async);
  new_token = random_token (32);
  g_task_set_task_data (task, new_token, g_free);

  old_hash = sl_auth_hash_refresh_token (refresh_token);
  new_hash = sl_auth_hash_refresh_token (new_token);
  sl_store_rotate_refresh_token_async (self->store, old_hash, new_hash,
                                       now_seconds () + self->refresh_ttl,
                                       NULL, refresh_rotated_cb, task);
}

SlLogin *
sl_auth_refresh_finish (SlAuth        *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
