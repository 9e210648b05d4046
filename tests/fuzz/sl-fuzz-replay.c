/* sl-fuzz-replay.c: feeds every file of a corpus to a fuzz target, as a TAP test
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-fuzz-replay"

#include "config.h"

#include "sl-fuzz.h"

#include <glib.h>

/* Without libFuzzer, a target is linked with this main and run by
 * `meson test` over its seed corpus, so every test run replays the seeds
 * (and, under ASan/UBSan, checks them). Arguments are files or folders. */

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

static void
collect (const char *path,
         GPtrArray  *files)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (files, g_strdup (path));
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    return;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (name[0] != '.')
      g_ptr_array_add (names, g_strdup (name));
  /* The same order every run. */
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child = g_build_filename (path, g_ptr_array_index (names, i), NULL);

      collect (child, files);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  guint failures = 0;

  if (argc < 2)
    {
      g_printerr ("usage: %s CORPUS-DIR-OR-FILE…\n", argv[0]);
      return 2;
    }

  for (int i = 1; i < argc; i++)
    collect (argv[i], files);

  if (files->len == 0)
    {
      /* A replay with nothing to replay would pass without testing anything. */
      g_print ("1..1\nnot ok 1 - no corpus files under %s\n", argv[1]);
      return 1;
    }

  g_print ("1..%u\n", files->len);
  for (guint i = 0; i < files->len; i++)
    {
      const char *path = g_ptr_array_index (files, i);
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *data = NULL;
      g_autoptr(GError) error = NULL;
      gsize len = 0;

      if (!g_file_get_contents (path, &data, &len, &error))
        {
          g_print ("not ok %u - %s: %s\n", i + 1, base, error->message);
          failures++;
          continue;
        }
      /* A crash or sanitizer report ends the run here, failing the test. */
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      g_print ("ok %u - %s (%" G_GSIZE_FORMAT " bytes)\n", i + 1, base, len);
    }

  return failures > 0 ? 1 : 0;
}
