/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store.h: the client's SQLite cache of synced records and personal data.
 *
 * One file (mode 0600 in a 0700 directory) in WAL mode. Each synced
 * collection is a table "id INTEGER PRIMARY KEY, rev, <schema columns>" with
 * an FTS5 index over its WH_FIELD_SEARCH fields (tokenizer "wh", see
 * wh-search-tokenizer.h), another over its WH_FIELD_NAME fields (tokenizer
 * "wh_names": pinyin, initials, traditional characters) and, if it is
 * located, an R*Tree over lat/lon; all are kept up to date by triggers, so no writer can forget them (but during a
 * large first pull, which builds them once at the end: see "Deferred
 * indexing" below).
 *
 * Threading contract.
 *  - The store's context is the thread-default GMainContext of the thread
 *    that called wh_store_open (the main context in the app). It must be
 *    iterated for ::changed to arrive.
 *  - Every synchronous call may be made from any thread. The store holds one
 *    writer connection, behind a mutex: apply_page, the outbox and every
 *    other write take it for one transaction. The sync engine writes from its
 *    worker thread; a UI write (outbox_add) waits at most for one page. Reads
 *    borrow one of a pool of read-only connections for the call; in WAL a
 *    reader never waits for the writer.
 *  - ::changed is emitted ONLY on the store's context, never from inside a
 *    write and never in the writing thread (unless that is the context's
 *    owner, and then from an idle later). A write records the names it
 *    changed and schedules one idle on the context if none is pending; the
 *    idle emits ::changed once per name written since the last emission, in
 *    the order they were first written. So a burst of pages makes one
 *    "jobs" emission per main-loop turn, not one per page. Handlers may
 *    touch widgets directly and should connect with g_signal_connect_object;
 *    nobody hops threads by hand.
 *  - The main thread never blocks on disk: a view makes its reads with the
 *    _async forms below (or through a WhListModel). They run on the store's
 *    ONE ordered queue, a single worker thread: tasks run one at a time in
 *    the order they were started, so a later read sees at least what an
 *    earlier one saw. Callbacks run on the thread-default context of the
 *    caller of _async, as GTask does. A task whose cancellable is cancelled
 *    before its turn does not run, and its _finish returns
 *    G_IO_ERROR_CANCELLED; a read already running finishes, but _finish
 *    still reports the cancellation.
 *  - Records returned are copies owned by the caller; the store outlives
 *    every queued task (each holds a reference).
 *
 * Durability. journal_mode=WAL with synchronous=NORMAL: each transaction is
 * atomic and the file is never corrupt after a crash or power cut; after a
 * power cut the last few commits may be rolled back, which for a cache only
 * means those pages are fetched again, since a page and its cursor always
 * commit together (a crashed process loses nothing: the WAL is in the OS).
 * FULL would add an fsync per page for no gain in consistency.
 *
 * Schema. PRAGMA user_version counts the migrations applied to the fixed
 * tables (sync state, outbox, personal data); add a step to the list in
 * wh-store.c to change them. The cache tables are derived from wh-schema:
 * when a collection's columns, search or index fields change, its table is
 * rebuilt empty and its cursor reset, so the next sync fetches it again.
 */
#pragma once

#include <gio/gio.h>

#include "wh-codec.h"
#include "wh-geo.h"
#include "wh-query.h"

G_BEGIN_DECLS

#define WH_STORE_ERROR (wh_store_error_quark ())

typedef enum
{
  WH_STORE_ERROR_FAILED,        /* an SQLite error, its message attached */
  WH_STORE_ERROR_NEWER_VERSION, /* the file was written by a newer release */
  WH_STORE_ERROR_CORRUPT,       /* the file is not a usable database */
  WH_STORE_ERROR_FULL,          /* the disk is full */
  WH_STORE_ERROR_BUSY,          /* another process held the file too long */
  WH_STORE_ERROR_NOT_FOUND,     /* no such record */
  WH_STORE_ERROR_INVALID,       /* a bad argument, e.g. a collection not cached */
  WH_STORE_ERROR_PERMISSION,    /* the file or its directory cannot be made private */
} WhStoreError;

GQuark wh_store_error_quark (void);

/* The version of the fixed tables this release writes (PRAGMA user_version). */
#define WH_STORE_SCHEMA_VERSION 6

#define WH_TYPE_STORE (wh_store_get_type ())
G_DECLARE_FINAL_TYPE (WhStore, wh_store, WH, STORE, GObject)

/* Sets SQLite up for this process, once, before its first connection (the
 * store, the server's database and the counter's call it): a later call,
 * after SQLite started, changes nothing. */
void        wh_store_configure_sqlite (void);

/* $XDG_CACHE_HOME/workers-home/cache.db */
char       *wh_store_default_path  (void);

/* Opens or creates the cache, makes it private (directory 0700, file 0600),
 * migrates it and rebuilds cache tables whose layout changed. Refuses a file
 * from a newer release (WH_STORE_ERROR_NEWER_VERSION) without touching it. */
WhStore    *wh_store_open          (const char  *path,
                                    GError     **error);
const char *wh_store_get_path      (WhStore     *self);

/* ---- Sync (writer) ------------------------------------------------------ */

/* Writes a page's records (a tombstone deletes the row and its index
 * entries) and the cursor next_since for (collection, region) in ONE
 * transaction. A record older than the cached row is ignored, so a page
 * applied twice changes nothing. region: an adcode as text for regional
 * feeds, NULL otherwise. Emits ::changed after the commit. */
gboolean    wh_store_apply_page    (WhStore            *self,
                                    const WhPage       *page,
                                    const char         *region,
                                    GError            **error);
/* A first pull from a region snapshot (wh-store-snapshot.c). begin: when the
 * region's cursor is 0 and no rows wait for their indexes (other regions'
 * rows may be there: the copy refuses a file that shares one with them),
 * removes what a killed run left and opens the download's file next to the
 * cache (0600, one per collection and region) for appending; held and
 * held_etag (or NULL) say what a cut-off download kept of it (0 and NULL:
 * nothing, the file is empty), never max_bytes or more. NULL with no error
 * when the cache cannot take a snapshot. keep: writes the tag that lets a
 * cut-off download go on (etag, the file's SHA-256 as the server's ETag,
 * and its rev); with any other etag, removes the tag (then cleanup removes
 * the file). discard: removes the download. import: checks the downloaded
 * file whole (its
 * SHA-256 against etag first, unless etag is not such a checksum; hostile
 * input: a refusal is an error and copies nothing) and copies its rows with
 * the cursor set to its rev in one transaction, written without their index
 * entries as a first pull's are (wh_store_build_indexes makes them); at
 * most max_bytes uncompressed and max_rows rows. The download and the
 * temporary files are gone when it returns. cleanup: removes the temporary
 * files and kept downloads that cannot go on (no tag, or their region's
 * cursor is no longer 0), keeps the others. */
GOutputStream *wh_store_snapshot_begin  (WhStore            *self,
                                        const WhCollection *collection,
                                        const char         *region,
                                        guint64             max_bytes,
                                        guint64            *held,
                                        char              **held_etag,
                                        GError            **error);
gboolean    wh_store_snapshot_keep     (WhStore            *self,
                                        const WhCollection *collection,
                                        const char         *region,
                                        const char         *etag,
                                        const char         *rev,
                                        GError            **error);
void        wh_store_snapshot_discard  (WhStore            *self,
                                        const WhCollection *collection,
                                        const char         *region);
void        wh_store_snapshot_cleanup  (WhStore            *self);
/* import calls copying (or NULL) in the calling thread once the file's
 * structure passed its checks, with its rows, before they are copied (their
 * values are checked meanwhile): the check and the copy of a large file
 * each take a while, and a progress shows which. */
typedef void (*WhStoreSnapshotCopying) (gint64   rows,
                                        gpointer user_data);
gboolean    wh_store_import_snapshot   (WhStore                *self,
                                        const WhCollection     *collection,
                                        const char             *region,
                                        const char             *etag,
                                        guint64                 max_bytes,
                                        gint64                  max_rows,
                                        gint64                 *rows,
                                        gint64                 *rev,
                                        WhStoreSnapshotCopying  copying,
                                        gpointer                copying_data,
                                        GCancellable           *cancellable,
                                        GError                **error);
/* Deferred indexing. A page of a feed's first pull (since 0) that says
 * (remaining, asked with count) that many records follow writes them bare:
 * no FTS, R*Tree or (on an empty table) secondary index entries, each row
 * listed as unindexed in the same transaction. Reads stay exact meanwhile:
 * searches and map queries look at the listed rows one by one (slower, and a
 * search ranks them after the indexed ones, newest first).
 * wh_store_build_indexes then indexes them in one pass, a few seconds per
 * hundred thousand rows, in transactions of about half a second, so a kill
 * or a cancel at any point keeps what was done; the sync engine calls it
 * when a collection's pull ends, so an interrupted build resumes at the next
 * sync. Returns TRUE when nothing is pending any more. */
gboolean    wh_store_build_indexes (WhStore            *self,
                                    const WhCollection *collection,
                                    GCancellable       *cancellable,
                                    GError            **error);
/* During the pull, a step per step's worth of rows written: indexes the
 * oldest listed rows in one transaction if at least
 * wh_store_get_build_step_rows (5,000) are listed, without finishing the
 * build (the triggers stay off until wh_store_build_indexes). did_work:
 * whether it indexed anything. */
gboolean    wh_store_build_indexes_step (WhStore       *self,
                                    const WhCollection *collection,
                                    gboolean           *did_work,
                                    GError            **error);
guint       wh_store_get_build_step_rows (WhStore      *self);
/* Near the end of the pull: while rows are pending, makes the secondary
 * indexes (the lists' orders and filters) over the rows there, in one
 * transaction, if the first pull left them out; the writes after keep them
 * up to date. The list is then quick from the last page on, without waiting
 * for the build's end. */
gboolean    wh_store_build_list_indexes (WhStore       *self,
                                    const WhCollection *collection,
                                    GError            **error);
/* 1 when rows of the collection await indexing, 0 when none, -1 on error. */
int         wh_store_get_indexes_pending (WhStore      *self,
                                    const WhCollection *collection,
                                    GError            **error);
/* The next `since` to ask for: 0 when never synced; -1 on error. */
gint64      wh_store_get_cursor    (WhStore            *self,
                                    const WhCollection *collection,
                                    const char         *region,
                                    GError            **error);

typedef struct
{
  gint64  next_since;  /* 0: never synced */
  gint64  synced_at;   /* unix seconds of the last page or check; 0: never */
  char   *etag;        /* of the last response, or NULL */
} WhSyncState;

void        wh_sync_state_clear    (WhSyncState        *state);
gboolean    wh_store_get_sync_state (WhStore           *self,
                                    const WhCollection *collection,
                                    const char         *region,
                                    WhSyncState        *out,
                                    GError            **error);
/* Records a check of the feed that changed nothing (a 304, or the ETag of
 * the last page): the ETag and the time, keeping the cursor. */
gboolean    wh_store_set_sync_checked (WhStore         *self,
                                    const WhCollection *collection,
                                    const char         *region,
                                    const char         *etag,
                                    GError            **error);
/* Empties a collection and forgets every cursor of it, for a full resync
 * (e.g. when the server's rev went backwards). */
gboolean    wh_store_reset_collection (WhStore         *self,
                                    const WhCollection *collection,
                                    GError            **error);
/* A worker who moved: forgets the rows of a regional collection (jobs) that
 * are not region's (a province's, city's or district's adcode), since no
 * feed keeps them current any more, and the cursors of its other regions,
 * in one transaction. The jobs in bookmarks stay, so My Jobs keeps what it
 * showed. Only when another region has a cursor (a region was changed),
 * and not while rows wait for their indexes (the build comes first): then
 * it does nothing. A few rows go one by one; when they are more than a
 * twentieth of those kept, the kept rows are written again into emptied
 * tables and indexed as a first pull's (wh_store_build_indexes, which a
 * cancellation stops between its transactions and the next build goes on
 * with). *forgotten: the rows deleted. */
gboolean    wh_store_forget_other_regions (WhStore            *self,
                                    const WhCollection *collection,
                                    const char         *region,
                                    GCancellable       *cancellable,
                                    guint64            *forgotten,
                                    GError            **error);

/* ---- Outbox (user writes replayed by the sync engine) ------------------- */

typedef struct
{
  gint64  id;         /* increasing: replay in this order */
  char   *kind;       /* e.g. "progress", "bookmark" */
  char   *key;        /* or NULL */
  char   *body;       /* JSON */
  gint64  created_at; /* unix seconds */
  guint   attempts;   /* failed replays so far */
  char   *last_error; /* of the last failed replay, or NULL */
} WhOutboxEntry;

void        wh_outbox_entry_free   (WhOutboxEntry      *entry);

/* Queues a write. With a key, a pending entry of the same kind and key is
 * replaced (only the latest progress of a lesson is worth sending); the new
 * entry gets a new id, so removing the old id after replaying it leaves the
 * new one queued. Returns the id, or 0 on error. */
gint64      wh_store_outbox_add    (WhStore            *self,
                                    const char         *kind,
                                    const char         *key,
                                    const char         *json_body,
                                    GError            **error);
/* The oldest max_entries entries (WhOutboxEntry*), oldest first. */
GPtrArray  *wh_store_outbox_peek   (WhStore            *self,
                                    guint               max_entries,
                                    GError            **error);
/* Removing an id that is gone already is not an error. */
gboolean    wh_store_outbox_remove (WhStore            *self,
                                    gint64              id,
                                    GError            **error);
gboolean    wh_store_outbox_mark_failed (WhStore       *self,
                                    gint64              id,
                                    const char         *message,
                                    GError            **error);
gint64      wh_store_outbox_count  (WhStore            *self,
                                    GError            **error);

/* Kiosk sign-out: deletes the outbox (but the station reports waiting in
 * it: they are anonymous, and a report is never lost), lesson progress, quiz attempts,
 * practice (review states and practice days),
 * bookmarks, vouchers, pending claims, the signed-in worker, and saved
 * courses and their pictures, overwriting the freed pages and truncating
 * the WAL so nothing of the person stays readable in the file. */
gboolean    wh_store_wipe_personal (WhStore            *self,
                                    GError            **error);

/* ---- Love-meal vouchers and the signed-in worker (personal) ------------ */

/* Stores (or replaces, by voucher_id) a voucher of wh_collection_vouchers
 * and, in the same transaction, forgets every pending claim of its day: the
 * key of a claim is dropped only once its voucher is safe on disk. Emits
 * ::changed "vouchers". */
gboolean    wh_store_put_voucher   (WhStore            *self,
                                    const WhRecord     *voucher,
                                    GError            **error);
/* The server's list (GET /vouchers) replaces every stored voucher. */
gboolean    wh_store_replace_vouchers (WhStore         *self,
                                    GPtrArray          *vouchers,
                                    GError            **error);
/* Stored vouchers (WhRecord*), newest day first. */
GPtrArray  *wh_store_list_vouchers (WhStore            *self,
                                    GError            **error);
/* The Idempotency-Key of the claim at merchant_id on day (YYYY-MM-DD, the
 * server's day): the one kept from an earlier try that got no definite
 * answer, or else new_key, kept before this returns (keys of other days are
 * dropped). So a retry after a crash or a lost response reuses the key. */
char       *wh_store_begin_claim   (WhStore            *self,
                                    gint64              merchant_id,
                                    const char         *day,
                                    const char         *new_key,
                                    GError            **error);
/* Ends the claim begun with the same merchant_id and day: stores voucher
 * (when not NULL) and forgets the key in one transaction. NULL voucher: a
 * definite refusal (quota gone, not eligible ...), the key is just dropped. */
gboolean    wh_store_finish_claim  (WhStore            *self,
                                    gint64              merchant_id,
                                    const char         *day,
                                    const WhRecord     *voucher,
                                    GError            **error);
/* The merchant of the latest claim of day still waiting for an answer, 0
 * when none, -1 on error. */
gint64      wh_store_get_pending_claim (WhStore        *self,
                                    const char         *day,
                                    GError            **error);
/* The signed-in worker (wh_collection_me), kept to show eligibility offline;
 * NULL forgets it. get_me: NULL with no error when nobody is signed in. */
gboolean    wh_store_set_me        (WhStore            *self,
                                    const WhRecord     *me,
                                    GError            **error);
WhRecord   *wh_store_get_me        (WhStore            *self,
                                    GError            **error);
/* Sign-out on a desktop: the worker, the vouchers and pending claims go,
 * wiped as wh_store_wipe_personal wipes (these tables are written with
 * secure_delete on, and the WAL is truncated), so the phone number and the
 * vouchers stay readable nowhere in the files; other personal data
 * (progress, bookmarks, the outbox) stays. */
gboolean    wh_store_forget_signed_in (WhStore         *self,
                                    GError            **error);

/* ---- Bookmarks (personal) ---------------------------------------------- */

/* Saves (bookmark: a wh_collection_bookmarks record for job_id) or removes
 * (bookmark NULL) a job's bookmark and queues an outbox entry for it in the
 * same transaction, so the list shown and what the server is sent always
 * agree, even after a crash. Use wh_sync_save_bookmark () and
 * wh_sync_remove_bookmark (), which know what to queue. */
gboolean    wh_store_write_bookmark (WhStore           *self,
                                    gint64              job_id,
                                    const WhRecord     *bookmark,
                                    const char         *outbox_kind,
                                    const char         *outbox_key,
                                    const char         *outbox_body,
                                    GError            **error);
/* NULL with WH_STORE_ERROR_NOT_FOUND when the job is not bookmarked. */
WhRecord   *wh_store_get_bookmark  (WhStore            *self,
                                    gint64              job_id,
                                    GError            **error);
/* Every bookmark (wh_collection_bookmarks records), latest change first. */
GPtrArray  *wh_store_list_bookmarks (WhStore           *self,
                                    GError            **error);

/* ---- Reads -------------------------------------------------------------- */

/* NULL with WH_STORE_ERROR_NOT_FOUND when the record is not cached. */
WhRecord   *wh_store_get_record    (WhStore            *self,
                                    const WhCollection *collection,
                                    gint64              id,
                                    GError            **error);
/* The records of ids that are cached, in the order of ids (WhRecord*). */
GPtrArray  *wh_store_get_records   (WhStore            *self,
                                    const WhCollection *collection,
                                    const gint64       *ids,
                                    guint               n_ids,
                                    GError            **error);
/* -1 on error. */
gint64      wh_store_count         (WhStore            *self,
                                    const WhCollection *collection,
                                    GError            **error);
/* Rows of a query, offset/limit for small lists; WhListModel for long ones. */
GPtrArray  *wh_store_query         (WhStore            *self,
                                    const WhQuery      *query,
                                    guint               offset,
                                    guint               limit,
                                    GError            **error);
gint64      wh_store_query_count   (WhStore            *self,
                                    const WhQuery      *query,
                                    GError            **error);

/* Typed shorthands. */
GPtrArray  *wh_store_list_lessons  (WhStore            *self,
                                    gint64              course_id,
                                    GError            **error);
GPtrArray  *wh_store_list_questions (WhStore           *self,
                                    gint64              course_id,
                                    GError            **error);
GPtrArray  *wh_store_list_courses_in_category (WhStore *self,
                                    gint64              category_id,
                                    GError            **error);
/* An employer's other jobs, newest first, leaving out exclude_job_id. */
GPtrArray  *wh_store_list_employer_jobs (WhStore       *self,
                                    gint64              employer_id,
                                    gint64              exclude_job_id,
                                    guint               limit,
                                    GError            **error);

/* The distinct values of an indexed TEXT field (WH_FIELD_INDEXED), in text
 * order, at most limit: e.g. the job categories for the kiosk's category
 * buttons. One index seek a value, so a field with a few hundred values
 * over millions of rows costs a few milliseconds. */
GStrv       wh_store_list_values   (WhStore            *self,
                                    const WhCollection *collection,
                                    const char         *field,
                                    guint               limit,
                                    GError            **error);

/* ---- Search ------------------------------------------------------------- */

/* At most this many hits of a search are ranked. */
#define WH_STORE_SEARCH_RANKED 2000

/* Records (WhRecord*) matching what a person typed, best first by a bm25-like
 * score (title weighted highest; see wh_rank in wh-search-tokenizer.h). When
 * a query hits more than WH_STORE_SEARCH_RANKED rows, only the newest that
 * many (highest ids) are ranked, so a common term costs no more than a rare
 * one; the others a larger limit asks for follow, newest first. A final
 * Latin word matches whole words first and as a prefix only when those do
 * not fill the limit. Then come the rows the query finds in simplified
 * characters, then those its pinyin, initials or Chinese terms find in the
 * names (each set ranked among itself, without the rows before). Hostile
 * input (quotes, AND/OR/NEAR, '*', ':') is just text. For every match in a
 * stable order, use a WhQuery with wh_query_set_match and a WhListModel. */
GPtrArray  *wh_store_search        (WhStore            *self,
                                    const WhCollection *collection,
                                    const char         *query,
                                    guint               limit,
                                    GError            **error);
/* The exact number of matches; -1 on error. */
gint64      wh_store_search_count  (WhStore            *self,
                                    const WhCollection *collection,
                                    const char         *query,
                                    GError            **error);

/* ---- Places (located collections) -------------------------------------- */

typedef struct
{
  WhRecord *record;
  double    distance_m; /* haversine, mean Earth radius */
} WhNearby;

void        wh_nearby_free         (WhNearby           *nearby);

/* Records inside the box (edges included), at most limit, in id order.
 * min_lon > max_lon is a box across the antimeridian. */
GPtrArray  *wh_store_query_viewport (WhStore           *self,
                                    const WhCollection *collection,
                                    double              min_lat,
                                    double              min_lon,
                                    double              max_lat,
                                    double              max_lon,
                                    guint               limit,
                                    GError            **error);
/* The same as points only (WhGeoPoint), for drawing many at once. */
GArray     *wh_store_query_viewport_points (WhStore    *self,
                                    const WhCollection *collection,
                                    double              min_lat,
                                    double              min_lon,
                                    double              max_lat,
                                    double              max_lon,
                                    guint               limit,
                                    GError            **error);
/* The n nearest (WhNearby*), nearest first, exact: the search box grows
 * until it provably holds the n nearest. */
GPtrArray  *wh_store_query_nearest (WhStore            *self,
                                    const WhCollection *collection,
                                    double              lat,
                                    double              lon,
                                    guint               n,
                                    GError            **error);

/* ---- Stations ----------------------------------------------------------- */

/* Which stations a worker wants to see. A zeroed filter with open_at = -1
 * (WH_STATION_FILTER_INIT) lets every station through. */
typedef struct
{
  guint       amenities; /* bit i set: must have wh_amenities[i] */
  gboolean    open_24h;  /* only stations open around the clock */
  int         open_at;   /* minute of the day (0–1439) it must be open at; -1: any */
  const char *status;    /* one of wh_station_statuses, or NULL: any */
} WhStationFilter;

#define WH_STATION_FILTER_INIT { 0, FALSE, -1, NULL }

gboolean    wh_station_filter_is_empty (const WhStationFilter *filter);
/* Open at minute (0–1439) of the local day: status "open", and open_24h, or
 * opens <= minute < closes; hours past midnight (22:00–06:00) wrap. Equal or
 * missing hours: not open (nobody knows when). */
gboolean    wh_station_is_open_at  (const WhRecord     *station,
                                    int                 minute);
/* The same rules as the store's queries, on one record. */
gboolean    wh_station_matches     (const WhRecord     *station,
                                    const WhStationFilter *filter);
/* The minute of the day now, in local time, for WhStationFilter.open_at. */
int         wh_station_minute_now  (void);

/* Stations (WhGeoPoint) inside the box that pass filter (NULL: all), at most
 * limit, like wh_store_query_viewport_points. With a filter each candidate of
 * the R*Tree is checked against its row, so a national box takes a few
 * hundred ms: call it off the main thread. */
GArray     *wh_store_query_station_points (WhStore            *self,
                                    const WhStationFilter *filter,
                                    double              min_lat,
                                    double              min_lon,
                                    double              max_lat,
                                    double              max_lon,
                                    guint               limit,
                                    GError            **error);
/* The n nearest stations (WhNearby*) that pass filter (NULL: all), nearest
 * first, exact, like wh_store_query_nearest. */
GPtrArray  *wh_store_query_nearest_stations (WhStore          *self,
                                    const WhStationFilter *filter,
                                    double              lat,
                                    double              lon,
                                    guint               n,
                                    GError            **error);

typedef struct
{
  char   *city;
  gint64  city_adcode;
  double  lat;        /* the mean of its stations' places */
  double  lon;
  guint   n_stations;
} WhCityCentre;

void        wh_city_centre_free    (WhCityCentre       *centre);
/* Every city the cache has stations in (WhCityCentre*), most stations first:
 * where to write city names on a map without tiles, or where "my city" is.
 * Scans every station: call it off the main thread. */
GPtrArray  *wh_store_list_city_centres (WhStore        *self,
                                    GError            **error);

/* ---- Regions ------------------------------------------------------------ */

typedef struct
{
  char   *province;
  char   *city;
  gint64  province_adcode;
  gint64  city_adcode;
  char   *district;        /* wh_store_list_districts only, else NULL */
  gint64  adcode;          /* the district's; 0 for a city */
} WhRegion;

void        wh_region_free         (WhRegion           *region);
/* The cities the cache knows (from its stations), by province (WhRegion*). */
GPtrArray  *wh_store_list_regions  (WhStore            *self,
                                    GError            **error);
/* The districts of one city the cache knows (from its stations), by adcode
 * (WhRegion* with district and adcode set). */
GPtrArray  *wh_store_list_districts (WhStore           *self,
                                    gint64              city_adcode,
                                    GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhOutboxEntry, wh_outbox_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhNearby, wh_nearby_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhCityCentre, wh_city_centre_free)

/* ---- Async reads (the store's ordered queue, see the contract above) ----- */

void        wh_store_count_async             (WhStore            *self,
                                              const WhCollection *collection,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gint64      wh_store_count_finish            (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_get_record_async        (WhStore            *self,
                                              const WhCollection *collection,
                                              gint64              id,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
WhRecord   *wh_store_get_record_finish       (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_values_async       (WhStore            *self,
                                              const WhCollection *collection,
                                              const char         *field,
                                              guint               limit,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GStrv       wh_store_list_values_finish      (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_search_async            (WhStore            *self,
                                              const WhCollection *collection,
                                              const char         *query,
                                              guint               limit,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_search_finish           (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_regions_async      (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_regions_finish     (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_districts_async    (WhStore            *self,
                                              gint64              city_adcode,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_districts_finish   (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_bookmarks_async    (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_bookmarks_finish   (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_vouchers_async     (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_vouchers_finish    (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
/* wh_store_query (query is copied) and wh_store_query_nearest: GPtrArray
 * of WhRecord* and of WhNearby*. */
void        wh_store_query_async             (WhStore            *self,
                                              const WhQuery      *query,
                                              guint               offset,
                                              guint               limit,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_query_finish            (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_query_nearest_async     (WhStore            *self,
                                              const WhCollection *collection,
                                              double              lat,
                                              double              lon,
                                              guint               n,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_query_nearest_finish    (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_get_me_async            (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
/* NULL with no error when nobody is signed in. */
WhRecord   *wh_store_get_me_finish           (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_get_pending_claim_async (WhStore            *self,
                                              const char         *day,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
/* The merchant of day's claim waiting for an answer, 0 if none, -1 on error. */
gint64      wh_store_get_pending_claim_finish (WhStore           *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_city_centres_async (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_city_centres_finish (WhStore           *self,
                                              GAsyncResult       *result,
                                              GError            **error);
void        wh_store_list_questions_async    (WhStore            *self,
                                              gint64              course_id,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
GPtrArray  *wh_store_list_questions_finish   (WhStore            *self,
                                              GAsyncResult       *result,
                                              GError            **error);
/* Whether every synced collection is empty, and the newest synced_at of
 * their sync states (0 if none): what the sync status and the first-run
 * page show. A collection that cannot be read counts as empty. */
void        wh_store_get_sync_summary_async  (WhStore            *self,
                                              GCancellable       *cancellable,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
gboolean    wh_store_get_sync_summary_finish (WhStore            *self,
                                              GAsyncResult       *result,
                                              gboolean           *empty,
                                              gint64             *synced_at,
                                              GError            **error);

G_END_DECLS
