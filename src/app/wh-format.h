/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-format.h: how records read to a person, in their language. */
#pragma once

#include <adwaita.h>

#include "wh-record.h"

G_BEGIN_DECLS

/* "8,000–12,000 CNY a month" / "8000–12000 元/月" */
char       *wh_format_salary          (gint64          min,
                                       gint64          max,
                                       const char     *period);
const char *wh_format_settlement      (const char     *settlement);
/* A welfare tag of a job (五险一金, 包吃住) in the person's language; a tag
 * the app does not know is given back as it is (plain text to show). */
const char *wh_format_benefit         (const char     *tag);
/* A job's benefits joined with sep, each as wh_format_benefit says it,
 * without the tags that say its settlement (日结, 周结), which the
 * settlement says already; NULL when none is left. */
char       *wh_format_benefits        (const WhRecord *job,
                                       const char     *sep);
const char *wh_format_amenity         (const char     *amenity);
const char *wh_format_station_status  (const char     *status);
/* "850 m", "3.2 km", "48 km", "1,147 km" (thousands grouped as the locale does) */
char       *wh_format_distance        (double          metres);
/* A length of time: "45 min", "2 h", "3 h 20 min" */
char       *wh_format_minutes         (gint64          minutes);
/* The second line of a list row; NULL when there is nothing to say. */
char       *wh_format_record_subtitle (const WhRecord *record);
/* A widget listing the record's fields a person cares about. */
GtkWidget  *wh_format_record_detail   (const WhRecord *record);

/* Outside text (the server's, the cache's, a person's) on the libadwaita 1.2
 * widgets that read their text as Pango markup by default: each shows the
 * text exactly as given, so "<span size='xx-large'>" stays visible text,
 * an <a href> is no link and "R&D" does not empty the label. Rows in .ui
 * files say <property name="use-markup">false</property> themselves. */
GtkWidget  *wh_format_row_new                     (const char          *title,
                                                   const char          *subtitle);
void        wh_format_group_set_title             (AdwPreferencesGroup *group,
                                                   const char          *text);
void        wh_format_group_set_description       (AdwPreferencesGroup *group,
                                                   const char          *text);
void        wh_format_status_page_set_description (AdwStatusPage       *page,
                                                   const char          *text);
AdwToast   *wh_format_toast_new                   (const char          *text);

/* A list row of four labels (heading, accent, two dim captions) for the
 * jobs list and the fairs list; the bind callback sets their text. */
GtkWidget  *wh_format_four_line_row_new           (void);
/* A button labelled with a mnemonic, named plainly for AT-SPI: GTK 4.8
 * names it after the label twice, underscore and all ("_Sync Now Sync Now"). */
void        wh_format_button_set_mnemonic_label   (GtkWidget           *button,
                                                   const char          *text);

/* A drop-down of GtkStringObject choices whose button shows the choice cut
 * to its width (a long city or trade would widen what holds it) and whose
 * list shows each in full; as plain text. */
void        wh_format_drop_down_set_string_factories (GtkDropDown      *dropdown);

/* Han characters with no language of their own (the courses, jobs and
 * places are Chinese whatever the UI's language) are drawn as simplified
 * Chinese: in an English UI Pango tags them "xx" and fontconfig picks
 * Noto Sans CJK JP, Japanese glyph forms. Adds zh-cn last to Pango's
 * preferred languages (PANGO_LANGUAGE), so a person's own choice of
 * traditional or Japanese forms stays first. Before Pango is first used. */
void        wh_format_prefer_simplified_chinese   (void);
/* Every plain tooltip (tooltip-text, tooltip-markup) one line as wide as
 * its text up to 360 px, wrapped beyond: GTK 4.8 sizes its tooltip label
 * near the label's minimum width, one or two Chinese characters (each is a
 * place to break a line). Once, before widgets are realized. */
void        wh_format_install_tooltips            (void);
/* The label such a tooltip shows (markup: the widget's tooltip-markup). */
GtkWidget  *wh_format_tooltip_label_new           (const char          *markup);

G_END_DECLS
