/* sl-api-client.c: the server's HTTP API from the client's side — sign-in,
 * tokens kept fresh, JSON requests with errors a user can read, raw sends
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every request goes through one path (Call): it carries the access token
 * when it goes to our server, and a 401 on it refreshes the token once
 * (or takes the one a refresh under way brings) and sends it again. Refresh
 * tokens are single use, so there is never more than one refresh in flight:
 * whoever needs one while it runs waits for it.
 */
#define G_LOG_DOMAIN "sl-api-client"

#include "config.h"

#include "sl-api-client.h"
#include "sl-api-client-private.h"
#include "sl-client-error.h"

#include <string.h>

#define SL_API_TIMEOUT_SECONDS 30
/* after a refresh that failed for another reason than a refusal */
#define SL_API_REFRESH_RETRY_MS 5000
#define SL_API_REFRESH_MIN_MS 500

struct _SlApiClient
{
  GObject       parent_instance;

  char         *base_url;          /* no trailing '/' */
  GUri         *base_uri;
  SoupSession  *session;
  GMainContext *context;           /* the creator's, for the refresh timer */

  char         *access_token;
  char         *refresh_token;
  guint         token_serial;      /* bumped at each new access token */
  gint64        user_id;
  char         *role;
  char         *display_name;

  GSource      *refresh_timer;
  gboolean      refreshing;
  GPtrArray    *refresh_waiters;   /* GTask * waiting for the refresh under way */
  GCancellable *refresh_cancellable;
};

G_DEFINE_FINAL_TYPE (SlApiClient, sl_api_client, G_TYPE_OBJECT)

enum {
  SIGNAL_TOKEN_REFRESHED,
  SIGNAL_SIGNED_OUT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  CALL_JSON        = 1 << 0,  /* the answer is a JSON object */
  CALL_WITH_TOKEN  = 1 << 1,  /* send the access token (our server, no override) */
  CALL_LOGIN       = 1 << 2,  /* a 401 means wrong name or password */
} CallFlags;

typedef struct {
  char               *method;
  GUri               *uri;
  char               *url;
  char               *bearer;        /* overrides the access token */
  char               *content_type;
  GBytes             *body;
  CallFlags           flags;
  gboolean            retried;
  guint               serial;        /* the token serial of the last attempt */
  SoupMessage        *msg;
  GBytes             *answer;        /* raw calls: the answer's body */
  SoupMessageHeaders *headers;       /* raw calls: the answer's headers */
} Call;

static void
call_free (Call *call)
{
  g_free (call->method);
  g_clear_pointer (&call->uri, g_uri_unref);
  g_free (call->url);
  g_free (call->bearer);
  g_free (call->content_type);
  g_clear_pointer (&call->body, g_bytes_unref);
  g_clear_object (&call->msg);
  g_clear_pointer (&call->answer, g_bytes_unref);
  g_clear_pointer (&call->headers, soup_message_headers_unref);
  g_free (call);
}

static void schedule_refresh (SlApiClient *self, gint64 delay_ms);

/* ---- small JSON helpers ------------------------------------------------- */

static const char *
get_string (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gboolean
get_int (JsonObject *object,
         const char *name,
         gint64     *out)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static JsonObject *
get_object (JsonObject *object,
            const char *name)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_node_get_object (node);
}

static JsonObject *
parse_object (GBytes  *bytes,
              GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) local_error = NULL;
  gsize length = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &length) : NULL;
  JsonNode *root;

  if (length == 0)
    return json_object_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL,
                   "the server's answer is not JSON (%s)", local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL,
                           "the server's answer is not a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* ---- errors ------------------------------------------------------------- */

/* The error for a non-2xx answer: the status and the server's
 * {"error":{code,message}} say which. */
static GError *
error_from_answer (SoupMessage *msg,
                   GBytes      *body,
                   CallFlags    flags)
{
  guint status = soup_message_get_status (msg);
  g_autoptr(JsonObject) object = parse_object (body, NULL);
  JsonObject *error = get_object (object, "error");
  const char *code = get_string (error, "code");
  const char *message = get_string (error, "message");
  g_autofree char *fallback = NULL;
  SlClientError client_code;

  if (message == NULL || *message == '\0')
    message = fallback = g_strdup_printf ("the server answered %u %s", status,
                                          soup_message_get_reason_phrase (msg)
                                            ? soup_message_get_reason_phrase (msg) : "");

  if (status == SOUP_STATUS_UNAUTHORIZED && (flags & CALL_LOGIN) &&
      (code == NULL || strcmp (code, "invalid_credentials") == 0))
    return g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_BAD_CREDENTIALS,
                                "wrong user name or password");

  if (status == SOUP_STATUS_UNAUTHORIZED)
    client_code = SL_CLIENT_ERROR_SIGNED_OUT;
  else if (status == SOUP_STATUS_FORBIDDEN)
    client_code = SL_CLIENT_ERROR_FORBIDDEN;
  else if (status == SOUP_STATUS_NOT_FOUND)
    client_code = SL_CLIENT_ERROR_NOT_FOUND;
  else if (status == SOUP_STATUS_CONFLICT)
    client_code = g_strcmp0 (code, "not_live") == 0 ? SL_CLIENT_ERROR_NOT_LIVE : SL_CLIENT_ERROR_BUSY;
  else if (status == SOUP_STATUS_SERVICE_UNAVAILABLE && g_strcmp0 (code, "stream_offline") == 0)
    client_code = SL_CLIENT_ERROR_OFFLINE;
  else if (status == SOUP_STATUS_SERVICE_UNAVAILABLE && g_strcmp0 (code, "too_many_viewers") == 0)
    client_code = SL_CLIENT_ERROR_BUSY;
  else if (status >= 400 && status < 500)
    client_code = SL_CLIENT_ERROR_REFUSED;
  else if (status >= 500)
    client_code = SL_CLIENT_ERROR_SERVER;
  else
    client_code = SL_CLIENT_ERROR_PROTOCOL;

  return g_error_new_literal (SL_CLIENT_ERROR, client_code, message);
}

/* ---- the session -------------------------------------------------------- */

static gboolean
same_origin (GUri *a,
             GUri *b)
{
  return g_ascii_strcasecmp (g_uri_get_scheme (a), g_uri_get_scheme (b)) == 0 &&
         g_ascii_strcasecmp (g_uri_get_host (a), g_uri_get_host (b)) == 0 &&
         g_uri_get_port (a) == g_uri_get_port (b);
}

static void
cancel_refresh (SlApiClient *self)
{
  if (self->refresh_timer != NULL)
    {
      g_source_destroy (self->refresh_timer);
      g_clear_pointer (&self->refresh_timer, g_source_unref);
    }
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);
}

static void
forget_session (SlApiClient *self)
{
  cancel_refresh (self);
  g_clear_pointer (&self->access_token, g_free);
  g_clear_pointer (&self->refresh_token, g_free);
  g_clear_pointer (&self->role, g_free);
  g_clear_pointer (&self->display_name, g_free);
  self->user_id = 0;
  self->token_serial++;
}

/* Takes a login answer ({user, access_token, refresh_token, expires_in}). */
static gboolean
apply_login (SlApiClient  *self,
             JsonObject   *answer,
             GError      **error)
{
  JsonObject *user = get_object (answer, "user");
  const char *access = get_string (answer, "access_token");
  const char *refresh = get_string (answer, "refresh_token");
  const char *role = get_string (user, "role");
  const char *display_name = get_string (user, "display_name");
  gint64 expires_in = 0, user_id = 0;

  if (access == NULL || *access == '\0' || refresh == NULL || *refresh == '\0' ||
      !get_int (answer, "expires_in", &expires_in) || expires_in <= 0 ||
      !get_int (user, "id", &user_id) || role == NULL || display_name == NULL)
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL,
                           "the server's sign-in answer is incomplete");
      return FALSE;
    }

  g_free (self->access_token);
  self->access_token = g_strdup (access);
  g_free (self->refresh_token);
  self->refresh_token = g_strdup (refresh);
  g_free (self->role);
  self->role = g_strdup (role);
  g_free (self->display_name);
  self->display_name = g_strdup (display_name);
  self->user_id = user_id;
  self->token_serial++;

  /* refresh when a fifth of the token's life is left */
  schedule_refresh (self, MAX (expires_in * 1000 * 4 / 5, SL_API_REFRESH_MIN_MS));
  return TRUE;
}

/* ---- one request -------------------------------------------------------- */

static void call_send (GTask *task);

static void
call_refreshed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!_sl_api_client_refresh_finish (SL_API_CLIENT (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  call_send (g_steal_pointer (&task));
}

static void
call_sent_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE,
                                 "cannot reach the server at %s (%s)", call->url, error->message);
      return;
    }

  status = soup_message_get_status (call->msg);
  g_debug ("%s %s: %u", call->method, call->url, status);

  /* an access token that is no longer taken: refresh it once, send again */
  if (status == SOUP_STATUS_UNAUTHORIZED && (call->flags & CALL_WITH_TOKEN) &&
      !call->retried && self->refresh_token != NULL)
    {
      call->retried = TRUE;
      if (call->serial != self->token_serial && self->access_token != NULL)
        call_send (g_steal_pointer (&task));   /* a newer token came meanwhile */
      else
        {
          GCancellable *cancellable = g_task_get_cancellable (task);

          _sl_api_client_refresh_async (self, cancellable, call_refreshed_cb, g_steal_pointer (&task));
        }
      return;
    }

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      g_task_return_error (task, error_from_answer (call->msg, body, call->flags));
      return;
    }

  if (call->flags & CALL_JSON)
    {
      JsonObject *object = parse_object (body, &error);

      if (object == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_pointer (task, object, (GDestroyNotify) json_object_unref);
      return;
    }

  call->answer = g_steal_pointer (&body);
  call->headers = soup_message_headers_ref (soup_message_get_response_headers (call->msg));
  g_task_return_boolean (task, TRUE);
}

static void
call_send (GTask *task)
{
  SlApiClient *self = g_task_get_source_object (task);
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  const char *token = NULL;

  g_clear_object (&call->msg);
  call->msg = soup_message_new_from_uri (call->method, call->uri);
  headers = soup_message_get_request_headers (call->msg);
  if (call->bearer != NULL)
    token = call->bearer;
  else if (call->flags & CALL_WITH_TOKEN)
    token = self->access_token;
  call->serial = self->token_serial;
  if (token != NULL)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
    }
  if (call->flags & CALL_JSON)
    soup_message_headers_replace (headers, "Accept", "application/json");
  if (call->body != NULL)
    soup_message_set_request_body_from_bytes (call->msg, call->content_type, call->body);

  soup_session_send_and_read_async (self->session, call->msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), call_sent_cb, task);
}

/* Starts a call to @url (absolute); @flags say how. */
static void
call_start (SlApiClient         *self,
            const char          *method,
            const char          *url,
            const char          *bearer,
            const char          *content_type,
            GBytes              *body,
            CallFlags            flags,
            GCancellable        *cancellable,
            gpointer             source_tag,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, call, (GDestroyNotify) call_free);
  call->method = g_strdup (method);
  call->url = g_strdup (url);
  call->bearer = g_strdup (bearer);
  call->content_type = g_strdup (content_type);
  call->body = body ? g_bytes_ref (body) : NULL;
  call->flags = flags;

  call->uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, &error);
  if (call->uri == NULL || g_uri_get_host (call->uri) == NULL ||
      (g_ascii_strcasecmp (g_uri_get_scheme (call->uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (call->uri), "https") != 0))
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL,
                               "“%s” is not an http(s) URL", url);
      return;
    }
  /* our token goes to our server only */
  if (bearer == NULL && (flags & CALL_WITH_TOKEN) && !same_origin (call->uri, self->base_uri))
    call->flags &= ~CALL_WITH_TOKEN;

  call_send (g_steal_pointer (&task));
}

static GBytes *
json_body (JsonObject *body)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  char *text;

  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  return g_bytes_new_take (text, strlen (text));
}

/* ---- refreshing --------------------------------------------------------- */

static void
refresh_answer_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SlApiClient) self = user_data;
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->refresh_waiters);
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean signed_out = FALSE;

  self->refreshing = FALSE;
  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  g_clear_object (&self->refresh_cancellable);

  answer = sl_api_client_request_finish (self, result, &error);
  if (answer != NULL && apply_login (self, answer, &error))
    {
      g_debug ("access token refreshed");
      for (guint i = 0; i < waiters->len; i++)
        g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
      g_signal_emit (self, signals[SIGNAL_TOKEN_REFRESHED], 0);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* logged out, or signed in again, meanwhile */
      for (guint i = 0; i < waiters->len; i++)
        {
          if (self->access_token != NULL)
            g_task_return_boolean (g_ptr_array_index (waiters, i), TRUE);
          else
            g_task_return_new_error (g_ptr_array_index (waiters, i), SL_CLIENT_ERROR,
                                     SL_CLIENT_ERROR_SIGNED_OUT, "signed out");
        }
      return;
    }

  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT) ||
      g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN))
    {
      /* the server will not renew this login (401: spent, revoked or
       * expired; 403: account disabled): it is over */
      g_autoptr(GError) why = g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                                           "the session has ended: sign in again (%s)",
                                           error->message);

      g_debug ("refresh refused: %s", error->message);
      forget_session (self);
      signed_out = TRUE;
      g_clear_error (&error);
      error = g_error_copy (why);
    }
  else
    {
      g_debug ("refresh failed: %s", error->message);
      /* keep the session; try again later unless a request does first */
      if (self->refresh_token != NULL && self->refresh_timer == NULL)
        schedule_refresh (self, SL_API_REFRESH_RETRY_MS);
    }

  for (guint i = 0; i < waiters->len; i++)
    g_task_return_error (g_ptr_array_index (waiters, i), g_error_copy (error));
  if (signed_out)
    g_signal_emit (self, signals[SIGNAL_SIGNED_OUT], 0, error);
}

void
_sl_api_client_refresh_async (SlApiClient         *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (SL_IS_API_CLIENT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _sl_api_client_refresh_async);
  if (self->refresh_token == NULL)
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                               "not signed in");
      return;
    }
  g_ptr_array_add (self->refresh_waiters, g_steal_pointer (&task));
  if (self->refreshing)
    return;

  self->refreshing = TRUE;
  if (self->refresh_timer != NULL)
    {
      g_source_destroy (self->refresh_timer);
      g_clear_pointer (&self->refresh_timer, g_source_unref);
    }
  self->refresh_cancellable = g_cancellable_new ();
  body = json_object_new ();
  json_object_set_string_member (body, "refresh_token", self->refresh_token);
  bytes = json_body (body);
  url = g_strconcat (self->base_url, "/api/token/refresh", NULL);
  call_start (self, "POST", url, NULL, "application/json", bytes, CALL_JSON,
              self->refresh_cancellable, sl_api_client_request_async,
              refresh_answer_cb, g_object_ref (self));
}

gboolean
_sl_api_client_refresh_finish (SlApiClient   *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sl_api_client_refresh_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
timer_refreshed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!_sl_api_client_refresh_finish (SL_API_CLIENT (source), result, &error))
    g_debug ("scheduled refresh: %s", error->message);
}

static gboolean
refresh_timer_cb (gpointer user_data)
{
  SlApiClient *self = user_data;

  g_clear_pointer (&self->refresh_timer, g_source_unref);
  _sl_api_client_refresh_async (self, NULL, timer_refreshed_cb, NULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_refresh (SlApiClient *self,
                  gint64       delay_ms)
{
  if (self->refresh_timer != NULL)
    {
      g_source_destroy (self->refresh_timer);
      g_clear_pointer (&self->refresh_timer, g_source_unref);
    }
  self->refresh_timer = g_timeout_source_new ((guint) CLAMP (delay_ms, 0, G_MAXUINT));
  g_source_set_callback (self->refresh_timer, refresh_timer_cb, self, NULL);
  g_source_set_static_name (self->refresh_timer, "[sl-api-client] refresh");
  g_source_attach (self->refresh_timer, self->context);
}

void
_sl_api_client_set_access_token (SlApiClient *self,
                                 const char  *token)
{
  g_return_if_fail (SL_IS_API_CLIENT (self));

  g_free (self->access_token);
  self->access_token = g_strdup (token);
  self->token_serial++;
}

/* ---- the object --------------------------------------------------------- */

static void
sl_api_client_dispose (GObject *object)
{
  SlApiClient *self = SL_API_CLIENT (object);

  cancel_refresh (self);
  g_clear_object (&self->refresh_cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (sl_api_client_parent_class)->dispose (object);
}

static void
sl_api_client_finalize (GObject *object)
{
  SlApiClient *self = SL_API_CLIENT (object);

  g_free (self->base_url);
  g_clear_pointer (&self->base_uri, g_uri_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->access_token);
  g_free (self->refresh_token);
  g_free (self->role);
  g_free (self->display_name);
  g_clear_pointer (&self->refresh_waiters, g_ptr_array_unref);

  G_OBJECT_CLASS (sl_api_client_parent_class)->finalize (object);
}

static void
sl_api_client_class_init (SlApiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_api_client_dispose;
  object_class->finalize = sl_api_client_finalize;

  signals[SIGNAL_TOKEN_REFRESHED] =
    g_signal_new ("token-refreshed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SIGNED_OUT] =
    g_signal_new ("signed-out", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sl_api_client_init (SlApiClient *self)
{
  self->refresh_waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
}

SlApiClient *
sl_api_client_new (const char  *base_url,
                   GError     **error)
{
  g_autoptr(SlApiClient) self = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autofree char *trimmed = NULL;
  const char *scheme;
  gsize length;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  trimmed = g_strstrip (g_strdup (base_url));
  length = strlen (trimmed);
  while (length > 0 && trimmed[length - 1] == '/')
    trimmed[--length] = '\0';

  uri = g_uri_parse (trimmed, SOUP_HTTP_URI_FLAGS, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0) ||
      g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL ||
      g_uri_get_user (uri) != NULL)
    {
      g_set_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE,
                   "“%s” is not a server address (expected http://host:port or https://host)",
                   base_url);
      return NULL;
    }

  self = g_object_new (SL_TYPE_API_CLIENT, NULL);
  self->base_url = g_steal_pointer (&trimmed);
  self->base_uri = g_steal_pointer (&uri);
  self->session = soup_session_new_with_options ("timeout", SL_API_TIMEOUT_SECONDS,
                                                 "user-agent", "streamlet/" PACKAGE_VERSION,
                                                 NULL);
  return g_steal_pointer (&self);
}

const char *
sl_api_client_get_base_url (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->base_url;
}

SoupSession *
sl_api_client_get_session (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->session;
}

const char *
sl_api_client_get_access_token (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->access_token;
}

gint64
sl_api_client_get_user_id (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), 0);
  return self->user_id;
}

const char *
sl_api_client_get_role (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->role;
}

const char *
sl_api_client_get_display_name (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->display_name;
}

/* ---- signing in and out ------------------------------------------------- */

static void
login_answer_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  SlApiClient *self = SL_API_CLIENT (source);
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonObject) answer = NULL;
  GError *error = NULL;

  answer = g_task_propagate_pointer (G_TASK (result), &error);
  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* a refresh of an earlier login must not overwrite this one */
  if (self->refresh_cancellable != NULL)
    g_cancellable_cancel (self->refresh_cancellable);
  if (!apply_login (self, answer, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
sl_api_client_login_async (SlApiClient         *self,
                           const char          *username,
                           const char          *password,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (SL_IS_API_CLIENT (self));
  g_return_if_fail (username != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_api_client_login_async);
  json_object_set_string_member (body, "username", username);
  json_object_set_string_member (body, "password", password);
  bytes = json_body (body);
  url = g_strconcat (self->base_url, "/api/login", NULL);
  call_start (self, "POST", url, NULL, "application/json", bytes, CALL_JSON | CALL_LOGIN,
              cancellable, sl_api_client_request_async, login_answer_cb, g_steal_pointer (&task));
}

gboolean
sl_api_client_login_finish (SlApiClient   *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_api_client_login_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
resume_refreshed_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (_sl_api_client_refresh_finish (SL_API_CLIENT (source), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
sl_api_client_resume_async (SlApiClient         *self,
                            const char          *refresh_token,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SL_IS_API_CLIENT (self));
  g_return_if_fail (refresh_token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_api_client_resume_async);
  if (*refresh_token == '\0')
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                               "no saved session: sign in");
      return;
    }
  /* whatever session there was, this one replaces it */
  forget_session (self);
  self->refresh_token = g_strdup (refresh_token);
  _sl_api_client_refresh_async (self, cancellable, resume_refreshed_cb, g_steal_pointer (&task));
}

gboolean
sl_api_client_resume_finish (SlApiClient   *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_api_client_resume_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

const char *
sl_api_client_get_refresh_token (SlApiClient *self)
{
  g_return_val_if_fail (SL_IS_API_CLIENT (self), NULL);
  return self->refresh_token;
}

static void
logout_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (body == NULL)
    g_debug ("logout: %s", error->message);
}

void
sl_api_client_logout (SlApiClient *self)
{
  g_return_if_fail (SL_IS_API_CLIENT (self));

  if (self->access_token != NULL)
    {
      g_autofree char *url = g_strconcat (self->base_url, "/api/logout", NULL);
      g_autofree char *value = g_strconcat ("Bearer ", self->access_token, NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
      /* the session holds itself and the message until the answer */
      soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL,
                                        logout_sent_cb, NULL);
    }
  forget_session (self);
}

/* ---- requests ----------------------------------------------------------- */

void
sl_api_client_request_async (SlApiClient         *self,
                             const char          *method,
                             const char          *path,
                             JsonObject          *body,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *url = NULL;

  g_return_if_fail (SL_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path != NULL && path[0] == '/');

  if (body != NULL)
    bytes = json_body (body);
  url = g_strconcat (self->base_url, path, NULL);
  call_start (self, method, url, NULL, bytes ? "application/json" : NULL, bytes,
              CALL_JSON | CALL_WITH_TOKEN, cancellable, sl_api_client_request_async,
              callback, user_data);
}

JsonObject *
sl_api_client_request_finish (SlApiClient   *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_api_client_request_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
sl_api_client_send_async (SlApiClient         *self,
                          const char          *method,
                          const char          *path_or_url,
                          const char          *bearer,
                          const char          *content_type,
                          GBytes              *body,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autofree char *url = NULL;
  const char *scheme;

  g_return_if_fail (SL_IS_API_CLIENT (self));
  g_return_if_fail (method != NULL);
  g_return_if_fail (path_or_url != NULL);

  scheme = g_uri_peek_scheme (path_or_url);
  if (scheme != NULL)
    url = g_strdup (path_or_url);
  else if (path_or_url[0] == '/')
    url = g_strconcat (self->base_url, path_or_url, NULL);
  else
    {
      g_autofree char *base = g_strconcat (self->base_url, "/", NULL);

      url = g_uri_resolve_relative (base, path_or_url, SOUP_HTTP_URI_FLAGS, NULL);
      if (url == NULL)
        url = g_strdup (path_or_url);
    }
  call_start (self, method, url, bearer, content_type, body, CALL_WITH_TOKEN,
              cancellable, sl_api_client_send_async, callback, user_data);
}

GBytes *
sl_api_client_send_finish (SlApiClient         *self,
                           GAsyncResult        *result,
                           SoupMessageHeaders **response_headers,
                           GError             **error)
{
  Call *call;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_api_client_send_async, NULL);

  if (response_headers != NULL)
    *response_headers = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  call = g_task_get_task_data (G_TASK (result));
  if (response_headers != NULL)
    *response_headers = soup_message_headers_ref (call->headers);
  return g_bytes_ref (call->answer);
}

/* ---- conveniences ------------------------------------------------------- */

static void
get_path (SlApiClient         *self,
          const char          *path,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  sl_api_client_request_async (self, "GET", path, NULL, cancellable, callback, user_data);
}

void
sl_api_client_get_class_async (SlApiClient         *self,
                               gint64               class_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, class_id);

  g_return_if_fail (SL_IS_API_CLIENT (self));
  get_path (self, path, cancellable, callback, user_data);
}

void
sl_api_client_list_live_async (SlApiClient         *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (SL_IS_API_CLIENT (self));
  get_path (self, "/api/classes/live", cancellable, callback, user_data);
}

void
sl_api_client_chat_history_async (SlApiClient         *self,
                                  gint64               class_id,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/chat", class_id);

  g_return_if_fail (SL_IS_API_CLIENT (self));
  get_path (self, path, cancellable, callback, user_data);
}

void
sl_api_client_stream_key_async (SlApiClient         *self,
                                gint64               class_id,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/stream-key", class_id);

  g_return_if_fail (SL_IS_API_CLIENT (self));
  get_path (self, path, cancellable, callback, user_data);
}
