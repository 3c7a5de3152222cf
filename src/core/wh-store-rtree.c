/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-store-rtree.c: an empty R*Tree packed with every located row at once.
 *
 * A first pull's build (wh-store-build.c) indexes a whole region's rows in
 * one go. Through SQL, the R*Tree takes them one INSERT at a time: each
 * walks down the tree, rewrites the leaf's node and its parents' boxes and
 * now and then splits a node, 10 µs a row (4.1 s of CPU for 391,474 jobs,
 * as much as the names index and half the full text). SQLite has no bulk
 * load for it, so this packs the tree bottom-up, as GDAL does for
 * GeoPackage's R*Trees: sort-tile-recursive (Leutenegger, Lopez and
 * Edgington, 1997), the points sorted into vertical slices by longitude,
 * each slice into nodes by latitude, then the same over the nodes' boxes up
 * to one root. 0.3-0.5 s for the same rows, and a tree whose nodes overlap
 * less than one grown by inserts.
 *
 * It writes the R*Tree's three shadow tables, in the format rtree.c
 * documents at its top (stable since 2008): %_node (nodeno, data), the root
 * node 1 starting with the tree's depth, every node with its cell count,
 * then cells of an 8-byte rowid (a child's nodeno above the leaves) and
 * four 4-byte float coordinates, all big-endian; %_parent (nodeno,
 * parentnode) for every node but the root; %_rowid (rowid, nodeno, a0, a1)
 * with the auxiliary columns. Coordinates are float32 rounded outwards as
 * SQLite rounds them, so a box always holds its exact point.
 *
 * Before its first use in a process it checks that format against SQLite's
 * own: two points inserted through SQL into a temporary R*Tree must give
 * the node it would write. A library that writes another format gets the
 * INSERTs instead (wh_rtree_pack returns 0), never a tree it cannot read;
 * the tests run rtreecheck() over every tree packed here.
 */
#define G_LOG_DOMAIN "wh-store"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wh-store-private.h"

/* 2-D: an 8-byte id and four float32 coordinates. */
#define CELL_BYTES (8 + 4 * 4)
#define MIN_FANOUT 4

typedef struct
{
  gint64  id;    /* a row's id, or a child node's number */
  float   box[4]; /* min_lat, max_lat, min_lon, max_lon */
  guint32 index;  /* a row's place in id order; a node's in its level */
} Entry;

/* float32 rounded outwards exactly as rtree.c rounds a value it stores
 * (rtreeValueDown and rtreeValueUp: scaled by 1 -/+ 2^-23 when the nearest
 * float is on the wrong side), so a packed tree holds the boxes its own
 * INSERTs would. */
#define TOWARDS_ZERO (1.0 - 1.0 / 8388608.0)
#define AWAY_FROM_ZERO (1.0 + 1.0 / 8388608.0)

static float
round_down (double d)
{
  float f = (float) d;

  if (f > d)
    f = (float) (d * (d < 0 ? AWAY_FROM_ZERO : TOWARDS_ZERO));
  return f;
}

static float
round_up (double d)
{
  float f = (float) d;

  if (f < d)
    f = (float) (d * (d < 0 ? TOWARDS_ZERO : AWAY_FROM_ZERO));
  return f;
}

static void
put_be16 (guint8 *p,
          guint   v)
{
  p[0] = (guint8) (v >> 8);
  p[1] = (guint8) v;
}

static void
put_be64 (guint8 *p,
          gint64  v)
{
  for (int i = 7; i >= 0; i--, v = (gint64) ((guint64) v >> 8))
    p[i] = (guint8) v;
}

static void
put_float (guint8 *p,
           float   f)
{
  guint32 u;

  memcpy (&u, &f, sizeof u);
  for (int i = 3; i >= 0; i--, u >>= 8)
    p[i] = (guint8) u;
}

/* Cells [from, to) of entries as one node of size bytes. */
static void
encode_node (guint8      *data,
             gsize        size,
             guint        depth,
             const Entry *entries,
             guint        from,
             guint        to)
{
  guint8 *p = data + 4;

  memset (data, 0, size);
  put_be16 (data, depth);
  put_be16 (data + 2, to - from);
  for (guint i = from; i < to; i++, p += CELL_BYTES)
    {
      put_be64 (p, entries[i].id);
      for (guint k = 0; k < 4; k++)
        put_float (p + 8 + 4 * k, entries[i].box[k]);
    }
}

/* Twice the centre of an entry's box on one axis (0: latitude, 1:
 * longitude), and the order of two entries by it. */
static int
by_centre (const Entry *x,
           const Entry *y,
           guint        axis)
{
  float cx = x->box[2 * axis] + x->box[2 * axis + 1];
  float cy = y->box[2 * axis] + y->box[2 * axis + 1];

  return (cx > cy) - (cx < cy);
}

static int
by_lat (gconstpointer a,
        gconstpointer b)
{
  return by_centre (a, b, 0);
}

static int
by_lon (gconstpointer a,
        gconstpointer b)
{
  return by_centre (a, b, 1);
}

/* ---- Is SQLite's format the one written here? ---------------------------- */

static gboolean
probe_format (sqlite3 *db)
{
  static const double points[2][2] = { { 22.543096, 114.057865 }, { -33.8688197, 151.2092955 } };
  sqlite3_stmt *stmt = NULL;
  Entry entries[2];
  guint8 expected[CELL_BYTES * 2 + 4];
  gboolean same = FALSE;
  int rc;

  rc = sqlite3_exec (db, "CREATE VIRTUAL TABLE temp.wh_rtree_probe USING rtree"
                     " (id, min_lat, max_lat, min_lon, max_lon, +lat, +lon);"
                     " INSERT INTO temp.wh_rtree_probe VALUES"
                     " (7, 22.543096, 22.543096, 114.057865, 114.057865, 22.543096, 114.057865),"
                     " (9, -33.8688197, -33.8688197, 151.2092955, 151.2092955,"
                     " -33.8688197, 151.2092955);", NULL, NULL, NULL);
  for (guint i = 0; i < 2; i++)
    {
      entries[i].id = i == 0 ? 7 : 9;
      entries[i].box[0] = round_down (points[i][0]);
      entries[i].box[1] = round_up (points[i][0]);
      entries[i].box[2] = round_down (points[i][1]);
      entries[i].box[3] = round_up (points[i][1]);
    }
  encode_node (expected, sizeof expected, 0, entries, 0, 2);
  if (rc == SQLITE_OK &&
      sqlite3_prepare_v2 (db, "SELECT data, (SELECT count (*) FROM temp.wh_rtree_probe_node),"
                          " (SELECT group_concat (rowid || ':' || nodeno || ':' || a0 || ':' || a1)"
                          " FROM temp.wh_rtree_probe_rowid)"
                          " FROM temp.wh_rtree_probe_node WHERE nodeno = 1", -1, &stmt,
                          NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    {
      const guint8 *data = sqlite3_column_blob (stmt, 0);
      int len = sqlite3_column_bytes (stmt, 0);
      const char *rowids = (const char *) sqlite3_column_text (stmt, 2);

      /* The same bytes, zeros after them, one node, and the aux columns. */
      same = data != NULL && len >= (int) sizeof expected &&
             memcmp (data, expected, sizeof expected) == 0 &&
             sqlite3_column_int (stmt, 1) == 1 &&
             g_strcmp0 (rowids, "7:1:22.543096:114.057865,9:1:-33.8688197:151.2092955") == 0;
      for (int i = (int) sizeof expected; same && i < len; i++)
        same = data[i] == 0;
    }
  sqlite3_finalize (stmt);
  sqlite3_exec (db, "DROP TABLE IF EXISTS temp.wh_rtree_probe", NULL, NULL, NULL);
  if (!same)
    g_message ("This SQLite writes R*Trees in another format; they are built row by row");
  return same;
}

static gboolean
format_known (sqlite3 *db)
{
  static gsize checked;
  static gboolean known;

  if (g_once_init_enter (&checked))
    {
      known = probe_format (db);
      g_once_init_leave (&checked, 1);
    }
  return known;
}

/* ---- Packing -------------------------------------------------------------- */

typedef struct
{
  sqlite3_stmt *node;    /* INSERT INTO %_node */
  sqlite3_stmt *parent;  /* INSERT INTO %_parent */
  gsize         size;    /* bytes a node */
  guint         fanout;  /* cells a node */
  gint64        next;    /* the next node number */
  guint8       *data;
} Packer;

static gboolean
step_reset (sqlite3_stmt *stmt)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE;
}

/* One level: entries sorted into nodes of at most fanout cells, evenly
 * filled, written with their numbers (node 1 when root); level[] then
 * holds one entry a node (its number and box), in place of the cells.
 * Each cell's node number goes to owner[cell's index] (a row's place, or a
 * node's place in this level's list). */
static gboolean
pack_level (Packer  *p,
            Entry   *level,
            guint   *n,
            guint    depth,
            guint32 *owner)
{
  guint count = *n;
  guint nodes = (count + p->fanout - 1) / p->fanout;
  gboolean root = nodes == 1;
  guint slices = (guint) ceil (sqrt ((double) nodes));
  guint slice_cells = slices * p->fanout;
  g_autofree Entry *out = g_new (Entry, nodes);
  guint made = 0;

  qsort (level, count, sizeof (Entry), by_lon);
  for (guint s = 0; s * slice_cells < count; s++)
    {
      guint from = s * slice_cells, to = MIN (count, from + slice_cells);
      guint in_slice = (to - from + p->fanout - 1) / p->fanout;

      qsort (level + from, to - from, sizeof (Entry), by_lat);
      for (guint k = 0; k < in_slice; k++)
        {
          guint a = from + (guint) ((guint64) (to - from) * k / in_slice);
          guint b = from + (guint) ((guint64) (to - from) * (k + 1) / in_slice);
          Entry *node = &out[made];

          node->id = root ? 1 : p->next++;
          node->index = made++;
          node->box[0] = node->box[2] = INFINITY;
          node->box[1] = node->box[3] = -INFINITY;
          for (guint i = a; i < b; i++)
            {
              node->box[0] = MIN (node->box[0], level[i].box[0]);
              node->box[1] = MAX (node->box[1], level[i].box[1]);
              node->box[2] = MIN (node->box[2], level[i].box[2]);
              node->box[3] = MAX (node->box[3], level[i].box[3]);
              owner[level[i].index] = (guint32) node->id;
            }
          encode_node (p->data, p->size, root ? depth : 0, level, a, b);
          sqlite3_bind_int64 (p->node, 1, node->id);
          sqlite3_bind_blob (p->node, 2, p->data, (int) p->size, SQLITE_STATIC);
          if (!step_reset (p->node))
            return FALSE;
        }
    }
  g_assert (made == nodes);
  memcpy (level, out, nodes * sizeof (Entry));
  *n = nodes;
  return TRUE;
}

static gint64
query_int (sqlite3    *db,
           const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK &&
      sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return value;
}

int
wh_rtree_pack (sqlite3    *db,
               const char *schema,
               const char *table,
               GError    **error)
{
  g_autofree char *geo = g_strdup_printf ("\"%s\".\"%s_geo", schema, table);
  g_autofree char *sql = NULL;
  g_autofree Entry *entries = NULL;
  g_autofree guint32 *leaf_of = NULL;
  g_autofree guint32 *parent_of = NULL;
  g_autofree guint8 *data = NULL;
  sqlite3_stmt *read = NULL;
  sqlite3_stmt *write = NULL;
  Packer p = { NULL, NULL, 0, 0, 2, NULL };
  guint n = 0, allocated = 0, level_n, depth = 0;
  gint64 node_size, rows;
  gboolean ok = FALSE;
  int rc;

  if (!format_known (db))
    return 0;
  /* Empty, as made: one node, the root, with no cell. */
  sql = g_strdup_printf ("SELECT CASE WHEN (SELECT count (*) FROM %s_node\") = 1"
                         " AND NOT EXISTS (SELECT 1 FROM %s_rowid\")"
                         " AND NOT EXISTS (SELECT 1 FROM %s_parent\")"
                         " AND substr (data, 3, 2) = x'0000'"
                         " THEN length (data) ELSE -1 END FROM %s_node\" WHERE nodeno = 1",
                         geo, geo, geo, geo);
  node_size = query_int (db, sql);
  if (node_size < 4 + MIN_FANOUT * CELL_BYTES || node_size > 65536)
    {
      g_debug ("%s_geo is not an empty 2-D R*Tree; its rows go in one by one", table);
      return 0;
    }
  p.size = (gsize) node_size;
  p.fanout = (guint) ((node_size - 4) / CELL_BYTES);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT id, lat, lon FROM \"%s\".\"%s\""
                         " WHERE lat IS NOT NULL AND lon IS NOT NULL ORDER BY id", schema, table);
  if (sqlite3_prepare_v2 (db, sql, -1, &read, NULL) != SQLITE_OK)
    {
      wh_store_set_db_error (error, db, sqlite3_errcode (db), "read the places");
      return -1;
    }
  while ((rc = sqlite3_step (read)) == SQLITE_ROW)
    {
      double lat = sqlite3_column_double (read, 1), lon = sqlite3_column_double (read, 2);
      Entry *e;

      if (n == allocated)
        {
          allocated = MAX (1024, allocated * 2);
          entries = g_renew (Entry, entries, allocated);
        }
      e = &entries[n];
      e->id = sqlite3_column_int64 (read, 0);
      e->index = n++;
      e->box[0] = round_down (lat);
      e->box[1] = round_up (lat);
      e->box[2] = round_down (lon);
      e->box[3] = round_up (lon);
    }
  if (rc != SQLITE_DONE)
    {
      wh_store_set_db_error (error, db, rc, "read the places");
      sqlite3_finalize (read);
      return -1;
    }
  if (n == 0)
    {
      sqlite3_finalize (read);
      return 1;
    }

  data = g_malloc (p.size);
  p.data = data;
  leaf_of = g_new (guint32, n);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("DELETE FROM %s_node\"; DELETE FROM %s_parent\"", geo, geo);
  if (sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
    goto out;
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("INSERT INTO %s_node\" (nodeno, data) VALUES (?1, ?2)", geo);
  if (sqlite3_prepare_v2 (db, sql, -1, &p.node, NULL) != SQLITE_OK)
    goto out;
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("INSERT INTO %s_parent\" (nodeno, parentnode) VALUES (?1, ?2)", geo);
  if (sqlite3_prepare_v2 (db, sql, -1, &p.parent, NULL) != SQLITE_OK)
    goto out;

  /* The leaves, then each level above over the last one's nodes, until one
   * node, the root, holds them all. */
  level_n = n;
  if (!pack_level (&p, entries, &level_n, 0, leaf_of))
    goto out;
  while (level_n > 1)
    {
      guint children = level_n;

      depth++;
      parent_of = g_renew (guint32, parent_of, children);
      /* Their nodes' numbers, by their place in the level, for %_parent. */
      {
        g_autofree gint64 *numbers = g_new (gint64, children);

        for (guint i = 0; i < children; i++)
          numbers[entries[i].index] = entries[i].id;
        if (!pack_level (&p, entries, &level_n, depth, parent_of))
          goto out;
        for (guint i = 0; i < children; i++)
          {
            sqlite3_bind_int64 (p.parent, 1, numbers[i]);
            sqlite3_bind_int64 (p.parent, 2, parent_of[i]);
            if (!step_reset (p.parent))
              goto out;
          }
      }
      if (depth > 40)
        goto out;
    }

  /* Each row's leaf, with its exact coordinates, in id order (appends):
   * the points themselves are no longer needed. */
  g_clear_pointer (&entries, g_free);
  g_clear_pointer (&parent_of, g_free);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("INSERT INTO %s_rowid\" (rowid, nodeno, a0, a1) VALUES (?1, ?2, ?3, ?4)",
                         geo);
  if (sqlite3_prepare_v2 (db, sql, -1, &write, NULL) != SQLITE_OK)
    goto out;
  sqlite3_reset (read);
  rows = 0;
  while ((rc = sqlite3_step (read)) == SQLITE_ROW && rows < n)
    {
      sqlite3_bind_int64 (write, 1, sqlite3_column_int64 (read, 0));
      sqlite3_bind_int64 (write, 2, leaf_of[rows++]);
      sqlite3_bind_value (write, 3, sqlite3_column_value (read, 1));
      sqlite3_bind_value (write, 4, sqlite3_column_value (read, 2));
      if (!step_reset (write))
        goto out;
    }
  /* The same rows as the first pass: the writer holds the transaction. */
  ok = rc == SQLITE_DONE && rows == n;

out:
  if (!ok)
    wh_store_set_db_error (error, db, sqlite3_errcode (db), "pack the R*Tree");
  sqlite3_finalize (read);
  sqlite3_finalize (write);
  sqlite3_finalize (p.node);
  sqlite3_finalize (p.parent);
  if (ok)
    g_debug ("%s: %u points packed in an R*Tree of depth %u", table, n, depth);
  return ok ? 1 : -1;
}
