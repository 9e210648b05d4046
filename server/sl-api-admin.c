/* sl-api-admin.c: /api/admin/users — list, search, create, change, disable
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-api"

#include "config.h"

#include "sl-api.h"
#include "sl-json.h"
#include "sl-server.h"

#define SL_PAGE_DEFAULT 50
#define SL_PAGE_MAX 200

/* Reads ?name=N as an unsigned number in [min, max]; absent → @fallback. */
static gboolean
query_uint (SlRequest  *req,
            GHashTable *query,
            const char *name,
            guint       min,
            guint       max,
            guint       fallback,
            guint      *out)
{
  const char *text = query ? g_hash_table_lookup (query, name) : NULL;
  guint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, min, max, &value, NULL))
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "%s: must be a whole number from %u to %u", name, min, max);
      return FALSE;
    }
  *out = (guint) value;
  return TRUE;
}

static void
users_listed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlUserPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonArray *users;

  page = sl_store_list_users_finish (SL_STORE (source), result, &error);
  if (page == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  users = json_array_sized_new (page->users->len);
  for (guint i = 0; i < page->users->len; i++)
    json_array_add_element (users, sl_user_to_json (g_ptr_array_index (page->users, i)));

  object = json_object_new ();
  json_object_set_array_member (object, "users", users);
  json_object_set_int_member (object, "total", page->total);
  sl_request_reply (req, SOUP_STATUS_OK, NULL, json_node_init_object (json_node_alloc (), object));
}

void
sl_api_admin_users_list (SlRequest *req)
{
  const char *raw = g_uri_get_query (soup_server_message_get_uri (req->msg));
  g_autoptr(GHashTable) query = NULL;
  const char *q = NULL;
  guint limit, offset;

  if (raw != NULL)
    {
      if (!g_utf8_validate (raw, -1, NULL) ||
          (query = soup_form_decode (raw)) == NULL)
        {
          sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                                  "the query string cannot be read");
          return;
        }
    }
  if (!query_uint (req, query, "limit", 1, SL_PAGE_MAX, SL_PAGE_DEFAULT, &limit) ||
      !query_uint (req, query, "offset", 0, G_MAXINT32, 0, &offset))
    return;

  q = query ? g_hash_table_lookup (query, "q") : NULL;
  if (q != NULL && (!g_utf8_validate (q, -1, NULL) || g_utf8_strlen (q, -1) > 100))
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "q: must be UTF-8 text of at most 100 characters");
      return;
    }

  sl_store_list_users_async (sl_server_get_store (req->server), q, limit, offset, NULL,
                             users_listed_cb, req);
}

/* ---- create ------------------------------------------------------------- */

static void
user_created (SlRequest *req,
              SlUser    *user)
{
  g_message ("admin %" G_GINT64_FORMAT " created the %s account “%s”",
             req->claims->user_id, sl_role_to_string (user->role), user->username);
  sl_request_reply (req, SOUP_STATUS_CREATED, "user", sl_user_to_json (user));
}

void
sl_api_admin_users_create (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;
  const char *password = NULL, *display_name = NULL, *role_name = NULL;
  SlRole role = SL_ROLE_STUDENT;
  static const char * const fields[] = {
    "username", "password", "display_name", "role", NULL
  };
  SlUser *user;

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_api_read_new_account (req->body, &username, &password, &display_name, &error) ||
      !sl_json_get_string (req->body, "role", FALSE, 1, 16, &role_name, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  if (role_name != NULL && !sl_role_from_string (role_name, &role))
    {
      g_set_error (&error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "role: must be student, teacher or admin");
      sl_request_reply_gerror (req, error);
      return;
    }

  user = sl_user_new ();
  user->username = g_steal_pointer (&username);
  user->display_name = g_strstrip (g_strdup (display_name ? display_name : user->username));
  user->role = role;
  sl_api_create_account (req, user, password, user_created);
}

/* ---- one user ----------------------------------------------------------- */

static void
user_got_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sl_store_get_user_finish (SL_STORE (source), result, &error);
  if (user == NULL)
    sl_request_reply_gerror (req, error);
  else
    sl_request_reply (req, SOUP_STATUS_OK, "user", sl_user_to_json (user));
}

void
sl_api_admin_user_get (SlRequest *req)
{
  sl_store_get_user_async (sl_server_get_store (req->server), req->id, NULL,
                           user_got_cb, req);
}

typedef struct {
  SlRequest   *req;
  SlUser      *user;
  SlUserFields fields;
} PatchData;

static void
patch_data_free (PatchData *data)
{
  g_clear_pointer (&data->user, sl_user_free);
  g_free (data);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PatchData, patch_data_free)

static void
patch_revoked_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(PatchData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_auth_end_user_sessions_finish (SL_AUTH (source), result, &error))
    sl_request_reply_gerror (data->req, error);
  else
    sl_request_reply (data->req, SOUP_STATUS_OK, "user", sl_user_to_json (data->user));
}

static void
user_patched_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(PatchData) data = user_data;
  g_autoptr(GError) error = NULL;
  SlRequest *req = data->req;
  SlUser *user;

  user = sl_store_update_user_finish (SL_STORE (source), result, &error);
  if (user == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  g_clear_pointer (&data->user, sl_user_free);
  data->user = user;

  if (data->fields & SL_USER_FIELD_ROLE)
    {
      /* Tokens carrying the old role are refused; a refresh gets the new one. */
      sl_auth_set_role (sl_server_get_auth (req->server), user->id, user->role);
      g_message ("admin %" G_GINT64_FORMAT " made user %" G_GINT64_FORMAT " %s",
                 req->claims->user_id, user->id, sl_role_to_string (user->role));
    }

  if (data->fields & SL_USER_FIELD_DISABLED)
    {
      sl_auth_set_disabled (sl_server_get_auth (req->server), user->id, user->disabled);
      g_message ("admin %" G_GINT64_FORMAT " %s user %" G_GINT64_FORMAT,
                 req->claims->user_id, user->disabled ? "disabled" : "enabled", user->id);
      if (user->disabled)
        {
          /* Its refresh and access tokens stop now, and stay stopped if the
           * account is enabled again. */
          sl_auth_end_user_sessions_async (sl_server_get_auth (req->server), user->id, NULL,
                                           patch_revoked_cb, g_steal_pointer (&data));
          return;
        }
    }
  sl_request_reply (req, SOUP_STATUS_OK, "user", sl_user_to_json (user));
}

void
sl_api_admin_user_patch (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  const char *display_name = NULL, *role_name = NULL;
  gboolean disabled = FALSE;
  static const char * const fields[] = { "display_name", "role", "disabled", NULL };
  PatchData *data;
  SlUser *values;
  SlUserFields mask = 0;

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_json_get_string (req->body, "display_name", FALSE, 1, 100, &display_name, &error) ||
      !sl_json_get_string (req->body, "role", FALSE, 1, 16, &role_name, &error) ||
      !sl_json_get_boolean (req->body, "disabled", FALSE, &disabled, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  values = sl_user_new ();
  data = g_new0 (PatchData, 1);
  data->req = req;
  data->user = values;

  if (display_name != NULL)
    {
      values->display_name = g_strstrip (g_strdup (display_name));
      if (*values->display_name == '\0')
        {
          g_set_error (&error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                       "display_name: must not be blank");
          goto fail;
        }
      mask |= SL_USER_FIELD_DISPLAY_NAME;
    }
  if (role_name != NULL)
    {
      if (!sl_role_from_string (role_name, &values->role))
        {
          g_set_error (&error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                       "role: must be student, teacher or admin");
          goto fail;
        }
      mask |= SL_USER_FIELD_ROLE;
    }
  if (json_object_has_member (req->body, "disabled"))
    {
      values->disabled = disabled;
      mask |= SL_USER_FIELD_DISABLED;
    }

  if (mask == 0)
    {
      patch_data_free (data);
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "nothing_to_change",
                              "give display_name, role and/or disabled");
      return;
    }

  /* An admin cannot lock themselves out. */
  if (req->id == req->claims->user_id &&
      (((mask & SL_USER_FIELD_ROLE) && values->role != SL_ROLE_ADMIN) ||
       ((mask & SL_USER_FIELD_DISABLED) && values->disabled)))
    {
      patch_data_free (data);
      sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "cannot_change_self",
                              "admins cannot demote or disable themselves");
      return;
    }

  data->fields = mask;
  sl_store_update_user_async (sl_server_get_store (req->server), req->id, mask, values, NULL,
                              user_patched_cb, data);
  return;

fail:
  patch_data_free (data);
  sl_request_reply_gerror (req, error);
}
