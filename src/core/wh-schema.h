/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-schema.h: the one description of every synced record.
 *
 * Server and client both build their SQL tables, their JSON codecs and their
 * validation of untrusted input from these tables, so the two sides cannot
 * drift apart. data/api/CONTRACT.md documents the same fields, and a test
 * checks that it does.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  WH_TYPE_INT,  /* JSON integer, SQLite INTEGER */
  WH_TYPE_REAL, /* JSON number, SQLite REAL */
  WH_TYPE_BOOL, /* JSON true/false, SQLite INTEGER 0/1 */
  WH_TYPE_TEXT, /* JSON string, SQLite TEXT */
  WH_TYPE_STRV, /* JSON array of strings, SQLite TEXT joined by U+001F */
  WH_TYPE_INTV, /* JSON array of integers, SQLite TEXT joined by ',' */
} WhType;

/* Extra checks on TEXT values and on the items of STRV values. */
typedef enum
{
  WH_FORMAT_NONE,
  WH_FORMAT_ENUM,   /* one of WhField.values */
  WH_FORMAT_DATE,   /* YYYY-MM-DD */
  WH_FORMAT_TIME,   /* HH:MM, 00:00 to 24:00 */
  WH_FORMAT_WINDOW, /* HH:MM-HH:MM, start before end */
  WH_FORMAT_DATETIME, /* ISO 8601 with offset, e.g. 2026-11-20T08:00:00+08:00 */
  WH_FORMAT_PATH,   /* relative media path: [A-Za-z0-9._/-], no "..", no leading '/' */
  WH_FORMAT_PHONE,  /* digits, '+', '-', ' ' */
} WhFormat;

typedef enum
{
  WH_FIELD_REQUIRED = 1 << 0, /* must be present and not null in a live record */
  WH_FIELD_SEARCH   = 1 << 1, /* indexed for full-text search on the client */
  WH_FIELD_INDEXED  = 1 << 2, /* has an SQL index on the client */
  /* Filtered on in any combination with the other FILTER fields: the client
   * keeps them all (and lat/lon) in one covering index, so that counting a
   * combination or ordering it by distance reads no table row. */
  WH_FIELD_FILTER   = 1 << 3,
  /* A short name a person searches by (a title, an employer, a trade, a
   * place's name or address): also indexed by its pinyin, pinyin initials
   * and simplified characters (the "_names" index, see wh-search-tokenizer.h).
   * Only on SEARCH fields: Chinese text then finds the same rows as before,
   * and in the other script. */
  WH_FIELD_NAME     = 1 << 4,
  /* A list is sorted by it (an INDEXED field; the collection's scaled
   * orders are too): its index holds the id and the LISTED fields after it,
   * so a page deep in a long list (a drag of the scrollbar) skips the rows
   * before it in the index alone, where it looked each one up. */
  WH_FIELD_SORTED   = 1 << 5,
  /* Nearly every list filters on it (a job's closing date): the indexes of
   * the SORTED fields carry it. */
  WH_FIELD_LISTED   = 1 << 6,
} WhFieldFlags;

typedef struct
{
  const char         *name;
  WhType              type;
  WhFieldFlags        flags;
  WhFormat            format;
  /* INT: value range; REAL: value range; TEXT: max bytes in min..max;
   * STRV/INTV: number of items in min..max (items: max_item bytes or range). */
  double              min;
  double              max;
  gint64              max_item;
  const char * const *values; /* WH_FORMAT_ENUM: NULL-terminated */
} WhField;

typedef enum
{
  WH_COLLECTION_SYNCED   = 1 << 0, /* has a changes feed; records have id and rev */
  WH_COLLECTION_REGIONAL = 1 << 1, /* the feed accepts ?region=ADCODE */
  WH_COLLECTION_LOCATED  = 1 << 2, /* has lat/lon: spatial index on the client */
} WhCollectionFlags;

/* A sort key over an amount given in several units (pay per hour, day or
 * month): field × the factor of the unit the record's unit_field names, so
 * that rows compare like with like. A unit not listed counts as factor 1.
 * The client keeps an index on it; wh_query_set_order () takes its name. */
typedef struct
{
  const char         *name;       /* "monthly_pay" */
  const char         *field;      /* INT, WH_FIELD_REQUIRED */
  const char         *unit_field; /* TEXT, WH_FIELD_REQUIRED */
  const char * const *units;      /* NULL-terminated */
  const double       *factors;    /* one for each unit */
  /* NULL, or the tie-break: a second amount in the same unit (the top of a
   * pay range), scaled alike, that orders the rows whose field ties. */
  const char         *then_field; /* INT, WH_FIELD_REQUIRED */
} WhScaledOrder;

/* A WH_FIELD_NAME field found also by a name of the record another field
 * points at: a course's trade (焊工) by its category's name (焊接), the name
 * the trade list shows. The client's names index holds both; it is kept up
 * to date when either record changes (wh-store-names.c). */
typedef struct
{
  const char          *field;      /* the NAME field: "trade" */
  const char          *id_field;   /* the id of the other record: "category_id" */
  const char          *collection; /* its table: "categories" */
  const char          *name_field; /* its name: "name" */
} WhNamesJoin;

typedef struct
{
  const char          *name;      /* URL and table name: "jobs" */
  WhCollectionFlags    flags;
  const WhField       *fields;    /* excluding id, rev, deleted */
  guint                n_fields;
  const char          *title_field; /* what a list row shows first */
  const WhScaledOrder *scaled_orders;
  guint                n_scaled_orders;
  const WhNamesJoin   *names_join; /* or NULL */
} WhCollection;

/* Limits the client and the server hold every document to. */
#define WH_MAX_JSON_DEPTH        16
#define WH_MAX_PAGE_LIMIT        2000
#define WH_DEFAULT_PAGE_LIMIT    500
#define WH_MAX_REQUEST_BODY      (64 * 1024)
#define WH_MAX_RESPONSE_BODY     (32 * 1024 * 1024)

extern const char * const wh_amenities[];
extern const char * const wh_station_statuses[];
extern const char * const wh_salary_periods[];
extern const char * const wh_settlements[];
extern const char * const wh_question_kinds[];
extern const char * const wh_voucher_statuses[];
extern const char * const wh_course_levels[];

extern const WhCollection wh_collection_categories;
extern const WhCollection wh_collection_courses;
extern const WhCollection wh_collection_lessons;
extern const WhCollection wh_collection_questions;
extern const WhCollection wh_collection_employers;
extern const WhCollection wh_collection_jobs;
extern const WhCollection wh_collection_fairs;
extern const WhCollection wh_collection_stations;
extern const WhCollection wh_collection_merchants;

/* Documents that are not synced through a feed but share the codec. */
extern const WhCollection wh_collection_vouchers;
extern const WhCollection wh_collection_me;
extern const WhCollection wh_collection_progress;
extern const WhCollection wh_collection_quiz_attempts;
extern const WhCollection wh_collection_question_reviews;
extern const WhCollection wh_collection_bookmarks;
extern const WhCollection wh_collection_station_reports;

/* The synced collections in the order a full sync fetches them. */
const WhCollection * const *wh_schema_synced_collections (guint *n_collections);
const WhCollection         *wh_schema_lookup             (const char         *name);
const WhField              *wh_collection_find_field     (const WhCollection *collection,
                                                          const char         *name,
                                                          guint              *index);
gboolean                    wh_collection_has_field      (const WhCollection *collection,
                                                          const char         *name);
const WhScaledOrder        *wh_collection_find_scaled_order (const WhCollection *collection,
                                                             const char         *name);
/* A scaled order's value for an amount in a unit: amount × its factor. */
double                      wh_scaled_order_value        (const WhScaledOrder *order,
                                                          double              amount,
                                                          const char         *unit);
/* The value rows are sorted and paged by: amount's value, and with a
 * then_field, then's value as a fraction below the smallest step between
 * two amounts' values (WH_SCALED_ORDER_THEN_DIVISOR), so that one number
 * orders by both. The store computes the same in SQL, operation for
 * operation, so a key's value is bit for bit the one SQL compares with. */
#define WH_SCALED_ORDER_THEN_DIVISOR 8589934592.0 /* 2^33, as wh-schema.c's static assert says */
double                      wh_scaled_order_key          (const WhScaledOrder *order,
                                                          gint64              amount,
                                                          gint64              then,
                                                          const char         *unit);

G_END_DECLS
