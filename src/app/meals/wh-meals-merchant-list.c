/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-merchant-list.c: the love-meal merchants, their map and their
 * Claim buttons (wh-meals-merchant-list.h). */
#define G_LOG_DOMAIN "wh-meals-view"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <shumate/shumate.h>
#include <string.h>

#include "wh-format.h"
#include "wh-meals-format.h"
#include "wh-geo.h"
#include "wh-map-source.h"
#include "wh-sync.h"
#include "wh-meals-merchant-list.h"

/* Enough merchants to choose from without scrolling through a city. */
#define MAX_MERCHANTS 30
/* Markers are whole widgets: a handful only (see HACKING.md). */
#define MAX_MARKERS 12
/* The small map: its size before it is first drawn, and how far it may
 * zoom to show every marker (a street at most, a province at least). */
#define MAP_MIN_WIDTH  360
#define MAP_MIN_HEIGHT 220
/* Its height in the list (the template's height-request). */
#define MAP_LIST_HEIGHT 220
#define MAP_MIN_ZOOM   6
#define MAP_MAX_ZOOM   15
/* How often who serves now is checked again, so a Claim button wakes when
 * a serving window opens and sleeps when it closes. */
#define SERVING_CHECK_S 20

typedef struct
{
  WhRecord *record;
  double    distance_m; /* < 0: no location known */
  gboolean  serving;    /* one of its windows holds the minute it was read at */
} Merchant;

static void
merchant_free (Merchant *m)
{
  wh_record_free (m->record);
  g_free (m);
}

struct _WhMealsMerchantList
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkLabel       *location_label;
  GtkFrame       *map_frame;
  GtkLabel       *merchants_empty_label;
  GtkListBox     *merchants_list;
  GtkSearchEntry *search_entry;
  GtkToggleButton *serving_button;
  GtkLabel       *serving_hint_label;

  /* Owned references */
  WhContext          *context;
  WhStore            *store;
  WhApi              *api;
  GCancellable       *cancellable;      /* the list's life */
  GCancellable       *load_cancellable; /* the latest merchant load */
  WhSync             *merchant_sync;
  GPtrArray          *merchants;        /* Merchant* shown */
  ShumateSimpleMap   *map;
  ShumateMarkerLayer *marker_layer;
  GDateTime          *clock;            /* a moment set by a test, NULL: now */
  GtkBox             *map_pane;         /* beside the list, or NULL: in it */
  GBinding           *pane_shown;       /* the pane shown while the map is */

  /* State */
  gboolean            has_location;     /* of the last fit of the map */
  double              lat, lon;
  guint               refit_tick;       /* the map moved: fit it at its new size */
  gint64              claiming;         /* merchant id of the claim in flight */
  gboolean            eligible;         /* FALSE: the signed-in worker may not claim */
  guint               serving_source;
};

G_DEFINE_FINAL_TYPE (WhMealsMerchantList, wh_meals_merchant_list, GTK_TYPE_WIDGET)

enum
{
  CLAIM,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Minutes since midnight in the server's day (China Standard Time), by the
 * list's clock. */
static int
now_minutes_cst (WhMealsMerchantList *self)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) now = self->clock ? g_date_time_to_timezone (self->clock, cst)
                                         : g_date_time_new_now (cst);

  return g_date_time_get_hour (now) * 60 + g_date_time_get_minute (now);
}

static gboolean
serving_at (const WhRecord *merchant,
            int             minute)
{
  g_auto(GStrv) windows = wh_record_dup_strv (merchant, "windows");

  /* The contract: start included, end excluded. */
  return wh_windows_contain ((const char * const *) windows, minute);
}

/* Today's remaining meals: remaining_today counts for quota_day only; on
 * any other day nothing was claimed yet and the whole daily quota is left. */
static gint64
merchant_remaining (const WhRecord *merchant)
{
  g_autofree char *today = wh_api_service_day ();
  const char *quota_day = wh_record_is_set (merchant, "quota_day") ?
                          wh_record_get_text (merchant, "quota_day") : NULL;

  if (g_strcmp0 (quota_day, today) != 0)
    return wh_record_get_int (merchant, "daily_quota");
  return wh_record_get_int (merchant, "remaining_today");
}

static void
claim_clicked_cb (GtkButton           *button,
                  WhMealsMerchantList *self)
{
  const WhRecord *merchant = g_object_get_data (G_OBJECT (button), "merchant");

  if (merchant)
    g_signal_emit (self, signals[CLAIM], 0, merchant);
}

/* Why a merchant's Claim button sleeps, or NULL when it may be pressed:
 * the reasons the server would give, said before the press. */
static char *
claim_refusal (WhMealsMerchantList *self,
               const Merchant      *m)
{
  int next;

  if (!self->eligible)
    return g_strdup (_("You are not eligible yet"));
  if (merchant_remaining (m->record) <= 0)
    return g_strdup (_("All claimed today"));
  if (m->serving)
    return NULL;
  next = wh_meals_next_window (m->record, now_minutes_cst (self));
  if (next < 0)
    return g_strdup (_("Closed for today"));
  /* Translators: when the merchant's next serving window opens, "17:00" */
  return g_strdup_printf (_("Claim from %02d:%02d"), next / 60, next % 60);
}

static GtkWidget *
merchant_row_new (WhMealsMerchantList *self,
                  const Merchant      *m)
{
  const WhRecord *r = m->record;
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *name = gtk_label_new (wh_record_get_text (r, "name"));
  GtkWidget *where;
  GtkWidget *when;
  GtkWidget *bottom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *left;
  /* No mnemonic: one per row would repeat; the accessible name says which. */
  GtkWidget *button = gtk_button_new_with_label (_("Claim"));
  gint64 remaining = merchant_remaining (r);
  gint64 quota = wh_record_get_int (r, "daily_quota");
  gboolean serving = m->serving;
  g_autofree char *refusal = claim_refusal (self, m);
  g_autofree char *windows = wh_meals_format_windows (r);
  g_autofree char *distance = m->distance_m >= 0 ? wh_format_distance (m->distance_m) : NULL;
  g_autofree char *where_text = NULL;
  g_autofree char *when_text = NULL;
  g_autofree char *left_text = NULL;
  g_autofree char *a11y = NULL;

  if (distance)
    /* Translators: a distance, then an address: "350 m · 大兴区黄村镇..." */
    where_text = g_strdup_printf (_("%s · %s"), distance, wh_meals_text_or_empty (r, "address"));
  else
    where_text = g_strdup (wh_meals_text_or_empty (r, "address"));
  when_text = serving ?
    /* Translators: %s lists serving times */
    g_strdup_printf (_("Serving now · %s"), windows) :
    /* Translators: %s lists serving times */
    g_strdup_printf (_("Not serving now · serves %s"), windows);
  if (remaining > 0)
    /* Translators: meals left today of the daily quota */
    left_text = g_strdup_printf (ngettext ("%d of %d meal left today",
                                           "%d of %d meals left today",
                                           (unsigned long) MIN (remaining, 100000)),
                                 (int) MIN (remaining, 100000), (int) MIN (quota, 100000));
  if (refusal != NULL && left_text != NULL && self->eligible)
    {
      /* Meals left, but not now: both ("5 of 5 meals left today · Claim
       * from 17:00"). */
      char *both = g_strdup_printf (_("%s · %s"), left_text, refusal);

      g_free (left_text);
      left_text = both;
    }
  else if (refusal != NULL)
    left_text = g_strdup (refusal);

  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 10);
  gtk_widget_set_margin_bottom (box, 10);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_label_set_wrap (GTK_LABEL (name), TRUE);
  gtk_widget_add_css_class (name, "heading");
  where = gtk_label_new (where_text);
  gtk_label_set_xalign (GTK_LABEL (where), 0);
  gtk_label_set_wrap (GTK_LABEL (where), TRUE);
  gtk_widget_add_css_class (where, "dim-label");
  when = gtk_label_new (when_text);
  gtk_label_set_xalign (GTK_LABEL (when), 0);
  gtk_label_set_wrap (GTK_LABEL (when), TRUE);
  gtk_widget_add_css_class (when, serving ? "success" : "dim-label");
  left = gtk_label_new (left_text);
  gtk_label_set_xalign (GTK_LABEL (left), 0);
  gtk_label_set_wrap (GTK_LABEL (left), TRUE);
  gtk_widget_set_hexpand (left, TRUE);
  if (refusal != NULL)
    gtk_widget_add_css_class (left, remaining <= 0 ? "warning" : "dim-label");

  /* Touch-sized: the kiosk's finger needs 48 px. */
  gtk_widget_set_size_request (button, 96, 44);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "suggested-action");
  gtk_widget_add_css_class (button, "pill");
  /* Translators: accessible name of a Claim button; %s is a merchant */
  a11y = g_strdup_printf (_("Claim a meal at %s"), wh_record_get_text (r, "name"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
  /* A sleeping button says why to a screen reader too. */
  if (refusal != NULL)
    gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                    GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, refusal, -1);
  g_object_set_data_full (G_OBJECT (button), "merchant", wh_record_copy (r),
                          (GDestroyNotify) wh_record_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (claim_clicked_cb), self, 0);
  gtk_widget_set_sensitive (button, refusal == NULL && self->claiming == 0);

  gtk_box_append (GTK_BOX (bottom), left);
  gtk_box_append (GTK_BOX (bottom), button);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), where);
  gtk_box_append (GTK_BOX (box), when);
  gtk_box_append (GTK_BOX (box), bottom);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (row), "claim-button", button);
  g_object_set_data (G_OBJECT (row), "available", GINT_TO_POINTER (refusal == NULL));
  g_object_set_data_full (G_OBJECT (row), "merchant-id64", g_memdup2 (&r->id, sizeof r->id), g_free);
  return row;
}

/* The tiles the stations' map draws too: the "tile-url" setting. */
static void
set_tile_source (WhMealsMerchantList *self)
{
  g_autoptr(ShumateMapSource) source = NULL;

  if (self->map == NULL || self->context == NULL)
    return;
  source = wh_map_source_new (wh_context_get_settings (self->context));
  shumate_simple_map_set_map_source (self->map, source);
}

static void
update_map (WhMealsMerchantList *self,
            gboolean             has_location,
            double               lat,
            double               lon)
{
  ShumateViewport *viewport;
  double box[4] = { lat, lon, lat, lon }; /* south, west, north, east */
  double zoom;
  guint n = 0;

  self->has_location = has_location;
  self->lat = lat;
  self->lon = lon;
  if (self->merchants == NULL || self->merchants->len == 0)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->map_frame), FALSE);
      return;
    }
  if (self->map == NULL)
    {
      self->map = shumate_simple_map_new ();
      set_tile_source (self);
      /* Unnamed buttons to a screen reader; scrolling and pinching zoom. */
      shumate_simple_map_set_show_zoom_buttons (self->map, FALSE);
      /* A map this small has no room for the scale beside the licence. */
      gtk_widget_set_visible (GTK_WIDGET (shumate_simple_map_get_scale (self->map)), FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->map), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Map of love-meal merchants"), -1);
      viewport = shumate_simple_map_get_viewport (self->map);
      self->marker_layer = shumate_marker_layer_new (viewport);
      shumate_simple_map_add_overlay_layer (self->map, SHUMATE_LAYER (self->marker_layer));
      gtk_frame_set_child (self->map_frame, GTK_WIDGET (self->map));
    }
  viewport = shumate_simple_map_get_viewport (self->map);
  shumate_marker_layer_remove_all (self->marker_layer);
  for (guint i = 0; i < self->merchants->len && n < MAX_MARKERS; i++, n++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);
      ShumateMarker *marker = shumate_marker_new ();
      GtkWidget *image = gtk_image_new_from_icon_name ("mark-location-symbolic");
      /* Translators: a map marker's number and merchant, "3. 黄焖鸡米饭" */
      g_autofree char *tip = g_strdup_printf (_("%u. %s"), i + 1,
                                              wh_record_get_text (m->record, "name"));

      gtk_image_set_pixel_size (GTK_IMAGE (image), 24);
      gtk_widget_add_css_class (image, "accent");
      gtk_widget_set_tooltip_text (image, tip);
      shumate_marker_set_child (marker, image);
      shumate_location_set_location (SHUMATE_LOCATION (marker),
                                     wh_record_get_real (m->record, "lat"),
                                     wh_record_get_real (m->record, "lon"));
      shumate_marker_layer_add_marker (self->marker_layer, marker);
    }
  if (has_location)
    {
      ShumateMarker *here = shumate_marker_new ();
      GtkWidget *image = gtk_image_new_from_icon_name ("find-location-symbolic");

      gtk_image_set_pixel_size (GTK_IMAGE (image), 24);
      gtk_widget_set_tooltip_text (image, _("You are here"));
      shumate_marker_set_child (here, image);
      shumate_location_set_location (SHUMATE_LOCATION (here), lat, lon);
      shumate_marker_layer_add_marker (self->marker_layer, here);
    }
  /* Every marker in view: the worker and the merchants shown, not a street
   * around the first one with the rest off the edge. */
  for (guint i = 0; i < n; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);
      double mlat = wh_record_get_real (m->record, "lat");
      double mlon = wh_record_get_real (m->record, "lon");
      gboolean first = i == 0 && !has_location;

      box[0] = first ? mlat : MIN (box[0], mlat);
      box[1] = first ? mlon : MIN (box[1], mlon);
      box[2] = first ? mlat : MAX (box[2], mlat);
      box[3] = first ? mlon : MAX (box[3], mlon);
    }
  wh_map_fit (box[0], box[1], box[2], box[3],
              MAX (gtk_widget_get_width (GTK_WIDGET (self->map_frame)), MAP_MIN_WIDTH),
              MAX (gtk_widget_get_height (GTK_WIDGET (self->map_frame)), MAP_MIN_HEIGHT),
              MAP_MIN_ZOOM, MAP_MAX_ZOOM, &lat, &lon, &zoom);
  shumate_location_set_location (SHUMATE_LOCATION (viewport), lat, lon);
  shumate_viewport_set_zoom_level (viewport, zoom);
  gtk_widget_set_visible (GTK_WIDGET (self->map_frame), TRUE);
}

/* One load: the count, then the merchants, each a read on the store's
 * ordered queue. */
typedef struct
{
  WhMealsMerchantList *self;
  gboolean  has_location;
  double    lat;
  double    lon;
  char     *search;
  int       minute;    /* of the service day, when the load began */
  gboolean  serving_only; /* only the merchants serving at minute */
  gint64    total;     /* merchants in the cache */
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_object_unref (data->self);
  g_free (data->search);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LoadData, load_data_free)

static gboolean
merchant_claimable_now (const Merchant *m)
{
  return m->serving && merchant_remaining (m->record) > 0;
}

static int
compare_claimable_first (gconstpointer a,
                         gconstpointer b)
{
  const Merchant *x = *(const Merchant * const *) a, *y = *(const Merchant * const *) b;

  return (int) merchant_claimable_now (y) - (int) merchant_claimable_now (x);
}

static void show_merchants (WhMealsMerchantList *self,
                            LoadData            *data,
                            GPtrArray           *merchants,
                            GError              *error);

static void
sort_and_show (LoadData  *data,
               GPtrArray *out)
{
  for (guint i = 0; i < out->len; i++)
    {
      Merchant *m = g_ptr_array_index (out, i);

      m->serving = serving_at (m->record, data->minute);
    }
  /* A meal can be had now first: a rider at three in the afternoon wants
   * the nearest merchant still serving, not the nearest one. The sort is
   * stable, so each group keeps its order by distance or name. */
  g_ptr_array_sort (out, compare_claimable_first);
  show_merchants (data->self, data, out, NULL);
}

static void
nearest_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) near = wh_store_query_nearest_finish (WH_STORE (source), result, &error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) merchant_free);

  if (near == NULL)
    {
      show_merchants (data->self, data, NULL, error);
      return;
    }
  for (guint i = 0; i < near->len; i++)
    {
      WhNearby *n = g_ptr_array_index (near, i);
      Merchant *m = g_new0 (Merchant, 1);

      m->record = g_steal_pointer (&n->record);
      m->distance_m = n->distance_m;
      g_ptr_array_add (out, m);
    }
  sort_and_show (data, out);
}

static void
rows_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = wh_store_query_finish (WH_STORE (source), result, &error);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) merchant_free);

  if (rows == NULL)
    {
      show_merchants (data->self, data, NULL, error);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      Merchant *m = g_new0 (Merchant, 1);

      m->record = wh_record_copy (g_ptr_array_index (rows, i));
      m->distance_m = data->has_location ?
        wh_geo_distance_m (data->lat, data->lon, wh_record_get_real (m->record, "lat"),
                           wh_record_get_real (m->record, "lon")) : -1;
      g_ptr_array_add (out, m);
    }
  sort_and_show (data, out);
}

static void
count_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(LoadData) data = user_data;
  g_autoptr(GError) error = NULL;
  WhMealsMerchantList *self = data->self;
  WhStore *store = WH_STORE (source);

  data->total = wh_store_count_finish (store, result, &error);
  if (data->total < 0)
    {
      show_merchants (self, data, NULL, error);
      return;
    }
  if (data->has_location && (data->search == NULL || *data->search == '\0') &&
      !data->serving_only)
    {
      double lat = data->lat, lon = data->lon;

      wh_store_query_nearest_async (store, &wh_collection_merchants, lat, lon, MAX_MERCHANTS,
                                    self->load_cancellable, nearest_read_cb,
                                    g_steal_pointer (&data));
    }
  else
    {
      g_autoptr(WhQuery) query = wh_query_new (&wh_collection_merchants);

      if (data->search && *data->search)
        wh_query_set_match (query, data->search);
      /* Serving now: every cached merchant's windows, not only those of
       * the thirty nearest (an all-day one may be the thirty-first). */
      if (data->serving_only)
        wh_query_where_in_window (query, "windows", data->minute);
      if (data->serving_only && data->has_location)
        wh_query_set_order_distance (query, data->lat, data->lon);
      else
        wh_query_set_order (query, "name", FALSE);
      wh_store_query_async (store, query, 0, MAX_MERCHANTS, self->load_cancellable,
                            rows_read_cb, g_steal_pointer (&data));
    }
}

/* The rows again from the merchants read last (who may claim changed). */
static void
render_rows (WhMealsMerchantList *self)
{
  GtkWidget *child;
  gboolean any_serving = FALSE;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list))))
    gtk_list_box_remove (self->merchants_list, child);
  for (guint i = 0; self->merchants && i < self->merchants->len; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);
      GtkWidget *row = merchant_row_new (self, m);

      any_serving = any_serving || m->serving;
      /* A row whose button sleeps holds nothing to do: Tab passes it by
       * rather than walking thirty bare rows at night. The first stays a
       * way into the list, where it reads out why. */
      gtk_widget_set_focusable (row, i == 0 || GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row),
                                                                                   "available")));
      gtk_list_box_append (self->merchants_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->merchants_list),
                          self->merchants && self->merchants->len > 0);
  /* At 14:40 the nearest thirty may all be closed while an all-day one
   * serves further off: say where to find it. */
  gtk_widget_set_visible (GTK_WIDGET (self->serving_hint_label),
                          self->merchants && self->merchants->len > 0 && !any_serving &&
                          !gtk_toggle_button_get_active (self->serving_button));
}

static void
show_merchants (WhMealsMerchantList *self,
                LoadData            *data,
                GPtrArray           *merchants,
                GError              *error)
{
  if (merchants == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          gtk_label_set_text (self->merchants_empty_label, error->message);
          gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), TRUE);
        }
      return;
    }
  g_clear_pointer (&self->merchants, g_ptr_array_unref);
  self->merchants = g_ptr_array_ref (merchants);
  render_rows (self);

  if (self->merchants->len == 0)
    {
      gtk_label_set_text (self->merchants_empty_label,
                          data->total == 0 ?
                          _("No merchants downloaded yet. Connect to the network: the list "
                            "downloads by itself.") :
                          data->serving_only && (data->search == NULL || *data->search == '\0') ?
                          _("No merchant serves love meals now. Most serve at lunch and dinner "
                            "times.") :
                          _("No merchant matches. Try another name or street."));
      gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), TRUE);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->merchants_empty_label), FALSE);

  if (wh_context_get_kiosk (self->context))
    /* A kiosk has no preferences, and its place is its station's. */
    gtk_label_set_text (self->location_label,
                        data->has_location
                        ? _("Merchants serving now first, then the nearest to this station.")
                        : _("Merchants serving now first, then by name: this kiosk does not "
                            "know its station yet. Please tell the station staff."));
  else if (data->has_location)
    gtk_label_set_text (self->location_label, _("Merchants serving now first, then the nearest, from your location."));
  else
    gtk_label_set_text (self->location_label,
                        _("Your location is not known: merchants serving now come first, then by "
                          "name. Set your place in Preferences to see the nearest first."));
  update_map (self, data->has_location, data->lat, data->lon);
}

static void
load_merchants (WhMealsMerchantList *self)
{
  LoadData *data;

  if (self->store == NULL || self->context == NULL)
    return;
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();

  data = g_new0 (LoadData, 1);
  data->self = g_object_ref (self);
  data->has_location = wh_context_get_location (self->context, &data->lat, &data->lon);
  data->search = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
  data->minute = now_minutes_cst (self);
  data->serving_only = gtk_toggle_button_get_active (self->serving_button);
  wh_store_count_async (self->store, &wh_collection_merchants, self->load_cancellable,
                        count_read_cb, data);
}

static void
search_changed_cb (WhMealsMerchantList *self)
{
  load_merchants (self);
}

static void
serving_toggled_cb (WhMealsMerchantList *self)
{
  load_merchants (self);
}

/* A serving window opened or closed since the merchants were read: read
 * them again (the order and the Claim buttons follow). */
static gboolean
serving_check_cb (gpointer user_data)
{
  WhMealsMerchantList *self = user_data;
  int minute = now_minutes_cst (self);

  for (guint i = 0; self->merchants && i < self->merchants->len; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);

      if (serving_at (m->record, minute) != m->serving)
        {
          load_merchants (self);
          break;
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
merchant_sync_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(WhMealsMerchantList) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhSyncReport) report = NULL;

  if (!wh_sync_run_finish (WH_SYNC (source), result, &report, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("Merchants not refreshed: %s", error->message);
      return;
    }
  load_merchants (self);
}

/* Today's quotas change by the minute: the merchants are fetched again
 * when the view opens and after each claim, through the sync engine (the
 * merchants feed only), so the cache stays consistent. */
static void
refresh_merchants (WhMealsMerchantList *self)
{
  static const WhCollection *merchants[] = { &wh_collection_merchants };

  if (self->api == NULL || self->store == NULL)
    return;
  if (self->merchant_sync == NULL || wh_sync_get_api (self->merchant_sync) != self->api ||
      wh_sync_get_store (self->merchant_sync) != self->store)
    {
      g_clear_object (&self->merchant_sync);
      self->merchant_sync = wh_sync_new (self->api, self->store);
    }
  if (wh_sync_get_running (self->merchant_sync))
    return;
  wh_sync_run_async (self->merchant_sync, merchants, G_N_ELEMENTS (merchants), self->cancellable,
                     merchant_sync_cb, g_object_ref (self));
}

/* ---- Public ------------------------------------------------------------- */

void
wh_meals_merchant_list_set_context (WhMealsMerchantList *self,
                                    WhContext           *context)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  if (!g_set_object (&self->context, context) || context == NULL)
    return;
  g_signal_connect_object (wh_context_get_settings (context), "changed::tile-url",
                           G_CALLBACK (set_tile_source), self, G_CONNECT_SWAPPED);
  set_tile_source (self);
}

void
wh_meals_merchant_list_set_store (WhMealsMerchantList *self,
                                  WhStore             *store)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  g_set_object (&self->store, store);
}

void
wh_meals_merchant_list_set_api (WhMealsMerchantList *self,
                                WhApi               *api)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  g_set_object (&self->api, api);
}

void
wh_meals_merchant_list_reload (WhMealsMerchantList *self)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  load_merchants (self);
}

void
wh_meals_merchant_list_refresh (WhMealsMerchantList *self)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  refresh_merchants (self);
}

void
wh_meals_merchant_list_set_claiming (WhMealsMerchantList *self,
                                     gint64               merchant_id)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));

  self->claiming = merchant_id;
  /* Every Claim button waits: one claim at a time. */
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list));
       row != NULL; row = gtk_widget_get_next_sibling (row))
    {
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "claim-button");
      gboolean available = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "available"));

      if (button)
        gtk_widget_set_sensitive (button, merchant_id == 0 && available);
    }
}

void
wh_meals_merchant_list_set_eligible (WhMealsMerchantList *self,
                                     gboolean             eligible)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));

  eligible = !!eligible;
  if (self->eligible == eligible)
    return;
  self->eligible = eligible;
  render_rows (self);
}

void
wh_meals_merchant_list_set_clock (WhMealsMerchantList *self,
                                  GDateTime           *now)
{
  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));

  g_clear_pointer (&self->clock, g_date_time_unref);
  if (now)
    self->clock = g_date_time_ref (now);
  load_merchants (self);
}

gboolean
wh_meals_merchant_list_is_serving (WhMealsMerchantList *self,
                                   const WhRecord      *merchant)
{
  g_return_val_if_fail (WH_IS_MEALS_MERCHANT_LIST (self), FALSE);
  g_return_val_if_fail (merchant != NULL, FALSE);

  return serving_at (merchant, now_minutes_cst (self));
}

const WhRecord *
wh_meals_merchant_list_find (WhMealsMerchantList *self,
                             gint64               merchant_id)
{
  g_return_val_if_fail (WH_IS_MEALS_MERCHANT_LIST (self), NULL);

  for (guint i = 0; merchant_id && self->merchants && i < self->merchants->len; i++)
    {
      Merchant *m = g_ptr_array_index (self->merchants, i);

      if (m->record->id == merchant_id)
        return m->record;
    }
  return NULL;
}

gint64
wh_meals_merchant_list_merchant_at (WhMealsMerchantList *self,
                                    GtkWidget           *widget)
{
  g_return_val_if_fail (WH_IS_MEALS_MERCHANT_LIST (self), 0);

  for (GtkWidget *w = widget; w && w != GTK_WIDGET (self); w = gtk_widget_get_parent (w))
    {
      gint64 *id = g_object_get_data (G_OBJECT (w), "merchant-id64");

      if (id)
        return *id;
    }
  return 0;
}

gboolean
wh_meals_merchant_list_focus_merchant (WhMealsMerchantList *self,
                                       gint64               merchant_id)
{
  g_return_val_if_fail (WH_IS_MEALS_MERCHANT_LIST (self), FALSE);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list)); row;
       row = gtk_widget_get_next_sibling (row))
    {
      gint64 *id = g_object_get_data (G_OBJECT (row), "merchant-id64");
      GtkWidget *button;

      if (id == NULL || *id != merchant_id)
        continue;
      button = g_object_get_data (G_OBJECT (row), "claim-button");
      if (button && gtk_widget_is_sensitive (button) && gtk_widget_grab_focus (button))
        return TRUE;
      /* Its button sleeps (claimed today): the row itself, which reads out why. */
      gtk_widget_set_focusable (row, TRUE);
      return gtk_widget_grab_focus (row);
    }
  return FALSE;
}

GtkEditable *
wh_meals_merchant_list_get_search (WhMealsMerchantList *self)
{
  g_return_val_if_fail (WH_IS_MEALS_MERCHANT_LIST (self), NULL);
  return GTK_EDITABLE (self->search_entry);
}

/* ---- Where the map is --------------------------------------------------- */

/* Once the moved map has its new size: every marker in view at that size. */
static gboolean
refit_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       user_data)
{
  WhMealsMerchantList *self = user_data;

  if (gtk_widget_get_width (widget) <= 0)
    return G_SOURCE_CONTINUE;
  self->refit_tick = 0;
  if (self->merchants != NULL && self->merchants->len > 0)
    update_map (self, self->has_location, self->lat, self->lon);
  return G_SOURCE_REMOVE;
}

void
wh_meals_merchant_list_set_map_pane (WhMealsMerchantList *self,
                                     GtkBox              *pane)
{
  GtkWidget *frame;

  g_return_if_fail (WH_IS_MEALS_MERCHANT_LIST (self));
  g_return_if_fail (pane == NULL || GTK_IS_BOX (pane));

  if (pane == self->map_pane || self->map_frame == NULL)
    return;
  frame = g_object_ref (GTK_WIDGET (self->map_frame));
  g_clear_pointer (&self->pane_shown, g_binding_unbind);
  gtk_box_remove (GTK_BOX (gtk_widget_get_parent (frame)), frame);
  if (self->map_pane != NULL)
    gtk_widget_set_visible (GTK_WIDGET (self->map_pane), FALSE);
  self->map_pane = pane;
  if (pane != NULL)
    {
      gtk_widget_set_size_request (frame, -1, -1);
      gtk_widget_set_vexpand (frame, TRUE);
      gtk_box_append (pane, frame);
      self->pane_shown = g_object_bind_property (frame, "visible", pane, "visible",
                                                 G_BINDING_SYNC_CREATE);
    }
  else
    {
      gtk_widget_set_size_request (frame, -1, MAP_LIST_HEIGHT);
      gtk_widget_set_vexpand (frame, FALSE);
      gtk_box_insert_child_after (GTK_BOX (gtk_widget_get_parent (GTK_WIDGET (self->merchants_list))),
                                  frame, GTK_WIDGET (self->serving_hint_label));
    }
  if (self->refit_tick == 0)
    self->refit_tick = gtk_widget_add_tick_callback (frame, refit_tick_cb, self, NULL);
  g_object_unref (frame);
}

/* ---- GObject ------------------------------------------------------------ */

static void
wh_meals_merchant_list_dispose (GObject *object)
{
  WhMealsMerchantList *self = WH_MEALS_MERCHANT_LIST (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_handle_id (&self->serving_source, g_source_remove);
  /* The map back in the list, whose template takes it away. */
  wh_meals_merchant_list_set_map_pane (self, NULL);
  if (self->refit_tick != 0 && self->map_frame != NULL)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self->map_frame), self->refit_tick);
  self->refit_tick = 0;
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_MEALS_MERCHANT_LIST);
  /* The template's top widget has no id, so dispose_template leaves it. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->merchant_sync);
  g_clear_object (&self->context);
  g_clear_object (&self->store);
  g_clear_object (&self->api);
  G_OBJECT_CLASS (wh_meals_merchant_list_parent_class)->dispose (object);
}

static void
wh_meals_merchant_list_finalize (GObject *object)
{
  WhMealsMerchantList *self = WH_MEALS_MERCHANT_LIST (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_pointer (&self->merchants, g_ptr_array_unref);
  g_clear_pointer (&self->clock, g_date_time_unref);
  G_OBJECT_CLASS (wh_meals_merchant_list_parent_class)->finalize (object);
}

static void
wh_meals_merchant_list_class_init (WhMealsMerchantListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_meals_merchant_list_dispose;
  object_class->finalize = wh_meals_merchant_list_finalize;

  signals[CLAIM] = g_signal_new ("claim", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/workershome/WorkersHome/meals/wh-meals-merchant-list.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, location_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, map_frame);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, merchants_empty_label);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, merchants_list);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, search_entry);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, serving_button);
  gtk_widget_class_bind_template_child (widget_class, WhMealsMerchantList, serving_hint_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, serving_toggled_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_meals_merchant_list_init (WhMealsMerchantList *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  self->eligible = TRUE;
  self->serving_source = g_timeout_add_seconds (SERVING_CHECK_S, serving_check_cb, self);
}
