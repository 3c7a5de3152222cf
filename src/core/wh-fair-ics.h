/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-fair-ics.h: a job fair as an iCalendar file (RFC 5545, via libical),
 * for a worker's own calendar. No GTK: tested without a display. */
#pragma once

#include "wh-record.h"

G_BEGIN_DECLS

/* One VEVENT in China's time zone (all day when the fair has no times);
 * employer_names (may be NULL) are listed in the description. NULL with
 * G_IO_ERROR_INVALID_DATA when the fair's date or times cannot be read. */
char *wh_fair_to_ics (const WhRecord     *fair,
                      const char * const *employer_names,
                      GError            **error);

G_END_DECLS
