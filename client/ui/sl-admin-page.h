/* sl-admin-page.h: the admin's view: users (list, search, create, change role, disable) and the overview dashboard
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_ADMIN_PAGE (sl_admin_page_get_type ())
G_DECLARE_FINAL_TYPE (SlAdminPage, sl_admin_page, SL, ADMIN_PAGE, AdwBin)

/* The signed-in session to show (NULL when signed out: the page drops
 * everything it showed and stops its requests). */
void sl_admin_page_set_session (SlAdminPage *self,
                                SlSession *session);

G_END_DECLS
