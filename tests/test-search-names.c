/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Chinese search by pinyin, initials and the other script (#19): the names
 * tokenizer, the match it is queried with, recall against a scan with ICU
 * over the demo data, the migration of a cache from before, and searches
 * that find more than are ranked. */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator.h"
#include "wh-search-tokenizer.h"
#include "wh-server-db.h"
#include "wh-test-names.h"
#include "wh-test-store.h"
#include "wh-test.h"

static void
collect_cb (const char *token,
            gsize       length,
            gboolean    colocated,
            gpointer    user_data)
{
  GString *out = user_data;

  if (out->len > 0)
    g_string_append_c (out, colocated ? '+' : ' ');
  g_string_append_len (out, token, (gssize) length);
}

static void
test_names_tokenizer (void)
{
  static const struct
  {
    const char *text;
    const char *tokens;
  } cases[] = {
    /* Pinyin; with the next character the pairs. */
    { "电工", "dian+diangong+dg gong" },
    /* Traditional text also in simplified characters. */
    { "電工", "电+dian+电工+diangong+dg 工+gong" },
    { "维修電工 电工", "维+wei+维修+weixiu+wx 修+xiu+修电+xiudian+xd 电+dian+电工+diangong+dg 工+gong"
                     " dian+diangong+dg gong" },
    /* Runs apart, Latin words left to the "wh" index. */
    { "KFC 保洁，快递", "bao+baojie+bj jie kuai+kuaidi+kd di" },
    /* No reading, nothing to simplify: nothing. */
    { "한", "" },
    { "abc 123", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);

      wh_search_names_tokenize (cases[i].text, strlen (cases[i].text), collect_cb, out);
      g_assert_cmpstr (out->str, ==, cases[i].tokens);
    }
}

static void
test_build_name_match (void)
{
  static const struct
  {
    const char *input;
    const char *match;
  } cases[] = {
    /* Every way to read the letters as syllables with a vowel (di an:
     * 地安; never the interjection n, 嗯), then as initials when each letter
     * can begin one. */
    { "diangong", "\"diangong\" OR \"dian angong\"" },
    { "dian gong", "\"diangong\" OR \"dian angong\"" },
    { "Diàn Gōng", "\"diangong\" OR \"dian angong\"" },
    { "dian4 gong1", "\"diangong\" OR \"dian angong\"" },
    { "dg", "\"dg\"" },
    /* Letters that read as syllables are not also vowel initials (叉车,
     * not 茶哈啊…); letters that do not read as syllables may be. */
    { "chache", "\"chache\"" },
    { "ayh", "\"ay yh\"" },
    { "bj", "\"bj\"" },
    /* The syllable, a n joined and the two initials are one token. */
    { "an", "\"an\"" },
    { "wan", "\"wan\"" },
    /* ü typed as v; no syllable begins with v. */
    { "lvse", "\"luse\"" },
    { "xian", "\"xian\"" },
    { "電工", "\"电工\"" },
    { "电工 保潔", "\"电工\" \"保洁\"" },
    { "电", "\"电\"" },
    /* Nothing the names index adds. */
    { "d", NULL },
    { "3000", NULL },
    { "电工 abc", NULL },
    { "c++", NULL },
    { "", NULL },
    { "\"", NULL },
  };

  static const struct
  {
    const char *input;
    const char *match;
  } folds[] = {
    /* The text index with the query in simplified characters. */
    { "電工", "\"电工\"" },
    { "維修 Python", "\"维修\" \"Python\"*" },
    { "电工", NULL },
    { "dg", NULL },
  };

  g_assert_null (wh_search_build_name_match (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *match = wh_search_build_name_match (cases[i].input);
      g_assert_cmpstr (match, ==, cases[i].match);
    }
  for (guint i = 0; i < G_N_ELEMENTS (folds); i++)
    {
      g_autofree char *match = wh_search_build_fold_match (folds[i].input);
      g_assert_cmpstr (match, ==, folds[i].match);
    }
}

/* ---- recall over the demo data ------------------------------------------- */

static int
cmp_id (gconstpointer a,
        gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static gboolean
has_id (GArray *sorted,
        gint64  id)
{
  return sorted->len > 0 &&
         bsearch (&id, sorted->data, sorted->len, sizeof (gint64), cmp_id) != NULL;
}

/* Rows whose searchable ("wh" index) text holds every term, by LIKE. */
static GArray *
like_scan (WhStore            *store,
           const WhCollection *collection,
           const char         *query)
{
  g_auto(GStrv) terms = g_strsplit (query, " ", -1);
  g_autoptr(GString) sql = g_string_new ("SELECT id FROM ");
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int p = 1;

  g_string_append_printf (sql, "%s WHERE 1", collection->name);
  for (guint i = 0; terms[i]; i++)
    if (*terms[i])
      {
        g_string_append (sql, " AND (0");
        for (guint f = 0; f < collection->n_fields; f++)
          if (collection->fields[f].flags & WH_FIELD_SEARCH)
            g_string_append_printf (sql, " OR ifnull (%s, '') LIKE ?%d",
                                    collection->fields[f].name, p);
        g_string_append (sql, ")");
        p++;
      }
  g_string_append (sql, " ORDER BY id");
  g_assert_cmpint (sqlite3_open_v2 (wh_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL), ==, SQLITE_OK);
  p = 1;
  for (guint i = 0; terms[i]; i++)
    if (*terms[i])
      {
        g_autofree char *pattern = g_strdup_printf ("%%%s%%", terms[i]);
        sqlite3_bind_text (stmt, p++, pattern, -1, SQLITE_TRANSIENT);
      }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

static GArray *
record_ids (GPtrArray *records,
            gboolean   sort)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < records->len; i++)
    g_array_append_val (ids, ((WhRecord *) records->pdata[i])->id);
  if (sort)
    g_array_sort (ids, cmp_id);
  return ids;
}

/* Every row the scans name is found, and nothing else; what the text index
 * finds comes first. Returns how many were found. */
static guint
check_names_recall (WhStore            *store,
                    const WhCollection *collection,
                    const char         *query,
                    gint64              must_find)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) names = wh_test_names_scan (store, collection, query);
  g_autoptr(GArray) like = like_scan (store, collection, query);
  g_autoptr(GPtrArray) found = wh_store_search (store, collection, query, 100000, &error);
  g_autoptr(GArray) order = NULL;
  g_autoptr(GArray) found_ids = NULL;
  g_autoptr(WhQuery) q = wh_query_new (collection);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GArray) listed_ids = NULL;
  gboolean han = FALSE, names_only_seen = FALSE;

  g_assert_no_error (error);
  for (const char *p = query; *p; p = g_utf8_next_char (p))
    han |= g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN;
  order = record_ids (found, FALSE);
  found_ids = record_ids (found, TRUE);
  if (must_find > 0 && !has_id (found_ids, must_find))
    g_error ("%s “%s”: row %" G_GINT64_FORMAT " not found", collection->name, query, must_find);
  for (guint i = 0; i < names->len; i++)
    if (!has_id (found_ids, g_array_index (names, gint64, i)))
      g_error ("%s “%s”: the scan names row %" G_GINT64_FORMAT ", not found", collection->name,
               query, g_array_index (names, gint64, i));
  for (guint i = 0; i < found_ids->len; i++)
    {
      gint64 id = g_array_index (found_ids, gint64, i);

      if (!has_id (names, id) && !has_id (like, id))
        g_error ("%s “%s”: row %" G_GINT64_FORMAT " found, no scan names it", collection->name,
                 query, id);
    }
  if (han)
    {
      /* Chinese text: exactly the text scan's rows, then the names'. */
      for (guint i = 0; i < like->len; i++)
        g_assert_true (has_id (found_ids, g_array_index (like, gint64, i)));
      for (guint i = 0; i < order->len; i++)
        {
          gboolean text_hit = has_id (like, g_array_index (order, gint64, i));

          g_assert_false (names_only_seen && text_hit);
          names_only_seen |= !text_hit;
        }
    }
  g_assert_cmpint (wh_store_search_count (store, collection, query, &error), ==, found->len);
  g_assert_no_error (error);

  /* The lists (jobs, courses, meals) find the same rows. */
  wh_query_set_match (q, query);
  listed = wh_store_query (store, q, 0, 100000, &error);
  g_assert_no_error (error);
  listed_ids = record_ids (listed, TRUE);
  g_assert_cmpuint (listed_ids->len, ==, found_ids->len);
  for (guint i = 0; i < found_ids->len; i++)
    g_assert_cmpint (g_array_index (listed_ids, gint64, i), ==, g_array_index (found_ids, gint64, i));
  return found->len;
}

/* The demo data of a scale, read from the generator's database. */
static WhStore *
make_demo_store (const char                 *scale,
                 const WhCollection * const *collections,
                 guint                       n_collections)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "server.db", NULL);
  sqlite3 *db = wh_server_db_open (path, &error);
  WhStore *store = wh_test_store_new (NULL);

  g_assert_no_error (error);
  g_assert_true (wh_generate (db, wh_scale_lookup (scale), 1, NULL, NULL, &error));
  g_assert_no_error (error);
  for (guint c = 0; c < n_collections; c++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT body FROM %s ORDER BY id",
                                              collections[c]->name);
      g_autoptr(WhPage) page = wh_page_new (collections[c]);
      sqlite3_stmt *stmt;

      g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        {
          WhRecord *r = wh_record_parse (collections[c], (const char *) sqlite3_column_text (stmt, 0),
                                         (gsize) sqlite3_column_bytes (stmt, 0), &error);

          g_assert_no_error (error);
          g_ptr_array_add (page->records, r);
        }
      sqlite3_finalize (stmt);
      page->next_since = page->records->len;
      g_assert_true (wh_store_apply_page (store, page, NULL, &error));
      g_assert_no_error (error);
    }
  sqlite3_close (db);
  g_unlink (path);
  return store;
}

/* A word of 2 or 3 Han characters from the record's first name field. */
static char *
pick_word (const WhRecord *r,
           guint           k)
{
  const WhCollection *c = r->collection;

  for (guint f = 0; f < c->n_fields; f++)
    if (c->fields[f].flags & WH_FIELD_NAME)
      {
        const char *text = wh_record_get_text (r, c->fields[f].name);
        glong n = text ? g_utf8_strlen (text, -1) : 0;
        glong len = 2 + k % 2, start;
        const char *s;

        if (n < len)
          continue;
        start = (glong) (k % (guint) (n - len + 1));
        s = g_utf8_offset_to_pointer (text, start);
        for (glong i = 0; i < len; i++)
          if (g_unichar_get_script (g_utf8_get_char (g_utf8_offset_to_pointer (s, i))) !=
              G_UNICODE_SCRIPT_HAN)
            return NULL;
        return g_strndup (s, (gsize) (g_utf8_offset_to_pointer (s, len) - s));
      }
  return NULL;
}

static void
test_generated_recall (void)
{
  static const WhCollection * const collections[] = {
    &wh_collection_jobs, &wh_collection_courses, &wh_collection_stations, &wh_collection_merchants,
  };
  g_autoptr(WhStore) store = make_demo_store ("tiny", collections, G_N_ELEMENTS (collections));
  guint n_queries = 0, n_found = 0;

  for (guint c = 0; c < G_N_ELEMENTS (collections); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhQuery) all = wh_query_new (collections[c]);
      g_autoptr(GPtrArray) rows = wh_store_query (store, all, 0, 100000, &error);
      guint step = MAX (1, rows->len / 12);

      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, >, 0);
      for (guint i = 0; i < rows->len; i += step)
        {
          const WhRecord *r = rows->pdata[i];
          g_autofree char *word = pick_word (r, i);
          g_autofree char *spaced = NULL;
          g_autofree char *joined = NULL;
          g_autofree char *traditional = NULL;
          g_autoptr(GString) initials = g_string_new (NULL);
          g_auto(GStrv) syllables = NULL;

          if (word == NULL)
            continue;
          spaced = wh_test_icu_pinyin (word);
          syllables = g_strsplit (spaced, " ", -1);
          joined = g_strjoinv ("", syllables);
          for (guint s = 0; syllables[s]; s++)
            g_string_append_c (initials, syllables[s][0]);
          traditional = wh_test_icu_traditional (word);

          /* Each check scans every row of the collection: under the
           * sanitizers a row takes every Nth of its forms, each form
           * still taken for some rows (wh_test_sampled). */
          {
            const char *forms[] = { word, joined, spaced, initials->str, traditional };

            for (guint f = 0; f < G_N_ELEMENTS (forms); f++)
              if (wh_test_sampled (i / step + f))
                {
                  n_found += check_names_recall (store, collections[c], forms[f], r->id);
                  n_queries++;
                }
          }
        }
    }
  g_test_message ("%u queries, %u rows found", n_queries, n_found);
  g_assert_cmpuint (n_queries, >=, 100 / wh_test_sample ());
}

/* ---- courses by the trade list's names (#17 item 10) ---------------------- */

static WhRecord *
make_category (gint64      id,
               gint64      rev,
               const char *name,
               const char *trade)
{
  WhRecord *r = wh_record_new (&wh_collection_categories);

  r->id = id;
  r->rev = rev;
  wh_record_set_text (r, "name", name);
  wh_record_set_text (r, "trade", trade);
  wh_record_set_int (r, "position", id);
  return r;
}

static WhRecord *
make_trade_course (gint64      id,
                   gint64      rev,
                   gint64      category_id,
                   const char *title,
                   const char *trade)
{
  WhRecord *r = wh_record_new (&wh_collection_courses);

  r->id = id;
  r->rev = rev;
  wh_record_set_int (r, "category_id", category_id);
  wh_record_set_text (r, "title", title);
  wh_record_set_text (r, "trade", trade);
  wh_record_set_text (r, "author", "段振宇");
  return r;
}

/* What the list, the count and the ranked search find: the same number. */
static void
assert_courses_found (WhStore    *store,
                      const char *text,
                      guint       n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_courses);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) hits = NULL;

  g_test_message ("courses: %s", text);
  wh_query_set_match (query, text);
  rows = wh_store_query (store, query, 0, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, n);
  g_assert_cmpint (wh_store_query_count (store, query, &error), ==, n);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_courses, text, &error), ==, n);
  hits = wh_store_search (store, &wh_collection_courses, text, 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, n);
}

static void
test_trade_list_names (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  sqlite3 *db = NULL;

  /* The trade list says 焊接, the courses' trade 焊工, and no title says 焊接. */
  wh_test_apply (store, &wh_collection_categories, NULL, 2,
                 make_category (5, 1, "焊接", "焊工"),
                 make_category (6, 2, "电工电气", "电工"), NULL);
  wh_test_apply (store, &wh_collection_courses, NULL, 3,
                 make_trade_course (1, 1, 5, "氩弧焊入门", "焊工"),
                 make_trade_course (2, 2, 5, "钢结构作业安全", "焊工"),
                 make_trade_course (3, 3, 6, "低压电工上岗", "电工"), NULL);
  assert_courses_found (store, "焊接", 2);
  assert_courses_found (store, "hanjie", 2);
  assert_courses_found (store, "焊工", 2);
  assert_courses_found (store, "电气", 1);

  /* The trade list renames the trade: the courses follow it. */
  wh_test_apply (store, &wh_collection_categories, NULL, 3,
                 make_category (5, 3, "金属加工", "焊工"), NULL);
  assert_courses_found (store, "焊接", 0);
  assert_courses_found (store, "金属", 2);

  /* A course before its trade (a sync's page order), then the trade. */
  wh_test_apply (store, &wh_collection_courses, NULL, 4,
                 make_trade_course (4, 4, 9, "家庭收纳整理", "家政"), NULL);
  assert_courses_found (store, "服务", 0);
  wh_test_apply (store, &wh_collection_categories, NULL, 4,
                 make_category (9, 4, "家政服务", "家政"), NULL);
  assert_courses_found (store, "服务", 1);
  assert_courses_found (store, "jiazhengfuwu", 1);

  /* A course moved to another trade, a trade gone, a course gone. */
  wh_test_apply (store, &wh_collection_courses, NULL, 5,
                 make_trade_course (2, 5, 6, "钢结构作业安全", "焊工"), NULL);
  assert_courses_found (store, "金属", 1);
  assert_courses_found (store, "电气", 2);
  wh_test_apply (store, &wh_collection_categories, NULL, 5,
                 wh_test_make_tombstone (&wh_collection_categories, 9, 5), NULL);
  assert_courses_found (store, "服务", 0);
  wh_test_apply (store, &wh_collection_courses, NULL, 6,
                 wh_test_make_tombstone (&wh_collection_courses, 1, 6), NULL);
  assert_courses_found (store, "金属", 0);
  g_clear_object (&store);

  /* The index holds what its rows give it, nothing stale: FTS5 checks it
   * against the values the triggers index (a delete with other text than
   * was indexed leaves entries behind, or corrupts it). */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "CREATE VIRTUAL TABLE temp.v USING fts5vocab (main, courses_names,"
                                 " 'instance');",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  {
    sqlite3_stmt *stmt;

    /* Rows 2 (电工电气) 3 (电工电气) 4 (no trade name): no 金属 or 服务 left. */
    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM temp.v WHERE term IN"
                                         " ('金', '属', '服', '务') OR doc NOT IN (2, 3, 4)",
                                         -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, 0);
    sqlite3_finalize (stmt);
  }

  /* A cache from before the join: its names index without the trades'
   * names is built again when it opens, its rows and cursor kept. */
  g_assert_cmpint (sqlite3_exec (db,
                                 "BEGIN;"
                                 " DROP TRIGGER courses_names_join_insert;"
                                 " DROP TRIGGER courses_names_join_delete;"
                                 " DROP TRIGGER courses_names_join_update;"
                                 " DROP TRIGGER courses_names_insert;"
                                 " DROP TRIGGER courses_names_delete;"
                                 " DROP TRIGGER courses_names_update;"
                                 " DELETE FROM courses_names;"
                                 " INSERT INTO courses_names (rowid, title, trade)"
                                 "   SELECT id, title, trade FROM courses;"
                                 " DROP TRIGGER courses_fts_join_insert;"
                                 " DROP TRIGGER courses_fts_join_delete;"
                                 " DROP TRIGGER courses_fts_join_update;"
                                 " DROP TRIGGER courses_fts_insert;"
                                 " DROP TRIGGER courses_fts_delete;"
                                 " DROP TRIGGER courses_fts_update;"
                                 " INSERT INTO courses_fts (courses_fts) VALUES ('delete-all');"
                                 " INSERT INTO courses_fts (rowid, title, trade, author, summary)"
                                 "   SELECT id, title, trade, author, summary FROM courses;"
                                 " UPDATE cache_layout SET layout = replace (replace (layout,"
                                 "   ', trade+categories.name)', ')'), ', fts(trade+categories.name)',"
                                 "   '') WHERE collection = 'courses';"
                                 " COMMIT;", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_courses, NULL, &error), ==, 6);
  assert_courses_found (store, "diangongdianqi", 2);
  assert_courses_found (store, "电气", 2);
  /* And kept up to date from then on. */
  wh_test_apply (store, &wh_collection_categories, NULL, 6,
                 make_category (6, 6, "电工技术", "电工"), NULL);
  assert_courses_found (store, "电气", 0);
  assert_courses_found (store, "技术", 2);
}

/* ---- a cache from before the names index -------------------------------- */

static void
test_migration (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autofree char *path = g_strdup (wh_store_get_path (store));
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  sqlite3 *db = NULL;
  gint64 cursor;

  wh_test_apply (store, &wh_collection_jobs, NULL, 40,
                 wh_test_make_job (1, 1, "维修电工", NULL),
                 wh_test_make_job (2, 2, "保洁员", NULL),
                 wh_test_make_job (3, 3, "電工學徒", NULL), NULL);
  wh_test_apply (store, &wh_collection_stations, NULL, 50,
                 wh_test_make_station (7, 7, "工人驿站", 39.9, 116.4), NULL);
  g_clear_object (&store);

  /* The layout this release found: no names tables, triggers or mention. */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN", NULL, NULL, NULL), ==, SQLITE_OK);
  {
    g_autoptr(GRegex) mention = g_regex_new ("(, )?names\\([^)]*\\)", 0, 0, NULL);
    g_autoptr(GPtrArray) sql = g_ptr_array_new_with_free_func (sqlite3_free);
    sqlite3_stmt *stmt;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT collection, layout FROM cache_layout", -1,
                                         &stmt, NULL), ==, SQLITE_OK);
    while (sqlite3_step (stmt) == SQLITE_ROW)
      {
        const char *n = (const char *) sqlite3_column_text (stmt, 0);
        g_autofree char *old = g_regex_replace_literal (mention,
                                                        (const char *) sqlite3_column_text (stmt, 1),
                                                        -1, 0, "", 0, NULL);

        g_ptr_array_add (sql, sqlite3_mprintf ("DROP TRIGGER IF EXISTS %s_names_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_update;"
                                               " DROP TRIGGER IF EXISTS %s_names_delete;"
                                               " DROP TABLE IF EXISTS %s_names;"
                                               " UPDATE cache_layout SET layout = %Q"
                                               " WHERE collection = %Q;", n, n, n, n, old, n));
      }
    sqlite3_finalize (stmt);
    g_assert_cmpuint (sql->len, >, 0);
    for (guint i = 0; i < sql->len; i++)
      g_assert_cmpint (sqlite3_exec (db, sql->pdata[i], NULL, NULL, NULL), ==, SQLITE_OK);
  }
  g_assert_cmpint (sqlite3_exec (db, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  /* Built in place: the rows and the cursor stay. */
  cursor = wh_store_get_cursor (store, &wh_collection_jobs, NULL, &error);
  g_assert_cmpint (cursor, ==, 40);
  hits = wh_store_search (store, &wh_collection_jobs, "diangong", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = wh_store_search (store, &wh_collection_jobs, "电工", 10, &error);
  g_assert_cmpuint (hits->len, ==, 2);
  /* The text index first: 维修电工, then 電工學徒 through the names. */
  g_assert_cmpint (((WhRecord *) hits->pdata[0])->id, ==, 1);
  g_assert_cmpint (((WhRecord *) hits->pdata[1])->id, ==, 3);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = wh_store_search (store, &wh_collection_stations, "gryz", 10, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);

  /* And kept up to date from then on. */
  wh_test_apply (store, &wh_collection_jobs, NULL, 41,
                 wh_test_make_job (4, 41, "电工", NULL), wh_test_make_tombstone (&wh_collection_jobs, 1, 41), NULL);
  hits = wh_store_search (store, &wh_collection_jobs, "dg", 10, &error);
  g_assert_cmpuint (hits->len, ==, 2);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "dian gong", &error), ==, 2);
}

/* ---- more hits than are ranked -------------------------------------------- */

static void
test_limit_past_ranked (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  const guint n = WH_STORE_SEARCH_RANKED + 262;
  gint64 oldest_ranked = G_MAXINT64;

  for (guint i = 1; i <= n + 100; i++)
    g_ptr_array_add (page->records,
                     wh_test_make_job (i, i, i <= n ? (i % 3 ? "保洁员" : "商场保洁") : "电工", NULL));
  page->next_since = n + 100;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));

  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "保洁", &error), ==, n);
  hits = wh_store_search (store, &wh_collection_jobs, "保洁", 100000, &error);
  g_assert_no_error (error);
  /* Every hit, each once: the ranked ones, then the rest newest first. */
  g_assert_cmpuint (hits->len, ==, n);
  for (guint i = 0; i < hits->len; i++)
    {
      WhRecord *r = hits->pdata[i];

      g_assert_false (g_hash_table_contains (seen, &r->id));
      g_hash_table_add (seen, &r->id);
      if (i < WH_STORE_SEARCH_RANKED)
        oldest_ranked = MIN (oldest_ranked, r->id);
      else
        {
          g_assert_cmpint (r->id, <, oldest_ranked);
          if (i > WH_STORE_SEARCH_RANKED)
            g_assert_cmpint (r->id, <, ((WhRecord *) hits->pdata[i - 1])->id);
        }
    }
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = wh_store_search (store, &wh_collection_jobs, "保洁", WH_STORE_SEARCH_RANKED + 10, &error);
  g_assert_cmpuint (hits->len, ==, WH_STORE_SEARCH_RANKED + 10);
  g_clear_pointer (&hits, g_ptr_array_unref);
  /* Pinyin past the ranked ones too. */
  hits = wh_store_search (store, &wh_collection_jobs, "baojie", 100000, &error);
  g_assert_cmpuint (hits->len, ==, n);
}

/* A count takes each row once however many indexes find it, both when the
 * other pieces are a few rows (each looked up) and when they are many
 * (merged in rowid order); the lists count the same. */
static void
test_count_pieces (void)
{
  static const struct
  {
    guint       simplified; /* jobs titled 电工 */
    guint       traditional; /* then 電工 */
  } sets[] = { { 100, 3 }, { 100, 150 }, { 0, 80 }, { 90, 0 } };

  for (guint s = 0; s < G_N_ELEMENTS (sets); s++)
    {
      g_autoptr(WhStore) store = wh_test_store_new (NULL);
      g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
      g_autoptr(GError) error = NULL;
      guint all = sets[s].simplified + sets[s].traditional;
      static const char * const queries[] = { "電工", "电工", "diangong", "dg" };

      for (guint i = 1; i <= all; i++)
        g_ptr_array_add (page->records,
                         wh_test_make_job (i, i, i <= sets[s].simplified ? "电工" : "電工", NULL));
      /* Rows the text finds by a Latin word and the names by initials. */
      g_ptr_array_add (page->records, wh_test_make_job (all + 1, all + 1, "DG 班组", NULL));
      page->next_since = all + 1;
      g_assert_true (wh_store_apply_page (store, page, NULL, &error));
      g_assert_no_error (error);

      for (guint q = 0; q < G_N_ELEMENTS (queries); q++)
        {
          g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_jobs, queries[q],
                                                       100000, &error);
          g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
          guint want = all + (g_str_equal (queries[q], "dg") ? 1 : 0);

          g_assert_no_error (error);
          g_test_message ("%u + %u: %s", sets[s].simplified, sets[s].traditional, queries[q]);
          g_assert_cmpuint (hits->len, ==, want);
          g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, queries[q], &error),
                           ==, want);
          wh_query_set_match (query, queries[q]);
          g_assert_cmpint (wh_store_query_count (store, query, &error), ==, want);
          g_assert_no_error (error);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/search-names/tokenizer", test_names_tokenizer);
  g_test_add_func ("/search-names/build-match", test_build_name_match);
  g_test_add_func ("/search-names/recall-demo-data", test_generated_recall);
  g_test_add_func ("/search-names/migration", test_migration);
  g_test_add_func ("/search-names/trade-list-names", test_trade_list_names);
  g_test_add_func ("/search-names/limit-past-ranked", test_limit_past_ranked);
  g_test_add_func ("/search-names/count-pieces", test_count_pieces);
  return g_test_run ();
}
