/* sl-teach-page.c: the teacher's view: their classes (schedule, edit,
 * cancel) and going live
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-teach-page"

#include "config.h"

#include "sl-teach-page.h"

#include "sl-class-editor.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>

/* each list is read a page of PAGE_SIZE at a time, MAX_PAGES at most */
#define PAGE_SIZE 100
#define MAX_PAGES 10

typedef enum {
  GROUP_LIVE,
  GROUP_UPCOMING,
  GROUP_PAST,
  N_GROUPS
} Group;

static const char *const group_routes[N_GROUPS] = {
  [GROUP_LIVE] = "live",
  [GROUP_UPCOMING] = "upcoming",
  [GROUP_PAST] = "past",
};

struct _SlTeachPage {
  AdwBin        parent_instance;

  GtkLabel     *heading_label;
  GtkSpinner   *spinner;
  GtkRevealer  *message_revealer;
  GtkLabel     *message_label;
  GtkListBox   *live_list;
  GtkListBox   *upcoming_list;
  GtkListBox   *past_list;

  SlSession    *session;
  SlWsClient   *hub;
  GHashTable   *rows;          /* class id (gint64 *) → GtkListBoxRow (the list box's) */
  GCancellable *cancellable;   /* of the loading and the changes in flight */
  guint         generation;    /* of the latest load: rows it did not see go */
  guint         loads_pending;
  gboolean      load_failed;
  gboolean      hub_lost;      /* the hub dropped since it was connected */
};

G_DEFINE_FINAL_TYPE (SlTeachPage, sl_teach_page, ADW_TYPE_BIN)

/* ---- messages ---------------------------------------------------------------- */

static void
set_message (SlTeachPage *self,
             const char  *message)
{
  if (message != NULL)
    gtk_label_set_text (self->message_label, message);
  gtk_revealer_set_reveal_child (self->message_revealer, message != NULL);
}

static void
show_error (SlTeachPage  *self,
            const GError *error)
{
  g_autofree char *text = sl_ui_error_text (error);

  set_message (self, text);
}

/* ---- one class -------------------------------------------------------------- */

static gboolean
is_admin (SlTeachPage *self)
{
  return self->session != NULL && g_strcmp0 (sl_session_get_role (self->session), "admin") == 0;
}

static gint64
owner_id (JsonObject *klass)
{
  JsonObject *owner = json_object_has_member (klass, "owner")
                      ? json_object_get_object_member (klass, "owner") : NULL;

  return owner != NULL ? json_object_get_int_member_with_default (owner, "id", 0) : 0;
}

/* Whether the page shows @klass: the teacher's own, or any for an admin. */
static gboolean
is_shown (SlTeachPage *self,
          JsonObject  *klass)
{
  return is_admin (self) || owner_id (klass) == sl_session_get_user_id (self->session);
}

static GDateTime *
class_time (JsonObject *klass,
            const char *member)
{
  const char *text = json_object_get_string_member_with_default (klass, member, NULL);
  g_autoptr(GDateTime) utc = text != NULL ? g_date_time_new_from_iso8601 (text, NULL) : NULL;

  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

static Group
class_group (JsonObject *klass)
{
  const char *state = json_object_get_string_member_with_default (klass, "state", "");

  if (g_str_equal (state, "live"))
    return GROUP_LIVE;
  if (g_str_equal (state, "scheduled"))
    return GROUP_UPCOMING;
  return GROUP_PAST;
}

static GtkListBox *
group_list (SlTeachPage *self,
            Group        group)
{
  switch (group)
    {
    case GROUP_LIVE:
      return self->live_list;
    case GROUP_UPCOMING:
      return self->upcoming_list;
    case GROUP_PAST:
    default:
      return self->past_list;
    }
}

/* The line under the title: when, how long, who can watch. */
static char *
class_subtitle (SlTeachPage *self,
                JsonObject  *klass)
{
  g_autoptr(GString) text = g_string_new (NULL);
  const char *state = json_object_get_string_member_with_default (klass, "state", "");
  g_autoptr(GDateTime) scheduled = class_time (klass, "scheduled_at");
  g_autoptr(GDateTime) started = class_time (klass, "started_at");
  g_autoptr(GDateTime) ended = class_time (klass, "ended_at");
  gint64 minutes = json_object_get_int_member_with_default (klass, "duration_minutes", 0);
  /* TRANSLATORS: a class's day and time in the lists, see g_date_time_format() */
  const char *when_format = _("%a %-d %b %Y, %H:%M");

  if (g_str_equal (state, "live") && started != NULL)
    {
      /* TRANSLATORS: the time a class went live, see g_date_time_format() */
      g_autofree char *at = g_date_time_format (started, _("%H:%M"));

      g_string_append_printf (text, _("Live since %s"), at);
    }
  else if (g_str_equal (state, "ended") && ended != NULL)
    {
      g_autofree char *at = g_date_time_format (ended, when_format);

      g_string_append_printf (text, _("Ended %s"), at);
    }
  else if (g_str_equal (state, "cancelled") && scheduled != NULL)
    {
      g_autofree char *at = g_date_time_format (scheduled, when_format);

      g_string_append_printf (text, _("Cancelled (was %s)"), at);
    }
  else if (scheduled != NULL)
    {
      g_autofree char *at = g_date_time_format (scheduled, when_format);

      g_string_append (text, at);
    }

  if (!g_str_equal (state, "cancelled") && minutes > 0)
    {
      g_autofree char *length = g_strdup_printf (ngettext ("%d minute", "%d minutes", (gulong) minutes),
                                                 (int) minutes);

      g_string_append_printf (text, " · %s", length);
    }
  if (json_object_get_boolean_member_with_default (klass, "public", FALSE))
    g_string_append_printf (text, " · %s", _("Public"));
  if (owner_id (klass) != sl_session_get_user_id (self->session))
    {
      JsonNode *owner_node = json_object_get_member (klass, "owner");
      JsonObject *owner = owner_node != NULL && JSON_NODE_HOLDS_OBJECT (owner_node)
                            ? json_node_get_object (owner_node) : NULL;
      const char *name = owner != NULL
                         ? json_object_get_string_member_with_default (owner, "display_name", "")
                         : "";

      g_string_append_printf (text, " · ");
      g_string_append_printf (text, _("by %s"), name);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* What the list is sorted by: the live by start (newest first), the
 * upcoming by time (soonest first), the past by end (latest first). */
static gint64
class_sort_key (JsonObject *klass)
{
  const char *member;
  g_autoptr(GDateTime) time = NULL;

  switch (class_group (klass))
    {
    case GROUP_LIVE:
      member = "started_at";
      break;
    case GROUP_UPCOMING:
      member = "scheduled_at";
      break;
    case GROUP_PAST:
    default:
      member = json_object_get_null_member (klass, "ended_at") ? "scheduled_at" : "ended_at";
      break;
    }
  time = class_time (klass, member);
  if (time == NULL)
    time = class_time (klass, "scheduled_at");
  return time != NULL ? g_date_time_to_unix (time) : 0;
}

static int
sort_rows_cb (GtkListBoxRow *a,
              GtkListBoxRow *b,
              gpointer       data)
{
  gint64 ka = *(gint64 *) g_object_get_data (G_OBJECT (a), "sort-key");
  gint64 kb = *(gint64 *) g_object_get_data (G_OBJECT (b), "sort-key");
  int order = ka < kb ? -1 : ka > kb ? 1 : 0;

  return GPOINTER_TO_INT (data) * order;
}

static JsonObject *
row_class (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "class");
}

/* Fills @row (new or shown before) from @klass. */
static void
update_row (SlTeachPage *self,
            GtkWidget   *row,
            JsonObject  *klass)
{
  GtkWidget *go_live = g_object_get_data (G_OBJECT (row), "go-live");
  GtkWidget *edit = g_object_get_data (G_OBJECT (row), "edit");
  GtkWidget *cancel = g_object_get_data (G_OBJECT (row), "cancel");
  const char *title = json_object_get_string_member_with_default (klass, "title", "");
  Group group = class_group (klass);
  g_autofree char *subtitle = class_subtitle (self, klass);
  g_autofree char *edit_label = g_strdup_printf (_("Edit “%s”"), title);
  g_autofree char *cancel_label = g_strdup_printf (_("Cancel “%s”"), title);
  g_autofree char *live_label = g_strdup_printf (_("Go live with “%s”"), title);
  gint64 *key = g_new (gint64, 1);

  *key = class_sort_key (klass);
  g_object_set_data_full (G_OBJECT (row), "class", json_object_ref (klass),
                          (GDestroyNotify) json_object_unref);
  g_object_set_data_full (G_OBJECT (row), "sort-key", key, g_free);
  g_object_set_data (G_OBJECT (row), "generation", GUINT_TO_POINTER (self->generation));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  gtk_widget_set_visible (go_live, group != GROUP_PAST);
  gtk_widget_set_visible (edit, group != GROUP_PAST);
  /* a live class is ended from its broadcast, not cancelled */
  gtk_widget_set_visible (cancel, group == GROUP_UPCOMING);
  if (group == GROUP_LIVE)
    gtk_widget_add_css_class (go_live, "suggested-action");
  else
    gtk_widget_remove_css_class (go_live, "suggested-action");
  gtk_accessible_update_property (GTK_ACCESSIBLE (go_live), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  live_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (edit), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  edit_label, -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (cancel), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  cancel_label, -1);
}

static GtkWidget *
new_row (SlTeachPage *self,
         gint64       id)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *go_live = gtk_button_new_with_mnemonic (_("Go _Live"));
  GtkWidget *edit = gtk_button_new_from_icon_name ("document-edit-symbolic");
  GtkWidget *cancel = gtk_button_new_from_icon_name ("user-trash-symbolic");
  GVariant *target = g_variant_new_int64 (id);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 2);
  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);

  gtk_actionable_set_action_name (GTK_ACTIONABLE (go_live), "win.go-live");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (go_live), target);
  gtk_widget_set_tooltip_text (go_live, _("Open the broadcast of this class"));

  gtk_actionable_set_action_name (GTK_ACTIONABLE (edit), "teach.edit");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (edit), target);
  gtk_widget_set_tooltip_text (edit, _("Edit"));
  gtk_widget_add_css_class (edit, "flat");

  gtk_actionable_set_action_name (GTK_ACTIONABLE (cancel), "teach.cancel");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (cancel), target);
  gtk_widget_set_tooltip_text (cancel, _("Cancel Class"));
  gtk_widget_add_css_class (cancel, "flat");

  gtk_box_append (GTK_BOX (box), go_live);
  gtk_box_append (GTK_BOX (box), edit);
  gtk_box_append (GTK_BOX (box), cancel);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), box);
  g_object_set_data (G_OBJECT (row), "go-live", go_live);
  g_object_set_data (G_OBJECT (row), "edit", edit);
  g_object_set_data (G_OBJECT (row), "cancel", cancel);
  return row;
}

static void
remove_row (SlTeachPage *self,
            GtkWidget   *row)
{
  GtkWidget *list = gtk_widget_get_parent (row);

  if (GTK_IS_LIST_BOX (list))
    gtk_list_box_remove (GTK_LIST_BOX (list), row);
}

/* Shows @klass where it belongs now (or not at all). */
static void
upsert_class (SlTeachPage *self,
              JsonObject  *klass)
{
  gint64 id = json_object_get_int_member_with_default (klass, "id", 0);
  GtkWidget *row;
  GtkListBox *list;

  if (id <= 0 || self->session == NULL)
    return;
  row = g_hash_table_lookup (self->rows, &id);
  if (!is_shown (self, klass))
    {
      if (row != NULL)
        {
          remove_row (self, row);
          g_hash_table_remove (self->rows, &id);
        }
      return;
    }
  list = group_list (self, class_group (klass));
  if (row != NULL && gtk_widget_get_parent (row) != GTK_WIDGET (list))
    {
      /* it moved on: live, ended, cancelled */
      remove_row (self, row);
      g_hash_table_remove (self->rows, &id);
      row = NULL;
    }
  if (row == NULL)
    {
      gint64 *key = g_new (gint64, 1);

      *key = id;
      row = new_row (self, id);
      update_row (self, row, klass);
      gtk_list_box_append (list, row);
      g_hash_table_insert (self->rows, key, row);
      return;
    }
  update_row (self, row, klass);
  gtk_list_box_row_changed (GTK_LIST_BOX_ROW (row));
}

static void
clear_rows (SlTeachPage *self)
{
  GHashTableIter iter;
  GtkWidget *row;

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    {
      remove_row (self, row);
      g_hash_table_iter_remove (&iter);
    }
}

/* ---- loading ---------------------------------------------------------------------- */

typedef struct {
  SlTeachPage *self;
  Group        group;
  guint        offset;
  guint        pages;
} Load;

static void load_page (Load *load);

static void
load_finished (SlTeachPage *self)
{
  GHashTableIter iter;
  GtkWidget *row;

  if (self->loads_pending == 0 || --self->loads_pending > 0)
    return;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  if (self->load_failed)
    return;
  /* what the server no longer lists (it is someone else's now, or gone) */
  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &row))
    if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "generation")) != self->generation)
      {
        remove_row (self, row);
        g_hash_table_iter_remove (&iter);
      }
}

static void
page_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Load *load = user_data;
  g_autoptr(SlTeachPage) self = load->self;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *classes;
  guint length = 0;
  gint64 total;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_free (load);
      return;
    }
  if (answer == NULL)
    {
      self->load_failed = TRUE;
      show_error (self, error);
      g_free (load);
      load_finished (self);
      return;
    }
  classes = json_object_has_member (answer, "classes")
            ? json_object_get_array_member (answer, "classes") : NULL;
  if (classes != NULL)
    {
      length = json_array_get_length (classes);
      for (guint i = 0; i < length; i++)
        {
          JsonNode *node = json_array_get_element (classes, i);

          if (JSON_NODE_HOLDS_OBJECT (node))
            upsert_class (self, json_node_get_object (node));
        }
    }
  total = json_object_get_int_member_with_default (answer, "total", 0);
  load->offset += length;
  load->pages++;
  if (length > 0 && load->offset < total && load->pages < MAX_PAGES)
    {
      load->self = g_object_ref (self);
      load_page (load);
      return;
    }
  g_free (load);
  load_finished (self);
}

static void
load_page (Load *load)
{
  SlTeachPage *self = load->self;
  g_autofree char *path = g_strdup_printf ("/api/classes/%s?limit=%d&offset=%u",
                                           group_routes[load->group], PAGE_SIZE, load->offset);

  sl_api_client_request_async (sl_session_get_api (self->session), "GET", path, NULL,
                               self->cancellable, page_loaded_cb, load);
}

static void
reload (SlTeachPage *self)
{
  if (self->session == NULL || sl_session_get_api (self->session) == NULL)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  self->loads_pending = N_GROUPS;
  self->load_failed = FALSE;
  set_message (self, NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), TRUE);
  gtk_spinner_set_spinning (self->spinner, TRUE);
  for (Group group = 0; group < N_GROUPS; group++)
    {
      Load *load = g_new0 (Load, 1);

      load->self = g_object_ref (self);
      load->group = group;
      load_page (load);
    }
}

/* ---- the hub ------------------------------------------------------------------ */

static void
hub_message_cb (SlWsClient  *hub,
                JsonObject  *message,
                SlTeachPage *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");
  JsonNode *klass;

  if (!g_str_equal (type, "class_updated") && !g_str_equal (type, "class_started") &&
      !g_str_equal (type, "class_ended"))
    return;
  klass = json_object_get_member (message, "class");
  if (klass != NULL && JSON_NODE_HOLDS_OBJECT (klass))
    upsert_class (self, json_node_get_object (klass));
}

static void
hub_state_cb (SlWsClient  *hub,
              int          state,
              SlTeachPage *self)
{
  /* what was announced while the hub was away is read again */
  if (state == SL_WS_CONNECTED && self->hub_lost)
    {
      self->hub_lost = FALSE;
      reload (self);
    }
  else if (state != SL_WS_CONNECTED)
    self->hub_lost = TRUE;
}

/* ---- actions --------------------------------------------------------------------- */

static void
editor_saved_cb (SlClassEditor *editor,
                 JsonObject    *klass,
                 SlTeachPage   *self)
{
  upsert_class (self, klass);
}

static void
open_editor (SlTeachPage *self,
             JsonObject  *klass)
{
  SlClassEditor *editor;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->session == NULL || sl_session_get_api (self->session) == NULL)
    return;
  editor = sl_class_editor_new (self->session, klass);
  g_signal_connect_object (editor, "saved", G_CALLBACK (editor_saved_cb), self, 0);
  if (GTK_IS_WINDOW (root))
    gtk_window_set_transient_for (GTK_WINDOW (editor), GTK_WINDOW (root));
  gtk_window_present (GTK_WINDOW (editor));
}

static void
schedule_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  open_editor (SL_TEACH_PAGE (widget), NULL);
}

static JsonObject *
lookup_class (SlTeachPage *self,
              GVariant    *parameter)
{
  gint64 id = g_variant_get_int64 (parameter);
  GtkWidget *row = g_hash_table_lookup (self->rows, &id);

  return row != NULL ? row_class (row) : NULL;
}

static void
edit_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SlTeachPage *self = SL_TEACH_PAGE (widget);
  JsonObject *klass = lookup_class (self, parameter);

  if (klass != NULL)
    open_editor (self, klass);
}

static void
cancelled_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SlTeachPage) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (answer == NULL)
    {
      show_error (self, error);
      return;
    }
  if (json_object_has_member (answer, "class") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "class")))
    upsert_class (self, json_object_get_object_member (answer, "class"));
}

static void
cancel_response_cb (AdwMessageDialog *dialog,
                    const char       *response,
                    SlTeachPage      *self)
{
  gint64 id = GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (dialog), "class-id"));
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "cancel") || self->session == NULL ||
      sl_session_get_api (self->session) == NULL)
    return;
  path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, id);
  sl_api_client_request_async (sl_session_get_api (self->session), "DELETE", path, NULL,
                               self->cancellable, cancelled_cb, g_object_ref (self));
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlTeachPage *self = SL_TEACH_PAGE (widget);
  JsonObject *klass = lookup_class (self, parameter);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *heading = NULL;
  GtkWidget *dialog;

  if (klass == NULL)
    return;
  heading = g_strdup_printf (_("Cancel “%s”?"),
                             json_object_get_string_member_with_default (klass, "title", ""));
  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, heading,
                                   _("Students will no longer find it among the upcoming classes. "
                                     "A cancelled class cannot be scheduled again."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Class"),
                                    "cancel", _("_Cancel Class"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "cancel",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  g_object_set_data (G_OBJECT (dialog), "class-id",
                     GSIZE_TO_POINTER ((gsize) g_variant_get_int64 (parameter)));
  g_signal_connect_object (dialog, "response", G_CALLBACK (cancel_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
reload_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  reload (SL_TEACH_PAGE (widget));
}

static void
dismiss_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  set_message (SL_TEACH_PAGE (widget), NULL);
}

/* ---- the session ------------------------------------------------------------------ */

static void
drop_session (SlTeachPage *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->hub != NULL)
    g_signal_handlers_disconnect_by_data (self->hub, self);
  g_clear_object (&self->hub);
  g_clear_object (&self->session);
  self->loads_pending = 0;
  self->hub_lost = FALSE;
  gtk_spinner_set_spinning (self->spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  set_message (self, NULL);
}

void
sl_teach_page_set_session (SlTeachPage *self,
                           SlSession   *session)
{
  SlWsClient *hub;

  g_return_if_fail (SL_IS_TEACH_PAGE (self));
  g_return_if_fail (session == NULL || SL_IS_SESSION (session));

  hub = session != NULL ? sl_session_get_hub (session) : NULL;
  if (session == self->session && hub == self->hub)
    return;

  drop_session (self);
  clear_rows (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.schedule", session != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.reload", session != NULL);
  if (session == NULL)
    return;

  self->session = g_object_ref (session);
  gtk_label_set_text (self->heading_label, is_admin (self) ? _("All Classes") : _("Your Classes"));
  if (hub != NULL)
    {
      self->hub = g_object_ref (hub);
      /* the first connection brings nothing the load does not */
      self->hub_lost = FALSE;
      g_signal_connect_object (hub, "message", G_CALLBACK (hub_message_cb), self, 0);
      g_signal_connect_object (hub, "state-changed", G_CALLBACK (hub_state_cb), self, 0);
    }
  reload (self);
}

/* ---- the object ----------------------------------------------------------------- */

static void
sl_teach_page_dispose (GObject *object)
{
  SlTeachPage *self = SL_TEACH_PAGE (object);

  drop_session (self);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_TEACH_PAGE);
  G_OBJECT_CLASS (sl_teach_page_parent_class)->dispose (object);
}

static void
sl_teach_page_class_init (SlTeachPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_teach_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-teach-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, heading_label);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, message_revealer);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, live_list);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, upcoming_list);
  gtk_widget_class_bind_template_child (widget_class, SlTeachPage, past_list);

  gtk_widget_class_install_action (widget_class, "teach.schedule", NULL, schedule_activated);
  gtk_widget_class_install_action (widget_class, "teach.edit", "x", edit_activated);
  gtk_widget_class_install_action (widget_class, "teach.cancel", "x", cancel_activated);
  gtk_widget_class_install_action (widget_class, "teach.reload", NULL, reload_activated);
  gtk_widget_class_install_action (widget_class, "teach.dismiss", NULL, dismiss_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "teach.schedule", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "teach.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "teach.reload", NULL);
}

static void
sl_teach_page_init (SlTeachPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->rows = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gtk_list_box_set_sort_func (self->live_list, sort_rows_cb, GINT_TO_POINTER (-1), NULL);
  gtk_list_box_set_sort_func (self->upcoming_list, sort_rows_cb, GINT_TO_POINTER (1), NULL);
  gtk_list_box_set_sort_func (self->past_list, sort_rows_cb, GINT_TO_POINTER (-1), NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.schedule", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.reload", FALSE);
}
