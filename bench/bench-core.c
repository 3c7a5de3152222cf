/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-core: the client-core benchmark, driven by bench/run-core-bench.
 *
 * It measures libwh-core against the reference backend serving the national
 * demo data on loopback: how fast the cache fills, how much memory that
 * takes, and how fast the reads a UI makes (search, map viewport) answer on a
 * cache of a million jobs. Subcommands, each its own process so that no
 * phase's memory counts in another's peak:
 *
 *   run URL DIR      every phase below as a child process, then the table
 *   sync URL CACHE   fills CACHE through the sync engine (WhSync): stations,
 *                    the jobs of REGIONS, everything else, then a pass that
 *                    finds nothing new; rates and the peak RSS (VmHWM). The
 *                    server's region snapshots are asked for first, untimed
 *                    (their build is the server's, once a day), as
 *                    run-province-bench does; each region's figures too
 *   load URL CACHE   the same without the sync engine: pages fetched one by
 *                    one, decoded with wh-codec and written with
 *                    wh_store_apply_page; time spent in each step
 *   bulk CACHE FILE  the cached job rows inserted straight into the cache's
 *                    own jobs table (its indexes, FTS and R*Tree) in a fresh
 *                    FILE, in one transaction: the baseline for the sync
 *   bulk-bare CACHE FILE  the same into a bare table of the same columns
 *                    (no index, no FTS, no R*Tree): reported, not a target
 *   query CACHE      search, a LIKE scan of the same queries, map viewports
 *   replay CACHE P…  saved changes pages decoded and written on one thread,
 *                    no server: stable instruction counts under callgrind
 *   index-costs CACHE FILE  what each of the jobs' indexes costs to build
 *                    over a copy (FILE) of a synced cache, and to check when
 *                    received built (FTS5 integrity-check, rtreecheck), with
 *                    its size: the figures behind #22's choice between
 *                    building indexes and shipping them in a snapshot
 *
 * Each phase prints its figures as "key: value" lines on stdout and its
 * progress on stderr; run collects the lines, prints the table against the
 * targets and then every figure again.
 */
#define G_LOG_DOMAIN "wh-bench"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "wh-codec.h"
#include "wh-search-tokenizer.h"
#include "wh-snapshot.h"
#include "wh-store.h"
#include "wh-api.h"
#include "wh-sync.h"

/* Jobs are cached for a region, as a desktop does; one province gives at
 * most 450,000 jobs, so the benchmark's million-job cache is the south-east
 * coast: 广东, 江苏, 上海, 浙江 and 福建, 1,040,399 jobs with seed 1 (the
 * first whole-province set, largest first, that reaches a million; the
 * rest of the country's 2.7 M are not fetched). */
static const int job_regions[] = { 440000, 320000, 310000, 330000, 350000 };

/* Records per changes page: the sync engine's default. */
#define PAGE_LIMIT 1000

/* What a UI page of search results or a map frame asks for. */
#define SEARCH_LIMIT  50
#define SEARCH_REPEAT 5
#define VIEWPORT_LIMIT 5000
#define VIEWPORT_COUNT 2000

/* Two-character words inside longer text, long and single-character
 * queries, place names, and the Latin and digit words the jobs hold
 * (licence classes, machine names, salaries). */
static const char * const search_queries[] = {
  "电工", "保洁", "快递", "叉车", "焊工", "家政", "司机", "高级电工技师", "月嫂", "北京",
  "深圳", "五险一金", "日结", "包吃住", "维修电工", "保安", "仓库", "电", "工",
  "CNC", "C1", "B2", "4500", "6000",
};

/* What a person without a Chinese input method, at a kiosk's letter keypad
 * or from Hong Kong or Taiwan types for the same (#19): full pinyin, with
 * and without spaces, initials, traditional characters. Timed apart, so
 * the figures above stay comparable with earlier runs. */
static const char * const pinyin_queries[] = {
  "diangong", "dian gong", "dg", "baojie", "bj", "kuaidi", "kd", "chache", "hangong", "jiazheng",
  "siji", "sj", "weixiudiangong", "wxdg", "shenzhen", "sz", "baoan", "cangku", "電工", "維修電工",
  "快遞", "倉庫",
};

/* ---- Figures -------------------------------------------------------------- */

static void
put (const char *key,
     double      value)
{
  /* Integers without decimals, small values with enough of them. */
  if (value == floor (value) && fabs (value) < 1e15)
    printf ("%s: %.0f\n", key, value);
  else if (fabs (value) >= 100)
    printf ("%s: %.1f\n", key, value);
  else
    printf ("%s: %.3f\n", key, value);
  fflush (stdout);
}

static void
put_text (const char *key,
          const char *value)
{
  printf ("%s: %s\n", key, value);
  fflush (stdout);
}

static int
cmp_double (gconstpointer a,
            gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the samples (sorted in place). */
static double
percentile (GArray *samples,
            double  p)
{
  guint rank;

  g_assert (samples->len > 0);
  g_array_sort (samples, cmp_double);
  rank = (guint) ceil (p / 100.0 * samples->len);
  return g_array_index (samples, double, CLAMP (rank, 1, samples->len) - 1);
}

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

/* CPU time of the process, every thread, user and system: on a machine
 * shared with other work it says what the wall time cannot. */
static double
cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

/* The peak resident set of this process, in MiB (VmHWM). */
static double
peak_rss_mb (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL) ||
      (line = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return g_ascii_strtod (line + strlen ("VmHWM:"), NULL) / 1024.0;
}

static double
status_mb (const char *status,
           const char *field)
{
  const char *line = strstr (status, field);

  return line ? g_ascii_strtod (line + strlen (field), NULL) / 1024.0 : -1;
}

/* VmHWM holds the peak of the whole resident set, file pages SQLite maps
 * (mmap_size) included. A thread samples the anonymous part (heap) and the
 * file-backed part apart, to tell which one a peak came from. */
typedef struct
{
  GThread  *thread;
  gint      stop;
  double    anon_mb;
  double    file_mb;
} RssSampler;

static gpointer
rss_sampler_thread (gpointer data)
{
  RssSampler *sampler = data;

  while (!g_atomic_int_get (&sampler->stop))
    {
      g_autofree char *status = NULL;

      if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
        {
          sampler->anon_mb = MAX (sampler->anon_mb, status_mb (status, "RssAnon:"));
          sampler->file_mb = MAX (sampler->file_mb, status_mb (status, "RssFile:"));
        }
      g_usleep (10000);
    }
  return NULL;
}

static void
rss_sampler_start (RssSampler *sampler)
{
  sampler->thread = g_thread_new ("rss-sampler", rss_sampler_thread, sampler);
}

static void
rss_sampler_stop (RssSampler *sampler)
{
  g_atomic_int_set (&sampler->stop, 1);
  g_thread_join (sampler->thread);
}

static gboolean
remove_cache (const char *path)
{
  static const char * const suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      if (g_remove (file) != 0 && errno != ENOENT)
        {
          g_printerr ("bench-core: cannot remove %s: %s\n", file, g_strerror (errno));
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- load: pages through wh-codec and wh_store_apply_page ------------------ */

typedef struct
{
  double  fetch_s;
  double  parse_s;
  double  apply_s;
  guint64 bytes;
  guint64 rows;
} LoadStats;

static gboolean
load_feed (SoupSession        *session,
           const char         *base_url,
           WhStore            *store,
           const WhCollection *collection,
           int                 region,
           LoadStats          *stats,
           GError            **error)
{
  g_autofree char *region_text = region ? g_strdup_printf ("%d", region) : NULL;
  gint64 since = wh_store_get_cursor (store, collection, region_text, error);
  gboolean has_more = TRUE;

  if (since < 0)
    return FALSE;
  while (has_more)
    {
      g_autofree char *url = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(WhPage) page = NULL;
      gconstpointer data;
      gsize length;
      double t0 = now_s (), t1, t2;

      url = g_strdup_printf ("%s/api/v1/%s/changes?since=%" G_GINT64_FORMAT "&limit=%d%s%s",
                             base_url, collection->name, since, PAGE_LIMIT,
                             region_text ? "&region=" : "", region_text ? region_text : "");
      msg = soup_message_new (SOUP_METHOD_GET, url);
      if ((body = soup_session_send_and_read (session, msg, NULL, error)) == NULL)
        return FALSE;
      if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: HTTP %u", url,
                       soup_message_get_status (msg));
          return FALSE;
        }
      t1 = now_s ();
      data = g_bytes_get_data (body, &length);
      if ((page = wh_page_from_json (collection, data, length, error)) == NULL)
        return FALSE;
      t2 = now_s ();
      if (!wh_store_apply_page (store, page, region_text, error))
        return FALSE;
      stats->fetch_s += t1 - t0;
      stats->parse_s += t2 - t1;
      stats->apply_s += now_s () - t2;
      stats->bytes += length;
      stats->rows += page->records->len;
      since = page->next_since;
      has_more = page->has_more;
    }
  return TRUE;
}

static int
cmd_load (const char *base_url,
          const char *cache_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 120, NULL);
  LoadStats stations = { 0 }, jobs = { 0 };
  RssSampler sampler = { 0 };
  double t0, c0, stations_s, jobs_s, jobs_cpu;

  if (!remove_cache (cache_path) || (store = wh_store_open (cache_path, &error)) == NULL)
    goto fail;

  rss_sampler_start (&sampler);
  g_printerr ("load: stations…\n");
  t0 = now_s ();
  if (!load_feed (session, base_url, store, &wh_collection_stations, 0, &stations, &error))
    goto fail;
  stations_s = now_s () - t0;

  t0 = now_s ();
  c0 = cpu_s ();
  for (guint i = 0; i < G_N_ELEMENTS (job_regions); i++)
    {
      g_printerr ("load: jobs of %d…\n", job_regions[i]);
      if (!load_feed (session, base_url, store, &wh_collection_jobs, job_regions[i], &jobs,
                      &error))
        goto fail;
    }
  jobs_s = now_s () - t0;
  jobs_cpu = cpu_s () - c0;

  put ("stations_load_rows", stations.rows);
  put ("stations_load_rows_per_s", stations.rows / stations_s);
  put ("jobs_load_rows", jobs.rows);
  put ("jobs_load_rows_per_s", jobs.rows / jobs_s);
  put ("jobs_load_rows_per_cpu_s", jobs.rows / jobs_cpu);
  put ("jobs_load_mb", jobs.bytes / 1048576.0);
  put ("jobs_load_fetch_s", jobs.fetch_s);
  put ("jobs_load_parse_s", jobs.parse_s);
  put ("jobs_load_apply_s", jobs.apply_s);
  put ("jobs_apply_rows_per_s", jobs.rows / jobs.apply_s);
  put ("load_peak_rss_mb", peak_rss_mb ());
  rss_sampler_stop (&sampler);
  put ("load_peak_rss_anon_mb", sampler.anon_mb);
  put ("load_peak_rss_file_mb", sampler.file_mb);
  return 0;

fail:
  if (sampler.thread != NULL)
    rss_sampler_stop (&sampler);
  g_printerr ("bench-core load: %s\n", error ? error->message : "failed");
  return 1;
}

/* ---- replay: saved pages, no server -------------------------------------------- */

/* Decodes saved changes pages (files, in order) and writes them with
 * wh_store_apply_page into a fresh CACHE, as the sync engine does but on one
 * thread and with no network: its instruction counts (callgrind) do not move
 * with the load of the machine, so it compares two versions of the code. */
static int
cmd_replay (const char  *cache_path,
            char       **files)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  const WhCollection *collection = NULL;
  guint64 rows = 0;
  double decode_cpu = 0, apply_cpu = 0, build_cpu = 0, t0 = now_s (), c0;

  if (!remove_cache (cache_path) || (store = wh_store_open (cache_path, &error)) == NULL)
    goto fail;
  for (guint i = 0; files[i] != NULL; i++)
    {
      g_autofree char *data = NULL;
      g_autoptr(WhPage) page = NULL;
      gsize length;
      const char *name;

      if (!g_file_get_contents (files[i], &data, &length, &error))
        goto fail;
      /* The collection is the one the page names. */
      name = strstr (data, "\"collection\":\"");
      if (collection == NULL && name != NULL)
        {
          g_autofree char *n = g_strndup (name + 14, strcspn (name + 14, "\""));
          collection = wh_schema_lookup (n);
        }
      if (collection == NULL)
        {
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: no collection", files[i]);
          goto fail;
        }
      c0 = cpu_s ();
      if ((page = wh_page_from_json (collection, data, length, &error)) == NULL)
        goto fail;
      decode_cpu += cpu_s () - c0;
      c0 = cpu_s ();
      if (!wh_store_apply_page (store, page, NULL, &error))
        goto fail;
      apply_cpu += cpu_s () - c0;
      rows += page->records->len;
    }
  /* As the sync engine does when a pull ends. */
  c0 = cpu_s ();
  if (collection != NULL && !wh_store_build_indexes (store, collection, NULL, &error))
    goto fail;
  build_cpu = cpu_s () - c0;
  put ("replay_rows", rows);
  put ("replay_decode_cpu_s", decode_cpu);
  put ("replay_apply_cpu_s", apply_cpu);
  put ("replay_build_cpu_s", build_cpu);
  put ("replay_s", now_s () - t0);
  put ("replay_rows_per_cpu_s", rows / (decode_cpu + apply_cpu + build_cpu));
  put ("replay_peak_rss_mb", peak_rss_mb ());
  return 0;

fail:
  g_printerr ("bench-core replay: %s\n", error ? error->message : "failed");
  return 1;
}

/* ---- sync: the real sync engine -------------------------------------------- */

typedef struct
{
  GMainLoop    *loop;
  WhSyncReport *report;
  GError       *error;
  gboolean      ok;
} SyncRun;

static void
sync_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  SyncRun *run = user_data;

  run->ok = wh_sync_run_finish (WH_SYNC (source), result, &run->report, &run->error);
  g_main_loop_quit (run->loop);
}

typedef struct
{
  guint64 records;        /* live records and tombstones written */
  guint   pages;
  guint   collections;
  guint   not_modified;   /* collections that answered 304 */
  double  seconds;        /* wall time of the run */
  double  cpu;            /* CPU time of the process during the run */
} SyncFigures;

/* One run of the engine over collections (NULL: all), waited for. */
static gboolean
sync_once (WhSync                     *sync,
           const WhCollection * const *collections,
           guint                       n_collections,
           SyncFigures                *out,
           GError                    **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  SyncRun run = { loop, NULL, NULL, FALSE };
  double t0 = now_s (), c0 = cpu_s ();

  wh_sync_run_async (sync, collections, n_collections, NULL, sync_done_cb, &run);
  g_main_loop_run (loop);
  out->seconds = now_s () - t0;
  out->cpu = cpu_s () - c0;
  if (!run.ok)
    {
      wh_sync_report_free (run.report);
      g_propagate_error (error, run.error);
      return FALSE;
    }
  memset (out, 0, G_STRUCT_OFFSET (SyncFigures, seconds));
  for (guint i = 0; i < run.report->collections->len; i++)
    {
      const WhSyncCollectionReport *cr = &g_array_index (run.report->collections,
                                                         WhSyncCollectionReport, i);

      out->records += cr->records + cr->deleted;
      out->pages += cr->pages;
      out->collections++;
      out->not_modified += cr->not_modified;
    }
  wh_sync_report_free (run.report);
  return TRUE;
}

/* When the last page of a pull was written (its progress reached the
 * total): what follows it is the build of the indexes it deferred, after
 * which the list and search are whole. */
static void
last_page_cb (WhSync     *sync,
              const char *collection,
              gint64      done,
              gint64      total,
              double     *at)
{
  if (done > 0 && done >= total)
    *at = now_s ();
}

/* A server makes a region's snapshot when first asked (seconds for a
 * province, then served from its file for the day): asked for here, before
 * the timed syncs, so that they time the client, as bench/run-province-bench
 * does. The server's cost is put apart. */
static gboolean
warm_snapshots (const char *base_url,
                GError    **error)
{
  g_autoptr(SoupSession) session = soup_session_new_with_options ("timeout", 600, NULL);
  double total_s = 0;
  guint64 total_bytes = 0;

  for (guint i = 0; i < G_N_ELEMENTS (job_regions); i++)
    {
      g_autofree char *url = g_strdup_printf ("%s/api/v1/jobs/snapshot?region=%d", base_url,
                                              job_regions[i]);
      g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
      g_autoptr(GInputStream) in = NULL;
      g_autofree char *buffer = g_malloc (65536);
      double start = now_s ();
      gssize n;

      /* As the client asks: the bytes are the ones it downloads. */
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept",
                                    WH_SNAPSHOT_ACCEPT);

      if ((in = soup_session_send (session, msg, NULL, error)) == NULL)
        return FALSE;
      if (soup_message_get_status (msg) != SOUP_STATUS_OK)
        {
          /* An older server: the feed brings the rows, timed as it is. */
          g_printerr ("warm: no snapshot for %d (HTTP %u)\n", job_regions[i],
                      soup_message_get_status (msg));
          return TRUE;
        }
      while ((n = g_input_stream_read (in, buffer, 65536, NULL, error)) > 0)
        total_bytes += (guint64) n;
      if (n < 0)
        return FALSE;
      total_s += now_s () - start;
    }
  put ("snapshots_server_build_s", total_s);
  put ("snapshots_bytes", (double) total_bytes);
  return TRUE;
}

static int
cmd_sync (const char *base_url,
          const char *cache_path)
{
  static const WhCollection * const stations[] = { &wh_collection_stations };
  static const WhCollection * const jobs[] = { &wh_collection_jobs };
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(WhApi) api = NULL;
  g_autoptr(WhSync) sync = NULL;
  SyncFigures f;
  RssSampler sampler = { 0 };
  guint64 jobs_rows = 0;
  double jobs_s = 0, jobs_cpu = 0, peak, last_page = 0, ready_after = 0;
  gint64 cached;

  g_printerr ("sync: the server's region snapshots…\n");
  if (!warm_snapshots (base_url, &error))
    goto fail;
  if (!remove_cache (cache_path) || (store = wh_store_open (cache_path, &error)) == NULL ||
      (api = wh_api_new (base_url, &error)) == NULL)
    goto fail;
  sync = wh_sync_new (api, store);
  wh_sync_set_page_limit (sync, PAGE_LIMIT);
  rss_sampler_start (&sampler);

  g_printerr ("sync: stations…\n");
  if (!sync_once (sync, stations, 1, &f, &error))
    goto fail;
  put ("stations_sync_rows", f.records);
  put ("stations_sync_s", f.seconds);
  put ("stations_sync_rows_per_s", f.records / f.seconds);
  put ("stations_sync_rows_per_cpu_s", f.records / f.cpu);

  /* One region at a time: each has a cursor of its own, and the jobs of
   * the regions before stay cached. */
  for (guint i = 0; i < G_N_ELEMENTS (job_regions); i++)
    {
      gulong id;

      g_printerr ("sync: jobs of %d…\n", job_regions[i]);
      wh_sync_set_region (sync, job_regions[i]);
      last_page = 0;
      id = g_signal_connect (sync, "progress", G_CALLBACK (last_page_cb), &last_page);
      if (!sync_once (sync, jobs, 1, &f, &error))
        goto fail;
      g_signal_handler_disconnect (sync, id);
      {
        g_autofree char *key_s = g_strdup_printf ("jobs_sync_s_%d", job_regions[i]);
        g_autofree char *key_rows = g_strdup_printf ("jobs_sync_rows_%d", job_regions[i]);
        g_autofree char *key_ready = g_strdup_printf ("jobs_ready_after_last_page_s_%d",
                                                      job_regions[i]);

        put (key_rows, f.records);
        put (key_s, f.seconds);
        if (last_page > 0)
          put (key_ready, now_s () - last_page);
      }
      if (last_page > 0)
        ready_after = MAX (ready_after, now_s () - last_page);
      jobs_rows += f.records;
      jobs_s += f.seconds;
      jobs_cpu += f.cpu;
    }
  if ((cached = wh_store_count (store, &wh_collection_jobs, &error)) < 0)
    goto fail;
  put ("jobs_sync_rows", jobs_rows);
  put ("jobs_cached", cached);
  put ("jobs_sync_s", jobs_s);
  put ("jobs_sync_rows_per_s", jobs_rows / jobs_s);
  put ("jobs_sync_cpu_s", jobs_cpu);
  put ("jobs_sync_rows_per_cpu_s", jobs_rows / jobs_cpu);
  /* The longest wait of the five first pulls. */
  put ("jobs_ready_after_last_page_s", ready_after);

  g_printerr ("sync: every other collection…\n");
  if (!sync_once (sync, NULL, 0, &f, &error))
    goto fail;
  put ("other_sync_rows", f.records);
  put ("other_sync_s", f.seconds);
  peak = peak_rss_mb ();
  rss_sampler_stop (&sampler);
  put ("sync_peak_rss_anon_mb", sampler.anon_mb);
  put ("sync_peak_rss_file_mb", sampler.file_mb);

  /* Everything is cached now (jobs for the last region set): a pass over
   * every collection that finds nothing new, as a periodic sync would. */
  g_printerr ("sync: a pass that finds nothing new…\n");
  if (!sync_once (sync, NULL, 0, &f, &error))
    goto fail;
  put ("nochange_sync_ms", f.seconds * 1000);
  put ("nochange_sync_rows", f.records);
  put ("nochange_sync_collections", f.collections);
  put ("nochange_sync_not_modified", f.not_modified);
  put ("sync_peak_rss_mb", peak);
  /* What the cache takes on disk: its indexes (the names index of #19) grow it. */
  {
    GStatBuf st;
    g_autofree char *wal = g_strconcat (cache_path, "-wal", NULL);
    double bytes = g_stat (cache_path, &st) == 0 ? (double) st.st_size : 0;

    if (g_stat (wal, &st) == 0)
      bytes += (double) st.st_size;
    put ("cache_mb", bytes / (1024 * 1024));
  }
  return 0;

fail:
  if (sampler.thread != NULL && !g_atomic_int_get (&sampler.stop))
    rss_sampler_stop (&sampler);
  g_printerr ("bench-core sync: %s\n", error ? error->message : "failed");
  return 1;
}

/* ---- bulk: the baseline ------------------------------------------------------ */

#define BULK_CHUNK 10000

static gboolean
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_printerr ("bench-core: %s: %s\n", sql, message);
      sqlite3_free (message);
      return FALSE;
    }
  return TRUE;
}

/* SQL over every table of a cache's jobs (its own and its region tables,
 * docs/region-tables.md): prefix, then arm with "@T" made each table's
 * name, joined by separator, then suffix. */
static char *
jobs_arms_sql (const char *cache_path,
               const char *prefix,
               const char *arm,
               const char *separator,
               const char *suffix)
{
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);
  GString *sql = g_string_new (prefix);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_ptr_array_add (tables, g_strdup ("jobs"));
  if (sqlite3_open_v2 (cache_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT name FROM region_tables WHERE collection = 'jobs'"
                          " ORDER BY rowid", -1, &stmt, NULL) == SQLITE_OK)
    while (sqlite3_step (stmt) == SQLITE_ROW)
      g_ptr_array_add (tables, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  for (guint t = 0; t < tables->len; t++)
    {
      g_autoptr(GString) one = g_string_new (arm);

      g_string_replace (one, "@T", tables->pdata[t], 0);
      g_string_append_printf (sql, "%s%s", t > 0 ? separator : "", one->str);
    }
  g_string_append (sql, suffix);
  return g_string_free (sql, FALSE);
}

/* The cached job rows inserted into a new FILE in one transaction, only the
 * inserts and the commit timed: the rows are read from the cache into
 * records a chunk at a time beforehand, as decoded pages would be, so
 * memory stays bounded.
 *
 * cache schema (the baseline, "the same job rows inserted straight into
 * SQLite"): the cache's own table (wh_store_open makes it) with the
 * secondary indexes, FTS and R*Tree a cache of searchable jobs must have,
 * kept up to date by its triggers. The rows go through a temporary table,
 * moved by one INSERT ... SELECT per chunk: FTS5 writes a segment at the
 * end of every statement that fires its triggers, so a statement per row
 * would measure that, not the work. So sync_vs_bulk_ratio is what the
 * network, JSON and paging cost on top of storing the same rows.
 * bare: a table of the same columns and nothing else, one prepared INSERT
 * per row: SQLite's floor, reported beside it. It leaves out the search
 * index, which alone costs more than the insert itself. */
static int
bulk_insert (const char *cache_path,
             const char *bulk_path,
             gboolean    cache_schema)
{
  const WhCollection *c = &wh_collection_jobs;
  const char *prefix = cache_schema ? "bulk_insert" : "bulk_insert_bare";
  g_autofree char *names = wh_collection_sql_column_names (c, NULL);
  g_autofree char *defs = wh_collection_sql_column_defs (c);
  g_autofree char *marks = wh_collection_sql_placeholders (c);
  g_autofree char *arm = g_strdup_printf ("SELECT id, rev, %s FROM @T", names);
  /* In id order: a merge of each table's rowid order. */
  g_autofree char *select_sql = jobs_arms_sql (cache_path, "", arm, " UNION ALL ", " ORDER BY 1");
  g_autofree char *create_sql = g_strdup_printf ("CREATE %s TABLE jobs%s (id INTEGER PRIMARY KEY,"
                                                 " rev INTEGER NOT NULL, %s)",
                                                 cache_schema ? "TEMP" : "",
                                                 cache_schema ? "_stage" : "", defs);
  g_autofree char *insert_sql = g_strdup_printf ("INSERT INTO jobs%s (id, rev, %s)"
                                                 " VALUES (?, ?, %s)",
                                                 cache_schema ? "_stage" : "", names, marks);
  g_autofree char *move_sql = g_strdup_printf ("INSERT INTO jobs (id, rev, %s) SELECT id, rev, %s"
                                               " FROM temp.jobs_stage; DELETE FROM temp.jobs_stage",
                                               names, names);
  g_autoptr(GPtrArray) chunk = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_autofree char *key = NULL;
  sqlite3 *src = NULL, *dst = NULL;
  sqlite3_stmt *read = NULL, *insert = NULL;
  guint64 rows = 0;
  double insert_s = 0, insert_cpu = 0, t0, c0;
  gboolean done = FALSE;
  int rc = 1;

  if (!remove_cache (bulk_path))
    return 1;
  if (cache_schema)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhStore) store = wh_store_open (bulk_path, &error);

      if (store == NULL)
        {
          g_printerr ("bench-core bulk: %s\n", error->message);
          return 1;
        }
    }
  if (sqlite3_open_v2 (cache_path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      sqlite3_open_v2 (bulk_path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK ||
      wh_search_tokenizer_register (dst) != SQLITE_OK)
    {
      g_printerr ("bench-core bulk: cannot open the databases\n");
      goto out;
    }
  /* The store's writer settings, so only the indexes differ. */
  if (!exec_sql (dst, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                      " PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY") ||
      !exec_sql (dst, create_sql))
    goto out;
  if (sqlite3_prepare_v2 (src, select_sql, -1, &read, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (dst, insert_sql, -1, &insert, NULL) != SQLITE_OK)
    {
      g_printerr ("bench-core bulk: %s / %s\n", sqlite3_errmsg (src), sqlite3_errmsg (dst));
      goto out;
    }

  t0 = now_s ();
  if (!exec_sql (dst, "BEGIN"))
    goto out;
  insert_s += now_s () - t0;
  while (!done)
    {
      int step;

      g_ptr_array_set_size (chunk, 0);
      while (chunk->len < BULK_CHUNK && (step = sqlite3_step (read)) == SQLITE_ROW)
        {
          WhRecord *record = wh_record_new (c);

          record->id = sqlite3_column_int64 (read, 0);
          record->rev = sqlite3_column_int64 (read, 1);
          wh_record_read_values (record, read, 2);
          g_ptr_array_add (chunk, record);
        }
      done = chunk->len < BULK_CHUNK;

      t0 = now_s ();
      c0 = cpu_s ();
      for (guint i = 0; i < chunk->len; i++)
        {
          const WhRecord *record = chunk->pdata[i];

          sqlite3_bind_int64 (insert, 1, record->id);
          sqlite3_bind_int64 (insert, 2, record->rev);
          wh_record_bind_values (record, insert, 3);
          if (sqlite3_step (insert) != SQLITE_DONE)
            {
              g_printerr ("bench-core bulk: %s\n", sqlite3_errmsg (dst));
              goto out;
            }
          sqlite3_reset (insert);
        }
      if (cache_schema && !exec_sql (dst, move_sql))
        goto out;
      insert_s += now_s () - t0;
      insert_cpu += cpu_s () - c0;
      rows += chunk->len;
    }
  t0 = now_s ();
  c0 = cpu_s ();
  if (!exec_sql (dst, "COMMIT"))
    goto out;
  insert_s += now_s () - t0;
  insert_cpu += cpu_s () - c0;

  key = g_strconcat (prefix, "_rows", NULL);
  put (key, rows);
  g_free (key);
  key = g_strconcat (prefix, "_s", NULL);
  put (key, insert_s);
  g_free (key);
  key = g_strconcat (prefix, "_rows_per_s", NULL);
  put (key, rows / insert_s);
  g_free (key);
  key = g_strconcat (prefix, "_rows_per_cpu_s", NULL);
  put (key, rows / insert_cpu);
  g_free (key);
  key = g_strconcat (prefix, "_method", NULL);
  put_text (key, cache_schema ? "one transaction, the cache's own schema (8 indexes, FTS5 with the"
                                " wh tokenizer, R*Tree, their triggers), rows staged in a temporary"
                                " table and moved by one INSERT ... SELECT per 10,000"
                              : "one transaction, prepared INSERT, same columns,"
                                " no secondary index, no FTS, no R*Tree");
  rc = 0;

out:
  sqlite3_finalize (read);
  sqlite3_finalize (insert);
  sqlite3_close (src);
  sqlite3_close (dst);
  remove_cache (bulk_path);
  return rc;
}

/* ---- query: search, LIKE, viewport ----------------------------------------- */

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *limited;
  sqlite3_stmt *count;
} LikeScan;

static void
like_scan_clear (LikeScan *scan)
{
  sqlite3_finalize (scan->limited);
  sqlite3_finalize (scan->count);
  sqlite3_close (scan->db);
}

static gboolean
like_scan_open (LikeScan   *scan,
                const char *cache_path)
{
  const WhCollection *c = &wh_collection_jobs;
  g_autofree char *names = wh_collection_sql_column_names (c, NULL);
  g_autofree char *limited_sql = NULL;
  /* What the user would search if there were no index: every searched
   * field of the row. */
  const char *where = "title LIKE ?1 ESCAPE '\\' OR employer_name LIKE ?1 ESCAPE '\\'"
                      " OR ifnull (description, '') LIKE ?1 ESCAPE '\\'";
  g_autofree char *count_arm = g_strdup_printf ("(SELECT count(*) FROM @T WHERE %s)", where);
  g_autofree char *count_sql = jobs_arms_sql (cache_path, "SELECT ", count_arm, " + ", "");
  g_autofree char *limited_arm = g_strdup_printf ("SELECT id, rev, %s FROM @T WHERE %s", names,
                                                  where);
  g_autofree char *limit = g_strdup_printf (" LIMIT %d", SEARCH_LIMIT);

  limited_sql = jobs_arms_sql (cache_path, "", limited_arm, " UNION ALL ", limit);
  /* The store's reader settings. */
  if (sqlite3_open_v2 (cache_path, &scan->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
      !exec_sql (scan->db, "PRAGMA cache_size = -16384; PRAGMA mmap_size = 268435456") ||
      sqlite3_prepare_v2 (scan->db, limited_sql, -1, &scan->limited, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2 (scan->db, count_sql, -1, &scan->count, NULL) != SQLITE_OK)
    {
      g_printerr ("bench-core: LIKE scan: %s\n", sqlite3_errmsg (scan->db));
      return FALSE;
    }
  return TRUE;
}

static char *
like_pattern (const char *query)
{
  GString *s = g_string_new ("%");

  for (const char *p = query; *p; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '%');
  return g_string_free (s, FALSE);
}

/* The first SEARCH_LIMIT matches as records, as the store returns them. */
static gint64
like_limited (LikeScan   *scan,
              const char *query)
{
  g_autofree char *pattern = like_pattern (query);
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);

  sqlite3_bind_text (scan->limited, 1, pattern, -1, SQLITE_TRANSIENT);
  while (sqlite3_step (scan->limited) == SQLITE_ROW)
    {
      WhRecord *record = wh_record_new (&wh_collection_jobs);

      record->id = sqlite3_column_int64 (scan->limited, 0);
      record->rev = sqlite3_column_int64 (scan->limited, 1);
      wh_record_read_values (record, scan->limited, 2);
      g_ptr_array_add (records, record);
    }
  sqlite3_reset (scan->limited);
  return records->len;
}

static gint64
like_count (LikeScan   *scan,
            const char *query)
{
  g_autofree char *pattern = like_pattern (query);
  gint64 n = -1;

  sqlite3_bind_text (scan->count, 1, pattern, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (scan->count) == SQLITE_ROW)
    n = sqlite3_column_int64 (scan->count, 0);
  sqlite3_reset (scan->count);
  return n;
}

static double
median_of (const double *values,
           guint         n)
{
  g_autoptr(GArray) a = g_array_sized_new (FALSE, FALSE, sizeof (double), n);

  g_array_append_vals (a, values, n);
  return percentile (a, 50);
}

/* The printf width that pads text to columns on a terminal, where a Chinese
 * character is three bytes wide in memory and two columns on screen. */
static int
pad_width (const char *text,
           int         columns)
{
  int shown = 0;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    shown += g_unichar_iswide (g_utf8_get_char (p)) ? 2 : 1;
  return columns + (int) strlen (text) - shown;
}

/* 0: full pinyin (letters that split into syllables), 1: initials (a few
 * letters that do not), 2: traditional characters. */
static guint
pinyin_kind (const char *query)
{
  if ((guchar) query[0] >= 0x80)
    return 2;
  return strlen (query) <= 4 && strchr ("aeiou", query[1]) == NULL ? 1 : 0;
}

/* Pinyin, initials and traditional queries: the same rounds as above. */
static gboolean
bench_search_pinyin (WhStore *store,
                     GError **error)
{
  const guint n = G_N_ELEMENTS (pinyin_queries);
  g_autoptr(GArray) search_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) count_ms = g_array_new (FALSE, FALSE, sizeof (double));
  /* The same samples by kind: full pinyin, initials, traditional. */
  g_autoptr(GPtrArray) kind_ms = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  static const char * const kinds[] = { "syllables", "initials", "traditional" };
  g_autofree double *limited = g_new0 (double, n);
  g_autofree gint64 *hits_n = g_new0 (gint64, n);

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    g_ptr_array_add (kind_ms, g_array_new (FALSE, FALSE, sizeof (double)));
  for (guint q = 0; q < n; q++)
    {
      g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_jobs, pinyin_queries[q],
                                                   SEARCH_LIMIT, error);
      if (hits == NULL || (hits_n[q] = wh_store_search_count (store, &wh_collection_jobs,
                                                              pinyin_queries[q], error)) < 0)
        return FALSE;
    }
  for (guint r = 0; r < SEARCH_REPEAT; r++)
    for (guint q = 0; q < n; q++)
      {
        g_autoptr(GPtrArray) hits = NULL;
        double t0 = now_s (), ms;

        hits = wh_store_search (store, &wh_collection_jobs, pinyin_queries[q], SEARCH_LIMIT, error);
        if (hits == NULL)
          return FALSE;
        ms = (now_s () - t0) * 1000;
        g_array_append_val (search_ms, ms);
        g_array_append_val ((GArray *) kind_ms->pdata[pinyin_kind (pinyin_queries[q])], ms);
        limited[q] += ms / SEARCH_REPEAT;
        t0 = now_s ();
        if (wh_store_search_count (store, &wh_collection_jobs, pinyin_queries[q], error) < 0)
          return FALSE;
        ms = (now_s () - t0) * 1000;
        g_array_append_val (count_ms, ms);
      }
  g_printerr ("%-16s %9s %10s\n", "pinyin query", "hits", "first50 ms");
  for (guint q = 0; q < n; q++)
    g_printerr ("%-*s %9" G_GINT64_FORMAT " %10.3f\n", pad_width (pinyin_queries[q], 16),
                pinyin_queries[q], hits_n[q], limited[q]);
  g_printerr ("\n");
  put ("search_pinyin_queries", n);
  put ("search_pinyin_p50_ms", percentile (search_ms, 50));
  put ("search_pinyin_p95_ms", percentile (search_ms, 95));
  put ("search_pinyin_max_ms", percentile (search_ms, 100));
  put ("search_pinyin_count_p95_ms", percentile (count_ms, 95));
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autofree char *key = g_strdup_printf ("search_pinyin_%s_p95_ms", kinds[k]);

      put (key, percentile (kind_ms->pdata[k], 95));
    }
  return TRUE;
}

static gboolean
bench_search (WhStore    *store,
              const char *cache_path,
              GError    **error)
{
  const guint n = G_N_ELEMENTS (search_queries);
  g_autoptr(GArray) search_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) count_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree double *fts_limited = g_new0 (double, n);
  g_autofree double *fts_count = g_new0 (double, n);
  g_autofree double *like_lim = g_new0 (double, n);
  g_autofree double *like_cnt = g_new0 (double, n);
  g_autofree gint64 *fts_hits = g_new0 (gint64, n);
  g_autofree gint64 *like_hits = g_new0 (gint64, n);
  LikeScan scan = { 0 };
  guint latin_with_hits = 0;
  gboolean ok = FALSE;

  /* One untimed round so both sides start from a warm page cache. */
  for (guint q = 0; q < n; q++)
    {
      g_autoptr(GPtrArray) hits = wh_store_search (store, &wh_collection_jobs, search_queries[q],
                                                   SEARCH_LIMIT, error);
      if (hits == NULL || (fts_hits[q] = wh_store_search_count (store, &wh_collection_jobs,
                                                                search_queries[q], error)) < 0)
        return FALSE;
    }

  /* Rounds over the whole list, so a query is never timed right after
   * itself: each sample is as warm as a person's next search. */
  for (guint r = 0; r < SEARCH_REPEAT; r++)
    for (guint q = 0; q < n; q++)
      {
        g_autoptr(GPtrArray) hits = NULL;
        double t0 = now_s (), ms;

        hits = wh_store_search (store, &wh_collection_jobs, search_queries[q], SEARCH_LIMIT,
                                error);
        if (hits == NULL)
          return FALSE;
        ms = (now_s () - t0) * 1000;
        g_array_append_val (search_ms, ms);
        fts_limited[q] += ms / SEARCH_REPEAT;

        t0 = now_s ();
        if (wh_store_search_count (store, &wh_collection_jobs, search_queries[q], error) < 0)
          return FALSE;
        ms = (now_s () - t0) * 1000;
        g_array_append_val (count_ms, ms);
        fts_count[q] += ms / SEARCH_REPEAT;
      }

  /* A LIKE scan reads the whole table for a rare word: once per query. */
  g_printerr ("query: LIKE scans…\n");
  if (!like_scan_open (&scan, cache_path))
    goto out;
  like_count (&scan, "no such text, warms the page cache");
  for (guint q = 0; q < n; q++)
    {
      double t0 = now_s ();

      like_limited (&scan, search_queries[q]);
      like_lim[q] = (now_s () - t0) * 1000;
      t0 = now_s ();
      like_hits[q] = like_count (&scan, search_queries[q]);
      like_cnt[q] = (now_s () - t0) * 1000;
    }

  g_printerr ("\n%-14s %9s %9s %10s %10s %10s %10s\n", "query", "FTS hits", "LIKE hits",
              "FTS50 ms", "LIKE50 ms", "FTScnt ms", "LIKEcnt ms");
  for (guint q = 0; q < n; q++)
    {
      g_printerr ("%-*s %9" G_GINT64_FORMAT " %9" G_GINT64_FORMAT " %10.3f %10.1f %10.3f %10.1f\n",
                  pad_width (search_queries[q], 14), search_queries[q], fts_hits[q], like_hits[q],
                  fts_limited[q], like_lim[q], fts_count[q], like_cnt[q]);
      if ((guchar) search_queries[q][0] < 0x80 && fts_hits[q] > 0)
        latin_with_hits++;
    }
  g_printerr ("(LIKE matches substrings, so 4500 is also found in 14500 and C1 in CNC1;"
              " the index matches whole Latin words and word prefixes)\n\n");

  put ("search_queries", n);
  put ("search_latin_queries_with_hits", latin_with_hits);
  put ("search_p50_ms", percentile (search_ms, 50));
  put ("search_p95_ms", percentile (search_ms, 95));
  put ("search_max_ms", percentile (search_ms, 100));
  put ("search_count_p50_ms", percentile (count_ms, 50));
  put ("search_count_p95_ms", percentile (count_ms, 95));
  put ("like_limit50_median_ms", median_of (like_lim, n));
  put ("like_count_median_ms", median_of (like_cnt, n));
  /* Medians over the queries, each side doing the same work. The speedup
   * is for finding every match (the count a result list shows; for Chinese
   * queries both find the same rows). For the first page alone LIKE does
   * less: it stops at any 50 rows in table order, while the index ranks the
   * newest 2,000 matches. */
  put ("search_vs_like_speedup", median_of (like_cnt, n) / median_of (fts_count, n));
  put_text ("search_vs_like_speedup_is", "median LIKE count(*) ms / median FTS count ms over the"
                                         " queries (every match)");
  put ("search_first_page_vs_like_speedup", median_of (like_lim, n) / median_of (fts_limited, n));
  ok = bench_search_pinyin (store, error);

out:
  like_scan_clear (&scan);
  return ok;
}

static gboolean
bench_viewport (WhStore *store,
                GError **error)
{
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261121);
  guint64 points = 0;
  guint capped = 0;

  /* Every station, to centre the views where people look. */
  all = wh_store_query_viewport_points (store, &wh_collection_stations, -90, -180, 90, 180,
                                        G_MAXUINT, error);
  if (all == NULL)
    return FALSE;
  put ("viewport_stations", all->len);

  for (guint i = 0; i < VIEWPORT_COUNT; i++)
    {
      const WhGeoPoint *centre = &g_array_index (all, WhGeoPoint,
                                                 g_rand_int_range (rand, 0, (gint32) all->len));
      /* A 1280×800 map at web zoom 7 (a province) to 12 (a city district):
       * 360° / 2^z per 256 pixels. */
      double zoom = g_rand_double_range (rand, 7, 12);
      double width = 1280.0 / 256 * 360 / pow (2, zoom);
      double height = width * 800 / 1280 * cos (centre->lat * G_PI / 180);
      g_autoptr(GArray) got = NULL;
      double t0 = now_s (), t;

      got = wh_store_query_viewport_points (store, &wh_collection_stations,
                                            MAX (-90, centre->lat - height / 2),
                                            MAX (-180, centre->lon - width / 2),
                                            MIN (90, centre->lat + height / 2),
                                            MIN (180, centre->lon + width / 2),
                                            VIEWPORT_LIMIT, error);
      t = (now_s () - t0) * 1000;
      if (got == NULL)
        return FALSE;
      g_array_append_val (ms, t);
      points += got->len;
      capped += got->len == VIEWPORT_LIMIT;
    }
  put ("viewport_queries", VIEWPORT_COUNT);
  put ("viewport_mean_points", (double) points / VIEWPORT_COUNT);
  put ("viewport_at_limit", capped);
  put ("viewport_p50_ms", percentile (ms, 50));
  put ("viewport_p95_ms", percentile (ms, 95));
  return TRUE;
}

static int
cmd_query (const char *cache_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = wh_store_open (cache_path, &error);
  gint64 jobs;

  if (store == NULL || (jobs = wh_store_count (store, &wh_collection_jobs, &error)) < 0)
    goto fail;
  put ("search_jobs_cached", jobs);
  g_printerr ("query: search…\n");
  if (!bench_search (store, cache_path, &error))
    goto fail;
  g_printerr ("query: viewports…\n");
  if (!bench_viewport (store, &error))
    goto fail;
  return 0;

fail:
  g_printerr ("bench-core query: %s\n", error ? error->message : "failed");
  return 1;
}

/* ---- run: every phase, then the table ---------------------------------------- */

typedef struct
{
  GPtrArray  *keys;   /* in the order they came */
  GHashTable *values; /* key -> value text */
} Results;

static void
add_result (Results    *results,
            const char *key,
            const char *value)
{
  if (!g_hash_table_contains (results->values, key))
    g_ptr_array_add (results->keys, g_strdup (key));
  g_hash_table_insert (results->values, g_strdup (key), g_strdup (value));
}

static char *
load_average_text (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("-");
  return g_strndup (text, strcspn (text, " "));
}

static gboolean
run_phase (Results     *results,
           const char  *self_exe,
           const char **args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  int status;

  g_ptr_array_add (argv, (char *) self_exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);

  /* stderr (progress) goes straight through; stdout holds the figures. */
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                     &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_printerr ("bench-core: phase %s failed: %s\n", args[0], error->message);
      return FALSE;
    }
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *colon = strstr (lines[i], ": ");

      if (colon == NULL)
        continue;
      *colon = '\0';
      add_result (results, lines[i], colon + 2);
    }
  return TRUE;
}

static gboolean
lookup (Results    *results,
        const char *key,
        double     *value)
{
  const char *text = g_hash_table_lookup (results->values, key);
  char *end;

  if (text == NULL)
    return FALSE;
  *value = g_ascii_strtod (text, &end);
  return end != text;
}

typedef enum { NONE, AT_LEAST, AT_MOST } Goal;

static const struct
{
  const char *key;
  Goal        goal;
  double      target;
} table[] = {
  { "stations_sync_rows_per_s", NONE, 0 },
  { "jobs_sync_rows_per_s", NONE, 0 },
  { "sync_peak_rss_mb", AT_MOST, 150 },
  { "bulk_insert_rows_per_s", NONE, 0 },
  { "sync_vs_bulk_ratio", AT_LEAST, 0.5 },
  { "bulk_insert_bare_rows_per_s", NONE, 0 },
  { "sync_vs_bare_bulk_ratio", AT_LEAST, 0.15 },
  { "jobs_ready_after_last_page_s", AT_MOST, 10 },
  { "search_p50_ms", NONE, 0 },
  { "search_p95_ms", AT_MOST, 10 },
  { "search_vs_like_speedup", NONE, 0 },
  { "search_pinyin_p95_ms", AT_MOST, 10 },
  { "viewport_p95_ms", AT_MOST, 2 },
  { "nochange_sync_ms", AT_MOST, 100 },
};

static int
cmd_run (const char *base_url,
         const char *dir,
         gboolean    direct_load)
{
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *cache = g_build_filename (dir, "bench-cache.db", NULL);
  g_autofree char *bulk = g_build_filename (dir, "bench-bulk.db", NULL);
  Results results = { g_ptr_array_new_with_free_func (g_free),
                      g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free) };
  const char *fill[] = { direct_load ? "load" : "sync", base_url, cache, NULL };
  const char *bulk_args[] = { "bulk", cache, bulk, NULL };
  const char *bulk_bare_args[] = { "bulk-bare", cache, bulk, NULL };
  const char *query_args[] = { "query", cache, NULL };
  double sync_rate, bulk_rate;
  int failed = 0, missing = 0;

  if (self_exe == NULL)
    return 1;
  /* Other work on the machine slows the wall-clock figures (not the CPU ones). */
  {
    g_autofree char *avg = load_average_text ();
    add_result (&results, "load_avg_1m_at_start", avg);
  }
  if (!run_phase (&results, self_exe, fill) || !run_phase (&results, self_exe, bulk_args) ||
      !run_phase (&results, self_exe, bulk_bare_args) ||
      !run_phase (&results, self_exe, query_args))
    return 1;
  /* WH_BENCH_KEEP_CACHE=1 keeps it for `bench-core query` runs of its own. */
  if (g_getenv ("WH_BENCH_KEEP_CACHE") == NULL)
    remove_cache (cache);
  {
    g_autofree char *avg = load_average_text ();
    add_result (&results, "load_avg_1m_at_end", avg);
  }

  if (lookup (&results, "jobs_sync_rows_per_s", &sync_rate) &&
      lookup (&results, "bulk_insert_rows_per_s", &bulk_rate))
    {
      g_autofree char *text = g_strdup_printf ("%.3f", sync_rate / bulk_rate);
      add_result (&results, "sync_vs_bulk_ratio", text);
    }
  if (lookup (&results, "jobs_sync_rows_per_s", &sync_rate) &&
      lookup (&results, "bulk_insert_bare_rows_per_s", &bulk_rate))
    {
      g_autofree char *text = g_strdup_printf ("%.3f", sync_rate / bulk_rate);
      add_result (&results, "sync_vs_bare_bulk_ratio", text);
    }

  printf ("\n%-36s %14s %10s  %s\n", "metric", "value", "target", "result");
  printf ("%-36s %14s %10s  %s\n", "------------------------------------", "--------------",
          "----------", "------");
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    {
      const char *text = g_hash_table_lookup (results.values, table[i].key);
      g_autofree char *target = NULL;
      const char *verdict = "";
      double value;

      if (table[i].goal != NONE)
        target = g_strdup_printf ("%s %g", table[i].goal == AT_LEAST ? ">=" : "<=",
                                  table[i].target);
      if (text == NULL || !lookup (&results, table[i].key, &value))
        {
          verdict = "missing";
          missing++;
        }
      else if (table[i].goal == AT_LEAST)
        verdict = value >= table[i].target ? "pass" : "FAIL";
      else if (table[i].goal == AT_MOST)
        verdict = value <= table[i].target ? "pass" : "FAIL";
      failed += strcmp (verdict, "FAIL") == 0;
      printf ("%-36s %14s %10s  %s\n", table[i].key, text ? text : "-", target ? target : "",
              verdict);
    }
  printf ("\n");
  for (guint i = 0; i < results.keys->len; i++)
    printf ("%s: %s\n", (char *) results.keys->pdata[i],
            (char *) g_hash_table_lookup (results.values, results.keys->pdata[i]));
  printf ("targets_failed: %d\ntargets_missing: %d\n", failed, missing);

  g_ptr_array_unref (results.keys);
  g_hash_table_unref (results.values);
  return failed > 0 ? 3 : 0;
}

/* ---- index-costs ------------------------------------------------------------- */

static gboolean
timed_exec (sqlite3    *db,
            const char *key,
            const char *sql,
            double      jobs)
{
  char *message = NULL;
  double cpu = cpu_s ();
  g_autofree char *cpu_key = g_strdup_printf ("%s_cpu_s", key);
  g_autofree char *per_key = g_strdup_printf ("%s_us_per_job", key);

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    {
      g_printerr ("%s: %s\n", key, message);
      sqlite3_free (message);
      return FALSE;
    }
  cpu = cpu_s () - cpu;
  put (cpu_key, cpu);
  put (per_key, cpu / jobs * 1e6);
  return TRUE;
}

/* The size of the tables and indexes named as pattern GLOBs, or of the
 * jobs' secondary indexes for pattern NULL. */
static void
put_size (sqlite3    *db,
          const char *key,
          const char *pattern)
{
  sqlite3_stmt *stmt = NULL;
  g_autofree char *size_key = g_strdup_printf ("%s_mb", key);
  const char *sql = pattern ? "SELECT sum (pgsize) FROM dbstat WHERE name GLOB ?1"
                            : "SELECT sum (pgsize) FROM dbstat WHERE name IN (SELECT name FROM"
                              " sqlite_master WHERE type = 'index' AND tbl_name = 'jobs'"
                              " AND sql IS NOT NULL)";

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK)
    {
      if (pattern)
        sqlite3_bind_text (stmt, 1, pattern, -1, SQLITE_STATIC);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        put (size_key, sqlite3_column_int64 (stmt, 0) / 1048576.0);
    }
  sqlite3_finalize (stmt);
}

static int
cmd_index_costs (const char *cache_path,
                 const char *work_path)
{
  g_autoptr(GFile) from = g_file_new_for_path (cache_path);
  g_autoptr(GFile) to = g_file_new_for_path (work_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *drop = NULL;
  g_autofree char *create = NULL;
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  double jobs = 0;
  gboolean ok;

  if (!remove_cache (work_path) ||
      !g_file_copy (from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    {
      g_printerr ("index-costs: %s\n", error ? error->message : "cannot copy the cache");
      return 1;
    }
  if (sqlite3_open (work_path, &db) != SQLITE_OK || wh_search_tokenizer_register (db) != SQLITE_OK)
    return 1;
  sqlite3_exec (db, "PRAGMA journal_mode = WAL; PRAGMA cache_size = -32768", NULL, NULL, NULL);
  if (sqlite3_prepare_v2 (db, "SELECT count (*) FROM jobs", -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    jobs = (double) sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  if (jobs <= 0)
    {
      g_printerr ("index-costs: %s holds no jobs\n", cache_path);
      return 1;
    }
  /* The secondary indexes, as the cache made them. */
  if (sqlite3_prepare_v2 (db, "SELECT group_concat ('DROP INDEX ' || name, ';'),"
                          " group_concat (sql, ';') FROM sqlite_master WHERE type = 'index'"
                          " AND tbl_name = 'jobs' AND sql IS NOT NULL", -1, &stmt,
                          NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    {
      drop = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
      create = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
    }
  sqlite3_finalize (stmt);

  put ("index_costs_jobs", jobs);
  put_size (db, "rows", "jobs");
  put_size (db, "fts", "jobs_fts*");
  put_size (db, "names", "jobs_names*");
  put_size (db, "geo", "jobs_geo*");
  put_size (db, "secondary", NULL);
  ok = timed_exec (db, "fts_integrity_check",
                   "INSERT INTO jobs_fts (jobs_fts, rank) VALUES ('integrity-check', 1)", jobs) &&
       timed_exec (db, "names_integrity_check",
                   "INSERT INTO jobs_names (jobs_names, rank) VALUES ('integrity-check', 1)",
                   jobs) &&
       timed_exec (db, "geo_rtreecheck", "SELECT rtreecheck ('jobs_geo')", jobs) &&
       timed_exec (db, "fts_rebuild", "INSERT INTO jobs_fts (jobs_fts) VALUES ('rebuild')", jobs) &&
       timed_exec (db, "names_rebuild", "INSERT INTO jobs_names (jobs_names) VALUES ('rebuild')",
                   jobs) &&
       timed_exec (db, "geo_delete", "DELETE FROM jobs_geo", jobs) &&
       timed_exec (db, "geo_insert", "INSERT INTO jobs_geo SELECT id, lat, lat, lon, lon, lat, lon"
                   " FROM jobs WHERE lat IS NOT NULL AND lon IS NOT NULL", jobs) &&
       drop != NULL && create != NULL && timed_exec (db, "secondary_drop", drop, jobs) &&
       timed_exec (db, "secondary_create", create, jobs);
  sqlite3_close (db);
  remove_cache (work_path);
  return ok ? 0 : 1;
}

/* ---- main ---------------------------------------------------------------------- */

static int
usage (void)
{
  g_printerr ("usage: bench-core run URL DIR [--direct-load]\n"
              "       bench-core sync URL CACHE\n"
              "       bench-core load URL CACHE\n"
              "       bench-core bulk CACHE FILE\n"
              "       bench-core bulk-bare CACHE FILE\n"
              "       bench-core query CACHE\n"
              "       bench-core replay CACHE PAGE.json...\n"
              "       bench-core index-costs CACHE FILE\n");
  return 2;
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  if (argc >= 4 && strcmp (argv[1], "run") == 0)
    return cmd_run (argv[2], argv[3], argc > 4 && strcmp (argv[4], "--direct-load") == 0);
  if (argc == 4 && strcmp (argv[1], "load") == 0)
    return cmd_load (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "sync") == 0)
    return cmd_sync (argv[2], argv[3]);
  if (argc == 4 && strcmp (argv[1], "bulk") == 0)
    return bulk_insert (argv[2], argv[3], TRUE);
  if (argc == 4 && strcmp (argv[1], "bulk-bare") == 0)
    return bulk_insert (argv[2], argv[3], FALSE);
  if (argc == 3 && strcmp (argv[1], "query") == 0)
    return cmd_query (argv[2]);
  if (argc == 4 && strcmp (argv[1], "index-costs") == 0)
    return cmd_index_costs (argv[2], argv[3]);
  if (argc >= 4 && strcmp (argv[1], "replay") == 0)
    return cmd_replay (argv[2], argv + 3);
  return usage ();
}
