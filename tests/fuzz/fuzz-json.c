/* fuzz-json.c: the strict JSON body parser and its field getters on arbitrary bytes
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fuzz-json"

#include "config.h"

#include "sl-fuzz.h"
#include "sl-json.h"

#include <stdlib.h>
#include <string.h>

static void
check_error (gboolean      ok,
             const GError *error)
{
  g_autofree char *field = NULL;

  /* A getter either succeeds without an error or fails with one of ours. */
  if (ok != (error == NULL))
    abort ();
  if (error == NULL)
    return;
  if (error->domain != SL_JSON_ERROR || error->message == NULL)
    abort ();
  field = sl_json_error_field (error);
  if (field != NULL && !g_utf8_validate (field, -1, NULL))
    abort ();
}

/* Every getter on @name, required and not, with tight and loose limits. */
static void
get_everything (JsonObject *object,
                const char *name)
{
  for (int required = 0; required <= 1; required++)
    {
      const char *s = NULL;
      gboolean b = FALSE;
      gint64 n = 0;
      GError *error = NULL;
      gboolean ok;

      ok = sl_json_get_string (object, name, required, 0, G_MAXSIZE, &s, &error);
      check_error (ok, error);
      if (ok && s != NULL && !g_utf8_validate (s, -1, NULL))
        abort ();
      g_clear_error (&error);

      ok = sl_json_get_string (object, name, required, 3, 64, &s, &error);
      check_error (ok, error);
      g_clear_error (&error);

      ok = sl_json_get_boolean (object, name, required, &b, &error);
      check_error (ok, error);
      g_clear_error (&error);

      ok = sl_json_get_int (object, name, required, G_MININT64, G_MAXINT64, &n, &error);
      check_error (ok, error);
      g_clear_error (&error);

      n = 0;
      ok = sl_json_get_int (object, name, required, 1, 1000, &n, &error);
      check_error (ok, error);
      if (ok && required && (n < 1 || n > 1000))
        abort ();
      g_clear_error (&error);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const fields[] = {
    "username", "password", "display_name", "role", "disabled",
    "class_id", "text", "type", "to", "data", "", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  JsonObjectIter iter;
  const char *name;
  GError *only_error = NULL;
  gboolean ok;

  object = sl_json_parse_object ((const char *) data, size, &error);
  if ((object == NULL) == (error == NULL))
    abort ();
  if (object == NULL)
    {
      if (error->domain != SL_JSON_ERROR || error->code != SL_JSON_ERROR_MALFORMED)
        abort ();
      return 0;
    }

  for (gsize i = 0; fields[i] != NULL; i++)
    get_everything (object, fields[i]);

  /* Callers pass constant field names; a member name that is not UTF-8
   * (json-glib lets "\udc00" escapes through) is only ever seen by
   * sl_json_only_fields(), which must cope with it. */
  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    if (g_utf8_validate (name, -1, NULL))
      get_everything (object, name);

  ok = sl_json_only_fields (object, fields, &only_error);
  check_error (ok, only_error);
  g_clear_error (&only_error);

  /* What we parsed can be written back out. */
  node = json_node_init_object (json_node_alloc (), object);
  text = sl_json_node_to_string (node, NULL);
  if (text == NULL)
    abort ();

  return 0;
}
