/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-stations"

#include "config.h"

#include "wh-stations.h"
#include "wh-store-private.h"
#include "wh-outbox.h"

/* What was typed: at most this many best matches are filtered and sorted. */
#define SEARCH_HITS 200

/* ---- The list ----------------------------------------------------------- */

const char *
wh_stations_status_at (guint index)
{
  if (index == 0 || index > g_strv_length ((char **) wh_station_statuses))
    return NULL;
  return wh_station_statuses[index - 1];
}

static int
nearby_compare (gconstpointer a,
                gconstpointer b)
{
  const WhNearby *x = *(WhNearby * const *) a, *y = *(WhNearby * const *) b;

  return x->distance_m < y->distance_m ? -1 : x->distance_m > y->distance_m;
}

GPtrArray *
wh_stations_list (WhStore               *store,
                  const WhStationFilter *filter,
                  const char            *search,
                  double                 lat,
                  double                 lon,
                  guint                  limit,
                  gint64                *total,
                  GError               **error)
{
  GPtrArray *result;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  if (total)
    *total = -1;
  if (search == NULL || *search == '\0')
    result = wh_store_query_nearest_stations (store, filter, lat, lon, limit, error);
  else
    {
      /* What was typed, best matches first, then those that pass the
       * filters, nearest first. */
      g_autoptr(GPtrArray) found = wh_store_search (store, &wh_collection_stations, search,
                                                    SEARCH_HITS, error);

      result = NULL;
      if (found)
        {
          result = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_nearby_free);
          for (guint i = 0; i < found->len; i++)
            {
              WhRecord *record = found->pdata[i];
              WhNearby *item;

              if (!wh_station_matches (record, filter))
                continue;
              item = g_new0 (WhNearby, 1);
              item->record = wh_record_copy (record);
              item->distance_m = wh_geo_distance_m (lat, lon,
                                                    wh_record_get_real (record, "lat"),
                                                    wh_record_get_real (record, "lon"));
              g_ptr_array_add (result, item);
            }
          g_ptr_array_sort (result, nearby_compare);
          if (result->len > limit)
            g_ptr_array_set_size (result, limit);
        }
    }
  /* The empty state tells "nothing cached" from "nothing matches": count
   * here, off the main thread. */
  if (result != NULL && result->len == 0 && total)
    *total = wh_store_count (store, &wh_collection_stations, NULL);
  return result;
}

typedef struct
{
  WhStationFilter filter;
  char           *status;
  char           *search;
  double          lat, lon;
  guint           limit;
  gint64          total;
} ListJob;

static void
list_job_free (ListJob *job)
{
  g_free (job->status);
  g_free (job->search);
  g_free (job);
}

static void
list_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ListJob *job = task_data;
  GError *error = NULL;
  GPtrArray *result = wh_stations_list (source_object, &job->filter, job->search, job->lat,
                                        job->lon, job->limit, &job->total, &error);

  if (result == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, (GDestroyNotify) g_ptr_array_unref);
}

void
wh_stations_list_async (WhStore               *store,
                        const WhStationFilter *filter,
                        const char            *search,
                        double                 lat,
                        double                 lon,
                        guint                  limit,
                        GCancellable          *cancellable,
                        GAsyncReadyCallback    callback,
                        gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;
  ListJob *job;

  g_return_if_fail (WH_IS_STORE (store));

  job = g_new0 (ListJob, 1);
  job->filter = filter ? *filter : (WhStationFilter) WH_STATION_FILTER_INIT;
  job->status = g_strdup (job->filter.status);
  job->filter.status = job->status;
  job->search = search && *search ? g_strdup (search) : NULL;
  job->lat = lat;
  job->lon = lon;
  job->limit = limit;
  job->total = -1;
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_stations_list_async);
  g_task_set_task_data (task, job, (GDestroyNotify) list_job_free);
  wh_store_queue_task (store, task, list_thread);
}

GPtrArray *
wh_stations_list_finish (WhStore      *store,
                         GAsyncResult *result,
                         gint64       *total,
                         GError      **error)
{
  GPtrArray *items;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);
  g_return_val_if_fail (g_task_is_valid (result, store), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_stations_list_async, NULL);

  items = g_task_propagate_pointer (G_TASK (result), error);
  if (total)
    *total = items ? ((ListJob *) g_task_get_task_data (G_TASK (result)))->total : -1;
  return items;
}

/* ---- The saved stations' cities ----------------------------------------- */

gboolean
wh_stations_cities_extent (GPtrArray *cities,
                           double     box[4])
{
  g_return_val_if_fail (cities != NULL, FALSE);

  for (guint i = 0; i < cities->len; i++)
    {
      const WhCityCentre *city = cities->pdata[i];

      box[0] = i == 0 ? city->lat : MIN (box[0], city->lat);
      box[1] = i == 0 ? city->lon : MIN (box[1], city->lon);
      box[2] = i == 0 ? city->lat : MAX (box[2], city->lat);
      box[3] = i == 0 ? city->lon : MAX (box[3], city->lon);
    }
  return cities->len > 0;
}

/* ---- Reports ------------------------------------------------------------ */

WhRecord *
wh_station_report_new (gint64      station_id,
                       const char *problem,
                       const char *comment)
{
  g_autoptr(WhRecord) record = wh_record_new (&wh_collection_station_reports);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *id = g_uuid_string_random ();
  g_autofree char *stamp = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S%:z");

  g_return_val_if_fail (station_id > 0, NULL);
  g_return_val_if_fail (problem != NULL, NULL);

  wh_record_set_text (record, "report_id", id);
  wh_record_set_int (record, "station_id", station_id);
  wh_record_set_text (record, "problem", problem);
  if (comment && *comment)
    wh_record_set_text (record, "comment", comment);
  wh_record_set_text (record, "reported_at", stamp);
  return g_steal_pointer (&record);
}

gboolean
wh_station_report_queue (WhStore    *store,
                         gint64      station_id,
                         const char *problem,
                         const char *comment,
                         GError    **error)
{
  g_autoptr(WhRecord) record = NULL;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);

  record = wh_station_report_new (station_id, problem, comment);
  return wh_outbox_queue_record (store, record, error);
}

typedef struct
{
  gint64   station_id;
  char    *problem;
  char    *comment;
} SendJob;

static void
send_job_free (SendJob *job)
{
  g_free (job->problem);
  g_free (job->comment);
  g_free (job);
}

/* A write transaction with its fsync, and up to the store's busy timeout
 * while a sync holds the writer: not on the main thread, nor on the store's
 * read queue, which it would hold up as long. */
static void
send_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  SendJob *job = task_data;
  GError *error = NULL;

  if (wh_station_report_queue (source_object, job->station_id, job->problem, job->comment, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
wh_station_report_queue_async (WhStore            *store,
                               gint64              station_id,
                               const char         *problem,
                               const char         *comment,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  SendJob *job;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (station_id > 0);
  g_return_if_fail (problem != NULL);

  job = g_new0 (SendJob, 1);
  job->station_id = station_id;
  job->problem = g_strdup (problem);
  job->comment = g_strdup (comment);
  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_station_report_queue_async);
  g_task_set_task_data (task, job, (GDestroyNotify) send_job_free);
  g_task_run_in_thread (task, send_thread);
}

gboolean
wh_station_report_queue_finish (WhStore      *store,
                                GAsyncResult *result,
                                GError      **error)
{
  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_station_report_queue_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
