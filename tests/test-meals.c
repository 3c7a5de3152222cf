/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Love meals: the voucher store, the QR code widget, and the view's claim
 * flows against the real reference server (suite "ui", under Xvfb). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <shumate/shumate.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "meals/wh-meals-merchant-list.h"
#include "meals/wh-meals-view.h"
#include "meals/wh-meals-voucher-page.h"
#include "meals/wh-qr-code.h"
#include "meals/wh-voucher-slip.h"
#include "wh-context.h"
#include "wh-service-page.h"
#include "wh-store.h"
#include "wh-test-server.h"
#include "wh-test-ui.h"
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
  /* A page still sliding in under a stack transition draws nothing yet. */
  for (guint i = 0; node == NULL && i < 300; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10000);
      w = gtk_widget_get_width (widget);
      h = gtk_widget_get_height (widget);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
    }
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


/* ---- The view against the real server ----------------------------------- */

typedef struct
{
  WhTestServer *server;
  WhStore      *store;
  WhApi        *api;
  WhContext    *context;
  GtkWidget    *window;
  WhMealsView  *view;
  char         *dir;
} ViewFixture;

#define MERCHANT_ONE_LEFT 1
#define MERCHANT_PLENTY   2

static void
put_merchant_at (WhTestServer       *ts,
                 gint64              id,
                 const char         *name,
                 double              lat,
                 const char * const *windows,
                 gint64              quota)
{
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", name);
  wh_record_set_text (m, "address", "北京市大兴区黄村镇兴华大街 1 号");
  wh_record_set_real (m, "lat", lat);
  wh_record_set_real (m, "lon", 116.33);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
  wh_test_server_put_record (ts, m);
}

static void
put_merchant (WhTestServer *ts,
              gint64        id,
              const char   *name,
              gint64        quota)
{
  /* Serving the whole day, so the test passes at any hour. */
  static const char * const windows[] = { "00:00-12:00", "12:00-24:00", NULL };

  put_merchant_at (ts, id, name, 39.73 + id * 0.001, windows, quota);
}

/* A claim button of the merchant, found the way a person would: in the list. */
static gboolean
is_claim_button (GtkWidget *widget,
                 gpointer   merchant_id)
{
  const WhRecord *m = g_object_get_data (G_OBJECT (widget), "merchant");

  return GTK_IS_BUTTON (widget) && m && m->id == *(const gint64 *) merchant_id;
}

static GtkWidget *
find_claim_button (GtkWidget *root,
                   gint64     merchant_id)
{
  return wh_test_find_widget (root, is_claim_button, &merchant_id);
}

static gboolean
merchants_listed_cb (gpointer data)
{
  ViewFixture *f = data;

  return find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY) != NULL &&
         find_claim_button (GTK_WIDGET (f->view), MERCHANT_ONE_LEFT) != NULL;
}

static AdwMessageDialog *
find_dialog (void)
{
  return (AdwMessageDialog *) wh_test_find_message_dialog ();
}

static gboolean
dialog_shown_cb (gpointer data)
{
  return find_dialog () != NULL;
}

/* Waits for a dialog, checks its heading when given, answers it. */
static void
answer_dialog (const char *heading,
               const char *response)
{
  AdwMessageDialog *dialog;

  g_assert_true (wh_test_spin_until (dialog_shown_cb, NULL, 15000));
  dialog = find_dialog ();
  if (heading)
    g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
  adw_message_dialog_response (dialog, response);
  gtk_window_destroy (GTK_WINDOW (dialog));
  spin_until_idle ();
}

static void
tap_claim (ViewFixture *f,
           gint64       merchant_id)
{
  GtkWidget *button = find_claim_button (GTK_WIDGET (f->view), merchant_id);

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  answer_dialog (NULL, "claim");
}

static gboolean
signed_in_cb (gpointer data)
{
  ViewFixture *f = data;

  return wh_api_get_token (f->api) != NULL &&
         g_strcmp0 (wh_meals_view_get_page (f->view), "home") == 0;
}

static gboolean
voucher_page_cb (gpointer data)
{
  ViewFixture *f = data;

  return g_strcmp0 (wh_meals_view_get_page (f->view), "voucher") == 0;
}

static gboolean
is_row_titled (GtkWidget *widget,
               gpointer   title)
{
  return ADW_IS_ACTION_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static AdwActionRow *
find_row (GtkWidget  *root,
          const char *title)
{
  return ADW_ACTION_ROW (wh_test_find_widget (root, is_row_titled, (gpointer) title));
}

static gboolean
today_shown_cb (gpointer data)
{
  ViewFixture *f = data;
  AdwActionRow *today = find_row (GTK_WIDGET (f->view), "Your voucher for today");

  /* Its list too: the list stays hidden until the vouchers are read. */
  return today != NULL && gtk_widget_is_visible (GTK_WIDGET (today));
}

/* The rendered QR widget reads back as the voucher's payload. */
static void
assert_qr_scans (WhQrCode   *qr,
                 const char *payload)
{
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *png = g_build_filename (dir, "voucher.png", NULL);
  g_autoptr(GdkTexture) texture = render_widget (GTK_WIDGET (qr), png);
  g_autofree char *decoded = zbar_decode (png);

  assert_crisp (texture, wh_qr_code_get_modules (qr));
  if (decoded == NULL)
    g_test_incomplete ("zbarimg (zbar-tools) is not installed");
  else
    g_assert_cmpstr (decoded, ==, payload);
  g_remove (png);
  g_rmdir (dir);
}

static void
make_view (ViewFixture *f)
{
  f->view = g_object_new (WH_TYPE_MEALS_VIEW, NULL);
  wh_service_page_set_context (WH_SERVICE_PAGE (f->view), f->context);
  f->window = show_in_window (GTK_WIDGET (f->view), 1000, 760);
}

static void
view_fixture_setup (ViewFixture  *f,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSettings) settings = g_settings_new ("org.workershome.WorkersHome");

  f->server = wh_test_server_start (NULL, &error);
  g_assert_no_error (error);
  if (data != NULL)
    /* The test's own merchants. */
    ((void (*) (WhTestServer *)) data) (f->server);
  else
    {
      put_merchant (f->server, MERCHANT_ONE_LEFT, "黄焖鸡米饭(黄村店)", 1);
      put_merchant (f->server, MERCHANT_PLENTY, "兰州牛肉拉面", 5);
    }
  f->store = open_temp_store (&f->dir);
  f->api = wh_api_new (wh_test_server_get_url (f->server), &error);
  g_assert_no_error (error);
  /* No retries: a dropped response is a lost response, at once. */
  wh_api_set_retry_policy (f->api, 1, 10, 10, 10);
  /* The kiosk keeps the token in memory: no keyring in the test's session. */
  f->context = wh_context_new (settings, TRUE);
  wh_context_set_store (f->context, f->store);
  wh_context_set_api (f->context, f->api);
  make_view (f);
}

static void
view_fixture_teardown (ViewFixture  *f,
                       gconstpointer data)
{
  if (f->window)
    gtk_window_destroy (GTK_WINDOW (f->window));
  spin_until_idle ();
  g_clear_object (&f->context);
  g_clear_object (&f->api);
  g_clear_object (&f->store);
  g_clear_pointer (&f->server, wh_test_server_free);
  g_free (f->dir);
}

static void
sign_in (ViewFixture *f,
         const char  *phone)
{
  gtk_editable_set_text (GTK_EDITABLE (wh_meals_view_get_phone_entry (f->view)), phone);
  gtk_editable_set_text (GTK_EDITABLE (wh_meals_view_get_code_entry (f->view)),
                         WH_TEST_SERVER_DEMO_CODE);
  g_signal_emit_by_name (wh_meals_view_get_code_entry (f->view), "activate");
  g_assert_true (wh_test_spin_until (signed_in_cb, f, 15000));
}

/* Another worker takes the last meal at a merchant, behind the view's back. */
static void
exhaust_elsewhere (ViewFixture *f,
                   gint64       merchant_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhApi) other = wh_api_new (wh_test_server_get_url (f->server), &error);
  g_autoptr(GAsyncResult) login = NULL;
  g_autoptr(GAsyncResult) claim = NULL;
  g_autoptr(WhRecord) me = NULL;
  g_autoptr(WhRecord) voucher = NULL;
  g_autofree char *key = wh_api_new_idempotency_key ();

  wh_api_login_async (other, "13800138002", WH_TEST_SERVER_DEMO_CODE, NULL, wh_test_result_cb, &login);
  me = wh_api_login_finish (other, wh_test_await (&login), NULL, NULL, &error);
  g_assert_no_error (error);
  wh_api_claim_voucher_async (other, merchant_id, key, NULL, wh_test_result_cb, &claim);
  voucher = wh_api_claim_voucher_finish (other, wh_test_await (&claim), &error);
  g_assert_no_error (error);
}

static void
test_view_claims (ViewFixture  *f,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) vouchers = NULL;
  g_autofree char *day = wh_api_service_day ();
  const char *payload;
  WhQrCode *qr;

  /* the merchants are fetched when the view opens */
  g_assert_true (wh_test_spin_until (merchants_listed_cb, f, 20000));
  exhaust_elsewhere (f, MERCHANT_ONE_LEFT);

  /* claiming signed out asks to sign in first, then goes on */
  g_signal_emit_by_name (find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY), "clicked");
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "sign-in");
  sign_in (f, "13800138000");
  /* the claim is offered again once signed in: say no for now */
  answer_dialog (NULL, "cancel");
  g_assert_cmpint (wh_store_get_pending_claim (f->store, day, NULL), ==, 0);

  /* the last meal there went to someone else since the list was fetched */
  tap_claim (f, MERCHANT_ONE_LEFT);
  answer_dialog ("All Meals Claimed Here Today", "close");
  g_assert_cmpint (wh_store_get_pending_claim (f->store, day, NULL), ==, 0);

  /* the answer is lost on the way: the key stays for the next tap */
  wh_test_server_set_faults (f->server, "drop=1,scope=all,seed=3");
  tap_claim (f, MERCHANT_PLENTY);
  answer_dialog ("No Answer From the Server", "close");
  g_assert_cmpint (wh_store_get_pending_claim (f->store, day, NULL), ==, MERCHANT_PLENTY);
  vouchers = wh_store_list_vouchers (f->store, &error);
  g_assert_cmpuint (vouchers->len, ==, 0);
  g_clear_pointer (&vouchers, g_ptr_array_unref);

  /* the retry gets the same voucher, not a second one, and shows it */
  wh_test_server_set_faults (f->server, "");
  tap_claim (f, MERCHANT_PLENTY);
  g_assert_true (wh_test_spin_until (voucher_page_cb, f, 15000));
  spin_until_idle ();
  vouchers = wh_store_list_vouchers (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (vouchers->len, ==, 1);
  g_assert_cmpint (wh_store_get_pending_claim (f->store, day, NULL), ==, 0);
  payload = wh_record_get_text (g_ptr_array_index (vouchers, 0), "payload");
  qr = WH_QR_CODE (wh_test_find_descendant (GTK_WIDGET (f->view), WH_TYPE_QR_CODE));
  g_assert_cmpstr (wh_qr_code_get_text (qr), ==, payload);
  assert_qr_scans (qr, payload);

  /* offline, in a view opened afresh: the voucher is there, from the store */
  wh_test_server_stop (f->server);
  gtk_window_destroy (GTK_WINDOW (f->window));
  spin_until_idle ();
  make_view (f);
  /* The view reads the store on its queue, off the main thread. */
  g_assert_true (wh_test_spin_until (today_shown_cb, f, 5000));
  {
    AdwActionRow *today = find_row (GTK_WIDGET (f->view), "Your voucher for today");

    g_assert_nonnull (today);
    g_assert_true (gtk_widget_is_visible (GTK_WIDGET (today)));
    g_signal_emit_by_name (gtk_widget_get_parent (GTK_WIDGET (today)), "row-activated", today);
  }
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "voucher");
  spin_until_idle ();
  qr = WH_QR_CODE (wh_test_find_descendant (GTK_WIDGET (f->view), WH_TYPE_QR_CODE));
  g_assert_cmpstr (wh_qr_code_get_text (qr), ==, payload);
  assert_qr_scans (qr, payload);

  /* the kiosk's reset leaves nothing of the worker on screen or on disk */
  wh_service_page_reset (WH_SERVICE_PAGE (f->view));
  spin_until_idle ();
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "home");
  g_assert_null (wh_qr_code_get_text (qr));
  g_assert_null (wh_api_get_token (f->api));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (find_row (GTK_WIDGET (f->view),
                                                                "Your voucher for today"))));
}

/* ---- A used voucher ------------------------------------------------------ */

static gboolean
is_label_with (GtkWidget *widget,
               gpointer   text)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_visible (widget) &&
         strstr (gtk_label_get_text (GTK_LABEL (widget)), text) != NULL;
}

/* A used voucher says when and where it was used, not to show it at the
 * counter; an expired one says it expired. */
static void
test_voucher_page_used (void)
{
  GtkWidget *page = g_object_new (WH_TYPE_MEALS_VOUCHER_PAGE, NULL);
  GtkWidget *window = show_in_window (page, 600, 800);
  g_autoptr(WhRecord) used = make_voucher ("v1", 7, "2026-11-20", "redeemed");
  g_autoptr(WhRecord) old = make_voucher ("v2", 7, "2020-01-02", "unused");
  g_autoptr(WhRecord) fresh = make_voucher ("v3", 7, "2999-01-02", "unused");

  /* redeemed at 12:05 in China, written in UTC */
  wh_record_set_text (used, "redeemed_at", "2026-11-20T04:05:00Z");
  wh_meals_voucher_page_set_voucher (WH_MEALS_VOUCHER_PAGE (page), used);
  spin_until_idle ();
  g_assert_nonnull (wh_test_find_widget (page, is_label_with,
                                         (gpointer) "Used on 2026-11-20 12:05 at 黄焖鸡米饭(黄村店)"));
  g_assert_null (wh_test_find_widget (page, is_label_with, (gpointer) "Show this screen"));
  g_assert_nonnull (wh_test_find_widget (page, is_label_with, (gpointer) "cannot be used again"));

  wh_meals_voucher_page_set_voucher (WH_MEALS_VOUCHER_PAGE (page), old);
  spin_until_idle ();
  g_assert_nonnull (wh_test_find_widget (page, is_label_with, (gpointer) "Expired at 2020-01-02 23:59"));
  g_assert_null (wh_test_find_widget (page, is_label_with, (gpointer) "Show this screen"));

  wh_meals_voucher_page_set_voucher (WH_MEALS_VOUCHER_PAGE (page), fresh);
  spin_until_idle ();
  g_assert_nonnull (wh_test_find_widget (page, is_label_with, (gpointer) "Show this screen"));
  g_assert_nonnull (wh_test_find_widget (page, is_label_with, (gpointer) "Valid until 2999-01-02 23:59"));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- The resend countdown belongs to its number -------------------------- */

static gboolean
is_send_button (GtkWidget *widget,
                gpointer   data)
{
  const char *label = GTK_IS_BUTTON (widget) ? gtk_button_get_label (GTK_BUTTON (widget)) : NULL;

  return label != NULL && (g_str_has_prefix (label, "Send _Code") ||
                           g_str_has_prefix (label, "Send again in"));
}

static GtkWidget *
send_button (ViewFixture *f)
{
  GtkWidget *button = wh_test_find_widget (GTK_WIDGET (f->view), is_send_button, NULL);

  g_assert_nonnull (button);
  return button;
}

static gboolean
counting_down_cb (gpointer data)
{
  ViewFixture *f = data;

  return g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (send_button (f))), "Send again in");
}

static void
assert_may_send (ViewFixture *f,
                 gboolean     may)
{
  GtkWidget *button = send_button (f);

  g_assert_cmpint (gtk_widget_get_sensitive (button), ==, may);
  g_assert_cmpint (g_str_has_prefix (gtk_button_get_label (GTK_BUTTON (button)), "Send _Code"),
                   ==, may);
}

/* A code sent to one number holds back another code to that number only:
 * not to a number typed next, nor after signing out (on a kiosk, the next
 * person's). */
static void
test_sign_in_resend_per_number (ViewFixture  *f,
                                gconstpointer data)
{
  GtkEditable *phone = GTK_EDITABLE (wh_meals_view_get_phone_entry (f->view));

  gtk_editable_set_text (phone, "13800138000");
  g_signal_emit_by_name (phone, "activate");
  g_assert_true (wh_test_spin_until (counting_down_cb, f, 15000));
  assert_may_send (f, FALSE);

  /* a typo corrected: the other number may have its code */
  gtk_editable_set_text (phone, "13800138001");
  assert_may_send (f, TRUE);
  /* back to the first: its countdown runs on */
  gtk_editable_set_text (phone, "13800138000");
  assert_may_send (f, FALSE);

  /* sign-in done with, or the kiosk's next person: nothing held back */
  wh_service_page_reset (WH_SERVICE_PAGE (f->view));
  spin_until_idle ();
  assert_may_send (f, TRUE);
  gtk_editable_set_text (phone, "13900139000");
  assert_may_send (f, TRUE);
}

/* ---- Claim buttons that sleep, and why ----------------------------------- */

#define MERCHANT_ALL_DAY 3
#define MERCHANT_MEALS   4

static const char * const meal_windows[] = { "11:00-13:30", "17:00-19:30", NULL };
static const char * const all_day_window[] = { "00:00-24:00", NULL };

/* 14:40 in China: after lunch, before dinner. */
static GDateTime *
afternoon (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);

  return g_date_time_new (cst, 2026, 12, 6, 14, 40, 0);
}

static WhMealsMerchantList *
merchant_list (ViewFixture *f)
{
  return WH_MEALS_MERCHANT_LIST (wh_test_find_descendant (GTK_WIDGET (f->view),
                                                          WH_TYPE_MEALS_MERCHANT_LIST));
}

static void
put_two_kinds (WhTestServer *ts)
{
  put_merchant_at (ts, MERCHANT_ALL_DAY, "全天快餐", 39.731, all_day_window, 5);
  put_merchant_at (ts, MERCHANT_MEALS, "饭点面馆", 39.732, meal_windows, 5);
}

/* The text beside a merchant's Claim button (its row's own labels). */
static gboolean
row_says (GtkWidget  *button,
          const char *text)
{
  GtkWidget *row = gtk_widget_get_ancestor (button, GTK_TYPE_LIST_BOX_ROW);

  return row != NULL && wh_test_find_widget (row, is_label_with, (gpointer) text) != NULL;
}

typedef struct
{
  ViewFixture *f;
  gint64       merchant_id;
  gboolean     sensitive;
  const char  *text;
} ButtonState;

static gboolean
button_state_cb (gpointer data)
{
  ButtonState *s = data;
  GtkWidget *button = find_claim_button (GTK_WIDGET (s->f->view), s->merchant_id);

  return button != NULL && gtk_widget_get_sensitive (button) == s->sensitive &&
         (s->text == NULL || row_says (button, s->text));
}

static void
assert_button (ViewFixture *f,
               gint64       merchant_id,
               gboolean     sensitive,
               const char  *text)
{
  ButtonState s = { f, merchant_id, sensitive, text };

  g_assert_true (wh_test_spin_until (button_state_cb, &s, 20000));
}

/* A merchant not serving now, or a worker who may not claim: the Claim
 * button sleeps with the reason beside it, as for a merchant that ran out,
 * and a press that comes too late gets one answer, not a question first. */
static void
test_view_claim_reasons (ViewFixture  *f,
                         gconstpointer data)
{
  g_autoptr(GDateTime) at = afternoon ();
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (8 * 3600);
  g_autoptr(GDateTime) lunch = g_date_time_new (cst, 2026, 12, 6, 12, 0, 0);
  g_autoptr(GDateTime) night = g_date_time_new (cst, 2026, 12, 6, 21, 0, 0);
  WhMealsMerchantList *list = merchant_list (f);
  AdwMessageDialog *dialog;

  wh_meals_merchant_list_set_clock (list, at);
  /* signed out, at 14:40: the all-day merchant may be claimed, the other
   * says when */
  assert_button (f, MERCHANT_ALL_DAY, TRUE, "5 of 5 meals left today");
  assert_button (f, MERCHANT_MEALS, FALSE, "Claim from 17:00");
  wh_meals_merchant_list_set_clock (list, night);
  assert_button (f, MERCHANT_MEALS, FALSE, "Closed for today");
  /* at lunch it wakes */
  wh_meals_merchant_list_set_clock (list, lunch);
  assert_button (f, MERCHANT_MEALS, TRUE, "5 of 5 meals left today");

  /* the list was read at lunch; the press comes at 14:40: one message */
  sign_in (f, "13800138000");
  wh_meals_merchant_list_set_clock (list, at);
  g_signal_emit_by_name (list, "claim",
                         wh_meals_merchant_list_find (list, MERCHANT_MEALS) ?
                         wh_meals_merchant_list_find (list, MERCHANT_MEALS) :
                         wh_meals_merchant_list_find (list, MERCHANT_ALL_DAY));
  answer_dialog ("Not Serving Now", "close");
  g_assert_null (find_dialog ());

  /* the question before a claim says when, in words that read */
  assert_button (f, MERCHANT_ALL_DAY, TRUE, NULL);
  g_signal_emit_by_name (find_claim_button (GTK_WIDGET (f->view), MERCHANT_ALL_DAY), "clicked");
  g_assert_true (wh_test_spin_until (dialog_shown_cb, NULL, 15000));
  dialog = find_dialog ();
  g_assert_null (strstr (adw_message_dialog_get_body (dialog), "at All day"));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "serves all day"));
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  spin_until_idle ();

  /* a worker who is not a union member: every button sleeps, and says so */
  wh_service_page_reset (WH_SERVICE_PAGE (f->view));
  spin_until_idle ();
  assert_button (f, MERCHANT_ALL_DAY, TRUE, NULL);
  sign_in (f, "13800138009");
  assert_button (f, MERCHANT_ALL_DAY, FALSE, "You are not eligible yet");
  assert_button (f, MERCHANT_MEALS, FALSE, "You are not eligible yet");
  /* signing out wakes them again */
  wh_service_page_reset (WH_SERVICE_PAGE (f->view));
  assert_button (f, MERCHANT_ALL_DAY, TRUE, NULL);
}

/* ---- Serving now --------------------------------------------------------- */

#define N_MEAL_TIME 32
#define MERCHANT_FAR_ALL_DAY 100

static void
put_meal_time_city (WhTestServer *ts)
{
  /* Thirty-two merchants near the worker serve at meal times only; one
   * open all day is further off than all of them. */
  for (gint64 id = 1; id <= N_MEAL_TIME; id++)
    {
      g_autofree char *name = g_strdup_printf ("面馆%02d", (int) id);

      put_merchant_at (ts, id, name, 39.73 + id * 0.0005, meal_windows, 5);
    }
  put_merchant_at (ts, MERCHANT_FAR_ALL_DAY, "全天便当", 39.80, all_day_window, 5);
}

static gboolean
is_visible_label_with (GtkWidget *widget,
                       gpointer   text)
{
  return is_label_with (widget, text) && gtk_widget_get_mapped (widget);
}

static gboolean
far_all_day_listed_cb (gpointer data)
{
  ViewFixture *f = data;
  GtkWidget *far = find_claim_button (GTK_WIDGET (f->view), MERCHANT_FAR_ALL_DAY);

  return far != NULL && gtk_widget_get_sensitive (far) &&
         find_claim_button (GTK_WIDGET (f->view), 1) == NULL;
}

/* At 14:40 none of the thirty nearest serves; "Serving now" finds the one
 * that does further off, from the cache, offline. */
/* ---- A wide window: the map beside the page ----------------------------- */

static gboolean
is_map (GtkWidget *widget,
        gpointer   data)
{
  return g_str_equal (G_OBJECT_TYPE_NAME (widget), "ShumateSimpleMap") &&
         gtk_widget_is_visible (widget);
}

typedef struct
{
  ViewFixture *f;
  gboolean     wide;
} WideCheck;

/* The map beside the list (out of the scrolled page, in the right half and
 * at least as tall as half the view) or in it, as check->wide says. */
static gboolean
map_placed_cb (gpointer data)
{
  WideCheck *check = data;
  GtkWidget *view = GTK_WIDGET (check->f->view);
  GtkWidget *map = wh_test_find_widget (view, is_map, NULL);
  GtkWidget *scroll;
  graphene_point_t at;

  if (map == NULL || gtk_widget_get_width (map) == 0 ||
      !gtk_widget_compute_point (map, view, &GRAPHENE_POINT_INIT (0, 0), &at))
    return FALSE;
  scroll = gtk_widget_get_ancestor (map, GTK_TYPE_SCROLLED_WINDOW);
  if (check->wide)
    return scroll == NULL && at.x >= gtk_widget_get_width (view) / 2 - 1 &&
           gtk_widget_get_height (map) >= gtk_widget_get_height (view) / 2;
  return scroll != NULL && gtk_widget_get_height (map) < gtk_widget_get_height (view) / 2;
}

static void
test_view_wide_map (ViewFixture  *f,
                    gconstpointer data)
{
  WideCheck check = { f, FALSE };

  wh_context_set_location (f->context, 39.73, 116.33, TRUE);
  g_assert_true (wh_test_spin_until (merchants_listed_cb, f, 20000));
  /* 1000 px: above the merchants, in the page */
  g_assert_true (wh_test_spin_until (map_placed_cb, &check, 10000));

  /* a landscape kiosk's width: beside them, as tall as the page */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 1600, 900);
  check.wide = TRUE;
  g_assert_true (wh_test_spin_until (map_placed_cb, &check, 10000));
  /* the list still works there */
  g_assert_nonnull (find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY));

  /* narrow again: back in the page */
  gtk_window_set_default_size (GTK_WINDOW (f->window), 900, 760);
  check.wide = FALSE;
  g_assert_true (wh_test_spin_until (map_placed_cb, &check, 10000));

  /* Its tiles come from the "tile-url" setting, as the stations' do (the
   * tests' own, tests/schemas), and follow a change of it. */
  {
    ShumateSimpleMap *map = SHUMATE_SIMPLE_MAP (
      wh_test_find_descendant (GTK_WIDGET (f->view), SHUMATE_TYPE_SIMPLE_MAP));
    GSettings *settings = wh_context_get_settings (f->context);

    g_assert_nonnull (map);
    g_assert_cmpstr (shumate_map_source_get_id (shumate_simple_map_get_map_source (map)), ==,
                     "workers-home-tiles");
    g_settings_set_string (settings, "tile-url", "https://tile.openstreetmap.org/{z}/{x}/{y}.png");
    g_assert_cmpstr (shumate_map_source_get_id (shumate_simple_map_get_map_source (map)), ==,
                     "osm-mapnik");
    g_settings_reset (settings, "tile-url");
  }
}

static void
test_view_serving_now (ViewFixture  *f,
                       gconstpointer data)
{
  g_autoptr(GDateTime) at = afternoon ();
  WhMealsMerchantList *list = merchant_list (f);
  GtkWidget *serving;

  wh_context_set_location (f->context, 39.73, 116.33, TRUE);
  wh_meals_merchant_list_set_clock (list, at);
  assert_button (f, 1, FALSE, "Claim from 17:00");
  assert_button (f, 30, FALSE, "Claim from 17:00");
  g_assert_null (find_claim_button (GTK_WIDGET (f->view), MERCHANT_FAR_ALL_DAY));
  /* the list says where to look */
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (f->view), is_visible_label_with,
                                         (gpointer) "Serving now"));

  wh_test_server_stop (f->server);
  serving = wh_test_find_widget (GTK_WIDGET (f->view), wh_test_is_section_button,
                                 (gpointer) "Serving now");
  g_assert_nonnull (serving);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (serving), TRUE);
  g_assert_true (wh_test_spin_until (far_all_day_listed_cb, f, 15000));
  g_assert_null (wh_test_find_widget (GTK_WIDGET (f->view), is_visible_label_with,
                                      (gpointer) "None of these merchants serves now"));

  /* off again: the nearest thirty, closed */
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (serving), FALSE);
  assert_button (f, 1, FALSE, "Claim from 17:00");
}

/* Signs in through a claim, and says no to the claim for now. */
static void
sign_in_first (ViewFixture *f)
{
  g_signal_emit_by_name (find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY), "clicked");
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "sign-in");
  sign_in (f, "13800138000");
  answer_dialog (NULL, "cancel");
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "home");
}

/* Back returns to the row the worker left, not the top of the page. */
static void
test_back_returns_focus (ViewFixture  *f,
                         gconstpointer data)
{
  GtkWidget *claim;

  g_assert_true (wh_test_spin_until (merchants_listed_cb, f, 20000));
  sign_in_first (f);
  claim = find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY);
  gtk_widget_grab_focus (claim);
  g_assert_true (gtk_root_get_focus (GTK_ROOT (f->window)) == claim);
  tap_claim (f, MERCHANT_PLENTY);
  g_assert_true (wh_test_spin_until (voucher_page_cb, f, 15000));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (f->window)) != claim);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->view), "meals.back", NULL));
  g_assert_cmpstr (wh_meals_view_get_page (f->view), ==, "home");
  /* On the claim button, or its merchant's row once the button is
   * insensitive (one meal a day, claimed). */
  {
    GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (f->window));

    GtkWidget *now = find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY);

    /* The rows may have been made again: the same merchant's. */
    g_assert_nonnull (focus);
    g_assert_true (focus == now || (GTK_IS_LIST_BOX_ROW (focus) &&
                                    gtk_widget_is_ancestor (now, focus)));
  }
}

/* ---- The voucher on paper ------------------------------------------------ */

/* The text of a PDF (pdftotext, poppler-utils), or NULL when it is not a
 * whole PDF (yet). */
static char *
pdf_text_try (const char *pdf)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  const char *argv[] = { "pdftotext", "-layout", pdf, "-", NULL };
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL, &status,
                               &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? g_steal_pointer (&out) : NULL;
}

static char *
pdf_text (const char *pdf)
{
  char *text = pdf_text_try (pdf);

  g_assert_nonnull (text);
  return text;
}

/* What a scanner reads off the PDF's page, printed at 200 dpi. */
static char *
pdf_qr (const char *pdf)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *prefix = g_build_filename (dir, "page", NULL);
  g_autofree char *png = g_build_filename (dir, "page.png", NULL);
  const char *argv[] = { "pdftoppm", "-r", "200", "-png", "-singlefile", pdf, prefix, NULL };
  int status = -1;
  char *decoded;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  decoded = zbar_decode (png);
  g_remove (png);
  g_rmdir (dir);
  return decoded;
}

/* A slip has what the counter needs: the merchant (outside text, drawn as
 * text, not markup), the 12 digits, the day, and a QR code that scans to
 * the voucher's payload. */
/* text without its spaces and line breaks: a slip wraps long names. */
static char *
squeeze (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (out, *p);
  return g_string_free (out, FALSE);
}

static void
assert_slip (const char     *pdf,
             const WhRecord *voucher)
{
  g_autofree char *raw = pdf_text (pdf);
  g_autofree char *text = squeeze (raw);
  g_autofree char *qr = pdf_qr (pdf);
  g_autofree char *name = squeeze (wh_record_get_text (voucher, "merchant_name"));

  g_test_message ("slip text:\n%s", raw);
  g_assert_nonnull (strstr (text, name));
  g_assert_nonnull (strstr (text, wh_record_get_text (voucher, "code")));
  g_assert_nonnull (strstr (text, wh_record_get_text (voucher, "day")));
  g_assert_cmpstr (qr, ==, wh_record_get_text (voucher, "payload"));
}

static void
test_voucher_slip_export (void)
{
  g_autoptr(WhRecord) voucher = make_voucher ("v1", 7, "2026-11-20", "unused");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *pdf = g_build_filename (dir, "slip.pdf", NULL);

  wh_record_set_text (voucher, "merchant_name", "老王家常菜 & <b>小馆</b>");
  g_assert_true (wh_voucher_slip_export (voucher, pdf, &error));
  g_assert_no_error (error);
  assert_slip (pdf, voucher);
  g_remove (pdf);
  g_rmdir (dir);
}

/* ---- A station's printer: a private CUPS with a cups-pdf queue ----------- */

typedef struct
{
  char  *dir;
  GPid   pid;
  char  *out;    /* where cups-pdf writes: ~/PDF of the job's owner */
} Cups;

static Cups cups;

/* In cupsd, before it starts: it ends with the test, whichever way the
 * test ends (cups_stop is not reached after a crash). */
static void
cups_child_setup (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Starts cupsd on a socket of its own with one printer, cups-pdf, the
 * default; the app's GTK print finds it through CUPS_SERVER. Before GTK
 * loads its print backends. FALSE where that cannot be (not root: CUPS
 * runs its backends as root). */
static gboolean
cups_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *files = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *files_path = NULL;
  g_autofree char *conf_path = NULL;
  g_autofree char *socket = NULL;
  const char *subdirs[] = { "spool", "cache", "state", "log", "tmp" };
  struct passwd *pw = getpwuid (getuid ());

  if (getuid () != 0 || pw == NULL)
    return FALSE;
  cups.dir = g_dir_make_tmp ("wh-cups-XXXXXX", &error);
  g_assert_no_error (error);
  g_chmod (cups.dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *sub = g_build_filename (cups.dir, subdirs[i], NULL);

      g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
      /* The filters run as lp and write their temporary files here. */
      if (g_str_equal (subdirs[i], "tmp"))
        g_chmod (sub, 01777);
    }
  socket = g_build_filename (cups.dir, "cups.sock", NULL);
  files = g_strdup_printf ("ServerRoot %1$s\nRequestRoot %1$s/spool\nCacheDir %1$s/cache\n"
                           "StateDir %1$s/state\nTempDir %1$s/tmp\nServerBin /usr/lib/cups\n"
                           "DataDir /usr/share/cups\nAccessLog %1$s/log/access_log\n"
                           "ErrorLog %1$s/log/error_log\nPageLog %1$s/log/page_log\n"
                           "SystemGroup root\n", cups.dir);
  conf = g_strdup_printf ("Listen %s\nLogLevel warn\nBrowsing No\n"
                          "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
                          "<Location /admin>\n  Order allow,deny\n  Allow all\n</Location>\n",
                          socket);
  files_path = g_build_filename (cups.dir, "cups-files.conf", NULL);
  conf_path = g_build_filename (cups.dir, "cupsd.conf", NULL);
  g_assert_true (g_file_set_contents (files_path, files, -1, NULL));
  g_assert_true (g_file_set_contents (conf_path, conf, -1, NULL));
  {
    const char *argv[] = { "/usr/sbin/cupsd", "-f", "-c", conf_path, "-s", files_path, NULL };

    /* Its output goes to its own logs, never into the test's: a cupsd
     * left holding the test's stderr kept meson waiting for the test's end
     * long after a crash had ended the test. */
    g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                  cups_child_setup, NULL, &cups.pid, &error));
    g_assert_no_error (error);
  }
  /* Ready once it answers on its socket. */
  for (gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       g_get_monotonic_time () < end;)
    {
      const char *add[] = { "/usr/sbin/lpadmin", "-h", socket, "-p", "WHPDF", "-E", "-v",
                            "cups-pdf:/", "-P", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd", NULL };
      int status = -1;

      if (g_file_test (socket, G_FILE_TEST_EXISTS) &&
          g_spawn_sync (NULL, (char **) add, NULL, G_SPAWN_STDOUT_TO_DEV_NULL |
                        G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL) &&
          g_spawn_check_wait_status (status, NULL))
        break;
      g_usleep (100 * 1000);
    }
  {
    const char *dflt[] = { "/usr/sbin/lpadmin", "-h", socket, "-d", "WHPDF", NULL };
    int status = -1;

    g_assert_true (g_spawn_sync (NULL, (char **) dflt, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                                 NULL, NULL, NULL, &status, &error));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  g_setenv ("CUPS_SERVER", socket, TRUE);
  /* cups-pdf's "Out ${HOME}/PDF", with the home of the job's owner. */
  cups.out = g_build_filename (pw->pw_dir, "PDF", NULL);
  return TRUE;
}

static void
cups_stop (void)
{
  if (cups.pid == 0)
    return;
  kill (cups.pid, SIGTERM);
  waitpid (cups.pid, NULL, 0);
  g_spawn_close_pid (cups.pid);
  wh_test_remove_tmpdir (cups.dir);
  g_clear_pointer (&cups.dir, g_free);
  g_clear_pointer (&cups.out, g_free);
}

/* A PDF cups-pdf wrote whose QR code scans to payload, or NULL yet (it
 * distils what it prints through PostScript: its text is drawn, not kept as
 * text, so the code is what identifies the slip). */
static char *
cups_find_output (const char *payload)
{
  g_autoptr(GDir) dir = g_dir_open (cups.out, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (cups.out, name, NULL);
      g_autofree char *text = NULL;
      g_autofree char *qr = NULL;

      if (!g_str_has_suffix (name, ".pdf"))
        continue;
      /* cups-pdf may still be writing it. */
      if ((text = pdf_text_try (path)) == NULL)
        continue;
      qr = pdf_qr (path);
      if (g_strcmp0 (qr, payload) == 0)
        return g_steal_pointer (&path);
    }
  return NULL;
}

typedef struct
{
  char *last;
} Messages;

static void
message_cb (WhMealsVoucherPage *page,
            const char         *text,
            Messages           *m)
{
  g_free (m->last);
  m->last = g_strdup (text);
}

static gboolean
message_is (gpointer data)
{
  gpointer *pair = data;
  Messages *m = pair[0];

  return m->last && strstr (m->last, pair[1]) != NULL;
}

typedef struct
{
  const char *payload;
  char       *found;
} OutputWait;

static gboolean
output_found (gpointer data)
{
  OutputWait *w = data;

  return (w->found = cups_find_output (w->payload)) != NULL;
}

static gboolean
is_button_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_BUTTON (widget) && gtk_widget_is_visible (widget) &&
         g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

/* A kiosk's voucher leaves with the worker: the page says how, texts the
 * code to the worker's phone through the backend, and prints a slip on the
 * station's printer (CUPS, here a cups-pdf queue) with no dialog. */
static void
test_kiosk_takes_voucher (ViewFixture  *f,
                          gconstpointer data)
{
  Messages m = { NULL };
  gpointer want[2] = { &m, NULL };
  WhMealsVoucherPage *page;
  GtkWidget *sms, *print;
  g_autoptr(WhRecord) voucher = NULL;

  g_assert_true (wh_test_spin_until (merchants_listed_cb, f, 20000));
  g_signal_emit_by_name (find_claim_button (GTK_WIDGET (f->view), MERCHANT_PLENTY), "clicked");
  sign_in (f, "13800138000");
  answer_dialog (NULL, "claim");
  g_assert_true (wh_test_spin_until (voucher_page_cb, f, 15000));
  page = WH_MEALS_VOUCHER_PAGE (wh_test_find_descendant (GTK_WIDGET (f->view),
                                                          WH_TYPE_MEALS_VOUCHER_PAGE));
  g_signal_connect (page, "message", G_CALLBACK (message_cb), &m);
  /* A copy: the page shows a new copy whenever the vouchers are read again. */
  g_assert_nonnull (wh_meals_voucher_page_get_voucher (page));
  voucher = wh_record_copy (wh_meals_voucher_page_get_voucher (page));
  g_assert_nonnull (wh_test_find_widget (GTK_WIDGET (page), is_label_with,
                                         (gpointer) "print a slip, or have the code texted"));

  /* By text message, to the number signed in with. */
  sms = wh_test_find_widget (GTK_WIDGET (page), is_button_labelled,
                             (gpointer) "Text the Code to My Phone");
  g_assert_nonnull (sms);
  g_signal_emit_by_name (sms, "clicked");
  want[1] = (gpointer) "The code was texted to 138****8000.";
  g_assert_true (wh_test_spin_until (message_is, want, 10000));

  /* On paper, from the station's printer. */
  print = wh_test_find_widget (GTK_WIDGET (page), is_button_labelled, (gpointer) "Print a Slip");
  g_assert_nonnull (print);
  if (cups.pid == 0)
    {
      g_test_incomplete ("printing needs a CUPS of the test's own, which needs root here");
      g_free (m.last);
      return;
    }
  {
    OutputWait out = { wh_record_get_text (voucher, "payload"), NULL };

    /* GTK's CUPS backend warns that it cannot ask colord for colour
     * profiles (no system bus in a test's session): not this test's
     * business, so only criticals stay fatal while it prints. */
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_FATAL_MASK);
    g_signal_emit_by_name (print, "clicked");
    want[1] = (gpointer) "The slip is printing";
    g_assert_true (wh_test_spin_until (message_is, want, 30000));
    /* On paper, the code scans to the voucher (cups_find_output). */
    g_assert_true (wh_test_spin_until (output_found, &out, 30000));
    g_remove (out.found);
    g_free (out.found);
    g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_FATAL_MASK);
  }
  g_free (m.last);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  /* Before GTK loads its print backends, which read CUPS_SERVER. */
  cups_start ();
  gtk_init ();
  adw_init ();

  g_test_add_func ("/meals/store/claim-key", test_store_claim_key);
  g_test_add_func ("/meals/store/vouchers-and-me", test_store_vouchers_and_me);
  g_test_add_func ("/meals/qr/decodes", test_qr_decodes);
  g_test_add_func ("/meals/qr/empty", test_qr_empty);
  g_test_add ("/meals/view/claims", ViewFixture, NULL, view_fixture_setup, test_view_claims,
              view_fixture_teardown);
  g_test_add ("/meals/view/claim-reasons", ViewFixture, put_two_kinds, view_fixture_setup,
              test_view_claim_reasons, view_fixture_teardown);
  g_test_add ("/meals/view/serving-now", ViewFixture, put_meal_time_city, view_fixture_setup,
              test_view_serving_now, view_fixture_teardown);
  g_test_add_func ("/meals/voucher-page/used", test_voucher_page_used);
  g_test_add_func ("/meals/voucher-slip/export", test_voucher_slip_export);
  g_test_add ("/meals/view/wide-map", ViewFixture, NULL, view_fixture_setup,
              test_view_wide_map, view_fixture_teardown);
  g_test_add ("/meals/view/back-returns-focus", ViewFixture, NULL, view_fixture_setup,
              test_back_returns_focus, view_fixture_teardown);
  g_test_add ("/meals/view/kiosk-takes-voucher", ViewFixture, NULL, view_fixture_setup,
              test_kiosk_takes_voucher, view_fixture_teardown);
  g_test_add ("/meals/sign-in/resend-per-number", ViewFixture, NULL, view_fixture_setup,
              test_sign_in_resend_per_number, view_fixture_teardown);
  {
    int status = g_test_run ();

    cups_stop ();
    return status;
  }
}
