/* sl-chat-panel.h: a class's chat: history, live messages, sending
 * (Enter or Ctrl+Enter), and for the class's teacher deleting messages and
 * muting people
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "sl-session.h"

G_BEGIN_DECLS

#define SL_TYPE_CHAT_PANEL (sl_chat_panel_get_type ())
G_DECLARE_FINAL_TYPE (SlChatPanel, sl_chat_panel, SL, CHAT_PANEL, AdwBin)

GtkWidget *sl_chat_panel_new       (void);
/* Shows @class_id's chat through @session (history from the API, then the
 * hub's "chat", "chat_deleted" and "muted" messages); @moderate adds
 * delete and mute to each message (the class's teacher, an admin). NULL
 * @session: empty and idle. The panel joins the hub room itself. */
void       sl_chat_panel_set_class (SlChatPanel *self,
                                    SlSession   *session,
                                    gint64       class_id,
                                    gboolean     moderate);

G_END_DECLS
