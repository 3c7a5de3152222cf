/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "wh-fuzz.h"

/* Criticals and warnings are bugs here as in the unit tests; the messages of
 * refused input are translated, so a fixed locale keeps runs comparable. */
int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  setlocale (LC_ALL, "C.UTF-8");
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
  return 0;
}

void
wh_fuzz_assert_same_record (const WhRecord *a,
                            const WhRecord *b)
{
  g_assert_true (a->collection == b->collection);
  g_assert_cmpint (a->id, ==, b->id);
  g_assert_cmpint (a->rev, ==, b->rev);
  g_assert_true (wh_record_equal (a, b));
  for (guint i = 0; i < a->collection->n_fields; i++)
    if (a->collection->fields[i].type == WH_TYPE_REAL && a->values[i].is_set)
      g_assert_cmpmem (&a->values[i].d, sizeof (double), &b->values[i].d, sizeof (double));
}
