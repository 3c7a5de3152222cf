/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-quiz"

#include "config.h"

#include "wh-quiz.h"

struct _WhQuiz
{
  GPtrArray *questions; /* WhRecord* */
  guint8    *chosen;    /* 0: not answered */
  gboolean  *correct;
  guint      time_limit_s;
  gint64     started_us;
  gint64     finished_us; /* 0 while under way */
};

guint8
wh_quiz_answer_mask (const WhRecord *question)
{
  g_auto(GStrv) options = NULL;
  g_autoptr(GArray) answer = NULL;
  guint n_options;
  guint8 mask = 0;

  g_return_val_if_fail (question != NULL, 0);
  g_return_val_if_fail (question->collection == &wh_collection_questions, 0);

  if (!wh_record_is_set (question, "options") || !wh_record_is_set (question, "answer"))
    return 0;
  options = wh_record_dup_strv (question, "options");
  answer = wh_record_dup_intv (question, "answer");
  n_options = options ? g_strv_length (options) : 0;
  for (guint i = 0; answer && i < answer->len; i++)
    {
      gint64 k = g_array_index (answer, gint64, i);

      if (k < 0 || k >= (gint64) MIN (n_options, 8))
        return 0;
      mask |= (guint8) (1u << k);
    }
  /* A single-choice question with two right options cannot be answered. */
  if (g_strcmp0 (wh_record_get_text (question, "kind"), "single") == 0 &&
      (mask & (mask - 1)) != 0)
    return 0;
  return mask;
}

gboolean
wh_quiz_is_correct (const WhRecord *question,
                    guint8          chosen)
{
  guint8 mask = wh_quiz_answer_mask (question);

  return mask != 0 && chosen == mask;
}

gboolean
wh_quiz_passed (guint correct,
                guint total)
{
  return total > 0 && correct <= total && (guint64) correct * 100 >= (guint64) total * WH_QUIZ_PASS_PERCENT;
}

WhQuiz *
wh_quiz_new (GPtrArray *questions,
             guint      n,
             guint      time_limit_s,
             guint32    seed,
             gint64     now_us)
{
  g_autoptr(GPtrArray) usable = g_ptr_array_new ();
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autoptr(GHashTable) seen = NULL;
  WhQuiz *quiz;

  g_return_val_if_fail (questions != NULL, NULL);

  for (guint i = 0; i < questions->len; i++)
    if (wh_quiz_answer_mask (questions->pdata[i]) != 0)
      g_ptr_array_add (usable, questions->pdata[i]);
  /* Fisher-Yates, then the first n. */
  for (guint i = usable->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      gpointer tmp = usable->pdata[i - 1];

      usable->pdata[i - 1] = usable->pdata[j];
      usable->pdata[j] = tmp;
    }
  quiz = g_new0 (WhQuiz, 1);
  quiz->questions = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  /* A question bank holds the same question more than once (under other
   * ids, another course's copy): a set never asks one twice. */
  seen = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < usable->len && quiz->questions->len < n; i++)
    {
      const char *stem = wh_record_get_text (usable->pdata[i], "stem");

      if (stem == NULL || !g_hash_table_add (seen, (gpointer) stem))
        continue;
      g_ptr_array_add (quiz->questions, wh_record_copy (usable->pdata[i]));
    }
  n = quiz->questions->len;
  quiz->chosen = g_new0 (guint8, MAX (n, 1));
  quiz->correct = g_new0 (gboolean, MAX (n, 1));
  quiz->time_limit_s = time_limit_s;
  quiz->started_us = now_us;
  return quiz;
}

void
wh_quiz_free (WhQuiz *quiz)
{
  if (quiz == NULL)
    return;
  g_ptr_array_unref (quiz->questions);
  g_free (quiz->chosen);
  g_free (quiz->correct);
  g_free (quiz);
}

guint
wh_quiz_get_n_questions (WhQuiz *quiz)
{
  g_return_val_if_fail (quiz != NULL, 0);
  return quiz->questions->len;
}

const WhRecord *
wh_quiz_get_question (WhQuiz *quiz,
                      guint   index)
{
  g_return_val_if_fail (quiz != NULL, NULL);
  g_return_val_if_fail (index < quiz->questions->len, NULL);
  return quiz->questions->pdata[index];
}

gboolean
wh_quiz_get_timed (WhQuiz *quiz)
{
  g_return_val_if_fail (quiz != NULL, FALSE);
  return quiz->time_limit_s > 0;
}

static gint64
deadline_us (WhQuiz *quiz)
{
  return quiz->started_us + (gint64) quiz->time_limit_s * G_USEC_PER_SEC;
}

gint64
wh_quiz_get_remaining_s (WhQuiz *quiz,
                         gint64  now_us)
{
  g_return_val_if_fail (quiz != NULL, 0);

  if (quiz->time_limit_s == 0)
    return G_MAXINT64;
  if (now_us >= deadline_us (quiz))
    return 0;
  /* Rounded up: "0 s left" only when none is. */
  return (deadline_us (quiz) - now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

gboolean
wh_quiz_is_answered (WhQuiz *quiz,
                     guint   index)
{
  g_return_val_if_fail (quiz != NULL, FALSE);
  g_return_val_if_fail (index < quiz->questions->len, FALSE);
  return quiz->chosen[index] != 0;
}

gboolean
wh_quiz_is_over (WhQuiz *quiz,
                 gint64  now_us)
{
  g_return_val_if_fail (quiz != NULL, TRUE);

  if (quiz->finished_us != 0)
    return TRUE;
  if (quiz->time_limit_s > 0 && now_us >= deadline_us (quiz))
    return TRUE;
  for (guint i = 0; i < quiz->questions->len; i++)
    if (quiz->chosen[i] == 0)
      return FALSE;
  return TRUE;
}

gboolean
wh_quiz_answer (WhQuiz   *quiz,
                guint     index,
                guint8    chosen,
                gint64    now_us,
                gboolean *correct)
{
  g_return_val_if_fail (quiz != NULL, FALSE);
  g_return_val_if_fail (index < quiz->questions->len, FALSE);

  if (chosen == 0 || quiz->chosen[index] != 0 || quiz->finished_us != 0 ||
      (quiz->time_limit_s > 0 && now_us >= deadline_us (quiz)))
    return FALSE;
  quiz->chosen[index] = chosen;
  quiz->correct[index] = wh_quiz_is_correct (quiz->questions->pdata[index], chosen);
  if (correct)
    *correct = quiz->correct[index];
  return TRUE;
}

void
wh_quiz_finish (WhQuiz *quiz,
                gint64  now_us)
{
  g_return_if_fail (quiz != NULL);

  if (quiz->finished_us != 0)
    return;
  if (quiz->time_limit_s > 0)
    now_us = MIN (now_us, deadline_us (quiz));
  quiz->finished_us = MAX (now_us, quiz->started_us + 1);
}

guint
wh_quiz_get_correct (WhQuiz *quiz)
{
  guint n = 0;

  g_return_val_if_fail (quiz != NULL, 0);

  for (guint i = 0; i < quiz->questions->len; i++)
    if (quiz->chosen[i] != 0 && quiz->correct[i])
      n++;
  return n;
}

gint64
wh_quiz_get_duration_s (WhQuiz *quiz)
{
  g_return_val_if_fail (quiz != NULL, 0);

  if (quiz->finished_us == 0)
    return 0;
  return MIN ((quiz->finished_us - quiz->started_us) / G_USEC_PER_SEC, 86400);
}

WhRecord *
wh_quiz_to_attempt (WhQuiz *quiz,
                    gint64  course_id)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *uuid = g_uuid_string_random ();
  WhRecord *attempt;

  g_return_val_if_fail (quiz != NULL, NULL);
  g_return_val_if_fail (quiz->finished_us != 0, NULL);
  g_return_val_if_fail (quiz->questions->len > 0, NULL);

  attempt = wh_record_new (&wh_collection_quiz_attempts);
  wh_record_set_text (attempt, "attempt_id", uuid);
  wh_record_set_int (attempt, "course_id", course_id);
  wh_record_set_int (attempt, "total", quiz->questions->len);
  wh_record_set_int (attempt, "correct", wh_quiz_get_correct (quiz));
  wh_record_set_int (attempt, "duration_s", wh_quiz_get_duration_s (quiz));
  wh_record_set_bool (attempt, "timed", quiz->time_limit_s > 0);
  wh_record_take_text (attempt, "finished_at", g_date_time_format (now, "%Y-%m-%dT%H:%M:%S+00:00"));
  return attempt;
}
