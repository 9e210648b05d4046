/* sl-peer.c: one WebRTC peer connection around webrtcbin
 * SPDX-License-Identifier: GPL-3.0-or-later */
/* webrtcbin's library is "unstable API" in 1.22; we pin 1.22. */

#define G_LOG_DOMAIN "sl-peer"

#include "config.h"

#include "sl-peer.h"

#include <string.h>

#include <agent.h>
#include <gst/webrtc/webrtc.h>

#define MAX_CANDIDATE_LENGTH 1024
#define CAPS_POLL_MS 10
#define CAPS_TIMEOUT_MS 10000

/* webrtcbin runs its negotiation on its own thread and emits its signals on
 * that thread or on streaming threads.  Everything the peer reports (state,
 * local candidates, async results) is carried back to @context, the
 * thread-default main context of whoever made the peer; and once closed,
 * nothing more is reported there. */
struct _SlPeer {
  GObject       parent_instance;

  GMainContext *context;
  SlPeerState   state;           /* as last reported on @context */

  GMutex        lock;            /* guards everything below */
  GstBin       *bin;
  GstElement   *webrtcbin;
  gboolean      closed;
  GPtrArray    *promises;        /* in flight, interrupted by close */
  GPtrArray    *gathering;       /* GTasks waiting for ICE gathering */
};

G_DEFINE_FINAL_TYPE (SlPeer, sl_peer, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_ICE_CANDIDATE,
  SIGNAL_PAD_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

const char *
sl_peer_state_to_string (SlPeerState state)
{
  switch (state)
    {
    case SL_PEER_NEW: return "new";
    case SL_PEER_CONNECTING: return "connecting";
    case SL_PEER_CONNECTED: return "connected";
    case SL_PEER_DISCONNECTED: return "disconnected";
    case SL_PEER_FAILED: return "failed";
    case SL_PEER_CLOSED: return "closed";
    default: return "unknown";
    }
}

/* A new reference to the webrtcbin, or NULL once the peer is closed. */
static GstElement *
dup_webrtcbin (SlPeer *self)
{
  GstElement *webrtc = NULL;

  g_mutex_lock (&self->lock);
  if (!self->closed && self->webrtcbin != NULL)
    webrtc = gst_object_ref (self->webrtcbin);
  g_mutex_unlock (&self->lock);
  return webrtc;
}

static gboolean
is_closed (SlPeer *self)
{
  gboolean closed;

  g_mutex_lock (&self->lock);
  closed = self->closed;
  g_mutex_unlock (&self->lock);
  return closed;
}

/* --- Reports carried to the peer's context --- */

typedef enum {
  REPORT_STATE,
  REPORT_CANDIDATE,
} ReportKind;

typedef struct {
  GWeakRef    peer;
  ReportKind  kind;
  SlPeerState state;
  guint       mline;
  char       *candidate;
} Report;

static void
report_free (gpointer data)
{
  Report *report = data;

  g_weak_ref_clear (&report->peer);
  g_free (report->candidate);
  g_free (report);
}

static gboolean
report_dispatch_cb (gpointer data)
{
  Report *report = data;
  g_autoptr(SlPeer) self = g_weak_ref_get (&report->peer);

  /* Closing happens on this context too, so this check is exact. */
  if (self == NULL || is_closed (self))
    return G_SOURCE_REMOVE;

  switch (report->kind)
    {
    case REPORT_STATE:
      if (report->state == self->state)
        break;
      g_debug ("%p: %s → %s", self, sl_peer_state_to_string (self->state),
               sl_peer_state_to_string (report->state));
      self->state = report->state;
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) report->state);
      break;
    case REPORT_CANDIDATE:
      g_signal_emit (self, signals[SIGNAL_ICE_CANDIDATE], 0, report->mline, report->candidate);
      break;
    }
  return G_SOURCE_REMOVE;
}

static void
report (SlPeer *self,
        Report *report)
{
  GSource *source = g_idle_source_new ();

  g_weak_ref_init (&report->peer, self);
  /* An idle source rather than g_main_context_invoke(): never re-entered
   * from inside the caller, and in order with the other reports. */
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, report_dispatch_cb, report, report_free);
  g_source_set_static_name (source, "[sl-peer] report");
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static SlPeerState
map_connection_state (GstWebRTCPeerConnectionState state)
{
  switch (state)
    {
    case GST_WEBRTC_PEER_CONNECTION_STATE_NEW: return SL_PEER_NEW;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTING: return SL_PEER_CONNECTING;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED: return SL_PEER_CONNECTED;
    case GST_WEBRTC_PEER_CONNECTION_STATE_DISCONNECTED: return SL_PEER_DISCONNECTED;
    case GST_WEBRTC_PEER_CONNECTION_STATE_FAILED: return SL_PEER_FAILED;
    case GST_WEBRTC_PEER_CONNECTION_STATE_CLOSED: return SL_PEER_CLOSED;
    default: return SL_PEER_NEW;
    }
}

static void
connection_state_notify_cb (GstElement *webrtc,
                            GParamSpec *pspec,
                            SlPeer     *self)
{
  GstWebRTCPeerConnectionState state;
  Report *r;

  g_object_get (webrtc, "connection-state", &state, NULL);
  r = g_new0 (Report, 1);
  r->kind = REPORT_STATE;
  r->state = map_connection_state (state);
  report (self, r);
}

static void
ice_candidate_cb (GstElement *webrtc,
                  guint       mline,
                  const char *candidate,
                  SlPeer     *self)
{
  Report *r = g_new0 (Report, 1);

  r->kind = REPORT_CANDIDATE;
  r->mline = mline;
  r->candidate = g_strdup (candidate);
  report (self, r);
}

static void
pad_added_cb (GstElement *webrtc,
              GstPad     *pad,
              SlPeer     *self)
{
  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC || is_closed (self))
    return;
  g_signal_emit (self, signals[SIGNAL_PAD_ADDED], 0, pad);
}

/* --- Async results --- */

static gboolean
return_closed_cb (gpointer data)
{
  GTask *task = data;

  g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED,
                           "the peer connection was closed");
  return G_SOURCE_REMOVE;
}

/* Fails @task with SL_MEDIA_ERROR_CLOSED from an idle on its context, so
 * that closing never calls back into the caller of sl_peer_close(). */
static void
return_closed_later (GTask *task)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, return_closed_cb, g_object_ref (task), g_object_unref);
  g_source_set_static_name (source, "[sl-peer] closed");
  g_source_attach (source, g_task_get_context (task));
  g_source_unref (source);
}

typedef struct {
  GTask   *task;
  SlPeer  *peer;
} PromiseData;

static void
promise_data_free (gpointer data)
{
  PromiseData *pd = data;

  g_object_unref (pd->task);
  g_free (pd);
}

/* A promise for a webrtcbin action of @task, tracked so that closing the
 * peer interrupts it (webrtcbin drops its pending operations when it stops
 * and would never reply). */
static GstPromise *
peer_promise_new (SlPeer                *self,
                  GTask                 *task,
                  GstPromiseChangeFunc   func)
{
  PromiseData *pd = g_new0 (PromiseData, 1);
  GstPromise *promise;

  pd->task = g_object_ref (task);
  pd->peer = self;
  promise = gst_promise_new_with_change_func (func, pd, promise_data_free);
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->promises, gst_promise_ref (promise));
  g_mutex_unlock (&self->lock);
  return promise;
}

/* Checks a finished promise: TRUE with its reply (owned by the promise),
 * or FALSE after failing the task. */
static gboolean
peer_promise_done (GstPromise          *promise,
                   PromiseData         *pd,
                   const char          *what,
                   const GstStructure **reply_out)
{
  SlPeer *self = pd->peer;
  GstPromiseResult result = gst_promise_wait (promise);
  const GstStructure *reply;
  GError *gerror = NULL;
  gboolean closed;

  g_mutex_lock (&self->lock);
  g_ptr_array_remove_fast (self->promises, promise);
  closed = self->closed;
  g_mutex_unlock (&self->lock);

  if (closed || result != GST_PROMISE_RESULT_REPLIED)
    {
      return_closed_later (pd->task);
      return FALSE;
    }
  if (g_task_return_error_if_cancelled (pd->task))
    return FALSE;

  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field_typed (reply, "error", G_TYPE_ERROR))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &gerror, NULL);
  if (gerror != NULL)
    {
      GError *copy = g_error_new (SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                                  "%s: %s", what, gerror->message);

      g_error_free (gerror);
      g_task_return_error (pd->task, copy);
      return FALSE;
    }
  *reply_out = reply;
  return TRUE;
}

static char *
local_description_text (GstElement *webrtc)
{
  g_autoptr(GstWebRTCSessionDescription) desc = NULL;

  g_object_get (webrtc, "local-description", &desc, NULL);
  if (desc == NULL)
    return NULL;
  return gst_sdp_message_as_text (desc->sdp);
}

/* Returns the local description to @task now or, when the task asks for
 * it, once ICE gathering is complete. */
static void
finish_with_description (SlPeer *self,
                         GTask  *task)
{
  g_autoptr(GstElement) webrtc = dup_webrtcbin (self);
  gboolean wait = GPOINTER_TO_INT (g_task_get_task_data (task));
  GstWebRTCICEGatheringState gathering = GST_WEBRTC_ICE_GATHERING_STATE_NEW;
  char *text;

  if (webrtc == NULL)
    {
      return_closed_later (task);
      return;
    }

  if (wait)
    {
      /* Registered before looking, so the notify cannot slip between. */
      g_mutex_lock (&self->lock);
      g_ptr_array_add (self->gathering, g_object_ref (task));
      g_mutex_unlock (&self->lock);

      g_object_get (webrtc, "ice-gathering-state", &gathering, NULL);
      if (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
        return;

      g_mutex_lock (&self->lock);
      if (!g_ptr_array_remove (self->gathering, task))
        {
          /* The notify handler took it already. */
          g_mutex_unlock (&self->lock);
          return;
        }
      g_mutex_unlock (&self->lock);
    }

  text = local_description_text (webrtc);
  if (text == NULL)
    g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                             "webrtcbin has no local description");
  else
    g_task_return_pointer (task, text, g_free);
}

static void
gathering_state_notify_cb (GstElement *webrtc,
                           GParamSpec *pspec,
                           SlPeer     *self)
{
  GstWebRTCICEGatheringState gathering;
  g_autoptr(GPtrArray) waiting = NULL;

  g_object_get (webrtc, "ice-gathering-state", &gathering, NULL);
  if (gathering != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE)
    return;

  g_mutex_lock (&self->lock);
  if (self->gathering->len > 0 && !self->closed)
    {
      waiting = g_steal_pointer (&self->gathering);
      self->gathering = g_ptr_array_new_with_free_func (g_object_unref);
    }
  g_mutex_unlock (&self->lock);
  if (waiting == NULL)
    return;

  for (guint i = 0; i < waiting->len; i++)
    {
      GTask *task = g_ptr_array_index (waiting, i);
      char *text = local_description_text (webrtc);

      if (text == NULL)
        g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                                 "webrtcbin has no local description");
      else
        g_task_return_pointer (task, text, g_free);
    }
}

static void
local_description_set_cb (GstPromise *promise,
                          gpointer    data)
{
  PromiseData *pd = data;
  const GstStructure *reply = NULL;

  if (!peer_promise_done (promise, pd, "setting the local description", &reply))
    return;
  finish_with_description (pd->peer, pd->task);
}

/* Sets the description in @reply's field @field as the local one. */
static void
set_local_from_reply (PromiseData        *pd,
                      const GstStructure *reply,
                      const char         *field)
{
  g_autoptr(GstElement) webrtc = dup_webrtcbin (pd->peer);
  g_autoptr(GstWebRTCSessionDescription) desc = NULL;
  GstPromise *promise;

  if (webrtc == NULL)
    {
      return_closed_later (pd->task);
      return;
    }
  if (reply != NULL)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);
  if (desc == NULL)
    {
      g_task_return_new_error (pd->task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                               "webrtcbin created no %s", field);
      return;
    }

  promise = peer_promise_new (pd->peer, pd->task, local_description_set_cb);
  g_signal_emit_by_name (webrtc, "set-local-description", desc, promise);
  gst_promise_unref (promise);
}

static void
answer_created_cb (GstPromise *promise,
                   gpointer    data)
{
  PromiseData *pd = data;
  const GstStructure *reply = NULL;

  if (!peer_promise_done (promise, pd, "creating the answer", &reply))
    return;
  set_local_from_reply (pd, reply, "answer");
}

static void
remote_offer_set_cb (GstPromise *promise,
                     gpointer    data)
{
  PromiseData *pd = data;
  const GstStructure *reply = NULL;
  g_autoptr(GstElement) webrtc = NULL;
  GstPromise *next;

  if (!peer_promise_done (promise, pd, "the offer was refused", &reply))
    return;
  webrtc = dup_webrtcbin (pd->peer);
  if (webrtc == NULL)
    {
      return_closed_later (pd->task);
      return;
    }
  next = peer_promise_new (pd->peer, pd->task, answer_created_cb);
  g_signal_emit_by_name (webrtc, "create-answer", NULL, next);
  gst_promise_unref (next);
}

static GstWebRTCSessionDescription *
parse_description (GstWebRTCSDPType   type,
                   const char        *text,
                   GError           **error)
{
  GstSDPMessage *sdp = NULL;

  if (gst_sdp_message_new_from_text (text, &sdp) != GST_SDP_OK || sdp == NULL)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                   "the %s is not SDP", type == GST_WEBRTC_SDP_TYPE_OFFER ? "offer" : "answer");
      return NULL;
    }
  return gst_webrtc_session_description_new (type, sdp);
}

void
sl_peer_answer_async (SlPeer              *self,
                      const char          *offer_sdp,
                      gboolean             wait_for_gathering,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GstElement) webrtc = NULL;
  g_autoptr(GstWebRTCSessionDescription) offer = NULL;
  GError *error = NULL;
  GstPromise *promise;

  g_return_if_fail (SL_IS_PEER (self));
  g_return_if_fail (offer_sdp != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_peer_answer_async);
  g_task_set_task_data (task, GINT_TO_POINTER (wait_for_gathering), NULL);

  webrtc = dup_webrtcbin (self);
  if (webrtc == NULL)
    {
      return_closed_later (task);
      return;
    }
  offer = parse_description (GST_WEBRTC_SDP_TYPE_OFFER, offer_sdp, &error);
  if (offer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  promise = peer_promise_new (self, task, remote_offer_set_cb);
  g_signal_emit_by_name (webrtc, "set-remote-description", offer, promise);
  gst_promise_unref (promise);
}

char *
sl_peer_answer_finish (SlPeer        *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_peer_answer_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
offer_created_cb (GstPromise *promise,
                  gpointer    data)
{
  PromiseData *pd = data;
  const GstStructure *reply = NULL;

  if (!peer_promise_done (promise, pd, "creating the offer", &reply))
    return;
  set_local_from_reply (pd, reply, "offer");
}

/* The first linked sink pad of @webrtc without caps, or NULL. */
static GstPad *
find_pad_without_caps (GstElement *webrtc)
{
  GstIterator *it = gst_element_iterate_sink_pads (webrtc);
  GValue item = G_VALUE_INIT;
  GstPad *found = NULL;

  while (found == NULL && gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstPad *pad = g_value_get_object (&item);

      if (gst_pad_is_linked (pad) && !gst_pad_has_current_caps (pad))
        found = gst_object_ref (pad);
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);
  return found;
}

static gboolean
offer_when_caps_cb (gpointer data)
{
  GTask *task = data;
  SlPeer *self = g_task_get_source_object (task);
  g_autoptr(GstElement) webrtc = dup_webrtcbin (self);
  g_autoptr(GstPad) waiting = NULL;
  gint64 deadline = (gint64) GPOINTER_TO_SIZE (g_object_get_data (G_OBJECT (task), "sl-deadline"));
  GstPromise *promise;

  if (webrtc == NULL)
    {
      return_closed_cb (task);
      return G_SOURCE_REMOVE;
    }
  if (g_task_return_error_if_cancelled (task))
    return G_SOURCE_REMOVE;

  waiting = find_pad_without_caps (webrtc);
  if (waiting != NULL)
    {
      if (g_get_monotonic_time () / 1000 < deadline)
        return G_SOURCE_CONTINUE;
      g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_PIPELINE,
                               "no data reached %s:%s within %d ms; is the pipeline playing?",
                               GST_ELEMENT_NAME (webrtc), GST_PAD_NAME (waiting), CAPS_TIMEOUT_MS);
      return G_SOURCE_REMOVE;
    }

  promise = peer_promise_new (self, task, offer_created_cb);
  g_signal_emit_by_name (webrtc, "create-offer", NULL, promise);
  gst_promise_unref (promise);
  return G_SOURCE_REMOVE;
}

void
sl_peer_offer_async (SlPeer              *self,
                     GstCaps *const      *recv_caps,
                     gboolean             wait_for_gathering,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GstElement) webrtc = NULL;
  g_autoptr(GArray) transceivers = NULL;

  g_return_if_fail (SL_IS_PEER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_peer_offer_async);
  g_task_set_task_data (task, GINT_TO_POINTER (wait_for_gathering), NULL);

  webrtc = dup_webrtcbin (self);
  if (webrtc == NULL)
    {
      return_closed_later (task);
      return;
    }

  /* The transceivers of the sink pads linked so far only send: a
   * publisher (or a relay to a child) never receives on them. */
  g_signal_emit_by_name (webrtc, "get-transceivers", &transceivers);
  for (guint i = 0; transceivers != NULL && i < transceivers->len; i++)
    {
      GstWebRTCRTPTransceiver *trans = g_array_index (transceivers, GstWebRTCRTPTransceiver *, i);
      GstWebRTCRTPTransceiverDirection dir;

      g_object_get (trans, "direction", &dir, NULL);
      if (dir == GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDRECV)
        g_object_set (trans, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, NULL);
    }

  for (gsize i = 0; recv_caps != NULL && recv_caps[i] != NULL; i++)
    {
      GstWebRTCRTPTransceiver *trans = NULL;

      g_signal_emit_by_name (webrtc, "add-transceiver",
                             GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY, recv_caps[i], &trans);
      if (trans == NULL)
        {
          g_task_return_new_error (task, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                                   "webrtcbin refused a receive-only transceiver");
          return;
        }
      gst_object_unref (trans);
    }

  /* webrtcbin builds each m= line from the caps of its sink pad; before
   * the first caps arrive it only has the payloader's template and
   * writes a broken offer.  So wait for them (bounded). */
  g_task_set_task_data (task, GINT_TO_POINTER (wait_for_gathering), NULL);
  {
    GSource *source = g_timeout_source_new (CAPS_POLL_MS);

    g_object_set_data (G_OBJECT (task), "sl-deadline",
                       GSIZE_TO_POINTER ((gsize) (g_get_monotonic_time () / 1000 + CAPS_TIMEOUT_MS)));
    g_source_set_callback (source, offer_when_caps_cb, g_object_ref (task), g_object_unref);
    g_source_set_static_name (source, "[sl-peer] caps");
    g_source_attach (source, g_task_get_context (task));
    g_source_unref (source);
  }
}

char *
sl_peer_offer_finish (SlPeer        *self,
                      GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_peer_offer_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Waits for a promise of a quick webrtcbin action from the main context:
 * webrtcbin never waits for that context, so this cannot deadlock. */
static gboolean
wait_promise (GstPromise  *promise,
              const char  *what,
              GError     **error)
{
  const GstStructure *reply;
  GError *gerror = NULL;

  if (gst_promise_wait (promise) != GST_PROMISE_RESULT_REPLIED)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED, "%s: webrtcbin stopped", what);
      return FALSE;
    }
  reply = gst_promise_get_reply (promise);
  if (reply != NULL && gst_structure_has_field_typed (reply, "error", G_TYPE_ERROR))
    gst_structure_get (reply, "error", G_TYPE_ERROR, &gerror, NULL);
  if (gerror != NULL)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION, "%s: %s", what, gerror->message);
      g_error_free (gerror);
      return FALSE;
    }
  return TRUE;
}

gboolean
sl_peer_set_answer (SlPeer      *self,
                    const char  *answer_sdp,
                    GError     **error)
{
  g_autoptr(GstElement) webrtc = NULL;
  g_autoptr(GstWebRTCSessionDescription) answer = NULL;
  g_autoptr(GstPromise) promise = NULL;

  g_return_val_if_fail (SL_IS_PEER (self), FALSE);
  g_return_val_if_fail (answer_sdp != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  webrtc = dup_webrtcbin (self);
  if (webrtc == NULL)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED,
                           "the peer connection was closed");
      return FALSE;
    }
  answer = parse_description (GST_WEBRTC_SDP_TYPE_ANSWER, answer_sdp, error);
  if (answer == NULL)
    return FALSE;

  promise = gst_promise_new ();
  g_signal_emit_by_name (webrtc, "set-remote-description", answer, promise);
  return wait_promise (promise, "the answer was refused", error);
}

gboolean
sl_peer_add_ice_candidate (SlPeer      *self,
                           guint        mline,
                           const char  *candidate,
                           GError     **error)
{
  g_autoptr(GstElement) webrtc = NULL;

  g_return_val_if_fail (SL_IS_PEER (self), FALSE);
  g_return_val_if_fail (candidate != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_str_has_prefix (candidate, "a="))
    candidate += 2;
  if (*candidate == '\0')
    return TRUE;   /* the end of candidates: webrtcbin needs no marker */

  if (!g_str_has_prefix (candidate, "candidate:") || strlen (candidate) > MAX_CANDIDATE_LENGTH ||
      strpbrk (candidate, "\r\n") != NULL || !g_utf8_validate (candidate, -1, NULL))
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                           "not an ICE candidate: it must be one \"candidate:…\" line");
      return FALSE;
    }
  if (mline > 64)
    {
      g_set_error (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_NEGOTIATION,
                   "no media line %u for the ICE candidate", mline);
      return FALSE;
    }

  webrtc = dup_webrtcbin (self);
  if (webrtc == NULL)
    {
      g_set_error_literal (error, SL_MEDIA_ERROR, SL_MEDIA_ERROR_CLOSED,
                           "the peer connection was closed");
      return FALSE;
    }
  g_signal_emit_by_name (webrtc, "add-ice-candidate", mline, candidate);
  return TRUE;
}

/* --- Statistics --- */

static guint64
stats_uint (const GstStructure *s,
            const char         *field)
{
  const GValue *v = gst_structure_get_value (s, field);
  GValue out = G_VALUE_INIT;
  guint64 n = 0;

  if (v == NULL)
    return 0;
  g_value_init (&out, G_TYPE_UINT64);
  if (g_value_type_transformable (G_VALUE_TYPE (v), G_TYPE_UINT64) &&
      g_value_transform (v, &out))
    n = g_value_get_uint64 (&out);
  g_value_unset (&out);
  return n;
}

static double
stats_double (const GstStructure *s,
              const char         *field)
{
  double d = 0;

  if (!gst_structure_get_double (s, field, &d))
    return 0;
  return d;
}

static gboolean
sum_stats_cb (GQuark        field,
              const GValue *value,
              gpointer      data)
{
  SlPeerStats *stats = data;
  const GstStructure *s;
  GstWebRTCStatsType type;

  if (!GST_VALUE_HOLDS_STRUCTURE (value))
    return TRUE;
  s = gst_value_get_structure (value);
  if (!gst_structure_get_enum (s, "type", GST_TYPE_WEBRTC_STATS_TYPE, (int *) &type))
    return TRUE;

  switch (type)
    {
    case GST_WEBRTC_STATS_OUTBOUND_RTP:
      stats->bytes_sent += stats_uint (s, "bytes-sent");
      stats->packets_sent += stats_uint (s, "packets-sent");
      stats->pli_received += stats_uint (s, "pli-count");
      stats->nack_received += stats_uint (s, "nack-count");
      break;
    case GST_WEBRTC_STATS_INBOUND_RTP:
      {
        gint64 lost = 0;

        stats->bytes_received += stats_uint (s, "bytes-received");
        stats->packets_received += stats_uint (s, "packets-received");
        if (gst_structure_get_int64 (s, "packets-lost", &lost))
          stats->packets_lost += lost;
        stats->jitter_ms = MAX (stats->jitter_ms, stats_double (s, "jitter") * 1000.0);
      }
      break;
    case GST_WEBRTC_STATS_REMOTE_INBOUND_RTP:
      stats->rtt_ms = MAX (stats->rtt_ms, stats_double (s, "round-trip-time") * 1000.0);
      break;
    default:
      break;
    }
  return TRUE;
}

static void
stats_cb (GstPromise *promise,
          gpointer    data)
{
  PromiseData *pd = data;
  const GstStructure *reply = NULL;
  SlPeerStats *stats;

  if (!peer_promise_done (promise, pd, "getting statistics", &reply))
    return;
  stats = g_new0 (SlPeerStats, 1);
  if (reply != NULL)
    gst_structure_foreach (reply, sum_stats_cb, stats);
  g_task_return_pointer (pd->task, stats, g_free);
}

void
sl_peer_get_stats_async (SlPeer              *self,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GstElement) webrtc = NULL;
  GstPromise *promise;

  g_return_if_fail (SL_IS_PEER (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sl_peer_get_stats_async);
  webrtc = dup_webrtcbin (self);
  if (webrtc == NULL)
    {
      return_closed_later (task);
      return;
    }
  promise = peer_promise_new (self, task, stats_cb);
  g_signal_emit_by_name (webrtc, "get-stats", NULL, promise);
  gst_promise_unref (promise);
}

gboolean
sl_peer_get_stats_finish (SlPeer        *self,
                          GAsyncResult  *result,
                          SlPeerStats   *stats,
                          GError       **error)
{
  g_autofree SlPeerStats *got = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sl_peer_get_stats_async, FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  got = g_task_propagate_pointer (G_TASK (result), error);
  if (got == NULL)
    return FALSE;
  *stats = *got;
  return TRUE;
}

/* --- Life cycle --- */

static GstPadProbeReturn
drop_probe_cb (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         data)
{
  return GST_PAD_PROBE_DROP;
}

void
sl_peer_close (SlPeer *self)
{
  g_autoptr(GstElement) webrtc = NULL;
  g_autoptr(GstBin) bin = NULL;
  g_autoptr(GPtrArray) promises = NULL;
  g_autoptr(GPtrArray) gathering = NULL;
  g_autoptr(GPtrArray) sink_pads = g_ptr_array_new_with_free_func (gst_object_unref);
  GstIterator *it;
  GValue item = G_VALUE_INIT;

  g_return_if_fail (SL_IS_PEER (self));

  g_mutex_lock (&self->lock);
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return;
    }
  self->closed = TRUE;
  webrtc = g_steal_pointer (&self->webrtcbin);
  bin = g_steal_pointer (&self->bin);
  g_mutex_unlock (&self->lock);

  self->state = SL_PEER_CLOSED;
  g_signal_handlers_disconnect_by_data (webrtc, self);

  /* Whatever feeds the sink pads keeps running without an error: its
   * data is dropped from now on.  Then webrtcbin stops. */
  it = gst_element_iterate_sink_pads (webrtc);
  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstPad *pad = g_value_get_object (&item);
      g_autoptr(GstPad) upstream = gst_pad_get_peer (pad);

      if (upstream != NULL)
        {
          gst_pad_add_probe (upstream, GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, drop_probe_cb, NULL, NULL);
          gst_pad_unlink (upstream, pad);
        }
      g_ptr_array_add (sink_pads, gst_object_ref (pad));
      g_value_reset (&item);
    }
  g_value_unset (&item);
  gst_iterator_free (it);

  gst_element_set_locked_state (webrtc, TRUE);
  gst_element_set_state (webrtc, GST_STATE_NULL);

  /* webrtcbin's thread has stopped: what it did not answer, it never will. */
  g_mutex_lock (&self->lock);
  promises = g_steal_pointer (&self->promises);
  gathering = g_steal_pointer (&self->gathering);
  self->promises = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_promise_unref);
  self->gathering = g_ptr_array_new_with_free_func (g_object_unref);
  g_mutex_unlock (&self->lock);
  for (guint i = 0; i < promises->len; i++)
    gst_promise_interrupt (g_ptr_array_index (promises, i));
  for (guint i = 0; i < gathering->len; i++)
    return_closed_later (g_ptr_array_index (gathering, i));

  for (guint i = 0; i < sink_pads->len; i++)
    {
      GstPad *pad = g_ptr_array_index (sink_pads, i);
      GstPadTemplate *templ = gst_pad_get_pad_template (pad);

      if (templ != NULL && GST_PAD_TEMPLATE_PRESENCE (templ) == GST_PAD_REQUEST)
        gst_element_release_request_pad (webrtc, pad);
      g_clear_object (&templ);
    }

  if (bin != NULL && GST_OBJECT_PARENT (webrtc) == GST_OBJECT (bin))
    gst_bin_remove (bin, webrtc);
}

static void
sl_peer_dispose (GObject *object)
{
  SlPeer *self = SL_PEER (object);

  sl_peer_close (self);
  G_OBJECT_CLASS (sl_peer_parent_class)->dispose (object);
}

static void
sl_peer_finalize (GObject *object)
{
  SlPeer *self = SL_PEER (object);

  g_clear_pointer (&self->promises, g_ptr_array_unref);
  g_clear_pointer (&self->gathering, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (sl_peer_parent_class)->finalize (object);
}

static void
sl_peer_class_init (SlPeerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sl_peer_dispose;
  object_class->finalize = sl_peer_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SIGNAL_ICE_CANDIDATE] =
    g_signal_new ("ice-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  signals[SIGNAL_PAD_ADDED] =
    g_signal_new ("pad-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, GST_TYPE_PAD);
}

static void
sl_peer_init (SlPeer *self)
{
  g_mutex_init (&self->lock);
  self->promises = g_ptr_array_new_with_free_func ((GDestroyNotify) gst_promise_unref);
  self->gathering = g_ptr_array_new_with_free_func (g_object_unref);
  self->state = SL_PEER_NEW;
}

/* Restricts ICE to @addresses and to UDP. */
static void
pin_ice (GstElement        *webrtc,
         const char *const *addresses)
{
  g_autoptr(GObject) ice = NULL;
  NiceAgent *agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL)
    return;
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "ice-tcp") != NULL)
    g_object_set (ice, "ice-tcp", FALSE, NULL);
  g_object_get (ice, "agent", &agent, NULL);
  g_return_if_fail (agent != NULL);
  /* UPnP port mapping multicasts SSDP on every interface. */
  g_object_set (agent, "upnp", FALSE, NULL);
  for (gsize i = 0; addresses != NULL && addresses[i] != NULL; i++)
    {
      NiceAddress address;

      nice_address_init (&address);
      if (!nice_address_set_from_string (&address, addresses[i]))
        {
          g_critical ("sl_peer_new: \"%s\" is not an IP address", addresses[i]);
          continue;
        }
      nice_agent_add_local_address (agent, &address);
    }
  g_object_unref (agent);
}

SlPeer *
sl_peer_new (GstBin            *bin,
             const char        *name,
             const char *const *ice_addresses)
{
  SlPeer *self;
  GstElement *webrtc;

  g_return_val_if_fail (GST_IS_BIN (bin), NULL);

  sl_media_init ();
  webrtc = gst_element_factory_make ("webrtcbin", name);
  g_return_val_if_fail (webrtc != NULL, NULL);   /* checked at start-up */

  self = g_object_new (SL_TYPE_PEER, NULL);
  self->context = g_main_context_ref_thread_default ();
  self->bin = gst_object_ref (bin);
  self->webrtcbin = gst_object_ref_sink (webrtc);

  g_object_set (webrtc, "bundle-policy", GST_WEBRTC_BUNDLE_POLICY_MAX_BUNDLE, NULL);
  pin_ice (webrtc, ice_addresses);

  g_signal_connect (webrtc, "notify::connection-state", G_CALLBACK (connection_state_notify_cb), self);
  g_signal_connect (webrtc, "notify::ice-gathering-state", G_CALLBACK (gathering_state_notify_cb), self);
  g_signal_connect (webrtc, "on-ice-candidate", G_CALLBACK (ice_candidate_cb), self);
  g_signal_connect (webrtc, "pad-added", G_CALLBACK (pad_added_cb), self);

  gst_bin_add (bin, webrtc);
  gst_element_sync_state_with_parent (webrtc);
  return self;
}

GstElement *
sl_peer_get_webrtcbin (SlPeer *self)
{
  GstElement *webrtc;

  g_return_val_if_fail (SL_IS_PEER (self), NULL);

  /* Owned by the peer until it is closed (then NULL). */
  webrtc = dup_webrtcbin (self);
  if (webrtc != NULL)
    gst_object_unref (webrtc);
  return webrtc;
}

SlPeerState
sl_peer_get_state (SlPeer *self)
{
  g_return_val_if_fail (SL_IS_PEER (self), SL_PEER_CLOSED);

  return self->state;
}
