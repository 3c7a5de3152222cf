/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server.c: the reference backend's object, dispatch and request guards.
 *
 * Every request passes, in order: an early handler once its headers are read
 * (overload, rate limit, body length: all refused before the body is read
 * into memory), the router (404/405), the fault injector when tests asked for
 * faults, and then one endpoint handler from a wh-server-*.c file. Handlers
 * run synchronously on the server's main context: this is a reference
 * server, and SQLite calls on a local file are short.
 */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/random.h>

#include "wh-codec.h"
#include "wh-server-private.h"

G_DEFINE_FINAL_TYPE (WhServer, wh_server, G_TYPE_OBJECT)

#define API_PREFIX "/api/v1/"
#define DEFAULT_MAX_IN_FLIGHT 256

typedef struct
{
  double tokens;
  gint64 updated_us; /* monotonic */
} RateBucket;

typedef struct
{
  const char *method;
  /* segments below /api/v1; "*" is one segment, "**" the rest, "{collection}"
   * the name of a synced collection */
  const char *pattern;
  WhHandler   handler;
  gboolean    is_feed; /* faults apply to it by default */
} Route;

static const Route routes[] = {
  { "GET", "{collection}/changes", wh_server_handle_changes, TRUE },
  { "GET", "{collection}/snapshot", wh_server_handle_snapshot, TRUE },
  { "GET", "media/**", wh_server_handle_media, FALSE },
  { "POST", "auth/code", wh_server_handle_auth_code, FALSE },
  { "POST", "auth/login", wh_server_handle_auth_login, FALSE },
  { "POST", "auth/logout", wh_server_handle_auth_logout, FALSE },
  { "GET", "me", wh_server_handle_me, FALSE },
  { "GET", "vouchers", wh_server_handle_voucher_list, FALSE },
  { "POST", "vouchers", wh_server_handle_voucher_claim, FALSE },
  { "POST", "vouchers/*/sms", wh_server_handle_voucher_sms, FALSE },
  { "POST", "merchants/*/redeem", wh_server_handle_redeem, FALSE },
  { "GET", "voucher-keys", wh_server_handle_voucher_keys, FALSE },
  { "POST", "auth/counter", wh_server_handle_counter_pair, FALSE },
  { "GET", "counter/day", wh_server_handle_counter_day, FALSE },
  { "POST", "counter/redemptions", wh_server_handle_counter_redemptions, FALSE },
  { "GET", "progress", wh_server_handle_progress_list, FALSE },
  { "PUT", "progress/*", wh_server_handle_progress_put, FALSE },
  { "GET", "quiz-attempts", wh_server_handle_quiz_list, FALSE },
  { "PUT", "quiz-attempts/*", wh_server_handle_quiz_put, FALSE },
  { "GET", "question-reviews", wh_server_handle_review_list, FALSE },
  { "PUT", "question-reviews/*", wh_server_handle_review_put, FALSE },
  { "GET", "bookmarks", wh_server_handle_bookmark_list, FALSE },
  { "PUT", "bookmarks/*", wh_server_handle_bookmark_put, FALSE },
  { "DELETE", "bookmarks/*", wh_server_handle_bookmark_delete, FALSE },
  { "PUT", "station-reports/*", wh_server_handle_report_put, FALSE },
};

/* ------------------------------------------------------------------------ */
/* Responses */

void
wh_server_respond_json (SoupServerMessage *msg,
                        guint              status,
                        char              *body)
{
  /* Replaces a body set before, such as wh-server-http.c's. */
  soup_message_body_truncate (soup_server_message_get_response_body (msg));
  /* libsoup 3.2 has no reason phrase for 429. */
  soup_server_message_set_status (msg, status,
                                  status == WH_STATUS_TOO_MANY_REQUESTS ? "Too Many Requests" : NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body,
                                    strlen (body));
}

void
wh_server_respond_error (SoupServerMessage *msg,
                         guint              status,
                         const char        *code,
                         const char        *message)
{
  wh_server_respond_json (msg, status, wh_error_body_new (code, message));
}

void
wh_server_respond_retry (SoupServerMessage *msg,
                         guint              status,
                         const char        *code,
                         const char        *message,
                         guint              retry_after_s)
{
  char buf[16];

  g_snprintf (buf, sizeof buf, "%u", MAX (retry_after_s, 1));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                buf);
  wh_server_respond_error (msg, status, code, message);
}

void
wh_server_respond_db_error (WhServer          *self,
                            SoupServerMessage *msg,
                            GError            *error)
{
  g_message ("Internal error on %s %s: %s", soup_server_message_get_method (msg),
             g_uri_get_path (soup_server_message_get_uri (msg)),
             error ? error->message : sqlite3_errmsg (self->db));
  wh_server_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                           "The server failed to handle the request.");
}

/* ------------------------------------------------------------------------ */
/* Utilities shared by the handlers */

gint64
wh_server_now_us (WhServer *self)
{
  return self->clock ? self->clock (self->clock_data) : g_get_real_time ();
}

GDateTime *
wh_server_datetime_cst (gint64 unix_s)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (unix_s);
  g_autoptr(GTimeZone) cst = g_time_zone_new_offset (WH_CST_OFFSET_S);

  return utc ? g_date_time_to_timezone (utc, cst) : NULL;
}

GDateTime *
wh_server_now_cst (WhServer *self)
{
  return wh_server_datetime_cst (wh_server_now_us (self) / G_USEC_PER_SEC);
}

char *
wh_server_format_time (gint64 unix_s)
{
  g_autoptr(GDateTime) dt = wh_server_datetime_cst (unix_s);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S%:z");
}

char *
wh_server_today (WhServer *self)
{
  g_autoptr(GDateTime) now = wh_server_now_cst (self);

  return g_date_time_format (now, "%Y-%m-%d");
}

gint64
wh_server_parse_time (const char *iso)
{
  g_autoptr(GDateTime) dt = NULL;

  if (iso == NULL)
    return G_MININT64;
  dt = g_date_time_new_from_iso8601 (iso, NULL);
  return dt ? g_date_time_to_unix (dt) : G_MININT64;
}

void
wh_server_random_bytes (guint8 *buf,
                        gsize   len)
{
  gsize done = 0;

  while (done < len)
    {
      ssize_t n = getrandom (buf + done, len - done, 0);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          g_error ("getrandom: %s", g_strerror (errno));
        }
      done += (gsize) n;
    }
}

char *
wh_server_sha256_hex (const void *data,
                      gsize       len)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
}

gboolean
wh_server_equal_constant_time (const char *a,
                               const char *b)
{
  gsize la = strlen (a), lb = strlen (b);
  guint8 diff = la != lb;

  /* Runs over the expected value's length whatever the input is. */
  for (gsize i = 0; i < lb; i++)
    diff |= (guint8) (b[i] ^ (i < la ? a[i] : 0));
  return diff == 0;
}

char *
wh_server_hmac_hex (WhServer   *self,
                    const char *data)
{
  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, self->secret, sizeof self->secret, data,
                                    -1);
}

gboolean
wh_server_begin (WhServer *self,
                 gboolean  write,
                 GError  **error)
{
  return wh_server_db_exec (self->db, write ? "BEGIN IMMEDIATE;" : "BEGIN;", error);
}

gboolean
wh_server_commit (WhServer *self,
                  GError  **error)
{
  if (wh_server_db_exec (self->db, "COMMIT;", error))
    return TRUE;
  wh_server_rollback (self);
  return FALSE;
}

void
wh_server_rollback (WhServer *self)
{
  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK;", NULL, NULL, NULL);
}

char *
wh_server_sign (WhServer   *self,
                const char *data)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, self->secret, sizeof self->secret);
  guint8 digest[32];
  gsize len = sizeof digest;
  char *b64;
  gsize n;

  g_hmac_update (hmac, (const guchar *) data, -1);
  g_hmac_get_digest (hmac, digest, &len);
  b64 = g_base64_encode (digest, len);
  /* base64url without padding */
  for (char *p = b64; *p; p++)
    {
      if (*p == '+')
        *p = '-';
      else if (*p == '/')
        *p = '_';
    }
  n = strlen (b64);
  while (n > 0 && b64[n - 1] == '=')
    b64[--n] = '\0';
  return b64;
}

char *
wh_server_merchant_key (WhServer *self,
                        gint64    merchant_id)
{
  g_autofree char *data = NULL;

  g_return_val_if_fail (WH_IS_SERVER (self), NULL);

  data = g_strdup_printf ("merchant/%" G_GINT64_FORMAT, merchant_id);
  return g_compute_hmac_for_string (G_CHECKSUM_SHA256, self->secret, sizeof self->secret, data,
                                    -1);
}

JsonNode *
wh_request_parse_body (WhRequest *req)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) root = NULL;
  gsize len = 0;
  const char *data = req->body ? g_bytes_get_data (req->body, &len) : NULL;

  root = wh_json_parse_bounded (data, len, WH_MAX_REQUEST_BODY, &error);
  if (root == NULL)
    {
      /* The codec's messages speak to a client about its server; say the
       * same to whoever sent this body. */
      g_debug ("Refused body: %s", error->message);
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               g_error_matches (error, WH_CODEC_ERROR, WH_CODEC_ERROR_INVALID)
                                 ? "The body holds a value the contract does not allow: an "
                                   "integer beyond ±(2^53−1), a number that is infinite or 0 "
                                   "as a double, or U+0000 or an unpaired surrogate in a string."
                               : g_error_matches (error, WH_CODEC_ERROR, WH_CODEC_ERROR_TOO_DEEP)
                                 ? "The body is nested more than 16 levels deep."
                                 : "The body is not a valid JSON document (RFC 8259).");
      return NULL;
    }
  if (JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    {
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "The body is not a JSON object.");
      return NULL;
    }
  return g_steal_pointer (&root);
}

WhRecord *
wh_request_parse_record (WhRequest          *req,
                         const WhCollection *collection)
{
  g_autoptr(JsonNode) root = wh_request_parse_body (req);
  g_autoptr(GError) error = NULL;
  WhRecord *record;

  if (root == NULL)
    return NULL;
  record = wh_record_from_json (collection, root, &error);
  if (record == NULL)
    {
      g_autofree char *message = g_strdup_printf ("Invalid %s document: %s", collection->name,
                                                  error->message);
      wh_server_respond_error (req->msg, SOUP_STATUS_BAD_REQUEST, "bad_request", message);
    }
  return record;
}

/* ------------------------------------------------------------------------ */
/* Guards run before the body is read */

/* A token bucket per client: `capacity` requests at once, refilled at
 * `per_second`. */
static gboolean
bucket_allows (WhServer   *self,
               const char *key,
               double      capacity,
               double      per_second,
               guint      *retry_after)
{
  gint64 now = g_get_monotonic_time ();
  RateBucket *bucket = g_hash_table_lookup (self->buckets, key);

  if (bucket == NULL)
    {
      /* A client the server has not seen in a while starts with a full
       * bucket; forget idle ones so the table stays small. */
      if (g_hash_table_size (self->buckets) > 10000)
        g_hash_table_remove_all (self->buckets);
      bucket = g_new0 (RateBucket, 1);
      bucket->tokens = capacity;
      bucket->updated_us = now;
      g_hash_table_insert (self->buckets, g_strdup (key), bucket);
    }
  bucket->tokens = MIN (capacity, bucket->tokens + (now - bucket->updated_us) / 1e6 * per_second);
  bucket->updated_us = now;
  if (bucket->tokens >= 1.0)
    {
      bucket->tokens -= 1.0;
      return TRUE;
    }
  *retry_after = (guint) MAX (1.0, (1.0 - bucket->tokens) / per_second + 0.999);
  return FALSE;
}

/* Keyed on the client (behind a trusted proxy, the one it forwarded; an
 * IPv6 client by its /64). Sign-in has a limit of its own, on by
 * default: it is where guessing and code-sending floods go. */
static gboolean
rate_limit_allows (WhServer          *self,
                   SoupServerMessage *msg,
                   const char        *path,
                   guint             *retry_after)
{
  g_autofree char *client = NULL;
  gboolean auth = g_str_has_prefix (path, API_PREFIX "auth/");

  if (self->rate_limit == 0 && (self->auth_rate_limit == 0 || !auth))
    return TRUE;
  client = wh_server_client_for_message (self, msg);
  if (client == NULL)
    return TRUE;
  if (self->rate_limit > 0 &&
      !bucket_allows (self, client, self->rate_limit, self->rate_limit, retry_after))
    return FALSE;
  if (self->auth_rate_limit > 0 && auth)
    {
      g_autofree char *key = g_strconcat ("auth ", client, NULL);

      return bucket_allows (self, key, self->auth_rate_limit, self->auth_rate_limit / 60.0,
                            retry_after);
    }
  return TRUE;
}

static void
early_handler_cb (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           user_data)
{
  WhServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupEncoding encoding = soup_message_headers_get_encoding (headers);
  guint retry_after = 1;

  if (!g_str_has_prefix (path, API_PREFIX))
    return;

  /* Only requests being handled count: one whose body is still coming (or
   * never comes) is the connection timeouts' business, and a refused one
   * costs nothing. */
  if (g_hash_table_size (self->active) >= self->max_in_flight)
    {
      wh_server_respond_retry (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                               "The server is overloaded; try again later.", 1);
    }
  else if (!rate_limit_allows (self, msg, path, &retry_after))
    {
      wh_server_respond_retry (msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "Too many requests; slow down.", retry_after);
    }
  else if (encoding == SOUP_ENCODING_CHUNKED || encoding == SOUP_ENCODING_EOF)
    {
      wh_server_respond_error (msg, SOUP_STATUS_LENGTH_REQUIRED, "length_required",
                               "A request body needs a Content-Length.");
    }
  else if (encoding == SOUP_ENCODING_CONTENT_LENGTH &&
           soup_message_headers_get_content_length (headers) > WH_MAX_REQUEST_BODY)
    {
      wh_server_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                               "The request body is larger than 64 KiB.");
    }
  else
    return;

  /* Refused: libsoup still reads the body off the connection to keep it
   * usable, but nothing is kept in memory. */
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
}

/* ------------------------------------------------------------------------ */
/* Faults */

static WhFault
pick_fault (WhServer *self)
{
  const WhFaults *f = &self->faults;
  double r = g_rand_double (self->fault_rand);
  double edge = 0;

  if (r < (edge += f->error))
    return WH_FAULT_ERROR;
  if (r < (edge += f->too_many))
    return WH_FAULT_TOO_MANY;
  if (r < (edge += f->unavailable))
    return WH_FAULT_UNAVAILABLE;
  if (r < (edge += f->drop))
    return WH_FAULT_DROP;
  if (r < (edge += f->malformed))
    return WH_FAULT_MALFORMED;
  if (r < (edge += f->delay))
    return WH_FAULT_DELAY;
  return WH_FAULT_NONE;
}

/* Pending on self->deferred; no reference to the server, so a stopped
 * server goes away at once and takes its paused requests with it. */
typedef struct
{
  WhServer          *self;
  SoupServerMessage *msg;
  GSource           *source;
  gboolean           drop;
  gboolean           half_body;
} Deferred;

static void
deferred_free (Deferred *d)
{
  g_object_unref (d->msg);
  g_free (d);
}

/* Closes the connection without a response, or after half of it: what a
 * crashing server or a broken proxy does to a client. */
static void
drop_connection (WhServer          *self,
                 SoupServerMessage *msg,
                 gboolean           half_body)
{
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GIOStream) stream = NULL;
  guint status = soup_server_message_get_status (msg);

  if (half_body)
    body = soup_message_body_flatten (soup_server_message_get_response_body (msg));
  g_hash_table_remove (self->active, msg);
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    return;
  if (half_body)
    {
      GOutputStream *out = g_io_stream_get_output_stream (stream);
      gsize len = g_bytes_get_size (body);
      g_autofree char *head = g_strdup_printf (
        "HTTP/1.1 %u %s\r\nContent-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT
        "\r\n\r\n", status, soup_status_get_phrase (status), len);

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, g_bytes_get_data (body, NULL), len / 2, NULL, NULL, NULL);
      g_output_stream_flush (out, NULL, NULL);
    }
  g_io_stream_close (stream, NULL, NULL);
  g_debug ("Fault: dropped the connection%s", half_body ? " after half a body" : "");
}

static gboolean
deferred_cb (gpointer user_data)
{
  Deferred *d = user_data;

  g_ptr_array_remove_fast (d->self->deferred, d);
  /* The client may have gone away meanwhile. */
  if (g_hash_table_contains (d->self->active, d->msg))
    {
      if (d->drop)
        drop_connection (d->self, d->msg, d->half_body);
      else
        soup_server_message_unpause (d->msg);
    }
  return G_SOURCE_REMOVE;
}

/* Pauses a message whose response is ready and finishes it later from the
 * main loop: stealing a connection from inside a handler would pull the
 * connection out from under libsoup's I/O loop that called us. */
static void
defer (WhServer          *self,
       SoupServerMessage *msg,
       guint              delay_ms,
       gboolean           drop,
       gboolean           half_body)
{
  Deferred *d = g_new0 (Deferred, 1);
  g_autoptr(GSource) source = g_timeout_source_new (delay_ms);

  d->self = self;
  d->msg = g_object_ref (msg);
  d->source = source;
  d->drop = drop;
  d->half_body = half_body;
  soup_server_message_pause (msg);
  g_source_set_callback (source, deferred_cb, d, (GDestroyNotify) deferred_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_ptr_array_add (self->deferred, d);
}

static void
corrupt_body (WhServer          *self,
              SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len = g_bytes_get_size (bytes);
  g_autofree char *data = g_strndup (g_bytes_get_data (bytes, NULL), len);
  guint kind = (guint) g_rand_int_range (self->fault_rand, 0, 3);

  switch (kind)
    {
    case 0: /* cut short, as by a proxy that gave up */
      len /= 2;
      break;
    case 1: /* a byte that is not UTF-8 */
      if (len > 2)
        data[len / 2] = (char) 0xff;
      break;
    default: /* an HTML error page from a middlebox, with status 200 */
      {
        char *page = g_strdup ("<html><body>502 Bad Gateway</body></html>");
        g_free (data);
        data = page;
        len = strlen (page);
      }
      break;
    }
  soup_message_body_truncate (body);
  soup_message_body_append (body, SOUP_MEMORY_COPY, data, len);
  g_debug ("Fault: malformed body (kind %u)", kind);
}

gboolean
wh_server_set_faults (WhServer   *self,
                      const char *spec,
                      GError    **error)
{
  WhFaults faults = { 0, };
  guint64 seed = 1;
  g_auto(GStrv) items = NULL;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);

  faults.delay_ms = 1500;
  if (spec == NULL || *spec == '\0')
    {
      self->faults = faults;
      self->faults_enabled = FALSE;
      return TRUE;
    }

  items = g_strsplit (spec, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      g_auto(GStrv) kv = g_strsplit (g_strstrip (items[i]), "=", 2);
      double *rate = NULL;
      char *end = NULL;
      double value;

      if (kv[0] == NULL || kv[0][0] == '\0')
        continue;
      if (kv[1] == NULL)
        goto bad;
      if (g_str_equal (kv[0], "scope"))
        {
          if (g_str_equal (kv[1], "all"))
            faults.all_routes = TRUE;
          else if (g_str_equal (kv[1], "changes"))
            faults.all_routes = FALSE;
          else
            goto bad;
          continue;
        }
      value = g_ascii_strtod (kv[1], &end);
      if (end == kv[1] || *end != '\0' || !(value >= 0))
        goto bad;
      if (g_str_equal (kv[0], "error"))
        rate = &faults.error;
      else if (g_str_equal (kv[0], "429"))
        rate = &faults.too_many;
      else if (g_str_equal (kv[0], "503"))
        rate = &faults.unavailable;
      else if (g_str_equal (kv[0], "drop"))
        rate = &faults.drop;
      else if (g_str_equal (kv[0], "malformed"))
        rate = &faults.malformed;
      else if (g_str_equal (kv[0], "delay"))
        rate = &faults.delay;
      else if (g_str_equal (kv[0], "delay_ms") && value <= 600000)
        faults.delay_ms = (guint) value;
      else if (g_str_equal (kv[0], "seed") && value <= (double) G_MAXUINT32)
        seed = (guint64) value;
      else
        goto bad;
      if (rate)
        {
          if (value > 1)
            goto bad;
          *rate = value;
        }
      continue;

bad:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Invalid fault “%s”: expected error, 429, 503, drop, malformed, delay "
                   "(rates 0 to 1), delay_ms, seed or scope=changes|all", items[i]);
      return FALSE;
    }

  self->faults = faults;
  self->faults_enabled = TRUE;
  g_rand_set_seed (self->fault_rand, (guint32) seed);
  g_message ("Faults enabled: %s", spec);
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Routing */

static gboolean
pattern_matches (const char   *pattern,
                 char * const *segments)
{
  g_auto(GStrv) parts = g_strsplit (pattern, "/", -1);
  guint i;

  for (i = 0; parts[i]; i++)
    {
      if (g_str_equal (parts[i], "**"))
        return segments[i] != NULL;
      if (segments[i] == NULL)
        return FALSE;
      if (g_str_equal (parts[i], "{collection}"))
        {
          const WhCollection *collection = wh_schema_lookup (segments[i]);

          if (collection == NULL || !(collection->flags & WH_COLLECTION_SYNCED))
            return FALSE;
        }
      else if (!g_str_equal (parts[i], "*") && !g_str_equal (parts[i], segments[i]))
        return FALSE;
    }
  return segments[i] == NULL;
}

/* Splits the raw (still percent-encoded) path below /api/v1/ into decoded
 * segments; NULL for an encoded '/' or NUL, or bad escapes. */
static GStrv
split_path (const char *raw)
{
  g_auto(GStrv) parts = g_strsplit (raw, "/", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; parts[i]; i++)
    {
      char *segment = g_uri_unescape_segment (parts[i], NULL, "/");

      if (segment == NULL)
        return NULL;
      g_ptr_array_add (out, segment);
    }
  g_ptr_array_add (out, NULL);
  return (GStrv) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static void
handler_cb (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  WhServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  g_auto(GStrv) segments = NULL;
  g_autoptr(GString) allowed = NULL;
  const Route *route = NULL;
  WhRequest req = { 0, };
  SoupMessageBody *request_body;

  g_hash_table_add (self->active, msg);
  if (!g_str_has_prefix (path, API_PREFIX))
    {
      wh_server_respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such route.");
      return;
    }
  segments = split_path (path + strlen (API_PREFIX));
  if (segments == NULL)
    {
      wh_server_respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                               "The path is not validly encoded.");
      return;
    }

  allowed = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      if (!pattern_matches (routes[i].pattern, segments))
        continue;
      if (g_str_equal (routes[i].method, method))
        {
          route = &routes[i];
          break;
        }
      g_string_append_printf (allowed, "%s%s", allowed->len ? ", " : "", routes[i].method);
    }
  if (route == NULL)
    {
      if (allowed->len > 0)
        {
          soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                        allowed->str);
          wh_server_respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "method_not_allowed",
                                   "This method is not allowed on this resource.");
        }
      else
        wh_server_respond_error (msg, SOUP_STATUS_NOT_FOUND, "not_found", "No such route.");
      return;
    }

  req.server = self;
  req.msg = msg;
  req.method = method;
  req.segments = segments;
  req.query = query;
  request_body = soup_server_message_get_request_body (msg);
  if (request_body->length > WH_MAX_REQUEST_BODY)
    {
      wh_server_respond_error (msg, SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE, "payload_too_large",
                               "The request body is larger than 64 KiB.");
      return;
    }
  if (request_body->length > 0)
    req.body = soup_message_body_flatten (request_body);

  if (self->faults_enabled && (route->is_feed || self->faults.all_routes))
    req.fault = pick_fault (self);

  switch (req.fault)
    {
    case WH_FAULT_ERROR:
      g_debug ("Fault: 500");
      wh_server_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal",
                               "Injected fault.");
      break;
    case WH_FAULT_TOO_MANY:
      g_debug ("Fault: 429");
      wh_server_respond_retry (msg, WH_STATUS_TOO_MANY_REQUESTS, "too_many_requests",
                               "Injected fault: too many requests.", 1);
      break;
    case WH_FAULT_UNAVAILABLE:
      g_debug ("Fault: 503");
      wh_server_respond_retry (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable",
                               "Injected fault: unavailable.", 1);
      break;
    default:
      /* Handled for real first, so a dropped or late response has done its
       * work on the server: the case idempotency keys exist for. */
      route->handler (self, &req);
      if (req.fault == WH_FAULT_MALFORMED && soup_server_message_get_status (msg) == 200)
        corrupt_body (self, msg);
      else if (req.fault == WH_FAULT_DROP)
        defer (self, msg, 0, TRUE, g_rand_boolean (self->fault_rand));
      else if (req.fault == WH_FAULT_DELAY)
        {
          g_debug ("Fault: delay %u ms", self->faults.delay_ms);
          defer (self, msg, self->faults.delay_ms, FALSE, FALSE);
        }
      break;
    }

  g_clear_pointer (&req.body, g_bytes_unref);
  g_free (req.token_hash);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    WhServer          *self)
{
  wh_server_http_request_started (self, msg);
  wh_server_net_request_started (self, msg);
}

static void
request_done_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 WhServer          *self)
{
  GUri *uri = soup_server_message_get_uri (msg);

  g_hash_table_remove (self->active, msg);
  /* A request libsoup could not parse has no URI. */
  g_debug ("%s %s → %u", soup_server_message_get_method (msg),
           uri ? g_uri_get_path (uri) : "(unparsable)", soup_server_message_get_status (msg));
}

static void
request_finished_cb (SoupServer        *server,
                     SoupServerMessage *msg,
                     WhServer          *self)
{
  request_done_cb (server, msg, self);
}

/* ------------------------------------------------------------------------ */
/* Object */

static void
wh_server_finalize (GObject *object)
{
  WhServer *self = WH_SERVER (object);

  while (self->deferred->len > 0)
    {
      Deferred *d = g_ptr_array_steal_index_fast (self->deferred, 0);
      g_source_destroy (d->source);
    }
  g_ptr_array_unref (self->deferred);
  wh_server_snapshots_free (self);
  wh_server_stop_pruning (self);
  wh_server_net_stop (self);
  if (self->soup)
    {
      g_signal_handlers_disconnect_by_data (self->soup, self);
      soup_server_disconnect (self->soup);
      g_clear_object (&self->soup);
    }
  wh_server_net_finalize (self);
  if (self->db)
    sqlite3_close_v2 (self->db);
  g_free (self->db_path);
  g_free (self->address);
  g_free (self->demo_code);
  g_hash_table_unref (self->active);
  g_hash_table_unref (self->buckets);
  g_rand_free (self->fault_rand);
  memset (self->secret, 0, sizeof self->secret);
  sodium_memzero (self->signing_key, sizeof self->signing_key);

  G_OBJECT_CLASS (wh_server_parent_class)->finalize (object);
}

static void
wh_server_class_init (WhServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wh_server_finalize;
}

static void
wh_server_init (WhServer *self)
{
  self->token_ttl_s = 30 * 24 * 3600;
  self->max_in_flight = DEFAULT_MAX_IN_FLIGHT;
  self->auth_rate_limit = WH_SERVER_DEFAULT_AUTH_RATE_LIMIT;
  wh_server_net_init (self);
  self->active = g_hash_table_new (NULL, NULL);
  self->buckets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->fault_rand = g_rand_new_with_seed (1);
  self->faults.delay_ms = 1500;
  self->deferred = g_ptr_array_new ();
  self->prune_interval_s = 600;
  wh_server_set_auth_limits (self, NULL, NULL);
}

/* The signing secret is made once per database and kept in it, so vouchers
 * and merchant keys stay valid across restarts. */
static gboolean
load_secret (WhServer *self,
             GError  **error)
{
  g_autofree char *hex = wh_server_db_get_meta (self->db, "secret");

  if (hex == NULL || strlen (hex) != 2 * WH_SERVER_SECRET_LEN)
    {
      GString *s = g_string_new (NULL);

      wh_server_random_bytes (self->secret, sizeof self->secret);
      for (guint i = 0; i < sizeof self->secret; i++)
        g_string_append_printf (s, "%02x", self->secret[i]);
      hex = g_string_free (s, FALSE);
      return wh_server_db_set_meta (self->db, "secret", hex, error);
    }
  for (guint i = 0; i < WH_SERVER_SECRET_LEN; i++)
    self->secret[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) * 16 +
                                g_ascii_xdigit_value (hex[2 * i + 1]));
  return TRUE;
}

WhServer *
wh_server_new (const char *db_path,
               GError    **error)
{
  g_autoptr(WhServer) self = NULL;

  g_return_val_if_fail (db_path != NULL, NULL);

  self = g_object_new (WH_TYPE_SERVER, NULL);
  self->db_path = g_strdup (db_path);
  self->db = wh_server_db_open (db_path, error);
  if (self->db == NULL || !load_secret (self, error) || !wh_server_keys_load (self, error) ||
      !wh_server_counter_init (self, error))
    return NULL;

  self->soup = soup_server_new ("server-header", "workers-home-server/" PACKAGE_VERSION,
                                "raw-paths", TRUE, NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler_cb, self, NULL);
  g_signal_connect (self->soup, "request-started", G_CALLBACK (request_started_cb), self);
  g_signal_connect (self->soup, "request-finished", G_CALLBACK (request_finished_cb), self);
  g_signal_connect (self->soup, "request-aborted", G_CALLBACK (request_done_cb), self);
  wh_server_start_pruning (self);
  return g_steal_pointer (&self);
}

void
wh_server_set_demo_code (WhServer   *self,
                         const char *code)
{
  g_return_if_fail (WH_IS_SERVER (self));

  g_free (self->demo_code);
  self->demo_code = code && *code ? g_strdup (code) : NULL;
}

void
wh_server_set_token_ttl (WhServer *self,
                         gint64    seconds)
{
  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (seconds > 0);

  self->token_ttl_s = seconds;
}

void
wh_server_set_clock (WhServer      *self,
                     WhServerClock  clock,
                     gpointer       user_data)
{
  g_return_if_fail (WH_IS_SERVER (self));

  self->clock = clock;
  self->clock_data = user_data;
}

void
wh_server_set_rate_limit (WhServer *self,
                          guint     per_second)
{
  g_return_if_fail (WH_IS_SERVER (self));

  self->rate_limit = per_second;
  g_hash_table_remove_all (self->buckets);
}

void
wh_server_set_auth_rate_limit (WhServer *self,
                               guint     per_minute)
{
  g_return_if_fail (WH_IS_SERVER (self));

  self->auth_rate_limit = per_minute;
  g_hash_table_remove_all (self->buckets);
}

void
wh_server_set_max_in_flight (WhServer *self,
                             guint     max_requests)
{
  g_return_if_fail (WH_IS_SERVER (self));
  g_return_if_fail (max_requests > 0);

  self->max_in_flight = max_requests;
}

gboolean
wh_server_listen (WhServer   *self,
                  const char *address,
                  guint       port,
                  GError    **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sockaddr = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (port <= 65535, FALSE);

  inet = g_inet_address_new_from_string (address ? address : "127.0.0.1");
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "“%s” is not an IP address", address);
      return FALSE;
    }
  sockaddr = g_inet_socket_address_new (inet, (guint16) port);
  /* Our own socket for a longer accept queue than GLib's default of 10:
   * a burst of clients (a lunch rush of claims) must queue, not be reset. */
  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, 512);
  /* Accepted by the server itself (wh-server-net.c), not by SoupServer. */
  if (!g_socket_bind (socket, sockaddr, TRUE, error) ||
      !g_socket_listen (socket, error) ||
      !wh_server_net_listen (self, socket, error))
    return FALSE;

  local = g_socket_get_local_address (socket, NULL);
  if (local && G_IS_INET_SOCKET_ADDRESS (local))
    self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  g_free (self->address);
  self->address = g_inet_address_to_string (inet);
  g_message ("Serving %s on %s port %u", self->db_path, address ? address : "127.0.0.1",
             self->port);
  return TRUE;
}

guint
wh_server_get_port (WhServer *self)
{
  g_return_val_if_fail (WH_IS_SERVER (self), 0);

  return self->port;
}

char *
wh_server_get_base_url (WhServer *self)
{
  g_return_val_if_fail (WH_IS_SERVER (self), NULL);

  /* A server on every address is reached on loopback from this machine. */
  if (self->address == NULL || g_str_equal (self->address, "0.0.0.0"))
    return g_strdup_printf ("http://127.0.0.1:%u", self->port);
  if (g_str_equal (self->address, "::"))
    return g_strdup_printf ("http://[::1]:%u", self->port);
  if (strchr (self->address, ':'))
    return g_strdup_printf ("http://[%s]:%u", self->address, self->port);
  return g_strdup_printf ("http://%s:%u", self->address, self->port);
}

gpointer
wh_server_get_db (WhServer *self)
{
  g_return_val_if_fail (WH_IS_SERVER (self), NULL);

  return self->db;
}

gboolean
wh_server_put_record (WhServer  *self,
                      WhRecord  *record,
                      GError   **error)
{
  gint64 rev;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (record != NULL && record->id > 0, FALSE);

  if (!wh_server_begin (self, TRUE, error))
    return FALSE;
  rev = wh_server_db_next_rev (self->db, error);
  if (rev == 0 || !wh_server_db_write_record (self->db, record, rev, error))
    {
      wh_server_rollback (self);
      return FALSE;
    }
  return wh_server_commit (self, error);
}

gboolean
wh_server_delete_record (WhServer           *self,
                         const WhCollection *collection,
                         gint64              id,
                         GError            **error)
{
  g_autoptr(WhRecord) tombstone = NULL;
  gint64 rev;

  g_return_val_if_fail (WH_IS_SERVER (self), FALSE);
  g_return_val_if_fail (collection->flags & WH_COLLECTION_SYNCED, FALSE);

  tombstone = wh_record_new (collection);
  tombstone->id = id;
  tombstone->deleted = TRUE;
  if (!wh_server_begin (self, TRUE, error))
    return FALSE;
  rev = wh_server_db_next_rev (self->db, error);
  if (rev == 0 || !wh_server_db_write_record (self->db, tombstone, rev, error))
    {
      wh_server_rollback (self);
      return FALSE;
    }
  if (sqlite3_changes (self->db) == 0)
    {
      wh_server_rollback (self);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No %s with id %" G_GINT64_FORMAT,
                   collection->name, id);
      return FALSE;
    }
  return wh_server_commit (self, error);
}
