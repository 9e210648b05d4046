/* sl-client-error.h: what can go wrong for a client, in words a user reads
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define SL_CLIENT_ERROR (sl_client_error_quark ())

typedef enum {
  SL_CLIENT_ERROR_UNREACHABLE,      /* no answer from the server (DNS, refused, timeout) */
  SL_CLIENT_ERROR_BAD_CREDENTIALS,  /* wrong user name or password */
  SL_CLIENT_ERROR_SIGNED_OUT,       /* the session ended (refresh refused): sign in again */
  SL_CLIENT_ERROR_FORBIDDEN,        /* signed in, but not allowed */
  SL_CLIENT_ERROR_NOT_FOUND,        /* no such class (or other thing) */
  SL_CLIENT_ERROR_NOT_LIVE,         /* the class is not live */
  SL_CLIENT_ERROR_OFFLINE,          /* live, but nobody is publishing right now */
  SL_CLIENT_ERROR_BUSY,             /* someone else publishes; too many viewers */
  SL_CLIENT_ERROR_REFUSED,          /* any other 4xx; the message is the server's */
  SL_CLIENT_ERROR_SERVER,           /* 5xx */
  SL_CLIENT_ERROR_PROTOCOL,         /* an answer this client cannot read */
  SL_CLIENT_ERROR_MISSING_DEVICE,   /* no camera, screen or microphone to capture */
  SL_CLIENT_ERROR_MISSING_PLUGIN,   /* a GStreamer element is missing; names the package */
  SL_CLIENT_ERROR_MEDIA,            /* the media pipeline or the WebRTC link failed */
} SlClientError;

GQuark sl_client_error_quark (void);

/* The process exit status streamlet-edge uses for @error (1 for errors of
 * other domains); distinct per SlClientError, documented in --help. */
int    sl_client_error_exit_code (const GError *error);

G_END_DECLS
