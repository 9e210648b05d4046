/* test-hls.c: the HLS segmenter, its playlists, and recordings on disk
 * (manifest, listing, MP4 export, recovery after a crash)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-hls.h"
#include "sl-recording.h"

#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

#define FFPROBE "/usr/bin/ffprobe"

/* ---------------------------------------------------------------------- */
/* A live class: test sources → encoders → tees, the segmenter on the tees,
 * and a fakesink on the video tee standing in for the WebRTC forwarder. */

typedef struct {
  GMainLoop   *loop;
  GstElement  *pipeline;
  GstElement  *vtee;
  GstElement  *atee;
  GstPad      *vtee_pad;
  GstPad      *atee_pad;
  SlSegmenter *segmenter;
  char        *dir;
  guint        bus_watch;
  guint        n_added;
  GArray      *live_sequences;  /* media sequence seen at each segment-added */
  guint        wanted;          /* live_run_segments() stops at this many */
  GError      *failed;          /* from "failed" */
  gboolean     finished;
  GError      *finish_error;
  char        *foreign_error;   /* an ERROR from outside the segmenter */
  gint         forwarded;       /* buffers through the other branch (atomic) */
} Live;

static gboolean
live_bus_cb (GstBus     *bus,
             GstMessage *msg,
             gpointer    data)
{
  Live *live = data;

  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  if (live->segmenter != NULL && sl_segmenter_handle_message (live->segmenter, msg))
    return G_SOURCE_CONTINUE;
  if (live->foreign_error == NULL)
    {
      g_autoptr(GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      live->foreign_error = g_strdup_printf ("%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)),
                                             error->message);
    }
  g_main_loop_quit (live->loop);
  return G_SOURCE_CONTINUE;
}

static void
handoff_cb (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            gpointer    data)
{
  Live *live = data;
  g_atomic_int_inc (&live->forwarded);
}

static void
segment_added_cb (SlSegmenter *segmenter,
                  guint        index,
                  gpointer     data)
{
  Live *live = data;
  g_autofree char *playlist = sl_segmenter_live_playlist (segmenter, NULL);
  const char *seq;
  guint value = G_MAXUINT;

  live->n_added++;
  g_assert_nonnull (playlist);
  seq = strstr (playlist, "#EXT-X-MEDIA-SEQUENCE:");
  g_assert_nonnull (seq);
  value = (guint) g_ascii_strtoull (seq + strlen ("#EXT-X-MEDIA-SEQUENCE:"), NULL, 10);
  g_array_append_val (live->live_sequences, value);
  if (live->wanted > 0 && live->n_added >= live->wanted)
    g_main_loop_quit (live->loop);
}

static void
failed_cb (SlSegmenter  *segmenter,
           const GError *error,
           gpointer      data)
{
  Live *live = data;

  if (live->failed == NULL)
    live->failed = g_error_copy (error);
  g_main_loop_quit (live->loop);
}

static void
live_start (Live       *live,
            const char *dir,
            gboolean    keep_all,
            guint       key_int_max)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstElement) vsink = NULL;

  memset (live, 0, sizeof *live);
  live->loop = g_main_loop_new (NULL, FALSE);
  live->dir = g_strdup (dir);
  live->live_sequences = g_array_new (FALSE, FALSE, sizeof (guint));

  description = g_strdup_printf (
    "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=%u "
    "! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au "
    "! tee name=vt ! queue ! fakesink name=forwarder sync=false signal-handoffs=true "
    "audiotestsrc is-live=true wave=ticks ! audio/x-raw,rate=48000,channels=2 ! opusenc "
    "! tee name=at ! queue ! fakesink sync=false",
    key_int_max);
  live->pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  g_assert_nonnull (live->pipeline);
  vsink = gst_bin_get_by_name (GST_BIN (live->pipeline), "forwarder");
  g_signal_connect (vsink, "handoff", G_CALLBACK (handoff_cb), live);
  live->vtee = gst_bin_get_by_name (GST_BIN (live->pipeline), "vt");
  live->atee = gst_bin_get_by_name (GST_BIN (live->pipeline), "at");

  bus = gst_element_get_bus (live->pipeline);
  live->bus_watch = gst_bus_add_watch (bus, live_bus_cb, live);
  g_assert_cmpint (gst_element_set_state (live->pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  /* Like the server: the segmenter joins a running pipeline. */
  live->segmenter = sl_segmenter_new (GST_BIN (live->pipeline), dir, keep_all, &error);
  g_assert_no_error (error);
  g_assert_nonnull (live->segmenter);
  g_assert_cmpstr (sl_segmenter_get_dir (live->segmenter), ==, dir);
  g_signal_connect (live->segmenter, "segment-added", G_CALLBACK (segment_added_cb), live);
  g_signal_connect (live->segmenter, "failed", G_CALLBACK (failed_cb), live);

  live->vtee_pad = gst_element_request_pad_simple (live->vtee, "src_%u");
  live->atee_pad = gst_element_request_pad_simple (live->atee, "src_%u");
  g_assert_cmpint (gst_pad_link (live->vtee_pad, sl_segmenter_get_video_sink (live->segmenter)),
                   ==, GST_PAD_LINK_OK);
  g_assert_cmpint (gst_pad_link (live->atee_pad, sl_segmenter_get_audio_sink (live->segmenter)),
                   ==, GST_PAD_LINK_OK);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

typedef struct {
  GMainLoop *loop;
  gboolean   fired;
} Timer;

static gboolean
timer_cb (gpointer data)
{
  Timer *timer = data;

  timer->fired = TRUE;
  g_main_loop_quit (timer->loop);
  return G_SOURCE_REMOVE;
}

/* Runs the loop for @ms, or until the segmenter fails (the first time). */
static void
live_run (Live *live,
          guint ms)
{
  Timer timer = { live->loop, FALSE };
  guint id = g_timeout_add (ms, timer_cb, &timer);

  g_main_loop_run (live->loop);
  if (!timer.fired)
    g_source_remove (id);
  g_assert_null (live->foreign_error);
}

/* Runs until @n segments are complete (at most @timeout_s: the first run
 * may wait for GStreamer to scan its plugins). */
static void
live_run_segments (Live *live,
                   guint n,
                   guint timeout_s)
{
  live->wanted = n;
  live_run (live, timeout_s * 1000);
  live->wanted = 0;
  g_assert_null (live->failed);
  g_assert_cmpuint (live->n_added, >=, n);
}

static void
finish_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Live *live = data;

  live->finished = TRUE;
  sl_segmenter_finish_finish (SL_SEGMENTER (source), result, &live->finish_error);
  g_main_loop_quit (live->loop);
}

static void
live_finish (Live *live)
{
  sl_segmenter_finish_async (live->segmenter, NULL, finish_done_cb, live);
  while (!live->finished)
    g_main_loop_run (live->loop);
}

static void
live_stop (Live *live)
{
  gst_element_set_state (live->pipeline, GST_STATE_NULL);
  g_clear_object (&live->segmenter);
  if (live->vtee_pad != NULL)
    gst_element_release_request_pad (live->vtee, live->vtee_pad);
  if (live->atee_pad != NULL)
    gst_element_release_request_pad (live->atee, live->atee_pad);
  g_clear_object (&live->vtee_pad);
  g_clear_object (&live->atee_pad);
  g_clear_object (&live->vtee);
  g_clear_object (&live->atee);
  g_source_remove (live->bus_watch);
  g_clear_object (&live->pipeline);
  g_clear_pointer (&live->loop, g_main_loop_unref);
  g_clear_pointer (&live->dir, g_free);
  g_clear_pointer (&live->live_sequences, g_array_unref);
  g_clear_error (&live->failed);
  g_clear_error (&live->finish_error);
  g_clear_pointer (&live->foreign_error, g_free);
}

/* ---------------------------------------------------------------------- */
/* Helpers */

static char *
make_temp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("streamlet-hls-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    while ((name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *child = g_build_filename (path, name, NULL);
        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          remove_tree (child);
        else
          g_unlink (child);
      }
  g_rmdir (path);
}

static char *
read_text (const char *dir,
           const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static gboolean
file_exists (const char *dir,
             const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
count_lines_with_prefix (const char *text,
                         const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      n++;
  return n;
}

typedef struct {
  gboolean      ok;
  GstClockTime  duration;
  char         *container;   /* caps name of the container, or NULL */
  gboolean      h264;
  gboolean      aac;
  guint         width;
} Probe;

static void
probe_clear (Probe *probe)
{
  g_clear_pointer (&probe->container, g_free);
}

/* What GstDiscoverer sees in @path. */
static void
probe_file (const char *path,
            Probe      *probe)
{
  g_autoptr(GstDiscoverer) discoverer = NULL;
  g_autoptr(GstDiscovererInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = gst_filename_to_uri (path, NULL);
  GList *streams, *l;
  GstDiscovererStreamInfo *top;

  memset (probe, 0, sizeof *probe);
  discoverer = gst_discoverer_new (20 * GST_SECOND, &error);
  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  if (info == NULL || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK)
    {
      g_test_message ("discoverer on %s: %s", path, error != NULL ? error->message : "?");
      return;
    }
  probe->ok = TRUE;
  probe->duration = gst_discoverer_info_get_duration (info);

  top = gst_discoverer_info_get_stream_info (info);
  if (GST_IS_DISCOVERER_CONTAINER_INFO (top))
    {
      g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps (top);
      probe->container = g_strdup (gst_structure_get_name (gst_caps_get_structure (caps, 0)));
    }
  g_clear_object (&top);

  streams = gst_discoverer_info_get_stream_list (info);
  for (l = streams; l != NULL; l = l->next)
    {
      g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps (l->data);
      GstStructure *s;
      gint mpegversion = 0;

      if (caps == NULL)
        continue;
      s = gst_caps_get_structure (caps, 0);
      if (gst_structure_has_name (s, "video/x-h264"))
        {
          probe->h264 = TRUE;
          probe->width = gst_discoverer_video_info_get_width (l->data);
        }
      if (gst_structure_has_name (s, "audio/mpeg") &&
          gst_structure_get_int (s, "mpegversion", &mpegversion) && mpegversion == 4)
        probe->aac = TRUE;
    }
  gst_discoverer_stream_info_list_free (streams);
}

/* ffprobe, when installed, reads @path without complaint. */
static void
assert_ffprobe_reads (const char *path)
{
  const char *argv[] = { FFPROBE, "-v", "error", "-i", path, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (!g_file_test (FFPROBE, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_message ("no %s: not checking with ffprobe", FFPROBE);
      return;
    }
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL) || (err != NULL && *err != '\0'))
    g_error ("ffprobe %s: status %d: %s", path, status, err);
}

static void
assert_durations_about_1s (GPtrArray *segments)
{
  g_assert_cmpuint (segments->len, >=, 3);
  for (guint i = 0; i < segments->len; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);

      g_test_message ("%s: %.3f s, %" G_GUINT64_FORMAT " bytes", seg->name,
                      (double) seg->duration_ns / GST_SECOND, seg->size);
      g_assert_cmpuint (seg->index, ==, i);
      g_assert_true (sl_hls_segment_name_is_valid (seg->name));
      g_assert_cmpuint (seg->size, >, 0);
      g_assert_false (seg->discont);
      if (i + 1 < segments->len)
        {
          g_assert_cmpuint (seg->duration_ns, >=, GST_SECOND / 2);
          g_assert_cmpuint (seg->duration_ns, <=, 2 * GST_SECOND);
        }
      else
        g_assert_cmpuint (seg->duration_ns, >, 0);
    }
}

/* ---------------------------------------------------------------------- */
/* Pure functions */

static void
test_segment_name (void)
{
  const char *valid[] = { "seg-00000.ts", "seg-00012.ts", "seg-99999.ts", "seg-100000.ts",
                          "seg-4294967295.ts" };
  const char *invalid[] = { "", "seg-.ts", "seg-0000.ts", "seg-000000.ts", "seg-012345.ts",
                            "seg-00001.ts.part", "seg-0000a.ts", "seg--0001.ts",
                            "../seg-00001.ts", "seg-00001.TS", "seg-4294967296.ts",
                            "seg-99999999999.ts", "vod.m3u8", "seg-00001", "xseg-00001.ts",
                            "seg-+0001.ts", "seg- 0001.ts" };

  for (guint i = 0; i < G_N_ELEMENTS (valid); i++)
    g_assert_true (sl_hls_segment_name_is_valid (valid[i]));
  for (guint i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_test_message ("invalid: “%s”", invalid[i]);
      g_assert_false (sl_hls_segment_name_is_valid (invalid[i]));
    }
  g_assert_false (sl_hls_segment_name_is_valid (NULL));
}

static GPtrArray *
make_segments (const guint64 *durations_us,
               const gboolean *disconts,
               guint n)
{
  GPtrArray *segments = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hls_segment_free);

  for (guint i = 0; i < n; i++)
    {
      SlHlsSegment *seg = g_new0 (SlHlsSegment, 1);
      seg->index = i;
      seg->name = g_strdup_printf ("seg-%05u.ts", i);
      seg->duration_ns = durations_us[i] * GST_USECOND;
      seg->size = 1000;
      seg->discont = disconts[i];
      g_ptr_array_add (segments, seg);
    }
  return segments;
}

static void
test_render_playlist (void)
{
  static const guint64 durations[] = { 1000000, 1500400, 2000600, 999600 };
  static const gboolean disconts[] = { FALSE, FALSE, TRUE, FALSE };
  static const struct {
    guint       first, count;
    gboolean    vod, ended;
    const char *query;
    const char *expected;
  } cases[] = {
    { 0, 3, TRUE, TRUE, NULL,
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-PLAYLIST-TYPE:VOD\n"
      "#EXTINF:1.000,\nseg-00000.ts\n"
      "#EXTINF:1.500,\nseg-00001.ts\n"
      "#EXT-X-DISCONTINUITY\n#EXTINF:2.001,\nseg-00002.ts\n"
      "#EXT-X-ENDLIST\n" },
    { 0, 2, TRUE, FALSE, NULL,
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
      "#EXT-X-PLAYLIST-TYPE:EVENT\n"
      "#EXTINF:1.000,\nseg-00000.ts\n"
      "#EXTINF:1.500,\nseg-00001.ts\n" },
    { 1, 2, FALSE, FALSE, "?exp=1700000000&sig=q-_Z",
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n"
      "#EXTINF:1.500,\nseg-00001.ts?exp=1700000000&sig=q-_Z\n"
      "#EXT-X-DISCONTINUITY\n#EXTINF:2.001,\nseg-00002.ts?exp=1700000000&sig=q-_Z\n" },
    /* The discontinuity has slid out of the window: it is counted. */
    { 3, 1, FALSE, TRUE, "?k=v",
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:3\n"
      "#EXT-X-DISCONTINUITY-SEQUENCE:1\n"
      "#EXTINF:1.000,\nseg-00003.ts?k=v\n"
      "#EXT-X-ENDLIST\n" },
    { 0, 0, FALSE, FALSE, NULL,
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:0\n" },
  };
  g_autoptr(GPtrArray) segments = make_segments (durations, disconts, G_N_ELEMENTS (durations));

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = sl_hls_render_playlist (segments, cases[i].first, cases[i].count,
                                                      cases[i].vod, cases[i].ended,
                                                      cases[i].query);
      g_test_message ("case %u", i);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

static void
test_parse_playlist (void)
{
  static const guint64 durations[] = { 1000000, 1500400, 2000600, 999600 };
  static const gboolean disconts[] = { FALSE, FALSE, TRUE, FALSE };
  static const char *const bad[] = {
    "",
    "#EXTM3U8\n",
    "#EXTM3U\n#EXTINF:1.000,\n../etc/passwd\n",
    "#EXTM3U\nseg-00000.ts\n",                          /* no EXTINF */
    "#EXTM3U\n#EXTINF:-1.000,\nseg-00000.ts\n",
    "#EXTM3U\n#EXTINF:1e3,\nseg-00000.ts\n",
    "#EXTM3U\n#EXTINF:1.0001,\nseg-00000.ts\n",
    "#EXTM3U\n#EXTINF:1.000,\nhttp://example.com/seg-00000.ts\n",
  };
  g_autoptr(GPtrArray) segments = make_segments (durations, disconts, G_N_ELEMENTS (durations));
  g_autofree char *text = sl_hls_render_playlist (segments, 0, segments->len, TRUE, TRUE, "?a=b");
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GError) error = NULL;
  gboolean ended = FALSE;

  parsed = sl_hls_parse_playlist (text, &ended, &error);
  g_assert_no_error (error);
  g_assert_true (ended);
  g_assert_cmpuint (parsed->len, ==, segments->len);
  for (guint i = 0; i < parsed->len; i++)
    {
      const SlHlsSegment *a = g_ptr_array_index (segments, i);
      const SlHlsSegment *b = g_ptr_array_index (parsed, i);
      g_assert_cmpuint (b->index, ==, a->index);
      g_assert_cmpstr (b->name, ==, a->name);
      g_assert_cmpuint (b->duration_ns / GST_MSECOND, ==, (a->duration_ns + GST_MSECOND / 2) / GST_MSECOND);
      g_assert_cmpint (b->discont, ==, a->discont);
    }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GPtrArray) none = NULL;
      g_autoptr(GError) bad_error = NULL;

      none = sl_hls_parse_playlist (bad[i], NULL, &bad_error);
      g_test_message ("bad %u: %s", i, bad_error != NULL ? bad_error->message : "(accepted)");
      g_assert_null (none);
      g_assert_error (bad_error, SL_HLS_ERROR, SL_HLS_ERROR_PARSE);
    }
}

/* ---------------------------------------------------------------------- */
/* The segmenter, live */

static void
check_segments_run (guint key_int_max)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(GPtrArray) segments = NULL;
  g_autofree char *vod = NULL;
  g_autofree char *live_text = NULL;
  g_autofree char *vod_path = NULL;
  Live live;

  live_start (&live, dir, TRUE, key_int_max);
  live_run_segments (&live, 5, 40);

  /* While live, vod.m3u8 is an EVENT playlist with no end. */
  vod = read_text (dir, SL_HLS_VOD_PLAYLIST);
  g_assert_nonnull (strstr (vod, "#EXT-X-PLAYLIST-TYPE:EVENT\n"));
  g_assert_null (strstr (vod, "#EXT-X-ENDLIST"));
  g_clear_pointer (&vod, g_free);

  live_finish (&live);
  g_assert_no_error (live.finish_error);
  g_assert_false (sl_segmenter_is_failed (live.segmenter));

  segments = sl_segmenter_get_segments (live.segmenter);
  assert_durations_about_1s (segments);
  {
    const SlHlsSegment *last = g_ptr_array_index (segments, segments->len - 1);
    g_autofree char *next = g_strdup_printf ("seg-%05u.ts", last->index + 1);

    g_assert_true (sl_segmenter_has_segment (live.segmenter, last->name));
    g_assert_true (sl_segmenter_has_segment (live.segmenter, "seg-00000.ts"));
    g_assert_false (sl_segmenter_has_segment (live.segmenter, next));
    g_assert_false (sl_segmenter_has_segment (live.segmenter, "seg-0.ts"));
    g_assert_false (sl_segmenter_has_segment (live.segmenter, "../vod.m3u8"));
  }

  vod = read_text (dir, SL_HLS_VOD_PLAYLIST);
  g_assert_nonnull (strstr (vod, "#EXT-X-PLAYLIST-TYPE:VOD\n"));
  g_assert_true (g_str_has_suffix (vod, "#EXT-X-ENDLIST\n"));
  g_assert_cmpuint (count_lines_with_prefix (vod, "#EXTINF:"), ==, segments->len);
  g_assert_cmpuint (count_lines_with_prefix (vod, "seg-"), ==, segments->len);
  g_assert_nonnull (strstr (vod, "#EXT-X-TARGETDURATION:"));
  live_text = sl_segmenter_live_playlist (live.segmenter, NULL);
  g_assert_true (g_str_has_suffix (live_text, "#EXT-X-ENDLIST\n"));

  for (guint i = 0; i < segments->len; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      g_autofree char *path = g_build_filename (dir, seg->name, NULL);
      Probe probe;

      g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      probe_file (path, &probe);
      g_assert_true (probe.ok);
      g_assert_true (probe.h264);
      g_assert_true (probe.aac);
      g_assert_cmpuint (probe.width, ==, 320);
      probe_clear (&probe);
      /* Each segment starts decodable: a keyframe with its SPS/PPS. */
      assert_ffprobe_reads (path);
    }

  vod_path = g_build_filename (dir, SL_HLS_VOD_PLAYLIST, NULL);
  assert_ffprobe_reads (vod_path);

  /* The segmenter is out of the pipeline; the forwarder still runs. */
  g_assert_false (gst_pad_is_linked (live.vtee_pad));
  live_stop (&live);
  remove_tree (dir);
}

static void
test_segments (void)
{
  check_segments_run (30);
}

static void
test_sparse_keyframes (void)
{
  /* One keyframe in 10 s from the encoder: the segmenter's requests make
   * the 1 s segments. */
  check_segments_run (300);
}

static void
test_live_window (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autoptr(GPtrArray) segments = NULL;
  g_autofree char *playlist = NULL;
  g_autofree char *signed_playlist = NULL;
  g_auto(GStrv) lines = NULL;
  const SlHlsSegment *newest;
  guint n_files = 0;
  g_autoptr(GDir) listing = NULL;
  const char *name;
  Live live;

  live_start (&live, dir, FALSE, 30);
  g_assert_null (sl_segmenter_live_playlist (live.segmenter, NULL));
  live_run_segments (&live, SL_HLS_LIVE_WINDOW + 4, 50);

  segments = sl_segmenter_get_segments (live.segmenter);
  g_assert_cmpuint (segments->len, >, SL_HLS_LIVE_WINDOW + 2);
  newest = g_ptr_array_index (segments, segments->len - 1);

  /* The media sequence advanced with the window, one segment at a time. */
  g_assert_cmpuint (live.live_sequences->len, ==, live.n_added);
  for (guint i = 0; i < live.live_sequences->len; i++)
    {
      guint expected = i + 1 > SL_HLS_LIVE_WINDOW ? i + 1 - SL_HLS_LIVE_WINDOW : 0;
      g_assert_cmpuint (g_array_index (live.live_sequences, guint, i), ==, expected);
    }

  playlist = sl_segmenter_live_playlist (live.segmenter, NULL);
  g_test_message ("%s", playlist);
  g_assert_cmpuint (count_lines_with_prefix (playlist, "#EXTINF:"), ==, SL_HLS_LIVE_WINDOW);
  g_assert_null (strstr (playlist, "#EXT-X-ENDLIST"));
  g_assert_null (strstr (playlist, "#EXT-X-PLAYLIST-TYPE"));
  {
    g_autofree char *seq = g_strdup_printf ("#EXT-X-MEDIA-SEQUENCE:%u\n",
                                            newest->index + 1 - SL_HLS_LIVE_WINDOW);
    g_assert_nonnull (strstr (playlist, seq));
  }
  {
    guint64 longest_ms = 0;
    g_autofree char *target = NULL;

    for (guint i = segments->len - SL_HLS_LIVE_WINDOW; i < segments->len; i++)
      longest_ms = MAX (longest_ms, (((SlHlsSegment *) g_ptr_array_index (segments, i))->duration_ns
                                     + GST_MSECOND / 2) / GST_MSECOND);
    target = g_strdup_printf ("#EXT-X-TARGETDURATION:%" G_GUINT64_FORMAT "\n",
                              MAX ((longest_ms + 500) / 1000, 1));
    g_assert_nonnull (strstr (playlist, target));
  }
  lines = g_strsplit (playlist, "\n", -1);
  g_assert_true (g_str_has_suffix (playlist, "\n"));
  g_assert_cmpstr (lines[g_strv_length (lines) - 2], ==, newest->name);

  signed_playlist = sl_segmenter_live_playlist (live.segmenter, "?exp=9&sig=abc");
  g_assert_cmpuint (count_lines_with_prefix (signed_playlist, "seg-"), ==, SL_HLS_LIVE_WINDOW);
  {
    g_autofree char *uri = g_strdup_printf ("\n%s?exp=9&sig=abc\n", newest->name);
    g_assert_nonnull (strstr (signed_playlist, uri));
  }

  live_finish (&live);
  g_assert_no_error (live.finish_error);
  g_clear_pointer (&playlist, g_free);
  playlist = sl_segmenter_live_playlist (live.segmenter, NULL);
  g_assert_true (g_str_has_suffix (playlist, "#EXT-X-ENDLIST\n"));

  /* Only the window (+2) stays on disk, and no vod.m3u8. */
  g_assert_false (file_exists (dir, SL_HLS_VOD_PLAYLIST));
  g_assert_false (file_exists (dir, "seg-00000.ts"));
  listing = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_assert_true (sl_hls_segment_name_is_valid (name));
      n_files++;
    }
  g_assert_cmpuint (n_files, <=, SL_HLS_LIVE_WINDOW + 2);
  g_assert_cmpuint (n_files, >=, SL_HLS_LIVE_WINDOW);
  {
    g_clear_pointer (&segments, g_ptr_array_unref);
    segments = sl_segmenter_get_segments (live.segmenter);
    newest = g_ptr_array_index (segments, segments->len - 1);
    g_assert_true (file_exists (dir, newest->name));
  }

  live_stop (&live);
  remove_tree (dir);
}

static void
test_bad_dir (void)
{
  g_autofree char *base = make_temp_dir ();
  g_autofree char *file = g_build_filename (base, "a-file", NULL);
  g_autofree char *dir = g_build_filename (file, "hls", NULL);
  g_autoptr(GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr(SlSegmenter) segmenter = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  segmenter = sl_segmenter_new (GST_BIN (pipeline), dir, TRUE, &error);
  g_assert_null (segmenter);
  g_assert_error (error, SL_HLS_ERROR, SL_HLS_ERROR_IO);
  g_test_message ("%s", error->message);
  /* Nothing was added to the pipeline. */
  g_assert_cmpint (GST_BIN (pipeline)->numchildren, ==, 0);
  remove_tree (base);
}

/* Records @n segments of the live source into @dir, finished cleanly. */
static GPtrArray *
record (const char *dir,
        guint       n)
{
  Live live;
  GPtrArray *segments;

  live_start (&live, dir, TRUE, 30);
  live_run_segments (&live, n, 40);
  live_finish (&live);
  g_assert_no_error (live.finish_error);
  segments = sl_segmenter_get_segments (live.segmenter);
  live_stop (&live);
  return segments;
}

typedef struct {
  GMainLoop *loop;
  guint      frames;
  gboolean   eos;
  char      *error;
} Playback;

static void
frame_cb (GstElement *sink,
          GstBuffer  *buffer,
          GstPad     *pad,
          gpointer    data)
{
  Playback *playback = data;
  g_atomic_int_inc (&playback->frames);
}

static gboolean
playback_bus_cb (GstBus     *bus,
                 GstMessage *msg,
                 gpointer    data)
{
  Playback *playback = data;

  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    {
      playback->eos = TRUE;
      g_main_loop_quit (playback->loop);
    }
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;
      gst_message_parse_error (msg, &error, NULL);
      playback->error = g_strdup (error->message);
      g_main_loop_quit (playback->loop);
    }
  return G_SOURCE_CONTINUE;
}

static void
test_hlsdemux_plays_vod (void)
{
  g_autofree char *dir = make_temp_dir ();
  g_autofree char *vod_path = g_build_filename (dir, SL_HLS_VOD_PLAYLIST, NULL);
  g_autofree char *uri = NULL;
  g_autofree char *description = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) vsink = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GError) error = NULL;
  Playback playback = { 0 };
  guint64 total_ns = 0;
  guint watch, timeout;

  segments = record (dir, 4);
  for (guint i = 0; i < segments->len; i++)
    total_ns += ((SlHlsSegment *) g_ptr_array_index (segments, i))->duration_ns;

  /* hlsdemux, through uridecodebin, on the file; decoded video is counted. */
  uri = gst_filename_to_uri (vod_path, NULL);
  description = g_strdup_printf ("uridecodebin uri=%s name=d "
                                 "d. ! queue ! videoconvert ! video/x-raw "
                                 "! fakesink name=vsink sync=false signal-handoffs=true "
                                 "d. ! queue ! audioconvert ! fakesink sync=false", uri);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);
  vsink = gst_bin_get_by_name (GST_BIN (pipeline), "vsink");
  g_signal_connect (vsink, "handoff", G_CALLBACK (frame_cb), &playback);

  playback.loop = g_main_loop_new (NULL, FALSE);
  bus = gst_element_get_bus (pipeline);
  watch = gst_bus_add_watch (bus, playback_bus_cb, &playback);
  timeout = g_timeout_add_seconds (40, quit_cb, playback.loop);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (playback.loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_source_remove (watch);
  if (playback.eos || playback.error != NULL)
    g_source_remove (timeout);

  g_test_message ("hlsdemux: %u frames decoded, %.3f s recorded", playback.frames,
                  (double) total_ns / GST_SECOND);
  g_assert_null (playback.error);
  g_assert_true (playback.eos);
  /* 30 fps: most of the recorded frames come back. */
  g_assert_cmpuint (playback.frames, >=, (guint) (total_ns / GST_SECOND * 30 * 8 / 10));

  g_main_loop_unref (playback.loop);
  remove_tree (dir);
}

/* ---------------------------------------------------------------------- */
/* The full disk */

static void
test_full_disk (void)
{
  g_autofree char *base = make_temp_dir ();
  g_autofree char *mnt = g_build_filename (base, "small", NULL);
  g_autofree char *dir = g_build_filename (mnt, "hls", NULL);
  g_autofree char *filler = g_build_filename (mnt, "filler", NULL);
  g_autofree char *block = NULL;
  g_autoptr(GError) error = NULL;
  Live live;
  gint before, after;

  if (geteuid () != 0)
    {
      g_test_skip ("Needs root to mount a 3 MB tmpfs that fills up");
      remove_tree (base);
      return;
    }
  g_assert_cmpint (g_mkdir (mnt, 0755), ==, 0);
  if (mount ("tmpfs", mnt, "tmpfs", 0, "size=3m") != 0)
    {
      g_autofree char *reason = g_strdup_printf ("Could not mount a tmpfs on %s: %s",
                                                 mnt, g_strerror (errno));
      g_test_skip (reason);
      remove_tree (base);
      return;
    }
  /* Leave about 300 kB: a segment or two fits, then writing fails. */
  block = g_malloc0 (2700 * 1024);
  g_file_set_contents (filler, block, 2700 * 1024, &error);
  g_assert_no_error (error);

  live_start (&live, dir, TRUE, 30);
  live_run (&live, 40000);
  g_assert_nonnull (live.failed);
  g_test_message ("failed: %s", live.failed->message);
  g_assert_error (live.failed, SL_HLS_ERROR, SL_HLS_ERROR_NO_SPACE);
  g_assert_true (sl_segmenter_is_failed (live.segmenter));

  /* It has let go of the tees, and the other branch keeps flowing. */
  g_assert_false (gst_pad_is_linked (live.vtee_pad));
  g_assert_false (gst_pad_is_linked (live.atee_pad));
  before = g_atomic_int_get (&live.forwarded);
  live_run (&live, 1500);
  after = g_atomic_int_get (&live.forwarded);
  g_test_message ("forwarded buffers: %d then %d", before, after);
  g_assert_cmpint (after - before, >=, 30);
  {
    GstState state = GST_STATE_VOID_PENDING;
    gst_element_get_state (live.pipeline, &state, NULL, 0);
    g_assert_cmpint (state, ==, GST_STATE_PLAYING);
  }

  /* Finishing a failed segmenter says so. */
  live_finish (&live);
  g_assert_error (live.finish_error, SL_HLS_ERROR, SL_HLS_ERROR_STOPPED);

  live_stop (&live);
  if (umount (mnt) != 0)
    g_test_message ("umount %s: %s", mnt, g_strerror (errno));
  remove_tree (base);
}

/* ---------------------------------------------------------------------- */
/* Recordings */

static void
test_recording_id (void)
{
  static const char *const bad[] = {
    "", "0-1", "1-0", "01-1", "1-01", "-1-1", "1--1", "1-1x", "1", "1-", "-1", "a-1",
    "1-1-1", " 1-1", "1-1 ", "+1-1", "1-+1", "1-4294967296", "9223372036854775808-1",
    "99999999999999999999999-1", "1-99999999999999999999",
  };
  gint64 class_id = 0;
  guint number = 0;

  g_assert_true (sl_recording_id_parse ("7-3", &class_id, &number));
  g_assert_cmpint (class_id, ==, 7);
  g_assert_cmpuint (number, ==, 3);
  g_assert_true (sl_recording_id_parse ("9223372036854775807-4294967295", &class_id, &number));
  g_assert_cmpint (class_id, ==, G_MAXINT64);
  g_assert_cmpuint (number, ==, G_MAXUINT);
  g_assert_true (sl_recording_id_parse ("10-20", NULL, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      class_id = 42;
      number = 42;
      g_test_message ("bad id “%s”", bad[i]);
      g_assert_false (sl_recording_id_parse (bad[i], &class_id, &number));
      g_assert_cmpint (class_id, ==, 42);
      g_assert_cmpuint (number, ==, 42);
    }
  g_assert_false (sl_recording_id_parse (NULL, &class_id, &number));
}

static void
test_recording_manifest (void)
{
  g_autofree char *root = make_temp_dir ();
  g_autoptr(SlRecording) a = NULL;
  g_autoptr(SlRecording) b = NULL;
  g_autoptr(SlRecording) loaded = NULL;
  g_autoptr(SlRecording) other_class = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *manifest_path = NULL;
  g_autofree char *broken_dir = NULL;
  g_autofree char *broken_manifest = NULL;
  g_autofree char *json_text = NULL;
  g_autofree char *ten = NULL;
  JsonObject *object;

  a = sl_recording_create (root, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (a->id, ==, "5-1");
  g_assert_cmpuint (a->number, ==, 1);
  g_assert_cmpint (a->state, ==, SL_RECORDING_RECORDING);
  g_assert_true (g_path_is_absolute (a->dir));
  g_assert_cmpint (a->started_at, >, 1600000000);
  manifest_path = g_build_filename (a->dir, SL_RECORDING_MANIFEST, NULL);
  g_assert_true (g_file_test (manifest_path, G_FILE_TEST_IS_REGULAR));

  b = sl_recording_create (root, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->id, ==, "5-2");
  other_class = sl_recording_create (root, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (other_class->id, ==, "6-1");

  /* Save and load back every field. */
  a->state = SL_RECORDING_FAILED;
  a->ended_at = a->started_at + 60;
  a->duration_ms = 59876;
  a->n_segments = 60;
  a->bytes = 12345678;
  a->mp4_bytes = 0;
  a->error = g_strdup ("disk full “quoted”\nnewline");
  sl_recording_save (a, &error);
  g_assert_no_error (error);
  loaded = sl_recording_load (root, "5-1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->id, ==, a->id);
  g_assert_cmpint (loaded->class_id, ==, 5);
  g_assert_cmpuint (loaded->number, ==, 1);
  g_assert_cmpstr (loaded->dir, ==, a->dir);
  g_assert_cmpint (loaded->state, ==, SL_RECORDING_FAILED);
  g_assert_cmpint (loaded->started_at, ==, a->started_at);
  g_assert_cmpint (loaded->ended_at, ==, a->ended_at);
  g_assert_cmpuint (loaded->duration_ms, ==, 59876);
  g_assert_cmpuint (loaded->n_segments, ==, 60);
  g_assert_cmpuint (loaded->bytes, ==, 12345678);
  g_assert_cmpstr (loaded->error, ==, a->error);
  /* No temp files left behind by the atomic writes. */
  {
    g_autoptr(GDir) listing = g_dir_open (a->dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name (listing)) != NULL)
      g_assert_cmpstr (name, ==, SL_RECORDING_MANIFEST);
  }

  /* The API's view. */
  json = sl_recording_to_json (loaded);
  object = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "id"), ==, "5-1");
  g_assert_cmpint (json_object_get_int_member (object, "class_id"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (object, "state"), ==, "failed");
  g_assert_cmpint (json_object_get_int_member (object, "duration_ms"), ==, 59876);
  g_assert_cmpint (json_object_get_int_member (object, "size_bytes"), ==, 12345678);
  g_assert_cmpstr (json_object_get_string_member (object, "playlist_url"), ==,
                   "/recordings/5-1/vod.m3u8");
  g_assert_true (json_object_get_null_member (object, "mp4_url"));
  g_assert_cmpstr (json_object_get_string_member (object, "error"), ==, a->error);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "started_at"), "Z"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (object, "ended_at"), "Z"));
  g_clear_pointer (&json, json_node_unref);
  loaded->state = SL_RECORDING_READY;
  loaded->ended_at = 0;
  g_clear_pointer (&loaded->error, g_free);
  json = sl_recording_to_json (loaded);
  object = json_node_get_object (json);
  g_assert_cmpstr (json_object_get_string_member (object, "mp4_url"), ==,
                   "/recordings/5-1/recording.mp4");
  g_assert_true (json_object_get_null_member (object, "ended_at"));
  g_assert_true (json_object_get_null_member (object, "error"));
  g_clear_pointer (&loaded, sl_recording_free);

  /* Bad ids and missing recordings: a clear error. */
  loaded = sl_recording_load (root, "05-1", &error);
  g_assert_null (loaded);
  g_assert_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_INVALID_ID);
  g_clear_error (&error);
  loaded = sl_recording_load (root, "5-3", &error);
  g_assert_null (loaded);
  g_assert_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_NOT_FOUND);
  g_clear_error (&error);
  loaded = sl_recording_load (root, "../5-1", &error);
  g_assert_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_INVALID_ID);
  g_clear_error (&error);

  /* A manifest that lies about its place is refused. */
  {
    g_autofree char *moved_dir = g_build_filename (root, "5", "7", NULL);
    g_autofree char *moved = g_build_filename (moved_dir, SL_RECORDING_MANIFEST, NULL);
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (manifest_path, &text, NULL, NULL));
    g_assert_cmpint (g_mkdir (moved_dir, 0755), ==, 0);
    g_assert_true (g_file_set_contents (moved, text, -1, NULL));
    loaded = sl_recording_load (root, "5-7", &error);
    g_assert_null (loaded);
    g_assert_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_MANIFEST);
    g_clear_error (&error);
    g_unlink (moved);
    g_rmdir (moved_dir);
  }

  /* Listing: numeric order (10 after 2), broken manifests skipped with a
   * warning, stray files ignored. */
  ten = g_build_filename (root, "5", "10", NULL);
  {
    g_autoptr(SlRecording) r10 = NULL;
    g_assert_cmpint (g_mkdir (ten, 0755), ==, 0);
    r10 = sl_recording_copy (b);
    g_free (r10->id);
    g_free (r10->dir);
    r10->id = g_strdup ("5-10");
    r10->number = 10;
    r10->dir = g_strdup (ten);
    sl_recording_save (r10, &error);
    g_assert_no_error (error);
  }
  broken_dir = g_build_filename (root, "5", "4", NULL);
  g_assert_cmpint (g_mkdir (broken_dir, 0755), ==, 0);
  broken_manifest = g_build_filename (broken_dir, SL_RECORDING_MANIFEST, NULL);
  g_assert_true (g_file_set_contents (broken_manifest, "{\"version\": 1, \"id\": ", -1, NULL));
  {
    g_autofree char *stray = g_build_filename (root, "5", "notes.txt", NULL);
    g_autofree char *zero = g_build_filename (root, "5", "03", NULL);
    g_assert_true (g_file_set_contents (stray, "x", -1, NULL));
    g_assert_cmpint (g_mkdir (zero, 0755), ==, 0);
  }

  g_test_expect_message ("sl-recording", G_LOG_LEVEL_WARNING, "*5-4*");
  list = sl_recording_list (root, 5, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (((SlRecording *) g_ptr_array_index (list, 0))->id, ==, "5-1");
  g_assert_cmpstr (((SlRecording *) g_ptr_array_index (list, 1))->id, ==, "5-2");
  g_assert_cmpstr (((SlRecording *) g_ptr_array_index (list, 2))->id, ==, "5-10");
  g_clear_pointer (&list, g_ptr_array_unref);

  /* The next number follows the highest, whatever state it is in. */
  g_clear_pointer (&loaded, sl_recording_free);
  loaded = sl_recording_create (root, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (loaded->id, ==, "5-11");

  list = sl_recording_list (root, 99, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 0);

  remove_tree (root);
}

typedef struct {
  GMainLoop *loop;
  gboolean   done;
  gboolean   ok;
  GError    *error;
  guint      n_recovered;
} Wait;

static void
recording_finished_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      data)
{
  Wait *wait = data;
  SlRecording *rec = g_task_get_task_data (G_TASK (result));

  wait->ok = sl_recording_finish_finish (rec, result, &wait->error);
  wait->done = TRUE;
  g_main_loop_quit (wait->loop);
}

static void
recovered_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Wait *wait = data;

  wait->ok = sl_recording_recover_all_finish (result, &wait->n_recovered, &wait->error);
  wait->done = TRUE;
  g_main_loop_quit (wait->loop);
}

static void
wait_done (Wait *wait)
{
  guint timeout = g_timeout_add_seconds (50, quit_cb, wait->loop);

  g_main_loop_run (wait->loop);
  g_assert_true (wait->done);
  g_source_remove (timeout);
}

static void
assert_mp4 (const SlRecording *rec,
            guint64            expected_ns)
{
  g_autofree char *mp4 = g_build_filename (rec->dir, SL_RECORDING_MP4, NULL);
  g_autofree char *part = g_strconcat (mp4, ".part", NULL);
  Probe probe;
  GStatBuf st;

  g_assert_cmpint (g_stat (mp4, &st), ==, 0);
  g_assert_cmpuint (rec->mp4_bytes, ==, (guint64) st.st_size);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  probe_file (mp4, &probe);
  g_test_message ("%s: %.3f s (segments: %.3f s), container %s", mp4,
                  (double) probe.duration / GST_SECOND, (double) expected_ns / GST_SECOND,
                  probe.container);
  g_assert_true (probe.ok);
  g_assert_cmpstr (probe.container, ==, "video/quicktime");
  g_assert_true (probe.h264);
  g_assert_true (probe.aac);
  g_assert_cmpuint (probe.duration, >=, expected_ns * 9 / 10);
  g_assert_cmpuint (probe.duration, <=, expected_ns * 11 / 10);
  probe_clear (&probe);
  assert_ffprobe_reads (mp4);
}

static void
test_recording_export (void)
{
  g_autofree char *root = make_temp_dir ();
  g_autoptr(SlRecording) rec = NULL;
  g_autoptr(SlRecording) loaded = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *vod = NULL;
  Wait wait = { 0 };
  guint64 total_ns = 0;

  rec = sl_recording_create (root, 3, &error);
  g_assert_no_error (error);
  segments = record (rec->dir, 5);
  for (guint i = 0; i < segments->len; i++)
    total_ns += ((SlHlsSegment *) g_ptr_array_index (segments, i))->duration_ns;

  wait.loop = g_main_loop_new (NULL, FALSE);
  sl_recording_finish_async (rec, NULL, recording_finished_cb, &wait);
  g_assert_cmpint (rec->state, ==, SL_RECORDING_PROCESSING);
  wait_done (&wait);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);

  g_assert_cmpint (rec->state, ==, SL_RECORDING_READY);
  g_assert_null (rec->error);
  g_assert_cmpuint (rec->n_segments, ==, segments->len);
  g_assert_cmpuint (rec->duration_ms, >=, total_ns / GST_MSECOND - segments->len);
  g_assert_cmpuint (rec->duration_ms, <=, total_ns / GST_MSECOND + segments->len);
  g_assert_cmpint (rec->ended_at, >=, rec->started_at);
  assert_mp4 (rec, total_ns);

  loaded = sl_recording_load (root, rec->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->state, ==, SL_RECORDING_READY);
  g_assert_cmpuint (loaded->mp4_bytes, ==, rec->mp4_bytes);
  g_assert_cmpuint (loaded->duration_ms, ==, rec->duration_ms);

  vod = read_text (rec->dir, SL_HLS_VOD_PLAYLIST);
  g_assert_true (g_str_has_suffix (vod, "#EXT-X-ENDLIST\n"));
  g_assert_cmpuint (count_lines_with_prefix (vod, "seg-"), ==, segments->len);

  g_main_loop_unref (wait.loop);
  remove_tree (root);
}

/* A crash mid-class: the manifest says RECORDING, vod.m3u8 has no end and
 * misses the newest segment, and the segment being written is cut short. */
static void
test_recording_recover (void)
{
  g_autofree char *root = make_temp_dir ();
  g_autoptr(SlRecording) crashed = NULL;
  g_autoptr(SlRecording) empty = NULL;
  g_autoptr(SlRecording) ready = NULL;
  g_autoptr(SlRecording) loaded = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *vod = NULL;
  g_autofree char *torn = NULL;
  g_autofree char *ready_manifest = NULL;
  g_autofree char *ready_before = NULL;
  g_autofree char *ready_after = NULL;
  Wait wait = { 0 };
  guint64 total_ns = 0;
  guint last;

  crashed = sl_recording_create (root, 8, &error);
  g_assert_no_error (error);
  segments = record (crashed->dir, 4);
  g_assert_cmpuint (segments->len, >=, 3);
  last = segments->len - 1;
  for (guint i = 0; i < segments->len; i++)
    total_ns += ((SlHlsSegment *) g_ptr_array_index (segments, i))->duration_ns;
  {
    /* vod.m3u8 as it was before the last segment closed. */
    g_autofree char *event = sl_hls_render_playlist (segments, 0, last, TRUE, FALSE, NULL);
    g_autofree char *path = g_build_filename (crashed->dir, SL_HLS_VOD_PLAYLIST, NULL);
    g_assert_true (g_file_set_contents (path, event, -1, NULL));
  }
  /* The segment being written when the server died: a few packets. */
  torn = g_build_filename (crashed->dir, "seg-00099.ts", NULL);
  g_assert_true (g_file_set_contents (torn, "\x47\x40\x00\x10garbage", 12, NULL));

  empty = sl_recording_create (root, 8, &error);
  g_assert_no_error (error);
  empty->state = SL_RECORDING_PROCESSING;
  sl_recording_save (empty, &error);
  g_assert_no_error (error);

  ready = sl_recording_create (root, 9, &error);
  g_assert_no_error (error);
  ready->state = SL_RECORDING_READY;
  ready->ended_at = ready->started_at + 1;
  sl_recording_save (ready, &error);
  g_assert_no_error (error);
  ready_manifest = g_build_filename (ready->dir, SL_RECORDING_MANIFEST, NULL);
  g_assert_true (g_file_get_contents (ready_manifest, &ready_before, NULL, NULL));

  wait.loop = g_main_loop_new (NULL, FALSE);
  sl_recording_recover_all_async (root, NULL, recovered_cb, &wait);
  wait_done (&wait);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  g_assert_cmpuint (wait.n_recovered, ==, 2);

  loaded = sl_recording_load (root, crashed->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->state, ==, SL_RECORDING_READY);
  g_assert_cmpint (loaded->ended_at, >=, loaded->started_at);
  g_assert_cmpuint (loaded->n_segments, ==, segments->len);
  g_assert_null (loaded->error);
  /* The unlisted last segment was measured; the torn one left out. */
  vod = read_text (crashed->dir, SL_HLS_VOD_PLAYLIST);
  g_assert_true (g_str_has_suffix (vod, "#EXT-X-ENDLIST\n"));
  g_assert_null (strstr (vod, "seg-00099.ts"));
  listed = sl_hls_parse_playlist (vod, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (listed->len, ==, segments->len);
  {
    const SlHlsSegment *measured = g_ptr_array_index (listed, last);
    const SlHlsSegment *truth = g_ptr_array_index (segments, last);
    g_test_message ("last segment: measured %.3f s, segmenter said %.3f s",
                    (double) measured->duration_ns / GST_SECOND,
                    (double) truth->duration_ns / GST_SECOND);
    g_assert_cmpuint (measured->duration_ns, >, 0);
    g_assert_cmpuint (measured->duration_ns, <, truth->duration_ns + GST_SECOND / 2);
    g_assert_cmpuint (measured->duration_ns + GST_SECOND / 2, >, truth->duration_ns);
  }
  assert_mp4 (loaded, total_ns);
  g_clear_pointer (&loaded, sl_recording_free);

  /* Nothing recorded: FAILED, with the reason. */
  loaded = sl_recording_load (root, empty->id, &error);
  g_assert_no_error (error);
  g_assert_cmpint (loaded->state, ==, SL_RECORDING_FAILED);
  g_assert_nonnull (strstr (loaded->error, "Nothing was recorded"));
  g_clear_pointer (&loaded, sl_recording_free);

  /* A finished recording is left alone. */
  g_assert_true (g_file_get_contents (ready_manifest, &ready_after, NULL, NULL));
  g_assert_cmpstr (ready_after, ==, ready_before);

  /* Nothing left to do the second time; no root at all is fine too. */
  wait.done = FALSE;
  sl_recording_recover_all_async (root, NULL, recovered_cb, &wait);
  wait_done (&wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.n_recovered, ==, 0);
  {
    g_autofree char *missing = g_build_filename (root, "nope", NULL);
    wait.done = FALSE;
    sl_recording_recover_all_async (missing, NULL, recovered_cb, &wait);
    wait_done (&wait);
    g_assert_no_error (wait.error);
    g_assert_cmpuint (wait.n_recovered, ==, 0);
  }

  g_main_loop_unref (wait.loop);
  remove_tree (root);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/hls/segment-name", test_segment_name);
  g_test_add_func ("/hls/render-playlist", test_render_playlist);
  g_test_add_func ("/hls/parse-playlist", test_parse_playlist);
  g_test_add_func ("/hls/segments", test_segments);
  g_test_add_func ("/hls/sparse-keyframes", test_sparse_keyframes);
  g_test_add_func ("/hls/live-window", test_live_window);
  g_test_add_func ("/hls/bad-dir", test_bad_dir);
  g_test_add_func ("/hls/hlsdemux-plays-vod", test_hlsdemux_plays_vod);
  g_test_add_func ("/hls/full-disk", test_full_disk);
  g_test_add_func ("/recording/id", test_recording_id);
  g_test_add_func ("/recording/manifest", test_recording_manifest);
  g_test_add_func ("/recording/export", test_recording_export);
  g_test_add_func ("/recording/recover", test_recording_recover);

  return g_test_run ();
}
