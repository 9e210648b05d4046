/* sl-user.c: a user account and its role
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-user"

#include "config.h"

#include "sl-user.h"
#include "sl-json.h"

#include <string.h>

G_DEFINE_BOXED_TYPE (SlUser, sl_user, sl_user_copy, sl_user_free)

const char *
sl_role_to_string (SlRole role)
{
  switch (role)
    {
    case SL_ROLE_STUDENT:
      return "student";
    case SL_ROLE_TEACHER:
      return "teacher";
    case SL_ROLE_ADMIN:
      return "admin";
    default:
      return "unknown";
    }
}

gboolean
sl_role_from_string (const char *name,
                     SlRole     *out)
{
  if (g_strcmp0 (name, "student") == 0)
    *out = SL_ROLE_STUDENT;
  else if (g_strcmp0 (name, "teacher") == 0)
    *out = SL_ROLE_TEACHER;
  else if (g_strcmp0 (name, "admin") == 0)
    *out = SL_ROLE_ADMIN;
  else
    return FALSE;
  return TRUE;
}

SlUser *
sl_user_new (void)
{
  SlUser *user = g_new0 (SlUser, 1);

  user->role = SL_ROLE_STUDENT;
  return user;
}

SlUser *
sl_user_copy (const SlUser *user)
{
  SlUser *copy;

  g_return_val_if_fail (user != NULL, NULL);

  copy = g_memdup2 (user, sizeof *user);
  copy->username = g_strdup (user->username);
  copy->display_name = g_strdup (user->display_name);
  copy->password_hash = g_strdup (user->password_hash);
  return copy;
}

void
sl_user_free (SlUser *user)
{
  if (user == NULL)
    return;
  g_free (user->username);
  g_free (user->display_name);
  if (user->password_hash != NULL)
    memset (user->password_hash, 0, strlen (user->password_hash));
  g_free (user->password_hash);
  g_free (user);
}

JsonNode *
sl_user_to_json (const SlUser *user)
{
  g_autoptr(JsonObject) object = json_object_new ();
  char created[32];

  sl_json_format_time_buf (user->created_at, created);
  json_object_set_int_member (object, "id", user->id);
  json_object_set_string_member (object, "username", user->username);
  json_object_set_string_member (object, "display_name", user->display_name);
  json_object_set_string_member (object, "role", sl_role_to_string (user->role));
  json_object_set_boolean_member (object, "disabled", user->disabled);
  json_object_set_string_member (object, "created_at", created);
  return json_node_init_object (json_node_alloc (), object);
}

gboolean
sl_username_is_valid (const char *username)
{
  gsize len;

  if (username == NULL)
    return FALSE;
  len = strlen (username);
  if (len < 3 || len > 64)
    return FALSE;
  for (const char *p = username; *p; p++)
    {
      if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '_' || *p == '-'))
        return FALSE;
    }
  return TRUE;
}
