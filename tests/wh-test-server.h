/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-server.h: the reference backend on a thread of its own, for tests.
 *
 * The server gets a private temporary database and listens on 127.0.0.1 on
 * a free port, running its own GMainContext in its own thread, so a test can
 * use blocking HTTP calls (or its own main loop) against it. Everything that
 * touches the WhServer goes through wh_test_server_run, which runs a function
 * on the server's thread and waits for it.
 */
#pragma once

#include "wh-api.h"
#include "wh-server.h"
#include "wh-store.h"
#include "wh-sync.h"

G_BEGIN_DECLS

/* Every phone may sign in with this code on a test server. */
#define WH_TEST_SERVER_DEMO_CODE "246810"

typedef struct _WhTestServer WhTestServer;

typedef void (*WhTestServerFunc) (WhServer *server,
                                  gpointer  user_data);

/* scale: "tiny" fills the database with the demo generator (seed 1); NULL
 * starts with empty collections. */
WhTestServer *wh_test_server_start        (const char       *scale,
                                           GError          **error);
/* Stops the server if it runs, and deletes its database. */
void          wh_test_server_free         (WhTestServer     *self);

/* "http://127.0.0.1:PORT", without a trailing slash; stays the same across
 * stop and restart. */
const char   *wh_test_server_get_url      (WhTestServer     *self);
guint         wh_test_server_get_port     (WhTestServer     *self);
const char   *wh_test_server_get_db_path  (WhTestServer     *self);

/* Stops listening and closes every connection at once, as a crashed server
 * would; the database stays. restart serves it again on the same port. */
void          wh_test_server_stop         (WhTestServer     *self);
gboolean      wh_test_server_restart      (WhTestServer     *self,
                                           GError          **error);
gboolean      wh_test_server_is_running   (WhTestServer     *self);

/* Runs func on the server's thread and returns when it has returned. */
void          wh_test_server_run          (WhTestServer     *self,
                                           WhTestServerFunc  func,
                                           gpointer          user_data);

/* The server's clock, shared by every restart: unix_us 0 is the real time. */
void          wh_test_server_set_time     (WhTestServer     *self,
                                           gint64            unix_us);
/* Moves a set clock (or the real time, which it then freezes) on. */
void          wh_test_server_advance      (WhTestServer     *self,
                                           gint64            seconds);

/* Conveniences over wh_test_server_run; each asserts success. */
void          wh_test_server_put_record   (WhTestServer     *self,
                                           WhRecord         *record);
void          wh_test_server_delete_record (WhTestServer       *self,
                                            const WhCollection *collection,
                                            gint64              id);
void          wh_test_server_set_faults   (WhTestServer     *self,
                                           const char       *spec);
void          wh_test_server_set_rate_limit (WhTestServer   *self,
                                             guint           per_second);
void          wh_test_server_set_token_ttl (WhTestServer    *self,
                                            gint64           seconds);
/* The last code the server sent to a phone (it keeps only a hash). */
char         *wh_test_server_get_last_code (WhTestServer    *self,
                                            const char      *phone);
/* wh_server_set_auth_limits; kept across restarts. */
void          wh_test_server_set_auth_limits (WhTestServer  *self,
                                              const char    *spec);
char         *wh_test_server_merchant_key (WhTestServer     *self,
                                           gint64            merchant_id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (WhTestServer, wh_test_server_free)

/* A client syncing with a test server: the server with the "tiny" demo
 * data, a cache in a fresh directory, an API client (retries short enough
 * for a test: set your own policy after) and a sync engine. A test's own
 * fixture embeds it first and passes itself to g_test_add. */
typedef struct
{
  WhTestServer *server;
  char         *dir;
  char         *cache_path;
  WhApi        *api;
  WhStore      *store;
  WhSync       *sync;
} WhTestClient;

void          wh_test_client_setup        (WhTestClient     *client);
/* Drops the client, lets pending callbacks run, stops the server and
 * removes the directory. */
void          wh_test_client_teardown     (WhTestClient     *client);

/* A test file whose fixture is a WhTestClient and nothing more: at file
 * scope, defines Fixture (the client as f->c), fixture_setup and
 * fixture_teardown, for g_test_add (path, Fixture, data, fixture_setup,
 * test, fixture_teardown). */
#define WH_TEST_CLIENT_FIXTURE                                                  \
  typedef struct                                                                \
  {                                                                             \
    WhTestClient c; /* first: g_test_add passes this fixture to its setup */    \
  } Fixture;                                                                    \
                                                                                \
  static void                                                                   \
  fixture_setup (Fixture      *f,                                               \
                 gconstpointer data)                                            \
  {                                                                             \
    wh_test_client_setup (&f->c);                                               \
  }                                                                             \
                                                                                \
  static void                                                                   \
  fixture_teardown (Fixture      *f,                                            \
                    gconstpointer data)                                         \
  {                                                                             \
    wh_test_client_teardown (&f->c);                                            \
  }

G_END_DECLS
