/* test-peer.c: publisher → server (forwarder) → viewers, end to end over loopback
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-peer"

#include "config.h"

#include "sl-forwarder.h"
#include "sl-peer.h"
#include "sl-sdp.h"

#include <gst/video/video.h>

#include <string.h>

/* LeakSanitizer (ASan builds): GLib replaces its quark table with a larger
 * copy as it grows and leaves the old block to lock-free readers. The block
 * made before main() is ignored by sl-test-lsan.c; webrtcbin grows the table
 * again during the tests. Library-internal, not leaks of ours. GLib is built
 * without frame pointers, so these suppressions only match with the slow
 * unwinder. */
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:g_intern_string\n"
         "leak:g_intern_static_string\n"
         "leak:g_quark_from_string\n"
         "leak:g_quark_from_static_string\n";
}

/* Every peer here gathers on loopback only: no traffic leaves the machine. */
static const char *const loopback[] = { "127.0.0.1", NULL };

#define TIMEOUT_MS 15000
/* answer → first decoded frame of a joining viewer (0.3–0.45 s here, 0.5–0.65 s
 * under ASan; a keyframe held back by the rate limit makes it 1.3 s or more) */
#define JOIN_FIRST_FRAME_US (1200 * G_TIME_SPAN_MILLISECOND)

/* --- Main-loop helpers --- */

typedef gboolean (*Condition) (gpointer data);

static gboolean
wait_until (Condition condition,
            gpointer  data,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

static gboolean
never_cb (gpointer data)
{
  return FALSE;
}

/* Runs the main context for @ms milliseconds. */
static void
run_for (guint ms)
{
  wait_until (never_cb, NULL, ms);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GAsyncResult **out = data;

  g_assert_null (*out);
  *out = g_object_ref (result);
}

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (wait_until (result_ready, slot, TIMEOUT_MS));
  return *slot;
}

/* --- Pipelines --- */

static char *pipeline_error;

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  gst_message_parse_error (message, &error, &debug);
  g_printerr ("# %s: %s (%s)\n", GST_OBJECT_NAME (message->src), error->message, debug);
  if (pipeline_error == NULL)
    pipeline_error = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (message->src), error->message);
  return G_SOURCE_CONTINUE;
}

static GstElement *
pipeline_new (const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *pipeline;

  if (description != NULL)
    pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  else
    pipeline = gst_pipeline_new (NULL);
  g_assert_no_error (error);
  g_assert_true (GST_IS_PIPELINE (pipeline));
  bus = gst_element_get_bus (pipeline);
  gst_bus_add_watch (bus, bus_cb, NULL);
  return pipeline;
}

static void
pipeline_destroy (GstElement *pipeline)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (pipeline);

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), !=, GST_STATE_CHANGE_FAILURE);
  gst_bus_remove_watch (bus);
  gst_object_unref (pipeline);
}

static void
assert_no_pipeline_error (void)
{
  g_assert_cmpstr (pipeline_error, ==, NULL);
}

/* --- Counting what flows --- */

typedef struct {
  gint   buffers;        /* atomic */
  gint64 first_at;       /* atomic, monotonic µs */
} Counter;

static GstPadProbeReturn
count_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  Counter *counter = data;

  if (g_atomic_int_add (&counter->buffers, 1) == 0)
    g_atomic_pointer_set (&counter->first_at, g_get_monotonic_time ());
  return GST_PAD_PROBE_OK;
}

static gint
counter_get (Counter *counter)
{
  return g_atomic_int_get (&counter->buffers);
}

/* A branch from @description (sink ghost pad), fed by @pad, its element
 * "count" counted on its src pad.  Runs on a streaming thread. */
static void
link_branch (GstPad     *pad,
             const char *description,
             Counter    *counter)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstElement) counted = NULL;
  g_autoptr(GstPad) counted_src = NULL;
  GstElement *webrtc = gst_pad_get_parent_element (pad);
  GstElement *bin;

  pipeline = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (webrtc)));
  gst_object_unref (webrtc);
  g_assert_nonnull (pipeline);

  bin = gst_parse_bin_from_description (description, TRUE, &error);
  g_assert_no_error (error);
  counted = gst_bin_get_by_name (GST_BIN (bin), "count");
  g_assert_nonnull (counted);
  counted_src = gst_element_get_static_pad (counted, "src");
  gst_pad_add_probe (counted_src, GST_PAD_PROBE_TYPE_BUFFER, count_probe_cb, counter, NULL);

  gst_bin_add (GST_BIN (pipeline), bin);
  sink = gst_element_get_static_pad (bin, "sink");
  g_assert_cmpint (gst_pad_link (pad, sink), ==, GST_PAD_LINK_OK);
  gst_element_sync_state_with_parent (bin);
}

static gboolean
pad_is_h264 (GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *name;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  name = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  return g_strcmp0 (name, "H264") == 0;
}

/* --- Publisher: test sources, x264 and Opus, an offering peer --- */

typedef struct {
  GstElement *pipeline;
  SlPeer     *peer;
  gint        key_unit_requests;   /* atomic: reached the payloader from webrtcbin */
} Publisher;

static GstPadProbeReturn
publisher_key_unit_probe_cb (GstPad          *pad,
                             GstPadProbeInfo *info,
                             gpointer         data)
{
  Publisher *pub = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    g_atomic_int_inc (&pub->key_unit_requests);
  return GST_PAD_PROBE_OK;
}

static void
publisher_start (Publisher *pub,
                 guint      key_int_max)
{
  g_autofree char *description = g_strdup_printf (
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%u bitrate=400 ! "
    "video/x-h264,profile=constrained-baseline ! rtph264pay config-interval=-1 pt=96 name=vpay "
    "audiotestsrc is-live=true wave=ticks ! audioconvert ! opusenc ! rtpopuspay pt=111 name=apay",
    key_int_max);
  g_autoptr(GstElement) vpay = NULL;
  g_autoptr(GstElement) apay = NULL;
  g_autoptr(GstPad) vpay_src = NULL;
  GstElement *webrtc;

  pub->pipeline = pipeline_new (description);
  pub->peer = sl_peer_new (GST_BIN (pub->pipeline), "publisher", loopback);
  webrtc = sl_peer_get_webrtcbin (pub->peer);
  vpay = gst_bin_get_by_name (GST_BIN (pub->pipeline), "vpay");
  apay = gst_bin_get_by_name (GST_BIN (pub->pipeline), "apay");
  g_assert_true (gst_element_link_pads (vpay, "src", webrtc, "sink_%u"));
  vpay_src = gst_element_get_static_pad (vpay, "src");
  gst_pad_add_probe (vpay_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, publisher_key_unit_probe_cb, pub, NULL);
  g_assert_true (gst_element_link_pads (apay, "src", webrtc, "sink_%u"));
  g_assert_cmpint (gst_element_set_state (pub->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

/* --- Server: an answering ingest peer feeding a forwarder --- */

typedef struct {
  GstElement  *pipeline;
  SlPeer      *ingest;
  SlForwarder *forwarder;
  gint         upstream_key_units;   /* atomic: seen above the forwarder */
  Counter      video_in;
} Server;

static GstPadProbeReturn
count_key_unit_probe_cb (GstPad          *pad,
                         GstPadProbeInfo *info,
                         gpointer         data)
{
  Server *server = data;

  if (gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    g_atomic_int_inc (&server->upstream_key_units);
  return GST_PAD_PROBE_OK;
}

/* What the server does on a new incoming stream (streaming thread):
 * depayload and parse, never decode, into the forwarder. */
static void
ingest_pad_added_cb (SlPeer *peer,
                     GstPad *pad,
                     Server *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) bin_src = NULL;
  g_autoptr(GstPad) bin_sink = NULL;
  gboolean video = pad_is_h264 (pad);
  GstElement *bin;

  if (video)
    bin = gst_parse_bin_from_description (
      "rtph264depay ! h264parse config-interval=-1 ! "
      "capsfilter name=count caps=video/x-h264,stream-format=byte-stream,alignment=au", TRUE, &error);
  else
    bin = gst_parse_bin_from_description ("rtpopusdepay name=count", TRUE, &error);
  g_assert_no_error (error);

  gst_bin_add (GST_BIN (server->pipeline), bin);
  bin_src = gst_element_get_static_pad (bin, "src");
  bin_sink = gst_element_get_static_pad (bin, "sink");
  if (video)
    {
      gst_pad_add_probe (bin_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, count_key_unit_probe_cb, server, NULL);
      gst_pad_add_probe (bin_src, GST_PAD_PROBE_TYPE_BUFFER, count_probe_cb, &server->video_in, NULL);
    }
  g_assert_cmpint (gst_pad_link (bin_src, video ? sl_forwarder_get_video_sink (server->forwarder)
                                                : sl_forwarder_get_audio_sink (server->forwarder)),
                   ==, GST_PAD_LINK_OK);
  g_assert_cmpint (gst_pad_link (pad, bin_sink), ==, GST_PAD_LINK_OK);
  gst_element_sync_state_with_parent (bin);
}

static void
server_start (Server *server)
{
  server->pipeline = pipeline_new (NULL);
  server->forwarder = sl_forwarder_new (GST_BIN (server->pipeline), "fwd");
  server->ingest = sl_peer_new (GST_BIN (server->pipeline), "ingest", loopback);
  g_signal_connect (server->ingest, "pad-added", G_CALLBACK (ingest_pad_added_cb), server);
  g_assert_cmpint (gst_element_set_state (server->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

/* --- Negotiation --- */

static char *
offer (SlPeer         *peer,
       GstCaps *const *recv_caps,
       gboolean        wait_for_gathering)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *sdp;

  sl_peer_offer_async (peer, recv_caps, wait_for_gathering, NULL, store_result_cb, &result);
  sdp = sl_peer_offer_finish (peer, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static char *
answer (SlPeer     *peer,
        const char *offer_sdp,
        gboolean    wait_for_gathering)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *sdp;

  sl_peer_answer_async (peer, offer_sdp, wait_for_gathering, NULL, store_result_cb, &result);
  sdp = sl_peer_answer_finish (peer, wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (sdp);
  return sdp;
}

static gboolean
sdp_has_candidate (const char *sdp)
{
  return strstr (sdp, "a=candidate:") != NULL;
}

/* Publisher → server, the WHIP way: one offer with every candidate, one
 * answer with every candidate. */
static void
publish_non_trickle (Publisher *pub,
                     Server    *server)
{
  g_autofree char *offer_sdp = offer (pub->peer, NULL, TRUE);
  g_autofree char *answer_sdp = NULL;
  g_autoptr(SlSdpOffer) parsed = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (sdp_has_candidate (offer_sdp));
  parsed = sl_sdp_offer_parse (offer_sdp, strlen (offer_sdp), SL_SDP_NEED_SEND, &error);
  g_assert_no_error (error);
  g_assert_cmpint (parsed->h264_pt, ==, 96);
  g_assert_cmpint (parsed->opus_pt, ==, 111);

  answer_sdp = answer (server->ingest, offer_sdp, TRUE);
  g_assert_true (sdp_has_candidate (answer_sdp));
  g_assert_true (sl_peer_set_answer (pub->peer, answer_sdp, &error));
  g_assert_no_error (error);
}

static gboolean
peer_connected (gpointer data)
{
  return sl_peer_get_state (data) == SL_PEER_CONNECTED;
}

/* --- Viewers: receive-only offering peers that decode --- */

typedef struct {
  GstElement        *pipeline;
  SlPeer            *peer;          /* the viewer's */
  SlPeer            *server_peer;   /* its link on the server */
  SlForwarderOutput *output;
  Counter            frames;        /* decoded */
  Counter            audio;
  gint64             joined_at;
} Viewer;

static void
viewer_pad_added_cb (SlPeer *peer,
                     GstPad *pad,
                     Viewer *viewer)
{
  if (pad_is_h264 (pad))
    link_branch (pad, "rtph264depay ! h264parse ! avdec_h264 name=count ! "
                      "fakesink sync=false async=false", &viewer->frames);
  else
    link_branch (pad, "rtpopusdepay name=count ! fakesink sync=false async=false", &viewer->audio);
}

static void
viewer_join (Viewer     *viewer,
             Server     *server,
             const char *name)
{
  g_autoptr(GstCaps) h264 = gst_caps_from_string (
    "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=102,"
    "packetization-mode=(string)1,profile-level-id=(string)42e01f");
  g_autoptr(GstCaps) opus = gst_caps_from_string (
    "application/x-rtp,media=audio,encoding-name=OPUS,clock-rate=48000,payload=109,"
    "encoding-params=(string)2");
  GstCaps *recv_caps[] = { h264, opus, NULL };
  g_autofree char *server_name = g_strdup_printf ("server-%s", name);
  g_autofree char *offer_sdp = NULL;
  g_autofree char *answer_sdp = NULL;
  g_autoptr(SlSdpOffer) parsed = NULL;
  g_autoptr(GError) error = NULL;

  viewer->pipeline = pipeline_new (NULL);
  viewer->peer = sl_peer_new (GST_BIN (viewer->pipeline), name, loopback);
  g_signal_connect (viewer->peer, "pad-added", G_CALLBACK (viewer_pad_added_cb), viewer);
  g_assert_cmpint (gst_element_set_state (viewer->pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  offer_sdp = offer (viewer->peer, recv_caps, TRUE);

  /* The server's side, as the WHEP handler does it. */
  parsed = sl_sdp_offer_parse (offer_sdp, strlen (offer_sdp), SL_SDP_NEED_RECEIVE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (parsed->h264_pt, ==, 102);
  g_assert_cmpint (parsed->opus_pt, ==, 109);
  viewer->server_peer = sl_peer_new (GST_BIN (server->pipeline), server_name, loopback);
  viewer->output = sl_forwarder_add_output (server->forwarder, viewer->server_peer,
                                            parsed->h264_pt, parsed->h264_fmtp, parsed->opus_pt, &error);
  g_assert_no_error (error);
  g_assert_nonnull (viewer->output);
  answer_sdp = answer (viewer->server_peer, offer_sdp, TRUE);

  /* The answer sends the viewer's payload types. */
  g_assert_nonnull (strstr (answer_sdp, "a=rtpmap:102 H264/90000"));
  g_assert_nonnull (strstr (answer_sdp, "a=rtpmap:109 OPUS/48000/2"));
  g_assert_nonnull (strstr (answer_sdp, "a=sendonly"));

  viewer->joined_at = g_get_monotonic_time ();
  g_assert_true (sl_peer_set_answer (viewer->peer, answer_sdp, &error));
  g_assert_no_error (error);
}

typedef struct {
  Counter *counter;
  gint     above;
} Rising;

static gboolean
counter_above (gpointer data)
{
  Rising *rising = data;

  return counter_get (rising->counter) > rising->above;
}

/* Waits until @counter has gone @by past its value now. */
static gboolean
counter_rises (Counter *counter,
               gint     by,
               guint    timeout_ms)
{
  Rising rising = { counter, counter_get (counter) + by - 1 };

  return wait_until (counter_above, &rising, timeout_ms);
}

/* --- Statistics --- */

static SlPeerStats
get_stats (SlPeer *peer)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SlPeerStats stats = { 0 };

  sl_peer_get_stats_async (peer, NULL, store_result_cb, &result);
  g_assert_true (sl_peer_get_stats_finish (peer, wait_result (&result), &stats, &error));
  g_assert_no_error (error);
  return stats;
}

/* --- Tests --- */

typedef struct {
  GPtrArray *to_peer;      /* "mline\ncandidate" waiting for the other side */
  SlPeer    *other;
  gboolean   ready;        /* the other side has its remote description */
  guint      n;
} Trickle;

static void
trickle_deliver (Trickle    *trickle,
                 guint       mline,
                 const char *candidate)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sl_peer_add_ice_candidate (trickle->other, mline, candidate, &error));
  g_assert_no_error (error);
}

static void
trickle_candidate_cb (SlPeer     *peer,
                      guint       mline,
                      const char *candidate,
                      Trickle    *trickle)
{
  trickle->n++;
  g_assert_true (g_str_has_prefix (candidate, "candidate:"));
  if (trickle->ready)
    trickle_deliver (trickle, mline, candidate);
  else
    g_ptr_array_add (trickle->to_peer, g_strdup_printf ("%u\n%s", mline, candidate));
}

static void
trickle_flush (Trickle *trickle)
{
  trickle->ready = TRUE;
  for (guint i = 0; i < trickle->to_peer->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (trickle->to_peer, i), "\n", 2);

      trickle_deliver (trickle, (guint) g_ascii_strtoull (parts[0], NULL, 10), parts[1]);
    }
  g_ptr_array_set_size (trickle->to_peer, 0);
}

static void
assert_finalized (gpointer *weak,
                  guint     n)
{
  for (guint i = 0; i < n; i++)
    {
      if (weak[i] != NULL)
        g_test_message ("object %u (%s) is still alive", i, G_OBJECT_TYPE_NAME (weak[i]));
      g_assert_null (weak[i]);
    }
}

/* Publisher → ingest with trickled candidates: no candidate in either
 * description, every one carried by "ice-candidate" and
 * sl_peer_add_ice_candidate(). */
static void
test_trickle (void)
{
  Publisher pub = { 0 };
  Server server = { 0 };
  Trickle to_server = { g_ptr_array_new_with_free_func (g_free), NULL, FALSE, 0 };
  Trickle to_pub = { g_ptr_array_new_with_free_func (g_free), NULL, FALSE, 0 };
  g_autofree char *offer_sdp = NULL;
  g_autofree char *answer_sdp = NULL;
  g_autoptr(GError) error = NULL;
  gpointer weak[4] = { NULL };
  GstElement *webrtcs[2];
  SlPeerStats stats;

  publisher_start (&pub, 30);
  server_start (&server);
  to_server.other = server.ingest;
  to_pub.other = pub.peer;
  g_signal_connect (pub.peer, "ice-candidate", G_CALLBACK (trickle_candidate_cb), &to_server);
  g_signal_connect (server.ingest, "ice-candidate", G_CALLBACK (trickle_candidate_cb), &to_pub);

  offer_sdp = offer (pub.peer, NULL, FALSE);
  answer_sdp = answer (server.ingest, offer_sdp, FALSE);
  trickle_flush (&to_server);
  g_assert_true (sl_peer_set_answer (pub.peer, answer_sdp, &error));
  g_assert_no_error (error);
  trickle_flush (&to_pub);

  g_assert_true (wait_until (peer_connected, pub.peer, TIMEOUT_MS));
  g_assert_true (wait_until (peer_connected, server.ingest, TIMEOUT_MS));
  g_assert_cmpuint (to_server.n, >, 0);
  g_assert_cmpuint (to_pub.n, >, 0);
  g_assert_true (counter_rises (&server.video_in, 10, TIMEOUT_MS));

  stats = get_stats (pub.peer);
  g_assert_cmpuint (stats.bytes_sent, >, 0);
  g_assert_cmpuint (stats.packets_sent, >, 0);
  stats = get_stats (server.ingest);
  g_assert_cmpuint (stats.bytes_received, >, 0);
  g_assert_cmpuint (stats.packets_received, >, 0);
  assert_no_pipeline_error ();

  webrtcs[0] = gst_object_ref (sl_peer_get_webrtcbin (pub.peer));
  webrtcs[1] = gst_object_ref (sl_peer_get_webrtcbin (server.ingest));
  sl_peer_close (pub.peer);
  sl_peer_close (server.ingest);
  g_assert_cmpint (sl_peer_get_state (pub.peer), ==, SL_PEER_CLOSED);
  g_assert_null (sl_peer_get_webrtcbin (pub.peer));
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpuint (webrtcs[i]->numsinkpads, ==, 0);
      g_assert_null (GST_OBJECT_PARENT (webrtcs[i]));
    }

  sl_forwarder_close (server.forwarder);
  pipeline_destroy (pub.pipeline);
  pipeline_destroy (server.pipeline);
  g_set_weak_pointer (&weak[0], webrtcs[0]);
  g_set_weak_pointer (&weak[1], webrtcs[1]);
  g_set_weak_pointer (&weak[2], pub.peer);
  g_set_weak_pointer (&weak[3], server.ingest);
  gst_object_unref (webrtcs[0]);
  gst_object_unref (webrtcs[1]);
  g_object_unref (pub.peer);
  g_object_unref (server.ingest);
  g_object_unref (server.forwarder);
  run_for (50);
  assert_finalized (weak, G_N_ELEMENTS (weak));
  assert_no_pipeline_error ();
  g_ptr_array_unref (to_server.to_peer);
  g_ptr_array_unref (to_pub.to_peer);
}

/* Blocks a pad for good, as a viewer link that stopped taking data. */
static GstPadProbeReturn
block_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  return GST_PAD_PROBE_OK;
}

typedef struct {
  Server   *server;
  guint     before;
} KeyUnits;

static gboolean
key_units_arrived (gpointer data)
{
  KeyUnits *ku = data;

  return (guint) g_atomic_int_get (&ku->server->upstream_key_units) > ku->before;
}

/* The whole media path with two viewers: keyframes on join, PT mapping,
 * the keyframe rate limit, a stalled viewer, removing an output, and a
 * clean teardown. */
static void
test_forward (void)
{
  Publisher pub = { 0 };
  Server server = { 0 };
  Viewer a = { 0 }, b = { 0 };
  g_autoptr(GstPad) blocked = NULL;
  GstElement *webrtcs[5];
  GstElement *pipelines[4];
  gpointer weak[13] = { NULL };
  guint n_weak = 0;
  guint requests_before;
  guint key_units_before;
  gint a_frames;
  guint64 a_dropped;
  gulong block_id;
  SlPeerStats stats;
  KeyUnits ku;

  /* A keyframe only every 10 s from the encoder: joins must not wait. */
  publisher_start (&pub, 300);
  server_start (&server);
  publish_non_trickle (&pub, &server);
  g_assert_true (wait_until (peer_connected, pub.peer, TIMEOUT_MS));
  g_assert_true (wait_until (peer_connected, server.ingest, TIMEOUT_MS));
  g_assert_true (counter_rises (&server.video_in, 1, TIMEOUT_MS));

  /* The first viewer decodes soon after its answer: the keyframe is asked
   * for when its link is up, so the rate limit never holds it back a
   * second (it did when asked for before, while DTLS was being set up). */
  requests_before = sl_forwarder_get_keyframe_requests (server.forwarder);
  viewer_join (&a, &server, "viewer-a");
  g_assert_true (wait_until (peer_connected, a.peer, TIMEOUT_MS));
  g_assert_true (wait_until (peer_connected, a.server_peer, TIMEOUT_MS));
  g_assert_true (counter_rises (&a.frames, 1, TIMEOUT_MS));
  g_test_message ("viewer a: first frame %" G_GINT64_FORMAT " ms after its answer",
                  (g_atomic_pointer_get (&a.frames.first_at) - a.joined_at) / 1000);
  g_assert_cmpint (g_atomic_pointer_get (&a.frames.first_at) - a.joined_at, <, JOIN_FIRST_FRAME_US);
  /* one request, made once the link was up, brought the first keyframe */
  g_assert_cmpuint (sl_forwarder_get_keyframe_requests (server.forwarder) - requests_before, ==, 1);

  /* So does the second, and the first goes on. */
  run_for (1100);
  viewer_join (&b, &server, "viewer-b");
  g_assert_true (counter_rises (&b.frames, 1, TIMEOUT_MS));
  g_test_message ("viewer b: first frame %" G_GINT64_FORMAT " ms after its answer",
                  (g_atomic_pointer_get (&b.frames.first_at) - b.joined_at) / 1000);
  g_assert_cmpint (g_atomic_pointer_get (&b.frames.first_at) - b.joined_at, <, JOIN_FIRST_FRAME_US);
  g_assert_true (counter_rises (&a.frames, 30, TIMEOUT_MS));
  g_assert_true (counter_rises (&b.audio, 20, TIMEOUT_MS));
  g_assert_cmpuint (sl_forwarder_get_n_outputs (server.forwarder), ==, 2);

  /* The keyframes came from the publisher's encoder, asked for over RTCP
   * (the server's webrtcbin turns the forwarder's request into PLI/FIR,
   * the publisher's into an upstream force-key-unit event). */
  g_assert_cmpint (g_atomic_int_get (&pub.key_unit_requests), >, 0);
  stats = get_stats (pub.peer);
  g_assert_cmpuint (stats.bytes_sent, >, 0);
  stats = get_stats (a.peer);
  g_assert_cmpuint (stats.bytes_received, >, 0);
  stats = get_stats (b.server_peer);
  g_assert_cmpuint (stats.bytes_sent, >, 0);

  /* 50 requests in 200 ms: at most 2 go upstream (one now, one at the
   * end of the interval). */
  run_for (1100);
  requests_before = sl_forwarder_get_keyframe_requests (server.forwarder);
  key_units_before = g_atomic_int_get (&server.upstream_key_units);
  for (guint i = 0; i < 50; i++)
    {
      sl_forwarder_request_keyframe (server.forwarder);
      run_for (4);
    }
  ku.server = &server;
  ku.before = key_units_before;
  g_assert_true (wait_until (key_units_arrived, &ku, TIMEOUT_MS));
  run_for (SL_FORWARDER_KEYFRAME_INTERVAL_MS + 300);
  g_assert_cmpuint (sl_forwarder_get_keyframe_requests (server.forwarder) - requests_before, >=, 1);
  g_assert_cmpuint (sl_forwarder_get_keyframe_requests (server.forwarder) - requests_before, <=, 2);
  g_assert_cmpuint (g_atomic_int_get (&server.upstream_key_units) - key_units_before, <=, 2);

  /* Viewer b's link on the server stops taking data: its queue drops,
   * viewer a goes on. */
  a_dropped = sl_forwarder_output_get_dropped (a.output);
  blocked = gst_element_get_static_pad (sl_peer_get_webrtcbin (b.server_peer), "sink_0");
  g_assert_nonnull (blocked);
  block_id = gst_pad_add_probe (blocked, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, block_probe_cb, NULL, NULL);
  run_for (1500);
  g_assert_cmpuint (sl_forwarder_output_get_dropped (b.output), >, 0);
  g_assert_true (counter_rises (&a.frames, 30, TIMEOUT_MS));
  g_assert_cmpuint (sl_forwarder_output_get_dropped (a.output), ==, a_dropped);

  /* Removing the stalled output leaves viewer a decoding. */
  sl_forwarder_remove_output (server.forwarder, b.output);
  b.output = NULL;
  g_assert_cmpuint (sl_forwarder_get_n_outputs (server.forwarder), ==, 1);
  (void) block_id;
  a_frames = counter_get (&a.frames);
  g_assert_true (counter_rises (&a.frames, 30, TIMEOUT_MS));
  g_assert_cmpint (counter_get (&a.frames), >, a_frames);
  assert_no_pipeline_error ();

  /* Teardown: peers closed, pipelines stopped, nothing left behind.
   * Viewer a's server link is closed before its output is removed, the
   * wrong order a caller may still use. */
  webrtcs[0] = gst_object_ref (sl_peer_get_webrtcbin (pub.peer));
  webrtcs[1] = gst_object_ref (sl_peer_get_webrtcbin (server.ingest));
  webrtcs[2] = gst_object_ref (sl_peer_get_webrtcbin (a.server_peer));
  webrtcs[3] = gst_object_ref (sl_peer_get_webrtcbin (b.server_peer));
  webrtcs[4] = gst_object_ref (sl_peer_get_webrtcbin (a.peer));
  sl_peer_close (a.server_peer);
  sl_forwarder_remove_output (server.forwarder, a.output);
  sl_peer_close (b.server_peer);
  sl_peer_close (server.ingest);
  sl_peer_close (pub.peer);
  sl_peer_close (a.peer);
  sl_peer_close (b.peer);
  sl_forwarder_close (server.forwarder);
  for (guint i = 0; i < G_N_ELEMENTS (webrtcs); i++)
    {
      g_assert_cmpuint (webrtcs[i]->numsinkpads, ==, 0);
      g_assert_null (GST_OBJECT_PARENT (webrtcs[i]));
    }

  pipelines[0] = pub.pipeline;
  pipelines[1] = server.pipeline;
  pipelines[2] = a.pipeline;
  pipelines[3] = b.pipeline;
  for (guint i = 0; i < G_N_ELEMENTS (pipelines); i++)
    {
      g_set_weak_pointer (&weak[n_weak++], pipelines[i]);
      pipeline_destroy (pipelines[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (webrtcs); i++)
    {
      g_set_weak_pointer (&weak[n_weak++], webrtcs[i]);
      gst_object_unref (webrtcs[i]);
    }
  {
    GObject *objects[] = {
      G_OBJECT (pub.peer), G_OBJECT (server.ingest), G_OBJECT (a.peer),
      G_OBJECT (b.server_peer),
    };

    for (guint i = 0; i < G_N_ELEMENTS (objects); i++)
      {
        g_set_weak_pointer (&weak[n_weak++], objects[i]);
        g_object_unref (objects[i]);
      }
  }
  g_object_unref (a.server_peer);
  g_object_unref (b.peer);
  g_object_unref (server.forwarder);
  g_assert_cmpuint (n_weak, <=, G_N_ELEMENTS (weak));
  run_for (50);
  assert_finalized (weak, n_weak);
  assert_no_pipeline_error ();
}

static void
closed_result_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sdp = sl_peer_offer_finish (SL_PEER (source), result, &error);
  gboolean *done = data;

  g_assert_null (sdp);
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED);
  *done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* Closing with an offer in flight fails it with SL_MEDIA_ERROR_CLOSED,
 * after close returns; bad input is refused with a clear error. */
static void
test_close_and_errors (void)
{
  g_autoptr(GstElement) pipeline = pipeline_new (NULL);
  g_autoptr(GstCaps) caps = gst_caps_from_string (
    "application/x-rtp,media=video,encoding-name=H264,clock-rate=90000,payload=96");
  GstCaps *recv_caps[] = { caps, NULL };
  g_autoptr(SlPeer) peer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  gpointer weak = NULL;

  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  peer = sl_peer_new (GST_BIN (pipeline), NULL, loopback);

  g_assert_false (sl_peer_add_ice_candidate (peer, 0, "not a candidate", &error));
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION);
  g_clear_error (&error);
  g_assert_false (sl_peer_add_ice_candidate (peer, 0, "candidate:1 1 UDP 1 127.0.0.1 9\r\nv=0", &error));
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION);
  g_clear_error (&error);
  g_assert_true (sl_peer_add_ice_candidate (peer, 0, "", &error));
  g_assert_no_error (error);
  g_assert_false (sl_peer_set_answer (peer, "not sdp at all", &error));
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION);
  g_clear_error (&error);

  sl_peer_offer_async (peer, recv_caps, TRUE, NULL, closed_result_cb, &done);
  sl_peer_close (peer);
  g_assert_false (done);
  g_assert_true (wait_until (flag_set, &done, TIMEOUT_MS));
  sl_peer_close (peer);   /* idempotent */

  g_assert_false (sl_peer_set_answer (peer, "v=0\r\n", &error));
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED);
  g_clear_error (&error);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_set_weak_pointer (&weak, peer);
  g_clear_object (&peer);
  run_for (20);
  g_assert_null (weak);
  g_clear_pointer (&pipeline, pipeline_destroy);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  static const char *const needed[] = {
    "webrtcbin", "nicesrc", "x264enc", "avdec_h264", "opusenc", "rtph264pay", NULL,
  };
  int ret;

  g_test_init (&argc, &argv, NULL);
  sl_media_init ();
  if (!sl_media_check_elements (needed, &error))
    g_error ("%s", error->message);

  g_test_add_func ("/peer/close-and-errors", test_close_and_errors);
  g_test_add_func ("/peer/trickle", test_trickle);
  g_test_add_func ("/peer/forward", test_forward);
  ret = g_test_run ();
  g_free (pipeline_error);
  gst_deinit ();
  return ret;
}
