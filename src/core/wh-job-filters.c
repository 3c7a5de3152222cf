/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-job-filters"

#include "config.h"

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-job-filters.h"
#include "wh-schema.h"

#define FILTERS_VERSION 1
/* More tags than a person would tick: a longer list in the setting is junk. */
#define MAX_WELFARE 16

static const char * const sort_names[] = { "newest", "salary", "distance" };

WhJobFilters *
wh_job_filters_new (void)
{
  return g_new0 (WhJobFilters, 1);
}

WhJobFilters *
wh_job_filters_copy (const WhJobFilters *filters)
{
  WhJobFilters *copy;

  g_return_val_if_fail (filters != NULL, NULL);

  copy = g_memdup2 (filters, sizeof *filters);
  copy->category = g_strdup (filters->category);
  copy->pay_period = g_strdup (filters->pay_period);
  copy->settlement = g_strdup (filters->settlement);
  copy->welfare = g_strdupv (filters->welfare);
  return copy;
}

void
wh_job_filters_free (WhJobFilters *filters)
{
  if (filters == NULL)
    return;
  g_free (filters->category);
  g_free (filters->pay_period);
  g_free (filters->settlement);
  g_strfreev (filters->welfare);
  g_free (filters);
}

static guint
strv_len0 (GStrv strv)
{
  return strv ? g_strv_length (strv) : 0;
}

gboolean
wh_job_filters_equal (const WhJobFilters *a,
                      const WhJobFilters *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (a->region != b->region || g_strcmp0 (a->category, b->category) != 0 ||
      g_strcmp0 (a->pay_period, b->pay_period) != 0 || a->pay_min != b->pay_min ||
      a->pay_max != b->pay_max || g_strcmp0 (a->settlement, b->settlement) != 0 ||
      a->posted_within != b->posted_within || a->sort != b->sort ||
      a->show_closed != b->show_closed ||
      strv_len0 (a->welfare) != strv_len0 (b->welfare))
    return FALSE;
  for (guint i = 0; i < strv_len0 (a->welfare); i++)
    if (!g_strv_contains ((const char * const *) b->welfare, a->welfare[i]))
      return FALSE;
  return TRUE;
}

guint
wh_job_filters_count (const WhJobFilters *filters)
{
  g_return_val_if_fail (filters != NULL, 0);

  return (filters->region != 0) + (filters->category != NULL) +
         (filters->pay_period != NULL) + (filters->settlement != NULL) +
         strv_len0 (filters->welfare) + (filters->posted_within != 0) + (filters->show_closed != 0);
}

gboolean
wh_job_filters_is_default (const WhJobFilters *filters)
{
  return wh_job_filters_count (filters) == 0;
}

gboolean
wh_job_filters_has_welfare (const WhJobFilters *filters,
                            const char         *tag)
{
  g_return_val_if_fail (filters != NULL, FALSE);

  return filters->welfare && g_strv_contains ((const char * const *) filters->welfare, tag);
}

void
wh_job_filters_set_welfare (WhJobFilters *filters,
                            const char   *tag,
                            gboolean      wanted)
{
  g_autoptr(GStrvBuilder) builder = NULL;

  g_return_if_fail (filters != NULL);
  g_return_if_fail (tag != NULL && *tag != '\0');

  if (wanted == wh_job_filters_has_welfare (filters, tag))
    return;
  builder = g_strv_builder_new ();
  for (guint i = 0; i < strv_len0 (filters->welfare); i++)
    if (strcmp (filters->welfare[i], tag) != 0)
      g_strv_builder_add (builder, filters->welfare[i]);
  if (wanted)
    g_strv_builder_add (builder, tag);
  g_strfreev (filters->welfare);
  filters->welfare = g_strv_builder_end (builder);
  if (filters->welfare[0] == NULL)
    g_clear_pointer (&filters->welfare, g_strfreev);
}

/* ---- JSON ----------------------------------------------------------------- */

char *
wh_job_filters_to_json (const WhJobFilters *filters)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (filters != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "version");
  json_builder_add_int_value (builder, FILTERS_VERSION);
  if (filters->region)
    {
      json_builder_set_member_name (builder, "region");
      json_builder_add_int_value (builder, filters->region);
    }
  if (filters->category)
    {
      json_builder_set_member_name (builder, "category");
      json_builder_add_string_value (builder, filters->category);
    }
  if (filters->pay_period)
    {
      json_builder_set_member_name (builder, "pay");
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "period");
      json_builder_add_string_value (builder, filters->pay_period);
      json_builder_set_member_name (builder, "min");
      json_builder_add_int_value (builder, filters->pay_min);
      json_builder_set_member_name (builder, "max");
      json_builder_add_int_value (builder, filters->pay_max);
      json_builder_end_object (builder);
    }
  if (filters->settlement)
    {
      json_builder_set_member_name (builder, "settlement");
      json_builder_add_string_value (builder, filters->settlement);
    }
  if (filters->welfare)
    {
      json_builder_set_member_name (builder, "welfare");
      json_builder_begin_array (builder);
      for (guint i = 0; filters->welfare[i]; i++)
        json_builder_add_string_value (builder, filters->welfare[i]);
      json_builder_end_array (builder);
    }
  if (filters->posted_within)
    {
      json_builder_set_member_name (builder, "posted_within_days");
      json_builder_add_int_value (builder, filters->posted_within);
    }
  if (filters->show_closed)
    {
      json_builder_set_member_name (builder, "show_closed");
      json_builder_add_boolean_value (builder, TRUE);
    }
  json_builder_set_member_name (builder, "sort");
  json_builder_add_string_value (builder, sort_names[filters->sort]);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static gboolean
invalid (GError    **error,
         const char *member)
{
  /* Only ever logged: the list silently starts from the defaults. */
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "job-filters: bad “%s”", member);
  return FALSE;
}

/* Reads member as an integer in [lo, hi] into *out; absent leaves *out. */
static gboolean
read_int (JsonObject *object,
          const char *member,
          gint64      lo,
          gint64      hi,
          gint64     *out,
          GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);
  gint64 v;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return invalid (error, member);
  v = json_node_get_int (node);
  if (v < lo || v > hi)
    return invalid (error, member);
  *out = v;
  return TRUE;
}

/* A string member; with allowed, one of them. */
static gboolean
read_text (JsonObject         *object,
           const char         *member,
           const char * const *allowed,
           char              **out,
           GError            **error)
{
  JsonNode *node = json_object_get_member (object, member);
  const char *v;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, member);
  v = json_node_get_string (node);
  if (*v == '\0' || strlen (v) > 64 || (allowed && !g_strv_contains (allowed, v)))
    return invalid (error, member);
  g_free (*out);
  *out = g_strdup (v);
  return TRUE;
}

/* A boolean member; absent leaves *out. */
static gboolean
read_bool (JsonObject *object,
           const char *member,
           gboolean   *out,
           GError    **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return invalid (error, member);
  *out = json_node_get_boolean (node);
  return TRUE;
}

static gboolean
read_pay (JsonObject   *object,
          WhJobFilters *filters,
          GError      **error)
{
  JsonNode *node = json_object_get_member (object, "pay");
  JsonObject *pay;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "pay");
  pay = json_node_get_object (node);
  if (!read_text (pay, "period", wh_salary_periods, &filters->pay_period, error) ||
      !read_int (pay, "min", 0, 10000000, &filters->pay_min, error) ||
      !read_int (pay, "max", 0, 10000000, &filters->pay_max, error))
    return FALSE;
  if (filters->pay_period == NULL || (filters->pay_max && filters->pay_max < filters->pay_min))
    return invalid (error, "pay");
  return TRUE;
}

static gboolean
read_welfare (JsonObject   *object,
              WhJobFilters *filters,
              GError      **error)
{
  JsonNode *node = json_object_get_member (object, "welfare");
  JsonArray *array;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node))
    return invalid (error, "welfare");
  array = json_node_get_array (node);
  if (json_array_get_length (array) > MAX_WELFARE)
    return invalid (error, "welfare");
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *item = json_array_get_element (array, i);
      const char *tag;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return invalid (error, "welfare");
      tag = json_node_get_string (item);
      if (*tag == '\0' || strlen (tag) > 64)
        return invalid (error, "welfare");
      /* Saved by a release that offered 日结 and 周结 among the benefits:
       * one control now, the settlement (which wins if both were set). */
      if (wh_job_settlement_tag (tag) != NULL)
        {
          if (filters->settlement == NULL)
            filters->settlement = g_strdup (wh_job_settlement_tag (tag));
          continue;
        }
      wh_job_filters_set_welfare (filters, tag, TRUE);
    }
  return TRUE;
}

WhJobFilters *
wh_job_filters_from_json (const char *json,
                          GError    **error)
{
  g_autoptr(WhJobFilters) filters = wh_job_filters_new ();
  g_autofree char *sort = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *object;
  gint64 version = FILTERS_VERSION, posted = 0;

  g_return_val_if_fail (json != NULL, NULL);

  /* A setting anyone can write by hand: through the same strict gate as
   * what a server sends, so "0110105" is refused, not read as octal. */
  root = wh_json_parse_bounded (json, strlen (json), 64 * 1024, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid (error, "root");
      return NULL;
    }
  object = json_node_get_object (root);
  if (!read_int (object, "version", 1, G_MAXINT, &version, error) ||
      !read_int (object, "region", 0, 999999, &filters->region, error) ||
      !read_text (object, "category", NULL, &filters->category, error) ||
      !read_pay (object, filters, error) ||
      !read_text (object, "settlement", wh_settlements, &filters->settlement, error) ||
      !read_welfare (object, filters, error) ||
      !read_int (object, "posted_within_days", 0, 3660, &posted, error) ||
      !read_bool (object, "show_closed", &filters->show_closed, error) ||
      !read_text (object, "sort", sort_names, &sort, error))
    return NULL;
  filters->posted_within = (guint) posted;
  for (guint i = 0; sort && i < G_N_ELEMENTS (sort_names); i++)
    if (strcmp (sort, sort_names[i]) == 0)
      filters->sort = i;
  return g_steal_pointer (&filters);
}

/* ---- Query ---------------------------------------------------------------- */

static void
format_day (GDate *day,
            char   text[16])
{
  g_snprintf (text, 16, "%04d-%02d-%02d", g_date_get_year (day), g_date_get_month (day),
              g_date_get_day (day));
}

gboolean
wh_job_is_closed (const WhRecord *job,
                  GDate          *today)
{
  char text[16];

  g_return_val_if_fail (job != NULL && job->collection == &wh_collection_jobs, FALSE);
  g_return_val_if_fail (today != NULL && g_date_valid (today), FALSE);

  if (!wh_record_is_set (job, "expires_at"))
    return FALSE;
  format_day (today, text);
  return strcmp (wh_record_get_text (job, "expires_at"), text) < 0;
}

const char *
wh_job_settlement_tag (const char *tag)
{
  static const char * const tags[][2] = {
    { "日结", "daily" }, { "周结", "weekly" }, { "月结", "monthly" },
  };

  for (guint i = 0; tag && i < G_N_ELEMENTS (tags); i++)
    if (strcmp (tag, tags[i][0]) == 0)
      return tags[i][1];
  return NULL;
}

WhQuery *
wh_job_filters_to_query (const WhJobFilters *filters,
                         const char         *search,
                         GDate              *today,
                         gboolean            has_origin,
                         double              lat,
                         double              lon)
{
  WhQuery *query;

  g_return_val_if_fail (filters != NULL, NULL);
  g_return_val_if_fail (today != NULL && g_date_valid (today), NULL);

  query = wh_query_new (&wh_collection_jobs);
  if (filters->region > 0)
    wh_query_where_region (query, filters->region);
  if (filters->category)
    wh_query_where_text (query, "category", WH_QUERY_EQ, filters->category);
  if (filters->pay_period)
    {
      /* Ranges that meet: the job's top reaches the least wanted, and its
       * bottom is within the most wanted. */
      wh_query_where_text (query, "salary_period", WH_QUERY_EQ, filters->pay_period);
      if (filters->pay_min > 0)
        wh_query_where_int (query, "salary_max", WH_QUERY_GE, filters->pay_min);
      if (filters->pay_max > 0)
        wh_query_where_int (query, "salary_min", WH_QUERY_LE, filters->pay_max);
    }
  if (filters->settlement)
    wh_query_where_text (query, "settlement", WH_QUERY_EQ, filters->settlement);
  for (guint i = 0; i < strv_len0 (filters->welfare); i++)
    wh_query_where_has (query, "welfare", filters->welfare[i]);
  if (filters->posted_within > 0)
    {
      GDate since = *today;
      char text[16];

      /* Within 1 day is today; within 7 days is today and the 6 before. */
      g_date_subtract_days (&since, filters->posted_within - 1);
      g_snprintf (text, sizeof text, "%04d-%02d-%02d", g_date_get_year (&since),
                  g_date_get_month (&since), g_date_get_day (&since));
      wh_query_where_text (query, "posted_at", WH_QUERY_GE, text);
    }
  if (!filters->show_closed)
    {
      char text[16];

      /* Open through its last day; a job with no end stays open. */
      format_day (today, text);
      wh_query_where_text_or_unset (query, "expires_at", WH_QUERY_GE, text);
    }
  if (search && *search)
    wh_query_set_match (query, search);

  if (filters->sort == WH_JOB_SORT_DISTANCE && has_origin)
    wh_query_set_order_distance (query, lat, lon);
  else if (filters->sort == WH_JOB_SORT_SALARY)
    /* Like with like: hourly and daily pay as what they come to in a month
     * (wh-schema.c says by which factors), highest first. */
    wh_query_set_order (query, "monthly_pay", TRUE);
  else
    wh_query_set_order (query, "posted_at", TRUE);
  return query;
}
