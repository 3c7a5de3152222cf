/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-read-aloud-controls.h: Read Aloud, Pause/Resume, Stop and the speed,
 * for the text under a source widget (WhReadAloud). A page puts one in
 * its template and names the source there (the "source" property), or
 * calls wh_read_aloud_controls_set_source. The connection to
 * speech-dispatcher is opened when the controls are first shown; until it
 * is open, or when it cannot be, Read Aloud is insensitive and its
 * tooltip says why. */
#pragma once

#include <gtk/gtk.h>

#include "wh-read-aloud.h"

G_BEGIN_DECLS

#define WH_TYPE_READ_ALOUD_CONTROLS (wh_read_aloud_controls_get_type ())
G_DECLARE_FINAL_TYPE (WhReadAloudControls, wh_read_aloud_controls, WH, READ_ALOUD_CONTROLS,
                      GtkWidget)

GtkWidget   *wh_read_aloud_controls_new            (void);
void         wh_read_aloud_controls_set_source     (WhReadAloudControls *self,
                                                    GtkWidget           *source);
WhReadAloud *wh_read_aloud_controls_get_controller (WhReadAloudControls *self);
/* Another connection than the app's (tests). */
void         wh_read_aloud_controls_set_speech     (WhReadAloudControls *self,
                                                    WhSpeech            *speech);

G_END_DECLS
