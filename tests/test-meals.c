/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Love meals: the voucher store, the QR code widget, and the view's claim
 * flows against the real reference server (suite "ui", under Xvfb). */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "meals/wh-meals-view.h"
#include "meals/wh-qr-code.h"
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
put_merchant (WhTestServer *ts,
              gint64        id,
              const char   *name,
              gint64        quota)
{
  /* Serving the whole day, so the test passes at any hour. */
  static const char * const windows[] = { "00:00-12:00", "12:00-24:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = id;
  wh_record_set_text (m, "name", name);
  wh_record_set_text (m, "address", "北京市大兴区黄村镇兴华大街 1 号");
  wh_record_set_real (m, "lat", 39.73 + id * 0.001);
  wh_record_set_real (m, "lon", 116.33);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", quota);
  wh_record_set_int (m, "remaining_today", quota);
  wh_test_server_put_record (ts, m);
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
  GListModel *toplevels = gtk_window_get_toplevels (); /* not ours */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
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

  return today != NULL && gtk_widget_get_visible (GTK_WIDGET (today));
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
  put_merchant (f->server, MERCHANT_ONE_LEFT, "黄焖鸡米饭(黄村店)", 1);
  put_merchant (f->server, MERCHANT_PLENTY, "兰州牛肉拉面", 5);
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
    g_assert_true (gtk_widget_get_visible (GTK_WIDGET (today)));
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
  g_test_add ("/meals/view/claims", ViewFixture, NULL, view_fixture_setup, test_view_claims,
              view_fixture_teardown);
  return g_test_run ();
}
