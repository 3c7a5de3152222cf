/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-generator-courses.c: the demo categories, courses, lessons and questions,
 * for wh-generator.c's pipeline */
#define G_LOG_DOMAIN "wh-generator"

#include "config.h"

#include <math.h>

#include "wh-generator-private.h"

/* ---- categories ---------------------------------------------------------- */

void
wh_gen_category (Gen      *g,
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

void
wh_gen_plan_courses (Gen *g)
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
  *name = wh_gen_person_name (g, &r);
  *honor = pick (&r, &g->t->honors);
}

void
wh_gen_course (Gen      *g,
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

    wh_gen_append_template (title, pick (r, &g->t->course_titles), kv);
    /* The first summary sentence introduces the author; then a few others. */
    wh_gen_append_template (summary, g->t->course_summaries.items[0], kv);
    for (guint k = 0; k < n_sentences; k++)
      wh_gen_append_template (summary,
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
    wh_gen_append_template (out, sentences->items[(first + k * 7) % sentences->n], kv);
}

void
wh_gen_lesson (Gen      *g,
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

void
wh_gen_question (Gen      *g,
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
