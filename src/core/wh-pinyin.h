/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-pinyin.h: a CJK character's pinyin and simplified form, from ICU.
 *
 * The tables are ICU's own results ("Han-Latin; Latin-ASCII" and
 * "Traditional-Simplified" run on each character alone), taken at build time
 * by wh-pinyin-gen: one reading per character, the one ICU gives it out of
 * context (its most common Mandarin reading), tones dropped, ü as u. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The pinyin of c (lowercase ASCII, no tone), or NULL when ICU gives it none. */
const char *wh_pinyin_of          (gunichar    c);

/* The simplified form of c (電 -> 电), or c itself. */
gunichar    wh_pinyin_fold        (gunichar    c);

/* Whether text[0..length) is a syllable some character reads as. */
gboolean    wh_pinyin_is_syllable (const char *text,
                                   gsize       length);

/* Whether some syllable starts with the ASCII letter c (never i, u or v). */
gboolean    wh_pinyin_is_initial  (char        c);

/* The longest syllable, in letters. */
#define WH_PINYIN_MAX_SYLLABLE 6

G_END_DECLS
