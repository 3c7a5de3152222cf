/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-my-jobs-page"

#include "config.h"

#include <glib/gi18n.h>

#include "wh-format.h"
#include "wh-jobs.h"
#include "wh-my-jobs-page.h"
#include "wh-service-page.h"

struct _WhMyJobsPage
{
  GtkWidget parent_instance;

  /* Template widgets */
  GtkListBox *mine_list;
  GtkStack   *mine_stack;

  /* Owned references */
  WhStore      *store;
  GCancellable *cancellable;    /* the list being read */
  gulong        changed_id;
  guint         refresh_source; /* a refresh is scheduled */

  /* State */
  int           focus_row;      /* the row to focus once the list is read again, or -1 */
};

G_DEFINE_FINAL_TYPE (WhMyJobsPage, wh_my_jobs_page, GTK_TYPE_WIDGET)

enum
{
  SIGNAL_JOB_ACTIVATED,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  WhStore  *store;
  gint64    job_id;
  gboolean  applied;
} Undo;

static void
undo_free (gpointer  data,
           GClosure *closure)
{
  Undo *undo = data;

  g_object_unref (undo->store);
  g_free (undo);
}

/* The toast's Undo: the marks as they were (the list follows the store). */
static void
undo_clicked_cb (AdwToast *toast,
                 Undo     *undo)
{
  g_autoptr(GError) error = NULL;

  if (!wh_jobs_save_marks (undo->store, undo->job_id, TRUE, undo->applied, &error))
    g_message ("Undo removing job %" G_GINT64_FORMAT ": %s", undo->job_id, error->message);
}

static void
remove_mark_clicked_cb (GtkButton    *button,
                        WhMyJobsPage *self)
{
  gint64 *id = g_object_get_data (G_OBJECT (button), "job-id");
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_LIST_BOX_ROW);
  WhServicePage *page = wh_service_page_get_for_widget (GTK_WIDGET (self));
  g_autoptr(GError) error = NULL;
  g_autoptr(AdwToast) toast = NULL;
  Undo *undo;

  if (self->store == NULL)
    return;
  if (!wh_jobs_save_marks (self->store, *id, FALSE, FALSE, &error))
    {
      g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, error->message);
      return;
    }
  /* The row goes with the next read of the list: the focus then goes to
   * the row that takes its place, not nowhere. */
  if (row != NULL && gtk_widget_has_focus (GTK_WIDGET (button)))
    self->focus_row = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
  if (page == NULL)
    return;
  undo = g_new0 (Undo, 1);
  undo->store = g_object_ref (self->store);
  undo->job_id = *id;
  undo->applied = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "applied"));
  toast = wh_format_toast_new (_("Removed from My Jobs"));
  adw_toast_set_button_label (toast, _("_Undo"));
  g_signal_connect_data (toast, "button-clicked", G_CALLBACK (undo_clicked_cb), undo, undo_free, 0);
  wh_service_page_add_toast (page, toast);
}

static GtkWidget *
new_row (WhMyJobsPage  *self,
         const WhMyJob *mine)
{
  const WhRecord *mark = mine->mark;
  const WhRecord *job = mine->job;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *remove;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (job)
    {
      g_autofree char *pay = wh_format_salary (wh_record_get_int (job, "salary_min"),
                                               wh_record_get_int (job, "salary_max"),
                                               wh_record_get_text (job, "salary_period"));
      g_autofree char *sub = g_strdup_printf ("%s · %s", pay,
                                              wh_record_get_text (job, "employer_name"));

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), wh_record_get_text (job, "title"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), sub);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Job no longer listed"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("The employer took it down, or it is outside the region "
                                     "you sync."));
    }
  if (wh_record_get_bool (mark, "applied"))
    {
      GtkWidget *badge = gtk_label_new (_("Applied"));

      gtk_widget_add_css_class (badge, "wh-tag");
      gtk_widget_add_css_class (badge, "success");
      gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), badge);
    }
  remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_set_tooltip_text (remove, _("Remove from My Jobs"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Remove from My Jobs"), -1);
  g_object_set_data_full (G_OBJECT (remove), "job-id", g_memdup2 (&mark->id, sizeof mark->id),
                          g_free);
  g_object_set_data (G_OBJECT (remove), "applied",
                     GINT_TO_POINTER (wh_record_get_bool (mark, "applied")));
  g_signal_connect_object (remove, "clicked", G_CALLBACK (remove_mark_clicked_cb), self, 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  g_object_set_data_full (G_OBJECT (row), "job-id", g_memdup2 (&mark->id, sizeof mark->id),
                          g_free);
  return row;
}

static void
clear_rows (WhMyJobsPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->mine_list))) != NULL)
    gtk_list_box_remove (self->mine_list, child);
}

static void
list_mine_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(WhMyJobsPage) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) mine = wh_jobs_list_mine_finish (WH_STORE (source), result, &error);
  GtkRoot *root;
  GtkWidget *focus;

  /* A newer refresh, or the page went away. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (mine == NULL)
    g_debug ("My jobs: %s", error->message);
  /* The rows are made again. The focus leaves the one it is on first:
   * GTK 4.8's viewport keeps the child with the focus, and a row removed
   * with it made the next frame log a gtk_widget_is_ancestor critical
   * (#17 item 20). It comes back on the row now in that place. */
  root = gtk_widget_get_root (GTK_WIDGET (self));
  focus = root ? gtk_root_get_focus (root) : NULL;
  if (focus != NULL && gtk_widget_is_ancestor (focus, GTK_WIDGET (self->mine_list)))
    {
      GtkWidget *row = GTK_IS_LIST_BOX_ROW (focus) ? focus
                         : gtk_widget_get_ancestor (focus, GTK_TYPE_LIST_BOX_ROW);

      if (self->focus_row < 0 && row != NULL)
        self->focus_row = gtk_list_box_row_get_index (GTK_LIST_BOX_ROW (row));
      gtk_root_set_focus (root, NULL);
    }
  clear_rows (self);
  for (guint i = 0; mine && i < mine->len; i++)
    gtk_list_box_append (self->mine_list, new_row (self, mine->pdata[i]));
  gtk_stack_set_visible_child_name (self->mine_stack, mine && mine->len ? "list" : "empty");
  if (self->focus_row >= 0 && mine && mine->len > 0)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->mine_list,
                                                          MIN ((guint) self->focus_row,
                                                               mine->len - 1));

      gtk_widget_grab_focus (GTK_WIDGET (row));
    }
  self->focus_row = -1;
}

void
wh_my_jobs_page_refresh (WhMyJobsPage *self)
{
  g_return_if_fail (WH_IS_MY_JOBS_PAGE (self));

  g_clear_handle_id (&self->refresh_source, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->store == NULL)
    {
      clear_rows (self);
      return;
    }
  self->cancellable = g_cancellable_new ();
  wh_jobs_list_mine_async (self->store, self->cancellable, list_mine_cb, g_object_ref (self));
}

GtkWidget *
wh_my_jobs_page_get_row (WhMyJobsPage *self,
                         gint64        job_id)
{
  g_return_val_if_fail (WH_IS_MY_JOBS_PAGE (self), NULL);

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->mine_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      gint64 *id = g_object_get_data (G_OBJECT (row), "job-id");

      if (id != NULL && *id == job_id)
        return row;
    }
  return NULL;
}

static gboolean
refresh_idle_cb (gpointer data)
{
  WhMyJobsPage *self = data;

  self->refresh_source = 0;
  wh_my_jobs_page_refresh (self);
  return G_SOURCE_REMOVE;
}

/* On the main context (the store's contract). */
static void
store_changed_cb (WhStore      *store,
                  const char   *what,
                  WhMyJobsPage *self)
{
  if (g_strcmp0 (what, "bookmarks") != 0 && g_strcmp0 (what, "jobs") != 0)
    return;
  if (self->refresh_source == 0)
    self->refresh_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, refresh_idle_cb, self, NULL);
}

void
wh_my_jobs_page_set_store (WhMyJobsPage *self,
                           WhStore      *store)
{
  g_return_if_fail (WH_IS_MY_JOBS_PAGE (self));
  g_return_if_fail (store == NULL || WH_IS_STORE (store));

  if (store == self->store)
    return;
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_set_object (&self->store, store);
  if (store != NULL)
    self->changed_id = g_signal_connect_object (store, "changed", G_CALLBACK (store_changed_cb),
                                                self, 0);
  wh_my_jobs_page_refresh (self);
}

static void
mine_activated_cb (WhMyJobsPage  *self,
                   GtkListBoxRow *row)
{
  gint64 *id = g_object_get_data (G_OBJECT (row), "job-id");

  if (id != NULL)
    g_signal_emit (self, signals[SIGNAL_JOB_ACTIVATED], 0, *id);
}

/* ---- Class ------------------------------------------------------------------------ */

static void
wh_my_jobs_page_dispose (GObject *object)
{
  WhMyJobsPage *self = WH_MY_JOBS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->changed_id)
    g_clear_signal_handler (&self->changed_id, self->store);
  g_clear_handle_id (&self->refresh_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), WH_TYPE_MY_JOBS_PAGE);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (wh_my_jobs_page_parent_class)->dispose (object);
}

static void
wh_my_jobs_page_class_init (WhMyJobsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = wh_my_jobs_page_dispose;

  signals[SIGNAL_JOB_ACTIVATED] = g_signal_new ("job-activated", G_TYPE_FROM_CLASS (klass),
                                                G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/workershome/WorkersHome/jobs/wh-my-jobs-page.ui");
  gtk_widget_class_bind_template_child (widget_class, WhMyJobsPage, mine_list);
  gtk_widget_class_bind_template_child (widget_class, WhMyJobsPage, mine_stack);
  gtk_widget_class_bind_template_callback (widget_class, mine_activated_cb);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
wh_my_jobs_page_init (WhMyJobsPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->focus_row = -1;
}
