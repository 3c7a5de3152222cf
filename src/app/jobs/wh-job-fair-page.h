/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-job-fair-page.h: one job fair: when and where, what it is about, the
 * employers attending (read on the store's queue) and, except on a kiosk,
 * Add to Calendar (an .ics file, wh-fair-ics.h).
 *
 * Signal: ::message (const char *text) for a toast (saved, a failed save). */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_JOB_FAIR_PAGE (wh_job_fair_page_get_type ())
G_DECLARE_FINAL_TYPE (WhJobFairPage, wh_job_fair_page, WH, JOB_FAIR_PAGE, GtkWidget)

/* Shows fair (copied); no export when kiosk. */
void wh_job_fair_page_show  (WhJobFairPage  *self,
                             WhStore        *store,
                             const WhRecord *fair,
                             gboolean        kiosk);
/* Forgets the fair shown (the kiosk's reset). */
void wh_job_fair_page_clear (WhJobFairPage  *self);

G_END_DECLS
