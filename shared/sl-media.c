/* sl-media.c: the media error domain, GStreamer start-up and plugin checks
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-media"

#include "config.h"

#include "sl-media.h"

#include <string.h>

G_DEFINE_QUARK (sl-media-error-quark, sl_media_error)

/* Which Debian 12 package ships each element we may need (checked with
 * dpkg -S on the plugin files of GStreamer 1.22). */
static const struct {
  const char *element;
  const char *package;
} element_packages[] = {
  /* core */
  { "capsfilter", "libgstreamer1.0-0" },
  { "fakesink", "libgstreamer1.0-0" },
  { "filesink", "libgstreamer1.0-0" },
  { "filesrc", "libgstreamer1.0-0" },
  { "identity", "libgstreamer1.0-0" },
  { "queue", "libgstreamer1.0-0" },
  { "queue2", "libgstreamer1.0-0" },
  { "tee", "libgstreamer1.0-0" },
  /* base */
  { "appsink", "gstreamer1.0-plugins-base" },
  { "appsrc", "gstreamer1.0-plugins-base" },
  { "audioconvert", "gstreamer1.0-plugins-base" },
  { "audiomixer", "gstreamer1.0-plugins-base" },
  { "audioresample", "gstreamer1.0-plugins-base" },
  { "audiotestsrc", "gstreamer1.0-plugins-base" },
  { "compositor", "gstreamer1.0-plugins-base" },
  { "decodebin", "gstreamer1.0-plugins-base" },
  { "opusdec", "gstreamer1.0-plugins-base" },
  { "opusenc", "gstreamer1.0-plugins-base" },
  { "videoconvert", "gstreamer1.0-plugins-base" },
  { "videorate", "gstreamer1.0-plugins-base" },
  { "videoscale", "gstreamer1.0-plugins-base" },
  { "videotestsrc", "gstreamer1.0-plugins-base" },
  /* good */
  { "aacparse", "gstreamer1.0-plugins-good" },
  { "autoaudiosink", "gstreamer1.0-plugins-good" },
  { "autoaudiosrc", "gstreamer1.0-plugins-good" },
  { "autovideosink", "gstreamer1.0-plugins-good" },
  { "matroskamux", "gstreamer1.0-plugins-good" },
  { "mp4mux", "gstreamer1.0-plugins-good" },
  { "pulsesink", "gstreamer1.0-plugins-good" },
  { "pulsesrc", "gstreamer1.0-plugins-good" },
  { "qtdemux", "gstreamer1.0-plugins-good" },
  { "qtmux", "gstreamer1.0-plugins-good" },
  { "rtpbin", "gstreamer1.0-plugins-good" },
  { "rtph264depay", "gstreamer1.0-plugins-good" },
  { "rtph264pay", "gstreamer1.0-plugins-good" },
  { "rtpjitterbuffer", "gstreamer1.0-plugins-good" },
  { "rtpopusdepay", "gstreamer1.0-plugins-good" },
  { "rtpopuspay", "gstreamer1.0-plugins-good" },
  { "rtprtxreceive", "gstreamer1.0-plugins-good" },
  { "rtprtxsend", "gstreamer1.0-plugins-good" },
  { "splitmuxsink", "gstreamer1.0-plugins-good" },
  { "splitmuxsrc", "gstreamer1.0-plugins-good" },
  { "v4l2src", "gstreamer1.0-plugins-good" },
  { "ximagesrc", "gstreamer1.0-plugins-good" },
  /* bad */
  { "dtlsdec", "gstreamer1.0-plugins-bad" },
  { "dtlsenc", "gstreamer1.0-plugins-bad" },
  { "dtlssrtpdec", "gstreamer1.0-plugins-bad" },
  { "dtlssrtpenc", "gstreamer1.0-plugins-bad" },
  { "h264parse", "gstreamer1.0-plugins-bad" },
  { "hlssink2", "gstreamer1.0-plugins-bad" },
  { "mpegtsmux", "gstreamer1.0-plugins-bad" },
  { "openh264dec", "gstreamer1.0-plugins-bad" },
  { "openh264enc", "gstreamer1.0-plugins-bad" },
  { "opusparse", "gstreamer1.0-plugins-bad" },
  { "srtpdec", "gstreamer1.0-plugins-bad" },
  { "srtpenc", "gstreamer1.0-plugins-bad" },
  { "tsdemux", "gstreamer1.0-plugins-bad" },
  { "voaacenc", "gstreamer1.0-plugins-bad" },
  { "webrtcbin", "gstreamer1.0-plugins-bad" },
  /* ugly, libav, nice, pipewire */
  { "x264enc", "gstreamer1.0-plugins-ugly" },
  { "avdec_h264", "gstreamer1.0-libav" },
  { "avenc_aac", "gstreamer1.0-libav" },
  { "nicesink", "gstreamer1.0-nice" },
  { "nicesrc", "gstreamer1.0-nice" },
  { "pipewiresrc", "gstreamer1.0-pipewire" },
};

static const char *const server_elements[] = {
  /* WebRTC ingest and egress: webrtcbin makes the others itself. */
  "webrtcbin", "nicesrc", "nicesink", "dtlssrtpenc", "dtlssrtpdec",
  "srtpenc", "srtpdec", "rtpbin", "rtpjitterbuffer",
  /* The forwarder: no decoding of video. */
  "rtph264depay", "rtph264pay", "rtpopusdepay", "rtpopuspay",
  "h264parse", "tee", "queue", "capsfilter", "fakesink",
  /* HLS and the recording: Opus → AAC, MPEG-TS segments, MP4 export. */
  "opusdec", "audioconvert", "audioresample", "avenc_aac", "aacparse",
  "mpegtsmux", "splitmuxsink", "filesink", "filesrc", "tsdemux", "mp4mux",
  NULL,
};

void
sl_media_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      /* gst_init() is idempotent itself, but it must not race. */
      gst_init (NULL, NULL);
      g_once_init_leave (&initialised, 1);
    }
}

const char *
sl_media_element_package (const char *element)
{
  g_return_val_if_fail (element != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (element_packages); i++)
    if (strcmp (element_packages[i].element, element) == 0)
      return element_packages[i].package;
  return NULL;
}

gboolean
sl_media_check_elements (const char *const *elements,
                         GError           **error)
{
  g_autoptr(GString) missing = NULL;

  g_return_val_if_fail (elements != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sl_media_init ();

  for (gsize i = 0; elements[i] != NULL; i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (elements[i]);
      const char *package;

      if (factory != NULL)
        continue;

      if (missing == NULL)
        missing = g_string_new ("missing GStreamer elements: ");
      else
        g_string_append (missing, ", ");
      g_string_append (missing, elements[i]);
      package = sl_media_element_package (elements[i]);
      if (package != NULL)
        g_string_append_printf (missing, " (install %s)", package);
      else
        g_string_append (missing, " (package unknown)");
    }

  if (missing != NULL)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_MISSING_PLUGIN, missing->str);
      return FALSE;
    }
  return TRUE;
}

const char *const *
sl_media_server_elements (void)
{
  return server_elements;
}
