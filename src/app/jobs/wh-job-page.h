/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-job-page.h: one job, every field a worker needs to decide and to get
 * in touch, the employer's other postings, and the Bookmark and Applied
 * marks (saved in the cache and sent through the outbox).
 *
 * Signals: ::job-activated (gint64 id) when another posting is chosen;
 * ::message (const char *text) for a toast ("copied", a failed save). */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_JOB_PAGE (wh_job_page_get_type ())
G_DECLARE_FINAL_TYPE (WhJobPage, wh_job_page, WH, JOB_PAGE, GtkWidget)

/* Shows job (copied); distances from (lat, lon) when has_origin. */
void    wh_job_page_show       (WhJobPage      *self,
                                WhStore        *store,
                                const WhRecord *job,
                                gboolean        has_origin,
                                double          lat,
                                double          lon);
/* Forgets the job shown (the kiosk's reset). */
void    wh_job_page_clear      (WhJobPage      *self);
/* A read-only "title: value" row, hidden when value is NULL or empty. */
GtkWidget *wh_job_page_new_fact_row (const char *title,
                                     const char *value);
/* 0 when none. */
gint64  wh_job_page_get_job_id (WhJobPage      *self);
/* No text selected: the title and description are selectable, to copy
 * from, and a label that takes the focus selects all of itself. */
void    wh_job_page_unselect   (WhJobPage      *self);

G_END_DECLS
