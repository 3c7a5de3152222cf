/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-async.c: the _async/_finish forms of the reads views make. Each
 * runs the synchronous read on the store's ordered queue (one thread, tasks
 * in the order queued: see wh_store_queue_task) and returns on the caller's
 * thread-default context, as GTask does. */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include "wh-store-private.h"

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

static gpointer
finish_pointer (WhStore      *self,
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
  return finish_pointer (self, result, wh_store_get_record_async, error);
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
  return finish_pointer (self, result, wh_store_list_values_async, error);
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
  return finish_pointer (self, result, wh_store_search_async, error);
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
    return finish_pointer (self, result, wh_store_##name##_async, error);                 \
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
  return finish_pointer (self, result, wh_store_list_districts_async, error);
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
  g_assert_not_reached ();
}
