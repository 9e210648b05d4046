/* sl-go-live-view.h: the teacher's broadcast: source pickers, preview,
 * start/end, viewers, raised hands, chat with moderation, stream key
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_GO_LIVE_VIEW (sl_go_live_view_get_type ())
G_DECLARE_FINAL_TYPE (SlGoLiveView, sl_go_live_view, SL, GO_LIVE_VIEW, AdwBin)

/* Shows the preview of the chosen sources; broadcasting starts on the
 * teacher's word. Disposing the view ends a broadcast under way. */
GtkWidget *sl_go_live_view_new (SlSession *session,
                                gint64     class_id);

G_END_DECLS
