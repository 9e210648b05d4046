/* sl-forwarder.c: one encoded H.264 + Opus input, any number of WebRTC
 * outputs, never decoded or re-encoded
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* webrtcbin's library is "unstable API" in 1.22; we pin 1.22. */

#define G_LOG_DOMAIN "sl-forwarder"

#include "config.h"

#include "sl-forwarder.h"

#include "sl-sdp.h"

#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>

/* Each stream: tee → [per output] queue (leaky) → payloader → webrtcbin.
 *
 * Keyframe requests (an upstream GstForceKeyUnit event, which rtpsession
 * turns into RTCP PLI toward the publisher) all go through one rate limit:
 * the ones the forwarder makes itself (a new output, an output that dropped
 * data) and the ones from viewers (their PLI reaches the payloader as the
 * same event and is caught at the output's queue). */

typedef struct {
  GstPad     *tee_pad;      /* request src pad of the tee */
  GstElement *queue;
  GstElement *pay;
  GstPad     *webrtc_pad;   /* request sink pad of the peer's webrtcbin */
  gulong      overrun_id;
} Branch;

/* Probe data that outlives neither the forwarder nor its output unsafely:
 * only a weak reference to the forwarder. */
typedef struct {
  GWeakRef forwarder;
} WeakForwarder;

struct _SlForwarderOutput {
  SlForwarder *forwarder;
  SlPeer      *peer;
  GstElement  *webrtcbin;
  Branch       video;
  Branch       audio;
  gsize        dropped;           /* atomic */
  gint         waiting_keyframe;  /* atomic: drop delta frames until a keyframe */
  gint         request_on_flow;   /* atomic: ask for a keyframe when data moves again */
  gint         connected;         /* atomic: the peer's DTLS link is up */
  gulong       state_id;
};

struct _SlForwarder {
  GObject     parent_instance;

  GstBin     *bin;
  GstElement *video_tee;
  GstElement *audio_tee;
  GstPad     *video_sink;
  GstPad     *audio_sink;
  GPtrArray  *outputs;        /* SlForwarderOutput, main context only */
  gboolean    closed;

  GMutex      lock;           /* guards the rate limit */
  gint64      last_request;   /* monotonic µs, 0: never */
  GstClock   *clock;
  GstClockID  pending;        /* the coalesced request at the end of the interval */
  guint       requests;       /* that went upstream */
};

G_DEFINE_FINAL_TYPE (SlForwarder, sl_forwarder, G_TYPE_OBJECT)

static WeakForwarder *
weak_forwarder_new (SlForwarder *self)
{
  WeakForwarder *weak = g_new0 (WeakForwarder, 1);

  g_weak_ref_init (&weak->forwarder, self);
  return weak;
}

static void
weak_forwarder_free (gpointer data)
{
  WeakForwarder *weak = data;

  g_weak_ref_clear (&weak->forwarder);
  g_free (weak);
}

/* --- Keyframe requests --- */

static void
send_keyframe_request_cb (GstElement *tee,
                          gpointer    data)
{
  GstPad *sink = gst_element_get_static_pad (tee, "sink");
  GstEvent *event = gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0);

  /* From the tee's sink pad, upstream: parser, depayloader, webrtcbin. */
  if (!gst_pad_push_event (sink, event))
    g_debug ("nothing upstream took the keyframe request");
  gst_object_unref (sink);
}

/* With the lock held: counts the request and sends it from GStreamer's
 * thread pool, never from the thread of the caller (which may hold
 * streaming locks). */
static void
send_keyframe_request_locked (SlForwarder *self)
{
  self->last_request = g_get_monotonic_time ();
  self->requests++;
  if (self->video_tee != NULL)
    gst_element_call_async (self->video_tee, send_keyframe_request_cb, NULL, NULL);
}

static gboolean
pending_request_cb (GstClock   *clock,
                    GstClockTime time,
                    GstClockID  id,
                    gpointer    data)
{
  WeakForwarder *weak = data;
  g_autoptr(SlForwarder) self = g_weak_ref_get (&weak->forwarder);

  if (self == NULL)
    return TRUE;
  g_mutex_lock (&self->lock);
  if (self->pending == id && !self->closed)
    {
      g_clear_pointer (&self->pending, gst_clock_id_unref);
      send_keyframe_request_locked (self);
    }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

void
sl_forwarder_request_keyframe (SlForwarder *self)
{
  gint64 interval = SL_FORWARDER_KEYFRAME_INTERVAL_MS * G_TIME_SPAN_MILLISECOND;
  gint64 now;

  g_return_if_fail (SL_IS_FORWARDER (self));

  g_mutex_lock (&self->lock);
  now = g_get_monotonic_time ();
  if (self->closed || self->pending != NULL)
    ;   /* one is already due at the end of the interval */
  else if (self->last_request == 0 || now - self->last_request >= interval)
    send_keyframe_request_locked (self);
  else
    {
      GstClockTime due = gst_clock_get_time (self->clock) +
                         (self->last_request + interval - now) * GST_USECOND;

      self->pending = gst_clock_new_single_shot_id (self->clock, due);
      gst_clock_id_wait_async (self->pending, pending_request_cb,
                               weak_forwarder_new (self), weak_forwarder_free);
    }
  g_mutex_unlock (&self->lock);
}

guint
sl_forwarder_get_keyframe_requests (SlForwarder *self)
{
  guint n;

  g_return_val_if_fail (SL_IS_FORWARDER (self), 0);

  g_mutex_lock (&self->lock);
  n = self->requests;
  g_mutex_unlock (&self->lock);
  return n;
}

/* A viewer's PLI, arriving as an upstream event at the output's video
 * queue: it goes through the rate limit instead. */
static GstPadProbeReturn
upstream_event_probe_cb (GstPad          *pad,
                         GstPadProbeInfo *info,
                         gpointer         data)
{
  WeakForwarder *weak = data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  g_autoptr(SlForwarder) self = NULL;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  self = g_weak_ref_get (&weak->forwarder);
  if (self != NULL)
    sl_forwarder_request_keyframe (self);
  return GST_PAD_PROBE_DROP;
}

/* --- Outputs --- */

/* On the video queue's src pad (the queue's own thread): lets nothing but a
 * keyframe through while the output waits for one. */
static GstPadProbeReturn
keyframe_gate_probe_cb (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         data)
{
  SlForwarderOutput *output = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  /* Until the link is up, webrtcbin would drop the data anyway; the
   * keyframe must come after. */
  if (!g_atomic_int_get (&output->connected))
    return GST_PAD_PROBE_DROP;
  if (!g_atomic_int_get (&output->waiting_keyframe))
    return GST_PAD_PROBE_OK;

  if (g_atomic_int_compare_and_exchange (&output->request_on_flow, TRUE, FALSE))
    sl_forwarder_request_keyframe (output->forwarder);
  /* Not counted as dropped: nothing was lost that the viewer could use. */
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    return GST_PAD_PROBE_DROP;
  g_atomic_int_set (&output->waiting_keyframe, FALSE);
  return GST_PAD_PROBE_OK;
}

/* The queue is full and drops its oldest data (queue lock held: be quick).
 * Video then waits for a keyframe, asked for once data moves again, so a
 * stalled output does not make the publisher send keyframes every second. */
static void
video_overrun_cb (GstElement        *queue,
                  SlForwarderOutput *output)
{
  g_atomic_pointer_add (&output->dropped, 1);
  if (!g_atomic_int_get (&output->waiting_keyframe))
    {
      g_atomic_int_set (&output->request_on_flow, TRUE);
      g_atomic_int_set (&output->waiting_keyframe, TRUE);
    }
}

/* The peer's link came up (or back): start with a keyframe. */
static void
peer_state_changed_cb (SlPeer            *peer,
                       int                state,
                       SlForwarderOutput *output)
{
  gboolean connected = state == SL_PEER_CONNECTED;

  if (connected == g_atomic_int_get (&output->connected))
    return;
  if (connected)
    {
      g_atomic_int_set (&output->waiting_keyframe, TRUE);
      g_atomic_int_set (&output->request_on_flow, FALSE);
      if (output->video.queue != NULL)
        sl_forwarder_request_keyframe (output->forwarder);
    }
  g_atomic_int_set (&output->connected, connected);
}

static void
audio_overrun_cb (GstElement        *queue,
                  SlForwarderOutput *output)
{
  g_atomic_pointer_add (&output->dropped, 1);
}

static GstPadProbeReturn
drop_probe_cb (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         data)
{
  return GST_PAD_PROBE_DROP;
}

/* Undoes build_branch, whatever part of it was done.  Main context. */
static void
destroy_branch (SlForwarder *self,
                GstElement  *tee,
                GstElement  *webrtc,
                Branch      *branch)
{
  GstElement *elements[] = { branch->queue, branch->pay };

  /* The payloader's pushes succeed (into nothing) from now on; then
   * the tee stops feeding the queue. */
  if (branch->pay != NULL)
    {
      g_autoptr(GstPad) src = gst_element_get_static_pad (branch->pay, "src");

      gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, drop_probe_cb, NULL, NULL);
      if (branch->webrtc_pad != NULL)
        gst_pad_unlink (src, branch->webrtc_pad);
    }
  if (branch->tee_pad != NULL)
    {
      gst_element_release_request_pad (tee, branch->tee_pad);
      g_clear_object (&branch->tee_pad);
    }
  /* Deactivating the webrtcbin pad (only that ghost pad: the peer's
   * other streams go on) wakes a thread blocked in or below it, so the
   * queue can stop; webrtcbin's release does not do it. */
  if (branch->webrtc_pad != NULL)
    {
      gst_pad_set_active (branch->webrtc_pad, FALSE);
      if (GST_OBJECT_PARENT (branch->webrtc_pad) == GST_OBJECT (webrtc))
        gst_element_release_request_pad (webrtc, branch->webrtc_pad);
      g_clear_object (&branch->webrtc_pad);
    }
  if (branch->overrun_id != 0)
    g_clear_signal_handler (&branch->overrun_id, branch->queue);

  for (gsize i = 0; i < G_N_ELEMENTS (elements); i++)
    {
      if (elements[i] == NULL)
        continue;
      gst_element_set_locked_state (elements[i], TRUE);
      gst_element_set_state (elements[i], GST_STATE_NULL);
      if (GST_OBJECT_PARENT (elements[i]) == GST_OBJECT (self->bin))
        gst_bin_remove (self->bin, elements[i]);
      gst_object_unref (elements[i]);
    }
  branch->queue = NULL;
  branch->pay = NULL;
}

static gboolean
build_branch (SlForwarder        *self,
              SlForwarderOutput  *output,
              GstElement         *tee,
              Branch             *branch,
              const char         *pay_factory,
              int                 pt,
              GstCaps            *caps,
              gboolean            video,
              GError            **error)
{
  GstPadTemplate *templ = gst_element_get_pad_template (output->webrtcbin, "sink_%u");
  g_autoptr(GstPad) queue_sink = NULL;
  g_autoptr(GstPad) queue_src = NULL;
  g_autoptr(GstPad) pay_src = NULL;
  GstWebRTCRTPTransceiver *trans = NULL;

  branch->queue = gst_element_factory_make ("queue", NULL);
  branch->pay = gst_element_factory_make (pay_factory, NULL);
  if (branch->queue == NULL || branch->pay == NULL)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_MISSING_PLUGIN,
                   "missing GStreamer elements: %s (install %s)",
                   branch->queue == NULL ? "queue" : pay_factory,
                   sl_media_element_package (branch->queue == NULL ? "queue" : pay_factory));
      return FALSE;
    }
  gst_object_ref_sink (branch->queue);
  gst_object_ref_sink (branch->pay);

  g_object_set (branch->queue,
                "leaky", 2 /* downstream: drop the oldest */,
                "max-size-buffers", 0,
                "max-size-bytes", 0,
                "max-size-time", (guint64) SL_FORWARDER_QUEUE_MS * GST_MSECOND,
                "silent", FALSE,
                NULL);
  g_object_set (branch->pay, "pt", (guint) pt, NULL);
  if (video)
    {
      /* the input carries SPS/PPS before each keyframe already (see the
       * header); a second copy from the payloader before every slice of a
       * multi-slice keyframe would make receivers cut it in two */
      g_object_set (branch->pay, "config-interval", 0, NULL);
      gst_util_set_object_arg (G_OBJECT (branch->pay), "aggregate-mode", "zero-latency");
    }

  gst_bin_add_many (self->bin, branch->queue, branch->pay, NULL);
  if (!gst_element_link (branch->queue, branch->pay))
    goto link_failed;

  /* The caps carry the viewer's payload type: webrtcbin makes a
   * transceiver for the pad with them as codec preferences, and the
   * answer picks that transceiver for the offer's m-line of that kind. */
  branch->webrtc_pad = templ != NULL ? gst_element_request_pad (output->webrtcbin, templ, NULL, caps) : NULL;
  if (branch->webrtc_pad == NULL)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                   "webrtcbin gave no sink pad for %s", video ? "video" : "audio");
      return FALSE;
    }
  g_object_get (branch->webrtc_pad, "transceiver", &trans, NULL);
  if (trans != NULL)
    {
      g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
      gst_object_unref (trans);
    }
  pay_src = gst_element_get_static_pad (branch->pay, "src");
  if (gst_pad_link (pay_src, branch->webrtc_pad) != GST_PAD_LINK_OK)
    goto link_failed;

  queue_src = gst_element_get_static_pad (branch->queue, "src");
  if (video)
    {
      gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_BUFFER, keyframe_gate_probe_cb, output, NULL);
      gst_pad_add_probe (queue_src, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, upstream_event_probe_cb,
                         weak_forwarder_new (self), weak_forwarder_free);
      branch->overrun_id = g_signal_connect (branch->queue, "overrun", G_CALLBACK (video_overrun_cb), output);
    }
  else
    {
      branch->overrun_id = g_signal_connect (branch->queue, "overrun", G_CALLBACK (audio_overrun_cb), output);
    }

  if (!gst_element_sync_state_with_parent (branch->pay) ||
      !gst_element_sync_state_with_parent (branch->queue))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                           "a forwarder output could not be started");
      return FALSE;
    }

  /* Last, so that no data flows into a half-built branch. */
  branch->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  queue_sink = gst_element_get_static_pad (branch->queue, "sink");
  if (branch->tee_pad == NULL || gst_pad_link (branch->tee_pad, queue_sink) != GST_PAD_LINK_OK)
    goto link_failed;
  return TRUE;

link_failed:
  g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
               "could not link the %s output to webrtcbin", video ? "video" : "audio");
  return FALSE;
}

static void
output_free (SlForwarder       *self,
             SlForwarderOutput *output)
{
  g_clear_signal_handler (&output->state_id, output->peer);
  destroy_branch (self, self->video_tee, output->webrtcbin, &output->video);
  destroy_branch (self, self->audio_tee, output->webrtcbin, &output->audio);
  g_clear_object (&output->webrtcbin);
  g_clear_object (&output->peer);
  g_free (output);
}

SlForwarderOutput *
sl_forwarder_add_output (SlForwarder  *self,
                         SlPeer       *peer,
                         int           h264_pt,
                         const char   *h264_fmtp,
                         int           opus_pt,
                         GError      **error)
{
  SlForwarderOutput *output;
  GstElement *webrtc;

  g_return_val_if_fail (SL_IS_FORWARDER (self), NULL);
  g_return_val_if_fail (SL_IS_PEER (peer), NULL);
  g_return_val_if_fail (h264_pt <= 127 && opus_pt <= 127, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  webrtc = sl_peer_get_webrtcbin (peer);
  if (self->closed || webrtc == NULL)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED,
                           self->closed ? "the forwarder is closed" : "the peer connection is closed");
      return NULL;
    }
  if (GST_OBJECT_PARENT (webrtc) != GST_OBJECT (self->bin))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                           "the peer's webrtcbin is not in the forwarder's bin");
      return NULL;
    }
  if (h264_pt < 0 && opus_pt < 0)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_NO_CODEC,
                           "the output would carry neither H.264 nor Opus");
      return NULL;
    }

  output = g_new0 (SlForwarderOutput, 1);
  output->forwarder = self;
  output->peer = g_object_ref (peer);
  output->webrtcbin = gst_object_ref (webrtc);
  output->waiting_keyframe = TRUE;

  if (h264_pt >= 0)
    {
      g_autoptr(GstCaps) caps = sl_sdp_h264_rtp_caps (h264_pt, h264_fmtp);

      if (!build_branch (self, output, self->video_tee, &output->video, "rtph264pay",
                         h264_pt, caps, TRUE, error))
        goto failed;
    }
  if (opus_pt >= 0)
    {
      g_autoptr(GstCaps) caps = sl_sdp_opus_rtp_caps (opus_pt);

      if (!build_branch (self, output, self->audio_tee, &output->audio, "rtpopuspay",
                         opus_pt, caps, FALSE, error))
        goto failed;
    }

  g_ptr_array_add (self->outputs, output);
  output->state_id = g_signal_connect (peer, "state-changed", G_CALLBACK (peer_state_changed_cb), output);
  /* The keyframe is asked for when the link is up (peer_state_changed_cb),
   * not before: one that came while DTLS was still being set up would be
   * dropped at the gate, and the rate limit would hold back the next one
   * for up to a second. */
  if (sl_peer_get_state (peer) == SL_PEER_CONNECTED)
    {
      g_atomic_int_set (&output->connected, TRUE);
      if (h264_pt >= 0)
        sl_forwarder_request_keyframe (self);
    }
  return output;

failed:
  output_free (self, output);
  return NULL;
}

void
sl_forwarder_remove_output (SlForwarder       *self,
                            SlForwarderOutput *output)
{
  g_return_if_fail (SL_IS_FORWARDER (self));
  g_return_if_fail (output != NULL && output->forwarder == self);

  if (!g_ptr_array_remove (self->outputs, output))
    g_return_if_reached ();
  output_free (self, output);
}

guint
sl_forwarder_get_n_outputs (SlForwarder *self)
{
  g_return_val_if_fail (SL_IS_FORWARDER (self), 0);

  return self->outputs->len;
}

guint64
sl_forwarder_output_get_dropped (SlForwarderOutput *output)
{
  g_return_val_if_fail (output != NULL, 0);

  return (guint64) g_atomic_pointer_get (&output->dropped);
}

GstPad *
sl_forwarder_get_video_sink (SlForwarder *self)
{
  g_return_val_if_fail (SL_IS_FORWARDER (self), NULL);

  return self->video_sink;
}

GstPad *
sl_forwarder_get_audio_sink (SlForwarder *self)
{
  g_return_val_if_fail (SL_IS_FORWARDER (self), NULL);

  return self->audio_sink;
}

/* --- Life cycle --- */

static void
remove_tee (SlForwarder  *self,
            GstElement  **tee,
            GstPad      **sink)
{
  g_autoptr(GstPad) upstream = NULL;

  if (*tee == NULL)
    return;
  upstream = gst_pad_get_peer (*sink);
  if (upstream != NULL)
    {
      /* What fed the forwarder goes on without an error. */
      gst_pad_add_probe (upstream, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, drop_probe_cb, NULL, NULL);
      gst_pad_unlink (upstream, *sink);
    }
  gst_element_set_locked_state (*tee, TRUE);
  gst_element_set_state (*tee, GST_STATE_NULL);
  if (GST_OBJECT_PARENT (*tee) == GST_OBJECT (self->bin))
    gst_bin_remove (self->bin, *tee);
  g_clear_object (sink);
  g_clear_object (tee);
}

void
sl_forwarder_close (SlForwarder *self)
{
  g_return_if_fail (SL_IS_FORWARDER (self));

  if (self->closed)
    return;

  while (self->outputs->len > 0)
    sl_forwarder_remove_output (self, g_ptr_array_index (self->outputs, self->outputs->len - 1));

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  if (self->pending != NULL)
    {
      gst_clock_id_unschedule (self->pending);
      g_clear_pointer (&self->pending, gst_clock_id_unref);
    }
  g_mutex_unlock (&self->lock);

  remove_tee (self, &self->video_tee, &self->video_sink);
  remove_tee (self, &self->audio_tee, &self->audio_sink);
  g_clear_object (&self->bin);
}

static void
sl_forwarder_dispose (GObject *object)
{
  SlForwarder *self = SL_FORWARDER (object);

  sl_forwarder_close (self);
  G_OBJECT_CLASS (sl_forwarder_parent_class)->dispose (object);
}

static void
sl_forwarder_finalize (GObject *object)
{
  SlForwarder *self = SL_FORWARDER (object);

  g_clear_pointer (&self->outputs, g_ptr_array_unref);
  g_clear_object (&self->clock);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (sl_forwarder_parent_class)->finalize (object);
}

static void
sl_forwarder_class_init (SlForwarderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_forwarder_dispose;
  object_class->finalize = sl_forwarder_finalize;
}

static void
sl_forwarder_init (SlForwarder *self)
{
  g_mutex_init (&self->lock);
  self->outputs = g_ptr_array_new ();
}

static GstElement *
make_tee (GstBin     *bin,
          const char *name,
          const char *suffix)
{
  g_autofree char *full = name != NULL ? g_strdup_printf ("%s-%s", name, suffix) : NULL;
  GstElement *tee = gst_element_factory_make ("tee", full);

  g_return_val_if_fail (tee != NULL, NULL);   /* coreelements: always there */
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (bin, tee);
  gst_element_sync_state_with_parent (tee);
  return gst_object_ref (tee);
}

SlForwarder *
sl_forwarder_new (GstBin     *bin,
                  const char *name)
{
  SlForwarder *self;

  g_return_val_if_fail (GST_IS_BIN (bin), NULL);

  sl_media_init ();
  self = g_object_new (SL_TYPE_FORWARDER, NULL);
  self->bin = gst_object_ref (bin);
  self->clock = gst_system_clock_obtain ();
  self->video_tee = make_tee (bin, name, "video");
  self->audio_tee = make_tee (bin, name, "audio");
  self->video_sink = gst_element_get_static_pad (self->video_tee, "sink");
  self->audio_sink = gst_element_get_static_pad (self->audio_tee, "sink");
  return self;
}
