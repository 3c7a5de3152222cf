/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-private.h: what WhListModel and the core modules that keep
 * tables of their own in the cache (wh-courses.c) need beyond the API; and,
 * below those, what the store's own files (wh-store.c, the engine, and one
 * wh-store-*.c per domain) share: the connection, the store's struct and
 * the SQL helpers. */
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

/* From how many rows, all of a collection's, the build goes at once on two
 * cores (wh-store-build.c); 0: never. For tests. */
void       wh_store_set_build_all (WhStore        *self,
                                   guint           min_rows);
/* How many builds went at once since the store opened. */
guint      wh_store_get_builds_at_once (WhStore   *self);
guint      wh_store_get_builds_in_one  (WhStore   *self);
guint      wh_store_get_checkpoints    (WhStore   *self);
/* After a forget that made the tables again, the cache gives its free
 * pages back when they are at least percent of the file (default 25); how
 * many times it did. For tests. */
void       wh_store_set_compact_free   (WhStore   *self,
                                        guint      percent);
guint      wh_store_get_compactions    (WhStore   *self);

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
/* The _finish of a queued read that returns a pointer: checks the task's
 * source and tag, then propagates (wh-store-async.c; service modules too). */
gpointer   wh_store_task_finish_pointer (WhStore      *self,
                                         GAsyncResult *result,
                                         gpointer      source_tag,
                                         GError      **error);

/* The ordered queue's one thread runs each queued task (wh-store-async.c). */
void       wh_store_queue_run     (gpointer        data,
                                   gpointer        user_data);

/* Records that @what (an interned or static name) changed; ::changed is
 * emitted for it later on the store's context (see wh-store.h). Any thread. */
void       wh_store_emit_changed  (WhStore        *self,
                                   const char     *what);

/* Tests only: @hook runs in the writing thread right after each commit that
 * marks @what changed, before the coalesced ::changed. NULL removes it. */
typedef void (*WhStoreCommitHook) (WhStore    *store,
                                   const char *what,
                                   gpointer    user_data);
/* Runs @func on the store's ordered queue (one thread: tasks run one at a
 * time, in the order queued); a task cancelled before its turn returns
 * G_IO_ERROR_CANCELLED without running. */
void       wh_store_queue_task    (WhStore        *self,
                                   GTask          *task,
                                   GTaskThreadFunc func);
void       wh_store_set_commit_hook (WhStore          *self,
                                     WhStoreCommitHook hook,
                                     gpointer          user_data);

/* ---- Inside the store (wh-store.c and wh-store-*.c) ---------------------- */

/* Search ranks at most WH_STORE_SEARCH_RANKED hits, the newest (highest
 * ids), so a term found in half a million rows costs the same as one found
 * in two thousand; below it every hit is ranked and the order is exact. */
#define SEARCH_RANK_CANDIDATES WH_STORE_SEARCH_RANKED

#define EARTH_RADIUS_M WH_GEO_EARTH_RADIUS_M

/* A feed's first pull (since = 0) bringing at least this many records
 * writes them without the derived structures and builds those at the end
 * (see wh_store_build_indexes): a thousand rows at a time, a row costs nine
 * times the bare insert with them; built in one pass, a third of that. */
#define DEFER_MIN_ROWS 10000
/* Rows indexed per transaction by wh_store_build_indexes: about a quarter
 * of a second of work, the longest a UI write may wait for the writer. */
#define BUILD_CHUNK_ROWS 10000
/* Rows a first pull writes without their indexes before the sync engine
 * indexes that many (wh_store_build_indexes_step), whether or not the next
 * page waits: the build keeps pace with the pages instead of coming after
 * them, in steps short enough (a third of a second or so) not to hold up a
 * UI write long, and long enough to cost no more CPU than one pass (steps
 * of 1,000 took 20 % more; see PAGES_AHEAD in wh-sync-pull.c). */
#define BUILD_STEP_ROWS 5000
/* When at least this many rows, all of a collection's, wait for their
 * indexes, they are built at once on two cores (wh-store-build.c). */
#define BUILD_ALL_MIN_ROWS 20000
/* After a forget that made a region's tables again, a file at least this
 * much free pages (percent) gives them back (wh_store_forget_other_regions). */
#define COMPACT_FREE_PERCENT 25
/* How FTS5 fills an index in bulk (wh_fts_bulk_insert_sql): its term
 * buffer, written out as a segment when it passes hashsize bytes, and how
 * many segments of a level it lets pile up before it merges them
 * (automerge; its crisismerge, the hard limit, is raised to match). FTS5's
 * own, 1 MB and 4, merge each term's entries again at every level.
 * - The chunks of a build: 4 MB and 16. In the chunks 16 MB cost 40 MB more
 *   peak memory (448,670 jobs: 154 MB against 112 MB) for no CPU time that
 *   could be told from noise. With automerge 16 the full-text index of
 *   220,606 jobs took 17.1 µs a job to build against 23.4 with 4.
 * - The build at once and the build in one transaction fill each index in
 *   one statement: 16 MB (the writer keeps a smaller page cache meanwhile)
 *   and 64. For 395,089 jobs 16 merged every term's entries once more when
 *   the index passed 16 segments: 7.5 s of CPU against 4.7–4.9 s with 64;
 *   220,606 jobs stay below either (2.2 s both).
 * Searches were as fast after (bench-core query on 395,089 jobs: p95 3.9
 * against 3.5 ms; 220,606: 3.2 against 3.2). The settings hold for the
 * insert only: FTS5's own are back in the same transaction, and later
 * writes merge what is left a little at a time. */
typedef struct
{
  int hashsize;
  int automerge;
} FtsBulk;

#define FTS_DEFAULT_HASHSIZE (1024 * 1024)
#define FTS_DEFAULT_AUTOMERGE 4
#define FTS_DEFAULT_CRISISMERGE 16
extern const FtsBulk wh_fts_bulk_chunk;
extern const FtsBulk wh_fts_bulk_all;
/* The writer's page cache (KiB), and what it keeps while the build at once
 * gives FTS5 its bigger term buffer instead: the build writes its segments
 * in order and reads the rows once, and the sync's peak memory is 150 MB. */
#define WRITER_CACHE_KIB 32768
#define BUILD_ALL_WRITER_CACHE_KIB 8192

/* Checkpoints (wh-store-checkpoint.c): started once the writer is in WAL
 * mode, stopped before the connections close. Held, no checkpoint runs
 * (one that the caller must run alone, on the writer). */
void wh_store_checkpoints_start   (WhStore *self);
void wh_store_checkpoints_stop    (WhStore *self);
void wh_store_checkpoints_hold    (WhStore *self);
void wh_store_checkpoints_release (WhStore *self);

/* Connections (wh-store.c) */

/* How long a query may try its cheap way before it takes its sure one
 * (milliseconds; see query_rows and located_rows). */
typedef struct
{
  int    walk_ms;        /* walking the sort index of a filtered list */
  int    match_walk_ms;  /* the same for a text search with many hits */
  int    ring_ms;        /* rings by distance in a filtered list */
  gint64 selective_rows; /* see SELECTIVE_ROWS */
} QueryBudgets;

/* A filter's own index is read first when it holds at most this many rows:
 * looking each up in the table (about a microsecond each) then costs less
 * than reading the whole covering index (80 ms or more for a million jobs). */
#define SELECTIVE_ROWS 50000

static const QueryBudgets default_budgets = { 5, 40, 30, SELECTIVE_ROWS };

typedef struct
{
  sqlite3            *db;
  GHashTable         *stmts;   /* SQL text -> sqlite3_stmt*, prepared once */
  const QueryBudgets *budgets; /* the store's */
} WhConn;

/* A cached statement is reset, not finalized, when a function is done with
 * it: that ends its read of the database (a statement left stepping would
 * pin a WAL snapshot) and keeps it prepared for the next call. */
typedef sqlite3_stmt WhStmt;
static inline void
wh_stmt_done (WhStmt *stmt)
{
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhStmt, wh_stmt_done)

/* A regional collection's rows may be split over region tables besides its
 * own (docs/region-tables.md): "jobs_r440000" and its indexes hold one
 * region's rows. At most this many; a read has one arm for each. */
#define MAX_REGION_TABLES 8

typedef struct _CollInfo CollInfo;

struct _CollInfo
{
  const WhCollection *collection;
  /* What its tables are called: the collection's name ("jobs"), or a
   * region table's ("jobs_r440000"); the SQL of every statement below uses
   * this, never the collection's name. */
  char               *table;
  /* A region table's region ("440000"), or NULL: the collection's own. */
  char               *region;
  /* The collection's own: its region tables, in the order they were made,
   * read and replaced under *regions_lock (the store's); a region table's
   * own are none. */
  GMutex             *regions_lock;
  CollInfo           *regions[MAX_REGION_TABLES];
  guint               n_regions;
  char               *columns;   /* "id, rev, a, b" */
  char               *t_columns; /* "t.id, t.rev, t.a, t.b" */
  char               *delete_sql;
  char               *stage_create_sql;
  char               *stage_upsert_sql;
  char               *stage_delete_sql;
  char               *stage_flush_sql;
  char               *stage_clear_sql;
  char               *rank;      /* "wh_rank(x_fts, 5.0, 1.0)", or NULL: nothing to search */
  char               *search;    /* "a, b": the searched columns, or NULL */
  char               *t_search;  /* what the index holds of a row over alias t: "t.a, t.b" */
  char               *search_values; /* the same over the table: "a, b" (with a
                                      * names_join, "a, b || ' ' || (SELECT ...)") */
  char               *fts_key;   /* "fts(b+other.name)" with a names_join, or NULL */
  /* The WH_FIELD_NAME fields, indexed again in "x_names" (tokenizer
   * wh_names: pinyin, initials, simplified), or NULL */
  char               *names;       /* "a, b": the index's columns */
  char               *names_values; /* what it holds of a row: "a, b" or, with a
                                     * names_join, "a, b || ' ' || (SELECT ...)" */
  char               *t_names;     /* the same over alias t: "t.a, t.b" */
  char               *names_key;   /* "names(a, b)": in the layout's indexes */
  char               *names_rank;  /* "wh_rank(x_names, 5.0, 2.0)" */
  char               *names_create_sql; /* CREATE VIRTUAL TABLE IF NOT EXISTS x_names */
  char               *layout;
  gboolean            located;
  /* Deferred indexing (see wh_store_build_indexes) */
  char               *unindexed; /* "x_unindexed" */
  char               *index_sql;        /* CREATE INDEX IF NOT EXISTS ... */
  char               *drop_index_sql;
  char               *trigger_sql;      /* CREATE TRIGGER IF NOT EXISTS ... (FTS and R*Tree) */
  char               *drop_trigger_sql;
  char               *upsert_sql;       /* straight into the table, no stage */
  GStrv               index_names;      /* every secondary index index_sql makes */
  GStrv               index_defs;       /* each one's CREATE INDEX, as sqlite_master keeps it */
  char               *filter_index;     /* "x_filter": covers the FILTER fields, or NULL */
  const char         *filter_first;     /* its first column (static) */
  char              **order_sql;        /* per scaled order: its SQL expression */
};

/* The tables a read of a collection goes over: its own first, then its
 * region tables (one arm each; wh_store_info_parts). */
typedef struct
{
  guint           n;
  const CollInfo *info[1 + MAX_REGION_TABLES];
} Parts;

/* The parts of a collection's own info, as they are now (any thread): a
 * region table made later is not in them, and one dropped meanwhile makes
 * the read fail with SQLite's "no such table", once. */
void wh_store_info_parts (const CollInfo *info,
                          Parts          *parts);

struct _WhStore
{
  GObject    parent_instance;

  char      *path;
  CollInfo  *infos;
  guint      n_infos;

  GMutex     write_lock;
  WhConn    *writer;

  GMutex     read_lock;
  GPtrArray *idle_readers; /* WhConn* */

  /* Every region table's info made since the store opened, dropped ones
   * too (a read may still hold one): freed with the store. */
  GMutex     regions_lock;
  GPtrArray *region_infos;

  QueryBudgets budgets;

  /* ::changed, emitted on the context the store was created in: names
   * written since the last emission (interned, first-written order) and the
   * idle source that will emit them, both under changed_lock. */
  GMainContext     *context;
  GMutex            changed_lock;
  GPtrArray        *changed_pending;
  GSource          *changed_source;
  WhStoreCommitHook commit_hook;
  gpointer          commit_hook_data;

  /* The ordered queue the _async reads run on: one thread at most. */
  GThreadPool      *queue;

  /* Deferred indexing; tests make them small */
  guint      defer_min_rows;
  guint      build_chunk_rows;
  guint      build_step_rows;
  guint      build_all_min_rows; /* 0: never at once */
  guint      builds_at_once;     /* how many, for tests */
  guint      builds_in_one;      /* the same, in one transaction on the writer */
  guint      compact_free;       /* percent of the file free for a VACUUM */
  guint      compactions;        /* VACUUMs after a forget, for tests */

  /* The WAL's checkpoints, off the writer (wh-store-checkpoint.c): the
   * pool's one thread runs them on its own connection, under the lock. */
  GThreadPool *checkpoints;
  GMutex       checkpoint_lock;
  sqlite3     *checkpointer;
  gint         checkpoint_asked;
  guint        checkpoints_done; /* for tests */
};

/* A read connection borrowed for one call (wh_reader_borrow). */
typedef struct
{
  WhStore *store;
  WhConn  *conn;
} Reader;

/* Queries (wh-store-query.c) */

typedef enum
{
  SELECT_ROWS,
  SELECT_COUNT,
  SELECT_IDS,   /* as ROWS, the ids alone */
  SELECT_ARM,   /* the id and the sort value, unordered: one arm of a
                 * compound over region tables */
} SelectKind;

/* Where a page starts relative to a key row (order value v, id k). */
typedef enum
{
  KEY_NONE,  /* at an OFFSET */
  KEY_TIE,   /* rows with order = v and id beyond k */
  KEY_AFTER, /* rows with order beyond v (or, ordered by id, id beyond k) */
} KeyMode;

/* Which index a statement reads the rows of a filtered query through.
 * SQLite's planner has no statistics (ANALYZE would have to run again after
 * every sync, and even then picks badly between a filter's index and the
 * sort's), so the store tells it when it knows better. */
typedef enum
{
  ACCESS_PLANNER, /* as SQLite likes */
  ACCESS_ORDER,   /* walking the sort value's index */
  ACCESS_FIELD,   /* a selective filter's own index */
  ACCESS_FILTER,  /* the covering index of the FILTER fields */
} AccessKind;

typedef struct
{
  AccessKind  kind;
  const char *field; /* ACCESS_FIELD */
  gint64      rows;  /* how many rows the filter it reads through holds; -1: not probed */
} Access;

#define HALF_WORLD_M (G_PI * EARTH_RADIUS_M)

/* wh-store.c */
sqlite3_stmt *
wh_conn_prepare (WhConn     *conn,
                 const char *sql,
                 GError    **error);

gboolean
wh_conn_exec (WhConn     *conn,
              const char *sql,
              GError    **error);

gint64
wh_conn_query_int (WhConn     *conn,
                   const char *sql,
                   GError    **error);

gboolean
wh_reader_borrow (WhStore *self,
                  Reader  *reader,
                  GError **error);

void
wh_reader_return (Reader *reader);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Reader, wh_reader_return)

CollInfo *
wh_store_lookup_info (WhStore            *self,
                      const WhCollection *collection,
                      GError            **error);

gboolean
wh_store_reconcile_cache_tables (WhStore *self,
                                 GError **error);

/* A region's tables of a regional collection ("jobs_r440000"), made empty
 * with every index and trigger when they are not there yet, in a write of
 * their own; reads go over them once it commits. At most MAX_REGION_TABLES:
 * WH_STORE_ERROR_INVALID beyond. region: its adcode, digits only. */
gboolean
wh_store_add_region_tables (WhStore            *self,
                            const WhCollection *collection,
                            const char         *region,
                            GError            **error);

/* SQL with one arm for each part of info: prefix, then arm with every "@T"
 * made the part's table, the arms joined by separator, then suffix. */
char *
wh_store_parts_sql (const CollInfo *info,
                    const char     *prefix,
                    const char     *arm,
                    const char     *separator,
                    const char     *suffix);

/* The SQL that drops a collection's or a region's tables and forgets their
 * layout (wh-store-write.c). */
char *
wh_store_drop_tables_sql (const CollInfo *info);

/* Where a feed's or snapshot's rows for region (NULL: none) go: the
 * region's tables when it has them, else the collection's own. */
const CollInfo *
wh_store_write_info (WhStore        *self,
                     const CollInfo *own,
                     const char     *region);

/* Inside the open write transaction: drops every region table among parts
 * (a collection's, wh_store_info_parts) but except's (NULL: every one),
 * their bookmarked jobs going
 * into its own table first. Reads stop going over them before the
 * transaction begins (wh_store_unpublish_regions: a read would otherwise
 * prepare a statement over a table just dropped), and go over them again if
 * it rolls back (wh_store_restore_regions, with the parts from before). */
gboolean
wh_store_drop_region_tables (WhStore        *self,
                             const CollInfo *own,
                             const Parts    *parts,
                             const char     *except,
                             GError        **error);
void
wh_store_unpublish_regions (WhStore        *self,
                            const CollInfo *own,
                            const char     *except);
void
wh_store_restore_regions   (WhStore        *self,
                            const CollInfo *own,
                            const Parts    *parts);

/* A region's tables' info, or NULL when it has none. */
const CollInfo *
wh_store_lookup_region_info (WhStore            *self,
                             const WhCollection *collection,
                             const char         *region);

/* wh-store-personal.c: a checkpoint that truncates the WAL, after personal
 * data was deleted with secure_delete on. */
void
wh_store_truncate_wal (WhStore *self);

/* wh-store-names.c */
/* Sets info's names, t_names, names_rank and names_create_sql from the
 * collection's WH_FIELD_NAME fields (none: all NULL), and appends the
 * index to indexed, the layout's list of indexes. */
void
wh_store_names_info_init (CollInfo *info,
                          GString  *indexed);

/* The values an index over the fields with flag holds of a row over
 * prefix ("t.", "new.", "", ...): the fields, a names_join's field with the
 * other record's name. */
char *
wh_store_join_values (const WhCollection *c,
                      WhFieldFlags        flag,
                      const char         *prefix);
/* The triggers on a names_join's other table that keep the index x_<index>
 * (its columns, what it holds of a row: values) up to date, and their DROPs. */
void
wh_store_join_trigger_sql (const CollInfo *info,
                           const char     *index,
                           WhFieldFlags    flag,
                           const char     *columns,
                           const char     *values,
                           GString        *trigger,
                           GString        *drop_trigger);
/* stored: the layout the cache had (NULL: none). */
gboolean
wh_store_change_fts_join (WhConn         *conn,
                          const CollInfo *info,
                          const char     *stored,
                          GError        **error);

/* Appends the triggers that keep x_names up to date, and their DROPs. */
void
wh_store_names_trigger_sql (const CollInfo *info,
                            GString        *trigger,
                            GString        *drop_trigger);

/* stored: the layout the cache had (NULL: none). */
gboolean
wh_store_change_names (WhConn         *conn,
                       const CollInfo *info,
                       const char     *stored,
                       GError        **error);

/* wh-store-write.c */
gboolean
wh_store_writer_begin (WhStore *self,
                       GError **error);

gboolean
wh_store_writer_end (WhStore  *self,
                     gboolean  ok,
                     GError  **error);

gboolean
wh_conn_step_done (WhConn       *conn,
                   sqlite3_stmt *stmt,
                   const char   *what,
                   GError      **error);

gboolean
wh_conn_set_cursor (WhConn     *conn,
                    const char *collection,
                    const char *region,
                    gint64      next_since,
                    GError    **error);

char      *wh_fts_bulk_insert_sql (const char    *schema,
                                   const char    *fts,
                                   const char    *insert_sql,
                                   const FtsBulk *bulk);
int
wh_conn_pending (WhConn         *conn,
                 const CollInfo *info,
                 GError        **error);

/* Inside a first pull's transaction: rows go in bare from now on, listed in
 * the _unindexed table (the triggers go, and on an empty table the
 * secondary indexes); wh_store_build_indexes makes them all again. */
gboolean
wh_conn_defer_indexes (WhConn         *conn,
                       const CollInfo *info,
                       GError        **error);

/* watch TRUE: statements on conn stop (SQLITE_INTERRUPT) once cancellable
 * is cancelled; FALSE: no longer. Nothing for a NULL cancellable. */
void
wh_conn_watch_cancel (WhConn       *conn,
                      GCancellable *cancellable,
                      gboolean      watch);

/* wh-store-build.c: every listed row's indexes at once, on two cores,
 * when every row of the collection is listed (listed: how many are): 1
 * built, 0 not done (nothing changed: the chunks do it), -1 error
 * (cancelled). */
int
wh_store_build_all (WhStore        *self,
                    const CollInfo *info,
                    gint64          listed,
                    GCancellable   *cancellable,
                    GError        **error);

/* Removes the scratch file a killed build left. */
void
wh_store_build_cleanup (WhStore *self);

/* wh-store.c: "CREATE VIRTUAL TABLE <name>_geo USING rtree (...)" */
char *
wh_store_geo_create_sql (const char *name);

/* wh-store.c: "CREATE VIRTUAL TABLE <table>_fts USING fts5 (...)", the
 * full-text index of a collection with search fields. */
char *
wh_store_fts_create_sql (const CollInfo *info);

/* wh-store-rtree.c: every located row of schema.table packed into its
 * empty R*Tree "<table>_geo" at once. 1 when packed, 0 when it cannot be
 * (the tree is not empty, or this SQLite writes R*Trees in another format:
 * the rows then go in through SQL), -1 on error. */
int
wh_rtree_pack (sqlite3    *db,
               const char *schema,
               const char *table,
               GError    **error);

/* wh-store-records.c */
GPtrArray *
wh_store_record_array_new (void);

gboolean
wh_conn_collect_records (WhConn             *conn,
                         sqlite3_stmt       *stmt,
                         const WhCollection *collection,
                         GPtrArray          *out,
                         GError            **error);

GPtrArray *
wh_conn_get_records (WhConn         *conn,
                     const CollInfo *info,
                     const gint64   *ids,
                     guint           n_ids,
                     GError        **error);

/* wh-store-search.c */
/* The rows the text index finds for match and fold_match (may be NULL)
 * and the names index for name_match (may be NULL), each row once; with
 * cap < G_MAXINT64 at most cap + 1 (enough to tell a count above it).
 * Rows not indexed yet (a pending build) are not counted. */
gint64
wh_conn_count_matches (WhConn         *conn,
                       const CollInfo *info,
                       const char     *match,
                       const char     *fold_match,
                       const char     *name_match,
                       gint64          cap,
                       GError        **error);

/* wh-store-query.c */
void
wh_store_append_access (GString        *sql,
                        const CollInfo *info,
                        const WhQuery  *query,
                        const Access   *access);

void
wh_store_append_conditions (GString        *sql,
                            const CollInfo *info,
                            const WhQuery  *query,
                            gboolean        pending,
                            const char    **and);

int
wh_store_bind_conditions (sqlite3_stmt  *stmt,
                          const WhQuery *query,
                          gboolean       pending);
/* The same from parameter p on (a compound's later arm); the next. */
int
wh_store_bind_conditions_from (sqlite3_stmt  *stmt,
                               int            p,
                               const WhQuery *query,
                               gboolean       pending);

gboolean
wh_store_filter_index_covers (const CollInfo *info,
                              const WhQuery  *query);

/* Whether a first pull's build is pending in each part (its indexes may not
 * be there), into pending; whether in any; -1 on error. */
int
wh_conn_parts_pending (WhConn      *conn,
                       const Parts *parts,
                       int         *pending,
                       GError     **error);

gint64
wh_conn_step_count (WhConn       *conn,
                    sqlite3_stmt *stmt,
                    const char   *what,
                    GError      **error);

gboolean
wh_store_choose_access (WhConn         *conn,
                        const CollInfo *info,
                        const WhQuery  *query,
                        gboolean        for_count,
                        gboolean        located,
                        Access         *access,
                        GError        **error);

gboolean
wh_conn_budget_start (WhConn *conn,
                      int     ms,
                      gint64 *deadline);

gboolean
wh_conn_budget_end (WhConn  *conn,
                    gint64   deadline,
                    gboolean ok,
                    GError **error);

gboolean
wh_conn_collect_by_ids (WhConn         *conn,
                        const CollInfo *info,
                        sqlite3_stmt   *stmt,
                        GPtrArray      *out,
                        GError        **error);

/* wh-store-distance.c */
gboolean
wh_store_circle_box (double  lat,
                     double  lon,
                     double  radius,
                     double *min_lat,
                     double *min_lon,
                     double *max_lat,
                     double *max_lon);

gboolean
wh_store_distance_page (WhConn         *conn,
                        const CollInfo *info,
                        const WhQuery  *query,
                        const WhRecord *key,
                        gboolean        before,
                        guint           offset,
                        guint           limit,
                        GPtrArray      *out,
                        GError        **error);

/* The same over info's parts (wh_store_info_parts): one part's is the page
 * above. */
gboolean
wh_store_distance_parts_page (WhConn         *conn,
                              const Parts    *parts,
                              const WhQuery  *query,
                              const WhRecord *key,
                              gboolean        before,
                              guint           offset,
                              guint           limit,
                              GPtrArray      *out,
                              GError        **error);

/* wh-store-places.c */
const CollInfo *
wh_store_geo_info (WhStore            *self,
                   const WhCollection *collection,
                   GError            **error);

gboolean
wh_store_viewport_points (WhConn         *conn,
                          const CollInfo *info,
                          double          min_lat,
                          double          min_lon,
                          double          max_lat,
                          double          max_lon,
                          guint           limit,
                          gboolean        exact_points,
                          GArray         *out,
                          GError        **error);

gboolean
wh_store_check_box (double   min_lat,
                    double   min_lon,
                    double   max_lat,
                    double   max_lon,
                    GError **error);

GPtrArray *
wh_store_query_nearest_filtered (WhStore               *self,
                                 const WhCollection    *collection,
                                 const WhStationFilter *filter,
                                 double                 lat,
                                 double                 lon,
                                 guint                  n,
                                 GError               **error);

/* wh-store-stations.c */
gboolean
wh_store_points_in_box (WhConn                *conn,
                        const CollInfo        *info,
                        const WhStationFilter *filter,
                        double                 min_lat,
                        double                 min_lon,
                        double                 max_lat,
                        double                 max_lon,
                        guint                  limit,
                        gboolean               exact_points,
                        GArray                *out,
                        GError               **error);

G_END_DECLS
