/* sl-protocol.c: the real-time protocol's messages (docs/protocol.md):
 * strict parsing of what clients send, and the error replies
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-protocol"

#include "config.h"

#include "sl-protocol.h"

#include "sl-json.h"

#include <string.h>

G_DEFINE_QUARK (sl-protocol-error-quark, sl_protocol_error)

/* Ids are positive and stay exact in a JavaScript number. */
#define MAX_ID (G_GINT64_CONSTANT (1) << 53)

static const char * const error_codes[] = {
  [SL_PROTOCOL_ERROR_INVALID_MESSAGE]     = "invalid_message",
  [SL_PROTOCOL_ERROR_UNKNOWN_TYPE]        = "unknown_type",
  [SL_PROTOCOL_ERROR_TOO_LARGE]           = "too_large",
  [SL_PROTOCOL_ERROR_RATE_LIMITED]        = "rate_limited",
  [SL_PROTOCOL_ERROR_NOT_FOUND]           = "not_found",
  [SL_PROTOCOL_ERROR_NOT_MEMBER]          = "not_member",
  [SL_PROTOCOL_ERROR_NOT_LIVE]            = "not_live",
  [SL_PROTOCOL_ERROR_CLASS_CLOSED]        = "class_closed",
  [SL_PROTOCOL_ERROR_FORBIDDEN]           = "forbidden",
  [SL_PROTOCOL_ERROR_MUTED]               = "muted",
  [SL_PROTOCOL_ERROR_RECIPIENT_NOT_FOUND] = "recipient_not_found",
  [SL_PROTOCOL_ERROR_INVALID_STATE]       = "invalid_state",
  [SL_PROTOCOL_ERROR_INTERNAL]            = "internal_error",
};
G_STATIC_ASSERT (G_N_ELEMENTS (error_codes) == SL_PROTOCOL_ERROR_INTERNAL + 1);

/* The fields a message type takes besides "type" and "ref". */
enum {
  FIELD_CLASS_ID    = 1 << 0,
  FIELD_USER_ID     = 1 << 1,
  FIELD_TO          = 1 << 2,
  FIELD_TO_OPTIONAL = 1 << 3,
  FIELD_MESSAGE_ID  = 1 << 4,
  FIELD_TEXT        = 1 << 5,
  FIELD_DATA        = 1 << 6,
};

static const struct {
  const char *name;
  guint       fields;
} message_types[] = {
  [SL_MSG_JOIN]          = { "join",          FIELD_CLASS_ID },
  [SL_MSG_LEAVE]         = { "leave",         FIELD_CLASS_ID },
  [SL_MSG_CHAT]          = { "chat",          FIELD_CLASS_ID | FIELD_TEXT },
  [SL_MSG_CHAT_DELETE]   = { "chat_delete",   FIELD_CLASS_ID | FIELD_MESSAGE_ID },
  [SL_MSG_MUTE]          = { "mute",          FIELD_CLASS_ID | FIELD_USER_ID },
  [SL_MSG_UNMUTE]        = { "unmute",        FIELD_CLASS_ID | FIELD_USER_ID },
  [SL_MSG_HAND_RAISE]    = { "hand_raise",    FIELD_CLASS_ID },
  [SL_MSG_HAND_LOWER]    = { "hand_lower",    FIELD_CLASS_ID },
  [SL_MSG_HAND_DISMISS]  = { "hand_dismiss",  FIELD_CLASS_ID | FIELD_USER_ID },
  [SL_MSG_STAGE_INVITE]  = { "stage_invite",  FIELD_CLASS_ID | FIELD_TO },
  [SL_MSG_STAGE_ACCEPT]  = { "stage_accept",  FIELD_CLASS_ID },
  [SL_MSG_STAGE_DECLINE] = { "stage_decline", FIELD_CLASS_ID },
  [SL_MSG_STAGE_END]     = { "stage_end",     FIELD_CLASS_ID | FIELD_TO_OPTIONAL },
  [SL_MSG_SIGNAL]        = { "signal",        FIELD_CLASS_ID | FIELD_TO | FIELD_DATA },
  [SL_MSG_PING]          = { "ping",          0 },
};
G_STATIC_ASSERT (G_N_ELEMENTS (message_types) == SL_MSG_PING + 1);

const char *
sl_protocol_error_code (SlProtocolError code)
{
  g_return_val_if_fail ((guint) code < G_N_ELEMENTS (error_codes), "internal_error");

  return error_codes[code];
}

const char *
sl_message_type_to_string (SlMessageType type)
{
  g_return_val_if_fail ((guint) type < G_N_ELEMENTS (message_types), NULL);

  return message_types[type].name;
}

void
sl_client_message_free (SlClientMessage *message)
{
  if (message == NULL)
    return;

  g_free (message->ref);
  g_free (message->text);
  g_clear_pointer (&message->data, json_node_unref);
  g_free (message);
}

/* An error of the JSON helpers becomes an invalid_message; theirs speak of
 * "the request body", which here is the message. */
static void
propagate_json_error (GError **error,
                      GError  *json_error)
{
  static const char body[] = "the request body ";

  if (g_str_has_prefix (json_error->message, body))
    g_set_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                 "the message %s", json_error->message + strlen (body));
  else
    g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                         json_error->message);
  g_error_free (json_error);
}

/* A positive integer up to 2^53; *out stays as it is when the field is
 * absent and not required. */
static gboolean
get_id (JsonObject  *object,
        const char  *field,
        gboolean     required,
        gint64      *out,
        GError     **error)
{
  GError *local_error = NULL;

  if (sl_json_get_int (object, field, required, 1, MAX_ID, out, &local_error))
    return TRUE;

  if (local_error->code == SL_JSON_ERROR_MISSING)
    {
      propagate_json_error (error, local_error);
      return FALSE;
    }

  g_error_free (local_error);
  g_set_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
               "%s: must be a positive integer", field);
  return FALSE;
}

static char *
get_chat_text (JsonObject  *object,
               GError     **error)
{
  GError *local_error = NULL;
  const char *text = NULL;
  gboolean blank = TRUE;

  /* The length in characters; no C0 controls but \n and \t, no DEL. */
  if (!sl_json_get_string (object, "text", TRUE, 1, SL_PROTOCOL_CHAT_MAX, &text, &local_error))
    {
      propagate_json_error (error, local_error);
      return NULL;
    }

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* C1 controls (U+0080…U+009F) too. */
      if (c != '\n' && c != '\t' && g_unichar_iscntrl (c))
        {
          g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                               "text: must not contain control characters");
          return NULL;
        }
      if (!g_unichar_isspace (c))
        blank = FALSE;
    }
  if (blank)
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "text: must not be blank");
      return NULL;
    }

  return g_strdup (text);
}

static JsonNode *
get_signal_data (JsonObject  *object,
                 GError     **error)
{
  JsonNode *node = json_object_get_member (object, "data");
  g_autofree char *text = NULL;
  g_autoptr(JsonObject) again = NULL;
  gsize length = 0;

  if (node == NULL)
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "data: this field is required");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "data: must be an object");
      return NULL;
    }

  /* Measured as the hub relays it. */
  text = sl_json_node_to_string (node, &length);
  if (length > SL_PROTOCOL_MAX_SIGNAL)
    {
      g_set_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_TOO_LARGE,
                   "data: must be at most %d bytes serialised, not %" G_GSIZE_FORMAT,
                   SL_PROTOCOL_MAX_SIGNAL, length);
      return NULL;
    }

  /* json-glib writes some doubles it reads as no JSON at all (1e20 comes
   * out as "1e+20.0"); what would be relayed must read back. */
  again = sl_json_parse_object (text, length, NULL);
  if (again == NULL)
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "data: holds a number that cannot be relayed; "
                           "write large numbers as strings");
      return NULL;
    }

  return json_node_copy (node);
}

static gboolean
get_type (JsonObject     *object,
          SlMessageType  *type,
          GError        **error)
{
  JsonNode *node = json_object_get_member (object, "type");
  const char *name;
  g_autofree char *shown = NULL;

  if (node == NULL)
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "type: this field is required");
      return FALSE;
    }
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error_literal (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                           "type: must be a string");
      return FALSE;
    }

  name = json_node_get_string (node);
  for (guint i = 0; i < G_N_ELEMENTS (message_types); i++)
    if (strcmp (name, message_types[i].name) == 0)
      {
        *type = (SlMessageType) i;
        return TRUE;
      }

  /* The strict parser let only valid UTF-8 through. */
  shown = g_utf8_substring (name, 0, MIN (g_utf8_strlen (name, -1), 32));
  g_set_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_UNKNOWN_TYPE,
               "type: unknown message type \"%s\"", shown);
  return FALSE;
}

SlClientMessage *
sl_client_message_parse (const char  *data,
                         gsize        length,
                         char       **ref,
                         GError     **error)
{
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(JsonObject) object = NULL;
  GError *local_error = NULL;
  const char *ref_value = NULL;
  const char *allowed[10];
  guint n_allowed = 0;
  SlMessageType type;
  guint fields;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (ref != NULL)
    *ref = NULL;

  if (length > SL_PROTOCOL_MAX_MESSAGE)
    {
      g_set_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_TOO_LARGE,
                   "the message is %" G_GSIZE_FORMAT " bytes; at most %d are allowed",
                   length, SL_PROTOCOL_MAX_MESSAGE);
      return NULL;
    }

  object = sl_json_parse_object (data, length, &local_error);
  if (object == NULL)
    {
      propagate_json_error (error, local_error);
      return NULL;
    }

  /* The ref first, so that any later error can echo it. */
  if (!sl_json_get_string (object, "ref", FALSE, 1, SL_PROTOCOL_MAX_REF, &ref_value,
                           &local_error))
    {
      propagate_json_error (error, local_error);
      return NULL;
    }
  if (ref != NULL)
    *ref = g_strdup (ref_value);

  if (!get_type (object, &type, error))
    return NULL;
  fields = message_types[type].fields;

  allowed[n_allowed++] = "type";
  allowed[n_allowed++] = "ref";
  if (fields & FIELD_CLASS_ID)
    allowed[n_allowed++] = "class_id";
  if (fields & FIELD_USER_ID)
    allowed[n_allowed++] = "user_id";
  if (fields & (FIELD_TO | FIELD_TO_OPTIONAL))
    allowed[n_allowed++] = "to";
  if (fields & FIELD_MESSAGE_ID)
    allowed[n_allowed++] = "message_id";
  if (fields & FIELD_TEXT)
    allowed[n_allowed++] = "text";
  if (fields & FIELD_DATA)
    allowed[n_allowed++] = "data";
  allowed[n_allowed] = NULL;
  g_assert (n_allowed < G_N_ELEMENTS (allowed));

  if (!sl_json_only_fields (object, allowed, &local_error))
    {
      propagate_json_error (error, local_error);
      return NULL;
    }

  message = g_new0 (SlClientMessage, 1);
  message->type = type;

  /* In the order docs/protocol.md lists them. */
  if ((fields & FIELD_CLASS_ID) &&
      !get_id (object, "class_id", TRUE, &message->class_id, error))
    return NULL;
  if ((fields & FIELD_USER_ID) &&
      !get_id (object, "user_id", TRUE, &message->user_id, error))
    return NULL;
  if ((fields & FIELD_MESSAGE_ID) &&
      !get_id (object, "message_id", TRUE, &message->message_id, error))
    return NULL;
  if ((fields & (FIELD_TO | FIELD_TO_OPTIONAL)) &&
      !get_id (object, "to", (fields & FIELD_TO) != 0, &message->to, error))
    return NULL;
  if ((fields & FIELD_TEXT) &&
      (message->text = get_chat_text (object, error)) == NULL)
    return NULL;
  if ((fields & FIELD_DATA) &&
      (message->data = get_signal_data (object, error)) == NULL)
    return NULL;

  message->ref = g_strdup (ref_value);
  return g_steal_pointer (&message);
}

static void
set_valid_string (JsonObject *object,
                  const char *name,
                  const char *value)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);
  json_object_set_string_member (object, name, value);
}

char *
sl_protocol_error_json (SlProtocolError  code,
                        const char      *message,
                        const char      *ref,
                        gsize           *length)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (message != NULL, NULL);

  /* json-glib writes what it is given; a broken string would make the
   * whole reply invalid JSON. */
  json_object_set_string_member (object, "type", "error");
  json_object_set_string_member (object, "code", sl_protocol_error_code (code));
  set_valid_string (object, "message", message);
  if (ref != NULL)
    set_valid_string (object, "ref", ref);

  node = json_node_init_object (json_node_alloc (), object);
  return sl_json_node_to_string (node, length);
}
