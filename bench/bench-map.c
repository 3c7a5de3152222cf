/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stations map under load: every station of the national data in a
 * cache, the map at national zoom panned and zoomed frame by frame, the
 * frame times read around the frame clock's paint, and the viewport queries
 * the map's layer runs. Prints "key: value" lines.
 *
 *   GSK_RENDERER=cairo xvfb-run -a build/bench/bench-map CACHE.db
 *
 * The cache: serve the national data (workers-home-server --db national.db
 * --port 0) and `workers-home-cli --server URL --cache CACHE.db sync
 * stations` (186,100 stations, about a minute). BENCH_LAYERS=stations
 * leaves the backdrop out, BENCH_LAYERS=none both layers, BENCH_NO_CITIES
 * the city names: what each costs a frame. BENCH_LAYERS=floor draws no
 * layer but repaints the whole map with one colour every frame, as tiles
 * moving do: the least a panning frame costs on this display.
 * BENCH_FRAMES_ONLY leaves the query timings out, BENCH_SHOT=FILE saves
 * the map at national zoom as a PNG.
 *
 * Wall-clock frame times include the time the X server takes and the time
 * other processes hold the CPU; frame_cpu_* is this thread's CPU time in
 * the same span, what the app's own drawing costs.
 */
#include "config.h"

#include <adwaita.h>
#include <math.h>
#include <time.h>
#include <shumate/shumate.h>

#include "stations/wh-map-backdrop.h"
#include "wh-geo.h"
#include "stations/wh-station-layer.h"

#define N_FRAMES 600

typedef struct
{
  ShumateMap     *map;
  WhStationLayer *layer;
  GArray         *frame_us;    /* before-paint to after-paint */
  GArray         *interval_us; /* between frames */
  GArray         *cpu_ms;      /* this thread's CPU time in the same span */
  gint64          paint_start;
  gint64          cpu_start;
  gint64          last_frame;
  guint           frame;
  GMainLoop      *loop;
  guint           max_drawn;
  guint           max_names;
  WhMapBackdrop  *backdrop;
} Bench;

static int
double_compare (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
percentile (GArray *values,
            double  p)
{
  g_array_sort (values, double_compare);
  if (values->len == 0)
    return 0;
  return g_array_index (values, double, (guint) MIN (values->len - 1, floor (p * values->len)));
}

/* The main thread's CPU time, in µs: what the frame cost, without the
 * time other processes had the CPU (load on a shared machine) or the X
 * server took. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
before_paint_cb (GdkFrameClock *clock,
                 Bench         *b)
{
  b->paint_start = g_get_monotonic_time ();
  b->cpu_start = thread_cpu_us ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *b)
{
  gint64 now = g_get_monotonic_time ();
  double ms = (now - b->paint_start) / 1000.0;

  /* The first frames lay out the window and wait for the first query. */
  if (b->frame > 5)
    {
      double cpu = (thread_cpu_us () - b->cpu_start) / 1000.0;

      g_array_append_val (b->frame_us, ms);
      g_array_append_val (b->cpu_ms, cpu);
      if (b->last_frame)
        {
          double interval = (now - b->last_frame) / 1000.0;

          g_array_append_val (b->interval_us, interval);
        }
    }
  b->last_frame = now;
  b->max_drawn = MAX (b->max_drawn, wh_station_layer_get_n_drawn (b->layer));
  b->max_names = MAX (b->max_names, wh_map_backdrop_get_n_drawn (b->backdrop));
}

/* Each frame moves the view: a circle around China at national zoom for the
 * first half, then zooming in and out around it. */
static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       user_data)
{
  Bench *b = user_data;
  ShumateViewport *viewport = shumate_map_get_viewport (b->map);
  double t = b->frame / 60.0;
  double zoom = b->frame < N_FRAMES / 2 ? 4.5 : 4 + 1.5 * (1 - cos (t * 1.5)) / 2 * 2;

  shumate_location_set_location (SHUMATE_LOCATION (viewport), 35 + 6 * sin (t),
                                 104.5 + 12 * cos (t));
  shumate_viewport_set_zoom_level (viewport, zoom);
  if (++b->frame >= N_FRAMES + 6)
    {
      g_main_loop_quit (b->loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The map as drawn now, to a PNG (BENCH_SHOT=FILE): to look at what was
 * measured. */
static void
save_shot (GtkWidget  *window,
           GtkWidget  *widget,
           const char *path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  node = gtk_snapshot_free_to_node (snapshot);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         NULL);
  gdk_texture_save_to_png (texture, path);
}

static void
floor_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        user_data)
{
  Bench *b = user_data;

  cairo_set_source_rgb (cr, 0.92, 0.93, 0.91 - 0.02 * (b->frame % 2));
  cairo_paint (cr);
}

static gboolean
floor_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  gtk_widget_queue_draw (widget);
  return G_SOURCE_CONTINUE;
}

static void
time_queries (WhStore    *store,
              const char *name,
              const WhStationFilter *filter,
              double      size_deg,
              guint       n)
{
  g_autoptr(GArray) ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  guint64 total = 0;

  for (guint i = 0; i < n; i++)
    {
      /* Boxes over eastern China, where most stations are. */
      double lat = size_deg >= 30 ? 18 : g_rand_double_range (rand, 22, 41 - size_deg);
      double lon = size_deg >= 30 ? 73 : g_rand_double_range (rand, 104, 122 - size_deg);
      double h = size_deg >= 30 ? 36 : size_deg, w = size_deg >= 30 ? 62 : size_deg * 1.4;
      g_autoptr(GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr(GArray) points = wh_store_query_station_points (store, filter, lat, lon, lat + h,
                                                                lon + w, G_MAXUINT, &error);
      double elapsed = (g_get_monotonic_time () - start) / 1000.0;

      g_assert_no_error (error);
      total += points->len;
      g_array_append_val (ms, elapsed);
    }
  g_print ("query_%s_points_mean: %.0f\n", name, (double) total / n);
  g_print ("query_%s_p50_ms: %.2f\n", name, percentile (ms, 0.5));
  g_print ("query_%s_p95_ms: %.2f\n", name, percentile (ms, 0.95));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = NULL;
  g_autoptr(GPtrArray) cities = NULL;
  g_autoptr(GArray) all = NULL;
  g_autoptr(ShumateMapSource) source = NULL;
  WhStationFilter hot_open = WH_STATION_FILTER_INIT;
  Bench b = { 0 };
  GtkWidget *window;
  GdkFrameClock *clock;
  ShumateViewport *viewport;
  WhMapBackdrop *backdrop;
  gint64 start;

  if (argc != 2)
    {
      g_printerr ("usage: bench-map CACHE.db\n");
      return 1;
    }
  gtk_init ();
  adw_init ();
  store = wh_store_open (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("bench-map: %s\n", error->message);
      return 1;
    }
  g_print ("stations: %" G_GINT64_FORMAT "\n", wh_store_count (store, &wh_collection_stations, NULL));
  g_print ("renderer: %s\n", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "default");

  /* What the layer's worker thread does when the view changes. */
  hot_open.amenities = 1u << 0;
  hot_open.open_at = 12 * 60;
  if (!g_getenv ("BENCH_FRAMES_ONLY"))
  {
  time_queries (store, "national", NULL, 40, 10);
  time_queries (store, "national_hot_water_open_now", &hot_open, 40, 5);
  time_queries (store, "province", NULL, 5, 50);
  time_queries (store, "city", NULL, 0.5, 200);
  time_queries (store, "city_hot_water_open_now", &hot_open, 0.5, 200);

  all = wh_store_query_station_points (store, NULL, -85, -180, 85, 180, G_MAXUINT, &error);
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  for (int zoom = 3; zoom <= 6; zoom++)
    {
      g_autoptr(GArray) clusters = wh_station_cluster ((WhGeoPoint *) (gpointer) all->data,
                                                       all->len, zoom, 56, NULL);
      g_print ("clusters_zoom_%d: %u\n", zoom, clusters->len);
    }
  g_print ("cluster_all_points_ms: %.1f\n", (g_get_monotonic_time () - start) / 4000.0);
  }
  cities = wh_store_list_city_centres (store, &error);
  g_assert_no_error (error);

  /* The map as the view builds it, without tiles (no network here). */
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  b.map = shumate_map_new ();
  viewport = shumate_map_get_viewport (b.map);
  source = SHUMATE_MAP_SOURCE (shumate_raster_renderer_new_from_url ("http://127.0.0.1:9/{z}/{x}/{y}.png"));
  shumate_viewport_set_reference_map_source (viewport, source);
  backdrop = wh_map_backdrop_new (viewport);
  b.backdrop = backdrop;
  if (!g_getenv ("BENCH_NO_CITIES"))
    wh_map_backdrop_set_cities (backdrop, cities);
  b.layer = wh_station_layer_new (viewport);
  /* BENCH_LAYERS=none measures the map and the window alone, to tell what
   * the layers cost from what drawing a window under Xvfb costs. */
  if (g_getenv ("BENCH_LAYERS") == NULL)
    shumate_map_add_layer (b.map, SHUMATE_LAYER (backdrop));
  else
    g_object_ref_sink (backdrop);
  if (g_getenv ("BENCH_LAYERS") == NULL ||
      g_strcmp0 (g_getenv ("BENCH_LAYERS"), "stations") == 0)
    shumate_map_add_layer (b.map, SHUMATE_LAYER (b.layer));
  shumate_viewport_set_zoom_level (viewport, 4.5);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), 35, 104.5);
  wh_station_layer_set_store (b.layer, store);
  if (g_strcmp0 (g_getenv ("BENCH_LAYERS"), "floor") == 0)
    {
      GtkWidget *overlay = gtk_overlay_new ();
      GtkWidget *area = gtk_drawing_area_new ();

      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), floor_draw, &b, NULL);
      gtk_widget_add_tick_callback (area, floor_tick_cb, NULL, NULL);
      gtk_overlay_set_child (GTK_OVERLAY (overlay), GTK_WIDGET (b.map));
      gtk_overlay_add_overlay (GTK_OVERLAY (overlay), area);
      gtk_window_set_child (GTK_WINDOW (window), overlay);
    }
  else
    gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (b.map));
  gtk_window_present (GTK_WINDOW (window));

  /* The first query: everything, clustered for national zoom. */
  start = g_get_monotonic_time ();
  while (gtk_widget_get_parent (GTK_WIDGET (b.layer)) && wh_station_layer_get_n_points (b.layer) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_print ("first_query_and_cluster_ms: %.1f\n", (g_get_monotonic_time () - start) / 1000.0);
  g_print ("points_in_layer: %u\n", wh_station_layer_get_n_points (b.layer));
  if (g_getenv ("BENCH_SHOT"))
    {
      start = g_get_monotonic_time ();
      while (g_get_monotonic_time () - start < G_USEC_PER_SEC / 2)
        g_main_context_iteration (NULL, FALSE);
      save_shot (window, GTK_WIDGET (b.map), g_getenv ("BENCH_SHOT"));
    }

  b.frame_us = g_array_new (FALSE, FALSE, sizeof (double));
  b.interval_us = g_array_new (FALSE, FALSE, sizeof (double));
  b.cpu_ms = g_array_new (FALSE, FALSE, sizeof (double));
  b.loop = g_main_loop_new (NULL, FALSE);
  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), &b);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &b);
  gtk_widget_add_tick_callback (GTK_WIDGET (b.map), tick_cb, &b, NULL);
  g_main_loop_run (b.loop);
  g_signal_handlers_disconnect_by_data (clock, &b);

  g_print ("frames: %u\n", b.frame_us->len);
  g_print ("clusters_drawn_max: %u\n", b.max_drawn);
  g_print ("city_names_drawn_max: %u\n", b.max_names);
  g_print ("frame_p50_ms: %.2f\n", percentile (b.frame_us, 0.5));
  g_print ("frame_p95_ms: %.2f\n", percentile (b.frame_us, 0.95));
  g_print ("frame_max_ms: %.2f\n", percentile (b.frame_us, 1.0));
  g_print ("frame_cpu_p50_ms: %.2f\n", percentile (b.cpu_ms, 0.5));
  g_print ("frame_cpu_p95_ms: %.2f\n", percentile (b.cpu_ms, 0.95));
  g_print ("frame_interval_p50_ms: %.2f\n", percentile (b.interval_us, 0.5));
  g_print ("frame_interval_p95_ms: %.2f\n", percentile (b.interval_us, 0.95));
  g_print ("frame_p95_target_met: %s\n", percentile (b.frame_us, 0.95) <= 16 ? "yes" : "no");

  gtk_window_destroy (GTK_WINDOW (window));
  g_main_loop_unref (b.loop);
  g_array_unref (b.frame_us);
  g_array_unref (b.interval_us);
  g_array_unref (b.cpu_ms);
  return 0;
}
