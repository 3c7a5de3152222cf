/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-vouchers.c: the claim protocol and the worker's love-meal data in the
 * store (wh-vouchers.h). */
#define G_LOG_DOMAIN "wh-vouchers"

#include "config.h"

#include "wh-idempotency.h"
#include "wh-vouchers.h"

/* ---- Store work off the main thread ------------------------------------- */

/* Writes wait for the store's single writer, which a sync may hold for a
 * page: never on the main thread. */
typedef struct
{
  WhStore  *store;
  gint64    merchant_id;
  char     *day;
  char     *new_key;
  WhRecord *record;     /* voucher or me */
  GPtrArray *records;   /* vouchers from the server */
  int       op;
} StoreOp;

enum
{
  OP_BEGIN_CLAIM,
  OP_FINISH_CLAIM,
  OP_REPLACE_VOUCHERS,
  OP_SET_ME,
  OP_FORGET_SIGNED_IN,
};

static void
store_op_free (StoreOp *op)
{
  g_clear_object (&op->store);
  g_free (op->day);
  g_free (op->new_key);
  g_clear_pointer (&op->record, wh_record_free);
  g_clear_pointer (&op->records, g_ptr_array_unref);
  g_free (op);
}

static StoreOp *
store_op_new (WhStore *store,
              int      kind)
{
  StoreOp *op = g_new0 (StoreOp, 1);

  op->store = g_object_ref (store);
  op->op = kind;
  return op;
}

static void
store_op_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  StoreOp *op = task_data;
  WhStore *store = op->store;
  GError *error = NULL;
  char *key;

  switch (op->op)
    {
    case OP_BEGIN_CLAIM:
      key = wh_store_begin_claim (store, op->merchant_id, op->day, op->new_key, &error);
      if (key == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, key, g_free);
      return;
    case OP_FINISH_CLAIM:
      if (!wh_store_finish_claim (store, op->merchant_id, op->day, op->record, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_REPLACE_VOUCHERS:
      if (!wh_store_replace_vouchers (store, op->records, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_SET_ME:
      if (!wh_store_set_me (store, op->record, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    case OP_FORGET_SIGNED_IN:
      if (!wh_store_forget_signed_in (store, &error))
        g_task_return_error (task, error);
      else
        g_task_return_boolean (task, TRUE);
      return;
    default:
      g_assert_not_reached ();
    }
}

static void
store_op_run (StoreOp             *op,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data,
              gpointer             source_tag)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, op, (GDestroyNotify) store_op_free);
  /* A write that began is seen through: its callback tells how it ended. */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, store_op_thread);
}

static gboolean
store_op_finish (GAsyncResult *result,
                 gpointer      source_tag,
                 GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- Claiming ----------------------------------------------------------- */

typedef struct
{
  WhStore  *store;
  WhApi    *api;
  gint64    merchant_id;
  char     *day;
  WhRecord *voucher;  /* the server's answer */
  GError   *refusal;  /* or its definite no */
} Claim;

static void
claim_free (Claim *claim)
{
  g_clear_object (&claim->store);
  g_clear_object (&claim->api);
  g_free (claim->day);
  g_clear_pointer (&claim->voucher, wh_record_free);
  g_clear_error (&claim->refusal);
  g_free (claim);
}

static void
claim_stored_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Claim *claim = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    /* The voucher is shown even so; the server has it too. */
    g_warning ("Could not save the voucher: %s", error->message);
  if (claim->voucher != NULL)
    g_task_return_pointer (task, g_steal_pointer (&claim->voucher),
                           (GDestroyNotify) wh_record_free);
  else
    g_task_return_error (task, g_steal_pointer (&claim->refusal));
}

static void
claim_answer_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Claim *claim = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(WhRecord) voucher = wh_api_claim_voucher_finish (WH_API (source), result, &error);
  StoreOp *op;

  if (voucher == NULL &&
      (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
       wh_api_error_is_transient (error) ||
       g_error_matches (error, WH_API_ERROR, WH_API_ERROR_UNAUTHORIZED)))
    {
      /* The key stays: the next try asks for the same voucher. */
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A voucher, or a definite no: this claim is over. The voucher and the
   * end of the claim commit together. Not cancellable: a voucher the server
   * gave is always kept. */
  op = store_op_new (claim->store, OP_FINISH_CLAIM);
  op->merchant_id = claim->merchant_id;
  op->day = g_strdup (claim->day);
  if (voucher != NULL)
    op->record = wh_record_copy (voucher);
  claim->voucher = g_steal_pointer (&voucher);
  claim->refusal = g_steal_pointer (&error);
  store_op_run (op, NULL, claim_stored_cb, g_steal_pointer (&task), wh_vouchers_claim_async);
}

static void
claim_key_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Claim *claim = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  GError *error = NULL;
  g_autofree char *key = g_task_propagate_pointer (G_TASK (result), &error);

  if (key == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (wh_api_get_token (claim->api) == NULL)
    {
      /* Signed out while the key was written: nothing is asked for. */
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Signed out before the claim was sent");
      return;
    }
  wh_api_claim_voucher_async (claim->api, claim->merchant_id, key, cancellable, claim_answer_cb,
                              g_steal_pointer (&task));
}

void
wh_vouchers_claim_async (WhStore            *store,
                         WhApi              *api,
                         gint64              merchant_id,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  Claim *claim;
  StoreOp *op;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (WH_IS_API (api));
  g_return_if_fail (merchant_id > 0);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_vouchers_claim_async);
  claim = g_new0 (Claim, 1);
  claim->store = g_object_ref (store);
  claim->api = g_object_ref (api);
  claim->merchant_id = merchant_id;
  claim->day = wh_api_service_day ();
  g_task_set_task_data (task, claim, (GDestroyNotify) claim_free);

  /* The key is on disk before the request leaves: a crash or a lost answer
   * and the next tap sends the same key. */
  op = store_op_new (store, OP_BEGIN_CLAIM);
  op->merchant_id = merchant_id;
  op->day = g_strdup (claim->day);
  op->new_key = wh_idempotency_key_new ();
  store_op_run (op, cancellable, claim_key_cb, g_steal_pointer (&task), wh_vouchers_claim_async);
}

WhRecord *
wh_vouchers_claim_finish (GAsyncResult *result,
                          GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == wh_vouchers_claim_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- The worker's vouchers from the server ------------------------------ */

static void
refresh_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
refresh_listed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  WhStore *store = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GPtrArray) vouchers = wh_api_list_vouchers_finish (WH_API (source), result, &error);
  GCancellable *cancellable = g_task_get_cancellable (task);
  StoreOp *op;

  if (vouchers == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  op = store_op_new (store, OP_REPLACE_VOUCHERS);
  op->records = g_steal_pointer (&vouchers);
  store_op_run (op, cancellable, refresh_saved_cb, g_steal_pointer (&task),
                wh_vouchers_refresh_async);
}

void
wh_vouchers_refresh_async (WhStore            *store,
                           WhApi              *api,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (WH_IS_STORE (store));
  g_return_if_fail (WH_IS_API (api));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_vouchers_refresh_async);
  g_task_set_task_data (task, g_object_ref (store), g_object_unref);
  wh_api_list_vouchers_async (api, cancellable, refresh_listed_cb, g_steal_pointer (&task));
}

gboolean
wh_vouchers_refresh_finish (GAsyncResult *result,
                            GError      **error)
{
  return store_op_finish (result, wh_vouchers_refresh_async, error);
}

/* ---- The signed-in worker ------------------------------------------------ */

void
wh_vouchers_save_me_async (WhStore            *store,
                           const WhRecord     *me,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  StoreOp *op;

  g_return_if_fail (WH_IS_STORE (store));

  op = store_op_new (store, OP_SET_ME);
  op->record = me ? wh_record_copy (me) : NULL;
  store_op_run (op, cancellable, callback, user_data, wh_vouchers_save_me_async);
}

gboolean
wh_vouchers_save_me_finish (GAsyncResult *result,
                            GError      **error)
{
  return store_op_finish (result, wh_vouchers_save_me_async, error);
}

void
wh_vouchers_forget_async (WhStore            *store,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_return_if_fail (WH_IS_STORE (store));

  store_op_run (store_op_new (store, OP_FORGET_SIGNED_IN), cancellable, callback, user_data,
                wh_vouchers_forget_async);
}

gboolean
wh_vouchers_forget_finish (GAsyncResult *result,
                           GError      **error)
{
  return store_op_finish (result, wh_vouchers_forget_async, error);
}

/* ---- Reading a voucher --------------------------------------------------- */

const char *
wh_voucher_get_status (const WhRecord *voucher,
                       const char     *today)
{
  const char *status;

  g_return_val_if_fail (voucher != NULL, NULL);
  g_return_val_if_fail (today != NULL, NULL);

  status = wh_record_get_text (voucher, "status");
  if (g_strcmp0 (status, "unused") == 0 &&
      g_strcmp0 (wh_record_get_text (voucher, "day"), today) < 0)
    return "expired";
  return status;
}

const WhRecord *
wh_vouchers_find_day (GPtrArray  *vouchers,
                      const char *day)
{
  for (guint i = 0; vouchers && i < vouchers->len; i++)
    {
      const WhRecord *v = g_ptr_array_index (vouchers, i);

      if (g_strcmp0 (wh_record_get_text (v, "day"), day) == 0)
        return v;
    }
  return NULL;
}
