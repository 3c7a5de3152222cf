/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-cache.h: checks of a client cache against the server's database,
 * and of what a crash must never break, shared by the sync, crash and fault
 * tests. Every function asserts (g_assert / g_error) instead of returning
 * an error.
 */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* How many live jobs of the server's database its feed sends as
 * tombstones today (closed: expires_at before the day in China time). */
guint wh_test_count_closed_jobs       (const char         *server_db);
/* The cache holds exactly the server's live records of collection (of
 * region, if > 0 and the collection is regional; but the jobs closed
 * today), field for field and at the same rev, and nothing more: no record lost, none left over after its
 * deletion, none twice. server_db is the server's SQLite file (it may be
 * serving meanwhile). Returns how many records were compared. */
guint wh_test_assert_collection_equal (const char         *server_db,
                                       WhStore            *store,
                                       const WhCollection *collection,
                                       gint                region);
/* The same for every synced collection; returns the total. */
guint wh_test_assert_cache_equal      (const char         *server_db,
                                       WhStore            *store,
                                       gint                region);

/* What a crash at any instant must never break, checked on a cache nobody
 * else has open: PRAGMA integrity_check says ok; no cached row is newer
 * than its collection's cursor (a page and its cursor commit as one); each
 * full-text index indexes exactly the
 * rows of its table (but those a first pull lists as not indexed yet, see
 * wh_store_build_indexes); each R*Tree passes rtreecheck() and holds exactly the
 * table's rows that have coordinates. fts_check adds FTS5's own
 * integrity-check, which reads the whole index (about a second for the
 * city's jobs). */
void  wh_test_assert_cache_consistent (const char         *cache_path,
                                       gint                region,
                                       gboolean            fts_check);

/* The single integer a one-row query gives on the database at path (the
 * server's, say, while it serves). */
gint64     wh_test_db_query_int          (const char         *path,
                                          const char         *sql);
/* How many rows of a collection in a client cache meet where (SQL),
 * whatever tables hold them (its own, its regions'). */
gint64     wh_test_cache_count           (const char         *cache_path,
                                          const char         *collection,
                                          const char         *where);
GPtrArray *wh_test_server_db_records     (gpointer            server_db,
                                          const WhCollection *collection,
                                          const char         *where,
                                          guint               limit);

G_END_DECLS
