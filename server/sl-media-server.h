/* sl-media-server.h: the live classes' media — WHIP ingest, WHEP viewers,
 * HLS and recording, one GStreamer pipeline per class being published
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "sl-config.h"
#include "sl-recording.h"

G_BEGIN_DECLS

#define SL_MEDIA_SERVER_ERROR (sl_media_server_error_quark ())

typedef enum {
  SL_MEDIA_SERVER_ERROR_BUSY,          /* the class has a publisher already */
  SL_MEDIA_SERVER_ERROR_OFFLINE,       /* nobody is publishing the class */
  SL_MEDIA_SERVER_ERROR_FULL,          /* the class has max-viewers WHEP viewers */
  SL_MEDIA_SERVER_ERROR_NO_SESSION,    /* no such WHIP/WHEP session */
} SlMediaServerError;

GQuark sl_media_server_error_quark (void);

/* How long without media from the publisher before the stream counts as
 * offline (its session is then ended). */
#define SL_MEDIA_PUBLISHER_TIMEOUT_MS 3000
#define SL_MEDIA_SEGMENT_CACHE 8         /* live segments kept in memory per class */

#define SL_TYPE_MEDIA_SERVER (sl_media_server_get_type ())
G_DECLARE_FINAL_TYPE (SlMediaServer, sl_media_server, SL, MEDIA_SERVER, GObject)

/* Checks that every GStreamer element needed exists (the error names the
 * Debian packages), makes <data_dir>/recordings and <data_dir>/live, and
 * finishes recordings a previous run left open.
 *
 * Signals (main context):
 *   "stream-changed" (gint64 class_id, gboolean online)  a publisher started
 *       sending or went away.  */
SlMediaServer *sl_media_server_new            (const SlConfig      *config,
                                               GError             **error);

/* WHIP: starts ingesting the SDP @offer for @class_id; answers with the SDP
 * answer (all candidates included) and the session id for the Location.
 * Errors: SL_MEDIA_ERROR_SDP_* (a bad offer), SL_MEDIA_SERVER_ERROR_BUSY. */
void           sl_media_server_publish_async  (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *offer,
                                               gsize                offer_len,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char          *sl_media_server_publish_finish (SlMediaServer       *self,
                                               GAsyncResult        *result,
                                               char               **session_id,
                                               GError             **error);
/* WHEP: a viewer of @class_id.  Errors: SL_MEDIA_ERROR_SDP_*,
 * SL_MEDIA_SERVER_ERROR_OFFLINE, SL_MEDIA_SERVER_ERROR_FULL. */
void           sl_media_server_watch_async    (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *offer,
                                               gsize                offer_len,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char          *sl_media_server_watch_finish   (SlMediaServer       *self,
                                               GAsyncResult        *result,
                                               char               **session_id,
                                               GError             **error);
/* Trickle (PATCH with an SDP fragment): adds the a=candidate lines of
 * @fragment to the session. */
gboolean       sl_media_server_add_candidates (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *session_id,
                                               const char          *fragment,
                                               GError             **error);
/* DELETE on the Location: ends a WHIP session (the stream goes offline, the
 * class stays live) or a WHEP viewer. */
gboolean       sl_media_server_end_session    (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *session_id,
                                               GError             **error);
/* The class ended: its publisher and viewers are dropped, its recording is
 * finished. */
void           sl_media_server_end_class      (SlMediaServer       *self,
                                               gint64               class_id);

gboolean       sl_media_server_is_online      (SlMediaServer       *self,
                                               gint64               class_id);
/* What the media side knows of the class (whether its HLS is open to
 * anyone); call after publishing and whenever the class changes. */
void           sl_media_server_update_class   (SlMediaServer       *self,
                                               gint64               class_id,
                                               gboolean             is_public);
/* FALSE also when the class is not being published. */
gboolean       sl_media_server_is_public      (SlMediaServer       *self,
                                               gint64               class_id);
/* Counts a web viewer page (an id it made up) as watching @class_id now;
 * returns how many distinct pages polled in the last 10 s. */
guint          sl_media_server_touch_web_viewer (SlMediaServer     *self,
                                               gint64               class_id,
                                               const char          *viewer);
guint          sl_media_server_get_n_viewers  (SlMediaServer       *self,
                                               gint64               class_id);
/* The live HLS playlist (NULL until the first segment), with @uri_query on
 * its segment URIs, and the directory its segments are in. */
char          *sl_media_server_live_playlist  (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *uri_query);
/* A complete live segment's bytes (NULL: not a complete segment on disk,
 * or unreadable). The newest SL_MEDIA_SEGMENT_CACHE are kept in memory per
 * class, since every player asks for the same few. Main context only. */
GBytes        *sl_media_server_segment_bytes  (SlMediaServer       *self,
                                               gint64               class_id,
                                               const char          *name);
const char    *sl_media_server_get_recordings_dir (SlMediaServer   *self);

/* Ends every session and waits (a bounded time) for recordings to close. */
void           sl_media_server_shutdown       (SlMediaServer       *self);

G_END_DECLS
