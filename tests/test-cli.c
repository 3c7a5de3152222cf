/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home-cli as a script would run it: against the reference server,
 * against a hostile one, and without a server. The test runs a session bus
 * and a gnome-keyring-daemon of its own, so the sign-in path is tested with a
 * real keyring; the no-keyring path gets a bus address that leads nowhere. */
#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-test-cache.h"
#include "wh-test-server.h"
#include "wh-test.h"

static char *cli_path;
static gboolean have_keyring;
static char *cli_lsan_options;
static char *cli_lsan_file;

/* Under tools/run-sanitizers: the project's suppressions plus the CLI's own
 * (tests/lsan-cli.supp, leaks inside libsecret and GDBus), for the CLI
 * processes only. */
static void
setup_cli_lsan (void)
{
  const char *options = g_getenv ("LSAN_OPTIONS");
  const char *start = options ? strstr (options, "suppressions=") : NULL;
  g_autofree char *project = NULL;
  g_autofree char *extra = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *project_text = NULL;
  g_autofree char *extra_text = NULL;
  gsize n;
  int fd;

  if (start == NULL)
    return;
  start += strlen ("suppressions=");
  n = strcspn (start, ":");
  project = g_strndup (start, n);
  extra = g_build_filename (g_getenv ("WH_SOURCE_ROOT"), "tests", "lsan-cli.supp", NULL);
  if (!g_file_get_contents (project, &project_text, NULL, NULL) ||
      !g_file_get_contents (extra, &extra_text, NULL, NULL))
    return;
  fd = g_file_open_tmp ("wh-lsan-cli-XXXXXX.supp", &cli_lsan_file, NULL);
  if (fd < 0)
    return;
  close (fd);
  joined = g_strconcat (project_text, "\n", extra_text, NULL);
  g_file_set_contents (cli_lsan_file, joined, -1, NULL);
  cli_lsan_options = g_strdup_printf ("%.*s%s%s", (int) (start - options), options,
                                      cli_lsan_file, start + n);
}

typedef struct
{
  int   status;   /* exit status; -1 when killed by a signal */
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_clear_pointer (&run->out, g_free);
  g_clear_pointer (&run->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* argv after the program; env: extra "NAME=VALUE" or NULL. */
static void
run_cli (Run                *run,
         const char         *env,
         const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (argv, cli_path);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  if (env != NULL)
    {
      g_auto(GStrv) kv = g_strsplit (env, "=", 2);
      g_subprocess_launcher_setenv (launcher, kv[0], kv[1], TRUE);
    }
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  if (cli_lsan_options != NULL)
    g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", cli_lsan_options, TRUE);
  child = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  run_clear (run);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &run->out, &run->err, &error);
  g_assert_no_error (error);
  run->status = g_subprocess_get_if_exited (child) ? g_subprocess_get_exit_status (child) : -1;
  g_test_message ("%s → %d\n%s%s", args[0], run->status, run->out, run->err);
}

static guint
count_lines (const char *text)
{
  guint n = 0;

  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* Non-zero, not a signal, and one line of error on stderr, the last (a sync
 * may print its per-collection progress lines before it). */
static void
assert_failed (Run        *run,
               int         status,
               const char *contains)
{
  g_auto(GStrv) lines = g_strsplit (run->err, "\n", -1);
  guint n = g_strv_length (lines), errors = 0;

  g_assert_cmpint (run->status, ==, status);
  g_assert_true (g_str_has_suffix (run->err, "\n"));
  for (guint i = 0; i < n; i++)
    errors += g_str_has_prefix (lines[i], "workers-home-cli: ");
  if (status == 1)
    {
      g_assert_cmpuint (errors, ==, 1);
      g_assert_true (g_str_has_prefix (lines[n - 2], "workers-home-cli: "));
    }
  else
    g_assert_cmpuint (errors, >=, 1);
  if (contains != NULL)
    g_assert_nonnull (strstr (run->err, contains));
}

typedef struct
{
  WhTestServer *server;
  char         *dir;
  char         *cache;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->server = wh_test_server_start ("tiny", &error);
  g_assert_no_error (error);
  f->dir = wh_test_make_tmpdir ();
  f->cache = g_build_filename (f->dir, "cache.db", NULL);
}

/* The fixture's directory holds only flat files (cache, WAL, pending claims). */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  wh_test_server_free (f->server);
  g_free (f->cache);
  remove_dir (f->dir);
  g_free (f->dir);
}

#define CLI(run, f, ...) \
  run_cli (run, NULL, (const char * const[]) { "--server", wh_test_server_get_url ((f)->server), \
                                               "--cache", (f)->cache, __VA_ARGS__, NULL })
#define CLI_ENV(run, env, f, ...) \
  run_cli (run, env, (const char * const[]) { "--server", wh_test_server_get_url ((f)->server), \
                                              "--cache", (f)->cache, __VA_ARGS__, NULL })

static void
test_usage (void)
{
  g_auto(Run) run = { 0, };

  run_cli (&run, NULL, (const char * const[]) { NULL });
  assert_failed (&run, 2, "No command");
  run_cli (&run, NULL, (const char * const[]) { "frobnicate", NULL });
  assert_failed (&run, 2, "Unknown command");
  run_cli (&run, NULL, (const char * const[]) { "search", "bananas", "x", NULL });
  assert_failed (&run, 2, NULL);
  run_cli (&run, NULL, (const char * const[]) { "near", "91", "0", NULL });
  assert_failed (&run, 2, NULL);
  run_cli (&run, NULL, (const char * const[]) { "--limit", "-3", "stats", NULL });
  assert_failed (&run, 2, NULL);
  run_cli (&run, NULL, (const char * const[]) { "--server", "ftp://x", "stats", NULL });
  assert_failed (&run, 2, NULL);
  run_cli (&run, NULL, (const char * const[]) { "sync", "users", NULL });
  assert_failed (&run, 2, "Unknown collection");
  run_cli (&run, NULL, (const char * const[]) { "--help", NULL });
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "request-code PHONE"));
}

static void
test_sync_and_queries (Fixture      *f,
                       gconstpointer data)
{
  g_auto(Run) run = { 0, };
  g_autofree char *count = NULL;
  /* The jobs closed by today come as tombstones (counted as deleted). */
  guint closed = wh_test_count_closed_jobs (wh_test_server_get_db_path (f->server));
  g_autofree char *synced = g_strdup_printf ("synced\t%u records\t%u deleted\t0 rejected\t",
                                             1408 - closed, closed);

  /* Through the changes feed; test_sync_snapshot takes the region snapshot. */
  CLI (&run, f, "sync", "--no-snapshot");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, synced));
  /* the progress lines (stderr is not a terminal here): one per collection */
  g_assert_cmpuint (count_lines (run.err), ==, 9);

  CLI (&run, f, "sync", "jobs", "stations");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "synced\t0 records\t"));

  CLI (&run, f, "search", "jobs", "电工", "--count");
  g_assert_cmpint (run.status, ==, 0);
  count = g_strstrip (g_strdup (run.out));
  g_assert_cmpint (atoi (count), >, 0);
  CLI (&run, f, "search", "jobs", "电工", "--limit", "1000");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, atoi (count));
  {
    g_auto(GStrv) lines = g_strsplit (run.out, "\n", -1);
    g_auto(GStrv) fields = g_strsplit (lines[0], "\t", -1);

    g_assert_cmpuint (g_strv_length (fields), ==, 5);
    g_assert_cmpint (g_ascii_strtoll (fields[0], NULL, 10), >, 0);
    g_assert_nonnull (strstr (fields[1], "电工"));
  }
  CLI (&run, f, "search", "jobs", "电工", "--limit", "2");
  g_assert_cmpuint (count_lines (run.out), ==, MIN (2, atoi (count)));
  /* Pinyin and initials (#19): every employer of the demo is in 北京, so bj
   * finds every job still open, and --limit prints each match up to the limit. */
  CLI (&run, f, "search", "jobs", "bj", "--count");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (atoi (run.out), ==, 600 - closed);
  CLI (&run, f, "search", "jobs", "bj", "--limit", "1000");
  g_assert_cmpuint (count_lines (run.out), ==, 600 - closed);
  CLI (&run, f, "search", "jobs", "dian gong", "--limit", "1000");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), >=, atoi (count) / 2);
  g_assert_nonnull (strstr (run.out, "电工"));
  /* hostile query text is just text */
  CLI (&run, f, "search", "stations", "\" OR 1=1 -- NEAR(*", "--count");
  g_assert_cmpint (run.status, ==, 0);

  CLI (&run, f, "near", "39.9", "116.4", "--limit", "3");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 3);
  g_assert_nonnull (strstr (run.out, " m\t"));

  CLI (&run, f, "stats");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 10);
  g_assert_true (g_str_has_prefix (run.out, "categories\t"));
  {
    g_autofree char *jobs = g_strdup_printf ("\njobs\t%u\t", 600 - closed);

    g_assert_nonnull (strstr (run.out, jobs));
  }
  g_assert_nonnull (strstr (run.out, "outbox\t0\n"));

  CLI (&run, f, "merchants", "--limit", "5");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 5);
}

/* A first sync takes the jobs from the region snapshot: no tombstones for
 * the jobs closed today (the snapshot leaves them out), the same jobs open,
 * found by the same searches once indexed. */
static void
test_sync_snapshot (Fixture      *f,
                    gconstpointer data)
{
  g_auto(Run) run = { 0, };
  guint closed = wh_test_count_closed_jobs (wh_test_server_get_db_path (f->server));
  g_autofree char *synced = g_strdup_printf ("synced\t%u records\t0 deleted\t0 rejected\t",
                                             1408 - closed);
  g_autofree char *jobs = g_strdup_printf ("\njobs\t%u\t", 600 - closed);
  g_autofree char *copying = g_strdup_printf ("\njobs: copying %u records\n", 600 - closed);

  g_assert_cmpuint (closed, >, 0);
  CLI (&run, f, "sync");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, synced));
  /* In a log, the snapshot's phases as they start (#22), in order, then
   * the records' lines. */
  g_assert_true (g_regex_match_simple ("^jobs: downloading the region’s data, [0-9]+\\.[0-9] MB\n"
                                       "jobs: checking the region’s data\n"
                                       "jobs: copying [0-9]+ records\n"
                                       "jobs: building the search index\n",
                                       run.err, G_REGEX_MULTILINE, 0));
  g_assert_nonnull (strstr (run.err, copying));
  g_assert_cmpuint (count_lines (run.err), ==, 9 + 4);
  CLI (&run, f, "search", "jobs", "bj", "--count");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpint (atoi (run.out), ==, 600 - closed);
  CLI (&run, f, "stats");
  g_assert_nonnull (strstr (run.out, jobs));
  CLI (&run, f, "sync");
  g_assert_true (g_str_has_prefix (run.out, "synced\t0 records\t"));
}

static void
test_unreachable (Fixture      *f,
                  gconstpointer data)
{
  g_auto(Run) run = { 0, };

  wh_test_server_stop (f->server);
  CLI (&run, f, "sync", "categories");
  assert_failed (&run, 1, "Could not reach the server");
  /* offline, the cache still answers */
  CLI (&run, f, "stats");
  g_assert_cmpint (run.status, ==, 0);
  CLI (&run, f, "merchants");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.err, "Showing the saved list"));

  run_cli (&run, NULL, (const char * const[]) { "--server", "http://example.com", "--cache",
                                                f->cache, "sync", NULL });
  assert_failed (&run, 1, "secure");
}

/* ---- A hostile server on a thread of its own ----------------------------- */

typedef enum
{
  HOSTILE_DEEP,
  HOSTILE_HUGE,
  HOSTILE_BINARY,
  HOSTILE_HTML,
  HOSTILE_LIES,
} HostileMode;

typedef struct
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        mutex;
  GCond         cond;
  guint         port;
  gint          mode;
} Hostile;

static void
hostile_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  Hostile *h = user_data;
  GString *body = g_string_new (NULL);

  switch ((HostileMode) g_atomic_int_get (&h->mode))
    {
    case HOSTILE_DEEP:
      for (guint i = 0; i < 100000; i++)
        g_string_append_c (body, '[');
      break;
    case HOSTILE_HUGE:
      g_string_set_size (body, 40 * 1024 * 1024);
      memset (body->str, '7', body->len);
      soup_message_headers_set_encoding (soup_server_message_get_response_headers (msg),
                                         SOUP_ENCODING_CHUNKED);
      break;
    case HOSTILE_BINARY:
      for (guint i = 0; i < 4096; i++)
        g_string_append_c (body, (char) g_random_int_range (0, 256));
      break;
    case HOSTILE_HTML:
      g_string_append (body, "<html><body>Site under construction</body></html>");
      break;
    case HOSTILE_LIES:
    default:
      /* valid JSON of the wrong shape for every endpoint */
      g_string_append (body, "{\"collection\":\"jobs\",\"since\":5,\"next_since\":1,"
                             "\"server_rev\":-1,\"has_more\":true,\"records\":[{\"id\":-1}],"
                             "\"token\":\"a\\r\\nb\",\"me\":[],\"vouchers\":{},\"sent\":1}");
      break;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body->str,
                                    body->len);
  g_string_free (body, FALSE);
}

static gpointer
hostile_thread (gpointer data)
{
  Hostile *h = data;
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  g_main_context_push_thread_default (h->context);
  server = soup_server_new (NULL, NULL);
  soup_server_add_handler (server, NULL, hostile_cb, h, NULL);
  soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_mutex_lock (&h->mutex);
  h->port = g_uri_get_port (uris->data);
  g_cond_signal (&h->cond);
  g_mutex_unlock (&h->mutex);
  g_main_loop_run (h->loop);
  soup_server_disconnect (server);
  g_main_context_pop_thread_default (h->context);
  return NULL;
}

static void
test_hostile (void)
{
  Hostile h = { 0, };
  g_autofree char *url = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_auto(Run) run = { 0, };

  g_mutex_init (&h.mutex);
  g_cond_init (&h.cond);
  h.context = g_main_context_new ();
  h.loop = g_main_loop_new (h.context, FALSE);
  h.thread = g_thread_new ("hostile", hostile_thread, &h);
  g_mutex_lock (&h.mutex);
  while (h.port == 0)
    g_cond_wait (&h.cond, &h.mutex);
  g_mutex_unlock (&h.mutex);
  url = g_strdup_printf ("http://127.0.0.1:%u", h.port);

  for (gint mode = HOSTILE_DEEP; mode <= HOSTILE_LIES; mode++)
    {
      static const char * const commands[][4] = {
        { "sync", "categories", NULL },
        { "request-code", "13800138000", NULL },
        { "login", "13800138000", "123456", NULL },
        { "merchants", NULL },
      };

      g_atomic_int_set (&h.mode, mode);
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          const char *args[8] = { "--server", url, "--cache", cache, NULL };

          for (guint k = 0; commands[i][k] != NULL; k++)
            args[4 + k] = commands[i][k];
          run_cli (&run, NULL, args);
          /* never a signal; a one-line error (merchants falls back to the cache) */
          g_assert_cmpint (run.status, !=, -1);
          if (i == 3)
            g_assert_cmpint (run.status, ==, 0);
          else
            assert_failed (&run, 1, NULL);
        }
    }
  /* and nothing of it reached the cache */
  {
    const char *args[] = { "--server", url, "--cache", cache, "stats", NULL };

    run_cli (&run, NULL, args);
    g_assert_cmpint (run.status, ==, 0);
    g_assert_true (g_str_has_prefix (run.out, "categories\t0\t0\tnever\n"));
  }

  g_main_loop_quit (h.loop);
  g_main_context_wakeup (h.context);
  g_thread_join (h.thread);
  g_main_loop_unref (h.loop);
  g_main_context_unref (h.context);
  g_mutex_clear (&h.mutex);
  g_cond_clear (&h.cond);
  remove_dir (dir);
}

/* ---- Sign-in and vouchers ------------------------------------------------ */

/* A merchant serving at 12:00 with meals left, and a day to be in. */
static gint64
serving_merchant (Fixture *f)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 id = 0;

  g_assert_cmpint (sqlite3_open_v2 (wh_test_server_get_db_path (f->server), &db,
                                    SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT body FROM merchants WHERE deleted = 0"
                                           " ORDER BY id", -1, &stmt, NULL), ==, SQLITE_OK);
  while (id == 0 && sqlite3_step (stmt) == SQLITE_ROW)
    {
      const char *body = (const char *) sqlite3_column_text (stmt, 0);
      g_autoptr(WhRecord) m = wh_record_parse (&wh_collection_merchants, body, strlen (body),
                                               NULL);
      g_auto(GStrv) windows = wh_record_dup_strv (m, "windows");

      if (wh_record_get_int (m, "daily_quota") < 2)
        continue;
      for (guint i = 0; windows[i] != NULL; i++)
        if (strcmp (windows[i], "12:00") < 0 && strcmp (windows[i] + 6, "12:30") > 0)
          id = m->id;
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  g_assert_cmpint (id, >, 0);
  /* 2026-11-20 12:00 in China */
  wh_test_server_set_time (f->server, G_GINT64_CONSTANT (1795147200) * G_USEC_PER_SEC);
  return id;
}

static void
test_no_keyring (Fixture      *f,
                 gconstpointer data)
{
  g_auto(Run) run = { 0, };
  static const char env[] = "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/bus";

  CLI_ENV (&run, env, f, "login", "13800138000", WH_TEST_SERVER_DEMO_CODE);
  /* signed in for the process only, and said so */
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "signed-in\t13800138000\teligible\t"));
  g_assert_nonnull (strstr (run.err, "No keyring is available; sign in again each time."));
  CLI_ENV (&run, env, f, "vouchers");
  assert_failed (&run, 1, "No keyring");
  /* and nothing was written to the cache directory but the cache */
  {
    g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name (d)) != NULL)
      g_assert_true (g_str_has_prefix (name, "cache.db"));
  }
}

static void
test_vouchers (Fixture      *f,
               gconstpointer data)
{
  g_auto(Run) run = { 0, };
  g_autofree char *merchant = NULL;
  g_autofree char *code = NULL;

  if (!have_keyring)
    {
      g_test_skip ("No keyring in this session (run under dbus-run-session)");
      return;
    }
  merchant = g_strdup_printf ("%" G_GINT64_FORMAT, serving_merchant (f));

  CLI (&run, f, "vouchers");
  assert_failed (&run, 1, "Not signed in");
  CLI (&run, f, "request-code", "13800138003");
  g_assert_cmpint (run.status, ==, 0);
  code = wh_test_server_get_last_code (f->server, "13800138003");
  g_assert_nonnull (code);
  CLI (&run, f, "login", "13800138003", code);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpstr (run.err, ==, "");

  /* the answer is lost: the voucher exists on the server, the CLI saw an error */
  wh_test_server_set_faults (f->server, "drop=1,scope=all,seed=2");
  CLI (&run, f, "claim", merchant);
  assert_failed (&run, 1, "Could not reach the server");
  wh_test_server_set_faults (f->server, "");
  /* claiming again returns that voucher, not a refusal and not a second one */
  CLI (&run, f, "claim", merchant);
  g_assert_cmpint (run.status, ==, 0);
  {
    g_auto(GStrv) fields = g_strsplit (run.out, "\t", -1);

    g_assert_cmpuint (g_strv_length (fields), ==, 4);
    g_assert_cmpuint (strlen (fields[0]), ==, 12);
    g_assert_true (g_str_has_prefix (fields[1], "2026-11-20T"));
  }
  CLI (&run, f, "claim", merchant);
  assert_failed (&run, 1, "You have already claimed a love meal today.");
  CLI (&run, f, "vouchers");
  g_assert_cmpint (run.status, ==, 0);
  g_assert_cmpuint (count_lines (run.out), ==, 1);
  g_assert_nonnull (strstr (run.out, "\tunused\t2026-11-20\n"));

  CLI (&run, f, "logout");
  g_assert_cmpint (run.status, ==, 0);
  CLI (&run, f, "vouchers");
  assert_failed (&run, 1, "Not signed in");
  CLI (&run, f, "logout");
  g_assert_cmpint (run.status, ==, 0);
}

static void
test_not_eligible (Fixture      *f,
                   gconstpointer data)
{
  g_auto(Run) run = { 0, };
  g_autofree char *merchant = NULL;

  if (!have_keyring)
    {
      g_test_skip ("No keyring in this session (run under dbus-run-session)");
      return;
    }
  merchant = g_strdup_printf ("%" G_GINT64_FORMAT, serving_merchant (f));
  CLI (&run, f, "login", "13800138009", WH_TEST_SERVER_DEMO_CODE);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "\tnot-eligible\t"));
  CLI (&run, f, "claim", merchant);
  assert_failed (&run, 1, "union members");
  CLI (&run, f, "logout");
  g_assert_cmpint (run.status, ==, 0);
}

/* A session bus and an unlocked keyring of our own, in the test's private
 * directories, so signing in is tested with libsecret for real and nothing
 * touches the user's keyring. The children die with the test (PDEATHSIG). */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

typedef struct
{
  GSubprocess *bus;
  GSubprocess *keyring;
  char        *home;
} Session;

static void
isolate (GSubprocessLauncher *launcher,
         const char          *home)
{
  static const char * const vars[] = { "XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
                                       "XDG_RUNTIME_DIR" };

  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
    {
      g_autofree char *dir = g_build_filename (home, vars[i], NULL);

      g_mkdir_with_parents (dir, 0700);
      g_subprocess_launcher_setenv (launcher, vars[i], dir, TRUE);
    }
}

static void
session_stop (Session *session)
{
  if (session->keyring != NULL)
    g_subprocess_force_exit (session->keyring);
  if (session->bus != NULL)
    g_subprocess_force_exit (session->bus);
  g_clear_object (&session->keyring);
  g_clear_object (&session->bus);
  if (session->home != NULL)
    {
      const char *argv[] = { "rm", "-rf", session->home, NULL };

      g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                    NULL);
      g_clear_pointer (&session->home, g_free);
    }
}

static gboolean
session_start (Session *session)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *dbus = g_find_program_in_path ("dbus-daemon");
  g_autofree char *keyring = g_find_program_in_path ("gnome-keyring-daemon");
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *address = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  GOutputStream *in;

  if (dbus == NULL || keyring == NULL)
    return FALSE;
  /* Never the real home: the bus passes this on to what it activates. */
  session->home = wh_test_make_tmpdir ();
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  isolate (launcher, session->home);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  session->bus = g_subprocess_launcher_spawn (launcher, &error, dbus, "--session", "--nofork",
                                              "--print-address=1", NULL);
  if (session->bus == NULL)
    return FALSE;
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (session->bus));
  address = g_data_input_stream_read_line (lines, NULL, NULL, NULL);
  if (address == NULL)
    return FALSE;
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", address, TRUE);

  g_clear_object (&launcher);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  isolate (launcher, session->home);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  session->keyring = g_subprocess_launcher_spawn (launcher, &error, keyring, "--foreground",
                                                  "--unlock", "--components=secrets", NULL);
  if (session->keyring == NULL)
    return FALSE;
  in = g_subprocess_get_stdin_pipe (session->keyring);
  g_output_stream_write_all (in, "test", 4, NULL, NULL, NULL);
  g_output_stream_close (in, NULL, NULL);

  /* Ready when it owns the Secret Service name; until then the bus would
   * activate another daemon, one with no unlocked keyring. */
  connection = g_dbus_connection_new_for_address_sync (
    address,
    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
    NULL, NULL, &error);
  if (connection == NULL)
    return FALSE;
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(GVariant) reply =
        g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "NameHasOwner",
                                     g_variant_new ("(s)", "org.freedesktop.secrets"),
                                     G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     NULL);
      gboolean owned = FALSE;

      if (reply != NULL)
        g_variant_get (reply, "(b)", &owned);
      if (owned)
        return TRUE;
      g_usleep (50 * 1000);
    }
  return FALSE;
}

static gboolean
probe_keyring (void)
{
  g_autoptr(WhTestServer) server = wh_test_server_start (NULL, NULL);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *cache = g_build_filename (dir, "cache.db", NULL);
  g_auto(Run) run = { 0, };
  const char *args[] = { "--server", wh_test_server_get_url (server), "--cache", cache,
                         "login", "13800138000", WH_TEST_SERVER_DEMO_CODE, NULL };

  for (guint i = 0; i < 20; i++)
    {
      run_cli (&run, NULL, args);
      if (run.status == 0 && strstr (run.err, "No keyring") == NULL)
        {
          args[4] = "logout";
          args[5] = NULL;
          run_cli (&run, NULL, args);
          return TRUE;
        }
      g_usleep (100 * 1000);
    }
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  Session session = { NULL, NULL, NULL };
  int status;

  wh_test_init (&argc, &argv);
  cli_path = g_build_filename (g_getenv ("WH_BUILD_ROOT"), "src", "cli", "workers-home-cli",
                               NULL);
  setup_cli_lsan ();
  have_keyring = session_start (&session) && probe_keyring ();
  if (!have_keyring)
    g_test_message ("No keyring: the sign-in tests will be skipped");

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/hostile", test_hostile);
  ADD ("/cli/sync-and-queries", test_sync_and_queries);
  ADD ("/cli/sync-snapshot", test_sync_snapshot);
  ADD ("/cli/unreachable", test_unreachable);
  ADD ("/cli/no-keyring", test_no_keyring);
  ADD ("/cli/vouchers", test_vouchers);
  ADD ("/cli/not-eligible", test_not_eligible);
#undef ADD

  status = g_test_run ();
  session_stop (&session);
  if (cli_lsan_file != NULL)
    g_unlink (cli_lsan_file);
  g_free (cli_lsan_file);
  g_free (cli_lsan_options);
  g_free (cli_path);
  return status;
}
