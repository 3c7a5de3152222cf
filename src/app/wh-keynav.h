/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-keynav.h: keyboard navigation fixes GTK 4.8 does not make itself.
 *
 * In a window with wh_keynav_install ():
 *  - Tab and Shift+Tab leave a GtkListView or GtkGridView (GTK 4.8 walks
 *    their rows one by one: a million jobs) and a GtkListBox marked with
 *    wh_keynav_set_tab_leaves (); arrows still move inside;
 *  - an AdwStatusPage's scrolled window, where Tab stops, is named after
 *    the page's title, and a GtkDropDown's button after the drop-down's
 *    tooltip, so a screen reader has something to say. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

void wh_keynav_install        (GtkWindow *window);
/* A list box whose rows are content (search results, nearest stations)
 * rather than settings: Tab leaves it instead of walking its rows. */
void wh_keynav_set_tab_leaves (GtkWidget *list_box);
/* Before a view shows a deeper page (level: which one), it remembers where
 * the focus is inside owner, the row opened; back from that page,
 * restore_focus puts the focus there again if that row is still shown,
 * else on fallback. */
void wh_keynav_remember_focus (GtkWidget  *owner,
                               const char *level);
void wh_keynav_restore_focus  (GtkWidget  *owner,
                               const char *level,
                               GtkWidget  *fallback);

G_END_DECLS
