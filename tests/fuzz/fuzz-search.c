/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The search tokenizers, which read every searchable text a server sends,
 * and wh_search_build_match and _build_name_match, which read whatever a
 * person types. The input
 * is both the text of a row and the query typed to find it. */
#include "config.h"

#include <string.h>

#include "wh-fuzz.h"
#include "wh-search-tokenizer.h"

typedef struct
{
  const char *text;
  gsize       length;
  guint       n_tokens;
} Walk;

static void
token_cb (const char *token,
          gsize       length,
          gboolean    colocated,
          gpointer    user_data)
{
  Walk *walk = user_data;

  g_assert_cmpuint (length, >, 0);
  g_assert_true (g_utf8_validate_len (token, length, NULL));
  /* CJK tokens point into the text; they must not point past it. */
  if (token >= walk->text && token < walk->text + walk->length)
    g_assert_cmpuint ((gsize) (token - walk->text) + length, <=, walk->length);
  g_assert_true (!colocated || walk->n_tokens > 0);
  walk->n_tokens++;
}

static sqlite3 *
open_index (void)
{
  static sqlite3 *db;

  if (db == NULL)
    {
      g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
      g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "CREATE VIRTUAL TABLE t USING fts5 (body, tokenize='"
                                     WH_SEARCH_TOKENIZER_NAME "')", NULL, NULL, NULL),
                       ==, SQLITE_OK);
    }
  return db;
}

/* FTS5 must accept every expression build_match writes, and the row whose
 * text is exactly what was typed must be found: each typed term is a
 * substring of it, which is what the tokenizer promises to find. */
static void
check_match (const char *text)
{
  sqlite3 *db = open_index ();
  g_autofree char *match = wh_search_build_match (text);
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (match == NULL)
    return;
  g_assert_true (g_utf8_validate (match, -1, NULL));

  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM t", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO t (rowid, body) VALUES (1, ?1)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rowid FROM t WHERE t MATCH ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    g_error ("MATCH %s on its own text: %s", match, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
}

/* The names index (#19): FTS5 accepts every expression build_name_match
 * writes, and finds the row whose text is what was typed exactly when the
 * scan that stands in for it while indexes are pending does. */
static void
check_name_match (const char *text)
{
  static sqlite3 *db;
  g_autofree char *match = wh_search_build_name_match (text);
  const char *texts[] = { text };
  sqlite3_stmt *stmt = NULL;
  int rc;

  if (match == NULL)
    return;
  g_assert_true (g_utf8_validate (match, -1, NULL));
  if (db == NULL)
    {
      g_assert_cmpint (sqlite3_open (":memory:", &db), ==, SQLITE_OK);
      g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
      g_assert_cmpint (sqlite3_exec (db, "CREATE VIRTUAL TABLE n USING fts5 (body, tokenize='"
                                     WH_SEARCH_NAMES_TOKENIZER_NAME "')", NULL, NULL, NULL),
                       ==, SQLITE_OK);
    }
  g_assert_cmpint (sqlite3_exec (db, "DELETE FROM n", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "INSERT INTO n (rowid, body) VALUES (1, ?1)", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, text, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT rowid FROM n WHERE n MATCH ?1", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    g_error ("names MATCH %s: %s", match, sqlite3_errmsg (db));
  g_assert_cmpint (rc == SQLITE_ROW, ==, wh_search_names_match_texts (match, texts, 1));
  sqlite3_finalize (stmt);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  Walk walk = { text, size, 0 };
  g_autofree char *query = NULL;

  wh_search_tokenize (text, size, FALSE, token_cb, &walk);
  walk.n_tokens = 0;
  wh_search_tokenize (text, size, TRUE, token_cb, &walk);
  walk.n_tokens = 0;
  wh_search_names_tokenize (text, size, token_cb, &walk);

  /* What a person types is a C string; the query is cut at 512 bytes, past
   * which the typed text is no longer all in the query. */
  query = g_strndup (text, size);
  if (strlen (query) < 512 && g_utf8_validate (query, -1, NULL))
    {
      check_match (query);
      check_name_match (query);
    }
  else
    {
      g_free (wh_search_build_match (query));
      g_free (wh_search_build_name_match (query));
    }
  return 0;
}
