/* sl-store.c: the storage interface, its worker thread and the async API
 * SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "sl-store"

#include "config.h"

#include "sl-store.h"
#include "sl-store-private.h"
#include "sl-store-postgres.h"
#include "sl-store-sqlite.h"
#include "sl-server-resources.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

G_DEFINE_QUARK (sl-store-error-quark, sl_store_error)

static GQuark
sl_store_worker_quark (void)
{
  return g_quark_from_static_string ("sl-store-worker");
}

G_DEFINE_INTERFACE (SlStore, sl_store, G_TYPE_OBJECT)

static void
sl_store_default_init (SlStoreInterface *iface)
{
}

void
sl_user_page_free (SlUserPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->users, g_ptr_array_unref);
  g_free (page);
}

void
sl_class_page_free (SlClassPage *page)
{
  if (page == NULL)
    return;
  g_clear_pointer (&page->classes, g_ptr_array_unref);
  g_free (page);
}

void
sl_refresh_result_free (SlRefreshResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->user, sl_user_free);
  g_free (result->session);
  g_free (result);
}

SlRefreshResult *
_sl_refresh_result_new (SlRefreshOutcome  outcome,
                        const char       *session,
                        SlUser           *user)
{
  SlRefreshResult *result = g_new0 (SlRefreshResult, 1);

  result->outcome = outcome;
  result->session = g_strdup (session);
  result->user = user;
  return result;
}

void
_sl_store_state_names (SlClassState  states,
                       const char   *names[SL_STORE_N_CLASS_STATES])
{
  for (guint i = 0; i < SL_STORE_N_CLASS_STATES; i++)
    {
      SlClassState state = 1u << i;

      names[i] = (states & state) ? sl_class_state_to_string (state) : NULL;
    }
}

/* Migrations */

void
_sl_migration_free (SlMigration *migration)
{
  if (migration == NULL)
    return;
  g_free (migration->name);
  g_free (migration->sql);
  g_free (migration);
}

static gint
sl_migration_compare (gconstpointer a,
                      gconstpointer b)
{
  const SlMigration *ma = *(SlMigration * const *) a;
  const SlMigration *mb = *(SlMigration * const *) b;

  return (ma->version > mb->version) - (ma->version < mb->version);
}

/* "0001_accounts.sql" → 1; FALSE unless the name is digits, '_', a name,
 * ".sql". */
static gboolean
sl_migration_parse_name (const char *name,
                         guint      *version)
{
  guint64 value = 0;
  const char *p = name;

  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    {
      value = value * 10 + (guint64) (*p - '0');
      if (value > G_MAXUINT)
        return FALSE;
      p++;
    }
  if (*p != '_' || !g_str_has_suffix (p, ".sql") || strlen (p) <= strlen ("_.sql"))
    return FALSE;
  *version = (guint) value;
  return value > 0;
}

GPtrArray *
_sl_store_load_migrations (const char  *dialect,
                           GError     **error)
{
  GResource *resource = sl_server_get_resource ();
  g_autofree char *dir = g_strconcat (SL_STORE_MIGRATIONS_PATH "/", dialect, "/", NULL);
  g_autoptr(GPtrArray) migrations = g_ptr_array_new_with_free_func ((GDestroyNotify) _sl_migration_free);
  g_autoptr(GError) local_error = NULL;
  g_auto(GStrv) names = NULL;

  names = g_resource_enumerate_children (resource, dir, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
  if (names == NULL)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION,
                   "No migrations for %s: %s", dialect, local_error->message);
      return NULL;
    }

  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(SlMigration) migration = g_new0 (SlMigration, 1);
      g_autofree char *path = g_strconcat (dir, names[i], NULL);
      g_autoptr(GBytes) bytes = NULL;
      gsize size;
      const char *data;

      if (!sl_migration_parse_name (names[i], &migration->version))
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION,
                       "Migration %s/%s: the name is not NNNN_name.sql",
                       dialect, names[i]);
          return NULL;
        }
      bytes = g_resource_lookup_data (resource, path, G_RESOURCE_LOOKUP_FLAGS_NONE, &local_error);
      if (bytes == NULL)
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION,
                       "Migration %s/%s: %s", dialect, names[i], local_error->message);
          return NULL;
        }
      data = g_bytes_get_data (bytes, &size);
      migration->name = g_strdup (names[i]);
      migration->sql = g_strndup (data, size);
      g_ptr_array_add (migrations, g_steal_pointer (&migration));
    }

  g_ptr_array_sort (migrations, sl_migration_compare);
  for (guint i = 1; i < migrations->len; i++)
    {
      const SlMigration *prev = g_ptr_array_index (migrations, i - 1);
      const SlMigration *cur = g_ptr_array_index (migrations, i);

      if (prev->version == cur->version)
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION,
                       "Migrations %s/%s and %s/%s have the same version",
                       dialect, prev->name, dialect, cur->name);
          return NULL;
        }
    }

  return g_steal_pointer (&migrations);
}

gboolean
_sl_store_apply_migrations (const char              *dialect,
                            gpointer                 store,
                            SlMigrationApplyFunc     apply,
                            SlMigrationRollbackFunc  rollback,
                            GError                 **error)
{
  g_autoptr(GPtrArray) migrations = _sl_store_load_migrations (dialect, error);

  if (migrations == NULL)
    return FALSE;

  for (guint i = 0; i < migrations->len; i++)
    {
      SlMigration *migration = g_ptr_array_index (migrations, i);
      g_autoptr(GError) local_error = NULL;

      if (!apply (store, migration, &local_error))
        {
          rollback (store);
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_MIGRATION,
                       "Migration %s/%s failed: %s",
                       dialect, migration->name, local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

char *
_sl_store_like_pattern (const char *query)
{
  GString *pattern;

  if (query == NULL || *query == '\0')
    return NULL;

  pattern = g_string_new ("%");
  for (const char *p = query; *p != '\0'; p++)
    {
      if (*p == '%' || *p == '_' || *p == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *p);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

/* The worker: one thread per store runs every job, in order. */

typedef struct {
  GMutex       lock;
  GThreadPool *pool;     /* NULL once closed */
  GThread     *thread;   /* the worker thread, once it ran a job */
  gboolean     closed;
} SlStoreWorker;

/* A job's arguments, copied; one shape for every method. */
typedef struct {
  gint64        id;
  gint64        time;     /* expires_at */
  gint64        now;
  guint         limit;
  guint         offset;
  SlUserFields  fields;
  char         *s1;
  char         *s2;
  SlUser       *user;
  gint64        id2;            /* a second id: user, message */
  gint64        id3;            /* a third: who deleted, who muted */
  gboolean      flag;
  SlClass      *klass;
  SlClassFields class_fields;
  SlClassState  allowed;
  SlClassState  to;
  SlClassList   which;
} SlStoreArgs;

typedef gpointer (*SlStoreJobFunc) (SlStore      *self,
                                    SlStoreArgs  *args,
                                    GError      **error);

typedef struct {
  SlStoreJobFunc  func;
  GDestroyNotify  result_free;
  SlStoreArgs     args;
} SlStoreJob;

static void
sl_store_job_free (SlStoreJob *job)
{
  g_free (job->args.s1);
  g_free (job->args.s2);
  g_clear_pointer (&job->args.user, sl_user_free);
  g_clear_pointer (&job->args.klass, sl_class_free);
  g_free (job);
}

static void
sl_store_worker_run_cb (gpointer data,
                        gpointer user_data)
{
  g_autoptr(GTask) task = data;
  SlStoreWorker *worker = user_data;
  SlStore *self = g_task_get_source_object (task);
  SlStoreJob *job = g_task_get_task_data (task);
  GError *error = NULL;
  gpointer result;

  g_atomic_pointer_set (&worker->thread, g_thread_self ());

  if (g_task_return_error_if_cancelled (task))
    return;

  result = job->func (self, &job->args, &error);
  if (result == NULL && error == NULL)
    g_set_error (&error, SL_STORE_ERROR, SL_STORE_ERROR_FAILED,
                 "The store returned no result");
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, result, job->result_free);
  /* The task (and with it maybe the store) goes last: nothing after this
   * may touch @worker. */
}

static void
sl_store_worker_free (SlStoreWorker *worker)
{
  /* Jobs hold the store, so none is queued now; but the last reference may
   * be dropped by the worker thread itself, which must not wait for itself. */
  if (worker->pool != NULL)
    {
      gboolean on_worker = g_atomic_pointer_get (&worker->thread) == g_thread_self ();

      if (on_worker)
        g_debug ("Store released on its worker thread");
      g_thread_pool_free (worker->pool, FALSE, !on_worker);
    }
  g_mutex_clear (&worker->lock);
  g_free (worker);
}

static SlStoreWorker *
sl_store_get_worker (SlStore *self)
{
  SlStoreWorker *worker;

  worker = g_object_get_qdata (G_OBJECT (self), sl_store_worker_quark ());
  if (worker != NULL)
    return worker;

  worker = g_new0 (SlStoreWorker, 1);
  g_mutex_init (&worker->lock);
  /* Exclusive, one thread: jobs run one at a time, in order, on a thread
   * of their own. */
  worker->pool = g_thread_pool_new (sl_store_worker_run_cb, worker, 1, TRUE, NULL);

  if (!g_object_replace_qdata (G_OBJECT (self), sl_store_worker_quark (), NULL, worker,
                               (GDestroyNotify) sl_store_worker_free, NULL))
    {
      sl_store_worker_free (worker);
      worker = g_object_get_qdata (G_OBJECT (self), sl_store_worker_quark ());
    }
  return worker;
}

static SlStoreJob *
sl_store_job_new (SlStoreJobFunc func,
                  GDestroyNotify result_free)
{
  SlStoreJob *job = g_new0 (SlStoreJob, 1);

  job->func = func;
  job->result_free = result_free;
  job->args.now = g_get_real_time () / G_USEC_PER_SEC;
  return job;
}

static void
sl_store_job_push (SlStore             *self,
                   SlStoreJob          *job,
                   gpointer             source_tag,
                   GCancellable        *cancellable,
                   GAsyncReadyCallback  callback,
                   gpointer             user_data)
{
  SlStoreWorker *worker = sl_store_get_worker (self);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  gboolean queued = FALSE;

  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, job, (GDestroyNotify) sl_store_job_free);

  g_mutex_lock (&worker->lock);
  if (!worker->closed)
    {
      g_thread_pool_push (worker->pool, g_object_ref (task), NULL);
      queued = TRUE;
    }
  g_mutex_unlock (&worker->lock);

  if (!queued)
    g_task_return_new_error (task, SL_STORE_ERROR, SL_STORE_ERROR_CLOSED,
                             "The store is closed");
}

static gpointer
sl_store_job_finish (SlStore       *self,
                     GAsyncResult  *result,
                     gpointer       source_tag,
                     GError       **error)
{
  g_return_val_if_fail (SL_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Argument checks, run on the worker before the implementation sees them. */

static gboolean
sl_store_check_user (const SlUser  *user,
                     SlUserFields   fields,
                     GError       **error)
{
  if ((fields & SL_USER_FIELD_DISPLAY_NAME) &&
      (user->display_name == NULL || !g_utf8_validate (user->display_name, -1, NULL)))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A display name must be valid UTF-8 text");
      return FALSE;
    }
  if ((fields & SL_USER_FIELD_ROLE) &&
      (user->role < SL_ROLE_STUDENT || user->role > SL_ROLE_ADMIN))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "Unknown role %d", (int) user->role);
      return FALSE;
    }
  if ((fields & SL_USER_FIELD_PASSWORD_HASH) &&
      (user->password_hash == NULL || *user->password_hash == '\0'))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A password hash is required");
      return FALSE;
    }
  return TRUE;
}

/* Valid UTF-8 of @min to @max characters. */
static gboolean
sl_store_check_text (const char  *text,
                     glong        min,
                     glong        max,
                     const char  *what,
                     GError     **error)
{
  glong length;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A %s must be valid UTF-8 text", what);
      return FALSE;
    }
  length = g_utf8_strlen (text, -1);
  if (length < min || length > max)
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A %s is %ld to %ld characters, not %ld", what, min, max, length);
      return FALSE;
    }
  return TRUE;
}

/* A NULL description counts as "". */
static gboolean
sl_store_check_class (SlClass        *klass,
                      SlClassFields   fields,
                      GError        **error)
{
  if ((fields & SL_CLASS_FIELD_DESCRIPTION) && klass->description == NULL)
    klass->description = g_strdup ("");

  if ((fields & SL_CLASS_FIELD_TITLE) &&
      !sl_store_check_text (klass->title, 1, SL_CLASS_TITLE_MAX, "class title", error))
    return FALSE;
  if ((fields & SL_CLASS_FIELD_DESCRIPTION) &&
      !sl_store_check_text (klass->description, 0, SL_CLASS_DESCRIPTION_MAX,
                            "class description", error))
    return FALSE;
  if ((fields & SL_CLASS_FIELD_DURATION) &&
      (klass->duration_minutes < 1 || klass->duration_minutes > SL_CLASS_DURATION_MAX))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A class lasts 1 to %d minutes, not %d",
                   SL_CLASS_DURATION_MAX, klass->duration_minutes);
      return FALSE;
    }
  if ((fields & SL_CLASS_FIELD_STREAM_KEY) &&
      (klass->stream_key == NULL || *klass->stream_key == '\0' ||
       !g_utf8_validate (klass->stream_key, -1, NULL)))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID, "A stream key is required");
      return FALSE;
    }
  return TRUE;
}

#define SL_STORE_ALL_CLASS_FIELDS (SL_CLASS_FIELD_TITLE | SL_CLASS_FIELD_DESCRIPTION | \
                                   SL_CLASS_FIELD_SCHEDULED_AT | SL_CLASS_FIELD_DURATION | \
                                   SL_CLASS_FIELD_PUBLIC | SL_CLASS_FIELD_STREAM_KEY)
#define SL_STORE_ALL_CLASS_STATES (SL_CLASS_SCHEDULED | SL_CLASS_LIVE | \
                                   SL_CLASS_ENDED | SL_CLASS_CANCELLED)

#define SL_STORE_ALL_FIELDS (SL_USER_FIELD_DISPLAY_NAME | SL_USER_FIELD_ROLE | \
                             SL_USER_FIELD_DISABLED | SL_USER_FIELD_PASSWORD_HASH)

/* Opening and closing */

SlStore *
sl_store_new_for_url (const char  *url,
                      const char  *data_dir,
                      GError     **error)
{
  g_autoptr(SlStore) store = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (url == NULL || *url == '\0')
    {
      g_autofree char *path = NULL;

      if (data_dir == NULL || *data_dir == '\0')
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                       "Neither a database URL nor a data directory was given");
          return NULL;
        }
      if (g_mkdir_with_parents (data_dir, 0700) != 0)
        {
          int saved_errno = errno;

          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_CONNECT,
                       "Could not create the data directory %s: %s",
                       data_dir, g_strerror (saved_errno));
          return NULL;
        }
      path = g_build_filename (data_dir, "streamlet.db", NULL);
      store = SL_STORE (sl_store_sqlite_new (path));
    }
  else if (g_str_has_prefix (url, "sqlite://"))
    {
      const char *path = url + strlen ("sqlite://");

      if (!g_path_is_absolute (path))
        {
          g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                       "A sqlite:// URL needs an absolute path (sqlite:///path/file.db)");
          return NULL;
        }
      store = SL_STORE (sl_store_sqlite_new (path));
    }
  else if (g_str_has_prefix (url, "postgresql://") || g_str_has_prefix (url, "postgres://"))
    {
      store = SL_STORE (sl_store_postgres_new (url));
    }
  else if (strstr (url, "://") != NULL)
    {
      const char *scheme = g_uri_peek_scheme (url);

      /* Not the whole URL: it may carry a password. */
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "Unsupported database URL scheme “%s”; use sqlite:// or postgresql://",
                   scheme != NULL ? scheme : "?");
      return NULL;
    }
  else
    {
      store = SL_STORE (sl_store_sqlite_new (url));
    }

  if (!SL_STORE_GET_IFACE (store)->open (store, error))
    return NULL;

  sl_store_get_worker (store);
  return g_steal_pointer (&store);
}

void
sl_store_close (SlStore *self)
{
  SlStoreWorker *worker;
  GThreadPool *pool;

  g_return_if_fail (SL_IS_STORE (self));

  worker = sl_store_get_worker (self);
  g_mutex_lock (&worker->lock);
  if (worker->closed)
    {
      g_mutex_unlock (&worker->lock);
      return;
    }
  worker->closed = TRUE;
  pool = g_steal_pointer (&worker->pool);
  g_mutex_unlock (&worker->lock);

  /* Runs what is queued, then stops the thread. */
  g_thread_pool_free (pool, FALSE, TRUE);
  SL_STORE_GET_IFACE (self)->close (self);
}

const char *
sl_store_get_dialect (SlStore *self)
{
  g_return_val_if_fail (SL_IS_STORE (self), NULL);

  if (SL_IS_STORE_SQLITE (self))
    return "sqlite";
  if (SL_IS_STORE_POSTGRES (self))
    return "postgresql";
  return G_OBJECT_TYPE_NAME (self);
}

/* The methods: a run function (on the worker), _async, _finish. */

static gpointer
sl_store_run_create_user (SlStore      *self,
                          SlStoreArgs  *args,
                          GError      **error)
{
  if (!sl_username_is_valid (args->user->username))
    {
      g_set_error (error, SL_STORE_ERROR, SL_STORE_ERROR_INVALID,
                   "A username is 3 to 64 characters of a-z, 0-9, '.', '_' and '-'");
      return NULL;
    }
  if (!sl_store_check_user (args->user, SL_STORE_ALL_FIELDS, error))
    return NULL;
  return SL_STORE_GET_IFACE (self)->create_user (self, args->user, error);
}

void
sl_store_create_user_async (SlStore             *self,
                            const SlUser        *user,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (user != NULL);

  job = sl_store_job_new (sl_store_run_create_user, (GDestroyNotify) sl_user_free);
  job->args.user = sl_user_copy (user);
  if (job->args.user->created_at == 0)
    job->args.user->created_at = job->args.now;
  if (job->args.user->updated_at == 0)
    job->args.user->updated_at = job->args.user->created_at;
  sl_store_job_push (self, job, sl_store_create_user_async, cancellable, callback, user_data);
}

SlUser *
sl_store_create_user_finish (SlStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_create_user_async, error);
}

static gpointer
sl_store_run_get_user (SlStore      *self,
                       SlStoreArgs  *args,
                       GError      **error)
{
  return SL_STORE_GET_IFACE (self)->get_user (self, args->id, error);
}

void
sl_store_get_user_async (SlStore             *self,
                         gint64               id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_get_user, (GDestroyNotify) sl_user_free);
  job->args.id = id;
  sl_store_job_push (self, job, sl_store_get_user_async, cancellable, callback, user_data);
}

SlUser *
sl_store_get_user_finish (SlStore       *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_get_user_async, error);
}

static gpointer
sl_store_run_get_user_by_name (SlStore      *self,
                               SlStoreArgs  *args,
                               GError      **error)
{
  return SL_STORE_GET_IFACE (self)->get_user_by_name (self, args->s1, error);
}

void
sl_store_get_user_by_name_async (SlStore             *self,
                                 const char          *username,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (username != NULL);

  job = sl_store_job_new (sl_store_run_get_user_by_name, (GDestroyNotify) sl_user_free);
  job->args.s1 = g_strdup (username);
  sl_store_job_push (self, job, sl_store_get_user_by_name_async, cancellable, callback, user_data);
}

SlUser *
sl_store_get_user_by_name_finish (SlStore       *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_get_user_by_name_async, error);
}

static gpointer
sl_store_run_list_users (SlStore      *self,
                         SlStoreArgs  *args,
                         GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_users (self, args->s1, args->limit, args->offset, error);
}

void
sl_store_list_users_async (SlStore             *self,
                           const char          *query,
                           guint                limit,
                           guint                offset,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_list_users, (GDestroyNotify) sl_user_page_free);
  job->args.s1 = g_strdup (query);
  job->args.limit = limit;
  job->args.offset = offset;
  sl_store_job_push (self, job, sl_store_list_users_async, cancellable, callback, user_data);
}

SlUserPage *
sl_store_list_users_finish (SlStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_users_async, error);
}

static gpointer
sl_store_run_update_user (SlStore      *self,
                          SlStoreArgs  *args,
                          GError      **error)
{
  if (!sl_store_check_user (args->user, args->fields, error))
    return NULL;
  return SL_STORE_GET_IFACE (self)->update_user (self, args->id, args->fields, args->user,
                                                 args->now, error);
}

void
sl_store_update_user_async (SlStore             *self,
                            gint64               id,
                            SlUserFields         fields,
                            const SlUser        *values,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (values != NULL);
  g_return_if_fail ((fields & ~SL_STORE_ALL_FIELDS) == 0);

  job = sl_store_job_new (sl_store_run_update_user, (GDestroyNotify) sl_user_free);
  job->args.id = id;
  job->args.fields = fields;
  job->args.user = sl_user_copy (values);
  sl_store_job_push (self, job, sl_store_update_user_async, cancellable, callback, user_data);
}

SlUser *
sl_store_update_user_finish (SlStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_update_user_async, error);
}

static gpointer
sl_store_run_count_users (SlStore      *self,
                          SlStoreArgs  *args,
                          GError      **error)
{
  GError *local_error = NULL;
  gint64 count = SL_STORE_GET_IFACE (self)->count_users (self, &local_error);

  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return NULL;
    }
  return g_memdup2 (&count, sizeof count);
}

void
sl_store_count_users_async (SlStore             *self,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (SL_IS_STORE (self));

  sl_store_job_push (self, sl_store_job_new (sl_store_run_count_users, g_free),
                     sl_store_count_users_async, cancellable, callback, user_data);
}

gint64
sl_store_count_users_finish (SlStore       *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_autofree gint64 *count = sl_store_job_finish (self, result, sl_store_count_users_async, error);

  return count != NULL ? *count : -1;
}

static gpointer
sl_store_run_list_disabled_users (SlStore      *self,
                                  SlStoreArgs  *args,
                                  GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_disabled_users (self, error);
}

void
sl_store_list_disabled_users_async (SlStore             *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_return_if_fail (SL_IS_STORE (self));

  sl_store_job_push (self,
                     sl_store_job_new (sl_store_run_list_disabled_users,
                                       (GDestroyNotify) g_array_unref),
                     sl_store_list_disabled_users_async, cancellable, callback, user_data);
}

GArray *
sl_store_list_disabled_users_finish (SlStore       *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_disabled_users_async, error);
}

/* Boolean results travel as GINT_TO_POINTER (TRUE). */
static gpointer
sl_store_run_add_refresh_token (SlStore      *self,
                                SlStoreArgs  *args,
                                GError      **error)
{
  return GINT_TO_POINTER (SL_STORE_GET_IFACE (self)->add_refresh_token (self, args->id, args->s1,
                                                                        args->s2, args->time,
                                                                        args->now, error));
}

void
sl_store_add_refresh_token_async (SlStore             *self,
                                  gint64               user_id,
                                  const char          *session,
                                  const char          *token_hash,
                                  gint64               expires_at,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (session != NULL && *session != '\0');
  g_return_if_fail (token_hash != NULL && *token_hash != '\0');

  job = sl_store_job_new (sl_store_run_add_refresh_token, NULL);
  job->args.id = user_id;
  job->args.s1 = g_strdup (session);
  job->args.s2 = g_strdup (token_hash);
  job->args.time = expires_at;
  sl_store_job_push (self, job, sl_store_add_refresh_token_async, cancellable, callback, user_data);
}

gboolean
sl_store_add_refresh_token_finish (SlStore       *self,
                                   GAsyncResult  *result,
                                   GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_add_refresh_token_async, error) != NULL;
}

static gpointer
sl_store_run_rotate_refresh_token (SlStore      *self,
                                   SlStoreArgs  *args,
                                   GError      **error)
{
  return SL_STORE_GET_IFACE (self)->rotate_refresh_token (self, args->s1, args->s2, args->time,
                                                          args->now, error);
}

void
sl_store_rotate_refresh_token_async (SlStore             *self,
                                     const char          *old_hash,
                                     const char          *new_hash,
                                     gint64               new_expires_at,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (old_hash != NULL);
  g_return_if_fail (new_hash != NULL && *new_hash != '\0');

  job = sl_store_job_new (sl_store_run_rotate_refresh_token,
                          (GDestroyNotify) sl_refresh_result_free);
  job->args.s1 = g_strdup (old_hash);
  job->args.s2 = g_strdup (new_hash);
  job->args.time = new_expires_at;
  sl_store_job_push (self, job, sl_store_rotate_refresh_token_async, cancellable, callback, user_data);
}

SlRefreshResult *
sl_store_rotate_refresh_token_finish (SlStore       *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_rotate_refresh_token_async, error);
}

static gpointer
sl_store_run_revoke_session (SlStore      *self,
                             SlStoreArgs  *args,
                             GError      **error)
{
  return GINT_TO_POINTER (SL_STORE_GET_IFACE (self)->revoke_session (self, args->s1, args->now,
                                                                     error));
}

void
sl_store_revoke_session_async (SlStore             *self,
                               const char          *session,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (session != NULL);

  job = sl_store_job_new (sl_store_run_revoke_session, NULL);
  job->args.s1 = g_strdup (session);
  sl_store_job_push (self, job, sl_store_revoke_session_async, cancellable, callback, user_data);
}

gboolean
sl_store_revoke_session_finish (SlStore       *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_revoke_session_async, error) != NULL;
}

static gpointer
sl_store_run_revoke_user_sessions (SlStore      *self,
                                   SlStoreArgs  *args,
                                   GError      **error)
{
  return SL_STORE_GET_IFACE (self)->revoke_user_sessions (self, args->id, args->s1,
                                                          args->now, error);
}

void
sl_store_revoke_user_sessions_async (SlStore             *self,
                                     gint64               user_id,
                                     const char          *except_session,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_revoke_user_sessions, (GDestroyNotify) g_ptr_array_unref);
  job->args.id = user_id;
  job->args.s1 = g_strdup (except_session);
  sl_store_job_push (self, job, sl_store_revoke_user_sessions_async, cancellable, callback,
                     user_data);
}

GPtrArray *
sl_store_revoke_user_sessions_finish (SlStore       *self,
                                      GAsyncResult  *result,
                                      GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_revoke_user_sessions_async, error);
}

/* Classes */

static gpointer
sl_store_run_create_class (SlStore      *self,
                           SlStoreArgs  *args,
                           GError      **error)
{
  if (!sl_store_check_class (args->klass, SL_STORE_ALL_CLASS_FIELDS, error))
    return NULL;
  return SL_STORE_GET_IFACE (self)->create_class (self, args->klass, args->now, error);
}

void
sl_store_create_class_async (SlStore             *self,
                             const SlClass       *klass,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (klass != NULL);

  job = sl_store_job_new (sl_store_run_create_class, (GDestroyNotify) sl_class_free);
  job->args.klass = sl_class_copy (klass);
  sl_store_job_push (self, job, sl_store_create_class_async, cancellable, callback, user_data);
}

SlClass *
sl_store_create_class_finish (SlStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_create_class_async, error);
}

static gpointer
sl_store_run_get_class (SlStore      *self,
                        SlStoreArgs  *args,
                        GError      **error)
{
  return SL_STORE_GET_IFACE (self)->get_class (self, args->id, error);
}

void
sl_store_get_class_async (SlStore             *self,
                          gint64               id,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_get_class, (GDestroyNotify) sl_class_free);
  job->args.id = id;
  sl_store_job_push (self, job, sl_store_get_class_async, cancellable, callback, user_data);
}

SlClass *
sl_store_get_class_finish (SlStore       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_get_class_async, error);
}

static gpointer
sl_store_run_list_classes (SlStore      *self,
                           SlStoreArgs  *args,
                           GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_classes (self, args->which, args->limit, args->offset,
                                                  error);
}

void
sl_store_list_classes_async (SlStore             *self,
                             SlClassList          which,
                             guint                limit,
                             guint                offset,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (which == SL_CLASS_LIST_LIVE || which == SL_CLASS_LIST_UPCOMING ||
                    which == SL_CLASS_LIST_PAST);

  job = sl_store_job_new (sl_store_run_list_classes, (GDestroyNotify) sl_class_page_free);
  job->args.which = which;
  job->args.limit = limit;
  job->args.offset = offset;
  sl_store_job_push (self, job, sl_store_list_classes_async, cancellable, callback, user_data);
}

SlClassPage *
sl_store_list_classes_finish (SlStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_classes_async, error);
}

static gpointer
sl_store_run_update_class (SlStore      *self,
                           SlStoreArgs  *args,
                           GError      **error)
{
  if (!sl_store_check_class (args->klass, args->class_fields, error))
    return NULL;
  return SL_STORE_GET_IFACE (self)->update_class (self, args->id, args->class_fields, args->klass,
                                                  args->allowed, args->now, error);
}

void
sl_store_update_class_async (SlStore             *self,
                             gint64               id,
                             SlClassFields        fields,
                             const SlClass       *values,
                             SlClassState         allowed,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (values != NULL);
  g_return_if_fail ((fields & ~SL_STORE_ALL_CLASS_FIELDS) == 0);
  g_return_if_fail ((allowed & ~SL_STORE_ALL_CLASS_STATES) == 0);

  job = sl_store_job_new (sl_store_run_update_class, (GDestroyNotify) sl_class_free);
  job->args.id = id;
  job->args.class_fields = fields;
  job->args.klass = sl_class_copy (values);
  job->args.allowed = allowed;
  sl_store_job_push (self, job, sl_store_update_class_async, cancellable, callback, user_data);
}

SlClass *
sl_store_update_class_finish (SlStore       *self,
                              GAsyncResult  *result,
                              GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_update_class_async, error);
}

static gpointer
sl_store_run_set_class_state (SlStore      *self,
                              SlStoreArgs  *args,
                              GError      **error)
{
  return SL_STORE_GET_IFACE (self)->set_class_state (self, args->id, args->allowed, args->to,
                                                     args->now, error);
}

void
sl_store_set_class_state_async (SlStore             *self,
                                gint64               id,
                                SlClassState         allowed,
                                SlClassState         to,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail ((allowed & ~SL_STORE_ALL_CLASS_STATES) == 0);
  /* Exactly one state to go to. */
  g_return_if_fail ((to & ~SL_STORE_ALL_CLASS_STATES) == 0 && to != 0 && (to & (to - 1)) == 0);

  job = sl_store_job_new (sl_store_run_set_class_state, (GDestroyNotify) sl_class_free);
  job->args.id = id;
  job->args.allowed = allowed;
  job->args.to = to;
  sl_store_job_push (self, job, sl_store_set_class_state_async, cancellable, callback, user_data);
}

SlClass *
sl_store_set_class_state_finish (SlStore       *self,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_set_class_state_async, error);
}

/* Chat and mutes */

static gpointer
sl_store_run_add_chat_message (SlStore      *self,
                               SlStoreArgs  *args,
                               GError      **error)
{
  if (!sl_store_check_text (args->s1, 1, SL_CHAT_TEXT_MAX, "chat message", error))
    return NULL;
  return SL_STORE_GET_IFACE (self)->add_chat_message (self, args->id, args->id2, args->s1,
                                                      args->now, error);
}

void
sl_store_add_chat_message_async (SlStore             *self,
                                 gint64               class_id,
                                 gint64               user_id,
                                 const char          *text,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (text != NULL);

  job = sl_store_job_new (sl_store_run_add_chat_message, (GDestroyNotify) sl_chat_message_free);
  job->args.id = class_id;
  job->args.id2 = user_id;
  job->args.s1 = g_strdup (text);
  sl_store_job_push (self, job, sl_store_add_chat_message_async, cancellable, callback,
                     user_data);
}

SlChatMessage *
sl_store_add_chat_message_finish (SlStore       *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_add_chat_message_async, error);
}

static gpointer
sl_store_run_list_chat_messages (SlStore      *self,
                                 SlStoreArgs  *args,
                                 GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_chat_messages (self, args->id, args->id2, args->limit,
                                                        error);
}

void
sl_store_list_chat_messages_async (SlStore             *self,
                                   gint64               class_id,
                                   gint64               before_id,
                                   guint                limit,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));
  g_return_if_fail (before_id >= 0);

  job = sl_store_job_new (sl_store_run_list_chat_messages, (GDestroyNotify) g_ptr_array_unref);
  job->args.id = class_id;
  job->args.id2 = before_id;
  job->args.limit = limit;
  sl_store_job_push (self, job, sl_store_list_chat_messages_async, cancellable, callback,
                     user_data);
}

GPtrArray *
sl_store_list_chat_messages_finish (SlStore       *self,
                                    GAsyncResult  *result,
                                    GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_chat_messages_async, error);
}

static gpointer
sl_store_run_delete_chat_message (SlStore      *self,
                                  SlStoreArgs  *args,
                                  GError      **error)
{
  return GINT_TO_POINTER (SL_STORE_GET_IFACE (self)->delete_chat_message (self, args->id,
                                                                          args->id2, args->id3,
                                                                          args->now, error));
}

void
sl_store_delete_chat_message_async (SlStore             *self,
                                    gint64               class_id,
                                    gint64               message_id,
                                    gint64               deleted_by,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_delete_chat_message, NULL);
  job->args.id = class_id;
  job->args.id2 = message_id;
  job->args.id3 = deleted_by;
  sl_store_job_push (self, job, sl_store_delete_chat_message_async, cancellable, callback,
                     user_data);
}

gboolean
sl_store_delete_chat_message_finish (SlStore       *self,
                                     GAsyncResult  *result,
                                     GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_delete_chat_message_async, error) != NULL;
}

static gpointer
sl_store_run_set_muted (SlStore      *self,
                        SlStoreArgs  *args,
                        GError      **error)
{
  return GINT_TO_POINTER (SL_STORE_GET_IFACE (self)->set_muted (self, args->id, args->id2,
                                                                args->flag, args->id3,
                                                                args->now, error));
}

void
sl_store_set_muted_async (SlStore             *self,
                          gint64               class_id,
                          gint64               user_id,
                          gboolean             muted,
                          gint64               by,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_set_muted, NULL);
  job->args.id = class_id;
  job->args.id2 = user_id;
  job->args.flag = !!muted;
  job->args.id3 = by;
  sl_store_job_push (self, job, sl_store_set_muted_async, cancellable, callback, user_data);
}

gboolean
sl_store_set_muted_finish (SlStore       *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_set_muted_async, error) != NULL;
}

static gpointer
sl_store_run_list_muted (SlStore      *self,
                         SlStoreArgs  *args,
                         GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_muted (self, args->id, error);
}

void
sl_store_list_muted_async (SlStore             *self,
                           gint64               class_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_list_muted, (GDestroyNotify) g_array_unref);
  job->args.id = class_id;
  sl_store_job_push (self, job, sl_store_list_muted_async, cancellable, callback, user_data);
}

GArray *
sl_store_list_muted_finish (SlStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_muted_async, error);
}

/* Hands */

static gpointer
sl_store_run_raise_hand (SlStore      *self,
                         SlStoreArgs  *args,
                         GError      **error)
{
  return SL_STORE_GET_IFACE (self)->raise_hand (self, args->id, args->id2, args->now, error);
}

void
sl_store_raise_hand_async (SlStore             *self,
                           gint64               class_id,
                           gint64               user_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_raise_hand, (GDestroyNotify) g_ptr_array_unref);
  job->args.id = class_id;
  job->args.id2 = user_id;
  sl_store_job_push (self, job, sl_store_raise_hand_async, cancellable, callback, user_data);
}

GPtrArray *
sl_store_raise_hand_finish (SlStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_raise_hand_async, error);
}

static gpointer
sl_store_run_lower_hand (SlStore      *self,
                         SlStoreArgs  *args,
                         GError      **error)
{
  return SL_STORE_GET_IFACE (self)->lower_hand (self, args->id, args->id2, error);
}

void
sl_store_lower_hand_async (SlStore             *self,
                           gint64               class_id,
                           gint64               user_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_lower_hand, (GDestroyNotify) g_ptr_array_unref);
  job->args.id = class_id;
  job->args.id2 = user_id;
  sl_store_job_push (self, job, sl_store_lower_hand_async, cancellable, callback, user_data);
}

GPtrArray *
sl_store_lower_hand_finish (SlStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_lower_hand_async, error);
}

static gpointer
sl_store_run_list_hands (SlStore      *self,
                         SlStoreArgs  *args,
                         GError      **error)
{
  return SL_STORE_GET_IFACE (self)->list_hands (self, args->id, error);
}

void
sl_store_list_hands_async (SlStore             *self,
                           gint64               class_id,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  SlStoreJob *job;

  g_return_if_fail (SL_IS_STORE (self));

  job = sl_store_job_new (sl_store_run_list_hands, (GDestroyNotify) g_ptr_array_unref);
  job->args.id = class_id;
  sl_store_job_push (self, job, sl_store_list_hands_async, cancellable, callback, user_data);
}

GPtrArray *
sl_store_list_hands_finish (SlStore       *self,
                            GAsyncResult  *result,
                            GError       **error)
{
  return sl_store_job_finish (self, result, sl_store_list_hands_async, error);
}
