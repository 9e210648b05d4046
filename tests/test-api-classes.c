/* test-api-classes.c: /api/classes — scheduling, lists, one class, changes,
 * cancelling, starting and ending, the stream key and the chat history
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-api-classes"

#include "config.h"

#include "sl-json.h"
#include "sl-test-server.h"
#include "sl-test-ws.h"

#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

static void
assert_error (SlTestResponse *resp,
              guint           status,
              const char     *code)
{
  JsonObject *error;

  if (resp->status != status || g_strcmp0 (sl_test_response_error (resp), code) != 0)
    g_error ("expected %u %s, got %u %s", status, code, resp->status,
             sl_test_response_error (resp));
  g_assert_cmpstr (soup_message_headers_get_content_type (resp->headers, NULL),
                   ==, "application/json");
  error = json_object_get_object_member (sl_test_response_object (resp), "error");
  g_assert_cmpuint (strlen (json_object_get_string_member (error, "message")), >, 0);
  g_assert_false (json_object_has_member (sl_test_response_object (resp), "class"));
}

static const char *
error_field (SlTestResponse *resp)
{
  JsonObject *error = json_object_get_object_member (sl_test_response_object (resp), "error");

  if (error == NULL || !json_object_has_member (error, "field"))
    return NULL;
  return json_object_get_string_member (error, "field");
}

static const char *
error_message (SlTestResponse *resp)
{
  JsonObject *error = json_object_get_object_member (sl_test_response_object (resp), "error");

  return json_object_get_string_member (error, "message");
}

/* Checks the shape of a class object. */
static void
check_class (JsonObject *klass)
{
  static const char * const members[] = {
    "id", "title", "description", "scheduled_at", "duration_minutes", "public", "state",
    "owner", "started_at", "ended_at", "created_at",
  };
  JsonObject *owner;

  g_assert_nonnull (klass);
  for (guint i = 0; i < G_N_ELEMENTS (members); i++)
    if (!json_object_has_member (klass, members[i]))
      g_error ("a class without “%s”", members[i]);
  g_assert_cmpint (json_object_get_int_member (klass, "id"), >, 0);
  owner = json_object_get_object_member (klass, "owner");
  g_assert_nonnull (owner);
  g_assert_cmpint (json_object_get_int_member (owner, "id"), >, 0);
  g_assert_true (json_object_has_member (owner, "display_name"));
  /* a secret: never in a class object */
  g_assert_false (json_object_has_member (klass, "stream_key"));
}

/* The "class" member of a 200/201 answer. */
static JsonObject *
class_of (SlTestResponse *resp)
{
  JsonObject *klass = json_object_get_object_member (sl_test_response_object (resp), "class");

  check_class (klass);
  return klass;
}

/* RFC 3339 (UTC) of now + @seconds. */
static char *
time_from_now (gint64 seconds)
{
  return sl_json_format_time (g_get_real_time () / G_USEC_PER_SEC + seconds);
}

/* now + @seconds as local time in a zone @offset_minutes east of UTC, with
 * @fraction (like ".250", or "") after the seconds: "…T10:00:00.250+01:00" */
static char *
time_in_zone (gint64      seconds,
              int         offset_minutes,
              const char *fraction)
{
  g_autoptr(GTimeZone) zone = g_time_zone_new_offset (offset_minutes * 60);
  g_autoptr(GDateTime) when =
    g_date_time_new_from_unix_utc (g_get_real_time () / G_USEC_PER_SEC + seconds);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (when, zone);
  g_autofree char *date = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *offset = g_date_time_format (local, "%:z");

  return g_strconcat (date, fraction, offset, NULL);
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (when);
  return g_date_time_to_unix (when);
}

static char *
class_path (gint64      id,
            const char *suffix)
{
  return g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "%s", id, suffix ? suffix : "");
}

/* POST /api/classes, expecting 201; returns the new class's id. */
static gint64
create_class_body (SlTestServer *ts,
                   const char   *token,
                   const char   *body)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", token, body);

  if (resp->status != 201)
    g_error ("POST /api/classes %s: %u %s", body, resp->status, sl_test_response_error (resp));
  return json_object_get_int_member (class_of (resp), "id");
}

/* A class called @title, @in_seconds from now, for an hour. */
static gint64
create_class (SlTestServer *ts,
              const char   *token,
              const char   *title,
              gint64        in_seconds)
{
  g_autofree char *when = time_from_now (in_seconds);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"%s\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":60}", title, when);

  return create_class_body (ts, token, body);
}

/* GET /api/classes/<id>, expecting 200. */
static JsonObject *
get_class (SlTestServer *ts,
           const char   *token,
           gint64        id)
{
  g_autofree char *path = class_path (id, NULL);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);

  if (resp->status != 200)
    g_error ("GET %s: %u %s", path, resp->status, sl_test_response_error (resp));
  return json_object_ref (class_of (resp));
}

static char *
class_state (SlTestServer *ts,
             const char   *token,
             gint64        id)
{
  g_autoptr(JsonObject) klass = get_class (ts, token, id);

  return g_strdup (json_object_get_string_member (klass, "state"));
}

/* The class serialised, for "nothing changed" checks. */
static char *
class_snapshot (SlTestServer *ts,
                const char   *token,
                gint64        id)
{
  g_autoptr(JsonObject) klass = get_class (ts, token, id);
  g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), klass);

  return json_to_string (node, FALSE);
}

static SlTestResponse *
class_request (SlTestServer *ts,
               const char   *method,
               gint64        id,
               const char   *suffix,
               const char   *token,
               const char   *body)
{
  g_autofree char *path = class_path (id, suffix);

  return sl_test_request (ts, method, path, token, body);
}

/* Sends @method to <id>@suffix and expects 200 {class}; returns the class. */
static JsonObject *
class_action (SlTestServer *ts,
              const char   *method,
              gint64        id,
              const char   *suffix,
              const char   *token,
              const char   *body)
{
  g_autoptr(SlTestResponse) resp = class_request (ts, method, id, suffix, token, body);

  if (resp->status != 200)
    g_error ("%s class %" G_GINT64_FORMAT "%s: %u %s", method, id, suffix ? suffix : "",
             resp->status, sl_test_response_error (resp));
  return json_object_ref (class_of (resp));
}

/* The same, for steps whose answer is not looked at further. */
static void
act (SlTestServer *ts,
     const char   *method,
     gint64        id,
     const char   *suffix,
     const char   *token,
     const char   *body)
{
  g_autoptr(JsonObject) klass = class_action (ts, method, id, suffix, token, body);
}

typedef struct {
  gint64  total;
  GArray *ids;   /* gint64, in order */
} Listing;

static void
listing_free (Listing *listing)
{
  g_array_unref (listing->ids);
  g_free (listing);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listing, listing_free)

/* GET /api/classes/@which?@query, expecting 200. */
static Listing *
list_classes (SlTestServer *ts,
              const char   *token,
              const char   *which,
              const char   *query)
{
  g_autofree char *path = g_strdup_printf ("/api/classes/%s%s%s", which,
                                           query ? "?" : "", query ? query : "");
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, token, NULL);
  Listing *listing = g_new0 (Listing, 1);
  JsonObject *object;
  JsonArray *classes;

  if (resp->status != 200)
    g_error ("GET %s: %u %s", path, resp->status, sl_test_response_error (resp));
  object = sl_test_response_object (resp);
  g_assert_true (json_object_has_member (object, "total"));
  listing->total = json_object_get_int_member (object, "total");
  classes = json_object_get_array_member (object, "classes");
  g_assert_nonnull (classes);
  listing->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < json_array_get_length (classes); i++)
    {
      JsonObject *klass = json_array_get_object_element (classes, i);
      gint64 id = json_object_get_int_member (klass, "id");

      check_class (klass);
      g_array_append_val (listing->ids, id);
    }
  return listing;
}

/* The ids of a listing, "1,2,3". */
static char *
listed_ids (SlTestServer *ts,
            const char   *token,
            const char   *which,
            const char   *query)
{
  g_autoptr(Listing) listing = list_classes (ts, token, which, query);
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < listing->ids->len; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? "," : "",
                            g_array_index (listing->ids, gint64, i));
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
ids_string (guint n,
            ...)
{
  g_autoptr(GString) text = g_string_new (NULL);
  va_list args;

  va_start (args, n);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "%s%" G_GINT64_FORMAT, i ? "," : "", va_arg (args, gint64));
  va_end (args);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Every class there is, in whatever state. */
static gint64
count_classes (SlTestServer *ts,
               const char   *token)
{
  static const char * const lists[] = { "live", "upcoming", "past" };
  gint64 total = 0;

  for (guint i = 0; i < G_N_ELEMENTS (lists); i++)
    {
      g_autoptr(Listing) listing = list_classes (ts, token, lists[i], NULL);

      total += listing->total;
    }
  return total;
}

static gint64
user_id_of (SlTestServer *ts,
            const char   *token)
{
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/profile", token, NULL);
  JsonObject *user;

  g_assert_cmpuint (resp->status, ==, 200);
  user = json_object_get_object_member (sl_test_response_object (resp), "user");
  return json_object_get_int_member (user, "id");
}

/* Creates another account of @role through the admin API and signs it in. */
static char *
new_user (SlTestServer *ts,
          const char   *admin,
          const char   *username,
          const char   *role)
{
  g_autofree char *body = g_strdup_printf ("{\"username\":\"%s\",\"password\":\"longenough1\","
                                           "\"role\":\"%s\"}", username, role);
  g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/admin/users", admin, body);

  g_assert_cmpuint (resp->status, ==, 201);
  return sl_test_login (ts, username, "longenough1", NULL);
}

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

/* Stores a chat message straight into the server's store; returns its id. */
static gint64
add_message (SlTestServer *ts,
             gint64        class_id,
             gint64        user_id,
             const char   *text)
{
  SlStore *store = sl_server_get_store (ts->server);
  g_autoptr(SlChatMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { FALSE, NULL };

  sl_store_add_chat_message_async (store, class_id, user_id, text, NULL, wait_cb, &wait);
  sl_test_wait_for (&wait.done);
  message = sl_store_add_chat_message_finish (store, wait.result, &error);
  g_object_unref (wait.result);
  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message->id;
}

typedef struct {
  gboolean  has_more;
  GArray   *ids;     /* gint64 */
  GPtrArray *texts;
} ChatPage;

static void
chat_page_free (ChatPage *page)
{
  g_array_unref (page->ids);
  g_ptr_array_unref (page->texts);
  g_free (page);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ChatPage, chat_page_free)

/* GET /api/classes/<id>/chat?@query, expecting 200. */
static ChatPage *
get_chat (SlTestServer *ts,
          const char   *token,
          gint64        id,
          const char   *query)
{
  g_autofree char *suffix = g_strdup_printf ("/chat%s%s", query ? "?" : "", query ? query : "");
  g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id, suffix, token, NULL);
  ChatPage *page = g_new0 (ChatPage, 1);
  JsonObject *object;
  JsonArray *messages;

  if (resp->status != 200)
    g_error ("GET chat of %" G_GINT64_FORMAT "?%s: %u %s", id, query, resp->status,
             sl_test_response_error (resp));
  object = sl_test_response_object (resp);
  g_assert_true (json_object_has_member (object, "has_more"));
  page->has_more = json_object_get_boolean_member (object, "has_more");
  messages = json_object_get_array_member (object, "messages");
  g_assert_nonnull (messages);
  page->ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  page->texts = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *message = json_array_get_object_element (messages, i);
      JsonObject *from = json_object_get_object_member (message, "from");
      gint64 message_id = json_object_get_int_member (message, "id");

      g_assert_cmpint (json_object_get_int_member (message, "class_id"), ==, id);
      g_assert_nonnull (from);
      g_assert_cmpint (json_object_get_int_member (from, "id"), >, 0);
      g_assert_true (json_object_has_member (from, "display_name"));
      g_assert_nonnull (json_object_get_string_member (message, "sent_at"));
      g_array_append_val (page->ids, message_id);
      g_ptr_array_add (page->texts, g_strdup (json_object_get_string_member (message, "text")));
    }
  return page;
}

/* ---- create ------------------------------------------------------------- */

static void
test_create (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 teacher_id = user_id_of (ts, teacher);
  gint64 admin_id = user_id_of (ts, admin);

  /* A teacher schedules one: the defaults fill in, the owner is the caller. */
  {
    g_autofree char *when = time_from_now (24 * 3600);
    g_autofree char *body = g_strdup_printf ("{\"title\":\"  Algebra 101  \",\"scheduled_at\":\"%s\","
                                             "\"duration_minutes\":45}", when);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", teacher, body);
    JsonObject *klass, *owner;

    g_assert_cmpuint (resp->status, ==, 201);
    klass = class_of (resp);
    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, "Algebra 101");
    g_assert_cmpstr (json_object_get_string_member (klass, "description"), ==, "");
    g_assert_cmpstr (json_object_get_string_member (klass, "scheduled_at"), ==, when);
    g_assert_cmpint (json_object_get_int_member (klass, "duration_minutes"), ==, 45);
    g_assert_false (json_object_get_boolean_member (klass, "public"));
    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "scheduled");
    g_assert_true (json_object_get_null_member (klass, "started_at"));
    g_assert_true (json_object_get_null_member (klass, "ended_at"));
    g_assert_nonnull (json_object_get_string_member (klass, "created_at"));
    owner = json_object_get_object_member (klass, "owner");
    g_assert_cmpint (json_object_get_int_member (owner, "id"), ==, teacher_id);
    g_assert_cmpstr (json_object_get_string_member (owner, "display_name"), ==, "Demo teacher");
  }

  /* Every field, a time zone other than UTC (answered in UTC), a title of
   * 200 characters that are 400 bytes. */
  {
    g_autoptr(GString) title = g_string_new (NULL);
    g_autofree char *body = NULL;
    g_autoptr(SlTestResponse) resp = NULL;
    JsonObject *klass;
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
    g_autoptr(GDateTime) later = g_date_time_add_days (now, 3);
    g_autoptr(GDateTime) local = NULL;
    g_autofree char *local_text = NULL;
    g_autoptr(GTimeZone) zone = g_time_zone_new_offset (2 * 3600);

    local = g_date_time_to_timezone (later, zone);
    local_text = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S+02:00");
    for (guint i = 0; i < SL_CLASS_TITLE_MAX; i++)
      g_string_append (title, "é");
    body = g_strdup_printf ("{\"title\":\"%s\",\"description\":\"Line one\\nline two\","
                            "\"scheduled_at\":\"%s\",\"duration_minutes\":1440,\"public\":true}",
                            title->str, local_text);
    resp = sl_test_request (ts, "POST", "/api/classes", teacher, body);
    g_assert_cmpuint (resp->status, ==, 201);
    klass = class_of (resp);
    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, title->str);
    g_assert_cmpstr (json_object_get_string_member (klass, "description"), ==,
                     "Line one\nline two");
    g_assert_cmpint (parse_time (json_object_get_string_member (klass, "scheduled_at")), ==,
                     g_date_time_to_unix (later));
    g_assert_true (g_str_has_suffix (json_object_get_string_member (klass, "scheduled_at"), "Z"));
    g_assert_cmpint (json_object_get_int_member (klass, "duration_minutes"), ==, 1440);
    g_assert_true (json_object_get_boolean_member (klass, "public"));
  }

  /* An admin may schedule one too, and owns it. */
  {
    gint64 id = create_class (ts, admin, "Staff meeting", 3600);
    g_autoptr(JsonObject) klass = get_class (ts, student, id);

    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (klass, "owner"),
                                                 "id"), ==, admin_id);
  }
  g_assert_cmpint (count_classes (ts, teacher), ==, 3);

  /* A student may not; nor may nobody. */
  {
    g_autofree char *when = time_from_now (3600);
    g_autofree char *body = g_strdup_printf ("{\"title\":\"Mine\",\"scheduled_at\":\"%s\","
                                             "\"duration_minutes\":30}", when);
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "POST", "/api/classes", student, body);
    g_autoptr(SlTestResponse) anonymous = sl_test_request (ts, "POST", "/api/classes", NULL, body);

    assert_error (resp, 403, "forbidden");
    assert_error (anonymous, 401, "unauthorized");
  }
  g_assert_cmpint (count_classes (ts, teacher), ==, 3);

  sl_test_server_free (ts);
}

static void
test_create_bad_input (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *soon = time_from_now (3600);
  g_autofree char *too_far = time_from_now ((gint64) 3 * 366 * 24 * 3600);
  g_autofree char *long_title = g_strnfill (SL_CLASS_TITLE_MAX + 1, 'x');
  g_autofree char *long_description = g_strnfill (SL_CLASS_DESCRIPTION_MAX + 1, 'd');
  g_autofree char *no_zone = g_strndup (soon, strlen (soon) - 1);   /* drop the Z */
  g_autofree char *date_only = g_strndup (soon, 10);
  const struct {
    const char *title;          /* JSON, or NULL to leave it out */
    const char *description;
    const char *scheduled_at;
    const char *duration;
    const char *extra;          /* more members, with a leading comma */
    const char *code;
    const char *field;
  } cases[] = {
    { NULL, NULL, soon, "60", NULL, "missing_field", "title" },
    { "\"\"", NULL, soon, "60", NULL, "invalid_field", "title" },
    { "\"   \"", NULL, soon, "60", NULL, "invalid_field", "title" },
    { "\"\\u00a0\\u3000\"", NULL, soon, "60", NULL, "invalid_field", "title" },
    { long_title, NULL, soon, "60", NULL, "invalid_field", "title" },
    { "42", NULL, soon, "60", NULL, "invalid_field", "title" },
    { "\"bell\\u0007\"", NULL, soon, "60", NULL, "invalid_field", "title" },
    { "\"Fine\"", long_description, soon, "60", NULL, "invalid_field", "description" },
    { "\"Fine\"", "null", soon, "60", NULL, "invalid_field", "description" },
    { "\"Fine\"", NULL, NULL, "60", NULL, "missing_field", "scheduled_at" },
    { "\"Fine\"", NULL, "tomorrow", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, no_zone, "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, date_only, "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "2027-13-01T10:00:00Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "2027-02-30T10:00:00Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "2027-03-01T25:00:00Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "2027-W10-1T10:00:00Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "20270301T100000Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "2027-03-01T10:00:00+0200", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, "1999-12-31T23:59:59Z", "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, too_far, "60", NULL, "invalid_field", "scheduled_at" },
    { "\"Fine\"", NULL, soon, NULL, NULL, "missing_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "0", NULL, "invalid_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "-30", NULL, "invalid_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "1441", NULL, "invalid_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "\"60\"", NULL, "invalid_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "1.5", NULL, "invalid_field", "duration_minutes" },
    { "\"Fine\"", NULL, soon, "60", ",\"public\":\"yes\"", "invalid_field", "public" },
    { "\"Fine\"", NULL, soon, "60", ",\"public\":1", "invalid_field", "public" },
    { "\"Fine\"", NULL, soon, "60", ",\"colour\":\"red\"", "invalid_field", "colour" },
    { "\"Fine\"", NULL, soon, "60", ",\"owner_id\":1", "invalid_field", "owner_id" },
    { "\"Fine\"", NULL, soon, "60", ",\"state\":\"live\"", "invalid_field", "state" },
    { "\"Fine\"", NULL, soon, "60", ",\"stream_key\":\"mine\"", "invalid_field", "stream_key" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) body = g_string_new ("{");
      g_autoptr(SlTestResponse) resp = NULL;
      g_autofree char *got = NULL, *want = NULL;
      gboolean first = TRUE;

#define MEMBER(name, json, quoted)                                                   \
      if ((json) != NULL)                                                            \
        {                                                                            \
          g_string_append_printf (body, "%s\"%s\":%s%s%s", first ? "" : ",", name,   \
                                  quoted ? "\"" : "", json, quoted ? "\"" : "");      \
          first = FALSE;                                                             \
        }
      MEMBER ("title", cases[i].title, cases[i].title == long_title);
      MEMBER ("description", cases[i].description,
              cases[i].description == long_description);
      MEMBER ("scheduled_at", cases[i].scheduled_at, TRUE);
      MEMBER ("duration_minutes", cases[i].duration, FALSE);
#undef MEMBER
      if (cases[i].extra != NULL)
        g_string_append (body, cases[i].extra);
      g_string_append (body, "}");

      resp = sl_test_request (ts, "POST", "/api/classes", teacher, body->str);
      got = g_strdup_printf ("case %u -> %u %s %s", i, resp->status,
                             sl_test_response_error (resp), error_field (resp));
      want = g_strdup_printf ("case %u -> 400 %s %s", i, cases[i].code, cases[i].field);
      g_assert_cmpstr (got, ==, want);
      assert_error (resp, 400, cases[i].code);
      /* the message names the field too */
      g_assert_true (g_str_has_prefix (error_message (resp), cases[i].field));
    }

  /* Nothing was stored by any of them. */
  g_assert_cmpint (count_classes (ts, teacher), ==, 0);

  /* The same fields, right, are taken (lower-case "t"/"z" and a space too). */
  {
    g_autofree char *lower = g_ascii_strdown (soon, -1);

    g_autofree char *spaced = g_strdup (soon);
    g_autofree char *fraction = time_in_zone (7200, -(5 * 60 + 30), ".250");
    const char *forms[] = { lower, spaced, fraction };

    spaced[10] = ' ';
    for (guint i = 0; i < G_N_ELEMENTS (forms); i++)
      {
        g_autofree char *body = g_strdup_printf ("{\"title\":\"Fine\",\"scheduled_at\":\"%s\","
                                                 "\"duration_minutes\":1}", forms[i]);

        create_class_body (ts, teacher, body);
      }
  }
  g_assert_cmpint (count_classes (ts, teacher), ==, 3);

  sl_test_server_free (ts);
}

/* ---- lists -------------------------------------------------------------- */

static void
test_lists (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 later, soonest, middle, cancelled;

  /* Created out of order: the upcoming list is soonest first.  (Within a
   * second, lists fall back to the newest id first: the classes that end
   * or start later here have the higher ids.) */
  cancelled = create_class (ts, teacher, "Cancelled", 1800);
  later = create_class (ts, teacher, "Later", 3 * 3600);
  soonest = create_class (ts, teacher, "Soonest", 600);
  middle = create_class (ts, teacher, "Middle", 2 * 3600);

  {
    g_autofree char *got = listed_ids (ts, student, "upcoming", NULL);
    g_autofree char *want = ids_string (4, soonest, cancelled, middle, later);

    g_assert_cmpstr (got, ==, want);
  }
  {
    g_autoptr(Listing) live = list_classes (ts, student, "live", NULL);
    g_autoptr(Listing) past = list_classes (ts, student, "past", NULL);

    g_assert_cmpint (live->total, ==, 0);
    g_assert_cmpuint (live->ids->len, ==, 0);
    g_assert_cmpint (past->total, ==, 0);
  }

  /* A cancelled class is in the past, not upcoming. */
  act (ts, "DELETE", cancelled, NULL, teacher, NULL);
  {
    g_autofree char *upcoming = listed_ids (ts, student, "upcoming", NULL);
    g_autofree char *want_upcoming = ids_string (3, soonest, middle, later);
    g_autofree char *past = listed_ids (ts, student, "past", NULL);
    g_autofree char *want_past = ids_string (1, cancelled);

    g_assert_cmpstr (upcoming, ==, want_upcoming);
    g_assert_cmpstr (past, ==, want_past);
  }

  /* Paging: the total is of all, the page of limit from offset. */
  {
    g_autoptr(Listing) first = list_classes (ts, student, "upcoming", "limit=2");
    g_autoptr(Listing) second = list_classes (ts, student, "upcoming", "limit=2&offset=2");
    g_autoptr(Listing) beyond = list_classes (ts, student, "upcoming", "offset=10");

    g_assert_cmpint (first->total, ==, 3);
    g_assert_cmpuint (first->ids->len, ==, 2);
    g_assert_cmpint (g_array_index (first->ids, gint64, 0), ==, soonest);
    g_assert_cmpint (g_array_index (first->ids, gint64, 1), ==, middle);
    g_assert_cmpint (second->total, ==, 3);
    g_assert_cmpuint (second->ids->len, ==, 1);
    g_assert_cmpint (g_array_index (second->ids, gint64, 0), ==, later);
    g_assert_cmpint (beyond->total, ==, 3);
    g_assert_cmpuint (beyond->ids->len, ==, 0);
  }

  /* The default page is 20, the most 100. */
  for (guint i = 0; i < 22; i++)
    {
      g_autofree char *title = g_strdup_printf ("Many %u", i);

      create_class (ts, teacher, title, 4 * 3600 + i * 60);
    }
  {
    g_autoptr(Listing) page = list_classes (ts, student, "upcoming", NULL);
    g_autoptr(Listing) all = list_classes (ts, student, "upcoming", "limit=100");

    g_assert_cmpint (page->total, ==, 25);
    g_assert_cmpuint (page->ids->len, ==, 20);
    g_assert_cmpuint (all->ids->len, ==, 25);
  }

  /* Live: the newest start first; started ones leave upcoming. */
  act (ts, "POST", soonest, "/start", teacher, NULL);
  act (ts, "POST", middle, "/start", admin, NULL);   /* early: an admin may */
  {
    g_autofree char *live = listed_ids (ts, student, "live", NULL);
    g_autofree char *want = ids_string (2, middle, soonest);
    g_autoptr(Listing) upcoming = list_classes (ts, student, "upcoming", NULL);

    g_assert_cmpstr (live, ==, want);
    g_assert_cmpint (upcoming->total, ==, 23);
  }

  /* Past: the latest end first. */
  act (ts, "POST", soonest, "/end", teacher, NULL);
  {
    g_autofree char *past = listed_ids (ts, student, "past", NULL);
    g_autofree char *want = ids_string (2, soonest, cancelled);
    g_autofree char *live = listed_ids (ts, student, "live", NULL);
    g_autofree char *want_live = ids_string (1, middle);

    g_assert_cmpstr (past, ==, want);
    g_assert_cmpstr (live, ==, want_live);
  }

  /* Bad parameters. */
  {
    static const char * const bad[] = {
      "limit=0", "limit=101", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=20x",
      "offset=-1", "offset=x", "offset=99999999999", "limit=%FF",
    };
    static const char * const lists[] = { "live", "upcoming", "past" };

    for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
      for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
        {
          g_autofree char *path = g_strdup_printf ("/api/classes/%s?%s", lists[l], bad[i]);
          g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, student, NULL);
          g_autofree char *got = g_strdup_printf ("%s -> %u %s", path, resp->status,
                                                  sl_test_response_error (resp));
          g_autofree char *want = g_strdup_printf ("%s -> 400 invalid_parameter", path);

          g_assert_cmpstr (got, ==, want);
          g_assert_false (json_object_has_member (sl_test_response_object (resp), "classes"));
        }
  }

  /* Signed-in users only. */
  {
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", "/api/classes/upcoming", NULL, NULL);

    assert_error (resp, 401, "unauthorized");
  }

  sl_test_server_free (ts);
}

/* ---- one class ---------------------------------------------------------- */

static void
test_get (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *when = time_from_now (30 * 24 * 3600);
  g_autofree char *body = g_strdup_printf ("{\"title\":\"Chemistry\",\"description\":\"Bring goggles\","
                                           "\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":90,\"public\":true}", when);
  gint64 id = create_class_body (ts, teacher, body);

  {
    g_autoptr(JsonObject) klass = get_class (ts, student, id);

    g_assert_cmpint (json_object_get_int_member (klass, "id"), ==, id);
    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, "Chemistry");
    g_assert_cmpstr (json_object_get_string_member (klass, "description"), ==, "Bring goggles");
    g_assert_cmpstr (json_object_get_string_member (klass, "scheduled_at"), ==, when);
    g_assert_cmpint (json_object_get_int_member (klass, "duration_minutes"), ==, 90);
    g_assert_true (json_object_get_boolean_member (klass, "public"));
    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "scheduled");
  }

  /* Unknown ids. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id + 1000, NULL, student, NULL);
    g_autoptr(SlTestResponse) huge = sl_test_request (ts, "GET", "/api/classes/9223372036854775807",
                                                      student, NULL);
    g_autoptr(SlTestResponse) anonymous = class_request (ts, "GET", id, NULL, NULL, NULL);

    assert_error (resp, 404, "not_found");
    assert_error (huge, 404, "not_found");
    assert_error (anonymous, 401, "unauthorized");
  }

  sl_test_server_free (ts);
}

/* ---- patch -------------------------------------------------------------- */

static void
test_patch (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *other = new_user (ts, admin, "other", "teacher");
  g_autofree char *when = time_from_now (30 * 24 * 3600);
  g_autofree char *moved = time_in_zone (40 * 24 * 3600, 60, "");
  g_autofree char *moved_utc = sl_json_format_time (parse_time (moved));
  g_autofree char *body = g_strdup_printf ("{\"title\":\"Physics\",\"scheduled_at\":\"%s\","
                                           "\"duration_minutes\":60}", when);
  gint64 id = create_class_body (ts, teacher, body);

  /* The owner changes the title; the rest stays. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "PATCH", id, NULL, teacher,
                                                "{\"title\":\" Physics II \"}");

    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, "Physics II");
    g_assert_cmpstr (json_object_get_string_member (klass, "scheduled_at"), ==, when);
    g_assert_cmpint (json_object_get_int_member (klass, "duration_minutes"), ==, 60);
  }
  /* An admin changes the rest (a time in another zone comes back in UTC). */
  {
    g_autofree char *patch = g_strdup_printf ("{\"description\":\"New room\",\"scheduled_at\":\"%s\","
                                              "\"duration_minutes\":120,\"public\":true}", moved);
    g_autoptr(JsonObject) klass = class_action (ts, "PATCH", id, NULL, admin, patch);
    g_autoptr(JsonObject) read = get_class (ts, student, id);

    g_assert_cmpstr (json_object_get_string_member (klass, "description"), ==, "New room");
    g_assert_true (g_str_has_suffix (moved, "+01:00"));
    g_assert_cmpstr (json_object_get_string_member (klass, "scheduled_at"), ==, moved_utc);
    g_assert_cmpint (json_object_get_int_member (klass, "duration_minutes"), ==, 120);
    g_assert_true (json_object_get_boolean_member (klass, "public"));
    g_assert_cmpstr (json_object_get_string_member (read, "title"), ==, "Physics II");
    g_assert_cmpstr (json_object_get_string_member (read, "description"), ==, "New room");
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (read, "owner"),
                                                 "id"), ==, user_id_of (ts, teacher));
  }
  /* Back to private, description emptied. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "PATCH", id, NULL, teacher,
                                                "{\"public\":false,\"description\":\"\"}");

    g_assert_false (json_object_get_boolean_member (klass, "public"));
    g_assert_cmpstr (json_object_get_string_member (klass, "description"), ==, "");
  }

  /* Refused: nothing changes. */
  {
    g_autofree char *before = class_snapshot (ts, student, id);
    static const struct {
      const char *who;
      const char *body;
      guint       status;
      const char *code;
      const char *field;
    } cases[] = {
      { "other", "{\"title\":\"Mine now\"}", 403, "forbidden", NULL },
      { "student", "{\"title\":\"Mine now\"}", 403, "forbidden", NULL },
      { "teacher", "{}", 400, "nothing_to_change", NULL },
      { "teacher", "{\"title\":\"\"}", 400, "invalid_field", "title" },
      { "teacher", "{\"title\":\"  \"}", 400, "invalid_field", "title" },
      { "teacher", "{\"title\":null}", 400, "invalid_field", "title" },
      { "teacher", "{\"duration_minutes\":0}", 400, "invalid_field", "duration_minutes" },
      { "teacher", "{\"scheduled_at\":\"soon\"}", 400, "invalid_field", "scheduled_at" },
      { "teacher", "{\"public\":\"no\"}", 400, "invalid_field", "public" },
      { "teacher", "{\"state\":\"ended\"}", 400, "invalid_field", "state" },
      { "teacher", "{\"title\":\"Good\",\"owner_id\":5}", 400, "invalid_field", "owner_id" },
      { "teacher", "[]", 400, "invalid_json", NULL },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        const char *token = g_str_equal (cases[i].who, "other") ? other
                          : g_str_equal (cases[i].who, "student") ? student : teacher;
        g_autoptr(SlTestResponse) resp = class_request (ts, "PATCH", id, NULL, token,
                                                        cases[i].body);
        g_autofree char *got = g_strdup_printf ("%s %s -> %u %s %s", cases[i].who, cases[i].body,
                                                resp->status, sl_test_response_error (resp),
                                                error_field (resp));
        g_autofree char *want = g_strdup_printf ("%s %s -> %u %s %s", cases[i].who, cases[i].body,
                                                 cases[i].status, cases[i].code, cases[i].field);

        g_assert_cmpstr (got, ==, want);
      }
    {
      g_autofree char *after = class_snapshot (ts, student, id);

      g_assert_cmpstr (after, ==, before);
    }
  }

  /* Unknown class. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "PATCH", id + 1000, NULL, teacher,
                                                    "{\"title\":\"Ghost\"}");

    assert_error (resp, 404, "not_found");
  }

  /* While live: still allowed. */
  act (ts, "POST", id, "/start", admin, NULL);
  {
    g_autoptr(JsonObject) klass = class_action (ts, "PATCH", id, NULL, teacher,
                                                "{\"title\":\"Physics (live)\"}");

    g_assert_cmpstr (json_object_get_string_member (klass, "title"), ==, "Physics (live)");
    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "live");
  }

  /* Once ended: closed, for the owner and an admin alike. */
  act (ts, "POST", id, "/end", teacher, NULL);
  {
    g_autofree char *before = class_snapshot (ts, student, id);
    g_autoptr(SlTestResponse) resp = class_request (ts, "PATCH", id, NULL, teacher,
                                                    "{\"title\":\"Too late\"}");
    g_autoptr(SlTestResponse) by_admin = class_request (ts, "PATCH", id, NULL, admin,
                                                        "{\"duration_minutes\":5}");
    g_autofree char *after = NULL;

    assert_error (resp, 409, "class_closed");
    assert_error (by_admin, 409, "class_closed");
    after = class_snapshot (ts, student, id);
    g_assert_cmpstr (after, ==, before);
  }

  /* Cancelled: closed too. */
  {
    gint64 other_id = create_class (ts, teacher, "Biology", 3600);
    g_autoptr(SlTestResponse) resp = NULL;

    act (ts, "DELETE", other_id, NULL, teacher, NULL);
    resp = class_request (ts, "PATCH", other_id, NULL, teacher, "{\"title\":\"Again\"}");
    assert_error (resp, 409, "class_closed");
  }

  sl_test_server_free (ts);
}

/* ---- cancel ------------------------------------------------------------- */

static void
test_cancel (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *other = new_user (ts, admin, "other", "teacher");
  gint64 mine = create_class (ts, teacher, "Mine", 3600);
  gint64 by_admin = create_class (ts, teacher, "Admin cancels", 3600);
  gint64 live = create_class (ts, teacher, "Live", 60);
  gint64 ended = create_class (ts, teacher, "Ended", 60);

  /* Others may not. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "DELETE", mine, NULL, other, NULL);
    g_autoptr(SlTestResponse) student_resp = class_request (ts, "DELETE", mine, NULL, student, NULL);
    g_autofree char *state = NULL;

    assert_error (resp, 403, "forbidden");
    assert_error (student_resp, 403, "forbidden");
    state = class_state (ts, student, mine);
    g_assert_cmpstr (state, ==, "scheduled");
  }

  /* The owner may: 200 with the cancelled class, the end time set. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "DELETE", mine, NULL, teacher, NULL);
    g_autoptr(JsonObject) read = get_class (ts, student, mine);

    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "cancelled");
    g_assert_nonnull (json_object_get_string_member (klass, "ended_at"));
    g_assert_true (json_object_get_null_member (klass, "started_at"));
    g_assert_cmpstr (json_object_get_string_member (read, "state"), ==, "cancelled");
  }
  /* So may an admin. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "DELETE", by_admin, NULL, admin, NULL);

    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "cancelled");
  }

  /* Only while scheduled. */
  act (ts, "POST", live, "/start", teacher, NULL);
  act (ts, "POST", ended, "/start", teacher, NULL);
  act (ts, "POST", ended, "/end", teacher, NULL);
  {
    static const struct {
      const char *name;
      const char *code;
      const char *state;
    } cases[] = {
      { "mine", "class_closed", "cancelled" },
      { "live", "class_live", "live" },
      { "ended", "class_closed", "ended" },
    };

    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        gint64 id = g_str_equal (cases[i].name, "mine") ? mine
                  : g_str_equal (cases[i].name, "live") ? live : ended;
        g_autoptr(SlTestResponse) resp = class_request (ts, "DELETE", id, NULL, teacher, NULL);
        g_autoptr(SlTestResponse) by_admin_resp = class_request (ts, "DELETE", id, NULL, admin, NULL);
        g_autofree char *state = NULL;

        assert_error (resp, 409, cases[i].code);
        assert_error (by_admin_resp, 409, cases[i].code);
        state = class_state (ts, student, id);
        g_assert_cmpstr (state, ==, cases[i].state);
      }
  }

  /* A cancelled class cannot start. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", mine, "/start", teacher, NULL);

    assert_error (resp, 409, "class_closed");
  }
  /* Unknown class. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "DELETE", ended + 1000, NULL, teacher, NULL);

    assert_error (resp, 404, "not_found");
  }

  sl_test_server_free (ts);
}

/* ---- start and end ------------------------------------------------------ */

static void
test_start_too_early (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  gint64 in_an_hour = create_class (ts, teacher, "In an hour", 3600);
  gint64 in_twenty = create_class (ts, teacher, "In twenty minutes", 20 * 60);
  gint64 in_ten = create_class (ts, teacher, "In ten minutes", 10 * 60);
  gint64 overdue = create_class (ts, teacher, "Overdue", -3600);

  /* More than 15 minutes ahead: too early for the teacher; the message
   * says from when. */
  {
    g_autoptr(JsonObject) klass = get_class (ts, teacher, in_an_hour);
    g_autofree char *from = sl_json_format_time (
      parse_time (json_object_get_string_member (klass, "scheduled_at")) - 15 * 60);
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", in_an_hour, "/start", teacher, NULL);
    g_autoptr(SlTestResponse) twenty = class_request (ts, "POST", in_twenty, "/start", teacher, NULL);
    g_autofree char *state = NULL;

    assert_error (resp, 409, "too_early");
    g_assert_nonnull (strstr (error_message (resp), from));
    assert_error (twenty, 409, "too_early");
    state = class_state (ts, teacher, in_an_hour);
    g_assert_cmpstr (state, ==, "scheduled");
  }

  /* An admin may start any time. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "POST", in_an_hour, "/start", admin, NULL);

    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "live");
  }
  /* Within 15 minutes, or late: the teacher may. */
  {
    g_autoptr(JsonObject) ten = class_action (ts, "POST", in_ten, "/start", teacher, NULL);
    g_autoptr(JsonObject) late = class_action (ts, "POST", overdue, "/start", teacher, NULL);

    g_assert_cmpstr (json_object_get_string_member (ten, "state"), ==, "live");
    g_assert_cmpstr (json_object_get_string_member (late, "state"), ==, "live");
  }

  sl_test_server_free (ts);
}

static void
test_lifecycle (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *other = new_user (ts, admin, "other", "teacher");
  gint64 id = create_class (ts, teacher, "Lifecycle", 5 * 60);
  gint64 second = create_class (ts, teacher, "Second", 5 * 60);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  /* Not live yet: cannot end. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", id, "/end", teacher, NULL);

    assert_error (resp, 409, "not_live");
  }
  /* Others cannot start it. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", id, "/start", other, NULL);
    g_autoptr(SlTestResponse) student_resp = class_request (ts, "POST", id, "/start", student, NULL);
    g_autofree char *state = NULL;

    assert_error (resp, 403, "forbidden");
    assert_error (student_resp, 403, "forbidden");
    state = class_state (ts, student, id);
    g_assert_cmpstr (state, ==, "scheduled");
  }

  /* Start: live, started_at set. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "POST", id, "/start", teacher, NULL);
    gint64 started = parse_time (json_object_get_string_member (klass, "started_at"));

    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "live");
    g_assert_cmpint (started, >=, now - 5);
    g_assert_cmpint (started, <=, now + 60);
    g_assert_true (json_object_get_null_member (klass, "ended_at"));
  }
  /* Twice: already live, by anyone. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", id, "/start", teacher, NULL);
    g_autoptr(SlTestResponse) by_admin = class_request (ts, "POST", id, "/start", admin, NULL);

    assert_error (resp, 409, "already_live");
    assert_error (by_admin, 409, "already_live");
  }
  /* Others cannot end it. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", id, "/end", other, NULL);
    g_autofree char *state = NULL;

    assert_error (resp, 403, "forbidden");
    state = class_state (ts, student, id);
    g_assert_cmpstr (state, ==, "live");
  }

  /* End: ended, ended_at set, started_at kept. */
  {
    g_autoptr(JsonObject) klass = class_action (ts, "POST", id, "/end", teacher, NULL);
    g_autoptr(JsonObject) read = get_class (ts, student, id);

    g_assert_cmpstr (json_object_get_string_member (klass, "state"), ==, "ended");
    g_assert_nonnull (json_object_get_string_member (klass, "started_at"));
    g_assert_cmpint (parse_time (json_object_get_string_member (klass, "ended_at")), >=,
                     parse_time (json_object_get_string_member (klass, "started_at")));
    g_assert_cmpstr (json_object_get_string_member (read, "state"), ==, "ended");
    g_assert_cmpstr (json_object_get_string_member (read, "ended_at"), ==,
                     json_object_get_string_member (klass, "ended_at"));
  }
  /* Closed now: neither again. */
  {
    g_autoptr(SlTestResponse) end = class_request (ts, "POST", id, "/end", teacher, NULL);
    g_autoptr(SlTestResponse) start = class_request (ts, "POST", id, "/start", admin, NULL);

    assert_error (end, 409, "class_closed");
    assert_error (start, 409, "class_closed");
  }

  /* An admin may end someone else's class. */
  {
    g_autoptr(JsonObject) started = class_action (ts, "POST", second, "/start", teacher, NULL);
    g_autoptr(JsonObject) ended = class_action (ts, "POST", second, "/end", admin, NULL);

    g_assert_cmpstr (json_object_get_string_member (ended, "state"), ==, "ended");
  }

  /* Unknown class. */
  {
    g_autoptr(SlTestResponse) start = class_request (ts, "POST", id + 1000, "/start", teacher, NULL);
    g_autoptr(SlTestResponse) end = class_request (ts, "POST", id + 1000, "/end", teacher, NULL);

    assert_error (start, 404, "not_found");
    assert_error (end, 404, "not_found");
  }

  sl_test_server_free (ts);
}

/* Connected clients hear of starts, changes and ends. */
static void
test_events (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autoptr(SlTestWs) ws = sl_test_ws_connect_as (ts, "student", "student123");
  gint64 id = create_class (ts, teacher, "Events", 60);
  gint64 cancelled = create_class (ts, teacher, "Cancelled", 3600);
  static const struct {
    const char *method;
    const char *suffix;
    const char *body;
    const char *event;
    const char *state;
  } steps[] = {
    { "PATCH", NULL, "{\"title\":\"Events!\"}", "class_updated", "scheduled" },
    { "POST", "/start", NULL, "class_started", "live" },
    { "POST", "/end", NULL, "class_ended", "ended" },
  };

  g_assert_nonnull (ws);
  for (guint i = 0; i < G_N_ELEMENTS (steps); i++)
    {
      g_autoptr(JsonObject) klass = class_action (ts, steps[i].method, id, steps[i].suffix,
                                                  teacher, steps[i].body);
      g_autoptr(JsonObject) event = sl_test_ws_expect (ws, steps[i].event);
      JsonObject *event_class = json_object_get_object_member (event, "class");

      g_assert_nonnull (event_class);
      g_assert_cmpint (json_object_get_int_member (event_class, "id"), ==, id);
      g_assert_cmpstr (json_object_get_string_member (event_class, "state"), ==, steps[i].state);
      g_assert_false (json_object_has_member (event_class, "stream_key"));
    }
  {
    g_autoptr(JsonObject) klass = class_action (ts, "DELETE", cancelled, NULL, teacher, NULL);
    g_autoptr(JsonObject) event = sl_test_ws_expect (ws, "class_updated");
    JsonObject *event_class = json_object_get_object_member (event, "class");

    g_assert_cmpint (json_object_get_int_member (event_class, "id"), ==, cancelled);
    g_assert_cmpstr (json_object_get_string_member (event_class, "state"), ==, "cancelled");
  }

  /* A refused change tells no one. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "POST", id, "/start", teacher, NULL);

    assert_error (resp, 409, "class_closed");
    sl_test_settle (200);
    g_assert_cmpuint (sl_test_ws_count (ws, "class_started"), ==, 0);
    g_assert_cmpuint (sl_test_ws_count (ws, "class_updated"), ==, 0);
  }

  g_clear_pointer (&ws, sl_test_ws_free);
  sl_test_server_free (ts);
}

/* ---- races -------------------------------------------------------------- */

typedef struct {
  guint      pending;
  GPtrArray *answers;   /* "200", "409 already_live", … */
} Race;

typedef struct {
  Race        *race;
  SoupMessage *msg;
} RaceCall;

static void
race_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  RaceCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  const char *code = NULL;

  g_assert_no_error (error);
  if (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                  (gssize) g_bytes_get_size (body), NULL))
    {
      JsonObject *object = json_node_get_object (json_parser_get_root (parser));

      if (json_object_has_member (object, "error"))
        code = json_object_get_string_member (json_object_get_object_member (object, "error"),
                                              "code");
    }
  g_ptr_array_add (call->race->answers,
                   g_strdup_printf ("%u%s%s", soup_message_get_status (call->msg),
                                    code ? " " : "", code ? code : ""));
  call->race->pending--;
  g_object_unref (call->msg);
  g_free (call);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Sends all of @requests ("METHOD /suffix") on class @id at once and
 * returns their answers, sorted, joined by ", ". */
static char *
race (SlTestServer       *ts,
      const char         *token,
      gint64              id,
      const char * const *requests)
{
  Race state = { 0, NULL };
  g_autoptr(GPtrArray) answers = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  state.answers = answers;
  for (guint i = 0; requests[i] != NULL; i++)
    {
      g_auto(GStrv) parts = g_strsplit (requests[i], " ", 2);
      g_autofree char *url = g_strdup_printf ("%s/api/classes/%" G_GINT64_FORMAT "%s",
                                              ts->base_url, id, parts[1] ? parts[1] : "");
      RaceCall *call = g_new0 (RaceCall, 1);

      call->race = &state;
      call->msg = soup_message_new (parts[0], url);
      soup_message_headers_replace (soup_message_get_request_headers (call->msg),
                                    "Authorization", bearer);
      state.pending++;
      soup_session_send_and_read_async (ts->session, call->msg, G_PRIORITY_DEFAULT, NULL,
                                        race_done_cb, call);
    }
  while (state.pending > 0)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for the server");
      g_main_context_iteration (NULL, TRUE);
    }

  g_ptr_array_sort (answers, compare_strings);
  g_ptr_array_add (answers, NULL);
  return g_strjoinv (", ", (char **) answers->pdata);
}

/* Changes at the same moment: one wins, the others get the 409 of the
 * state it left (the store's guard, not only the handler's check). */
static void
test_races (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  gint64 id = create_class (ts, teacher, "Raced", 60);
  gint64 cancelled = create_class (ts, teacher, "Cancelled at once", 3600);
  gint64 either = create_class (ts, teacher, "Start or cancel", 60);

  for (guint round = 0; round < 3; round++)
    {
      static const char * const starts[] = {
        "POST /start", "POST /start", "POST /start", "POST /start", NULL
      };
      static const char * const ends[] = { "POST /end", "POST /end", "POST /end", NULL };
      static const char * const cancels[] = { "DELETE ", "DELETE ", "DELETE ", NULL };
      static const char * const mixed[] = { "POST /start", "DELETE ", NULL };
      g_autofree char *started = NULL, *ended = NULL, *dropped = NULL, *mixed_answers = NULL;
      g_autofree char *state = NULL;

      started = race (ts, teacher, id, starts);
      g_assert_cmpstr (started, ==, "200, 409 already_live, 409 already_live, 409 already_live");
      ended = race (ts, teacher, id, ends);
      g_assert_cmpstr (ended, ==, "200, 409 class_closed, 409 class_closed");
      dropped = race (ts, teacher, cancelled, cancels);
      g_assert_cmpstr (dropped, ==, "200, 409 class_closed, 409 class_closed");

      /* start against cancel: whichever wins, the loser hears why */
      mixed_answers = race (ts, teacher, either, mixed);
      state = class_state (ts, teacher, either);
      if (g_str_equal (state, "live"))
        g_assert_cmpstr (mixed_answers, ==, "200, 409 class_live");
      else
        {
          g_assert_cmpstr (state, ==, "cancelled");
          g_assert_cmpstr (mixed_answers, ==, "200, 409 class_closed");
        }

      id = create_class (ts, teacher, "Raced", 60);
      cancelled = create_class (ts, teacher, "Cancelled at once", 3600);
      either = create_class (ts, teacher, "Start or cancel", 60);
    }

  sl_test_server_free (ts);
}

/* ---- stream key --------------------------------------------------------- */

static void
assert_stream_key (SlTestServer *ts,
                   SlTestResponse *resp,
                   gint64        id,
                   char        **key)
{
  JsonObject *object;
  const char *stream_key, *whip_url;
  g_autofree char *want_url = g_strdup_printf ("%s/whip/%" G_GINT64_FORMAT, ts->base_url, id);

  if (resp->status != 200)
    g_error ("stream key: %u %s", resp->status, sl_test_response_error (resp));
  object = sl_test_response_object (resp);
  stream_key = json_object_get_string_member (object, "stream_key");
  whip_url = json_object_get_string_member (object, "whip_url");
  g_assert_nonnull (stream_key);
  /* 32 random bytes, base64url without padding */
  g_assert_cmpuint (strlen (stream_key), ==, 43);
  for (const char *p = stream_key; *p; p++)
    g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_');
  g_assert_cmpstr (whip_url, ==, want_url);
  *key = g_strdup (stream_key);
}

static void
test_stream_key (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *admin = sl_test_login (ts, "admin", "admin123", NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  g_autofree char *other = new_user (ts, admin, "other", "teacher");
  gint64 id = create_class (ts, teacher, "Keyed", 60);
  gint64 second = create_class (ts, teacher, "Second", 60);
  gint64 admins = create_class (ts, admin, "The admin's", 60);
  g_autofree char *key = NULL;
  g_autofree char *second_key = NULL;

  /* The owner sees it; each class has its own. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id, "/stream-key", teacher, NULL);
    g_autoptr(SlTestResponse) again = class_request (ts, "GET", id, "/stream-key", teacher, NULL);
    g_autoptr(SlTestResponse) other_class = class_request (ts, "GET", second, "/stream-key",
                                                           teacher, NULL);
    g_autofree char *same = NULL;

    assert_stream_key (ts, resp, id, &key);
    assert_stream_key (ts, again, id, &same);
    assert_stream_key (ts, other_class, second, &second_key);
    g_assert_cmpstr (same, ==, key);
    g_assert_cmpstr (second_key, !=, key);
  }
  /* An admin sees the key of a class they own. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", admins, "/stream-key", admin, NULL);
    g_autofree char *admins_key = NULL;

    assert_stream_key (ts, resp, admins, &admins_key);
  }

  /* Nobody else: not another teacher, not an admin, not a student. */
  {
    const char *tokens[] = { other, admin, student };

    for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
      {
        g_autoptr(SlTestResponse) get = class_request (ts, "GET", id, "/stream-key", tokens[i], NULL);
        g_autoptr(SlTestResponse) rotate = class_request (ts, "POST", id, "/stream-key", tokens[i],
                                                          NULL);

        assert_error (get, 403, "forbidden");
        assert_error (rotate, 403, "forbidden");
        g_assert_false (json_object_has_member (sl_test_response_object (get), "stream_key"));
        g_assert_false (json_object_has_member (sl_test_response_object (rotate), "stream_key"));
      }
  }
  /* Unknown class. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id + 1000, "/stream-key", teacher,
                                                    NULL);

    assert_error (resp, 404, "not_found");
  }
  /* Unchanged by the refused rotations. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id, "/stream-key", teacher, NULL);
    g_autofree char *now_key = NULL;

    assert_stream_key (ts, resp, id, &now_key);
    g_assert_cmpstr (now_key, ==, key);
  }

  /* The owner rotates it: a new key, shown from then on; the other class's
   * stays. */
  {
    g_autoptr(SlTestResponse) rotated = class_request (ts, "POST", id, "/stream-key", teacher, NULL);
    g_autoptr(SlTestResponse) read = class_request (ts, "GET", id, "/stream-key", teacher, NULL);
    g_autoptr(SlTestResponse) second_read = class_request (ts, "GET", second, "/stream-key",
                                                           teacher, NULL);
    g_autofree char *new_key = NULL, *read_key = NULL, *second_now = NULL;

    assert_stream_key (ts, rotated, id, &new_key);
    assert_stream_key (ts, read, id, &read_key);
    assert_stream_key (ts, second_read, second, &second_now);
    g_assert_cmpstr (new_key, !=, key);
    g_assert_cmpstr (read_key, ==, new_key);
    g_assert_cmpstr (second_now, ==, second_key);
    g_free (key);
    key = g_steal_pointer (&new_key);
  }
  /* Live: still rotates. */
  act (ts, "POST", id, "/start", teacher, NULL);
  {
    g_autoptr(SlTestResponse) rotated = class_request (ts, "POST", id, "/stream-key", teacher, NULL);
    g_autofree char *new_key = NULL;

    assert_stream_key (ts, rotated, id, &new_key);
    g_assert_cmpstr (new_key, !=, key);
    g_free (key);
    key = g_steal_pointer (&new_key);
  }
  /* Ended: rotation is refused and the key stays. */
  act (ts, "POST", id, "/end", teacher, NULL);
  {
    g_autoptr(SlTestResponse) rotated = class_request (ts, "POST", id, "/stream-key", teacher, NULL);
    g_autoptr(SlTestResponse) read = class_request (ts, "GET", id, "/stream-key", teacher, NULL);
    g_autofree char *read_key = NULL;

    assert_error (rotated, 409, "class_closed");
    assert_stream_key (ts, read, id, &read_key);
    g_assert_cmpstr (read_key, ==, key);
  }
  /* Cancelled: refused too. */
  {
    g_autoptr(SlTestResponse) rotated = NULL;

    act (ts, "DELETE", second, NULL, teacher, NULL);
    rotated = class_request (ts, "POST", second, "/stream-key", teacher, NULL);
    assert_error (rotated, 409, "class_closed");
  }

  /* The key never shows in class objects (check_class asserts it). */
  {
    g_autoptr(Listing) past = list_classes (ts, student, "past", NULL);
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id, NULL, teacher, NULL);
    g_autofree char *text = g_strndup (g_bytes_get_data (resp->body, NULL),
                                       g_bytes_get_size (resp->body));

    g_assert_cmpint (past->total, ==, 2);
    g_assert_cmpuint (resp->status, ==, 200);
    g_assert_null (strstr (text, key));
  }

  sl_test_server_free (ts);
}

/* The WHIP URL follows the Host the client used. */
static void
test_stream_key_host (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  gint64 id = create_class (ts, teacher, "Hosted", 60);
  static const struct {
    const char *host;
    const char *authority;   /* NULL: the server's own address */
  } cases[] = {
    { "school.example:8443", "school.example:8443" },
    { "streamlet.example.org", "streamlet.example.org" },
    { "[::1]:8080", "[::1]:8080" },
    { "evil.example/path?", NULL },
    { "a b", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/api/classes/%" G_GINT64_FORMAT "/stream-key",
                                              ts->base_url, id);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autofree char *bearer = g_strconcat ("Bearer ", teacher, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autofree char *want = NULL;
      const char *whip_url;
      Wait wait = { FALSE, NULL };

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", bearer);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Host", cases[i].host);
      /* the server runs on this thread's main context: wait for it there */
      soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
      sl_test_wait_for (&wait.done);
      body = soup_session_send_and_read_finish (ts->session, wait.result, &error);
      g_object_unref (wait.result);
      g_assert_no_error (error);
      if (soup_message_get_status (msg) == SOUP_STATUS_BAD_REQUEST && cases[i].authority == NULL)
        continue;   /* libsoup may refuse a malformed Host itself: fine too */
      g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
      g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL),
                                                 (gssize) g_bytes_get_size (body), NULL));
      whip_url = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)),
                                                "whip_url");
      if (cases[i].authority != NULL)
        want = g_strdup_printf ("http://%s/whip/%" G_GINT64_FORMAT, cases[i].authority, id);
      else
        want = g_strdup_printf ("%s/whip/%" G_GINT64_FORMAT, ts->base_url, id);
      g_assert_cmpstr (whip_url, ==, want);
    }

  sl_test_server_free (ts);
}

/* ---- chat history ------------------------------------------------------- */

static void
test_chat (gconstpointer data)
{
  SlTestServer *ts = sl_test_server_new (data, NULL);
  g_autofree char *teacher = sl_test_login (ts, "teacher", "teacher123", NULL);
  g_autofree char *student = sl_test_login (ts, "student", "student123", NULL);
  gint64 student_id = user_id_of (ts, student);
  gint64 teacher_id = user_id_of (ts, teacher);
  gint64 id = create_class (ts, teacher, "Chatty", 60);
  gint64 quiet = create_class (ts, teacher, "Quiet", 60);
  gint64 m[5];

  /* A new class has none. */
  {
    g_autoptr(ChatPage) page = get_chat (ts, student, id, NULL);

    g_assert_cmpuint (page->ids->len, ==, 0);
    g_assert_false (page->has_more);
  }
  /* An unknown class is not found. */
  {
    g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id + 1000, "/chat", student, NULL);
    g_autoptr(SlTestResponse) anonymous = class_request (ts, "GET", id, "/chat", NULL, NULL);

    assert_error (resp, 404, "not_found");
    assert_error (anonymous, 401, "unauthorized");
  }

  for (guint i = 0; i < G_N_ELEMENTS (m); i++)
    {
      g_autofree char *text = g_strdup_printf ("message %u", i);

      m[i] = add_message (ts, id, i % 2 ? teacher_id : student_id, text);
    }
  add_message (ts, quiet, teacher_id, "elsewhere");   /* another class's */
  add_message (ts, quiet, teacher_id, "elsewhere too");

  /* All, oldest first, with their authors. */
  {
    g_autoptr(ChatPage) page = get_chat (ts, student, id, NULL);
    g_autofree char *path = class_path (id, "/chat");
    g_autoptr(SlTestResponse) resp = sl_test_request (ts, "GET", path, student, NULL);
    JsonArray *messages = json_object_get_array_member (sl_test_response_object (resp), "messages");
    JsonObject *first = json_array_get_object_element (messages, 0);
    JsonObject *second = json_array_get_object_element (messages, 1);

    g_assert_cmpuint (page->ids->len, ==, 5);
    g_assert_false (page->has_more);
    for (guint i = 0; i < 5; i++)
      {
        g_autofree char *text = g_strdup_printf ("message %u", i);

        g_assert_cmpint (g_array_index (page->ids, gint64, i), ==, m[i]);
        g_assert_cmpstr (g_ptr_array_index (page->texts, i), ==, text);
      }
    g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (first, "from"), "id"),
                     ==, student_id);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (first, "from"),
                                                    "display_name"), ==, "Demo student");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (second, "from"),
                                                    "display_name"), ==, "Demo teacher");
  }

  /* Paging back from the newest. */
  {
    g_autoptr(ChatPage) newest = get_chat (ts, student, id, "limit=2");
    g_autofree char *query = g_strdup_printf ("limit=2&before=%" G_GINT64_FORMAT, m[3]);
    g_autoptr(ChatPage) older = get_chat (ts, student, id, query);
    g_autofree char *query2 = g_strdup_printf ("before=%" G_GINT64_FORMAT "&limit=2", m[1]);
    g_autoptr(ChatPage) oldest = get_chat (ts, student, id, query2);
    g_autofree char *query3 = g_strdup_printf ("before=%" G_GINT64_FORMAT, m[0]);
    g_autoptr(ChatPage) none = get_chat (ts, student, id, query3);
    g_autofree char *query4 = g_strdup_printf ("limit=3&before=%" G_GINT64_FORMAT, m[3]);
    g_autoptr(ChatPage) exact = get_chat (ts, student, id, query4);

    g_assert_cmpuint (newest->ids->len, ==, 2);
    g_assert_cmpint (g_array_index (newest->ids, gint64, 0), ==, m[3]);
    g_assert_cmpint (g_array_index (newest->ids, gint64, 1), ==, m[4]);
    g_assert_true (newest->has_more);

    g_assert_cmpuint (older->ids->len, ==, 2);
    g_assert_cmpint (g_array_index (older->ids, gint64, 0), ==, m[1]);
    g_assert_cmpint (g_array_index (older->ids, gint64, 1), ==, m[2]);
    g_assert_true (older->has_more);

    g_assert_cmpuint (oldest->ids->len, ==, 1);
    g_assert_cmpint (g_array_index (oldest->ids, gint64, 0), ==, m[0]);
    g_assert_false (oldest->has_more);

    g_assert_cmpuint (none->ids->len, ==, 0);
    g_assert_false (none->has_more);

    /* exactly the rest: no more */
    g_assert_cmpuint (exact->ids->len, ==, 3);
    g_assert_cmpint (g_array_index (exact->ids, gint64, 0), ==, m[0]);
    g_assert_false (exact->has_more);
  }

  /* The other class's messages stay there. */
  {
    g_autoptr(ChatPage) page = get_chat (ts, teacher, quiet, NULL);

    g_assert_cmpuint (page->ids->len, ==, 2);
    g_assert_cmpstr (g_ptr_array_index (page->texts, 0), ==, "elsewhere");
  }

  /* Bad parameters. */
  {
    static const char * const bad[] = {
      "limit=0", "limit=201", "limit=x", "before=0", "before=-1", "before=abc", "before=",
      "before=99999999999999999999",
    };

    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autofree char *suffix = g_strdup_printf ("/chat?%s", bad[i]);
        g_autoptr(SlTestResponse) resp = class_request (ts, "GET", id, suffix, student, NULL);
        g_autofree char *got = g_strdup_printf ("%s -> %u %s", bad[i], resp->status,
                                                sl_test_response_error (resp));
        g_autofree char *want = g_strdup_printf ("%s -> 400 invalid_parameter", bad[i]);

        g_assert_cmpstr (got, ==, want);
      }
  }
  /* The most at once: 200. */
  {
    g_autoptr(ChatPage) page = get_chat (ts, student, id, "limit=200");

    g_assert_cmpuint (page->ids->len, ==, 5);
  }

  sl_test_server_free (ts);
}

/* ---- main --------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  const char * const *dialects;
  static const struct {
    const char   *name;
    GTestDataFunc func;
  } tests[] = {
    { "create", test_create },
    { "create-bad-input", test_create_bad_input },
    { "lists", test_lists },
    { "get", test_get },
    { "patch", test_patch },
    { "cancel", test_cancel },
    { "start-too-early", test_start_too_early },
    { "lifecycle", test_lifecycle },
    { "events", test_events },
    { "races", test_races },
    { "stream-key", test_stream_key },
    { "stream-key-host", test_stream_key_host },
    { "chat", test_chat },
  };

  g_test_init (&argc, &argv, NULL);

  dialects = sl_test_db_dialects ();
  for (guint d = 0; dialects[d] != NULL; d++)
    for (guint t = 0; t < G_N_ELEMENTS (tests); t++)
      {
        g_autofree char *path = g_strdup_printf ("/api-classes/%s/%s", dialects[d], tests[t].name);

        g_test_add_data_func (path, dialects[d], tests[t].func);
      }

  return g_test_run ();
}
