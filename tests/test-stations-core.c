/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stations service without widgets (src/core/wh-stations.c): the list
 * (nearest, or what was typed, through the filters), on the store's ordered
 * queue too; the status filter's choices; the box of the saved cities; a
 * problem report reaching the real server through the outbox (suite server). */
#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "wh-stations.h"
#include "wh-sync.h"
#include "wh-test-server.h"
#include "wh-test-store.h"
#include "wh-test.h"

/* ---- The list ----------------------------------------------------------- */

/* Six stations near Beijing's centre (39.90, 116.40), going north; the
 * even ones have hot water and are called 热水站, the odd ones 驿站. */
static WhStore *
list_store_new (char **dir)
{
  WhStore *store = wh_test_store_new (dir);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_stations);
  g_autoptr(GError) error = NULL;

  for (gint64 id = 1; id <= 6; id++)
    {
      g_autofree char *name = g_strdup_printf ("%s %" G_GINT64_FORMAT,
                                               id % 2 ? "驿站" : "热水站", id);
      /* Ids out of distance order: 6 is nearest, then 5, ... */
      WhRecord *r = wh_test_make_station (id, id, name, 39.90 + (7 - id) * 0.01, 116.40);
      const char *hot[] = { "hot_water", NULL };

      if (id % 2 == 0)
        wh_record_set_strv (r, "amenities", hot);
      g_ptr_array_add (page->records, r);
    }
  page->next_since = 6;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  return store;
}

static void
assert_ids (GPtrArray    *items,
            const gint64 *ids,
            guint         n)
{
  g_assert_nonnull (items);
  g_assert_cmpuint (items->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      const WhNearby *item = items->pdata[i];

      g_assert_cmpint (item->record->id, ==, ids[i]);
      if (i > 0)
        g_assert_cmpfloat (item->distance_m, >=, ((WhNearby *) items->pdata[i - 1])->distance_m);
    }
}

static guint
hot_water_bit (void)
{
  for (guint i = 0; wh_amenities[i]; i++)
    if (g_str_equal (wh_amenities[i], "hot_water"))
      return 1u << i;
  g_assert_not_reached ();
}

static void
test_list (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = list_store_new (&dir);
  g_autoptr(GError) error = NULL;
  WhStationFilter hot = WH_STATION_FILTER_INIT;
  WhStationFilter closed = WH_STATION_FILTER_INIT;
  gint64 total = 0;

  hot.amenities = hot_water_bit ();
  closed.status = "closed";

  /* Nearest first, cut to the limit; nothing counted when found. */
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, NULL, NULL, 39.90, 116.40, 3, &total,
                                                   &error);
    static const gint64 want[] = { 6, 5, 4 };

    g_assert_no_error (error);
    assert_ids (items, want, 3);
    g_assert_cmpint (total, ==, -1);
  }
  /* An empty search is no search; the filter applies. */
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, &hot, "", 39.90, 116.40, 10, NULL,
                                                   &error);
    static const gint64 want[] = { 6, 4, 2 };

    g_assert_no_error (error);
    assert_ids (items, want, 3);
  }
  /* What was typed, through the filter, nearest first, cut to the limit,
   * measured from the origin given (here north of them all). */
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, NULL, "驿站", 40.5, 116.40, 10, NULL,
                                                   &error);
    static const gint64 want[] = { 1, 3, 5 };

    g_assert_no_error (error);
    assert_ids (items, want, 3);
  }
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, &hot, "站", 39.90, 116.40, 2, NULL,
                                                   &error);
    static const gint64 want[] = { 6, 4 };

    g_assert_no_error (error);
    assert_ids (items, want, 2);
  }
  /* Nothing matches: how many are cached, so the view can say which. */
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, &closed, NULL, 39.90, 116.40, 10,
                                                   &total, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (items->len, ==, 0);
    g_assert_cmpint (total, ==, 6);
  }
  {
    g_autoptr(GPtrArray) items = wh_stations_list (store, &hot, "驿站", 39.90, 116.40, 10,
                                                   &total, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (items->len, ==, 0);
    g_assert_cmpint (total, ==, 6);
  }
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

static void
test_list_empty_cache (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  gint64 total = -1;

  items = wh_stations_list (store, NULL, "驿站", 39.90, 116.40, 10, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 0);
  g_assert_cmpint (total, ==, 0);
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* The same answer on the store's ordered queue, the filter copied (the
 * caller's status string may be gone before the read runs); a cancelled
 * read says so. */
static void
test_list_async (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = list_store_new (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) items = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  WhStationFilter filter = WH_STATION_FILTER_INIT;
  g_autofree char *status = g_strdup ("open");
  gint64 total = 0;
  static const gint64 want[] = { 6, 4 };

  filter.amenities = hot_water_bit ();
  filter.status = status;
  wh_stations_list_async (store, &filter, NULL, 39.90, 116.40, 2, NULL, wh_test_result_cb,
                          &result);
  memset (status, 'x', strlen (status));
  wh_test_await (&result);
  items = wh_stations_list_finish (store, result, &total, &error);
  g_assert_no_error (error);
  assert_ids (items, want, 2);
  g_assert_cmpint (total, ==, -1);
  g_clear_pointer (&items, g_ptr_array_unref);
  g_clear_object (&result);

  filter.status = "closed";
  wh_stations_list_async (store, &filter, "站", 39.90, 116.40, 2, NULL, wh_test_result_cb,
                          &result);
  wh_test_await (&result);
  items = wh_stations_list_finish (store, result, &total, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (items->len, ==, 0);
  g_assert_cmpint (total, ==, 6);
  g_clear_pointer (&items, g_ptr_array_unref);
  g_clear_object (&result);

  g_cancellable_cancel (cancellable);
  wh_stations_list_async (store, NULL, NULL, 39.90, 116.40, 2, cancellable, wh_test_result_cb,
                          &result);
  wh_test_await (&result);
  items = wh_stations_list_finish (store, result, &total, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (items);
  g_assert_cmpint (total, ==, -1);
  g_clear_object (&result);

  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

static void
test_status_at (void)
{
  g_assert_null (wh_stations_status_at (0));
  for (guint i = 0; wh_station_statuses[i]; i++)
    g_assert_cmpstr (wh_stations_status_at (i + 1), ==, wh_station_statuses[i]);
  g_assert_null (wh_stations_status_at (g_strv_length ((char **) wh_station_statuses) + 1));
  g_assert_null (wh_stations_status_at (G_MAXUINT));
}

static void
test_cities_extent (void)
{
  g_autoptr(GPtrArray) cities = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_city_centre_free);
  static const double places[][2] = { { 39.9, 116.4 }, { 31.2, 121.5 }, { 23.1, 113.3 } };
  double box[4] = { 1, 2, 3, 4 };

  /* None: the box is left alone. */
  g_assert_false (wh_stations_cities_extent (cities, box));
  g_assert_cmpfloat (box[0], ==, 1);
  g_assert_cmpfloat (box[3], ==, 4);
  for (guint i = 0; i < G_N_ELEMENTS (places); i++)
    {
      WhCityCentre *city = g_new0 (WhCityCentre, 1);

      city->city = g_strdup ("某市");
      city->lat = places[i][0];
      city->lon = places[i][1];
      city->n_stations = 1;
      g_ptr_array_add (cities, city);
    }
  g_assert_true (wh_stations_cities_extent (cities, box));
  g_assert_cmpfloat (box[0], ==, 23.1);
  g_assert_cmpfloat (box[1], ==, 113.3);
  g_assert_cmpfloat (box[2], ==, 39.9);
  g_assert_cmpfloat (box[3], ==, 121.5);
  /* One city: a point. */
  g_ptr_array_set_size (cities, 1);
  g_assert_true (wh_stations_cities_extent (cities, box));
  g_assert_cmpfloat (box[0], ==, box[2]);
  g_assert_cmpfloat (box[1], ==, box[3]);
}

/* ---- Reports ------------------------------------------------------------ */

static void
test_report_async (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  wh_station_report_queue_async (store, 3, "closed", "门锁着", NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_station_report_queue_finish (store, result, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 1);
  g_clear_object (&result);

  /* Cancelled before it ran: reported so, whatever the thread did. */
  g_cancellable_cancel (cancellable);
  wh_station_report_queue_async (store, 4, "other", NULL, cancellable, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_false (wh_station_report_queue_finish (store, result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&result);

  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* ---- Reports through the outbox ----------------------------------------- */

static gint64
server_count (WhTestServer *server,
              const char   *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (server), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_report_reaches_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = wh_test_server_start ("tiny", &error);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  g_autoptr(WhApi) api = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) built = wh_station_report_new (5, "other", "水壶坏了");

  g_assert_no_error (error);
  /* The record is what the contract wants. */
  g_assert_cmpint (wh_record_get_int (built, "station_id"), ==, 5);
  g_assert_cmpstr (wh_record_get_text (built, "comment"), ==, "水壶坏了");
  g_assert_cmpuint (strlen (wh_record_get_text (built, "report_id")), ==, 36);

  api = wh_api_new (wh_test_server_get_url (server), &error);
  g_assert_no_error (error);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (wh_station_report_queue (store, 3, "no_hot_water", NULL, &error));
  g_assert_true (wh_station_report_queue (store, 4, "broken_charger", "充电口松了", &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 2);

  wh_api_login_async (api, "13800138001", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  me = wh_api_login_finish (api, result, NULL, NULL, &error);
  g_assert_no_error (error);
  g_clear_object (&result);

  sync = wh_sync_new (api, store);
  wh_sync_run_async (sync, NULL, 0, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_sync_run_finish (sync, result, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (report->outbox_sent, ==, 2);
  g_assert_cmpint (wh_store_outbox_count (store, NULL), ==, 0);
  g_assert_cmpint (server_count (server, "SELECT count(*) FROM station_reports"), ==, 2);
  g_assert_cmpint (server_count (server, "SELECT count(*) FROM station_reports WHERE"
                                         " station_id = 4"), ==, 1);
  g_clear_object (&sync);
  g_clear_object (&store);
  g_clear_object (&api);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  wh_test_remove_tmpdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/stations-core/list", test_list);
  g_test_add_func ("/stations-core/list/empty-cache", test_list_empty_cache);
  g_test_add_func ("/stations-core/list/async", test_list_async);
  g_test_add_func ("/stations-core/status-at", test_status_at);
  g_test_add_func ("/stations-core/cities-extent", test_cities_extent);
  g_test_add_func ("/stations-core/report/async", test_report_async);
  g_test_add_func ("/stations-core/report/reaches-server", test_report_reaches_server);
  return g_test_run ();
}
