/* sl-class-browser.c: the classes everyone sees: Live Now, Upcoming and
 * Recordings, kept current from the hub; search
 * SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "sl-class-browser"

#include "config.h"

#include "sl-class-browser.h"

#include "sl-class-row.h"
#include "sl-client-error.h"
#include "sl-ui-errors.h"

#include <glib/gi18n.h>

/* The hub tells every signed-in client when a class is scheduled, starts,
 * ends, changes or its video comes and goes (docs/protocol.md), but not
 * when a recording is ready: that is polled, and so is everything else
 * now and then, in case an event was missed. */
#define POLL_SECONDS          30
#define SETTLE_SECONDS        5     /* a recording being made */
#define SETTLE_EMPTY_TRIES    12    /* an ended class with no recording yet */
#define URL_MARGIN_SECONDS    120   /* signed URLs are renewed before they run out */
#define LIST_LIMIT            "100"
#define PAST_LIMIT            "30"

typedef enum {
  SECTION_LIVE,
  SECTION_UPCOMING,
  SECTION_RECORDINGS,
  N_SECTIONS
} SectionId;

typedef struct {
  GtkStack      *stack;
  GtkSpinner    *spinner;
  AdwStatusPage *error;
  AdwStatusPage *empty;
  GtkListBox    *list;
  GHashTable    *rows;       /* class id (live, upcoming) or recording id → SlClassRow,
                              * borrowed: the list owns its rows */
  guint          pending;    /* its requests under way */
  gboolean       loaded;     /* answered at least once */
  GError        *failure;    /* the last answer, when it was an error */
} Section;

/* An ended class, whose recordings the Recordings section shows. */
typedef struct {
  JsonObject *klass;
  gint64      fetched_at;    /* monotonic µs of the last answer; 0: none yet */
  gint64      expires_at;    /* Unix s when its signed URLs run out; G_MAXINT64: none */
  gboolean    fetching;
  gboolean    settling;      /* a recording is still being made */
  guint       empty_tries;   /* answers that had no recording */
} PastClass;

struct _SlClassBrowser {
  AdwBin          parent_instance;

  GtkSearchBar   *search_bar;
  GtkSearchEntry *search_entry;
  AdwViewStack   *sections_stack;
  Section         sections[N_SECTIONS];

  SlSession      *session;
  SlApiClient    *api;
  SlWsClient     *hub;
  GCancellable   *cancellable;
  GHashTable     *past;          /* class id → PastClass */
  GHashTable     *ranks;         /* class id → how far its state went (it only goes forward) */
  GHashTable     *event_times;   /* class id → monotonic µs of the hub's last word on it */
  char           *filter;        /* the search, folded; NULL: none */
  char           *play_after;    /* a recording to play once its URLs are renewed */
  guint           poll_id;
  guint           settle_id;
  gint64          polled_at;
};

G_DEFINE_FINAL_TYPE (SlClassBrowser, sl_class_browser, ADW_TYPE_BIN)

static void load_live       (SlClassBrowser *self);
static void load_upcoming   (SlClassBrowser *self);
static void load_past       (SlClassBrowser *self);
static void fetch_watch     (SlClassBrowser *self,
                             gint64          class_id);
static void fetch_recordings (SlClassBrowser *self,
                              PastClass      *pc);
static void update_settle_timer (SlClassBrowser *self);

/* ---- small things ------------------------------------------------------------ */

static gint64 *
id_key (gint64 id)
{
  return g_memdup2 (&id, sizeof id);
}

static gint64
int_member (JsonObject *object,
            const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return 0;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return 0;
  return json_node_get_int (node);
}

static const char *
string_member (JsonObject *object,
               const char *name)
{
  JsonNode *node;

  if (object == NULL || !json_object_has_member (object, name))
    return NULL;
  node = json_object_get_member (object, name);
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static JsonObject *
object_member (JsonObject *object,
               const char *name)
{
  if (object == NULL || !json_object_has_member (object, name) ||
      !JSON_NODE_HOLDS_OBJECT (json_object_get_member (object, name)))
    return NULL;
  return json_object_get_object_member (object, name);
}

static JsonArray *
array_member (JsonObject *object,
              const char *name)
{
  if (object == NULL || !json_object_has_member (object, name) ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, name)))
    return NULL;
  return json_object_get_array_member (object, name);
}

/* scheduled → live → ended; scheduled → cancelled */
static int
state_rank (const char *state)
{
  if (g_strcmp0 (state, "scheduled") == 0)
    return 0;
  if (g_strcmp0 (state, "live") == 0)
    return 1;
  if (g_strcmp0 (state, "ended") == 0 || g_strcmp0 (state, "cancelled") == 0)
    return 2;
  return -1;
}

static gint64
event_time (SlClassBrowser *self,
            gint64          class_id)
{
  gint64 *when = g_hash_table_lookup (self->event_times, &class_id);

  return when != NULL ? *when : 0;
}

static void
past_class_free (PastClass *pc)
{
  g_clear_pointer (&pc->klass, json_object_unref);
  g_free (pc);
}

/* One request: the browser (a reference), what it is about, when it left. */
typedef struct {
  SlClassBrowser *self;
  GCancellable   *cancellable;
  gint64          class_id;
  gint64          sent_at;
} Call;

static Call *
call_new (SlClassBrowser *self,
          gint64          class_id)
{
  Call *call = g_new0 (Call, 1);

  call->self = g_object_ref (self);
  call->cancellable = g_object_ref (self->cancellable);
  call->class_id = class_id;
  call->sent_at = g_get_monotonic_time ();
  return call;
}

static void
call_free (Call *call)
{
  g_object_unref (call->self);
  g_object_unref (call->cancellable);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_free)

/* The answer of @call's request, or NULL with @error; *@gone is TRUE when
 * the request was cancelled (signed out, page gone): leave everything be. */
static JsonObject *
call_finish (Call          *call,
             GObject       *source,
             GAsyncResult  *result,
             gboolean      *gone,
             GError       **error)
{
  JsonObject *answer;

  answer = sl_api_client_request_finish (SL_API_CLIENT (source), result, error);
  *gone = g_cancellable_is_cancelled (call->cancellable) ||
          (answer == NULL && g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  return answer;
}

/* ---- what each section shows ----------------------------------------------------- */

static gboolean
section_has_match (Section *section)
{
  GHashTableIter iter;
  gpointer row;

  g_hash_table_iter_init (&iter, section->rows);
  while (g_hash_table_iter_next (&iter, NULL, &row))
    if (gtk_widget_get_child_visible (GTK_WIDGET (row)))
      return TRUE;
  return FALSE;
}

static void
update_section_view (SlClassBrowser *self,
                     SectionId       id)
{
  Section *section = &self->sections[id];
  const char *page;

  if (g_hash_table_size (section->rows) > 0)
    {
      if (self->filter != NULL && !section_has_match (section))
        {
          g_autofree char *text = NULL;

          switch (id)
            {
            case SECTION_LIVE:
              text = g_strdup_printf (_("No live class matches “%s”."),
                                      gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
              break;
            case SECTION_UPCOMING:
              text = g_strdup_printf (_("No upcoming class matches “%s”."),
                                      gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
              break;
            case SECTION_RECORDINGS:
            default:
              text = g_strdup_printf (_("No recording matches “%s”."),
                                      gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
              break;
            }
          adw_status_page_set_icon_name (section->empty, "system-search-symbolic");
          adw_status_page_set_title (section->empty, _("No Results"));
          adw_status_page_set_description (section->empty, text);
          page = "empty";
        }
      else
        page = "list";
    }
  else if (section->failure != NULL)
    {
      g_autofree char *text = sl_ui_error_text (section->failure);

      adw_status_page_set_description (section->error, text);
      page = "error";
    }
  else if (!section->loaded && section->pending > 0)
    page = "loading";
  else
    {
      static const struct {
        const char *icon;
        const char *title;
        const char *description;
      } empty[N_SECTIONS] = {
        [SECTION_LIVE] = { "video-display-symbolic", N_("No Live Classes Right Now"),
                           N_("A class shows up here as soon as its teacher goes live.") },
        [SECTION_UPCOMING] = { "x-office-calendar-symbolic", N_("No Upcoming Classes"),
                               N_("Classes your teachers schedule show up here.") },
        [SECTION_RECORDINGS] = { "folder-videos-symbolic", N_("No Recordings Yet"),
                                 N_("Recordings of past classes show up here once they are "
                                    "ready.") },
      };

      adw_status_page_set_icon_name (section->empty, empty[id].icon);
      adw_status_page_set_title (section->empty, _(empty[id].title));
      adw_status_page_set_description (section->empty, _(empty[id].description));
      page = "empty";
    }

  gtk_stack_set_visible_child_name (section->stack, page);
  gtk_spinner_set_spinning (section->spinner, g_str_equal (page, "loading"));

  if (id == SECTION_LIVE)
    {
      AdwViewStackPage *stack_page = adw_view_stack_get_page (self->sections_stack,
                                                              GTK_WIDGET (section->stack));
      gboolean shown = adw_view_stack_get_visible_child (self->sections_stack) ==
                       GTK_WIDGET (section->stack);
      guint n = g_hash_table_size (section->rows);

      /* how many are live, highlighted while looking at another section */
      adw_view_stack_page_set_badge_number (stack_page, n);
      adw_view_stack_page_set_needs_attention (stack_page, !shown && n > 0);
    }
}

static void
section_begin (SlClassBrowser *self,
               SectionId       id)
{
  self->sections[id].pending++;
  update_section_view (self, id);
}

static void
section_end (SlClassBrowser *self,
             SectionId       id,
             const GError   *error)
{
  Section *section = &self->sections[id];

  if (section->pending > 0)
    section->pending--;
  g_clear_error (&section->failure);
  if (error != NULL)
    {
      g_debug ("section %d: %s", id, error->message);
      section->failure = g_error_copy (error);
    }
  else if (section->pending == 0)
    section->loaded = TRUE;
  update_section_view (self, id);
}

static void
section_shown_cb (SlClassBrowser *self)
{
  update_section_view (self, SECTION_LIVE);
}

/* ---- rows ---------------------------------------------------------------------------- */

static SlClassRow *
class_row (SlClassBrowser *self,
           SectionId       id,
           gint64          class_id)
{
  return g_hash_table_lookup (self->sections[id].rows, &class_id);
}

static SlClassRow *
upsert_class_row (SlClassBrowser *self,
                  SectionId       id,
                  JsonObject     *klass)
{
  Section *section = &self->sections[id];
  gint64 class_id = int_member (klass, "id");
  SlClassRow *row = class_row (self, id, class_id);

  if (row == NULL)
    {
      row = sl_class_row_new (id == SECTION_LIVE ? SL_CLASS_ROW_LIVE : SL_CLASS_ROW_UPCOMING);
      sl_class_row_set_class (row, klass);
      g_hash_table_insert (section->rows, id_key (class_id), row);
      gtk_list_box_append (section->list, GTK_WIDGET (row));
    }
  else
    {
      sl_class_row_set_class (row, klass);
      gtk_list_box_row_changed (GTK_LIST_BOX_ROW (row));
    }
  update_section_view (self, id);
  return row;
}

static void
remove_class_row (SlClassBrowser *self,
                  SectionId       id,
                  gint64          class_id)
{
  Section *section = &self->sections[id];
  SlClassRow *row = class_row (self, id, class_id);

  if (row == NULL)
    return;
  g_hash_table_remove (section->rows, &class_id);
  gtk_list_box_remove (section->list, GTK_WIDGET (row));
  update_section_view (self, id);
}

/* Drops @class_id's recording rows that are not in @keep (NULL: all). */
static void
remove_recording_rows (SlClassBrowser *self,
                       gint64          class_id,
                       GHashTable     *keep)
{
  Section *section = &self->sections[SECTION_RECORDINGS];
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, section->rows);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      SlClassRow *row = value;

      if (sl_class_row_get_class_id (row) != class_id ||
          (keep != NULL && g_hash_table_contains (keep, key)))
        continue;
      gtk_list_box_remove (section->list, GTK_WIDGET (row));
      g_hash_table_iter_remove (&iter);
    }
  update_section_view (self, SECTION_RECORDINGS);
}

static void
show_recordings (SlClassBrowser *self,
                 PastClass      *pc,
                 JsonArray      *recordings)
{
  Section *section = &self->sections[SECTION_RECORDINGS];
  gint64 class_id = int_member (pc->klass, "id");
  g_autoptr(GHashTable) keep = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = json_array_get_length (recordings);

  pc->settling = FALSE;
  pc->expires_at = G_MAXINT64;
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (recordings, i);
      JsonObject *recording;
      const char *rec_id;
      const char *expires;
      SlClassRow *row;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      recording = json_node_get_object (node);
      rec_id = string_member (recording, "id");
      if (rec_id == NULL)
        continue;
      g_hash_table_add (keep, (gpointer) rec_id);

      row = g_hash_table_lookup (section->rows, rec_id);
      if (row == NULL)
        {
          row = sl_class_row_new (SL_CLASS_ROW_RECORDING);
          sl_class_row_set_class (row, pc->klass);
          sl_class_row_set_recording (row, recording, i + 1, n);
          g_hash_table_insert (section->rows, g_strdup (rec_id), row);
          gtk_list_box_append (section->list, GTK_WIDGET (row));
        }
      else
        {
          sl_class_row_set_class (row, pc->klass);
          sl_class_row_set_recording (row, recording, i + 1, n);
          gtk_list_box_row_changed (GTK_LIST_BOX_ROW (row));
        }
      if (sl_class_row_is_settling (row))
        pc->settling = TRUE;

      expires = string_member (recording, "urls_expire_at");
      if (expires != NULL)
        {
          g_autoptr(GDateTime) when = g_date_time_new_from_iso8601 (expires, NULL);

          if (when != NULL)
            pc->expires_at = MIN (pc->expires_at, g_date_time_to_unix (when));
        }
    }
  if (n == 0)
    pc->empty_tries++;
  remove_recording_rows (self, class_id, keep);
}

/* ---- where a class goes ----------------------------------------------------------- */

static PastClass *
add_past (SlClassBrowser *self,
          JsonObject     *klass)
{
  gint64 class_id = int_member (klass, "id");
  PastClass *pc = g_hash_table_lookup (self->past, &class_id);

  if (pc == NULL)
    {
      pc = g_new0 (PastClass, 1);
      pc->expires_at = G_MAXINT64;
      g_hash_table_insert (self->past, id_key (class_id), pc);
    }
  json_object_ref (klass);
  g_clear_pointer (&pc->klass, json_object_unref);
  pc->klass = klass;
  return pc;
}

static void
remove_past (SlClassBrowser *self,
             gint64          class_id)
{
  remove_recording_rows (self, class_id, NULL);
  g_hash_table_remove (self->past, &class_id);
}

/* Shows @klass where its state says; a state older than one seen before
 * (an answer overtaken by the hub) is left out. */
static void
place_class (SlClassBrowser *self,
             JsonObject     *klass,
             gboolean        from_hub)
{
  gint64 class_id = int_member (klass, "id");
  const char *state = string_member (klass, "state");
  int rank = state_rank (state);
  gpointer known;

  if (class_id <= 0 || rank < 0)
    return;
  if (g_hash_table_lookup_extended (self->ranks, &class_id, NULL, &known) &&
      GPOINTER_TO_INT (known) > rank)
    return;
  g_hash_table_insert (self->ranks, id_key (class_id), GINT_TO_POINTER (rank));

  if (g_str_equal (state, "scheduled"))
    {
      remove_class_row (self, SECTION_LIVE, class_id);
      upsert_class_row (self, SECTION_UPCOMING, klass);
    }
  else if (g_str_equal (state, "live"))
    {
      gboolean added = class_row (self, SECTION_LIVE, class_id) == NULL;

      remove_class_row (self, SECTION_UPCOMING, class_id);
      upsert_class_row (self, SECTION_LIVE, klass);
      if (added || from_hub)
        fetch_watch (self, class_id);
    }
  else
    {
      remove_class_row (self, SECTION_LIVE, class_id);
      remove_class_row (self, SECTION_UPCOMING, class_id);
      if (g_str_equal (state, "ended"))
        {
          PastClass *pc = add_past (self, klass);

          if (from_hub)
            {
              /* its recording is being finished: look now, then every few seconds */
              pc->empty_tries = 0;
              fetch_recordings (self, pc);
            }
        }
    }
}

/* Makes @id's rows those of @classes, an answer to a request sent at
 * @sent_at: classes the hub spoke of since are left as the hub said. */
static void
sync_section (SlClassBrowser *self,
              SectionId       id,
              JsonArray      *classes,
              gint64          sent_at)
{
  Section *section = &self->sections[id];
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) gone = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer key;

  for (guint i = 0; classes != NULL && i < json_array_get_length (classes); i++)
    {
      JsonNode *node = json_array_get_element (classes, i);
      JsonObject *klass;
      gint64 class_id;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      klass = json_node_get_object (node);
      class_id = int_member (klass, "id");
      g_hash_table_add (seen, id_key (class_id));
      if (event_time (self, class_id) <= sent_at)
        place_class (self, klass, FALSE);
    }

  g_hash_table_iter_init (&iter, section->rows);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      gint64 class_id = *(gint64 *) key;

      if (!g_hash_table_contains (seen, &class_id) && event_time (self, class_id) <= sent_at)
        g_array_append_val (gone, class_id);
    }
  for (guint i = 0; i < gone->len; i++)
    remove_class_row (self, id, g_array_index (gone, gint64, i));
}

/* ---- requests ---------------------------------------------------------------------- */

static void
list_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data,
         SectionId     id)
{
  g_autoptr(Call) call = user_data;
  SlClassBrowser *self = call->self;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  gboolean gone;

  answer = call_finish (call, source, result, &gone, &error);
  if (gone)
    return;
  if (answer != NULL)
    sync_section (self, id, array_member (answer, "classes"), call->sent_at);
  section_end (self, id, error);
}

static void
live_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  list_cb (source, result, user_data, SECTION_LIVE);
}

static void
upcoming_listed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  list_cb (source, result, user_data, SECTION_UPCOMING);
}

static void
load_live (SlClassBrowser *self)
{
  section_begin (self, SECTION_LIVE);
  sl_api_client_request_async (self->api, "GET", "/api/classes/live?limit=" LIST_LIMIT, NULL,
                               self->cancellable, live_listed_cb, call_new (self, 0));
}

static void
load_upcoming (SlClassBrowser *self)
{
  section_begin (self, SECTION_UPCOMING);
  sl_api_client_request_async (self->api, "GET", "/api/classes/upcoming?limit=" LIST_LIMIT, NULL,
                               self->cancellable, upcoming_listed_cb, call_new (self, 0));
}

static void
watch_state_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  SlClassRow *row;
  gboolean gone;

  answer = call_finish (call, source, result, &gone, &error);
  if (gone)
    return;
  if (answer == NULL)
    {
      /* the row keeps what it showed */
      g_debug ("class %" G_GINT64_FORMAT ": no watch state: %s", call->class_id, error->message);
      return;
    }
  row = class_row (call->self, SECTION_LIVE, call->class_id);
  if (row == NULL)
    return;
  sl_class_row_set_stream (row,
                           json_object_has_member (answer, "online") &&
                           json_object_get_boolean_member (answer, "online"),
                           json_object_has_member (answer, "viewers")
                           ? int_member (answer, "viewers") : -1);
}

/* Whether the video comes through and how many watch (GET /api/watch/<id>,
 * without a page id, so this look is not counted as a viewer). */
static void
fetch_watch (SlClassBrowser *self,
             gint64          class_id)
{
  g_autofree char *path = g_strdup_printf ("/api/watch/%" G_GINT64_FORMAT "?after=%" G_GINT64_FORMAT,
                                           class_id, G_MAXINT64);

  sl_api_client_request_async (self->api, "GET", path, NULL, self->cancellable, watch_state_cb,
                               call_new (self, class_id));
}

static void
play_recording (SlClassBrowser *self,
                PastClass      *pc,
                JsonObject     *recording)
{
  g_autoptr(JsonObject) copy = json_object_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  GList *members = json_object_get_members (recording);

  /* the recording as the API gave it, and its class for the title */
  for (GList *l = members; l != NULL; l = l->next)
    json_object_set_member (copy, l->data,
                            json_node_copy (json_object_get_member (recording, l->data)));
  g_list_free (members);
  if (pc != NULL && pc->klass != NULL)
    json_object_set_object_member (copy, "class", json_object_ref (pc->klass));

  node = json_node_init_object (json_node_alloc (), copy);
  text = json_to_string (node, FALSE);
  /* not _variant: that one never sinks a floating parameter */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.play-recording", "s", text);
}

static void
recordings_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  SlClassBrowser *self = call->self;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  PastClass *pc;
  gboolean gone;

  answer = call_finish (call, source, result, &gone, &error);
  if (gone)
    return;

  pc = g_hash_table_lookup (self->past, &call->class_id);
  if (pc != NULL)
    {
      pc->fetching = FALSE;
      pc->fetched_at = g_get_monotonic_time ();
      if (answer != NULL)
        {
          g_autoptr(JsonArray) none = json_array_new ();
          JsonArray *recordings = array_member (answer, "recordings");

          show_recordings (self, pc, recordings != NULL ? recordings : none);
        }
      else if (g_error_matches (error, SL_CLIENT_ERROR, SL_CLIENT_ERROR_NOT_FOUND))
        {
          remove_past (self, call->class_id);
          pc = NULL;
          g_clear_error (&error);
        }
    }
  section_end (self, SECTION_RECORDINGS, error);

  /* a recording asked for while its links were old: play it now */
  if (self->play_after != NULL && pc != NULL && answer != NULL)
    {
      SlClassRow *row = g_hash_table_lookup (self->sections[SECTION_RECORDINGS].rows,
                                             self->play_after);

      if (row != NULL && sl_class_row_get_class_id (row) == call->class_id)
        {
          g_clear_pointer (&self->play_after, g_free);
          if (gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (row)))
            play_recording (self, pc, sl_class_row_get_recording (row));
        }
    }
  update_settle_timer (self);
}

static void
fetch_recordings (SlClassBrowser *self,
                  PastClass      *pc)
{
  gint64 class_id = int_member (pc->klass, "id");
  g_autofree char *path = NULL;

  if (pc->fetching)
    return;
  pc->fetching = TRUE;
  path = g_strdup_printf ("/api/classes/%" G_GINT64_FORMAT "/recordings", class_id);
  section_begin (self, SECTION_RECORDINGS);
  sl_api_client_request_async (self->api, "GET", path, NULL, self->cancellable, recordings_cb,
                               call_new (self, class_id));
}

static gboolean
needs_settling (PastClass *pc)
{
  return !pc->fetching && pc->fetched_at > 0 &&
         (pc->settling || (pc->empty_tries > 0 && pc->empty_tries < SETTLE_EMPTY_TRIES));
}

static gboolean
settle_cb (gpointer user_data)
{
  SlClassBrowser *self = user_data;
  GHashTableIter iter;
  gpointer value;

  self->settle_id = 0;
  g_hash_table_iter_init (&iter, self->past);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (needs_settling (value))
      fetch_recordings (self, value);
  return G_SOURCE_REMOVE;
}

/* Looks again in a few seconds while a recording is being made. */
static void
update_settle_timer (SlClassBrowser *self)
{
  GHashTableIter iter;
  gpointer value;

  if (self->settle_id != 0 || self->api == NULL)
    return;
  g_hash_table_iter_init (&iter, self->past);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (needs_settling (value))
      {
        self->settle_id = g_timeout_add_seconds (SETTLE_SECONDS, settle_cb, self);
        return;
      }
}

static void
past_listed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(Call) call = user_data;
  SlClassBrowser *self = call->self;
  g_autoptr(JsonObject) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GArray) gone_ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  JsonArray *classes;
  GHashTableIter iter;
  gpointer key, value;
  gboolean gone;

  answer = call_finish (call, source, result, &gone, &error);
  if (gone)
    return;
  if (answer == NULL)
    {
      section_end (self, SECTION_RECORDINGS, error);
      return;
    }

  classes = array_member (answer, "classes");
  for (guint i = 0; classes != NULL && i < json_array_get_length (classes); i++)
    {
      JsonNode *node = json_array_get_element (classes, i);
      JsonObject *klass;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      klass = json_node_get_object (node);
      if (g_strcmp0 (string_member (klass, "state"), "ended") != 0)
        continue;
      g_hash_table_add (seen, id_key (int_member (klass, "id")));
      if (event_time (self, int_member (klass, "id")) <= call->sent_at)
        place_class (self, klass, FALSE);
    }

  /* older than the list reaches, or gone */
  g_hash_table_iter_init (&iter, self->past);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (seen, key) && event_time (self, *(gint64 *) key) <= call->sent_at)
      g_array_append_val (gone_ids, *(gint64 *) key);
  for (guint i = 0; i < gone_ids->len; i++)
    remove_past (self, g_array_index (gone_ids, gint64, i));

  /* the recordings of those not looked at yet, or whose links run out soon */
  g_hash_table_iter_init (&iter, self->past);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PastClass *pc = value;

      if (pc->fetched_at == 0 || pc->settling || pc->expires_at - now < URL_MARGIN_SECONDS)
        fetch_recordings (self, pc);
    }
  section_end (self, SECTION_RECORDINGS, NULL);
}

static void
load_past (SlClassBrowser *self)
{
  section_begin (self, SECTION_RECORDINGS);
  sl_api_client_request_async (self->api, "GET", "/api/classes/past?limit=" PAST_LIMIT, NULL,
                               self->cancellable, past_listed_cb, call_new (self, 0));
}

static void
reload_all (SlClassBrowser *self)
{
  if (self->api == NULL)
    return;
  self->polled_at = g_get_monotonic_time ();
  load_live (self);
  load_upcoming (self);
  load_past (self);
}

/* ---- keeping current ------------------------------------------------------------------ */

static void
update_times (SlClassBrowser *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  for (guint id = 0; id < N_SECTIONS; id++)
    {
      GHashTableIter iter;
      gpointer row;

      g_hash_table_iter_init (&iter, self->sections[id].rows);
      while (g_hash_table_iter_next (&iter, NULL, &row))
        sl_class_row_update_time (row, now);
    }
}

static void
poll (SlClassBrowser *self)
{
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer key, value;

  if (self->api == NULL)
    return;
  self->polled_at = g_get_monotonic_time ();
  update_times (self);

  /* nobody announces a newly scheduled class */
  load_upcoming (self);
  /* viewer counts */
  g_hash_table_iter_init (&iter, self->sections[SECTION_LIVE].rows);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    fetch_watch (self, *(gint64 *) key);

  if (self->hub == NULL || sl_ws_client_get_state (self->hub) != SL_WS_CONNECTED)
    {
      /* the hub's news are not reaching us: ask for everything */
      load_live (self);
      load_past (self);
      return;
    }
  g_hash_table_iter_init (&iter, self->past);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      PastClass *pc = value;

      if (pc->fetched_at > 0 && pc->expires_at - now < URL_MARGIN_SECONDS)
        fetch_recordings (self, pc);
    }
}

static gboolean
poll_cb (gpointer user_data)
{
  poll (SL_CLASS_BROWSER (user_data));
  return G_SOURCE_CONTINUE;
}

static void
start_polling (SlClassBrowser *self)
{
  if (self->poll_id != 0 || self->api == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (g_get_monotonic_time () - self->polled_at > POLL_SECONDS * G_USEC_PER_SEC)
    poll (self);
  self->poll_id = g_timeout_add_seconds (POLL_SECONDS, poll_cb, self);
}

static void
stop_polling (SlClassBrowser *self)
{
  g_clear_handle_id (&self->poll_id, g_source_remove);
}

static void
hub_message_cb (SlWsClient     *hub,
                JsonObject     *message,
                SlClassBrowser *self)
{
  const char *type = string_member (message, "type");

  if (g_strcmp0 (type, "hello") == 0)
    {
      /* (re)connected: what happened before was not heard */
      reload_all (self);
    }
  else if (g_strcmp0 (type, "class_scheduled") == 0 || g_strcmp0 (type, "class_started") == 0 ||
           g_strcmp0 (type, "class_ended") == 0 || g_strcmp0 (type, "class_updated") == 0)
    {
      JsonObject *klass = object_member (message, "class");
      gint64 class_id = int_member (klass, "id");

      if (klass == NULL || class_id <= 0)
        return;
      g_hash_table_insert (self->event_times, id_key (class_id),
                           id_key (g_get_monotonic_time ()));
      place_class (self, klass, TRUE);
    }
  else if (g_strcmp0 (type, "stream") == 0)
    {
      gint64 class_id = int_member (message, "class_id");
      SlClassRow *row = class_row (self, SECTION_LIVE, class_id);

      if (row == NULL)
        return;
      sl_class_row_set_stream (row,
                               json_object_has_member (message, "online") &&
                               json_object_get_boolean_member (message, "online"),
                               sl_class_row_get_viewers (row));
      fetch_watch (self, class_id);
    }
}

/* ---- search ----------------------------------------------------------------------------- */

static gboolean
filter_cb (GtkListBoxRow *row,
           gpointer       user_data)
{
  SlClassBrowser *self = user_data;

  return sl_class_row_matches (SL_CLASS_ROW (row), self->filter);
}

static int
sort_cb (GtkListBoxRow *a,
         GtkListBoxRow *b,
         gpointer       user_data)
{
  gboolean newest_first = GPOINTER_TO_INT (user_data);
  gint64 ta = sl_class_row_get_sort_time (SL_CLASS_ROW (a));
  gint64 tb = sl_class_row_get_sort_time (SL_CLASS_ROW (b));

  if (ta != tb)
    return (ta < tb) == newest_first ? 1 : -1;
  return g_utf8_collate (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (a)),
                         adw_preferences_row_get_title (ADW_PREFERENCES_ROW (b)));
}

static void
search_changed_cb (SlClassBrowser *self)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->search_entry))));

  g_clear_pointer (&self->filter, g_free);
  if (*text != '\0')
    {
      g_autofree char *normal = g_utf8_normalize (text, -1, G_NORMALIZE_ALL);

      self->filter = g_utf8_casefold (normal != NULL ? normal : text, -1);
    }
  for (guint id = 0; id < N_SECTIONS; id++)
    {
      gtk_list_box_invalidate_filter (self->sections[id].list);
      update_section_view (self, id);
    }
}

static void row_activated_cb (SlClassBrowser *self,
                              GtkListBoxRow  *row);

/* The first row of the section shown that the search lets through and
 * that opens something (@activatable), or any such row; NULL: none. */
static GtkListBoxRow *
first_shown_row (SlClassBrowser *self,
                 gboolean        activatable)
{
  GtkWidget *shown = adw_view_stack_get_visible_child (self->sections_stack);

  for (guint id = 0; id < N_SECTIONS; id++)
    {
      if (GTK_WIDGET (self->sections[id].stack) != shown)
        continue;
      for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->sections[id].list));
           child != NULL; child = gtk_widget_get_next_sibling (child))
        if (SL_IS_CLASS_ROW (child) && gtk_widget_get_child_visible (child) &&
            (!activatable || gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (child))))
          return GTK_LIST_BOX_ROW (child);
    }
  return NULL;
}

/* Enter in the search: the first match of the section shown */
static void
search_activate_cb (SlClassBrowser *self)
{
  GtkListBoxRow *row = first_shown_row (self, TRUE);

  if (row != NULL)
    row_activated_cb (self, row);
}

/* Down in the search: on to the matches, as in a list of results */
static gboolean
search_key_pressed_cb (SlClassBrowser  *self,
                       guint            keyval,
                       guint            keycode,
                       GdkModifierType  state)
{
  GtkListBoxRow *row;

  if ((keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down) ||
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;
  row = first_shown_row (self, FALSE);
  if (row == NULL)
    return GDK_EVENT_PROPAGATE;
  gtk_widget_grab_focus (GTK_WIDGET (row));
  return GDK_EVENT_STOP;
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  SlClassBrowser *self = SL_CLASS_BROWSER (widget);

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
  gtk_editable_select_region (GTK_EDITABLE (self->search_entry), 0, -1);
}

static void
reload_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  reload_all (SL_CLASS_BROWSER (widget));
}

/* ---- opening -------------------------------------------------------------------------------- */

static void
row_activated_cb (SlClassBrowser *self,
                  GtkListBoxRow  *list_row)
{
  SlClassRow *row = SL_CLASS_ROW (list_row);

  switch (sl_class_row_get_kind (row))
    {
    case SL_CLASS_ROW_LIVE:
      /* not _variant: that one never sinks a floating parameter */
      gtk_widget_activate_action (GTK_WIDGET (self), "win.watch-class", "x",
                                  sl_class_row_get_class_id (row));
      break;

    case SL_CLASS_ROW_RECORDING:
      {
        gint64 class_id = sl_class_row_get_class_id (row);
        PastClass *pc = g_hash_table_lookup (self->past, &class_id);
        JsonObject *recording = sl_class_row_get_recording (row);
        gint64 now = g_get_real_time () / G_USEC_PER_SEC;

        if (!gtk_list_box_row_get_activatable (list_row) || recording == NULL)
          break;
        if (pc != NULL && pc->expires_at - now < 10)
          {
            /* its signed links ran out: renew them first */
            g_free (self->play_after);
            self->play_after = g_strdup (string_member (recording, "id"));
            fetch_recordings (self, pc);
            break;
          }
        play_recording (self, pc, recording);
      }
      break;

    case SL_CLASS_ROW_UPCOMING:
    default:
      break;
    }
}

/* ---- session --------------------------------------------------------------------------------- */

static void
drop_session (SlClassBrowser *self)
{
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  stop_polling (self);
  g_clear_handle_id (&self->settle_id, g_source_remove);
  if (self->hub != NULL)
    g_signal_handlers_disconnect_by_data (self->hub, self);
  g_clear_object (&self->hub);
  g_clear_object (&self->api);
  g_clear_object (&self->session);
  g_clear_pointer (&self->play_after, g_free);
  self->polled_at = 0;

  if (self->past != NULL)
    g_hash_table_remove_all (self->past);
  if (self->ranks != NULL)
    g_hash_table_remove_all (self->ranks);
  if (self->event_times != NULL)
    g_hash_table_remove_all (self->event_times);
  for (guint id = 0; id < N_SECTIONS; id++)
    {
      Section *section = &self->sections[id];
      GHashTableIter iter;
      gpointer row;

      if (section->rows == NULL)
        continue;
      g_hash_table_iter_init (&iter, section->rows);
      while (g_hash_table_iter_next (&iter, NULL, &row))
        {
          if (section->list != NULL)
            gtk_list_box_remove (section->list, row);
          g_hash_table_iter_remove (&iter);
        }
      section->pending = 0;
      section->loaded = FALSE;
      g_clear_error (&section->failure);
    }
}

void
sl_class_browser_set_session (SlClassBrowser *self,
                              SlSession      *session)
{
  g_return_if_fail (SL_IS_CLASS_BROWSER (self));
  g_return_if_fail (session == NULL || SL_IS_SESSION (session));

  if (session == self->session)
    return;
  drop_session (self);
  /* a new user starts with no search */
  gtk_search_bar_set_search_mode (self->search_bar, FALSE);
  gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");

  if (session != NULL && sl_session_get_api (session) != NULL)
    {
      self->session = g_object_ref (session);
      self->api = g_object_ref (sl_session_get_api (session));
      self->cancellable = g_cancellable_new ();
      if (sl_session_get_hub (session) != NULL)
        {
          self->hub = g_object_ref (sl_session_get_hub (session));
          g_signal_connect_object (self->hub, "message", G_CALLBACK (hub_message_cb), self, 0);
        }
      adw_view_stack_set_visible_child_name (self->sections_stack, "live");
      reload_all (self);
      start_polling (self);
    }
  for (guint id = 0; id < N_SECTIONS; id++)
    update_section_view (self, id);
}

/* ---- the widget -------------------------------------------------------------------------------- */

static void
sl_class_browser_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (sl_class_browser_parent_class)->map (widget);
  /* polls only while it is seen */
  start_polling (SL_CLASS_BROWSER (widget));
}

static void
sl_class_browser_unmap (GtkWidget *widget)
{
  stop_polling (SL_CLASS_BROWSER (widget));
  GTK_WIDGET_CLASS (sl_class_browser_parent_class)->unmap (widget);
}

static void
sl_class_browser_dispose (GObject *object)
{
  SlClassBrowser *self = SL_CLASS_BROWSER (object);

  drop_session (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), SL_TYPE_CLASS_BROWSER);
  for (guint id = 0; id < N_SECTIONS; id++)
    g_clear_pointer (&self->sections[id].rows, g_hash_table_unref);
  g_clear_pointer (&self->past, g_hash_table_unref);
  g_clear_pointer (&self->ranks, g_hash_table_unref);
  g_clear_pointer (&self->event_times, g_hash_table_unref);
  G_OBJECT_CLASS (sl_class_browser_parent_class)->dispose (object);
}

static void
sl_class_browser_finalize (GObject *object)
{
  SlClassBrowser *self = SL_CLASS_BROWSER (object);

  g_free (self->filter);
  G_OBJECT_CLASS (sl_class_browser_parent_class)->finalize (object);
}

#define BIND_SECTION(name, id, field) \
  gtk_widget_class_bind_template_child_full (widget_class, name, FALSE, \
                                             G_STRUCT_OFFSET (SlClassBrowser, sections[id].field))

static void
sl_class_browser_class_init (SlClassBrowserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = sl_class_browser_dispose;
  object_class->finalize = sl_class_browser_finalize;
  widget_class->map = sl_class_browser_map;
  widget_class->unmap = sl_class_browser_unmap;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/streamlet/Streamlet/sl-class-browser.ui");
  gtk_widget_class_bind_template_child (widget_class, SlClassBrowser, search_bar);
  gtk_widget_class_bind_template_child (widget_class, SlClassBrowser, search_entry);
  gtk_widget_class_bind_template_child_full (widget_class, "sections", FALSE,
                                             G_STRUCT_OFFSET (SlClassBrowser, sections_stack));
  BIND_SECTION ("live_stack", SECTION_LIVE, stack);
  BIND_SECTION ("live_spinner", SECTION_LIVE, spinner);
  BIND_SECTION ("live_error", SECTION_LIVE, error);
  BIND_SECTION ("live_empty", SECTION_LIVE, empty);
  BIND_SECTION ("live_list", SECTION_LIVE, list);
  BIND_SECTION ("upcoming_stack", SECTION_UPCOMING, stack);
  BIND_SECTION ("upcoming_spinner", SECTION_UPCOMING, spinner);
  BIND_SECTION ("upcoming_error", SECTION_UPCOMING, error);
  BIND_SECTION ("upcoming_empty", SECTION_UPCOMING, empty);
  BIND_SECTION ("upcoming_list", SECTION_UPCOMING, list);
  BIND_SECTION ("recordings_stack", SECTION_RECORDINGS, stack);
  BIND_SECTION ("recordings_spinner", SECTION_RECORDINGS, spinner);
  BIND_SECTION ("recordings_error", SECTION_RECORDINGS, error);
  BIND_SECTION ("recordings_empty", SECTION_RECORDINGS, empty);
  BIND_SECTION ("recordings_list", SECTION_RECORDINGS, list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, section_shown_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);

  gtk_widget_class_install_action (widget_class, "browser.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "browser.reload", NULL, reload_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "browser.reload", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK,
                                       "browser.reload", NULL);
}

#undef BIND_SECTION

static void
sl_class_browser_init (SlClassBrowser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->sections[SECTION_LIVE].rows = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                             g_free, NULL);
  self->sections[SECTION_UPCOMING].rows = g_hash_table_new_full (g_int64_hash, g_int64_equal,
                                                                 g_free, NULL);
  self->sections[SECTION_RECORDINGS].rows = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                                   g_free, NULL);
  self->past = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify) past_class_free);
  self->ranks = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->event_times = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);

  /* live: the newest start first; upcoming: the soonest first; recordings:
   * the latest first */
  gtk_list_box_set_sort_func (self->sections[SECTION_LIVE].list, sort_cb,
                              GINT_TO_POINTER (TRUE), NULL);
  gtk_list_box_set_sort_func (self->sections[SECTION_UPCOMING].list, sort_cb,
                              GINT_TO_POINTER (FALSE), NULL);
  gtk_list_box_set_sort_func (self->sections[SECTION_RECORDINGS].list, sort_cb,
                              GINT_TO_POINTER (TRUE), NULL);
  for (guint id = 0; id < N_SECTIONS; id++)
    {
      gtk_list_box_set_filter_func (self->sections[id].list, filter_cb, self, NULL);
      update_section_view (self, id);
    }

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  /* typing anywhere in the page searches */
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
}
