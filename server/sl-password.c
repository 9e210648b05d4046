/* sl-password.c: password policy, hashing (PBKDF2-HMAC-SHA256) and checking
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-password"

#include "config.h"

#include "sl-password.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

G_DEFINE_QUARK (sl-password-error-quark, sl_password_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_KDF, EVP_KDF_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (EVP_KDF_CTX, EVP_KDF_CTX_free)

#define SCHEME "pbkdf2-sha256"
#define SALT_BYTES 16
#define HASH_BYTES 32
#define MIN_STORED_ITERATIONS 1000
#define MAX_STORED_ITERATIONS 100000000
/* Longest encoded form we read: scheme, 9 digits, 24 + 44 base64 chars. */
#define MAX_ENCODED_LENGTH 128

/* Policy */

static gboolean
check_password (const char *password,
                gboolean    check_min,
                GError    **error)
{
  const char *end;
  glong n_chars;

  /* A C string cannot hold a NUL, so validating up to the terminator also
   * rules NUL out. */
  if (!g_utf8_validate (password, -1, &end))
    {
      g_set_error_literal (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_INVALID,
                           "the password is not valid UTF-8 text");
      return FALSE;
    }

  n_chars = g_utf8_strlen (password, end - password);
  if (check_min && n_chars < SL_PASSWORD_MIN_CHARS)
    {
      g_set_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_SHORT,
                   "the password must have at least %d characters",
                   SL_PASSWORD_MIN_CHARS);
      return FALSE;
    }
  if (n_chars > SL_PASSWORD_MAX_CHARS)
    {
      g_set_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_LONG,
                   "the password must have at most %d characters",
                   SL_PASSWORD_MAX_CHARS);
      return FALSE;
    }
  return TRUE;
}

gboolean
sl_password_check_policy (const char *password,
                          GError    **error)
{
  g_return_val_if_fail (password != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return check_password (password, TRUE, error);
}

/* Key derivation */

static void
set_openssl_error (GError    **error,
                   const char *what)
{
  unsigned long code = ERR_get_error ();
  char buf[256] = "unknown error";

  if (code != 0)
    ERR_error_string_n (code, buf, sizeof buf);
  ERR_clear_error ();
  g_set_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_CRYPTO,
               "%s failed: %s", what, buf);
}

static gboolean
pbkdf2_sha256 (const char   *password,
               const guint8 *salt,
               gsize         salt_len,
               guint64       iterations,
               guint8       *out,
               gsize         out_len,
               GError      **error)
{
  g_autoptr(EVP_KDF) kdf = NULL;
  g_autoptr(EVP_KDF_CTX) ctx = NULL;
  char digest[] = "SHA256";
  OSSL_PARAM params[5];

  kdf = EVP_KDF_fetch (NULL, OSSL_KDF_NAME_PBKDF2, NULL);
  if (kdf == NULL)
    {
      set_openssl_error (error, "fetching PBKDF2");
      return FALSE;
    }
  ctx = EVP_KDF_CTX_new (kdf);
  if (ctx == NULL)
    {
      set_openssl_error (error, "creating a PBKDF2 context");
      return FALSE;
    }

  params[0] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_PASSWORD,
                                                 (void *) password,
                                                 strlen (password));
  params[1] = OSSL_PARAM_construct_octet_string (OSSL_KDF_PARAM_SALT,
                                                 (void *) salt, salt_len);
  /* OpenSSL's default is 2048 iterations: always say how many we want. */
  params[2] = OSSL_PARAM_construct_uint64 (OSSL_KDF_PARAM_ITER, &iterations);
  params[3] = OSSL_PARAM_construct_utf8_string (OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[4] = OSSL_PARAM_construct_end ();

  if (EVP_KDF_derive (ctx, out, out_len, params) != 1)
    {
      OPENSSL_cleanse (out, out_len);
      set_openssl_error (error, "PBKDF2");
      return FALSE;
    }
  return TRUE;
}

/* Encoded form */

/* Standard base64 with padding, canonical only: exactly @expected_len
 * bytes once decoded. g_base64_decode() skips garbage, so check first. */
static gboolean
decode_b64_exact (const char *text,
                  guint8     *out,
                  gsize       expected_len)
{
  gsize text_len = strlen (text);
  g_autofree guchar *decoded = NULL;
  g_autofree char *again = NULL;
  gsize decoded_len = 0;

  if (text_len == 0 || text_len % 4 != 0 || text_len != 4 * ((expected_len + 2) / 3))
    return FALSE;
  for (gsize i = 0; i < text_len; i++)
    {
      char c = text[i];
      gboolean pad_ok = i >= text_len - 2 && c == '=';

      if (!(g_ascii_isalnum (c) || c == '+' || c == '/' || pad_ok))
        return FALSE;
      if (c != '=' && i > 0 && text[i - 1] == '=')
        return FALSE;
    }

  decoded = g_base64_decode (text, &decoded_len);
  if (decoded == NULL || decoded_len != expected_len)
    {
      if (decoded != NULL)
        OPENSSL_cleanse (decoded, decoded_len);
      return FALSE;
    }
  /* Unused trailing bits must be zero: re-encoding gives the same text. */
  again = g_base64_encode (decoded, decoded_len);
  if (strcmp (again, text) != 0)
    {
      OPENSSL_cleanse (decoded, decoded_len);
      return FALSE;
    }
  memcpy (out, decoded, expected_len);
  OPENSSL_cleanse (decoded, decoded_len);
  return TRUE;
}

typedef struct {
  guint64 iterations;
  guint8  salt[SALT_BYTES];
  guint8  hash[HASH_BYTES];
} StoredHash;

static gboolean
parse_encoded (const char  *encoded,
               StoredHash  *stored,
               GError     **error)
{
  g_auto(GStrv) parts = NULL;
  const char *digits;
  guint64 iterations;

  if (strnlen (encoded, MAX_ENCODED_LENGTH + 1) > MAX_ENCODED_LENGTH)
    goto bad;

  parts = g_strsplit (encoded, "$", 0);
  if (g_strv_length (parts) != 4 || strcmp (parts[0], SCHEME) != 0)
    goto bad;

  /* Decimal digits only, no sign, no leading zero. */
  digits = parts[1];
  if (digits[0] == '\0' || digits[0] == '0' || strlen (digits) > 9)
    goto bad;
  for (const char *p = digits; *p; p++)
    if (!g_ascii_isdigit (*p))
      goto bad;
  if (!g_ascii_string_to_unsigned (digits, 10, MIN_STORED_ITERATIONS,
                                   MAX_STORED_ITERATIONS, &iterations, NULL))
    goto bad;
  stored->iterations = iterations;

  if (!decode_b64_exact (parts[2], stored->salt, SALT_BYTES) ||
      !decode_b64_exact (parts[3], stored->hash, HASH_BYTES))
    goto bad;

  return TRUE;

bad:
  OPENSSL_cleanse (stored, sizeof *stored);
  g_set_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_FORMAT,
               "the stored password hash is not in the %s$<iterations>$<salt>$<hash> form",
               SCHEME);
  return FALSE;
}

char *
sl_password_hash (const char *password,
                  GError    **error)
{
  guint8 salt[SALT_BYTES];
  guint8 hash[HASH_BYTES];
  g_autofree char *salt_b64 = NULL;
  g_autofree char *hash_b64 = NULL;
  char *encoded;

  g_return_val_if_fail (password != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_password (password, TRUE, error))
    return NULL;

  if (RAND_bytes (salt, sizeof salt) != 1)
    {
      set_openssl_error (error, "generating a salt");
      return NULL;
    }
  if (!pbkdf2_sha256 (password, salt, sizeof salt, SL_PASSWORD_ITERATIONS,
                      hash, sizeof hash, error))
    return NULL;

  salt_b64 = g_base64_encode (salt, sizeof salt);
  hash_b64 = g_base64_encode (hash, sizeof hash);
  encoded = g_strdup_printf (SCHEME "$%u$%s$%s", (guint) SL_PASSWORD_ITERATIONS,
                             salt_b64, hash_b64);

  OPENSSL_cleanse (hash, sizeof hash);
  OPENSSL_cleanse (hash_b64, strlen (hash_b64));
  return encoded;
}

gboolean
sl_password_verify (const char *password,
                    const char *encoded,
                    gboolean   *needs_rehash,
                    GError    **error)
{
  StoredHash stored;
  guint8 computed[HASH_BYTES];
  gboolean match;

  g_return_val_if_fail (password != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (needs_rehash != NULL)
    *needs_rehash = FALSE;

  /* No minimum here: an older policy may have allowed shorter passwords.
   * The maximum bounds the work an anonymous caller can ask for. */
  if (!check_password (password, FALSE, error))
    return FALSE;

  if (encoded == NULL)
    {
      /* Unknown user: spend the same time as a real check, then say no. A
       * fixed salt is fine, nothing is stored or compared for real. */
      static const guint8 dummy_salt[SALT_BYTES] = "streamlet-dummy";

      if (!pbkdf2_sha256 (password, dummy_salt, sizeof dummy_salt,
                          SL_PASSWORD_ITERATIONS, computed, sizeof computed, error))
        return FALSE;
      OPENSSL_cleanse (computed, sizeof computed);
      return FALSE;
    }

  if (!parse_encoded (encoded, &stored, error))
    return FALSE;

  if (!pbkdf2_sha256 (password, stored.salt, sizeof stored.salt,
                      stored.iterations, computed, sizeof computed, error))
    {
      OPENSSL_cleanse (&stored, sizeof stored);
      return FALSE;
    }

  match = CRYPTO_memcmp (computed, stored.hash, HASH_BYTES) == 0;
  if (match && needs_rehash != NULL)
    *needs_rehash = stored.iterations < SL_PASSWORD_ITERATIONS;

  OPENSSL_cleanse (computed, sizeof computed);
  OPENSSL_cleanse (&stored, sizeof stored);
  return match;
}

/* SlPasswordHasher */

struct _SlPasswordHasher
{
  GObject      parent_instance;

  GThreadPool *pool;
  gint         running;      /* atomic: jobs inside the pool function */
  gint         max_running;  /* atomic: the most seen at once */
};

G_DEFINE_FINAL_TYPE (SlPasswordHasher, sl_password_hasher, G_TYPE_OBJECT)

typedef enum {
  JOB_HASH,
  JOB_VERIFY,
} JobKind;

typedef struct {
  JobKind  kind;
  char    *password;
  char    *encoded;
} Job;

static void
wipe_string (char **str)
{
  if (*str != NULL)
    {
      OPENSSL_cleanse (*str, strlen (*str));
      g_clear_pointer (str, g_free);
    }
}

static void
job_free (Job *job)
{
  wipe_string (&job->password);
  wipe_string (&job->encoded);
  g_free (job);
}

/* Set on pool threads, so that finalize knows not to wait for itself. */
static GPrivate on_pool_thread;

static void
run_job (gpointer data,
         gpointer user_data)
{
  GTask *task = data;   /* owned */
  SlPasswordHasher *self = g_task_get_source_object (task);
  Job *job = g_task_get_task_data (task);
  GError *error = NULL;
  gint now_running;
  gint seen;

  g_private_set (&on_pool_thread, GINT_TO_POINTER (1));

  if (g_task_return_error_if_cancelled (task))
    {
      wipe_string (&job->password);
      g_object_unref (task);
      return;
    }

  now_running = g_atomic_int_add (&self->running, 1) + 1;
  do
    seen = g_atomic_int_get (&self->max_running);
  while (now_running > seen &&
         !g_atomic_int_compare_and_exchange (&self->max_running, seen, now_running));

  if (job->kind == JOB_HASH)
    {
      char *encoded = sl_password_hash (job->password, &error);

      wipe_string (&job->password);
      g_atomic_int_add (&self->running, -1);
      if (encoded == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, encoded, g_free);
    }
  else
    {
      gboolean match = sl_password_verify (job->password, job->encoded, NULL, &error);

      wipe_string (&job->password);
      g_atomic_int_add (&self->running, -1);
      if (error != NULL)
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, match);
    }

  /* This may drop the last reference to @self: touch nothing after it. */
  g_object_unref (task);
}

static void
sl_password_hasher_finalize (GObject *object)
{
  SlPasswordHasher *self = SL_PASSWORD_HASHER (object);

  /* Every queued job holds a reference to us, so the queue is empty here.
   * Wait for the threads to go unless we are finalized on one of them. */
  if (self->pool != NULL)
    g_thread_pool_free (g_steal_pointer (&self->pool), FALSE,
                        g_private_get (&on_pool_thread) == NULL);

  G_OBJECT_CLASS (sl_password_hasher_parent_class)->finalize (object);
}

static void
sl_password_hasher_class_init (SlPasswordHasherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sl_password_hasher_finalize;
}

static void
sl_password_hasher_init (SlPasswordHasher *self)
{
}

SlPasswordHasher *
sl_password_hasher_new (guint max_threads)
{
  SlPasswordHasher *self;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (max_threads > 0, NULL);

  self = g_object_new (SL_TYPE_PASSWORD_HASHER, NULL);
  /* Exclusive: these threads are ours, so hashing never starves the other
   * users of GLib's shared pool (GTask, GIO) and never exceeds the bound. */
  self->pool = g_thread_pool_new (run_job, NULL, (gint) max_threads, TRUE, &error);
  if (self->pool == NULL)
    {
      g_warning ("Could not start %u password hashing threads (%s); "
                 "starting them on demand", max_threads, error->message);
      g_clear_error (&error);
      self->pool = g_thread_pool_new (run_job, NULL, (gint) max_threads, FALSE, NULL);
    }
  return self;
}

static void
push_job (SlPasswordHasher    *self,
          Job                 *job,
          gpointer             source_tag,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  if (!g_thread_pool_push (self->pool, g_object_ref (task), &error))
    {
      g_object_unref (task);
      g_task_return_new_error (task, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_CRYPTO,
                               "could not start a password hashing thread: %s",
                               error->message);
    }
}

void
sl_password_hasher_hash_async (SlPasswordHasher    *self,
                               const char          *password,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Job *job;

  g_return_if_fail (SL_IS_PASSWORD_HASHER (self));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->kind = JOB_HASH;
  job->password = g_strdup (password);
  push_job (self, job, sl_password_hasher_hash_async, cancellable, callback, user_data);
}

char *
sl_password_hasher_hash_finish (SlPasswordHasher  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (SL_IS_PASSWORD_HASHER (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sl_password_hasher_hash_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sl_password_hasher_verify_async (SlPasswordHasher    *self,
                                 const char          *password,
                                 const char          *encoded,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Job *job;

  g_return_if_fail (SL_IS_PASSWORD_HASHER (self));
  g_return_if_fail (password != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = g_new0 (Job, 1);
  job->kind = JOB_VERIFY;
  job->password = g_strdup (password);
  job->encoded = g_strdup (encoded);
  push_job (self, job, sl_password_hasher_verify_async, cancellable, callback, user_data);
}

gboolean
sl_password_hasher_verify_finish (SlPasswordHasher  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  g_return_val_if_fail (SL_IS_PASSWORD_HASHER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sl_password_hasher_verify_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
sl_password_hasher_get_max_running (SlPasswordHasher *self)
{
  g_return_val_if_fail (SL_IS_PASSWORD_HASHER (self), 0);

  return (guint) g_atomic_int_get (&self->max_running);
}
