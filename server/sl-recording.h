/* sl-recording.h: recorded classes on disk — manifest, listing, restart
 * recovery and the one-file MP4 export (remux, no encode)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Layout, under the server's data dir:
 *   recordings/<class_id>/<n>/manifest.json   the truth about the recording
 *   recordings/<class_id>/<n>/seg-00000.ts …  written by SlSegmenter
 *   recordings/<class_id>/<n>/vod.m3u8
 *   recordings/<class_id>/<n>/recording.mp4   once exported
 * A recording's id is "<class_id>-<n>"; n counts from 1 per class. */

#define SL_RECORDING_MP4 "recording.mp4"
#define SL_RECORDING_MANIFEST "manifest.json"

#define SL_RECORDING_ERROR (sl_recording_error_quark ())

typedef enum {
  SL_RECORDING_ERROR_INVALID_ID,   /* not "<class_id>-<n>" */
  SL_RECORDING_ERROR_NOT_FOUND,    /* no such recording */
  SL_RECORDING_ERROR_MANIFEST,     /* manifest.json unreadable or inconsistent */
  SL_RECORDING_ERROR_IO,           /* a file or directory could not be written */
  SL_RECORDING_ERROR_NO_SEGMENTS,  /* nothing was recorded */
  SL_RECORDING_ERROR_EXPORT,       /* the MP4 could not be made */
} SlRecordingError;

GQuark      sl_recording_error_quark     (void);

typedef enum {
  SL_RECORDING_RECORDING,    /* the class is being recorded now */
  SL_RECORDING_PROCESSING,   /* ended; the MP4 is being made */
  SL_RECORDING_READY,        /* VOD and MP4 ready */
  SL_RECORDING_FAILED,       /* see error; the VOD may still play */
} SlRecordingState;

const char *sl_recording_state_to_string (SlRecordingState state);

typedef struct {
  char             *id;            /* "<class_id>-<n>" */
  gint64            class_id;
  guint             number;        /* n */
  char             *dir;           /* absolute */
  SlRecordingState  state;
  gint64            started_at;    /* unix seconds */
  gint64            ended_at;      /* 0 while recording */
  guint64           duration_ms;   /* sum of the segments */
  guint             n_segments;
  guint64           bytes;         /* segments */
  guint64           mp4_bytes;     /* 0 until exported */
  char             *error;         /* NULL unless FAILED (or recording stopped early) */
} SlRecording;

SlRecording *sl_recording_copy      (const SlRecording *rec);
void         sl_recording_free      (SlRecording       *rec);
/* {id, class_id, state, started_at, ended_at, duration_ms, size_bytes,
 *  playlist_url: "/recordings/<id>/vod.m3u8",
 *  mp4_url: "/recordings/<id>/recording.mp4" or null until ready, error} */
JsonNode    *sl_recording_to_json   (const SlRecording *rec);

/* Parses "<class_id>-<n>" (both positive, no leading zeros or signs). */
gboolean     sl_recording_id_parse  (const char        *id,
                                     gint64            *class_id,
                                     guint             *number);

/* Makes the next recording's directory for @class_id under @root
 * (<data_dir>/recordings) and writes its manifest (state RECORDING). */
SlRecording *sl_recording_create    (const char        *root,
                                     gint64             class_id,
                                     GError           **error);
/* Rewrites the manifest atomically (write to a temp file, rename). */
gboolean     sl_recording_save      (const SlRecording *rec,
                                     GError           **error);
SlRecording *sl_recording_load      (const char        *root,
                                     const char        *id,
                                     GError           **error);
/* Every recording of @class_id, oldest first (element-type SlRecording);
 * an empty array when none.  Unreadable manifests are skipped with a
 * warning. */
GPtrArray   *sl_recording_list      (const char        *root,
                                     gint64             class_id,
                                     GError           **error);

/* Ends @rec: writes vod.m3u8 with EXT-X-ENDLIST from the segments on disk,
 * sets PROCESSING, then remuxes the segments into recording.mp4
 * (tsdemux → h264parse/aacparse → mp4mux, faststart) off the main loop,
 * and sets READY or FAILED.  @rec is updated and saved; the callback runs
 * on the caller's main context.  @rec must stay alive until then.
 * Segment durations come from the vod.m3u8 the segmenter kept; segments
 * it does not list (a crash between writes) are measured, and unreadable
 * ones (cut short by the crash) are left out. */
void         sl_recording_finish_async  (SlRecording      *rec,
                                         GCancellable     *cancellable,
                                         GAsyncReadyCallback callback,
                                         gpointer          user_data);
gboolean     sl_recording_finish_finish (SlRecording      *rec,
                                         GAsyncResult     *result,
                                         GError          **error);

/* At start-up: every recording left RECORDING or PROCESSING (the server
 * stopped or crashed) is finished as above, in the background. */
void         sl_recording_recover_all   (const char       *root);
/* The same, telling when it is done: @n_recovered counts the recordings
 * that were finished (READY or FAILED). */
void         sl_recording_recover_all_async  (const char          *root,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
gboolean     sl_recording_recover_all_finish (GAsyncResult        *result,
                                              guint               *n_recovered,
                                              GError             **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlRecording, sl_recording_free)

G_END_DECLS
