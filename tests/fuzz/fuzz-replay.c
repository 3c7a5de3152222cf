/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs one fuzz target over every file of the corpus directories named on
 * the command line, the way libFuzzer does with -runs=0, for builds without
 * libFuzzer. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "wh-fuzz.h"

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

int
main (int    argc,
      char **argv)
{
  guint n_inputs = 0;

  LLVMFuzzerInitialize (&argc, &argv);
  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s CORPUS-DIR...\n", argv[0]);
      return 2;
    }
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, &error);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      if (dir == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      /* Sorted, so a failure names the same input on every run. */
      g_ptr_array_sort (names, compare_names);
      for (guint k = 0; k < names->len; k++)
        {
          g_autofree char *path = g_build_filename (argv[i], names->pdata[k], NULL);
          g_autofree char *contents = NULL;
          gsize length;

          if (!g_file_get_contents (path, &contents, &length, &error))
            {
              fprintf (stderr, "%s\n", error->message);
              return 1;
            }
          /* A copy of exactly the file's size, so ASan sees a read past it. */
          {
            g_autofree uint8_t *copy = g_memdup2 (contents, length);

            printf ("%s\n", path);
            fflush (stdout);
            LLVMFuzzerTestOneInput (copy, length);
          }
          n_inputs++;
        }
    }
  printf ("%u inputs\n", n_inputs);
  return n_inputs > 0 ? 0 : 1;
}
