/* sl-video-paintable.h: decoded video frames (GstSample, RGBA) as a
 * GdkPaintable for a GtkPicture: Debian 12 has no gtk4paintablesink
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gdk/gdk.h>
#include <gst/gst.h>

G_BEGIN_DECLS

#define SL_TYPE_VIDEO_PAINTABLE (sl_video_paintable_get_type ())
G_DECLARE_FINAL_TYPE (SlVideoPaintable, sl_video_paintable, SL, VIDEO_PAINTABLE, GObject)

SlVideoPaintable *sl_video_paintable_new              (void);
/* Any thread (a viewer's frame callback): the frame is shown from the next
 * main-context iteration on; frames arriving faster than they are drawn
 * replace each other. @sample is borrowed (video/x-raw, format RGBA). */
void              sl_video_paintable_push_sample      (SlVideoPaintable *self,
                                                       GstSample        *sample);
/* Back to empty (nothing drawn): the stream went offline or ended. */
void              sl_video_paintable_clear            (SlVideoPaintable *self);
/* Frames that reached the screen (were made into a texture). */
guint64           sl_video_paintable_get_frames_shown (SlVideoPaintable *self);

G_END_DECLS
