/* sl-sdp.c: strict checks on SDP offers from outside, and codec choice
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-sdp"

#include "config.h"

#include "sl-sdp.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MEDIAS 32   /* WHIP/WHEP offers carry two; browsers a few more */

/* The offer's text must look like SDP line by line before GstSDPMessage,
 * which accepts nearly anything, sees it: "<letter>=<value>" lines, no NUL
 * and no other control characters, UTF-8, starting with "v=0". */
static gboolean
check_lines (const char  *text,
             gsize        length,
             GError     **error)
{
  const char *p = text;
  const char *end = text + length;
  guint line_no = 0;

  if (length < 4 || memcmp (text, "v=0", 3) != 0 || (text[3] != '\r' && text[3] != '\n'))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           "the offer is not SDP: it must start with the line \"v=0\"");
      return FALSE;
    }
  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           "the offer is not valid UTF-8");
      return FALSE;
    }

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      const char *line_end = eol != NULL ? eol : end;

      line_no++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      if (line_end > p)
        {
          if (line_end - p < 2 || !g_ascii_islower (p[0]) || p[1] != '=')
            {
              g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           "the offer is not SDP: line %u is not of the form \"x=value\"",
                           line_no);
              return FALSE;
            }
          for (const char *c = p; c < line_end; c++)
            if ((guchar) *c < 0x20 && *c != '\t')
              {
                g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                             "the offer is not SDP: line %u has a control character",
                             line_no);
                return FALSE;
              }
        }
      p = eol != NULL ? eol + 1 : end;
    }
  return TRUE;
}

/* The attribute @key at media level, else at session level. */
static const char *
get_attribute (const GstSDPMessage *sdp,
               const GstSDPMedia   *media,
               const char          *key)
{
  const char *value = gst_sdp_media_get_attribute_val (media, key);

  if (value == NULL)
    value = gst_sdp_message_get_attribute_val (sdp, key);
  return value;
}

static gboolean
has_attribute (const GstSDPMessage *sdp,
               const GstSDPMedia   *media,
               const char          *key)
{
  guint n = gst_sdp_media_attributes_len (media);

  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gst_sdp_media_get_attribute (media, i)->key, key) == 0)
      return TRUE;
  n = gst_sdp_message_attributes_len (sdp);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gst_sdp_message_get_attribute (sdp, i)->key, key) == 0)
      return TRUE;
  return FALSE;
}

/* The offerer's direction for @media: which of send and receive it does. */
static SlSdpNeeds
media_direction (const GstSDPMessage *sdp,
                 const GstSDPMedia   *media)
{
  static const struct {
    const char *key;
    SlSdpNeeds  dir;
  } dirs[] = {
    { "sendrecv", SL_SDP_NEED_SEND | SL_SDP_NEED_RECEIVE },
    { "sendonly", SL_SDP_NEED_SEND },
    { "recvonly", SL_SDP_NEED_RECEIVE },
    { "inactive", 0 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (gst_sdp_media_get_attribute_val (media, dirs[i].key) != NULL)
      return dirs[i].dir;
  for (gsize i = 0; i < G_N_ELEMENTS (dirs); i++)
    if (gst_sdp_message_get_attribute_val (sdp, dirs[i].key) != NULL)
      return dirs[i].dir;
  return SL_SDP_NEED_SEND | SL_SDP_NEED_RECEIVE;
}

static gboolean
valid_fingerprint (const char *value)
{
  static const char *const hashes[] = {
    "sha-1 ", "sha-224 ", "sha-256 ", "sha-384 ", "sha-512 ",
  };
  const char *hex = NULL;
  gsize n_bytes = 0;

  if (value == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (hashes); i++)
    if (g_ascii_strncasecmp (value, hashes[i], strlen (hashes[i])) == 0)
      hex = value + strlen (hashes[i]);
  if (hex == NULL)
    return FALSE;

  /* "AB:CD:…": at least 20 bytes (SHA-1). */
  for (const char *p = hex; *p != '\0'; p += 3)
    {
      if (!g_ascii_isxdigit (p[0]) || !g_ascii_isxdigit (p[1]))
        return FALSE;
      n_bytes++;
      if (p[2] == '\0')
        break;
      if (p[2] != ':')
        return FALSE;
    }
  return n_bytes >= 20;
}

/* The payload type named by the start of an "a=rtpmap"/"a=fmtp" value,
 * with the rest after one space in @rest. */
static int
parse_pt (const char  *value,
          const char **rest)
{
  char *end = NULL;
  guint64 pt;

  if (value == NULL || !g_ascii_isdigit (value[0]))
    return -1;
  pt = g_ascii_strtoull (value, &end, 10);
  if (pt > 127 || end == value || *end != ' ')
    return -1;
  *rest = end + 1;
  return (int) pt;
}

/* The "a=fmtp" parameters for @pt, or NULL. */
static const char *
get_fmtp (const GstSDPMedia *media,
          int                pt)
{
  for (guint i = 0;; i++)
    {
      const char *value = gst_sdp_media_get_attribute_val_n (media, "fmtp", i);
      const char *rest = NULL;

      if (value == NULL)
        return NULL;
      if (parse_pt (value, &rest) == pt)
        return rest;
    }
}

/* One "key=value" parameter of an fmtp line (case-insensitive key), newly
 * allocated, or NULL. */
static char *
fmtp_param (const char *fmtp,
            const char *key)
{
  g_auto(GStrv) params = NULL;
  gsize key_len = strlen (key);

  if (fmtp == NULL)
    return NULL;
  params = g_strsplit (fmtp, ";", 0);
  for (gsize i = 0; params[i] != NULL; i++)
    {
      const char *p = params[i];

      while (*p == ' ')
        p++;
      if (g_ascii_strncasecmp (p, key, key_len) == 0 && p[key_len] == '=')
        return g_strstrip (g_strdup (p + key_len + 1));
    }
  return NULL;
}

/* How much we like an H.264 format: 0 unusable, 1 mode 1 of any profile,
 * 2 constrained baseline, 3 constrained baseline level 3.1 (what every
 * browser decodes in hardware and x264 zerolatency sends). */
static int
h264_score (const char *fmtp)
{
  g_autofree char *mode = fmtp_param (fmtp, "packetization-mode");
  g_autofree char *profile = fmtp_param (fmtp, "profile-level-id");
  guint64 idc = 0, iop = 0;

  if (g_strcmp0 (mode, "1") != 0)
    return 0;
  if (profile == NULL || strlen (profile) != 6)
    return 1;
  for (int i = 0; i < 6; i++)
    if (!g_ascii_isxdigit (profile[i]))
      return 1;
  if (g_ascii_strcasecmp (profile, "42e01f") == 0 ||
      g_ascii_strcasecmp (profile, "42001f") == 0)
    return 3;
  idc = (g_ascii_xdigit_value (profile[0]) << 4) | g_ascii_xdigit_value (profile[1]);
  iop = (g_ascii_xdigit_value (profile[2]) << 4) | g_ascii_xdigit_value (profile[3]);
  /* Baseline with constraint_set1 (constrained baseline), or 42 with no
   * constraint that x264's baseline streams decode with. */
  if (idc == 0x42 && ((iop & 0x40) != 0 || iop == 0))
    return 2;
  return 1;
}

/* Picks the best H.264 (@video) or Opus payload type of @media; -1 if none.
 * Appends the codec names seen to @seen. */
static int
choose_pt (const GstSDPMedia *media,
           gboolean           video,
           char             **fmtp_out,
           GString           *seen)
{
  int best_pt = -1;
  int best_score = 0;

  for (guint i = 0;; i++)
    {
      const char *value = gst_sdp_media_get_attribute_val_n (media, "rtpmap", i);
      const char *rest = NULL;
      g_autofree char *name = NULL;
      int pt;
      int score;

      if (value == NULL)
        break;
      pt = parse_pt (value, &rest);
      if (pt < 0)
        continue;
      name = g_strndup (rest, strcspn (rest, "/ "));
      if (seen != NULL && strstr (seen->str, name) == NULL &&
          g_utf8_validate (name, -1, NULL) && seen->len < 256)
        g_string_append_printf (seen, "%s%s", seen->len > 0 ? ", " : "", name);

      if (video)
        {
          if (g_ascii_strncasecmp (rest, "H264/90000", 10) != 0)
            continue;
          score = h264_score (get_fmtp (media, pt));
        }
      else
        {
          score = g_ascii_strncasecmp (rest, "opus/48000", 10) == 0 ? 1 : 0;
        }
      if (score > best_score)
        {
          best_score = score;
          best_pt = pt;
        }
    }

  if (video && best_pt >= 0 && fmtp_out != NULL)
    *fmtp_out = g_strdup (get_fmtp (media, best_pt));
  return best_pt;
}

static const char *
needs_to_string (SlSdpNeeds needs)
{
  if ((needs & SL_SDP_NEED_SEND) && (needs & SL_SDP_NEED_RECEIVE))
    return "sendrecv";
  if (needs & SL_SDP_NEED_SEND)
    return "sendonly or sendrecv";
  if (needs & SL_SDP_NEED_RECEIVE)
    return "recvonly or sendrecv";
  return "any direction";
}

SlSdpOffer *
sl_sdp_offer_parse (const char  *text,
                    gsize        length,
                    SlSdpNeeds   needs,
                    GError     **error)
{
  g_autoptr(SlSdpOffer) offer = NULL;
  g_autoptr(GstSDPMessage) sdp = NULL;
  g_autofree char *copy = NULL;
  g_autoptr(GString) seen_video = g_string_new (NULL);
  g_autoptr(GString) seen_audio = g_string_new (NULL);
  gboolean session_fingerprint;
  gboolean session_ice;
  guint n_medias;
  guint n_live = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (length > SL_SDP_MAX_SIZE)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                   "the offer is %" G_GSIZE_FORMAT " bytes; at most %d are accepted",
                   length, SL_SDP_MAX_SIZE);
      return NULL;
    }
  if (length == 0 || memchr (text, '\0', length) != NULL)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           length == 0 ? "the offer is empty" : "the offer contains a NUL byte");
      return NULL;
    }
  if (!check_lines (text, length, error))
    return NULL;

  copy = g_strndup (text, length);
  if (gst_sdp_message_new (&sdp) != GST_SDP_OK ||
      gst_sdp_message_parse_buffer ((const guint8 *) copy, length, sdp) != GST_SDP_OK)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           "the offer could not be parsed as SDP");
      return NULL;
    }

  n_medias = gst_sdp_message_medias_len (sdp);
  if (n_medias == 0)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                           "the offer has no media section (m= line)");
      return NULL;
    }
  if (n_medias > MAX_MEDIAS)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                   "the offer has %u media sections; at most %d are accepted",
                   n_medias, MAX_MEDIAS);
      return NULL;
    }

  session_fingerprint = gst_sdp_message_get_attribute_val (sdp, "fingerprint") != NULL;
  if (session_fingerprint &&
      !valid_fingerprint (gst_sdp_message_get_attribute_val (sdp, "fingerprint")))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INSECURE,
                           "the offer's a=fingerprint is not \"sha-256 AB:CD:…\"");
      return NULL;
    }
  session_ice = gst_sdp_message_get_attribute_val (sdp, "ice-ufrag") != NULL &&
                gst_sdp_message_get_attribute_val (sdp, "ice-pwd") != NULL;

  offer = g_new0 (SlSdpOffer, 1);
  offer->video_mline = -1;
  offer->audio_mline = -1;
  offer->h264_pt = -1;
  offer->opus_pt = -1;

  for (guint i = 0; i < n_medias; i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      const char *kind = gst_sdp_media_get_media (media);
      const char *proto = gst_sdp_media_get_proto (media);
      const char *fingerprint = gst_sdp_media_get_attribute_val (media, "fingerprint");
      gboolean is_video = g_strcmp0 (kind, "video") == 0;
      gboolean is_audio = g_strcmp0 (kind, "audio") == 0;
      SlSdpNeeds dir;
      int pt;

      /* Port 0: rejected by the offerer itself, unless "bundle-only"
       * (RFC 8843; webrtcbin's max-bundle offers do that). */
      if (gst_sdp_media_get_port (media) == 0 &&
          gst_sdp_media_get_attribute_val (media, "bundle-only") == NULL)
        continue;
      n_live++;

      if (g_strcmp0 (kind, "application") == 0 && g_strcmp0 (proto, "UDP/DTLS/SCTP") == 0)
        ;   /* a data channel: secure, and left unanswered */
      else if (g_strcmp0 (proto, "UDP/TLS/RTP/SAVPF") != 0)
        {
          g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INSECURE,
                       "m= line %u uses the profile \"%s\"; WebRTC needs "
                       "\"UDP/TLS/RTP/SAVPF\" (DTLS-SRTP)", i, proto != NULL ? proto : "");
          return NULL;
        }

      if (fingerprint != NULL ? !valid_fingerprint (fingerprint) : !session_fingerprint)
        {
          g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INSECURE,
                       fingerprint != NULL
                       ? "m= line %u has an a=fingerprint that is not \"sha-256 AB:CD:…\""
                       : "m= line %u has no DTLS a=fingerprint (at session or media level)",
                       i);
          return NULL;
        }
      if (!session_ice &&
          (gst_sdp_media_get_attribute_val (media, "ice-ufrag") == NULL ||
           gst_sdp_media_get_attribute_val (media, "ice-pwd") == NULL))
        {
          g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID,
                       "m= line %u has no ICE credentials (a=ice-ufrag and a=ice-pwd, "
                       "at session or media level)", i);
          return NULL;
        }
      if (has_attribute (sdp, media, "ice-options") &&
          strstr (get_attribute (sdp, media, "ice-options"), "trickle") != NULL)
        offer->trickle = TRUE;

      if (!is_video && !is_audio)
        continue;
      pt = choose_pt (media, is_video, NULL, is_video ? seen_video : seen_audio);
      if (pt < 0)
        continue;
      dir = media_direction (sdp, media);
      if ((dir & needs) != needs)
        continue;

      if (is_video && offer->video_mline < 0)
        {
          offer->video_mline = i;
          offer->h264_pt = choose_pt (media, TRUE, &offer->h264_fmtp, NULL);
        }
      else if (is_audio && offer->audio_mline < 0)
        {
          offer->audio_mline = i;
          offer->opus_pt = pt;
        }
    }

  if (n_live == 0)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_NO_CODEC,
                           "every m= line of the offer has port 0 (rejected)");
      return NULL;
    }
  if (offer->video_mline < 0 && offer->audio_mline < 0)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_NO_CODEC,
                   "the offer has neither H.264 video (packetization-mode=1) nor Opus "
                   "audio that is %s; it offers video: %s; audio: %s",
                   needs_to_string (needs),
                   seen_video->len > 0 ? seen_video->str : "none",
                   seen_audio->len > 0 ? seen_audio->str : "none");
      return NULL;
    }

  offer->sdp = g_steal_pointer (&sdp);
  return g_steal_pointer (&offer);
}

void
sl_sdp_offer_free (SlSdpOffer *offer)
{
  if (offer == NULL)
    return;
  g_clear_pointer (&offer->sdp, gst_sdp_message_free);
  g_free (offer->h264_fmtp);
  g_free (offer);
}

GstCaps *
sl_sdp_h264_rtp_caps (int         pt,
                      const char *fmtp)
{
  g_autofree char *mode = NULL;
  g_autofree char *profile = NULL;
  GstCaps *caps;

  g_return_val_if_fail (pt >= 0 && pt <= 127, NULL);

  caps = gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING, "video",
                              "encoding-name", G_TYPE_STRING, "H264",
                              "clock-rate", G_TYPE_INT, 90000,
                              "payload", G_TYPE_INT, pt,
                              NULL);
  /* webrtcbin intersects these with the offer's format, so the two fields
   * that matter take the offer's spelling. */
  mode = fmtp_param (fmtp, "packetization-mode");
  profile = fmtp_param (fmtp, "profile-level-id");
  gst_caps_set_simple (caps, "packetization-mode", G_TYPE_STRING, mode != NULL ? mode : "1", NULL);
  if (profile != NULL && g_utf8_validate (profile, -1, NULL))
    gst_caps_set_simple (caps, "profile-level-id", G_TYPE_STRING, profile, NULL);
  return caps;
}

GstCaps *
sl_sdp_opus_rtp_caps (int pt)
{
  g_return_val_if_fail (pt >= 0 && pt <= 127, NULL);

  return gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING, "audio",
                              "encoding-name", G_TYPE_STRING, "OPUS",
                              "clock-rate", G_TYPE_INT, 48000,
                              "payload", G_TYPE_INT, pt,
                              NULL);
}
