/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-job-filters.h: what a worker has chosen to narrow the job list, as a
 * plain value that turns into a WhQuery and into the JSON kept in the
 * "job-filters" setting (so the choice survives a restart).
 *
 * No GTK here: the tests build queries from it without a display. */
#pragma once

#include <glib.h>

#include "wh-query.h"
#include "wh-record.h"

G_BEGIN_DECLS

typedef enum
{
  WH_JOB_SORT_NEWEST,
  WH_JOB_SORT_SALARY,
  WH_JOB_SORT_DISTANCE,
} WhJobSort;

typedef struct
{
  gint64     region;        /* adcode of a province, city or district; 0: anywhere */
  char      *category;      /* NULL: every trade */
  /* Pay: jobs whose range meets [pay_min, pay_max] in this period ("hour",
   * "day", "month"); without a period the numbers are not used. 0: open. */
  char      *pay_period;
  gint64     pay_min;
  gint64     pay_max;
  char      *settlement;    /* "daily", "weekly", "monthly"; NULL: any */
  GStrv      welfare;       /* every tag must be offered; NULL: none asked */
  guint      posted_within; /* days; 0: any time */
  gboolean   show_closed;   /* also the jobs past their expires_at */
  WhJobSort  sort;
} WhJobFilters;

WhJobFilters *wh_job_filters_new        (void);
WhJobFilters *wh_job_filters_copy       (const WhJobFilters *filters);
void          wh_job_filters_free       (WhJobFilters       *filters);
gboolean      wh_job_filters_equal      (const WhJobFilters *a,
                                         const WhJobFilters *b);
/* Whether anything narrows or widens the list (the sort does not count;
 * showing the closed jobs does). */
gboolean      wh_job_filters_is_default (const WhJobFilters *filters);
/* How many filters are set, for the filter button's badge. */
guint         wh_job_filters_count      (const WhJobFilters *filters);

/* Welfare tags: TRUE when the tag was not already asked for. */
gboolean      wh_job_filters_has_welfare (const WhJobFilters *filters,
                                          const char         *tag);
void          wh_job_filters_set_welfare (WhJobFilters       *filters,
                                          const char         *tag,
                                          gboolean            wanted);

/* The JSON of the setting. Parsing is strict about types and values and
 * fails (an error, no partial result) on anything it does not know how to
 * read: the caller then starts from the defaults. Unknown members are
 * ignored, so a newer release's value still reads. */
char         *wh_job_filters_to_json    (const WhJobFilters *filters);
WhJobFilters *wh_job_filters_from_json  (const char         *json,
                                         GError            **error);

/* A query over jobs with these filters, the text searched (NULL or empty:
 * none) and the sort. today is the day "posted within" counts back from,
 * and the last day a job is open: one whose expires_at is before it is
 * closed, left out unless show_closed.
 * Sorting by distance needs an origin: with has_origin FALSE the list is
 * sorted by newest instead. */
WhQuery      *wh_job_filters_to_query   (const WhJobFilters *filters,
                                         const char         *search,
                                         GDate              *today,
                                         gboolean            has_origin,
                                         double              lat,
                                         double              lon);

/* Whether a job is closed on today: its expires_at is before it. */
gboolean      wh_job_is_closed          (const WhRecord     *job,
                                         GDate              *today);
/* The settlement ("daily", "weekly", "monthly") a welfare tag of the data
 * says (日结, 周结, 月结), or NULL. The settlement field says it already:
 * such a tag is neither offered as a benefit nor shown twice. */
const char   *wh_job_settlement_tag     (const char         *tag);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhJobFilters, wh_job_filters_free)

G_END_DECLS
