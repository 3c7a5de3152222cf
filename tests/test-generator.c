/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo data generator: deterministic, valid against the schema, and
 * internally consistent (adcodes, places, references between collections). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator-data.h"
#include "wh-generator.h"
#include "wh-server-db.h"
#include "wh-test.h"

static char *tmpdir;

static sqlite3 *
generate (const char *name,
          guint64     seed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (tmpdir, name, NULL);
  sqlite3 *db = wh_server_db_open (path, &error);

  g_assert_no_error (error);
  g_assert_true (wh_generate (db, wh_scale_lookup ("tiny"), seed, NULL, NULL, &error));
  g_assert_no_error (error);
  return db;
}

/* Every row of a collection as "id rev p c a body" lines, in id order. */
static char *
dump (sqlite3            *db,
      const WhCollection *collection)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT id, rev, province_adcode, city_adcode, adcode, body FROM %s ORDER BY id",
    collection->name);
  GString *out = g_string_new (NULL);
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      for (int c = 0; c < 5; c++)
        g_string_append_printf (out, "%s ", sqlite3_column_type (stmt, c) == SQLITE_NULL
                                              ? "-" : (const char *) sqlite3_column_text (stmt, c));
      g_string_append_printf (out, "%s\n", (const char *) sqlite3_column_text (stmt, 5));
    }
  sqlite3_finalize (stmt);
  return g_string_free (out, FALSE);
}

static void
test_deterministic (void)
{
  sqlite3 *a = generate ("det-a.db", 7);
  sqlite3 *b = generate ("det-b.db", 7);
  sqlite3 *c = generate ("det-c.db", 8);
  guint n, n_differ = 0;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *da = dump (a, collections[i]);
      g_autofree char *db = dump (b, collections[i]);
      g_autofree char *dc = dump (c, collections[i]);

      g_assert_cmpuint (strlen (da), >, 0);
      g_assert_cmpstr (da, ==, db);
      if (strcmp (da, dc) != 0)
        n_differ++;
    }
  /* categories are fixed; everything else depends on the seed */
  g_assert_cmpuint (n_differ, ==, n - 1);
  sqlite3_close (a);
  sqlite3_close (b);
  sqlite3_close (c);
}

/* ---- One generated database, checked collection by collection ---------- */

static sqlite3 *shared_db;

static GPtrArray *
load (const WhCollection *collection)
{
  g_autofree char *sql = g_strdup_printf (
    "SELECT id, rev, deleted, province_adcode, city_adcode, adcode, body FROM %s ORDER BY id",
    collection->name);
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  sqlite3_stmt *stmt;

  g_assert_cmpint (sqlite3_prepare_v2 (shared_db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      g_autoptr(GError) error = NULL;
      const char *body = (const char *) sqlite3_column_text (stmt, 6);
      WhRecord *record = wh_record_parse (collection, body, strlen (body), &error);
      const char * const region[] = { "province_adcode", "city_adcode", "adcode" };

      if (error)
        g_error ("%s: %s in %s", collection->name, error->message, body);
      g_assert_nonnull (record);
      g_assert_cmpint (record->id, ==, sqlite3_column_int64 (stmt, 0));
      g_assert_cmpint (record->rev, ==, sqlite3_column_int64 (stmt, 1));
      g_assert_cmpint (sqlite3_column_int (stmt, 2), ==, 0);
      g_assert_false (record->deleted);
      /* the region columns say what the body says */
      for (int c = 0; c < 3; c++)
        {
          gboolean in_body = wh_collection_has_field (collection, region[c]) &&
                             wh_record_is_set (record, region[c]);

          g_assert_cmpint (sqlite3_column_type (stmt, 3 + c) == SQLITE_NULL, ==, !in_body);
          if (in_body)
            g_assert_cmpint (sqlite3_column_int64 (stmt, 3 + c), ==,
                             wh_record_get_int (record, region[c]));
        }
      g_ptr_array_add (records, record);
    }
  sqlite3_finalize (stmt);
  return records;
}

static const WhGenCity *
city_by_adcode (gint64 adcode)
{
  for (guint i = 0; i < wh_gen_n_cities; i++)
    if (wh_gen_cities[i].city_adcode == adcode)
      return &wh_gen_cities[i];
  return NULL;
}

static void
check_place (const WhRecord *r)
{
  gint64 province = wh_record_get_int (r, "province_adcode");
  gint64 city = wh_record_get_int (r, "city_adcode");
  gint64 adcode = wh_record_get_int (r, "adcode");
  const WhGenCity *c = city_by_adcode (city);

  g_assert_nonnull (c);
  g_assert_cmpint (province % 10000, ==, 0);
  g_assert_cmpint (city / 10000, ==, province / 10000);
  g_assert_cmpint (adcode / 100, ==, city / 100);
  g_assert_cmpint (province, ==, c->province_adcode);
  g_assert_cmpstr (wh_record_get_text (r, "city"), ==, c->full_name);
  g_assert_true (g_str_has_prefix (wh_record_get_text (r, "address"), c->full_name));
  g_assert_true (g_str_has_prefix (wh_record_get_text (r, "address") + strlen (c->full_name),
                                   wh_record_get_text (r, "district")));
  g_assert_cmpfloat (fabs (wh_record_get_real (r, "lat") - c->lat), <, 0.6);
  g_assert_cmpfloat (fabs (wh_record_get_real (r, "lon") - c->lon), <, 0.6);
}

static void
test_counts_and_revs (void)
{
  const WhScale *scale = wh_scale_lookup ("tiny");
  guint n;
  const WhCollection * const *collections = wh_schema_synced_collections (&n);
  const guint expected[] = { wh_gen_n_trades, scale->courses, 0, scale->questions,
                             scale->employers, scale->jobs, scale->fairs, scale->stations,
                             scale->merchants };
  gint64 last_rev = 0;

  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GPtrArray) records = load (collections[i]);

      if (expected[i] > 0)
        g_assert_cmpuint (records->len, ==, expected[i]);
      else
        g_assert_cmpuint (records->len, >=, scale->lessons / 2);
      for (guint k = 0; k < records->len; k++)
        {
          const WhRecord *r = records->pdata[k];

          g_assert_cmpint (r->id, ==, k + 1);
          /* revs run on across collections in sync order, without gaps */
          g_assert_cmpint (r->rev, ==, last_rev + 1);
          last_rev = r->rev;
        }
    }
  g_assert_cmpint (wh_server_db_get_rev (shared_db), ==, last_rev);
}

static void
test_places (void)
{
  const WhCollection * const located[] = { &wh_collection_jobs, &wh_collection_stations,
                                           &wh_collection_merchants };

  for (guint i = 0; i < G_N_ELEMENTS (located); i++)
    {
      g_autoptr(GPtrArray) records = load (located[i]);

      for (guint k = 0; k < records->len; k++)
        check_place (records->pdata[k]);
    }
}

static void
test_courses (void)
{
  g_autoptr(GPtrArray) courses = load (&wh_collection_courses);
  g_autoptr(GPtrArray) lessons = load (&wh_collection_lessons);
  g_autoptr(GPtrArray) questions = load (&wh_collection_questions);
  g_autoptr(GPtrArray) categories = load (&wh_collection_categories);
  g_autofree guint *count = g_new0 (guint, courses->len + 1);
  g_autofree gint64 *minutes = g_new0 (gint64, courses->len + 1);

  for (guint k = 0; k < lessons->len; k++)
    {
      const WhRecord *l = lessons->pdata[k];
      gint64 course = wh_record_get_int (l, "course_id");
      const char *body = wh_record_get_text (l, "body_md");
      g_auto(GStrv) images = wh_record_dup_strv (l, "images");
      glong chars = g_utf8_strlen (body, -1);

      g_assert_cmpint (course, >=, 1);
      g_assert_cmpint (course, <=, courses->len);
      count[course]++;
      minutes[course] += wh_record_get_int (l, "duration_min");
      /* positions count up from 1 inside a course */
      g_assert_cmpint (wh_record_get_int (l, "position"), ==, count[course]);
      g_assert_true (g_str_has_prefix (body, "# "));
      g_assert_nonnull (strstr (body, "\n## "));
      g_assert_nonnull (strstr (body, "\n- **"));
      g_assert_nonnull (strstr (body, "\n1. "));
      g_assert_cmpint (chars, >=, 500);
      g_assert_cmpint (chars, <=, 2600);
      g_assert_cmpuint (g_strv_length (images), <=, 2);
      for (guint m = 0; images[m]; m++)
        {
          g_autofree char *ref = g_strdup_printf ("](%s)", images[m]);
          g_assert_nonnull (strstr (body, ref));
          g_assert_true (g_str_has_prefix (images[m], "lessons/"));
        }
    }
  for (guint k = 0; k < courses->len; k++)
    {
      const WhRecord *c = courses->pdata[k];
      gint64 category = wh_record_get_int (c, "category_id");

      g_assert_cmpint (wh_record_get_int (c, "lesson_count"), ==, count[c->id]);
      g_assert_cmpint (wh_record_get_int (c, "duration_min"), ==, minutes[c->id]);
      g_assert_cmpint (category, >=, 1);
      g_assert_cmpint (category, <=, categories->len);
      g_assert_cmpstr (wh_record_get_text (c, "trade"), ==,
                       wh_record_get_text (categories->pdata[category - 1], "trade"));
    }
  for (guint k = 0; k < questions->len; k++)
    {
      const WhRecord *q = questions->pdata[k];
      g_auto(GStrv) options = wh_record_dup_strv (q, "options");
      g_autoptr(GArray) answer = wh_record_dup_intv (q, "answer");
      guint n_options = g_strv_length (options);

      g_assert_cmpuint (n_options, >=, 3);
      g_assert_cmpuint (n_options, <=, 5);
      g_assert_cmpuint (answer->len, >=, 1);
      g_assert_cmpuint (answer->len, <, n_options);
      if (strcmp (wh_record_get_text (q, "kind"), "single") == 0)
        g_assert_cmpuint (answer->len, ==, 1);
      else
        g_assert_cmpuint (answer->len, >=, 2);
      for (guint m = 0; m < answer->len; m++)
        {
          g_assert_cmpint (g_array_index (answer, gint64, m), <, n_options);
          if (m > 0)
            g_assert_cmpint (g_array_index (answer, gint64, m), >,
                             g_array_index (answer, gint64, m - 1));
        }
      for (guint m = 0; m < n_options; m++)
        for (guint o = m + 1; o < n_options; o++)
          g_assert_cmpstr (options[m], !=, options[o]);
    }
}

static void
test_jobs_and_fairs (void)
{
  g_autoptr(GPtrArray) employers = load (&wh_collection_employers);
  g_autoptr(GPtrArray) jobs = load (&wh_collection_jobs);
  g_autoptr(GPtrArray) fairs = load (&wh_collection_fairs);
  guint n_daily = 0;

  for (guint k = 0; k < jobs->len; k++)
    {
      const WhRecord *j = jobs->pdata[k];
      gint64 e = wh_record_get_int (j, "employer_id");
      const char *period = wh_record_get_text (j, "salary_period");
      gint64 lo = wh_record_get_int (j, "salary_min"), hi = wh_record_get_int (j, "salary_max");
      const WhRecord *employer;

      g_assert_cmpint (e, >=, 1);
      g_assert_cmpint (e, <=, employers->len);
      employer = employers->pdata[e - 1];
      g_assert_cmpstr (wh_record_get_text (j, "employer_name"), ==,
                       wh_record_get_text (employer, "name"));
      g_assert_cmpint (wh_record_get_int (j, "city_adcode"), ==,
                       wh_record_get_int (employer, "city_adcode"));
      g_assert_cmpint (lo, <, hi);
      if (strcmp (period, "month") == 0)
        g_assert_true (lo >= 4000 && hi <= 15000);
      else if (strcmp (period, "day") == 0)
        g_assert_true (lo >= 150 && hi <= 400);
      else
        g_assert_true (lo >= 20 && hi <= 45);
      g_assert_cmpstr (wh_record_get_text (j, "posted_at"), <=, wh_generator_base_date ());
      g_assert_cmpstr (wh_record_get_text (j, "expires_at"), >, wh_record_get_text (j, "posted_at"));
      if (strcmp (wh_record_get_text (j, "settlement"), "daily") == 0)
        n_daily++;
      {
        g_auto(GStrv) welfare = wh_record_dup_strv (j, "welfare");

        /* no tag twice */
        for (guint m = 0; welfare[m]; m++)
          for (guint o = m + 1; welfare[o]; o++)
            g_assert_cmpstr (welfare[m], !=, welfare[o]);
      }
    }
  /* day-paid work is common, and mostly settled by the day */
  g_assert_cmpuint (n_daily, >, jobs->len / 20);

  for (guint k = 0; k < fairs->len; k++)
    {
      const WhRecord *f = fairs->pdata[k];
      g_autoptr(GArray) ids = wh_record_dup_intv (f, "employer_ids");

      g_assert_cmpstr (wh_record_get_text (f, "date"), >, wh_generator_base_date ());
      g_assert_cmpstr (wh_record_get_text (f, "start_time"), <, wh_record_get_text (f, "end_time"));
      g_assert_cmpuint (ids->len, >, 0);
      for (guint m = 0; m < ids->len; m++)
        {
          gint64 e = g_array_index (ids, gint64, m);

          g_assert_cmpint (e, >=, 1);
          g_assert_cmpint (e, <=, employers->len);
          g_assert_cmpint (wh_record_get_int (employers->pdata[e - 1], "city_adcode"), ==,
                           wh_record_get_int (f, "city_adcode"));
        }
    }
}

static void
test_stations_and_merchants (void)
{
  g_autoptr(GPtrArray) stations = load (&wh_collection_stations);
  g_autoptr(GPtrArray) merchants = load (&wh_collection_merchants);
  guint n_24h = 0, n_hot_water = 0, n_photos = 0;

  for (guint k = 0; k < stations->len; k++)
    {
      const WhRecord *s = stations->pdata[k];
      g_auto(GStrv) amenities = wh_record_dup_strv (s, "amenities");
      g_auto(GStrv) photos = wh_record_dup_strv (s, "photos");

      if (wh_record_get_bool (s, "open_24h"))
        n_24h++;
      else
        g_assert_cmpstr (wh_record_get_text (s, "opens"), <, wh_record_get_text (s, "closes"));
      if (g_strv_contains ((const char * const *) amenities, "hot_water"))
        n_hot_water++;
      if (photos[0])
        n_photos++;
    }
  g_assert_cmpuint (n_24h, >, stations->len / 4);
  g_assert_cmpuint (n_24h, <, stations->len * 6 / 10);
  g_assert_cmpuint (n_hot_water, >, stations->len * 3 / 4);
  g_assert_cmpuint (n_photos, >, stations->len / 10);

  for (guint k = 0; k < merchants->len; k++)
    {
      const WhRecord *m = merchants->pdata[k];
      gint64 station = wh_record_get_int (m, "station_id");
      const WhRecord *s;

      g_assert_cmpint (station, >=, 1);
      g_assert_cmpint (station, <=, stations->len);
      s = stations->pdata[station - 1];
      /* near its station: well under 2 km */
      g_assert_cmpfloat (fabs (wh_record_get_real (m, "lat") - wh_record_get_real (s, "lat")), <, 0.02);
      g_assert_cmpfloat (fabs (wh_record_get_real (m, "lon") - wh_record_get_real (s, "lon")), <, 0.02);
      g_assert_cmpint (wh_record_get_int (m, "adcode"), ==, wh_record_get_int (s, "adcode"));
      g_assert_cmpint (wh_record_get_int (m, "remaining_today"), ==,
                       wh_record_get_int (m, "daily_quota"));
      g_assert_cmpint (wh_record_get_int (m, "daily_quota"), >=, 20);
      g_assert_cmpint (wh_record_get_int (m, "daily_quota"), <=, 100);
      g_assert_cmpstr (wh_record_get_text (m, "quota_day"), ==, wh_generator_base_date ());
    }
}

static void
test_scales (void)
{
  const WhScale *national = wh_scale_lookup ("national");

  g_assert_null (wh_scale_lookup ("galaxy"));
  g_assert_nonnull (wh_scale_lookup ("city"));
  g_assert_nonnull (wh_scale_lookup ("province"));
  g_assert_cmpuint (national->stations, ==, 186100);
  g_assert_cmpuint (national->jobs, ==, 2700000);
  g_assert_cmpuint (national->employers, ==, 68000);
  g_assert_cmpuint (national->courses, ==, 5700);
  g_assert_cmpuint (national->questions, ==, 410000);
  g_assert_cmpuint (national->merchants, ==, 12000);
}

/* The table itself: codes of a city belong to its province, districts to
 * their city, and centres are near the city's. */
static void
test_city_table (void)
{
  g_assert_cmpuint (wh_gen_n_cities, >=, 40);
  for (guint i = 0; i < wh_gen_n_cities; i++)
    {
      const WhGenCity *c = &wh_gen_cities[i];

      g_assert_cmpuint (c->city_adcode / 10000, ==, c->province_adcode / 10000);
      g_assert_cmpuint (c->n_districts, >, 0);
      for (guint k = 0; k < c->n_districts; k++)
        {
          g_assert_cmpuint (c->districts[k].adcode / 100, ==, c->city_adcode / 100);
          g_assert_cmpfloat (fabs (c->districts[k].lat - c->lat), <, 0.45);
          g_assert_cmpfloat (fabs (c->districts[k].lon - c->lon), <, 0.45);
        }
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  wh_test_init (&argc, &argv);
  tmpdir = wh_test_make_tmpdir ();
  shared_db = generate ("shared.db", 1);

  g_test_add_func ("/generator/scales", test_scales);
  g_test_add_func ("/generator/city-table", test_city_table);
  g_test_add_func ("/generator/deterministic", test_deterministic);
  g_test_add_func ("/generator/counts-and-revs", test_counts_and_revs);
  g_test_add_func ("/generator/places", test_places);
  g_test_add_func ("/generator/courses", test_courses);
  g_test_add_func ("/generator/jobs-and-fairs", test_jobs_and_fairs);
  g_test_add_func ("/generator/stations-and-merchants", test_stations_and_merchants);
  ret = g_test_run ();
  sqlite3_close (shared_db);
  g_free (tmpdir);
  return ret;
}
