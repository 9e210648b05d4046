/* test-ui-fullscreen.c: fullscreen in the desktop app, for real: the app
 * on an X server of the test's own with a window manager (openbox), which
 * is what makes a window fullscreen (under a bare Xvfb nothing does). F11
 * and the video bar's button in the watch view, Escape, going back, and
 * what the watch view shows in fullscreen.
 *
 * The window manager never runs on the display the other UI tests share:
 * this test starts an Xvfb and an openbox of its own, which die with it.
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "test-ui-fullscreen"

#include "config.h"

#include "sl-application.h"
#include "sl-test-server.h"
#include "sl-test-ui.h"
#include "sl-window.h"

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#define SCREEN_WIDTH  1280
#define SCREEN_HEIGHT 800

typedef struct _Fixture Fixture;
typedef void (*Body) (Fixture *f);

struct _Fixture {
  SlTestServer  *ts;
  SlApplication *app;
  SlWindow      *window;
  char          *kept;
  Body           body;
  gint64         optics_id;      /* a live class (no video) */
};

/* ---- the X server and the window manager ------------------------------------ */

static GSubprocess *xvfb;
static GSubprocess *openbox;
static char        *wm_dir;      /* openbox's config, and where it may write */
static const char  *missing;     /* a program that is not installed */

/* They go when the test program does, even when an assertion ends it. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Runs a program to its end (bounded by the program): TRUE when it
 * succeeded. */
static gboolean
run_quietly (const char *const *argv)
{
  int status = -1;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return g_spawn_check_wait_status (status, NULL);
}

/* An Xvfb on a display number of the test's own (never -displayfd: see
 * test-edge.c), then openbox on it with a configuration of the test's
 * (no key bindings of its own, the user's left alone); DISPLAY is set to
 * it once the window manager has taken over. */
static void
desktop_start (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xvfb_path = g_find_program_in_path ("Xvfb");
  g_autofree char *openbox_path = g_find_program_in_path ("openbox");
  g_autofree char *xdotool_path = g_find_program_in_path ("xdotool");
  g_autofree char *lock = NULL, *socket = NULL, *display = NULL, *rc = NULL;
  const char *config = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<openbox_config xmlns=\"http://openbox.org/3.4/rc\">\n"
                       "  <keyboard></keyboard>\n"
                       "  <mouse></mouse>\n"
                       "</openbox_config>\n";
  const char *wm_up[] = { "xdotool", "get_num_desktops", NULL };
  guint number;
  gint64 until;

  if (xvfb_path == NULL)
    missing = "Xvfb is not installed (package xvfb; scripts/test installs it)";
  else if (openbox_path == NULL)
    missing = "openbox is not installed (package openbox; scripts/test installs it)";
  else if (xdotool_path == NULL)
    missing = "xdotool is not installed (package xdotool; scripts/test installs it)";
  if (missing != NULL)
    return;

  for (number = 300 + getpid () % 300;; number++)
    {
      g_clear_pointer (&lock, g_free);
      lock = g_strdup_printf ("/tmp/.X%u-lock", number);
      if (!g_file_test (lock, G_FILE_TEST_EXISTS))
        break;
    }
  display = g_strdup_printf (":%u", number);
  socket = g_strdup_printf ("/tmp/.X11-unix/X%u", number);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  xvfb = g_subprocess_launcher_spawn (launcher, &error, xvfb_path, display,
                                      "-nolisten", "tcp", "-noreset",
                                      "-screen", "0", "1280x800x24", NULL);
  if (xvfb == NULL)
    g_error ("could not start Xvfb: %s", error->message);
  for (until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !g_file_test (socket, G_FILE_TEST_EXISTS); g_usleep (20000))
    if (g_get_monotonic_time () > until)
      g_error ("Xvfb %s did not come up in 10 s", display);
  g_setenv ("DISPLAY", display, TRUE);

  wm_dir = g_dir_make_tmp ("streamlet-test-fullscreen-XXXXXX", &error);
  g_assert_no_error (error);
  rc = g_build_filename (wm_dir, "rc.xml", NULL);
  g_file_set_contents (rc, config, -1, &error);
  g_assert_no_error (error);
  /* whatever openbox keeps goes into the test's directory */
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", wm_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", wm_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", wm_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "DISPLAY", display, TRUE);
  openbox = g_subprocess_launcher_spawn (launcher, &error, openbox_path, "--sm-disable",
                                         "--config-file", rc, NULL);
  if (openbox == NULL)
    g_error ("could not start openbox: %s", error->message);
  /* it is up when it has told the root window about the desktops */
  for (until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !run_quietly (wm_up); g_usleep (50000))
    if (g_get_monotonic_time () > until)
      g_error ("openbox did not take over %s in 10 s", display);
}

static void
stop (GSubprocess **process)
{
  if (*process == NULL)
    return;
  g_subprocess_send_signal (*process, SIGTERM);
  g_subprocess_wait (*process, NULL, NULL);
  g_clear_object (process);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
desktop_stop (void)
{
  stop (&openbox);
  stop (&xvfb);
  if (wm_dir != NULL)
    remove_tree (wm_dir);
  g_clear_pointer (&wm_dir, g_free);
}

/* ---- key presses ------------------------------------------------------------- */

/* The whole screen as the X server has it (what the window manager made
 * of the window, which a widget's screenshot cannot show), kept with the
 * screenshots as @name.png; a test artefact only, nothing is asserted. */
static void
screen_capture (const char *name)
{
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *dir = g_build_filename (builddir != NULL ? builddir : ".", "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autofree char *location = g_strconcat ("location=", path, NULL);
  const char *argv[] = { "gst-launch-1.0", "-q", "ximagesrc", "use-damage=false", "num-buffers=1",
                         "!", "videoconvert", "!", "pngenc", "!", "filesink", location, NULL };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  if (sl_test_ui_run_command (argv, 20000, &error))
    g_test_message ("screen: %s", path);
  else
    g_test_message ("no capture of the screen (gst-launch-1.0 ximagesrc): %s", error->message);
}

#define xdotool(...) SL_TEST_UI_XDOTOOL (__VA_ARGS__)
#define press(...) xdotool ("key", "--delay", "40", __VA_ARGS__)

/* Raises @window and gives it the input focus (the window manager does
 * that with a new window too, but not necessarily at once). */
#define focus_window(window) sl_test_ui_focus_window ((window), TRUE)

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* ---- the app, start to quit ---------------------------------------------------- */

typedef struct {
  gboolean  done;
  GError   *error;
} SignIn;

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SignIn *sign_in = user_data;

  sl_session_sign_in_finish (SL_SESSION (source), result, &sign_in->error);
  sign_in->done = TRUE;
}

static gboolean
sign_in_done_cb (gpointer data)
{
  return ((SignIn *) data)->done;
}

#define visible_page(window) sl_test_ui_window_page (window)

static gboolean
on_main_cb (gpointer data)
{
  return g_strcmp0 (visible_page (data), "main") == 0;
}

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
  SignIn sign_in = { FALSE, NULL };

  f->window = SL_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_nonnull (f->window);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 640);
  sl_test_ui_run_for (300);
  focus_window (GTK_WINDOW (f->window));

  /* a student, signed in (the sign-in page has tests of its own) */
  sl_session_sign_in_async (sl_application_get_session (f->app), f->ts->base_url,
                            "student", "student123", FALSE, NULL, signed_in_cb, &sign_in);
  g_assert_true (sl_test_ui_wait_until (sign_in_done_cb, &sign_in, 10000));
  g_assert_no_error (sign_in.error);
  g_assert_true (sl_test_ui_wait_until (on_main_cb, f->window, 10000));

  f->body (f);
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
}

static void
run_app (Fixture *f,
         Body     body)
{
  g_autoptr(SlApplication) app = sl_application_new ();
  char *argv[] = { (char *) "streamlet", NULL };

  if (missing != NULL)
    {
      g_test_skip (missing);
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
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-fullscreen-XXXXXX", NULL);

  f->ts = sl_test_server_new ("sqlite", NULL);
  f->kept = g_build_filename (dir, "session", NULL);
  g_setenv ("STREAMLET_SESSION_FILE", f->kept, TRUE);
  f->optics_id = sl_test_create_class (f->ts, "Optics", 5, TRUE);
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

/* ---- what the user sees ----------------------------------------------------------- */

static GtkWidget *
watch_view (SlWindow *window)
{
  return sl_test_ui_find (GTK_WIDGET (window), g_type_from_name ("SlWatchView"), NULL);
}

static const char *
watch_title (SlWindow *window)
{
  GtkWidget *view = watch_view (window);
  GtkWidget *title = view != NULL ? sl_test_ui_find (view, ADW_TYPE_WINDOW_TITLE, NULL) : NULL;

  return title != NULL ? adw_window_title_get_title (ADW_WINDOW_TITLE (title)) : NULL;
}

static gboolean
watching_optics_cb (gpointer data)
{
  return g_strcmp0 (visible_page (data), "activity") == 0 &&
         g_strcmp0 (watch_title (data), "Optics") == 0;
}

/* The button in @root whose action is @action. */
static GtkWidget *
button_for (GtkWidget  *root,
            const char *action)
{
  if (GTK_IS_ACTIONABLE (root) &&
      g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (root)), action) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = button_for (child, action);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static GtkWidget *
focus_of (SlWindow *window)
{
  return gtk_root_get_focus (GTK_ROOT (window));
}

static gboolean
has_focus_within (SlWindow  *window,
                  GtkWidget *widget)
{
  GtkWidget *focus = focus_of (window);

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

typedef struct {
  SlWindow *window;
  gboolean  fullscreen;
  int       width;      /* the size to be at: the screen's in fullscreen */
  int       height;
} SizeWait;

/* The window's frame: what there is of it around the window's content.
 * Without a compositor libadwaita 1.2 draws a 5 px border there (its
 * "solid-csd" style); the app's style.css takes it away in fullscreen. */
static int
frame_of (SlWindow *window)
{
  double x, y;

  gtk_native_get_surface_transform (GTK_NATIVE (window), &x, &y);
  return (int) x;
}

/* The window is (or is not) fullscreen, as the window manager has it, and
 * has the size that goes with it, on the X server as well as in GTK: in
 * fullscreen the window's content is the whole screen, with no frame. */
static gboolean
size_is_cb (gpointer data)
{
  SizeWait *wait = data;
  GtkWidget *widget = GTK_WIDGET (wait->window);
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (wait->window));
  int frame = frame_of (wait->window);

  return gtk_window_is_fullscreen (GTK_WINDOW (wait->window)) == wait->fullscreen &&
         gdk_surface_get_width (surface) == wait->width &&
         gdk_surface_get_height (surface) == wait->height &&
         (!wait->fullscreen || (frame == 0 &&
                                gtk_widget_get_width (widget) == wait->width &&
                                gtk_widget_get_height (widget) == wait->height));
}

static void
log_size (SlWindow   *window,
          const char *when)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  g_test_message ("%s: %s, surface %dx%d, window %dx%d in a frame of %d px", when,
                  gtk_window_is_fullscreen (GTK_WINDOW (window)) ? "fullscreen" : "not fullscreen",
                  gdk_surface_get_width (surface), gdk_surface_get_height (surface),
                  gtk_widget_get_width (GTK_WIDGET (window)), gtk_widget_get_height (GTK_WIDGET (window)),
                  frame_of (window));
}

/* The window's size as the window manager has it (not fullscreen). */
typedef struct {
  int width;
  int height;
} Size;

static Size
surface_size (SlWindow *window)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));

  return (Size) { gdk_surface_get_width (surface), gdk_surface_get_height (surface) };
}

static void
expect_fullscreen (SlWindow *window)
{
  SizeWait wait = { window, TRUE, SCREEN_WIDTH, SCREEN_HEIGHT };

  if (!sl_test_ui_wait_until (size_is_cb, &wait, 10000))
    {
      log_size (window, "expected fullscreen");
      g_assert_not_reached ();
    }
}

static void
expect_windowed (SlWindow *window,
                 Size      size)
{
  SizeWait wait = { window, FALSE, size.width, size.height };

  if (!sl_test_ui_wait_until (size_is_cb, &wait, 10000))
    {
      log_size (window, "expected back to the window");
      g_test_message ("the size it had: %dx%d", size.width, size.height);
      g_assert_not_reached ();
    }
}

/* Opens the live class and waits until it is shown, with the keys in it. */
static GtkWidget *
open_optics (Fixture *f)
{
  GtkWidget *view;

  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.watch-class", "x", f->optics_id);
  g_assert_true (sl_test_ui_wait_until (watching_optics_cb, f->window, 10000));
  view = watch_view (f->window);
  g_assert_true (has_focus_within (f->window, view));
  return view;
}

/* What the watch view shows, windowed: the chat beside the video, the
 * header bar, the video bar's button to go fullscreen. */
static void
check_windowed_look (GtkWidget *view)
{
  GtkWidget *chat = sl_test_ui_find (view, g_type_from_name ("SlChatPanel"), NULL);
  GtkWidget *header = sl_test_ui_find (view, ADW_TYPE_HEADER_BAR, NULL);
  GtkWidget *button = button_for (view, "win.fullscreen");

  g_assert_true (sl_test_ui_wait_until (mapped_cb, chat, 5000));
  g_assert_true (gtk_widget_get_mapped (header));
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "view-fullscreen-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Fullscreen (F11)");
}

static gboolean
unmapped_cb (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* ... and in fullscreen: the video across the whole screen, no chat; the
 * header bar (Back, the hand) and the video bar stay, whose button now
 * leaves fullscreen. */
static void
check_fullscreen_look (GtkWidget *view)
{
  GtkWidget *chat = sl_test_ui_find (view, g_type_from_name ("SlChatPanel"), NULL);
  GtkWidget *header = sl_test_ui_find (view, ADW_TYPE_HEADER_BAR, NULL);
  GtkWidget *button = button_for (view, "win.fullscreen");
  GtkWidget *picture = sl_test_ui_find (view, GTK_TYPE_PICTURE, NULL);
  GtkWidget *overlay = gtk_widget_get_ancestor (picture, GTK_TYPE_OVERLAY);
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (view));
  graphene_rect_t video, top;

  g_assert_true (sl_test_ui_wait_until (unmapped_cb, chat, 5000));
  g_assert_true (gtk_widget_get_mapped (header));
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_get_mapped (button_for (header, "win.back")));
  g_assert_cmpstr (gtk_button_get_icon_name (GTK_BUTTON (button)), ==, "view-restore-symbolic");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Leave Fullscreen (F11)");
  /* the video's area is all of the window (the screen) under the header bar */
  g_assert_true (gtk_widget_compute_bounds (overlay, window, &video));
  g_assert_true (gtk_widget_compute_bounds (header, window, &top));
  g_assert_cmpfloat (video.origin.x, ==, 0);
  g_assert_cmpfloat (video.size.width, ==, gtk_widget_get_width (window));
  g_assert_cmpfloat (video.origin.y + video.size.height, ==, gtk_widget_get_height (window));
  g_assert_cmpfloat (video.origin.y, <=, top.origin.y + top.size.height);
}

/* ---- a: F11 in and out ----------------------------------------------------------- */

static void
f11_body (Fixture *f)
{
  GtkWidget *view = open_optics (f);
  Size before = surface_size (f->window);

  log_size (f->window, "watching");
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (f->window)));
  g_assert_cmpint (before.width, <, SCREEN_WIDTH);
  check_windowed_look (view);

  press ("F11");
  expect_fullscreen (f->window);
  log_size (f->window, "after F11");
  check_fullscreen_look (view);
  /* the keys still go to the view (M, Escape, Ctrl+H) */
  g_assert_true (has_focus_within (f->window, view));
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "fullscreen-watch"));
  screen_capture ("fullscreen-watch-screen");

  press ("F11");
  expect_windowed (f->window, before);
  log_size (f->window, "after F11 again");
  check_windowed_look (view);
  g_assert_cmpstr (visible_page (f->window), ==, "activity");
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "fullscreen-watch-left"));
}

static void
test_f11 (Fixture       *f,
          gconstpointer  data)
{
  run_app (f, f11_body);
}

/* ---- b: the video bar's button, then Escape, twice --------------------------------- */

static void
escape_body (Fixture *f)
{
  GtkWidget *view = open_optics (f);
  GtkWidget *button = button_for (view, "win.fullscreen");
  GtkWidget *entry = sl_test_ui_find (view, GTK_TYPE_ENTRY, NULL);
  Size before = surface_size (f->window);

  /* the button, pressed by the keyboard */
  gtk_widget_grab_focus (button);
  g_assert_true (focus_of (f->window) == button);
  press ("space");
  expect_fullscreen (f->window);
  check_fullscreen_look (view);

  /* Escape leaves fullscreen, not the class */
  press ("Escape");
  expect_windowed (f->window, before);
  g_assert_true (watching_optics_cb (f->window));
  check_windowed_look (view);

  /* from the chat as well: F11 there, and the keys are not left in the
   * hidden chat (Escape leaves fullscreen at once) */
  press ("F6");
  g_assert_true (has_focus_within (f->window, entry));
  press ("F11");
  expect_fullscreen (f->window);
  check_fullscreen_look (view);
  g_assert_true (has_focus_within (f->window, view));
  g_assert_false (has_focus_within (f->window, entry));
  g_object_unref (sl_test_ui_screenshot (GTK_WIDGET (f->window), "fullscreen-watch-from-chat"));
  press ("Escape");
  expect_windowed (f->window, before);
  g_assert_true (watching_optics_cb (f->window));

  /* a second Escape: back to the classes */
  press ("Escape");
  g_assert_true (sl_test_ui_wait_until (on_main_cb, f->window, 5000));
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (f->window)));
  g_assert_null (watch_view (f->window));
}

static void
test_escape (Fixture       *f,
             gconstpointer  data)
{
  run_app (f, escape_body);
}

/* ---- c: going back leaves fullscreen; the classes are never fullscreen ------------- */

static void
back_body (Fixture *f)
{
  Size before = surface_size (f->window);

  /* F11 on the class browser: nothing (it is the video that goes
   * fullscreen) */
  press ("F11");
  sl_test_ui_run_for (500);
  g_assert_false (gtk_window_is_fullscreen (GTK_WINDOW (f->window)));
  g_assert_cmpstr (visible_page (f->window), ==, "main");

  /* Alt+Left from the fullscreen class: the classes, in the window */
  open_optics (f);
  press ("F11");
  expect_fullscreen (f->window);
  press ("alt+Left");
  g_assert_true (sl_test_ui_wait_until (on_main_cb, f->window, 5000));
  expect_windowed (f->window, before);
  g_assert_null (watch_view (f->window));

  /* the header bar's Back button, clicked in fullscreen */
  open_optics (f);
  press ("F11");
  expect_fullscreen (f->window);
  gtk_widget_activate (button_for (sl_test_ui_find (watch_view (f->window), ADW_TYPE_HEADER_BAR, NULL),
                                   "win.back"));
  g_assert_true (sl_test_ui_wait_until (on_main_cb, f->window, 5000));
  expect_windowed (f->window, before);

  /* signing out in fullscreen: the sign-in page, in the window */
  open_optics (f);
  press ("F11");
  expect_fullscreen (f->window);
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.sign-out", NULL);
  expect_windowed (f->window, before);
  g_assert_cmpstr (visible_page (f->window), ==, "sign-in");
}

static void
test_back (Fixture       *f,
           gconstpointer  data)
{
  run_app (f, back_body);
}

static void
test_skipped (void)
{
  g_test_skip (missing);
}

int
main (int    argc,
      char **argv)
{
  int status;

  desktop_start ();
  if (missing != NULL)
    {
      /* no display of our own to draw on: say why, draw nothing */
      g_test_init (&argc, &argv, NULL);
      g_test_add_func ("/fullscreen/skipped", test_skipped);
      return g_test_run ();
    }
  sl_test_ui_init (&argc, &argv);

  g_test_add ("/fullscreen/f11", Fixture, NULL, fixture_setup, test_f11, fixture_teardown);
  g_test_add ("/fullscreen/escape", Fixture, NULL, fixture_setup, test_escape, fixture_teardown);
  g_test_add ("/fullscreen/back", Fixture, NULL, fixture_setup, test_back, fixture_teardown);
  status = g_test_run ();
  desktop_stop ();
  return status;
}
