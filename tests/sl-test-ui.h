/* sl-test-ui.h: fixtures for the desktop app's tests (under Xvfb, which
 * scripts/test starts): signed-in sessions against the test server,
 * windows, waiting, and screenshots kept as test artefacts
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"
#include "sl-test-server.h"
#include "sl-window.h"

G_BEGIN_DECLS

/* g_test_init, then GTK and libadwaita; aborts with a clear message when
 * there is no X display (DISPLAY unset: scripts/test starts Xvfb) or no
 * session bus (meson runs the UI tests under dbus-run-session: the app
 * registers on it). */
void        sl_test_ui_init        (int          *argc,
                                    char       ***argv);
/* The app's settings on an in-memory backend (fresh each call). */
GSettings  *sl_test_ui_settings    (void);
/* A session signed in to @ts as @username (kept session in a temp file). */
SlSession  *sl_test_ui_session     (SlTestServer *ts,
                                    const char   *username,
                                    const char   *password);
/* @child in a new window of @width × @height, presented. */
GtkWindow  *sl_test_ui_window      (GtkWidget    *child,
                                    int           width,
                                    int           height);
/* Iterates the main context until @done (@data) is TRUE, at most
 * @timeout_ms; returns whether it became TRUE. */
gboolean    sl_test_ui_wait_until  (gboolean    (*done) (gpointer data),
                                    gpointer      data,
                                    guint         timeout_ms);
/* Iterates the main context for @ms. */
void        sl_test_ui_run_for     (guint         ms);
/* Renders @widget as it is shown now; saves it as
 * $G_TEST_BUILDDIR/screenshots/@name.png (the test artefacts) and returns
 * the picture. */
GdkTexture *sl_test_ui_screenshot  (GtkWidget    *widget,
                                    const char   *name);
/* The share of pixels (0–1) that differ by more than a little between two
 * pictures of the same size. */
double      sl_test_ui_difference  (GdkTexture   *a,
                                    GdkTexture   *b);
/* The first descendant of @root (depth first, @root included) of @type
 * whose label/title/text contains @text (NULL: any), or NULL. */
GtkWidget  *sl_test_ui_find        (GtkWidget    *root,
                                    GType         type,
                                    const char   *text);

/* The page the app's window shows ("sign-in", "resuming", "main",
 * "activity"), and waiting (@timeout_ms at most) until it shows @page. */
const char *sl_test_ui_window_page (SlWindow     *window);
gboolean    sl_test_ui_wait_page   (SlWindow     *window,
                                    const char   *page,
                                    guint         timeout_ms);

/* Runs @argv (NULL-terminated, the program first) while the main context
 * turns, at most @timeout_ms (then it is killed); whether it ran and
 * exited with 0, else @error says why. */
gboolean    sl_test_ui_run_command (const char *const *argv,
                                    guint         timeout_ms,
                                    GError      **error);
/* Real X input: runs xdotool with @argv (NULL-terminated, without the
 * program name) while the main context turns, so the app takes the events
 * as they come; asserts it succeeded, then lets what is queued be handled.
 * SL_TEST_UI_XDOTOOL ("key", "ctrl+f") does the array. */
void        sl_test_ui_xdotool     (const char *const *argv);
#define SL_TEST_UI_XDOTOOL(...) sl_test_ui_xdotool ((const char *const[]) { __VA_ARGS__, NULL })
/* Gives @window the X input focus and waits until GTK has it active:
 * through the window manager (@window_manager: _NET_ACTIVE_WINDOW), or
 * directly, as a window manager would (there is none under scripts/test's
 * Xvfb). */
void        sl_test_ui_focus_window (GtkWindow   *window,
                                     gboolean     window_manager);

G_END_DECLS
