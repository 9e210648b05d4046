/* sl-profile-dialog.h: the signed-in user's profile: display name and
 * password
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_PROFILE_DIALOG (sl_profile_dialog_get_type ())
G_DECLARE_FINAL_TYPE (SlProfileDialog, sl_profile_dialog, SL, PROFILE_DIALOG, AdwPreferencesWindow)

GtkWindow *sl_profile_dialog_new (SlSession *session);

G_END_DECLS
