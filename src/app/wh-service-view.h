/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-service-view.h: one service's list → detail navigation.
 *
 * A search entry and a lazy list over the store on the left, the chosen
 * record on the right; folded on a narrow window, with a back button,
 * Alt+Left and Escape to return. Search and order run in SQL through a
 * WhQuery, never in GTK filter models. */
#pragma once

#include <adwaita.h>

#include "wh-store.h"

G_BEGIN_DECLS

#define WH_TYPE_SERVICE_VIEW (wh_service_view_get_type ())
G_DECLARE_FINAL_TYPE (WhServiceView, wh_service_view, WH, SERVICE_VIEW, GtkWidget)

void        wh_service_view_set_store      (WhServiceView *self,
                                            WhStore       *store);
const char *wh_service_view_get_collection_name (WhServiceView *self);
void        wh_service_view_focus_search   (WhServiceView *self);
/* Back from the detail to the list; FALSE when already there. */
gboolean    wh_service_view_navigate_back  (WhServiceView *self);
/* Shows the record with this id, as if chosen from the list. */
gboolean    wh_service_view_show_record    (WhServiceView *self,
                                            gint64         id);
/* Back to the list with the search cleared. */
void        wh_service_view_reset          (WhServiceView *self);

G_END_DECLS
