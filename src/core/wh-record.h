/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-record.h: one record of a collection, and its JSON and SQL codecs.
 *
 * A value is kept in the form SQLite stores it: INT and BOOL in i, REAL in d,
 * TEXT, STRV (items joined by U+001F) and INTV (joined by ',') in s. So a
 * decoded page goes into the cache with no further conversion.
 */
#pragma once

#include <json-glib/json-glib.h>
#include <sqlite3.h>

#include "wh-schema.h"

G_BEGIN_DECLS

#define WH_STRV_SEPARATOR '\x1f'

#define WH_CODEC_ERROR (wh_codec_error_quark ())

typedef enum
{
  WH_CODEC_ERROR_MALFORMED, /* not JSON, or not UTF-8 */
  WH_CODEC_ERROR_TOO_LARGE, /* over a size limit */
  WH_CODEC_ERROR_TOO_DEEP,  /* nested deeper than WH_MAX_JSON_DEPTH */
  WH_CODEC_ERROR_INVALID,   /* valid JSON that breaks the contract */
} WhCodecError;

GQuark wh_codec_error_quark (void);

typedef struct
{
  gboolean is_set;
  gint64   i;
  double   d;
  char    *s;
} WhValue;

typedef struct
{
  const WhCollection *collection;
  gint64              id;
  gint64              rev;
  gboolean            deleted;
  WhValue             values[];
} WhRecord;

WhRecord   *wh_record_new           (const WhCollection *collection);
WhRecord   *wh_record_copy          (const WhRecord     *record);
void        wh_record_free          (WhRecord           *record);
void        wh_record_clear_values  (WhRecord           *record);
gboolean    wh_record_equal         (const WhRecord     *a,
                                     const WhRecord     *b);

/* Setters and getters by field name; a wrong name is a programming error. */
void        wh_record_set_int       (WhRecord           *record,
                                     const char         *field,
                                     gint64              value);
void        wh_record_set_real      (WhRecord           *record,
                                     const char         *field,
                                     double              value);
void        wh_record_set_bool      (WhRecord           *record,
                                     const char         *field,
                                     gboolean            value);
void        wh_record_set_text      (WhRecord           *record,
                                     const char         *field,
                                     const char         *value);
void        wh_record_take_text     (WhRecord           *record,
                                     const char         *field,
                                     char               *value);
void        wh_record_set_strv      (WhRecord           *record,
                                     const char         *field,
                                     const char * const *value);
void        wh_record_set_intv      (WhRecord           *record,
                                     const char         *field,
                                     const gint64       *values,
                                     guint               n_values);
void        wh_record_unset         (WhRecord           *record,
                                     const char         *field);
gboolean    wh_record_is_set        (const WhRecord     *record,
                                     const char         *field);
gint64      wh_record_get_int       (const WhRecord     *record,
                                     const char         *field);
double      wh_record_get_real      (const WhRecord     *record,
                                     const char         *field);
gboolean    wh_record_get_bool      (const WhRecord     *record,
                                     const char         *field);
const char *wh_record_get_text      (const WhRecord     *record,
                                     const char         *field);
char      **wh_record_dup_strv      (const WhRecord     *record,
                                     const char         *field);
GArray     *wh_record_dup_intv      (const WhRecord     *record,
                                     const char         *field);

/* JSON. from_json checks every field against the schema and never trusts
 * the input; to_json writes what from_json accepts (wh_record_to_string,
 * in wh-codec.h, writes it out through the codec's strict writer). */
WhRecord   *wh_record_from_json     (const WhCollection *collection,
                                     JsonNode           *node,
                                     GError            **error);
void        wh_record_to_builder    (const WhRecord     *record,
                                     JsonBuilder        *builder);
JsonNode   *wh_record_to_json       (const WhRecord     *record);

/* SQL: the same column order everywhere, after "id, rev, deleted". */
char       *wh_collection_sql_column_defs   (const WhCollection *collection);
char       *wh_collection_sql_column_names  (const WhCollection *collection,
                                             const char         *prefix);
char       *wh_collection_sql_placeholders  (const WhCollection *collection);
void        wh_record_bind_values           (const WhRecord     *record,
                                             sqlite3_stmt       *stmt,
                                             int                 first_param);
void        wh_record_read_values           (WhRecord           *record,
                                             sqlite3_stmt       *stmt,
                                             int                 first_column);

/* Checks the values of a row in the SQL form (columns first_column on, in
 * the collection's order) as from_json checks a record's: the same types,
 * ranges, lengths and formats. For rows from outside (a region snapshot). */
gboolean    wh_record_check_sql_values      (const WhCollection *collection,
                                             sqlite3_stmt       *stmt,
                                             int                 first_column,
                                             GError            **error);

/* A WH_FORMAT_WINDOW value, "HH:MM-HH:MM", as minutes of the day (start
 * included, end excluded, 24:00 the end of the day); FALSE when malformed. */
gboolean    wh_window_parse                 (const char         *window,
                                             int                *start,
                                             int                *end);
/* Whether one of windows (NULL-terminated, NULL: none) holds minute. */
gboolean    wh_windows_contain              (const char * const *windows,
                                             int                 minute);

/* Checks one value against its field; used by from_json and by writers. */
gboolean    wh_field_check_text             (const WhField      *field,
                                             const char         *value,
                                             GError            **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhRecord, wh_record_free)

G_END_DECLS
