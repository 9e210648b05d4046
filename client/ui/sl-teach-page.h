/* sl-teach-page.h: the teacher's view: their classes (schedule, edit, cancel) and going live
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_TEACH_PAGE (sl_teach_page_get_type ())
G_DECLARE_FINAL_TYPE (SlTeachPage, sl_teach_page, SL, TEACH_PAGE, AdwBin)

/* The signed-in session to show (NULL when signed out: the page drops
 * everything it showed and stops its requests). */
void sl_teach_page_set_session (SlTeachPage *self,
                                SlSession *session);

G_END_DECLS
