/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Temporary: endpoints that land in the next commits answer 503. */
#define G_LOG_DOMAIN "wh-server"

#include "config.h"

#include "wh-server-private.h"

#define PENDING(name) \
  void name (WhServer *self, WhRequest *req) \
  { wh_server_respond_retry (req->msg, 503, "unavailable", "Not implemented yet.", 60); }

PENDING (wh_server_handle_auth_code)
PENDING (wh_server_handle_auth_login)
PENDING (wh_server_handle_auth_logout)
PENDING (wh_server_handle_me)
PENDING (wh_server_handle_voucher_claim)
PENDING (wh_server_handle_voucher_list)
PENDING (wh_server_handle_redeem)
PENDING (wh_server_handle_progress_put)
PENDING (wh_server_handle_progress_list)
PENDING (wh_server_handle_quiz_put)
PENDING (wh_server_handle_quiz_list)
PENDING (wh_server_handle_bookmark_put)
PENDING (wh_server_handle_bookmark_delete)
PENDING (wh_server_handle_bookmark_list)
PENDING (wh_server_handle_report_put)

gint64
wh_request_authenticate (WhRequest *req)
{
  return 0;
}
