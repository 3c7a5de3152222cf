/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-view.h: the love-meal service (implements WhServicePage). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define WH_TYPE_MEALS_VIEW (wh_meals_view_get_type ())
G_DECLARE_FINAL_TYPE (WhMealsView, wh_meals_view, WH, MEALS_VIEW, GtkWidget)

G_END_DECLS
