/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-async.c: ::changed, coalesced onto the store's context; the
 * ordered queue; and the _async/_finish forms of the reads views make. Each
 * runs the synchronous read on the store's ordered queue (one thread, tasks
 * in the order queued: see wh_store_queue_task) and returns on the caller's
 * thread-default context, as GTask does. */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

/* ---- ::changed and the ordered queue ------------------------------------- */

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* On the store's context: one emission per name written since the last. */
static gboolean
emit_changed_cb (gpointer data)
{
  g_autoptr(WhStore) self = g_weak_ref_get (data);
  g_autoptr(GPtrArray) names = NULL;
  guint changed_id;

  if (self == NULL)
    return G_SOURCE_REMOVE;
  changed_id = g_signal_lookup ("changed", WH_TYPE_STORE);
  g_mutex_lock (&self->changed_lock);
  names = g_steal_pointer (&self->changed_pending);
  self->changed_pending = g_ptr_array_new ();
  g_clear_pointer (&self->changed_source, g_source_unref);
  g_mutex_unlock (&self->changed_lock);
  for (guint i = 0; i < names->len; i++)
    g_signal_emit (self, changed_id, 0, names->pdata[i]);
  return G_SOURCE_REMOVE;
}

void
wh_store_emit_changed (WhStore    *self,
                       const char *what)
{
  const char *name = g_intern_string (what);
  WhStoreCommitHook hook;
  gpointer hook_data;

  g_mutex_lock (&self->changed_lock);
  hook = self->commit_hook;
  hook_data = self->commit_hook_data;
  if (!g_ptr_array_find (self->changed_pending, name, NULL))
    g_ptr_array_add (self->changed_pending, (gpointer) name);
  /* Never emitted from inside the write, even on the store's own thread: a
   * handler then never runs with a writer's lock held or mid-call. */
  if (self->changed_source == NULL)
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);

      g_weak_ref_init (ref, self);
      self->changed_source = g_idle_source_new ();
      g_source_set_priority (self->changed_source, G_PRIORITY_DEFAULT);
      g_source_set_static_name (self->changed_source, "[wh-store] changed");
      g_source_set_callback (self->changed_source, emit_changed_cb, ref, weak_ref_free);
      g_source_attach (self->changed_source, self->context);
    }
  g_mutex_unlock (&self->changed_lock);
  if (hook != NULL)
    hook (self, name, hook_data);
}

void
wh_store_set_commit_hook (WhStore          *self,
                          WhStoreCommitHook hook,
                          gpointer          user_data)
{
  g_mutex_lock (&self->changed_lock);
  self->commit_hook = hook;
  self->commit_hook_data = user_data;
  g_mutex_unlock (&self->changed_lock);
}

typedef struct
{
  GTask          *task;
  GTaskThreadFunc func;
} QueueItem;

/* WH_STORE_QUEUE_DELAY_MS: each read and write on the queue waits that
 * long first. For tests: a view that acts on what it has not read yet, or
 * a test that does, fails at once instead of on a slow machine. */
static guint
queue_delay_ms (void)
{
  static gsize delay;

  if (g_once_init_enter (&delay))
    {
      const char *env = g_getenv ("WH_STORE_QUEUE_DELAY_MS");
      guint64 ms = 0;

      if (env == NULL || !g_ascii_string_to_unsigned (env, 10, 0, 10000, &ms, NULL))
        ms = 0;
      g_once_init_leave (&delay, ms + 1);
    }
  return (guint) (delay - 1);
}

void
wh_store_queue_run (gpointer data,
                    gpointer user_data)
{
  QueueItem *item = data;
  g_autoptr(GTask) task = item->task;
  GTaskThreadFunc func = item->func;
  guint delay = queue_delay_ms ();

  g_free (item);
  if (delay > 0)
    g_usleep ((gulong) delay * 1000);
  if (g_task_return_error_if_cancelled (task))
    return;
  func (task, g_task_get_source_object (task), g_task_get_task_data (task),
              g_task_get_cancellable (task));
}

void
wh_store_queue_task (WhStore        *self,
                     GTask          *task,
                     GTaskThreadFunc func)
{
  QueueItem *item = g_new (QueueItem, 1);

  item->task = g_object_ref (task);
  item->func = func;
  g_thread_pool_push (self->queue, item, NULL);
}

/* ---- The _async/_finish reads ------------------------------------------ */

typedef struct
{
  const WhCollection *collection;
  gint64              id;
  char               *text;
  guint               n;
} ReadArgs;

static void
read_args_free (gpointer data)
{
  ReadArgs *args = data;

  g_free (args->text);
  g_free (args);
}

static GTask *
read_task_new (WhStore            *self,
               const WhCollection *collection,
               gint64              id,
               const char         *text,
               guint               n,
               GCancellable       *cancellable,
               GAsyncReadyCallback callback,
               gpointer            user_data,
               gpointer            source_tag)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  ReadArgs *args = g_new0 (ReadArgs, 1);

  g_task_set_source_tag (task, source_tag);
  args->collection = collection;
  args->id = id;
  args->text = g_strdup (text);
  args->n = n;
  g_task_set_task_data (task, args, read_args_free);
  return task;
}

static void
return_pointer (GTask         *task,
                gpointer       value,
                GDestroyNotify destroy,
                GError        *error)
{
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, value, destroy);
}

gpointer
wh_store_task_finish_pointer (WhStore      *self,
                              GAsyncResult *result,
                              gpointer      source_tag,
                              GError      **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- count --------------------------------------------------------------- */

static void
count_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  gint64 n = wh_store_count (source, args->collection, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, n);
}

void
wh_store_count_async (WhStore            *self,
                      const WhCollection *collection,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (collection != NULL);

  task = read_task_new (self, collection, 0, NULL, 0, cancellable, callback, user_data,
                        wh_store_count_async);
  wh_store_queue_task (self, task, count_thread);
}

gint64
wh_store_count_finish (WhStore      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_store_count_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- get_record ---------------------------------------------------------- */

static void
get_record_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  WhRecord *record = wh_store_get_record (source, args->collection, args->id, &error);

  return_pointer (task, record, (GDestroyNotify) wh_record_free, error);
}

void
wh_store_get_record_async (WhStore            *self,
                           const WhCollection *collection,
                           gint64              id,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (collection != NULL);

  task = read_task_new (self, collection, id, NULL, 0, cancellable, callback, user_data,
                        wh_store_get_record_async);
  wh_store_queue_task (self, task, get_record_thread);
}

WhRecord *
wh_store_get_record_finish (WhStore      *self,
                            GAsyncResult *result,
                            GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_get_record_async, error);
}

/* ---- list_values --------------------------------------------------------- */

static void
list_values_thread (GTask        *task,
                    gpointer      source,
                    gpointer      data,
                    GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  GStrv values = wh_store_list_values (source, args->collection, args->text, args->n, &error);

  return_pointer (task, values, (GDestroyNotify) g_strfreev, error);
}

void
wh_store_list_values_async (WhStore            *self,
                            const WhCollection *collection,
                            const char         *field,
                            guint               limit,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (collection != NULL);
  g_return_if_fail (field != NULL);

  task = read_task_new (self, collection, 0, field, limit, cancellable, callback, user_data,
                        wh_store_list_values_async);
  wh_store_queue_task (self, task, list_values_thread);
}

GStrv
wh_store_list_values_finish (WhStore      *self,
                             GAsyncResult *result,
                             GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_list_values_async, error);
}

/* ---- search -------------------------------------------------------------- */

static void
search_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  GPtrArray *hits = wh_store_search (source, args->collection, args->text, args->n, &error);

  return_pointer (task, hits, (GDestroyNotify) g_ptr_array_unref, error);
}

void
wh_store_search_async (WhStore            *self,
                       const WhCollection *collection,
                       const char         *query,
                       guint               limit,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (collection != NULL);
  g_return_if_fail (query != NULL);

  task = read_task_new (self, collection, 0, query, limit, cancellable, callback, user_data,
                        wh_store_search_async);
  wh_store_queue_task (self, task, search_thread);
}

GPtrArray *
wh_store_search_finish (WhStore      *self,
                        GAsyncResult *result,
                        GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_search_async, error);
}

/* ---- query and query_nearest ------------------------------------------- */

typedef struct
{
  const WhCollection *collection;
  WhQuery            *query;
  double              lat;
  double              lon;
  guint               offset;
  guint               limit;
} QueryArgs;

static void
query_args_free (gpointer data)
{
  QueryArgs *args = data;

  g_clear_pointer (&args->query, wh_query_free);
  g_free (args);
}

static void
query_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  QueryArgs *args = data;
  GError *error = NULL;
  GPtrArray *rows;

  if (args->query != NULL)
    rows = wh_store_query (source, args->query, args->offset, args->limit, &error);
  else
    rows = wh_store_query_nearest (source, args->collection, args->lat, args->lon, args->limit,
                                   &error);
  return_pointer (task, rows, (GDestroyNotify) g_ptr_array_unref, error);
}

void
wh_store_query_async (WhStore            *self,
                      const WhQuery      *query,
                      guint               offset,
                      guint               limit,
                      GCancellable       *cancellable,
                      GAsyncReadyCallback callback,
                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  QueryArgs *args;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_store_query_async);
  args = g_new0 (QueryArgs, 1);
  /* A copy: the caller may change or free its query at once. */
  args->query = wh_query_copy (query);
  args->offset = offset;
  args->limit = limit;
  g_task_set_task_data (task, args, query_args_free);
  wh_store_queue_task (self, task, query_thread);
}

GPtrArray *
wh_store_query_finish (WhStore      *self,
                       GAsyncResult *result,
                       GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_query_async, error);
}

void
wh_store_query_nearest_async (WhStore            *self,
                              const WhCollection *collection,
                              double              lat,
                              double              lon,
                              guint               n,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  QueryArgs *args;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (collection != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_store_query_nearest_async);
  args = g_new0 (QueryArgs, 1);
  args->collection = collection;
  args->lat = lat;
  args->lon = lon;
  args->limit = n;
  g_task_set_task_data (task, args, query_args_free);
  wh_store_queue_task (self, task, query_thread);
}

GPtrArray *
wh_store_query_nearest_finish (WhStore      *self,
                               GAsyncResult *result,
                               GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_query_nearest_async, error);
}

/* ---- The signed-in worker and the pending claim of a day ------------------ */

static void
get_me_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  WhRecord *me = wh_store_get_me (source, &error);

  return_pointer (task, me, (GDestroyNotify) wh_record_free, error);
}

void
wh_store_get_me_async (WhStore            *self,
                       GCancellable       *cancellable,
                       GAsyncReadyCallback callback,
                       gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));

  task = read_task_new (self, NULL, 0, NULL, 0, cancellable, callback, user_data,
                        wh_store_get_me_async);
  wh_store_queue_task (self, task, get_me_thread);
}

WhRecord *
wh_store_get_me_finish (WhStore      *self,
                        GAsyncResult *result,
                        GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_get_me_async, error);
}

static void
get_pending_claim_thread (GTask        *task,
                          gpointer      source,
                          gpointer      data,
                          GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  gint64 merchant_id = wh_store_get_pending_claim (source, args->text, &error);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_int (task, merchant_id);
}

void
wh_store_get_pending_claim_async (WhStore            *self,
                                  const char         *day,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));
  g_return_if_fail (day != NULL);

  task = read_task_new (self, NULL, 0, day, 0, cancellable, callback, user_data,
                        wh_store_get_pending_claim_async);
  wh_store_queue_task (self, task, get_pending_claim_thread);
}

gint64
wh_store_get_pending_claim_finish (WhStore      *self,
                                   GAsyncResult *result,
                                   GError      **error)
{
  g_return_val_if_fail (WH_IS_STORE (self), -1);
  g_return_val_if_fail (g_task_is_valid (result, self), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        wh_store_get_pending_claim_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}

/* ---- The lists without arguments ----------------------------------------- */

/* One list read per source tag: the tag is the _async function itself. */
static GPtrArray *
run_list (WhStore  *self,
          gpointer  tag,
          gint64    id,
          GError  **error);

static void
list_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  ReadArgs *args = data;
  GError *error = NULL;
  GPtrArray *list = run_list (source, g_task_get_source_tag (task), args->id, &error);

  return_pointer (task, list, (GDestroyNotify) g_ptr_array_unref, error);
}

#define LIST_ASYNC(name)                                                                  \
  void                                                                                    \
  wh_store_##name##_async (WhStore            *self,                                      \
                           GCancellable       *cancellable,                               \
                           GAsyncReadyCallback callback,                                  \
                           gpointer            user_data)                                 \
  {                                                                                       \
    g_autoptr(GTask) task = NULL;                                                         \
                                                                                          \
    g_return_if_fail (WH_IS_STORE (self));                                                \
    task = read_task_new (self, NULL, 0, NULL, 0, cancellable, callback, user_data,       \
                          wh_store_##name##_async);                                       \
    wh_store_queue_task (self, task, list_thread);                                        \
  }                                                                                       \
                                                                                          \
  GPtrArray *                                                                             \
  wh_store_##name##_finish (WhStore      *self,                                           \
                            GAsyncResult *result,                                         \
                            GError      **error)                                          \
  {                                                                                       \
    return wh_store_task_finish_pointer (self, result, wh_store_##name##_async, error);   \
  }

LIST_ASYNC (list_regions)
LIST_ASYNC (list_bookmarks)
LIST_ASYNC (list_vouchers)
LIST_ASYNC (list_city_centres)

void
wh_store_list_districts_async (WhStore            *self,
                               gint64              city_adcode,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));

  task = read_task_new (self, NULL, city_adcode, NULL, 0, cancellable, callback, user_data,
                        wh_store_list_districts_async);
  wh_store_queue_task (self, task, list_thread);
}

GPtrArray *
wh_store_list_districts_finish (WhStore      *self,
                                GAsyncResult *result,
                                GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_list_districts_async, error);
}

void
wh_store_list_questions_async (WhStore            *self,
                               gint64              course_id,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));

  task = read_task_new (self, NULL, course_id, NULL, 0, cancellable, callback, user_data,
                        wh_store_list_questions_async);
  wh_store_queue_task (self, task, list_thread);
}

GPtrArray *
wh_store_list_questions_finish (WhStore      *self,
                                GAsyncResult *result,
                                GError      **error)
{
  return wh_store_task_finish_pointer (self, result, wh_store_list_questions_async, error);
}

static GPtrArray *
run_list (WhStore  *self,
          gpointer  tag,
          gint64    id,
          GError  **error)
{
  if (tag == wh_store_list_regions_async)
    return wh_store_list_regions (self, error);
  if (tag == wh_store_list_bookmarks_async)
    return wh_store_list_bookmarks (self, error);
  if (tag == wh_store_list_vouchers_async)
    return wh_store_list_vouchers (self, error);
  if (tag == wh_store_list_city_centres_async)
    return wh_store_list_city_centres (self, error);
  if (tag == wh_store_list_districts_async)
    return wh_store_list_districts (self, id, error);
  if (tag == wh_store_list_questions_async)
    return wh_store_list_questions (self, id, error);
  g_assert_not_reached ();
}

/* ---- What the synced collections hold, in one read ----------------------- */

typedef struct
{
  gboolean empty;
  gint64   synced_at;
} SyncSummary;

static void
sync_summary_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);
  SyncSummary *summary = g_new0 (SyncSummary, 1);

  summary->empty = TRUE;
  for (guint i = 0; i < n; i++)
    {
      WhSyncState state = { 0 };

      /* A collection that cannot be read counts as empty, never synced. */
      if (summary->empty && wh_store_count (source, collections[i], NULL) > 0)
        summary->empty = FALSE;
      if (wh_store_get_sync_state (source, collections[i], NULL, &state, NULL))
        summary->synced_at = MAX (summary->synced_at, state.synced_at);
      wh_sync_state_clear (&state);
    }
  g_task_return_pointer (task, summary, g_free);
}

void
wh_store_get_sync_summary_async (WhStore            *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (self));

  task = read_task_new (self, NULL, 0, NULL, 0, cancellable, callback, user_data,
                        wh_store_get_sync_summary_async);
  wh_store_queue_task (self, task, sync_summary_thread);
}

gboolean
wh_store_get_sync_summary_finish (WhStore      *self,
                                  GAsyncResult *result,
                                  gboolean     *empty,
                                  gint64       *synced_at,
                                  GError      **error)
{
  g_autofree SyncSummary *summary = wh_store_task_finish_pointer (self, result,
                                                    wh_store_get_sync_summary_async, error);

  if (summary == NULL)
    return FALSE;
  if (empty != NULL)
    *empty = summary->empty;
  if (synced_at != NULL)
    *synced_at = summary->synced_at;
  return TRUE;
}
