/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-read-aloud.h: reads the text of a part of a page aloud, sentence by
 * sentence, and highlights the sentence being read.
 *
 * The text is what the page shows: the labels under the source widget that
 * are on screen, in order (never an entry: what a person typed is not read
 * out at a kiosk). Each label's text is split into sentences with Pango's
 * sentence boundaries (UAX #29), sent to speech-dispatcher as one SSML
 * message with an index mark before each sentence (WhSpeech); each mark
 * reached highlights its sentence (a background on that range of the
 * label) and scrolls it into view. A label that changes or goes away
 * while it is read, or the source leaving the screen, stops the reading. */
#pragma once

#include <gtk/gtk.h>

#include "wh-speech.h"

G_BEGIN_DECLS

typedef enum
{
  WH_READ_ALOUD_STOPPED,
  WH_READ_ALOUD_PLAYING,
  WH_READ_ALOUD_PAUSED,
} WhReadAloudState;

/* The speeds offered, as speech-dispatcher rates (-100..100, 0 normal). */
#define WH_READ_ALOUD_RATE_SLOW    -25
#define WH_READ_ALOUD_RATE_NORMAL    0

#define WH_TYPE_READ_ALOUD (wh_read_aloud_get_type ())
G_DECLARE_FINAL_TYPE (WhReadAloud, wh_read_aloud, WH, READ_ALOUD, GObject)

WhReadAloud      *wh_read_aloud_new          (WhSpeech    *speech);
WhSpeech         *wh_read_aloud_get_speech   (WhReadAloud *self);
/* The widget whose labels are read (not owned). */
void              wh_read_aloud_set_source   (WhReadAloud *self,
                                              GtkWidget   *source);
GtkWidget        *wh_read_aloud_get_source   (WhReadAloud *self);

/* Starts from the first sentence, or resumes. */
void              wh_read_aloud_play         (WhReadAloud *self);
void              wh_read_aloud_pause        (WhReadAloud *self);
void              wh_read_aloud_stop         (WhReadAloud *self);
/* A new rate applies at once: the current sentence is read again. */
void              wh_read_aloud_set_rate     (WhReadAloud *self,
                                              int          rate);
int               wh_read_aloud_get_rate     (WhReadAloud *self);
WhReadAloudState  wh_read_aloud_get_state    (WhReadAloud *self);

/* The sentences of the current reading, and the one being read (-1 when
 * none). For the tests too. */
guint             wh_read_aloud_get_n_sentences   (WhReadAloud *self);
int               wh_read_aloud_get_sentence      (WhReadAloud *self);
const char       *wh_read_aloud_get_sentence_text (WhReadAloud *self,
                                                   guint        index);
GtkLabel         *wh_read_aloud_get_sentence_label (WhReadAloud *self,
                                                    guint        index);

/* The sentences of text, as pairs of byte offsets (start, end) with the
 * spaces around each left out, and none without a letter or digit. */
GArray           *wh_read_aloud_split        (const char  *text,
                                              int          length);

G_END_DECLS
