/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "wh-search-tokenizer.h"
#include "wh-test-names.h"
#include "wh-test-store.h"
#include "wh-test.h"

/* ---- the tokenizer itself ------------------------------------------------ */

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

static char *
tokens (const char *text,
        gboolean    for_query)
{
  GString *out = g_string_new (NULL);

  wh_search_tokenize (text, strlen (text), for_query, collect_cb, out);
  return g_string_free (out, FALSE);
}

static void
test_tokenizer (void)
{
  static const struct
  {
    const char *text;
    const char *document;
    const char *query;
  } cases[] = {
    /* Each character, and the pair it starts at the same position ('+'). */
    { "高级电工", "高+高级 级+级电 电+电工 工", "高级 级电 电工" },
    { "电", "电", "电" },
    { "电工", "电+电工 工", "电工" },
    /* A run followed by more keeps the next token one position further. */
    { "电工abc", "电+电工 工 abc", "电工 工 abc" },
    { "Python开发 3000元", "python 开+开发 发 3000 元", "python 开发 发 3000 元" },
    /* Pairs never span two runs. */
    { "电工，技师", "电+电工 工 技+技师 师", "电工 工 技师" },
    /* Full-width forms fold to ASCII, case folds. */
    { "ＰＹＴＨＯＮ３０００ Hello-World", "python3000 hello world", "python3000 hello world" },
    { "  ,.;!  ", "", "" },
    { "Ærø café", "ærø café", "ærø café" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *doc = tokens (cases[i].text, FALSE);
      g_autofree char *query = tokens (cases[i].text, TRUE);

      g_assert_cmpstr (doc, ==, cases[i].document);
      g_assert_cmpstr (query, ==, cases[i].query);
    }
}

static void
test_tokenizer_hostile (void)
{
  /* Invalid UTF-8, a huge word: no crash, bounded tokens. */
  const char bad[] = "电\xff\xfe工\xe7\x94";
  g_autofree char *doc = tokens (bad, FALSE);
  g_autoptr(GString) huge = g_string_new (NULL);
  g_autofree char *huge_tokens = NULL;

  g_assert_cmpstr (doc, ==, "电 工");
  for (int i = 0; i < 10000; i++)
    g_string_append_c (huge, 'a');
  huge_tokens = tokens (huge->str, FALSE);
  g_assert_cmpuint (strlen (huge_tokens), ==, 128);
}

static void
test_build_match (void)
{
  static const struct
  {
    const char *input;
    const char *match;
  } cases[] = {
    { "电工", "\"电工\"" },
    { "  电工   焊工 ", "\"电工\" \"焊工\"" },
    { "python", "\"python\"*" },
    { "java 电工", "\"java\" \"电工\"" },
    { "a", "\"a\"" },
    { "say \"hi\"", "\"say\" \"\"\"hi\"\"\"*" },
    { "title:电工", "\"title:电工\"" },
    { "* ( ) : ^ \"", NULL },
    { "", NULL },
    { "电工\xff", "\"电工\xef\xbf\xbd\"" },
  };

  g_assert_null (wh_search_build_match (NULL));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *match = wh_search_build_match (cases[i].input);
      g_assert_cmpstr (match, ==, cases[i].match);
    }
}

/* ---- recall: exactly the rows a LIKE scan finds --------------------------- */

static const char * const cjk_words[] = {
  "电工", "高级电工技师", "保洁", "快递", "叉车司机", "焊工", "电焊", "工地", "技术员", "司机",
  "物流", "仓库", "月薪", "包吃住", "工会", "驿站", "外卖骑手", "保安", "厨师", "装卸",
  "维修电工", "家政", "育婴师", "水电工", "快递员", "分拣", "夜班", "五险一金",
};
static const char * const latin_words[] = {
  "Python", "Java", "CAD", "PLC", "3000", "4500", "6800", "12000", "C1", "A2", "Excel", "IT",
};

static gboolean
is_latin (const char *word)
{
  return (guchar) word[0] < 0x80;
}

static char *
random_text (GRand *rand,
             guint  n_words)
{
  GString *s = g_string_new (NULL);
  const char *prev = NULL;

  for (guint i = 0; i < n_words; i++)
    {
      const char *word = g_rand_int_range (rand, 0, 4) == 0 ?
                           latin_words[g_rand_int_range (rand, 0, G_N_ELEMENTS (latin_words))] :
                           cjk_words[g_rand_int_range (rand, 0, G_N_ELEMENTS (cjk_words))];

      /* CJK words often touch (making new pairs across them); Latin words
       * always have a separator between them, as in real text. */
      if (prev != NULL)
        {
          int sep = g_rand_int_range (rand, 0, 3);
          if (is_latin (prev) && is_latin (word) && sep == 0)
            sep = 1;
          g_string_append (s, sep == 0 ? "" : sep == 1 ? " " : "，");
        }
      g_string_append (s, word);
      prev = word;
    }
  return g_string_free (s, FALSE);
}

static WhStore *
make_search_store (guint n_rows)
{
  WhStore *store = wh_test_store_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261121);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= n_rows; i++)
    {
      g_autofree char *title = random_text (rand, g_rand_int_range (rand, 1, 4));
      g_autofree char *description = random_text (rand, g_rand_int_range (rand, 0, 12));
      WhRecord *job = wh_test_make_job (i, i, title, description[0] ? description : NULL);

      if (i % 7 == 0)
        wh_record_set_text (job, "employer_name", "Python 物流 有限公司");
      g_ptr_array_add (page->records, job);
    }
  page->next_since = n_rows;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  return store;
}

/* Ids whose searchable text contains every term, by a plain scan. */
static GArray *
like_scan (WhStore    *store,
           const char *query)
{
  g_auto(GStrv) terms = g_strsplit (query, " ", -1);
  g_autoptr(GString) sql = g_string_new ("SELECT id FROM jobs WHERE 1");
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int p = 1;

  for (guint i = 0; terms[i]; i++)
    if (*terms[i])
      g_string_append_printf (sql,
                              " AND (title LIKE ?%d OR employer_name LIKE ?%d"
                              " OR ifnull (description, '') LIKE ?%d)",
                              i + 1, i + 1, i + 1);
  g_string_append (sql, " ORDER BY id");
  g_assert_cmpint (sqlite3_open_v2 (wh_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql->str, -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; terms[i]; i++, p++)
    {
      g_autofree char *pattern = g_strdup_printf ("%%%s%%", terms[i]);
      sqlite3_bind_text (stmt, p, pattern, -1, SQLITE_TRANSIENT);
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

static int
cmp_id (gconstpointer a,
        gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

static GArray *
record_ids (GPtrArray *records)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < records->len; i++)
    g_array_append_val (ids, ((WhRecord *) records->pdata[i])->id);
  g_array_sort (ids, cmp_id);
  return ids;
}

static void
assert_same_ids (GArray     *a,
                 GArray     *b,
                 const char *query)
{
  if (a->len != b->len)
    g_error ("“%s”: %u hits, the scan found %u", query, a->len, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpint (g_array_index (a, gint64, i), ==, g_array_index (b, gint64, i));
}

static void
check_recall (WhStore    *store,
              const char *query,
              gboolean    expect_hits)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) expected = like_scan (store, query);
  g_autoptr(GPtrArray) found = wh_store_search (store, &wh_collection_jobs, query, 100000, &error);
  g_autoptr(WhQuery) q = wh_query_new (&wh_collection_jobs);
  g_autoptr(GPtrArray) listed = NULL;
  g_autoptr(GArray) found_ids = NULL;
  g_autoptr(GArray) listed_ids = NULL;
  gint64 count;

  g_assert_no_error (error);
  if (expect_hits)
    g_assert_cmpuint (expected->len, >, 0);
  /* And the rows the names index adds (pinyin, initials, the other script). */
  {
    g_autoptr(GArray) names = wh_test_names_scan (store, &wh_collection_jobs, query);

    for (guint i = 0; i < names->len; i++)
      {
        gint64 id = g_array_index (names, gint64, i);

        if (expected->len == 0 ||
            bsearch (&id, expected->data, expected->len, sizeof (gint64), cmp_id) == NULL)
          g_array_append_val (expected, id);
      }
    g_array_sort (expected, cmp_id);
  }
  found_ids = record_ids (found);
  /* Past the ranked candidates too: every hit (#19). */
  assert_same_ids (found_ids, expected, query);

  count = wh_store_search_count (store, &wh_collection_jobs, query, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count, ==, expected->len);

  wh_query_set_match (q, query);
  listed = wh_store_query (store, q, 0, 100000, &error);
  g_assert_no_error (error);
  listed_ids = record_ids (listed);
  assert_same_ids (listed_ids, expected, query);
}

/* One, two, three and more characters, inside words and across word
 * boundaries; Latin words and numbers in any case. */
static const char * const recall_queries[] = {
  "电", "工", "师", "驿", "金",
  "电工", "工技", "司机", "保洁", "快递", "焊工", "工会", "骑手", "车司", "工工",
  "电工技", "叉车司", "高级电", "快递员", "工地技", "维修电", "五险一",
  "高级电工技师", "水电工", "外卖骑手夜班",
  "python", "Python", "PYTHON", "java", "cad", "3000", "12000", "c1", "excel", "it",
  "电工 3000", "保洁 python 物流", "焊工 焊工",
};
/* Found through the names index and the simplified text alone. */
static const char * const name_queries[] = { "dg", "diangong", "電工", "bj", "baojie" };

static void
test_recall (void)
{
  g_autoptr(WhStore) store = make_search_store (3000);
  static const char * const maybe_empty[] = { "技师快递员电工", "Pyth", "300", "驿站驿站驿站" };

  for (guint i = 0; i < G_N_ELEMENTS (recall_queries); i++)
    check_recall (store, recall_queries[i], TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (maybe_empty); i++)
    check_recall (store, maybe_empty[i], FALSE);
}

/* What each search finds, in its order: the first page, every hit, the
 * count, and a list's matching rows. */
static GString *
search_results (WhStore *store)
{
  GString *out = g_string_new (NULL);

  for (guint k = 0; k < G_N_ELEMENTS (recall_queries) + G_N_ELEMENTS (name_queries); k++)
    {
      const char *query = k < G_N_ELEMENTS (recall_queries) ? recall_queries[k]
                                                     : name_queries[k - G_N_ELEMENTS (recall_queries)];
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) page = wh_store_search (store, &wh_collection_jobs, query, 20,
                                                   &error);
      g_autoptr(GPtrArray) all = wh_store_search (store, &wh_collection_jobs, query, 100000,
                                                  &error);
      g_autoptr(WhQuery) q = wh_query_new (&wh_collection_jobs);
      g_autoptr(GPtrArray) listed = NULL;
      GPtrArray *lists[3] = { page, all, NULL };

      g_assert_no_error (error);
      wh_query_set_match (q, query);
      listed = wh_store_query (store, q, 0, 100000, &error);
      g_assert_no_error (error);
      lists[2] = listed;
      g_string_append_printf (out, "%s: %" G_GINT64_FORMAT " |", query,
                              wh_store_search_count (store, &wh_collection_jobs, query,
                                                     NULL));
      for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
        {
          for (guint j = 0; j < lists[l]->len; j++)
            g_string_append_printf (out, " %" G_GINT64_FORMAT,
                                    ((WhRecord *) lists[l]->pdata[j])->id);
          g_string_append (out, " |");
        }
      g_string_append_c (out, '\n');
    }
  return out;
}

/* The same rows split over the jobs table and two region tables: the same
 * hits in the same order, the same counts. */
static void
test_recall_split (void)
{
  g_autoptr(WhStore) store = make_search_store (3000);
  g_autoptr(GString) one = search_results (store);
  g_autoptr(GString) split = NULL;

  wh_test_split_regions (store, &wh_collection_jobs, 2);
  split = search_results (store);
  {
    g_auto(GStrv) want = g_strsplit (one->str, "\n", -1);
    g_auto(GStrv) got = g_strsplit (split->str, "\n", -1);

    g_assert_cmpuint (g_strv_length (got), ==, g_strv_length (want));
    for (guint i = 0; want[i] != NULL; i++)
      if (strcmp (want[i], got[i]) != 0)
        {
          gsize at = 0;

          while (want[i][at] == got[i][at])
            at++;
          g_error ("split, from byte %" G_GSIZE_FORMAT ": “%.60s” where one table gives “%.60s”"
                   " (%.40s)", at, got[i] + at, want[i] + at, want[i]);
        }
  }
  /* Hits were found, more than a page of some, and by pinyin. */
  g_assert_nonnull (strstr (one->str, "电: "));
  g_assert_null (strstr (one->str, "diangong: 0 "));
  g_assert_cmpuint (one->len, >, 20000);
}

static void
test_hostile_queries (void)
{
  g_autoptr(WhStore) store = make_search_store (300);
  g_autoptr(GString) long_query = g_string_new (NULL);
  const char *queries[] = {
    "\"", "\"\"", "\"电工", "电工\"焊工", "AND", "OR", "NOT", "电工 AND", "OR 焊工",
    "NEAR(电工 焊工)", "NEAR", "*", "电*", "* 电工", "title:电工", "title : 电工", "{title}: 电工",
    "^电工", "(", ")", "()", "-电工", "+", "'", "\\", "'; DROP TABLE jobs; --", "\xff\xfe",
    "电工\xe7\x94", "😀 电工", "\t\n", "a", "AND OR NOT NEAR", "\"\" * : ^", NULL,
  };

  for (int i = 0; i < 3000; i++)
    g_string_append (long_query, i % 2 ? "电工 " : "x\" ");
  queries[G_N_ELEMENTS (queries) - 1] = long_query->str;

  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_jobs, queries[i], 20, &error);
      gint64 count;

      g_assert_no_error (error);
      g_assert_nonnull (hits);
      count = wh_store_search_count (store, &wh_collection_jobs, queries[i], &error);
      g_assert_no_error (error);
      g_assert_cmpint (count, >=, hits->len);
    }
  /* The injection did nothing, and quoting kept the words as text. */
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 300);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "\"电工\"", NULL), ==,
                   wh_store_search_count (store, &wh_collection_jobs, "电工", NULL));
}

static void
test_ranking (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;

  wh_test_apply (store, &wh_collection_jobs, NULL, 3,
                 wh_test_make_job (1, 1, "保洁员", "商场招聘保洁员，无需经验，有电工证优先，包吃住，月薪面议"),
                 wh_test_make_job (2, 2, "电工", "负责小区维修"),
                 wh_test_make_job (3, 3, "快递员", NULL), NULL);
  hits = wh_store_search (store, &wh_collection_jobs, "电工", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);
  /* A title hit beats a mention in a long description. */
  g_assert_cmpint (((WhRecord *) hits->pdata[0])->id, ==, 2);
  g_assert_cmpint (((WhRecord *) hits->pdata[1])->id, ==, 1);

  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = wh_store_search (store, &wh_collection_jobs, "电工", 1, &error);
  g_assert_cmpuint (hits->len, ==, 1);
  g_clear_pointer (&hits, g_ptr_array_unref);
  hits = wh_store_search (store, &wh_collection_jobs, "  ", 10, &error);
  g_assert_cmpuint (hits->len, ==, 0);
  g_assert_no_error (error);
}

/* A term in every row: the count is exact, the results bounded and newest
 * rows are the candidates. */
static void
test_common_term (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = NULL;
  const guint n = 8000;

  for (guint i = 1; i <= n; i++)
    g_ptr_array_add (page->records,
                     wh_test_make_job (i, i, i == 10 ? "工 工 工" : "普工", "工厂招普工"));
  page->next_since = n;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_jobs, "工", &error), ==, n);
  hits = wh_store_search (store, &wh_collection_jobs, "工", 20, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 20);
  /* Only the newest candidates were ranked, so id 10 cannot be among them. */
  for (guint i = 0; i < hits->len; i++)
    g_assert_cmpint (((WhRecord *) hits->pdata[i])->id, >, n / 2);
}

static void
test_not_searchable (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_lessons, "电工", 10, &error);

  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_assert_null (hits);
  g_clear_error (&error);
  g_assert_cmpint (wh_store_search_count (store, &wh_collection_vouchers, "x", &error), ==, -1);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/search/tokenizer/tokens", test_tokenizer);
  g_test_add_func ("/search/tokenizer/hostile", test_tokenizer_hostile);
  g_test_add_func ("/search/build-match", test_build_match);
  g_test_add_func ("/search/recall-like-scan", test_recall);
  g_test_add_func ("/search/recall-split", test_recall_split);
  g_test_add_func ("/search/hostile-queries", test_hostile_queries);
  g_test_add_func ("/search/ranking", test_ranking);
  g_test_add_func ("/search/common-term-bounded", test_common_term);
  g_test_add_func ("/search/not-searchable", test_not_searchable);

  return g_test_run ();
}
