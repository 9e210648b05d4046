/* sl-api-media.c: WHIP ingest, WHEP viewers, HLS, recordings and the web
 * viewer over HTTP (docs/api.md, "Media")
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-api"

#include "config.h"

#include "sl-api.h"
#include "sl-hls.h"
#include "sl-http.h"
#include "sl-hub.h"
#include "sl-json.h"
#include "sl-media.h"
#include "sl-media-server.h"
#include "sl-recording.h"
#include "sl-server.h"

#include <openssl/crypto.h>
#include <string.h>

#define SDP_TYPE "application/sdp"
#define TRICKLE_TYPE "application/trickle-ice-sdpfrag"
#define PLAYLIST_TYPE "application/vnd.apple.mpegurl"
#define SEGMENT_TYPE "video/mp2t"

/* Signed HLS URLs share one expiry per window, so a CDN keeps one copy. */
#define HLS_SIGN_WINDOW 300          /* s */
#define HLS_SIGN_MIN_LIFE 600        /* s */
#define RECORDING_SIGN_WINDOW 3600
#define RECORDING_SIGN_MIN_LIFE (6 * 3600)
#define WATCH_CHAT_LIMIT 50

/* ---- small helpers ---------------------------------------------------- */

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static gint64
signed_expiry (gint64 window,
               gint64 min_life)
{
  gint64 at = now_seconds () + min_life;

  return (at + window - 1) / window * window;
}

static SoupMessageHeaders *
response_headers (SlRequest *req)
{
  return soup_server_message_get_response_headers (req->msg);
}

static const char *
request_content_type (SlRequest *req)
{
  return soup_message_headers_get_content_type (
    soup_server_message_get_request_headers (req->msg), NULL);
}

static GBytes *
request_body (SlRequest *req)
{
  return soup_message_body_flatten (soup_server_message_get_request_body (req->msg));
}

static const char *
query_value (SlRequest  *req,
             const char *name,
             GHashTable **query)
{
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *text = g_uri_get_query (uri);

  if (*query == NULL)
    {
      *query = text != NULL ? g_uri_parse_params (text, -1, "&", G_URI_PARAMS_NONE, NULL) : NULL;
      if (*query == NULL)
        *query = g_hash_table_new (g_str_hash, g_str_equal);
    }
  return g_hash_table_lookup (*query, name);
}

/* The bearer token of the request, or NULL. */
static const char *
bearer_token (SlRequest *req)
{
  const char *header = soup_message_headers_get_one (
    soup_server_message_get_request_headers (req->msg), "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  header += 7;
  while (*header == ' ')
    header++;
  return *header != '\0' ? header : NULL;
}

static gboolean
secret_equal (const char *a,
              const char *b)
{
  gsize length;

  if (a == NULL || b == NULL)
    return FALSE;
  length = strlen (a);
  return length == strlen (b) && CRYPTO_memcmp (a, b, length) == 0;
}

static void
reply_media_error (SlRequest    *req,
                   const GError *error)
{
  if (error->domain == SL_MEDIA_ERROR)
    {
      switch ((SlMediaError) error->code)
        {
        case SL_MEDIA_ERROR_SDP_INVALID:
          sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_sdp", "%s", error->message);
          return;
        case SL_MEDIA_ERROR_SDP_INSECURE:
          sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "insecure_sdp", "%s", error->message);
          return;
        case SL_MEDIA_ERROR_SDP_NO_CODEC:
          sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "unsupported_codec", "%s",
                                  error->message);
          return;
        case SL_MEDIA_ERROR_NEGOTIATION:
          sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "negotiation_failed", "%s",
                                  error->message);
          return;
        case SL_MEDIA_ERROR_CLOSED:
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "session_closed", "%s", error->message);
          return;
        case SL_MEDIA_ERROR_MISSING_PLUGIN:
        case SL_MEDIA_ERROR_PIPELINE:
        default:
          g_warning ("media: %s", error->message);
          sl_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "media_error",
                                  "the server could not set the media up");
          return;
        }
    }
  if (error->domain == SL_MEDIA_SERVER_ERROR)
    {
      switch ((SlMediaServerError) error->code)
        {
        case SL_MEDIA_SERVER_ERROR_BUSY:
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "already_publishing", "%s",
                                  error->message);
          return;
        case SL_MEDIA_SERVER_ERROR_OFFLINE:
          soup_message_headers_replace (response_headers (req), "Retry-After", "5");
          sl_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "stream_offline", "%s",
                                  error->message);
          return;
        case SL_MEDIA_SERVER_ERROR_FULL:
          soup_message_headers_replace (response_headers (req), "Retry-After", "30");
          sl_request_reply_error (req, SOUP_STATUS_SERVICE_UNAVAILABLE, "too_many_viewers", "%s",
                                  error->message);
          return;
        case SL_MEDIA_SERVER_ERROR_NO_SESSION:
        default:
          sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "no_session", "%s", error->message);
          return;
        }
    }
  sl_request_reply_gerror (req, error);
}

/* Reads a file and answers with it (or 404). */
static void
reply_file (SlRequest  *req,
            const char *path,
            const char *content_type,
            const char *cache_control)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &error);
  g_autoptr(GBytes) bytes = NULL;

  if (file == NULL)
    {
      sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
      return;
    }
  bytes = g_mapped_file_get_bytes (file);
  soup_message_headers_replace (response_headers (req), "Cache-Control", cache_control);
  sl_request_reply_bytes (req, SOUP_STATUS_OK, content_type, bytes);
}

static void
reply_text (SlRequest  *req,
            guint       status,
            const char *content_type,
            char       *text)   /* transfer full */
{
  g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

  sl_request_reply_bytes (req, status, content_type, bytes);
}

/* ---- reading the class first ------------------------------------------- */

typedef void (*ClassReady) (SlRequest *req, SlClass *klass);

typedef struct {
  SlRequest  *req;
  ClassReady  ready;
} ClassLookup;

static void
class_looked_up_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ClassLookup *lookup = user_data;
  SlRequest *req = lookup->req;
  ClassReady ready = lookup->ready;
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;

  g_free (lookup);
  klass = sl_store_get_class_finish (SL_STORE (source), result, &error);
  if (klass == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  ready (req, klass);
}

static void
with_class (SlRequest  *req,
            ClassReady  ready)
{
  ClassLookup *lookup = g_new0 (ClassLookup, 1);

  lookup->req = req;
  lookup->ready = ready;
  sl_store_get_class_async (sl_server_get_store (req->server), req->id, NULL,
                            class_looked_up_cb, lookup);
}

/* WHIP's rule: the class's stream key, or the access token of its owner (or
 * an admin).  Answers 401/403 and returns FALSE for anyone else. */
static gboolean
may_publish (SlRequest *req,
             SlClass   *klass)
{
  const char *token = bearer_token (req);
  g_autoptr(GError) error = NULL;

  if (token == NULL)
    {
      soup_message_headers_replace (response_headers (req), "WWW-Authenticate", "Bearer");
      sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                              "send the class's stream key or its teacher's access token "
                              "as a Bearer token");
      return FALSE;
    }
  if (secret_equal (token, klass->stream_key))
    return TRUE;

  req->claims = sl_auth_check_request (sl_server_get_auth (req->server), req->msg, FALSE, &error);
  if (req->claims == NULL)
    {
      soup_message_headers_replace (response_headers (req), "WWW-Authenticate", "Bearer");
      sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                              "the Bearer token is neither the class's stream key nor a "
                              "valid access token");
      return FALSE;
    }
  if (req->claims->user_id != klass->owner_id && req->claims->role != SL_ROLE_ADMIN)
    {
      sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden",
                              "only the class's teacher may publish it");
      return FALSE;
    }
  return TRUE;
}

/* ---- WHIP --------------------------------------------------------------- */

typedef struct {
  SlRequest *req;
  SlClass   *klass;
  char      *answer;
  char      *session_id;
} Publish;

static void
publish_free (Publish *publish)
{
  g_clear_pointer (&publish->klass, sl_class_free);
  g_free (publish->answer);
  g_free (publish->session_id);
  g_free (publish);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Publish, publish_free)

static void
reply_created (SlRequest  *req,
               const char *kind,
               gint64      class_id,
               const char *session_id,
               char       *answer)   /* transfer full */
{
  g_autofree char *location = g_strdup_printf ("/%s/%" G_GINT64_FORMAT "/%s",
                                               kind, class_id, session_id);

  soup_message_headers_replace (response_headers (req), "Location", location);
  soup_message_headers_replace (response_headers (req), "Cache-Control", "no-store");
  reply_text (req, SOUP_STATUS_CREATED, SDP_TYPE, answer);
}

static void
class_started_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Publish) publish = user_data;
  SlRequest *req = publish->req;
  SlMediaServer *media = sl_server_get_media (req->server);
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;

  klass = sl_store_set_class_state_finish (SL_STORE (source), result, &error);
  if (klass == NULL)
    {
      /* someone ended or cancelled it meanwhile: no broadcast then */
      sl_media_server_end_session (media, publish->klass->id, publish->session_id, NULL);
      sl_request_reply_gerror (req, error);
      return;
    }
  g_message ("class %" G_GINT64_FORMAT " went live: its publisher started", klass->id);
  sl_server_class_changed (req->server, "class_started", klass);
  reply_created (req, "whip", klass->id, publish->session_id, g_steal_pointer (&publish->answer));
}

static void
published_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(Publish) publish = user_data;
  SlRequest *req = publish->req;
  SlMediaServer *media = SL_MEDIA_SERVER (source);
  g_autoptr(GError) error = NULL;

  publish->answer = sl_media_server_publish_finish (media, result, &publish->session_id, &error);
  if (publish->answer == NULL)
    {
      reply_media_error (req, error);
      return;
    }
  sl_media_server_update_class (media, publish->klass->id, publish->klass->is_public);
  g_message ("class %" G_GINT64_FORMAT ": publisher %.8s connected", publish->klass->id,
             publish->session_id);

  if (publish->klass->state == SL_CLASS_SCHEDULED)
    {
      SlStore *store = sl_server_get_store (req->server);
      gint64 id = publish->klass->id;

      sl_store_set_class_state_async (store, id, SL_CLASS_SCHEDULED, SL_CLASS_LIVE, NULL,
                                      class_started_cb, g_steal_pointer (&publish));
      return;
    }
  reply_created (req, "whip", publish->klass->id, publish->session_id,
                 g_steal_pointer (&publish->answer));
}

static gboolean
check_sdp_body (SlRequest *req,
                GBytes   **body)
{
  const char *type = request_content_type (req);

  if (type == NULL || g_ascii_strcasecmp (type, SDP_TYPE) != 0)
    {
      sl_request_reply_error (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "send the SDP offer as " SDP_TYPE);
      return FALSE;
    }
  *body = request_body (req);
  if (g_bytes_get_size (*body) == 0)
    {
      g_clear_pointer (body, g_bytes_unref);
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_sdp",
                              "the body is empty: send an SDP offer");
      return FALSE;
    }
  return TRUE;
}

static void
whip_post_class_cb (SlRequest *req,
                    SlClass   *klass)
{
  g_autoptr(GBytes) body = NULL;
  Publish *publish;
  gsize length;
  const char *data;

  if (!(klass->state & (SL_CLASS_SCHEDULED | SL_CLASS_LIVE)))
    {
      sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "class_over",
                              "class %" G_GINT64_FORMAT " is %s: it cannot be published",
                              klass->id, sl_class_state_to_string (klass->state));
      return;
    }
  if (!may_publish (req, klass) || !check_sdp_body (req, &body))
    return;

  publish = g_new0 (Publish, 1);
  publish->req = req;
  publish->klass = sl_class_copy (klass);
  data = g_bytes_get_data (body, &length);
  sl_media_server_publish_async (sl_server_get_media (req->server), klass->id, data, length,
                                 NULL, published_cb, publish);
}

void
sl_api_whip_post (SlRequest *req)
{
  with_class (req, whip_post_class_cb);
}

static void
end_session (SlRequest *req)
{
  g_autoptr(GError) error = NULL;

  if (!sl_media_server_end_session (sl_server_get_media (req->server), req->id, req->keys[0],
                                    &error))
    {
      reply_media_error (req, error);
      return;
    }
  sl_request_reply_empty (req, SOUP_STATUS_OK);
}

static void
trickle (SlRequest *req)
{
  const char *type = request_content_type (req);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *fragment = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data;

  if (type == NULL || g_ascii_strcasecmp (type, TRICKLE_TYPE) != 0)
    {
      sl_request_reply_error (req, SOUP_STATUS_UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type",
                              "send candidates as " TRICKLE_TYPE);
      return;
    }
  body = request_body (req);
  data = g_bytes_get_data (body, &length);
  if (length > 64 * 1024 || !g_utf8_validate_len (data, length, NULL) ||
      memchr (data, '\0', length) != NULL)
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_sdp",
                              "the fragment is not UTF-8 text of at most 64 KiB");
      return;
    }
  fragment = g_strndup (data, length);
  if (!sl_media_server_add_candidates (sl_server_get_media (req->server), req->id, req->keys[0],
                                       fragment, &error))
    {
      reply_media_error (req, error);
      return;
    }
  sl_request_reply_empty (req, SOUP_STATUS_NO_CONTENT);
}

static void
whip_delete_class_cb (SlRequest *req,
                      SlClass   *klass)
{
  if (may_publish (req, klass))
    end_session (req);
}

void
sl_api_whip_delete (SlRequest *req)
{
  with_class (req, whip_delete_class_cb);
}

static void
whip_patch_class_cb (SlRequest *req,
                     SlClass   *klass)
{
  if (may_publish (req, klass))
    trickle (req);
}

void
sl_api_whip_patch (SlRequest *req)
{
  with_class (req, whip_patch_class_cb);
}

/* ---- WHEP --------------------------------------------------------------- */

static void
watched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *session_id = NULL;
  char *answer;

  answer = sl_media_server_watch_finish (SL_MEDIA_SERVER (source), result, &session_id, &error);
  if (answer == NULL)
    {
      reply_media_error (req, error);
      return;
    }
  g_message ("class %" G_GINT64_FORMAT ": user %" G_GINT64_FORMAT " watches over WebRTC (%.8s)",
             req->id, req->claims->user_id, session_id);
  reply_created (req, "whep", req->id, session_id, answer);
}

static void
whep_post_class_cb (SlRequest *req,
                    SlClass   *klass)
{
  g_autoptr(GBytes) body = NULL;
  gsize length;
  const char *data;

  if (klass->state != SL_CLASS_LIVE)
    {
      sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "not_live",
                              "class %" G_GINT64_FORMAT " is %s, not live", klass->id,
                              sl_class_state_to_string (klass->state));
      return;
    }
  if (!check_sdp_body (req, &body))
    return;
  data = g_bytes_get_data (body, &length);
  sl_media_server_watch_async (sl_server_get_media (req->server), klass->id, data, length,
                               NULL, watched_cb, req);
}

void
sl_api_whep_post (SlRequest *req)
{
  with_class (req, whep_post_class_cb);
}

void
sl_api_whep_delete (SlRequest *req)
{
  end_session (req);
}

void
sl_api_whep_patch (SlRequest *req)
{
  trickle (req);
}

/* ---- HLS ----------------------------------------------------------------- */

/* Whether the request may read what lies under @scope: a valid signature in
 * the query, or a valid access token.  Answers 401 and returns FALSE when
 * not; *@signed_query receives the query to pass on to segment URIs. */
static gboolean
may_read_scope (SlRequest   *req,
                const char  *scope,
                char       **signed_query)
{
  g_autoptr(GHashTable) query = NULL;
  const char *exp = query_value (req, "exp", &query);
  const char *sig = query_value (req, "sig", &query);
  g_autoptr(GError) error = NULL;

  if (exp != NULL || sig != NULL)
    {
      if (sl_auth_check_scope (sl_server_get_auth (req->server), scope, exp, sig, now_seconds ()))
        {
          *signed_query = g_strdup_printf ("exp=%s&sig=%s", exp, sig);
          return TRUE;
        }
      sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "bad_signature",
                              "this signed URL is invalid or has expired: ask for a new one");
      return FALSE;
    }
  if (bearer_token (req) != NULL)
    {
      req->claims = sl_auth_check_request (sl_server_get_auth (req->server), req->msg, FALSE,
                                           &error);
      if (req->claims != NULL)
        return TRUE;
      sl_request_reply_gerror (req, error);
      return FALSE;
    }
  sl_request_reply_error (req, SOUP_STATUS_UNAUTHORIZED, "unauthorized",
                          "this needs a signed URL or an access token");
  return FALSE;
}

void
sl_api_hls_get (SlRequest *req)
{
  SlMediaServer *media = sl_server_get_media (req->server);
  const char *name = req->keys[0];
  g_autofree char *scope = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/", req->id);
  g_autofree char *signed_query = NULL;

  soup_message_headers_replace (response_headers (req), "Access-Control-Allow-Origin", "*");

  if (!g_str_equal (name, "index.m3u8") && !sl_hls_segment_name_is_valid (name))
    {
      sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
      return;
    }
  if (!sl_media_server_is_online (media, req->id))
    {
      soup_message_headers_replace (response_headers (req), "Cache-Control", "no-store");
      sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "stream_offline",
                              "class %" G_GINT64_FORMAT " is not being broadcast now", req->id);
      return;
    }
  if (!sl_media_server_is_public (media, req->id) && !may_read_scope (req, scope, &signed_query))
    return;

  if (g_str_equal (name, "index.m3u8"))
    {
      g_autofree char *uri_query = signed_query ? g_strdup_printf ("?%s", signed_query) : NULL;
      char *playlist = sl_media_server_live_playlist (media, req->id, uri_query);

      if (playlist == NULL)
        {
          /* live, but the first segment is not complete yet */
          soup_message_headers_replace (response_headers (req), "Cache-Control", "no-store");
          soup_message_headers_replace (response_headers (req), "Retry-After", "1");
          sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "stream_starting",
                                  "the stream has just started: try again in a second");
          return;
        }
      soup_message_headers_replace (response_headers (req), "Cache-Control",
                                    "public, max-age=1");
      reply_text (req, SOUP_STATUS_OK, PLAYLIST_TYPE, playlist);
      return;
    }
  else
    {
      g_autoptr(GBytes) bytes = sl_media_server_segment_bytes (media, req->id, name);

      if (bytes == NULL)
        {
          sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
          return;
        }
      soup_message_headers_replace (response_headers (req), "Cache-Control",
                                    "public, max-age=31536000, immutable");
      sl_request_reply_bytes (req, SOUP_STATUS_OK, SEGMENT_TYPE, bytes);
    }
}

/* ---- recordings ------------------------------------------------------------ */

static void
add_signed_url (JsonObject *object,
                const char *member,
                const char *query)
{
  const char *url = json_object_has_member (object, member)
                      ? json_object_get_string_member_with_default (object, member, NULL)
                      : NULL;

  if (url != NULL)
    {
      g_autofree char *with = g_strdup_printf ("%s?%s", url, query);

      json_object_set_string_member (object, member, with);
    }
}

static void
recordings_class_cb (SlRequest *req,
                     SlClass   *klass)
{
  SlMediaServer *media = sl_server_get_media (req->server);
  SlAuth *auth = sl_server_get_auth (req->server);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *array;
  gint64 expires = signed_expiry (RECORDING_SIGN_WINDOW, RECORDING_SIGN_MIN_LIFE);

  list = sl_recording_list (sl_media_server_get_recordings_dir (media), klass->id, &error);
  if (list == NULL)
    {
      g_warning ("class %" G_GINT64_FORMAT ": cannot list recordings: %s", klass->id,
                 error->message);
      sl_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                              "the recordings cannot be read");
      return;
    }
  array = json_array_sized_new (list->len);
  for (guint i = 0; i < list->len; i++)
    {
      SlRecording *rec = g_ptr_array_index (list, i);
      g_autofree char *scope = g_strdup_printf ("/recordings/%s/", rec->id);
      g_autofree char *query = sl_auth_sign_scope (auth, scope, expires);
      JsonNode *node = sl_recording_to_json (rec);
      JsonObject *item = json_node_get_object (node);

      add_signed_url (item, "playlist_url", query);
      add_signed_url (item, "mp4_url", query);
      char expires_text[32];

      sl_json_format_time_buf (expires, expires_text);
      json_object_set_string_member (item, "urls_expire_at", expires_text);
      json_array_add_element (array, node);
    }
  json_object_set_array_member (object, "recordings", array);
  sl_request_reply (req, SOUP_STATUS_OK, NULL,
                    json_node_init_object (json_node_alloc (), g_steal_pointer (&object)));
}

void
sl_api_class_recordings (SlRequest *req)
{
  with_class (req, recordings_class_cb);
}

/* vod.m3u8 with @query on every segment URI. */
static char *
playlist_with_query (const char *text,
                     const char *query)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i][0] == '\0' && lines[i + 1] == NULL)
        break;
      if (lines[i][0] != '#' && lines[i][0] != '\0' && query != NULL)
        g_string_append_printf (out, "%s?%s\n", lines[i], query);
      else
        g_string_append_printf (out, "%s\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

void
sl_api_recording_get (SlRequest *req)
{
  SlMediaServer *media = sl_server_get_media (req->server);
  const char *id = req->keys[0];
  const char *name = req->keys[1];
  g_autofree char *scope = NULL;
  g_autofree char *signed_query = NULL;
  g_autoptr(SlRecording) rec = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  gint64 class_id;
  guint number;

  soup_message_headers_replace (response_headers (req), "Access-Control-Allow-Origin", "*");

  if (!sl_recording_id_parse (id, &class_id, &number) ||
      (!g_str_equal (name, SL_HLS_VOD_PLAYLIST) && !g_str_equal (name, SL_RECORDING_MP4) &&
       !sl_hls_segment_name_is_valid (name)))
    {
      sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
      return;
    }
  scope = g_strdup_printf ("/recordings/%s/", id);
  if (!may_read_scope (req, scope, &signed_query))
    return;

  rec = sl_recording_load (sl_media_server_get_recordings_dir (media), id, &error);
  if (rec == NULL)
    {
      sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found",
                              "there is no recording %s", id);
      return;
    }
  path = g_build_filename (rec->dir, name, NULL);

  if (g_str_equal (name, SL_HLS_VOD_PLAYLIST))
    {
      g_autofree char *text = NULL;

      if (!g_file_get_contents (path, &text, NULL, NULL))
        {
          sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found",
                                  "recording %s has no playlist yet", id);
          return;
        }
      soup_message_headers_replace (response_headers (req), "Cache-Control",
                                    rec->state == SL_RECORDING_RECORDING ? "max-age=1"
                                                                         : "max-age=3600");
      reply_text (req, SOUP_STATUS_OK, PLAYLIST_TYPE, playlist_with_query (text, signed_query));
      return;
    }
  if (g_str_equal (name, SL_RECORDING_MP4))
    {
      g_autofree char *disposition = NULL;

      if (rec->state != SL_RECORDING_READY)
        {
          sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_ready",
                                  "recording %s has no MP4 yet (it is %s)", id,
                                  sl_recording_state_to_string (rec->state));
          return;
        }
      disposition = g_strdup_printf ("attachment; filename=\"class-%" G_GINT64_FORMAT "-%u.mp4\"",
                                     class_id, number);
      soup_message_headers_replace (response_headers (req), "Content-Disposition", disposition);
      reply_file (req, path, "video/mp4", "private, max-age=86400");
      return;
    }
  reply_file (req, path, SEGMENT_TYPE, "public, max-age=31536000, immutable");
}

/* ---- the web viewer ---------------------------------------------------- */

typedef struct {
  SlRequest *req;
  SlClass   *klass;
  gint64     after;
} WatchState;

static void
watch_state_free (WatchState *state)
{
  g_clear_pointer (&state->klass, sl_class_free);
  g_free (state);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WatchState, watch_state_free)

static void
watch_chat_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(WatchState) state = user_data;
  SlRequest *req = state->req;
  SlMediaServer *media = sl_server_get_media (req->server);
  SlHub *hub = sl_server_get_hub (req->server);
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) query = NULL;
  g_autoptr(JsonObject) object = json_object_new ();
  JsonArray *chat;
  gint64 id = state->klass->id;
  gboolean online = sl_media_server_is_online (media, id);
  g_autofree char *playlist = NULL;
  guint web = sl_media_server_touch_web_viewer (media, id, query_value (req, "v", &query));

  messages = sl_store_list_chat_messages_finish (SL_STORE (source), result, &error);
  if (messages == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  json_object_set_member (object, "class", sl_class_to_json (state->klass));
  json_object_set_boolean_member (object, "online", online);
  json_object_set_int_member (object, "viewers",
                              sl_hub_get_room_count (hub, id) +
                              sl_media_server_get_n_viewers (media, id) + web);
  /* the player gets a URL only once the playlist has its first segment,
   * so a page never asks for a playlist that is not there yet */
  if (online)
    playlist = sl_media_server_live_playlist (media, id, NULL);
  if (playlist != NULL)
    {
      g_autofree char *url = NULL;

      if (state->klass->is_public)
        url = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/index.m3u8", id);
      else
        {
          g_autofree char *scope = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/", id);
          g_autofree char *signed_query = sl_auth_sign_scope (
            sl_server_get_auth (req->server), scope,
            signed_expiry (HLS_SIGN_WINDOW, HLS_SIGN_MIN_LIFE));

          url = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/index.m3u8?%s", id, signed_query);
        }
      json_object_set_string_member (object, "hls_url", url);
    }
  else
    json_object_set_null_member (object, "hls_url");

  /* the last WATCH_CHAT_LIMIT, oldest first; only those after the one
   * the page has */
  chat = json_array_new ();
  for (guint i = messages->len > WATCH_CHAT_LIMIT ? messages->len - WATCH_CHAT_LIMIT : 0;
       i < messages->len; i++)
    {
      SlChatMessage *message = g_ptr_array_index (messages, i);

      if (message->id > state->after)
        json_array_add_element (chat, sl_chat_message_to_json (message));
    }
  json_object_set_array_member (object, "chat", chat);
  sl_request_reply (req, SOUP_STATUS_OK, NULL,
                    json_node_init_object (json_node_alloc (), g_steal_pointer (&object)));
}

static void
watch_class_cb (SlRequest *req,
                SlClass   *klass)
{
  g_autoptr(GHashTable) query = NULL;
  const char *after = query_value (req, "after", &query);
  guint64 after_id = 0;
  WatchState *state;

  if (after != NULL && !g_ascii_string_to_unsigned (after, 10, 0, G_MAXINT64, &after_id, NULL))
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "after must be a chat message id");
      return;
    }
  if (!klass->is_public)
    {
      g_autoptr(GError) error = NULL;

      req->claims = sl_auth_check_request (sl_server_get_auth (req->server), req->msg, FALSE,
                                           &error);
      if (req->claims == NULL)
        {
          sl_request_reply_gerror (req, error);
          return;
        }
    }
  state = g_new0 (WatchState, 1);
  state->req = req;
  state->klass = sl_class_copy (klass);
  state->after = (gint64) after_id;
  sl_store_list_chat_messages_async (sl_server_get_store (req->server), klass->id, 0,
                                     WATCH_CHAT_LIMIT, NULL, watch_chat_cb, state);
}

void
sl_api_watch_state (SlRequest *req)
{
  with_class (req, watch_class_cb);
}

static void
add_page_headers (SlRequest *req)
{
  SoupMessageHeaders *headers = response_headers (req);

  soup_message_headers_replace (headers, "Content-Security-Policy",
                                "default-src 'self'; media-src 'self' blob:; "
                                "worker-src 'self' blob:; img-src 'self' data:; "
                                "connect-src 'self'; style-src 'self'; "
                                "script-src 'self'; frame-ancestors 'none'; base-uri 'none'");
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (headers, "Referrer-Policy", "no-referrer");
}

void
sl_api_watch_page (SlRequest *req)
{
  const SlConfig *config = sl_server_get_config (req->server);
  g_autofree char *path = g_build_filename (config->web_dir, "watch.html", NULL);

  add_page_headers (req);
  reply_file (req, path, "text/html; charset=utf-8", "no-cache");
}

void
sl_api_web_asset (SlRequest *req)
{
  static const struct {
    const char *name;
    const char *file;     /* under the web dir */
    const char *type;
  } assets[] = {
    { "watch.css", "watch.css", "text/css; charset=utf-8" },
    { "watch.js", "watch.js", "text/javascript; charset=utf-8" },
    { "hls.min.js", "node_modules/hls.js/dist/hls.min.js", "text/javascript; charset=utf-8" },
  };
  const SlConfig *config = sl_server_get_config (req->server);

  add_page_headers (req);
  for (guint i = 0; i < G_N_ELEMENTS (assets); i++)
    {
      if (g_str_equal (req->keys[0], assets[i].name))
        {
          g_autofree char *path = g_build_filename (config->web_dir, assets[i].file, NULL);

          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            {
              g_warning ("the web viewer's %s is missing (%s): run scripts/run or "
                         "npm ci in data/web", assets[i].name, path);
              sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_installed",
                                      "%s is not installed on this server", assets[i].name);
              return;
            }
          reply_file (req, path, assets[i].type, "public, max-age=300");
          return;
        }
    }
  sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found", "there is nothing here");
}
