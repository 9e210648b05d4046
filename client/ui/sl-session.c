/* sl-session.c: the app's signed-in state
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-session"

#include "config.h"

#include "sl-session.h"

#include "sl-client-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct _SlSession {
  GObject         parent_instance;

  GSettings      *settings;
  char           *kept_path;
  SlSessionState  state;
  SlApiClient    *api;
  SlWsClient     *hub;
  gboolean        stay_signed_in;
  char          **ice_addresses;
  char           *display_name;   /* changed since sign-in, or NULL */
};

G_DEFINE_FINAL_TYPE (SlSession, sl_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_ROLE,
  PROP_DISPLAY_NAME,
  PROP_HUB_STATE,
  N_PROPS
};

enum {
  SIGNAL_SIGNED_OUT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- the kept refresh token ---------------------------------------------- */

static char *
read_kept (SlSession *self)
{
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (self->kept_path, &contents, NULL, NULL))
    return NULL;
  g_strstrip (contents);
  if (*contents == '\0')
    return NULL;
  return g_steal_pointer (&contents);
}

static void
remove_kept (SlSession *self)
{
  if (g_unlink (self->kept_path) != 0 && errno != ENOENT)
    g_warning ("could not remove the kept session %s: %s", self->kept_path, g_strerror (errno));
}

/* Writes the refresh token readable by the user only: the file is made
 * 0600 before the token goes in, then renamed over the old one. */
static void
write_kept (SlSession  *self,
            const char *token)
{
  g_autofree char *dir = g_path_get_dirname (self->kept_path);
  g_autofree char *tmp = g_strconcat (self->kept_path, ".new", NULL);
  g_autoptr(GError) error = NULL;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_warning ("could not keep the session in %s: %s", dir, g_strerror (errno));
      return;
    }
  fd = g_open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || fchmod (fd, 0600) != 0 ||
      write (fd, token, strlen (token)) != (gssize) strlen (token) || fsync (fd) != 0)
    {
      g_warning ("could not keep the session in %s: %s", tmp, g_strerror (errno));
      if (fd >= 0)
        close (fd);
      g_unlink (tmp);
      return;
    }
  close (fd);
  if (g_rename (tmp, self->kept_path) != 0)
    {
      g_warning ("could not keep the session in %s: %s", self->kept_path, g_strerror (errno));
      g_unlink (tmp);
    }
}

/* ---- state ---------------------------------------------------------------- */

static void
set_state (SlSession      *self,
           SlSessionState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_clear_pointer (&self->display_name, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ROLE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

static void
hub_state_cb (SlWsClient *hub,
              int         state,
              SlSession  *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_STATE]);
}

static void
token_refreshed_cb (SlApiClient *api,
                    SlSession   *self)
{
  const char *token = sl_api_client_get_refresh_token (api);

  if (self->stay_signed_in && token != NULL)
    write_kept (self, token);
}

static void
drop_clients (SlSession *self)
{
  if (self->hub != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->hub, self);
      sl_ws_client_stop (self->hub);
      g_clear_object (&self->hub);
    }
  if (self->api != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->api, self);
      g_clear_object (&self->api);
    }
}

static void
api_signed_out_cb (SlApiClient *api,
                   GError      *why,
                   SlSession   *self)
{
  g_autoptr(GError) copy = g_error_copy (why);

  g_debug ("signed out by the server: %s", why->message);
  drop_clients (self);
  remove_kept (self);
  set_state (self, SL_SESSION_SIGNED_OUT);
  g_signal_emit (self, signals[SIGNAL_SIGNED_OUT], 0, copy);
}

/* The API client signed in (or resumed): start the hub, keep the session. */
static void
adopt (SlSession   *self,
       SlApiClient *api)
{
  drop_clients (self);
  self->api = g_object_ref (api);
  g_signal_connect (api, "signed-out", G_CALLBACK (api_signed_out_cb), self);
  g_signal_connect (api, "token-refreshed", G_CALLBACK (token_refreshed_cb), self);
  self->hub = sl_ws_client_new (api);
  g_signal_connect (self->hub, "state-changed", G_CALLBACK (hub_state_cb), self);
  sl_ws_client_start (self->hub);
  if (self->stay_signed_in)
    write_kept (self, sl_api_client_get_refresh_token (api));
  else
    remove_kept (self);
  set_state (self, SL_SESSION_SIGNED_IN);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HUB_STATE]);
}

/* ---- signing in ------------------------------------------------------------- */

typedef struct {
  SlApiClient *api;
  gboolean     stay;
} SignIn;

static void
sign_in_free (SignIn *data)
{
  g_clear_object (&data->api);
  g_free (data);
}

static void
login_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlSession *self = g_task_get_source_object (task);
  SignIn *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sl_api_client_login_finish (SL_API_CLIENT (source), result, &error))
    {
      set_state (self, self->api != NULL ? SL_SESSION_SIGNED_IN : SL_SESSION_SIGNED_OUT);
      g_task_return_error (task, error);
      return;
    }
  self->stay_signed_in = data->stay;
  adopt (self, data->api);
  g_task_return_boolean (task, TRUE);
}

void
sl_session_sign_in_async (SlSession           *self,
                          const char          *server_url,
                          const char          *username,
                          const char          *password,
                          gboolean             stay_signed_in,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;
  SignIn *data;

  g_return_if_fail (SL_IS_SESSION (self));
  g_return_if_fail (server_url != NULL && username != NULL && password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_session_sign_in_async);
  data = g_new0 (SignIn, 1);
  data->stay = stay_signed_in;
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_free);

  data->api = sl_api_client_new (server_url, &error);
  if (data->api == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* remembered even when the sign-in fails: the user fixes the password,
   * not the whole form */
  g_settings_set_string (self->settings, "server-url", sl_api_client_get_base_url (data->api));
  g_settings_set_string (self->settings, "username", username);
  g_settings_set_boolean (self->settings, "stay-signed-in", stay_signed_in);

  set_state (self, SL_SESSION_SIGNING_IN);
  sl_api_client_login_async (data->api, username, password, cancellable, login_cb,
                             g_steal_pointer (&task));
}

gboolean
sl_session_sign_in_finish (SlSession     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_session_sign_in_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
resume_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlSession *self = g_task_get_source_object (task);
  SignIn *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!sl_api_client_resume_finish (SL_API_CLIENT (source), result, &error))
    {
      /* a refused token is spent for good; an unreachable server may take
       * it later */
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT))
        remove_kept (self);
      set_state (self, SL_SESSION_SIGNED_OUT);
      g_task_return_error (task, error);
      return;
    }
  self->stay_signed_in = TRUE;
  adopt (self, data->api);
  g_task_return_boolean (task, TRUE);
}

void
sl_session_resume_async (SlSession           *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *token = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;
  SignIn *data;

  g_return_if_fail (SL_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_session_resume_async);
  token = read_kept (self);
  if (token == NULL || !g_settings_get_boolean (self->settings, "stay-signed-in"))
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                               "no kept session");
      return;
    }
  data = g_new0 (SignIn, 1);
  data->stay = TRUE;
  g_task_set_task_data (task, data, (GDestroyNotify) sign_in_free);
  url = g_settings_get_string (self->settings, "server-url");
  data->api = sl_api_client_new (url, &error);
  if (data->api == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  set_state (self, SL_SESSION_SIGNING_IN);
  sl_api_client_resume_async (data->api, token, cancellable, resume_cb, g_steal_pointer (&task));
}

gboolean
sl_session_resume_finish (SlSession     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_session_resume_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

gboolean
sl_session_has_kept (SlSession *self)
{
  g_autofree char *token = NULL;

  g_return_val_if_fail (SL_IS_SESSION (self), FALSE);

  token = read_kept (self);
  return token != NULL && g_settings_get_boolean (self->settings, "stay-signed-in");
}

void
sl_session_sign_out (SlSession *self)
{
  g_return_if_fail (SL_IS_SESSION (self));

  if (self->api != NULL)
    sl_api_client_logout (self->api);
  drop_clients (self);
  remove_kept (self);
  set_state (self, SL_SESSION_SIGNED_OUT);
}

/* ---- getters ----------------------------------------------------------------- */

SlSessionState
sl_session_get_state (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), SL_SESSION_SIGNED_OUT);
  return self->state;
}

SlApiClient *
sl_session_get_api (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), NULL);
  return self->state == SL_SESSION_SIGNED_IN ? self->api : NULL;
}

SlWsClient *
sl_session_get_hub (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), NULL);
  return self->state == SL_SESSION_SIGNED_IN ? self->hub : NULL;
}

const char *
sl_session_get_role (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), NULL);
  return self->api != NULL ? sl_api_client_get_role (self->api) : NULL;
}

const char *
sl_session_get_display_name (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), NULL);
  if (self->api == NULL)
    return NULL;
  return self->display_name != NULL ? self->display_name : sl_api_client_get_display_name (self->api);
}

void
sl_session_set_display_name (SlSession  *self,
                             const char *display_name)
{
  g_return_if_fail (SL_IS_SESSION (self));
  g_return_if_fail (display_name != NULL);

  if (self->api == NULL || g_strcmp0 (display_name, sl_session_get_display_name (self)) == 0)
    return;
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DISPLAY_NAME]);
}

gint64
sl_session_get_user_id (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), 0);
  return self->api != NULL ? sl_api_client_get_user_id (self->api) : 0;
}

const char *const *
sl_session_get_ice_addresses (SlSession *self)
{
  g_return_val_if_fail (SL_IS_SESSION (self), NULL);
  return (const char *const *) self->ice_addresses;
}

/* ---- GObject ------------------------------------------------------------------- */

static void
sl_session_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  SlSession *self = SL_SESSION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ROLE:
      g_value_set_string (value, sl_session_get_role (self));
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, sl_session_get_display_name (self));
      break;
    case PROP_HUB_STATE:
      g_value_set_int (value, self->hub != NULL ? (int) sl_ws_client_get_state (self->hub)
                                                : SL_WS_DISCONNECTED);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sl_session_dispose (GObject *object)
{
  SlSession *self = SL_SESSION (object);

  drop_clients (self);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (sl_session_parent_class)->dispose (object);
}

static void
sl_session_finalize (GObject *object)
{
  SlSession *self = SL_SESSION (object);

  g_free (self->kept_path);
  g_free (self->display_name);
  g_strfreev (self->ice_addresses);
  G_OBJECT_CLASS (sl_session_parent_class)->finalize (object);
}

static void
sl_session_class_init (SlSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = sl_session_get_property;
  object_class->dispose = sl_session_dispose;
  object_class->finalize = sl_session_finalize;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, SL_SESSION_SIGNED_OUT, SL_SESSION_SIGNED_IN,
                      SL_SESSION_SIGNED_OUT, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_ROLE] =
    g_param_spec_string ("role", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_DISPLAY_NAME] =
    g_param_spec_string ("display-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_HUB_STATE] =
    g_param_spec_int ("hub-state", NULL, NULL, SL_WS_DISCONNECTED, SL_WS_CONNECTED,
                      SL_WS_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_SIGNED_OUT] =
    g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sl_session_init (SlSession *self)
{
}

SlSession *
sl_session_new (GSettings  *settings,
                const char *kept_path)
{
  SlSession *self;
  const char *ice;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (SL_TYPE_SESSION, NULL);
  self->settings = g_object_ref (settings);
  self->kept_path = kept_path != NULL
                      ? g_strdup (kept_path)
                      : g_build_filename (g_get_user_data_dir (), "streamlet", "session", NULL);
  self->stay_signed_in = g_settings_get_boolean (settings, "stay-signed-in");
  ice = g_getenv ("STREAMLET_ICE_ADDRESSES");
  if (ice != NULL && *ice != '\0')
    self->ice_addresses = g_strsplit (ice, ",", -1);
  return self;
}
