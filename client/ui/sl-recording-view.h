/* sl-recording-view.h: playing a class recording, with seeking
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SL_TYPE_RECORDING_VIEW (sl_recording_view_get_type ())
G_DECLARE_FINAL_TYPE (SlRecordingView, sl_recording_view, SL, RECORDING_VIEW, AdwBin)

/* @recording: one element of GET /api/classes/<id>/recordings
 * ({id, class_id, playlist_url, mp4_url, duration_ms, …}). */
GtkWidget *sl_recording_view_new (SlSession  *session,
                                  JsonObject *recording);

G_END_DECLS
