/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-snapshot.c: the region snapshot's tables (wh-snapshot.h). */
#define G_LOG_DOMAIN "wh-snapshot"

#include "config.h"

#include "wh-record.h"
#include "wh-snapshot.h"

const char *
wh_snapshot_meta_sql (void)
{
  return "CREATE TABLE " WH_SNAPSHOT_META_TABLE " (format INTEGER NOT NULL,"
         " collection TEXT NOT NULL, region INTEGER NOT NULL, rev INTEGER NOT NULL,"
         " row_count INTEGER NOT NULL, day TEXT NOT NULL)";
}

char *
wh_snapshot_table_sql (const WhCollection *collection)
{
  g_autofree char *columns = wh_collection_sql_column_defs (collection);

  g_return_val_if_fail (collection != NULL, NULL);

  return g_strdup_printf ("CREATE TABLE %s (id INTEGER PRIMARY KEY, rev INTEGER NOT NULL, %s)",
                          collection->name, columns);
}
