/* sl-class-browser.h: the student's (and everyone's) view: Live now, Upcoming and Recordings, updated live from the hub; search
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_CLASS_BROWSER (sl_class_browser_get_type ())
G_DECLARE_FINAL_TYPE (SlClassBrowser, sl_class_browser, SL, CLASS_BROWSER, AdwBin)

/* The signed-in session to show (NULL when signed out: the page drops
 * everything it showed and stops its requests). */
void sl_class_browser_set_session (SlClassBrowser *self,
                                SlSession *session);

G_END_DECLS
