/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-search"

#include "config.h"

#include <string.h>

#include "wh-pinyin.h"
#include "wh-search-tokenizer.h"

/* Longer Latin words are cut here, the same way for text and queries; nobody
 * searches for 200-letter words and a hostile record cannot grow the index. */
#define MAX_WORD_BYTES 128
/* What a person types into a search box; longer input is cut. */
#define MAX_QUERY_BYTES 512

typedef enum
{
  CLASS_SEPARATOR,
  CLASS_WORD,
  CLASS_CJK,
} CharClass;

/* Emits one token; a non-zero return (an SQLite error code) stops the walk. */
typedef int (*EmitFunc) (gpointer    data,
                         gboolean    colocated,
                         const char *token,
                         int         length,
                         int         start,
                         int         end);

static inline gboolean
is_cjk (gunichar c)
{
  return (c >= 0x4E00 && c <= 0x9FFF) ||   /* CJK Unified Ideographs */
         (c >= 0x3400 && c <= 0x4DBF) ||   /* Extension A */
         (c >= 0x20000 && c <= 0x3134F) || /* Extensions B to G */
         (c >= 0xF900 && c <= 0xFAFF) ||   /* Compatibility Ideographs */
         (c >= 0x3040 && c <= 0x30FF) ||   /* Hiragana, Katakana */
         (c >= 0xAC00 && c <= 0xD7AF) ||   /* Hangul syllables */
         c == 0x3005 || c == 0x3007;       /* 々 〇 */
}

/* Decodes the character at text[*pos] and classifies it. Invalid UTF-8 is a
 * one-byte separator, so no input can stall or overrun the walk. */
static inline CharClass
next_char (const char *text,
           int         length,
           int        *pos,
           gunichar   *folded)
{
  guchar b = (guchar) text[*pos];
  gunichar c;

  if (b < 0x80)
    {
      *pos += 1;
      if (g_ascii_isalnum (b))
        {
          *folded = g_ascii_tolower (b);
          return CLASS_WORD;
        }
      return CLASS_SEPARATOR;
    }

  c = g_utf8_get_char_validated (text + *pos, length - *pos);
  if (c == (gunichar) -1 || c == (gunichar) -2)
    {
      *pos += 1;
      return CLASS_SEPARATOR;
    }
  *pos = (int) (g_utf8_next_char (text + *pos) - text);

  if (is_cjk (c))
    {
      *folded = c;
      return CLASS_CJK;
    }
  /* Full-width digits and letters, common in Chinese text, fold to ASCII. */
  if (c >= 0xFF10 && c <= 0xFF19)
    {
      *folded = '0' + (c - 0xFF10);
      return CLASS_WORD;
    }
  if ((c >= 0xFF21 && c <= 0xFF3A) || (c >= 0xFF41 && c <= 0xFF5A))
    {
      *folded = 'a' + ((c - 0xFF21) % 0x20);
      return CLASS_WORD;
    }
  if (g_unichar_isalnum (c) || g_unichar_ismark (c))
    {
      *folded = g_unichar_tolower (c);
      return CLASS_WORD;
    }
  return CLASS_SEPARATOR;
}

/* Byte offset just past the last token character, for queries: a CJK run
 * followed by more tokens needs one extra token to keep positions aligned. */
static int
last_token_end (const char *text,
                int         length)
{
  int pos = 0, end = 0;

  while (pos < length)
    {
      gunichar c;

      if (next_char (text, length, &pos, &c) != CLASS_SEPARATOR)
        end = pos;
    }
  return end;
}

static int
tokenize (const char *text,
          int         length,
          gboolean    for_query,
          EmitFunc    emit,
          gpointer    data)
{
  char word[MAX_WORD_BYTES + 8];
  int word_len = 0, word_start = -1, word_end = 0;
  /* The CJK run being walked: its length and the last two characters. */
  int run_len = 0, prev_start = 0, prev_end = 0;
  int query_end = for_query ? last_token_end (text, length) : length;
  int pos = 0, rc = SQLITE_OK;

  while (rc == SQLITE_OK)
    {
      int start = pos;
      gunichar c = 0;
      CharClass cls = pos < length ? next_char (text, length, &pos, &c) : CLASS_SEPARATOR;
      gboolean at_end = start >= length;

      /* A Latin word ends at anything that is not a word character. */
      if (word_start >= 0 && cls != CLASS_WORD)
        {
          rc = emit (data, FALSE, word, word_len, word_start, word_end);
          word_start = -1;
          word_len = 0;
          if (rc != SQLITE_OK)
            break;
        }
      /* So does a CJK run. */
      if (run_len > 0 && cls != CLASS_CJK)
        {
          if (for_query)
            {
              /* One character is itself; longer runs were sent as pairs, and
               * a trailing single keeps the next token at the right position. */
              if (run_len == 1 || prev_end < query_end)
                rc = emit (data, FALSE, text + prev_start, prev_end - prev_start, prev_start,
                           prev_end);
            }
          run_len = 0;
          if (rc != SQLITE_OK)
            break;
        }
      if (at_end)
        break;

      if (cls == CLASS_WORD)
        {
          if (word_start < 0)
            word_start = start;
          word_end = pos;
          if (word_len < MAX_WORD_BYTES)
            word_len += g_unichar_to_utf8 (c, word + word_len);
        }
      else if (cls == CLASS_CJK)
        {
          if (for_query)
            {
              if (run_len > 0)
                rc = emit (data, FALSE, text + prev_start, pos - prev_start, prev_start, pos);
            }
          else
            {
              /* The pair belongs to the previous character's position. */
              if (run_len > 0)
                rc = emit (data, TRUE, text + prev_start, pos - prev_start, prev_start, pos);
              if (rc == SQLITE_OK)
                rc = emit (data, FALSE, text + start, pos - start, start, pos);
            }
          run_len++;
          prev_start = start;
          prev_end = pos;
        }
    }
  return rc;
}


/* ---- The names tokenizer ------------------------------------------------ */

/* A CJK character of a name: what the names index holds for it. */
typedef struct
{
  char        folded[8]; /* its simplified form, UTF-8 */
  int         folded_len;
  const char *pinyin;    /* NULL: ICU gives it none */
  int         pinyin_len;
} NameChar;

static void
name_char_init (NameChar *nc,
                gunichar  c)
{
  gunichar f = wh_pinyin_fold (c);

  nc->folded_len = g_unichar_to_utf8 (f, nc->folded);
  nc->pinyin = wh_pinyin_of (c);
  if (nc->pinyin == NULL)
    nc->pinyin = wh_pinyin_of (f);
  nc->pinyin_len = nc->pinyin != NULL ? (int) strlen (nc->pinyin) : 0;
}

/* The tokens of position prev that need the next character: the pairs. */
static int
names_emit_pairs (EmitFunc        emit,
                  gpointer        data,
                  const NameChar *prev,
                  const NameChar *next,
                  gboolean        folds,
                  int             start,
                  int             end)
{
  char pair[32];
  int rc = SQLITE_OK;

  if (folds)
    {
      memcpy (pair, prev->folded, prev->folded_len);
      memcpy (pair + prev->folded_len, next->folded, next->folded_len);
      rc = emit (data, TRUE, pair, prev->folded_len + next->folded_len, start, end);
    }
  if (rc == SQLITE_OK && prev->pinyin != NULL && next->pinyin != NULL)
    {
      /* Syllables are six letters at most: no printf (a tenth of the
       * names index's build went to formatting these). */
      int n = prev->pinyin_len + next->pinyin_len;

      memcpy (pair, prev->pinyin, prev->pinyin_len);
      memcpy (pair + prev->pinyin_len, next->pinyin, next->pinyin_len);
      rc = emit (data, TRUE, pair, n, start, end);
      if (rc == SQLITE_OK)
        {
          pair[0] = prev->pinyin[0];
          pair[1] = next->pinyin[0];
          rc = emit (data, TRUE, pair, 2, start, end);
        }
    }
  return rc;
}

/* Whether some character of the CJK run starting at text[pos] has another
 * simplified form. */
static gboolean
run_folds (const char *text,
           int         length,
           int         pos)
{
  gunichar c = 0;

  while (pos < length && next_char (text, length, &pos, &c) == CLASS_CJK)
    if (wh_pinyin_fold (c) != c)
      return TRUE;
  return FALSE;
}

/* A name's text: every CJK character is a position holding its pinyin and,
 * with the next character of the run, the two syllables joined and their
 * two initials. A run in traditional characters (one with any character
 * that has another simplified form) also holds each character's simplified
 * form and the pair of them, as the "wh" index holds the text, so that a
 * query in simplified characters finds it; text already simplified is found
 * by the "wh" index, and is not held twice:
 *
 *   電工  ->  pos 0: 电, dian, 电工, diangong, dg   pos 1: 工, gong
 *   电工  ->  pos 0: dian, diangong, dg             pos 1: gong
 *
 * Anything else only separates runs (the "wh" index has the Latin words).
 * A query's text is its tokens, space-separated (wh_search_build_name_match
 * writes them). */
static int
names_tokenize (const char *text,
                int         length,
                gboolean    for_query,
                EmitFunc    emit,
                gpointer    data)
{
  NameChar chars[2];
  int run_len = 0, prev_start = 0;
  int pos = 0, rc = SQLITE_OK;
  gboolean folds = FALSE, prev_has_position = FALSE;

  if (for_query)
    {
      while (rc == SQLITE_OK && pos < length)
        {
          int start;

          while (pos < length && text[pos] == ' ')
            pos++;
          start = pos;
          while (pos < length && text[pos] != ' ')
            pos++;
          if (pos > start)
            rc = emit (data, FALSE, text + start, MIN (pos - start, MAX_WORD_BYTES), start, pos);
        }
      return rc;
    }

  while (rc == SQLITE_OK && pos < length)
    {
      int start = pos;
      gunichar c = 0;
      NameChar *nc = &chars[run_len % 2];
      gboolean has_position = FALSE;

      if (next_char (text, length, &pos, &c) != CLASS_CJK)
        {
          run_len = 0;
          continue;
        }
      if (run_len == 0)
        folds = run_folds (text, length, start);
      name_char_init (nc, c);
      /* Pairs belong to the previous character's position, if it has one. */
      if (run_len > 0 && prev_has_position)
        rc = names_emit_pairs (emit, data, &chars[(run_len - 1) % 2], nc, folds, prev_start, pos);
      if (rc == SQLITE_OK && folds)
        {
          rc = emit (data, FALSE, nc->folded, nc->folded_len, start, pos);
          has_position = TRUE;
        }
      if (rc == SQLITE_OK && nc->pinyin != NULL)
        {
          rc = emit (data, has_position, nc->pinyin, nc->pinyin_len, start, pos);
          has_position = TRUE;
        }
      run_len++;
      prev_start = start;
      prev_has_position = has_position;
    }
  return rc;
}

/* ---- FTS5 glue --------------------------------------------------------- */

typedef struct
{
  void *ctx;
  int (*x_token) (void *, int, const char *, int, int, int);
} Fts5Emit;

static int
fts5_emit (gpointer    data,
           gboolean    colocated,
           const char *token,
           int         length,
           int         start,
           int         end)
{
  Fts5Emit *e = data;

  return e->x_token (e->ctx, colocated ? FTS5_TOKEN_COLOCATED : 0, token, length, start, end);
}

/* The tokenizer has no state; every instance is this one object. */
static int tokenizer_instance;

static int
wh_tokenizer_create (void           *ctx,
                     const char    **args,
                     int             n_args,
                     Fts5Tokenizer **out)
{
  *out = (Fts5Tokenizer *) &tokenizer_instance;
  return SQLITE_OK;
}

static void
wh_tokenizer_delete (Fts5Tokenizer *tokenizer)
{
}

static int
wh_tokenizer_tokenize (Fts5Tokenizer *tokenizer,
                       void          *ctx,
                       int            flags,
                       const char    *text,
                       int            length,
                       int (*x_token) (void *, int, const char *, int, int, int))
{
  Fts5Emit e = { ctx, x_token };

  if (text == NULL || length <= 0)
    return SQLITE_OK;
  return tokenize (text, length, (flags & FTS5_TOKENIZE_QUERY) != 0, fts5_emit, &e);
}

static int
wh_names_tokenizer_tokenize (Fts5Tokenizer *tokenizer,
                             void          *ctx,
                             int            flags,
                             const char    *text,
                             int            length,
                             int (*x_token) (void *, int, const char *, int, int, int))
{
  Fts5Emit e = { ctx, x_token };

  if (text == NULL || length <= 0)
    return SQLITE_OK;
  return names_tokenize (text, length, (flags & FTS5_TOKENIZE_QUERY) != 0, fts5_emit, &e);
}

/* wh_rank(fts, weight, ... [, rows, total, ...]): bm25 without its inverse
 * document frequency.
 * FTS5's bm25() counts, on its first call, every row that holds each phrase
 * (a full doclist scan: 12 ms for a character in 700,000 jobs) just to
 * weigh rare terms above common ones. Term frequency, column weight and
 * column length alone rank a phrase query the same way, at the cost of a
 * few lookups per candidate row. Lower is better, as with bm25().
 * A column's length is weighed against its average in the index; given the
 * rows and each column's total size after the weights (wh_rank_totals of
 * several indexes summed), against that average instead, so that the
 * scores of indexes split by region compare as if they were one. */
#define RANK_K1 1.2
#define RANK_B 0.75
#define RANK_MAX_SLOTS 256

static void
wh_rank (const Fts5ExtensionApi *api,
         Fts5Context            *fts,
         sqlite3_context        *ctx,
         int                     n_values,
         sqlite3_value         **values)
{
  int n_cols = api->xColumnCount (fts);
  int n_phrases = api->xPhraseCount (fts);
  int tf[RANK_MAX_SLOTS] = { 0 };
  gboolean col_hit[64] = { FALSE };
  sqlite3_int64 n_rows = 0;
  double score = 0;
  int n_inst = 0, rc;

  if (n_cols <= 0 || n_cols > 64 || n_phrases <= 0 || n_cols * n_phrases > RANK_MAX_SLOTS)
    {
      sqlite3_result_double (ctx, 0);
      return;
    }
  if ((rc = api->xInstCount (fts, &n_inst)) != SQLITE_OK ||
      (rc = api->xRowCount (fts, &n_rows)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  for (int i = 0; i < n_inst; i++)
    {
      int phrase, col, offset;

      if ((rc = api->xInst (fts, i, &phrase, &col, &offset)) != SQLITE_OK)
        {
          sqlite3_result_error_code (ctx, rc);
          return;
        }
      tf[phrase * n_cols + col]++;
      col_hit[col] = TRUE;
    }
  for (int col = 0; col < n_cols; col++)
    {
      sqlite3_int64 total = 0;
      int length = 0;
      double weight = col < n_values ? sqlite3_value_double (values[col]) : 1.0;
      double avg, norm;

      if (!col_hit[col])
        continue;
      if (n_values == 2 * n_cols + 1)
        {
          n_rows = sqlite3_value_int64 (values[n_cols]);
          total = sqlite3_value_int64 (values[n_cols + 1 + col]);
        }
      else if ((rc = api->xColumnTotalSize (fts, col, &total)) != SQLITE_OK)
        {
          sqlite3_result_error_code (ctx, rc);
          return;
        }
      if ((rc = api->xColumnSize (fts, col, &length)) != SQLITE_OK)
        {
          sqlite3_result_error_code (ctx, rc);
          return;
        }
      avg = n_rows > 0 && total > 0 ? (double) total / n_rows : 1.0;
      norm = RANK_K1 * (1 - RANK_B + RANK_B * length / avg);
      for (int phrase = 0; phrase < n_phrases; phrase++)
        {
          int f = tf[phrase * n_cols + col];
          if (f > 0)
            score += weight * f * (RANK_K1 + 1) / (f + norm);
        }
    }
  sqlite3_result_double (ctx, -score);
}

/* wh_rank_totals(fts): "rows total0 total1 ...", the index's row count and
 * each column's total size in tokens, for wh_rank over several indexes. */
static void
wh_rank_totals (const Fts5ExtensionApi *api,
                Fts5Context            *fts,
                sqlite3_context        *ctx,
                int                     n_values,
                sqlite3_value         **values)
{
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_int64 n_rows = 0;
  int n_cols = api->xColumnCount (fts);
  int rc;

  if ((rc = api->xRowCount (fts, &n_rows)) != SQLITE_OK)
    {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
  g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) n_rows);
  for (int col = 0; col < n_cols; col++)
    {
      sqlite3_int64 total = 0;

      if ((rc = api->xColumnTotalSize (fts, col, &total)) != SQLITE_OK)
        {
          sqlite3_result_error_code (ctx, rc);
          return;
        }
      g_string_append_printf (out, " %" G_GINT64_FORMAT, (gint64) total);
    }
  sqlite3_result_text (ctx, out->str, (int) out->len, SQLITE_TRANSIENT);
}

/* ---- Matching without the index ----------------------------------------- */

/* One position of a tokenized text: its character or word, and the pair a
 * CJK character starts (FTS5_TOKEN_COLOCATED), as offsets into Positions.text. */
typedef struct
{
  guint a, a_len;
  guint b, b_len; /* b_len 0: no pair */
} Position;

typedef struct
{
  GString *text;      /* every token, end to end */
  GArray  *positions; /* Position */
} Positions;

static int
positions_emit (gpointer    data,
                gboolean    colocated,
                const char *token,
                int         length,
                int         start,
                int         end)
{
  Positions *p = data;
  guint offset = (guint) p->text->len;

  g_string_append_len (p->text, token, length);
  if (colocated && p->positions->len > 0)
    {
      Position *last = &g_array_index (p->positions, Position, p->positions->len - 1);
      last->b = offset;
      last->b_len = (guint) length;
    }
  else
    {
      Position pos = { offset, (guint) length, 0, 0 };
      g_array_append_val (p->positions, pos);
    }
  return SQLITE_OK;
}

static gboolean
token_equal (const char *text,
             guint       offset,
             guint       length,
             const char *token,
             guint       token_len,
             gboolean    prefix)
{
  if (length == 0 || (prefix ? length < token_len : length != token_len))
    return FALSE;
  return memcmp (text + offset, token, token_len) == 0;
}

/* Whether the phrase (query tokens, end to end in query->str) sits at
 * consecutive positions of the text, as FTS5 matches a phrase. */
static gboolean
phrase_at (const Positions *doc,
           const Positions *query,
           gboolean         prefix)
{
  guint n = query->positions->len;

  if (n == 0)
    return TRUE;
  for (guint p = 0; p + n <= doc->positions->len; p++)
    {
      guint j;

      for (j = 0; j < n; j++)
        {
          const Position *d = &g_array_index (doc->positions, Position, p + j);
          const Position *q = &g_array_index (query->positions, Position, j);
          const char *token = query->text->str + q->a;
          gboolean last_prefix = prefix && j == n - 1;

          if (!token_equal (doc->text->str, d->a, d->a_len, token, q->a_len, last_prefix) &&
              !token_equal (doc->text->str, d->b, d->b_len, token, q->a_len, last_prefix))
            break;
        }
      if (j == n)
        return TRUE;
    }
  return FALSE;
}

/* A cheap necessary condition: every token of the phrase that is ASCII or
 * CJK appears in the text as it is (ASCII ignoring case). Text holding
 * full-width forms, which fold to ASCII, is always looked at closely. */
static gboolean
phrase_may_match (const char      *text,
                  const Positions *query)
{
  if (strstr (text, "\xef\xbc") != NULL || strstr (text, "\xef\xbd") != NULL)
    return TRUE;
  for (guint j = 0; j < query->positions->len; j++)
    {
      const Position *q = &g_array_index (query->positions, Position, j);
      const char *token = query->text->str + q->a;
      gboolean ascii = TRUE, found = FALSE;

      for (guint k = 0; k < q->a_len; k++)
        ascii &= (guchar) token[k] < 0x80;
      if (ascii)
        {
          gsize len = strlen (text);

          for (gsize i = 0; !found && i + q->a_len <= len; i++)
            found = g_ascii_strncasecmp (text + i, token, q->a_len) == 0;
        }
      else if (is_cjk (g_utf8_get_char (token)))
        {
          g_autofree char *t = g_strndup (token, q->a_len);
          found = strstr (text, t) != NULL;
        }
      else
        found = TRUE;
      if (!found)
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  Positions query;
  gboolean  prefix;
} Phrase;

static void
phrase_clear (Phrase *phrase)
{
  g_string_free (phrase->query.text, TRUE);
  g_array_unref (phrase->query.positions);
}

/* The phrases of a MATCH expression as wh_search_build_match writes it:
 * quoted terms ('"' doubled inside), the last one maybe followed by '*'. */
static GArray *
parse_match (const char *match)
{
  GArray *phrases = g_array_new (FALSE, TRUE, sizeof (Phrase));
  const char *p = match;

  g_array_set_clear_func (phrases, (GDestroyNotify) phrase_clear);
  while (*p != '\0')
    {
      g_autoptr(GString) term = g_string_new (NULL);
      Phrase phrase = { { NULL, NULL }, FALSE };

      if (*p != '"')
        {
          p++;
          continue;
        }
      for (p++; *p != '\0'; p++)
        {
          if (*p == '"' && p[1] == '"')
            p++;
          else if (*p == '"')
            break;
          g_string_append_c (term, *p);
        }
      if (*p == '"')
        p++;
      if (*p == '*')
        {
          phrase.prefix = TRUE;
          p++;
        }
      phrase.query.text = g_string_new (NULL);
      phrase.query.positions = g_array_new (FALSE, FALSE, sizeof (Position));
      tokenize (term->str, (int) term->len, TRUE, positions_emit, &phrase.query);
      g_array_append_val (phrases, phrase);
    }
  return phrases;
}

/* Whether the texts match the phrases of parse_match. */
static gboolean
match_phrases (GArray             *phrases,
               const char * const *texts,
               guint               n_texts)
{
  Positions doc[64];
  gboolean ok = TRUE;

  g_return_val_if_fail (n_texts <= G_N_ELEMENTS (doc), FALSE);

  memset (doc, 0, sizeof doc);
  for (guint i = 0; ok && i < phrases->len; i++)
    {
      const Phrase *phrase = &g_array_index (phrases, Phrase, i);
      gboolean found = FALSE;

      /* Every phrase in some column, each column tokenized once. */
      for (guint c = 0; !found && c < n_texts; c++)
        {
          if (texts[c] == NULL || !phrase_may_match (texts[c], &phrase->query))
            continue;
          if (doc[c].text == NULL)
            {
              doc[c].text = g_string_new (NULL);
              doc[c].positions = g_array_new (FALSE, FALSE, sizeof (Position));
              tokenize (texts[c], (int) strlen (texts[c]), FALSE, positions_emit, &doc[c]);
            }
          found = phrase_at (&doc[c], &phrase->query, phrase->prefix);
        }
      ok = found;
    }
  for (guint c = 0; c < n_texts; c++)
    if (doc[c].text != NULL)
      {
        g_string_free (doc[c].text, TRUE);
        g_array_unref (doc[c].positions);
      }
  return ok;
}

gboolean
wh_search_match_texts (const char         *match,
                       const char * const *texts,
                       guint               n_texts)
{
  g_autoptr(GArray) phrases = NULL;

  g_return_val_if_fail (match != NULL, FALSE);

  phrases = parse_match (match);
  return match_phrases (phrases, texts, n_texts);
}

/* wh_match(match, text, ...): 1 when the texts (the columns of a row) match
 * the MATCH expression as the FTS5 index would, for rows not indexed yet.
 * The match is a bound parameter, the same for every row of a statement:
 * parsed once, kept as the argument's auxiliary data. */
static void
wh_match_function (sqlite3_context *ctx,
                   int              n_values,
                   sqlite3_value  **values)
{
  const char *texts[64] = { NULL };
  const char *match;
  g_autoptr(GArray) own = NULL;
  GArray *phrases;

  if (n_values < 1 || n_values - 1 > (int) G_N_ELEMENTS (texts) ||
      (match = (const char *) sqlite3_value_text (values[0])) == NULL)
    {
      sqlite3_result_int (ctx, 0);
      return;
    }
  if ((phrases = sqlite3_get_auxdata (ctx, 0)) == NULL)
    {
      sqlite3_set_auxdata (ctx, 0, parse_match (match), (void (*) (void *)) g_array_unref);
      /* SQLite may drop it at once: then this row parses its own. */
      if ((phrases = sqlite3_get_auxdata (ctx, 0)) == NULL)
        phrases = own = parse_match (match);
    }
  for (int i = 1; i < n_values; i++)
    texts[i - 1] = (const char *) sqlite3_value_text (values[i]);
  sqlite3_result_int (ctx, match_phrases (phrases, texts, (guint) n_values - 1));
}

static void wh_names_match_function (sqlite3_context *ctx,
                                     int              n_values,
                                     sqlite3_value  **values);

int
wh_search_tokenizer_register (sqlite3 *db)
{
  static fts5_tokenizer tokenizer = {
    wh_tokenizer_create, wh_tokenizer_delete, wh_tokenizer_tokenize,
  };
  static fts5_tokenizer names_tokenizer = {
    wh_tokenizer_create, wh_tokenizer_delete, wh_names_tokenizer_tokenize,
  };
  fts5_api *api = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  g_return_val_if_fail (db != NULL, SQLITE_MISUSE);

  /* The documented way to reach the FTS5 API since SQLite 3.20. */
  rc = sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  sqlite3_step (stmt);
  rc = sqlite3_finalize (stmt);
  if (rc != SQLITE_OK)
    return rc;
  if (api == NULL || api->iVersion < 2)
    return SQLITE_ERROR;
  rc = api->xCreateTokenizer (api, WH_SEARCH_TOKENIZER_NAME, NULL, &tokenizer, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = api->xCreateTokenizer (api, WH_SEARCH_NAMES_TOKENIZER_NAME, NULL, &names_tokenizer, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_create_function (db, WH_SEARCH_MATCH_NAME, -1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                wh_match_function, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_create_function (db, WH_SEARCH_NAMES_MATCH_NAME, -1,
                                SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                wh_names_match_function, NULL, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = api->xCreateFunction (api, WH_SEARCH_RANK_NAME, NULL, wh_rank, NULL);
  if (rc != SQLITE_OK)
    return rc;
  return api->xCreateFunction (api, WH_SEARCH_RANK_TOTALS_NAME, NULL, wh_rank_totals, NULL);
}

/* ---- Public helpers ---------------------------------------------------- */

typedef struct
{
  WhTokenFunc func;
  gpointer    user_data;
} FuncEmit;

static int
func_emit (gpointer    data,
           gboolean    colocated,
           const char *token,
           int         length,
           int         start,
           int         end)
{
  FuncEmit *e = data;

  e->func (token, (gsize) length, colocated, e->user_data);
  return SQLITE_OK;
}

void
wh_search_tokenize (const char *text,
                    gsize       length,
                    gboolean    for_query,
                    WhTokenFunc func,
                    gpointer    user_data)
{
  FuncEmit e = { func, user_data };

  g_return_if_fail (text != NULL || length == 0);
  g_return_if_fail (func != NULL);
  g_return_if_fail (length <= G_MAXINT);

  tokenize (text, (int) length, for_query, func_emit, &e);
}

typedef struct
{
  guint    n_tokens;
  gboolean last_is_word;
  gsize    last_length;
} TermInfo;

static void
term_info_cb (const char *token,
              gsize       length,
              gboolean    colocated,
              gpointer    user_data)
{
  TermInfo *info = user_data;
  gunichar c = g_utf8_get_char (token);

  info->n_tokens++;
  info->last_is_word = !is_cjk (c);
  info->last_length = (gsize) g_utf8_strlen (token, (gssize) length);
}

char *
wh_search_build_match (const char *user_query)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) match = g_string_new (NULL);
  g_autoptr(GPtrArray) terms = g_ptr_array_new_with_free_func (g_free);
  const char *p, *term_start = NULL;

  if (user_query == NULL)
    return NULL;

  valid = g_utf8_make_valid (user_query, MIN (strlen (user_query), MAX_QUERY_BYTES));
  /* A cut in the middle of a character leaves U+FFFD, a separator. */
  for (p = valid;; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean space = c == 0 || g_unichar_isspace (c);

      if (space && term_start != NULL)
        {
          g_ptr_array_add (terms, g_strndup (term_start, (gsize) (p - term_start)));
          term_start = NULL;
        }
      else if (!space && term_start == NULL)
        term_start = p;
      if (c == 0)
        break;
    }

  for (guint i = 0; i < terms->len; i++)
    {
      const char *term = terms->pdata[i];
      TermInfo info = { 0 };

      wh_search_tokenize (term, strlen (term), TRUE, term_info_cb, &info);
      if (info.n_tokens == 0)
        continue;

      if (match->len > 0)
        g_string_append_c (match, ' ');
      /* Inside an FTS5 string only '"' is special, and doubling escapes it. */
      g_string_append_c (match, '"');
      for (const char *q = term; *q; q++)
        {
          if (*q == '"')
            g_string_append_c (match, '"');
          g_string_append_c (match, *q);
        }
      g_string_append_c (match, '"');
      /* Search as you type: the word being typed may be unfinished. One
       * letter as a prefix would walk most of the vocabulary, so not that. */
      if (i == terms->len - 1 && info.last_is_word && info.last_length >= 2)
        g_string_append_c (match, '*');
    }

  if (match->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&match), FALSE);
}

/* ---- Matching names ------------------------------------------------------ */

void
wh_search_names_tokenize (const char *text,
                          gsize       length,
                          WhTokenFunc func,
                          gpointer    user_data)
{
  FuncEmit e = { func, user_data };

  g_return_if_fail (text != NULL || length == 0);
  g_return_if_fail (func != NULL);
  g_return_if_fail (length <= G_MAXINT);

  names_tokenize (text, (int) length, FALSE, func_emit, &e);
}

/* Letters of a pinyin query beyond these are not looked at: no name is that
 * long, and the ways to cut them into syllables stay few. */
#define MAX_PINYIN_LETTERS 48
#define MAX_INITIALS 16
/* Ways of reading the letters as syllables (fangan: fang an, fan gan). */
#define MAX_PARSES 8

/* The phrase of syllables s[0..n): one syllable is itself; more are their
 * joined pairs at consecutive positions, as the index holds them. */
/* Appends " OR " and the phrase, unless the match has it already (an: the
 * syllable, a n joined, and two initials are all the token "an"). */
static void
append_alternative (GString    *match,
                    const char *phrase)
{
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", phrase);
  const char *p = match->str;

  for (gsize n = strlen (quoted); (p = strstr (p, quoted)) != NULL; p += n)
    if ((p == match->str || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
      return;
  if (match->len > 0)
    g_string_append (match, " OR ");
  g_string_append (match, quoted);
}

static void
append_syllable_phrase (GString           *match,
                        const char        *letters,
                        const guint       *cuts,
                        guint              n)
{
  g_autoptr(GString) phrase = g_string_new (NULL);

  if (n == 1)
    g_string_append_len (phrase, letters, cuts[1] - cuts[0]);
  for (guint i = 0; i + 1 < n; i++)
    {
      if (i > 0)
        g_string_append_c (phrase, ' ');
      g_string_append_len (phrase, letters + cuts[i], cuts[i + 2] - cuts[i]);
    }
  append_alternative (match, phrase->str);
}

/* Whether the length bytes at text hold one of chars. */
static gboolean
strpbrk_len (const char *text,
             guint       length,
             const char *chars)
{
  for (guint i = 0; i < length; i++)
    if (strchr (chars, text[i]) != NULL)
      return TRUE;
  return FALSE;
}

/* A syllable a query's letters may be read as: one with a vowel. m, n,
 * ng, hm and hng are interjections (呣, 嗯, 噷) that no job, course or
 * station name holds, and reading "dian" as di·a·n as well added a
 * phrase of common pairs to every query with an n in it (维修电工 in
 * pinyin was the slowest query on the national cache). */
static gboolean
is_query_syllable (const char *letters,
                   guint       length)
{
  return wh_pinyin_is_syllable (letters, length) && strpbrk_len (letters, length, "aeiou");
}

static void
parse_syllables (const char     *letters,
                 guint           length,
                 const gboolean *can_finish,
                 guint          *cuts,
                 guint           n,
                 guint          *n_parses,
                 GString        *match)
{
  guint at = cuts[n];

  if (at == length)
    {
      append_syllable_phrase (match, letters, cuts, n);
      (*n_parses)++;
      return;
    }
  for (guint l = MIN (WH_PINYIN_MAX_SYLLABLE, length - at); l >= 1 && *n_parses < MAX_PARSES; l--)
    if (can_finish[at + l] && is_query_syllable (letters + at, l))
      {
        cuts[n + 1] = at + l;
        parse_syllables (letters, length, can_finish, cuts, n + 1, n_parses, match);
      }
}

static char *
build_pinyin_match (const char *ascii)
{
  g_autoptr(GString) match = g_string_new (NULL);
  char letters[MAX_PINYIN_LETTERS + 1];
  char syllables[MAX_PINYIN_LETTERS + 1];
  gboolean can_finish[MAX_PINYIN_LETTERS + 1];
  guint cuts[MAX_PINYIN_LETTERS + 2];
  guint length = 0, n_parses = 0;
  gboolean initials = TRUE;

  for (const char *p = ascii; *p != '\0'; p++)
    {
      char c = g_ascii_tolower (*p);

      /* Spaces and apostrophes between syllables, and tone numbers, are
       * what people type around pinyin; anything else is not pinyin. */
      if (c == ' ' || c == '\'' || c == '-' || g_ascii_isdigit (c))
        continue;
      if (c < 'a' || c > 'z')
        return NULL;
      if (length < MAX_PINYIN_LETTERS)
        letters[length++] = c;
    }
  letters[length] = '\0';
  /* One letter would be every name with a syllable starting so. */
  if (length < 2)
    return NULL;

  /* Syllables: v is how keyboards type ü, which the index holds as u. */
  for (guint i = 0; i <= length; i++)
    syllables[i] = letters[i] == 'v' ? 'u' : letters[i];
  can_finish[length] = TRUE;
  for (guint at = length; at-- > 0;)
    {
      can_finish[at] = FALSE;
      for (guint l = 1; l <= WH_PINYIN_MAX_SYLLABLE && at + l <= length && !can_finish[at]; l++)
        can_finish[at] = can_finish[at + l] && is_query_syllable (syllables + at, l);
    }
  cuts[0] = 0;
  if (can_finish[0])
    parse_syllables (syllables, length, can_finish, cuts, 0, &n_parses, match);

  /* Initials: their overlapping pairs at consecutive positions. Letters
   * that also read as syllables are taken as initials only without a
   * vowel among them: a, e and o begin only the few syllables that start
   * with a vowel (阿, 饿, 欧, 安…), and reading "chache" (叉车) as six such
   * initials as well made the query twice as slow on the national cache
   * (its common pairs ch, ha, he) for names almost nobody has. */
  for (guint i = 0; i < length && initials; i++)
    initials = wh_pinyin_is_initial (letters[i]) &&
               !(n_parses > 0 && strchr ("aeo", letters[i]) != NULL);
  if (initials && length <= MAX_INITIALS)
    {
      g_autoptr(GString) phrase = g_string_new (NULL);

      for (guint i = 0; i + 1 < length; i++)
        g_string_append_printf (phrase, "%s%c%c", i > 0 ? " " : "", letters[i], letters[i + 1]);
      append_alternative (match, phrase->str);
    }
  if (match->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&match), FALSE);
}

static void
collect_token_cb (const char *token,
                  gsize       length,
                  gboolean    colocated,
                  gpointer    user_data)
{
  g_ptr_array_add (user_data, g_strndup (token, length));
}

char *
wh_search_build_name_match (const char *user_query)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) match = g_string_new (NULL);
  g_auto(GStrv) terms = NULL;
  gboolean cjk = FALSE;

  if (user_query == NULL)
    return NULL;
  valid = g_utf8_make_valid (user_query, MIN (strlen (user_query), MAX_QUERY_BYTES));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    cjk |= is_cjk (g_utf8_get_char (p));
  if (!cjk)
    {
      /* Tone marks typed as such (diàn) go; so does anything not Latin. */
      g_autofree char *ascii = g_str_to_ascii (valid, "C");

      return build_pinyin_match (ascii);
    }

  /* Chinese: each term in simplified form, tokenized as a query, so that
   * 電工 finds 电工 and 电工 finds 電工. A term that is not all CJK is left
   * to the "wh" index. */
  terms = g_strsplit_set (valid, " \t\n\r", -1);
  for (guint i = 0; terms[i] != NULL; i++)
    {
      g_autoptr(GString) folded = g_string_new (NULL);
      g_autoptr(GPtrArray) tokens = g_ptr_array_new_with_free_func (g_free);

      for (const char *p = terms[i]; *p != '\0'; p = g_utf8_next_char (p))
        g_string_append_unichar (folded, wh_pinyin_fold (g_utf8_get_char (p)));
      tokenize (folded->str, (int) folded->len, TRUE, func_emit,
                &(FuncEmit) { collect_token_cb, tokens });
      if (tokens->len == 0)
        continue;
      for (guint j = 0; j < tokens->len; j++)
        if (!is_cjk (g_utf8_get_char (tokens->pdata[j])))
          return NULL;
      g_string_append_printf (match, "%s\"", match->len > 0 ? " " : "");
      for (guint j = 0; j < tokens->len; j++)
        g_string_append_printf (match, "%s%s", j > 0 ? " " : "", (char *) tokens->pdata[j]);
      g_string_append_c (match, '"');
    }
  if (match->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&match), FALSE);
}

/* ---- Matching names without the index ------------------------------------ */

/* A text as the names tokenizer sees it: its tokens end to end, and the
 * first token of each position (the others are colocated with it). Three
 * allocations a text, not a few per character: a search while the indexes
 * are pending runs this over every unindexed row. */
typedef struct
{
  guint offset, length;
} NameToken;

typedef struct
{
  GString *text;
  GArray  *tokens; /* NameToken, in position order */
  GArray  *starts; /* guint: index in tokens of each position's first */
} NameDoc;

static int
names_doc_emit (gpointer    data,
                gboolean    colocated,
                const char *token,
                int         length,
                int         start,
                int         end)
{
  NameDoc *doc = data;
  NameToken t = { (guint) doc->text->len, (guint) length };

  if (!colocated || doc->starts->len == 0)
    {
      guint first = doc->tokens->len;

      g_array_append_val (doc->starts, first);
    }
  g_string_append_len (doc->text, token, length);
  g_array_append_val (doc->tokens, t);
  return SQLITE_OK;
}

/* Whether the tokens sit at consecutive positions, each among the tokens
 * of its position. */
static gboolean
names_phrase_at (const NameDoc      *doc,
                 const char * const *tokens)
{
  guint n = g_strv_length ((char **) tokens);
  guint n_pos = doc->starts->len;

  if (n == 0)
    return TRUE;
  for (guint p = 0; p + n <= n_pos; p++)
    {
      guint j;

      for (j = 0; j < n; j++)
        {
          guint from = g_array_index (doc->starts, guint, p + j);
          guint to = p + j + 1 < n_pos ? g_array_index (doc->starts, guint, p + j + 1)
                                       : doc->tokens->len;
          gsize len = strlen (tokens[j]);
          gboolean hit = FALSE;

          for (guint k = from; k < to && !hit; k++)
            {
              const NameToken *t = &g_array_index (doc->tokens, NameToken, k);

              hit = t->length == len && memcmp (doc->text->str + t->offset, tokens[j], len) == 0;
            }
          if (!hit)
            break;
        }
      if (j == n)
        return TRUE;
    }
  return FALSE;
}

/* A match of wh_search_build_name_match: its phrases, each split into its
 * tokens, joined all by OR (any) or all by AND. */
typedef struct
{
  gboolean   any;
  GPtrArray *phrases; /* GStrv */
} NamesMatch;

static void
names_match_free (NamesMatch *m)
{
  g_ptr_array_unref (m->phrases);
  g_free (m);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NamesMatch, names_match_free)

static NamesMatch *
names_match_parse (const char *match)
{
  NamesMatch *m = g_new0 (NamesMatch, 1);
  const char *p = match;

  m->any = strstr (match, "\" OR \"") != NULL;
  m->phrases = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  while ((p = strchr (p, '"')) != NULL)
    {
      const char *end = strchr (p + 1, '"');
      g_autofree char *phrase = NULL;

      if (end == NULL)
        break;
      phrase = g_strndup (p + 1, (gsize) (end - p - 1));
      g_ptr_array_add (m->phrases, g_strsplit (phrase, " ", -1));
      p = end + 1;
    }
  return m;
}

static gboolean
names_match_phrases (const NamesMatch   *m,
                     const char * const *texts,
                     guint               n_texts)
{
  NameDoc docs[64];
  gboolean result = !m->any;

  g_return_val_if_fail (n_texts <= G_N_ELEMENTS (docs), FALSE);

  memset (docs, 0, sizeof docs);
  for (guint i = 0; i < m->phrases->len; i++)
    {
      const char * const *tokens = m->phrases->pdata[i];
      gboolean found = FALSE;

      for (guint c = 0; !found && c < n_texts; c++)
        {
          if (texts[c] == NULL)
            continue;
          if (docs[c].text == NULL)
            {
              docs[c].text = g_string_new (NULL);
              docs[c].tokens = g_array_new (FALSE, FALSE, sizeof (NameToken));
              docs[c].starts = g_array_new (FALSE, FALSE, sizeof (guint));
              names_tokenize (texts[c], (int) MIN (strlen (texts[c]), G_MAXINT), FALSE,
                              names_doc_emit, &docs[c]);
            }
          found = names_phrase_at (&docs[c], tokens);
        }
      if (found == m->any)
        {
          result = found;
          break;
        }
    }
  for (guint c = 0; c < n_texts; c++)
    if (docs[c].text != NULL)
      {
        g_string_free (docs[c].text, TRUE);
        g_array_unref (docs[c].tokens);
        g_array_unref (docs[c].starts);
      }
  return result;
}

gboolean
wh_search_names_match_texts (const char         *match,
                             const char * const *texts,
                             guint               n_texts)
{
  g_autoptr(NamesMatch) m = NULL;

  g_return_val_if_fail (match != NULL, FALSE);

  m = names_match_parse (match);
  return names_match_phrases (m, texts, n_texts);
}

/* wh_names_match(match, text, ...): wh_match for the names index, the
 * match parsed once a statement as there. */
static void
wh_names_match_function (sqlite3_context *ctx,
                         int              n_values,
                         sqlite3_value  **values)
{
  const char *texts[64] = { NULL };
  const char *match;
  g_autoptr(NamesMatch) own = NULL;
  NamesMatch *m;

  if (n_values < 1 || n_values - 1 > (int) G_N_ELEMENTS (texts) ||
      (match = (const char *) sqlite3_value_text (values[0])) == NULL)
    {
      sqlite3_result_int (ctx, 0);
      return;
    }
  if ((m = sqlite3_get_auxdata (ctx, 0)) == NULL)
    {
      sqlite3_set_auxdata (ctx, 0, names_match_parse (match), (void (*) (void *)) names_match_free);
      if ((m = sqlite3_get_auxdata (ctx, 0)) == NULL)
        m = own = names_match_parse (match);
    }
  for (int i = 1; i < n_values; i++)
    texts[i - 1] = (const char *) sqlite3_value_text (values[i]);
  sqlite3_result_int (ctx, names_match_phrases (m, texts, (guint) n_values - 1));
}

char *
wh_search_build_fold_match (const char *user_query)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) folded = g_string_new (NULL);
  gboolean changed = FALSE;

  if (user_query == NULL)
    return NULL;
  valid = g_utf8_make_valid (user_query, MIN (strlen (user_query), MAX_QUERY_BYTES));
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gunichar f = is_cjk (c) ? wh_pinyin_fold (c) : c;

      changed |= f != c;
      g_string_append_unichar (folded, f);
    }
  if (!changed)
    return NULL;
  return wh_search_build_match (folded->str);
}
