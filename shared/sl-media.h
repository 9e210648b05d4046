/* sl-media.h: the media helpers' error domain and GStreamer start-up checks
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define SL_MEDIA_ERROR (sl_media_error_quark ())

typedef enum {
  SL_MEDIA_ERROR_MISSING_PLUGIN,   /* a GStreamer element is not installed */
  SL_MEDIA_ERROR_SDP_INVALID,      /* not SDP, or too large */
  SL_MEDIA_ERROR_SDP_INSECURE,     /* no DTLS fingerprint, or not UDP/TLS/RTP/SAVPF */
  SL_MEDIA_ERROR_SDP_NO_CODEC,     /* no H.264 (packetization-mode 1) or no Opus */
  SL_MEDIA_ERROR_NEGOTIATION,      /* webrtcbin refused the description */
  SL_MEDIA_ERROR_PIPELINE,         /* an element could not be made, linked or started */
  SL_MEDIA_ERROR_CLOSED,           /* the peer or pipeline went away */
} SlMediaError;

GQuark      sl_media_error_quark        (void);

/* Initialises GStreamer once (idempotent, thread safe). */
void        sl_media_init               (void);

/* Checks that every element named in @elements (NULL-terminated) can be made.
 * On failure the error (SL_MEDIA_ERROR_MISSING_PLUGIN) names every missing
 * element and the Debian package that ships it, e.g.
 * "missing GStreamer elements: x264enc (install gstreamer1.0-plugins-ugly)". */
gboolean    sl_media_check_elements     (const char *const *elements,
                                         GError           **error);
/* The Debian 12 package that ships @element, or NULL when unknown. */
const char *sl_media_element_package    (const char        *element);

/* What the server needs: webrtcbin and its DTLS/SRTP/ICE parts, the RTP
 * (de)payloaders, h264parse, opus decode, AAC encode, mpegtsmux,
 * splitmuxsink, tsdemux, mp4mux… NULL-terminated. */
const char *const *sl_media_server_elements (void);

G_END_DECLS
