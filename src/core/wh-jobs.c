/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-jobs.c: the worker's job marks, My Jobs, a job's page, a fair's
 * employers and the filters' choices. The reads run on the store's ordered
 * queue (wh_store_queue_task), so a view never reads on the main thread. */
#define G_LOG_DOMAIN "wh-jobs"

#include "config.h"

#include "wh-jobs.h"
#include "wh-store-private.h"
#include "wh-sync.h"

/* Enough trades for a drop-down; a longer list is junk. */
#define MAX_CATEGORIES 200

static GTask *
queue_task_new (WhStore            *store,
                GCancellable       *cancellable,
                GAsyncReadyCallback callback,
                gpointer            user_data,
                gpointer            source_tag)
{
  GTask *task = g_task_new (store, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  return task;
}

/* ---- Bookmark and Applied ------------------------------------------------- */

gboolean
wh_jobs_save_marks (WhStore  *store,
                    gint64    job_id,
                    gboolean  bookmarked,
                    gboolean  applied,
                    GError  **error)
{
  g_autoptr(WhRecord) mark = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *when = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (job_id > 0, FALSE);

  if (!bookmarked)
    return wh_sync_remove_bookmark (store, job_id, error);
  mark = wh_record_new (&wh_collection_bookmarks);
  now = g_date_time_new_now_local ();
  when = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");
  wh_record_set_int (mark, "job_id", job_id);
  wh_record_set_bool (mark, "applied", applied);
  wh_record_set_text (mark, "updated_at", when);
  return wh_sync_save_bookmark (store, mark, error);
}

gboolean
wh_jobs_get_marks (WhStore  *store,
                   gint64    job_id,
                   gboolean *bookmarked,
                   gboolean *applied,
                   GError  **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(WhRecord) mark = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);

  mark = wh_store_get_bookmark (store, job_id, &local);
  if (bookmarked)
    *bookmarked = mark != NULL;
  if (applied)
    *applied = mark != NULL && wh_record_get_bool (mark, "applied");
  if (mark == NULL && !g_error_matches (local, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  return TRUE;
}

static void
get_marks_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  gint64 *job_id = data;
  GError *error = NULL;
  gboolean bookmarked = FALSE, applied = FALSE;

  if (!wh_jobs_get_marks (source, *job_id, &bookmarked, &applied, &error))
    g_task_return_error (task, error);
  else
    /* Two flags in one int: bit 0 bookmarked, bit 1 applied. */
    g_task_return_int (task, (bookmarked ? 1 : 0) | (applied ? 2 : 0));
}

void
wh_jobs_get_marks_async (WhStore            *store,
                         gint64              job_id,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));

  task = queue_task_new (store, cancellable, callback, user_data, wh_jobs_get_marks_async);
  g_task_set_task_data (task, g_memdup2 (&job_id, sizeof job_id), g_free);
  wh_store_queue_task (store, task, get_marks_thread);
}

gboolean
wh_jobs_get_marks_finish (WhStore      *store,
                          GAsyncResult *result,
                          gboolean     *bookmarked,
                          gboolean     *applied,
                          GError      **error)
{
  gssize flags;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_jobs_get_marks_async, FALSE);

  flags = g_task_propagate_int (G_TASK (result), error);
  if (bookmarked)
    *bookmarked = flags > 0 && (flags & 1);
  if (applied)
    *applied = flags > 0 && (flags & 2);
  return flags >= 0;
}

/* ---- My Jobs ---------------------------------------------------------------- */

void
wh_my_job_free (WhMyJob *mine)
{
  if (mine == NULL)
    return;
  g_clear_pointer (&mine->mark, wh_record_free);
  g_clear_pointer (&mine->job, wh_record_free);
  g_free (mine);
}

GPtrArray *
wh_jobs_list_mine (WhStore *store,
                   GError **error)
{
  g_autoptr(GPtrArray) marks = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) jobs = NULL;
  GPtrArray *mine;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  marks = wh_store_list_bookmarks (store, error);
  if (marks == NULL)
    return NULL;
  for (guint i = 0; i < marks->len; i++)
    g_array_append_val (ids, ((WhRecord *) marks->pdata[i])->id);
  /* A job the cache no longer holds is not an error: the row says so. */
  jobs = wh_store_get_records (store, &wh_collection_jobs, (gint64 *) (gpointer) ids->data,
                               ids->len, NULL);
  mine = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_my_job_free);
  for (guint i = 0; i < marks->len; i++)
    {
      WhMyJob *m = g_new0 (WhMyJob, 1);

      m->mark = wh_record_copy (marks->pdata[i]);
      for (guint j = 0; jobs && j < jobs->len && m->job == NULL; j++)
        if (((WhRecord *) jobs->pdata[j])->id == m->mark->id)
          m->job = wh_record_copy (jobs->pdata[j]);
      g_ptr_array_add (mine, m);
    }
  return mine;
}

static void
list_mine_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  GError *error = NULL;
  GPtrArray *mine = wh_jobs_list_mine (source, &error);

  if (mine == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, mine, (GDestroyNotify) g_ptr_array_unref);
}

void
wh_jobs_list_mine_async (WhStore            *store,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));

  task = queue_task_new (store, cancellable, callback, user_data, wh_jobs_list_mine_async);
  wh_store_queue_task (store, task, list_mine_thread);
}

GPtrArray *
wh_jobs_list_mine_finish (WhStore      *store,
                          GAsyncResult *result,
                          GError      **error)
{
  return wh_store_task_finish_pointer (store, result, wh_jobs_list_mine_async, error);
}

/* ---- A job's page -------------------------------------------------------------- */

void
wh_job_details_free (WhJobDetails *details)
{
  if (details == NULL)
    return;
  g_clear_pointer (&details->employer, wh_record_free);
  g_clear_pointer (&details->others, g_ptr_array_unref);
  g_free (details);
}

WhJobDetails *
wh_jobs_get_details (WhStore        *store,
                     const WhRecord *job,
                     guint           n_others)
{
  g_autoptr(GError) error = NULL;
  WhJobDetails *details = g_new0 (WhJobDetails, 1);
  gint64 employer_id;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (job != NULL && job->collection == &wh_collection_jobs, NULL);

  employer_id = wh_record_get_int (job, "employer_id");
  /* What the cache knows of the employer besides the name (it may not
   * hold the employer at all: then the name on the job is all there is). */
  details->employer = wh_store_get_record (store, &wh_collection_employers, employer_id, NULL);
  details->others = wh_store_list_employer_jobs (store, employer_id, job->id, n_others, &error);
  if (details->others == NULL)
    g_debug ("Other jobs of employer: %s", error->message);
  if (!wh_jobs_get_marks (store, job->id, &details->bookmarked, &details->applied, NULL))
    details->bookmarked = details->applied = FALSE;
  return details;
}

typedef struct
{
  WhRecord *job;
  guint     n;
} DetailsArgs;

static void
details_args_free (gpointer data)
{
  DetailsArgs *args = data;

  wh_record_free (args->job);
  g_free (args);
}

static void
get_details_thread (GTask        *task,
                    gpointer      source,
                    gpointer      data,
                    GCancellable *cancellable)
{
  DetailsArgs *args = data;

  g_task_return_pointer (task, wh_jobs_get_details (source, args->job, args->n),
                         (GDestroyNotify) wh_job_details_free);
}

void
wh_jobs_get_details_async (WhStore            *store,
                           const WhRecord     *job,
                           guint               n_others,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  DetailsArgs *args;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (job != NULL && job->collection == &wh_collection_jobs);

  task = queue_task_new (store, cancellable, callback, user_data, wh_jobs_get_details_async);
  args = g_new0 (DetailsArgs, 1);
  args->job = wh_record_copy (job);
  args->n = n_others;
  g_task_set_task_data (task, args, details_args_free);
  wh_store_queue_task (store, task, get_details_thread);
}

WhJobDetails *
wh_jobs_get_details_finish (WhStore      *store,
                            GAsyncResult *result,
                            GError      **error)
{
  return wh_store_task_finish_pointer (store, result, wh_jobs_get_details_async, error);
}

/* ---- Job fairs ------------------------------------------------------------------ */

char *
wh_jobs_fair_when (const WhRecord *fair)
{
  const char *start, *end;

  g_return_val_if_fail (fair != NULL && fair->collection == &wh_collection_fairs, NULL);

  start = wh_record_is_set (fair, "start_time") ? wh_record_get_text (fair, "start_time") : NULL;
  end = wh_record_is_set (fair, "end_time") ? wh_record_get_text (fair, "end_time") : NULL;
  if (start && end)
    return g_strdup_printf ("%s %s–%s", wh_record_get_text (fair, "date"), start, end);
  if (start)
    return g_strdup_printf ("%s %s", wh_record_get_text (fair, "date"), start);
  return g_strdup (wh_record_get_text (fair, "date"));
}

GStrv
wh_jobs_get_fair_employers (WhStore        *store,
                            const WhRecord *fair,
                            GError        **error)
{
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GPtrArray) employers = NULL;
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (fair != NULL && fair->collection == &wh_collection_fairs, NULL);

  ids = wh_record_dup_intv (fair, "employer_ids");
  if (ids != NULL && ids->len > 0)
    {
      employers = wh_store_get_records (store, &wh_collection_employers,
                                        (gint64 *) (gpointer) ids->data, ids->len, error);
      if (employers == NULL)
        return NULL;
    }
  for (guint i = 0; employers && i < employers->len; i++)
    g_strv_builder_add (names, wh_record_get_text (employers->pdata[i], "name"));
  return g_strv_builder_end (names);
}

static void
fair_employers_thread (GTask        *task,
                       gpointer      source,
                       gpointer      data,
                       GCancellable *cancellable)
{
  GError *error = NULL;
  GStrv names = wh_jobs_get_fair_employers (source, data, &error);

  if (names == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, names, (GDestroyNotify) g_strfreev);
}

void
wh_jobs_get_fair_employers_async (WhStore            *store,
                                  const WhRecord     *fair,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (fair != NULL && fair->collection == &wh_collection_fairs);

  task = queue_task_new (store, cancellable, callback, user_data,
                         wh_jobs_get_fair_employers_async);
  g_task_set_task_data (task, wh_record_copy (fair), (GDestroyNotify) wh_record_free);
  wh_store_queue_task (store, task, fair_employers_thread);
}

GStrv
wh_jobs_get_fair_employers_finish (WhStore      *store,
                                   GAsyncResult *result,
                                   GError      **error)
{
  return wh_store_task_finish_pointer (store, result, wh_jobs_get_fair_employers_async, error);
}

/* ---- The filters' choices ------------------------------------------------------- */

void
wh_job_choices_free (WhJobChoices *choices)
{
  if (choices == NULL)
    return;
  g_clear_pointer (&choices->regions, g_ptr_array_unref);
  g_clear_pointer (&choices->categories, g_ptr_array_unref);
  g_free (choices);
}

WhJobChoices *
wh_jobs_load_choices (WhStore *store)
{
  g_autoptr(WhQuery) query = wh_query_new (&wh_collection_categories);
  WhJobChoices *c = g_new0 (WhJobChoices, 1);

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  /* A GROUP BY over every station: too slow for the main thread. */
  c->regions = wh_store_list_regions (store, NULL);
  wh_query_set_order (query, "name", FALSE);
  c->categories = wh_store_query (store, query, 0, MAX_CATEGORIES, NULL);
  return c;
}

static void
load_choices_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  g_task_return_pointer (task, wh_jobs_load_choices (source),
                         (GDestroyNotify) wh_job_choices_free);
}

void
wh_jobs_load_choices_async (WhStore            *store,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));

  task = queue_task_new (store, cancellable, callback, user_data, wh_jobs_load_choices_async);
  wh_store_queue_task (store, task, load_choices_thread);
}

WhJobChoices *
wh_jobs_load_choices_finish (WhStore      *store,
                             GAsyncResult *result,
                             GError      **error)
{
  return wh_store_task_finish_pointer (store, result, wh_jobs_load_choices_async, error);
}
