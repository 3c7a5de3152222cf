/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-map-sprite"

#include "config.h"

#include <math.h>

#include "wh-map-sprite.h"

struct _WhMapSprite
{
  cairo_surface_t *surface;
  GdkTexture      *texture; /* the same pixels, made when a GL renderer asks */
  int              width;   /* logical pixels */
  int              height;
};

WhMapSprite *
wh_map_sprite_new (PangoLayout   *layout,
                   const GdkRGBA *ink,
                   double         radius,
                   double         red,
                   double         green,
                   double         blue,
                   int            scale)
{
  WhMapSprite *sprite = g_new0 (WhMapSprite, 1);
  int lw = 0, lh = 0;
  cairo_t *cr;

  g_return_val_if_fail (scale >= 1, NULL);

  if (layout)
    pango_layout_get_pixel_size (layout, &lw, &lh);
  sprite->width = MAX (1, MAX (lw, (int) ceil (radius * 2)));
  sprite->height = MAX (1, MAX (lh, (int) ceil (radius * 2)));
  sprite->surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, sprite->width * scale,
                                                sprite->height * scale);
  cairo_surface_set_device_scale (sprite->surface, scale, scale);
  cr = cairo_create (sprite->surface);
  if (radius > 0)
    {
      double ring = MAX (1.5, radius / 7);

      cairo_arc (cr, sprite->width / 2.0, sprite->height / 2.0, radius, 0, 2 * G_PI);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.95);
      cairo_fill (cr);
      cairo_arc (cr, sprite->width / 2.0, sprite->height / 2.0, radius - ring, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, red, green, blue);
      cairo_fill (cr);
    }
  if (layout)
    {
      cairo_move_to (cr, (sprite->width - lw) / 2.0, (sprite->height - lh) / 2.0);
      gdk_cairo_set_source_rgba (cr, ink);
      pango_cairo_show_layout (cr, layout);
    }
  cairo_destroy (cr);
  cairo_surface_flush (sprite->surface);
  return sprite;
}

void
wh_map_sprite_free (WhMapSprite *sprite)
{
  if (sprite == NULL)
    return;
  g_clear_object (&sprite->texture);
  cairo_surface_destroy (sprite->surface);
  g_free (sprite);
}

int
wh_map_sprite_get_width (WhMapSprite *sprite)
{
  g_return_val_if_fail (sprite != NULL, 0);

  return sprite->width;
}

int
wh_map_sprite_get_height (WhMapSprite *sprite)
{
  g_return_val_if_fail (sprite != NULL, 0);

  return sprite->height;
}

static GdkTexture *
get_texture (WhMapSprite *sprite)
{
  if (sprite->texture == NULL)
    {
      cairo_surface_t *surface = sprite->surface;
      int height = cairo_image_surface_get_height (surface);
      int stride = cairo_image_surface_get_stride (surface);
      g_autoptr(GBytes) bytes = NULL;

      /* The surface is never drawn on again: the texture shares its pixels. */
      bytes = g_bytes_new_with_free_func (cairo_image_surface_get_data (surface),
                                          (gsize) stride * height,
                                          (GDestroyNotify) cairo_surface_destroy,
                                          cairo_surface_reference (surface));
      sprite->texture = gdk_memory_texture_new (cairo_image_surface_get_width (surface), height,
                                                GDK_MEMORY_DEFAULT, bytes, stride);
    }
  return sprite->texture;
}

typedef struct
{
  WhMapSprite *sprite;
  double       x, y;
} Placed;

struct _WhMapPainter
{
  GtkSnapshot *snapshot;
  gboolean     cairo;  /* the cairo renderer: collect, then one node */
  int          scale;
  GArray      *placed; /* Placed, this frame's */
};

WhMapPainter *
wh_map_painter_new (void)
{
  WhMapPainter *painter = g_new0 (WhMapPainter, 1);

  painter->placed = g_array_sized_new (FALSE, FALSE, sizeof (Placed), 256);
  return painter;
}

void
wh_map_painter_free (WhMapPainter *painter)
{
  if (painter == NULL)
    return;
  g_array_unref (painter->placed);
  g_free (painter);
}

void
wh_map_painter_begin (WhMapPainter *painter,
                      GtkWidget    *widget,
                      GtkSnapshot  *snapshot)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GskRenderer *renderer = native ? gtk_native_get_renderer (native) : NULL;

  g_return_if_fail (painter != NULL && painter->snapshot == NULL);

  painter->snapshot = snapshot;
  painter->scale = gtk_widget_get_scale_factor (widget);
  painter->cairo = GSK_IS_CAIRO_RENDERER (renderer);
  g_array_set_size (painter->placed, 0);
}

void
wh_map_painter_paint (WhMapPainter *painter,
                      WhMapSprite  *sprite,
                      double        x,
                      double        y)
{
  Placed placed = { sprite, round (x * painter->scale) / painter->scale,
                    round (y * painter->scale) / painter->scale };

  if (painter->cairo)
    g_array_append_val (painter->placed, placed);
  else
    gtk_snapshot_append_texture (painter->snapshot, get_texture (sprite),
                                 &GRAPHENE_RECT_INIT (placed.x, placed.y, sprite->width,
                                                      sprite->height));
}

void
wh_map_painter_end (WhMapPainter *painter)
{
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  cairo_t *cr;

  g_return_if_fail (painter->snapshot != NULL);

  if (painter->cairo && painter->placed->len > 0)
    {
      for (guint i = 0; i < painter->placed->len; i++)
        {
          const Placed *p = &g_array_index (painter->placed, Placed, i);

          x0 = MIN (x0, p->x);
          y0 = MIN (y0, p->y);
          x1 = MAX (x1, p->x + p->sprite->width);
          y1 = MAX (y1, p->y + p->sprite->height);
        }
      cr = gtk_snapshot_append_cairo (painter->snapshot,
                                      &GRAPHENE_RECT_INIT (x0, y0, x1 - x0, y1 - y0));
      for (guint i = 0; i < painter->placed->len; i++)
        {
          const Placed *p = &g_array_index (painter->placed, Placed, i);

          cairo_set_source_surface (cr, p->sprite->surface, p->x, p->y);
          cairo_paint (cr);
        }
      cairo_destroy (cr);
    }
  g_array_set_size (painter->placed, 0);
  painter->snapshot = NULL;
}

gboolean
wh_map_font_changed (GtkWidget  *widget,
                     char      **last)
{
  const PangoFontDescription *desc =
    pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  g_autofree char *font = desc ? pango_font_description_to_string (desc) : g_strdup ("");

  if (g_strcmp0 (font, *last) == 0)
    return FALSE;
  g_free (*last);
  *last = g_steal_pointer (&font);
  return TRUE;
}
