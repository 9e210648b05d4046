/* sl-class-row.h: one class (live or upcoming) or one recording in the
 * class browser's lists
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  SL_CLASS_ROW_LIVE,
  SL_CLASS_ROW_UPCOMING,
  SL_CLASS_ROW_RECORDING,
} SlClassRowKind;

#define SL_TYPE_CLASS_ROW (sl_class_row_get_type ())
G_DECLARE_FINAL_TYPE (SlClassRow, sl_class_row, SL, CLASS_ROW, AdwActionRow)

SlClassRow     *sl_class_row_new            (SlClassRowKind  kind);
SlClassRowKind  sl_class_row_get_kind       (SlClassRow     *self);

/* @klass: a class object of the API ({id, title, owner, scheduled_at,
 * started_at, …}); the row keeps a reference and shows it. */
void            sl_class_row_set_class      (SlClassRow     *self,
                                             JsonObject     *klass);
JsonObject     *sl_class_row_get_class      (SlClassRow     *self);
gint64          sl_class_row_get_class_id   (SlClassRow     *self);

/* Recording rows: one element of GET /api/classes/<id>/recordings, part
 * @part of @n_parts of its class (a class published twice has two). */
void            sl_class_row_set_recording  (SlClassRow     *self,
                                             JsonObject     *recording,
                                             guint           part,
                                             guint           n_parts);
JsonObject     *sl_class_row_get_recording  (SlClassRow     *self);
/* "recording" or "processing": it changes soon. */
gboolean        sl_class_row_is_settling    (SlClassRow     *self);

/* Live rows: whether the teacher's video is coming through, and how many
 * watch (-1: not known). */
void            sl_class_row_set_stream     (SlClassRow     *self,
                                             gboolean        online,
                                             gint64          viewers);
gint64          sl_class_row_get_viewers    (SlClassRow     *self);

/* Texts that depend on the time ("in 10 minutes"), as of @now. */
void            sl_class_row_update_time    (SlClassRow     *self,
                                             GDateTime      *now);
/* What the list sorts by: the start (live), the scheduled time (upcoming)
 * or the recording's start, in Unix seconds. */
gint64          sl_class_row_get_sort_time  (SlClassRow     *self);
/* Whether the title or the teacher's name contains @folded (a string put
 * through g_utf8_casefold and g_utf8_normalize). */
gboolean        sl_class_row_matches        (SlClassRow     *self,
                                             const char     *folded);

G_END_DECLS
