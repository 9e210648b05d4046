/* sl-class-row.c: one class (live or upcoming) or one recording in the
 * class browser's lists
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-class-row"

#include "config.h"

#include "sl-class-row.h"

#include <glib/gi18n.h>

struct _SlClassRow {
  AdwActionRow    parent_instance;

  GtkLabel       *live_label;
  GtkLabel       *status_label;
  GtkImage       *go_icon;

  SlClassRowKind  kind;
  JsonObject     *klass;
  JsonObject     *recording;
  guint           part;
  guint           n_parts;
  gboolean        stream_known;
  gboolean        online;
  gint64          viewers;
  char           *folded;      /* title and teacher, for searching */
};

G_DEFINE_FINAL_TYPE (SlClassRow, sl_class_row, ADW_TYPE_ACTION_ROW)

/* ---- reading the JSON ------------------------------------------------------ */

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return 0;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

/* An RFC 3339 member as local time, or NULL. */
static GDateTime *
time_member (JsonObject *object,
             const char *name)
{
  const char *text = string_member (object, name);
  g_autoptr(GDateTime) utc = NULL;

  if (text == NULL)
    return NULL;
  utc = g_date_time_new_from_iso8601 (text, NULL);
  return utc != NULL ? g_date_time_to_local (utc) : NULL;
}

static const char *
teacher_name (SlClassRow *self)
{
  JsonObject *owner = NULL;

  if (self->klass != NULL && json_object_has_member (self->klass, "owner") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (self->klass, "owner")))
    owner = json_object_get_object_member (self->klass, "owner");
  return string_member (owner, "display_name");
}

/* ---- words for times --------------------------------------------------------- */

static gboolean
uses_12_hours (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *format = NULL;

  if (source == NULL)
    return FALSE;
  schema = g_settings_schema_source_lookup (source, "org.gnome.desktop.interface", TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "clock-format"))
    return FALSE;
  settings = g_settings_new_full (schema, NULL, NULL);
  format = g_settings_get_string (settings, "clock-format");
  return g_strcmp0 (format, "12h") == 0;
}

/* The time of day as the desktop shows it. */
static char *
format_clock (GDateTime *when)
{
  /* TRANSLATORS: a time of day in the 12-hour clock, see strftime(3) */
  char *text = g_date_time_format (when, uses_12_hours () ? _("%l:%M %p") : _("%H:%M"));

  return text != NULL ? g_strstrip (text) : g_strdup ("");
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/* "today at 14:00", "tomorrow at 9:00", "Monday at 9:00", "1 December at 9:00" */
static char *
format_day_and_time (GDateTime *when,
                     GDateTime *now)
{
  g_autofree char *clock = format_clock (when);
  g_autoptr(GDateTime) tomorrow = g_date_time_add_days (now, 1);
  g_autoptr(GDateTime) yesterday = g_date_time_add_days (now, -1);
  GTimeSpan ahead = g_date_time_difference (when, now);
  g_autofree char *day = NULL;

  if (same_day (when, now))
    /* TRANSLATORS: %s is a time of day */
    return g_strdup_printf (_("today at %s"), clock);
  if (same_day (when, tomorrow))
    /* TRANSLATORS: %s is a time of day */
    return g_strdup_printf (_("tomorrow at %s"), clock);
  if (same_day (when, yesterday))
    /* TRANSLATORS: %s is a time of day */
    return g_strdup_printf (_("yesterday at %s"), clock);
  if (ahead > 0 && ahead < 6 * G_TIME_SPAN_DAY)
    day = g_date_time_format (when, "%A");
  else if (g_date_time_get_year (when) == g_date_time_get_year (now))
    /* TRANSLATORS: a day of this year, see strftime(3) */
    day = g_date_time_format (when, _("%-d %B"));
  else
    /* TRANSLATORS: a day of another year, see strftime(3) */
    day = g_date_time_format (when, _("%-d %B %Y"));
  /* TRANSLATORS: a day ("Monday", "1 December") and a time of day */
  return g_strdup_printf (_("%s at %s"), day, clock);
}

/* When an upcoming class starts, as seen from @now. */
static char *
format_upcoming (GDateTime *when,
                 GDateTime *now)
{
  GTimeSpan ahead = g_date_time_difference (when, now);
  gint64 minutes;

  if (ahead <= 0)
    return g_strdup (_("starting soon"));
  if (ahead < G_TIME_SPAN_MINUTE)
    return g_strdup (_("in less than a minute"));
  minutes = (ahead + G_TIME_SPAN_MINUTE / 2) / G_TIME_SPAN_MINUTE;
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "in %d minute", "in %d minutes", minutes),
                            (int) minutes);
  return format_day_and_time (when, now);
}

static char *
format_duration (gint64 ms)
{
  gint64 minutes = (ms + 30000) / 60000;

  if (ms < 60000)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d second", "%d seconds", ms / 1000),
                            (int) (ms / 1000));
  if (minutes < 60)
    return g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%d minute", "%d minutes", minutes),
                            (int) minutes);
  /* TRANSLATORS: hours and minutes of a recording, "1 h 05 min" */
  return g_strdup_printf (_("%d h %02d min"), (int) (minutes / 60), (int) (minutes % 60));
}

/* ---- showing it ---------------------------------------------------------------- */

static void
update_search_key (SlClassRow *self)
{
  g_autofree char *both = g_strdup_printf ("%s\n%s", string_member (self->klass, "title") ?: "",
                                           teacher_name (self) ?: "");
  g_autofree char *normal = g_utf8_normalize (both, -1, G_NORMALIZE_ALL);

  g_free (self->folded);
  self->folded = g_utf8_casefold (normal != NULL ? normal : "", -1);
}

static void
update_title (SlClassRow *self)
{
  const char *title = string_member (self->klass, "title");

  if (title == NULL)
    title = "";
  if (self->kind == SL_CLASS_ROW_RECORDING && self->n_parts > 1)
    {
      /* TRANSLATORS: a class title and which of its recordings this is */
      g_autofree char *text = g_strdup_printf (_("%s (part %u of %u)"), title, self->part,
                                               self->n_parts);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), text);
    }
  else
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self), title);
}

static void
set_status (SlClassRow *self,
            const char *text)
{
  gtk_label_set_text (self->status_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL);
}

static void
set_activatable (SlClassRow *self,
                 gboolean    activatable)
{
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (self), activatable);
  gtk_widget_set_visible (GTK_WIDGET (self->go_icon), activatable);
}

void
sl_class_row_update_time (SlClassRow *self,
                          GDateTime  *now)
{
  const char *teacher;
  g_autoptr(GString) subtitle = g_string_new (NULL);

  g_return_if_fail (SL_IS_CLASS_ROW (self));
  g_return_if_fail (now != NULL);

  teacher = teacher_name (self);
  if (teacher != NULL)
    g_string_append (subtitle, teacher);

#define SEPARATE() G_STMT_START { if (subtitle->len > 0) g_string_append (subtitle, " · "); } G_STMT_END

  switch (self->kind)
    {
    case SL_CLASS_ROW_LIVE:
      {
        g_autoptr(GDateTime) started = time_member (self->klass, "started_at");

        if (self->viewers > 0)
          {
            SEPARATE ();
            g_string_append_printf (subtitle,
                                    g_dngettext (GETTEXT_PACKAGE, "%d watching", "%d watching",
                                                 self->viewers),
                                    (int) self->viewers);
          }
        if (started != NULL)
          {
            g_autofree char *clock = format_clock (started);

            SEPARATE ();
            /* TRANSLATORS: %s is a time of day */
            g_string_append_printf (subtitle, _("since %s"), clock);
          }
      }
      break;

    case SL_CLASS_ROW_UPCOMING:
      {
        g_autoptr(GDateTime) when = time_member (self->klass, "scheduled_at");

        if (when != NULL)
          {
            g_autofree char *text = format_upcoming (when, now);
            g_autofree char *full = g_date_time_format (when, "%c");

            SEPARATE ();
            g_string_append (subtitle, text);
            gtk_widget_set_tooltip_text (GTK_WIDGET (self), full);
          }
      }
      break;

    case SL_CLASS_ROW_RECORDING:
    default:
      {
        g_autoptr(GDateTime) when = time_member (self->recording, "started_at");
        gint64 ms = int_member (self->recording, "duration_ms");

        if (when != NULL)
          {
            g_autofree char *text = format_day_and_time (when, now);

            SEPARATE ();
            g_string_append (subtitle, text);
          }
        if (ms > 0)
          {
            g_autofree char *text = format_duration (ms);

            SEPARATE ();
            g_string_append (subtitle, text);
          }
      }
      break;
    }
#undef SEPARATE

  adw_action_row_set_subtitle (ADW_ACTION_ROW (self), subtitle->str);
}

static void
update_state (SlClassRow *self)
{
  switch (self->kind)
    {
    case SL_CLASS_ROW_LIVE:
      /* nothing said until the server told whether the video comes through */
      gtk_widget_set_visible (GTK_WIDGET (self->live_label), self->stream_known && self->online);
      set_status (self, !self->stream_known || self->online ? NULL : _("Waiting for video"));
      set_activatable (self, TRUE);
      break;

    case SL_CLASS_ROW_UPCOMING:
      gtk_widget_set_visible (GTK_WIDGET (self->live_label), FALSE);
      set_status (self, NULL);
      set_activatable (self, FALSE);
      break;

    case SL_CLASS_ROW_RECORDING:
    default:
      {
        const char *state = string_member (self->recording, "state");

        gtk_widget_set_visible (GTK_WIDGET (self->live_label), FALSE);
        if (g_strcmp0 (state, "ready") == 0)
          {
            set_status (self, NULL);
            set_activatable (self, TRUE);
          }
        else
          {
            set_status (self, g_strcmp0 (state, "failed") == 0 ? _("Could not be saved")
                                                                : _("Being prepared…"));
            set_activatable (self, FALSE);
          }
      }
      break;
    }
}

static void
update_all (SlClassRow *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  update_title (self);
  update_search_key (self);
  update_state (self);
  sl_class_row_update_time (self, now);
}

/* ---- public ----------------------------------------------------------------------- */

SlClassRow *
sl_class_row_new (SlClassRowKind kind)
{
  SlClassRow *self = g_object_new (SL_TYPE_CLASS_ROW, NULL);

  self->kind = kind;
  update_state (self);
  return self;
}

SlClassRowKind
sl_class_row_get_kind (SlClassRow *self)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), SL_CLASS_ROW_LIVE);
  return self->kind;
}

void
sl_class_row_set_class (SlClassRow *self,
                        JsonObject *klass)
{
  g_return_if_fail (SL_IS_CLASS_ROW (self));
  g_return_if_fail (klass != NULL);

  json_object_ref (klass);
  g_clear_pointer (&self->klass, json_object_unref);
  self->klass = klass;
  update_all (self);
}

JsonObject *
sl_class_row_get_class (SlClassRow *self)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), NULL);
  return self->klass;
}

gint64
sl_class_row_get_class_id (SlClassRow *self)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), 0);
  return int_member (self->klass, "id");
}

void
sl_class_row_set_recording (SlClassRow *self,
                            JsonObject *recording,
                            guint       part,
                            guint       n_parts)
{
  g_return_if_fail (SL_IS_CLASS_ROW (self));
  g_return_if_fail (recording != NULL);

  json_object_ref (recording);
  g_clear_pointer (&self->recording, json_object_unref);
  self->recording = recording;
  self->part = part;
  self->n_parts = n_parts;
  update_all (self);
}

JsonObject *
sl_class_row_get_recording (SlClassRow *self)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), NULL);
  return self->recording;
}

gboolean
sl_class_row_is_settling (SlClassRow *self)
{
  const char *state;

  g_return_val_if_fail (SL_IS_CLASS_ROW (self), FALSE);

  state = string_member (self->recording, "state");
  return g_strcmp0 (state, "recording") == 0 || g_strcmp0 (state, "processing") == 0;
}

void
sl_class_row_set_stream (SlClassRow *self,
                         gboolean    online,
                         gint64      viewers)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  g_return_if_fail (SL_IS_CLASS_ROW (self));

  self->stream_known = TRUE;
  self->online = online;
  self->viewers = viewers;
  update_state (self);
  sl_class_row_update_time (self, now);
}

gint64
sl_class_row_get_viewers (SlClassRow *self)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), -1);
  return self->viewers;
}

gint64
sl_class_row_get_sort_time (SlClassRow *self)
{
  g_autoptr(GDateTime) when = NULL;

  g_return_val_if_fail (SL_IS_CLASS_ROW (self), 0);

  switch (self->kind)
    {
    case SL_CLASS_ROW_LIVE:
      when = time_member (self->klass, "started_at");
      break;
    case SL_CLASS_ROW_UPCOMING:
      when = time_member (self->klass, "scheduled_at");
      break;
    case SL_CLASS_ROW_RECORDING:
    default:
      when = time_member (self->recording, "started_at");
      break;
    }
  return when != NULL ? g_date_time_to_unix (when) : 0;
}

gboolean
sl_class_row_matches (SlClassRow *self,
                      const char *folded)
{
  g_return_val_if_fail (SL_IS_CLASS_ROW (self), FALSE);

  if (folded == NULL || *folded == '\0')
    return TRUE;
  return self->folded != NULL && strstr (self->folded, folded) != NULL;
}

/* ---- the class ------------------------------------------------------------------- */

static void
sl_class_row_finalize (GObject *object)
{
  SlClassRow *self = SL_CLASS_ROW (object);

  g_clear_pointer (&self->klass, json_object_unref);
  g_clear_pointer (&self->recording, json_object_unref);
  g_free (self->folded);
  G_OBJECT_CLASS (sl_class_row_parent_class)->finalize (object);
}

static void
sl_class_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), SL_TYPE_CLASS_ROW);
  G_OBJECT_CLASS (sl_class_row_parent_class)->dispose (object);
}

static void
sl_class_row_class_init (SlClassRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_class_row_dispose;
  object_class->finalize = sl_class_row_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-class-row.ui");
  gtk_widget_class_bind_template_child (widget_class, SlClassRow, live_label);
  gtk_widget_class_bind_template_child (widget_class, SlClassRow, status_label);
  gtk_widget_class_bind_template_child (widget_class, SlClassRow, go_icon);
}

static void
sl_class_row_init (SlClassRow *self)
{
  self->viewers = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
}
