/* sl-client-media.h: what the publisher and the viewer share: their state
 * and the figures they report
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  SL_MEDIA_IDLE,
  SL_MEDIA_CONNECTING,
  SL_MEDIA_CONNECTED,
  SL_MEDIA_RECONNECTING,   /* viewer: the stream went away, trying again */
  SL_MEDIA_STOPPED,
  SL_MEDIA_FAILED,
} SlMediaState;

const char *sl_media_state_to_string (SlMediaState state);

typedef struct {
  /* the WebRTC link (webrtcbin's stats, summed over the streams) */
  double   video_kbps;           /* sent (publisher) or received (viewer), last second */
  double   audio_kbps;
  guint64  bytes;                /* since start */
  gint64   packets_lost;
  double   loss_percent;         /* last second */
  double   jitter_ms;
  double   rtt_ms;
  /* the viewer's decoding */
  guint64  frames_decoded;
  guint64  frames_dropped;       /* late or undecodable */
  guint    freezes;              /* gaps of more than 500 ms between frames */
  gint64   first_frame_ms;       /* start to first decoded frame; -1: none yet */
  guint    reconnects;
  /* publisher */
  guint64  frames_sent;
  guint    keyframe_requests;    /* PLI/FIR received */
} SlMediaStats;

G_END_DECLS
