/* sl-ui-errors.c: errors in the words the app shows
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-ui-errors"

#include "config.h"

#include "sl-ui-errors.h"

#include "sl-client-error.h"

#include <gio/gio.h>
#include <glib/gi18n.h>

char *
sl_ui_error_text (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != SL_CLIENT_ERROR)
    return g_strdup_printf (_("Something went wrong: %s"), error->message);

  switch ((SlClientError) error->code)
    {
    case SL_CLIENT_ERROR_UNREACHABLE:
      return g_strdup_printf (_("The server cannot be reached. Check its address and your "
                                "network connection. (%s)"), error->message);
    case SL_CLIENT_ERROR_BAD_CREDENTIALS:
      return g_strdup (_("That user name and password do not match. Try again."));
    case SL_CLIENT_ERROR_SIGNED_OUT:
      return g_strdup (_("Your session has ended. Sign in again."));
    case SL_CLIENT_ERROR_FORBIDDEN:
      return g_strdup_printf (_("You are not allowed to do that. (%s)"), error->message);
    case SL_CLIENT_ERROR_NOT_FOUND:
      return g_strdup (_("That class no longer exists."));
    case SL_CLIENT_ERROR_NOT_LIVE:
      return g_strdup (_("The class is not live right now."));
    case SL_CLIENT_ERROR_OFFLINE:
      return g_strdup (_("The teacher’s video is not coming through right now. It resumes "
                         "here by itself."));
    case SL_CLIENT_ERROR_BUSY:
      return g_strdup_printf (_("The server is busy with this class. (%s)"), error->message);
    case SL_CLIENT_ERROR_REFUSED:
      return g_strdup_printf (_("The server refused: %s"), error->message);
    case SL_CLIENT_ERROR_SERVER:
      return g_strdup (_("The server ran into a problem. Try again in a moment."));
    case SL_CLIENT_ERROR_PROTOCOL:
      return g_strdup (_("The server’s answer could not be read. Is this a streamlet server?"));
    case SL_CLIENT_ERROR_MISSING_DEVICE:
      return g_strdup_printf (_("A camera, screen or microphone is missing: %s"), error->message);
    case SL_CLIENT_ERROR_MISSING_PLUGIN:
      return g_strdup_printf (_("A part of GStreamer is not installed: %s"), error->message);
    case SL_CLIENT_ERROR_MEDIA:
    default:
      return g_strdup_printf (_("The video connection failed: %s"), error->message);
    }
}
