/* sl-class-editor.h: the dialog that schedules a new class or edits one
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_CLASS_EDITOR (sl_class_editor_get_type ())
G_DECLARE_FINAL_TYPE (SlClassEditor, sl_class_editor, SL, CLASS_EDITOR, AdwWindow)

/* A modal window: @klass (a class object as the API gives it) to edit it
 * (PATCH /api/classes/<id>, only what changed), NULL to schedule a new one
 * (POST /api/classes). Checks the form before sending; shows the server's
 * refusal in words and stays open.
 * Signal "saved" (JsonObject *klass): the server's copy of the class after a
 * save; the window closes itself right after. */
SlClassEditor *sl_class_editor_new (SlSession  *session,
                                    JsonObject *klass);

G_END_DECLS
