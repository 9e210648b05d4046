/* fuzz-sdp.c: the SDP offer checks on arbitrary bytes, for WHIP and WHEP
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-sdp"

#include "config.h"

#include "sl-fuzz.h"
#include "sl-sdp.h"

#include <stdlib.h>
#include <string.h>

/* LeakSanitizer (ASan builds): GLib replaces its quark table with a larger
 * copy as it grows and leaves the old block to lock-free readers; GStreamer's
 * registry grows it at gst_init(), and GLib's constructor makes the first
 * one.  Library-internal and one-time: not leaks of ours.  GLib is built
 * without frame pointers, so the suppressions only match with the slow
 * unwinder. */
const char *__asan_default_options (void);
const char *__lsan_default_suppressions (void);

const char *
__asan_default_options (void)
{
  return "fast_unwind_on_malloc=0";
}

const char *
__lsan_default_suppressions (void)
{
  return "leak:g_intern_string\n"
         "leak:g_intern_static_string\n"
         "leak:g_quark_from_string\n"
         "leak:g_quark_from_static_string\n"
         "leak:_dl_init\n";
}

static void
check (const uint8_t *data,
       size_t         size,
       SlSdpNeeds     needs)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlSdpOffer) offer = NULL;
  guint n_medias;

  offer = sl_sdp_offer_parse ((const char *) data, size, needs, &error);
  if ((offer == NULL) == (error == NULL))
    abort ();
  if (offer == NULL)
    {
      if (error->domain != SL_MEDIA_ERROR || error->message == NULL ||
          (error->code != SL_MEDIA_ERROR_SDP_INVALID &&
           error->code != SL_MEDIA_ERROR_SDP_INSECURE &&
           error->code != SL_MEDIA_ERROR_SDP_NO_CODEC))
        abort ();
      if (!g_utf8_validate (error->message, -1, NULL))
        abort ();
      return;
    }

  /* What was accepted is consistent, and usable by the caps helpers. */
  if (size > SL_SDP_MAX_SIZE || offer->sdp == NULL)
    abort ();
  n_medias = gst_sdp_message_medias_len (offer->sdp);
  if (offer->video_mline < 0 && offer->audio_mline < 0)
    abort ();
  if (offer->video_mline >= (int) n_medias || offer->audio_mline >= (int) n_medias)
    abort ();
  if ((offer->video_mline >= 0) != (offer->h264_pt >= 0) ||
      (offer->audio_mline >= 0) != (offer->opus_pt >= 0))
    abort ();
  if (offer->h264_pt > 127 || offer->opus_pt > 127)
    abort ();
  if (offer->h264_pt >= 0)
    {
      g_autoptr(GstCaps) caps = sl_sdp_h264_rtp_caps (offer->h264_pt, offer->h264_fmtp);

      if (caps == NULL || !gst_caps_is_fixed (caps))
        abort ();
    }
  if (offer->opus_pt >= 0)
    {
      g_autoptr(GstCaps) caps = sl_sdp_opus_rtp_caps (offer->opus_pt);

      if (caps == NULL)
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialised;

  if (!initialised)
    {
      sl_media_init ();
      initialised = TRUE;
    }
  check (data, size, SL_SDP_NEED_SEND);
  check (data, size, SL_SDP_NEED_RECEIVE);
  return 0;
}
