/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-snapshot.h: the region snapshot's file format, shared by the server
 * that builds it (src/server/wh-server-snapshot.c) and the client that
 * imports it (wh-store-snapshot.c). data/api/CONTRACT.md describes it.
 *
 * A snapshot is an SQLite database, compressed, holding two tables and
 * nothing else: the collection's open records in their SQL form (the cache's
 * column order, wh-record.h) and one row of meta data. Its CREATE statements
 * are exactly these texts: the client compares sqlite_schema with them.
 */
#pragma once

#include "wh-schema.h"

G_BEGIN_DECLS

#define WH_SNAPSHOT_FORMAT       1
#define WH_SNAPSHOT_META_TABLE   "snapshot_meta"

/* Compressed one of two ways, as the request's Accept chooses: zstd, which
 * a client asks for first (it inflates in a fifth of gzip's time and is
 * two thirds of its size), or gzip, what a client from before zstd gets
 * without asking. A client tells them by their first bytes. */
#define WH_SNAPSHOT_CONTENT_TYPE      "application/gzip"
#define WH_SNAPSHOT_CONTENT_TYPE_ZSTD "application/zstd"
#define WH_SNAPSHOT_ACCEPT            "application/zstd, application/gzip;q=0.5"
/* A zstd snapshot's window is at most 2^WH_SNAPSHOT_ZSTD_WINDOW_LOG bytes
 * (8 MiB): the server compresses within it, and a client refuses a file
 * that needs more memory than that to inflate. */
#define WH_SNAPSHOT_ZSTD_WINDOW_LOG   23

/* "CREATE TABLE snapshot_meta (...)": one row. */
const char *wh_snapshot_meta_sql  (void);
/* "CREATE TABLE jobs (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, title TEXT, ...)" */
char       *wh_snapshot_table_sql (const WhCollection *collection);

G_END_DECLS
