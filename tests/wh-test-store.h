/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-store.h: records and stores the store, search and list tests share. */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* A fresh store in a new private directory; *dir is set to that directory. */
WhStore  *wh_test_store_new        (char       **dir);
/* A valid live job; description may be NULL. */
WhRecord *wh_test_make_job         (gint64       id,
                                    gint64       rev,
                                    const char  *title,
                                    const char  *description);
WhRecord *wh_test_make_station     (gint64       id,
                                    gint64       rev,
                                    const char  *name,
                                    double       lat,
                                    double       lon);
WhRecord *wh_test_make_tombstone   (const WhCollection *collection,
                                    gint64       id,
                                    gint64       rev);
/* Applies records (taking them) as one page ending at next_since. */
void      wh_test_apply            (WhStore     *store,
                                    const WhCollection *collection,
                                    const char  *region,
                                    gint64       next_since,
                                    WhRecord    *first,
                                    ...) G_GNUC_NULL_TERMINATED;
/* The collection's rows split over its own table and n_regions region
 * tables (by id), for the reads that must give the same either way. */
void      wh_test_split_regions    (WhStore     *store,
                                    const WhCollection *collection,
                                    guint        n_regions);

G_END_DECLS
