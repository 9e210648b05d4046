/* sl-profile-dialog.c: the signed-in user's profile: display name and
 * password (GET and PATCH /api/profile)
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-profile-dialog"

#include "config.h"

#include "sl-profile-dialog.h"

#include "sl-client-error.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>
#include <string.h>

#define DISPLAY_NAME_MAX 100
#define PASSWORD_MIN 8
#define PASSWORD_MAX 1024

struct _SlProfileDialog {
  AdwPreferencesWindow  parent_instance;

  AdwActionRow         *username_row;
  AdwActionRow         *role_row;
  AdwEntryRow          *display_name_row;
  GtkLabel             *account_message;
  GtkSpinner           *account_spinner;
  AdwPreferencesGroup  *password_group;
  AdwPasswordEntryRow  *current_row;
  AdwPasswordEntryRow  *new_row;
  AdwPasswordEntryRow  *repeat_row;
  GtkLabel             *password_message;
  GtkSpinner           *password_spinner;

  SlApiClient          *api;
  SlSession            *session;
  GCancellable         *cancellable;
  char                 *display_name;   /* as the server has it */
  gboolean              loaded;
  gboolean              syncing;
  gboolean              name_busy;
  gboolean              password_busy;
};

G_DEFINE_FINAL_TYPE (SlProfileDialog, sl_profile_dialog, ADW_TYPE_PREFERENCES_WINDOW)

static void
show_message (GtkLabel   *label,
              const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL && *text != '\0');
}

/* Toast titles are markup: the display name typed is escaped. */
static void
toast (SlProfileDialog *self,
       const char      *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);
  AdwToast *t = adw_toast_new (escaped);

  adw_toast_set_timeout (t, 5);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), t);
}

static void
set_spinning (GtkSpinner *spinner,
              gboolean    spinning)
{
  gtk_spinner_set_spinning (spinner, spinning);
  gtk_widget_set_visible (GTK_WIDGET (spinner), spinning);
}

static const char *
role_name (const char *role)
{
  if (g_strcmp0 (role, "admin") == 0)
    return _("Admin");
  if (g_strcmp0 (role, "teacher") == 0)
    return _("Teacher");
  return _("Student");
}

static const char *
json_string (JsonObject *object,
             const char *member)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
answer_user (JsonObject *answer)
{
  JsonNode *node = answer != NULL ? json_object_get_member (answer, "user") : NULL;

  return node != NULL && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

/* The row shows @name as the server has it, without offering to apply it. */
static void
show_display_name (SlProfileDialog *self,
                   const char      *name)
{
  g_free (self->display_name);
  self->display_name = g_strdup (name != NULL ? name : "");
  self->syncing = TRUE;
  adw_entry_row_set_show_apply_button (self->display_name_row, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->display_name_row), self->display_name);
  adw_entry_row_set_show_apply_button (self->display_name_row, TRUE);
  self->syncing = FALSE;
}

static void
show_user (SlProfileDialog *self,
           JsonObject      *user)
{
  const char *username = json_string (user, "username");

  adw_action_row_set_subtitle (self->username_row, username != NULL ? username : "");
  adw_action_row_set_subtitle (self->role_row, role_name (json_string (user, "role")));
  show_display_name (self, json_string (user, "display_name"));
}

/* ---- loading ------------------------------------------------------------- */

static void
profile_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(SlProfileDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  JsonObject *user = answer_user (answer);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_spinning (self->account_spinner, FALSE);

  if (user == NULL)
    {
      g_autofree char *text = error != NULL ? sl_ui_error_text (error)
                                            : g_strdup (_("The server’s answer could not be read. Is this a streamlet server?"));
      g_autofree char *message = g_strdup_printf (_("Your profile could not be loaded. %s"), text);

      show_message (self->account_message, message);
      return;
    }

  self->loaded = TRUE;
  show_user (self, user);
  gtk_widget_set_sensitive (GTK_WIDGET (self->display_name_row), TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_group), TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "profile.change-password", TRUE);
}

/* ---- the display name --------------------------------------------------------- */

static void
name_changed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(SlProfileDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);
  JsonObject *user = answer_user (answer);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->name_busy = FALSE;
  set_spinning (self->account_spinner, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->display_name_row), TRUE);

  if (answer == NULL)
    {
      g_autofree char *text = sl_ui_error_text (error);

      show_message (self->account_message, text);
      gtk_widget_grab_focus (GTK_WIDGET (self->display_name_row));
      return;
    }

  if (user != NULL)
    show_user (self, user);
  /* the rest of the app says the new name from now on */
  if (self->session != NULL && *self->display_name != '\0')
    sl_session_set_display_name (self->session, self->display_name);
  {
    g_autofree char *text = g_strdup_printf (_("Your display name is now “%s”"), self->display_name);

    toast (self, text);
  }
}

static void
display_name_apply_cb (SlProfileDialog *self)
{
  g_autofree char *name = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->display_name_row))));
  g_autoptr(JsonObject) body = NULL;

  if (!self->loaded || self->name_busy)
    return;
  if (*name == '\0')
    {
      show_message (self->account_message, _("A display name cannot be empty."));
      gtk_widget_grab_focus (GTK_WIDGET (self->display_name_row));
      return;
    }
  if (g_utf8_strlen (name, -1) > DISPLAY_NAME_MAX)
    {
      show_message (self->account_message, _("A display name has at most 100 characters."));
      gtk_widget_grab_focus (GTK_WIDGET (self->display_name_row));
      return;
    }
  show_message (self->account_message, NULL);
  if (g_strcmp0 (name, self->display_name) == 0)
    {
      show_display_name (self, self->display_name);
      return;
    }

  body = json_object_new ();
  json_object_set_string_member (body, "display_name", name);
  self->name_busy = TRUE;
  set_spinning (self->account_spinner, TRUE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->display_name_row), FALSE);
  sl_api_client_request_async (self->api, "PATCH", "/api/profile", body, self->cancellable,
                               name_changed_cb, g_object_ref (self));
}

static void
display_name_changed_cb (SlProfileDialog *self)
{
  if (!self->syncing && !self->name_busy)
    show_message (self->account_message, NULL);
}

/* ---- the password -------------------------------------------------------------- */

static void
set_password_busy (SlProfileDialog *self,
                   gboolean         busy)
{
  self->password_busy = busy;
  set_spinning (self->password_spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->current_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->new_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->repeat_row), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "profile.change-password", !busy);
}

static void
password_changed_on_server_cb (GObject      *source,
                               GAsyncResult *result,
                               gpointer      user_data)
{
  g_autoptr(SlProfileDialog) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  set_password_busy (self, FALSE);

  if (answer == NULL)
    {
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_FORBIDDEN) &&
          strstr (error->message, "disabled") == NULL)
        {
          /* 403 wrong_password: the one refusal of this route for a signed-in user */
          show_message (self->password_message,
                        _("Your current password is not right. Nothing was changed."));
          gtk_editable_select_region (GTK_EDITABLE (self->current_row), 0, -1);
          gtk_widget_grab_focus (GTK_WIDGET (self->current_row));
        }
      else
        {
          g_autofree char *text = sl_ui_error_text (error);

          show_message (self->password_message, text);
        }
      return;
    }

  self->syncing = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->current_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->new_row), "");
  gtk_editable_set_text (GTK_EDITABLE (self->repeat_row), "");
  self->syncing = FALSE;
  show_message (self->password_message, NULL);
  toast (self, _("Your password was changed. Your other sign-ins were ended."));
}

static void
change_password_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  SlProfileDialog *self = SL_PROFILE_DIALOG (widget);
  const char *current = gtk_editable_get_text (GTK_EDITABLE (self->current_row));
  const char *new_password = gtk_editable_get_text (GTK_EDITABLE (self->new_row));
  const char *repeat = gtk_editable_get_text (GTK_EDITABLE (self->repeat_row));
  glong new_chars = g_utf8_strlen (new_password, -1);
  g_autoptr(JsonObject) body = NULL;

  if (!self->loaded || self->password_busy)
    return;
  if (*current == '\0')
    {
      show_message (self->password_message, _("Enter your current password."));
      gtk_widget_grab_focus (GTK_WIDGET (self->current_row));
      return;
    }
  if (new_chars < PASSWORD_MIN)
    {
      show_message (self->password_message, _("The new password needs at least 8 characters."));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_row));
      return;
    }
  if (new_chars > PASSWORD_MAX)
    {
      show_message (self->password_message, _("The new password can have at most 1024 characters."));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_row));
      return;
    }
  if (strcmp (new_password, repeat) != 0)
    {
      show_message (self->password_message, _("The new passwords do not match. Type the same one twice."));
      gtk_widget_grab_focus (GTK_WIDGET (self->repeat_row));
      return;
    }
  if (strcmp (new_password, current) == 0)
    {
      show_message (self->password_message, _("The new password is the same as the current one."));
      gtk_widget_grab_focus (GTK_WIDGET (self->new_row));
      return;
    }

  show_message (self->password_message, NULL);
  body = json_object_new ();
  json_object_set_string_member (body, "current_password", current);
  json_object_set_string_member (body, "new_password", new_password);
  set_password_busy (self, TRUE);
  sl_api_client_request_async (self->api, "PATCH", "/api/profile", body, self->cancellable,
                               password_changed_on_server_cb, g_object_ref (self));
}

static void
password_entry_activated_cb (SlProfileDialog *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "profile.change-password", NULL);
}

static void
password_changed_cb (SlProfileDialog *self)
{
  if (!self->syncing && !self->password_busy)
    show_message (self->password_message, NULL);
}

/* ---- the window --------------------------------------------------------------------- */

GtkWindow *
sl_profile_dialog_new (SlSession *session)
{
  SlProfileDialog *self;
  SlApiClient *api;

  g_return_val_if_fail (SL_IS_SESSION (session), NULL);

  self = g_object_new (SL_TYPE_PROFILE_DIALOG, NULL);
  api = sl_session_get_api (session);
  if (api == NULL)
    {
      show_message (self->account_message, _("Sign in to see your profile."));
      return GTK_WINDOW (self);
    }

  self->api = g_object_ref (api);
  self->session = g_object_ref (session);
  set_spinning (self->account_spinner, TRUE);
  sl_api_client_request_async (self->api, "GET", "/api/profile", NULL, self->cancellable,
                               profile_loaded_cb, g_object_ref (self));
  return GTK_WINDOW (self);
}

static void
sl_profile_dialog_dispose (GObject *object)
{
  SlProfileDialog *self = SL_PROFILE_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_PROFILE_DIALOG);
  G_OBJECT_CLASS (sl_profile_dialog_parent_class)->dispose (object);
}

static void
sl_profile_dialog_finalize (GObject *object)
{
  SlProfileDialog *self = SL_PROFILE_DIALOG (object);

  g_free (self->display_name);
  G_OBJECT_CLASS (sl_profile_dialog_parent_class)->finalize (object);
}

static void
sl_profile_dialog_class_init (SlProfileDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_profile_dialog_dispose;
  object_class->finalize = sl_profile_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-profile-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, username_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, role_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, display_name_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, account_message);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, account_spinner);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, password_group);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, current_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, new_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, repeat_row);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, password_message);
  gtk_widget_class_bind_template_child (widget_class, SlProfileDialog, password_spinner);
  gtk_widget_class_bind_template_callback (widget_class, display_name_apply_cb);
  gtk_widget_class_bind_template_callback (widget_class, display_name_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_entry_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, password_changed_cb);

  gtk_widget_class_install_action (widget_class, "profile.change-password", NULL,
                                   change_password_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
sl_profile_dialog_init (SlProfileDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "profile.change-password", FALSE);
}
