/* sl-watch-view.h: watching a live class: the video, volume, fullscreen,
 * chat, raising a hand, connection details, offline and ended states
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_WATCH_VIEW (sl_watch_view_get_type ())
G_DECLARE_FINAL_TYPE (SlWatchView, sl_watch_view, SL, WATCH_VIEW, AdwBin)

/* Starts watching @class_id at once; disposing the view stops it. */
GtkWidget *sl_watch_view_new (SlSession *session,
                              gint64     class_id);

G_END_DECLS
