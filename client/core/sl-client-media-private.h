/* sl-client-media-private.h: what the publisher and the viewer share inside
 * client/core: the WHIP/WHEP signalling of one SlPeer, error mapping
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "sl-api-client.h"
#include "sl-client-error.h"
#include "sl-client-media.h"
#include "sl-peer.h"

G_BEGIN_DECLS

/* One WHIP or WHEP session of @peer: offers (without waiting for ICE
 * gathering), POSTs the offer, applies the answer, then trickles the local
 * candidates by PATCH (application/trickle-ice-sdpfrag, as
 * simple-whip-client does) to the session's Location. */
typedef struct _SlMediaLink SlMediaLink;

SlMediaLink *_sl_media_link_new              (SlApiClient          *api,
                                              SlPeer               *peer);
/* @path: "/whip/<id>" or "/whep/<id>"; @recv_caps as for sl_peer_offer_async. */
void         _sl_media_link_negotiate_async  (SlMediaLink          *link,
                                              const char           *path,
                                              GstCaps *const       *recv_caps,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
gboolean     _sl_media_link_negotiate_finish (SlMediaLink          *link,
                                              GAsyncResult         *result,
                                              GError              **error);
const char  *_sl_media_link_get_location     (SlMediaLink          *link);
/* DELETE on the Location (best effort, not waited for) when there is one;
 * no PATCH is sent after it.  Idempotent. */
void         _sl_media_link_end              (SlMediaLink          *link);
/* Ends the session (as _sl_media_link_end) and drops the caller's
 * reference (a negotiation in flight keeps its own until it finishes). */
void         _sl_media_link_free             (SlMediaLink          *link);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlMediaLink, _sl_media_link_free)

/* @error (SL_MEDIA_ERROR, SL_CLIENT_ERROR or other) as an SL_CLIENT_ERROR:
 * missing plugins stay MISSING_PLUGIN, other media failures become MEDIA.
 * Takes @error. */
GError      *_sl_client_error_from_media     (GError               *error);

/* Checks @elements (NULL-terminated) with sl_media_check_elements(); the
 * error is SL_CLIENT_ERROR_MISSING_PLUGIN naming the Debian packages. */
gboolean     _sl_client_check_elements       (const char *const    *elements,
                                              GError              **error);

/* The running time of @buffer on @pad (its sticky segment), or
 * GST_CLOCK_TIME_NONE. */
GstClockTime _sl_buffer_running_time         (GstPad               *pad,
                                              GstBuffer            *buffer);

/* The test source's rhythm: a white frame and a beep at each whole second
 * of running time, the beep lasting BEEP_MS. */
#define SL_TEST_SOURCE_PERIOD   GST_SECOND
#define SL_TEST_SOURCE_BEEP     (100 * GST_MSECOND)
#define SL_TEST_SOURCE_BEEP_HZ  1000

G_END_DECLS
