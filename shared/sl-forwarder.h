/* sl-forwarder.h: one encoded H.264 + Opus input, any number of WebRTC
 * outputs, never decoded or re-encoded
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "sl-peer.h"

G_BEGIN_DECLS

#define SL_FORWARDER_KEYFRAME_INTERVAL_MS 1000  /* at most one request upstream per second */
#define SL_FORWARDER_QUEUE_MS 500               /* per output; older data is dropped */

#define SL_TYPE_FORWARDER (sl_forwarder_get_type ())
G_DECLARE_FINAL_TYPE (SlForwarder, sl_forwarder, SL, FORWARDER, GObject)

typedef struct _SlForwarderOutput SlForwarderOutput;

/* Adds its elements (a tee for each stream) to @bin.  Link encoded media
 * into the two sink pads:
 *   video: video/x-h264, stream-format=byte-stream, alignment=au (the SPS/PPS
 *          in band before each keyframe: h264parse config-interval=-1);
 *   audio: audio/x-opus.
 * A stream that is never linked simply has no data. */
SlForwarder       *sl_forwarder_new                (GstBin             *bin,
                                                    const char         *name);
GstPad            *sl_forwarder_get_video_sink     (SlForwarder        *self);
GstPad            *sl_forwarder_get_audio_sink     (SlForwarder        *self);

/* Adds an output feeding @peer's webrtcbin (which must live in the same bin):
 * queue (leaky, SL_FORWARDER_QUEUE_MS) → payloader → a webrtcbin sink pad
 * with the payload types given (from the remote offer; -1 leaves a stream
 * out).  The output passes nothing until the next keyframe, and asks
 * upstream for one at once (rate limited).  A slow or dead output drops its
 * own data and never stalls the others.  Call before answering the offer. */
SlForwarderOutput *sl_forwarder_add_output         (SlForwarder        *self,
                                                    SlPeer             *peer,
                                                    int                 h264_pt,
                                                    const char         *h264_fmtp,
                                                    int                 opus_pt,
                                                    GError            **error);
/* Unlinks and removes the output's elements (not the peer).  Main context
 * only.  Frees @output. */
void               sl_forwarder_remove_output      (SlForwarder        *self,
                                                    SlForwarderOutput  *output);
guint              sl_forwarder_get_n_outputs      (SlForwarder        *self);
/* Buffers the output's queues have dropped. */
guint64            sl_forwarder_output_get_dropped (SlForwarderOutput  *output);

/* Asks upstream (in the end, the publisher) for a keyframe; calls within
 * SL_FORWARDER_KEYFRAME_INTERVAL_MS of the last request are coalesced into
 * one at the end of the interval.  Keyframe requests from outputs (PLI from
 * viewers) go through the same limit.  Thread safe. */
void               sl_forwarder_request_keyframe   (SlForwarder        *self);
/* How many requests actually went upstream (for tests). */
guint              sl_forwarder_get_keyframe_requests (SlForwarder     *self);

/* Removes every output and the forwarder's own elements from the bin. */
void               sl_forwarder_close              (SlForwarder        *self);

G_END_DECLS
