/* test-client-media.c: client/core's publisher and viewer against the
 * in-process server, inside a private network
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-client-error.h"
#include "sl-media.h"
#include "sl-publisher.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ws.h"
#include "sl-viewer.h"

#include <string.h>

#define CLIENT_ICE_ADDRESS "10.231.0.2"

static const char *const client_ice[] = { CLIENT_ICE_ADDRESS, NULL };

static gboolean have_network;
static char *network_problem;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

static gboolean
need_network (void)
{
  if (!have_network)
    g_test_skip_printf ("no private network namespace: %s", network_problem);
  return have_network;
}


/* Waits until GET /api/watch/<id> says the stream is online. */
static gboolean
wait_online (SlTestServer *ts,
             gint64        id,
             guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, NULL, NULL);

      g_assert_cmpuint (resp->status, ==, 200);
      if (json_object_get_boolean_member (sl_test_response_object (resp), "online"))
        return TRUE;
      sl_test_settle (50);
    }
  return FALSE;
}

/* ---- running the main context ------------------------------------------- */

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until @cond holds or @timeout_ms pass. */
static gboolean
run_until (Condition cond,
           gpointer  data,
           guint     timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > until)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
run_for (guint ms)
{
  gboolean never = FALSE;

  run_until (flag_set, &never, ms);
}

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} AsyncWait;

static void
async_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  AsyncWait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

static void
async_wait (AsyncWait *wait,
            guint      timeout_s)
{
  g_assert_true (run_until (flag_set, &wait->done, timeout_s * 1000));
}

static SlApiClient *
sign_in (SlTestServer *ts,
         const char   *username,
         const char   *password)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlApiClient) api = sl_api_client_new (ts->base_url, &error);
  AsyncWait wait = { FALSE, NULL };

  g_assert_no_error (error);
  sl_api_client_login_async (api, username, password, NULL, async_done_cb, &wait);
  async_wait (&wait, 10);
  g_assert_true (sl_api_client_login_finish (api, wait.result, &error));
  g_assert_no_error (error);
  g_object_unref (wait.result);
  return g_steal_pointer (&api);
}

/* Starts @publisher; returns FALSE with @error. */
static gboolean
start_publisher (SlPublisher  *publisher,
                 GError      **error)
{
  AsyncWait wait = { FALSE, NULL };
  gboolean ok;

  sl_publisher_start_async (publisher, NULL, async_done_cb, &wait);
  async_wait (&wait, 30);
  ok = sl_publisher_start_finish (publisher, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static gboolean
start_viewer (SlViewer  *viewer,
              GError   **error)
{
  AsyncWait wait = { FALSE, NULL };
  gboolean ok;

  sl_viewer_start_async (viewer, NULL, async_done_cb, &wait);
  async_wait (&wait, 30);
  ok = sl_viewer_start_finish (viewer, wait.result, error);
  g_object_unref (wait.result);
  return ok;
}

static SlPublisher *
test_publisher_new (SlApiClient *api,
                    gint64       id)
{
  SlPublisherOptions options = {
    .video = SL_VIDEO_SOURCE_TEST,
    .audio = SL_AUDIO_SOURCE_TEST,
    .preset = SL_PRESET_360P,
    .keyframe_interval_s = 2,
  };

  return sl_publisher_new (api, id, &options, client_ice);
}

static SlViewer *
decoding_viewer_new (SlApiClient *api,
                     gint64       id)
{
  SlViewerOptions options = { .decode = TRUE, .audio_out = FALSE, .latency_ms = 100 };

  return sl_viewer_new (api, id, &options, client_ice);
}

typedef struct {
  SlViewer *viewer;
  guint64   frames;
} FramesWait;

static gboolean
viewer_has_frames (gpointer data)
{
  FramesWait *wait = data;
  SlMediaStats stats;

  sl_viewer_get_stats (wait->viewer, &stats);
  return stats.frames_decoded >= wait->frames;
}

static gboolean
wait_viewer_frames (SlViewer *viewer,
                    guint64   frames,
                    guint     timeout_s)
{
  FramesWait wait = { viewer, frames };

  return run_until (viewer_has_frames, &wait, timeout_s * 1000);
}

static guint64
viewer_frames (SlViewer *viewer)
{
  SlMediaStats stats;

  sl_viewer_get_stats (viewer, &stats);
  return stats.frames_decoded;
}

static void
count_frame_cb (GstSample *sample,
                gpointer   user_data)
{
  GstCaps *caps = gst_sample_get_caps (sample);
  int width = 0;

  gst_structure_get_int (gst_caps_get_structure (caps, 0), "width", &width);
  if (width == 640)
    g_atomic_int_inc ((int *) user_data);
}

typedef struct {
  SlViewer *viewer;
  double    offset;
  guint     wanted;   /* successive readings */
  guint     seen;
  gint64    last;     /* of the last reading, monotonic µs */
} OffsetWait;

static gboolean
viewer_has_offset (gpointer data)
{
  OffsetWait *wait = data;
  gint64 now = g_get_monotonic_time ();

  if (now - wait->last < G_USEC_PER_SEC)
    return FALSE;
  wait->last = now;
  if (!sl_viewer_get_av_offset (wait->viewer, &wait->offset))
    return FALSE;
  g_test_message ("A/V offset now %.1f ms", wait->offset);
  return ++wait->seen >= wait->wanted;
}

/* ---- publisher → server → viewers ----------------------------------------- */

static void
test_publish_watch (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlApiClient) teacher = NULL;
  g_autoptr(SlApiClient) student = NULL;
  g_autoptr(SlPublisher) publisher = NULL;
  g_autoptr(SlViewer) viewer = NULL;
  g_autoptr(SlTestViewer) plain = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *student_token = NULL, *whep = NULL;
  SlMediaStats stats;
  OffsetWait offset = { NULL, 0, 5, 0, 0 };
  int frames_seen = 0;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  teacher = sign_in (ts, "teacher", "teacher123");
  student = sign_in (ts, "student", "student123");

  /* the teacher's access token publishes (and starts the class) */
  publisher = test_publisher_new (teacher, id);
  g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_IDLE);
  start_publisher (publisher, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_CONNECTED);
  g_assert_true (wait_online (ts, id, 10000));

  /* a student decodes picture and sound, the first frame quickly */
  viewer = decoding_viewer_new (student, id);
  sl_viewer_set_frame_func (viewer, count_frame_cb, &frames_seen, NULL);
  start_viewer (viewer, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_CONNECTED);
  g_assert_true (wait_viewer_frames (viewer, 30, 15));
  sl_viewer_get_stats (viewer, &stats);
  g_test_message ("SlViewer: first frame after %" G_GINT64_FORMAT " ms", stats.first_frame_ms);
  g_assert_cmpint (stats.first_frame_ms, >=, 0);
  g_assert_cmpint (stats.first_frame_ms, <, 5000);
  g_assert_cmpint (g_atomic_int_get (&frames_seen), >=, 30);
  run_for (1500);
  sl_viewer_get_stats (viewer, &stats);
  g_test_message ("SlViewer: %.0f kbit/s video, %.0f kbit/s audio, %" G_GUINT64_FORMAT
                  " frames, %" G_GUINT64_FORMAT " dropped, %u freezes, jitter %.1f ms, "
                  "rtt %.1f ms, lost %" G_GINT64_FORMAT,
                  stats.video_kbps, stats.audio_kbps, stats.frames_decoded,
                  stats.frames_dropped, stats.freezes, stats.jitter_ms, stats.rtt_ms,
                  stats.packets_lost);
  g_assert_cmpfloat (stats.video_kbps, >, 50);
  g_assert_cmpfloat (stats.audio_kbps, >, 5);
  g_assert_cmpuint (stats.bytes, >, 0);

  /* the flash and the beep, as decoded, within 80 ms of each other */
  offset.viewer = viewer;
  g_assert_true (run_until (viewer_has_offset, &offset, 20000));
  g_test_message ("A/V offset at the viewer: %.1f ms (median of the last flashes)",
                  offset.offset);
  g_assert_cmpfloat (ABS (offset.offset), <=, 80);

  /* a plain webrtcbin WHEP viewer decodes the SlPublisher's stream, and
   * its arrival makes the server ask the encoder for a keyframe */
  student_token = sl_test_login (ts, "student", "student123", NULL);
  whep = g_strdup_printf ("/whep/%" G_GINT64_FORMAT, id);
  plain = sl_test_viewer_start (ts, whep, student_token, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (sl_test_viewer_wait_frames (plain, 30, 15));
  g_test_message ("SlTestViewer: first frame after %" G_GINT64_FORMAT " ms",
                  sl_test_viewer_get_first_frame_ms (plain));
  g_assert_cmpuint (sl_test_viewer_get_audio_buffers (plain), >, 0);
  run_for (1500);
  sl_publisher_get_stats (publisher, &stats);
  g_test_message ("SlPublisher: %" G_GUINT64_FORMAT " frames sent, %u keyframe requests, "
                  "%.0f kbit/s video, %.0f kbit/s audio, rtt %.1f ms",
                  stats.frames_sent, stats.keyframe_requests, stats.video_kbps,
                  stats.audio_kbps, stats.rtt_ms);
  g_assert_cmpuint (stats.keyframe_requests, >, 0);
  g_assert_cmpuint (stats.frames_sent, >, 60);

  /* the SlViewer kept decoding meanwhile */
  g_assert_true (wait_viewer_frames (viewer, viewer_frames (viewer) + 30, 10));

  /* a relay or a benchmark only receives: frames counted, none decoded */
  {
    SlViewerOptions options = { .decode = FALSE };
    g_autoptr(SlViewer) counter = sl_viewer_new (student, id, &options, client_ice);

    start_viewer (counter, &error);
    g_assert_no_error (error);
    g_assert_true (wait_viewer_frames (counter, 30, 10));
    sl_viewer_get_stats (counter, &stats);
    g_test_message ("receive-only SlViewer: first frame after %" G_GINT64_FORMAT " ms",
                    stats.first_frame_ms);
    g_assert_cmpint (stats.first_frame_ms, >=, 0);
    sl_viewer_stop (counter);
  }

  sl_viewer_stop (viewer);
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_STOPPED);
  sl_publisher_stop (publisher);
  g_assert_cmpint (sl_publisher_get_state (publisher), ==, SL_MEDIA_STOPPED);
  /* the DELETE takes the stream offline */
  run_for (500);
}

/* ---- the SlViewer watches an outside publisher, and rides out its leaving -- */

static void
record_state_cb (SlViewer *viewer,
                 int       state,
                 GArray   *states)
{
  g_array_append_val (states, state);
}

typedef struct {
  GArray *states;
  int     state;
} StateWait;

static gboolean
saw_state (gpointer data)
{
  StateWait *wait = data;

  for (guint i = 0; i < wait->states->len; i++)
    if (g_array_index (wait->states, int, i) == wait->state)
      return TRUE;
  return FALSE;
}

static void
test_watch_and_reconnect (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlApiClient) student = NULL;
  g_autoptr(SlViewer) viewer = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) states = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *key = NULL, *whip = NULL;
  StateWait wait = { states, 0 };
  SlMediaStats stats;
  guint64 before;
  guint status = 0;
  gint64 id;

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, &key);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  student = sign_in (ts, "student", "student123");

  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, 10000));

  viewer = decoding_viewer_new (student, id);
  g_signal_connect (viewer, "state-changed", G_CALLBACK (record_state_cb), states);
  start_viewer (viewer, &error);
  g_assert_no_error (error);
  g_assert_true (wait_viewer_frames (viewer, 30, 15));
  sl_viewer_get_stats (viewer, &stats);
  g_test_message ("SlViewer of SlTestPublisher: first frame after %" G_GINT64_FORMAT " ms",
                  stats.first_frame_ms);

  /* the publisher leaves: the viewer tries again, and comes back with it */
  g_assert_cmpuint (sl_test_publisher_delete (pub, key), ==, 200);
  g_clear_pointer (&pub, sl_test_publisher_free);
  wait.state = SL_MEDIA_RECONNECTING;
  g_assert_true (run_until (saw_state, &wait, 10000));
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_RECONNECTING);
  run_for (2000);
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_RECONNECTING);
  g_array_set_size (states, 0);
  before = viewer_frames (viewer);

  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  wait.state = SL_MEDIA_CONNECTED;
  g_assert_true (run_until (saw_state, &wait, 20000));
  g_assert_true (wait_viewer_frames (viewer, before + 30, 15));
  sl_viewer_get_stats (viewer, &stats);
  g_assert_cmpuint (stats.reconnects, >=, 1);
  g_test_message ("after %u reconnection(s): %" G_GUINT64_FORMAT " frames, %u freezes",
                  stats.reconnects, stats.frames_decoded, stats.freezes);
  g_assert_cmpuint (stats.freezes, >=, 1);

  sl_viewer_stop (viewer);
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_STOPPED);
}

/* ---- clear errors ----------------------------------------------------------- */

static void
test_errors (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlApiClient) teacher = NULL;
  g_autoptr(SlApiClient) student = NULL;
  g_autoptr(SlViewer) viewer = NULL;
  g_autoptr(SlPublisher) camera = NULL;
  g_autoptr(SlPublisher) intruder = NULL;
  g_autoptr(GError) error = NULL;
  SlPublisherOptions options = {
    .video = SL_VIDEO_SOURCE_CAMERA,
    .video_device = "/dev/video99",
    .audio = SL_AUDIO_SOURCE_NONE,
    .preset = SL_PRESET_360P,
  };
  SlPreset preset;
  gint64 id;

  /* presets by name */
  g_assert_true (sl_preset_from_string ("720p", &preset));
  g_assert_cmpint (preset, ==, SL_PRESET_720P);
  g_assert_true (sl_preset_from_string ("360p", &preset));
  g_assert_cmpint (preset, ==, SL_PRESET_360P);
  g_assert_false (sl_preset_from_string ("4k", &preset));
  g_assert_cmpstr (sl_media_state_to_string (SL_MEDIA_RECONNECTING), ==, "reconnecting");

  if (!need_network ())
    return;
  ts = sl_test_media_server_new (FALSE, 0);
  id = sl_test_make_class (ts, TRUE, NULL);
  teacher = sign_in (ts, "teacher", "teacher123");
  student = sign_in (ts, "student", "student123");

  /* watching a class that is not live */
  viewer = decoding_viewer_new (student, id);
  g_assert_false (start_viewer (viewer, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_LIVE);
  g_test_message ("not live: %s", error->message);
  g_assert_cmpint (sl_viewer_get_state (viewer), ==, SL_MEDIA_FAILED);
  g_clear_error (&error);

  /* a camera that is not there */
  camera = sl_publisher_new (teacher, id, &options, client_ice);
  g_assert_false (start_publisher (camera, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_MISSING_DEVICE);
  g_assert_nonnull (strstr (error->message, "/dev/video99"));
  g_test_message ("missing camera: %s", error->message);
  g_assert_cmpint (sl_publisher_get_state (camera), ==, SL_MEDIA_FAILED);
  g_clear_error (&error);

  /* a student may not publish */
  intruder = test_publisher_new (student, id);
  g_assert_false (start_publisher (intruder, &error));
  g_assert_error (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN);
  g_test_message ("student publishing: %s", error->message);
  g_assert_cmpint (sl_publisher_get_state (intruder), ==, SL_MEDIA_FAILED);
  g_clear_error (&error);

  /* and nothing went live */
  {
    g_autoptr(GError) still = NULL;

    g_clear_object (&viewer);
    viewer = decoding_viewer_new (student, id);
    g_assert_false (start_viewer (viewer, &still));
    g_assert_error (still, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_LIVE);
  }
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

  g_test_add_func ("/client-media/errors", test_errors);
  g_test_add_func ("/client-media/publish-watch", test_publish_watch);
  g_test_add_func ("/client-media/watch-and-reconnect", test_watch_and_reconnect);

  return g_test_run ();
}
