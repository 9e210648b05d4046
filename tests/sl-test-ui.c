/* sl-test-ui.c: fixtures for the desktop app's tests
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-test-ui"

#include "config.h"

#include "sl-test-ui.h"

#define G_SETTINGS_ENABLE_BACKEND
#include <gdk/x11/gdkx.h>
#include <gio/gsettingsbackend.h>
#include <glib/gstdio.h>
#include <string.h>

void
sl_test_ui_init (int    *argc,
                 char ***argv)
{
  const char *display = g_getenv ("DISPLAY");

  g_test_init (argc, argv, NULL);
  if (display == NULL || *display == '\0')
    g_error ("the app's tests need a display: scripts/test starts Xvfb and sets DISPLAY");
  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    g_error ("the app's tests need a session bus: run them with dbus-run-session "
             "(meson test does)");
  /* the app's WebRTC on loopback only, like the test servers' (tests in a
   * private network set their own address after this) */
  g_setenv ("STREAMLET_ICE_ADDRESSES", "127.0.0.1", FALSE);
  /* no accessibility bus in the test's private session */
  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_init ();
  adw_init ();
  /* the app's stylesheet, which AdwApplication loads from the resources in
   * the real app: views tested in a plain window look as they do there */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/io/github/streamlet/Streamlet/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }
  /* screenshots show where things end up, not a transition */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
}

GSettings *
sl_test_ui_settings (void)
{
  g_autoptr(GSettingsBackend) backend = g_memory_settings_backend_new ();

  return g_settings_new_with_backend (SL_APP_ID, backend);
}

typedef struct {
  gboolean  done;
  gboolean  ok;
  GError   *error;
} SignIn;

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SignIn *sign_in = user_data;

  sign_in->ok = sl_session_sign_in_finish (SL_SESSION (source), result, &sign_in->error);
  sign_in->done = TRUE;
}

SlSession *
sl_test_ui_session (SlTestServer *ts,
                    const char   *username,
                    const char   *password)
{
  g_autoptr(GSettings) settings = sl_test_ui_settings ();
  g_autofree char *dir = g_dir_make_tmp ("streamlet-test-session-XXXXXX", NULL);
  g_autofree char *kept = g_build_filename (dir, "session", NULL);
  SlSession *session = sl_session_new (settings, kept);
  SignIn sign_in = { FALSE, FALSE, NULL };

  sl_session_sign_in_async (session, ts->base_url, username, password, FALSE, NULL,
                            signed_in_cb, &sign_in);
  sl_test_wait_for (&sign_in.done);
  g_assert_no_error (sign_in.error);
  g_assert_true (sign_in.ok);
  g_rmdir (dir);   /* nothing kept: not "stay signed in" */
  return session;
}

GtkWindow *
sl_test_ui_window (GtkWidget *child,
                   int        width,
                   int        height)
{
  GtkWindow *window = GTK_WINDOW (adw_window_new ());

  adw_window_set_content (ADW_WINDOW (window), child);
  gtk_window_set_default_size (window, width, height);
  gtk_window_present (window);
  sl_test_ui_run_for (200);
  return window;
}

gboolean
sl_test_ui_wait_until (gboolean (*done) (gpointer data),
                       gpointer   data,
                       guint      timeout_ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!done (data))
    {
      if (g_get_monotonic_time () > until)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

void
sl_test_ui_run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
}

GdkTexture *
sl_test_ui_screenshot (GtkWidget  *widget,
                       const char *name)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer;
  GdkTexture *texture;
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  const char *builddir = g_getenv ("G_TEST_BUILDDIR");
  g_autofree char *dir = g_build_filename (builddir != NULL ? builddir : ".", "screenshots", NULL);
  g_autofree char *file = g_strconcat (name, ".png", NULL);
  g_autofree char *path = g_build_filename (dir, file, NULL);

  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  /* let pending layout and drawing happen first; a widget in the middle of
   * a relayout draws nothing until its next frame */
  for (guint attempt = 0; node == NULL && attempt < 50; attempt++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      sl_test_ui_run_for (100);
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);
  texture = gsk_renderer_render_texture (renderer, node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return texture;
}

double
sl_test_ui_difference (GdkTexture *a,
                       GdkTexture *b)
{
  int width = gdk_texture_get_width (a);
  int height = gdk_texture_get_height (a);
  gsize stride = (gsize) width * 4;
  g_autofree guchar *pa = g_malloc (stride * height);
  g_autofree guchar *pb = g_malloc (stride * height);
  guint64 differ = 0;

  g_assert_cmpint (gdk_texture_get_width (b), ==, width);
  g_assert_cmpint (gdk_texture_get_height (b), ==, height);
  gdk_texture_download (a, pa, stride);
  gdk_texture_download (b, pb, stride);
  for (gsize i = 0; i < stride * height; i += 4)
    {
      int d = ABS (pa[i] - pb[i]) + ABS (pa[i + 1] - pb[i + 1]) + ABS (pa[i + 2] - pb[i + 2]);

      if (d > 24)
        differ++;
    }
  return (double) differ / ((double) width * height);
}

static const char *
widget_text (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget))
    return gtk_label_get_label (GTK_LABEL (widget));
  if (GTK_IS_BUTTON (widget))
    return gtk_button_get_label (GTK_BUTTON (widget));
  if (ADW_IS_PREFERENCES_ROW (widget))
    return adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget));
  if (ADW_IS_STATUS_PAGE (widget))
    return adw_status_page_get_title (ADW_STATUS_PAGE (widget));
  if (GTK_IS_EDITABLE (widget))
    return gtk_editable_get_text (GTK_EDITABLE (widget));
  return NULL;
}

GtkWidget *
sl_test_ui_find (GtkWidget  *root,
                 GType       type,
                 const char *text)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    {
      const char *have = widget_text (root);

      if (text == NULL || (have != NULL && strstr (have, text) != NULL))
        return root;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = sl_test_ui_find (child, type, text);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* ---- the window's pages ------------------------------------------------------------ */

const char *
sl_test_ui_window_page (SlWindow *window)
{
  GtkStack *stack = GTK_STACK (sl_test_ui_find (GTK_WIDGET (window), GTK_TYPE_STACK, NULL));

  g_assert_nonnull (stack);
  return gtk_stack_get_visible_child_name (stack);
}

typedef struct {
  SlWindow   *window;
  const char *page;
} PageWait;

static gboolean
page_is_cb (gpointer data)
{
  PageWait *wait = data;

  return g_strcmp0 (sl_test_ui_window_page (wait->window), wait->page) == 0;
}

gboolean
sl_test_ui_wait_page (SlWindow   *window,
                      const char *page,
                      guint       timeout_ms)
{
  PageWait wait = { window, page };

  return sl_test_ui_wait_until (page_is_cb, &wait, timeout_ms);
}

/* ---- real X input ------------------------------------------------------------------ */

typedef struct {
  gboolean  done;
  GError   *error;
} Run;

static void
command_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Run *run = user_data;

  g_subprocess_wait_check_finish (G_SUBPROCESS (source), result, &run->error);
  run->done = TRUE;
}

static gboolean
run_done_cb (gpointer data)
{
  return ((Run *) data)->done;
}

gboolean
sl_test_ui_run_command (const char *const *argv,
                        guint              timeout_ms,
                        GError           **error)
{
  g_autoptr(GSubprocess) process = NULL;
  Run run = { FALSE, NULL };

  process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error);
  if (process == NULL)
    return FALSE;
  g_subprocess_wait_check_async (process, NULL, command_done_cb, &run);
  if (!sl_test_ui_wait_until (run_done_cb, &run, timeout_ms))
    {
      g_subprocess_force_exit (process);
      sl_test_ui_wait_until (run_done_cb, &run, 5000);
      g_clear_error (&run.error);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s did not finish in %u ms",
                   argv[0], timeout_ms);
      return FALSE;
    }
  if (run.error != NULL)
    {
      g_propagate_error (error, run.error);
      return FALSE;
    }
  return TRUE;
}

void
sl_test_ui_xdotool (const char *const *argv)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_ptr_array_add (args, (char *) "xdotool");
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);
  line = g_strjoinv (" ", (char **) args->pdata);
  g_test_message ("%s", line);
  sl_test_ui_run_command ((const char *const *) args->pdata, 30000, &error);
  g_assert_no_error (error);
  sl_test_ui_run_for (150);
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static gboolean
window_active_cb (gpointer data)
{
  return gtk_window_is_active (data);
}

void
sl_test_ui_focus_window (GtkWindow *window,
                         gboolean   window_manager)
{
  GdkSurface *surface;
  g_autofree char *xid = NULL;

  g_assert_true (sl_test_ui_wait_until (mapped_cb, window, 5000));
  surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_assert_true (GDK_IS_X11_SURFACE (surface));
  xid = g_strdup_printf ("%lu", (unsigned long) gdk_x11_surface_get_xid (surface));
  if (window_manager)
    SL_TEST_UI_XDOTOOL ("windowactivate", "--sync", xid);
  else
    SL_TEST_UI_XDOTOOL ("windowraise", xid, "windowfocus", "--sync", xid);
  g_assert_true (sl_test_ui_wait_until (window_active_cb, window, 5000));
}
