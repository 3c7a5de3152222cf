/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-search"

#include "config.h"

#include <string.h>

#include "wh-pinyin.h"
#include "wh-pinyin-table.h"

const char *
wh_pinyin_of (gunichar c)
{
  for (guint r = 0; r < G_N_ELEMENTS (wh_pinyin_ranges); r++)
    if (c >= wh_pinyin_ranges[r].first && c <= wh_pinyin_ranges[r].last)
      {
        guint id = wh_pinyin_of_char[wh_pinyin_ranges[r].offset + (c - wh_pinyin_ranges[r].first)];

        return id > 0 ? wh_pinyin_syllables[id - 1] : NULL;
      }
  return NULL;
}

static int
fold_compare (const void *key,
              const void *item)
{
  guint32 c = *(const guint32 *) key;
  const WhPinyinFold *f = item;

  return c < f->from ? -1 : c > f->from ? 1 : 0;
}

gunichar
wh_pinyin_fold (gunichar c)
{
  guint32 key = c;
  const WhPinyinFold *f;

  if (c < wh_pinyin_folds[0].from)
    return c;
  f = bsearch (&key, wh_pinyin_folds, G_N_ELEMENTS (wh_pinyin_folds), sizeof (WhPinyinFold),
               fold_compare);
  return f != NULL ? f->to : c;
}

gboolean
wh_pinyin_is_syllable (const char *text,
                       gsize       length)
{
  guint lo = 0, hi = G_N_ELEMENTS (wh_pinyin_syllables);

  if (length == 0 || length > WH_PINYIN_MAX_SYLLABLE)
    return FALSE;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      const char *s = wh_pinyin_syllables[mid];
      int cmp = strncmp (text, s, length);

      if (cmp == 0 && s[length] != '\0')
        cmp = -1; /* text is a proper prefix of s: it sorts before */
      if (cmp == 0)
        return TRUE;
      if (cmp < 0)
        hi = mid;
      else
        lo = mid + 1;
    }
  return FALSE;
}

gboolean
wh_pinyin_is_initial (char c)
{
  for (guint i = 0; i < G_N_ELEMENTS (wh_pinyin_syllables); i++)
    if (wh_pinyin_syllables[i][0] == c)
      return TRUE;
  return FALSE;
}
