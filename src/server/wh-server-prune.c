/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-prune.c: deleting what has expired, on a timer.
 *
 * Expired tokens, sign-in codes, sign-in limit counters and idempotency
 * records used to be deleted inside the requests that write them (a claim
 * ran "DELETE FROM idempotency WHERE created_at < ?" in its own write
 * transaction, a scan of the whole table). Now each table has an index on
 * its expiry and a timer deletes at most PRUNE_BATCH rows of each per
 * transaction, handing the main loop back between transactions, so a
 * backlog of any size never holds the write lock for long.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include "wh-server-private.h"

#define PRUNE_BATCH 500

/* ?1: the oldest idempotency record kept; ?2: now. Every one is a range
 * search on an index (wh-server-db.c). */
static const char * const prune_sql[] = {
  "DELETE FROM idempotency WHERE rowid IN"
  " (SELECT rowid FROM idempotency WHERE created_at < ?1 LIMIT " G_STRINGIFY (PRUNE_BATCH) ")",
  "DELETE FROM tokens WHERE rowid IN"
  " (SELECT rowid FROM tokens WHERE expires_at <= ?2 LIMIT " G_STRINGIFY (PRUNE_BATCH) ")",
  "DELETE FROM login_codes WHERE rowid IN"
  " (SELECT rowid FROM login_codes WHERE expires_at <= ?2 LIMIT " G_STRINGIFY (PRUNE_BATCH) ")",
  "DELETE FROM auth_counters WHERE rowid IN"
  " (SELECT rowid FROM auth_counters WHERE window_end <= ?2 LIMIT " G_STRINGIFY (PRUNE_BATCH) ")",
};

/* One transaction; *more is TRUE when a table may hold more expired rows. */
static gboolean
prune_step (WhServer  *self,
            gboolean  *more,
            GError   **error)
{
  gint64 now = wh_server_now_us (self) / G_USEC_PER_SEC;

  *more = FALSE;
  if (!wh_server_begin (self, TRUE, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (prune_sql); i++)
    {
      sqlite3_stmt *stmt = NULL;
      int rc;

      if (sqlite3_prepare_v2 (self->db, prune_sql[i], -1, &stmt, NULL) != SQLITE_OK)
        {
          wh_server_db_set_error (self->db, error);
          wh_server_rollback (self);
          return FALSE;
        }
      sqlite3_bind_int64 (stmt, 1, now - WH_IDEMPOTENCY_TTL_S);
      sqlite3_bind_int64 (stmt, 2, now);
      rc = sqlite3_step (stmt);
      sqlite3_finalize (stmt);
      if (rc != SQLITE_DONE)
        {
          wh_server_db_set_error (self->db, error);
          wh_server_rollback (self);
          return FALSE;
        }
      if (sqlite3_changes (self->db) >= PRUNE_BATCH)
        *more = TRUE;
    }
  return wh_server_commit (self, error);
}

static gboolean prune_more_cb (gpointer user_data);

static void
schedule_more (WhServer *self)
{
  if (self->prune_more != NULL)
    return;
  /* Below the requests' priority: they go first. */
  self->prune_more = g_idle_source_new ();
  g_source_set_priority (self->prune_more, G_PRIORITY_LOW);
  g_source_set_callback (self->prune_more, prune_more_cb, self, NULL);
  g_source_attach (self->prune_more, g_main_context_get_thread_default ());
}

static gboolean
prune_more_cb (gpointer user_data)
{
  WhServer *self = user_data;
  g_autoptr(GError) error = NULL;
  gboolean more = FALSE;

  if (!prune_step (self, &more, &error))
    g_message ("Pruning expired rows failed: %s", error->message);
  if (more)
    return G_SOURCE_CONTINUE;
  g_clear_pointer (&self->prune_more, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
prune_timer_cb (gpointer user_data)
{
  schedule_more (user_data);
  return G_SOURCE_CONTINUE;
}

/* Called by wh_server_new and when the interval changes. */
void
wh_server_start_pruning (WhServer *self)
{
  if (self->prune_timer != NULL)
    {
      g_source_destroy (self->prune_timer);
      g_clear_pointer (&self->prune_timer, g_source_unref);
    }
  self->prune_timer = g_timeout_source_new_seconds (self->prune_interval_s);
  g_source_set_callback (self->prune_timer, prune_timer_cb, self, NULL);
  g_source_attach (self->prune_timer, g_main_context_get_thread_default ());
  /* What expired while the server was stopped goes soon. */
  schedule_more (self);
}

void
wh_server_stop_pruning (WhServer *self)
{
  if (self->prune_timer != NULL)
    {
      g_source_destroy (self->prune_timer);
      g_clear_pointer (&self->prune_timer, g_source_unref);
    }
  if (self->prune_more != NULL)
    {
      g_source_destroy (self->prune_more);
      g_clear_pointer (&self->prune_more, g_source_unref);
    }
}

gboolean
wh_server_prune_expired (WhServer *self,
                         GError  **error)
{
  gboolean more = TRUE;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);

  if (self->prune_more != NULL)
    {
      g_source_destroy (self->prune_more);
      g_clear_pointer (&self->prune_more, g_source_unref);
    }
  while (more)
    if (!prune_step (self, &more, error))
      return FALSE;
  return TRUE;
}

void
wh_server_set_prune_interval (WhServer *self,
                              guint     seconds)
{
  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (seconds > 0);

  self->prune_interval_s = seconds;
  wh_server_start_pruning (self);
}
