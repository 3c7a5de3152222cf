/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sqlite3.h>

#include "wh-store-private.h"
#include "wh-test-store.h"
#include "wh-test.h"

WhStore *
wh_test_store_new (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (tmp, "cache", "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  if (dir)
    *dir = g_steal_pointer (&tmp);
  return store;
}

WhRecord *
wh_test_make_job (gint64      id,
                  gint64      rev,
                  const char *title,
                  const char *description)
{
  WhRecord *r = wh_record_new (&wh_collection_jobs);

  r->id = id;
  r->rev = rev;
  wh_record_set_text (r, "title", title);
  wh_record_set_int (r, "employer_id", 1 + id % 50);
  wh_record_set_text (r, "employer_name", (id % 3) ? "城建集团" : "Acme Logistics");
  wh_record_set_text (r, "category", (id % 2) ? "trades" : "logistics");
  wh_record_set_int (r, "province_adcode", 110000);
  wh_record_set_int (r, "city_adcode", 110100);
  wh_record_set_int (r, "adcode", (id % 2) ? 110105 : 110108);
  wh_record_set_int (r, "salary_min", 3000 + (id % 10) * 500);
  wh_record_set_int (r, "salary_max", 9000);
  wh_record_set_text (r, "salary_period", "month");
  wh_record_set_text (r, "settlement", "monthly");
  wh_record_set_text (r, "posted_at", (id % 4) ? "2026-11-01" : "2026-10-15");
  if (description)
    wh_record_set_text (r, "description", description);
  return r;
}

WhRecord *
wh_test_make_station (gint64      id,
                      gint64      rev,
                      const char *name,
                      double      lat,
                      double      lon)
{
  WhRecord *r = wh_record_new (&wh_collection_stations);

  r->id = id;
  r->rev = rev;
  wh_record_set_text (r, "name", name);
  wh_record_set_text (r, "address", "北京市朝阳区望京街 8 号");
  wh_record_set_real (r, "lat", lat);
  wh_record_set_real (r, "lon", lon);
  wh_record_set_text (r, "status", "open");
  return r;
}

WhRecord *
wh_test_make_tombstone (const WhCollection *collection,
                        gint64              id,
                        gint64              rev)
{
  WhRecord *r = wh_record_new (collection);

  r->id = id;
  r->rev = rev;
  r->deleted = TRUE;
  return r;
}

void
wh_test_apply (WhStore            *store,
               const WhCollection *collection,
               const char         *region,
               gint64              next_since,
               WhRecord           *first,
               ...)
{
  g_autoptr(WhPage) page = wh_page_new (collection);
  g_autoptr(GError) error = NULL;
  va_list args;

  va_start (args, first);
  for (WhRecord *r = first; r; r = va_arg (args, WhRecord *))
    g_ptr_array_add (page->records, r);
  va_end (args);
  page->next_since = next_since;
  g_assert_true (wh_store_apply_page (store, page, region, &error));
  g_assert_no_error (error);
}

/* Moves the rows of collection whose id is k modulo (n_regions + 1) into
 * region table k ("90000k"), k from 1, through the tables' triggers; the
 * rest stay in the collection's own table. The same rows, split. */
void
wh_test_split_regions (WhStore            *store,
                       const WhCollection *collection,
                       guint               n_regions)
{
  g_autoptr(GError) error = NULL;
  const CollInfo *own = wh_store_lookup_info (store, collection, &error);
  sqlite3 *db;

  g_assert_no_error (error);
  for (guint k = 1; k <= n_regions; k++)
    {
      g_autofree char *region = g_strdup_printf ("%06u", 900000 + k);

      g_assert_true (wh_store_add_region_tables (store, collection, region, &error));
      g_assert_no_error (error);
    }
  db = wh_store_write_begin (store, &error);
  g_assert_no_error (error);
  for (guint k = 1; k <= n_regions; k++)
    {
      g_autofree char *region = g_strdup_printf ("%06u", 900000 + k);
      const CollInfo *info = wh_store_lookup_region_info (store, collection, region);
      g_autofree char *sql = g_strdup_printf ("INSERT INTO %s (%s) SELECT %s FROM %s"
                                              " WHERE id %% %u = %u;"
                                              " DELETE FROM %s WHERE id %% %u = %u;",
                                              info->table, own->columns, own->columns,
                                              own->table, n_regions + 1, k, own->table,
                                              n_regions + 1, k);

      g_assert_nonnull (info);
      g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
      /* Moved: the delete took as many rows as the insert put there. */
      g_assert_cmpint (sqlite3_changes (db), >, 0);
    }
  g_assert_true (wh_store_write_end (store, TRUE, &error));
  g_assert_no_error (error);
}
