/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-search-tokenizer.h: the FTS5 tokenizer "wh" for Chinese and Latin text.
 *
 * unicode61 keeps a run of Chinese characters as one token, so a two-character
 * word inside a longer run (电工 in 高级电工技师) is never found; trigram cannot
 * match queries shorter than three characters. This tokenizer indexes, for a
 * run of CJK characters, every character as a token of its own and, at the same
 * position (FTS5_TOKEN_COLOCATED), the pair it starts:
 *
 *   高级电工  ->  pos 0: 高, 高级   pos 1: 级, 级电   pos 2: 电, 电工   pos 3: 工
 *
 * A query is tokenized differently: one character is that character; two or
 * more are their overlapping pairs in sequence, so 电工技 becomes the phrase
 * "电工 工技", which only matches where the pairs sit at adjacent positions,
 * that is exactly where the text contains 电工技. Together a query of any
 * length finds exactly the rows whose text contains it as a substring.
 *
 * Latin letters and digits form whole words, lowercased (full-width forms are
 * folded to ASCII); any other character separates tokens.
 *
 * The tokenizer "wh_names" indexes the short fields a person searches by name
 * (WH_FIELD_NAME) once more, in a table of their own ("x_names"): each CJK
 * character as its pinyin, with the next character the two syllables joined
 * and their initials (wh-pinyin.h says which reading a character has), and
 * text in traditional characters also in simplified ones, as "wh" holds it:
 *
 *   電工  ->  pos 0: 电, dian, 电工, diangong, dg   pos 1: 工, gong
 *
 * so that 電工, 电工, diangong, dian gong and dg all find it. A query in
 * traditional characters also searches "wh" in simplified ones
 * (wh_search_build_fold_match).
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define WH_SEARCH_TOKENIZER_NAME "wh"
#define WH_SEARCH_NAMES_TOKENIZER_NAME "wh_names"
/* wh_rank(fts_table, column weights...): bm25 without the inverse document
 * frequency, which FTS5 computes by scanning every hit of each phrase. */
#define WH_SEARCH_RANK_NAME "wh_rank"
#define WH_SEARCH_RANK_TOTALS_NAME "wh_rank_totals"
/* wh_match(match, text...): whether a row's texts match a MATCH expression of
 * wh_search_build_match exactly as its FTS5 index would, for the rows of a
 * collection written while its index is pending (see wh-store.h). */
#define WH_SEARCH_MATCH_NAME "wh_match"
/* wh_names_match(match, text...): the same for the names index and a match
 * of wh_search_build_name_match. */
#define WH_SEARCH_NAMES_MATCH_NAME "wh_names_match"

/* Registers the tokenizers and the wh_rank(), wh_match() and wh_names_match() functions on a
 * connection. Every connection that reads or writes a table using it must
 * do this first. Returns an SQLite result code. */
int       wh_search_tokenizer_register (sqlite3    *db);

typedef void (*WhTokenFunc) (const char *token,
                             gsize       length,
                             gboolean    colocated,
                             gpointer    user_data);

/* The tokenizer itself, for tests and for building queries. */
void      wh_search_tokenize           (const char *text,
                                        gsize       length,
                                        gboolean    for_query,
                                        WhTokenFunc func,
                                        gpointer    user_data);

/* The same test as wh_match() from C: every phrase of match (as
 * wh_search_build_match writes it) at consecutive token positions of one of
 * the texts (NULL texts are empty), the last phrase a prefix if it ends in '*'. */
gboolean  wh_search_match_texts        (const char         *match,
                                        const char * const *texts,
                                        guint               n_texts);

/* Turns what a person typed into a safe FTS5 MATCH expression: each
 * whitespace-separated term becomes a quoted phrase (so quotes, AND, OR, NEAR,
 * '*', ':', '^' and parentheses are just text), all terms must match, and a
 * final Latin word of two or more letters matches as a prefix. Returns NULL
 * when the text holds nothing searchable. */
char     *wh_search_build_match        (const char *user_query);

/* wh_names_match() from C. */
gboolean  wh_search_names_match_texts  (const char         *match,
                                        const char * const *texts,
                                        guint               n_texts);

/* wh_search_build_match of the query in simplified characters (電工 ->
 * "电工"), for the "wh" index, or NULL when that is the query itself. */
char     *wh_search_build_fold_match   (const char *user_query);

/* The names tokenizer on a text, for tests. */
void      wh_search_names_tokenize     (const char *text,
                                        gsize       length,
                                        WhTokenFunc func,
                                        gpointer    user_data);

/* The MATCH expression for the "wh_names" index of what a person typed, or
 * NULL when it has nothing that index adds: Chinese terms in simplified
 * form; Latin letters (spaces, apostrophes, tone marks and numbers ignored)
 * as every way to read them as pinyin syllables, or as initials. */
char     *wh_search_build_name_match   (const char *user_query);

G_END_DECLS
