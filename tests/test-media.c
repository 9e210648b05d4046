/* test-media.c: WHIP in, WebRTC (WHEP) and HLS out, recordings, the web
 * viewer — end to end through the server, inside a private network
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-hls.h"
#include "sl-media.h"
#include "sl-media-server.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ws.h"

#include <gst/pbutils/pbutils.h>
#include <signal.h>
#include <string.h>

static gboolean have_network;
static char *network_problem;

static gboolean
need_network (void)
{
  if (!have_network)
    g_test_skip_printf ("no private network namespace: %s", network_problem);
  return have_network;
}


static char *
class_state (SlTestServer *ts,
             gint64        id)
{
  g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, id);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return g_strdup (json_object_get_string_member (
    json_object_get_object_member (sl_test_response_object (resp), "class"), "state"));
}

/* GET /api/watch/<id> as @token; returns "online". */
static gboolean
watch_online (SlTestServer *ts,
              gint64        id,
              const char   *token)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_get_boolean_member (sl_test_response_object (resp), "online");
}

static gboolean
wait_online (SlTestServer *ts,
             gint64        id,
             const char   *token,
             gboolean      online,
             guint         timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      if (watch_online (ts, id, token) == online)
        return TRUE;
      sl_test_settle (100);
    }
  return FALSE;
}

/* Waits for a 200 from @path; returns the response. */
static SlTestResponse *
wait_for_ok (SlTestServer *ts,
             const char   *path,
             const char   *token,
             guint         timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      SlTestResponse *resp = sl_test_request (ts, "GET", path, token, NULL);

      if (resp->status == 200 || g_get_monotonic_time () > until)
        return resp;
      sl_test_response_free (resp);
      sl_test_settle (200);
    }
}

typedef struct {
  gboolean h264;
  gboolean aac;
  gboolean audio_other;
  gboolean video_other;
  double   duration_s;
  char    *container;
} Discovered;

static void
discovered_clear (Discovered *d)
{
  g_free (d->container);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Discovered, discovered_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

static void
discover_file (const char *path,
               Discovered *out)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstDiscoverer) discoverer = gst_discoverer_new (10 * GST_SECOND, &error);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autoptr(GstDiscovererInfo) info = NULL;
  GList *streams;

  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (discoverer, uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_discoverer_info_get_result (info), ==, GST_DISCOVERER_OK);
  memset (out, 0, sizeof *out);
  out->duration_s = (double) gst_discoverer_info_get_duration (info) / GST_SECOND;
  {
    g_autoptr(GstDiscovererStreamInfo) top = gst_discoverer_info_get_stream_info (info);

    if (GST_IS_DISCOVERER_CONTAINER_INFO (top))
      {
        g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps (top);

        out->container = g_strdup (gst_structure_get_name (gst_caps_get_structure (caps, 0)));
      }
  }
  streams = gst_discoverer_info_get_stream_list (info);
  for (GList *l = streams; l != NULL; l = l->next)
    {
      GstDiscovererStreamInfo *stream = l->data;
      g_autoptr(GstCaps) caps = gst_discoverer_stream_info_get_caps (stream);
      const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));

      if (g_str_equal (name, "video/x-h264"))
        out->h264 = TRUE;
      else if (g_str_equal (name, "audio/mpeg"))
        {
          int version = 0;

          gst_structure_get_int (gst_caps_get_structure (caps, 0), "mpegversion", &version);
          out->aac = version == 4 || version == 2;
          out->audio_other = !out->aac;
        }
      else if (g_str_has_prefix (name, "audio/"))
        out->audio_other = TRUE;
      else if (g_str_has_prefix (name, "video/"))
        out->video_other = TRUE;
    }
  gst_discoverer_stream_info_list_free (streams);
}

static char *
save_body (SlTestServer   *ts,
           SlTestResponse *resp,
           const char     *name)
{
  g_autofree char *path = g_build_filename (ts->data_dir, name, NULL);
  gsize length;
  const char *data = g_bytes_get_data (resp->body, &length);

  g_assert_true (g_file_set_contents (path, data, (gssize) length, NULL));
  return g_steal_pointer (&path);
}

/* The URI lines of a playlist. */
static GPtrArray *
playlist_uris (SlTestResponse *resp)
{
  gsize length;
  const char *data = g_bytes_get_data (resp->body, &length);
  g_autofree char *text = g_strndup (data, length);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *uris = g_ptr_array_new_with_free_func (g_free);

  g_assert_true (g_str_has_prefix (text, "#EXTM3U"));
  for (guint i = 0; lines[i] != NULL; i++)
    if (lines[i][0] != '#' && lines[i][0] != '\0')
      g_ptr_array_add (uris, g_strdup (lines[i]));
  return uris;
}

/* ffprobe (installed by scripts/test) reads @path without a complaint and
 * finds H.264 video and AAC audio in it. */
static void
assert_ffprobe_h264_aac (const char *path)
{
  const char *argv[] = { "/usr/bin/ffprobe", "-v", "error", "-show_streams", path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL) || *err != '\0')
    g_error ("ffprobe %s: status %d: %s", path, status, err);
  g_assert_nonnull (strstr (out, "codec_name=h264"));
  g_assert_nonnull (strstr (out, "codec_name=aac"));
}

/* ---- the whole path ------------------------------------------------------ */

static void
test_publish_watch_hls (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL;
  g_autofree char *student = NULL;
  g_autofree char *whip = NULL, *whep = NULL, *hls = NULL, *state = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlTestViewer) viewer = NULL;
  g_autoptr(SlTestViewer) viewer2 = NULL;
  g_autoptr(SlTestResponse) playlist = NULL;
  g_autoptr(SlTestResponse) segment = NULL;
  g_autoptr(GPtrArray) uris = NULL;
  g_autoptr(SlTestWs) ws = NULL;
  g_autoptr(JsonObject) stream = NULL;
  g_auto(Discovered) seg_info = { 0, };
  g_autofree char *seg_path = NULL;
  g_autofree char *seg_url = NULL;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  ws = sl_test_ws_connect_as (ts, "student", "student123");
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);

  /* the stream key publishes, and publishing starts the scheduled class */
  pub = sl_test_publisher_start (ts, whip, key, 60, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_nonnull (pub);
  g_assert_true (g_str_has_prefix (sl_test_publisher_get_location (pub), whip));
  state = class_state (ts, id);
  g_assert_cmpstr (state, ==, "live");
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));
  stream = sl_test_ws_expect (ws, "stream");
  g_assert_true (json_object_get_boolean_member (stream, "online"));

  /* WebRTC viewers decode frames, the first one quickly */
  viewer = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer, 30, 15));
  g_test_message ("first WHEP frame after %" G_GINT64_FORMAT " ms",
                  sl_test_viewer_get_first_frame_ms (viewer));
  g_assert_cmpint (sl_test_viewer_get_first_frame_ms (viewer), <, 3000);
  g_assert_cmpuint (sl_test_viewer_get_audio_buffers (viewer), >, 0);
  viewer2 = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer2, 30, 15));

  /* one viewer leaves; the other keeps decoding */
  {
    g_autoptr(SlTestResponse) gone = sl_test_request (ts, "DELETE",
                                                      sl_test_viewer_get_location (viewer2),
                                                      student, NULL);
    guint before = sl_test_viewer_get_video_frames (viewer);

    g_assert_cmpuint (gone->status, ==, 200);
    g_assert_true (sl_test_viewer_wait_frames (viewer, before + 30, 10));
  }

  /* HLS: a playlist of ~1 s H.264 + AAC segments, cacheable */
  hls = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/index.m3u8", id);
  sl_test_settle (3500);
  playlist = wait_for_ok (ts, hls, NULL, 15000);
  g_assert_cmpuint (playlist->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (playlist->headers, NULL), ==,
                   "application/vnd.apple.mpegurl");
  g_assert_cmpstr (soup_message_headers_get_one (playlist->headers, "Cache-Control"), ==,
                   "public, max-age=1");
  uris = playlist_uris (playlist);
  g_assert_cmpuint (uris->len, >=, 2);
  seg_url = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/%s", id,
                             (char *) g_ptr_array_index (uris, 0));
  segment = sl_test_request (ts, "GET", seg_url, NULL, NULL);
  g_assert_cmpuint (segment->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (segment->headers, NULL), ==,
                   "video/mp2t");
  g_assert_nonnull (strstr (soup_message_headers_get_one (segment->headers, "Cache-Control"),
                            "immutable"));
  seg_path = save_body (ts, segment, "segment.ts");
  discover_file (seg_path, &seg_info);
  g_assert_true (seg_info.h264);
  g_assert_true (seg_info.aac);
  g_assert_false (seg_info.video_other);
  {
    gsize length;
    const char *data = g_bytes_get_data (playlist->body, &length);
    g_autofree char *text = g_strndup (data, length);
    const char *extinf = strstr (text, "#EXTINF:");
    double seconds;

    g_assert_nonnull (extinf);
    seconds = g_ascii_strtod (extinf + strlen ("#EXTINF:"), NULL);
    g_test_message ("first live segment: %.3f s", seconds);
    g_assert_cmpfloat (seconds, >, 0.3);
    g_assert_cmpfloat (seconds, <, 2.5);
  }
  assert_ffprobe_h264_aac (seg_path);

  /* the publisher leaves: offline for everyone, the class stays live */
  g_assert_cmpuint (sl_test_publisher_delete (pub, key), ==, 200);
  g_assert_true (wait_online (ts, id, NULL, FALSE, 5000));
  g_clear_pointer (&state, g_free);
  state = class_state (ts, id);
  g_assert_cmpstr (state, ==, "live");
  {
    g_autoptr(SlTestResponse) gone = sl_test_request (ts, "GET", hls, NULL, NULL);

    g_assert_cmpuint (gone->status, ==, 404);
  }
  /* not recorded: the live segments are gone from the disk too */
  {
    g_autofree char *live = g_build_filename (ts->data_dir, "live", NULL);
    gint64 until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;
    gboolean empty = FALSE;

    while (!empty && g_get_monotonic_time () < until)
      {
        g_autoptr(GDir) dir = g_dir_open (live, 0, NULL);

        g_assert_nonnull (dir);
        empty = g_dir_read_name (dir) == NULL;
        if (!empty)
          sl_test_settle (100);
      }
    g_assert_true (empty);
  }

  /* publishing again resumes the class */
  g_clear_pointer (&pub, sl_test_publisher_free);
  pub = sl_test_publisher_start (ts, whip, key, 60, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));
}

/* ---- recordings ------------------------------------------------------- */

/* Polls the class's recordings (as @token) until the newest one is no
 * longer being made; returns it. */
static JsonObject *
wait_recording_done (SlTestServer *ts,
                     gint64        id,
                     const char   *token,
                     guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/recordings", id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);
      JsonArray *list;

      g_assert_cmpuint (resp->status, ==, 200);
      list = json_object_get_array_member (sl_test_response_object (resp), "recordings");
      if (json_array_get_length (list) > 0)
        {
          JsonObject *rec = json_array_get_object_element (list,
                                                           json_array_get_length (list) - 1);
          const char *state = json_object_get_string_member (rec, "state");

          if (!g_str_equal (state, "recording") && !g_str_equal (state, "processing"))
            return json_object_ref (rec);
        }
      if (g_get_monotonic_time () > until)
        g_error ("the recording of class %" G_GINT64_FORMAT " was not done in %u ms",
                 id, timeout_ms);
      sl_test_settle (250);
    }
}

static void
test_recording (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *student = NULL, *whip = NULL;
  g_autofree char *mp4_path = NULL, *seg_path = NULL, *unsigned_url = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(JsonObject) rec = NULL;
  g_autoptr(SlTestResponse) vod = NULL;
  g_autoptr(SlTestResponse) mp4 = NULL;
  g_autoptr(SlTestResponse) segment = NULL;
  g_autoptr(SlTestResponse) refused = NULL;
  g_autoptr(GPtrArray) uris = NULL;
  g_auto(Discovered) mp4_info = { 0, };
  g_auto(Discovered) seg_info = { 0, };
  g_autofree char *seg_url = NULL;
  const char *playlist_url, *mp4_url, *rec_id;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (TRUE, 0);
  id = sl_test_make_class (ts, FALSE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);

  /* a few seconds of class, then the teacher stops */
  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, student, TRUE, 10000));
  sl_test_settle (6000);
  g_assert_cmpuint (sl_test_publisher_delete (pub, key), ==, 200);

  rec = wait_recording_done (ts, id, student, 60000);
  g_assert_cmpstr (json_object_get_string_member (rec, "state"), ==, "ready");
  g_assert_true (json_object_get_null_member (rec, "error"));
  g_assert_cmpint (json_object_get_int_member (rec, "duration_ms"), >, 3000);
  rec_id = json_object_get_string_member (rec, "id");
  playlist_url = json_object_get_string_member (rec, "playlist_url");
  mp4_url = json_object_get_string_member (rec, "mp4_url");
  g_assert_nonnull (strchr (playlist_url, '?'));
  g_assert_nonnull (strchr (mp4_url, '?'));

  /* the VOD playlist: ended, its segments signed too */
  vod = sl_test_request (ts, "GET", playlist_url, NULL, NULL);
  g_assert_cmpuint (vod->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (vod->headers, NULL), ==,
                   "application/vnd.apple.mpegurl");
  {
    gsize length;
    const char *data = g_bytes_get_data (vod->body, &length);
    g_autofree char *text = g_strndup (data, length);

    g_assert_nonnull (strstr (text, "#EXT-X-ENDLIST"));
  }
  uris = playlist_uris (vod);
  g_assert_cmpuint (uris->len, >=, 3);
  for (guint i = 0; i < uris->len; i++)
    g_assert_nonnull (strchr (g_ptr_array_index (uris, i), '?'));
  seg_url = g_strdup_printf ("/recordings/%s/%s", rec_id, (char *) g_ptr_array_index (uris, 0));
  segment = sl_test_request (ts, "GET", seg_url, NULL, NULL);
  g_assert_cmpuint (segment->status, ==, 200);
  seg_path = save_body (ts, segment, "recorded.ts");
  discover_file (seg_path, &seg_info);
  g_assert_true (seg_info.h264);
  g_assert_true (seg_info.aac);

  /* the one-file MP4: H.264 + AAC, the whole class */
  mp4 = sl_test_request (ts, "GET", mp4_url, NULL, NULL);
  g_assert_cmpuint (mp4->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (mp4->headers, NULL), ==, "video/mp4");
  mp4_path = save_body (ts, mp4, "recording.mp4");
  discover_file (mp4_path, &mp4_info);
  g_assert_true (mp4_info.h264);
  g_assert_true (mp4_info.aac);
  g_assert_false (mp4_info.video_other);
  g_assert_false (mp4_info.audio_other);
  g_assert_cmpstr (mp4_info.container, ==, "video/quicktime");
  g_test_message ("recording %s: MP4 of %.2f s", rec_id, mp4_info.duration_s);
  g_assert_cmpfloat (mp4_info.duration_s, >, 3.0);
  assert_ffprobe_h264_aac (mp4_path);

  /* without the signature, nothing */
  unsigned_url = g_strdup_printf ("/recordings/%s/recording.mp4", rec_id);
  refused = sl_test_request (ts, "GET", unsigned_url, NULL, NULL);
  g_assert_cmpuint (refused->status, ==, 401);
}

/* ---- a trickle publisher, as simple-whip-client publishes ---------------- */

static void
test_trickle_publisher (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *student = NULL, *whip = NULL, *whep = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlTestViewer) viewer = NULL;
  guint status = 0, patches = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);

  pub = sl_test_publisher_start_trickle (ts, whip, key, 30, &status, &patches);
  g_assert_cmpuint (status, ==, 201);
  g_assert_nonnull (pub);
  g_test_message ("%u PATCH requests (candidates and their end)", patches);
  g_assert_cmpuint (patches, >=, 2);
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));

  viewer = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer, 30, 15));

  g_assert_cmpuint (sl_test_publisher_delete (pub, key), ==, 200);
  g_assert_true (wait_online (ts, id, NULL, FALSE, 5000));
}

/* ---- simple-whip-client (Debian's) publishes --------------------------- */

static void
test_simple_whip_client (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *student = NULL, *url = NULL, *whep = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) client = NULL;
  g_autoptr(SlTestViewer) viewer = NULL;
  g_autoptr(GError) error = NULL;
  const char *stub_dir = g_getenv ("SL_TEST_UPNP_STUB_DIR");
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  /* scripts/test installs it; meson test sets the stub's directory */
  g_assert_true (g_file_test ("/usr/bin/whip-client", G_FILE_TEST_IS_EXECUTABLE));
  g_assert_nonnull (stub_dir);

  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  url = g_strdup_printf ("%s/whip/%" G_GINT64_FORMAT, ts->base_url, id);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);

  /* see tests/whip-client/sl-upnp-stub.c for why the stub library */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_setenv (launcher, "LD_LIBRARY_PATH", stub_dir, TRUE);
  client = g_subprocess_launcher_spawn (
    launcher, &error, "/usr/bin/whip-client", "-u", url, "-t", key, "-l", "2",
    "-V", "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1"
          " ! videoconvert ! queue ! x264enc tune=zerolatency speed-preset=ultrafast"
          " bitrate=600 key-int-max=30 ! rtph264pay config-interval=-1 ! queue"
          " ! application/x-rtp,media=video,encoding-name=H264,payload=96",
    "-A", "audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample ! queue"
          " ! opusenc ! rtpopuspay ! queue ! application/x-rtp,media=audio,encoding-name=OPUS,"
          "payload=111",
    NULL);
  g_assert_no_error (error);

  g_assert_true (wait_online (ts, id, NULL, TRUE, 20000));
  viewer = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer, 30, 15));
  g_assert_cmpuint (sl_test_viewer_get_audio_buffers (viewer), >, 0);

  /* Ctrl-C: the client ends its session with DELETE, so the stream is
   * offline sooner than the 3 s without media that would also do it */
  g_subprocess_send_signal (client, SIGINT);
  g_assert_true (wait_online (ts, id, NULL, FALSE, 2000));
  {
    gint64 until = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

    while (g_get_monotonic_time () < until)
      {
        g_autofree char *path = g_strdup_printf ("/proc/%s", g_subprocess_get_identifier (client));

        if (!g_file_test (path, G_FILE_TEST_EXISTS))
          break;
        sl_test_settle (100);
      }
    g_subprocess_wait (client, NULL, &error);
    g_assert_no_error (error);
    g_assert_true (g_subprocess_get_if_exited (client));
    g_assert_cmpint (g_subprocess_get_exit_status (client), ==, 0);
  }
}

/* ---- bad publishers ------------------------------------------------------ */

static const char good_offer_head[] =
  "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n";

static void
test_whip_refusals (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL;
  g_autofree char *teacher = NULL, *student = NULL, *whip = NULL, *state = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlTestPublisher) second = NULL;
  g_autofree char *big = NULL;
  guint status = 0;
  gint64 id;
  struct {
    const char *name;
    const char *body;
    const char *code;
  } bad[] = {
    { "garbage", "hello, this is not SDP", "invalid_sdp" },
    { "no fingerprint",
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
      "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n",
      "insecure_sdp" },
    { "plain RTP/AVP",
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "m=video 5004 RTP/AVP 96\r\nc=IN IP4 127.0.0.1\r\na=sendonly\r\n"
      "a=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\n",
      "insecure_sdp" },
    { "VP8 only",
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\n"
      "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=setup:actpass\r\n"
      "a=rtcp-mux\r\na=rtpmap:96 VP8/90000\r\n",
      "unsupported_codec" },
  };

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  student = sl_test_login (ts, "student", "student123", NULL);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);

  /* a browser's preflight: any origin, bearer tokens, the Location exposed */
  {
    g_autoptr(SlTestResponse) preflight = sl_test_request (ts, "OPTIONS", whip, NULL, NULL);
    g_autoptr(SlTestResponse) api = sl_test_request (ts, "OPTIONS", "/api/classes", NULL, NULL);
    g_autofree char *session = g_strdup_printf ("%s/abc", whip);
    g_autoptr(SlTestResponse) session_preflight = sl_test_request (ts, "OPTIONS", session,
                                                                   NULL, NULL);
    SoupMessageHeaders *h = preflight->headers;

    g_assert_cmpuint (preflight->status, ==, 204);
    g_assert_cmpstr (soup_message_headers_get_one (h, "Access-Control-Allow-Origin"), ==, "*");
    g_assert_cmpstr (soup_message_headers_get_one (h, "Access-Control-Allow-Methods"), ==,
                     "POST, OPTIONS");
    g_assert_nonnull (strstr (soup_message_headers_get_one (h, "Access-Control-Allow-Headers"),
                              "Authorization"));
    g_assert_cmpstr (soup_message_headers_get_one (h, "Access-Control-Expose-Headers"), ==,
                     "Location");
    g_assert_cmpuint (session_preflight->status, ==, 204);
    g_assert_cmpstr (soup_message_headers_get_one (session_preflight->headers,
                                                   "Access-Control-Allow-Methods"), ==,
                     "PATCH, DELETE, OPTIONS");
    g_assert_cmpuint (api->status, ==, 405);
    g_assert_null (soup_message_headers_get_one (api->headers, "Access-Control-Allow-Origin"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request_full (ts, "POST", whip, key,
                                                             "application/sdp", bad[i].body,
                                                             strlen (bad[i].body));

      g_test_message ("bad offer: %s", bad[i].name);
      g_assert_cmpuint (resp->status, ==, 400);
      g_assert_cmpstr (sl_test_response_error (resp), ==, bad[i].code);
      g_assert_cmpstr (soup_message_headers_get_one (resp->headers,
                                                     "Access-Control-Allow-Origin"), ==, "*");
    }

  /* 1 MB of SDP-looking text */
  {
    GString *text = g_string_new (good_offer_head);
    g_autoptr(SlTestResponse) resp = NULL;

    while (text->len < 1000 * 1000)
      g_string_append (text, "a=x-filler:0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
    big = g_string_free (text, FALSE);
    resp = sl_test_request_full (ts, "POST", whip, key, "application/sdp", big, strlen (big));
    g_assert_cmpuint (resp->status, ==, 400);
    g_assert_cmpstr (sl_test_response_error (resp), ==, "invalid_sdp");
  }

  /* who may publish */
  {
    g_autoptr(SlTestResponse) none = sl_test_request_full (ts, "POST", whip, NULL,
                                                           "application/sdp", "v=0", 3);
    g_autoptr(SlTestResponse) wrong = sl_test_request_full (ts, "POST", whip, "not-the-key",
                                                            "application/sdp", "v=0", 3);
    g_autoptr(SlTestResponse) pupil = sl_test_request_full (ts, "POST", whip, student,
                                                            "application/sdp", "v=0", 3);
    g_autoptr(SlTestResponse) json = sl_test_request_full (ts, "POST", whip, key,
                                                           "application/json", "{}", 2);
    g_autoptr(SlTestResponse) nowhere = sl_test_request_full (ts, "POST", "/whip/999999", key,
                                                              "application/sdp", "v=0", 3);

    g_assert_cmpuint (none->status, ==, 401);
    g_assert_cmpstr (soup_message_headers_get_one (none->headers, "WWW-Authenticate"), ==,
                     "Bearer");
    g_assert_cmpuint (wrong->status, ==, 401);
    g_assert_cmpuint (pupil->status, ==, 403);
    g_assert_cmpuint (json->status, ==, 415);
    g_assert_cmpuint (nowhere->status, ==, 404);
  }

  /* none of that started the class or left a stream behind */
  state = class_state (ts, id);
  g_assert_cmpstr (state, ==, "scheduled");
  g_assert_false (watch_online (ts, id, NULL));

  /* the teacher's own token publishes; a second publisher gets 409 */
  pub = sl_test_publisher_start (ts, whip, teacher, 60, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  {
    g_autofree char *code = NULL;

    second = sl_test_publisher_start (ts, whip, key, 60, &status, &code);
    g_assert_null (second);
    g_assert_cmpuint (status, ==, 409);
    g_assert_cmpstr (code, ==, "already_publishing");
  }
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));

  /* deleting a session that is not there, or without the key */
  {
    g_autofree char *bogus = g_strdup_printf ("%s/0123456789abcdef0123456789abcdef", whip);
    g_autoptr(SlTestResponse) missing = sl_test_request (ts, "DELETE", bogus, key, NULL);
    g_autoptr(SlTestResponse) unkeyed = sl_test_request (ts, "DELETE",
                                                         sl_test_publisher_get_location (pub),
                                                         student, NULL);

    g_assert_cmpuint (missing->status, ==, 404);
    g_assert_cmpuint (unkeyed->status, ==, 403);
  }
  g_assert_true (watch_online (ts, id, NULL));

  /* an ended class cannot be published */
  {
    g_autofree char *end = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/end", id);
    g_autoptr(SlTestResponse) ended = sl_test_request (ts, "POST", end, teacher, NULL);
    g_autofree char *code = NULL;

    g_assert_cmpuint (ended->status, ==, 200);
    /* ending the class drops its publisher */
    g_assert_true (wait_online (ts, id, NULL, FALSE, 5000));
    g_clear_pointer (&pub, sl_test_publisher_free);
    pub = sl_test_publisher_start (ts, whip, key, 60, &status, &code);
    g_assert_null (pub);
    g_assert_cmpuint (status, ==, 409);
    g_assert_cmpstr (code, ==, "class_over");
  }
}

/* ---- bad viewers ---------------------------------------------------------- */

static void
test_whep_refusals (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *student = NULL, *whep = NULL, *whip = NULL;
  g_autoptr(SlTestViewer) viewer = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);

  /* not live yet */
  {
    g_autofree char *code = NULL;

    viewer = sl_test_viewer_start (ts, whep, student, &status, &code);
    g_assert_null (viewer);
    g_assert_cmpuint (status, ==, 409);
    g_assert_cmpstr (code, ==, "not_live");
  }
  {
    g_autoptr(SlTestResponse) none = sl_test_request_full (ts, "POST", whep, NULL,
                                                           "application/sdp", "v=0", 3);

    g_assert_cmpuint (none->status, ==, 401);
  }

  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));
  {
    g_autoptr(SlTestResponse) garbage = sl_test_request_full (ts, "POST", whep, student,
                                                              "application/sdp", "junk", 4);

    g_assert_cmpuint (garbage->status, ==, 400);
  }

  /* the publisher vanishes without a word: viewers learn it is offline,
   * the server carries on, WHEP answers 503 until it is back */
  viewer = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer, 10, 15));
  sl_test_publisher_kill (pub);
  g_assert_true (wait_online (ts, id, NULL, FALSE, SL_MEDIA_PUBLISHER_TIMEOUT_MS + 5000));
  g_clear_pointer (&viewer, sl_test_viewer_free);
  {
    g_autofree char *code = NULL;

    viewer = sl_test_viewer_start (ts, whep, student, &status, &code);
    g_assert_null (viewer);
    g_assert_cmpuint (status, ==, 503);
    g_assert_cmpstr (code, ==, "stream_offline");
  }
  g_clear_pointer (&pub, sl_test_publisher_free);
  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));
  viewer = sl_test_viewer_start (ts, whep, student, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (viewer, 10, 15));
}

/* ---- HLS of a class that is not public ------------------------------------- */

static void
test_hls_signed (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *student = NULL, *whip = NULL, *hls = NULL, *watch = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(SlTestResponse) state = NULL;
  g_autoptr(SlTestResponse) anonymous = NULL;
  g_autoptr(SlTestResponse) playlist = NULL;
  g_autoptr(SlTestResponse) segment = NULL;
  g_autoptr(SlTestResponse) forged = NULL;
  g_autoptr(SlTestResponse) unsigned_hls = NULL;
  g_autoptr(GPtrArray) uris = NULL;
  g_autofree char *seg_url = NULL, *forged_url = NULL;
  const char *hls_url;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, FALSE, &key);
  student = sl_test_login (ts, "student", "student123", NULL);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  watch = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  hls = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/index.m3u8", id);

  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, student, TRUE, 10000));

  anonymous = sl_test_request (ts, "GET", watch, NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 401);
  /* online at once, but the page gets a playlist URL only when the first
   * segment is complete, and then that playlist is there at once */
  for (gint64 until = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;;)
    {
      JsonObject *object;

      g_clear_pointer (&state, sl_test_response_free);
      state = sl_test_request (ts, "GET", watch, student, NULL);
      g_assert_cmpuint (state->status, ==, 200);
      object = sl_test_response_object (state);
      g_assert_true (json_object_get_boolean_member (object, "online"));
      hls_url = json_object_get_string_member (object, "hls_url");
      if (hls_url != NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, until);
      sl_test_settle (100);
    }
  g_assert_true (g_str_has_prefix (hls_url, hls));
  g_assert_nonnull (strstr (hls_url, "sig="));

  unsigned_hls = sl_test_request (ts, "GET", hls, NULL, NULL);
  g_assert_cmpuint (unsigned_hls->status, ==, 401);
  playlist = sl_test_request (ts, "GET", hls_url, NULL, NULL);
  g_assert_cmpuint (playlist->status, ==, 200);
  uris = playlist_uris (playlist);
  g_assert_cmpuint (uris->len, >=, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (uris, 0), "sig="));
  seg_url = g_strdup_printf ("/hls/%" G_GINT64_FORMAT "/%s", id,
                             (char *) g_ptr_array_index (uris, 0));
  segment = sl_test_request (ts, "GET", seg_url, NULL, NULL);
  g_test_message ("%s: %u %s", seg_url, segment->status, sl_test_response_error (segment));
  g_assert_cmpuint (segment->status, ==, 200);

  /* a signature for another class, or altered, is refused */
  forged_url = g_strdup (hls_url);
  forged_url[strlen (forged_url) - 2] = forged_url[strlen (forged_url) - 2] == 'A' ? 'B' : 'A';
  forged = sl_test_request (ts, "GET", forged_url, NULL, NULL);
  g_assert_cmpuint (forged->status, ==, 403);
  g_assert_cmpstr (sl_test_response_error (forged), ==, "bad_signature");
}

/* ---- the web viewer in Chromium ------------------------------------------ */

typedef struct {
  gboolean  done;
  char     *out;
  char     *err;
} NodeRun;

static void
node_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  NodeRun *run = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &run->out, &run->err, NULL);
  g_subprocess_wait (G_SUBPROCESS (source), NULL, NULL);
  run->done = TRUE;
}

/* Runs the main context until *@flag, for @seconds at most (then fails). */
static void
wait_for_long (gboolean *flag,
                       guint     seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!*flag)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, until);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
}

static void
test_web_viewer (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autofree char *key = NULL, *whip = NULL, *id_text = NULL, *shot = NULL;
  g_autofree char *script = g_build_filename (SL_SOURCE_DIR, "tests", "web", "watch-test.mjs", NULL);
  g_autofree char *modules = g_build_filename (SL_SOURCE_DIR, "data", "web", "node_modules",
                                               "playwright-core", NULL);
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(GSubprocess) node = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  if (!g_file_test (modules, G_FILE_TEST_IS_DIR) || g_find_program_in_path ("node") == NULL ||
      !g_file_test ("/usr/bin/chromium", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("the web viewer test needs node, /usr/bin/chromium and npm ci in data/web "
                   "(scripts/test installs them)");
      return;
    }
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, NULL, TRUE, 10000));

  id_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  shot = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                           "web-viewer.png", NULL);
  node = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                           "node", script, "--base", ts->base_url, "--class", id_text,
                           "--user", "student", "--password", "student123",
                           "--screenshot", shot, NULL);
  g_assert_no_error (error);
  /* the server lives on this thread's main context: keep it turning while
   * the browser talks to it */
  {
    NodeRun run = { FALSE, NULL, NULL };

    g_subprocess_communicate_utf8_async (node, NULL, NULL, node_done_cb, &run);
    wait_for_long (&run.done, 120);
    out = run.out;
    err = run.err;
  }
  g_test_message ("web viewer test said:\n%s%s", out ? out : "", err ? err : "");
  /* meson shows only stderr of a failed test: repeat the browser's account there */
  if (!g_subprocess_get_if_exited (node) || g_subprocess_get_exit_status (node) != 0)
    g_printerr ("web viewer test said:\n%s%s", out ? out : "", err ? err : "");
  g_assert_true (g_subprocess_get_if_exited (node));
  g_assert_cmpint (g_subprocess_get_exit_status (node), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;

  /* before any thread exists */
  have_network = sl_test_enter_private_network (&error);
  if (!have_network)
    network_problem = g_strdup (error->message);

  g_test_init (&argc, &argv, NULL);
  sl_media_init ();

  g_test_add_func ("/media/publish-watch-hls", test_publish_watch_hls);
  g_test_add_func ("/media/recording", test_recording);
  g_test_add_func ("/media/trickle-publisher", test_trickle_publisher);
  g_test_add_func ("/media/simple-whip-client", test_simple_whip_client);
  g_test_add_func ("/media/whip-refusals", test_whip_refusals);
  g_test_add_func ("/media/whep-refusals-and-lost-publisher", test_whep_refusals);
  g_test_add_func ("/media/hls-signed-urls", test_hls_signed);
  g_test_add_func ("/media/web-viewer", test_web_viewer);

  return g_test_run ();
}
