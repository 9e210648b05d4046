/* sl-hub.c: the real-time hub — WebSocket clients, class rooms, chat,
 * hands, presence, stage and signalling (docs/protocol.md)
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything here runs on the server's main loop.  A message that needs
 * the store (join, chat, moderation, hands) continues in a callback; by then
 * its client may be gone (client->gone) or its room closed, so callbacks
 * hold references and look again.
 */
#define G_LOG_DOMAIN "sl-hub"

#include "config.h"

#include "sl-hub.h"
#include "sl-json.h"
#include "sl-protocol.h"
#include "sl-ws-connection.h"

#include <string.h>

#define SL_HUB_RATE 20.0            /* messages per second */
#define SL_HUB_BURST 40.0
#define SL_HUB_EXCESS_CLOSE (3 * G_USEC_PER_SEC)
#define SL_HUB_CHAT_ON_JOIN 50

typedef struct _SlRoom SlRoom;

typedef struct {
  SlHub          *hub;          /* unowned: the hub outlives its clients */
  SlWsConnection *ws;
  gint64          user_id;
  SlRole          role;
  char           *display_name;
  GHashTable     *rooms;        /* class id (gint64 *) → SlRoom * */
  gboolean        ready;        /* hello sent */
  gboolean        gone;
  double          tokens;
  gint64          refilled_at;
  gint64          excess_since;
  gint64          last_rejected;
  gint64          last_error_at;
} SlHubClient;

struct _SlRoom {
  gint64      class_id;
  SlClass    *klass;            /* NULL while loading */
  gboolean    loading;
  GPtrArray  *waiting;          /* JoinWait * while loading */
  GHashTable *members;          /* SlHubClient * (ref) */
  GHashTable *users;            /* user id → connections in the room */
  GHashTable *muted;            /* user ids */
  GHashTable *stage;            /* user ids on stage */
  GHashTable *invites;          /* invited user id → inviting user id */
  GPtrArray  *hands;            /* SlHand *, in order */
  gboolean    presence_dirty;
};

struct _SlHub
{
  GObject     parent_instance;

  SlStore    *store;
  GHashTable *clients;          /* SlHubClient * (ref) */
  GHashTable *rooms;            /* class id (gint64 *) → SlRoom * */
  SlWsLimits  limits;
  SlWsPoller *poller;
  guint       tick_id;
};

G_DEFINE_FINAL_TYPE (SlHub, sl_hub, G_TYPE_OBJECT)

/* ---- clients ------------------------------------------------------------ */

static void
client_clear (SlHubClient *client)
{
  g_clear_object (&client->ws);
  g_clear_pointer (&client->display_name, g_free);
  g_clear_pointer (&client->rooms, g_hash_table_unref);
}

static SlHubClient *
client_ref (SlHubClient *client)
{
  return g_rc_box_acquire (client);
}

static void
client_unref (SlHubClient *client)
{
  g_rc_box_release_full (client, (GDestroyNotify) client_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlHubClient, client_unref)

static void
send_node (SlHubClient *client,
           JsonNode    *node)
{
  gsize length;
  g_autofree char *text = NULL;

  if (client->gone)
    return;
  text = sl_json_node_to_string (node, &length);
  sl_ws_connection_send_text (client->ws, text, length);
}

static void
send_object (SlHubClient *client,
             JsonObject  *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);

  /* the node took a reference of its own; this one was given to us */
  json_object_unref (object);
  send_node (client, node);
}

static void
send_error (SlHubClient     *client,
            SlProtocolError  code,
            const char      *message,
            const char      *ref)
{
  gsize length;
  g_autofree char *text = NULL;

  if (client->gone)
    return;
  text = sl_protocol_error_json (code, message, ref, &length);
  sl_ws_connection_send_text (client->ws, text, length);
}

static GBytes *
frame_for (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), object);
  gsize length;
  g_autofree char *text = sl_json_node_to_string (node, &length);

  return sl_ws_frame_text (text, length);
}

static JsonNode *
person_json (gint64      id,
             const char *display_name)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_int_member (object, "id", id);
  json_object_set_string_member (object, "display_name", display_name);
  return json_node_init_object (json_node_alloc (), object);
}

/* ---- rooms -------------------------------------------------------------- */

typedef struct {
  SlHubClient *client;
  char        *ref;
} JoinWait;

static void
join_wait_free (JoinWait *wait)
{
  client_unref (wait->client);
  g_free (wait->ref);
  g_free (wait);
}

static SlRoom *
room_new (gint64 class_id)
{
  SlRoom *room = g_new0 (SlRoom, 1);

  room->class_id = class_id;
  room->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) join_wait_free);
  room->members = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) client_unref, NULL);
  room->users = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  room->muted = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  room->stage = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  room->invites = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  room->hands = g_ptr_array_new_with_free_func ((GDestroyNotify) sl_hand_free);
  return room;
}

static void
room_free (SlRoom *room)
{
  g_clear_pointer (&room->klass, sl_class_free);
  g_ptr_array_unref (room->waiting);
  g_hash_table_unref (room->members);
  g_hash_table_unref (room->users);
  g_hash_table_unref (room->muted);
  g_hash_table_unref (room->stage);
  g_hash_table_unref (room->invites);
  g_ptr_array_unref (room->hands);
  g_free (room);
}

static gboolean
set_has (GHashTable *set,
         gint64      id)
{
  return g_hash_table_contains (set, &id);
}

static void
set_add (GHashTable *set,
         gint64      id)
{
  g_hash_table_add (set, g_memdup2 (&id, sizeof id));
}

static gboolean
is_moderator (SlRoom      *room,
              SlHubClient *client)
{
  return client->role == SL_ROLE_ADMIN ||
         (room->klass != NULL && room->klass->owner_id == client->user_id);
}

static gboolean
is_member (SlRoom      *room,
           SlHubClient *client)
{
  return g_hash_table_contains (room->members, client);
}

/* The clients of @set (a hash set of SlHubClient), each held: sending can
 * drop a client, which takes it out of every set, so sends walk this copy. */
static GPtrArray *
hold_clients (GHashTable *set)
{
  GPtrArray *held = g_ptr_array_new_full (g_hash_table_size (set), (GDestroyNotify) client_unref);
  GHashTableIter iter;
  SlHubClient *client;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, (gpointer *) &client, NULL))
    g_ptr_array_add (held, client_ref (client));
  return held;
}

static void
room_broadcast (SlRoom *room,
                GBytes *frame)
{
  g_autoptr(GPtrArray) members = hold_clients (room->members);

  for (guint i = 0; i < members->len; i++)
    {
      SlHubClient *member = g_ptr_array_index (members, i);

      if (!member->gone)
        sl_ws_connection_send_frame (member->ws, frame);
    }
}

/* Sends @frame to the members that are (or are not) moderators, or are
 * user @user_id (when > 0). */
static void
room_send_some (SlRoom  *room,
                GBytes  *frame,
                gint64   user_id,
                gboolean moderators)
{
  g_autoptr(GPtrArray) members = hold_clients (room->members);

  for (guint i = 0; i < members->len; i++)
    {
      SlHubClient *member = g_ptr_array_index (members, i);

      if (!member->gone &&
          ((user_id > 0 && member->user_id == user_id) ||
           (moderators && is_moderator (room, member))))
        sl_ws_connection_send_frame (member->ws, frame);
    }
}

static JsonNode *
users_json (SlRoom *room)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  JsonArray *users = json_array_new ();
  GHashTableIter iter;
  SlHubClient *member;

  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, (gpointer *) &member, NULL))
    {
      g_autoptr(JsonObject) user = NULL;

      if (g_hash_table_contains (seen, &member->user_id))
        continue;
      g_hash_table_add (seen, &member->user_id);
      user = json_object_new ();
      json_object_set_int_member (user, "id", member->user_id);
      json_object_set_string_member (user, "display_name", member->display_name);
      json_object_set_string_member (user, "role", sl_role_to_string (member->role));
      json_array_add_object_element (users, g_steal_pointer (&user));
    }
  return json_node_init_array (json_node_alloc (), users);
}

static JsonNode *
hands_json (SlRoom *room)
{
  JsonArray *queue = json_array_new ();

  for (guint i = 0; i < room->hands->len; i++)
    json_array_add_element (queue, sl_hand_to_json (g_ptr_array_index (room->hands, i)));
  return json_node_init_array (json_node_alloc (), queue);
}

static JsonNode *
id_set_json (GHashTable *set)
{
  JsonArray *ids = json_array_new ();
  GHashTableIter iter;
  gint64 *id;

  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, (gpointer *) &id, NULL))
    json_array_add_int_element (ids, *id);
  return json_node_init_array (json_node_alloc (), ids);
}

static void
room_send_presence (SlRoom *room)
{
  g_autoptr(JsonObject) all = json_object_new ();
  g_autoptr(JsonObject) mods = json_object_new ();
  g_autoptr(GBytes) all_frame = NULL;
  g_autoptr(GBytes) mod_frame = NULL;
  g_autoptr(GPtrArray) members = NULL;

  room->presence_dirty = FALSE;
  json_object_set_string_member (all, "type", "presence");
  json_object_set_int_member (all, "class_id", room->class_id);
  json_object_set_int_member (all, "count", g_hash_table_size (room->users));
  json_object_set_string_member (mods, "type", "presence");
  json_object_set_int_member (mods, "class_id", room->class_id);
  json_object_set_int_member (mods, "count", g_hash_table_size (room->users));
  json_object_set_member (mods, "users", users_json (room));
  all_frame = frame_for (all);
  mod_frame = frame_for (mods);

  members = hold_clients (room->members);
  for (guint i = 0; i < members->len; i++)
    {
      SlHubClient *member = g_ptr_array_index (members, i);

      if (!member->gone)
        sl_ws_connection_send_frame (member->ws,
                                     is_moderator (room, member) ? mod_frame : all_frame);
    }
}

static void
room_send_stage (SlRoom *room)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;

  json_object_set_string_member (object, "type", "stage");
  json_object_set_int_member (object, "class_id", room->class_id);
  json_object_set_member (object, "users", id_set_json (room->stage));
  frame = frame_for (object);
  room_broadcast (room, frame);
}

static void
room_send_hands (SlRoom *room)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;

  json_object_set_string_member (object, "type", "hands");
  json_object_set_int_member (object, "class_id", room->class_id);
  json_object_set_member (object, "queue", hands_json (room));
  frame = frame_for (object);
  room_send_some (room, frame, 0, TRUE);
}

static gint
hand_position (SlRoom *room,
               gint64  user_id)
{
  for (guint i = 0; i < room->hands->len; i++)
    if (((SlHand *) g_ptr_array_index (room->hands, i))->user_id == user_id)
      return (gint) i + 1;
  return 0;
}

static void
send_hand_status (SlRoom *room,
                  gint64  user_id)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;
  gint position = hand_position (room, user_id);

  json_object_set_string_member (object, "type", "hand");
  json_object_set_int_member (object, "class_id", room->class_id);
  json_object_set_boolean_member (object, "raised", position > 0);
  json_object_set_int_member (object, "position", position);
  frame = frame_for (object);
  room_send_some (room, frame, user_id, FALSE);
}

static void
hub_drop_room (SlHub  *self,
               SlRoom *room)
{
  g_hash_table_remove (self->rooms, &room->class_id);
}

/* Takes @client out of @room (not out of client->rooms). */
static void
room_remove_member (SlHub       *self,
                    SlRoom      *room,
                    SlHubClient *client)
{
  guint count;

  if (!g_hash_table_contains (room->members, client))
    return;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (room->users, &client->user_id));
  if (count <= 1)
    {
      g_hash_table_remove (room->users, &client->user_id);
      /* their last connection left: off the stage, invitation void */
      if (g_hash_table_remove (room->stage, &client->user_id))
        room_send_stage (room);
      g_hash_table_remove (room->invites, &client->user_id);
    }
  else
    g_hash_table_insert (room->users, g_memdup2 (&client->user_id, sizeof (gint64)),
                         GUINT_TO_POINTER (count - 1));

  room->presence_dirty = TRUE;
  g_hash_table_remove (room->members, client);   /* drops its reference */

  if (g_hash_table_size (room->members) == 0 && !room->loading)
    hub_drop_room (self, room);
}

/* ---- join --------------------------------------------------------------- */

typedef struct {
  SlHubClient *client;
  gint64       class_id;
  char        *ref;
} JoinData;

static void
join_data_free (JoinData *data)
{
  client_unref (data->client);
  g_free (data->ref);
  g_free (data);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (JoinData, join_data_free)

static void
join_chat_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(JoinData) data = user_data;
  SlHubClient *client = data->client;
  SlHub *self = client->hub;
  g_autoptr(GPtrArray) chat = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) joined = NULL;
  JsonArray *messages;
  SlRoom *room;
  guint count;

  chat = sl_store_list_chat_messages_finish (SL_STORE (source), result, &error);
  if (client->gone)
    return;
  room = g_hash_table_lookup (self->rooms, &data->class_id);
  if (room == NULL || room->klass == NULL)
    {
      send_error (client, SL_PROTOCOL_ERROR_CLASS_CLOSED, "the class has ended", data->ref);
      return;
    }
  if (chat == NULL)
    {
      g_warning ("chat history of class %" G_GINT64_FORMAT ": %s", data->class_id, error->message);
      send_error (client, SL_PROTOCOL_ERROR_INTERNAL, "could not read the chat", data->ref);
      if (g_hash_table_size (room->members) == 0 && !room->loading)
        hub_drop_room (self, room);
      return;
    }

  if (!is_member (room, client))
    {
      g_hash_table_add (room->members, client_ref (client));
      g_hash_table_insert (client->rooms, g_memdup2 (&room->class_id, sizeof (gint64)), room);
      count = GPOINTER_TO_UINT (g_hash_table_lookup (room->users, &client->user_id));
      g_hash_table_insert (room->users, g_memdup2 (&client->user_id, sizeof (gint64)),
                           GUINT_TO_POINTER (count + 1));
      room->presence_dirty = TRUE;
    }

  joined = json_object_new ();
  json_object_set_string_member (joined, "type", "joined");
  json_object_set_int_member (joined, "class_id", room->class_id);
  json_object_set_member (joined, "class", sl_class_to_json (room->klass));
  json_object_set_int_member (joined, "count", g_hash_table_size (room->users));
  if (is_moderator (room, client))
    {
      json_object_set_member (joined, "users", users_json (room));
      json_object_set_member (joined, "hands", hands_json (room));
      json_object_set_member (joined, "muted_users", id_set_json (room->muted));
    }
  else
    {
      json_object_set_array_member (joined, "hands", json_array_new ());
      json_object_set_int_member (joined, "hand_position", hand_position (room, client->user_id));
    }
  messages = json_array_new ();
  for (guint i = 0; i < chat->len; i++)
    json_array_add_element (messages, sl_chat_message_to_json (g_ptr_array_index (chat, i)));
  json_object_set_array_member (joined, "chat", messages);
  json_object_set_member (joined, "stage", id_set_json (room->stage));
  json_object_set_boolean_member (joined, "muted", set_has (room->muted, client->user_id));
  if (data->ref != NULL)
    json_object_set_string_member (joined, "ref", data->ref);
  send_object (client, g_steal_pointer (&joined));
}

static void
join_loaded_room (SlHubClient *client,
                  SlRoom      *room,
                  const char  *ref)
{
  JoinData *data;

  if (room->klass == NULL)
    {
      send_error (client, SL_PROTOCOL_ERROR_NOT_FOUND, "no such class", ref);
      return;
    }
  if (!(room->klass->state & (SL_CLASS_SCHEDULED | SL_CLASS_LIVE)))
    {
      send_error (client, SL_PROTOCOL_ERROR_CLASS_CLOSED, "the class has ended or was cancelled", ref);
      return;
    }

  data = g_new0 (JoinData, 1);
  data->client = client_ref (client);
  data->class_id = room->class_id;
  data->ref = g_strdup (ref);
  sl_store_list_chat_messages_async (client->hub->store, room->class_id, 0, SL_HUB_CHAT_ON_JOIN,
                                     NULL, join_chat_cb, data);
}

/* Room loading: class → mutes → hands, then the waiting joins. */
typedef struct {
  SlHub  *hub;
  gint64  class_id;
} LoadData;

static void
load_done (LoadData *data,
           gboolean  ok,
           SlProtocolError code)
{
  SlRoom *room = g_hash_table_lookup (data->hub->rooms, &data->class_id);
  g_autoptr(GPtrArray) waiting = NULL;

  if (room == NULL)
    {
      g_object_unref (data->hub);
      g_free (data);
      return;
    }
  room->loading = FALSE;
  waiting = g_steal_pointer (&room->waiting);
  room->waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) join_wait_free);

  for (guint i = 0; i < waiting->len; i++)
    {
      JoinWait *wait = g_ptr_array_index (waiting, i);

      if (wait->client->gone)
        continue;
      if (ok)
        join_loaded_room (wait->client, room, wait->ref);
      else
        send_error (wait->client, code,
                    code == SL_PROTOCOL_ERROR_NOT_FOUND ? "no such class" : "could not load the class",
                    wait->ref);
    }

  if (!ok || (g_hash_table_size (room->members) == 0 && room->waiting->len == 0 &&
              room->klass == NULL))
    hub_drop_room (data->hub, room);
  g_object_unref (data->hub);
  g_free (data);
}

static void
load_hands_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hands = sl_store_list_hands_finish (SL_STORE (source), result, &error);
  SlRoom *room = g_hash_table_lookup (data->hub->rooms, &data->class_id);

  if (hands == NULL)
    {
      g_warning ("hands of class %" G_GINT64_FORMAT ": %s", data->class_id, error->message);
      load_done (data, FALSE, SL_PROTOCOL_ERROR_INTERNAL);
      return;
    }
  if (room != NULL)
    {
      g_ptr_array_unref (room->hands);
      room->hands = g_steal_pointer (&hands);
    }
  load_done (data, TRUE, 0);
}

static void
load_muted_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) muted = sl_store_list_muted_finish (SL_STORE (source), result, &error);
  SlRoom *room = g_hash_table_lookup (data->hub->rooms, &data->class_id);

  if (muted == NULL)
    {
      g_warning ("mutes of class %" G_GINT64_FORMAT ": %s", data->class_id, error->message);
      load_done (data, FALSE, SL_PROTOCOL_ERROR_INTERNAL);
      return;
    }
  for (guint i = 0; room != NULL && i < muted->len; i++)
    set_add (room->muted, g_array_index (muted, gint64, i));
  sl_store_list_hands_async (data->hub->store, data->class_id, NULL, load_hands_cb, data);
}

static void
load_class_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  LoadData *data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) klass = sl_store_get_class_finish (SL_STORE (source), result, &error);
  SlRoom *room = g_hash_table_lookup (data->hub->rooms, &data->class_id);

  if (klass == NULL)
    {
      gboolean missing = g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND);

      if (!missing)
        g_warning ("class %" G_GINT64_FORMAT ": %s", data->class_id, error->message);
      load_done (data, FALSE, missing ? SL_PROTOCOL_ERROR_NOT_FOUND : SL_PROTOCOL_ERROR_INTERNAL);
      return;
    }
  if (room != NULL)
    room->klass = g_steal_pointer (&klass);
  sl_store_list_muted_async (data->hub->store, data->class_id, NULL, load_muted_cb, data);
}

static void
handle_join (SlHubClient     *client,
             SlClientMessage *msg)
{
  SlHub *self = client->hub;
  SlRoom *room = g_hash_table_lookup (self->rooms, &msg->class_id);

  if (room == NULL)
    {
      LoadData *data = g_new0 (LoadData, 1);

      room = room_new (msg->class_id);
      room->loading = TRUE;
      g_hash_table_insert (self->rooms, g_memdup2 (&msg->class_id, sizeof (gint64)), room);
      data->hub = g_object_ref (self);
      data->class_id = msg->class_id;
      sl_store_get_class_async (self->store, msg->class_id, NULL, load_class_cb, data);
    }

  if (room->loading)
    {
      JoinWait *wait = g_new0 (JoinWait, 1);

      wait->client = client_ref (client);
      wait->ref = g_strdup (msg->ref);
      g_ptr_array_add (room->waiting, wait);
      return;
    }
  join_loaded_room (client, room, msg->ref);
}

/* ---- the other messages ------------------------------------------------- */

/* The room @msg is about, when @client is in it; else an error is sent. */
static SlRoom *
member_room (SlHubClient     *client,
             SlClientMessage *msg)
{
  SlRoom *room = g_hash_table_lookup (client->rooms, &msg->class_id);

  if (room == NULL)
    send_error (client, SL_PROTOCOL_ERROR_NOT_MEMBER, "join the class first", msg->ref);
  return room;
}

static SlRoom *
moderated_room (SlHubClient     *client,
                SlClientMessage *msg)
{
  SlRoom *room = member_room (client, msg);

  if (room != NULL && !is_moderator (room, client))
    {
      send_error (client, SL_PROTOCOL_ERROR_FORBIDDEN,
                  "only the class's teacher or an admin may do that", msg->ref);
      return NULL;
    }
  return room;
}

static void
handle_leave (SlHubClient     *client,
              SlClientMessage *msg)
{
  SlRoom *room = member_room (client, msg);
  g_autoptr(JsonObject) left = NULL;

  if (room == NULL)
    return;
  g_hash_table_remove (client->rooms, &msg->class_id);
  room_remove_member (client->hub, room, client);

  left = json_object_new ();
  json_object_set_string_member (left, "type", "left");
  json_object_set_int_member (left, "class_id", msg->class_id);
  if (msg->ref != NULL)
    json_object_set_string_member (left, "ref", msg->ref);
  send_object (client, g_steal_pointer (&left));
}

/* A store call made for a client's message: who, about which room. */
typedef struct {
  SlHubClient *client;
  gint64       class_id;
  gint64       user_id;      /* the user acted on, when there is one */
  gint64       message_id;
  gboolean     flag;
  char        *ref;
} Pending;

static Pending *
pending_new (SlHubClient     *client,
             SlClientMessage *msg)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->client = client_ref (client);
  pending->class_id = msg->class_id;
  pending->ref = g_strdup (msg->ref);
  return pending;
}

static void
pending_free (Pending *pending)
{
  client_unref (pending->client);
  g_free (pending->ref);
  g_free (pending);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

/* The room of @pending if it is still open. */
static SlRoom *
pending_room (Pending *pending)
{
  return g_hash_table_lookup (pending->client->hub->rooms, &pending->class_id);
}

static void
store_failed (Pending      *pending,
              const GError *error)
{
  if (g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND))
    send_error (pending->client, SL_PROTOCOL_ERROR_NOT_FOUND, "not found", pending->ref);
  else
    {
      g_warning ("class %" G_GINT64_FORMAT ": %s", pending->class_id, error->message);
      send_error (pending->client, SL_PROTOCOL_ERROR_INTERNAL, "the server failed; try again",
                  pending->ref);
    }
}

static void
chat_stored_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(SlChatMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  JsonNode *node;
  SlRoom *room;

  message = sl_store_add_chat_message_finish (SL_STORE (source), result, &error);
  if (message == NULL)
    {
      store_failed (pending, error);
      return;
    }
  room = pending_room (pending);
  if (room == NULL)
    return;

  node = sl_chat_message_to_json (message);
  json_object_set_string_member (json_node_get_object (node), "type", "chat");
  frame = frame_for (json_node_get_object (node));
  json_node_unref (node);
  room_broadcast (room, frame);
}

static void
handle_chat (SlHubClient     *client,
             SlClientMessage *msg)
{
  SlRoom *room = member_room (client, msg);

  if (room == NULL)
    return;
  if (set_has (room->muted, client->user_id))
    {
      send_error (client, SL_PROTOCOL_ERROR_MUTED, "a moderator muted you in this class", msg->ref);
      return;
    }
  sl_store_add_chat_message_async (client->hub->store, msg->class_id, client->user_id,
                                   msg->text, NULL, chat_stored_cb, pending_new (client, msg));
}

static void
chat_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GBytes) frame = NULL;
  SlRoom *room;

  if (!sl_store_delete_chat_message_finish (SL_STORE (source), result, &error))
    {
      store_failed (pending, error);
      return;
    }
  room = pending_room (pending);
  if (room == NULL)
    return;
  object = json_object_new ();
  json_object_set_string_member (object, "type", "chat_deleted");
  json_object_set_int_member (object, "class_id", pending->class_id);
  json_object_set_int_member (object, "message_id", pending->message_id);
  frame = frame_for (object);
  room_broadcast (room, frame);
}

static void
handle_chat_delete (SlHubClient     *client,
                    SlClientMessage *msg)
{
  SlRoom *room = moderated_room (client, msg);
  Pending *pending;

  if (room == NULL)
    return;
  pending = pending_new (client, msg);
  pending->message_id = msg->message_id;
  sl_store_delete_chat_message_async (client->hub->store, msg->class_id, msg->message_id,
                                      client->user_id, NULL, chat_deleted_cb, pending);
}

static void
muted_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GBytes) frame = NULL;
  SlRoom *room;

  if (!sl_store_set_muted_finish (SL_STORE (source), result, &error))
    {
      store_failed (pending, error);
      return;
    }
  room = pending_room (pending);
  if (room == NULL)
    return;
  if (pending->flag)
    set_add (room->muted, pending->user_id);
  else
    g_hash_table_remove (room->muted, &pending->user_id);

  object = json_object_new ();
  json_object_set_string_member (object, "type", "muted");
  json_object_set_int_member (object, "class_id", pending->class_id);
  json_object_set_int_member (object, "user_id", pending->user_id);
  json_object_set_boolean_member (object, "muted", pending->flag);
  frame = frame_for (object);
  room_send_some (room, frame, pending->user_id, TRUE);
}

static void
handle_mute (SlHubClient     *client,
             SlClientMessage *msg,
             gboolean         muted)
{
  SlRoom *room = moderated_room (client, msg);
  Pending *pending;

  if (room == NULL)
    return;
  pending = pending_new (client, msg);
  pending->user_id = msg->user_id;
  pending->flag = muted;
  sl_store_set_muted_async (client->hub->store, msg->class_id, msg->user_id, muted,
                            client->user_id, NULL, muted_cb, pending);
}

static void
hands_changed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hands = NULL;
  SlRoom *room;

  hands = pending->flag
    ? sl_store_raise_hand_finish (SL_STORE (source), result, &error)
    : sl_store_lower_hand_finish (SL_STORE (source), result, &error);
  if (hands == NULL)
    {
      store_failed (pending, error);
      return;
    }
  room = pending_room (pending);
  if (room == NULL)
    return;
  g_ptr_array_unref (room->hands);
  room->hands = g_steal_pointer (&hands);
  room_send_hands (room);
  send_hand_status (room, pending->user_id);
}

static void
change_hand (SlHubClient     *client,
             SlClientMessage *msg,
             gint64           user_id,
             gboolean         raise)
{
  Pending *pending = pending_new (client, msg);

  pending->user_id = user_id;
  pending->flag = raise;
  if (raise)
    sl_store_raise_hand_async (client->hub->store, msg->class_id, user_id, NULL,
                               hands_changed_cb, pending);
  else
    sl_store_lower_hand_async (client->hub->store, msg->class_id, user_id, NULL,
                               hands_changed_cb, pending);
}

static void
send_from (SlRoom      *room,
           const char  *type,
           SlHubClient *from,
           gint64       to)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;

  json_object_set_string_member (object, "type", type);
  json_object_set_int_member (object, "class_id", room->class_id);
  json_object_set_member (object, "from", person_json (from->user_id, from->display_name));
  frame = frame_for (object);
  room_send_some (room, frame, to, FALSE);
}

static void
handle_stage (SlHubClient     *client,
              SlClientMessage *msg)
{
  SlRoom *room = msg->type == SL_MSG_STAGE_INVITE ? moderated_room (client, msg)
                                                  : member_room (client, msg);
  gint64 *inviter;

  if (room == NULL)
    return;

  switch (msg->type)
    {
    case SL_MSG_STAGE_INVITE:
      if (!g_hash_table_contains (room->users, &msg->to))
        {
          send_error (client, SL_PROTOCOL_ERROR_RECIPIENT_NOT_FOUND,
                      "to: that user is not in the class", msg->ref);
          return;
        }
      g_hash_table_insert (room->invites, g_memdup2 (&msg->to, sizeof (gint64)),
                           g_memdup2 (&client->user_id, sizeof (gint64)));
      send_from (room, "stage_invite", client, msg->to);
      break;

    case SL_MSG_STAGE_ACCEPT:
    case SL_MSG_STAGE_DECLINE:
      inviter = g_hash_table_lookup (room->invites, &client->user_id);
      if (inviter == NULL)
        {
          send_error (client, SL_PROTOCOL_ERROR_INVALID_STATE,
                      "there is no invitation to answer", msg->ref);
          return;
        }
      {
        gint64 to = *inviter;

        g_hash_table_remove (room->invites, &client->user_id);
        send_from (room, msg->type == SL_MSG_STAGE_ACCEPT ? "stage_accept" : "stage_decline",
                   client, to);
        if (msg->type == SL_MSG_STAGE_ACCEPT)
          {
            set_add (room->stage, client->user_id);
            room_send_stage (room);
          }
      }
      break;

    case SL_MSG_STAGE_END:
      {
        gint64 who = msg->to > 0 ? msg->to : client->user_id;

        if (who != client->user_id && !is_moderator (room, client))
          {
            send_error (client, SL_PROTOCOL_ERROR_FORBIDDEN,
                        "only the class's teacher or an admin may do that", msg->ref);
            return;
          }
        if (!g_hash_table_remove (room->stage, &who))
          {
            send_error (client, SL_PROTOCOL_ERROR_INVALID_STATE, "that user is not on stage",
                        msg->ref);
            return;
          }
        if (who != client->user_id)
          send_from (room, "stage_end", client, who);
        else
          {
            /* leaving by oneself: the moderators hear of it */
            g_autoptr(JsonObject) object = json_object_new ();
            g_autoptr(GBytes) frame = NULL;

            json_object_set_string_member (object, "type", "stage_end");
            json_object_set_int_member (object, "class_id", room->class_id);
            json_object_set_member (object, "from",
                                    person_json (client->user_id, client->display_name));
            frame = frame_for (object);
            room_send_some (room, frame, 0, TRUE);
          }
        room_send_stage (room);
      }
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
handle_signal (SlHubClient     *client,
               SlClientMessage *msg)
{
  SlRoom *room = member_room (client, msg);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GBytes) frame = NULL;

  if (room == NULL)
    return;
  if (room->klass == NULL || room->klass->state != SL_CLASS_LIVE)
    {
      send_error (client, SL_PROTOCOL_ERROR_NOT_LIVE, "signalling needs a live class", msg->ref);
      return;
    }
  if (msg->to == client->user_id || !g_hash_table_contains (room->users, &msg->to))
    {
      send_error (client, SL_PROTOCOL_ERROR_RECIPIENT_NOT_FOUND,
                  "to: that user is not in the class", msg->ref);
      return;
    }

  object = json_object_new ();
  json_object_set_string_member (object, "type", "signal");
  json_object_set_int_member (object, "class_id", room->class_id);
  /* the sender is who the token says, never what the message claims */
  json_object_set_member (object, "from", person_json (client->user_id, client->display_name));
  json_object_set_member (object, "data", json_node_copy (msg->data));
  frame = frame_for (object);
  room_send_some (room, frame, msg->to, FALSE);
}

static void
dispatch_message (SlHubClient     *client,
                  SlClientMessage *msg)
{
  switch (msg->type)
    {
    case SL_MSG_JOIN:
      handle_join (client, msg);
      break;
    case SL_MSG_LEAVE:
      handle_leave (client, msg);
      break;
    case SL_MSG_CHAT:
      handle_chat (client, msg);
      break;
    case SL_MSG_CHAT_DELETE:
      handle_chat_delete (client, msg);
      break;
    case SL_MSG_MUTE:
    case SL_MSG_UNMUTE:
      handle_mute (client, msg, msg->type == SL_MSG_MUTE);
      break;
    case SL_MSG_HAND_RAISE:
    case SL_MSG_HAND_LOWER:
      if (member_room (client, msg) != NULL)
        change_hand (client, msg, client->user_id, msg->type == SL_MSG_HAND_RAISE);
      break;
    case SL_MSG_HAND_DISMISS:
      if (moderated_room (client, msg) != NULL)
        change_hand (client, msg, msg->user_id, FALSE);
      break;
    case SL_MSG_STAGE_INVITE:
    case SL_MSG_STAGE_ACCEPT:
    case SL_MSG_STAGE_DECLINE:
    case SL_MSG_STAGE_END:
      handle_stage (client, msg);
      break;
    case SL_MSG_SIGNAL:
      handle_signal (client, msg);
      break;
    case SL_MSG_PING:
      {
        static const char pong[] = "{\"type\":\"pong\"}";

        sl_ws_connection_send_text (client->ws, pong, sizeof pong - 1);
        break;
      }
    default:
      g_assert_not_reached ();
    }
}

/* Token bucket; a client rejected without pause for 3 s is closed. */
static gboolean
rate_allows (SlHubClient *client,
             gint64       now)
{
  double elapsed = (now - client->refilled_at) / (double) G_USEC_PER_SEC;

  client->tokens = MIN (SL_HUB_BURST, client->tokens + elapsed * SL_HUB_RATE);
  client->refilled_at = now;
  if (client->excess_since != 0 && now - client->last_rejected > G_USEC_PER_SEC)
    client->excess_since = 0;

  if (client->tokens >= 1.0)
    {
      client->tokens -= 1.0;
      return TRUE;
    }

  if (client->excess_since == 0)
    client->excess_since = now;
  client->last_rejected = now;
  if (now - client->excess_since >= SL_HUB_EXCESS_CLOSE)
    {
      g_message ("user %" G_GINT64_FORMAT " keeps flooding: closing", client->user_id);
      sl_ws_connection_close (client->ws, SL_WS_CLOSE_POLICY_VIOLATION, "rate limit");
      return FALSE;
    }
  if (now - client->last_error_at >= G_USEC_PER_SEC)
    {
      client->last_error_at = now;
      send_error (client, SL_PROTOCOL_ERROR_RATE_LIMITED, "too many messages; slow down", NULL);
    }
  return FALSE;
}

static void
message_cb (SlWsConnection *ws,
            GBytes         *payload,
            gboolean        is_text,
            gpointer        user_data)
{
  SlHubClient *client = user_data;
  g_autoptr(SlClientMessage) msg = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  gsize length;
  const char *data;

  if (client->gone || !rate_allows (client, g_get_monotonic_time ()))
    return;

  if (!is_text)
    {
      send_error (client, SL_PROTOCOL_ERROR_INVALID_MESSAGE, "send JSON text frames", NULL);
      return;
    }

  data = g_bytes_get_data (payload, &length);
  msg = sl_client_message_parse (data, length, &ref, &error);
  if (msg == NULL)
    {
      send_error (client, error->domain == SL_PROTOCOL_ERROR ? error->code
                                                             : SL_PROTOCOL_ERROR_INVALID_MESSAGE,
                  error->message, ref);
      return;
    }

  {
    g_autoptr(SlHubClient) hold = client_ref (client);

    dispatch_message (client, msg);
  }
}

/* ---- connections -------------------------------------------------------- */

static void
client_gone (SlHub       *self,
             SlHubClient *client)
{
  GHashTableIter iter;
  SlRoom *room;
  g_autoptr(GPtrArray) rooms = g_ptr_array_new ();

  if (client->gone)
    return;
  client->gone = TRUE;

  g_hash_table_iter_init (&iter, client->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    g_ptr_array_add (rooms, room);
  g_hash_table_remove_all (client->rooms);
  for (guint i = 0; i < rooms->len; i++)
    room_remove_member (self, g_ptr_array_index (rooms, i), client);

  g_signal_handlers_disconnect_by_data (client->ws, client);
  g_hash_table_remove (self->clients, client);   /* drops the hub's reference */
}

static void
closed_cb (SlWsConnection *ws,
           guint           code,
           gpointer        user_data)
{
  SlHubClient *client = user_data;

  client_gone (client->hub, client);
}

static void
user_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(SlHubClient) client = user_data;
  g_autoptr(SlUser) user = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) hello = NULL;
  g_autoptr(JsonObject) who = NULL;

  if (client->gone)
    return;
  user = sl_store_get_user_finish (SL_STORE (source), result, &error);
  if (user == NULL || user->disabled)
    {
      if (user == NULL && !g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND))
        g_warning ("user %" G_GINT64_FORMAT ": %s", client->user_id, error->message);
      sl_ws_connection_close (client->ws, SL_WS_CLOSE_POLICY_VIOLATION, "account unavailable");
      return;
    }

  client->display_name = g_strdup (user->display_name);
  client->ready = TRUE;

  who = json_object_new ();
  json_object_set_int_member (who, "id", user->id);
  json_object_set_string_member (who, "display_name", user->display_name);
  json_object_set_string_member (who, "role", sl_role_to_string (client->role));
  hello = json_object_new ();
  json_object_set_string_member (hello, "type", "hello");
  json_object_set_object_member (hello, "user", g_steal_pointer (&who));
  send_object (client, g_steal_pointer (&hello));

  sl_ws_connection_start (client->ws);
}

void
sl_hub_accept (SlHub             *self,
               GIOStream         *stream,
               const SlJwtClaims *claims)
{
  SlHubClient *client;

  g_return_if_fail (SL_IS_HUB (self));
  g_return_if_fail (G_IS_IO_STREAM (stream));
  g_return_if_fail (claims != NULL);

  client = g_rc_box_new0 (SlHubClient);
  client->hub = self;
  client->ws = sl_ws_connection_new (stream, &self->limits, self->poller);
  client->user_id = claims->user_id;
  client->role = claims->role;
  client->rooms = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  client->tokens = SL_HUB_BURST;
  client->refilled_at = g_get_monotonic_time ();
  g_hash_table_add (self->clients, client);

  g_signal_connect (client->ws, "message", G_CALLBACK (message_cb), client);
  g_signal_connect (client->ws, "closed", G_CALLBACK (closed_cb), client);

  /* reading starts once we know the user's name (hello) */
  sl_store_get_user_async (self->store, claims->user_id, NULL, user_loaded_cb, client_ref (client));
}

void
sl_hub_class_changed (SlHub         *self,
                      const char    *event,
                      const SlClass *klass)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GPtrArray) clients = NULL;
  SlRoom *room;

  g_return_if_fail (SL_IS_HUB (self));

  json_object_set_string_member (object, "type", event);
  json_object_set_member (object, "class", sl_class_to_json (klass));
  frame = frame_for (object);

  room = g_hash_table_lookup (self->rooms, &klass->id);
  if (room != NULL && room->klass != NULL)
    {
      sl_class_free (room->klass);
      room->klass = sl_class_copy (klass);
    }

  clients = hold_clients (self->clients);
  for (guint i = 0; i < clients->len; i++)
    {
      SlHubClient *client = g_ptr_array_index (clients, i);

      if (client->ready && !client->gone)
        sl_ws_connection_send_frame (client->ws, frame);
    }

  /* an ended or cancelled class's room closes */
  room = g_hash_table_lookup (self->rooms, &klass->id);
  if (room != NULL && (klass->state & (SL_CLASS_ENDED | SL_CLASS_CANCELLED)) && !room->loading)
    {
      g_autoptr(GPtrArray) members = hold_clients (room->members);

      for (guint i = 0; i < members->len; i++)
        g_hash_table_remove (((SlHubClient *) g_ptr_array_index (members, i))->rooms, &klass->id);
      hub_drop_room (self, room);
    }
}

void
sl_hub_stream_changed (SlHub    *self,
                       gint64    class_id,
                       gboolean  online)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(GBytes) frame = NULL;
  g_autoptr(GPtrArray) clients = NULL;

  g_return_if_fail (SL_IS_HUB (self));

  json_object_set_string_member (object, "type", "stream");
  json_object_set_int_member (object, "class_id", class_id);
  json_object_set_boolean_member (object, "online", online);
  frame = frame_for (object);

  clients = hold_clients (self->clients);
  for (guint i = 0; i < clients->len; i++)
    {
      SlHubClient *client = g_ptr_array_index (clients, i);

      if (client->ready && !client->gone)
        sl_ws_connection_send_frame (client->ws, frame);
    }
}

guint
sl_hub_get_room_count (SlHub  *self,
                       gint64  class_id)
{
  SlRoom *room;

  g_return_val_if_fail (SL_IS_HUB (self), 0);

  room = g_hash_table_lookup (self->rooms, &class_id);
  return room != NULL ? g_hash_table_size (room->users) : 0;
}

static gboolean
tick_cb (gpointer user_data)
{
  SlHub *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) clients = NULL;
  GHashTableIter iter;
  SlRoom *room;

  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &room))
    if (room->presence_dirty && room->klass != NULL)
      room_send_presence (room);

  clients = hold_clients (self->clients);
  for (guint i = 0; i < clients->len; i++)
    {
      SlHubClient *client = g_ptr_array_index (clients, i);

      if (!client->gone)
        sl_ws_connection_tick (client->ws, now);
    }
  return G_SOURCE_CONTINUE;
}

void
sl_hub_shutdown (SlHub *self)
{
  g_autoptr(GPtrArray) clients = NULL;

  g_return_if_fail (SL_IS_HUB (self));

  clients = hold_clients (self->clients);
  for (guint i = 0; i < clients->len; i++)
    {
      SlHubClient *client = g_ptr_array_index (clients, i);

      sl_ws_connection_close (client->ws, SL_WS_CLOSE_GOING_AWAY, "server shutting down");
      client_gone (self, client);
    }
}

void
sl_hub_set_keepalive (SlHub  *self,
                      gint64  ping_interval,
                      gint64  timeout)
{
  g_return_if_fail (SL_IS_HUB (self));
  g_return_if_fail (ping_interval > 0 && timeout > ping_interval);

  self->limits.ping_interval = ping_interval;
  self->limits.pong_timeout = timeout;
}

guint
sl_hub_get_n_clients (SlHub *self)
{
  g_return_val_if_fail (SL_IS_HUB (self), 0);
  return g_hash_table_size (self->clients);
}

static void
sl_hub_dispose (GObject *object)
{
  SlHub *self = SL_HUB (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->clients != NULL)
    sl_hub_shutdown (self);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_pointer (&self->clients, g_hash_table_unref);
  g_clear_object (&self->store);
  g_clear_pointer (&self->poller, sl_ws_poller_unref);

  G_OBJECT_CLASS (sl_hub_parent_class)->dispose (object);
}

static void
sl_hub_class_init (SlHubClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = sl_hub_dispose;
}

static void
sl_hub_init (SlHub *self)
{
  self->clients = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) client_unref, NULL);
  self->rooms = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) room_free);
  self->limits.max_message = SL_PROTOCOL_MAX_MESSAGE;
  self->limits.max_queue = 1024 * 1024;
  self->limits.ping_interval = 15 * G_USEC_PER_SEC;
  self->limits.pong_timeout = 30 * G_USEC_PER_SEC;
  self->poller = sl_ws_poller_new ();
}

SlHub *
sl_hub_new (SlStore *store)
{
  SlHub *self;

  g_return_val_if_fail (SL_IS_STORE (store), NULL);

  self = g_object_new (SL_TYPE_HUB, NULL);
  self->store = g_object_ref (store);
  /* not g_timeout_add_seconds(): its ticks may drift by up to a second */
  self->tick_id = g_timeout_add (1000, tick_cb, self);
  return self;
}
