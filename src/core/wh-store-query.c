/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-query.c: filtered, ordered and paged queries, and how they choose
 * an index (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <time.h>

#include "wh-query-private.h"
#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

/* ---- Queries ------------------------------------------------------------ */

static const char *
op_sql (WhQueryOp op)
{
  static const char * const ops[] = { "=", "!=", "<", "<=", ">", ">=" };
  return ops[op];
}

static void
bind_value (sqlite3_stmt  *stmt,
            int            param,
            WhType         type,
            const WhValue *value)
{
  if (value == NULL || !value->is_set)
    sqlite3_bind_null (stmt, param);
  else if (type == WH_TYPE_INT || type == WH_TYPE_BOOL)
    sqlite3_bind_int64 (stmt, param, value->i);
  else if (type == WH_TYPE_REAL)
    sqlite3_bind_double (stmt, param, value->d);
  else
    sqlite3_bind_text (stmt, param, value->s ? value->s : "", -1, SQLITE_STATIC);
}

static void
bind_filter (sqlite3_stmt   *stmt,
             int             param,
             const WhFilter *f)
{
  if (f->type == WH_TYPE_INT)
    sqlite3_bind_int64 (stmt, param, f->i);
  else if (f->type == WH_TYPE_REAL)
    sqlite3_bind_double (stmt, param, f->d);
  else
    sqlite3_bind_text (stmt, param, f->s, -1, SQLITE_STATIC);
}

/* The sort value in SQL: a column, or a scaled order's expression (the very
 * text of its index's, so that SQLite sees the index serves it). */
static const char *
order_sql (const CollInfo *info,
           const WhQuery  *query)
{
  if (query->order_scaled != NULL)
    return info->order_sql[query->order_scaled - info->collection->scaled_orders];
  return query->order_field;
}

/* Whether the sort value has an index to walk. */
static gboolean
order_indexed (const WhQuery *query)
{
  const WhField *f;

  if (query->order_scaled != NULL)
    return TRUE;
  f = query->order_field ? wh_collection_find_field (query->collection, query->order_field, NULL)
                         : NULL;
  return f != NULL && (f->flags & WH_FIELD_INDEXED);
}

/* Whether the index of a sort value (order, or NULL for a scaled order)
 * holds every column the query's filters read: a WH_FIELD_SORTED index
 * carries the id and the collection's WH_FIELD_LISTED fields (wh-store.c,
 * index_columns). Walking it then reads no table row, however deep the
 * page: at worst the whole index, a tenth of a second for a million jobs,
 * where sorting the filters' rows takes a second. Counting through it reads
 * half the pages the filter index does. */
static gboolean
sorted_index_covers (const WhQuery *query,
                     const WhField *order)
{
  gboolean sorted = order == NULL || (order->flags & WH_FIELD_SORTED);

  if (query->match != NULL)
    return FALSE;
  for (guint i = 0; i < query->filters->len; i++)
    {
      const WhFilter *f = &g_array_index (query->filters, WhFilter, i);
      const WhField *field = wh_collection_find_field (query->collection, f->field, NULL);

      if (strcmp (f->field, "id") == 0 || (order != NULL && field == order) ||
          (sorted && field != NULL && (field->flags & WH_FIELD_LISTED)))
        continue;
      return FALSE;
    }
  return TRUE;
}

/* The same for the query's own order (order_indexed). */
static gboolean
order_index_covers (const WhQuery *query)
{
  if (query->order_scaled != NULL)
    return sorted_index_covers (query, NULL);
  return sorted_index_covers (query, wh_collection_find_field (query->collection,
                                                               query->order_field, NULL));
}

/* The index that leads with a field, or NULL: its own (WH_FIELD_INDEXED),
 * else the filters' covering index when the field is its first column (a
 * job's trade: wh-schema.c keeps the jobs' own indexes few). */
static char *
leading_index (const CollInfo *info,
               const char     *field)
{
  const WhField *f = wh_collection_find_field (info->collection, field, NULL);

  if (f != NULL && (f->flags & WH_FIELD_INDEXED))
    return g_strdup_printf ("%s_by_%s", info->table, field);
  if (f != NULL && g_strcmp0 (info->filter_first, field) == 0)
    return g_strdup (info->filter_index);
  return NULL;
}

void
wh_store_append_access (GString        *sql,
                        const CollInfo *info,
                        const WhQuery  *query,
                        const Access   *access)
{
  const char *n = info->table;

  if (access->kind == ACCESS_ORDER)
    g_string_append_printf (sql, " INDEXED BY %s_by_%s", n, query->order_field);
  else if (access->kind == ACCESS_FIELD)
    {
      g_autofree char *index = leading_index (info, access->field);

      g_string_append_printf (sql, " INDEXED BY %s", index);
    }
  else if (access->kind == ACCESS_FILTER)
    g_string_append_printf (sql, " INDEXED BY %s", info->filter_index);
}

/* The filters and the match, each "?" bound by wh_store_bind_conditions in order.
 * pending: the collection's search index is not complete (see wh_conn_pending). */
static void append_match (GString        *sql,
                          const CollInfo *info,
                          const WhQuery  *query,
                          const char     *field,
                          gboolean        pending);

void
wh_store_append_conditions (GString        *sql,
                            const CollInfo *info,
                            const WhQuery  *query,
                            gboolean        pending,
                            const char    **and)
{
  for (guint i = 0; i < query->filters->len; i++)
    {
      const WhFilter *f = &g_array_index (query->filters, WhFilter, i);

      /* The item between separators anywhere in the list (wh_has: not
       * LIKE, so % and _ in a value mean themselves). */
      if (f->op == WH_QUERY_HAS)
        g_string_append_printf (sql, "%swh_has (%s, ?, %d)", *and, f->field, f->sep);
      else if (f->op == WH_QUERY_IN_WINDOW)
        g_string_append_printf (sql, "%swh_in_window (%s, ?, %d)", *and, f->field, f->sep);
      else if (f->op == WH_QUERY_IN_IDS)
        g_string_append_printf (sql, "%sid IN (SELECT value FROM json_each (?))", *and);
      else if (f->or_unset)
        g_string_append_printf (sql, "%s(%s %s ? OR %s IS NULL)", *and, f->field, op_sql (f->op),
                                f->field);
      else
        g_string_append_printf (sql, "%s%s %s ?", *and, f->field, op_sql (f->op));
      *and = " AND ";
    }
  if (query->match != NULL)
    {
      gboolean in_field = query->match_field != NULL;

      /* Restricted to a field: the hits in it; except it: all the hits
       * but those (so the two lists never share a row). */
      g_string_append (sql, *and);
      if (query->match_except)
        {
          append_match (sql, info, query, NULL, pending);
          g_string_append (sql, " AND NOT ");
        }
      append_match (sql, info, query, in_field ? query->match_field : NULL, pending);
      *and = " AND ";
    }
}

/* Whether the names index has field (NULL: every field) as a column. */
static gboolean
names_have (const WhQuery *query,
            const char    *field)
{
  const WhField *f;

  if (query->name_match == NULL)
    return FALSE;
  if (field == NULL)
    return TRUE;
  f = wh_collection_find_field (query->collection, field, NULL);
  return f != NULL && (f->flags & WH_FIELD_NAME);
}

/* "(id IN (… MATCH ?) OR …)": the hits of the match in field, or with
 * field NULL in any searched field; each "?" bound by bind_match. */
static void
append_match (GString        *sql,
              const CollInfo *info,
              const WhQuery  *query,
              const char     *field,
              gboolean        pending)
{
  const char *n = info->table;

  g_string_append_printf (sql, "(id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?)", n, n);
  /* The names index (pinyin, initials, traditional characters), and
   * the text in simplified characters. */
  if (names_have (query, field))
    g_string_append_printf (sql, " OR id IN (SELECT rowid FROM %s_names WHERE %s_names MATCH ?)",
                            n, n);
  if (query->fold_match != NULL)
    g_string_append_printf (sql, " OR id IN (SELECT rowid FROM %s_fts WHERE %s_fts MATCH ?)", n,
                            n);
  /* The matches are bound once more for the rows not in the indexes yet. */
  if (pending)
    {
      g_string_append_printf (sql, " OR (id IN (SELECT id FROM %s) AND (%s(?, %s)",
                              info->unindexed, WH_SEARCH_MATCH_NAME,
                              field ? field : info->search_values);
      if (names_have (query, field))
        g_string_append_printf (sql, " OR %s(?, %s)", WH_SEARCH_NAMES_MATCH_NAME,
                                field ? field : info->names_values);
      if (query->fold_match != NULL)
        g_string_append_printf (sql, " OR %s(?, %s)", WH_SEARCH_MATCH_NAME,
                                field ? field : info->search_values);
      g_string_append (sql, "))");
    }
  g_string_append_c (sql, ')');
}

/* An index's match in field only ("{title} : (…)"), or as it is. */
static void
bind_index_match (sqlite3_stmt *stmt,
                  int           p,
                  const char   *match,
                  const char   *field)
{
  if (field == NULL)
    sqlite3_bind_text (stmt, p, match, -1, SQLITE_STATIC);
  else
    sqlite3_bind_text (stmt, p, g_strdup_printf ("{%s} : (%s)", field, match), -1, g_free);
}

/* In the order append_match writes them. */
static int
bind_match (sqlite3_stmt  *stmt,
            int            p,
            const WhQuery *query,
            const char    *field,
            gboolean       pending)
{
  bind_index_match (stmt, p++, query->match, field);
  if (names_have (query, field))
    bind_index_match (stmt, p++, query->name_match, field);
  if (query->fold_match != NULL)
    bind_index_match (stmt, p++, query->fold_match, field);
  if (pending)
    {
      /* The scan's matchers take the columns to look in, not a filter. */
      sqlite3_bind_text (stmt, p++, query->match, -1, SQLITE_STATIC);
      if (names_have (query, field))
        sqlite3_bind_text (stmt, p++, query->name_match, -1, SQLITE_STATIC);
      if (query->fold_match != NULL)
        sqlite3_bind_text (stmt, p++, query->fold_match, -1, SQLITE_STATIC);
    }
  return p;
}

/* Returns the next parameter number. */
int
wh_store_bind_conditions (sqlite3_stmt  *stmt,
                          const WhQuery *query,
                          gboolean       pending)
{
  return wh_store_bind_conditions_from (stmt, 1, query, pending);
}

int
wh_store_bind_conditions_from (sqlite3_stmt  *stmt,
                               int            p,
                               const WhQuery *query,
                               gboolean       pending)
{

  for (guint i = 0; i < query->filters->len; i++, p++)
    bind_filter (stmt, p, &g_array_index (query->filters, WhFilter, i));
  /* In the order wh_store_append_conditions writes them. */
  if (query->match != NULL)
    {
      if (query->match_except)
        p = bind_match (stmt, p, query, NULL, pending);
      p = bind_match (stmt, p, query, query->match_field, pending);
    }
  return p;
}

/* ---- Choosing the index --------------------------------------------------- */

/* Whether the covering filter index holds every column the conditions
 * (and, for the distance order, lat and lon) read. */
gboolean
wh_store_filter_index_covers (const CollInfo *info,
                              const WhQuery  *query)
{
  if (info->filter_index == NULL || query->match != NULL)
    return FALSE;
  for (guint i = 0; i < query->filters->len; i++)
    {
      const WhFilter *f = &g_array_index (query->filters, WhFilter, i);
      const WhField *field;

      if (strcmp (f->field, "id") == 0)
        continue; /* the rowid, in every index */
      field = wh_collection_find_field (query->collection, f->field, NULL);
      if (field == NULL || !(field->flags & WH_FIELD_FILTER))
        return FALSE;
    }
  return TRUE;
}

/* Steps a bound "SELECT count(*)"; -1 on error. */
gint64
wh_conn_step_count (WhConn       *conn,
                    sqlite3_stmt *stmt,
                    const char   *what,
                    GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_ROW)
    return wh_store_set_db_error (error, conn->db, rc, what), -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* At most cap + 1: how many rows an indexed field's filter (equality or
 * range) holds, read from the index leading with it alone (a few
 * milliseconds at most). */
static gint64
probe_rows (WhConn         *conn,
            const CollInfo *info,
            const WhFilter *f,
            gint64          cap,
            GError        **error)
{
  g_autofree char *index = leading_index (info, f->field);
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM (SELECT 1 FROM %s INDEXED BY"
                                          " %s WHERE %s %s ?1 LIMIT ?2)",
                                          info->table, index, f->field,
                                          op_sql (f->op));
  g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);

  if (stmt == NULL)
    return -1;
  bind_filter (stmt, 1, f);
  sqlite3_bind_int64 (stmt, 2, cap + 1);
  return wh_conn_step_count (conn, stmt, "probe", error);
}

/* How to reach the rows of a query, apart from its order: the index of a
 * filter that holds few rows (each probed, the smallest wins: a district,
 * the last few days), else the covering filter index when it holds what the
 * conditions read, else the planner's choice. A count of rows that one
 * field's filters describe is the planner's (that field's index covers it);
 * so is a text search, whose candidates come from the search index.
 * located: the rows will be ordered by distance, so the covering index
 * (which holds lat and lon) is worth it even without a filter. */
gboolean
wh_store_choose_access (WhConn         *conn,
                        const CollInfo *info,
                        const WhQuery  *query,
                        gboolean        for_count,
                        gboolean        located,
                        Access         *access,
                        GError        **error)
{
  gint64 fewest = conn->budgets->selective_rows;
  const char *one_field = NULL;
  gboolean same_field = TRUE;

  access->kind = ACCESS_PLANNER;
  access->field = NULL;
  access->rows = -1;
  if (query->match != NULL)
    return TRUE;
  for (guint i = 0; i < query->filters->len; i++)
    {
      const WhFilter *f = &g_array_index (query->filters, WhFilter, i);
      const WhField *field = wh_collection_find_field (query->collection, f->field, NULL);
      gint64 rows;

      same_field = same_field && (one_field == NULL || strcmp (one_field, f->field) == 0);
      one_field = f->field;
      if (fewest <= 0 || f->op == WH_QUERY_NE || f->op > WH_QUERY_GE || f->or_unset ||
          field == NULL ||
          !((field->flags & WH_FIELD_INDEXED) || g_strcmp0 (f->field, info->filter_first) == 0))
        continue;
      if ((rows = probe_rows (conn, info, f, fewest, error)) < 0)
        return FALSE;
      if (rows <= fewest)
        {
          fewest = rows;
          access->kind = ACCESS_FIELD;
          access->field = f->field;
          access->rows = rows;
        }
    }
  /* Its first column's rows are a range of the covering index too: read
   * there, the other filters need no row of the table. */
  if (access->kind == ACCESS_FIELD && g_strcmp0 (access->field, info->filter_first) == 0 &&
      wh_store_filter_index_covers (info, query))
    access->kind = ACCESS_FILTER;
  if (access->kind != ACCESS_PLANNER)
    return TRUE;
  /* A count of what a sort index holds (every open job): there, the
   * narrowest index that has the columns. */
  if (for_count && !located && query->filters->len > 0)
    for (guint i = 0; i < query->collection->n_fields; i++)
      {
        const WhField *field = &query->collection->fields[i];

        if ((field->flags & WH_FIELD_SORTED) && (field->flags & WH_FIELD_INDEXED) &&
            sorted_index_covers (query, field))
          {
            access->kind = ACCESS_FIELD;
            access->field = field->name;
            return TRUE;
          }
      }
  if (for_count && !located && same_field && one_field != NULL)
    {
      const WhField *field = wh_collection_find_field (query->collection, one_field, NULL);

      if (field != NULL && (field->flags & WH_FIELD_INDEXED))
        return TRUE;
    }
  if ((query->filters->len > 0 || located) && wh_store_filter_index_covers (info, query))
    access->kind = ACCESS_FILTER;
  return TRUE;
}

/* ---- Ordered by a value ---------------------------------------------------- */

/* Builds the SQL of a query; the parameters are, in order: each filter's
 * value, the match, the key (order value and/or id), then for rows LIMIT and
 * OFFSET. bind_query binds them in the same order. */
static char *
query_sql (const CollInfo *info,
           const WhQuery  *query,
           SelectKind      kind,
           KeyMode         key_mode,
           gboolean        before,
           gboolean        pending,
           const Access   *access)
{
  g_autoptr(GString) sql = g_string_new (NULL);
  const char *n = info->table;
  const char *order = order_sql (info, query);
  gboolean desc = query->descending != before;
  const char *beyond = desc ? "<" : ">";
  const char *and = " WHERE ";

  if (kind == SELECT_COUNT)
    g_string_append_printf (sql, "SELECT count(*) FROM %s", n);
  else if (kind == SELECT_ARM)
    g_string_append_printf (sql, "SELECT id%s%s FROM %s", order ? ", " : "", order ? order : "", n);
  else
    g_string_append_printf (sql, "SELECT %s FROM %s", kind == SELECT_IDS ? "id" : info->columns, n);
  wh_store_append_access (sql, info, query, access);
  wh_store_append_conditions (sql, info, query, pending, &and);
  /* Sort fields are WH_FIELD_REQUIRED, which every cached live row has
   * (wh_record_from_json checks it), so no NULLs upset the key order. Ties
   * in the sort field are paged through by id on their own: "(v, id) > (?,
   * ?)" would make SQLite walk every tie before the key. */
  if (key_mode == KEY_TIE)
    g_string_append_printf (sql, "%s%s = ? AND id %s ?", and, order, beyond);
  else if (key_mode == KEY_AFTER && order != NULL)
    g_string_append_printf (sql, "%s%s %s ?", and, order, beyond);
  else if (key_mode == KEY_AFTER)
    g_string_append_printf (sql, "%sid %s ?", and, beyond);

  if (kind != SELECT_COUNT && kind != SELECT_ARM)
    {
      if (order != NULL)
        g_string_append_printf (sql, " ORDER BY %s %s, id %s", order, desc ? "DESC" : "ASC",
                                desc ? "DESC" : "ASC");
      else
        g_string_append_printf (sql, " ORDER BY id %s", desc ? "DESC" : "ASC");
      g_string_append (sql, " LIMIT ? OFFSET ?");
    }
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* Binds what query_sql's conditions and key need from parameter p on;
 * returns the next. */
static int
bind_arm (sqlite3_stmt   *stmt,
          int             p,
          const WhQuery  *query,
          const WhRecord *key,
          KeyMode         key_mode,
          gboolean        pending)
{
  p = wh_store_bind_conditions_from (stmt, p, query, pending);

  if (key_mode != KEY_NONE && query->order_scaled != NULL)
    {
      const WhScaledOrder *o = query->order_scaled;

      sqlite3_bind_double (stmt, p++,
                           wh_scaled_order_key (o, wh_record_get_int (key, o->field),
                                                o->then_field
                                                  ? wh_record_get_int (key, o->then_field) : 0,
                                                wh_record_get_text (key, o->unit_field)));
    }
  else if (key_mode != KEY_NONE && query->order_field != NULL)
    {
      guint index = 0;

      wh_collection_find_field (key->collection, query->order_field, &index);
      bind_value (stmt, p++, query->order_type, &key->values[index]);
    }
  if (key_mode == KEY_TIE || (key_mode == KEY_AFTER && query->order_field == NULL))
    sqlite3_bind_int64 (stmt, p++, key->id);
  return p;
}

static void
bind_query (sqlite3_stmt   *stmt,
            const WhQuery  *query,
            const WhRecord *key,
            KeyMode         key_mode,
            SelectKind      kind,
            guint           offset,
            guint           limit,
            gboolean        pending)
{
  int p = bind_arm (stmt, 1, query, key, key_mode, pending);

  if (kind != SELECT_COUNT)
    {
      sqlite3_bind_int64 (stmt, p++, limit);
      sqlite3_bind_int64 (stmt, p++, offset);
    }
}

static gboolean
check_query (WhStore        *self,
             const WhQuery  *query,
             const CollInfo **info,
             GError        **error)
{
  if ((*info = wh_store_lookup_info (self, query->collection, error)) == NULL)
    return FALSE;
  if (query->match != NULL && (*info)->rank == NULL)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The collection “%s” cannot be searched."), query->collection->name);
      return FALSE;
    }
  return TRUE;
}

/* The thread's CPU time is the budget: SQLite's count of VM instructions
 * says little about statements whose work is in C (an R*Tree, a search
 * index, wh_distance), and the time on the clock depends on what else the
 * machine does (a budget spent by a busy machine would take the slow way
 * exactly when it hurts most). Microseconds. */
static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int
budget_cb (void *data)
{
  return thread_cpu_us () > *(gint64 *) data;
}

/* Starts a budget of ms on the connection, or says that there is none to
 * spend (ms 0: tests go straight to what follows a spent budget). */
gboolean
wh_conn_budget_start (WhConn *conn,
                      int     ms,
                      gint64 *deadline)
{
  if (ms <= 0)
    return FALSE;
  *deadline = thread_cpu_us () + (gint64) ms * 1000;
  sqlite3_progress_handler (conn->db, 1000, budget_cb, deadline);
  return TRUE;
}

/* Ends a budget. TRUE when the statement that failed was interrupted by it
 * (error cleared: the caller tries its other way), FALSE for a real error. */
gboolean
wh_conn_budget_end (WhConn  *conn,
                    gint64   deadline,
                    gboolean ok,
                    GError **error)
{
  sqlite3_progress_handler (conn->db, 0, NULL, NULL);
  if (ok || error == NULL || !g_error_matches (*error, WH_STORE_ERROR, WH_STORE_ERROR_FAILED) ||
      thread_cpu_us () <= deadline)
    return FALSE;
  g_clear_error (error);
  return TRUE;
}

/* How many rows a text search finds in every part, up to cap + 1, from the
 * search indexes alone; -1 on error. */
static gint64
match_rows (WhConn         *conn,
            const Parts    *parts,
            const WhQuery  *query,
            gint64          cap,
            GError        **error)
{
  gint64 sum = 0;

  for (guint k = 0; k < parts->n && sum <= cap; k++)
    {
      /* The names index's and the simplified query's rows too, counted once. */
      gint64 rows = wh_conn_count_matches (conn, parts->info[k], query->match, query->fold_match,
                                           query->name_match, cap - sum, error);

      if (rows < 0)
        return -1;
      sum += rows;
    }
  return sum;
}

/* Appends the records of ids, read in that order. */
static gboolean
append_records (WhConn         *conn,
                const CollInfo *info,
                GArray         *ids,
                GPtrArray      *out,
                GError        **error)
{
  g_autoptr(GPtrArray) records = NULL;

  /* The same read snapshot is not kept between the two statements: a row
   * deleted in between is skipped, and the next reload fixes the count. */
  if ((records = wh_conn_get_records (conn, info, (gint64 *) (gpointer) ids->data, ids->len,
                                      error)) == NULL)
    return FALSE;
  for (guint i = 0; i < records->len; i++)
    g_ptr_array_add (out, g_steal_pointer (&records->pdata[i]));
  return TRUE;
}

/* Steps a statement that selects ids, then appends their records. */
gboolean
wh_conn_collect_by_ids (WhConn         *conn,
                        const CollInfo *info,
                        sqlite3_stmt   *stmt,
                        GPtrArray      *out,
                        GError        **error)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read");
  sqlite3_reset (stmt);
  return append_records (conn, info, ids, out, error);
}

/* Runs one form of the query, appending its records. A jump (an OFFSET)
 * reads the ids alone first: skipping rows through the sort index then
 * touches no table row, where reading whole rows would look up every row
 * skipped (seconds, deep in a million). So does every read but a walk of
 * the sort index: the sort of the rows a filter selects then holds only
 * their ids and sort values, not every column of each (a job's description
 * runs to kilobytes), and the page's rows are read alone.
 *
 * Over region tables it is one compound: an arm for each part, each through
 * its own access, "UNION ALL", and the order and limit over them all. SQLite
 * orders each arm apart (through its index when the arm walks one) and
 * merges them, so a page costs what it costs in one table (a view of the
 * tables would hide their indexes; docs/region-tables.md). */
static gboolean
run_rows (WhConn         *conn,
          const Parts    *parts,
          const WhQuery  *query,
          const WhRecord *key,
          KeyMode         key_mode,
          gboolean        before,
          guint           offset,
          guint           limit,
          const int      *pending,
          const Access   *access,
          GPtrArray      *out,
          GError        **error)
{
  const CollInfo *info = parts->info[0];
  SelectKind kind = offset > 0 || access[0].kind != ACCESS_ORDER || parts->n > 1 ? SELECT_IDS
                                                                                 : SELECT_ROWS;
  g_autofree char *sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  int p = 1;

  if (parts->n == 1)
    sql = query_sql (info, query, kind, key_mode, before, pending[0], &access[0]);
  else
    {
      GString *compound = g_string_new (NULL);
      gboolean desc = query->descending != before;

      for (guint k = 0; k < parts->n; k++)
        {
          g_autofree char *arm = query_sql (parts->info[k], query, SELECT_ARM, key_mode, before,
                                            pending[k], &access[k]);

          g_string_append_printf (compound, "%s%s", k > 0 ? " UNION ALL " : "", arm);
        }
      if (order_sql (info, query) != NULL)
        g_string_append_printf (compound, " ORDER BY 2 %s, 1 %s", desc ? "DESC" : "ASC",
                                desc ? "DESC" : "ASC");
      else
        g_string_append_printf (compound, " ORDER BY 1 %s", desc ? "DESC" : "ASC");
      g_string_append (compound, " LIMIT ? OFFSET ?");
      sql = g_string_free (compound, FALSE);
    }
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  /* Arm after arm, then the limit and offset (one table: one arm). */
  for (guint k = 0; k < parts->n; k++)
    p = bind_arm (stmt, p, query, key, key_mode, pending[k]);
  sqlite3_bind_int64 (stmt, p++, limit);
  sqlite3_bind_int64 (stmt, p++, offset);
  if (kind == SELECT_ROWS)
    return wh_conn_collect_records (conn, stmt, query->collection, out, error);
  return wh_conn_collect_by_ids (conn, info, stmt, out, error);
}

int
wh_conn_parts_pending (WhConn      *conn,
                       const Parts *parts,
                       int         *pending,
                       GError     **error)
{
  int any = 0;

  for (guint k = 0; k < parts->n; k++)
    {
      if ((pending[k] = wh_conn_pending (conn, parts->info[k], error)) < 0)
        return -1;
      any = any || pending[k];
    }
  return any;
}

/* Appends up to limit rows of one form of the query.
 *
 * A filter with an index of its own (a city, a trade) makes SQLite read
 * every row of the filter through that index and sort them all for the
 * first page: 120,000 whole rows for a big city, seconds, although walking
 * the sort field's index finds the first 100 in a few milliseconds. Walking
 * the sort index is a disaster for a rare filter in turn (a district with no
 * jobs: the whole index). Neither is right every time and the planner
 * cannot tell (even with ANALYZE it picks the sort), so the walk is tried
 * first on a small budget; when it runs out, the filters are selective and
 * wh_store_choose_access finds their rows (in each part apart). */
static gboolean
query_rows (WhConn         *conn,
            const Parts    *parts,
            const WhQuery  *query,
            const WhRecord *key,
            KeyMode         key_mode,
            gboolean        before,
            guint           offset,
            guint           limit,
            GPtrArray      *out,
            GError        **error)
{
  int pending[G_N_ELEMENTS (parts->info)];
  Access access[G_N_ELEMENTS (parts->info)];
  Access walk[G_N_ELEMENTS (parts->info)];
  /* While a first pull's build is pending, the indexes may not be there. */
  int any_pending = wh_conn_parts_pending (conn, parts, pending, error);

  if (any_pending < 0)
    return FALSE;
  for (guint k = 0; k < parts->n; k++)
    {
      access[k] = (Access) { ACCESS_PLANNER, NULL, -1 };
      walk[k] = (Access) { ACCESS_ORDER, NULL, -1 };
    }
  if (!any_pending && order_indexed (query) && (query->filters->len > 0 || query->match != NULL))
    {
      int ms = conn->budgets->walk_ms;
      guint had = out->len;
      gint64 deadline;
      gboolean ok;

      /* The index alone: no budget to run out of (a jump deep into every
       * open job, a drag of the scrollbar, walked it to run out and then
       * sorted them all: 0.5 to 2 s a page). */
      if (ms > 0 && order_index_covers (query))
        return run_rows (conn, parts, query, key, key_mode, before, offset, limit, pending, walk,
                         out, error);

      /* A text search first gathers every hit, then the walk checks each
       * row against them: worth it, and worth a longer budget, only when
       * the hits are many (else reading them all is cheap). */
      if (query->match != NULL)
        {
          gint64 cap = conn->budgets->selective_rows;
          gint64 hits = match_rows (conn, parts, query, cap, error);

          if (hits < 0)
            return FALSE;
          ms = hits > cap ? conn->budgets->match_walk_ms : 0;
        }
      if (wh_conn_budget_start (conn, ms, &deadline))
        {
          ok = run_rows (conn, parts, query, key, key_mode, before, offset, limit, pending, walk,
                         out, error);
          if (!wh_conn_budget_end (conn, deadline, ok, error))
            return ok;
          g_debug ("Walking %s_by_%s ran out of time: the filters' rows instead",
                   query->collection->name, query->order_field);
          g_ptr_array_set_size (out, had);
        }
    }

  for (guint k = 0; k < parts->n; k++)
    if (!pending[k] &&
        !wh_store_choose_access (conn, parts->info[k], query, FALSE, FALSE, &access[k], error))
      return FALSE;
  return run_rows (conn, parts, query, key, key_mode, before, offset, limit, pending, access, out,
                   error);
}

/* Fetched walking backwards from a key; hand them over in order. */
static void
reverse_records (GPtrArray *records)
{
  for (guint i = 0, j = records->len ? records->len - 1 : 0; i < j; i++, j--)
    {
      gpointer tmp = records->pdata[i];
      records->pdata[i] = records->pdata[j];
      records->pdata[j] = tmp;
    }
}

/* ---- Pages, counts and lists (from every order above) ------------------- */

GPtrArray *
wh_store_query_page (WhStore        *self,
                     const WhQuery  *query,
                     const WhRecord *key,
                     gboolean        before,
                     guint           offset,
                     guint           limit,
                     GError        **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GPtrArray) records = NULL;
  const CollInfo *info;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);
  g_return_val_if_fail (key == NULL || key->collection == query->collection, NULL);

  if (!check_query (self, query, &info, error) || !wh_reader_borrow (self, &reader, error))
    return NULL;
  wh_store_info_parts (info, &parts);
  records = wh_store_record_array_new ();
  if (query->by_distance)
    {
      if (!wh_store_distance_parts_page (reader.conn, &parts, query, key, before, offset, limit,
                                         records, error))
        return NULL;
      if (before)
        reverse_records (records);
      return g_steal_pointer (&records);
    }
  if (key == NULL)
    {
      if (!query_rows (reader.conn, &parts, query, NULL, KEY_NONE, FALSE, offset, limit, records,
                       error))
        return NULL;
      return g_steal_pointer (&records);
    }

  /* First the rows that tie with the key, then those beyond its value. */
  if (query->order_field != NULL &&
      !query_rows (reader.conn, &parts, query, key, KEY_TIE, before, 0, limit, records, error))
    return NULL;
  if (records->len < limit &&
      !query_rows (reader.conn, &parts, query, key, KEY_AFTER, before, 0, limit - records->len,
                   records, error))
    return NULL;
  if (before)
    reverse_records (records);
  return g_steal_pointer (&records);
}

GPtrArray *
wh_store_query (WhStore       *self,
                const WhQuery *query,
                guint          offset,
                guint          limit,
                GError       **error)
{
  return wh_store_query_page (self, query, NULL, FALSE, offset, limit, error);
}

/* The rows of the query in one part; -1 on error. */
static gint64
count_part (WhConn         *conn,
            const CollInfo *info,
            const WhQuery  *query,
            GError        **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  g_autofree char *sql = NULL;
  Access access = { ACCESS_PLANNER, NULL, -1 };
  Parts one = { 1, { info } };
  int pending = 0;

  if ((pending = wh_conn_pending (conn, info, error)) < 0)
    return -1;
  /* A search alone: its hits, counted in the search index without reading
   * a row (every row is in it while no build is pending). */
  if (!pending && query->match != NULL && query->match_field == NULL && query->filters->len == 0)
    return match_rows (conn, &one, query, G_MAXINT64, error);
  if (!pending && !wh_store_choose_access (conn, info, query, TRUE, FALSE, &access, error))
    return -1;
  sql = query_sql (info, query, SELECT_COUNT, KEY_NONE, FALSE, pending, &access);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return -1;
  bind_query (stmt, query, NULL, KEY_NONE, SELECT_COUNT, 0, 0, pending);
  return wh_conn_step_count (conn, stmt, "count", error);
}

gint64
wh_store_query_count (WhStore       *self,
                      const WhQuery *query,
                      GError       **error)
{
  g_auto(Reader) reader = { 0 };
  const CollInfo *info;
  gint64 sum = 0;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), -1);
  g_return_val_if_fail (query != NULL, -1);

  if (!check_query (self, query, &info, error) || !wh_reader_borrow (self, &reader, error))
    return -1;
  /* Over region tables, the sum of each one's count. */
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    {
      gint64 rows = count_part (reader.conn, parts.info[k], query, error);

      if (rows < 0)
        return -1;
      sum += rows;
    }
  return sum;
}

static GPtrArray *
list_by (WhStore            *self,
         const WhCollection *collection,
         const char         *field,
         gint64              value,
         const char         *order,
         gboolean            descending,
         gint64              exclude_id,
         guint               limit,
         GError            **error)
{
  g_autoptr(WhQuery) query = wh_query_new (collection);

  wh_query_where_int (query, field, WH_QUERY_EQ, value);
  if (exclude_id > 0)
    wh_query_where_int (query, "id", WH_QUERY_NE, exclude_id);
  wh_query_set_order (query, order, descending);
  return wh_store_query (self, query, 0, limit, error);
}

GPtrArray *
wh_store_list_lessons (WhStore *self,
                       gint64   course_id,
                       GError **error)
{
  return list_by (self, &wh_collection_lessons, "course_id", course_id, "position", FALSE, 0,
                  G_MAXUINT, error);
}

GPtrArray *
wh_store_list_questions (WhStore *self,
                         gint64   course_id,
                         GError **error)
{
  return list_by (self, &wh_collection_questions, "course_id", course_id, NULL, FALSE, 0,
                  G_MAXUINT, error);
}

GPtrArray *
wh_store_list_courses_in_category (WhStore *self,
                                   gint64   category_id,
                                   GError **error)
{
  return list_by (self, &wh_collection_courses, "category_id", category_id, "title", FALSE, 0,
                  G_MAXUINT, error);
}

GPtrArray *
wh_store_list_employer_jobs (WhStore *self,
                             gint64   employer_id,
                             gint64   exclude_job_id,
                             guint    limit,
                             GError **error)
{
  return list_by (self, &wh_collection_jobs, "employer_id", employer_id, "posted_at", TRUE,
                  exclude_job_id, limit, error);
}

/* Appends to values the distinct values of field in one table, in order,
 * up to limit. */
static gboolean
part_values (WhConn         *conn,
             const CollInfo *info,
             const char     *field,
             guint           limit,
             GPtrArray      *values,
             GError        **error)
{
  /* A loose index scan: SELECT DISTINCT would read every index entry. */
  g_autofree char *sql = g_strdup_printf ("WITH RECURSIVE v (value) AS ("
                                          " SELECT MIN (%1$s) FROM %2$s"
                                          " UNION ALL"
                                          " SELECT (SELECT MIN (%1$s) FROM %2$s"
                                          "  WHERE %1$s > v.value) FROM v"
                                          "  WHERE v.value IS NOT NULL)"
                                          " SELECT value FROM v WHERE value IS NOT NULL",
                                          field, info->table);
  g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);
  guint n = 0;
  int rc = SQLITE_DONE;

  if (stmt == NULL)
    return FALSE;
  while (n < limit && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_ptr_array_add (values, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
      n++;
    }
  if (n < limit && rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "read");
  return TRUE;
}

/* In SQLite's BINARY order, which is the bytes'. */
static int
compare_values (gconstpointer a,
                gconstpointer b)
{
  return strcmp (*(const char **) a, *(const char **) b);
}

GStrv
wh_store_list_values (WhStore            *self,
                      const WhCollection *collection,
                      const char         *field,
                      guint               limit,
                      GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GStrvBuilder) builder = NULL;
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  const CollInfo *info;
  const WhField *f;
  Parts parts;
  guint n = 0;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (collection != NULL && field != NULL, NULL);

  f = wh_collection_find_field (collection, field, NULL);
  /* The name goes into SQL: only a field of the schema may. */
  g_return_val_if_fail (f != NULL && f->type == WH_TYPE_TEXT, NULL);
  if ((info = wh_store_lookup_info (self, collection, error)) == NULL)
    return NULL;
  /* An index must lead with it: its own, or the filters' (a job's trade). */
  g_return_val_if_fail ((f->flags & WH_FIELD_INDEXED) || g_strcmp0 (info->filter_first, field) == 0,
                        NULL);
  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  /* Each part's, then merged: the first limit of the whole are among the
   * first limit of each. */
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    if (!part_values (reader.conn, parts.info[k], field, limit, values, error))
      return NULL;
  if (parts.n > 1)
    g_ptr_array_sort (values, compare_values);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < values->len && n < limit; i++)
    if (i == 0 || strcmp (values->pdata[i], values->pdata[i - 1]) != 0)
      {
        g_strv_builder_add (builder, values->pdata[i]);
        n++;
      }
  return g_strv_builder_end (builder);
}
