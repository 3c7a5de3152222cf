/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-codec"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>

#include "wh-codec.h"

/* Why a check of our own in front of json-glib: json-glib 1.6 parses with a
 * GScanner and takes much that RFC 8259 refuses, and changes values on the
 * way: "012" is octal 10, ".2", "1." and "- 1" are numbers, raw tabs and
 * newlines pass inside strings, "\x00" and "\a" are escapes, an integer
 * past 64 bits wraps or saturates ("-123123123123123123123123123123" is 1),
 * "A\u0000B" becomes "A", a lone surrogate escape becomes bytes that are not
 * UTF-8, comments and single-quoted strings are read, and "{...} {...}"
 * keeps the last value and leaks the others (json-glib issue #74, fixed in
 * 1.10). It also has no nesting limit: it recurses once per level, so a
 * million '[' would exhaust the stack. And it has no strict mode.
 *
 * So every text from outside first passes this one walk over its bytes,
 * which follows the grammar of RFC 8259 sections 2 to 7 exactly and adds
 * the contract's limits (data/api/CONTRACT.md):
 * - nesting at most WH_MAX_JSON_DEPTH levels;
 * - no "\u0000": the contract's text cannot hold NUL (C strings, SQLite
 *   TEXT), and json-glib would cut the string there;
 * - no unpaired surrogate escape ("\ud800" alone, "\udc00"): RFC 8259
 *   section 8.2 leaves their meaning open and json-glib turns them into
 *   invalid UTF-8 (I-JSON, RFC 7493, refuses them too);
 * - an integer literal (no '.', no exponent) within ±(2^53−1), so it is
 *   never wrapped, saturated or rounded;
 * - any other number finite and not rounded to zero as a double, so a
 *   value is never silently replaced by infinity or 0.
 * UTF-8 validity is checked before, over the whole text. What passes is
 * parsed by json-glib to the same values a strict parser would give. */
typedef enum
{
  JSON_OK,
  JSON_TOO_DEEP,
  JSON_UNEXPECTED,      /* a character the grammar has no place for */
  JSON_TRUNCATED,       /* the text ends inside a value */
  JSON_TRAILING,        /* something after the one value */
  JSON_BAD_NUMBER,      /* "012", ".2", "1.", "1e", "-", "- 1" */
  JSON_RAW_CONTROL,     /* a control character inside a string */
  JSON_BAD_ESCAPE,      /* "\x00", "\a", "\u12" */
  JSON_NUL,             /* "\u0000" */
  JSON_LONE_SURROGATE,  /* "\ud800" not followed by "\udc00"-"\udfff" */
  JSON_INT_RANGE,       /* an integer beyond ±(2^53−1) */
  JSON_REAL_RANGE,      /* a number that is infinite or 0 as a double */
} JsonCheck;

/* What the walk expects next. */
typedef enum
{
  EXPECT_VALUE,
  EXPECT_VALUE_OR_CLOSE, /* after '[' */
  EXPECT_KEY,            /* after ',' in an object */
  EXPECT_KEY_OR_CLOSE,   /* after '{' */
  EXPECT_COLON,
  EXPECT_COMMA_OR_CLOSE,
  EXPECT_END,
} Expect;

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

/* The string whose opening quote is at data[*i]; *i ends past its closing
 * quote, or at the fault. */
static JsonCheck
check_string (const char *data,
              gsize       length,
              gsize      *i)
{
  gsize p = *i + 1;

  for (;;)
    {
      guchar c;

      if (p >= length)
        {
          *i = p;
          return JSON_TRUNCATED;
        }
      c = (guchar) data[p];
      if (c == '"')
        break;
      if (c < 0x20)
        {
          *i = p;
          return JSON_RAW_CONTROL;
        }
      if (c != '\\')
        {
          p++;
          continue;
        }
      *i = p;
      if (p + 1 >= length)
        return JSON_TRUNCATED;
      switch (data[p + 1])
        {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
          p += 2;
          break;
        case 'u':
          {
            guint unit = parse_hex4 (data, length, p + 2);

            if (unit == G_MAXUINT)
              return JSON_BAD_ESCAPE;
            if (unit == 0)
              return JSON_NUL;
            if (unit >= 0xdc00 && unit <= 0xdfff)
              return JSON_LONE_SURROGATE;
            if (unit >= 0xd800 && unit <= 0xdbff)
              {
                guint low;

                if (p + 7 >= length || data[p + 6] != '\\' || data[p + 7] != 'u')
                  return JSON_LONE_SURROGATE;
                low = parse_hex4 (data, length, p + 8);
                if (low == G_MAXUINT)
                  {
                    *i = p + 6;
                    return JSON_BAD_ESCAPE;
                  }
                if (low < 0xdc00 || low > 0xdfff)
                  return JSON_LONE_SURROGATE;
                p += 6;
              }
            p += 6;
          }
          break;
        default:
          return JSON_BAD_ESCAPE;
        }
    }
  *i = p + 1;
  return JSON_OK;
}

/* The number starting at data[*i] (a '-' or a digit); *i ends past it, or
 * at the fault. */
static JsonCheck
check_number (const char *data,
              gsize       length,
              gsize      *i)
{
  gsize start = *i, p = *i, digits;
  gboolean integer = TRUE, nonzero = FALSE;

#define DIGIT_AT(k) ((k) < length && g_ascii_isdigit (data[k]))
  if (data[p] == '-')
    p++;
  digits = p;
  if (!DIGIT_AT (p))
    goto bad;
  if (data[p] == '0')
    {
      p++;
      if (DIGIT_AT (p))
        goto bad;
    }
  else
    {
      nonzero = TRUE;
      while (DIGIT_AT (p))
        p++;
    }
  if (p < length && data[p] == '.')
    {
      integer = FALSE;
      if (!DIGIT_AT (p + 1))
        goto bad;
      for (p++; DIGIT_AT (p); p++)
        nonzero |= data[p] != '0';
    }
  if (p < length && (data[p] == 'e' || data[p] == 'E'))
    {
      integer = FALSE;
      p++;
      if (p < length && (data[p] == '+' || data[p] == '-'))
        p++;
      if (!DIGIT_AT (p))
        goto bad;
      while (DIGIT_AT (p))
        p++;
    }
#undef DIGIT_AT

  if (integer)
    {
      /* ±(2^53−1) is 9007199254740991: 16 digits, no leading zero. */
      gsize n = p - digits;

      if (n > 16 || (n == 16 && memcmp (data + digits, "9007199254740991", 16) > 0))
        return JSON_INT_RANGE;
    }
  else
    {
      char buffer[64];
      g_autofree char *copy = NULL;
      const char *text;
      double value;

      if (p - start < sizeof buffer)
        {
          memcpy (buffer, data + start, p - start);
          buffer[p - start] = '\0';
          text = buffer;
        }
      else
        text = copy = g_strndup (data + start, p - start);
      value = g_ascii_strtod (text, NULL);
      if (!isfinite (value) || (value == 0 && nonzero))
        return JSON_REAL_RANGE;
    }
  *i = p;
  return JSON_OK;

bad:
  *i = p;
  return JSON_BAD_NUMBER;
}

/* One walk over the text, with the grammar of RFC 8259 and the limits
 * above. On a fault, *where is the offset of the byte at fault. */
static JsonCheck
check_json (const char *data,
            gsize       length,
            gsize      *where)
{
  char open[WH_MAX_JSON_DEPTH]; /* '[' or '{' per level */
  guint depth = 0;
  Expect expect = EXPECT_VALUE;
  gsize i = 0;

  for (;;)
    {
      JsonCheck result = JSON_OK;
      char c;

      while (i < length && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' ||
                            data[i] == '\r'))
        i++;
      *where = i;
      if (i == length)
        return expect == EXPECT_END ? JSON_OK : JSON_TRUNCATED;
      c = data[i];

      switch (expect)
        {
        case EXPECT_END:
          return JSON_TRAILING;

        case EXPECT_COLON:
          if (c != ':')
            return JSON_UNEXPECTED;
          i++;
          expect = EXPECT_VALUE;
          continue;

        case EXPECT_KEY_OR_CLOSE:
        case EXPECT_VALUE_OR_CLOSE:
        case EXPECT_COMMA_OR_CLOSE:
          if (c == (open[depth - 1] == '{' ? '}' : ']'))
            {
              i++;
              depth--;
              expect = depth > 0 ? EXPECT_COMMA_OR_CLOSE : EXPECT_END;
              continue;
            }
          if (expect == EXPECT_COMMA_OR_CLOSE)
            {
              if (c != ',')
                return JSON_UNEXPECTED;
              i++;
              expect = open[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
              continue;
            }
          if (expect == EXPECT_VALUE_OR_CLOSE)
            break; /* a value */
          G_GNUC_FALLTHROUGH;
        case EXPECT_KEY:
          if (c != '"')
            return JSON_UNEXPECTED;
          result = check_string (data, length, &i);
          if (result != JSON_OK)
            {
              *where = i;
              return result;
            }
          expect = EXPECT_COLON;
          continue;

        case EXPECT_VALUE:
        default:
          break;
        }

      /* A value. */
      switch (c)
        {
        case '[':
        case '{':
          if (depth == WH_MAX_JSON_DEPTH)
            return JSON_TOO_DEEP;
          open[depth++] = c;
          i++;
          expect = c == '{' ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
          continue;
        case '"':
          result = check_string (data, length, &i);
          break;
        case 't':
        case 'f':
        case 'n':
          {
            const char *word = c == 't' ? "true" : c == 'f' ? "false" : "null";
            gsize n = strlen (word);

            if (length - i < n || memcmp (data + i, word, n) != 0)
              return JSON_UNEXPECTED;
            i += n;
          }
          break;
        default:
          if (c != '-' && !g_ascii_isdigit (c))
            return c == '.' || c == '+' ? JSON_BAD_NUMBER : JSON_UNEXPECTED;
          result = check_number (data, length, &i);
          break;
        }
      if (result != JSON_OK)
        {
          *where = i;
          return result;
        }
      expect = depth > 0 ? EXPECT_COMMA_OR_CLOSE : EXPECT_END;
    }
}

/* The error of a fault check_json found at offset where. */
static void
set_check_error (GError   **error,
                 JsonCheck  check,
                 gsize      where)
{
  gulong byte = (gulong) where + 1; /* counted from 1, as editors do */
  const char *reason;

  switch (check)
    {
    case JSON_TOO_DEEP:
      g_set_error_literal (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_DEEP,
                           _("The server sent a response nested too deeply."));
      return;
    case JSON_INT_RANGE:
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The server sent an integer beyond ±(2^53−1), which the contract does not "
                     "allow (at byte %lu)."), byte);
      return;
    case JSON_REAL_RANGE:
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The server sent a number too large or too small to keep exactly "
                     "(at byte %lu)."), byte);
      return;
    case JSON_NUL:
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The server sent text holding the character U+0000, which the contract "
                     "does not allow (at byte %lu)."), byte);
      return;
    case JSON_LONE_SURROGATE:
      g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID,
                   _("The server sent text with an unpaired surrogate escape, which the contract "
                     "does not allow (at byte %lu)."), byte);
      return;
    case JSON_TRUNCATED:
      reason = _("the text ends in the middle of a value");
      break;
    case JSON_TRAILING:
      reason = _("more follows the one value a document holds");
      break;
    case JSON_BAD_NUMBER:
      reason = _("a number not written as JSON writes numbers");
      break;
    case JSON_RAW_CONTROL:
      reason = _("a control character inside a string");
      break;
    case JSON_BAD_ESCAPE:
      reason = _("an escape that JSON does not have");
      break;
    case JSON_UNEXPECTED:
    case JSON_OK:
    default:
      reason = _("an unexpected character");
      break;
    }
  g_set_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED,
               /* Translators: %s is one of the reasons above, such as “a control
                * character inside a string”; %lu counts bytes from 1. */
               _("The server sent a response that is not valid JSON: %s (at byte %lu)."), reason,
               byte);
}

JsonNode *
wh_json_parse_bounded (const char *data,
                       gsize       length,
                       gsize       max_length,
                       GError    **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonCheck check;
  JsonNode *root;
  gsize where = 0;

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
  check = check_json (data, length, &where);
  if (check != JSON_OK)
    {
      set_check_error (error, check, where);
      return NULL;
    }

  /* Not json_parser_new_immutable: sealing every node costs a tenth of the
   * parse of a changes page, and nothing shares or changes these trees. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      /* The check above should have refused anything json-glib refuses. */
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

/* json-glib 1.6's generator writes two things RFC 8259 refuses, and so
 * wh_json_parse_bounded too: a double whose shortest form has an exponent
 * but no '.' gets ".0" after it ("-1e-78.0", "1e+21.0"; fixed in later
 * json-glib), and U+001F goes into a string raw (its escape test is "< 0x1f").
 * Both are mended on the way out, in one walk over what it wrote; anything
 * else it writes is JSON. Non-finite doubles it would write as "inf.0" or
 * "nan.0": no JsonNode handed here may hold one (wh_record_to_builder
 * writes none). */
static char *
mend_generated (char  *data,
                gsize *length)
{
  GString *out = NULL;
  gsize n = *length, copied = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < n; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          else if (c == '\x1f')
            {
              if (out == NULL)
                out = g_string_sized_new (n + 8);
              g_string_append_len (out, data + copied, (gssize) (i - copied));
              g_string_append (out, "\\u001f");
              copied = i + 1;
            }
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '-' || g_ascii_isdigit (c))
        {
          gboolean exponent = FALSE;

          while (i + 1 < n && (g_ascii_isdigit (data[i + 1]) || data[i + 1] == '.' ||
                               data[i + 1] == 'e' || data[i + 1] == 'E' ||
                               data[i + 1] == '+' || data[i + 1] == '-'))
            {
              exponent |= data[i + 1] == 'e' || data[i + 1] == 'E';
              i++;
            }
          /* data[i] is the number's last character */
          if (exponent && data[i] == '0' && data[i - 1] == '.')
            {
              if (out == NULL)
                out = g_string_sized_new (n);
              g_string_append_len (out, data + copied, (gssize) (i - 1 - copied));
              copied = i + 1;
            }
        }
    }
  if (out == NULL)
    return data;
  g_string_append_len (out, data + copied, (gssize) (n - copied));
  g_free (data);
  *length = out->len;
  return g_string_free (out, FALSE);
}

char *
wh_json_to_data (JsonNode *root,
                 gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize n = 0;
  char *data;

  g_return_val_if_fail (root != NULL, NULL);

  json_generator_set_root (generator, root);
  data = mend_generated (json_generator_to_data (generator, &n), &n);
  if (length)
    *length = n;
  return data;
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
  return wh_json_to_data (root, length);
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
  return wh_json_to_data (root, NULL);
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
   * that are not UTF-8; wh_json_parse_bounded refuses those, and this
   * stays as a second guard for what reaches a label. */
  if (c == NULL || strlen (c) > 64 || !g_utf8_validate (c, -1, NULL))
    return FALSE;
  if (code)
    *code = g_strdup (c);
  if (message)
    *message = m ? g_utf8_make_valid (m, MIN (strlen (m), 1024)) : g_strdup ("");
  return TRUE;
}

char *
wh_record_to_string (const WhRecord *record)
{
  g_autoptr(JsonNode) node = wh_record_to_json (record);

  return wh_json_to_data (node, NULL);
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
  return wh_json_to_data (root, NULL);
}
