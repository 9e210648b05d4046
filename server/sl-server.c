/* sl-server.c: streamlet-server — the HTTP front, its routes and its parts
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-server"

#include "config.h"

#include "sl-server.h"
#include "sl-api.h"
#include "sl-http.h"
#include "sl-hub.h"
#include "sl-json.h"
#include "sl-media-server.h"

#include <libsoup/soup.h>
#include <openssl/rand.h>
#include <errno.h>
#include <string.h>

#define SL_SHUTDOWN_GRACE_SECONDS 10
#define SL_MAX_URI_LENGTH 4096
#define SL_LISTEN_BACKLOG 4096

typedef enum {
  ROUTE_PUBLIC = 0,
  ROUTE_STUDENT = SL_ROLE_STUDENT,
  ROUTE_TEACHER = SL_ROLE_TEACHER,
  ROUTE_ADMIN = SL_ROLE_ADMIN,
} RouteAccess;

typedef struct {
  const char  *method;
  const char  *pattern;     /* "{id}" matches a positive integer */
  RouteAccess  access;
  gboolean     has_body;    /* parse a JSON object body */
  void       (*handler) (SlRequest *req);
} SlRoute;

static const SlRoute routes[] = {
  { "GET",   "/healthz",               ROUTE_PUBLIC,  FALSE, sl_api_healthz },
  { "POST",  "/api/register",          ROUTE_PUBLIC,  TRUE,  sl_api_register },
  { "POST",  "/api/login",             ROUTE_PUBLIC,  TRUE,  sl_api_login },
  { "POST",  "/api/token/refresh",     ROUTE_PUBLIC,  TRUE,  sl_api_token_refresh },
  { "POST",  "/api/logout",            ROUTE_STUDENT, FALSE, sl_api_logout },
  { "GET",   "/api/profile",           ROUTE_STUDENT, FALSE, sl_api_profile_get },
  { "PATCH", "/api/profile",           ROUTE_STUDENT, TRUE,  sl_api_profile_patch },
  { "GET",   "/api/admin/users",       ROUTE_ADMIN,   FALSE, sl_api_admin_users_list },
  { "POST",  "/api/admin/users",       ROUTE_ADMIN,   TRUE,  sl_api_admin_users_create },
  { "GET",   "/api/admin/users/{id}",  ROUTE_ADMIN,   FALSE, sl_api_admin_user_get },
  { "PATCH", "/api/admin/users/{id}",  ROUTE_ADMIN,   TRUE,  sl_api_admin_user_patch },
  { "POST",  "/api/classes",                ROUTE_TEACHER, TRUE,  sl_api_classes_create },
  { "GET",   "/api/classes/live",           ROUTE_STUDENT, FALSE, sl_api_classes_live },
  { "GET",   "/api/classes/upcoming",       ROUTE_STUDENT, FALSE, sl_api_classes_upcoming },
  { "GET",   "/api/classes/past",           ROUTE_STUDENT, FALSE, sl_api_classes_past },
  { "GET",   "/api/classes/{id}",           ROUTE_STUDENT, FALSE, sl_api_class_get },
  { "PATCH", "/api/classes/{id}",           ROUTE_TEACHER, TRUE,  sl_api_class_patch },
  { "DELETE", "/api/classes/{id}",          ROUTE_TEACHER, FALSE, sl_api_class_cancel },
  { "POST",  "/api/classes/{id}/start",     ROUTE_TEACHER, FALSE, sl_api_class_start },
  { "POST",  "/api/classes/{id}/end",       ROUTE_TEACHER, FALSE, sl_api_class_end },
  { "GET",   "/api/classes/{id}/stream-key", ROUTE_TEACHER, FALSE, sl_api_class_stream_key },
  { "POST",  "/api/classes/{id}/stream-key", ROUTE_TEACHER, FALSE, sl_api_class_rotate_key },
  { "GET",   "/api/classes/{id}/chat",      ROUTE_STUDENT, FALSE, sl_api_class_chat },
  { "GET",   "/api/classes/{id}/recordings", ROUTE_STUDENT, FALSE, sl_api_class_recordings },
  { "GET",   "/api/watch/{id}",             ROUTE_PUBLIC,  FALSE, sl_api_watch_state },
  { "POST",  "/whip/{id}",                  ROUTE_PUBLIC,  FALSE, sl_api_whip_post },
  { "PATCH", "/whip/{id}/{key}",            ROUTE_PUBLIC,  FALSE, sl_api_whip_patch },
  { "DELETE", "/whip/{id}/{key}",           ROUTE_PUBLIC,  FALSE, sl_api_whip_delete },
  { "POST",  "/whep/{id}",                  ROUTE_STUDENT, FALSE, sl_api_whep_post },
  { "PATCH", "/whep/{id}/{key}",            ROUTE_STUDENT, FALSE, sl_api_whep_patch },
  { "DELETE", "/whep/{id}/{key}",           ROUTE_STUDENT, FALSE, sl_api_whep_delete },
  { "GET",   "/hls/{id}/{key}",             ROUTE_PUBLIC,  FALSE, sl_api_hls_get },
  { "GET",   "/recordings/{key}/{key}",     ROUTE_PUBLIC,  FALSE, sl_api_recording_get },
  { "GET",   "/watch/{id}",                 ROUTE_PUBLIC,  FALSE, sl_api_watch_page },
  { "GET",   "/web/{key}",                  ROUTE_PUBLIC,  FALSE, sl_api_web_asset },
};

struct _SlServer
{
  GObject     parent_instance;

  SlConfig   *config;
  SlStore    *store;
  SlAuth     *auth;
  SlHub      *hub;
  SlMediaServer *media;
  SoupServer *soup;
  guint       port;

  guint       in_flight;
  gboolean    draining;
  GTask      *stop_task;
  guint       stop_timeout_id;
};

G_DEFINE_FINAL_TYPE (SlServer, sl_server, G_TYPE_OBJECT)

/* Per-message bookkeeping, kept as object data on the message. */
typedef struct {
  gboolean open;           /* counted in in_flight */
  gint64   started;        /* monotonic µs */
  guint64  body_bytes;     /* as chunks arrive */
  gboolean too_large;
} MessageInfo;

#define MESSAGE_INFO_KEY "sl-message-info"

/* ---- routing ------------------------------------------------------------ */

/* A {key} path segment: letters, digits, '.', '-', '_'; never "." first. */
#define SL_ROUTE_KEY_MAX 128

/* Matches @path against @pattern; fills *id for "{id}" and @keys (freed by
 * the caller) for each "{key}". */
static gboolean
route_matches (const char *pattern,
               const char *path,
               gint64     *id,
               char       *keys[SL_REQUEST_MAX_KEYS])
{
  const char *p = pattern, *s = path;
  guint n_keys = 0;

  while (*p != '\0' && *s != '\0')
    {
      if (g_str_has_prefix (p, "{id}"))
        {
          guint64 value = 0;
          const char *start = s;

          while (*s >= '0' && *s <= '9')
            {
              guint64 digit = (guint64) (*s - '0');

              if (value > ((guint64) G_MAXINT64 - digit) / 10)
                return FALSE;
              value = value * 10 + digit;
              s++;
            }
          if (s == start || value == 0 || *start == '0')
            return FALSE;
          *id = (gint64) value;
          p += 4;
          continue;
        }
      if (g_str_has_prefix (p, "{key}"))
        {
          const char *start = s;

          while (g_ascii_isalnum (*s) || *s == '.' || *s == '-' || *s == '_')
            s++;
          if (s == start || *start == '.' || s - start > SL_ROUTE_KEY_MAX ||
              n_keys == SL_REQUEST_MAX_KEYS)
            return FALSE;
          keys[n_keys++] = g_strndup (start, (gsize) (s - start));
          p += 5;
          continue;
        }
      if (*p != *s)
        return FALSE;
      p++;
      s++;
    }
  return *p == '\0' && *s == '\0';
}

static gboolean
content_type_is_json (SoupServerMessage *msg)
{
  const char *type = soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (msg), NULL);

  /* No type at all is taken as JSON: that is all this API speaks. */
  return type == NULL || g_ascii_strcasecmp (type, "application/json") == 0;
}

/* ---- the WebSocket hub's door ------------------------------------------ */

#define WS_CLAIMS_KEY "sl-ws-claims"

static gboolean
origin_allowed (SlServer          *self,
                SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");
  g_autoptr(GUri) uri = NULL;

  /* native apps send none; browsers do, and may only come from here or
   * from an origin on the allow-list */
  if (origin == NULL)
    return TRUE;
  if (self->config->ws_origins != NULL &&
      g_strv_contains ((const char * const *) self->config->ws_origins, origin))
    return TRUE;
  uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || host == NULL || g_uri_get_host (uri) == NULL)
    return FALSE;
  {
    g_autofree char *authority = g_uri_get_port (uri) > 0
      ? g_strdup_printf ("%s:%d", g_uri_get_host (uri), g_uri_get_port (uri))
      : g_strdup (g_uri_get_host (uri));

    return g_ascii_strcasecmp (authority, host) == 0;
  }
}

static void message_done (SlServer *self, SoupServerMessage *msg);

static void
ws_upgraded_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  SlServer *self = user_data;
  SlJwtClaims *claims = g_object_get_data (G_OBJECT (msg), WS_CLAIMS_KEY);
  g_autoptr(GIOStream) stream = NULL;

  if (soup_server_message_get_status (msg) != SOUP_STATUS_SWITCHING_PROTOCOLS || claims == NULL)
    return;

  /* a taken-over message never finishes as far as the HTTP server knows */
  message_done (self, msg);
  stream = soup_server_message_steal_connection (msg);
  if (self->draining)
    {
      g_io_stream_close (stream, NULL, NULL);
      return;
    }
  sl_hub_accept (self->hub, stream, claims);
}

static void
upgrade_to_ws (SlServer          *self,
               SoupServerMessage *msg)
{
  g_autoptr(GError) error = NULL;
  SlJwtClaims *claims;

  if (!g_str_equal (soup_server_message_get_method (msg), "GET"))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", "GET");
      sl_http_set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                         "the WebSocket hub takes GET with an upgrade");
      return;
    }

  /* the token is checked before the upgrade: no WebSocket without it */
  claims = sl_auth_check_request (self->auth, msg, TRUE, &error);
  if (claims == NULL)
    {
      sl_request_reply_gerror (sl_request_new (self, msg), error);
      return;
    }
  g_object_set_data_full (G_OBJECT (msg), WS_CLAIMS_KEY, claims,
                          (GDestroyNotify) sl_jwt_claims_free);

  if (!origin_allowed (self, msg))
    {
      sl_http_set_error (msg, SOUP_STATUS_FORBIDDEN, "forbidden_origin",
                         "this page's origin may not open the hub");
      return;
    }

  if (!soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    {
      sl_http_set_error (msg, soup_server_message_get_status (msg) ? soup_server_message_get_status (msg)
                                                                     : SOUP_STATUS_BAD_REQUEST,
                         "not_websocket", "this needs a WebSocket upgrade request");
      return;
    }
  g_signal_connect (msg, "wrote-informational", G_CALLBACK (ws_upgraded_cb), self);
}

static void
dispatch (SlServer          *self,
          SoupServerMessage *msg,
          const char        *path)
{
  const char *method = soup_server_message_get_method (msg);
  MessageInfo *info = g_object_get_data (G_OBJECT (msg), MESSAGE_INFO_KEY);
  const SlRoute *route = NULL;
  gboolean path_known = FALSE;
  g_autoptr(GString) allow = g_string_new (NULL);
  gint64 id = 0;
  char *keys[SL_REQUEST_MAX_KEYS] = { NULL, };
  SlRequest *req;

  if (g_str_equal (path, "/ws"))
    {
      upgrade_to_ws (self, msg);
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      gint64 route_id = 0;
      char *route_keys[SL_REQUEST_MAX_KEYS] = { NULL, };
      gboolean matches = route_matches (routes[i].pattern, path, &route_id, route_keys);

      if (matches)
        {
          path_known = TRUE;
          g_string_append_printf (allow, "%s%s", allow->len ? ", " : "", routes[i].method);
        }
      if (matches && g_str_equal (routes[i].method, method))
        {
          route = &routes[i];
          id = route_id;
          memcpy (keys, route_keys, sizeof keys);
          break;
        }
      for (guint k = 0; k < SL_REQUEST_MAX_KEYS; k++)
        g_free (route_keys[k]);
    }

  /* WHIP and WHEP are open to pages of any origin (RFC 9725 clients run in
   * browsers); they authenticate with a bearer token, never a cookie. */
  if (path_known && (g_str_has_prefix (path, "/whip/") || g_str_has_prefix (path, "/whep/")))
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (headers, "Access-Control-Allow-Origin", "*");
      soup_message_headers_replace (headers, "Access-Control-Expose-Headers", "Location");
      if (route == NULL && g_str_equal (method, "OPTIONS"))
        {
          g_string_append (allow, ", OPTIONS");
          soup_message_headers_replace (headers, "Allow", allow->str);
          soup_message_headers_replace (headers, "Access-Control-Allow-Methods", allow->str);
          soup_message_headers_replace (headers, "Access-Control-Allow-Headers",
                                        "Authorization, Content-Type, If-Match");
          soup_message_headers_replace (headers, "Access-Control-Max-Age", "86400");
          soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
          return;
        }
    }

  if (route == NULL && path_known)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Allow", allow->str);
      sl_http_set_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                         "this resource does not support that method");
      return;
    }
  if (route == NULL)
    {
      sl_http_set_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
      return;
    }

  if (info != NULL && info->too_large)
    {
      for (guint k = 0; k < SL_REQUEST_MAX_KEYS; k++)
        g_free (keys[k]);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      sl_http_set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                         "the request body is larger than this server accepts");
      return;
    }

  req = sl_request_new (self, msg);
  req->id = id;
  memcpy (req->keys, keys, sizeof keys);

  if (route->access != ROUTE_PUBLIC)
    {
      g_autoptr(GError) error = NULL;

      req->claims = sl_auth_check_request (self->auth, msg, FALSE, &error);
      if (req->claims == NULL)
        {
          sl_request_reply_gerror (req, error);
          return;
        }
      if ((int) req->claims->role < (int) route->access)
        {
          sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden",
                                  "this needs the %s role",
                                  sl_role_to_string ((SlRole) route->access));
          return;
        }
    }

  if (route->has_body)
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      const char *data;
      gsize length;

      if (!content_type_is_json (msg))
        {
          sl_request_reply_error (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE,
                                  "unsupported_media_type",
                                  "send the body as application/json");
          return;
        }
      bytes = soup_message_body_flatten (body);
      data = g_bytes_get_data (bytes, &length);
      req->body = sl_json_parse_object (data, length, &error);
      if (req->body == NULL)
        {
          sl_request_reply_gerror (req, error);
          return;
        }
    }

  route->handler (req);
}

static void
handle_cb (SoupServer        *soup,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SlServer *self = user_data;

  if (self->draining)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      sl_http_set_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                         "the server is shutting down");
      return;
    }

  dispatch (self, msg, path);
}

/* Runs once the headers are in: refuses a too large body before reading it. */
static void
early_handle_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  SlServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH &&
      length > (goffset) self->config->max_body_size)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Connection", "close");
      sl_http_set_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                         "the request body is larger than this server accepts");
    }
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              gpointer           user_data)
{
  SlServer *self = user_data;
  MessageInfo *info = g_object_get_data (G_OBJECT (msg), MESSAGE_INFO_KEY);

  info->body_bytes += g_bytes_get_size (chunk);
  if (!info->too_large && info->body_bytes > self->config->max_body_size)
    {
      /* Stop keeping it; the handler answers 413. */
      info->too_large = TRUE;
      soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
      soup_message_body_truncate (soup_server_message_get_request_body (msg));
    }
}

static void finish_stop (SlServer *self);

static gboolean
finish_stop_idle_cb (gpointer user_data)
{
  SlServer *self = user_data;

  if (self->stop_task != NULL)
    finish_stop (self);
  return G_SOURCE_REMOVE;
}

/* A message is in flight from its first byte until its response is sent. */
static void
message_done (SlServer          *self,
              SoupServerMessage *msg)
{
  MessageInfo *info = g_object_get_data (G_OBJECT (msg), MESSAGE_INFO_KEY);

  if (info == NULL || !info->open)
    return;
  info->open = FALSE;
  g_return_if_fail (self->in_flight > 0);
  self->in_flight--;
  if (self->in_flight == 0 && self->stop_task != NULL)
    g_idle_add_full (G_PRIORITY_DEFAULT, finish_stop_idle_cb,
                     g_object_ref (self), g_object_unref);
}

static void
request_aborted_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  message_done (user_data, msg);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  SlServer *self = user_data;
  MessageInfo *info = g_new0 (MessageInfo, 1);

  info->open = TRUE;
  self->in_flight++;
  info->started = g_get_monotonic_time ();
  g_object_set_data_full (G_OBJECT (msg), MESSAGE_INFO_KEY, info, g_free);
  /* the server outlives its messages: it disconnects them all when it goes */
  g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), user_data);
}

static void
request_finished_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     gpointer           user_data)
{
  SlServer *self = user_data;
  MessageInfo *info = g_object_get_data (G_OBJECT (msg), MESSAGE_INFO_KEY);
  GSocketAddress *remote;
  g_autofree char *address = NULL;
  GUri *uri;
  goffset sent;

  message_done (self, msg);
  if (!self->config->log_requests)
    return;

  remote = soup_server_message_get_remote_address (msg);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    address = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  uri = soup_server_message_get_uri (msg);
  sent = soup_server_message_get_response_body (msg)->length;

  g_info ("%s %s %u %" G_GOFFSET_FORMAT "B %.1fms %s",
          soup_server_message_get_method (msg),
          uri ? g_uri_get_path (uri) : "-",
          soup_server_message_get_status (msg),
          sent,
          info ? (g_get_monotonic_time () - info->started) / 1000.0 : 0.0,
          address ? address : "-");
}

/* ---- lifecycle ---------------------------------------------------------- */

static void
sl_server_dispose (GObject *object)
{
  SlServer *self = SL_SERVER (object);

  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  if (self->media != NULL)
    sl_media_server_shutdown (self->media);
  g_clear_object (&self->media);
  g_clear_object (&self->hub);
  g_clear_object (&self->auth);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (sl_server_parent_class)->dispose (object);
}

static void
sl_server_finalize (GObject *object)
{
  SlServer *self = SL_SERVER (object);

  g_clear_pointer (&self->config, sl_config_free);

  G_OBJECT_CLASS (sl_server_parent_class)->finalize (object);
}

static void
sl_server_class_init (SlServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_server_dispose;
  object_class->finalize = sl_server_finalize;
}

static void
sl_server_init (SlServer *self)
{
}

static void
stream_changed_cb (SlMediaServer *media,
                   gint64         class_id,
                   gboolean       online,
                   SlServer      *self)
{
  sl_hub_stream_changed (self->hub, class_id, online);
}

SlServer *
sl_server_new (SlConfig  *config,
               GError   **error)
{
  g_autoptr(SlServer) self = g_object_new (SL_TYPE_SERVER, NULL);

  g_return_val_if_fail (config != NULL, NULL);

  self->config = config;

  if (g_mkdir_with_parents (config->data_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create the data directory %s: %s",
                   config->data_dir, g_strerror (saved));
      return NULL;
    }

  self->store = sl_store_new_for_url (config->database, config->data_dir, error);
  if (self->store == NULL)
    return NULL;

  self->auth = sl_auth_new (config, self->store, error);
  if (self->auth == NULL)
    return NULL;
  self->hub = sl_hub_new (self->store);
  self->media = sl_media_server_new (config, error);
  if (self->media == NULL)
    return NULL;
  g_signal_connect_object (self->media, "stream-changed",
                           G_CALLBACK (stream_changed_cb), self, 0);

  self->soup = g_object_new (SOUP_TYPE_SERVER, "server-header", "streamlet ", NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handle_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, handle_cb, self, NULL);
  g_signal_connect_object (self->soup, "request-started",
                           G_CALLBACK (request_started_cb), self, 0);
  g_signal_connect_object (self->soup, "request-finished",
                           G_CALLBACK (request_finished_cb), self, 0);
  g_signal_connect_object (self->soup, "request-aborted",
                           G_CALLBACK (request_aborted_cb), self, 0);

  return g_steal_pointer (&self);
}

guint
sl_server_get_port (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), 0);
  return self->port;
}

SlStore *
sl_server_get_store (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), NULL);
  return self->store;
}

SlHub *
sl_server_get_hub (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), NULL);
  return self->hub;
}

SlAuth *
sl_server_get_auth (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), NULL);
  return self->auth;
}

void
sl_server_class_changed (SlServer      *self,
                         const char    *event,
                         const SlClass *klass)
{
  g_return_if_fail (SL_IS_SERVER (self));
  g_return_if_fail (klass != NULL);

  sl_hub_class_changed (self->hub, event, klass);
  sl_media_server_update_class (self->media, klass->id, klass->is_public);
  if (klass->state & (SL_CLASS_ENDED | SL_CLASS_CANCELLED))
    sl_media_server_end_class (self->media, klass->id);
}

SlMediaServer *
sl_server_get_media (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), NULL);
  return self->media;
}

const SlConfig *
sl_server_get_config (SlServer *self)
{
  g_return_val_if_fail (SL_IS_SERVER (self), NULL);
  return self->config;
}

static void
finish_stop (SlServer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->stop_task);

  g_clear_handle_id (&self->stop_timeout_id, g_source_remove);
  sl_hub_shutdown (self->hub);
  sl_media_server_shutdown (self->media);
  soup_server_disconnect (self->soup);
  sl_store_close (self->store);
  g_task_return_boolean (task, TRUE);
}

/* ---- start: bootstrap accounts, then listen ----------------------------- */

typedef struct {
  guint    next_demo;      /* index into demo_accounts */
  char    *admin_password; /* the first admin's, when made here */
  gboolean admin_generated;
} StartData;

static const struct {
  const char *username;
  const char *display_name;
  const char *password;
  SlRole      role;
} demo_accounts[] = {
  { "admin", "Administrator", "admin123", SL_ROLE_ADMIN },
  { "teacher", "Demo Teacher", "teacher123", SL_ROLE_TEACHER },
  { "student", "Demo Student", "student123", SL_ROLE_STUDENT },
};

static void
start_data_free (StartData *data)
{
  if (data->admin_password != NULL)
    memset (data->admin_password, 0, strlen (data->admin_password));
  g_free (data->admin_password);
  g_free (data);
}

/* A listening socket with a backlog fit for thousands of clients arriving
 * at once (GLib's default is 10: the rest would wait for SYN retries). */
static gboolean
listen_on (SlServer        *self,
           GSocketAddress  *address,
           GError         **error)
{
  g_autoptr(GSocket) socket = NULL;

  socket = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, SL_LISTEN_BACKLOG);
  if (!g_socket_bind (socket, address, TRUE, error) ||
      !g_socket_listen (socket, error))
    {
      g_prefix_error (error, "cannot listen on port %u: ", self->config->port);
      return FALSE;
    }
  return soup_server_listen_socket (self->soup, socket, 0, error);
}

static gboolean
listen_now (SlServer  *self,
            GError   **error)
{
  g_autoptr(GSList) uris = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  if (self->config->address != NULL)
    {
      address = g_inet_socket_address_new_from_string (self->config->address, self->config->port);
      if (address == NULL)
        {
          g_set_error (error, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                       "address: “%s” is not an IP address", self->config->address);
          return FALSE;
        }
    }
  else
    {
      /* every interface: "::" takes IPv4 too (GLib makes IPv6 sockets
       * dual-stack); plain 0.0.0.0 where there is no IPv6 */
      g_autoptr(GInetAddress) any6 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) address6 = g_inet_socket_address_new (any6, self->config->port);
      g_autoptr(GError) v6_error = NULL;

      if (listen_on (self, address6, &v6_error))
        goto listening;
      g_debug ("no IPv6 (%s): listening on IPv4 only", v6_error->message);
      {
        g_autoptr(GInetAddress) any4 = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);

        address = g_inet_socket_address_new (any4, self->config->port);
      }
    }
  if (!listen_on (self, address, error))
    return FALSE;

listening:
  uris = soup_server_get_uris (self->soup);
  if (uris != NULL)
    self->port = g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return TRUE;
}

static void start_next_step (GTask *task);

static void
disabled_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  SlServer *self = g_task_get_source_object (task);
  g_autoptr(GArray) ids = NULL;
  GError *error = NULL;

  ids = sl_store_list_disabled_users_finish (SL_STORE (source), result, &error);
  if (ids == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < ids->len; i++)
    sl_auth_set_disabled (self->auth, g_array_index (ids, gint64, i), TRUE);

  if (!listen_now (self, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_message ("streamlet-server %s listening on port %u (%s store, data in %s)",
             PACKAGE_VERSION, self->port, sl_store_get_dialect (self->store),
             self->config->data_dir);
  g_task_return_boolean (task, TRUE);
}

static void
account_created_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  StartData *data = g_task_get_task_data (task);
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;

  user = sl_store_create_user_finish (SL_STORE (source), result, &error);
  if (user == NULL && !g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_EXISTS))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (user != NULL && data->admin_generated && user->role == SL_ROLE_ADMIN)
    {
      /* Printed once, on purpose, where the operator sees it. */
      g_printerr ("\n  First start: created the admin account “%s” with the password\n"
                  "      %s\n  Sign in and change it now; it is not shown again.\n\n",
                  user->username, data->admin_password);
      data->admin_generated = FALSE;
    }
  else if (user != NULL)
    g_message ("created the %s account “%s”", sl_role_to_string (user->role), user->username);

  start_next_step (g_steal_pointer (&task));
}

typedef struct {
  GTask  *task;
  SlUser *user;
} HashStep;

static void
account_hashed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  HashStep *step = user_data;
  SlServer *self = g_task_get_source_object (step->task);
  g_autoptr(SlUser) user = step->user;
  GTask *task = step->task;
  GError *error = NULL;

  g_free (step);
  user->password_hash = sl_password_hasher_hash_finish (SL_PASSWORD_HASHER (source), result, &error);
  if (user->password_hash == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  sl_store_create_user_async (self->store, user, NULL, account_created_cb, task);
}

static void
create_account (GTask      *task,
                const char *username,
                const char *display_name,
                const char *password,
                SlRole      role)
{
  SlServer *self = g_task_get_source_object (task);
  HashStep *step = g_new0 (HashStep, 1);

  step->task = task;
  step->user = sl_user_new ();
  step->user->username = g_strdup (username);
  step->user->display_name = g_strdup (display_name);
  step->user->role = role;
  sl_password_hasher_hash_async (sl_auth_get_hasher (self->auth), password, NULL,
                                 account_hashed_cb, step);
}

static void
demo_lookup_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  StartData *data = g_task_get_task_data (task);
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;
  guint i = data->next_demo - 1;

  user = sl_store_get_user_by_name_finish (SL_STORE (source), result, &error);
  if (user != NULL)
    {
      start_next_step (task);
      return;
    }
  if (!g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  create_account (task, demo_accounts[i].username, demo_accounts[i].display_name,
                  demo_accounts[i].password, demo_accounts[i].role);
}

/* Steps: [first admin] → each demo account if --demo → disabled users → listen. */
static void
start_next_step (GTask *task)
{
  SlServer *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);

  if (self->config->demo && data->next_demo < G_N_ELEMENTS (demo_accounts))
    {
      const char *username = demo_accounts[data->next_demo++].username;

      sl_store_get_user_by_name_async (self->store, username, NULL, demo_lookup_cb, task);
      return;
    }

  sl_store_list_disabled_users_async (self->store, NULL, disabled_loaded_cb, task);
}

static char *
random_password (void)
{
  static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  guint8 bytes[20];
  char *password = g_malloc (sizeof bytes + 1);

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    g_error ("the system random number generator failed");
  for (gsize i = 0; i < sizeof bytes; i++)
    password[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
  password[sizeof bytes] = '\0';
  return password;
}

static void
users_counted_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  GTask *task = user_data;
  SlServer *self = g_task_get_source_object (task);
  StartData *data = g_task_get_task_data (task);
  GError *error = NULL;
  gint64 count;

  count = sl_store_count_users_finish (SL_STORE (source), result, &error);
  if (error != NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (count > 0 || self->config->demo)
    {
      start_next_step (task);
      return;
    }

  /* An empty store without --demo: one admin, so someone can sign in. */
  if (self->config->admin_password != NULL)
    {
      g_autoptr(GError) policy_error = NULL;

      if (!sl_password_check_policy (self->config->admin_password, &policy_error))
        {
          g_task_return_new_error (task, SL_CONFIG_ERROR, SL_CONFIG_ERROR_INVALID,
                                   "STREAMLET_ADMIN_PASSWORD: %s", policy_error->message);
          g_object_unref (task);
          return;
        }
      data->admin_password = g_strdup (self->config->admin_password);
    }
  else
    {
      data->admin_password = random_password ();
      data->admin_generated = TRUE;
    }
  create_account (task, "admin", "Administrator", data->admin_password, SL_ROLE_ADMIN);
}

void
sl_server_start_async (SlServer            *self,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SL_IS_SERVER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_server_start_async);
  g_task_set_task_data (task, g_new0 (StartData, 1), (GDestroyNotify) start_data_free);
  sl_store_count_users_async (self->store, NULL, users_counted_cb, task);
}

gboolean
sl_server_start_finish (SlServer      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- stop --------------------------------------------------------------- */

static gboolean
stop_timeout_cb (gpointer user_data)
{
  SlServer *self = user_data;

  self->stop_timeout_id = 0;
  g_warning ("%u requests still running after %d s; closing anyway",
             self->in_flight, SL_SHUTDOWN_GRACE_SECONDS);
  finish_stop (self);
  return G_SOURCE_REMOVE;
}

void
sl_server_stop_async (SlServer            *self,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SL_IS_SERVER (self));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, sl_server_stop_async);

  if (self->stop_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "the server is already stopping");
      g_object_unref (task);
      return;
    }
  if (self->draining)
    {
      /* stopped before: nothing more to do */
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  self->draining = TRUE;
  self->stop_task = task;
  g_message ("shutting down: %u requests in flight", self->in_flight);
  if (self->in_flight == 0)
    finish_stop (self);
  else
    self->stop_timeout_id = g_timeout_add_seconds (SL_SHUTDOWN_GRACE_SECONDS,
                                                   stop_timeout_cb, self);
}

gboolean
sl_server_stop_finish (SlServer      *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
