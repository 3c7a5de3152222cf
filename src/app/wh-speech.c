/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-speech"

#include "config.h"

#include <glib/gi18n.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libspeechd.h>

#include "wh-speech.h"

struct _WhSpeech
{
  GObject parent_instance;

  /* Main thread */
  GMainContext  *context;      /* where ::event and the results arrive */
  WhSpeechState  state;
  char          *error;
  char          *socket_path;

  /* Jobs, in order, on one thread; only that thread touches conn (and
   * finalize, once the pool has drained). */
  GThreadPool   *pool;
  SPDConnection *conn;
  int            client_id;
};

G_DEFINE_FINAL_TYPE (WhSpeech, wh_speech, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_EVENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- Notifications, from libspeechd's thread ------------------------------ */

/* libspeechd's callbacks carry no user data, only the client id the server
 * gave the connection: client id -> GWeakRef to its WhSpeech. */
static GMutex      registry_lock;
static GHashTable *registry;

typedef struct
{
  WhSpeech     *self;
  guint         msg_id;
  WhSpeechEvent event;
  char         *mark;
} EventData;

static void
event_data_free (gpointer data)
{
  EventData *ev = data;

  g_object_unref (ev->self);
  g_free (ev->mark);
  g_free (ev);
}

static gboolean
deliver_event (gpointer data)
{
  EventData *ev = data;

  g_signal_emit (ev->self, signals[SIGNAL_EVENT], 0, ev->msg_id, (int) ev->event, ev->mark);
  return G_SOURCE_REMOVE;
}

static void
post_event (size_t        msg_id,
            size_t        client_id,
            WhSpeechEvent event,
            const char   *mark)
{
  WhSpeech *self = NULL;
  EventData *ev;
  int old_state;

  /* spd_close cancels this thread (pthread_cancel): never while it holds
   * the registry's lock or a main context's. */
  pthread_setcancelstate (PTHREAD_CANCEL_DISABLE, &old_state);
  g_mutex_lock (&registry_lock);
  if (registry)
    {
      GWeakRef *ref = g_hash_table_lookup (registry, GSIZE_TO_POINTER (client_id));

      if (ref)
        self = g_weak_ref_get (ref);
    }
  g_mutex_unlock (&registry_lock);
  if (self)
    {
      GSource *source = g_idle_source_new ();

      ev = g_new0 (EventData, 1);
      ev->self = self;
      ev->msg_id = (guint) msg_id;
      ev->event = event;
      ev->mark = g_strdup (mark);
      /* A source, never g_main_context_invoke: from a thread without a
       * context of its own, invoke runs the function right here whenever
       * the main thread is not iterating the context at that instant, and
       * the signal's handlers touch GTK. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, deliver_event, ev, event_data_free);
      g_source_set_static_name (source, "[wh] speech event");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
  pthread_setcancelstate (old_state, NULL);
}

static void
notification_cb (size_t              msg_id,
                 size_t              client_id,
                 SPDNotificationType type)
{
  WhSpeechEvent event;

  switch (type)
    {
    case SPD_EVENT_BEGIN: event = WH_SPEECH_EVENT_BEGIN; break;
    case SPD_EVENT_END: event = WH_SPEECH_EVENT_END; break;
    case SPD_EVENT_CANCEL: event = WH_SPEECH_EVENT_CANCEL; break;
    case SPD_EVENT_PAUSE: event = WH_SPEECH_EVENT_PAUSE; break;
    case SPD_EVENT_RESUME: event = WH_SPEECH_EVENT_RESUME; break;
    case SPD_EVENT_INDEX_MARK:
    default:
      return;
    }
  post_event (msg_id, client_id, event, NULL);
}

static void
index_mark_cb (size_t              msg_id,
               size_t              client_id,
               SPDNotificationType type,
               char               *index_mark)
{
  post_event (msg_id, client_id, WH_SPEECH_EVENT_MARK, index_mark);
}

static void
registry_set (int       client_id,
              WhSpeech *self)
{
  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_weak_ref_clear);
  if (self)
    {
      GWeakRef *ref = g_new0 (GWeakRef, 1);

      g_weak_ref_init (ref, self);
      g_hash_table_replace (registry, GSIZE_TO_POINTER ((gsize) client_id), ref);
    }
  else
    {
      GWeakRef *ref = g_hash_table_lookup (registry, GSIZE_TO_POINTER ((gsize) client_id));

      if (ref)
        {
          g_hash_table_steal (registry, GSIZE_TO_POINTER ((gsize) client_id));
          g_weak_ref_clear (ref);
          g_free (ref);
        }
    }
  g_mutex_unlock (&registry_lock);
}

/* ---- Jobs, on the worker thread ----------------------------------------- */

typedef enum
{
  JOB_OPEN,
  JOB_SAY,
  JOB_PAUSE,
  JOB_RESUME,
  JOB_CANCEL,
} JobKind;

typedef struct
{
  JobKind  kind;
  GTask   *task;  /* JOB_OPEN and JOB_SAY */
  char    *ssml;
  int      rate;
} Job;

static void
job_free (Job *job)
{
  g_clear_object (&job->task);
  g_free (job->ssml);
  g_free (job);
}

static void
close_connection (WhSpeech *self)
{
  if (self->conn == NULL)
    return;
  registry_set (self->client_id, NULL);
  spd_close (self->conn);
  self->conn = NULL;
}

static void
run_open (WhSpeech *self,
          GTask    *task)
{
  SPDConnectionAddress *address = NULL;
  char *error = NULL;
  const SPDNotification notes[] = { SPD_BEGIN, SPD_END, SPD_CANCEL, SPD_PAUSE, SPD_RESUME,
                                    SPD_INDEX_MARKS };

  if (self->conn)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->socket_path)
    {
      /* libspeechd frees what it allocates with free(). */
      address = calloc (1, sizeof *address);
      address->method = SPD_METHOD_UNIX_SOCKET;
      address->unix_socket_name = strdup (self->socket_path);
    }
  /* Autospawn: speech-dispatcher is started for the session when it is
   * installed and not running yet; that can take a second, here. */
  self->conn = spd_open2 ("workers-home", "read-aloud", NULL, SPD_MODE_THREADED, address, TRUE,
                          &error);
  SPDConnectionAddress__free (address);
  if (self->conn == NULL)
    {
      /* libspeechd's reason is English and technical: for the log. */
      g_message ("Cannot connect to speech-dispatcher: %s", error ? error : "unknown error");
      free (error);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "%s",
                               _("Reading aloud needs speech-dispatcher, which is not installed "
                                 "or did not start."));
      return;
    }
  free (error);
  self->conn->callback_begin = notification_cb;
  self->conn->callback_end = notification_cb;
  self->conn->callback_cancel = notification_cb;
  self->conn->callback_pause = notification_cb;
  self->conn->callback_resume = notification_cb;
  self->conn->callback_im = index_mark_cb;
  self->client_id = spd_get_client_id (self->conn);
  registry_set (self->client_id, self);
  for (guint i = 0; i < G_N_ELEMENTS (notes); i++)
    spd_set_notification_on (self->conn, notes[i]);
  /* Sentences are sent as SSML with an index mark before each, so the
   * page can follow the one being read. What the app reads is Chinese
   * (lessons, jobs, stations), so Mandarin whatever the UI's language. */
  if (spd_set_data_mode (self->conn, SPD_DATA_SSML) != 0 ||
      spd_set_language (self->conn, "zh") != 0)
    {
      close_connection (self);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               _("Reading aloud needs speech-dispatcher, which is not installed "
                                 "or did not start."));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
run_job (gpointer data,
         gpointer user_data)
{
  Job *job = data;
  WhSpeech *self = user_data;

  switch (job->kind)
    {
    case JOB_OPEN:
      run_open (self, job->task);
      break;
    case JOB_SAY:
      {
        int id;

        if (g_task_return_error_if_cancelled (job->task))
          break;
        if (self->conn == NULL)
          {
            g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED,
                                     "Not connected to speech-dispatcher");
            break;
          }
        /* One reading at a time: a page that starts reading ends the
         * other's (which gets its CANCEL event). */
        spd_cancel (self->conn);
        spd_set_voice_rate (self->conn, CLAMP (job->rate, -100, 100));
        id = spd_say (self->conn, SPD_TEXT, job->ssml);
        if (id < 0)
          {
            /* The server went away (libspeechd's thread has ended): the
             * next reading opens a new connection. */
            close_connection (self);
            g_task_return_new_error (job->task, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE,
                                     "speech-dispatcher did not take the message");
            break;
          }
        g_task_return_int (job->task, id);
      }
      break;
    case JOB_PAUSE:
      if (self->conn)
        spd_pause (self->conn);
      break;
    case JOB_RESUME:
      if (self->conn)
        spd_resume (self->conn);
      break;
    case JOB_CANCEL:
      if (self->conn)
        spd_cancel (self->conn);
      break;
    default:
      g_assert_not_reached ();
    }
  job_free (job);
}

static void
push_job (WhSpeech *self,
          JobKind   kind,
          GTask    *task,
          char     *ssml,
          int       rate)
{
  Job *job = g_new0 (Job, 1);

  job->kind = kind;
  job->task = task;
  job->ssml = ssml;
  job->rate = rate;
  g_thread_pool_push (self->pool, job, NULL);
}

/* ---- Main thread -------------------------------------------------------- */

static void
set_state (WhSpeech      *self,
           WhSpeechState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
open_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WhSpeech *self = WH_SPEECH (source);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_free (self->error);
      self->error = g_strdup (error->message);
      set_state (self, WH_SPEECH_STATE_UNAVAILABLE);
      return;
    }
  set_state (self, WH_SPEECH_STATE_READY);
}

void
wh_speech_open (WhSpeech *self)
{
  GTask *task;

  g_return_if_fail (WH_IS_SPEECH (self));

  if (self->state != WH_SPEECH_STATE_CLOSED)
    return;
  set_state (self, WH_SPEECH_STATE_OPENING);
  task = g_task_new (self, NULL, open_done_cb, NULL);
  g_task_set_source_tag (task, wh_speech_open);
  push_job (self, JOB_OPEN, task, NULL, 0);
}

WhSpeechState
wh_speech_get_state (WhSpeech *self)
{
  g_return_val_if_fail (WH_IS_SPEECH (self), WH_SPEECH_STATE_UNAVAILABLE);

  return self->state;
}

const char *
wh_speech_get_error (WhSpeech *self)
{
  g_return_val_if_fail (WH_IS_SPEECH (self), NULL);

  return self->state == WH_SPEECH_STATE_UNAVAILABLE ? self->error : NULL;
}

void
wh_speech_say_async (WhSpeech            *self,
                     const char          *ssml,
                     int                  rate,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (WH_IS_SPEECH (self));
  g_return_if_fail (ssml != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_speech_say_async);
  push_job (self, JOB_SAY, task, g_strdup (ssml), rate);
}

guint
wh_speech_say_finish (WhSpeech      *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  gssize id;

  g_return_val_if_fail (g_task_is_valid (result, self), 0);

  id = g_task_propagate_int (G_TASK (result), error);
  /* A connection that broke is opened again by the next reading. */
  if (id < 0 && error && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
    set_state (self, WH_SPEECH_STATE_CLOSED);
  return id < 0 ? 0 : (guint) id;
}

void
wh_speech_pause (WhSpeech *self)
{
  g_return_if_fail (WH_IS_SPEECH (self));

  push_job (self, JOB_PAUSE, NULL, NULL, 0);
}

void
wh_speech_resume (WhSpeech *self)
{
  g_return_if_fail (WH_IS_SPEECH (self));

  push_job (self, JOB_RESUME, NULL, NULL, 0);
}

void
wh_speech_cancel (WhSpeech *self)
{
  g_return_if_fail (WH_IS_SPEECH (self));

  push_job (self, JOB_CANCEL, NULL, NULL, 0);
}

static void
wh_speech_finalize (GObject *object)
{
  WhSpeech *self = WH_SPEECH (object);

  /* Jobs hold no reference (only their tasks do, and a task with a job
   * out keeps this object alive): what is queued runs, then the worker
   * ends, and only then is the connection closed. */
  g_thread_pool_free (self->pool, FALSE, TRUE);
  close_connection (self);
  g_free (self->error);
  g_free (self->socket_path);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (wh_speech_parent_class)->finalize (object);
}

static void
wh_speech_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  WhSpeech *self = WH_SPEECH (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_speech_class_init (WhSpeechClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = wh_speech_finalize;
  object_class->get_property = wh_speech_get_property;

  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, WH_SPEECH_STATE_CLOSED,
                                             WH_SPEECH_STATE_UNAVAILABLE, WH_SPEECH_STATE_CLOSED,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * WhSpeech::event:
   * @msg_id: the message's id (wh_speech_say_finish)
   * @event: a #WhSpeechEvent
   * @mark: (nullable): the index mark's name, for WH_SPEECH_EVENT_MARK
   */
  signals[SIGNAL_EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT,
                                        G_TYPE_INT, G_TYPE_STRING);

  /* libspeechd writes to its socket with write(): a server that went away
   * would kill the app with SIGPIPE. GSocket's class sets SIGPIPE to be
   * ignored, process-wide, for the same reason. */
  g_type_class_unref (g_type_class_ref (G_TYPE_SOCKET));
}

static void
wh_speech_init (WhSpeech *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->pool = g_thread_pool_new (run_job, self, 1, FALSE, NULL);
}

WhSpeech *
wh_speech_new (const char *socket_path)
{
  WhSpeech *self = g_object_new (WH_TYPE_SPEECH, NULL);

  self->socket_path = g_strdup (socket_path);
  return self;
}

WhSpeech *
wh_speech_get_default (void)
{
  static WhSpeech *speech;

  if (speech == NULL)
    speech = wh_speech_new (NULL);
  return speech;
}
