/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-server.h: the reference backend (data/api/CONTRACT.md) on a SoupServer.
 *
 * Runs on the thread-default main context it was created in. Tests create
 * it in a thread of their own, the app spawns the workers-home-server binary.
 */
#pragma once

#include <gio/gio.h>

#include "wh-record.h"

G_BEGIN_DECLS

#define WH_TYPE_SERVER (wh_server_get_type ())
G_DECLARE_FINAL_TYPE (WhServer, wh_server, WH, SERVER, GObject)

#define WH_SERVER_DEFAULT_HEADER_TIMEOUT 10
#define WH_SERVER_DEFAULT_BODY_TIMEOUT   30
#define WH_SERVER_DEFAULT_IDLE_TIMEOUT   60
#define WH_SERVER_DEFAULT_MAX_CONNECTIONS_PER_CLIENT 128
#define WH_SERVER_DEFAULT_AUTH_RATE_LIMIT 30

/* The server's clock, in microseconds since the epoch (UTC). Tests replace it
 * to test serving windows, token expiry and the change of day. */
typedef gint64 (*WhServerClock) (gpointer user_data);

WhServer   *wh_server_new                (const char     *db_path,
                                          GError        **error);
/* An extra one-time code that every phone number may use (demo and tests);
 * NULL disables it. */
void        wh_server_set_demo_code      (WhServer       *self,
                                          const char     *code);
void        wh_server_set_token_ttl      (WhServer       *self,
                                          gint64          seconds);
void        wh_server_set_clock          (WhServer       *self,
                                          WhServerClock   clock,
                                          gpointer        user_data);
/* Requests per second allowed per client address before 429; 0 = no limit. */
void        wh_server_set_rate_limit     (WhServer       *self,
                                          guint           per_second);
/* Region snapshots (GET /{collection}/snapshot): the largest file made
 * (uncompressed bytes; larger: 404, the client uses the feed), and how many
 * records of the collection may change after a snapshot's rev before the
 * next request makes it again. Defaults: 4 GiB, 10,000. */
void        wh_server_set_snapshot_limits (WhServer      *self,
                                           guint64        max_bytes,
                                           guint          max_lag);
/* Requests to /api/v1/auth/ per minute per client (also its burst) before
 * 429; 0 = no limit. */
void        wh_server_set_auth_rate_limit (WhServer      *self,
                                           guint          per_minute);
/* A proxy (IPv4 or IPv6 address) whose X-Forwarded-For names the client;
 * the per-client connection cap does not apply to it. */
gboolean    wh_server_add_trusted_proxy  (WhServer       *self,
                                          const char     *address,
                                          GError        **error);
/* Seconds a connection may take to send its first request's headers, a
 * request's body (or to read a piece of a response), and to wait idle for
 * its next request; then it is closed. */
void        wh_server_set_timeouts       (WhServer       *self,
                                          guint           header_s,
                                          guint           body_s,
                                          guint           idle_s);
/* Connections open at once in all (0: below RLIMIT_NOFILE, at most 4096)
 * and per client address (IPv6: per /64); more are answered 503. */
void        wh_server_set_max_connections (WhServer      *self,
                                           guint          total,
                                           guint          per_client);
/* Connections open now (for tests). */
guint       wh_server_get_n_connections  (WhServer       *self);
/* Raises the soft RLIMIT_NOFILE to the hard one, for a process that holds
 * many connections. */
gboolean    wh_server_raise_fd_limit     (void);
/* More requests than this between their body and their response (delayed
 * ones included) get 503 with Retry-After; default 256. Requests still
 * waiting for their body, and refused ones, do not count. */
void        wh_server_set_max_in_flight  (WhServer       *self,
                                          guint           max_requests);
/* "error=0.1,429=0.05,503=0.05,delay=0.1,delay_ms=1500,drop=0.05,malformed=0.05,seed=7".
 * Rates are probabilities 0..1, tried in the order error, 429, 503, drop,
 * malformed, delay; one fault at most per request, deterministic for a seed.
 * They apply to GET changes feeds and snapshots, or with "scope=all" to every /api/v1
 * route (drop and delay then happen after the request took effect, like a
 * response lost on the way). NULL or "" turns faults off. */
gboolean    wh_server_set_faults         (WhServer       *self,
                                          const char     *spec,
                                          GError        **error);
gboolean    wh_server_listen             (WhServer       *self,
                                          const char     *address,
                                          guint           port,
                                          GError        **error);
guint       wh_server_get_port           (WhServer       *self);
/* "http://127.0.0.1:PORT" */
char       *wh_server_get_base_url       (WhServer       *self);

/* For tests and the generator's callers: writes that bump rev like any other. */
gboolean    wh_server_put_record         (WhServer       *self,
                                          WhRecord       *record,
                                          GError        **error);
gboolean    wh_server_delete_record      (WhServer       *self,
                                          const WhCollection *collection,
                                          gint64          id,
                                          GError        **error);
/* The key a merchant's counter uses to redeem vouchers. */
char       *wh_server_merchant_key       (WhServer       *self,
                                          gint64          merchant_id);
/* A new voucher signing key: its seed replaces <database>.signing-key, the
 * old key signs nothing more but stays published until today ends. */
gboolean    wh_server_rotate_signing_key (WhServer       *self,
                                          GError        **error);
/* Delivers a one-time code to a phone: where an SMS gateway plugs in. The
 * server keeps only a keyed hash of the code. Without a sender the code is
 * logged (the demo has no gateway; tests read codes through a sender). */
typedef void (*WhServerCodeSender) (const char *phone,
                                    const char *code,
                                    gpointer    user_data);
void        wh_server_set_code_sender    (WhServer          *self,
                                          WhServerCodeSender sender,
                                          gpointer           user_data);
/* Sign-in limits, "phone-codes=5,phone-failures=10,client-codes=20,
 * client-failures=30,codes=2000": codes sent to one phone and wrong codes
 * tried for it per day (China Standard Time), codes and wrong codes per
 * client address per hour, codes sent to anyone per hour. 0 lifts a limit;
 * a name left out keeps its default; NULL or "" is every default. */
gboolean    wh_server_set_auth_limits    (WhServer       *self,
                                          const char     *spec,
                                          GError        **error);
/* Deletes expired tokens, codes, limit counters and idempotency records in
 * small transactions. The server does it on a timer (every prune_interval
 * seconds, default 600, and once soon after it starts); this runs it now. */
gboolean    wh_server_prune_expired      (WhServer       *self,
                                          GError        **error);
void        wh_server_set_prune_interval (WhServer       *self,
                                          guint           seconds);
/* Direct access to the database, on the server's thread only. */
gpointer    wh_server_get_db             (WhServer       *self);

G_END_DECLS
