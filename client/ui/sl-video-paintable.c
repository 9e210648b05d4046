/* sl-video-paintable.c: decoded video frames as a GdkPaintable: the newest
 * frame of a streaming thread becomes a texture on the main context
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-video-paintable"

#include "config.h"

#include "sl-video-paintable.h"

#include <gst/video/video.h>

struct _SlVideoPaintable {
  GObject       parent_instance;

  GMainContext *context;       /* where frames become textures */

  GMutex        lock;          /* guards the two below (streaming threads) */
  GstSample    *pending;       /* the newest frame not shown yet */
  GSource      *idle;          /* scheduled to show it */

  /* main context only */
  GdkTexture   *texture;
  int           width;         /* intrinsic size: the frame's, pixel aspect applied */
  int           height;
  guint64       frames_shown;
};

static void sl_video_paintable_iface_init (GdkPaintableInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SlVideoPaintable, sl_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      sl_video_paintable_iface_init))

/* ---- GdkPaintable ---------------------------------------------------------- */

static void
sl_video_paintable_snapshot (GdkPaintable *paintable,
                             GdkSnapshot  *snapshot,
                             double        width,
                             double        height)
{
  SlVideoPaintable *self = SL_VIDEO_PAINTABLE (paintable);

  /* GtkPicture sizes and centres us (letterboxed); nothing drawn while empty
   * lets the picture's own background (black, .sl-video) show */
  if (self->texture != NULL)
    gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot, width, height);
}

static GdkPaintable *
sl_video_paintable_get_current_image (GdkPaintable *paintable)
{
  SlVideoPaintable *self = SL_VIDEO_PAINTABLE (paintable);

  if (self->texture != NULL)
    return GDK_PAINTABLE (g_object_ref (self->texture));
  return gdk_paintable_new_empty (self->width, self->height);
}

static int
sl_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return SL_VIDEO_PAINTABLE (paintable)->width;
}

static int
sl_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  return SL_VIDEO_PAINTABLE (paintable)->height;
}

static double
sl_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  SlVideoPaintable *self = SL_VIDEO_PAINTABLE (paintable);

  return self->height > 0 ? (double) self->width / self->height : 0;
}

static void
sl_video_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = sl_video_paintable_snapshot;
  iface->get_current_image = sl_video_paintable_get_current_image;
  iface->get_intrinsic_width = sl_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = sl_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = sl_video_paintable_get_intrinsic_aspect_ratio;
}

/* ---- frames ------------------------------------------------------------------ */

/* A copy of @sample's picture as a texture, and its display size; NULL when
 * the sample is not RGBA video. */
static GdkTexture *
texture_from_sample (GstSample *sample,
                     int       *display_width,
                     int       *display_height)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstCaps *caps = gst_sample_get_caps (sample);
  g_autoptr(GBytes) bytes = NULL;
  GstVideoInfo info;
  GstVideoFrame frame;
  GdkTexture *texture;
  int width, height, stride;

  if (buffer == NULL || caps == NULL || !gst_video_info_from_caps (&info, caps))
    return NULL;
  if (GST_VIDEO_INFO_FORMAT (&info) != GST_VIDEO_FORMAT_RGBA)
    {
      g_warning ("frames must be RGBA, not %s",
                 gst_video_format_to_string (GST_VIDEO_INFO_FORMAT (&info)));
      return NULL;
    }
  if (!gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return NULL;

  width = GST_VIDEO_FRAME_WIDTH (&frame);
  height = GST_VIDEO_FRAME_HEIGHT (&frame);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (&frame, 0);
  /* the frame is the pipeline's: the texture keeps a copy */
  bytes = g_bytes_new (GST_VIDEO_FRAME_PLANE_DATA (&frame, 0), (gsize) stride * height);
  gst_video_frame_unmap (&frame);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, stride);

  *display_height = height;
  *display_width = width;
  if (GST_VIDEO_INFO_PAR_N (&info) > 0 && GST_VIDEO_INFO_PAR_D (&info) > 0 &&
      GST_VIDEO_INFO_PAR_N (&info) != GST_VIDEO_INFO_PAR_D (&info))
    *display_width = (int) gst_util_uint64_scale_int (width, GST_VIDEO_INFO_PAR_N (&info),
                                                      GST_VIDEO_INFO_PAR_D (&info));
  return texture;
}

static gboolean
show_pending_cb (gpointer data)
{
  SlVideoPaintable *self = data;
  g_autoptr(GstSample) sample = NULL;
  GdkTexture *texture;
  int width = 0, height = 0;

  g_mutex_lock (&self->lock);
  sample = g_steal_pointer (&self->pending);
  g_clear_pointer (&self->idle, g_source_unref);
  g_mutex_unlock (&self->lock);

  if (sample == NULL)
    return G_SOURCE_REMOVE;   /* cleared meanwhile */
  texture = texture_from_sample (sample, &width, &height);
  if (texture == NULL)
    return G_SOURCE_REMOVE;

  g_clear_object (&self->texture);
  self->texture = texture;
  self->frames_shown++;
  if (width != self->width || height != self->height)
    {
      self->width = width;
      self->height = height;
      gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
    }
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
  return G_SOURCE_REMOVE;
}

void
sl_video_paintable_push_sample (SlVideoPaintable *self,
                                GstSample        *sample)
{
  GstSample *old;

  g_return_if_fail (SL_IS_VIDEO_PAINTABLE (self));
  g_return_if_fail (sample != NULL);

  g_mutex_lock (&self->lock);
  old = self->pending;
  self->pending = gst_sample_ref (sample);
  if (self->idle == NULL)
    {
      /* the source holds a reference, dropped on the main context */
      self->idle = g_idle_source_new ();
      g_source_set_priority (self->idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->idle, show_pending_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->idle, "[sl-video-paintable] frame");
      g_source_attach (self->idle, self->context);
    }
  g_mutex_unlock (&self->lock);
  /* a frame not drawn in time is simply dropped */
  if (old != NULL)
    gst_sample_unref (old);
}

void
sl_video_paintable_clear (SlVideoPaintable *self)
{
  GstSample *old;
  gboolean had_size;

  g_return_if_fail (SL_IS_VIDEO_PAINTABLE (self));

  g_mutex_lock (&self->lock);
  old = g_steal_pointer (&self->pending);
  g_mutex_unlock (&self->lock);
  if (old != NULL)
    gst_sample_unref (old);

  had_size = self->width != 0 || self->height != 0;
  g_clear_object (&self->texture);
  self->width = self->height = 0;
  if (had_size)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}

guint64
sl_video_paintable_get_frames_shown (SlVideoPaintable *self)
{
  g_return_val_if_fail (SL_IS_VIDEO_PAINTABLE (self), 0);

  return self->frames_shown;
}

/* ---- the object ---------------------------------------------------------------- */

static void
sl_video_paintable_finalize (GObject *object)
{
  SlVideoPaintable *self = SL_VIDEO_PAINTABLE (object);

  /* a scheduled source holds a reference: only a context destroyed
   * before it ran leaves one here */
  g_clear_pointer (&self->idle, g_source_unref);
  g_clear_pointer (&self->pending, gst_sample_unref);
  g_clear_object (&self->texture);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (sl_video_paintable_parent_class)->finalize (object);
}

static void
sl_video_paintable_class_init (SlVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sl_video_paintable_finalize;
}

static void
sl_video_paintable_init (SlVideoPaintable *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
}

SlVideoPaintable *
sl_video_paintable_new (void)
{
  return g_object_new (SL_TYPE_VIDEO_PAINTABLE, NULL);
}
