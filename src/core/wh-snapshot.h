/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-snapshot.h: the region snapshot's file format, shared by the server
 * that builds it (src/server/wh-server-snapshot.c) and the client that
 * imports it (wh-store-snapshot.c). data/api/CONTRACT.md describes it.
 *
 * A snapshot is an SQLite database, gzip-compressed, holding two tables and
 * nothing else: the collection's open records in their SQL form (the cache's
 * column order, wh-record.h) and one row of meta data. Its CREATE statements
 * are exactly these texts: the client compares sqlite_schema with them.
 */
#pragma once

#include "wh-schema.h"

G_BEGIN_DECLS

#define WH_SNAPSHOT_FORMAT       1
#define WH_SNAPSHOT_CONTENT_TYPE "application/gzip"
#define WH_SNAPSHOT_META_TABLE   "snapshot_meta"

/* "CREATE TABLE snapshot_meta (...)": one row. */
const char *wh_snapshot_meta_sql  (void);
/* "CREATE TABLE jobs (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, title TEXT, ...)" */
char       *wh_snapshot_table_sql (const WhCollection *collection);

G_END_DECLS
