/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "wh-codec.h"
#include "wh-test.h"

static WhRecord *
make_station (void)
{
  static const char * const amenities[] = { "hot_water", "charging", NULL };
  WhRecord *r = wh_record_new (&wh_collection_stations);

  r->id = 7;
  r->rev = 42;
  wh_record_set_text (r, "name", "朝阳区望京街道工会驿站");
  wh_record_set_text (r, "address", "北京市朝阳区望京街 8 号");
  wh_record_set_int (r, "adcode", 110105);
  wh_record_set_real (r, "lat", 39.99);
  wh_record_set_real (r, "lon", 116.47);
  wh_record_set_strv (r, "amenities", amenities);
  wh_record_set_bool (r, "open_24h", FALSE);
  wh_record_set_text (r, "opens", "08:00");
  wh_record_set_text (r, "closes", "20:30");
  wh_record_set_text (r, "status", "open");
  return r;
}

static WhRecord *
parse_station (const char *json,
               GError    **error)
{
  return wh_record_parse (&wh_collection_stations, json, strlen (json), error);
}

static void
test_roundtrip (void)
{
  g_autoptr(WhRecord) r = make_station ();
  g_autofree char *json = wh_record_to_string (r);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) back = parse_station (json, &error);
  g_auto(GStrv) amenities = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (back);
  g_assert_true (wh_record_equal (r, back));
  g_assert_cmpint (back->rev, ==, 42);
  amenities = wh_record_dup_strv (back, "amenities");
  g_assert_cmpuint (g_strv_length (amenities), ==, 2);
  g_assert_cmpstr (amenities[1], ==, "charging");
  g_assert_cmpstr (wh_record_get_text (back, "name"), ==, "朝阳区望京街道工会驿站");
}

static void
test_intv (void)
{
  const gint64 answer[] = { 0, 2 };
  static const char * const options[] = { "断电", "验电", "挂牌", NULL };
  g_autoptr(WhRecord) q = wh_record_new (&wh_collection_questions);
  g_autoptr(WhRecord) back = NULL;
  g_autoptr(GArray) got = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  q->id = 1;
  q->rev = 1;
  wh_record_set_int (q, "course_id", 3);
  wh_record_set_text (q, "kind", "multiple");
  wh_record_set_text (q, "stem", "停电检修前应当做什么？");
  wh_record_set_strv (q, "options", options);
  wh_record_set_intv (q, "answer", answer, G_N_ELEMENTS (answer));
  json = wh_record_to_string (q);
  g_assert_nonnull (strstr (json, "\"answer\":[0,2]"));
  back = wh_record_parse (&wh_collection_questions, json, strlen (json), &error);
  g_assert_no_error (error);
  got = wh_record_dup_intv (back, "answer");
  g_assert_cmpuint (got->len, ==, 2);
  g_assert_cmpint (g_array_index (got, gint64, 1), ==, 2);
}

static void
test_tombstone (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) r = parse_station ("{\"id\":5,\"rev\":9,\"deleted\":true}", &error);

  g_assert_no_error (error);
  g_assert_true (r->deleted);
  g_assert_cmpint (r->id, ==, 5);
}

static void
test_rejects (void)
{
  /* Each breaks the contract in one way; none may be accepted. */
  const char *bad[] = {
    "[]",
    "{\"rev\":1,\"name\":\"a\"}",                                   /* no id */
    "{\"id\":\"1\",\"rev\":1}",                                     /* id as string */
    "{\"id\":1,\"rev\":0,\"name\":\"a\"}",                          /* rev < 1 */
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":91,\"lon\":1,\"status\":\"open\"}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":1,\"lon\":1,\"status\":\"gone\"}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":1,\"lon\":1,\"status\":\"open\","
    "\"amenities\":[\"pool\"]}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":1,\"lon\":1,\"status\":\"open\","
    "\"opens\":\"25:00\"}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\\u0001\",\"address\":\"b\",\"lat\":1,\"lon\":1,"
    "\"status\":\"open\"}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":\"1\",\"lon\":1,\"status\":\"open\"}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":1,\"lon\":1,\"status\":\"open\","
    "\"photos\":[\"../etc/passwd\"]}",
    "{\"id\":1,\"rev\":1,\"name\":\"a\",\"address\":\"b\",\"lat\":1,\"lon\":1,\"status\":\"open\","
    "\"deleted\":\"yes\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(WhRecord) r = parse_station (bad[i], &error);

      g_test_message ("case %u: %s", i, bad[i]);
      g_assert_null (r);
      g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
    }
}

static void
test_bounded_parse (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) deep = g_string_new (NULL);
  JsonNode *node;
  const char bad_utf8[] = "{\"a\":\"\xff\xfe\"}";

  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  node = wh_json_parse_bounded (deep->str, deep->len, G_MAXSIZE, &error);
  g_assert_null (node);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_DEEP);
  g_clear_error (&error);

  /* Brackets inside strings do not count as nesting. */
  node = wh_json_parse_bounded ("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", 36, 1000, &error);
  g_assert_no_error (error);
  json_node_unref (node);

  node = wh_json_parse_bounded (bad_utf8, strlen (bad_utf8), 1000, &error);
  g_assert_null (node);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED);
  g_clear_error (&error);

  node = wh_json_parse_bounded ("{\"a\":1}", 7, 6, &error);
  g_assert_null (node);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_LARGE);
  g_clear_error (&error);

  node = wh_json_parse_bounded ("{\"a\":", 5, 1000, &error);
  g_assert_null (node);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED);
}

/* json-glib's lexer takes comments and single-quoted strings; a '"' inside
 * one must not make the nesting count skip the brackets after it. Found by
 * tests/fuzz/fuzz-json-bounded; before the fix the 100,000 levels below
 * overflowed the stack inside json-glib. */
static void
test_bounded_parse_hidden_nesting (void)
{
  const char * const wrappers[][2] = {
    { "[/*\"*/", "/*\"*/]" },
    { "['\"',", ",'\"']" },
    { "{'\"':", ",'\"':1}" },
  };

  for (guint w = 0; w < G_N_ELEMENTS (wrappers); w++)
    {
      g_autoptr(GString) doc = g_string_new (wrappers[w][0]);
      g_autoptr(GError) error = NULL;
      JsonNode *node;

      for (int i = 0; i < 100000; i++)
        g_string_append_c (doc, '[');
      for (int i = 0; i < 100000; i++)
        g_string_append_c (doc, ']');
      g_string_append (doc, wrappers[w][1]);
      node = wh_json_parse_bounded (doc->str, doc->len, G_MAXSIZE, &error);
      g_assert_null (node);
      g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED);
    }

  /* Strict JSON with every kind of value still passes. */
  {
    const char *json = "{\"a\": [1, -2.5e+3, true, false, null, \"/*'x'*/\"],\r\n\t\"b\": {}}";
    g_autoptr(GError) error = NULL;
    JsonNode *node = wh_json_parse_bounded (json, strlen (json), 1000, &error);

    g_assert_no_error (error);
    json_node_unref (node);
  }
}

/* json-glib 1.6 keeps the last of several top-level values and leaks the
 * others (json-glib issue #74). Found by the fuzz targets' leak checks. */
static void
test_bounded_parse_one_value (void)
{
  const char * const several[] = {
    "{\"a\":1} {\"b\":2}", "[1][2]", "1 [2]", "\"a\" {}", "{}\"a\"", "[1]]", "]",
  };
  const char * const one[] = { "5", "null", "\"a\"", " [1] \r\n", "{\"a\":[{}]}\n" };

  for (guint i = 0; i < G_N_ELEMENTS (several); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = wh_json_parse_bounded (several[i], strlen (several[i]), 1000, &error);

      g_assert_null (node);
      g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED);
    }
  for (guint i = 0; i < G_N_ELEMENTS (one); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = wh_json_parse_bounded (one[i], strlen (one[i]), 1000, &error);

      g_assert_no_error (error);
      json_node_unref (node);
    }
}

/* A lone surrogate escape followed by another \u escape never reaches
 * json-glib 1.6, which leaks on it (found by fuzz-json-bounded); no lone
 * surrogate does now (tests/test-json-strict.c). */
static void
test_bounded_parse_escapes (void)
{
  const char * const refused[] = {
    "[\"\\udc00\\ud800\"]", "[\"\\ud800\\u0041\"]", "[\"\\udc00\\u0041\"]",
    "[\"\\ud800\\ud800\"]", "[\"\\udc00\\udc00\"]", "[\"a\\uddda\\u000\"]",
    "[\"\\ud83d\\ude00\\udc00\\u0041\"]", "[\"\\udk0\\udc00\\ud80\"]", "[\"\\u12\"]",
  };
  const char * const accepted[] = {
    "[\"\\ud83d\\ude00\"]", "[\"\\u4e2d\\u0041\\\\u\"]", "[\"\\\\\\u0041\"]",
    "[\"\\ud83d\\ude00\\ud83d\\ude00\"]",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = wh_json_parse_bounded (refused[i], strlen (refused[i]), 1000, &error);

      g_assert_null (node);
      g_assert_true (g_error_matches (error, WH_CODEC_ERROR, WH_CODEC_ERROR_MALFORMED) ||
                     g_error_matches (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID));
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      JsonNode *node = wh_json_parse_bounded (accepted[i], strlen (accepted[i]), 1000, &error);

      g_assert_no_error (error);
      json_node_unref (node);
    }
}

static void
test_page (void)
{
  g_autoptr(WhPage) page = wh_page_new (&wh_collection_stations);
  g_autoptr(WhPage) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *spliced = NULL;
  WhRecord *tomb = wh_record_new (&wh_collection_stations);
  gsize len;

  g_ptr_array_add (page->records, make_station ());
  tomb->id = 8;
  tomb->rev = 43;
  tomb->deleted = TRUE;
  g_ptr_array_add (page->records, tomb);
  page->since = 10;
  page->next_since = 43;
  page->server_rev = 50;
  page->has_more = TRUE;
  json = wh_page_to_json (page, &len);

  back = wh_page_from_json (&wh_collection_stations, json, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->records->len, ==, 2);
  g_assert_cmpint (back->next_since, ==, 43);
  g_assert_true (back->has_more);
  g_assert_cmpint (back->remaining, ==, -1);
  g_clear_pointer (&back, wh_page_free);

  /* A page for another collection is refused whole. */
  back = wh_page_from_json (&wh_collection_jobs, json, len, &error);
  g_assert_null (back);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
  g_clear_error (&error);

  /* One bad record is skipped and reported; the rest is kept. */
  spliced = g_strdup (json);
  memcpy (strstr (spliced, "\"open\""), "\"shut\"", 6);
  back = wh_page_from_json (&wh_collection_stations, spliced, len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back->records->len, ==, 1);
  g_assert_cmpuint (back->n_rejected, ==, 1);
  g_assert_true (((WhRecord *) back->records->pdata[0])->deleted);
}

static void
test_page_cursor_lies (void)
{
  /* A record above next_since would let the cursor skip it: refuse the page. */
  const char *json = "{\"collection\":\"categories\",\"since\":0,\"next_since\":5,"
                     "\"server_rev\":9,\"has_more\":false,"
                     "\"records\":[{\"id\":1,\"rev\":7,\"name\":\"电工\"}]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_page_from_json (&wh_collection_categories, json, strlen (json),
                                              &error);

  g_assert_null (page);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
}

/* remaining is a count: a negative one would reach a progress bar. Found by
 * tests/fuzz/fuzz-page, whose round trip lost it. */
static void
test_page_remaining (void)
{
#define PAGE(remaining) "{\"collection\":\"categories\",\"since\":0,\"next_since\":0," \
                        "\"server_rev\":9,\"has_more\":true,\"remaining\":" remaining ",\"records\":[]}"
  const char *good = PAGE ("7");
  const char *bad = PAGE ("-5");
#undef PAGE
  g_autoptr(GError) error = NULL;
  g_autoptr(WhPage) page = wh_page_from_json (&wh_collection_categories, good, strlen (good),
                                              &error);

  g_assert_no_error (error);
  g_assert_cmpint (page->remaining, ==, 7);
  g_clear_pointer (&page, wh_page_free);

  page = wh_page_from_json (&wh_collection_categories, bad, strlen (bad), &error);
  g_assert_null (page);
  g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
}

static void
test_error_body (void)
{
  g_autofree char *body = wh_error_body_new ("quota_exhausted", "gone");
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  g_assert_true (wh_error_body_parse (body, strlen (body), &code, &message));
  g_assert_cmpstr (code, ==, "quota_exhausted");
  g_assert_cmpstr (message, ==, "gone");
  g_assert_false (wh_error_body_parse ("{\"error\":\"x\"}", 13, NULL, NULL));
  g_assert_false (wh_error_body_parse ("<html>", 6, NULL, NULL));
}

/* A code or message of the wrong type is ignored without a critical (which
 * wh_test_init makes fatal). Found by fuzz-json-bounded. */
static void
test_error_body_wrong_types (void)
{
  const char *array_message = "{\"error\":{\"code\":\"x\",\"message\":[\"m\"]}}";
  const char *object_code = "{\"error\":{\"code\":{},\"message\":\"m\"}}";
  const char *number_message = "{\"error\":{\"code\":\"x\",\"message\":5}}";
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  g_assert_true (wh_error_body_parse (array_message, strlen (array_message), &code, &message));
  g_assert_cmpstr (code, ==, "x");
  g_assert_cmpstr (message, ==, "");
  g_assert_false (wh_error_body_parse (object_code, strlen (object_code), NULL, NULL));
  g_clear_pointer (&code, g_free);
  g_clear_pointer (&message, g_free);
  g_assert_true (wh_error_body_parse (number_message, strlen (number_message), &code, &message));
  g_assert_cmpstr (message, ==, "");
}

/* A lone surrogate escape, which json-glib 1.6 decodes to bytes that are
 * not UTF-8, makes the whole body refused, code or message. Found by
 * fuzz-json-bounded. */
static void
test_error_body_surrogates (void)
{
  const char *bad_code = "{\"error\":{\"code\":\"a\\udddd00\",\"message\":\"m\"}}";
  const char *bad_message = "{\"error\":{\"code\":\"x\",\"message\":\"m\\ud800!!\"}}";
  const char *pair = "{\"error\":{\"code\":\"x\",\"message\":\"m\\ud83d\\ude00\"}}";
  g_autofree char *code = NULL;
  g_autofree char *message = NULL;

  g_assert_false (wh_error_body_parse (bad_code, strlen (bad_code), NULL, NULL));
  g_assert_false (wh_error_body_parse (bad_message, strlen (bad_message), NULL, NULL));
  g_assert_true (wh_error_body_parse (pair, strlen (pair), &code, &message));
  g_assert_cmpstr (code, ==, "x");
  g_assert_cmpstr (message, ==, "m\xf0\x9f\x98\x80");
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);
  g_test_add_func ("/codec/record/roundtrip", test_roundtrip);
  g_test_add_func ("/codec/record/intv", test_intv);
  g_test_add_func ("/codec/record/tombstone", test_tombstone);
  g_test_add_func ("/codec/record/rejects", test_rejects);
  g_test_add_func ("/codec/json/bounded", test_bounded_parse);
  g_test_add_func ("/codec/json/bounded-hidden-nesting", test_bounded_parse_hidden_nesting);
  g_test_add_func ("/codec/json/bounded-one-value", test_bounded_parse_one_value);
  g_test_add_func ("/codec/json/bounded-escapes", test_bounded_parse_escapes);
  g_test_add_func ("/codec/page/roundtrip", test_page);
  g_test_add_func ("/codec/page/cursor-lies", test_page_cursor_lies);
  g_test_add_func ("/codec/page/remaining", test_page_remaining);
  g_test_add_func ("/codec/error-body", test_error_body);
  g_test_add_func ("/codec/error-body/wrong-types", test_error_body_wrong_types);
  g_test_add_func ("/codec/error-body/surrogates", test_error_body_surrogates);
  return g_test_run ();
}
