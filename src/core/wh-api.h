/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-api.h: the HTTP client of the REST contract (data/api/CONTRACT.md).
 *
 * One WhApi, and so one SoupSession, for the whole process. Every call is an
 * _async/_finish pair on the thread-default main context of the caller, and
 * every call is cancellable. Nothing a server sends is trusted: bodies are
 * read with a hard size cap and decoded only through wh-codec, and a failure
 * is a GError in WH_API_ERROR with a translated message for people.
 *
 * Threading: libsoup 3.2 can send from any thread, but I/O stays on the
 * context the request was started from. WhApi is meant to be driven from
 * one context (the app's main context, or the CLI's); the heavy part of a
 * changes page, decoding the JSON, runs in a GTask worker thread so the
 * context stays free while it happens.
 */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "wh-codec.h"

G_BEGIN_DECLS

/* The contract's limit on one picture. */
#define WH_MAX_MEDIA_BODY (2 * 1024 * 1024)

#define WH_API_ERROR (wh_api_error_quark ())

typedef enum
{
  WH_API_ERROR_NETWORK,                /* unreachable, refused, dropped connection */
  WH_API_ERROR_TIMEOUT,                /* connect, I/O or whole-request deadline; 408 */
  WH_API_ERROR_INSECURE,               /* plain http to a non-loopback host */
  WH_API_ERROR_TLS,                    /* certificate or handshake failure */
  WH_API_ERROR_REDIRECT,               /* any 3xx: the contract never redirects */
  WH_API_ERROR_TOO_LARGE,              /* body over the cap */
  WH_API_ERROR_MALFORMED,              /* a body that breaks the contract */
  WH_API_ERROR_RATE_LIMITED,           /* 429 */
  WH_API_ERROR_UNAVAILABLE,            /* 503 */
  WH_API_ERROR_SERVER,                 /* other 5xx */
  WH_API_ERROR_BAD_REQUEST,            /* other 4xx the client should not repeat */
  WH_API_ERROR_UNAUTHORIZED,           /* 401 unauthorized: sign in again */
  WH_API_ERROR_INVALID_CODE,           /* 401 invalid_code */
  WH_API_ERROR_DAILY_LIMIT,            /* 429 daily_limit: sign-in codes and tries, till tomorrow */
  WH_API_ERROR_NOT_ELIGIBLE,           /* 403 not_eligible */
  WH_API_ERROR_FORBIDDEN,              /* 403 forbidden */
  WH_API_ERROR_NOT_FOUND,              /* 404 */
  WH_API_ERROR_CONFLICT,               /* other 409, 422 */
  WH_API_ERROR_ALREADY_CLAIMED_TODAY,  /* 409 */
  WH_API_ERROR_OUTSIDE_SERVING_WINDOW, /* 409 */
  WH_API_ERROR_QUOTA_EXHAUSTED,        /* 409 */
  WH_API_ERROR_ALREADY_REDEEMED,       /* 409 */
  WH_API_ERROR_VOUCHER_EXPIRED,        /* 409 */
  WH_API_ERROR_WRONG_MERCHANT,         /* 409 */
  WH_API_ERROR_INVALID_VOUCHER,        /* 400 */
  WH_API_ERROR_HTTP,                   /* any other status */
} WhApiError;

GQuark      wh_api_error_quark              (void);
/* Details kept on a WH_API_ERROR: the contract's code string ("quota_exhausted")
 * or NULL, the HTTP status or 0, Retry-After in seconds or -1. */
const char *wh_api_error_get_server_code    (const GError *error);
guint       wh_api_error_get_status         (const GError *error);
gint64      wh_api_error_get_retry_after    (const GError *error);
/* Worth trying again later: network, timeouts, 408/429/5xx. */
gboolean    wh_api_error_is_transient       (const GError *error);

#define WH_TYPE_API (wh_api_get_type ())
G_DECLARE_FINAL_TYPE (WhApi, wh_api, WH, API, GObject)

/* base_url: "https://host[:port][/prefix]"; "http://" only for loopback
 * hosts unless allow-insecure is set. Fails on a URL that is not http(s). */
WhApi      *wh_api_new                      (const char   *base_url,
                                             GError      **error);
const char *wh_api_get_base_url             (WhApi        *self);
SoupSession *wh_api_get_session             (WhApi        *self);

/* Developer option: plain http to any host. */
void        wh_api_set_allow_insecure       (WhApi        *self,
                                             gboolean      allow_insecure);
gboolean    wh_api_get_allow_insecure       (WhApi        *self);
/* NULL signs out of this WhApi. A token with bytes a header cannot carry is
 * refused (FALSE) and the old token is kept. */
gboolean    wh_api_set_token                (WhApi        *self,
                                             const char   *token);
const char *wh_api_get_token                (WhApi        *self);
/* Seconds: socket I/O (and connect), idle keep-alive, and the whole
 * request, its retries and the waits between them included (0: none;
 * default 120). */
void        wh_api_set_timeouts             (WhApi        *self,
                                             guint         io_timeout,
                                             guint         idle_timeout,
                                             guint         request_timeout);
/* Retries of idempotent calls on network errors, timeouts, 408, 429 and 5xx:
 * at most max_attempts tries in all, waits drawn from 0..min(cap, base*2^n)
 * (full jitter), never shorter than Retry-After, which is capped at
 * max_retry_after_ms. */
void        wh_api_set_retry_policy         (WhApi        *self,
                                             guint         max_attempts,
                                             guint         base_ms,
                                             guint         cap_ms,
                                             guint         max_retry_after_ms);
void        wh_api_set_max_body             (WhApi        *self,
                                             gsize         max_body);

/* GET /{collection}/changes. region 0 = none (jobs only); count asks for
 * "remaining". if_none_match may be NULL. */
void        wh_api_get_changes_async        (WhApi              *self,
                                             const WhCollection *collection,
                                             gint64              since,
                                             guint               limit,
                                             gint                region,
                                             gboolean            count,
                                             const char         *if_none_match,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
/* The decoded page, or NULL with *not_modified set and no error on 304, or
 * NULL with an error. etag: the response's ETag, if any. */
WhPage     *wh_api_get_changes_finish       (WhApi              *self,
                                             GAsyncResult       *result,
                                             char              **etag,
                                             gboolean           *not_modified,
                                             GError            **error);

/* How much of a download has come: received bytes of total (the response's
 * Content-Length, -1 when it sent none). */
typedef void (*WhApiProgressFunc) (guint64  received,
                                   gint64   total,
                                   gpointer user_data);

/* Where a snapshot's body goes, told before its first byte: etag and rev
 * (the response's ETag and X-Snapshot-Rev, or NULL), offset the byte of the
 * file it starts at (the held bytes on a 206, 0 on a 200). */
typedef void (*WhApiSnapshotStartedFunc) (const char *etag,
                                          const char *rev,
                                          guint64     offset,
                                          gpointer    user_data);

/* GET /{collection}/snapshot: a region's open records as a gzip-compressed
 * SQLite file (data/api/CONTRACT.md), written to sink as it comes (at most
 * max_bytes of it, else WH_API_ERROR_TOO_LARGE); sink is closed on success.
 * held > 0: sink already holds that many bytes of the file tagged
 * if_range; asks for the rest ("Range: bytes=held-", "If-Range: if_range")
 * and appends a 206 that fits (its Content-Range from held to the end, of a
 * total of at most max_bytes; anything else is WH_API_ERROR_MALFORMED or
 * TOO_LARGE), or truncates sink (then seekable, opened for appending) for a
 * 200 and writes the whole file. progress then counts the held bytes too,
 * of the whole file's size. started (or NULL) is called with the answer's
 * headers, before the first byte.
 * One attempt, no retries: a caller falls back to the changes feed. Returns
 * the response's ETag ("" when none). The file is not checked here: it is
 * outside data (wh_store_import_snapshot checks it). progress (or NULL) is
 * called on the caller's thread-default context: with 0 when a 2xx answer
 * starts, then after each piece of the body is written to sink, at the
 * network's pace (a caller throttles what it shows); progress_data must
 * live until the callback. */
void        wh_api_get_snapshot_async       (WhApi              *self,
                                             const WhCollection *collection,
                                             gint                region,
                                             GOutputStream      *sink,
                                             guint64             max_bytes,
                                             guint64             held,
                                             const char         *if_range,
                                             WhApiProgressFunc   progress,
                                             WhApiSnapshotStartedFunc started,
                                             gpointer            progress_data,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
char       *wh_api_get_snapshot_finish      (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* POST /auth/code. resend_after: seconds before another code may be asked. */
void        wh_api_request_code_async       (WhApi              *self,
                                             const char         *phone,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean    wh_api_request_code_finish      (WhApi              *self,
                                             GAsyncResult       *result,
                                             gint64             *resend_after,
                                             GError            **error);

/* POST /auth/login. On success the token is also set on self. */
void        wh_api_login_async              (WhApi              *self,
                                             const char         *phone,
                                             const char         *code,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
/* Returns the "me" record (wh_collection_me); token and expires_at are the
 * session's. */
WhRecord   *wh_api_login_finish             (WhApi              *self,
                                             GAsyncResult       *result,
                                             char              **token,
                                             char              **expires_at,
                                             GError            **error);

/* POST /auth/logout; the token is dropped from self whatever the outcome. */
void        wh_api_logout_async             (WhApi              *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean    wh_api_logout_finish            (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

void        wh_api_get_me_async             (WhApi              *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
WhRecord   *wh_api_get_me_finish            (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* POST /vouchers. The caller makes idempotency_key (wh_api_new_idempotency_key)
 * and keeps it until the claim has a definite answer, so a retry after a lost
 * response gets the same voucher instead of a second one. */
char       *wh_api_new_idempotency_key      (void);
/* Today in the server's day, China Standard Time: "YYYY-MM-DD". Vouchers,
 * quotas and pending claims count by it. */
char       *wh_api_service_day              (void);
void        wh_api_claim_voucher_async      (WhApi              *self,
                                             gint64              merchant_id,
                                             const char         *idempotency_key,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
WhRecord   *wh_api_claim_voucher_finish     (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* POST /vouchers/{id}/sms: the backend texts the voucher's 12-digit code to
 * the signed-in worker's phone (a kiosk's way to let the voucher leave with
 * the worker). Finishes with the number it went to, masked ("138****8000").
 * Never retried by itself. */
void        wh_api_send_voucher_code_async  (WhApi              *self,
                                             const char         *voucher_id,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
char       *wh_api_send_voucher_code_finish (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);
/* GET /vouchers: WhRecord* of wh_collection_vouchers, newest first. */
void        wh_api_list_vouchers_async      (WhApi              *self,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray  *wh_api_list_vouchers_finish     (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* A merchant's counter (wh-counter.h): POST /auth/counter (never repeated),
 * GET /counter/day and POST /counter/redemptions with the counter's token.
 * Each finishes with the answer's JSON object, not yet checked. */
void        wh_api_counter_pair_async       (WhApi              *self,
                                             gint64              merchant_id,
                                             const char         *merchant_key,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
void        wh_api_counter_day_async        (WhApi              *self,
                                             const char         *token,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
void        wh_api_counter_upload_async     (WhApi              *self,
                                             const char         *token,
                                             JsonNode           *body,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
JsonNode   *wh_api_counter_finish           (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* GET /progress, /quiz-attempts, /question-reviews, /bookmarks or
 * /vouchers: the signed-in
 * worker's own records of that collection, as the server keeps them from
 * every device. A record that breaks the contract fails the whole list. */
void        wh_api_list_documents_async     (WhApi              *self,
                                             const WhCollection *collection,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GPtrArray  *wh_api_list_documents_finish    (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* An outbox entry: PUT or DELETE of a path under /api/v1 ("progress/12"),
 * with a JSON body for PUT. Safe to repeat by contract, so it is retried like
 * a GET. */
void        wh_api_replay_async             (WhApi              *self,
                                             const char         *method,
                                             const char         *path,
                                             GBytes             *body,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
gboolean    wh_api_replay_finish            (WhApi              *self,
                                             GAsyncResult       *result,
                                             GError            **error);

/* GET /media/{path}: a picture a record refers to (a course cover, a
 * lesson's images), at most WH_MAX_MEDIA_BODY bytes, PNG or SVG. The type
 * the server names must match the bytes, or it is WH_API_ERROR_MALFORMED;
 * a path that breaks the media path rules is WH_API_ERROR_BAD_REQUEST
 * without a request. content_type is "image/png" or "image/svg+xml". */
gboolean    wh_api_media_path_is_valid      (const char         *path);
void        wh_api_get_media_async          (WhApi              *self,
                                             const char         *path,
                                             GCancellable       *cancellable,
                                             GAsyncReadyCallback callback,
                                             gpointer            user_data);
GBytes     *wh_api_get_media_finish         (WhApi              *self,
                                             GAsyncResult       *result,
                                             char              **content_type,
                                             char              **etag,
                                             GError            **error);

G_END_DECLS
