/* sl-ui-errors.h: errors in the words the app shows (toasts, banners)
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One or two translated sentences for @error, for a person, not a log. */
char *sl_ui_error_text (const GError *error);

G_END_DECLS
