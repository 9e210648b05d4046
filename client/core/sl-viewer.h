/* sl-viewer.h: watches a class by WHEP: decodes for display (frames handed
 * to a callback the UI renders, audio to the speakers) or, for relays and
 * benchmarks, only receives; rides out a lost stream or server restart
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "sl-api-client.h"
#include "sl-client-media.h"

G_BEGIN_DECLS

typedef struct {
  gboolean decode;         /* FALSE: receive and count, decode nothing */
  gboolean audio_out;      /* decode: play the audio (autoaudiosink) */
  guint    latency_ms;     /* jitter buffer; 0: 100 ms */
} SlViewerOptions;

/* Called on a streaming thread for each decoded video frame (RGBA; the
 * sample's caps give the size); the sample is only borrowed. */
typedef void (*SlViewerFrameFunc) (GstSample *sample,
                                   gpointer   user_data);

#define SL_TYPE_VIEWER (sl_viewer_get_type ())
G_DECLARE_FINAL_TYPE (SlViewer, sl_viewer, SL, VIEWER, GObject)

SlViewer      *sl_viewer_new            (SlApiClient            *api,
                                         gint64                  class_id,
                                         const SlViewerOptions  *options,
                                         const char *const      *ice_addresses);
void           sl_viewer_set_frame_func (SlViewer               *self,
                                         SlViewerFrameFunc       func,
                                         gpointer                user_data,
                                         GDestroyNotify          destroy);
/* POST /whep/<id>; resolves once connected (or with NOT_LIVE, OFFLINE,
 * BUSY, …). After that the viewer keeps itself watching: when the link
 * fails or the stream goes offline it goes RECONNECTING and asks again
 * (1 s, doubling to 8 s) until sl_viewer_stop(). */
void           sl_viewer_start_async    (SlViewer               *self,
                                         GCancellable           *cancellable,
                                         GAsyncReadyCallback     callback,
                                         gpointer                user_data);
gboolean       sl_viewer_start_finish   (SlViewer               *self,
                                         GAsyncResult           *result,
                                         GError                **error);
void           sl_viewer_stop           (SlViewer               *self);
SlMediaState   sl_viewer_get_state      (SlViewer               *self);
void           sl_viewer_get_stats      (SlViewer               *self,
                                         SlMediaStats           *stats);
/* The speakers' volume (0–1, clamped) and mute (audio_out only); kept
 * for the streams of later reconnections too. Default: 1, not muted. */
void           sl_viewer_set_volume     (SlViewer               *self,
                                         double                  volume,
                                         gboolean                muted);
/* Audio/video offset of the test source's beep against its flash, as
 * decoded (positive: audio late), median of the last 10; FALSE until
 * three were seen. For tests and `streamlet-edge watch --json`. */
gboolean       sl_viewer_get_av_offset  (SlViewer               *self,
                                         double                 *offset_ms);

/* Signals:
 *   "state-changed" (SlMediaState)
 *   "first-frame" ()
 *   "error" (GError *)  only when it gives up (stop or a refusal that
 *       retrying cannot fix: FORBIDDEN, NOT_FOUND, SIGNED_OUT) */

G_END_DECLS
