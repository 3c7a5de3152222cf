/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Read aloud (suite "ui", under Xvfb): WhSpeech, WhReadAloud and their
 * controls against a speech-dispatcher of the test's own, a unix socket
 * that speaks SSIP as speech-dispatcher 0.11 does, records each command and
 * message, and sends the notifications (index marks, end) the test asks
 * for: what was sent, the highlight that follows the marks, pause, resume,
 * speed, stop, a page closing, and speech-dispatcher missing. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <string.h>

#include "wh-read-aloud-controls.h"
#include "wh-read-aloud.h"
#include "wh-speech.h"
#include "wh-test.h"
#include "wh-test-ui.h"

#define CLIENT_ID 7

/* ---- A speech-dispatcher that records ----------------------------------- */

typedef struct
{
  GSocketService *service;
  char           *dir;
  char           *path;
  GMutex          lock;
  GPtrArray      *commands;   /* char*, every command line */
  GPtrArray      *messages;   /* char*, what each SPEAK sent */
  GOutputStream  *out;        /* the last connection's */
  guint           next_id;
  GCond           done;       /* a connection's thread has ended */
  guint           n_running;  /* connection threads still running */
} FakeSpeechd;

static void
fake_write (FakeSpeechd *fake,
            GOutputStream *out,
            const char  *text)
{
  g_mutex_lock (&fake->lock);
  g_output_stream_write_all (out, text, strlen (text), NULL, NULL, NULL);
  g_mutex_unlock (&fake->lock);
}

static char *
read_line (GDataInputStream *in)
{
  g_autofree char *line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, NULL);
  gsize len;

  if (line == NULL)
    return NULL;
  len = strlen (line);
  if (len > 0 && line[len - 1] == '\r')
    line[len - 1] = '\0';
  return g_steal_pointer (&line);
}

static gboolean
fake_run_cb (GThreadedSocketService *service,
             GSocketConnection      *connection,
             GObject                *source,
             gpointer                user_data)
{
  FakeSpeechd *fake = user_data;
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autoptr(GDataInputStream) in =
    g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  char *line;

  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_mutex_lock (&fake->lock);
  fake->n_running++;
  g_set_object (&fake->out, out);
  g_mutex_unlock (&fake->lock);
  while ((line = read_line (in)) != NULL)
    {
      g_mutex_lock (&fake->lock);
      if (g_getenv ("WH_TEST_SSIP_DEBUG"))
        g_printerr ("SSIP: %s\n", line);
      g_ptr_array_add (fake->commands, g_strdup (line));
      g_mutex_unlock (&fake->lock);
      if (g_str_has_prefix (line, "SET SELF CLIENT_NAME"))
        fake_write (fake, out, "208 OK CLIENT NAME SET\r\n");
      else if (g_str_equal (line, "HISTORY GET CLIENT_ID"))
        fake_write (fake, out, "249-" G_STRINGIFY (CLIENT_ID) "\r\n249 OK CLIENT ID SENT\r\n");
      else if (g_ascii_strcasecmp (line, "SPEAK") == 0)
        {
          g_autoptr(GString) data = g_string_new (NULL);
          g_autofree char *reply = NULL;
          char *part;
          guint id;

          fake_write (fake, out, "230 OK RECEIVING DATA\r\n");
          while ((part = read_line (in)) != NULL && !g_str_equal (part, "."))
            {
              /* SSIP doubles a dot that starts a line. */
              g_string_append (data, g_str_has_prefix (part, "..") ? part + 1 : part);
              g_string_append_c (data, '\n');
              g_free (part);
            }
          g_free (part);
          /* libspeechd sends "\r\n." after the text: the last line is empty. */
          while (data->len > 0 && data->str[data->len - 1] == '\n')
            g_string_truncate (data, data->len - 1);
          g_mutex_lock (&fake->lock);
          id = fake->next_id++;
          g_ptr_array_add (fake->messages, g_strdup (data->str));
          g_mutex_unlock (&fake->lock);
          reply = g_strdup_printf ("225-%u\r\n225 OK MESSAGE QUEUED\r\n", id);
          fake_write (fake, out, reply);
        }
      else if (g_str_equal (line, "QUIT"))
        {
          fake_write (fake, out, "231 HAPPY HACKING\r\n");
          g_free (line);
          break;
        }
      else
        fake_write (fake, out, "200 OK\r\n");
      g_free (line);
    }
  /* The last touch of fake: fake_free waits for it. */
  g_mutex_lock (&fake->lock);
  fake->n_running--;
  g_cond_signal (&fake->done);
  g_mutex_unlock (&fake->lock);
  return TRUE;
}

static FakeSpeechd *
fake_new (void)
{
  FakeSpeechd *fake = g_new0 (FakeSpeechd, 1);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;

  fake->dir = g_dir_make_tmp ("wh-speechd-XXXXXX", &error);
  g_assert_no_error (error);
  fake->path = g_build_filename (fake->dir, "speechd.sock", NULL);
  fake->commands = g_ptr_array_new_with_free_func (g_free);
  fake->messages = g_ptr_array_new_with_free_func (g_free);
  fake->next_id = 100;
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->done);
  fake->service = g_threaded_socket_service_new (4);
  address = g_unix_socket_address_new (fake->path);
  g_socket_listener_add_address (G_SOCKET_LISTENER (fake->service), address,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, NULL, NULL,
                                 &error);
  g_assert_no_error (error);
  g_signal_connect (fake->service, "run", G_CALLBACK (fake_run_cb), fake);
  g_socket_service_start (fake->service);
  return fake;
}

/* A notification, as speech-dispatcher sends them: code, message, client,
 * (mark,) text. */
static void
fake_send (FakeSpeechd *fake,
           int          code,
           guint        msg_id,
           const char  *mark)
{
  g_autofree char *text = NULL;
  g_autoptr(GOutputStream) out = NULL;

  g_mutex_lock (&fake->lock);
  out = g_object_ref (fake->out);
  g_mutex_unlock (&fake->lock);
  if (mark)
    text = g_strdup_printf ("%d-%u\r\n%d-%d\r\n%d-%s\r\n%d INDEX MARK\r\n", code, msg_id, code,
                            CLIENT_ID, code, mark, code);
  else
    text = g_strdup_printf ("%d-%u\r\n%d-%d\r\n%d EVENT\r\n", code, msg_id, code, CLIENT_ID,
                            code);
  fake_write (fake, out, text);
}

static void
fake_mark (FakeSpeechd *fake,
           guint        msg_id,
           guint        generation,
           guint        index)
{
  g_autofree char *mark = g_strdup_printf ("%u.%u", generation, index);

  fake_send (fake, 700, msg_id, mark);
}

static guint
fake_count (FakeSpeechd *fake,
            const char  *command)
{
  guint n = 0;

  g_mutex_lock (&fake->lock);
  for (guint i = 0; i < fake->commands->len; i++)
    if (g_ascii_strcasecmp (fake->commands->pdata[i], command) == 0)
      n++;
  g_mutex_unlock (&fake->lock);
  return n;
}

static char *
fake_message (FakeSpeechd *fake,
              guint        index)
{
  char *text = NULL;

  g_mutex_lock (&fake->lock);
  if (index < fake->messages->len)
    text = g_strdup (fake->messages->pdata[index]);
  g_mutex_unlock (&fake->lock);
  return text;
}

static guint
fake_n_messages (FakeSpeechd *fake)
{
  guint n;

  g_mutex_lock (&fake->lock);
  n = fake->messages->len;
  g_mutex_unlock (&fake->lock);
  return n;
}

/* Called once the client has gone (its socket closed): a connection's
 * thread may still be unlocking fake->lock after its last reply, or
 * reading the end of its stream, when the test moves on. */
static void
fake_free (FakeSpeechd *fake)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&fake->lock);
  while (fake->n_running > 0)
    if (!g_cond_wait_until (&fake->done, &fake->lock, deadline))
      g_error ("a speech-dispatcher connection did not end");
  g_mutex_unlock (&fake->lock);
  g_socket_service_stop (fake->service);
  g_socket_listener_close (G_SOCKET_LISTENER (fake->service));
  g_object_unref (fake->service);
  g_clear_object (&fake->out);
  g_unlink (fake->path);
  g_rmdir (fake->dir);
  g_free (fake->path);
  g_free (fake->dir);
  g_ptr_array_unref (fake->commands);
  g_ptr_array_unref (fake->messages);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->done);
  g_free (fake);
}

/* ---- Conditions ---------------------------------------------------------------- */

typedef struct
{
  FakeSpeechd *fake;
  const char  *command;
  guint        count;
} CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;

  return fake_count (w->fake, w->command) >= w->count;
}

static void
wait_command (FakeSpeechd *fake,
              const char  *command,
              guint        count)
{
  CountWait w = { fake, command, count };

  if (!wh_test_spin_until (count_reached, &w, 5000))
    g_error ("speech-dispatcher got \"%s\" %u times, not %u", command,
             fake_count (fake, command), count);
}

typedef struct
{
  FakeSpeechd *fake;
  guint        count;
} MessageWait;

static gboolean
messages_reached (gpointer data)
{
  MessageWait *w = data;

  return fake_n_messages (w->fake) >= w->count;
}

static char *
wait_message (FakeSpeechd *fake,
              guint        index)
{
  MessageWait w = { fake, index + 1 };

  g_assert_true (wh_test_spin_until (messages_reached, &w, 5000));
  return fake_message (fake, index);
}

static gboolean
is_sensitive (gpointer widget)
{
  return gtk_widget_get_sensitive (widget);
}

static gboolean
has_tooltip (gpointer widget)
{
  return gtk_widget_get_tooltip_text (widget) != NULL && !gtk_widget_get_sensitive (widget) &&
         !g_str_has_prefix (gtk_widget_get_tooltip_text (widget), "Connecting");
}

typedef struct
{
  WhReadAloud *controller;
  int          value;
} IntWait;

static gboolean
sentence_is (gpointer data)
{
  IntWait *w = data;

  return wh_read_aloud_get_sentence (w->controller) == w->value;
}

static gboolean
state_is (gpointer data)
{
  IntWait *w = data;

  return (int) wh_read_aloud_get_state (w->controller) == w->value;
}

static void
wait_sentence (WhReadAloud *controller,
               int          index)
{
  IntWait w = { controller, index };

  g_assert_true (wh_test_spin_until (sentence_is, &w, 5000));
}

static void
wait_state (WhReadAloud      *controller,
            WhReadAloudState  state)
{
  IntWait w = { controller, state };

  g_assert_true (wh_test_spin_until (state_is, &w, 5000));
}

/* The range of label's text with a background (the highlight), or FALSE. */
static gboolean
highlight (GtkLabel *label,
           guint    *start,
           guint    *end)
{
  PangoAttrList *attrs = gtk_label_get_attributes (label);
  g_autoptr(GSList) list = attrs ? pango_attr_list_get_attributes (attrs) : NULL;
  gboolean found = FALSE;

  for (GSList *l = list; l; l = l->next)
    {
      PangoAttribute *attr = l->data;

      if (attr->klass->type == PANGO_ATTR_BACKGROUND)
        {
          *start = attr->start_index;
          *end = attr->end_index;
          found = TRUE;
        }
    }
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);
  return found;
}

/* Whether the label draws a background anywhere: what its layout has, not
 * only what was set (GTK 4.8 merged a highlight into a label's markup). */
static guint
drawn_highlight (GtkLabel *label)
{
  PangoAttrList *attrs = pango_layout_get_attributes (gtk_label_get_layout (label));
  g_autoptr(GSList) list = attrs ? pango_attr_list_get_attributes (attrs) : NULL;
  guint n = 0;

  for (GSList *l = list; l; l = l->next)
    if (((PangoAttribute *) l->data)->klass->type == PANGO_ATTR_BACKGROUND)
      n++;
  g_slist_free_full (g_steal_pointer (&list), (GDestroyNotify) pango_attribute_destroy);
  return n;
}

/* The generation in a message's first mark ("<mark name=\"G.I\"/>"). */
static guint
first_mark (const char *ssml,
            guint      *index)
{
  const char *p = strstr (ssml, "<mark name=\"");
  guint generation = 0;

  g_assert_nonnull (p);
  g_assert_cmpint (sscanf (p, "<mark name=\"%u.%u\"/>", &generation, index), ==, 2);
  return generation;
}

/* ---- The page ---------------------------------------------------------------- */

typedef struct
{
  FakeSpeechd *fake;
  WhSpeech    *speech;
  GtkWindow   *window;
  WhReadAloudControls *controls;
  WhReadAloud *controller;
  GtkLabel    *first;
  GtkLabel    *second;
  GtkLabel    *last;
  GtkScrolledWindow *scroller;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *entry = gtk_entry_new ();
  GtkWidget *hidden = gtk_label_new ("隐藏的字");
  g_autoptr(GString) filler = g_string_new (NULL);

  f->fake = fake_new ();
  f->speech = wh_speech_new (f->fake->path);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 360, 300);
  f->controls = WH_READ_ALOUD_CONTROLS (wh_read_aloud_controls_new ());
  wh_read_aloud_controls_set_speech (f->controls, f->speech);
  f->controller = wh_read_aloud_controls_get_controller (f->controls);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->controls));

  f->first = GTK_LABEL (gtk_label_new ("第一句话。第二句话！"));
  /* Markup as a lesson's labels have it: the text read is the plain text,
   * and what it holds is escaped in the SSML. */
  f->second = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_markup (f->second, "<b>粗体</b>的第三句。Tom &amp; Jerry said &lt;hi&gt;.");
  for (guint i = 0; i < 40; i++)
    g_string_append_printf (filler, "填充的第%u句。", i + 1);
  f->last = GTK_LABEL (gtk_label_new (filler->str));
  gtk_label_set_wrap (f->last, TRUE);
  gtk_label_set_wrap (f->second, TRUE);
  gtk_label_set_wrap (f->first, TRUE);
  /* A phone number typed at a kiosk is never read out. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "13800138000");
  gtk_widget_set_visible (hidden, FALSE);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (f->first));
  gtk_box_append (GTK_BOX (content), entry);
  gtk_box_append (GTK_BOX (content), hidden);
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (f->second));
  gtk_box_append (GTK_BOX (content), GTK_WIDGET (f->last));
  f->scroller = GTK_SCROLLED_WINDOW (gtk_scrolled_window_new ());
  gtk_scrolled_window_set_child (f->scroller, content);
  gtk_widget_set_vexpand (GTK_WIDGET (f->scroller), TRUE);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (f->scroller));
  wh_read_aloud_controls_set_source (f->controls, content);
  gtk_window_set_child (f->window, box);
  gtk_window_present (f->window);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->window)
    gtk_window_destroy (f->window);
  wh_test_spin (50);
  g_clear_object (&f->speech);
  fake_free (f->fake);
}

static GtkWidget *
play_button (Fixture *f)
{
  GtkWidget *button = wh_test_find_descendant (GTK_WIDGET (f->controls), GTK_TYPE_BUTTON);

  g_assert_nonnull (button);
  return button;
}

static gboolean
laid_out (gpointer data)
{
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (data);

  return gtk_adjustment_get_page_size (adj) > 0 &&
         gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj);
}

static void
press_play (Fixture *f)
{
  GtkWidget *play = play_button (f);

  /* The page laid out first, as a person sees it before pressing: a
   * sentence is scrolled to where its label is. */
  g_assert_true (wh_test_spin_until (laid_out, f->scroller, 5000));

  g_assert_true (wh_test_spin_until (is_sensitive, play, 5000));
  g_signal_emit_by_name (play, "clicked");
}

/* ---- Tests ------------------------------------------------------------------------ */

static void
test_split (void)
{
  const char *text = "第一句。第二句？  Third one! It costs 3.5 yuan.\n• \n最后一句";
  const char *expected[] = { "第一句。", "第二句？", "Third one!", "It costs 3.5 yuan.",
                             "最后一句" };
  g_autoptr(GArray) ranges = wh_read_aloud_split (text, -1);
  g_autoptr(GArray) none = wh_read_aloud_split ("  • … ", -1);

  g_assert_cmpuint (ranges->len, ==, 2 * G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      int start = g_array_index (ranges, int, 2 * i), end = g_array_index (ranges, int, 2 * i + 1);
      g_autofree char *sentence = g_strndup (text + start, end - start);

      g_assert_cmpstr (sentence, ==, expected[i]);
    }
  g_assert_cmpuint (none->len, ==, 0);
}

static gboolean
scrolled_down (gpointer adj)
{
  return gtk_adjustment_get_value (adj) > 0;
}

typedef struct
{
  GMutex   lock;
  GCond    cond;
  GThread *thread;  /* where the first handler ran */
  gboolean called;
} EventSeen;

static void
event_seen_cb (WhSpeech   *speech,
               guint       msg_id,
               int         event,
               const char *mark,
               EventSeen  *seen)
{
  g_mutex_lock (&seen->lock);
  if (!seen->called)
    seen->thread = g_thread_self ();
  seen->called = TRUE;
  g_cond_signal (&seen->cond);
  g_mutex_unlock (&seen->lock);
}

static gboolean
event_seen (gpointer data)
{
  EventSeen *seen = data;
  gboolean called;

  g_mutex_lock (&seen->lock);
  called = seen->called;
  g_mutex_unlock (&seen->lock);
  return called;
}

/* A notification that comes while the main thread is not iterating its
 * context (busy, or blocked as here) still reaches the handlers on the
 * main thread: never in speech-dispatcher's client thread, where GTK must
 * not be touched (g_main_context_invoke ran them there: CI saw a crash in
 * a label's layout). */
static void
test_events_main_thread (Fixture       *f,
                         gconstpointer  data)
{
  EventSeen seen = { 0, };
  g_autofree char *ssml = NULL;
  guint generation, index;
  gint64 until;
  gulong id;

  g_mutex_init (&seen.lock);
  g_cond_init (&seen.cond);
  press_play (f);
  ssml = wait_message (f->fake, 0);
  generation = first_mark (ssml, &index);
  id = g_signal_connect (f->speech, "event", G_CALLBACK (event_seen_cb), &seen);
  g_mutex_lock (&seen.lock);
  fake_mark (f->fake, 100, generation, 1);
  /* Blocked for a while, not iterating: a handler run meanwhile ran in the
   * other thread. Right code runs none here, so this waits it all. */
  until = g_get_monotonic_time () + G_TIME_SPAN_SECOND / 2;
  while (!seen.called && g_cond_wait_until (&seen.cond, &seen.lock, until))
    ;
  g_mutex_unlock (&seen.lock);
  g_assert_true (wh_test_spin_until (event_seen, &seen, 5000));
  g_assert_true (seen.thread == g_thread_self ());
  wait_sentence (f->controller, 1);
  g_signal_handler_disconnect (f->speech, id);
  g_mutex_clear (&seen.lock);
  g_cond_clear (&seen.cond);
}

static void
test_speak (Fixture       *f,
            gconstpointer  data)
{
  g_autofree char *ssml = NULL, *expected = NULL, *again = NULL;
  guint generation, index, start = 0, end = 0;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (f->scroller);
  guint n, cancels;

  press_play (f);
  ssml = wait_message (f->fake, 0);
  generation = first_mark (ssml, &index);
  g_assert_cmpuint (index, ==, 0);
  expected = g_strdup_printf ("<speak><mark name=\"%u.0\"/>第一句话。\n"
                              "<mark name=\"%u.1\"/>第二句话！\n"
                              "<mark name=\"%u.2\"/>粗体的第三句。\n"
                              "<mark name=\"%u.3\"/>Tom &amp; Jerry said &lt;hi&gt;.\n"
                              "<mark name=\"%u.4\"/>填充的第1句。\n",
                              generation, generation, generation, generation, generation);
  g_assert_true (g_str_has_prefix (ssml, expected));
  g_assert_true (g_str_has_suffix (ssml, "填充的第40句。\n</speak>"));
  g_assert_null (strstr (ssml, "13800138000"));
  g_assert_null (strstr (ssml, "隐藏"));
  n = wh_read_aloud_get_n_sentences (f->controller);
  g_assert_cmpuint (n, ==, 44);
  /* SSML with marks, in Mandarin, every notification, and this reading
   * only: what was being said is cancelled first. */
  g_assert_cmpuint (fake_count (f->fake, "SET SELF SSML_MODE on"), ==, 1);
  g_assert_cmpuint (fake_count (f->fake, "SET SELF LANGUAGE zh"), ==, 1);
  g_assert_cmpuint (fake_count (f->fake, "SET SELF NOTIFICATION index_marks on"), ==, 1);
  g_assert_cmpuint (fake_count (f->fake, "SET SELF NOTIFICATION end on"), ==, 1);
  g_assert_cmpuint (fake_count (f->fake, "SET SELF RATE 0"), ==, 1);
  g_assert_cmpuint (fake_count (f->fake, "CANCEL SELF"), ==, 1);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_PLAYING);

  /* The first sentence is lit at once; each mark lights its own, and the
   * label lit before gets its own attributes back. */
  g_assert_cmpint (wh_read_aloud_get_sentence (f->controller), ==, 0);
  g_assert_true (highlight (f->first, &start, &end));
  g_assert_cmpuint (start, ==, 0);
  g_assert_cmpuint (end, ==, strlen ("第一句话。"));
  fake_send (f->fake, 701, 100, NULL);
  fake_mark (f->fake, 100, generation, 1);
  wait_sentence (f->controller, 1);
  g_assert_true (highlight (f->first, &start, &end));
  g_assert_cmpuint (start, ==, strlen ("第一句话。"));
  g_assert_cmpuint (end, ==, strlen ("第一句话。第二句话！"));
  fake_mark (f->fake, 100, generation, 2);
  wait_sentence (f->controller, 2);
  fake_mark (f->fake, 100, generation, 3);
  wait_sentence (f->controller, 3);
  g_assert_cmpuint (drawn_highlight (f->second), ==, 1);
  g_assert_false (highlight (f->first, &start, &end));
  g_assert_true (highlight (f->second, &start, &end));
  g_assert_cmpuint (start, ==, strlen ("粗体的第三句。"));
  g_assert_cmpstr (wh_read_aloud_get_sentence_text (f->controller, 3), ==,
                   "Tom & Jerry said <hi>.");
  /* Followed: the last sentence, far below, is scrolled into view. */
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), ==, 0);
  fake_mark (f->fake, 100, generation, 43);
  wait_sentence (f->controller, 43);
  /* The scroll follows once the view is laid out again (a frame later under
   * the sanitizers). */
  g_assert_true (wh_test_spin_until (scrolled_down, adj, 3000));
  g_assert_false (highlight (f->second, &start, &end));
  g_assert_cmpuint (drawn_highlight (f->second), ==, 0);
  g_assert_true (highlight (f->last, &start, &end));
  fake_mark (f->fake, 100, generation, 2);
  wait_sentence (f->controller, 2);

  /* Pause and resume. */
  g_signal_emit_by_name (play_button (f), "clicked");
  wait_command (f->fake, "PAUSE SELF", 1);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_PAUSED);
  g_signal_emit_by_name (play_button (f), "clicked");
  wait_command (f->fake, "RESUME SELF", 1);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_PLAYING);

  /* Faster: the current sentence again at the new rate, with marks of a new
   * generation; the old message's marks no longer move the highlight. */
  gtk_widget_activate_action (GTK_WIDGET (f->controls), "read-aloud.speed", "i", 3);
  g_assert_cmpstr (gtk_menu_button_get_label (GTK_MENU_BUTTON (wh_test_find_descendant (
                     GTK_WIDGET (f->controls), GTK_TYPE_MENU_BUTTON))), ==, "1.5×");
  wait_command (f->fake, "SET SELF RATE 50", 1);
  again = wait_message (f->fake, 1);
  g_assert_cmpuint (first_mark (again, &index), !=, generation);
  g_assert_cmpuint (index, ==, 2);
  g_assert_true (g_str_has_prefix (strstr (again, "\"/>"), "\"/>粗体的第三句。"));
  fake_send (f->fake, 703, 100, NULL);  /* the old message, cancelled */
  fake_mark (f->fake, 100, generation, 0);
  fake_mark (f->fake, 101, first_mark (again, &index), 4);
  wait_sentence (f->controller, 4);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_PLAYING);

  /* Stop: cancelled, nothing lit. */
  cancels = fake_count (f->fake, "CANCEL SELF");
  g_signal_emit_by_name (gtk_widget_get_next_sibling (play_button (f)), "clicked");
  wait_command (f->fake, "CANCEL SELF", cancels + 1);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_STOPPED);
  g_assert_cmpint (wh_read_aloud_get_sentence (f->controller), ==, -1);
  g_assert_false (highlight (f->last, &start, &end));

  /* Read again to the end: speech-dispatcher's END stops it. */
  press_play (f);
  g_free (again);
  again = wait_message (f->fake, 2);
  fake_send (f->fake, 702, 102, NULL);
  wait_state (f->controller, WH_READ_ALOUD_STOPPED);
  g_assert_false (highlight (f->first, &start, &end));
}

/* The text changes under the reading (the next question): it stops. */
static void
test_content_changes (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *ssml = NULL;

  press_play (f);
  ssml = wait_message (f->fake, 0);
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_PLAYING);
  gtk_label_set_text (f->second, "下一题。");
  g_assert_cmpint (wh_read_aloud_get_state (f->controller), ==, WH_READ_ALOUD_STOPPED);
  wait_command (f->fake, "CANCEL SELF", 2);
}

/* The page closes (its window goes, or it leaves the screen): the speech
 * stops with it. */
static void
test_page_closes (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *ssml = NULL;

  press_play (f);
  ssml = wait_message (f->fake, 0);
  gtk_window_destroy (f->window);
  f->window = NULL;
  wait_command (f->fake, "CANCEL SELF", 2);
}

/* No speech-dispatcher: Read Aloud is insensitive and says why. */
static void
test_unavailable (void)
{
  g_autofree char *dir = g_dir_make_tmp ("wh-no-speechd-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "none.sock", NULL);
  g_autoptr(WhSpeech) speech = wh_speech_new (path);
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  WhReadAloudControls *controls = WH_READ_ALOUD_CONTROLS (wh_read_aloud_controls_new ());
  GtkWidget *play;

  wh_read_aloud_controls_set_speech (controls, speech);
  gtk_window_set_child (window, GTK_WIDGET (controls));
  gtk_window_present (window);
  play = wh_test_find_descendant (GTK_WIDGET (controls), GTK_TYPE_BUTTON);
  g_assert_false (gtk_widget_get_sensitive (play));
  g_assert_true (wh_test_spin_until (has_tooltip, play, 10000));
  g_assert_cmpint (wh_speech_get_state (speech), ==, WH_SPEECH_STATE_UNAVAILABLE);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (play), ==,
                   "Reading aloud needs speech-dispatcher, which is not installed or did not "
                   "start.");
  wh_read_aloud_play (wh_read_aloud_controls_get_controller (controls));
  g_assert_cmpint (wh_read_aloud_get_state (wh_read_aloud_controls_get_controller (controls)), ==,
                   WH_READ_ALOUD_STOPPED);
  gtk_window_destroy (window);
  g_rmdir (dir);
}

/* Care mode's bar reads the page: the page's own controls step aside
 * while the window is in care mode, and come back after. */
static void
test_care_bar (void)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *bar = g_object_new (WH_TYPE_READ_ALOUD_CONTROLS, "care-bar", TRUE, NULL);
  GtkWidget *own = wh_read_aloud_controls_new ();
  GtkWidget *later = wh_read_aloud_controls_new ();

  gtk_box_append (GTK_BOX (box), bar);
  gtk_box_append (GTK_BOX (box), own);
  gtk_window_set_child (window, box);
  gtk_window_present (window);
  g_assert_true (gtk_widget_get_visible (bar));
  g_assert_true (gtk_widget_get_visible (own));

  gtk_widget_add_css_class (GTK_WIDGET (window), "wh-care");
  g_assert_true (gtk_widget_get_visible (bar));
  g_assert_false (gtk_widget_get_visible (own));
  /* A page opened while in care mode. */
  gtk_box_append (GTK_BOX (box), later);
  g_assert_false (gtk_widget_get_visible (later));

  gtk_widget_remove_css_class (GTK_WIDGET (window), "wh-care");
  g_assert_true (gtk_widget_get_visible (bar));
  g_assert_true (gtk_widget_get_visible (own));
  g_assert_true (gtk_widget_get_visible (later));
  /* Out of the window, it no longer follows it. */
  gtk_box_remove (GTK_BOX (box), own);
  gtk_widget_add_css_class (GTK_WIDGET (window), "wh-care");
  g_assert_false (gtk_widget_get_visible (later));
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  wh_test_init_ui (&argc, &argv);
  /* libspeechd starts speech-dispatcher when nothing answers: never a real
   * one here. */
  g_setenv ("SPEECHD_CMD", "/nonexistent/speech-dispatcher", TRUE);
  gtk_init ();
  adw_init ();
  g_test_add_func ("/read-aloud/split", test_split);
  g_test_add ("/read-aloud/speak", Fixture, NULL, fixture_setup, test_speak, fixture_teardown);
  g_test_add ("/read-aloud/events-on-main-thread", Fixture, NULL, fixture_setup,
              test_events_main_thread, fixture_teardown);
  g_test_add ("/read-aloud/content-changes", Fixture, NULL, fixture_setup, test_content_changes,
              fixture_teardown);
  g_test_add ("/read-aloud/page-closes", Fixture, NULL, fixture_setup, test_page_closes,
              fixture_teardown);
  g_test_add_func ("/read-aloud/unavailable", test_unavailable);
  g_test_add_func ("/read-aloud/care-bar", test_care_bar);
  return g_test_run ();
}
