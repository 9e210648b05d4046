/* sl-sign-in-page.c: the sign-in form
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-sign-in-page"

#include "config.h"

#include "sl-sign-in-page.h"

#include "sl-client-error.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>

struct _SlSignInPage {
  AdwBin        parent_instance;

  AdwEntryRow  *server_row;
  AdwEntryRow  *username_row;
  AdwEntryRow  *password_row;
  GtkSwitch    *stay_switch;
  GtkLabel     *message_label;
  GtkButton    *sign_in_button;
  GtkSpinner   *spinner;

  SlSession    *session;
  GSettings    *settings;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (SlSignInPage, sl_sign_in_page, ADW_TYPE_BIN)

static void
set_busy (SlSignInPage *self,
          gboolean      busy)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *focus = root != NULL ? gtk_root_get_focus (root) : NULL;

  /* the form goes insensitive: the focus leaves it first (a focused text
   * that goes insensitive gets no focus-out, and GTK warns) */
  if (busy && focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self)))
    gtk_root_set_focus (root, NULL);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->server_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->username_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->password_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stay_switch), !busy);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sign-in.submit", !busy);
}

void
sl_sign_in_page_set_message (SlSignInPage *self,
                             const char   *message)
{
  g_return_if_fail (SL_IS_SIGN_IN_PAGE (self));

  gtk_label_set_text (self->message_label, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL && *message != '\0');
}

static void
signed_in_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(SlSignInPage) self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean ok = sl_session_sign_in_finish (SL_SESSION (source), result, &error);

  if (self->cancellable == NULL)
    return;   /* disposed: its rows are gone */
  /* first: an insensitive row cannot take the focus below */
  set_busy (self, FALSE);
  if (ok)
    {
      /* the password is not kept in the form either */
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      sl_sign_in_page_set_message (self, NULL);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *text = sl_ui_error_text (error);

      sl_sign_in_page_set_message (self, text);
      if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_BAD_CREDENTIALS))
        {
          gtk_editable_select_region (GTK_EDITABLE (self->password_row), 0, -1);
          gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
        }
      else if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_UNREACHABLE))
        gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      else
        sl_sign_in_page_focus (self);
    }
}

static void
submit_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlSignInPage *self = SL_SIGN_IN_PAGE (widget);
  g_autofree char *server = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->server_row))));
  g_autofree char *username = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->username_row))));
  const char *password = gtk_editable_get_text (GTK_EDITABLE (self->password_row));

  if (self->session == NULL)
    return;
  if (*server == '\0')
    {
      sl_sign_in_page_set_message (self, _("Enter the address of your streamlet server."));
      gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
      return;
    }
  if (*username == '\0' || *password == '\0')
    {
      sl_sign_in_page_set_message (self, _("Enter your user name and password."));
      gtk_widget_grab_focus (GTK_WIDGET (*username == '\0' ? self->username_row : self->password_row));
      return;
    }
  /* "school.example:8080" means http(s) to it: take http when no scheme */
  if (strstr (server, "://") == NULL)
    {
      char *with_scheme = g_strconcat ("http://", server, NULL);

      g_free (server);
      server = with_scheme;
    }

  sl_sign_in_page_set_message (self, NULL);
  set_busy (self, TRUE);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  sl_session_sign_in_async (self->session, server, username, password,
                            gtk_switch_get_active (self->stay_switch), self->cancellable,
                            signed_in_cb, g_object_ref (self));
}

static void
entry_activated_cb (SlSignInPage *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "sign-in.submit", NULL);
}

void
sl_sign_in_page_setup (SlSignInPage *self,
                       SlSession    *session,
                       GSettings    *settings)
{
  g_autofree char *server = NULL;
  g_autofree char *username = NULL;

  g_return_if_fail (SL_IS_SIGN_IN_PAGE (self));

  g_set_object (&self->session, session);
  g_set_object (&self->settings, settings);
  server = g_settings_get_string (settings, "server-url");
  username = g_settings_get_string (settings, "username");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (self->username_row), username);
  gtk_switch_set_active (self->stay_switch, g_settings_get_boolean (settings, "stay-signed-in"));
}

void
sl_sign_in_page_focus (SlSignInPage *self)
{
  g_return_if_fail (SL_IS_SIGN_IN_PAGE (self));

  if (*gtk_editable_get_text (GTK_EDITABLE (self->server_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->server_row));
  else if (*gtk_editable_get_text (GTK_EDITABLE (self->username_row)) == '\0')
    gtk_widget_grab_focus (GTK_WIDGET (self->username_row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
}

static void
sl_sign_in_page_dispose (GObject *object)
{
  SlSignInPage *self = SL_SIGN_IN_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_SIGN_IN_PAGE);
  G_OBJECT_CLASS (sl_sign_in_page_parent_class)->dispose (object);
}

static void
sl_sign_in_page_class_init (SlSignInPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_sign_in_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-sign-in-page.ui");
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, username_row);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, stay_switch);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, message_label);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, sign_in_button);
  gtk_widget_class_bind_template_child (widget_class, SlSignInPage, spinner);
  gtk_widget_class_bind_template_callback (widget_class, entry_activated_cb);

  gtk_widget_class_install_action (widget_class, "sign-in.submit", NULL, submit_activated);
}

static void
sl_sign_in_page_init (SlSignInPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}
