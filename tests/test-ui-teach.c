/* test-ui-teach.c: the teacher's views: scheduling, editing and cancelling
 * classes on the Teach page, and broadcasting from the go-live view to a
 * streamlet-edge watcher, inside a private network
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-teach"

#include "config.h"

#include "sl-class-editor.h"
#include "sl-go-live-view.h"
#include "sl-media.h"
#include "sl-teach-page.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-test-ws.h"
#include "sl-video-paintable.h"

#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>

const char *__lsan_default_suppressions (void);

/* Fontconfig's patterns and caches, made as Pango loads fonts for what is
 * drawn and kept by its font map until exit: the library's (the fast
 * unwinder names only fontconfig's own frame, so this matches nothing else). */
const char *
__lsan_default_suppressions (void)
{
  return "leak:libfontconfig.so\n";
}
#endif

#define CLIENT_ICE_ADDRESS "10.231.0.2"

static gboolean have_network;
static char *network_problem;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

/* ---- fixtures ---------------------------------------------------------------- */

/* The server with ICE pinned to the private network (test-edge.c's). */

static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_named (child, name);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The first visible toplevel of @type, or NULL. */
static GtkWindow *
find_toplevel (GType type)
{
  GList *windows = gtk_window_list_toplevels ();
  GtkWindow *found = NULL;

  for (GList *l = windows; l != NULL && found == NULL; l = l->next)
    if (g_type_is_a (G_OBJECT_TYPE (l->data), type) && gtk_widget_get_visible (l->data))
      found = l->data;
  g_list_free (windows);
  return found;
}

static gboolean
no_editor_cb (gpointer data)
{
  return find_toplevel (SL_TYPE_CLASS_EDITOR) == NULL;
}

static gboolean
dialog_shown_cb (gpointer data)
{
  return find_toplevel (ADW_TYPE_MESSAGE_DIALOG) != NULL;
}

/* Answers the message dialog on screen with @response. */
static void
respond (const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (sl_test_ui_wait_until (dialog_shown_cb, NULL, 5000));
  dialog = ADW_MESSAGE_DIALOG (find_toplevel (ADW_TYPE_MESSAGE_DIALOG));
  g_assert_true (adw_message_dialog_has_response (dialog, response));
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  sl_test_ui_run_for (50);
}

/* The text of the visible label with the "error" style under @root, or NULL. */
static const char *
visible_error (GtkWidget *root)
{
  if (!gtk_widget_get_visible (root))
    return NULL;
  if (GTK_IS_LABEL (root) && gtk_widget_has_css_class (root, "error") &&
      *gtk_label_get_text (GTK_LABEL (root)) != '\0')
    return gtk_label_get_text (GTK_LABEL (root));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found = visible_error (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct {
  GtkWidget  *root;
  const char *title;
  GtkWidget  *row;
} RowWait;

static gboolean
row_shown_cb (gpointer data)
{
  RowWait *wait = data;

  wait->row = sl_test_ui_find (wait->root, ADW_TYPE_ACTION_ROW, wait->title);
  return wait->row != NULL && gtk_widget_get_mapped (wait->row);
}

/* Waits (10 s at most) for a row titled @title under @root; returns it. */
static GtkWidget *
wait_row (GtkWidget  *root,
          const char *title)
{
  RowWait wait = { root, title, NULL };

  g_assert_true (sl_test_ui_wait_until (row_shown_cb, &wait, 10000));
  return wait.row;
}

/* The list box (Live Now, Upcoming, Past) @row is in: its group's title. */
static const char *
row_group (GtkWidget *row)
{
  GtkWidget *group = gtk_widget_get_ancestor (row, ADW_TYPE_PREFERENCES_GROUP);

  return group != NULL ? adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (group)) : NULL;
}

/* A class moving between groups gets a new row there: found by title. */
typedef struct {
  GtkWidget  *root;
  const char *title;
  const char *group;
  GtkWidget  *row;
} GroupWait;

static gboolean
row_in_group_cb (gpointer data)
{
  GroupWait *wait = data;

  wait->row = sl_test_ui_find (wait->root, ADW_TYPE_ACTION_ROW, wait->title);
  return wait->row != NULL && g_strcmp0 (row_group (wait->row), wait->group) == 0;
}

static SlClassEditor *
open_editor (GtkWidget  *page,
             const char *action,
             GVariant   *target)
{
  g_assert_true (gtk_widget_activate_action_variant (page, action, target));
  sl_test_ui_run_for (100);
  g_assert_nonnull (find_toplevel (SL_TYPE_CLASS_EDITOR));
  return SL_CLASS_EDITOR (find_toplevel (SL_TYPE_CLASS_EDITOR));
}

/* Fills the editor the way a user does; @day_offset from today, local. */
static void
fill_editor (SlClassEditor *editor,
             const char    *title,
             int            day_offset,
             int            hour,
             int            minute,
             int            duration,
             gboolean       is_public)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) day = g_date_time_add_days (now, day_offset);

  gtk_editable_set_text (GTK_EDITABLE (sl_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW,
                                                        "Title")), title);
  gtk_calendar_select_day (GTK_CALENDAR (find_named (GTK_WIDGET (editor), "date")), day);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (editor), "hour")), hour);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (editor), "minute")), minute);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (editor), "duration")),
                             duration);
  gtk_switch_set_active (GTK_SWITCH (find_named (GTK_WIDGET (editor), "public")), is_public);
}

/* What the API says the teacher's classes are: every list's total. */
static gint64
count_classes (SlTestServer *ts,
               const char   *token)
{
  static const char *const routes[] = { "live", "upcoming", "past" };
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/classes/%s?limit=100", routes[i]);
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

      g_assert_cmpuint (resp->status, ==, 200);
      total += json_object_get_int_member (sl_test_response_object (resp), "total");
    }
  return total;
}

/* The upcoming class titled @title (a new reference), or NULL. */
static JsonObject *
find_upcoming (SlTestServer *ts,
               const char   *token,
               const char   *title)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/classes/upcoming?limit=100",
                                                    token, NULL);
  JsonArray *classes;

  g_assert_cmpuint (resp->status, ==, 200);
  classes = json_object_get_array_member (sl_test_response_object (resp), "classes");
  for (guint i = 0; i < json_array_get_length (classes); i++)
    {
      JsonObject *klass = json_array_get_object_element (classes, i);

      if (g_strcmp0 (json_object_get_string_member (klass, "title"), title) == 0)
        return json_object_ref (klass);
    }
  return NULL;
}

static JsonObject *
get_class (SlTestServer *ts,
           const char   *token,
           gint64        id)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, id);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
  return json_object_ref (json_object_get_object_member (sl_test_response_object (resp), "class"));
}

static gint64
create_class (SlTestServer *ts,
              const char   *token,
              const char   *title,
              int           minutes_ahead)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_minutes (now, minutes_ahead);
  g_autofree char *at = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":30}", title, at);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", token, body);

  g_assert_cmpuint (resp->status, ==, 201);
  return json_object_get_int_member (json_object_get_object_member (sl_test_response_object (resp),
                                                                    "class"), "id");
}

static gboolean
page_loaded_cb (gpointer data)
{
  GtkWidget *spinner = sl_test_ui_find (GTK_WIDGET (data), GTK_TYPE_SPINNER, NULL);

  return spinner != NULL && !gtk_spinner_get_spinning (GTK_SPINNER (spinner));
}

typedef struct {
  SlTestServer *ts;
  SlSession    *session;
  char         *teacher;
  GtkWidget    *page;
  GtkWindow    *window;
  gint64        went_live;    /* the class id win.go-live was given */
} Teach;

/* The window's win.go-live, as SlWindow has it: remembers the class. */
static void
go_live_cb (GSimpleAction *action,
            GVariant      *parameter,
            gpointer       data)
{
  ((Teach *) data)->went_live = g_variant_get_int64 (parameter);
}

static void
teach_setup (Teach *t)
{
  g_autoptr(GSimpleActionGroup) win = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) go_live = g_simple_action_new ("go-live", G_VARIANT_TYPE_INT64);

  t->ts = sl_test_media_server_new (FALSE, 0);
  t->session = sl_test_ui_session (t->ts, "teacher", "teacher123");
  t->teacher = sl_test_login (t->ts, "teacher", "teacher123", NULL);
  t->page = g_object_new (SL_TYPE_TEACH_PAGE, NULL);
  t->window = sl_test_ui_window (t->page, 1000, 760);
  g_signal_connect (go_live, "activate", G_CALLBACK (go_live_cb), t);
  g_action_map_add_action (G_ACTION_MAP (win), G_ACTION (go_live));
  gtk_widget_insert_action_group (GTK_WIDGET (t->window), "win", G_ACTION_GROUP (win));
}

static void
teach_show (Teach *t)
{
  sl_teach_page_set_session (SL_TEACH_PAGE (t->page), t->session);
  sl_test_ui_run_for (100);
  g_assert_true (sl_test_ui_wait_until (page_loaded_cb, t->page, 10000));
}

static void
teach_teardown (Teach *t)
{
  GtkWindow *editor;

  while ((editor = find_toplevel (SL_TYPE_CLASS_EDITOR)) != NULL)
    gtk_window_destroy (editor);
  gtk_window_destroy (t->window);
  sl_test_ui_run_for (50);
  g_clear_object (&t->session);
  g_free (t->teacher);
  sl_test_server_free (t->ts);
}

/* ---- the Teach page -------------------------------------------------------------- */

static void
test_schedule (void)
{
  Teach t = { 0 };
  g_autofree char *admin = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) tomorrow = NULL;
  g_autoptr(GDateTime) expected_local = NULL;
  g_autoptr(GDateTime) expected_utc = NULL;
  g_autoptr(GDateTime) got = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  SlClassEditor *editor;
  GtkWidget *row;
  gint64 optics;

  teach_setup (&t);
  /* someone else's class: not on the teacher's page */
  admin = sl_test_login (t.ts, "admin", "admin123", NULL);
  create_class (t.ts, admin, "Staff Meeting", 120);
  optics = create_class (t.ts, t.teacher, "Optics", 60);
  teach_show (&t);
  row = wait_row (t.page, "Optics");
  g_assert_cmpstr (row_group (row), ==, "Upcoming");
  g_assert_null (sl_test_ui_find (t.page, ADW_TYPE_ACTION_ROW, "Staff Meeting"));
  /* Go Live opens the class's broadcast (the window's win.go-live) */
  g_assert_true (gtk_widget_activate (sl_test_ui_find (row, GTK_TYPE_BUTTON, "Go")));
  sl_test_ui_run_for (400);   /* a button clicks a moment after it is activated */
  g_assert_cmpint (t.went_live, ==, optics);

  /* Schedule Class: the editor, filled in and saved */
  editor = open_editor (t.page, "teach.schedule", NULL);
  fill_editor (editor, "Wave Optics", 1, 10, 30, 50, TRUE);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (find_named (GTK_WIDGET (editor),
                                                                                "description"))),
                            "Interference and diffraction", -1);
  sl_test_ui_run_for (200);
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (GTK_WIDGET (editor), "teach-editor");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (sl_test_ui_wait_until (no_editor_cb, NULL, 10000));

  /* the new class shows among the upcoming ones, and the API has it right */
  row = wait_row (t.page, "Wave Optics");
  g_assert_cmpstr (row_group (row), ==, "Upcoming");
  created = find_upcoming (t.ts, t.teacher, "Wave Optics");
  g_assert_nonnull (created);
  tomorrow = g_date_time_add_days (now, 1);
  expected_local = g_date_time_new_local (g_date_time_get_year (tomorrow),
                                          g_date_time_get_month (tomorrow),
                                          g_date_time_get_day_of_month (tomorrow), 10, 30, 0);
  expected_utc = g_date_time_to_utc (expected_local);
  got = g_date_time_new_from_iso8601 (json_object_get_string_member (created, "scheduled_at"), NULL);
  g_assert_nonnull (got);
  g_assert_true (g_date_time_equal (got, expected_utc));
  g_assert_cmpint (json_object_get_int_member (created, "duration_minutes"), ==, 50);
  g_assert_true (json_object_get_boolean_member (created, "public"));
  g_assert_cmpstr (json_object_get_string_member (created, "description"), ==,
                   "Interference and diffraction");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (created, "owner"),
                                               "id"),
                   ==, sl_session_get_user_id (t.session));

  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (t.page, "teach-page");
  /* narrow */
  gtk_window_set_default_size (t.window, 360, 760);
  sl_test_ui_run_for (300);
  g_assert_cmpint (gtk_widget_get_width (t.page), <=, 380);
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (t.page, "teach-page-360");

  teach_teardown (&t);
}

static void
test_bad_input (void)
{
  Teach t = { 0 };
  SlClassEditor *editor;
  const char *message;
  gint64 before;

  teach_setup (&t);
  teach_show (&t);
  before = count_classes (t.ts, t.teacher);
  editor = open_editor (t.page, "teach.schedule", NULL);

  /* no title (blanks only) */
  fill_editor (editor, "   ", 1, 9, 0, 45, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  sl_test_ui_run_for (300);
  message = visible_error (GTK_WIDGET (editor));
  g_assert_nonnull (message);
  g_test_message ("no title: %s", message);
  g_assert_nonnull (strstr (message, "title"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
  g_assert_cmpint (count_classes (t.ts, t.teacher), ==, before);

  /* a time that has passed */
  fill_editor (editor, "Yesterday's Class", -1, 9, 0, 45, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  sl_test_ui_run_for (300);
  message = visible_error (GTK_WIDGET (editor));
  g_assert_nonnull (message);
  g_test_message ("in the past: %s", message);
  g_assert_nonnull (strstr (message, "passed"));
  g_assert_cmpint (count_classes (t.ts, t.teacher), ==, before);
  {
    g_autoptr(GdkTexture) shot = sl_test_ui_screenshot (GTK_WIDGET (editor), "teach-editor-error");
  }

  /* the server's refusal, in words: more than two years ahead */
  fill_editor (editor, "Far Future", 3 * 366, 9, 0, 45, FALSE);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  sl_test_ui_run_for (100);
  {
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (((message = visible_error (GTK_WIDGET (editor))) == NULL ||
            strstr (message, "passed") != NULL) && g_get_monotonic_time () < until)
      sl_test_ui_run_for (50);
  }
  g_assert_nonnull (message);
  g_test_message ("refused: %s", message);
  g_assert_nonnull (strstr (message, "refused"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (editor)));
  g_assert_cmpint (count_classes (t.ts, t.teacher), ==, before);
  g_assert_null (sl_test_ui_find (t.page, ADW_TYPE_ACTION_ROW, "Far Future"));

  teach_teardown (&t);
}

static gboolean
state_is (SlTestServer *ts,
          const char   *token,
          gint64        id,
          const char   *state)
{
  g_autoptr(JsonObject) klass = get_class (ts, token, id);

  return g_strcmp0 (json_object_get_string_member (klass, "state"), state) == 0;
}

static void
test_edit_cancel (void)
{
  Teach t = { 0 };
  g_autoptr(JsonObject) before = NULL;
  g_autoptr(JsonObject) after = NULL;
  SlClassEditor *editor;
  GtkWidget *row;
  gint64 id;
  gint64 other;

  teach_setup (&t);
  id = create_class (t.ts, t.teacher, "Optics", 60);
  other = create_class (t.ts, t.teacher, "Mechanics", 10);
  before = get_class (t.ts, t.teacher, id);
  teach_show (&t);
  wait_row (t.page, "Optics");

  /* edit: a new title and length; the time, untouched, is not sent */
  editor = open_editor (t.page, "teach.edit", g_variant_new_int64 (id));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sl_test_ui_find (GTK_WIDGET (editor),
                                                                         ADW_TYPE_ENTRY_ROW,
                                                                         "Title"))), ==, "Optics");
  gtk_editable_set_text (GTK_EDITABLE (sl_test_ui_find (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW,
                                                        "Title")), "Geometric Optics");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (find_named (GTK_WIDGET (editor), "duration")), 75);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.save", NULL));
  g_assert_true (sl_test_ui_wait_until (no_editor_cb, NULL, 10000));
  row = wait_row (t.page, "Geometric Optics");
  after = get_class (t.ts, t.teacher, id);
  g_assert_cmpstr (json_object_get_string_member (after, "title"), ==, "Geometric Optics");
  g_assert_cmpint (json_object_get_int_member (after, "duration_minutes"), ==, 75);
  g_assert_cmpstr (json_object_get_string_member (after, "scheduled_at"), ==,
                   json_object_get_string_member (before, "scheduled_at"));

  /* cancel, after saying so in the dialog; keeping it first changes nothing */
  g_assert_true (gtk_widget_activate_action (t.page, "teach.cancel", "x", id));
  respond ("keep");
  g_assert_true (state_is (t.ts, t.teacher, id, "scheduled"));
  g_assert_true (gtk_widget_activate_action (t.page, "teach.cancel", "x", id));
  respond ("cancel");
  {
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!state_is (t.ts, t.teacher, id, "cancelled") && g_get_monotonic_time () < until)
      sl_test_ui_run_for (50);
  }
  g_assert_true (state_is (t.ts, t.teacher, id, "cancelled"));
  {
    GroupWait wait = { t.page, "Geometric Optics", "Past", NULL };

    g_assert_true (sl_test_ui_wait_until (row_in_group_cb, &wait, 5000));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (wait.row)), "Cancelled"));
    /* nothing left to do with it but look */
    g_assert_false (gtk_widget_get_visible (sl_test_ui_find (wait.row, GTK_TYPE_BUTTON, "Go")));
  }

  /* a class started elsewhere moves to Live Now, told by the hub */
  row = wait_row (t.page, "Mechanics");
  g_assert_cmpstr (row_group (row), ==, "Upcoming");
  {
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", other);
    g_autoptr(SlTestResponse) resp = sl_test_request (t.ts, "POST", path, t.teacher, NULL);
    GroupWait wait = { t.page, "Mechanics", "Live Now", NULL };

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_true (sl_test_ui_wait_until (row_in_group_cb, &wait, 5000));
  }

  teach_teardown (&t);
}

/* ---- going live ---------------------------------------------------------------------- */

static gboolean
wait_online (SlTestServer *ts,
             gint64        id,
             gboolean      online,
             guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, NULL, NULL);

      g_assert_cmpuint (resp->status, ==, 200);
      if (json_object_get_boolean_member (sl_test_response_object (resp), "online") == online)
        return TRUE;
      sl_test_ui_run_for (100);
    }
  return FALSE;
}

typedef struct {
  GSubprocess *process;
  gboolean     done;
  char        *out;
  char        *err;
} Edge;

static void
edge_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Edge *edge = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &edge->out, &edge->err,
                                        &error);
  g_assert_no_error (error);
  edge->done = TRUE;
}

static gboolean
edge_done (gpointer data)
{
  return ((Edge *) data)->done;
}

/* `streamlet-edge watch --json` for @seconds; its summary line. */
static JsonObject *
edge_watch (SlTestServer *ts,
            gint64        id,
            guint         seconds)
{
  const char *binary = g_getenv ("SL_TEST_EDGE");
  g_autofree char *class_text = g_strdup_printf ("%" G_GINT64_FORMAT, id);
  g_autofree char *duration = g_strdup_printf ("%u", seconds);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  Edge edge = { 0 };
  JsonObject *summary = NULL;

  g_assert_nonnull (binary);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "STREAMLET_PASSWORD", "student123", TRUE);
  {
    /* in sanitizer builds: the watcher is only a witness here; its own
     * leaks are test-edge's to find (GLib's first quark block, see
     * sl-test-lsan.c, would fail its exit status) */
    const char *asan = g_getenv ("ASAN_OPTIONS");
    g_autofree char *options = g_strconcat (asan != NULL ? asan : "", asan != NULL ? ":" : "",
                                            "detect_leaks=0", NULL);

    g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", options, TRUE);
  }
  edge.process = g_subprocess_launcher_spawn (launcher, &error, binary, "watch",
                                              "--server", ts->base_url, "--user", "student",
                                              "--class", class_text, "--json",
                                              "--duration", duration,
                                              "--ice-addresses", CLIENT_ICE_ADDRESS, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (edge.process, NULL, NULL, edge_done_cb, &edge);
  if (!sl_test_ui_wait_until (edge_done, &edge, (seconds + 30) * 1000))
    {
      g_subprocess_force_exit (edge.process);
      while (!edge.done)
        g_main_context_iteration (NULL, TRUE);
      g_test_message ("stdout: %s\nstderr: %s", edge.out, edge.err);
      g_assert_not_reached ();
    }
  g_subprocess_wait (edge.process, NULL, NULL);
  if (edge.err != NULL && *edge.err != '\0')
    g_test_message ("streamlet-edge's stderr: %s", edge.err);
  g_assert_true (g_subprocess_get_if_exited (edge.process));
  g_assert_cmpint (g_subprocess_get_exit_status (edge.process), ==, 0);

  lines = g_strsplit (edge.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonNode *root;

      if (lines[i][0] == '\0' || !json_parser_load_from_data (parser, lines[i], -1, NULL))
        continue;
      root = json_parser_get_root (parser);
      if (JSON_NODE_HOLDS_OBJECT (root) &&
          json_object_get_boolean_member_with_default (json_node_get_object (root), "summary", FALSE))
        {
          g_clear_pointer (&summary, json_object_unref);
          summary = json_object_ref (json_node_get_object (root));
        }
    }
  g_test_message ("streamlet-edge watch --json:\n%s", edge.out);
  g_clear_object (&edge.process);
  g_free (edge.out);
  g_free (edge.err);
  g_assert_nonnull (summary);
  return summary;
}

/* The picture showing video (the preview), not the frame around it. */
static GtkWidget *
find_video (GtkWidget *root)
{
  if (GTK_IS_PICTURE (root) && SL_IS_VIDEO_PAINTABLE (gtk_picture_get_paintable (GTK_PICTURE (root))))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_video (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
preview_has_frames_cb (gpointer data)
{
  GdkPaintable *paintable = gtk_picture_get_paintable (GTK_PICTURE (data));

  return paintable != NULL && gdk_paintable_get_intrinsic_width (paintable) > 0;
}

typedef struct {
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_is_cb (gpointer data)
{
  LabelWait *wait = data;

  return g_strcmp0 (gtk_label_get_text (GTK_LABEL (wait->root)), wait->text) == 0;
}

static gboolean
chat_shown_cb (gpointer data)
{
  LabelWait *wait = data;
  GtkWidget *label = sl_test_ui_find (wait->root, GTK_TYPE_LABEL,
                                      "Could you show the ray diagram again?");

  return label != NULL && gtk_widget_get_mapped (label);
}

static GtkWidget *
find_styled (GtkWidget  *root,
             const char *css_class)
{
  if (gtk_widget_has_css_class (root, css_class))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_styled (child, css_class);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
find_group (GtkWidget  *root,
            const char *title)
{
  if (ADW_IS_PREFERENCES_GROUP (root) &&
      g_strcmp0 (adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (root)), title) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_group (child, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
group_empty_cb (gpointer data)
{
  return sl_test_ui_find (GTK_WIDGET (data), ADW_TYPE_ACTION_ROW, NULL) == NULL;
}

static void
test_go_live (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlSession) session = NULL;
  g_autoptr(SlTestWs) student = NULL;
  g_autoptr(JsonObject) summary = NULL;
  g_autoptr(JsonObject) klass = NULL;
  g_autoptr(GdkTexture) first = NULL;
  g_autoptr(GdkTexture) second = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(JsonObject) hand = NULL;
  g_autofree char *teacher = NULL;
  GtkWidget *view;
  GtkWindow *window;
  GtkWidget *picture;
  GtkWidget *hands;
  GtkWidget *lower;
  double difference;
  gint64 id;

  if (!have_network)
    {
      g_test_skip_printf ("no private network namespace: %s", network_problem);
      return;
    }
  ts = sl_test_media_server_new (FALSE, 0);
  session = sl_test_ui_session (ts, "teacher", "teacher123");
  teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  id = sl_test_make_class (ts, TRUE, NULL);

  view = sl_go_live_view_new (session, id);
  window = sl_test_ui_window (view, 1100, 800);

  /* the test sources, the smallest preset */
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Video")), 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Audio")), 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Quality")), 0);

  /* the preview moves before anything is sent */
  picture = find_video (view);
  g_assert_nonnull (picture);
  g_assert_true (sl_test_ui_wait_until (preview_has_frames_cb, picture, 10000));
  sl_test_ui_run_for (300);
  first = sl_test_ui_screenshot (picture, "go-live-preview-1");
  sl_test_ui_run_for (700);
  second = sl_test_ui_screenshot (picture, "go-live-preview-2");
  difference = sl_test_ui_difference (first, second);
  g_test_message ("preview: %.1f %% of the pixels changed", difference * 100);
  g_assert_cmpfloat (difference, >, 0.002);
  g_assert_false (wait_online (ts, id, TRUE, 100));
  shot = sl_test_ui_screenshot (view, "go-live");

  /* Start Broadcast: the class goes live, and an edge watcher decodes it */
  g_assert_true (gtk_widget_activate_action (view, "golive.start", NULL));
  g_assert_true (wait_online (ts, id, TRUE, 30000));
  klass = get_class (ts, teacher, id);
  g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "live");
  {
    /* the preview now shows what the encoder gets (the publisher's tap) */
    SlVideoPaintable *paintable = SL_VIDEO_PAINTABLE (gtk_picture_get_paintable (GTK_PICTURE (picture)));
    guint64 shown = sl_video_paintable_get_frames_shown (paintable);

    sl_test_ui_run_for (1000);
    g_test_message ("preview while live: %" G_GUINT64_FORMAT " frames in 1 s",
                    sl_video_paintable_get_frames_shown (paintable) - shown);
    g_assert_cmpuint (sl_video_paintable_get_frames_shown (paintable), >, shown + 5);
  }
  summary = edge_watch (ts, id, 8);
  g_test_message ("edge watch decoded %" G_GINT64_FORMAT " frames",
                  json_object_get_int_member (summary, "frames_decoded"));
  g_assert_cmpint (json_object_get_int_member (summary, "frames_decoded"), >=, 30);

  /* a student raises a hand: it shows in the queue; Lower takes it down */
  student = sl_test_ws_connect_as (ts, "student", "student123");
  sl_test_ws_sendf (student, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", id);
  json_object_unref (sl_test_ws_expect (student, "joined"));
  sl_test_ws_sendf (student, "{\"type\":\"hand_raise\",\"class_id\":%" G_GINT64_FORMAT "}", id);
  hand = sl_test_ws_expect (student, "hand");
  g_assert_true (json_object_get_boolean_member (hand, "raised"));
  g_clear_pointer (&hand, json_object_unref);
  hands = find_group (view, "Raised Hands");
  g_assert_nonnull (hands);
  wait_row (hands, "Demo student");
  wait_row (find_group (view, "Viewers"), "Demo student");
  {
    /* the count in the header */
    LabelWait wait = { find_styled (view, "numeric"), "1" };

    g_assert_nonnull (wait.root);
    g_assert_true (sl_test_ui_wait_until (label_is_cb, &wait, 5000));
  }
  /* and writes in the chat, which the teacher's chat panel shows */
  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ","
                    "\"text\":\"Could you show the ray diagram again?\"}", id);
  {
    LabelWait wait = { view, NULL };

    wait.root = view;
    g_assert_true (sl_test_ui_wait_until (chat_shown_cb, &wait, 5000));
  }
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (view, "go-live-on-air");
  /* the view as the app's metainfo shows it (data/screenshots) */
  g_object_unref (sl_test_ui_screenshot (view, "metainfo-go-live"));
  /* narrow: the chat folds away behind its button */
  gtk_window_set_default_size (window, 360, 800);
  sl_test_ui_run_for (300);
  g_assert_cmpint (gtk_widget_get_width (view), <=, 380);
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (view, "go-live-360");
  lower = sl_test_ui_find (hands, GTK_TYPE_BUTTON, "Lower");
  g_assert_nonnull (lower);
  g_assert_true (gtk_widget_activate (lower));
  hand = sl_test_ws_expect (student, "hand");
  g_assert_false (json_object_get_boolean_member (hand, "raised"));
  g_assert_true (sl_test_ui_wait_until (group_empty_cb, hands, 5000));

  /* End Broadcast, confirmed: the stream goes offline, the class stays live */
  g_assert_true (gtk_widget_activate_action (view, "golive.stop", NULL));
  respond ("end");
  g_assert_true (wait_online (ts, id, FALSE, 10000));
  g_assert_true (state_is (ts, teacher, id, "live"));

  /* End Class, offered separately */
  g_assert_true (gtk_widget_activate_action (view, "golive.end-class", NULL));
  respond ("end");
  {
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (!state_is (ts, teacher, id, "ended") && g_get_monotonic_time () < until)
      sl_test_ui_run_for (50);
  }
  g_assert_true (state_is (ts, teacher, id, "ended"));

  gtk_window_destroy (window);
  sl_test_ui_run_for (100);
}

/* Disposing the view while broadcasting stops the broadcast. */
static void
test_go_live_dispose (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlSession) session = NULL;
  GtkWidget *view;
  GtkWindow *window;
  gint64 id;

  if (!have_network)
    {
      g_test_skip_printf ("no private network namespace: %s", network_problem);
      return;
    }
  ts = sl_test_media_server_new (FALSE, 0);
  session = sl_test_ui_session (ts, "teacher", "teacher123");
  id = sl_test_make_class (ts, TRUE, NULL);
  view = sl_go_live_view_new (session, id);
  window = sl_test_ui_window (view, 800, 600);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Video")), 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Audio")), 2);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Quality")), 0);
  g_assert_true (gtk_widget_activate_action (view, "golive.start", NULL));
  g_assert_true (wait_online (ts, id, TRUE, 30000));
  gtk_window_destroy (window);
  g_assert_true (wait_online (ts, id, FALSE, 10000));
}

static GtkWidget *
find_start_button (GtkWidget *root)
{
  if (GTK_IS_BUTTON (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), "golive.start") == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_start_button (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

typedef struct {
  GtkWidget  *root;
  const char *text;
} ErrorWait;

static gboolean
error_shown_cb (gpointer data)
{
  ErrorWait *wait = data;
  const char *shown = visible_error (wait->root);

  return shown != NULL && strstr (shown, wait->text) != NULL;
}

/* What cannot be broadcast says why: no camera; someone else publishing. */
static void
test_go_live_refused (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlSession) session = NULL;
  g_autoptr(SlTestPublisher) other = NULL;
  g_autofree char *teacher = NULL;
  g_autofree char *whip = NULL;
  AdwComboRow *video;
  GListModel *choices;
  GtkWidget *view;
  GtkWidget *start;
  GtkWindow *window;
  guint status = 0;
  gint64 id;

  if (!have_network)
    {
      g_test_skip_printf ("no private network namespace: %s", network_problem);
      return;
    }
  ts = sl_test_media_server_new (FALSE, 0);
  session = sl_test_ui_session (ts, "teacher", "teacher123");
  teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  id = sl_test_make_class (ts, TRUE, NULL);
  view = sl_go_live_view_new (session, id);
  window = sl_test_ui_window (view, 800, 600);
  start = find_start_button (view);
  g_assert_nonnull (start);
  video = ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Video"));
  choices = adw_combo_row_get_model (video);

  /* no camera on this machine: the picker says so, Start is off */
  if (g_str_has_prefix (gtk_string_list_get_string (GTK_STRING_LIST (choices), 1), "Camera (none"))
    {
      adw_combo_row_set_selected (video, 1);
      sl_test_ui_run_for (100);
      g_assert_false (gtk_widget_is_sensitive (start));
      g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (video)), "No camera"));
    }
  else
    g_test_message ("this machine has a camera: the no-camera case is not tried");

  /* someone else (OBS, say) publishes: 409, said in words, nothing breaks */
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  other = sl_test_publisher_start (ts, whip, teacher, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_online (ts, id, TRUE, 20000));
  adw_combo_row_set_selected (video, 0);
  adw_combo_row_set_selected (ADW_COMBO_ROW (sl_test_ui_find (view, ADW_TYPE_COMBO_ROW, "Audio")), 0);
  sl_test_ui_run_for (100);
  g_assert_true (gtk_widget_is_sensitive (start));
  g_assert_true (gtk_widget_activate_action (view, "golive.start", NULL));
  {
    ErrorWait wait = { view, "already broadcasting" };

    g_assert_true (sl_test_ui_wait_until (error_shown_cb, &wait, 20000));
    g_test_message ("busy: %s", visible_error (view));
  }
  /* ready to try again; the other publisher is untouched */
  sl_test_ui_run_for (200);
  g_assert_true (gtk_widget_is_sensitive (start));
  g_assert_true (wait_online (ts, id, TRUE, 100));
  {
    g_autoptr(GdkTexture) shot = sl_test_ui_screenshot (view, "go-live-busy");
  }

  gtk_window_destroy (window);
  sl_test_ui_run_for (100);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;

  /* before any thread exists */
  have_network = sl_test_enter_private_network (&error);
  if (!have_network)
    network_problem = g_strdup (error->message);
#if defined(__SANITIZE_ADDRESS__)
  /* GTK's and GStreamer's start-up, as sl-test-lsan.c does for the
   * libraries' constructors: what they keep for the life of the process
   * (fontconfig's caches, GLib's quark table, which GStreamer's registry
   * grows, leaving the smaller copy behind) is theirs, not ours */
  __lsan_disable ();
#endif
  sl_test_ui_init (&argc, &argv);
  sl_media_init ();
  {
    static const char *const used[] = {
      "webrtcbin", "x264enc", "opusenc", "videotestsrc", "audiotestsrc", "appsink",
      "rtph264pay", "rtpopuspay", "rtph264depay", "h264parse", "avdec_h264", NULL,
    };

    for (guint i = 0; used[i] != NULL; i++)
      {
        GstElement *element = gst_element_factory_make (used[i], NULL);

        if (element != NULL)
          gst_object_unref (gst_object_ref_sink (element));
      }
  }
#if defined(__SANITIZE_ADDRESS__)
  __lsan_enable ();
#endif
  /* the app's WebRTC uses the private network's other end */
  g_setenv ("STREAMLET_ICE_ADDRESSES", CLIENT_ICE_ADDRESS, TRUE);

  g_test_add_func ("/teach/schedule", test_schedule);
  g_test_add_func ("/teach/bad-input", test_bad_input);
  g_test_add_func ("/teach/edit-cancel", test_edit_cancel);
  g_test_add_func ("/teach/go-live", test_go_live);
  g_test_add_func ("/teach/go-live-dispose", test_go_live_dispose);
  g_test_add_func ("/teach/go-live-refused", test_go_live_refused);

  return g_test_run ();
}
