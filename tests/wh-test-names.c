/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>
#include <string.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

#include "wh-test-names.h"

/* ICU on one character, cached: a transform takes ~0.2 ms a call here. */
static char *
icu_one (const char *id,
         gunichar    c)
{
  static GMutex lock;
  static GHashTable *cache[3];
  static UTransliterator *trans[3];
  static const char * const ids[] = {
    "Han-Latin; Latin-ASCII; Lower", "Traditional-Simplified", "Simplified-Traditional",
  };
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  guint k = 0;
  char *cached;
  UChar buf[64];
  char out[256];
  int32_t len = 0, limit;
  UErrorCode e = U_ZERO_ERROR;

  while (strcmp (ids[k], id) != 0)
    k++;
  if (cache[k] == NULL)
    {
      UParseError pe;
      UChar uid[64];

      cache[k] = g_hash_table_new_full (NULL, NULL, NULL, g_free);
      u_uastrcpy (uid, id);
      trans[k] = utrans_openU (uid, -1, UTRANS_FORWARD, NULL, 0, &pe, &e);
      g_assert_true (U_SUCCESS (e));
    }
  if ((cached = g_hash_table_lookup (cache[k], GUINT_TO_POINTER (c))) != NULL)
    return cached;
  U16_APPEND_UNSAFE (buf, len, c);
  limit = len;
  utrans_transUChars (trans[k], buf, &len, G_N_ELEMENTS (buf), 0, &limit, &e);
  g_assert_true (U_SUCCESS (e));
  u_strToUTF8 (out, sizeof out, NULL, buf, len, &e);
  g_assert_true (U_SUCCESS (e));
  cached = g_strdup (out);
  g_hash_table_insert (cache[k], GUINT_TO_POINTER (c), cached);
  return cached;
}

static gboolean
is_han (gunichar c)
{
  return g_unichar_get_script (c) == G_UNICODE_SCRIPT_HAN && g_unichar_isalpha (c);
}

/* A pinyin syllable: letters only. */
static const char *
pinyin_of (gunichar c)
{
  const char *p = icu_one ("Han-Latin; Latin-ASCII; Lower", c);

  if (*p == '\0')
    return NULL;
  for (const char *q = p; *q; q++)
    if (*q < 'a' || *q > 'z')
      return NULL;
  return p;
}

static char *
transform_each (const char *id,
                const char *text,
                const char *sep)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (out->len > 0 && sep != NULL)
        g_string_append (out, sep);
      if (is_han (c))
        g_string_append (out, icu_one (id, c));
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

char *
wh_test_icu_pinyin (const char *text)
{
  return transform_each ("Han-Latin; Latin-ASCII; Lower", text, " ");
}

char *
wh_test_icu_traditional (const char *text)
{
  return transform_each ("Simplified-Traditional", text, NULL);
}

/* Whether a run of Han characters reads as letters: the joined pinyin of
 * some consecutive characters, or (two or more letters) their initials. */
static gboolean
run_reads_as (GPtrArray  *pinyin,
              const char *letters,
              const char *syllables)
{
  gsize n = strlen (letters);

  for (guint i = 0; i < pinyin->len; i++)
    {
      g_autoptr(GString) joined = g_string_new (NULL);
      guint j;

      for (j = i; j < pinyin->len && pinyin->pdata[j] != NULL && joined->len < strlen (syllables);
           j++)
        {
          g_string_append (joined, pinyin->pdata[j]);
          if (strcmp (joined->str, syllables) == 0)
            return TRUE;
        }
      if (n >= 2 && n <= 16 && i + n <= pinyin->len)
        {
          for (j = 0; j < n; j++)
            if (pinyin->pdata[i + j] == NULL || ((char *) pinyin->pdata[i + j])[0] != letters[j])
              break;
          if (j == n)
            return TRUE;
        }
    }
  return FALSE;
}

static gboolean
field_reads_as (const char *text,
                const char *letters,
                const char *syllables)
{
  g_autoptr(GPtrArray) run = g_ptr_array_new ();

  for (const char *p = text;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && is_han (c))
        {
          g_ptr_array_add (run, (gpointer) pinyin_of (c));
          continue;
        }
      if (run->len > 0 && run_reads_as (run, letters, syllables))
        return TRUE;
      g_ptr_array_set_size (run, 0);
      if (c == 0)
        return FALSE;
    }
}

static char *
simplified (const char *text)
{
  return transform_each ("Traditional-Simplified", text, NULL);
}

/* Whether a run of Han characters in the field that has some character in
 * traditional form holds term (simplified) once simplified itself: the
 * names index holds the characters of those runs only. */
static gboolean
field_holds_folded (const char *text,
                    const char *term)
{
  g_autoptr(GString) run = g_string_new (NULL);
  gboolean folds = FALSE;

  for (const char *p = text;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c != 0 && is_han (c))
        {
          const char *f = icu_one ("Traditional-Simplified", c);

          folds |= g_utf8_get_char (f) != c;
          g_string_append (run, f);
          continue;
        }
      if (folds && strstr (run->str, term) != NULL)
        return TRUE;
      g_string_truncate (run, 0);
      folds = FALSE;
      if (c == 0)
        return FALSE;
    }
}

GArray *
wh_test_names_scan (WhStore            *store,
                    const WhCollection *collection,
                    const char         *query)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) columns = g_string_new (NULL);
  g_autoptr(GString) letters = g_string_new (NULL);
  g_autofree char *sql = NULL;
  g_autofree char *ascii = NULL;
  g_auto(GStrv) terms = NULL;
  g_auto(GStrv) folded_terms = NULL;
  g_autoptr(GString) searched = g_string_new (NULL);
  gboolean han = FALSE, latin = TRUE, any_folds = FALSE;
  guint n_cols = 0, n_searched = 0;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  for (const char *p = query; *p; p = g_utf8_next_char (p))
    han |= is_han (g_utf8_get_char (p));
  terms = g_strsplit_set (query, " \t", -1);
  if (han)
    {
      /* In simplified form: every term, for the names index when all are
       * Han, and for the text index when that changes the query. */
      folded_terms = g_new0 (char *, g_strv_length (terms) + 1);
      for (guint i = 0; terms[i]; i++)
        {
          folded_terms[i] = simplified (terms[i]);
          any_folds |= strcmp (folded_terms[i], terms[i]) != 0;
          for (const char *p = terms[i]; *p; p = g_utf8_next_char (p))
            if (!is_han (g_utf8_get_char (p)))
              latin = FALSE;
        }
    }
  else
    {
      ascii = g_str_to_ascii (query, "C");
      for (const char *p = ascii; *p; p++)
        {
          char c = g_ascii_tolower (*p);

          if (c == ' ' || c == '\'' || c == '-' || g_ascii_isdigit (c))
            continue;
          latin &= c >= 'a' && c <= 'z';
          g_string_append_c (letters, c);
        }
      if (!latin || letters->len < 2)
        return ids;
    }

  for (guint i = 0; i < collection->n_fields; i++)
    if (collection->fields[i].flags & WH_FIELD_NAME)
      {
        g_string_append_printf (columns, ", ifnull (%s, '')", collection->fields[i].name);
        n_cols++;
      }
  for (guint i = 0; i < collection->n_fields; i++)
    if (collection->fields[i].flags & WH_FIELD_SEARCH)
      {
        g_string_append_printf (searched, ", ifnull (%s, '')", collection->fields[i].name);
        n_searched++;
      }
  if (n_cols == 0 && !any_folds)
    return ids;
  sql = g_strdup_printf ("SELECT id%s%s FROM %s ORDER BY id", columns->str, searched->str,
                         collection->name);
  g_assert_cmpint (sqlite3_open_v2 (wh_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      gboolean all = TRUE;

      if (han)
        {
          gboolean by_fold = any_folds;

          /* The names index: every term in a traditional run of a name. */
          all = latin && n_cols > 0;
          for (guint i = 0; all && folded_terms[i]; i++)
            {
              gboolean found = *folded_terms[i] == '\0';

              for (guint c = 0; !found && c < n_cols; c++)
                found = field_holds_folded ((const char *) sqlite3_column_text (stmt, c + 1),
                                            folded_terms[i]);
              all = found;
            }
          /* The text index with the query in simplified characters. */
          for (guint i = 0; !all && by_fold && folded_terms[i]; i++)
            {
              gboolean found = *folded_terms[i] == '\0';

              for (guint c = 0; !found && c < n_searched; c++)
                found = strstr ((const char *) sqlite3_column_text (stmt, 1 + n_cols + c),
                                folded_terms[i]) != NULL;
              by_fold = found;
            }
          all = all || by_fold;
        }
      else
        {
          g_autofree char *syllables = g_strdup (letters->str);
          gboolean found = FALSE;

          g_strdelimit (syllables, "v", 'u');
          for (guint c = 0; !found && c < n_cols; c++)
            found = field_reads_as ((const char *) sqlite3_column_text (stmt, c + 1), letters->str,
                                    syllables);
          all = found;
        }
      if (all)
        g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}
