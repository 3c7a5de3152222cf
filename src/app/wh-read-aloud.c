/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-read-aloud"

#include "config.h"

#include <stdlib.h>

#include "wh-read-aloud.h"

/* A page is read in one message; these bound what a page (server text)
 * can make it: sentences, bytes, and how deep the widget tree is walked. */
#define MAX_SENTENCES 1000
#define MAX_BYTES     (256 * 1024)
#define MAX_DEPTH     64
/* Events kept while a message's id is not known yet (its BEGIN can come
 * before spd_say returns). */
#define MAX_EARLY_EVENTS 16

typedef struct
{
  GtkLabel *label;  /* owned */
  int       start;  /* byte offsets in the label's text */
  int       end;
  char     *text;
} Sentence;

typedef struct
{
  guint msg_id;
  int   event;
} EarlyEvent;

struct _WhReadAloud
{
  GObject parent_instance;

  /* Owned references */
  WhSpeech     *speech;
  GCancellable *cancellable;   /* the message being sent */
  GPtrArray    *sentences;     /* Sentence*, of the current reading */
  GPtrArray    *labels;        /* GtkLabel*, watched while read */
  GtkLabel     *lit_label;     /* the label highlighted, owned */
  PangoAttrList *lit_saved;    /* its own attributes before */

  /* Not owned */
  GtkWidget    *source;

  /* State */
  WhReadAloudState state;
  int           rate;
  int           current;       /* sentence, or -1 */
  guint         generation;    /* in the marks' names: stale marks are left */
  guint         msg_id;        /* 0 while the message is being sent */
  GArray       *early;         /* EarlyEvent, while msg_id is 0 */
  gboolean      restart;       /* the rate changed while paused */
};

G_DEFINE_FINAL_TYPE (WhReadAloud, wh_read_aloud, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_SENTENCE,
  PROP_RATE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
sentence_free (Sentence *s)
{
  g_object_unref (s->label);
  g_free (s->text);
  g_free (s);
}

/* ---- Sentences ------------------------------------------------------------- */

static gboolean
has_word (const char *p,
          const char *end)
{
  for (; p < end; p = g_utf8_next_char (p))
    if (g_unichar_isalnum (g_utf8_get_char (p)))
      return TRUE;
  return FALSE;
}

static void
add_range (GArray     *ranges,
           const char *text,
           int         start,
           int         end)
{
  while (start < end && g_unichar_isspace (g_utf8_get_char (text + start)))
    start = g_utf8_next_char (text + start) - text;
  while (end > start)
    {
      const char *prev = g_utf8_prev_char (text + end);

      if (!g_unichar_isspace (g_utf8_get_char (prev)))
        break;
      end = prev - text;
    }
  if (end > start && has_word (text + start, text + end))
    {
      int pair[2] = { start, end };

      g_array_append_vals (ranges, pair, 2);
    }
}

GArray *
wh_read_aloud_split (const char *text,
                     int         length)
{
  GArray *ranges = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree PangoLogAttr *attrs = NULL;
  const char *p;
  glong n;
  int start = 0;

  g_return_val_if_fail (text != NULL, ranges);

  if (length < 0)
    length = strlen (text);
  if (!g_utf8_validate (text, length, NULL) || length == 0)
    return ranges;
  n = g_utf8_strlen (text, length);
  attrs = g_new0 (PangoLogAttr, n + 1);
  /* Pango's boundaries are Unicode's (UAX #29): 。！？ and . ! ? end a
   * sentence, a full stop in 3.5 or an abbreviation does not. */
  pango_get_log_attrs (text, length, -1, pango_language_from_string ("zh-cn"), attrs, n + 1);
  p = text;
  for (glong i = 1; i <= n; i++)
    {
      p = g_utf8_next_char (p);
      if (attrs[i].is_sentence_boundary || i == n)
        {
          add_range (ranges, text, start, p - text);
          start = p - text;
        }
    }
  return ranges;
}

/* Server text may hold control characters, which XML 1.0 has no place
 * for, even escaped. */
static void
append_escaped (GString    *ssml,
                const char *text)
{
  g_autoptr(GString) clean = g_string_new (NULL);
  g_autofree char *escaped = NULL;

  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        g_string_append_c (clean, ' ');
      else
        g_string_append_unichar (clean, c);
    }
  escaped = g_markup_escape_text (clean->str, clean->len);
  g_string_append (ssml, escaped);
}

/* One message from sentence `from` on, a mark before each sentence named
 * "generation.index". */
static char *
build_ssml (WhReadAloud *self,
            guint        from)
{
  GString *ssml = g_string_new ("<speak>");

  for (guint i = from; i < self->sentences->len; i++)
    {
      Sentence *s = g_ptr_array_index (self->sentences, i);

      g_string_append_printf (ssml, "<mark name=\"%u.%u\"/>", self->generation, i);
      append_escaped (ssml, s->text);
      g_string_append_c (ssml, '\n');
    }
  g_string_append (ssml, "</speak>");
  return g_string_free (ssml, FALSE);
}

/* ---- Highlight -------------------------------------------------------------- */

static void content_changed_cb (WhReadAloud *self);

/* GTK 4.8 merges a label's attributes into the list its markup gave it, in
 * place (_gtk_pango_attr_list_merge returns the markup's list itself when
 * there is nothing before it): a highlight once set stays drawn on a label
 * with markup (a lesson's) whatever its attributes are set to after. The
 * markup parsed again gives a clean list. */
static void
clean_markup (WhReadAloud *self,
              GtkLabel    *label)
{
  g_autofree char *markup = NULL;

  if (!gtk_label_get_use_markup (label))
    return;
  markup = g_strdup (gtk_label_get_label (label));
  g_signal_handlers_block_by_func (label, content_changed_cb, self);
  gtk_label_set_markup (label, "");
  gtk_label_set_markup (label, markup);
  g_signal_handlers_unblock_by_func (label, content_changed_cb, self);
}

static void
unlight (WhReadAloud *self)
{
  if (self->lit_label == NULL)
    return;
  clean_markup (self, self->lit_label);
  gtk_label_set_attributes (self->lit_label, self->lit_saved);
  g_clear_object (&self->lit_label);
  g_clear_pointer (&self->lit_saved, pango_attr_list_unref);
}

/* The sentence into view, a third from the top, when its scrolled window
 * scrolls a viewport (a list view scrolls its own rows: left alone). */
static void
scroll_to (Sentence *s)
{
  GtkWidget *label = GTK_WIDGET (s->label);
  GtkWidget *sw = gtk_widget_get_ancestor (label, GTK_TYPE_SCROLLED_WINDOW);
  GtkWidget *viewport, *content;
  GtkAdjustment *adj;
  PangoLayout *layout;
  PangoRectangle first, last;
  int lx, ly;
  double x, top, bottom, value, page;

  if (sw == NULL || gtk_widget_get_width (label) == 0)
    return;
  viewport = gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (sw));
  if (!GTK_IS_VIEWPORT (viewport) || (content = gtk_viewport_get_child (GTK_VIEWPORT (viewport))) == NULL)
    return;
  layout = gtk_label_get_layout (s->label);
  gtk_label_get_layout_offsets (s->label, &lx, &ly);
  pango_layout_index_to_pos (layout, s->start, &first);
  pango_layout_index_to_pos (layout, s->end, &last);
  if (!gtk_widget_translate_coordinates (label, content, 0, ly + PANGO_PIXELS (first.y), &x, &top) ||
      !gtk_widget_translate_coordinates (label, content, 0,
                                         ly + PANGO_PIXELS (last.y + last.height), &x, &bottom))
    return;
  adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw));
  value = gtk_adjustment_get_value (adj);
  page = gtk_adjustment_get_page_size (adj);
  if (top >= value && bottom <= value + page)
    return;
  gtk_adjustment_set_value (adj, bottom - top > page ? top : top - page / 3);
}

static void
light (WhReadAloud *self,
       int          index)
{
  Sentence *s = g_ptr_array_index (self->sentences, index);
  PangoAttrList *attrs;
  PangoAttribute *attr;

  if (self->lit_label != s->label)
    {
      PangoAttrList *own;

      unlight (self);
      self->lit_label = g_object_ref (s->label);
      own = gtk_label_get_attributes (s->label);
      self->lit_saved = own ? pango_attr_list_ref (own) : NULL;
    }
  else
    clean_markup (self, s->label);
  attrs = self->lit_saved ? pango_attr_list_copy (self->lit_saved) : pango_attr_list_new ();
  /* Dark on light yellow in both styles, as a highlighter pen: the
   * contrast does not depend on the theme's text colour. */
  attr = pango_attr_background_new (0xffff, 0xe6e6, 0x6d6d);
  attr->start_index = s->start;
  attr->end_index = s->end;
  pango_attr_list_insert (attrs, attr);
  attr = pango_attr_foreground_new (0x1010, 0x1010, 0x1010);
  attr->start_index = s->start;
  attr->end_index = s->end;
  pango_attr_list_insert (attrs, attr);
  gtk_label_set_attributes (s->label, attrs);
  pango_attr_list_unref (attrs);
  scroll_to (s);
}

static void
set_current (WhReadAloud *self,
             int          index)
{
  if (self->current == index)
    return;
  self->current = index;
  if (index >= 0)
    light (self, index);
  else
    unlight (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SENTENCE]);
}

static void
set_state (WhReadAloud      *self,
           WhReadAloudState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* ---- A reading ---------------------------------------------------------------- */

/* The reading is over (its end, a cancel, the page gone): nothing sent. */
static void
finish (WhReadAloud *self)
{
  self->generation++;
  self->msg_id = 0;
  self->restart = FALSE;
  g_array_set_size (self->early, 0);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_current (self, -1);
  for (guint i = 0; i < self->labels->len; i++)
    g_signal_handlers_disconnect_by_func (self->labels->pdata[i], content_changed_cb, self);
  g_ptr_array_set_size (self->labels, 0);
  g_ptr_array_set_size (self->sentences, 0);
  set_state (self, WH_READ_ALOUD_STOPPED);
}

static void
content_changed_cb (WhReadAloud *self)
{
  wh_read_aloud_stop (self);
}

static void
add_label (WhReadAloud *self,
           GtkLabel    *label,
           gsize       *bytes)
{
  const char *text = gtk_label_get_text (label);
  g_autoptr(GArray) ranges = NULL;
  gboolean added = FALSE;

  if (text == NULL || *text == '\0')
    return;
  ranges = wh_read_aloud_split (text, -1);
  for (guint i = 0; i + 1 < ranges->len; i += 2)
    {
      Sentence *s;
      int start = g_array_index (ranges, int, i), end = g_array_index (ranges, int, i + 1);

      if (self->sentences->len >= MAX_SENTENCES || *bytes + (end - start) > MAX_BYTES)
        break;
      s = g_new0 (Sentence, 1);
      s->label = g_object_ref (label);
      s->start = start;
      s->end = end;
      s->text = g_strndup (text + start, end - start);
      *bytes += end - start;
      g_ptr_array_add (self->sentences, s);
      added = TRUE;
    }
  if (!added)
    return;
  /* A label given other text, or taken off the screen, ends the reading:
   * the highlight would be on the wrong words. */
  g_ptr_array_add (self->labels, g_object_ref (label));
  g_signal_connect_object (label, "notify::label", G_CALLBACK (content_changed_cb), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (label, "unmap", G_CALLBACK (content_changed_cb), self,
                           G_CONNECT_SWAPPED);
}

/* The labels on screen under widget, in the order of the tree (which is
 * the order they are read in on every page here). The read-aloud controls
 * themselves, entries and popovers are left out. */
static void
collect (WhReadAloud *self,
         GtkWidget   *widget,
         guint        depth,
         gsize       *bytes)
{
  if (depth > MAX_DEPTH || !gtk_widget_get_mapped (widget) || GTK_IS_EDITABLE (widget) ||
      GTK_IS_POPOVER (widget) || gtk_widget_has_css_class (widget, "wh-read-aloud-controls"))
    return;
  if (GTK_IS_LABEL (widget))
    {
      add_label (self, GTK_LABEL (widget), bytes);
      return;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (self->sentences->len >= MAX_SENTENCES)
        return;
      collect (self, child, depth + 1, bytes);
    }
}

static void
handle_event (WhReadAloud *self,
              int          event)
{
  switch (event)
    {
    case WH_SPEECH_EVENT_END:
    case WH_SPEECH_EVENT_CANCEL:
      /* Read to its end, or cancelled by another reading. */
      finish (self);
      break;
    case WH_SPEECH_EVENT_PAUSE:
    case WH_SPEECH_EVENT_RESUME:
    case WH_SPEECH_EVENT_BEGIN:
    default:
      break;
    }
}

static void
say_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(WhReadAloud) self = user_data;
  g_autoptr(GError) error = NULL;
  guint id = wh_speech_say_finish (WH_SPEECH (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (id == 0)
    {
      g_debug ("Cannot read aloud: %s", error ? error->message : "no message id");
      finish (self);
      return;
    }
  self->msg_id = id;
  for (guint i = 0; i < self->early->len && self->msg_id != 0; i++)
    {
      EarlyEvent *ev = &g_array_index (self->early, EarlyEvent, i);

      if (ev->msg_id == id)
        handle_event (self, ev->event);
    }
  g_array_set_size (self->early, 0);
}

static void
speak_from (WhReadAloud *self,
            guint        from)
{
  g_autofree char *ssml = NULL;

  self->generation++;
  self->msg_id = 0;
  self->restart = FALSE;
  g_array_set_size (self->early, 0);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  ssml = build_ssml (self, from);
  wh_speech_say_async (self->speech, ssml, self->rate, self->cancellable, say_done_cb,
                       g_object_ref (self));
  set_state (self, WH_READ_ALOUD_PLAYING);
  /* At once, not at the first mark: the person sees where it starts. */
  set_current (self, from);
}

static void
speech_event_cb (WhReadAloud *self,
                 guint        msg_id,
                 int          event,
                 const char  *mark)
{
  if (self->state == WH_READ_ALOUD_STOPPED)
    return;
  if (event == WH_SPEECH_EVENT_MARK)
    {
      g_auto(GStrv) parts = mark ? g_strsplit (mark, ".", 3) : NULL;
      guint64 generation, index;

      if (parts == NULL || g_strv_length (parts) != 2 ||
          !g_ascii_string_to_unsigned (parts[0], 10, 0, G_MAXUINT, &generation, NULL) ||
          !g_ascii_string_to_unsigned (parts[1], 10, 0, G_MAXUINT, &index, NULL) ||
          generation != self->generation || index >= self->sentences->len)
        return;
      set_current (self, (int) index);
      return;
    }
  if (self->msg_id == 0)
    {
      EarlyEvent ev = { msg_id, event };

      if (self->early->len < MAX_EARLY_EVENTS)
        g_array_append_val (self->early, ev);
      return;
    }
  if (msg_id == self->msg_id)
    handle_event (self, event);
}

static void
source_unmap_cb (WhReadAloud *self)
{
  wh_read_aloud_stop (self);
}

/* ---- Public -------------------------------------------------------------------- */

void
wh_read_aloud_play (WhReadAloud *self)
{
  gsize bytes = 0;

  g_return_if_fail (WH_IS_READ_ALOUD (self));

  if (wh_speech_get_state (self->speech) != WH_SPEECH_STATE_READY)
    return;
  switch (self->state)
    {
    case WH_READ_ALOUD_PLAYING:
      return;
    case WH_READ_ALOUD_PAUSED:
      if (self->restart)
        speak_from (self, MAX (self->current, 0));
      else
        {
          wh_speech_resume (self->speech);
          set_state (self, WH_READ_ALOUD_PLAYING);
        }
      return;
    case WH_READ_ALOUD_STOPPED:
    default:
      break;
    }
  if (self->source == NULL)
    return;
  collect (self, self->source, 0, &bytes);
  if (self->sentences->len == 0)
    {
      finish (self);
      return;
    }
  speak_from (self, 0);
}

void
wh_read_aloud_pause (WhReadAloud *self)
{
  g_return_if_fail (WH_IS_READ_ALOUD (self));

  if (self->state != WH_READ_ALOUD_PLAYING)
    return;
  wh_speech_pause (self->speech);
  set_state (self, WH_READ_ALOUD_PAUSED);
}

void
wh_read_aloud_stop (WhReadAloud *self)
{
  g_return_if_fail (WH_IS_READ_ALOUD (self));

  if (self->state == WH_READ_ALOUD_STOPPED)
    return;
  wh_speech_cancel (self->speech);
  finish (self);
}

void
wh_read_aloud_set_rate (WhReadAloud *self,
                        int          rate)
{
  g_return_if_fail (WH_IS_READ_ALOUD (self));

  rate = CLAMP (rate, -100, 100);
  if (self->rate == rate)
    return;
  self->rate = rate;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RATE]);
  /* speech-dispatcher takes a rate for the next message: the sentence
   * being read starts again at the new one. */
  if (self->state == WH_READ_ALOUD_PLAYING)
    speak_from (self, MAX (self->current, 0));
  else if (self->state == WH_READ_ALOUD_PAUSED)
    self->restart = TRUE;
}

int
wh_read_aloud_get_rate (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), 0);

  return self->rate;
}

WhReadAloudState
wh_read_aloud_get_state (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), WH_READ_ALOUD_STOPPED);

  return self->state;
}

guint
wh_read_aloud_get_n_sentences (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), 0);

  return self->sentences->len;
}

int
wh_read_aloud_get_sentence (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), -1);

  return self->current;
}

const char *
wh_read_aloud_get_sentence_text (WhReadAloud *self,
                                 guint        index)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), NULL);
  g_return_val_if_fail (index < self->sentences->len, NULL);

  return ((Sentence *) g_ptr_array_index (self->sentences, index))->text;
}

GtkLabel *
wh_read_aloud_get_sentence_label (WhReadAloud *self,
                                  guint        index)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), NULL);
  g_return_val_if_fail (index < self->sentences->len, NULL);

  return ((Sentence *) g_ptr_array_index (self->sentences, index))->label;
}

WhSpeech *
wh_read_aloud_get_speech (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), NULL);

  return self->speech;
}

void
wh_read_aloud_set_source (WhReadAloud *self,
                          GtkWidget   *source)
{
  g_return_if_fail (WH_IS_READ_ALOUD (self));
  g_return_if_fail (source == NULL || GTK_IS_WIDGET (source));

  if (self->source == source)
    return;
  wh_read_aloud_stop (self);
  if (self->source)
    {
      g_signal_handlers_disconnect_by_func (self->source, source_unmap_cb, self);
      g_object_remove_weak_pointer (G_OBJECT (self->source), (gpointer *) &self->source);
    }
  self->source = source;
  if (source)
    {
      g_object_add_weak_pointer (G_OBJECT (source), (gpointer *) &self->source);
      /* The page leaves the screen (Back, another service, a kiosk's
       * reset): the reading stops with it. */
      g_signal_connect_object (source, "unmap", G_CALLBACK (source_unmap_cb), self,
                               G_CONNECT_SWAPPED);
    }
}

GtkWidget *
wh_read_aloud_get_source (WhReadAloud *self)
{
  g_return_val_if_fail (WH_IS_READ_ALOUD (self), NULL);

  return self->source;
}

static void
wh_read_aloud_dispose (GObject *object)
{
  WhReadAloud *self = WH_READ_ALOUD (object);

  wh_read_aloud_set_source (self, NULL);
  wh_read_aloud_stop (self);
  G_OBJECT_CLASS (wh_read_aloud_parent_class)->dispose (object);
}

static void
wh_read_aloud_finalize (GObject *object)
{
  WhReadAloud *self = WH_READ_ALOUD (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->sentences, g_ptr_array_unref);
  g_clear_pointer (&self->labels, g_ptr_array_unref);
  g_clear_pointer (&self->early, g_array_unref);
  g_clear_object (&self->speech);
  G_OBJECT_CLASS (wh_read_aloud_parent_class)->finalize (object);
}

static void
wh_read_aloud_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  WhReadAloud *self = WH_READ_ALOUD (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_SENTENCE:
      g_value_set_int (value, self->current);
      break;
    case PROP_RATE:
      g_value_set_int (value, self->rate);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_read_aloud_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  switch (prop_id)
    {
    case PROP_RATE:
      wh_read_aloud_set_rate (WH_READ_ALOUD (object), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
wh_read_aloud_class_init (WhReadAloudClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = wh_read_aloud_dispose;
  object_class->finalize = wh_read_aloud_finalize;
  object_class->get_property = wh_read_aloud_get_property;
  object_class->set_property = wh_read_aloud_set_property;

  properties[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, WH_READ_ALOUD_STOPPED,
                                             WH_READ_ALOUD_PAUSED, WH_READ_ALOUD_STOPPED,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_SENTENCE] = g_param_spec_int ("sentence", NULL, NULL, -1, G_MAXINT, -1,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RATE] = g_param_spec_int ("rate", NULL, NULL, -100, 100, 0,
                                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                              G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
wh_read_aloud_init (WhReadAloud *self)
{
  self->sentences = g_ptr_array_new_with_free_func ((GDestroyNotify) sentence_free);
  self->labels = g_ptr_array_new_with_free_func (g_object_unref);
  self->early = g_array_new (FALSE, FALSE, sizeof (EarlyEvent));
  self->current = -1;
}

WhReadAloud *
wh_read_aloud_new (WhSpeech *speech)
{
  WhReadAloud *self;

  g_return_val_if_fail (WH_IS_SPEECH (speech), NULL);

  self = g_object_new (WH_TYPE_READ_ALOUD, NULL);
  self->speech = g_object_ref (speech);
  g_signal_connect_object (speech, "event", G_CALLBACK (speech_event_cb), self,
                           G_CONNECT_SWAPPED);
  return self;
}
