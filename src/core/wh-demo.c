/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "wh-demo"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "wh-demo.h"

struct _WhDemoServer
{
  GObject parent_instance;

  /* Owned references */
  char        *data_dir;
  GSubprocess *process;
};

G_DEFINE_FINAL_TYPE (WhDemoServer, wh_demo_server, G_TYPE_OBJECT)

static void
wh_demo_server_finalize (GObject *object)
{
  WhDemoServer *self = WH_DEMO_SERVER (object);

  wh_demo_server_stop (self);
  g_free (self->data_dir);
  G_OBJECT_CLASS (wh_demo_server_parent_class)->finalize (object);
}

static void
wh_demo_server_class_init (WhDemoServerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = wh_demo_server_finalize;
}

static void
wh_demo_server_init (WhDemoServer *self)
{
}

WhDemoServer *
wh_demo_server_new (const char *data_dir)
{
  WhDemoServer *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (WH_TYPE_DEMO_SERVER, NULL);
  self->data_dir = g_strdup (data_dir);
  return self;
}

char *
wh_demo_server_find_binary (void)
{
  const char *env = g_getenv ("WH_SERVER_BINARY");
  g_autofree char *self_path = g_file_read_link ("/proc/self/exe", NULL);

  if (env && g_file_test (env, G_FILE_TEST_IS_EXECUTABLE))
    return g_strdup (env);
  if (self_path)
    {
      g_autofree char *dir = g_path_get_dirname (self_path);
      g_autofree char *installed = g_build_filename (dir, "workers-home-server", NULL);
      g_autofree char *build_tree = g_build_filename (dir, "..", "server", "workers-home-server",
                                                      NULL);

      if (g_file_test (installed, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&installed);
      if (g_file_test (build_tree, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&build_tree);
    }
  return g_find_program_in_path ("workers-home-server");
}

static void
child_setup (gpointer user_data)
{
  /* The server must not outlive the app that started it. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                     result, NULL, &error);
  const char *prefix = "Listening on ";
  GCancellable *cancellable;

  if (line == NULL)
    {
      if (error == NULL)
        g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("The demo backend stopped before it was ready."));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_str_has_prefix (line, prefix))
    {
      g_task_return_pointer (task, g_strdup (line + strlen (prefix)), g_free);
      return;
    }
  /* Taken before the task is handed on: argument order is unspecified. */
  cancellable = g_task_get_cancellable (task);
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT,
                                       cancellable, read_line_cb, g_steal_pointer (&task));
}

void
wh_demo_server_start_async (WhDemoServer        *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *binary = wh_demo_server_find_binary ();
  g_autofree char *db_path = g_build_filename (self->data_dir, "demo-server.db", NULL);
  g_autofree char *log_path = g_build_filename (self->data_dir, "demo-server.log", NULL);

  g_return_if_fail (WH_IS_DEMO_SERVER (self));
  g_return_if_fail (self->process == NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, wh_demo_server_start_async);

  if (binary == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                               _("The demo backend (workers-home-server) is not installed."));
      return;
    }
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno),
                               _("Cannot create the folder for the demo data: %s"),
                               g_strerror (errno));
      return;
    }

  g_ptr_array_add (argv, binary);
  g_ptr_array_add (argv, (char *) "--db");
  g_ptr_array_add (argv, db_path);
  /* A database left half-written by an interrupted first start has rev 0
   * and is refused by --generate, so start over from an absent file. */
  if (!g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_ptr_array_add (argv, (char *) "--generate=city");
      g_ptr_array_add (argv, (char *) "--serve");
    }
  g_ptr_array_add (argv, (char *) "--port=0");
  g_ptr_array_add (argv, (char *) "--demo-code=000000");
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_set_stderr_file_path (launcher, log_path);
  self->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                &error);
  if (self->process == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_debug ("Started %s, log in %s", binary, log_path);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (self->process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, cancellable, read_line_cb,
                                       g_steal_pointer (&task));
}

char *
wh_demo_server_start_finish (WhDemoServer *self,
                             GAsyncResult *result,
                             GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
wh_demo_server_stop (WhDemoServer *self)
{
  g_return_if_fail (WH_IS_DEMO_SERVER (self));

  if (self->process)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_clear_object (&self->process);
    }
}
