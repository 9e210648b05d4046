/* sl-media-server.c: the live classes' media — WHIP ingest, WHEP viewers,
 * HLS and recording, one GStreamer pipeline per class being published
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-media"

#include "config.h"

#include "sl-media-server.h"
#include "sl-forwarder.h"
#include "sl-hls.h"
#include "sl-media.h"
#include "sl-peer.h"
#include "sl-sdp.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <openssl/rand.h>
#include <string.h>

G_DEFINE_QUARK (sl-media-server-error-quark, sl_media_server_error)

#define WATCHDOG_INTERVAL_MS 250
/* A publisher that never sends media is dropped after this. */
#define FIRST_MEDIA_TIMEOUT_MS 15000
#define SHUTDOWN_WAIT_MS 5000
#define WEB_VIEWER_WINDOW_US (10 * G_USEC_PER_SEC)
#define WEB_VIEWERS_MAX 100000    /* per class; more pages are not counted */

typedef struct _ClassMedia ClassMedia;

typedef struct {
  char              *id;
  SlPeer            *peer;
  SlForwarderOutput *output;
} Viewer;

struct _ClassMedia
{
  SlMediaServer *server;          /* unowned: it outlives its classes */
  gint64         class_id;
  GstElement    *pipeline;
  guint          bus_watch;
  SlPeer        *publisher;
  char          *publisher_id;
  SlForwarder   *forwarder;
  GstElement    *video_tee;       /* depayloaded, parsed H.264 */
  GstElement    *audio_tee;       /* Opus */
  SlSegmenter   *segmenter;       /* NULL once it failed */
  SlRecording   *recording;       /* NULL when not recording */
  char          *live_dir;        /* not recording: the segments' dir, removed at the end */
  GHashTable    *segment_cache;   /* name → GBytes, the newest segments asked for */
  GQueue         segment_order;   /* their names, oldest first */
  GHashTable    *viewers;         /* id → Viewer */
  gint64         created;         /* monotonic µs */
  gint64         last_media;      /* monotonic µs, atomically; 0: none yet */
  gboolean       online;
  gboolean       is_public;
  gboolean       ending;
  guint          watchdog_id;
  guint          online_idle_id;
};

struct _SlMediaServer
{
  GObject      parent_instance;

  char       **ice_addresses;
  gboolean     record;
  guint        max_viewers;
  char        *recordings_dir;
  char        *live_dir;
  GHashTable  *classes;           /* class id (gint64 *) → ClassMedia */
  GHashTable  *web_viewers;       /* class id (gint64 *) → (viewer → last seen, µs) */
  guint        finishing;         /* sessions whose pipelines are closing */
};

G_DEFINE_FINAL_TYPE (SlMediaServer, sl_media_server, G_TYPE_OBJECT)

enum {
  SIGNAL_STREAM_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
random_id (void)
{
  guint8 bytes[16];

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    {
      /* GLib's generator is fine for an id that is not a secret by itself:
       * every use of a session id also needs a token */
      for (guint i = 0; i < sizeof bytes; i++)
        bytes[i] = (guint8) g_random_int_range (0, 256);
    }
  return g_compute_checksum_for_data (G_CHECKSUM_MD5, bytes, sizeof bytes);
}

static void
viewer_free (Viewer *viewer)
{
  g_free (viewer->id);
  g_clear_object (&viewer->peer);
  g_free (viewer);
}

/* ---- the pipeline of one class ------------------------------------------ */

static void class_media_end (ClassMedia *cm, const char *why);

/* Removes @path and everything under it, following no symbolic link; what
 * cannot be removed stays, with a warning. */
static void
remove_tree (const char *path)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      if (g_rmdir (path) != 0)
        g_warning ("cannot remove %s: %s", path, g_strerror (errno));
    }
  else if (g_unlink (path) != 0)
    g_warning ("cannot remove %s: %s", path, g_strerror (errno));
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  ClassMedia *cm = user_data;

  if (cm->segmenter != NULL && sl_segmenter_handle_message (cm->segmenter, message))
    return G_SOURCE_CONTINUE;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;
        g_autofree char *source = gst_object_get_path_string (GST_MESSAGE_SRC (message));

        gst_message_parse_error (message, &error, &debug);
        g_warning ("class %" G_GINT64_FORMAT ": media error from %s: %s (%s)",
                   cm->class_id, source, error->message, debug ? debug : "");
        GST_DEBUG_BIN_TO_DOT_FILE_WITH_TS (GST_BIN (cm->pipeline), GST_DEBUG_GRAPH_SHOW_ALL,
                                           "streamlet-error");
        if (!cm->ending)
          class_media_end (cm, "a media error");
        return G_SOURCE_CONTINUE;
      }
    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *source = gst_object_get_path_string (GST_MESSAGE_SRC (message));

        gst_message_parse_warning (message, &error, NULL);
        g_message ("class %" G_GINT64_FORMAT ": media warning from %s: %s",
                   cm->class_id, source, error->message);
        return G_SOURCE_CONTINUE;
      }
    default:
      return G_SOURCE_CONTINUE;
    }
}

static GstPadProbeReturn
media_seen_probe_cb (GstPad          *pad,
                     GstPadProbeInfo *info,
                     gpointer         user_data)
{
  ClassMedia *cm = user_data;

  g_atomic_pointer_set ((gpointer *) &cm->last_media,
                        GSIZE_TO_POINTER ((gsize) g_get_monotonic_time ()));
  return GST_PAD_PROBE_OK;
}

static gint64
last_media (ClassMedia *cm)
{
  return (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get ((gpointer *) &cm->last_media));
}

static gboolean
tee_is_fed (GstElement *tee)
{
  g_autoptr(GstPad) sink = gst_element_get_static_pad (tee, "sink");

  return gst_pad_is_linked (sink);
}

/* Builds depayloader → parser → tee for one incoming stream.  Runs on a
 * streaming thread of webrtcbin. */
static void
publisher_pad_added_cb (SlPeer     *peer,
                        GstPad     *pad,
                        ClassMedia *cm)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *s;
  const char *encoding;
  GstElement *depay, *parse = NULL, *filter = NULL, *tee;
  g_autoptr(GstPad) sink = NULL;
  g_autoptr(GstPad) probe_pad = NULL;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  s = gst_caps_get_structure (caps, 0);
  encoding = gst_structure_get_string (s, "encoding-name");
  g_debug ("class %" G_GINT64_FORMAT ": incoming %s stream", cm->class_id,
           encoding ? encoding : "unknown");
  if (encoding == NULL)
    return;

  if (g_ascii_strcasecmp (encoding, "H264") == 0 && !tee_is_fed (cm->video_tee))
    {
      g_autoptr(GstCaps) au = gst_caps_from_string (
        "video/x-h264,stream-format=byte-stream,alignment=au");

      depay = gst_element_factory_make ("rtph264depay", NULL);
      parse = gst_element_factory_make ("h264parse", NULL);
      filter = gst_element_factory_make ("capsfilter", NULL);
      g_object_set (parse, "config-interval", -1, NULL);
      g_object_set (filter, "caps", au, NULL);
      tee = cm->video_tee;
      gst_bin_add_many (GST_BIN (cm->pipeline), depay, parse, filter, NULL);
      /* The depayloader hands over AVC and h264parse makes the byte-stream:
       * left to make byte-stream itself, rtph264depay (1.22) garbles frames
       * of several slices (x264's zerolatency ones), and every viewer, the
       * HLS and the recording got half a picture. */
      {
        g_autoptr(GstCaps) avc = gst_caps_from_string ("video/x-h264,stream-format=avc,alignment=au");

        gst_element_link_filtered (depay, parse, avc);
      }
      gst_element_link_many (parse, filter, tee, NULL);
      gst_element_sync_state_with_parent (filter);
      gst_element_sync_state_with_parent (parse);
    }
  else if (g_ascii_strcasecmp (encoding, "OPUS") == 0 && !tee_is_fed (cm->audio_tee))
    {
      depay = gst_element_factory_make ("rtpopusdepay", NULL);
      tee = cm->audio_tee;
      gst_bin_add (GST_BIN (cm->pipeline), depay);
      gst_element_link (depay, tee);
    }
  else
    {
      /* anything else (a second video, a codec the offer check let by) is
       * received and dropped */
      GstElement *sinkelem = gst_element_factory_make ("fakesink", NULL);

      g_object_set (sinkelem, "async", FALSE, "sync", FALSE, NULL);
      gst_bin_add (GST_BIN (cm->pipeline), sinkelem);
      gst_element_sync_state_with_parent (sinkelem);
      sink = gst_element_get_static_pad (sinkelem, "sink");
      gst_pad_link (pad, sink);
      return;
    }

  gst_element_sync_state_with_parent (depay);
  probe_pad = gst_element_get_static_pad (depay, "src");
  gst_pad_add_probe (probe_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     media_seen_probe_cb, cm, NULL);
  sink = gst_element_get_static_pad (depay, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_warning ("class %" G_GINT64_FORMAT ": cannot link the incoming %s stream",
               cm->class_id, encoding);
}

static void
set_online (ClassMedia *cm,
            gboolean    online)
{
  if (cm->online == online)
    return;
  cm->online = online;
  g_message ("class %" G_GINT64_FORMAT ": stream %s", cm->class_id,
             online ? "online" : "offline");
  g_signal_emit (cm->server, signals[SIGNAL_STREAM_CHANGED], 0, cm->class_id, online);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  ClassMedia *cm = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 last = last_media (cm);

  if (last != 0 && !cm->online)
    set_online (cm, TRUE);
  if (last == 0)
    {
      GstState state, pending;

      gst_element_get_state (cm->pipeline, &state, &pending, 0);
      g_debug ("class %" G_GINT64_FORMAT ": waiting for media (pipeline %s, pending %s)",
               cm->class_id, gst_element_state_get_name (state),
               gst_element_state_get_name (pending));
    }

  if (last != 0 && now - last > SL_MEDIA_PUBLISHER_TIMEOUT_MS * 1000)
    {
      cm->watchdog_id = 0;
      class_media_end (cm, "no media from the publisher");
      return G_SOURCE_REMOVE;
    }
  if (last == 0 && now - cm->created > FIRST_MEDIA_TIMEOUT_MS * 1000)
    {
      cm->watchdog_id = 0;
      class_media_end (cm, "the publisher never sent media");
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
publisher_state_cb (SlPeer      *peer,
                    SlPeerState  state,
                    ClassMedia  *cm)
{
  if (cm->ending)
    return;
  if (state == SL_PEER_FAILED || state == SL_PEER_CLOSED)
    class_media_end (cm, state == SL_PEER_FAILED ? "the publisher's connection failed"
                                                 : "the publisher closed the connection");
}

static void
segmenter_failed_cb (SlSegmenter  *segmenter,
                     const GError *error,
                     ClassMedia   *cm)
{
  g_warning ("class %" G_GINT64_FORMAT ": HLS and recording stopped: %s "
             "(WebRTC viewers keep watching)", cm->class_id, error->message);
  if (cm->recording != NULL)
    {
      g_autoptr(GError) save_error = NULL;

      g_free (cm->recording->error);
      cm->recording->error = g_strdup_printf ("recording stopped early: %s", error->message);
      if (!sl_recording_save (cm->recording, &save_error))
        g_warning ("class %" G_GINT64_FORMAT ": %s", cm->class_id, save_error->message);
    }
}

static GstElement *
make_tee (ClassMedia *cm,
          const char *name)
{
  GstElement *tee = gst_element_factory_make ("tee", name);

  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add (GST_BIN (cm->pipeline), tee);
  return tee;
}

static gboolean
link_tee (GstElement *tee,
          GstPad     *sink)
{
  g_autoptr(GstPad) src = gst_element_request_pad_simple (tee, "src_%u");

  return gst_pad_link (src, sink) == GST_PAD_LINK_OK;
}

/* A publisher that sends no sound (a screen or camera with no microphone):
 * the class gets a silent Opus track in its place, so its HLS, recording
 * and viewers have the same two tracks as every other class. */
static gboolean
add_silent_audio (ClassMedia  *cm,
                  GError     **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstPad) sink = NULL;
  GstElement *silence;

  silence = gst_parse_bin_from_description (
    "audiotestsrc wave=silence is-live=true samplesperbuffer=960 ! "
    "audio/x-raw,rate=48000,channels=2 ! opusenc bitrate=16000 frame-size=20",
    TRUE, &parse_error);
  if (silence == NULL)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                   "the silent track of class %" G_GINT64_FORMAT " could not be made: %s",
                   cm->class_id, parse_error->message);
      return FALSE;
    }
  gst_object_set_name (GST_OBJECT (silence), "silence");
  gst_bin_add (GST_BIN (cm->pipeline), silence);
  src = gst_element_get_static_pad (silence, "src");
  sink = gst_element_get_static_pad (cm->audio_tee, "sink");
  if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                   "the silent track of class %" G_GINT64_FORMAT " could not be linked",
                   cm->class_id);
      return FALSE;
    }
  return TRUE;
}

static ClassMedia *
class_media_new (SlMediaServer  *self,
                 gint64          class_id,
                 gboolean        with_audio,
                 GError        **error)
{
  ClassMedia *cm = g_new0 (ClassMedia, 1);
  g_autofree char *name = g_strdup_printf ("class-%" G_GINT64_FORMAT, class_id);
  g_autofree char *segment_dir = NULL;
  g_autoptr(GstBus) bus = NULL;

  cm->server = self;
  cm->class_id = class_id;
  cm->created = g_get_monotonic_time ();
  cm->viewers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) viewer_free);
  cm->segment_cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify) g_bytes_unref);
  g_queue_init (&cm->segment_order);
  cm->pipeline = gst_pipeline_new (name);
  bus = gst_pipeline_get_bus (GST_PIPELINE (cm->pipeline));
  cm->bus_watch = gst_bus_add_watch (bus, bus_cb, cm);

  cm->video_tee = make_tee (cm, "video");
  cm->audio_tee = make_tee (cm, "audio");
  cm->forwarder = sl_forwarder_new (GST_BIN (cm->pipeline), "forwarder");
  link_tee (cm->video_tee, sl_forwarder_get_video_sink (cm->forwarder));
  link_tee (cm->audio_tee, sl_forwarder_get_audio_sink (cm->forwarder));

  if (self->record)
    {
      cm->recording = sl_recording_create (self->recordings_dir, class_id, error);
      if (cm->recording == NULL)
        goto failed;
      segment_dir = g_strdup (cm->recording->dir);
    }
  else
    {
      g_autofree char *stamp = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time ());

      segment_dir = g_build_filename (self->live_dir, name, stamp, NULL);
      cm->live_dir = g_strdup (segment_dir);
    }

  cm->segmenter = sl_segmenter_new (GST_BIN (cm->pipeline), segment_dir, self->record, error);
  if (cm->segmenter == NULL)
    goto failed;
  g_signal_connect (cm->segmenter, "failed", G_CALLBACK (segmenter_failed_cb), cm);
  link_tee (cm->video_tee, sl_segmenter_get_video_sink (cm->segmenter));
  link_tee (cm->audio_tee, sl_segmenter_get_audio_sink (cm->segmenter));
  if (!with_audio && !add_silent_audio (cm, error))
    goto failed;

  if (gst_element_set_state (cm->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                   "the media pipeline of class %" G_GINT64_FORMAT " did not start", class_id);
      goto failed;
    }
  return cm;

failed:
  gst_element_set_state (cm->pipeline, GST_STATE_NULL);
  g_clear_object (&cm->segmenter);
  g_clear_object (&cm->forwarder);
  g_source_remove (cm->bus_watch);
  gst_object_unref (cm->pipeline);
  if (cm->recording != NULL)
    {
      g_autofree char *manifest = g_build_filename (cm->recording->dir, "manifest.json", NULL);

      g_unlink (manifest);
      g_rmdir (cm->recording->dir);
      sl_recording_free (cm->recording);
    }
  g_hash_table_unref (cm->viewers);
  g_hash_table_unref (cm->segment_cache);
  g_free (cm->live_dir);
  g_free (cm);
  return NULL;
}

static void
class_media_free (ClassMedia *cm)
{
  g_clear_handle_id (&cm->watchdog_id, g_source_remove);
  g_clear_handle_id (&cm->online_idle_id, g_source_remove);
  g_clear_handle_id (&cm->bus_watch, g_source_remove);
  g_hash_table_unref (cm->viewers);
  g_hash_table_unref (cm->segment_cache);
  g_queue_clear_full (&cm->segment_order, g_free);
  g_clear_object (&cm->publisher);
  g_clear_object (&cm->segmenter);
  g_clear_object (&cm->forwarder);
  if (cm->pipeline != NULL)
    {
      gst_element_set_state (cm->pipeline, GST_STATE_NULL);
      gst_object_unref (cm->pipeline);
    }
  g_clear_pointer (&cm->recording, sl_recording_free);
  if (cm->live_dir != NULL)
    {
      /* unrecorded segments are for the live edge only: they go with it */
      g_autofree char *parent = g_path_get_dirname (cm->live_dir);

      remove_tree (cm->live_dir);
      g_rmdir (parent);   /* when no other session of the class is left */
      g_free (cm->live_dir);
    }
  g_free (cm->publisher_id);
  g_free (cm);
}

typedef struct {
  SlMediaServer *server;
  ClassMedia    *cm;
} Ending;

static void
finished_recording_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Ending *ending = user_data;
  g_autoptr(GError) error = NULL;

  (void) source;
  if (!sl_recording_finish_finish (ending->cm->recording, result, &error))
    g_warning ("class %" G_GINT64_FORMAT ": the recording could not be finished: %s",
               ending->cm->class_id, error->message);
  else
    g_message ("class %" G_GINT64_FORMAT ": recording %s ready", ending->cm->class_id,
               ending->cm->recording->id);
  ending->server->finishing--;
  class_media_free (ending->cm);
  g_object_unref (ending->server);
  g_free (ending);
}

static void
segmenter_finished_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  Ending *ending = user_data;
  ClassMedia *cm = ending->cm;
  g_autoptr(GError) error = NULL;

  if (!sl_segmenter_finish_finish (SL_SEGMENTER (source), result, &error))
    g_warning ("class %" G_GINT64_FORMAT ": closing the last HLS segment failed: %s",
               cm->class_id, error->message);

  /* the media is done with: the pipeline goes, the recording is made */
  g_clear_handle_id (&cm->bus_watch, g_source_remove);
  gst_element_set_state (cm->pipeline, GST_STATE_NULL);
  g_clear_object (&cm->segmenter);
  g_clear_object (&cm->forwarder);
  g_clear_pointer (&cm->pipeline, gst_object_unref);

  if (cm->recording != NULL)
    {
      sl_recording_finish_async (cm->recording, NULL, finished_recording_cb, ending);
      return;
    }
  ending->server->finishing--;
  class_media_free (cm);
  g_object_unref (ending->server);
  g_free (ending);
}

/* Ends the class's publish session: viewers and publisher are dropped, the
 * last segment closed, the recording finished.  The class stays live. */
static void
class_media_end (ClassMedia *cm,
                 const char *why)
{
  SlMediaServer *self = cm->server;
  Ending *ending;
  GHashTableIter iter;
  Viewer *viewer;

  if (cm->ending)
    return;
  cm->ending = TRUE;
  g_message ("class %" G_GINT64_FORMAT ": publish session ends: %s", cm->class_id, why);

  g_clear_handle_id (&cm->watchdog_id, g_source_remove);
  g_hash_table_steal (self->classes, &cm->class_id);

  g_hash_table_iter_init (&iter, cm->viewers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &viewer))
    {
      g_signal_handlers_disconnect_by_data (viewer->peer, cm);
      sl_forwarder_remove_output (cm->forwarder, viewer->output);
      viewer->output = NULL;
      sl_peer_close (viewer->peer);
    }
  g_hash_table_remove_all (cm->viewers);

  if (cm->publisher != NULL)
    {
      g_signal_handlers_disconnect_by_data (cm->publisher, cm);
      sl_peer_close (cm->publisher);
    }
  set_online (cm, FALSE);

  ending = g_new0 (Ending, 1);
  ending->server = g_object_ref (self);
  ending->cm = cm;
  self->finishing++;
  if (cm->segmenter != NULL && !sl_segmenter_is_failed (cm->segmenter))
    sl_segmenter_finish_async (cm->segmenter, NULL, segmenter_finished_cb, ending);
  else
    {
      /* nothing to close: go straight on */
      g_clear_handle_id (&cm->bus_watch, g_source_remove);
      gst_element_set_state (cm->pipeline, GST_STATE_NULL);
      g_clear_pointer (&cm->pipeline, gst_object_unref);
      if (cm->recording != NULL)
        sl_recording_finish_async (cm->recording, NULL, finished_recording_cb, ending);
      else
        {
          self->finishing--;
          class_media_free (cm);
          g_object_unref (ending->server);
          g_free (ending);
        }
    }
}

/* ---- WHIP and WHEP ------------------------------------------------------ */

typedef struct {
  ClassMedia *cm;           /* for a publish: owned until answered */
  gint64      class_id;
  char       *session_id;
  gboolean    publish;
} Negotiation;

static void
negotiation_free (Negotiation *neg)
{
  g_free (neg->session_id);
  g_free (neg);
}

static void
publish_answered_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Negotiation *neg = g_task_get_task_data (task);
  SlMediaServer *self = g_task_get_source_object (task);
  ClassMedia *cm;
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = sl_peer_answer_finish (SL_PEER (source), result, &error);

  cm = g_hash_table_lookup (self->classes, &neg->class_id);
  if (cm == NULL || cm->publisher != SL_PEER (source))
    {
      g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED,
                               "the publish session ended while it was being set up");
      return;
    }
  if (answer == NULL)
    {
      class_media_end (cm, "the offer could not be answered");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&answer), g_free);
}

void
sl_media_server_publish_async (SlMediaServer       *self,
                               gint64               class_id,
                               const char          *offer,
                               gsize                offer_len,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SlSdpOffer) parsed = NULL;
  g_autofree char *offer_text = NULL;
  GError *error = NULL;
  Negotiation *neg;
  ClassMedia *cm;

  g_return_if_fail (SL_IS_MEDIA_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_media_server_publish_async);

  if (g_hash_table_contains (self->classes, &class_id))
    {
      g_task_return_new_error (task, SL_MEDIA_SERVER_ERROR, SL_MEDIA_SERVER_ERROR_BUSY,
                               "class %" G_GINT64_FORMAT " has a publisher already; "
                               "end that session (DELETE its Location) first", class_id);
      return;
    }
  parsed = sl_sdp_offer_parse (offer, offer_len, SL_SDP_NEED_SEND, &error);
  if (parsed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  cm = class_media_new (self, class_id, parsed->opus_pt >= 0, &error);
  if (cm == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cm->publisher_id = random_id ();
  cm->publisher = sl_peer_new (GST_BIN (cm->pipeline), "publisher",
                               (const char *const *) self->ice_addresses);
  g_signal_connect (cm->publisher, "pad-added", G_CALLBACK (publisher_pad_added_cb), cm);
  g_signal_connect (cm->publisher, "state-changed", G_CALLBACK (publisher_state_cb), cm);
  g_hash_table_insert (self->classes, &cm->class_id, cm);
  cm->watchdog_id = g_timeout_add (WATCHDOG_INTERVAL_MS, watchdog_cb, cm);

  neg = g_new0 (Negotiation, 1);
  neg->class_id = class_id;
  neg->session_id = g_strdup (cm->publisher_id);
  neg->publish = TRUE;
  g_task_set_task_data (task, neg, (GDestroyNotify) negotiation_free);

  offer_text = g_strndup (offer, offer_len);
  sl_peer_answer_async (cm->publisher, offer_text, TRUE, cancellable,
                        publish_answered_cb, g_steal_pointer (&task));
}

static char *
negotiation_finish (SlMediaServer  *self,
                    GAsyncResult   *result,
                    char          **session_id,
                    GError        **error)
{
  char *answer = g_task_propagate_pointer (G_TASK (result), error);

  if (answer != NULL && session_id != NULL)
    {
      Negotiation *neg = g_task_get_task_data (G_TASK (result));

      *session_id = g_strdup (neg->session_id);
    }
  return answer;
}

char *
sl_media_server_publish_finish (SlMediaServer  *self,
                                GAsyncResult   *result,
                                char          **session_id,
                                GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return negotiation_finish (self, result, session_id, error);
}

static void
remove_viewer (ClassMedia *cm,
               const char *id,
               const char *why)
{
  Viewer *viewer = g_hash_table_lookup (cm->viewers, id);

  if (viewer == NULL)
    return;
  g_message ("class %" G_GINT64_FORMAT ": viewer %.8s leaves: %s", cm->class_id, id, why);
  g_signal_handlers_disconnect_by_data (viewer->peer, cm);
  if (viewer->output != NULL)
    sl_forwarder_remove_output (cm->forwarder, viewer->output);
  viewer->output = NULL;
  sl_peer_close (viewer->peer);
  g_hash_table_remove (cm->viewers, id);
}

typedef struct {
  ClassMedia *cm;
  char       *id;
} ViewerRef;

static gboolean
remove_viewer_idle_cb (gpointer user_data)
{
  ViewerRef *ref = user_data;
  SlMediaServer *self = ref->cm->server;
  ClassMedia *cm = g_hash_table_lookup (self->classes, &ref->cm->class_id);

  if (cm == ref->cm)
    remove_viewer (cm, ref->id, "its connection failed or closed");
  return G_SOURCE_REMOVE;
}

static void
viewer_ref_free (ViewerRef *ref)
{
  g_free (ref->id);
  g_free (ref);
}

static void
viewer_state_cb (SlPeer      *peer,
                 SlPeerState  state,
                 ClassMedia  *cm)
{
  GHashTableIter iter;
  Viewer *viewer;

  if (state != SL_PEER_FAILED && state != SL_PEER_CLOSED)
    return;
  g_hash_table_iter_init (&iter, cm->viewers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &viewer))
    {
      if (viewer->peer == peer)
        {
          ViewerRef *ref = g_new0 (ViewerRef, 1);

          /* not from inside the peer's own signal */
          ref->cm = cm;
          ref->id = g_strdup (viewer->id);
          g_idle_add_full (G_PRIORITY_DEFAULT, remove_viewer_idle_cb, ref,
                           (GDestroyNotify) viewer_ref_free);
          return;
        }
    }
}

static void
watch_answered_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Negotiation *neg = g_task_get_task_data (task);
  SlMediaServer *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = sl_peer_answer_finish (SL_PEER (source), result, &error);
  ClassMedia *cm = g_hash_table_lookup (self->classes, &neg->class_id);

  if (cm == NULL || !g_hash_table_contains (cm->viewers, neg->session_id))
    {
      g_task_return_new_error (task, SL_MEDIA_SERVER_ERROR, SL_MEDIA_SERVER_ERROR_OFFLINE,
                               "the stream went offline while the viewer was being set up");
      return;
    }
  if (answer == NULL)
    {
      remove_viewer (cm, neg->session_id, "its offer could not be answered");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_steal_pointer (&answer), g_free);
}

void
sl_media_server_watch_async (SlMediaServer       *self,
                             gint64               class_id,
                             const char          *offer,
                             gsize                offer_len,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(SlSdpOffer) parsed = NULL;
  g_autofree char *offer_text = NULL;
  g_autofree char *name = NULL;
  GError *error = NULL;
  Negotiation *neg;
  ClassMedia *cm;
  Viewer *viewer;

  g_return_if_fail (SL_IS_MEDIA_SERVER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_media_server_watch_async);

  parsed = sl_sdp_offer_parse (offer, offer_len, SL_SDP_NEED_RECEIVE, &error);
  if (parsed == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  cm = g_hash_table_lookup (self->classes, &class_id);
  if (cm == NULL || cm->ending || !cm->online)
    {
      g_task_return_new_error (task, SL_MEDIA_SERVER_ERROR, SL_MEDIA_SERVER_ERROR_OFFLINE,
                               "class %" G_GINT64_FORMAT " is not being broadcast now",
                               class_id);
      return;
    }
  if (g_hash_table_size (cm->viewers) >= self->max_viewers)
    {
      g_task_return_new_error (task, SL_MEDIA_SERVER_ERROR, SL_MEDIA_SERVER_ERROR_FULL,
                               "class %" G_GINT64_FORMAT " has %u WebRTC viewers, as many "
                               "as this server feeds; watch over HLS", class_id,
                               self->max_viewers);
      return;
    }

  viewer = g_new0 (Viewer, 1);
  viewer->id = random_id ();
  name = g_strdup_printf ("viewer-%s", viewer->id);
  viewer->peer = sl_peer_new (GST_BIN (cm->pipeline), name,
                              (const char *const *) self->ice_addresses);
  viewer->output = sl_forwarder_add_output (cm->forwarder, viewer->peer,
                                            parsed->h264_pt, parsed->h264_fmtp,
                                            parsed->opus_pt, &error);
  if (viewer->output == NULL)
    {
      sl_peer_close (viewer->peer);
      viewer_free (viewer);
      g_task_return_error (task, error);
      return;
    }
  g_signal_connect (viewer->peer, "state-changed", G_CALLBACK (viewer_state_cb), cm);
  g_hash_table_insert (cm->viewers, viewer->id, viewer);

  neg = g_new0 (Negotiation, 1);
  neg->class_id = class_id;
  neg->session_id = g_strdup (viewer->id);
  g_task_set_task_data (task, neg, (GDestroyNotify) negotiation_free);

  offer_text = g_strndup (offer, offer_len);
  sl_peer_answer_async (viewer->peer, offer_text, TRUE, cancellable,
                        watch_answered_cb, g_steal_pointer (&task));
}

char *
sl_media_server_watch_finish (SlMediaServer  *self,
                              GAsyncResult   *result,
                              char          **session_id,
                              GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return negotiation_finish (self, result, session_id, error);
}

static SlPeer *
find_session (SlMediaServer  *self,
              gint64          class_id,
              const char     *session_id,
              ClassMedia    **cm_out,
              GError        **error)
{
  ClassMedia *cm = g_hash_table_lookup (self->classes, &class_id);
  Viewer *viewer;

  *cm_out = cm;
  if (cm != NULL && !cm->ending)
    {
      if (cm->publisher_id != NULL && g_str_equal (cm->publisher_id, session_id))
        return cm->publisher;
      viewer = g_hash_table_lookup (cm->viewers, session_id);
      if (viewer != NULL)
        return viewer->peer;
    }
  g_set_error (error, SL_MEDIA_SERVER_ERROR, SL_MEDIA_SERVER_ERROR_NO_SESSION,
               "there is no media session %s for class %" G_GINT64_FORMAT,
               session_id, class_id);
  return NULL;
}

gboolean
sl_media_server_add_candidates (SlMediaServer  *self,
                                gint64          class_id,
                                const char     *session_id,
                                const char     *fragment,
                                GError        **error)
{
  g_auto(GStrv) lines = NULL;
  ClassMedia *cm;
  SlPeer *peer;
  int mline = -1;
  guint added = 0;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), FALSE);

  peer = find_session (self, class_id, session_id, &cm, error);
  if (peer == NULL)
    return FALSE;

  /* An SDP fragment (RFC 8840): a=ice-ufrag/pwd, then per media section an
   * "a=mid:" and its a=candidate lines; m= lines count the sections. */
  lines = g_strsplit (fragment, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "m="))
        mline++;
      else if (g_str_has_prefix (line, "a=candidate:") || g_str_equal (line, "a=end-of-candidates"))
        {
          if (!sl_peer_add_ice_candidate (peer, (guint) MAX (mline, 0),
                                          g_str_equal (line, "a=end-of-candidates") ? "" : line + 2,
                                          error))
            return FALSE;
          added++;
        }
    }
  if (added == 0)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                   "the fragment holds no a=candidate or a=end-of-candidates line");
      return FALSE;
    }
  return TRUE;
}

gboolean
sl_media_server_end_session (SlMediaServer  *self,
                             gint64          class_id,
                             const char     *session_id,
                             GError        **error)
{
  ClassMedia *cm;
  SlPeer *peer;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), FALSE);

  peer = find_session (self, class_id, session_id, &cm, error);
  if (peer == NULL)
    return FALSE;
  if (peer == cm->publisher)
    class_media_end (cm, "the publisher ended its session");
  else
    remove_viewer (cm, session_id, "it ended its session");
  return TRUE;
}

void
sl_media_server_end_class (SlMediaServer *self,
                           gint64         class_id)
{
  ClassMedia *cm;

  g_return_if_fail (SL_IS_MEDIA_SERVER (self));

  cm = g_hash_table_lookup (self->classes, &class_id);
  if (cm != NULL)
    class_media_end (cm, "the class ended");
}

gboolean
sl_media_server_is_online (SlMediaServer *self,
                           gint64         class_id)
{
  ClassMedia *cm;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), FALSE);

  cm = g_hash_table_lookup (self->classes, &class_id);
  return cm != NULL && cm->online && !cm->ending;
}

guint
sl_media_server_get_n_viewers (SlMediaServer *self,
                               gint64         class_id)
{
  ClassMedia *cm;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), 0);

  cm = g_hash_table_lookup (self->classes, &class_id);
  return cm != NULL ? g_hash_table_size (cm->viewers) : 0;
}

char *
sl_media_server_live_playlist (SlMediaServer *self,
                               gint64         class_id,
                               const char    *uri_query)
{
  ClassMedia *cm;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), NULL);

  cm = g_hash_table_lookup (self->classes, &class_id);
  if (cm == NULL || cm->ending || cm->segmenter == NULL || sl_segmenter_is_failed (cm->segmenter))
    return NULL;
  return sl_segmenter_live_playlist (cm->segmenter, uri_query);
}

GBytes *
sl_media_server_segment_bytes (SlMediaServer *self,
                               gint64         class_id,
                               const char    *name)
{
  ClassMedia *cm;
  GBytes *bytes;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize length;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), NULL);

  cm = g_hash_table_lookup (self->classes, &class_id);
  if (cm == NULL || cm->segmenter == NULL)
    return NULL;
  bytes = g_hash_table_lookup (cm->segment_cache, name);
  if (bytes != NULL)
    return g_bytes_ref (bytes);

  /* only complete segments: the open one is still being written */
  if (!sl_segmenter_has_segment (cm->segmenter, name))
    return NULL;
  path = g_build_filename (sl_segmenter_get_dir (cm->segmenter), name, NULL);
  if (!g_file_get_contents (path, &data, &length, NULL))
    return NULL;
  bytes = g_bytes_new_take (g_steal_pointer (&data), length);

  g_hash_table_insert (cm->segment_cache, g_strdup (name), g_bytes_ref (bytes));
  g_queue_push_tail (&cm->segment_order, g_strdup (name));
  while (g_queue_get_length (&cm->segment_order) > SL_MEDIA_SEGMENT_CACHE)
    {
      g_autofree char *oldest = g_queue_pop_head (&cm->segment_order);

      g_hash_table_remove (cm->segment_cache, oldest);
    }
  return bytes;
}

void
sl_media_server_update_class (SlMediaServer *self,
                              gint64         class_id,
                              gboolean       is_public)
{
  ClassMedia *cm;

  g_return_if_fail (SL_IS_MEDIA_SERVER (self));

  cm = g_hash_table_lookup (self->classes, &class_id);
  if (cm != NULL)
    cm->is_public = is_public;
}

gboolean
sl_media_server_is_public (SlMediaServer *self,
                           gint64         class_id)
{
  ClassMedia *cm;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), FALSE);

  cm = g_hash_table_lookup (self->classes, &class_id);
  return cm != NULL && cm->is_public;
}

static gboolean
seen_before (gpointer key,
             gpointer value,
             gpointer user_data)
{
  return *(gint64 *) value < *(gint64 *) user_data;
}

guint
sl_media_server_touch_web_viewer (SlMediaServer *self,
                                  gint64         class_id,
                                  const char    *viewer)
{
  GHashTable *seen;
  gint64 now = g_get_monotonic_time ();
  gint64 since = now - WEB_VIEWER_WINDOW_US;

  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), 0);

  seen = g_hash_table_lookup (self->web_viewers, &class_id);
  if (seen == NULL)
    {
      seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->web_viewers, g_memdup2 (&class_id, sizeof class_id), seen);
    }
  g_hash_table_foreach_remove (seen, seen_before, &since);
  if (viewer != NULL && *viewer != '\0' && strlen (viewer) <= 64 &&
      (g_hash_table_contains (seen, viewer) || g_hash_table_size (seen) < WEB_VIEWERS_MAX))
    g_hash_table_insert (seen, g_strdup (viewer), g_memdup2 (&now, sizeof now));
  return g_hash_table_size (seen);
}

const char *
sl_media_server_get_recordings_dir (SlMediaServer *self)
{
  g_return_val_if_fail (SL_IS_MEDIA_SERVER (self), NULL);
  return self->recordings_dir;
}

void
sl_media_server_shutdown (SlMediaServer *self)
{
  g_autoptr(GList) all = NULL;
  gint64 deadline;

  g_return_if_fail (SL_IS_MEDIA_SERVER (self));

  all = g_hash_table_get_values (self->classes);
  for (GList *l = all; l != NULL; l = l->next)
    class_media_end (l->data, "the server is stopping");

  /* let the last segments close and the recordings be made, for a while;
   * what is left is finished at the next start */
  deadline = g_get_monotonic_time () + SHUTDOWN_WAIT_MS * 1000;
  while (self->finishing > 0 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

/* ---- the object ---------------------------------------------------------- */

static void
sl_media_server_dispose (GObject *object)
{
  SlMediaServer *self = SL_MEDIA_SERVER (object);

  if (self->classes != NULL && g_hash_table_size (self->classes) > 0)
    sl_media_server_shutdown (self);
  g_clear_pointer (&self->classes, g_hash_table_unref);
  g_clear_pointer (&self->web_viewers, g_hash_table_unref);

  G_OBJECT_CLASS (sl_media_server_parent_class)->dispose (object);
}

static void
sl_media_server_finalize (GObject *object)
{
  SlMediaServer *self = SL_MEDIA_SERVER (object);

  g_strfreev (self->ice_addresses);
  g_free (self->recordings_dir);
  g_free (self->live_dir);

  G_OBJECT_CLASS (sl_media_server_parent_class)->finalize (object);
}

static void
sl_media_server_class_init (SlMediaServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_media_server_dispose;
  object_class->finalize = sl_media_server_finalize;

  signals[SIGNAL_STREAM_CHANGED] =
    g_signal_new ("stream-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_BOOLEAN);
}

static void
sl_media_server_init (SlMediaServer *self)
{
  self->classes = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->web_viewers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                             (GDestroyNotify) g_hash_table_unref);
}

static gboolean
make_dir (const char  *path,
          GError     **error)
{
  if (g_mkdir_with_parents (path, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

SlMediaServer *
sl_media_server_new (const SlConfig  *config,
                     GError         **error)
{
  g_autoptr(SlMediaServer) self = NULL;

  g_return_val_if_fail (config != NULL, NULL);

  sl_media_init ();
  if (!sl_media_check_elements (sl_media_server_elements (), error))
    return NULL;

  self = g_object_new (SL_TYPE_MEDIA_SERVER, NULL);
  self->ice_addresses = g_strdupv (config->ice_addresses);
  self->record = config->record;
  self->max_viewers = config->max_viewers;
  self->recordings_dir = g_build_filename (config->data_dir, "recordings", NULL);
  self->live_dir = g_build_filename (config->data_dir, "live", NULL);
  if (!make_dir (self->recordings_dir, error) || !make_dir (self->live_dir, error))
    return NULL;

  /* live segments left by a server that stopped unexpectedly */
  {
    g_autoptr(GDir) dir = g_dir_open (self->live_dir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (self->live_dir, name, NULL);

        remove_tree (child);
      }
  }
  sl_recording_recover_all (self->recordings_dir);
  return g_steal_pointer (&self);
}
