/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh_page_from_json, for each synced collection: the first byte picks the
 * collection, the rest is the body of a changes page. */
#include "config.h"

#include "wh-codec.h"
#include "wh-fuzz.h"

static void
assert_same_page (const WhPage *a,
                  const WhPage *b)
{
  g_assert_true (a->collection == b->collection);
  g_assert_cmpint (a->since, ==, b->since);
  g_assert_cmpint (a->next_since, ==, b->next_since);
  g_assert_cmpint (a->server_rev, ==, b->server_rev);
  g_assert_cmpint (a->has_more, ==, b->has_more);
  g_assert_cmpint (a->remaining, ==, b->remaining);
  g_assert_cmpuint (b->n_rejected, ==, 0);
  g_assert_cmpuint (a->records->len, ==, b->records->len);
  for (guint i = 0; i < a->records->len; i++)
    wh_fuzz_assert_same_record (a->records->pdata[i], b->records->pdata[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const WhCollection * const *synced;
  const WhCollection *collection;
  guint n_synced;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = NULL;
  g_autoptr(WhPage) again = NULL;
  g_autofree char *json = NULL;
  gsize length;

  if (size < 1)
    return 0;
  synced = wh_schema_synced_collections (&n_synced);
  collection = synced[data[0] % n_synced];

  page = wh_page_from_json (collection, (const char *) data + 1, size - 1, &error);
  if (page == NULL)
    {
      g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (page->n_rejected, ==, page->rejections->len);
  g_assert_cmpint (page->since, >=, 0);
  g_assert_cmpint (page->since, <=, page->next_since);
  g_assert_cmpint (page->next_since, <=, page->server_rev);
  g_assert_cmpuint (page->records->len, <=, WH_MAX_PAGE_LIMIT);
  for (guint i = 0; i < page->records->len; i++)
    {
      const WhRecord *record = page->records->pdata[i];

      g_assert_true (record->collection == collection);
      g_assert_cmpint (record->rev, >, i == 0 ? page->since
                                              : ((WhRecord *) page->records->pdata[i - 1])->rev);
      g_assert_cmpint (record->rev, <=, page->next_since);
    }

  /* The cache stores what was decoded and the server encodes with the same
   * codec: what from_json accepted, to_json must write back unchanged. */
  json = wh_page_to_json (page, &length);
  again = wh_page_from_json (collection, json, length, &error);
  g_assert_no_error (error);
  assert_same_page (page, again);
  return 0;
}
