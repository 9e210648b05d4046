/* sl-http.h: one API request in flight, and the JSON replies to it
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "sl-jwt.h"

G_BEGIN_DECLS

typedef struct _SlServer SlServer;

#define SL_REQUEST_MAX_KEYS 2

/* A request being served.  The message stays paused until one of the
 * sl_request_reply*() calls, which sends the answer and frees the request:
 * every path through a handler ends in exactly one of them. */
typedef struct {
  SlServer          *server;
  SoupServerMessage *msg;
  SlJwtClaims       *claims;          /* NULL on public routes */
  gint64             id;              /* the {id} of the path, 0 if none */
  char              *keys[SL_REQUEST_MAX_KEYS]; /* the {key}s of the path, in order */
  JsonObject        *body;            /* the JSON body of POST/PATCH/PUT, else NULL */
  char              *client_address;
} SlRequest;

SlRequest *sl_request_new            (SlServer          *server,
                                      SoupServerMessage *msg);

/* @node (transfer full, nullable) is sent under @member ({"user": node}),
 * or as the whole body when @member is NULL. */
void       sl_request_reply          (SlRequest   *req,
                                      guint        status,
                                      const char  *member,
                                      JsonNode    *node);
void       sl_request_reply_empty    (SlRequest   *req,
                                      guint        status);
/* Any other body: @content_type, @body (transfer none). */
void       sl_request_reply_bytes    (SlRequest   *req,
                                      guint        status,
                                      const char  *content_type,
                                      GBytes      *body);
void       sl_request_reply_error    (SlRequest   *req,
                                      guint        status,
                                      const char  *code,
                                      const char  *format,
                                      ...) G_GNUC_PRINTF (4, 5);
/* Maps the error domains of the server onto statuses and stable codes;
 * failures of the store are logged and answered without their detail. */
void       sl_request_reply_gerror   (SlRequest    *req,
                                      const GError *error);

/* Error replies for messages that never became an SlRequest. */
void       sl_http_set_error         (SoupServerMessage *msg,
                                      guint              status,
                                      const char        *code,
                                      const char        *message);

G_END_DECLS
