/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-query"

#include "config.h"

#include "wh-query-private.h"
#include "wh-record.h"
#include "wh-search-tokenizer.h"

G_DEFINE_BOXED_TYPE (WhQuery, wh_query, wh_query_copy, wh_query_free)

static void
filter_clear (gpointer data)
{
  WhFilter *filter = data;

  g_clear_pointer (&filter->s, g_free);
}

WhQuery *
wh_query_new (const WhCollection *collection)
{
  WhQuery *query;

  g_return_val_if_fail (collection != NULL, NULL);
  g_return_val_if_fail (collection->flags & WH_COLLECTION_SYNCED, NULL);

  query = g_new0 (WhQuery, 1);
  query->collection = collection;
  query->filters = g_array_new (FALSE, TRUE, sizeof (WhFilter));
  g_array_set_clear_func (query->filters, filter_clear);
  query->order_type = WH_TYPE_INT;
  return query;
}

WhQuery *
wh_query_copy (const WhQuery *query)
{
  WhQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = wh_query_new (query->collection);
  for (guint i = 0; i < query->filters->len; i++)
    {
      WhFilter filter = g_array_index (query->filters, WhFilter, i);

      filter.s = g_strdup (filter.s);
      g_array_append_val (copy->filters, filter);
    }
  copy->match = g_strdup (query->match);
  copy->name_match = g_strdup (query->name_match);
  copy->fold_match = g_strdup (query->fold_match);
  copy->match_field = query->match_field;
  copy->match_except = query->match_except;
  copy->order_field = query->order_field;
  copy->order_scaled = query->order_scaled;
  copy->order_type = query->order_type;
  copy->descending = query->descending;
  copy->by_distance = query->by_distance;
  copy->origin_lat = query->origin_lat;
  copy->origin_lon = query->origin_lon;
  return copy;
}

void
wh_query_free (WhQuery *query)
{
  if (query == NULL)
    return;
  g_array_unref (query->filters);
  g_free (query->match);
  g_free (query->name_match);
  g_free (query->fold_match);
  g_free (query);
}

const WhCollection *
wh_query_get_collection (const WhQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);
  return query->collection;
}

/* Returns the static name of a field usable in SQL, or NULL. */
static const char *
lookup_field (const WhQuery *query,
              const char    *name,
              WhType        *type)
{
  const WhField *field;

  if (g_strcmp0 (name, "id") == 0 || g_strcmp0 (name, "rev") == 0)
    {
      *type = WH_TYPE_INT;
      return g_strcmp0 (name, "id") == 0 ? "id" : "rev";
    }
  field = wh_collection_find_field (query->collection, name, NULL);
  if (field == NULL)
    {
      g_critical ("Collection %s has no field %s", query->collection->name, name);
      return NULL;
    }
  *type = field->type;
  return field->name;
}

static void
add_filter (WhQuery    *query,
            const char *name,
            WhQueryOp   op,
            WhType      want,
            gint64      i,
            double      d,
            const char *s)
{
  WhFilter filter = { 0 };
  WhType type;

  g_return_if_fail (query != NULL);
  g_return_if_fail (op >= WH_QUERY_EQ && op <= WH_QUERY_GE);

  filter.field = lookup_field (query, name, &type);
  if (filter.field == NULL)
    return;
  /* BOOL is stored as an integer; STRV and INTV only compare as text. */
  if (type == WH_TYPE_BOOL)
    type = WH_TYPE_INT;
  if (type == WH_TYPE_STRV || type == WH_TYPE_INTV)
    type = WH_TYPE_TEXT;
  if (type != want && !(want == WH_TYPE_REAL && type == WH_TYPE_INT))
    {
      g_critical ("Field %s.%s has another type", query->collection->name, name);
      return;
    }
  filter.op = op;
  filter.type = want;
  filter.i = i;
  filter.d = d;
  filter.s = g_strdup (s);
  g_array_append_val (query->filters, filter);
}

void
wh_query_where_int (WhQuery    *query,
                    const char *field,
                    WhQueryOp   op,
                    gint64      value)
{
  add_filter (query, field, op, WH_TYPE_INT, value, 0, NULL);
}

void
wh_query_where_real (WhQuery    *query,
                     const char *field,
                     WhQueryOp   op,
                     double      value)
{
  add_filter (query, field, op, WH_TYPE_REAL, 0, value, NULL);
}

void
wh_query_where_text (WhQuery    *query,
                     const char *field,
                     WhQueryOp   op,
                     const char *value)
{
  g_return_if_fail (value != NULL);
  add_filter (query, field, op, WH_TYPE_TEXT, 0, 0, value);
}

void
wh_query_where_text_or_unset (WhQuery    *query,
                              const char *field,
                              WhQueryOp   op,
                              const char *value)
{
  g_return_if_fail (query != NULL);
  g_return_if_fail (value != NULL);

  add_filter (query, field, op, WH_TYPE_TEXT, 0, 0, value);
  if (query->filters->len > 0)
    g_array_index (query->filters, WhFilter, query->filters->len - 1).or_unset = TRUE;
}

void
wh_query_where_has (WhQuery    *query,
                    const char *field,
                    const char *value)
{
  WhFilter filter = { 0 };
  WhType type;

  g_return_if_fail (query != NULL);
  g_return_if_fail (value != NULL);

  filter.field = lookup_field (query, field, &type);
  if (filter.field == NULL)
    return;
  if (type != WH_TYPE_STRV && type != WH_TYPE_INTV)
    {
      g_critical ("Field %s.%s is not a list", query->collection->name, field);
      return;
    }
  filter.op = WH_QUERY_HAS;
  filter.type = WH_TYPE_TEXT;
  filter.sep = type == WH_TYPE_STRV ? WH_STRV_SEPARATOR : ',';
  filter.s = g_strdup (value);
  g_array_append_val (query->filters, filter);
}

void
wh_query_where_id_in (WhQuery      *query,
                      const gint64 *ids,
                      guint         n_ids)
{
  WhFilter filter = { 0 };
  g_autoptr(GString) json = g_string_new ("[");

  g_return_if_fail (query != NULL);
  g_return_if_fail (ids != NULL || n_ids == 0);

  /* One parameter whatever the number of ids, so the statement is the same
   * (and stays prepared) for every set. */
  for (guint i = 0; i < n_ids; i++)
    g_string_append_printf (json, "%s%" G_GINT64_FORMAT, i ? "," : "", ids[i]);
  g_string_append_c (json, ']');
  filter.field = "id";
  filter.op = WH_QUERY_IN_IDS;
  filter.type = WH_TYPE_TEXT;
  filter.s = g_string_free (g_steal_pointer (&json), FALSE);
  g_array_append_val (query->filters, filter);
}

void
wh_query_where_in_window (WhQuery    *query,
                          const char *field,
                          int         minute)
{
  WhFilter filter = { 0 };
  WhType type;

  g_return_if_fail (query != NULL);
  g_return_if_fail (minute >= 0 && minute < 24 * 60);

  filter.field = lookup_field (query, field, &type);
  if (filter.field == NULL)
    return;
  if (type != WH_TYPE_STRV)
    {
      g_critical ("Field %s.%s is not a list of windows", query->collection->name, field);
      return;
    }
  filter.op = WH_QUERY_IN_WINDOW;
  filter.type = WH_TYPE_INT;
  filter.i = minute;
  filter.sep = WH_STRV_SEPARATOR;
  g_array_append_val (query->filters, filter);
}

void
wh_query_where_region (WhQuery *query,
                       gint64   adcode)
{
  const char *field;

  g_return_if_fail (query != NULL);
  g_return_if_fail (adcode > 0 && adcode <= 999999);

  if (adcode % 10000 == 0)
    field = "province_adcode";
  else if (adcode % 100 == 0)
    field = "city_adcode";
  else
    field = "adcode";
  wh_query_where_int (query, field, WH_QUERY_EQ, adcode);
}

void
wh_query_set_match (WhQuery    *query,
                    const char *text)
{
  g_return_if_fail (query != NULL);

  g_clear_pointer (&query->match, g_free);
  g_clear_pointer (&query->name_match, g_free);
  g_clear_pointer (&query->fold_match, g_free);
  query->match = wh_search_build_match (text);
  if (query->match == NULL)
    return;
  query->fold_match = wh_search_build_fold_match (text);
  /* Pinyin, initials and the other script of the characters, where the
   * collection has names to find them in. */
  for (guint i = 0; i < query->collection->n_fields; i++)
    if (query->collection->fields[i].flags & WH_FIELD_NAME)
      {
        query->name_match = wh_search_build_name_match (text);
        break;
      }
}

void
wh_query_set_match_field (WhQuery    *query,
                          const char *field,
                          gboolean    except)
{
  const WhField *f;

  g_return_if_fail (query != NULL);

  query->match_field = NULL;
  query->match_except = FALSE;
  if (field == NULL)
    return;
  f = wh_collection_find_field (query->collection, field, NULL);
  if (f == NULL || !(f->flags & WH_FIELD_SEARCH))
    {
      g_critical ("Field %s.%s is not searched", query->collection->name, field);
      return;
    }
  query->match_field = f->name;
  query->match_except = except;
}

void
wh_query_set_order (WhQuery    *query,
                    const char *field,
                    gboolean    descending)
{
  g_return_if_fail (query != NULL);

  query->descending = descending;
  query->by_distance = FALSE;
  query->order_field = NULL;
  query->order_scaled = NULL;
  query->order_type = WH_TYPE_INT;
  if ((query->order_scaled = wh_collection_find_scaled_order (query->collection, field)) != NULL)
    {
      query->order_field = query->order_scaled->name;
      query->order_type = WH_TYPE_REAL;
    }
  else if (field != NULL && g_strcmp0 (field, "id") != 0)
    {
      const WhField *f = wh_collection_find_field (query->collection, field, NULL);

      if (f == NULL || !(f->flags & WH_FIELD_REQUIRED))
        {
          g_critical ("%s.%s cannot be a sort field", query->collection->name, field);
          return;
        }
      query->order_field = f->name;
      query->order_type = f->type == WH_TYPE_BOOL ? WH_TYPE_INT : f->type;
    }
}

const char *
wh_query_get_order_field (const WhQuery *query)
{
  g_return_val_if_fail (query != NULL, NULL);
  return query->order_field;
}

gboolean
wh_query_get_descending (const WhQuery *query)
{
  g_return_val_if_fail (query != NULL, FALSE);
  return query->descending;
}

void
wh_query_set_order_distance (WhQuery *query,
                             double   lat,
                             double   lon)
{
  g_return_if_fail (query != NULL);
  g_return_if_fail (lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180);

  if (!(query->collection->flags & WH_COLLECTION_LOCATED))
    {
      g_critical ("%s has no places to sort by distance", query->collection->name);
      return;
    }
  wh_query_set_order (query, NULL, FALSE);
  query->by_distance = TRUE;
  query->origin_lat = lat;
  query->origin_lon = lon;
}

gboolean
wh_query_get_order_distance (const WhQuery *query,
                             double        *lat,
                             double        *lon)
{
  g_return_val_if_fail (query != NULL, FALSE);

  if (!query->by_distance)
    return FALSE;
  if (lat)
    *lat = query->origin_lat;
  if (lon)
    *lon = query->origin_lon;
  return TRUE;
}
