/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh_json_parse_bounded against RFC 8259 and the contract's ranges, and
 * wh_json_to_data writing only what it accepts, exactly.
 *
 * tests/data/jsontestsuite/ holds the test_parsing files of JSONTestSuite
 * (github.com/nst/JSONTestSuite, MIT licence beside them): n_ files must be
 * refused, y_ files accepted unless the contract excludes them (listed
 * below), and i_ files, which RFC 8259 leaves to the parser, are all
 * refused: numbers that are infinite or 0 as a double and integers beyond
 * ±(2^53−1) (i_number_*, with a range error), unpaired surrogate escapes
 * (with a range error), text that is not UTF-8 (UTF-16, Latin-1, overlong
 * or truncated sequences, encoded surrogates), a UTF-8 byte order mark, and
 * 500 nested arrays (deeper than 16). */
#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-test.h"

/* y_ files that are JSON but that the contract refuses, each with a range
 * error (WH_CODEC_ERROR_INVALID), not a syntax one. */
static const char * const y_excluded[] = {
  "y_object_escaped_null_in_key.json", /* "\u0000": the contract's text holds no NUL */
  "y_string_null_escape.json",
};

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static JsonNode *
parse (const char *text,
       gsize       length,
       GError    **error)
{
  return wh_json_parse_bounded (text, length, G_MAXSIZE, error);
}

static void
test_jsontestsuite (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "jsontestsuite", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint n_refused = 0, n_accepted = 0, n_excluded = 0, n_i_refused = 0;
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".json"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *text = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = NULL;
      gsize length;

      name = names->pdata[i];
      path = g_build_filename (dir_path, name, NULL);
      g_assert_true (g_file_get_contents (path, &text, &length, NULL));
      root = parse (text, length, &error);

      if (name[0] == 'n')
        {
          if (root != NULL)
            g_error ("%s is not JSON but was accepted", name);
          g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
          n_refused++;
        }
      else if (name[0] == 'y' && g_strv_contains (y_excluded, name))
        {
          if (root != NULL)
            g_error ("%s is outside the contract's ranges but was accepted", name);
          g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
          n_excluded++;
        }
      else if (name[0] == 'y')
        {
          if (root == NULL)
            g_error ("%s is JSON but was refused: %s", name, error->message);
          n_accepted++;
        }
      else if (name[0] == 'i')
        {
          if (root != NULL)
            g_error ("%s was accepted", name);
          if (g_str_has_prefix (name, "i_number_"))
            g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
          g_assert_true (error != NULL && error->domain == WH_CODEC_ERROR);
          n_i_refused++;
        }
    }
  g_test_message ("n_: %u refused; y_: %u accepted, %u outside the contract; i_: %u refused",
                  n_refused, n_accepted, n_excluded, n_i_refused);
  g_assert_cmpuint (n_refused, ==, 188);
  g_assert_cmpuint (n_accepted + n_excluded, ==, 95);
  g_assert_cmpuint (n_excluded, ==, G_N_ELEMENTS (y_excluded));
  g_assert_cmpuint (n_i_refused, ==, 35);
}

typedef struct
{
  const char *text;
  int         code;   /* WhCodecError */
  const char *reason; /* in the message */
  guint       byte;   /* the byte at fault, from 1 */
} Refusal;

static void
assert_refusals (const Refusal *cases,
                 guint          n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = parse (cases[i].text, strlen (cases[i].text), &error);
      g_autofree char *at = g_strdup_printf ("(at byte %u)", cases[i].byte);

      g_test_message ("%s", cases[i].text);
      g_assert_null (root);
      g_assert_error (error, WH_CODEC_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].reason) == NULL || strstr (error->message, at) == NULL)
        g_error ("%s: %s", cases[i].text, error->message);
    }
}

/* What json-glib 1.6 alone took (the 20 must-reject files of JSONTestSuite
 * it accepted, by kind), each refused with its reason and place. */
static void
test_listed (void)
{
  static const Refusal cases[] = {
    { "[012]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[-012]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 4 },
    { "[.2e-3]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 2 },
    { "[1.]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[- 1]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[-]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[1.]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[+1]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 2 },
    { "[0x10]", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 3 },
    { "[1.2.3]", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 5 },
    { "[\"a\tb\"]", WH_CODEC_ERROR_MALFORMED, "a control character inside a string", 4 },
    { "[\"a\nb\"]", WH_CODEC_ERROR_MALFORMED, "a control character inside a string", 4 },
    { "[\"\\x00\"]", WH_CODEC_ERROR_MALFORMED, "an escape that JSON does not have", 3 },
    { "[\"\\a\"]", WH_CODEC_ERROR_MALFORMED, "an escape that JSON does not have", 3 },
    { "[\"\\'\"]", WH_CODEC_ERROR_MALFORMED, "an escape that JSON does not have", 3 },
    { "['a']", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 2 },
    { "[1 /* c */]", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 4 },
    { "[1,]", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 4 },
    { "{\"a\":1,}", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 8 },
    { "[NaN]", WH_CODEC_ERROR_MALFORMED, "an unexpected character", 2 },
    { "[-Infinity]", WH_CODEC_ERROR_MALFORMED, "a number not written as JSON", 3 },
    { "[1] [2]", WH_CODEC_ERROR_MALFORMED, "more follows the one value", 5 },
    { "[1", WH_CODEC_ERROR_MALFORMED, "ends in the middle of a value", 3 },
    { "[\"abc", WH_CODEC_ERROR_MALFORMED, "ends in the middle of a value", 6 },
    { " ", WH_CODEC_ERROR_MALFORMED, "ends in the middle of a value", 2 },
  };

  assert_refusals (cases, G_N_ELEMENTS (cases));
}

/* Integers within ±(2^53−1) keep their value; beyond, a range error, never
 * a wrapped, saturated or rounded number. */
static void
test_integer_range (void)
{
  static const Refusal cases[] = {
    { "[9007199254740992]", WH_CODEC_ERROR_INVALID, "±(2^53−1)", 2 },
    { "[-9007199254740992]", WH_CODEC_ERROR_INVALID, "±(2^53−1)", 2 },
    { "[18446744073709551616]", WH_CODEC_ERROR_INVALID, "±(2^53−1)", 2 },
    { "[-123123123123123123123123123123]", WH_CODEC_ERROR_INVALID, "±(2^53−1)", 2 },
    { "{\"id\":1152921504606846976}", WH_CODEC_ERROR_INVALID, "±(2^53−1)", 7 },
  };
  const struct
  {
    const char *text;
    gint64      value;
  } kept[] = {
    { "9007199254740991", G_GINT64_CONSTANT (9007199254740991) },
    { "-9007199254740991", -G_GINT64_CONSTANT (9007199254740991) },
    { "1000000000000000", G_GINT64_CONSTANT (1000000000000000) },
    { "-0", 0 },
    { "0", 0 },
  };

  assert_refusals (cases, G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = parse (kept[i].text, strlen (kept[i].text), &error);

      g_assert_no_error (error);
      g_assert_cmpuint (json_node_get_value_type (root), ==, G_TYPE_INT64);
      g_assert_cmpint (json_node_get_int (root), ==, kept[i].value);
    }
}

static void
test_real_range (void)
{
  static const Refusal cases[] = {
    { "[1e400]", WH_CODEC_ERROR_INVALID, "too large or too small", 2 },
    { "[-1e400]", WH_CODEC_ERROR_INVALID, "too large or too small", 2 },
    { "[1.8e308]", WH_CODEC_ERROR_INVALID, "too large or too small", 2 },
    { "[2e-324]", WH_CODEC_ERROR_INVALID, "too large or too small", 2 },
    { "[0.1e-99999999999999999999]", WH_CODEC_ERROR_INVALID, "too large or too small", 2 },
  };
  const struct
  {
    const char *text;
    double      value;
  } kept[] = {
    { "1.7976931348623157e308", DBL_MAX },
    { "5e-324", 4.9406564584124654e-324 },
    { "0e-400", 0.0 },
    { "-0.0", -0.0 },
    { "1E2", 100.0 },
    { "-1e-78", -1e-78 },
  };

  assert_refusals (cases, G_N_ELEMENTS (cases));
  for (guint i = 0; i < G_N_ELEMENTS (kept); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) root = parse (kept[i].text, strlen (kept[i].text), &error);
      double value;

      g_assert_no_error (error);
      g_assert_cmpuint (json_node_get_value_type (root), ==, G_TYPE_DOUBLE);
      value = json_node_get_double (root);
      g_assert_cmpmem (&value, sizeof value, &kept[i].value, sizeof kept[i].value);
    }
}

/* RFC 8259 allows "\u0000" and unpaired surrogates; the contract does not
 * (json-glib 1.6 cuts a string at the first, and turns the second into
 * bytes that are not UTF-8). A pair is one character. */
static void
test_string_range (void)
{
  static const Refusal cases[] = {
    { "[\"A\\u0000B\"]", WH_CODEC_ERROR_INVALID, "U+0000", 4 },
    { "{\"a\\u0000\":1}", WH_CODEC_ERROR_INVALID, "U+0000", 4 },
    { "[\"\\ud800\"]", WH_CODEC_ERROR_INVALID, "unpaired surrogate", 3 },
    { "[\"\\ud800x\"]", WH_CODEC_ERROR_INVALID, "unpaired surrogate", 3 },
    { "[\"\\udc00\"]", WH_CODEC_ERROR_INVALID, "unpaired surrogate", 3 },
    { "[\"\\ud800\\u0041\"]", WH_CODEC_ERROR_INVALID, "unpaired surrogate", 3 },
    { "[\"\\ud800\\ud800\"]", WH_CODEC_ERROR_INVALID, "unpaired surrogate", 3 },
    { "[\"\\ud800\\udcxx\"]", WH_CODEC_ERROR_MALFORMED, "an escape that JSON does not have", 9 },
    { "[\"\\u12\"]", WH_CODEC_ERROR_MALFORMED, "an escape that JSON does not have", 3 },
  };
  const char *pair = "[\"\\ud834\\udd1e\\u00e9\\u001f\\/\"]";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;

  assert_refusals (cases, G_N_ELEMENTS (cases));
  root = parse (pair, strlen (pair), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (root), 0), ==,
                   "\xf0\x9d\x84\x9e\xc3\xa9\x1f/");
}

static WhRecord *
make_station (double lat)
{
  WhRecord *r = wh_record_new (&wh_collection_stations);

  r->id = 7;
  r->rev = 42;
  wh_record_set_text (r, "name", "望京街道工会驿站");
  wh_record_set_text (r, "address", "望京街 8 号");
  wh_record_set_real (r, "lat", lat);
  wh_record_set_real (r, "lon", -lat);
  wh_record_set_text (r, "status", "open");
  return r;
}

static WhRecord *
parse_station (const char *json,
               GError    **error)
{
  return wh_record_parse (&wh_collection_stations, json, strlen (json), error);
}

/* The record decoder converts nothing: an id past ±(2^53−1) was row 1, a
 * double for an integer field, a NUL cut the text. */
static void
test_record_values (void)
{
#define STATION(id, name, adcode) "{\"id\":" id ",\"rev\":1,\"name\":\"" name "\",\"address\":\"b\"," \
                                  "\"lat\":1,\"lon\":1,\"status\":\"open\",\"adcode\":" adcode "}"
  const struct
  {
    const char *text;
    const char *reason;
  } refused[] = {
    { STATION ("-123123123123123123123123123123", "a", "1"), "±(2^53−1)" },
    { STATION ("1152921504606846976", "a", "1"), "±(2^53−1)" },
    { STATION ("1e2", "a", "1"), "“id”" },
    { STATION ("1.0", "a", "1"), "“id”" },
    { STATION ("1", "A\\u0000B", "1"), "U+0000" },
    { STATION ("1", "a", "1.5"), "“adcode”" },
    { STATION ("1", "a", "110105.0"), "“adcode”" },
    { STATION ("1", "a", "012"), "not valid JSON" },
  };
  const char *good = STATION ("9007199254740991", "A\\u00e9B", "110105");
#undef STATION
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) record = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) refusal = NULL;
      g_autoptr(WhRecord) r = parse_station (refused[i].text, &refusal);

      g_test_message ("%s", refused[i].text);
      g_assert_null (r);
      g_assert_true (refusal != NULL && refusal->domain == WH_CODEC_ERROR);
      g_assert_nonnull (strstr (refusal->message, refused[i].reason));
    }
  record = parse_station (good, &error);
  g_assert_no_error (error);
  g_assert_cmpint (record->id, ==, G_GINT64_CONSTANT (9007199254740991));
  g_assert_cmpstr (wh_record_get_text (record, "name"), ==, "A\xc3\xa9" "B");
  g_assert_cmpint (wh_record_get_int (record, "adcode"), ==, 110105);
}

/* json-glib 1.6 wrote -1e-78 as "-1e-78.0", which is not JSON: a server
 * record with such a coordinate gave a page every client refused. */
static void
test_record_doubles_roundtrip (void)
{
  const double values[] = {
    -1e-78, 1e-78, 5e-324, -5e-324, -0.0, 0.0, 0.1, -0.1, 2e-5, 39.99, 89.99999999999999, 90,
    -90, DBL_MIN, 1e-300, 1.0 / 3.0,
  };

  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      g_autoptr(WhRecord) record = make_station (values[i]);
      g_autoptr(WhRecord) back = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *json = wh_record_to_string (record);
      double lat, lon;

      g_test_message ("%.17g: %s", values[i], json);
      g_assert_null (strstr (json, "e-78.0"));
      back = parse_station (json, &error);
      g_assert_no_error (error);
      g_assert_true (wh_record_equal (record, back));
      lat = wh_record_get_real (back, "lat");
      lon = wh_record_get_real (back, "lon");
      g_assert_cmpmem (&lat, sizeof lat, &values[i], sizeof values[i]);
      g_assert_true (lon == -values[i] && !signbit (lon) == !!signbit (values[i]));
    }

  /* Beyond a coordinate's range: refused as out of range, not as JSON. */
  {
    g_autoptr(WhRecord) record = make_station (1e300);
    g_autofree char *json = wh_record_to_string (record);
    g_autoptr(GError) error = NULL;
    g_autoptr(WhRecord) back = parse_station (json, &error);

    g_assert_null (back);
    g_assert_error (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID);
    g_assert_nonnull (strstr (error->message, "out of range"));
  }
}

/* Every double json-glib can be given comes back bit for bit, and U+001F
 * (written raw by json-glib 1.6) comes back too. */
static void
test_writer_roundtrip (void)
{
  const double values[] = {
    -1e-78, 1e300, 5e-324, -0.0, 0.1, 123456789.123, 1e21, -1e21, 1e17, 1e16, 1e15, 100.0,
    DBL_MAX, -DBL_MAX, DBL_MIN, 2e-5, 1.5e-7, 9007199254740993.0, 0.0,
  };
  const char *text = "a\x1f" "b 1e-78.0 \"q\" \\ \t\n\x01\x7f 中";
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(JsonNode) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  JsonArray *array;
  gsize length;

  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    json_builder_add_double_value (builder, values[i]);
  json_builder_add_string_value (builder, text);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, text);
  json_builder_add_double_value (builder, -1e-78);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);

  json = wh_json_to_data (root, &length);
  g_test_message ("%s", json);
  g_assert_cmpuint (length, ==, strlen (json));
  back = parse (json, length, &error);
  g_assert_no_error (error);
  array = json_node_get_array (back);
  g_assert_cmpuint (json_array_get_length (array), ==, G_N_ELEMENTS (values) + 2);
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      double value;

      g_assert_cmpuint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
      value = json_node_get_double (node);
      g_assert_cmpmem (&value, sizeof value, &values[i], sizeof values[i]);
    }
  g_assert_cmpstr (json_array_get_string_element (array, G_N_ELEMENTS (values)), ==, text);
  g_assert_true (json_object_has_member (json_array_get_object_element (array,
                                                                        G_N_ELEMENTS (values) + 1),
                                         text));
  /* The text that looks like a number inside a string is left alone. */
  g_assert_nonnull (strstr (json, "b 1e-78.0 "));
}

/* JSON has no NaN or infinity: none is set, and none is written. */
static void
test_no_nonfinite (void)
{
  g_autoptr(WhRecord) record = make_station (1.0);
  g_autofree char *json = NULL;
  guint index;

  if (g_test_undefined ())
    {
      g_test_expect_message ("wh-record", G_LOG_LEVEL_CRITICAL, "*isfinite*");
      wh_record_set_real (record, "lat", NAN);
      g_test_assert_expected_messages ();
      g_assert_cmpfloat (wh_record_get_real (record, "lat"), ==, 1.0);
    }

  /* Even a value put there behind the setter's back. */
  g_assert_nonnull (wh_collection_find_field (&wh_collection_stations, "lat", &index));
  record->values[index].d = INFINITY;
  json = wh_record_to_string (record);
  g_assert_null (strstr (json, "inf"));
  g_assert_nonnull (strstr (json, "\"lat\":null"));
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/json-strict/jsontestsuite", test_jsontestsuite);
  g_test_add_func ("/json-strict/listed", test_listed);
  g_test_add_func ("/json-strict/integer-range", test_integer_range);
  g_test_add_func ("/json-strict/real-range", test_real_range);
  g_test_add_func ("/json-strict/string-range", test_string_range);
  g_test_add_func ("/json-strict/record-values", test_record_values);
  g_test_add_func ("/json-strict/record-doubles-roundtrip", test_record_doubles_roundtrip);
  g_test_add_func ("/json-strict/writer-roundtrip", test_writer_roundtrip);
  g_test_add_func ("/json-strict/no-nonfinite", test_no_nonfinite);
  return g_test_run ();
}
