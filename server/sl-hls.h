/* sl-hls.h: cuts one class's encoded stream into ~1 s MPEG-TS segments
 * (H.264 passed through, Opus → AAC) and writes its playlists
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>

G_BEGIN_DECLS

#define SL_HLS_TARGET_MS 1000       /* segment target; keyframes are asked for at this cadence */
#define SL_HLS_SPLIT_MS 1100        /* a segment may grow this long before a keyframe cuts it */
#define SL_HLS_SPARSE_KEYS_MS 1300  /* publisher keyframes further apart: ask for more */
#define SL_HLS_KEY_LEAD_MS 50       /* ask this much before the target (the round trip) */
#define SL_HLS_LIVE_WINDOW 6        /* segments in the live playlist */
#define SL_HLS_VOD_PLAYLIST "vod.m3u8"

#define SL_HLS_ERROR (sl_hls_error_quark ())

typedef enum {
  SL_HLS_ERROR_MISSING_PLUGIN,   /* a GStreamer element is not installed */
  SL_HLS_ERROR_PIPELINE,         /* an element could not be made, linked or started */
  SL_HLS_ERROR_IO,               /* the directory or a playlist could not be written */
  SL_HLS_ERROR_NO_SPACE,         /* the disk is full */
  SL_HLS_ERROR_STOPPED,          /* the segmenter already failed or finished */
  SL_HLS_ERROR_PARSE,            /* not a playlist this module wrote */
} SlHlsError;

GQuark       sl_hls_error_quark           (void);

/* Segment file names: "seg-%05u.ts", counting from 0. */
gboolean     sl_hls_segment_name_is_valid (const char *name);

typedef struct {
  guint    index;       /* 0, 1, 2… (also the media sequence number) */
  char    *name;        /* "seg-00012.ts", inside the segmenter's directory */
  guint64  duration_ns;
  guint64  size;        /* bytes */
  gboolean discont;     /* starts after a gap (publisher resumed) */
} SlHlsSegment;

SlHlsSegment *sl_hls_segment_copy         (const SlHlsSegment *segment);
void          sl_hls_segment_free         (SlHlsSegment       *segment);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlHlsSegment, sl_hls_segment_free)

#define SL_TYPE_SEGMENTER (sl_segmenter_get_type ())
G_DECLARE_FINAL_TYPE (SlSegmenter, sl_segmenter, SL, SEGMENTER, GObject)

/* Adds the segmenter's elements to @bin (which must be a running pipeline or
 * a bin in one) writing into @dir (created if missing):
 *   video sink: video/x-h264, stream-format=byte-stream, alignment=au;
 *   audio sink: audio/x-opus (decoded and encoded to AAC-LC 48 kHz stereo).
 * Each segment is cut at a keyframe, about every SL_HLS_TARGET_MS (at most
 * SL_HLS_SPLIT_MS unless keyframes are further apart); when the publisher's
 * keyframes are sparse, one is requested upstream at that cadence.
 * @keep_all: TRUE records (every segment stays, vod.m3u8 lists them all);
 * FALSE keeps only the live window (+2) on disk and writes no vod.m3u8.
 *
 * Signals (main context of the creator):
 *   "segment-added" (guint index)  a segment is complete on disk;
 *   "failed" (GError *error)  writing failed (e.g. the disk is full): the
 *       segmenter has stopped and removed its elements from the pipeline,
 *       the rest of the pipeline keeps running.
 *
 * Its sink pads never return an error to upstream (a tee keeps feeding the
 * other branches whatever happens here).  When it stops (failure, finish,
 * last unref) it unlinks its sink pads from their peers; the tee request
 * pads it was linked to are left to their owner to release. */
SlSegmenter *sl_segmenter_new              (GstBin        *bin,
                                            const char    *dir,
                                            gboolean       keep_all,
                                            GError       **error);
GstPad      *sl_segmenter_get_video_sink   (SlSegmenter   *self);
GstPad      *sl_segmenter_get_audio_sink   (SlSegmenter   *self);
const char  *sl_segmenter_get_dir          (SlSegmenter   *self);
gboolean     sl_segmenter_is_failed        (SlSegmenter   *self);
/* Complete segments so far, oldest first (element-type SlHlsSegment; a
 * deep copy).  With keep_all FALSE the older ones are no longer on disk. */
GPtrArray   *sl_segmenter_get_segments     (SlSegmenter   *self);
/* Whether @name is a complete segment that is still on disk. */
gboolean     sl_segmenter_has_segment      (SlSegmenter   *self,
                                            const char    *name);

/* For the pipeline's bus watch: TRUE when @msg comes from inside the
 * segmenter (it is then consumed: an ERROR stops the segmenter and emits
 * "failed"; the caller must not treat it as a pipeline error). */
gboolean     sl_segmenter_handle_message   (SlSegmenter   *self,
                                            GstMessage    *msg);

/* The live playlist: the last SL_HLS_LIVE_WINDOW segments, with
 * EXT-X-MEDIA-SEQUENCE, and EXT-X-ENDLIST once finished.  Segment URIs are
 * the file names with @uri_query appended when not NULL ("?exp=…&sig=…").
 * NULL until the first segment is complete. */
char        *sl_segmenter_live_playlist    (SlSegmenter   *self,
                                            const char    *uri_query);

/* Ends the stream into the segmenter (EOS on its branch), closes the last
 * segment and writes the final vod.m3u8 with EXT-X-ENDLIST; then removes
 * its elements.  Completes on the main context.  Fails with
 * SL_HLS_ERROR_STOPPED if the segmenter had failed (or was finished)
 * before; gives up waiting for the muxer after 10 s (what is on disk stays
 * listed).  @cancellable is not honoured once called: the stream is ended. */
void         sl_segmenter_finish_async     (SlSegmenter   *self,
                                            GCancellable  *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer       user_data);
gboolean     sl_segmenter_finish_finish    (SlSegmenter   *self,
                                            GAsyncResult  *result,
                                            GError       **error);

/* A playlist of @count @segments from position @first, with URIs as in
 * sl_segmenter_live_playlist(); the segments' longest duration rounded up
 * gives EXT-X-TARGETDURATION.  @vod adds EXT-X-PLAYLIST-TYPE (VOD when
 * @ended, else EVENT); @ended adds EXT-X-ENDLIST.  The media sequence is
 * the index of the first segment listed, the discontinuity sequence counts
 * the discontinuities before it.  Exposed for recordings and tests. */
char        *sl_hls_render_playlist        (GPtrArray     *segments,
                                            guint          first,
                                            guint          count,
                                            gboolean       vod,
                                            gboolean       ended,
                                            const char    *uri_query);

/* Reads back a playlist written by sl_hls_render_playlist() (used to
 * recover a recording after a crash): its segments, oldest first
 * (element-type SlHlsSegment; index from the file name, size 0, query
 * strings dropped), and whether it had EXT-X-ENDLIST.  A segment URI that is
 * not a valid segment name, or a bad EXTINF, is an error. */
GPtrArray   *sl_hls_parse_playlist         (const char    *text,
                                            gboolean      *ended,
                                            GError       **error);

G_END_DECLS
