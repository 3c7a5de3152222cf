/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-codec"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "wh-codec.h"

typedef enum
{
  SCAN_OK,
  SCAN_TOO_DEEP,
  SCAN_NOT_JSON,
} ScanResult;

/* What RFC 8259 allows outside strings besides brackets and quotes:
 * whitespace, separators, and the characters of numbers, true, false, null. */
#define JSON_OUTSIDE_STRINGS " \t\n\r,:0123456789+-.eEtrufalsn"

/* JSON_OUTSIDE_STRINGS as a table: the scan looks at every byte of a page
 * (a megabyte), and strchr per byte was a tenth of the scan. */
static gboolean outside_ok[256];

static void
outside_ok_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      for (const char *p = JSON_OUTSIDE_STRINGS; *p; p++)
        outside_ok[(guchar) *p] = TRUE;
      g_once_init_leave (&done, 1);
    }
}

/* Walks the text once, outside strings, counting brackets. json-glib parses
 * recursively, so a document of a million '[' would exhaust the stack.
 * json-glib's lexer also takes comments and single-quoted strings, which
 * could hide a '"' from this walk and so every bracket after it, so outside
 * strings nothing but what JSON allows there is let through.
 *
 * And one value only: json-glib 1.6 takes "{...} {...}" (or "1 {...}"),
 * keeps the last value and leaks the ones before it (json-glib issue #74,
 * fixed in 1.10).
 *
 * And \u escapes of four hex digits (RFC 8259), and no lone surrogate
 * escape followed by another \u escape ("\udc00\ud800",
 * "\ud800\u0041"): json-glib 1.6's scanner leaks a string on those (found by
 * fuzz-json-bounded), so a hostile server could bleed a client's memory one
 * response at a time. A lone surrogate followed by anything else is left
 * to json-glib, which copes (see wh_error_body_parse). */
/* The value of four hex digits at data[start], or G_MAXUINT. */
static guint
parse_hex4 (const char *data,
            gsize       length,
            gsize       start)
{
  guint value = 0;

  if (start + 4 > length)
    return G_MAXUINT;
  for (gsize k = start; k < start + 4; k++)
    {
      int digit = g_ascii_xdigit_value (data[k]);

      if (digit < 0)
        return G_MAXUINT;
      value = value * 16 + (guint) digit;
    }
  return value;
}

static ScanResult
check_structure (const char *data,
                 gsize       length,
                 guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;
  gboolean started = FALSE; /* the top-level value has begun */
  gboolean ended = FALSE;   /* a top-level string or container has closed */

  outside_ok_init ();
  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\' && i + 1 < length && data[i + 1] == 'u')
            {
              guint unit = parse_hex4 (data, length, i + 2);
              gboolean next_is_escape = i + 7 < length && data[i + 6] == '\\' &&
                                        data[i + 7] == 'u';

              /* not four hex digits: not JSON, and the walk would lose step */
              if (unit == G_MAXUINT)
                return SCAN_NOT_JSON;
              if (unit >= 0xd800 && unit <= 0xdfff && next_is_escape)
                {
                  guint low = parse_hex4 (data, length, i + 8);

                  if (unit >= 0xdc00 || low < 0xdc00 || low > 0xdfff)
                    return SCAN_NOT_JSON;
                  i += 6; /* the pair's second half */
                }
              i += 5;
            }
          else if (c == '\\')
            i++;
          else if (c == '"')
            {
              in_string = FALSE;
              ended = depth == 0;
            }
          continue;
        }
      if (depth == 0 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
        {
          if (ended || (started && (c == '"' || c == '[' || c == '{')))
            return SCAN_NOT_JSON;
          started = TRUE;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            return SCAN_TOO_DEEP;
          break;
        case ']':
        case '}':
          if (depth == 0)
            return SCAN_NOT_JSON;
          ended = --depth == 0;
          break;
        default:
          if (!outside_ok[(guchar) c])
            return SCAN_NOT_JSON;
          break;
        }
    }
  return SCAN_OK;
}

JsonNode *
wh_json_parse_bounded (const char *data,
                       gsize       length,
                       gsize       max_length,
                       GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (data == NULL || length == 0)
    {
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
                           _("The server sent an empty response."));
      return NULL;
    }
  if (length > max_length || length > G_MAXSSIZE)
    {
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_LARGE,
                           _("The server sent a response that is too large."));
      return NULL;
    }
  if (!g_utf8_validate_len (data, length, NULL))
    {
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
                           _("The server sent text that is not valid UTF-8."));
      return NULL;
    }
  switch (check_structure (data, length, WH_MAX_JSON_DEPTH))
    {
    case SCAN_TOO_DEEP:
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_DEEP,
                           _("The server sent a response nested too deeply."));
      return NULL;
    case SCAN_NOT_JSON:
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
                           _("The server sent a response that is not valid JSON."));
      return NULL;
    case SCAN_OK:
    default:
      break;
    }

  /* Not json_parser_new_immutable: sealing every node costs a tenth of the
   * parse of a changes page, and nothing shares or changes these trees. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_debug ("JSON parse error: %s", local_error->message);
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
                           _("The server sent a response that is not valid JSON."));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
                           _("The server sent an empty response."));
      return NULL;
    }
  return json_node_ref (root);
}

WhPage *
wh_page_new (const WhCollection *collection)
{
  WhPage *page = g_new0 (WhPage, 1);

  page->collection = collection;
  page->records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  page->rejections = g_ptr_array_new_with_free_func (g_free);
  page->remaining = -1;
  return page;
}

void
wh_page_free (WhPage *page)
{
  if (page == NULL)
    return;
  g_ptr_array_unref (page->records);
  g_ptr_array_unref (page->rejections);
  g_free (page);
}

static gboolean
get_int_member (JsonObject *object,
                const char *name,
                gboolean    required,
                gint64     *out)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return !required;
  if (JSON_NODE_TYPE (node) != JSON_NODE_VALUE || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
envelope_error (GError    **error,
                const char *member)
{
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
               _("The server sent a page whose “%s” is missing or wrong."), member);
  return FALSE;
}

WhPage *
wh_page_from_json (const WhCollection *collection,
                   const char         *data,
                   gsize               length,
                   GError            **error)
{
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WhPage) page = NULL;
  JsonObject *object;
  JsonNode *member;
  JsonArray *records;
  gint64 previous_rev;

  g_return_val_if_fail (collection != NULL, NULL);

  root = wh_json_parse_bounded (data, length, WH_MAX_RESPONSE_BODY, error);
  if (root == NULL)
    return NULL;
  if (JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    return envelope_error (error, "{}"), NULL;
  object = json_node_get_object (root);
  page = wh_page_new (collection);

  member = json_object_get_member (object, "collection");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (member), collection->name) != 0)
    return envelope_error (error, "collection"), NULL;
  if (!get_int_member (object, "since", TRUE, &page->since) || page->since < 0)
    return envelope_error (error, "since"), NULL;
  if (!get_int_member (object, "next_since", TRUE, &page->next_since) ||
      page->next_since < page->since)
    return envelope_error (error, "next_since"), NULL;
  if (!get_int_member (object, "server_rev", TRUE, &page->server_rev) ||
      page->server_rev < page->next_since)
    return envelope_error (error, "server_rev"), NULL;
  /* A count; -1, as when it is absent, is "not asked for". */
  if (!get_int_member (object, "remaining", FALSE, &page->remaining) || page->remaining < -1)
    return envelope_error (error, "remaining"), NULL;
  member = json_object_get_member (object, "has_more");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_VALUE ||
      json_node_get_value_type (member) != G_TYPE_BOOLEAN)
    return envelope_error (error, "has_more"), NULL;
  page->has_more = json_node_get_boolean (member);

  member = json_object_get_member (object, "records");
  if (member == NULL || JSON_NODE_TYPE (member) != JSON_NODE_ARRAY)
    return envelope_error (error, "records"), NULL;
  records = json_node_get_array (member);
  if (json_array_get_length (records) > WH_MAX_PAGE_LIMIT)
    return envelope_error (error, "records"), NULL;

  /* The cursor only moves forward and covers every record it skips past: a
   * record at or below since, or above next_since, means the page is lying. */
  previous_rev = page->since;
  for (guint i = 0; i < json_array_get_length (records); i++)
    {
      g_autoptr(GError) record_error = NULL;
      WhRecord *record = wh_record_from_json (collection, json_array_get_element (records, i),
                                              &record_error);

      if (record == NULL)
        {
          g_ptr_array_add (page->rejections, g_strdup (record_error->message));
          page->n_rejected++;
          continue;
        }
      if (record->rev <= previous_rev || record->rev > page->next_since)
        {
          wh_record_free (record);
          return envelope_error (error, "rev"), NULL;
        }
      previous_rev = record->rev;
      g_ptr_array_add (page->records, record);
    }

  return g_steal_pointer (&page);
}

char *
wh_page_to_json (const WhPage *page,
                 gsize        *length)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "collection");
  json_builder_add_string_value (builder, page->collection->name);
  json_builder_set_member_name (builder, "since");
  json_builder_add_int_value (builder, page->since);
  json_builder_set_member_name (builder, "next_since");
  json_builder_add_int_value (builder, page->next_since);
  json_builder_set_member_name (builder, "server_rev");
  json_builder_add_int_value (builder, page->server_rev);
  json_builder_set_member_name (builder, "has_more");
  json_builder_add_boolean_value (builder, page->has_more);
  if (page->remaining >= 0)
    {
      json_builder_set_member_name (builder, "remaining");
      json_builder_add_int_value (builder, page->remaining);
    }
  json_builder_set_member_name (builder, "records");
  json_builder_begin_array (builder);
  for (guint i = 0; i < page->records->len; i++)
    wh_record_to_builder (g_ptr_array_index (page->records, i), builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  return json_generator_to_data (generator, length);
}

char *
wh_error_body_new (const char *code,
                   const char *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "error");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, code);
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, message);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

/* json-glib's *_member_with_default getters emit a critical for a member
 * that is an array or an object; a hostile body must not be able to. */
static const char *
get_string_member (JsonObject *object,
                   const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || JSON_NODE_TYPE (node) != JSON_NODE_VALUE ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

gboolean
wh_error_body_parse (const char *data,
                     gsize       length,
                     char      **code,
                     char      **message)
{
  g_autoptr(JsonNode) root = wh_json_parse_bounded (data, length, 64 * 1024, NULL);
  JsonObject *object, *error_object;
  const char *c, *m;

  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    return FALSE;
  object = json_node_get_object (root);
  if (!json_object_has_member (object, "error") ||
      JSON_NODE_TYPE (json_object_get_member (object, "error")) != JSON_NODE_OBJECT)
    return FALSE;
  error_object = json_object_get_object_member (object, "error");
  c = get_string_member (error_object, "code");
  m = get_string_member (error_object, "message");
  /* json-glib 1.6 decodes a lone surrogate escape ("\udddd") into bytes
   * that are not UTF-8, so valid input can still yield an invalid code. */
  if (c == NULL || strlen (c) > 64 || !g_utf8_validate (c, -1, NULL))
    return FALSE;
  if (code)
    *code = g_strdup (c);
  if (message)
    *message = m ? g_utf8_make_valid (m, MIN (strlen (m), 1024)) : g_strdup ("");
  return TRUE;
}

WhRecord *
wh_record_parse (const WhCollection *collection,
                 const char         *data,
                 gsize               length,
                 GError            **error)
{
  g_autoptr(JsonNode) root = wh_json_parse_bounded (data, length, 1024 * 1024, error);

  if (root == NULL)
    return NULL;
  return wh_record_from_json (collection, root, error);
}

GPtrArray *
wh_record_list_parse (const WhCollection *collection,
                      const char         *member,
                      const char         *data,
                      gsize               length,
                      GError            **error)
{
  g_autoptr(JsonNode) root = wh_json_parse_bounded (data, length, 8 * 1024 * 1024, error);
  g_autoptr(GPtrArray) records = NULL;
  JsonNode *list;
  JsonArray *array;

  if (root == NULL)
    return NULL;
  if (JSON_NODE_TYPE (root) != JSON_NODE_OBJECT ||
      (list = json_object_get_member (json_node_get_object (root), member)) == NULL ||
      JSON_NODE_TYPE (list) != JSON_NODE_ARRAY)
    {
      envelope_error (error, member);
      return NULL;
    }
  array = json_node_get_array (list);
  records = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      WhRecord *record = wh_record_from_json (collection, json_array_get_element (array, i), error);
      if (record == NULL)
        return NULL;
      g_ptr_array_add (records, record);
    }
  return g_steal_pointer (&records);
}

char *
wh_record_list_to_json (const char *member,
                        GPtrArray  *records)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, member);
  json_builder_begin_array (builder);
  for (guint i = 0; i < records->len; i++)
    wh_record_to_builder (g_ptr_array_index (records, i), builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}
