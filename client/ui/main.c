/* main.c: streamlet, the desktop app
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "streamlet"

#include "config.h"

#include "sl-application.h"

#include <glib/gi18n.h>
#include <gst/gst.h>
#include <locale.h>

int
main (int    argc,
      char **argv)
{
  g_autoptr(SlApplication) app = NULL;
  /* uninstalled (scripts/run), the catalogues are in the build dir */
  const char *localedir = g_getenv ("STREAMLET_LOCALEDIR");

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gst_init (&argc, &argv);
  g_set_application_name (_("Streamlet"));
  app = sl_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
