/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh_record_parse and wh_record_list_parse, for every collection including
 * the documents that have no feed (vouchers, me, ...). The first byte picks
 * the collection (bits 1-7) and the decoder (bit 0); the rest is the body. */
#include "config.h"

#include "wh-codec.h"
#include "wh-fuzz.h"

static const WhCollection * const collections[] = {
  &wh_collection_categories, &wh_collection_courses, &wh_collection_lessons,
  &wh_collection_questions, &wh_collection_employers, &wh_collection_jobs,
  &wh_collection_fairs, &wh_collection_stations, &wh_collection_merchants,
  &wh_collection_vouchers, &wh_collection_me, &wh_collection_progress,
  &wh_collection_quiz_attempts, &wh_collection_bookmarks, &wh_collection_station_reports,
};

static void
fuzz_record (const WhCollection *collection,
             const char         *body,
             gsize               length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) record = wh_record_parse (collection, body, length, &error);
  g_autoptr(WhRecord) again = NULL;
  g_autoptr(WhRecord) copy = NULL;
  g_autofree char *json = NULL;

  if (record == NULL)
    {
      g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
      return;
    }
  g_assert_no_error (error);
  g_assert_true (record->collection == collection);

  json = wh_record_to_string (record);
  again = wh_record_parse (collection, json, strlen (json), &error);
  g_assert_no_error (error);
  wh_fuzz_assert_same_record (record, again);
  copy = wh_record_copy (record);
  wh_fuzz_assert_same_record (record, copy);
}

static void
fuzz_list (const WhCollection *collection,
           const char         *body,
           gsize               length)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = wh_record_list_parse (collection, collection->name, body, length,
                                                       &error);
  g_autoptr(GPtrArray) again = NULL;
  g_autofree char *json = NULL;

  if (records == NULL)
    {
      g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
      return;
    }
  g_assert_no_error (error);

  json = wh_record_list_to_json (collection->name, records);
  again = wh_record_list_parse (collection, collection->name, json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, again->len);
  for (guint i = 0; i < records->len; i++)
    wh_fuzz_assert_same_record (records->pdata[i], again->pdata[i]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const WhCollection *collection;

  if (size < 1)
    return 0;
  collection = collections[(data[0] >> 1) % G_N_ELEMENTS (collections)];
  if (data[0] & 1)
    fuzz_list (collection, (const char *) data + 1, size - 1);
  else
    fuzz_record (collection, (const char *) data + 1, size - 1);
  return 0;
}
