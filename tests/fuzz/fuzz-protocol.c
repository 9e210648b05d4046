/* fuzz-protocol.c: the real-time protocol's client message parser on arbitrary bytes
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-protocol"

#include "config.h"

#include "sl-fuzz.h"
#include "sl-json.h"
#include "sl-protocol.h"

#include <stdlib.h>
#include <string.h>

#define MAX_ID (G_GINT64_CONSTANT (1) << 53)

static gboolean
id_ok (gint64 id)
{
  return id >= 1 && id <= MAX_ID;
}

/* An error reply for @error must be a JSON object the client can read back. */
static void
check_error_reply (const GError *error,
                   const char   *ref)
{
  g_autoptr(JsonObject) object = NULL;
  g_autofree char *reply = NULL;
  gsize length = 0;

  reply = sl_protocol_error_json (error->code, error->message, ref, &length);
  if (reply == NULL || length != strlen (reply))
    abort ();
  object = sl_json_parse_object (reply, length, NULL);
  if (object == NULL ||
      g_strcmp0 (json_object_get_string_member (object, "code"),
                 sl_protocol_error_code (error->code)) != 0 ||
      g_strcmp0 (json_object_get_string_member (object, "message"), error->message) != 0 ||
      g_strcmp0 (json_object_get_string_member_with_default (object, "ref", NULL), ref) != 0)
    abort ();
}

/* What the parser accepted must be what docs/protocol.md allows. */
static void
check_message (const SlClientMessage *message,
               const char            *ref)
{
  const char *name = sl_message_type_to_string (message->type);
  gboolean has_user = FALSE, has_to = FALSE, has_message_id = FALSE;

  if (name == NULL || g_strcmp0 (message->ref, ref) != 0)
    abort ();
  if (message->ref != NULL &&
      (!g_utf8_validate (message->ref, -1, NULL) ||
       g_utf8_strlen (message->ref, -1) < 1 ||
       g_utf8_strlen (message->ref, -1) > SL_PROTOCOL_MAX_REF))
    abort ();

  switch (message->type)
    {
    case SL_MSG_PING:
      if (message->class_id != 0)
        abort ();
      break;
    case SL_MSG_MUTE:
    case SL_MSG_UNMUTE:
    case SL_MSG_HAND_DISMISS:
      has_user = TRUE;
      break;
    case SL_MSG_STAGE_INVITE:
    case SL_MSG_SIGNAL:
      has_to = TRUE;
      break;
    case SL_MSG_CHAT_DELETE:
      has_message_id = TRUE;
      break;
    case SL_MSG_STAGE_END:
      if (message->to != 0 && !id_ok (message->to))
        abort ();
      break;
    case SL_MSG_JOIN:
    case SL_MSG_LEAVE:
    case SL_MSG_CHAT:
    case SL_MSG_HAND_RAISE:
    case SL_MSG_HAND_LOWER:
    case SL_MSG_STAGE_ACCEPT:
    case SL_MSG_STAGE_DECLINE:
    default:
      break;
    }

  if (message->type != SL_MSG_PING && !id_ok (message->class_id))
    abort ();
  if (has_user != (message->user_id != 0) || (has_user && !id_ok (message->user_id)))
    abort ();
  if (has_message_id != (message->message_id != 0) ||
      (has_message_id && !id_ok (message->message_id)))
    abort ();
  if (has_to && !id_ok (message->to))
    abort ();
  if (!has_to && message->type != SL_MSG_STAGE_END && message->to != 0)
    abort ();

  if ((message->type == SL_MSG_CHAT) != (message->text != NULL))
    abort ();
  if (message->text != NULL)
    {
      glong n = g_utf8_strlen (message->text, -1);

      if (!g_utf8_validate (message->text, -1, NULL) || n < 1 || n > SL_PROTOCOL_CHAT_MAX)
        abort ();
    }

  if ((message->type == SL_MSG_SIGNAL) != (message->data != NULL))
    abort ();
  if (message->data != NULL)
    {
      g_autofree char *text = NULL;
      g_autoptr(JsonObject) again = NULL;
      gsize length = 0;

      /* Relayed as the hub does: it must fit and be JSON the peer can read. */
      if (!JSON_NODE_HOLDS_OBJECT (message->data))
        abort ();
      text = sl_json_node_to_string (message->data, &length);
      if (length > SL_PROTOCOL_MAX_SIGNAL)
        abort ();
      again = sl_json_parse_object (text, length, NULL);
      if (again == NULL)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;

  message = sl_client_message_parse ((const char *) data, size, &ref, &error);
  if ((message == NULL) == (error == NULL))
    abort ();

  if (message == NULL)
    {
      if (error->domain != SL_PROTOCOL_ERROR || error->message == NULL ||
          !g_utf8_validate (error->message, -1, NULL))
        abort ();
      if (error->code != SL_PROTOCOL_ERROR_INVALID_MESSAGE &&
          error->code != SL_PROTOCOL_ERROR_UNKNOWN_TYPE &&
          error->code != SL_PROTOCOL_ERROR_TOO_LARGE)
        abort ();
      check_error_reply (error, ref);
      return 0;
    }

  check_message (message, ref);

  /* A message without its ref parses on its own too. */
  {
    g_autoptr(SlClientMessage) again = NULL;
    g_autoptr(JsonObject) object = json_object_new ();
    g_autoptr(JsonNode) node = NULL;
    g_autofree char *text = NULL;
    gsize length = 0;

    json_object_set_string_member (object, "type", sl_message_type_to_string (message->type));
    if (message->class_id != 0)
      json_object_set_int_member (object, "class_id", message->class_id);
    if (message->user_id != 0)
      json_object_set_int_member (object, "user_id", message->user_id);
    if (message->to != 0)
      json_object_set_int_member (object, "to", message->to);
    if (message->message_id != 0)
      json_object_set_int_member (object, "message_id", message->message_id);
    if (message->text != NULL)
      json_object_set_string_member (object, "text", message->text);
    if (message->data != NULL)
      json_object_set_member (object, "data", json_node_copy (message->data));
    node = json_node_init_object (json_node_alloc (), object);
    text = sl_json_node_to_string (node, &length);

    if (length <= SL_PROTOCOL_MAX_MESSAGE)
      {
        again = sl_client_message_parse (text, length, NULL, NULL);
        if (again == NULL || again->type != message->type ||
            again->class_id != message->class_id || again->user_id != message->user_id ||
            again->to != message->to || again->message_id != message->message_id ||
            g_strcmp0 (again->text, message->text) != 0 || again->ref != NULL)
          abort ();
      }
  }

  return 0;
}
