/* sl-application.h: the streamlet desktop app
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_APPLICATION (sl_application_get_type ())
G_DECLARE_FINAL_TYPE (SlApplication, sl_application, SL, APPLICATION, AdwApplication)

SlApplication *sl_application_new          (void);
SlSession     *sl_application_get_session  (SlApplication *self);
GSettings     *sl_application_get_settings (SlApplication *self);

G_END_DECLS
