/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhSync and WhApi against hostile servers in this process: one that
 * answers has_more for ever with new records, one that drips a byte at a
 * time, one whose Retry-After outlasts the request's deadline. Each run must
 * end in time with a clear error, keeping what the cache had. */
#include "config.h"

#include <libsoup/soup.h>
#include <sqlite3.h>
#include <string.h>

#include "wh-sync.h"
#include "wh-test-store.h"
#include "wh-test.h"

typedef enum
{
  MODE_FINITE,      /* finite_n records, then has_more false */
  MODE_ENDLESS,     /* a full page of new records, has_more true, for ever */
  MODE_DRIP,        /* 200, then a byte every 50 ms, for ever */
  MODE_RETRY_LATER, /* 429 with Retry-After: 10 */
} Mode;

typedef struct
{
  char       *dir;
  char       *cache_path;
  WhStore    *store;
  SoupServer *server;
  WhApi      *api;
  WhSync     *sync;

  Mode        mode;
  gint64      finite_n;
  guint       n_jobs_requests;
  guint       n_stations_requests;
  GSList     *drips;        /* SoupServerMessage* being dripped to */
  guint       drip_source;
} Fixture;

static WhRecord *
make_record (const WhCollection *collection,
             gint64              id)
{
  g_autofree char *name = g_strdup_printf ("Record %" G_GINT64_FORMAT, id);

  if (collection == &wh_collection_stations)
    return wh_test_make_station (id, id, name, 39.9, 116.4);
  return wh_test_make_job (id, id, name, NULL);
}

static char *
page_json (const WhCollection *collection,
           gint64              since,
           gint64              last,
           gboolean            has_more,
           gint64              server_rev,
           gsize              *length)
{
  g_autoptr(WhPage) page = wh_page_new (collection);

  for (gint64 id = since + 1; id <= last; id++)
    g_ptr_array_add (page->records, make_record (collection, id));
  page->since = since;
  page->next_since = MAX (since, last);
  page->server_rev = MAX (server_rev, page->next_since);
  page->has_more = has_more;
  page->remaining = -1;
  return wh_page_to_json (page, length);
}

static gboolean
drip_cb (gpointer user_data)
{
  Fixture *f = user_data;

  for (GSList *l = f->drips; l != NULL; l = l->next)
    {
      soup_message_body_append (soup_server_message_get_response_body (l->data),
                                SOUP_MEMORY_STATIC, " ", 1);
      soup_server_message_unpause (l->data);
    }
  return G_SOURCE_CONTINUE;
}

static void
drip_gone_cb (SoupServerMessage *msg,
              Fixture           *f)
{
  f->drips = g_slist_remove (f->drips, msg);
}

static void
changes_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Fixture *f = user_data;
  const WhCollection *collection;
  const char *since_text = query ? g_hash_table_lookup (query, "since") : NULL;
  const char *limit_text = query ? g_hash_table_lookup (query, "limit") : NULL;
  gint64 since = since_text ? g_ascii_strtoll (since_text, NULL, 10) : 0;
  gint64 limit = limit_text ? g_ascii_strtoll (limit_text, NULL, 10) : 100;
  g_autofree char *body = NULL;
  gsize length = 0;

  if (g_str_has_prefix (path, "/api/v1/jobs/"))
    {
      collection = &wh_collection_jobs;
      f->n_jobs_requests++;
    }
  else if (g_str_has_prefix (path, "/api/v1/stations/"))
    {
      collection = &wh_collection_stations;
      f->n_stations_requests++;
    }
  else
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }

  switch (f->mode)
    {
    case MODE_DRIP:
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CHUNKED);
      f->drips = g_slist_prepend (f->drips, msg);
      g_signal_connect (msg, "finished", G_CALLBACK (drip_gone_cb), f);
      g_signal_connect (msg, "disconnected", G_CALLBACK (drip_gone_cb), f);
      soup_server_message_pause (msg);
      if (f->drip_source == 0)
        f->drip_source = g_timeout_add (50, drip_cb, f);
      return;
    case MODE_RETRY_LATER:
      soup_server_message_set_status (msg, 429, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Retry-After", "10");
      return;
    case MODE_ENDLESS:
      /* New records at new revs, and always more of them. */
      body = page_json (collection, since, since + limit, TRUE, since + limit + 1000000, &length);
      break;
    case MODE_FINITE:
    default:
      body = page_json (collection, since, MIN (since + limit, f->finite_n),
                        since + limit < f->finite_n, f->finite_n, &length);
      break;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&body), length);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *url = NULL;

  f->dir = wh_test_make_tmpdir ();
  f->cache_path = g_build_filename (f->dir, "cache.db", NULL);
  f->store = wh_store_open (f->cache_path, &error);
  g_assert_no_error (error);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/api/v1", changes_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  f->api = wh_api_new (url, &error);
  g_assert_no_error (error);
  wh_api_set_retry_policy (f->api, 5, 10, 50, 60 * 1000);
  wh_api_set_timeouts (f->api, 5, 5, 20);
  f->sync = wh_sync_new (f->api, f->store);
  wh_sync_set_page_limit (f->sync, 100);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->sync);
  g_clear_object (&f->api);
  if (f->drip_source != 0)
    g_source_remove (f->drip_source);
  for (GSList *l = f->drips; l != NULL; l = l->next)
    g_signal_handlers_disconnect_by_data (l->data, f);
  g_clear_pointer (&f->drips, g_slist_free);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&f->store);
  wh_test_remove_tmpdir (f->dir);
  g_free (f->dir);
  g_free (f->cache_path);
}

static const WhCollection * const jobs_then_stations[] = {
  &wh_collection_jobs, &wh_collection_stations,
};

/* Runs the sync over jobs then stations; FALSE and error as the run ends. */
static gboolean
run_sync (Fixture       *f,
          WhSyncReport **report,
          GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_sync_run_async (f->sync, jobs_then_stations, G_N_ELEMENTS (jobs_then_stations), NULL,
                     wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_sync_run_finish (f->sync, result, report, error);
}

static gint64
cache_count (Fixture    *f,
             const char *table)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s", table);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  g_assert_cmpint (sqlite3_open_v2 (f->cache_path, &db, SQLITE_OPEN_READONLY, NULL), ==,
                   SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

/* A first sync of a well-behaved feed: 50 jobs and 50 stations. */
static void
fill_cache (Fixture *f)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;

  f->mode = MODE_FINITE;
  f->finite_n = 50;
  g_assert_true (run_sync (f, &report, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cache_count (f, "jobs"), ==, 50);
  g_assert_cmpint (cache_count (f, "stations"), ==, 50);
  f->n_jobs_requests = f->n_stations_requests = 0;
}

static void
test_endless_collection (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  WhSyncCollectionReport *jobs;
  WhSyncCollectionReport *stations;

  fill_cache (f);
  g_object_set (f->sync, "max-records", (guint64) 1000, NULL);
  f->mode = MODE_ENDLESS;

  g_assert_false (run_sync (f, &report, &error));
  g_assert_error (error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MANY_RECORDS);
  g_assert_nonnull (strstr (error->message, "jobs"));
  g_test_message ("%s", error->message);

  /* The jobs stopped at the cap, with what came before kept; the stations,
   * a collection of their own, were still pulled (up to their own cap). */
  g_assert_cmpuint (report->collections->len, ==, 2);
  jobs = &g_array_index (report->collections, WhSyncCollectionReport, 0);
  stations = &g_array_index (report->collections, WhSyncCollectionReport, 1);
  g_assert_error (jobs->error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MANY_RECORDS);
  g_assert_cmpuint (jobs->records, ==, 1000);
  g_assert_cmpint (cache_count (f, "jobs"), ==, 50 + 1000);
  g_assert_cmpuint (f->n_jobs_requests, <=, 1 + 1000 / 100 + 1);
  g_assert_error (stations->error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MANY_RECORDS);
  g_assert_cmpint (cache_count (f, "stations"), ==, 50 + 1000);
}

static void
test_endless_bytes (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;

  fill_cache (f);
  g_object_set (f->sync, "max-bytes", (guint64) 256 * 1024, NULL);
  f->mode = MODE_ENDLESS;

  g_assert_false (run_sync (f, &report, &error));
  g_assert_error (error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MUCH_DATA);
  g_test_message ("%s", error->message);
  /* A cap of the whole run: the stations were not even asked for. */
  g_assert_cmpuint (report->collections->len, ==, 1);
  g_assert_cmpuint (f->n_stations_requests, ==, 0);
  g_assert_cmpint (cache_count (f, "jobs"), >, 50);
  g_assert_cmpint (cache_count (f, "stations"), ==, 50);
}

static void
test_endless_total (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;

  fill_cache (f);
  wh_sync_set_limits (f->sync, 1000, 700, G_MAXUINT64);
  f->mode = MODE_ENDLESS;

  g_assert_false (run_sync (f, &report, &error));
  g_assert_error (error, WH_SYNC_ERROR, WH_SYNC_ERROR_TOO_MUCH_DATA);
  g_assert_cmpuint (report->collections->len, ==, 1);
  g_assert_cmpint (cache_count (f, "jobs"), ==, 50 + 700);
  g_assert_cmpuint (f->n_stations_requests, ==, 0);
}

static void
test_drip (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(WhSyncReport) report = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start;

  fill_cache (f);
  /* A byte every 50 ms dodges the 5 s I/O timeout; the deadline of the
   * whole request, retries included, stops it. */
  wh_api_set_timeouts (f->api, 5, 5, 1);
  f->mode = MODE_DRIP;
  start = g_get_monotonic_time ();

  g_assert_false (run_sync (f, &report, &error));
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT);
  g_test_message ("%s after %.1f s", error->message,
                  (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);
  /* One request (the probe of the server's rev), not five tries of it. */
  g_assert_cmpuint (f->n_jobs_requests, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (cache_count (f, "jobs"), ==, 50);
  g_assert_cmpint (cache_count (f, "stations"), ==, 50);
}

static void
test_retry_after_past_deadline (Fixture      *f,
                                gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  gint64 start = g_get_monotonic_time ();

  /* Retry-After: 10 and a 2 s deadline: waiting could only end in a
   * timeout, so the request says at once what the server said. */
  wh_api_set_timeouts (f->api, 5, 5, 2);
  f->mode = MODE_RETRY_LATER;
  wh_api_get_changes_async (f->api, &wh_collection_jobs, 0, 100, 0, FALSE, NULL, NULL,
                            wh_test_result_cb, &result);
  wh_test_await (&result);
  page = wh_api_get_changes_finish (f->api, result, NULL, NULL, &error);
  g_assert_null (page);
  g_assert_error (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED);
  g_assert_cmpuint (f->n_jobs_requests, ==, 1);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);
}

int
main (int    argc,
      char **argv)
{
  wh_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/sync-limits/endless/collection", test_endless_collection);
  ADD ("/sync-limits/endless/bytes", test_endless_bytes);
  ADD ("/sync-limits/endless/total", test_endless_total);
  ADD ("/sync-limits/deadline/drip", test_drip);
  ADD ("/sync-limits/deadline/retry-after", test_retry_after_past_deadline);
#undef ADD

  return g_test_run ();
}
