/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "wh-schema.h"

#include <string.h>

const char * const wh_amenities[] = {
  "hot_water", "charging", "microwave", "toilet", "rest_area",
  "air_conditioning", "first_aid", "wifi", NULL,
};
const char * const wh_station_statuses[] = { "open", "closed", "maintenance", NULL };
const char * const wh_salary_periods[] = { "hour", "day", "month", NULL };
const char * const wh_settlements[] = { "daily", "weekly", "monthly", NULL };
const char * const wh_question_kinds[] = { "single", "multiple", NULL };
const char * const wh_voucher_statuses[] = { "unused", "redeemed", "expired", NULL };
const char * const wh_course_levels[] = { "beginner", "intermediate", "advanced", NULL };

#define REQ WH_FIELD_REQUIRED
#define SEARCH WH_FIELD_SEARCH
#define IDX WH_FIELD_INDEXED
#define FILTER WH_FIELD_FILTER
#define NAME WH_FIELD_NAME
#define SORTED WH_FIELD_SORTED
#define LISTED WH_FIELD_LISTED

/* Shorthands keep the tables readable: one line a field. */
#define F_INT(n, fl, lo, hi)        { n, WH_TYPE_INT, fl, WH_FORMAT_NONE, lo, hi, 0, NULL }
#define F_REAL(n, fl, lo, hi)       { n, WH_TYPE_REAL, fl, WH_FORMAT_NONE, lo, hi, 0, NULL }
#define F_BOOL(n, fl)               { n, WH_TYPE_BOOL, fl, WH_FORMAT_NONE, 0, 1, 0, NULL }
#define F_TEXT(n, fl, maxlen)       { n, WH_TYPE_TEXT, fl, WH_FORMAT_NONE, 0, maxlen, 0, NULL }
#define F_FMT(n, fl, fmt, maxlen)   { n, WH_TYPE_TEXT, fl, fmt, 0, maxlen, 0, NULL }
#define F_ENUM(n, fl, vals)         { n, WH_TYPE_TEXT, fl, WH_FORMAT_ENUM, 0, 32, 0, vals }
#define F_STRV(n, fl, fmt, lo, hi, item, vals) { n, WH_TYPE_STRV, fl, fmt, lo, hi, item, vals }
#define F_INTV(n, fl, lo, hi, item) { n, WH_TYPE_INTV, fl, WH_FORMAT_NONE, lo, hi, item, NULL }

#define ID_MAX 9007199254740991.0 /* 2^53 - 1: exact in every JSON reader */
/* The place's names and codes: province and city flags for the first two
 * codes, district flags for the county's own. */
#define ADCODE_FIELDS_WITH(areas, district)           \
  F_TEXT ("province", 0, 64),                         \
  F_TEXT ("city", 0, 64),                             \
  F_TEXT ("district", 0, 64),                         \
  F_INT ("province_adcode", (areas), 0, 999999),      \
  F_INT ("city_adcode", (areas), 0, 999999),          \
  F_INT ("adcode", (district), 0, 999999)
#define ADCODE_FIELDS ADCODE_FIELDS_WITH (IDX, IDX)

static const WhField categories_fields[] = {
  F_TEXT ("name", REQ | SEARCH | NAME, 64),
  F_TEXT ("trade", 0, 64),
  F_INT ("position", 0, 0, 100000),
};

static const WhField courses_fields[] = {
  F_INT ("category_id", REQ | IDX, 1, ID_MAX),
  F_TEXT ("title", REQ | SEARCH | NAME, 400),
  F_TEXT ("trade", REQ | SEARCH | NAME, 64),
  F_TEXT ("author", REQ | SEARCH, 64),
  F_TEXT ("author_honor", 0, 128),
  F_TEXT ("summary", SEARCH, 8000),
  F_ENUM ("level", 0, wh_course_levels),
  F_INT ("duration_min", 0, 0, 100000),
  F_INT ("lesson_count", 0, 0, 10000),
  F_FMT ("cover", 0, WH_FORMAT_PATH, 512),
  F_FMT ("updated_at", 0, WH_FORMAT_DATETIME, 40),
};

static const WhField lessons_fields[] = {
  F_INT ("course_id", REQ | IDX, 1, ID_MAX),
  F_TEXT ("chapter", 0, 400),
  F_INT ("position", REQ, 0, 100000),
  F_TEXT ("title", REQ, 400),
  F_INT ("duration_min", 0, 0, 100000),
  F_TEXT ("body_md", 0, 256 * 1024),
  F_STRV ("images", 0, WH_FORMAT_PATH, 0, 64, 512, NULL),
};

static const WhField questions_fields[] = {
  F_INT ("course_id", REQ | IDX, 1, ID_MAX),
  F_ENUM ("kind", REQ, wh_question_kinds),
  F_TEXT ("stem", REQ, 4000),
  F_STRV ("options", REQ, WH_FORMAT_NONE, 2, 8, 1000, NULL),
  F_INTV ("answer", REQ, 1, 8, 7),
  F_TEXT ("explanation", 0, 8000),
  F_INT ("difficulty", 0, 1, 5),
};

static const WhField employers_fields[] = {
  F_TEXT ("name", REQ | SEARCH | NAME, 400),
  F_TEXT ("industry", 0, 64),
  F_INT ("city_adcode", IDX, 0, 999999),
  F_TEXT ("size", 0, 64),
  F_BOOL ("verified", 0),
  F_TEXT ("description", 0, 8000),
};

/* Jobs keep few indexes of their own (IDX): each is one more random insert
 * for every row a region's first sync copies in, and one more pass of its
 * build (wh-store-build.c). The list's filters find their rows through
 * jobs_filter, which holds every FILTER column (wh-store.c); its count
 * probes go through the indexes that remain (the district's, the date's)
 * and jobs_filter's first column, the trade. Measured (bench/NOTES.md,
 * session 14): a province's first sync 0.91× the time with eleven, and
 * bench-jobs-ui's filter changes on 916,209 jobs as quick or quicker. */
static const WhField jobs_fields[] = {
  F_TEXT ("title", REQ | SEARCH | NAME, 400),
  F_INT ("employer_id", REQ | IDX, 1, ID_MAX),
  F_TEXT ("employer_name", REQ | SEARCH | NAME, 400),
  F_TEXT ("category", REQ | FILTER, 64),
  ADCODE_FIELDS_WITH (FILTER, IDX | FILTER),
  F_TEXT ("address", 0, 400),
  F_REAL ("lat", 0, -90, 90),
  F_REAL ("lon", 0, -180, 180),
  F_INT ("salary_min", REQ | FILTER, 0, 10000000),
  F_INT ("salary_max", REQ | FILTER, 0, 10000000),
  F_ENUM ("salary_period", REQ | FILTER, wh_salary_periods),
  F_ENUM ("settlement", REQ | FILTER, wh_settlements),
  F_STRV ("welfare", FILTER, WH_FORMAT_NONE, 0, 32, 64, NULL),
  F_INT ("headcount", 0, 0, 100000),
  F_TEXT ("description", SEARCH, 32 * 1024),
  F_TEXT ("contact_name", 0, 64),
  F_FMT ("contact_phone", 0, WH_FORMAT_PHONE, 32),
  F_TEXT ("contact_email", 0, 254),
  F_FMT ("posted_at", REQ | IDX | FILTER | SORTED, WH_FORMAT_DATE, 10),
  /* Past it the job is closed: hidden unless asked for (wh-job-filters.c). */
  F_FMT ("expires_at", FILTER | LISTED, WH_FORMAT_DATE, 10),
};

/* Pay compared like with like: hourly and daily pay as what they come to in
 * a month, by the factors Chinese payroll uses to turn a monthly wage into
 * daily and hourly ones (劳社部发〔2008〕3号: 21.75 paid days a month, 8 hours
 * a day, so 174 hours). A worker sorting by pay wants the job that pays most
 * first, whatever unit its advert is in. Sorted by the bottom of the range,
 * what the job promises at least. */
static const double monthly_pay_factors[] = { 174.0, 21.75, 1.0 };
G_STATIC_ASSERT (G_N_ELEMENTS (monthly_pay_factors) == G_N_ELEMENTS (wh_salary_periods) - 1);
/* Ties (the same least pay) break on the top of the range: of two jobs that
 * promise 5,000 a month, the one that may pay 8,000 comes first.
 * Amounts are whole yuan and the factors multiples of 1/4, so two different
 * bottoms are at least 1/4 apart; the top, at most 10,000,000 × 174 (under
 * 2^31), divided by 2^33, stays below that step: it never overtakes the
 * bottom. It tells tops apart exactly while the bottom is under 2^18 yuan a
 * month (the precision a double has left); beyond, ties fall to the id. */
/* In integers: clang takes no floating-point constant in a static assert. */
G_STATIC_ASSERT ((guint64) 10000000 * 174 * 4 < (G_GUINT64_CONSTANT (1) << 33));
static const WhScaledOrder jobs_scaled_orders[] = {
  { "monthly_pay", "salary_min", "salary_period", wh_salary_periods, monthly_pay_factors,
    "salary_max" },
};

static const WhField fairs_fields[] = {
  F_TEXT ("title", REQ | SEARCH | NAME, 400),
  F_TEXT ("city", 0, 64),
  F_INT ("city_adcode", REQ | IDX, 0, 999999),
  F_TEXT ("venue", REQ | SEARCH | NAME, 400),
  F_TEXT ("address", 0, 400),
  F_REAL ("lat", 0, -90, 90),
  F_REAL ("lon", 0, -180, 180),
  F_FMT ("date", REQ | IDX, WH_FORMAT_DATE, 10),
  F_FMT ("start_time", 0, WH_FORMAT_TIME, 5),
  F_FMT ("end_time", 0, WH_FORMAT_TIME, 5),
  F_INTV ("employer_ids", 0, 0, 1000, ID_MAX),
  F_TEXT ("description", 0, 8000),
};

static const WhField stations_fields[] = {
  F_TEXT ("name", REQ | SEARCH | NAME, 400),
  F_TEXT ("address", REQ | SEARCH | NAME, 400),
  ADCODE_FIELDS,
  F_REAL ("lat", REQ, -90, 90),
  F_REAL ("lon", REQ, -180, 180),
  F_STRV ("amenities", 0, WH_FORMAT_ENUM, 0, 16, 32, wh_amenities),
  F_BOOL ("open_24h", 0),
  F_FMT ("opens", 0, WH_FORMAT_TIME, 5),
  F_FMT ("closes", 0, WH_FORMAT_TIME, 5),
  F_ENUM ("status", REQ, wh_station_statuses),
  F_STRV ("photos", 0, WH_FORMAT_PATH, 0, 16, 512, NULL),
  F_FMT ("phone", 0, WH_FORMAT_PHONE, 32),
  F_TEXT ("operator", 0, 200),
};

static const WhField merchants_fields[] = {
  F_TEXT ("name", REQ | SEARCH | NAME, 400),
  F_TEXT ("address", SEARCH | NAME, 400),
  ADCODE_FIELDS,
  F_REAL ("lat", REQ, -90, 90),
  F_REAL ("lon", REQ, -180, 180),
  F_STRV ("windows", REQ, WH_FORMAT_WINDOW, 1, 4, 11, NULL),
  F_INT ("daily_quota", REQ, 0, 100000),
  F_INT ("remaining_today", REQ, 0, 100000),
  F_FMT ("quota_day", 0, WH_FORMAT_DATE, 10),
  F_INT ("station_id", 0, 0, ID_MAX),
  F_FMT ("phone", 0, WH_FORMAT_PHONE, 32),
};

static const WhField vouchers_fields[] = {
  F_TEXT ("voucher_id", REQ, 64),
  F_INT ("merchant_id", REQ, 1, ID_MAX),
  F_TEXT ("merchant_name", REQ, 400),
  F_TEXT ("merchant_address", 0, 400),
  F_TEXT ("code", REQ, 32),
  F_TEXT ("payload", REQ, 512),
  F_FMT ("day", REQ, WH_FORMAT_DATE, 10),
  F_FMT ("valid_until", REQ, WH_FORMAT_DATETIME, 40),
  F_ENUM ("status", REQ, wh_voucher_statuses),
  F_FMT ("claimed_at", REQ, WH_FORMAT_DATETIME, 40),
  F_FMT ("redeemed_at", 0, WH_FORMAT_DATETIME, 40),
};

static const WhField me_fields[] = {
  F_INT ("user_id", REQ, 1, ID_MAX),
  F_FMT ("phone", REQ, WH_FORMAT_PHONE, 32),
  F_TEXT ("name", 0, 64),
  F_BOOL ("union_member", REQ),
  F_BOOL ("new_form_worker", REQ),
  F_BOOL ("eligible", REQ),
  F_FMT ("token_expires_at", 0, WH_FORMAT_DATETIME, 40),
};

static const WhField progress_fields[] = {
  F_INT ("lesson_id", REQ, 1, ID_MAX),
  F_INT ("course_id", REQ, 1, ID_MAX),
  F_INT ("position", 0, 0, 10000000),
  F_BOOL ("completed", REQ),
  F_FMT ("updated_at", REQ, WH_FORMAT_DATETIME, 40),
};

static const WhField quiz_attempts_fields[] = {
  F_TEXT ("attempt_id", REQ, 64),
  F_INT ("course_id", REQ, 1, ID_MAX),
  F_INT ("total", REQ, 1, 1000),
  F_INT ("correct", REQ, 0, 1000),
  F_INT ("duration_s", 0, 0, 86400),
  F_BOOL ("timed", 0),
  F_FMT ("finished_at", REQ, WH_FORMAT_DATETIME, 40),
};

/* A question's spaced-review state (SM-2, wh-practice.h) and its place in
 * the mistakes notebook, one document per question. */
static const WhField question_reviews_fields[] = {
  F_INT ("question_id", REQ, 1, ID_MAX),
  F_INT ("course_id", REQ, 1, ID_MAX),
  F_INT ("ease", REQ, 1300, 5000),
  F_INT ("interval_days", REQ, 0, 36500),
  F_INT ("repetitions", REQ, 0, 100000),
  F_INT ("lapses", 0, 0, 100000),
  F_FMT ("due", REQ, WH_FORMAT_DATE, 10),
  F_FMT ("reviewed_at", REQ, WH_FORMAT_DATETIME, 40),
  F_BOOL ("mistake", REQ),
  F_INT ("wrong_choice", 0, 0, 255),
  F_FMT ("wrong_at", 0, WH_FORMAT_DATETIME, 40),
  F_FMT ("right_day", 0, WH_FORMAT_DATE, 10),
};

static const WhField bookmarks_fields[] = {
  F_INT ("job_id", REQ, 1, ID_MAX),
  F_BOOL ("applied", 0),
  F_FMT ("updated_at", REQ, WH_FORMAT_DATETIME, 40),
};

static const WhField station_reports_fields[] = {
  F_TEXT ("report_id", REQ, 64),
  F_INT ("station_id", REQ, 1, ID_MAX),
  F_TEXT ("problem", REQ, 64),
  F_TEXT ("comment", 0, 2000),
  F_FMT ("reported_at", REQ, WH_FORMAT_DATETIME, 40),
};

#define COLLECTION(var, cname, cflags, title) \
  const WhCollection wh_collection_##var = { cname, cflags, var##_fields, \
                                             G_N_ELEMENTS (var##_fields), title, NULL, 0, NULL }
#define COLLECTION_SCALED(var, cname, cflags, title) \
  const WhCollection wh_collection_##var = { cname, cflags, var##_fields, \
                                             G_N_ELEMENTS (var##_fields), title, \
                                             var##_scaled_orders, \
                                             G_N_ELEMENTS (var##_scaled_orders), NULL }
#define SYNCED WH_COLLECTION_SYNCED

COLLECTION (categories, "categories", SYNCED, "name");
/* The trade list shows the categories' names (焊接), the courses name
 * their trade (焊工): a search for either finds the course. */
static const WhNamesJoin courses_names_join = { "trade", "category_id", "categories", "name" };
const WhCollection wh_collection_courses = { "courses", SYNCED, courses_fields,
                                             G_N_ELEMENTS (courses_fields), "title", NULL, 0,
                                             &courses_names_join };
COLLECTION (lessons, "lessons", SYNCED, "title");
COLLECTION (questions, "questions", SYNCED, "stem");
COLLECTION (employers, "employers", SYNCED, "name");
COLLECTION_SCALED (jobs, "jobs", SYNCED | WH_COLLECTION_REGIONAL | WH_COLLECTION_LOCATED, "title");
COLLECTION (fairs, "fairs", SYNCED, "title");
COLLECTION (stations, "stations", SYNCED | WH_COLLECTION_LOCATED, "name");
COLLECTION (merchants, "merchants", SYNCED | WH_COLLECTION_LOCATED, "name");
COLLECTION (vouchers, "vouchers", 0, "merchant_name");
COLLECTION (me, "me", 0, "phone");
COLLECTION (progress, "progress", 0, "lesson_id");
COLLECTION (quiz_attempts, "quiz_attempts", 0, "attempt_id");
COLLECTION (question_reviews, "question_reviews", 0, "question_id");
COLLECTION (bookmarks, "bookmarks", 0, "job_id");
COLLECTION (station_reports, "station_reports", 0, "report_id");

static const WhCollection * const synced[] = {
  &wh_collection_categories,
  &wh_collection_courses,
  &wh_collection_lessons,
  &wh_collection_questions,
  &wh_collection_employers,
  &wh_collection_jobs,
  &wh_collection_fairs,
  &wh_collection_stations,
  &wh_collection_merchants,
};

static const WhCollection * const all[] = {
  &wh_collection_categories, &wh_collection_courses, &wh_collection_lessons,
  &wh_collection_questions, &wh_collection_employers, &wh_collection_jobs,
  &wh_collection_fairs, &wh_collection_stations, &wh_collection_merchants,
  &wh_collection_vouchers, &wh_collection_me, &wh_collection_progress,
  &wh_collection_quiz_attempts, &wh_collection_bookmarks, &wh_collection_station_reports,
  &wh_collection_question_reviews,
};

const WhCollection * const *
wh_schema_synced_collections (guint *n_collections)
{
  if (n_collections)
    *n_collections = G_N_ELEMENTS (synced);
  return synced;
}

const WhCollection *
wh_schema_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (strcmp (all[i]->name, name) == 0)
      return all[i];
  return NULL;
}

const WhField *
wh_collection_find_field (const WhCollection *collection,
                          const char         *name,
                          guint              *index)
{
  g_return_val_if_fail (collection != NULL, NULL);
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < collection->n_fields; i++)
    if (strcmp (collection->fields[i].name, name) == 0)
      {
        if (index)
          *index = i;
        return &collection->fields[i];
      }
  return NULL;
}

gboolean
wh_collection_has_field (const WhCollection *collection,
                         const char         *name)
{
  return wh_collection_find_field (collection, name, NULL) != NULL;
}

const WhScaledOrder *
wh_collection_find_scaled_order (const WhCollection *collection,
                                 const char         *name)
{
  g_return_val_if_fail (collection != NULL, NULL);

  for (guint i = 0; name && i < collection->n_scaled_orders; i++)
    if (strcmp (collection->scaled_orders[i].name, name) == 0)
      return &collection->scaled_orders[i];
  return NULL;
}

double
wh_scaled_order_value (const WhScaledOrder *order,
                       double               amount,
                       const char          *unit)
{
  g_return_val_if_fail (order != NULL, amount);

  for (guint i = 0; unit && order->units[i]; i++)
    if (strcmp (order->units[i], unit) == 0)
      return amount * order->factors[i];
  return amount * 1.0;
}

double
wh_scaled_order_key (const WhScaledOrder *order,
                     gint64               amount,
                     gint64               then,
                     const char          *unit)
{
  double value;

  g_return_val_if_fail (order != NULL, amount);

  value = wh_scaled_order_value (order, (double) amount, unit);
  if (order->then_field == NULL)
    return value;
  return value + wh_scaled_order_value (order, (double) then, unit) / WH_SCALED_ORDER_THEN_DIVISOR;
}
