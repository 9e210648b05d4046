/* test-json.c: the strict JSON request parser of shared/
 * SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "sl-json.h"

#include <string.h>

static void
test_parse_table (void)
{
  static const struct {
    const char *body;
    gssize      length;   /* -1: strlen */
    gboolean    ok;
  } rows[] = {
    { "{}", -1, TRUE },
    { "{\"a\":1}", -1, TRUE },
    { "  {\"a\":\"\\u00e9\"}  ", -1, TRUE },
    { "", -1, FALSE },
    { "[]", -1, FALSE },
    { "\"text\"", -1, FALSE },
    { "42", -1, FALSE },
    { "null", -1, FALSE },
    { "{", -1, FALSE },
    { "{\"a\":}", -1, FALSE },
    { "{\"a\":1,}", -1, FALSE },
    { "{\"a\":\"\xff\xfe\"}", -1, FALSE },          /* invalid UTF-8 */
    { "{\"a\":\"x\0y\"}", 11, FALSE },              /* raw NUL byte */
    { "{\"a\":\"x\\u0000y\"}", -1, FALSE },         /* escaped NUL */
    { "{\"a\":\"x\\\\u0000y\"}", -1, TRUE },        /* an escaped backslash, then text */
    { "{'a':1}", -1, FALSE },                       /* json-glib would take these */
    { "{\"a\":1 /* note */}", -1, FALSE },
    { "{\"a\":\"\\w\"}", -1, FALSE },
    { "{\"a\":\"\\ude00b\"}", -1, FALSE },          /* lone low surrogate */
    { "{\"a\":\"\\ud83d\"}", -1, FALSE },           /* high surrogate, no low */
    { "{\"a\":\"\\ud83d\\ude00\"}", -1, TRUE },     /* a proper pair */
    { "{\"a\":01}", -1, FALSE },
    { "{\"a\":1.}", -1, FALSE },
    { "{\"a\":-}", -1, FALSE },
    { "{\"a\":1e5,\"b\":-0.5E-3}", -1, TRUE },
    { "{\"a\":tru}", -1, FALSE },
    { "{\"a\":[1,2,]}", -1, FALSE },
    { "{\"a\":1} x", -1, FALSE },
    { "{\"a\":\"tab\there\"}", -1, FALSE },          /* raw control character */
    { "{a:1}", -1, FALSE },
    { "{\"a\":9223372036854775807}", -1, TRUE },
    { "{\"a\":9223372036854775808}", -1, FALSE },        /* would wrap */
    { "{\"a\":-18446744073709551615}", -1, FALSE },
    { "{\"a\":1,\"a\":2}", -1, FALSE },                  /* repeated name */
    { "{\"a\":{\"b\":1},\"c\":{\"b\":2}}", -1, TRUE },  /* same name, other objects */
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) object = NULL;
      gsize length = rows[i].length < 0 ? strlen (rows[i].body) : (gsize) rows[i].length;

      object = sl_json_parse_object (rows[i].body, length, &error);
      if (rows[i].ok)
        {
          g_assert_no_error (error);
          g_assert_nonnull (object);
        }
      else
        {
          g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED);
          g_assert_null (object);
          g_assert_null (sl_json_error_field (error));
        }
    }
}

static void
test_depth (void)
{
  g_autoptr(GString) ok = g_string_new ("{\"a\":");
  g_autoptr(GString) deep = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;

  /* 32 levels (the object itself counts) parse; one more does not, and a
   * hundred thousand neither crash nor take long */
  for (guint i = 1; i < SL_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, '[');
  for (guint i = 1; i < SL_JSON_MAX_DEPTH; i++)
    g_string_append_c (ok, ']');
  g_string_append_c (ok, '}');
  object = sl_json_parse_object (ok->str, ok->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  g_clear_pointer (&object, json_object_unref);

  deep = g_string_new ("{\"a\":");
  for (guint i = 0; i < SL_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  object = sl_json_parse_object (deep->str, deep->len, &error);
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED);
  g_assert_nonnull (strstr (error->message, "nesting"));
  g_clear_error (&error);

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  object = sl_json_parse_object (deep->str, deep->len, &error);
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED);
}

static JsonObject *
parse (const char *body)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = sl_json_parse_object (body, strlen (body), &error);

  g_assert_no_error (error);
  return object;
}

static void
test_getters (void)
{
  g_autoptr(JsonObject) object = parse ("{\"name\":\"Ana\",\"n\":5,\"flag\":true,"
                                        "\"long\":\"abcdef\",\"ctl\":\"a\\u0001b\","
                                        "\"str_n\":\"5\",\"float\":1.5}");
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;
  const char *s = NULL;
  gint64 n = 0;
  gboolean b = FALSE;

  g_assert_true (sl_json_get_string (object, "name", TRUE, 1, 10, &s, &error));
  g_assert_cmpstr (s, ==, "Ana");
  g_assert_true (sl_json_get_int (object, "n", TRUE, 0, 10, &n, &error));
  g_assert_cmpint (n, ==, 5);
  g_assert_true (sl_json_get_boolean (object, "flag", TRUE, &b, &error));
  g_assert_true (b);

  /* absent and optional: untouched, TRUE */
  s = "kept";
  g_assert_true (sl_json_get_string (object, "absent", FALSE, 1, 10, &s, &error));
  g_assert_cmpstr (s, ==, "kept");

  g_assert_false (sl_json_get_string (object, "absent", TRUE, 1, 10, &s, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MISSING);
  field = sl_json_error_field (error);
  g_assert_cmpstr (field, ==, "absent");
  g_clear_error (&error);
  g_clear_pointer (&field, g_free);

  g_assert_false (sl_json_get_string (object, "n", TRUE, 1, 10, &s, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE);
  g_clear_error (&error);

  g_assert_false (sl_json_get_string (object, "long", TRUE, 1, 5, &s, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE);
  field = sl_json_error_field (error);
  g_assert_cmpstr (field, ==, "long");
  g_clear_error (&error);

  g_assert_false (sl_json_get_string (object, "ctl", TRUE, 1, 10, &s, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE);
  g_clear_error (&error);

  g_assert_false (sl_json_get_int (object, "str_n", TRUE, 0, 10, &n, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE);
  g_clear_error (&error);

  g_assert_false (sl_json_get_int (object, "float", TRUE, 0, 10, &n, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE);
  g_clear_error (&error);

  g_assert_false (sl_json_get_int (object, "n", TRUE, 6, 10, &n, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE);
  g_clear_error (&error);

  g_assert_false (sl_json_get_boolean (object, "n", TRUE, &b, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE);
  g_clear_error (&error);
}

static void
test_characters_not_bytes (void)
{
  /* five characters, ten bytes */
  g_autoptr(JsonObject) object = parse ("{\"s\":\"ééééé\"}");
  g_autoptr(GError) error = NULL;
  const char *s = NULL;

  g_assert_true (sl_json_get_string (object, "s", TRUE, 5, 5, &s, &error));
  g_assert_no_error (error);
}

static void
test_only_fields (void)
{
  g_autoptr(JsonObject) object = parse ("{\"a\":1,\"b\":2}");
  static const char * const ab[] = { "a", "b", NULL };
  static const char * const a[] = { "a", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *field = NULL;

  g_assert_true (sl_json_only_fields (object, ab, &error));
  g_assert_false (sl_json_only_fields (object, a, &error));
  g_assert_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE);
  field = sl_json_error_field (error);
  g_assert_cmpstr (field, ==, "b");
}

static void
test_format_time (void)
{
  g_autofree char *epoch = sl_json_format_time (0);
  g_autofree char *some = sl_json_format_time (1764062400);

  g_assert_cmpstr (epoch, ==, "1970-01-01T00:00:00Z");
  g_assert_cmpstr (some, ==, "2025-11-25T09:20:00Z");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/parse-table", test_parse_table);
  g_test_add_func ("/json/depth", test_depth);
  g_test_add_func ("/json/getters", test_getters);
  g_test_add_func ("/json/characters-not-bytes", test_characters_not_bytes);
  g_test_add_func ("/json/only-fields", test_only_fields);
  g_test_add_func ("/json/format-time", test_format_time);

  return g_test_run ();
}
