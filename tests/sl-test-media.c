/* sl-test-media.c: WHIP publishers and WHEP viewers made of GStreamer test
 * sources, and a private network namespace to run them in
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE  /* unshare() */
#define G_LOG_DOMAIN "sl-test"

#include "config.h"

#include "sl-test-media.h"
#include "sl-test-ws.h"
#include "sl-peer.h"

#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#define CLIENT_ICE_ADDRESS "10.231.0.2"

static const char *const client_ice[] = { CLIENT_ICE_ADDRESS, NULL };

/* ---- the private network ------------------------------------------------ */

static gboolean
run_ip (const char  *args,
        GError     **error)
{
  g_autofree char *command = g_strdup_printf ("ip %s", args);
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_command_line_sync (command, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_SPAWN_ERROR, G_SPAWN_ERROR_FAILED, "%s: %s", command,
                   err ? g_strstrip (err) : "failed");
      return FALSE;
    }
  return TRUE;
}

static gboolean
write_proc (const char  *path,
            const char  *value,
            GError     **error)
{
  FILE *file = fopen (path, "w");
  gboolean ok;

  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  ok = fputs (value, file) >= 0;
  ok = fclose (file) == 0 && ok;
  if (!ok)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot write %s", path);
  return ok;
}

gboolean
sl_test_enter_private_network (GError **error)
{
  if (geteuid () != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                           "a private network namespace needs root");
      return FALSE;
    }
  if (unshare (CLONE_NEWNET) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "unshare(CLONE_NEWNET): %s", g_strerror (saved));
      return FALSE;
    }
  if (!run_ip ("link set lo up", error) ||
      !run_ip ("link add sl0 type veth peer name sl1", error))
    return FALSE;

  /* Both ends live in this one namespace: without accept_local the kernel
   * drops what one end sends the other, and rp_filter drops the replies. */
  for (guint i = 0; i < 4; i++)
    {
      static const char *const conf[] = { "all", "default", "sl0", "sl1" };
      g_autofree char *accept = g_strdup_printf ("/proc/sys/net/ipv4/conf/%s/accept_local", conf[i]);
      g_autofree char *rp = g_strdup_printf ("/proc/sys/net/ipv4/conf/%s/rp_filter", conf[i]);

      if (!write_proc (accept, "1", error) || !write_proc (rp, "0", error))
        return FALSE;
    }

  return run_ip ("addr add " SL_TEST_ICE_ADDRESS "/24 dev sl0", error) &&
         run_ip ("addr add " CLIENT_ICE_ADDRESS "/24 dev sl1", error) &&
         run_ip ("link set sl0 up", error) &&
         run_ip ("link set sl1 up", error);
}

/* ---- classes ---------------------------------------------------------- */

SlTestServer *
sl_test_media_server_new (gboolean record,
                          guint    access_token_ttl)
{
  SlConfig *config = sl_test_config_new ();

  g_strfreev (config->ice_addresses);
  config->ice_addresses = g_strsplit (SL_TEST_ICE_ADDRESS, ",", -1);
  config->record = record;
  if (access_token_ttl > 0)
    config->access_token_ttl = access_token_ttl;
  return sl_test_server_new ("sqlite", config);
}

gint64
sl_test_make_class (SlTestServer  *ts,
                    gboolean       is_public,
                    char         **stream_key)
{
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (now, 10);
  g_autofree char *when = g_date_time_format_iso8601 (soon);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"Optics\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":45,\"public\":%s}",
                                           when, is_public ? "true" : "false");
  g_autoptr(SlTestResponse) created = sl_test_request (ts, "POST", "/api/classes", teacher, body);
  gint64 id;

  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (
    json_object_get_object_member (sl_test_response_object (created), "class"), "id");
  if (stream_key != NULL)
    {
      g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/stream-key", id);
      g_autoptr(SlTestResponse) key = sl_test_request (ts, "GET", path, teacher, NULL);

      g_assert_cmpuint (key->status, ==, 200);
      *stream_key = g_strdup (json_object_get_string_member (sl_test_response_object (key),
                                                             "stream_key"));
    }
  return id;
}

/* ---- offer, POST, answer ---------------------------------------------- */

typedef struct {
  gboolean  done;
  char     *sdp;
  GError   *error;
} OfferWait;

static void
offered_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  OfferWait *wait = user_data;

  wait->sdp = sl_peer_offer_finish (SL_PEER (source), result, &wait->error);
  wait->done = TRUE;
}

/* Offers, POSTs the offer to @path, applies the answer.  Returns the
 * Location, or NULL with *status and *error_code. */
static char *
negotiate (SlTestServer  *ts,
           SlPeer        *peer,
           GstCaps      **recv_caps,
           const char    *path,
           const char    *token,
           guint         *status,
           char         **error_code)
{
  OfferWait wait = { FALSE, NULL, NULL };
  g_autoptr(SlTestResponse) resp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  gsize length;
  const char *data;

  sl_peer_offer_async (peer, (GstCaps *const *) recv_caps, TRUE, NULL, offered_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.sdp);

  resp = sl_test_request_full (ts, "POST", path, token, "application/sdp",
                               wait.sdp, strlen (wait.sdp));
  g_free (wait.sdp);
  if (status != NULL)
    *status = resp->status;
  if (resp->status != SOUP_STATUS_CREATED)
    {
      if (error_code != NULL)
        *error_code = g_strdup (sl_test_response_error (resp));
      return NULL;
    }
  g_assert_cmpstr (soup_message_headers_get_content_type (resp->headers, NULL), ==,
                   "application/sdp");
  data = g_bytes_get_data (resp->body, &length);
  answer = g_strndup (data, length);
  if (!sl_peer_set_answer (peer, answer, &error))
    g_error ("the server's answer was refused: %s\n%s", error->message, answer);
  g_assert_nonnull (soup_message_headers_get_one (resp->headers, "Location"));
  return g_strdup (soup_message_headers_get_one (resp->headers, "Location"));
}

/* ---- publisher ----------------------------------------------------------- */

struct _SlTestPublisher
{
  SlTestServer *ts;
  GstElement   *pipeline;
  SlPeer       *peer;
  char         *location;
};

static void
link_source (GstElement *pipeline,
             GstElement *webrtc,
             const char *description)
{
  g_autoptr(GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstPad) sink = NULL;

  g_assert_no_error (error);
  gst_bin_add (GST_BIN (pipeline), bin);
  src = gst_element_get_static_pad (bin, "src");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  g_assert_cmpint (gst_pad_link (src, sink), ==, GST_PAD_LINK_OK);
}

static SlTestPublisher *
publisher_new (SlTestServer *ts,
               guint         keyframe_interval)
{
  SlTestPublisher *pub = g_new0 (SlTestPublisher, 1);
  g_autofree char *video = g_strdup_printf (
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast bitrate=600 key-int-max=%u ! "
    "video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=96 ! "
    "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000\"",
    keyframe_interval);

  pub->ts = ts;
  pub->pipeline = gst_pipeline_new ("test-publisher");
  pub->peer = sl_peer_new (GST_BIN (pub->pipeline), "publisher", client_ice);
  link_source (pub->pipeline, sl_peer_get_webrtcbin (pub->peer), video);
  link_source (pub->pipeline, sl_peer_get_webrtcbin (pub->peer),
               "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! "
               "opusenc ! rtpopuspay pt=111 ! capsfilter caps=\"application/x-rtp,media=audio,"
               "encoding-name=OPUS,payload=111,clock-rate=48000\"");
  g_assert_cmpint (gst_element_set_state (pub->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pub;
}

SlTestPublisher *
sl_test_publisher_start (SlTestServer  *ts,
                         const char    *path,
                         const char    *token,
                         guint          keyframe_interval,
                         guint         *status,
                         char         **error_code)
{
  SlTestPublisher *pub = publisher_new (ts, keyframe_interval);

  pub->location = negotiate (ts, pub->peer, NULL, path, token, status, error_code);
  if (pub->location == NULL)
    {
      sl_test_publisher_free (pub);
      return NULL;
    }
  return pub;
}

typedef struct {
  GPtrArray *candidates;   /* "mline candidate:…" as gathered */
} Gathered;

static void
local_candidate_cb (SlPeer     *peer,
                    guint       mline,
                    const char *candidate,
                    gpointer    user_data)
{
  Gathered *gathered = user_data;

  g_ptr_array_add (gathered->candidates, g_strdup_printf ("%u %s", mline, candidate));
}

/* The value of the first "a=@attribute:" line of @sdp. */
static char *
sdp_attribute (const char *sdp,
               const char *attribute)
{
  g_autofree char *prefix = g_strdup_printf ("a=%s:", attribute);
  g_auto(GStrv) lines = g_strsplit (sdp, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      return g_strdup (lines[i] + strlen (prefix));
  return NULL;
}

static void
patch_fragment (SlTestPublisher *pub,
                const char      *token,
                const char      *fragment,
                guint           *patches_sent)
{
  g_autoptr(SlTestResponse) resp =
    sl_test_request_full (pub->ts, "PATCH", pub->location, token,
                          "application/trickle-ice-sdpfrag", fragment, strlen (fragment));

  if (resp->status != SOUP_STATUS_NO_CONTENT)
    g_error ("PATCH %s: %u %s\n%s", pub->location, resp->status,
             sl_test_response_error (resp), fragment);
  (*patches_sent)++;
}

SlTestPublisher *
sl_test_publisher_start_trickle (SlTestServer  *ts,
                                 const char    *path,
                                 const char    *token,
                                 guint          keyframe_interval,
                                 guint         *status,
                                 guint         *patches_sent)
{
  SlTestPublisher *pub = publisher_new (ts, keyframe_interval);
  Gathered gathered = { g_ptr_array_new_with_free_func (g_free) };
  OfferWait wait = { FALSE, NULL, NULL };
  g_autoptr(SlTestResponse) resp = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *ufrag = NULL, *pwd = NULL;
  g_autofree char *end = NULL;
  gulong handler;
  gsize length;
  const char *data;

  *patches_sent = 0;
  handler = g_signal_connect (pub->peer, "ice-candidate", G_CALLBACK (local_candidate_cb),
                              &gathered);
  sl_peer_offer_async (pub->peer, NULL, FALSE, NULL, offered_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_no_error (wait.error);
  g_assert_null (strstr (wait.sdp, "a=candidate:"));
  ufrag = sdp_attribute (wait.sdp, "ice-ufrag");
  pwd = sdp_attribute (wait.sdp, "ice-pwd");
  g_assert_nonnull (ufrag);
  g_assert_nonnull (pwd);

  resp = sl_test_request_full (ts, "POST", path, token, "application/sdp",
                               wait.sdp, strlen (wait.sdp));
  g_free (wait.sdp);
  *status = resp->status;
  if (resp->status != SOUP_STATUS_CREATED)
    {
      g_signal_handler_disconnect (pub->peer, handler);
      g_ptr_array_unref (gathered.candidates);
      sl_test_publisher_free (pub);
      return NULL;
    }
  data = g_bytes_get_data (resp->body, &length);
  answer = g_strndup (data, length);
  if (!sl_peer_set_answer (pub->peer, answer, &error))
    g_error ("the server's answer was refused: %s\n%s", error->message, answer);
  pub->location = g_strdup (soup_message_headers_get_one (resp->headers, "Location"));
  g_assert_nonnull (pub->location);

  /* what was gathered meanwhile, then the rest as it comes, one a PATCH */
  for (guint sent = 0, idle = 0; idle < 10; )
    {
      if (sent < gathered.candidates->len)
        {
          const char *entry = g_ptr_array_index (gathered.candidates, sent++);
          char *space = strchr (entry, ' ');
          g_autofree char *fragment = g_strdup_printf ("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n"
                                                       "m=audio 9 RTP/AVP 0\r\na=mid:%.*s\r\n"
                                                       "a=%s\r\n",
                                                       ufrag, pwd, (int) (space - entry), entry,
                                                       space + 1);

          patch_fragment (pub, token, fragment, patches_sent);
          idle = 0;
        }
      else
        {
          sl_test_settle (100);
          idle++;
        }
    }
  end = g_strdup_printf ("a=ice-ufrag:%s\r\na=ice-pwd:%s\r\nm=audio 9 RTP/AVP 0\r\n"
                         "a=mid:0\r\na=end-of-candidates\r\n", ufrag, pwd);
  patch_fragment (pub, token, end, patches_sent);

  g_signal_handler_disconnect (pub->peer, handler);
  g_ptr_array_unref (gathered.candidates);
  return pub;
}

const char *
sl_test_publisher_get_location (SlTestPublisher *pub)
{
  return pub->location;
}

guint
sl_test_publisher_delete (SlTestPublisher *pub,
                          const char      *token)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (pub->ts, "DELETE", pub->location, token, NULL);

  sl_test_publisher_kill (pub);
  return resp->status;
}

void
sl_test_publisher_kill (SlTestPublisher *pub)
{
  if (pub->peer != NULL)
    sl_peer_close (pub->peer);
  if (pub->pipeline != NULL)
    gst_element_set_state (pub->pipeline, GST_STATE_NULL);
}

void
sl_test_publisher_free (SlTestPublisher *pub)
{
  if (pub == NULL)
    return;
  sl_test_publisher_kill (pub);
  g_clear_object (&pub->peer);
  g_clear_pointer (&pub->pipeline, gst_object_unref);
  g_free (pub->location);
  g_free (pub);
}

/* ---- viewer --------------------------------------------------------------- */

struct _SlTestViewer
{
  GstElement *pipeline;
  SlPeer     *peer;
  char       *location;
  gint64      started;         /* monotonic µs */
  gint64      first_frame;     /* monotonic µs, atomically; 0: none */
  guint       video_frames;    /* atomically */
  guint       audio_buffers;   /* atomically */
};

static void
video_handoff_cb (GstElement   *sink,
                  GstBuffer    *buffer,
                  GstPad       *pad,
                  SlTestViewer *viewer)
{
  if (g_atomic_int_add (&viewer->video_frames, 1) == 0)
    g_atomic_pointer_set ((gpointer *) &viewer->first_frame,
                          GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
}

static void
audio_handoff_cb (GstElement   *sink,
                  GstBuffer    *buffer,
                  GstPad       *pad,
                  SlTestViewer *viewer)
{
  g_atomic_int_inc (&viewer->audio_buffers);
}

static void
viewer_pad_added_cb (SlPeer       *peer,
                     GstPad       *pad,
                     SlTestViewer *viewer)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *encoding;
  const char *description;
  g_autoptr(GError) error = NULL;
  GstElement *bin, *sink;
  g_autoptr(GstPad) bin_sink = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  if (g_strcmp0 (encoding, "H264") == 0)
    description = "rtph264depay ! h264parse ! avdec_h264 ! fakesink name=sink sync=false signal-handoffs=true";
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    description = "rtpopusdepay ! opusdec ! fakesink name=sink sync=false signal-handoffs=true";
  else
    description = "fakesink name=sink sync=false";

  bin = gst_parse_bin_from_description (description, TRUE, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  if (g_strcmp0 (encoding, "H264") == 0)
    g_signal_connect (sink, "handoff", G_CALLBACK (video_handoff_cb), viewer);
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    g_signal_connect (sink, "handoff", G_CALLBACK (audio_handoff_cb), viewer);
  gst_object_unref (sink);
  gst_bin_add (GST_BIN (viewer->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  bin_sink = gst_element_get_static_pad (bin, "sink");
  g_assert_cmpint (gst_pad_link (pad, bin_sink), ==, GST_PAD_LINK_OK);
}

SlTestViewer *
sl_test_viewer_start (SlTestServer  *ts,
                      const char    *path,
                      const char    *token,
                      guint         *status,
                      char         **error_code)
{
  SlTestViewer *viewer = g_new0 (SlTestViewer, 1);
  GstCaps *recv[3];

  recv[0] = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,payload=102,"
                                  "clock-rate=90000,packetization-mode=(string)1,"
                                  "profile-level-id=(string)42e01f");
  recv[1] = gst_caps_from_string ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
                                  "clock-rate=48000");
  recv[2] = NULL;

  viewer->pipeline = gst_pipeline_new ("test-viewer");
  viewer->peer = sl_peer_new (GST_BIN (viewer->pipeline), "viewer", client_ice);
  g_signal_connect (viewer->peer, "pad-added", G_CALLBACK (viewer_pad_added_cb), viewer);
  g_assert_cmpint (gst_element_set_state (viewer->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  viewer->started = g_get_monotonic_time ();
  viewer->location = negotiate (ts, viewer->peer, recv, path, token, status, error_code);
  gst_caps_unref (recv[0]);
  gst_caps_unref (recv[1]);
  if (viewer->location == NULL)
    {
      sl_test_viewer_free (viewer);
      return NULL;
    }
  return viewer;
}

guint
sl_test_viewer_get_video_frames (SlTestViewer *viewer)
{
  return (guint) g_atomic_int_get (&viewer->video_frames);
}

guint
sl_test_viewer_get_audio_buffers (SlTestViewer *viewer)
{
  return (guint) g_atomic_int_get (&viewer->audio_buffers);
}

gint64
sl_test_viewer_get_first_frame_ms (SlTestViewer *viewer)
{
  gint64 first = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get ((gpointer *) &viewer->first_frame));

  return first == 0 ? -1 : (first - viewer->started) / 1000;
}

gboolean
sl_test_viewer_wait_frames (SlTestViewer *viewer,
                            guint         frames,
                            guint         timeout_s)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;

  while (sl_test_viewer_get_video_frames (viewer) < frames)
    {
      if (g_get_monotonic_time () > until)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

const char *
sl_test_viewer_get_location (SlTestViewer *viewer)
{
  return viewer->location;
}

void
sl_test_viewer_free (SlTestViewer *viewer)
{
  if (viewer == NULL)
    return;
  if (viewer->peer != NULL)
    sl_peer_close (viewer->peer);
  if (viewer->pipeline != NULL)
    gst_element_set_state (viewer->pipeline, GST_STATE_NULL);
  g_clear_object (&viewer->peer);
  g_clear_pointer (&viewer->pipeline, gst_object_unref);
  g_free (viewer->location);
  g_free (viewer);
}
