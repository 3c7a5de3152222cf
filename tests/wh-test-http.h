/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-test-http.h: what the server's tests that speak HTTP share
 * (test-server.c, test-server-feeds.c, -signin.c, -vouchers.c, -user.c).
 * They were test-server.c's own helpers and keep their short names.
 */
#pragma once

#include <libsoup/soup.h>

#include "wh-codec.h"
#include "wh-test-server.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* HTTP helpers */

typedef struct
{
  guint               status;
  char               *body;   /* NUL-terminated copy */
  gsize               length;
  SoupMessageHeaders *headers;
  GError             *error;  /* transport error, status 0 */
} Response;

void          response_free      (Response           *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Response, response_free)

SoupSession  *new_session        (void);
/* headers: name, value, ..., NULL. body NULL sends none. */
Response     *request_full       (SoupSession        *session,
                                  const char         *method,
                                  const char         *url,
                                  const char         *body,
                                  gsize               body_len,
                                  va_list             headers);
Response     *request            (SoupSession        *session,
                                  const char         *method,
                                  const char         *url,
                                  const char         *body,
                                  ...);
char         *api_url            (WhTestServer       *ts,
                                  const char         *path);
/* Every non-2xx response (but 304) carries {"error": {"code", "message"}}. */
void          assert_error       (Response           *r,
                                  guint               status,
                                  const char         *code);
JsonNode     *parse_json         (Response           *r);

/* ------------------------------------------------------------------------ */
/* Records */

WhRecord     *make_job           (gint64              id,
                                  gint64              adcode,
                                  const char         *title);
void          put_job            (WhTestServer       *ts,
                                  gint64              id,
                                  gint64              adcode,
                                  const char         *title);
WhPage       *get_page           (SoupSession        *session,
                                  WhTestServer       *ts,
                                  const char         *collection,
                                  const char         *query);
WhTestServer *start_empty        (void);

/* ------------------------------------------------------------------------ */
/* Sign-in */

/* A day of November 2026 at hour:minute in China Standard Time. */
gint64        cst_time_us        (int                 day,
                                  int                 hour,
                                  int                 minute);
char         *json_string_member (Response           *r,
                                  const char         *name);
Response     *post_json          (SoupSession        *session,
                                  WhTestServer       *ts,
                                  const char         *path,
                                  const char         *body);
/* Signs in with the demo code and returns the bearer token. */
char         *sign_in            (SoupSession        *session,
                                  WhTestServer       *ts,
                                  const char         *phone);
Response     *authed             (SoupSession        *session,
                                  WhTestServer       *ts,
                                  const char         *method,
                                  const char         *path,
                                  const char         *token,
                                  const char         *body);

/* ------------------------------------------------------------------------ */
/* Raw requests */

/* Sends bytes as they are, for requests a well-behaved client never makes.
 * Returns the status and sets body to what follows the headers. */
guint         raw_request        (WhTestServer       *ts,
                                  const char         *text,
                                  char              **body);
void          assert_error_text  (const char         *body,
                                  const char         *code);

G_END_DECLS
