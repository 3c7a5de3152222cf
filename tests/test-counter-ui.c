/* SPDX-License-Identifier: GPL-3.0-or-later */
/* workers-home --counter's window (src/app/counter/wh-counter-window.c):
 * pairing, a scanned payload and Enter, the 12 digits typed, the verdict in
 * plain text, today's redemptions uploaded or not, and syncing. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include <qrencode.h>

#include "counter/wh-counter-window.h"
#include "wh-counter.h"
#include "wh-server-private.h"
#include "wh-test-server.h"
#include "wh-test-ui.h"
#include "wh-test.h"

#define MERCHANT 42

static void
put_merchant (WhTestServer *ts)
{
  static const char * const windows[] = { "00:00-24:00", NULL };
  g_autoptr(WhRecord) m = wh_record_new (&wh_collection_merchants);

  m->id = MERCHANT;
  /* Markup in a name stays text. */
  wh_record_set_text (m, "name", "<b>老王</b> & 小馆");
  wh_record_set_real (m, "lat", 39.99);
  wh_record_set_real (m, "lon", 116.47);
  wh_record_set_strv (m, "windows", windows);
  wh_record_set_int (m, "daily_quota", 100);
  wh_record_set_int (m, "remaining_today", 100);
  wh_test_server_put_record (ts, m);
}

/* A voucher claimed over HTTP: its payload and code. */
static void
claim (WhTestServer *ts,
       const char   *phone,
       char        **payload,
       char        **code)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *login_url = g_strdup_printf ("%s/api/v1/auth/login",
                                                wh_test_server_get_url (ts));
  g_autofree char *claim_url = g_strdup_printf ("%s/api/v1/vouchers", wh_test_server_get_url (ts));
  g_autofree char *login = g_strdup_printf ("{\"phone\":\"%s\",\"code\":\"%s\"}", phone,
                                            WH_TEST_SERVER_DEMO_CODE);
  g_autoptr(SoupMessage) m1 = soup_message_new ("POST", login_url);
  g_autoptr(SoupMessage) m2 = soup_message_new ("POST", claim_url);
  g_autoptr(GBytes) b1 = NULL;
  g_autoptr(GBytes) b2 = NULL;
  g_autoptr(GBytes) body1 = g_bytes_new (login, strlen (login));
  g_autoptr(GBytes) body2 = g_bytes_new_static ("{\"merchant_id\": 42}", 19);
  g_autoptr(JsonNode) root1 = NULL;
  g_autoptr(WhRecord) v = NULL;
  g_autofree char *bearer = NULL;

  soup_message_set_request_body_from_bytes (m1, "application/json", body1);
  b1 = soup_session_send_and_read (session, m1, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (m1), ==, 200);
  root1 = json_from_string (g_bytes_get_data (b1, NULL), NULL);
  bearer = g_strdup_printf ("Bearer %s",
                            json_object_get_string_member (json_node_get_object (root1), "token"));
  soup_message_headers_replace (soup_message_get_request_headers (m2), "Authorization", bearer);
  soup_message_headers_replace (soup_message_get_request_headers (m2), "Idempotency-Key", phone);
  soup_message_set_request_body_from_bytes (m2, "application/json", body2);
  b2 = soup_session_send_and_read (session, m2, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (m2), ==, 201);
  v = wh_record_parse (&wh_collection_vouchers, g_bytes_get_data (b2, NULL),
                       g_bytes_get_size (b2), NULL);
  g_assert_nonnull (v);
  *payload = g_strdup (wh_record_get_text (v, "payload"));
  *code = g_strdup (wh_record_get_text (v, "code"));
}

typedef struct
{
  WhCounterWindow *window;
  const char      *page;
  const char      *prefix;
  guint            listed;
  guint            uploaded;
} Wait;

static gboolean
page_is (gpointer data)
{
  Wait *w = data;

  return g_strcmp0 (wh_counter_window_get_page (w->window), w->page) == 0;
}

static gboolean
result_starts (gpointer data)
{
  Wait *w = data;

  return g_str_has_prefix (wh_counter_window_get_result (w->window, NULL), w->prefix);
}

static gboolean
listed_is (gpointer data)
{
  Wait *w = data;
  guint uploaded = 0;

  return wh_counter_window_count_listed (w->window, &uploaded) == w->listed &&
         uploaded == w->uploaded;
}

static gboolean
is_entry_titled (GtkWidget *widget,
                 gpointer   title)
{
  return ADW_IS_ENTRY_ROW (widget) &&
         g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), title) == 0;
}

static gboolean
is_button_labelled (GtkWidget *widget,
                    gpointer   label)
{
  return GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), label) == 0;
}

static gboolean
is_label_with (GtkWidget *widget,
               gpointer   text)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0;
}

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_get_sensitive (widget);
}

static void
scan (WhCounterWindow *window,
      const char      *text)
{
  GtkWidget *entry = wh_test_find_descendant (GTK_WIDGET (window), GTK_TYPE_ENTRY);

  g_assert_true (gtk_widget_has_focus (gtk_widget_get_first_child (entry)) ||
                 gtk_widget_has_focus (entry) ||
                 gtk_widget_is_focus (gtk_widget_get_first_child (entry)));
  /* What a USB scanner does: the text, then Enter. */
  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  g_signal_emit_by_name (entry, "activate");
}

static void
test_counter_window (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, &error);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "counter.db", NULL);
  g_autofree char *key = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *code = NULL;
  g_autofree char *payload2 = NULL;
  g_autofree char *code2 = NULL;
  WhCounterWindow *window;
  Wait w = { 0, };
  GtkWidget *row;
  GtkWidget *pair_button;
  gboolean accepted;

  g_assert_no_error (error);
  put_merchant (ts);
  claim (ts, "13800138000", &payload, &code);
  claim (ts, "13800138001", &payload2, &code2);
  key = wh_test_server_merchant_key (ts, MERCHANT);

  window = wh_counter_window_new (NULL, path, wh_test_server_get_url (ts));
  gtk_window_set_default_size (GTK_WINDOW (window), 360, 640);
  gtk_window_present (GTK_WINDOW (window));
  w.window = window;

  /* Not paired: the pair page, the server filled in. */
  w.page = "pair";
  g_assert_true (wh_test_spin_until (page_is, &w, 5000));
  row = wh_test_find_widget (GTK_WIDGET (window), is_entry_titled,
                             (gpointer) "Union Server");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (row)), ==, wh_test_server_get_url (ts));
  row = wh_test_find_widget (GTK_WIDGET (window), is_entry_titled,
                             (gpointer) "Merchant Number");
  gtk_editable_set_text (GTK_EDITABLE (row), "42");
  row = wh_test_find_widget (GTK_WIDGET (window), is_entry_titled,
                             (gpointer) "Merchant Key");
  /* A wrong key says so and stays. */
  gtk_editable_set_text (GTK_EDITABLE (row), "wrong");
  pair_button = wh_test_find_widget (GTK_WIDGET (window), is_button_labelled, (gpointer) "_Pair");
  g_signal_emit_by_name (pair_button, "clicked");
  g_assert_false (gtk_widget_get_sensitive (pair_button));
  g_assert_true (wh_test_spin_until (is_sensitive, pair_button, 5000));
  g_assert_cmpstr (wh_counter_window_get_page (window), ==, "pair");
  gtk_editable_set_text (GTK_EDITABLE (row), key);
  g_signal_emit_by_name (wh_test_find_widget (GTK_WIDGET (window), is_button_labelled,
                                              (gpointer) "_Pair"),
                         "clicked");
  w.page = "counter";
  g_assert_true (wh_test_spin_until (page_is, &w, 5000));

  /* The merchant's name in the title, as text. */
  {
    GtkWidget *label = wh_test_find_widget (GTK_WIDGET (window), is_label_with,
                                            (gpointer) "<b>老王</b> & 小馆");

    g_assert_nonnull (label);
    g_assert_false (gtk_label_get_use_markup (GTK_LABEL (label)));
  }

  /* Offline from here. */
  wh_test_server_stop (ts);
  scan (window, payload);
  w.prefix = "Accepted";
  g_assert_true (wh_test_spin_until (result_starts, &w, 5000));
  wh_counter_window_get_result (window, &accepted);
  g_assert_true (accepted);
  w.listed = 1;
  g_assert_true (wh_test_spin_until (listed_is, &w, 5000));
  scan (window, payload);
  w.prefix = "Already used at ";
  g_assert_true (wh_test_spin_until (result_starts, &w, 5000));
  wh_counter_window_get_result (window, &accepted);
  g_assert_false (accepted);
  /* The second voucher by its 12 digits typed. */
  scan (window, code2);
  w.prefix = "Accepted";
  g_assert_true (wh_test_spin_until (result_starts, &w, 5000));
  w.listed = 2;
  g_assert_true (wh_test_spin_until (listed_is, &w, 5000));
  scan (window, "not a voucher");
  w.prefix = "Not a valid voucher";
  g_assert_true (wh_test_spin_until (result_starts, &w, 5000));

  /* Online again: Sync Now uploads both. */
  g_assert_true (wh_test_server_restart (ts, NULL));
  w.uploaded = 2;
  {
    GtkWidget *header = wh_test_find_descendant (GTK_WIDGET (window), ADW_TYPE_HEADER_BAR);
    GtkWidget *button = wh_test_find_descendant (header, GTK_TYPE_BUTTON);

    g_assert_nonnull (button);
    g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==, "Sync Now");
    g_signal_emit_by_name (button, "clicked");
  }
  g_assert_true (wh_test_spin_until (listed_is, &w, 10000));

  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (100);
  wh_test_remove_tmpdir (dir);
}

/* The QR code of text as a PNG, 6 px a module and a quiet zone, as a phone
 * shows it to the camera. */
static void
write_qr_png (const char *text,
              const char *path)
{
  QRcode *code = QRcode_encodeString8bit (text, 0, QR_ECLEVEL_M);
  int scale = 6, margin = 4, size;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (code);
  size = (code->width + 2 * margin) * scale;
  pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, size, size);
  gdk_pixbuf_fill (pixbuf, 0xffffffff);
  for (int y = 0; y < code->width; y++)
    for (int x = 0; x < code->width; x++)
      if (code->data[y * code->width + x] & 1)
        {
          g_autoptr(GdkPixbuf) dot = gdk_pixbuf_new_subpixbuf (pixbuf, (x + margin) * scale,
                                                               (y + margin) * scale, scale, scale);
          gdk_pixbuf_fill (dot, 0x000000ff);
        }
  QRcode_free (code);
  g_assert_true (gdk_pixbuf_save (pixbuf, path, "png", &error, NULL));
  g_assert_no_error (error);
}

static void
pair_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_counter_pair_finish (result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
is_camera_button (GtkWidget *widget,
                  gpointer   data)
{
  return GTK_IS_TOGGLE_BUTTON (widget) &&
         g_strcmp0 (gtk_widget_get_tooltip_text (widget), "Read With the Camera") == 0;
}

/* A voucher's QR code held in front of the camera (a PNG through the same
 * pipeline: pngdec ! imagefreeze as its source) is redeemed once; with no
 * camera the window says so. */
static void
test_counter_camera (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(WhTestServer) ts = wh_test_server_start (NULL, &error);
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "counter.db", NULL);
  g_autofree char *png = g_build_filename (dir, "voucher.png", NULL);
  g_autofree char *source = NULL;
  g_autofree char *key = NULL;
  g_autofree char *payload = NULL;
  g_autofree char *code = NULL;
  g_autoptr(WhApi) api = NULL;
  WhCounterWindow *window;
  GtkWidget *camera;
  gboolean paired = FALSE;
  Wait w = { 0, };

  g_assert_no_error (error);
  put_merchant (ts);
  claim (ts, "13800138000", &payload, &code);
  key = wh_test_server_merchant_key (ts, MERCHANT);
  write_qr_png (payload, png);
  /* Paired and synced beforehand, through the core. */
  {
    g_autoptr(WhCounter) counter = wh_counter_open (path, &error);

    g_assert_no_error (error);
    api = wh_api_new (wh_test_server_get_url (ts), &error);
    wh_counter_pair_async (counter, api, MERCHANT, key, NULL, pair_cb, &paired);
    g_assert_true (wh_test_spin_until (is_true, &paired, 5000));
  }
  wh_test_server_stop (ts);

  window = wh_counter_window_new (NULL, path, NULL);
  source = g_strdup_printf ("filesrc location=\"%s\" ! pngdec ! imagefreeze", png);
  wh_counter_window_set_camera_source (window, source);
  gtk_window_present (GTK_WINDOW (window));
  w.window = window;
  w.page = "counter";
  g_assert_true (wh_test_spin_until (page_is, &w, 5000));
  camera = wh_test_find_widget (GTK_WIDGET (window), is_camera_button, NULL);
  g_assert_nonnull (camera);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (camera), TRUE);
  w.prefix = "Accepted";
  g_assert_true (wh_test_spin_until (result_starts, &w, 10000));
  w.listed = 1;
  g_assert_true (wh_test_spin_until (listed_is, &w, 5000));
  /* The code stays in sight: read once, not once a frame. */
  wh_test_spin (500);
  g_assert_true (g_str_has_prefix (wh_counter_window_get_result (window, NULL), "Accepted"));
  g_assert_cmpuint (wh_counter_window_count_listed (window, NULL), ==, 1);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (camera), FALSE);
  gtk_window_destroy (GTK_WINDOW (window));

  /* No camera: said plainly, and the button goes back up. */
  if (!g_file_test ("/dev/video0", G_FILE_TEST_EXISTS))
    {
      window = wh_counter_window_new (NULL, path, NULL);
      gtk_window_present (GTK_WINDOW (window));
      w.window = window;
      g_assert_true (wh_test_spin_until (page_is, &w, 5000));
      camera = wh_test_find_widget (GTK_WIDGET (window), is_camera_button, NULL);
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (camera), TRUE);
      g_assert_cmpstr (wh_counter_window_get_result (window, NULL), ==, "No camera found");
      g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (camera)));
      gtk_window_destroy (GTK_WINDOW (window));
    }
  wh_test_spin (100);
  g_unlink (png);
  g_unlink (path);
  wh_test_remove_tmpdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();

  g_test_add_func ("/counter/window/pair-scan-sync", test_counter_window);
  g_test_add_func ("/counter/window/camera", test_counter_camera);
  return g_test_run ();
}
