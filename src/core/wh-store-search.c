/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-search.c: full-text search (the engine is wh-store.c). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

/* ---- Search ------------------------------------------------------------- */

typedef struct
{
  gint64 id;
  double score;
} Hit;

static int
hit_compare (gconstpointer a,
             gconstpointer b)
{
  const Hit *x = a, *y = b;

  /* Lower is better (as with bm25); among equals the newer first. */
  if (x->score != y->score)
    return x->score < y->score ? -1 : 1;
  return x->id > y->id ? -1 : x->id < y->id ? 1 : 0;
}

static const CollInfo *
search_info (WhStore            *self,
             const WhCollection *collection,
             GError            **error)
{
  const CollInfo *info = wh_store_lookup_info (self, collection, error);

  if (info != NULL && info->rank == NULL)
    {
      g_set_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID,
                   _("The collection “%s” cannot be searched."), collection->name);
      return NULL;
    }
  return info;
}

/* The sizes an index's scores weigh a row's columns against: with region
 * tables, those of every part's index together, so that the parts' scores
 * compare (wh_rank); with one table, its own (set FALSE). */
#define RANK_MAX_COLUMNS 16

typedef struct
{
  gboolean set;
  guint    n_cols;
  gint64   rows;
  gint64   totals[RANK_MAX_COLUMNS];
} RankTotals;

static gboolean
rank_totals (WhConn      *conn,
             const Parts *parts,
             const char  *index,
             RankTotals  *totals,
             GError     **error)
{
  memset (totals, 0, sizeof *totals);
  if (parts->n == 1)
    return TRUE;
  for (guint k = 0; k < parts->n; k++)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT %s(%s_%s) FROM %s_%s LIMIT 1",
                                              WH_SEARCH_RANK_TOTALS_NAME, parts->info[k]->table,
                                              index, parts->info[k]->table, index);
      g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);
      g_auto(GStrv) fields = NULL;
      int rc;

      if (stmt == NULL)
        return FALSE;
      if ((rc = sqlite3_step (stmt)) == SQLITE_DONE)
        continue; /* an empty part */
      if (rc != SQLITE_ROW)
        return wh_store_set_db_error (error, conn->db, rc, "search");
      fields = g_strsplit ((const char *) sqlite3_column_text (stmt, 0), " ", -1);
      g_assert (g_strv_length (fields) >= 1 && g_strv_length (fields) <= RANK_MAX_COLUMNS + 1);
      totals->n_cols = g_strv_length (fields) - 1;
      totals->rows += g_ascii_strtoll (fields[0], NULL, 10);
      for (guint c = 0; c < totals->n_cols; c++)
        totals->totals[c] += g_ascii_strtoll (fields[c + 1], NULL, 10);
    }
  totals->set = totals->n_cols > 0;
  return TRUE;
}

/* rank ("wh_rank(x_fts, 5.0, 1.0)") given the totals as ?2, ?3...
 * (bind_totals), or as it is without them. */
static char *
rank_with_totals (const char       *rank,
                  const RankTotals *totals)
{
  g_autoptr(GString) sql = g_string_new (rank);

  if (rank == NULL || !totals->set)
    return g_strdup (rank);
  g_string_truncate (sql, sql->len - 1); /* the ")" */
  for (guint i = 0; i <= totals->n_cols; i++)
    g_string_append_printf (sql, ", ?%u", i + 2);
  g_string_append_c (sql, ')');
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

static void
bind_totals (sqlite3_stmt     *stmt,
             const RankTotals *totals)
{
  if (!totals->set)
    return;
  sqlite3_bind_int64 (stmt, 2, totals->rows);
  for (guint c = 0; c < totals->n_cols; c++)
    sqlite3_bind_int64 (stmt, 3 + c, totals->totals[c]);
}

static int
hit_newer (gconstpointer a,
           gconstpointer b)
{
  const Hit *x = a, *y = b;

  return (x->id < y->id) - (x->id > y->id);
}

/* The hits of ?1 in each part's index ("fts" or "names"), newest first,
 * with their score (ranked, given the totals) or 0: over region tables one
 * compound, "UNION ALL" and "ORDER BY 1 DESC", which SQLite merges from each
 * index's walk newest first, so that a score is only computed for a row
 * read (ranking the candidates of each table apart ranked five times as
 * many rows for five tables). limit: 0 for none. */
static char *
hits_sql (const Parts      *parts,
          const char       *index,
          gboolean          ranked,
          const RankTotals *totals,
          guint             limit)
{
  g_autoptr(GString) sql = g_string_new (NULL);

  for (guint k = 0; k < parts->n; k++)
    {
      const CollInfo *info = parts->info[k];
      g_autofree char *rank = !ranked ? g_strdup ("0") :
        rank_with_totals (strcmp (index, "fts") == 0 ? info->rank : info->names_rank, totals);

      g_string_append_printf (sql, "%sSELECT rowid, %s FROM %s_%s WHERE %s_%s MATCH ?1",
                              k > 0 ? " UNION ALL " : "", rank, info->table, index, info->table,
                              index);
    }
  g_string_append (sql, parts->n > 1 ? " ORDER BY 1 DESC" : " ORDER BY rowid DESC");
  if (limit > 0)
    g_string_append_printf (sql, " LIMIT %u", limit);
  return g_string_free (g_steal_pointer (&sql), FALSE);
}

/* Ranks the newest candidates of a match into hits. */
static gboolean
rank_candidates (WhConn           *conn,
                 const Parts      *parts,
                 const RankTotals *totals,
                 const char       *match,
                 GArray           *hits,
                 GError          **error)
{
  /* Walking the hits newest first and stopping after the candidates bounds
   * the work, and wh_rank (unlike bm25) never looks at the other hits. */
  g_autofree char *sql = hits_sql (parts, "fts", TRUE, totals, SEARCH_RANK_CANDIDATES);
  g_autoptr(WhStmt) stmt = NULL;
  int rc;

  g_array_set_size (hits, 0);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  bind_totals (stmt, totals);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Hit hit = { sqlite3_column_int64 (stmt, 0), sqlite3_column_double (stmt, 1) };
      g_array_append_val (hits, hit);
    }
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "search");
  return TRUE;
}

/* While a part's indexes are pending, its unindexed rows that match,
 * newest first, appended with a score below no indexed hit's. */
static gboolean
unindexed_candidates (WhConn      *conn,
                      const Parts *parts,
                      const char  *match,
                      GArray      *hits,
                      GError     **error)
{
  for (guint k = 0; k < parts->n; k++)
    {
      const CollInfo *info = parts->info[k];
      g_autofree char *sql = NULL;
      g_autoptr(WhStmt) stmt = NULL;
      int pending = wh_conn_pending (conn, info, error);
      int rc;

      if (pending < 0)
        return FALSE;
      if (pending == 0)
        continue;
      sql = g_strdup_printf ("SELECT t.id FROM %s u JOIN %s t ON t.id = u.id"
                             " WHERE %s(?1, %s) ORDER BY t.id DESC LIMIT %d",
                             info->unindexed, info->table, WH_SEARCH_MATCH_NAME,
                             info->t_search, SEARCH_RANK_CANDIDATES);
      if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Hit hit = { sqlite3_column_int64 (stmt, 0), 0 };
          g_array_append_val (hits, hit);
        }
      if (rc != SQLITE_DONE)
        return wh_store_set_db_error (error, conn->db, rc, "search");
    }
  return TRUE;
}

/* Adds the newest max of found's hits (each part's, newest first in each)
 * to hits and seen. */
static void
add_newest (GArray     *found,
            guint       max,
            GHashTable *seen,
            GArray     *hits)
{
  g_array_sort (found, hit_newer);
  for (guint i = 0; i < found->len && i < max; i++)
    {
      g_array_append_val (hits, g_array_index (found, Hit, i));
      g_hash_table_add (seen, g_memdup2 (&g_array_index (found, Hit, i).id, sizeof (gint64)));
    }
}

/* Appends to hits, newest first, up to max rows of each part's index
 * ("fts" or "names") matching match that are not in seen (and adds them
 * there), scored (ranked) or 0. *more: rows were left. */
static gboolean
collect_hits (WhConn      *conn,
              const Parts *parts,
              const char  *index,
              gboolean     ranked,
              const char  *match,
              guint        max,
              GHashTable  *seen,
              GArray      *hits,
              gboolean    *more,
              GError     **error)
{
  RankTotals totals = { FALSE };
  g_autofree char *sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  guint added = 0;
  int rc;

  *more = FALSE;
  if (ranked && !rank_totals (conn, parts, index, &totals, error))
    return FALSE;
  sql = hits_sql (parts, index, ranked, &totals, 0);
  if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  bind_totals (stmt, &totals);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Hit hit = { sqlite3_column_int64 (stmt, 0), sqlite3_column_double (stmt, 1) };

      if (g_hash_table_contains (seen, &hit.id))
        continue;
      if (added == max)
        {
          *more = TRUE;
          rc = SQLITE_DONE;
          break;
        }
      g_array_append_val (hits, hit);
      g_hash_table_add (seen, g_memdup2 (&hit.id, sizeof hit.id));
      added++;
    }
  if (rc != SQLITE_DONE)
    return wh_store_set_db_error (error, conn->db, rc, "search");
  return TRUE;
}

/* While a part's indexes are pending, its unindexed rows that scan
 * (wh_match or wh_names_match over the columns "search" or "names" name)
 * finds for match, newest first, scored below every ranked hit (as
 * unindexed_candidates). */
static gboolean
unindexed_more (WhConn      *conn,
                const Parts *parts,
                const char  *scan,
                gboolean     names,
                const char  *match,
                guint        max,
                GHashTable  *seen,
                GArray      *hits,
                GError     **error)
{
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Hit));

  for (guint k = 0; k < parts->n; k++)
    {
      const CollInfo *info = parts->info[k];
      g_autofree char *sql = NULL;
      g_autoptr(WhStmt) stmt = NULL;
      int pending = wh_conn_pending (conn, info, error);
      guint added = 0;
      int rc = SQLITE_DONE;

      if (pending < 0)
        return FALSE;
      if (pending == 0)
        continue;
      sql = g_strdup_printf ("SELECT t.id FROM %s u JOIN %s t ON t.id = u.id"
                             " WHERE %s(?1, %s) ORDER BY t.id DESC",
                             info->unindexed, info->table, scan,
                             names ? info->t_names : info->t_search);
      if ((stmt = wh_conn_prepare (conn, sql, error)) == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
      while (added < max && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          Hit hit = { sqlite3_column_int64 (stmt, 0), 0 };

          if (g_hash_table_contains (seen, &hit.id))
            continue;
          g_array_append_val (found, hit);
          added++;
        }
      if (added < max && rc != SQLITE_DONE)
        return wh_store_set_db_error (error, conn->db, rc, "search");
    }
  add_newest (found, max, seen, hits);
  return TRUE;
}

/* Hits of another match (the query in simplified characters on the text
 * index, or the names index's) that the searches before did not find,
 * ranked among themselves, appended to hits: what the person typed as it is
 * comes first. The newest candidates are ranked, as for the text; beyond
 * them the rest follow newest first. */
static gboolean
append_more_hits (WhConn      *conn,
                  const Parts *parts,
                  const char  *index,
                  const char  *scan,
                  const char  *match,
                  guint        limit,
                  GHashTable  *seen,
                  GArray      *hits,
                  GError     **error)
{
  g_autoptr(GArray) found = NULL;
  gboolean names = strcmp (index, "names") == 0;
  gboolean more;

  if (match == NULL || hits->len >= limit)
    return TRUE;
  found = g_array_new (FALSE, FALSE, sizeof (Hit));
  /* Those cut after ranking are never asked for again: the page is full. */
  if (!collect_hits (conn, parts, index, TRUE, match, SEARCH_RANK_CANDIDATES, seen, found, &more,
                     error) ||
      !unindexed_more (conn, parts, scan, names, match, SEARCH_RANK_CANDIDATES, seen, found,
                       error))
    return FALSE;
  g_array_sort (found, hit_compare);
  if (found->len > limit - hits->len)
    g_array_set_size (found, limit - hits->len);
  g_array_append_vals (hits, found->data, found->len);
  if (more && hits->len < limit &&
      !collect_hits (conn, parts, index, FALSE, match, limit - hits->len, seen, hits, &more, error))
    return FALSE;
  return TRUE;
}

GPtrArray *
wh_store_search (WhStore            *self,
                 const WhCollection *collection,
                 const char         *query,
                 guint               limit,
                 GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autoptr(GArray) hits = NULL;
  g_autoptr(GArray) ids = NULL;
  g_autoptr(GHashTable) seen = NULL;
  g_autofree char *match = NULL;
  g_autofree char *exact = NULL;
  g_autofree char *fold_match = NULL;
  g_autofree char *name_match = NULL;
  const char *used;
  const CollInfo *info;
  guint ranked;
  gsize len;
  Parts parts;
  RankTotals totals;

  g_return_val_if_fail (WH_IS_STORE (self), NULL);
  g_return_val_if_fail (query != NULL, NULL);

  if ((info = search_info (self, collection, error)) == NULL)
    return NULL;
  match = wh_search_build_match (query);
  if (match == NULL || limit == 0)
    return wh_store_record_array_new ();
  if (!wh_reader_borrow (self, &reader, error))
    return NULL;
  wh_store_info_parts (info, &parts);
  if (!rank_totals (reader.conn, &parts, "fts", &totals, error))
    return NULL;

  hits = g_array_new (FALSE, FALSE, sizeof (Hit));
  len = strlen (match);
  used = match;
  if (match[len - 1] == '*')
    {
      /* A prefix query merges the doclists of every word it starts, all of
       * them, before the first row: try the whole word first, and only
       * widen to the prefix when that does not fill the page. */
      exact = g_strndup (match, len - 1);

      if (!rank_candidates (reader.conn, &parts, &totals, exact, hits, error))
        return NULL;
      used = exact;
    }
  if (hits->len < limit)
    {
      if (!rank_candidates (reader.conn, &parts, &totals, match, hits, error))
        return NULL;
      used = match;
    }
  ranked = hits->len;
  if (!unindexed_candidates (reader.conn, &parts, match, hits, error))
    return NULL;

  g_array_sort (hits, hit_compare);
  if (hits->len > limit)
    g_array_set_size (hits, limit);
  seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = 0; i < hits->len; i++)
    g_hash_table_add (seen, g_memdup2 (&g_array_index (hits, Hit, i).id, sizeof (gint64)));
  /* Only the newest candidates are ranked: the others that a larger limit
   * asks for follow them, newest first, rather than being dropped. */
  if (ranked >= SEARCH_RANK_CANDIDATES && hits->len < limit)
    {
      gboolean more;

      if (!collect_hits (reader.conn, &parts, "fts", FALSE, used, limit - hits->len, seen, hits,
                         &more, error))
        return NULL;
    }
  fold_match = wh_search_build_fold_match (query);
  if (info->names != NULL)
    name_match = wh_search_build_name_match (query);
  if (!append_more_hits (reader.conn, &parts, "fts", WH_SEARCH_MATCH_NAME, fold_match, limit,
                         seen, hits, error) ||
      !append_more_hits (reader.conn, &parts, "names", WH_SEARCH_NAMES_MATCH_NAME, name_match,
                         limit, seen, hits, error))
    return NULL;

  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), MIN (limit, hits->len));
  for (guint i = 0; i < hits->len && i < limit; i++)
    g_array_append_val (ids, g_array_index (hits, Hit, i).id);
  return wh_conn_get_records (reader.conn, info, (gint64 *) (gpointer) ids->data, ids->len, error);
}

/* A count of the rows the indexes find for one search (wh_conn_count_matches). */
typedef struct
{
  const char *index; /* "fts" or "names" */
  const char *match;
  gint64      rows;
} MatchPiece;

/* Rows of the smaller pieces at most this many are each looked up in the
 * pieces before them; more are merged with them in rowid order. A lookup
 * (MATCH and rowid = x) reads the match's doclists again: 11,037 rows of
 * CNC looked up in the names' "cn nc", which holds none, took 1.2 s. */
#define COUNT_LOOKUP_ROWS 64

static gint64
count_piece (WhConn         *conn,
             const CollInfo *info,
             const char     *index,
             const char     *match,
             gint64          cap,
             GError        **error)
{
  const char *n = info->table;
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM (SELECT 1 FROM %s_%s"
                                          " WHERE %s_%s MATCH ?1%s)", n, index, n, index,
                                          cap < G_MAXINT64 ? " LIMIT ?2" : "");
  g_autoptr(WhStmt) stmt = wh_conn_prepare (conn, sql, error);

  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
  if (cap < G_MAXINT64)
    sqlite3_bind_int64 (stmt, 2, cap + 1);
  return wh_conn_step_count (conn, stmt, "search", error);
}

gint64
wh_conn_count_matches (WhConn         *conn,
                       const CollInfo *info,
                       const char     *match,
                       const char     *fold_match,
                       const char     *name_match,
                       gint64          cap,
                       GError        **error)
{
  const char *n = info->table;
  MatchPiece all[3], pieces[3];
  g_autoptr(GString) sql = NULL;
  g_autoptr(WhStmt) stmt = NULL;
  guint n_all = 0, k = 0, big = 0;
  gint64 rest = 0, count;

  all[n_all++] = (MatchPiece) { "fts", match, 0 };
  if (fold_match != NULL)
    all[n_all++] = (MatchPiece) { "fts", fold_match, 0 };
  if (name_match != NULL && info->names != NULL)
    all[n_all++] = (MatchPiece) { "names", name_match, 0 };
  /* Each alone first: usually one piece finds rows, and that is the count. */
  for (guint i = 0; i < n_all; i++)
    {
      if ((all[i].rows = count_piece (conn, info, all[i].index, all[i].match, cap, error)) < 0)
        return -1;
      if (all[i].rows > cap)
        return all[i].rows;
      if (all[i].rows > 0)
        {
          pieces[k] = all[i];
          if (pieces[k].rows > pieces[big].rows)
            big = k;
          k++;
        }
    }
  if (k <= 1)
    return k == 1 ? pieces[0].rows : 0;

  /* The largest first, then the others; each bound as ?(its place + 1). */
  if (big != 0)
    {
      MatchPiece first = pieces[big];

      pieces[big] = pieces[0];
      pieces[0] = first;
    }
  for (guint i = 1; i < k; i++)
    rest += pieces[i].rows;
  sql = g_string_new ("SELECT ");
  if (rest <= COUNT_LOOKUP_ROWS)
    {
      /* The few rows of the others not in a piece before them. */
      for (guint i = 1; i < k; i++)
        {
          g_string_append_printf (sql, "%s(SELECT count(*) FROM %s_%s t WHERE t.%s_%s MATCH ?%u",
                                  i > 1 ? " + " : "", n, pieces[i].index, n, pieces[i].index,
                                  i + 1);
          for (guint j = 0; j < i; j++)
            g_string_append_printf (sql, " AND NOT EXISTS (SELECT 1 FROM %s_%s x"
                                    " WHERE x.%s_%s MATCH ?%u AND x.rowid = t.rowid)", n,
                                    pieces[j].index, n, pieces[j].index, j + 1);
          g_string_append_c (sql, ')');
        }
    }
  else
    {
      /* A merge of the pieces in rowid order (a UNION with ORDER BY reads
       * each index in order, no temporary table). */
      g_string_append (sql, "count(*) FROM (");
      for (guint i = 0; i < k; i++)
        g_string_append_printf (sql, "%sSELECT rowid FROM %s_%s WHERE %s_%s MATCH ?%u",
                                i > 0 ? " UNION " : "", n, pieces[i].index, n, pieces[i].index,
                                i + 1);
      g_string_append_printf (sql, " ORDER BY 1%s)", cap < G_MAXINT64 ? " LIMIT ?4" : "");
    }
  if ((stmt = wh_conn_prepare (conn, sql->str, error)) == NULL)
    return -1;
  for (guint i = 0; i < k; i++)
    sqlite3_bind_text (stmt, (int) i + 1, pieces[i].match, -1, SQLITE_STATIC);
  if (rest > COUNT_LOOKUP_ROWS && cap < G_MAXINT64)
    sqlite3_bind_int64 (stmt, 4, cap + 1);
  if ((count = wh_conn_step_count (conn, stmt, "search", error)) < 0)
    return -1;
  if (rest <= COUNT_LOOKUP_ROWS)
    count += pieces[0].rows;
  return MIN (count, cap < G_MAXINT64 ? cap + 1 : G_MAXINT64);
}

/* The rows of one part that a search finds; -1 on error. */
static gint64
search_count_part (WhConn         *conn,
                   const CollInfo *info,
                   const char     *match,
                   const char     *fold_match,
                   const char     *name_match,
                   GError        **error)
{
  g_autoptr(WhStmt) stmt = NULL;
  gint64 count;
  int pending, rc;

  count = wh_conn_count_matches (conn, info, match, fold_match,
                                 info->names != NULL ? name_match : NULL, G_MAXINT64, error);
  if (count < 0)
    return -1;

  /* Rows not indexed yet are in no doclist: counted apart. */
  if ((pending = wh_conn_pending (conn, info, error)) < 0)
    return -1;
  if (pending)
    {
      g_autofree char *names = info->names == NULL || name_match == NULL ? g_strdup ("") :
        g_strdup_printf (" OR %s(?2, %s)", WH_SEARCH_NAMES_MATCH_NAME, info->t_names);
      g_autofree char *folded = fold_match == NULL ? g_strdup ("") :
        g_strdup_printf (" OR %s(?3, %s)", WH_SEARCH_MATCH_NAME, info->t_search);
      g_autofree char *rest = g_strdup_printf ("SELECT count(*) FROM %s u JOIN %s t ON t.id = u.id"
                                               " WHERE %s(?1, %s)%s%s",
                                               info->unindexed, info->table,
                                               WH_SEARCH_MATCH_NAME, info->t_search, names, folded);
      if ((stmt = wh_conn_prepare (conn, rest, error)) == NULL)
        return -1;
      sqlite3_bind_text (stmt, 1, match, -1, SQLITE_STATIC);
      if (info->names != NULL && name_match != NULL)
        sqlite3_bind_text (stmt, 2, name_match, -1, SQLITE_STATIC);
      if (fold_match != NULL)
        sqlite3_bind_text (stmt, 3, fold_match, -1, SQLITE_STATIC);
      rc = sqlite3_step (stmt);
      if (rc != SQLITE_ROW)
        return wh_store_set_db_error (error, conn->db, rc, "search"), -1;
      count += sqlite3_column_int64 (stmt, 0);
    }
  return count;
}

gint64
wh_store_search_count (WhStore            *self,
                       const WhCollection *collection,
                       const char         *query,
                       GError            **error)
{
  g_auto(Reader) reader = { 0 };
  g_autofree char *match = NULL;
  g_autofree char *name_match = NULL;
  g_autofree char *fold_match = NULL;
  const CollInfo *info;
  gint64 sum = 0;
  Parts parts;

  g_return_val_if_fail (WH_IS_STORE (self), -1);
  g_return_val_if_fail (query != NULL, -1);

  if ((info = search_info (self, collection, error)) == NULL)
    return -1;
  match = wh_search_build_match (query);
  if (match == NULL)
    return 0;
  if (!wh_reader_borrow (self, &reader, error))
    return -1;
  name_match = info->names != NULL ? wh_search_build_name_match (query) : NULL;
  fold_match = wh_search_build_fold_match (query);
  /* Over region tables, each one's (a row is in one). */
  wh_store_info_parts (info, &parts);
  for (guint k = 0; k < parts.n; k++)
    {
      gint64 count = search_count_part (reader.conn, parts.info[k], match, fold_match, name_match,
                                        error);

      if (count < 0)
        return -1;
      sum += count;
    }
  return sum;
}
