/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-station-layer"

#include "config.h"

#include <math.h>

#include "wh-map-sprite.h"
#include "wh-geo.h"
#include "wh-station-layer.h"

/* Cells of this many pixels: a cluster's disc (at most 48 px across) fits. */
#define CELL_PX 56.0
/* A finger is about 44 px wide; a small dot still takes a tap this far off. */
#define TOUCH_RADIUS 22.0
/* Below this zoom the whole country is fetched at once, so a pan never waits. */
#define WHOLE_WORLD_ZOOM 6

/* What one query found, for one zoom level; immutable once made. */
typedef struct
{
  int     zoom;
  double  min_lat, min_lon, max_lat, max_lon; /* the area fetched */
  guint   generation;                         /* of the filter and data */
  guint   n_points;
  GArray *clusters;                           /* WhStationCluster */
} Result;

static void
result_free (Result *result)
{
  g_clear_pointer (&result->clusters, g_array_unref);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

typedef struct
{
  WhStore        *store;
  WhStationFilter filter;
  char           *status;
  Result         *result; /* the area and zoom asked for; filled by the thread */
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->store);
  g_free (job->status);
  g_clear_pointer (&job->result, result_free);
  g_free (job);
}

struct _WhStationLayer
{
  ShumateLayer parent_instance;

  WhStore        *store;
  WhStationFilter filter;
  char           *status;
  guint           generation;

  Result         *result;     /* drawn; NULL before the first query */
  GCancellable   *cancellable;
  gboolean        busy;
  gboolean        again;      /* the view moved on while a query ran */
  guint           n_drawn;

  /* Owned drawing resources */
  WhMapPainter   *painter;
  GHashTable     *labels;     /* count → WhMapSprite of its cluster */
  WhMapSprite    *discs[5];   /* 0: a single station, 1–4: clusters by size */
  int             discs_scale;
  char           *font;       /* the labels were drawn in */
};

G_DEFINE_FINAL_TYPE (WhStationLayer, wh_station_layer, SHUMATE_TYPE_LAYER)

/* ---- Projection --------------------------------------------------------- */

static double
tile_size (ShumateViewport *viewport)
{
  ShumateMapSource *source = shumate_viewport_get_reference_map_source (viewport);

  return source ? shumate_map_source_get_tile_size (source) : WH_MAP_TILE_SIZE;
}

void
wh_map_frame_init (WhMapFrame   *frame,
                   ShumateLayer *layer)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (layer);

  wh_map_frame_set (frame, shumate_location_get_latitude (SHUMATE_LOCATION (viewport)),
                    shumate_location_get_longitude (SHUMATE_LOCATION (viewport)),
                    shumate_viewport_get_zoom_level (viewport), tile_size (viewport),
                    shumate_viewport_get_rotation (viewport),
                    gtk_widget_get_width (GTK_WIDGET (layer)),
                    gtk_widget_get_height (GTK_WIDGET (layer)));
}

void
wh_station_layer_to_widget (ShumateLayer *layer,
                            double        lat,
                            double        lon,
                            double       *x,
                            double       *y)
{
  WhMapFrame frame;
  double wx, wy;

  g_return_if_fail (SHUMATE_IS_LAYER (layer));

  wh_map_frame_init (&frame, layer);
  wh_map_project (lat, lon, &wx, &wy);
  wh_map_frame_apply (&frame, wx, wy, x, y);
}

/* The area in view, grown by margin view sizes on each side. */
static void
view_box (WhStationLayer *self,
          double          margin,
          double         *min_lat,
          double         *min_lon,
          double         *max_lat,
          double         *max_lon)
{
  WhMapFrame frame;

  wh_map_frame_init (&frame, SHUMATE_LAYER (self));
  wh_map_frame_box (&frame, margin, min_lat, min_lon, max_lat, max_lon);
}

static int
zoom_level (WhStationLayer *self)
{
  ShumateViewport *viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));

  /* Rounded down: while zooming in, clusters grow apart until the next level
   * splits them. */
  return CLAMP ((int) floor (shumate_viewport_get_zoom_level (viewport) + 1e-6), 0, 24);
}

/* ---- Querying ----------------------------------------------------------- */

static void
query_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Job *job = task_data;
  Result *result = job->result;
  g_autoptr(GArray) points = NULL;
  GError *error = NULL;

  job->filter.status = job->status;
  points = wh_store_query_station_points (job->store, &job->filter, result->min_lat,
                                          result->min_lon, result->max_lat, result->max_lon,
                                          G_MAXUINT, &error);
  if (points == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  result->n_points = points->len;
  result->clusters = wh_station_cluster ((const WhGeoPoint *) (gpointer) points->data, points->len,
                                         result->zoom, CELL_PX, NULL);
  g_task_return_pointer (task, g_steal_pointer (&job->result), (GDestroyNotify) result_free);
}

static void maybe_query (WhStationLayer *self);

static void
query_done_cb (GObject      *object,
               GAsyncResult *res,
               gpointer      user_data)
{
  WhStationLayer *self = WH_STATION_LAYER (object);
  g_autoptr(GError) error = NULL;
  Result *result = g_task_propagate_pointer (G_TASK (res), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->busy = FALSE;
  if (result == NULL)
    {
      /* The cache may be mid-rebuild; the next change of view tries again. */
      g_warning ("Could not read the stations for the map: %s", error->message);
      return;
    }
  g_clear_pointer (&self->result, result_free);
  self->result = result;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  if (self->again)
    maybe_query (self);
}

static gboolean
result_covers (WhStationLayer *self,
               const Result   *result)
{
  double min_lat, min_lon, max_lat, max_lon;

  if (result == NULL || result->generation != self->generation ||
      result->zoom != zoom_level (self))
    return FALSE;
  view_box (self, 0, &min_lat, &min_lon, &max_lat, &max_lon);
  return min_lat >= result->min_lat && max_lat <= result->max_lat && min_lon >= result->min_lon &&
         max_lon <= result->max_lon;
}

static void
maybe_query (WhStationLayer *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;
  Result *want;

  self->again = FALSE;
  if (self->store == NULL || gtk_widget_get_width (GTK_WIDGET (self)) <= 0 ||
      result_covers (self, self->result))
    return;
  if (self->busy)
    {
      /* One query at a time: the newest view is asked for when it ends. */
      self->again = TRUE;
      return;
    }

  want = g_new0 (Result, 1);
  want->zoom = zoom_level (self);
  want->generation = self->generation;
  if (want->zoom < WHOLE_WORLD_ZOOM)
    {
      want->min_lat = -WH_MAP_MAX_LAT;
      want->max_lat = WH_MAP_MAX_LAT;
      want->min_lon = -180;
      want->max_lon = 180;
    }
  else
    {
      /* A view's size around it on every side: panning stays inside for a
       * while, and the next area is read while the old one is drawn. */
      view_box (self, 1, &want->min_lat, &want->min_lon, &want->max_lat, &want->max_lon);
    }
  job = g_new0 (Job, 1);
  job->store = g_object_ref (self->store);
  job->filter = self->filter;
  job->status = g_strdup (self->status);
  job->result = want;

  self->busy = TRUE;
  task = g_task_new (self, self->cancellable, query_done_cb, NULL);
  g_task_set_source_tag (task, maybe_query);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, query_thread);
}

static void
restart (WhStationLayer *self)
{
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = FALSE;
  maybe_query (self);
}

static void
viewport_changed_cb (WhStationLayer *self)
{
  maybe_query (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- Drawing ------------------------------------------------------------ */

static const double disc_radius[] = { 8, 14, 17, 20, 24 };

static guint
disc_for (guint count)
{
  return count == 1 ? 0 : count < 10 ? 1 : count < 100 ? 2 : count < 1000 ? 3 : 4;
}

static void
ensure_discs (WhStationLayer *self)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (self));

  if (self->discs[0] && self->discs_scale == scale)
    return;
  g_hash_table_remove_all (self->labels);
  for (guint i = 0; i < G_N_ELEMENTS (self->discs); i++)
    {
      g_clear_pointer (&self->discs[i], wh_map_sprite_free);
      /* The union's red for single stations, a deeper red for groups. */
      if (i == 0)
        self->discs[i] = wh_map_sprite_new (NULL, NULL, disc_radius[i], 0.86, 0.16, 0.14, scale);
      else
        self->discs[i] = wh_map_sprite_new (NULL, NULL, disc_radius[i], 0.70, 0.09, 0.10, scale);
    }
  self->discs_scale = scale;
}

/* A cluster's disc with its count on it. */
static WhMapSprite *
cluster_sprite (WhStationLayer *self,
                guint           count)
{
  WhMapSprite *sprite = g_hash_table_lookup (self->labels, GUINT_TO_POINTER (count));

  if (sprite == NULL)
    {
      static const GdkRGBA white = { 1, 1, 1, 1 };
      g_autofree char *text = g_strdup_printf ("%u", count);
      g_autoptr(PangoAttrList) attrs = pango_attr_list_new ();
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), text);

      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_attr_list_insert (attrs, pango_attr_scale_new (count >= 10000 ? 0.75 : 0.85));
      pango_layout_set_attributes (layout, attrs);
      /* Counts come and go with every zoom level: keep the cache bounded. */
      if (g_hash_table_size (self->labels) > 4096)
        g_hash_table_remove_all (self->labels);
      sprite = wh_map_sprite_new (layout, &white, disc_radius[disc_for (count)], 0.70, 0.09,
                                  0.10, self->discs_scale);
      g_hash_table_insert (self->labels, GUINT_TO_POINTER (count), sprite);
    }
  return sprite;
}

static void
wh_station_layer_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  WhStationLayer *self = WH_STATION_LAYER (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  WhMapFrame frame;
  GArray *clusters;

  self->n_drawn = 0;
  if (self->result == NULL)
    return;
  ensure_discs (self);
  wh_map_frame_init (&frame, SHUMATE_LAYER (self));
  clusters = self->result->clusters;
  wh_map_painter_begin (self->painter, widget, snapshot);
  for (guint i = 0; i < clusters->len; i++)
    {
      const WhStationCluster *cluster = &g_array_index (clusters, WhStationCluster, i);
      guint disc = disc_for (cluster->count);
      double r = disc_radius[disc];
      WhMapSprite *sprite;
      double x, y;

      wh_map_frame_apply (&frame, cluster->x, cluster->y, &x, &y);
      if (x < -r || y < -r || x > width + r || y > height + r)
        continue;
      sprite = cluster->count > 1 ? cluster_sprite (self, cluster->count) : self->discs[disc];
      wh_map_painter_paint (self->painter, sprite, x - wh_map_sprite_get_width (sprite) / 2.0,
                            y - wh_map_sprite_get_height (sprite) / 2.0);
      self->n_drawn++;
    }
  wh_map_painter_end (self->painter);
}

gboolean
wh_station_layer_pick (WhStationLayer *self,
                       double          x,
                       double          y,
                       double         *lat,
                       double         *lon,
                       guint          *count,
                       gint64         *id)
{
  const WhStationCluster *best = NULL;
  double best_d = G_MAXDOUBLE;
  WhMapFrame frame;

  g_return_val_if_fail (WH_IS_STATION_LAYER (self), FALSE);

  if (self->result == NULL)
    return FALSE;
  wh_map_frame_init (&frame, SHUMATE_LAYER (self));
  for (guint i = 0; i < self->result->clusters->len; i++)
    {
      const WhStationCluster *cluster = &g_array_index (self->result->clusters,
                                                        WhStationCluster, i);
      double cx, cy, d;

      wh_map_frame_apply (&frame, cluster->x, cluster->y, &cx, &cy);
      d = hypot (cx - x, cy - y);
      if (d <= MAX (TOUCH_RADIUS, disc_radius[disc_for (cluster->count)]) && d < best_d)
        {
          best = cluster;
          best_d = d;
        }
    }
  if (best == NULL)
    return FALSE;
  if (lat)
    *lat = best->lat;
  if (lon)
    *lon = best->lon;
  if (count)
    *count = best->count;
  if (id)
    *id = best->id;
  return TRUE;
}

static void
wh_station_layer_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  GTK_WIDGET_CLASS (wh_station_layer_parent_class)->size_allocate (widget, width, height,
                                                                   baseline);
  maybe_query (WH_STATION_LAYER (widget));
}

static void
wh_station_layer_css_changed (GtkWidget         *widget,
                              GtkCssStyleChange *change)
{
  WhStationLayer *self = WH_STATION_LAYER (widget);

  GTK_WIDGET_CLASS (wh_station_layer_parent_class)->css_changed (widget, change);
  /* CSS changes with every drag (the map's state); the counts are drawn
   * again only when their font changed. */
  if (wh_map_font_changed (widget, &self->font))
    g_hash_table_remove_all (self->labels);
}

/* ---- Object ------------------------------------------------------------- */

static void
wh_station_layer_constructed (GObject *object)
{
  WhStationLayer *self = WH_STATION_LAYER (object);
  ShumateViewport *viewport;

  G_OBJECT_CLASS (wh_station_layer_parent_class)->constructed (object);
  viewport = shumate_layer_get_viewport (SHUMATE_LAYER (self));
  g_signal_connect_object (viewport, "notify::latitude", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (viewport, "notify::longitude", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (viewport, "notify::zoom-level", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (viewport, "notify::rotation", G_CALLBACK (viewport_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

static void
wh_station_layer_dispose (GObject *object)
{
  WhStationLayer *self = WH_STATION_LAYER (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->store);
  g_clear_pointer (&self->result, result_free);
  g_clear_pointer (&self->labels, g_hash_table_unref);
  g_clear_pointer (&self->painter, wh_map_painter_free);
  for (guint i = 0; i < G_N_ELEMENTS (self->discs); i++)
    g_clear_pointer (&self->discs[i], wh_map_sprite_free);
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->font, g_free);
  G_OBJECT_CLASS (wh_station_layer_parent_class)->dispose (object);
}

static void
wh_station_layer_class_init (WhStationLayerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->constructed = wh_station_layer_constructed;
  object_class->dispose = wh_station_layer_dispose;
  widget_class->snapshot = wh_station_layer_snapshot;
  widget_class->size_allocate = wh_station_layer_size_allocate;
  widget_class->css_changed = wh_station_layer_css_changed;

  gtk_widget_class_set_css_name (widget_class, "wh-station-layer");
}

static void
wh_station_layer_init (WhStationLayer *self)
{
  self->filter = (WhStationFilter) WH_STATION_FILTER_INIT;
  self->cancellable = g_cancellable_new ();
  self->labels = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) wh_map_sprite_free);
  self->painter = wh_map_painter_new ();
}

WhStationLayer *
wh_station_layer_new (ShumateViewport *viewport)
{
  return g_object_new (WH_TYPE_STATION_LAYER, "viewport", viewport, NULL);
}

void
wh_station_layer_set_store (WhStationLayer *self,
                            WhStore        *store)
{
  g_return_if_fail (WH_IS_STATION_LAYER (self));

  if (self->store == store)
    return;
  g_set_object (&self->store, store);
  restart (self);
}

void
wh_station_layer_reload (WhStationLayer *self)
{
  g_return_if_fail (WH_IS_STATION_LAYER (self));

  restart (self);
}

void
wh_station_layer_set_filter (WhStationLayer        *self,
                             const WhStationFilter *filter)
{
  g_return_if_fail (WH_IS_STATION_LAYER (self));
  g_return_if_fail (filter != NULL);

  self->filter = *filter;
  g_free (self->status);
  self->status = g_strdup (filter->status);
  self->filter.status = NULL; /* the copy in status is passed to each job */
  restart (self);
}

guint
wh_station_layer_get_n_points (WhStationLayer *self)
{
  g_return_val_if_fail (WH_IS_STATION_LAYER (self), 0);

  return self->result ? self->result->n_points : 0;
}

guint
wh_station_layer_get_n_drawn (WhStationLayer *self)
{
  g_return_val_if_fail (WH_IS_STATION_LAYER (self), 0);

  return self->n_drawn;
}

gboolean
wh_station_layer_get_busy (WhStationLayer *self)
{
  g_return_val_if_fail (WH_IS_STATION_LAYER (self), FALSE);

  return self->busy;
}
