/* sl-client-media.c: the media state names, and the WHIP/WHEP signalling
 * the publisher and the viewer share
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-client-media"

#include "config.h"

#include "sl-client-media.h"
#include "sl-client-media-private.h"

#include <string.h>

#define SDP_TYPE "application/sdp"
#define TRICKLE_TYPE "application/trickle-ice-sdpfrag"

const char *
sl_media_state_to_string (SlMediaState state)
{
  switch (state)
    {
    case SL_MEDIA_IDLE: return "idle";
    case SL_MEDIA_CONNECTING: return "connecting";
    case SL_MEDIA_CONNECTED: return "connected";
    case SL_MEDIA_RECONNECTING: return "reconnecting";
    case SL_MEDIA_STOPPED: return "stopped";
    case SL_MEDIA_FAILED: return "failed";
    default: return "unknown";
    }
}

GError *
_sl_client_error_from_media (GError *error)
{
  GError *mapped;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == SL_CLIENT_ERROR)
    return error;
  if (error->domain == SL_MEDIA_ERROR && error->code == SL_MEDIA_ERROR_MISSING_PLUGIN)
    mapped = g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_PLUGIN, error->message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return error;
  else
    mapped = g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA, error->message);
  g_error_free (error);
  return mapped;
}

gboolean
_sl_client_check_elements (const char *const  *elements,
                           GError            **error)
{
  GError *local = NULL;

  if (sl_media_check_elements (elements, &local))
    return TRUE;
  g_propagate_error (error, _sl_client_error_from_media (local));
  return FALSE;
}

GstClockTime
_sl_buffer_running_time (GstPad    *pad,
                         GstBuffer *buffer)
{
  g_autoptr(GstEvent) event = NULL;
  const GstSegment *segment = NULL;

  if (!GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_CLOCK_TIME_NONE;
  event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (event == NULL)
    return GST_BUFFER_PTS (buffer);
  gst_event_parse_segment (event, &segment);
  if (segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
}

/* ---- one WHIP/WHEP session ---------------------------------------------- */

struct _SlMediaLink {
  SlApiClient *api;
  SlPeer      *peer;
  gulong       candidate_id;
  char        *location;      /* once answered */
  char        *ufrag;
  char        *pwd;
  GPtrArray   *mids;          /* of the offer's m= lines, in order */
  GPtrArray   *pending;       /* "mline candidate:…" gathered before the answer */
  gboolean     ended;
};

static void
patch_sent_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = sl_api_client_send_finish (SL_API_CLIENT (source), result, NULL, &error);
  if (body == NULL)
    g_debug ("trickling a candidate: %s", error->message);
}

static void
send_candidate (SlMediaLink *link,
                guint        mline,
                const char  *candidate)
{
  g_autoptr(GString) fragment = g_string_new (NULL);
  g_autoptr(GBytes) body = NULL;
  const char *mid = mline < link->mids->len ? g_ptr_array_index (link->mids, mline) : "0";

  if (g_str_has_prefix (candidate, "a="))
    candidate += 2;
  /* RFC 8840: the session's credentials, then the media section (the
   * server counts m= lines; with max-bundle every candidate is for the
   * first one anyway). */
  g_string_append_printf (fragment, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n",
                          link->ufrag != NULL ? link->ufrag : "",
                          link->pwd != NULL ? link->pwd : "");
  for (guint i = 0; i < mline; i++)
    g_string_append_printf (fragment, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%s\r\n",
                            i < link->mids->len ? (char *) g_ptr_array_index (link->mids, i) : "0");
  g_string_append_printf (fragment, "m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:%s\r\n", mid);
  if (*candidate == '\0')
    g_string_append (fragment, "a=end-of-candidates\r\n");
  else
    g_string_append_printf (fragment, "a=%s\r\n", candidate);

  body = g_string_free_to_bytes (g_steal_pointer (&fragment));
  sl_api_client_send_async (link->api, "PATCH", link->location, NULL, TRICKLE_TYPE, body,
                            NULL, patch_sent_cb, NULL);
}

static void
local_candidate_cb (SlPeer      *peer,
                    guint        mline,
                    const char  *candidate,
                    SlMediaLink *link)
{
  if (link->ended)
    return;
  if (link->location == NULL)
    {
      g_ptr_array_add (link->pending, g_strdup_printf ("%u %s", mline, candidate));
      return;
    }
  send_candidate (link, mline, candidate);
}

SlMediaLink *
_sl_media_link_new (SlApiClient *api,
                    SlPeer      *peer)
{
  SlMediaLink *link = g_rc_box_new0 (SlMediaLink);

  link->api = g_object_ref (api);
  link->peer = g_object_ref (peer);
  link->mids = g_ptr_array_new_with_free_func (g_free);
  link->pending = g_ptr_array_new_with_free_func (g_free);
  link->candidate_id = g_signal_connect (peer, "ice-candidate", G_CALLBACK (local_candidate_cb), link);
  return link;
}

const char *
_sl_media_link_get_location (SlMediaLink *link)
{
  return link->location;
}

static void
read_offer (SlMediaLink *link,
            const char  *sdp)
{
  g_auto(GStrv) lines = g_strsplit (sdp, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "a=ice-ufrag:") && link->ufrag == NULL)
        link->ufrag = g_strdup (line + strlen ("a=ice-ufrag:"));
      else if (g_str_has_prefix (line, "a=ice-pwd:") && link->pwd == NULL)
        link->pwd = g_strdup (line + strlen ("a=ice-pwd:"));
      else if (g_str_has_prefix (line, "a=mid:"))
        g_ptr_array_add (link->mids, g_strdup (line + strlen ("a=mid:")));
    }
}

static void
deleted_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;

  body = sl_api_client_send_finish (SL_API_CLIENT (source), result, NULL, &error);
  if (body == NULL)
    g_debug ("ending the session: %s", error->message);
}

typedef struct {
  SlMediaLink *link;
  char        *path;
} Negotiation;

static void link_release (SlMediaLink *link);

static void
negotiation_free (Negotiation *n)
{
  link_release (n->link);
  g_free (n->path);
  g_free (n);
}

static void
answered_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Negotiation *n = g_task_get_task_data (task);
  SlMediaLink *link = n->link;
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  const char *location;
  const char *data;
  gsize length;

  body = sl_api_client_send_finish (SL_API_CLIENT (source), result, &headers, &error);
  if (body == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  location = headers != NULL ? soup_message_headers_get_one (headers, "Location") : NULL;
  if (link->ended)
    {
      /* given up meanwhile: end the session the server just made */
      if (location != NULL)
        sl_api_client_send_async (link->api, "DELETE", location, NULL, NULL, NULL,
                                  NULL, deleted_cb, NULL);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "the session was ended");
      return;
    }
  data = g_bytes_get_data (body, &length);
  answer = g_strndup (data, length);
  if (location == NULL || length == 0)
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_PROTOCOL,
                               "the server answered %s without an SDP answer and a Location",
                               n->path);
      return;
    }
  if (!sl_peer_set_answer (link->peer, answer, &error))
    {
      g_prefix_error (&error, "%s: ", n->path);
      g_task_return_error (task, _sl_client_error_from_media (g_steal_pointer (&error)));
      return;
    }

  link->location = g_strdup (location);
  for (guint i = 0; i < link->pending->len; i++)
    {
      char *entry = g_ptr_array_index (link->pending, i);
      char *space = strchr (entry, ' ');

      *space = '\0';
      send_candidate (link, (guint) g_ascii_strtoull (entry, NULL, 10), space + 1);
    }
  g_ptr_array_set_size (link->pending, 0);
  g_task_return_boolean (task, TRUE);
}

static void
offered_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Negotiation *n = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;
  GBytes *body;
  gsize length;

  offer = sl_peer_offer_finish (SL_PEER (source), result, &error);
  if (offer == NULL)
    {
      g_task_return_error (task, _sl_client_error_from_media (g_steal_pointer (&error)));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  read_offer (n->link, offer);
  length = strlen (offer);
  body = g_bytes_new_take (g_steal_pointer (&offer), length);
  sl_api_client_send_async (n->link->api, "POST", n->path, NULL, SDP_TYPE, body,
                            g_task_get_cancellable (task), answered_cb, g_object_ref (task));
  g_bytes_unref (body);
}

void
_sl_media_link_negotiate_async (SlMediaLink         *link,
                                const char          *path,
                                GstCaps *const      *recv_caps,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Negotiation *n = g_new0 (Negotiation, 1);

  g_task_set_source_tag (task, _sl_media_link_negotiate_async);
  n->link = g_rc_box_acquire (link);
  n->path = g_strdup (path);
  g_task_set_task_data (task, n, (GDestroyNotify) negotiation_free);
  sl_peer_offer_async (link->peer, recv_caps, FALSE, cancellable, offered_cb, task);
}

gboolean
_sl_media_link_negotiate_finish (SlMediaLink   *link,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
_sl_media_link_end (SlMediaLink *link)
{
  if (link == NULL || link->ended)
    return;
  link->ended = TRUE;
  g_clear_signal_handler (&link->candidate_id, link->peer);
  if (link->location != NULL)
    sl_api_client_send_async (link->api, "DELETE", link->location, NULL, NULL, NULL,
                              NULL, deleted_cb, NULL);
}

static void
link_clear (gpointer data)
{
  SlMediaLink *link = data;

  g_clear_signal_handler (&link->candidate_id, link->peer);
  g_clear_object (&link->peer);
  g_clear_object (&link->api);
  g_free (link->location);
  g_free (link->ufrag);
  g_free (link->pwd);
  g_ptr_array_unref (link->mids);
  g_ptr_array_unref (link->pending);
}

static void
link_release (SlMediaLink *link)
{
  g_rc_box_release_full (link, link_clear);
}

void
_sl_media_link_free (SlMediaLink *link)
{
  if (link == NULL)
    return;
  _sl_media_link_end (link);
  link_release (link);
}
