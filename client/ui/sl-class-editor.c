/* sl-class-editor.c: the dialog that schedules a new class or edits one
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-class-editor"

#include "config.h"

#include "sl-class-editor.h"

#include "sl-ui-errors.h"

#include <glib/gi18n.h>

#define DEFAULT_DURATION 45

struct _SlClassEditor {
  AdwWindow       parent_instance;

  AdwWindowTitle *window_title;
  GtkButton      *save_button;
  GtkSpinner     *spinner;
  GtkLabel       *message_label;
  AdwEntryRow    *title_row;
  GtkTextView    *description_view;
  GtkMenuButton  *date_button;
  GtkCalendar    *calendar;
  GtkSpinButton  *hour_spin;
  GtkSpinButton  *minute_spin;
  GtkSpinButton  *duration_spin;
  GtkSwitch      *public_switch;

  SlSession      *session;
  JsonObject     *original;       /* nullable: a new class */
  GDateTime      *original_time;  /* local, to the minute; nullable */
  GCancellable   *cancellable;
};

G_DEFINE_FINAL_TYPE (SlClassEditor, sl_class_editor, ADW_TYPE_WINDOW)

enum {
  SIGNAL_SAVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- the form ------------------------------------------------------------- */

static void
set_message (SlClassEditor *self,
             const char    *message)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

static void
set_busy (SlClassEditor *self,
          gboolean       busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.save", !busy);
}

static void
show_date (SlClassEditor *self)
{
  g_autoptr(GDateTime) date = gtk_calendar_get_date (self->calendar);
  /* TRANSLATORS: the chosen day on the date button, see g_date_time_format() */
  g_autofree char *text = g_date_time_format (date, _("%a %-d %b %Y"));

  gtk_menu_button_set_label (self->date_button, text);
}

static void
day_selected_cb (SlClassEditor *self)
{
  show_date (self);
  gtk_menu_button_popdown (self->date_button);
}

static gboolean
two_digits_output_cb (GtkSpinButton *spin,
                      gpointer       data)
{
  g_autofree char *text = g_strdup_printf ("%02d", (int) gtk_spin_button_get_value (spin));

  if (g_strcmp0 (text, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static void
set_time (SlClassEditor *self,
          GDateTime     *local)
{
  gtk_calendar_select_day (self->calendar, local);
  gtk_spin_button_set_value (self->hour_spin, g_date_time_get_hour (local));
  gtk_spin_button_set_value (self->minute_spin, g_date_time_get_minute (local));
  show_date (self);
}

/* The chosen day and time, local; NULL when the clock skips it (DST). */
static GDateTime *
chosen_time (SlClassEditor *self)
{
  g_autoptr(GDateTime) day = gtk_calendar_get_date (self->calendar);

  gtk_spin_button_update (self->hour_spin);
  gtk_spin_button_update (self->minute_spin);
  return g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                                g_date_time_get_day_of_month (day),
                                gtk_spin_button_get_value_as_int (self->hour_spin),
                                gtk_spin_button_get_value_as_int (self->minute_spin), 0);
}

static char *
description_text (SlClassEditor *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->description_view);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return g_strstrip (gtk_text_buffer_get_text (buffer, &start, &end, FALSE));
}

static GDateTime *
to_the_minute (GDateTime *time)
{
  return g_date_time_add_seconds (time, -g_date_time_get_seconds (time));
}

/* ---- saving ----------------------------------------------------------------- */

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(SlClassEditor) self = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *klass;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);
  if (answer == NULL)
    {
      g_autofree char *text = sl_ui_error_text (error);

      set_message (self, text);
      return;
    }
  klass = json_object_has_member (answer, "class")
          ? json_object_get_object_member (answer, "class") : NULL;
  if (klass != NULL)
    g_signal_emit (self, signals[SIGNAL_SAVED], 0, klass);
  gtk_window_close (GTK_WINDOW (self));
}

static void
save_activated (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  SlClassEditor *self = SL_CLASS_EDITOR (widget);
  SlApiClient *api = sl_session_get_api (self->session);
  g_autofree char *title = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->title_row))));
  g_autofree char *description = description_text (self);
  g_autoptr(GDateTime) when = chosen_time (self);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) this_minute = to_the_minute (now);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *path = NULL;
  int duration;
  gboolean is_public = gtk_switch_get_active (self->public_switch);
  gboolean time_changed;

  if (api == NULL)
    {
      set_message (self, _("You are signed out. Sign in again to schedule classes."));
      return;
    }
  if (*title == '\0')
    {
      set_message (self, _("Give the class a title."));
      gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
      return;
    }
  if (when == NULL)
    {
      set_message (self, _("That time does not exist here (the clocks change then). "
                           "Choose another time."));
      gtk_widget_grab_focus (GTK_WIDGET (self->hour_spin));
      return;
    }
  /* a live class keeps its (past) time when it is edited */
  time_changed = self->original_time == NULL || !g_date_time_equal (when, self->original_time);
  if (time_changed && g_date_time_compare (when, this_minute) < 0)
    {
      /* TRANSLATORS: the chosen time in the message that it has passed,
       * see g_date_time_format() */
      g_autofree char *shown = g_date_time_format (when, _("%a %-d %b %Y, %H:%M"));
      g_autofree char *text = g_strdup_printf (_("%s has already passed. Choose a time that is "
                                                 "still to come."), shown);

      set_message (self, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->hour_spin));
      return;
    }
  gtk_spin_button_update (self->duration_spin);
  duration = gtk_spin_button_get_value_as_int (self->duration_spin);

  /* a new class: everything; an edit: what changed */
  if (self->original == NULL ||
      g_strcmp0 (title, json_object_get_string_member_with_default (self->original, "title", "")) != 0)
    json_object_set_string_member (body, "title", title);
  if ((self->original == NULL && *description != '\0') ||
      (self->original != NULL &&
       g_strcmp0 (description,
                  json_object_get_string_member_with_default (self->original, "description", "")) != 0))
    json_object_set_string_member (body, "description", description);
  if (time_changed)
    {
      g_autoptr(GDateTime) utc = g_date_time_to_utc (when);
      g_autofree char *text = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

      json_object_set_string_member (body, "scheduled_at", text);
    }
  if (self->original == NULL ||
      duration != json_object_get_int_member_with_default (self->original, "duration_minutes", 0))
    json_object_set_int_member (body, "duration_minutes", duration);
  if (self->original == NULL ||
      is_public != json_object_get_boolean_member_with_default (self->original, "public", FALSE))
    json_object_set_boolean_member (body, "public", is_public);

  if (self->original != NULL && json_object_get_size (body) == 0)
    {
      /* nothing changed: nothing to send */
      gtk_window_close (GTK_WINDOW (self));
      return;
    }

  set_message (self, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  if (self->original == NULL)
    path = g_strdup ("/api/classes");
  else
    path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT,
                            json_object_get_int_member (self->original, "id"));
  sl_api_client_request_async (api, self->original == NULL ? "POST" : "PATCH", path, body,
                               self->cancellable, saved_cb, g_object_ref (self));
}

static void
title_activated_cb (SlClassEditor *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "editor.save", NULL);
}

/* ---- the object --------------------------------------------------------------- */

static void
sl_class_editor_dispose (GObject *object)
{
  SlClassEditor *self = SL_CLASS_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_pointer (&self->original, json_object_unref);
  g_clear_pointer (&self->original_time, g_date_time_unref);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_CLASS_EDITOR);
  G_OBJECT_CLASS (sl_class_editor_parent_class)->dispose (object);
}

static void
sl_class_editor_class_init (SlClassEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_class_editor_dispose;

  signals[SIGNAL_SAVED] =
    g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-class-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, save_button);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, spinner);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, message_label);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, title_row);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, description_view);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, date_button);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, calendar);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, hour_spin);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, minute_spin);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, duration_spin);
  gtk_widget_class_bind_template_child (widget_class, SlClassEditor, public_switch);
  gtk_widget_class_bind_template_callback (widget_class, day_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, two_digits_output_cb);
  gtk_widget_class_bind_template_callback (widget_class, title_activated_cb);

  gtk_widget_class_install_action (widget_class, "editor.save", NULL, save_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "editor.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "editor.save", NULL);
}

static void
sl_class_editor_init (SlClassEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

SlClassEditor *
sl_class_editor_new (SlSession  *session,
                     JsonObject *klass)
{
  SlClassEditor *self;

  g_return_val_if_fail (SL_IS_SESSION (session), NULL);

  self = g_object_new (SL_TYPE_CLASS_EDITOR, NULL);
  self->session = g_object_ref (session);
  if (klass == NULL)
    {
      /* the next whole hour */
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      g_autoptr(GDateTime) later = g_date_time_add_hours (now, 1);
      g_autoptr(GDateTime) hour = g_date_time_new_local (g_date_time_get_year (later),
                                                         g_date_time_get_month (later),
                                                         g_date_time_get_day_of_month (later),
                                                         g_date_time_get_hour (later), 0, 0);

      gtk_window_set_title (GTK_WINDOW (self), _("Schedule Class"));
      gtk_button_set_label (self->save_button, _("_Schedule"));
      set_time (self, hour != NULL ? hour : later);
      gtk_spin_button_set_value (self->duration_spin, DEFAULT_DURATION);
    }
  else
    {
      const char *scheduled = json_object_get_string_member_with_default (klass, "scheduled_at", NULL);
      g_autoptr(GDateTime) utc = scheduled != NULL ? g_date_time_new_from_iso8601 (scheduled, NULL)
                                                   : NULL;

      self->original = json_object_ref (klass);
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Class"));
      gtk_button_set_label (self->save_button, _("_Save"));
      gtk_editable_set_text (GTK_EDITABLE (self->title_row),
                             json_object_get_string_member_with_default (klass, "title", ""));
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->description_view),
                                json_object_get_string_member_with_default (klass, "description", ""),
                                -1);
      if (utc != NULL)
        {
          g_autoptr(GDateTime) local = g_date_time_to_local (utc);

          self->original_time = to_the_minute (local);
          set_time (self, self->original_time);
        }
      gtk_spin_button_set_value (self->duration_spin,
                                 json_object_get_int_member_with_default (klass, "duration_minutes",
                                                                          DEFAULT_DURATION));
      gtk_switch_set_active (self->public_switch,
                             json_object_get_boolean_member_with_default (klass, "public", FALSE));
    }
  adw_window_title_set_title (self->window_title, gtk_window_get_title (GTK_WINDOW (self)));
  gtk_widget_grab_focus (GTK_WIDGET (self->title_row));
  return self;
}
