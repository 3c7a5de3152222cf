/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-meals-format.h: how the love-meal pages word a worker, a merchant and
 * a voucher; shared by the meals view and its pages. Plain text: the
 * callers put it in labels or through wh-format.h. */
#pragma once

#include "wh-record.h"

G_BEGIN_DECLS

/* "138****8000": enough for a worker to recognise their number. */
char       *wh_meals_mask_phone           (const char     *phone);
/* A merchant's serving windows, "11:00–13:30, 17:00–19:30". */
char       *wh_meals_format_windows       (const WhRecord *merchant);
/* Whether the merchant's windows cover the whole day ("00:00-24:00"). */
gboolean    wh_meals_serves_all_day       (const WhRecord *merchant);
/* The start of the merchant's first window after minute (0–1439) today, in
 * minutes, or -1 when none opens later today. */
int         wh_meals_next_window          (const WhRecord *merchant,
                                           int             minute);
/* The field's text, or "" when it is not set. */
const char *wh_meals_text_or_empty        (const WhRecord *record,
                                           const char     *field);
/* unused, redeemed or expired as of today's service day (wh_voucher_get_status). */
const char *wh_meals_voucher_status       (const WhRecord *voucher);
/* "Ready to use", "Used", "Expired" for a status of wh_meals_voucher_status. */
const char *wh_meals_voucher_status_label (const char     *status);
/* A voucher's 12 digits in groups of four: "1234 5678 9012". */
char       *wh_meals_group_digits         (const char     *code);
/* An ISO 8601 time as "2026-11-20 23:59" in China Standard Time. */
char       *wh_meals_format_time          (const char     *iso);

G_END_DECLS
