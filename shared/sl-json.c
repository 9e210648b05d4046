/* sl-json.c: strict JSON request parsing with errors that name the field
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-json"

#include "config.h"

#include "sl-json.h"

#include <string.h>

G_DEFINE_QUARK (sl-json-error-quark, sl_json_error)

/* "\u0000" would arrive as a truncated C string: refuse it outright. */
static gboolean
has_escaped_nul (const char *data,
                 gsize       length)
{
  for (gsize i = 0; i + 6 <= length; i++)
    {
      if (data[i] == '\\' && data[i + 1] == '\\')
        {
          i++;
          continue;
        }
      if (data[i] == '\\' && (data[i + 1] == 'u' || data[i + 1] == 'U') &&
          data[i + 2] == '0' && data[i + 3] == '0' &&
          data[i + 4] == '0' && data[i + 5] == '0')
        return TRUE;
    }
  return FALSE;
}

JsonObject *
sl_json_parse_object (const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                           "the request body is empty; a JSON object is expected");
      return NULL;
    }
  if (memchr (data, '\0', length) != NULL)
    {
      g_set_error_literal (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                           "the request body contains a NUL byte");
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                           "the request body is not valid UTF-8");
      return NULL;
    }
  if (has_escaped_nul (data, length))
    {
      g_set_error_literal (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                           "strings must not contain NUL characters");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                   "the request body is not valid JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                           "the request body must be a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

static JsonNode *
get_member (JsonObject  *object,
            const char  *field,
            gboolean     required,
            GError     **error)
{
  JsonNode *node = json_object_get_member (object, field);

  if (node == NULL && required)
    g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MISSING,
                 "%s: this field is required", field);
  return node;
}

static gboolean
has_control_chars (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p; p++)
    if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
      return TRUE;
  return FALSE;
}

gboolean
sl_json_get_string (JsonObject  *object,
                    const char  *field,
                    gboolean     required,
                    gsize        min_chars,
                    gsize        max_chars,
                    const char **out,
                    GError     **error)
{
  JsonNode *node;
  const char *value;
  glong n_chars;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  node = get_member (object, field, required, error);
  if (node == NULL)
    return !required;

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE,
                   "%s: must be a string", field);
      return FALSE;
    }

  value = json_node_get_string (node);
  n_chars = g_utf8_strlen (value, -1);
  if ((gsize) n_chars < min_chars || (gsize) n_chars > max_chars)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "%s: must be %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT
                   " characters long", field, min_chars, max_chars);
      return FALSE;
    }
  if (has_control_chars (value))
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "%s: must not contain control characters", field);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
sl_json_get_boolean (JsonObject  *object,
                     const char  *field,
                     gboolean     required,
                     gboolean    *out,
                     GError     **error)
{
  JsonNode *node;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  node = get_member (object, field, required, error);
  if (node == NULL)
    return !required;

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE,
                   "%s: must be true or false", field);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
sl_json_get_int (JsonObject  *object,
                 const char  *field,
                 gboolean     required,
                 gint64       min,
                 gint64       max,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node;
  gint64 value;

  g_return_val_if_fail (object != NULL, FALSE);
  g_return_val_if_fail (out != NULL, FALSE);

  node = get_member (object, field, required, error);
  if (node == NULL)
    return !required;

  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_TYPE,
                   "%s: must be an integer", field);
      return FALSE;
    }

  value = json_node_get_int (node);
  if (value < min || value > max)
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                   "%s: must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT,
                   field, min, max);
      return FALSE;
    }

  *out = value;
  return TRUE;
}

gboolean
sl_json_only_fields (JsonObject         *object,
                     const char * const *allowed,
                     GError            **error)
{
  JsonObjectIter iter;
  const char *name;

  json_object_iter_init (&iter, object);
  while (json_object_iter_next (&iter, &name, NULL))
    {
      if (!g_strv_contains (allowed, name))
        {
          g_autofree char *shown = g_utf8_make_valid (name, MIN (strlen (name), 64));

          g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_VALUE,
                       "%s: unknown field", shown);
          return FALSE;
        }
    }
  return TRUE;
}

char *
sl_json_error_field (const GError *error)
{
  const char *colon;

  if (error == NULL || error->domain != SL_JSON_ERROR ||
      error->code == SL_JSON_ERROR_MALFORMED)
    return NULL;

  colon = strchr (error->message, ':');
  if (colon == NULL)
    return NULL;
  return g_strndup (error->message, colon - error->message);
}

char *
sl_json_node_to_string (JsonNode *node,
                        gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

char *
sl_json_format_time (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  if (dt == NULL)
    return g_strdup ("1970-01-01T00:00:00Z");
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}
