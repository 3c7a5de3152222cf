/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-practice.c: the mistakes notebook, spaced review and Today's practice
 * (wh-practice.h). */
#define G_LOG_DOMAIN "wh-practice"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-courses.h"
#include "wh-outbox.h"
#include "wh-practice.h"
#include "wh-query.h"
#include "wh-quiz.h"
#include "wh-store-private.h"

/* Bounds on what is read at once: a worker answers a few thousand
 * questions in a year; the streak looks back ten years at most. */
#define MAX_REVIEWS          100000
#define MAX_DAYS             3700
/* New questions come from at most this many followed courses. */
#define MAX_FOLLOWED         20
/* When the courses followed run short, new questions come from at most
 * this many others. */
#define FALLBACK_COURSES     5
#define SM2_START_EASE       2500
#define SM2_MIN_EASE         1300
#define SM2_MAX_INTERVAL     36500

/* ---- The rules ----------------------------------------------------------- */

char *
wh_practice_day (GDateTime *now)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (now);

  return g_date_time_format (local, "%Y-%m-%d");
}

static char *
day_after (const char *day,
           gint        days)
{
  GDate date;
  char out[16];

  g_date_clear (&date, 1);
  g_date_set_parse (&date, day);
  if (!g_date_valid (&date))
    return g_strdup (day);
  if (days > 0)
    g_date_add_days (&date, (guint) days);
  else if (days < 0)
    g_date_subtract_days (&date, (guint) -days);
  g_date_strftime (out, sizeof out, "%Y-%m-%d", &date);
  return g_strdup (out);
}

/* SM-2 (P. A. Wozniak, "Optimization of learning", 1990, §3.2; the text at
 * https://super-memory.com/english/ol/sm2.htm). In integers, the E-Factor in
 * thousandths, so every device computes the same state bit for bit:
 *
 *   EF' = EF + (0.1 - (5 - q) * (0.08 + (5 - q) * 0.02)), never below 1.3
 *   q < 3: repetitions start again, I = 1
 *   else:  I(1) = 1, I(2) = 6, I(n) = I(n - 1) * EF'
 *
 * The E-Factor changes on every answer, wrong ones too, as most
 * implementations do (the 1990 text leaves it as it was below grade 3):
 * so a question often answered wrong comes back more often afterwards. */
static void
sm2 (gint64 *ease,
     gint64 *interval,
     gint64 *repetitions,
     gint64 *lapses,
     gint    grade)
{
  gint64 d = 5 - grade;

  *ease = MAX (SM2_MIN_EASE, *ease + 100 - d * (80 + d * 20));
  if (grade < 3)
    {
      *repetitions = 0;
      *interval = 1;
      (*lapses)++;
      return;
    }
  (*repetitions)++;
  if (*repetitions == 1)
    *interval = 1;
  else if (*repetitions == 2)
    *interval = 6;
  else
    *interval = MIN (SM2_MAX_INTERVAL, (*interval * *ease + 500) / 1000);
}

static gint64
get_int_or (const WhRecord *record,
            const char     *field,
            gint64          fallback)
{
  return record && wh_record_is_set (record, field) ? wh_record_get_int (record, field)
                                                    : fallback;
}

WhRecord *
wh_practice_review (const WhRecord *state,
                    gint64          question_id,
                    gint64          course_id,
                    guint8          chosen,
                    gboolean        correct,
                    GDateTime      *now)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autofree char *today = NULL;
  g_autofree char *due = NULL;
  WhRecord *next;
  gint64 ease, interval, repetitions, lapses;
  gboolean mistake;
  gint grade;

  g_return_val_if_fail (state == NULL || state->collection == &wh_collection_question_reviews,
                        NULL);
  g_return_val_if_fail (question_id > 0 && course_id > 0 && now != NULL, NULL);

  utc = g_date_time_to_utc (now);
  today = wh_practice_day (now);
  ease = CLAMP (get_int_or (state, "ease", SM2_START_EASE), SM2_MIN_EASE, 5000);
  interval = get_int_or (state, "interval_days", 0);
  repetitions = get_int_or (state, "repetitions", 0);
  lapses = get_int_or (state, "lapses", 0);
  mistake = state && wh_record_get_bool (state, "mistake");
  /* A right answer to a question in the notebook was hard to get right:
   * "correct after hesitation" (4); any other right answer is 5. */
  grade = !correct ? WH_PRACTICE_GRADE_WRONG
                   : mistake ? WH_PRACTICE_GRADE_RIGHT : WH_PRACTICE_GRADE_RIGHT + 1;
  sm2 (&ease, &interval, &repetitions, &lapses, grade);
  due = day_after (today, (gint) interval);

  next = state ? wh_record_copy (state) : wh_record_new (&wh_collection_question_reviews);
  wh_record_set_int (next, "question_id", question_id);
  wh_record_set_int (next, "course_id", course_id);
  wh_record_set_int (next, "ease", ease);
  wh_record_set_int (next, "interval_days", interval);
  wh_record_set_int (next, "repetitions", MIN (repetitions, 100000));
  wh_record_set_int (next, "lapses", MIN (lapses, 100000));
  wh_record_set_text (next, "due", due);
  wh_record_take_text (next, "reviewed_at", g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S+00:00"));
  if (!correct)
    {
      /* Into the notebook, or back to its start: two right days from now. */
      wh_record_set_bool (next, "mistake", TRUE);
      wh_record_set_int (next, "wrong_choice", chosen);
      wh_record_set_text (next, "wrong_at", wh_record_get_text (next, "reviewed_at"));
      wh_record_unset (next, "right_day");
    }
  else if (mistake && !wh_record_is_set (next, "right_day"))
    wh_record_set_text (next, "right_day", today);
  else if (mistake && g_strcmp0 (wh_record_get_text (next, "right_day"), today) != 0)
    {
      /* Right on a second, separate day: out of the notebook. */
      wh_record_set_bool (next, "mistake", FALSE);
      wh_record_unset (next, "right_day");
    }
  else
    wh_record_set_bool (next, "mistake", mistake);
  return next;
}

gboolean
wh_practice_review_wins (const WhRecord *a,
                         const WhRecord *b)
{
  g_autoptr(GDateTime) ta = NULL;
  g_autoptr(GDateTime) tb = NULL;
  g_autofree char *ja = NULL;
  g_autofree char *jb = NULL;
  int cmp;

  g_return_val_if_fail (a != NULL, FALSE);
  if (b == NULL)
    return TRUE;
  ta = g_date_time_new_from_iso8601 (wh_record_get_text (a, "reviewed_at"), NULL);
  tb = g_date_time_new_from_iso8601 (wh_record_get_text (b, "reviewed_at"), NULL);
  /* The schema checked both; an unreadable one loses. */
  if (ta == NULL || tb == NULL)
    return ta != NULL;
  cmp = g_date_time_compare (ta, tb);
  if (cmp != 0)
    return cmp > 0;
  ja = wh_record_to_string (a);
  jb = wh_record_to_string (b);
  return strcmp (ja, jb) > 0;
}

static int
compare_strings_desc (gconstpointer a,
                      gconstpointer b)
{
  return -strcmp (*(const char * const *) a, *(const char * const *) b);
}

guint
wh_practice_streak (const char * const *days,
                    guint               n_days,
                    const char         *today)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new ();
  g_autofree char *expect = NULL;
  guint streak = 0;

  g_return_val_if_fail (today != NULL, 0);

  for (guint i = 0; i < n_days; i++)
    if (days[i] && strcmp (days[i], today) <= 0)
      g_ptr_array_add (sorted, (gpointer) days[i]);
  g_ptr_array_sort (sorted, compare_strings_desc);
  /* Not practised yet today: the streak of yesterday still stands. */
  expect = g_strdup (today);
  if (sorted->len > 0 && strcmp (sorted->pdata[0], today) != 0)
    {
      g_free (expect);
      expect = day_after (today, -1);
    }
  for (guint i = 0; i < sorted->len; i++)
    {
      int cmp = strcmp (sorted->pdata[i], expect);

      if (cmp > 0)
        continue; /* the same day twice */
      if (cmp < 0)
        break;
      streak++;
      g_free (expect);
      expect = day_after (sorted->pdata[i], -1);
    }
  return streak;
}

/* ---- The object ---------------------------------------------------------- */

struct _WhPractice
{
  GObject       parent_instance;

  /* Owned references */
  WhStore      *store;
  GMainContext *context;   /* where ::changed is emitted */

  /* State; lock guards what follows, touched on the store's queue */
  gboolean      in_memory;
  GMutex        lock;
  GHashTable   *reviews;   /* in memory: gint64* question id -> WhRecord* */
  GHashTable   *days;      /* in memory: char* day -> answers (GUINT_TO_POINTER) */
  GDateTime    *now;       /* tests' clock, or NULL */
};

G_DEFINE_FINAL_TYPE (WhPractice, wh_practice, G_TYPE_OBJECT)

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
store_changed_cb (WhStore    *store,
                  const char *what,
                  WhPractice *self)
{
  if (g_strcmp0 (what, "question_reviews") == 0)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

WhPractice *
wh_practice_new (WhStore  *store,
                 gboolean  in_memory)
{
  WhPractice *self;

  g_return_val_if_fail (WH_IS_STORE (store), NULL);

  self = g_object_new (WH_TYPE_PRACTICE, NULL);
  self->store = g_object_ref (store);
  self->in_memory = in_memory;
  if (!in_memory)
    g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb), self, 0);
  return self;
}

WhStore *
wh_practice_get_store (WhPractice *self)
{
  g_return_val_if_fail (WH_IS_PRACTICE (self), NULL);
  return self->store;
}

gboolean
wh_practice_get_in_memory (WhPractice *self)
{
  g_return_val_if_fail (WH_IS_PRACTICE (self), FALSE);
  return self->in_memory;
}

void
wh_practice_set_now (WhPractice *self,
                     GDateTime  *now)
{
  g_return_if_fail (WH_IS_PRACTICE (self));

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->now, g_date_time_unref);
  self->now = now ? g_date_time_ref (now) : NULL;
  g_mutex_unlock (&self->lock);
}

static GDateTime *
get_now (WhPractice *self)
{
  GDateTime *now;

  g_mutex_lock (&self->lock);
  now = self->now ? g_date_time_ref (self->now) : g_date_time_new_now_local ();
  g_mutex_unlock (&self->lock);
  return now;
}

static gboolean
emit_changed_cb (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_CHANGED], 0);
  return G_SOURCE_REMOVE;
}

/* In memory, from the queue's thread: ::changed on the creating context, as
 * the store emits its own. */
static void
memory_changed (WhPractice *self)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, emit_changed_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

void
wh_practice_wipe (WhPractice *self)
{
  g_return_if_fail (WH_IS_PRACTICE (self));

  if (!self->in_memory)
    return;
  g_mutex_lock (&self->lock);
  g_hash_table_remove_all (self->reviews);
  g_hash_table_remove_all (self->days);
  g_mutex_unlock (&self->lock);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* ---- Where the states are kept (on the store's queue) -------------------- */

static WhRecord *
review_from_body (const char *body)
{
  g_autoptr(GError) error = NULL;
  WhRecord *r = body ? wh_record_parse (&wh_collection_question_reviews, body, strlen (body),
                                        &error)
                     : NULL;

  if (r == NULL)
    g_debug ("An unreadable review state is skipped: %s", error ? error->message : "none");
  return r;
}

static WhRecord *
get_on (WhConn  *conn,
        gint64   question_id,
        GError **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  if ((stmt = wh_conn_prepare (conn, "SELECT body FROM question_reviews WHERE question_id = ?1",
                               error)) == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, question_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return review_from_body ((const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    wh_store_set_db_error (error, conn->db, rc, "read review");
  return NULL;
}

static WhRecord *
backend_get (WhPractice *self,
             gint64      question_id,
             GError    **error)
{
  g_auto(Reader) reader = { 0 };

  if (self->in_memory)
    {
      WhRecord *r;

      g_mutex_lock (&self->lock);
      r = g_hash_table_lookup (self->reviews, &question_id);
      r = r ? wh_record_copy (r) : NULL;
      g_mutex_unlock (&self->lock);
      return r;
    }
  if (!wh_reader_borrow (self->store, &reader, error))
    return NULL;
  return get_on (reader.conn, question_id, error);
}

/* Writes a state and counts the day, in the writer transaction begun. */
static gboolean
write_review (WhStore        *store,
              const WhRecord *review,
              const char     *day,
              GError        **error)
{
  g_autofree char *body = wh_record_to_string (review);
  g_autoptr(WhStmt) upsert = NULL;
  g_autoptr(WhStmt) count = NULL;
  WhConn *conn = store->writer;

  upsert = wh_conn_prepare (conn,
                            "INSERT OR REPLACE INTO question_reviews"
                            " (question_id, course_id, due, mistake, wrong_at, reviewed_at, body)"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                            error);
  if (upsert == NULL)
    return FALSE;
  sqlite3_bind_int64 (upsert, 1, wh_record_get_int (review, "question_id"));
  sqlite3_bind_int64 (upsert, 2, wh_record_get_int (review, "course_id"));
  sqlite3_bind_text (upsert, 3, wh_record_get_text (review, "due"), -1, SQLITE_STATIC);
  sqlite3_bind_int (upsert, 4, wh_record_get_bool (review, "mistake"));
  if (wh_record_is_set (review, "wrong_at"))
    sqlite3_bind_text (upsert, 5, wh_record_get_text (review, "wrong_at"), -1, SQLITE_STATIC);
  else
    sqlite3_bind_null (upsert, 5);
  sqlite3_bind_text (upsert, 6, wh_record_get_text (review, "reviewed_at"), -1, SQLITE_STATIC);
  sqlite3_bind_text (upsert, 7, body, -1, SQLITE_STATIC);
  if (!wh_conn_step_done (conn, upsert, "write review", error))
    return FALSE;
  if (day == NULL)
    return TRUE;
  count = wh_conn_prepare (conn,
                           "INSERT INTO practice_days (day, answered) VALUES (?1, ?2)"
                           " ON CONFLICT (day) DO UPDATE SET answered = answered + ?2",
                           error);
  if (count == NULL)
    return FALSE;
  sqlite3_bind_text (count, 1, day, -1, SQLITE_STATIC);
  sqlite3_bind_int (count, 2, 1);
  return wh_conn_step_done (conn, count, "write practice day", error);
}

static gboolean
backend_put (WhPractice     *self,
             const WhRecord *review,
             const char     *day,
             GError        **error)
{
  const char *kind;
  g_autofree char *key = NULL;
  g_autofree char *body = NULL;
  gboolean ok;

  if (self->in_memory)
    {
      gint64 id = wh_record_get_int (review, "question_id");
      guint n;

      g_mutex_lock (&self->lock);
      g_hash_table_replace (self->reviews, g_memdup2 (&id, sizeof id), wh_record_copy (review));
      n = GPOINTER_TO_UINT (g_hash_table_lookup (self->days, day));
      g_hash_table_replace (self->days, g_strdup (day), GUINT_TO_POINTER (n + 1));
      g_mutex_unlock (&self->lock);
      memory_changed (self);
      return TRUE;
    }
  /* The state here and the entry for the server in one transaction: what
   * was answered offline reaches the other devices on a later sync. */
  if (!wh_outbox_describe_record (review, &kind, &key, &body, error))
    return FALSE;
  if (!wh_store_writer_begin (self->store, error))
    return FALSE;
  ok = write_review (self->store, review, day, error) &&
       wh_store_outbox_insert (self->store, kind, key, body, error) > 0;
  if (!wh_store_writer_end (self->store, ok, error))
    return FALSE;
  wh_store_emit_changed (self->store, "question_reviews");
  wh_store_emit_changed (self->store, "outbox");
  return TRUE;
}

static GPtrArray *
backend_list (WhPractice *self,
              GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  if (self->in_memory)
    {
      GHashTableIter iter;
      gpointer value;

      g_mutex_lock (&self->lock);
      g_hash_table_iter_init (&iter, self->reviews);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        g_ptr_array_add (out, wh_record_copy (value));
      g_mutex_unlock (&self->lock);
      return g_steal_pointer (&out);
    }
  if (!wh_reader_borrow (self->store, &reader, error) ||
      (stmt = wh_conn_prepare (reader.conn,
                               "SELECT body FROM question_reviews LIMIT "
                               G_STRINGIFY (MAX_REVIEWS), error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      WhRecord *r = review_from_body ((const char *) sqlite3_column_text (stmt, 0));

      if (r)
        g_ptr_array_add (out, r);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read reviews");
      return NULL;
    }
  return g_steal_pointer (&out);
}

/* Days practised (char*), and *today_count the answers of today. */
static GPtrArray *
backend_days (WhPractice *self,
              const char *today,
              guint      *today_count,
              GError    **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);
  g_auto(Reader) reader = { 0 };
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  *today_count = 0;
  if (self->in_memory)
    {
      GHashTableIter iter;
      gpointer key, value;

      g_mutex_lock (&self->lock);
      g_hash_table_iter_init (&iter, self->days);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          g_ptr_array_add (out, g_strdup (key));
          if (strcmp (key, today) == 0)
            *today_count = GPOINTER_TO_UINT (value);
        }
      g_mutex_unlock (&self->lock);
      return g_steal_pointer (&out);
    }
  if (!wh_reader_borrow (self->store, &reader, error) ||
      (stmt = wh_conn_prepare (reader.conn,
                               "SELECT day, answered FROM practice_days ORDER BY day DESC LIMIT "
                               G_STRINGIFY (MAX_DAYS), error)) == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *day = (const char *) sqlite3_column_text (stmt, 0);

      if (day == NULL)
        continue;
      if (strcmp (day, today) == 0)
        *today_count = (guint) CLAMP (sqlite3_column_int64 (stmt, 1), 0, G_MAXUINT);
      g_ptr_array_add (out, g_strdup (day));
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, reader.conn->db, rc, "read practice days");
      return NULL;
    }
  return g_steal_pointer (&out);
}

WhRecord *
wh_practice_get_review (WhPractice *self,
                        gint64      question_id,
                        GError    **error)
{
  g_return_val_if_fail (WH_IS_PRACTICE (self), NULL);
  return backend_get (self, question_id, error);
}

/* ---- Answers ------------------------------------------------------------- */

typedef struct
{
  WhRecord  *question;
  GDateTime *now;
  guint8     chosen;
  gboolean   correct;
} Answer;

static void
answer_free (Answer *a)
{
  g_clear_pointer (&a->question, wh_record_free);
  g_clear_pointer (&a->now, g_date_time_unref);
  g_free (a);
}

static void
answer_thread (GTask        *task,
               gpointer      source,
               gpointer      data,
               GCancellable *cancellable)
{
  WhPractice *self = source;
  Answer *a = data;
  GError *error = NULL;
  g_autoptr(WhRecord) state = NULL;
  g_autoptr(WhRecord) next = NULL;
  g_autofree char *day = wh_practice_day (a->now);

  state = backend_get (self, a->question->id, &error);
  if (error == NULL)
    {
      next = wh_practice_review (state, a->question->id,
                                 wh_record_get_int (a->question, "course_id"), a->chosen,
                                 a->correct, a->now);
      backend_put (self, next, day, &error);
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
wh_practice_answer_async (WhPractice         *self,
                          const WhRecord     *question,
                          guint8              chosen,
                          gboolean            correct,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Answer *a;

  g_return_if_fail (WH_IS_PRACTICE (self));
  g_return_if_fail (question != NULL && question->collection == &wh_collection_questions);

  a = g_new0 (Answer, 1);
  a->question = wh_record_copy (question);
  a->now = get_now (self);
  a->chosen = chosen;
  a->correct = correct;
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_practice_answer_async);
  g_task_set_task_data (task, a, (GDestroyNotify) answer_free);
  /* On the store's queue: the summary read after an answer counts it. */
  wh_store_queue_task (self->store, task, answer_thread);
}

gboolean
wh_practice_answer_finish (WhPractice   *self,
                           GAsyncResult *result,
                           GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Reads --------------------------------------------------------------- */

static void
summary_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  WhPractice *self = source;
  g_autofree char *today = wh_practice_day (data);
  g_autofree WhPracticeSummary *summary = g_new0 (WhPracticeSummary, 1);
  g_autoptr(GPtrArray) reviews = NULL;
  g_autoptr(GPtrArray) days = NULL;
  GError *error = NULL;

  if ((reviews = backend_list (self, &error)) == NULL ||
      (days = backend_days (self, today, &summary->answered_today, &error)) == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < reviews->len; i++)
    {
      const WhRecord *r = reviews->pdata[i];

      summary->due += strcmp (wh_record_get_text (r, "due"), today) <= 0;
      summary->mistakes += wh_record_get_bool (r, "mistake");
    }
  summary->streak = wh_practice_streak ((const char * const *) days->pdata, days->len, today);
  g_task_return_pointer (task, g_steal_pointer (&summary), g_free);
}

void
wh_practice_read_summary_async (WhPractice         *self,
                                GCancellable       *cancellable,
                                GAsyncReadyCallback callback,
                                gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_PRACTICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_practice_read_summary_async);
  g_task_set_task_data (task, get_now (self), (GDestroyNotify) g_date_time_unref);
  wh_store_queue_task (self->store, task, summary_thread);
}

WhPracticeSummary *
wh_practice_read_summary_finish (WhPractice   *self,
                                 GAsyncResult *result,
                                 GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static int
compare_due (gconstpointer a,
             gconstpointer b)
{
  const WhRecord *ra = *(const WhRecord * const *) a;
  const WhRecord *rb = *(const WhRecord * const *) b;
  int cmp = strcmp (wh_record_get_text (ra, "due"), wh_record_get_text (rb, "due"));
  gint64 ia = wh_record_get_int (ra, "question_id"), ib = wh_record_get_int (rb, "question_id");

  return cmp ? cmp : (ia > ib) - (ia < ib);
}

/* The newest mistake first. */
static int
compare_wrong_at (gconstpointer a,
                  gconstpointer b)
{
  const WhRecord *ra = *(const WhRecord * const *) a;
  const WhRecord *rb = *(const WhRecord * const *) b;
  const char *wa = wh_record_is_set (ra, "wrong_at") ? wh_record_get_text (ra, "wrong_at") : "";
  const char *wb = wh_record_is_set (rb, "wrong_at") ? wh_record_get_text (rb, "wrong_at") : "";
  int cmp = strcmp (wb, wa);
  gint64 ia = wh_record_get_int (ra, "question_id"), ib = wh_record_get_int (rb, "question_id");

  return cmp ? cmp : (ia > ib) - (ia < ib);
}

static void
add_course (GArray *courses,
            gint64  id)
{
  for (guint i = 0; i < courses->len; i++)
    if (g_array_index (courses, gint64, i) == id)
      return;
  if (courses->len < MAX_FOLLOWED)
    g_array_append_val (courses, id);
}

/* Appends the usable questions of course never answered. */
static void
add_new_of (WhStore    *store,
            gint64      course_id,
            GHashTable *seen,
            GPtrArray  *out)
{
  g_autoptr(GPtrArray) questions = wh_store_list_questions (store, course_id, NULL);

  for (guint i = 0; questions && i < questions->len; i++)
    {
      WhRecord *q = questions->pdata[i];

      if (g_hash_table_contains (seen, &q->id) || wh_quiz_answer_mask (q) == 0)
        continue;
      g_ptr_array_add (out, wh_record_copy (q));
    }
}

/* Questions never answered from the courses followed (started, saved, or
 * practised), in an order fixed by the day; when they have fewer than max
 * left (or none is followed), then from the first courses with questions. */
static GPtrArray *
new_questions (WhPractice *self,
               GPtrArray  *reviews,
               const char *today,
               guint       max)
{
  g_autoptr(GPtrArray) out = wh_store_record_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) courses = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) started = wh_courses_list_started (self->store, NULL);
  g_autoptr(GArray) saved = wh_courses_list_saved (self->store, NULL);
  g_autoptr(GRand) rand = g_rand_new_with_seed (g_str_hash (today));
  guint followed;

  for (guint i = 0; started && i < started->len; i++)
    add_course (courses, g_array_index (started, gint64, i));
  for (guint i = 0; saved && i < saved->len; i++)
    add_course (courses, g_array_index (saved, gint64, i));
  for (guint i = 0; i < reviews->len; i++)
    {
      const WhRecord *r = reviews->pdata[i];
      gint64 id = wh_record_get_int (r, "question_id");

      g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
      add_course (courses, wh_record_get_int (r, "course_id"));
    }
  followed = courses->len;
  for (guint c = 0; c < courses->len; c++)
    add_new_of (self->store, g_array_index (courses, gint64, c), seen, out);
  /* Fisher-Yates with the day's seed: the same order all day. */
  for (guint i = out->len; i > 1; i--)
    {
      guint j = (guint) g_rand_int_range (rand, 0, (gint32) i);
      gpointer t = out->pdata[i - 1];

      out->pdata[i - 1] = out->pdata[j];
      out->pdata[j] = t;
    }
  if (out->len < max)
    {
      g_autoptr(WhQuery) query = wh_query_new (&wh_collection_questions);
      g_autoptr(GPtrArray) first = NULL;

      wh_query_set_order (query, "course_id", FALSE);
      first = wh_store_query (self->store, query, 0, 200, NULL);
      for (guint i = 0; first && i < first->len && out->len < max; i++)
        {
          gint64 course = wh_record_get_int (first->pdata[i], "course_id");
          guint before = courses->len;

          add_course (courses, course);
          if (courses->len > before && courses->len - followed <= FALLBACK_COURSES)
            add_new_of (self->store, course, seen, out);
        }
    }
  if (out->len > max)
    g_ptr_array_set_size (out, max);
  return g_steal_pointer (&out);
}

typedef struct
{
  GPtrArray *questions;
  GArray    *wrong;     /* guint8 per question */
} SetResult;

static void
set_result_free (SetResult *r)
{
  g_clear_pointer (&r->questions, g_ptr_array_unref);
  g_clear_pointer (&r->wrong, g_array_unref);
  g_free (r);
}

static void
set_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  WhPractice *self = source;
  WhPracticeSet set = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "set"));
  g_autofree char *today = wh_practice_day (data);
  g_autoptr(GPtrArray) reviews = NULL;
  g_autoptr(GPtrArray) picked = g_ptr_array_new ();
  g_autoptr(GPtrArray) fresh = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GPtrArray) out = wh_store_record_array_new ();
  g_autoptr(GPtrArray) questions = NULL;
  g_autoptr(GHashTable) stems = g_hash_table_new (g_str_hash, g_str_equal);
  SetResult *result = g_new0 (SetResult, 1);
  GError *error = NULL;
  guint n_due;

  result->wrong = g_array_new (FALSE, FALSE, sizeof (guint8));

  if ((reviews = backend_list (self, &error)) == NULL)
    {
      set_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  if (set == WH_PRACTICE_MISTAKES)
    {
      for (guint i = 0; i < reviews->len; i++)
        if (wh_record_get_bool (reviews->pdata[i], "mistake"))
          g_ptr_array_add (picked, reviews->pdata[i]);
      g_ptr_array_sort (picked, compare_wrong_at);
    }
  else
    {
      for (guint i = 0; i < reviews->len; i++)
        if (strcmp (wh_record_get_text (reviews->pdata[i], "due"), today) <= 0)
          g_ptr_array_add (picked, reviews->pdata[i]);
      g_ptr_array_sort (picked, compare_due);
    }
  n_due = MIN (picked->len, WH_PRACTICE_SET_SIZE);
  if (set == WH_PRACTICE_TODAY)
    {
      /* Spares: a question whose stem another has is left out (wh_quiz_new
       * would drop it; the demo's courses share some). */
      fresh = new_questions (self, reviews, today, 3 * WH_PRACTICE_SET_SIZE);
      /* Room for a few new ones when there are some; the rest due first. */
      n_due = MIN (picked->len, WH_PRACTICE_SET_SIZE - MIN (fresh->len, WH_PRACTICE_NEW_MIN));
    }
  for (guint i = 0; i < n_due; i++)
    {
      gint64 id = wh_record_get_int (picked->pdata[i], "question_id");
      g_array_append_val (ids, id);
    }
  questions = wh_store_get_records (self->store, &wh_collection_questions,
                                    (const gint64 *) (gpointer) ids->data, ids->len, &error);
  if (questions == NULL)
    {
      set_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  /* A question the courses no longer have is skipped. */
  for (guint i = 0; i < questions->len; i++)
    if (wh_quiz_answer_mask (questions->pdata[i]) != 0)
      {
        WhRecord *q = questions->pdata[i];
        guint8 wrong = 0;

        for (guint k = 0; k < n_due; k++)
          if (wh_record_get_int (picked->pdata[k], "question_id") == q->id)
            wrong = (guint8) get_int_or (picked->pdata[k], "wrong_choice", 0);
        g_ptr_array_add (out, wh_record_copy (q));
        g_array_append_val (result->wrong, wrong);
      }
  for (guint i = 0; i < out->len; i++)
    g_hash_table_add (stems, (gpointer) wh_record_get_text (out->pdata[i], "stem"));
  for (guint i = 0; fresh && i < fresh->len && out->len < WH_PRACTICE_SET_SIZE; i++)
    {
      const char *stem = wh_record_get_text (fresh->pdata[i], "stem");
      guint8 none = 0;

      if (!g_hash_table_add (stems, (gpointer) stem))
        continue;
      g_ptr_array_add (out, wh_record_copy (fresh->pdata[i]));
      g_array_append_val (result->wrong, none);
    }
  result->questions = g_steal_pointer (&out);
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) set_result_free);
}

void
wh_practice_read_set_async (WhPractice         *self,
                            WhPracticeSet       set,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_PRACTICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_practice_read_set_async);
  g_task_set_task_data (task, get_now (self), (GDestroyNotify) g_date_time_unref);
  g_object_set_data (G_OBJECT (task), "set", GINT_TO_POINTER (set));
  wh_store_queue_task (self->store, task, set_thread);
}

GPtrArray *
wh_practice_read_set_finish (WhPractice   *self,
                             GAsyncResult *result,
                             GArray      **wrong_choices,
                             GError      **error)
{
  SetResult *r;
  GPtrArray *questions;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if ((r = g_task_propagate_pointer (G_TASK (result), error)) == NULL)
    return NULL;
  questions = g_steal_pointer (&r->questions);
  if (wrong_choices)
    *wrong_choices = g_steal_pointer (&r->wrong);
  set_result_free (r);
  return questions;
}

/* ---- From the server ----------------------------------------------------- */

gboolean
wh_practice_merge_from_server (WhStore   *store,
                               GPtrArray *reviews,
                               GError   **error)
{
  guint changed = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (WH_IS_STORE (store), FALSE);
  if (reviews == NULL || reviews->len == 0)
    return TRUE;
  for (guint i = 0; i < reviews->len; i++)
    g_return_val_if_fail (((WhRecord *) reviews->pdata[i])->collection ==
                          &wh_collection_question_reviews, FALSE);

  if (!wh_store_writer_begin (store, error))
    return FALSE;
  for (guint i = 0; ok && i < reviews->len; i++)
    {
      const WhRecord *theirs = reviews->pdata[i];
      g_autoptr(WhRecord) ours = NULL;
      g_autoptr(GDateTime) at = NULL;
      g_autofree char *day = NULL;
      GError *local = NULL;

      /* Inside the transaction: an answer saved meanwhile waits for it. */
      ours = get_on (store->writer, wh_record_get_int (theirs, "question_id"), &local);
      if (local)
        {
          g_propagate_error (error, local);
          ok = FALSE;
          break;
        }
      if (!wh_practice_review_wins (theirs, ours))
        continue;
      at = g_date_time_new_from_iso8601 (wh_record_get_text (theirs, "reviewed_at"), NULL);
      day = at ? wh_practice_day (at) : NULL;
      ok = write_review (store, theirs, day, error);
      changed++;
    }
  if (!wh_store_writer_end (store, ok, error))
    return FALSE;
  g_debug ("From the server: %u review states new", changed);
  if (changed > 0)
    wh_store_emit_changed (store, "question_reviews");
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------- */

static void
wh_practice_finalize (GObject *object)
{
  WhPractice *self = WH_PRACTICE (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->reviews, g_hash_table_unref);
  g_clear_pointer (&self->days, g_hash_table_unref);
  g_clear_pointer (&self->now, g_date_time_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (wh_practice_parent_class)->finalize (object);
}

static void
wh_practice_class_init (WhPracticeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wh_practice_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
wh_practice_init (WhPractice *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->reviews = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                         (GDestroyNotify) wh_record_free);
  self->days = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}
