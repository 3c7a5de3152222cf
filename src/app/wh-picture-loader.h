/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-picture-loader.h: pictures from outside (course covers, lesson
 * pictures, station photos) as textures, decoded off the main thread.
 *
 * A picture is hostile until decoded: a 124-byte SVG can declare
 * 16000 × 16000 pixels (1 GB of texture), a 30 KB PNG can inflate to as
 * much. So the bytes are capped, only PNG and SVG reach a decoder, and the
 * size a picture declares is read before anything is decoded (GdkPixbufLoader's
 * size-prepared): an SVG is rendered straight at the size it is shown at, a
 * PNG larger than WH_PICTURE_MAX_SIDE a side is refused, since its loader
 * would decode it whole before scaling it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* No texture is ever larger than this, a side. */
#define WH_PICTURE_MAX_SIDE 4096

#define WH_PICTURE_ERROR (wh_picture_error_quark ())

typedef enum
{
  WH_PICTURE_ERROR_TOO_LARGE,    /* bytes, or the size it declares, over the limits */
  WH_PICTURE_ERROR_UNSUPPORTED,  /* not a PNG or an SVG */
  WH_PICTURE_ERROR_INVALID,      /* a PNG or SVG that does not decode */
} WhPictureError;

GQuark      wh_picture_error_quark   (void);

/* Decodes bytes into a texture no larger than max_side a side (at most
 * WH_PICTURE_MAX_SIDE; an SVG is rendered at that size, a smaller PNG is
 * scaled down to it). Blocking: for worker threads only. */
GdkTexture *wh_picture_decode        (GBytes              *bytes,
                                      guint                max_side,
                                      GCancellable        *cancellable,
                                      GError             **error);

/* The same in a worker thread. */
void        wh_picture_decode_async  (GBytes              *bytes,
                                      guint                max_side,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
GdkTexture *wh_picture_decode_finish (GAsyncResult        *result,
                                      GError             **error);

/* The max_side that fits widget at its scale factor: the content column
 * is never wider than this many logical pixels. */
guint       wh_picture_shown_side    (GtkWidget           *widget);

G_END_DECLS
