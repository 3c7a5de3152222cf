/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-map-sprite.h: small pictures a map layer draws many times a frame.
 *
 * Discs and names are drawn once, with cairo and Pango, into a sprite; each
 * frame only places them. How to place them cheaply depends on the
 * renderer (measured under Xvfb, 1000×700, ~150 sprites):
 *  - GL: a texture node per sprite; the texture stays on the GPU.
 *  - cairo (GTK 4.8): a texture node costs a new surface and a pixel-by-pixel
 *    conversion every frame (~80 µs each: 12 ms a frame for the city names),
 *    so all sprites of a layer are painted into one cairo node instead, on
 *    whole device pixels where pixman copies rather than filters. The node
 *    is only as big as the sprites drawn: the renderer replays it into a
 *    surface that big, and the X server copies what changed.
 * A WhMapPainter hides which.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _WhMapSprite WhMapSprite;

/* A disc of radius (0: none) in colour (red, green, blue) with layout (may
 * be NULL) centred on it, in ink, at the device scale. */
WhMapSprite *wh_map_sprite_new        (PangoLayout   *layout,
                                       const GdkRGBA *ink,
                                       double         radius,
                                       double         red,
                                       double         green,
                                       double         blue,
                                       int            scale);
void         wh_map_sprite_free       (WhMapSprite   *sprite);
/* In logical pixels. */
int          wh_map_sprite_get_width  (WhMapSprite   *sprite);
int          wh_map_sprite_get_height (WhMapSprite   *sprite);

typedef struct _WhMapPainter WhMapPainter;

/* Kept by a layer for its lifetime: it reuses its memory every frame. */
WhMapPainter *wh_map_painter_new      (void);
void         wh_map_painter_free      (WhMapPainter  *painter);
/* Sprites for widget, into snapshot, until wh_map_painter_end. */
void         wh_map_painter_begin     (WhMapPainter  *painter,
                                       GtkWidget     *widget,
                                       GtkSnapshot   *snapshot);
/* sprite with its top-left corner at (x, y) of the widget, rounded to a
 * device pixel. */
void         wh_map_painter_paint     (WhMapPainter  *painter,
                                       WhMapSprite   *sprite,
                                       double         x,
                                       double         y);
void         wh_map_painter_end       (WhMapPainter  *painter);

/* TRUE when the widget's font is not *last any more (then *last is set):
 * sprites with text must be drawn again. */
gboolean     wh_map_font_changed      (GtkWidget     *widget,
                                       char         **last);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhMapSprite, wh_map_sprite_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhMapPainter, wh_map_painter_free)

G_END_DECLS
