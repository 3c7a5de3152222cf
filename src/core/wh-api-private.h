/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-api-private.h: what the parts of WhApi share.
 *
 * wh-api.c owns the object, its SoupSession and settings, the error domain
 * and the mapping of HTTP statuses and server codes to it, and the request
 * machinery (send, read under a cap, retry, deadline, decode in a thread).
 * Each other wh-api-*.c file builds the requests of one domain of
 * data/api/CONTRACT.md and decodes their answers: feeds, sign-in, vouchers,
 * personal data, media.
 */
#pragma once

#include "wh-api.h"

G_BEGIN_DECLS

struct _WhApi
{
  GObject      parent_instance;

  SoupSession *session;
  char        *base_url;    /* no trailing '/' */
  char        *token;
  gboolean     allow_insecure;
  guint        request_timeout;
  guint        max_attempts;
  guint        base_ms;
  guint        cap_ms;
  guint        max_retry_after_ms;
  gsize        max_body;
};

typedef GError *(*DecodeFunc) (GTask *task, gpointer request, gpointer *result,
                               GDestroyNotify *result_free);

typedef struct
{
  /* What to send */
  char               *method;
  char               *url;
  GBytes             *body;
  char               *if_none_match;
  char               *idempotency_key;
  char               *token;       /* bearer token, or NULL */
  const char         *accept;      /* NULL: application/json */
  guint               max_attempts;
  gsize               max_body;
  DecodeFunc          decode;
  const WhCollection *collection;
  /* A 2xx body goes here as it comes instead of into buffer (one attempt
   * only: a retry could not take back what was written). */
  GOutputStream      *sink;
  guint64             sunk;
  /* Told of what came to the sink, on the task's context. */
  WhApiProgressFunc   progress;
  gpointer            progress_data;
  /* A resumed download: asks "Range: bytes=range_from-" with If-Range
   * (range_from 0: the whole body). A 206 must fit (Content-Range from
   * range_from to the end, a total of at most max_body) and is appended; a
   * 200 truncates the sink first (a seekable one), in a thread. started (or
   * NULL) is told where the body goes before its first byte. */
  guint64             range_from;
  char               *if_range;
  WhApiSnapshotStartedFunc started;
  gpointer            started_data;
  guint64             sink_offset;  /* the bytes before the body's first */
  gint64              sink_total;   /* the whole file's size; -1: unknown */

  /* The attempt under way */
  guint               attempt;
  SoupMessage        *msg;
  GInputStream       *stream;
  GByteArray         *buffer;
  gsize               cap;
  GCancellable       *attempt_cancellable;
  GSource            *wait;

  /* The whole request's deadline, retries and the waits between them
   * included: five attempts at a server that drips a byte at a time would
   * otherwise take five times request-timeout (10 minutes by default). */
  GSource            *deadline;
  gint64              deadline_us;  /* monotonic; 0: none */
  gboolean            deadline_hit;

  /* Watches the caller's cancellable for the whole request, from the
   * context (not from inside the "cancelled" emission, where completing the
   * task could re-enter libsoup or g_cancellable_disconnect). */
  GSource            *cancel_watch;
  gboolean            returned;

  /* What came back */
  guint               status;
  char               *etag;
  char               *content_type;
  gint64              content_length; /* -1: none */
  GBytes             *response;
} Request;

/* Errors */
const char *wh_api_error_message    (WhApiError          code);
GError     *wh_api_error_new        (WhApiError          code,
                                     guint               status,
                                     const char         *server_code,
                                     gint64              retry_after);
GError     *wh_api_error_literal    (WhApiError          code,
                                     const char         *message);
/* A codec's error becomes the client's, keeping its (translated) message. */
GError     *wh_api_from_codec_error (GError             *error);
gboolean    wh_api_token_is_valid   (const char         *token);

/* Requests */
Request    *wh_api_request_new      (WhApi              *self,
                                     const char         *method,
                                     const char         *path,
                                     DecodeFunc          decode);
/* Takes a reference on the task for the whole request. */
void        wh_api_request_run      (GTask              *task,
                                     Request            *req);
GBytes     *wh_api_json_body        (JsonBuilder        *builder);
const char *wh_api_response_data    (Request            *req,
                                     gsize              *length);
JsonObject *wh_api_parse_object     (Request            *req,
                                     JsonNode          **root,
                                     GError            **error);
/* For a request whose answer carries nothing to decode. */
GError     *wh_api_decode_nothing   (GTask              *task,
                                     gpointer            data,
                                     gpointer           *result,
                                     GDestroyNotify     *result_free);

G_END_DECLS
