/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Love meals: the voucher store, the QR code widget, and the view's claim
 * flows against the real reference server (suite "ui", under Xvfb). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "meals/wh-qr-code.h"
#include "wh-store.h"
#include "wh-test.h"

static void
spin_until_idle (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

static WhStore *
open_temp_store (char **dir_out)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);

  g_assert_no_error (error);
  if (dir_out)
    *dir_out = g_steal_pointer (&dir);
  return store;
}

static WhRecord *
make_voucher (const char *id,
              gint64      merchant_id,
              const char *day,
              const char *status)
{
  WhRecord *v = wh_record_new (&wh_collection_vouchers);
  g_autofree char *valid_until = g_strdup_printf ("%sT23:59:59+08:00", day);
  g_autofree char *claimed_at = g_strdup_printf ("%sT11:30:00+08:00", day);

  wh_record_set_text (v, "voucher_id", id);
  wh_record_set_int (v, "merchant_id", merchant_id);
  wh_record_set_text (v, "merchant_name", "黄焖鸡米饭(黄村店)");
  wh_record_set_text (v, "code", "253587322047");
  wh_record_set_text (v, "payload", "WH1.1.1.20261120.253587322047.sig");
  wh_record_set_text (v, "day", day);
  wh_record_set_text (v, "valid_until", valid_until);
  wh_record_set_text (v, "status", status);
  wh_record_set_text (v, "claimed_at", claimed_at);
  return v;
}

/* ---- Store -------------------------------------------------------------- */

static void
test_store_claim_key (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = open_temp_store (NULL);
  g_autoptr(WhStore) again = NULL;
  g_autoptr(WhRecord) voucher = make_voucher ("v1", 7, "2026-11-20", "unused");
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *k1 = NULL;
  g_autofree char *k2 = NULL;
  g_autofree char *k3 = NULL;
  g_autofree char *k4 = NULL;

  k1 = wh_store_begin_claim (store, 7, "2026-11-20", "key-one", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (k1, ==, "key-one");
  g_assert_cmpint (wh_store_get_pending_claim (store, "2026-11-20", NULL), ==, 7);

  /* a second try (another process, after a crash) gets the kept key */
  again = wh_store_open (wh_store_get_path (store), &error);
  g_assert_no_error (error);
  k2 = wh_store_begin_claim (again, 7, "2026-11-20", "key-two", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (k2, ==, "key-one");

  /* a refusal forgets it, the next try is a new claim */
  g_assert_true (wh_store_finish_claim (store, 7, "2026-11-20", NULL, &error));
  g_assert_cmpint (wh_store_get_pending_claim (store, "2026-11-20", NULL), ==, 0);
  k3 = wh_store_begin_claim (store, 7, "2026-11-20", "key-three", &error);
  g_assert_cmpstr (k3, ==, "key-three");

  /* the voucher and the end of the claim go together */
  g_assert_true (wh_store_finish_claim (store, 7, "2026-11-20", voucher, &error));
  g_assert_no_error (error);
  g_assert_cmpint (wh_store_get_pending_claim (store, "2026-11-20", NULL), ==, 0);
  list = wh_store_list_vouchers (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  g_assert_true (wh_record_equal (g_ptr_array_index (list, 0), voucher));

  /* keys of another day are dropped when a new day's claim begins */
  k4 = wh_store_begin_claim (store, 8, "2026-11-21", "key-four", &error);
  g_assert_cmpstr (k4, ==, "key-four");
  g_free (k1);
  k1 = wh_store_begin_claim (store, 7, "2026-11-20", "key-five", &error);
  g_assert_cmpstr (k1, ==, "key-five");
}

static void
test_store_vouchers_and_me (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhStore) store = open_temp_store (NULL);
  g_autoptr(GPtrArray) server = g_ptr_array_new_with_free_func ((GDestroyNotify) wh_record_free);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(WhRecord) me = wh_record_new (&wh_collection_me);
  g_autoptr(WhRecord) me2 = NULL;
  g_autoptr(WhRecord) bad = wh_record_new (&wh_collection_vouchers);

  g_assert_null (wh_store_get_me (store, &error));
  g_assert_no_error (error);
  wh_record_set_int (me, "user_id", 3);
  wh_record_set_text (me, "phone", "13800138000");
  wh_record_set_bool (me, "union_member", TRUE);
  wh_record_set_bool (me, "new_form_worker", TRUE);
  wh_record_set_bool (me, "eligible", TRUE);
  g_assert_true (wh_store_set_me (store, me, &error));
  me2 = wh_store_get_me (store, &error);
  g_assert_no_error (error);
  g_assert_true (wh_record_equal (me, me2));

  g_ptr_array_add (server, make_voucher ("v2", 1, "2026-11-19", "redeemed"));
  g_ptr_array_add (server, make_voucher ("v3", 2, "2026-11-20", "unused"));
  g_assert_true (wh_store_put_voucher (store, g_ptr_array_index (server, 0), &error));
  g_assert_true (wh_store_replace_vouchers (store, server, &error));
  g_assert_no_error (error);
  list = wh_store_list_vouchers (store, &error);
  g_assert_cmpuint (list->len, ==, 2);
  /* newest day first */
  g_assert_cmpstr (wh_record_get_text (g_ptr_array_index (list, 0), "voucher_id"), ==, "v3");

  /* an incomplete record is refused whole */
  g_assert_false (wh_store_put_voucher (store, bad, &error));
  g_assert_error (error, WH_STORE_ERROR, WH_STORE_ERROR_INVALID);
  g_clear_error (&error);

  /* signing out forgets the worker, the vouchers and pending claims */
  g_free (wh_store_begin_claim (store, 2, "2026-11-20", "k", &error));
  g_assert_true (wh_store_forget_signed_in (store, &error));
  g_assert_null (wh_store_get_me (store, &error));
  g_assert_no_error (error);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = wh_store_list_vouchers (store, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_cmpint (wh_store_get_pending_claim (store, "2026-11-20", NULL), ==, 0);

  /* and the kiosk's wipe does too */
  g_assert_true (wh_store_set_me (store, me, &error));
  g_free (wh_store_begin_claim (store, 2, "2026-11-20", "k", &error));
  g_assert_true (wh_store_wipe_personal (store, &error));
  g_assert_null (wh_store_get_me (store, &error));
  g_assert_cmpint (wh_store_get_pending_claim (store, "2026-11-20", NULL), ==, 0);
}

/* ---- QR code ------------------------------------------------------------ */

static GtkWidget *
show_in_window (GtkWidget *child,
                int        width,
                int        height)
{
  GtkWidget *window = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  gtk_window_set_child (GTK_WINDOW (window), child);
  gtk_window_present (GTK_WINDOW (window));
  for (guint i = 0; i < 200 && (!gtk_widget_get_mapped (child) ||
                                gtk_widget_get_width (child) == 0); i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
  spin_until_idle ();
  g_assert_true (gtk_widget_get_mapped (child));
  return window;
}

/* Renders the widget as it is on screen, at its own size, to a PNG. */
static GdkTexture *
render_widget (GtkWidget  *widget,
               const char *png_path)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  int w = gtk_widget_get_width (widget);
  int h = gtk_widget_get_height (widget);
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *texture;

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, png_path));
  return texture;
}

/* What zbarimg reads from a PNG, or NULL when zbar-tools is missing. */
static char *
zbar_decode (const char *png_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *zbarimg = g_find_program_in_path ("zbarimg");
  g_autofree char *out = NULL;
  const char *argv[] = { NULL, "--raw", "-q", png_path, NULL };
  int status = -1;

  if (zbarimg == NULL)
    return NULL;
  argv[0] = zbarimg;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_strchomp (out);
  return g_steal_pointer (&out);
}

/* Every pixel pure black or pure white, and a white frame at least four
 * modules wide: drawn on whole pixels, nothing blurred. */
static void
assert_crisp (GdkTexture *texture,
              guint       modules)
{
  int w = gdk_texture_get_width (texture);
  int h = gdk_texture_get_height (texture);
  g_autofree guchar *pixels = g_malloc ((gsize) w * h * 4);
  int module_px = MIN (w, h) / (int) (modules + 2 * WH_QR_CODE_QUIET_ZONE);
  int first_dark_x = w, first_dark_y = h;
  guint greys = 0;

  gdk_texture_download (texture, pixels, (gsize) w * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guchar *p = pixels + ((gsize) y * w + x) * 4;

        /* transparent margins outside the code are the window's */
        if (p[3] != 255)
          continue;
        if (!((p[0] == 0 && p[1] == 0 && p[2] == 0) || (p[0] == 255 && p[1] == 255 && p[2] == 255)))
          greys++;
        if (p[0] == 0)
          {
            first_dark_x = MIN (first_dark_x, x);
            first_dark_y = MIN (first_dark_y, y);
          }
      }
  g_assert_cmpuint (greys, ==, 0);
  g_assert_cmpint (module_px, >=, 1);
  /* the finder pattern's corner sits right after the quiet zone */
  g_assert_cmpint (first_dark_x, >=, WH_QR_CODE_QUIET_ZONE * module_px);
  g_assert_cmpint (first_dark_y, >=, WH_QR_CODE_QUIET_ZONE * module_px);
}

static void
check_qr_at_size (const char *payload,
                  int         size)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *png = g_build_filename (dir, "qr.png", NULL);
  GtkWidget *qr = wh_qr_code_new ();
  GtkWidget *window;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *decoded = NULL;

  wh_qr_code_set_text (WH_QR_CODE (qr), payload);
  /* the code fills the window: sizes that are not a multiple of a module */
  window = show_in_window (qr, size, size);
  g_assert_cmpint (ABS (gtk_widget_get_width (qr) - size), <=, 2);

  texture = render_widget (qr, png);
  assert_crisp (texture, wh_qr_code_get_modules (WH_QR_CODE (qr)));
  decoded = zbar_decode (png);
  if (decoded == NULL)
    g_test_incomplete ("zbarimg (zbar-tools) is not installed");
  else
    g_assert_cmpstr (decoded, ==, payload);
  gtk_window_destroy (GTK_WINDOW (window));
  g_remove (png);
  g_rmdir (dir);
}

static void
test_qr_decodes (void)
{
  const char *payload = "WH1.532c454b52263b5c40832104a36b9a2c.1.20261120.253587322047."
                        "Hk3uOqW0b1nK8c2v9yR4tL5mZ7xA6dE0fG1hJ2iK3lM";

  check_qr_at_size (payload, 400);
  /* odd sizes and a small one: still whole pixels per module */
  check_qr_at_size (payload, 237);
  check_qr_at_size (payload, 150);
}

static void
test_qr_empty (void)
{
  GtkWidget *qr = g_object_ref_sink (wh_qr_code_new ());
  int min, nat;

  gtk_widget_measure (qr, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (nat, ==, 0);
  wh_qr_code_set_text (WH_QR_CODE (qr), "WH1.x");
  g_assert_cmpuint (wh_qr_code_get_modules (WH_QR_CODE (qr)), ==, 21);
  gtk_widget_measure (qr, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat, NULL, NULL);
  g_assert_cmpint (min, >=, 29);
  wh_qr_code_set_text (WH_QR_CODE (qr), NULL);
  g_assert_cmpuint (wh_qr_code_get_modules (WH_QR_CODE (qr)), ==, 0);
  g_object_unref (qr);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/meals/store/claim-key", test_store_claim_key);
  g_test_add_func ("/meals/store/vouchers-and-me", test_store_vouchers_and_me);
  g_test_add_func ("/meals/qr/decodes", test_qr_decodes);
  g_test_add_func ("/meals/qr/empty", test_qr_empty);
  return g_test_run ();
}
