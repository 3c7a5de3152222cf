/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator.c: deterministic demo data in realistic Simplified Chinese.
 *
 * Determinism: every record is a pure function of (seed, collection, chunk of
 * CHUNK_SIZE ids) plus tables computed before the collection starts, so the
 * number of threads never changes a byte. Dates are relative to one base day
 * (wh_generator_base_date), read once.
 *
 * Speed: worker threads build records and their JSON bodies chunk by chunk;
 * the calling thread only binds and steps the insert, in chunk order, inside
 * transactions of COMMIT_ROWS rows, with the secondary indexes dropped for the
 * load (building them during the load costs 3.5×, see HACKING.md).
 *
 * This file is the engine (scales, random numbers, word lists, dates, the run,
 * the pipeline); the record makers are in wh-generator-{courses,jobs,places}.c,
 * over wh-generator-private.h.
 */
#define G_LOG_DOMAIN "wh-generator"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-generator-private.h"
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

/* ---- Word lists, split once -------------------------------------------- */

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

/* Replaces {key} in tmpl with the value of key in a NULL-terminated
 * key, value, key, value... list; unknown keys are kept as they are. */
void
wh_gen_append_template (GString            *out,
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

static gpointer
base_date_init (gpointer data)
{
  const char *env = g_getenv ("WH_GENERATOR_BASE_DATE");
  guint year = 0, month = 0, day = 0;
  char end = 0;

  if (env == NULL || sscanf (env, "%4u-%2u-%2u%c", &year, &month, &day, &end) != 3 ||
      !g_date_valid_dmy (day, month, year))
    {
      g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
      g_autoptr(GDateTime) now = g_date_time_new_now (cst);

      if (env != NULL)
        g_warning ("WH_GENERATOR_BASE_DATE is not a date (YYYY-MM-DD): today is used");
      year = (guint) g_date_time_get_year (now);
      month = (guint) g_date_time_get_month (now);
      day = (guint) g_date_time_get_day_of_month (now);
    }
  return g_strdup_printf ("%04u-%02u-%02u", year, month, day);
}

const char *
wh_generator_base_date (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, base_date_init, NULL);
}

static void
dates_init (Dates *d)
{
  GDate base;

  {
    guint year, month, day;

    sscanf (wh_generator_base_date (), "%4u-%2u-%2u", &year, &month, &day);
    g_date_clear (&base, 1);
    g_date_set_dmy (&base, (GDateDay) day, (GDateMonth) month, (GDateYear) year);
  }
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

guint
wh_gen_pick_city (Gen *g,
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

guint
wh_gen_pick_trade_for_jobs (Gen *g,
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

char *
wh_gen_person_name (Gen *g,
                    Rng *r)
{
  return g_strconcat (pick (r, &g->t->surnames), pick (r, &g->t->given_names), NULL);
}

char *
wh_gen_mobile_phone (Rng     *r,
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

char *
wh_gen_landline (const WhGenCity *c,
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
void
wh_gen_jitter (Rng    *r,
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

void
wh_gen_set_region (WhRecord        *record,
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
char *
wh_gen_road_name (Gen        *g,
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
char *
wh_gen_street_address (Gen        *g,
                       Rng        *r,
                       guint       city,
                       guint       district,
                       const char *area)
{
  const WhGenCity *c = &wh_gen_cities[city];
  g_autofree char *road = NULL;

  if (area == NULL)
    area = pick (r, &g->t->cities[city].districts[district].areas);
  road = wh_gen_road_name (g, r, city, area);
  return g_strdup_printf ("%s%s%s%d号", c->full_name, c->districts[district].name, road,
                          rng_range (r, 1, 399));
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
  wh_gen_plan_courses (g);
  g->employer_city = g_new0 (guint16, scale->employers);
  g->employer_trade = g_new0 (guint8, scale->employers);
  g->employer_name = g_new0 (char *, scale->employers);
  g->city_employers = g_new0 (GArray *, wh_gen_n_cities);
  g->station_lat = g_new0 (double, scale->stations);
  g->station_lon = g_new0 (double, scale->stations);
  g->station_city = g_new0 (guint16, scale->stations);
  g->station_district = g_new0 (guint8, scale->stations);
  g->station_area = g_new0 (guint16, scale->stations);

  passes[0].collection = &wh_collection_categories, passes[0].func = wh_gen_category;
  passes[0].total = wh_gen_n_trades;
  passes[1].collection = &wh_collection_courses, passes[1].func = wh_gen_course;
  passes[1].total = scale->courses;
  passes[2].collection = &wh_collection_lessons, passes[2].func = wh_gen_lesson;
  passes[2].total = g->n_lessons;
  passes[3].collection = &wh_collection_questions, passes[3].func = wh_gen_question;
  passes[3].total = scale->questions;
  passes[4].collection = &wh_collection_employers, passes[4].func = wh_gen_employer;
  passes[4].total = scale->employers;
  passes[5].collection = &wh_collection_jobs, passes[5].func = wh_gen_job;
  passes[5].total = scale->jobs;
  passes[6].collection = &wh_collection_fairs, passes[6].func = wh_gen_fair;
  passes[6].total = scale->fairs;
  passes[7].collection = &wh_collection_stations, passes[7].func = wh_gen_station;
  passes[7].total = scale->stations;
  passes[8].collection = &wh_collection_merchants, passes[8].func = wh_gen_merchant;
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
      if (ok && passes[i].func == wh_gen_employer)
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
