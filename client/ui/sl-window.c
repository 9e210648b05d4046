/* sl-window.c: the main window
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-window"

#include "config.h"

#include "sl-window.h"

#include "sl-admin-page.h"
#include "sl-class-browser.h"
#include "sl-go-live-view.h"
#include "sl-profile-dialog.h"
#include "sl-recording-view.h"
#include "sl-sign-in-page.h"
#include "sl-teach-page.h"
#include "sl-ui-errors.h"
#include "sl-watch-view.h"

#include <glib/gi18n.h>

struct _SlWindow {
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  SlSignInPage         *sign_in_page;
  AdwViewStack         *views;
  AdwViewStackPage     *classes_page;
  AdwViewStackPage     *teach_page;
  AdwViewStackPage     *admin_page;
  SlClassBrowser       *class_browser;
  SlTeachPage          *teach;
  SlAdminPage          *admin;
  AdwViewSwitcherTitle *switcher_title;
  AdwViewSwitcherBar   *switcher_bar;
  GtkRevealer          *hub_revealer;
  GtkLabel             *hub_label;
  AdwBin               *activity;

  SlApplication        *app;
  SlSession            *session;
  GSettings            *settings;
  gboolean              resuming;
  gboolean              hub_was_connected;  /* in this sign-in */
  guint                 hub_grace_id;       /* a first connect gets a moment */
};

G_DEFINE_FINAL_TYPE (SlWindow, sl_window, ADW_TYPE_APPLICATION_WINDOW)

void
sl_window_toast (SlWindow   *self,
                 const char *message)
{
  AdwToast *toast;

  g_return_if_fail (SL_IS_WINDOW (self));

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toasts, toast);
}

void
sl_window_toast_error (SlWindow     *self,
                       const GError *error)
{
  g_autofree char *text = NULL;

  g_return_if_fail (SL_IS_WINDOW (self));

  text = sl_ui_error_text (error);
  sl_window_toast (self, text);
}

/* ---- what is shown ------------------------------------------------------ */

static void
show_activity (SlWindow  *self,
               GtkWidget *view)
{
  /* back on the main page first: the stack gives the focus back to where
   * it was there (the class's row), which it cannot once the view is gone;
   * fullscreen is for a class or a recording, never for the pages */
  if (view == NULL)
    {
      if (gtk_window_is_fullscreen (GTK_WINDOW (self)))
        gtk_window_unfullscreen (GTK_WINDOW (self));
      gtk_stack_set_visible_child_name (self->stack, "main");
    }
  adw_bin_set_child (self->activity, view);
  if (view != NULL)
    gtk_stack_set_visible_child_name (self->stack, "activity");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", view != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.escape", view != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.fullscreen", view != NULL);
  if (view != NULL)
    gtk_widget_grab_focus (view);
}

#define HUB_GRACE_MS 3000

static void update_hub_banner (SlWindow *self);

static gboolean
hub_grace_over_cb (gpointer data)
{
  SlWindow *self = data;

  self->hub_grace_id = 0;
  update_hub_banner (self);
  return G_SOURCE_REMOVE;
}

/* The banner says the live updates are not coming: after a drop at once
 * ("Reconnecting…"), on a first connect only when it takes a while. */
static void
update_hub_banner (SlWindow *self)
{
  int state = SL_WS_DISCONNECTED;
  gboolean signed_in = sl_session_get_state (self->session) == SL_SESSION_SIGNED_IN;
  gboolean show;

  g_object_get (self->session, "hub-state", &state, NULL);
  if (!signed_in)
    {
      self->hub_was_connected = FALSE;
      g_clear_handle_id (&self->hub_grace_id, g_source_remove);
      gtk_revealer_set_reveal_child (self->hub_revealer, FALSE);
      return;
    }
  if (state == SL_WS_CONNECTED)
    {
      self->hub_was_connected = TRUE;
      g_clear_handle_id (&self->hub_grace_id, g_source_remove);
    }
  else if (!self->hub_was_connected && self->hub_grace_id == 0 &&
           !gtk_revealer_get_reveal_child (self->hub_revealer))
    self->hub_grace_id = g_timeout_add (HUB_GRACE_MS, hub_grace_over_cb, self);

  show = state != SL_WS_CONNECTED && (self->hub_was_connected || self->hub_grace_id == 0);
  gtk_label_set_label (self->hub_label, self->hub_was_connected
                                          ? _("Reconnecting to the server…")
                                          : _("Connecting to the server…"));
  gtk_revealer_set_reveal_child (self->hub_revealer, show);
}

/* libadwaita 1.2's view switcher title and bar count the views that are
 * shown only when views are added or removed, not when one is shown or
 * hidden (as the role does here): without this a teacher or an admin
 * would get no switcher at all, just the title. */
static void
update_switchers (SlWindow *self)
{
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, FALSE);
  adw_view_switcher_title_set_view_switcher_enabled (self->switcher_title, TRUE);
  adw_view_switcher_bar_set_reveal (self->switcher_bar, FALSE);
  adw_view_switcher_bar_set_reveal (self->switcher_bar,
                                    adw_view_switcher_title_get_title_visible (self->switcher_title));
}

/* The keyboard focus into the view shown, unless it is in there already:
 * after signing in it was on the form, which is gone, and after a switch
 * of views on the one before. */
static void
focus_view (SlWindow *self)
{
  GtkWidget *view = adw_view_stack_get_visible_child (self->views);
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));

  if (view == NULL || (focus != NULL && gtk_widget_is_ancestor (focus, view)))
    return;
  gtk_widget_child_focus (view, GTK_DIR_TAB_FORWARD);
}

static void
update_for_session (SlWindow *self)
{
  SlSessionState state = sl_session_get_state (self->session);
  const char *role = sl_session_get_role (self->session);
  gboolean signed_in = state == SL_SESSION_SIGNED_IN;
  gboolean teacher = signed_in && (g_strcmp0 (role, "teacher") == 0 || g_strcmp0 (role, "admin") == 0);
  gboolean admin = signed_in && g_strcmp0 (role, "admin") == 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.profile", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.watch-class", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.play-recording", signed_in);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.go-live", teacher);
  adw_view_stack_page_set_visible (self->teach_page, teacher);
  adw_view_stack_page_set_visible (self->admin_page, admin);
  update_switchers (self);

  sl_class_browser_set_session (self->class_browser, signed_in ? self->session : NULL);
  sl_teach_page_set_session (self->teach, teacher ? self->session : NULL);
  sl_admin_page_set_session (self->admin, admin ? self->session : NULL);

  if (signed_in)
    {
      /* a teacher starts on their classes, an admin on the dashboard */
      adw_view_stack_set_visible_child_name (self->views, admin ? "admin" : teacher ? "teach" : "classes");
      if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "activity") != 0)
        {
          gtk_stack_set_visible_child_name (self->stack, "main");
          focus_view (self);
        }
    }
  else if (state == SL_SESSION_SIGNED_OUT)
    {
      show_activity (self, NULL);
      gtk_stack_set_visible_child_name (self->stack, "sign-in");
      sl_sign_in_page_focus (self->sign_in_page);
    }
  update_hub_banner (self);
}

static void
session_state_cb (SlWindow *self)
{
  update_for_session (self);
}

static void
hub_state_cb (SlWindow *self)
{
  update_hub_banner (self);
}

static void
session_signed_out_cb (SlSession *session,
                       GError    *why,
                       SlWindow  *self)
{
  g_autofree char *text = sl_ui_error_text (why);

  sl_sign_in_page_set_message (self->sign_in_page, text);
}

static void
resumed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SlWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  self->resuming = FALSE;
  if (!sl_session_resume_finish (SL_SESSION (source), result, &error))
    {
      g_autofree char *text = sl_ui_error_text (error);

      sl_sign_in_page_set_message (self->sign_in_page, text);
      gtk_stack_set_visible_child_name (self->stack, "sign-in");
      sl_sign_in_page_focus (self->sign_in_page);
    }
}

/* ---- actions ------------------------------------------------------------- */

static void
watch_class_activated (GtkWidget  *widget,
                       const char *action_name,
                       GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  show_activity (self, sl_watch_view_new (self->session, g_variant_get_int64 (parameter)));
}

static void
go_live_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  show_activity (self, sl_go_live_view_new (self->session, g_variant_get_int64 (parameter)));
}

static void
play_recording_activated (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);
  g_autoptr(JsonNode) node = json_from_string (g_variant_get_string (parameter, NULL), NULL);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_warning ("win.play-recording needs a recording object");
      return;
    }
  show_activity (self, sl_recording_view_new (self->session, json_node_get_object (node)));
}

static void
back_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  show_activity (self, NULL);
}

/* Escape: out of fullscreen first, as in any player; else back */
static void
escape_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  if (gtk_window_is_fullscreen (GTK_WINDOW (self)))
    gtk_window_unfullscreen (GTK_WINDOW (self));
  else
    show_activity (self, NULL);
}

static void
fullscreen_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  GtkWindow *window = GTK_WINDOW (widget);

  if (gtk_window_is_fullscreen (window))
    gtk_window_unfullscreen (window);
  else
    gtk_window_fullscreen (window);
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  show_activity (self, NULL);
  sl_session_sign_out (self->session);
  sl_sign_in_page_set_message (self->sign_in_page, NULL);
}

static void
profile_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);
  GtkWindow *dialog = sl_profile_dialog_new (self->session);

  gtk_window_set_transient_for (dialog, GTK_WINDOW (self));
  gtk_window_present (dialog);
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") != 0)
    return;
  adw_view_stack_set_visible_child_name (self->views, "classes");
  gtk_widget_activate_action (GTK_WIDGET (self->class_browser), "browser.search", NULL);
}

/* Alt+1, Alt+2, Alt+3: the views the switcher offers (the ones of the
 * user's role), with the keyboard focus brought along. */
static void
show_view_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  SlWindow *self = SL_WINDOW (widget);
  GtkWidget *child = adw_view_stack_get_child_by_name (self->views, g_variant_get_string (parameter, NULL));

  if (child == NULL || g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") != 0 ||
      !adw_view_stack_page_get_visible (adw_view_stack_get_page (self->views, child)))
    return;
  adw_view_stack_set_visible_child (self->views, child);
  focus_view (self);
}

/* ---- window ------------------------------------------------------------------ */

static gboolean
sl_window_close_request (GtkWindow *window)
{
  SlWindow *self = SL_WINDOW (window);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
  /* ends any watching or broadcasting before the window goes */
  show_activity (self, NULL);
  return GTK_WINDOW_CLASS (sl_window_parent_class)->close_request (window);
}

static void
sl_window_dispose (GObject *object)
{
  SlWindow *self = SL_WINDOW (object);

  g_clear_handle_id (&self->hub_grace_id, g_source_remove);
  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_WINDOW);
  G_OBJECT_CLASS (sl_window_parent_class)->dispose (object);
}

static void
sl_window_class_init (SlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = sl_window_dispose;
  window_class->close_request = sl_window_close_request;

  g_type_ensure (SL_TYPE_SIGN_IN_PAGE);
  g_type_ensure (SL_TYPE_CLASS_BROWSER);
  g_type_ensure (SL_TYPE_TEACH_PAGE);
  g_type_ensure (SL_TYPE_ADMIN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-window.ui");
  gtk_widget_class_bind_template_child (widget_class, SlWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, views);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, classes_page);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, teach_page);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, admin_page);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, class_browser);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, teach);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, admin);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, hub_revealer);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, hub_label);
  gtk_widget_class_bind_template_child (widget_class, SlWindow, activity);

  gtk_widget_class_install_action (widget_class, "win.watch-class", "x", watch_class_activated);
  gtk_widget_class_install_action (widget_class, "win.go-live", "x", go_live_activated);
  gtk_widget_class_install_action (widget_class, "win.play-recording", "s", play_recording_activated);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_activated);
  gtk_widget_class_install_action (widget_class, "win.escape", NULL, escape_activated);
  gtk_widget_class_install_action (widget_class, "win.fullscreen", NULL, fullscreen_activated);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "win.profile", NULL, profile_activated);
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.show-view", "s", show_view_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.escape", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Left, GDK_ALT_MASK, "win.back", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-view", "s", "classes");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-view", "s", "teach");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-view", "s", "admin");
}

static void
sl_window_init (SlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.back", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.escape", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.fullscreen", FALSE);
}

SlWindow *
sl_window_new (SlApplication *app)
{
  SlWindow *self = g_object_new (SL_TYPE_WINDOW, "application", app, NULL);

  if (g_str_has_suffix (SL_APP_ID, ".Devel"))
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  self->app = app;
  self->session = g_object_ref (sl_application_get_session (app));
  self->settings = g_object_ref (sl_application_get_settings (app));
  gtk_window_set_default_size (GTK_WINDOW (self),
                               g_settings_get_int (self->settings, "window-width"),
                               g_settings_get_int (self->settings, "window-height"));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));

  sl_sign_in_page_setup (self->sign_in_page, self->session, self->settings);
  g_signal_connect_swapped (self->session, "notify::state", G_CALLBACK (session_state_cb), self);
  g_signal_connect_swapped (self->session, "notify::hub-state", G_CALLBACK (hub_state_cb), self);
  g_signal_connect (self->session, "signed-out", G_CALLBACK (session_signed_out_cb), self);

  if (sl_session_get_state (self->session) == SL_SESSION_SIGNED_OUT &&
      sl_session_has_kept (self->session))
    {
      /* "stay signed in": straight to the views once the server agrees */
      self->resuming = TRUE;
      gtk_stack_set_visible_child_name (self->stack, "resuming");
      sl_session_resume_async (self->session, NULL, resumed_cb, g_object_ref (self));
    }
  update_for_session (self);
  return self;
}
