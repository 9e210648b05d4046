/* sl-class.c: a scheduled class, its chat messages and raised hands
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-class"

#include "config.h"

#include "sl-class.h"
#include "sl-json.h"

const char *
sl_class_state_to_string (SlClassState state)
{
  switch (state)
    {
    case SL_CLASS_SCHEDULED:
      return "scheduled";
    case SL_CLASS_LIVE:
      return "live";
    case SL_CLASS_ENDED:
      return "ended";
    case SL_CLASS_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
    }
}

gboolean
sl_class_state_from_string (const char   *name,
                            SlClassState *out)
{
  static const SlClassState all[] = {
    SL_CLASS_SCHEDULED, SL_CLASS_LIVE, SL_CLASS_ENDED, SL_CLASS_CANCELLED,
  };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (g_strcmp0 (name, sl_class_state_to_string (all[i])) == 0)
      {
        *out = all[i];
        return TRUE;
      }
  return FALSE;
}

SlClass *
sl_class_new (void)
{
  SlClass *klass = g_new0 (SlClass, 1);

  klass->state = SL_CLASS_SCHEDULED;
  klass->description = g_strdup ("");
  return klass;
}

SlClass *
sl_class_copy (const SlClass *klass)
{
  SlClass *copy;

  g_return_val_if_fail (klass != NULL, NULL);

  copy = g_memdup2 (klass, sizeof *klass);
  copy->owner_name = g_strdup (klass->owner_name);
  copy->title = g_strdup (klass->title);
  copy->description = g_strdup (klass->description);
  copy->stream_key = g_strdup (klass->stream_key);
  return copy;
}

void
sl_class_free (SlClass *klass)
{
  if (klass == NULL)
    return;
  g_free (klass->owner_name);
  g_free (klass->title);
  g_free (klass->description);
  g_free (klass->stream_key);
  g_free (klass);
}

static void
set_time (JsonObject *object,
          const char *name,
          gint64      when)
{
  char buf[32];

  if (when == 0)
    {
      json_object_set_null_member (object, name);
      return;
    }
  sl_json_format_time_buf (when, buf);
  json_object_set_string_member (object, name, buf);
}

static JsonNode *
person (gint64      id,
        const char *display_name)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "display_name", display_name ? display_name : "");
  return json_node_init_object (json_node_alloc (), object);
}

JsonNode *
sl_class_to_json (const SlClass *klass)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "id", klass->id);
  json_object_set_string_member (object, "title", klass->title);
  json_object_set_string_member (object, "description",
                                 klass->description ? klass->description : "");
  set_time (object, "scheduled_at", klass->scheduled_at);
  json_object_set_int_member (object, "duration_minutes", klass->duration_minutes);
  json_object_set_boolean_member (object, "public", klass->is_public);
  json_object_set_string_member (object, "state", sl_class_state_to_string (klass->state));
  json_object_set_member (object, "owner", person (klass->owner_id, klass->owner_name));
  set_time (object, "started_at", klass->started_at);
  set_time (object, "ended_at", klass->ended_at);
  set_time (object, "created_at", klass->created_at);
  return json_node_init_object (json_node_alloc (), object);
}

SlChatMessage *
sl_chat_message_copy (const SlChatMessage *message)
{
  SlChatMessage *copy = g_memdup2 (message, sizeof *message);

  copy->display_name = g_strdup (message->display_name);
  copy->text = g_strdup (message->text);
  return copy;
}

void
sl_chat_message_free (SlChatMessage *message)
{
  if (message == NULL)
    return;
  g_free (message->display_name);
  g_free (message->text);
  g_free (message);
}

JsonNode *
sl_chat_message_to_json (const SlChatMessage *message)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "id", message->id);
  json_object_set_int_member (object, "class_id", message->class_id);
  json_object_set_member (object, "from", person (message->user_id, message->display_name));
  json_object_set_string_member (object, "text", message->text);
  set_time (object, "sent_at", message->created_at);
  return json_node_init_object (json_node_alloc (), object);
}

void
sl_hand_free (SlHand *hand)
{
  if (hand == NULL)
    return;
  g_free (hand->display_name);
  g_free (hand);
}

JsonNode *
sl_hand_to_json (const SlHand *hand)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_member (object, "user", person (hand->user_id, hand->display_name));
  set_time (object, "raised_at", hand->raised_at);
  return json_node_init_object (json_node_alloc (), object);
}
