/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The kiosk for a touch screen with no keyboard (suite "ui", under Xvfb):
 * the letter keypad that types a search by pinyin initials, no desktop
 * menus, emoji or mnemonics, an opaque countdown, large type, and the
 * station chosen by staff with their PIN, district first. */
#include "config.h"

#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <string.h>
#include <X11/extensions/XTest.h>

#include "jobs/wh-jobs-view.h"
#include "kiosk/wh-keypad.h"
#include "kiosk/wh-kiosk-station-chooser.h"
#include "kiosk/wh-kiosk-touch.h"
#include "kiosk/wh-kiosk.h"
#include "wh-list-model.h"
#include "wh-record-object.h"
#include "wh-test.h"
#include "wh-test-ui.h"
#include "wh-window.h"

/* `openssl passwd -6 -salt wh-test-salt 2468`, as an administrator makes it. */
#define PIN "2468"
#define PIN_HASH "$6$wh-test-salt$TOW3wrjfYvlbgIUePIYE9Q6/1GIwS5DglkiCU87GoLYMueXTjQL99qw3" \
                 "CLK4UPis3VOPuiJXWO4s1k4r2BLS1/"

/* ---- Helpers ------------------------------------------------------------ */

static void
collect (GtkWidget *root,
         GType      type,
         GPtrArray *out)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child;
       child = gtk_widget_get_next_sibling (child))
    {
      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        g_ptr_array_add (out, child);
      collect (child, type, out);
    }
}

static gboolean
any_popover_visible (GtkWidget *root)
{
  g_autoptr(GPtrArray) popovers = g_ptr_array_new ();

  collect (root, GTK_TYPE_POPOVER, popovers);
  for (guint i = 0; i < popovers->len; i++)
    if (gtk_widget_get_visible (popovers->pdata[i]))
      return TRUE;
  return FALSE;
}

static GtkWidget *
key_button (WhKeypad   *keypad,
            const char *key)
{
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

  collect (GTK_WIDGET (keypad), GTK_TYPE_BUTTON, buttons);
  for (guint i = 0; i < buttons->len; i++)
    if (g_strcmp0 (g_object_get_data (buttons->pdata[i], "wh-key"), key) == 0)
      return buttons->pdata[i];
  return NULL;
}

/* As a finger does: a click on the key's button. */
static void
tap (WhKeypad   *keypad,
     const char *key)
{
  GtkWidget *button = key_button (keypad, key);

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
}

static gboolean
has_drawn_label (GtkWidget  *root,
                 const char *text)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_widget_is_drawable (labels->pdata[i]) &&
        g_strcmp0 (gtk_label_get_text (labels->pdata[i]), text) == 0)
      return TRUE;
  return FALSE;
}

typedef struct
{
  GtkWidget  *root;
  const char *text;
} LabelWait;

static gboolean
label_drawn (gpointer data)
{
  LabelWait *wait = data;

  return has_drawn_label (wait->root, wait->text);
}

static void
apply (WhStore *store,
       WhPage  *page)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
  wh_page_free (page);
}

static WhRecord *
new_station (gint64      id,
             const char *name,
             const char *address,
             const char *district,
             gint64      adcode)
{
  WhRecord *r = wh_record_new (&wh_collection_stations);

  r->id = r->rev = id;
  wh_record_set_text (r, "name", name);
  wh_record_set_text (r, "address", address);
  wh_record_set_text (r, "province", "北京市");
  wh_record_set_text (r, "city", "北京市");
  wh_record_set_text (r, "district", district);
  wh_record_set_int (r, "province_adcode", 110000);
  wh_record_set_int (r, "city_adcode", 110100);
  wh_record_set_int (r, "adcode", adcode);
  wh_record_set_real (r, "lat", 39.99 + id * 0.001);
  wh_record_set_real (r, "lon", 116.47);
  wh_record_set_text (r, "status", "open");
  return r;
}

static WhRecord *
new_job (gint64      id,
         const char *title)
{
  WhRecord *r = wh_record_new (&wh_collection_jobs);

  r->id = r->rev = id;
  wh_record_set_text (r, "title", title);
  wh_record_set_int (r, "employer_id", 1);
  wh_record_set_text (r, "employer_name", "公司");
  wh_record_set_text (r, "category", "综合");
  wh_record_set_int (r, "salary_min", 5000);
  wh_record_set_int (r, "salary_max", 8000);
  wh_record_set_text (r, "salary_period", "month");
  wh_record_set_text (r, "settlement", "monthly");
  wh_record_set_text (r, "posted_at", "2026-11-01");
  return r;
}

/* Two stations of one name in 朝阳区 (told apart by their addresses), one
 * in 顺义区; jobs of three titles, two of them 电工 (dg). */
static WhStore *
make_store (void)
{
  static const char * const titles[] = { "低压电工", "保洁员", "电工学徒", "快递员" };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = wh_test_make_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "cache.db", NULL);
  WhStore *store = wh_store_open (path, &error);
  WhPage *page;

  g_assert_no_error (error);
  page = wh_page_new (&wh_collection_stations);
  g_ptr_array_add (page->records,
                   new_station (7, "望京驿站", "望京街8号", "朝阳区", 110105));
  g_ptr_array_add (page->records,
                   new_station (8, "望京驿站", "广顺北大街33号", "朝阳区", 110105));
  g_ptr_array_add (page->records,
                   new_station (9, "顺义驿站", "府前中街1号", "顺义区", 110113));
  page->next_since = page->server_rev = 9;
  apply (store, page);
  page = wh_page_new (&wh_collection_jobs);
  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    g_ptr_array_add (page->records, new_job (i + 1, titles[i]));
  page->next_since = page->server_rev = G_N_ELEMENTS (titles);
  apply (store, page);
  return store;
}

typedef struct
{
  WhWindow  *window;
  WhContext *context;
  WhStore   *store;
  WhKiosk   *kiosk;
  guint      resets;
} Kiosk;

static void
kiosk_setup (Kiosk *k,
             int     width,
             int     height)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  g_settings_set_int64 (settings, "kiosk-station-id", 7);
  k->store = make_store ();
  k->context = wh_context_new (settings, TRUE);
  k->window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (k->window), width, height);
  wh_window_set_context (k->window, k->context);
  gtk_window_present (GTK_WINDOW (k->window));
  wh_context_set_store (k->context, k->store);
  k->kiosk = wh_window_get_kiosk (k->window);
  g_assert_nonnull (k->kiosk);
  g_signal_connect_swapped (k->kiosk, "reset-done", G_CALLBACK (g_atomic_int_inc), &k->resets);
  wh_test_spin (200);
}

static gboolean
pointer_cleared (gpointer pointer)
{
  return *(gpointer *) pointer == NULL;
}

static void
kiosk_teardown (Kiosk *k)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);

  /* Gone once the reads it started are back: what it hooked goes with
   * it (a test after it checks that nothing stays hooked). */
  g_object_add_weak_pointer (G_OBJECT (k->kiosk), (gpointer *) &k->kiosk);
  gtk_window_destroy (GTK_WINDOW (k->window));
  g_assert_true (wh_test_spin_until (pointer_cleared, &k->kiosk, 3000));
  g_clear_object (&k->context);
  g_clear_object (&k->store);
  g_settings_reset (settings, "kiosk-station-id");
  g_settings_reset (settings, "kiosk-staff-pin");
}

/* ---- The letter keypad -------------------------------------------------- */

/* A-Z, Delete, Clear and Search; each key a finger's size (56 px) on a
 * portrait screen's width; letters typed in lower case at the cursor. */
static void
test_letter_keypad (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *entry = gtk_search_entry_new ();
  WhKeypad *keypad = WH_KEYPAD (wh_keypad_new_letters ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  g_autoptr(GPtrArray) buttons = g_ptr_array_new ();
  GtkEditable *text;
  guint activated = 0, done = 0;

  gtk_box_append (GTK_BOX (box), entry);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (keypad));
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_set_default_size (GTK_WINDOW (window), 1080, 600);
  gtk_window_present (GTK_WINDOW (window));
  wh_test_spin (200);
  text = gtk_editable_get_delegate (GTK_EDITABLE (entry));

  /* Search entries get it; entries for digits get the digit keypad. */
  g_assert_true (wh_keypad_wants_letters (GTK_WIDGET (text)));
  g_assert_true (wh_keypad_wants_letters (entry));
  g_assert_false (wh_keypad_wants (GTK_WIDGET (text)));
  g_assert_false (wh_keypad_wants_letters (gtk_entry_new ()));

  collect (GTK_WIDGET (keypad), GTK_TYPE_BUTTON, buttons);
  g_assert_cmpuint (buttons->len, ==, 26 + 3);
  for (guint i = 0; i < buttons->len; i++)
    {
      g_assert_cmpint (gtk_widget_get_width (buttons->pdata[i]), >=, 56);
      g_assert_cmpint (gtk_widget_get_height (buttons->pdata[i]), >=, 56);
      g_assert_false (gtk_widget_get_focus_on_click (buttons->pdata[i]));
    }
  for (char c = 'a'; c <= 'z'; c++)
    {
      char key[2] = { c, 0 };
      char upper[2] = { g_ascii_toupper (c), 0 };

      g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (key_button (keypad, key))), ==, upper);
    }
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (key_button (keypad, "search"))), ==,
                   "Search");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (key_button (keypad, "clear"))), ==, "Clear");

  g_signal_connect_swapped (entry, "activate", G_CALLBACK (g_atomic_int_inc), &activated);
  g_signal_connect_swapped (keypad, "done", G_CALLBACK (g_atomic_int_inc), &done);
  wh_keypad_set_target (keypad, text);
  tap (keypad, "d");
  tap (keypad, "g");
  tap (keypad, "x");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "dgx");
  tap (keypad, "delete");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "dg");
  tap (keypad, "search");
  g_assert_cmpuint (activated, ==, 1);
  g_assert_cmpuint (done, ==, 1);
  tap (keypad, "clear");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "");

  gtk_window_destroy (GTK_WINDOW (window));
  wh_test_spin (50);
}

static GListModel *
records_of (GtkWidget *page)
{
  g_autoptr(GPtrArray) lists = g_ptr_array_new ();

  collect (page, GTK_TYPE_LIST_VIEW, lists);
  for (guint i = 0; i < lists->len; i++)
    {
      GtkSelectionModel *model = gtk_list_view_get_model (lists->pdata[i]);
      GListModel *inner = NULL;

      if (GTK_IS_NO_SELECTION (model))
        inner = gtk_no_selection_get_model (GTK_NO_SELECTION (model));
      else if (GTK_IS_SINGLE_SELECTION (model))
        inner = gtk_single_selection_get_model (GTK_SINGLE_SELECTION (model));
      /* While searching, the jobs list is two models shown as one (title
       * matches first): any model of records. */
      if (WH_IS_LIST_MODEL (inner) || GTK_IS_FLATTEN_LIST_MODEL (inner))
        return inner;
    }
  return NULL;
}

typedef struct
{
  GtkWidget *page;
  guint      n;
} ListWait;

static gboolean
records_settled (gpointer data)
{
  ListWait *wait = data;
  GListModel *model = records_of (wait->page);

  if (wh_jobs_view_get_busy (WH_JOBS_VIEW (wait->page)))
    return FALSE;
  return model && g_list_model_get_n_items (model) == wait->n;
}

static gboolean
letter_keypad_shown (gpointer kiosk)
{
  return wh_kiosk_get_letter_keypad_visible (kiosk);
}

/* A search box on a kiosk: the letter keypad, not the digits; D, G finds
 * the 电工 jobs by their initials; Search puts the keypad away and leaves
 * the entry, so that a touch on it brings the keypad back. */
static void
test_search_by_initials (void)
{
  Kiosk k = { 0 };
  GtkWidget *page, *entry, *text;
  WhKeypad *letters;
  ListWait all, dg;

  kiosk_setup (&k, 1080, 1920);
  wh_window_show_view (k.window, "jobs");
  page = wh_window_get_page (k.window, "jobs");
  all = (ListWait) { page, 4 };
  dg = (ListWait) { page, 2 };
  g_assert_true (wh_test_spin_until (records_settled, &all, 5000));
  entry = wh_test_find_descendant (page, GTK_TYPE_SEARCH_ENTRY);
  text = wh_test_find_descendant (entry, GTK_TYPE_TEXT);
  gtk_window_set_focus (GTK_WINDOW (k.window), NULL);
  gtk_widget_grab_focus (text);
  g_assert_true (wh_test_spin_until (letter_keypad_shown, k.kiosk, 2000));
  g_assert_false (wh_kiosk_get_keypad_visible (k.kiosk));
  letters = wh_kiosk_get_letter_keypad (k.kiosk);
  g_assert_true (GTK_EDITABLE (text) == wh_keypad_get_target (letters));

  tap (letters, "d");
  tap (letters, "g");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "dg");
  /* The entry keeps the focus while keys are tapped. */
  g_assert_true (gtk_root_get_focus (GTK_ROOT (k.window)) == text);
  g_assert_true (wh_test_spin_until (records_settled, &dg, 5000));
  {
    GListModel *model = records_of (page);

    for (guint i = 0; i < g_list_model_get_n_items (model); i++)
      {
        g_autoptr(WhRecordObject) item = g_list_model_get_item (model, i);
        const WhRecord *r = wh_record_object_get_record (item);

        g_assert_nonnull (strstr (wh_record_get_text (r, "title"), "电工"));
      }
  }

  tap (letters, "search");
  wh_test_spin (50);
  g_assert_false (wh_kiosk_get_letter_keypad_visible (k.kiosk));
  g_assert_false (gtk_widget_has_focus (text));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (entry)), ==, "dg");
  gtk_widget_grab_focus (text);
  g_assert_true (wh_test_spin_until (letter_keypad_shown, k.kiosk, 2000));
  kiosk_teardown (&k);
}

/* ---- No desktop menus, emoji or mnemonics -------------------------------- */

static void
right_click (GtkWidget *widget)
{
  GtkWidget *window = GTK_WIDGET (gtk_widget_get_root (widget));
  Display *dpy = gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
  Window xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (window)));
  graphene_rect_t bounds;
  Window child;
  int x = 0, y = 0;

  g_assert_true (gtk_widget_compute_bounds (widget, window, &bounds));
  XTranslateCoordinates (dpy, xid, DefaultRootWindow (dpy),
                         (int) (bounds.origin.x + bounds.size.width / 2),
                         (int) (bounds.origin.y + bounds.size.height / 2), &x, &y, &child);
  XTestFakeMotionEvent (dpy, -1, x, y, 0);
  XTestFakeButtonEvent (dpy, 3, True, 0);
  XTestFakeButtonEvent (dpy, 3, False, 0);
  XFlush (dpy);
  wh_test_spin (500);
}

static void
test_no_desktop_menus (void)
{
  Kiosk k = { 0 };
  GtkWidget *page, *text;

  if (!GDK_IS_X11_DISPLAY (gdk_display_get_default ()))
    {
      g_test_skip ("Needs an X server (Xvfb) to click through");
      return;
    }
  kiosk_setup (&k, 1000, 700);
  wh_window_show_view (k.window, "jobs");
  page = wh_window_get_page (k.window, "jobs");
  text = wh_test_find_descendant (wh_test_find_descendant (page, GTK_TYPE_SEARCH_ENTRY),
                                  GTK_TYPE_TEXT);
  wh_test_spin (200);

  /* A right-click on the search box: no Paste, Insert Emoji menu. */
  right_click (text);
  g_assert_false (any_popover_visible (GTK_WIDGET (k.window)));
  /* Nor on a selectable label of the page, nor anywhere else. */
  right_click (wh_test_find_descendant (page, GTK_TYPE_LABEL));
  g_assert_false (any_popover_visible (GTK_WIDGET (k.window)));

  /* No emoji chooser by the keys (Ctrl+.) or the action, no completion. */
  g_assert_true (gtk_text_get_input_hints (GTK_TEXT (text)) & GTK_INPUT_HINT_NO_EMOJI);
  g_assert_false (gtk_text_get_enable_emoji_completion (GTK_TEXT (text)));
  gtk_widget_grab_focus (text);
  gtk_widget_activate_action (text, "misc.insert-emoji", NULL);
  wh_test_spin (200);
  g_assert_null (wh_test_find_descendant (text, GTK_TYPE_EMOJI_CHOOSER));
  g_assert_false (any_popover_visible (GTK_WIDGET (k.window)));
  kiosk_teardown (&k);
}

static gboolean
has_mnemonic_label (GtkWidget *root)
{
  g_autoptr(GPtrArray) labels = g_ptr_array_new ();

  collect (root, GTK_TYPE_LABEL, labels);
  for (guint i = 0; i < labels->len; i++)
    if (gtk_label_get_use_underline (labels->pdata[i]) ||
        strstr (gtk_label_get_label (labels->pdata[i]), "(_"))
      {
        g_test_message ("Mnemonic: “%s”", gtk_label_get_label (labels->pdata[i]));
        return TRUE;
      }
  return FALSE;
}

static void
test_no_mnemonics (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "_Search", "Search" },
    { "Mark _Applied", "Mark Applied" },
    { "搜索(_S)", "搜索" },
    { "设置我的城市(_M)…", "设置我的城市…" },
    { "保存（_S）", "保存" },
    { "Save (_S)", "Save" },
    { "Save __As", "Save _As" },
    { "(_)", "()" },
    { "plain", "plain" },
    { "trailing_", "trailing_" },
  };
  Kiosk k = { 0 };
  GtkWidget *home, *button, *dialog, *desktop;
  g_autoptr(GPtrArray) boxes = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = wh_kiosk_touch_strip_mnemonic (cases[i].in);

      g_assert_cmpstr (out, ==, cases[i].out);
    }

  kiosk_setup (&k, 1000, 700);
  /* The window's own (the templates' buttons and rows). */
  g_assert_false (has_mnemonic_label (GTK_WIDGET (k.window)));

  /* A button built later, as pages build theirs, and relabelled. */
  home = wh_window_get_page (k.window, "home");
  collect (home, GTK_TYPE_BOX, boxes);
  button = gtk_button_new_with_mnemonic ("保存(_S)");
  gtk_box_append (GTK_BOX (boxes->pdata[0]), button);
  wh_test_spin (100);
  g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button)))),
                   ==, "保存");
  gtk_button_set_label (GTK_BUTTON (button), "_Retry");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (gtk_button_get_child (GTK_BUTTON (button)))),
                   ==, "Retry");
  g_assert_false (has_mnemonic_label (GTK_WIDGET (k.window)));

  /* A dialog's responses. */
  dialog = adw_message_dialog_new (GTK_WINDOW (k.window), "Claim?", NULL);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", "取消(_C)", "claim",
                                    "C_laim", NULL);
  gtk_window_present (GTK_WINDOW (dialog));
  wh_test_spin (300);
  g_assert_false (has_mnemonic_label (dialog));
  g_assert_true (has_drawn_label (dialog, "取消"));
  gtk_window_destroy (GTK_WINDOW (dialog));

  kiosk_teardown (&k);

  /* The kiosk gone, a window keeps its mnemonics: nothing is left hooked. */
  desktop = gtk_window_new ();
  gtk_window_set_child (GTK_WINDOW (desktop), gtk_button_new_with_mnemonic ("_Open"));
  gtk_window_present (GTK_WINDOW (desktop));
  wh_test_spin (100);
  g_assert_true (has_mnemonic_label (desktop));
  gtk_window_destroy (GTK_WINDOW (desktop));
}

/* ---- Large type, tiles that fill the screen ------------------------------ */

static int
font_size_pt (GtkWidget *widget)
{
  PangoFontDescription *font = pango_context_get_font_description (
    gtk_widget_get_pango_context (widget));

  return pango_font_description_get_size (font) / PANGO_SCALE;
}

static void
test_large_type (void)
{
  Kiosk k = { 0 };
  GtkWidget *desktop = gtk_window_new ();
  GtkWidget *plain = gtk_label_new ("电工");
  GtkWidget *page, *label;

  gtk_window_set_child (GTK_WINDOW (desktop), plain);
  gtk_window_present (GTK_WINDOW (desktop));
  kiosk_setup (&k, 1080, 1920);
  wh_window_show_view (k.window, "stations");
  page = wh_window_get_page (k.window, "stations");
  wh_test_spin (200);
  /* Body text of a page, a size up from the desktop's. */
  label = wh_test_find_descendant (page, GTK_TYPE_LABEL);
  g_test_message ("Desktop %d pt, kiosk %d pt", font_size_pt (plain), font_size_pt (label));
  g_assert_cmpint (font_size_pt (label), >=, 15);
  g_assert_cmpint (font_size_pt (label), >, font_size_pt (plain));
  gtk_window_destroy (GTK_WINDOW (desktop));
  kiosk_teardown (&k);
}

/* ---- The countdown ------------------------------------------------------- */

static gboolean
reset_done (gpointer data)
{
  return ((Kiosk *) data)->resets > 0;
}

static gboolean
countdown_visible (gpointer kiosk)
{
  return wh_kiosk_get_countdown_visible (kiosk);
}

/* The pixels of the window within bounds, as drawn now, or NULL. */
static GBytes *
render_area (GtkWidget             *window,
             const graphene_rect_t *bounds)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (window);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  int width, height;
  guchar *data;

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                          gtk_widget_get_height (window));
  node = gtk_snapshot_free_to_node (snapshot);
  /* Nothing drawn yet (a slow frame, under the sanitizers): ask again. */
  if (node == NULL)
    return NULL;
  texture = gsk_renderer_render_texture (renderer, node, bounds);
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  data = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, data, (gsize) width * 4);
  return g_bytes_new_take (data, (gsize) width * height * 4);
}

typedef struct
{
  GtkWidget             *window;
  const graphene_rect_t *bounds;
  GBytes                *pixels;
} Render;

static gboolean
rendered (gpointer data)
{
  Render *render = data;

  g_clear_pointer (&render->pixels, g_bytes_unref);
  render->pixels = render_area (render->window, render->bounds);
  return render->pixels != NULL;
}

/* Nothing typed shows through the countdown: drawn with a phone number in
 * the entry under it, and with another, the entry's place is the same. */
static void
test_countdown_opaque (void)
{
  Kiosk k = { 0 };
  WhKioskIdle *idle;
  GtkWidget *page, *entry;
  graphene_rect_t bounds;
  Render render;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  kiosk_setup (&k, 1000, 700);
  wh_window_show_view (k.window, "jobs");
  page = wh_window_get_page (k.window, "jobs");
  entry = wh_test_find_descendant (page, GTK_TYPE_SEARCH_ENTRY);
  gtk_editable_set_text (GTK_EDITABLE (entry), "13912345678");
  /* The wipe on opening is over (its end hides the countdown); then the
   * countdown at 30 s, as the idle timer shows it, held there. */
  g_assert_true (wh_test_spin_until (reset_done, &k, 5000));
  idle = wh_kiosk_get_idle (k.kiosk);
  wh_kiosk_idle_set_timeout (idle, 3600 * 1000, 10000);
  g_signal_emit_by_name (idle, "warning", 30);
  g_assert_true (wh_test_spin_until (countdown_visible, k.kiosk, 3000));
  wh_test_spin (300);
  g_assert_true (gtk_widget_compute_bounds (entry, GTK_WIDGET (k.window), &bounds));
  render = (Render) { GTK_WIDGET (k.window), &bounds, NULL };
  g_assert_true (wh_test_spin_until (rendered, &render, 3000));
  before = g_steal_pointer (&render.pixels);
  gtk_editable_set_text (GTK_EDITABLE (entry), "888888888888888");
  wh_test_spin (100);
  g_assert_true (wh_test_spin_until (rendered, &render, 3000));
  after = g_steal_pointer (&render.pixels);
  g_assert_true (wh_kiosk_get_countdown_visible (k.kiosk));
  g_assert_true (g_bytes_equal (before, after));
  kiosk_teardown (&k);
}

/* ---- The kiosk's station, by staff ---------------------------------------- */

static GtkWidget *
chooser_of (Kiosk *k)
{
  return wh_test_find_descendant (wh_window_get_page (k->window, "home"),
                                  WH_TYPE_KIOSK_STATION_CHOOSER);
}

static GPtrArray *
rows_of (GtkWidget *chooser)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  GPtrArray *drawn = g_ptr_array_new ();

  collect (chooser, ADW_TYPE_ACTION_ROW, rows);
  for (guint i = 0; i < rows->len; i++)
    if (gtk_widget_is_drawable (rows->pdata[i]))
      g_ptr_array_add (drawn, rows->pdata[i]);
  return drawn;
}

typedef struct
{
  GtkWidget *chooser;
  guint      n;
  const char *first;
} RowsWait;

static gboolean
rows_shown (gpointer data)
{
  RowsWait *wait = data;
  g_autoptr(GPtrArray) rows = rows_of (wait->chooser);

  return rows->len == wait->n &&
         (wait->first == NULL ||
          g_strcmp0 (adw_preferences_row_get_title (rows->pdata[0]), wait->first) == 0);
}

static GtkWidget *
row_titled (GtkWidget  *chooser,
            const char *title,
            guint       nth)
{
  g_autoptr(GPtrArray) rows = rows_of (chooser);

  for (guint i = 0; i < rows->len; i++)
    if (g_strcmp0 (adw_preferences_row_get_title (rows->pdata[i]), title) == 0 && nth-- == 0)
      return rows->pdata[i];
  return NULL;
}

static gboolean
is_hidden (gpointer widget)
{
  return !gtk_widget_is_drawable (widget);
}

static gboolean
is_editable (gpointer widget)
{
  return gtk_editable_get_editable (widget);
}

static void
type_pin (Kiosk      *k,
          const char *pin)
{
  WhKeypad *keypad = wh_kiosk_get_keypad (k->kiosk);

  for (const char *c = pin; *c; c++)
    {
      char key[2] = { *c, 0 };

      tap (keypad, key);
    }
  tap (keypad, "ok");
}

static gboolean
keypad_shown (gpointer kiosk)
{
  return wh_kiosk_get_keypad_visible (kiosk);
}

static void
test_station_chooser (void)
{
  Kiosk k = { 0 };
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  GtkWidget *home, *chooser, *pin_entry, *row, *search;
  LabelWait refused, wrong;
  RowsWait districts, stations, found;

  kiosk_setup (&k, 1080, 1920);
  home = wh_window_get_page (k.window, "home");
  chooser = chooser_of (&k);
  g_assert_nonnull (chooser);
  pin_entry = wh_test_find_descendant (chooser, GTK_TYPE_ENTRY);

  /* No PIN set: refused, saying how to set one; nothing to type into. */
  g_assert_true (gtk_widget_activate_action (home, "kiosk-home.choose-station", NULL));
  refused = (LabelWait) { chooser, "No Staff PIN Set" };
  g_assert_true (wh_test_spin_until (label_drawn, &refused, 2000));
  g_assert_false (gtk_widget_is_drawable (pin_entry));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (k.window), "win.home", NULL));
  wh_test_spin (100);

  /* A PIN set: the digit keypad types it; a wrong one waits, even after
   * going back and coming again. */
  g_settings_set_string (settings, "kiosk-staff-pin", PIN_HASH);
  g_assert_true (gtk_widget_activate_action (home, "kiosk-home.choose-station", NULL));
  wh_test_spin (100);
  g_assert_true (gtk_widget_is_drawable (pin_entry));
  g_assert_true (wh_test_spin_until (keypad_shown, k.kiosk, 2000));
  g_assert_cmpint (gtk_entry_get_input_purpose (GTK_ENTRY (pin_entry)), ==,
                   GTK_INPUT_PURPOSE_PIN);
  g_assert_false (gtk_entry_get_visibility (GTK_ENTRY (pin_entry)));
  type_pin (&k, "1357");
  wrong = (LabelWait) { chooser, "Wrong PIN. Try again in a few seconds." };
  g_assert_true (wh_test_spin_until (label_drawn, &wrong, 5000));
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (pin_entry)));
  g_assert_cmpint (g_settings_get_int64 (settings, "kiosk-station-id"), ==, 7);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (k.window), "win.home", NULL));
  wh_test_spin (100);
  g_assert_true (gtk_widget_activate_action (home, "kiosk-home.choose-station", NULL));
  wh_test_spin (100);
  g_assert_false (gtk_editable_get_editable (GTK_EDITABLE (pin_entry)));
  /* The keypad types nothing meanwhile. */
  tap (wh_kiosk_get_keypad (k.kiosk), "1");
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (pin_entry)), ==, "");
  g_assert_true (wh_test_spin_until (is_editable, pin_entry, 8000));

  /* The right one: the districts of the kiosk's one city. */
  gtk_widget_grab_focus (wh_test_find_descendant (pin_entry, GTK_TYPE_TEXT));
  type_pin (&k, PIN);
  districts = (RowsWait) { chooser, 2, NULL };
  g_assert_true (wh_test_spin_until (rows_shown, &districts, 5000));
  g_assert_nonnull (row_titled (chooser, "朝阳区", 0));
  g_assert_nonnull (row_titled (chooser, "顺义区", 0));

  /* A district: its stations, the two of one name told apart by address. */
  g_signal_emit_by_name (row_titled (chooser, "朝阳区", 0), "activate");
  stations = (RowsWait) { chooser, 2, "望京驿站" };
  g_assert_true (wh_test_spin_until (rows_shown, &stations, 5000));
  {
    GtkWidget *first = row_titled (chooser, "望京驿站", 0);
    GtkWidget *second = row_titled (chooser, "望京驿站", 1);
    const char *a = adw_action_row_get_subtitle (ADW_ACTION_ROW (first));
    const char *b = adw_action_row_get_subtitle (ADW_ACTION_ROW (second));

    g_assert_true ((g_str_equal (a, "望京街8号") && g_str_equal (b, "广顺北大街33号")) ||
                   (g_str_equal (b, "望京街8号") && g_str_equal (a, "广顺北大街33号")));
  }

  /* Back to the districts, and a search across the city by initials, typed
   * on the letter keypad. */
  g_signal_emit_by_name (wh_test_find_descendant (chooser, GTK_TYPE_BUTTON), "clicked");
  g_assert_true (wh_test_spin_until (rows_shown, &districts, 5000));
  search = wh_test_find_descendant (wh_test_find_descendant (chooser, GTK_TYPE_SEARCH_ENTRY),
                                    GTK_TYPE_TEXT);
  gtk_widget_grab_focus (search);
  g_assert_true (wh_test_spin_until (letter_keypad_shown, k.kiosk, 2000));
  tap (wh_kiosk_get_letter_keypad (k.kiosk), "s");
  tap (wh_kiosk_get_letter_keypad (k.kiosk), "y");
  found = (RowsWait) { chooser, 1, "顺义驿站" };
  g_assert_true (wh_test_spin_until (rows_shown, &found, 5000));
  wh_test_spin (100);
  row = row_titled (chooser, "顺义驿站", 0);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   "顺义区 · 府前中街1号");
  g_assert_cmpint (gtk_widget_get_height (row), >=, 56);

  /* Chosen: the setting, and Home again. */
  g_signal_emit_by_name (row, "activate");
  wh_test_spin (100);
  g_assert_cmpint (g_settings_get_int64 (settings, "kiosk-station-id"), ==, 9);
  g_assert_true (wh_test_spin_until (is_hidden, chooser, 2000));
  kiosk_teardown (&k);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  /* What AdwApplication loads for the app: the kiosk's sizes are in it. */
  {
    g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

    gtk_css_provider_load_from_resource (css, "/org/workershome/WorkersHome/style.css");
    gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                                GTK_STYLE_PROVIDER (css),
                                                GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  }

  g_test_add_func ("/kiosk-touch/letter-keypad", test_letter_keypad);
  g_test_add_func ("/kiosk-touch/search-by-initials", test_search_by_initials);
  g_test_add_func ("/kiosk-touch/no-desktop-menus", test_no_desktop_menus);
  g_test_add_func ("/kiosk-touch/no-mnemonics", test_no_mnemonics);
  g_test_add_func ("/kiosk-touch/large-type", test_large_type);
  g_test_add_func ("/kiosk-touch/countdown-opaque", test_countdown_opaque);
  g_test_add_func ("/kiosk-touch/station-chooser", test_station_chooser);
  return g_test_run ();
}
