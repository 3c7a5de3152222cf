/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-markdown.h: lesson Markdown as a flat list of safe blocks.
 *
 * A lesson's body_md comes from the server and is never trusted. cmark
 * parses it (CommonMark, nothing hand-written); this turns the tree into
 * blocks a UI can show with plain labels and pictures: every block's markup
 * is valid Pango markup built only from escaped text and the tags <b>, <i>
 * and <tt>, so no HTML or markup from the lesson reaches the renderer. Raw
 * HTML is shown as text, links as their text, and an image whose path
 * breaks the media path rules as its description.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  WH_MD_HEADING,   /* level 1-6 */
  WH_MD_PARAGRAPH,
  WH_MD_LIST_ITEM, /* level: depth from 1; marker "•", "3." or "" for a further paragraph */
  WH_MD_CODE,      /* markup: the escaped text, newlines kept */
  WH_MD_QUOTE,     /* level: depth from 1 */
  WH_MD_IMAGE,     /* path: a checked media path; markup: its description */
  WH_MD_RULE,
} WhMdKind;

/* Depths beyond this are shown at this depth. */
#define WH_MD_MAX_DEPTH 6

typedef struct
{
  WhMdKind  kind;
  guint     level;
  char     *marker; /* list items only, else NULL */
  char     *markup; /* Pango markup; "" for a rule */
  char     *path;   /* images only, else NULL */
} WhMdBlock;

void       wh_md_block_free  (WhMdBlock  *block);

/* The blocks of text (length -1: NUL-terminated), in reading order; never
 * NULL. Invalid UTF-8 is repaired first. */
GPtrArray *wh_markdown_parse (const char *text,
                              gssize      length);

/* The text of markup with the tags and escapes taken out (for accessible
 * names and tests). */
char      *wh_markdown_markup_to_text (const char *markup);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhMdBlock, wh_md_block_free)

G_END_DECLS
