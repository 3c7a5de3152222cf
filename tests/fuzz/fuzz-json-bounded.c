/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh_json_parse_bounded, the gate every body from outside passes, and
 * wh_error_body_parse, which reads the error documents of any status. */
#include "config.h"

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

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char *text = (const char *) data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = wh_json_parse_bounded (text, size, MAX_LENGTH, &error);
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

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
