/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-job-fairs-page.h: Job Fairs, the fairs still to come (soonest first)
 * in a lazy list, narrowed to one city.
 *
 * Signal: ::fair-activated (WhRecordObject *fair) when a fair is chosen. */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_JOB_FAIRS_PAGE (wh_job_fairs_page_get_type ())
G_DECLARE_FINAL_TYPE (WhJobFairsPage, wh_job_fairs_page, WH, JOB_FAIRS_PAGE, GtkWidget)

void wh_job_fairs_page_set_store   (WhJobFairsPage *self,
                                    WhStore        *store);
/* The cities offered (WhRegion*, as wh_store_list_regions gives them). */
void wh_job_fairs_page_set_regions (WhJobFairsPage *self,
                                    GPtrArray      *regions);

G_END_DECLS
