/* sl-protocol.h: the real-time protocol's messages (docs/protocol.md):
 * strict parsing of what clients send, and the error replies
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SL_PROTOCOL_ERROR (sl_protocol_error_quark ())

/* Each has a stable wire code (sl_protocol_error_code()). */
typedef enum {
  SL_PROTOCOL_ERROR_INVALID_MESSAGE,     /* "invalid_message" */
  SL_PROTOCOL_ERROR_UNKNOWN_TYPE,        /* "unknown_type" */
  SL_PROTOCOL_ERROR_TOO_LARGE,           /* "too_large" */
  SL_PROTOCOL_ERROR_RATE_LIMITED,        /* "rate_limited" */
  SL_PROTOCOL_ERROR_NOT_FOUND,           /* "not_found" */
  SL_PROTOCOL_ERROR_NOT_MEMBER,          /* "not_member" */
  SL_PROTOCOL_ERROR_NOT_LIVE,            /* "not_live" */
  SL_PROTOCOL_ERROR_CLASS_CLOSED,        /* "class_closed" */
  SL_PROTOCOL_ERROR_FORBIDDEN,           /* "forbidden" */
  SL_PROTOCOL_ERROR_MUTED,               /* "muted" */
  SL_PROTOCOL_ERROR_RECIPIENT_NOT_FOUND, /* "recipient_not_found" */
  SL_PROTOCOL_ERROR_INVALID_STATE,       /* "invalid_state" */
  SL_PROTOCOL_ERROR_INTERNAL,            /* "internal_error" */
} SlProtocolError;

GQuark      sl_protocol_error_quark (void);
const char *sl_protocol_error_code  (SlProtocolError code);

#define SL_PROTOCOL_MAX_MESSAGE (65 * 1024)   /* one whole message, bytes */
#define SL_PROTOCOL_MAX_SIGNAL  (64 * 1024)   /* signal.data serialised, bytes */
#define SL_PROTOCOL_MAX_REF     64
#define SL_PROTOCOL_CHAT_MAX    2000          /* characters */

typedef enum {
  SL_MSG_JOIN,
  SL_MSG_LEAVE,
  SL_MSG_CHAT,
  SL_MSG_CHAT_DELETE,
  SL_MSG_MUTE,
  SL_MSG_UNMUTE,
  SL_MSG_HAND_RAISE,
  SL_MSG_HAND_LOWER,
  SL_MSG_HAND_DISMISS,
  SL_MSG_STAGE_INVITE,
  SL_MSG_STAGE_ACCEPT,
  SL_MSG_STAGE_DECLINE,
  SL_MSG_STAGE_END,
  SL_MSG_SIGNAL,
  SL_MSG_PING,
} SlMessageType;

const char *sl_message_type_to_string (SlMessageType type);

/* A message from a client, checked against docs/protocol.md: every field
 * its type needs is there, of the right type and size, and no other. */
typedef struct {
  SlMessageType type;
  char         *ref;          /* NULL when not given */
  gint64        class_id;     /* every type but ping */
  gint64        user_id;      /* mute, unmute, hand_dismiss */
  gint64        to;           /* signal, stage_invite; stage_end (0: oneself) */
  gint64        message_id;   /* chat_delete */
  char         *text;         /* chat */
  JsonNode     *data;         /* signal: an object */
} SlClientMessage;

void             sl_client_message_free  (SlClientMessage *message);
/* On failure, *ref (nullable) still receives the message's ref when it
 * could be read, so the error reply can carry it. */
SlClientMessage *sl_client_message_parse (const char      *data,
                                          gsize            length,
                                          char           **ref,
                                          GError         **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlClientMessage, sl_client_message_free)

/* {"type":"error","code":…,"message":…[,"ref":…]} */
char            *sl_protocol_error_json  (SlProtocolError  code,
                                          const char      *message,
                                          const char      *ref,
                                          gsize           *length);

G_END_DECLS
