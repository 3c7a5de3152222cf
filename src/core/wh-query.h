/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-query.h: a description of "which rows, in which order" for one collection.
 *
 * The UI never writes SQL: it builds a WhQuery from fields of the schema
 * (equality and range filters, a region, a text match, one sort field) and
 * hands it to the store or to a WhListModel, which turn it into SQL with every
 * value bound as a parameter. A field name that is not in the schema is a
 * programming error (a critical), never an SQL string.
 */
#pragma once

#include <glib-object.h>

#include "wh-schema.h"

G_BEGIN_DECLS

typedef enum
{
  WH_QUERY_EQ,
  WH_QUERY_NE,
  WH_QUERY_LT,
  WH_QUERY_LE,
  WH_QUERY_GT,
  WH_QUERY_GE,
  WH_QUERY_HAS, /* a list field (STRV, INTV) holds the value: wh_query_where_has () */
  WH_QUERY_IN_IDS, /* id is one of a set: wh_query_where_id_in () */
  WH_QUERY_IN_WINDOW, /* a list of windows holds a minute: wh_query_where_in_window () */
} WhQueryOp;

typedef struct _WhQuery WhQuery;

#define WH_TYPE_QUERY (wh_query_get_type ())

GType               wh_query_get_type        (void) G_GNUC_CONST;

WhQuery            *wh_query_new             (const WhCollection *collection);
WhQuery            *wh_query_copy            (const WhQuery      *query);
void                wh_query_free            (WhQuery            *query);
const WhCollection *wh_query_get_collection  (const WhQuery      *query);

/* "id" and "rev" may be used as fields besides those of the schema. */
void                wh_query_where_int       (WhQuery            *query,
                                              const char         *field,
                                              WhQueryOp           op,
                                              gint64              value);
void                wh_query_where_real      (WhQuery            *query,
                                              const char         *field,
                                              WhQueryOp           op,
                                              double              value);
/* TEXT fields; also dates and times, whose text order is their order. */
void                wh_query_where_text      (WhQuery            *query,
                                              const char         *field,
                                              WhQueryOp           op,
                                              const char         *value);
/* As wh_query_where_text, and rows that lack the field pass too, e.g.
 * ("expires_at", GE, today): the jobs still open, and those with no end. */
void                wh_query_where_text_or_unset (WhQuery        *query,
                                              const char         *field,
                                              WhQueryOp           op,
                                              const char         *value);
/* Rows whose list field (STRV or INTV) holds value as one of its items,
 * e.g. ("welfare", "五险一金") or ("amenities", "hot_water"). Several
 * calls must all hold. */
void                wh_query_where_has       (WhQuery            *query,
                                              const char         *field,
                                              const char         *value);
/* Rows whose id is one of ids (none: no rows), e.g. the courses a person
 * saved or started. For a person's small sets, not for thousands. */
void                wh_query_where_id_in     (WhQuery            *query,
                                              const gint64       *ids,
                                              guint               n_ids);
/* Rows whose list field of WH_FORMAT_WINDOW values ("11:00-13:30") holds a
 * window that minute (0–1439 of the day) falls in, start included, end
 * excluded (wh_windows_contain), e.g. the merchants serving now. */
void                wh_query_where_in_window (WhQuery            *query,
                                              const char         *field,
                                              int                 minute);
/* Rows in a region as the contract defines it: an adcode ending in 0000 is a
 * province, in 00 a city, else a district. Needs the adcode fields. */
void                wh_query_where_region    (WhQuery            *query,
                                              gint64              adcode);
/* Full-text match over the collection's WH_FIELD_SEARCH fields, what a person
 * typed (see wh_search_build_match); NULL or nothing searchable clears it. */
void                wh_query_set_match       (WhQuery            *query,
                                              const char         *text);
/* After wh_query_set_match: of its hits, only those where field (a
 * WH_FIELD_SEARCH field) matches, or with except, only those where it does
 * not; the two split the hits in two, none in both. E.g. the jobs whose
 * title has 保洁 first, then those where only the employer or the
 * description has it. */
void                wh_query_set_match_field (WhQuery            *query,
                                              const char         *field,
                                              gboolean            except);
/* Sort by one field (NULL: by id), with id as the tie-break in the same
 * direction. The field must be WH_FIELD_REQUIRED: every cached row has it,
 * so paging by key (value, id) is exact. Sort by a field with an index
 * (WH_FIELD_INDEXED) for long lists, or each page sorts the whole result.
 * The name of one of the collection's scaled orders (WhScaledOrder, e.g.
 * "monthly_pay") sorts by its value, which always has an index. */
void                wh_query_set_order       (WhQuery            *query,
                                              const char         *field,
                                              gboolean            descending);
const char         *wh_query_get_order_field (const WhQuery      *query);
gboolean            wh_query_get_descending  (const WhQuery      *query);
/* Nearest first from a point (great-circle distance, then id), for a
 * located collection; rows without a place come last, by id. Replaces any
 * sort field. Paging by key stays exact; each page looks only at the rows
 * within the R*Tree box of its farthest row, so pages near the start are
 * cheap and the cost grows with how far down the list a page is. */
void                wh_query_set_order_distance (WhQuery         *query,
                                              double              lat,
                                              double              lon);
/* FALSE when the order is not by distance; then lat/lon are left alone. */
gboolean            wh_query_get_order_distance (const WhQuery   *query,
                                              double             *lat,
                                              double             *lon);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhQuery, wh_query_free)

G_END_DECLS
