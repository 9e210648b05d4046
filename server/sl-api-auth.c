/* sl-api-auth.c: /healthz, registration, sign-in, tokens and the profile
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-api"

#include "config.h"

#include "sl-api.h"
#include "sl-json.h"
#include "sl-server.h"

#include <string.h>

#define SL_DISPLAY_NAME_MAX 100

void
sl_api_healthz (SlRequest *req)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "status", "ok");
  json_object_set_string_member (object, "version", PACKAGE_VERSION);
  json_object_set_string_member (object, "store",
                                 sl_store_get_dialect (sl_server_get_store (req->server)));
  sl_request_reply (req, SOUP_STATUS_OK, NULL,
                    json_node_init_object (json_node_alloc (), object));
}

gboolean
sl_api_read_new_account (JsonObject  *body,
                         char       **username,
                         const char **password,
                         const char **display_name,
                         GError     **error)
{
  const char *name = NULL;
  g_autofree char *lower = NULL;

  if (!sl_json_get_string (body, "username", TRUE, 3, 64, &name, error) ||
      !sl_json_get_string (body, "password", TRUE, 0, G_MAXSIZE, password, error) ||
      !sl_json_get_string (body, "display_name", FALSE, 1, SL_DISPLAY_NAME_MAX, display_name, error))
    return FALSE;

  lower = g_ascii_strdown (name, -1);
  if (!sl_username_is_valid (lower))
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "username: use 3 to 64 letters, digits, '.', '_' or '-'");
      return FALSE;
    }
  if (!sl_password_check_policy (*password, error))
    return FALSE;

  if (*display_name != NULL)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (*display_name));

      if (*trimmed != '\0')
        goto done;

      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "display_name: must not be blank");
      return FALSE;
    }

done:
  *username = g_steal_pointer (&lower);
  return TRUE;
}

/* ---- creating accounts (register, and admins) -------------------------- */

typedef struct {
  SlRequest      *req;
  SlUser         *user;
  SlApiUserFunc   then;
} CreateData;

static void
create_data_free (CreateData *data)
{
  g_clear_pointer (&data->user, sl_user_free);
  g_free (data);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CreateData, create_data_free)

static void
account_created_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(CreateData) data = user_data;
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sl_store_create_user_finish (SL_STORE (source), result, &error);
  if (user == NULL)
    {
      if (g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_EXISTS))
        sl_request_reply_error (data->req, SOUP_STATUS_CONFLICT, "username_taken",
                                "username: “%s” is taken", data->user->username);
      else
        sl_request_reply_gerror (data->req, error);
      return;
    }
  data->then (data->req, user);
}

static void
account_hashed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(CreateData) data = user_data;
  g_autoptr(GError) error = NULL;
  CreateData *owned;

  data->user->password_hash =
    sl_password_hasher_hash_finish (SL_PASSWORD_HASHER (source), result, &error);
  if (data->user->password_hash == NULL)
    {
      sl_request_reply_gerror (data->req, error);
      return;
    }

  owned = g_steal_pointer (&data);
  sl_store_create_user_async (sl_server_get_store (owned->req->server), owned->user, NULL,
                              account_created_cb, owned);
}

void
sl_api_create_account (SlRequest     *req,
                       SlUser        *user,
                       const char    *password,
                       SlApiUserFunc  then)
{
  CreateData *data = g_new0 (CreateData, 1);

  data->req = req;
  data->user = user;
  data->then = then;
  sl_password_hasher_hash_async (sl_auth_get_hasher (sl_server_get_auth (req->server)),
                                 password, NULL, account_hashed_cb, data);
}

/* ---- register ----------------------------------------------------------- */

static void
register_session_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlLogin) login = NULL;
  g_autoptr(GError) error = NULL;

  login = sl_auth_start_session_finish (SL_AUTH (source), result, &error);
  if (login == NULL)
    sl_request_reply_gerror (req, error);
  else
    sl_request_reply (req, SOUP_STATUS_CREATED, NULL, sl_login_to_json (login));
}

static void
registered (SlRequest *req,
            SlUser    *user)
{
  sl_auth_start_session_async (sl_server_get_auth (req->server), user,
                               register_session_cb, req);
}

void
sl_api_register (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *username = NULL;
  const char *password = NULL, *display_name = NULL;
  static const char * const fields[] = { "username", "password", "display_name", NULL };
  SlUser *user;

  if (!sl_server_get_config (req->server)->registration)
    {
      sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "registration_disabled",
                              "this server does not take sign-ups; ask an admin for an account");
      return;
    }

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_api_read_new_account (req->body, &username, &password, &display_name, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  user = sl_user_new ();
  user->username = g_steal_pointer (&username);
  user->display_name = g_strstrip (g_strdup (display_name ? display_name : user->username));
  user->role = SL_ROLE_STUDENT;
  sl_api_create_account (req, user, password, registered);
}

/* ---- login, refresh, logout -------------------------------------------- */

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlLogin) login = NULL;
  g_autoptr(GError) error = NULL;
  gint64 retry_after = 0;

  login = sl_auth_login_finish (SL_AUTH (source), result, &retry_after, &error);
  if (login == NULL)
    {
      if (g_error_matches (error, SL_AUTH_ERROR, SL_AUTH_ERROR_THROTTLED))
        {
          g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, MAX (1, retry_after));

          soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                        "Retry-After", seconds);
        }
      sl_request_reply_gerror (req, error);
      return;
    }
  sl_request_reply (req, SOUP_STATUS_OK, NULL, sl_login_to_json (login));
}

void
sl_api_login (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  const char *username = NULL, *password = NULL;
  static const char * const fields[] = { "username", "password", NULL };

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_json_get_string (req->body, "username", TRUE, 1, 64, &username, &error) ||
      !sl_json_get_string (req->body, "password", TRUE, 1, SL_PASSWORD_MAX_CHARS,
                           &password, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  sl_auth_login_async (sl_server_get_auth (req->server), username, password,
                       req->client_address, login_cb, req);
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlLogin) login = NULL;
  g_autoptr(GError) error = NULL;

  login = sl_auth_refresh_finish (SL_AUTH (source), result, &error);
  if (login == NULL)
    sl_request_reply_gerror (req, error);
  else
    sl_request_reply (req, SOUP_STATUS_OK, NULL, sl_login_to_json (login));
}

void
sl_api_token_refresh (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  const char *token = NULL;
  static const char * const fields[] = { "refresh_token", NULL };

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_json_get_string (req->body, "refresh_token", TRUE, 1, 256, &token, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  sl_auth_refresh_async (sl_server_get_auth (req->server), token, refresh_cb, req);
}

static void
logout_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_store_revoke_session_finish (SL_STORE (source), result, &error))
    sl_request_reply_gerror (req, error);
  else
    {
      sl_auth_end_session (sl_server_get_auth (req->server), req->claims->session);
      sl_request_reply_empty (req, SOUP_STATUS_NO_CONTENT);
    }
}

void
sl_api_logout (SlRequest *req)
{
  sl_store_revoke_session_async (sl_server_get_store (req->server), req->claims->session,
                                 NULL, logout_cb, req);
}

/* ---- profile ------------------------------------------------------------ */

static void
reply_user_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sl_store_get_user_finish (SL_STORE (source), result, &error);
  if (user == NULL)
    sl_request_reply_gerror (req, error);
  else if (user->disabled)
    sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "account_disabled",
                            "this account is disabled");
  else
    sl_request_reply (req, SOUP_STATUS_OK, "user", sl_user_to_json (user));
}

void
sl_api_profile_get (SlRequest *req)
{
  sl_store_get_user_async (sl_server_get_store (req->server), req->claims->user_id,
                           NULL, reply_user_cb, req);
}

typedef struct {
  SlRequest *req;
  SlUser    *values;
  SlUserFields fields;
  char      *current_password;
  char      *new_password;
  SlUser    *updated;
} ProfileData;

static void
profile_data_free (ProfileData *data)
{
  g_clear_pointer (&data->values, sl_user_free);
  g_clear_pointer (&data->updated, sl_user_free);
  if (data->current_password != NULL)
    memset (data->current_password, 0, strlen (data->current_password));
  if (data->new_password != NULL)
    memset (data->new_password, 0, strlen (data->new_password));
  g_free (data->current_password);
  g_free (data->new_password);
  g_free (data);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProfileData, profile_data_free)

static void
profile_revoked_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ProfileData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_auth_end_user_sessions_finish (SL_AUTH (source), result, &error))
    sl_request_reply_gerror (data->req, error);
  else
    sl_request_reply (data->req, SOUP_STATUS_OK, "user", sl_user_to_json (data->updated));
}

static void
profile_updated_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(ProfileData) data = user_data;
  g_autoptr(GError) error = NULL;
  SlRequest *req = data->req;

  data->updated = sl_store_update_user_finish (SL_STORE (source), result, &error);
  if (data->updated == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  if (data->fields & SL_USER_FIELD_PASSWORD_HASH)
    {
      /* A new password ends every other login of this user. */
      sl_auth_end_user_sessions_async (sl_server_get_auth (req->server), req->claims->user_id,
                                       req->claims->session,
                                       profile_revoked_cb, g_steal_pointer (&data));
      return;
    }
  sl_request_reply (req, SOUP_STATUS_OK, "user", sl_user_to_json (data->updated));
}

static void
profile_store (ProfileData *data)
{
  sl_store_update_user_async (sl_server_get_store (data->req->server),
                              data->req->claims->user_id, data->fields, data->values,
                              NULL, profile_updated_cb, data);
}

static void
profile_hashed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ProfileData) data = user_data;
  g_autoptr(GError) error = NULL;

  data->values->password_hash =
    sl_password_hasher_hash_finish (SL_PASSWORD_HASHER (source), result, &error);
  if (data->values->password_hash == NULL)
    {
      sl_request_reply_gerror (data->req, error);
      return;
    }
  data->fields |= SL_USER_FIELD_PASSWORD_HASH;
  profile_store (g_steal_pointer (&data));
}

static void
profile_verified_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(ProfileData) data = user_data;
  g_autoptr(GError) error = NULL;

  if (!sl_password_hasher_verify_finish (SL_PASSWORD_HASHER (source), result, &error))
    {
      if (error != NULL)
        sl_request_reply_gerror (data->req, error);
      else
        {
          g_autoptr(GError) wrong = g_error_new_literal (SL_AUTH_ERROR, SL_AUTH_ERROR_WRONG_PASSWORD,
                                                         "current_password: the current password is wrong");
          sl_request_reply_gerror (data->req, wrong);
        }
      return;
    }

  {
    ProfileData *owned = g_steal_pointer (&data);

    sl_password_hasher_hash_async (SL_PASSWORD_HASHER (source), owned->new_password, NULL,
                                   profile_hashed_cb, owned);
  }
}

static void
profile_user_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ProfileData) data = user_data;
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sl_store_get_user_finish (SL_STORE (source), result, &error);
  if (user == NULL)
    {
      sl_request_reply_gerror (data->req, error);
      return;
    }

  {
    ProfileData *owned = g_steal_pointer (&data);

    sl_password_hasher_verify_async (sl_auth_get_hasher (sl_server_get_auth (owned->req->server)),
                                     owned->current_password, user->password_hash, NULL,
                                     profile_verified_cb, owned);
  }
}

void
sl_api_profile_patch (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ProfileData) data = NULL;
  const char *display_name = NULL, *current = NULL, *new_password = NULL;
  static const char * const fields[] = {
    "display_name", "current_password", "new_password", NULL
  };

  if (!sl_json_only_fields (req->body, fields, &error) ||
      !sl_json_get_string (req->body, "display_name", FALSE, 1, SL_DISPLAY_NAME_MAX,
                           &display_name, &error) ||
      !sl_json_get_string (req->body, "current_password", FALSE, 1, SL_PASSWORD_MAX_CHARS,
                           &current, &error) ||
      !sl_json_get_string (req->body, "new_password", FALSE, 0, G_MAXSIZE,
                           &new_password, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  if (display_name == NULL && new_password == NULL)
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "nothing_to_change",
                              "give display_name and/or new_password");
      return;
    }
  if (new_password != NULL && current == NULL)
    {
      g_set_error (&error, SL_JSON_ERROR, SL_JSON_ERROR_MISSING,
                   "current_password: needed to set a new password");
      sl_request_reply_gerror (req, error);
      return;
    }
  if (new_password != NULL && !sl_password_check_policy (new_password, &error))
    {
      g_autoptr(GError) named = g_error_new (SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                                             "new_password: %s", error->message);
      sl_request_reply_gerror (req, named);
      return;
    }

  data = g_new0 (ProfileData, 1);
  data->req = req;
  data->values = sl_user_new ();
  if (display_name != NULL)
    {
      g_autofree char *trimmed = g_strstrip (g_strdup (display_name));

      if (*trimmed == '\0')
        {
          g_set_error (&error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                       "display_name: must not be blank");
          data->req = NULL;
          sl_request_reply_gerror (req, error);
          return;
        }
      data->values->display_name = g_steal_pointer (&trimmed);
      data->fields |= SL_USER_FIELD_DISPLAY_NAME;
    }

  if (new_password == NULL)
    {
      profile_store (g_steal_pointer (&data));
      return;
    }

  data->current_password = g_strdup (current);
  data->new_password = g_strdup (new_password);
  sl_store_get_user_async (sl_server_get_store (req->server), req->claims->user_id, NULL,
                           profile_user_cb, g_steal_pointer (&data));
}
