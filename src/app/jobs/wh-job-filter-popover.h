/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-job-filter-popover.h: the controls of the job filters (place, trade,
 * pay, settlement, benefits, posted, order), under the Filters button.
 *
 * The view keeps the WhJobFilters: it shows them here with
 * wh_job_filter_popover_show and, on ::changed (a control changed by the
 * person), reads them back with wh_job_filter_popover_read. ::clear asks
 * for every filter to go. The districts of the chosen city are read on the
 * store's queue. */
#pragma once

#include <adwaita.h>

#include "wh-job-filters.h"
#include "wh-jobs.h"

G_BEGIN_DECLS

#define WH_TYPE_JOB_FILTER_POPOVER (wh_job_filter_popover_get_type ())
G_DECLARE_FINAL_TYPE (WhJobFilterPopover, wh_job_filter_popover, WH, JOB_FILTER_POPOVER, GtkPopover)

/* Where the districts come from; NULL: none offered. */
void        wh_job_filter_popover_set_store    (WhJobFilterPopover *self,
                                                WhStore            *store);
/* The cities and trades offered; the filters last shown stay shown. */
void        wh_job_filter_popover_set_choices  (WhJobFilterPopover *self,
                                                const WhJobChoices *choices);
/* Without an origin, sorting by distance is not offered (and a kiosk is
 * told whom to ask). Show the filters again afterwards. */
void        wh_job_filter_popover_set_origin   (WhJobFilterPopover *self,
                                                gboolean            has_origin,
                                                gboolean            kiosk);
/* Shows filters in the controls, without emitting ::changed. */
void        wh_job_filter_popover_show         (WhJobFilterPopover *self,
                                                const WhJobFilters *filters);
/* Reads the controls into filters. */
void        wh_job_filter_popover_read         (WhJobFilterPopover *self,
                                                WhJobFilters       *filters);
/* The order chosen, as the list's summary says it. */
const char *wh_job_filter_popover_get_sort_label (WhJobFilterPopover *self);

G_END_DECLS
