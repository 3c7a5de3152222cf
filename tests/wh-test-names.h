/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-names.h: what the names index should find, by a scan with ICU.
 *
 * Reads every row's WH_FIELD_NAME and WH_FIELD_SEARCH fields and decides,
 * character by character with ICU's transforms (run here, not taken from
 * wh-pinyin), which rows a query finds besides its own text: Chinese terms
 * in simplified form inside a name's run of traditional characters, or in
 * any searched field as they are; Latin letters as the pinyin of
 * consecutive characters of a name, or their initials. */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* The ids, ascending, of the rows of collection the scan finds for query. */
GArray *wh_test_names_scan        (WhStore            *store,
                                   const WhCollection *collection,
                                   const char         *query);

/* ICU on each character of text alone: its pinyin without tones, space
 * separated ("dian gong"), or its traditional form. */
char   *wh_test_icu_pinyin        (const char         *text);
char   *wh_test_icu_traditional   (const char         *text);

G_END_DECLS
