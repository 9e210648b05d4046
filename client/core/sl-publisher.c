/* sl-publisher.c: captures, encodes (H.264 + Opus) and publishes a class by
 * WHIP
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-publisher"

#include "config.h"

#include "sl-publisher.h"
#include "sl-publisher-private.h"
#include "sl-client-media-private.h"
#include "sl-screencast.h"

#include <string.h>

#include <gst/app/gstappsink.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#define FRAMERATE 30
#define CONNECT_TIMEOUT_S 20
#define AUDIO_RATE 48000
#define PREVIEW_CAPS "video/x-raw,format=RGBA,width=320,height=180,pixel-aspect-ratio=1/1"

/* The pipeline, per stream:
 *   source → raw caps of the preset → queue → encoder → payloader → webrtcbin
 * The test source paints every frame whose running time is a whole second
 * white, and lets its 1 kHz tone through only for the first 100 ms of each
 * second: both from the running time of the buffers, so picture and sound
 * are in sync where they are made. */

/* The preview callback, shared with the streaming thread that calls it
 * (a GRcBox: it outlives a replacement while a call is in progress). */
typedef struct {
  SlPreviewFunc       func;
  gpointer            data;
  GDestroyNotify      destroy;
} Preview;

struct _SlPublisher {
  GObject             parent_instance;

  SlApiClient        *api;
  gint64              class_id;
  SlPublisherOptions  options;        /* video_device owned */
  GStrv               ice_addresses;
  SlMediaState        state;

  GstElement         *pipeline;
  guint               bus_watch;
  SlPeer             *peer;
  SlMediaLink        *link;
  GCancellable       *cancellable;    /* of everything in flight for this run */
  GTask              *start_task;
  guint               connect_timeout_id;
  guint               stats_id;

  gboolean            screen_portal;  /* this run shares the screen through the portal */
  SlScreencast       *screencast;     /* the portal's stream, once the user chose it */

  GMutex              lock;           /* guards the counters below (streaming threads) */
  guint64             video_bytes;
  guint64             audio_bytes;
  guint64             frames_sent;
  guint               keyframe_requests;
  Preview            *preview;        /* nullable */

  /* main context only */
  guint64             last_video_bytes;
  guint64             last_audio_bytes;
  gint64              last_tick_us;
  double              video_kbps;
  double              audio_kbps;
  SlPeerStats         peer_stats;
  gint64              last_lost;
  guint64             last_packets;
  double              loss_percent;
};

G_DEFINE_FINAL_TYPE (SlPublisher, sl_publisher, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct {
  const char *name;
  int         width;
  int         height;
  guint       kbps;
} presets[] = {
  [SL_PRESET_360P] = { "360p", 640, 360, 800 },
  [SL_PRESET_720P] = { "720p", 1280, 720, 1500 },
  [SL_PRESET_1080P] = { "1080p", 1920, 1080, 3000 },
};

gboolean
sl_preset_from_string (const char *name,
                       SlPreset   *preset)
{
  g_return_val_if_fail (preset != NULL, FALSE);

  for (guint i = 0; name != NULL && i < G_N_ELEMENTS (presets); i++)
    if (g_ascii_strcasecmp (name, presets[i].name) == 0)
      {
        *preset = (SlPreset) i;
        return TRUE;
      }
  return FALSE;
}

static void
set_state (SlPublisher  *self,
           SlMediaState  state)
{
  if (self->state == state)
    return;
  g_debug ("class %" G_GINT64_FORMAT ": %s → %s", self->class_id,
           sl_media_state_to_string (self->state), sl_media_state_to_string (state));
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) state);
}

/* ---- the test source ---------------------------------------------------- */

static gboolean
is_flash_frame (GstClockTime running_time,
                GstClockTime duration)
{
  GstClockTime into = running_time % SL_TEST_SOURCE_PERIOD;

  /* the one frame that starts within half a frame of a whole second */
  return into < duration / 2 || SL_TEST_SOURCE_PERIOD - into <= duration / 2;
}

static GstPadProbeReturn
paint_flash_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt = _sl_buffer_running_time (pad, buffer);
  GstClockTime duration = GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer)
                                                                : GST_SECOND / FRAMERATE;
  g_autoptr(GstCaps) caps = NULL;
  GstVideoInfo vinfo;
  GstVideoFrame frame;

  if (!GST_CLOCK_TIME_IS_VALID (rt) || !is_flash_frame (rt, duration))
    return GST_PAD_PROBE_OK;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL || !gst_video_info_from_caps (&vinfo, caps))
    return GST_PAD_PROBE_OK;

  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_WRITE))
    return GST_PAD_PROBE_OK;
  /* I420: full white is Y 235, U = V = 128 (limited range); 255 is fine too */
  for (guint p = 0; p < GST_VIDEO_FRAME_N_PLANES (&frame); p++)
    {
      guint8 *data8 = GST_VIDEO_FRAME_PLANE_DATA (&frame, p);
      int stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, p);
      int height = GST_VIDEO_FRAME_COMP_HEIGHT (&frame, p);

      memset (data8, p == 0 ? 255 : 128, (gsize) stride * height);
    }
  gst_video_frame_unmap (&frame);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
gate_beep_probe_cb (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         data)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt = _sl_buffer_running_time (pad, buffer);
  GstMapInfo map;
  gint16 *samples;
  gsize n;

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (!gst_buffer_map (buffer, &map, GST_MAP_READWRITE))
    return GST_PAD_PROBE_OK;
  /* mono S16: silence outside [k s, k s + 100 ms) */
  samples = (gint16 *) map.data;
  n = map.size / sizeof (gint16);
  for (gsize i = 0; i < n; i++)
    {
      GstClockTime t = rt + gst_util_uint64_scale_int (i, GST_SECOND, AUDIO_RATE);

      if (t % SL_TEST_SOURCE_PERIOD >= SL_TEST_SOURCE_BEEP)
        samples[i] = 0;
    }
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/* ---- counting ------------------------------------------------------------- */

static GstPadProbeReturn
count_video_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         data)
{
  SlPublisher *self = data;

  g_mutex_lock (&self->lock);
  self->video_bytes += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
count_audio_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         data)
{
  SlPublisher *self = data;

  g_mutex_lock (&self->lock);
  self->audio_bytes += gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

/* On the encoder's src pad: frames out, keyframe requests in (a PLI from
 * the server becomes a force-key-unit event in rtpsession, which travels
 * up through the payloader to here and on to x264enc). */
static GstPadProbeReturn
encoder_probe_cb (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  SlPublisher *self = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      g_mutex_lock (&self->lock);
      self->frames_sent++;
      g_mutex_unlock (&self->lock);
    }
  else if (info->type & GST_PAD_PROBE_TYPE_EVENT_UPSTREAM &&
           gst_video_event_is_force_key_unit (GST_PAD_PROBE_INFO_EVENT (info)))
    {
      g_mutex_lock (&self->lock);
      self->keyframe_requests++;
      g_mutex_unlock (&self->lock);
      g_debug ("keyframe requested");
    }
  return GST_PAD_PROBE_OK;
}

/* ---- the preview ---------------------------------------------------------- */

static void
preview_clear (gpointer data)
{
  Preview *preview = data;

  if (preview->destroy != NULL)
    preview->destroy (preview->data);
}

static gboolean
has_preview (SlPublisher *self)
{
  gboolean has;

  g_mutex_lock (&self->lock);
  has = self->preview != NULL;
  g_mutex_unlock (&self->lock);
  return has;
}

static GstFlowReturn
preview_sample_cb (GstAppSink *sink,
                   gpointer    data)
{
  SlPublisher *self = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  Preview *preview = NULL;

  if (sample == NULL)
    return GST_FLOW_EOS;
  g_mutex_lock (&self->lock);
  if (self->preview != NULL)
    preview = g_rc_box_acquire (self->preview);
  g_mutex_unlock (&self->lock);
  if (preview != NULL)
    {
      preview->func (sample, preview->data);
      g_rc_box_release_full (preview, preview_clear);
    }
  return GST_FLOW_OK;
}

/* The video branch's appsink, when the description has one. */
static void
connect_preview (SlPublisher *self,
                 GstElement  *bin)
{
  g_autoptr(GstElement) sink = gst_bin_get_by_name (GST_BIN (bin), "preview");
  GstAppSinkCallbacks callbacks = { .new_sample = preview_sample_cb };

  if (sink != NULL)
    gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
}

void
sl_publisher_set_preview_func (SlPublisher    *self,
                               SlPreviewFunc   func,
                               gpointer        user_data,
                               GDestroyNotify  destroy)
{
  Preview *preview = NULL;
  Preview *old;

  g_return_if_fail (SL_IS_PUBLISHER (self));

  if (func != NULL)
    {
      preview = g_rc_box_new0 (Preview);
      preview->func = func;
      preview->data = user_data;
      preview->destroy = destroy;
    }
  g_mutex_lock (&self->lock);
  old = self->preview;
  self->preview = preview;
  g_mutex_unlock (&self->lock);
  if (old != NULL)
    g_rc_box_release_full (old, preview_clear);
}

/* ---- building the pipeline ---------------------------------------------- */

static char *
first_camera (void)
{
  for (guint i = 0; i < 64; i++)
    {
      g_autofree char *path = g_strdup_printf ("/dev/video%u", i);

      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* Which devices to capture, checked; fills @elements with what is needed. */
static gboolean
check_sources (SlPublisher  *self,
               char        **camera,
               GPtrArray    *elements,
               GError      **error)
{
  static const char *const common[] = {
    "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec", "rtpbin", "queue",
    "capsfilter", NULL,
  };

  for (guint i = 0; common[i] != NULL; i++)
    g_ptr_array_add (elements, (gpointer) common[i]);

  if (self->options.video == SL_VIDEO_SOURCE_NONE && self->options.audio == SL_AUDIO_SOURCE_NONE)
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                           "nothing to publish: choose a video or an audio source");
      return FALSE;
    }

  switch (self->options.video)
    {
    case SL_VIDEO_SOURCE_NONE:
      break;
    case SL_VIDEO_SOURCE_TEST:
      g_ptr_array_add (elements, (gpointer) "videotestsrc");
      break;
    case SL_VIDEO_SOURCE_CAMERA:
      if (self->options.video_device != NULL)
        {
          if (!g_file_test (self->options.video_device, G_FILE_TEST_EXISTS))
            {
              g_set_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                           "no camera at %s", self->options.video_device);
              return FALSE;
            }
          *camera = g_strdup (self->options.video_device);
        }
      else if ((*camera = first_camera ()) == NULL)
        {
          g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                               "no camera found (no /dev/video* device)");
          return FALSE;
        }
      g_ptr_array_add (elements, (gpointer) "v4l2src");
      g_ptr_array_add (elements, (gpointer) "decodebin");
      g_ptr_array_add (elements, (gpointer) "videorate");
      break;
    case SL_VIDEO_SOURCE_SCREEN:
      if (self->screen_portal)
        {
          g_ptr_array_add (elements, (gpointer) "pipewiresrc");
          g_ptr_array_add (elements, (gpointer) "videorate");
          break;
        }
      {
        const char *display = g_getenv ("DISPLAY");

        if (display == NULL || *display == '\0')
          {
            g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                 "no screen to capture (DISPLAY is not set, and no desktop "
                                 "portal offers screen sharing)");
            return FALSE;
          }
        g_ptr_array_add (elements, (gpointer) "ximagesrc");
        g_ptr_array_add (elements, (gpointer) "videorate");
      }
      break;
    default:
      g_set_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                   "unknown video source %d", (int) self->options.video);
      return FALSE;
    }
  if (self->options.video != SL_VIDEO_SOURCE_NONE)
    {
      g_ptr_array_add (elements, (gpointer) "videoconvert");
      g_ptr_array_add (elements, (gpointer) "videoscale");
      g_ptr_array_add (elements, (gpointer) "x264enc");
      g_ptr_array_add (elements, (gpointer) "rtph264pay");
      if (has_preview (self))
        {
          g_ptr_array_add (elements, (gpointer) "tee");
          g_ptr_array_add (elements, (gpointer) "appsink");
        }
    }

  switch (self->options.audio)
    {
    case SL_AUDIO_SOURCE_NONE:
      break;
    case SL_AUDIO_SOURCE_TEST:
      g_ptr_array_add (elements, (gpointer) "audiotestsrc");
      break;
    case SL_AUDIO_SOURCE_MICROPHONE:
      g_ptr_array_add (elements, (gpointer) "autoaudiosrc");
      break;
    default:
      g_set_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                   "unknown audio source %d", (int) self->options.audio);
      return FALSE;
    }
  if (self->options.audio != SL_AUDIO_SOURCE_NONE)
    {
      g_ptr_array_add (elements, (gpointer) "audioconvert");
      g_ptr_array_add (elements, (gpointer) "audioresample");
      g_ptr_array_add (elements, (gpointer) "opusenc");
      g_ptr_array_add (elements, (gpointer) "rtpopuspay");
    }
  g_ptr_array_add (elements, NULL);
  return TRUE;
}

/* The video branch: @camera for the camera, @screencast (nullable: ximagesrc)
 * for the screen. */
static char *
video_description (SlPublisher  *self,
                   const char   *camera,
                   SlScreencast *screencast)
{
  SlPreset preset = self->options.preset < G_N_ELEMENTS (presets) ? self->options.preset
                                                                  : SL_PRESET_720P;
  guint interval = self->options.keyframe_interval_s > 0 ? self->options.keyframe_interval_s : 2;
  g_autofree char *raw = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,"
                                          "framerate=%d/1,pixel-aspect-ratio=1/1",
                                          presets[preset].width, presets[preset].height,
                                          FRAMERATE);
  g_autofree char *source = NULL;
  g_autofree char *device = NULL;
  const char *preview = "";

  switch (self->options.video)
    {
    case SL_VIDEO_SOURCE_TEST:
      source = g_strdup_printf ("videotestsrc name=vsrc is-live=true pattern=ball ! %s", raw);
      break;
    case SL_VIDEO_SOURCE_CAMERA:
      device = g_strescape (camera, NULL);
      source = g_strdup_printf ("v4l2src device=\"%s\" ! decodebin ! videoconvert ! videoscale ! "
                                "videorate ! %s", device, raw);
      break;
    case SL_VIDEO_SOURCE_SCREEN:
    default:
      if (screencast != NULL)
        /* the portal's PipeWire stream: frames come when the screen changes,
         * so the last one is sent again each second and videorate fills in */
        source = g_strdup_printf ("pipewiresrc fd=%d path=%u do-timestamp=true "
                                  "keepalive-time=1000 ! videoconvert ! videoscale ! "
                                  "videorate ! %s", sl_screencast_get_fd (screencast),
                                  sl_screencast_get_node_id (screencast), raw);
      else
        source = g_strdup_printf ("ximagesrc use-damage=false ! videoconvert ! videoscale ! "
                                  "videorate ! %s", raw);
      break;
    }
  /* the preview: a tee before the encoder, whose branch drops what it
   * cannot take at once */
  if (has_preview (self))
    preview = " vtee. ! queue leaky=downstream max-size-buffers=1 max-size-bytes=0 "
              "max-size-time=0 ! videoconvert ! videoscale ! " PREVIEW_CAPS " ! "
              "appsink name=preview drop=true max-buffers=1 sync=false async=false "
              "enable-last-sample=false";
  return g_strdup_printf ("%s ! %squeue max-size-buffers=3 max-size-bytes=0 max-size-time=0 ! "
                          "x264enc name=venc tune=zerolatency speed-preset=ultrafast "
                          "key-int-max=%u bitrate=%u aud=false ! "
                          "video/x-h264,profile=constrained-baseline,stream-format=byte-stream ! "
                          /* the encoder repeats SPS/PPS before each keyframe; the
                           * payloader adding its own copy before every slice of a
                           * multi-slice keyframe makes receivers cut it in two */
                          "rtph264pay name=vpay config-interval=0 pt=96 aggregate-mode=zero-latency ! "
                          "capsfilter caps=\"application/x-rtp,media=video,encoding-name=H264,"
                          "payload=96,clock-rate=90000\"%s",
                          source, preview[0] != '\0' ? "tee name=vtee ! " : "",
                          FRAMERATE * interval, presets[preset].kbps, preview);
}

static char *
audio_description (SlPublisher *self)
{
  const char *source;

  if (self->options.audio == SL_AUDIO_SOURCE_TEST)
    source = "audiotestsrc name=asrc is-live=true wave=sine freq=1000 volume=0.5 "
             "samplesperbuffer=480 ! audio/x-raw,format=S16LE,rate=48000,channels=1,"
             "layout=interleaved ! audioconvert";
  else
    source = "autoaudiosrc ! audioconvert";
  return g_strdup_printf ("%s ! audioresample ! queue max-size-time=200000000 ! "
                          "opusenc bitrate=64000 frame-size=10 ! rtpopuspay name=apay pt=111 ! "
                          "capsfilter caps=\"application/x-rtp,media=audio,encoding-name=OPUS,"
                          "payload=111,clock-rate=48000\"", source);
}

static void
add_pad_probe (GstElement          *bin,
               const char          *element,
               const char          *pad_name,
               GstPadProbeType      type,
               GstPadProbeCallback  callback,
               gpointer             data)
{
  g_autoptr(GstElement) e = gst_bin_get_by_name (GST_BIN (bin), element);
  g_autoptr(GstPad) pad = e != NULL ? gst_element_get_static_pad (e, pad_name) : NULL;

  g_return_if_fail (pad != NULL);
  gst_pad_add_probe (pad, type, callback, data, NULL);
}

/* Adds @description as a bin whose src pad feeds a new sink pad of the
 * webrtcbin. */
static GstElement *
add_branch (SlPublisher  *self,
            const char   *description,
            GError      **error)
{
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, error);
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstPad) sink = NULL;

  if (bin == NULL)
    return NULL;
  gst_bin_add (GST_BIN (self->pipeline), bin);
  src = gst_element_get_static_pad (bin, "src");
  sink = gst_element_request_pad_simple (sl_peer_get_webrtcbin (self->peer), "sink_%u");
  if (src == NULL || sink == NULL || gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                           "cannot link the encoder to webrtcbin");
      return NULL;
    }
  return bin;
}

static void fail (SlPublisher *self, GError *error);

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    data)
{
  SlPublisher *self = data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gerror = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &gerror, &debug);
        g_debug ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message,
                 debug ? debug : "");
        GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS (GST_BIN (self->pipeline), GST_DEBUG_GRAPH_SHOW_ALL,
                                           "sl-publisher-error");
        fail (self, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                                 "the media pipeline stopped: %s: %s",
                                 GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message));
      }
      break;
    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) gerror = NULL;

        gst_message_parse_warning (message, &gerror, NULL);
        g_debug ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message);
      }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- running ------------------------------------------------------------- */

static void
teardown (SlPublisher *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  g_clear_handle_id (&self->stats_id, g_source_remove);
  g_clear_pointer (&self->link, _sl_media_link_free);
  if (self->peer != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->peer, self);
      sl_peer_close (self->peer);
      g_clear_object (&self->peer);
    }
  if (self->pipeline != NULL)
    {
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_clear_object (&self->pipeline);
    }
  g_clear_handle_id (&self->bus_watch, g_source_remove);
}

/* The run ends with @error (taken): the start fails, or "error" is emitted. */
static void
fail (SlPublisher *self,
      GError      *error)
{
  g_autoptr(GError) owned = error;
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_object_ref (self);
  teardown (self);
  set_state (self, SL_MEDIA_FAILED);
  if (task != NULL)
    g_task_return_error (task, g_steal_pointer (&owned));
  else
    g_signal_emit (self, signals[SIGNAL_ERROR], 0, owned);
  g_object_unref (self);
}

static void
stats_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SlPublisher) self = user_data;
  SlPeerStats stats;

  if (!sl_peer_get_stats_finish (SL_PEER (source), result, &stats, NULL))
    return;
  {
    gint64 lost = stats.packets_lost - self->peer_stats.packets_lost;
    guint64 sent = stats.packets_sent - self->peer_stats.packets_sent;

    self->loss_percent = sent + lost > 0 && lost > 0 ? 100.0 * lost / (double) (sent + lost) : 0;
  }
  self->peer_stats = stats;
  g_mutex_lock (&self->lock);
  self->keyframe_requests = MAX (self->keyframe_requests, stats.pli_received);
  g_mutex_unlock (&self->lock);
}

static gboolean
stats_tick_cb (gpointer data)
{
  SlPublisher *self = data;
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->last_tick_us) / (double) G_USEC_PER_SEC;
  guint64 video, audio;

  g_mutex_lock (&self->lock);
  video = self->video_bytes;
  audio = self->audio_bytes;
  g_mutex_unlock (&self->lock);
  if (seconds > 0)
    {
      self->video_kbps = (video - self->last_video_bytes) * 8 / 1000.0 / seconds;
      self->audio_kbps = (audio - self->last_audio_bytes) * 8 / 1000.0 / seconds;
    }
  self->last_video_bytes = video;
  self->last_audio_bytes = audio;
  self->last_tick_us = now;
  if (self->peer != NULL)
    sl_peer_get_stats_async (self->peer, self->cancellable, stats_done_cb, g_object_ref (self));
  return G_SOURCE_CONTINUE;
}

static void
connected (SlPublisher *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->stats_id == 0)
    {
      self->last_tick_us = g_get_monotonic_time ();
      self->stats_id = g_timeout_add_seconds (1, stats_tick_cb, self);
    }
  set_state (self, SL_MEDIA_CONNECTED);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
peer_state_cb (SlPeer      *peer,
               int          state,
               SlPublisher *self)
{
  switch ((SlPeerState) state)
    {
    case SL_PEER_CONNECTED:
      if (self->state == SL_MEDIA_CONNECTING && sl_peer_get_state (peer) == SL_PEER_CONNECTED &&
          _sl_media_link_get_location (self->link) != NULL)
        connected (self);
      break;
    case SL_PEER_FAILED:
    case SL_PEER_CLOSED:
      fail (self, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                               "the WebRTC link to the server %s",
                               state == SL_PEER_FAILED ? "failed" : "was closed"));
      break;
    default:
      break;
    }
}

static void
negotiated_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SlPublisher) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_sl_media_link_negotiate_finish (NULL, result, &error))
    {
      /* (after sl_publisher_stop() there is no start task any more) */
      if (self->start_task != NULL)
        fail (self, g_steal_pointer (&error));
      return;
    }
  if (self->state != SL_MEDIA_CONNECTING)
    return;
  g_debug ("class %" G_GINT64_FORMAT ": publishing at %s", self->class_id,
           _sl_media_link_get_location (self->link));
  if (self->peer != NULL && sl_peer_get_state (self->peer) == SL_PEER_CONNECTED)
    connected (self);
}

static gboolean
connect_timeout_cb (gpointer data)
{
  SlPublisher *self = data;

  self->connect_timeout_id = 0;
  fail (self, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                           "no WebRTC link to the server after %d s", CONNECT_TIMEOUT_S));
  return G_SOURCE_REMOVE;
}

static gboolean
build (SlPublisher  *self,
       GError      **error)
{
  g_autoptr(GPtrArray) elements = g_ptr_array_new ();
  g_autofree char *camera = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *bin;

  if (!check_sources (self, &camera, elements, error) ||
      !_sl_client_check_elements ((const char *const *) elements->pdata, error))
    return FALSE;

  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("sl-publisher"));
  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  self->peer = sl_peer_new (GST_BIN (self->pipeline), "webrtc",
                            (const char *const *) self->ice_addresses);
  g_signal_connect (self->peer, "state-changed", G_CALLBACK (peer_state_cb), self);
  {
    /* RTCP sender reports map each stream's RTP time to the capture time,
     * not to when the packet left (the default): video waits for its
     * encoder longer than audio does, and viewers sync by these reports */
    g_autoptr(GstElement) rtpbin =
      gst_bin_get_by_name (GST_BIN (sl_peer_get_webrtcbin (self->peer)), "rtpbin");

    if (rtpbin != NULL)
      g_object_set (rtpbin, "rtcp-sync-send-time", FALSE, NULL);
  }

  if (self->options.video != SL_VIDEO_SOURCE_NONE)
    {
      g_autofree char *description = video_description (self, camera, self->screencast);

      if ((bin = add_branch (self, description, error)) == NULL)
        return FALSE;
      if (self->options.video == SL_VIDEO_SOURCE_TEST)
        add_pad_probe (bin, "vsrc", "src", GST_PAD_PROBE_TYPE_BUFFER, paint_flash_probe_cb, NULL);
      add_pad_probe (bin, "venc", "src",
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                     encoder_probe_cb, self);
      add_pad_probe (bin, "vpay", "src", GST_PAD_PROBE_TYPE_BUFFER, count_video_probe_cb, self);
      connect_preview (self, bin);
    }
  if (self->options.audio != SL_AUDIO_SOURCE_NONE)
    {
      g_autofree char *description = audio_description (self);

      if ((bin = add_branch (self, description, error)) == NULL)
        return FALSE;
      if (self->options.audio == SL_AUDIO_SOURCE_TEST)
        add_pad_probe (bin, "asrc", "src", GST_PAD_PROBE_TYPE_BUFFER, gate_beep_probe_cb, NULL);
      add_pad_probe (bin, "apay", "src", GST_PAD_PROBE_TYPE_BUFFER, count_audio_probe_cb, self);
    }

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                           "the capture pipeline did not start");
      return FALSE;
    }
  return TRUE;
}

static void
cancel_cb (GCancellable *cancellable,
           GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/* ---- the screen through the desktop portal ------------------------------- */

gboolean
_sl_publisher_screen_uses_portal (const char *const *envp,
                                  gboolean           in_flatpak,
                                  gboolean         (*portal_available) (void))
{
  const char *force = g_environ_getenv ((char **) envp, "STREAMLET_SCREEN_PORTAL");
  const char *display = g_environ_getenv ((char **) envp, "DISPLAY");
  const char *wayland = g_environ_getenv ((char **) envp, "WAYLAND_DISPLAY");
  const char *session = g_environ_getenv ((char **) envp, "XDG_SESSION_TYPE");

  if (g_strcmp0 (force, "1") == 0)
    return TRUE;
  if (g_strcmp0 (force, "0") == 0)
    return FALSE;
  /* ximagesrc needs an X server, and under Wayland (XWayland) or in a
   * Flatpak it sees some windows at best */
  if (display == NULL || *display == '\0' || (wayland != NULL && *wayland != '\0') ||
      g_strcmp0 (session, "wayland") == 0 || in_flatpak)
    return portal_available ();
  return FALSE;
}

static gboolean
screen_uses_portal (void)
{
  g_auto(GStrv) envp = g_get_environ ();

  return _sl_publisher_screen_uses_portal ((const char *const *) envp,
                                           g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS),
                                           sl_screencast_portal_available);
}

char *
_sl_publisher_describe_video (SlPublisher  *self,
                              const char   *camera,
                              SlScreencast *screencast)
{
  g_return_val_if_fail (SL_IS_PUBLISHER (self), NULL);
  g_return_val_if_fail (screencast == NULL || SL_IS_SCREENCAST (screencast), NULL);

  return video_description (self, camera, screencast);
}

static void
drop_screencast (SlPublisher *self)
{
  if (self->screencast == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->screencast, self);
  sl_screencast_close (self->screencast);
  g_clear_object (&self->screencast);
}

static void
screencast_closed_cb (SlScreencast *screencast,
                      SlPublisher  *self)
{
  if (self->state == SL_MEDIA_CONNECTING || self->state == SL_MEDIA_CONNECTED)
    fail (self, g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE,
                                     "screen sharing was stopped from the desktop"));
}

static void publish (SlPublisher *self);

static void
screencast_started_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(SlPublisher) self = user_data;
  g_autoptr(SlScreencast) screencast = NULL;
  GError *error = NULL;

  screencast = sl_screencast_start_finish (result, &error);
  /* After sl_publisher_stop() there is no start task; after a stop and a
   * new start, this is the old run's answer: cancelled, while the new
   * run's cancellable is not. */
  if (self->start_task == NULL ||
      (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
       (self->cancellable == NULL || !g_cancellable_is_cancelled (self->cancellable))))
    {
      g_clear_error (&error);
      return;
    }
  if (screencast == NULL)
    {
      fail (self, error);
      return;
    }
  g_debug ("class %" G_GINT64_FORMAT ": sharing PipeWire node %u", self->class_id,
           sl_screencast_get_node_id (screencast));
  self->screencast = g_steal_pointer (&screencast);
  g_signal_connect_object (self->screencast, "closed", G_CALLBACK (screencast_closed_cb), self, 0);
  publish (self);
}

/* ---- starting ------------------------------------------------------------- */

/* Builds the pipeline and offers it by WHIP. */
static void
publish (SlPublisher *self)
{
  g_autofree char *path = NULL;
  GError *error = NULL;

  if (!build (self, &error))
    {
      fail (self, error);
      return;
    }
  self->link = _sl_media_link_new (self->api, self->peer);
  path = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, self->class_id);
  self->connect_timeout_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, connect_timeout_cb, self);
  _sl_media_link_negotiate_async (self->link, path, NULL, self->cancellable, negotiated_cb,
                                  g_object_ref (self));
}

void
sl_publisher_start_async (SlPublisher         *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SL_IS_PUBLISHER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_publisher_start_async);
  if (self->start_task != NULL || self->state == SL_MEDIA_CONNECTED)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "already publishing");
      return;
    }
  if (sl_api_client_get_access_token (self->api) == NULL)
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                               "sign in before publishing");
      return;
    }

  teardown (self);
  set_state (self, SL_MEDIA_CONNECTING);
  self->start_task = g_steal_pointer (&task);
  self->cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    g_cancellable_connect (cancellable, G_CALLBACK (cancel_cb),
                           g_object_ref (self->cancellable), g_object_unref);

  /* a screen shared for an earlier run gave its PipeWire connection to
   * that run's pipeline: ask the portal again */
  drop_screencast (self);
  self->screen_portal = self->options.video == SL_VIDEO_SOURCE_SCREEN && screen_uses_portal ();
  if (self->screen_portal)
    {
      g_autoptr(GPtrArray) elements = g_ptr_array_new ();
      g_autofree char *camera = NULL;

      /* the plugins first: no dialog for a screen we could not capture */
      if (!check_sources (self, &camera, elements, &error) ||
          !_sl_client_check_elements ((const char *const *) elements->pdata, &error))
        {
          fail (self, error);
          return;
        }
      g_debug ("class %" G_GINT64_FORMAT ": asking the desktop portal for the screen",
               self->class_id);
      sl_screencast_start_async (self->cancellable, screencast_started_cb, g_object_ref (self));
      return;
    }
  publish (self);
}

gboolean
sl_publisher_start_finish (SlPublisher   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_publisher_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sl_publisher_stop (SlPublisher *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SL_IS_PUBLISHER (self));

  task = g_steal_pointer (&self->start_task);
  teardown (self);
  drop_screencast (self);
  if (self->state != SL_MEDIA_IDLE)
    set_state (self, SL_MEDIA_STOPPED);
  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "publishing was stopped");
}

SlMediaState
sl_publisher_get_state (SlPublisher *self)
{
  g_return_val_if_fail (SL_IS_PUBLISHER (self), SL_MEDIA_FAILED);

  return self->state;
}

void
sl_publisher_get_stats (SlPublisher  *self,
                        SlMediaStats *stats)
{
  g_return_if_fail (SL_IS_PUBLISHER (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  stats->first_frame_ms = -1;
  stats->video_kbps = self->video_kbps;
  stats->audio_kbps = self->audio_kbps;
  stats->bytes = self->peer_stats.bytes_sent;
  stats->packets_lost = self->peer_stats.packets_lost;
  stats->loss_percent = self->loss_percent;
  stats->jitter_ms = self->peer_stats.jitter_ms;
  stats->rtt_ms = self->peer_stats.rtt_ms;
  g_mutex_lock (&self->lock);
  stats->frames_sent = self->frames_sent;
  stats->keyframe_requests = MAX (self->keyframe_requests, self->peer_stats.pli_received);
  if (stats->bytes == 0)
    stats->bytes = self->video_bytes + self->audio_bytes;
  g_mutex_unlock (&self->lock);
}

/* ---- the object ----------------------------------------------------------- */

static void
sl_publisher_dispose (GObject *object)
{
  SlPublisher *self = SL_PUBLISHER (object);

  if (self->start_task != NULL)
    sl_publisher_stop (self);
  teardown (self);
  drop_screencast (self);
  sl_publisher_set_preview_func (self, NULL, NULL, NULL);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (sl_publisher_parent_class)->dispose (object);
}

static void
sl_publisher_finalize (GObject *object)
{
  SlPublisher *self = SL_PUBLISHER (object);

  g_free ((char *) self->options.video_device);
  g_strfreev (self->ice_addresses);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (sl_publisher_parent_class)->finalize (object);
}

static void
sl_publisher_class_init (SlPublisherClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_publisher_dispose;
  object_class->finalize = sl_publisher_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sl_publisher_init (SlPublisher *self)
{
  g_mutex_init (&self->lock);
  self->state = SL_MEDIA_IDLE;
}

SlPublisher *
sl_publisher_new (SlApiClient              *api,
                  gint64                    class_id,
                  const SlPublisherOptions *options,
                  const char *const        *ice_addresses)
{
  SlPublisher *self;

  g_return_val_if_fail (SL_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  sl_media_init ();
  self = g_object_new (SL_TYPE_PUBLISHER, NULL);
  self->api = g_object_ref (api);
  self->class_id = class_id;
  self->options = *options;
  self->options.video_device = g_strdup (options->video_device);
  self->ice_addresses = g_strdupv ((char **) ice_addresses);
  return self;
}
