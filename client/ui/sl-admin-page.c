/* sl-admin-page.c: the admin's view: the overview dashboard (counts and
 * viewers over time) and the users (list, search, create, change role,
 * disable)
 *
 * The server has no analytics route (docs/api.md): the counts come from
 * the routes it has. Users: the total of GET /api/admin/users. Live
 * classes: the total of GET /api/classes/live. Viewers now: the sum over
 * the live classes of GET /api/watch/<id>'s "viewers" (the server's count
 * of hub members, WebRTC and web viewers of each class). Recordings: the
 * sum over every live and past class of GET /api/classes/<id>/recordings.
 * Nor does it keep viewers over time: the page counts every 10 s while it
 * is shown (and at once on the hub's class and stream events) and the
 * chart keeps the last 10 minutes.
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-admin-page"

#include "config.h"

#include "sl-admin-page.h"

#include "sl-client-error.h"
#include "sl-ui-errors.h"
#include "sl-user-editor.h"
#include "sl-viewers-chart.h"

#include <glib/gi18n.h>

#define TICK_SECONDS 10
/* counting recordings asks once per class: not at every tick */
#define RECORDINGS_EVERY_US (60 * G_USEC_PER_SEC)
#define EVENT_DELAY_MS 500
#define CLASS_PAGE 100
#define USERS_PAGE 50

/* in the order of the role combo rows' model */
static const char * const role_ids[] = { "student", "teacher", "admin" };

typedef struct _Refresh Refresh;

struct _SlAdminPage {
  AdwBin            parent_instance;

  AdwViewStack     *sections;
  GtkLabel         *users_count;
  GtkLabel         *live_count;
  GtkLabel         *viewers_count;
  GtkLabel         *recordings_count;
  GtkLabel         *updated_label;
  GtkSpinner       *overview_spinner;
  GtkLabel         *overview_message;
  SlViewersChart   *chart;
  GtkWidget        *users_box;
  GtkSearchEntry   *search_entry;
  GtkListBox       *users_list;
  GtkLabel         *users_message;
  GtkLabel         *users_empty;
  GtkSpinner       *users_spinner;
  GtkLabel         *users_total;
  GtkButton        *more_button;

  SlSession        *session;
  SlWsClient       *hub;
  GCancellable     *cancellable;        /* everything of this session */

  /* the overview */
  Refresh          *refresh;            /* the one under way */
  gboolean          refresh_again;
  gboolean          again_recordings;
  guint             tick_id;
  guint             event_id;
  gint64            refreshed_at;       /* monotonic µs */
  gint64            recordings_at;      /* monotonic µs */
  gint64            recordings;         /* -1: not counted yet */

  /* the users */
  GCancellable     *users_cancellable;  /* the listing under way */
  guint             users_loaded;
  gint64            users_matching;
  SlUserEditor     *editor;             /* weak */
};

G_DEFINE_FINAL_TYPE (SlAdminPage, sl_admin_page, ADW_TYPE_BIN)

/* The template's top child (not bound: AdwBin owns it, and a bound child
 * would be dropped under AdwBin's feet at dispose). */
static AdwToastOverlay *
toasts (SlAdminPage *self)
{
  return ADW_TOAST_OVERLAY (adw_bin_get_child (ADW_BIN (self)));
}

/* Toast titles are markup: names typed by people are escaped. */
static void
toast (SlAdminPage *self,
       const char  *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 5);
  adw_toast_overlay_add_toast (toasts (self), t);
}

/* A failure goes before any success toast still waiting. */
static void
toast_error (SlAdminPage *self,
             const char  *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 8);
  adw_toast_set_priority (t, ADW_TOAST_PRIORITY_HIGH);
  adw_toast_overlay_add_toast (toasts (self), t);
}

static void
set_label_message (GtkLabel   *label,
                   const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

static const char *
role_name (guint role)
{
  switch (role)
    {
    case 2:
      return _("Admin");
    case 1:
      return _("Teacher");
    case 0:
    default:
      return _("Student");
    }
}

static guint
role_index (const char *role)
{
  for (guint i = 0; i < G_N_ELEMENTS (role_ids); i++)
    if (g_strcmp0 (role, role_ids[i]) == 0)
      return i;
  return 0;
}

static const char *
json_string (JsonObject *object,
             const char *member,
             const char *fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fallback;
  return json_node_get_string (node);
}

static gint64
json_int (JsonObject *object,
          const char *member,
          gint64      fallback)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return fallback;
  return json_node_get_int (node);
}

static JsonArray *
json_array (JsonObject *object,
            const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;
  return json_node_get_array (node);
}

/* ==== the overview ===================================================== */

struct _Refresh {
  SlAdminPage  *self;        /* owned */
  SlApiClient  *api;         /* owned */
  GCancellable *cancellable; /* owned */
  guint         pending;
  gboolean      count_recordings;
  gint64        users;
  gint64        live;
  gint64        viewers;
  gint64        recordings;
  GError       *error;
};

static void refresh_start (SlAdminPage *self,
                           gboolean     count_recordings);

static void
refresh_free (Refresh *refresh)
{
  g_clear_object (&refresh->self);
  g_clear_object (&refresh->api);
  g_clear_object (&refresh->cancellable);
  g_clear_error (&refresh->error);
  g_free (refresh);
}

static void
set_count (GtkLabel *label,
           gint64    value)
{
  g_autofree char *text = value >= 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, value) : g_strdup ("—");

  gtk_label_set_text (label, text);
}

static void
refresh_finish (Refresh *refresh)
{
  SlAdminPage *self = refresh->self;
  gboolean cancelled = g_cancellable_is_cancelled (refresh->cancellable);

  if (self->refresh == refresh)
    {
      self->refresh = NULL;
      gtk_spinner_set_spinning (self->overview_spinner, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->overview_spinner), FALSE);
    }

  if (cancelled)
    {
      refresh_free (refresh);
      return;
    }

  if (refresh->error != NULL)
    {
      g_autofree char *text = sl_ui_error_text (refresh->error);
      g_autofree char *message = g_strdup_printf (_("The figures could not be brought up to date. %s"), text);

      set_label_message (self->overview_message, message);
    }
  else
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autofree char *clock = g_date_time_format (now, "%X");
      g_autofree char *updated = g_strdup_printf (_("Updated at %s"), clock);

      set_label_message (self->overview_message, NULL);
      set_count (self->users_count, refresh->users);
      set_count (self->live_count, refresh->live);
      set_count (self->viewers_count, refresh->viewers);
      if (refresh->count_recordings)
        {
          self->recordings = refresh->recordings;
          self->recordings_at = g_get_monotonic_time ();
        }
      set_count (self->recordings_count, self->recordings);
      gtk_label_set_text (self->updated_label, updated);
      sl_viewers_chart_add_sample (self->chart, g_get_real_time (), (guint) CLAMP (refresh->viewers, 0, G_MAXUINT));
      self->refreshed_at = g_get_monotonic_time ();
    }

  if (self->refresh_again && self->session != NULL)
    {
      gboolean recordings = self->again_recordings;

      self->refresh_again = FALSE;
      self->again_recordings = FALSE;
      refresh_free (refresh);
      refresh_start (self, recordings);
      return;
    }
  refresh_free (refresh);
}

/* One request of @refresh is answered. */
static void
refresh_done_one (Refresh *refresh,
                  GError  *error)
{
  if (error != NULL && refresh->error == NULL &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    refresh->error = g_error_copy (error);
  g_assert (refresh->pending > 0);
  if (--refresh->pending == 0)
    refresh_finish (refresh);
}

static void
refresh_request (Refresh             *refresh,
                 const char          *path,
                 GAsyncReadyCallback  callback)
{
  refresh->pending++;
  sl_api_client_request_async (refresh->api, "GET", path, NULL, refresh->cancellable,
                               callback, refresh);
}

static void
users_total_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);

  if (answer != NULL)
    refresh->users = json_int (answer, "total", 0);
  refresh_done_one (refresh, error);
}

static void
watch_state_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);

  if (answer != NULL)
    refresh->viewers += MAX (json_int (answer, "viewers", 0), 0);
  /* a class that went away meanwhile has no viewers */
  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND))
    g_clear_error (&error);
  refresh_done_one (refresh, error);
}

static void
recordings_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  Refresh *refresh = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  JsonArray *list = json_array (answer, "recordings");

  if (list != NULL)
    refresh->recordings += json_array_get_length (list);
  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND))
    g_clear_error (&error);
  refresh_done_one (refresh, error);
}

static void classes_page_cb (GObject      *source,
                             GAsyncResult *result,
                             gpointer      user_data);

typedef struct {
  Refresh  *refresh;
  gboolean  live;
  guint     offset;
} ClassPage;

static void
request_classes (Refresh  *refresh,
                 gboolean  live,
                 guint     offset)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%s?limit=%u&offset=%u",
                                           live ? "live" : "past", CLASS_PAGE, offset);
  ClassPage *page = g_new0 (ClassPage, 1);

  page->refresh = refresh;
  page->live = live;
  page->offset = offset;
  refresh->pending++;
  sl_api_client_request_async (refresh->api, "GET", path, NULL, refresh->cancellable,
                               classes_page_cb, page);
}

static void
classes_page_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autofree ClassPage *page = user_data;
  Refresh *refresh = page->refresh;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  JsonArray *classes = json_array (answer, "classes");
  guint n = classes != NULL ? json_array_get_length (classes) : 0;
  gint64 total = json_int (answer, "total", 0);

  if (answer != NULL)
    {
      if (page->live)
        refresh->live = total;
      for (guint i = 0; i < n; i++)
        {
          JsonNode *node = json_array_get_element (classes, i);
          gint64 id = JSON_NODE_HOLDS_OBJECT (node) ? json_int (json_node_get_object (node), "id", 0) : 0;
          g_autofree char *watch = NULL;
          g_autofree char *recordings = NULL;

          if (id <= 0)
            continue;
          if (page->live)
            {
              watch = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
              refresh_request (refresh, watch, watch_state_cb);
            }
          if (refresh->count_recordings)
            {
              recordings = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/recordings", id);
              refresh_request (refresh, recordings, recordings_cb);
            }
        }
      /* the next page, while there is one */
      if (n > 0 && page->offset + n < total)
        request_classes (refresh, page->live, page->offset + n);
    }
  refresh_done_one (refresh, error);
}

static void
refresh_start (SlAdminPage *self,
               gboolean     count_recordings)
{
  SlApiClient *api;
  Refresh *refresh;

  if (self->session == NULL || (api = sl_session_get_api (self->session)) == NULL)
    return;
  if (self->recordings < 0)
    count_recordings = TRUE;
  if (self->refresh != NULL)
    {
      /* once this one is in, with what was asked meanwhile */
      self->refresh_again = TRUE;
      self->again_recordings |= count_recordings;
      return;
    }

  refresh = g_new0 (Refresh, 1);
  refresh->self = g_object_ref (self);
  refresh->api = g_object_ref (api);
  refresh->cancellable = g_object_ref (self->cancellable);
  refresh->count_recordings = count_recordings;
  self->refresh = refresh;
  gtk_widget_set_visible (GTK_WIDGET (self->overview_spinner), TRUE);
  gtk_spinner_set_spinning (self->overview_spinner, TRUE);

  /* held until every request is sent */
  refresh->pending++;
  refresh_request (refresh, "/api/admin/users?limit=1", users_total_cb);
  request_classes (refresh, TRUE, 0);
  if (count_recordings)
    request_classes (refresh, FALSE, 0);
  refresh_done_one (refresh, NULL);
}

static gboolean
tick_cb (gpointer user_data)
{
  SlAdminPage *self = user_data;

  refresh_start (self, g_get_monotonic_time () - self->recordings_at >= RECORDINGS_EVERY_US);
  return G_SOURCE_CONTINUE;
}

static gboolean
event_cb (gpointer user_data)
{
  SlAdminPage *self = user_data;

  self->event_id = 0;
  refresh_start (self, TRUE);
  return G_SOURCE_REMOVE;
}

static void
hub_message_cb (SlWsClient  *hub,
                JsonObject  *message,
                SlAdminPage *self)
{
  const char *type = json_string (message, "type", NULL);
  static const char * const interesting[] = {
    "class_started", "class_ended", "class_updated", "stream", NULL
  };

  if (type == NULL || !g_strv_contains (interesting, type) ||
      !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  /* a burst of events makes one count */
  if (self->event_id == 0)
    self->event_id = g_timeout_add (EVENT_DELAY_MS, event_cb, self);
}

static void
start_ticking (SlAdminPage *self)
{
  if (self->session == NULL || self->tick_id != 0)
    return;
  self->tick_id = g_timeout_add_seconds (TICK_SECONDS, tick_cb, self);
  /* shown again: count now unless it was just done */
  if (g_get_monotonic_time () - self->refreshed_at > 2 * G_USEC_PER_SEC)
    refresh_start (self, TRUE);
}

static void
stop_ticking (SlAdminPage *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->event_id, g_source_remove);
}

static void
refresh_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  refresh_start (SL_ADMIN_PAGE (widget), TRUE);
}

/* ==== the users ========================================================== */

typedef struct {
  SlAdminPage    *page;           /* not owned: rows go with the page */
  AdwExpanderRow *row;            /* not owned: this is its data */
  AdwComboRow    *role_row;
  GtkSwitch      *enabled_switch;
  gint64          id;
  char           *username;
  char           *display_name;
  guint           role;
  gboolean        disabled;
  gboolean        syncing;        /* the program moves a control, not the user */
  gboolean        is_self;
} UserRow;

static void
user_row_free (UserRow *row)
{
  g_free (row->username);
  g_free (row->display_name);
  g_free (row);
}

static UserRow *
user_row_get (GtkWidget *widget)
{
  return g_object_get_data (G_OBJECT (widget), "sl-user-row");
}

static void
user_row_show (UserRow *row)
{
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->row), row->display_name);
  if (row->disabled)
    /* TRANSLATORS: user name · role · account state */
    subtitle = g_strdup_printf (_("%s · %s · Disabled"), row->username, role_name (row->role));
  else
    /* TRANSLATORS: user name · role */
    subtitle = g_strdup_printf (_("%s · %s"), row->username, role_name (row->role));
  adw_expander_row_set_subtitle (row->row, subtitle);

  row->syncing = TRUE;
  adw_combo_row_set_selected (row->role_row, row->role);
  gtk_switch_set_active (row->enabled_switch, !row->disabled);
  gtk_switch_set_state (row->enabled_switch, !row->disabled);
  row->syncing = FALSE;
}

static void
user_row_update (UserRow    *row,
                 JsonObject *user)
{
  g_free (row->username);
  g_free (row->display_name);
  row->id = json_int (user, "id", 0);
  row->username = g_strdup (json_string (user, "username", ""));
  row->display_name = g_strdup (json_string (user, "display_name", row->username));
  row->role = role_index (json_string (user, "role", "student"));
  row->disabled = json_object_has_member (user, "disabled") &&
                  json_object_get_boolean_member (user, "disabled");
  user_row_show (row);
}

/* Words for a refused change of a user. */
static char *
change_error_text (const GError *error)
{
  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BUSY))
    /* the one conflict of PATCH /api/admin/users/<id>: cannot_change_self */
    return g_strdup (_("Admins cannot demote or disable their own account."));
  if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND))
    return g_strdup (_("That account no longer exists."));
  return sl_ui_error_text (error);
}

typedef struct {
  AdwExpanderRow *row;     /* owned */
  char           *what;    /* "role", "disabled" */
} Change;

static void
change_free (Change *change)
{
  g_clear_object (&change->row);
  g_free (change->what);
  g_free (change);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Change, change_free)

static void
changed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Change) change = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  UserRow *row = user_row_get (GTK_WIDGET (change->row));
  JsonNode *user;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || row == NULL)
    return;

  gtk_widget_set_sensitive (GTK_WIDGET (row->role_row), !row->is_self);
  gtk_widget_set_sensitive (GTK_WIDGET (row->enabled_switch), !row->is_self);

  if (answer == NULL)
    {
      g_autofree char *text = change_error_text (error);

      /* back to how it is on the server */
      user_row_show (row);
      toast_error (row->page, text);
      return;
    }

  user = json_object_get_member (answer, "user");
  if (user != NULL && JSON_NODE_HOLDS_OBJECT (user))
    user_row_update (row, json_node_get_object (user));

  if (g_strcmp0 (change->what, "role") == 0)
    {
      g_autofree char *text = g_strdup_printf (_("%s is now: %s"), row->display_name, role_name (row->role));

      toast (row->page, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (row->disabled ? _("%s can no longer sign in") :
                                                               _("%s can sign in again"),
                                               row->display_name);

      toast (row->page, text);
    }
}

static void
send_change (UserRow    *row,
             const char *what,
             JsonObject *body)
{
  SlAdminPage *self = row->page;
  SlApiClient *api = self->session != NULL ? sl_session_get_api (self->session) : NULL;
  g_autofree char *path = NULL;
  Change *change;

  if (api == NULL)
    return;
  path = g_strdup_printf ("/api/admin/users/%" G_GINT64_FORMAT, row->id);
  change = g_new0 (Change, 1);
  change->row = g_object_ref (row->row);
  change->what = g_strdup (what);
  /* one change of a row at a time */
  gtk_widget_set_sensitive (GTK_WIDGET (row->role_row), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (row->enabled_switch), FALSE);
  sl_api_client_request_async (api, "PATCH", path, body, self->cancellable, changed_cb, change);
}

static void
role_selected_cb (AdwComboRow *combo,
                  GParamSpec  *pspec,
                  UserRow     *row)
{
  guint selected = adw_combo_row_get_selected (combo);
  g_autoptr(JsonObject) body = NULL;

  if (row->syncing || selected == GTK_INVALID_LIST_POSITION ||
      selected >= G_N_ELEMENTS (role_ids) || selected == row->role)
    return;
  body = json_object_new ();
  json_object_set_string_member (body, "role", role_ids[selected]);
  send_change (row, "role", body);
}

static void
send_disabled (UserRow  *row,
               gboolean  disabled)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_boolean_member (body, "disabled", disabled);
  send_change (row, "disabled", body);
}

static void
disable_response_cb (AdwMessageDialog *dialog,
                     const char       *response,
                     gpointer          user_data)
{
  AdwExpanderRow *expander = user_data;
  UserRow *row = user_row_get (GTK_WIDGET (expander));

  /* one answer per question */
  g_signal_handlers_disconnect_by_func (dialog, disable_response_cb, user_data);
  if (row != NULL)
    {
      if (g_strcmp0 (response, "disable") == 0)
        send_disabled (row, TRUE);
      else
        user_row_show (row);   /* the switch goes back on */
    }
}

static void
unref_row_notify (gpointer  data,
                  GClosure *closure)
{
  g_object_unref (data);
}

static gboolean
switch_state_set_cb (GtkSwitch *sw,
                     gboolean   enabled,
                     UserRow   *row)
{
  GtkRoot *root;
  AdwMessageDialog *dialog;

  if (row->syncing)
    return FALSE;   /* the default handler follows "active" */
  if (enabled == !row->disabled)
    return FALSE;
  if (enabled)
    {
      send_disabled (row, FALSE);
      return TRUE;   /* the state follows once the server agrees */
    }

  root = gtk_widget_get_root (GTK_WIDGET (sw));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                       NULL, NULL));
  adw_message_dialog_format_heading (dialog, _("Disable %s?"), row->display_name);
  adw_message_dialog_format_body (dialog,
                                  _("%s (%s) is signed out at once and cannot sign in until the "
                                    "account is enabled again. Nothing of theirs is deleted."),
                                  row->display_name, row->username);
  adw_message_dialog_add_responses (dialog,
                                    "cancel", _("_Cancel"),
                                    "disable", _("_Disable"),
                                    NULL);
  adw_message_dialog_set_response_appearance (dialog, "disable", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (disable_response_cb),
                         g_object_ref (row->row), unref_row_notify, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* The rows come from the server's list: built here, one per user. */
static GtkWidget *
user_row_new (SlAdminPage *self,
              JsonObject  *user)
{
  UserRow *row = g_new0 (UserRow, 1);
  g_autoptr(GtkStringList) roles = gtk_string_list_new (NULL);
  GtkWidget *enabled_row;

  for (guint i = 0; i < G_N_ELEMENTS (role_ids); i++)
    gtk_string_list_append (roles, role_name (i));

  row->page = self;
  row->row = ADW_EXPANDER_ROW (adw_expander_row_new ());
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row->row), FALSE);
  g_object_set_data_full (G_OBJECT (row->row), "sl-user-row", row, (GDestroyNotify) user_row_free);

  row->role_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row->role_row), _("_Role"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row->role_row), TRUE);
  adw_combo_row_set_model (row->role_row, G_LIST_MODEL (roles));
  adw_expander_row_add_row (row->row, GTK_WIDGET (row->role_row));

  enabled_row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (enabled_row), _("Can _Sign In"));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (enabled_row), TRUE);
  row->enabled_switch = GTK_SWITCH (gtk_switch_new ());
  gtk_widget_set_valign (GTK_WIDGET (row->enabled_switch), GTK_ALIGN_CENTER);
  adw_action_row_add_suffix (ADW_ACTION_ROW (enabled_row), GTK_WIDGET (row->enabled_switch));
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (enabled_row), GTK_WIDGET (row->enabled_switch));
  adw_expander_row_add_row (row->row, enabled_row);

  user_row_update (row, user);

  row->is_self = self->session != NULL && row->id == sl_session_get_user_id (self->session);
  if (row->is_self)
    {
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row->role_row), _("You cannot change your own role"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (enabled_row), _("You cannot disable your own account"));
      gtk_widget_set_sensitive (GTK_WIDGET (row->role_row), FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (row->enabled_switch), FALSE);
    }
  else
    adw_action_row_set_subtitle (ADW_ACTION_ROW (enabled_row),
                                 _("Off: the account is disabled and signed out everywhere"));

  g_signal_connect (row->role_row, "notify::selected", G_CALLBACK (role_selected_cb), row);
  g_signal_connect (row->enabled_switch, "state-set", G_CALLBACK (switch_state_set_cb), row);
  return GTK_WIDGET (row->row);
}

static void
clear_users (SlAdminPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->users_list))) != NULL)
    gtk_list_box_remove (self->users_list, child);
  self->users_loaded = 0;
  self->users_matching = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->more_button), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->users_empty), FALSE);
  gtk_label_set_text (self->users_total, "");
}

static void
users_listed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SlAdminPage) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  JsonArray *users;
  guint n;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_spinner_set_spinning (self->users_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->users_spinner), FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "admin.show-more", TRUE);

  if (answer == NULL)
    {
      g_autofree char *text = sl_ui_error_text (error);
      g_autofree char *message = g_strdup_printf (_("The users could not be listed. %s"), text);

      set_label_message (self->users_message, message);
      return;
    }
  set_label_message (self->users_message, NULL);

  users = json_array (answer, "users");
  n = users != NULL ? json_array_get_length (users) : 0;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (users, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        gtk_list_box_append (self->users_list, user_row_new (self, json_node_get_object (node)));
    }
  self->users_loaded += n;
  self->users_matching = json_int (answer, "total", self->users_loaded);

  if (self->users_matching == 0)
    {
      g_autofree char *empty = *query != '\0'
        ? g_strdup_printf (_("No user name or display name matches “%s”."), query)
        : g_strdup (_("There are no users yet."));

      gtk_label_set_text (self->users_empty, empty);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->users_list), self->users_matching > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->users_empty), self->users_matching == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->more_button),
                          n > 0 && self->users_loaded < self->users_matching);
  if (self->users_matching > 0)
    {
      g_autofree char *total = NULL;

      if (self->users_loaded < self->users_matching)
        total = g_strdup_printf (_("Showing %u of %u"), self->users_loaded,
                                 (guint) MIN (self->users_matching, G_MAXUINT));
      else
        total = g_strdup_printf (ngettext ("%u user", "%u users", self->users_loaded),
                                 self->users_loaded);
      gtk_label_set_text (self->users_total, total);
    }
  else
    gtk_label_set_text (self->users_total, "");
}

static void
load_users (SlAdminPage *self,
            gboolean     from_start)
{
  SlApiClient *api = self->session != NULL ? sl_session_get_api (self->session) : NULL;
  g_autofree char *query = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));
  g_autofree char *path = NULL;

  g_cancellable_cancel (self->users_cancellable);
  g_clear_object (&self->users_cancellable);
  if (from_start)
    clear_users (self);
  if (api == NULL)
    return;

  if (*query != '\0')
    {
      g_autofree char *escaped = g_uri_escape_string (query, NULL, FALSE);

      path = g_strdup_printf ("/api/admin/users?limit=%u&offset=%u&q=%s", USERS_PAGE,
                              self->users_loaded, escaped);
    }
  else
    path = g_strdup_printf ("/api/admin/users?limit=%u&offset=%u", USERS_PAGE, self->users_loaded);

  self->users_cancellable = g_cancellable_new ();
  gtk_widget_set_visible (GTK_WIDGET (self->users_spinner), TRUE);
  gtk_spinner_set_spinning (self->users_spinner, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "admin.show-more", FALSE);
  sl_api_client_request_async (api, "GET", path, NULL, self->users_cancellable,
                               users_listed_cb, g_object_ref (self));
}

static void
search_changed_cb (SlAdminPage *self)
{
  load_users (self, TRUE);
}

static void
show_more_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  load_users (SL_ADMIN_PAGE (widget), FALSE);
}

static void
user_created_cb (SlUserEditor *editor,
                 JsonObject   *user,
                 SlAdminPage  *self)
{
  g_autofree char *text = g_strdup_printf (_("Created the account %s"),
                                           json_string (user, "username", ""));

  toast (self, text);
  load_users (self, TRUE);
  refresh_start (self, FALSE);
}

static void
create_user_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SlAdminPage *self = SL_ADMIN_PAGE (widget);
  SlApiClient *api = self->session != NULL ? sl_session_get_api (self->session) : NULL;
  GtkRoot *root = gtk_widget_get_root (widget);

  if (api == NULL)
    return;
  adw_view_stack_set_visible_child_name (self->sections, "users");
  if (self->editor == NULL)
    {
      self->editor = sl_user_editor_new (api);
      g_object_add_weak_pointer (G_OBJECT (self->editor), (gpointer *) &self->editor);
      if (GTK_IS_WINDOW (root))
        gtk_window_set_transient_for (GTK_WINDOW (self->editor), GTK_WINDOW (root));
      gtk_window_set_destroy_with_parent (GTK_WINDOW (self->editor), TRUE);
      g_signal_connect_object (self->editor, "user-created", G_CALLBACK (user_created_cb), self, 0);
    }
  gtk_window_present (GTK_WINDOW (self->editor));
}

/* ==== the session ======================================================== */

void
sl_admin_page_set_session (SlAdminPage *self,
                           SlSession   *session)
{
  g_return_if_fail (SL_IS_ADMIN_PAGE (self));
  g_return_if_fail (session == NULL || SL_IS_SESSION (session));

  if (session == self->session)
    return;

  /* drop everything of the previous session */
  stop_ticking (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->users_cancellable);
  g_clear_object (&self->users_cancellable);
  if (self->hub != NULL)
    g_signal_handlers_disconnect_by_data (self->hub, self);
  g_clear_object (&self->hub);
  if (self->editor != NULL)
    gtk_window_destroy (GTK_WINDOW (self->editor));
  g_clear_object (&self->session);
  self->refresh = NULL;
  self->refresh_again = FALSE;
  self->again_recordings = FALSE;
  self->refreshed_at = 0;
  self->recordings_at = 0;
  self->recordings = -1;
  clear_users (self);
  set_count (self->users_count, -1);
  set_count (self->live_count, -1);
  set_count (self->viewers_count, -1);
  set_count (self->recordings_count, -1);
  gtk_label_set_text (self->updated_label, "");
  set_label_message (self->overview_message, NULL);
  set_label_message (self->users_message, NULL);
  gtk_spinner_set_spinning (self->overview_spinner, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->overview_spinner), FALSE);
  sl_viewers_chart_clear (self->chart);

  if (session == NULL)
    return;

  self->session = g_object_ref (session);
  self->cancellable = g_cancellable_new ();
  if (sl_session_get_hub (session) != NULL)
    {
      self->hub = g_object_ref (sl_session_get_hub (session));
      g_signal_connect_object (self->hub, "message", G_CALLBACK (hub_message_cb), self, 0);
    }
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  load_users (self, TRUE);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_ticking (self);
}

/* ==== the widget ========================================================= */

static void
sl_admin_page_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sl_admin_page_parent_class)->map (widget);
  start_ticking (SL_ADMIN_PAGE (widget));
}

static void
sl_admin_page_unmap (GtkWidget *widget)
{
  stop_ticking (SL_ADMIN_PAGE (widget));
  GTK_WIDGET_CLASS (sl_admin_page_parent_class)->unmap (widget);
}

static void
sl_admin_page_dispose (GObject *object)
{
  SlAdminPage *self = SL_ADMIN_PAGE (object);

  stop_ticking (self);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->users_cancellable);
  g_clear_object (&self->users_cancellable);
  if (self->hub != NULL)
    g_signal_handlers_disconnect_by_data (self->hub, self);
  g_clear_object (&self->hub);
  g_clear_object (&self->session);
  if (self->editor != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->editor), (gpointer *) &self->editor);
      gtk_window_destroy (GTK_WINDOW (self->editor));
      self->editor = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_ADMIN_PAGE);
  G_OBJECT_CLASS (sl_admin_page_parent_class)->dispose (object);
}

static void
sl_admin_page_class_init (SlAdminPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_admin_page_dispose;
  widget_class->map = sl_admin_page_map;
  widget_class->unmap = sl_admin_page_unmap;

  g_type_ensure (SL_TYPE_VIEWERS_CHART);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-admin-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, sections);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_count);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, live_count);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, viewers_count);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, recordings_count);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, updated_label);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, overview_spinner);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, overview_message);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, chart);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_box);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_list);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_message);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_empty);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_spinner);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, users_total);
  gtk_widget_class_bind_template_child (widget_class, SlAdminPage, more_button);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);

  gtk_widget_class_install_action (widget_class, "admin.refresh", NULL, refresh_activated);
  gtk_widget_class_install_action (widget_class, "admin.create-user", NULL, create_user_activated);
  gtk_widget_class_install_action (widget_class, "admin.show-more", NULL, show_more_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK, "admin.create-user", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "admin.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "admin.refresh", NULL);
}

static void
sl_admin_page_init (SlAdminPage *self)
{
  self->recordings = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  /* typing on the users' side searches */
  gtk_search_entry_set_key_capture_widget (self->search_entry, self->users_box);
}
