/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-query-private.h: what the store needs to turn a WhQuery into SQL. */
#pragma once

#include "wh-query.h"

G_BEGIN_DECLS

typedef struct
{
  const char *field; /* a schema name (static) or "id"/"rev" */
  WhQueryOp   op;
  WhType      type;  /* how the value is bound: INT, REAL or TEXT */
  gint64      i;
  double      d;
  char       *s;
  char        sep;   /* WH_QUERY_HAS: the list's separator in storage form */
  gboolean    or_unset; /* rows without the field pass too */
} WhFilter;

struct _WhQuery
{
  const WhCollection *collection;
  GArray             *filters;     /* WhFilter */
  char               *match;       /* an FTS5 expression, or NULL */
  char               *name_match;  /* for the x_names index, or NULL (only with match) */
  char               *fold_match;  /* match in simplified characters, or NULL (only with match) */
  const char         *match_field; /* NULL, or the hits are those in this field ... */
  gboolean            match_except; /* ... or, TRUE, those with none in it */
  const char         *order_field; /* NULL: id; a field's or a scaled order's name */
  const WhScaledOrder *order_scaled; /* when order_field names a scaled order */
  WhType              order_type;
  gboolean            descending;
  gboolean            by_distance; /* order by distance from origin, then id */
  double              origin_lat;
  double              origin_lon;
};

G_END_DECLS
