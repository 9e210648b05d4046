/* sl-user.h: a user account and its role
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Ordered: a higher role may do everything a lower one may. */
typedef enum {
  SL_ROLE_STUDENT = 1,
  SL_ROLE_TEACHER = 2,
  SL_ROLE_ADMIN = 3,
} SlRole;

const char *sl_role_to_string   (SlRole      role);
gboolean    sl_role_from_string (const char *name,
                                 SlRole     *out);

#define SL_TYPE_USER (sl_user_get_type ())

typedef struct {
  gint64  id;
  char   *username;        /* lower case, [a-z0-9._-], 3..64 */
  char   *display_name;
  SlRole  role;
  gboolean disabled;
  char   *password_hash;   /* sl-password encoded form; never leaves the server */
  gint64  created_at;      /* unix seconds, UTC */
  gint64  updated_at;
} SlUser;

GType     sl_user_get_type (void) G_GNUC_CONST;
SlUser   *sl_user_new      (void);
SlUser   *sl_user_copy     (const SlUser *user);
void      sl_user_free     (SlUser       *user);
JsonNode *sl_user_to_json  (const SlUser *user);

/* Username rules, shared by registration, admin creation and the store. */
gboolean  sl_username_is_valid (const char *username);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlUser, sl_user_free)

G_END_DECLS
