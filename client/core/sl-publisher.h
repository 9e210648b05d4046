/* sl-publisher.h: captures, encodes (H.264 + Opus) and publishes a class by
 * WHIP; the teacher's app and `streamlet-edge publish`
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gst/gst.h>

#include "sl-api-client.h"
#include "sl-client-media.h"

G_BEGIN_DECLS

typedef enum {
  SL_VIDEO_SOURCE_NONE,
  SL_VIDEO_SOURCE_TEST,      /* a moving picture with a white flash each second */
  SL_VIDEO_SOURCE_CAMERA,    /* v4l2src; video_device or the first camera */
  SL_VIDEO_SOURCE_SCREEN,    /* the desktop portal (pipewiresrc) under Wayland, in a Flatpak or
                              * without DISPLAY, when a portal is there; ximagesrc
                              * otherwise. STREAMLET_SCREEN_PORTAL=1 or 0 forces
                              * one or the other */
} SlVideoSource;

typedef enum {
  SL_AUDIO_SOURCE_NONE,
  SL_AUDIO_SOURCE_TEST,      /* silence with a 100 ms beep at each flash */
  SL_AUDIO_SOURCE_MICROPHONE,/* autoaudiosrc */
} SlAudioSource;

typedef enum {
  SL_PRESET_360P,            /* 640x360 30 fps, 800 kbit/s */
  SL_PRESET_720P,            /* 1280x720 30 fps, 1500 kbit/s */
  SL_PRESET_1080P,           /* 1920x1080 30 fps, 3000 kbit/s */
} SlPreset;

/* FALSE when @name is not "360p", "720p" or "1080p". */
gboolean sl_preset_from_string (const char *name,
                                SlPreset   *preset);

typedef struct {
  SlVideoSource  video;
  const char    *video_device;   /* nullable: /dev/videoN for the camera */
  SlAudioSource  audio;
  SlPreset       preset;
  guint          keyframe_interval_s;   /* 0: 2 s; the server may ask for more */
} SlPublisherOptions;

#define SL_TYPE_PUBLISHER (sl_publisher_get_type ())
G_DECLARE_FINAL_TYPE (SlPublisher, sl_publisher, SL, PUBLISHER, GObject)

/* @api must be signed in as the class's teacher (or an admin).
 * @ice_addresses: as for SlPeer (NULL: every interface). */
SlPublisher   *sl_publisher_new          (SlApiClient               *api,
                                          gint64                     class_id,
                                          const SlPublisherOptions  *options,
                                          const char *const         *ice_addresses);
/* Checks the sources and plugins (MISSING_DEVICE, MISSING_PLUGIN naming the
 * Debian package), builds the pipeline, offers by WHIP (POST /whip/<id> with
 * the user's token, candidates trickled by PATCH) and resolves once the
 * WebRTC link is connected. Server refusals map as in SlApiClient. */
void           sl_publisher_start_async  (SlPublisher          *self,
                                          GCancellable         *cancellable,
                                          GAsyncReadyCallback   callback,
                                          gpointer              user_data);
gboolean       sl_publisher_start_finish (SlPublisher          *self,
                                          GAsyncResult         *result,
                                          GError              **error);
/* DELETE on the session's Location (best effort), then tears down. */
void           sl_publisher_stop         (SlPublisher          *self);
SlMediaState   sl_publisher_get_state    (SlPublisher          *self);
void           sl_publisher_get_stats    (SlPublisher          *self,
                                          SlMediaStats         *stats);

/* Called on a streaming thread with each frame about to be encoded,
 * downscaled to 320x180 RGBA (video/x-raw; the sample's caps say so),
 * for a preview of what is sent; late frames are dropped, never the
 * encoder's. The sample is only borrowed. */
typedef void (*SlPreviewFunc) (GstSample *sample,
                               gpointer   user_data);

/* The preview tap is built at start when a func is set (set it before
 * sl_publisher_start_async); the func may be replaced or cleared (NULL)
 * at any time, and @destroy runs once no call is in progress any more.
 * No video source: no frames. */
void           sl_publisher_set_preview_func (SlPublisher      *self,
                                              SlPreviewFunc     func,
                                              gpointer          user_data,
                                              GDestroyNotify    destroy);

/* Signals:
 *   "state-changed" (SlMediaState)
 *   "error" (GError *)  the link failed or the pipeline stopped; state FAILED */

G_END_DECLS
