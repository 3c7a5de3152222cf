/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-course-media.h: a course's pictures as textures, off the main thread.
 *
 * The offline cache first (a saved course needs no network); when the
 * picture is not there and a backend is known, the network, without
 * keeping it (only "Save for offline" fills the cache). Either way the
 * picture goes through wh-picture-loader: its size is checked before it is
 * decoded, and the texture is at most max_side pixels a side. */
#pragma once

#include <gtk/gtk.h>

#include "wh-api.h"
#include "wh-store.h"

G_BEGIN_DECLS

void        wh_course_media_load_async  (WhStore             *store,
                                         WhApi               *api,
                                         const char          *path,
                                         guint                max_side,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GdkTexture *wh_course_media_load_finish (GAsyncResult        *result,
                                         GError             **error);

/* Loads path into picture and shows it; hides it if the picture cannot be
 * had. picture stays referenced until then. */
void        wh_course_media_set_picture (GtkPicture          *picture,
                                         WhStore             *store,
                                         WhApi               *api,
                                         const char          *path,
                                         GCancellable        *cancellable);
/* The same, and when the picture cannot be had, placeholder (hidden until
 * then) shows why: offline, a picture never saved needs the network. */
void        wh_course_media_set_picture_full (GtkPicture     *picture,
                                              GtkLabel       *placeholder,
                                              WhStore        *store,
                                              WhApi          *api,
                                              const char     *path,
                                              GCancellable   *cancellable);

G_END_DECLS
