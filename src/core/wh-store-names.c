/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-names.c: the names index of a collection (the engine is
 * wh-store.c, the searches over it wh-store-search.c): its WH_FIELD_NAME
 * fields indexed once more in "x_names" by the tokenizer "wh_names"
 * (pinyin, initials, traditional characters; wh-search-tokenizer.h), the
 * triggers that keep it up to date, and building it in a cache from before
 * it. A collection's names_join (wh-schema.h) adds the other record's name
 * to the joined field's entry: the value indexed is "field name", kept
 * right by triggers on both tables (FTS5's external content needs, on
 * delete, the very text it indexed). */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <string.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

/* The values an index over the fields with flag holds for a row, as SQL
 * over prefix (the row's table alias with its dot: "t.", "new.", "old.";
 * "" for the collection's table itself). */
char *
wh_store_join_values (const WhCollection *c,
                      WhFieldFlags        flag,
                      const char         *prefix)
{
  const WhNamesJoin *j = c->names_join;
  g_autoptr(GString) values = g_string_new (NULL);
  g_autofree char *owner = g_strdup_printf ("%s.", c->name);

  for (guint i = 0; i < c->n_fields; i++)
    {
      const WhField *f = &c->fields[i];

      if (!(f->flags & flag))
        continue;
      g_string_append_printf (values, "%s%s%s", values->len ? ", " : "", prefix, f->name);
      if (j != NULL && g_strcmp0 (j->field, f->name) == 0)
        g_string_append_printf (values, " || coalesce(' ' || (SELECT wh_j.%s FROM %s wh_j"
                                " WHERE wh_j.id = %s%s), '')",
                                j->name_field, j->collection, *prefix ? prefix : owner,
                                j->id_field);
    }
  return g_string_free (g_steal_pointer (&values), FALSE);
}

void
wh_store_names_info_init (CollInfo *info,
                          GString  *indexed)
{
  const WhCollection *c = info->collection;
  g_autoptr(GString) name_fields = g_string_new (NULL);
  g_autoptr(GString) names_weights = g_string_new (NULL);

  for (guint i = 0; i < c->n_fields; i++)
    {
      const WhField *f = &c->fields[i];

      if (f->flags & WH_FIELD_NAME)
        {
          double w = g_strcmp0 (f->name, c->title_field) == 0 ? 5.0 : 2.0;
          g_string_append_printf (name_fields, "%s%s", name_fields->len ? ", " : "", f->name);
          g_string_append_printf (names_weights, ", %.1f", w);
        }
    }
  /* The full-text index holds the joined name too: Chinese text as it is
   * is found there, pinyin in the names. */
  if (c->names_join != NULL && info->search != NULL)
    {
      g_free (info->t_search);
      info->t_search = wh_store_join_values (c, WH_FIELD_SEARCH, "t.");
      info->search_values = wh_store_join_values (c, WH_FIELD_SEARCH, "");
      info->fts_key = g_strdup_printf ("fts(%s+%s.%s)", c->names_join->field,
                                       c->names_join->collection, c->names_join->name_field);
      g_string_append_printf (indexed, "%s%s", indexed->len ? ", " : "", info->fts_key);
    }
  else if (info->search != NULL)
    info->search_values = g_strdup (info->search);
  if (name_fields->len == 0)
    return;
  info->names = g_strdup (name_fields->str);
  info->names_values = wh_store_join_values (c, WH_FIELD_NAME, "");
  info->t_names = wh_store_join_values (c, WH_FIELD_NAME, "t.");
  info->names_rank = g_strdup_printf ("%s(%s_names%s)", WH_SEARCH_RANK_NAME, info->table,
                                      names_weights->str);
  info->names_create_sql = g_strdup_printf ("CREATE VIRTUAL TABLE IF NOT EXISTS %s_names"
                                            " USING fts5 (%s, content='%s', content_rowid='id',"
                                            " tokenize='%s');",
                                            info->table, name_fields->str, info->table,
                                            WH_SEARCH_NAMES_TOKENIZER_NAME);
  /* Part of the indexes, not of the rows: a cache from before it gets
   * it built over the rows it has (wh_store_change_names), not fetched
   * again. A join is part of it: a cache from before the join gets the
   * index built again with the other record's names. */
  if (c->names_join != NULL)
    info->names_key = g_strdup_printf ("names(%s, %s+%s.%s)", name_fields->str,
                                       c->names_join->field, c->names_join->collection,
                                       c->names_join->name_field);
  else
    info->names_key = g_strdup_printf ("names(%s)", name_fields->str);
  g_string_append_printf (indexed, "%s%s", indexed->len ? ", " : "", info->names_key);
}

/* The names of the collection's rows with the joined field as indexed
 * when the other record's name is <row>.<name_field> (a trigger's old or
 * new row of the other table), or without a name (row NULL). */
static char *
joined_values (const WhCollection *c,
               WhFieldFlags        flag,
               const char         *row)
{
  const WhNamesJoin *j = c->names_join;
  g_autoptr(GString) values = g_string_new (NULL);

  for (guint i = 0; i < c->n_fields; i++)
    if (c->fields[i].flags & flag)
      {
        const char *f = c->fields[i].name;

        g_string_append_printf (values, "%s%s", values->len ? ", " : "", f);
        if (row != NULL && g_strcmp0 (f, j->field) == 0)
          g_string_append_printf (values, " || coalesce(' ' || %s.%s, '')", row, j->name_field);
      }
  return g_string_free (g_steal_pointer (&values), FALSE);
}

void
wh_store_names_trigger_sql (const CollInfo *info,
                            GString        *trigger,
                            GString        *drop_trigger)
{
  const WhCollection *c = info->collection;
  const WhNamesJoin *j = c->names_join;
  const char *n = info->table;
  g_autofree char *new_names = NULL;
  g_autofree char *old_names = NULL;
  g_autoptr(GString) names_changed = NULL;

  if (info->names == NULL)
    return;
  new_names = wh_store_join_values (c, WH_FIELD_NAME, "new.");
  old_names = wh_store_join_values (c, WH_FIELD_NAME, "old.");
  names_changed = g_string_new (NULL);
  for (guint i = 0; i < c->n_fields; i++)
    if (c->fields[i].flags & WH_FIELD_NAME)
      {
        const char *f = c->fields[i].name;

        g_string_append_printf (names_changed, "%sold.%s IS NOT new.%s",
                                names_changed->len ? " OR " : "", f, f);
      }
  if (j != NULL)
    g_string_append_printf (names_changed, " OR old.%s IS NOT new.%s", j->id_field, j->id_field);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_insert AFTER INSERT ON %s BEGIN"
                          " INSERT INTO %s_names (rowid, %s) VALUES (new.id, %s); END;",
                          n, n, n, info->names, new_names);
  /* The joined name of an old row is read from the other table as it is
   * now: what was indexed, since the triggers on that table below keep the
   * index in step with it. */
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_delete AFTER DELETE ON %s BEGIN"
                          " INSERT INTO %s_names (%s_names, rowid, %s)"
                          " VALUES ('delete', old.id, %s); END;",
                          n, n, n, n, info->names, old_names);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_update AFTER UPDATE ON %s WHEN %s"
                          " BEGIN"
                          " INSERT INTO %s_names (%s_names, rowid, %s)"
                          " VALUES ('delete', old.id, %s);"
                          " INSERT INTO %s_names (rowid, %s) VALUES (new.id, %s); END;",
                          n, n, names_changed->str, n, n, info->names, old_names, n,
                          info->names, new_names);
  g_string_append_printf (drop_trigger, "DROP TRIGGER IF EXISTS %s_names_insert;"
                          " DROP TRIGGER IF EXISTS %s_names_delete;"
                          " DROP TRIGGER IF EXISTS %s_names_update;", n, n, n);
  wh_store_join_trigger_sql (info, "names", WH_FIELD_NAME, info->names, info->names_values,
                             trigger, drop_trigger);
}

void
wh_store_join_trigger_sql (const CollInfo *info,
                           const char     *index,
                           WhFieldFlags    flag,
                           const char     *columns,
                           const char     *values,
                           GString        *trigger,
                           GString        *drop_trigger)
{
  const WhCollection *c = info->collection;
  const WhNamesJoin *j = c->names_join;
  const char *n = info->table;
  g_autofree char *plain = NULL;
  g_autofree char *with_old = NULL;

  if (j == NULL)
    return;
  plain = joined_values (c, flag, NULL);
  with_old = joined_values (c, flag, "old");
  /* The rows pointing at a record of the other table, indexed with its
   * old name (none before it came) and again with its new one (none once
   * it is gone). */
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_%s_join_insert AFTER INSERT ON %s"
                          " BEGIN"
                          " INSERT INTO %s_%s (%s_%s, rowid, %s)"
                          " SELECT 'delete', id, %s FROM %s WHERE %s = new.id;"
                          " INSERT INTO %s_%s (rowid, %s)"
                          " SELECT id, %s FROM %s WHERE %s = new.id; END;",
                          n, index, j->collection, n, index, n, index, columns, plain, n,
                          j->id_field, n, index, columns, values, n, j->id_field);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_%s_join_delete AFTER DELETE ON %s"
                          " BEGIN"
                          " INSERT INTO %s_%s (%s_%s, rowid, %s)"
                          " SELECT 'delete', id, %s FROM %s WHERE %s = old.id;"
                          " INSERT INTO %s_%s (rowid, %s)"
                          " SELECT id, %s FROM %s WHERE %s = old.id; END;",
                          n, index, j->collection, n, index, n, index, columns, with_old, n,
                          j->id_field, n, index, columns, plain, n, j->id_field);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_%s_join_update AFTER UPDATE ON %s"
                          " WHEN old.%s IS NOT new.%s BEGIN"
                          " INSERT INTO %s_%s (%s_%s, rowid, %s)"
                          " SELECT 'delete', id, %s FROM %s WHERE %s = old.id;"
                          " INSERT INTO %s_%s (rowid, %s)"
                          " SELECT id, %s FROM %s WHERE %s = new.id; END;",
                          n, index, j->collection, j->name_field, j->name_field, n, index, n,
                          index, columns, with_old, n, j->id_field, n, index, columns, values, n,
                          j->id_field);
  g_string_append_printf (drop_trigger, " DROP TRIGGER IF EXISTS %s_%s_join_insert;"
                          " DROP TRIGGER IF EXISTS %s_%s_join_delete;"
                          " DROP TRIGGER IF EXISTS %s_%s_join_update;", n, index, n, index, n,
                          index);
}

/* Inside the open transaction (change_indexes in wh-store.c): the
 * full-text index of a cache from before the collection's names_join holds
 * no joined names: made again over the rows there (rows awaiting a first
 * pull's build are left to it). */
gboolean
wh_store_change_fts_join (WhConn         *conn,
                          const CollInfo *info,
                          const char     *stored,
                          GError        **error)
{
  const char *n = info->table;
  g_autofree char *fill = NULL;
  int pending;

  if (info->fts_key == NULL || (stored != NULL && strstr (stored, info->fts_key) != NULL))
    return TRUE;
  if ((pending = wh_conn_pending (conn, info, error)) < 0)
    return FALSE;
  g_debug ("Building the full-text index of %s with joined names", n);
  fill = g_strdup_printf ("DROP TRIGGER IF EXISTS %s_fts_insert;"
                          " DROP TRIGGER IF EXISTS %s_fts_delete;"
                          " DROP TRIGGER IF EXISTS %s_fts_update;"
                          " INSERT INTO %s_fts (%s_fts) VALUES ('delete-all');"
                          " INSERT INTO %s_fts (rowid, %s) SELECT id, %s FROM %s%s%s%s;",
                          n, n, n, n, n, n, info->search, info->search_values, n,
                          pending ? " WHERE id NOT IN (SELECT id FROM " : "",
                          pending ? info->unindexed : "", pending ? ")" : "");
  return wh_conn_exec (conn, fill, error) && (pending || wh_conn_exec (conn, info->trigger_sql, error));
}

/* Inside the open transaction (change_indexes in wh-store.c): makes the
 * names index of a cache from before it over the rows already there (or
 * drops it when the schema has none).
 * While a first pull's build is pending, the rows it lists are left to the
 * build, and the triggers stay off as the build expects. */
gboolean
wh_store_change_names (WhConn         *conn,
                       const CollInfo *info,
                       const char     *stored,
                       GError        **error)
{
  const char *n = info->table;
  g_autofree char *fill = NULL;
  g_autofree char *exists = g_strdup_printf ("SELECT count(*) FROM sqlite_master"
                                             " WHERE name = '%s_names'", n);
  gint64 had = wh_conn_query_int (conn, exists, error);
  int pending;

  if (had < 0)
    return FALSE;
  if (info->names == NULL)
    {
      g_autofree char *drop = g_strdup_printf ("DROP TRIGGER IF EXISTS %s_names_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_delete;"
                                               " DROP TRIGGER IF EXISTS %s_names_update;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_delete;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_update;"
                                               " DROP TABLE IF EXISTS %s_names;", n, n, n, n, n, n,
                                               n);
      return wh_conn_exec (conn, drop, error);
    }
  /* Another index changed: this one stays as it is. */
  if (had > 0 && stored != NULL && strstr (stored, info->names_key) != NULL)
    return TRUE;
  if (had > 0)
    {
      /* Its columns changed: made again. */
      g_autofree char *drop = g_strdup_printf ("DROP TRIGGER IF EXISTS %s_names_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_delete;"
                                               " DROP TRIGGER IF EXISTS %s_names_update;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_delete;"
                                               " DROP TRIGGER IF EXISTS %s_names_join_update;"
                                               " DROP TABLE %s_names;", n, n, n, n, n, n, n);
      if (!wh_conn_exec (conn, drop, error))
        return FALSE;
    }
  if ((pending = wh_conn_pending (conn, info, error)) < 0)
    return FALSE;
  g_debug ("Building the names index of %s", n);
  fill = g_strdup_printf ("INSERT INTO %s_names (rowid, %s) SELECT id, %s FROM %s%s%s", n,
                          info->names, info->names_values, n,
                          pending ? " WHERE id NOT IN (SELECT id FROM " : "",
                          pending ? info->unindexed : "");
  if (pending)
    {
      char *closed = g_strconcat (fill, ")", NULL);
      g_free (fill);
      fill = closed;
    }
  return wh_conn_exec (conn, info->names_create_sql, error) && wh_conn_exec (conn, fill, error) &&
         (pending || wh_conn_exec (conn, info->trigger_sql, error));
}
