/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pictures from outside (tests/../src/app/wh-picture-loader.c): bombs whose
 * header declares a huge size are refused or rendered small, never decoded
 * whole; the course pictures go through that loader from the cache and from
 * the network; a picture's download ends when it is cancelled. */
#include "config.h"

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/resource.h>

#include "courses/wh-course-media.h"
#include "wh-courses.h"
#include "wh-picture-loader.h"
#include "wh-test.h"

/* What one picture may cost in memory while it is opened; the bombs below
 * cost 1 GB or more when decoded whole. */
#define MAX_GROWTH_KB (100 * 1024)
#define SHOWN_SIDE    800

/* 109 bytes that declare 16000 × 16000 pixels: 1 GB as a texture. */
static const char svg_bomb[] =
  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16000\" height=\"16000\">"
  "<rect width=\"100%\" height=\"100%\"/></svg>";

static long
peak_rss_kb (void)
{
  struct rusage usage;

  g_assert_cmpint (getrusage (RUSAGE_SELF, &usage), ==, 0);
  return usage.ru_maxrss;
}

/* ---- Hand-built PNGs ---------------------------------------------------- */

static guint32
crc32_update (guint32       crc,
              const guint8 *data,
              gsize         length)
{
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
put_be32 (GByteArray *out,
          guint32     value)
{
  guint8 b[4] = { value >> 24, value >> 16, value >> 8, value };

  g_byte_array_append (out, b, 4);
}

static void
put_chunk (GByteArray   *out,
           const char   *type,
           const guint8 *data,
           guint32       length)
{
  guint32 crc = crc32_update (0, (const guint8 *) type, 4);

  put_be32 (out, length);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (length > 0)
    g_byte_array_append (out, data, length);
  put_be32 (out, crc32_update (crc, data, length));
}

/* A 1-bit grey PNG of width × height black pixels. With rows > 0 its IDAT
 * holds that many rows of zeros, deflated (16000 rows of 16000 pixels are
 * 31 KB of file and 1 GB of RGBA once decoded); with rows == 0 it is the
 * header and one empty row, which is all a loader needs to learn the size. */
static GBytes *
make_png (guint32 width,
          guint32 height,
          guint32 rows)
{
  static const guint8 magic[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GZlibCompressor) zlib = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) deflate = g_converter_output_stream_new (memory, G_CONVERTER (zlib));
  g_autofree guint8 *row = g_malloc0 ((width + 7) / 8 + 1);
  guint8 ihdr[13] = { width >> 24, width >> 16, width >> 8, width,
                      height >> 24, height >> 16, height >> 8, height,
                      1, 0, 0, 0, 0 };
  g_autoptr(GError) error = NULL;

  for (guint32 i = 0; i < MAX (rows, 1); i++)
    {
      g_output_stream_write_all (deflate, row, (width + 7) / 8 + 1, NULL, NULL, &error);
      g_assert_no_error (error);
    }
  g_output_stream_close (deflate, NULL, &error);
  g_assert_no_error (error);

  g_byte_array_append (png, magic, sizeof magic);
  put_chunk (png, "IHDR", ihdr, sizeof ihdr);
  put_chunk (png, "IDAT",
             g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (memory)),
             g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (memory)));
  put_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (g_steal_pointer (&png));
}

static GBytes *
make_normal_png (int width,
                 int height)
{
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, width, height);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  gdk_pixbuf_fill (pixbuf, 0x3366ccff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &length, "png", &error, NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

/* ---- The loader on its own ---------------------------------------------- */

static GdkTexture *
decode (GBytes  *bytes,
        guint    max_side,
        GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_picture_decode_async (bytes, max_side, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  return wh_picture_decode_finish (result, error);
}

static void
test_decode_normal (void)
{
  g_autoptr(GBytes) png = make_normal_png (64, 48);
  static const char small_svg[] =
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100\" height=\"50\"/>";
  g_autoptr(GBytes) svg = g_bytes_new_static (small_svg, strlen (small_svg));
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  texture = decode (png, SHOWN_SIDE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 64);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 48);
  g_clear_object (&texture);

  texture = decode (svg, SHOWN_SIDE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 100);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 50);
  g_clear_object (&texture);

  /* A picture larger than it is shown is scaled to fit, keeping its shape. */
  texture = decode (svg, 40, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 40);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 20);
}

static void
test_decode_refused (void)
{
  g_autoptr(GBytes) gif = g_bytes_new_static ("GIF89a\1\0\1\0\0\0\0;", 14);
  g_autoptr(GBytes) broken = g_bytes_new_static ("\x89PNG\r\n\x1a\nnot a png", 17);
  g_autofree char *huge = g_malloc0 (WH_MAX_MEDIA_BODY + 1);
  g_autoptr(GBytes) too_many = NULL;
  GdkTexture *texture;
  g_autoptr(GError) error = NULL;

  /* Only PNG and SVG reach a decoder. */
  texture = decode (gif, SHOWN_SIDE, &error);
  g_assert_null (texture);
  g_assert_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  texture = decode (broken, SHOWN_SIDE, &error);
  g_assert_null (texture);
  g_assert_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_INVALID);
  g_clear_error (&error);

  memcpy (huge, "\x89PNG\r\n\x1a\n", 8);
  too_many = g_bytes_new_take (g_steal_pointer (&huge), WH_MAX_MEDIA_BODY + 1);
  texture = decode (too_many, SHOWN_SIDE, &error);
  g_assert_null (texture);
  g_assert_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_TOO_LARGE);
}

/* ---- Course pictures: the cache, the network ----------------------------- */

typedef struct
{
  char       *dir;
  WhStore    *store;
  SoupServer *server;
  WhApi      *api;
  GBytes     *served;        /* NULL: hang */
  const char *served_type;
  guint       n_requests;
} Fixture;

static void
media_cb (SoupServer        *server,
          SoupServerMessage *msg,
          const char        *path,
          GHashTable        *query,
          gpointer           user_data)
{
  Fixture *f = user_data;

  f->n_requests++;
  if (f->served == NULL)
    {
      /* Never answers: the client must be the one to stop. */
      soup_server_message_pause (msg);
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, f->served_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (f->served, NULL),
                                    g_bytes_get_size (f->served));
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;

  f->dir = wh_test_make_tmpdir ();
  path = g_build_filename (f->dir, "cache.db", NULL);
  f->store = wh_store_open (path, &error);
  g_assert_no_error (error);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/api/v1/media", media_cb, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  f->api = wh_api_new (url, &error);
  g_assert_no_error (error);
  /* Long enough that only cancelling can end a hung download in time. */
  wh_api_set_timeouts (f->api, 60, 60, 120);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_object (&f->api);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_pointer (&f->served, g_bytes_unref);
  g_clear_object (&f->store);
  wh_test_remove_tmpdir (f->dir);
  g_free (f->dir);
}

static void
put_media (Fixture    *f,
           const char *path,
           const char *content_type,
           GBytes     *bytes)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_courses_put_media (f->store, 1, path, content_type, NULL, bytes, &error));
  g_assert_no_error (error);
}

static GdkTexture *
load (Fixture      *f,
      const char   *path,
      GCancellable *cancellable,
      GError      **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  wh_course_media_load_async (f->store, f->api, path, SHOWN_SIDE, cancellable, wh_test_result_cb,
                              &result);
  wh_test_await (&result);
  return wh_course_media_load_finish (result, error);
}

/* Opens path as the course page does and checks what it cost: a texture no
 * larger than it is shown, or a refusal that says why. */
static void
assert_opened_cheaply (Fixture    *f,
                       const char *path,
                       gboolean    refused)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  long before = peak_rss_kb ();
  long growth;

  texture = load (f, path, NULL, &error);
  growth = peak_rss_kb () - before;
  g_test_message ("%s: peak RSS grew by %ld MB opening it", path, growth / 1024);
  if (refused)
    {
      g_assert_null (texture);
      g_assert_error (error, WH_PICTURE_ERROR, WH_PICTURE_ERROR_TOO_LARGE);
      g_assert_nonnull (strstr (error->message, "too large"));
    }
  else
    {
      g_assert_no_error (error);
      g_assert_cmpint (gdk_texture_get_width (texture), <=, SHOWN_SIDE);
      g_assert_cmpint (gdk_texture_get_height (texture), <=, SHOWN_SIDE);
      g_assert_cmpint (gdk_texture_get_width (texture), >, 0);
    }
  g_assert_cmpint (growth, <, MAX_GROWTH_KB);
}

static void
test_cached_svg_bomb (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GBytes) bomb = g_bytes_new_static (svg_bomb, strlen (svg_bomb));

  put_media (f, "courses/1.svg", "image/svg+xml", bomb);
  /* Rendered straight at the size it is shown at. */
  assert_opened_cheaply (f, "courses/1.svg", FALSE);
}

static void
test_cached_png_bomb (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(GBytes) bomb = make_png (16000, 16000, 16000);

  g_assert_cmpuint (g_bytes_get_size (bomb), <, 64 * 1024);
  put_media (f, "courses/1.png", "image/png", bomb);
  assert_opened_cheaply (f, "courses/1.png", TRUE);
}

static void
test_cached_png_header (Fixture      *f,
                        gconstpointer data)
{
  /* The header alone says 100000 × 100000: refused before a row is read. */
  g_autoptr(GBytes) bomb = make_png (100000, 100000, 0);

  put_media (f, "courses/2.png", "image/png", bomb);
  assert_opened_cheaply (f, "courses/2.png", TRUE);
}

static void
test_cached_normal (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(GBytes) png = make_normal_png (320, 200);
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;

  put_media (f, "courses/3.png", "image/png", png);
  texture = load (f, "courses/3.png", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 200);
  g_assert_cmpuint (f->n_requests, ==, 0);
}

static void
test_network_bomb (Fixture      *f,
                   gconstpointer data)
{
  f->served = g_bytes_new_static (svg_bomb, strlen (svg_bomb));
  f->served_type = "image/svg+xml";
  assert_opened_cheaply (f, "courses/9.svg", FALSE);
  g_assert_cmpuint (f->n_requests, ==, 1);

  g_clear_pointer (&f->served, g_bytes_unref);
  f->served = make_png (16000, 16000, 16000);
  f->served_type = "image/png";
  assert_opened_cheaply (f, "courses/9.png", TRUE);
  g_assert_cmpuint (f->n_requests, ==, 2);
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
test_network_cancel (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  gint64 cancelled_at;

  /* Not in the cache: it is downloaded, from a server that never answers. */
  wh_course_media_load_async (f->store, f->api, "courses/7.png", SHOWN_SIDE, cancellable,
                              wh_test_result_cb, &result);
  while (f->n_requests == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (f->n_requests, ==, 1);
  g_assert_null (result);

  /* From the main loop, as a page going away does. */
  g_idle_add (cancel_cb, cancellable);
  cancelled_at = g_get_monotonic_time ();
  wh_test_await (&result);
  texture = wh_course_media_load_finish (result, &error);
  g_assert_null (texture);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* The download itself stopped, not the I/O timeout a minute later. */
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, 5 * G_USEC_PER_SEC);
}

int
main (int    argc,
      char **argv)
{
  wh_test_init (&argc, &argv);

  /* The bombs first, while the peak RSS is still that of the test itself. */
#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/pictures/cache/svg-bomb", test_cached_svg_bomb);
  ADD ("/pictures/cache/png-bomb", test_cached_png_bomb);
  ADD ("/pictures/cache/png-header", test_cached_png_header);
  ADD ("/pictures/cache/normal", test_cached_normal);
  ADD ("/pictures/network/bomb", test_network_bomb);
  ADD ("/pictures/network/cancel", test_network_cancel);
#undef ADD
  g_test_add_func ("/pictures/decode/normal", test_decode_normal);
  g_test_add_func ("/pictures/decode/refused", test_decode_refused);

  return g_test_run ();
}
