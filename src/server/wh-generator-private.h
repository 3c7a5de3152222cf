/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator-private.h: what the generator's engine (wh-generator.c) shares with
 * its record makers (wh-generator-{courses,jobs,places}.c). Include it from
 * wh-generator*.c only. */
#pragma once

#include "wh-generator-data.h"
#include "wh-generator.h"

G_BEGIN_DECLS

/* ---- Random numbers ----------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: small, fast, and the same on every
 * platform, unlike rand() or GRand's algorithm across GLib versions. */
typedef struct
{
  guint64 s[4];
} Rng;

static inline guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline guint64
mix3 (guint64 a,
      guint64 b,
      guint64 c)
{
  guint64 x = a;

  x = splitmix64 (&x) ^ b;
  x = splitmix64 (&x) ^ c;
  return splitmix64 (&x);
}

static inline void
rng_seed (Rng    *r,
          guint64 seed)
{
  for (guint i = 0; i < 4; i++)
    r->s[i] = splitmix64 (&seed);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

static inline guint64
rng_next (Rng *r)
{
  guint64 *s = r->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Uniform in [0, n). */
static inline guint
rng_below (Rng  *r,
           guint n)
{
  return (guint) (((rng_next (r) >> 32) * (guint64) n) >> 32);
}

/* MIN and MAX evaluate an argument twice: never give them a random draw. */
static inline guint
umin (guint a,
      guint b)
{
  return a < b ? a : b;
}

static inline guint
umax (guint a,
      guint b)
{
  return a > b ? a : b;
}

/* Uniform in [lo, hi]. */
static inline int
rng_range (Rng *r,
           int  lo,
           int  hi)
{
  return lo + (int) rng_below (r, (guint) (hi - lo + 1));
}

static inline double
rng_double (Rng *r)
{
  return (rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline gboolean
rng_chance (Rng   *r,
            double p)
{
  return rng_double (r) < p;
}

/* ---- Word lists, split once -------------------------------------------- */

typedef struct
{
  char **items;
  guint  n;
} List;

typedef struct
{
  List stem_right;
  List wrong;
} FactLists;

typedef struct
{
  List areas;
} DistrictLists;

typedef struct
{
  List           roads;
  DistrictLists *districts;
} CityLists;

typedef struct
{
  List       titles, suffixes, duties, requirements, skills, lessons, points;
  FactLists *facts;
} TradeLists;

typedef struct
{
  CityLists  *cities;
  TradeLists *trades;
  FactLists  *general_facts;
  List surnames, given_names, generic_roads, generic_areas, company_words, company_sizes, welfare,
       honors, restaurants, chains, brands, venues, sentences, notes, chapters, general_lessons,
       course_titles, course_summaries, job_openers, job_closers;
  guint trade_weight_total;
} Tables;

static inline const char *
pick (Rng        *r,
      const List *list)
{
  return list->items[rng_below (r, list->n)];
}

/* ---- Dates --------------------------------------------------------------- */

#define DATE_BEFORE 800
#define DATE_AFTER  200

typedef struct
{
  char text[DATE_BEFORE + DATE_AFTER + 1][11];
  int  month[DATE_BEFORE + DATE_AFTER + 1];
} Dates;

/* YYYY-MM-DD of the base date plus offset days, -DATE_BEFORE..DATE_AFTER. */
static inline const char *
date_at (const Dates *d,
         int          offset)
{
  g_assert (offset >= -DATE_BEFORE && offset <= DATE_AFTER);
  return d->text[offset + DATE_BEFORE];
}

/* ---- The run ------------------------------------------------------------- */

typedef struct
{
  const WhScale *scale;
  guint64        seed;
  const Tables  *t;
  Dates          dates;

  /* the cities of the scale and their cumulative weights */
  guint         *cities;
  guint          n_cities;
  guint64       *city_cum;

  /* employers, filled by the employers pass, read by jobs and fairs */
  guint16       *employer_city;   /* index into wh_gen_cities */
  guint8        *employer_trade;
  char         **employer_name;
  GArray       **city_employers;  /* per wh_gen_cities index: gint64 ids */

  /* courses, planned before any is written */
  guint8        *course_trade;
  guint         *course_lessons;
  gint64        *course_first_lesson; /* n_courses + 1 entries: prefix sums, 1-based ids */
  guint          n_lessons;

  /* stations, filled by the stations pass, read by merchants */
  double        *station_lat;
  double        *station_lon;
  guint16       *station_city;
  guint8        *station_district;
  guint16       *station_area;
} Gen;

typedef void (*RecordFunc) (Gen      *g,
                            Rng      *r,
                            gint64    id,
                            WhRecord *record);

/* The engine's helpers for the record makers (wh-generator.c) */

/* Replaces {key} in tmpl with the value of key in a NULL-terminated
 * key, value, key, value... list; unknown keys are kept as they are. */
void wh_gen_append_template (GString            *out,
                             const char         *tmpl,
                             const char * const *kv);

guint wh_gen_pick_city (Gen *g,
                        Rng *r);

guint wh_gen_pick_trade_for_jobs (Gen *g,
                                  Rng *r);

char *wh_gen_person_name (Gen *g,
                          Rng *r);

char *wh_gen_mobile_phone (Rng     *r,
                           gboolean dashes);

char *wh_gen_landline (const WhGenCity *c,
                       Rng             *r);

void wh_gen_jitter (Rng    *r,
                    double  lat,
                    double  lon,
                    double  max_km,
                    double *out_lat,
                    double *out_lon);

void wh_gen_set_region (WhRecord        *record,
                        const WhGenCity *c,
                        guint            district);

char *wh_gen_road_name (Gen        *g,
                        Rng        *r,
                        guint       city,
                        const char *area);

char *wh_gen_street_address (Gen        *g,
                             Rng        *r,
                             guint       city,
                             guint       district,
                             const char *area);

/* The record makers, one per collection, and the course plan they share */

void wh_gen_category (Gen      *g,
                      Rng      *r,
                      gint64    id,
                      WhRecord *record);

void wh_gen_plan_courses (Gen *g);

void wh_gen_course (Gen      *g,
                    Rng      *r,
                    gint64    id,
                    WhRecord *record);

void wh_gen_lesson (Gen      *g,
                    Rng      *r,
                    gint64    id,
                    WhRecord *record);

void wh_gen_question (Gen      *g,
                      Rng      *r,
                      gint64    id,
                      WhRecord *record);

void wh_gen_employer (Gen      *g,
                      Rng      *r,
                      gint64    id,
                      WhRecord *record);

void wh_gen_job (Gen      *g,
                 Rng      *r,
                 gint64    id,
                 WhRecord *record);

void wh_gen_fair (Gen      *g,
                  Rng      *r,
                  gint64    id,
                  WhRecord *record);

void wh_gen_station (Gen      *g,
                     Rng      *r,
                     gint64    id,
                     WhRecord *record);

void wh_gen_merchant (Gen      *g,
                      Rng      *r,
                      gint64    id,
                      WhRecord *record);

G_END_DECLS
