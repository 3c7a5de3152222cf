/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-private.h: what WhListModel needs from the store beyond its API. */
#pragma once

#include "wh-store.h"

G_BEGIN_DECLS

/* One page of a query, for keyset paging. With key == NULL: rows
 * offset .. offset+limit in the query's order. With a key (a row of the same
 * collection): the limit rows right after it, or with before, the limit rows
 * right before it (still returned in the query's order). */
GPtrArray *wh_store_query_page (WhStore        *self,
                                const WhQuery  *query,
                                const WhRecord *key,
                                gboolean        before,
                                guint           offset,
                                guint           limit,
                                GError        **error);

/* Deferred indexing's sizes (wh-store.h): a first pull of at least min_rows
 * defers; the build indexes chunk_rows per transaction, a step during the
 * pull step_rows. For tests, which use small data. */
void       wh_store_set_deferral (WhStore        *self,
                                  guint           min_rows,
                                  guint           chunk_rows,
                                  guint           step_rows);

G_END_DECLS
