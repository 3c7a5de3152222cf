/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator.h: deterministic demo data in realistic Simplified Chinese. */
#pragma once

#include <sqlite3.h>

#include "wh-record.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;      /* "tiny", "city", "province", "national" */
  guint       stations;
  guint       employers;
  guint       jobs;
  guint       fairs;
  guint       courses;
  guint       lessons;   /* about; spread over the courses */
  guint       questions;
  guint       merchants;
} WhScale;

/* Every date in the generated records is relative to one base day: jobs
 * were posted in the 60 days before it, fairs fall in the 60 days after it,
 * and merchants' quota_day is this day (the server resets remaining_today
 * on a new day). It is today in China, so the demo's jobs are open and its
 * fairs ahead on whatever day it runs (a fixed day made every demo job
 * closed two months on), or the environment's WH_GENERATOR_BASE_DATE
 * (YYYY-MM-DD) where the bytes must not change from day to day. A seed and a
 * base day give the same bytes. "YYYY-MM-DD", the same for the process. */
const char *wh_generator_base_date (void);

/* NULL if the name is unknown. */
const WhScale *wh_scale_lookup (const char *name);

/* Called now and then with what is being generated and how far it got. */
typedef void (*WhGenerateProgress) (const char *collection,
                                    guint64     done,
                                    guint64     total,
                                    gpointer    user_data);

/* Fills an empty server database (wh_server_db_open) with the scale's data.
 * The same seed gives the same database, byte for byte in every record.
 * tiny and city are in 北京, province in 广东, national in 43 cities.
 * Revs run from 1 in collection order (categories, courses, lessons,
 * questions, employers, jobs, fairs, stations, merchants); meta "rev" ends at
 * the total. Uses worker threads; progress is called on the calling thread
 * every 10,000 records and at the end of each collection. */
gboolean wh_generate (sqlite3            *db,
                      const WhScale      *scale,
                      guint64             seed,
                      WhGenerateProgress  progress,
                      gpointer            user_data,
                      GError            **error);

G_END_DECLS
