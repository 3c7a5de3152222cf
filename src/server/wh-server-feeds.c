/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-feeds.c: changes feeds and media.
 *
 * A changes page is the stored JSON bodies joined inside an envelope written
 * by hand: nothing is decoded or encoded again on the hot path. The page,
 * server_rev and the remaining count are read in one read transaction, so
 * they describe the same snapshot while other connections write.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-server-private.h"

static gboolean
parse_int_param (GHashTable *query,
                 const char *name,
                 gint64      fallback,
                 gint64      min,
                 gint64      max,
                 gint64     *out)
{
  const char *text = query ? g_hash_table_lookup (query, name) : NULL;
  guint64 value;

  if (text == NULL)
    {
      *out = fallback;
      return TRUE;
    }
  if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXINT64, &value, NULL) ||
      (gint64) value < min || (gint64) value > max)
    return FALSE;
  *out = (gint64) value;
  return TRUE;
}

/* The region condition of CONTRACT.md: a province (xx0000), a city (xxxx00)
 * or a district. Returns the column to compare, or NULL for a bad code. */
const char *
wh_server_region_column (const char *text,
                         gint64     *code)
{
  guint64 value;

  if (strlen (text) != 6 || text[0] == '0' ||
      !g_ascii_string_to_unsigned (text, 10, 100000, 999999, &value, NULL))
    return NULL;
  *code = (gint64) value;
  if (value % 10000 == 0)
    return "province_adcode";
  if (value % 100 == 0)
    return "city_adcode";
  return "adcode";
}

gboolean
wh_server_etag_matches (SoupServerMessage *msg,
                        const char        *etag)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "If-None-Match");
  g_auto(GStrv) tags = NULL;

  if (header == NULL)
    return FALSE;
  tags = g_strsplit (header, ",", -1);
  for (guint i = 0; tags[i]; i++)
    {
      const char *tag = g_strstrip (tags[i]);

      if (g_str_equal (tag, "*") || g_str_equal (tag, etag))
        return TRUE;
    }
  return FALSE;
}

static gint64
query_int (sqlite3    *db,
           const char *sql,
           gint64      region,
           gint64      since,
           gboolean   *ok)
{
  sqlite3_stmt *stmt = NULL;
  gint64 value = 0;
  int param = 1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      *ok = FALSE;
      return 0;
    }
  if (sqlite3_bind_parameter_count (stmt) >= 1)
    sqlite3_bind_int64 (stmt, param++, since);
  if (sqlite3_bind_parameter_count (stmt) >= 2)
    sqlite3_bind_int64 (stmt, param++, region);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    *ok = FALSE;
  sqlite3_finalize (stmt);
  return value;
}

void
wh_server_handle_changes (WhServer  *self,
                          WhRequest *req)
{
  const WhCollection *collection = wh_schema_lookup (req->segments[0]);
  const char *region_text = req->query ? g_hash_table_lookup (req->query, "region") : NULL;
  const char *count_text = req->query ? g_hash_table_lookup (req->query, "count") : NULL;
  const char *region_col = NULL;
  g_autofree char *region_cond = NULL;
  g_autofree char *sql = NULL;
  g_autofree char *tag_source = NULL;
  g_autofree char *tag_hash = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *today = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) page = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 since, limit, region = 0, latest, server_rev, next_since, last_rev = -1;
  gboolean with_count = FALSE, has_more = FALSE, ok = TRUE;
  guint n = 0;
  int rc;

  /* The route matches synced collections only. */
  g_assert (collection != NULL && (collection->flags & WH_COLLECTION_SYNCED));
  if (!parse_int_param (req->query, "since", 0, 0, G_MAXINT64, &since))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“since” must be a revision, 0 or more.");
      return;
    }
  if (!parse_int_param (req->query, "limit", WH_DEFAULT_PAGE_LIMIT, 1, WH_MAX_PAGE_LIMIT, &limit))
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "“limit” must be from 1 to 2000.");
      return;
    }
  if (region_text != NULL)
    {
      if (!(collection->flags & WH_COLLECTION_REGIONAL))
        {
          wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                   "This collection has no region filter.");
          return;
        }
      region_col = wh_server_region_column (region_text, &region);
      if (region_col == NULL)
        {
          wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                   "“region” must be a 6-digit administrative code.");
          return;
        }
      region_cond = g_strdup_printf (" AND %s = ?2", region_col);
    }
  if (count_text != NULL)
    {
      if (!g_str_equal (count_text, "0") && !g_str_equal (count_text, "1"))
        {
          wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                                   "“count” must be 0 or 1.");
          return;
        }
      with_count = g_str_equal (count_text, "1");
    }

  if (!wh_server_begin (self, FALSE, &error))
    {
      wh_server_respond_db_error (self, req->msg, error);
      return;
    }

  /* The collection's latest rev comes from the rev index in one lookup, so
   * answering a conditional request costs no scan. Bulk loads and every
   * write path keep that index, so no extra bookkeeping can go stale. */
  sql = g_strdup_printf ("SELECT coalesce(max(rev), 0) FROM %s", collection->name);
  latest = query_int (self->db, sql, 0, 0, &ok);
  /* A job whose last day to apply is past goes out as a tombstone: a first
   * sync never downloads what is closed, and a page cached yesterday may
   * differ today, so the day is part of the tag. */
  if (wh_collection_has_field (collection, "expires_at"))
    {
      g_autoptr(GDateTime) now = wh_server_now_cst (self);

      today = now ? g_date_time_format (now, "%Y-%m-%d") : NULL;
    }
  tag_source = g_strdup_printf ("%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT
                                "|%d|%" G_GINT64_FORMAT "|%s", collection->name, since, limit,
                                region, with_count, latest, today ? today : "");
  tag_hash = wh_server_sha256_hex (tag_source, strlen (tag_source));
  etag = g_strdup_printf ("\"%.32s\"", tag_hash);
  if (ok && wh_server_etag_matches (req->msg, etag))
    {
      wh_server_rollback (self);
      soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "ETag",
                                    etag);
      soup_server_message_set_status (req->msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  server_rev = wh_server_db_get_rev (self->db);
  g_clear_pointer (&sql, g_free);
  sql = g_strdup_printf ("SELECT rev, %s FROM %s WHERE rev > ?1%s ORDER BY rev LIMIT %"
                         G_GINT64_FORMAT,
                         today ? "CASE WHEN deleted = 0 AND json_extract (body, '$.expires_at') < ?3"
                                 " THEN json_object ('id', id, 'rev', rev, 'deleted', json ('true'))"
                                 " ELSE body END"
                               : "body",
                         collection->name, region_cond ? region_cond : "", limit + 1);
  if (!ok || sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      wh_server_rollback (self);
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  sqlite3_bind_int64 (stmt, 1, since);
  if (region_col)
    sqlite3_bind_int64 (stmt, 2, region);
  if (today)
    sqlite3_bind_text (stmt, 3, today, -1, SQLITE_STATIC);

  page = g_string_sized_new (4096);
  g_string_append (page, "\"records\":[");
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      if (n == limit)
        {
          has_more = TRUE;
          break;
        }
      if (n > 0)
        g_string_append_c (page, ',');
      last_rev = sqlite3_column_int64 (stmt, 0);
      g_string_append_len (page, (const char *) sqlite3_column_text (stmt, 1),
                           sqlite3_column_bytes (stmt, 1));
      n++;
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      wh_server_rollback (self);
      wh_server_respond_db_error (self, req->msg, NULL);
      return;
    }
  g_string_append (page, "]}");
  next_since = n > 0 ? last_rev : MAX (server_rev, since);

  {
    g_autoptr(GString) head = g_string_sized_new (page->len + 256);

    g_string_append_printf (head,
                            "{\"collection\":\"%s\",\"since\":%" G_GINT64_FORMAT
                            ",\"next_since\":%" G_GINT64_FORMAT ",\"server_rev\":%" G_GINT64_FORMAT
                            ",\"has_more\":%s,",
                            collection->name, since, next_since, MAX (server_rev, next_since),
                            has_more ? "true" : "false");
    if (with_count)
      {
        g_autofree char *count_sql = g_strdup_printf (
          "SELECT count(*) FROM %s WHERE rev > ?1%s", collection->name,
          region_cond ? region_cond : "");
        gint64 remaining = has_more ? query_int (self->db, count_sql, region, next_since, &ok) : 0;

        if (!ok)
          {
            wh_server_rollback (self);
            wh_server_respond_db_error (self, req->msg, NULL);
            return;
          }
        g_string_append_printf (head, "\"remaining\":%" G_GINT64_FORMAT ",", remaining);
      }
    g_string_append_len (head, page->str, page->len);
    wh_server_rollback (self); /* read only: nothing to commit */

    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "ETag",
                                  etag);
    soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                  "Cache-Control", "no-cache");
    wh_server_respond_json (req->msg, SOUP_STATUS_OK, g_string_free (g_steal_pointer (&head),
                                                                     FALSE));
  }
}

/* ------------------------------------------------------------------------ */
/* Media: generated pictures for the paths records refer to. */

static const char * const palette[] = {
  "#c0392b", "#d35400", "#27ae60", "#2980b9", "#8e44ad", "#16a085", "#2c3e50", "#b7950b",
};

static char *
media_caption (WhServer           *self,
               const WhCollection *collection,
               gint64              id,
               const char         *field)
{
  g_autoptr(WhRecord) record = wh_server_db_read_record (self->db, collection, id);

  if (record == NULL)
    return NULL;
  return g_strdup (wh_record_is_set (record, field) ? wh_record_get_text (record, field) : "");
}

/* One of a few plain pictograms, chosen by the path so it never changes. */
static void
append_pictogram (GString *svg,
                  guint    kind)
{
  switch (kind % 4)
    {
    case 0: /* a book */
      g_string_append (svg,
                       "<path d='M120 70h80v110h-80z M200 70h80v110h-80z' fill='#fff' "
                       "fill-opacity='0.9'/><path d='M200 70v110' stroke='#0003' stroke-width='4'/>");
      break;
    case 1: /* a wrench */
      g_string_append (svg,
                       "<circle cx='170' cy='95' r='30' fill='#fff' fill-opacity='0.9'/>"
                       "<rect x='165' y='110' width='90' height='22' rx='8' fill='#fff' "
                       "fill-opacity='0.9' transform='rotate(35 165 110)'/>");
      break;
    case 2: /* a house */
      g_string_append (svg,
                       "<path d='M200 55l80 60v70h-160v-70z' fill='#fff' fill-opacity='0.9'/>"
                       "<rect x='185' y='140' width='30' height='45' fill='#0004'/>");
      break;
    default: /* a cup */
      g_string_append (svg,
                       "<path d='M150 80h90l-10 100h-70z' fill='#fff' fill-opacity='0.9'/>"
                       "<path d='M240 100q30 0 20 40q-5 15 -25 15' stroke='#fff' "
                       "stroke-width='8' fill='none'/>");
      break;
    }
}

void
wh_server_handle_media (WhServer  *self,
                        WhRequest *req)
{
  const WhField *path_field = wh_collection_find_field (&wh_collection_courses, "cover", NULL);
  g_autofree char *path = g_strjoinv ("/", req->segments + 1);
  g_autofree char *caption = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *etag = NULL;
  g_autoptr(GString) svg = NULL;
  g_autoptr(GError) error = NULL;
  gint64 id = 0, n = 0;
  guint hash;
  char kind[16] = "";
  int consumed = 0;

  if (!wh_field_check_text (path_field, path, &error) || strstr (path, "..") != NULL)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "Not a valid media path.");
      return;
    }

  /* lessons/<id>-<n>.svg, courses/<id>.svg, stations/<id>-<n>.svg */
  if (sscanf (path, "%15[a-z]/%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ".svg%n", kind, &id, &n,
              &consumed) == 3 && path[consumed] == '\0' && n >= 0 && n < 64)
    {
      if (g_str_equal (kind, "lessons"))
        caption = media_caption (self, &wh_collection_lessons, id, "title");
      else if (g_str_equal (kind, "stations"))
        caption = media_caption (self, &wh_collection_stations, id, "name");
    }
  else if (sscanf (path, "courses/%" G_GINT64_FORMAT ".svg%n", &id, &consumed) == 1 &&
           path[consumed] == '\0')
    caption = media_caption (self, &wh_collection_courses, id, "title");

  if (caption == NULL || id < 1)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such image.");
      return;
    }

  hash = g_str_hash (path);
  /* The tag covers the caption, which comes from a record that may change. */
  {
    g_autofree char *source = g_strdup_printf ("%s|%s", path, caption);
    g_autofree char *digest = wh_server_sha256_hex (source, strlen (source));
    etag = g_strdup_printf ("\"%.32s\"", digest);
  }
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg), "ETag", etag);
  soup_message_headers_replace (soup_server_message_get_response_headers (req->msg),
                                "Cache-Control", "max-age=86400");
  if (wh_server_etag_matches (req->msg, etag))
    {
      soup_server_message_set_status (req->msg, SOUP_STATUS_NOT_MODIFIED, NULL);
      return;
    }

  /* Long captions are cut on a character boundary to fit the panel. */
  if (g_utf8_strlen (caption, -1) > 18)
    {
      char *end = g_utf8_offset_to_pointer (caption, 17);
      g_autofree char *prefix = g_strndup (caption, (gsize) (end - caption));

      g_free (caption);
      caption = g_strconcat (prefix, "…", NULL);
    }
  escaped = g_markup_escape_text (caption, -1);

  svg = g_string_new (NULL);
  g_string_append_printf (svg,
                          "<svg xmlns='http://www.w3.org/2000/svg' width='400' height='300' "
                          "viewBox='0 0 400 300'><rect width='400' height='300' fill='%s'/>"
                          "<circle cx='340' cy='50' r='90' fill='#fff' fill-opacity='0.08'/>",
                          palette[hash % G_N_ELEMENTS (palette)]);
  append_pictogram (svg, hash / G_N_ELEMENTS (palette));
  g_string_append_printf (svg,
                          "<text x='200' y='250' font-family='sans-serif' font-size='24' "
                          "fill='#fff' text-anchor='middle'>%s</text></svg>\n", escaped);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (req->msg, "image/svg+xml", SOUP_MEMORY_TAKE, svg->str,
                                    svg->len);
  g_string_free (g_steal_pointer (&svg), FALSE);
}
