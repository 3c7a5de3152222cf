/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-build.c: a first pull's whole index build at once, on two cores.
 *
 * When every row of a collection waits for its indexes (a region snapshot
 * copied into an empty table, or a first pull of the feed into one), the
 * chunked build of wh-store-write.c would index them ten thousand at a time
 * on one core: the full-text index, then the names index, then the R*Tree,
 * chunk after chunk. Here a second thread builds the full-text index, the
 * largest (about half the CPU of the whole build), in a scratch database
 * next to the cache ("<cache>.build", 0600, journal off), reading the rows
 * through a connection of its own (the cache is in WAL mode: it reads what
 * the pull committed). Meanwhile the writer makes the secondary indexes,
 * fills the names index and packs the R*Tree (wh-store-rtree.c: bottom-up,
 * a fifth of the CPU of a row-by-row build) in the cache itself, then
 * copies the scratch's shadow tables into its own full-text index (both
 * made by this code, with the same CREATE statement and tokenizer) and
 * drops the list of unindexed rows, all in the one transaction that began
 * with the secondary indexes: a kill at any moment leaves the whole build
 * or none of it, and the next build starts again. Anything wrong with the
 * scratch side rolls back and leaves the chunked build to do the work.
 *
 * Why this split: only the writer can build in the cache, and the
 * secondary indexes can only be built there; the full text is the one
 * large index whose copy (half a second for a province's 300 MB) costs
 * far less than building it, so it is the one built beside the writer. With
 * the R*Tree built row by row, neither side could take it (4 s for a
 * province): hence the packing.
 *
 * The price: the writer is held for the whole build (seconds for a
 * province) where a chunk held it a quarter of a second; a UI write during
 * a first sync waits that long (in its thread, never the main one).
 */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

typedef struct
{
  const CollInfo *info;
  char           *source;      /* the cache */
  char           *scratch;
  GCancellable   *cancellable;
  gint64          started;     /* monotonic µs */
  volatile gint   stop;        /* the writer gave up: stop early */
  char           *error;       /* out: NULL on success */
} Side;

static int
side_interrupt_cb (void *data)
{
  Side *side = data;

  return g_atomic_int_get (&side->stop) ||
         (side->cancellable != NULL && g_cancellable_is_cancelled (side->cancellable));
}

/* In the second thread: the full-text index of every row, in the scratch
 * database, from a connection of its own to the cache. */
static gpointer
side_thread (gpointer data)
{
  Side *side = data;
  const CollInfo *info = side->info;
  const char *n = info->table;
  g_autofree char *fts_create = wh_store_fts_create_sql (info);
  g_autofree char *fts = g_strdup_printf ("%s_fts", n);
  g_autofree char *fts_insert = g_strdup_printf ("INSERT INTO main.%s (rowid, %s)"
                                                 " SELECT id, %s FROM src.%s",
                                                 fts, info->search, info->search, n);
  /* Half the one-statement term buffer: as fast here (5.0 s of CPU for
   * 440000's full text either way), 10 MB less at the sync's peak. */
  const FtsBulk fts_bulk = { wh_fts_bulk_all.hashsize / 2, wh_fts_bulk_all.automerge };
  g_autofree char *fts_fill = wh_fts_bulk_insert_sql ("main", fts, fts_insert, &fts_bulk);
  char *sql = NULL;
  char *message = NULL;
  sqlite3 *db = NULL;

  if (sqlite3_open_v2 (side->scratch, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK ||
      wh_search_tokenizer_register (db) != SQLITE_OK)
    {
      side->error = g_strdup (db ? sqlite3_errmsg (db) : "cannot open");
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_busy_timeout (db, 5000);
  sqlite3_progress_handler (db, 10000, side_interrupt_cb, side);
  /* The content table's stub: the index is external content, and its
   * declaration must name a table; nothing reads it here. */
  /* main.: a journal_mode without a schema would be tried on the cache
   * attached after it too (WAL, which only its owner may change). Small
   * caches: the rows are read once in order, and the sync's peak memory
   * (150 MB at most) has the writer's cache and two FTS buffers in it. */
  sql = sqlite3_mprintf ("PRAGMA main.journal_mode = OFF; PRAGMA main.synchronous = OFF;"
                         " PRAGMA main.cache_size = -2048; ATTACH DATABASE %Q AS src;"
                         " PRAGMA src.cache_size = -2048;"
                         " CREATE TABLE main.%s (id INTEGER PRIMARY KEY, %s); %s;"
                         " BEGIN; %s COMMIT; DETACH DATABASE src;",
                         side->source, n, info->search, fts_create, fts_fill);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    side->error = g_strdup (message ? message : sqlite3_errmsg (db));
  else
    g_debug ("%s: full-text index built beside the writer in %.1f s", n,
             (g_get_monotonic_time () - side->started) / 1e6);
  sqlite3_free (message);
  sqlite3_free (sql);
  sqlite3_close (db);
  return NULL;
}

/* The scratch's shadow tables of the full-text index in place of the
 * writer's (empty: every row was waiting). */
static gboolean
copy_side (WhConn         *conn,
           const CollInfo *info,
           GError        **error)
{
  static const char * const shadows[] = { "fts_data", "fts_idx", "fts_docsize" };
  const char *n = info->table;

  for (guint i = 0; i < G_N_ELEMENTS (shadows); i++)
    {
      g_autofree char *sql = g_strdup_printf ("DELETE FROM main.%s_%s;"
                                              " INSERT INTO main.%s_%s SELECT * FROM build.%s_%s",
                                              n, shadows[i], n, shadows[i], n, shadows[i]);

      if (!wh_conn_exec (conn, sql, error))
        return FALSE;
    }
  return TRUE;
}

/* The R*Tree of every row, packed; row by row through SQL if it cannot be. */
static gboolean
fill_places (WhConn         *conn,
             const CollInfo *info,
             GError        **error)
{
  const char *n = info->table;
  g_autofree char *sql = NULL;
  int packed = wh_rtree_pack (conn->db, "main", n, error);

  if (packed != 0)
    return packed > 0;
  sql = g_strdup_printf ("INSERT INTO main.%s_geo SELECT id, lat, lat, lon, lon, lat, lon"
                         " FROM main.%s WHERE lat IS NOT NULL AND lon IS NOT NULL", n, n);
  return wh_conn_exec (conn, sql, error);
}

static gboolean
debug_elapsed (const char *collection,
               const char *what,
               gint64      since)
{
  g_debug ("%s: %s, %.1f s into the build", collection, what,
           (g_get_monotonic_time () - since) / 1e6);
  return TRUE;
}

static void
remove_scratch (const char *scratch)
{
  if (g_unlink (scratch) != 0 && errno != ENOENT)
    g_debug ("Cannot remove %s: %s", scratch, g_strerror (errno));
}

void
wh_store_build_cleanup (WhStore *self)
{
  g_autofree char *scratch = NULL;

  if (g_str_equal (self->path, ":memory:"))
    return;
  scratch = g_strconcat (self->path, ".build", NULL);
  remove_scratch (scratch);
}

/* Whether the whole build at once applies: every row listed (listed of
 * them), enough of them, and a collection whose names index holds its own
 * fields only. */
static gboolean
applies (WhStore        *self,
         const CollInfo *info,
         gint64          listed,
         GError        **error)
{
  const WhCollection *c = info->collection;
  g_autofree char *sql = NULL;
  gint64 total;

  if (info->search == NULL || info->names == NULL || c->names_join != NULL || !info->located ||
      g_str_equal (self->path, ":memory:") || self->build_all_min_rows == 0 ||
      listed < (gint64) self->build_all_min_rows)
    return FALSE;
  sql = g_strdup_printf ("SELECT count (*) FROM %s", info->table);
  /* On the writer, which reads through its page cache: counting a table
   * with no index reads every page, and a reader maps them, which would
   * count the whole table (140 MB for a province) in resident memory. */
  g_mutex_lock (&self->write_lock);
  total = wh_conn_query_int (self->writer, sql, error);
  g_mutex_unlock (&self->write_lock);
  return total == listed;
}

int
wh_store_build_all (WhStore            *self,
                    const CollInfo     *info,
                    gint64              listed,
                    GCancellable       *cancellable,
                    GError            **error)
{
  const char *n = info->table;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *names = NULL;
  g_autofree char *finish = NULL;
  g_autoptr(WhStmt) attach = NULL;
  Side side = { 0, };
  GThread *thread;
  gboolean ok;

  if (!applies (self, info, listed, &local_error))
    {
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return -1;
        }
      return 0;
    }

  side.info = info;
  side.source = self->path;
  side.scratch = g_strconcat (self->path, ".build", NULL);
  side.cancellable = cancellable;
  remove_scratch (side.scratch);
  /* Made here, private, and attached while empty: ATTACH cannot come inside
   * the transaction, and the thread fills the file meanwhile. */
  {
    int fd = g_open (side.scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0)
      {
        g_debug ("%s: no scratch file for the build (%s)", n, g_strerror (errno));
        g_free (side.scratch);
        return 0;
      }
    close (fd);
  }
  g_mutex_lock (&self->write_lock);
  attach = wh_conn_prepare (self->writer, "ATTACH DATABASE ?1 AS build", &local_error);
  ok = attach != NULL;
  if (ok)
    {
      sqlite3_bind_text (attach, 1, side.scratch, -1, SQLITE_STATIC);
      ok = wh_conn_step_done (self->writer, attach, "attach", &local_error);
    }
  g_clear_pointer (&attach, wh_stmt_done);
  g_mutex_unlock (&self->write_lock);
  if (!ok)
    {
      g_debug ("%s: the build goes in chunks (%s)", n, local_error->message);
      remove_scratch (side.scratch);
      g_free (side.scratch);
      return 0;
    }

  side.started = g_get_monotonic_time ();
  thread = g_thread_new ("wh-build", side_thread, &side);
  {
    g_autofree char *table = g_strdup_printf ("%s_names", n);
    g_autofree char *insert = g_strdup_printf ("INSERT INTO main.%s (rowid, %s) SELECT id, %s FROM %s",
                                               table, info->names, info->names, n);
    /* The chunks' term buffer: the thread's full-text index has the big one. */
    const FtsBulk names_bulk = { wh_fts_bulk_chunk.hashsize, wh_fts_bulk_all.automerge };

    names = wh_fts_bulk_insert_sql ("main", table, insert, &names_bulk);
  }
  finish = g_strdup_printf ("DROP TABLE %s", info->unindexed);
  /* BEGIN, not BEGIN IMMEDIATE (wh_store_writer_begin): that would lock
   * every attached file for writing, the scratch the thread is writing
   * too; the first write here takes the cache's lock alone. */
  g_mutex_lock (&self->write_lock);
  ok = wh_conn_exec (self->writer, "BEGIN", &local_error);
  if (!ok)
    g_mutex_unlock (&self->write_lock);
  if (ok)
    {
      wh_conn_watch_cancel (self->writer, cancellable, TRUE);
      /* The writer's share, while the thread builds the full text. */
      ok = wh_conn_exec (self->writer,
                         "PRAGMA main.cache_size = -" G_STRINGIFY (BUILD_ALL_WRITER_CACHE_KIB),
                         &local_error) &&
           wh_conn_exec (self->writer, info->index_sql, &local_error) &&
           debug_elapsed (n, "secondary indexes built", side.started) &&
           wh_conn_exec (self->writer, names, &local_error) &&
           debug_elapsed (n, "names index built", side.started) &&
           fill_places (self->writer, info, &local_error) &&
           debug_elapsed (n, "R*Tree built", side.started) &&
           wh_conn_exec (self->writer, info->trigger_sql, &local_error);
      wh_conn_watch_cancel (self->writer, cancellable, FALSE);
      if (!ok)
        g_atomic_int_set (&side.stop, 1);
      g_thread_join (thread);
      thread = NULL;
      if (ok && side.error != NULL)
        {
          g_set_error (&local_error, WH_STORE_ERROR, WH_STORE_ERROR_FAILED,
                       "The full text of %s: %s", n, side.error);
          ok = FALSE;
        }
      /* Still the small page cache: the copy reads and writes each page
       * once. */
      ok = ok && copy_side (self->writer, info, &local_error) &&
           debug_elapsed (n, "full text copied in", side.started) &&
           wh_conn_exec (self->writer, finish, &local_error);
      sqlite3_exec (self->writer->db, "PRAGMA main.cache_size = -" G_STRINGIFY (WRITER_CACHE_KIB),
                    NULL, NULL, NULL);
      ok = wh_store_writer_end (self, ok, ok ? &local_error : NULL);
    }
  if (thread != NULL)
    {
      g_atomic_int_set (&side.stop, 1);
      g_thread_join (thread);
    }
  g_mutex_lock (&self->write_lock);
  sqlite3_exec (self->writer->db, "DETACH DATABASE build", NULL, NULL, NULL);
  g_mutex_unlock (&self->write_lock);
  remove_scratch (side.scratch);
  g_free (side.scratch);
  g_free (side.error);

  if (ok)
    {
      debug_elapsed (n, "every index built", side.started);
      g_atomic_int_inc (&self->builds_at_once);
      return 1;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  /* Rolled back whole: the chunks do it. */
  g_debug ("%s: the build goes in chunks (%s)", n,
           local_error ? local_error->message : "unknown error");
  return 0;
}
