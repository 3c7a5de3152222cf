/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crash safety: `workers-home-cli sync` killed with SIGKILL at random
 * instants, again and again, against the reference server with the demo's
 * city data and slowed pages. After every kill the cache must be sound
 * (tests/wh-test-cache.c: integrity_check, cursors, full-text and R*Tree
 * indexes in step with their tables); at the end one more sync must leave it
 * equal to the server's data, record for record. Between completed syncs the
 * server's data changes (updates, moves, deletions, new records), so kills
 * land in first syncs and in incremental ones alike; every 8 kills the data
 * changes mid-sync too, and every 25 the cache starts afresh.
 *
 * The instants come from the test's random seed, printed at the start
 * ("# random seed: R02S…"); `--seed` replays a run. WH_CRASH_KILLS sets the
 * number of kills (default 50; the sanitizer pass runs fewer) and
 * WH_CRASH_SCALE the server's data (default city).
 *
 * The same again with one region's jobs (`--region`): kills land while
 * its tables are made and its snapshot copied into them.
 *
 * A second test kills a sync while it replays the outbox: every queued
 * write reaches the server exactly once in effect, none is lost.
 */
#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "wh-codec.h"
#include "wh-search-tokenizer.h"
#include "wh-server.h"
#include "wh-sync.h"
#include "wh-test-cache.h"
#include "wh-test-server.h"
#include "wh-test.h"

static const char * const cache_suffixes[] = { "", "-wal", "-shm" };

static void
remove_cache (const char *path)
{
  for (guint k = 0; k < G_N_ELEMENTS (cache_suffixes); k++)
    {
      g_autofree char *file = g_strconcat (path, cache_suffixes[k], NULL);
      g_unlink (file);
    }
}

static guint
env_uint (const char *name,
          guint       fallback)
{
  const char *value = g_getenv (name);

  return value && *value ? (guint) g_ascii_strtoull (value, NULL, 10) : fallback;
}

/* Whether another process holds SQLite's WAL write lock on the cache (byte
 * 120 of the -shm file, WALINDEX_LOCK_OFFSET + WAL_WRITE_LOCK in SQLite's
 * os_unix.c): it is inside a write transaction. Asked right before a kill,
 * it tells how many kills cut a transaction short. */
static gboolean
write_lock_held (const char *cache_path)
{
  g_autofree char *shm = g_strconcat (cache_path, "-shm", NULL);
  struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 120, .l_len = 1 };
  int fd = g_open (shm, O_RDWR | O_CLOEXEC, 0);
  gboolean held;

  if (fd < 0)
    return FALSE;
  held = fcntl (fd, F_GETLK, &lock) == 0 && lock.l_type != F_UNLCK;
  close (fd);
  return held;
}

static gint64
cached_rows (const char *cache_path)
{
  g_autoptr(WhStore) store = wh_store_open (cache_path, NULL);
  guint n_collections;
  const WhCollection * const *collections = wh_schema_synced_collections (&n_collections);
  gint64 total = 0;

  g_assert_nonnull (store);
  for (guint i = 0; i < n_collections; i++)
    total += MAX (wh_store_count (store, collections[i], NULL), 0);
  return total;
}

/* ------------------------------------------------------------------------ */
/* Changes on the server between two completed syncs                        */

typedef struct
{
  guint round;
  guint changed;
  guint deleted;
} Churn;

/* New titles (the full-text index updates), moved stations (the R*Tree
 * updates), deletions (tombstones) and new stations, each spread over the
 * ids by the round number so every round touches other rows. */
static void
churn_cb (WhServer *server,
          gpointer  user_data)
{
  Churn *churn = user_data;
  sqlite3 *db = wh_server_get_db (server);
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("id %% 97 = %u", churn->round % 97);
  g_autoptr(GPtrArray) jobs = wh_test_server_db_records (db, &wh_collection_jobs, where, 400);
  g_autoptr(GPtrArray) stations = wh_test_server_db_records (db, &wh_collection_stations, where, 40);

  for (guint i = 0; i < jobs->len; i++)
    {
      WhRecord *job = g_ptr_array_index (jobs, i);

      if (i % 4 == 3)
        {
          g_assert_true (wh_server_delete_record (server, &wh_collection_jobs, job->id, &error));
          churn->deleted++;
          continue;
        }
      {
        g_autofree char *title = g_strdup_printf ("%s（第%u轮）", wh_record_get_text (job, "title"),
                                                  churn->round);
        wh_record_set_text (job, "title", title);
      }
      g_assert_true (wh_server_put_record (server, job, &error));
      g_assert_no_error (error);
      churn->changed++;
    }
  for (guint i = 0; i < stations->len; i++)
    {
      WhRecord *station = g_ptr_array_index (stations, i);

      if (i % 5 == 4)
        {
          g_assert_true (wh_server_delete_record (server, &wh_collection_stations, station->id,
                                                  &error));
          churn->deleted++;
          continue;
        }
      wh_record_set_real (station, "lat", wh_record_get_real (station, "lat") + 0.001);
      if (i % 5 == 3)
        {
          /* a copy under a new id: a new station */
          station->id = 8000000 + churn->round * 100 + i;
          wh_record_set_text (station, "name", "新建驿站");
        }
      g_assert_true (wh_server_put_record (server, station, &error));
      g_assert_no_error (error);
      churn->changed++;
    }
}

/* ------------------------------------------------------------------------ */
/* The CLI killed mid-sync                                                   */

/* `workers-home-cli sync`, its progress silenced (it would drown the TAP
 * stream) and what it says on stderr kept in ERR_PATH for a failure's message. */
/* With a region (0: none), the jobs of that region alone, into tables of
 * their own (from its snapshot first). */
static gint crash_region;

static GSubprocess *
spawn_sync (const char *cli_path,
            const char *url,
            const char *cache_path,
            const char *err_path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *region = g_strdup_printf ("%d", crash_region);
  GSubprocess *child;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  if (crash_region > 0)
    child = g_subprocess_launcher_spawn (launcher, &error, cli_path, "--server", url, "--cache",
                                         cache_path, "--region", region, "sync", NULL);
  else
    child = g_subprocess_launcher_spawn (launcher, &error, cli_path, "--server", url, "--cache",
                                         cache_path, "sync", NULL);
  g_assert_no_error (error);
  return child;
}

/* A sync that ended by itself must have succeeded; else the test fails with
 * what the CLI printed. (A sanitizer's finding exits 86 in the sanitizer
 * pass, so it is never taken for the CLI's own exit 1.) */
static gboolean
sync_succeeded (GSubprocess *child,
                const char  *err_path,
                gboolean     timeout_allowed)
{
  g_autofree char *err = NULL;

  if (g_subprocess_get_if_exited (child) && g_subprocess_get_exit_status (child) == 0)
    return TRUE;
  g_file_get_contents (err_path, &err, NULL, NULL);
  g_test_message ("the CLI's sync failed (%s %d): %s",
                  g_subprocess_get_if_exited (child) ? "exit" : "signal",
                  g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) :
                                                       g_subprocess_get_term_sig (child),
                  err != NULL ? err : "");
  /* A slow machine (the sanitizer pass) may see a request time out; the
   * CLI then says why and exits 1, and is run again, as a script would. */
  if (timeout_allowed && g_subprocess_get_if_exited (child) &&
      g_subprocess_get_exit_status (child) == 1 && err != NULL && strstr (err, "took too long") != NULL)
    return FALSE;
  g_error ("the CLI's sync failed: %s", err != NULL ? err : "");
}

/* One sync run to its end, again after a time-out, at most three times. */
static void
sync_to_end (const char *cli_path,
             const char *url,
             const char *cache_path,
             const char *err_path)
{
  g_autoptr(GError) error = NULL;

  for (guint attempt = 1;; attempt++)
    {
      g_autoptr(GSubprocess) child = spawn_sync (cli_path, url, cache_path, err_path);

      g_subprocess_wait (child, NULL, &error);
      g_assert_no_error (error);
      if (sync_succeeded (child, err_path, attempt < 3))
        return;
    }
}

/* The narrowest window for the kills (ms): the CLI's start alone. */
#define MIN_WINDOW_MS 60

static void
cli_killed (gboolean by_region)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *cache_path = g_build_filename (dir, "cache.db", NULL);
  g_autofree char *err_path = g_build_filename (dir, "cli.err", NULL);
  g_autofree char *cli_path = g_build_filename (g_getenv ("WH_BUILD_ROOT"), "src", "cli",
                                                "workers-home-cli", NULL);
  g_autofree char *faults = NULL;
  const char *scale = g_getenv ("WH_CRASH_SCALE") ? g_getenv ("WH_CRASH_SCALE") : "city";
  guint target = env_uint ("WH_CRASH_KILLS", 50);
  guint killed = 0, finished = 0, early = 0, in_transaction = 0, fresh = 0, rounds = 0;
  gint64 started = g_get_monotonic_time ();
  gint64 slowest_check = 0;
  guint max_delay_ms, window_ms;
  Churn churn = { 0, };

  server = wh_test_server_start (scale, &error);
  g_assert_no_error (error);
  g_test_message ("server: %s data generated in %.1f s", scale,
                  (g_get_monotonic_time () - started) / 1e6);
  /* The city that has the most jobs; half the kills. */
  crash_region = 0;
  if (by_region)
    {
      crash_region = (gint) wh_test_db_query_int (wh_test_server_get_db_path (server),
                                                  "SELECT city_adcode FROM jobs WHERE deleted = 0"
                                                  " GROUP BY city_adcode ORDER BY count(*) DESC"
                                                  " LIMIT 1");
      g_assert_cmpint (crash_region, >, 0);
      target = MAX (target / 2, 2);
      g_test_message ("the jobs of region %d alone", crash_region);
    }
  /* A fifth of the pages wait 60 ms before they are sent: kills land while
   * a request waits, while a page is decoded, while it is written. */
  faults = g_strdup_printf ("delay=0.2,delay_ms=60,seed=%u", g_test_rand_int_range (1, 1 << 30));
  wh_test_server_set_faults (server, faults);

  /* Kills land within the time a whole sync takes here, at most a second:
   * a small data set or a sanitizer build changes it tenfold. */
  {
    gint64 t0 = g_get_monotonic_time ();

    sync_to_end (cli_path, wh_test_server_get_url (server), cache_path, err_path);
    max_delay_ms = (guint) CLAMP ((g_get_monotonic_time () - t0) / 1000, 100, 1000);
    remove_cache (cache_path);
    g_test_message ("a whole sync takes %.1f s: kills within %u ms of the start",
                    (g_get_monotonic_time () - t0) / 1e6, max_delay_ms);
  }

  /* The window the kills land in narrows while syncs end before their kill
   * and widens again as kills land: a sync with few changes waiting, or a
   * machine quicker than when the first sync was timed, finishes well
   * within it, and a fixed window then missed most of them. */
  window_ms = max_delay_ms;
  for (guint i = 0; killed < target && i < target * 4; i++)
    {
      g_autoptr(GSubprocess) child = spawn_sync (cli_path, wh_test_server_get_url (server),
                                                 cache_path, err_path);
      /* One kill in five early (opening the cache, creating its tables,
       * the first request); the rest anywhere in a sync. */
      guint delay_ms = g_test_rand_int_range (0, 5) == 0 ?
                       g_test_rand_int_range (0, window_ms / 6) :
                       g_test_rand_int_range (window_ms / 6, window_ms);
      gint64 check_start;

      g_usleep (delay_ms * 1000);
      in_transaction += write_lock_held (cache_path);
      /* does nothing when it has exited already */
      g_subprocess_send_signal (child, SIGKILL);
      g_subprocess_wait (child, NULL, &error);
      g_assert_no_error (error);

      if (g_subprocess_get_if_signaled (child))
        {
          window_ms = MIN (window_ms + window_ms / 8, max_delay_ms);
          g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
          killed++;
          if (!g_file_test (cache_path, G_FILE_TEST_EXISTS))
            {
              early++;
              continue;
            }
        }
      else
        {
          window_ms = MAX (window_ms * 3 / 4, MIN_WINDOW_MS);
          if (!sync_succeeded (child, err_path, TRUE))
            continue; /* timed out: the cache is checked after the next one */
          finished++;
        }

      check_start = g_get_monotonic_time ();
      wh_test_assert_cache_consistent (cache_path, crash_region, killed % 5 == 0);
      slowest_check = MAX (slowest_check, g_get_monotonic_time () - check_start);

      if (g_subprocess_get_if_signaled (child))
        {
          if (killed % 10 == 0)
            g_test_message ("%u kills, %" G_GINT64_FORMAT " rows cached after the last", killed,
                            cached_rows (cache_path));
          /* A real server changes while clients sync; and a first sync
           * starts by creating the tables, which kills must hit too. */
          if (killed % 8 == 0)
            {
              churn.round = ++rounds;
              wh_test_server_run (server, churn_cb, &churn);
            }
          if (killed % 25 == 0)
            {
              remove_cache (cache_path);
              fresh++;
            }
          continue;
        }

      /* A finished sync has nothing left to interrupt: start again, from an
       * empty cache or with changes waiting on the server, by turns. */
      {
        g_autoptr(WhStore) store = wh_store_open (cache_path, &error);

        g_assert_no_error (error);
        wh_test_server_set_faults (server, "");
        wh_test_assert_cache_equal (wh_test_server_get_db_path (server), store, crash_region);
        wh_test_server_set_faults (server, faults);
      }
      if (rounds++ % 2 == 1)
        {
          remove_cache (cache_path);
          fresh++;
        }
      else
        {
          churn.round = rounds;
          wh_test_server_run (server, churn_cb, &churn);
        }
    }

  g_test_message ("%u kills (%u before the cache existed, %u inside a write transaction),"
                  " %u syncs finished first; %u fresh starts, %u changed and %u deleted records"
                  " on the server; slowest check %.2f s; kills within %u ms at the end",
                  killed, early, in_transaction, finished, fresh, churn.changed, churn.deleted,
                  slowest_check / 1e6, window_ms);
  g_assert_cmpuint (killed, >=, target);

  /* one last sync, undisturbed, must catch up with everything */
  wh_test_server_set_faults (server, "");
  {
    g_autoptr(WhStore) store = NULL;
    guint n;

    sync_to_end (cli_path, wh_test_server_get_url (server), cache_path, err_path);
    wh_test_assert_cache_consistent (cache_path, crash_region, TRUE);
    store = wh_store_open (cache_path, &error);
    g_assert_no_error (error);
    n = wh_test_assert_cache_equal (wh_test_server_get_db_path (server), store, crash_region);
    /* A region's sync wrote into its tables. */
    if (by_region)
      g_assert_cmpint (wh_test_db_query_int (cache_path, "SELECT count(*) FROM region_tables"),
                       ==, 1);
    g_test_message ("final sync: the cache equals the server's %u records; %.1f s in all", n,
                    (g_get_monotonic_time () - started) / 1e6);
  }
  remove_cache (cache_path);
  wh_test_remove_tmpdir (dir);
}

static void
test_cli_killed (void)
{
  cli_killed (FALSE);
}

static void
test_cli_killed_region (void)
{
  cli_killed (TRUE);
}

/* ------------------------------------------------------------------------ */
/* The checks themselves: damage that bypasses SQLite's own integrity_check */

static void
damage_cache (const char *cache_path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (cache_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (wh_search_tokenizer_register (db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

typedef struct
{
  const char *sql;
  const char *finding; /* what the check says, a g_pattern */
} Damage;

static const Damage damages[] = {
  /* a row the full-text index never saw (FTS5's check, which compares
   * the index with the table's text, says so first) */
  { "CREATE TEMP TABLE copy AS SELECT * FROM jobs LIMIT 1; UPDATE copy SET id = id + 1000000;"
    " DROP TRIGGER jobs_fts_insert; INSERT INTO jobs SELECT * FROM copy",
    "*jobs_fts*integrity-check*malformed*" },
  /* a title changed behind the names index's back: every row is there,
   * only the comparison with the text finds it */
  { "DROP TRIGGER jobs_names_update;"
    " UPDATE jobs SET title = title || '改' WHERE id = (SELECT min(id) FROM jobs)",
    "*jobs_names*integrity-check*malformed*" },
  /* a station without its point in the R*Tree */
  { "DELETE FROM stations_geo WHERE id = (SELECT min(id) FROM stations_geo)",
    "*stations_geo: 1 rows missing from the index*" },
  /* a row newer than its cursor */
  { "UPDATE jobs SET rev = rev + 1000000 WHERE id = (SELECT min(id) FROM jobs)",
    "*<= cursor*" },
};

/* Each damage bypasses SQLite's own integrity_check; the checks the crash
 * test relies on must still fail on it, saying what is wrong. */
static void
test_checks_catch_damage (gconstpointer data)
{
  const Damage *damage = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) server = NULL;
  g_autofree char *err_path = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *cache_path = NULL;
  g_autofree char *cli_path = NULL;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_failed ();
      g_test_trap_assert_stdout ("*sound before the damage*");
      g_test_trap_assert_stderr (damage->finding);
      return;
    }

  server = wh_test_server_start ("tiny", &error);
  g_assert_no_error (error);
  dir = wh_test_make_tmpdir ();
  cache_path = g_build_filename (dir, "cache.db", NULL);
  cli_path = g_build_filename (g_getenv ("WH_BUILD_ROOT"), "src", "cli", "workers-home-cli", NULL);
  err_path = g_build_filename (dir, "cli.err", NULL);
  sync_to_end (cli_path, wh_test_server_get_url (server), cache_path, err_path);
  wh_test_assert_cache_consistent (cache_path, 0, TRUE);
  g_print ("sound before the damage\n");
  damage_cache (cache_path, damage->sql);
  /* the directory stays behind: this process dies here */
  wh_test_assert_cache_consistent (cache_path, 0, TRUE);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  g_test_add_data_func ("/crash/checks-catch-damage/fts", &damages[0], test_checks_catch_damage);
  g_test_add_data_func ("/crash/checks-catch-damage/names", &damages[1], test_checks_catch_damage);
  g_test_add_data_func ("/crash/checks-catch-damage/rtree", &damages[2], test_checks_catch_damage);
  g_test_add_data_func ("/crash/checks-catch-damage/cursor", &damages[3],
                        test_checks_catch_damage);
  g_test_add_func ("/crash/cli-killed", test_cli_killed);
  g_test_add_func ("/crash/cli-killed/region", test_cli_killed_region);
  return g_test_run ();
}
