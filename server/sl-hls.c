/* sl-hls.c: the HLS segmenter (splitmuxsink + mpegtsmux, H.264 passed
 * through, Opus → AAC) and the playlists it serves and writes
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-hls"

#include "config.h"

#include "sl-hls.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/video/video.h>

G_DEFINE_QUARK (sl-hls-error-quark, sl_hls_error)

/* A pause longer than this in the video marks a discontinuity. */
#define GAP_NS (2 * GST_SECOND)
/* How long finish waits for the muxer to close the last segment. */
#define FINISH_TIMEOUT_S 10
#define NAME_PREFIX "seg-"
#define NAME_SUFFIX ".ts"

/* ---------------------------------------------------------------------- */
/* Segments and playlists */

SlHlsSegment *
sl_hls_segment_copy (const SlHlsSegment *segment)
{
  SlHlsSegment *copy;

  g_return_val_if_fail (segment != NULL, NULL);

  copy = g_new0 (SlHlsSegment, 1);
  *copy = *segment;
  copy->name = g_strdup (segment->name);
  return copy;
}

void
sl_hls_segment_free (SlHlsSegment *segment)
{
  if (segment == NULL)
    return;
  g_free (segment->name);
  g_free (segment);
}

static char *
segment_name (guint index)
{
  return g_strdup_printf (NAME_PREFIX "%05u" NAME_SUFFIX, index);
}

/* Parses "seg-%05u.ts" exactly as segment_name() writes it. */
static gboolean
segment_name_parse (const char *name,
                    guint      *index)
{
  gsize len, n_digits;
  const char *digits;
  guint64 value = 0;
  g_autofree char *canonical = NULL;

  if (name == NULL || !g_str_has_prefix (name, NAME_PREFIX))
    return FALSE;
  len = strlen (name);
  if (len < strlen (NAME_PREFIX) + strlen (NAME_SUFFIX) + 5 ||
      !g_str_has_suffix (name, NAME_SUFFIX))
    return FALSE;
  digits = name + strlen (NAME_PREFIX);
  n_digits = len - strlen (NAME_PREFIX) - strlen (NAME_SUFFIX);
  if (n_digits > 10)
    return FALSE;
  for (gsize i = 0; i < n_digits; i++)
    {
      if (!g_ascii_isdigit (digits[i]))
        return FALSE;
      value = value * 10 + (guint64) (digits[i] - '0');
    }
  if (value > G_MAXUINT)
    return FALSE;
  canonical = segment_name ((guint) value);
  if (strcmp (canonical, name) != 0)
    return FALSE;
  if (index != NULL)
    *index = (guint) value;
  return TRUE;
}

gboolean
sl_hls_segment_name_is_valid (const char *name)
{
  return segment_name_parse (name, NULL);
}

/* Milliseconds, rounded to the nearest: what EXTINF shows. */
static guint64
duration_ms (guint64 duration_ns)
{
  return (duration_ns + GST_MSECOND / 2) / GST_MSECOND;
}

char *
sl_hls_render_playlist (GPtrArray  *segments,
                        guint       first,
                        guint       count,
                        gboolean    vod,
                        gboolean    ended,
                        const char *uri_query)
{
  GString *out;
  guint64 longest_ms = 0;
  guint discont_seq = 0;
  guint64 target;

  g_return_val_if_fail (segments != NULL, NULL);
  g_return_val_if_fail (first <= segments->len, NULL);
  g_return_val_if_fail (count <= segments->len - first, NULL);
  g_return_val_if_fail (uri_query == NULL || strpbrk (uri_query, "\r\n#") == NULL, NULL);

  for (guint i = 0; i < first; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      if (seg->discont)
        discont_seq++;
    }
  for (guint i = first; i < first + count; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      longest_ms = MAX (longest_ms, duration_ms (seg->duration_ns));
    }
  /* RFC 8216 4.3.3.1: each duration rounded to the nearest integer. A
   * 1.05 s segment keeps the target at 1 s, which players' live edge
   * (three target durations back) depends on. */
  target = MAX ((longest_ms + 500) / 1000, 1);

  out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:3\n");
  g_string_append_printf (out, "#EXT-X-TARGETDURATION:%" G_GUINT64_FORMAT "\n", target);
  g_string_append_printf (out, "#EXT-X-MEDIA-SEQUENCE:%u\n",
                          count > 0 ? ((const SlHlsSegment *) g_ptr_array_index (segments, first))->index : 0);
  if (discont_seq > 0)
    g_string_append_printf (out, "#EXT-X-DISCONTINUITY-SEQUENCE:%u\n", discont_seq);
  if (vod)
    g_string_append_printf (out, "#EXT-X-PLAYLIST-TYPE:%s\n", ended ? "VOD" : "EVENT");

  for (guint i = first; i < first + count; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      guint64 ms = duration_ms (seg->duration_ns);

      if (seg->discont)
        g_string_append (out, "#EXT-X-DISCONTINUITY\n");
      /* Integer arithmetic: "%.3f" would follow the locale. */
      g_string_append_printf (out, "#EXTINF:%" G_GUINT64_FORMAT ".%03u,\n%s%s\n",
                              ms / 1000, (guint) (ms % 1000), seg->name,
                              uri_query != NULL ? uri_query : "");
    }
  if (ended)
    g_string_append (out, "#EXT-X-ENDLIST\n");

  return g_string_free (out, FALSE);
}

/* "1.234" → 1234000000 ns; at most 3 decimals, no sign, no exponent. */
static gboolean
parse_extinf (const char *text,
              guint64    *duration_ns)
{
  guint64 whole = 0, frac = 0;
  guint n_whole = 0, n_frac = 0;
  const char *p = text;

  for (; g_ascii_isdigit (*p) && n_whole < 9; p++, n_whole++)
    whole = whole * 10 + (guint64) (*p - '0');
  if (n_whole == 0)
    return FALSE;
  if (*p == '.')
    {
      for (p++; g_ascii_isdigit (*p) && n_frac < 3; p++, n_frac++)
        frac = frac * 10 + (guint64) (*p - '0');
      if (n_frac == 0)
        return FALSE;
      for (guint i = n_frac; i < 3; i++)
        frac *= 10;
    }
  if (*p != ',' && *p != '\0')
    return FALSE;
  *duration_ns = whole * GST_SECOND + frac * GST_MSECOND;
  return TRUE;
}

GPtrArray *
sl_hls_parse_playlist (const char *text,
                       gboolean   *ended,
                       GError    **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean have_extinf = FALSE, discont = FALSE, seen_end = FALSE;
  guint64 pending_ns = 0;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  segments = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hls_segment_free);
  lines = g_strsplit (text, "\n", -1);
  if (lines[0] == NULL || strcmp (g_strchomp (lines[0]), "#EXTM3U") != 0)
    {
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PARSE,
                   "Not an HLS playlist: no #EXTM3U line");
      return NULL;
    }

  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *line = g_strstrip (lines[i]);

      if (*line == '\0')
        continue;
      if (g_str_has_prefix (line, "#EXTINF:"))
        {
          if (!parse_extinf (line + strlen ("#EXTINF:"), &pending_ns))
            {
              g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PARSE,
                           "Line %u: bad EXTINF “%s”", i + 1, line);
              return NULL;
            }
          have_extinf = TRUE;
        }
      else if (strcmp (line, "#EXT-X-DISCONTINUITY") == 0)
        discont = TRUE;
      else if (strcmp (line, "#EXT-X-ENDLIST") == 0)
        seen_end = TRUE;
      else if (*line == '#')
        continue;
      else
        {
          SlHlsSegment *seg;
          char *query = strchr (line, '?');
          guint index;

          if (query != NULL)
            *query = '\0';
          if (!have_extinf || !segment_name_parse (line, &index))
            {
              g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PARSE,
                           "Line %u: “%s” is not a segment of this playlist", i + 1, line);
              return NULL;
            }
          seg = g_new0 (SlHlsSegment, 1);
          seg->index = index;
          seg->name = g_strdup (line);
          seg->duration_ns = pending_ns;
          seg->discont = discont;
          g_ptr_array_add (segments, seg);
          have_extinf = discont = FALSE;
        }
    }

  if (ended != NULL)
    *ended = seen_end;
  return g_steal_pointer (&segments);
}

/* ---------------------------------------------------------------------- */
/* SlHlsBin: the bin holding the segmenter's elements; it sees their
 * messages first, in the thread that posts them. */

#define SL_TYPE_HLS_BIN (sl_hls_bin_get_type ())
G_DECLARE_FINAL_TYPE (SlHlsBin, sl_hls_bin, SL, HLS_BIN, GstBin)

struct _SlHlsBin
{
  GstBin   parent_instance;
  GWeakRef segmenter;
};

G_DEFINE_FINAL_TYPE (SlHlsBin, sl_hls_bin, GST_TYPE_BIN)

static gboolean segmenter_intercept_message (SlSegmenter *self,
                                             GstMessage  *msg);

static void
sl_hls_bin_handle_message (GstBin     *bin,
                           GstMessage *msg)
{
  SlHlsBin *self = SL_HLS_BIN (bin);
  g_autoptr(SlSegmenter) segmenter = g_weak_ref_get (&self->segmenter);

  if (segmenter != NULL && segmenter_intercept_message (segmenter, msg))
    {
      gst_message_unref (msg);
      return;
    }
  GST_BIN_CLASS (sl_hls_bin_parent_class)->handle_message (bin, msg);
}

static void
sl_hls_bin_finalize (GObject *object)
{
  SlHlsBin *self = SL_HLS_BIN (object);

  g_weak_ref_clear (&self->segmenter);
  G_OBJECT_CLASS (sl_hls_bin_parent_class)->finalize (object);
}

static void
sl_hls_bin_class_init (SlHlsBinClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = sl_hls_bin_finalize;
  GST_BIN_CLASS (klass)->handle_message = sl_hls_bin_handle_message;
}

static void
sl_hls_bin_init (SlHlsBin *self)
{
  g_weak_ref_init (&self->segmenter, NULL);
}

/* ---------------------------------------------------------------------- */
/* SlSegmenter */

struct _SlSegmenter
{
  GObject       parent_instance;

  GMainContext *context;      /* of the creator: signals and finish run there */
  GstBin       *parent_bin;   /* NULL once detached */
  GstElement   *bin;          /* SlHlsBin; kept after detaching (message origin) */
  GstElement   *splitmux;
  GstPad       *video_sink;   /* ghost pads on bin */
  GstPad       *audio_sink;
  char         *dir;
  gboolean      keep_all;

  GMutex        lock;         /* everything below; taken from streaming threads */
  GPtrArray    *segments;     /* SlHlsSegment, every complete one */
  guint64       open_rt;      /* running time the open fragment started at */
  gboolean      open_valid;
  gboolean      open_discont;
  guint         deleted_upto; /* keep_all FALSE: indexes below are deleted */
  gboolean      ended;        /* the last segment is closed: ENDLIST */
  gboolean      eos;          /* the muxer has seen EOS */
  gboolean      failed;
  GError       *failure;
  /* video gap tracking (streaming thread of the video input) */
  GstSegment    video_segment;
  guint64       last_video_end;
  gboolean      gap_pending;  /* the next fragment opened at or after gap_end is discont */
  guint64       gap_start;
  guint64       gap_end;
  guint         gate_dropped; /* video input: dropped before the first keyframe */
  /* keyframe cadence (streaming thread of the video input) */
  guint64       last_key_pts;
  gboolean      have_key;
  gboolean      sparse_keys;  /* the publisher's own keyframes are too far apart */
  guint64       key_asked_pts;
  gboolean      key_asked;

  GMutex        write_lock;   /* serialises vod.m3u8 writes */

  /* main context only */
  GTask        *finish_task;
  GSource      *finish_timeout;
};

enum {
  SIGNAL_SEGMENT_ADDED,
  SIGNAL_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SlSegmenter, sl_segmenter, G_TYPE_OBJECT)

static void segmenter_detach (SlSegmenter *self);

/* Runs @func on the segmenter's context, later, never in the caller's
 * stack (g_main_context_invoke() could run it in a streaming thread). */
static void
segmenter_defer (SlSegmenter *self,
                 GSourceFunc  func,
                 gpointer     data,
                 GDestroyNotify notify)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "[sl-hls] deferred");
  g_source_attach (source, self->context);
}

typedef struct {
  SlSegmenter *self;
  guint        index;
} SegmentAdded;

static void
segment_added_free (gpointer data)
{
  SegmentAdded *added = data;

  g_object_unref (added->self);
  g_free (added);
}

static gboolean
emit_segment_added_cb (gpointer data)
{
  SegmentAdded *added = data;

  g_signal_emit (added->self, signals[SIGNAL_SEGMENT_ADDED], 0, added->index);
  return G_SOURCE_REMOVE;
}

static gboolean
write_file_atomically (const char *dir,
                       const char *name,
                       const char *contents,
                       GError    **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) local_error = NULL;

  if (!g_file_set_contents_full (path, contents, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0644, &local_error))
    {
      gboolean no_space = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOSPC);

      g_set_error (error, SL_HLS_ERROR, no_space ? SL_HLS_ERROR_NO_SPACE : SL_HLS_ERROR_IO,
                   "Could not write %s: %s", name, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
detach_cb (gpointer data)
{
  SlSegmenter *self = data;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) failure = NULL;
  gboolean attached = self->parent_bin != NULL;

  segmenter_detach (self);

  g_mutex_lock (&self->lock);
  if (self->failed)
    failure = g_error_copy (self->failure);
  g_mutex_unlock (&self->lock);

  g_mutex_lock (&self->lock);
  task = g_steal_pointer (&self->finish_task);
  g_mutex_unlock (&self->lock);
  if (self->finish_timeout != NULL)
    {
      g_source_destroy (self->finish_timeout);
      g_clear_pointer (&self->finish_timeout, g_source_unref);
    }

  if (failure != NULL && attached)
    g_signal_emit (self, signals[SIGNAL_FAILED], 0, failure);

  if (task != NULL)
    {
      if (failure != NULL)
        g_task_return_error (task, g_error_copy (failure));
      else
        g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

/* Any thread.  The first failure wins; detaching happens on the context. */
static void
segmenter_fail (SlSegmenter *self,
                GError      *error)
{
  g_mutex_lock (&self->lock);
  if (self->failed || self->ended)
    {
      g_mutex_unlock (&self->lock);
      g_error_free (error);
      return;
    }
  self->failed = TRUE;
  self->failure = error;
  g_mutex_unlock (&self->lock);

  g_message ("HLS segmenter in %s stopped: %s", self->dir, error->message);
  segmenter_defer (self, detach_cb, g_object_ref (self), g_object_unref);
}

static GError *
error_from_message (GstMessage *msg)
{
  g_autoptr(GError) gst_error = NULL;
  g_autofree char *debug = NULL;
  gboolean no_space;

  gst_message_parse_error (msg, &gst_error, &debug);
  no_space = g_error_matches (gst_error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NO_SPACE_LEFT);
  if (!no_space && debug != NULL && strstr (debug, g_strerror (ENOSPC)) != NULL)
    no_space = TRUE;
  return g_error_new (SL_HLS_ERROR, no_space ? SL_HLS_ERROR_NO_SPACE : SL_HLS_ERROR_PIPELINE,
                      "Writing HLS segments failed (%s): %s",
                      GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), gst_error->message);
}

static guint
trim_old_segments_locked (SlSegmenter *self,
                          guint        newest)
{
  guint keep = SL_HLS_LIVE_WINDOW + 2;

  if (self->keep_all || newest + 1 <= keep)
    return self->deleted_upto;
  return MAX (self->deleted_upto, newest + 1 - keep);
}

static void
delete_segments (const char *dir,
                 guint       from,
                 guint       to)
{
  for (guint i = from; i < to; i++)
    {
      g_autofree char *name = segment_name (i);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_debug ("Could not delete %s: %s", path, g_strerror (errno));
    }
}

static void
on_fragment_opened (SlSegmenter        *self,
                    const GstStructure *s)
{
  guint64 rt;

  if (!gst_structure_get_uint64 (s, "running-time", &rt))
    return;
  g_mutex_lock (&self->lock);
  self->open_rt = rt;
  self->open_valid = TRUE;
  self->open_discont = FALSE;
  if (self->gap_pending && rt + GST_MSECOND >= self->gap_end && self->segments->len > 0)
    {
      self->open_discont = TRUE;
      self->gap_pending = FALSE;
    }
  g_mutex_unlock (&self->lock);
}

static void
on_fragment_closed (SlSegmenter        *self,
                    const GstStructure *s)
{
  const char *location = gst_structure_get_string (s, "location");
  g_autofree char *basename = NULL;
  g_autofree char *vod = NULL;
  g_autoptr(GError) error = NULL;
  SlHlsSegment *seg;
  GStatBuf st;
  guint64 rt = 0;
  guint index;
  guint delete_from, delete_to;
  SegmentAdded *added;

  if (location == NULL || !gst_structure_get_uint64 (s, "running-time", &rt))
    return;
  basename = g_path_get_basename (location);
  if (!segment_name_parse (basename, &index))
    return;

  seg = g_new0 (SlHlsSegment, 1);
  seg->index = index;
  seg->name = g_steal_pointer (&basename);
  if (g_stat (location, &st) == 0)
    seg->size = (guint64) st.st_size;

  g_mutex_lock (&self->lock);
  if (self->open_valid && rt > self->open_rt)
    {
      seg->duration_ns = rt - self->open_rt;
      /* The publisher paused inside this fragment: the pause is not media. */
      if (self->gap_pending && self->gap_start >= self->open_rt && self->gap_end <= rt)
        seg->duration_ns -= MIN (seg->duration_ns, self->gap_end - self->gap_start);
    }
  seg->discont = self->open_discont;
  self->open_valid = FALSE;
  g_ptr_array_add (self->segments, seg);
  if (self->keep_all)
    vod = sl_hls_render_playlist (self->segments, 0, self->segments->len, TRUE, FALSE, NULL);
  delete_from = self->deleted_upto;
  delete_to = trim_old_segments_locked (self, index);
  self->deleted_upto = delete_to;
  g_mutex_unlock (&self->lock);

  g_debug ("%s: %" G_GUINT64_FORMAT " ms, %" G_GUINT64_FORMAT " bytes",
           seg->name, duration_ms (seg->duration_ns), seg->size);

  if (vod != NULL)
    {
      g_mutex_lock (&self->write_lock);
      if (!write_file_atomically (self->dir, SL_HLS_VOD_PLAYLIST, vod, &error))
        {
          g_mutex_unlock (&self->write_lock);
          segmenter_fail (self, g_steal_pointer (&error));
          return;
        }
      g_mutex_unlock (&self->write_lock);
    }
  delete_segments (self->dir, delete_from, delete_to);

  added = g_new0 (SegmentAdded, 1);
  added->self = g_object_ref (self);
  added->index = index;
  segmenter_defer (self, emit_segment_added_cb, added, segment_added_free);
}

/* The last segment is closed (EOS reached the muxer, or finish gave up
 * waiting): ENDLIST and the final vod.m3u8.  Any thread. */
static void
segmenter_end (SlSegmenter *self)
{
  g_autofree char *vod = NULL;
  g_autoptr(GError) error = NULL;

  g_mutex_lock (&self->lock);
  if (self->ended || self->failed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->ended = TRUE;
  if (self->keep_all)
    vod = sl_hls_render_playlist (self->segments, 0, self->segments->len, TRUE, TRUE, NULL);
  g_mutex_unlock (&self->lock);

  if (vod != NULL)
    {
      g_mutex_lock (&self->write_lock);
      if (!write_file_atomically (self->dir, SL_HLS_VOD_PLAYLIST, vod, &error))
        {
          /* Too late to detach as a failure: report it through finish. */
          g_mutex_lock (&self->lock);
          self->failed = TRUE;
          self->failure = g_steal_pointer (&error);
          g_mutex_unlock (&self->lock);
        }
      g_mutex_unlock (&self->write_lock);
    }
}

/* Called by SlHlsBin in the posting thread; TRUE drops the message. */
static gboolean
segmenter_intercept_message (SlSegmenter *self,
                             GstMessage  *msg)
{
  switch (GST_MESSAGE_TYPE (msg))
    {
    case GST_MESSAGE_ELEMENT:
      {
        const GstStructure *s = gst_message_get_structure (msg);

        if (GST_MESSAGE_SRC (msg) != GST_OBJECT (self->splitmux) || s == NULL)
          return FALSE;
        if (gst_structure_has_name (s, "splitmuxsink-fragment-opened"))
          on_fragment_opened (self, s);
        else if (gst_structure_has_name (s, "splitmuxsink-fragment-closed"))
          on_fragment_closed (self, s);
        else
          return FALSE;
        return TRUE;
      }

    case GST_MESSAGE_EOS:
      {
        gboolean finishing;

        g_mutex_lock (&self->lock);
        self->eos = TRUE;
        finishing = self->finish_task != NULL;
        g_mutex_unlock (&self->lock);
        if (finishing)
          {
            segmenter_end (self);
            segmenter_defer (self, detach_cb, g_object_ref (self), g_object_unref);
          }
        /* Our EOS is not the pipeline's. */
        return TRUE;
      }

    case GST_MESSAGE_ERROR:
      segmenter_fail (self, error_from_message (msg));
      return FALSE;

    default:
      return FALSE;
    }
}

/* The sink pads' chain functions: whatever happens inside, upstream (a tee
 * feeding WebRTC links too) sees success. */
static GstFlowReturn
sink_chain_cb (GstPad    *pad,
               GstObject *parent,
               GstBuffer *buffer)
{
  GstFlowReturn ret = gst_proxy_pad_chain_default (pad, parent, buffer);

  if (ret != GST_FLOW_OK)
    GST_LOG_OBJECT (pad, "hiding %s from upstream", gst_flow_get_name (ret));
  return GST_FLOW_OK;
}

static GstFlowReturn
sink_chain_list_cb (GstPad        *pad,
                    GstObject     *parent,
                    GstBufferList *list)
{
  GstFlowReturn ret = gst_proxy_pad_chain_list_default (pad, parent, list);

  if (ret != GST_FLOW_OK)
    GST_LOG_OBJECT (pad, "hiding %s from upstream", gst_flow_get_name (ret));
  return GST_FLOW_OK;
}

/* On the video input until the first keyframe: a segment must start with
 * one (and its SPS/PPS), and the branch may be linked mid-GOP.  Asks the
 * publisher for a keyframe while waiting. */
static GstPadProbeReturn
keyframe_gate_cb (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  SlSegmenter *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      GST_DEBUG_OBJECT (pad, "first keyframe after %u dropped buffers", self->gate_dropped);
      return GST_PAD_PROBE_REMOVE;
    }
  if (self->gate_dropped++ % 30 == 0)
    gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                         TRUE, 0));
  return GST_PAD_PROBE_DROP;
}

/* On the video input: when the publisher's own keyframes come further apart
 * than SL_HLS_SPARSE_KEYS_MS, asks upstream for one at segment cadence. A
 * publisher that already sends them about every second is left alone, so
 * no request lands just after its own keyframe and cuts a sliver of a
 * segment. */
static GstPadProbeReturn
keyframe_cadence_cb (GstPad          *pad,
                     GstPadProbeInfo *info,
                     gpointer         data)
{
  SlSegmenter *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 pts = GST_BUFFER_PTS (buffer);

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;

  if (!GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      self->have_key = TRUE;
      self->last_key_pts = pts;
      self->key_asked = FALSE;
      return GST_PAD_PROBE_OK;
    }
  if (!self->have_key || pts < self->last_key_pts)
    return GST_PAD_PROBE_OK;

  if (!self->sparse_keys && pts - self->last_key_pts > SL_HLS_SPARSE_KEYS_MS * GST_MSECOND)
    {
      GST_DEBUG_OBJECT (pad, "no keyframe for %" GST_TIME_FORMAT ": asking for them",
                        GST_TIME_ARGS (pts - self->last_key_pts));
      self->sparse_keys = TRUE;
    }
  if (self->sparse_keys &&
      pts - self->last_key_pts + SL_HLS_KEY_LEAD_MS * GST_MSECOND >= SL_HLS_TARGET_MS * GST_MSECOND &&
      (!self->key_asked || pts >= self->key_asked_pts + GST_SECOND))
    {
      self->key_asked = TRUE;
      self->key_asked_pts = pts;
      gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE,
                                                                           TRUE, 0));
    }
  return GST_PAD_PROBE_OK;
}

/* On the muxer's video input: notices pauses of the publisher. */
static GstPadProbeReturn
video_probe_cb (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  SlSegmenter *self = data;

  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

      if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
        {
          const GstSegment *segment;

          gst_event_parse_segment (event, &segment);
          g_mutex_lock (&self->lock);
          gst_segment_copy_into (segment, &self->video_segment);
          g_mutex_unlock (&self->lock);
        }
    }
  else if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
      GstClockTime ts = GST_BUFFER_DTS_OR_PTS (buffer);
      guint64 rt;

      if (!GST_CLOCK_TIME_IS_VALID (ts))
        return GST_PAD_PROBE_OK;
      g_mutex_lock (&self->lock);
      if (self->video_segment.format == GST_FORMAT_TIME)
        {
          rt = gst_segment_to_running_time (&self->video_segment, GST_FORMAT_TIME, ts);
          if (GST_CLOCK_TIME_IS_VALID (rt))
            {
              if (self->last_video_end != 0 && rt > self->last_video_end + GAP_NS)
                {
                  self->gap_pending = TRUE;
                  self->gap_start = self->last_video_end;
                  self->gap_end = rt;
                }
              rt += GST_BUFFER_DURATION_IS_VALID (buffer) ? GST_BUFFER_DURATION (buffer) : 0;
              self->last_video_end = MAX (self->last_video_end, rt);
            }
        }
      g_mutex_unlock (&self->lock);
    }
  return GST_PAD_PROBE_OK;
}

static gchar *
format_location_cb (GstElement *splitmux,
                    guint       fragment_id,
                    gpointer    data)
{
  SlSegmenter *self = data;
  g_autofree char *name = segment_name (fragment_id);

  return g_build_filename (self->dir, name, NULL);
}

/* Main context.  Unlinks the sink pads from their peers (the sink pads
 * never fail upstream, so no blocking is needed first), stops the
 * elements and takes them out of the pipeline. */
static void
segmenter_detach (SlSegmenter *self)
{
  GstPad *sinks[] = { self->video_sink, self->audio_sink };
  g_autoptr(GstBin) parent = NULL;

  if (self->parent_bin == NULL)
    return;
  parent = g_steal_pointer (&self->parent_bin);

  for (guint i = 0; i < G_N_ELEMENTS (sinks); i++)
    {
      g_autoptr(GstPad) peer = sinks[i] != NULL ? gst_pad_get_peer (sinks[i]) : NULL;

      if (peer != NULL)
        gst_pad_unlink (peer, sinks[i]);
    }

  gst_element_set_locked_state (self->bin, TRUE);
  if (gst_element_set_state (self->bin, GST_STATE_NULL) == GST_STATE_CHANGE_FAILURE)
    g_debug ("The segmenter's elements did not stop cleanly");
  if (GST_OBJECT_PARENT (self->bin) == GST_OBJECT (parent))
    gst_bin_remove (parent, self->bin);
}

static void
sl_segmenter_dispose (GObject *object)
{
  SlSegmenter *self = SL_SEGMENTER (object);

  segmenter_detach (self);
  if (self->finish_timeout != NULL)
    {
      g_source_destroy (self->finish_timeout);
      g_clear_pointer (&self->finish_timeout, g_source_unref);
    }
  g_clear_object (&self->finish_task);
  g_clear_object (&self->video_sink);
  g_clear_object (&self->audio_sink);
  g_clear_object (&self->splitmux);
  g_clear_object (&self->bin);

  G_OBJECT_CLASS (sl_segmenter_parent_class)->dispose (object);
}

static void
sl_segmenter_finalize (GObject *object)
{
  SlSegmenter *self = SL_SEGMENTER (object);

  g_clear_pointer (&self->segments, g_ptr_array_unref);
  g_clear_error (&self->failure);
  g_clear_pointer (&self->dir, g_free);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->write_lock);

  G_OBJECT_CLASS (sl_segmenter_parent_class)->finalize (object);
}

static void
sl_segmenter_class_init (SlSegmenterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_segmenter_dispose;
  object_class->finalize = sl_segmenter_finalize;

  signals[SIGNAL_SEGMENT_ADDED] =
    g_signal_new ("segment-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIGNAL_FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR);
}

static void
sl_segmenter_init (SlSegmenter *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->write_lock);
  self->segments = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hls_segment_free);
  gst_segment_init (&self->video_segment, GST_FORMAT_UNDEFINED);
}

/* The elements the segmenter is made of, and where Debian ships them. */
static const struct {
  const char *factory;
  const char *package;
} needed_elements[] = {
  { "queue", "libgstreamer1.0-0" },
  { "capsfilter", "libgstreamer1.0-0" },
  { "splitmuxsink", "gstreamer1.0-plugins-good" },
  { "mpegtsmux", "gstreamer1.0-plugins-bad" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "audioconvert", "gstreamer1.0-plugins-base" },
  { "audioresample", "gstreamer1.0-plugins-base" },
  { "audiorate", "gstreamer1.0-plugins-base" },
  { "aacparse", "gstreamer1.0-plugins-good" },
};

/* Preferred first. */
static const char *const aac_encoders[] = { "voaacenc", "avenc_aac" };

static gboolean
factory_exists (const char *name)
{
  g_autoptr(GstElementFactory) factory = gst_element_factory_find (name);
  return factory != NULL;
}

static gboolean
check_elements (const char **aac_encoder,
                GError     **error)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (needed_elements); i++)
    if (!factory_exists (needed_elements[i].factory))
      g_string_append_printf (missing, "%s%s (install %s)", missing->len > 0 ? ", " : "",
                              needed_elements[i].factory, needed_elements[i].package);

  *aac_encoder = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (aac_encoders) && *aac_encoder == NULL; i++)
    if (factory_exists (aac_encoders[i]))
      *aac_encoder = aac_encoders[i];
  if (*aac_encoder == NULL)
    g_string_append_printf (missing, "%svoaacenc or avenc_aac (install gstreamer1.0-plugins-bad "
                            "or gstreamer1.0-libav)", missing->len > 0 ? ", " : "");

  if (missing->len > 0)
    {
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_MISSING_PLUGIN,
                   "Missing GStreamer elements: %s", missing->str);
      return FALSE;
    }
  return TRUE;
}

/* Makes @factory inside @bin; NULL only if the plugin failed to load. */
static GstElement *
add_element (GstElement *bin,
             const char *factory,
             const char *name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element != NULL)
    gst_bin_add (GST_BIN (bin), element);
  return element;
}

static GstPad *
add_ghost_sink (GstElement *bin,
                GstElement *first,
                const char *name)
{
  g_autoptr(GstPad) target = gst_element_get_static_pad (first, "sink");
  GstPad *ghost = gst_ghost_pad_new (name, target);

  gst_pad_set_chain_function (ghost, sink_chain_cb);
  gst_pad_set_chain_list_function (ghost, sink_chain_list_cb);
  gst_pad_set_active (ghost, TRUE);
  gst_element_add_pad (bin, ghost);
  return gst_object_ref (ghost);
}

SlSegmenter *
sl_segmenter_new (GstBin     *bin,
                  const char *dir,
                  gboolean    keep_all,
                  GError    **error)
{
  g_autoptr(SlSegmenter) self = NULL;
  g_autoptr(GstElement) hls_bin = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) mux_video = NULL;
  g_autoptr(GstPad) mux_audio = NULL;
  g_autoptr(GstPad) aacparse_src = NULL;
  g_autoptr(GstPad) vqueue_src = NULL;
  GstElement *vqueue, *aqueue, *opusdec, *aconvert, *aresample, *acaps, *arate;
  GstElement *aacenc, *aacparse;
  GstElement *splitmux, *tsmux;
  const char *aac_encoder;

  g_return_val_if_fail (GST_IS_BIN (bin), NULL);
  g_return_val_if_fail (dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_elements (&aac_encoder, error))
    return NULL;

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, SL_HLS_ERROR,
                   saved_errno == ENOSPC ? SL_HLS_ERROR_NO_SPACE : SL_HLS_ERROR_IO,
                   "Could not create %s: %s", dir, g_strerror (saved_errno));
      return NULL;
    }

  self = g_object_new (SL_TYPE_SEGMENTER, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->dir = g_strdup (dir);
  self->keep_all = keep_all;

  /* The class pipeline starts before its live source (webrtcbin's nicesrc)
   * exists: splitmuxsink waiting to preroll would hold it in PAUSED, so the
   * segmenter's bin keeps its children's async state changes to itself. */
  hls_bin = g_object_ref_sink (g_object_new (SL_TYPE_HLS_BIN, "async-handling", TRUE, NULL));
  g_weak_ref_set (&SL_HLS_BIN (hls_bin)->segmenter, self);

  vqueue = add_element (hls_bin, "queue", "video_queue");
  aqueue = add_element (hls_bin, "queue", "audio_queue");
  opusdec = add_element (hls_bin, "opusdec", NULL);
  aconvert = add_element (hls_bin, "audioconvert", NULL);
  aresample = add_element (hls_bin, "audioresample", NULL);
  acaps = add_element (hls_bin, "capsfilter", NULL);
  arate = add_element (hls_bin, "audiorate", NULL);
  aacenc = add_element (hls_bin, aac_encoder, NULL);
  aacparse = add_element (hls_bin, "aacparse", NULL);
  splitmux = add_element (hls_bin, "splitmuxsink", NULL);
  tsmux = gst_element_factory_make ("mpegtsmux", NULL);
  if (!vqueue || !aqueue || !opusdec || !aconvert || !aresample || !acaps || !arate ||
      !aacenc || !aacparse || !splitmux || !tsmux)
    {
      g_clear_pointer (&tsmux, gst_object_unref);
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PIPELINE,
                   "Could not make the HLS segmenter's elements");
      return NULL;
    }

  /* Never block the tees: drop the oldest data when the muxer falls behind. */
  g_object_set (vqueue, "leaky", 2 /* downstream */, "max-size-buffers", 0,
                "max-size-bytes", 0, "max-size-time", (guint64) 3 * GST_SECOND, NULL);
  g_object_set (aqueue, "leaky", 2 /* downstream */, "max-size-buffers", 0,
                "max-size-bytes", 0, "max-size-time", (guint64) 3 * GST_SECOND, NULL);
  caps = gst_caps_new_simple ("audio/x-raw",
                              "rate", G_TYPE_INT, 48000,
                              "channels", G_TYPE_INT, 2,
                              NULL);
  g_object_set (acaps, "caps", caps, NULL);
  /* WebRTC audio arrives with jitter, gaps and the odd overlap; the AAC
   * track (and the MP4 made from it) needs steady, rising timestamps. */
  g_object_set (arate, "skip-to-first", TRUE, NULL);

  self->splitmux = gst_object_ref (splitmux);
  g_object_set (splitmux,
                "muxer", tsmux,
                "max-size-time", (guint64) SL_HLS_SPLIT_MS * GST_MSECOND,
                "send-keyframe-requests", FALSE,
                NULL);
  g_signal_connect (splitmux, "format-location", G_CALLBACK (format_location_cb), self);

  mux_video = gst_element_request_pad_simple (splitmux, "video");
  mux_audio = gst_element_request_pad_simple (splitmux, "audio_%u");
  vqueue_src = gst_element_get_static_pad (vqueue, "src");
  aacparse_src = gst_element_get_static_pad (aacparse, "src");
  if (mux_video == NULL || mux_audio == NULL ||
      gst_pad_link (vqueue_src, mux_video) != GST_PAD_LINK_OK ||
      !gst_element_link_many (aqueue, opusdec, aconvert, aresample, acaps, arate, aacenc,
                              aacparse, NULL) ||
      gst_pad_link (aacparse_src, mux_audio) != GST_PAD_LINK_OK)
    {
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PIPELINE,
                   "Could not link the HLS segmenter's elements");
      return NULL;
    }
  gst_pad_add_probe (vqueue_src,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     video_probe_cb, self, NULL);

  {
    g_autoptr(GstPad) vqueue_sink = gst_element_get_static_pad (vqueue, "sink");
    gst_pad_add_probe (vqueue_sink, GST_PAD_PROBE_TYPE_BUFFER, keyframe_gate_cb, self, NULL);
    gst_pad_add_probe (vqueue_sink, GST_PAD_PROBE_TYPE_BUFFER, keyframe_cadence_cb, self, NULL);
  }
  self->video_sink = add_ghost_sink (hls_bin, vqueue, "video_sink");
  self->audio_sink = add_ghost_sink (hls_bin, aqueue, "audio_sink");

  if (!gst_bin_add (bin, hls_bin))
    {
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PIPELINE,
                   "Could not add the HLS segmenter to the pipeline");
      return NULL;
    }
  self->bin = g_steal_pointer (&hls_bin);
  self->parent_bin = gst_object_ref (bin);
  if (!gst_element_sync_state_with_parent (self->bin))
    {
      g_set_error (error, SL_HLS_ERROR, SL_HLS_ERROR_PIPELINE,
                   "Could not start the HLS segmenter");
      return NULL;   /* dispose takes the elements out again */
    }

  return g_steal_pointer (&self);
}

GstPad *
sl_segmenter_get_video_sink (SlSegmenter *self)
{
  g_return_val_if_fail (SL_IS_SEGMENTER (self), NULL);
  return self->video_sink;
}

GstPad *
sl_segmenter_get_audio_sink (SlSegmenter *self)
{
  g_return_val_if_fail (SL_IS_SEGMENTER (self), NULL);
  return self->audio_sink;
}

const char *
sl_segmenter_get_dir (SlSegmenter *self)
{
  g_return_val_if_fail (SL_IS_SEGMENTER (self), NULL);
  return self->dir;
}

gboolean
sl_segmenter_is_failed (SlSegmenter *self)
{
  gboolean failed;

  g_return_val_if_fail (SL_IS_SEGMENTER (self), FALSE);

  g_mutex_lock (&self->lock);
  failed = self->failed;
  g_mutex_unlock (&self->lock);
  return failed;
}

gboolean
sl_segmenter_has_segment (SlSegmenter *self,
                          const char  *name)
{
  gboolean found = FALSE;
  guint index;

  g_return_val_if_fail (SL_IS_SEGMENTER (self), FALSE);

  if (!segment_name_parse (name, &index))
    return FALSE;
  g_mutex_lock (&self->lock);
  if (self->keep_all || index >= self->deleted_upto)
    {
      /* the newest are asked for most: look from the end */
      for (guint i = self->segments->len; i > 0 && !found; i--)
        {
          const SlHlsSegment *seg = g_ptr_array_index (self->segments, i - 1);

          if (seg->index < index)
            break;
          found = seg->index == index;
        }
    }
  g_mutex_unlock (&self->lock);
  return found;
}

GPtrArray *
sl_segmenter_get_segments (SlSegmenter *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (SL_IS_SEGMENTER (self), NULL);

  g_mutex_lock (&self->lock);
  copy = g_ptr_array_new_full (self->segments->len, (GDestroyNotify) sl_hls_segment_free);
  for (guint i = 0; i < self->segments->len; i++)
    g_ptr_array_add (copy, sl_hls_segment_copy (g_ptr_array_index (self->segments, i)));
  g_mutex_unlock (&self->lock);
  return copy;
}

char *
sl_segmenter_live_playlist (SlSegmenter *self,
                            const char  *uri_query)
{
  char *playlist = NULL;
  guint n, first;

  g_return_val_if_fail (SL_IS_SEGMENTER (self), NULL);

  g_mutex_lock (&self->lock);
  n = self->segments->len;
  if (n > 0)
    {
      first = n > SL_HLS_LIVE_WINDOW ? n - SL_HLS_LIVE_WINDOW : 0;
      playlist = sl_hls_render_playlist (self->segments, first, n - first,
                                         FALSE, self->ended, uri_query);
    }
  g_mutex_unlock (&self->lock);
  return playlist;
}

gboolean
sl_segmenter_handle_message (SlSegmenter *self,
                             GstMessage  *msg)
{
  GstObject *src;

  g_return_val_if_fail (SL_IS_SEGMENTER (self), FALSE);
  g_return_val_if_fail (GST_IS_MESSAGE (msg), FALSE);

  src = GST_MESSAGE_SRC (msg);
  if (self->bin == NULL || src == NULL ||
      (src != GST_OBJECT (self->bin) && !gst_object_has_as_ancestor (src, GST_OBJECT (self->bin))))
    return FALSE;

  /* The bin saw it first; this only makes sure (idempotent). */
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    segmenter_fail (self, error_from_message (msg));
  return TRUE;
}

static gboolean
finish_timeout_cb (gpointer data)
{
  SlSegmenter *self = data;

  g_debug ("The muxer in %s did not reach EOS in time; closing anyway", self->dir);
  g_clear_pointer (&self->finish_timeout, g_source_unref);
  segmenter_end (self);
  detach_cb (self);
  return G_SOURCE_REMOVE;
}

void
sl_segmenter_finish_async (SlSegmenter        *self,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  GstPad *sinks[2];
  gboolean failed, eos;

  g_return_if_fail (SL_IS_SEGMENTER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_segmenter_finish_async);
  /* Once the stream is ended there is nothing to undo: finish runs to its
   * end (bounded by FINISH_TIMEOUT_S) whatever @cancellable says. */
  g_task_set_check_cancellable (task, FALSE);

  g_mutex_lock (&self->lock);
  failed = self->failed;
  eos = self->eos;
  g_mutex_unlock (&self->lock);

  if (failed)
    {
      g_task_return_new_error (task, SL_HLS_ERROR, SL_HLS_ERROR_STOPPED,
                               "The HLS segmenter had already stopped: %s",
                               self->failure->message);
      return;
    }
  if (self->parent_bin == NULL || self->finish_task != NULL)
    {
      g_task_return_new_error (task, SL_HLS_ERROR, SL_HLS_ERROR_STOPPED,
                               "The HLS segmenter is already finished");
      return;
    }

  g_mutex_lock (&self->lock);
  self->finish_task = g_object_ref (task);
  g_mutex_unlock (&self->lock);

  if (eos)
    {
      /* The stream ended on its own (publisher gone): all is on disk. */
      segmenter_end (self);
      segmenter_defer (self, detach_cb, g_object_ref (self), g_object_unref);
      return;
    }

  /* Take the branch off the tees, then end it. */
  sinks[0] = self->video_sink;
  sinks[1] = self->audio_sink;
  for (guint i = 0; i < G_N_ELEMENTS (sinks); i++)
    {
      g_autoptr(GstPad) peer = gst_pad_get_peer (sinks[i]);

      if (peer != NULL)
        gst_pad_unlink (peer, sinks[i]);
      gst_pad_send_event (sinks[i], gst_event_new_eos ());
    }

  self->finish_timeout = g_timeout_source_new_seconds (FINISH_TIMEOUT_S);
  g_source_set_callback (self->finish_timeout, finish_timeout_cb, self, NULL);
  g_source_set_static_name (self->finish_timeout, "[sl-hls] finish timeout");
  g_source_attach (self->finish_timeout, self->context);
}

gboolean
sl_segmenter_finish_finish (SlSegmenter  *self,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (SL_IS_SEGMENTER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_segmenter_finish_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
