/* sl-json.h: strict JSON request parsing with errors that name the field
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define SL_JSON_ERROR (sl_json_error_quark ())

typedef enum {
  SL_JSON_ERROR_MALFORMED,    /* not UTF-8, not JSON, or not an object */
  SL_JSON_ERROR_MISSING,      /* a required field is absent */
  SL_JSON_ERROR_TYPE,         /* a field has the wrong JSON type */
  SL_JSON_ERROR_VALUE,        /* right type, value out of range or not allowed */
} SlJsonError;

GQuark      sl_json_error_quark   (void);

/* Request bodies nest no deeper than this. */
#define SL_JSON_MAX_DEPTH 32

JsonObject *sl_json_parse_object  (const char  *data,
                                   gsize        length,
                                   GError     **error);

/* Each getter leaves *out untouched and returns TRUE when the field is
 * absent and not required.  On failure it returns FALSE and sets @error
 * (message names the field) and @bad_field (static, may be NULL). */
gboolean    sl_json_get_string    (JsonObject  *object,
                                   const char  *field,
                                   gboolean     required,
                                   gsize        min_chars,
                                   gsize        max_chars,
                                   const char **out,
                                   GError     **error);
gboolean    sl_json_get_boolean   (JsonObject  *object,
                                   const char  *field,
                                   gboolean     required,
                                   gboolean    *out,
                                   GError     **error);
gboolean    sl_json_get_int       (JsonObject  *object,
                                   const char  *field,
                                   gboolean     required,
                                   gint64       min,
                                   gint64       max,
                                   gint64      *out,
                                   GError     **error);
gboolean    sl_json_only_fields   (JsonObject         *object,
                                   const char * const *allowed,
                                   GError            **error);

/* The field the last getter error was about: errors carry it as the text
 * before the first ':' of their message. */
char       *sl_json_error_field   (const GError *error);

char       *sl_json_node_to_string (JsonNode *node,
                                    gsize    *length);
char       *sl_json_format_time    (gint64 unix_seconds);
/* The same into @buf ("YYYY-MM-DDTHH:MM:SSZ", at least 21 bytes). */
void        sl_json_format_time_buf (gint64 unix_seconds,
                                     char   buf[32]);

G_END_DECLS
