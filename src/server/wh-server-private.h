/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server-private.h: what the parts of the reference backend share.
 *
 * wh-server.c owns the object, the SoupServer, request dispatch and the
 * checks every request passes (body limits, rate limit, overload, faults);
 * the other wh-server-*.c files each implement one group of endpoints of
 * data/api/CONTRACT.md as handlers with the signature of WhHandler.
 */
#pragma once

#include <libsoup/soup.h>

#include "wh-server-db.h"
#include "wh-server.h"
#include "wh-voucher-payload.h"

G_BEGIN_DECLS

#define WH_SERVER_SECRET_LEN 32
/* China Standard Time: the server's day, serving windows and voucher days. */
#define WH_CST_OFFSET_S      (8 * 3600)
/* How long a claim's Idempotency-Key is remembered. */
#define WH_IDEMPOTENCY_TTL_S (7 * 24 * 3600)
/* libsoup 3.2 names no 429. */
#define WH_STATUS_TOO_MANY_REQUESTS 429

typedef struct
{
  double  error;     /* probabilities, 0..1, tried in this order */
  double  too_many;  /* 429 */
  double  unavailable; /* 503 */
  double  drop;
  double  malformed;
  double  delay;
  guint   delay_ms;
  gboolean all_routes; /* scope=all: every /api/v1 request, else the feeds (changes, snapshots) */
} WhFaults;

typedef enum
{
  WH_FAULT_NONE,
  WH_FAULT_ERROR,
  WH_FAULT_TOO_MANY,
  WH_FAULT_UNAVAILABLE,
  WH_FAULT_DROP,
  WH_FAULT_MALFORMED,
  WH_FAULT_DELAY,
} WhFault;

/* Sign-in limits (wh_server_set_auth_limits); 0 is no limit. */
typedef struct
{
  guint phone_codes;      /* per phone per day */
  guint phone_failures;   /* per phone per day */
  guint client_codes;     /* per client address per hour */
  guint client_failures;  /* per client address per hour */
  guint codes;            /* everyone, per hour */
  guint client_reports;   /* anonymous station reports, per client address per hour */
  guint voucher_sms;      /* a voucher's code by SMS, per voucher (a day) */
} WhAuthLimits;
/* Region snapshots (wh-server-snapshot.c): an uncompressed file's bound,
 * and how many records of the collection may change after a snapshot's rev
 * before it is made again (the feed brings those). */
#define WH_SERVER_SNAPSHOT_MAX_BYTES (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)
#define WH_SERVER_SNAPSHOT_MAX_LAG   10000
typedef struct _WhSnapshots WhSnapshots;

/* One accepted connection (wh-server-net.c). */
typedef struct _WhConn WhConn;

struct _WhServer
{
  GObject        parent_instance;

  SoupServer    *soup;
  sqlite3       *db;
  char          *db_path;
  guint8         secret[WH_SERVER_SECRET_LEN];
  /* Signs vouchers (wh-server-keys.c); the seed's file is 0600. */
  guint8         signing_key[WH_VOUCHER_SECRET_KEY_LEN];
  char          *address;
  guint          port;

  /* Configuration */
  char          *demo_code;
  gint64         token_ttl_s;
  WhServerClock  clock;
  gpointer       clock_data;
  guint          rate_limit;
  guint          auth_rate_limit; /* per minute */
  guint          max_in_flight;
  WhAuthLimits   auth_limits;
  WhServerCodeSender code_sender;
  gpointer       code_sender_data;

  /* Pruning of expired rows: the timer, and a continuation while rows remain. */
  GSource       *prune_timer;
  GSource       *prune_more;
  guint          prune_interval_s;
  guint          header_timeout_s;
  guint          body_timeout_s;
  guint          idle_timeout_s;
  guint          max_connections; /* 0: derived from RLIMIT_NOFILE */
  guint          max_connections_per_client;
  /* GInetAddress*, IPv4-mapped ones unmapped */
  GPtrArray     *trusted_proxies;

  /* The listener (wh-server-net.c) */
  GSocket       *listen_socket;
  GSource       *accept_source;
  GSource       *accept_retry;
  GSource       *sweep;
  gboolean       soup_listening;
  guint          accept_failures;
  guint          refused;
  gint64         refused_logged_us;
  /* WhConn*, owned */
  GHashTable    *conns;
  /* Client key -> number of its connections (GUINT_TO_POINTER) */
  GHashTable    *conns_per_key;

  /* Requests being handled: body read, response not yet sent (refused
   * and stalled ones are not); SoupServerMessage* -> itself. */
  GHashTable    *active;
  /* Client key (wh_server_client_key), "auth " + key for /api/v1/auth/ ->
   * RateBucket */
  GHashTable    *buckets;

  /* Paused requests waiting for a delay or a drop: Deferred* */
  GPtrArray     *deferred;

  /* Region snapshots built and the one being built (wh-server-snapshot.c) */
  WhSnapshots   *snapshots;

  WhFaults       faults;
  gboolean       faults_enabled;
  GRand         *fault_rand;
};

/* One request after routing: path segments below /api/v1, percent-decoded. */
typedef struct
{
  WhServer          *server;
  SoupServerMessage *msg;
  const char        *method;
  GStrv              segments;
  GHashTable        *query;   /* may be NULL */
  GBytes            *body;    /* may be NULL */
  WhFault            fault;   /* what the fault injector picked for this request */
  /* Set by wh_request_authenticate */
  gint64             user_id;
  char              *token_hash;
  gint64             token_expires_s;
} WhRequest;

typedef void (*WhHandler) (WhServer  *self,
                           WhRequest *req);

/* Responses */
void      wh_server_respond_json    (SoupServerMessage *msg,
                                     guint              status,
                                     char              *body);
void      wh_server_respond_error   (SoupServerMessage *msg,
                                     guint              status,
                                     const char        *code,
                                     const char        *message);
void      wh_server_respond_retry   (SoupServerMessage *msg,
                                     guint              status,
                                     const char        *code,
                                     const char        *message,
                                     guint              retry_after_s);
/* A 500 after a database failure; logs the cause, never sends it. */
void      wh_server_respond_db_error (WhServer          *self,
                                      SoupServerMessage *msg,
                                      GError            *error);

/* HTTP level (wh-server-http.c), for every message from its start: the
 * JSON error body of a request libsoup cannot parse, and a 400 that closes
 * the connection for a body whose length is ambiguous. */
void      wh_server_http_request_started (WhServer          *self,
                                          SoupServerMessage *msg);

/* Request bodies: a JSON object parsed with the shared bounds, or NULL after
 * a 400 was sent. */
JsonNode *wh_request_parse_body     (WhRequest         *req);
/* A document of a user collection parsed from the body, or NULL after a 400. */
WhRecord *wh_request_parse_record   (WhRequest         *req,
                                     const WhCollection *collection);
/* The signed-in user, or 0 after a 401 was sent. */
gint64    wh_request_authenticate   (WhRequest         *req);
/* Counts an anonymous write against its client address's hourly limit, in
 * the caller's transaction; FALSE after a 429 or a database error was sent
 * (the caller rolls back). */
gboolean  wh_server_count_anonymous (WhServer          *self,
                                     WhRequest         *req);
/* The same for one more text message of a voucher's code (a few a day). */
gboolean  wh_server_count_voucher_sms (WhServer        *self,
                                       WhRequest       *req,
                                       const char      *voucher_id);
/* 138****8000: enough to find a line in a log, not a phone number. */
char     *wh_server_mask_phone      (const char        *phone);

/* Time: the server's clock, in microseconds since the epoch. */
gint64     wh_server_now_us         (WhServer          *self);
GDateTime *wh_server_now_cst        (WhServer          *self);
GDateTime *wh_server_datetime_cst   (gint64             unix_s);
char      *wh_server_format_time    (gint64             unix_s);
/* YYYY-MM-DD of the day in China Standard Time. */
char      *wh_server_today          (WhServer          *self);
/* Seconds since the epoch for an ISO 8601 date-time, or G_MININT64. */
gint64     wh_server_parse_time     (const char        *iso);

/* Randomness for secrets: the kernel's CSPRNG. */
void       wh_server_random_bytes   (guint8            *buf,
                                     gsize              len);
char      *wh_server_sha256_hex     (const void        *data,
                                     gsize              len);
gboolean   wh_server_equal_constant_time (const char   *a,
                                          const char   *b);

/* A keyed hash (HMAC-SHA256 under the server's secret), hex. */
char      *wh_server_hmac_hex       (WhServer          *self,
                                     const char        *data);

/* Transactions on the server's one connection. */
gboolean   wh_server_begin          (WhServer          *self,
                                     gboolean           write,
                                     GError           **error);
gboolean   wh_server_commit         (WhServer          *self,
                                     GError           **error);
void       wh_server_rollback       (WhServer          *self);

/* The prune timer (wh-server-prune.c), on the thread-default main context. */
void       wh_server_start_pruning  (WhServer          *self);
void       wh_server_stop_pruning   (WhServer          *self);
/* Connections (wh-server-net.c) */
/* The key a client's limits are kept under: an IPv4 address, or an IPv6
 * address's /64 ("2001:db8:1:2::/64"); IPv4-mapped IPv6 is IPv4. */
char      *wh_server_client_key     (GInetAddress      *address);
/* The key of the client that sent msg: behind a trusted proxy, the
 * address it forwarded in X-Forwarded-For. NULL when unknown. */
char      *wh_server_client_for_message (WhServer        *self,
                                         SoupServerMessage *msg);
guint      wh_server_net_max_connections (WhServer       *self);
void       wh_server_net_init       (WhServer          *self);
gboolean   wh_server_net_listen     (WhServer          *self,
                                     GSocket           *socket,
                                     GError           **error);
void       wh_server_net_request_started (WhServer     *self,
                                          SoupServerMessage *msg);
void       wh_server_net_reschedule (WhServer          *self);
void       wh_server_net_stop       (WhServer          *self);
void       wh_server_net_finalize   (WhServer          *self);

/* Feeds (wh-server-feeds.c): the region condition of CONTRACT.md (the
 * column to compare, or NULL for a bad code), and If-None-Match. */
const char *wh_server_region_column (const char        *text,
                                     gint64            *code);
gboolean   wh_server_etag_matches   (SoupServerMessage *msg,
                                     const char        *etag);
/* Snapshots (wh-server-snapshot.c): drops them, their files and folder. */
void       wh_server_snapshots_free (WhServer          *self);

/* Endpoint groups */
void wh_server_handle_changes        (WhServer *self, WhRequest *req);
void wh_server_handle_snapshot       (WhServer *self, WhRequest *req);
void wh_server_handle_media          (WhServer *self, WhRequest *req);
void wh_server_handle_auth_code      (WhServer *self, WhRequest *req);
void wh_server_handle_auth_login     (WhServer *self, WhRequest *req);
void wh_server_handle_auth_logout    (WhServer *self, WhRequest *req);
void wh_server_handle_me             (WhServer *self, WhRequest *req);
void wh_server_handle_voucher_claim  (WhServer *self, WhRequest *req);
void wh_server_handle_voucher_list   (WhServer *self, WhRequest *req);
void wh_server_handle_voucher_sms    (WhServer *self, WhRequest *req);
void wh_server_handle_redeem         (WhServer *self, WhRequest *req);
void wh_server_handle_progress_put   (WhServer *self, WhRequest *req);
void wh_server_handle_progress_list  (WhServer *self, WhRequest *req);
void wh_server_handle_quiz_put       (WhServer *self, WhRequest *req);
void wh_server_handle_quiz_list      (WhServer *self, WhRequest *req);
void wh_server_handle_review_put     (WhServer *self, WhRequest *req);
void wh_server_handle_review_list    (WhServer *self, WhRequest *req);
void wh_server_handle_bookmark_put   (WhServer *self, WhRequest *req);
void wh_server_handle_bookmark_delete (WhServer *self, WhRequest *req);
void wh_server_handle_bookmark_list  (WhServer *self, WhRequest *req);
void wh_server_handle_report_put     (WhServer *self, WhRequest *req);
void wh_server_handle_voucher_keys   (WhServer *self, WhRequest *req);
void wh_server_handle_counter_pair   (WhServer *self, WhRequest *req);
void wh_server_handle_counter_day    (WhServer *self, WhRequest *req);
void wh_server_handle_counter_redemptions (WhServer *self, WhRequest *req);

/* Vouchers: the QR payload's signature, and the merchants' keys. */
char      *wh_server_sign           (WhServer          *self,
                                     const char        *data);
/* The check a redeem request's payload (what a merchant's scanner read)
 * goes through first: form and signature. For the fuzz target too. */
gboolean   wh_server_verify_voucher_payload (WhServer    *self,
                                             const char  *payload,
                                             char       **voucher_id,
                                             gint64      *merchant_id);

/* The counters' tables (wh-server-counter.c), made at start. */
gboolean   wh_server_counter_init   (WhServer          *self,
                                     GError           **error);
/* The voucher signing key (wh-server-keys.c): loaded or made at start. */
gboolean   wh_server_keys_load      (WhServer          *self,
                                     GError           **error);
/* A voucher's payload signed with the current key. */
char      *wh_server_sign_voucher   (WhServer          *self,
                                     const WhVoucherPayload *fields);
/* The public keys published today (WhVoucherKey*); with all, also those
 * retired since, which still check a voucher uploaded late. */
GPtrArray *wh_server_signing_keys   (WhServer          *self,
                                     gboolean           all);
/* "keys": [...] as GET /voucher-keys gives it, into an object being built. */
void       wh_server_add_keys_json  (WhServer          *self,
                                     JsonBuilder       *builder);

G_END_DECLS
