/* test-password.c: password policy, PBKDF2 hashing, checking and the hasher pool
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-password"

#include "config.h"

#include "sl-password.h"

#include <string.h>

#include <openssl/evp.h>

/* Each real hash costs about 0.3 s: the suite keeps their number small. */

static char *
repeat (const char *unit,
        guint       times)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < times; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

/* Policy */

typedef struct {
  const char *name;
  const char *unit;    /* repeated @times */
  guint       times;
  int         code;    /* -1: accepted */
} PolicyCase;

static const PolicyCase policy_cases[] = {
  { "empty", "", 1, SL_PASSWORD_ERROR_TOO_SHORT },
  { "7-ascii", "a", 7, SL_PASSWORD_ERROR_TOO_SHORT },
  { "8-ascii", "a", 8, -1 },
  { "1024-ascii", "a", 1024, -1 },
  { "1025-ascii", "a", 1025, SL_PASSWORD_ERROR_TOO_LONG },
  /* é is two bytes but one character. */
  { "7-two-byte", "\xc3\xa9", 7, SL_PASSWORD_ERROR_TOO_SHORT },
  { "8-two-byte", "\xc3\xa9", 8, -1 },
  { "1024-two-byte", "\xc3\xa9", 1024, -1 },
  { "1025-two-byte", "\xc3\xa9", 1025, SL_PASSWORD_ERROR_TOO_LONG },
  /* 😀 is four bytes: 4 of them are 16 bytes but only 4 characters. */
  { "4-four-byte", "\xf0\x9f\x98\x80", 4, SL_PASSWORD_ERROR_TOO_SHORT },
  { "8-four-byte", "\xf0\x9f\x98\x80", 8, -1 },
  { "invalid-utf8", "abcdefgh\xff", 1, SL_PASSWORD_ERROR_INVALID },
  { "overlong-utf8", "abcdefgh\xc0\xaf", 1, SL_PASSWORD_ERROR_INVALID },
  { "truncated-utf8", "abcdefgh\xc3", 1, SL_PASSWORD_ERROR_INVALID },
  { "surrogate-utf8", "abcdefgh\xed\xa0\x80", 1, SL_PASSWORD_ERROR_INVALID },
};

static void
test_policy (gconstpointer data)
{
  const PolicyCase *c = data;
  g_autofree char *password = repeat (c->unit, c->times);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = sl_password_check_policy (password, &error);
  if (c->code < 0)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_error (error, SL_PASSWORD_ERROR, c->code);
      g_assert_false (ok);
      g_assert_nonnull (error->message);
    }
}

static void
test_hash_refuses_policy_failures (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *too_long = repeat ("a", 1025);
  char *encoded;

  encoded = sl_password_hash ("short", &error);
  g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_SHORT);
  g_assert_null (encoded);
  g_clear_error (&error);

  encoded = sl_password_hash ("abcdefgh\xff", &error);
  g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_INVALID);
  g_assert_null (encoded);
  g_clear_error (&error);

  encoded = sl_password_hash (too_long, &error);
  g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_LONG);
  g_assert_null (encoded);
  g_clear_error (&error);

  /* Verify bounds its input the same way, before any work. */
  g_assert_false (sl_password_verify ("abcdefgh\xff", NULL, NULL, &error));
  g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (sl_password_verify (too_long, NULL, NULL, &error));
  g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_LONG);
}

/* Hashing */

static guint8 *
decode_b64 (const char *text,
            gsize      *len)
{
  return g_base64_decode (text, len);
}

static void
assert_encoded_form (const char *encoded)
{
  g_auto(GStrv) parts = g_strsplit (encoded, "$", 0);
  g_autofree guint8 *salt = NULL;
  g_autofree guint8 *hash = NULL;
  gsize salt_len = 0, hash_len = 0;
  guint64 iterations = 0;

  g_assert_cmpuint (g_strv_length (parts), ==, 4);
  g_assert_cmpstr (parts[0], ==, "pbkdf2-sha256");
  g_assert_true (g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT64,
                                             &iterations, NULL));
  g_assert_cmpuint (iterations, >=, 600000);
  g_assert_cmpuint (iterations, ==, SL_PASSWORD_ITERATIONS);
  salt = decode_b64 (parts[2], &salt_len);
  hash = decode_b64 (parts[3], &hash_len);
  g_assert_cmpuint (salt_len, ==, 16);
  g_assert_cmpuint (hash_len, ==, 32);
}

static void
test_hash_roundtrip (void)
{
  const char *password = "correct horse battery staple";
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  gboolean needs_rehash = TRUE;

  first = sl_password_hash (password, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  assert_encoded_form (first);
  /* The password itself never appears in what is stored. */
  g_assert_null (strstr (first, password));

  second = sl_password_hash (password, &error);
  g_assert_no_error (error);
  assert_encoded_form (second);
  /* A fresh salt each time: equal passwords do not give equal hashes. */
  g_assert_cmpstr (first, !=, second);

  g_assert_true (sl_password_verify (password, first, &needs_rehash, &error));
  g_assert_no_error (error);
  g_assert_false (needs_rehash);

  needs_rehash = TRUE;
  g_assert_false (sl_password_verify ("correct horse battery stapler", second,
                                      &needs_rehash, &error));
  g_assert_no_error (error);
  g_assert_false (needs_rehash);
}

/* A stored hash made here with OpenSSL's older PKCS5 API, independently of
 * sl-password.c, with only 1000 iterations: fast, and due for a rehash. */
static char *
make_weak_hash (const char *password,
                guint       iterations)
{
  const guint8 salt[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
  guint8 hash[32];
  g_autofree char *salt_b64 = NULL;
  g_autofree char *hash_b64 = NULL;

  g_assert_cmpint (PKCS5_PBKDF2_HMAC (password, (int) strlen (password),
                                      salt, sizeof salt, (int) iterations,
                                      EVP_sha256 (), sizeof hash, hash), ==, 1);
  salt_b64 = g_base64_encode (salt, sizeof salt);
  hash_b64 = g_base64_encode (hash, sizeof hash);
  return g_strdup_printf ("pbkdf2-sha256$%u$%s$%s", iterations, salt_b64, hash_b64);
}

static void
test_needs_rehash (void)
{
  g_autofree char *weak = make_weak_hash ("an old password", 1000);
  g_autoptr(GError) error = NULL;
  gboolean needs_rehash = FALSE;

  g_assert_true (sl_password_verify ("an old password", weak, &needs_rehash, &error));
  g_assert_no_error (error);
  g_assert_true (needs_rehash);

  /* Only a successful check says so: nothing leaks on a wrong password. */
  needs_rehash = TRUE;
  g_assert_false (sl_password_verify ("not the password", weak, &needs_rehash, &error));
  g_assert_no_error (error);
  g_assert_false (needs_rehash);
}

static void
test_short_legacy_password (void)
{
  /* An earlier policy may have allowed it: verify still answers. */
  g_autofree char *weak = make_weak_hash ("abc", 1000);
  g_autoptr(GError) error = NULL;

  g_assert_true (sl_password_verify ("abc", weak, NULL, &error));
  g_assert_no_error (error);
}

static void
test_tampered_hash_is_a_mismatch (void)
{
  g_autofree char *weak = make_weak_hash ("an old password", 1000);
  g_autoptr(GError) error = NULL;
  char *last;

  /* Change one byte of the hash, keeping valid base64: a plain "no". */
  last = strrchr (weak, '$') + 1;
  last[0] = last[0] == 'A' ? 'B' : 'A';
  g_assert_false (sl_password_verify ("an old password", weak, NULL, &error));
  g_assert_no_error (error);
}

static const char *const garbled_hashes[] = {
  "",
  "$",
  "$$$",
  "pbkdf2-sha256",
  "pbkdf2-sha256$600000",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==",
  "pbkdf2-sha1$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "PBKDF2-SHA256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "bcrypt$2b$12$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234",
  /* iterations: too few, too many, signed, padded, not a number */
  "pbkdf2-sha256$0$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$999$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$100000001$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$18446744073709551617$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$-600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$+600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$0600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$ 600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000x$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  /* salt: 15 and 17 bytes, not base64, no padding, non-canonical bits */
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4P$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEBE=$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4P!A==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEB==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4P=A==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJ CgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  /* hash: 31 and 33 bytes, truncated, garbage, missing */
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAA",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$\xff\xfe\xfd",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$",
  /* extra parts, trailing junk */
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=$",
  "pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
  "$pbkdf2-sha256$600000$AQIDBAUGBwgJCgsMDQ4PEA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
};

static void
test_garbled_hashes (void)
{
  g_autofree char *huge = repeat ("pbkdf2-sha256$", 10000);

  for (gsize i = 0; i < G_N_ELEMENTS (garbled_hashes); i++)
    {
      g_autoptr(GError) error = NULL;
      gboolean needs_rehash = TRUE;

      g_autofree char *shown = g_strescape (garbled_hashes[i], NULL);

      g_test_message ("garbled hash %" G_GSIZE_FORMAT ": %s", i, shown);
      g_assert_false (sl_password_verify ("password123", garbled_hashes[i],
                                          &needs_rehash, &error));
      g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_FORMAT);
      g_assert_false (needs_rehash);
    }

  {
    g_autoptr(GError) error = NULL;

    g_assert_false (sl_password_verify ("password123", huge, NULL, &error));
    g_assert_error (error, SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_FORMAT);
  }
}

/* Unknown users cost the same as known ones. */
static double
seconds_for_verify (const char *password,
                    const char *encoded,
                    gboolean    expected)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  gboolean ok = sl_password_verify (password, encoded, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (ok, ==, expected);
  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static void
test_dummy_verify (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *encoded = sl_password_hash ("password123", &error);
  double real = G_MAXDOUBLE, dummy = G_MAXDOUBLE, ratio;

  g_assert_no_error (error);

  /* The best of two each, so that a busy machine does not decide. */
  for (int i = 0; i < 2; i++)
    {
      real = MIN (real, seconds_for_verify ("wrong password", encoded, FALSE));
      dummy = MIN (dummy, seconds_for_verify ("password123", NULL, FALSE));
    }
  ratio = dummy / real;
  g_test_message ("real verify %.3f s, dummy verify %.3f s, ratio %.2f", real, dummy, ratio);
  g_assert_cmpfloat (ratio, >, 0.5);
  g_assert_cmpfloat (ratio, <, 2.0);
}

/* SlPasswordHasher */

static void
free_error (gpointer error)
{
  if (error != NULL)
    g_error_free (error);
}

static const GError *
error_at (GPtrArray *errors,
          guint      index)
{
  return g_ptr_array_index (errors, index);
}

typedef struct {
  GMainContext *context;
  guint         pending;
  GPtrArray    *results;   /* char * or NULL */
  GPtrArray    *errors;    /* GError * or NULL */
} AsyncState;

static void
async_state_init (AsyncState *state)
{
  state->context = g_main_context_ref_thread_default ();
  state->pending = 0;
  state->results = g_ptr_array_new_with_free_func (g_free);
  state->errors = g_ptr_array_new_with_free_func (free_error);
}

static void
async_state_clear (AsyncState *state)
{
  g_ptr_array_unref (state->results);
  g_ptr_array_unref (state->errors);
  g_main_context_unref (state->context);
}

static void
async_state_wait (AsyncState *state)
{
  while (state->pending > 0)
    g_main_context_iteration (state->context, TRUE);
}

static void
hash_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  AsyncState *state = user_data;
  GError *error = NULL;
  char *encoded = sl_password_hasher_hash_finish (SL_PASSWORD_HASHER (source),
                                                  result, &error);

  g_ptr_array_add (state->results, encoded);
  g_ptr_array_add (state->errors, error);
  state->pending--;
}

static void
test_hasher_bounded (void)
{
  g_autoptr(SlPasswordHasher) hasher = sl_password_hasher_new (2);
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_str_hash, g_str_equal);
  AsyncState state;
  const guint n_jobs = 6;

  async_state_init (&state);
  for (guint i = 0; i < n_jobs; i++)
    {
      sl_password_hasher_hash_async (hasher, "the same password", NULL,
                                     hash_done_cb, &state);
      state.pending++;
    }
  async_state_wait (&state);

  g_assert_cmpuint (state.results->len, ==, n_jobs);
  for (guint i = 0; i < n_jobs; i++)
    {
      const char *encoded = g_ptr_array_index (state.results, i);

      g_assert_no_error (g_ptr_array_index (state.errors, i));
      g_assert_nonnull (encoded);
      assert_encoded_form (encoded);
      g_hash_table_add (distinct, (gpointer) encoded);
    }
  g_assert_cmpuint (g_hash_table_size (distinct), ==, n_jobs);

  /* Six jobs, two threads: never more than two at once. */
  g_test_message ("most hashes running at once: %u",
                  sl_password_hasher_get_max_running (hasher));
  g_assert_cmpuint (sl_password_hasher_get_max_running (hasher), >=, 1);
  g_assert_cmpuint (sl_password_hasher_get_max_running (hasher), <=, 2);

  async_state_clear (&state);
}

typedef struct {
  guint     pending;
  GArray   *answers;   /* gboolean */
  GPtrArray *errors;
} VerifyState;

static void
verify_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  VerifyState *state = user_data;
  GError *error = NULL;
  gboolean ok = sl_password_hasher_verify_finish (SL_PASSWORD_HASHER (source),
                                                  result, &error);

  g_array_append_val (state->answers, ok);
  g_ptr_array_add (state->errors, error);
  state->pending--;
}

static void
test_hasher_verify (void)
{
  g_autoptr(SlPasswordHasher) hasher = sl_password_hasher_new (1);
  g_autofree char *weak = make_weak_hash ("an old password", 1000);
  VerifyState state = { 0 };

  state.answers = g_array_new (FALSE, FALSE, sizeof (gboolean));
  state.errors = g_ptr_array_new_with_free_func (free_error);

  /* One pool thread: the answers come back in order. */
  sl_password_hasher_verify_async (hasher, "an old password", weak, NULL,
                                   verify_done_cb, &state);
  sl_password_hasher_verify_async (hasher, "not it", weak, NULL,
                                   verify_done_cb, &state);
  sl_password_hasher_verify_async (hasher, "an old password", "garbage", NULL,
                                   verify_done_cb, &state);
  sl_password_hasher_verify_async (hasher, "no such user", NULL, NULL,
                                   verify_done_cb, &state);
  state.pending = 4;
  while (state.pending > 0)
    g_main_context_iteration (NULL, TRUE);

  g_assert_true (g_array_index (state.answers, gboolean, 0));
  g_assert_no_error (error_at (state.errors, 0));
  g_assert_false (g_array_index (state.answers, gboolean, 1));
  g_assert_no_error (error_at (state.errors, 1));
  g_assert_false (g_array_index (state.answers, gboolean, 2));
  g_assert_error (error_at (state.errors, 2),
                  SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_FORMAT);
  g_assert_false (g_array_index (state.answers, gboolean, 3));
  g_assert_no_error (error_at (state.errors, 3));

  g_array_unref (state.answers);
  g_ptr_array_unref (state.errors);
}

static void
test_hasher_cancel (void)
{
  g_autoptr(SlPasswordHasher) hasher = sl_password_hasher_new (1);
  g_autoptr(GCancellable) already = g_cancellable_new ();
  g_autoptr(GCancellable) queued = g_cancellable_new ();
  AsyncState state;
  gint64 start;
  double elapsed;

  async_state_init (&state);
  start = g_get_monotonic_time ();

  /* Cancelled before the call. */
  g_cancellable_cancel (already);
  sl_password_hasher_hash_async (hasher, "password one", already, hash_done_cb, &state);
  state.pending++;
  async_state_wait (&state);
  g_assert_null (g_ptr_array_index (state.results, 0));
  g_assert_error (error_at (state.errors, 0), G_IO_ERROR, G_IO_ERROR_CANCELLED);

  /* Cancelled while waiting behind another job on the only thread. */
  sl_password_hasher_hash_async (hasher, "password two", NULL, hash_done_cb, &state);
  sl_password_hasher_hash_async (hasher, "password three", queued, hash_done_cb, &state);
  state.pending += 2;
  g_cancellable_cancel (queued);
  async_state_wait (&state);

  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
  g_assert_no_error (error_at (state.errors, 1));
  g_assert_nonnull (g_ptr_array_index (state.results, 1));
  g_assert_null (g_ptr_array_index (state.results, 2));
  g_assert_error (error_at (state.errors, 2), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_test_message ("three jobs, two cancelled: %.3f s", elapsed);
  g_assert_cmpuint (sl_password_hasher_get_max_running (hasher), ==, 1);

  async_state_clear (&state);
}

static void
test_hasher_policy_error (void)
{
  g_autoptr(SlPasswordHasher) hasher = sl_password_hasher_new (1);
  AsyncState state;

  async_state_init (&state);
  sl_password_hasher_hash_async (hasher, "short", NULL, hash_done_cb, &state);
  state.pending++;
  async_state_wait (&state);
  g_assert_null (g_ptr_array_index (state.results, 0));
  g_assert_error (error_at (state.errors, 0),
                  SL_PASSWORD_ERROR, SL_PASSWORD_ERROR_TOO_SHORT);
  async_state_clear (&state);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (policy_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/password/policy/%s", policy_cases[i].name);

      g_test_add_data_func (path, &policy_cases[i], test_policy);
    }
  g_test_add_func ("/password/hash/refuses-policy-failures", test_hash_refuses_policy_failures);
  g_test_add_func ("/password/hash/roundtrip", test_hash_roundtrip);
  g_test_add_func ("/password/verify/needs-rehash", test_needs_rehash);
  g_test_add_func ("/password/verify/short-legacy-password", test_short_legacy_password);
  g_test_add_func ("/password/verify/tampered-hash", test_tampered_hash_is_a_mismatch);
  g_test_add_func ("/password/verify/garbled-hashes", test_garbled_hashes);
  g_test_add_func ("/password/verify/dummy-costs-the-same", test_dummy_verify);
  g_test_add_func ("/password/hasher/bounded", test_hasher_bounded);
  g_test_add_func ("/password/hasher/verify", test_hasher_verify);
  g_test_add_func ("/password/hasher/cancel", test_hasher_cancel);
  g_test_add_func ("/password/hasher/policy-error", test_hasher_policy_error);

  return g_test_run ();
}
