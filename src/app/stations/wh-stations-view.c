/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-stations-view"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <shumate/shumate.h>

#include "wh-format.h"
#include "wh-map-backdrop.h"
#include "wh-map-source.h"
#include "wh-service-page.h"
#include "wh-geo.h"
#include "wh-station-layer.h"
#include "wh-station-page.h"
#include "wh-stations.h"
#include "wh-keynav.h"
#include "wh-stations-view.h"

/* The list grows by this many stations at a time ("Show more"). */
#define LIST_STEP 20
/* Numbered markers on the map for the first few of the list, from this
 * zoom on: further out they would pile on the clusters. */
#define N_NEAREST_MARKERS 5
#define NEAREST_MARKERS_ZOOM 10.0
/* China as a whole, when no place is known. */
#define HOME_LAT 35.0
#define HOME_LON 104.5
#define HOME_ZOOM 4.0
#define PLACE_ZOOM 13.0

struct _WhStationsView
{
  GtkWidget parent_instance;

  /* Template widgets */
  AdwStatusPage     *empty_page;
  GtkFlowBox        *filter_box;
  GtkButton         *home_button;
  AdwLeaflet        *leaflet;
  ShumateLicense    *license;
  GtkStack          *list_stack;
  ShumateMap        *map;
  GtkListBox        *nearest_list;
  GtkLabel          *offline_label;
  GtkLabel          *origin_label;
  ShumateScale      *scale;
  GtkSearchEntry    *search_entry;
  GtkButton         *set_place_button;
  GtkButton         *show_list_button;
  GtkButton         *show_map_button;
  GtkStack          *sidebar_stack;
  WhStationPage     *station_page;

  /* Filters, made in code: one toggle per amenity */
  GtkToggleButton   *amenity_toggles[8];
  GtkToggleButton   *open_now_toggle;
  GtkToggleButton   *open_24h_toggle;
  GtkDropDown       *status_dropdown;

  /* Map */
  ShumateMapSource  *map_source;
  ShumateMapLayer   *tile_layer;
  WhMapBackdrop     *backdrop;
  WhStationLayer    *station_layer;
  ShumateMarkerLayer *marker_layer;
  ShumateMarker     *selected_marker;
  ShumateMarker     *here_marker;     /* the worker, or the kiosk's station */
  GPtrArray         *nearest_markers; /* ShumateMarker* */

  /* Owned references */
  WhContext         *context;
  WhStore           *store;
  GCancellable      *list_cancellable;
  GCancellable      *station_cancellable; /* the station being read */
  gboolean           station_move_map;    /* once it is read */
  GCancellable      *cancellable;   /* for the view's lifetime */
  GPtrArray         *nearby;        /* WhNearby*, what the list shows */
  guint              list_limit;
  guint              open_now_timer;
  guint              origin_timeout; /* the list follows the map centre */
  guint              changed_idle;   /* stations changed in the store */
  gboolean           centred_once;
  gboolean           fit_results;    /* the next list is a new search's */
  double             centred_lat, centred_lon; /* the place it was for */
  double             tap_x, tap_y;   /* where the finger went down */
  gboolean           have_extent;    /* of the saved stations' cities: */
  double             extent[4];      /* min lat, min lon, max lat, max lon */
};

static void wh_stations_view_page_init (WhServicePageInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (WhStationsView, wh_stations_view, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (WH_TYPE_SERVICE_PAGE,
                                                      wh_stations_view_page_init))

static void reload_list (WhStationsView *self);
static void show_station (WhStationsView *self,
                          gint64          id,
                          gboolean        move_map);

static ShumateViewport *
get_viewport (WhStationsView *self)
{
  return shumate_map_get_viewport (self->map);
}

static void
toast (WhStationsView *self,
       const char     *message)
{
  wh_service_page_toast (WH_SERVICE_PAGE (self), message);
}

/* ---- Where distances are measured from ---------------------------------- */

/* The worker's place, or the map's centre when none is known. */
static gboolean
get_origin (WhStationsView *self,
            double         *lat,
            double         *lon)
{
  if (self->context && wh_context_get_location (self->context, lat, lon))
    return TRUE;
  *lat = shumate_location_get_latitude (SHUMATE_LOCATION (get_viewport (self)));
  *lon = shumate_location_get_longitude (SHUMATE_LOCATION (get_viewport (self)));
  return FALSE;
}

/* Where and how close the map shows all the saved stations: the box of
 * their cities' centres, with room around it. */
static void
extent_view (WhStationsView *self,
             double         *lat,
             double         *lon,
             double         *zoom)
{
  /* One city's stations: a city's view, not a street's. */
  wh_map_fit (self->extent[0], self->extent[1], self->extent[2], self->extent[3],
              MAX (gtk_widget_get_width (GTK_WIDGET (self->map)), 300),
              MAX (gtk_widget_get_height (GTK_WIDGET (self->map)), 300), 3, 11, lat, lon, zoom);
}

static void
go_home (WhStationsView *self,
         gboolean        animate)
{
  double lat, lon;
  gboolean known = self->context && wh_context_get_location (self->context, &lat, &lon);

  double zoom = known ? PLACE_ZOOM : HOME_ZOOM;

  if (!known && self->have_extent)
    extent_view (self, &lat, &lon, &zoom);
  else if (!known)
    {
      lat = HOME_LAT;
      lon = HOME_LON;
    }
  if (animate)
    shumate_map_go_to_full (self->map, lat, lon, zoom);
  else
    {
      shumate_map_center_on (self->map, lat, lon);
      shumate_viewport_set_zoom_level (get_viewport (self), zoom);
    }
}

/* The map follows the worker's place when it is first known and when it
 * moves somewhere else (a city chosen in Preferences), not with each small
 * step of a location fix while the worker looks around. */
#define FOLLOW_PLACE_M 2000.0

static void
location_changed_cb (WhStationsView *self)
{
  double lat, lon;

  if (self->context && wh_context_get_location (self->context, &lat, &lon) &&
      (!self->centred_once ||
       wh_geo_distance_m (lat, lon, self->centred_lat, self->centred_lon) > FOLLOW_PLACE_M))
    {
      self->centred_once = TRUE;
      self->centred_lat = lat;
      self->centred_lon = lon;
      go_home (self, FALSE);
    }
  reload_list (self);
}

/* ---- Filters ------------------------------------------------------------ */

static void
get_filter (WhStationsView  *self,
            WhStationFilter *filter)
{
  guint status = gtk_drop_down_get_selected (self->status_dropdown);

  *filter = (WhStationFilter) WH_STATION_FILTER_INIT;
  for (guint i = 0; i < G_N_ELEMENTS (self->amenity_toggles); i++)
    if (gtk_toggle_button_get_active (self->amenity_toggles[i]))
      filter->amenities |= 1u << i;
  filter->open_24h = gtk_toggle_button_get_active (self->open_24h_toggle);
  if (gtk_toggle_button_get_active (self->open_now_toggle))
    filter->open_at = wh_station_minute_now ();
  filter->status = wh_stations_status_at (status);
}

static void
apply_filter (WhStationsView *self)
{
  WhStationFilter filter;

  get_filter (self, &filter);
  wh_station_layer_set_filter (self->station_layer, &filter);
  self->list_limit = LIST_STEP;
  reload_list (self);
}

static gboolean
open_now_tick_cb (gpointer user_data)
{
  WhStationsView *self = user_data;

  /* "Open now" moves with the clock. */
  if (gtk_toggle_button_get_active (self->open_now_toggle))
    apply_filter (self);
  return G_SOURCE_CONTINUE;
}

static void
filter_toggled_cb (WhStationsView *self)
{
  apply_filter (self);
}

static GtkToggleButton *
add_filter_toggle (WhStationsView *self,
                   const char     *label)
{
  GtkWidget *toggle = gtk_toggle_button_new_with_label (label);

  gtk_widget_add_css_class (toggle, "wh-filter");
  gtk_widget_set_halign (toggle, GTK_ALIGN_START);
  g_signal_connect_object (toggle, "toggled", G_CALLBACK (filter_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_flow_box_append (self->filter_box, toggle);
  /* The flow box child would take focus too: one stop per filter. */
  gtk_widget_set_focusable (gtk_widget_get_parent (toggle), FALSE);
  return GTK_TOGGLE_BUTTON (toggle);
}

static void
build_filters (WhStationsView *self)
{
  const char *statuses[] = { _("Any status"), _("Open"), _("Closed"), _("Under maintenance"),
                             NULL };
  GtkWidget *dropdown;

  self->open_now_toggle = add_filter_toggle (self, _("Open now"));
  self->open_24h_toggle = add_filter_toggle (self, _("24 hours"));
  for (guint i = 0; i < G_N_ELEMENTS (self->amenity_toggles); i++)
    {
      g_assert (wh_amenities[i] != NULL);
      self->amenity_toggles[i] = add_filter_toggle (self, wh_format_amenity (wh_amenities[i]));
    }
  dropdown = gtk_drop_down_new_from_strings (statuses);
  gtk_widget_set_tooltip_text (dropdown, _("Status"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Status"), -1);
  g_signal_connect_object (dropdown, "notify::selected", G_CALLBACK (filter_toggled_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_widget_set_halign (dropdown, GTK_ALIGN_START);
  gtk_flow_box_append (self->filter_box, dropdown);
  gtk_widget_set_focusable (gtk_widget_get_parent (dropdown), FALSE);
  self->status_dropdown = GTK_DROP_DOWN (dropdown);
}

/* ---- The list ----------------------------------------------------------- */

/* here: the kiosk's own station, where the person reading stands. */
static GtkWidget *
make_row (const WhNearby *item,
          gboolean        here)
{
  const WhRecord *station = item->record;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (wh_record_get_text (station, "name"));
  /* Translators: in place of a distance, on the row of the kiosk's own station */
  g_autofree char *distance = here ? g_strdup (C_("station row", "You are here"))
                                   : wh_format_distance (item->distance_m);
  g_autofree char *hours = wh_station_format_hours (station);
  g_autofree char *line = NULL;
  GtkWidget *subtitle;
  GtkWidget *address = gtk_label_new (wh_record_get_text (station, "address"));

  /* Translators: a list row: distance · open now · hours */
  line = hours ? g_strdup_printf (_("%s · %s · %s"), distance,
                                  wh_station_format_open_now (station), hours)
               : g_strdup_printf ("%s · %s", distance, wh_station_format_open_now (station));
  subtitle = gtk_label_new (line);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  for (GtkWidget *label = title; label; label = label == title ? subtitle
                                               : label == subtitle ? address : NULL)
    {
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_box_append (GTK_BOX (box), label);
    }
  /* A station's name tells it from its neighbours (…街道户外劳动者服务站):
   * it wraps rather than losing its end, as do the hours and the address
   * (a kiosk's list is narrow); a hostile one still stops at a few lines. */
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (title), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (title), 3);
  for (GtkWidget *label = subtitle; label; label = label == subtitle ? address : NULL)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_lines (GTK_LABEL (label), 2);
    }
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (address, "dim-label");
  gtk_widget_add_css_class (address, "caption");
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  wh_record_get_text (station, "name"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, line, -1);
  g_object_set_data_full (G_OBJECT (row), "station-id64", g_memdup2 (&station->id, sizeof (gint64)),
                          g_free);
  return row;
}

static gboolean
searching (WhStationsView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return text && *text;
}

static void
show_nearest_markers (WhStationsView *self)
{
  /* A search's results are numbered at any zoom: they are what was asked for. */
  gboolean close = shumate_viewport_get_zoom_level (get_viewport (self)) >= NEAREST_MARKERS_ZOOM ||
                   searching (self);

  for (guint i = 0; i < self->nearest_markers->len; i++)
    gtk_widget_set_visible (self->nearest_markers->pdata[i], close);
}

static void
update_nearest_markers (WhStationsView *self)
{
  for (guint i = 0; i < self->nearest_markers->len; i++)
    shumate_marker_layer_remove_marker (self->marker_layer, self->nearest_markers->pdata[i]);
  g_ptr_array_set_size (self->nearest_markers, 0);
  for (guint i = 0; self->nearby && i < MIN (self->nearby->len, N_NEAREST_MARKERS); i++)
    {
      const WhNearby *item = self->nearby->pdata[i];
      g_autofree char *number = g_strdup_printf ("%u", i + 1);
      ShumateMarker *marker = shumate_marker_new ();
      GtkWidget *label = gtk_label_new (number);

      gtk_widget_add_css_class (label, "wh-nearest-marker");
      /* The list is the way to them from the keyboard; a tap on the map
       * reaches them through map_released_cb, which reads this id. */
      gtk_widget_set_can_target (GTK_WIDGET (marker), FALSE);
      shumate_marker_set_child (marker, label);
      g_object_set_data_full (G_OBJECT (marker), "station-id64",
                              g_memdup2 (&item->record->id, sizeof (gint64)), g_free);
      shumate_location_set_location (SHUMATE_LOCATION (marker),
                                     wh_record_get_real (item->record, "lat"),
                                     wh_record_get_real (item->record, "lon"));
      shumate_marker_layer_add_marker (self->marker_layer, marker);
      g_ptr_array_add (self->nearest_markers, marker);
    }
  /* The open station's pin stays above the numbers. */
  g_object_ref (self->selected_marker);
  shumate_marker_layer_remove_marker (self->marker_layer, self->selected_marker);
  shumate_marker_layer_add_marker (self->marker_layer, self->selected_marker);
  g_object_unref (self->selected_marker);
  show_nearest_markers (self);
}

/* A new search's first results (the numbered ones) in view on the map. */
static void
fit_results (WhStationsView *self)
{
  double box[4] = { G_MAXDOUBLE, G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
  double lat, lon, zoom;

  for (guint i = 0; i < MIN (self->nearby->len, N_NEAREST_MARKERS); i++)
    {
      const WhRecord *record = ((WhNearby *) self->nearby->pdata[i])->record;

      box[0] = MIN (box[0], wh_record_get_real (record, "lat"));
      box[1] = MIN (box[1], wh_record_get_real (record, "lon"));
      box[2] = MAX (box[2], wh_record_get_real (record, "lat"));
      box[3] = MAX (box[3], wh_record_get_real (record, "lon"));
    }
  wh_map_fit (box[0], box[1], box[2], box[3],
              MAX (gtk_widget_get_width (GTK_WIDGET (self->map)), 300),
              MAX (gtk_widget_get_height (GTK_WIDGET (self->map)), 300), 3, PLACE_ZOOM + 2,
              &lat, &lon, &zoom);
  shumate_map_go_to_full (self->map, lat, lon, zoom);
}

static void
set_empty (WhStationsView *self,
           const char     *title,
           const char     *description)
{
  adw_status_page_set_title (self->empty_page, title);
  /* An error's message may be part of it. */
  wh_format_status_page_set_description (self->empty_page, description);
  gtk_stack_set_visible_child_name (self->list_stack, "empty");
}

static void
list_done_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  WhStationsView *self = user_data;
  g_autoptr(GError) error = NULL;
  gint64 total = -1;
  g_autoptr(GPtrArray) items = wh_stations_list_finish (WH_STORE (object), result, &total, &error);
  const WhRecord *station;
  GtkWidget *child;
  gint64 here_id = 0;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (self->context && wh_context_get_kiosk (self->context))
    here_id = g_settings_get_int64 (wh_context_get_settings (self->context), "kiosk-station-id");
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->nearest_list))))
    gtk_list_box_remove (self->nearest_list, child);
  g_clear_pointer (&self->nearby, g_ptr_array_unref);
  if (items == NULL)
    {
      set_empty (self, _("Stations Could Not Be Read"), error->message);
      update_nearest_markers (self);
      return;
    }
  self->nearby = g_ptr_array_ref (items);
  update_nearest_markers (self);
  if (self->fit_results && searching (self) && items->len > 0)
    fit_results (self);
  self->fit_results = FALSE;
  if (items->len == 0)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

      if (total <= 0)
        set_empty (self, _("No Stations Yet"),
                   _("Sync when you have a network to download the stations."));
      else if (text && *text)
        set_empty (self, _("No Results"), _("Try a shorter word, or clear the filters."));
      else
        set_empty (self, _("No Station Matches"), _("Turn off a filter to see more stations."));
      return;
    }
  station = wh_station_page_get_station (self->station_page);
  for (guint i = 0; i < items->len; i++)
    {
      GtkWidget *row = make_row (items->pdata[i],
                                 here_id > 0 && ((WhNearby *) items->pdata[i])->record->id == here_id);

      gtk_list_box_append (self->nearest_list, row);
      if (station && station->id == ((WhNearby *) items->pdata[i])->record->id)
        gtk_list_box_select_row (self->nearest_list, GTK_LIST_BOX_ROW (row));
    }
  if (items->len == self->list_limit)
    {
      GtkWidget *more = gtk_list_box_row_new ();
      GtkWidget *label = gtk_label_new (_("Show more stations"));

      gtk_widget_set_margin_top (label, 12);
      gtk_widget_set_margin_bottom (label, 12);
      gtk_widget_add_css_class (label, "accent");
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (more), label);
      gtk_widget_set_name (more, "show-more");
      gtk_list_box_append (self->nearest_list, more);
    }
  gtk_stack_set_visible_child_name (self->list_stack, "list");
}

/* A blue dot with "You are here" above it. The marker centres its child on
 * the place: a hidden copy of the words below keeps the dot in the middle. */
static GtkWidget *
make_here_marker (void)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *dot = gtk_image_new ();

  for (guint i = 0; i < 2; i++)
    {
      GtkWidget *label = gtk_label_new (C_("map marker", "You are here"));

      gtk_widget_add_css_class (label, i == 0 ? "wh-here-label" : "wh-here-balance");
      gtk_box_append (GTK_BOX (box), label);
      if (i == 0)
        {
          gtk_widget_add_css_class (dot, "wh-here-dot");
          gtk_widget_set_halign (dot, GTK_ALIGN_CENTER);
          gtk_box_append (GTK_BOX (box), dot);
        }
    }
  return box;
}

/* "You are here" on the map, where distances are measured from: the
 * worker's place or the kiosk's station; hidden when neither is known. */
static void
update_here_marker (WhStationsView *self)
{
  double lat, lon;

  if (self->context == NULL || !wh_context_get_location (self->context, &lat, &lon))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->here_marker), FALSE);
      return;
    }
  shumate_location_set_location (SHUMATE_LOCATION (self->here_marker), lat, lon);
  gtk_widget_set_visible (GTK_WIDGET (self->here_marker), TRUE);
}

static void
update_origin_label (WhStationsView *self,
                     gboolean        known)
{
  /* A kiosk has no preferences: its own place comes with its set-up. */
  gboolean kiosk = self->context && wh_context_get_kiosk (self->context);

  update_here_marker (self);

  gtk_label_set_text (self->origin_label,
                      known ? (kiosk ? _("Nearest to this station first.")
                                     : _("Nearest to you first."))
                            : !kiosk ? _("Nearest to the map centre first. Where are you?")
                                     : _("Nearest to the map centre first."));
  gtk_widget_set_visible (GTK_WIDGET (self->set_place_button), !known && !kiosk);
}

static void
set_place_clicked_cb (WhStationsView *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "app.preferences", NULL);
}

static void
reload_list (WhStationsView *self)
{
  WhStationFilter filter;
  const char *text;
  double lat, lon;
  gboolean known;

  if (self->nearest_list == NULL)
    return;
  g_cancellable_cancel (self->list_cancellable);
  g_clear_object (&self->list_cancellable);
  if (self->store == NULL)
    {
      set_empty (self, _("Opening the Saved Stations…"), NULL);
      return;
    }
  self->list_cancellable = g_cancellable_new ();
  get_filter (self, &filter);
  text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  known = get_origin (self, &lat, &lon);
  update_origin_label (self, known);
  /* The list_done_cb of a cancelled read returns before touching self. */
  wh_stations_list_async (self->store, &filter, text, lat, lon, self->list_limit,
                          self->list_cancellable, list_done_cb, self);
}

static void
search_changed_cb (WhStationsView *self)
{
  self->fit_results = TRUE;
  self->list_limit = LIST_STEP;
  reload_list (self);
}

static void
row_activated_cb (WhStationsView *self,
                  GtkListBoxRow  *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "station-id64");

  if (id == NULL)
    {
      /* "Show more stations" */
      self->list_limit += LIST_STEP;
      reload_list (self);
      return;
    }
  show_station (self, *id, TRUE);
}

static gboolean
origin_timeout_cb (gpointer user_data)
{
  WhStationsView *self = user_data;
  double lat, lon;

  self->origin_timeout = 0;
  if (!get_origin (self, &lat, &lon) && wh_station_page_get_station (self->station_page) == NULL)
    reload_list (self);
  return G_SOURCE_REMOVE;
}

static void
viewport_moved_cb (WhStationsView *self)
{
  /* With no place known the list measures from the map's centre: follow
   * it once the map comes to rest. */
  g_clear_handle_id (&self->origin_timeout, g_source_remove);
  self->origin_timeout = g_timeout_add (400, origin_timeout_cb, self);
}

/* ---- The station page --------------------------------------------------- */

static void
set_selected_marker (WhStationsView *self)
{
  const WhRecord *station = wh_station_page_get_station (self->station_page);

  if (station == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->selected_marker), FALSE);
      return;
    }
  shumate_location_set_location (SHUMATE_LOCATION (self->selected_marker),
                                 wh_record_get_real (station, "lat"),
                                 wh_record_get_real (station, "lon"));
  gtk_widget_set_visible (GTK_WIDGET (self->selected_marker), TRUE);
}

static void
select_list_row (WhStationsView *self,
                 gint64          id)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->nearest_list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      gint64 *row_id = g_object_get_data (G_OBJECT (row), "station-id64");

      if (row_id && *row_id == id)
        {
          gtk_list_box_select_row (self->nearest_list, GTK_LIST_BOX_ROW (row));
          return;
        }
    }
  gtk_list_box_unselect_all (self->nearest_list);
}

static void
station_read_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  WhStationsView *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) record = wh_store_get_record_finish (WH_STORE (object), result, &error);
  gboolean known;
  double lat, lon;

  /* Cancelled: the view went, or another station was asked for since. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (record == NULL)
    {
      toast (self, error->message);
      return;
    }
  known = get_origin (self, &lat, &lon);
  wh_station_page_show (self->station_page, self->context, record, known, lat, lon);
  set_selected_marker (self);
  select_list_row (self, record->id);
  gtk_stack_set_visible_child_name (self->sidebar_stack, "station");
  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
  if (self->station_move_map)
    shumate_map_go_to_full (self->map, wh_record_get_real (record, "lat"),
                            wh_record_get_real (record, "lon"),
                            MAX (PLACE_ZOOM + 2, shumate_viewport_get_zoom_level (get_viewport (self))));
  wh_station_page_focus_back (self->station_page);
}

static void
show_station (WhStationsView *self,
              gint64          id,
              gboolean        move_map)
{
  if (self->store == NULL)
    return;
  /* The last station asked for wins. */
  g_cancellable_cancel (self->station_cancellable);
  g_clear_object (&self->station_cancellable);
  self->station_cancellable = g_cancellable_new ();
  self->station_move_map = move_map;
  wh_store_get_record_async (self->store, &wh_collection_stations, id, self->station_cancellable,
                             station_read_cb, self);
}

static void
close_station (WhStationsView *self)
{
  g_cancellable_cancel (self->station_cancellable);
  wh_station_page_clear (self->station_page);
  set_selected_marker (self);
  gtk_list_box_unselect_all (self->nearest_list);
  gtk_stack_set_visible_child_name (self->sidebar_stack, "list");
}

static void
back_clicked_cb (WhStationsView *self)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->nearest_list);

  close_station (self);
  /* Back where the worker was: on the station's row (the list scrolls to
   * it), else the first. */
  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->nearest_list, 0);
  if (row)
    gtk_widget_grab_focus (GTK_WIDGET (row));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->nearest_list));
}

static void
show_on_map_cb (WhStationsView *self,
                double          lat,
                double          lon)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "map");
  shumate_map_go_to_full (self->map, lat, lon,
                          MAX (PLACE_ZOOM + 2, shumate_viewport_get_zoom_level (get_viewport (self))));
}

static void
station_message_cb (WhStationsView *self,
                    const char     *message)
{
  toast (self, message);
}

/* ---- Map ---------------------------------------------------------------- */

/* A finger is about 44 px wide: a marker smaller than that still takes a
 * tap this far from its centre (the layer's clusters do the same). */
#define TOUCH_RADIUS 22.0
/* One press of + or − is one zoom level: each halves or doubles the scale. */
#define ZOOM_STEP 1.0
/* A finger that moved further than this between down and up dragged. */
#define TAP_SLOP 10.0

/* The numbered nearest marker under map point (x, y), drawn above the
 * clusters, if any. */
static gboolean
pick_nearest_marker (WhStationsView *self,
                     double          x,
                     double          y,
                     gint64         *id)
{
  double best_d = G_MAXDOUBLE;
  gint64 *best = NULL;

  for (guint i = 0; i < self->nearest_markers->len; i++)
    {
      ShumateMarker *marker = self->nearest_markers->pdata[i];
      double mx, my, d, r;

      if (!gtk_widget_get_visible (GTK_WIDGET (marker)))
        continue;
      shumate_viewport_location_to_widget_coords (get_viewport (self), GTK_WIDGET (self->map),
                                                  shumate_location_get_latitude (SHUMATE_LOCATION (marker)),
                                                  shumate_location_get_longitude (SHUMATE_LOCATION (marker)),
                                                  &mx, &my);
      d = hypot (mx - x, my - y);
      r = MAX (TOUCH_RADIUS, gtk_widget_get_width (GTK_WIDGET (marker)) / 2.0);
      if (d <= r && d < best_d)
        {
          best_d = d;
          best = g_object_get_data (G_OBJECT (marker), "station-id64");
        }
    }
  if (best == NULL)
    return FALSE;
  *id = *best;
  return TRUE;
}

static void
map_pressed_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                WhStationsView  *self)
{
  self->tap_x = x;
  self->tap_y = y;
}

/* A tap on the map: on a numbered marker or a station, its page; on a
 * cluster, closer in. The markers above the station layer would take the
 * pointer from it, so the map itself listens, in the capture phase, and
 * claims only a tap that hits something: a drag still pans. */
static void
map_released_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 WhStationsView  *self)
{
  double lx, ly, lat, lon, zoom;
  guint count;
  gint64 id;

  /* A drag that ends where it started is still a drag: GTK 4.8 reports
   * its release as a press. */
  if (hypot (x - self->tap_x, y - self->tap_y) > TAP_SLOP)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  if (n_press == 1 && pick_nearest_marker (self, x, y, &id))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
      show_station (self, id, FALSE);
      return;
    }
  if (n_press != 1 ||
      !gtk_widget_translate_coordinates (GTK_WIDGET (self->map), GTK_WIDGET (self->station_layer),
                                         x, y, &lx, &ly) ||
      !wh_station_layer_pick (self->station_layer, lx, ly, &lat, &lon, &count, &id))
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  if (count == 1)
    {
      show_station (self, id, FALSE);
      return;
    }
  zoom = shumate_viewport_get_zoom_level (get_viewport (self));
  shumate_map_go_to_full (self->map, lat, lon,
                          MIN (round (zoom) + 2, shumate_viewport_get_max_zoom_level (get_viewport (self))));
}

/* From the level shown (rounded: a pinch leaves it between two), one level
 * in or out, at once: on a kiosk the buttons are the way to zoom, and a
 * press during an animation would count from a level in between. */
static void
zoom_by (WhStationsView *self,
         double          step)
{
  ShumateViewport *viewport = get_viewport (self);
  double zoom = round (shumate_viewport_get_zoom_level (viewport)) + step;

  zoom = CLAMP (zoom, shumate_viewport_get_min_zoom_level (viewport),
                shumate_viewport_get_max_zoom_level (viewport));
  shumate_viewport_set_zoom_level (viewport, zoom);
}

static void
zoom_in_clicked_cb (WhStationsView *self)
{
  zoom_by (self, ZOOM_STEP);
}

static void
zoom_out_clicked_cb (WhStationsView *self)
{
  zoom_by (self, -ZOOM_STEP);
}

/* With no network the tiles never come: say why the map is plain. */
static void
network_changed_cb (WhStationsView *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->offline_label),
                          !g_network_monitor_get_network_available (g_network_monitor_get_default ()));
}

static void
home_clicked_cb (WhStationsView *self)
{
  go_home (self, TRUE);
  /* With no place known "my place" is the saved stations' area: say so. */
  if (!(self->context && wh_context_get_location (self->context, NULL, NULL)))
    toast (self, self->context && wh_context_get_kiosk (self->context)
                   ? _("This kiosk's station is not set: showing all saved stations.")
                   : _("Your place is not known: set your city in Preferences. Showing all saved stations."));
}

static void
show_map_clicked_cb (WhStationsView *self)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "map");
}

static void
show_list_clicked_cb (WhStationsView *self)
{
  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
}

static void
folded_cb (WhStationsView *self)
{
  gboolean folded = adw_leaflet_get_folded (self->leaflet);

  gtk_widget_set_visible (GTK_WIDGET (self->show_map_button), folded);
  gtk_widget_set_visible (GTK_WIDGET (self->show_list_button), folded);
}

/* The tile source from settings (wh-map-source.c). */
static void
set_tile_source (WhStationsView *self)
{
  ShumateViewport *viewport = get_viewport (self);

  if (self->tile_layer)
    {
      shumate_map_remove_layer (self->map, SHUMATE_LAYER (self->tile_layer));
      self->tile_layer = NULL;
    }
  if (self->map_source)
    shumate_license_remove_map_source (self->license, self->map_source);
  g_clear_object (&self->map_source);

  self->map_source = wh_map_source_new (wh_context_get_settings (self->context));
  shumate_viewport_set_reference_map_source (viewport, self->map_source);
  self->tile_layer = shumate_map_layer_new (self->map_source, viewport);
  shumate_map_insert_layer_above (self->map, SHUMATE_LAYER (self->tile_layer),
                                  SHUMATE_LAYER (self->backdrop));
  shumate_license_append_map_source (self->license, self->map_source);
}

static void
set_extent (WhStationsView *self,
            GPtrArray      *cities)
{
  ShumateViewport *viewport = get_viewport (self);
  gboolean at_home;

  self->have_extent = wh_stations_cities_extent (cities, self->extent);
  /* With no place known the map opened on all of China: move it to where
   * the saved stations are, unless the worker moved it already. */
  at_home = shumate_viewport_get_zoom_level (viewport) == HOME_ZOOM &&
            shumate_location_get_latitude (SHUMATE_LOCATION (viewport)) == HOME_LAT &&
            shumate_location_get_longitude (SHUMATE_LOCATION (viewport)) == HOME_LON;
  if (self->have_extent && at_home && !(self->context && wh_context_get_location (self->context,
                                                                                  NULL, NULL)))
    go_home (self, FALSE);
}

static void
cities_done_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  WhStationsView *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cities = wh_store_list_city_centres_finish (WH_STORE (object), result,
                                                                   &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (cities)
    {
      wh_map_backdrop_set_cities (self->backdrop, cities);
      set_extent (self, cities);
    }
  else
    g_debug ("No city names for the map: %s", error->message);
}

static void
load_cities (WhStationsView *self)
{
  if (self->store == NULL)
    return;
  /* Scans every station: on the store's queue, the view's cancellable
   * stops it touching a view that went. */
  wh_store_list_city_centres_async (self->store, self->cancellable, cities_done_cb, self);
}

/* ---- WhServicePage ------------------------------------------------------ */

static gboolean
stations_changed_idle_cb (gpointer user_data)
{
  WhStationsView *self = user_data;

  self->changed_idle = 0;
  wh_station_layer_reload (self->station_layer);
  load_cities (self);
  reload_list (self);
  return G_SOURCE_REMOVE;
}

/* On the main context (the store's contract). */
static void
stations_changed_cb (WhStore        *store,
                     const char     *what,
                     WhStationsView *self)
{
  if (g_strcmp0 (what, "stations") != 0)
    return;
  /* Once for a burst of pages: ::changed comes once per main-loop turn, and
   * a full sync writes hundreds of pages over many. */
  if (self->changed_idle == 0)
    self->changed_idle = g_timeout_add (300, stations_changed_idle_cb, self);
}

static void
store_changed_cb (WhStationsView *self)
{
  WhStore *store = wh_context_get_store (self->context);

  if (store == self->store)
    return;
  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, stations_changed_cb, self);
  g_set_object (&self->store, store);
  if (store)
    g_signal_connect_object (store, "changed", G_CALLBACK (stations_changed_cb), self, 0);
  wh_station_layer_set_store (self->station_layer, store);
  load_cities (self);
  reload_list (self);
}

static void
wh_stations_view_set_context (WhServicePage *page,
                              WhContext     *context)
{
  WhStationsView *self = WH_STATIONS_VIEW (page);

  g_set_object (&self->context, context);
  set_tile_source (self);
  g_signal_connect_object (wh_context_get_settings (context), "changed::tile-url",
                           G_CALLBACK (set_tile_source), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::store", G_CALLBACK (store_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (context, "notify::location", G_CALLBACK (location_changed_cb), self,
                           G_CONNECT_SWAPPED);
  go_home (self, FALSE);
  self->centred_once = wh_context_get_location (context, &self->centred_lat, &self->centred_lon);
  store_changed_cb (self);
}

static void
wh_stations_view_focus_search (WhServicePage *page)
{
  WhStationsView *self = WH_STATIONS_VIEW (page);

  close_station (self);
  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static gboolean
wh_stations_view_navigate_back (WhServicePage *page)
{
  WhStationsView *self = WH_STATIONS_VIEW (page);

  if (adw_leaflet_get_folded (self->leaflet) &&
      g_strcmp0 (adw_leaflet_get_visible_child_name (self->leaflet), "map") == 0)
    {
      adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
      return TRUE;
    }
  if (wh_station_page_get_station (self->station_page))
    {
      back_clicked_cb (self);
      return TRUE;
    }
  return FALSE;
}

static void
wh_stations_view_reset (WhServicePage *page)
{
  WhStationsView *self = WH_STATIONS_VIEW (page);

  /* Nothing of the last person: no station, search, filter or place. */
  close_station (self);
  g_signal_handlers_block_by_func (self->search_entry, search_changed_cb, self);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
  g_signal_handlers_unblock_by_func (self->search_entry, search_changed_cb, self);
  for (guint i = 0; i < G_N_ELEMENTS (self->amenity_toggles); i++)
    {
      g_signal_handlers_block_by_func (self->amenity_toggles[i], filter_toggled_cb, self);
      gtk_toggle_button_set_active (self->amenity_toggles[i], FALSE);
      g_signal_handlers_unblock_by_func (self->amenity_toggles[i], filter_toggled_cb, self);
    }
  g_signal_handlers_block_by_func (self->open_now_toggle, filter_toggled_cb, self);
  g_signal_handlers_block_by_func (self->open_24h_toggle, filter_toggled_cb, self);
  g_signal_handlers_block_by_func (self->status_dropdown, filter_toggled_cb, self);
  gtk_toggle_button_set_active (self->open_now_toggle, FALSE);
  gtk_toggle_button_set_active (self->open_24h_toggle, FALSE);
  gtk_drop_down_set_selected (self->status_dropdown, 0);
  g_signal_handlers_unblock_by_func (self->open_now_toggle, filter_toggled_cb, self);
  g_signal_handlers_unblock_by_func (self->open_24h_toggle, filter_toggled_cb, self);
  g_signal_handlers_unblock_by_func (self->status_dropdown, filter_toggled_cb, self);
  adw_leaflet_set_visible_child_name (self->leaflet, "sidebar");
  go_home (self, FALSE);
  apply_filter (self);
}

/* The kiosk's "Nearest stations": the list (not a station's page, nor
 * the map alone where the view is folded) nearest the context's place, the
 * kiosk's own station, first, with no filter; the map around that place.
 * That is the page's start, so every topic shows it. */
static void
wh_stations_view_show_topic (WhServicePage *page,
                             const char    *topic)
{
  wh_stations_view_reset (page);
}

static void
wh_stations_view_page_init (WhServicePageInterface *iface)
{
  iface->set_context = wh_stations_view_set_context;
  iface->focus_search = wh_stations_view_focus_search;
  iface->navigate_back = wh_stations_view_navigate_back;
  iface->reset = wh_stations_view_reset;
  iface->show_topic = wh_stations_view_show_topic;
}

/* ---- Object ------------------------------------------------------------- */

static void
wh_stations_view_dispose (GObject *object)
{
  WhStationsView *self = WH_STATIONS_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->list_cancellable);
  g_cancellable_cancel (self->station_cancellable);
  g_clear_handle_id (&self->open_now_timer, g_source_remove);
  g_clear_handle_id (&self->origin_timeout, g_source_remove);
  g_clear_handle_id (&self->changed_idle, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_func (self->store, stations_changed_cb, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_STATIONS_VIEW);
  g_clear_object (&self->list_cancellable);
  g_clear_object (&self->station_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->map_source);
  g_clear_pointer (&self->nearest_markers, g_ptr_array_unref);
  g_clear_pointer (&self->nearby, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->context);
  G_OBJECT_CLASS (wh_stations_view_parent_class)->dispose (object);
}

static void
wh_stations_view_class_init (WhStationsViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = wh_stations_view_dispose;

  g_type_ensure (SHUMATE_TYPE_MAP);
  g_type_ensure (SHUMATE_TYPE_SCALE);
  g_type_ensure (SHUMATE_TYPE_LICENSE);
  g_type_ensure (WH_TYPE_STATION_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/stations/"
                                               "wh-stations-view.ui");
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, filter_box);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, home_button);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, leaflet);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, license);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, list_stack);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, map);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, nearest_list);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, offline_label);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, origin_label);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, scale);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, set_place_button);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, show_list_button);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, show_map_button);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, sidebar_stack);
  gtk_widget_class_bind_template_child (widget_class, WhStationsView, station_page);
  gtk_widget_class_bind_template_callback (widget_class, back_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, folded_cb);
  gtk_widget_class_bind_template_callback (widget_class, home_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, set_place_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_on_map_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_list_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_map_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, station_message_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_in_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_out_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "wh-stations-view");
}

static void
load_css (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

      gtk_css_provider_load_from_resource (provider,
                                           "/org/workershome/WorkersHome/stations/stations.css");
      gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                  GTK_STYLE_PROVIDER (provider),
                                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
      g_once_init_leave (&done, 1);
    }
}

static void
wh_stations_view_init (WhStationsView *self)
{
  ShumateViewport *viewport;
  GtkGesture *tap;
  GtkWidget *pin, *here;

  gtk_widget_init_template (GTK_WIDGET (self));
  wh_keynav_set_tab_leaves (GTK_WIDGET (self->nearest_list));
  load_css ();
  self->cancellable = g_cancellable_new ();
  self->list_limit = LIST_STEP;
  self->nearest_markers = g_ptr_array_new ();

  viewport = get_viewport (self);
  shumate_viewport_set_min_zoom_level (viewport, 3);
  shumate_viewport_set_max_zoom_level (viewport, 18);
  /* Rotating helps nobody find a station and confuses north. */
  shumate_viewport_set_rotation (viewport, 0);
  shumate_scale_set_viewport (self->scale, viewport);
  /* Kilometres and metres, as in China (the default adds miles and feet). */
  shumate_scale_set_unit (self->scale, SHUMATE_UNIT_METRIC);
  g_signal_connect_object (g_network_monitor_get_default (), "network-changed",
                           G_CALLBACK (network_changed_cb), self, G_CONNECT_SWAPPED);
  network_changed_cb (self);

  self->backdrop = wh_map_backdrop_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->backdrop));
  self->station_layer = wh_station_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->station_layer));
  self->marker_layer = shumate_marker_layer_new (viewport);
  shumate_map_add_layer (self->map, SHUMATE_LAYER (self->marker_layer));
  tap = gtk_gesture_click_new ();
  /* Named, for the tests that tap through it. */
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (tap), "wh-map-tap");
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (tap), GTK_PHASE_CAPTURE);
  g_signal_connect (tap, "pressed", G_CALLBACK (map_pressed_cb), self);
  g_signal_connect (tap, "released", G_CALLBACK (map_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->map), GTK_EVENT_CONTROLLER (tap));
  g_signal_connect_object (viewport, "notify::latitude", G_CALLBACK (viewport_moved_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (viewport, "notify::longitude", G_CALLBACK (viewport_moved_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (viewport, "notify::zoom-level", G_CALLBACK (show_nearest_markers), self,
                           G_CONNECT_SWAPPED);

  self->here_marker = shumate_marker_new ();
  here = make_here_marker ();
  shumate_marker_set_child (self->here_marker, here);
  gtk_widget_set_can_target (GTK_WIDGET (self->here_marker), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->here_marker), FALSE);
  /* First: under the station it may stand at (the kiosk's own) and the
   * numbered ones. */
  shumate_marker_layer_add_marker (self->marker_layer, self->here_marker);

  self->selected_marker = shumate_marker_new ();
  pin = gtk_image_new_from_icon_name ("mark-location-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (pin), 40);
  gtk_widget_add_css_class (pin, "wh-selected-marker");
  shumate_marker_set_child (self->selected_marker, pin);
  gtk_widget_set_can_target (GTK_WIDGET (self->selected_marker), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->selected_marker), FALSE);
  shumate_marker_layer_add_marker (self->marker_layer, self->selected_marker);

  build_filters (self);
  self->open_now_timer = g_timeout_add_seconds (60, open_now_tick_cb, self);
  folded_cb (self);
  set_empty (self, _("Opening the Saved Stations…"), NULL);
}
