/* sl-window.h: the main window: sign-in, the role's views, and the
 * activity (watching, going live, a recording) in front of them
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-application.h"

G_BEGIN_DECLS

#define SL_TYPE_WINDOW (sl_window_get_type ())
G_DECLARE_FINAL_TYPE (SlWindow, sl_window, SL, WINDOW, AdwApplicationWindow)

SlWindow *sl_window_new        (SlApplication *app);
/* Shows a short message at the bottom (an AdwToast). */
void      sl_window_toast      (SlWindow      *self,
                                const char    *message);
/* Shows @error in human words (sl_ui_error_text) as a toast. */
void      sl_window_toast_error (SlWindow     *self,
                                 const GError *error);

/* Window actions the views use (see sl-window.c):
 *   win.watch-class (x: class id)        the watch view of a live class
 *   win.go-live (x: class id)            the teacher's go-live view
 *   win.play-recording (s: the recording, JSON as in the list) plays it
 *   win.back                             back to the views
 *   win.fullscreen, win.sign-out, win.profile, win.search */

G_END_DECLS
