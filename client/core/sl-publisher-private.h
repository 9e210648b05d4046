/* sl-publisher-private.h: how SlPublisher chooses and describes its screen
 * source, for the tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-publisher.h"
#include "sl-screencast.h"

G_BEGIN_DECLS

/* Whether the screen comes through the desktop portal (pipewiresrc) rather
 * than ximagesrc, for the environment @envp: STREAMLET_SCREEN_PORTAL=1
 * says yes and =0 no; otherwise yes when @portal_available (asked only
 * then) and DISPLAY is unset, the session is Wayland (WAYLAND_DISPLAY, or
 * XDG_SESSION_TYPE=wayland) or @in_flatpak. */
gboolean _sl_publisher_screen_uses_portal (const char *const *envp,
                                           gboolean           in_flatpak,
                                           gboolean         (*portal_available) (void));

/* The video branch as the publisher builds it (a gst-launch description):
 * @camera for the camera source; for the screen, @screencast's PipeWire
 * stream, or ximagesrc when it is NULL. */
char    *_sl_publisher_describe_video     (SlPublisher       *self,
                                           const char        *camera,
                                           SlScreencast      *screencast);

G_END_DECLS
