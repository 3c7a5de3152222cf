/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "wh-list-model.h"
#include "wh-test-store.h"
#include "wh-test.h"

#define N_JOBS 2345

static const char * const titles[] = { "电工", "高级电工技师", "保洁员", "快递员", "叉车司机", "焊工" };
/* "包吃" is a prefix of "包吃住", and % and _ must not act as wildcards. */
static const char * const welfare_tags[] = { "五险一金", "包吃住", "包吃", "100%_全勤", "日结" };

static WhStore *
make_jobs_store (void)
{
  WhStore *store = wh_test_store_new (NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (42);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;

  for (guint i = 1; i <= N_JOBS; i++)
    {
      WhRecord *job = wh_test_make_job (i, i, titles[g_rand_int_range (rand, 0, G_N_ELEMENTS (titles))],
                                        NULL);
      g_autofree char *date = g_strdup_printf ("2026-%02d-%02d", g_rand_int_range (rand, 1, 13),
                                               g_rand_int_range (rand, 1, 29));

      /* Many ties in both sort keys, so the id tie-break matters. */
      wh_record_set_text (job, "posted_at", date);
      wh_record_set_int (job, "salary_min", 1000 * g_rand_int_range (rand, 3, 9));
      {
        const char *welfare[G_N_ELEMENTS (welfare_tags) + 1] = { NULL };
        guint n = 0;

        for (guint t = 0; t < G_N_ELEMENTS (welfare_tags); t++)
          if (g_rand_boolean (rand))
            welfare[n++] = welfare_tags[t];
        wh_record_set_strv (job, "welfare", welfare);
      }
      g_ptr_array_add (page->records, job);
    }
  page->next_since = N_JOBS;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  return store;
}

/* The ids a plain SQL query gives, for comparison. */
static GArray *
sql_ids (WhStore    *store,
         const char *sql)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (wh_store_get_path (store), &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

static gint64
item_id (GListModel *model,
         guint       position)
{
  g_autoptr(WhRecordObject) item = g_list_model_get_item (model, position);

  g_assert_nonnull (item);
  g_assert_true (WH_IS_RECORD_OBJECT (item));
  return wh_record_object_get_id (item);
}

static void
check_model (WhStore       *store,
             const WhQuery *query,
             const char    *sql)
{
  g_autoptr(WhListModel) list = wh_list_model_new (store, query);
  GListModel *model = G_LIST_MODEL (list);
  g_autoptr(GArray) expected = sql_ids (store, sql);
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  guint n = expected->len;

  g_assert_cmpuint (n, >, WH_LIST_MODEL_PAGE_SIZE * 3);
  g_assert_true (g_list_model_get_item_type (model) == WH_TYPE_RECORD_OBJECT);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, n);
  g_assert_null (g_list_model_get_item (model, n));

  /* Scrolling down, then up (pages found by key before the kept ones). */
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (item_id (model, i), ==, g_array_index (expected, gint64, i));
  for (guint i = n; i-- > 0;)
    g_assert_cmpint (item_id (model, i), ==, g_array_index (expected, gint64, i));
  /* Jumps, and scrolling up from a jump. */
  for (int j = 0; j < 200; j++)
    {
      guint pos = (guint) g_rand_int_range (rand, 0, (gint32) n);
      g_assert_cmpint (item_id (model, pos), ==, g_array_index (expected, gint64, pos));
    }
  wh_list_model_reload (list);
  for (guint i = n; i-- > n - 350;)
    g_assert_cmpint (item_id (model, i), ==, g_array_index (expected, gint64, i));
}

static void
test_orders_and_filters (void)
{
  g_autoptr(WhStore) store = make_jobs_store ();
  g_autoptr(WhQuery) by_id = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) by_date = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) by_salary = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) by_title = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) matched = wh_query_new (&wh_collection_jobs);

  check_model (store, by_id, "SELECT id FROM jobs ORDER BY id");

  wh_query_set_order (by_date, "posted_at", TRUE);
  wh_query_where_text (by_date, "category", WH_QUERY_EQ, "trades");
  check_model (store, by_date,
               "SELECT id FROM jobs WHERE category = 'trades' ORDER BY posted_at DESC, id DESC");

  wh_query_set_order (by_salary, "salary_min", FALSE);
  wh_query_where_int (by_salary, "salary_min", WH_QUERY_GE, 4000);
  wh_query_where_int (by_salary, "salary_min", WH_QUERY_LT, 8000);
  wh_query_where_region (by_salary, 110105);
  check_model (store, by_salary,
               "SELECT id FROM jobs WHERE salary_min >= 4000 AND salary_min < 8000"
               " AND adcode = 110105 ORDER BY salary_min, id");

  wh_query_set_order (by_title, "title", TRUE);
  wh_query_where_region (by_title, 110000);
  check_model (store, by_title,
               "SELECT id FROM jobs WHERE province_adcode = 110000 ORDER BY title DESC, id DESC");

  wh_query_set_order (matched, "posted_at", FALSE);
  wh_query_set_match (matched, "电工");
  check_model (store, matched,
               "SELECT id FROM jobs WHERE title LIKE '%电工%' ORDER BY posted_at, id");
}

/* A list field holding an item: exact items, never a prefix or a pattern. */
static void
test_list_field_filters (void)
{
  g_autoptr(WhStore) store = make_jobs_store ();
  g_autoptr(WhQuery) one = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) two = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) none = wh_query_new (&wh_collection_jobs);

#define HAS(tag) "instr (char(31) || welfare || char(31), char(31) || '" tag "' || char(31)) > 0"
  wh_query_where_has (one, "welfare", "包吃");
  check_model (store, one, "SELECT id FROM jobs WHERE " HAS ("包吃") " ORDER BY id");
  /* Independently of instr (): GLOB has no meaning for % or _. */
  check_model (store, one,
               "SELECT id FROM jobs WHERE (char(31) || welfare || char(31)) GLOB"
               " ('*' || char(31) || '包吃' || char(31) || '*') ORDER BY id");

  wh_query_set_order (two, "salary_min", TRUE);
  wh_query_where_has (two, "welfare", "100%_全勤");
  wh_query_where_has (two, "welfare", "日结");
  check_model (store, two,
               "SELECT id FROM jobs WHERE (char(31) || welfare || char(31)) GLOB"
               " ('*' || char(31) || '100%_全勤' || char(31) || '*') AND " HAS ("日结")
               " ORDER BY salary_min DESC, id DESC");
#undef HAS

  /* A pattern that a LIKE would take as "anything" matches nothing. */
  wh_query_where_has (none, "welfare", "%");
  g_assert_cmpint (wh_store_query_count (store, none, NULL), ==, 0);
  wh_query_where_has (none, "welfare", "");
  g_assert_cmpint (wh_store_query_count (store, none, NULL), ==, 0);
}

/* What a list view holds: the items of the rows it shows (here the first
 * SHOWN), fetched again when a signal says they changed. */
#define SHOWN 150

typedef struct
{
  gint64 ids[SHOWN];
  guint  calls;
  guint  most_added; /* the largest range a view would walk item by item */
} View;

static void
view_fill (View       *view,
           GListModel *model,
           guint       from,
           guint       to)
{
  for (guint i = from; i < MIN (to, (guint) SHOWN); i++)
    view->ids[i] = i < g_list_model_get_n_items (model) ? item_id (model, i) : 0;
}

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  View       *view)
{
  view->calls++;
  if (removed > 0 && position < SHOWN)
    view->most_added = MAX (view->most_added, added);
  if (removed == added)
    view_fill (view, model, position, position + added);
  else
    view_fill (view, model, position, G_MAXUINT); /* the rows below move */
}

static void
test_reload_after_sync (void)
{
  g_autoptr(WhStore) store = make_jobs_store ();
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhListModel) list = NULL;
  g_autoptr(WhRecordObject) first = NULL;
  g_autoptr(GArray) expected = NULL;
  View view = { { 0, }, 0, 0 };
  gint64 deadline;

  wh_query_set_order (query, NULL, TRUE);
  list = wh_list_model_new (store, query);
  view_fill (&view, G_LIST_MODEL (list), 0, SHOWN);
  g_assert_cmpint (view.ids[0], ==, N_JOBS);
  g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &view);

  /* A sync writes: the model follows through the main loop, once. */
  wh_test_apply (store, &wh_collection_jobs, NULL, N_JOBS + 1,
                 wh_test_make_job (N_JOBS + 1, N_JOBS + 1, "新岗位", NULL), NULL);
  wh_test_apply (store, &wh_collection_jobs, NULL, N_JOBS + 2,
                 wh_test_make_job (5, N_JOBS + 2, "焊工", NULL), NULL);
  g_assert_cmpuint (view.calls, ==, 0);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (view.calls == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (view.calls, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_JOBS + 1);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpint (wh_record_object_get_id (first), ==, N_JOBS + 1);
  g_assert_cmpstr (wh_record_object_get_title (first), ==, "新岗位");
  g_assert_cmpstr (wh_record_object_get_collection (first), ==, "jobs");

  /* The view was told enough to show exactly the new rows, all of them... */
  expected = sql_ids (store, "SELECT id FROM jobs ORDER BY id DESC LIMIT " G_STRINGIFY (SHOWN));
  for (guint i = 0; i < SHOWN; i++)
    g_assert_cmpint (view.ids[i], ==, g_array_index (expected, gint64, i));
  /* ...and never had to look for its rows among all the items (GTK does,
   * one get_item() each, when a range it shows is removed and re-added). */
  g_assert_cmpuint (view.most_added, <=, 8 * WH_LIST_MODEL_PAGE_SIZE);
}

static void
test_set_query (void)
{
  g_autoptr(WhStore) store = make_jobs_store ();
  g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) some = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhListModel) list = wh_list_model_new (store, all);
  g_autoptr(GArray) expected = sql_ids (store, "SELECT id FROM jobs WHERE title = '焊工' ORDER BY id");

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, N_JOBS);
  wh_query_where_text (some, "title", WH_QUERY_EQ, "焊工");
  {
    View view = { { 0, }, 0, 0 };
    gulong id = g_signal_connect (list, "items-changed", G_CALLBACK (items_changed_cb), &view);

    view_fill (&view, G_LIST_MODEL (list), 0, SHOWN);
    wh_list_model_set_query (list, some);
    g_signal_handler_disconnect (list, id);
    /* every row replaced, without a walk over the new items */
    g_assert_cmpuint (view.calls, ==, 2);
    g_assert_cmpuint (view.most_added, ==, 0);
    for (guint i = 0; i < SHOWN; i++)
      g_assert_cmpint (view.ids[i], ==, i < expected->len ? g_array_index (expected, gint64, i) : 0);
  }
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, expected->len);
  g_assert_cmpint (item_id (G_LIST_MODEL (list), expected->len - 1), ==,
                   g_array_index (expected, gint64, expected->len - 1));
}

/* Runs the main loop until check is true or ms pass. */
static gboolean
spin_until (gboolean (*check) (gpointer),
            gpointer   data,
            guint      ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      if (check (data))
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
    }
  return check (data);
}

static void
set_query_done_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      data)
{
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_list_model_set_query_finish (WH_LIST_MODEL (object), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
store_changed_cb (WhStore    *store,
                  const char *collection,
                  gpointer    data)
{
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
n_items_not (gpointer data)
{
  gpointer *args = data;

  return g_list_model_get_n_items (args[0]) != GPOINTER_TO_UINT (args[1]);
}

/* A sync writes while a new query is being read: the reload it schedules
 * used to read the old query and, tagged as the newest, put its rows back
 * over the new query's (issue #16: the jobs list showed every job after a
 * search). */
static void
test_reload_during_set_query (void)
{
  g_autoptr(WhStore) store = make_jobs_store ();
  g_autoptr(WhQuery) all = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhQuery) some = wh_query_new (&wh_collection_jobs);
  g_autoptr(WhListModel) list = wh_list_model_new (store, all);
  g_autoptr(GArray) expected = NULL;
  gboolean changed = FALSE, done = FALSE;
  GSource *reload;
  gpointer args[2];

  wh_query_where_text (some, "title", WH_QUERY_EQ, "焊工");
  g_signal_connect (store, "changed", G_CALLBACK (store_changed_cb), &changed);
  wh_test_apply (store, &wh_collection_jobs, NULL, N_JOBS + 1,
                 wh_test_make_job (N_JOBS + 1, N_JOBS + 1, "新岗位", NULL), NULL);
  /* The model heard of the write first (it connected first): its reload is
   * scheduled. Wait until it is due, without running it. */
  g_assert_true (spin_until (is_true, &changed, 5000));
  reload = g_main_context_find_source_by_user_data (NULL, list);
  g_assert_nonnull (reload);
  while (g_get_monotonic_time () < g_source_get_ready_time (reload))
    g_thread_yield ();
  /* The new query starts reading, then the reload starts before it is in. */
  wh_list_model_set_query_async (list, some, NULL, set_query_done_cb, &done);
  g_main_context_iteration (NULL, FALSE);
  g_assert_true (spin_until (is_true, &done, 5000));

  expected = sql_ids (store, "SELECT id FROM jobs WHERE title = '焊工' ORDER BY id");
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, expected->len);
  /* Whatever the reload reads, it reads the new query. */
  args[0] = list;
  args[1] = GUINT_TO_POINTER (expected->len);
  g_assert_false (spin_until (n_items_not, args, 1000));
  g_signal_handlers_disconnect_by_data (store, &changed);
}

static void
test_empty_and_dispose (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_stations);
  WhListModel *list = wh_list_model_new (store, query);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 0));
  /* A change after the model is gone reaches nobody. */
  g_object_unref (list);
  wh_test_apply (store, &wh_collection_stations, NULL, 1,
                 wh_test_make_station (1, 1, "驿站", 39.9, 116.4), NULL);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/list-model/orders-and-filters", test_orders_and_filters);
  g_test_add_func ("/list-model/list-field-filters", test_list_field_filters);
  g_test_add_func ("/list-model/reload-after-sync", test_reload_after_sync);
  g_test_add_func ("/list-model/set-query", test_set_query);
  g_test_add_func ("/list-model/reload-during-set-query", test_reload_during_set_query);
  g_test_add_func ("/list-model/empty-and-dispose", test_empty_and_dispose);

  return g_test_run ();
}
