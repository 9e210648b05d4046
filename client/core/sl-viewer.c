/* sl-viewer.c: watches a class by WHEP, decodes or only receives, and keeps
 * watching through a lost stream or a server restart
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-viewer"

#include "config.h"

#include "sl-viewer.h"
#include "sl-client-media-private.h"

#include <stdlib.h>
#include <string.h>

#include <gst/app/app.h>
#include <gst/audio/audio.h>
#include <gst/video/video.h>

#define DEFAULT_LATENCY_MS 100
#define CONNECT_TIMEOUT_S 15
#define NO_DATA_TIMEOUT_US (2500 * G_TIME_SPAN_MILLISECOND)
#define FREEZE_US (500 * G_TIME_SPAN_MILLISECOND)
#define RETRY_FIRST_S 1
#define RETRY_MAX_S 8

/* A/V offset detection on the test source (see sl-publisher.c): a frame
 * whose mean brightness jumps above FLASH_LEVEL, and the first 1 ms of
 * sound louder than BEEP_RMS after at least QUIET_BEFORE_BEEP of quiet. */
#define FLASH_LEVEL 200.0
#define BEEP_RMS 2000.0
#define QUIET_RMS 500.0
#define QUIET_BEFORE_BEEP (300 * GST_MSECOND)
#define MAX_EVENTS 16
#define OFFSETS_KEPT 10
#define PAIR_WINDOW (400 * GST_MSECOND)

/* Each attempt (the first and every reconnection) is a session: a pipeline
 * with its SlPeer and WHEP link; a new one replaces it entirely. */
struct _SlViewer {
  GObject            parent_instance;

  SlApiClient       *api;
  gint64             class_id;
  SlViewerOptions    options;
  GStrv              ice_addresses;
  GMainContext      *context;
  SlMediaState       state;

  GTask             *start_task;
  gint64             started_us;      /* sl_viewer_start_async() */
  guint              backoff_s;
  guint              retry_id;
  guint              tick_id;
  guint              connect_timeout_id;
  guint              reconnects;

  /* the session */
  GstElement        *pipeline;
  guint              bus_watch;
  SlPeer            *peer;
  SlMediaLink       *link;
  GCancellable      *cancellable;

  GMutex             lock;            /* guards everything below (streaming threads) */
  SlViewerFrameFunc  frame_func;
  gpointer           frame_data;
  GDestroyNotify     frame_destroy;
  guint64            video_bytes;
  guint64            audio_bytes;
  gint64             last_data_us;    /* last RTP packet */
  guint64            frames_decoded;
  guint64            dropped_done;    /* by the sessions before this one */
  guint64            dropped_decoder; /* this session's, from QoS */
  guint64            dropped_sink;
  guint              freezes;
  gint64             last_frame_us;
  gint64             first_frame_us;  /* 0: none yet */
  /* A/V offset */
  gboolean           bright;
  GstClockTime       flashes[MAX_EVENTS];
  guint              n_flashes;
  GstClockTime       beeps[MAX_EVENTS];
  guint              n_beeps;
  GstClockTime       quiet_since;     /* running time; NONE: not quiet */
  double             window_sum;
  guint              window_n;
  GstClockTime       window_start;
  int                audio_rate;
  int                audio_channels;
  /* what the speakers get (audio_out) */
  double             volume;
  gboolean           muted;
  GstElement        *volume_element;  /* this session's, once its audio arrived */

  /* main context only */
  guint64            last_video_bytes;
  guint64            last_audio_bytes;
  gint64             last_tick_us;
  double             video_kbps;
  double             audio_kbps;
  SlPeerStats        peer_stats;
  guint64            bytes_before;    /* received by the sessions before this one */
  double             loss_percent;
};

G_DEFINE_FINAL_TYPE (SlViewer, sl_viewer, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_FIRST_FRAME,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void attempt (SlViewer *self);

static void
set_state (SlViewer     *self,
           SlMediaState  state)
{
  if (self->state == state)
    return;
  g_debug ("class %" G_GINT64_FORMAT ": %s → %s", self->class_id,
           sl_media_state_to_string (self->state), sl_media_state_to_string (state));
  self->state = state;
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) state);
}

/* ---- reports from streaming threads --------------------------------------- */

static gboolean
first_frame_dispatch_cb (gpointer data)
{
  g_autoptr(SlViewer) self = g_weak_ref_get (data);

  if (self != NULL)
    g_signal_emit (self, signals[SIGNAL_FIRST_FRAME], 0);
  return G_SOURCE_REMOVE;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

static void
report_first_frame (SlViewer *self)
{
  GWeakRef *weak = g_new0 (GWeakRef, 1);
  GSource *source = g_idle_source_new ();

  g_weak_ref_init (weak, self);
  g_source_set_callback (source, first_frame_dispatch_cb, weak, weak_ref_free);
  g_source_set_static_name (source, "[sl-viewer] first frame");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

/* With the lock held. */
static void
frame_arrived_locked (SlViewer *self,
                      gboolean *first)
{
  gint64 now = g_get_monotonic_time ();

  self->frames_decoded++;
  if (self->last_frame_us != 0 && now - self->last_frame_us > FREEZE_US)
    self->freezes++;
  self->last_frame_us = now;
  *first = self->first_frame_us == 0;
  if (*first)
    self->first_frame_us = now;
}

static void
push_event (GstClockTime *events,
            guint        *n,
            GstClockTime  t)
{
  if (*n == MAX_EVENTS)
    {
      memmove (events, events + 1, (MAX_EVENTS - 1) * sizeof *events);
      (*n)--;
    }
  events[(*n)++] = t;
}

/* Mean brightness of an RGBA frame, from a grid of its pixels. */
static double
mean_brightness (GstVideoFrame *frame)
{
  const guint8 *data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  int stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  int width = GST_VIDEO_FRAME_WIDTH (frame);
  int height = GST_VIDEO_FRAME_HEIGHT (frame);
  guint64 sum = 0, n = 0;

  for (int y = 0; y < height; y += 8)
    for (int x = 0; x < width; x += 8)
      {
        const guint8 *p = data + (gsize) y * stride + (gsize) x * 4;

        sum += (p[0] * 2 + p[1] * 5 + p[2]) / 8;
        n++;
      }
  return n > 0 ? (double) sum / n : 0;
}

static GstFlowReturn
new_sample_cb (GstAppSink *sink,
               gpointer    data)
{
  SlViewer *self = data;
  g_autoptr(GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buffer;
  const GstSegment *segment;
  GstVideoInfo info;
  GstVideoFrame frame;
  GstClockTime rt = GST_CLOCK_TIME_NONE;
  double level = -1;
  gboolean first = FALSE;
  SlViewerFrameFunc func;
  gpointer func_data;

  if (sample == NULL)
    return GST_FLOW_EOS;
  buffer = gst_sample_get_buffer (sample);
  segment = gst_sample_get_segment (sample);
  if (buffer != NULL && segment != NULL && GST_BUFFER_PTS_IS_VALID (buffer))
    rt = gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
  if (buffer != NULL && gst_video_info_from_caps (&info, gst_sample_get_caps (sample)) &&
      gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    {
      level = mean_brightness (&frame);
      gst_video_frame_unmap (&frame);
    }

  g_mutex_lock (&self->lock);
  frame_arrived_locked (self, &first);
  if (level >= 0)
    {
      gboolean bright = level > FLASH_LEVEL;

      if (bright && !self->bright && GST_CLOCK_TIME_IS_VALID (rt))
        {
          push_event (self->flashes, &self->n_flashes, rt);
          g_debug ("flash at %" GST_TIME_FORMAT, GST_TIME_ARGS (rt));
        }
      self->bright = bright;
    }
  func = self->frame_func;
  func_data = self->frame_data;
  g_mutex_unlock (&self->lock);

  if (first)
    report_first_frame (self);
  if (func != NULL)
    func (sample, func_data);
  return GST_FLOW_OK;
}

/* no-decode: each access unit out of the parser counts as a frame */
static GstPadProbeReturn
count_frame_probe_cb (GstPad          *pad,
                      GstPadProbeInfo *info,
                      gpointer         data)
{
  SlViewer *self = data;
  gboolean first = FALSE;

  g_mutex_lock (&self->lock);
  frame_arrived_locked (self, &first);
  g_mutex_unlock (&self->lock);
  if (first)
    report_first_frame (self);
  return GST_PAD_PROBE_OK;
}

/* On the audio sink's pad: S16 interleaved; finds the beeps' onsets. */
static GstPadProbeReturn
audio_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  SlViewer *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt = _sl_buffer_running_time (pad, buffer);
  GstMapInfo map;
  const gint16 *samples;
  gsize frames;
  int window;

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  if (self->audio_rate == 0)
    {
      g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
      GstAudioInfo ainfo;

      if (caps == NULL || !gst_audio_info_from_caps (&ainfo, caps) ||
          GST_AUDIO_INFO_FORMAT (&ainfo) != GST_AUDIO_FORMAT_S16)
        return GST_PAD_PROBE_OK;
      self->audio_rate = GST_AUDIO_INFO_RATE (&ainfo);
      self->audio_channels = GST_AUDIO_INFO_CHANNELS (&ainfo);
    }
  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  samples = (const gint16 *) map.data;
  frames = map.size / sizeof (gint16) / self->audio_channels;
  window = MAX (self->audio_rate / 1000, 1);

  g_mutex_lock (&self->lock);
  for (gsize i = 0; i < frames; i++)
    {
      double s = samples[i * self->audio_channels];

      if (self->window_n == 0)
        self->window_start = rt + gst_util_uint64_scale_int (i, GST_SECOND, self->audio_rate);
      self->window_sum += s * s;
      if (++self->window_n < (guint) window)
        continue;
      {
        double power = self->window_sum / self->window_n;   /* RMS² */
        GstClockTime start = self->window_start;

        self->window_sum = 0;
        self->window_n = 0;
        if (power < QUIET_RMS * QUIET_RMS)
          {
            if (!GST_CLOCK_TIME_IS_VALID (self->quiet_since))
              self->quiet_since = start;
          }
        else if (power > BEEP_RMS * BEEP_RMS)
          {
            if (GST_CLOCK_TIME_IS_VALID (self->quiet_since) &&
                start >= self->quiet_since + QUIET_BEFORE_BEEP)
              {
                push_event (self->beeps, &self->n_beeps, start);
                g_debug ("beep at %" GST_TIME_FORMAT, GST_TIME_ARGS (start));
              }
            self->quiet_since = GST_CLOCK_TIME_NONE;
          }
        /* in between: the codec's ramp into the beep (its frames smear
         * the onset over a few milliseconds); neither quiet nor the beep */
      }
    }
  g_mutex_unlock (&self->lock);
  gst_buffer_unmap (buffer, &map);
  return GST_PAD_PROBE_OK;
}

/* On webrtcbin's src pads: RTP in. */
static GstPadProbeReturn
count_rtp_probe_cb (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         data)
{
  SlViewer *self = data;
  gboolean video = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "sl-video"));
  gsize size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));

  g_mutex_lock (&self->lock);
  if (video)
    self->video_bytes += size;
  else
    self->audio_bytes += size;
  self->last_data_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  return GST_PAD_PROBE_OK;
}

/* A new stream from the server (a streaming thread): depayload, decode or
 * count, and sink. */
static void
peer_pad_added_cb (SlPeer   *peer,
                   GstPad   *pad,
                   SlViewer *self)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstPad) bin_sink = NULL;
  const char *encoding = NULL;
  const char *description;
  gboolean video;
  GstElement *bin;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps != NULL && gst_caps_get_size (caps) > 0)
    encoding = gst_structure_get_string (gst_caps_get_structure (caps, 0), "encoding-name");
  video = g_strcmp0 (encoding, "H264") == 0;

  if (video && self->options.decode)
    description = "queue max-size-buffers=0 max-size-bytes=0 max-size-time=500000000 ! "
                  "rtph264depay ! h264parse ! avdec_h264 name=dec ! videoconvert ! "
                  "video/x-raw,format=RGBA ! appsink name=sink sync=true max-buffers=2 "
                  "drop=true qos=true";
  else if (video)
    description = "rtph264depay ! h264parse name=parse ! fakesink name=sink sync=false";
  else if (g_strcmp0 (encoding, "OPUS") == 0 && self->options.decode)
    description = self->options.audio_out
      ? "queue max-size-buffers=0 max-size-bytes=0 max-size-time=500000000 ! rtpopusdepay ! "
        "opusdec ! audioconvert ! audioresample ! audio/x-raw,format=S16LE ! "
        "volume name=volume ! autoaudiosink name=sink"
      : "queue max-size-buffers=0 max-size-bytes=0 max-size-time=500000000 ! rtpopusdepay ! "
        "opusdec ! audioconvert ! audioresample ! audio/x-raw,format=S16LE ! "
        "fakesink name=sink sync=true";
  else if (g_strcmp0 (encoding, "OPUS") == 0)
    description = "rtpopusdepay ! fakesink name=sink sync=false";
  else
    description = "fakesink name=sink sync=false";

  bin = gst_parse_bin_from_description (description, TRUE, &error);
  if (bin == NULL)
    {
      g_debug ("cannot receive %s: %s", encoding ? encoding : "a stream", error->message);
      return;
    }
  sink = gst_bin_get_by_name (GST_BIN (bin), "sink");
  if (video && self->options.decode)
    {
      GstAppSinkCallbacks callbacks;

      memset (&callbacks, 0, sizeof callbacks);
      callbacks.new_sample = new_sample_cb;
      gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, self, NULL);
    }
  else if (video)
    {
      g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

      gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, count_frame_probe_cb, self, NULL);
    }
  else if (g_strcmp0 (encoding, "OPUS") == 0 && self->options.decode)
    {
      g_autoptr(GstPad) sink_pad = NULL;

      /* autoaudiosink is a bin: probe its ghost pad */
      sink_pad = gst_element_get_static_pad (sink, "sink");
      if (sink_pad != NULL)
        gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER, audio_probe_cb, self, NULL);
      if (self->options.audio_out)
        {
          GstElement *volume = gst_bin_get_by_name (GST_BIN (bin), "volume");

          g_mutex_lock (&self->lock);
          g_object_set (volume, "volume", self->volume, "mute", self->muted, NULL);
          g_clear_object (&self->volume_element);
          self->volume_element = volume;
          g_mutex_unlock (&self->lock);
        }
    }

  g_object_set_data (G_OBJECT (pad), "sl-video", GINT_TO_POINTER (video));
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_rtp_probe_cb, self, NULL);

  gst_bin_add (GST_BIN (self->pipeline), bin);
  gst_element_sync_state_with_parent (bin);
  bin_sink = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, bin_sink) != GST_PAD_LINK_OK)
    g_debug ("cannot link the %s stream", encoding ? encoding : "unknown");
}

/* rtpbin lines the streams up (lip sync) by changing its jitter buffers'
 * ts-offset once the server's RTCP sender reports are in: flashes and
 * beeps seen before a real change are on other time lines, so forget them.
 * Each later report nudges the offset by a few milliseconds; that is not a
 * new time line. */
#define TS_OFFSET_JUMP (20 * GST_MSECOND)
#define TS_OFFSET_KEY "sl-viewer-ts-offset"

static void
ts_offset_notify_cb (GObject    *jitterbuffer,
                     GParamSpec *pspec,
                     SlViewer   *self)
{
  gint64 offset = 0;
  gint64 *seen = g_object_get_data (jitterbuffer, TS_OFFSET_KEY);

  g_object_get (jitterbuffer, "ts-offset", &offset, NULL);
  if (seen != NULL && ABS (offset - *seen) < TS_OFFSET_JUMP)
    return;
  if (seen == NULL)
    {
      seen = g_new (gint64, 1);
      g_object_set_data_full (jitterbuffer, TS_OFFSET_KEY, seen, g_free);
    }
  *seen = offset;
  g_debug ("%s: ts-offset now %" G_GINT64_FORMAT " ms: the A/V offset starts again",
           GST_OBJECT_NAME (jitterbuffer), offset / GST_MSECOND);

  g_mutex_lock (&self->lock);
  self->n_flashes = self->n_beeps = 0;
  self->bright = FALSE;
  g_mutex_unlock (&self->lock);
}

static void
new_jitterbuffer_cb (GstElement *rtpbin,
                     GstElement *jitterbuffer,
                     guint       session,
                     guint       ssrc,
                     SlViewer   *self)
{
  g_signal_connect (jitterbuffer, "notify::ts-offset", G_CALLBACK (ts_offset_notify_cb), self);
}

/* ---- sessions -------------------------------------------------------------- */

static void
end_session (SlViewer *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
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

  self->bytes_before += self->peer_stats.bytes_received;
  memset (&self->peer_stats, 0, sizeof self->peer_stats);
  g_mutex_lock (&self->lock);
  self->dropped_done += self->dropped_decoder + self->dropped_sink;
  self->dropped_decoder = self->dropped_sink = 0;
  /* last_frame_us stays: a stream that comes back after a gap froze */
  self->bright = FALSE;
  self->quiet_since = GST_CLOCK_TIME_NONE;
  self->window_n = 0;
  self->window_sum = 0;
  self->audio_rate = 0;
  /* running times start again with the next pipeline */
  self->n_flashes = self->n_beeps = 0;
  g_clear_object (&self->volume_element);
  g_mutex_unlock (&self->lock);
}

static gboolean
retry_cb (gpointer data)
{
  SlViewer *self = data;

  self->retry_id = 0;
  attempt (self);
  return G_SOURCE_REMOVE;
}

/* The stream went away: try again after the backoff. */
static void
reconnect_later (SlViewer   *self,
                 const char *why)
{
  end_session (self);
  if (self->state == SL_MEDIA_STOPPED || self->state == SL_MEDIA_FAILED)
    return;
  g_debug ("class %" G_GINT64_FORMAT ": %s; again in %u s", self->class_id, why, self->backoff_s);
  set_state (self, SL_MEDIA_RECONNECTING);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add_seconds (self->backoff_s, retry_cb, self);
  self->backoff_s = MIN (self->backoff_s * 2, RETRY_MAX_S);
}

/* The attempt failed with @error (taken): the first one fails the start;
 * later ones give up on refusals retrying cannot fix. */
static void
attempt_failed (SlViewer *self,
                GError   *error)
{
  g_autoptr(GError) owned = error;
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_object_ref (self);
  if (task != NULL)
    {
      end_session (self);
      g_clear_handle_id (&self->tick_id, g_source_remove);
      set_state (self, SL_MEDIA_FAILED);
      g_task_return_error (task, g_steal_pointer (&owned));
    }
  else if (g_error_matches (owned, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN) ||
           g_error_matches (owned, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND) ||
           g_error_matches (owned, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT))
    {
      end_session (self);
      g_clear_handle_id (&self->tick_id, g_source_remove);
      set_state (self, SL_MEDIA_FAILED);
      g_signal_emit (self, signals[SIGNAL_ERROR], 0, owned);
    }
  else
    reconnect_later (self, owned->message);
  g_object_unref (self);
}

static void
connected (SlViewer *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->start_task);

  g_clear_handle_id (&self->connect_timeout_id, g_source_remove);
  if (self->state == SL_MEDIA_RECONNECTING)
    self->reconnects++;
  self->backoff_s = RETRY_FIRST_S;
  g_mutex_lock (&self->lock);
  /* the watchdog counts from here */
  self->last_data_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  set_state (self, SL_MEDIA_CONNECTED);
  if (task != NULL)
    g_task_return_boolean (task, TRUE);
}

static void
peer_state_cb (SlPeer   *peer,
               int       state,
               SlViewer *self)
{
  switch ((SlPeerState) state)
    {
    case SL_PEER_CONNECTED:
      if (self->state != SL_MEDIA_CONNECTED && self->link != NULL &&
          _sl_media_link_get_location (self->link) != NULL)
        connected (self);
      break;
    case SL_PEER_FAILED:
    case SL_PEER_CLOSED:
      attempt_failed (self, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
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
  g_autoptr(SlViewer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!_sl_media_link_negotiate_finish (NULL, result, &error))
    {
      /* cancelled: the session was ended on purpose, and whoever ended it
       * decided what comes next */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        attempt_failed (self, g_steal_pointer (&error));
      else if (self->start_task != NULL && self->cancellable != NULL &&
               g_cancellable_is_cancelled (self->cancellable))
        attempt_failed (self, g_steal_pointer (&error));   /* the caller's cancellable */
      return;
    }
  if (self->peer != NULL && sl_peer_get_state (self->peer) == SL_PEER_CONNECTED &&
      self->state != SL_MEDIA_CONNECTED)
    connected (self);
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    data)
{
  SlViewer *self = data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) gerror = NULL;
        g_autofree char *debug = NULL;
        GError *error;

        gst_message_parse_error (message, &gerror, &debug);
        g_debug ("%s: %s (%s)", GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message,
                 debug ? debug : "");
        GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS (GST_BIN (self->pipeline), GST_DEBUG_GRAPH_SHOW_ALL,
                                           "sl-viewer-error");
        error = g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA, "the media pipeline stopped: %s: %s",
                             GST_OBJECT_NAME (GST_MESSAGE_SRC (message)), gerror->message);
        attempt_failed (self, error);
        return G_SOURCE_REMOVE;
      }
    case GST_MESSAGE_QOS:
      {
        GstFormat format;
        guint64 processed, dropped;
        const char *name = GST_OBJECT_NAME (GST_MESSAGE_SRC (message));

        gst_message_parse_qos_stats (message, &format, &processed, &dropped);
        if (format != GST_FORMAT_BUFFERS || dropped == (guint64) -1)
          break;
        g_mutex_lock (&self->lock);
        if (g_strcmp0 (name, "dec") == 0)
          self->dropped_decoder = MAX (self->dropped_decoder, dropped);
        else if (g_strcmp0 (name, "sink") == 0)
          self->dropped_sink = MAX (self->dropped_sink, dropped);
        g_mutex_unlock (&self->lock);
      }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
connect_timeout_cb (gpointer data)
{
  SlViewer *self = data;

  self->connect_timeout_id = 0;
  attempt_failed (self, g_error_new (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                                     "no WebRTC link to the server after %d s",
                                     CONNECT_TIMEOUT_S));
  return G_SOURCE_REMOVE;
}

static const char *const decode_elements[] = {
  "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec", "rtpbin",
  "rtpjitterbuffer", "rtph264depay", "h264parse", "avdec_h264", "videoconvert", "appsink",
  "rtpopusdepay", "opusdec", "audioconvert", "audioresample", "queue", "capsfilter",
  "fakesink", NULL,
};

static const char *const receive_elements[] = {
  "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec", "rtpbin",
  "rtpjitterbuffer", "rtph264depay", "h264parse", "rtpopusdepay", "fakesink", NULL,
};

static void
attempt (SlViewer *self)
{
  g_autoptr(GstBus) bus = NULL;
  g_autofree char *path = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, self->class_id);
  GstCaps *recv[3];

  end_session (self);
  self->cancellable = g_cancellable_new ();
  self->pipeline = gst_object_ref_sink (gst_pipeline_new ("sl-viewer"));
  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);
  self->peer = sl_peer_new (GST_BIN (self->pipeline), "webrtc",
                            (const char *const *) self->ice_addresses);
  g_object_set (sl_peer_get_webrtcbin (self->peer), "latency",
                self->options.latency_ms > 0 ? self->options.latency_ms : DEFAULT_LATENCY_MS,
                NULL);
  g_signal_connect (self->peer, "state-changed", G_CALLBACK (peer_state_cb), self);
  g_signal_connect (self->peer, "pad-added", G_CALLBACK (peer_pad_added_cb), self);
  {
    g_autoptr(GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (sl_peer_get_webrtcbin (self->peer)),
                                                        "rtpbin");

    if (rtpbin != NULL)
      g_signal_connect (rtpbin, "new-jitterbuffer", G_CALLBACK (new_jitterbuffer_cb), self);
  }
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      attempt_failed (self, g_error_new_literal (SL_CLIENT_ERROR, SL_CLIENT_ERROR_MEDIA,
                                                 "the receiving pipeline did not start"));
      return;
    }

  self->link = _sl_media_link_new (self->api, self->peer);
  recv[0] = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=H264,payload=102,"
                                  "clock-rate=90000,packetization-mode=(string)1,"
                                  "profile-level-id=(string)42e01f");
  recv[1] = gst_caps_from_string ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,"
                                  "clock-rate=48000,encoding-params=(string)2");
  recv[2] = NULL;
  self->connect_timeout_id = g_timeout_add_seconds (CONNECT_TIMEOUT_S, connect_timeout_cb, self);
  _sl_media_link_negotiate_async (self->link, path, recv, self->cancellable, negotiated_cb,
                                  g_object_ref (self));
  gst_caps_unref (recv[0]);
  gst_caps_unref (recv[1]);
}

/* ---- once a second: figures, and the watchdog ----------------------------- */

static void
stats_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(SlViewer) self = user_data;
  SlPeerStats stats;

  if (SL_PEER (source) != self->peer ||
      !sl_peer_get_stats_finish (SL_PEER (source), result, &stats, NULL))
    return;
  {
    gint64 lost = stats.packets_lost - self->peer_stats.packets_lost;
    guint64 received = stats.packets_received - self->peer_stats.packets_received;

    self->loss_percent = lost > 0 && received + lost > 0
      ? 100.0 * lost / (double) (received + (guint64) lost) : 0;
  }
  self->peer_stats = stats;
}

static gboolean
tick_cb (gpointer data)
{
  SlViewer *self = data;
  gint64 now = g_get_monotonic_time ();
  double seconds = (now - self->last_tick_us) / (double) G_USEC_PER_SEC;
  guint64 video, audio;
  gint64 last_data;

  g_mutex_lock (&self->lock);
  video = self->video_bytes;
  audio = self->audio_bytes;
  last_data = self->last_data_us;
  g_mutex_unlock (&self->lock);
  if (seconds > 0)
    {
      self->video_kbps = (video - self->last_video_bytes) * 8 / 1000.0 / seconds;
      self->audio_kbps = (audio - self->last_audio_bytes) * 8 / 1000.0 / seconds;
    }
  self->last_video_bytes = video;
  self->last_audio_bytes = audio;
  self->last_tick_us = now;

  if (self->state == SL_MEDIA_CONNECTED && self->peer != NULL)
    {
      /* the server drops its viewers when the publisher goes; a link
       * without data is a lost stream, whatever ICE says */
      if (now - last_data > NO_DATA_TIMEOUT_US)
        {
          reconnect_later (self, "no data from the server");
          return G_SOURCE_CONTINUE;
        }
      sl_peer_get_stats_async (self->peer, self->cancellable, stats_done_cb, g_object_ref (self));
    }
  return G_SOURCE_CONTINUE;
}

/* ---- public ---------------------------------------------------------------- */

static void
cancel_cb (GCancellable *cancellable,
           GWeakRef     *weak)
{
  g_autoptr(SlViewer) self = g_weak_ref_get (weak);

  /* only before the start resolved; handled on the viewer's context */
  if (self != NULL && self->start_task != NULL && self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
}

void
sl_viewer_start_async (SlViewer            *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GError *error = NULL;

  g_return_if_fail (SL_IS_VIEWER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_viewer_start_async);
  if (self->start_task != NULL || self->state == SL_MEDIA_CONNECTED ||
      self->state == SL_MEDIA_RECONNECTING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "already watching");
      return;
    }
  if (sl_api_client_get_access_token (self->api) == NULL)
    {
      g_task_return_new_error (task, SL_CLIENT_ERROR, SL_CLIENT_ERROR_SIGNED_OUT,
                               "sign in before watching");
      return;
    }
  if (!_sl_client_check_elements (self->options.decode ? decode_elements : receive_elements,
                                  &error))
    {
      set_state (self, SL_MEDIA_FAILED);
      g_task_return_error (task, error);
      return;
    }
  if (self->options.decode && self->options.audio_out)
    {
      static const char *const out[] = { "volume", "autoaudiosink", NULL };

      if (!_sl_client_check_elements (out, &error))
        {
          set_state (self, SL_MEDIA_FAILED);
          g_task_return_error (task, error);
          return;
        }
    }

  self->start_task = g_steal_pointer (&task);
  self->started_us = g_get_monotonic_time ();
  self->backoff_s = RETRY_FIRST_S;
  g_mutex_lock (&self->lock);
  self->first_frame_us = 0;
  self->last_frame_us = 0;
  g_mutex_unlock (&self->lock);
  if (cancellable != NULL)
    {
      GWeakRef *weak = g_new0 (GWeakRef, 1);

      g_weak_ref_init (weak, self);
      g_cancellable_connect (cancellable, G_CALLBACK (cancel_cb), weak, weak_ref_free);
    }
  set_state (self, SL_MEDIA_CONNECTING);
  self->last_tick_us = g_get_monotonic_time ();
  if (self->tick_id == 0)
    self->tick_id = g_timeout_add_seconds (1, tick_cb, self);
  attempt (self);
}

gboolean
sl_viewer_start_finish (SlViewer      *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_viewer_start_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
sl_viewer_stop (SlViewer *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SL_IS_VIEWER (self));

  task = g_steal_pointer (&self->start_task);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  end_session (self);
  if (self->state != SL_MEDIA_IDLE)
    set_state (self, SL_MEDIA_STOPPED);
  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "watching was stopped");
}

SlMediaState
sl_viewer_get_state (SlViewer *self)
{
  g_return_val_if_fail (SL_IS_VIEWER (self), SL_MEDIA_FAILED);

  return self->state;
}

void
sl_viewer_get_stats (SlViewer     *self,
                     SlMediaStats *stats)
{
  g_return_if_fail (SL_IS_VIEWER (self));
  g_return_if_fail (stats != NULL);

  memset (stats, 0, sizeof *stats);
  stats->video_kbps = self->video_kbps;
  stats->audio_kbps = self->audio_kbps;
  stats->bytes = self->bytes_before + self->peer_stats.bytes_received;
  stats->packets_lost = self->peer_stats.packets_lost;
  stats->loss_percent = self->loss_percent;
  stats->jitter_ms = self->peer_stats.jitter_ms;
  stats->rtt_ms = self->peer_stats.rtt_ms;
  stats->reconnects = self->reconnects;
  g_mutex_lock (&self->lock);
  if (stats->bytes == 0)
    stats->bytes = self->video_bytes + self->audio_bytes;
  stats->frames_decoded = self->frames_decoded;
  stats->frames_dropped = self->dropped_done + self->dropped_decoder + self->dropped_sink;
  stats->freezes = self->freezes;
  stats->first_frame_ms = self->first_frame_us == 0 ? -1
                                                    : (self->first_frame_us - self->started_us) / 1000;
  g_mutex_unlock (&self->lock);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

gboolean
sl_viewer_get_av_offset (SlViewer *self,
                         double   *offset_ms)
{
  double offsets[OFFSETS_KEPT];
  guint n = 0;

  g_return_val_if_fail (SL_IS_VIEWER (self), FALSE);
  g_return_val_if_fail (offset_ms != NULL, FALSE);

  g_mutex_lock (&self->lock);
  /* the last flashes, each with its nearest beep */
  for (guint i = self->n_flashes; i > 0 && n < OFFSETS_KEPT; i--)
    {
      GstClockTime flash = self->flashes[i - 1];
      GstClockTimeDiff best = G_MAXINT64;

      for (guint j = 0; j < self->n_beeps; j++)
        {
          GstClockTimeDiff d = GST_CLOCK_DIFF (flash, self->beeps[j]);

          if (ABS (d) < ABS (best))
            best = d;
        }
      if (best != G_MAXINT64 && (GstClockTime) ABS (best) < PAIR_WINDOW)
        offsets[n++] = (double) best / GST_MSECOND;
    }
  g_mutex_unlock (&self->lock);

  if (n < 3)
    return FALSE;
  qsort (offsets, n, sizeof offsets[0], compare_double);
  *offset_ms = n % 2 == 1 ? offsets[n / 2] : (offsets[n / 2 - 1] + offsets[n / 2]) / 2;
  return TRUE;
}

void
sl_viewer_set_frame_func (SlViewer          *self,
                          SlViewerFrameFunc  func,
                          gpointer           user_data,
                          GDestroyNotify     destroy)
{
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_return_if_fail (SL_IS_VIEWER (self));

  g_mutex_lock (&self->lock);
  old_data = self->frame_data;
  old_destroy = self->frame_destroy;
  self->frame_func = func;
  self->frame_data = user_data;
  self->frame_destroy = destroy;
  g_mutex_unlock (&self->lock);
  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
sl_viewer_set_volume (SlViewer *self,
                      double    volume,
                      gboolean  muted)
{
  g_return_if_fail (SL_IS_VIEWER (self));

  g_mutex_lock (&self->lock);
  self->volume = CLAMP (volume, 0.0, 1.0);
  self->muted = muted;
  if (self->volume_element != NULL)
    g_object_set (self->volume_element, "volume", self->volume, "mute", self->muted, NULL);
  g_mutex_unlock (&self->lock);
}

/* ---- the object ------------------------------------------------------------- */

static void
sl_viewer_dispose (GObject *object)
{
  SlViewer *self = SL_VIEWER (object);

  sl_viewer_stop (self);
  sl_viewer_set_frame_func (self, NULL, NULL, NULL);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (sl_viewer_parent_class)->dispose (object);
}

static void
sl_viewer_finalize (GObject *object)
{
  SlViewer *self = SL_VIEWER (object);

  g_strfreev (self->ice_addresses);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (sl_viewer_parent_class)->finalize (object);
}

static void
sl_viewer_class_init (SlViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_viewer_dispose;
  object_class->finalize = sl_viewer_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sl_viewer_init (SlViewer *self)
{
  g_mutex_init (&self->lock);
  self->state = SL_MEDIA_IDLE;
  self->quiet_since = GST_CLOCK_TIME_NONE;
  self->backoff_s = RETRY_FIRST_S;
  self->volume = 1.0;
}

SlViewer *
sl_viewer_new (SlApiClient           *api,
               gint64                 class_id,
               const SlViewerOptions *options,
               const char *const     *ice_addresses)
{
  SlViewer *self;

  g_return_val_if_fail (SL_IS_API_CLIENT (api), NULL);
  g_return_val_if_fail (options != NULL, NULL);

  sl_media_init ();
  self = g_object_new (SL_TYPE_VIEWER, NULL);
  self->api = g_object_ref (api);
  self->class_id = class_id;
  self->options = *options;
  self->ice_addresses = g_strdupv ((char **) ice_addresses);
  self->context = g_main_context_ref_thread_default ();
  return self;
}
