/* SPDX-License-Identifier: GPL-3.0-or-later */
/* WhSync's outbox: replaying the worker's queued writes (wh-sync-private.h); they
 * are queued by wh-outbox.c. */
#define G_LOG_DOMAIN "wh-sync"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-outbox.h"
#include "wh-sync-private.h"

#define OUTBOX_BATCH         50
#define OUTBOX_MAX_PER_RUN   2000

/* ---- Outbox -------------------------------------------------------------- */

static void replay_next (GTask *task);

typedef enum
{
  OUTBOX_PEEK,
  OUTBOX_REMOVE,
  OUTBOX_MARK_FAILED,
  OUTBOX_COUNT,
} OutboxOpKind;

typedef struct
{
  OutboxOpKind  kind;
  WhStore      *store;
  gint64        id;
  char         *message;
  GPtrArray    *entries;
  gint64        count;
} OutboxOp;

static void
outbox_op_free (OutboxOp *op)
{
  g_clear_object (&op->store);
  g_free (op->message);
  g_clear_pointer (&op->entries, g_ptr_array_unref);
  g_free (op);
}

static void
outbox_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  OutboxOp *op = task_data;
  GError *error = NULL;
  gboolean ok = TRUE;

  switch (op->kind)
    {
    case OUTBOX_PEEK:
      ok = (op->entries = wh_store_outbox_peek (op->store, OUTBOX_BATCH, &error)) != NULL;
      break;
    case OUTBOX_REMOVE:
      ok = wh_store_outbox_remove (op->store, op->id, &error);
      break;
    case OUTBOX_MARK_FAILED:
      ok = wh_store_outbox_mark_failed (op->store, op->id, op->message, &error);
      break;
    case OUTBOX_COUNT:
    default:
      ok = (op->count = wh_store_outbox_count (op->store, &error)) >= 0;
      break;
    }
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
outbox_run (GTask              *task,
            OutboxOpKind        kind,
            gint64              id,
            const char         *message,
            GAsyncReadyCallback callback)
{
  WhSync *self = g_task_get_source_object (task);
  OutboxOp *op = g_new0 (OutboxOp, 1);
  GTask *sub = g_task_new (NULL, NULL, callback, task);

  op->kind = kind;
  op->store = g_object_ref (self->store);
  op->id = id;
  op->message = g_strdup (message);
  g_task_set_source_tag (sub, outbox_run);
  g_task_set_task_data (sub, op, (GDestroyNotify) outbox_op_free);
  g_task_run_in_thread (sub, outbox_thread);
}

static void
outbox_count_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    run->report->outbox_left = (guint) MIN (op->count, G_MAXUINT);
  g_object_unref (result);
  wh_sync_pull_personal (task);
}

void
wh_sync_outbox_done (GTask *task)
{
  g_clear_pointer (&((Run *) g_task_get_task_data (task))->entries, g_ptr_array_unref);
  outbox_run (task, OUTBOX_COUNT, 0, NULL, outbox_count_cb);
}

static void
outbox_step_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_debug ("Outbox: %s", error->message);
      if (run->first_error == NULL)
        run->first_error = error;
      else
        g_error_free (error);
      g_object_unref (result);
      wh_sync_outbox_done (task);
      return;
    }
  if (op->kind == OUTBOX_MARK_FAILED)
    {
      /* A transient failure: the rest waits for the next run, in order. */
      g_object_unref (result);
      wh_sync_outbox_done (task);
      return;
    }
  g_object_unref (result);
  run->entry_index++;
  replay_next (task);
}

/* Whether an entry is sent with no token (contract: station reports are
 * anonymous), so it never waits for, nor is sent as, whoever signs in. */
static gboolean
entry_is_anonymous (const WhOutboxEntry *entry)
{
  return g_strcmp0 (entry->kind, "station-reports") == 0;
}

/* Method and path of an entry, or FALSE for a kind this release cannot send. */
static gboolean
entry_request (const WhOutboxEntry *entry,
               const char         **method,
               char               **path)
{
  static const char * const kinds[] = { "progress", "quiz-attempts", "bookmarks",
                                        "station-reports", "question-reviews" };
  gboolean known = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    known |= g_strcmp0 (entry->kind, kinds[i]) == 0;
  if (!known || entry->key == NULL || entry->body == NULL)
    return FALSE;
  *method = strcmp (entry->body, "null") == 0 ? "DELETE" : "PUT";
  if (strcmp (*method, "DELETE") == 0 && strcmp (entry->kind, "bookmarks") != 0)
    return FALSE;
  *path = g_strconcat (entry->kind, "/", entry->key, NULL);
  return TRUE;
}

static void
replay_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  WhOutboxEntry *entry = g_ptr_array_index (run->entries, run->entry_index);
  g_autoptr(GError) error = NULL;
  guint status;

  if (wh_api_replay_finish (WH_API (object), result, &error))
    {
      run->report->outbox_sent++;
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      wh_sync_outbox_done (task);
      return;
    }
  status = wh_api_error_get_status (error);
  if (status == 401 && !entry_is_anonymous (entry))
    {
      /* Signed out on the server: what needs a token waits, in order, for
       * the next sign-in; the anonymous reports behind it still go. */
      if (run->first_error == NULL)
        run->first_error = g_error_copy (error);
      run->signed_out = TRUE;
      run->entry_index++;
      replay_next (task);
      return;
    }
  if (status >= 400 && status < 500 && status != 401 && status != 408 && status != 429)
    {
      /* Refused for good: sending it again would fail again, and keeping it
       * would hold back every write queued after it. */
      run->report->outbox_dropped++;
      wh_sync_report_message (run->report, g_strdup_printf (_("A saved change (%s %s) was refused: %s"),
                                                    entry->kind, entry->key, error->message));
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (run->first_error == NULL)
    run->first_error = g_error_copy (error);
  /* Feeds need no token, so a 401 or a busy endpoint still lets the pull
   * go on; a server out of reach does not. */
  if (wh_sync_error_is_unreachable (error))
    run->give_up = TRUE;
  outbox_run (task, OUTBOX_MARK_FAILED, entry->id, error->message, outbox_step_cb);
}

static void
replay_next (GTask *task)
{
  WhSync *self = g_task_get_source_object (task);
  Run *run = g_task_get_task_data (task);
  WhOutboxEntry *entry;
  const char *method = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GBytes) body = NULL;

  if (wh_sync_run_cancelled (task))
    {
      wh_sync_outbox_done (task);
      return;
    }
  /* Signed out: skip what needs a token (it stays queued, in order). */
  while (run->signed_out && run->entry_index < run->entries->len &&
         !entry_is_anonymous (g_ptr_array_index (run->entries, run->entry_index)))
    run->entry_index++;
  if (run->entry_index >= run->entries->len)
    {
      /* A full batch may have more behind it; signed out, the next peek
       * would start with the entries skipped here. */
      if (run->entries->len == OUTBOX_BATCH && run->entries_seen < OUTBOX_MAX_PER_RUN &&
          !run->signed_out)
        wh_sync_outbox_peek (task);
      else
        wh_sync_outbox_done (task);
      return;
    }

  entry = g_ptr_array_index (run->entries, run->entry_index);
  run->entries_seen++;
  if (!entry_request (entry, &method, &path))
    {
      run->report->outbox_dropped++;
      wh_sync_report_message (run->report, g_strdup_printf (_("A saved change of an unknown kind (%s) "
                                                      "was dropped."), entry->kind));
      outbox_run (task, OUTBOX_REMOVE, entry->id, NULL, outbox_step_cb);
      return;
    }
  if (strcmp (method, "PUT") == 0)
    body = g_bytes_new (entry->body, strlen (entry->body));
  wh_api_replay_async (self->api, method, path, body, g_task_get_cancellable (task), replay_cb,
                       task);
}

static void
outbox_peek_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Run *run = g_task_get_task_data (task);
  OutboxOp *op = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (run->first_error == NULL)
        run->first_error = error;
      else
        g_error_free (error);
      g_object_unref (result);
      wh_sync_outbox_done (task);
      return;
    }
  g_clear_pointer (&run->entries, g_ptr_array_unref);
  run->entries = g_steal_pointer (&op->entries);
  run->entry_index = 0;
  g_object_unref (result);
  replay_next (task);
}

void
wh_sync_outbox_peek (GTask *task)
{
  outbox_run (task, OUTBOX_PEEK, 0, NULL, outbox_peek_cb);
}

/* ------------------------------------------------------------------------ */
/* Bookmarks: the cache and the outbox in one transaction (the entries are
 * described by wh-outbox.c)                                                  */

gboolean
wh_sync_save_bookmark (WhStore        *store,
                       const WhRecord *bookmark,
                       GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (bookmark != NULL, FALSE);
  g_return_val_if_fail (bookmark->collection == &wh_collection_bookmarks, FALSE);

  if (!wh_outbox_describe_record (bookmark, &kind, &key, &body, error))
    return FALSE;
  return wh_store_write_bookmark (store, wh_record_get_int (bookmark, "job_id"), bookmark, kind,
                                  key, body, error);
}

gboolean
wh_sync_remove_bookmark (WhStore *store,
                         gint64   job_id,
                         GError **error)
{
  g_autofree char *key = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);

  key = g_strdup_printf ("%" G_GINT64_FORMAT, job_id);
  return wh_store_write_bookmark (store, job_id, NULL, "bookmarks", key, "null", error);
}
