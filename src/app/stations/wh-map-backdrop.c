/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-map-backdrop"

#include "config.h"

#include <adwaita.h>

#include "wh-map-backdrop.h"
#include "wh-station-layer.h"
#include "wh-store.h"

/* Names are written only where a city is at least this big on screen. */
#define MIN_ZOOM 3.5

struct _WhMapBackdrop
{
  ShumateLayer parent_instance;

  GPtrArray *cities;  /* WhCityCentre* */
  GPtrArray *labels;  /* GdkTexture*, parallel to cities, drawn on first use */
  gboolean   labels_dark; /* the ink they were drawn in */
  char      *font;        /* and the font */
  guint      n_drawn;
};

G_DEFINE_FINAL_TYPE (WhMapBackdrop, wh_map_backdrop, SHUMATE_TYPE_LAYER)

static void
clear_labels (WhMapBackdrop *self)
{
  for (guint i = 0; self->labels && i < self->labels->len; i++)
    g_clear_object ((GdkTexture **) &self->labels->pdata[i]);
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
  g_autoptr(GArray) taken = g_array_new (FALSE, FALSE, sizeof (graphene_rect_t));

  gtk_snapshot_append_color (snapshot, &background, &GRAPHENE_RECT_INIT (0, 0, width, height));
  self->n_drawn = 0;
  if (self->cities == NULL || shumate_viewport_get_zoom_level (viewport) < MIN_ZOOM)
    return;

  for (guint i = 0; i < self->cities->len; i++)
    {
      const WhCityCentre *city = self->cities->pdata[i];
      GdkTexture *label;
      graphene_rect_t rect;
      gboolean free = TRUE;
      double x, y;
      int lw, lh;

      wh_station_layer_to_widget (SHUMATE_LAYER (self), city->lat, city->lon, &x, &y);
      if (x < -200 || y < -50 || x > width + 200 || y > height + 50)
        continue;
      if (self->labels->pdata[i] == NULL || self->labels_dark != dark)
        {
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, city->city);

          if (self->labels_dark != dark)
            clear_labels (self);
          self->labels_dark = dark;
          self->labels->pdata[i] = wh_map_draw_texture (layout, &ink, 0, 0, 0, 0,
                                                        gtk_widget_get_scale_factor (widget),
                                                        NULL, NULL);
        }
      label = self->labels->pdata[i];
      lw = gdk_texture_get_width (label) / gtk_widget_get_scale_factor (widget);
      lh = gdk_texture_get_height (label) / gtk_widget_get_scale_factor (widget);
      /* Under the point, so the stations drawn on it leave the name legible. */
      graphene_rect_init (&rect, x - lw / 2.0, y + 6, lw, lh);
      for (guint j = 0; j < taken->len && free; j++)
        free = !graphene_rect_intersection (&rect, &g_array_index (taken, graphene_rect_t, j),
                                            NULL);
      if (!free)
        continue;
      g_array_append_val (taken, rect);
      gtk_snapshot_append_texture (snapshot, label,
                                   &GRAPHENE_RECT_INIT (round (rect.origin.x), round (rect.origin.y),
                                                        lw, lh));
      self->n_drawn++;
    }
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
  g_clear_pointer (&self->font, g_free);
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
  if (cities)
    {
      self->cities = g_ptr_array_ref (cities);
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
