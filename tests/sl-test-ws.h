/* sl-test-ws.h: a WebSocket client of the hub for tests, keeping every
 * message it receives so tests can wait for, count and check them
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "sl-test-server.h"

G_BEGIN_DECLS

typedef struct {
  SoupWebsocketConnection *conn;
  GPtrArray               *received;   /* JsonObject *, in arrival order, not yet taken */
  guint                    n_received; /* all ever received */
  gboolean                 closed;
  gushort                  close_code;
} SlTestWs;

/* Opens /ws with @token (NULL: none) and @origin (NULL: none).  Returns
 * NULL when the server refuses the upgrade; *status (nullable) gets the
 * HTTP status of the answer either way (101 on success).  On success the
 * "hello" has arrived and was taken. */
SlTestWs   *sl_test_ws_connect     (SlTestServer *ts,
                                    const char   *token,
                                    const char   *origin,
                                    guint        *status);
/* Signs @username in and connects. */
SlTestWs   *sl_test_ws_connect_as  (SlTestServer *ts,
                                    const char   *username,
                                    const char   *password);
void        sl_test_ws_free        (SlTestWs     *ws);

void        sl_test_ws_send        (SlTestWs     *ws,
                                    const char   *json);
void        sl_test_ws_sendf       (SlTestWs     *ws,
                                    const char   *format,
                                    ...) G_GNUC_PRINTF (2, 3);
/* Waits (5 s at most, failing the test) for the first message of @type
 * not taken yet, takes it and returns it (owned by the caller). */
JsonObject *sl_test_ws_expect      (SlTestWs     *ws,
                                    const char   *type);
/* Expects an "error" with @code and returns it. */
JsonObject *sl_test_ws_expect_error (SlTestWs    *ws,
                                    const char   *code);
/* How many messages of @type (NULL: any) wait, not taken. */
guint       sl_test_ws_count       (SlTestWs     *ws,
                                    const char   *type);
/* Drops everything received so far. */
void        sl_test_ws_clear       (SlTestWs     *ws);
/* Runs the main loop for @ms milliseconds, letting messages flow. */
void        sl_test_settle         (guint         ms);
/* Waits (5 s at most) for the server to close it; returns the close code. */
gushort     sl_test_ws_wait_closed (SlTestWs     *ws);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestWs, sl_test_ws_free)

G_END_DECLS
