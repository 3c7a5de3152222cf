/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-db.h: the reference backend's own SQLite database.
 *
 * Every synced collection is a table "id, rev, deleted, province_adcode,
 * city_adcode, adcode, body": body is the record's JSON as the shared codec
 * writes it (with its rev), so a changes page is the stored bodies joined,
 * with nothing decoded or encoded again on the hot path.
 * rev is one counter for the whole server (meta.rev), bumped inside the write
 * transaction that changes a record, so commit order is rev order and a
 * reader paging by rev never skips a record committed later.
 */
#pragma once

#include <sqlite3.h>

#include "wh-record.h"

G_BEGIN_DECLS

#define WH_SERVER_DB_ERROR (wh_server_db_error_quark ())

typedef enum
{
  WH_SERVER_DB_ERROR_FAILED,
} WhServerDbError;

GQuark   wh_server_db_error_quark     (void);

/* Opens (creating if needed) the database, in WAL mode, with the schema. */
sqlite3 *wh_server_db_open            (const char         *path,
                                       GError            **error);
/* Secondary indexes. Created with the schema, and again after a bulk load
 * that dropped them for speed; harmless to call twice. */
gboolean wh_server_db_create_indexes  (sqlite3            *db,
                                       GError            **error);
gboolean wh_server_db_drop_indexes    (sqlite3            *db,
                                       GError            **error);

gboolean wh_server_db_exec            (sqlite3            *db,
                                       const char         *sql,
                                       GError            **error);
gboolean wh_server_db_set_error       (sqlite3            *db,
                                       GError            **error);

/* meta table */
gint64   wh_server_db_get_rev         (sqlite3            *db);
gboolean wh_server_db_set_rev         (sqlite3            *db,
                                       gint64              rev,
                                       GError            **error);
char    *wh_server_db_get_meta        (sqlite3            *db,
                                       const char         *key);
gboolean wh_server_db_set_meta        (sqlite3            *db,
                                       const char         *key,
                                       const char         *value,
                                       GError            **error);

/* Inside a write transaction: takes the next rev. */
gint64   wh_server_db_next_rev        (sqlite3            *db,
                                       GError            **error);

/* Writes a record with the given rev (record->rev is ignored and set).
 * INSERT OR REPLACE on id; record->deleted writes a tombstone that keeps the
 * region columns, so a region-filtered feed still delivers the deletion. */
gboolean wh_server_db_write_record    (sqlite3            *db,
                                       WhRecord           *record,
                                       gint64              rev,
                                       GError            **error);
/* Prepared "INSERT OR REPLACE" for a collection, for bulk loads. */
sqlite3_stmt *wh_server_db_prepare_insert (sqlite3            *db,
                                           const WhCollection *collection,
                                           GError            **error);
/* The region columns of a record, WH_SERVER_DB_NO_REGION where it has none. */
#define WH_SERVER_DB_NO_REGION G_MININT64
void          wh_server_db_region_columns (const WhRecord     *record,
                                           gint64              regions[3]);
/* Binds one row to a prepared insert; body is bound SQLITE_STATIC. For bulk
 * loads that encode bodies elsewhere (the generator's worker threads). */
void          wh_server_db_bind_row       (sqlite3_stmt       *stmt,
                                           gint64              id,
                                           gint64              rev,
                                           gboolean            deleted,
                                           const gint64        regions[3],
                                           const char         *body);
/* Sets record->rev, binds the record to a prepared insert and returns the
 * JSON body bound (SQLITE_STATIC: free it after sqlite3_step). */
char         *wh_server_db_bind_insert    (sqlite3_stmt       *stmt,
                                           WhRecord           *record,
                                           gint64              rev);
/* Reads one live record, decoded from its body (NULL if missing or deleted). */
WhRecord *wh_server_db_read_record    (sqlite3            *db,
                                       const WhCollection *collection,
                                       gint64              id);

G_END_DECLS
