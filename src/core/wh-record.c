/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-record"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "wh-record.h"

G_DEFINE_QUARK (wh-codec-error-quark, wh_codec_error)

#define SEP_STR "\x1f"

WhRecord *
wh_record_new (const WhCollection *collection)
{
  WhRecord *record;

  g_return_val_if_fail (collection != NULL, NULL);

  record = g_malloc0 (sizeof (WhRecord) + collection->n_fields * sizeof (WhValue));
  record->collection = collection;
  return record;
}

void
wh_record_clear_values (WhRecord *record)
{
  for (guint i = 0; i < record->collection->n_fields; i++)
    {
      g_clear_pointer (&record->values[i].s, g_free);
      memset (&record->values[i], 0, sizeof (WhValue));
    }
}

void
wh_record_free (WhRecord *record)
{
  if (record == NULL)
    return;
  wh_record_clear_values (record);
  g_free (record);
}

WhRecord *
wh_record_copy (const WhRecord *record)
{
  WhRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = wh_record_new (record->collection);
  copy->id = record->id;
  copy->rev = record->rev;
  copy->deleted = record->deleted;
  for (guint i = 0; i < record->collection->n_fields; i++)
    {
      copy->values[i] = record->values[i];
      copy->values[i].s = g_strdup (record->values[i].s);
    }
  return copy;
}

gboolean
wh_record_equal (const WhRecord *a,
                 const WhRecord *b)
{
  if (a->collection != b->collection || a->id != b->id || a->deleted != b->deleted)
    return FALSE;
  for (guint i = 0; i < a->collection->n_fields; i++)
    {
      const WhValue *va = &a->values[i], *vb = &b->values[i];

      if (va->is_set != vb->is_set)
        return FALSE;
      if (!va->is_set)
        continue;
      switch (a->collection->fields[i].type)
        {
        case WH_TYPE_INT:
        case WH_TYPE_BOOL:
          if (va->i != vb->i)
            return FALSE;
          break;
        case WH_TYPE_REAL:
          /* Exactly: the codec keeps every double as it is (-0.0 and 0.0,
           * which SQLite does not tell apart, compare equal). */
          if (va->d != vb->d)
            return FALSE;
          break;
        case WH_TYPE_TEXT:
        case WH_TYPE_STRV:
        case WH_TYPE_INTV:
          if (g_strcmp0 (va->s, vb->s) != 0)
            return FALSE;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return TRUE;
}

static WhValue *
lookup_value (const WhRecord *record,
              const char     *field,
              WhType          type)
{
  guint index;
  const WhField *f = wh_collection_find_field (record->collection, field, &index);

  if (f == NULL)
    g_error ("Collection %s has no field %s", record->collection->name, field);
  if (f->type != type)
    g_error ("Field %s.%s has another type", record->collection->name, field);
  return (WhValue *) &record->values[index];
}

void
wh_record_set_int (WhRecord   *record,
                   const char *field,
                   gint64      value)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_INT);
  v->is_set = TRUE;
  v->i = value;
}

void
wh_record_set_real (WhRecord   *record,
                    const char *field,
                    double      value)
{
  WhValue *v;

  /* JSON has no NaN or infinity, and no decoded record holds one. */
  g_return_if_fail (isfinite (value));

  v = lookup_value (record, field, WH_TYPE_REAL);
  v->is_set = TRUE;
  v->d = value;
}

void
wh_record_set_bool (WhRecord   *record,
                    const char *field,
                    gboolean    value)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_BOOL);
  v->is_set = TRUE;
  v->i = value ? 1 : 0;
}

void
wh_record_take_text (WhRecord   *record,
                     const char *field,
                     char       *value)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_TEXT);
  g_free (v->s);
  v->s = value;
  v->is_set = value != NULL;
}

void
wh_record_set_text (WhRecord   *record,
                    const char *field,
                    const char *value)
{
  wh_record_take_text (record, field, g_strdup (value));
}

void
wh_record_set_strv (WhRecord           *record,
                    const char         *field,
                    const char * const *value)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_STRV);
  g_free (v->s);
  v->s = value ? g_strjoinv (SEP_STR, (char **) value) : NULL;
  v->is_set = value != NULL;
}

void
wh_record_set_intv (WhRecord     *record,
                    const char   *field,
                    const gint64 *values,
                    guint         n_values)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_INTV);
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n_values; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", values[i]);
  g_free (v->s);
  v->s = g_string_free (s, FALSE);
  v->is_set = TRUE;
}

void
wh_record_unset (WhRecord   *record,
                 const char *field)
{
  guint index;

  if (!wh_collection_find_field (record->collection, field, &index))
    g_error ("Collection %s has no field %s", record->collection->name, field);
  g_clear_pointer (&record->values[index].s, g_free);
  memset (&record->values[index], 0, sizeof (WhValue));
}

gboolean
wh_record_is_set (const WhRecord *record,
                  const char     *field)
{
  guint index;

  if (!wh_collection_find_field (record->collection, field, &index))
    g_error ("Collection %s has no field %s", record->collection->name, field);
  return record->values[index].is_set;
}

gint64
wh_record_get_int (const WhRecord *record,
                   const char     *field)
{
  return lookup_value (record, field, WH_TYPE_INT)->i;
}

double
wh_record_get_real (const WhRecord *record,
                    const char     *field)
{
  return lookup_value (record, field, WH_TYPE_REAL)->d;
}

gboolean
wh_record_get_bool (const WhRecord *record,
                    const char     *field)
{
  return lookup_value (record, field, WH_TYPE_BOOL)->i != 0;
}

const char *
wh_record_get_text (const WhRecord *record,
                    const char     *field)
{
  return lookup_value (record, field, WH_TYPE_TEXT)->s;
}

char **
wh_record_dup_strv (const WhRecord *record,
                    const char     *field)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_STRV);

  if (!v->is_set || v->s == NULL || v->s[0] == '\0')
    return g_new0 (char *, 1);
  return g_strsplit (v->s, SEP_STR, -1);
}

GArray *
wh_record_dup_intv (const WhRecord *record,
                    const char     *field)
{
  WhValue *v = lookup_value (record, field, WH_TYPE_INTV);
  GArray *array = g_array_new (FALSE, FALSE, sizeof (gint64));
  const char *p;

  if (!v->is_set || v->s == NULL)
    return array;
  for (p = v->s; *p;)
    {
      char *end;
      gint64 n = g_ascii_strtoll (p, &end, 10);

      if (end == p)
        break;
      g_array_append_val (array, n);
      p = *end == ',' ? end + 1 : end;
    }
  return array;
}

/* ---- Validation ------------------------------------------------------- */

static gboolean
two_digits (const char *s,
            int        *out)
{
  if (!g_ascii_isdigit (s[0]) || !g_ascii_isdigit (s[1]))
    return FALSE;
  *out = (s[0] - '0') * 10 + (s[1] - '0');
  return TRUE;
}

static gboolean
parse_time (const char *s,
            int        *minutes)
{
  int h, m;

  if (!two_digits (s, &h) || s[2] != ':' || !two_digits (s + 3, &m))
    return FALSE;
  if (h > 24 || m > 59 || (h == 24 && m != 0))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

gboolean
wh_window_parse (const char *window,
                 int        *start,
                 int        *end)
{
  int a, b;

  if (window == NULL || strlen (window) != 11 || !parse_time (window, &a) || window[5] != '-' ||
      !parse_time (window + 6, &b) || a >= b)
    return FALSE;
  *start = a;
  *end = b;
  return TRUE;
}

gboolean
wh_windows_contain (const char * const *windows,
                    int                 minute)
{
  for (guint i = 0; windows && windows[i]; i++)
    {
      int start, end;

      if (wh_window_parse (windows[i], &start, &end) && start <= minute && minute < end)
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_format (const WhField *field,
              const char    *s)
{
  switch (field->format)
    {
    case WH_FORMAT_NONE:
      return TRUE;
    case WH_FORMAT_ENUM:
      return field->values && g_strv_contains (field->values, s);
    case WH_FORMAT_DATE:
      {
        int y1, y2, mo, d;
        if (strlen (s) != 10 || !two_digits (s, &y1) || !two_digits (s + 2, &y2) || s[4] != '-' ||
            !two_digits (s + 5, &mo) || s[7] != '-' || !two_digits (s + 8, &d))
          return FALSE;
        return g_date_valid_dmy (d, mo, y1 * 100 + y2);
      }
    case WH_FORMAT_TIME:
      {
        int m;
        return strlen (s) == 5 && parse_time (s, &m);
      }
    case WH_FORMAT_WINDOW:
      {
        int a, b;
        return wh_window_parse (s, &a, &b);
      }
    case WH_FORMAT_DATETIME:
      {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
        g_autoptr(GDateTime) dt = NULL;
        if (strlen (s) < 10 || strlen (s) > 40)
          return FALSE;
        dt = g_date_time_new_from_iso8601 (s, utc);
        return dt != NULL;
      }
    case WH_FORMAT_PATH:
      if (s[0] == '\0' || s[0] == '/' || strstr (s, "..") != NULL)
        return FALSE;
      for (const char *p = s; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '.' && *p != '_' && *p != '/' && *p != '-')
          return FALSE;
      return TRUE;
    case WH_FORMAT_PHONE:
      {
        gsize len = strlen (s);
        if (len < 3 || len > 32)
          return FALSE;
        for (const char *p = s; *p; p++)
          if (!g_ascii_isdigit (*p) && *p != '+' && *p != '-' && *p != ' ')
            return FALSE;
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

/* Control characters have no place in any field but a long text's line
 * breaks and tabs; in list items they would also break the storage form. */
static gboolean
has_bad_controls (const char *s,
                  gboolean    allow_whitespace)
{
  for (const guchar *p = (const guchar *) s; *p; p++)
    if (*p < 0x20 || *p == 0x7f)
      {
        if (allow_whitespace && (*p == '\n' || *p == '\t' || *p == '\r'))
          continue;
        return TRUE;
      }
  return FALSE;
}

/* What a value's checks say, the same from JSON and from SQL (a region
 * snapshot's rows, wh_record_check_sql_values). */
static gboolean
out_of_range (const WhField *field,
              GError       **error)
{
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
               _("The field “%s” is out of range."), field->name);
  return FALSE;
}

static gboolean
wrong_count (const WhField *field,
             GError       **error)
{
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
               _("The list “%s” has a wrong number of items."), field->name);
  return FALSE;
}

static gboolean
wrong_format (const WhField *field,
              GError       **error)
{
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
               _("The field “%s” has a value in the wrong format."), field->name);
  return FALSE;
}

static gboolean
check_item_text (const WhField *field,
                 const char    *s,
                 gsize          max_len,
                 gboolean       allow_whitespace,
                 GError       **error)
{
  gsize len = strlen (s);

  if (len > max_len)
    {
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_LARGE,
                   _("The field “%s” is longer than %u bytes."), field->name,
                   (guint) max_len);
      return FALSE;
    }
  if (!g_utf8_validate_len (s, len, NULL) || has_bad_controls (s, allow_whitespace))
    {
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The field “%s” holds characters that are not allowed."), field->name);
      return FALSE;
    }
  if (!check_format (field, s))
    return wrong_format (field, error);
  return TRUE;
}

gboolean
wh_field_check_text (const WhField *field,
                     const char    *value,
                     GError       **error)
{
  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  return check_item_text (field, value, (gsize) field->max, TRUE, error);
}

static gboolean
invalid (GError    **error,
         const char *collection,
         const char *field)
{
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
               _("The server sent a %s record whose field “%s” is missing or of the wrong type."),
               collection, field);
  return FALSE;
}

static gboolean
node_get_int (JsonNode *node,
              gint64   *out)
{
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
decode_value (const WhCollection *collection,
              const WhField      *field,
              JsonNode           *node,
              WhValue            *value,
              GError            **error)
{
  switch (field->type)
    {
    case WH_TYPE_INT:
      if (!node_get_int (node, &value->i))
        return invalid (error, collection->name, field->name);
      if ((double) value->i < field->min || (double) value->i > field->max)
        return out_of_range (field, error);
      break;

    case WH_TYPE_REAL:
      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE)
        return invalid (error, collection->name, field->name);
      if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        value->d = json_node_get_double (node);
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        value->d = (double) json_node_get_int (node);
      else
        return invalid (error, collection->name, field->name);
      if (!isfinite (value->d) || value->d < field->min || value->d > field->max)
        return out_of_range (field, error);
      break;

    case WH_TYPE_BOOL:
      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
          json_node_get_value_type (node) != G_TYPE_BOOLEAN)
        return invalid (error, collection->name, field->name);
      value->i = json_node_get_boolean (node) ? 1 : 0;
      break;

    case WH_TYPE_TEXT:
      if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
          json_node_get_value_type (node) != G_TYPE_STRING)
        return invalid (error, collection->name, field->name);
      if (!wh_field_check_text (field, json_node_get_string (node), error))
        return FALSE;
      value->s = g_strdup (json_node_get_string (node));
      break;

    case WH_TYPE_STRV:
    case WH_TYPE_INTV:
      {
        JsonArray *array;
        guint n;
        GString *joined;

        if (JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
          return invalid (error, collection->name, field->name);
        array = json_node_get_array (node);
        n = json_array_get_length (array);
        if (n < field->min || n > field->max)
          return wrong_count (field, error);
        joined = g_string_new (NULL);
        for (guint i = 0; i < n; i++)
          {
            JsonNode *item = json_array_get_element (array, i);

            if (i > 0)
              g_string_append_c (joined, field->type == WH_TYPE_STRV ? WH_STRV_SEPARATOR : ',');
            if (field->type == WH_TYPE_STRV)
              {
                if (JSON_NODE_TYPE (item) != JSON_NODE_VALUE ||
                    json_node_get_value_type (item) != G_TYPE_STRING ||
                    !check_item_text (field, json_node_get_string (item), field->max_item, FALSE,
                                      error))
                  {
                    g_string_free (joined, TRUE);
                    return error && *error ? FALSE : invalid (error, collection->name, field->name);
                  }
                g_string_append (joined, json_node_get_string (item));
              }
            else
              {
                gint64 n_item;

                if (!node_get_int (item, &n_item) || n_item < 0 || n_item > field->max_item)
                  {
                    g_string_free (joined, TRUE);
                    return invalid (error, collection->name, field->name);
                  }
                g_string_append_printf (joined, "%" G_GINT64_FORMAT, n_item);
              }
          }
        value->s = g_string_free (joined, FALSE);
      }
      break;

    default:
      g_assert_not_reached ();
    }

  value->is_set = TRUE;
  return TRUE;
}

WhRecord *
wh_record_from_json (const WhCollection *collection,
                     JsonNode           *node,
                     GError            **error)
{
  g_autoptr(WhRecord) record = NULL;
  JsonObject *object;
  JsonNode *member;
  gboolean synced;

  g_return_val_if_fail (collection != NULL, NULL);
  g_return_val_if_fail (node != NULL, NULL);

  if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
    {
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The server sent a %s record that is not an object."), collection->name);
      return NULL;
    }
  object = json_node_get_object (node);
  record = wh_record_new (collection);
  synced = (collection->flags & WH_COLLECTION_SYNCED) != 0;

  if (synced)
    {
      if ((member = json_object_get_member (object, "id")) == NULL ||
          !node_get_int (member, &record->id) || record->id < 1)
        return invalid (error, collection->name, "id"), NULL;
      if ((member = json_object_get_member (object, "rev")) == NULL ||
          !node_get_int (member, &record->rev) || record->rev < 1)
        return invalid (error, collection->name, "rev"), NULL;
      if ((member = json_object_get_member (object, "deleted")) != NULL &&
          !JSON_NODE_HOLDS_NULL (member))
        {
          if (JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
              json_node_get_value_type (member) != G_TYPE_BOOLEAN)
            return invalid (error, collection->name, "deleted"), NULL;
          record->deleted = json_node_get_boolean (member);
        }
      /* A tombstone carries nothing but its identity. */
      if (record->deleted)
        return g_steal_pointer (&record);
    }

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const WhField *field = &collection->fields[i];

      member = json_object_get_member (object, field->name);
      if (member == NULL || JSON_NODE_HOLDS_NULL (member))
        {
          if (field->flags & WH_FIELD_REQUIRED)
            return invalid (error, collection->name, field->name), NULL;
          continue;
        }
      if (!decode_value (collection, field, member, &record->values[i], error))
        return NULL;
    }

  return g_steal_pointer (&record);
}

void
wh_record_to_builder (const WhRecord *record,
                      JsonBuilder    *builder)
{
  const WhCollection *collection = record->collection;

  json_builder_begin_object (builder);
  if (collection->flags & WH_COLLECTION_SYNCED)
    {
      json_builder_set_member_name (builder, "id");
      json_builder_add_int_value (builder, record->id);
      json_builder_set_member_name (builder, "rev");
      json_builder_add_int_value (builder, record->rev);
      if (record->deleted)
        {
          json_builder_set_member_name (builder, "deleted");
          json_builder_add_boolean_value (builder, TRUE);
          json_builder_end_object (builder);
          return;
        }
    }

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const WhField *field = &collection->fields[i];
      const WhValue *value = &record->values[i];

      if (!value->is_set)
        continue;
      json_builder_set_member_name (builder, field->name);
      switch (field->type)
        {
        case WH_TYPE_INT:
          json_builder_add_int_value (builder, value->i);
          break;
        case WH_TYPE_REAL:
          /* JSON has no way to write NaN or infinity, and none can be set
           * (wh_record_set_real) or decoded: never write one. */
          if (G_LIKELY (isfinite (value->d)))
            json_builder_add_double_value (builder, value->d);
          else
            json_builder_add_null_value (builder);
          break;
        case WH_TYPE_BOOL:
          json_builder_add_boolean_value (builder, value->i != 0);
          break;
        case WH_TYPE_TEXT:
          json_builder_add_string_value (builder, value->s ? value->s : "");
          break;
        case WH_TYPE_STRV:
          json_builder_begin_array (builder);
          if (value->s && value->s[0])
            {
              const char *p = value->s;
              for (;;)
                {
                  const char *end = strchr (p, WH_STRV_SEPARATOR);
                  g_autofree char *item = g_strndup (p, end ? (gsize) (end - p) : strlen (p));
                  json_builder_add_string_value (builder, item);
                  if (!end)
                    break;
                  p = end + 1;
                }
            }
          json_builder_end_array (builder);
          break;
        case WH_TYPE_INTV:
          {
            g_autoptr(GArray) ints = wh_record_dup_intv (record, field->name);
            json_builder_begin_array (builder);
            for (guint k = 0; k < ints->len; k++)
              json_builder_add_int_value (builder, g_array_index (ints, gint64, k));
            json_builder_end_array (builder);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
  json_builder_end_object (builder);
}

JsonNode *
wh_record_to_json (const WhRecord *record)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (record != NULL, NULL);

  wh_record_to_builder (record, builder);
  return json_builder_get_root (builder);
}

/* ---- SQL -------------------------------------------------------------- */

static const char *
sql_type (WhType type)
{
  switch (type)
    {
    case WH_TYPE_INT:
    case WH_TYPE_BOOL:
      return "INTEGER";
    case WH_TYPE_REAL:
      return "REAL";
    case WH_TYPE_TEXT:
    case WH_TYPE_STRV:
    case WH_TYPE_INTV:
      return "TEXT";
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

char *
wh_collection_sql_column_defs (const WhCollection *collection)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < collection->n_fields; i++)
    g_string_append_printf (s, "%s%s %s", i ? ", " : "", collection->fields[i].name,
                            sql_type (collection->fields[i].type));
  return g_string_free (s, FALSE);
}

char *
wh_collection_sql_column_names (const WhCollection *collection,
                                const char         *prefix)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < collection->n_fields; i++)
    g_string_append_printf (s, "%s%s%s", i ? ", " : "", prefix ? prefix : "",
                            collection->fields[i].name);
  return g_string_free (s, FALSE);
}

char *
wh_collection_sql_placeholders (const WhCollection *collection)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < collection->n_fields; i++)
    g_string_append (s, i ? ", ?" : "?");
  return g_string_free (s, FALSE);
}

void
wh_record_bind_values (const WhRecord *record,
                       sqlite3_stmt   *stmt,
                       int             first_param)
{
  const WhCollection *collection = record->collection;

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const WhValue *value = &record->values[i];
      int param = first_param + (int) i;

      if (!value->is_set || record->deleted)
        {
          sqlite3_bind_null (stmt, param);
          continue;
        }
      switch (collection->fields[i].type)
        {
        case WH_TYPE_INT:
        case WH_TYPE_BOOL:
          sqlite3_bind_int64 (stmt, param, value->i);
          break;
        case WH_TYPE_REAL:
          sqlite3_bind_double (stmt, param, value->d);
          break;
        default:
          sqlite3_bind_text (stmt, param, value->s ? value->s : "", -1, SQLITE_STATIC);
          break;
        }
    }
}

void
wh_record_read_values (WhRecord     *record,
                       sqlite3_stmt *stmt,
                       int           first_column)
{
  const WhCollection *collection = record->collection;

  wh_record_clear_values (record);
  for (guint i = 0; i < collection->n_fields; i++)
    {
      WhValue *value = &record->values[i];
      int column = first_column + (int) i;

      if (sqlite3_column_type (stmt, column) == SQLITE_NULL)
        continue;
      value->is_set = TRUE;
      switch (collection->fields[i].type)
        {
        case WH_TYPE_INT:
        case WH_TYPE_BOOL:
          value->i = sqlite3_column_int64 (stmt, column);
          break;
        case WH_TYPE_REAL:
          value->d = sqlite3_column_double (stmt, column);
          break;
        default:
          value->s = g_strdup ((const char *) sqlite3_column_text (stmt, column));
          break;
        }
    }
}

/* The checks of decode_value over a value as the SQL form stores it (a
 * region snapshot's row, see wh-store-snapshot.c): the type SQLite reports,
 * the range or length, and for lists each item as from_json checks it. */
static gboolean
check_sql_list (const WhField *field,
                const char    *s,
                GError       **error)
{
  g_auto(GStrv) items = NULL;
  guint n;

  items = s[0] == '\0' ? g_new0 (char *, 1)
                       : g_strsplit (s, field->type == WH_TYPE_STRV ? SEP_STR : ",", -1);
  n = g_strv_length (items);
  if (n < field->min || n > field->max)
    return wrong_count (field, error);
  for (guint i = 0; i < n; i++)
    {
      if (field->type == WH_TYPE_STRV)
        {
          if (!check_item_text (field, items[i], field->max_item, FALSE, error))
            return FALSE;
          continue;
        }
      else
        {
          guint64 value;

          /* Canonical decimals only: what decode_value writes. */
          if (!g_ascii_string_to_unsigned (items[i], 10, 0, (guint64) field->max_item, &value,
                                           NULL) ||
              (items[i][0] == '0' && items[i][1] != '\0'))
            return wrong_format (field, error);
        }
    }
  return TRUE;
}

gboolean
wh_record_check_sql_values (const WhCollection *collection,
                            sqlite3_stmt       *stmt,
                            int                 first_column,
                            GError            **error)
{
  g_return_val_if_fail (collection != NULL, FALSE);
  g_return_val_if_fail (stmt != NULL, FALSE);

  for (guint i = 0; i < collection->n_fields; i++)
    {
      const WhField *field = &collection->fields[i];
      int column = first_column + (int) i;
      int type = sqlite3_column_type (stmt, column);

      if (type == SQLITE_NULL)
        {
          if (field->flags & WH_FIELD_REQUIRED)
            return invalid (error, collection->name, field->name);
          continue;
        }
      switch (field->type)
        {
        case WH_TYPE_INT:
        case WH_TYPE_BOOL:
          {
            gint64 value = sqlite3_column_int64 (stmt, column);
            gboolean in_range = field->type == WH_TYPE_BOOL
                                ? value == 0 || value == 1
                                : (double) value >= field->min && (double) value <= field->max;

            if (type != SQLITE_INTEGER)
              return invalid (error, collection->name, field->name);
            if (!in_range)
              return out_of_range (field, error);
          }
          break;

        case WH_TYPE_REAL:
          {
            double value = sqlite3_column_double (stmt, column);

            if (type != SQLITE_FLOAT && type != SQLITE_INTEGER)
              return invalid (error, collection->name, field->name);
            if (!isfinite (value) || value < field->min || value > field->max)
              return out_of_range (field, error);
          }
          break;

        default:
          {
            const char *text;
            int bytes;

            if (type != SQLITE_TEXT)
              return invalid (error, collection->name, field->name);
            text = (const char *) sqlite3_column_text (stmt, column);
            bytes = sqlite3_column_bytes (stmt, column);
            /* A NUL inside would hide the rest from every check. */
            if (text == NULL || strlen (text) != (gsize) bytes)
              return invalid (error, collection->name, field->name);
            if (field->type == WH_TYPE_TEXT ? !wh_field_check_text (field, text, error)
                                            : !check_sql_list (field, text, error))
              return FALSE;
          }
          break;
        }
    }
  return TRUE;
}
