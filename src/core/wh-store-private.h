/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-private.h: what WhListModel and the core modules that keep
 * tables of their own in the cache (wh-courses.c) need beyond the API. */
#pragma once

#include <sqlite3.h>

#include "wh-store.h"

G_BEGIN_DECLS

/* One page of a query, for keyset paging. With key == NULL: rows
 * offset .. offset+limit in the query's order. With a key (a row of the same
 * collection): the limit rows right after it, or with before, the limit rows
 * right before it (still returned in the query's order). */
GPtrArray *wh_store_query_page (WhStore        *self,
                                const WhQuery  *query,
                                const WhRecord *key,
                                gboolean        before,
                                guint           offset,
                                guint           limit,
                                GError        **error);

/* Deferred indexing's sizes (wh-store.h): a first pull of at least min_rows
 * defers; the build indexes chunk_rows per transaction, a step during the
 * pull step_rows. For tests, which use small data. */
void       wh_store_set_deferral (WhStore        *self,
                                  guint           min_rows,
                                  guint           chunk_rows,
                                  guint           step_rows);

/* How queries of filtered lists choose their way, for tests, which check
 * that every way gives the same rows. walk_ms and ring_ms: how long to try
 * the cheap way (walking the sort index, rings through the R*Tree for the
 * distance order) before reading the rows the filters select (0: never try,
 * G_MAXINT: never give up). selective_rows: up to how many rows a filter's
 * own index is used (0: never). All -1: the defaults. */
void       wh_store_set_query_plan (WhStore    *self,
                                    int         walk_ms,
                                    int         ring_ms,
                                    gint64      selective_rows);

/* The writer connection, locked, inside BEGIN IMMEDIATE; NULL on error.
 * write_end commits when ok (else rolls back) and unlocks, always. */
sqlite3   *wh_store_write_begin   (WhStore        *self,
                                   GError        **error);
gboolean   wh_store_write_end     (WhStore        *self,
                                   gboolean        ok,
                                   GError        **error);
/* Queues an outbox entry inside a write begun above; the id, or 0. */
gint64     wh_store_outbox_insert (WhStore        *self,
                                   const char     *kind,
                                   const char     *key,
                                   const char     *json_body,
                                   GError        **error);
/* A read connection for one call: returns a token for reader_return, and
 * the connection in *db; NULL on error. Statements must be finalized
 * before it is returned. */
gpointer   wh_store_reader_borrow (WhStore        *self,
                                   sqlite3       **db,
                                   GError        **error);
void       wh_store_reader_return (WhStore        *self,
                                   gpointer        token);
/* Sets error from SQLite's code and message; returns FALSE. */
gboolean   wh_store_set_db_error  (GError        **error,
                                   sqlite3        *db,
                                   int             rc,
                                   const char     *what);
void       wh_store_emit_changed  (WhStore        *self,
                                   const char     *what);

G_END_DECLS
