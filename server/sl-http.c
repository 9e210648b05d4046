/* sl-http.c: one API request in flight, and the JSON replies to it
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-http"

#include "config.h"

#include "sl-http.h"
#include "sl-auth.h"
#include "sl-json.h"
#include "sl-password.h"
#include "sl-server.h"
#include "sl-store.h"

SlRequest *
sl_request_new (SlServer          *server,
                SoupServerMessage *msg)
{
  SlRequest *req = g_new0 (SlRequest, 1);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  req->server = g_object_ref (server);
  req->msg = g_object_ref (msg);
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    req->client_address = g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  else
    req->client_address = g_strdup ("unknown");

  soup_server_message_pause (msg);
  return req;
}

static void
sl_request_finish (SlRequest *req)
{
  soup_server_message_unpause (req->msg);
  g_clear_object (&req->msg);
  g_clear_object (&req->server);
  g_clear_pointer (&req->claims, sl_jwt_claims_free);
  g_clear_pointer (&req->body, json_object_unref);
  g_free (req->client_address);
  for (guint i = 0; i < SL_REQUEST_MAX_KEYS; i++)
    g_free (req->keys[i]);
  g_free (req);
}

static void
set_json_body (SoupServerMessage *msg,
               guint              status,
               JsonNode          *node)
{
  gsize length = 0;
  char *data = sl_json_node_to_string (node, &length);

  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    data, length);
}

void
sl_request_reply (SlRequest  *req,
                  guint       status,
                  const char *member,
                  JsonNode   *node)
{
  g_autoptr(JsonNode) root = NULL;

  g_return_if_fail (req != NULL);

  if (member != NULL)
    {
      g_autoptr(JsonObject) object = json_object_new ();

      json_object_set_member (object, member, node ? node : json_node_new (JSON_NODE_NULL));
      root = json_node_init_object (json_node_alloc (), object);
    }
  else
    root = node ? node : json_node_init_object (json_node_alloc (), json_object_new ());

  set_json_body (req->msg, status, root);
  sl_request_finish (req);
}

void
sl_request_reply_empty (SlRequest *req,
                        guint      status)
{
  g_return_if_fail (req != NULL);

  soup_server_message_set_status (req->msg, status, NULL);
  sl_request_finish (req);
}

void
sl_request_reply_bytes (SlRequest  *req,
                        guint       status,
                        const char *content_type,
                        GBytes     *body)
{
  g_return_if_fail (req != NULL);

  soup_server_message_set_status (req->msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Content-Type", content_type);
  soup_message_body_append_bytes (soup_server_message_get_response_body (req->msg), body);
  sl_request_finish (req);
}

void
sl_http_set_error (SoupServerMessage *msg,
                   guint              status,
                   const char        *code,
                   const char        *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  set_json_body (msg, status, root);
}

static void
reply_error_with_field (SlRequest  *req,
                        guint       status,
                        const char *code,
                        const char *message,
                        const char *field)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }
  json_builder_end_object (builder);
  json_builder_end_object (builder);

  sl_request_reply (req, status, NULL, json_builder_get_root (builder));
}

void
sl_request_reply_error (SlRequest  *req,
                        guint       status,
                        const char *code,
                        const char *format,
                        ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  reply_error_with_field (req, status, code, message, NULL);
}

void
sl_request_reply_gerror (SlRequest    *req,
                         const GError *error)
{
  g_return_if_fail (error != NULL);

  if (error->domain == SL_JSON_ERROR)
    {
      g_autofree char *field = sl_json_error_field (error);
      const char *code;

      switch (error->code)
        {
        case SL_JSON_ERROR_MALFORMED:
          code = "invalid_json";
          break;
        case SL_JSON_ERROR_MISSING:
          code = "missing_field";
          break;
        default:
          code = "invalid_field";
          break;
        }
      reply_error_with_field (req, SOUP_STATUS_BAD_REQUEST, code, error->message, field);
    }
  else if (error->domain == SL_PASSWORD_ERROR &&
           (error->code == SL_PASSWORD_ERROR_TOO_SHORT ||
            error->code == SL_PASSWORD_ERROR_TOO_LONG ||
            error->code == SL_PASSWORD_ERROR_INVALID))
    {
      g_autofree char *message = g_strdup_printf ("password: %s", error->message);

      reply_error_with_field (req, SOUP_STATUS_BAD_REQUEST, "invalid_field", message, "password");
    }
  else if (error->domain == SL_JWT_ERROR)
    {
      const char *code = error->code == SL_JWT_ERROR_EXPIRED ? "token_expired" : "invalid_token";

      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                    "WWW-Authenticate", "Bearer error=\"invalid_token\"");
      sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, code,
                              "the access token is not valid: %s", error->message);
    }
  else if (error->domain == SL_AUTH_ERROR)
    {
      switch ((SlAuthError) error->code)
        {
        case SL_AUTH_ERROR_MISSING_TOKEN:
          soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                        "WWW-Authenticate", "Bearer");
          sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "unauthorized", "%s", error->message);
          break;
        case SL_AUTH_ERROR_INVALID_CREDENTIALS:
          sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials", "%s", error->message);
          break;
        case SL_AUTH_ERROR_INVALID_REFRESH_TOKEN:
          sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "invalid_refresh_token", "%s", error->message);
          break;
        case SL_AUTH_ERROR_DISABLED:
          sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "account_disabled", "%s", error->message);
          break;
        case SL_AUTH_ERROR_THROTTLED:
          sl_request_reply_error (req, 429, "too_many_requests", "%s", error->message);
          break;
        case SL_AUTH_ERROR_SESSION_ENDED:
        case SL_AUTH_ERROR_STALE_TOKEN:
          soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                        "WWW-Authenticate", "Bearer error=\"invalid_token\"");
          sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED,
                                  error->code == SL_AUTH_ERROR_STALE_TOKEN ? "token_expired"
                                                                           : "invalid_token",
                                  "%s", error->message);
          break;
        case SL_AUTH_ERROR_WRONG_PASSWORD:
          reply_error_with_field (req, SOUP_STATUS_FORBIDDEN, "wrong_password", error->message, "current_password");
          break;
        default:
          sl_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                                  "the server could not complete the request");
          break;
        }
    }
  else if (error->domain == SL_STORE_ERROR && error->code == SL_STORE_ERROR_NOT_FOUND)
    sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "%s", error->message);
  else if (error->domain == SL_STORE_ERROR && error->code == SL_STORE_ERROR_EXISTS)
    sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "already_exists", "%s", error->message);
  else if (error->domain == SL_STORE_ERROR && error->code == SL_STORE_ERROR_CONFLICT)
    sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "conflict", "%s", error->message);
  else if (error->domain == SL_STORE_ERROR && error->code == SL_STORE_ERROR_INVALID)
    sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_field", "%s", error->message);
  else if (error->domain == SL_STORE_ERROR && error->code == SL_STORE_ERROR_CLOSED)
    sl_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "shutting_down",
                            "the server is shutting down");
  else
    {
      g_warning ("%s %s failed: %s (%s %d)",
                 soup_server_message_get_method (req->msg),
                 g_uri_get_path (soup_server_message_get_uri (req->msg)),
                 error->message, g_quark_to_string (error->domain), error->code);
      sl_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                              "the server could not complete the request");
    }
}
