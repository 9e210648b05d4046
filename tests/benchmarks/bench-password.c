/* bench-password.c: how long one password hash and one check take on this machine
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-password"

#include "config.h"

#include "sl-password.h"

#include <stdlib.h>
#include <string.h>

/* Usage: bench-password [N]   (N runs of each, default 7)
 * Prints one line per figure:
 *   password_hash_seconds median=0.31 min=0.30 max=0.33 (pbkdf2-sha256, 600000 iterations)
 * A login costs one verify; above 0.5 s per hash the server needs more
 * cores, not fewer iterations. */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
report (const char *figure,
        GArray     *seconds,
        const char *scheme,
        guint64     iterations)
{
  double median;
  guint n = seconds->len;

  g_array_sort (seconds, compare_doubles);
  median = n % 2 == 1
    ? g_array_index (seconds, double, n / 2)
    : (g_array_index (seconds, double, n / 2 - 1) + g_array_index (seconds, double, n / 2)) / 2;

  g_print ("%s median=%.3f min=%.3f max=%.3f n=%u (%s, %" G_GUINT64_FORMAT " iterations)\n",
           figure, median, g_array_index (seconds, double, 0),
           g_array_index (seconds, double, n - 1), n, scheme, iterations);
  if (median > 0.5)
    g_print ("# warning: %s above 0.5 s on this machine\n", figure);
}

int
main (int   argc,
      char *argv[])
{
  const char *password = "a benchmark password, 8+ chars";
  g_autoptr(GArray) hash_s = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) verify_s = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) dummy_s = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *encoded = NULL;
  g_auto(GStrv) parts = NULL;
  guint64 iterations = 0;
  guint64 runs = 7;

  if (argc > 1 && !g_ascii_string_to_unsigned (argv[1], 10, 1, 1000, &runs, NULL))
    {
      g_printerr ("usage: %s [RUNS (1..1000, default 7)]\n", argv[0]);
      return 2;
    }

  for (guint64 i = 0; i < runs; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      double s;

      g_free (encoded);
      encoded = sl_password_hash (password, &error);
      s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
      if (encoded == NULL)
        {
          g_printerr ("hashing failed: %s\n", error->message);
          return 1;
        }
      g_array_append_val (hash_s, s);
    }

  for (guint64 i = 0; i < runs; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      gboolean ok = sl_password_verify (password, encoded, NULL, &error);
      double s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

      if (!ok)
        {
          g_printerr ("checking failed: %s\n", error != NULL ? error->message : "no match");
          return 1;
        }
      g_array_append_val (verify_s, s);
    }

  for (guint64 i = 0; i < runs; i++)
    {
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      gboolean ok = sl_password_verify (password, NULL, NULL, &error);
      double s = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

      if (ok || error != NULL)
        {
          g_printerr ("the unknown-user check answered wrongly\n");
          return 1;
        }
      g_array_append_val (dummy_s, s);
    }

  parts = g_strsplit (encoded, "$", 0);
  if (g_strv_length (parts) != 4 ||
      !g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXUINT64, &iterations, NULL))
    {
      g_printerr ("unexpected encoded form\n");
      return 1;
    }

  report ("password_hash_seconds", hash_s, parts[0], iterations);
  report ("password_verify_seconds", verify_s, parts[0], iterations);
  report ("password_verify_unknown_user_seconds", dummy_s, parts[0], iterations);
  return 0;
}
