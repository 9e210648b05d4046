/* sl-user-editor.h: the admin's "New User" form: user name, display name,
 * password and role, checked before it is sent, the server's refusals in
 * words
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-api-client.h"

G_BEGIN_DECLS

#define SL_TYPE_USER_EDITOR (sl_user_editor_get_type ())
G_DECLARE_FINAL_TYPE (SlUserEditor, sl_user_editor, SL, USER_EDITOR, AdwWindow)

/* A modal window that creates an account through @api
 * (POST /api/admin/users) and closes once the server made it. */
SlUserEditor *sl_user_editor_new         (SlApiClient  *api);
/* The message the form shows now (a check that failed, or the server's
 * refusal in words), or NULL. */
const char   *sl_user_editor_get_message (SlUserEditor *self);

/* Signals:
 *   "user-created" (JsonObject *user)  the server's user object, just
 *       before the window closes */

G_END_DECLS
