/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-my-jobs-page.h: My Jobs, the jobs a worker bookmarked (and marked
 * Applied), each with a button to remove it; a job no longer listed says so.
 * Read on the store's queue (wh_jobs_list_mine_async) and again when the
 * bookmarks or the jobs change.
 *
 * Signals: ::job-activated (gint64 id) when a listed job is chosen;
 * ::message (const char *text) for a toast (a failed removal). */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_MY_JOBS_PAGE (wh_my_jobs_page_get_type ())
G_DECLARE_FINAL_TYPE (WhMyJobsPage, wh_my_jobs_page, WH, MY_JOBS_PAGE, GtkWidget)

void wh_my_jobs_page_set_store (WhMyJobsPage *self,
                                WhStore      *store);
/* Reads the list again. */
void wh_my_jobs_page_refresh   (WhMyJobsPage *self);
/* The row of job_id, or NULL: where the focus goes back to after the job
 * opened from it, when the list was made anew meanwhile. */
GtkWidget *wh_my_jobs_page_get_row (WhMyJobsPage *self,
                                    gint64        job_id);

G_END_DECLS
