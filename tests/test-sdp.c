/* test-sdp.c: SDP offer checks, codec choice, caps helpers and plugin checks
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-sdp"

#include "config.h"

#include "sl-media.h"
#include "sl-sdp.h"

#include <string.h>

#define FP "a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:" \
           "DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
#define ICE "a=ice-ufrag:Mkz4\r\na=ice-pwd:zXUyuGsoUe7JFFEd2iKfbk3V\r\n"

/* A browser (Chrome-style) publishing by WHIP: audio first, BUNDLE, many
 * codecs, several H.264 profiles and packetization modes. */
#define CHROME_HEAD \
  "v=0\r\n" \
  "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" \
  "s=-\r\n" \
  "t=0 0\r\n" \
  "a=group:BUNDLE 0 1\r\n" \
  "a=extmap-allow-mixed\r\n" \
  "a=msid-semantic: WMS stream\r\n"
#define CHROME_AUDIO(dir) \
  "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" \
  "c=IN IP4 0.0.0.0\r\n" \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n" \
  ICE \
  "a=ice-options:trickle\r\n" \
  FP \
  "a=setup:actpass\r\n" \
  "a=mid:0\r\n" \
  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n" \
  "a=" dir "\r\n" \
  "a=msid:stream audio\r\n" \
  "a=rtcp-mux\r\n" \
  "a=rtpmap:111 opus/48000/2\r\n" \
  "a=rtcp-fb:111 transport-cc\r\n" \
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n" \
  "a=rtpmap:63 red/48000/2\r\n" \
  "a=fmtp:63 111/111\r\n" \
  "a=rtpmap:9 G722/8000\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n" \
  "a=rtpmap:8 PCMA/8000\r\n" \
  "a=rtpmap:13 CN/8000\r\n" \
  "a=rtpmap:110 telephone-event/48000\r\n" \
  "a=rtpmap:126 telephone-event/8000\r\n" \
  "a=ssrc:3184934133 cname:8hBvkMKyzSpXWXsJ\r\n"
#define CHROME_VIDEO(dir) \
  "m=video 9 UDP/TLS/RTP/SAVPF 96 97 98 99 127 121 102 103 104 105 106 107 108 109 112 113 45 46\r\n" \
  "c=IN IP4 0.0.0.0\r\n" \
  "a=rtcp:9 IN IP4 0.0.0.0\r\n" \
  ICE \
  "a=ice-options:trickle\r\n" \
  FP \
  "a=setup:actpass\r\n" \
  "a=mid:1\r\n" \
  "a=" dir "\r\n" \
  "a=msid:stream video\r\n" \
  "a=rtcp-mux\r\n" \
  "a=rtcp-rsize\r\n" \
  "a=rtpmap:96 VP8/90000\r\n" \
  "a=rtcp-fb:96 nack pli\r\n" \
  "a=rtpmap:97 rtx/90000\r\n" \
  "a=fmtp:97 apt=96\r\n" \
  "a=rtpmap:98 VP9/90000\r\n" \
  "a=fmtp:98 profile-id=0\r\n" \
  "a=rtpmap:99 rtx/90000\r\n" \
  "a=fmtp:99 apt=98\r\n" \
  "a=rtpmap:127 H264/90000\r\n" \
  "a=rtcp-fb:127 nack pli\r\n" \
  "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n" \
  "a=rtpmap:121 rtx/90000\r\n" \
  "a=fmtp:121 apt=127\r\n" \
  "a=rtpmap:102 H264/90000\r\n" \
  "a=rtcp-fb:102 nack pli\r\n" \
  "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n" \
  "a=rtpmap:103 rtx/90000\r\n" \
  "a=fmtp:103 apt=102\r\n" \
  "a=rtpmap:104 H264/90000\r\n" \
  "a=rtcp-fb:104 nack pli\r\n" \
  "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n" \
  "a=rtpmap:105 rtx/90000\r\n" \
  "a=fmtp:105 apt=104\r\n" \
  "a=rtpmap:106 H264/90000\r\n" \
  "a=rtcp-fb:106 nack pli\r\n" \
  "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n" \
  "a=rtpmap:107 rtx/90000\r\n" \
  "a=fmtp:107 apt=106\r\n" \
  "a=rtpmap:108 H264/90000\r\n" \
  "a=rtcp-fb:108 nack pli\r\n" \
  "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n" \
  "a=rtpmap:109 rtx/90000\r\n" \
  "a=fmtp:109 apt=108\r\n" \
  "a=rtpmap:112 H264/90000\r\n" \
  "a=fmtp:112 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=64001f\r\n" \
  "a=rtpmap:113 rtx/90000\r\n" \
  "a=fmtp:113 apt=112\r\n" \
  "a=rtpmap:45 AV1/90000\r\n" \
  "a=rtpmap:46 rtx/90000\r\n" \
  "a=fmtp:46 apt=45\r\n" \
  "a=ssrc-group:FID 2232294953 1932312325\r\n" \
  "a=ssrc:2232294953 cname:8hBvkMKyzSpXWXsJ\r\n" \
  "a=ssrc:1932312325 cname:8hBvkMKyzSpXWXsJ\r\n"

/* simple-whip-client (GStreamer webrtcbin, max-bundle): the audio section
 * is bundle-only with port 0; session-level trickle. */
#define WEBRTCBIN_OFFER \
  "v=0\r\n" \
  "o=- 8788711872256034438 0 IN IP4 0.0.0.0\r\n" \
  "s=-\r\n" \
  "t=0 0\r\n" \
  "a=ice-options:trickle\r\n" \
  "a=group:BUNDLE video0 audio1\r\n" \
  "m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" \
  "c=IN IP4 0.0.0.0\r\n" \
  "a=setup:actpass\r\n" \
  ICE \
  "a=rtcp-mux\r\n" \
  "a=rtcp-rsize\r\n" \
  "a=sendonly\r\n" \
  "a=rtpmap:96 H264/90000\r\n" \
  "a=rtcp-fb:96 nack pli\r\n" \
  "a=rtcp-fb:96 ccm fir\r\n" \
  "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=Z0LADdoFB+wFqDAwNSgAAAMACAAAAwHkeKFV,aM48gA==;" \
  "profile-level-id=42c00d;level-asymmetry-allowed=1\r\n" \
  "a=ssrc:3401034026 cname:user1830662668@host-1247757c\r\n" \
  "a=mid:video0\r\n" \
  FP \
  "a=rtcp-mux-only\r\n" \
  "a=candidate:1 1 UDP 2015363327 127.0.0.1 40915 typ host\r\n" \
  "a=end-of-candidates\r\n" \
  "m=audio 0 UDP/TLS/RTP/SAVPF 97\r\n" \
  "c=IN IP4 0.0.0.0\r\n" \
  "a=setup:actpass\r\n" \
  ICE \
  "a=bundle-only\r\n" \
  "a=rtcp-mux\r\n" \
  "a=sendonly\r\n" \
  "a=rtpmap:97 OPUS/48000/2\r\n" \
  "a=fmtp:97 sprop-stereo=0;sprop-maxcapturerate=48000\r\n" \
  "a=mid:audio1\r\n" \
  FP \
  "a=rtcp-mux-only\r\n"

/* OBS 30 (libdatachannel): session-level credentials and fingerprint,
 * lower-case codec names, no trickle. */
#define OBS_OFFER \
  "v=0\n" \
  "o=rtc 3340459624 0 IN IP4 127.0.0.1\n" \
  "s=-\n" \
  "t=0 0\n" \
  "a=group:BUNDLE 0 1\n" \
  "a=group:LS 0 1\n" \
  "a=msid-semantic:WMS *\n" \
  "a=setup:actpass\n" \
  ICE \
  "a=ice-options:ice2\n" \
  FP \
  "m=audio 49902 UDP/TLS/RTP/SAVPF 111\n" \
  "c=IN IP4 127.0.0.1\n" \
  "a=mid:0\n" \
  "a=sendonly\n" \
  "a=ssrc:2468117430 cname:IlXAOAZmrI3GlWBo\n" \
  "a=rtcp-mux\n" \
  "a=rtpmap:111 opus/48000/2\n" \
  "a=fmtp:111 minptime=10;maxaveragebitrate=96000;stereo=1;sprop-stereo=1;useinbandfec=1\n" \
  "a=candidate:1 1 UDP 2122317823 127.0.0.1 49902 typ host\n" \
  "m=video 49902 UDP/TLS/RTP/SAVPF 96\n" \
  "c=IN IP4 127.0.0.1\n" \
  "a=mid:1\n" \
  "a=sendonly\n" \
  "a=ssrc:2468117431 cname:IlXAOAZmrI3GlWBo\n" \
  "a=rtcp-mux\n" \
  "a=rtpmap:96 H264/90000\n" \
  "a=rtcp-fb:96 nack\n" \
  "a=rtcp-fb:96 nack pli\n" \
  "a=rtcp-fb:96 goog-remb\n" \
  "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1\n"

/* A minimal offer of one video section with @codecs lines. */
#define ONE_VIDEO(proto, dir, codecs) \
  "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" \
  "m=video 9 " proto " 96\r\nc=IN IP4 0.0.0.0\r\n" ICE FP "a=" dir "\r\na=mid:0\r\n" codecs

#define H264_MODE1_HIGH "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=640c1f;packetization-mode=1\r\n"
#define H264_MODE0 "a=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=42e01f;packetization-mode=0\r\n"
#define VP8 "a=rtpmap:96 VP8/90000\r\n"

typedef struct {
  const char  *name;
  const char  *sdp;
  SlSdpNeeds   needs;
  int          error;           /* -1: accepted */
  const char  *message_part;    /* in the error message */
  int          video_mline;
  int          audio_mline;
  int          h264_pt;
  int          opus_pt;
  gboolean     trickle;
  const char  *fmtp_part;       /* in the chosen H.264 fmtp */
} OfferCase;

static const OfferCase offer_cases[] = {
  /* Accepted */
  { "chrome-whip", CHROME_HEAD CHROME_AUDIO ("sendonly") CHROME_VIDEO ("sendonly"),
    SL_SDP_NEED_SEND, -1, NULL, 1, 0, 104, 111, TRUE, "profile-level-id=42001f" },
  { "chrome-whep", CHROME_HEAD CHROME_AUDIO ("recvonly") CHROME_VIDEO ("recvonly"),
    SL_SDP_NEED_RECEIVE, -1, NULL, 1, 0, 104, 111, TRUE, "packetization-mode=1" },
  { "chrome-sendrecv-both-ways", CHROME_HEAD CHROME_AUDIO ("sendrecv") CHROME_VIDEO ("sendrecv"),
    SL_SDP_NEED_SEND | SL_SDP_NEED_RECEIVE, -1, NULL, 1, 0, 104, 111, TRUE, NULL },
  { "webrtcbin-bundle-only", WEBRTCBIN_OFFER,
    SL_SDP_NEED_SEND, -1, NULL, 0, 1, 96, 97, TRUE, "profile-level-id=42c00d" },
  { "obs", OBS_OFFER,
    SL_SDP_NEED_SEND, -1, NULL, 1, 0, 96, 111, FALSE, "profile-level-id=42e01f" },
  { "high-profile-only", ONE_VIDEO ("UDP/TLS/RTP/SAVPF", "sendonly", H264_MODE1_HIGH),
    SL_SDP_NEED_SEND, -1, NULL, 0, -1, 96, -1, FALSE, "640c1f" },
  { "video-mode0-audio-ok", CHROME_HEAD CHROME_AUDIO ("sendonly")
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" ICE FP "a=sendonly\r\na=mid:1\r\n" H264_MODE0,
    SL_SDP_NEED_SEND, -1, NULL, -1, 0, -1, 111, TRUE, NULL },

  /* Refused */
  { "garbage", "hello, this is not SDP", SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_INVALID, "v=0", 0 },
  { "empty", "", SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_INVALID, "empty", 0 },
  { "not-a-line", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nthis line is wrong\r\n", SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_INVALID, "line 3", 0 },
  { "no-media", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" ICE FP, SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_INVALID, "no media", 0 },
  { "plain-rtp-avp", ONE_VIDEO ("RTP/AVP", "sendonly", H264_MODE1_HIGH), SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_INSECURE, "RTP/AVP", 0 },
  { "sdes-savpf", ONE_VIDEO ("RTP/SAVPF", "sendonly", H264_MODE1_HIGH), SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_INSECURE, "UDP/TLS/RTP/SAVPF", 0 },
  { "no-fingerprint",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" ICE "a=sendonly\r\n" H264_MODE1_HIGH,
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_INSECURE, "fingerprint", 0 },
  { "bad-fingerprint",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n" ICE
    "a=fingerprint:md5 00:11\r\na=sendonly\r\n" H264_MODE1_HIGH,
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_INSECURE, "fingerprint", 0 },
  { "no-ice-ufrag",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-pwd:zXUyuGsoUe7JFFEd2iKfbk3V\r\n" FP
    "a=sendonly\r\n" H264_MODE1_HIGH,
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_INVALID, "ice-ufrag", 0 },
  { "no-ice-pwd",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:Mkz4\r\n" FP
    "a=sendonly\r\n" H264_MODE1_HIGH,
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_INVALID, "ice-pwd", 0 },
  { "vp8-only", ONE_VIDEO ("UDP/TLS/RTP/SAVPF", "sendonly", VP8), SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_NO_CODEC, "video: VP8", 0 },
  { "h264-mode0-only", ONE_VIDEO ("UDP/TLS/RTP/SAVPF", "sendonly", H264_MODE0), SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_NO_CODEC, "packetization-mode=1", 0 },
  { "whip-offer-at-whep", CHROME_HEAD CHROME_AUDIO ("sendonly") CHROME_VIDEO ("sendonly"),
    SL_SDP_NEED_RECEIVE, SL_MEDIA_ERROR_SDP_NO_CODEC, "recvonly or sendrecv", 0 },
  { "whep-offer-at-whip", CHROME_HEAD CHROME_AUDIO ("recvonly") CHROME_VIDEO ("recvonly"),
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_NO_CODEC, "sendonly or sendrecv", 0 },
  { "inactive", ONE_VIDEO ("UDP/TLS/RTP/SAVPF", "inactive", H264_MODE1_HIGH), SL_SDP_NEED_SEND,
    SL_MEDIA_ERROR_SDP_NO_CODEC, "H.264", 0 },
  { "all-rejected",
    "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" ICE FP
    "m=video 0 UDP/TLS/RTP/SAVPF 96\r\na=sendonly\r\n" H264_MODE1_HIGH,
    SL_SDP_NEED_SEND, SL_MEDIA_ERROR_SDP_NO_CODEC, "port 0", 0 },
};

static void
test_offer (gconstpointer data)
{
  const OfferCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlSdpOffer) offer = NULL;

  offer = sl_sdp_offer_parse (c->sdp, strlen (c->sdp), c->needs, &error);
  if (c->error >= 0)
    {
      g_assert_null (offer);
      g_assert_error (error, SL_MEDIA_ERROR, c->error);
      g_test_message ("%s: %s", c->name, error->message);
      g_assert_nonnull (strstr (error->message, c->message_part));
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (offer);
  g_assert_nonnull (offer->sdp);
  g_assert_cmpint (offer->video_mline, ==, c->video_mline);
  g_assert_cmpint (offer->audio_mline, ==, c->audio_mline);
  g_assert_cmpint (offer->h264_pt, ==, c->h264_pt);
  g_assert_cmpint (offer->opus_pt, ==, c->opus_pt);
  g_assert_cmpint (offer->trickle, ==, c->trickle);
  if (c->h264_pt < 0)
    g_assert_null (offer->h264_fmtp);
  if (c->fmtp_part != NULL)
    g_assert_nonnull (strstr (offer->h264_fmtp, c->fmtp_part));
}

/* The length is what counts, not a NUL; nor is a NUL inside accepted. */
static void
test_offer_length (void)
{
  static const char text[] = OBS_OFFER;
  g_autoptr(GError) error = NULL;
  g_autoptr(SlSdpOffer) offer = NULL;
  g_autofree char *with_nul = g_memdup2 (text, sizeof text);
  g_autofree char *not_terminated = g_memdup2 (text, sizeof text - 1);

  with_nul[40] = '\0';
  offer = sl_sdp_offer_parse (with_nul, sizeof text - 1, SL_SDP_NEED_SEND, &error);
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID);
  g_assert_null (offer);
  g_clear_error (&error);

  offer = sl_sdp_offer_parse (not_terminated, sizeof text - 1, SL_SDP_NEED_SEND, &error);
  g_assert_no_error (error);
  g_assert_cmpint (offer->h264_pt, ==, 96);
}

/* A 1 MB offer is refused before it is parsed, with the limit named. */
static void
test_offer_too_large (void)
{
  gsize size = 1024 * 1024;
  g_autoptr(GString) big = g_string_new (WEBRTCBIN_OFFER);
  g_autoptr(GError) error = NULL;
  g_autoptr(SlSdpOffer) offer = NULL;
  g_autofree char *limit = g_strdup_printf ("%d", SL_SDP_MAX_SIZE);

  while (big->len < size)
    g_string_append (big, "a=x-padding:0123456789abcdef0123456789abcdef0123456789abcdef\r\n");
  offer = sl_sdp_offer_parse (big->str, big->len, SL_SDP_NEED_SEND, &error);
  g_assert_null (offer);
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_SDP_INVALID);
  g_assert_nonnull (strstr (error->message, limit));

  /* Just at the limit it is still read. */
  g_clear_error (&error);
  g_string_truncate (big, SL_SDP_MAX_SIZE);
  while (big->len > 0 && big->str[big->len - 1] != '\n')
    g_string_truncate (big, big->len - 1);
  offer = sl_sdp_offer_parse (big->str, big->len, SL_SDP_NEED_SEND, &error);
  g_assert_no_error (error);
  g_assert_cmpint (offer->h264_pt, ==, 96);
}

/* The caps for a forwarder output intersect with what webrtcbin reads
 * from the offer for the chosen payload type. */
static void
test_caps (void)
{
  static const char text[] = CHROME_HEAD CHROME_AUDIO ("recvonly") CHROME_VIDEO ("recvonly");
  g_autoptr(GError) error = NULL;
  g_autoptr(SlSdpOffer) offer = sl_sdp_offer_parse (text, strlen (text), SL_SDP_NEED_RECEIVE, &error);
  g_autoptr(GstCaps) h264 = NULL;
  g_autoptr(GstCaps) opus = NULL;
  g_autoptr(GstCaps) from_offer = NULL;
  const GstStructure *s;
  int pt = 0;

  g_assert_no_error (error);
  h264 = sl_sdp_h264_rtp_caps (offer->h264_pt, offer->h264_fmtp);
  s = gst_caps_get_structure (h264, 0);
  g_assert_cmpstr (gst_structure_get_name (s), ==, "application/x-rtp");
  g_assert_cmpstr (gst_structure_get_string (s, "media"), ==, "video");
  g_assert_cmpstr (gst_structure_get_string (s, "encoding-name"), ==, "H264");
  g_assert_true (gst_structure_get_int (s, "payload", &pt));
  g_assert_cmpint (pt, ==, 104);
  g_assert_cmpstr (gst_structure_get_string (s, "packetization-mode"), ==, "1");
  g_assert_cmpstr (gst_structure_get_string (s, "profile-level-id"), ==, "42001f");

  from_offer = gst_sdp_media_get_caps_from_media (gst_sdp_message_get_media (offer->sdp, offer->video_mline),
                                                  offer->h264_pt);
  g_assert_nonnull (from_offer);
  gst_caps_set_simple (from_offer, "media", G_TYPE_STRING, "video", NULL);
  gst_structure_set_name (gst_caps_get_structure (from_offer, 0), "application/x-rtp");
  g_assert_true (gst_caps_can_intersect (h264, from_offer));

  opus = sl_sdp_opus_rtp_caps (offer->opus_pt);
  s = gst_caps_get_structure (opus, 0);
  g_assert_cmpstr (gst_structure_get_string (s, "encoding-name"), ==, "OPUS");
  g_assert_true (gst_structure_get_int (s, "payload", &pt));
  g_assert_cmpint (pt, ==, 111);

  /* No fmtp at all: mode 1 is assumed, no profile is pinned. */
  g_clear_pointer (&h264, gst_caps_unref);
  h264 = sl_sdp_h264_rtp_caps (96, NULL);
  s = gst_caps_get_structure (h264, 0);
  g_assert_cmpstr (gst_structure_get_string (s, "packetization-mode"), ==, "1");
  g_assert_false (gst_structure_has_field (s, "profile-level-id"));
}

/* A missing element is named with its Debian package. */
static void
test_check_elements (void)
{
  static const char *const wanted[] = { "tee", "sl-no-such-element", "queue", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_false (sl_media_check_elements (wanted, &error));
  g_assert_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_MISSING_PLUGIN);
  g_assert_cmpstr (error->message, ==, "missing GStreamer elements: sl-no-such-element (package unknown)");
  g_clear_error (&error);

  g_assert_cmpstr (sl_media_element_package ("webrtcbin"), ==, "gstreamer1.0-plugins-bad");
  g_assert_cmpstr (sl_media_element_package ("x264enc"), ==, "gstreamer1.0-plugins-ugly");
  g_assert_cmpstr (sl_media_element_package ("nicesrc"), ==, "gstreamer1.0-nice");
  g_assert_null (sl_media_element_package ("sl-no-such-element"));

  /* Every element the server needs is installed here and has a package. */
  g_assert_true (sl_media_check_elements (sl_media_server_elements (), &error));
  g_assert_no_error (error);
  for (const char *const *e = sl_media_server_elements (); *e != NULL; e++)
    g_assert_nonnull (sl_media_element_package (*e));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  sl_media_init ();

  for (gsize i = 0; i < G_N_ELEMENTS (offer_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/sdp/offer/%s", offer_cases[i].name);

      g_test_add_data_func (path, &offer_cases[i], test_offer);
    }
  g_test_add_func ("/sdp/offer-length", test_offer_length);
  g_test_add_func ("/sdp/offer-too-large", test_offer_too_large);
  g_test_add_func ("/sdp/caps", test_caps);
  g_test_add_func ("/media/check-elements", test_check_elements);
  return g_test_run ();
}
