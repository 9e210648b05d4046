/* sl-sdp.h: strict checks on SDP offers from outside, and codec choice
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/sdp/sdp.h>

#include "sl-media.h"

G_BEGIN_DECLS

#define SL_SDP_MAX_SIZE (64 * 1024)

typedef enum {
  SL_SDP_NEED_SEND    = 1 << 0,   /* the offerer must send media (WHIP) */
  SL_SDP_NEED_RECEIVE = 1 << 1,   /* the offerer must receive media (WHEP) */
} SlSdpNeeds;

/* What an accepted offer carries. */
typedef struct {
  GstSDPMessage *sdp;             /* the parsed offer */
  int            video_mline;     /* -1: none */
  int            audio_mline;     /* -1: none */
  int            h264_pt;         /* the H.264 payload type chosen (packetization-mode=1,
                                   * constrained baseline preferred), -1: none */
  int            opus_pt;         /* -1: none */
  char          *h264_fmtp;       /* the chosen H.264 format parameters, or NULL */
  gboolean       trickle;         /* "a=ice-options:trickle" */
} SlSdpOffer;

/* Parses and checks @text (@length bytes, not necessarily NUL-terminated):
 * at most SL_SDP_MAX_SIZE, valid SDP, a DTLS fingerprint and ICE
 * credentials (session or every media level), every m= line
 * UDP/TLS/RTP/SAVPF (or "0" port, rejected), at least one of H.264 (mode 1)
 * and Opus with the direction @needs asks for. Errors: SL_MEDIA_ERROR_SDP_*,
 * with a message a client developer can act on. */
SlSdpOffer *sl_sdp_offer_parse   (const char   *text,
                                  gsize         length,
                                  SlSdpNeeds    needs,
                                  GError      **error);
void        sl_sdp_offer_free    (SlSdpOffer   *offer);

/* The caps for a webrtcbin request pad that sends H.264 / Opus with the
 * payload type @pt (for a forwarder output answering an offer). */
GstCaps    *sl_sdp_h264_rtp_caps (int           pt,
                                  const char   *fmtp);
GstCaps    *sl_sdp_opus_rtp_caps (int           pt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlSdpOffer, sl_sdp_offer_free)

G_END_DECLS
