/* sl-json.c: strict JSON request parsing with errors that name the field
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-json"

#include "config.h"

#include "sl-json.h"

#include <math.h>
#include <string.h>
#include <time.h>

G_DEFINE_QUARK (sl-json-error-quark, sl_json_error)

/* A strict RFC 8259 check before json-glib sees the text: json-glib takes
 * single quotes, comments and unknown escapes, recurses without a bound, and
 * lets lone UTF-16 surrogates through as invalid UTF-8.  This also refuses
 * "\u0000", which would arrive as a truncated C string. */
typedef struct {
  const char *p;
  const char *end;
  guint       depth;
  const char *problem;
} Scan;

static void
skip_space (Scan *scan)
{
  while (scan->p < scan->end &&
         (*scan->p == ' ' || *scan->p == '\t' || *scan->p == '\n' || *scan->p == '\r'))
    scan->p++;
}

static gboolean
literal (Scan       *scan,
         const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (scan->end - scan->p) < len || memcmp (scan->p, word, len) != 0)
    return FALSE;
  scan->p += len;
  return TRUE;
}

static int
hex4 (const char *p)
{
  int value = 0;

  for (int i = 0; i < 4; i++)
    {
      int digit = g_ascii_xdigit_value (p[i]);

      if (digit < 0)
        return -1;
      value = value * 16 + digit;
    }
  return value;
}

static gboolean
scan_string (Scan *scan)
{
  scan->p++; /* the opening quote */
  while (scan->p < scan->end)
    {
      guchar c = (guchar) *scan->p;

      if (c == '"')
        {
          scan->p++;
          return TRUE;
        }
      if (c < 0x20)
        {
          scan->problem = "a control character inside a string";
          return FALSE;
        }
      if (c != '\\')
        {
          scan->p++;
          continue;
        }
      if (scan->end - scan->p < 2)
        break;
      switch (scan->p[1])
        {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
          scan->p += 2;
          break;
        case 'u':
          {
            int unit;

            if (scan->end - scan->p < 6 || (unit = hex4 (scan->p + 2)) < 0)
              {
                scan->problem = "a bad \\u escape";
                return FALSE;
              }
            scan->p += 6;
            if (unit == 0)
              {
                scan->problem = "a NUL character (\\u0000)";
                return FALSE;
              }
            if (unit >= 0xdc00 && unit <= 0xdfff)
              {
                scan->problem = "a lone UTF-16 surrogate";
                return FALSE;
              }
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                int low;

                if (scan->end - scan->p < 6 || scan->p[0] != '\\' || scan->p[1] != 'u' ||
                    (low = hex4 (scan->p + 2)) < 0xdc00 || low > 0xdfff)
                  {
                    scan->problem = "a lone UTF-16 surrogate";
                    return FALSE;
                  }
                scan->p += 6;
              }
            break;
          }
        default:
          scan->problem = "an unknown escape";
          return FALSE;
        }
    }
  scan->problem = "an unterminated string";
  return FALSE;
}

/* json-glib wraps integers past 64 bits around silently (-18446744073709551615
 * comes out as 1, an id aliasing another): refuse them. */
static gboolean
integer_fits (const char *start,
              const char *end)
{
  const char *limit = "9223372036854775807";
  gsize digits;

  if (*start == '-')
    {
      start++;
      limit = "9223372036854775808";
    }
  digits = (gsize) (end - start);
  if (digits != strlen (limit))
    return digits < strlen (limit);
  return memcmp (start, limit, digits) <= 0;
}

/* 1e400 would become an infinity that json-glib writes back as "inf.0". */
static gboolean
double_fits (const char *start,
             const char *end)
{
  g_autofree char *text = g_strndup (start, (gsize) (end - start));

  return isfinite (g_ascii_strtod (text, NULL));
}

static gboolean
scan_number (Scan *scan)
{
  const char *start = scan->p;
  gboolean integer = TRUE;

  if (scan->p < scan->end && *scan->p == '-')
    scan->p++;
  if (scan->p < scan->end && *scan->p == '0')
    scan->p++;
  else if (scan->p < scan->end && *scan->p >= '1' && *scan->p <= '9')
    while (scan->p < scan->end && g_ascii_isdigit (*scan->p))
      scan->p++;
  else
    goto bad;
  if (scan->p < scan->end && *scan->p == '.')
    {
      integer = FALSE;
      scan->p++;
      if (scan->p >= scan->end || !g_ascii_isdigit (*scan->p))
        goto bad;
      while (scan->p < scan->end && g_ascii_isdigit (*scan->p))
        scan->p++;
    }
  if (scan->p < scan->end && (*scan->p == 'e' || *scan->p == 'E'))
    {
      integer = FALSE;
      scan->p++;
      if (scan->p < scan->end && (*scan->p == '+' || *scan->p == '-'))
        scan->p++;
      if (scan->p >= scan->end || !g_ascii_isdigit (*scan->p))
        goto bad;
      while (scan->p < scan->end && g_ascii_isdigit (*scan->p))
        scan->p++;
    }
  if (integer ? !integer_fits (start, scan->p) : !double_fits (start, scan->p))
    {
      scan->problem = "a number too large";
      return FALSE;
    }
  return scan->p > start;

bad:
  scan->problem = "a malformed number";
  return FALSE;
}

static gboolean
scan_value (Scan *scan)
{
  g_autoptr(GHashTable) keys = NULL;   /* member names seen in this object */
  gboolean object;

  skip_space (scan);
  if (scan->p >= scan->end)
    {
      scan->problem = "an unexpected end";
      return FALSE;
    }

  switch (*scan->p)
    {
    case '"':
      return scan_string (scan);
    case 't':
      return literal (scan, "true") || (scan->problem = "an unknown word", FALSE);
    case 'f':
      return literal (scan, "false") || (scan->problem = "an unknown word", FALSE);
    case 'n':
      return literal (scan, "null") || (scan->problem = "an unknown word", FALSE);
    case '{':
    case '[':
      break;
    default:
      return scan_number (scan);
    }

  object = *scan->p == '{';
  if (scan->depth + 1 > SL_JSON_MAX_DEPTH)
    {
      scan->problem = "nesting deeper than allowed";
      return FALSE;
    }
  scan->depth++;
  scan->p++;
  skip_space (scan);
  if (scan->p < scan->end && *scan->p == (object ? '}' : ']'))
    {
      scan->p++;
      scan->depth--;
      return TRUE;
    }

  for (;;)
    {
      if (object)
        {
          const char *name;

          skip_space (scan);
          if (scan->p >= scan->end || *scan->p != '"')
            {
              scan->problem = "a member name that is not a string";
              return FALSE;
            }
          name = scan->p;
          if (!scan_string (scan))
            return FALSE;
          /* the last of repeated names would silently win: refuse them */
          if (keys == NULL)
            keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          if (!g_hash_table_add (keys, g_strndup (name, (gsize) (scan->p - name))))
            {
              scan->problem = "a repeated member name";
              return FALSE;
            }
          skip_space (scan);
          if (scan->p >= scan->end || *scan->p != ':')
            {
              scan->problem = "a missing ':'";
              return FALSE;
            }
          scan->p++;
        }
      if (!scan_value (scan))
        return FALSE;
      skip_space (scan);
      if (scan->p < scan->end && *scan->p == ',')
        {
          scan->p++;
          continue;
        }
      if (scan->p < scan->end && *scan->p == (object ? '}' : ']'))
        {
          scan->p++;
          scan->depth--;
          return TRUE;
        }
      scan->problem = object ? "a missing ',' or '}'" : "a missing ',' or ']'";
      return FALSE;
    }
}

static gboolean
json_is_strict (const char  *data,
                gsize        length,
                const char **problem,
                gsize       *offset)
{
  Scan scan = { data, data + length, 0, NULL };
  gboolean ok = scan_value (&scan);

  if (ok)
    {
      skip_space (&scan);
      if (scan.p != scan.end)
        {
          scan.problem = "text after the JSON value";
          ok = FALSE;
        }
    }
  if (!ok)
    {
      *problem = scan.problem ? scan.problem : "a syntax error";
      *offset = (gsize) (MIN (scan.p, scan.end) - data);
    }
  return ok;
}

JsonObject *
sl_json_parse_object (const char  *data,
                      gsize        length,
                      GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  const char *problem = NULL;
  gsize offset = 0;
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
  if (!json_is_strict (data, length, &problem, &offset))
    {
      g_set_error (error, SL_JSON_ERROR, SL_JSON_ERROR_MALFORMED,
                   "the request body is not valid JSON: %s at byte %" G_GSIZE_FORMAT,
                   problem, offset);
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

void
sl_json_format_time_buf (gint64 unix_seconds,
                         char   buf[32])
{
  time_t t = (time_t) unix_seconds;
  struct tm tm;

  if (unix_seconds < 0 || gmtime_r (&t, &tm) == NULL ||
      strftime (buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    g_strlcpy (buf, "1970-01-01T00:00:00Z", 32);
}

char *
sl_json_format_time (gint64 unix_seconds)
{
  char buf[32];

  sl_json_format_time_buf (unix_seconds, buf);
  return g_strdup (buf);
}
