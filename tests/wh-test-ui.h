/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-ui.h: what the UI tests share: running the main loop for a while
 * or until something holds, and finding widgets in a tree. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs the default main context for ms milliseconds, at least one
 * iteration, then dispatches what is due. For what must have time to *not*
 * happen, or to let a layout settle: what must happen is waited for with
 * wh_test_spin_until. */
void       wh_test_spin            (guint       ms);
/* Runs it until check (data) holds or timeout_ms × WH_TEST_WAIT_SCALE pass;
 * returns the last answer of check. timeout_ms is what the test expects on a
 * quiet machine; the scale lets a loaded one (tests run side by side, under
 * the sanitizers) take longer without failing: a passing test never waits
 * for it. */
#define WH_TEST_WAIT_SCALE 4
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
/* A match: a toggle button labelled text (a char*), as a view's section
 * switcher has. */
gboolean   wh_test_is_section_button (GtkWidget *widget,
                                      gpointer   text);
/* A match: a GtkListView whose first item is a record of collection (a
 * const WhCollection*). */
gboolean   wh_test_is_list_of      (GtkWidget  *widget,
                                    gpointer    collection);
/* The AdwMessageDialog shown now (any window's), or NULL. */
GtkWindow *wh_test_find_message_dialog (void);
/* The first descendant of root of type, depth first, or NULL. */
GtkWidget *wh_test_find_descendant (GtkWidget  *root,
                                    GType       type);

G_END_DECLS
