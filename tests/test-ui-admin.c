/* test-ui-admin.c: the admin's view (the dashboard's counts and chart, the
 * users: list, search, create, change role, disable) and the profile
 * dialog (display name, password), against the in-process server
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-admin"

#include "config.h"

#include "sl-admin-page.h"
#include "sl-media-server.h"
#include "sl-profile-dialog.h"
#include "sl-recording.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-test-ws.h"
#include "sl-user-editor.h"
#include "sl-viewers-chart.h"

#include <string.h>

#define WAIT_MS 15000

typedef struct {
  SlTestServer *ts;
  SlSession    *session;
  GtkWindow    *window;
  SlAdminPage  *page;
  /* weak: what the test made must be gone after it */
  GObject      *gone[8];
  guint         n_gone;
} Fixture;

static void
must_go (Fixture *f,
         gpointer object)
{
  g_assert_cmpuint (f->n_gone, <, G_N_ELEMENTS (f->gone));
  f->gone[f->n_gone] = object;
  g_object_add_weak_pointer (object, (gpointer *) &f->gone[f->n_gone]);
  f->n_gone++;
}

static gboolean
all_gone_cb (gpointer data)
{
  Fixture *f = data;

  for (guint i = 0; i < f->n_gone; i++)
    if (f->gone[i] != NULL)
      return FALSE;
  return TRUE;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->ts = sl_test_server_new ("sqlite", NULL);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->page != NULL)
    sl_admin_page_set_session (f->page, NULL);
  if (f->window != NULL)
    gtk_window_destroy (f->window);
  sl_test_ui_run_for (100);
  if (f->session != NULL)
    sl_session_sign_out (f->session);
  g_clear_object (&f->session);
  /* every widget and the session were finalized: nothing of ours leaks */
  if (!sl_test_ui_wait_until (all_gone_cb, f, 5000))
    for (guint i = 0; i < f->n_gone; i++)
      if (f->gone[i] != NULL)
        g_error ("a %s outlived its test (%u references)", G_OBJECT_TYPE_NAME (f->gone[i]),
                 f->gone[i]->ref_count);
  sl_test_server_free (f->ts);
}

/* ---- the API, as the test sees it --------------------------------------------- */

static JsonObject *
api_object (SlTestServer *ts,
            const char   *method,
            const char   *path,
            const char   *token,
            const char   *body,
            guint         status)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, method, path, token, body);

  g_assert_cmpuint (resp->status, ==, status);
  return json_object_ref (sl_test_response_object (resp));
}

static gint64
create_class (SlTestServer *ts,
              const char   *token,
              const char   *title)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_days (now, 1);
  g_autofree char *at = g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ");
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":45}", title, at);
  g_autoptr(JsonObject) answer = api_object (ts, "POST", "/api/classes", token, body, 201);

  return json_object_get_int_member (json_object_get_object_member (answer, "class"), "id");
}

static void
class_action (SlTestServer *ts,
              const char   *token,
              gint64        id,
              const char   *action)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/%s", id, action);
  g_autoptr(JsonObject) answer = api_object (ts, "POST", path, token, NULL, 200);
}

/* The four figures as the API tells them, the way docs/api.md allows. */
typedef struct {
  gint64 users;
  gint64 live;
  gint64 viewers;
  gint64 recordings;
} Figures;

static void
api_figures (SlTestServer *ts,
             const char   *token,
             Figures      *out)
{
  g_autoptr(JsonObject) users = api_object (ts, "GET", "/api/admin/users?limit=1", token, NULL, 200);
  g_autoptr(JsonObject) live = api_object (ts, "GET", "/api/classes/live?limit=100", token, NULL, 200);
  g_autoptr(JsonObject) past = api_object (ts, "GET", "/api/classes/past?limit=100", token, NULL, 200);
  JsonObject *lists[] = { live, past };

  out->users = json_object_get_int_member (users, "total");
  out->live = json_object_get_int_member (live, "total");
  out->viewers = 0;
  out->recordings = 0;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    {
      JsonArray *classes = json_object_get_array_member (lists[l], "classes");

      for (guint i = 0; i < json_array_get_length (classes); i++)
        {
          gint64 id = json_object_get_int_member (json_array_get_object_element (classes, i), "id");
          g_autofree char *rec_path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/recordings", id);
          g_autoptr(JsonObject) recs = api_object (ts, "GET", rec_path, token, NULL, 200);

          out->recordings += json_array_get_length (json_object_get_array_member (recs, "recordings"));
          if (l == 0)
            {
              g_autofree char *watch_path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT, id);
              g_autoptr(JsonObject) watch = api_object (ts, "GET", watch_path, token, NULL, 200);

              out->viewers += json_object_get_int_member (watch, "viewers");
            }
        }
    }
}

static JsonObject *
api_user (SlTestServer *ts,
          const char   *token,
          const char   *username)
{
  g_autofree char *path = g_strdup_printf ("/api/admin/users?q=%s", username);
  g_autoptr(JsonObject) answer = api_object (ts, "GET", path, token, NULL, 200);
  JsonArray *users = json_object_get_array_member (answer, "users");

  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonObject *user = json_array_get_object_element (users, i);

      if (g_strcmp0 (json_object_get_string_member (user, "username"), username) == 0)
        return json_object_ref (user);
    }
  return NULL;
}

static guint
login_status (SlTestServer *ts,
              const char   *username,
              const char   *password)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"%s\"}", username, password);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/login", NULL, body);

  return resp->status;
}

/* ---- the widgets ---------------------------------------------------------------- */

static void
show_admin_page (Fixture *f,
                 int      width,
                 int      height)
{
  f->session = sl_test_ui_session (f->ts, "admin", "admin123");
  f->page = g_object_new (SL_TYPE_ADMIN_PAGE, NULL);
  f->window = sl_test_ui_window (GTK_WIDGET (f->page), width, height);
  must_go (f, f->session);
  must_go (f, f->page);
  must_go (f, f->window);
  must_go (f, sl_test_ui_find (GTK_WIDGET (f->page), SL_TYPE_VIEWERS_CHART, NULL));
  sl_admin_page_set_session (f->page, f->session);
}

/* The big number of the dashboard card captioned @caption. */
static GtkLabel *
card_value (GtkWidget  *root,
            const char *caption)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), caption) == 0)
    {
      GtkWidget *card = gtk_widget_get_parent (root);

      if (card != NULL && gtk_widget_has_css_class (card, "card"))
        return GTK_LABEL (gtk_widget_get_first_child (card));
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found = card_value (child, caption);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gint64
card_number (SlAdminPage *page,
             const char  *caption)
{
  GtkLabel *label = card_value (GTK_WIDGET (page), caption);
  const char *text;

  g_assert_nonnull (label);
  text = gtk_label_get_text (label);
  if (!g_ascii_isdigit (text[0]))
    return -1;
  return g_ascii_strtoll (text, NULL, 10);
}

typedef struct {
  SlAdminPage *page;
  Figures      want;
} FiguresWait;

static gboolean
figures_shown_cb (gpointer data)
{
  FiguresWait *wait = data;

  return card_number (wait->page, "Users") == wait->want.users &&
         card_number (wait->page, "Live Classes") == wait->want.live &&
         card_number (wait->page, "Viewers Now") == wait->want.viewers &&
         card_number (wait->page, "Recordings") == wait->want.recordings;
}

static void
assert_figures (SlAdminPage *page,
                const Figures *want)
{
  FiguresWait wait = { page, *want };

  if (!sl_test_ui_wait_until (figures_shown_cb, &wait, WAIT_MS))
    g_error ("the dashboard shows users %" G_GINT64_FORMAT ", live %" G_GINT64_FORMAT
             ", viewers %" G_GINT64_FORMAT ", recordings %" G_GINT64_FORMAT
             "; the API says %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
             ", %" G_GINT64_FORMAT,
             card_number (page, "Users"), card_number (page, "Live Classes"),
             card_number (page, "Viewers Now"), card_number (page, "Recordings"),
             want->users, want->live, want->viewers, want->recordings);
}

typedef struct {
  SlViewersChart *chart;
  guint           n;
} SamplesWait;

static gboolean
samples_cb (gpointer data)
{
  SamplesWait *wait = data;

  return sl_viewers_chart_get_n_samples (wait->chart) >= wait->n;
}

/* Pixels of the chart drawn alone (transparent where it draws nothing):
 * the shares painted at all, in the accent (blue) colour (the area under
 * the line and the line), in the opaque accent colour (the line), and the
 * mean brightness of the painted grey ones (the axes and labels). */
typedef struct {
  double painted;
  double accent;
  double line;
  double text_brightness;
} ChartPixels;

static void
chart_pixels (GdkTexture  *texture,
              ChartPixels *out)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);
  guint64 painted = 0, accent = 0, line = 0, grey = 0;
  double brightness = 0;

  /* GDK_MEMORY_DEFAULT: B, G, R, A premultiplied */
  gdk_texture_download (texture, pixels, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    {
      int b = pixels[i], g = pixels[i + 1], r = pixels[i + 2], a = pixels[i + 3];

      if (a < 40)
        continue;
      painted++;
      /* un-premultiply to compare colours */
      b = b * 255 / a;
      g = g * 255 / a;
      r = r * 255 / a;
      if (b > r + 60)
        {
          accent++;
          if (a > 200)
            line++;
        }
      else if (ABS (r - g) < 24 && ABS (g - b) < 24 && a > 120)
        {
          grey++;
          brightness += (r + g + b) / 3.0;
        }
    }
  out->painted = (double) painted / ((double) width * height);
  out->accent = (double) accent / ((double) width * height);
  out->line = (double) line / ((double) width * height);
  out->text_brightness = grey > 0 ? brightness / grey : -1;
}

static gboolean
width_settled_cb (gpointer data)
{
  GtkWindow *window = data;

  return gtk_widget_get_width (GTK_WIDGET (window)) <= 370;
}

/* sl_test_ui_screenshot() takes the widget's last drawing: wait until
 * there is one (a window just presented, or a widget waiting for its
 * layout after a count came in, has none for a moment). */
static GdkTexture *
screenshot (GtkWidget  *widget,
            const char *name)
{
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);

      if (gtk_widget_get_width (widget) > 0 && gdk_paintable_get_intrinsic_width (paintable) > 0)
        break;
      sl_test_ui_run_for (20);
    }
  return sl_test_ui_screenshot (widget, name);
}

/* ---- the dashboard ---------------------------------------------------------------- */

static void
test_dashboard (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *teacher = sl_test_login (f->ts, "teacher", "teacher123", NULL);
  g_autofree char *admin = sl_test_login (f->ts, "admin", "admin123", NULL);
  const char *rec_root = sl_media_server_get_recordings_dir (sl_server_get_media (f->ts->server));
  gint64 live_id, ended_id, later_id;
  g_autoptr(SlTestWs) student_ws = NULL;
  g_autoptr(SlTestWs) teacher_ws = NULL;
  g_autoptr(SlTestWs) third_ws = NULL;
  g_autoptr(JsonObject) joined = NULL;
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(GdkTexture) chart_shot = NULL;
  g_autoptr(GError) error = NULL;
  SlViewersChart *chart;
  ChartPixels light, dark;
  Figures want;

  /* a live class with two in its room, an ended one with two recordings,
   * one more scheduled; the live one has one recording so far */
  live_id = create_class (f->ts, teacher, "Algebra");
  ended_id = create_class (f->ts, teacher, "Geometry");
  later_id = create_class (f->ts, teacher, "Calculus");
  class_action (f->ts, admin, live_id, "start");
  class_action (f->ts, admin, ended_id, "start");
  class_action (f->ts, admin, ended_id, "end");
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(SlRecording) rec = sl_recording_create (rec_root, ended_id, &error);

      g_assert_no_error (error);
    }
  {
    g_autoptr(SlRecording) rec = sl_recording_create (rec_root, live_id, &error);

    g_assert_no_error (error);
  }
  student_ws = sl_test_ws_connect_as (f->ts, "student", "student123");
  sl_test_ws_sendf (student_ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", live_id);
  joined = sl_test_ws_expect (student_ws, "joined");
  g_clear_pointer (&joined, json_object_unref);
  teacher_ws = sl_test_ws_connect_as (f->ts, "teacher", "teacher123");
  sl_test_ws_sendf (teacher_ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", live_id);
  joined = sl_test_ws_expect (teacher_ws, "joined");
  g_clear_pointer (&joined, json_object_unref);

  api_figures (f->ts, admin, &want);
  g_assert_cmpint (want.users, ==, 3);
  g_assert_cmpint (want.live, ==, 1);
  g_assert_cmpint (want.viewers, ==, 2);
  g_assert_cmpint (want.recordings, ==, 3);

  show_admin_page (f, 1100, 760);
  assert_figures (f->page, &want);

  chart = SL_VIEWERS_CHART (sl_test_ui_find (GTK_WIDGET (f->page), SL_TYPE_VIEWERS_CHART, NULL));
  g_assert_nonnull (chart);
  {
    SamplesWait wait = { chart, 1 };

    g_assert_true (sl_test_ui_wait_until (samples_cb, &wait, WAIT_MS));
  }

  /* one more viewer, counted on "Refresh" */
  third_ws = sl_test_ws_connect_as (f->ts, "admin", "admin123");
  sl_test_ws_sendf (third_ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", live_id);
  joined = sl_test_ws_expect (third_ws, "joined");
  g_clear_pointer (&joined, json_object_unref);
  sl_test_ui_run_for (300);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "admin.refresh", NULL));
  api_figures (f->ts, admin, &want);
  g_assert_cmpint (want.viewers, ==, 3);
  assert_figures (f->page, &want);

  /* a class going live reaches the dashboard by the hub, without asking */
  class_action (f->ts, admin, later_id, "start");
  api_figures (f->ts, admin, &want);
  g_assert_cmpint (want.live, ==, 2);
  assert_figures (f->page, &want);
  {
    SamplesWait wait = { chart, 3 };

    g_assert_true (sl_test_ui_wait_until (samples_cb, &wait, WAIT_MS));
  }

  /* the page keeps counting every 10 s while it is shown: one leaves, one
   * comes back, everyone goes; each tick is a point on the chart */
  sl_test_ws_sendf (third_ws, "{\"type\":\"leave\",\"class_id\":%" G_GINT64_FORMAT "}", live_id);
  {
    guint n = sl_viewers_chart_get_n_samples (chart);
    SamplesWait wait = { chart, n + 1 };

    g_assert_true (sl_test_ui_wait_until (samples_cb, &wait, 12000));
    g_assert_cmpint (card_number (f->page, "Viewers Now"), ==, 2);
    sl_test_ws_sendf (third_ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", live_id);
    wait.n++;
    g_assert_true (sl_test_ui_wait_until (samples_cb, &wait, 12000));
    g_assert_cmpint (card_number (f->page, "Viewers Now"), ==, 3);
    /* the dashboard as the app's metainfo shows it (data/screenshots) */
    g_object_unref (screenshot (GTK_WIDGET (f->window), "metainfo-admin"));
    g_clear_pointer (&student_ws, sl_test_ws_free);
    g_clear_pointer (&teacher_ws, sl_test_ws_free);
    g_clear_pointer (&third_ws, sl_test_ws_free);
    wait.n++;
    g_assert_true (sl_test_ui_wait_until (samples_cb, &wait, 12000));
    g_assert_cmpint (card_number (f->page, "Viewers Now"), ==, 0);
  }
  api_figures (f->ts, admin, &want);
  assert_figures (f->page, &want);

  shot = screenshot (GTK_WIDGET (f->window), "admin-dashboard");
  chart_shot = screenshot (GTK_WIDGET (chart), "admin-chart");
  chart_pixels (chart_shot, &light);
  g_test_message ("chart (light): %.1f %% painted, %.1f %% accent, %.2f %% line, labels at brightness %.0f",
                  light.painted * 100, light.accent * 100, light.line * 100, light.text_brightness);
  /* not blank: axes, labels, and a line with the area under it */
  g_assert_cmpfloat (light.painted, >, 0.05);
  g_assert_cmpfloat (light.accent, >, 0.05);
  g_assert_cmpfloat (light.line, >, 0.003);
  g_assert_cmpfloat (light.text_brightness, >=, 0);
  g_assert_cmpfloat (light.text_brightness, <, 128);

  /* the dark colour scheme: the same chart in light text on dark */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  sl_test_ui_run_for (300);
  g_clear_object (&shot);
  shot = screenshot (GTK_WIDGET (f->window), "admin-dashboard-dark");
  g_clear_object (&chart_shot);
  chart_shot = screenshot (GTK_WIDGET (chart), "admin-chart-dark");
  chart_pixels (chart_shot, &dark);
  g_test_message ("chart (dark): %.1f %% painted, %.1f %% accent, %.2f %% line, labels at brightness %.0f",
                  dark.painted * 100, dark.accent * 100, dark.line * 100, dark.text_brightness);
  g_assert_cmpfloat (dark.accent, >, 0.05);
  g_assert_cmpfloat (dark.line, >, 0.003);
  g_assert_cmpfloat (dark.text_brightness, >, 128);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  sl_test_ui_run_for (200);

  /* 360 px wide: everything still fits, two cards a line */
  gtk_window_set_default_size (f->window, 360, 760);
  g_assert_true (sl_test_ui_wait_until (width_settled_cb, f->window, 5000));
  sl_test_ui_run_for (300);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (f->window)), <=, 370);
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (chart)), <=, 360);
  g_clear_object (&shot);
  shot = screenshot (GTK_WIDGET (f->window), "admin-dashboard-narrow");
  g_clear_object (&chart_shot);
  chart_shot = screenshot (GTK_WIDGET (chart), "admin-chart-narrow");
  chart_pixels (chart_shot, &light);
  g_test_message ("chart (360 px): %.1f %% painted, %.1f %% accent, %.2f %% line",
                  light.painted * 100, light.accent * 100, light.line * 100);
  g_assert_cmpfloat (light.accent, >, 0.05);
  g_assert_cmpfloat (light.line, >, 0.003);
}

/* ---- the users --------------------------------------------------------------------- */

static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  if (ADW_IS_EXPANDER_ROW (root) && gtk_widget_get_visible (root))
    g_ptr_array_add (rows, root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_rows (child, rows);
}

static guint
n_user_rows (SlAdminPage *page)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GtkWidget *list = sl_test_ui_find (GTK_WIDGET (page), GTK_TYPE_LIST_BOX, NULL);

  if (!gtk_widget_get_visible (list))
    return 0;
  collect_rows (list, rows);
  return rows->len;
}

static AdwExpanderRow *
user_row (SlAdminPage *page,
          const char  *display_name)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (page), rows);
  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), display_name) == 0)
      return rows->pdata[i];
  return NULL;
}

typedef struct {
  SlAdminPage *page;
  guint        n;
  const char  *name;   /* nullable: that row must be there */
} RowsWait;

static gboolean
rows_cb (gpointer data)
{
  RowsWait *wait = data;

  return n_user_rows (wait->page) == wait->n &&
         (wait->name == NULL || user_row (wait->page, wait->name) != NULL);
}

static void
wait_rows (SlAdminPage *page,
           guint        n,
           const char  *name)
{
  RowsWait wait = { page, n, name };

  if (!sl_test_ui_wait_until (rows_cb, &wait, WAIT_MS))
    g_error ("the users list shows %u rows, not %u%s%s", n_user_rows (page), n,
             name != NULL ? " with " : "", name != NULL ? name : "");
}

static void
search (SlAdminPage *page,
        const char  *text)
{
  GtkWidget *entry = sl_test_ui_find (GTK_WIDGET (page), GTK_TYPE_SEARCH_ENTRY, NULL);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
}

static SlUserEditor *
find_editor (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (SL_IS_USER_EDITOR (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return SL_USER_EDITOR (window);
    }
  return NULL;
}

static gboolean
no_editor_cb (gpointer data)
{
  return find_editor () == NULL;
}

static AdwMessageDialog *find_message_dialog (void);

static gboolean
no_dialog_cb (gpointer data)
{
  return find_message_dialog () == NULL;
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return ADW_MESSAGE_DIALOG (window);
    }
  return NULL;
}

/* The row of @type titled @title (its mnemonic underline left out). */
static GtkWidget *
find_row (GtkWidget  *root,
          GType       type,
          const char *title)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type) && ADW_IS_PREFERENCES_ROW (root))
    {
      g_auto(GStrv) parts = g_strsplit (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (root)), "_", -1);
      g_autofree char *plain = g_strjoinv ("", parts);

      if (g_strcmp0 (plain, title) == 0)
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_row (child, type, title);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
fill (GtkWidget  *root,
      GType       type,
      const char *title,
      const char *text)
{
  GtkWidget *row = find_row (root, type, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

/* The "Can Sign In" switch of a user's row (the expander row has a hidden
 * switch of its own). */
static GtkSwitch *
user_switch (AdwExpanderRow *row)
{
  GtkWidget *sign_in = find_row (GTK_WIDGET (row), ADW_TYPE_ACTION_ROW, "Can Sign In");

  g_assert_nonnull (sign_in);
  return GTK_SWITCH (sl_test_ui_find (sign_in, GTK_TYPE_SWITCH, NULL));
}

static gboolean
editor_message_cb (gpointer data)
{
  return sl_user_editor_get_message (data) != NULL;
}

static void
editor_submit_expect (SlTestServer *ts,
                      SlUserEditor *editor,
                      const char   *expected)
{
  gint64 users = sl_test_count_users (ts);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.create", NULL));
  if (!sl_test_ui_wait_until (editor_message_cb, editor, WAIT_MS))
    g_error ("the editor shows no message (expected “%s”)", expected);
  g_test_message ("editor: %s", sl_user_editor_get_message (editor));
  g_assert_nonnull (strstr (sl_user_editor_get_message (editor), expected));
  /* nothing was made, and the form is still there to correct */
  g_assert_cmpint (sl_test_count_users (ts), ==, users);
  g_assert_true (find_editor () == editor);
}

typedef struct {
  SlTestServer *ts;
  const char   *token;
  const char   *username;
  const char   *member;
  const char   *string;    /* the member's expected string, or NULL: */
  gboolean      boolean;   /* its expected boolean */
} ApiWait;

static gboolean
api_user_is_cb (gpointer data)
{
  ApiWait *wait = data;
  g_autoptr(JsonObject) user = api_user (wait->ts, wait->token, wait->username);

  if (user == NULL)
    return FALSE;
  if (wait->string != NULL)
    return g_strcmp0 (json_object_get_string_member (user, wait->member), wait->string) == 0;
  return json_object_get_boolean_member (user, wait->member) == wait->boolean;
}

/* A label on screen showing @text (as read, markup left out). */
static GtkWidget *
find_shown_label (GtkWidget  *root,
                  const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) &&
      strstr (gtk_label_get_text (GTK_LABEL (root)), text) != NULL)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_shown_label (child, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
label_shown_cb (gpointer data)
{
  gpointer *args = data;

  return find_shown_label (args[0], args[1]) != NULL;
}

static gboolean
wait_label (GtkWidget  *root,
            const char *text)
{
  gpointer args[] = { root, (gpointer) text };

  return sl_test_ui_wait_until (label_shown_cb, args, WAIT_MS);
}

/* Clicks the dialog's button labelled @label (with its mnemonic), as a
 * user does: the dialog answers and closes. */
static void
respond (AdwMessageDialog *dialog,
         const char       *label)
{
  GtkWidget *button = sl_test_ui_find (GTK_WIDGET (dialog), GTK_TYPE_BUTTON, label);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (sl_test_ui_wait_until (no_dialog_cb, NULL, WAIT_MS));
}

static gboolean
dialog_shown_cb (gpointer data)
{
  return find_message_dialog () != NULL;
}

static gboolean
switch_state_is_cb (gpointer data)
{
  gpointer *args = data;

  return gtk_switch_get_state (args[0]) == GPOINTER_TO_INT (args[1]) &&
         gtk_widget_get_sensitive (args[0]);
}

static void
test_users (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *admin = sl_test_login (f->ts, "admin", "admin123", NULL);
  g_autoptr(GdkTexture) shot = NULL;
  g_autoptr(JsonObject) created = NULL;
  g_autoptr(JsonObject) profile = NULL;
  g_autofree char *newbie = NULL;
  AdwViewStack *sections;
  SlUserEditor *editor;
  AdwExpanderRow *row;
  AdwComboRow *role;
  GtkSwitch *enabled;
  AdwMessageDialog *dialog;
  gint64 users_before;

  show_admin_page (f, 900, 760);
  sections = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (f->page), ADW_TYPE_VIEW_STACK, NULL));
  adw_view_stack_set_visible_child_name (sections, "users");

  /* the demo users, with their names and roles */
  wait_rows (f->page, 3, "Demo student");
  g_assert_nonnull (user_row (f->page, "Demo admin"));
  g_assert_nonnull (user_row (f->page, "Demo teacher"));
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (user_row (f->page, "Demo teacher")), "teacher · Teacher"));
  adw_expander_row_set_expanded (user_row (f->page, "Demo teacher"), TRUE);
  sl_test_ui_run_for (200);
  shot = screenshot (GTK_WIDGET (f->window), "admin-users");
  adw_expander_row_set_expanded (user_row (f->page, "Demo teacher"), FALSE);

  /* search as you type (the server's ?q=) */
  search (f->page, "TEACH");
  wait_rows (f->page, 1, "Demo teacher");
  search (f->page, "demo s");
  wait_rows (f->page, 1, "Demo student");
  search (f->page, "nobody-like-this");
  wait_rows (f->page, 0, NULL);
  g_assert_true (wait_label (GTK_WIDGET (f->page), "No user name or display name matches"));
  search (f->page, "");
  wait_rows (f->page, 3, NULL);

  /* the editor: bad input shows a message and makes nothing */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "admin.create-user", NULL));
  sl_test_ui_run_for (200);
  editor = find_editor ();
  g_assert_nonnull (editor);
  must_go (f, editor);
  editor_submit_expect (f->ts, editor, "Enter a user name");
  fill (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "User Name", "new bie");
  fill (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, "Password", "newbie-pass-1");
  editor_submit_expect (f->ts, editor, "without spaces");
  fill (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "User Name", "newbie");
  fill (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, "Password", "short");
  editor_submit_expect (f->ts, editor, "at least 8 characters");
  /* a name that exists: the server refuses, in words */
  fill (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "User Name", "Teacher");
  fill (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, "Password", "newbie-pass-1");
  editor_submit_expect (f->ts, editor, "“teacher” is taken");
  g_clear_object (&shot);
  shot = screenshot (GTK_WIDGET (editor), "admin-editor");

  /* a good one: a teacher who can sign in */
  users_before = sl_test_count_users (f->ts);
  fill (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "User Name", "NewBie");
  fill (GTK_WIDGET (editor), ADW_TYPE_ENTRY_ROW, "Display Name (optional)", "New Bie");
  fill (GTK_WIDGET (editor), ADW_TYPE_PASSWORD_ENTRY_ROW, "Password", "newbie-pass-1");
  adw_combo_row_set_selected (ADW_COMBO_ROW (find_row (GTK_WIDGET (editor), ADW_TYPE_COMBO_ROW, "Role")), 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (editor), "editor.create", NULL));
  g_assert_true (sl_test_ui_wait_until (no_editor_cb, NULL, WAIT_MS));
  g_assert_cmpint (sl_test_count_users (f->ts), ==, users_before + 1);
  wait_rows (f->page, 4, "New Bie");
  created = api_user (f->ts, admin, "newbie");
  g_assert_nonnull (created);
  g_assert_cmpstr (json_object_get_string_member (created, "role"), ==, "teacher");
  newbie = sl_test_login (f->ts, "newbie", "newbie-pass-1", NULL);
  profile = api_object (f->ts, "GET", "/api/profile", newbie, NULL, 200);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (profile, "user"),
                                                  "display_name"), ==, "New Bie");

  /* a student made a teacher */
  row = user_row (f->page, "Demo student");
  adw_expander_row_set_expanded (row, TRUE);
  role = ADW_COMBO_ROW (find_row (GTK_WIDGET (row), ADW_TYPE_COMBO_ROW, "Role"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (role)));
  adw_combo_row_set_selected (role, 1);
  {
    ApiWait wait = { f->ts, admin, "student", "role", "teacher", FALSE };

    g_assert_true (sl_test_ui_wait_until (api_user_is_cb, &wait, WAIT_MS));
  }
  g_assert_true (wait_label (GTK_WIDGET (f->page), "Demo student is now: Teacher"));

  /* disabling asks first; "Cancel" changes nothing */
  enabled = user_switch (row);
  g_assert_true (gtk_switch_get_active (enabled));
  gtk_switch_set_active (enabled, FALSE);
  g_assert_true (sl_test_ui_wait_until (dialog_shown_cb, NULL, WAIT_MS));
  dialog = find_message_dialog ();
  must_go (f, dialog);
  g_assert_nonnull (strstr (adw_message_dialog_get_heading (dialog), "Demo student"));
  g_clear_object (&shot);
  shot = screenshot (GTK_WIDGET (dialog), "admin-disable-confirm");
  respond (dialog, "_Cancel");
  sl_test_ui_run_for (300);
  g_assert_true (gtk_switch_get_active (enabled));
  g_assert_true (gtk_switch_get_state (enabled));
  g_assert_cmpuint (login_status (f->ts, "student", "student123"), ==, 200);

  /* "Disable": the account is disabled and cannot sign in */
  gtk_switch_set_active (enabled, FALSE);
  g_assert_true (sl_test_ui_wait_until (dialog_shown_cb, NULL, WAIT_MS));
  respond (find_message_dialog (), "_Disable");
  {
    ApiWait wait = { f->ts, admin, "student", "disabled", NULL, TRUE };

    g_assert_true (sl_test_ui_wait_until (api_user_is_cb, &wait, WAIT_MS));
  }
  {
    gpointer args[] = { enabled, GINT_TO_POINTER (FALSE) };

    g_assert_true (sl_test_ui_wait_until (switch_state_is_cb, args, WAIT_MS));
  }
  g_assert_nonnull (strstr (adw_expander_row_get_subtitle (row), "Disabled"));
  g_assert_cmpuint (login_status (f->ts, "student", "student123"), ==, 403);

  /* the admin's own row cannot demote or disable them */
  {
    AdwExpanderRow *own = user_row (f->page, "Demo admin");
    GtkSwitch *own_switch = user_switch (own);
    GtkWidget *own_role = find_row (GTK_WIDGET (own), ADW_TYPE_COMBO_ROW, "Role");

    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (own_switch)));
    g_assert_false (gtk_widget_get_sensitive (own_role));
    /* and were the switch used all the same (another window, a race), the
     * server's refusal shows and the switch goes back */
    gtk_widget_set_sensitive (GTK_WIDGET (own_switch), TRUE);
    gtk_switch_set_active (own_switch, FALSE);
    g_assert_true (sl_test_ui_wait_until (dialog_shown_cb, NULL, WAIT_MS));
    respond (find_message_dialog (), "_Disable");
    g_assert_true (wait_label (GTK_WIDGET (f->page), "cannot demote or disable"));
    g_assert_true (gtk_switch_get_active (own_switch));
    g_assert_cmpuint (login_status (f->ts, "admin", "admin123"), ==, 200);
  }

  /* enabled again: no question, and signing in works again */
  gtk_switch_set_active (enabled, TRUE);
  {
    ApiWait wait = { f->ts, admin, "student", "disabled", NULL, FALSE };

    g_assert_true (sl_test_ui_wait_until (api_user_is_cb, &wait, WAIT_MS));
  }
  g_assert_null (find_message_dialog ());
  g_assert_cmpuint (login_status (f->ts, "student", "student123"), ==, 200);
}

/* ---- the profile -------------------------------------------------------------------- */

static gboolean
row_text_is_cb (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (gtk_editable_get_text (args[0]), args[1]) == 0 &&
         gtk_widget_get_sensitive (args[0]);
}

static char *
api_display_name (SlTestServer *ts,
                  const char   *token)
{
  g_autoptr(JsonObject) answer = api_object (ts, "GET", "/api/profile", token, NULL, 200);

  return g_strdup (json_object_get_string_member (json_object_get_object_member (answer, "user"),
                                                  "display_name"));
}

typedef struct {
  SlTestServer *ts;
  const char   *token;
  const char   *name;
} NameWait;

static gboolean
api_name_is_cb (gpointer data)
{
  NameWait *wait = data;
  g_autofree char *name = api_display_name (wait->ts, wait->token);

  return g_strcmp0 (name, wait->name) == 0;
}

static void
fill_password (GtkWidget  *dialog,
               const char *current,
               const char *new_password,
               const char *repeat)
{
  fill (dialog, ADW_TYPE_PASSWORD_ENTRY_ROW, "Current Password", current);
  fill (dialog, ADW_TYPE_PASSWORD_ENTRY_ROW, "New Password", new_password);
  fill (dialog, ADW_TYPE_PASSWORD_ENTRY_ROW, "Repeat New Password", repeat);
}

static void
test_profile (Fixture       *f,
              gconstpointer  data)
{
  g_autofree char *token = sl_test_login (f->ts, "student", "student123", NULL);
  g_autoptr(GdkTexture) shot = NULL;
  g_autofree char *name = NULL;
  g_autofree char *new_token = NULL;
  GtkWidget *dialog;
  GtkWidget *name_row;

  f->session = sl_test_ui_session (f->ts, "student", "student123");
  dialog = GTK_WIDGET (sl_profile_dialog_new (f->session));
  gtk_window_present (GTK_WINDOW (dialog));
  f->window = GTK_WINDOW (dialog);
  must_go (f, f->session);
  must_go (f, dialog);

  name_row = find_row (dialog, ADW_TYPE_ENTRY_ROW, "Display Name");
  g_assert_nonnull (name_row);
  {
    gpointer args[] = { name_row, (gpointer) "Demo student" };

    g_assert_true (sl_test_ui_wait_until (row_text_is_cb, args, WAIT_MS));
  }
  g_assert_true (wait_label (dialog, "Student"));

  /* an empty name is refused here and changes nothing */
  gtk_editable_set_text (GTK_EDITABLE (name_row), "   ");
  g_signal_emit_by_name (name_row, "apply");
  g_assert_true (wait_label (dialog, "cannot be empty"));
  name = api_display_name (f->ts, token);
  g_assert_cmpstr (name, ==, "Demo student");
  g_assert_cmpstr (sl_session_get_display_name (f->session), ==, "Demo student");

  /* a new one reaches the server */
  gtk_editable_set_text (GTK_EDITABLE (name_row), "  Ana & <Student> ");
  g_signal_emit_by_name (name_row, "apply");
  {
    NameWait wait = { f->ts, token, "Ana & <Student>" };

    g_assert_true (sl_test_ui_wait_until (api_name_is_cb, &wait, WAIT_MS));
  }
  g_assert_true (wait_label (dialog, "Your display name is now “Ana & <Student>”"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (name_row)), ==, "Ana & <Student>");
  /* and the rest of the app says it too, without signing in again */
  g_assert_cmpstr (sl_session_get_display_name (f->session), ==, "Ana & <Student>");
  sl_test_ui_run_for (200);
  shot = screenshot (dialog, "profile");

  /* the password: checked here first */
  fill_password (dialog, "student123", "newpass-123", "newpass-124");
  g_assert_true (gtk_widget_activate_action (dialog, "profile.change-password", NULL));
  g_assert_true (wait_label (dialog, "do not match"));
  fill_password (dialog, "student123", "short", "short");
  g_assert_true (gtk_widget_activate_action (dialog, "profile.change-password", NULL));
  g_assert_true (wait_label (dialog, "at least 8 characters"));

  /* a wrong current password: the server refuses, in words */
  fill_password (dialog, "not-my-password", "newpass-123", "newpass-123");
  g_assert_true (gtk_widget_activate_action (dialog, "profile.change-password", NULL));
  g_assert_true (wait_label (dialog, "current password is not right"));
  g_clear_object (&shot);
  shot = screenshot (dialog, "profile-wrong-password");
  g_assert_cmpuint (login_status (f->ts, "student", "student123"), ==, 200);
  g_assert_cmpuint (login_status (f->ts, "student", "newpass-123"), ==, 401);

  /* the right one: the old password stops working, the new one works */
  fill_password (dialog, "student123", "newpass-123", "newpass-123");
  g_assert_true (gtk_widget_activate_action (dialog, "profile.change-password", NULL));
  g_assert_true (wait_label (dialog, "Your password was changed"));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (find_row (dialog, ADW_TYPE_PASSWORD_ENTRY_ROW,
                                                                  "Current Password"))), ==, "");
  g_assert_cmpuint (login_status (f->ts, "student", "student123"), ==, 401);
  new_token = sl_test_login (f->ts, "student", "newpass-123", NULL);
  g_assert_nonnull (new_token);
}

/* ---- paging: "Show More" ----------------------------------------------------------- */

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
create_users_in_store (Fixture *f,
                       guint    n)
{
  SlStore *store = sl_server_get_store (f->ts->server);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SlUser) user = sl_user_new ();
      g_autoptr(SlUser) created = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GAsyncResult) result = NULL;

      user->username = g_strdup_printf ("pupil%02u", i);
      user->display_name = g_strdup_printf ("Pupil %02u", i);
      user->role = SL_ROLE_STUDENT;
      /* a stored hash no password matches: these users never sign in */
      user->password_hash = g_strdup ("pbkdf2-sha256$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
      sl_store_create_user_async (store, user, NULL, store_done_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      created = sl_store_create_user_finish (store, result, &error);
      g_assert_no_error (error);
    }
}

static void
test_users_paging (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GdkTexture) shot = NULL;
  GtkWidget *more;

  /* 3 demo users and 57 more: two pages of 50, the second one short */
  create_users_in_store (f, 57);
  show_admin_page (f, 900, 760);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (f->page),
                                                                          ADW_TYPE_VIEW_STACK, NULL)),
                                         "users");
  wait_rows (f->page, 50, NULL);
  g_assert_true (wait_label (GTK_WIDGET (f->page), "Showing 50 of 60"));
  more = sl_test_ui_find (GTK_WIDGET (f->page), GTK_TYPE_BUTTON, "Show _More");
  g_assert_nonnull (more);
  g_assert_true (gtk_widget_get_mapped (more));
  shot = screenshot (GTK_WIDGET (f->window), "admin-users-paged");

  /* the next page is added below, nothing twice, and the button goes */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "admin.show-more", NULL));
  wait_rows (f->page, 60, "Pupil 56");
  g_assert_nonnull (user_row (f->page, "Pupil 00"));
  g_assert_nonnull (user_row (f->page, "Demo admin"));
  g_assert_true (wait_label (GTK_WIDGET (f->page), "60 users"));
  g_assert_false (gtk_widget_get_visible (more));
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new ();
    g_autoptr(GHashTable) titles = g_hash_table_new (g_str_hash, g_str_equal);

    collect_rows (GTK_WIDGET (f->page), rows);
    for (guint i = 0; i < rows->len; i++)
      g_assert_true (g_hash_table_add (titles,
                                       (gpointer) adw_preferences_row_get_title (rows->pdata[i])));
  }

  /* a search starts again from its first page */
  search (f->page, "pupil");
  wait_rows (f->page, 50, "Pupil 00");
  g_assert_true (wait_label (GTK_WIDGET (f->page), "Showing 50 of 57"));
  g_assert_true (gtk_widget_get_visible (more));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->page), "admin.show-more", NULL));
  wait_rows (f->page, 57, "Pupil 56");
  g_assert_null (user_row (f->page, "Demo admin"));
  g_assert_false (gtk_widget_get_visible (more));
}

int
main (int   argc,
      char *argv[])
{
  sl_test_ui_init (&argc, &argv);

  g_test_add ("/admin/dashboard", Fixture, NULL, fixture_setup, test_dashboard, fixture_teardown);
  g_test_add ("/admin/users", Fixture, NULL, fixture_setup, test_users, fixture_teardown);
  g_test_add ("/admin/profile", Fixture, NULL, fixture_setup, test_profile, fixture_teardown);
  g_test_add ("/admin/users-paging", Fixture, NULL, fixture_setup, test_users_paging, fixture_teardown);
  return g_test_run ();
}
