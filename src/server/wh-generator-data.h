/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator-data.h: the word lists and the real places the demo data is
 * made of. Lists are '|'-separated strings so a table stays one line a row;
 * the generator splits them once.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  const char *name;      /* 朝阳区 */
  guint       adcode;    /* 110105 */
  double      lat;       /* centre, WGS-84-ish as map sites give it */
  double      lon;
  const char *areas;     /* 街道 or 片区 names without the suffix, or NULL */
} WhGenDistrict;

typedef struct
{
  const char          *province;        /* 北京市, 广东省 */
  guint                province_adcode; /* 110000 */
  const char          *name;            /* 北京 */
  const char          *full_name;       /* 北京市 */
  guint                city_adcode;     /* 110100 */
  double               lat;
  double               lon;
  guint                weight;          /* about the urban population, 10,000s */
  const char          *area_code;       /* telephone: 010 */
  guint                landline_digits;
  const char          *roads;           /* real roads, or NULL for the generic list */
  const WhGenDistrict *districts;
  guint                n_districts;
} WhGenCity;

/* One fact a quiz question is built from. right and wrong are '|' lists:
 * one right answer makes a single choice, more make a multiple choice. */
typedef struct
{
  const char *stem;
  const char *right;
  const char *wrong;
  const char *explanation;
} WhGenFact;

typedef struct
{
  const char      *category;     /* 电工电气: the category and the jobs' category */
  const char      *trade;        /* 电工 */
  guint            job_weight;   /* share of the jobs; 0 for course-only groups */
  const char      *titles;       /* job titles */
  const char      *industry;     /* employer industry */
  const char      *suffixes;     /* employer name endings */
  guint            month_min;    /* monthly pay range, CNY */
  guint            month_max;
  guint            p_day;        /* percent of jobs paid by the day */
  guint            p_hour;       /* percent paid by the hour; the rest by the month */
  const char      *duties;
  const char      *requirements;
  const char      *cert;         /* certificate asked for, or NULL */
  const char      *skills;       /* what courses teach */
  const char      *lessons;      /* lesson titles */
  const char      *points;       /* key points for lesson bullets */
  const WhGenFact *facts;
  guint            n_facts;
} WhGenTrade;

extern const WhGenCity  wh_gen_cities[];
extern const guint      wh_gen_n_cities;
extern const WhGenTrade wh_gen_trades[];
extern const guint      wh_gen_n_trades;
extern const WhGenFact  wh_gen_general_facts[];
extern const guint      wh_gen_n_general_facts;

/* '|' lists */
extern const char wh_gen_surnames[];
extern const char wh_gen_given_names[];
extern const char wh_gen_generic_roads[];
extern const char wh_gen_generic_areas[];
extern const char wh_gen_company_words[];
extern const char wh_gen_company_sizes[];
extern const char wh_gen_welfare[];
extern const char wh_gen_honors[];
extern const char wh_gen_restaurants[];
extern const char wh_gen_chain_restaurants[];
extern const char wh_gen_station_brands[];
extern const char wh_gen_fair_venues[];
extern const char wh_gen_sentences[];     /* lesson paragraphs, with {trade} {topic} */
extern const char wh_gen_notes[];         /* lesson call-outs */
extern const char wh_gen_chapters[];
extern const char wh_gen_general_lessons[];
extern const char wh_gen_course_titles[]; /* with {skill} {author} {trade} */
extern const char wh_gen_course_summaries[];
extern const char wh_gen_job_openers[];   /* first sentence of a job description */
extern const char wh_gen_job_closers[];

G_END_DECLS
