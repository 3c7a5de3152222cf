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

G_END_DECLS
