/* test-app.c: the desktop app's window: signing in (and its errors), the
 * views of each role, signing out, and "stay signed in"
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-app"

#include "config.h"

#include "sl-application.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-window.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <sys/stat.h>

typedef struct _Fixture Fixture;
typedef void (*Body) (Fixture *f);

struct _Fixture {
  SlTestServer  *ts;
  SlApplication *app;
  SlWindow      *window;
  char          *kept;
  Body           body;
  gboolean       server_from_command_line;
  const char    *body_data;
  const char    *shot_name;
};

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-app-XXXXXX", NULL);

  f->ts = sl_test_server_new ("sqlite", NULL);
  f->kept = g_build_filename (dir, "session", NULL);
  g_setenv ("STREAMLET_SESSION_FILE", f->kept, TRUE);
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

static void
startup_cb (GApplication *app,
            Fixture      *f)
{
  if (f->server_from_command_line)
    return;
  /* what a user typed in an earlier run; the tests' server is on a port
   * of its own */
  g_settings_set_string (sl_application_get_settings (SL_APPLICATION (app)), "server-url",
                         f->ts->base_url);
}

/* The app's own activate made the window: the test runs inside the app's
 * main loop, then quits it the way a user does (app.quit, Ctrl+Q). */
static void
activate_cb (GApplication *app,
             Fixture      *f)
{
  f->window = SL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1100, 720);
  sl_test_ui_run_for (300);
  f->body (f);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

/* One run of the app, start to quit, with @body as what the user does;
 * @args: its command line after the program name (NULL: none). Returns
 * its exit status. */
static int
run_app_with (Fixture           *f,
              Body               body,
              const char *const *args)
{
  g_autoptr(SlApplication) app = sl_application_new ();
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  int status;

  g_ptr_array_add (argv, (char *) "streamlet");
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  f->app = app;
  f->body = body;
  g_signal_connect_after (app, "startup", G_CALLBACK (startup_cb), f);
  g_signal_connect_after (app, "activate", G_CALLBACK (activate_cb), f);
  status = g_application_run (G_APPLICATION (app), (int) argv->len - 1, (char **) argv->pdata);
  f->app = NULL;
  f->window = NULL;
  return status;
}

static void
run_app (Fixture *f,
         Body     body)
{
  g_assert_cmpint (run_app_with (f, body, NULL), ==, 0);
}

#define visible_page(window) sl_test_ui_window_page (window)
#define wait_page(window, page) sl_test_ui_wait_page ((window), (page), 10000)

static void
fill_row (SlWindow   *window,
          const char *title,
          const char *text)
{
  GtkWidget *row = sl_test_ui_find (GTK_WIDGET (window), ADW_TYPE_ENTRY_ROW, title);

  g_assert_nonnull (row);
  gtk_editable_set_text (GTK_EDITABLE (row), text);
}

static void
sign_in (SlWindow   *window,
         const char *username,
         const char *password,
         gboolean    stay)
{
  GtkWidget *stay_switch = sl_test_ui_find (GTK_WIDGET (window), GTK_TYPE_SWITCH, NULL);

  fill_row (window, "User Name", username);
  fill_row (window, "Password", password);
  gtk_switch_set_active (GTK_SWITCH (stay_switch), stay);
  g_assert_true (gtk_widget_activate_action (sl_test_ui_find (GTK_WIDGET (window),
                                                              ADW_TYPE_ENTRY_ROW, "Password"),
                                             "sign-in.submit", NULL));
}

/* The sign-in page's message: the label with the "error" class on screen. */
static const char *
find_message (GtkWidget *widget)
{
  if (!gtk_widget_get_mapped (widget))
    return NULL;
  if (GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "error"))
    return gtk_label_get_label (GTK_LABEL (widget));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *found = find_message (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static const char *
message (SlWindow *window)
{
  return find_message (GTK_WIDGET (window));
}

static gboolean
has_message_cb (gpointer data)
{
  return message (data) != NULL;
}

static gboolean
unreachable_message_cb (gpointer data)
{
  return message (data) != NULL && strstr (message (data), "cannot be reached") != NULL;
}

static void
sign_in_errors_body (Fixture *f)
{
  g_autoptr(GdkTexture) shot = NULL;

  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");
  shot = sl_test_ui_screenshot (GTK_WIDGET (f->window), "sign-in");

  /* wrong password: a sentence, and still on the sign-in page */
  sign_in (f->window, "student", "wrong", FALSE);
  g_assert_true (sl_test_ui_wait_until (has_message_cb, f->window, 10000));
  g_test_message ("wrong password: %s", message (f->window));
  g_assert_nonnull (strstr (message (f->window), "do not match"));
  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");

  /* an empty password is not sent */
  sign_in (f->window, "student", "", FALSE);
  sl_test_ui_run_for (100);
  g_assert_nonnull (strstr (message (f->window), "user name and password"));

  /* nobody at the address */
  fill_row (f->window, "Server", "http://127.0.0.1:9");
  sign_in (f->window, "student", "student123", FALSE);
  g_assert_true (sl_test_ui_wait_until (unreachable_message_cb, f->window, 10000));
  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");
  g_clear_object (&shot);
  shot = sl_test_ui_screenshot (GTK_WIDGET (f->window), "sign-in-error");
}

static void
test_sign_in_errors (Fixture       *f,
                     gconstpointer  data)
{
  run_app (f, sign_in_errors_body);
}

static gboolean
view_page_visible (SlWindow   *window,
                   const char *name)
{
  AdwViewStack *views = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (window), ADW_TYPE_VIEW_STACK, NULL));
  GtkWidget *child = adw_view_stack_get_child_by_name (views, name);

  return adw_view_stack_page_get_visible (adw_view_stack_get_page (views, child));
}

static void
roles_body (Fixture *f)
{
  static const struct {
    const char *username;
    const char *password;
    const char *first_view;
    gboolean    teach;
    gboolean    admin;
  } roles[] = {
    { "student", "student123", "classes", FALSE, FALSE },
    { "teacher", "teacher123", "teach", TRUE, FALSE },
    { "admin", "admin123", "admin", TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (roles); i++)
    {
      g_autofree char *name = g_strdup_printf ("main-%s", roles[i].username);
      AdwViewStack *views;
      g_autoptr(GdkTexture) shot = NULL;

      sign_in (f->window, roles[i].username, roles[i].password, FALSE);
      g_assert_true (wait_page (f->window, "main"));
      views = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK, NULL));
      g_assert_cmpstr (adw_view_stack_get_visible_child_name (views), ==, roles[i].first_view);
      g_assert_true (view_page_visible (f->window, "classes"));
      g_assert_cmpint (view_page_visible (f->window, "teach"), ==, roles[i].teach);
      g_assert_cmpint (view_page_visible (f->window, "admin"), ==, roles[i].admin);
      /* past the page's cross-fade */
      sl_test_ui_run_for (500);
      shot = sl_test_ui_screenshot (GTK_WIDGET (f->window), name);

      /* nothing is kept on disk without "stay signed in" */
      g_assert_false (g_file_test (f->kept, G_FILE_TEST_EXISTS));
      /* signing out goes back to the form, with the user name remembered
       * and the password gone */
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL));
      g_assert_true (wait_page (f->window, "sign-in"));
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sl_test_ui_find (
                         GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, "User Name"))), ==,
                       roles[i].username);
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sl_test_ui_find (
                         GTK_WIDGET (f->window), ADW_TYPE_PASSWORD_ENTRY_ROW, NULL))), ==, "");
    }
}

static void
test_roles (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, roles_body);
}

static void
stay_first_run_body (Fixture *f)
{
  struct stat st;

  sign_in (f->window, "teacher", "teacher123", TRUE);
  g_assert_true (wait_page (f->window, "main"));
  /* the refresh token is kept, readable by the user only */
  g_assert_cmpint (g_stat (f->kept, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (st.st_size, >, 10);
}

static void
stay_next_run_body (Fixture *f)
{
  /* straight in, as the same user */
  g_assert_true (wait_page (f->window, "main"));
  g_assert_cmpstr (sl_session_get_role (sl_application_get_session (f->app)), ==, "teacher");
  /* signing out removes the kept session */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL));
  g_assert_true (wait_page (f->window, "sign-in"));
  g_assert_false (g_file_test (f->kept, G_FILE_TEST_EXISTS));
}

static void
stay_refused_body (Fixture *f)
{
  /* a kept token the server does not take: back to the form, with a word */
  g_assert_true (wait_page (f->window, "sign-in"));
  g_assert_true (sl_test_ui_wait_until (has_message_cb, f->window, 10000));
  g_test_message ("refused kept session: %s", message (f->window));
  g_assert_nonnull (strstr (message (f->window), "Sign in again"));
  g_assert_false (g_file_test (f->kept, G_FILE_TEST_EXISTS));
}

static void
test_stay_signed_in (Fixture       *f,
                     gconstpointer  data)
{
  run_app (f, stay_first_run_body);
  run_app (f, stay_next_run_body);
  g_assert_true (g_file_set_contents (f->kept, "spent-or-forged", -1, NULL));
  g_assert_cmpint (g_chmod (f->kept, 0600), ==, 0);
  run_app (f, stay_refused_body);
}

static void
server_option_body (Fixture *f)
{
  /* the form shows the server given on the command line, and signing in
   * goes there */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (sl_test_ui_find (
                     GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, "Server"))), ==, f->ts->base_url);
  sign_in (f->window, "student", "student123", FALSE);
  g_assert_true (wait_page (f->window, "main"));
}

static gboolean
banner_shown_cb (gpointer data)
{
  SlWindow *window = data;
  GtkWidget *label = sl_test_ui_find (GTK_WIDGET (window), GTK_TYPE_LABEL, "to the server…");

  return label != NULL && gtk_revealer_get_reveal_child (GTK_REVEALER (
           gtk_widget_get_ancestor (label, GTK_TYPE_REVEALER)));
}

static gboolean
banner_hidden_cb (gpointer data)
{
  return !banner_shown_cb (data);
}

static void
reconnect_body (Fixture *f)
{
  GtkWidget *label;

  sign_in (f->window, "student", "student123", FALSE);
  g_assert_true (wait_page (f->window, "main"));
  /* connected: no banner */
  g_assert_true (sl_test_ui_wait_until (banner_hidden_cb, f->window, 10000));
  sl_test_ui_run_for (500);
  g_assert_true (banner_hidden_cb (f->window));

  /* the server goes away: "Reconnecting…" at once */
  sl_test_server_stop (f->ts);
  g_assert_true (sl_test_ui_wait_until (banner_shown_cb, f->window, 10000));
  label = sl_test_ui_find (GTK_WIDGET (f->window), GTK_TYPE_LABEL, "to the server…");
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (label)), ==, "Reconnecting to the server…");
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "reconnecting"));

  /* and back: the banner goes, still signed in */
  sl_test_server_restart (f->ts);
  g_assert_true (sl_test_ui_wait_until (banner_hidden_cb, f->window, 20000));
  g_assert_cmpstr (visible_page (f->window), ==, "main");
}

static void
test_reconnect_banner (Fixture       *f,
                       gconstpointer  data)
{
  run_app (f, reconnect_body);
}

static void
translated_body (Fixture *f)
{
  const char *expected = f->body_data;
  GtkWidget *user_row = sl_test_ui_find (GTK_WIDGET (f->window), ADW_TYPE_ENTRY_ROW, expected);
  GtkWidget *password_row = sl_test_ui_find (GTK_WIDGET (f->window), ADW_TYPE_PASSWORD_ENTRY_ROW,
                                             NULL);

  /* the form's labels and the error sentences */
  g_assert_nonnull (user_row);
  gtk_editable_set_text (GTK_EDITABLE (user_row), "student");
  gtk_editable_set_text (GTK_EDITABLE (password_row), "wrong");
  g_assert_true (gtk_widget_activate_action (password_row, "sign-in.submit", NULL));
  g_assert_true (sl_test_ui_wait_until (has_message_cb, f->window, 10000));
  g_test_message ("%s", message (f->window));
  g_assert_null (strstr (message (f->window), "do not match"));
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), f->shot_name));
}

extern int _nl_msg_cat_cntr;   /* glibc */

/* The app in Spanish and German, from the catalogues the build makes
 * (po/, LINGUAS); the last test case, as it changes the process's locale. */
static void
test_translations (Fixture       *f,
                   gconstpointer  data)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *po = g_build_filename (builddir != NULL ? builddir : ".", "..", "po", NULL);
  static const struct {
    const char *language;
    const char *user_name;   /* the "User Name" row's title */
    const char *shot;
  } languages[] = {
    { "es", "Nombre de usuario", "sign-in-es" },
    { "de", "Benutzername", "sign-in-de" },
  };

  g_assert_true (g_file_test (po, G_FILE_TEST_IS_DIR));
  bindtextdomain (GETTEXT_PACKAGE, po);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
  for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
    {
      g_setenv ("LANGUAGE", languages[i].language, TRUE);
      /* glibc's gettext looks again only when told the catalogues changed */
      _nl_msg_cat_cntr++;
      g_test_message ("%s: %s", languages[i].language, _("User Name"));
      g_assert_cmpstr (_("User Name"), ==, languages[i].user_name);
      f->body_data = languages[i].user_name;
      f->shot_name = languages[i].shot;
      run_app (f, translated_body);
    }
  g_unsetenv ("LANGUAGE");
}

static void
not_reached_body (Fixture *f)
{
  g_assert_not_reached ();
}

static void
test_command_line (Fixture       *f,
                   gconstpointer  data)
{
  const char *server[] = { "--server", f->ts->base_url, NULL };
  const char *empty[] = { "--server", "", NULL };
  const char *unknown[] = { "--no-such-option", NULL };

  f->server_from_command_line = TRUE;
  g_assert_cmpint (run_app_with (f, server_option_body, server), ==, 0);
  /* bad command lines: a message and an exit status, no window */
  g_assert_cmpint (run_app_with (f, not_reached_body, empty), ==, 64);
  g_assert_cmpint (run_app_with (f, not_reached_body, unknown), !=, 0);
}

/* ---- the class browser as a student sees it ----------------------------------- */

static gint64
create_class (SlTestServer *ts,
              const char   *token,
              const char   *title,
              const char   *description,
              int           hours_ahead)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) when = g_date_time_add_hours (now, hours_ahead);
  g_autofree char *at = g_date_time_format (when, "%Y-%m-%dT%H:00:00Z");
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"description\":\"%s\","
                                           "\"scheduled_at\":\"%s\",\"duration_minutes\":50}",
                                           title, description, at);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", token, body);
  JsonObject *klass;

  g_assert_cmpuint (resp->status, ==, 201);
  klass = json_object_get_object_member (sl_test_response_object (resp), "class");
  return json_object_get_int_member (klass, "id");
}

typedef struct {
  SlWindow   *window;
  const char *title;
} RowWait;

static gboolean
row_mapped_cb (gpointer data)
{
  RowWait *wait = data;
  GtkWidget *row = sl_test_ui_find (GTK_WIDGET (wait->window), ADW_TYPE_ACTION_ROW, wait->title);

  return row != NULL && gtk_widget_get_mapped (row);
}

static void
browser_body (Fixture *f)
{
  static const char *upcoming[] = { "Algebra 101", "World History", "Chemistry Lab", "Poetry Workshop" };
  g_autofree char *teacher = sl_test_login (f->ts, "teacher", "teacher123", NULL);
  AdwViewStack *views, *sections;
  gint64 live_id;

  live_id = create_class (f->ts, teacher, "Optics", "Lenses and mirrors", 0);
  {
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", live_id);
    g_autoptr(SlTestResponse) resp = sl_test_request (f->ts, "POST", path, teacher, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  for (guint i = 0; i < G_N_ELEMENTS (upcoming); i++)
    create_class (f->ts, teacher, upcoming[i], "", 2 + 20 * (int) i);

  sign_in (f->window, "student", "student123", FALSE);
  g_assert_true (wait_page (f->window, "main"));
  views = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (f->window), ADW_TYPE_VIEW_STACK, NULL));
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (views), ==, "classes");
  /* the browser's own sections: Live Now first, then Upcoming */
  sections = ADW_VIEW_STACK (sl_test_ui_find (GTK_WIDGET (adw_view_stack_get_visible_child (views)),
                                              ADW_TYPE_VIEW_STACK, NULL));
  g_assert_nonnull (sections);
  {
    RowWait wait = { f->window, "Optics" };

    g_assert_true (sl_test_ui_wait_until (row_mapped_cb, &wait, 10000));
  }
  adw_view_stack_set_visible_child_name (sections, "upcoming");
  for (guint i = 0; i < G_N_ELEMENTS (upcoming); i++)
    {
      RowWait wait = { f->window, upcoming[i] };

      g_assert_true (sl_test_ui_wait_until (row_mapped_cb, &wait, 10000));
    }
  /* past the page's cross-fade */
  sl_test_ui_run_for (500);
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "metainfo-browser"));

  /* a class scheduled now shows up by the hub, long before the 30 s poll */
  create_class (f->ts, teacher, "Late Addition", "", 30);
  {
    RowWait wait = { f->window, "Late Addition" };

    g_assert_true (sl_test_ui_wait_until (row_mapped_cb, &wait, 5000));
  }
}

static void
test_browser (Fixture       *f,
              gconstpointer  data)
{
  run_app (f, browser_body);
}

/* ---- the style: follow the system, light or dark ------------------------------ */

/* The mean brightness (0–255) of a picture. */
static double
brightness (GdkTexture *texture)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pixels = g_malloc (stride * height);
  double sum = 0;

  gdk_texture_download (texture, pixels, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    sum += (pixels[i] + pixels[i + 1] + pixels[i + 2]) / 3.0;
  return sum / ((double) width * height);
}

static double
style_shot (Fixture    *f,
            const char *scheme,
            const char *name)
{
  g_autoptr(GdkTexture) shot = NULL;

  g_action_group_activate_action (G_ACTION_GROUP (f->app), "color-scheme",
                                  g_variant_new_string (scheme));
  sl_test_ui_run_for (400);
  shot = sl_test_ui_screenshot (GTK_WIDGET (f->window), name);
  return brightness (shot);
}

static void
style_body (Fixture *f)
{
  GSettings *settings = sl_application_get_settings (f->app);
  AdwStyleManager *style = adw_style_manager_get_default ();
  double light, dark, system;

  sign_in (f->window, "student", "student123", FALSE);
  g_assert_true (wait_page (f->window, "main"));
  sl_test_ui_run_for (500);

  /* the primary menu's Style, as a stateful action on the setting */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (f->app), "color-scheme"));
  dark = style_shot (f, "dark", "main-dark");
  g_assert_true (adw_style_manager_get_dark (style));
  g_assert_cmpstr (g_settings_get_string (settings, "color-scheme"), ==, "dark");
  light = style_shot (f, "light", "main-light");
  g_assert_false (adw_style_manager_get_dark (style));
  g_test_message ("brightness: dark %.0f, light %.0f", dark, light);
  g_assert_cmpfloat (dark, <, 100);
  g_assert_cmpfloat (light, >, 180);

  /* an unknown style changes nothing */
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "color-scheme",
                                  g_variant_new_string ("purple"));
  sl_test_ui_run_for (100);
  g_assert_cmpstr (g_settings_get_string (settings, "color-scheme"), ==, "light");

  /* following the system: Xvfb's session prefers light */
  system = style_shot (f, "default", "main-system");
  g_assert_cmpstr (g_settings_get_string (settings, "color-scheme"), ==, "default");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);
  g_assert_cmpfloat (ABS (system - (adw_style_manager_get_dark (style) ? dark : light)), <, 10);
}

static void
test_style (Fixture       *f,
            gconstpointer  data)
{
  run_app (f, style_body);
}

int
main (int    argc,
      char **argv)
{
  sl_test_ui_init (&argc, &argv);

  g_test_add ("/app/sign-in-errors", Fixture, NULL, fixture_setup, test_sign_in_errors, fixture_teardown);
  g_test_add ("/app/roles", Fixture, NULL, fixture_setup, test_roles, fixture_teardown);
  g_test_add ("/app/browser", Fixture, NULL, fixture_setup, test_browser, fixture_teardown);
  g_test_add ("/app/style", Fixture, NULL, fixture_setup, test_style, fixture_teardown);
  g_test_add ("/app/reconnect-banner", Fixture, NULL, fixture_setup, test_reconnect_banner, fixture_teardown);
  g_test_add ("/app/command-line", Fixture, NULL, fixture_setup, test_command_line, fixture_teardown);
  g_test_add ("/app/stay-signed-in", Fixture, NULL, fixture_setup, test_stay_signed_in, fixture_teardown);
  g_test_add ("/app/translations", Fixture, NULL, fixture_setup, test_translations, fixture_teardown);
  return g_test_run ();
}
