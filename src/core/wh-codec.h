/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-codec.h: whole documents of the REST contract (data/api/CONTRACT.md).
 *
 * Everything that reads JSON from outside goes through wh_json_parse_bounded,
 * which refuses oversized, deeply nested or non-UTF-8 input before json-glib
 * (which has no nesting limit of its own) ever sees it, and anything RFC 8259
 * refuses or the contract's ranges exclude (see wh-codec.c).
 *
 * Everything that writes JSON goes through wh_json_to_data, which writes
 * only what wh_json_parse_bounded accepts.
 */
#pragma once

#include "wh-record.h"

G_BEGIN_DECLS

JsonNode  *wh_json_parse_bounded   (const char  *data,
                                    gsize        length,
                                    gsize        max_length,
                                    GError     **error);
/* json_to_string without json-glib 1.6's faults ("1e-78.0"); root must hold
 * no NaN or infinity. */
char      *wh_json_to_data         (JsonNode    *root,
                                    gsize       *length);

/* One page of a changes feed. */
typedef struct
{
  const WhCollection *collection;
  GPtrArray          *records;     /* WhRecord*, tombstones included, in rev order */
  gint64              since;
  gint64              next_since;
  gint64              server_rev;
  gboolean            has_more;
  gint64              remaining;   /* records left after this page; -1 when not asked */
  guint               n_rejected;  /* bad records that were skipped */
  GPtrArray          *rejections;  /* char*, one message per skipped record */
  gsize               bytes;       /* of the JSON it was read from (WhApi sets it) */
} WhPage;

WhPage    *wh_page_new             (const WhCollection *collection);
void       wh_page_free            (WhPage             *page);
/* Checks the envelope strictly (an error fails the page) and each record on its
 * own (a bad record is counted in n_rejected and skipped). */
WhPage    *wh_page_from_json       (const WhCollection *collection,
                                    const char         *data,
                                    gsize               length,
                                    GError            **error);
char      *wh_page_to_json         (const WhPage       *page,
                                    gsize              *length);

/* {"error": {"code": "...", "message": "..."}} */
char      *wh_error_body_new       (const char         *code,
                                    const char         *message);
gboolean   wh_error_body_parse     (const char         *data,
                                    gsize               length,
                                    char              **code,
                                    char              **message);

/* A single record document (vouchers, me, ...). */
char      *wh_record_to_string     (const WhRecord     *record);
WhRecord  *wh_record_parse         (const WhCollection *collection,
                                    const char         *data,
                                    gsize               length,
                                    GError            **error);
/* {"<member>": [records]} as sent by list endpoints (GET /vouchers). */
GPtrArray *wh_record_list_parse    (const WhCollection *collection,
                                    const char         *member,
                                    const char         *data,
                                    gsize               length,
                                    GError            **error);
char      *wh_record_list_to_json  (const char         *member,
                                    GPtrArray          *records);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhPage, wh_page_free)

G_END_DECLS
