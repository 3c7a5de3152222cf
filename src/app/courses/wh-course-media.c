/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-course-media"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-course-media.h"
#include "wh-courses.h"
#include "wh-picture-loader.h"

typedef struct
{
  WhStore *store;
  WhApi   *api;
  char    *path;
  guint    max_side;
} Load;

static void
load_free (gpointer data)
{
  Load *l = data;

  g_clear_object (&l->store);
  g_clear_object (&l->api);
  g_free (l->path);
  g_free (l);
}

static void
decoded_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;
  GdkTexture *texture = wh_picture_decode_finish (result, &error);

  if (texture)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
network_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *l = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;

  bytes = wh_api_get_media_finish (WH_API (source), result, NULL, NULL, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Its size checked before it is decoded, in a thread of its own. */
  wh_picture_decode_async (bytes, l->max_side, cancellable, decoded_cb, g_steal_pointer (&task));
}

static void
cache_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Load *l = task_data;
  GError *error = NULL;
  g_autoptr(GBytes) bytes = wh_courses_get_media (l->store, l->path, NULL, &error);
  GdkTexture *texture;

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  texture = wh_picture_decode (bytes, l->max_side, cancellable, &error);
  if (texture)
    g_task_return_pointer (task, texture, g_object_unref);
  else
    g_task_return_error (task, error);
}

static void
cache_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Load *l = g_task_get_task_data (task);
  GError *error = NULL;
  GdkTexture *texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (texture)
    {
      g_task_return_pointer (task, texture, g_object_unref);
      return;
    }
  if (l->api && g_error_matches (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND))
    {
      /* Taken before the task is handed on: the order in which a call's
       * arguments are evaluated is unspecified. */
      GCancellable *cancellable = g_task_get_cancellable (task);

      g_error_free (error);
      wh_api_get_media_async (l->api, l->path, cancellable, network_cb, g_steal_pointer (&task));
      return;
    }
  g_task_return_error (task, error);
}

void
wh_course_media_load_async (WhStore             *store,
                            WhApi               *api,
                            const char          *path,
                            guint                max_side,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) cache = NULL;
  Load *l;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_course_media_load_async);
  l = g_new0 (Load, 1);
  l->store = g_object_ref (store);
  l->api = api ? g_object_ref (api) : NULL;
  l->path = g_strdup (path);
  l->max_side = max_side;
  g_task_set_task_data (task, l, load_free);
  /* The cache task borrows l: task, which owns it, is its callback's data. */
  cache = g_task_new (NULL, cancellable, cache_cb, g_steal_pointer (&task));
  g_task_set_task_data (cache, l, NULL);
  g_task_run_in_thread (cache, cache_thread);
}

GdkTexture *
wh_course_media_load_finish (GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct
{
  GtkPicture *picture;
  GtkLabel   *placeholder; /* or NULL */
} Shown;

static void
shown_free (Shown *shown)
{
  g_object_unref (shown->picture);
  g_clear_object (&shown->placeholder);
  g_free (shown);
}

/* Why a picture is not there, for a person: a picture never saved needs
 * the network; anything else is the picture itself. */
static const char *
missing_reason (const GError *error)
{
  if (g_error_matches (error, WH_STORE_ERROR, WH_STORE_ERROR_NOT_FOUND) ||
      g_error_matches (error, WH_API_ERROR, WH_API_ERROR_NETWORK) ||
      g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TIMEOUT) ||
      g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAVAILABLE) ||
      g_error_matches (error, WH_API_ERROR, WH_API_ERROR_RATE_LIMITED) ||
      g_error_matches (error, WH_API_ERROR, WH_API_ERROR_TLS))
    return _("This picture needs the network: it was not saved on this computer.");
  return _("This picture could not be shown.");
}

static void
picture_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  Shown *shown = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = wh_course_media_load_finish (result, &error);

  if (texture == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_debug ("No picture: %s", error->message);
          if (shown->placeholder)
            {
              gtk_label_set_text (shown->placeholder, missing_reason (error));
              gtk_widget_set_visible (GTK_WIDGET (shown->placeholder), TRUE);
            }
        }
      shown_free (shown);
      return;
    }
  gtk_picture_set_paintable (shown->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_visible (GTK_WIDGET (shown->picture), TRUE);
  shown_free (shown);
}

void
wh_course_media_set_picture (GtkPicture   *picture,
                             WhStore      *store,
                             WhApi        *api,
                             const char   *path,
                             GCancellable *cancellable)
{
  wh_course_media_set_picture_full (picture, NULL, store, api, path, cancellable);
}

void
wh_course_media_set_picture_full (GtkPicture   *picture,
                                  GtkLabel     *placeholder,
                                  WhStore      *store,
                                  WhApi        *api,
                                  const char   *path,
                                  GCancellable *cancellable)
{
  Shown *shown;

  g_return_if_fail (GTK_IS_PICTURE (picture));
  g_return_if_fail (placeholder == NULL || GTK_IS_LABEL (placeholder));

  gtk_picture_set_paintable (picture, NULL);
  gtk_widget_set_visible (GTK_WIDGET (picture), FALSE);
  if (placeholder)
    gtk_widget_set_visible (GTK_WIDGET (placeholder), FALSE);
  if (store == NULL || path == NULL || *path == '\0')
    return;
  shown = g_new0 (Shown, 1);
  shown->picture = g_object_ref (picture);
  shown->placeholder = placeholder ? g_object_ref (placeholder) : NULL;
  wh_course_media_load_async (store, api, path, wh_picture_shown_side (GTK_WIDGET (picture)),
                              cancellable, picture_loaded_cb, shown);
}
