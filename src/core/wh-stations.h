/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-stations.h: the stations service without its widgets.
 *
 * What the stations view asks of the cache, as one call each: the list (the
 * nearest stations that pass the filters, or what was typed, best matches
 * that pass them, nearest first), the box of the saved stations' cities, and
 * a problem report queued through the outbox. The filter's rules themselves
 * (WhStationFilter, wh_station_matches) live with the store's queries that
 * say them in SQL (wh-store.h), so the tests can hold the two to each other.
 */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* ---- The list ----------------------------------------------------------- */

/* The status filter's choices in the order a list offers them: 0 is any
 * status (NULL), then wh_station_statuses in order; past the end, NULL. */
const char *wh_stations_status_at       (guint                  index);

/* With search NULL or empty: the limit nearest stations to lat, lon that
 * pass filter (NULL: all). Else up to 200 best matches of search that pass
 * filter, nearest first, cut to limit. WhNearby*. When none is found,
 * *total (may be NULL) is how many stations the cache holds, so a view can
 * tell "nothing cached" from "nothing matches"; else -1. */
GPtrArray  *wh_stations_list            (WhStore               *store,
                                         const WhStationFilter *filter,
                                         const char            *search,
                                         double                 lat,
                                         double                 lon,
                                         guint                  limit,
                                         gint64                *total,
                                         GError               **error);
/* The same on the store's ordered queue; filter is copied. */
void        wh_stations_list_async      (WhStore               *store,
                                         const WhStationFilter *filter,
                                         const char            *search,
                                         double                 lat,
                                         double                 lon,
                                         guint                  limit,
                                         GCancellable          *cancellable,
                                         GAsyncReadyCallback    callback,
                                         gpointer               user_data);
GPtrArray  *wh_stations_list_finish     (WhStore               *store,
                                         GAsyncResult          *result,
                                         gint64                *total,
                                         GError               **error);

/* ---- The saved stations' cities ----------------------------------------- */

/* The box (min lat, min lon, max lat, max lon) of the centres of cities
 * (WhCityCentre*, wh_store_list_city_centres); FALSE, box untouched, when
 * there is none. */
gboolean    wh_stations_cities_extent   (GPtrArray             *cities,
                                         double                 box[4]);

/* ---- Reports ------------------------------------------------------------ */

/* A station_reports record: a new report_id, reported_at now (local time).
 * problem: "no_hot_water", "closed", "broken_charger" or "other". */
WhRecord   *wh_station_report_new       (gint64                 station_id,
                                         const char            *problem,
                                         const char            *comment);
/* Builds the report and queues it through the outbox (a personal write: it
 * reaches the server with the next sync that has a token, so it is never
 * lost offline). */
gboolean    wh_station_report_queue     (WhStore               *store,
                                         gint64                 station_id,
                                         const char            *problem,
                                         const char            *comment,
                                         GError               **error);
/* The same in a worker thread: a write transaction with its fsync, and up to
 * the store's busy timeout while a sync holds the writer. */
void        wh_station_report_queue_async  (WhStore            *store,
                                            gint64              station_id,
                                            const char         *problem,
                                            const char         *comment,
                                            GCancellable       *cancellable,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean    wh_station_report_queue_finish (WhStore            *store,
                                            GAsyncResult       *result,
                                            GError            **error);

G_END_DECLS
