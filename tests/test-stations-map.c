/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The stations map as a finger uses it (suite "ui", under Xvfb): taps and
 * drags sent through the X server (XTest), as a mouse or a touch screen
 * would, reach the map under its marker layer. A tap on a station opens its
 * page, on a cluster zooms into it, on a numbered nearest marker opens that
 * station; a drag still pans; one press of + or − is one zoom level; the
 * worker's place is marked "You are here". */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <math.h>
#include <shumate/shumate.h>
#include <X11/extensions/XTest.h>

#include "stations/wh-station-layer.h"
#include "stations/wh-station-page.h"
#include "wh-context.h"
#include "wh-test.h"
#include "wh-test-store.h"
#include "wh-test-ui.h"
#include "wh-window.h"

/* Alone in Beijing; two 150 m apart in Shanghai, one cluster from afar. */
#define WANGJING_LAT 39.99
#define WANGJING_LON 116.47
#define PAIR_LAT 31.2300
#define PAIR_LON 121.4700
#define PAIR2_LAT 31.2310
#define PAIR2_LON 121.4712

typedef struct
{
  char            *dir;
  WhStore         *store;
  WhContext       *context;
  WhWindow        *window;
  GtkWidget       *page;
  ShumateMap      *map;
  ShumateViewport *viewport;
  WhStationLayer  *layer;
  WhStationPage   *station_page;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_stations);
  g_autoptr(GError) error = NULL;

  f->store = wh_test_store_new (&f->dir);
  g_ptr_array_add (page->records, wh_test_make_station (1, 1, "望京街道户外劳动者服务站",
                                                        WANGJING_LAT, WANGJING_LON));
  g_ptr_array_add (page->records, wh_test_make_station (2, 2, "外滩驿站", PAIR_LAT, PAIR_LON));
  g_ptr_array_add (page->records, wh_test_make_station (3, 3, "南京路驿站", PAIR2_LAT, PAIR2_LON));
  page->next_since = page->server_rev = 3;
  g_assert_true (wh_store_apply_page (f->store, page, NULL, &error));
  g_assert_no_error (error);

  f->context = wh_context_new (settings, FALSE);
  f->window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1000, 700);
  gtk_window_present (GTK_WINDOW (f->window));
  wh_window_set_context (f->window, f->context);
  wh_context_set_store (f->context, f->store);
  wh_window_show_view (f->window, "stations");
  f->page = wh_window_get_page (f->window, "stations");
  f->map = SHUMATE_MAP (wh_test_find_descendant (f->page, SHUMATE_TYPE_MAP));
  f->viewport = shumate_map_get_viewport (f->map);
  f->layer = WH_STATION_LAYER (wh_test_find_descendant (f->page, WH_TYPE_STATION_LAYER));
  f->station_page = WH_STATION_PAGE (wh_test_find_descendant (f->page, WH_TYPE_STATION_PAGE));
  g_assert_nonnull (f->layer);
  g_assert_nonnull (f->station_page);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  g_clear_object (&f->context);
  g_clear_object (&f->store);
  wh_test_remove_tmpdir (f->dir);
  g_free (f->dir);
}

/* ---- The pointer through the X server ----------------------------------- */

/* Where widget point (x, y) is on the X screen. */
static void
screen_point (GtkWidget *widget,
              double     x,
              double     y,
              int       *sx,
              int       *sy)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  double wx, wy, tx, ty;
  int rx, ry;
  Window child;

  g_assert_true (gtk_widget_translate_coordinates (widget, GTK_WIDGET (native), x, y, &wx, &wy));
  gtk_native_get_surface_transform (native, &tx, &ty);
  XTranslateCoordinates (dpy, gdk_x11_surface_get_xid (surface), DefaultRootWindow (dpy), 0, 0,
                         &rx, &ry, &child);
  *sx = rx + (int) round (wx + tx);
  *sy = ry + (int) round (wy + ty);
}

/* Presses at (x, y) of widget, moves by (dx, dy) in steps, releases. */
static void
press_move_release (GtkWidget *widget,
                    double     x,
                    double     y,
                    double     dx,
                    double     dy)
{
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  int sx, sy;

  screen_point (widget, x, y, &sx, &sy);
  XTestFakeMotionEvent (dpy, -1, sx, sy, CurrentTime);
  XFlush (dpy);
  wh_test_spin (50);
  XTestFakeButtonEvent (dpy, 1, True, CurrentTime);
  XFlush (dpy);
  wh_test_spin (50);
  for (int i = 1; i <= 10 && (dx != 0 || dy != 0); i++)
    {
      XTestFakeMotionEvent (dpy, -1, sx + (int) (dx * i / 10), sy + (int) (dy * i / 10),
                            CurrentTime);
      XFlush (dpy);
      wh_test_spin (20);
    }
  XTestFakeButtonEvent (dpy, 1, False, CurrentTime);
  XFlush (dpy);
  wh_test_spin (50);
}

static void
tap (GtkWidget *widget,
     double     x,
     double     y)
{
  press_move_release (widget, x, y, 0, 0);
}

/* Where a place is in the map widget. */
static void
map_point (Fixture *f,
           double   lat,
           double   lon,
           double  *x,
           double  *y)
{
  shumate_viewport_location_to_widget_coords (f->viewport, GTK_WIDGET (f->map), lat, lon, x, y);
}

/* ---- Waiting ------------------------------------------------------------ */

static gboolean
layer_ready (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_width (GTK_WIDGET (f->map)) > 100 &&
         !wh_station_layer_get_busy (f->layer) && wh_station_layer_get_n_points (f->layer) > 0;
}

/* Shows (lat, lon) at zoom, at once, and waits for the layer to have
 * clustered the stations there. */
static void
show_place (Fixture *f,
            double   lat,
            double   lon,
            double   zoom)
{
  shumate_viewport_set_zoom_level (f->viewport, zoom);
  shumate_location_set_location (SHUMATE_LOCATION (f->viewport), lat, lon);
  wh_test_spin (50);
  g_assert_true (wh_test_spin_until (layer_ready, f, 5000));
}

typedef struct
{
  Fixture *f;
  gint64   id;
} StationWait;

static gboolean
station_shown (gpointer data)
{
  StationWait *w = data;
  const WhRecord *station = wh_station_page_get_station (w->f->station_page);

  return station && station->id == w->id && gtk_widget_get_mapped (GTK_WIDGET (w->f->station_page));
}

typedef struct
{
  Fixture *f;
  double   zoom;
} ZoomWait;

static gboolean
zoom_is (gpointer data)
{
  ZoomWait *w = data;

  return fabs (shumate_viewport_get_zoom_level (w->f->viewport) - w->zoom) < 1e-6;
}

static gboolean
is_css (GtkWidget *widget,
        gpointer   css_class)
{
  return gtk_widget_has_css_class (widget, css_class) && gtk_widget_is_visible (widget);
}

static gboolean
css_shown (gpointer data)
{
  gpointer *pair = data;

  return wh_test_find_widget (pair[0], is_css, pair[1]) != NULL;
}

static gboolean
css_gone (gpointer data)
{
  return !css_shown (data);
}

static gboolean
is_icon_button (GtkWidget *widget,
                gpointer   icon)
{
  return GTK_IS_BUTTON (widget) &&
         g_strcmp0 (gtk_button_get_icon_name (GTK_BUTTON (widget)), icon) == 0;
}

static gboolean
label_is (GtkWidget *widget,
          gpointer   text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0;
}

/* ---- Tests -------------------------------------------------------------- */

static void
test_tap_station (Fixture       *f,
                  gconstpointer  data)
{
  StationWait want = { f, 1 };
  double x, y;
  int min_h;

  show_place (f, WANGJING_LAT, WANGJING_LON, 15);
  map_point (f, WANGJING_LAT, WANGJING_LON, &x, &y);
  /* Not dead centre: a finger lands a little off, within 44 px. */
  tap (GTK_WIDGET (f->map), x + 12, y - 10);
  g_assert_true (wh_test_spin_until (station_shown, &want, 3000));
  /* The page scrolls: the window fits an 800 px screen (less a panel)
   * and keeps the size it had. */
  wh_test_spin (200);
  gtk_widget_measure (GTK_WIDGET (f->window), GTK_ORIENTATION_VERTICAL, -1, &min_h, NULL, NULL,
                      NULL);
  g_assert_cmpint (min_h, <=, 600);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (f->window)), <=, 700);
  /* No place known: no distance from wherever the map was ("0 m from the
   * map centre"), but what would give one. */
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (f->station_page), label_is,
                                         (gpointer) "Not known: set your city in Preferences to see how far"));
}

static void
test_tap_cluster (Fixture       *f,
                  gconstpointer  data)
{
  ZoomWait want = { f, 11 };
  double x, y, lat, lon;
  guint count = 0;
  gint64 id;

  show_place (f, PAIR_LAT, PAIR_LON, 9);
  map_point (f, PAIR_LAT, PAIR_LON, &x, &y);
  /* Both stations are one disc from here. */
  g_assert_true (wh_station_layer_pick (f->layer, x, y, &lat, &lon, &count, &id));
  g_assert_cmpuint (count, ==, 2);
  tap (GTK_WIDGET (f->map), x, y);
  /* Two levels closer, around the cluster; no station opened. */
  g_assert_true (wh_test_spin_until (zoom_is, &want, 5000));
  g_assert_null (wh_station_page_get_station (f->station_page));
  g_assert_cmpfloat_with_epsilon (shumate_location_get_latitude (SHUMATE_LOCATION (f->viewport)),
                                  lat, 1e-4);
}

static void
test_drag_pans (Fixture       *f,
                gconstpointer  data)
{
  double x, y, lon_before;

  show_place (f, WANGJING_LAT, WANGJING_LON, 15);
  map_point (f, WANGJING_LAT, WANGJING_LON, &x, &y);
  lon_before = shumate_location_get_longitude (SHUMATE_LOCATION (f->viewport));
  /* A drag starting on the station moves the map and opens nothing. */
  press_move_release (GTK_WIDGET (f->map), x, y, 200, 0);
  wh_test_spin (200);
  g_assert_null (wh_station_page_get_station (f->station_page));
  g_assert_cmpfloat (shumate_location_get_longitude (SHUMATE_LOCATION (f->viewport)), <,
                     lon_before - 1e-4);
  g_assert_cmpfloat_with_epsilon (shumate_viewport_get_zoom_level (f->viewport), 15, 1e-6);
}

static void
test_nearest_marker (Fixture       *f,
                     gconstpointer  data)
{
  StationWait want = { f, 3 };
  gpointer nearest[] = { f->page, (gpointer) "wh-nearest-marker" };
  gpointer here[] = { f->page, (gpointer) "wh-here-dot" };
  double x, y;

  /* No place known: no "You are here". */
  show_place (f, PAIR_LAT, PAIR_LON, 12);
  g_assert_false (css_shown (here));
  /* The worker stands at 南京路驿站: it is number 1 of the list and of the
   * map, and the place is marked. */
  wh_context_set_location (f->context, PAIR2_LAT, PAIR2_LON, TRUE);
  g_assert_true (wh_test_spin_until (css_shown, nearest, 3000));
  g_assert_true (wh_test_spin_until (css_shown, here, 3000));
  show_place (f, PAIR2_LAT, PAIR2_LON, 12);
  map_point (f, PAIR2_LAT, PAIR2_LON, &x, &y);
  /* At this zoom the two stations are one cluster: without the marker the
   * tap would zoom in; on the marker it opens the station numbered. */
  tap (GTK_WIDGET (f->map), x, y);
  g_assert_true (wh_test_spin_until (station_shown, &want, 3000));
  g_assert_cmpfloat_with_epsilon (shumate_viewport_get_zoom_level (f->viewport), 12, 1e-6);
  /* Forgotten: the mark goes. */
  wh_context_set_location (f->context, 0, 0, FALSE);
  g_assert_true (wh_test_spin_until (css_gone, here, 3000));
}

static gboolean
drawn_near (gpointer data)
{
  Fixture *f = data;
  double lat = shumate_location_get_latitude (SHUMATE_LOCATION (f->viewport));

  return fabs (lat - WANGJING_LAT) < 1e-3 && layer_ready (f) &&
         wh_station_layer_get_n_drawn (f->layer) >= 1;
}

/* "Set My City…" with the map shown: the map goes there and draws the
 * stations at once, with no other page opened in between. */
static void
test_set_city (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_assert_true (wh_test_spin_until (layer_ready, f, 5000));
  /* A place known already (Shanghai), then a city chosen as Preferences
   * does: two keys, one after the other. */
  g_settings_set_double (settings, "location-latitude", PAIR_LAT);
  g_settings_set_double (settings, "location-longitude", PAIR_LON);
  wh_test_spin (200);
  g_settings_set_double (settings, "location-latitude", WANGJING_LAT);
  g_settings_set_double (settings, "location-longitude", WANGJING_LON);
  g_assert_true (wh_test_spin_until (drawn_near, f, 5000));
  g_assert_cmpfloat_with_epsilon (shumate_location_get_longitude (SHUMATE_LOCATION (f->viewport)),
                                  WANGJING_LON, 1e-3);
}

static gboolean
near_pair2 (gpointer data)
{
  Fixture *f = data;

  return fabs (shumate_location_get_latitude (SHUMATE_LOCATION (f->viewport)) - PAIR2_LAT) < 0.01 &&
         fabs (shumate_location_get_longitude (SHUMATE_LOCATION (f->viewport)) - PAIR2_LON) < 0.01;
}

/* A search's results are on the map: it moves to them and numbers them,
 * however far out it was. */
static void
test_search_on_map (Fixture       *f,
                    gconstpointer  data)
{
  gpointer nearest[] = { f->page, (gpointer) "wh-nearest-marker" };
  GtkWidget *entry = wh_test_find_descendant (f->page, GTK_TYPE_SEARCH_ENTRY);

  show_place (f, WANGJING_LAT, WANGJING_LON, 5);
  g_assert_false (css_shown (nearest));
  gtk_editable_set_text (GTK_EDITABLE (entry), "南京路");
  g_assert_true (wh_test_spin_until (near_pair2, f, 5000));
  g_assert_true (wh_test_spin_until (css_shown, nearest, 3000));
}

static void
test_zoom_buttons (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *in = wh_test_find_widget (f->page, is_icon_button, (gpointer) "zoom-in-symbolic");
  GtkWidget *out = wh_test_find_widget (f->page, is_icon_button, (gpointer) "zoom-out-symbolic");
  ZoomWait want = { f, 11 };

  g_assert_nonnull (in);
  g_assert_nonnull (out);
  /* Metres and kilometres only. */
  g_assert_cmpint (shumate_scale_get_unit (SHUMATE_SCALE (wh_test_find_descendant (f->page, SHUMATE_TYPE_SCALE))),
                   ==, SHUMATE_UNIT_METRIC);
  /* Between two levels (after a pinch): the next press lands on a level. */
  show_place (f, WANGJING_LAT, WANGJING_LON, 10.4);
  gtk_widget_activate (in);
  g_assert_true (wh_test_spin_until (zoom_is, &want, 3000));
  /* Then each press is one level, twice the scale. */
  gtk_widget_activate (in);
  want.zoom = 12;
  g_assert_true (wh_test_spin_until (zoom_is, &want, 3000));
  gtk_widget_activate (out);
  want.zoom = 11;
  g_assert_true (wh_test_spin_until (zoom_is, &want, 3000));
  gtk_widget_activate (out);
  want.zoom = 10;
  g_assert_true (wh_test_spin_until (zoom_is, &want, 3000));
  /* And stops at the map's last level. */
  shumate_viewport_set_zoom_level (f->viewport, shumate_viewport_get_max_zoom_level (f->viewport));
  gtk_widget_activate (in);
  want.zoom = shumate_viewport_get_max_zoom_level (f->viewport);
  g_assert_true (wh_test_spin_until (zoom_is, &want, 3000));
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_test_add ("/stations-map/tap-station", Fixture, NULL, fixture_setup, test_tap_station,
              fixture_teardown);
  g_test_add ("/stations-map/tap-cluster", Fixture, NULL, fixture_setup, test_tap_cluster,
              fixture_teardown);
  g_test_add ("/stations-map/drag-pans", Fixture, NULL, fixture_setup, test_drag_pans,
              fixture_teardown);
  g_test_add ("/stations-map/nearest-marker", Fixture, NULL, fixture_setup, test_nearest_marker,
              fixture_teardown);
  g_test_add ("/stations-map/set-city", Fixture, NULL, fixture_setup, test_set_city,
              fixture_teardown);
  g_test_add ("/stations-map/search-on-map", Fixture, NULL, fixture_setup, test_search_on_map,
              fixture_teardown);
  g_test_add ("/stations-map/zoom-buttons", Fixture, NULL, fixture_setup, test_zoom_buttons,
              fixture_teardown);
  return g_test_run ();
}
