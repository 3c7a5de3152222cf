/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-ui.h: what the UI tests share: running the main loop for a while
 * or until something holds, and finding widgets in a tree. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the default main context for ms milliseconds. */
void       wh_test_spin            (guint       ms);
/* Runs it until check (data) holds or timeout_ms pass; returns the last
 * answer of check. */
gboolean   wh_test_spin_until      (gboolean  (*check) (gpointer),
                                    gpointer    data,
                                    guint       timeout_ms);
/* The first descendant of root that match (widget, data) holds for, depth
 * first, or NULL. */
GtkWidget *wh_test_find_widget     (GtkWidget  *root,
                                    gboolean  (*match) (GtkWidget *, gpointer),
                                    gpointer    data);
/* A match for wh_test_find_widget: a GtkDropDown of strings whose first
 * is first (a char*), as a filter's "All …" choice. */
gboolean   wh_test_is_dropdown_from (GtkWidget *widget,
                                     gpointer   first);
/* The first descendant of root of type, depth first, or NULL. */
GtkWidget *wh_test_find_descendant (GtkWidget  *root,
                                    GType       type);

G_END_DECLS
