/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-idempotency.h: the Idempotency-Key of a request that spends something
 * (claiming a voucher), one rule for both sides: the client checks the key
 * it sends with it, the server refuses what it breaks (400). Written once
 * here so the two cannot drift apart (data/api/CONTRACT.md states it). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest key the contract allows. */
#define WH_IDEMPOTENCY_KEY_MAX 64

/* A new random key (a UUID, 36 characters), valid by the rule below. */
char     *wh_idempotency_key_new      (void);
/* 1 to WH_IDEMPOTENCY_KEY_MAX characters of A-Z, a-z, 0-9, '-' and '_'. */
gboolean  wh_idempotency_key_is_valid (const char *key);

G_END_DECLS
