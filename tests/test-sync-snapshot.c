/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A first sync of jobs through the region snapshot (#22): the same cache as
 * through the feed, the changes after its rev, regions, closed jobs left
 * out, the server's ETag and limits, hostile files refused as a whole with
 * the feed taking over, a client killed inside the import, and a download
 * cut off (dropped, killed) that goes on where it stopped. */
#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <zstd.h>

#include "wh-snapshot.h"
#include "wh-store-private.h"
#include "wh-sync.h"
#include "wh-test-cache.h"
#include "wh-test-server.h"
#include "wh-test.h"

WH_TEST_CLIENT_FIXTURE

static WhSyncCollectionReport *
jobs_report (WhSyncReport *report)
{
  for (guint i = 0; i < report->collections->len; i++)
    {
      WhSyncCollectionReport *cr = &g_array_index (report->collections,
                                                   WhSyncCollectionReport, i);

      if (cr->collection == &wh_collection_jobs)
        return cr;
    }
  g_assert_not_reached ();
  return NULL;
}

/* Syncs the jobs alone (a whole sync through the snapshot is test-sync's
 * /sync/full) and returns the report. */
static WhSyncReport *
sync_jobs_ok (WhSync *sync)
{
  static const WhCollection *only_jobs[] = { &wh_collection_jobs };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  WhSyncReport *report = NULL;

  wh_sync_run_async (sync, only_jobs, 1, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (wh_sync_run_finish (sync, result, &report, &error));
  g_assert_no_error (error);
  g_assert_no_error (jobs_report (report)->error);
  return report;
}

static void
assert_jobs_whole (Fixture *f,
                   WhStore *store)
{
  wh_test_assert_collection_equal (wh_test_server_get_db_path (f->c.server), store,
                                   &wh_collection_jobs, 0);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);
}

/* A second client of the same server, with a cache of its own. */
typedef struct
{
  char    *path;
  WhApi   *api;
  WhStore *store;
  WhSync  *sync;
} Client;

static Client *
client_new (Fixture    *f,
            const char *name,
            const char *url)
{
  g_autoptr(GError) error = NULL;
  Client *c = g_new0 (Client, 1);

  c->path = g_build_filename (f->c.dir, name, NULL);
  c->api = wh_api_new (url ? url : wh_test_server_get_url (f->c.server), &error);
  g_assert_no_error (error);
  wh_api_set_retry_policy (c->api, 2, 10, 50, 100);
  c->store = wh_store_open (c->path, &error);
  g_assert_no_error (error);
  c->sync = wh_sync_new (c->api, c->store);
  return c;
}

static void
client_free (Client *c)
{
  g_clear_object (&c->sync);
  g_clear_object (&c->store);
  g_clear_object (&c->api);
  g_free (c->path);
  g_free (c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* No "<cache>.snapshot*" file: neither the scratch nor a kept download. */
static gboolean
temp_files_gone (const char *cache_path)
{
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *base = g_path_get_basename (cache_path);
  g_autofree char *prefix = g_strconcat (base, ".snapshot", NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    if (g_str_has_prefix (name, prefix))
      {
        g_test_message ("left: %s", name);
        return FALSE;
      }
  return TRUE;
}

/* ---- Through the snapshot and through the feed: the same cache ---------- */

static gint64
search_count (WhStore    *store,
              const char *text)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
  g_autoptr(GError) error = NULL;
  gint64 n;

  wh_query_set_match (query, text);
  n = wh_store_query_count (store, query, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, >=, 0);
  return n;
}

static void
test_same_cache (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(Client) feed = client_new (f, "feed.db", NULL);
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhSyncReport) feed_report = NULL;
  guint closed = wh_test_count_closed_jobs (wh_test_server_get_db_path (f->c.server));
  static const char * const searches[] = { "电工", "bj", "dian gong", "焊工", "普工" };

  report = sync_jobs_ok (f->c.sync);
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, 600 - closed);
  g_assert_cmpuint (jobs_report (report)->deleted, ==, 0);
  g_assert_true (temp_files_gone (f->c.cache_path));
  assert_jobs_whole (f, f->c.store);
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);

  wh_sync_set_use_snapshots (feed->sync, FALSE);
  feed_report = sync_jobs_ok (feed->sync);
  g_assert_cmpuint (jobs_report (feed_report)->snapshot, ==, 0);
  g_assert_cmpuint (jobs_report (feed_report)->pages, >, 0);
  assert_jobs_whole (f, feed->store);
  /* The same rows, indexed alike: the searches agree. */
  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    g_assert_cmpint (search_count (f->c.store, searches[i]), ==,
                     search_count (feed->store, searches[i]));
  g_assert_cmpint (wh_store_get_cursor (f->c.store, &wh_collection_jobs, NULL, NULL), >, 0);

  /* Nothing new: the next run is the feed's, from the snapshot's rev. */
  g_clear_pointer (&report, wh_sync_report_free);
  report = sync_jobs_ok (f->c.sync);
  g_assert_cmpuint (jobs_report (report)->records, ==, 0);
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
}

/* ---- Changes after the snapshot's rev come through the feed -------------- */

static void
test_changes_after (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(Client) second = client_new (f, "second.db", NULL);
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhRecord) added = NULL;
  WhRecord *changed;
  gint64 deleted_id;
  guint64 first_rows;

  /* The first client makes the server build it. */
  report = sync_jobs_ok (f->c.sync);
  first_rows = jobs_report (report)->snapshot;
  g_assert_cmpuint (first_rows, >, 0);

  /* Three changes, fewer than the server's lag: it serves the same file. */
  {
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
    g_autoptr(GPtrArray) rows = wh_store_query (f->c.store, query, 0, 3, NULL);

    g_assert_nonnull (rows);
    g_assert_cmpuint (rows->len, ==, 3);
    changed = wh_record_copy (g_ptr_array_index (rows, 0));
    wh_record_set_text (changed, "title", "快照之后改过的岗位");
    wh_test_server_put_record (f->c.server, changed);
    deleted_id = ((WhRecord *) g_ptr_array_index (rows, 1))->id;
    wh_test_server_delete_record (f->c.server, &wh_collection_jobs, deleted_id);
    added = wh_record_copy (g_ptr_array_index (rows, 2));
    added->id = 99999901;
    wh_record_set_text (added, "title", "快照之后新加的岗位");
    wh_test_server_put_record (f->c.server, added);
    wh_record_free (changed);
  }

  g_clear_pointer (&report, wh_sync_report_free);
  report = sync_jobs_ok (second->sync);
  /* The snapshot's rows, then the feed's: the new job, the changed one. */
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, first_rows);
  g_assert_cmpuint (jobs_report (report)->records, ==, first_rows + 2);
  g_assert_cmpuint (jobs_report (report)->deleted, ==, 1);
  assert_jobs_whole (f, second->store);
  g_assert_cmpint (search_count (second->store, "快照之后新加的岗位"), ==, 1);
  g_assert_cmpint (search_count (second->store, "快照之后改过的岗位"), ==, 1);

  /* The first client gets the same changes through its feed. */
  g_clear_pointer (&report, wh_sync_report_free);
  report = sync_jobs_ok (f->c.sync);
  g_assert_cmpuint (jobs_report (report)->records, ==, 2);
  assert_jobs_whole (f, f->c.store);
}

/* ---- A region's snapshot holds that region's jobs only ------------------- */

static void
test_region (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  gint region = 0;

  {
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
    g_autoptr(Client) probe = client_new (f, "probe.db", NULL);
    g_autoptr(WhSyncReport) probe_report = sync_jobs_ok (probe->sync);
    g_autoptr(GPtrArray) rows = wh_store_query (probe->store, query, 0, 1, NULL);

    g_assert_cmpuint (rows->len, ==, 1);
    region = (gint) wh_record_get_int (g_ptr_array_index (rows, 0), "adcode");
  }
  g_assert_cmpint (region, >, 0);
  wh_sync_set_region (f->c.sync, region);
  report = sync_jobs_ok (f->c.sync);
  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  g_assert_cmpuint (jobs_report (report)->snapshot, <, 600);
  g_assert_cmpuint (wh_test_assert_collection_equal (wh_test_server_get_db_path (f->c.server),
                                                     f->c.store, &wh_collection_jobs, region),
                    ==, jobs_report (report)->snapshot);
  wh_test_assert_cache_consistent (f->c.cache_path, region, FALSE);
}

/* ---- A second region: its snapshot into a cache holding the first's ------ */

/* A district's adcode of a cached job, other than avoid (0: any). */
static gint
district_of (WhStore *store,
             gint     avoid)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
  g_autoptr(GPtrArray) rows = wh_store_query (store, query, 0, 1000, NULL);

  g_assert_nonnull (rows);
  for (guint i = 0; i < rows->len; i++)
    {
      gint adcode = (gint) wh_record_get_int (g_ptr_array_index (rows, i), "adcode");

      if (adcode % 100 != 0 && adcode != avoid)
        return adcode;
    }
  g_assert_not_reached ();
  return 0;
}

static void
test_second_region (Fixture      *f,
                    gconstpointer data)
{
  static const char * const searches[] = { "电工", "bj", "dian gong", "焊工", "普工", "司机" };
  g_autoptr(Client) probe = client_new (f, "probe.db", NULL);
  g_autoptr(Client) feed = client_new (f, "feed.db", NULL);
  g_autoptr(WhSyncReport) probe_report = sync_jobs_ok (probe->sync);
  gint first = district_of (probe->store, 0);
  gint second = district_of (probe->store, first);
  guint64 first_rows, second_rows;

  /* A worker's region, then the one they moved to: both from snapshots,
   * each into tables of its own, each built at once on two cores. */
  wh_store_set_build_all (f->c.store, 1);
  wh_sync_set_region (f->c.sync, first);
  {
    g_autoptr(WhSyncReport) report = sync_jobs_ok (f->c.sync);

    first_rows = jobs_report (report)->snapshot;
  }
  wh_sync_set_region (f->c.sync, second);
  {
    g_autoptr(WhSyncReport) report = sync_jobs_ok (f->c.sync);

    second_rows = jobs_report (report)->snapshot;
    g_assert_cmpuint (jobs_report (report)->error ? 1 : 0, ==, 0);
  }
  g_assert_cmpuint (first_rows, >, 0);
  g_assert_cmpuint (second_rows, >, 0);
  g_assert_cmpuint (wh_store_get_builds_at_once (f->c.store), ==, 2);
  g_assert_cmpuint (wh_store_get_builds_in_one (f->c.store), ==, 0);
  g_assert_cmpint (wh_test_db_query_int (f->c.cache_path, "SELECT count(*) FROM region_tables"),
                   ==, 2);
  g_assert_cmpint (wh_test_db_query_int (f->c.cache_path, "SELECT count(*) FROM jobs"), ==, 0);
  g_assert_cmpint (wh_store_get_indexes_pending (f->c.store, &wh_collection_jobs, NULL), ==, 0);
  g_assert_true (temp_files_gone (f->c.cache_path));

  /* The same cache as the feed's, region by region. */
  wh_sync_set_use_snapshots (feed->sync, FALSE);
  wh_sync_set_region (feed->sync, first);
  g_clear_pointer (&probe_report, wh_sync_report_free);
  probe_report = sync_jobs_ok (feed->sync);
  wh_sync_set_region (feed->sync, second);
  g_clear_pointer (&probe_report, wh_sync_report_free);
  probe_report = sync_jobs_ok (feed->sync);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_jobs, NULL), ==,
                   (gint64) (first_rows + second_rows));
  g_assert_cmpint (wh_store_count (feed->store, &wh_collection_jobs, NULL), ==,
                   (gint64) (first_rows + second_rows));
  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    g_assert_cmpint (search_count (f->c.store, searches[i]), ==,
                     search_count (feed->store, searches[i]));
  wh_test_assert_cache_consistent (f->c.cache_path, second, TRUE);

  /* The first district's city shares its rows: its snapshot is refused
   * whole, and the feed brings the city. */
  wh_sync_set_region (f->c.sync, first / 100 * 100);
  {
    g_autoptr(WhSyncReport) report = sync_jobs_ok (f->c.sync);

    g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
    g_assert_cmpuint (jobs_report (report)->records, >=, first_rows);
  }
  wh_sync_set_region (feed->sync, first / 100 * 100);
  g_clear_pointer (&probe_report, wh_sync_report_free);
  probe_report = sync_jobs_ok (feed->sync);
  g_assert_cmpint (wh_store_count (f->c.store, &wh_collection_jobs, NULL), ==,
                   wh_store_count (feed->store, &wh_collection_jobs, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    g_assert_cmpint (search_count (f->c.store, searches[i]), ==,
                     search_count (feed->store, searches[i]));
  g_assert_true (temp_files_gone (f->c.cache_path));
  wh_test_assert_cache_consistent (f->c.cache_path, first / 100 * 100, TRUE);
}

/* ---- The build after it, at once on two cores (wh-store-build.c) -------- */

static void
assert_same_searches (WhStore *a,
                      WhStore *b)
{
  static const char * const searches[] = { "电工", "bj", "dian gong", "焊工", "普工", "司机", "dg" };

  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    g_assert_cmpint (search_count (a, searches[i]), ==, search_count (b, searches[i]));
}

static int
compare_point_ids (gconstpointer a,
                   gconstpointer b)
{
  const WhGeoPoint *x = a, *y = b;

  return (x->id > y->id) - (x->id < y->id);
}

/* The same places in boxes of every size, and the same nearest-first
 * order: a's R*Tree (packed at once) finds what b's (filled row by row)
 * does. */
static void
assert_same_places (WhStore *a,
                    WhStore *b)
{
  static const double boxes[][4] = { { 3.0, 73.0, 54.0, 136.0 }, { 39.4, 115.4, 41.1, 117.6 },
                                     { 22.4, 113.7, 23.0, 114.6 }, { 30.0, 120.0, 32.0, 122.0 },
                                     { 39.9, 116.3, 39.95, 116.45 } };
  guint found = 0;

  for (guint i = 0; i < G_N_ELEMENTS (boxes); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GArray) in_a = wh_store_query_viewport_points (a, &wh_collection_jobs,
                                                               boxes[i][0], boxes[i][1],
                                                               boxes[i][2], boxes[i][3], 100000,
                                                               &error);
      g_autoptr(GArray) in_b = wh_store_query_viewport_points (b, &wh_collection_jobs,
                                                               boxes[i][0], boxes[i][1],
                                                               boxes[i][2], boxes[i][3], 100000,
                                                               &error);

      g_assert_no_error (error);
      g_assert_cmpuint (in_a->len, ==, in_b->len);
      g_array_sort (in_a, compare_point_ids);
      g_array_sort (in_b, compare_point_ids);
      for (guint k = 0; k < in_a->len; k++)
        {
          WhGeoPoint *pa = &g_array_index (in_a, WhGeoPoint, k);
          WhGeoPoint *pb = &g_array_index (in_b, WhGeoPoint, k);

          g_assert_cmpint (pa->id, ==, pb->id);
          g_assert_cmpfloat (pa->lat, ==, pb->lat);
          g_assert_cmpfloat (pa->lon, ==, pb->lon);
        }
      found += in_a->len;
    }
  g_assert_cmpuint (found, >, 0);

  for (guint i = 1; i < G_N_ELEMENTS (boxes); i++)
    {
      g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
      g_autoptr(GPtrArray) near_a = NULL;
      g_autoptr(GPtrArray) near_b = NULL;

      wh_query_set_order_distance (query, (boxes[i][0] + boxes[i][2]) / 2,
                                   (boxes[i][1] + boxes[i][3]) / 2);
      near_a = wh_store_query (a, query, 0, 40, NULL);
      near_b = wh_store_query (b, query, 0, 40, NULL);
      g_assert_nonnull (near_a);
      g_assert_nonnull (near_b);
      g_assert_cmpuint (near_a->len, ==, near_b->len);
      for (guint k = 0; k < near_a->len; k++)
        g_assert_cmpint (((WhRecord *) near_a->pdata[k])->id, ==,
                         ((WhRecord *) near_b->pdata[k])->id);
    }
}

static void
test_build_at_once (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(Client) chunks = client_new (f, "chunks.db", NULL);
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhSyncReport) chunks_report = NULL;
  g_autofree char *scratch = g_strconcat (f->c.cache_path, ".build", NULL);
  guint64 rows;

  wh_store_set_build_all (f->c.store, 1);
  report = sync_jobs_ok (f->c.sync);
  rows = jobs_report (report)->snapshot;
  g_assert_cmpuint (rows, >, 0);
  g_assert_cmpuint (wh_store_get_builds_at_once (f->c.store), ==, 1);
  assert_jobs_whole (f, f->c.store);
  g_assert_false (g_file_test (scratch, G_FILE_TEST_EXISTS));
  /* Every index compared with the rows' text, the R*Tree checked. */
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);

  /* The same searches as a build in chunks. */
  wh_store_set_build_all (chunks->store, 0);
  chunks_report = sync_jobs_ok (chunks->sync);
  g_assert_cmpuint (jobs_report (chunks_report)->snapshot, ==, rows);
  g_assert_cmpuint (wh_store_get_builds_at_once (chunks->store), ==, 0);
  assert_same_searches (f->c.store, chunks->store);
  assert_same_places (f->c.store, chunks->store);

  /* The triggers are back: a change from the feed reaches every index. */
  {
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
    g_autoptr(GPtrArray) got = wh_store_query (f->c.store, query, 0, 1, NULL);
    g_autoptr(WhRecord) changed = wh_record_copy (g_ptr_array_index (got, 0));

    wh_record_set_text (changed, "title", "一次建成之后改过的岗位");
    wh_test_server_put_record (f->c.server, changed);
    g_clear_pointer (&report, wh_sync_report_free);
    report = sync_jobs_ok (f->c.sync);
    g_assert_cmpint (search_count (f->c.store, "一次建成之后改过的岗位"), ==, 1);
    g_assert_cmpint (search_count (f->c.store, "yi ci jian cheng"), ==, 1);
  }
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);
}

/* No scratch file can be made (a folder in its place): the build goes in
 * chunks, and the cache is the same. */
static void
test_build_at_once_fallback (Fixture      *f,
                             gconstpointer data)
{
  g_autoptr(Client) chunks = client_new (f, "chunks.db", NULL);
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(WhSyncReport) chunks_report = NULL;
  g_autofree char *scratch = g_strconcat (f->c.cache_path, ".build", NULL);

  g_assert_cmpint (g_mkdir (scratch, 0700), ==, 0);
  wh_store_set_build_all (f->c.store, 1);
  report = sync_jobs_ok (f->c.sync);
  g_assert_cmpuint (wh_store_get_builds_at_once (f->c.store), ==, 0);
  assert_jobs_whole (f, f->c.store);
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);
  wh_store_set_build_all (chunks->store, 0);
  chunks_report = sync_jobs_ok (chunks->sync);
  assert_same_searches (f->c.store, chunks->store);
  g_assert_true (g_file_test (scratch, G_FILE_TEST_IS_DIR));
  g_rmdir (scratch);
}

/* ---- The server's side: ETag, 304, the day, limits ----------------------- */

/* A GET as a client sending accept would make it (NULL: none, as a client
 * from before zstd), its 200 in the packing that asks for. */
static GBytes *
http_get_as (Fixture    *f,
             const char *path,
             const char *accept,
             const char *if_none_match,
             guint      *status,
             char      **etag)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (wh_test_server_get_url (f->c.server), "/api/v1/", path,
                                      NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  GBytes *body;

  if (accept != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", accept);
  if (if_none_match != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "If-None-Match",
                                  if_none_match);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  headers = soup_message_get_response_headers (msg);
  if (etag != NULL)
    *etag = g_strdup (soup_message_headers_get_one (headers, "ETag"));
  if (*status == 200)
    {
      gboolean zstd = accept != NULL && g_str_has_prefix (accept, WH_SNAPSHOT_CONTENT_TYPE_ZSTD);

      g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==,
                       zstd ? WH_SNAPSHOT_CONTENT_TYPE_ZSTD : WH_SNAPSHOT_CONTENT_TYPE);
      g_assert_cmpstr (soup_message_headers_get_one (headers, "Vary"), ==, "Accept");
    }
  return body;
}

static GBytes *gunzip_bytes (GBytes *gz);
static GBytes *unzstd_bytes (GBytes *zst);

/* As the client asks (zstd). */
static GBytes *
http_get (Fixture    *f,
          const char *path,
          const char *if_none_match,
          guint      *status,
          char      **etag)
{
  return http_get_as (f, path, WH_SNAPSHOT_ACCEPT, if_none_match, status, etag);
}

/* As a client from before zstd asks (gzip). */
static GBytes *
http_get_gzip (Fixture    *f,
               const char *path,
               guint      *status)
{
  return http_get_as (f, path, NULL, NULL, status, NULL);
}

static void
set_limits_cb (WhServer *server,
               gpointer  user_data)
{
  const guint64 *limits = user_data;

  wh_server_set_snapshot_limits (server, limits[0], (guint) limits[1]);
}

static void
set_limits (Fixture *f,
            guint64  max_bytes,
            guint    max_lag)
{
  guint64 limits[2] = { max_bytes, max_lag };

  wh_test_server_run (f->c.server, set_limits_cb, limits);
}

static void
test_server (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *etag = NULL;
  g_autofree char *etag2 = NULL;
  g_autofree char *etag3 = NULL;
  g_autofree char *dir = g_strconcat (wh_test_server_get_db_path (f->c.server), ".snapshots",
                                      NULL);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GDir) handle = NULL;
  GStatBuf st;
  const char *name;
  guint status = 0;

  body = http_get (f, "jobs/snapshot", NULL, &status, &etag);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (etag);
  g_assert_true (etag[0] == '"'); /* strong */
  g_assert_cmpuint (g_bytes_get_size (body), >, 1000);
  /* Kept in a private folder, each file 0600. */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  handle = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
    }

  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot", etag, &status, NULL);
  g_assert_cmpuint (status, ==, 304);
  g_assert_cmpuint (g_bytes_get_size (body), ==, 0);

  /* A client from before zstd (no Accept, or one that does not name it
   * first) gets gzip: the same file, another representation with a tag of
   * its own, which is no 304 for the other. */
  {
    static const char * const old_accepts[] = { NULL, "*/*", WH_SNAPSHOT_CONTENT_TYPE,
                                                 "application/gzip, application/zstd;q=0.5" };
    g_autoptr(GBytes) zst = http_get (f, "jobs/snapshot", NULL, &status, NULL);
    g_autoptr(GBytes) plain = unzstd_bytes (zst);

    for (guint i = 0; i < G_N_ELEMENTS (old_accepts); i++)
      {
        g_autofree char *gz_etag = NULL;
        g_autoptr(GBytes) gz = http_get_as (f, "jobs/snapshot", old_accepts[i], NULL, &status,
                                            &gz_etag);
        g_autoptr(GBytes) gz_plain = NULL;

        g_assert_cmpuint (status, ==, 200);
        g_assert_cmpstr (gz_etag, !=, etag);
        gz_plain = gunzip_bytes (gz);
        g_assert_true (g_bytes_equal (gz_plain, plain));
        g_clear_pointer (&gz, g_bytes_unref);
        gz = http_get_as (f, "jobs/snapshot", old_accepts[i], gz_etag, &status, NULL);
        g_assert_cmpuint (status, ==, 304);
        g_clear_pointer (&gz, g_bytes_unref);
        gz = http_get (f, "jobs/snapshot", gz_etag, &status, NULL);
        g_assert_cmpuint (status, ==, 200);
      }
  }

  /* A change within the lag: the same file; past it: made again. */
  {
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
    g_autoptr(WhSyncReport) report = sync_jobs_ok (f->c.sync);
    g_autoptr(GPtrArray) rows = wh_store_query (f->c.store, query, 0, 1, NULL);
    g_autoptr(WhRecord) job = wh_record_copy (g_ptr_array_index (rows, 0));

    wh_record_set_text (job, "title", "改过的岗位");
    wh_test_server_put_record (f->c.server, job);
  }
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot", etag, &status, NULL);
  g_assert_cmpuint (status, ==, 304);
  set_limits (f, G_GUINT64_CONSTANT (1) << 30, 0);
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot", etag, &status, &etag2);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (etag2, !=, etag);

  /* The next day closes more jobs: made again, without them. */
  wh_test_server_advance (f->c.server, 40 * 24 * 3600);
  set_limits (f, G_GUINT64_CONSTANT (1) << 30, 10000);
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot", etag2, &status, &etag3);
  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (etag3, !=, etag2);

  /* Bad requests, other collections, a file over the bound. */
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot?region=12345", NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 400);
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "stations/snapshot", NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 404);
  set_limits (f, 64 * 1024, 10000);
  g_clear_pointer (&body, g_bytes_unref);
  body = http_get (f, "jobs/snapshot?region=110000", NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 404);

  /* Behind the rate limit like every request. */
  wh_test_server_set_rate_limit (f->c.server, 1);
  for (guint i = 0; i < 5 && status != 429; i++)
    {
      g_clear_pointer (&body, g_bytes_unref);
      body = http_get (f, "jobs/snapshot", NULL, &status, NULL);
    }
  g_assert_cmpuint (status, ==, 429);
}

/* ---- Hostile files: refused whole, the cache untouched -------------------- */

static GBytes *
gzip_bytes (const void *data,
            gsize       len)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 1);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (compressor));
  g_autoptr(GError) error = NULL;

  g_assert_true (g_output_stream_write_all (out, data, len, NULL, NULL, &error));
  g_assert_true (g_output_stream_close (out, NULL, &error));
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static GBytes *
gunzip_bytes (GBytes *gz)
{
  g_autoptr(GZlibDecompressor) decompressor =
    g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  g_autoptr(GInputStream) mem = g_memory_input_stream_new_from_bytes (gz);
  g_autoptr(GInputStream) in = g_converter_input_stream_new (mem, G_CONVERTER (decompressor));
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL,
                                           &error), >, 0);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ZSTD_CCtx, ZSTD_freeCCtx)

/* zstd with a window of 2^window_log, the size left out of the frame's
 * header (streamed), so that the header asks for the whole window. */
static GBytes *
zstd_bytes (const void *data,
            gsize       len,
            int         window_log)
{
  g_autoptr(ZSTD_CCtx) ctx = ZSTD_createCCtx ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  ZSTD_inBuffer input = { data, len, 0 };
  gsize left;
  guint8 buffer[64 * 1024];

  g_assert_false (ZSTD_isError (ZSTD_CCtx_setParameter (ctx, ZSTD_c_windowLog, window_log)));
  do
    {
      ZSTD_outBuffer output = { buffer, sizeof buffer, 0 };

      left = ZSTD_compressStream2 (ctx, &output, &input, ZSTD_e_continue);
      g_assert_false (ZSTD_isError (left));
      g_byte_array_append (out, buffer, (guint) output.pos);
    }
  while (input.pos < input.size);
  do
    {
      ZSTD_outBuffer output = { buffer, sizeof buffer, 0 };

      left = ZSTD_compressStream2 (ctx, &output, &input, ZSTD_e_end);
      g_assert_false (ZSTD_isError (left));
      g_byte_array_append (out, buffer, (guint) output.pos);
    }
  while (left > 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

static GBytes *
unzstd_bytes (GBytes *zst)
{
  gsize len = 0;
  const void *data = g_bytes_get_data (zst, &len);
  unsigned long long size = ZSTD_getFrameContentSize (data, len);
  g_autofree char *plain = NULL;
  gsize got;

  /* The server's frame says its size (all of it given at once). */
  g_assert_true (size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR);
  plain = g_malloc (size);
  got = ZSTD_decompress (plain, size, data, len);
  g_assert_false (ZSTD_isError (got));
  g_assert_cmpuint (got, ==, size);
  return g_bytes_new_take (g_steal_pointer (&plain), got);
}

/* The genuine snapshot with sql run on it, compressed again. */
static GBytes *
tampered (Fixture    *f,
          GBytes     *genuine,
          const char *sql)
{
  g_autofree char *path = g_build_filename (f->c.dir, "tampered.db", NULL);
  g_autoptr(GBytes) plain = gunzip_bytes (genuine);
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;
  sqlite3 *db = NULL;

  g_assert_true (g_file_set_contents (path, g_bytes_get_data (plain, NULL),
                                      (gssize) g_bytes_get_size (plain), &error));
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_true (g_file_get_contents (path, &data, &len, &error));
  g_unlink (path);
  return gzip_bytes (data, len);
}

/* Writes body as the download of a region's snapshot and imports it, as the
 * sync does; the import's answer. */
static gboolean
hand_over (WhStore    *store,
           GBytes     *body,
           const char *region,
           const char *etag,
           guint64     max_bytes,
           gint64     *rows,
           gint64     *rev,
           GError    **error)
{
  g_autoptr(GOutputStream) sink = wh_store_snapshot_begin (store, &wh_collection_jobs, region,
                                                           G_MAXUINT64, NULL, NULL, error);

  g_assert_nonnull (sink);
  g_assert_true (g_output_stream_write_all (sink, g_bytes_get_data (body, NULL),
                                            g_bytes_get_size (body), NULL, NULL, error));
  g_assert_true (g_output_stream_close (sink, NULL, error));
  return wh_store_import_snapshot (store, &wh_collection_jobs, region, etag, max_bytes,
                                   G_MAXINT64, rows, rev, NULL, NULL, NULL, error);
}

/* A refused snapshot left the cache as it was. */
static void
assert_nothing_imported (WhStore    *store,
                         const char *region)
{
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, 0);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, region, NULL), ==, 0);
  g_assert_cmpint (wh_store_get_indexes_pending (store, &wh_collection_jobs, NULL), ==, 0);
}

/* Imports body into a new cache; returns the rows, or -1 when refused (the
 * cache then as empty as before and the temporary files gone). */
static gint64
import (Fixture    *f,
        GBytes     *body,
        const char *region,
        guint64     max_bytes)
{
  static guint serial;
  g_autofree char *name = g_strdup_printf ("import-%u.db", serial++);
  g_autofree char *path = g_build_filename (f->c.dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  gint64 rows = 0, rev = 0;
  gboolean ok;

  g_assert_no_error (error);
  ok = hand_over (store, body, region, NULL, max_bytes, &rows, &rev, &error);
  g_assert_true (temp_files_gone (path));
  if (!ok)
    {
      g_assert_nonnull (error);
      g_test_message ("refused: %s", error->message);
      assert_nothing_imported (store, region);
      return -1;
    }
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_get_cursor (store, &wh_collection_jobs, region, NULL), ==, rev);
  g_assert_true (wh_store_build_indexes (store, &wh_collection_jobs, NULL, &error));
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==, rows);
  g_clear_object (&store);
  wh_test_assert_cache_consistent (path, region ? atoi (region) : 0, FALSE);
  return rows;
}

/* A refusal leaves the cache as it was: one cache takes them all. Returns
 * the refusal. */
static GError *
refused_error (WhStore    *store,
               const char *path,
               GBytes     *body,
               const char *region,
               guint64     max_bytes)
{
  g_autoptr(GError) error = NULL;
  gint64 rows = 0, rev = 0;

  g_assert_false (hand_over (store, body, region, NULL, max_bytes, &rows, &rev, &error));
  g_assert_nonnull (error);
  g_test_message ("refused: %s", error->message);
  g_assert_true (temp_files_gone (path));
  assert_nothing_imported (store, region);
  return g_steal_pointer (&error);
}

static void
assert_refused (WhStore    *store,
                const char *path,
                GBytes     *body,
                const char *region,
                guint64     max_bytes)
{
  g_autoptr(GError) error = refused_error (store, path, body, region, max_bytes);

  g_assert_nonnull (error);
}

#define FIRST_JOB "(SELECT min(id) FROM jobs)"

static void
test_hostile (Fixture      *f,
              gconstpointer data)
{
  static const struct
  {
    const char *what;
    const char *sql;
  } tamperings[] = {
    { "a trigger", "CREATE TRIGGER evil AFTER INSERT ON jobs BEGIN SELECT 1; END" },
    { "a view", "CREATE VIEW evil AS SELECT * FROM jobs" },
    { "an index", "CREATE INDEX evil ON jobs (title)" },
    { "another table", "CREATE TABLE evil (x)" },
    { "another column", "ALTER TABLE jobs ADD COLUMN evil TEXT" },
    { "a wrong type", "UPDATE jobs SET salary_min = 'lots' WHERE id = " FIRST_JOB },
    { "a real for an integer", "UPDATE jobs SET headcount = 1.5 WHERE id = " FIRST_JOB },
    { "a blob", "UPDATE jobs SET title = x'e794b5e5b7a5' WHERE id = " FIRST_JOB },
    { "an over-long title",
      "UPDATE jobs SET title = printf ('%.*c', 401, 'x') WHERE id = " FIRST_JOB },
    { "a control character", "UPDATE jobs SET title = 'a' || char (7) WHERE id = " FIRST_JOB },
    { "a missing required field", "UPDATE jobs SET title = NULL WHERE id = " FIRST_JOB },
    { "an unknown enum", "UPDATE jobs SET settlement = 'bitcoin' WHERE id = " FIRST_JOB },
    { "a bad date", "UPDATE jobs SET posted_at = '2026-13-45' WHERE id = " FIRST_JOB },
    { "a long list item",
      "UPDATE jobs SET welfare = printf ('%.*c', 65, 'x') WHERE id = " FIRST_JOB },
    { "an out-of-range latitude", "UPDATE jobs SET lat = 91.0 WHERE id = " FIRST_JOB },
    { "id 0", "UPDATE jobs SET id = 0 WHERE id = " FIRST_JOB },
    { "a rev past the snapshot's",
      "UPDATE jobs SET rev = (SELECT rev FROM snapshot_meta) + 1 WHERE id = " FIRST_JOB },
    { "a row count that lies", "UPDATE snapshot_meta SET row_count = row_count + 1" },
    { "a row too few", "DELETE FROM jobs WHERE id = " FIRST_JOB },
    { "another collection", "UPDATE snapshot_meta SET collection = 'stations'" },
    { "another format", "UPDATE snapshot_meta SET format = 2" },
    { "another region", "UPDATE snapshot_meta SET region = 110000" },
    { "two meta rows", "INSERT INTO snapshot_meta SELECT * FROM snapshot_meta" },
  };
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(GBytes) garbage = NULL;
  g_autoptr(GBytes) garbage_gz = NULL;
  g_autoptr(GBytes) truncated = NULL;
  g_autoptr(GBytes) plain = NULL;
  g_autoptr(GBytes) corrupt = NULL;
  g_autofree char *path = g_build_filename (f->c.dir, "refusals.db", NULL);
  g_autoptr(WhStore) store = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;
  gint64 rows;

  /* gzip, the packing these tamper with. */
  genuine = http_get_gzip (f, "jobs/snapshot", &status);
  g_assert_cmpuint (status, ==, 200);
  rows = import (f, genuine, NULL, G_MAXUINT64);
  g_assert_cmpint (rows, >, 0);
  store = wh_store_open (path, &error);
  g_assert_no_error (error);

  garbage = g_bytes_new_static ("<html>502 Bad Gateway</html>", 28);
  assert_refused (store, path, garbage, NULL, G_MAXUINT64);
  garbage_gz = gzip_bytes ("SQLite format 3\0 but not really", 32);
  assert_refused (store, path, garbage_gz, NULL, G_MAXUINT64);
  truncated = g_bytes_new_from_bytes (genuine, 0, g_bytes_get_size (genuine) / 2);
  assert_refused (store, path, truncated, NULL, G_MAXUINT64);
  /* Over the bound once uncompressed. */
  plain = gunzip_bytes (genuine);
  assert_refused (store, path, genuine, NULL, g_bytes_get_size (plain) - 1);
  g_assert_cmpint (import (f, genuine, NULL, g_bytes_get_size (plain)), ==, rows);
  /* A page's header overwritten: quick_check catches it. */
  {
    gsize len;
    guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (plain), &len);

    memset (bytes + (len / 2 / 4096) * 4096, 0x5a, 512);
    corrupt = gzip_bytes (bytes, len);
    g_free (bytes);
    assert_refused (store, path, corrupt, NULL, G_MAXUINT64);
  }
  /* The snapshot of the whole collection is not a region's. */
  assert_refused (store, path, genuine, "110000", G_MAXUINT64);

  /* zstd, as a client asks for it: the same rows; cut short, corrupt, over
   * the bound, or asking for a larger window than a client gives, refused. */
  {
    g_autoptr(GBytes) zst = http_get (f, "jobs/snapshot", NULL, &status, NULL);
    g_autoptr(GBytes) zst_plain = NULL;
    g_autoptr(GBytes) zst_cut = NULL;
    g_autoptr(GBytes) zst_wide = NULL;
    g_autoptr(GBytes) zst_narrow = NULL;
    g_autoptr(GBytes) zst_garbage = NULL;
    g_autoptr(GBytes) zst_corrupt = NULL;
    static const guint8 magic_then_junk[] = { 0x28, 0xb5, 0x2f, 0xfd, 'j', 'u', 'n', 'k' };

    g_assert_cmpuint (status, ==, 200);
    g_assert_cmpuint (g_bytes_get_size (zst), <, g_bytes_get_size (genuine));
    zst_plain = unzstd_bytes (zst);
    g_assert_true (g_bytes_equal (zst_plain, plain));
    g_assert_cmpint (import (f, zst, NULL, G_MAXUINT64), ==, rows);
    zst_cut = g_bytes_new_from_bytes (zst, 0, g_bytes_get_size (zst) - 100);
    assert_refused (store, path, zst_cut, NULL, G_MAXUINT64);
    assert_refused (store, path, zst, NULL, g_bytes_get_size (plain) - 1);
    g_assert_cmpint (import (f, zst, NULL, g_bytes_get_size (plain)), ==, rows);
    zst_wide = zstd_bytes (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                           WH_SNAPSHOT_ZSTD_WINDOW_LOG + 2);
    assert_refused (store, path, zst_wide, NULL, G_MAXUINT64);
    zst_narrow = zstd_bytes (g_bytes_get_data (plain, NULL), g_bytes_get_size (plain),
                             WH_SNAPSHOT_ZSTD_WINDOW_LOG);
    g_assert_cmpint (import (f, zst_narrow, NULL, G_MAXUINT64), ==, rows);
    zst_garbage = g_bytes_new_static (magic_then_junk, sizeof magic_then_junk);
    assert_refused (store, path, zst_garbage, NULL, G_MAXUINT64);
    {
      gsize len;
      guint8 *bytes = g_bytes_unref_to_data (g_bytes_ref (zst), &len);

      bytes[len / 2] ^= 0xff;
      zst_corrupt = g_bytes_new_take (bytes, len);
      assert_refused (store, path, zst_corrupt, NULL, G_MAXUINT64);
    }
  }

  for (guint i = 0; i < G_N_ELEMENTS (tamperings); i++)
    {
      g_autoptr(GBytes) body = tampered (f, genuine, tamperings[i].sql);

      g_autoptr(GError) refusal = NULL;

      g_test_message ("%s", tamperings[i].what);
      refusal = refused_error (store, path, body, NULL, G_MAXUINT64);
      /* By the checks (a row's: whichever of its check and its copy ended
       * first), not failing somewhere else. */
      g_assert_error (refusal, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
    }
}

/* ---- A hostile or missing snapshot: the feed takes over ------------------- */

/* Between the client and the test server: the snapshot request gets body
 * (or status, when body is NULL), everything else goes through. */
typedef struct
{
  SoupServer  *server;
  SoupSession *session;
  const char  *upstream;
  GBytes      *body;
  guint        status;
  guint        snapshot_requests;
  char        *url;
  /* body sent in drip_pieces pieces, one each drip_ms (0: at once), with
   * its Content-Length or (chunked) without */
  guint        drip_ms;
  guint        drip_pieces;
  gboolean     chunked;
  /* forward: snapshot requests go to the server with their Range and
   * If-Range; cut_at > 0: the next answer's connection drops after that
   * many bytes of its body; fail_others: 503 to every other request after
 * the first snapshot request. */
  gboolean     forward;
  gsize        cut_at;
  gboolean     hang;      /* at cut_at, wait forever instead */
  gboolean     fail_others;
  GPtrArray   *ranges;    /* each snapshot request's Range, "" when none */
  GArray      *statuses;  /* guint, the server's answers to them */
  GArray      *sent;      /* gsize, the body bytes the client was sent */
} Proxy;

/* The rest of a dripped body, a piece at a time. */
typedef struct
{
  SoupServerMessage *msg;
  GBytes            *body;
  gsize              offset;
  gsize              piece;
} Drip;

static gboolean
drip_cb (gpointer data)
{
  Drip *drip = data;
  gsize size = g_bytes_get_size (drip->body);
  gsize n = MIN (drip->piece, size - drip->offset);
  SoupMessageBody *body = soup_server_message_get_response_body (drip->msg);

  soup_message_body_append (body, SOUP_MEMORY_COPY,
                            (const char *) g_bytes_get_data (drip->body, NULL) + drip->offset, n);
  drip->offset += n;
  if (drip->offset == size)
    soup_message_body_complete (body);
  soup_server_message_unpause (drip->msg);
  if (drip->offset < size)
    return G_SOURCE_CONTINUE;
  g_object_unref (drip->msg);
  g_bytes_unref (drip->body);
  g_free (drip);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  SoupServerMessage *msg;
  SoupMessage       *upstream;
} ProxyCall;

static void
proxy_upstream_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ProxyCall *call = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  SoupMessageHeaders *from = soup_message_get_response_headers (call->upstream);
  SoupMessageHeaders *to = soup_server_message_get_response_headers (call->msg);
  static const char * const headers[] = { "ETag", "Retry-After", "Cache-Control" };

  if (body == NULL)
    soup_server_message_set_status (call->msg, SOUP_STATUS_BAD_GATEWAY, NULL);
  else
    {
      const char *type = soup_message_headers_get_content_type (from, NULL);

      for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
        if (soup_message_headers_get_one (from, headers[i]) != NULL)
          soup_message_headers_replace (to, headers[i],
                                        soup_message_headers_get_one (from, headers[i]));
      soup_server_message_set_status (call->msg, soup_message_get_status (call->upstream), NULL);
      if (g_bytes_get_size (body) > 0)
        soup_server_message_set_response (call->msg, type ? type : "application/json",
                                          SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL),
                                          g_bytes_get_size (body));
    }
  soup_server_message_unpause (call->msg);
  g_object_unref (call->msg);
  g_object_unref (call->upstream);
  g_free (call);
}

/* A forwarded snapshot answer whose connection drops part way. */
typedef struct
{
  SoupServerMessage *msg;
  gsize              cut_at;
  gsize              written;
  guint              idle;
} Cut;

static gboolean
cut_idle_cb (gpointer data)
{
  Cut *cut = data;
  g_autoptr(GIOStream) stream = soup_server_message_steal_connection (cut->msg);

  if (stream != NULL)
    g_io_stream_close (stream, NULL, NULL);
  g_object_unref (cut->msg);
  g_free (cut);
  return G_SOURCE_REMOVE;
}

static void
cut_wrote_cb (SoupServerMessage *msg,
              guint              chunk_size,
              Cut               *cut)
{
  cut->written += chunk_size;
  if (cut->written >= cut->cut_at && cut->idle == 0)
    {
      g_signal_handlers_disconnect_by_data (msg, cut);
      cut->idle = g_idle_add (cut_idle_cb, cut);
    }
}

static void
forward_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ProxyCall *call = user_data;
  Proxy *proxy = g_object_get_data (G_OBJECT (call->upstream), "proxy");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                              &error);
  SoupMessageHeaders *from = soup_message_get_response_headers (call->upstream);
  SoupMessageHeaders *to = soup_server_message_get_response_headers (call->msg);
  static const char * const headers[] = { "ETag", "X-Snapshot-Rev", "Content-Range",
                                          "Accept-Ranges", "Content-Type" };
  guint status = soup_message_get_status (call->upstream);
  gsize size;

  g_assert_no_error (error);
  size = g_bytes_get_size (body);
  g_array_append_val (proxy->statuses, status);
  for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
    if (soup_message_headers_get_one (from, headers[i]) != NULL)
      soup_message_headers_replace (to, headers[i], soup_message_headers_get_one (from, headers[i]));
  soup_server_message_set_status (call->msg, status, NULL);
  if (proxy->cut_at > 0 && proxy->cut_at < size)
    {
      SoupMessageBody *out = soup_server_message_get_response_body (call->msg);

      /* The whole length promised, a part sent, then the connection gone
       * (or the rest never sent). */
      soup_message_headers_set_content_length (to, size);
      soup_message_body_append (out, SOUP_MEMORY_COPY, g_bytes_get_data (body, NULL),
                                proxy->cut_at);
      if (!proxy->hang)
        {
          Cut *cut = g_new0 (Cut, 1);

          cut->msg = g_object_ref (call->msg);
          cut->cut_at = proxy->cut_at;
          g_signal_connect (call->msg, "wrote-body-data", G_CALLBACK (cut_wrote_cb), cut);
        }
      g_array_append_val (proxy->sent, proxy->cut_at);
      proxy->cut_at = 0;
    }
  else
    {
      if (size > 0)
        soup_message_body_append_bytes (soup_server_message_get_response_body (call->msg), body);
      g_array_append_val (proxy->sent, size);
    }
  soup_server_message_unpause (call->msg);
  g_object_unref (call->msg);
  g_object_unref (call->upstream);
  g_free (call);
}

static void
proxy_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  Proxy *proxy = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *inm = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                  "If-None-Match");
  g_autofree char *url = NULL;
  ProxyCall *call;

  if (proxy->fail_others && proxy->snapshot_requests > 0 &&
      !g_str_has_suffix (path, "/jobs/snapshot"))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, NULL);
      return;
    }
  if (proxy->forward && g_str_has_suffix (path, "/jobs/snapshot"))
    {
      SoupMessageHeaders *in = soup_server_message_get_request_headers (msg);
      SoupMessageHeaders *out;
      static const char * const headers[] = { "Range", "If-Range", "If-None-Match", "Accept" };

      proxy->snapshot_requests++;
      g_ptr_array_add (proxy->ranges, g_strdup (soup_message_headers_get_one (in, "Range")
                                                ? soup_message_headers_get_one (in, "Range")
                                                : ""));
      url = g_strconcat (proxy->upstream, path, g_uri_get_query (uri) ? "?" : "",
                         g_uri_get_query (uri) ? g_uri_get_query (uri) : "", NULL);
      call = g_new0 (ProxyCall, 1);
      call->msg = g_object_ref (msg);
      call->upstream = soup_message_new ("GET", url);
      out = soup_message_get_request_headers (call->upstream);
      for (guint i = 0; i < G_N_ELEMENTS (headers); i++)
        if (soup_message_headers_get_one (in, headers[i]) != NULL)
          soup_message_headers_replace (out, headers[i], soup_message_headers_get_one (in,
                                                                                   headers[i]));
      /* The server's answer as it is: the proxy's own SoupServer would
       * make a tail of a whole one (it knows nothing of If-Range). */
      soup_message_headers_remove (in, "Range");
      g_object_set_data (G_OBJECT (call->upstream), "proxy", proxy);
      soup_server_message_pause (msg);
      soup_session_send_and_read_async (proxy->session, call->upstream, G_PRIORITY_DEFAULT, NULL,
                                        forward_cb, call);
      return;
    }
  if (g_str_has_suffix (path, "/jobs/snapshot"))
    {
      proxy->snapshot_requests++;
      if (proxy->body != NULL && proxy->drip_ms > 0)
        {
          SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
          Drip *drip = g_new0 (Drip, 1);

          soup_message_headers_set_content_type (headers, WH_SNAPSHOT_CONTENT_TYPE, NULL);
          if (proxy->chunked)
            soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
          else
            soup_message_headers_set_content_length (headers, g_bytes_get_size (proxy->body));
          soup_server_message_set_status (msg, 200, NULL);
          drip->msg = g_object_ref (msg);
          drip->body = g_bytes_ref (proxy->body);
          drip->piece = (g_bytes_get_size (proxy->body) + proxy->drip_pieces - 1) /
                        proxy->drip_pieces;
          soup_server_message_pause (msg);
          g_timeout_add (proxy->drip_ms, drip_cb, drip);
          return;
        }
      if (proxy->body != NULL)
        soup_server_message_set_response (msg, WH_SNAPSHOT_CONTENT_TYPE, SOUP_MEMORY_COPY,
                                          g_bytes_get_data (proxy->body, NULL),
                                          g_bytes_get_size (proxy->body));
      soup_server_message_set_status (msg, proxy->body ? 200 : proxy->status, NULL);
      return;
    }
  url = g_strconcat (proxy->upstream, path, g_uri_get_query (uri) ? "?" : "",
                     g_uri_get_query (uri) ? g_uri_get_query (uri) : "", NULL);
  call = g_new0 (ProxyCall, 1);
  call->msg = g_object_ref (msg);
  call->upstream = soup_message_new (soup_server_message_get_method (msg), url);
  if (inm != NULL)
    soup_message_headers_replace (soup_message_get_request_headers (call->upstream),
                                  "If-None-Match", inm);
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (proxy->session, call->upstream, G_PRIORITY_DEFAULT, NULL,
                                    proxy_upstream_cb, call);
}

/* upstream: the server's URL, kept by the caller. */
static Proxy *
proxy_new_for (const char *upstream,
               GBytes     *body,
               guint       status)
{
  Proxy *proxy = g_new0 (Proxy, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;

  proxy->server = soup_server_new (NULL, NULL);
  proxy->session = soup_session_new ();
  proxy->upstream = upstream;
  proxy->body = body ? g_bytes_ref (body) : NULL;
  proxy->status = status;
  proxy->ranges = g_ptr_array_new_with_free_func (g_free);
  proxy->statuses = g_array_new (FALSE, FALSE, sizeof (guint));
  proxy->sent = g_array_new (FALSE, FALSE, sizeof (gsize));
  soup_server_add_handler (proxy->server, NULL, proxy_handler, proxy, NULL);
  g_assert_true (soup_server_listen_local (proxy->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY,
                                           &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (proxy->server);
  proxy->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return proxy;
}

static Proxy *
proxy_new (Fixture *f,
           GBytes  *body,
           guint    status)
{
  return proxy_new_for (wh_test_server_get_url (f->c.server), body, status);
}

static void
proxy_free (Proxy *proxy)
{
  soup_server_disconnect (proxy->server);
  g_object_unref (proxy->server);
  g_object_unref (proxy->session);
  g_clear_pointer (&proxy->body, g_bytes_unref);
  g_ptr_array_unref (proxy->ranges);
  g_array_unref (proxy->statuses);
  g_array_unref (proxy->sent);
  g_free (proxy->url);
  g_free (proxy);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Proxy, proxy_free)

static void
fallback (Fixture    *f,
          const char *name,
          GBytes     *body,
          guint       status)
{
  g_autoptr(Proxy) proxy = proxy_new (f, body, status);
  g_autoptr(Client) client = client_new (f, name, proxy->url);
  g_autoptr(WhSyncReport) report = sync_jobs_ok (client->sync);

  g_assert_cmpuint (proxy->snapshot_requests, ==, 1);
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
  g_assert_cmpuint (jobs_report (report)->pages, >, 0);
  g_assert_true (temp_files_gone (client->path));
  assert_jobs_whole (f, client->store);
}

static void
test_fallback (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(GBytes) truncated = NULL;
  g_autoptr(GBytes) garbage = g_bytes_new_static ("<html>502 Bad Gateway</html>", 28);
  g_autoptr(GBytes) trigger = NULL;
  g_autoptr(GBytes) long_title = NULL;
  guint status = 0;

  genuine = http_get_gzip (f, "jobs/snapshot", &status);
  g_assert_cmpuint (status, ==, 200);
  truncated = g_bytes_new_from_bytes (genuine, 0, g_bytes_get_size (genuine) - 100);
  trigger = tampered (f, genuine, "CREATE TRIGGER evil AFTER INSERT ON jobs BEGIN SELECT 1; END");
  long_title = tampered (f, genuine, "UPDATE jobs SET title = printf ('%.*c', 401, 'x')"
                                     " WHERE id = " FIRST_JOB);

  fallback (f, "old-server.db", NULL, 404);    /* a server without snapshots */
  fallback (f, "unavailable.db", NULL, 503);
  fallback (f, "garbage.db", garbage, 0);
  fallback (f, "truncated.db", truncated, 0);
  fallback (f, "trigger.db", trigger, 0);
  fallback (f, "long-title.db", long_title, 0);

  /* Over the bytes one update may take: not written, the feed's pages are
   * judged on their own. */
  {
    g_autoptr(Proxy) proxy = proxy_new (f, genuine, 0);
    g_autoptr(Client) client = client_new (f, "oversized.db", proxy->url);
    g_autoptr(WhSyncReport) report = NULL;

    g_autoptr(GAsyncResult) result = NULL;
    g_autoptr(GError) error = NULL;
    const WhCollection *only_jobs[] = { &wh_collection_jobs };

    wh_sync_set_limits (client->sync, 10000000, 10000000, g_bytes_get_size (genuine) - 1);
    wh_sync_run_async (client->sync, only_jobs, 1, NULL, wh_test_result_cb, &result);
    wh_test_await (&result);
    /* The feed's pages go over the bound soon after: the run says so. */
    wh_sync_run_finish (client->sync, result, &report, &error);
    g_assert_nonnull (report);
    g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
    g_assert_cmpuint (proxy->snapshot_requests, ==, 1);
    g_assert_true (temp_files_gone (client->path));
  }
}

/* ---- Progress while the snapshot comes (#22) ------------------------------ */

typedef struct
{
  WhSyncPhase phase;
  gint64      done;
  gint64      total;
  gint64      at_us;     /* monotonic */
  gboolean    legacy;    /* ::progress, not ::phase-progress */
} Event;

typedef struct
{
  GArray  *events;       /* Event */
  GThread *thread;       /* the test's, which runs the sync */
  guint    elsewhere;    /* events on another thread or context */
} Events;

static void
note_event (Events     *log,
            const char *collection,
            Event      *event)
{
  g_assert_cmpstr (collection, ==, "jobs");
  if (g_thread_self () != log->thread || !g_main_context_is_owner (g_main_context_default ()))
    log->elsewhere++;
  event->at_us = g_get_monotonic_time ();
  g_array_append_val (log->events, *event);
}

static void
phase_cb (WhSync      *sync,
          const char  *collection,
          WhSyncPhase  phase,
          gint64       done,
          gint64       total,
          Events      *log)
{
  Event event = { phase, done, total, 0, FALSE };

  note_event (log, collection, &event);
}

static void
legacy_cb (WhSync     *sync,
           const char *collection,
           gint64      done,
           gint64      total,
           Events     *log)
{
  Event event = { WH_SYNC_PHASE_RECORDS, done, total, 0, TRUE };

  note_event (log, collection, &event);
}

/* Syncs the jobs through a snapshot of size bytes (expected_total: what the
 * download says its total is) and checks what the sync said on the way:
 * the download's bytes rising to the whole, then the check, the copy of
 * rows, then the records, all on this thread, with ::progress speaking of
 * records only. Returns the number of download events. */
static guint
assert_progress (WhSync *sync,
                 gsize   size,
                 gint64  expected_total,
                 gint64 *min_gap_us)
{
  g_autoptr(GArray) events = g_array_new (FALSE, TRUE, sizeof (Event));
  Events log = { events, g_thread_self (), 0 };
  g_autoptr(WhSyncReport) report = NULL;
  guint downloads = 0, i = 0;
  gint64 rows;

  g_signal_connect (sync, "phase-progress", G_CALLBACK (phase_cb), &log);
  g_signal_connect (sync, "progress", G_CALLBACK (legacy_cb), &log);
  report = sync_jobs_ok (sync);
  g_signal_handlers_disconnect_by_data (sync, &log);
  rows = (gint64) jobs_report (report)->snapshot;
  g_assert_cmpint (rows, >, 0);
  g_assert_cmpuint (log.elsewhere, ==, 0);
  *min_gap_us = G_MAXINT64;

  /* The download: from 0, rising, to the whole; the total all along. */
  for (; i < events->len; i++)
    {
      Event *e = &g_array_index (events, Event, i);

      if (e->phase != WH_SYNC_PHASE_DOWNLOADING)
        break;
      g_assert_false (e->legacy);
      g_assert_cmpint (e->total, ==, expected_total);
      if (downloads == 0)
        g_assert_cmpint (e->done, ==, 0);
      else
        {
          Event *before = e - 1;

          g_assert_cmpint (e->done, >, before->done);
          /* The throttle: the last comes when the download ends. */
          if (i + 1 < events->len && e[1].phase == WH_SYNC_PHASE_DOWNLOADING)
            *min_gap_us = MIN (*min_gap_us, e->at_us - before->at_us);
        }
      downloads++;
    }
  g_assert_cmpuint (downloads, >=, 2);
  g_assert_cmpint (g_array_index (events, Event, i - 1).done, ==, (gint64) size);
  /* Then the check, the copy of the rows, and their records. */
  g_assert_cmpuint (i + 4, <=, events->len);
  g_assert_cmpint (g_array_index (events, Event, i).phase, ==, WH_SYNC_PHASE_CHECKING);
  g_assert_false (g_array_index (events, Event, i).legacy);
  g_assert_cmpint (g_array_index (events, Event, i + 1).phase, ==, WH_SYNC_PHASE_COPYING);
  g_assert_cmpint (g_array_index (events, Event, i + 1).total, ==, rows);
  /* ::progress first, then the same as ::phase-progress; last, the build */
  g_assert_cmpint (g_array_index (events, Event, events->len - 1).phase, ==,
                   WH_SYNC_PHASE_INDEXING);
  g_assert_false (g_array_index (events, Event, events->len - 1).legacy);
  for (guint k = i + 2; k + 1 < events->len; k += 2)
    {
      Event *legacy = &g_array_index (events, Event, k);
      Event *phase = &g_array_index (events, Event, k + 1);

      g_assert_cmpuint (k + 2, <, events->len);
      g_assert_true (legacy->legacy);
      g_assert_false (phase->legacy);
      g_assert_cmpint (phase->phase, ==, WH_SYNC_PHASE_RECORDS);
      g_assert_cmpint (phase->done, ==, legacy->done);
      g_assert_cmpint (phase->total, ==, legacy->total);
    }
  g_assert_cmpint (g_array_index (events, Event, i + 2).done, ==, rows);
  return downloads;
}

/* From the test server: the bytes against its Content-Length. */
static void
test_progress (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  guint status = 0;
  gint64 gap;

  genuine = http_get (f, "jobs/snapshot", NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  assert_progress (f->c.sync, g_bytes_get_size (genuine), (gint64) g_bytes_get_size (genuine),
                   &gap);
  assert_jobs_whole (f, f->c.store);
}

/* A slow network, with and without a Content-Length (an indeterminate
 * total): each piece on its way, at most ten a second. */
static void
test_progress_slow (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  guint status = 0;

  genuine = http_get (f, "jobs/snapshot", NULL, &status, NULL);
  g_assert_cmpuint (status, ==, 200);
  for (guint chunked = 0; chunked < 2; chunked++)
    {
      g_autoptr(Proxy) proxy = proxy_new (f, genuine, 0);
      g_autoptr(Client) client = client_new (f, chunked ? "chunked.db" : "slow.db", proxy->url);
      gint64 gap;
      guint downloads;

      proxy->drip_ms = 40;
      proxy->drip_pieces = 12;
      proxy->chunked = chunked;
      downloads = assert_progress (client->sync, g_bytes_get_size (genuine),
                                   chunked ? -1 : (gint64) g_bytes_get_size (genuine), &gap);
      g_test_message ("%u download events, %" G_GINT64_FORMAT " us apart at least", downloads,
                      gap);
      /* 12 pieces over half a second at least: some told on the way (the
       * fourth comes 120 ms after the first), a tenth of a second apart. */
      g_assert_cmpuint (downloads, >=, 3);
      g_assert_cmpint (gap, >=, G_USEC_PER_SEC / 10 - 5000);
      g_assert_cmpuint (proxy->snapshot_requests, ==, 1);
      assert_jobs_whole (f, client->store);
    }
}

/* ---- A cut-off download goes on where it stopped -------------------------- */

static char *
part_path (const char *cache_path)
{
  return g_strconcat (cache_path, ".snapshot-jobs-all.part", NULL);
}

static gsize
file_size (const char *path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return 0;
  return (gsize) st.st_size;
}

/* The start the resume tests share: the genuine snapshot (its ETag in
 * *etag unless NULL), a forwarding proxy and a client through it. */
static void
resume_start (Fixture    *f,
              const char *name,
              GBytes    **genuine,
              char      **etag,
              Proxy     **proxy,
              Client    **client)
{
  guint status = 0;

  *genuine = http_get (f, "jobs/snapshot", NULL, &status, etag);
  g_assert_cmpuint (status, ==, 200);
  *proxy = proxy_new (f, NULL, 0);
  (*proxy)->forward = TRUE;
  *client = client_new (f, name, (*proxy)->url);
}

/* A first sync whose snapshot drops at about half its bytes while the
 * network fails the feed too: the run ends with an error, the cursor at 0,
 * the bytes kept (0600, tagged). Returns how many. */
static gsize
sync_cut (Fixture *f,
          Client  *client,
          Proxy   *proxy,
          gsize    size)
{
  static const WhCollection *only_jobs[] = { &wh_collection_jobs };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *part = part_path (client->path);
  g_autofree char *tag = g_strconcat (part, ".tag", NULL);
  g_autofree char *tag_text = NULL;
  GStatBuf st;
  gsize held;

  proxy->cut_at = size / 2;
  proxy->fail_others = TRUE;
  wh_sync_run_async (client->sync, only_jobs, 1, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  wh_sync_run_finish (client->sync, result, &report, &error);
  g_assert_nonnull (report);
  g_assert_nonnull (jobs_report (report)->error);
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
  g_assert_cmpint (wh_store_get_cursor (client->store, &wh_collection_jobs, NULL, NULL), ==, 0);
  proxy->fail_others = FALSE;
  g_assert_cmpuint (proxy->sent->len, ==, 1);
  g_assert_cmpuint (g_array_index (proxy->sent, gsize, 0), ==, size / 2);

  held = file_size (part);
  g_assert_cmpint (g_stat (part, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpint (g_stat (tag, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (tag, &tag_text, NULL, NULL));
  g_assert_true (g_str_has_prefix (tag_text, "\""));
  /* What came before the drop, at most what was sent. */
  g_assert_cmpuint (held, >, 0);
  g_assert_cmpuint (held, <=, size / 2);
  return held;
}

/* The same rows and searches as a cache that was never cut off. */
static void
assert_same_as_uncut (Fixture *f,
                      WhStore *store)
{
  static const char * const searches[] = { "电工", "bj", "dian gong", "焊工", "普工" };
  g_autoptr(Client) uncut = client_new (f, "uncut.db", NULL);
  g_autoptr(WhSyncReport) report = sync_jobs_ok (uncut->sync);

  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  assert_jobs_whole (f, store);
  g_assert_cmpint (wh_store_count (store, &wh_collection_jobs, NULL), ==,
                   wh_store_count (uncut->store, &wh_collection_jobs, NULL));
  for (guint i = 0; i < G_N_ELEMENTS (searches); i++)
    g_assert_cmpint (search_count (store, searches[i]), ==,
                     search_count (uncut->store, searches[i]));
}

static void
test_resume (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GArray) events = g_array_new (FALSE, TRUE, sizeof (Event));
  Events log = { events, g_thread_self (), 0 };
  g_autofree char *part = NULL;
  g_autofree char *scratch = NULL;
  g_autofree char *expected_range = NULL;
  gsize size, held;
  gint64 first_download = -1;

  resume_start (f, "resumed.db", &genuine, NULL, &proxy, &client);
  size = g_bytes_get_size (genuine);
  part = part_path (client->path);

  held = sync_cut (f, client, proxy, size);
  g_assert_cmpstr (g_ptr_array_index (proxy->ranges, 0), ==, "");

  /* Opening the cache again removes a killed run's scratch, not this. */
  scratch = g_strconcat (client->path, ".snapshot.db", NULL);
  g_assert_true (g_file_set_contents (scratch, "left", -1, NULL));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WhStore) again = wh_store_open (client->path, &error);

    g_assert_no_error (error);
  }
  g_assert_false (g_file_test (scratch, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (file_size (part), ==, held);

  /* The rest: asked from the held size, the bar starting there. */
  g_signal_connect (client->sync, "phase-progress", G_CALLBACK (phase_cb), &log);
  report = sync_jobs_ok (client->sync);
  g_signal_handlers_disconnect_by_data (client->sync, &log);
  g_assert_cmpuint (proxy->snapshot_requests, ==, 2);
  expected_range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", held);
  g_assert_cmpstr (g_ptr_array_index (proxy->ranges, 1), ==, expected_range);
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 1), ==, 206);
  g_assert_cmpuint (g_array_index (proxy->sent, gsize, 1), ==, size - held);
  for (guint i = 0; i < events->len; i++)
    {
      Event *e = &g_array_index (events, Event, i);

      if (e->phase == WH_SYNC_PHASE_DOWNLOADING && !e->legacy)
        {
          if (first_download < 0)
            first_download = e->done;
          g_assert_cmpint (e->done, >=, (gint64) held);
          g_assert_cmpint (e->total, ==, (gint64) size);
        }
    }
  g_assert_cmpint (first_download, ==, (gint64) held);
  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  g_assert_true (temp_files_gone (client->path));
  assert_same_as_uncut (f, client->store);
}

/* The snapshot was made again between the two tries: If-Range makes the
 * server send the new one whole, which replaces the held bytes. */
static void
test_resume_changed (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(GBytes) fresh = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *etag2 = NULL;
  guint status = 0;
  gsize held;

  resume_start (f, "changed.db", &genuine, &etag, &proxy, &client);
  held = sync_cut (f, client, proxy, g_bytes_get_size (genuine));

  /* A changed job past a lag of 0: made again, another tag. */
  {
    g_autoptr(Client) reader = client_new (f, "reader.db", NULL);
    g_autoptr(WhSyncReport) reader_report = sync_jobs_ok (reader->sync);
    g_autoptr(WhQuery) query = wh_query_new (&wh_collection_jobs);
    g_autoptr(GPtrArray) rows = wh_store_query (reader->store, query, 0, 1, NULL);
    g_autoptr(WhRecord) job = wh_record_copy (g_ptr_array_index (rows, 0));

    wh_record_set_text (job, "title", "两次之间改过的岗位");
    wh_test_server_put_record (f->c.server, job);
  }
  set_limits (f, G_GUINT64_CONSTANT (1) << 30, 0);
  fresh = http_get (f, "jobs/snapshot", NULL, &status, &etag2);
  g_assert_cmpstr (etag2, !=, etag);

  report = sync_jobs_ok (client->sync);
  g_assert_cmpuint (proxy->snapshot_requests, ==, 2);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (proxy->ranges, 1), "bytes="));
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 1), ==, 200);
  g_assert_cmpuint (g_array_index (proxy->sent, gsize, 1), ==, g_bytes_get_size (fresh));
  g_assert_cmpuint (g_bytes_get_size (fresh), >, held);
  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  g_assert_true (temp_files_gone (client->path));
  g_assert_cmpint (search_count (client->store, "两次之间改过的岗位"), ==, 1);
  assert_same_as_uncut (f, client->store);
}

/* Held bytes changed on the disk: the whole file's SHA-256 is not the
 * ETag's, the feed brings the rows, nothing is left. */
static void
test_resume_tampered (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *part = NULL;
  g_autofree char *contents = NULL;
  gsize held, length = 0;

  resume_start (f, "tampered.db", &genuine, NULL, &proxy, &client);
  held = sync_cut (f, client, proxy, g_bytes_get_size (genuine));
  part = part_path (client->path);
  g_assert_true (g_file_get_contents (part, &contents, &length, NULL));
  g_assert_cmpuint (length, ==, held);
  contents[held / 2] ^= 0x5a;
  g_assert_true (g_file_set_contents_full (part, contents, (gssize) length,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));

  report = sync_jobs_ok (client->sync);
  /* It did resume, and threw the result away. */
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 1), ==, 206);
  g_assert_cmpuint (jobs_report (report)->snapshot, ==, 0);
  g_assert_cmpuint (jobs_report (report)->pages, >, 0);
  g_assert_true (temp_files_gone (client->path));
  assert_jobs_whole (f, client->store);

  /* The checksum itself, not gzip's CRC: a sound file under another tag is
   * refused before it is read, under its own it is taken. */
  for (guint right = 0; right < 2; right++)
    {
      g_autofree char *name = g_strdup_printf ("checksum-%u.db", right);
      g_autofree char *path = g_build_filename (f->c.dir, name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(WhStore) store = wh_store_open (path, &error);
      g_autofree char *sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, genuine);
      g_autofree char *etag = NULL;
      gint64 rows = 0, rev = 0;
      gboolean ok;

      if (!right)
        sha[5] = sha[5] == '0' ? '1' : '0';
      etag = g_strdup_printf ("\"%.32s\"", sha);
      g_assert_no_error (error);
      ok = hand_over (store, genuine, NULL, etag, G_MAXUINT64, &rows, &rev, &error);
      g_assert_true (temp_files_gone (path));
      if (right)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpint (rows, >, 0);
        }
      else
        {
          g_assert_false (ok);
          g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
          g_assert_nonnull (strstr (error->message, "tagged"));
        }
    }
}

/* Held bytes the server will not go on from (more than its file: a 416):
 * thrown away, and the whole file asked for in the same sync. */
static void
test_resume_refused (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *part = NULL;
  g_autofree char *longer = NULL;
  g_autofree char *expected_range = NULL;
  gsize size;

  resume_start (f, "refused.db", &genuine, NULL, &proxy, &client);
  size = g_bytes_get_size (genuine);
  sync_cut (f, client, proxy, size);
  part = part_path (client->path);
  /* The whole file and more, under its own tag. */
  longer = g_malloc0 (size + 100);
  memcpy (longer, g_bytes_get_data (genuine, NULL), size);
  g_assert_true (g_file_set_contents_full (part, longer, (gssize) size + 100,
                                           G_FILE_SET_CONTENTS_NONE, 0600, NULL));

  report = sync_jobs_ok (client->sync);
  g_assert_cmpuint (proxy->snapshot_requests, ==, 3);
  expected_range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", size + 100);
  g_assert_cmpstr (g_ptr_array_index (proxy->ranges, 1), ==, expected_range);
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 1), ==, 416);
  g_assert_cmpstr (g_ptr_array_index (proxy->ranges, 2), ==, "");
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 2), ==, 200);
  g_assert_cmpuint (g_array_index (proxy->sent, gsize, 2), ==, size);
  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  g_assert_true (temp_files_gone (client->path));
  assert_jobs_whole (f, client->store);
}

/* A region synced meanwhile without its snapshot: its held bytes are of no
 * use, and opening the cache removes them. */
static void
test_resume_stale (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  g_autofree char *part = NULL;

  resume_start (f, "stale.db", &genuine, NULL, &proxy, &client);
  sync_cut (f, client, proxy, g_bytes_get_size (genuine));
  part = part_path (client->path);
  wh_sync_set_use_snapshots (client->sync, FALSE);
  report = sync_jobs_ok (client->sync);
  g_assert_cmpint (wh_store_get_cursor (client->store, &wh_collection_jobs, NULL, NULL), >, 0);
  g_assert_true (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (temp_files_gone (client->path));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(WhStore) again = wh_store_open (client->path, &error);

    g_assert_no_error (error);
  }
  g_assert_true (temp_files_gone (client->path));
}

/* The server's side: a Range with the current tag gets the tail, with
 * another the whole file. */
static GBytes *
http_get_range (Fixture    *f,
                const char *range,
                const char *if_range,
                guint      *status,
                char      **content_range)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (wh_test_server_get_url (f->c.server),
                                      "/api/v1/jobs/snapshot", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(GError) error = NULL;
  GBytes *body;

  soup_message_headers_replace (headers, "Accept", WH_SNAPSHOT_ACCEPT);
  soup_message_headers_replace (headers, "Range", range);
  if (if_range != NULL)
    soup_message_headers_replace (headers, "If-Range", if_range);
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (msg);
  *content_range = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                           "Content-Range"));
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Accept-Ranges"), ==, "bytes");
  return body;
}

static void
test_server_range (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(GBytes) whole = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *content_range = NULL;
  g_autofree char *expected = NULL;
  const char *stale = "\"00000000000000000000000000000000\"";
  guint status = 0;
  gsize size;

  whole = http_get (f, "jobs/snapshot", NULL, &status, &etag);
  g_assert_cmpuint (status, ==, 200);
  size = g_bytes_get_size (whole);
  g_assert_cmpuint (size, >, 1000);

  body = http_get_range (f, "bytes=1000-", stale, &status, &content_range);
  g_assert_cmpuint (status, ==, 200);
  g_assert_null (content_range);
  g_assert_true (g_bytes_equal (body, whole));

  /* The tag of the gzip file (a download begun by a client from before
   * zstd): the whole zstd file, never a tail of the other packing. */
  {
    g_autofree char *gz_etag = NULL;
    g_autoptr(GBytes) gz = http_get_as (f, "jobs/snapshot", NULL, NULL, &status, &gz_etag);

    g_assert_cmpstr (gz_etag, !=, etag);
    g_clear_pointer (&body, g_bytes_unref);
    body = http_get_range (f, "bytes=1000-", gz_etag, &status, &content_range);
    g_assert_cmpuint (status, ==, 200);
    g_assert_null (content_range);
    g_assert_true (g_bytes_equal (body, whole));
  }

  g_clear_pointer (&body, g_bytes_unref);
  body = http_get_range (f, "bytes=1000-", etag, &status, &content_range);
  g_assert_cmpuint (status, ==, 206);
  expected = g_strdup_printf ("bytes 1000-%" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT, size - 1, size);
  g_assert_cmpstr (content_range, ==, expected);
  g_assert_cmpuint (g_bytes_get_size (body), ==, size - 1000);
  g_assert_cmpint (memcmp (g_bytes_get_data (body, NULL),
                           (const char *) g_bytes_get_data (whole, NULL) + 1000, size - 1000),
                   ==, 0);

  /* Past the end: 416, and the client asks for the whole file. */
  {
    g_autofree char *past = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", size);
    g_autofree char *unused = NULL;
    g_autoptr(GBytes) none = http_get_range (f, past, etag, &status, &unused);

    g_assert_cmpuint (status, ==, 416);
  }

  /* No If-Range: the tail too (a plain Range is the client's own risk). */
  g_clear_pointer (&body, g_bytes_unref);
  g_clear_pointer (&content_range, g_free);
  body = http_get_range (f, "bytes=1000-", NULL, &status, &content_range);
  g_assert_cmpuint (status, ==, 206);
  g_assert_cmpuint (g_bytes_get_size (body), ==, size - 1000);
}

/* ---- Killed inside the import -------------------------------------------- */

static int kill_at;
static const char *kill_while; /* the database attached meanwhile */

/* The writer's progress handler: dies -9 after kill_at calls while
 * kill_while is attached: "snapshot" inside the import's transaction,
 * "build" inside the build at once. */
static int
kill_while_attached (void *user_data)
{
  sqlite3 *db = user_data;

  if (sqlite3_db_filename (db, kill_while) != NULL && --kill_at <= 0)
    raise (SIGKILL);
  return 0;
}

static int
child_sync (const char *url,
            const char *path,
            const char *steps,
            gboolean    in_build)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) api = wh_api_new (url, &error);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const WhCollection *only_jobs[] = { &wh_collection_jobs };

  if (store == NULL || api == NULL)
    return 2;
  kill_at = atoi (steps);
  kill_while = in_build ? "build" : "snapshot";
  if (in_build)
    wh_store_set_build_all (store, 1);
  sqlite3_progress_handler (store->writer->db, 50, kill_while_attached, store->writer->db);
  sync = wh_sync_new (api, store);
  wh_sync_run_async (sync, only_jobs, 1, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_sync_run_finish (sync, result, NULL, &error) ? 0 : 1;
}

/* This test's binary as a child syncing the fixture's cache (mode:
 * --child-sync or --child-build) and killing itself after steps progress
 * callbacks in the import or the build: TRUE when it was killed, FALSE
 * when it finished first. */
static gboolean
run_child (Fixture    *f,
           const char *mode,
           int         steps)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *steps_text = g_strdup_printf ("%d", steps);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_exe, mode,
                                                   wh_test_server_get_url (f->c.server),
                                                   f->c.cache_path, steps_text, NULL);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_signaled (child))
    return FALSE;
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  return TRUE;
}

static void
test_killed (Fixture      *f,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  gboolean finished = FALSE;
  guint killed = 0;

  g_clear_object (&f->c.sync);
  g_clear_object (&f->c.store);
  for (guint i = 0; i < 8; i++)
    {
      if (!run_child (f, "--child-sync", 1 + (int) (i * i) * 60))
        {
          finished = TRUE; /* the import was shorter than that: done */
          break;
        }
      killed++;
      /* Killed inside its transaction: no job and no cursor; the file it
       * was reading stays until the next start (wh_store_open, which the
       * consistency check calls too). */
      g_assert_false (temp_files_gone (f->c.cache_path));
      wh_test_assert_cache_consistent (f->c.cache_path, 0, FALSE);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path, "SELECT count(*) FROM jobs"),
                       ==, 0);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path,
                                             "SELECT count(*) FROM sync_state WHERE"
                                             " collection = 'jobs' AND next_since > 0"), ==, 0);
    }
  g_test_message ("%u children killed inside the import", killed);
  g_assert_cmpuint (killed, >, 1);

  /* The next start removes the leftover and the next sync resumes. */
  f->c.store = wh_store_open (f->c.cache_path, &error);
  g_assert_no_error (error);
  g_assert_true (temp_files_gone (f->c.cache_path));
  f->c.sync = wh_sync_new (f->c.api, f->c.store);
  report = sync_jobs_ok (f->c.sync);
  /* A child that finished left the snapshot's rows: then the feed goes on. */
  g_assert_true (finished || jobs_report (report)->snapshot > 0);
  assert_jobs_whole (f, f->c.store);
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);
}

/* Killed at any point of the build at once: the snapshot's rows stay, all
 * of them waiting for their indexes, and the next sync builds them. */
static void
test_killed_in_build (Fixture      *f,
                      gconstpointer data)
{
  g_autofree char *scratch = g_strconcat (f->c.cache_path, ".build", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  gint64 rows = -1;
  guint killed = 0;

  g_clear_object (&f->c.sync);
  g_clear_object (&f->c.store);
  for (guint i = 0; i < 8; i++)
    {
      if (!run_child (f, "--child-build", 1 + (int) (i * i) * 40))
        break; /* the build was shorter than that: done */
      killed++;
      /* The import was committed; the build rolled back whole: every row
       * still listed, none in a half-made index. */
      g_assert_true (g_file_test (scratch, G_FILE_TEST_EXISTS));
      /* It opens the store, which removes the scratch. */
      wh_test_assert_cache_consistent (f->c.cache_path, 0, FALSE);
      g_assert_false (g_file_test (scratch, G_FILE_TEST_EXISTS));
      if (rows < 0)
        rows = wh_test_db_query_int (f->c.cache_path, "SELECT count(*) FROM jobs");
      g_assert_cmpint (rows, >, 0);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path, "SELECT count(*) FROM jobs"), ==,
                       rows);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path,
                                             "SELECT count(*) FROM jobs_unindexed"), ==, rows);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path,
                                             "SELECT count(*) FROM jobs_fts_docsize"), ==, 0);
      g_assert_cmpint (wh_test_db_query_int (f->c.cache_path,
                                             "SELECT count(*) FROM jobs_geo"), ==, 0);
    }
  g_test_message ("%u children killed inside the build", killed);
  g_assert_cmpuint (killed, >, 1);

  /* The next sync builds. */
  f->c.store = wh_store_open (f->c.cache_path, &error);
  g_assert_no_error (error);
  wh_store_set_build_all (f->c.store, 1);
  f->c.sync = wh_sync_new (f->c.api, f->c.store);
  report = sync_jobs_ok (f->c.sync);
  assert_jobs_whole (f, f->c.store);
  wh_test_assert_cache_consistent (f->c.cache_path, 0, TRUE);
}

static gboolean
poll_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A client killed while its snapshot comes: through a proxy of its own that
 * sends cut bytes and then nothing, it dies (SIGKILL) once they and the tag
 * are on the disk. */
static int
child_download (const char *url,
                const char *path,
                const char *cut)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(Proxy) proxy = proxy_new_for (url, NULL, 0);
  g_autoptr(WhApi) api = wh_api_new (proxy->url, &error);
  g_autoptr(WhStore) store = wh_store_open (path, &error);
  g_autoptr(WhSync) sync = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *part = part_path (path);
  g_autofree char *tag = g_strconcat (part, ".tag", NULL);
  const WhCollection *only_jobs[] = { &wh_collection_jobs };
  gsize cut_at = (gsize) atoi (cut);
  gint64 deadline;

  if (store == NULL || api == NULL)
    return 2;
  proxy->forward = TRUE;
  proxy->cut_at = cut_at;
  proxy->hang = TRUE;
  sync = wh_sync_new (api, store);
  wh_sync_run_async (sync, only_jobs, 1, NULL, wh_test_result_cb, &result);
  /* Wakes the loop to look at the files. */
  g_timeout_add (5, poll_cb, NULL);
  /* Without a tag as the answer starts, never: the parent then fails. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (result == NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      if (file_size (part) >= cut_at && g_file_test (tag, G_FILE_TEST_IS_REGULAR))
        raise (SIGKILL);
    }
  return 1;
}

/* The same after a kill: the bytes on the disk and their tag are enough. */
static void
test_resume_killed (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *path = g_build_filename (f->c.dir, "killed-download.db", NULL);
  g_autofree char *part = part_path (path);
  g_autofree char *cut = NULL;
  g_autofree char *expected_range = NULL;
  g_autoptr(GBytes) genuine = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(Proxy) proxy = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(WhSyncReport) report = NULL;
  guint status = 0;
  gsize size, held;

  genuine = http_get (f, "jobs/snapshot", NULL, &status, NULL);
  size = g_bytes_get_size (genuine);
  cut = g_strdup_printf ("%" G_GSIZE_FORMAT, size / 2);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, self_exe, "--child-download",
                            wh_test_server_get_url (f->c.server), path, cut, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  held = file_size (part);
  g_assert_cmpuint (held, ==, size / 2);

  /* Opening the cache (client_new) keeps it; the sync asks for the rest. */
  proxy = proxy_new (f, NULL, 0);
  proxy->forward = TRUE;
  client = client_new (f, "killed-download.db", proxy->url);
  g_assert_cmpuint (file_size (part), ==, held);
  report = sync_jobs_ok (client->sync);
  expected_range = g_strdup_printf ("bytes=%" G_GSIZE_FORMAT "-", held);
  g_assert_cmpuint (proxy->snapshot_requests, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (proxy->ranges, 0), ==, expected_range);
  g_assert_cmpuint (g_array_index (proxy->statuses, guint, 0), ==, 206);
  g_assert_cmpuint (g_array_index (proxy->sent, gsize, 0), ==, size - held);
  g_assert_cmpuint (jobs_report (report)->snapshot, >, 0);
  g_assert_true (temp_files_gone (client->path));
  assert_jobs_whole (f, client->store);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 5 && strcmp (argv[1], "--child-sync") == 0)
    return child_sync (argv[2], argv[3], argv[4], FALSE);
  if (argc == 5 && strcmp (argv[1], "--child-build") == 0)
    return child_sync (argv[2], argv[3], argv[4], TRUE);
  if (argc == 5 && strcmp (argv[1], "--child-download") == 0)
    return child_download (argv[2], argv[3], argv[4]);

  wh_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sync-snapshot/same-cache", test_same_cache);
  ADD ("/sync-snapshot/changes-after", test_changes_after);
  ADD ("/sync-snapshot/region", test_region);
  ADD ("/sync-snapshot/second-region", test_second_region);
  ADD ("/sync-snapshot/build-at-once", test_build_at_once);
  ADD ("/sync-snapshot/build-at-once/fallback", test_build_at_once_fallback);
  ADD ("/sync-snapshot/server", test_server);
  ADD ("/sync-snapshot/files/hostile", test_hostile);
  ADD ("/sync-snapshot/files/fallback", test_fallback);
  ADD ("/sync-snapshot/files/killed", test_killed);
  ADD ("/sync-snapshot/files/killed-in-build", test_killed_in_build);
  ADD ("/sync-snapshot/progress", test_progress);
  ADD ("/sync-snapshot/progress/slow", test_progress_slow);
  ADD ("/sync-snapshot/resume", test_resume);
  ADD ("/sync-snapshot/resume/changed", test_resume_changed);
  ADD ("/sync-snapshot/resume/tampered", test_resume_tampered);
  ADD ("/sync-snapshot/resume/stale", test_resume_stale);
  ADD ("/sync-snapshot/resume/refused", test_resume_refused);
  ADD ("/sync-snapshot/resume/killed", test_resume_killed);
  ADD ("/sync-snapshot/server/range", test_server_range);
#undef ADD

  return g_test_run ();
}
