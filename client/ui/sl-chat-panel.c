/* sl-chat-panel.c: a class's chat: history, live messages, sending, and
 * moderation for the class's teacher
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-chat-panel"

#include "config.h"

#include "sl-chat-panel.h"

#include "sl-client-error.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>
#include <string.h>

/* Sent with our own messages, so the hub's errors about them find us:
 * REF_CHAT for chat messages, REF_MODERATE for the rest. */
#define REF_PREFIX "sl-chat-panel:"
#define REF_CHAT REF_PREFIX "chat:"
#define REF_MODERATE REF_PREFIX "moderate:"
/* Closer than this to the end counts as being at the end. */
#define BOTTOM_SLACK 24.0

struct _SlChatPanel {
  AdwBin          parent_instance;

  GtkScrolledWindow *scroller;
  GtkListBox     *list;
  GtkSpinner     *spinner;
  GtkLabel       *status_label;
  GtkEntry       *entry;
  GtkButton      *send_button;

  SlSession      *session;
  SlWsClient     *hub;          /* the room was joined on it */
  gint64          class_id;
  gboolean        moderate;
  GCancellable   *cancellable;

  GHashTable     *rows;         /* message id (gint64 *) → GtkListBoxRow (borrowed) */
  GHashTable     *muted_users;  /* user ids muted, as far as the hub told us (moderators) */
  gboolean        muted;        /* we are */
  gboolean        ended;
  char           *error_text;   /* the last thing that went wrong, until it is fixed */
  char           *last_sent;    /* put back when the hub refuses it */
  guint           sent;         /* for the refs */
  gboolean        stick;        /* keep showing the newest message */
};

G_DEFINE_FINAL_TYPE (SlChatPanel, sl_chat_panel, ADW_TYPE_BIN)

/* @name of @object when it is an object (array), else NULL: what comes
 * from the network may lack anything. */
static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  return node != NULL && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

/* What a row knows of its message. */
typedef struct {
  gint64  id;
  gint64  author_id;
  char   *author;
} RowInfo;

static void
row_info_free (gpointer data)
{
  RowInfo *info = data;

  g_free (info->author);
  g_free (info);
}

static RowInfo *
row_info (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "sl-chat-row");
}

/* ---- the line to write ---------------------------------------------------- */

static void
update_sensitivity (SlChatPanel *self)
{
  const char *reason = NULL;
  gboolean can_send;

  if (self->session == NULL)
    reason = NULL;
  else if (self->ended)
    reason = _("This class has ended. The chat is closed.");
  else if (self->hub == NULL || sl_ws_client_get_state (self->hub) != SL_WS_CONNECTED)
    reason = _("Not connected to the chat. Trying again…");
  else if (self->muted)
    reason = _("A moderator muted you in this class.");

  can_send = self->session != NULL && reason == NULL;
  gtk_widget_set_sensitive (GTK_WIDGET (self->entry), can_send);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.send", can_send);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.delete", can_send && self->moderate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.mute", can_send && self->moderate);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.unmute", can_send && self->moderate);

  if (reason == NULL)
    reason = self->error_text;
  gtk_label_set_text (self->status_label, reason != NULL ? reason : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), reason != NULL);
}

static void
set_error_text (SlChatPanel *self,
                const char  *text)
{
  g_free (self->error_text);
  self->error_text = g_strdup (text);
  update_sensitivity (self);
}

/* ---- messages -------------------------------------------------------------- */

static int
sort_rows_cb (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       user_data)
{
  gint64 x = row_info (a)->id, y = row_info (b)->id;

  /* ids grow with time: oldest first */
  return x < y ? -1 : x > y;
}

static char *
format_time (const char *sent_at)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) local = NULL;

  if (sent_at != NULL)
    when = g_date_time_new_from_iso8601 (sent_at, NULL);
  if (when == NULL)
    when = g_date_time_new_now_utc ();
  local = g_date_time_to_local (when);
  /* TRANSLATORS: the time a chat message was sent (strftime format) */
  return g_date_time_format (local, _("%H:%M"));
}

static void
moderation_popup_cb (GtkMenuButton *button,
                     gpointer       user_data)
{
  SlChatPanel *self = user_data;
  GtkListBoxRow *row = GTK_LIST_BOX_ROW (gtk_widget_get_ancestor (GTK_WIDGET (button),
                                                                  GTK_TYPE_LIST_BOX_ROW));
  RowInfo *info = row_info (row);
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenuItem) delete = g_menu_item_new (_("_Delete Message"), NULL);

  g_menu_item_set_action_and_target_value (delete, "chat.delete", g_variant_new_int64 (info->id));
  g_menu_append_item (menu, delete);
  /* a moderator does not silence themselves */
  if (info->author_id != sl_session_get_user_id (self->session))
    {
      gboolean muted = g_hash_table_contains (self->muted_users, &info->author_id);
      g_autofree char *label = muted ? g_strdup_printf (_("_Unmute %s"), info->author)
                                     : g_strdup_printf (_("_Mute %s"), info->author);
      g_autoptr(GMenuItem) mute = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target_value (mute, muted ? "chat.unmute" : "chat.mute",
                                               g_variant_new_int64 (info->author_id));
      g_menu_append_item (menu, mute);
    }
  gtk_menu_button_set_menu_model (button, G_MENU_MODEL (menu));
}

/* One message (a protocol "chat" object) into the list, once. */
static void
add_message (SlChatPanel *self,
             JsonObject  *message)
{
  JsonObject *from = object_member (message, "from");
  gint64 id = json_object_get_int_member_with_default (message, "id", 0);
  const char *text = json_object_get_string_member_with_default (message, "text", "");
  g_autofree char *time = NULL;
  GtkWidget *row, *box, *header, *author, *when, *body;
  RowInfo *info;

  if (id <= 0 || g_hash_table_contains (self->rows, &id))
    return;

  info = g_new0 (RowInfo, 1);
  info->id = id;
  info->author_id = from != NULL ? json_object_get_int_member_with_default (from, "id", 0) : 0;
  info->author = g_strdup (from != NULL ? json_object_get_string_member_with_default (from, "display_name", "")
                                        : "");
  if (*info->author == '\0')
    {
      g_free (info->author);
      info->author = g_strdup (_("Someone"));
    }
  time = format_time (json_object_get_string_member_with_default (message, "sent_at", NULL));

  /* a row of the list model: author, time, (moderation), and the text,
   * always as plain text */
  author = gtk_label_new (info->author);
  gtk_label_set_ellipsize (GTK_LABEL (author), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (author), 0);
  gtk_widget_add_css_class (author, "sl-chat-author");
  gtk_widget_add_css_class (author, "caption-heading");
  when = gtk_label_new (time);
  gtk_widget_add_css_class (when, "caption");
  gtk_widget_add_css_class (when, "dim-label");
  header = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (header), author);
  gtk_box_append (GTK_BOX (header), when);
  if (self->moderate)
    {
      GtkWidget *menu = gtk_menu_button_new ();

      gtk_widget_set_hexpand (menu, TRUE);
      gtk_widget_set_halign (menu, GTK_ALIGN_END);
      gtk_widget_set_valign (menu, GTK_ALIGN_CENTER);
      gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu), "view-more-symbolic");
      gtk_menu_button_set_has_frame (GTK_MENU_BUTTON (menu), FALSE);
      gtk_widget_set_tooltip_text (menu, _("Moderate"));
      gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (menu), moderation_popup_cb, self, NULL);
      gtk_box_append (GTK_BOX (header), menu);
    }
  body = gtk_label_new (NULL);
  gtk_label_set_text (GTK_LABEL (body), text);
  gtk_label_set_wrap (GTK_LABEL (body), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (body), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (body), 0);
  gtk_label_set_selectable (GTK_LABEL (body), TRUE);
  gtk_widget_add_css_class (body, "sl-chat-text");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), body);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  if (self->session != NULL && info->author_id == sl_session_get_user_id (self->session))
    gtk_widget_add_css_class (row, "sl-chat-own");
  {
    /* for screen readers: who said what, in one */
    g_autofree char *spoken = g_strdup_printf (_("%s at %s: %s"), info->author, time, text);

    gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL, spoken, -1);
  }
  g_object_set_data_full (G_OBJECT (row), "sl-chat-row", info, row_info_free);
  g_hash_table_insert (self->rows, &info->id, row);
  gtk_list_box_append (self->list, row);   /* sorted into place */
}

static void
add_messages (SlChatPanel *self,
              JsonArray   *messages)
{
  if (messages == NULL)
    return;
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonNode *node = json_array_get_element (messages, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        add_message (self, json_node_get_object (node));
    }
}

static void
remove_message (SlChatPanel *self,
                gint64       id)
{
  GtkWidget *row = g_hash_table_lookup (self->rows, &id);

  if (row == NULL)
    return;
  g_hash_table_remove (self->rows, &id);
  gtk_list_box_remove (self->list, row);
}

static void
clear_messages (SlChatPanel *self)
{
  GtkWidget *row;

  g_hash_table_remove_all (self->rows);
  while ((row = GTK_WIDGET (gtk_list_box_get_row_at_index (self->list, 0))) != NULL)
    gtk_list_box_remove (self->list, row);
}

/* ---- staying at the newest message ----------------------------------------- */

static void
adjustment_changed_cb (GtkAdjustment *adjustment,
                       SlChatPanel   *self)
{
  /* a message came (or the panel was resized): follow it when the reader
   * was at the end */
  if (self->stick)
    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment) -
                                          gtk_adjustment_get_page_size (adjustment));
}

static void
adjustment_value_cb (GtkAdjustment *adjustment,
                     SlChatPanel   *self)
{
  self->stick = gtk_adjustment_get_value (adjustment) + gtk_adjustment_get_page_size (adjustment) >=
                gtk_adjustment_get_upper (adjustment) - BOTTOM_SLACK;
}

/* ---- the hub ------------------------------------------------------------------ */

static const char *
hub_error_text (const char *code)
{
  if (g_strcmp0 (code, "muted") == 0)
    return _("A moderator muted you in this class.");
  if (g_strcmp0 (code, "rate_limited") == 0)
    return _("You are sending messages too quickly. Wait a moment and try again.");
  if (g_strcmp0 (code, "invalid_message") == 0)
    return _("That message cannot be sent: it is empty or longer than 2000 characters.");
  if (g_strcmp0 (code, "forbidden") == 0)
    return _("Only the class’s teacher or an admin may do that.");
  if (g_strcmp0 (code, "not_found") == 0)
    return _("That message is already gone.");
  if (g_strcmp0 (code, "class_closed") == 0)
    return _("This class has ended. The chat is closed.");
  if (g_strcmp0 (code, "not_member") == 0)
    return _("Not in the class’s chat yet. Try again in a moment.");
  return NULL;
}

static gint64
message_class_id (JsonObject *message)
{
  JsonObject *klass;

  if (json_object_has_member (message, "class_id"))
    return json_object_get_int_member_with_default (message, "class_id", 0);
  klass = object_member (message, "class");
  return klass != NULL ? json_object_get_int_member_with_default (klass, "id", 0) : 0;
}

static void
hub_message_cb (SlWsClient  *hub,
                JsonObject  *message,
                SlChatPanel *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");

  if (strcmp (type, "error") == 0)
    {
      const char *ref = json_object_get_string_member_with_default (message, "ref", "");
      const char *code = json_object_get_string_member_with_default (message, "code", "");
      const char *text;

      if (!g_str_has_prefix (ref, REF_PREFIX))
        return;
      text = hub_error_text (code);
      if (strcmp (code, "muted") == 0)
        self->muted = TRUE;
      else if (strcmp (code, "class_closed") == 0)
        self->ended = TRUE;
      /* a refused message comes back to be sent later */
      if (g_str_has_prefix (ref, REF_CHAT) && self->last_sent != NULL &&
          *gtk_editable_get_text (GTK_EDITABLE (self->entry)) == '\0')
        {
          gtk_editable_set_text (GTK_EDITABLE (self->entry), self->last_sent);
          g_clear_pointer (&self->last_sent, g_free);
        }
      if (text == NULL)
        {
          g_autofree char *other = g_strdup_printf (_("The server refused: %s"),
                                                    json_object_get_string_member_with_default (message, "message",
                                                                                                code));
          set_error_text (self, other);
        }
      else
        set_error_text (self, text);
      return;
    }

  if (message_class_id (message) != self->class_id)
    return;

  if (strcmp (type, "chat") == 0)
    add_message (self, message);
  else if (strcmp (type, "chat_deleted") == 0)
    remove_message (self, json_object_get_int_member_with_default (message, "message_id", 0));
  else if (strcmp (type, "joined") == 0)
    {
      /* after a reconnection too: what was said meanwhile, and our mute */
      self->muted = json_object_get_boolean_member_with_default (message, "muted", FALSE);
      /* moderators: who is muted already, so the menus offer to unmute them */
      if (json_object_has_member (message, "muted_users"))
        {
          JsonArray *ids = array_member (message, "muted_users");

          g_hash_table_remove_all (self->muted_users);
          for (guint i = 0; ids != NULL && i < json_array_get_length (ids); i++)
            {
              JsonNode *node = json_array_get_element (ids, i);
              gint64 user_id;

              if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
                continue;
              user_id = json_node_get_int (node);
              g_hash_table_add (self->muted_users, g_memdup2 (&user_id, sizeof user_id));
            }
        }
      add_messages (self, array_member (message, "chat"));
      update_sensitivity (self);
    }
  else if (strcmp (type, "muted") == 0)
    {
      gint64 user_id = json_object_get_int_member_with_default (message, "user_id", 0);
      gboolean muted = json_object_get_boolean_member_with_default (message, "muted", FALSE);

      if (user_id == sl_session_get_user_id (self->session))
        self->muted = muted;
      if (muted)
        g_hash_table_add (self->muted_users, g_memdup2 (&user_id, sizeof user_id));
      else
        g_hash_table_remove (self->muted_users, &user_id);
      update_sensitivity (self);
    }
  else if (strcmp (type, "class_ended") == 0)
    {
      self->ended = TRUE;
      update_sensitivity (self);
    }
}

static void
hub_state_cb (SlChatPanel *self)
{
  update_sensitivity (self);
}

static void
history_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SlChatPanel) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (answer == NULL)
    {
      g_autofree char *why = sl_ui_error_text (error);
      g_autofree char *text = g_strdup_printf (_("Earlier messages could not be loaded. %s"), why);

      set_error_text (self, text);
      return;
    }
  add_messages (self, array_member (answer, "messages"));
}

/* ---- actions ------------------------------------------------------------------- */

static gboolean
send_to_hub (SlChatPanel *self,
             JsonObject  *message,
             const char  *ref_prefix)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = g_strdup_printf ("%s%u", ref_prefix, ++self->sent);

  if (self->hub == NULL)
    return FALSE;
  json_object_set_int_member (message, "class_id", self->class_id);
  json_object_set_string_member (message, "ref", ref);
  if (!sl_ws_client_send (self->hub, message, &error))
    {
      g_autofree char *text = sl_ui_error_text (error);

      set_error_text (self, text);
      return FALSE;
    }
  return TRUE;
}

static void
send_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SlChatPanel *self = SL_CHAT_PANEL (widget);
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->entry))));
  g_autoptr(JsonObject) message = json_object_new ();

  if (*text == '\0' || self->session == NULL)
    return;
  json_object_set_string_member (message, "type", "chat");
  json_object_set_string_member (message, "text", text);
  if (!send_to_hub (self, message, REF_CHAT))
    return;
  g_free (self->last_sent);
  self->last_sent = g_steal_pointer (&text);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  /* one's own message is always shown when it comes back */
  self->stick = TRUE;
}

static void
moderate_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SlChatPanel *self = SL_CHAT_PANEL (widget);
  g_autoptr(JsonObject) message = json_object_new ();
  gint64 target = g_variant_get_int64 (parameter);

  if (!self->moderate)
    return;
  if (strcmp (action_name, "chat.delete") == 0)
    {
      json_object_set_string_member (message, "type", "chat_delete");
      json_object_set_int_member (message, "message_id", target);
    }
  else
    {
      json_object_set_string_member (message, "type",
                                     strcmp (action_name, "chat.mute") == 0 ? "mute" : "unmute");
      json_object_set_int_member (message, "user_id", target);
    }
  send_to_hub (self, message, REF_MODERATE);
}

static void
entry_activate_cb (SlChatPanel *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "chat.send", NULL);
}

/* Focusing the panel (F6 in the watch view) is focusing the line to write;
 * when it cannot be written, whatever comes first. */
static gboolean
sl_chat_panel_grab_focus (GtkWidget *widget)
{
  SlChatPanel *self = SL_CHAT_PANEL (widget);

  if (gtk_widget_grab_focus (GTK_WIDGET (self->entry)))
    return TRUE;
  return GTK_WIDGET_CLASS (sl_chat_panel_parent_class)->grab_focus (widget);
}

static void
entry_changed_cb (SlChatPanel *self)
{
  /* typing again puts the last problem away */
  if (self->error_text != NULL && *gtk_editable_get_text (GTK_EDITABLE (self->entry)) != '\0')
    set_error_text (self, NULL);
}

/* ---- public ---------------------------------------------------------------------- */

/* Back to empty: leaves the room it joined. */
static void
reset (SlChatPanel *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->hub != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->hub, self);
      sl_ws_client_leave (self->hub, self->class_id);
      g_clear_object (&self->hub);
    }
  g_clear_object (&self->session);
  self->class_id = 0;
  self->moderate = FALSE;
  self->muted = FALSE;
  self->ended = FALSE;
  g_hash_table_remove_all (self->muted_users);
  g_clear_pointer (&self->error_text, g_free);
  g_clear_pointer (&self->last_sent, g_free);
  if (self->list != NULL)
    clear_messages (self);
}

void
sl_chat_panel_set_class (SlChatPanel *self,
                         SlSession   *session,
                         gint64       class_id,
                         gboolean     moderate)
{
  SlApiClient *api;
  SlWsClient *hub;

  g_return_if_fail (SL_IS_CHAT_PANEL (self));
  g_return_if_fail (session == NULL || SL_IS_SESSION (session));

  reset (self);
  gtk_editable_set_text (GTK_EDITABLE (self->entry), "");
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  api = session != NULL ? sl_session_get_api (session) : NULL;
  hub = session != NULL ? sl_session_get_hub (session) : NULL;
  if (api == NULL || hub == NULL)
    {
      update_sensitivity (self);
      return;
    }

  self->session = g_object_ref (session);
  self->hub = g_object_ref (hub);
  self->class_id = class_id;
  self->moderate = moderate;
  self->stick = TRUE;
  /* live messages first, so none falls between the history and them
   * (duplicates are dropped by id) */
  g_signal_connect (hub, "message", G_CALLBACK (hub_message_cb), self);
  g_signal_connect_swapped (hub, "state-changed", G_CALLBACK (hub_state_cb), self);
  /* the room is the panel's: it leaves it again in reset() */
  sl_ws_client_join (hub, class_id);

  self->cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_set_spinning (self->spinner, TRUE);
  sl_api_client_chat_history_async (api, class_id, self->cancellable, history_cb, g_object_ref (self));
  update_sensitivity (self);
}

GtkWidget *
sl_chat_panel_new (void)
{
  return g_object_new (SL_TYPE_CHAT_PANEL, NULL);
}

/* ---- the object -------------------------------------------------------------------- */

static void
sl_chat_panel_dispose (GObject *object)
{
  SlChatPanel *self = SL_CHAT_PANEL (object);

  reset (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_CHAT_PANEL);
  self->list = NULL;
  G_OBJECT_CLASS (sl_chat_panel_parent_class)->dispose (object);
}

static void
sl_chat_panel_finalize (GObject *object)
{
  SlChatPanel *self = SL_CHAT_PANEL (object);

  g_hash_table_unref (self->rows);
  g_hash_table_unref (self->muted_users);
  G_OBJECT_CLASS (sl_chat_panel_parent_class)->finalize (object);
}

static void
sl_chat_panel_class_init (SlChatPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_chat_panel_dispose;
  object_class->finalize = sl_chat_panel_finalize;
  widget_class->grab_focus = sl_chat_panel_grab_focus;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-chat-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, list);
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, spinner);
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, entry);
  gtk_widget_class_bind_template_child (widget_class, SlChatPanel, send_button);
  gtk_widget_class_bind_template_callback (widget_class, entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, entry_changed_cb);

  gtk_widget_class_install_action (widget_class, "chat.send", NULL, send_activated);
  gtk_widget_class_install_action (widget_class, "chat.delete", "x", moderate_activated);
  gtk_widget_class_install_action (widget_class, "chat.mute", "x", moderate_activated);
  gtk_widget_class_install_action (widget_class, "chat.unmute", "x", moderate_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "chat.send", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "chat.send", NULL);
}

static void
sl_chat_panel_init (SlChatPanel *self)
{
  GtkAdjustment *adjustment;

  self->rows = g_hash_table_new (g_int64_hash, g_int64_equal);
  self->muted_users = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->stick = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_sort_func (self->list, sort_rows_cb, NULL, NULL);
  adjustment = gtk_scrolled_window_get_vadjustment (self->scroller);
  g_signal_connect_object (adjustment, "changed", G_CALLBACK (adjustment_changed_cb), self, 0);
  g_signal_connect_object (adjustment, "value-changed", G_CALLBACK (adjustment_value_cb), self, 0);
  update_sensitivity (self);
}
