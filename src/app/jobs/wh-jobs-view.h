/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-jobs-view.h: the job-help service (implements WhServicePage).
 *
 * Find Jobs (search, filters kept in the job-filters setting, a lazy list
 * of the whole cached region), My Jobs (bookmarked and applied) and Job
 * Fairs, each opening its record beside the list, or over it when narrow.
 * The view keeps the list, the search and the navigation; its parts are
 * widgets of their own: WhJobFilterPopover, WhMyJobsPage, WhJobFairsPage,
 * and the records WhJobPage and WhJobFairPage. */
#pragma once

#include <gtk/gtk.h>

#include "wh-job-filters.h"

G_BEGIN_DECLS

#define WH_TYPE_JOBS_VIEW (wh_jobs_view_get_type ())
G_DECLARE_FINAL_TYPE (WhJobsView, wh_jobs_view, WH, JOBS_VIEW, GtkWidget)

const WhJobFilters *wh_jobs_view_get_filters (WhJobsView         *self);
/* Applies and saves filters, as if chosen in the filter popover. The list
 * changes without blocking: "busy" is TRUE until its first rows are in. */
void                wh_jobs_view_set_filters (WhJobsView         *self,
                                              const WhJobFilters *filters);
gboolean            wh_jobs_view_get_busy    (WhJobsView         *self);
/* The list of found jobs (for tests and benchmarks); its model changes
 * with each change of filters. */
GtkListView        *wh_jobs_view_get_list    (WhJobsView         *self);
/* Opens a cached job's page once it is read on the store's queue (nothing
 * opens when it is not cached); FALSE when there is no store to read. */
gboolean            wh_jobs_view_show_job    (WhJobsView         *self,
                                              gint64              id);

G_END_DECLS
