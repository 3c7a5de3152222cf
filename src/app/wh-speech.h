/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-speech.h: the app's connection to speech-dispatcher (libspeechd).
 *
 * libspeechd's calls wait for the server's answer on a socket, and its
 * notifications (begin, end, index marks) arrive on a thread of its own.
 * WhSpeech runs every call, opening the connection included, in order on
 * one worker thread of its own, so the main thread never waits for
 * speech-dispatcher (nor for its autospawn), and hands each notification
 * to the context that made it as ::event. Messages are SSML, spoken in
 * Mandarin. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  WH_SPEECH_EVENT_BEGIN,
  WH_SPEECH_EVENT_END,
  WH_SPEECH_EVENT_CANCEL,
  WH_SPEECH_EVENT_PAUSE,
  WH_SPEECH_EVENT_RESUME,
  WH_SPEECH_EVENT_MARK,
} WhSpeechEvent;

typedef enum
{
  WH_SPEECH_STATE_CLOSED,      /* not asked to open yet */
  WH_SPEECH_STATE_OPENING,
  WH_SPEECH_STATE_READY,
  WH_SPEECH_STATE_UNAVAILABLE, /* speech-dispatcher missing or failing */
} WhSpeechState;

#define WH_TYPE_SPEECH (wh_speech_get_type ())
G_DECLARE_FINAL_TYPE (WhSpeech, wh_speech, WH, SPEECH, GObject)

/* The app's one connection (SPEECHD_ADDRESS, or speech-dispatcher's own
 * socket, started by libspeechd when it is not running). */
WhSpeech     *wh_speech_get_default (void);
/* socket_path: a unix socket of a speech-dispatcher, or NULL for the
 * default address. */
WhSpeech     *wh_speech_new         (const char   *socket_path);

/* Opens the connection once, off the main thread; notify::state follows. */
void          wh_speech_open        (WhSpeech     *self);
WhSpeechState wh_speech_get_state   (WhSpeech     *self);
/* Why it is unavailable, in the person's language, or NULL. */
const char   *wh_speech_get_error   (WhSpeech     *self);

/* Cancels what this connection says, then says ssml at rate (-100..100).
 * The result is the message's id, which ::event carries. */
void          wh_speech_say_async   (WhSpeech            *self,
                                     const char          *ssml,
                                     int                  rate,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
guint         wh_speech_say_finish  (WhSpeech            *self,
                                     GAsyncResult        *result,
                                     GError             **error);
void          wh_speech_pause       (WhSpeech     *self);
void          wh_speech_resume      (WhSpeech     *self);
void          wh_speech_cancel      (WhSpeech     *self);

G_END_DECLS
