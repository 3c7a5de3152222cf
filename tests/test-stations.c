/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stations service: filtered map queries against a brute-force scan,
 * the open-now rules, the report dialog keeping what was typed, and the map
 * layer drawing stations with no tiles at all. Under Xvfb (suite ui). The
 * maths is in test-geo, the service's core (list, report) in
 * test-stations-core. */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <sqlite3.h>
#include <string.h>

#include "stations/wh-map-backdrop.h"
#include "stations/wh-station-layer.h"
#include "stations/wh-station-report-dialog.h"
#include "wh-format.h"
#include "wh-test-store.h"
#include "wh-test.h"

/* ---- A store of varied stations ----------------------------------------- */

static const char * const some_hours[][2] = {
  { "08:00", "20:00" }, { "07:30", "18:00" }, { "22:00", "06:00" }, { "18:00", "02:30" },
  { "00:00", "24:00" }, { "09:00", "09:00" }, { NULL, NULL }, { "06:00", NULL },
};

static WhRecord *
random_station (GRand *rand,
                gint64 id)
{
  g_autofree char *name = g_strdup_printf ("驿站 %" G_GINT64_FORMAT, id);
  /* Mostly around Beijing, some across the antimeridian's neighbourhood. */
  double lat = g_rand_double_range (rand, 39.5, 40.5);
  double lon = g_rand_boolean (rand) ? g_rand_double_range (rand, 115.8, 117.0)
                                     : g_rand_double_range (rand, 179.5, 180.0);
  WhRecord *record = wh_test_make_station (id, id, name, lat, lon);
  const char *amenities[9];
  guint n = 0, h;

  for (guint i = 0; wh_amenities[i]; i++)
    if (g_rand_int_range (rand, 0, 100) < 50)
      amenities[n++] = wh_amenities[i];
  amenities[n] = NULL;
  wh_record_set_strv (record, "amenities", amenities);
  wh_record_set_text (record, "status", wh_station_statuses[g_rand_int_range (rand, 0, 3)]);
  if (g_rand_int_range (rand, 0, 5) == 0)
    wh_record_set_bool (record, "open_24h", TRUE);
  else
    {
      if (g_rand_boolean (rand))
        wh_record_set_bool (record, "open_24h", FALSE);
      h = g_rand_int_range (rand, 0, G_N_ELEMENTS (some_hours));
      if (some_hours[h][0])
        wh_record_set_text (record, "opens", some_hours[h][0]);
      if (some_hours[h][1])
        wh_record_set_text (record, "closes", some_hours[h][1]);
    }
  return record;
}

typedef struct
{
  char      *dir;
  WhStore   *store;
  GPtrArray *records; /* WhRecord*, every station */
} Stations;

static void
stations_setup (Stations *s,
                guint     n)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (7);
  g_autoptr(GError) error = NULL;
  WhPage page = { 0 };

  s->store = wh_test_store_new (&s->dir);
  s->records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  for (guint i = 1; i <= n; i++)
    g_ptr_array_add (s->records, random_station (rand, i));
  page.collection = &wh_collection_stations;
  page.records = s->records;
  page.next_since = n;
  g_assert_true (wh_store_apply_page (s->store, &page, NULL, &error));
  g_assert_no_error (error);
}

static void
stations_teardown (Stations *s)
{
  g_clear_object (&s->store);
  g_clear_pointer (&s->records, g_ptr_array_unref);
  wh_test_remove_tmpdir (s->dir);
  g_free (s->dir);
}

static int
id_compare (gconstpointer a,
            gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static gboolean
in_box (const WhRecord *r,
        double          min_lat,
        double          min_lon,
        double          max_lat,
        double          max_lon)
{
  double lat = wh_record_get_real (r, "lat"), lon = wh_record_get_real (r, "lon");

  if (lat < min_lat || lat > max_lat)
    return FALSE;
  return min_lon <= max_lon ? lon >= min_lon && lon <= max_lon : lon >= min_lon || lon <= max_lon;
}

/* The store's answer for one filter and box, against checking every record
 * in C with a rule written out here (not wh_station_matches). */
static void
check_filter (Stations              *s,
              const WhStationFilter *filter,
              double                 min_lat,
              double                 min_lon,
              double                 max_lat,
              double                 max_lon)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) points = wh_store_query_station_points (s->store, filter, min_lat, min_lon,
                                                            max_lat, max_lon, G_MAXUINT, &error);
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (gint64));

  g_assert_no_error (error);
  for (guint i = 0; i < points->len; i++)
    g_array_append_val (got, g_array_index (points, WhGeoPoint, i).id);
  for (guint i = 0; i < s->records->len; i++)
    {
      const WhRecord *r = s->records->pdata[i];
      const char *status = wh_record_get_text (r, "status");
      g_auto(GStrv) have = wh_record_dup_strv (r, "amenities");
      gboolean ok = in_box (r, min_lat, min_lon, max_lat, max_lon);

      if (filter && filter->status)
        ok = ok && g_strcmp0 (status, filter->status) == 0;
      if (filter && filter->open_24h)
        ok = ok && wh_record_get_bool (r, "open_24h");
      if (filter && filter->open_at >= 0)
        {
          gboolean open = FALSE;
          const char *o = wh_record_get_text (r, "opens"), *c = wh_record_get_text (r, "closes");

          if (g_strcmp0 (status, "open") == 0 && wh_record_get_bool (r, "open_24h"))
            open = TRUE;
          else if (g_strcmp0 (status, "open") == 0 && o && c)
            {
              int om = atoi (o) * 60 + atoi (o + 3), cm = atoi (c) * 60 + atoi (c + 3);
              int t = filter->open_at;

              open = om < cm ? (t >= om && t < cm) : om > cm ? (t >= om || t < cm) : FALSE;
            }
          ok = ok && open;
        }
      for (guint k = 0; filter && wh_amenities[k]; k++)
        if (filter->amenities & (1u << k))
          ok = ok && have && g_strv_contains ((const char * const *) have, wh_amenities[k]);
      if (ok)
        g_array_append_val (want, ((WhRecord *) s->records->pdata[i])->id);
    }
  g_array_sort (got, id_compare);
  g_assert_cmpuint (got->len, ==, want->len);
  for (guint i = 0; i < got->len; i++)
    g_assert_cmpint (g_array_index (got, gint64, i), ==, g_array_index (want, gint64, i));
}

static void
test_filter_brute_force (void)
{
  Stations s = { 0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  static const int minutes[] = { 0, 1, 150, 359, 360, 479, 480, 719, 1079, 1080, 1199, 1200,
                                 1319, 1320, 1439 };

  stations_setup (&s, 3000);
  /* No filter, each part of it alone, and random mixes; boxes large,
   * small and across the antimeridian. */
  check_filter (&s, NULL, -90, -180, 90, 180);
  for (guint k = 0; wh_amenities[k]; k++)
    {
      WhStationFilter f = WH_STATION_FILTER_INIT;

      f.amenities = 1u << k;
      check_filter (&s, &f, 39, 115, 41, 118);
    }
  for (guint i = 0; i < G_N_ELEMENTS (minutes); i++)
    {
      WhStationFilter f = WH_STATION_FILTER_INIT;

      f.open_at = minutes[i];
      check_filter (&s, &f, -90, -180, 90, 180);
    }
  for (guint i = 0; i < 3; i++)
    {
      WhStationFilter f = WH_STATION_FILTER_INIT;

      f.status = wh_station_statuses[i];
      check_filter (&s, &f, -90, -180, 90, 180);
    }
  for (guint i = 0; i < 200; i++)
    {
      WhStationFilter f = WH_STATION_FILTER_INIT;
      double lat0 = g_rand_double_range (rand, 39.4, 40.6), lat1 = g_rand_double_range (rand, 39.4, 40.6);
      double lon0 = g_rand_double_range (rand, 115, 180), lon1 = g_rand_double_range (rand, 115, 180);

      f.amenities = g_rand_int_range (rand, 0, 256) & g_rand_int_range (rand, 0, 256);
      f.open_24h = g_rand_int_range (rand, 0, 4) == 0;
      f.open_at = g_rand_boolean (rand) ? g_rand_int_range (rand, 0, 1440) : -1;
      f.status = g_rand_int_range (rand, 0, 3) == 0 ? "open" : NULL;
      if (i % 10 == 0)
        check_filter (&s, &f, MIN (lat0, lat1), 179.8, MAX (lat0, lat1), -179.0); /* wraps */
      else
        check_filter (&s, &f, MIN (lat0, lat1), MIN (lon0, lon1), MAX (lat0, lat1),
                      MAX (lon0, lon1));
    }
  stations_teardown (&s);
}

static int
double_compare (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static void
test_nearest_filtered (void)
{
  Stations s = { 0 };
  WhStationFilter f = WH_STATION_FILTER_INIT;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) near = NULL;
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (double));
  const double lat = 39.9, lon = 116.4;

  stations_setup (&s, 2000);
  f.amenities = 1u << 0 | 1u << 1; /* hot water and charging */
  f.open_at = 12 * 60;
  near = wh_store_query_nearest_stations (s.store, &f, lat, lon, 25, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < s.records->len; i++)
    if (wh_station_matches (s.records->pdata[i], &f))
      {
        const WhRecord *r = s.records->pdata[i];
        double d = wh_geo_distance_m (lat, lon, wh_record_get_real (r, "lat"),
                                      wh_record_get_real (r, "lon"));

        g_array_append_val (want, d);
      }
  g_array_sort (want, double_compare);
  g_assert_cmpuint (near->len, ==, MIN (25, want->len));
  for (guint i = 0; i < near->len; i++)
    {
      const WhNearby *item = near->pdata[i];

      g_assert_true (wh_station_matches (item->record, &f));
      g_assert_cmpfloat_with_epsilon (item->distance_m, g_array_index (want, double, i), 0.01);
    }
  stations_teardown (&s);
}

/* ---- Open now ----------------------------------------------------------- */

static WhRecord *
hours_station (const char *status,
               gboolean    all_day,
               const char *opens,
               const char *closes)
{
  WhRecord *r = wh_test_make_station (1, 1, "x", 39.9, 116.4);

  wh_record_set_text (r, "status", status);
  wh_record_set_bool (r, "open_24h", all_day);
  if (opens)
    wh_record_set_text (r, "opens", opens);
  if (closes)
    wh_record_set_text (r, "closes", closes);
  return r;
}

static void
test_open_now (void)
{
  static const struct
  {
    const char *status;
    gboolean    all_day;
    const char *opens, *closes;
    int         minute;
    gboolean    open;
  } cases[] = {
    { "open", FALSE, "08:00", "20:00", 7 * 60 + 59, FALSE },
    { "open", FALSE, "08:00", "20:00", 8 * 60, TRUE },
    { "open", FALSE, "08:00", "20:00", 19 * 60 + 59, TRUE },
    { "open", FALSE, "08:00", "20:00", 20 * 60, FALSE },
    /* Past midnight */
    { "open", FALSE, "22:00", "06:00", 23 * 60, TRUE },
    { "open", FALSE, "22:00", "06:00", 0, TRUE },
    { "open", FALSE, "22:00", "06:00", 5 * 60 + 59, TRUE },
    { "open", FALSE, "22:00", "06:00", 6 * 60, FALSE },
    { "open", FALSE, "22:00", "06:00", 12 * 60, FALSE },
    { "open", FALSE, "22:00", "06:00", 21 * 60 + 59, FALSE },
    { "open", FALSE, "00:00", "24:00", 23 * 60 + 59, TRUE },
    { "open", FALSE, "00:00", "24:00", 0, TRUE },
    /* 24 hours, whatever the hours say */
    { "open", TRUE, NULL, NULL, 3 * 60, TRUE },
    { "open", TRUE, "08:00", "20:00", 3 * 60, TRUE },
    /* Not open: status, no hours, equal hours */
    { "closed", TRUE, NULL, NULL, 12 * 60, FALSE },
    { "maintenance", FALSE, "08:00", "20:00", 12 * 60, FALSE },
    { "open", FALSE, NULL, NULL, 12 * 60, FALSE },
    { "open", FALSE, "08:00", NULL, 12 * 60, FALSE },
    { "open", FALSE, "09:00", "09:00", 9 * 60, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(WhRecord) r = hours_station (cases[i].status, cases[i].all_day, cases[i].opens,
                                             cases[i].closes);
      g_autofree char *dir = NULL;
      g_autoptr(WhStore) store = wh_test_store_new (&dir);
      g_autoptr(GArray) points = NULL;
      g_autoptr(GError) error = NULL;
      WhStationFilter f = WH_STATION_FILTER_INIT;

      g_test_message ("case %u: %s %s–%s at %d", i, cases[i].status, cases[i].opens,
                      cases[i].closes, cases[i].minute);
      g_assert_cmpint (wh_station_is_open_at (r, cases[i].minute), ==, cases[i].open);
      /* The store's SQL says the same. */
      wh_test_apply (store, &wh_collection_stations, NULL, 1, wh_record_copy (r), NULL);
      f.open_at = cases[i].minute;
      points = wh_store_query_station_points (store, &f, -90, -180, 90, 180, G_MAXUINT, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (points->len, ==, cases[i].open ? 1 : 0);
      g_clear_object (&store);
      wh_test_remove_tmpdir (dir);
    }
}

static void
test_bad_filter (void)
{
  Stations s = { 0 };
  WhStationFilter f = WH_STATION_FILTER_INIT;
  g_autoptr(GError) error = NULL;
  GArray *points;

  stations_setup (&s, 10);
  f.status = "gone";
  points = wh_store_query_station_points (s.store, &f, -90, -180, 90, 180, 10, &error);
  g_assert_null (points);
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_clear_error (&error);
  f.status = NULL;
  f.amenities = 1u << 8;
  g_assert_null (wh_store_query_station_points (s.store, &f, -90, -180, 90, 180, 10, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  stations_teardown (&s);
}

static void
test_city_centres (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(WhStore) store = wh_test_store_new (&dir);
  g_autoptr(GPtrArray) centres = NULL;
  g_autoptr(GError) error = NULL;
  WhRecord *a = wh_test_make_station (1, 1, "a", 39.0, 116.0);
  WhRecord *b = wh_test_make_station (2, 2, "b", 40.0, 117.0);
  WhRecord *c = wh_test_make_station (3, 3, "c", 31.2, 121.5);
  const WhCityCentre *first, *second;

  wh_record_set_text (a, "city", "北京市");
  wh_record_set_int (a, "city_adcode", 110100);
  wh_record_set_text (b, "city", "北京市");
  wh_record_set_int (b, "city_adcode", 110100);
  wh_record_set_text (c, "city", "上海市");
  wh_record_set_int (c, "city_adcode", 310100);
  wh_test_apply (store, &wh_collection_stations, NULL, 3, a, b, c, NULL);
  centres = wh_store_list_city_centres (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (centres->len, ==, 2);
  first = centres->pdata[0];
  second = centres->pdata[1];
  g_assert_cmpstr (first->city, ==, "北京市");
  g_assert_cmpuint (first->n_stations, ==, 2);
  g_assert_cmpfloat_with_epsilon (first->lat, 39.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (first->lon, 116.5, 1e-9);
  g_assert_cmpstr (second->city, ==, "上海市");
  g_clear_object (&store);
  wh_test_remove_tmpdir (dir);
}

/* ---- A report that cannot be saved keeps what was typed ----------------- */

static void
queued_cb (gboolean *queued)
{
  *queued = TRUE;
}

static void
test_report_failure_keeps_typing (void)
{
  Stations s = { 0 };
  GtkWidget *window = gtk_window_new ();
  WhStationReportDialog *dialog;
  g_autoptr(GError) error = NULL;
  GtkWidget *dialog_ptr;
  sqlite3 *db = NULL;
  gboolean queued = FALSE;
  GtkEditable *comment = NULL;
  GtkWidget *child;
  gint64 deadline;

  stations_setup (&s, 3);
  gtk_window_present (GTK_WINDOW (window));
  dialog = wh_station_report_dialog_new (GTK_WINDOW (window), s.store, s.records->pdata[0]);
  dialog_ptr = GTK_WIDGET (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog_ptr);
  g_signal_connect_swapped (dialog, "queued", G_CALLBACK (queued_cb), &queued);
  gtk_window_present (GTK_WINDOW (dialog));
  for (child = gtk_widget_get_first_child (adw_message_dialog_get_extra_child (
         ADW_MESSAGE_DIALOG (dialog)));
       child && comment == NULL; child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_ENTRY (child))
      comment = GTK_EDITABLE (child);
  g_assert_nonnull (comment);
  gtk_editable_set_text (comment, "水壶坏了，没有热水");

  /* Another connection holds the write lock past the store's busy timeout:
   * the outbox cannot take the report. */
  g_assert_cmpint (sqlite3_open (wh_store_get_path (s.store), &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "BEGIN EXCLUSIVE", NULL, NULL, NULL), ==, SQLITE_OK);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "send");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)), "could not") &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  /* Open, saying why, with what was typed, nothing queued. */
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "could not"));
  g_assert_nonnull (dialog_ptr);
  g_assert_true (gtk_widget_get_visible (dialog_ptr));
  g_assert_cmpstr (gtk_editable_get_text (comment), ==, "水壶坏了，没有热水");
  g_assert_false (queued);
  g_assert_true (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (dialog), "send"));

  /* Closing the window (Escape) is a cancel; trying again once the lock
   * is gone saves it and closes. */
  g_assert_cmpint (sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "send");
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (dialog_ptr && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_null (dialog_ptr);
  g_assert_true (queued);
  g_assert_cmpint (wh_store_outbox_count (s.store, &error), ==, 1);
  g_assert_no_error (error);

  gtk_window_destroy (GTK_WINDOW (window));
  stations_teardown (&s);
}

static void
test_format_distance (void)
{
  g_autofree char *sep = NULL;
  g_autofree char *far = NULL;
  struct {
    double      metres;
    const char *text;
  } cases[] = {
    { 0, "0 m" }, { 42.4, "42 m" }, { 847, "850 m" }, { 994, "990 m" }, { 996, "1.0 km" },
    { 3240, "3.2 km" }, { 9940, "9.9 km" }, { 9960, "10 km" }, { 48300, "48 km" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = wh_format_distance (cases[i].metres);

      g_assert_cmpstr (text, ==, cases[i].text);
    }
  /* Thousands grouped as the locale says: "1,147 km" in en_US and zh_CN. */
  if (setlocale (LC_NUMERIC, "en_US.UTF-8") == NULL)
    {
      g_test_skip ("no en_US.UTF-8 locale");
      return;
    }
  sep = g_strdup (localeconv ()->thousands_sep);
  far = wh_format_distance (1147200);
  setlocale (LC_NUMERIC, "C");
  g_assert_cmpstr (sep, ==, ",");
  g_assert_cmpstr (far, ==, "1,147 km");
}

/* ---- The layer draws with no tiles -------------------------------------- */

static gboolean
layer_ready (WhStationLayer *layer)
{
  return !wh_station_layer_get_busy (layer) && wh_station_layer_get_n_points (layer) > 0;
}

static void
test_layer_draws_offline (void)
{
  Stations s = { 0 };
  GtkWidget *window = gtk_window_new ();
  ShumateMap *map = shumate_map_new ();
  ShumateViewport *viewport = shumate_map_get_viewport (map);
  WhMapBackdrop *backdrop = wh_map_backdrop_new (viewport);
  WhStationLayer *layer = wh_station_layer_new (viewport);
  const WhRecord *station;
  g_autoptr(ShumateMapSource) source = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autofree guchar *pixels = NULL;
  GtkSnapshot *snapshot;
  double x, y, sx, sy;
  gint64 deadline;
  int w = 400, h = 300;
  guchar *px;

  stations_setup (&s, 50);
  station = s.records->pdata[0];
  /* The viewport needs a tile grid; no tile layer ever asks it for a tile. */
  source = SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_from_url ("http://127.0.0.1:9/{z}/{x}/{y}.png"));
  shumate_viewport_set_reference_map_source (viewport, source);
  shumate_map_add_layer (map, SHUMATE_LAYER (backdrop));
  shumate_map_add_layer (map, SHUMATE_LAYER (layer));
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (map));
  gtk_window_set_default_size (GTK_WINDOW (window), w, h);
  /* Far in: the station stands alone, not in a cluster. */
  shumate_viewport_set_max_zoom_level (viewport, 20);
  shumate_viewport_set_zoom_level (viewport, 19);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), wh_record_get_real (station, "lat"),
                                 wh_record_get_real (station, "lon"));
  wh_station_layer_set_store (layer, s.store);
  gtk_window_present (GTK_WINDOW (window));

  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!layer_ready (layer) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (layer_ready (layer));
  w = gtk_widget_get_width (GTK_WIDGET (layer));
  h = gtk_widget_get_height (GTK_WIDGET (layer));
  g_assert_cmpint (w, >, 100);

  /* Where libshumate puts the place is where the layer draws it. */
  shumate_viewport_location_to_widget_coords (viewport, GTK_WIDGET (layer),
                                              wh_record_get_real (station, "lat"),
                                              wh_record_get_real (station, "lon"), &sx, &sy);
  wh_station_layer_to_widget (SHUMATE_LAYER (layer), wh_record_get_real (station, "lat"),
                              wh_record_get_real (station, "lon"), &x, &y);
  g_assert_cmpfloat_with_epsilon (x, sx, 0.5);
  g_assert_cmpfloat_with_epsilon (y, sy, 0.5);
  g_assert_cmpfloat_with_epsilon (x, w / 2.0, 1);

  /* Render the map (backdrop and stations, no tile layer at all). */
  snapshot = gtk_snapshot_new ();
  GTK_WIDGET_GET_CLASS (backdrop)->snapshot (GTK_WIDGET (backdrop), snapshot);
  GTK_WIDGET_GET_CLASS (layer)->snapshot (GTK_WIDGET (layer), snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_cmpuint (wh_station_layer_get_n_drawn (layer), >=, 1);
  pixels = g_malloc (w * h * 4);
  gdk_texture_download (texture, pixels, w * 4);
  /* The station's disc is red (B, G, R, A in memory)... */
  px = pixels + ((int) y * w + (int) x) * 4;
  g_assert_cmpint (px[2], >, 150);
  g_assert_cmpint (px[1], <, 100);
  g_assert_cmpint (px[0], <, 100);
  /* ...on the plain background, drawn where no tile is. */
  px = pixels + (5 * w + 5) * 4;
  g_assert_cmpint (px[3], ==, 255);
  g_assert_cmpint (abs (px[2] - px[1]), <, 20);

  gtk_window_destroy (GTK_WINDOW (window));
  stations_teardown (&s);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();

  g_test_add_func ("/stations/filter/brute-force", test_filter_brute_force);
  g_test_add_func ("/stations/filter/nearest", test_nearest_filtered);
  g_test_add_func ("/stations/filter/bad", test_bad_filter);
  g_test_add_func ("/stations/open-now", test_open_now);
  g_test_add_func ("/stations/city-centres", test_city_centres);
  g_test_add_func ("/stations/report/failure-keeps-typing", test_report_failure_keeps_typing);
  g_test_add_func ("/stations/format-distance", test_format_distance);
  g_test_add_func ("/stations/layer/draws-offline", test_layer_draws_offline);
  return g_test_run ();
}
