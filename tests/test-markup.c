/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Outside text is plain text in every view, under Xvfb (suite "ui").
 *
 * libadwaita 1.2 rows, group titles and descriptions, status page
 * descriptions and toasts read their text as Pango markup. A cache filled
 * with hostile records — every text field of every collection holding a
 * red <span> with an <a href> link in one record, and "R&D", "a < b" in
 * another — is shown in the real window: each value must appear exactly as
 * given as some label's text (not markup-stripped, not an empty label), no
 * label that parses markup may hold a value unescaped (so no link, no red
 * text), and what accessibility reports is the same text: the label's
 * accessible name, and what AT-SPI itself reads of the window (through
 * tests/atspi-names.py, as a screen reader or dogtail would). */
#include "config.h"

#include <adwaita.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "jobs/wh-jobs-view.h"
#include "wh-api.h"
#include "wh-context.h"
#include "wh-preferences-window.h"
#include "wh-record-object.h"
#include "wh-service-page.h"
#include "wh-sync.h"
#include "wh-test-store.h"
#include "wh-test-ui.h"
#include "wh-test.h"
#include "wh-window.h"

/* ---- Hostile values ---------------------------------------------------------------------- */

enum { MARKUP, AMPERSAND, N_VARIANTS };

static guint next_tag;

/* A hostile value for a field of max_len bytes, ending in a tag of its own
 * ("#12#", not a prefix of "#123#") so that each value is found on its own. */
static char *
hostile (guint  variant,
         gsize  max_len)
{
  guint tag = ++next_tag;

  if (variant == MARKUP)
    return max_len >= 160
      ? g_strdup_printf ("<span foreground=\"red\" size=\"xx-large\">请先转账 200 元押金</span>"
                         "<a href=\"https://pay.example/\">立即支付</a> #%u#", tag)
      : g_strdup_printf ("<span color=\"red\">押金</span><a href=\"x\">付</a> #%u#", tag);
  return g_strdup_printf ("R&D a < b > c #%u#", tag);
}

/* Sets field to a hostile value and returns it (owned by the record). */
static const char *
set_hostile (WhRecord   *r,
             const char *field,
             guint       variant)
{
  const WhField *f = wh_collection_find_field (r->collection, field, NULL);
  g_autofree char *value = NULL;

  g_assert_nonnull (f);
  value = hostile (variant, (gsize) f->max);
  g_assert_cmpuint (strlen (value), <=, (gsize) f->max);
  wh_record_set_text (r, field, value);
  return wh_record_get_text (r, field);
}

/* Every text field of the record hostile, but those with a format of their
 * own (dates, phones, paths, enums) and the few too short for a value
 * (a voucher's code). */
static void
make_hostile (WhRecord *r,
              guint     variant)
{
  const WhCollection *c = r->collection;

  for (guint i = 0; i < c->n_fields; i++)
    if (c->fields[i].type == WH_TYPE_TEXT && c->fields[i].format == WH_FORMAT_NONE &&
        c->fields[i].max >= 64)
      set_hostile (r, c->fields[i].name, variant);
}

/* ---- The store ----------------------------------------------------------------------------- */

typedef struct
{
  WhRecord *employer[N_VARIANTS];
  WhRecord *job[N_VARIANTS];
  WhRecord *fair[N_VARIANTS];
  WhRecord *category[N_VARIANTS];
  WhRecord *course[N_VARIANTS];
  WhRecord *lesson[N_VARIANTS];
  WhRecord *station[N_VARIANTS];
  WhRecord *merchant[N_VARIANTS];
  WhRecord *voucher[N_VARIANTS];
  char     *welfare[N_VARIANTS];
} Data;

static void
data_clear (Data *d)
{
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      g_clear_pointer (&d->employer[v], wh_record_free);
      g_clear_pointer (&d->job[v], wh_record_free);
      g_clear_pointer (&d->fair[v], wh_record_free);
      g_clear_pointer (&d->category[v], wh_record_free);
      g_clear_pointer (&d->course[v], wh_record_free);
      g_clear_pointer (&d->lesson[v], wh_record_free);
      g_clear_pointer (&d->station[v], wh_record_free);
      g_clear_pointer (&d->merchant[v], wh_record_free);
      g_clear_pointer (&d->voucher[v], wh_record_free);
      g_clear_pointer (&d->welfare[v], g_free);
    }
}

static void
apply (WhStore  *store,
       WhRecord *records[N_VARIANTS])
{
  g_autoptr(WhPage) page = wh_page_new (records[0]->collection);
  g_autoptr(GError) error = NULL;

  for (guint v = 0; v < N_VARIANTS; v++)
    {
      g_ptr_array_add (page->records, wh_record_copy (records[v]));
      page->next_since = MAX (page->next_since, records[v]->rev);
    }
  page->server_rev = page->next_since;
  g_assert_true (wh_store_apply_page (store, page, NULL, &error));
  g_assert_no_error (error);
}

/* A day counted from the service day (China's, as the app counts "today"),
 * not the machine's, which differs for eight hours a day under TZ=UTC. */
static char *
date_in_days (int days)
{
  g_autofree char *today = wh_api_service_day ();
  g_autoptr(GDateTime) midday = NULL;
  g_autoptr(GDateTime) then = NULL;
  int y, m, d;

  g_assert_cmpint (sscanf (today, "%d-%d-%d", &y, &m, &d), ==, 3);
  midday = g_date_time_new_utc (y, m, d, 12, 0, 0);
  then = g_date_time_add_days (midday, days);
  return g_date_time_format (then, "%Y-%m-%d");
}

static void
fill (WhStore *store,
      Data    *d)
{
  g_autofree char *fair_day = date_in_days (20);
  g_autoptr(GError) error = NULL;
  gint64 rev = 0;

  for (guint v = 0; v < N_VARIANTS; v++)
    {
      WhRecord *r;
      const char *welfare[2] = { NULL, NULL };

      r = d->employer[v] = wh_record_new (&wh_collection_employers);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_int (r, "city_adcode", 110100);
      wh_record_set_bool (r, "verified", TRUE);

      /* Both jobs with the first employer: each page lists the other. */
      r = d->job[v] = wh_test_make_job (1 + v, ++rev, "", NULL);
      make_hostile (r, v);
      wh_record_set_int (r, "employer_id", 1);
      wh_record_set_text (r, "employer_name", wh_record_get_text (d->employer[0], "name"));
      wh_record_set_text (r, "contact_phone", "13800138000");
      wh_record_set_int (r, "headcount", 3);
      d->welfare[v] = hostile (v, 64);
      welfare[0] = d->welfare[v];
      wh_record_set_strv (r, "welfare", welfare);

      r = d->fair[v] = wh_record_new (&wh_collection_fairs);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_int (r, "city_adcode", 110100);
      wh_record_set_text (r, "date", fair_day);
      wh_record_set_intv (r, "employer_ids", (const gint64[]) { 1, 2 }, 2);

      r = d->category[v] = wh_record_new (&wh_collection_categories);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_int (r, "position", v);

      r = d->course[v] = wh_record_new (&wh_collection_courses);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_int (r, "category_id", 1 + v);
      wh_record_set_int (r, "lesson_count", 1);
      wh_record_set_int (r, "duration_min", 30);

      r = d->lesson[v] = wh_record_new (&wh_collection_lessons);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_int (r, "course_id", 1 + v);
      wh_record_set_int (r, "position", 1);
      wh_record_set_text (r, "body_md", "正文");

      r = d->station[v] = wh_test_make_station (1 + v, ++rev, "", 39.99 + v * 0.01, 116.47);
      make_hostile (r, v);
      wh_record_set_int (r, "province_adcode", 110000);
      wh_record_set_int (r, "city_adcode", 110100 + v * 100);

      r = d->merchant[v] = wh_record_new (&wh_collection_merchants);
      r->id = 1 + v;
      r->rev = ++rev;
      make_hostile (r, v);
      wh_record_set_real (r, "lat", 39.99 + v * 0.01);
      wh_record_set_real (r, "lon", 116.47);
      wh_record_set_int (r, "province_adcode", 110000);
      wh_record_set_int (r, "city_adcode", 110100);
      {
        const char *windows[] = { "00:00-24:00", NULL };
        wh_record_set_strv (r, "windows", windows);
      }
      wh_record_set_int (r, "daily_quota", 50);
      wh_record_set_int (r, "remaining_today", 20);
    }
  apply (store, d->employer);
  apply (store, d->job);
  apply (store, d->fair);
  apply (store, d->category);
  apply (store, d->course);
  apply (store, d->lesson);
  apply (store, d->station);
  apply (store, d->merchant);

  /* A worker signed in, with today's voucher and an older one. */
  {
    g_autoptr(WhRecord) me = wh_record_new (&wh_collection_me);

    wh_record_set_int (me, "user_id", 3);
    wh_record_set_text (me, "phone", "13800138000");
    make_hostile (me, MARKUP);
    wh_record_set_bool (me, "union_member", TRUE);
    wh_record_set_bool (me, "new_form_worker", TRUE);
    wh_record_set_bool (me, "eligible", TRUE);
    g_assert_true (wh_store_set_me (store, me, &error));
    g_assert_no_error (error);
  }
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      g_autofree char *id = g_strdup_printf ("v%u", v);
      g_autofree char *day = date_in_days (-(int) v);
      WhRecord *r = d->voucher[v] = wh_record_new (&wh_collection_vouchers);

      r->id = 1 + v;
      make_hostile (r, v);
      wh_record_set_text (r, "voucher_id", id);
      wh_record_set_int (r, "merchant_id", 1 + v);
      wh_record_set_text (r, "code", "253587322047");
      wh_record_set_text (r, "payload", "WH1.payload");
      wh_record_set_text (r, "day", day);
      wh_record_set_text (r, "valid_until", "2099-01-01T00:00:00Z");
      wh_record_set_text (r, "status", "unused");
      wh_record_set_text (r, "claimed_at", "2026-11-20T08:00:00Z");
      g_assert_true (wh_store_put_voucher (store, r, &error));
      g_assert_no_error (error);
    }
}

/* ---- What the widgets show ------------------------------------------------------------------ */

/* Every check that failed, reported together at the end. */
static GString *failures;
/* The values shown since AT-SPI last read the window: what; value; ... */
static GPtrArray *pending;

typedef struct
{
  const char *value;
  GtkLabel   *found;
} Find;

static void
walk (GtkWidget *widget,
      void     (*visit) (GtkWidget *, gpointer),
      gpointer   data)
{
  visit (widget, data);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    walk (child, visit, data);
}

/* Only labels on screen count: not a hidden page's, nor a closed drop-down's. */
static void
find_visit (GtkWidget *widget,
            gpointer   data)
{
  Find *f = data;

  if (f->found == NULL && GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      strstr (gtk_label_get_text (GTK_LABEL (widget)), f->value) != NULL)
    f->found = GTK_LABEL (widget);
}

static GtkLabel *
find_label (GtkWidget  *root,
            const char *value)
{
  Find f = { value, NULL };

  walk (root, find_visit, &f);
  return f.found;
}

typedef struct
{
  GtkWidget  *root;
  const char *value;
} Wait;

static gboolean
value_shown (gpointer data)
{
  Wait *w = data;

  return find_label (w->root, w->value) != NULL;
}

/* The value is some label's text, exactly (as a whole or a part of it),
 * and the label's accessible name is that text. */
static void
assert_shown (GtkWidget  *root,
              const char *what,
              const char *value)
{
  Wait w = { root, value };
  GtkLabel *label;

  g_ptr_array_add (pending, g_strdup (what));
  g_ptr_array_add (pending, g_strdup (value));
  if (!wh_test_spin_until (value_shown, &w, 3000))
    {
      g_string_append_printf (failures, "\n%s: no label shows “%s” as plain text", what, value);
      return;
    }
  label = find_label (root, value);
  /* The label's accessible name. */
  {
    char *differs = gtk_test_accessible_check_property (GTK_ACCESSIBLE (label),
                                                        GTK_ACCESSIBLE_PROPERTY_LABEL,
                                                        gtk_label_get_text (label));
    if (differs != NULL)
      g_string_append_printf (failures, "\n%s: the label's accessible name is “%s”, not “%s”",
                              what, differs, gtk_label_get_text (label));
    g_free (differs);
  }
}

typedef struct
{
  GPtrArray *values;
  GString   *bad;
} Parsed;

static void
parsed_visit (GtkWidget *widget,
              gpointer   data)
{
  Parsed *p = data;
  const char *source;

  if (!GTK_IS_LABEL (widget) || !gtk_label_get_use_markup (GTK_LABEL (widget)))
    return;
  source = gtk_label_get_label (GTK_LABEL (widget));
  for (guint i = 0; i < p->values->len; i++)
    if (strstr (source, p->values->pdata[i]) != NULL)
      g_string_append_printf (p->bad, "\n  a label reads “%s” as markup", source);
}

static GPtrArray *all_values;

static void
collect (WhRecord *r)
{
  const WhCollection *c = r->collection;

  for (guint i = 0; i < c->n_fields; i++)
    if (c->fields[i].type == WH_TYPE_TEXT && c->fields[i].format == WH_FORMAT_NONE &&
        c->fields[i].max >= 64 && wh_record_is_set (r, c->fields[i].name))
      g_ptr_array_add (all_values, g_strdup (wh_record_get_text (r, c->fields[i].name)));
}

/* Every accessible name and description AT-SPI reads in this process. The
 * reader is another process (a reader in this one would wait on itself):
 * this one keeps answering it meanwhile. */
static GPtrArray *
atspi_read (void)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "atspi-names.py", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) reader = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  reader = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script,
                             pid, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (reader, NULL, NULL, wh_test_result_cb, &result);
  wh_test_await (&result);
  g_assert_true (g_subprocess_communicate_utf8_finish (reader, result, &out, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_successful (reader));
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_autoptr(JsonNode) node = *lines[i] ? json_from_string (lines[i], NULL) : NULL;
      JsonArray *entry = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

      if (entry == NULL || json_array_get_length (entry) != 3)
        continue;
      g_ptr_array_add (texts, g_strdup (json_array_get_string_element (entry, 1)));
      g_ptr_array_add (texts, g_strdup (json_array_get_string_element (entry, 2)));
    }
  g_assert_cmpuint (texts->len, >, 0);
  return texts;
}

/* The values shown since the last call are read by AT-SPI as given: some
 * accessible name or description holds each exactly. */
static void
assert_atspi_reads (const char *what)
{
  g_autoptr(GPtrArray) texts = atspi_read ();

  for (guint i = 0; i + 1 < pending->len; i += 2)
    {
      const char *value = pending->pdata[i + 1];
      gboolean found = FALSE;

      for (guint j = 0; j < texts->len && !found; j++)
        found = strstr (texts->pdata[j], value) != NULL;
      if (!found)
        g_string_append_printf (failures, "\n%s (%s): AT-SPI does not read “%s”", what,
                                (char *) pending->pdata[i], value);
    }
  g_ptr_array_set_size (pending, 0);
}

/* No label that parses markup holds any value unescaped: no link, no
 * colour, no size, no label emptied by a stray "&". And AT-SPI reads what
 * was shown since the last check. */
static void
assert_nothing_parsed (GtkWidget  *root,
                       const char *what)
{
  g_autoptr(GString) bad = g_string_new (NULL);
  Parsed p = { all_values, bad };

  walk (root, parsed_visit, &p);
  if (bad->len > 0)
    g_string_append_printf (failures, "\n%s:%s", what, bad->str);
  assert_atspi_reads (what);
}

/* ---- The views ------------------------------------------------------------------------------ */

typedef struct
{
  GtkWidget          *root;
  const WhCollection *collection;
  GtkWidget          *list;
} ListWait;

static gboolean
list_shown (gpointer data)
{
  ListWait *w = data;

  w->list = wh_test_find_widget (w->root, wh_test_is_list_of, (gpointer) w->collection);
  return w->list != NULL;
}

static GtkWidget *
wait_list (GtkWidget          *root,
           const WhCollection *collection)
{
  ListWait w = { root, collection, NULL };

  if (!wh_test_spin_until (list_shown, &w, 5000))
    g_error ("no list of %s", collection->name);
  return w.list;
}

static gboolean
has_cities (gpointer row)
{
  GListModel *model = adw_combo_row_get_model (row);

  return model != NULL && g_list_model_get_n_items (model) == 1 + N_VARIANTS;
}

static void
activate_item (GtkWidget *list,
               guint      position)
{
  g_signal_emit_by_name (list, "activate", position);
  wh_test_spin (100);
}

static void
test_hostile_text (void)
{
  g_autoptr(WhStore) store = wh_test_store_new (NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(WhContext) context = NULL;
  WhWindow *window;
  GtkWidget *root, *jobs, *courses, *stations, *meals, *list, *button;
  Data d = { 0 };

  all_values = g_ptr_array_new_with_free_func (g_free);
  failures = g_string_new (NULL);
  pending = g_ptr_array_new_with_free_func (g_free);
  fill (store, &d);
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      collect (d.employer[v]);
      collect (d.job[v]);
      collect (d.fair[v]);
      collect (d.category[v]);
      collect (d.course[v]);
      collect (d.lesson[v]);
      collect (d.station[v]);
      collect (d.merchant[v]);
      collect (d.voucher[v]);
      g_ptr_array_add (all_values, g_strdup (d.welfare[v]));
    }

  /* Near the stations and merchants, so that the lists show them. */
  g_settings_set_double (settings, "location-latitude", 39.99);
  g_settings_set_double (settings, "location-longitude", 116.47);
  context = wh_context_new (settings, FALSE);
  window = wh_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 900);
  gtk_window_present (GTK_WINDOW (window));
  wh_window_set_context (window, context);
  wh_context_set_store (context, store);
  root = GTK_WIDGET (window);

  /* Jobs: the list, each job's page with its employer and the employer's
   * other job, the fairs with the employers attending, My Jobs. */
  wh_window_show_view (window, "jobs");
  jobs = wh_window_get_page (window, "jobs");
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      assert_shown (jobs, "jobs list: title", wh_record_get_text (d.job[v], "title"));
      g_assert_true (wh_jobs_view_show_job (WH_JOBS_VIEW (jobs), d.job[v]->id));
      wh_test_spin (100);
      assert_shown (jobs, "job: title", wh_record_get_text (d.job[v], "title"));
      assert_shown (jobs, "job: employer", wh_record_get_text (d.employer[0], "name"));
      assert_shown (jobs, "job: trade", wh_record_get_text (d.job[v], "category"));
      assert_shown (jobs, "job: address", wh_record_get_text (d.job[v], "address"));
      assert_shown (jobs, "job: description", wh_record_get_text (d.job[v], "description"));
      assert_shown (jobs, "job: contact", wh_record_get_text (d.job[v], "contact_name"));
      assert_shown (jobs, "job: email", wh_record_get_text (d.job[v], "contact_email"));
      assert_shown (jobs, "job: benefit", d.welfare[v]);
      assert_shown (jobs, "job: employer's industry", wh_record_get_text (d.employer[0], "industry"));
      assert_shown (jobs, "job: employer's size", wh_record_get_text (d.employer[0], "size"));
      assert_shown (jobs, "job: employer's description",
                    wh_record_get_text (d.employer[0], "description"));
      assert_shown (jobs, "job: the employer's other job",
                    wh_record_get_text (d.job[1 - v], "title"));
      assert_nothing_parsed (root, "job page");
    }

  button = wh_test_find_widget (jobs, wh_test_is_section_button, (gpointer) "Job Fairs");
  g_assert_nonnull (button);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  list = wait_list (jobs, &wh_collection_fairs);
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      assert_shown (list, "fairs list: title", wh_record_get_text (d.fair[v], "title"));
      assert_shown (list, "fairs list: venue", wh_record_get_text (d.fair[v], "venue"));
    }
  for (guint i = 0; i < N_VARIANTS; i++)
    {
      g_autoptr(WhRecordObject) item = g_list_model_get_item (
        G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), i);
      const WhRecord *fair = wh_record_object_get_record (item);

      activate_item (list, i);
      assert_shown (jobs, "fair: title", wh_record_get_text (fair, "title"));
      assert_shown (jobs, "fair: venue", wh_record_get_text (fair, "venue"));
      assert_shown (jobs, "fair: address", wh_record_get_text (fair, "address"));
      assert_shown (jobs, "fair: city", wh_record_get_text (fair, "city"));
      assert_shown (jobs, "fair: description", wh_record_get_text (fair, "description"));
      for (guint v = 0; v < N_VARIANTS; v++)
        assert_shown (jobs, "fair: employer attending", wh_record_get_text (d.employer[v], "name"));
      assert_nothing_parsed (root, "fair page");
    }

  for (guint v = 0; v < N_VARIANTS; v++)
    {
      g_autoptr(WhRecord) mark = wh_record_new (&wh_collection_bookmarks);
      g_autoptr(GError) error = NULL;

      mark->id = d.job[v]->id;
      wh_record_set_int (mark, "job_id", d.job[v]->id);
      wh_record_set_bool (mark, "applied", v == 0);
      wh_record_set_text (mark, "updated_at", "2026-11-20T08:00:00Z");
      g_assert_true (wh_sync_save_bookmark (store, mark, &error));
      g_assert_no_error (error);
    }
  button = wh_test_find_widget (jobs, wh_test_is_section_button, (gpointer) "My Jobs");
  g_assert_nonnull (button);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (button), TRUE);
  for (guint v = 0; v < N_VARIANTS; v++)
    assert_shown (jobs, "my jobs: title", wh_record_get_text (d.job[v], "title"));
  assert_nothing_parsed (root, "my jobs");

  /* Courses: the list, each course with its teacher, honour, chapters and
   * lessons. */
  wh_window_show_view (window, "courses");
  courses = wh_window_get_page (window, "courses");
  list = wait_list (courses, &wh_collection_courses);
  for (guint i = 0; i < N_VARIANTS; i++)
    {
      g_autoptr(WhRecordObject) item = g_list_model_get_item (
        G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (list))), i);
      const WhRecord *course = wh_record_object_get_record (item);
      guint v = course->id - 1;

      assert_shown (list, "courses list: title", wh_record_get_text (course, "title"));
      activate_item (list, i);
      assert_shown (courses, "course: title", wh_record_get_text (course, "title"));
      assert_shown (courses, "course: summary", wh_record_get_text (course, "summary"));
      assert_shown (courses, "course: teacher", wh_record_get_text (course, "author"));
      assert_shown (courses, "course: honour", wh_record_get_text (course, "author_honor"));
      assert_shown (courses, "course: chapter", wh_record_get_text (d.lesson[v], "chapter"));
      assert_shown (courses, "course: lesson", wh_record_get_text (d.lesson[v], "title"));
      assert_nothing_parsed (root, "course page");
      gtk_widget_activate_action (courses, "courses.back", NULL);
      wh_test_spin (50);
    }

  /* Stations: the list and each station's page. */
  wh_window_show_view (window, "stations");
  stations = wh_window_get_page (window, "stations");
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      assert_shown (stations, "stations list: name", wh_record_get_text (d.station[v], "name"));
      assert_shown (stations, "stations list: address", wh_record_get_text (d.station[v], "address"));
    }
  assert_nothing_parsed (root, "stations");

  /* Meals: the merchants, today's voucher and the older one. */
  wh_window_show_view (window, "meals");
  meals = wh_window_get_page (window, "meals");
  for (guint v = 0; v < N_VARIANTS; v++)
    {
      assert_shown (meals, "merchants: name", wh_record_get_text (d.merchant[v], "name"));
      assert_shown (meals, "merchants: address", wh_record_get_text (d.merchant[v], "address"));
    }
  assert_shown (meals, "today's voucher: merchant", wh_record_get_text (d.voucher[0], "merchant_name"));
  assert_nothing_parsed (root, "meals");

  /* A toast with a server's message (one toast at a time: both kinds in one). */
  {
    g_autofree char *message = g_strdup_printf ("%s %s",
                                                wh_record_get_text (d.employer[0], "description"),
                                                wh_record_get_text (d.employer[1], "description"));

    g_ptr_array_add (all_values, g_strdup (message));
    /* Kept until the AT-SPI read below, which can take longer than a
     * toast's 5 s on a loaded machine. */
    wh_window_set_toast_timeout (window, G_MAXUINT);
    wh_window_toast (window, message, FALSE);
    assert_shown (root, "toast", message);
  }
  assert_nothing_parsed (root, "toast");

  /* Preferences: the cities of the saved stations, to sync and to measure
   * from, each chosen so that the row shows it. */
  {
    WhPreferencesWindow *prefs = wh_preferences_window_new (settings, store);
    GtkWidget *prefs_root = GTK_WIDGET (prefs);
    AdwComboRow *region;

    gtk_window_present (GTK_WINDOW (prefs));
    region = ADW_COMBO_ROW (wh_test_find_descendant (prefs_root, ADW_TYPE_COMBO_ROW));
    g_assert_nonnull (region);
    /* The cities are read off the main thread: "Anywhere" and one a station. */
    g_assert_true (wh_test_spin_until (has_cities, region, 5000));
    for (guint v = 0; v < N_VARIANTS; v++)
      {
        adw_combo_row_set_selected (region, 1 + v);
        assert_shown (prefs_root, "preferences: a city to sync",
                      wh_record_get_text (d.station[v], "city"));
      }
    assert_nothing_parsed (prefs_root, "preferences");
    gtk_window_destroy (GTK_WINDOW (prefs));
  }

  gtk_window_destroy (GTK_WINDOW (window));
  data_clear (&d);
  g_clear_pointer (&all_values, g_ptr_array_unref);
  g_clear_pointer (&pending, g_ptr_array_unref);
  if (failures->len > 0)
    g_printerr ("Outside text not shown as plain text:%s\n", failures->str);
  g_assert_cmpuint (failures->len, ==, 0);
  g_string_free (failures, TRUE);
}

/* The old code's labels parsed the values, and GTK warned about those that
 * are not markup ("R&D"): a fatal warning in tests. Let the test report the
 * empty label itself. GTK logs through the structured writer. */
static GLogWriterOutput
writer (GLogLevelFlags   level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         data)
{
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
    else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
      message = fields[i].value;
  if (g_strcmp0 (domain, "Gtk") == 0 && message && strstr (message, "from markup") != NULL)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (level, fields, n_fields, data);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  gtk_init ();
  adw_init ();
  g_log_set_writer_func (writer, NULL, NULL);
  g_test_add_func ("/ui/markup/hostile-text", test_hostile_text);
  return g_test_run ();
}
