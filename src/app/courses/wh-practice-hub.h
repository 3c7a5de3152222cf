/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-practice-hub.h: Practice, the courses service's place for practice
 * beyond one course: the day streak, and Today's Practice, Review Mistakes
 * and Due Reviews with their counts (wh-practice.h has the rules). A row
 * emits ::open-set with its WhPracticeSet; the view shows the set on its
 * practice page. */
#pragma once

#include <gtk/gtk.h>

#include "wh-practice.h"

G_BEGIN_DECLS

#define WH_TYPE_PRACTICE_HUB (wh_practice_hub_get_type ())
G_DECLARE_FINAL_TYPE (WhPracticeHub, wh_practice_hub, WH, PRACTICE_HUB, GtkWidget)

/* NULL: no store yet. Follows the practice's ::changed. */
void     wh_practice_hub_set_practice (WhPracticeHub *self,
                                       WhPractice    *practice);
/* Reads the counts again (a day may have turned since). */
void     wh_practice_hub_refresh      (WhPracticeHub *self);
/* Its header's Back (to the catalogue), for the view to show when the
 * catalogue is not beside it. */
GtkWidget *wh_practice_hub_get_back_button (WhPracticeHub *self);
/* The title of a set, as its row says it. */
const char *wh_practice_hub_set_title (WhPracticeSet  set);

G_END_DECLS
