/* test-ui-browser.c: the class browser (Live Now, Upcoming, Recordings,
 * kept current from the hub, search, errors) and the recording player
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-browser"

#include "config.h"

#include "sl-class-browser.h"
#include "sl-class-row.h"
#include "sl-media.h"
#include "sl-recording-view.h"
#include "sl-test-media.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-video-paintable.h"

#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestServer, sl_test_server_free)

static gboolean have_network;
static char *network_problem;

/* ---- the server side ---------------------------------------------------------- */


/* A class of teacher's, @minutes from now; its id. */
static gint64
schedule (SlTestServer *ts,
          const char   *token,
          const char   *title,
          int           minutes)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_minutes (now, minutes);
  g_autofree char *at = g_date_time_format_iso8601 (when);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":45}", title, at);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", token, body);

  g_assert_cmpuint (resp->status, ==, 201);
  return json_object_get_int_member (
    json_object_get_object_member (sl_test_response_object (resp), "class"), "id");
}

static void
class_action (SlTestServer *ts,
              const char   *token,
              gint64        id,
              const char   *action)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/%s", id, action);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", path, token, NULL);

  g_assert_cmpuint (resp->status, ==, 200);
}

/* Polls GET /api/classes/<id>/recordings until the newest one is done being
 * made; returns it. */
static JsonObject *
wait_recording_done (SlTestServer *ts,
                     gint64        id,
                     const char   *token,
                     guint         timeout_ms)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/recordings", id);
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);
      JsonArray *list;

      g_assert_cmpuint (resp->status, ==, 200);
      list = json_object_get_array_member (sl_test_response_object (resp), "recordings");
      if (json_array_get_length (list) > 0)
        {
          JsonObject *rec = json_array_get_object_element (list, json_array_get_length (list) - 1);
          const char *state = json_object_get_string_member (rec, "state");

          if (!g_str_equal (state, "recording") && !g_str_equal (state, "processing"))
            return json_object_ref (rec);
        }
      if (g_get_monotonic_time () > until)
        g_error ("the recording of class %" G_GINT64_FORMAT " was not done in %u ms", id,
                 timeout_ms);
      sl_test_ui_run_for (250);
    }
}

/* ---- the window and its actions ------------------------------------------------- */

typedef struct {
  GtkWindow   *window;
  SlSession   *session;
  GtkWidget   *browser;
  gint64       watched;       /* win.watch-class's last parameter */
  char        *played;        /* win.play-recording's last parameter */
} Ui;

static void
watch_class_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  Ui *ui = user_data;

  ui->watched = g_variant_get_int64 (parameter);
}

static void
play_recording_cb (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  Ui *ui = user_data;

  g_free (ui->played);
  ui->played = g_variant_dup_string (parameter, NULL);
}

/* A browser showing @username's classes in a window of @width, with a
 * "win" group that records what it is asked to open. */
static void
ui_open (Ui           *ui,
         SlTestServer *ts,
         SlSession    *session,
         int           width,
         int           height)
{
  const GActionEntry entries[] = {
    { "watch-class", watch_class_cb, "x", NULL, NULL, { 0 } },
    { "play-recording", play_recording_cb, "s", NULL, NULL, { 0 } },
  };
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();

  memset (ui, 0, sizeof *ui);
  ui->session = g_object_ref (session);
  ui->browser = g_object_new (SL_TYPE_CLASS_BROWSER, NULL);
  ui->window = sl_test_ui_window (ui->browser, width, height);
  g_action_map_add_action_entries (G_ACTION_MAP (group), entries, G_N_ELEMENTS (entries), ui);
  gtk_widget_insert_action_group (GTK_WIDGET (ui->window), "win", G_ACTION_GROUP (group));
  sl_class_browser_set_session (SL_CLASS_BROWSER (ui->browser), session);
}

/* Closes the window; the browser goes with it (nothing of it is left
 * behind, requests under way included). */
static void
ui_close (Ui *ui)
{
  sl_class_browser_set_session (SL_CLASS_BROWSER (ui->browser), NULL);
  g_object_add_weak_pointer (G_OBJECT (ui->browser), (gpointer *) &ui->browser);
  gtk_window_destroy (ui->window);
  sl_test_ui_run_for (200);
  g_assert_null (ui->browser);
  g_clear_object (&ui->session);
  g_clear_pointer (&ui->played, g_free);
}

/* ---- looking at the browser --------------------------------------------------------- */

static SlClassRow *
find_row_in (GtkWidget      *root,
             SlClassRowKind  kind,
             const char     *title)
{
  if (SL_IS_CLASS_ROW (root) && sl_class_row_get_kind (SL_CLASS_ROW (root)) == kind &&
      strstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), title) != NULL)
    return SL_CLASS_ROW (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      SlClassRow *found = find_row_in (child, kind, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static SlClassRow *
find_row (Ui             *ui,
          SlClassRowKind  kind,
          const char     *title)
{
  return find_row_in (ui->browser, kind, title);
}

/* Rows of @kind that the search lets through. */
static guint
count_shown_in (GtkWidget      *root,
                SlClassRowKind  kind)
{
  guint n = 0;

  if (SL_IS_CLASS_ROW (root))
    return sl_class_row_get_kind (SL_CLASS_ROW (root)) == kind && gtk_widget_get_child_visible (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    n += count_shown_in (child, kind);
  return n;
}

static AdwViewStack *
sections (Ui *ui)
{
  return ADW_VIEW_STACK (sl_test_ui_find (ui->browser, ADW_TYPE_VIEW_STACK, NULL));
}

/* What a section shows: "loading", "error", "empty" or "list". */
static const char *
section_state (Ui         *ui,
               const char *section)
{
  GtkWidget *page = adw_view_stack_get_child_by_name (sections (ui), section);

  return gtk_stack_get_visible_child_name (GTK_STACK (page));
}

static AdwStatusPage *
section_status (Ui         *ui,
                const char *section)
{
  GtkStack *page = GTK_STACK (adw_view_stack_get_child_by_name (sections (ui), section));

  return ADW_STATUS_PAGE (gtk_stack_get_visible_child (page));
}

/* Clicks the section switcher's button for @title, as a user does. */
static void
show_section (Ui         *ui,
              const char *title,
              const char *name)
{
  GtkWidget *switcher = sl_test_ui_find (ui->browser, ADW_TYPE_VIEW_SWITCHER, NULL);
  GtkWidget *label = sl_test_ui_find (switcher, GTK_TYPE_LABEL, title);
  GtkWidget *button;

  g_assert_nonnull (label);
  button = gtk_widget_get_ancestor (label, GTK_TYPE_TOGGLE_BUTTON);
  g_assert_nonnull (button);
  /* a button activated from the keyboard clicks after a short press */
  gtk_widget_activate (button);
  sl_test_ui_run_for (500);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (sections (ui)), ==, name);
}

typedef struct {
  Ui             *ui;
  SlClassRowKind  kind;
  const char     *title;
  gboolean        present;
} RowWait;

static gboolean
row_is_cb (gpointer data)
{
  RowWait *wait = data;

  return (find_row (wait->ui, wait->kind, wait->title) != NULL) == wait->present;
}

static gboolean
wait_row (Ui             *ui,
          SlClassRowKind  kind,
          const char     *title,
          gboolean        present,
          guint           timeout_ms)
{
  RowWait wait = { ui, kind, title, present };

  return sl_test_ui_wait_until (row_is_cb, &wait, timeout_ms);
}

typedef struct {
  Ui         *ui;
  const char *section;
  const char *state;
} StateWait;

static gboolean
state_is_cb (gpointer data)
{
  StateWait *wait = data;

  return g_strcmp0 (section_state (wait->ui, wait->section), wait->state) == 0;
}

static gboolean
wait_state (Ui         *ui,
            const char *section,
            const char *state,
            guint       timeout_ms)
{
  StateWait wait = { ui, section, state };

  return sl_test_ui_wait_until (state_is_cb, &wait, timeout_ms);
}

static void
search (Ui         *ui,
        const char *text)
{
  GtkWidget *entry = sl_test_ui_find (ui->browser, GTK_TYPE_SEARCH_ENTRY, NULL);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  /* the entry waits a moment before it says the search changed */
  sl_test_ui_run_for (400);
}

static gboolean
live_badge_shown (SlClassRow *row)
{
  GtkWidget *badge = sl_test_ui_find (GTK_WIDGET (row), GTK_TYPE_LABEL, "Live");

  return badge != NULL && gtk_widget_get_visible (badge);
}

/* ---- the browser: sections, live changes, search, opening -------------------------- */

static gboolean
waiting_shown_cb (gpointer data)
{
  GtkWidget *label = sl_test_ui_find (data, GTK_TYPE_LABEL, "Waiting for video");

  return label != NULL && gtk_widget_get_visible (label);
}

static gboolean
watched_cb (gpointer data)
{
  return ((Ui *) data)->watched != 0;
}

static void
test_sections (void)
{
  g_autoptr(SlTestServer) ts = sl_test_server_new ("sqlite", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(SlSession) session = NULL;
  g_autoptr(GdkTexture) wide = NULL;
  g_autoptr(GdkTexture) narrow = NULL;
  gint64 algebra, chemistry, history;
  SlClassRow *row;
  GtkWidget *search_bar;
  Ui ui, small;

  algebra = schedule (ts, teacher, "Algebra 101", 10);
  chemistry = schedule (ts, teacher, "Organic Chemistry", 180);
  history = schedule (ts, teacher, "Medieval History", 60 * 24);
  g_assert_cmpint (history, >, chemistry);

  session = sl_test_ui_session (ts, "student", "student123");
  ui_open (&ui, ts, session, 1000, 700);

  /* nothing live: said in words; the scheduled classes, soonest first */
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Medieval History", TRUE, 10000));
  g_assert_true (wait_state (&ui, "live", "empty", 5000));
  g_assert_cmpstr (adw_status_page_get_title (section_status (&ui, "live")), ==,
                   "No Live Classes Right Now");
  g_assert_cmpstr (section_state (&ui, "upcoming"), ==, "list");
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 3);
  row = find_row (&ui, SL_CLASS_ROW_UPCOMING, "Algebra 101");
  g_test_message ("upcoming: %s", adw_action_row_get_subtitle (ADW_ACTION_ROW (row)));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "Demo teacher"));
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "in 10 minutes"));
  g_assert_cmpint (gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), ==, 0);
  row = find_row (&ui, SL_CLASS_ROW_UPCOMING, "Medieval History");
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), "tomorrow at"));
  g_assert_cmpint (gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row)), ==, 2);
  g_assert_null (find_row (&ui, SL_CLASS_ROW_LIVE, "Algebra 101"));

  /* the teacher starts Algebra: it moves to Live Now by the hub's word,
   * well before the browser polls (every 30 s) */
  class_action (ts, teacher, algebra, "start");
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_LIVE, "Algebra 101", TRUE, 5000));
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Algebra 101", FALSE, 1000));
  g_assert_cmpstr (section_state (&ui, "live"), ==, "list");
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 2);
  /* started, but nobody publishes yet: said so once the server answered */
  row = find_row (&ui, SL_CLASS_ROW_LIVE, "Algebra 101");
  g_assert_true (sl_test_ui_wait_until (waiting_shown_cb, row, 5000));
  g_assert_false (live_badge_shown (row));
  /* a new window's first frames take a while under Xvfb */
  sl_test_ui_run_for (500);
  wide = sl_test_ui_screenshot (GTK_WIDGET (ui.window), "browser-wide");

  /* a change of title comes through the hub too */
  {
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, chemistry);
    const char *body = "{\"title\":\"Organic Chemistry II\"}";
    g_autoptr(SlTestResponse) resp = sl_test_request_full (ts, "PATCH", path, teacher,
                                                           "application/json", body,
                                                           strlen (body));

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Organic Chemistry II", TRUE, 5000));
  }

  /* search: Ctrl+F's action reveals the entry and focuses it */
  search_bar = sl_test_ui_find (ui.browser, GTK_TYPE_SEARCH_BAR, NULL);
  g_assert_false (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));
  g_assert_true (gtk_widget_activate_action (ui.browser, "browser.search", NULL));
  sl_test_ui_run_for (100);
  g_assert_true (gtk_search_bar_get_search_mode (GTK_SEARCH_BAR (search_bar)));
  g_assert_true (gtk_widget_is_focus (sl_test_ui_find (ui.browser, GTK_TYPE_TEXT, NULL)) ||
                 gtk_widget_has_focus (sl_test_ui_find (ui.browser, GTK_TYPE_TEXT, NULL)));

  /* by title, in every section */
  search (&ui, "chem");
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 1);
  g_assert_true (gtk_widget_get_child_visible (
    GTK_WIDGET (find_row (&ui, SL_CLASS_ROW_UPCOMING, "Organic Chemistry"))));
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_LIVE), ==, 0);
  g_assert_cmpstr (section_state (&ui, "live"), ==, "empty");
  g_assert_cmpstr (adw_status_page_get_title (section_status (&ui, "live")), ==, "No Results");
  g_assert_nonnull (strstr (adw_status_page_get_description (section_status (&ui, "live")), "chem"));
  /* by teacher, whatever the case */
  search (&ui, "DEMO teacher");
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 2);
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_LIVE), ==, 1);
  g_assert_cmpstr (section_state (&ui, "live"), ==, "list");
  /* nothing */
  search (&ui, "astrophysics");
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 0);
  g_assert_cmpstr (section_state (&ui, "upcoming"), ==, "empty");
  /* closing the search shows everything again */
  gtk_search_bar_set_search_mode (GTK_SEARCH_BAR (search_bar), FALSE);
  sl_test_ui_run_for (400);
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_UPCOMING), ==, 2);
  g_assert_cmpuint (count_shown_in (ui.browser, SL_CLASS_ROW_LIVE), ==, 1);
  g_assert_cmpstr (section_state (&ui, "upcoming"), ==, "list");

  /* opening a live class asks the window to watch it */
  row = find_row (&ui, SL_CLASS_ROW_LIVE, "Algebra 101");
  g_assert_true (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)));
  g_assert_false (gtk_list_box_row_get_activatable (
    GTK_LIST_BOX_ROW (find_row (&ui, SL_CLASS_ROW_UPCOMING, "Medieval History"))));
  gtk_widget_activate (GTK_WIDGET (row));
  g_assert_true (sl_test_ui_wait_until (watched_cb, &ui, 2000));
  g_assert_cmpint (ui.watched, ==, algebra);

  /* the Upcoming section, and the same at 360 px */
  show_section (&ui, "Upcoming", "upcoming");
  ui_open (&small, ts, session, 360, 640);
  g_assert_true (wait_row (&small, SL_CLASS_ROW_UPCOMING, "Medieval History", TRUE, 10000));
  g_assert_true (wait_row (&small, SL_CLASS_ROW_LIVE, "Algebra 101", TRUE, 10000));
  sl_test_ui_run_for (500);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (small.window)), <=, 400);
  narrow = sl_test_ui_screenshot (GTK_WIDGET (small.window), "browser-narrow");
  ui_close (&small);

  /* the class ends: gone from Live Now, which says so in words again */
  class_action (ts, teacher, algebra, "end");
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_LIVE, "Algebra 101", FALSE, 5000));
  g_assert_true (wait_state (&ui, "live", "empty", 1000));
  /* and a cancelled class leaves Upcoming */
  {
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT, history);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "DELETE", path, teacher, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Medieval History", FALSE, 5000));
  }

  ui_close (&ui);
}

/* ---- errors and signing out ---------------------------------------------------------- */

static void
test_errors (void)
{
  g_autoptr(SlTestServer) ts = sl_test_server_new ("sqlite", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(SlSession) session = sl_test_ui_session (ts, "student", "student123");
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *retry;
  const char *text;
  Ui ui;

  ui_open (&ui, ts, session, 800, 600);
  g_assert_true (wait_state (&ui, "upcoming", "empty", 10000));
  g_assert_cmpstr (adw_status_page_get_title (section_status (&ui, "upcoming")), ==,
                   "No Upcoming Classes");
  g_assert_true (wait_state (&ui, "recordings", "empty", 10000));
  g_assert_cmpstr (adw_status_page_get_title (section_status (&ui, "recordings")), ==,
                   "No Recordings Yet");

  /* the server goes away: asking again says so, in words, with a way to retry */
  sl_test_server_stop (ts);
  g_assert_true (gtk_widget_activate_action (ui.browser, "browser.reload", NULL));
  g_assert_true (wait_state (&ui, "live", "error", 10000));
  g_assert_true (wait_state (&ui, "upcoming", "error", 10000));
  text = adw_status_page_get_description (section_status (&ui, "live"));
  g_test_message ("unreachable: %s", text);
  g_assert_nonnull (strstr (text, "cannot be reached"));
  retry = sl_test_ui_find (GTK_WIDGET (section_status (&ui, "live")), GTK_TYPE_BUTTON, "Retry");
  g_assert_nonnull (retry);
  g_assert_true (gtk_widget_get_sensitive (retry));
  shot = sl_test_ui_screenshot (GTK_WIDGET (ui.window), "browser-error");

  /* back again, with a class scheduled meanwhile: Retry shows it */
  sl_test_server_restart (ts);
  g_free (teacher);
  teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  schedule (ts, teacher, "Latin Grammar", 30);
  gtk_widget_activate (retry);
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Latin Grammar", TRUE, 10000));
  g_assert_true (wait_state (&ui, "upcoming", "list", 1000));
  g_assert_true (wait_state (&ui, "live", "empty", 10000));

  /* signed out: everything shown goes, and answers still on their way are
   * dropped */
  sl_class_browser_set_session (SL_CLASS_BROWSER (ui.browser), NULL);
  g_assert_null (find_row (&ui, SL_CLASS_ROW_UPCOMING, "Latin Grammar"));
  sl_class_browser_set_session (SL_CLASS_BROWSER (ui.browser), session);
  sl_class_browser_set_session (SL_CLASS_BROWSER (ui.browser), NULL);
  sl_test_ui_run_for (1500);
  g_assert_null (find_row (&ui, SL_CLASS_ROW_UPCOMING, "Latin Grammar"));
  g_assert_cmpstr (section_state (&ui, "upcoming"), !=, "list");

  ui_close (&ui);
}

/* ---- the recording player's errors --------------------------------------------------- */

typedef struct {
  GtkWidget  *view;
} ViewWait;

static AdwStatusPage *
error_page (GtkWidget *view)
{
  GtkStack *stack = GTK_STACK (sl_test_ui_find (view, GTK_TYPE_STACK, NULL));

  if (g_strcmp0 (gtk_stack_get_visible_child_name (stack), "error") != 0)
    return NULL;
  return ADW_STATUS_PAGE (gtk_stack_get_visible_child (stack));
}

static gboolean
has_error_cb (gpointer data)
{
  return error_page (data) != NULL;
}

static void
test_recording_errors (void)
{
  g_autoptr(SlTestServer) ts = sl_test_server_new ("sqlite", NULL);
  g_autoptr(SlSession) session = sl_test_ui_session (ts, "student", "student123");
  static const struct {
    const char *url;
    const char *words;
  } cases[] = {
    /* a signature that does not hold (an old link) */
    { "/recordings/1-1/recording.mp4?exp=1&sig=AAAA", "has expired" },
    /* nothing there */
    { "/recordings/1-1/nothing.mp4", "no longer on the server" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) recording = json_object_new ();
      g_autoptr(GdkTexture) shot = NULL;
      GtkWidget *view;
      GtkWindow *window;
      const char *text;

      json_object_set_string_member (recording, "id", "1-1");
      json_object_set_int_member (recording, "class_id", 1);
      json_object_set_string_member (recording, "state", "ready");
      json_object_set_int_member (recording, "duration_ms", 5000);
      json_object_set_string_member (recording, "mp4_url", cases[i].url);
      view = sl_recording_view_new (session, recording);
      window = sl_test_ui_window (view, 640, 480);
      g_assert_true (sl_test_ui_wait_until (has_error_cb, view, 10000));
      text = adw_status_page_get_description (error_page (view));
      g_test_message ("%s: %s", cases[i].url, text);
      g_assert_nonnull (strstr (text, cases[i].words));
      /* nothing to play: the controls are off, and trying again the same
       * link would not help */
      g_assert_false (gtk_widget_is_sensitive (sl_test_ui_find (view, GTK_TYPE_SCALE, NULL)));
      g_assert_false (gtk_widget_get_visible (sl_test_ui_find (view, GTK_TYPE_BUTTON, "Try Again")));
      sl_test_ui_run_for (400);
      if (i == 0)
        shot = sl_test_ui_screenshot (GTK_WIDGET (window), "recording-error");
      g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
      gtk_window_destroy (window);
      sl_test_ui_run_for (200);
      g_assert_null (view);
    }
}

/* ---- a recorded class, from the list to playing it ------------------------------------ */

static gboolean
recording_ready_cb (gpointer data)
{
  Ui *ui = data;
  SlClassRow *row = find_row (ui, SL_CLASS_ROW_RECORDING, "Optics");

  return row != NULL && gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row));
}

static gboolean
played_cb (gpointer data)
{
  return ((Ui *) data)->played != NULL;
}

static gboolean
live_badge_cb (gpointer data)
{
  SlClassRow *row = find_row (data, SL_CLASS_ROW_LIVE, "Optics");

  return row != NULL && live_badge_shown (row);
}

static double
view_position (GtkWidget *view)
{
  return gtk_range_get_value (GTK_RANGE (sl_test_ui_find (view, GTK_TYPE_SCALE, NULL)));
}

typedef struct {
  GtkWidget *view;
  double     above;
} PositionWait;

static gboolean
position_above_cb (gpointer data)
{
  PositionWait *wait = data;

  return view_position (wait->view) > wait->above;
}

static guint64
frames_shown (GtkWidget *view)
{
  GtkPicture *picture = GTK_PICTURE (sl_test_ui_find (view, GTK_TYPE_PICTURE, NULL));
  GdkPaintable *paintable = gtk_picture_get_paintable (picture);

  return SL_IS_VIDEO_PAINTABLE (paintable)
         ? sl_video_paintable_get_frames_shown (SL_VIDEO_PAINTABLE (paintable)) : 0;
}

static void
test_recording (void)
{
  g_autoptr(SlTestServer) ts = NULL;
  g_autoptr(SlSession) session = NULL;
  g_autoptr(SlTestPublisher) pub = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonNode) played = NULL;
  g_autoptr(GdkTexture) live_shot = NULL;
  g_autoptr(GdkTexture) list_shot = NULL;
  g_autoptr(GdkTexture) narrow_shot = NULL;
  g_autoptr(GdkTexture) view_shot = NULL;
  g_autofree char *key = NULL, *whip = NULL, *teacher = NULL, *student = NULL;
  JsonObject *recording;
  GtkWidget *view;
  GtkWindow *window;
  PositionWait wait;
  double length, middle, at;
  guint status = 0;
  gint64 id;
  Ui ui;

  if (!have_network)
    {
      g_test_skip_printf ("no private network namespace: %s", network_problem);
      return;
    }
  ts = sl_test_media_server_new (TRUE, 0);
  id = sl_test_make_class (ts, FALSE, &key);
  teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  student = sl_test_login (ts, "student", "student123", NULL);
  whip = g_strdup_printf ("/whip/%" G_GINT64_FORMAT, id);
  session = sl_test_ui_session (ts, "student", "student123");
  ui_open (&ui, ts, session, 1000, 700);
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Optics", TRUE, 10000));

  /* publishing starts the class: Live Now, with the badge once the video
   * comes through */
  pub = sl_test_publisher_start (ts, whip, key, 30, &status, NULL);
  g_assert_cmpuint (status, ==, 201);
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_LIVE, "Optics", TRUE, 5000));
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_UPCOMING, "Optics", FALSE, 1000));
  g_assert_true (sl_test_ui_wait_until (live_badge_cb, &ui, 10000));
  g_assert_null (sl_test_ui_find (GTK_WIDGET (find_row (&ui, SL_CLASS_ROW_LIVE, "Optics")),
                                  GTK_TYPE_LABEL, "Waiting for video"));
  live_shot = sl_test_ui_screenshot (GTK_WIDGET (ui.window), "browser-live");
  sl_test_ui_run_for (8000);
  g_assert_cmpuint (sl_test_publisher_delete (pub, key), ==, 200);
  g_clear_pointer (&pub, sl_test_publisher_free);
  class_action (ts, teacher, id, "end");
  g_assert_true (wait_row (&ui, SL_CLASS_ROW_LIVE, "Optics", FALSE, 5000));

  /* the recording shows up, playable once the server has it ready */
  done = wait_recording_done (ts, id, student, 60000);
  g_assert_cmpstr (json_object_get_string_member (done, "state"), ==, "ready");
  g_assert_true (sl_test_ui_wait_until (recording_ready_cb, &ui, 20000));
  show_section (&ui, "Recordings", "recordings");
  g_assert_cmpstr (section_state (&ui, "recordings"), ==, "list");
  list_shot = sl_test_ui_screenshot (GTK_WIDGET (ui.window), "browser-recordings");
  gtk_window_set_default_size (ui.window, 360, 640);
  sl_test_ui_run_for (300);
  narrow_shot = sl_test_ui_screenshot (GTK_WIDGET (ui.window), "browser-recordings-narrow");

  gtk_widget_activate (GTK_WIDGET (find_row (&ui, SL_CLASS_ROW_RECORDING, "Optics")));
  g_assert_true (sl_test_ui_wait_until (played_cb, &ui, 5000));
  played = json_from_string (ui.played, NULL);
  g_assert_nonnull (played);
  recording = json_node_get_object (played);
  g_assert_cmpstr (json_object_get_string_member (recording, "id"), ==,
                   json_object_get_string_member (done, "id"));
  g_assert_nonnull (json_object_get_string_member (recording, "mp4_url"));
  ui_close (&ui);

  /* playing it: the position moves on */
  view = sl_recording_view_new (session, recording);
  window = sl_test_ui_window (view, 800, 600);
  wait = (PositionWait) { view, 1.0 };
  g_assert_true (sl_test_ui_wait_until (position_above_cb, &wait, 15000));
  g_assert_null (error_page (view));
  length = gtk_adjustment_get_upper (gtk_range_get_adjustment (
    GTK_RANGE (sl_test_ui_find (view, GTK_TYPE_SCALE, NULL))));
  g_test_message ("recording of %.1f s, at %.1f s", length, view_position (view));
  g_assert_cmpfloat (length, >, 5.0);
  g_assert_nonnull (strstr (adw_window_title_get_title (ADW_WINDOW_TITLE (
    sl_test_ui_find (view, ADW_TYPE_WINDOW_TITLE, NULL))), "Optics"));

  /* paused, it stays put */
  g_assert_true (gtk_widget_activate_action (view, "recording.play-pause", NULL));
  sl_test_ui_run_for (500);
  at = view_position (view);
  sl_test_ui_run_for (1000);
  g_assert_cmpfloat (ABS (view_position (view) - at), <, 0.3);
  g_assert_true (gtk_widget_activate_action (view, "recording.play-pause", NULL));

  /* the slider put in the middle: playing goes on from there (key frames
   * are a second apart) */
  middle = length / 2;
  {
    gboolean handled = FALSE;

    g_signal_emit_by_name (sl_test_ui_find (view, GTK_TYPE_SCALE, NULL), "change-value",
                           GTK_SCROLL_JUMP, middle, &handled);
  }
  sl_test_ui_run_for (1000);
  at = view_position (view);
  g_test_message ("sought to %.1f s, at %.1f s", middle, at);
  g_assert_cmpfloat (at, >, middle - 1.5);
  g_assert_cmpfloat (at, <, middle + 2.5);
  g_assert_null (error_page (view));
  if (frames_shown (view) == 0)
    g_test_message ("the video paintable shows no frames (not written yet?)");
  view_shot = sl_test_ui_screenshot (GTK_WIDGET (window), "recording-view");
  gtk_window_set_default_size (window, 360, 640);
  sl_test_ui_run_for (400);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (window)), <=, 400);
  g_clear_object (&view_shot);
  view_shot = sl_test_ui_screenshot (GTK_WIDGET (window), "recording-view-narrow");

  /* back 10 s with the key's action: the start */
  g_assert_true (gtk_widget_activate_action (view, "recording.seek-backward", NULL));
  sl_test_ui_run_for (800);
  g_assert_cmpfloat (view_position (view), <, 2.0);

  /* closing it stops the player, and nothing of it is left */
  g_object_add_weak_pointer (G_OBJECT (view), (gpointer *) &view);
  gtk_window_destroy (window);
  sl_test_ui_run_for (200);
  g_assert_null (view);
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

  sl_test_ui_init (&argc, &argv);
  sl_media_init ();
  /* the app's WebRTC stays on the private network */
  g_setenv ("STREAMLET_ICE_ADDRESSES", "10.231.0.2", TRUE);

  g_test_add_func ("/ui-browser/sections", test_sections);
  g_test_add_func ("/ui-browser/errors", test_errors);
  g_test_add_func ("/ui-browser/recording-errors", test_recording_errors);
  g_test_add_func ("/ui-browser/recording", test_recording);

  return g_test_run ();
}
