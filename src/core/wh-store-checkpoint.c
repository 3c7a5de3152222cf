/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-checkpoint.c: the WAL's checkpoints, off the writer (the engine
 * is wh-store.c).
 *
 * In WAL mode every commit appends its pages to the -wal file, and a
 * checkpoint copies them back into the database. SQLite's own
 * auto-checkpoint runs it in the committing connection, once the WAL holds
 * 1,000 pages: on the writer, inside the write lock. After a first pull's
 * build (wh-store-build.c) the WAL holds every row and index of the region
 * (half a gigabyte for 395,089 jobs), and that copy kept the writer for
 * 2.6 s after the build had committed: the list and the search were ready,
 * the sync not done, and a UI write waited behind it.
 *
 * Here the writer's WAL hook, called after each commit, only asks for a
 * checkpoint: a thread of the store's runs it, PASSIVE (it never waits for a
 * reader or the writer), from a connection of its own. Readers read the
 * pages from the WAL meanwhile; the writer goes on appending. One checkpoint
 * at a time, and at most one more asked for while it runs. Closing the store
 * waits for a running one, and the writer's close, the last, checkpoints
 * what is left and removes the WAL, as before.
 */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

/* SQLite's own auto-checkpoint limit (pages in the WAL). */
#define CHECKPOINT_FRAMES 1000

static void
checkpoint_run (gpointer data,
                gpointer user_data)
{
  WhStore *self = user_data;
  gint64 started = g_get_monotonic_time ();
  int frames = -1, copied = -1, rc;

  g_mutex_lock (&self->checkpoint_lock);
  /* Asked again from here on: a commit while this one runs (its pages past
   * what this one copies) gets a checkpoint of its own after it. */
  g_atomic_int_set (&self->checkpoint_asked, 0);
  if (self->checkpointer == NULL)
    {
      rc = sqlite3_open_v2 (self->path, &self->checkpointer,
                            SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
      /* A new connection learns the file is in WAL mode when it first
       * reads it; until then a checkpoint does nothing. */
      if (rc == SQLITE_OK)
        rc = sqlite3_exec (self->checkpointer, "SELECT count (*) FROM sqlite_master", NULL, NULL,
                           NULL);
      if (rc != SQLITE_OK)
        {
          g_debug ("No connection to checkpoint %s: %s", self->path,
                   self->checkpointer ? sqlite3_errmsg (self->checkpointer) : sqlite3_errstr (rc));
          g_clear_pointer (&self->checkpointer, sqlite3_close);
        }
    }
  if (self->checkpointer != NULL)
    {
      rc = sqlite3_wal_checkpoint_v2 (self->checkpointer, "main", SQLITE_CHECKPOINT_PASSIVE,
                                      &frames, &copied);
      g_debug ("Checkpoint: %d of %d pages in the database, %.2f s (%s)", copied, frames,
               (g_get_monotonic_time () - started) / 1e6, sqlite3_errstr (rc));
      g_atomic_int_inc (&self->checkpoints_done);
    }
  g_mutex_unlock (&self->checkpoint_lock);
}

/* In the writer's commit, with the write lock held: ask, never wait. */
static int
wal_hook_cb (void       *data,
             sqlite3    *db,
             const char *schema,
             int         frames)
{
  WhStore *self = data;

  if (frames >= CHECKPOINT_FRAMES && g_strcmp0 (schema, "main") == 0 &&
      g_atomic_int_compare_and_exchange (&self->checkpoint_asked, 0, 1))
    g_thread_pool_push (self->checkpoints, self, NULL);
  return SQLITE_OK;
}

void
wh_store_checkpoints_start (WhStore *self)
{
  g_mutex_init (&self->checkpoint_lock);
  self->checkpoints = g_thread_pool_new (checkpoint_run, self, 1, FALSE, NULL);
  /* In place of SQLite's auto-checkpoint (a WAL hook replaces it). */
  sqlite3_wal_hook (self->writer->db, wal_hook_cb, self);
}

void
wh_store_checkpoints_stop (WhStore *self)
{
  if (self->checkpoints == NULL)
    return;
  if (self->writer != NULL)
    sqlite3_wal_hook (self->writer->db, NULL, NULL);
  /* The pool's thread holds no reference to the store: wait for it. */
  g_thread_pool_free (self->checkpoints, FALSE, TRUE);
  self->checkpoints = NULL;
  g_clear_pointer (&self->checkpointer, sqlite3_close);
  g_mutex_clear (&self->checkpoint_lock);
}

void
wh_store_checkpoints_hold (WhStore *self)
{
  if (self->checkpoints != NULL)
    g_mutex_lock (&self->checkpoint_lock);
}

void
wh_store_checkpoints_release (WhStore *self)
{
  if (self->checkpoints != NULL)
    g_mutex_unlock (&self->checkpoint_lock);
}

guint
wh_store_get_checkpoints (WhStore *self)
{
  g_return_val_if_fail (WH_IS_STORE (self), 0);
  return g_atomic_int_get (&self->checkpoints_done);
}
