/* sl-test-server.h: an in-process streamlet-server on a free loopback port,
 * a fresh store, and a small synchronous HTTP client for tests
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "sl-server.h"
#include "sl-test-db.h"

G_BEGIN_DECLS

/* The signing secret every test server uses, so tests can forge tokens. */
#define SL_TEST_JWT_SECRET "test-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

typedef struct {
  char        *dialect;
  char        *db_url;
  char        *data_dir;
  char        *base_url;
  SlServer    *server;
  SoupSession *session;
  guint        port;
  char       **ice_addresses;   /* the first start's: restarts keep them */
} SlTestServer;

typedef struct {
  guint               status;
  GBytes             *body;
  JsonNode           *json;      /* NULL when the body is not JSON */
  SoupMessageHeaders *headers;
} SlTestResponse;

/* Defaults for tests: quiet, loopback, port 0, the test secret. */
SlConfig       *sl_test_config_new        (void);
/* Starts a server on a fresh, empty database of @dialect holding the demo
 * accounts admin/admin123, teacher/teacher123, student/student123 (stored
 * directly, hashed once per test program). Takes @config (NULL: defaults). */
SlTestServer   *sl_test_server_new        (const char   *dialect,
                                           SlConfig     *config);
/* Stops it gracefully (and checks it stopped), drops the database. */
void            sl_test_server_free       (SlTestServer *ts);

/* Stops the server gracefully (checking it stopped) and keeps its store,
 * data dir and port for sl_test_server_restart(). */
void            sl_test_server_stop       (SlTestServer *ts);
/* Starts a new server (default test config, the first one's ICE
 * addresses) on the same port, store and
 * data dir, after sl_test_server_stop(). */
void            sl_test_server_restart    (SlTestServer *ts);

/* Sends a request and runs the main context until the answer is in.
 * @token: an access token for "Authorization: Bearer", or NULL.
 * @json_body: sent as application/json when not NULL. */
SlTestResponse *sl_test_request           (SlTestServer *ts,
                                           const char   *method,
                                           const char   *path,
                                           const char   *token,
                                           const char   *json_body);
/* Full control: @content_type NULL sends no Content-Type. */
SlTestResponse *sl_test_request_full      (SlTestServer *ts,
                                           const char   *method,
                                           const char   *path,
                                           const char   *token,
                                           const char   *content_type,
                                           const void   *body,
                                           gsize         body_len);
void            sl_test_response_free     (SlTestResponse *resp);
JsonObject     *sl_test_response_object   (SlTestResponse *resp);
/* The error.code of an error answer, or NULL. */
const char     *sl_test_response_error    (SlTestResponse *resp);

/* Signs in (asserting success) and returns the access token;
 * @refresh_token (nullable) receives the refresh token. */
char           *sl_test_login             (SlTestServer *ts,
                                           const char   *username,
                                           const char   *password,
                                           char        **refresh_token);
/* The teacher schedules a class titled @title @minutes_ahead from now (45
 * minutes long) and, when @start, starts it (live, with no video yet);
 * asserts each step and returns its id. */
gint64          sl_test_create_class      (SlTestServer *ts,
                                           const char   *title,
                                           int           minutes_ahead,
                                           gboolean      start);
/* Runs @ctx's default context until *@flag is TRUE (or 30 s pass: fails). */
void            sl_test_wait_for          (gboolean     *flag);

/* How many users the store holds; for "nothing changed" checks. */
gint64          sl_test_count_users       (SlTestServer *ts);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlTestResponse, sl_test_response_free)

G_END_DECLS
