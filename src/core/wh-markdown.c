/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-markdown"

#include "config.h"

#include <cmark.h>
#include <string.h>

#include "wh-api.h"
#include "wh-markdown.h"

void
wh_md_block_free (WhMdBlock *block)
{
  if (block == NULL)
    return;
  g_free (block->marker);
  g_free (block->markup);
  g_free (block->path);
  g_free (block);
}

/* The walk is iterative (cmark_iter), so a lesson nested ten thousand
 * levels deep costs no stack. */
typedef struct
{
  GPtrArray *blocks;

  /* The block whose inline text is being collected, if any */
  gboolean   in_text;
  WhMdKind   kind;
  guint      level;
  char      *marker;
  GString   *text;
  GArray    *open_tags;   /* const char*: tags open in text, innermost last */

  /* An image being read: its description goes to alt, not text */
  guint      image_depth;
  char      *image_path;
  GString   *alt;

  /* Containers */
  guint      quote_depth;
  GArray    *lists;       /* gint: the next number of each open list, 0 for bullets */
  gboolean   item_fresh;  /* the next paragraph is the first of its item */
} Walk;

static WhMdBlock *
add_block (Walk       *w,
           WhMdKind    kind,
           guint       level,
           const char *marker,
           char       *markup,
           char       *path)
{
  WhMdBlock *block = g_new0 (WhMdBlock, 1);

  block->kind = kind;
  block->level = MIN (level, WH_MD_MAX_DEPTH);
  block->marker = g_strdup (marker);
  block->markup = markup;
  block->path = path;
  g_ptr_array_add (w->blocks, block);
  return block;
}

static gboolean
has_visible_text (const GString *s)
{
  gboolean in_tag = FALSE;

  for (gsize i = 0; i < s->len; i++)
    {
      char c = s->str[i];

      if (c == '<')
        in_tag = TRUE;
      else if (c == '>')
        in_tag = FALSE;
      else if (!in_tag && !g_ascii_isspace (c))
        return TRUE;
    }
  return FALSE;
}

static void
close_tags (Walk *w)
{
  for (guint i = w->open_tags->len; i > 0; i--)
    g_string_append_printf (w->text, "</%s>", g_array_index (w->open_tags, const char *, i - 1));
}

static void
reopen_tags (Walk *w)
{
  for (guint i = 0; i < w->open_tags->len; i++)
    g_string_append_printf (w->text, "<%s>", g_array_index (w->open_tags, const char *, i));
}

/* Ends the text collected so far as a block (an image cuts a paragraph in
 * two); tags still open are closed here and opened again after. */
static void
flush_text (Walk *w)
{
  if (!w->in_text)
    return;
  close_tags (w);
  if (has_visible_text (w->text))
    {
      char *markup;

      /* Trailing line breaks would show as blank lines. */
      while (w->text->len > 0 && (w->text->str[w->text->len - 1] == '\n' ||
                                  w->text->str[w->text->len - 1] == ' '))
        g_string_truncate (w->text, w->text->len - 1);
      markup = g_strdup (w->text->str);
      /* A heading inside a list item ("* # title") is a heading, without
       * the item's marker (found by fuzz-markdown). */
      add_block (w, w->kind, w->level, w->kind == WH_MD_LIST_ITEM ? w->marker : NULL, markup,
                 NULL);
      /* Only the first part of an item carries its marker. */
      if (w->kind == WH_MD_LIST_ITEM)
        {
          g_free (w->marker);
          w->marker = g_strdup ("");
        }
    }
  g_string_truncate (w->text, 0);
  reopen_tags (w);
}

static void
begin_text (Walk     *w,
            WhMdKind  kind,
            guint     level)
{
  w->in_text = TRUE;
  w->kind = kind;
  w->level = level;
  g_string_truncate (w->text, 0);
  g_array_set_size (w->open_tags, 0);
}

static void
end_text (Walk *w)
{
  g_array_set_size (w->open_tags, 0);
  flush_text (w);
  w->in_text = FALSE;
  g_clear_pointer (&w->marker, g_free);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  g_autofree char *escaped = NULL;

  if (text == NULL)
    return;
  escaped = g_markup_escape_text (text, -1);
  g_string_append (out, escaped);
}

static gboolean
is_cjk (gunichar c)
{
  /* CJK radicals onwards: Han, kana, Hangul and full-width punctuation */
  return c >= 0x2e80;
}

/* A soft line break is a space between words, and nothing between two
 * Chinese characters: a sentence wrapped in the source must not read
 * "安全 帽". */
static void
append_soft_break (Walk       *w,
                   cmark_node *node)
{
  cmark_node *next = cmark_node_next (node);
  const char *after = next && cmark_node_get_type (next) == CMARK_NODE_TEXT
                        ? cmark_node_get_literal (next) : NULL;
  GString *out = w->image_depth > 0 ? w->alt : w->text;
  gunichar before_c = 0, after_c = 0;

  if (out->len > 0)
    {
      const char *last = g_utf8_find_prev_char (out->str, out->str + out->len);
      if (last)
        before_c = g_utf8_get_char_validated (last, -1);
    }
  if (after && *after)
    after_c = g_utf8_get_char_validated (after, -1);
  if (before_c != (gunichar) -1 && after_c != (gunichar) -1 && is_cjk (before_c) &&
      is_cjk (after_c))
    return;
  g_string_append_c (out, ' ');
}

static void
open_tag (Walk       *w,
          const char *tag)
{
  if (!w->in_text || w->image_depth > 0)
    return;
  g_string_append_printf (w->text, "<%s>", tag);
  g_array_append_val (w->open_tags, tag);
}

/* Chinese has no italic: a CJK font has none, and Pango slants it by
 * hand, hard to read. Chinese emphasis is bold, as Chinese print sets it;
 * other text keeps italic. Decided by the emphasis's first text. */
static const char *
emphasis_tag (cmark_node *node)
{
  cmark_node *child = cmark_node_first_child (node);
  const char *text = child && cmark_node_get_type (child) == CMARK_NODE_TEXT
                       ? cmark_node_get_literal (child) : NULL;

  for (const char *p = text; p && *p; p = g_utf8_next_char (p))
    {
      GUnicodeScript script = g_unichar_get_script (g_utf8_get_char (p));

      if (script == G_UNICODE_SCRIPT_HAN || script == G_UNICODE_SCRIPT_BOPOMOFO)
        return "b";
    }
  return "i";
}

static void
close_tag (Walk *w)
{
  if (!w->in_text || w->image_depth > 0 || w->open_tags->len == 0)
    return;
  g_string_append_printf (w->text, "</%s>",
                          g_array_index (w->open_tags, const char *, w->open_tags->len - 1));
  g_array_set_size (w->open_tags, w->open_tags->len - 1);
}

static void
append_literal (Walk       *w,
                const char *literal)
{
  if (w->image_depth > 0)
    g_string_append (w->alt, literal ? literal : "");
  else if (w->in_text)
    append_escaped (w->text, literal);
}

static void
image_enter (Walk       *w,
             cmark_node *node)
{
  if (w->image_depth++ > 0)
    return;
  g_string_truncate (w->alt, 0);
  g_free (w->image_path);
  w->image_path = g_strdup (cmark_node_get_url (node));
}

static void
image_exit (Walk *w)
{
  g_autofree char *path = NULL;

  if (--w->image_depth > 0)
    return;
  path = g_steal_pointer (&w->image_path);
  /* A picture stands on its own in a paragraph or a list; in a heading,
   * or when its path is not one the cache can hold, its words stand in. */
  if (wh_api_media_path_is_valid (path) && w->in_text && w->kind != WH_MD_HEADING)
    {
      g_autoptr(GString) alt = g_string_new (NULL);

      flush_text (w);
      append_escaped (alt, w->alt->str);
      add_block (w, WH_MD_IMAGE, 0, NULL, g_string_free (g_steal_pointer (&alt), FALSE),
                 g_steal_pointer (&path));
    }
  else if (w->in_text)
    append_escaped (w->text, w->alt->str);
}

static WhMdKind
paragraph_kind (Walk *w)
{
  if (w->lists->len > 0)
    return WH_MD_LIST_ITEM;
  if (w->quote_depth > 0)
    return WH_MD_QUOTE;
  return WH_MD_PARAGRAPH;
}

static void
item_enter (Walk *w)
{
  gint *next;

  if (w->lists->len == 0)
    return;
  next = &g_array_index (w->lists, gint, w->lists->len - 1);
  g_free (w->marker);
  w->marker = *next > 0 ? g_strdup_printf ("%d.", (*next)++) : g_strdup ("•");
  w->item_fresh = TRUE;
}

static void
paragraph_enter (Walk *w)
{
  g_autofree char *marker = NULL;
  WhMdKind kind = paragraph_kind (w);

  if (kind == WH_MD_LIST_ITEM)
    marker = w->item_fresh && w->marker ? g_strdup (w->marker) : g_strdup ("");
  w->item_fresh = FALSE;
  begin_text (w, kind, kind == WH_MD_LIST_ITEM ? w->lists->len : w->quote_depth);
  g_free (w->marker);
  w->marker = g_steal_pointer (&marker);
}

static void
code_block (Walk       *w,
            cmark_node *node)
{
  g_autoptr(GString) code = g_string_new (NULL);
  const char *literal = cmark_node_get_literal (node);

  append_escaped (code, literal);
  while (code->len > 0 && code->str[code->len - 1] == '\n')
    g_string_truncate (code, code->len - 1);
  add_block (w, WH_MD_CODE, MAX (w->lists->len, w->quote_depth), NULL,
             g_string_free (g_steal_pointer (&code), FALSE), NULL);
}

GPtrArray *
wh_markdown_parse (const char *text,
                   gssize      length)
{
  g_autofree char *valid = NULL;
  cmark_node *doc;
  cmark_iter *iter;
  cmark_event_type ev;
  Walk w = { 0 };

  w.blocks = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_md_block_free);
  if (text == NULL)
    return w.blocks;
  if (length < 0)
    length = (gssize) strlen (text);
  /* NULs and bad bytes become U+FFFD before cmark, and so in the output. */
  valid = g_utf8_make_valid (text, length);

  w.text = g_string_new (NULL);
  w.alt = g_string_new (NULL);
  w.open_tags = g_array_new (FALSE, FALSE, sizeof (const char *));
  w.lists = g_array_new (FALSE, FALSE, sizeof (gint));

  doc = cmark_parse_document (valid, strlen (valid), CMARK_OPT_DEFAULT);
  iter = cmark_iter_new (doc);
  while ((ev = cmark_iter_next (iter)) != CMARK_EVENT_DONE)
    {
      cmark_node *node = cmark_iter_get_node (iter);
      gboolean enter = ev == CMARK_EVENT_ENTER;

      switch (cmark_node_get_type (node))
        {
        case CMARK_NODE_BLOCK_QUOTE:
          w.quote_depth += enter ? 1 : -1;
          break;
        case CMARK_NODE_LIST:
          if (enter)
            {
              gint start = cmark_node_get_list_type (node) == CMARK_ORDERED_LIST
                             ? MAX (cmark_node_get_list_start (node), 1) : 0;
              g_array_append_val (w.lists, start);
            }
          else
            g_array_set_size (w.lists, w.lists->len - 1);
          break;
        case CMARK_NODE_ITEM:
          if (enter)
            item_enter (&w);
          break;
        case CMARK_NODE_PARAGRAPH:
          if (enter)
            paragraph_enter (&w);
          else
            end_text (&w);
          break;
        case CMARK_NODE_HEADING:
          if (enter)
            begin_text (&w, WH_MD_HEADING, CLAMP (cmark_node_get_heading_level (node), 1, 6));
          else
            end_text (&w);
          break;
        case CMARK_NODE_CODE_BLOCK:
          code_block (&w, node);
          break;
        case CMARK_NODE_HTML_BLOCK:
          {
            /* Shown as what it is, text, never interpreted. */
            g_autoptr(GString) s = g_string_new (NULL);

            append_escaped (s, cmark_node_get_literal (node));
            while (s->len > 0 && s->str[s->len - 1] == '\n')
              g_string_truncate (s, s->len - 1);
            if (s->len > 0)
              add_block (&w, WH_MD_CODE, 0, NULL, g_string_free (g_steal_pointer (&s), FALSE),
                         NULL);
          }
          break;
        case CMARK_NODE_THEMATIC_BREAK:
          add_block (&w, WH_MD_RULE, 0, NULL, g_strdup (""), NULL);
          break;
        case CMARK_NODE_TEXT:
        case CMARK_NODE_HTML_INLINE:
          append_literal (&w, cmark_node_get_literal (node));
          break;
        case CMARK_NODE_CODE:
          if (w.image_depth > 0 || !w.in_text)
            append_literal (&w, cmark_node_get_literal (node));
          else
            {
              g_string_append (w.text, "<tt>");
              append_escaped (w.text, cmark_node_get_literal (node));
              g_string_append (w.text, "</tt>");
            }
          break;
        case CMARK_NODE_SOFTBREAK:
          if (w.in_text || w.image_depth > 0)
            append_soft_break (&w, node);
          break;
        case CMARK_NODE_LINEBREAK:
          if (w.image_depth > 0)
            g_string_append_c (w.alt, ' ');
          else if (w.in_text)
            g_string_append_c (w.text, '\n');
          break;
        case CMARK_NODE_EMPH:
          if (enter)
            open_tag (&w, emphasis_tag (node));
          else
            close_tag (&w);
          break;
        case CMARK_NODE_STRONG:
          if (enter)
            open_tag (&w, "b");
          else
            close_tag (&w);
          break;
        case CMARK_NODE_IMAGE:
          if (enter)
            image_enter (&w, node);
          else
            image_exit (&w);
          break;
        case CMARK_NODE_LINK:
          /* A lesson read offline has nowhere to go: its words stay. */
        default:
          break;
        }
    }
  cmark_iter_free (iter);
  cmark_node_free (doc);

  g_string_free (w.text, TRUE);
  g_string_free (w.alt, TRUE);
  g_array_unref (w.open_tags);
  g_array_unref (w.lists);
  g_free (w.marker);
  g_free (w.image_path);
  return w.blocks;
}

static void
text_cb (GMarkupParseContext *context,
         const char          *text,
         gsize                length,
         gpointer             user_data,
         GError             **error)
{
  g_string_append_len (user_data, text, (gssize) length);
}

char *
wh_markdown_markup_to_text (const char *markup)
{
  static const GMarkupParser parser = { NULL, NULL, text_cb, NULL, NULL };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GMarkupParseContext) ctx = NULL;
  g_autofree char *wrapped = NULL;

  g_return_val_if_fail (markup != NULL, NULL);

  wrapped = g_strconcat ("<m>", markup, "</m>", NULL);
  ctx = g_markup_parse_context_new (&parser, 0, out, NULL);
  if (!g_markup_parse_context_parse (ctx, wrapped, -1, NULL) ||
      !g_markup_parse_context_end_parse (ctx, NULL))
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}
