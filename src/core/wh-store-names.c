/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-names.c: the names index of a collection (the engine is
 * wh-store.c, the searches over it wh-store-search.c): its WH_FIELD_NAME
 * fields indexed once more in "x_names" by the tokenizer "wh_names"
 * (pinyin, initials, traditional characters; wh-search-tokenizer.h), the
 * triggers that keep it up to date, and building it in a cache from before
 * it. */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <string.h>

#include "wh-search-tokenizer.h"
#include "wh-store-private.h"

void
wh_store_names_info_init (CollInfo *info,
                          GString  *indexed)
{
  const WhCollection *c = info->collection;
  g_autoptr(GString) name_fields = g_string_new (NULL);
  g_autoptr(GString) t_name_fields = g_string_new (NULL);
  g_autoptr(GString) names_weights = g_string_new (NULL);

  for (guint i = 0; i < c->n_fields; i++)
    {
      const WhField *f = &c->fields[i];

      if (f->flags & WH_FIELD_NAME)
        {
          double w = g_strcmp0 (f->name, c->title_field) == 0 ? 5.0 : 2.0;
          g_string_append_printf (name_fields, "%s%s", name_fields->len ? ", " : "", f->name);
          g_string_append_printf (t_name_fields, "%st.%s", t_name_fields->len ? ", " : "", f->name);
          g_string_append_printf (names_weights, ", %.1f", w);
        }
    }
  if (name_fields->len == 0)
    return;
  info->names = g_strdup (name_fields->str);
  info->t_names = g_strdup (t_name_fields->str);
  info->names_rank = g_strdup_printf ("%s(%s_names%s)", WH_SEARCH_RANK_NAME, c->name,
                                      names_weights->str);
  info->names_create_sql = g_strdup_printf ("CREATE VIRTUAL TABLE IF NOT EXISTS %s_names"
                                            " USING fts5 (%s, content='%s', content_rowid='id',"
                                            " tokenize='%s');",
                                            c->name, name_fields->str, c->name,
                                            WH_SEARCH_NAMES_TOKENIZER_NAME);
  /* Part of the indexes, not of the rows: a cache from before it gets
   * it built over the rows it has (wh_store_change_names), not fetched again. */
  g_string_append_printf (indexed, "%snames(%s)", indexed->len ? ", " : "", name_fields->str);
}

void
wh_store_names_trigger_sql (const CollInfo *info,
                            GString        *trigger,
                            GString        *drop_trigger)
{
  const WhCollection *c = info->collection;
  const char *n = c->name;
  g_autoptr(GString) new_names = NULL;
  g_autoptr(GString) old_names = NULL;
  g_autoptr(GString) names_changed = NULL;

  if (info->names == NULL)
    return;
  new_names = g_string_new (NULL);
  old_names = g_string_new (NULL);
  names_changed = g_string_new (NULL);
  for (guint i = 0; i < c->n_fields; i++)
    if (c->fields[i].flags & WH_FIELD_NAME)
      {
        const char *f = c->fields[i].name;

        g_string_append_printf (new_names, ", new.%s", f);
        g_string_append_printf (old_names, ", old.%s", f);
        g_string_append_printf (names_changed, "%sold.%s IS NOT new.%s",
                                names_changed->len ? " OR " : "", f, f);
      }
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_insert AFTER INSERT ON %s BEGIN"
                          " INSERT INTO %s_names (rowid, %s) VALUES (new.id%s); END;",
                          n, n, n, info->names, new_names->str);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_delete AFTER DELETE ON %s BEGIN"
                          " INSERT INTO %s_names (%s_names, rowid, %s)"
                          " VALUES ('delete', old.id%s); END;",
                          n, n, n, n, info->names, old_names->str);
  g_string_append_printf (trigger,
                          "CREATE TRIGGER IF NOT EXISTS %s_names_update AFTER UPDATE ON %s WHEN %s"
                          " BEGIN"
                          " INSERT INTO %s_names (%s_names, rowid, %s)"
                          " VALUES ('delete', old.id%s);"
                          " INSERT INTO %s_names (rowid, %s) VALUES (new.id%s); END;",
                          n, n, names_changed->str, n, n, info->names, old_names->str, n,
                          info->names, new_names->str);
  g_string_append_printf (drop_trigger, "DROP TRIGGER IF EXISTS %s_names_insert;"
                          " DROP TRIGGER IF EXISTS %s_names_delete;"
                          " DROP TRIGGER IF EXISTS %s_names_update;", n, n, n);
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
  const char *n = info->collection->name;
  g_autofree char *fill = NULL;
  g_autofree char *same = info->names ? g_strdup_printf ("names(%s)", info->names) : NULL;
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
                                               " DROP TABLE IF EXISTS %s_names;", n, n, n, n);
      return wh_conn_exec (conn, drop, error);
    }
  /* Another index changed: this one stays as it is. */
  if (had > 0 && stored != NULL && strstr (stored, same) != NULL)
    return TRUE;
  if (had > 0)
    {
      /* Its columns changed: made again. */
      g_autofree char *drop = g_strdup_printf ("DROP TRIGGER IF EXISTS %s_names_insert;"
                                               " DROP TRIGGER IF EXISTS %s_names_delete;"
                                               " DROP TRIGGER IF EXISTS %s_names_update;"
                                               " DROP TABLE %s_names;", n, n, n, n);
      if (!wh_conn_exec (conn, drop, error))
        return FALSE;
    }
  if ((pending = wh_conn_pending (conn, info, error)) < 0)
    return FALSE;
  g_debug ("Building the names index of %s", n);
  fill = g_strdup_printf ("INSERT INTO %s_names (rowid, %s) SELECT id, %s FROM %s%s%s", n,
                          info->names, info->names, n,
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
