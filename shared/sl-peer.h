/* sl-peer.h: one WebRTC peer connection around webrtcbin
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>
#include <gio/gio.h>

#include "sl-media.h"

G_BEGIN_DECLS

typedef enum {
  SL_PEER_NEW,
  SL_PEER_CONNECTING,
  SL_PEER_CONNECTED,
  SL_PEER_DISCONNECTED,     /* ICE lost the path; may come back */
  SL_PEER_FAILED,
  SL_PEER_CLOSED,
} SlPeerState;

const char *sl_peer_state_to_string (SlPeerState state);

/* Figures from webrtcbin's get-stats, summed over the streams. */
typedef struct {
  guint64 bytes_sent;
  guint64 bytes_received;
  guint64 packets_sent;
  guint64 packets_received;
  gint64  packets_lost;
  double  jitter_ms;        /* inbound, largest stream; 0 when unknown */
  double  rtt_ms;           /* from RTCP; 0 when unknown */
  guint   pli_received;     /* keyframe requests from the remote */
  guint   nack_received;
} SlPeerStats;

#define SL_TYPE_PEER (sl_peer_get_type ())
G_DECLARE_FINAL_TYPE (SlPeer, sl_peer, SL, PEER, GObject)

/* Adds a webrtcbin named @name to @bin (a pipeline or a bin in one) and
 * brings it to @bin's state.  @ice_addresses (NULL-terminated IPs, nullable):
 * the only local addresses ICE may gather and use (tests and benchmarks pin
 * 127.0.0.1); NULL lets ICE use every interface.  TCP candidates are off.
 * Signals and callbacks are delivered on the thread-default main context of
 * the caller of sl_peer_new().
 *
 * Signals:
 *   "state-changed" (SlPeerState)
 *   "ice-candidate" (guint mline, const char *candidate)  local, for trickle
 *   "pad-added" (GstPad *pad)  a new incoming stream (src pad of webrtcbin,
 *       RTP caps); emitted on a streaming thread, link it there. */
SlPeer      *sl_peer_new                 (GstBin              *bin,
                                          const char          *name,
                                          const char *const   *ice_addresses);
GstElement  *sl_peer_get_webrtcbin       (SlPeer              *self);
SlPeerState  sl_peer_get_state           (SlPeer              *self);

/* Answerer: sets @offer_sdp as the remote description, creates and sets the
 * answer, and (when @wait_for_gathering) waits until ICE gathering is done so
 * the answer carries every candidate (non-trickle, as WHIP/WHEP need).
 * Sink pads that should send must be requested and linked before this. */
void         sl_peer_answer_async        (SlPeer              *self,
                                          const char          *offer_sdp,
                                          gboolean             wait_for_gathering,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char        *sl_peer_answer_finish       (SlPeer              *self,
                                          GAsyncResult        *result,
                                          GError             **error);

/* Offerer: adds a recvonly transceiver for each of @recv_caps (nullable,
 * NULL-terminated array of RTP caps, for a viewer) to the sink pads already
 * linked (for a publisher), creates and sets the offer, and waits for
 * gathering when asked. */
void         sl_peer_offer_async         (SlPeer              *self,
                                          GstCaps *const      *recv_caps,
                                          gboolean             wait_for_gathering,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
char        *sl_peer_offer_finish        (SlPeer              *self,
                                          GAsyncResult        *result,
                                          GError             **error);
gboolean     sl_peer_set_answer          (SlPeer              *self,
                                          const char          *answer_sdp,
                                          GError             **error);

/* Trickle: a remote candidate ("candidate:…" or "a=candidate:…"; an empty
 * string marks the end of candidates). */
gboolean     sl_peer_add_ice_candidate   (SlPeer              *self,
                                          guint                mline,
                                          const char          *candidate,
                                          GError             **error);

void         sl_peer_get_stats_async     (SlPeer              *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
gboolean     sl_peer_get_stats_finish    (SlPeer              *self,
                                          GAsyncResult        *result,
                                          SlPeerStats         *stats,
                                          GError             **error);

/* Stops the webrtcbin, releases its request pads (unlinking their peers) and
 * removes it from the bin.  Idempotent; state becomes SL_PEER_CLOSED; no
 * signal is emitted after it returns.  Call it from the main context, never
 * from a streaming thread.  Disposing the peer closes it. */
void         sl_peer_close               (SlPeer              *self);

G_END_DECLS
