/* test-protocol.c: the real-time protocol's message parser and error replies
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-protocol.h"

#include <string.h>

#define OK (-1)   /* a row that parses */

typedef struct {
  const char    *name;
  const char    *json;
  int            error;        /* OK, or the SlProtocolError expected */
  const char    *field;        /* the error message starts with it, when not NULL */
  const char    *ref;          /* expected in *ref (success and failure alike) */
  SlMessageType  type;         /* the rest: expected on success */
  gint64         class_id;
  gint64         user_id;
  gint64         to;
  gint64         message_id;
  const char    *text;
} Row;

#define INVALID SL_PROTOCOL_ERROR_INVALID_MESSAGE

static const Row rows[] = {
  /* every type, valid */
  { "join", "{\"type\":\"join\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_JOIN, 7 },
  { "join-ref", "{\"ref\":\"r1\",\"type\":\"join\",\"class_id\":7}", OK, NULL, "r1", SL_MSG_JOIN, 7 },
  { "leave", "{\"type\":\"leave\",\"class_id\":8}", OK, NULL, NULL, SL_MSG_LEAVE, 8 },
  { "chat", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"hi\\nthere\\tall\"}", OK, NULL, NULL,
    SL_MSG_CHAT, 7, 0, 0, 0, "hi\nthere\tall" },
  { "chat-unicode", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"ol\\u00e1 \\ud83d\\ude00\"}", OK,
    NULL, NULL, SL_MSG_CHAT, 7, 0, 0, 0, "ol\xc3\xa1 \xf0\x9f\x98\x80" },
  { "chat_delete", "{\"type\":\"chat_delete\",\"class_id\":7,\"message_id\":42}", OK, NULL, NULL,
    SL_MSG_CHAT_DELETE, 7, 0, 0, 42 },
  { "mute", "{\"type\":\"mute\",\"class_id\":7,\"user_id\":3}", OK, NULL, NULL, SL_MSG_MUTE, 7, 3 },
  { "unmute", "{\"type\":\"unmute\",\"class_id\":7,\"user_id\":3}", OK, NULL, NULL, SL_MSG_UNMUTE, 7, 3 },
  { "hand_raise", "{\"type\":\"hand_raise\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_HAND_RAISE, 7 },
  { "hand_lower", "{\"type\":\"hand_lower\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_HAND_LOWER, 7 },
  { "hand_dismiss", "{\"type\":\"hand_dismiss\",\"class_id\":7,\"user_id\":4}", OK, NULL, NULL,
    SL_MSG_HAND_DISMISS, 7, 4 },
  { "stage_invite", "{\"type\":\"stage_invite\",\"class_id\":7,\"to\":5}", OK, NULL, NULL,
    SL_MSG_STAGE_INVITE, 7, 0, 5 },
  { "stage_accept", "{\"type\":\"stage_accept\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_STAGE_ACCEPT, 7 },
  { "stage_decline", "{\"type\":\"stage_decline\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_STAGE_DECLINE, 7 },
  { "stage_end-self", "{\"type\":\"stage_end\",\"class_id\":7}", OK, NULL, NULL, SL_MSG_STAGE_END, 7, 0, 0 },
  { "stage_end-to", "{\"type\":\"stage_end\",\"class_id\":7,\"to\":6}", OK, NULL, NULL, SL_MSG_STAGE_END, 7, 0, 6 },
  { "signal", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"sdp\":\"v=0\",\"n\":[1,2.5]}}", OK,
    NULL, NULL, SL_MSG_SIGNAL, 7, 0, 3 },
  { "ping", "{\"type\":\"ping\"}", OK, NULL, NULL, SL_MSG_PING },
  { "ping-ref", " {\"type\" : \"ping\", \"ref\": \"x\"} \n", OK, NULL, "x", SL_MSG_PING },
  { "id-max", "{\"type\":\"join\",\"class_id\":9007199254740992}", OK, NULL, NULL, SL_MSG_JOIN,
    G_GINT64_CONSTANT (9007199254740992) },
  { "ref-64", "{\"type\":\"ping\",\"ref\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
    OK, NULL, "0123456789012345678901234567890123456789012345678901234567890123", SL_MSG_PING },

  /* missing fields */
  { "join-no-class", "{\"type\":\"join\"}", INVALID, "class_id: this field is required" },
  { "chat-no-text", "{\"type\":\"chat\",\"class_id\":7}", INVALID, "text:" },
  { "chat_delete-no-id", "{\"type\":\"chat_delete\",\"class_id\":7}", INVALID, "message_id:" },
  { "mute-no-user", "{\"type\":\"mute\",\"class_id\":7}", INVALID, "user_id:" },
  { "unmute-no-user", "{\"type\":\"unmute\",\"class_id\":7}", INVALID, "user_id:" },
  { "hand_dismiss-no-user", "{\"type\":\"hand_dismiss\",\"class_id\":7}", INVALID, "user_id:" },
  { "stage_invite-no-to", "{\"type\":\"stage_invite\",\"class_id\":7}", INVALID, "to:" },
  { "signal-no-to", "{\"type\":\"signal\",\"class_id\":7,\"data\":{}}", INVALID, "to:" },
  { "signal-no-data", "{\"type\":\"signal\",\"class_id\":7,\"to\":3}", INVALID, "data:" },
  { "stage_accept-no-class", "{\"type\":\"stage_accept\"}", INVALID, "class_id:" },

  /* wrong types and values of ids */
  { "id-string", "{\"type\":\"join\",\"class_id\":\"7\"}", INVALID, "class_id: must be a positive integer" },
  { "id-float", "{\"type\":\"join\",\"class_id\":7.0}", INVALID, "class_id: must be a positive integer" },
  { "id-exponent", "{\"type\":\"join\",\"class_id\":7e0}", INVALID, "class_id: must be a positive integer" },
  { "id-zero", "{\"type\":\"join\",\"class_id\":0}", INVALID, "class_id: must be a positive integer" },
  { "id-negative", "{\"type\":\"leave\",\"class_id\":-7}", INVALID, "class_id: must be a positive integer" },
  { "id-2^53+1", "{\"type\":\"join\",\"class_id\":9007199254740993}", INVALID, "class_id:" },
  { "id-2^60", "{\"type\":\"join\",\"class_id\":1152921504606846976}", INVALID, "class_id:" },
  { "id-bool", "{\"type\":\"join\",\"class_id\":true}", INVALID, "class_id:" },
  { "id-null", "{\"type\":\"join\",\"class_id\":null}", INVALID, "class_id:" },
  { "id-object", "{\"type\":\"join\",\"class_id\":{}}", INVALID, "class_id:" },
  /* json-glib would wrap these to 1 and -1 */
  { "id-wraps-to-1", "{\"type\":\"join\",\"class_id\":-18446744073709551615}", INVALID,
    "the message is not valid JSON: a number too large" },
  { "id-2^64+1", "{\"type\":\"mute\",\"class_id\":7,\"user_id\":18446744073709551617}", INVALID,
    "the message is not valid JSON: a number too large" },
  { "user-id-string", "{\"type\":\"mute\",\"class_id\":7,\"user_id\":\"3\"}", INVALID, "user_id:" },
  { "to-float", "{\"type\":\"stage_invite\",\"class_id\":7,\"to\":1.5}", INVALID, "to:" },
  { "stage_end-to-zero", "{\"type\":\"stage_end\",\"class_id\":7,\"to\":0}", INVALID, "to:" },
  { "stage_end-to-null", "{\"type\":\"stage_end\",\"class_id\":7,\"to\":null}", INVALID, "to:" },
  { "message-id-negative", "{\"type\":\"chat_delete\",\"class_id\":7,\"message_id\":-1}", INVALID, "message_id:" },

  /* unknown fields */
  { "join-extra", "{\"type\":\"join\",\"class_id\":7,\"user_id\":3}", INVALID, "user_id: unknown field" },
  { "chat-extra", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"a\",\"html\":\"<b>\"}", INVALID, "html: unknown field" },
  { "ping-extra", "{\"type\":\"ping\",\"class_id\":7}", INVALID, "class_id: unknown field" },
  { "signal-extra", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{},\"from\":1}", INVALID, "from:" },
  { "mute-extra", "{\"type\":\"mute\",\"class_id\":7,\"user_id\":3,\"muted\":true}", INVALID, "muted:" },
  { "stage_end-extra", "{\"type\":\"stage_end\",\"class_id\":7,\"user_id\":3}", INVALID, "user_id:" },
  { "camel-case", "{\"type\":\"join\",\"classId\":7}", INVALID, "classId: unknown field" },

  /* the type */
  { "unknown-type", "{\"type\":\"dance\",\"class_id\":7}", SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type:" },
  { "server-type", "{\"type\":\"pong\"}", SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type:" },
  { "type-case", "{\"type\":\"JOIN\",\"class_id\":7}", SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type:" },
  { "type-empty", "{\"type\":\"\"}", SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type:" },
  { "type-number", "{\"type\":1}", INVALID, "type: must be a string" },
  { "type-null", "{\"type\":null}", INVALID, "type: must be a string" },
  { "type-array", "{\"type\":[\"join\"]}", INVALID, "type: must be a string" },
  { "no-type", "{\"class_id\":7}", INVALID, "type: this field is required" },
  { "empty-object", "{}", INVALID, "type:" },

  /* not a JSON object */
  { "array", "[{\"type\":\"ping\"}]", INVALID },
  { "string", "\"ping\"", INVALID },
  { "number", "42", INVALID },
  { "garbage", "hello there", INVALID },
  { "empty", "", INVALID },
  { "truncated", "{\"type\":\"ping\"", INVALID },
  { "trailing", "{\"type\":\"ping\"} {}", INVALID },
  { "single-quotes", "{'type':'ping'}", INVALID },
  { "invalid-utf8", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"\xc3\x28\"}", INVALID },
  { "lone-surrogate", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"\\ud800\"}", INVALID },

  /* ref */
  { "ref-65", "{\"type\":\"ping\",\"ref\":\"01234567890123456789012345678901234567890123456789012345678901234\"}",
    INVALID, "ref:" },
  { "ref-empty", "{\"type\":\"ping\",\"ref\":\"\"}", INVALID, "ref:" },
  { "ref-number", "{\"type\":\"ping\",\"ref\":5}", INVALID, "ref: must be a string" },
  { "ref-control", "{\"type\":\"ping\",\"ref\":\"a\\u0001\"}", INVALID, "ref:" },
  /* a ref read before the failure is handed back */
  { "ref-echo-unknown-type", "{\"type\":\"dance\",\"ref\":\"q7\"}", SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type:", "q7" },
  { "ref-echo-missing", "{\"type\":\"join\",\"ref\":\"q8\"}", INVALID, "class_id:", "q8" },
  { "ref-echo-no-type", "{\"ref\":\"q9\"}", INVALID, "type:", "q9" },
  { "ref-echo-extra", "{\"ref\":\"q10\",\"type\":\"ping\",\"x\":1}", INVALID, "x:", "q10" },
  { "ref-echo-chat", "{\"ref\":\"q11\",\"type\":\"chat\",\"class_id\":7,\"text\":\"  \"}", INVALID, "text:", "q11" },

  /* chat text */
  { "chat-empty", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"\"}", INVALID, "text:" },
  { "chat-blank", "{\"type\":\"chat\",\"class_id\":7,\"text\":\" \\n\\t \"}", INVALID, "text: must not be blank" },
  { "chat-blank-nbsp", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"\\u00a0\\u3000\"}", INVALID, "text:" },
  { "chat-control", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"a\\u0007b\"}", INVALID, "text:" },
  { "chat-cr", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"a\\r\\nb\"}", INVALID, "text:" },
  { "chat-del", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"a\x7f\"}", INVALID, "text:" },
  { "chat-c1", "{\"type\":\"chat\",\"class_id\":7,\"text\":\"a\\u0085b\"}", INVALID, "text:" },
  { "chat-number", "{\"type\":\"chat\",\"class_id\":7,\"text\":5}", INVALID, "text: must be a string" },

  /* signal data */
  { "signal-data-string", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":\"sdp\"}", INVALID,
    "data: must be an object" },
  { "signal-data-array", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":[]}", INVALID, "data:" },
  { "signal-data-null", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":null}", INVALID, "data:" },
  /* json-glib would make 1e400 an infinity and write it as "inf.0" */
  { "signal-data-inf", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"x\":[1e400]}}", INVALID,
    "the message is not valid JSON: a number too large" },
  { "signal-data-huge-int", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"x\":99999999999999999999}}",
    INVALID, "the message is not valid JSON: a number too large" },
  /* and 1e20 as "1e+20.0" */
  { "signal-data-1e20", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"x\":[1e020]}}", INVALID,
    "data:" },
  { "signal-data-neg-1e17", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"y\":{\"x\":-1E17}}}",
    INVALID, "data:" },
  { "signal-data-big-ok", "{\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"x\":-9223372036854775808,"
    "\"y\":1e300,\"z\":1e-400}}", OK, NULL, NULL, SL_MSG_SIGNAL, 7, 0, 3 },
};

static void
check_row (const Row *row)
{
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *shown = g_strescape (row->json, NULL);

  g_test_message ("row %s: %s", row->name, shown);
  message = sl_client_message_parse (row->json, strlen (row->json), &ref, &error);
  g_assert_cmpstr (ref, ==, row->ref);

  if (row->error != OK)
    {
      g_assert_null (message);
      g_assert_error (error, SL_PROTOCOL_ERROR, row->error);
      g_test_message ("  -> %s: %s", sl_protocol_error_code (error->code), error->message);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      if (row->field != NULL && !g_str_has_prefix (error->message, row->field))
        g_error ("row %s: error \"%s\" does not start with \"%s\"",
                 row->name, error->message, row->field);
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (message);
  g_assert_cmpint (message->type, ==, row->type);
  g_assert_cmpstr (message->ref, ==, row->ref);
  g_assert_cmpint (message->class_id, ==, row->class_id);
  g_assert_cmpint (message->user_id, ==, row->user_id);
  g_assert_cmpint (message->to, ==, row->to);
  g_assert_cmpint (message->message_id, ==, row->message_id);
  g_assert_cmpstr (message->text, ==, row->text);
  if (row->type == SL_MSG_SIGNAL)
    {
      g_assert_nonnull (message->data);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (message->data));
    }
  else
    g_assert_null (message->data);
}

static void
test_table (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    check_row (&rows[i]);
}

/* Every type, valid, appears in the table, and its name round-trips. */
static void
test_type_names (void)
{
  static const char * const names[] = {
    "join", "leave", "chat", "chat_delete", "mute", "unmute", "hand_raise", "hand_lower",
    "hand_dismiss", "stage_invite", "stage_accept", "stage_decline", "stage_end", "signal",
    "ping",
  };

  g_assert_cmpint (G_N_ELEMENTS (names), ==, SL_MSG_PING + 1);
  for (guint t = 0; t <= SL_MSG_PING; t++)
    {
      gboolean seen = FALSE;

      g_assert_cmpstr (sl_message_type_to_string (t), ==, names[t]);
      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        if (rows[i].error == OK && rows[i].type == t)
          seen = TRUE;
      g_assert_true (seen);
    }
}

static void
test_error_codes (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

  g_assert_cmpstr (sl_protocol_error_code (SL_PROTOCOL_ERROR_INVALID_MESSAGE), ==, "invalid_message");
  g_assert_cmpstr (sl_protocol_error_code (SL_PROTOCOL_ERROR_TOO_LARGE), ==, "too_large");
  g_assert_cmpstr (sl_protocol_error_code (SL_PROTOCOL_ERROR_INTERNAL), ==, "internal_error");
  g_assert_cmpstr (sl_protocol_error_code (SL_PROTOCOL_ERROR_RECIPIENT_NOT_FOUND), ==,
                   "recipient_not_found");

  for (guint code = 0; code <= SL_PROTOCOL_ERROR_INTERNAL; code++)
    {
      const char *wire = sl_protocol_error_code (code);

      g_assert_nonnull (wire);
      g_assert_cmpuint (strlen (wire), >, 0);
      g_assert_false (g_hash_table_contains (seen, wire));
      g_hash_table_add (seen, (gpointer) wire);
    }
  g_assert_cmpuint (g_hash_table_size (seen), ==, 13);
}

static char *
chat_json (const char *unit,
           guint       count)
{
  g_autoptr(GString) json = g_string_new ("{\"type\":\"chat\",\"class_id\":7,\"text\":\"");

  for (guint i = 0; i < count; i++)
    g_string_append (json, unit);
  g_string_append (json, "\"}");
  return g_string_free (g_steal_pointer (&json), FALSE);
}

/* The limit counts characters, not bytes. */
static void
test_chat_length (void)
{
  static const struct {
    const char *unit;
    guint       count;
    gboolean    ok;
  } cases[] = {
    { "a", 2000, TRUE },
    { "a", 2001, FALSE },
    { "\xc3\xa9", 2000, TRUE },            /* é: 4000 bytes */
    { "\xf0\x9f\x98\x80", 2000, TRUE },    /* 😀: 8000 bytes */
    { "\\u00e9", 2000, TRUE },             /* escaped: 12000 bytes of JSON */
    { "\xf0\x9f\x98\x80", 2001, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = chat_json (cases[i].unit, cases[i].count);
      g_autoptr(SlClientMessage) message = NULL;
      g_autoptr(GError) error = NULL;

      message = sl_client_message_parse (json, strlen (json), NULL, &error);
      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpint (g_utf8_strlen (message->text, -1), ==, cases[i].count);
        }
      else
        {
          g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE);
          g_assert_true (g_str_has_prefix (error->message, "text:"));
          g_assert_null (message);
        }
    }
}

/* A signal whose "data" serialises to @size bytes: {"p":"xxx…"} */
static char *
signal_json (gsize       size,
             const char *ref)
{
  g_autoptr(GString) json = g_string_new ("{");
  gsize filler = size - strlen ("{\"p\":\"\"}");

  if (ref != NULL)
    g_string_append_printf (json, "\"ref\":\"%s\",", ref);
  g_string_append (json, "\"type\":\"signal\",\"class_id\":7,\"to\":3,\"data\":{\"p\":\"");
  for (gsize i = 0; i < filler; i++)
    g_string_append_c (json, 'x');
  g_string_append (json, "\"}}");
  return g_string_free (g_steal_pointer (&json), FALSE);
}

static void
test_signal_size (void)
{
  g_autofree char *fits = signal_json (SL_PROTOCOL_MAX_SIGNAL, NULL);
  g_autofree char *over = signal_json (SL_PROTOCOL_MAX_SIGNAL + 1, "big");
  g_autofree char *whole = signal_json (SL_PROTOCOL_MAX_MESSAGE, "whole");
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *data = NULL;
  gsize length = 0;

  /* exactly 64 KiB of data is fine, and kept as it came */
  message = sl_client_message_parse (fits, strlen (fits), NULL, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (message->data));
  data = json_to_string (message->data, FALSE);
  length = strlen (data);
  g_assert_cmpuint (length, ==, SL_PROTOCOL_MAX_SIGNAL);
  g_clear_pointer (&message, sl_client_message_free);

  /* one byte more is too_large, with the ref */
  g_assert_cmpuint (strlen (over), <=, SL_PROTOCOL_MAX_MESSAGE);
  message = sl_client_message_parse (over, strlen (over), &ref, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_TOO_LARGE);
  g_assert_true (g_str_has_prefix (error->message, "data:"));
  g_assert_null (message);
  g_assert_cmpstr (ref, ==, "big");
  g_clear_error (&error);
  g_clear_pointer (&ref, g_free);

  /* a whole message over 65 KiB is refused before it is parsed: no ref */
  g_assert_cmpuint (strlen (whole), >, SL_PROTOCOL_MAX_MESSAGE);
  message = sl_client_message_parse (whole, strlen (whole), &ref, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_TOO_LARGE);
  g_assert_null (message);
  g_assert_null (ref);
  g_clear_error (&error);

  /* the limit is on the length given, whatever the text */
  message = sl_client_message_parse ("{\"type\":\"ping\"}", SL_PROTOCOL_MAX_MESSAGE + 1, NULL, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_TOO_LARGE);
  g_assert_null (message);
}

/* Bytes json-glib must not see: a NUL inside, and a length that stops
 * short of the closing brace. */
static void
test_lengths (void)
{
  static const char with_nul[] = "{\"type\":\"ping\"}\0garbage";
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;

  message = sl_client_message_parse (with_nul, sizeof with_nul - 1, NULL, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE);
  g_assert_null (message);
  g_clear_error (&error);

  message = sl_client_message_parse (with_nul, strlen (with_nul) - 1, NULL, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE);
  g_clear_error (&error);

  message = sl_client_message_parse (with_nul, strlen (with_nul), NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->type, ==, SL_MSG_PING);

  g_clear_pointer (&message, sl_client_message_free);
  message = sl_client_message_parse (NULL, 0, NULL, &error);
  g_assert_error (error, SL_PROTOCOL_ERROR, SL_PROTOCOL_ERROR_INVALID_MESSAGE);
  g_assert_null (message);
}

/* The signal data is a copy: it outlives the text it came from. */
static void
test_signal_data_kept (void)
{
  g_autofree char *json = g_strdup ("{\"type\":\"signal\",\"class_id\":7,\"to\":3,"
                                    "\"data\":{\"candidate\":\"a=1\",\"sdpMLineIndex\":0}}");
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *data;

  message = sl_client_message_parse (json, strlen (json), NULL, &error);
  g_assert_no_error (error);
  memset (json, 'x', strlen (json));
  g_clear_pointer (&json, g_free);

  data = json_node_get_object (message->data);
  g_assert_cmpstr (json_object_get_string_member (data, "candidate"), ==, "a=1");
  g_assert_cmpint (json_object_get_int_member (data, "sdpMLineIndex"), ==, 0);
}

static void
check_error_json (SlProtocolError  code,
                  const char      *text,
                  const char      *ref)
{
  g_autofree char *json = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;
  gsize length = 0;

  json = sl_protocol_error_json (code, text, ref, &length);
  g_assert_nonnull (json);
  g_assert_cmpuint (length, ==, strlen (json));
  g_assert_true (json_parser_load_from_data (parser, json, (gssize) length, &error));
  g_assert_no_error (error);

  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (object), ==, ref != NULL ? 4 : 3);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, sl_protocol_error_code (code));
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, text);
  if (ref != NULL)
    g_assert_cmpstr (json_object_get_string_member (object, "ref"), ==, ref);
  else
    g_assert_false (json_object_has_member (object, "ref"));
}

static void
test_error_json (void)
{
  g_autofree char *json = NULL;

  check_error_json (SL_PROTOCOL_ERROR_INVALID_MESSAGE, "class_id: must be a positive integer", "r1");
  check_error_json (SL_PROTOCOL_ERROR_RATE_LIMITED, "slow down", NULL);
  /* quotes, backslashes, control characters and non-ASCII survive */
  check_error_json (SL_PROTOCOL_ERROR_UNKNOWN_TYPE, "type: unknown message type \"a\\b\"\n\t\x01",
                    "\"}, \"code\": \"forbidden\xc3\xa9");
  for (guint code = 0; code <= SL_PROTOCOL_ERROR_INTERNAL; code++)
    check_error_json (code, "m", "r");

  /* the length is optional */
  json = sl_protocol_error_json (SL_PROTOCOL_ERROR_MUTED, "muted", NULL, NULL);
  g_assert_cmpstr (json, ==, "{\"type\":\"error\",\"code\":\"muted\",\"message\":\"muted\"}");
}

/* What the hub does with a failure: the error reply carries the code, the
 * message and the ref of the request. */
static void
test_error_reply_roundtrip (void)
{
  static const char request[] = "{\"ref\":\"abc\",\"type\":\"mute\",\"class_id\":7,\"user_id\":\"3\"}";
  g_autoptr(SlClientMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autofree char *reply = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;

  message = sl_client_message_parse (request, strlen (request), &ref, &error);
  g_assert_null (message);
  g_assert_nonnull (error);
  reply = sl_protocol_error_json (error->code, error->message, ref, NULL);
  g_assert_true (json_parser_load_from_data (parser, reply, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "invalid_message");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==,
                   "user_id: must be a positive integer");
  g_assert_cmpstr (json_object_get_string_member (object, "ref"), ==, "abc");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/table", test_table);
  g_test_add_func ("/protocol/type-names", test_type_names);
  g_test_add_func ("/protocol/error-codes", test_error_codes);
  g_test_add_func ("/protocol/chat-length", test_chat_length);
  g_test_add_func ("/protocol/signal-size", test_signal_size);
  g_test_add_func ("/protocol/lengths", test_lengths);
  g_test_add_func ("/protocol/signal-data-kept", test_signal_data_kept);
  g_test_add_func ("/protocol/error-json", test_error_json);
  g_test_add_func ("/protocol/error-reply-roundtrip", test_error_reply_roundtrip);

  return g_test_run ();
}
