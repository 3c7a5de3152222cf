/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh_json_parse_bounded, the gate every body from outside passes, and
 * wh_error_body_parse, which reads the error documents of any status.
 * What the gate accepts, wh_json_to_data writes back and the gate accepts
 * again, as the same tree: the writer never writes what the reader refuses
 * ("1e-78.0" from json-glib 1.6), and no value changes on the way. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-fuzz.h"

#define MAX_LENGTH (64 * 1024)

/* json-glib recurses once per level: the bound is what keeps a hostile
 * document from exhausting the stack, so an accepted tree must respect it. */
static guint
tree_depth (JsonNode *node)
{
  guint deepest = 0;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);

        for (guint i = 0; i < json_array_get_length (array); i++)
          {
            guint depth = tree_depth (json_array_get_element (array, i));
            deepest = MAX (deepest, depth);
          }
        return deepest + 1;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        JsonNode *member;

        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, NULL, &member))
          {
            guint depth = tree_depth (member);
            deepest = MAX (deepest, depth);
          }
        return deepest + 1;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return 0;
    }
}

/* The same tree, every double bit for bit. */
static void
assert_same_tree (JsonNode *a,
                  JsonNode *b)
{
  g_assert_cmpint (JSON_NODE_TYPE (a), ==, JSON_NODE_TYPE (b));
  switch (JSON_NODE_TYPE (a))
    {
    case JSON_NODE_ARRAY:
      {
        JsonArray *aa = json_node_get_array (a), *ab = json_node_get_array (b);

        g_assert_cmpuint (json_array_get_length (aa), ==, json_array_get_length (ab));
        for (guint i = 0; i < json_array_get_length (aa); i++)
          assert_same_tree (json_array_get_element (aa, i), json_array_get_element (ab, i));
      }
      break;
    case JSON_NODE_OBJECT:
      {
        JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;

        g_assert_cmpuint (json_object_get_size (oa), ==, json_object_get_size (ob));
        json_object_iter_init (&iter, oa);
        while (json_object_iter_next (&iter, &name, &member))
          {
            g_assert_true (json_object_has_member (ob, name));
            assert_same_tree (member, json_object_get_member (ob, name));
          }
      }
      break;
    case JSON_NODE_VALUE:
      g_assert_true (json_node_get_value_type (a) == json_node_get_value_type (b));
      if (json_node_get_value_type (a) == G_TYPE_DOUBLE)
        {
          double da = json_node_get_double (a), db = json_node_get_double (b);

          g_assert_true (isfinite (da));
          g_assert_cmpmem (&da, sizeof da, &db, sizeof db);
        }
      else if (json_node_get_value_type (a) == G_TYPE_INT64)
        {
          g_assert_cmpint (json_node_get_int (a), ==, json_node_get_int (b));
          g_assert_cmpint (ABS (json_node_get_int (a)), <=, G_GINT64_CONSTANT (9007199254740991));
        }
      else if (json_node_get_value_type (a) == G_TYPE_STRING)
        {
          g_assert_true (g_utf8_validate (json_node_get_string (a), -1, NULL));
          g_assert_cmpstr (json_node_get_string (a), ==, json_node_get_string (b));
        }
      else
        g_assert_cmpint (json_node_get_boolean (a), ==, json_node_get_boolean (b));
      break;
    case JSON_NODE_NULL:
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = wh_json_parse_bounded (text, size, MAX_LENGTH, &error);
  g_autoptr(JsonNode) again = NULL;
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;
  g_autofree char *json = NULL;
  gsize length;

  if (root == NULL)
    {
      g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpuint (size, <=, MAX_LENGTH);
      g_assert_true (g_utf8_validate_len (text, size, NULL));
      g_assert_cmpuint (tree_depth (root), <=, WH_MAX_JSON_DEPTH);
      json = wh_json_to_data (root, &length);
      again = wh_json_parse_bounded (json, length, G_MAXSIZE, &error);
      g_assert_no_error (error);
      assert_same_tree (root, again);
    }

  if (wh_error_body_parse (text, size, &code, &message))
    {
      g_assert_nonnull (code);
      g_assert_nonnull (message);
      g_assert_cmpuint (strlen (code), <=, 64);
      g_assert_true (g_utf8_validate (code, -1, NULL));
      g_assert_true (g_utf8_validate (message, -1, NULL));
      g_assert_cmpuint (g_utf8_strlen (message, -1), <=, 1024);
    }
  return 0;
}
