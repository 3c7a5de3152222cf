/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-picture"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "wh-api.h"
#include "wh-picture-loader.h"

/* Fed to the loader a piece at a time, so that a picture refused by its
 * header (or cancelled) stops before the rest is read. */
#define WRITE_CHUNK  (64 * 1024)
/* The widest a picture is shown, in logical pixels: the course and lesson
 * columns are clamped to 720 and 640 (resources/courses). */
#define SHOWN_SIDE   800

G_DEFINE_QUARK (wh-picture-error-quark, wh_picture_error)

guint
wh_picture_shown_side (GtkWidget *widget)
{
  g_return_val_if_fail (GTK_IS_WIDGET (widget), SHOWN_SIDE);
  return (guint) MIN (SHOWN_SIDE * MAX (gtk_widget_get_scale_factor (widget), 1),
                      WH_PICTURE_MAX_SIDE);
}

/* The contract's media are PNG or SVG (wh_api_get_media_async checks the
 * type the server names against the bytes). Naming the loader from the bytes
 * keeps every other gdk-pixbuf module (ANI, TGA, XPM, ...) away from them,
 * whatever a server or a cache file says they are. */
static const char *
sniff_mime_type (const guint8 *data,
                 gsize         length)
{
  static const guint8 png_magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (length > sizeof png_magic && memcmp (data, png_magic, sizeof png_magic) == 0)
    return "image/png";
  if (length > 0 && g_utf8_validate_len ((const char *) data, length, NULL) &&
      g_strstr_len ((const char *) data, (gssize) length, "<svg") != NULL)
    return "image/svg+xml";
  return NULL;
}

typedef struct
{
  guint    max_side;
  gboolean refused;
  int      width;   /* as declared */
  int      height;
} Decode;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  Decode          *d)
{
  GdkPixbufFormat *format = gdk_pixbuf_loader_get_format (loader);
  gboolean scalable = format != NULL && gdk_pixbuf_format_is_scalable (format);
  double scale;

  /* librsvg's loader asks twice; only the first answer counts. */
  if (d->refused || d->width != 0)
    return;
  d->width = width;
  d->height = height;
  /* A raster loader decodes the whole picture before it scales it, so a
   * PNG larger than the limit would cost its full size: refuse it. An SVG
   * is rendered at the size asked for, however large it says it is. */
  if (width <= 0 || height <= 0 ||
      (!scalable && (width > WH_PICTURE_MAX_SIDE || height > WH_PICTURE_MAX_SIDE)))
    {
      d->refused = TRUE;
      /* Zero tells the module the picture is not wanted: it stops without
       * allocating (GdkPixbufModuleSizeFunc). */
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  scale = MIN ((double) d->max_side / width, (double) d->max_side / height);
  if (scale < 1.0)
    gdk_pixbuf_loader_set_size (loader, CLAMP ((int) (width * scale + 0.5), 1, (int) d->max_side),
                                CLAMP ((int) (height * scale + 0.5), 1, (int) d->max_side));
}

GdkTexture *
wh_picture_decode (GBytes        *bytes,
                   guint          max_side,
                   GCancellable  *cancellable,
                   GError       **error)
{
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local = NULL;
  Decode d = { 0, };
  const guint8 *data;
  const char *mime_type;
  GdkPixbuf *pixbuf;
  gsize length;
  gboolean ok = TRUE;

  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  data = g_bytes_get_data (bytes, &length);
  if (length > WH_MAX_MEDIA_BODY)
    {
      g_set_error_literal (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_TOO_LARGE,
                           _("The picture is too large to show."));
      return NULL;
    }
  if ((mime_type = sniff_mime_type (data, length)) == NULL)
    {
      g_set_error_literal (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_UNSUPPORTED,
                           _("The picture is not a PNG or SVG image."));
      return NULL;
    }
  if ((loader = gdk_pixbuf_loader_new_with_mime_type (mime_type, &local)) == NULL)
    {
      /* No SVG module (librsvg2-common) installed, say. */
      g_debug ("No loader for %s: %s", mime_type, local->message);
      g_set_error_literal (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_UNSUPPORTED,
                           _("The picture is not a PNG or SVG image."));
      return NULL;
    }

  d.max_side = CLAMP (max_side, 1, WH_PICTURE_MAX_SIDE);
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &d);
  for (gsize offset = 0; ok && !d.refused && offset < length; offset += WRITE_CHUNK)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      ok = gdk_pixbuf_loader_write (loader, data + offset, MIN (WRITE_CHUNK, length - offset),
                                    &local);
    }
  /* Closed whatever happened: a loader finalized open warns. */
  if (!gdk_pixbuf_loader_close (loader, ok && local == NULL ? &local : NULL))
    ok = FALSE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;
  if (d.refused)
    {
      g_set_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_TOO_LARGE,
                   /* Translators: the picture's width and height in pixels. */
                   _("The picture is too large to show (%d × %d pixels)."), d.width, d.height);
      return NULL;
    }
  pixbuf = ok ? gdk_pixbuf_loader_get_pixbuf (loader) : NULL;
  if (pixbuf == NULL)
    {
      g_debug ("Undecodable %s: %s", mime_type, local ? local->message : "no picture");
      g_set_error_literal (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_INVALID,
                           _("The picture could not be read."));
      return NULL;
    }
  /* A module that ignored the size asked of it. */
  if (gdk_pixbuf_get_width (pixbuf) > WH_PICTURE_MAX_SIDE ||
      gdk_pixbuf_get_height (pixbuf) > WH_PICTURE_MAX_SIDE)
    {
      g_set_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_TOO_LARGE,
                   _("The picture is too large to show (%d × %d pixels)."),
                   gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf));
      return NULL;
    }
  return gdk_texture_new_for_pixbuf (pixbuf);
}

typedef struct
{
  GBytes *bytes;
  guint   max_side;
} DecodeJob;

static void
decode_job_free (gpointer data)
{
  DecodeJob *job = data;

  g_bytes_unref (job->bytes);
  g_free (job);
}

static void
decode_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DecodeJob *job = task_data;
  GError *error = NULL;
  GdkTexture *texture = wh_picture_decode (job->bytes, job->max_side, cancellable, &error);

  if (texture != NULL)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
wh_picture_decode_async (GBytes              *bytes,
                         guint                max_side,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  DecodeJob *job;

  g_return_if_fail (bytes != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_picture_decode_async);
  job = g_new0 (DecodeJob, 1);
  job->bytes = g_bytes_ref (bytes);
  job->max_side = max_side;
  g_task_set_task_data (task, job, decode_job_free);
  g_task_run_in_thread (task, decode_thread);
}

GdkTexture *
wh_picture_decode_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_picture_decode_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
