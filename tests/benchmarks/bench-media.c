/* bench-media.c: WHIP publisher, WHEP viewers and HLS player that time and load a running streamlet-server
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-media"

#include "config.h"

#include "sl-media.h"
#include "sl-peer.h"

#include <glib-unix.h>
#include <gst/app/gstappsink.h>
#include <gst/video/video.h>
#include <libsoup/soup.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Usage (run by tests/benchmarks/bench-media, inside its private network):
 *
 *   bench-media latency --server URL --class ID --key KEY --token STUDENT_TOKEN [--seconds S]
 *                       [--extra-delay-ms MS]
 *       publishes a 640x360 30 fps picture by WHIP with the frame number
 *       drawn into it as a barcode, watches it by WHEP and by HLS in this
 *       process, and prints the capture-to-decoded latency of both:
 *         webrtc_latency_ms median=… p95=… min=… max=… n=… unreadable=…
 *           unknown=… stale=… split=…
 *         hls_latency_ms median=… p95=… …
 *       and webrtcbin's packet counts of the publisher and the viewer.
 *       --extra-delay-ms is a self-check of the method: a queue holding
 *       the decoded frames that long before each sink, which should raise
 *       both medians by as much.
 *   bench-media viewers --server URL --class ID --token T --count N [--seconds S]
 *                       [--server-pid PID] [--expect-kbps K]
 *       opens N WHEP viewers (no decoding), holds them, prints how many
 *       connected, the bitrate each received, and the CPU of this process
 *       and of the server (PID) over the window.
 *   bench-media publish --server URL --class ID --key KEY --width W --height H
 *                       --bitrate KBPS [--seconds S]
 *       publishes only (H.264 + Opus) until S seconds pass or SIGTERM.
 *
 * Every line of figures is `name key=value …` so that the driver can read
 * it.  The clients' ICE is pinned to --ice-address (10.231.0.2, the client
 * end of the driver's veth pair). */

#define DEFAULT_ICE_ADDRESS "10.231.0.2"
#define FRAME_RATE          30
#define KEYFRAME_INTERVAL   30        /* 1 s, like the server's HLS segments */
#define CONNECT_TIMEOUT_S   20
#define HTTP_TIMEOUT_S      30

/* The barcode: 20 blocks of 32x32 pixels across the top of the Y plane,
 * white for 1 and black for 0; the low 16 bits are the frame number, the
 * high 4 a check so that a smeared or half-decoded frame is not misread. */
#define BAR_BITS   20
#define BAR_BLOCK  32
#define BAR_FRAMES 65536

#define BENCH_ERROR (bench_error_quark ())
static GQuark bench_error_quark (void);
typedef enum {
  BENCH_ERROR_USAGE,
  BENCH_ERROR_HTTP,        /* the server answered with an unexpected status */
  BENCH_ERROR_TIMEOUT,     /* a connection or a stream did not come in time */
  BENCH_ERROR_MEDIA,       /* a pipeline failed */
} BenchError;

G_DEFINE_QUARK (bench-media-error-quark, bench_error)

typedef struct {
  char    *server;
  int      class_id;
  char    *key;
  char    *token;
  int      seconds;
  int      count;
  int      width;
  int      height;
  int      bitrate;
  int      server_pid;
  double   expect_kbps;
  char    *ice_address;
  int      delay_ms;
} Options;

typedef struct {
  Options      opt;
  SoupSession *session;
  const char  *ice[2];
} Bench;

/* ---- small helpers ------------------------------------------------------- */

static gboolean
timeout_flag_cb (gpointer data)
{
  gboolean *flag = data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for @seconds. */
static void
run_for (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), timeout_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* Sorts @values and gives their median and 95th percentile (nearest rank). */
static void
summarise (GArray *values,
           double *median,
           double *p95)
{
  guint n = values->len;

  *median = *p95 = NAN;
  if (n == 0)
    return;
  g_array_sort (values, compare_doubles);
  *median = n % 2 == 1
    ? g_array_index (values, double, n / 2)
    : (g_array_index (values, double, n / 2 - 1) + g_array_index (values, double, n / 2)) / 2;
  *p95 = g_array_index (values, double, MIN (n - 1, (guint) ceil (0.95 * n) - 1));
}

/* utime + stime of @pid ("self" when 0) in seconds, or -1. */
static double
process_cpu_seconds (int pid)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/stat", pid)
                                  : g_strdup ("/proc/self/stat");
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may hold spaces: fields are counted after its ')'. */
  after = strrchr (text, ')');
  if (after == NULL)
    return -1;
  fields = g_strsplit (after + 2, " ", 0);
  /* after ')': state is field 3, so utime (14) and stime (15) are 11 and 12 */
  if (g_strv_length (fields) < 13)
    return -1;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         (double) sysconf (_SC_CLK_TCK);
}

static gsize
probe_info_size (GstPadProbeInfo *info)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    return gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    return gst_buffer_list_calculate_size (GST_PAD_PROBE_INFO_BUFFER_LIST (info));
  return 0;
}

/* Adds up the bytes going through a pad (RTP packets) in a gsize. */
static GstPadProbeReturn
count_bytes_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         data)
{
  gsize *bytes = data;

  g_atomic_pointer_add (bytes, (gssize) probe_info_size (info));
  return GST_PAD_PROBE_OK;
}

static void
count_bytes (GstPad *pad,
             gsize  *bytes)
{
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     count_bytes_probe_cb, bytes, NULL);
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    data)
{
  const char *what = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      gst_message_parse_error (message, &error, &debug);
      g_printerr ("bench-media: %s: error from %s: %s\n%s\n", what,
                  GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message,
                  debug != NULL ? debug : "");
      break;
    case GST_MESSAGE_WARNING:
      gst_message_parse_warning (message, &error, &debug);
      g_printerr ("bench-media: %s: warning from %s: %s\n", what,
                  GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), error->message);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static GstElement *
new_pipeline (const char *name)
{
  GstElement *pipeline = gst_pipeline_new (name);
  g_autoptr(GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (pipeline));

  gst_bus_add_watch (bus, bus_cb, (gpointer) g_intern_string (name));
  return pipeline;
}

static void
stop_pipeline (GstElement **pipeline)
{
  g_autoptr(GstBus) bus = NULL;

  if (*pipeline == NULL)
    return;
  gst_element_set_state (*pipeline, GST_STATE_NULL);
  bus = gst_pipeline_get_bus (GST_PIPELINE (*pipeline));
  gst_bus_remove_watch (bus);
  g_clear_pointer (pipeline, gst_object_unref);
}

/* ---- HTTP ------------------------------------------------------------------ */

/* Sends one request and reads the whole answer.  Returns the body (never
 * NULL on success) and sets *@status and, when asked, the absolute
 * Location. */
static GBytes *
http_request (Bench       *b,
              const char  *method,
              const char  *url,
              const char  *token,
              const char  *content_type,
              const char  *body,
              guint       *status,
              char       **location,
              GError     **error)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) reply = NULL;
  const char *loc;

  if (msg == NULL)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_USAGE, "not a URL: %s", url);
      return NULL;
    }
  if (token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, content_type, bytes);
    }
  reply = soup_session_send_and_read (b->session, msg, NULL, error);
  if (reply == NULL)
    {
      g_prefix_error (error, "%s %s: ", method, url);
      return NULL;
    }
  *status = soup_message_get_status (msg);
  loc = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location != NULL)
    *location = loc != NULL ? g_uri_resolve_relative (url, loc, G_URI_FLAGS_NONE, NULL) : NULL;
  return g_steal_pointer (&reply);
}

/* ---- negotiation ------------------------------------------------------------ */

typedef struct {
  gboolean  done;
  char     *sdp;
  GError   *error;
} OfferWait;

static void
offered_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  OfferWait *wait = data;

  wait->sdp = sl_peer_offer_finish (SL_PEER (source), result, &wait->error);
  wait->done = TRUE;
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

/* Offers (every candidate gathered), POSTs the offer to @url, applies the
 * answer.  Returns the session's absolute URL (the Location). */
static char *
negotiate (Bench       *b,
           SlPeer      *peer,
           GstCaps    **recv_caps,
           const char  *url,
           const char  *token,
           guint       *status,
           GError     **error)
{
  OfferWait wait = { FALSE, NULL, NULL };
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *offer = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *location = NULL;
  g_autoptr(GBytes) reply = NULL;
  guint timeout_id;
  gsize length;
  const char *data;

  timeout_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, cancel_cb, cancellable);
  sl_peer_offer_async (peer, (GstCaps *const *) recv_caps, TRUE, cancellable, offered_cb, &wait);
  while (!wait.done)
    g_main_context_iteration (NULL, TRUE);
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timeout_id);
  if (wait.sdp == NULL)
    {
      g_propagate_prefixed_error (error, wait.error, "making the offer: ");
      return NULL;
    }
  offer = wait.sdp;
  g_debug ("offer to %s:\n%s", url, offer);

  *status = 0;
  reply = http_request (b, "POST", url, token, "application/sdp", offer, status, &location, error);
  if (reply == NULL)
    return NULL;
  data = g_bytes_get_data (reply, &length);
  if (*status != SOUP_STATUS_CREATED || location == NULL)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_HTTP, "POST %s: %u %.*s", url, *status,
                   (int) MIN (length, 300), data != NULL ? data : "");
      return NULL;
    }
  answer = g_strndup (data, length);
  g_debug ("answer from %s:\n%s", url, answer);
  if (!sl_peer_set_answer (peer, answer, error))
    {
      g_prefix_error (error, "the answer to POST %s was refused: ", url);
      return NULL;
    }
  return g_steal_pointer (&location);
}

/* Runs the main context until every peer of @peers is connected, one has
 * failed, or @timeout_s pass.  Returns how many are connected. */
static guint
wait_connected (GPtrArray *peers,
                guint      timeout_s)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  guint connected = 0;

  while (g_get_monotonic_time () < until)
    {
      connected = 0;
      for (guint i = 0; i < peers->len; i++)
        if (sl_peer_get_state (g_ptr_array_index (peers, i)) == SL_PEER_CONNECTED)
          connected++;
      if (connected == peers->len)
        break;
      run_for (0.05);
    }
  return connected;
}

static gboolean
wait_peer_connected (SlPeer  *peer,
                     GError **error)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, peer);
  if (wait_connected (one, CONNECT_TIMEOUT_S) == 1)
    return TRUE;
  g_set_error (error, BENCH_ERROR, BENCH_ERROR_TIMEOUT, "not connected within %d s (state %s)",
               CONNECT_TIMEOUT_S, sl_peer_state_to_string (sl_peer_get_state (peer)));
  return FALSE;
}

static void
stats_ready_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

/* Prints `NAME_rtp key=value …`: webrtcbin's figures for @peer (packets
 * lost are the inbound streams' own, keyframe requests are the remote's). */
static void
print_peer_stats (SlPeer     *peer,
                  const char *name)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  SlPeerStats stats = { 0 };

  sl_peer_get_stats_async (peer, NULL, stats_ready_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!sl_peer_get_stats_finish (peer, result, &stats, &error))
    {
      g_printerr ("bench-media: statistics of %s: %s\n", name, error->message);
      return;
    }
  g_print ("%s_rtp packets_sent=%" G_GUINT64_FORMAT " packets_received=%" G_GUINT64_FORMAT
           " packets_lost=%" G_GINT64_FORMAT " pli_received=%u nack_received=%u jitter_ms=%.1f"
           " rtt_ms=%.1f\n", name, stats.packets_sent, stats.packets_received, stats.packets_lost,
           stats.pli_received, stats.nack_received, stats.jitter_ms, stats.rtt_ms);
}

static void
delete_session (Bench      *b,
                const char *location,
                const char *token)
{
  g_autoptr(GBytes) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  if (location == NULL)
    return;
  reply = http_request (b, "DELETE", location, token, NULL, NULL, &status, NULL, &error);
  if (reply == NULL)
    g_printerr ("bench-media: %s\n", error->message);
}

static GstCaps **
viewer_caps (void)
{
  GstCaps **caps = g_new0 (GstCaps *, 3);

  caps[0] = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,payload=102,"
                                  "clock-rate=90000,packetization-mode=(string)1,"
                                  "profile-level-id=(string)42e01f");
  caps[1] = gst_caps_from_string ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
                                  "clock-rate=48000");
  return caps;
}

static void
caps_array_free (GstCaps **caps)
{
  for (GstCaps **c = caps; *c != NULL; c++)
    gst_caps_unref (*c);
  g_free (caps);
}

/* A NULL-terminated array of caps, for g_autoptr(CapsList). */
typedef GstCaps *CapsList;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CapsList, caps_array_free)

static const char *
pad_encoding (GstPad *pad)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  const char *encoding;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps))
    return "";
  encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  return encoding != NULL ? g_intern_string (encoding) : "";
}

/* Adds @description (a bin with ghost pads) to @pipeline, brings it to the
 * pipeline's state and links @pad to its sink.  Returns the bin (owned by
 * the pipeline). */
static GstElement *
add_and_link (GstElement *pipeline,
              GstPad     *pad,
              const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sink = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);

  if (bin == NULL)
    {
      g_printerr ("bench-media: cannot make “%s”: %s\n", description, error->message);
      return NULL;
    }
  gst_bin_add (GST_BIN (pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_printerr ("bench-media: cannot link %s to “%s”\n", GST_PAD_NAME (pad), description);
  return bin;
}

/* ---- the barcode --------------------------------------------------------- */

static guint
barcode_check (guint n)
{
  return ((n ^ (n >> 4) ^ (n >> 8) ^ (n >> 12)) & 0xf) ^ 0x5;
}

static void
barcode_write (GstVideoFrame *frame,
               guint          n)
{
  guint value = (n & 0xffff) | (barcode_check (n & 0xffff) << 16);
  guint8 *y = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  int stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);

  for (guint bit = 0; bit < BAR_BITS; bit++)
    for (guint row = 0; row < BAR_BLOCK; row++)
      memset (y + row * stride + bit * BAR_BLOCK, (value >> bit) & 1 ? 235 : 16, BAR_BLOCK);
}

/* The frame number in @frame, or -1 when the barcode does not read. */
static int
barcode_read (GstVideoFrame *frame)
{
  const guint8 *y = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  int stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);
  guint value = 0;

  if (GST_VIDEO_FRAME_COMP_WIDTH (frame, 0) < BAR_BITS * BAR_BLOCK ||
      GST_VIDEO_FRAME_COMP_HEIGHT (frame, 0) < BAR_BLOCK)
    return -1;
  for (guint bit = 0; bit < BAR_BITS; bit++)
    {
      guint sum = 0;

      /* the middle 16x16 of the block, away from the edges' ringing */
      for (guint row = BAR_BLOCK / 4; row < BAR_BLOCK * 3 / 4; row++)
        for (guint col = BAR_BLOCK / 4; col < BAR_BLOCK * 3 / 4; col++)
          sum += y[row * stride + bit * BAR_BLOCK + col];
      if (sum / ((BAR_BLOCK / 2) * (BAR_BLOCK / 2)) > 128)
        value |= 1u << bit;
    }
  if ((value >> 16) != barcode_check (value & 0xffff))
    return -1;
  return (int) (value & 0xffff);
}

/* ---- the publisher --------------------------------------------------------- */

typedef struct {
  GstElement   *pipeline;
  SlPeer       *peer;
  char         *location;
  gsize         bytes_sent;        /* atomically, RTP bytes into webrtcbin */
  /* the barcode (latency mode) */
  GstVideoInfo  info;
  guint         frames;            /* streaming thread only */
  GMutex        lock;
  gint64       *capture_us;        /* [BAR_FRAMES], under lock; 0: not sent */
} Publisher;

static GstPadProbeReturn
stamp_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  Publisher *pub = data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstVideoFrame frame;
  guint n;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_video_frame_map (&frame, &pub->info, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  n = pub->frames++ % BAR_FRAMES;
  barcode_write (&frame, n);
  gst_video_frame_unmap (&frame);

  g_mutex_lock (&pub->lock);
  pub->capture_us[n] = g_get_monotonic_time ();
  g_mutex_unlock (&pub->lock);
  return GST_PAD_PROBE_OK;
}

/* When the frame numbered @n went into the encoder (monotonic µs), or 0. */
static gint64
publisher_capture_time (Publisher *pub,
                        guint      n)
{
  gint64 t;

  g_mutex_lock (&pub->lock);
  t = pub->capture_us[n % BAR_FRAMES];
  g_mutex_unlock (&pub->lock);
  return t;
}

static GstElement *
publisher_add_source (Publisher  *pub,
                      const char *description,
                      GError    **error)
{
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, error);
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstElement) webrtc = NULL;

  if (bin == NULL)
    return NULL;
  gst_bin_add (GST_BIN (pub->pipeline), bin);
  webrtc = gst_object_ref (sl_peer_get_webrtcbin (pub->peer));
  src = gst_element_get_static_pad (bin, "src");
  sink = gst_element_request_pad_simple (webrtc, "sink_%u");
  if (sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, BENCH_ERROR, BENCH_ERROR_MEDIA, "cannot link “%s” to webrtcbin",
                   description);
      return NULL;
    }
  count_bytes (src, &pub->bytes_sent);
  return bin;
}

static void
publisher_free (Publisher *pub)
{
  if (pub == NULL)
    return;
  if (pub->peer != NULL)
    sl_peer_close (pub->peer);
  stop_pipeline (&pub->pipeline);
  g_clear_object (&pub->peer);
  g_free (pub->location);
  g_free (pub->capture_us);
  g_mutex_clear (&pub->lock);
  g_free (pub);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Publisher, publisher_free)

/* Publishes @width x @height at 30 fps, H.264 at @kbps, and Opus; with the
 * barcode when @stamp.  Returns once the peer is connected. */
static Publisher *
publisher_start (Bench     *b,
                 int        width,
                 int        height,
                 int        kbps,
                 gboolean   stamp,
                 GError   **error)
{
  g_autoptr(Publisher) pub = g_new0 (Publisher, 1);
  g_autofree char *video = NULL;
  g_autofree char *url = NULL;
  GstElement *bin;
  guint status;

  g_mutex_init (&pub->lock);
  pub->capture_us = g_new0 (gint64, BAR_FRAMES);
  gst_video_info_set_format (&pub->info, GST_VIDEO_FORMAT_I420, (guint) width, (guint) height);

  /* Moving SMPTE bars keep x264 near the asked bitrate (a still picture
   * would need a tenth of it).  x264 writes SPS and PPS in-band before
   * every IDR (byte-stream), without access unit delimiters, and the
   * payloader sends them as they come, like a browser.  The payloader's
   * own config-interval=-1 is not used: in GStreamer 1.22 it puts another
   * SPS/PPS before the IDR slices, which makes the receiver's depayloader
   * cut every keyframe into two access units, and the decoder then shows
   * a damaged picture until the next keyframe. */
  video = g_strdup_printf (
    "videotestsrc is-live=true pattern=smpte horizontal-speed=4 ! "
    "video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1 ! "
    "x264enc name=enc tune=zerolatency speed-preset=ultrafast bitrate=%d key-int-max=%d aud=false ! "
    "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
    "rtph264pay config-interval=0 pt=96 ! "
    "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,payload=96,clock-rate=90000\"",
    width, height, FRAME_RATE, kbps, KEYFRAME_INTERVAL);

  pub->pipeline = new_pipeline ("publisher");
  pub->peer = sl_peer_new (GST_BIN (pub->pipeline), "publisher", b->ice);
  bin = publisher_add_source (pub, video, error);
  if (bin == NULL)
    return NULL;
  if (stamp)
    {
      g_autoptr(GstElement) enc = gst_bin_get_by_name (GST_BIN (bin), "enc");
      g_autoptr(GstPad) enc_sink = gst_element_get_static_pad (enc, "sink");

      gst_pad_add_probe (enc_sink, GST_PAD_PROBE_TYPE_BUFFER, stamp_probe_cb, pub, NULL);
    }
  if (publisher_add_source (pub,
                            "audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! "
                            "audioresample ! opusenc ! rtpopuspay pt=111 ! "
                            "capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,"
                            "payload=111,clock-rate=48000\"", error) == NULL)
    return NULL;
  if (gst_element_set_state (pub->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, BENCH_ERROR, BENCH_ERROR_MEDIA, "the publisher would not play");
      return NULL;
    }

  url = g_strdup_printf ("%s/whip/%d", b->opt.server, b->opt.class_id);
  pub->location = negotiate (b, pub->peer, NULL, url, b->opt.key, &status, error);
  if (pub->location == NULL || !wait_peer_connected (pub->peer, error))
    {
      g_prefix_error (error, "publishing: ");
      return NULL;
    }
  return g_steal_pointer (&pub);
}

/* ---- latency: decoded frames against capture times ---------------------- */

typedef struct {
  const char *name;
  Publisher  *pub;
  GMutex      lock;
  GArray     *latency_ms;    /* double, under lock; after the warm-up */
  gint64      first_us;      /* first decoded frame, under lock */
  int         last_n;        /* the last frame number read, or -1 */
  GstClockTime last_pts;
  guint       decoded;
  guint       unreadable;
  guint       unknown;
  guint       stale;         /* a number not above the last one read */
  guint       split;         /* a frame with the timestamp of the one before */
} Clock;

#define CLOCK_WARMUP_US (2 * G_USEC_PER_SEC)

static GstFlowReturn
clock_new_sample_cb (GstAppSink *appsink,
                     gpointer    data)
{
  Clock *clock = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (appsink);
  gint64 now = g_get_monotonic_time ();
  GstVideoInfo info;
  GstVideoFrame frame;
  gint64 captured = 0;
  GstClockTime pts;
  int n = -1;

  if (sample == NULL)
    return GST_FLOW_EOS;
  if (gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) &&
      gst_video_frame_map (&frame, &info, gst_sample_get_buffer (sample), GST_MAP_READ))
    {
      n = barcode_read (&frame);
      gst_video_frame_unmap (&frame);
    }
  if (n >= 0)
    captured = publisher_capture_time (clock->pub, (guint) n);
  pts = GST_BUFFER_PTS (gst_sample_get_buffer (sample));

  g_mutex_lock (&clock->lock);
  clock->decoded++;
  if (clock->first_us == 0)
    clock->first_us = now;
  /* One picture per access unit: two with one timestamp are an access
   * unit cut in two on the way (each half decoded as a damaged picture). */
  if (GST_CLOCK_TIME_IS_VALID (pts) && pts == clock->last_pts)
    clock->split++;
  clock->last_pts = pts;
  if (n < 0)
    clock->unreadable++;
  else if (clock->last_n >= 0 && n <= clock->last_n && clock->last_n - n < BAR_FRAMES / 2)
    /* A number already shown: a picture whose top was not redrawn (a
     * decoder concealing damage), not this frame's. */
    clock->stale++;
  else if (captured == 0 || captured > now)
    clock->unknown++;
  else if (now - clock->first_us >= CLOCK_WARMUP_US)
    {
      double ms = (double) (now - captured) / 1000.0;

      g_array_append_val (clock->latency_ms, ms);
    }
  if (n >= 0 && (clock->last_n < 0 || n > clock->last_n || clock->last_n - n >= BAR_FRAMES / 2))
    clock->last_n = n;
  g_mutex_unlock (&clock->lock);
  return GST_FLOW_OK;
}

static void
clock_init (Clock      *clock,
            const char *name,
            Publisher  *pub)
{
  clock->name = name;
  clock->pub = pub;
  clock->last_n = -1;
  clock->last_pts = GST_CLOCK_TIME_NONE;
  g_mutex_init (&clock->lock);
  clock->latency_ms = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
clock_clear (Clock *clock)
{
  g_mutex_clear (&clock->lock);
  g_clear_pointer (&clock->latency_ms, g_array_unref);
}

/* Adds "videoconvert ! I420 ! appsink" to @pipeline, timed by @clock, and
 * links @pad (raw video, or H.264 RTP when @rtp) to it. */
static void
clock_attach (Clock      *clock,
              GstElement *pipeline,
              GstPad     *pad,
              gboolean    rtp,
              gboolean    sync,
              guint       delay_ms)
{
  GstAppSinkCallbacks callbacks = { .new_sample = clock_new_sample_cb };
  g_autofree char *delay = delay_ms == 0 ? g_strdup ("")
    : g_strdup_printf ("queue max-size-buffers=0 max-size-bytes=0 max-size-time=0 "
                       "min-threshold-time=%" G_GUINT64_FORMAT " ! ",
                       (guint64) delay_ms * GST_MSECOND);
  g_autofree char *description = g_strdup_printf (
    "%s videoconvert ! video/x-raw,format=I420 ! %sappsink name=sink sync=%s max-buffers=4",
    rtp ? "rtph264depay ! h264parse ! avdec_h264 !" : "", delay, sync ? "true" : "false");
  GstElement *bin = add_and_link (pipeline, pad, description);
  g_autoptr(GstElement) sink = NULL;

  if (bin == NULL)
    return;
  sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, clock, NULL);
}

static void
clock_report (Clock *clock)
{
  g_autoptr(GArray) values = NULL;
  double median, p95, min = NAN, max = NAN;
  guint decoded, unreadable, unknown, stale, split;

  g_mutex_lock (&clock->lock);
  values = g_array_copy (clock->latency_ms);
  decoded = clock->decoded;
  unreadable = clock->unreadable;
  unknown = clock->unknown;
  stale = clock->stale;
  split = clock->split;
  g_mutex_unlock (&clock->lock);

  summarise (values, &median, &p95);
  if (values->len > 0)
    {
      min = g_array_index (values, double, 0);
      max = g_array_index (values, double, values->len - 1);
    }
  g_print ("%s_latency_ms median=%.1f p95=%.1f min=%.1f max=%.1f n=%u decoded=%u "
           "unreadable=%u unknown=%u stale=%u split=%u\n",
           clock->name, median, p95, min, max, values->len, decoded, unreadable, unknown,
           stale, split);
}

typedef struct {
  GstElement *pipeline;
  Clock      *clock;
  guint       delay_ms;     /* the self-check's added delay */
} ClockedPipeline;

static void
whep_pad_added_cb (SlPeer          *peer,
                   GstPad          *pad,
                   ClockedPipeline *cp)
{
  if (g_str_equal (pad_encoding (pad), "H264"))
    clock_attach (cp->clock, cp->pipeline, pad, TRUE, FALSE, cp->delay_ms);
  else
    add_and_link (cp->pipeline, pad, "fakesink sync=false async=false");
}

static void
hls_pad_added_cb (GstElement      *decodebin,
                  GstPad          *pad,
                  ClockedPipeline *cp)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && !gst_caps_is_empty (caps) &&
      g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "video/"))
    clock_attach (cp->clock, cp->pipeline, pad, FALSE, TRUE, cp->delay_ms);
  else
    add_and_link (cp->pipeline, pad, "fakesink sync=true async=false");
}

/* Waits (up to @timeout_s) for the live playlist to list @min_segments
 * segments. */
static gboolean
wait_hls_playlist (Bench       *b,
                   const char  *url,
                   guint        min_segments,
                   guint        timeout_s,
                   GError     **error)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  guint status = 0;
  guint segments = 0;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(GBytes) body = http_request (b, "GET", url, NULL, NULL, NULL, &status, NULL, NULL);

      if (body != NULL && status == SOUP_STATUS_OK && g_bytes_get_size (body) > 0)
        {
          g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
          const char *p = text;

          segments = 0;
          while ((p = strstr (p, "#EXTINF")) != NULL)
            {
              segments++;
              p++;
            }
          if (segments >= min_segments)
            return TRUE;
        }
      run_for (0.25);
    }
  g_set_error (error, BENCH_ERROR, BENCH_ERROR_TIMEOUT,
               "GET %s: no playlist with %u segments within %u s (last status %u, %u segments)",
               url, min_segments, timeout_s, status, segments);
  return FALSE;
}

static int
run_latency (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Publisher) pub = NULL;
  g_autoptr(CapsList) recv = viewer_caps ();
  g_autofree char *whep_url = g_strdup_printf ("%s/whep/%d", b->opt.server, b->opt.class_id);
  g_autofree char *hls_url = g_strdup_printf ("%s/hls/%d/index.m3u8", b->opt.server, b->opt.class_id);
  g_autofree char *whep_location = NULL;
  Clock webrtc_clock = { 0 }, hls_clock = { 0 };
  ClockedPipeline whep = { NULL, &webrtc_clock, (guint) b->opt.delay_ms };
  ClockedPipeline hls = { NULL, &hls_clock, (guint) b->opt.delay_ms };
  g_autoptr(SlPeer) viewer = NULL;
  GstElement *decodebin;
  guint status;
  int ret = 1;

  pub = publisher_start (b, 640, 360, 1000, TRUE, &error);
  if (pub == NULL)
    {
      g_printerr ("bench-media: %s\n", error->message);
      return 1;
    }
  g_print ("publishing 640x360 30 fps 1000 kbps with a barcode: %s\n", pub->location);
  if (b->opt.delay_ms > 0)
    g_print ("self-check: %d ms of queue added before each viewer's sink\n", b->opt.delay_ms);
  clock_init (&webrtc_clock, "webrtc", pub);
  clock_init (&hls_clock, "hls", pub);
  /* WHEP answers 503 until the server has the stream: the first HLS
   * segment shows it has. */
  if (!wait_hls_playlist (b, hls_url, 1, 30, &error))
    {
      g_printerr ("bench-media: %s\n", error->message);
      goto out;
    }

  whep.pipeline = new_pipeline ("whep-viewer");
  viewer = sl_peer_new (GST_BIN (whep.pipeline), "viewer", b->ice);
  g_signal_connect (viewer, "pad-added", G_CALLBACK (whep_pad_added_cb), &whep);
  gst_element_set_state (whep.pipeline, GST_STATE_PLAYING);
  whep_location = negotiate (b, viewer, recv, whep_url, b->opt.token, &status, &error);
  if (whep_location == NULL || !wait_peer_connected (viewer, &error))
    {
      g_printerr ("bench-media: watching by WHEP: %s\n", error->message);
      goto out;
    }
  g_print ("watching by WHEP: %s\n", whep_location);

  /* A player starts once three segments are listed. */
  if (!wait_hls_playlist (b, hls_url, 3, 30, &error))
    {
      g_printerr ("bench-media: %s\n", error->message);
      goto out;
    }
  hls.pipeline = new_pipeline ("hls-player");
  decodebin = gst_element_factory_make ("uridecodebin", "hls");
  g_object_set (decodebin, "uri", hls_url, NULL);
  gst_bin_add (GST_BIN (hls.pipeline), decodebin);
  g_signal_connect (decodebin, "pad-added", G_CALLBACK (hls_pad_added_cb), &hls);
  gst_element_set_state (hls.pipeline, GST_STATE_PLAYING);
  g_print ("playing %s\n", hls_url);

  run_for (b->opt.seconds);

  clock_report (&webrtc_clock);
  clock_report (&hls_clock);
  print_peer_stats (pub->peer, "publisher");
  print_peer_stats (viewer, "whep_viewer");
  g_print ("frames_stamped n=%u\n", g_atomic_int_get (&pub->frames));
  ret = 0;

out:
  stop_pipeline (&hls.pipeline);
  delete_session (b, whep_location, b->opt.token);
  if (viewer != NULL)
    sl_peer_close (viewer);
  stop_pipeline (&whep.pipeline);
  delete_session (b, pub->location, b->opt.key);
  g_clear_pointer (&pub, publisher_free);
  clock_clear (&webrtc_clock);
  clock_clear (&hls_clock);
  return ret;
}

/* ---- viewers: many WHEP sessions, no decoding -------------------------- */

typedef struct {
  GstElement *pipeline;
  SlPeer     *peer;
  char       *location;
  gsize       bytes;          /* atomically, RTP bytes out of webrtcbin */
  gsize       mark;
} Viewer;

static void
viewer_free (Viewer *v)
{
  if (v->peer != NULL)
    sl_peer_close (v->peer);
  stop_pipeline (&v->pipeline);
  g_clear_object (&v->peer);
  g_free (v->location);
  g_free (v);
}

static void
count_pad_added_cb (SlPeer *peer,
                    GstPad *pad,
                    Viewer *v)
{
  count_bytes (pad, &v->bytes);
  add_and_link (v->pipeline, pad, "fakesink sync=false async=false");
}

static int
run_viewers (Bench *b)
{
  g_autoptr(GPtrArray) viewers = g_ptr_array_new_with_free_func ((GDestroyNotify) viewer_free);
  g_autoptr(GPtrArray) peers = g_ptr_array_new ();
  g_autoptr(CapsList) recv = viewer_caps ();
  g_autofree char *url = g_strdup_printf ("%s/whep/%d", b->opt.server, b->opt.class_id);
  g_autoptr(GArray) kbps = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *refused = NULL;
  double server_cpu0, server_cpu1, self_cpu0, self_cpu1, median, p95, reference;
  gint64 t0, t1, connect_start;
  guint connected, receiving = 0;
  double window;

  connect_start = g_get_monotonic_time ();
  for (int i = 0; i < b->opt.count; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("viewer-%d", i);
      Viewer *v = g_new0 (Viewer, 1);
      guint status = 0;

      v->pipeline = new_pipeline (name);
      v->peer = sl_peer_new (GST_BIN (v->pipeline), "viewer", b->ice);
      g_signal_connect (v->peer, "pad-added", G_CALLBACK (count_pad_added_cb), v);
      gst_element_set_state (v->pipeline, GST_STATE_PLAYING);
      g_ptr_array_add (viewers, v);
      v->location = negotiate (b, v->peer, recv, url, b->opt.token, &status, &error);
      if (v->location == NULL)
        {
          /* Past the first refusal the others would be refused alike. */
          refused = g_strdup_printf ("viewer %d: %s", i + 1, error->message);
          g_ptr_array_remove_index (viewers, viewers->len - 1);
          break;
        }
      g_ptr_array_add (peers, v->peer);
    }
  connected = wait_connected (peers, 30);
  g_print ("viewers_connect requested=%d answered=%u connected=%u seconds=%.1f\n",
           b->opt.count, peers->len, connected,
           (double) (g_get_monotonic_time () - connect_start) / G_USEC_PER_SEC);
  if (refused != NULL)
    g_print ("viewers_refused %s\n", refused);

  /* Warm-up: keyframes, RTCP, the server's per-viewer queues filling. */
  run_for (3);

  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);

      v->mark = g_atomic_pointer_get (&v->bytes);
    }
  server_cpu0 = b->opt.server_pid > 0 ? process_cpu_seconds (b->opt.server_pid) : -1;
  self_cpu0 = process_cpu_seconds (0);
  t0 = g_get_monotonic_time ();
  run_for (b->opt.seconds);
  t1 = g_get_monotonic_time ();
  server_cpu1 = b->opt.server_pid > 0 ? process_cpu_seconds (b->opt.server_pid) : -1;
  self_cpu1 = process_cpu_seconds (0);
  window = (double) (t1 - t0) / G_USEC_PER_SEC;

  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);
      double k = (double) (g_atomic_pointer_get (&v->bytes) - v->mark) * 8.0 / 1000.0 / window;

      g_array_append_val (kbps, k);
    }
  summarise (kbps, &median, &p95);
  reference = b->opt.expect_kbps > 0 ? b->opt.expect_kbps
    : kbps->len > 0 ? g_array_index (kbps, double, kbps->len - 1) : 0;
  for (guint i = 0; i < kbps->len; i++)
    if (g_array_index (kbps, double, i) >= 0.9 * reference)
      receiving++;

  g_print ("viewers_rate n=%u min_kbps=%.0f median_kbps=%.0f max_kbps=%.0f reference_kbps=%.0f "
           "receiving=%u\n", kbps->len,
           kbps->len > 0 ? g_array_index (kbps, double, 0) : 0.0, median,
           kbps->len > 0 ? g_array_index (kbps, double, kbps->len - 1) : 0.0, reference, receiving);
  g_print ("viewers_cpu window_s=%.1f server_pct=%.1f client_pct=%.1f\n", window,
           server_cpu0 >= 0 && server_cpu1 >= 0 ? (server_cpu1 - server_cpu0) / window * 100 : NAN,
           (self_cpu1 - self_cpu0) / window * 100);

  for (guint i = 0; i < viewers->len; i++)
    {
      Viewer *v = g_ptr_array_index (viewers, i);

      delete_session (b, v->location, b->opt.token);
    }
  return 0;
}

/* ---- publish only ------------------------------------------------------- */

static gboolean
quit_cb (gpointer data)
{
  gboolean *quit = data;

  *quit = TRUE;
  return G_SOURCE_CONTINUE;
}

static int
run_publish (Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Publisher) pub = NULL;
  gboolean quit = FALSE;
  gint64 start, until, last;
  gsize start_bytes, last_bytes;
  guint sigterm, sigint;

  pub = publisher_start (b, b->opt.width, b->opt.height, b->opt.bitrate, FALSE, &error);
  if (pub == NULL)
    {
      g_printerr ("bench-media: %s\n", error->message);
      return 1;
    }
  g_print ("publishing %dx%d 30 fps %d kbps + Opus: %s\n", b->opt.width, b->opt.height,
           b->opt.bitrate, pub->location);
  g_print ("publish_connected\n");

  sigterm = g_unix_signal_add (SIGTERM, quit_cb, &quit);
  sigint = g_unix_signal_add (SIGINT, quit_cb, &quit);
  start = last = g_get_monotonic_time ();
  start_bytes = last_bytes = g_atomic_pointer_get (&pub->bytes_sent);
  until = start + (gint64) b->opt.seconds * G_USEC_PER_SEC;
  while (!quit && g_get_monotonic_time () < until)
    {
      gint64 now;
      gsize bytes;

      run_for (1);
      now = g_get_monotonic_time ();
      if (now - last < 5 * G_USEC_PER_SEC)
        continue;
      bytes = g_atomic_pointer_get (&pub->bytes_sent);
      /* The running average since the start, and the last 5 s. */
      g_print ("publish_rate t=%.0f avg_kbps=%.0f last_kbps=%.0f\n",
               (double) (now - start) / G_USEC_PER_SEC,
               (double) (bytes - start_bytes) * 8.0 / 1000.0 / ((double) (now - start) / G_USEC_PER_SEC),
               (double) (bytes - last_bytes) * 8.0 / 1000.0 / ((double) (now - last) / G_USEC_PER_SEC));
      last = now;
      last_bytes = bytes;
    }
  g_source_remove (sigterm);
  g_source_remove (sigint);
  delete_session (b, pub->location, b->opt.key);
  g_print ("publish_done state=%s\n", sl_peer_state_to_string (sl_peer_get_state (pub->peer)));
  return 0;
}

/* ---- main ------------------------------------------------------------------ */

static const char *const needed_elements[] = {
  "webrtcbin", "videotestsrc", "audiotestsrc", "x264enc", "opusenc", "rtph264pay",
  "rtpopuspay", "rtph264depay", "h264parse", "avdec_h264", "videoconvert", "appsink",
  "fakesink", "uridecodebin", "souphttpsrc", "hlsdemux", "tsdemux", "audioconvert",
  "audioresample", NULL,
};

int
main (int   argc,
      char *argv[])
{
  Bench b = { 0 };
  Options *o = &b.opt;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &o->server, "streamlet-server's URL (http://127.0.0.1:PORT)", "URL" },
    { "class", 0, 0, G_OPTION_ARG_INT, &o->class_id, "The live class's id", "ID" },
    { "key", 0, 0, G_OPTION_ARG_STRING, &o->key, "The class's stream key (WHIP)", "KEY" },
    { "token", 0, 0, G_OPTION_ARG_STRING, &o->token, "A student's access token (WHEP)", "TOKEN" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &o->seconds, "How long to measure or publish (default 30)", "S" },
    { "count", 0, 0, G_OPTION_ARG_INT, &o->count, "WHEP viewers to open (viewers)", "N" },
    { "width", 0, 0, G_OPTION_ARG_INT, &o->width, "Picture width (publish; default 1280)", "W" },
    { "height", 0, 0, G_OPTION_ARG_INT, &o->height, "Picture height (publish; default 720)", "H" },
    { "bitrate", 0, 0, G_OPTION_ARG_INT, &o->bitrate, "H.264 bitrate in kbit/s (publish; default 1500)", "KBPS" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &o->server_pid, "The server's pid, to read its CPU time (viewers)", "PID" },
    { "expect-kbps", 0, 0, G_OPTION_ARG_DOUBLE, &o->expect_kbps, "The publisher's sent bitrate, kbit/s (viewers; default: the best viewer's)", "K" },
    { "extra-delay-ms", 0, 0, G_OPTION_ARG_INT, &o->delay_ms, "Self-check: hold decoded frames this long before the sinks (latency; the figures should rise by it)", "MS" },
    { "ice-address", 0, 0, G_OPTION_ARG_STRING, &o->ice_address, "The only address the clients' ICE uses (default " DEFAULT_ICE_ADDRESS ")", "IP" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("latency|viewers|publish - media benchmarks against a running streamlet-server");
  g_autoptr(GError) error = NULL;
  const char *mode;
  int ret;

  setvbuf (stdout, NULL, _IOLBF, 0);
  o->seconds = 30;
  o->width = 1280;
  o->height = 720;
  o->bitrate = 1500;
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_add_group (context, gst_init_get_option_group ());
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-media: %s\n", error->message);
      return 2;
    }
  mode = argc == 2 ? argv[1] : "";
  if (!g_str_equal (mode, "latency") && !g_str_equal (mode, "viewers") && !g_str_equal (mode, "publish"))
    {
      g_printerr ("bench-media: say latency, viewers or publish (see --help)\n");
      return 2;
    }
  if (o->server == NULL || o->class_id <= 0 || o->seconds <= 0 ||
      (!g_str_equal (mode, "viewers") && o->key == NULL) ||
      (!g_str_equal (mode, "publish") && o->token == NULL) ||
      (g_str_equal (mode, "viewers") && o->count <= 0) ||
      o->width < 16 || o->height < 16 || o->bitrate <= 0 || o->delay_ms < 0)
    {
      g_printerr ("bench-media: %s needs --server, --class%s%s (see --help)\n", mode,
                  g_str_equal (mode, "viewers") ? "" : ", --key",
                  g_str_equal (mode, "publish") ? "" : ", --token");
      return 2;
    }
  while (g_str_has_suffix (o->server, "/"))
    o->server[strlen (o->server) - 1] = '\0';

  sl_media_init ();
  if (!sl_media_check_elements (needed_elements, &error))
    {
      g_printerr ("bench-media: %s\n", error->message);
      return 1;
    }
  b.ice[0] = o->ice_address != NULL ? o->ice_address : DEFAULT_ICE_ADDRESS;
  b.ice[1] = NULL;
  b.session = soup_session_new_with_options ("timeout", HTTP_TIMEOUT_S, NULL);

  if (g_str_equal (mode, "latency"))
    ret = run_latency (&b);
  else if (g_str_equal (mode, "viewers"))
    ret = run_viewers (&b);
  else
    ret = run_publish (&b);

  g_clear_object (&b.session);
  g_free (o->server);
  g_free (o->key);
  g_free (o->token);
  g_free (o->ice_address);
  return ret;
}
