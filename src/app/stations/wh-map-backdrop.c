/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-map-backdrop"

#include "config.h"

#include <adwaita.h>

#include "wh-map-backdrop.h"
#include "wh-map-sprite.h"
#include "wh-geo.h"
#include "wh-station-layer.h"
#include "wh-store.h"

/* Names are written only where a city is at least this big on screen. */
#define MIN_ZOOM 3.5
/* At most this many names in a view. */
#define MAX_NAMES 64

struct _WhMapBackdrop
{
  ShumateLayer parent_instance;

  GPtrArray   *cities;  /* WhCityCentre* */
  GPtrArray   *labels;  /* WhMapSprite*, parallel to cities, drawn on first use */
  gboolean     labels_dark; /* the ink they were drawn in */
  int          labels_scale;
  char        *font;        /* and the font */
  graphene_point_t *world;  /* the cities' places, projected (0..1) */
  WhMapPainter *painter;
  guint        n_drawn;
};

G_DEFINE_FINAL_TYPE (WhMapBackdrop, wh_map_backdrop, SHUMATE_TYPE_LAYER)

static void
clear_labels (WhMapBackdrop *self)
{
  for (guint i = 0; self->labels && i < self->labels->len; i++)
    g_clear_pointer (&self->labels->pdata[i], wh_map_sprite_free);
}

static void
wh_map_backdrop_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  WhMapBackdrop *self = WH_MAP_BACKDROP (widget);
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());
  GdkRGBA background = dark ? (GdkRGBA) { 0.16, 0.18, 0.20, 1 } : (GdkRGBA) { 0.92, 0.93, 0.91, 1 };
  GdkRGBA ink = dark ? (GdkRGBA) { 0.80, 0.82, 0.84, 1 } : (GdkRGBA) { 0.30, 0.32, 0.35, 1 };
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  graphene_rect_t taken[MAX_NAMES];
  WhMapFrame frame;
  double below;

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  self->n_drawn = 0;
  if (self->cities == NULL || shumate_viewport_get_zoom_level (viewport) < MIN_ZOOM)
    return;

  if (self->labels_dark != dark || self->labels_scale != scale)
    clear_labels (self);
  self->labels_dark = dark;
  self->labels_scale = scale;
  wh_map_frame_init (&frame, SHUMATE_LAYER (self));
  /* Clear of the station layer's discs: clusters (up to 24 px across the
   * middle) until single stations (8 px) show. */
  below = shumate_viewport_get_zoom_level (viewport) < 10 ? 22 : 10;
  wh_map_painter_begin (self->painter, widget, snapshot);
  /* Most important first, where they fit: under their point, so the
   * stations drawn on it leave them legible, and never over another name.
   * A full view holds a few dozen; more would be clutter, and each costs. */
  for (guint i = 0; i < self->cities->len && self->n_drawn < MAX_NAMES; i++)
    {
      const WhCityCentre *city = self->cities->pdata[i];
      graphene_rect_t rect;
      gboolean free = TRUE;
      double x, y;
      int lw, lh;

      wh_map_frame_apply (&frame, self->world[i].x, self->world[i].y, &x, &y);
      if (x < -100 || y < -40 || x > width + 100 || y > height)
        continue;
      if (self->labels->pdata[i] == NULL)
        {
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, city->city);

          self->labels->pdata[i] = wh_map_sprite_new (layout, &ink, 0, 0, 0, 0, scale);
        }
      lw = wh_map_sprite_get_width (self->labels->pdata[i]);
      lh = wh_map_sprite_get_height (self->labels->pdata[i]);
      graphene_rect_init (&rect, x - lw / 2.0, y + below, lw, lh);
      for (guint j = 0; j < self->n_drawn && free; j++)
        free = !graphene_rect_intersection (&rect, &taken[j], NULL);
      if (!free)
        continue;
      taken[self->n_drawn++] = rect;
      wh_map_painter_paint (self->painter, self->labels->pdata[i], rect.origin.x, rect.origin.y);
    }
  wh_map_painter_end (self->painter);
}

static void
wh_map_backdrop_css_changed (GtkWidget         *widget,
                             GtkCssStyleChange *change)
{
  GTK_WIDGET_CLASS (wh_map_backdrop_parent_class)->css_changed (widget, change);
  if (wh_map_font_changed (widget, &WH_MAP_BACKDROP (widget)->font))
    clear_labels (WH_MAP_BACKDROP (widget));
}

static void
viewport_changed_cb (WhMapBackdrop *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
wh_map_backdrop_constructed (GObject *object)
{
  WhMapBackdrop *self = WH_MAP_BACKDROP (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (wh_map_backdrop_parent_class)->constructed (object);
  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  g_signal_connect_object (viewport, "notify", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (viewport_changed_cb), self, G_CONNECT_SWAPPED);
}

static void
wh_map_backdrop_dispose (GObject *object)
{
  WhMapBackdrop *self = WH_MAP_BACKDROP (object);

  clear_labels (self);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  g_clear_pointer (&self->cities, g_ptr_array_unref);
  g_clear_pointer (&self->world, g_free);
  g_clear_pointer (&self->font, g_free);
  g_clear_pointer (&self->painter, wh_map_painter_free);
  G_OBJECT_CLASS (wh_map_backdrop_parent_class)->dispose (object);
}

static void
wh_map_backdrop_class_init (WhMapBackdropClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wh_map_backdrop_constructed;
  object_class->dispose = wh_map_backdrop_dispose;
  widget_class->snapshot = wh_map_backdrop_snapshot;
  widget_class->css_changed = wh_map_backdrop_css_changed;
  gtk_widget_class_set_css_name (widget_class, "wh-map-backdrop");
}

static void
wh_map_backdrop_init (WhMapBackdrop *self)
{
  /* Decoration only: taps go through to the map. */
  gtk_widget_set_can_target (GTK_WIDGET (self), FALSE);
  self->painter = wh_map_painter_new ();

}

WhMapBackdrop *
wh_map_backdrop_new (ShumateViewport *viewport)
{
  return g_object_new (WH_TYPE_MAP_BACKDROP, "viewport", viewport, NULL);
}

void
wh_map_backdrop_set_cities (WhMapBackdrop *self,
                            GPtrArray     *cities)
{
  g_return_if_fail (WH_IS_MAP_BACKDROP (self));

  clear_labels (self);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  g_clear_pointer (&self->cities, g_ptr_array_unref);
  g_clear_pointer (&self->world, g_free);
  if (cities)
    {
      self->cities = g_ptr_array_ref (cities);
      self->world = g_new (graphene_point_t, cities->len);
      for (guint i = 0; i < cities->len; i++)
        {
          const WhCityCentre *city = cities->pdata[i];
          double x, y;

          wh_map_project (city->lat, city->lon, &x, &y);
          self->world[i] = GRAPHENE_POINT_INIT (x, y);
        }
      self->labels = g_ptr_array_new ();
      g_ptr_array_set_size (self->labels, cities->len);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
wh_map_backdrop_get_n_drawn (WhMapBackdrop *self)
{
  g_return_val_if_fail (WH_IS_MAP_BACKDROP (self), 0);

  return self->n_drawn;
}
