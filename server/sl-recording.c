/* sl-recording.c: recorded classes on disk — manifest, listing, restart
 * recovery and the one-file MP4 export (remux, no encode)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-recording"

#include "config.h"

#include "sl-recording.h"

#include "sl-hls.h"
#include "sl-json.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gst/gst.h>

G_DEFINE_QUARK (sl-recording-error-quark, sl_recording_error)

#define MANIFEST_VERSION 1
#define MANIFEST_MAX_BYTES (64 * 1024)
#define MAX_CREATE_ATTEMPTS 64
/* Remuxing reads ahead at most this much. */
#define REMUX_QUEUED_BYTES (4 * 1024 * 1024)
#define REMUX_CHUNK_BYTES (256 * 1024)
#define REMUX_TRACK_QUEUE_BYTES (64 * 1024 * 1024)
#define MEASURE_TIMEOUT (10 * GST_SECOND)

static const char *const state_names[] = {
  [SL_RECORDING_RECORDING] = "recording",
  [SL_RECORDING_PROCESSING] = "processing",
  [SL_RECORDING_READY] = "ready",
  [SL_RECORDING_FAILED] = "failed",
};

const char *
sl_recording_state_to_string (SlRecordingState state)
{
  g_return_val_if_fail ((guint) state < G_N_ELEMENTS (state_names), NULL);
  return state_names[state];
}

static gboolean
state_from_string (const char       *text,
                   SlRecordingState *state)
{
  for (guint i = 0; i < G_N_ELEMENTS (state_names); i++)
    if (g_strcmp0 (text, state_names[i]) == 0)
      {
        *state = (SlRecordingState) i;
        return TRUE;
      }
  return FALSE;
}

SlRecording *
sl_recording_copy (const SlRecording *rec)
{
  SlRecording *copy;

  g_return_val_if_fail (rec != NULL, NULL);

  copy = g_new0 (SlRecording, 1);
  *copy = *rec;
  copy->id = g_strdup (rec->id);
  copy->dir = g_strdup (rec->dir);
  copy->error = g_strdup (rec->error);
  return copy;
}

void
sl_recording_free (SlRecording *rec)
{
  if (rec == NULL)
    return;
  g_free (rec->id);
  g_free (rec->dir);
  g_free (rec->error);
  g_free (rec);
}

/* Replaces @dest's contents with @src's. */
static void
recording_assign (SlRecording       *dest,
                  const SlRecording *src)
{
  g_free (dest->id);
  g_free (dest->dir);
  g_free (dest->error);
  *dest = *src;
  dest->id = g_strdup (src->id);
  dest->dir = g_strdup (src->dir);
  dest->error = g_strdup (src->error);
}

JsonNode *
sl_recording_to_json (const SlRecording *rec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autofree char *started = NULL;
  g_autofree char *playlist_url = NULL;

  g_return_val_if_fail (rec != NULL, NULL);

  started = sl_json_format_time (rec->started_at);
  playlist_url = g_strdup_printf ("/recordings/%s/" SL_HLS_VOD_PLAYLIST, rec->id);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, rec->id);
  json_builder_set_member_name (builder, "class_id");
  json_builder_add_int_value (builder, rec->class_id);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, sl_recording_state_to_string (rec->state));
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_string_value (builder, started);
  json_builder_set_member_name (builder, "ended_at");
  if (rec->ended_at > 0)
    {
      g_autofree char *ended = sl_json_format_time (rec->ended_at);
      json_builder_add_string_value (builder, ended);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_int_value (builder, (gint64) MIN (rec->duration_ms, (guint64) G_MAXINT64));
  json_builder_set_member_name (builder, "size_bytes");
  json_builder_add_int_value (builder, (gint64) MIN (rec->bytes, (guint64) G_MAXINT64));
  json_builder_set_member_name (builder, "playlist_url");
  json_builder_add_string_value (builder, playlist_url);
  json_builder_set_member_name (builder, "mp4_url");
  if (rec->state == SL_RECORDING_READY)
    {
      g_autofree char *mp4_url = g_strdup_printf ("/recordings/%s/" SL_RECORDING_MP4, rec->id);
      json_builder_add_string_value (builder, mp4_url);
    }
  else
    json_builder_add_null_value (builder);
  json_builder_set_member_name (builder, "error");
  if (rec->error != NULL)
    json_builder_add_string_value (builder, rec->error);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

/* A positive decimal with no sign and no leading zero, at most @max;
 * exactly @len bytes of @text. */
static gboolean
parse_positive (const char *text,
                gsize       len,
                guint64     max,
                guint64    *out)
{
  guint64 value = 0;

  if (len == 0 || len > 20 || text[0] == '0')
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      guint digit;

      if (!g_ascii_isdigit (text[i]))
        return FALSE;
      digit = (guint) (text[i] - '0');
      if (value > (max - digit) / 10)
        return FALSE;
      value = value * 10 + digit;
    }
  *out = value;
  return TRUE;
}

gboolean
sl_recording_id_parse (const char *id,
                       gint64     *class_id,
                       guint      *number)
{
  const char *dash;
  guint64 c, n;

  if (id == NULL)
    return FALSE;
  dash = strchr (id, '-');
  if (dash == NULL ||
      !parse_positive (id, (gsize) (dash - id), G_MAXINT64, &c) ||
      !parse_positive (dash + 1, strlen (dash + 1), G_MAXUINT, &n))
    return FALSE;
  if (class_id != NULL)
    *class_id = (gint64) c;
  if (number != NULL)
    *number = (guint) n;
  return TRUE;
}

static char *
class_dir_path (const char *root,
                gint64      class_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, class_id);
  g_autofree char *abs_root = g_canonicalize_filename (root, NULL);

  return g_build_filename (abs_root, name, NULL);
}

/* ---------------------------------------------------------------------- */
/* The manifest */

static char *
manifest_to_string (const SlRecording *rec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, MANIFEST_VERSION);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, rec->id);
  json_builder_set_member_name (builder, "class_id");
  json_builder_add_int_value (builder, rec->class_id);
  json_builder_set_member_name (builder, "number");
  json_builder_add_int_value (builder, rec->number);
  json_builder_set_member_name (builder, "state");
  json_builder_add_string_value (builder, sl_recording_state_to_string (rec->state));
  json_builder_set_member_name (builder, "started_at");
  json_builder_add_int_value (builder, rec->started_at);
  json_builder_set_member_name (builder, "ended_at");
  json_builder_add_int_value (builder, rec->ended_at);
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_int_value (builder, (gint64) MIN (rec->duration_ms, (guint64) G_MAXINT64));
  json_builder_set_member_name (builder, "n_segments");
  json_builder_add_int_value (builder, rec->n_segments);
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) MIN (rec->bytes, (guint64) G_MAXINT64));
  json_builder_set_member_name (builder, "mp4_bytes");
  json_builder_add_int_value (builder, (gint64) MIN (rec->mp4_bytes, (guint64) G_MAXINT64));
  json_builder_set_member_name (builder, "error");
  if (rec->error != NULL)
    json_builder_add_string_value (builder, rec->error);
  else
    json_builder_add_null_value (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

gboolean
sl_recording_save (const SlRecording *rec,
                   GError           **error)
{
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (rec != NULL, FALSE);
  g_return_val_if_fail (rec->dir != NULL && rec->id != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = manifest_to_string (rec);
  path = g_build_filename (rec->dir, SL_RECORDING_MANIFEST, NULL);
  /* CONSISTENT: a temporary file renamed over the old one. */
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local_error))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "Could not save the manifest of recording %s: %s",
                   rec->id, local_error->message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_uint (JsonObject *object,
          const char *field,
          guint64     max,
          guint64    *out,
          GError    **error)
{
  gint64 value = 0;

  if (!sl_json_get_int (object, field, TRUE, 0, (gint64) MIN (max, (guint64) G_MAXINT64),
                        &value, error))
    return FALSE;
  *out = (guint64) value;
  return TRUE;
}

/* Reads @dir/manifest.json and checks it belongs there. */
static SlRecording *
manifest_load (const char *dir,
               gint64      class_id,
               guint       number,
               GError    **error)
{
  g_autofree char *path = g_build_filename (dir, SL_RECORDING_MANIFEST, NULL);
  g_autofree char *text = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(SlRecording) rec = NULL;
  g_autofree char *expected_id = NULL;
  const char *id = NULL, *state = NULL, *message = NULL;
  gint64 version = 0, file_class = 0, started = 0, ended = 0;
  guint64 file_number = 0, duration = 0, n_segments = 0, bytes = 0, mp4_bytes = 0;
  gsize length;

  if (!g_file_get_contents (path, &text, &length, &local_error))
    {
      gboolean missing = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
      g_set_error (error, SL_RECORDING_ERROR,
                   missing ? SL_RECORDING_ERROR_NOT_FOUND : SL_RECORDING_ERROR_MANIFEST,
                   "%s", local_error->message);
      return NULL;
    }
  if (length > MANIFEST_MAX_BYTES)
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_MANIFEST,
                   "%s is too large", path);
      return NULL;
    }

  object = sl_json_parse_object (text, length, &local_error);
  if (object == NULL ||
      !sl_json_get_int (object, "version", TRUE, MANIFEST_VERSION, MANIFEST_VERSION,
                        &version, &local_error) ||
      !sl_json_get_string (object, "id", TRUE, 3, 64, &id, &local_error) ||
      !sl_json_get_int (object, "class_id", TRUE, 1, G_MAXINT64, &file_class, &local_error) ||
      !get_uint (object, "number", G_MAXUINT, &file_number, &local_error) ||
      !sl_json_get_string (object, "state", TRUE, 1, 32, &state, &local_error) ||
      !sl_json_get_int (object, "started_at", TRUE, 0, G_MAXINT64, &started, &local_error) ||
      !sl_json_get_int (object, "ended_at", TRUE, 0, G_MAXINT64, &ended, &local_error) ||
      !get_uint (object, "duration_ms", G_MAXINT64, &duration, &local_error) ||
      !get_uint (object, "n_segments", G_MAXUINT, &n_segments, &local_error) ||
      !get_uint (object, "bytes", G_MAXINT64, &bytes, &local_error) ||
      !get_uint (object, "mp4_bytes", G_MAXINT64, &mp4_bytes, &local_error))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_MANIFEST,
                   "%s: %s", path, local_error->message);
      return NULL;
    }
  if (json_object_has_member (object, "error") &&
      !json_object_get_null_member (object, "error") &&
      !sl_json_get_string (object, "error", FALSE, 0, 4096, &message, &local_error))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_MANIFEST,
                   "%s: %s", path, local_error->message);
      return NULL;
    }

  expected_id = g_strdup_printf ("%" G_GINT64_FORMAT "-%u", class_id, number);
  rec = g_new0 (SlRecording, 1);
  if (g_strcmp0 (id, expected_id) != 0 || file_class != class_id ||
      file_number != number || !state_from_string (state, &rec->state))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_MANIFEST,
                   "%s does not describe recording %s", path, expected_id);
      return NULL;
    }
  rec->id = g_steal_pointer (&expected_id);
  rec->class_id = class_id;
  rec->number = number;
  rec->dir = g_strdup (dir);
  rec->started_at = started;
  rec->ended_at = ended;
  rec->duration_ms = duration;
  rec->n_segments = (guint) n_segments;
  rec->bytes = bytes;
  rec->mp4_bytes = mp4_bytes;
  rec->error = g_strdup (message);
  return g_steal_pointer (&rec);
}

SlRecording *
sl_recording_create (const char *root,
                     gint64      class_id,
                     GError    **error)
{
  g_autofree char *class_dir = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(SlRecording) rec = NULL;
  const char *name;
  guint64 highest = 0;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (class_id > 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  class_dir = class_dir_path (root, class_id);
  if (g_mkdir_with_parents (class_dir, 0755) != 0)
    {
      int saved_errno = errno;
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "Could not create %s: %s", class_dir, g_strerror (saved_errno));
      return NULL;
    }
  listing = g_dir_open (class_dir, 0, &local_error);
  if (listing == NULL)
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "%s", local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      guint64 n;
      if (parse_positive (name, strlen (name), G_MAXUINT, &n))
        highest = MAX (highest, n);
    }

  /* mkdir is the lock: two creators never get the same number. */
  for (guint attempt = 0; attempt < MAX_CREATE_ATTEMPTS; attempt++)
    {
      g_autofree char *number_name = NULL;
      g_autofree char *dir = NULL;

      if (highest >= G_MAXUINT)
        break;
      highest++;
      number_name = g_strdup_printf ("%" G_GUINT64_FORMAT, highest);
      dir = g_build_filename (class_dir, number_name, NULL);
      if (g_mkdir (dir, 0755) != 0)
        {
          int saved_errno = errno;
          if (saved_errno == EEXIST)
            continue;
          g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                       "Could not create %s: %s", dir, g_strerror (saved_errno));
          return NULL;
        }

      rec = g_new0 (SlRecording, 1);
      rec->id = g_strdup_printf ("%" G_GINT64_FORMAT "-%" G_GUINT64_FORMAT, class_id, highest);
      rec->class_id = class_id;
      rec->number = (guint) highest;
      rec->dir = g_steal_pointer (&dir);
      rec->state = SL_RECORDING_RECORDING;
      rec->started_at = g_get_real_time () / G_USEC_PER_SEC;
      if (!sl_recording_save (rec, error))
        {
          g_rmdir (rec->dir);
          return NULL;
        }
      return g_steal_pointer (&rec);
    }

  g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
               "Could not find a free recording number in %s", class_dir);
  return NULL;
}

SlRecording *
sl_recording_load (const char *root,
                   const char *id,
                   GError    **error)
{
  g_autofree char *class_dir = NULL;
  g_autofree char *number_name = NULL;
  g_autofree char *dir = NULL;
  gint64 class_id;
  guint number;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!sl_recording_id_parse (id, &class_id, &number))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_INVALID_ID,
                   "“%s” is not a recording id (expected <class_id>-<n>)",
                   id != NULL ? id : "");
      return NULL;
    }
  class_dir = class_dir_path (root, class_id);
  number_name = g_strdup_printf ("%u", number);
  dir = g_build_filename (class_dir, number_name, NULL);
  return manifest_load (dir, class_id, number, error);
}

static gint
compare_by_number (gconstpointer a,
                   gconstpointer b)
{
  const SlRecording *ra = *(SlRecording *const *) a;
  const SlRecording *rb = *(SlRecording *const *) b;

  return ra->number < rb->number ? -1 : ra->number > rb->number ? 1 : 0;
}

GPtrArray *
sl_recording_list (const char *root,
                   gint64      class_id,
                   GError    **error)
{
  g_autofree char *class_dir = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) recordings = NULL;
  const char *name;

  g_return_val_if_fail (root != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  recordings = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_recording_free);
  if (class_id <= 0)
    return g_steal_pointer (&recordings);

  class_dir = class_dir_path (root, class_id);
  listing = g_dir_open (class_dir, 0, &local_error);
  if (listing == NULL)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&recordings);
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "%s", local_error->message);
      return NULL;
    }

  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *dir = NULL;
      g_autoptr(GError) load_error = NULL;
      SlRecording *rec;
      guint64 n;

      if (!parse_positive (name, strlen (name), G_MAXUINT, &n))
        continue;
      dir = g_build_filename (class_dir, name, NULL);
      rec = manifest_load (dir, class_id, (guint) n, &load_error);
      if (rec == NULL)
        {
          g_warning ("Skipping recording %" G_GINT64_FORMAT "-%s: %s",
                     class_id, name, load_error->message);
          continue;
        }
      g_ptr_array_add (recordings, rec);
    }
  g_ptr_array_sort (recordings, compare_by_number);
  return g_steal_pointer (&recordings);
}

/* ---------------------------------------------------------------------- */
/* Finishing: the final playlist and the MP4 (in a worker thread) */

static gint
compare_by_index (gconstpointer a,
                  gconstpointer b)
{
  const SlHlsSegment *sa = *(SlHlsSegment *const *) a;
  const SlHlsSegment *sb = *(SlHlsSegment *const *) b;

  return sa->index < sb->index ? -1 : sa->index > sb->index ? 1 : 0;
}

typedef struct {
  GMutex       lock;
  GstClockTime min_pts;
  GstClockTime max_pts;
  guint        n_frames;
} Measure;

static void
measure_handoff_cb (GstElement *sink,
                    GstBuffer  *buffer,
                    GstPad     *pad,
                    gpointer    data)
{
  Measure *m = data;
  GstClockTime pts = GST_BUFFER_PTS (buffer);

  if (!GST_CLOCK_TIME_IS_VALID (pts))
    return;
  g_mutex_lock (&m->lock);
  m->min_pts = m->n_frames == 0 ? pts : MIN (m->min_pts, pts);
  m->max_pts = m->n_frames == 0 ? pts : MAX (m->max_pts, pts);
  m->n_frames++;
  g_mutex_unlock (&m->lock);
}

/* How long a segment plays (the playlist did not say): its video frames'
 * time stamps, read through tsdemux; 0 when it does not play (a segment
 * cut short by a crash).  GstDiscoverer cannot tell: tsdemux often has no
 * duration for a file this short. */
static guint64
measure_duration (const char *path)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstElement) src = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  Measure m = { 0 };
  guint64 duration = 0;

  pipeline = gst_parse_launch ("filesrc name=src ! tsdemux ! h264parse "
                               "! fakesink name=sink sync=false signal-handoffs=true",
                               &error);
  if (pipeline == NULL)
    {
      g_debug ("Cannot measure segments: %s", error->message);
      return 0;
    }
  g_mutex_init (&m.lock);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_object_set (src, "location", path, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (measure_handoff_cb), &m);

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) != GST_STATE_CHANGE_FAILURE)
    msg = gst_bus_timed_pop_filtered (bus, MEASURE_TIMEOUT, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  if (msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS && m.n_frames > 1)
    {
      guint64 span = m.max_pts - m.min_pts;
      /* The last frame lasts as long as the average one. */
      duration = span + span / (m.n_frames - 1);
    }
  g_mutex_clear (&m.lock);
  g_debug ("%s: %u frames, %" GST_TIME_FORMAT, path, m.n_frames, GST_TIME_ARGS (duration));
  return duration;
}

/* The segments to keep, in order: what is on disk, with the durations the
 * segmenter wrote in vod.m3u8, measuring the ones it did not list. */
static GPtrArray *
collect_segments (const char *dir,
                  GError    **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GHashTable) by_index = NULL;
  g_autoptr(GDir) listing = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *vod_path = g_build_filename (dir, SL_HLS_VOD_PLAYLIST, NULL);
  g_autofree char *vod = NULL;
  const char *name;

  segments = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hls_segment_free);
  by_index = g_hash_table_new (g_direct_hash, g_direct_equal);

  if (g_file_get_contents (vod_path, &vod, NULL, NULL))
    {
      listed = sl_hls_parse_playlist (vod, NULL, &local_error);
      if (listed == NULL)
        {
          g_message ("Ignoring %s: %s", vod_path, local_error->message);
          g_clear_error (&local_error);
        }
      else
        for (guint i = 0; i < listed->len; i++)
          {
            SlHlsSegment *seg = g_ptr_array_index (listed, i);
            g_hash_table_insert (by_index, GUINT_TO_POINTER (seg->index), seg);
          }
    }

  listing = g_dir_open (dir, 0, &local_error);
  if (listing == NULL)
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "%s", local_error->message);
      return NULL;
    }
  while ((name = g_dir_read_name (listing)) != NULL)
    {
      g_autofree char *path = NULL;
      SlHlsSegment *known, *seg;
      GStatBuf st;

      if (!sl_hls_segment_name_is_valid (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_stat (path, &st) != 0 || st.st_size == 0)
        continue;

      seg = g_new0 (SlHlsSegment, 1);
      seg->name = g_strdup (name);
      seg->size = (guint64) st.st_size;
      /* The name was checked: "seg-" then the index. */
      seg->index = (guint) g_ascii_strtoull (name + strlen ("seg-"), NULL, 10);
      known = g_hash_table_lookup (by_index, GUINT_TO_POINTER (seg->index));
      if (known != NULL && known->duration_ns > 0)
        {
          seg->duration_ns = known->duration_ns;
          seg->discont = known->discont;
        }
      else
        {
          seg->duration_ns = measure_duration (path);
          if (seg->duration_ns == 0)
            {
              g_message ("Leaving out %s: it does not play", path);
              sl_hls_segment_free (seg);
              continue;
            }
        }
      g_ptr_array_add (segments, seg);
    }
  g_ptr_array_sort (segments, compare_by_index);

  /* A segment after a missing one starts after a gap. */
  for (guint i = 1; i < segments->len; i++)
    {
      SlHlsSegment *prev = g_ptr_array_index (segments, i - 1);
      SlHlsSegment *seg = g_ptr_array_index (segments, i);
      if (seg->index != prev->index + 1)
        seg->discont = TRUE;
    }
  if (segments->len > 0)
    ((SlHlsSegment *) g_ptr_array_index (segments, 0))->discont = FALSE;

  return g_steal_pointer (&segments);
}

typedef struct {
  GstElement *pipeline;
  GstElement *mux;
} Remux;

/* What reaches the MP4 muxer on one track must have rising decode times.
 * A publisher's parameter sets can come as an access unit of their own
 * with no presentation time, which MP4 cannot hold (the same sets are
 * repeated in band before every keyframe), and a recording made before
 * the audio was kept steady can step back a few milliseconds; such
 * buffers are left out rather than failing the whole export. */
typedef struct {
  guint64 last_dts;
  guint   dropped;
} TrackTimes;

static GstPadProbeReturn
timestamp_probe_cb (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         user_data)
{
  TrackTimes *track = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  guint64 dts = GST_BUFFER_DTS_OR_PTS (buffer);

  if (!GST_BUFFER_PTS_IS_VALID (buffer) ||
      (GST_CLOCK_TIME_IS_VALID (track->last_dts) && dts < track->last_dts))
    {
      if (track->dropped++ == 0)
        GST_INFO_OBJECT (pad, "leaving out untimed or out-of-order buffers");
      return GST_PAD_PROBE_DROP;
    }
  track->last_dts = dts;
  return GST_PAD_PROBE_OK;
}

static void
demux_pad_added_cb (GstElement *demux,
                    GstPad     *pad,
                    gpointer    data)
{
  Remux *remux = data;
  const char *pad_name = GST_PAD_NAME (pad);
  const char *parser_name;
  GstElement *parser, *queue;
  g_autoptr(GstPad) sink = NULL;

  if (g_str_has_prefix (pad_name, "video"))
    parser_name = "h264parse";
  else if (g_str_has_prefix (pad_name, "audio"))
    parser_name = "aacparse";
  else
    return;

  parser = gst_element_factory_make (parser_name, NULL);
  queue = gst_element_factory_make ("queue", NULL);
  if (parser == NULL || queue == NULL)
    {
      g_clear_pointer (&parser, gst_object_unref);
      g_clear_pointer (&queue, gst_object_unref);
      GST_ELEMENT_ERROR (demux, CORE, MISSING_PLUGIN, ("%s is missing", parser_name), (NULL));
      return;
    }
  /* tsdemux feeds both tracks from one thread and the muxer waits for
   * both: a track's queue holds however far apart they are interleaved in
   * the segments (bounded by bytes, not by time or count). */
  g_object_set (queue, "max-size-time", (guint64) 0, "max-size-buffers", 0,
                "max-size-bytes", REMUX_TRACK_QUEUE_BYTES, NULL);
  gst_bin_add_many (GST_BIN (remux->pipeline), parser, queue, NULL);
  sink = gst_element_get_static_pad (parser, "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK ||
      !gst_element_link_many (parser, queue, remux->mux, NULL))
    {
      GST_ELEMENT_ERROR (demux, CORE, NEGOTIATION,
                         ("Could not link %s to the MP4 muxer", pad_name), (NULL));
      return;
    }
  {
    g_autoptr(GstPad) parsed = gst_element_get_static_pad (parser, "src");

    TrackTimes *track = g_new0 (TrackTimes, 1);

    track->last_dts = GST_CLOCK_TIME_NONE;
    gst_pad_add_probe (parsed, GST_PAD_PROBE_TYPE_BUFFER, timestamp_probe_cb, track, g_free);
  }
  gst_element_sync_state_with_parent (queue);
  gst_element_sync_state_with_parent (parser);
}

/* Polls @bus for an ERROR or EOS for up to @timeout.  Returns FALSE with
 * @error set on ERROR; *eos tells whether EOS came. */
static gboolean
poll_bus (GstBus       *bus,
          GstClockTime  timeout,
          gboolean     *eos,
          GError      **error)
{
  g_autoptr(GstMessage) msg =
    gst_bus_timed_pop_filtered (bus, timeout, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);

  if (msg == NULL)
    return TRUE;
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS)
    {
      *eos = TRUE;
      return TRUE;
    }
  else
    {
      g_autoptr(GError) gst_error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (msg, &gst_error, &debug);
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                   "%s: %s", GST_OBJECT_NAME (GST_MESSAGE_SRC (msg)), gst_error->message);
      return FALSE;
    }
}

/* Remuxes @segments (MPEG-TS, in @dir) into @out_path: the files are read
 * one after the other into tsdemux; H.264 and AAC go into mp4mux as they
 * are.  Blocking; runs in a worker thread. */
static gboolean
remux_to_mp4 (const char   *dir,
              GPtrArray    *segments,
              const char   *out_path,
              guint64       duration_ns,
              GCancellable *cancellable,
              GError      **error)
{
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GError) local_error = NULL;
  GstElement *src, *demux, *mux, *sink;
  Remux remux;
  gboolean eos = FALSE, ok = TRUE;
  gint64 deadline;

  pipeline = gst_pipeline_new ("remux");
  src = gst_element_factory_make ("appsrc", NULL);
  demux = gst_element_factory_make ("tsdemux", NULL);
  mux = gst_element_factory_make ("mp4mux", NULL);
  sink = gst_element_factory_make ("filesink", NULL);
  if (src == NULL || demux == NULL || mux == NULL || sink == NULL)
    {
      g_clear_pointer (&src, gst_object_unref);
      g_clear_pointer (&demux, gst_object_unref);
      g_clear_pointer (&mux, gst_object_unref);
      g_clear_pointer (&sink, gst_object_unref);
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                   "Missing GStreamer elements for the MP4 export: appsrc, tsdemux, "
                   "mp4mux, filesink (install gstreamer1.0-plugins-base, -bad, -good)");
      return FALSE;
    }
  gst_bin_add_many (GST_BIN (pipeline), src, demux, mux, sink, NULL);

  caps = gst_caps_new_simple ("video/mpegts",
                              "systemstream", G_TYPE_BOOLEAN, TRUE,
                              "packetsize", G_TYPE_INT, 188,
                              NULL);
  g_object_set (src, "caps", caps, "format", GST_FORMAT_BYTES, "block", FALSE,
                "max-bytes", (guint64) 2 * REMUX_QUEUED_BYTES, NULL);
  g_object_set (mux, "faststart", TRUE, NULL);
  g_object_set (sink, "location", out_path, NULL);

  remux.pipeline = pipeline;
  remux.mux = mux;
  g_signal_connect (demux, "pad-added", G_CALLBACK (demux_pad_added_cb), &remux);

  if (!gst_element_link (src, demux) || !gst_element_link (mux, sink))
    {
      g_set_error (error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                   "Could not link the MP4 export pipeline");
      return FALSE;
    }

  bus = gst_element_get_bus (pipeline);
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      if (poll_bus (bus, 0, &eos, &local_error))
        g_set_error (&local_error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                     "Could not start the MP4 export pipeline");
      ok = FALSE;
    }

  /* Feed the segments, a chunk at a time, keeping an eye on the bus. */
  for (guint i = 0; ok && i < segments->len; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      g_autofree char *path = g_build_filename (dir, seg->name, NULL);
      g_autoptr(GMappedFile) file = g_mapped_file_new (path, FALSE, &local_error);
      g_autoptr(GBytes) bytes = NULL;
      gsize size, offset = 0;

      if (file == NULL)
        {
          g_prefix_error (&local_error, "Reading %s: ", seg->name);
          ok = FALSE;
          break;
        }
      bytes = g_mapped_file_get_bytes (file);
      size = g_bytes_get_size (bytes);
      while (ok && offset < size)
        {
          gsize len = MIN (REMUX_CHUNK_BYTES, size - offset);
          g_autoptr(GBytes) chunk = g_bytes_new_from_bytes (bytes, offset, len);
          GstBuffer *buffer = gst_buffer_new_wrapped_bytes (chunk);
          GstFlowReturn flow = GST_FLOW_OK;
          guint64 level = 0;

          g_signal_emit_by_name (src, "push-buffer", buffer, &flow);
          gst_buffer_unref (buffer);
          offset += len;
          if (flow != GST_FLOW_OK)
            {
              poll_bus (bus, 0, &eos, &local_error);
              if (local_error == NULL)
                g_set_error (&local_error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                             "The MP4 export stopped: %s", gst_flow_get_name (flow));
              ok = FALSE;
              break;
            }
          do
            {
              if (g_cancellable_set_error_if_cancelled (cancellable, &local_error) ||
                  !poll_bus (bus, 0, &eos, &local_error))
                {
                  ok = FALSE;
                  break;
                }
              g_object_get (src, "current-level-bytes", &level, NULL);
              if (level > REMUX_QUEUED_BYTES)
                g_usleep (5 * G_TIME_SPAN_MILLISECOND);
            }
          while (level > REMUX_QUEUED_BYTES);
        }
    }

  if (ok)
    {
      GstFlowReturn flow = GST_FLOW_OK;

      g_signal_emit_by_name (src, "end-of-stream", &flow);
      /* Generous: remuxing runs far faster than real time. */
      deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND +
                 (gint64) (duration_ns / GST_USECOND / 4);
      while (ok && !eos)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, &local_error) ||
              !poll_bus (bus, 100 * GST_MSECOND, &eos, &local_error))
            ok = FALSE;
          else if (!eos && g_get_monotonic_time () > deadline)
            {
              g_set_error (&local_error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_EXPORT,
                           "The MP4 export did not finish in time");
              ok = FALSE;
            }
        }
    }

  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;
}

/* Blocking: ends @rec (a private copy) and saves each step.  Returns FALSE
 * with @error when it ends FAILED. */
static gboolean
recording_finish_sync (SlRecording  *rec,
                       GCancellable *cancellable,
                       GError      **error)
{
  g_autoptr(GPtrArray) segments = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *vod = NULL;
  g_autofree char *vod_path = NULL;
  g_autofree char *mp4_path = NULL;
  g_autofree char *tmp_path = NULL;
  guint64 duration_ns = 0, bytes = 0;
  GStatBuf st;

  if (rec->ended_at == 0)
    rec->ended_at = g_get_real_time () / G_USEC_PER_SEC;
  rec->state = SL_RECORDING_PROCESSING;
  g_clear_pointer (&rec->error, g_free);

  segments = collect_segments (rec->dir, &local_error);
  if (segments == NULL)
    goto failed;

  for (guint i = 0; i < segments->len; i++)
    {
      const SlHlsSegment *seg = g_ptr_array_index (segments, i);
      duration_ns += seg->duration_ns;
      bytes += seg->size;
    }
  rec->n_segments = segments->len;
  rec->bytes = bytes;
  rec->duration_ms = duration_ns / GST_MSECOND;
  rec->mp4_bytes = 0;

  if (segments->len == 0)
    {
      g_set_error (&local_error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_NO_SEGMENTS,
                   "Nothing was recorded");
      goto failed;
    }

  vod = sl_hls_render_playlist (segments, 0, segments->len, TRUE, TRUE, NULL);
  vod_path = g_build_filename (rec->dir, SL_HLS_VOD_PLAYLIST, NULL);
  if (!g_file_set_contents_full (vod_path, vod, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                 0644, &local_error))
    {
      g_prefix_error (&local_error, "Could not write the playlist: ");
      goto failed;
    }
  if (!sl_recording_save (rec, &local_error))
    goto failed;

  mp4_path = g_build_filename (rec->dir, SL_RECORDING_MP4, NULL);
  tmp_path = g_strconcat (mp4_path, ".part", NULL);
  if (!remux_to_mp4 (rec->dir, segments, tmp_path, duration_ns, cancellable, &local_error))
    {
      g_unlink (tmp_path);
      g_prefix_error (&local_error, "Could not make the MP4: ");
      goto failed;
    }
  if (g_rename (tmp_path, mp4_path) != 0 || g_stat (mp4_path, &st) != 0)
    {
      int saved_errno = errno;
      g_unlink (tmp_path);
      g_set_error (&local_error, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                   "Could not store %s: %s", mp4_path, g_strerror (saved_errno));
      goto failed;
    }

  rec->mp4_bytes = (guint64) st.st_size;
  rec->state = SL_RECORDING_READY;
  if (!sl_recording_save (rec, &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  return TRUE;

failed:
  if (local_error->domain != SL_RECORDING_ERROR)
    {
      GError *mapped = g_error_new (SL_RECORDING_ERROR,
                                    g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                    ? SL_RECORDING_ERROR_EXPORT : SL_RECORDING_ERROR_IO,
                                    "%s", local_error->message);
      g_clear_error (&local_error);
      local_error = mapped;
    }
  g_prefix_error (&local_error, "Recording %s: ", rec->id);
  rec->state = SL_RECORDING_FAILED;
  rec->error = g_strdup (local_error->message);
  if (!sl_recording_save (rec, NULL))
    g_message ("Could not save the failure of recording %s", rec->id);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

typedef struct {
  SlRecording *rec;      /* the caller's; updated on its context */
  SlRecording *work;     /* the worker's copy */
  GTask       *outer;
} FinishData;

static void
finish_data_free (gpointer data)
{
  FinishData *fd = data;

  sl_recording_free (fd->work);
  g_clear_object (&fd->outer);
  g_free (fd);
}

static void
finish_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  FinishData *fd = task_data;
  GError *error = NULL;

  if (recording_finish_sync (fd->work, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
finish_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  FinishData *fd = g_task_get_task_data (G_TASK (result));
  g_autoptr(GTask) outer = g_steal_pointer (&fd->outer);
  GError *error = NULL;

  recording_assign (fd->rec, fd->work);
  if (g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_boolean (outer, TRUE);
  else
    g_task_return_error (outer, error);
}

void
sl_recording_finish_async (SlRecording        *rec,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) outer = NULL;
  g_autoptr(GTask) inner = NULL;
  FinishData *fd;

  g_return_if_fail (rec != NULL && rec->dir != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (outer, sl_recording_finish_async);
  g_task_set_task_data (outer, rec, NULL);

  rec->state = SL_RECORDING_PROCESSING;
  if (rec->ended_at == 0)
    rec->ended_at = g_get_real_time () / G_USEC_PER_SEC;

  fd = g_new0 (FinishData, 1);
  fd->rec = rec;
  fd->work = sl_recording_copy (rec);
  fd->outer = g_steal_pointer (&outer);

  inner = g_task_new (NULL, cancellable, finish_done_cb, NULL);
  g_task_set_source_tag (inner, finish_thread);
  g_task_set_task_data (inner, fd, finish_data_free);
  /* The worker runs to its end; failure (and cancellation) shows in @rec. */
  g_task_set_return_on_cancel (inner, FALSE);
  g_task_run_in_thread (inner, finish_thread);
}

gboolean
sl_recording_finish_finish (SlRecording  *rec,
                            GAsyncResult *result,
                            GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_recording_finish_async, FALSE);
  g_return_val_if_fail (g_task_get_task_data (G_TASK (result)) == rec, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* Recovery after a restart */

static void
recover_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  const char *root = task_data;
  g_autoptr(GDir) classes = NULL;
  g_autoptr(GError) error = NULL;
  const char *class_name;
  guint n_recovered = 0;

  classes = g_dir_open (root, 0, &error);
  if (classes == NULL)
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_task_return_pointer (task, GUINT_TO_POINTER (0), NULL);
          return;
        }
      g_task_return_new_error (task, SL_RECORDING_ERROR, SL_RECORDING_ERROR_IO,
                               "%s", error->message);
      return;
    }

  while ((class_name = g_dir_read_name (classes)) != NULL)
    {
      g_autoptr(GPtrArray) recordings = NULL;
      g_autoptr(GError) list_error = NULL;
      guint64 class_id;

      if (g_cancellable_is_cancelled (cancellable))
        break;
      if (!parse_positive (class_name, strlen (class_name), G_MAXINT64, &class_id))
        continue;
      recordings = sl_recording_list (root, (gint64) class_id, &list_error);
      if (recordings == NULL)
        {
          g_message ("Recovering recordings of class %s: %s", class_name, list_error->message);
          continue;
        }
      for (guint i = 0; i < recordings->len; i++)
        {
          SlRecording *rec = g_ptr_array_index (recordings, i);
          g_autoptr(GError) finish_error = NULL;

          if (rec->state != SL_RECORDING_RECORDING && rec->state != SL_RECORDING_PROCESSING)
            continue;
          g_message ("Finishing recording %s, left %s by the last run", rec->id,
                     sl_recording_state_to_string (rec->state));
          if (!recording_finish_sync (rec, cancellable, &finish_error))
            g_message ("%s", finish_error->message);
          n_recovered++;
        }
    }

  g_task_return_pointer (task, GUINT_TO_POINTER (n_recovered), NULL);
}

void
sl_recording_recover_all_async (const char         *root,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (root != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_recording_recover_all_async);
  g_task_set_task_data (task, g_canonicalize_filename (root, NULL), g_free);
  g_task_run_in_thread (task, recover_thread);
}

gboolean
sl_recording_recover_all_finish (GAsyncResult *result,
                                 guint        *n_recovered,
                                 GError      **error)
{
  GError *local_error = NULL;
  gpointer n;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_recording_recover_all_async,
                        FALSE);

  n = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (n_recovered != NULL)
    *n_recovered = GPOINTER_TO_UINT (n);
  return TRUE;
}

void
sl_recording_recover_all (const char *root)
{
  g_return_if_fail (root != NULL);

  sl_recording_recover_all_async (root, NULL, NULL, NULL);
}
