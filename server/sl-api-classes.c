/* sl-api-classes.c: /api/classes — scheduling and listing classes, their
 * lifecycle (start, end, cancel), the stream key and the chat history
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-api"

#include "config.h"

#include "sl-api.h"
#include "sl-json.h"
#include "sl-server.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

#define SL_CLASS_PAGE_DEFAULT 20
#define SL_CLASS_PAGE_MAX 100
#define SL_CHAT_PAGE_DEFAULT 50
#define SL_CHAT_PAGE_MAX 200

/* 32 random bytes, base64url without padding: 43 characters. */
#define SL_STREAM_KEY_BYTES 32

/* A teacher may go live this long before the scheduled time; admins any time. */
#define SL_START_EARLY_SECONDS (15 * 60)

/* scheduled_at: from 2000-01-01T00:00:00Z to two years from now. */
#define SL_SCHEDULE_EARLIEST G_GINT64_CONSTANT (946684800)
#define SL_SCHEDULE_AHEAD_YEARS 2

/* ---- query strings ------------------------------------------------------ */

/* Decodes the query string into *query (NULL when there is none); answers
 * 400 and returns FALSE when it cannot be read. */
static gboolean
read_query (SlRequest   *req,
            GHashTable **query)
{
  const char *raw = g_uri_get_query (soup_server_message_get_uri (req->msg));

  *query = NULL;
  if (raw == NULL)
    return TRUE;
  if (!g_utf8_validate (raw, -1, NULL) || (*query = soup_form_decode (raw)) == NULL)
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "the query string cannot be read");
      return FALSE;
    }
  return TRUE;
}

/* Reads ?name=N as a whole number in [min, max]; absent → @fallback.
 * Answers 400 invalid_parameter and returns FALSE when it is not one. */
static gboolean
query_number (SlRequest  *req,
              GHashTable *query,
              const char *name,
              guint64     min,
              guint64     max,
              guint64     fallback,
              guint64    *out)
{
  const char *text = query ? g_hash_table_lookup (query, name) : NULL;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, min, max, out, NULL))
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "invalid_parameter",
                              "%s: must be a whole number from %" G_GUINT64_FORMAT
                              " to %" G_GUINT64_FORMAT, name, min, max);
      return FALSE;
    }
  return TRUE;
}

/* ---- reading a class from a request body -------------------------------- */

static gboolean
text_is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* Does @text have the shape of an RFC 3339 date-time with a time zone:
 * YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM), "T" also "t" or " ", "Z" also "z"?
 * (g_date_time_new_from_iso8601() takes more of ISO 8601: week and ordinal
 * dates, the basic format, zones without a colon.) */
static gboolean
looks_like_rfc3339 (const char *text)
{
  static const char shape[] = "dddd-dd-ddTdd:dd:dd";
  const char *p = text;

  for (guint i = 0; shape[i] != '\0'; i++, p++)
    {
      if (shape[i] == 'd' ? !g_ascii_isdigit (*p)
          : shape[i] == 'T' ? (*p != 'T' && *p != 't' && *p != ' ')
          : *p != shape[i])
        return FALSE;
    }
  if (*p == '.')
    {
      const char *digits = ++p;

      while (g_ascii_isdigit (*p))
        p++;
      if (p == digits || p - digits > 9)
        return FALSE;
    }
  if (*p == 'Z' || *p == 'z')
    return p[1] == '\0';
  return (*p == '+' || *p == '-') &&
         g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) && p[3] == ':' &&
         g_ascii_isdigit (p[4]) && g_ascii_isdigit (p[5]) && p[6] == '\0';
}

static gboolean
parse_scheduled_at (const char  *text,
                    gint64      *out,
                    GError     **error)
{
  g_autofree char *upper = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) latest = NULL;
  gint64 seconds;

  if (looks_like_rfc3339 (text))
    {
      /* GLib wants the upper-case "T" and "Z" */
      upper = g_ascii_strup (text, -1);
      when = g_date_time_new_from_iso8601 (upper, NULL);
    }
  if (when == NULL)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "scheduled_at: must be an RFC 3339 date and time with a time zone, "
                   "like 2030-03-01T09:30:00Z or 2030-03-01T10:30:00+01:00");
      return FALSE;
    }

  now = g_date_time_new_now_utc ();
  latest = g_date_time_add_years (now, SL_SCHEDULE_AHEAD_YEARS);
  seconds = g_date_time_to_unix (when);
  if (seconds < SL_SCHEDULE_EARLIEST || seconds > g_date_time_to_unix (latest))
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "scheduled_at: must be between 2000-01-01 and %d years from now",
                   SL_SCHEDULE_AHEAD_YEARS);
      return FALSE;
    }
  *out = seconds;
  return TRUE;
}

/* Reads the fields of a class from @body into @values: all of them when
 * @creating (title, scheduled_at and duration_minutes required), else the
 * ones given; *fields says which were given. */
static gboolean
read_class_fields (JsonObject     *body,
                   gboolean        creating,
                   SlClass        *values,
                   SlClassFields  *fields,
                   GError        **error)
{
  static const char * const allowed[] = {
    "title", "description", "scheduled_at", "duration_minutes", "public", NULL
  };
  const char *title = NULL, *description = NULL, *scheduled_at = NULL;
  gint64 duration = 0;
  gboolean is_public = FALSE;
  SlClassFields mask = 0;

  if (!sl_json_only_fields (body, allowed, error) ||
      !sl_json_get_string (body, "title", creating, 1, SL_CLASS_TITLE_MAX, &title, error) ||
      !sl_json_get_string (body, "description", FALSE, 0, SL_CLASS_DESCRIPTION_MAX,
                           &description, error) ||
      !sl_json_get_string (body, "scheduled_at", creating, 1, 64, &scheduled_at, error) ||
      !sl_json_get_int (body, "duration_minutes", creating, 1, SL_CLASS_DURATION_MAX,
                        &duration, error) ||
      !sl_json_get_boolean (body, "public", FALSE, &is_public, error))
    return FALSE;

  if (title != NULL)
    {
      if (text_is_blank (title))
        {
          g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE, "title: must not be blank");
          return FALSE;
        }
      g_free (values->title);
      values->title = g_strstrip (g_strdup (title));
      mask |= SL_CLASS_FIELD_TITLE;
    }
  if (description != NULL)
    {
      g_free (values->description);
      values->description = g_strdup (description);
      mask |= SL_CLASS_FIELD_DESCRIPTION;
    }
  if (scheduled_at != NULL)
    {
      if (!parse_scheduled_at (scheduled_at, &values->scheduled_at, error))
        return FALSE;
      mask |= SL_CLASS_FIELD_SCHEDULED_AT;
    }
  if (json_object_has_member (body, "duration_minutes"))
    {
      values->duration_minutes = (gint) duration;
      mask |= SL_CLASS_FIELD_DURATION;
    }
  if (json_object_has_member (body, "public"))
    {
      values->is_public = is_public;
      mask |= SL_CLASS_FIELD_PUBLIC;
    }

  *fields = mask;
  return TRUE;
}

static char *
new_stream_key (void)
{
  guint8 bytes[SL_STREAM_KEY_BYTES];
  char *text;

  if (RAND_bytes (bytes, sizeof bytes) != 1)
    g_error ("the system random number generator failed");

  text = g_base64_encode (bytes, sizeof bytes);
  OPENSSL_cleanse (bytes, sizeof bytes);
  /* base64url, no padding */
  g_strdelimit (text, "+", '-');
  g_strdelimit (text, "/", '_');
  for (char *p = text + strlen (text); p > text && p[-1] == '='; p--)
    p[-1] = '\0';
  return text;
}

/* ---- create ------------------------------------------------------------- */

static void
class_created_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;

  klass = sl_store_create_class_finish (SL_STORE (source), result, &error);
  if (klass == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  g_message ("user %" G_GINT64_FORMAT " scheduled class %" G_GINT64_FORMAT,
             klass->owner_id, klass->id);
  /* class browsers show it at once */
  sl_server_class_changed (req->server, "class_scheduled", klass);
  sl_request_reply (req, SOUP_STATUS_CREATED, "class", sl_class_to_json (klass));
}

void
sl_api_classes_create (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) klass = sl_class_new ();
  SlClassFields fields = 0;

  if (!read_class_fields (req->body, TRUE, klass, &fields, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  klass->owner_id = req->claims->user_id;
  klass->stream_key = new_stream_key ();
  klass->state = SL_CLASS_SCHEDULED;

  /* the store takes a copy */
  sl_store_create_class_async (sl_server_get_store (req->server), klass, NULL,
                               class_created_cb, req);
}

/* ---- lists -------------------------------------------------------------- */

static void
classes_listed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  SlRequest *req = user_data;
  g_autoptr(SlClassPage) page = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonArray *classes;

  page = sl_store_list_classes_finish (SL_STORE (source), result, &error);
  if (page == NULL)
    {
      sl_request_reply_gerror (req, error);
      return;
    }

  classes = json_array_sized_new (page->classes->len);
  for (guint i = 0; i < page->classes->len; i++)
    json_array_add_element (classes, sl_class_to_json (g_ptr_array_index (page->classes, i)));

  object = json_object_new ();
  json_object_set_array_member (object, "classes", classes);
  json_object_set_int_member (object, "total", page->total);
  sl_request_reply (req, SOUP_STATUS_OK, NULL, json_node_init_object (json_node_alloc (), object));
}

static void
list_classes (SlRequest   *req,
              SlClassList  which)
{
  g_autoptr(GHashTable) query = NULL;
  guint64 limit, offset;

  if (!read_query (req, &query) ||
      !query_number (req, query, "limit", 1, SL_CLASS_PAGE_MAX, SL_CLASS_PAGE_DEFAULT, &limit) ||
      !query_number (req, query, "offset", 0, G_MAXINT32, 0, &offset))
    return;

  sl_store_list_classes_async (sl_server_get_store (req->server), which,
                               (guint) limit, (guint) offset, NULL, classes_listed_cb, req);
}

void
sl_api_classes_live (SlRequest *req)
{
  list_classes (req, SL_CLASS_LIST_LIVE);
}

void
sl_api_classes_upcoming (SlRequest *req)
{
  list_classes (req, SL_CLASS_LIST_UPCOMING);
}

void
sl_api_classes_past (SlRequest *req)
{
  list_classes (req, SL_CLASS_LIST_PAST);
}

/* ---- one class: read it, check who asks and its state, then act --------- */

typedef enum {
  ACTION_GET,
  ACTION_PATCH,
  ACTION_CANCEL,
  ACTION_START,
  ACTION_END,
  ACTION_SHOW_KEY,
  ACTION_ROTATE_KEY,
  ACTION_CHAT,
} ClassAction;

typedef enum {
  ANYONE,           /* any signed-in user the route lets in */
  OWNER_OR_ADMIN,
  OWNER_ONLY,
} ClassAccess;

static const struct {
  ClassAccess   access;
  SlClassState  allowed;   /* the states the action applies to */
  const char   *event;     /* for sl_server_class_changed(), or NULL */
} actions[] = {
  [ACTION_GET]        = { ANYONE,         SL_CLASS_SCHEDULED | SL_CLASS_LIVE |
                                          SL_CLASS_ENDED | SL_CLASS_CANCELLED, NULL },
  [ACTION_PATCH]      = { OWNER_OR_ADMIN, SL_CLASS_SCHEDULED | SL_CLASS_LIVE, "class_updated" },
  [ACTION_CANCEL]     = { OWNER_OR_ADMIN, SL_CLASS_SCHEDULED, "class_updated" },
  [ACTION_START]      = { OWNER_OR_ADMIN, SL_CLASS_SCHEDULED, "class_started" },
  [ACTION_END]        = { OWNER_OR_ADMIN, SL_CLASS_LIVE, "class_ended" },
  [ACTION_SHOW_KEY]   = { OWNER_ONLY,     SL_CLASS_SCHEDULED | SL_CLASS_LIVE |
                                          SL_CLASS_ENDED | SL_CLASS_CANCELLED, NULL },
  [ACTION_ROTATE_KEY] = { OWNER_ONLY,     SL_CLASS_SCHEDULED | SL_CLASS_LIVE, NULL },
  [ACTION_CHAT]       = { ANYONE,         SL_CLASS_SCHEDULED | SL_CLASS_LIVE |
                                          SL_CLASS_ENDED | SL_CLASS_CANCELLED, NULL },
};

typedef struct {
  SlRequest     *req;
  ClassAction    action;
  SlClass       *values;    /* PATCH and rotate: what to write */
  SlClassFields  fields;
  guint          limit;     /* chat */
  gint64         before;    /* chat: 0 for the newest */
} ClassOp;

static ClassOp *
class_op_new (SlRequest   *req,
              ClassAction  action)
{
  ClassOp *op = g_new0 (ClassOp, 1);

  op->req = req;
  op->action = action;
  return op;
}

static void
class_op_free (ClassOp *op)
{
  g_clear_pointer (&op->values, sl_class_free);
  g_free (op);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClassOp, class_op_free)

static void
reply_not_found (SlRequest *req)
{
  sl_request_reply_error (req, SOUP_STATUS_NOT_FOUND, "not_found",
                          "there is no class %" G_GINT64_FORMAT, req->id);
}

static void
reply_store_error (SlRequest    *req,
                   const GError *error)
{
  if (g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_NOT_FOUND))
    reply_not_found (req);
  else
    sl_request_reply_gerror (req, error);
}

/* The 409 for @action on a class in a state it does not apply to. */
static void
reply_wrong_state (SlRequest     *req,
                   ClassAction    action,
                   const SlClass *klass)
{
  switch (klass->state)
    {
    case SL_CLASS_ENDED:
    case SL_CLASS_CANCELLED:
      sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "class_closed",
                              "class %" G_GINT64_FORMAT " %s: it cannot be changed any more",
                              klass->id,
                              klass->state == SL_CLASS_ENDED ? "has ended" : "was cancelled");
      return;
    case SL_CLASS_LIVE:
      if (action == ACTION_START)
        {
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "already_live",
                                  "class %" G_GINT64_FORMAT " is live already", klass->id);
          return;
        }
      if (action == ACTION_CANCEL)
        {
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "class_live",
                                  "class %" G_GINT64_FORMAT " is live: end it rather than "
                                  "cancel it", klass->id);
          return;
        }
      break;
    case SL_CLASS_SCHEDULED:
      if (action == ACTION_END)
        {
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "not_live",
                                  "class %" G_GINT64_FORMAT " has not started", klass->id);
          return;
        }
      break;
    default:
      break;
    }

  /* every state an action refuses is handled above */
  g_warning ("class %" G_GINT64_FORMAT ": no answer for action %d in state %s",
             klass->id, (int) action, sl_class_state_to_string (klass->state));
  sl_request_reply_error (req, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal_error",
                          "the server could not complete the request");
}

/* Who may do @action on @klass; answers 403 and returns FALSE for others. */
static gboolean
check_access (SlRequest     *req,
              ClassAction    action,
              const SlClass *klass)
{
  gboolean owner = klass->owner_id == req->claims->user_id;

  switch (actions[action].access)
    {
    case ANYONE:
      return TRUE;
    case OWNER_OR_ADMIN:
      if (owner || req->claims->role == SL_ROLE_ADMIN)
        return TRUE;
      sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden",
                              "only the teacher of class %" G_GINT64_FORMAT
                              " or an admin may do this", klass->id);
      return FALSE;
    case OWNER_ONLY:
      if (owner)
        return TRUE;
      sl_request_reply_error (req, SOUP_STATUS_FORBIDDEN, "forbidden",
                              "only the teacher of class %" G_GINT64_FORMAT
                              " may see or change its stream key", klass->id);
      return FALSE;
    default:
      break;
    }
  g_assert_not_reached ();
  return FALSE;
}

/* The authority (host[:port]) clients reach this server at: the Host
 * header when it looks like one, else the address the request came in on. */
static char *
request_authority (SlRequest *req)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (req->msg);
  const char *host = soup_message_headers_get_one (headers, "Host");
  GSocketAddress *local;

  if (host != NULL && *host != '\0' && strlen (host) <= 255)
    {
      const char *p;

      for (p = host; *p != '\0'; p++)
        if (!g_ascii_isalnum (*p) && strchr (".-_:[]", *p) == NULL)
          break;
      if (*p == '\0')
        return g_strdup (host);
    }

  local = soup_server_message_get_local_address (req->msg);
  if (G_IS_INET_SOCKET_ADDRESS (local))
    {
      GInetAddress *address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
      guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
      g_autofree char *text = g_inet_address_to_string (address);

      if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("[%s]:%u", text, port);
      return g_strdup_printf ("%s:%u", text, port);
    }
  return g_strdup_printf ("localhost:%u", sl_server_get_port (req->server));
}

static void
reply_stream_key (SlRequest     *req,
                  const SlClass *klass)
{
  GUri *uri = soup_server_message_get_uri (req->msg);
  const char *scheme = uri != NULL && g_uri_get_scheme (uri) != NULL ? g_uri_get_scheme (uri)
                                                                      : "http";
  g_autofree char *authority = request_authority (req);
  g_autofree char *whip_url = g_strdup_printf ("%s://%s/whip/%" G_GINT64_FORMAT,
                                               scheme, authority, klass->id);
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "stream_key", klass->stream_key);
  json_object_set_string_member (object, "whip_url", whip_url);
  sl_request_reply (req, SOUP_STATUS_OK, NULL, json_node_init_object (json_node_alloc (), object));
}

static void
state_reread_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(ClassOp) op = user_data;
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;

  klass = sl_store_get_class_finish (SL_STORE (source), result, &error);
  if (klass == NULL)
    reply_store_error (op->req, error);
  else
    reply_wrong_state (op->req, op->action, klass);
}

/* The answer of update_class or set_class_state. */
static void
class_changed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ClassOp) op = user_data;
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;
  SlRequest *req = op->req;

  if (op->action == ACTION_PATCH || op->action == ACTION_ROTATE_KEY)
    klass = sl_store_update_class_finish (SL_STORE (source), result, &error);
  else
    klass = sl_store_set_class_state_finish (SL_STORE (source), result, &error);

  if (klass == NULL)
    {
      if (g_error_matches (error, SL_STORE_ERROR, SL_STORE_ERROR_CONFLICT))
        {
          /* it changed state since we read it: say what it is now */
          sl_store_get_class_async (SL_STORE (source), req->id, NULL, state_reread_cb,
                                    g_steal_pointer (&op));
          return;
        }
      reply_store_error (req, error);
      return;
    }

  if (actions[op->action].event != NULL)
    sl_server_class_changed (req->server, actions[op->action].event, klass);

  switch (op->action)
    {
    case ACTION_ROTATE_KEY:
      g_message ("user %" G_GINT64_FORMAT " rotated the stream key of class %" G_GINT64_FORMAT,
                 req->claims->user_id, klass->id);
      reply_stream_key (req, klass);
      return;
    case ACTION_START:
    case ACTION_END:
    case ACTION_CANCEL:
      g_message ("user %" G_GINT64_FORMAT " made class %" G_GINT64_FORMAT " %s",
                 req->claims->user_id, klass->id, sl_class_state_to_string (klass->state));
      break;
    default:
      break;
    }
  sl_request_reply (req, SOUP_STATUS_OK, "class", sl_class_to_json (klass));
}

static void
chat_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(ClassOp) op = user_data;
  g_autoptr(GPtrArray) messages = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  JsonArray *array;
  gboolean has_more;
  guint first;

  messages = sl_store_list_chat_messages_finish (SL_STORE (source), result, &error);
  if (messages == NULL)
    {
      reply_store_error (op->req, error);
      return;
    }

  /* one more than asked for was fetched, oldest first: if it came, there
   * are older messages, and it is the first one */
  has_more = messages->len > op->limit;
  first = has_more ? messages->len - op->limit : 0;

  array = json_array_sized_new (messages->len - first);
  for (guint i = first; i < messages->len; i++)
    json_array_add_element (array, sl_chat_message_to_json (g_ptr_array_index (messages, i)));

  object = json_object_new ();
  json_object_set_array_member (object, "messages", array);
  json_object_set_boolean_member (object, "has_more", has_more);
  sl_request_reply (op->req, SOUP_STATUS_OK, NULL,
                    json_node_init_object (json_node_alloc (), object));
}

static void
class_got_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(ClassOp) op = user_data;
  g_autoptr(SlClass) klass = NULL;
  g_autoptr(GError) error = NULL;
  SlStore *store = SL_STORE (source);
  SlRequest *req = op->req;
  SlClassState allowed = actions[op->action].allowed;
  ClassOp *owned;   /* handed on to the next callback */

  klass = sl_store_get_class_finish (store, result, &error);
  if (klass == NULL)
    {
      reply_store_error (req, error);
      return;
    }
  if (!check_access (req, op->action, klass))
    return;
  if (!(klass->state & allowed))
    {
      reply_wrong_state (req, op->action, klass);
      return;
    }

  switch (op->action)
    {
    case ACTION_GET:
      sl_request_reply (req, SOUP_STATUS_OK, "class", sl_class_to_json (klass));
      return;

    case ACTION_SHOW_KEY:
      reply_stream_key (req, klass);
      return;

    case ACTION_CHAT:
      owned = g_steal_pointer (&op);
      sl_store_list_chat_messages_async (store, klass->id, owned->before, owned->limit + 1, NULL,
                                         chat_listed_cb, owned);
      return;

    case ACTION_PATCH:
      owned = g_steal_pointer (&op);
      sl_store_update_class_async (store, klass->id, owned->fields, owned->values, allowed, NULL,
                                   class_changed_cb, owned);
      return;

    case ACTION_ROTATE_KEY:
      op->values = sl_class_new ();
      op->values->stream_key = new_stream_key ();
      op->fields = SL_CLASS_FIELD_STREAM_KEY;
      owned = g_steal_pointer (&op);
      sl_store_update_class_async (store, klass->id, owned->fields, owned->values, allowed, NULL,
                                   class_changed_cb, owned);
      return;

    case ACTION_START:
      if (req->claims->role != SL_ROLE_ADMIN &&
          g_get_real_time () / G_USEC_PER_SEC < klass->scheduled_at - SL_START_EARLY_SECONDS)
        {
          char from[32], at[32];

          sl_json_format_time_buf (klass->scheduled_at - SL_START_EARLY_SECONDS, from);
          sl_json_format_time_buf (klass->scheduled_at, at);
          sl_request_reply_error (req, SOUP_STATUS_CONFLICT, "too_early",
                                  "class %" G_GINT64_FORMAT " is scheduled for %s: it can be "
                                  "started from %s, %d minutes before", klass->id, at, from,
                                  SL_START_EARLY_SECONDS / 60);
          return;
        }
      sl_store_set_class_state_async (store, klass->id, allowed, SL_CLASS_LIVE, NULL,
                                      class_changed_cb, g_steal_pointer (&op));
      return;

    case ACTION_END:
      sl_store_set_class_state_async (store, klass->id, allowed, SL_CLASS_ENDED, NULL,
                                      class_changed_cb, g_steal_pointer (&op));
      return;

    case ACTION_CANCEL:
      sl_store_set_class_state_async (store, klass->id, allowed, SL_CLASS_CANCELLED, NULL,
                                      class_changed_cb, g_steal_pointer (&op));
      return;

    default:
      g_assert_not_reached ();
    }
}

static void
class_op_run (ClassOp *op)
{
  sl_store_get_class_async (sl_server_get_store (op->req->server), op->req->id, NULL,
                            class_got_cb, op);
}

void
sl_api_class_get (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_GET));
}

void
sl_api_class_patch (SlRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SlClass) values = sl_class_new ();
  SlClassFields fields = 0;
  ClassOp *op;

  if (!read_class_fields (req->body, FALSE, values, &fields, &error))
    {
      sl_request_reply_gerror (req, error);
      return;
    }
  if (fields == 0)
    {
      sl_request_reply_error (req, SOUP_STATUS_BAD_REQUEST, "nothing_to_change",
                              "give title, description, scheduled_at, duration_minutes "
                              "and/or public");
      return;
    }

  op = class_op_new (req, ACTION_PATCH);
  op->values = g_steal_pointer (&values);
  op->fields = fields;
  class_op_run (op);
}

void
sl_api_class_cancel (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_CANCEL));
}

void
sl_api_class_start (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_START));
}

void
sl_api_class_end (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_END));
}

void
sl_api_class_stream_key (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_SHOW_KEY));
}

void
sl_api_class_rotate_key (SlRequest *req)
{
  class_op_run (class_op_new (req, ACTION_ROTATE_KEY));
}

void
sl_api_class_chat (SlRequest *req)
{
  g_autoptr(GHashTable) query = NULL;
  guint64 limit, before;
  ClassOp *op;

  if (!read_query (req, &query) ||
      !query_number (req, query, "limit", 1, SL_CHAT_PAGE_MAX, SL_CHAT_PAGE_DEFAULT, &limit) ||
      !query_number (req, query, "before", 1, G_MAXINT64, 0, &before))
    return;

  op = class_op_new (req, ACTION_CHAT);
  op->limit = (guint) limit;
  op->before = (gint64) before;
  class_op_run (op);
}
