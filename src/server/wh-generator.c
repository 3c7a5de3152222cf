/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator.c: deterministic demo data in realistic Simplified Chinese.
 *
 * Determinism: every record is a pure function of (seed, collection, chunk of
 * CHUNK_SIZE ids) plus tables computed before the collection starts, so the
 * number of threads never changes a byte. No wall clock is read: dates are
 * relative to WH_GENERATOR_BASE_DATE.
 *
 * Speed: worker threads build records and their JSON bodies chunk by chunk;
 * the calling thread only binds and steps the insert, in chunk order, inside
 * transactions of COMMIT_ROWS rows, with the secondary indexes dropped for the
 * load (building them during the load costs 3.5×, see HACKING.md).
 */
#define G_LOG_DOMAIN "wh-generator"

#include "config.h"

#include <math.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator-data.h"
#include "wh-generator.h"
#include "wh-server-db.h"

#define CHUNK_SIZE  1024
#define RING_SIZE   16
#define COMMIT_ROWS 50000
#define PROGRESS_EVERY 10000

static const WhScale scales[] = {
  { "tiny",     300,    40,    600,     10,   8,    60,    300,    60 },
  { "city",     2000,   1500,  30000,   60,   300,  3000,  20000,  400 },
  { "province", 12000,  6000,  250000,  200,  1000, 10000, 70000,  1000 },
  { "national", 186100, 68000, 2700000, 2000, 5700, 60000, 410000, 12000 },
};

const WhScale *
wh_scale_lookup (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scales); i++)
    if (strcmp (scales[i].name, name) == 0)
      return &scales[i];
  return NULL;
}

/* ---- Random numbers ----------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: small, fast, and the same on every
 * platform, unlike rand() or GRand's algorithm across GLib versions. */
typedef struct
{
  guint64 s[4];
} Rng;

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static guint64
mix3 (guint64 a,
      guint64 b,
      guint64 c)
{
  guint64 x = a;

  x = splitmix64 (&x) ^ b;
  x = splitmix64 (&x) ^ c;
  return splitmix64 (&x);
}

static void
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

static guint64
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
static guint
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
static int
rng_range (Rng *r,
           int  lo,
           int  hi)
{
  return lo + (int) rng_below (r, (guint) (hi - lo + 1));
}

static double
rng_double (Rng *r)
{
  return (rng_next (r) >> 11) * (1.0 / 9007199254740992.0);
}

static gboolean
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

static void
list_init (List       *list,
           const char *joined)
{
  list->items = g_strsplit (joined ? joined : "", "|", -1);
  list->n = g_strv_length (list->items);
  /* "" splits into no items: keep one empty string so a pick never fails */
  if (list->n == 0)
    {
      g_strfreev (list->items);
      list->items = g_new0 (char *, 2);
      list->items[0] = g_strdup ("");
      list->n = 1;
    }
}

static void
facts_init (FactLists       *lists,
            const WhGenFact *facts,
            guint            n)
{
  for (guint i = 0; i < n; i++)
    {
      list_init (&lists[i].stem_right, facts[i].right);
      list_init (&lists[i].wrong, facts[i].wrong);
    }
}

static const Tables *
tables_get (void)
{
  static gsize once = 0;
  static Tables t;

  if (g_once_init_enter (&once))
    {
      t.cities = g_new0 (CityLists, wh_gen_n_cities);
      for (guint i = 0; i < wh_gen_n_cities; i++)
        {
          const WhGenCity *c = &wh_gen_cities[i];

          list_init (&t.cities[i].roads, c->roads ? c->roads : wh_gen_generic_roads);
          t.cities[i].districts = g_new0 (DistrictLists, c->n_districts);
          for (guint k = 0; k < c->n_districts; k++)
            list_init (&t.cities[i].districts[k].areas,
                       c->districts[k].areas ? c->districts[k].areas : wh_gen_generic_areas);
        }
      t.trades = g_new0 (TradeLists, wh_gen_n_trades);
      for (guint i = 0; i < wh_gen_n_trades; i++)
        {
          const WhGenTrade *tr = &wh_gen_trades[i];
          TradeLists *tl = &t.trades[i];

          list_init (&tl->titles, tr->titles);
          list_init (&tl->suffixes, tr->suffixes);
          list_init (&tl->duties, tr->duties);
          list_init (&tl->requirements, tr->requirements);
          list_init (&tl->skills, tr->skills);
          list_init (&tl->lessons, tr->lessons);
          list_init (&tl->points, tr->points);
          tl->facts = g_new0 (FactLists, tr->n_facts);
          facts_init (tl->facts, tr->facts, tr->n_facts);
          t.trade_weight_total += tr->job_weight;
        }
      t.general_facts = g_new0 (FactLists, wh_gen_n_general_facts);
      facts_init (t.general_facts, wh_gen_general_facts, wh_gen_n_general_facts);
      list_init (&t.surnames, wh_gen_surnames);
      list_init (&t.given_names, wh_gen_given_names);
      list_init (&t.generic_roads, wh_gen_generic_roads);
      list_init (&t.generic_areas, wh_gen_generic_areas);
      list_init (&t.company_words, wh_gen_company_words);
      list_init (&t.company_sizes, wh_gen_company_sizes);
      list_init (&t.welfare, wh_gen_welfare);
      list_init (&t.honors, wh_gen_honors);
      list_init (&t.restaurants, wh_gen_restaurants);
      list_init (&t.chains, wh_gen_chain_restaurants);
      list_init (&t.brands, wh_gen_station_brands);
      list_init (&t.venues, wh_gen_fair_venues);
      list_init (&t.sentences, wh_gen_sentences);
      list_init (&t.notes, wh_gen_notes);
      list_init (&t.chapters, wh_gen_chapters);
      list_init (&t.general_lessons, wh_gen_general_lessons);
      list_init (&t.course_titles, wh_gen_course_titles);
      list_init (&t.course_summaries, wh_gen_course_summaries);
      list_init (&t.job_openers, wh_gen_job_openers);
      list_init (&t.job_closers, wh_gen_job_closers);
      g_once_init_leave (&once, 1);
    }
  return &t;
}

static const char *
pick (Rng        *r,
      const List *list)
{
  return list->items[rng_below (r, list->n)];
}

/* Replaces {key} in tmpl with the value of key in a NULL-terminated
 * key, value, key, value... list; unknown keys are kept as they are. */
static void
append_template (GString            *out,
                 const char         *tmpl,
                 const char * const *kv)
{
  const char *p = tmpl;

  while (*p)
    {
      const char *open = strchr (p, '{');
      const char *close;
      gboolean found = FALSE;

      if (open == NULL)
        {
          g_string_append (out, p);
          return;
        }
      g_string_append_len (out, p, open - p);
      close = strchr (open, '}');
      if (close == NULL)
        {
          g_string_append (out, open);
          return;
        }
      for (guint i = 0; kv[i] != NULL; i += 2)
        if (strlen (kv[i]) == (gsize) (close - open - 1) &&
            strncmp (kv[i], open + 1, close - open - 1) == 0)
          {
            g_string_append (out, kv[i + 1]);
            found = TRUE;
            break;
          }
      if (!found)
        g_string_append_len (out, open, close - open + 1);
      p = close + 1;
    }
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
static const char *
date_at (const Dates *d,
         int          offset)
{
  g_assert (offset >= -DATE_BEFORE && offset <= DATE_AFTER);
  return d->text[offset + DATE_BEFORE];
}

static void
dates_init (Dates *d)
{
  GDate base;

  g_date_clear (&base, 1);
  g_date_set_dmy (&base, WH_GENERATOR_BASE_DAY, WH_GENERATOR_BASE_MONTH, WH_GENERATOR_BASE_YEAR);
  for (int i = -DATE_BEFORE; i <= DATE_AFTER; i++)
    {
      GDate day = base;

      if (i < 0)
        g_date_subtract_days (&day, (guint) -i);
      else
        g_date_add_days (&day, (guint) i);
      g_snprintf (d->text[i + DATE_BEFORE], 11, "%04u-%02u-%02u", g_date_get_year (&day),
                  (guint) g_date_get_month (&day), g_date_get_day (&day));
      d->month[i + DATE_BEFORE] = g_date_get_month (&day);
    }
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

static guint
pick_city (Gen *g,
           Rng *r)
{
  guint64 x = rng_next (r) % g->city_cum[g->n_cities - 1];
  guint lo = 0, hi = g->n_cities - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (x < g->city_cum[mid])
        hi = mid;
      else
        lo = mid + 1;
    }
  return g->cities[lo];
}

static guint
pick_trade_for_jobs (Gen *g,
                     Rng *r)
{
  guint x = rng_below (r, g->t->trade_weight_total);

  for (guint i = 0; i < wh_gen_n_trades; i++)
    {
      if (x < wh_gen_trades[i].job_weight)
        return i;
      x -= wh_gen_trades[i].job_weight;
    }
  return 0;
}

static char *
person_name (Gen *g,
             Rng *r)
{
  return g_strconcat (pick (r, &g->t->surnames), pick (r, &g->t->given_names), NULL);
}

static char *
mobile_phone (Rng     *r,
              gboolean dashes)
{
  static const int prefixes[] = { 130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155,
                                  156, 157, 158, 159, 166, 177, 180, 181, 182, 185, 186, 187, 188,
                                  189, 198, 199 };
  int prefix = prefixes[rng_below (r, G_N_ELEMENTS (prefixes))];
  int a = rng_range (r, 0, 9999), b = rng_range (r, 0, 9999);

  return dashes ? g_strdup_printf ("%d-%04d-%04d", prefix, a, b)
                : g_strdup_printf ("%d%04d%04d", prefix, a, b);
}

static char *
landline (const WhGenCity *c,
          Rng             *r)
{
  /* Landline numbers never start with 0 or 1. */
  guint first = (guint) rng_range (r, 2, 8);
  guint rest = rng_below (r, c->landline_digits == 8 ? 10000000 : 1000000);

  return c->landline_digits == 8 ? g_strdup_printf ("%s-%u%07u", c->area_code, first, rest)
                                 : g_strdup_printf ("%s-%u%06u", c->area_code, first, rest);
}

static double
round6 (double x)
{
  return round (x * 1e6) / 1e6;
}

/* A point up to max_km from (lat, lon), denser near the centre. */
static void
jitter (Rng    *r,
        double  lat,
        double  lon,
        double  max_km,
        double *out_lat,
        double *out_lon)
{
  double dist = max_km * sqrt (rng_double (r));
  double angle = 2 * G_PI * rng_double (r);

  *out_lat = round6 (lat + dist * sin (angle) / 111.0);
  *out_lon = round6 (lon + dist * cos (angle) / (111.0 * cos (lat * G_PI / 180.0)));
}

static void
set_region (WhRecord        *record,
            const WhGenCity *c,
            guint            district)
{
  const WhGenDistrict *d = &c->districts[district];

  wh_record_set_text (record, "province", c->province);
  wh_record_set_text (record, "city", c->full_name);
  wh_record_set_text (record, "district", d->name);
  wh_record_set_int (record, "province_adcode", c->province_adcode);
  wh_record_set_int (record, "city_adcode", c->city_adcode);
  wh_record_set_int (record, "adcode", d->adcode);
}

/* Mostly a road named after the 街道 or 片区 itself (望京街, 华强北路), as
 * local addresses are; sometimes one of the city's main roads. */
static char *
road_name (Gen        *g,
           Rng        *r,
           guint       city,
           const char *area)
{
  static const char * const suffixes[] = { "路", "街", "大街", "东路", "西路", "南路", "北路",
                                           "中路", "一路", "二路" };

  if (rng_chance (r, 0.35))
    return g_strdup (pick (r, &g->t->cities[city].roads));
  if (g_str_has_suffix (area, "路") || g_str_has_suffix (area, "街") ||
      g_str_has_suffix (area, "道") || g_str_has_suffix (area, "区"))
    return g_strdup (pick (r, &g->t->cities[city].roads));
  return g_strconcat (area, suffixes[rng_below (r, G_N_ELEMENTS (suffixes))], NULL);
}

/* area may be NULL: one of the district's */
static char *
street_address (Gen        *g,
                Rng        *r,
                guint       city,
                guint       district,
                const char *area)
{
  const WhGenCity *c = &wh_gen_cities[city];
  g_autofree char *road = NULL;

  if (area == NULL)
    area = pick (r, &g->t->cities[city].districts[district].areas);
  road = road_name (g, r, city, area);
  return g_strdup_printf ("%s%s%s%d号", c->full_name, c->districts[district].name, road,
                          rng_range (r, 1, 399));
}

/* ---- categories ---------------------------------------------------------- */

static void
gen_category (Gen      *g,
              Rng      *r,
              gint64    id,
              WhRecord *record)
{
  const WhGenTrade *tr = &wh_gen_trades[id - 1];

  wh_record_set_text (record, "name", tr->category);
  wh_record_set_text (record, "trade", tr->trade);
  wh_record_set_int (record, "position", id);
}

/* ---- courses, lessons, questions ----------------------------------------- */

/* A pure function of the lesson id, so a course can sum its lessons' durations
 * without the lessons having been generated. */
static guint
lesson_duration (Gen   *g,
                 gint64 lesson_id)
{
  return 6 + (guint) (mix3 (g->seed, 0x1e55, (guint64) lesson_id) % 20);
}

static guint
course_of_lesson (Gen   *g,
                  gint64 lesson_id)
{
  guint lo = 0, hi = g->scale->courses - 1;

  /* the last course whose first lesson is <= lesson_id */
  while (lo < hi)
    {
      guint mid = (lo + hi + 1) / 2;

      if (g->course_first_lesson[mid] <= lesson_id)
        lo = mid;
      else
        hi = mid - 1;
    }
  return lo;
}

static guint64
questions_before (Gen  *g,
                  guint course)
{
  return (guint64) g->scale->questions * course / g->scale->courses;
}

static guint
course_of_question (Gen   *g,
                    gint64 question_id)
{
  guint lo = 0, hi = g->scale->courses - 1;

  while (lo < hi)
    {
      guint mid = (lo + hi + 1) / 2;

      if (questions_before (g, mid) < (guint64) question_id)
        lo = mid;
      else
        hi = mid - 1;
    }
  return lo;
}

static void
plan_courses (Gen *g)
{
  guint n = g->scale->courses;
  Rng r;
  /* lesson counts spread evenly around the scale's average */
  double ratio = (double) g->scale->lessons / n;
  int lo = MAX (1, (int) floor (ratio * 0.5 + 0.5));
  int hi = MAX (lo, (int) round (2 * ratio) - lo);

  rng_seed (&r, mix3 (g->seed, 0xc0, 0));
  g->course_trade = g_new0 (guint8, n);
  g->course_lessons = g_new0 (guint, n);
  g->course_first_lesson = g_new0 (gint64, n + 1);
  g->course_first_lesson[0] = 1;
  for (guint i = 0; i < n; i++)
    {
      /* every group gets courses first, then they spread at random */
      g->course_trade[i] = i < wh_gen_n_trades ? i : rng_below (&r, wh_gen_n_trades);
      g->course_lessons[i] = umax (3, (guint) rng_range (&r, lo, hi));
      g->course_first_lesson[i + 1] = g->course_first_lesson[i] + g->course_lessons[i];
    }
  g->n_lessons = (guint) (g->course_first_lesson[n] - 1);
}

static void
course_author (Gen   *g,
               guint  course,
               char **name,
               const char **honor)
{
  Rng r;

  rng_seed (&r, mix3 (g->seed, 0xa0, course));
  *name = person_name (g, &r);
  *honor = pick (&r, &g->t->honors);
}

static void
gen_course (Gen      *g,
            Rng      *r,
            gint64    id,
            WhRecord *record)
{
  guint course = (guint) id - 1;
  guint trade = g->course_trade[course];
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  const char *skill = pick (r, &tl->skills);
  g_autofree char *author = NULL;
  const char *honor;
  char years[8];
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) summary = g_string_new (NULL);
  guint minutes = 0;
  static const char * const levels[] = { "beginner", "beginner", "intermediate", "intermediate",
                                         "advanced" };

  course_author (g, course, &author, &honor);
  g_snprintf (years, sizeof years, "%d", rng_range (r, 12, 38));
  {
    const char * const kv[] = { "skill", skill, "author", author, "trade", tr->trade,
                                "honor", honor, "years", years, NULL };
    guint n_sentences = (guint) rng_range (r, 2, 3);
    guint first = rng_below (r, g->t->course_summaries.n);

    append_template (title, pick (r, &g->t->course_titles), kv);
    /* The first summary sentence introduces the author; then a few others. */
    append_template (summary, g->t->course_summaries.items[0], kv);
    for (guint k = 0; k < n_sentences; k++)
      append_template (summary,
                       g->t->course_summaries.items[1 + (first + k) % (g->t->course_summaries.n - 1)],
                       kv);
  }
  for (gint64 l = g->course_first_lesson[course]; l < g->course_first_lesson[course + 1]; l++)
    minutes += lesson_duration (g, l);

  wh_record_set_int (record, "category_id", trade + 1);
  wh_record_set_text (record, "title", title->str);
  wh_record_set_text (record, "trade", tr->trade);
  wh_record_set_text (record, "author", author);
  wh_record_set_text (record, "author_honor", honor);
  wh_record_set_text (record, "summary", summary->str);
  wh_record_set_text (record, "level", levels[rng_below (r, G_N_ELEMENTS (levels))]);
  wh_record_set_int (record, "duration_min", minutes);
  wh_record_set_int (record, "lesson_count", g->course_lessons[course]);
  wh_record_take_text (record, "cover", g_strdup_printf ("courses/%" G_GINT64_FORMAT ".svg", id));
  wh_record_take_text (record, "updated_at",
                       g_strdup_printf ("%sT%02d:%02d:00+08:00",
                                        date_at (&g->dates, -rng_range (r, 1, 400)),
                                        rng_range (r, 8, 21), rng_range (r, 0, 59)));
}

static void
append_sentences (GString            *out,
                  Rng                *r,
                  const List         *sentences,
                  guint               n,
                  const char * const *kv)
{
  guint first = rng_below (r, sentences->n);

  for (guint k = 0; k < n; k++)
    append_template (out, sentences->items[(first + k * 7) % sentences->n], kv);
}

static void
gen_lesson (Gen      *g,
            Rng      *r,
            gint64    id,
            WhRecord *record)
{
  guint course = course_of_lesson (g, id);
  guint trade = g->course_trade[course];
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  guint n = g->course_lessons[course];
  guint position = (guint) (id - g->course_first_lesson[course]) + 1;
  guint n_chapters = CLAMP (n / 3, 1, g->t->chapters.n);
  guint chapter = (position - 1) * n_chapters / n;
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) body = g_string_new (NULL);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func (g_free);
  guint target = (guint) rng_range (r, 500, 1900);
  guint n_images = rng_chance (r, 0.4) ? 1 : rng_chance (r, 0.33) ? 2 : 0;
  guint first_point = rng_below (r, tl->points.n);

  if (position == 1)
    g_string_append (title, g->t->general_lessons.items[0]);
  else if (position == n)
    g_string_append (title, "复习与自测");
  else
    {
      guint k = (guint) (position - 2 + course * 3);

      g_string_append (title, tl->lessons.items[k % tl->lessons.n]);
      if (position - 2 >= tl->lessons.n)
        g_string_append (title, "（二）");
    }

  {
    const char * const kv[] = { "trade", tr->trade, "topic", title->str, NULL };

    g_string_append_printf (body, "# %s\n\n", title->str);
    append_sentences (body, r, &g->t->sentences, (guint) rng_range (r, 2, 3), kv);
    g_string_append (body, "\n\n## 要点\n\n");
    for (guint k = 0; k < 3 && k < tl->points.n; k++)
      {
        const char *point = tl->points.items[(first_point + k) % tl->points.n];

        if (k == 0)
          g_string_append_printf (body, "- **%s**\n", point);
        else
          g_string_append_printf (body, "- %s\n", point);
      }
    g_string_append (body, "\n## 操作步骤\n\n");
    for (guint k = 0; k < 3; k++)
      g_string_append_printf (body, "%u. %s\n", k + 1,
                              tl->points.items[(first_point + 3 + k) % tl->points.n]);
    g_string_append_printf (body, "\n> %s\n\n", pick (r, &g->t->notes));
    for (guint k = 0; k < n_images; k++)
      {
        char *path = g_strdup_printf ("lessons/%" G_GINT64_FORMAT "-%u.svg", id, k + 1);

        g_string_append_printf (body, "![%s示意图%u](%s)\n\n", title->str, k + 1, path);
        g_ptr_array_add (images, path);
      }
    if (rng_chance (r, 0.25))
      {
        g_string_append (body, "上岗前可以对照下面的清单逐项检查：\n\n```\n");
        for (guint k = 0; k < 4; k++)
          g_string_append_printf (body, "[ ] %s\n",
                                  tl->points.items[(first_point + k) % tl->points.n]);
        g_string_append (body, "```\n\n");
      }
    g_string_append (body, "## 小结\n\n");
    append_sentences (body, r, &g->t->sentences, 2, kv);
    g_string_append_c (body, '\n');
    while ((guint) g_utf8_strlen (body->str, body->len) < target)
      {
        g_string_append_c (body, '\n');
        append_sentences (body, r, &g->t->sentences, 3, kv);
        g_string_append_printf (body, "*%s*", pick (r, &tl->points));
        g_string_append (body, "。\n");
      }
  }
  g_ptr_array_add (images, NULL);

  wh_record_set_int (record, "course_id", course + 1);
  wh_record_set_text (record, "chapter", g->t->chapters.items[chapter]);
  wh_record_set_int (record, "position", position);
  wh_record_set_text (record, "title", title->str);
  wh_record_set_int (record, "duration_min", lesson_duration (g, id));
  wh_record_set_text (record, "body_md", body->str);
  wh_record_set_strv (record, "images", (const char * const *) images->pdata);
}

static void
shuffle (Rng         *r,
         const char **items,
         guint        n)
{
  for (guint i = n; i > 1; i--)
    {
      guint j = rng_below (r, i);
      const char *tmp = items[i - 1];

      items[i - 1] = items[j];
      items[j] = tmp;
    }
}

static void
gen_question (Gen      *g,
              Rng      *r,
              gint64    id,
              WhRecord *record)
{
  guint course = course_of_question (g, id);
  guint trade = g->course_trade[course];
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const WhGenFact *fact;
  const FactLists *fl;
  const char *chosen[8];
  gboolean right[8];
  const char *options[9];
  gint64 answer[8];
  guint n_answer = 0, n_right, n_wrong, n = 0;

  if (tr->n_facts > 0 && rng_chance (r, 0.75))
    {
      guint k = rng_below (r, tr->n_facts);
      fact = &tr->facts[k];
      fl = &g->t->trades[trade].facts[k];
    }
  else
    {
      guint k = rng_below (r, wh_gen_n_general_facts);
      fact = &wh_gen_general_facts[k];
      fl = &g->t->general_facts[k];
    }

  if (fl->stem_right.n == 1)
    {
      n_right = 1;
      n_wrong = umin (fl->wrong.n, (guint) rng_range (r, 2, 4));
    }
  else
    {
      n_right = umin (fl->stem_right.n, (guint) rng_range (r, 2, 4));
      n_wrong = MIN (fl->wrong.n, MAX (1u, 5 - n_right));
    }

  {
    const char *rights[8], *wrongs[8];
    guint nr = MIN (fl->stem_right.n, 8), nw = MIN (fl->wrong.n, 8);

    for (guint i = 0; i < nr; i++)
      rights[i] = fl->stem_right.items[i];
    for (guint i = 0; i < nw; i++)
      wrongs[i] = fl->wrong.items[i];
    shuffle (r, rights, nr);
    shuffle (r, wrongs, nw);
    for (guint i = 0; i < n_right; i++, n++)
      chosen[n] = rights[i], right[n] = TRUE;
    for (guint i = 0; i < n_wrong; i++, n++)
      chosen[n] = wrongs[i], right[n] = FALSE;
  }
  /* shuffle the options, keeping track of which are right */
  for (guint i = n; i > 1; i--)
    {
      guint j = rng_below (r, i);
      const char *tmp = chosen[i - 1];
      gboolean tmp_right = right[i - 1];

      chosen[i - 1] = chosen[j];
      right[i - 1] = right[j];
      chosen[j] = tmp;
      right[j] = tmp_right;
    }
  for (guint i = 0; i < n; i++)
    {
      options[i] = chosen[i];
      if (right[i])
        answer[n_answer++] = i;
    }
  options[n] = NULL;

  wh_record_set_int (record, "course_id", course + 1);
  wh_record_set_text (record, "kind", n_right == 1 ? "single" : "multiple");
  wh_record_set_text (record, "stem", fact->stem);
  wh_record_set_strv (record, "options", options);
  wh_record_set_intv (record, "answer", answer, n_answer);
  wh_record_set_text (record, "explanation", fact->explanation);
  wh_record_set_int (record, "difficulty", n_right > 1 ? rng_range (r, 2, 5) : rng_range (r, 1, 4));
}

/* ---- employers, jobs, fairs ---------------------------------------------- */

static void
gen_employer (Gen      *g,
              Rng      *r,
              gint64    id,
              WhRecord *record)
{
  guint city = pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint trade = pick_trade_for_jobs (g, r);
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  gboolean municipality = c->province_adcode / 10000 == 11 || c->province_adcode / 10000 == 12 ||
                          c->province_adcode / 10000 == 31 || c->province_adcode / 10000 == 50;
  const char *prefix = municipality || rng_chance (r, 0.5) ? c->name : c->full_name;
  const char *size = g->t->company_sizes.items[umin (rng_below (r, 10) / 2 + rng_below (r, 2),
                                                    g->t->company_sizes.n - 1)];
  g_autofree char *name = NULL;
  g_autofree char *description = NULL;

  if (rng_chance (r, 0.2))
    name = g_strconcat (prefix, pick (r, &g->t->company_words), pick (r, &g->t->company_words),
                        pick (r, &tl->suffixes), NULL);
  else
    name = g_strconcat (prefix, pick (r, &g->t->company_words), pick (r, &tl->suffixes), NULL);
  description = g_strdup_printf ("%s成立于%d年，主要从事%s相关业务，现有员工%s。"
                                 "公司依法与员工签订劳动合同、缴纳社会保险，%s。",
                                 name, rng_range (r, 1995, 2023), tr->industry, size,
                                 rng_chance (r, 0.5) ? "已建立工会组织"
                                                     : "重视员工技能培训和职业发展");

  g->employer_city[id - 1] = (guint16) city;
  g->employer_trade[id - 1] = (guint8) trade;
  g->employer_name[id - 1] = g_strdup (name);

  wh_record_set_text (record, "name", name);
  wh_record_set_text (record, "industry", tr->industry);
  wh_record_set_int (record, "city_adcode", c->city_adcode);
  wh_record_set_text (record, "size", size);
  wh_record_set_bool (record, "verified", rng_chance (r, 0.7));
  wh_record_set_text (record, "description", description);
}

static void
gen_job (Gen      *g,
         Rng      *r,
         gint64    id,
         WhRecord *record)
{
  /* A few employers post most of the jobs, as on real boards. */
  guint employer = umin ((guint) (g->scale->employers * pow (rng_double (r), 1.7)),
                        g->scale->employers - 1);
  guint city = g->employer_city[employer];
  const WhGenCity *c = &wh_gen_cities[city];
  guint trade = rng_chance (r, 0.85) ? g->employer_trade[employer] : pick_trade_for_jobs (g, r);
  const WhGenTrade *tr = &wh_gen_trades[trade];
  const TradeLists *tl = &g->t->trades[trade];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const char *title = pick (r, &tl->titles);
  const char *period, *settlement;
  int smin, smax, p = rng_range (r, 0, 99);
  double lat, lon;
  const char *welfare[12];
  guint n_welfare = 0;
  int headcount = 1 + (int) (29 * pow (rng_double (r), 2.5));
  g_autoptr(GString) desc = g_string_new (NULL);
  g_autofree char *contact = NULL;
  g_autofree char *phone = mobile_phone (r, rng_chance (r, 0.5));
  int posted = rng_range (r, 0, 59);
  char count[16];

  if (p < (int) tr->p_day)
    {
      int lo = CLAMP ((int) tr->month_min / 26, 150, 330), hi = CLAMP ((int) tr->month_max / 26, lo, 360);

      period = "day";
      smin = rng_range (r, lo / 10, hi / 10) * 10;
      smax = smin + rng_range (r, 2, 8) * 10;
      smax = MIN (400, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 70 ? "daily" : p < 95 ? "weekly" : "monthly";
    }
  else if (p < (int) (tr->p_day + tr->p_hour))
    {
      period = "hour";
      smin = rng_range (r, 20, 38);
      smax = smin + rng_range (r, 2, 7);
      smax = MIN (45, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 50 ? "daily" : p < 90 ? "weekly" : "monthly";
    }
  else
    {
      int lo = MAX (4000, (int) tr->month_min), hi = MAX (lo, (int) tr->month_max - 1500);

      period = "month";
      smin = rng_range (r, lo / 500, hi / 500) * 500;
      smax = smin + rng_range (r, 2, 8) * 500;
      smax = MIN (15000, smax);
      p = rng_range (r, 0, 99);
      settlement = p < 88 ? "monthly" : p < 95 ? "weekly" : "daily";
    }

  /* welfare: settlement first when it is not monthly, then a few others */
  if (strcmp (settlement, "daily") == 0)
    welfare[n_welfare++] = "日结";
  else if (strcmp (settlement, "weekly") == 0)
    welfare[n_welfare++] = "周结";
  {
    /* tags that say the same thing twice, or contradict each other */
    static const char * const clashes[][2] = {
      { "五险", "五险一金" }, { "包吃", "包吃住" }, { "包住", "包吃住" }, { "周末双休", "单休" },
      { "包住", "员工宿舍" }, { "包吃住", "员工宿舍" }, { "包吃", "餐补" }, { "包吃住", "餐补" },
    };
    guint want = (guint) rng_range (r, 2, 6);
    guint order[64];
    guint n_tags = umin (g->t->welfare.n, G_N_ELEMENTS (order));

    for (guint k = 0; k < n_tags; k++)
      order[k] = k;
    for (guint k = 0; k < n_tags && n_welfare < want + 1; k++)
      {
        guint j = k + rng_below (r, n_tags - k);
        guint tmp = order[k];
        const char *w;
        gboolean ok = TRUE;

        order[k] = order[j];
        order[j] = tmp;
        w = g->t->welfare.items[order[k]];
        if (strcmp (w, "日结") == 0 || strcmp (w, "周结") == 0)
          continue;
        if (strcmp (period, "month") != 0 && (strcmp (w, "五险一金") == 0 || strcmp (w, "年底双薪") == 0))
          continue;
        for (guint x = 0; x < G_N_ELEMENTS (clashes) && ok; x++)
          for (guint m = 0; m < n_welfare && ok; m++)
            if ((strcmp (w, clashes[x][0]) == 0 && strcmp (welfare[m], clashes[x][1]) == 0) ||
                (strcmp (w, clashes[x][1]) == 0 && strcmp (welfare[m], clashes[x][0]) == 0))
              ok = FALSE;
        if (ok)
          welfare[n_welfare++] = w;
      }
  }
  welfare[n_welfare] = NULL;

  jitter (r, d->lat, d->lon, 6.0, &lat, &lon);
  contact = g_strconcat (pick (r, &g->t->surnames),
                         (const char *[]) { "先生", "女士", "经理", "师傅", "主管" }[rng_below (r, 5)],
                         NULL);

  g_snprintf (count, sizeof count, "%d", headcount);
  {
    const char * const kv[] = { "title", title, "n", count, "district", d->name, NULL };
    static const char * const hours[] = {
      "早8点至晚6点，月休4天", "两班倒，白班夜班每月轮换", "做六休一，每天工作8小时",
      "时间自由，多劳多得", "上午9点到下午5点半，周末双休", "做五休二，法定节假日休息",
      "早班6点至14点，晚班14点至22点",
    };
    const char *unit = strcmp (period, "month") == 0 ? "月薪" : strcmp (period, "day") == 0 ? "日薪" : "时薪";
    const char *pay = strcmp (settlement, "daily") == 0 ? "当天结算"
                      : strcmp (settlement, "weekly") == 0 ? "每周结算一次"
                                                          : "每月15日前发放上月工资";

    append_template (desc, pick (r, &g->t->job_openers), kv);
    g_string_append_printf (desc, "岗位职责：%s。", pick (r, &tl->duties));
    if (rng_chance (r, 0.8))
      g_string_append_printf (desc, "任职要求：%s。", pick (r, &tl->requirements));
    if (rng_chance (r, 0.6))
      g_string_append_printf (desc, "工作时间：%s。", hours[rng_below (r, G_N_ELEMENTS (hours))]);
    g_string_append_printf (desc, "%s%d至%d元，%s。", unit, smin, smax, pay);
    if (rng_chance (r, 0.3))
      g_string_append (desc, pick (r, &g->t->job_closers));
  }

  wh_record_set_text (record, "title", title);
  wh_record_set_int (record, "employer_id", employer + 1);
  wh_record_set_text (record, "employer_name", g->employer_name[employer]);
  wh_record_set_text (record, "category", tr->category);
  set_region (record, c, district);
  wh_record_take_text (record, "address", street_address (g, r, city, district, NULL));
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_int (record, "salary_min", smin);
  wh_record_set_int (record, "salary_max", smax);
  wh_record_set_text (record, "salary_period", period);
  wh_record_set_text (record, "settlement", settlement);
  wh_record_set_strv (record, "welfare", welfare);
  wh_record_set_int (record, "headcount", headcount);
  wh_record_set_text (record, "description", desc->str);
  wh_record_set_text (record, "contact_name", contact);
  wh_record_set_text (record, "contact_phone", phone);
  wh_record_set_text (record, "posted_at", date_at (&g->dates, -posted));
  wh_record_set_text (record, "expires_at", date_at (&g->dates, -posted + rng_range (r, 30, 90)));
}

static int
compare_ids (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static void
gen_fair (Gen      *g,
          Rng      *r,
          gint64    id,
          WhRecord *record)
{
  guint city = pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const char *area = pick (r, &g->t->cities[city].districts[district].areas);
  int day = rng_range (r, 1, 60);
  int month = g->dates.month[day + DATE_BEFORE];
  GArray *pool = g->city_employers[city];
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GString) title = g_string_new (NULL);
  g_autoptr(GString) venue = g_string_new (NULL);
  g_autoptr(GString) desc = g_string_new (NULL);
  const char *place = rng_chance (r, 0.6) ? d->name : c->full_name;
  static const char * const themes[] = {
    "金秋招聘月专场招聘会", "秋季就业服务专场招聘会", "新就业形态劳动者专场招聘会",
    "家政服务业专场招聘会", "快递物流行业专场招聘会", "退役军人专场招聘会",
    "制造业技能人才专场招聘会", "农民工专场招聘会", "“职等你来”就业服务专场",
  };
  static const char * const winter[] = { "就业援助月专场招聘会", "冬季专场招聘会",
                                         "迎新春岗位送温暖招聘会" };
  static const char * const starts[] = { "09:00", "09:00", "09:30", "13:30" };
  const char *start = starts[rng_below (r, G_N_ELEMENTS (starts))];
  const char *end = strcmp (start, "13:30") == 0 ? "16:30" : rng_chance (r, 0.5) ? "12:00" : "15:00";
  double lat, lon;
  guint n_ids, n_jobs;

  g_string_append_printf (title, "%.4s年%s%s", date_at (&g->dates, day), place,
                          month == 12 && rng_chance (r, 0.5)
                            ? winter[rng_below (r, G_N_ELEMENTS (winter))]
                            : themes[rng_below (r, G_N_ELEMENTS (themes))]);
  {
    const char * const kv[] = { "d", d->name, "c", c->full_name, "a", area, NULL };
    append_template (venue, pick (r, &g->t->venues), kv);
  }

  /* distinct employers of the same city */
  n_ids = pool && pool->len > 0 ? umin (pool->len, (guint) rng_range (r, 5, 40)) : 0;
  if (n_ids > 0)
    {
      guint start_at = rng_below (r, pool->len);
      guint step = 1 + rng_below (r, MAX (1u, pool->len / n_ids));

      for (guint k = 0; k < pool->len && ids->len < n_ids; k++)
        {
          gint64 eid = g_array_index (pool, gint64, (start_at + k * step) % pool->len);
          gboolean seen = FALSE;

          for (guint m = 0; m < ids->len && !seen; m++)
            seen = g_array_index (ids, gint64, m) == eid;
          if (!seen)
            g_array_append_val (ids, eid);
        }
      g_array_sort (ids, compare_ids);
    }
  n_jobs = ids->len * (guint) rng_range (r, 8, 40) + (guint) rng_range (r, 20, 200);
  g_string_append_printf (desc,
                          "本次招聘会预计有%u家用人单位参加，提供就业岗位%u个，涵盖%s、%s、%s等工种。"
                          "现场设有工会服务台，提供入会咨询、法律援助和职业指导。"
                          "请求职者携带身份证和个人简历，免费入场。",
                          MAX (ids->len, 5u), n_jobs,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade,
                          wh_gen_trades[rng_below (r, wh_gen_n_trades - 1)].trade);
  jitter (r, d->lat, d->lon, 3.0, &lat, &lon);

  wh_record_set_text (record, "title", title->str);
  wh_record_set_text (record, "city", c->full_name);
  wh_record_set_int (record, "city_adcode", c->city_adcode);
  wh_record_set_text (record, "venue", venue->str);
  wh_record_take_text (record, "address", street_address (g, r, city, district, area));
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_text (record, "date", date_at (&g->dates, day));
  wh_record_set_text (record, "start_time", start);
  wh_record_set_text (record, "end_time", end);
  wh_record_set_intv (record, "employer_ids", (const gint64 *) (gpointer) ids->data, ids->len);
  wh_record_set_text (record, "description", desc->str);
}

/* ---- stations and merchants ---------------------------------------------- */

static void
gen_station (Gen      *g,
             Rng      *r,
             gint64    id,
             WhRecord *record)
{
  static const double amenity_odds[] = { 0.92, 0.7, 0.55, 0.6, 0.88, 0.6, 0.45, 0.5 };
  /* operator of each of wh_gen_station_brands, before and after the city */
  static const char * const brand_operators[][2] = {
    { "顺丰速运有限公司", "" }, { "美团", "" }, { "京东物流", "" }, { "饿了么", "" },
    { "中国石化", "石油分公司" }, { "中国工商银行", "分行" },
  };
  static const char * const opens[] = { "07:00", "07:30", "08:00", "08:00", "08:30", "09:00" };
  static const char * const closes[] = { "18:00", "19:00", "20:00", "20:00", "20:30", "21:00",
                                         "22:00" };
  guint city = pick_city (g, r);
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = rng_below (r, c->n_districts);
  const WhGenDistrict *d = &c->districts[district];
  const List *areas = &g->t->cities[city].districts[district].areas;
  guint area_index = rng_below (r, areas->n);
  const char *area = areas->items[area_index];
  g_autofree char *road = road_name (g, r, city, area);
  gboolean is_district = g_str_has_suffix (d->name, "区");
  g_autofree char *name = NULL;
  g_autofree char *operator = NULL;
  const char *amenities[9];
  guint n_amenities = 0;
  double lat, lon;
  int kind = rng_range (r, 0, 99);
  int status = rng_range (r, 0, 99);

  if (kind < 35)
    {
      name = is_district ? g_strconcat (d->name, area, "街道户外劳动者服务站", NULL)
                         : g_strconcat (d->name, area, "社区户外劳动者服务站", NULL);
      operator = g_strconcat (d->name, "总工会", NULL);
    }
  else if (kind < 55)
    {
      static const char * const tails[] = { "站", "社区站", "服务点", "暖心站" };
      name = g_strconcat ("工会驿站·", area, tails[rng_below (r, G_N_ELEMENTS (tails))], NULL);
      operator = rng_chance (r, 0.5) ? g_strconcat (d->name, "总工会", NULL)
                                     : g_strconcat (area, is_district ? "街道总工会" : "社区工会联合会", NULL);
    }
  else if (kind < 80)
    {
      guint b = rng_below (r, g->t->brands.n);
      const char * const *op = brand_operators[b % G_N_ELEMENTS (brand_operators)];

      name = g_strdup_printf ("%s(%s%s店)", g->t->brands.items[b], area,
                              rng_chance (r, 0.4) ? road : "");
      operator = op[1][0] ? g_strconcat (op[0], c->name, op[1], NULL) : g_strdup (op[0]);
    }
  else if (kind < 92)
    {
      name = g_strconcat (area, "社区新就业形态劳动者暖心驿站", NULL);
      operator = g_strconcat (area, is_district ? "街道办事处" : "社区居委会", NULL);
    }
  else
    {
      name = g_strconcat (d->name, area, "环卫工人爱心休息室", NULL);
      operator = g_strconcat (d->name, "城市管理委员会", NULL);
    }

  for (guint k = 0; k < G_N_ELEMENTS (amenity_odds); k++)
    if (rng_chance (r, amenity_odds[k]))
      amenities[n_amenities++] = wh_amenities[k];
  amenities[n_amenities] = NULL;

  jitter (r, d->lat, d->lon, 8.0, &lat, &lon);
  g->station_lat[id - 1] = lat;
  g->station_lon[id - 1] = lon;
  g->station_city[id - 1] = (guint16) city;
  g->station_district[id - 1] = (guint8) district;
  g->station_area[id - 1] = (guint16) area_index;

  wh_record_set_text (record, "name", name);
  wh_record_take_text (record, "address",
                       g_strdup_printf ("%s%s%s%d号", c->full_name, d->name, road,
                                        rng_range (r, 1, 399)));
  set_region (record, c, district);
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_strv (record, "amenities", amenities);
  if (rng_chance (r, 0.4))
    wh_record_set_bool (record, "open_24h", TRUE);
  else
    {
      wh_record_set_bool (record, "open_24h", FALSE);
      wh_record_set_text (record, "opens", opens[rng_below (r, G_N_ELEMENTS (opens))]);
      wh_record_set_text (record, "closes", closes[rng_below (r, G_N_ELEMENTS (closes))]);
    }
  wh_record_set_text (record, "status", status < 92 ? "open" : status < 97 ? "maintenance" : "closed");
  if (rng_chance (r, 0.2))
    {
      guint n_photos = (guint) rng_range (r, 1, 3);
      char *photos[4] = { NULL };

      for (guint k = 0; k < n_photos; k++)
        photos[k] = g_strdup_printf ("stations/%" G_GINT64_FORMAT "-%u.svg", id, k + 1);
      wh_record_set_strv (record, "photos", (const char * const *) photos);
      for (guint k = 0; k < n_photos; k++)
        g_free (photos[k]);
    }
  wh_record_take_text (record, "phone", rng_chance (r, 0.7) ? landline (c, r) : mobile_phone (r, FALSE));
  wh_record_set_text (record, "operator", operator);
}

static void
gen_merchant (Gen      *g,
              Rng      *r,
              gint64    id,
              WhRecord *record)
{
  static const char * const lunch_dinner[] = { "11:00-13:30", "17:00-19:30", NULL };
  static const char * const lunch[] = { "11:30-14:00", NULL };
  static const char * const three[] = { "06:30-09:00", "11:00-13:30", "17:00-20:00", NULL };
  /* canteens and convenience stores that feed night-shift workers too */
  static const char * const all_day[] = { "00:00-24:00", NULL };
  guint station = rng_below (r, g->scale->stations);
  guint city = g->station_city[station];
  const WhGenCity *c = &wh_gen_cities[city];
  guint district = g->station_district[station];
  const char *area = g->t->cities[city].districts[district].areas.items[g->station_area[station]];
  g_autoptr(GString) name = g_string_new (NULL);
  double lat, lon;
  int quota = rng_range (r, 4, 20) * 5;
  int w = rng_range (r, 0, 99);

  if (rng_chance (r, 0.55))
    {
      const char * const kv[] = { "s", pick (r, &g->t->surnames), "a", area, NULL };
      append_template (name, pick (r, &g->t->restaurants), kv);
    }
  else
    g_string_append_printf (name, "%s(%s店)", pick (r, &g->t->chains), area);
  jitter (r, g->station_lat[station], g->station_lon[station], 0.6, &lat, &lon);

  wh_record_set_text (record, "name", name->str);
  wh_record_take_text (record, "address", street_address (g, r, city, district, area));
  set_region (record, c, district);
  wh_record_set_real (record, "lat", lat);
  wh_record_set_real (record, "lon", lon);
  wh_record_set_strv (record, "windows", w < 70 ? lunch_dinner : w < 85 ? lunch :
                                         w < 93 ? three : all_day);
  wh_record_set_int (record, "daily_quota", quota);
  wh_record_set_int (record, "remaining_today", quota);
  wh_record_set_text (record, "quota_day", date_at (&g->dates, 0));
  wh_record_set_int (record, "station_id", station + 1);
  wh_record_take_text (record, "phone", mobile_phone (r, FALSE));
}

/* ---- The pipeline -------------------------------------------------------- */

typedef struct
{
  guint     n;
  gint64   *ids;
  gint64   *regions;  /* 3 per row; G_MININT64 is NULL */
  char    **bodies;
  gboolean  ready;
} Chunk;

typedef struct
{
  Gen                *g;
  const WhCollection *collection;
  RecordFunc          func;
  guint               salt;      /* which collection, for the seeds */
  guint64             total;
  gint64              first_rev;
  guint               n_chunks;

  GMutex              lock;
  GCond               cond;
  guint               next_chunk; /* the next to hand to a worker */
  guint               consumed;   /* chunks written by the main thread */
  gboolean            cancelled;
  Chunk               ring[RING_SIZE];
} Pipe;

static void
fill_chunk (Pipe  *pipe,
            guint  k,
            Chunk *chunk)
{
  guint64 first = (guint64) k * CHUNK_SIZE + 1;
  guint n = (guint) MIN ((guint64) CHUNK_SIZE, pipe->total - first + 1);
  g_autoptr(WhRecord) record = wh_record_new (pipe->collection);
  Rng r;

  rng_seed (&r, mix3 (pipe->g->seed, pipe->salt, k));
  chunk->n = n;
  chunk->ids = g_new (gint64, n);
  chunk->regions = g_new (gint64, 3 * n);
  chunk->bodies = g_new (char *, n);
  for (guint i = 0; i < n; i++)
    {
      gint64 id = (gint64) (first + i);

      wh_record_clear_values (record);
      record->id = id;
      record->rev = pipe->first_rev + id - 1;
      pipe->func (pipe->g, &r, id, record);
      chunk->ids[i] = id;
      wh_server_db_region_columns (record, &chunk->regions[3 * i]);
      chunk->bodies[i] = wh_record_to_string (record);
    }
}

static void
chunk_clear (Chunk *chunk)
{
  for (guint i = 0; i < chunk->n; i++)
    g_free (chunk->bodies[i]);
  g_clear_pointer (&chunk->bodies, g_free);
  g_clear_pointer (&chunk->ids, g_free);
  g_clear_pointer (&chunk->regions, g_free);
  chunk->n = 0;
  chunk->ready = FALSE;
}

static gpointer
worker_main (gpointer data)
{
  Pipe *pipe = data;

  for (;;)
    {
      guint k;

      g_mutex_lock (&pipe->lock);
      while (!pipe->cancelled && pipe->next_chunk < pipe->n_chunks &&
             pipe->next_chunk >= pipe->consumed + RING_SIZE)
        g_cond_wait (&pipe->cond, &pipe->lock);
      if (pipe->cancelled || pipe->next_chunk >= pipe->n_chunks)
        {
          g_mutex_unlock (&pipe->lock);
          return NULL;
        }
      k = pipe->next_chunk++;
      g_mutex_unlock (&pipe->lock);

      /* the slot is free: chunk k - RING_SIZE has been consumed */
      fill_chunk (pipe, k, &pipe->ring[k % RING_SIZE]);

      g_mutex_lock (&pipe->lock);
      pipe->ring[k % RING_SIZE].ready = TRUE;
      g_cond_broadcast (&pipe->cond);
      g_mutex_unlock (&pipe->lock);
    }
}

static gboolean
write_chunk (sqlite3      *db,
             sqlite3_stmt *stmt,
             Pipe         *pipe,
             const Chunk  *chunk,
             guint64      *done,
             GError      **error)
{
  for (guint i = 0; i < chunk->n; i++)
    {
      /* The body was encoded by wh_record_to_string in a worker, which is
       * the point of the workers. */
      wh_server_db_bind_row (stmt, chunk->ids[i], pipe->first_rev + chunk->ids[i] - 1, FALSE,
                             &chunk->regions[3 * i], chunk->bodies[i]);
      if (sqlite3_step (stmt) != SQLITE_DONE)
        {
          wh_server_db_set_error (db, error);
          sqlite3_reset (stmt);
          return FALSE;
        }
      sqlite3_reset (stmt);
      (*done)++;
      if (*done % COMMIT_ROWS == 0 &&
          !wh_server_db_exec (db, "COMMIT; BEGIN;", error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
run_collection (Gen                *g,
                sqlite3            *db,
                const WhCollection *collection,
                RecordFunc          func,
                guint               salt,
                guint64             total,
                gint64              first_rev,
                WhGenerateProgress  progress,
                gpointer            user_data,
                GError            **error)
{
  Pipe pipe = { 0 };
  sqlite3_stmt *stmt;
  GThread *threads[8];
  guint n_threads = CLAMP (g_get_num_processors (), 1, G_N_ELEMENTS (threads));
  guint64 done = 0;
  gboolean ok = TRUE;

  if (total == 0)
    {
      if (progress)
        progress (collection->name, 0, 0, user_data);
      return TRUE;
    }
  stmt = wh_server_db_prepare_insert (db, collection, error);
  if (stmt == NULL)
    return FALSE;

  pipe.g = g;
  pipe.collection = collection;
  pipe.func = func;
  pipe.salt = salt;
  pipe.total = total;
  pipe.first_rev = first_rev;
  pipe.n_chunks = (guint) ((total + CHUNK_SIZE - 1) / CHUNK_SIZE);
  g_mutex_init (&pipe.lock);
  g_cond_init (&pipe.cond);
  n_threads = MIN (n_threads, pipe.n_chunks);
  for (guint i = 0; i < n_threads; i++)
    threads[i] = g_thread_new ("wh-generator", worker_main, &pipe);

  ok = wh_server_db_exec (db, "BEGIN;", error);
  for (guint k = 0; ok && k < pipe.n_chunks; k++)
    {
      Chunk *chunk = &pipe.ring[k % RING_SIZE];
      guint64 before = done;

      g_mutex_lock (&pipe.lock);
      while (!chunk->ready)
        g_cond_wait (&pipe.cond, &pipe.lock);
      g_mutex_unlock (&pipe.lock);

      ok = write_chunk (db, stmt, &pipe, chunk, &done, error);
      chunk_clear (chunk);

      g_mutex_lock (&pipe.lock);
      pipe.consumed++;
      g_cond_broadcast (&pipe.cond);
      g_mutex_unlock (&pipe.lock);

      if (progress && done / PROGRESS_EVERY != before / PROGRESS_EVERY && done < total)
        progress (collection->name, done, total, user_data);
    }
  if (ok)
    ok = wh_server_db_exec (db, "COMMIT;", error);
  else
    sqlite3_exec (db, "ROLLBACK;", NULL, NULL, NULL);

  g_mutex_lock (&pipe.lock);
  pipe.cancelled = TRUE;
  g_cond_broadcast (&pipe.cond);
  g_mutex_unlock (&pipe.lock);
  for (guint i = 0; i < n_threads; i++)
    g_thread_join (threads[i]);
  for (guint i = 0; i < RING_SIZE; i++)
    chunk_clear (&pipe.ring[i]);
  g_mutex_clear (&pipe.lock);
  g_cond_clear (&pipe.cond);
  sqlite3_finalize (stmt);

  if (ok && progress)
    progress (collection->name, done, total, user_data);
  return ok;
}

static void
gen_free (Gen *g)
{
  if (g->employer_name)
    for (guint i = 0; i < g->scale->employers; i++)
      g_free (g->employer_name[i]);
  g_free (g->employer_name);
  g_free (g->employer_city);
  g_free (g->employer_trade);
  if (g->city_employers)
    for (guint i = 0; i < wh_gen_n_cities; i++)
      if (g->city_employers[i])
        g_array_unref (g->city_employers[i]);
  g_free (g->city_employers);
  g_free (g->course_trade);
  g_free (g->course_lessons);
  g_free (g->course_first_lesson);
  g_free (g->station_lat);
  g_free (g->station_lon);
  g_free (g->station_city);
  g_free (g->station_district);
  g_free (g->station_area);
  g_free (g->cities);
  g_free (g->city_cum);
  g_free (g);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Gen, gen_free)

/* tiny and city: 北京, where the demo's map opens; province: 广东;
 * national: every city in the table, weighted by population. */
static void
choose_cities (Gen *g)
{
  const char *province = NULL;
  const char *only = NULL;
  guint64 sum = 0;

  if (strcmp (g->scale->name, "tiny") == 0 || strcmp (g->scale->name, "city") == 0)
    only = "北京";
  else if (strcmp (g->scale->name, "province") == 0)
    province = "广东省";

  g->cities = g_new0 (guint, wh_gen_n_cities);
  g->city_cum = g_new0 (guint64, wh_gen_n_cities);
  for (guint i = 0; i < wh_gen_n_cities; i++)
    {
      const WhGenCity *c = &wh_gen_cities[i];

      if ((only && strcmp (c->name, only) != 0) || (province && strcmp (c->province, province) != 0))
        continue;
      sum += c->weight;
      g->cities[g->n_cities] = i;
      g->city_cum[g->n_cities] = sum;
      g->n_cities++;
    }
  g_assert (g->n_cities > 0);
}

gboolean
wh_generate (sqlite3            *db,
             const WhScale      *scale,
             guint64             seed,
             WhGenerateProgress  progress,
             gpointer            user_data,
             GError            **error)
{
  g_autoptr(Gen) g = g_new0 (Gen, 1);
  gint64 rev = 0;
  gboolean ok;
  struct
  {
    const WhCollection *collection;
    RecordFunc          func;
    guint64             total;
  } passes[9];

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (scale != NULL, FALSE);
  g_return_val_if_fail (scale->courses > 0 && scale->stations > 0 && scale->employers > 0, FALSE);

  g->scale = scale;
  g->seed = seed;
  g->t = tables_get ();
  dates_init (&g->dates);
  choose_cities (g);
  plan_courses (g);
  g->employer_city = g_new0 (guint16, scale->employers);
  g->employer_trade = g_new0 (guint8, scale->employers);
  g->employer_name = g_new0 (char *, scale->employers);
  g->city_employers = g_new0 (GArray *, wh_gen_n_cities);
  g->station_lat = g_new0 (double, scale->stations);
  g->station_lon = g_new0 (double, scale->stations);
  g->station_city = g_new0 (guint16, scale->stations);
  g->station_district = g_new0 (guint8, scale->stations);
  g->station_area = g_new0 (guint16, scale->stations);

  passes[0].collection = &wh_collection_categories, passes[0].func = gen_category;
  passes[0].total = wh_gen_n_trades;
  passes[1].collection = &wh_collection_courses, passes[1].func = gen_course;
  passes[1].total = scale->courses;
  passes[2].collection = &wh_collection_lessons, passes[2].func = gen_lesson;
  passes[2].total = g->n_lessons;
  passes[3].collection = &wh_collection_questions, passes[3].func = gen_question;
  passes[3].total = scale->questions;
  passes[4].collection = &wh_collection_employers, passes[4].func = gen_employer;
  passes[4].total = scale->employers;
  passes[5].collection = &wh_collection_jobs, passes[5].func = gen_job;
  passes[5].total = scale->jobs;
  passes[6].collection = &wh_collection_fairs, passes[6].func = gen_fair;
  passes[6].total = scale->fairs;
  passes[7].collection = &wh_collection_stations, passes[7].func = gen_station;
  passes[7].total = scale->stations;
  passes[8].collection = &wh_collection_merchants, passes[8].func = gen_merchant;
  passes[8].total = scale->merchants;

  /* Nothing here needs to survive a crash: a half-generated file is thrown
   * away, so skip the fsyncs and the journal (WAL would write every page
   * twice: once to the log, once at the checkpoint) and give SQLite a large
   * cache. If another connection holds the file, SQLite keeps WAL, which is
   * only slower. */
  if (!wh_server_db_exec (db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                              "PRAGMA cache_size=-131072;", error) ||
      !wh_server_db_drop_indexes (db, error))
    return FALSE;

  ok = TRUE;
  for (guint i = 0; ok && i < G_N_ELEMENTS (passes); i++)
    {
      ok = run_collection (g, db, passes[i].collection, passes[i].func, i + 1, passes[i].total,
                           rev + 1, progress, user_data, error);
      rev += (gint64) passes[i].total;

      /* fairs invite employers of their own city */
      if (ok && passes[i].func == gen_employer)
        for (guint e = 0; e < scale->employers; e++)
          {
            guint city = g->employer_city[e];
            gint64 id = e + 1;

            if (g->city_employers[city] == NULL)
              g->city_employers[city] = g_array_new (FALSE, FALSE, sizeof (gint64));
            g_array_append_val (g->city_employers[city], id);
          }
    }

  ok = ok && wh_server_db_set_rev (db, rev, error) &&
       wh_server_db_set_meta (db, "generator", scale->name, error);
  /* Always put the indexes and the durability back, even after a failure. */
  if (!wh_server_db_create_indexes (db, ok ? error : NULL))
    ok = FALSE;
  wh_server_db_exec (db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                         "PRAGMA cache_size=-65536;", NULL);
  return ok;
}
