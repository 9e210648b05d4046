/* leak-check-demo.c: leaks one buffer on purpose, so that app-leak-check can
 * show that its valgrind run and parser do find a leak in code of ours.
 * Built for the tests only (tests/meson.build), never installed.
 * SPDX-License-Identifier: GPL-3.0-or-later */

#include <glib.h>
#include <string.h>

/* Where the buffer's address goes before it is dropped: volatile, so the
 * compiler keeps both the store and the overwrite. */
static char *volatile planted;

/* The leak app-leak-check expects: 64 bytes from g_malloc, never freed. */
G_GNUC_NO_INLINE static void
plant_leak (void)
{
  char *buffer = g_malloc (64);

  memset (buffer, 'x', 63);
  buffer[63] = '\0';
  planted = buffer;
  planted = NULL;
}

/* Everything else is freed, so the planted buffer is the only definite
 * leak from this file. */
G_GNUC_NO_INLINE static gsize
tidy_work (void)
{
  g_autofree char *text = g_strdup_printf ("%s %d", "kept and freed", 42);

  return strlen (text);
}

int
main (void)
{
  gsize length;

  plant_leak ();
  length = tidy_work ();
  return length > 0 ? 0 : 1;
}
