/* test-ui-keyboard.c: the desktop app driven by the keyboard alone, with
 * real key presses (xdotool through the X server): signing in, the class
 * browser and its search, watching (chat, the hand), the shortcuts window,
 * quitting, a teacher scheduling a class, and where Tab goes
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-keyboard"

#include "config.h"

#include "sl-application.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-test-ws.h"
#include "sl-window.h"

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <string.h>

typedef struct _Fixture Fixture;
typedef void (*Body) (Fixture *f);

struct _Fixture {
  SlTestServer  *ts;
  SlApplication *app;
  SlWindow      *window;
  char          *kept;
  Body           body;
  gboolean       quit_by_body;   /* the body quits the app itself */
  gint64         optics_id;      /* a live class (no video) */
  gint64         algebra_id;     /* another live one */
};

/* ---- key presses ------------------------------------------------------------- */

#define xdotool(...) SL_TEST_UI_XDOTOOL (__VA_ARGS__)

/* Presses @keys ("Tab", "ctrl+f", …) one after the other. */
#define press(...) xdotool ("key", "--delay", "40", __VA_ARGS__)

/* Types @text as key presses. */
static void
type (const char *text)
{
  xdotool ("type", "--delay", "25", text);
}

/* Gives @window the X input focus, as a window manager does with a new or
 * clicked window (there is none under Xvfb), and waits until GTK knows. */
#define focus_window(window) sl_test_ui_focus_window ((window), FALSE)

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* ---- what has the focus ------------------------------------------------------ */

static GtkWidget *
focus_of (GtkWidget *widget)
{
  return gtk_root_get_focus (GTK_ROOT (gtk_widget_get_root (widget)));
}

static gboolean
has_focus_within (GtkWidget *widget)
{
  GtkWidget *focus = focus_of (widget);

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

static char *
describe (GtkWidget *widget)
{
  GString *text = g_string_new (NULL);

  if (widget == NULL)
    return g_string_free (g_string_append (text, "(nothing)"), FALSE);
  g_string_append (text, G_OBJECT_TYPE_NAME (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    g_string_append_printf (text, " “%s”", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)));
  for (GtkWidget *w = gtk_widget_get_parent (widget); w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_BUTTON (w) || ADW_IS_PREFERENCES_ROW (w) || GTK_IS_LIST_BOX_ROW (w))
      {
        g_string_append_printf (text, " in %s", G_OBJECT_TYPE_NAME (w));
        if (ADW_IS_PREFERENCES_ROW (w))
          g_string_append_printf (text, " “%s”", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (w)));
        break;
      }
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    g_string_append_printf (text, " “%s”", gtk_button_get_label (GTK_BUTTON (widget)));
  if (gtk_widget_get_tooltip_text (widget) != NULL)
    g_string_append_printf (text, " (%s)", gtk_widget_get_tooltip_text (widget));
  return g_string_free (text, FALSE);
}

/* ---- the app, start to quit ---------------------------------------------------- */

static void
startup_cb (GApplication *app,
            Fixture      *f)
{
  g_settings_set_string (sl_application_get_settings (SL_APPLICATION (app)), "server-url",
                         f->ts->base_url);
}

static void
activate_cb (GApplication *app,
             Fixture      *f)
{
  f->window = SL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  sl_test_ui_run_for (300);
  focus_window (GTK_WINDOW (f->window));
  f->body (f);
  if (!f->quit_by_body)
    g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static void
run_app (Fixture *f,
         Body     body)
{
  g_autoptr(SlApplication) app = sl_application_new ();
  char *argv[] = { (char *) "streamlet", NULL };
  g_autofree char *xdotool_path = g_find_program_in_path ("xdotool");

  if (xdotool_path == NULL)
    {
      g_test_skip ("xdotool is not installed (scripts/packages --test installs it)");
      return;
    }
  f->app = app;
  f->body = body;
  g_signal_connect_after (app, "startup", G_CALLBACK (startup_cb), f);
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), f);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
  f->app = NULL;
  f->window = NULL;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-keyboard-XXXXXX", NULL);

  f->ts = sl_test_server_new ("sqlite", NULL);
  f->kept = g_build_filename (dir, "session", NULL);
  g_setenv ("STREAMLET_SESSION_FILE", f->kept, TRUE);
  f->optics_id = sl_test_create_class (f->ts, "Optics", 5, TRUE);
  f->algebra_id = sl_test_create_class (f->ts, "Algebra", 5, TRUE);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *dir = g_path_get_dirname (f->kept);

  g_unlink (f->kept);
  g_rmdir (dir);
  g_free (f->kept);
  sl_test_server_free (f->ts);
}

/* ---- where the window is ------------------------------------------------------- */

#define visible_page(window) sl_test_ui_window_page (window)
#define wait_page(window, page) sl_test_ui_wait_page ((window), (page), 10000)

static GtkWidget *
row_titled (SlWindow   *window,
            GType       type,
            const char *title)
{
  GtkWidget *row = sl_test_ui_find (GTK_WIDGET (window), type, title);

  g_assert_nonnull (row);
  return row;
}

/* ---- signing in ---------------------------------------------------------------- */

static gboolean
has_error_cb (gpointer data)
{
  GtkWidget *label = sl_test_ui_find (data, GTK_TYPE_LABEL, "do not match");

  return label != NULL && gtk_widget_get_mapped (label);
}

static void
sign_in_body (Fixture *f)
{
  GtkWidget *user_row = row_titled (f->window, ADW_TYPE_ENTRY_ROW, "User Name");
  GtkWidget *password_row = row_titled (f->window, ADW_TYPE_PASSWORD_ENTRY_ROW, "Password");

  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");
  /* the server is known: the user name is where one starts */
  g_assert_true (has_focus_within (user_row));
  type ("student");
  press ("Tab");
  g_assert_true (has_focus_within (password_row));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (user_row)), ==, "student");

  /* a wrong password: the message, and the password selected to type again */
  type ("wrong");
  press ("Return");
  g_assert_true (sl_test_ui_wait_until (has_error_cb, f->window, 10000));
  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");
  g_assert_true (has_focus_within (password_row));

  type ("student123");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (password_row)), ==, "student123");
  press ("Return");
  g_assert_true (wait_page (f->window, "main"));
  g_assert_cmpstr (sl_session_get_role (sl_application_get_session (f->app)), ==, "student");
  /* and the keyboard is in the classes, not lost with the form */
  g_assert_true (has_focus_within (sl_test_ui_find (GTK_WIDGET (f->window),
                                                    g_type_from_name ("SlClassBrowser"), NULL)));
}

static void
test_sign_in (Fixture       *f,
              gconstpointer  data)
{
  run_app (f, sign_in_body);
}

/* Signs in as @username by the keyboard. */
static void
sign_in (Fixture    *f,
         const char *username,
         const char *password)
{
  GtkWidget *user_row = row_titled (f->window, ADW_TYPE_ENTRY_ROW, "User Name");
  GtkWidget *password_row = row_titled (f->window, ADW_TYPE_PASSWORD_ENTRY_ROW, "Password");

  /* the app remembers the last user name (the settings outlive one run
   * here): then the password is where one starts */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (user_row)), username) != 0)
    {
      /* someone else's name: back to it */
      if (has_focus_within (password_row))
        press ("shift+Tab");
      g_assert_true (has_focus_within (user_row));
      press ("ctrl+a");
      type (username);
      press ("Tab");
    }
  g_assert_true (has_focus_within (password_row));
  type (password);
  press ("Return");
  g_assert_true (wait_page (f->window, "main"));
}

static void
log_focus (SlWindow   *window,
           const char *after)
{
  g_autofree char *text = describe (gtk_root_get_focus (GTK_ROOT (window)));

  g_test_message ("after %s: %s", after, text);
}

/* ---- the class browser ---------------------------------------------------------- */

static GtkWidget *
class_row (SlWindow   *window,
           const char *title)
{
  GtkWidget *browser = sl_test_ui_find (GTK_WIDGET (window), g_type_from_name ("SlClassBrowser"), NULL);

  return sl_test_ui_find (browser, g_type_from_name ("SlClassRow"), title);
}

static gboolean
both_listed_cb (gpointer data)
{
  SlWindow *window = data;
  GtkWidget *optics = class_row (window, "Optics");
  GtkWidget *algebra = class_row (window, "Algebra");

  return optics != NULL && gtk_widget_get_mapped (optics) &&
         algebra != NULL && gtk_widget_get_mapped (algebra);
}

static gboolean
only_optics_cb (gpointer data)
{
  SlWindow *window = data;
  GtkWidget *optics = class_row (window, "Optics");
  GtkWidget *algebra = class_row (window, "Algebra");

  return optics != NULL && gtk_widget_get_mapped (optics) &&
         (algebra == NULL || !gtk_widget_get_mapped (algebra));
}

static gboolean
focus_is_cb (gpointer data)
{
  GtkWidget *widget = data;

  return focus_of (widget) == widget;
}

/* Presses Tab until @target has the focus, at most @max times. */
static gboolean
tab_to (GtkWidget *target,
        guint      max)
{
  for (guint i = 0; i < max; i++)
    {
      if (focus_of (target) == target)
        return TRUE;
      press ("Tab");
    }
  return focus_of (target) == target;
}

static const char *
window_title (SlWindow *window)
{
  GtkWidget *view = sl_test_ui_find (GTK_WIDGET (window), g_type_from_name ("SlWatchView"), NULL);
  GtkWidget *title = view != NULL ? sl_test_ui_find (view, ADW_TYPE_WINDOW_TITLE, NULL) : NULL;

  return title != NULL ? adw_window_title_get_title (ADW_WINDOW_TITLE (title)) : NULL;
}

static gboolean
watching_optics_cb (gpointer data)
{
  return g_strcmp0 (visible_page (data), "activity") == 0 &&
         g_strcmp0 (window_title (data), "Optics") == 0;
}

static void
browser_body (Fixture *f)
{
  GtkWidget *optics;
  GtkWidget *search_entry;

  sign_in (f, "student", "student123");
  g_assert_true (sl_test_ui_wait_until (both_listed_cb, f->window, 10000));

  /* Ctrl+F: the search, and typing narrows the list */
  search_entry = sl_test_ui_find (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY, NULL);
  press ("ctrl+f");
  g_assert_true (gtk_widget_get_mapped (search_entry));
  g_assert_true (has_focus_within (search_entry));
  type ("opt");
  g_assert_true (sl_test_ui_wait_until (only_optics_cb, f->window, 5000));
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "keyboard-search"));

  /* Down from the search goes to the matches, Enter opens the class */
  optics = class_row (f->window, "Optics");
  press ("Down");
  g_assert_true (focus_of (optics) == optics);
  press ("Return");
  g_assert_true (sl_test_ui_wait_until (watching_optics_cb, f->window, 10000));

  /* Escape goes back, to the row one came from */
  press ("Escape");
  g_assert_true (wait_page (f->window, "main"));
  g_assert_true (sl_test_ui_wait_until (focus_is_cb, optics, 2000));

  /* Shift+Tab back up to the search; Escape there closes it, and all
   * classes are back */
  for (guint i = 0; i < 10 && !has_focus_within (search_entry); i++)
    {
      press ("shift+Tab");
      log_focus (f->window, "shift+Tab");
    }
  g_assert_true (has_focus_within (search_entry));
  press ("Escape");
  g_assert_true (sl_test_ui_wait_until (both_listed_cb, f->window, 5000));
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (
    gtk_widget_get_ancestor (search_entry, GTK_TYPE_SEARCH_BAR))));

  /* Tab reaches the rows too; Enter opens, Alt+Left goes back */
  g_assert_true (tab_to (optics, 12));
  press ("Return");
  g_assert_true (sl_test_ui_wait_until (watching_optics_cb, f->window, 10000));
  press ("alt+Left");
  g_assert_true (wait_page (f->window, "main"));
  g_assert_true (sl_test_ui_wait_until (focus_is_cb, optics, 2000));
  /* and the arrows go from row to row (the newest start first) */
  press ("Up");
  g_assert_true (focus_of (optics) == class_row (f->window, "Algebra"));
  press ("Down");
  g_assert_true (focus_of (optics) == optics);
}

static void
test_browser (Fixture       *f,
              gconstpointer  data)
{
  run_app (f, browser_body);
}

/* ---- watching -------------------------------------------------------------------- */

static GtkWidget *
watch_view (SlWindow *window)
{
  return sl_test_ui_find (GTK_WIDGET (window), g_type_from_name ("SlWatchView"), NULL);
}

static gboolean
sensitive_cb (gpointer data)
{
  return gtk_widget_is_sensitive (data);
}

typedef struct {
  SlTestServer *ts;
  const char   *token;
  gint64        class_id;
  const char   *text;
} ChatLook;

/* Whether the class's chat history on the server holds @text. */
static gboolean
chat_has_cb (gpointer data)
{
  ChatLook *look = data;
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/chat", look->class_id);
  g_autoptr(SlTestResponse) resp = sl_test_request (look->ts, "GET", path, look->token, NULL);
  JsonArray *messages;

  g_assert_cmpuint (resp->status, ==, 200);
  messages = json_object_get_array_member (sl_test_response_object (resp), "messages");
  for (guint i = 0; i < json_array_get_length (messages); i++)
    if (g_strcmp0 (json_object_get_string_member (json_array_get_object_element (messages, i), "text"),
                   look->text) == 0)
      return TRUE;
  g_usleep (20000);
  return FALSE;
}

static gboolean
hand_up_cb (gpointer data)
{
  GtkWidget *label = sl_test_ui_find (data, GTK_TYPE_LABEL, "Lower _Hand");

  return label != NULL && gtk_widget_get_mapped (label);
}

static void
watch_body (Fixture *f)
{
  g_autofree char *token = sl_test_login (f->ts, "student", "student123", NULL);
  GSettings *settings = sl_application_get_settings (f->app);
  ChatLook look = { f->ts, token, f->optics_id, NULL };
  GtkWidget *view;
  GtkWidget *entry;
  GtkWidget *optics;

  sign_in (f, "student", "student123");
  g_assert_true (sl_test_ui_wait_until (both_listed_cb, f->window, 10000));
  optics = class_row (f->window, "Optics");
  /* Enter in the search opens the first match */
  press ("ctrl+f");
  type ("optics");
  g_assert_true (sl_test_ui_wait_until (only_optics_cb, f->window, 5000));
  press ("Return");
  g_assert_true (sl_test_ui_wait_until (watching_optics_cb, f->window, 10000));
  view = watch_view (f->window);
  entry = sl_test_ui_find (view, GTK_TYPE_ENTRY, NULL);
  g_assert_true (sl_test_ui_wait_until (sensitive_cb, entry, 10000));

  /* the view has the keys: M mutes and unmutes */
  g_assert_true (has_focus_within (view));
  g_assert_false (has_focus_within (entry));
  g_assert_false (g_settings_get_boolean (settings, "muted"));
  press ("m");
  g_assert_true (g_settings_get_boolean (settings, "muted"));
  press ("m");
  g_assert_false (g_settings_get_boolean (settings, "muted"));

  /* F6 goes to the chat; an M typed there is text, not the mute key */
  press ("F6");
  g_assert_true (has_focus_within (entry));
  type ("I am ready, mm?");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "I am ready, mm?");
  g_assert_false (g_settings_get_boolean (settings, "muted"));
  /* Enter sends: the server has it, the line is empty again */
  press ("Return");
  look.text = "I am ready, mm?";
  g_assert_true (sl_test_ui_wait_until (chat_has_cb, &look, 10000));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  /* so does Ctrl+Enter */
  type ("Thank you");
  press ("ctrl+Return");
  look.text = "Thank you";
  g_assert_true (sl_test_ui_wait_until (chat_has_cb, &look, 10000));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");
  g_assert_true (has_focus_within (entry));

  /* Ctrl+H raises the hand: the button says so, and the teacher's queue
   * on the server has the student */
  press ("ctrl+h");
  g_assert_true (sl_test_ui_wait_until (hand_up_cb, view, 5000));
  {
    g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (f->ts, "teacher", "teacher123");
    g_autoptr(JsonObject) joined = NULL;
    JsonArray *hands;

    sl_test_ws_sendf (teacher, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", f->optics_id);
    joined = sl_test_ws_expect (teacher, "joined");
    hands = json_object_get_array_member (joined, "hands");
    g_assert_cmpuint (json_array_get_length (hands), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (
                       json_array_get_object_element (hands, 0), "user"), "display_name"), !=, NULL);
  }
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "keyboard-watch"));

  /* Escape while writing: to the video; the class and the text stay */
  type ("half a thought");
  press ("Escape");
  g_assert_cmpstr (visible_page (f->window), ==, "activity");
  g_assert_true (focus_of (view) == view);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "half a thought");
  /* F6 goes back and forth */
  press ("F6");
  g_assert_true (has_focus_within (entry));
  press ("F6");
  g_assert_true (focus_of (view) == view);

  /* Escape: back to the classes, in the search one opened it from */
  press ("Escape");
  g_assert_true (wait_page (f->window, "main"));
  g_assert_true (has_focus_within (sl_test_ui_find (GTK_WIDGET (f->window), GTK_TYPE_SEARCH_ENTRY, NULL)));
  g_assert_true (gtk_widget_get_mapped (optics));
}

static void
test_watch (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, watch_body);
}

/* ---- the shortcuts window, quitting ---------------------------------------------- */

static gboolean
hidden_cb (gpointer data)
{
  return !gtk_widget_get_visible (data);
}

static gboolean
no_windows_cb (gpointer data)
{
  return gtk_application_get_windows (data) == NULL;
}

static void
shortcuts_body (Fixture *f)
{
  GtkWindow *overlay;

  sign_in (f, "student", "student123");

  /* Ctrl+? shows the shortcuts, the new ones among them */
  press ("ctrl+question");
  overlay = GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (f->window)));
  g_assert_nonnull (overlay);
  g_assert_true (sl_test_ui_wait_until (mapped_cb, overlay, 5000));
  focus_window (overlay);
  sl_test_ui_run_for (300);
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (overlay), "keyboard-shortcuts"));
  for (const char *const *title = (const char *const[]) { "Send Chat Message", "Raise or Lower Hand",
                                                          "Go to the Chat or Back to the Video",
                                                          "Go to Classes", "Schedule Class", NULL };
       *title != NULL; title++)
    {
      g_test_message ("shortcut: %s", *title);
      g_assert_nonnull (sl_test_ui_find (GTK_WIDGET (overlay), GTK_TYPE_LABEL, *title));
    }

  /* Escape closes it */
  press ("Escape");
  g_assert_true (sl_test_ui_wait_until (hidden_cb, overlay, 5000));

  /* Ctrl+Q quits: the window goes, and g_application_run returns (0) */
  focus_window (GTK_WINDOW (f->window));
  f->quit_by_body = TRUE;
  press ("ctrl+q");
  g_assert_true (sl_test_ui_wait_until (no_windows_cb, f->app, 5000));
  f->window = NULL;
}

static void
test_shortcuts (Fixture       *f,
                gconstpointer  data)
{
  run_app (f, shortcuts_body);
}

/* ---- a teacher --------------------------------------------------------------------- */

static GtkWindow *
shown_editor (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWidget) window = g_list_model_get_item (toplevels, i);

      if (g_str_equal (G_OBJECT_TYPE_NAME (window), "SlClassEditor") && gtk_widget_get_mapped (window))
        return GTK_WINDOW (window);
    }
  return NULL;
}

static gboolean
editor_shown_cb (gpointer data)
{
  return shown_editor () != NULL;
}

static gboolean
editor_gone_cb (gpointer data)
{
  return shown_editor () == NULL;
}

static gint64
upcoming_count (Fixture *f)
{
  g_autofree char *token = sl_test_login (f->ts, "teacher", "teacher123", NULL);
  g_autoptr(SlTestResponse) resp = sl_test_request (f->ts, "GET", "/api/classes/upcoming", token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_get_int_member (sl_test_response_object (resp), "total");
}

static const char *
visible_view (SlWindow *window)
{
  AdwViewStack *views = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));

  return adw_view_stack_get_visible_child_name (views);
}

static GtkWidget *
view_child (SlWindow   *window,
            const char *name)
{
  AdwViewStack *views = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));

  return adw_view_stack_get_child_by_name (views, name);
}

static void
teach_body (Fixture *f)
{
  GtkWindow *editor;
  GtkWidget *title_row;
  gint64 before = upcoming_count (f);

  sign_in (f, "teacher", "teacher123");
  /* a teacher starts on Teach; Alt+1 and Alt+2 go between the views, the
   * keyboard with them; Alt+3 (Admin) is not theirs */
  g_assert_cmpstr (visible_view (f->window), ==, "teach");
  g_assert_true (has_focus_within (view_child (f->window, "teach")));
  /* the header has the switcher for them (not just the title) */
  sl_test_ui_run_for (300);
  g_assert_false (adw_view_switcher_title_get_title_visible (ADW_VIEW_SWITCHER_TITLE (
    sl_test_ui_find (GTK_WIDGET (f->window), ADW_TYPE_VIEW_SWITCHER_TITLE, NULL))));
  press ("alt+1");
  g_assert_cmpstr (visible_view (f->window), ==, "classes");
  g_assert_true (has_focus_within (view_child (f->window, "classes")));
  press ("alt+3");
  g_assert_cmpstr (visible_view (f->window), ==, "classes");
  press ("alt+2");
  g_assert_cmpstr (visible_view (f->window), ==, "teach");
  g_assert_true (has_focus_within (view_child (f->window, "teach")));

  /* Tab to "Schedule Class", Enter: the editor, its title first */
  g_assert_true (tab_to (gtk_widget_get_ancestor (sl_test_ui_find (view_child (f->window, "teach"),
                                                                   GTK_TYPE_LABEL, "_Schedule Class"),
                                                  GTK_TYPE_BUTTON),
                         12));
  press ("Return");
  g_assert_true (sl_test_ui_wait_until (editor_shown_cb, NULL, 5000));
  editor = shown_editor ();
  /* a window manager gives a new window the keyboard */
  focus_window (editor);
  title_row = sl_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "Title");
  g_assert_true (has_focus_within (title_row));
  type ("Typed, never saved");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (title_row)), ==, "Typed, never saved");
  /* Escape closes it, nothing made */
  press ("Escape");
  g_assert_true (sl_test_ui_wait_until (editor_gone_cb, NULL, 5000));
  g_assert_cmpint (upcoming_count (f), ==, before);

  /* Ctrl+N opens it again (empty); Alt+C (_Cancel) closes it, nothing made */
  focus_window (GTK_WINDOW (f->window));
  press ("ctrl+n");
  g_assert_true (sl_test_ui_wait_until (editor_shown_cb, NULL, 5000));
  editor = shown_editor ();
  focus_window (editor);
  title_row = sl_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "Title");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (title_row)), ==, "");
  type ("Also never saved");
  press ("alt+c");
  g_assert_true (sl_test_ui_wait_until (editor_gone_cb, NULL, 5000));
  g_assert_cmpint (upcoming_count (f), ==, before);
  focus_window (GTK_WINDOW (f->window));
}

static void
test_teach (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, teach_body);
}

/* ---- where Tab goes ---------------------------------------------------------------- */

/* From the start of the main view, Tab after Tab: always somewhere one
 * can see and use, inside the window, never the same place twice in a
 * row, and round to the start again (not stuck in a part of it). */
static void
check_tab_cycle (SlWindow *window,
                 guint     max)
{
  g_autoptr(GPtrArray) seen = g_ptr_array_new ();
  GtkWidget *first = gtk_root_get_focus (GTK_ROOT (window));
  GtkWidget *previous = first;
  gboolean round = FALSE;

  g_assert_nonnull (first);
  for (guint i = 0; i < max && !round; i++)
    {
      GtkWidget *focus;
      g_autofree char *text = NULL;

      press ("Tab");
      focus = gtk_root_get_focus (GTK_ROOT (window));
      text = describe (focus);
      g_test_message ("Tab %u: %s", i + 1, text);
      g_assert_nonnull (focus);
      g_assert_true (gtk_widget_get_root (focus) == GTK_ROOT (window));
      g_assert_true (gtk_widget_get_mapped (focus));
      g_assert_true (gtk_widget_is_sensitive (focus));
      g_assert_true (gtk_widget_get_child_visible (focus));
      g_assert_true (focus != previous);
      if (!g_ptr_array_find (seen, focus, NULL))
        g_ptr_array_add (seen, focus);
      round = focus == first;
      previous = focus;
    }
  g_test_message ("%u places, round: %d", seen->len, round);
  g_assert_true (round);
  g_assert_cmpuint (seen->len, >=, 4);
}

static void
tab_order_body (Fixture *f)
{
  sign_in (f, "student", "student123");
  g_assert_true (sl_test_ui_wait_until (both_listed_cb, f->window, 10000));
  log_focus (f->window, "signing in");
  check_tab_cycle (f->window, 30);

  /* an admin's window has more in it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL));
  g_assert_true (wait_page (f->window, "sign-in"));
  sign_in (f, "admin", "admin123");
  sl_test_ui_run_for (1500);
  log_focus (f->window, "signing in");
  check_tab_cycle (f->window, 60);

  /* Alt+U (_Users): the users, whose rows Tab goes through as well */
  press ("alt+u");
  sl_test_ui_run_for (1500);
  {
    GtkWidget *admin = view_child (f->window, "admin");
    GtkWidget *sections = sl_test_ui_find (admin, ADW_TYPE_VIEW_STACK, NULL);

    g_assert_cmpstr (adw_view_stack_get_visible_child_name (ADW_VIEW_STACK (sections)), ==, "users");
    g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "keyboard-admin-users"));
  }
  log_focus (f->window, "alt+u");
  check_tab_cycle (f->window, 60);
}

static void
test_tab_order (Fixture       *f,
                gconstpointer  data)
{
  run_app (f, tab_order_body);
}

int
main (int    argc,
      char **argv)
{
  sl_test_ui_init (&argc, &argv);

  g_test_add ("/keyboard/sign-in", Fixture, NULL, fixture_setup, test_sign_in, fixture_teardown);
  g_test_add ("/keyboard/browser", Fixture, NULL, fixture_setup, test_browser, fixture_teardown);
  g_test_add ("/keyboard/watch", Fixture, NULL, fixture_setup, test_watch, fixture_teardown);
  g_test_add ("/keyboard/shortcuts", Fixture, NULL, fixture_setup, test_shortcuts, fixture_teardown);
  g_test_add ("/keyboard/teach", Fixture, NULL, fixture_setup, test_teach, fixture_teardown);
  g_test_add ("/keyboard/tab-order", Fixture, NULL, fixture_setup, test_tab_order, fixture_teardown);
  return g_test_run ();
}
