/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The job-help service below its widgets: the filters a worker sets turned
 * into queries (each combination checked against a plain scan of every
 * row), the filter state through the setting and back (a malformed value
 * included), the distance order and its paging, bookmarks through the
 * outbox to the real server, and a fair exported to iCalendar. */
#include "config.h"

#include <gio/gio.h>
#include <libical/ical.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-fair-ics.h"
#include "wh-job-filters.h"
#include "wh-list-model.h"
#include "wh-store-private.h"
#include "wh-sync.h"
#include "wh-test-server.h"
#include "wh-test-store.h"
#include "wh-test.h"

/* ---- A varied cache ----------------------------------------------------------- */

#define N_JOBS 900

static const char * const titles[] = {
  "高级电工", "保洁员", "快递员", "叉车司机", "维修电工学徒", "外卖骑手", "焊工", "Electrician",
};
static const char * const employers[] = { "顺达物流", "城建集团", "电工之家服务部", "Acme" };
static const char * const categories[] = { "电工", "保洁", "快递物流", "制造" };
static const char * const tags[] = { "日结", "五险一金", "包吃住", "周末双休", "包吃" };
static const gint64 districts[] = { 440103, 440106, 440305, 310115 };

static char *
make_store (WhStore **store_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  char *path = g_build_filename (dir, "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  GRand *rand = g_rand_new_with_seed (7);

  g_assert_no_error (error);
  for (gint64 id = 1; id <= N_JOBS; id++)
    {
      WhRecord *r = wh_record_new (&wh_collection_jobs);
      const char *periods[] = { "month", "day", "hour" };
      const char *settlements[] = { "daily", "weekly", "monthly" };
      guint p = g_rand_int_range (rand, 0, 3);
      gint64 base = p == 0 ? 3000 : p == 1 ? 120 : 18;
      gint64 lo = base + g_rand_int_range (rand, 0, 10) * base / 5;
      gint64 adcode = districts[g_rand_int_range (rand, 0, G_N_ELEMENTS (districts))];
      const char *welfare[G_N_ELEMENTS (tags) + 1] = { NULL };
      guint n = 0;
      char date[16];

      r->id = id;
      r->rev = id;
      wh_record_set_text (r, "title", titles[g_rand_int_range (rand, 0, G_N_ELEMENTS (titles))]);
      wh_record_set_int (r, "employer_id", 1 + id % 4);
      wh_record_set_text (r, "employer_name", employers[id % 4]);
      wh_record_set_text (r, "category",
                          categories[g_rand_int_range (rand, 0, G_N_ELEMENTS (categories))]);
      wh_record_set_int (r, "province_adcode", adcode / 10000 * 10000);
      wh_record_set_int (r, "city_adcode", adcode / 100 * 100);
      wh_record_set_int (r, "adcode", adcode);
      wh_record_set_int (r, "salary_min", lo);
      wh_record_set_int (r, "salary_max", lo + g_rand_int_range (rand, 0, 5) * base / 4);
      wh_record_set_text (r, "salary_period", periods[p]);
      wh_record_set_text (r, "settlement", settlements[g_rand_int_range (rand, 0, 3)]);
      for (guint t = 0; t < G_N_ELEMENTS (tags); t++)
        if (g_rand_int_range (rand, 0, 3) == 0)
          welfare[n++] = tags[t];
      wh_record_set_strv (r, "welfare", welfare);
      g_snprintf (date, sizeof date, "2026-11-%02d", g_rand_int_range (rand, 1, 21));
      wh_record_set_text (r, "posted_at", date);
      /* One job in ten has no place: it sorts after every located one. */
      if (id % 10 != 0)
        {
          wh_record_set_real (r, "lat", 23.0 + g_rand_double_range (rand, 0, 0.5));
          wh_record_set_real (r, "lon", 113.2 + g_rand_double_range (rand, 0, 0.5));
        }
      if (id % 7 == 0)
        wh_record_set_text (r, "description", "招聘保洁阿姨，能吃苦耐劳");
      /* A third closed by 2026-11-20 (one of them that very day, still
       * open), a third open, a third with no end. */
      if (id % 3 == 1)
        {
          g_snprintf (date, sizeof date, "2026-11-%02d", id % 9 == 1 ? 20 : 19 - (int) (id % 9));
          wh_record_set_text (r, "expires_at", date);
        }
      else if (id % 3 == 2)
        wh_record_set_text (r, "expires_at", "2026-12-31");
      g_ptr_array_add (page->records, r);
    }
  page->next_since = page->server_rev = N_JOBS;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  g_rand_free (rand);
  *store_out = store;
  return path;
}

/* ---- Filters against a plain scan ------------------------------------------------ */

static gboolean
text_has (const WhRecord *r,
          const char     *field,
          const char     *word)
{
  return wh_record_is_set (r, field) && strstr (wh_record_get_text (r, field), word) != NULL;
}

/* What the filters mean, said again without SQL. */
static gboolean
plain_match (const WhJobFilters *f,
             const char         *search,
             const char         *since,
             const WhRecord     *r)
{
  g_auto(GStrv) welfare = wh_record_dup_strv (r, "welfare");

  if (f->region && wh_record_get_int (r, "adcode") != f->region &&
      wh_record_get_int (r, "city_adcode") != f->region)
    return FALSE;
  if (f->category && g_strcmp0 (wh_record_get_text (r, "category"), f->category) != 0)
    return FALSE;
  if (f->pay_period)
    {
      if (g_strcmp0 (wh_record_get_text (r, "salary_period"), f->pay_period) != 0)
        return FALSE;
      if (f->pay_min && wh_record_get_int (r, "salary_max") < f->pay_min)
        return FALSE;
      if (f->pay_max && wh_record_get_int (r, "salary_min") > f->pay_max)
        return FALSE;
    }
  if (f->settlement && g_strcmp0 (wh_record_get_text (r, "settlement"), f->settlement) != 0)
    return FALSE;
  for (guint i = 0; f->welfare && f->welfare[i]; i++)
    if (!g_strv_contains ((const char * const *) welfare, f->welfare[i]))
      return FALSE;
  if (f->posted_within && strcmp (wh_record_get_text (r, "posted_at"), since) < 0)
    return FALSE;
  /* Closed before the day the combinations run on (2026-11-20). */
  if (!f->show_closed && wh_record_is_set (r, "expires_at") &&
      strcmp (wh_record_get_text (r, "expires_at"), "2026-11-20") < 0)
    return FALSE;
  if (search && !text_has (r, "title", search) && !text_has (r, "employer_name", search) &&
      !text_has (r, "description", search))
    return FALSE;
  return TRUE;
}

static int
compare_newest (gconstpointer a,
                gconstpointer b)
{
  const WhRecord *x = *(WhRecord **) a, *y = *(WhRecord **) b;
  int c = strcmp (wh_record_get_text (y, "posted_at"), wh_record_get_text (x, "posted_at"));

  return c ? c : (x->id < y->id) - (x->id > y->id);
}

/* What a job pays at least (field salary_min) or at most (salary_max) in a
 * month: the factors of Chinese payroll (21.75 paid days a month, 8 hours a
 * day), said again here. */
static double
monthly_pay_of (const WhRecord *r,
                const char     *field)
{
  const char *period = wh_record_get_text (r, "salary_period");
  double pay = wh_record_get_int (r, field);

  return strcmp (period, "hour") == 0 ? pay * 174.0 :
         strcmp (period, "day") == 0 ? pay * 21.75 : pay;
}

static double
monthly_pay (const WhRecord *r)
{
  return monthly_pay_of (r, "salary_min");
}

/* Highest monthly equivalent first; of the same least pay, the higher top
 * of the range first; then by id (newest first). */
static int
compare_salary (gconstpointer a,
                gconstpointer b)
{
  const WhRecord *x = *(WhRecord **) a, *y = *(WhRecord **) b;
  double u = monthly_pay (x), v = monthly_pay (y);

  if (u != v)
    return u < v ? 1 : -1;
  u = monthly_pay_of (x, "salary_max");
  v = monthly_pay_of (y, "salary_max");
  if (u != v)
    return u < v ? 1 : -1;
  return (x->id < y->id) - (x->id > y->id);
}

/* Where the distance order is measured from in the combinations. */
#define ORIGIN_LAT 23.21
#define ORIGIN_LON 113.43

static double
origin_distance (const WhRecord *r)
{
  if (!wh_record_is_set (r, "lat") || !wh_record_is_set (r, "lon"))
    return -1;
  return wh_geo_distance_m (wh_record_get_real (r, "lat"), wh_record_get_real (r, "lon"),
                            ORIGIN_LAT, ORIGIN_LON);
}

/* Nearest first, then the jobs without a place by id. */
static int
compare_distance (gconstpointer a,
                  gconstpointer b)
{
  const WhRecord *x = *(WhRecord **) a, *y = *(WhRecord **) b;
  double u = origin_distance (x), v = origin_distance (y);

  if ((u < 0) != (v < 0))
    return u < 0 ? 1 : -1;
  if (u != v)
    return u < v ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* The ways a query may take to its rows (wh_store_set_query_plan), each of
 * which must give the same rows in the same order. */
static const struct
{
  const char *name;
  int         walk_ms;
  int         ring_ms;
  gint64      selective_rows;
} plans[] = {
  { "as chosen", -1, -1, -1 },
  { "the covering filter index", 0, 0, 0 },
  { "a filter's own index", 0, 0, G_MAXINT32 },
  { "walking the sort index, rings", G_MAXINT, G_MAXINT, 0 },
};

static void
assert_same_ids (GPtrArray  *got,
                 GPtrArray  *want,
                 guint       from,
                 const char *what)
{
  for (guint i = 0; i < got->len; i++)
    if (((WhRecord *) got->pdata[i])->id != ((WhRecord *) want->pdata[from + i])->id)
      g_error ("%s: row %u is job %" G_GINT64_FORMAT ", a scan says %" G_GINT64_FORMAT, what,
               from + i, ((WhRecord *) got->pdata[i])->id,
               ((WhRecord *) want->pdata[from + i])->id);
}

static void
apply_combination (WhJobFilters *f,
                   guint         mask,
                   const char  **search)
{
  *search = NULL;
  if (mask & 1)
    f->region = (mask & 64) ? 440100 : 440106;
  if (mask & 2)
    f->category = g_strdup ("电工");
  if (mask & 4)
    {
      f->pay_period = g_strdup ("month");
      f->pay_min = 4000;
      f->pay_max = (mask & 64) ? 0 : 6000;
    }
  if (mask & 8)
    f->settlement = g_strdup ("daily");
  if (mask & 16)
    {
      wh_job_filters_set_welfare (f, "日结", TRUE);
      if (mask & 64)
        wh_job_filters_set_welfare (f, "五险一金", TRUE);
    }
  if (mask & 32)
    f->posted_within = 7;
  if (mask & 128)
    *search = (mask & 64) ? "电工" : "保洁";
  /* The closed jobs too, in a third of the combinations. */
  f->show_closed = mask % 3 == 0;
}

/* split: the same rows over the jobs table and two region tables. */
static void
check_filter_combinations (gboolean split)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  g_autoptr(GDate) today = g_date_new_dmy (20, 11, 2026);
  g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
  g_autoptr(GPtrArray) every = wh_store_query (store, all, 0, G_MAXUINT, NULL);
  guint nonempty = 0;
  guint tried = 0;

  if (split)
    {
      g_autoptr(GPtrArray) again = NULL;

      wh_test_split_regions (store, &wh_collection_jobs, 2);
      again = wh_store_query (store, all, 0, G_MAXUINT, NULL);
      g_assert_cmpuint (again->len, ==, N_JOBS);
      assert_same_ids (again, every, 0, "split");
    }
  g_assert_cmpuint (every->len, ==, N_JOBS);
  for (guint p = 0; p < G_N_ELEMENTS (plans); p++)
    {
      wh_store_set_query_plan (store, plans[p].walk_ms, plans[p].ring_ms, plans[p].selective_rows);
      for (guint mask = 0; mask < 256; mask++)
        for (WhJobSort sort = WH_JOB_SORT_NEWEST; sort <= WH_JOB_SORT_DISTANCE; sort++)
          {
            g_autoptr(WhJobFilters) f = wh_job_filters_new ();
            g_autoptr(WhQuery) query = NULL;
            g_autoptr(GPtrArray) got = NULL;
            g_autoptr(GPtrArray) want = g_ptr_array_new ();
            g_autoptr(GError) error = NULL;
            g_autofree char *what = NULL;
            const char *search;

            if (!wh_test_sampled (mask + sort + p))
              continue;
            apply_combination (f, mask, &search);
            f->sort = sort;
            what = g_strdup_printf ("filters %#x sort %d through %s", mask, sort, plans[p].name);
            query = wh_job_filters_to_query (f, search, today, sort == WH_JOB_SORT_DISTANCE,
                                             ORIGIN_LAT, ORIGIN_LON);
            for (guint i = 0; i < every->len; i++)
              if (plain_match (f, search, "2026-11-14", every->pdata[i]))
                g_ptr_array_add (want, every->pdata[i]);
            g_ptr_array_sort (want, sort == WH_JOB_SORT_SALARY ? compare_salary :
                                    sort == WH_JOB_SORT_DISTANCE ? compare_distance :
                                    compare_newest);

            got = wh_store_query (store, query, 0, G_MAXUINT, &error);
            g_assert_no_error (error);
            if (got->len != want->len)
              g_error ("%s: %u rows, a scan finds %u", what, got->len, want->len);
            assert_same_ids (got, want, 0, what);
            g_assert_cmpint (wh_store_query_count (store, query, NULL), ==, want->len);
            if (want->len > 12)
              {
                /* A jump into the list (ids first, then the rows) lands on
                 * the same rows, and so do the pages after and before a key. */
                g_autoptr(GPtrArray) part = wh_store_query (store, query, 7, 5, &error);
                g_autoptr(GPtrArray) after = NULL;
                g_autoptr(GPtrArray) before = NULL;

                g_assert_no_error (error);
                g_assert_cmpuint (part->len, ==, 5);
                assert_same_ids (part, want, 7, what);
                after = wh_store_query_page (store, query, want->pdata[4], FALSE, 0, 5, &error);
                g_assert_no_error (error);
                g_assert_cmpuint (after->len, ==, 5);
                assert_same_ids (after, want, 5, what);
                before = wh_store_query_page (store, query, want->pdata[10], TRUE, 0, 5, &error);
                g_assert_no_error (error);
                g_assert_cmpuint (before->len, ==, 5);
                assert_same_ids (before, want, 5, what);
              }
            nonempty += want->len > 0;
            tried++;
          }
    }
  wh_store_set_query_plan (store, -1, -1, -1);
  /* The data is varied enough that most combinations find something. */
  g_assert_cmpuint (tried, >=, 256 * 3 * G_N_ELEMENTS (plans) / wh_test_sample ());
  g_assert_cmpuint (nonempty * 256, >, tried * 200);
}

static void
test_filter_combinations (void)
{
  check_filter_combinations (FALSE);
}

static void
test_filter_combinations_split (void)
{
  check_filter_combinations (TRUE);
}

/* A filter that matches almost nothing among many rows: walking the sort
 * index runs out of budget and the filter's own index answers. The pages
 * must be the same either way. */
static void
test_rare_filter (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  const guint n = 80000;

  g_assert_no_error (error);
  for (guint id = 1; id <= n; id++)
    {
      WhRecord *r = wh_record_new (&wh_collection_jobs);
      /* Three jobs in 440117, among the oldest: the walk from the newest
       * end meets them last. */
      gint64 adcode = id % 30000 == 7 ? 440117 : 440106;
      char date[16];

      r->id = id;
      r->rev = id;
      wh_record_set_text (r, "title", id % 2 ? "保洁员" : "电工");
      wh_record_set_int (r, "employer_id", 1);
      wh_record_set_text (r, "employer_name", "城建集团");
      wh_record_set_text (r, "category", "保洁");
      wh_record_set_int (r, "province_adcode", 440000);
      wh_record_set_int (r, "city_adcode", 440100);
      wh_record_set_int (r, "adcode", adcode);
      wh_record_set_int (r, "salary_min", 3000);
      wh_record_set_int (r, "salary_max", 4000);
      wh_record_set_text (r, "salary_period", "month");
      wh_record_set_text (r, "settlement", "monthly");
      g_snprintf (date, sizeof date, "2026-%02u-%02u", 1 + id * 10 / n, 1 + id % 28);
      wh_record_set_text (r, "posted_at", date);
      g_ptr_array_add (page->records, r);
    }
  page->next_since = page->server_rev = n;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);

  for (guint rare = 0; rare < 2; rare++)
    {
      g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
      g_autoptr(GPtrArray) rows = NULL;
      g_autoptr(WhListModel) model = NULL;
      gint64 prev_id = G_MAXINT64;
      const char *prev = "9999";
      guint expect = rare ? 3 : n - 3;

      wh_query_where_int (query, "adcode", WH_QUERY_EQ, rare ? 440117 : 440106);
      wh_query_set_order (query, "posted_at", TRUE);
      rows = wh_store_query (store, query, 0, 50, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (rows->len, ==, MIN (50, expect));
      /* Newest first, ties by id, every one in the district. */
      for (guint i = 0; i < rows->len; i++)
        {
          const WhRecord *r = rows->pdata[i];
          int c = strcmp (wh_record_get_text (r, "posted_at"), prev);

          g_assert_cmpint (wh_record_get_int (r, "adcode"), ==, rare ? 440117 : 440106);
          g_assert_true (c < 0 || (c == 0 && r->id < prev_id));
          prev = wh_record_get_text (r, "posted_at");
          prev_id = r->id;
        }
      /* Paging by key through the whole rare list agrees too. */
      model = wh_list_model_new (store, query);
      g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, expect);
      if (rare)
        for (guint i = 0; i < expect; i++)
          {
            g_autoptr(WhRecordObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);

            g_assert_cmpint (wh_record_object_get_id (item), ==, ((WhRecord *) rows->pdata[i])->id);
          }
    }
}

/* Highest pay first compares like with like: a day's and an hour's pay as
 * what they come to in a month. The whole list, paged by key through its
 * many ties as the list model pages it, against a brute-force sort. */
static void
test_pay_order (void)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  g_autoptr(GDate) today = g_date_new_dmy (20, 11, 2026);
  g_autoptr(WhJobFilters) f = wh_job_filters_new ();
  g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) query = NULL;
  g_autoptr(GPtrArray) want = NULL;
  g_autoptr(WhListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  const WhScaledOrder *order = wh_collection_find_scaled_order (&wh_collection_jobs,
                                                                "monthly_pay");
  guint by_day = 0, by_hour = 0;

  /* The factors the order uses are the ones payroll uses. */
  g_assert_nonnull (order);
  g_assert_cmpfloat (wh_scaled_order_value (order, 300, "day"), ==, 6525.0);
  g_assert_cmpfloat (wh_scaled_order_value (order, 25, "hour"), ==, 4350.0);
  g_assert_cmpfloat (wh_scaled_order_value (order, 6000, "month"), ==, 6000.0);

  want = wh_store_query (store, all, 0, G_MAXUINT, &error);
  g_assert_no_error (error);
  g_ptr_array_sort (want, compare_salary);

  f->sort = WH_JOB_SORT_SALARY;
  f->show_closed = TRUE; /* every row, as the scan above */
  query = wh_job_filters_to_query (f, NULL, today, FALSE, 0, 0);
  g_assert_cmpstr (wh_query_get_order_field (query), ==, "monthly_pay");
  g_assert_true (wh_query_get_descending (query));
  model = wh_list_model_new (store, query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, want->len);
  for (guint i = 0; i < want->len; i++)
    {
      g_autoptr(WhRecordObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      const WhRecord *r = wh_record_object_get_record (item);

      if (r->id != ((WhRecord *) want->pdata[i])->id)
        g_error ("row %u: job %" G_GINT64_FORMAT " (%s %" G_GINT64_FORMAT "), a sort says %"
                 G_GINT64_FORMAT, i, r->id, wh_record_get_text (r, "salary_period"),
                 wh_record_get_int (r, "salary_min"), ((WhRecord *) want->pdata[i])->id);
      if (i < want->len / 3)
        {
          by_day += g_strcmp0 (wh_record_get_text (r, "salary_period"), "day") == 0;
          by_hour += g_strcmp0 (wh_record_get_text (r, "salary_period"), "hour") == 0;
        }
    }
  /* Ties on the least pay were there to break, by the top of the range. */
  {
    guint broken = 0;

    for (guint i = 1; i < want->len; i++)
      broken += monthly_pay (want->pdata[i - 1]) == monthly_pay (want->pdata[i]) &&
                monthly_pay_of (want->pdata[i - 1], "salary_max") >
                  monthly_pay_of (want->pdata[i], "salary_max");
    g_assert_cmpuint (broken, >, 0);
  }
  /* Hourly and daily jobs that pay well are among the best paid third, not
   * below every monthly wage as their bare numbers would put them. */
  g_assert_cmpuint (by_day, >, 0);
  g_assert_cmpuint (by_hour, >, 0);
}

/* The layout the store keeps for jobs (what it built the tables for). */
static char *
read_layout (sqlite3 *db)
{
  sqlite3_stmt *stmt;
  char *layout;

  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT layout FROM cache_layout WHERE collection = 'jobs'",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  layout = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return layout;
}

/* A new release that indexes the cache differently keeps the rows and the
 * sync cursor: only the indexes change (here: an older set of them, and
 * ones this release no longer makes: a made-up one, and the single-column
 * indexes the jobs had before session 14 left them to jobs_filter). */
static void
test_index_change (void)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  g_autoptr(GError) error = NULL;
  g_autofree char *layout = NULL;
  g_autofree char *older = NULL;
  sqlite3 *db;
  sqlite3_stmt *stmt;
  const char *indexes[] = { "jobs_filter", "jobs_by_monthly_pay", "jobs_unlocated" };

  g_clear_object (&store);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  layout = read_layout (db);
  g_assert_nonnull (strstr (layout, "filter(category"));
  /* The layout as an older release wrote it: fewer indexes. */
  older = g_strdup_printf ("%.*s|indexed:employer_id, category%s",
                           (int) (strstr (layout, "|indexed:") - layout), layout,
                           strstr (layout, "|located:"));
  {
    char *sql = sqlite3_mprintf ("DROP INDEX jobs_filter; DROP INDEX jobs_by_monthly_pay;"
                                 " DROP INDEX jobs_unlocated;"
                                 " CREATE INDEX jobs_by_title ON jobs (title);"
                                 " DROP INDEX jobs_by_posted_at;"
                                 " CREATE INDEX jobs_by_posted_at ON jobs (posted_at);"
                                 " CREATE INDEX jobs_by_category ON jobs (category);"
                                 " CREATE INDEX jobs_by_salary_min ON jobs (salary_min);"
                                 " CREATE INDEX jobs_by_city_adcode ON jobs (city_adcode);"
                                 " UPDATE cache_layout SET layout = %Q WHERE collection = 'jobs'",
                                 older);

    g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_free (sql);
  }
  sqlite3_close (db);

  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, N_JOBS);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, NULL, NULL), ==, N_JOBS);
  g_clear_object (&store);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  for (guint i = 0; i < G_N_ELEMENTS (indexes) + 1; i++)
    {
      const char *name = i < G_N_ELEMENTS (indexes) ? indexes[i] : "jobs_by_title";

      g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT count(*) FROM sqlite_master"
                                           " WHERE type = 'index' AND name = ?1", -1, &stmt, NULL),
                       ==, SQLITE_OK);
      sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
      /* The new ones are made, the one no longer wanted is gone. */
      g_assert_cmpint (sqlite3_column_int (stmt, 0), ==, i < G_N_ELEMENTS (indexes) ? 1 : 0);
      sqlite3_finalize (stmt);
    }
  {
    g_autofree char *now = read_layout (db);

    g_assert_cmpstr (now, ==, layout);
  }
  /* Exactly the jobs' indexes this release makes: each more is one more
   * random insert a row in a first sync. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT group_concat (name, ' ') FROM (SELECT name"
                                       " FROM sqlite_master WHERE type = 'index'"
                                       " AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name)",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==,
                   "jobs_by_adcode jobs_by_employer_id jobs_by_monthly_pay jobs_by_posted_at"
                   " jobs_filter jobs_unlocated");
  sqlite3_finalize (stmt);
  /* An index this release makes with other columns is made again: the
   * date's, with the id and the closing date a deep page is found by. */
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT sql FROM sqlite_master"
                                       " WHERE name = 'jobs_by_posted_at'", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==,
                   "CREATE INDEX jobs_by_posted_at ON jobs (posted_at, id, expires_at)");
  sqlite3_finalize (stmt);
  sqlite3_close (db);
}

/* ---- Filter state through the setting --------------------------------------------- */

static void
test_filter_settings (void)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhJobFilters) f = wh_job_filters_new ();
  g_autoptr(WhJobFilters) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *stored = NULL;
  const char *bad[] = {
    "", "not json", "[]", "42", "{\"region\":\"广州\"}", "{\"region\":-5}",
    "{\"settlement\":\"yearly\"}", "{\"sort\":\"random\"}", "{\"welfare\":\"日结\"}",
    "{\"welfare\":[1,2]}", "{\"pay\":{\"min\":100}}", "{\"pay\":{\"period\":\"month\",\"min\":9,\"max\":3}}",
    "{\"posted_within_days\":1.5}", "{\"show_closed\":1}", "{\"category\":\"\"}", "{\"region\":1e99}",
    /* json-glib alone read these as 36933 (octal) and "a" */
    "{\"region\":0110105}", "{\"category\":\"\\a\"}",
  };

  f->region = 440106;
  f->category = g_strdup ("快递物流");
  f->pay_period = g_strdup ("day");
  f->pay_min = 200;
  f->pay_max = 300;
  f->settlement = g_strdup ("daily");
  wh_job_filters_set_welfare (f, "五险一金", TRUE);
  wh_job_filters_set_welfare (f, "包吃住", TRUE);
  f->posted_within = 3;
  f->show_closed = TRUE;
  f->sort = WH_JOB_SORT_DISTANCE;
  g_assert_cmpuint (wh_job_filters_count (f), ==, 8);

  json = wh_job_filters_to_json (f);
  g_assert_true (g_settings_set_string (settings, "job-filters", json));
  stored = g_settings_get_string (settings, "job-filters");
  back = wh_job_filters_from_json (stored, &error);
  g_assert_no_error (error);
  g_assert_true (wh_job_filters_equal (f, back));

  /* 日结 and 周结 were benefits once: now the one settlement control. */
  g_clear_pointer (&back, wh_job_filters_free);
  back = wh_job_filters_from_json ("{\"welfare\":[\"日结\",\"包吃\"]}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->settlement, ==, "daily");
  g_assert_cmpuint (g_strv_length (back->welfare), ==, 1);
  g_assert_cmpstr (back->welfare[0], ==, "包吃");
  g_clear_pointer (&back, wh_job_filters_free);
  back = wh_job_filters_from_json ("{\"settlement\":\"monthly\",\"welfare\":[\"周结\"]}", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->settlement, ==, "monthly");
  g_assert_null (back->welfare);

  /* Unknown members of a newer release are ignored. */
  g_clear_pointer (&back, wh_job_filters_free);
  back = wh_job_filters_from_json ("{\"version\":2,\"future\":[1],\"settlement\":\"weekly\"}",
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->settlement, ==, "weekly");

  /* Everything malformed is refused whole, never half read. */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(WhJobFilters) none = wh_job_filters_from_json (bad[i], &error);

      if (none != NULL)
        g_error ("“%s” was accepted", bad[i]);
      g_assert_nonnull (error);
      g_clear_error (&error);
    }

  /* Turning a tag off leaves the others. */
  wh_job_filters_set_welfare (f, "五险一金", FALSE);
  g_assert_false (wh_job_filters_has_welfare (f, "五险一金"));
  g_assert_true (wh_job_filters_has_welfare (f, "包吃住"));
  wh_job_filters_set_welfare (f, "包吃住", FALSE);
  g_assert_null (f->welfare);
}

/* ---- Distance order ------------------------------------------------------------------ */

typedef struct
{
  gint64 id;
  double d;
} Dist;

static int
dist_compare (gconstpointer a,
              gconstpointer b)
{
  const Dist *x = a, *y = b;

  /* Unplaced (d < 0) last, by id. */
  if ((x->d < 0) != (y->d < 0))
    return x->d < 0 ? 1 : -1;
  if (x->d != y->d)
    return x->d < y->d ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

static void
check_distance_order (WhStore       *store,
                      const WhQuery *query,
                      double         lat,
                      double         lon)
{
  g_autoptr(WhQuery) plain = wh_query_copy (query);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (Dist));
  g_autoptr(GPtrArray) pages = g_ptr_array_new ();
  g_autoptr(WhListModel) model = NULL;
  g_autoptr(GError) error = NULL;
  guint n;

  wh_query_set_order (plain, NULL, FALSE);
  rows = wh_store_query (store, plain, 0, G_MAXUINT, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      const WhRecord *r = rows->pdata[i];
      Dist d = { r->id, -1 };

      if (wh_record_is_set (r, "lat"))
        d.d = wh_geo_distance_m (wh_record_get_real (r, "lat"), wh_record_get_real (r, "lon"), lat,
                                 lon);
      g_array_append_val (want, d);
    }
  g_array_sort (want, dist_compare);
  n = want->len;

  /* At an offset, all at once. */
  {
    g_autoptr(GPtrArray) whole = wh_store_query (store, query, 0, G_MAXUINT, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (whole->len, ==, n);
    for (guint i = 0; i < n; i++)
      g_assert_cmpint (((WhRecord *) whole->pdata[i])->id, ==, g_array_index (want, Dist, i).id);
    for (guint off = 1; off < n; off += 97)
      {
        g_autoptr(GPtrArray) part = wh_store_query (store, query, off, 13, &error);

        g_assert_no_error (error);
        for (guint i = 0; i < part->len; i++)
          g_assert_cmpint (((WhRecord *) part->pdata[i])->id, ==,
                           g_array_index (want, Dist, off + i).id);
      }
  }

  /* Forwards page by page from each key, and backwards from the end. */
  model = wh_list_model_new (store, query);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(WhRecordObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);

      g_assert_cmpint (wh_record_object_get_id (item), ==, g_array_index (want, Dist, i).id);
    }
  for (guint i = n; i > 0; i -= MIN (i, 7))
    {
      g_autoptr(WhRecordObject) key = g_list_model_get_item (G_LIST_MODEL (model), i - 1);
      g_autoptr(GPtrArray) before = wh_store_query_page (store, query,
                                                         wh_record_object_get_record (key),
                                                         TRUE, 0, 11, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (before->len, ==, MIN (11, i - 1));
      for (guint j = 0; j < before->len; j++)
        g_assert_cmpint (((WhRecord *) before->pdata[j])->id, ==,
                         g_array_index (want, Dist, i - 1 - before->len + j).id);
    }
}

static void
check_distance_order_ways (gboolean split)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  g_autoptr(GDate) today = g_date_new_dmy (20, 11, 2026);
  g_autoptr(WhJobFilters) f = wh_job_filters_new ();
  double lat, lon;

  /* Inside the cloud of jobs, at its edge, and far away (the radius grows). */
  const double origins[][2] = { { 23.2, 113.4 }, { 23.0, 113.2 }, { 39.9, 116.4 } };

  if (split)
    wh_test_split_regions (store, &wh_collection_jobs, 2);

  /* Every page, every way: rings, or the rows the filters select. */
  for (guint p = 0; p < G_N_ELEMENTS (plans); p++)
    {
      wh_store_set_query_plan (store, plans[p].walk_ms, plans[p].ring_ms, plans[p].selective_rows);
      for (guint o = 0; o < G_N_ELEMENTS (origins); o++)
        {
          g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);

          wh_query_set_order_distance (query, origins[o][0], origins[o][1]);
          g_assert_true (wh_query_get_order_distance (query, &lat, &lon));
          g_assert_cmpfloat (lat, ==, origins[o][0]);
          check_distance_order (store, query, origins[o][0], origins[o][1]);
        }

      /* With filters and a search, through the filter state; then a rare
       * trade in one district with a benefit, which a ring seldom holds. */
      f->sort = WH_JOB_SORT_DISTANCE;
      f->region = 440100;
      wh_job_filters_set_welfare (f, "日结", TRUE);
      {
        g_autoptr(WhQuery) query = wh_job_filters_to_query (f, "电工", today, TRUE, 23.3, 113.5);

        g_assert_true (wh_query_get_order_distance (query, NULL, NULL));
        check_distance_order (store, query, 23.3, 113.5);
      }
      f->region = 440106;
      f->category = g_strdup ("保洁");
      {
        g_autoptr(WhQuery) query = wh_job_filters_to_query (f, NULL, today, TRUE, 23.0, 113.2);

        check_distance_order (store, query, 23.0, 113.2);
      }
      g_clear_pointer (&f->category, g_free);
    }
  wh_store_set_query_plan (store, -1, -1, -1);
  /* Without an origin the list stays newest first. */
  {
    g_autoptr(WhQuery) query = wh_job_filters_to_query (f, NULL, today, FALSE, 0, 0);

    g_assert_false (wh_query_get_order_distance (query, NULL, NULL));
    g_assert_cmpstr (wh_query_get_order_field (query), ==, "posted_at");
  }
  /* Any other sort replaces the distance. */
  {
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);

    wh_query_set_order_distance (query, 23.2, 113.4);
    wh_query_set_order (query, "salary_min", TRUE);
    g_assert_false (wh_query_get_order_distance (query, NULL, NULL));
  }
}

static void
test_distance_order (void)
{
  check_distance_order_ways (FALSE);
}

static void
test_distance_order_split (void)
{
  check_distance_order_ways (TRUE);
}

/* ---- A search split by the field it matched --------------------------------------------- */

/* 电工 is in titles (高级电工, 维修电工学徒) and in an employer's name
 * (电工之家服务部): the title's hits, then the others, split the search's
 * hits in two, none in both, each list paged as the whole one is. */
static void
test_match_field (void)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  const char * const words[] = { "电工", "保洁", "dg", "Acme" };

  for (guint w = 0; w < G_N_ELEMENTS (words); w++)
    {
      g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
      g_autoptr(WhQuery) title = NULL;
      g_autoptr(WhQuery) rest = NULL;
      g_autoptr(GPtrArray) every = NULL;
      g_autoptr(GPtrArray) in_title = NULL;
      g_autoptr(GPtrArray) others = NULL;
      g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
      g_autoptr(GError) error = NULL;

      wh_query_set_match (all, words[w]);
      wh_query_set_order (all, "posted_at", TRUE);
      title = wh_query_copy (all);
      wh_query_set_match_field (title, "title", FALSE);
      rest = wh_query_copy (all);
      wh_query_set_match_field (rest, "title", TRUE);
      every = wh_store_query (store, all, 0, G_MAXUINT, &error);
      g_assert_no_error (error);
      in_title = wh_store_query (store, title, 0, G_MAXUINT, &error);
      g_assert_no_error (error);
      others = wh_store_query (store, rest, 0, G_MAXUINT, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (every->len, >, 0);
      g_assert_cmpuint (in_title->len + others->len, ==, every->len);
      g_assert_cmpint (wh_store_query_count (store, title, NULL), ==, in_title->len);
      g_assert_cmpint (wh_store_query_count (store, rest, NULL), ==, others->len);
      for (guint i = 0; i < in_title->len; i++)
        g_hash_table_add (seen, &((WhRecord *) in_title->pdata[i])->id);
      for (guint i = 0; i < others->len; i++)
        g_assert_false (g_hash_table_contains (seen, &((WhRecord *) others->pdata[i])->id));
      if (g_strcmp0 (words[w], "电工") == 0)
        {
          g_assert_cmpuint (in_title->len, >, 0);
          g_assert_cmpuint (others->len, >, 0);
          for (guint i = 0; i < in_title->len; i++)
            g_assert_nonnull (strstr (wh_record_get_text (in_title->pdata[i], "title"), "电工"));
          for (guint i = 0; i < others->len; i++)
            {
              g_assert_null (strstr (wh_record_get_text (others->pdata[i], "title"), "电工"));
              g_assert_cmpstr (wh_record_get_text (others->pdata[i], "employer_name"), ==,
                               "电工之家服务部");
            }
        }
      /* Paged by key after a row, as a list model pages it. */
      if (others->len > 6)
        {
          g_autoptr(GPtrArray) after = wh_store_query_page (store, rest, others->pdata[2], FALSE, 0,
                                                            3, &error);

          g_assert_no_error (error);
          assert_same_ids (after, others, 3, words[w]);
        }
    }
}

/* ---- The list model without blocking -------------------------------------------------- */

static void
test_async_query (void)
{
  g_autoptr(WhStore) store = NULL;
  g_autofree char *path = make_store (&store);
  g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) few = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhListModel) model = wh_list_model_new (store, all);
  g_autoptr(GAsyncResult) first = NULL;
  g_autoptr(GAsyncResult) second = NULL;
  g_autoptr(GError) error = NULL;
  gint64 n_few;

  wh_query_set_match (few, "电工");
  n_few = wh_store_query_count (store, few, NULL);
  g_assert_cmpint (n_few, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_JOBS);

  /* The second call supersedes the first. */
  wh_list_model_set_query_async (model, all, NULL, wh_test_result_cb, &first);
  wh_list_model_set_query_async (model, few, NULL, wh_test_result_cb, &second);
  while (first == NULL || second == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (wh_list_model_set_query_finish (model, first, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  /* Until the result is taken, the old rows stay. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, N_JOBS);
  g_assert_true (wh_list_model_set_query_finish (model, second, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, n_few);
  for (guint i = 0; i < n_few; i++)
    {
      g_autoptr(WhRecordObject) item = g_list_model_get_item (G_LIST_MODEL (model), i);
      g_assert_nonnull (item);
    }
}

/* ---- Bookmarks to the server ---------------------------------------------------------- */

static gboolean
run_sync (WhSync  *sync,
          GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  const WhCollection *none[] = { &wh_collection_fairs };

  wh_sync_run_async (sync, none, 1, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_sync_run_finish (sync, result, &report, error);
}

/* What the server stored, read from its database as it is. */
static char *
server_bookmarks (WhTestServer *server)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autoptr(GString) s = g_string_new (NULL);

  g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (server), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT job_id, applied FROM bookmarks ORDER BY job_id",
                                       -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (s, "%lld:%d ", (long long) sqlite3_column_int64 (stmt, 0),
                            sqlite3_column_int (stmt, 1));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static WhRecord *
make_bookmark (gint64      job_id,
               gboolean    applied,
               const char *when)
{
  WhRecord *b = wh_record_new (&wh_collection_bookmarks);

  wh_record_set_int (b, "job_id", job_id);
  wh_record_set_bool (b, "applied", applied);
  wh_record_set_text (b, "updated_at", when);
  return b;
}

static void
test_bookmarks_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhApi) api = NULL;
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(WhRecord) b3 = make_bookmark (3, FALSE, "2026-11-20T08:00:00+08:00");
  g_autoptr(WhRecord) b5 = make_bookmark (5, FALSE, "2026-11-20T09:00:00+08:00");
  g_autoptr(WhRecord) b5a = make_bookmark (5, TRUE, "2026-11-20T10:00:00+08:00");
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(WhRecord) got = NULL;
  g_autofree char *on_server = NULL;

  g_assert_no_error (error);
  api = wh_api_new (wh_test_server_get_url (server), &error);
  g_assert_no_error (error);
  sync = wh_sync_new (api, store);

  /* Saved offline: listed at once, queued for later. */
  g_assert_true (wh_sync_save_bookmark (store, b3, &error));
  g_assert_true (wh_sync_save_bookmark (store, b5, &error));
  g_assert_true (wh_sync_save_bookmark (store, b5a, &error));
  g_assert_no_error (error);
  list = wh_store_list_bookmarks (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpint (wh_record_get_int (list->pdata[0], "job_id"), ==, 5);
  g_assert_true (wh_record_get_bool (list->pdata[0], "applied"));
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 2);
  got = wh_store_get_bookmark (store, 4, &error);
  g_assert_null (got);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Signed in, a sync sends them. */
  {
    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(WhRecord) me = NULL;

    wh_api_login_async (api, "13800138001", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
    wh_test_await (&result);
    me = wh_api_login_finish (api, result, NULL, NULL, &error);
    g_assert_no_error (error);
  }
  g_assert_true (run_sync (sync, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 0);
  on_server = server_bookmarks (server);
  g_assert_cmpstr (on_server, ==, "3:0 5:1 ");

  /* Removed: gone here at once, and from the server after the next sync. */
  g_assert_true (wh_sync_remove_bookmark (store, 3, &error));
  g_assert_no_error (error);
  got = wh_store_get_bookmark (store, 3, &error);
  g_assert_null (got);
  g_clear_error (&error);
  g_assert_true (run_sync (sync, &error));
  g_assert_no_error (error);
  g_clear_pointer (&on_server, g_free);
  on_server = server_bookmarks (server);
  g_assert_cmpstr (on_server, ==, "5:1 ");
  g_clear_object (&sync);
  g_clear_object (&api);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* ---- Fairs to a calendar ---------------------------------------------------------------- */

/* Read back with libical's parser, as a calendar would: every TZID a time
 * names is a VTIMEZONE of the file (else strict clients take the time as
 * floating), and the start is 09:00 in China, 01:00 UTC. */
static void
assert_zones_defined (const char *ics)
{
  icalcomponent *calendar = icalparser_parse_string (ics);
  icalcomponent *event;
  icalproperty *dtstart;
  icalparameter *tzid;
  icaltimezone *zone;
  struct icaltimetype start;
  guint n_zones = 0;

  g_assert_nonnull (calendar);
  g_assert_cmpint (icalcomponent_count_errors (calendar), ==, 0);
  for (icalcomponent *c = icalcomponent_get_first_component (calendar, ICAL_VTIMEZONE_COMPONENT);
       c != NULL; c = icalcomponent_get_next_component (calendar, ICAL_VTIMEZONE_COMPONENT))
    n_zones++;
  g_assert_cmpuint (n_zones, ==, 1);
  event = icalcomponent_get_first_component (calendar, ICAL_VEVENT_COMPONENT);
  g_assert_nonnull (event);
  for (icalproperty_kind kind = ICAL_DTSTART_PROPERTY;; kind = ICAL_DTEND_PROPERTY)
    {
      icalproperty *prop = icalcomponent_get_first_property (event, kind);

      g_assert_nonnull (prop);
      tzid = icalproperty_get_first_parameter (prop, ICAL_TZID_PARAMETER);
      g_assert_nonnull (tzid);
      zone = icalcomponent_get_timezone (calendar, icalparameter_get_tzid (tzid));
      g_assert_nonnull (zone);
      if (kind == ICAL_DTEND_PROPERTY)
        break;
    }
  dtstart = icalcomponent_get_first_property (event, ICAL_DTSTART_PROPERTY);
  tzid = icalproperty_get_first_parameter (dtstart, ICAL_TZID_PARAMETER);
  zone = icalcomponent_get_timezone (calendar, icalparameter_get_tzid (tzid));
  /* icalproperty_get_dtstart leaves the zone unset: set the file's own. */
  start = icalproperty_get_dtstart (dtstart);
  start = icaltime_set_timezone (&start, zone);
  start = icaltime_convert_to_zone (start, icaltimezone_get_utc_timezone ());
  g_assert_cmpint (start.hour, ==, 1);
  g_assert_cmpint (start.minute, ==, 0);
  icalcomponent_free (calendar);
}

static void
test_fair_ics (void)
{
  g_autoptr(WhRecord) fair = wh_record_new (&wh_collection_fairs);
  g_autoptr(GError) error = NULL;
  g_autofree char *ics = NULL;
  const char *names[] = { "顺达物流", "城建集团; \"总部\"", NULL };

  fair->id = 42;
  wh_record_set_text (fair, "title", "2026年广州春风行动招聘会");
  wh_record_set_text (fair, "city", "广州市");
  wh_record_set_int (fair, "city_adcode", 440100);
  wh_record_set_text (fair, "venue", "广州市人力资源市场");
  wh_record_set_text (fair, "address", "天河区天河路 1 号, 3 楼");
  wh_record_set_text (fair, "date", "2026-12-05");
  wh_record_set_text (fair, "start_time", "09:00");
  wh_record_set_text (fair, "end_time", "16:30");
  wh_record_set_text (fair, "description", "现场招聘，请带身份证。");

  ics = wh_fair_to_ics (fair, names, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (ics, "BEGIN:VCALENDAR"));
  g_assert_nonnull (strstr (ics, "BEGIN:VEVENT"));
  g_assert_nonnull (strstr (ics, "DTSTART;TZID=Asia/Shanghai:20261205T090000"));
  g_assert_nonnull (strstr (ics, "DTEND;TZID=Asia/Shanghai:20261205T163000"));
  g_assert_nonnull (strstr (ics, "SUMMARY:2026年广州春风行动招聘会"));
  /* A comma is escaped, as the format wants. */
  g_assert_nonnull (strstr (ics, "天河区天河路 1 号\\, 3 楼"));
  g_assert_nonnull (strstr (ics, "UID:fair-42@workershome.org"));
  assert_zones_defined (ics);

  /* A fair without times is an all-day event. */
  wh_record_unset (fair, "start_time");
  wh_record_unset (fair, "end_time");
  g_clear_pointer (&ics, g_free);
  ics = wh_fair_to_ics (fair, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (ics, "DTSTART;VALUE=DATE:20261205"));

  /* A broken date is an error, not a calendar for the wrong day. */
  wh_record_set_text (fair, "date", "2026-13-45");
  g_clear_pointer (&ics, g_free);
  ics = wh_fair_to_ics (fair, NULL, &error);
  g_assert_null (ics);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/jobs/filters/combinations", test_filter_combinations);
  g_test_add_func ("/jobs/filters/combinations/split", test_filter_combinations_split);
  g_test_add_func ("/jobs/filters/settings", test_filter_settings);
  g_test_add_func ("/jobs/query/rare-filter", test_rare_filter);
  g_test_add_func ("/jobs/query/distance", test_distance_order);
  g_test_add_func ("/jobs/query/distance/split", test_distance_order_split);
  g_test_add_func ("/jobs/query/pay-order", test_pay_order);
  g_test_add_func ("/jobs/cache/index-change", test_index_change);
  g_test_add_func ("/jobs/query/match-field", test_match_field);
  g_test_add_func ("/jobs/list-model/async", test_async_query);
  g_test_add_func ("/jobs/bookmarks/server", test_bookmarks_server);
  g_test_add_func ("/jobs/fairs/ics", test_fair_ics);
  return g_test_run ();
}
