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

/* NULL if the name is unknown. */
const WhScale *wh_scale_lookup (const char *name);

/* Called now and then with what is being generated and how far it got. */
typedef void (*WhGenerateProgress) (const char *collection,
                                    guint64     done,
                                    guint64     total,
                                    gpointer    user_data);

/* Fills an empty server database (wh_server_db_open) with the scale's data.
 * The same seed gives the same database, byte for byte in every record. */
gboolean wh_generate (sqlite3            *db,
                      const WhScale      *scale,
                      guint64             seed,
                      WhGenerateProgress  progress,
                      gpointer            user_data,
                      GError            **error);

G_END_DECLS
