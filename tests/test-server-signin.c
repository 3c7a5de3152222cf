/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The reference backend's sign-in (src/server/wh-server-auth.c): codes,
 * logins, tokens and eligibility, with real HTTP requests. Its defences
 * against abuse are in test-server-auth.c. */
#include "config.h"

#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#include "wh-codec.h"
#include "wh-test-http.h"
#include "wh-test-server.h"
#include "wh-test.h"

/* ------------------------------------------------------------------------ */
/* Sign-in */

static void
test_auth_code_login (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) sent = NULL;
  g_autoptr(Response) again = NULL;
  g_autoptr(Response) login = NULL;
  g_autoptr(Response) reuse = NULL;
  g_autoptr(Response) me = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(WhRecord) me_record = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *code = NULL;
  g_autofree char *body = NULL;
  g_autofree char *token = NULL;
  JsonObject *object;

  wh_test_server_set_time (ts, cst_time_us (20, 9, 0));
  sent = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
  g_assert_cmpuint (sent->status, ==, 200);
  root = parse_json (sent);
  object = json_node_get_object (root);
  g_assert_true (json_object_get_boolean_member (object, "sent"));
  g_assert_cmpint (json_object_get_int_member (object, "expires_in"), ==, 300);
  g_assert_cmpint (json_object_get_int_member (object, "resend_after"), ==, 60);

  /* Another code within a minute is refused, with when to ask again. */
  wh_test_server_advance (ts, 20);
  again = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
  assert_error (again, 429, "too_many_requests");
  g_assert_cmpstr (soup_message_headers_get_one (again->headers, "Retry-After"), ==, "40");

  code = wh_test_server_get_last_code (ts, "13800138000");
  g_assert_nonnull (code);
  g_assert_cmpuint (strlen (code), ==, 6);
  body = g_strdup_printf ("{\"phone\": \"13800138000\", \"code\": \"%s\"}", code);
  login = post_json (session, ts, "auth/login", body);
  g_assert_cmpuint (login->status, ==, 200);
  token = json_string_member (login, "token");
  g_assert_cmpuint (strlen (token), ==, 43); /* 32 bytes, base64url without padding */
  {
    g_autofree char *expires = json_string_member (login, "expires_at");
    g_assert_cmpstr (expires, ==, "2026-12-20T09:00:20+08:00");
  }

  /* One time only. */
  reuse = post_json (session, ts, "auth/login", body);
  assert_error (reuse, 401, "invalid_code");

  me = authed (session, ts, "GET", "me", token, NULL);
  g_assert_cmpuint (me->status, ==, 200);
  me_record = wh_record_parse (&wh_collection_me, me->body, me->length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wh_record_get_text (me_record, "phone"), ==, "13800138000");
  g_assert_true (wh_record_get_bool (me_record, "eligible"));
  g_assert_cmpstr (wh_record_get_text (me_record, "token_expires_at"), ==,
                   "2026-12-20T09:00:20+08:00");

  /* A resend is fine after the minute. */
  wh_test_server_advance (ts, 41);
  {
    g_autoptr(Response) later = post_json (session, ts, "auth/code", "{\"phone\": \"13800138000\"}");
    g_assert_cmpuint (later->status, ==, 200);
  }

  /* Malformed requests. */
  {
    const char *bad_code[] = { "{\"phone\": \"23800138000\"}", "{\"phone\": \"1380013800\"}",
                               "{\"phone\": 13800138000}", "{\"phone\": \"1380013800a\"}",
                               "{}", "[]", "not json", "{\"phone\": \"138001380001\"}" };
    for (guint i = 0; i < G_N_ELEMENTS (bad_code); i++)
      {
        g_autoptr(Response) r = post_json (session, ts, "auth/code", bad_code[i]);
        assert_error (r, 400, "bad_request");
      }
  }
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login", "{\"phone\": \"13800138000\"}");
    assert_error (r, 400, "bad_request");
  }
}

static void
test_auth_attempts (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autoptr(Response) sent = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
  g_autofree char *code = wh_test_server_get_last_code (ts, "13912345670");
  g_autofree char *right = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}", code);
  g_autofree char *wrong_code = g_strdup_printf ("%06d", (atoi (code) + 1) % 1000000);
  g_autofree char *wrong = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                            wrong_code);

  g_assert_cmpuint (sent->status, ==, 200);
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(Response) r = post_json (session, ts, "auth/login", wrong);
      assert_error (r, 401, "invalid_code");
    }
  /* The fifth wrong try voided the code: the right one fails now too. */
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login", right);
    assert_error (r, 401, "invalid_code");
  }

  /* Four wrong tries leave the code usable. */
  wh_test_server_advance (ts, 61);
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
    g_autofree char *code2 = wh_test_server_get_last_code (ts, "13912345670");
    g_autofree char *right2 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                               code2);
    g_autofree char *wrong2 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%06d\"}",
                                               (atoi (code2) + 1) % 1000000);
    g_assert_cmpuint (r->status, ==, 200);
    for (guint i = 0; i < 4; i++)
      {
        g_autoptr(Response) w = post_json (session, ts, "auth/login", wrong2);
        assert_error (w, 401, "invalid_code");
      }
    {
      g_autoptr(Response) ok = post_json (session, ts, "auth/login", right2);
      g_assert_cmpuint (ok->status, ==, 200);
    }
  }

  /* A code expires after 300 s. */
  wh_test_server_advance (ts, 61);
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/code", "{\"phone\": \"13912345670\"}");
    g_autofree char *code3 = wh_test_server_get_last_code (ts, "13912345670");
    g_autofree char *right3 = g_strdup_printf ("{\"phone\": \"13912345670\", \"code\": \"%s\"}",
                                               code3);
    g_assert_cmpuint (r->status, ==, 200);
    wh_test_server_advance (ts, 301);
    {
      g_autoptr(Response) late = post_json (session, ts, "auth/login", right3);
      assert_error (late, 401, "invalid_code");
    }
  }
  /* No code asked for at all. */
  {
    g_autoptr(Response) r = post_json (session, ts, "auth/login",
                                       "{\"phone\": \"13700000000\", \"code\": \"123456\"}");
    assert_error (r, 401, "invalid_code");
  }
}

static void
test_auth_tokens (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();
  g_autofree char *token = NULL;
  g_autofree char *other = NULL;

  wh_test_server_set_time (ts, cst_time_us (20, 9, 0));
  wh_test_server_set_token_ttl (ts, 100);
  token = sign_in (session, ts, "13800000001");
  other = sign_in (session, ts, "13800000001");
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", token, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  /* Missing, malformed and unknown tokens. */
  {
    g_autofree char *url = api_url (ts, "me");
    g_autoptr(Response) none = request (session, "GET", url, NULL, NULL);
    g_autoptr(Response) basic = request (session, "GET", url, NULL, "Authorization",
                                         "Basic dXNlcjpwYXNz", NULL);
    g_autoptr(Response) unknown = authed (session, ts, "GET", "me", "bm90LWEtdG9rZW4", NULL);
    assert_error (none, 401, "unauthorized");
    assert_error (basic, 401, "unauthorized");
    assert_error (unknown, 401, "unauthorized");
  }

  /* Logout voids that token at once, and only that one. */
  {
    g_autoptr(Response) out = authed (session, ts, "POST", "auth/logout", token, NULL);
    g_autoptr(Response) after = authed (session, ts, "GET", "me", token, NULL);
    g_autoptr(Response) still = authed (session, ts, "GET", "me", other, NULL);
    g_autoptr(Response) twice = authed (session, ts, "POST", "auth/logout", token, NULL);
    g_assert_cmpuint (out->status, ==, 204);
    assert_error (after, 401, "unauthorized");
    g_assert_cmpuint (still->status, ==, 200);
    assert_error (twice, 401, "unauthorized");
  }

  /* Expiry. */
  wh_test_server_advance (ts, 99);
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", other, NULL);
    g_assert_cmpuint (r->status, ==, 200);
  }
  wh_test_server_advance (ts, 1);
  {
    g_autoptr(Response) r = authed (session, ts, "GET", "me", other, NULL);
    assert_error (r, 401, "unauthorized");
  }
}

static void
test_auth_eligibility (void)
{
  g_autoptr(WhTestServer) ts = start_empty ();
  g_autoptr(SoupSession) session = new_session ();

  for (int digit = 0; digit <= 9; digit++)
    {
      g_autofree char *phone = g_strdup_printf ("1380000000%d", digit);
      g_autofree char *token = sign_in (session, ts, phone);
      g_autoptr(Response) r = authed (session, ts, "GET", "me", token, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(WhRecord) me = wh_record_parse (&wh_collection_me, r->body, r->length, &error);

      g_assert_no_error (error);
      g_assert_cmpint (wh_record_get_bool (me, "union_member"), ==, digit <= 8);
      g_assert_cmpint (wh_record_get_bool (me, "new_form_worker"), ==, digit <= 7);
      g_assert_cmpint (wh_record_get_bool (me, "eligible"), ==, digit <= 7);
    }
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init (&argc, &argv);

  g_test_add_func ("/server/auth/code-login", test_auth_code_login);
  g_test_add_func ("/server/auth/attempts-and-expiry", test_auth_attempts);
  g_test_add_func ("/server/auth/tokens", test_auth_tokens);
  g_test_add_func ("/server/auth/eligibility", test_auth_eligibility);

  return g_test_run ();
}
