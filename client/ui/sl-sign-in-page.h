/* sl-sign-in-page.h: server, user name, password and "stay signed in"
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_SIGN_IN_PAGE (sl_sign_in_page_get_type ())
G_DECLARE_FINAL_TYPE (SlSignInPage, sl_sign_in_page, SL, SIGN_IN_PAGE, AdwBin)

/* Fills the form from @settings (server, user name, stay signed in) and
 * signs in through @session. */
void sl_sign_in_page_setup       (SlSignInPage *self,
                                  SlSession    *session,
                                  GSettings    *settings);
/* Shows @message (nullable: none) above the button, e.g. why the last
 * session ended. */
void sl_sign_in_page_set_message (SlSignInPage *self,
                                  const char   *message);
/* Puts the focus where typing should start (password when the rest is
 * remembered). */
void sl_sign_in_page_focus       (SlSignInPage *self);

G_END_DECLS
