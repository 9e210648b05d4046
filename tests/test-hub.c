/* test-hub.c: the real-time hub over real WebSockets — upgrade checks,
 * rooms, chat and its history, moderation, hands, presence, class pushes,
 * stage, signalling, cross-class isolation, bad input, flooding, slow
 * readers, and surviving a restart
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-test-ws.h"
#include "sl-hub.h"

#include <string.h>
#include <sys/socket.h>

typedef struct {
  gboolean      done;
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
  wait->done = TRUE;
}

/* Creates a class owned by teacher (scheduled in 10 minutes) over REST;
 * @live: started too.  Returns its id. */
static gint64
make_class (SlTestServer *ts,
            const char   *title,
            gboolean      live)
{
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(GDateTime) soon = g_date_time_add_minutes (g_date_time_new_now_utc (), 10);
  g_autofree char *when = g_date_time_format_iso8601 (soon);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":45}", title, when);
  g_autoptr(SlTestResponse) created = sl_test_request (ts, "POST", "/api/classes", teacher, body);
  gint64 id;

  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (json_object_get_object_member (sl_test_response_object (created),
                                                                   "class"), "id");
  if (live)
    {
      g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", id);
      g_autoptr(SlTestResponse) started = sl_test_request (ts, "POST", path, teacher, NULL);

      g_assert_cmpuint (started->status, ==, 200);
    }
  return id;
}

static void
join (SlTestWs *ws,
      gint64    class_id)
{
  g_autoptr(JsonObject) joined = NULL;

  sl_test_ws_sendf (ws, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  joined = sl_test_ws_expect (ws, "joined");
  g_assert_cmpint (json_object_get_int_member (joined, "class_id"), ==, class_id);
}

static gint64
user_id_of (SlTestServer *ts,
            const char   *username,
            const char   *password)
{
  g_autofree char *token = sl_test_login (ts, username, password, NULL);
  g_autoptr(SlTestResponse) me = sl_test_request (ts, "GET", "/api/profile", token, NULL);

  return json_object_get_int_member (json_object_get_object_member (sl_test_response_object (me),
                                                                     "user"), "id");
}

/* Creates more students straight in the store (hash computed once). */
static void
add_student (SlTestServer *ts,
             const char   *username)
{
  static char *hash;
  g_autoptr(SlUser) user = sl_user_new ();
  g_autoptr(SlUser) created = NULL;
  g_autoptr(GError) error = NULL;
  SlStore *store = sl_server_get_store (ts->server);
  Wait wait = { FALSE, };

  if (hash == NULL)
    hash = sl_password_hash ("student123", &error);
  g_assert_no_error (error);
  user->username = g_strdup (username);
  user->display_name = g_strdup_printf ("Student %s", username);
  user->role = SL_ROLE_STUDENT;
  user->password_hash = g_strdup (hash);
  sl_store_create_user_async (store, user, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  created = sl_store_create_user_finish (store, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
}

/* ---- the door ----------------------------------------------------------- */

static void
test_upgrade_checks (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *forged = g_strdup (token);
  guint status = 0;

  /* no token, a forged token, a foreign origin: no WebSocket */
  g_assert_null (sl_test_ws_connect (ts, NULL, NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  forged[strlen (forged) - 3] = forged[strlen (forged) - 3] == 'A' ? 'B' : 'A';
  g_assert_null (sl_test_ws_connect (ts, forged, NULL, &status));
  g_assert_cmpuint (status, ==, 401);
  g_assert_null (sl_test_ws_connect (ts, token, "https://evil.example", &status));
  g_assert_cmpuint (status, ==, 403);

  /* the server's own origin and no origin at all are fine */
  {
    g_autoptr(SlTestWs) ws = sl_test_ws_connect (ts, token, NULL, &status);

    g_assert_nonnull (ws);
    g_assert_cmpuint (status, ==, 101);
  }
  {
    g_autoptr(SlTestWs) ws = sl_test_ws_connect (ts, token, ts->base_url, &status);

    g_assert_nonnull (ws);
  }
  sl_test_server_free (ts);
}

static void
test_origin_allow_list (gconstpointer data)
{
  SlConfig *config = sl_test_config_new ();
  SlTestServer *ts;
  g_autofree char *token = NULL;
  guint status = 0;

  config->ws_origins = g_strsplit ("https://school.example", ",", -1);
  ts = sl_test_server_new (data, config);
  token = sl_test_login (ts, "student", "student123", NULL);
  {
    g_autoptr(SlTestWs) ws = sl_test_ws_connect (ts, token, "https://school.example", &status);

    g_assert_nonnull (ws);
  }
  g_assert_null (sl_test_ws_connect (ts, token, "https://school.example.evil", &status));
  g_assert_cmpuint (status, ==, 403);
  sl_test_server_free (ts);
}

/* ---- chat --------------------------------------------------------------- */

static void
test_chat_order_and_history (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Algebra", FALSE);
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");
  gint64 last_id = 0;

  join (teacher, class_id);
  join (student, class_id);

  for (int i = 0; i < 5; i++)
    sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"msg %d\"}",
                      class_id, i);
  for (int i = 0; i < 5; i++)
    {
      g_autoptr(JsonObject) at_teacher = sl_test_ws_expect (teacher, "chat");
      g_autoptr(JsonObject) at_student = sl_test_ws_expect (student, "chat");
      g_autofree char *text = g_strdup_printf ("msg %d", i);

      g_assert_cmpstr (json_object_get_string_member (at_teacher, "text"), ==, text);
      g_assert_cmpstr (json_object_get_string_member (at_student, "text"), ==, text);
      g_assert_cmpint (json_object_get_int_member (at_teacher, "id"), >, last_id);
      last_id = json_object_get_int_member (at_teacher, "id");
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (at_teacher, "from"),
                                                       "display_name"), ==, "Demo student");
    }

  /* a late joiner gets the history, oldest first */
  {
    g_autoptr(SlTestWs) admin = sl_test_ws_connect_as (ts, "admin", "admin123");
    g_autoptr(JsonObject) joined = NULL;
    JsonArray *chat;

    sl_test_ws_sendf (admin, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    joined = sl_test_ws_expect (admin, "joined");
    chat = json_object_get_array_member (joined, "chat");
    g_assert_cmpuint (json_array_get_length (chat), ==, 5);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chat, 0), "text"),
                     ==, "msg 0");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (chat, 4), "text"),
                     ==, "msg 4");
  }

  /* and the REST history agrees */
  {
    g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
    g_autofree char *path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/chat", class_id);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sl_test_response_object (resp),
                                                                            "messages")), ==, 5);
  }
  sl_test_server_free (ts);
}

static void
test_chat_needs_membership (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Biology", FALSE);
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");

  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"hi\",\"ref\":\"r1\"}",
                    class_id);
  {
    g_autoptr(JsonObject) error = sl_test_ws_expect_error (student, "not_member");

    g_assert_cmpstr (json_object_get_string_member (error, "ref"), ==, "r1");
  }
  sl_test_ws_send (student, "{\"type\":\"join\",\"class_id\":999999}");
  g_autoptr(JsonObject) missing = sl_test_ws_expect_error (student, "not_found");
  sl_test_server_free (ts);
}

static void
test_moderation (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Chemistry", FALSE);
  gint64 student_id = user_id_of (ts, "student", "student123");
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");
  gint64 message_id;

  join (teacher, class_id);
  join (student, class_id);
  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"rude\"}", class_id);
  {
    g_autoptr(JsonObject) chat = sl_test_ws_expect (teacher, "chat");

    message_id = json_object_get_int_member (chat, "id");
  }

  /* a student may not delete or mute */
  sl_test_ws_sendf (student, "{\"type\":\"chat_delete\",\"class_id\":%" G_GINT64_FORMAT ",\"message_id\":%" G_GINT64_FORMAT "}",
                    class_id, message_id);
  g_autoptr(JsonObject) refused = sl_test_ws_expect_error (student, "forbidden");
  sl_test_ws_sendf (student, "{\"type\":\"mute\",\"class_id\":%" G_GINT64_FORMAT ",\"user_id\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  g_autoptr(JsonObject) refused2 = sl_test_ws_expect_error (student, "forbidden");

  /* the teacher deletes: everyone hears, history forgets */
  sl_test_ws_sendf (teacher, "{\"type\":\"chat_delete\",\"class_id\":%" G_GINT64_FORMAT ",\"message_id\":%" G_GINT64_FORMAT "}",
                    class_id, message_id);
  {
    g_autoptr(JsonObject) gone = sl_test_ws_expect (student, "chat_deleted");

    g_assert_cmpint (json_object_get_int_member (gone, "message_id"), ==, message_id);
  }
  sl_test_ws_sendf (teacher, "{\"type\":\"chat_delete\",\"class_id\":%" G_GINT64_FORMAT ",\"message_id\":%" G_GINT64_FORMAT "}",
                    class_id, message_id);
  g_autoptr(JsonObject) again = sl_test_ws_expect_error (teacher, "not_found");

  /* muted: the student's chat is refused, and stays so after reconnecting */
  sl_test_ws_sendf (teacher, "{\"type\":\"mute\",\"class_id\":%" G_GINT64_FORMAT ",\"user_id\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  {
    g_autoptr(JsonObject) muted = sl_test_ws_expect (student, "muted");

    g_assert_true (json_object_get_boolean_member (muted, "muted"));
  }
  /* a moderator joining later learns who is muted; a student does not */
  {
    g_autoptr(SlTestWs) admin = sl_test_ws_connect_as (ts, "admin", "admin123");
    g_autoptr(SlTestWs) other = sl_test_ws_connect_as (ts, "student", "student123");
    g_autoptr(JsonObject) admin_joined = NULL;
    g_autoptr(JsonObject) other_joined = NULL;
    JsonArray *ids;

    sl_test_ws_sendf (admin, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    admin_joined = sl_test_ws_expect (admin, "joined");
    ids = json_object_get_array_member (admin_joined, "muted_users");
    g_assert_nonnull (ids);
    g_assert_cmpuint (json_array_get_length (ids), ==, 1);
    g_assert_cmpint (json_array_get_int_element (ids, 0), ==, student_id);
    sl_test_ws_sendf (other, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    other_joined = sl_test_ws_expect (other, "joined");
    g_assert_false (json_object_has_member (other_joined, "muted_users"));
    g_assert_true (json_object_get_boolean_member (other_joined, "muted"));
  }
  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"still here\"}", class_id);
  g_autoptr(JsonObject) muted_error = sl_test_ws_expect_error (student, "muted");
  sl_test_settle (100);
  g_assert_cmpuint (sl_test_ws_count (teacher, "chat"), ==, 0);

  sl_test_ws_sendf (teacher, "{\"type\":\"unmute\",\"class_id\":%" G_GINT64_FORMAT ",\"user_id\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  g_autoptr(JsonObject) unmuted = sl_test_ws_expect (student, "muted");
  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"sorry\"}", class_id);
  g_autoptr(JsonObject) sorry = sl_test_ws_expect (teacher, "chat");
  g_assert_cmpstr (json_object_get_string_member (sorry, "text"), ==, "sorry");
  sl_test_server_free (ts);
}

/* ---- hands and presence ------------------------------------------------- */

static void
test_hands_and_presence (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Drawing", FALSE);
  g_autoptr(SlTestWs) teacher = NULL;
  SlTestWs *students[3];
  gint64 ids[3];
  static const char *names[] = { "ana", "ben", "cho" };

  for (guint i = 0; i < 3; i++)
    add_student (ts, names[i]);
  teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  join (teacher, class_id);
  for (guint i = 0; i < 3; i++)
    {
      students[i] = sl_test_ws_connect_as (ts, names[i], "student123");
      ids[i] = user_id_of (ts, names[i], "student123");
      join (students[i], class_id);
    }

  /* presence: the teacher sees who, students the count */
  {
    g_autoptr(JsonObject) at_teacher = NULL;
    g_autoptr(JsonObject) at_student = NULL;

    sl_test_settle (1200);   /* presence goes out at most once a second */
    while (sl_test_ws_count (teacher, "presence") > 1)
      json_object_unref (sl_test_ws_expect (teacher, "presence"));
    while (sl_test_ws_count (students[0], "presence") > 1)
      json_object_unref (sl_test_ws_expect (students[0], "presence"));
    at_teacher = sl_test_ws_expect (teacher, "presence");
    at_student = sl_test_ws_expect (students[0], "presence");
    g_assert_cmpint (json_object_get_int_member (at_teacher, "count"), ==, 4);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (at_teacher, "users")), ==, 4);
    g_assert_cmpint (json_object_get_int_member (at_student, "count"), ==, 4);
    g_assert_false (json_object_has_member (at_student, "users"));
  }

  /* hands go up in order: cho, ana, ben */
  sl_test_ws_sendf (students[2], "{\"type\":\"hand_raise\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  json_object_unref (sl_test_ws_expect (teacher, "hands"));
  sl_test_ws_sendf (students[0], "{\"type\":\"hand_raise\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  json_object_unref (sl_test_ws_expect (teacher, "hands"));
  sl_test_ws_sendf (students[1], "{\"type\":\"hand_raise\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  {
    g_autoptr(JsonObject) hands = sl_test_ws_expect (teacher, "hands");
    JsonArray *queue = json_object_get_array_member (hands, "queue");
    g_autoptr(JsonObject) mine = sl_test_ws_expect (students[1], "hand");

    g_assert_cmpuint (json_array_get_length (queue), ==, 3);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
      json_array_get_object_element (queue, 0), "user"), "id"), ==, ids[2]);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
      json_array_get_object_element (queue, 1), "user"), "id"), ==, ids[0]);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
      json_array_get_object_element (queue, 2), "user"), "id"), ==, ids[1]);
    g_assert_true (json_object_get_boolean_member (mine, "raised"));
    g_assert_cmpint (json_object_get_int_member (mine, "position"), ==, 3);
    /* students do not get the queue */
    g_assert_cmpuint (sl_test_ws_count (students[0], "hands"), ==, 0);
  }

  /* a student cannot dismiss; the teacher can */
  sl_test_ws_sendf (students[0], "{\"type\":\"hand_dismiss\",\"class_id\":%" G_GINT64_FORMAT ",\"user_id\":%" G_GINT64_FORMAT "}",
                    class_id, ids[2]);
  g_autoptr(JsonObject) refused = sl_test_ws_expect_error (students[0], "forbidden");
  sl_test_ws_sendf (teacher, "{\"type\":\"hand_dismiss\",\"class_id\":%" G_GINT64_FORMAT ",\"user_id\":%" G_GINT64_FORMAT "}",
                    class_id, ids[2]);
  {
    g_autoptr(JsonObject) hands = sl_test_ws_expect (teacher, "hands");
    JsonArray *queue = json_object_get_array_member (hands, "queue");

    g_assert_cmpuint (json_array_get_length (queue), ==, 2);
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (
      json_array_get_object_element (queue, 0), "user"), "id"), ==, ids[0]);
  }
  /* lowering one's own */
  sl_test_ws_sendf (students[0], "{\"type\":\"hand_lower\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  {
    g_autoptr(JsonObject) hands = sl_test_ws_expect (teacher, "hands");

    while (sl_test_ws_count (students[0], "hand") > 1)
      json_object_unref (sl_test_ws_expect (students[0], "hand"));
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (hands, "queue")), ==, 1);
  }

  for (guint i = 0; i < 3; i++)
    sl_test_ws_free (students[i]);
  sl_test_server_free (ts);
}

/* ---- class pushes ------------------------------------------------------- */

static void
test_class_pushes (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Economics", FALSE);
  g_autofree char *teacher_token = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(SlTestWs) member = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(SlTestWs) bystander = sl_test_ws_connect_as (ts, "admin", "admin123");
  g_autofree char *start = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/start", class_id);
  g_autofree char *end = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/end", class_id);

  /* a new class reaches everyone, members of a room or not */
  {
    gint64 later = make_class (ts, "Statistics", FALSE);
    g_autoptr(JsonObject) a = sl_test_ws_expect (member, "class_scheduled");
    g_autoptr(JsonObject) b = sl_test_ws_expect (bystander, "class_scheduled");
    JsonObject *klass = json_object_get_object_member (b, "class");

    g_assert_cmpint (json_object_get_int_member (klass, "id"), ==, later);
    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, "Statistics");
    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "scheduled");
    g_assert_false (json_object_has_member (klass, "stream_key"));
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (a, "class"), "id"),
                     ==, later);
  }
  join (member, class_id);
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", start, teacher_token, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  {
    g_autoptr(JsonObject) a = sl_test_ws_expect (member, "class_started");
    g_autoptr(JsonObject) b = sl_test_ws_expect (bystander, "class_started");

    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (b, "class"), "state"),
                     ==, "live");
    g_assert_false (json_object_has_member (json_object_get_object_member (b, "class"), "stream_key"));
  }
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", end, teacher_token, NULL);

    g_assert_cmpuint (resp->status, ==, 200);
  }
  g_autoptr(JsonObject) ended_a = sl_test_ws_expect (member, "class_ended");
  g_autoptr(JsonObject) ended_b = sl_test_ws_expect (bystander, "class_ended");

  /* the room is closed: chatting there is refused; joining too */
  sl_test_ws_sendf (member, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"hello?\"}", class_id);
  g_autoptr(JsonObject) closed = sl_test_ws_expect_error (member, "not_member");
  sl_test_ws_sendf (member, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  g_autoptr(JsonObject) closed2 = sl_test_ws_expect_error (member, "class_closed");
  sl_test_server_free (ts);
}

/* ---- stage and signalling ----------------------------------------------- */

static void
test_stage (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "French", TRUE);
  gint64 student_id = user_id_of (ts, "student", "student123");
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(SlTestWs) other = NULL;

  add_student (ts, "dana");
  other = sl_test_ws_connect_as (ts, "dana", "student123");
  join (teacher, class_id);
  join (student, class_id);
  join (other, class_id);

  /* nothing to accept yet */
  sl_test_ws_sendf (student, "{\"type\":\"stage_accept\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  g_autoptr(JsonObject) nothing = sl_test_ws_expect_error (student, "invalid_state");
  /* students cannot invite */
  sl_test_ws_sendf (other, "{\"type\":\"stage_invite\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  g_autoptr(JsonObject) refused = sl_test_ws_expect_error (other, "forbidden");

  sl_test_ws_sendf (teacher, "{\"type\":\"stage_invite\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  g_autoptr(JsonObject) invite = sl_test_ws_expect (student, "stage_invite");
  sl_test_ws_sendf (student, "{\"type\":\"stage_accept\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  g_autoptr(JsonObject) accepted = sl_test_ws_expect (teacher, "stage_accept");
  {
    g_autoptr(JsonObject) stage = sl_test_ws_expect (other, "stage");

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (stage, "users")), ==, 1);
  }
  /* the invitation and the answer went to the named users only */
  sl_test_settle (100);
  g_assert_cmpuint (sl_test_ws_count (other, "stage_invite"), ==, 0);
  g_assert_cmpuint (sl_test_ws_count (other, "stage_accept"), ==, 0);
  g_assert_cmpuint (sl_test_ws_count (teacher, "stage_invite"), ==, 0);

  sl_test_ws_sendf (teacher, "{\"type\":\"stage_end\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                    class_id, student_id);
  g_autoptr(JsonObject) ended = sl_test_ws_expect (student, "stage_end");
  sl_test_settle (100);
  g_assert_cmpuint (sl_test_ws_count (other, "stage_end"), ==, 0);
  sl_test_server_free (ts);
}

static void
test_signal (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 live_id = make_class (ts, "Geography", TRUE);
  gint64 scheduled_id = make_class (ts, "History", FALSE);
  gint64 teacher_id = user_id_of (ts, "teacher", "teacher123");
  gint64 student_id = user_id_of (ts, "student", "student123");
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");

  join (teacher, live_id);
  join (student, live_id);
  join (teacher, scheduled_id);
  join (student, scheduled_id);

  sl_test_ws_sendf (student, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ","
                    "\"data\":{\"sdp\":\"v=0\",\"kind\":\"offer\"}}", live_id, teacher_id);
  {
    g_autoptr(JsonObject) signal = sl_test_ws_expect (teacher, "signal");
    JsonObject *from = json_object_get_object_member (signal, "from");

    g_assert_cmpint (json_object_get_int_member (from, "id"), ==, student_id);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (signal, "data"), "kind"),
                     ==, "offer");
  }
  sl_test_settle (100);
  g_assert_cmpuint (sl_test_ws_count (student, "signal"), ==, 0);

  /* a claimed sender is no field of ours */
  sl_test_ws_sendf (student, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ","
                    "\"from\":{\"id\":1},\"data\":{}}", live_id, teacher_id);
  g_autoptr(JsonObject) forged = sl_test_ws_expect_error (student, "invalid_message");
  /* not live; to a stranger; to oneself */
  sl_test_ws_sendf (student, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"data\":{}}",
                    scheduled_id, teacher_id);
  g_autoptr(JsonObject) not_live = sl_test_ws_expect_error (student, "not_live");
  sl_test_ws_sendf (student, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":424242,\"data\":{}}", live_id);
  g_autoptr(JsonObject) stranger = sl_test_ws_expect_error (student, "recipient_not_found");
  sl_test_ws_sendf (student, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"data\":{}}",
                    live_id, student_id);
  g_autoptr(JsonObject) self = sl_test_ws_expect_error (student, "recipient_not_found");
  sl_test_server_free (ts);
}

/* ---- isolation ---------------------------------------------------------- */

static void
test_isolation (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 a = make_class (ts, "Room A", TRUE);
  gint64 b = make_class (ts, "Room B", TRUE);
  gint64 teacher_id = user_id_of (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) teacher = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  g_autoptr(SlTestWs) in_a = NULL;
  g_autoptr(SlTestWs) in_b = NULL;
  g_autoptr(SlTestWs) outsider = NULL;
  gint64 a_id, b_id;

  add_student (ts, "in.a");
  add_student (ts, "in.b");
  add_student (ts, "outsider");
  a_id = user_id_of (ts, "in.a", "student123");
  b_id = user_id_of (ts, "in.b", "student123");
  in_a = sl_test_ws_connect_as (ts, "in.a", "student123");
  in_b = sl_test_ws_connect_as (ts, "in.b", "student123");
  outsider = sl_test_ws_connect_as (ts, "outsider", "student123");
  join (teacher, a);
  join (in_a, a);
  join (in_b, b);
  sl_test_settle (1200);
  sl_test_ws_clear (in_a);
  sl_test_ws_clear (in_b);
  sl_test_ws_clear (outsider);

  /* in A: chat, a signal to the teacher, a stage invitation */
  sl_test_ws_sendf (in_a, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"only A\"}", a);
  sl_test_ws_sendf (in_a, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"data\":{}}",
                    a, teacher_id);
  sl_test_ws_sendf (teacher, "{\"type\":\"stage_invite\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                    a, a_id);
  g_autoptr(JsonObject) c = sl_test_ws_expect (in_a, "chat");
  g_autoptr(JsonObject) s = sl_test_ws_expect (teacher, "signal");
  g_autoptr(JsonObject) i = sl_test_ws_expect (in_a, "stage_invite");

  /* across rooms: a member of B, sending into A (not joined) */
  sl_test_ws_sendf (in_b, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"sneak\"}", a);
  g_autoptr(JsonObject) e1 = sl_test_ws_expect_error (in_b, "not_member");
  sl_test_ws_sendf (in_b, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"data\":{}}",
                    b, a_id);
  g_autoptr(JsonObject) e2 = sl_test_ws_expect_error (in_b, "recipient_not_found");
  /* the teacher inviting B's member from A */
  sl_test_ws_sendf (teacher, "{\"type\":\"stage_invite\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT "}",
                    a, b_id);
  g_autoptr(JsonObject) e3 = sl_test_ws_expect_error (teacher, "recipient_not_found");

  sl_test_settle (200);
  {
    static const char *types[] = { "chat", "signal", "stage_invite", "stage_accept", "stage", "hands" };

    for (guint t = 0; t < G_N_ELEMENTS (types); t++)
      {
        g_assert_cmpuint (sl_test_ws_count (in_b, types[t]), ==, 0);
        g_assert_cmpuint (sl_test_ws_count (outsider, types[t]), ==, 0);
      }
  }
  sl_test_server_free (ts);
}

/* ---- bad input ---------------------------------------------------------- */

static void
test_bad_messages (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Latin", FALSE);
  g_autoptr(SlTestWs) bad = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(SlTestWs) good = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  static const struct {
    const char *message;
    const char *code;
  } rows[] = {
    { "not json", "invalid_message" },
    { "[]", "invalid_message" },
    { "{}", "invalid_message" },
    { "{\"type\":42}", "invalid_message" },
    { "{\"type\":\"dance\"}", "unknown_type" },
    { "{\"type\":\"join\"}", "invalid_message" },
    { "{\"type\":\"join\",\"class_id\":\"7\"}", "invalid_message" },
    { "{\"type\":\"join\",\"class_id\":-7}", "invalid_message" },
    { "{\"type\":\"join\",\"class_id\":7,\"extra\":1}", "invalid_message" },
    { "{\"type\":\"chat\",\"class_id\":7,\"text\":\"\"}", "invalid_message" },
    { "{\"type\":\"signal\",\"class_id\":7,\"to\":2,\"data\":\"sdp\"}", "invalid_message" },
  };

  join (good, class_id);
  join (bad, class_id);
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(JsonObject) error = NULL;

      sl_test_ws_send (bad, rows[i].message);
      error = sl_test_ws_expect_error (bad, rows[i].code);
    }
  /* a binary frame */
  {
    static const guint8 bytes[] = { 1, 2, 3 };

    soup_websocket_connection_send_binary (bad->conn, bytes, sizeof bytes);
    g_autoptr(JsonObject) error = sl_test_ws_expect_error (bad, "invalid_message");
  }
  /* a signal whose data is just over 64 KiB (the message itself fits) */
  {
    g_autoptr(GString) big = g_string_new (NULL);
    g_autoptr(JsonObject) error = NULL;

    g_string_append_printf (big, "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":2,\"data\":{\"x\":\"", class_id);
    for (int i = 0; i < 64 * 1024 + 100; i++)
      g_string_append_c (big, 'x');
    g_string_append (big, "\"}}");
    sl_test_ws_send (bad, big->str);
    error = sl_test_ws_expect_error (bad, "too_large");
  }
  /* the other client never noticed and still chats */
  sl_test_ws_sendf (good, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"fine\"}", class_id);
  g_autoptr(JsonObject) fine = sl_test_ws_expect (good, "chat");
  g_assert_cmpuint (sl_test_ws_count (good, "error"), ==, 0);

  /* a message over the limit closes the connection with 1009 */
  {
    g_autoptr(GString) huge = g_string_new ("{\"type\":\"ping\",\"pad\":\"");

    for (int i = 0; i < 100 * 1024; i++)
      g_string_append_c (huge, 'p');
    g_string_append (huge, "\"}");
    sl_test_ws_send (bad, huge->str);
    g_assert_cmpuint (sl_test_ws_wait_closed (bad), ==, 1009);
  }
  sl_test_ws_sendf (good, "{\"type\":\"ping\"}");
  g_autoptr(JsonObject) pong = sl_test_ws_expect (good, "pong");
  sl_test_server_free (ts);
}

/* ---- flooding ----------------------------------------------------------- */

static void
test_flood (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Music", FALSE);
  g_autoptr(SlTestWs) flooder = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(SlTestWs) control = sl_test_ws_connect_as (ts, "teacher", "teacher123");
  gint64 worst = 0;

  join (control, class_id);
  join (flooder, class_id);

  /* 4 s of 200 pings a second from the flooder; the control client's
   * round trips stay short all along */
  for (int round = 0; round < 16 && !flooder->closed; round++)
    {
      gint64 sent;
      g_autoptr(JsonObject) pong = NULL;

      for (int i = 0; i < 50 && !flooder->closed; i++)
        sl_test_ws_send (flooder, "{\"type\":\"ping\"}");
      sent = g_get_monotonic_time ();
      sl_test_ws_send (control, "{\"type\":\"ping\"}");
      pong = sl_test_ws_expect (control, "pong");
      worst = MAX (worst, g_get_monotonic_time () - sent);
      sl_test_settle (230);
    }
  g_test_message ("control round trip at worst %.1f ms", worst / 1000.0);
  g_assert_cmpint (worst, <, 250 * 1000);
  g_assert_cmpuint (sl_test_ws_count (flooder, "error"), >=, 1);
  {
    g_autoptr(JsonObject) limited = sl_test_ws_expect_error (flooder, "rate_limited");
  }
  g_assert_cmpuint (sl_test_ws_wait_closed (flooder), ==, 1008);
  g_assert_cmpuint (control->closed, ==, FALSE);
  sl_test_server_free (ts);
}

/* ---- a slow reader ------------------------------------------------------ */

/* A raw client that upgrades and then never reads. */
static GSocketConnection *
raw_ws_connect (SlTestServer *ts,
                const char   *token)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;
  g_autofree char *request = NULL;
  char buffer[1024];
  gssize n;
  int small = 4096;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) sl_server_get_port (ts->server),
                                          NULL, &error);
  g_assert_no_error (error);
  setsockopt (g_socket_get_fd (g_socket_connection_get_socket (conn)), SOL_SOCKET, SO_RCVBUF,
              &small, sizeof small);
  request = g_strdup_printf ("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                             "Authorization: Bearer %s\r\n\r\n", token);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  /* read the 101 (and maybe the hello), then stop reading for good */
  g_socket_set_blocking (g_socket_connection_get_socket (conn), FALSE);
  for (int i = 0; i < 200; i++)
    {
      n = g_socket_receive (g_socket_connection_get_socket (conn), buffer, sizeof buffer, NULL, NULL);
      if (n > 0)
        {
          g_assert_nonnull (g_strstr_len (buffer, n, "101"));
          break;
        }
      sl_test_settle (5);
    }
  return conn;
}

static void
test_slow_reader (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Physics", TRUE);
  gint64 teacher_id = user_id_of (ts, "teacher", "teacher123");
  g_autofree char *teacher_token = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(SlTestWs) normal = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(GSocketConnection) slow = NULL;
  SlTestWs *senders[4];
  g_autoptr(GString) payload = g_string_new (NULL);
  gint64 started;

  slow = raw_ws_connect (ts, teacher_token);
  sl_test_settle (200);
  join (normal, class_id);
  /* the slow client joins by writing a masked frame by hand */
  {
    g_autofree char *text = g_strdup_printf ("{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    gsize len = strlen (text);
    g_autofree guint8 *frame = g_malloc (6 + len);

    frame[0] = 0x81;
    frame[1] = 0x80 | (guint8) len;
    memset (frame + 2, 0, 4);   /* a zero mask leaves the payload as it is */
    memcpy (frame + 6, text, len);
    g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (slow)), frame, 6 + len,
                               NULL, NULL, NULL);
  }
  sl_test_settle (300);
  g_assert_cmpuint (sl_test_ws_count (normal, NULL), <, 100);

  /* four senders pour 60 KB signals at the slow teacher */
  for (int i = 0; i < 60 * 1024; i++)
    g_string_append_c (payload, 'z');
  for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
    {
      g_autofree char *name = g_strdup_printf ("sender%u", s);

      add_student (ts, name);
      senders[s] = sl_test_ws_connect_as (ts, name, "student123");
      join (senders[s], class_id);
    }
  started = g_get_monotonic_time ();
  for (int round = 0; round < 40; round++)
    for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
      sl_test_ws_sendf (senders[s], "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ","
                        "\"data\":{\"p\":\"%s\"}}", class_id, teacher_id, payload->str);

  /* the slow one is dropped: its socket gets closed by the server */
  {
    gboolean dropped = FALSE;

    while (!dropped && g_get_monotonic_time () - started < 10 * G_USEC_PER_SEC)
      {
        g_autoptr(JsonObject) pong = NULL;
        gint64 sent = g_get_monotonic_time ();

        sl_test_ws_send (normal, "{\"type\":\"ping\"}");
        pong = sl_test_ws_expect (normal, "pong");
        /* the others never wait for it */
        g_assert_cmpint (g_get_monotonic_time () - sent, <, 500 * 1000);
        sl_test_settle (100);
        sl_test_ws_sendf (senders[0], "{\"type\":\"signal\",\"class_id\":%" G_GINT64_FORMAT ",\"to\":%" G_GINT64_FORMAT ",\"data\":{}}",
                          class_id, teacher_id);
        {
          g_autoptr(JsonObject) gone = NULL;

          sl_test_settle (50);
          if (sl_test_ws_count (senders[0], "error") > 0)
            {
              gone = sl_test_ws_expect_error (senders[0], "recipient_not_found");
              dropped = TRUE;
            }
        }
      }
    g_assert_true (dropped);
  }

  for (guint s = 0; s < G_N_ELEMENTS (senders); s++)
    sl_test_ws_free (senders[s]);
  sl_test_server_free (ts);
}

/* ---- keepalive ---------------------------------------------------------- */

static void
test_keepalive (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *token = sl_test_login (ts, "student", "student123", NULL);
  g_autoptr(SlTestWs) answering = NULL;
  g_autoptr(GSocketConnection) silent = NULL;
  guint before;
  gint64 started;
  gboolean dropped = FALSE;

  /* ping after 0.3 s of silence, drop after 3 s; the hub looks once a
   * second, so an answering client is heard from at least that often */
  sl_hub_set_keepalive (sl_server_get_hub (ts->server), 300 * 1000, 3 * G_USEC_PER_SEC);
  answering = sl_test_ws_connect (ts, token, NULL, NULL);
  silent = raw_ws_connect (ts, token);
  sl_test_settle (300);
  before = sl_hub_get_n_clients (sl_server_get_hub (ts->server));
  g_assert_cmpuint (before, ==, 2);

  /* the raw client never answers the pings: dropped within a few seconds;
   * libsoup's client answers them (pongs) and stays */
  started = g_get_monotonic_time ();
  while (!dropped && g_get_monotonic_time () - started < 10 * G_USEC_PER_SEC)
    {
      sl_test_settle (100);
      dropped = sl_hub_get_n_clients (sl_server_get_hub (ts->server)) == 1;
    }
  g_assert_true (dropped);
  g_assert_false (answering->closed);
  sl_test_settle (2000);
  g_assert_false (answering->closed);
  sl_test_ws_send (answering, "{\"type\":\"ping\"}");
  g_autoptr(JsonObject) pong = sl_test_ws_expect (answering, "pong");
  sl_test_server_free (ts);
}

/* ---- restart ------------------------------------------------------------ */

static void
test_survives_restart (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  gint64 class_id = make_class (ts, "Spanish", FALSE);
  g_autoptr(SlTestWs) student = sl_test_ws_connect_as (ts, "student", "student123");
  g_autoptr(SlConfig) config = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, };

  join (student, class_id);
  sl_test_ws_sendf (student, "{\"type\":\"chat\",\"class_id\":%" G_GINT64_FORMAT ",\"text\":\"before the restart\"}", class_id);
  g_autoptr(JsonObject) chat = sl_test_ws_expect (student, "chat");
  sl_test_ws_sendf (student, "{\"type\":\"hand_raise\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
  g_autoptr(JsonObject) hand = sl_test_ws_expect (student, "hand");

  /* stop the server: the client is told it goes away */
  sl_server_stop_async (ts->server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_stop_finish (ts->server, wait.result, &error));
  g_object_unref (wait.result);
  g_assert_cmpuint (sl_test_ws_wait_closed (student), ==, 1001);
  g_clear_object (&ts->server);

  /* a new server on the same store */
  config = sl_test_config_new ();
  g_free (config->data_dir);
  config->data_dir = g_strdup (ts->data_dir);
  config->database = g_strdup (ts->db_url);
  ts->server = sl_server_new (g_steal_pointer (&config), &error);
  g_assert_no_error (error);
  wait.done = FALSE;
  sl_server_start_async (ts->server, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  g_assert_true (sl_server_start_finish (ts->server, wait.result, &error));
  g_object_unref (wait.result);
  g_free (ts->base_url);
  ts->base_url = g_strdup_printf ("http://127.0.0.1:%u", sl_server_get_port (ts->server));

  {
    g_autoptr(SlTestWs) again = sl_test_ws_connect_as (ts, "student", "student123");
    g_autoptr(JsonObject) joined = NULL;
    JsonArray *history;

    sl_test_ws_sendf (again, "{\"type\":\"join\",\"class_id\":%" G_GINT64_FORMAT "}", class_id);
    joined = sl_test_ws_expect (again, "joined");
    history = json_object_get_array_member (joined, "chat");
    g_assert_cmpuint (json_array_get_length (history), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (history, 0), "text"),
                     ==, "before the restart");
    g_assert_cmpint (json_object_get_int_member (joined, "hand_position"), ==, 1);
  }
  sl_test_server_free (ts);
}

int
main (int   argc,
      char *argv[])
{
  const char * const *dialects;
  static const struct {
    const char   *name;
    GTestDataFunc func;
  } tests[] = {
    { "upgrade-checks", test_upgrade_checks },
    { "origin-allow-list", test_origin_allow_list },
    { "chat-order-and-history", test_chat_order_and_history },
    { "chat-needs-membership", test_chat_needs_membership },
    { "moderation", test_moderation },
    { "hands-and-presence", test_hands_and_presence },
    { "class-pushes", test_class_pushes },
    { "stage", test_stage },
    { "signal", test_signal },
    { "isolation", test_isolation },
    { "bad-messages", test_bad_messages },
    { "flood", test_flood },
    { "slow-reader", test_slow_reader },
    { "survives-restart", test_survives_restart },
    { "keepalive", test_keepalive },
  };

  g_test_init (&argc, &argv, NULL);
  dialects = sl_test_db_dialects ();
  for (guint d = 0; dialects[d] != NULL; d++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *path = g_strdup_printf ("/hub/%s/%s", dialects[d], tests[t].name);

        g_test_add_data_func (path, dialects[d], tests[t].func);
      }
  return g_test_run ();
}
