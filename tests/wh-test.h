/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test.h: what every test executable shares. */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* g_test_init plus: criticals and warnings are fatal, a fixed locale and
 * time zone, and no ambient proxy or GSettings backend. */
void  wh_test_init          (int    *argc,
                             char ***argv);
/* The same, keeping the system data dirs (icon theme, fonts) for UI tests. */
void  wh_test_init_ui       (int    *argc,
                             char ***argv);
/* A fresh private directory under $TMPDIR. Not removed: callers that make
 * many should delete theirs (see tests/wh-test-server.c). */
char *wh_test_make_tmpdir   (void);

/* Loops that run the same code paths over many inputs (every filter
 * combination, many random points, a check after every page) take every
 * input in the normal pass. Under the sanitizers, whose slow stack unwinding
 * makes each allocation about 20 times dearer, tools/run-sanitizers sets
 * WH_TEST_SAMPLE=N and they take every Nth: each path still runs under
 * ASan, UBSan and LSan. wh_test_sampled (i) says whether to take input i. */
guint    wh_test_sample  (void);
gboolean wh_test_sampled (guint i);
/* Deletes a directory made by wh_test_make_tmpdir that holds only files
 * (a cache and its -wal and -shm, a server database). */
void  wh_test_remove_tmpdir (const char *dir);

/* An async call's callback for tests: keeps a reference to the result in
 * *(GAsyncResult **) user_data, which must be NULL before the call. */
void          wh_test_result_cb (GObject      *source,
                                 GAsyncResult *result,
                                 gpointer      user_data);
/* Runs the thread-default main context until *slot is set; returns it. */
GAsyncResult *wh_test_await     (GAsyncResult **slot);

/* The single value of a one-row query (the test fails on an error or no
 * row); the text one newly allocated. */
gint64        wh_test_sql_int   (sqlite3       *db,
                                 const char    *sql);
char         *wh_test_sql_text  (sqlite3       *db,
                                 const char    *sql);

G_END_DECLS
