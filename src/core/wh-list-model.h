/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-list-model.h: a lazy GListModel of WhRecordObject over a store query.
 *
 * Filtering and sorting happen in SQL (GtkFilterListModel and
 * GtkSortListModel block for seconds over a million items). The number of
 * items is one COUNT, kept until a reload; items are fetched a page of 100 at
 * a time and a few pages are kept. A page next to a kept one is found by its
 * key (the sort value and id of the neighbouring row), so scrolling costs
 * O(page) however deep; only a jump far away pays an OFFSET once.
 *
 * Use it from one thread (the UI's). It follows the store's ::changed signal
 * for its collection and reloads (coalesced, in the main context it was
 * made in) after a sync writes: the count and the pages it keeps are read
 * again in a worker thread, so the views rebind from memory, never waiting
 * on SQL. wh_list_model_reload() reloads at once, on the calling thread.
 */
#pragma once

#include <gio/gio.h>

#include "wh-record-object.h"
#include "wh-store.h"

G_BEGIN_DECLS

#define WH_LIST_MODEL_PAGE_SIZE 100

#define WH_TYPE_LIST_MODEL (wh_list_model_get_type ())
G_DECLARE_FINAL_TYPE (WhListModel, wh_list_model, WH, LIST_MODEL, GObject)

WhListModel   *wh_list_model_new       (WhStore       *store,
                                        const WhQuery *query);
WhStore       *wh_list_model_get_store (WhListModel   *self);
const WhQuery *wh_list_model_get_query (WhListModel   *self);
/* Replaces the query (a new filter or sort) and reloads. */
void           wh_list_model_set_query (WhListModel   *self,
                                        const WhQuery *query);
/* The same without blocking: the count and the first page are read in a
 * worker thread, then the query, the count and that page replace the old
 * ones at once (one ::items-changed), so the old rows stay on screen until
 * the new ones are ready. A later call (sync or async) supersedes a pending
 * one, which then finishes with G_IO_ERROR_CANCELLED; so does cancellable. */
void           wh_list_model_set_query_async  (WhListModel         *self,
                                               const WhQuery       *query,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean       wh_list_model_set_query_finish (WhListModel         *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* Counts again, forgets every page and emits ::items-changed. */
void           wh_list_model_reload    (WhListModel   *self);

G_END_DECLS
