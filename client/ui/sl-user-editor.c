/* sl-user-editor.c: the admin's "New User" form
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-user-editor"

#include "config.h"

#include "sl-user-editor.h"

#include "sl-client-error.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>
#include <string.h>

#define USERNAME_MIN 3
#define USERNAME_MAX 64
#define DISPLAY_NAME_MAX 100
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

/* in the order of the role row's model */
static const char * const roles[] = { "student", "teacher", "admin" };

struct _SlUserEditor {
  AdwWindow            parent_instance;

  AdwEntryRow         *username_row;
  AdwEntryRow         *display_name_row;
  AdwPasswordEntryRow *password_row;
  AdwComboRow         *role_row;
  GtkLabel            *message_label;
  GtkSpinner          *spinner;

  SlApiClient         *api;
  GCancellable        *cancellable;
  gboolean             busy;
};

G_DEFINE_FINAL_TYPE (SlUserEditor, sl_user_editor, ADW_TYPE_WINDOW)

enum {
  SIGNAL_USER_CREATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
set_message (SlUserEditor *self,
             const char   *message,
             GtkWidget    *focus)
{
  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');
  if (focus != NULL)
    gtk_widget_grab_focus (focus);
}

const char *
sl_user_editor_get_message (SlUserEditor *self)
{
  g_return_val_if_fail (SL_IS_USER_EDITOR (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->message_label)))
    return NULL;
  return gtk_label_get_text (self->message_label);
}

static void
set_busy (SlUserEditor *self,
          gboolean      busy)
{
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->display_name_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->role_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.create", !busy);
}

static gboolean
username_is_valid (const char *username)
{
  gsize len = strlen (username);

  if (len < USERNAME_MIN || len > USERNAME_MAX)
    return FALSE;
  for (const char *p = username; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

static void
created_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(SlUserEditor) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  JsonObject *user;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_busy (self, FALSE);

  if (answer == NULL)
    {
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BUSY))
        {
          /* the one conflict this route has: the name exists */
          g_autofree char *username = g_ascii_strdown (gtk_editable_get_text (GTK_EDITABLE (self->username_row)), -1);
          g_autofree char *text = g_strdup_printf (_("The user name “%s” is taken. Choose another one."),
                                                   g_strstrip (username));

          set_message (self, text, GTK_WIDGET (self->username_row));
        }
      else
        {
          g_autofree char *text = sl_ui_error_text (error);

          set_message (self, text, NULL);
        }
      return;
    }

  if (json_object_has_member (answer, "user") &&
      JSON_NODE_HOLDS_OBJECT (json_object_get_member (answer, "user")))
    user = json_object_get_object_member (answer, "user");
  else
    user = answer;
  g_signal_emit (self, signals[SIGNAL_USER_CREATED], 0, user);
  gtk_window_close (GTK_WINDOW (self));
}

static void
create_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlUserEditor *self = SL_USER_EDITOR (widget);
  g_autofree char *username = g_strstrip (g_ascii_strdown (gtk_editable_get_text (GTK_EDITABLE (self->username_row)), -1));
  g_autofree char *display_name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->display_name_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));
  guint role = adw_combo_row_get_selected (self->role_row);
  glong password_chars = g_utf8_strlen (password, -1);
  g_autoptr(JsonObject) body = NULL;

  if (self->busy)
    return;
  if (*username == '\0')
    {
      set_message (self, _("Enter a user name."), GTK_WIDGET (self->username_row));
      return;
    }
  if (!username_is_valid (username))
    {
      set_message (self, _("A user name is 3 to 64 letters, digits, “.”, “_” or “-”, without spaces."),
                   GTK_WIDGET (self->username_row));
      return;
    }
  if (g_utf8_strlen (display_name, -1) > DISPLAY_NAME_MAX)
    {
      set_message (self, _("A display name has at most 100 characters."),
                   GTK_WIDGET (self->display_name_row));
      return;
    }
  if (password_chars < PASSWORD_MIN)
    {
      set_message (self, _("The password needs at least 8 characters."),
                   GTK_WIDGET (self->password_row));
      return;
    }
  if (password_chars > PASSWORD_MAX)
    {
      set_message (self, _("The password can have at most 1024 characters."),
                   GTK_WIDGET (self->password_row));
      return;
    }
  if (role >= G_N_ELEMENTS (roles))
    role = 0;

  body = json_object_new ();
  json_object_set_string_member (body, "username", username);
  json_object_set_string_member (body, "password", password);
  if (*display_name != '\0')
    json_object_set_string_member (body, "display_name", display_name);
  json_object_set_string_member (body, "role", roles[role]);

  set_message (self, NULL, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  sl_api_client_request_async (self->api, "POST", "/api/admin/users", body, self->cancellable,
                               created_cb, g_object_ref (self));
}

static void
cancel_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  gtk_window_close (GTK_WINDOW (widget));
}

static void
entry_activated_cb (SlUserEditor *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "editor.create", NULL);
}

static void
field_changed_cb (SlUserEditor *self)
{
  /* the message was about what is being corrected now */
  if (!self->busy)
    set_message (self, NULL, NULL);
}

SlUserEditor *
sl_user_editor_new (SlApiClient *api)
{
  SlUserEditor *self;

  g_return_val_if_fail (SL_IS_API_CLIENT (api), NULL);

  self = g_object_new (SL_TYPE_USER_EDITOR, NULL);
  self->api = g_object_ref (api);
  return self;
}

static void
sl_user_editor_dispose (GObject *object)
{
  SlUserEditor *self = SL_USER_EDITOR (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_USER_EDITOR);
  G_OBJECT_CLASS (sl_user_editor_parent_class)->dispose (object);
}

static void
sl_user_editor_class_init (SlUserEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_user_editor_dispose;

  signals[SIGNAL_USER_CREATED] =
    g_signal_new ("user-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-user-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, username_row);
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, password_row);
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, role_row);
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, message_label);
  gtk_widget_class_bind_template_child (widget_class, SlUserEditor, spinner);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, field_changed_cb);

  gtk_widget_class_install_action (widget_class, "editor.create", NULL, create_activated);
  gtk_widget_class_install_action (widget_class, "editor.cancel", NULL, cancel_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "editor.cancel", NULL);
}

static void
sl_user_editor_init (SlUserEditor *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
