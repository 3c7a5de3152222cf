/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-job-page"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-format.h"
#include "wh-job-filters.h"
#include "wh-job-page.h"
#include "wh-jobs.h"
#include "wh-read-aloud-controls.h"

/* Enough of the employer's other postings to compare; the rest are a search away. */
#define OTHER_JOBS 10

struct _WhJobPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkToggleButton     *applied_button;
  AdwButtonContent    *applied_content;
  GtkToggleButton     *bookmark_button;
  AdwButtonContent    *bookmark_content;
  GtkButton           *call_button;
  GtkLabel            *closed_label;
  AdwActionRow        *contact_name_row;
  AdwPreferencesGroup *contact_group;
  GtkButton           *copy_button;
  GtkLabel            *description_label;
  AdwActionRow        *email_row;
  AdwPreferencesGroup *employer_group;
  AdwPreferencesGroup *facts_group;
  GtkButton           *mail_button;
  GtkLabel            *meta_label;
  GtkListBox          *other_jobs_list;
  GtkLabel            *pay_label;
  AdwActionRow        *phone_row;
  GtkScrolledWindow   *scroller;
  GtkFlowBox          *tags_box;
  GtkLabel            *title_label;

  /* Owned references */
  WhStore      *store;
  gulong        changed_id;
  GCancellable *cancellable; /* the reads about the job shown */
  WhRecord     *job;
  GPtrArray *fact_rows; /* GtkWidget* added to facts_group */

  gboolean   updating; /* setting the toggles from the cache, not the person */
};

G_DEFINE_FINAL_TYPE (WhJobPage, wh_job_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_JOB_ACTIVATED,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *
text_of (const WhRecord *record,
         const char     *field)
{
  return wh_record_is_set (record, field) ? wh_record_get_text (record, field) : NULL;
}

static void
message (WhJobPage  *self,
         const char *text)
{
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

/* ---- Bookmark and Applied ------------------------------------------------------ */

static void
show_marks (WhJobPage *self,
            gboolean   bookmarked,
            gboolean   applied)
{
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->bookmark_button, bookmarked);
  gtk_toggle_button_set_active (self->applied_button, applied);
  self->updating = FALSE;
  adw_button_content_set_icon_name (self->bookmark_content,
                                    bookmarked ? "starred-symbolic" : "non-starred-symbolic");
  adw_button_content_set_label (self->bookmark_content,
                                bookmarked ? _("_Bookmarked") : _("_Bookmark"));
  adw_button_content_set_label (self->applied_content,
                                applied ? _("_Applied") : _("Mark _Applied"));
  if (applied)
    gtk_widget_add_css_class (GTK_WIDGET (self->applied_button), "success");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->applied_button), "success");
}

static void
get_marks_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(WhJobPage) self = data;
  g_autoptr(GError) error = NULL;
  gboolean bookmarked = FALSE, applied = FALSE;

  if (!wh_jobs_get_marks_finish (WH_STORE (source), result, &bookmarked, &applied, &error))
    {
      /* Another job since, or the page went away. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("Marks of job: %s", error->message);
    }
  show_marks (self, bookmarked, applied);
}

static void
load_marks (WhJobPage *self)
{
  wh_jobs_get_marks_async (self->store, self->job->id, self->cancellable, get_marks_cb,
                           g_object_ref (self));
}

static void
save_marks (WhJobPage *self,
            gboolean   bookmarked,
            gboolean   applied)
{
  g_autoptr(GError) error = NULL;

  if (!wh_jobs_save_marks (self->store, self->job->id, bookmarked, applied, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not save: %s"), error->message);

      message (self, text);
    }
  /* What the cache holds now, whether the write went through or not. */
  load_marks (self);
}

static void
bookmark_toggled_cb (WhJobPage *self)
{
  gboolean on = gtk_toggle_button_get_active (self->bookmark_button);

  if (self->updating || self->job == NULL)
    return;
  /* Taking the bookmark away takes the Applied mark with it. */
  save_marks (self, on, on && gtk_toggle_button_get_active (self->applied_button));
  message (self, on ? _("Saved under My Jobs") : _("Removed from My Jobs"));
}

static void
applied_toggled_cb (WhJobPage *self)
{
  gboolean on = gtk_toggle_button_get_active (self->applied_button);
  gboolean bookmarked = gtk_toggle_button_get_active (self->bookmark_button);

  if (self->updating || self->job == NULL)
    return;
  /* An application is worth keeping: marking it keeps the job too (the
   * Applied mark is part of the bookmark), and the person is told so. */
  save_marks (self, on || bookmarked, on);
  if (on && !bookmarked)
    message (self, _("Marked as applied and saved under My Jobs"));
}

/* On the main context (the store's contract): My Jobs, or a sync, changed
 * the marks of the job shown. */
static void
store_changed_cb (WhStore    *store,
                  const char *what,
                  WhJobPage  *self)
{
  if (self->job != NULL && self->cancellable != NULL && g_strcmp0 (what, "bookmarks") == 0)
    load_marks (self);
}

/* ---- Contact ------------------------------------------------------------------- */

static gboolean
can_open (const char *scheme)
{
  g_autoptr(GAppInfo) app = g_app_info_get_default_for_uri_scheme (scheme);

  return app != NULL;
}

static void
open_uri (WhJobPage  *self,
          const char *uri)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri, GDK_CURRENT_TIME);
}

static char *
phone_digits (const char *phone)
{
  GString *s = g_string_new (NULL);

  for (const char *p = phone; p && *p; p++)
    if (g_ascii_isdigit (*p) || (*p == '+' && s->len == 0))
      g_string_append_c (s, *p);
  return g_string_free (s, FALSE);
}

static void
call_clicked_cb (WhJobPage *self)
{
  g_autofree char *digits = NULL;
  g_autofree char *uri = NULL;

  if (self->job == NULL || text_of (self->job, "contact_phone") == NULL)
    return;
  digits = phone_digits (text_of (self->job, "contact_phone"));
  uri = g_strconcat ("tel:", digits, NULL);
  open_uri (self, uri);
}

static void
copy_clicked_cb (WhJobPage *self)
{
  const char *phone = self->job ? text_of (self->job, "contact_phone") : NULL;

  if (phone == NULL)
    return;
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), phone);
  message (self, _("Phone number copied"));
}

static void
mail_clicked_cb (WhJobPage *self)
{
  const char *email = self->job ? text_of (self->job, "contact_email") : NULL;
  g_autofree char *to = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *subject_escaped = NULL;
  g_autofree char *uri = NULL;

  if (email == NULL)
    return;
  to = g_uri_escape_string (email, "@", FALSE);
  /* Translators: the subject of an email to an employer; %s is the job title */
  subject = g_strdup_printf (_("Application: %s"), wh_record_get_text (self->job, "title"));
  subject_escaped = g_uri_escape_string (subject, NULL, FALSE);
  uri = g_strconcat ("mailto:", to, "?subject=", subject_escaped, NULL);
  open_uri (self, uri);
}

/* ---- The job ------------------------------------------------------------------- */

static void
clear_facts (WhJobPage *self)
{
  for (guint i = 0; i < self->fact_rows->len; i++)
    adw_preferences_group_remove (self->facts_group, self->fact_rows->pdata[i]);
  g_ptr_array_set_size (self->fact_rows, 0);
}

GtkWidget *
wh_job_page_new_fact_row (const char *title,
                          const char *value)
{
  GtkWidget *row = wh_format_row_new (title, value);

  gtk_widget_add_css_class (row, "property");
  gtk_widget_set_visible (row, value != NULL && *value != '\0');
  return row;
}

static void
add_fact (WhJobPage  *self,
          const char *title,
          const char *value)
{
  GtkWidget *row;

  if (value == NULL || *value == '\0')
    return;
  row = wh_job_page_new_fact_row (title, value);
  adw_preferences_group_add (self->facts_group, row);
  g_ptr_array_add (self->fact_rows, row);
}

static void
set_row (AdwActionRow *row,
         const char   *value)
{
  gtk_widget_set_visible (GTK_WIDGET (row), value != NULL && *value != '\0');
  adw_action_row_set_subtitle (row, value ? value : "");
}

static void
fill_tags (WhJobPage      *self,
           const WhRecord *job)
{
  g_auto(GStrv) welfare = wh_record_dup_strv (job, "welfare");
  GtkWidget *child;
  gboolean any = FALSE;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->tags_box))) != NULL)
    gtk_flow_box_remove (self->tags_box, child);
  /* In the person's language; the settlement has its own line, so the
   * tags that say it (日结) are not shown twice. */
  for (guint i = 0; welfare && welfare[i]; i++)
    {
      GtkWidget *label;

      if (wh_job_settlement_tag (welfare[i]) != NULL)
        continue;
      label = gtk_label_new (wh_format_benefit (welfare[i]));
      gtk_widget_add_css_class (label, "wh-tag");
      gtk_flow_box_append (self->tags_box, label);
      any = TRUE;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->tags_box), any);
}

static void
fill_details (WhJobPage          *self,
              const WhJobDetails *details)
{
  const WhRecord *job = self->job;
  const WhRecord *employer = details->employer;
  GPtrArray *others = details->others;

  {
    g_autoptr(GString) about = g_string_new (wh_record_get_text (job, "employer_name"));

    if (employer && text_of (employer, "industry"))
      g_string_append_printf (about, " · %s", text_of (employer, "industry"));
    if (employer && text_of (employer, "size"))
      g_string_append_printf (about, " · %s", text_of (employer, "size"));
    if (employer && wh_record_get_bool (employer, "verified"))
      g_string_append_printf (about, " · %s", _("Verified by the union"));
    if (employer && text_of (employer, "description"))
      g_string_append_printf (about, "\n%s", text_of (employer, "description"));
    wh_format_group_set_description (self->employer_group, about->str);
  }
  for (guint i = 0; others && i < others->len; i++)
    {
      const WhRecord *other = others->pdata[i];
      g_autofree char *pay = wh_format_salary (wh_record_get_int (other, "salary_min"),
                                               wh_record_get_int (other, "salary_max"),
                                               wh_record_get_text (other, "salary_period"));
      GtkWidget *row = wh_format_row_new (wh_record_get_text (other, "title"), pay);

      adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "job-id", g_memdup2 (&other->id, sizeof other->id),
                              g_free);
      gtk_list_box_append (self->other_jobs_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->other_jobs_list), others && others->len > 0);
  show_marks (self, details->bookmarked, details->applied);
}

static void
get_details_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(WhJobPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(WhJobDetails) details = wh_jobs_get_details_finish (WH_STORE (source), result, &error);

  /* Another job since, or the page went away. */
  if (details == NULL)
    return;
  fill_details (self, details);
}

/* Until its details are read: the name on the job, no other postings, no marks. */
static void
clear_details (WhJobPage      *self,
               const WhRecord *job)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->other_jobs_list))) != NULL)
    gtk_list_box_remove (self->other_jobs_list, child);
  gtk_widget_set_visible (GTK_WIDGET (self->other_jobs_list), FALSE);
  wh_format_group_set_description (self->employer_group,
                                   job ? wh_record_get_text (job, "employer_name") : "");
  show_marks (self, FALSE, FALSE);
}

static void
other_job_activated_cb (WhJobPage     *self,
                        GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "job-id");

  if (id != NULL)
    g_signal_emit (self, signals[SIGNAL_JOB_ACTIVATED], 0, *id);
}

void
wh_job_page_show (WhJobPage      *self,
                  WhStore        *store,
                  const WhRecord *job,
                  gboolean        has_origin,
                  double          lat,
                  double          lon)
{
  g_autofree char *pay = NULL;
  g_autofree char *meta = NULL;
  g_autofree char *place = NULL;
  g_autofree char *distance = NULL;
  g_autofree char *headcount = NULL;
  const char *phone, *email;

  g_return_if_fail (WH_IS_JOB_PAGE (self));
  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (job != NULL && job->collection == &wh_collection_jobs);

  if (store != self->store)
    {
      if (self->changed_id)
        g_clear_signal_handler (&self->changed_id, self->store);
      g_set_object (&self->store, store);
      self->changed_id = g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb),
                                                  self, 0);
    }
  g_clear_pointer (&self->job, wh_record_free);
  self->job = wh_record_copy (job);
  /* Whatever is still being read is about the job shown before. */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  gtk_label_set_text (self->title_label, wh_record_get_text (job, "title"));
  pay = wh_format_salary (wh_record_get_int (job, "salary_min"), wh_record_get_int (job, "salary_max"),
                          wh_record_get_text (job, "salary_period"));
  gtk_label_set_text (self->pay_label, pay);
  place = g_strjoin ("", text_of (job, "city") ? text_of (job, "city") : "",
                     text_of (job, "district") ? text_of (job, "district") : "", NULL);
  meta = g_strdup_printf ("%s%s%s", wh_record_get_text (job, "employer_name"), *place ? " · " : "",
                          place);
  gtk_label_set_text (self->meta_label, meta);
  fill_tags (self, job);

  clear_facts (self);
  add_fact (self, _("Trade"), wh_record_get_text (job, "category"));
  add_fact (self, _("Settlement"), wh_format_settlement (wh_record_get_text (job, "settlement")));
  if (wh_record_is_set (job, "headcount") && wh_record_get_int (job, "headcount") > 0)
    headcount = g_strdup_printf (ngettext ("%d person", "%d people",
                                           (gulong) wh_record_get_int (job, "headcount")),
                                 (int) wh_record_get_int (job, "headcount"));
  add_fact (self, _("Hiring"), headcount);
  add_fact (self, _("Address"), text_of (job, "address"));
  if (has_origin && wh_record_is_set (job, "lat") && wh_record_is_set (job, "lon"))
    distance = wh_format_distance (wh_geo_distance_m (lat, lon, wh_record_get_real (job, "lat"),
                                                      wh_record_get_real (job, "lon")));
  add_fact (self, _("Distance"), distance);
  add_fact (self, _("Posted"), text_of (job, "posted_at"));
  {
    g_autoptr(GDateTime) now = g_date_time_new_now_local ();
    g_autoptr(GDate) today = g_date_new_dmy (g_date_time_get_day_of_month (now),
                                             g_date_time_get_month (now),
                                             g_date_time_get_year (now));
    g_autofree char *closed = NULL;

    if (wh_job_is_closed (job, today))
      /* Translators: the last day to apply, past: e.g. "2026-11-03 · Closed" */
      closed = g_strdup_printf (_("%s · Closed"), text_of (job, "expires_at"));
    add_fact (self, _("Apply by"), closed ? closed : text_of (job, "expires_at"));
    gtk_widget_set_visible (GTK_WIDGET (self->closed_label), closed != NULL);
  }

  gtk_label_set_text (self->description_label, text_of (job, "description") ? text_of (job, "description") : "");
  gtk_widget_set_visible (GTK_WIDGET (self->description_label), text_of (job, "description") != NULL);

  phone = text_of (job, "contact_phone");
  email = text_of (job, "contact_email");
  set_row (self->contact_name_row, text_of (job, "contact_name"));
  set_row (self->phone_row, phone);
  set_row (self->email_row, email);
  /* Only what this desktop can do: a kiosk has no phone or mail client. */
  gtk_widget_set_visible (GTK_WIDGET (self->call_button), phone && can_open ("tel"));
  gtk_widget_set_visible (GTK_WIDGET (self->mail_button), email && can_open ("mailto"));
  gtk_widget_set_visible (GTK_WIDGET (self->contact_group),
                          phone || email || text_of (job, "contact_name"));

  clear_details (self, job);
  wh_jobs_get_details_async (store, job, OTHER_JOBS, self->cancellable, get_details_cb,
                             g_object_ref (self));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (self->scroller), 0);
}

void
wh_job_page_clear (WhJobPage *self)
{
  g_return_if_fail (WH_IS_JOB_PAGE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->job, wh_record_free);
  clear_facts (self);
  gtk_label_set_text (self->title_label, "");
  gtk_label_set_text (self->description_label, "");
  show_marks (self, FALSE, FALSE);
}

void
wh_job_page_unselect (WhJobPage *self)
{
  g_return_if_fail (WH_IS_JOB_PAGE (self));

  gtk_label_select_region (self->title_label, 0, 0);
  gtk_label_select_region (self->description_label, 0, 0);
}

gint64
wh_job_page_get_job_id (WhJobPage *self)
{
  g_return_val_if_fail (WH_IS_JOB_PAGE (self), 0);

  return self->job ? self->job->id : 0;
}

/* ---- Class ---------------------------------------------------------------------- */

static void
wh_job_page_dispose (GObject *object)
{
  WhJobPage *self = WH_JOB_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_JOB_PAGE);
  g_clear_object (&self->store);
  g_clear_pointer (&self->job, wh_record_free);
  g_clear_pointer (&self->fact_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (wh_job_page_parent_class)->dispose (object);
}

static void
wh_job_page_class_init (WhJobPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_job_page_dispose;

  signals[SIGNAL_JOB_ACTIVATED] = g_signal_new ("job-activated", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  g_type_ensure (WH_TYPE_READ_ALOUD_CONTROLS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-job-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, applied_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, applied_content);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, bookmark_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, bookmark_content);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, call_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, closed_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, contact_group);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, contact_name_row);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, copy_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, description_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, email_row);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, employer_group);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, facts_group);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, mail_button);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, meta_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, other_jobs_list);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, pay_label);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, phone_row);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, scroller);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, tags_box);
  gtk_widget_class_bind_template_child (widget_class, WhJobPage, title_label);
  gtk_widget_class_bind_template_callback (widget_class, applied_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, bookmark_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, call_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, mail_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, other_job_activated_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_job_page_init (WhJobPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->fact_rows = g_ptr_array_new ();
}
