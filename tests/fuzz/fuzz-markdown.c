/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lesson Markdown, which every synced lesson carries from the server: the
 * blocks it becomes must be valid Pango markup (the reader hands them to
 * GtkLabel as they are), with no tag but <b>, <i> and <tt>, and pictures
 * only at paths the media cache accepts. */
#include "config.h"

#include <pango/pango.h>
#include <string.h>

#include "wh-api.h"
#include "wh-fuzz.h"
#include "wh-markdown.h"

static void
check_tags (const char *markup)
{
  for (const char *p = strchr (markup, '<'); p; p = strchr (p + 1, '<'))
    g_assert_true (g_str_has_prefix (p, "<b>") || g_str_has_prefix (p, "</b>") ||
                   g_str_has_prefix (p, "<i>") || g_str_has_prefix (p, "</i>") ||
                   g_str_has_prefix (p, "<tt>") || g_str_has_prefix (p, "</tt>"));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) blocks = wh_markdown_parse ((const char *) data, (gssize) size);

  for (guint i = 0; i < blocks->len; i++)
    {
      const WhMdBlock *b = blocks->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;

      g_assert_nonnull (b->markup);
      g_assert_true (g_utf8_validate (b->markup, -1, NULL));
      if (!pango_parse_markup (b->markup, -1, 0, NULL, &text, NULL, &error))
        g_error ("block %u (kind %d) is not Pango markup: %s\n%s", i, b->kind, error->message,
                 b->markup);
      check_tags (b->markup);
      g_assert_cmpuint (b->level, <=, WH_MD_MAX_DEPTH);
      g_assert_true ((b->kind == WH_MD_IMAGE) == (b->path != NULL));
      if (b->path)
        g_assert_true (wh_api_media_path_is_valid (b->path));
      g_assert_true ((b->kind == WH_MD_LIST_ITEM) == (b->marker != NULL));
    }
  return 0;
}
