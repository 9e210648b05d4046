/* sl-password.h: password policy, hashing (PBKDF2-HMAC-SHA256) and checking
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SL_PASSWORD_ERROR (sl_password_error_quark ())

typedef enum {
  SL_PASSWORD_ERROR_TOO_SHORT,   /* fewer than 8 characters */
  SL_PASSWORD_ERROR_TOO_LONG,    /* more than 1024 characters */
  SL_PASSWORD_ERROR_INVALID,     /* not UTF-8, or contains NUL */
  SL_PASSWORD_ERROR_FORMAT,      /* a stored hash we cannot read */
  SL_PASSWORD_ERROR_CRYPTO,      /* OpenSSL failed */
} SlPasswordError;

GQuark   sl_password_error_quark (void);

#define SL_PASSWORD_MIN_CHARS 8
#define SL_PASSWORD_MAX_CHARS 1024
#define SL_PASSWORD_ITERATIONS 600000

gboolean sl_password_check_policy (const char *password,
                                   GError    **error);

/* Blocking and thread-safe; they take a fraction of a second by design.
 * The encoded form is "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>",
 * so the parameters can be raised later. */
char    *sl_password_hash         (const char *password,
                                   GError    **error);
/* TRUE when it matches; FALSE with no error when it does not.
 * @encoded NULL checks against a dummy hash of the same cost (for unknown
 * users) and always answers FALSE. @needs_rehash (nullable) says the stored
 * parameters are weaker than today's. */
gboolean sl_password_verify       (const char *password,
                                   const char *encoded,
                                   gboolean   *needs_rehash,
                                   GError    **error);

/* Runs hashes off the main loop, at most @max_threads at once; more wait. */
#define SL_TYPE_PASSWORD_HASHER (sl_password_hasher_get_type ())
G_DECLARE_FINAL_TYPE (SlPasswordHasher, sl_password_hasher, SL, PASSWORD_HASHER, GObject)

SlPasswordHasher *sl_password_hasher_new           (guint                max_threads);
void              sl_password_hasher_hash_async    (SlPasswordHasher    *self,
                                                    const char          *password,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
char             *sl_password_hasher_hash_finish   (SlPasswordHasher    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
void              sl_password_hasher_verify_async  (SlPasswordHasher    *self,
                                                    const char          *password,
                                                    const char          *encoded,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
/* TRUE: match. FALSE without error: no match. */
gboolean          sl_password_hasher_verify_finish (SlPasswordHasher    *self,
                                                    GAsyncResult        *result,
                                                    GError             **error);
/* The most jobs seen running at once since creation (tests, metrics). */
guint             sl_password_hasher_get_max_running (SlPasswordHasher *self);

G_END_DECLS
