/* sl-test-media.h: WHIP publishers and WHEP viewers made of GStreamer test
 * sources, for the media tests and benchmarks; and a private network
 * namespace to run them in
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-test-server.h"

G_BEGIN_DECLS

/* Moves this process into a new network namespace of its own with loopback
 * up and a veth pair (10.231.0.1 <-> 10.231.0.2), so that WebRTC peers that
 * do not use loopback (libnice skips it unless told) still find an address,
 * and nothing they send can leave.  Needs root; FALSE (with the reason)
 * otherwise.  Call before any thread or socket exists. */
gboolean sl_test_enter_private_network (GError **error);

/* The addresses media tests pin ICE to. */
#define SL_TEST_ICE_ADDRESS "10.231.0.1"

/* A server for media tests: ICE pinned to SL_TEST_ICE_ADDRESS, recording
 * on or off, and (when not 0) access tokens living @access_token_ttl s. */
SlTestServer *sl_test_media_server_new (gboolean record,
                                        guint    access_token_ttl);

/* A class of teacher's, scheduled in 10 minutes (not live yet); its id.
 * @stream_key (nullable) receives the class's stream key. */
gint64   sl_test_make_class (SlTestServer  *ts,
                             gboolean       is_public,
                             char         **stream_key);

typedef struct _SlTestPublisher SlTestPublisher;

/* A live 320x240 30 fps test picture (H.264, keyframe every
 * @keyframe_interval frames) and a tone (Opus), published by WHIP to
 * @path ("/whip/<id>") with @token.  Runs the main context until answered.
 * Returns NULL with *@status and *@error_code (nullable) set when the server
 * refuses. */
SlTestPublisher *sl_test_publisher_start (SlTestServer  *ts,
                                          const char    *path,
                                          const char    *token,
                                          guint          keyframe_interval,
                                          guint         *status,
                                          char         **error_code);
/* The same, sending its ICE candidates the way simple-whip-client does: the
 * offer goes out before gathering, then each candidate in a PATCH of its own
 * (application/trickle-ice-sdpfrag: ufrag, pwd, an m= line, a=mid and the
 * candidate), then a=end-of-candidates.  *@patches_sent counts the PATCHes,
 * every one of which must get 204. */
SlTestPublisher *sl_test_publisher_start_trickle (SlTestServer  *ts,
                                                  const char    *path,
                                                  const char    *token,
                                                  guint          keyframe_interval,
                                                  guint         *status,
                                                  guint         *patches_sent);
const char      *sl_test_publisher_get_location (SlTestPublisher *pub);
/* Ends with DELETE on the Location (returns its status) and stops. */
guint            sl_test_publisher_delete (SlTestPublisher *pub,
                                           const char      *token);
/* Stops sending without a word, as a crashed publisher would. */
void             sl_test_publisher_kill   (SlTestPublisher *pub);
void             sl_test_publisher_free   (SlTestPublisher *pub);

typedef struct _SlTestViewer SlTestViewer;

/* A WHEP viewer of @path ("/whep/<id>") that decodes the video (and audio)
 * it receives.  NULL with *@status when refused. */
SlTestViewer    *sl_test_viewer_start     (SlTestServer  *ts,
                                           const char    *path,
                                           const char    *token,
                                           guint         *status,
                                           char         **error_code);
guint            sl_test_viewer_get_video_frames (SlTestViewer *viewer);
guint            sl_test_viewer_get_audio_buffers (SlTestViewer *viewer);
/* Milliseconds from the WHEP request to the first decoded frame; -1: none yet. */
gint64           sl_test_viewer_get_first_frame_ms (SlTestViewer *viewer);
/* Runs the main context until @frames frames are decoded or @timeout_s pass;
 * returns whether they were. */
gboolean         sl_test_viewer_wait_frames (SlTestViewer *viewer,
                                             guint         frames,
                                             guint         timeout_s);
const char      *sl_test_viewer_get_location (SlTestViewer *viewer);
void             sl_test_viewer_free      (SlTestViewer *viewer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestPublisher, sl_test_publisher_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestViewer, sl_test_viewer_free)

G_END_DECLS
