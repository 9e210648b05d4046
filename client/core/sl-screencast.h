/* sl-screencast.h: the screen through the desktop portal (ScreenCast over
 * D-Bus), handed to PipeWire as a file descriptor and a node id
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SL_TYPE_SCREENCAST (sl_screencast_get_type ())
G_DECLARE_FINAL_TYPE (SlScreencast, sl_screencast, SL, SCREENCAST, GObject)

/* Whether the session bus has the desktop portal (running or activatable)
 * and it offers screen casting. Synchronous, bounded by a short timeout. */
gboolean      sl_screencast_portal_available   (void);

/* Asks the portal for one screen or window (the user chooses; the mouse
 * pointer drawn into the picture when the portal can): CreateSession,
 * SelectSources, Start, then OpenPipeWireRemote. Gives up after 60 s
 * without an answer. Errors: SL_CLIENT_ERROR_MISSING_DEVICE (the user
 * cancelled, no portal, the portal failed or did not answer) or
 * G_IO_ERROR_CANCELLED. Callbacks come on the thread-default main context
 * of the caller. */
void          sl_screencast_start_async        (GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
SlScreencast *sl_screencast_start_finish       (GAsyncResult         *result,
                                                GError              **error);

/* The PipeWire connection (owned by @self, closed with it) and the node of
 * the chosen stream: pipewiresrc fd=… path=…. */
int           sl_screencast_get_fd             (SlScreencast         *self);
guint32       sl_screencast_get_node_id        (SlScreencast         *self);
/* FALSE when the portal did not say how big the stream is. */
gboolean      sl_screencast_get_size           (SlScreencast         *self,
                                                int                  *width,
                                                int                  *height);
const char   *sl_screencast_get_session_handle (SlScreencast         *self);
/* FALSE once closed, by sl_screencast_close() or by the portal (the user
 * stopped sharing from the desktop). */
gboolean      sl_screencast_is_active          (SlScreencast         *self);
/* Closes the portal session (best effort, not waited for) and the file
 * descriptor. Idempotent; the last unref does it too. */
void          sl_screencast_close              (SlScreencast         *self);

G_END_DECLS
