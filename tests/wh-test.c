/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <execinfo.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "wh-test.h"

void
wh_test_init_ui (int    *argc,
                 char ***argv)
{
  /* Isolated dirs hide the icon theme and fonts; widgets need them, and
   * they hold nothing a test writes. */
  g_autofree char *data_dirs = g_strdup (g_getenv ("XDG_DATA_DIRS"));

  wh_test_init (argc, argv);
  g_setenv ("XDG_DATA_DIRS", data_dirs ? data_dirs : "/usr/local/share:/usr/share", TRUE);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
static void
write_err (const char *text)
{
  if (write (STDERR_FILENO, text, strlen (text)) < 0)
    return;
}

/* A crash that happens only on another machine (CI) leaves its stack in
 * the log: "binary(+0xoffset)" lines that `addr2line -f -e binary` reads.
 * Under the sanitizers, theirs report instead. */
static void
crash_handler (int sig)
{
  void *frames[64];
  int n = backtrace (frames, G_N_ELEMENTS (frames));
  const char *path = g_test_get_path ();

  write_err ("\n*** crashed (");
  write_err (strsignal (sig));
  write_err (") in ");
  write_err (path ? path : "?");
  write_err (", stack:\n");
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
  signal (sig, SIG_DFL);
  raise (sig);
}
#endif

static void
install_crash_handler (void)
{
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  const int signals[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE };
  void *frames[1];

  /* backtrace() loads libgcc on first use: not inside the handler. */
  backtrace (frames, 1);
  for (guint i = 0; i < G_N_ELEMENTS (signals); i++)
    signal (signals[i], crash_handler);
#endif
}

static void
drop_message (const char     *domain,
              GLogLevelFlags  level,
              const char     *message,
              gpointer        data)
{
}

void
wh_test_init (int    *argc,
              char ***argv)
{
  install_crash_handler ();
  g_setenv ("TZ", "UTC", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
  g_unsetenv ("http_proxy");
  g_unsetenv ("https_proxy");
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
  /* The test framework prints every debug message. GIO's socket client
   * writes eight lines a connection (the map's tiles, refused by the
   * closed port the tests point them at): they filled the tail of output
   * that CI keeps of a failed test. Our own domains' debug lines stay. */
  g_log_set_handler ("GLib-GIO", G_LOG_LEVEL_DEBUG, drop_message, NULL);
}

guint
wh_test_sample (void)
{
  static gsize sample = 0;

  if (g_once_init_enter (&sample))
    {
      guint64 n = g_ascii_strtoull (g_getenv ("WH_TEST_SAMPLE") ?: "1", NULL, 10);

      g_once_init_leave (&sample, CLAMP (n, 1, 1000));
    }
  return sample;
}

gboolean
wh_test_sampled (guint i)
{
  return i % wh_test_sample () == 0;
}

char *
wh_test_make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("wh-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
wh_test_remove_tmpdir (const char *dir)
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

void
wh_test_result_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
wh_test_await (GAsyncResult **slot)
{
  while (*slot == NULL)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return *slot;
}

/* The single value of a one-row query. */
gint64
wh_test_sql_int (sqlite3    *db,
                 const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

char *
wh_test_sql_text (sqlite3    *db,
                  const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *value;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (db));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return value;
}
