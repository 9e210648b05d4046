/* sl-class.h: a scheduled class, its chat messages and raised hands
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  SL_CLASS_SCHEDULED = 1 << 0,
  SL_CLASS_LIVE      = 1 << 1,
  SL_CLASS_ENDED     = 1 << 2,
  SL_CLASS_CANCELLED = 1 << 3,
} SlClassState;   /* flags, so a set of states can be asked for */

const char *sl_class_state_to_string   (SlClassState state);
gboolean    sl_class_state_from_string (const char   *name,
                                        SlClassState *out);

#define SL_CLASS_TITLE_MAX 200
#define SL_CLASS_DESCRIPTION_MAX 5000
#define SL_CLASS_DURATION_MAX (24 * 60)
#define SL_CHAT_TEXT_MAX 2000

typedef struct {
  gint64       id;
  gint64       owner_id;
  char        *owner_name;       /* the owner's display name (read only) */
  char        *title;            /* 1..200 characters */
  char        *description;      /* may be "" */
  gint64       scheduled_at;     /* unix seconds, UTC */
  gint         duration_minutes; /* 1..1440 */
  gboolean     is_public;        /* watchable on the web without an account */
  SlClassState state;
  gint64       started_at;       /* 0: not yet */
  gint64       ended_at;         /* 0: not yet (ended or cancelled) */
  char        *stream_key;       /* for WHIP publishers; shown to the owner only */
  gint64       created_at;
  gint64       updated_at;
} SlClass;

SlClass  *sl_class_new     (void);
SlClass  *sl_class_copy    (const SlClass *klass);
void      sl_class_free    (SlClass       *klass);
/* {id, title, description, scheduled_at, duration_minutes, public, state,
 *  owner: {id, display_name}, started_at, ended_at, created_at}; times are
 * RFC 3339 or null.  Never includes the stream key. */
JsonNode *sl_class_to_json (const SlClass *klass);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlClass, sl_class_free)

typedef struct {
  gint64  id;
  gint64  class_id;
  gint64  user_id;
  char   *display_name;   /* the author's, when it was read */
  char   *text;
  gint64  created_at;
} SlChatMessage;

SlChatMessage *sl_chat_message_copy (const SlChatMessage *message);
void           sl_chat_message_free (SlChatMessage       *message);
/* {id, class_id, from: {id, display_name}, text, sent_at} */
JsonNode      *sl_chat_message_to_json (const SlChatMessage *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlChatMessage, sl_chat_message_free)

typedef struct {
  gint64  user_id;
  char   *display_name;
  gint64  raised_at;
} SlHand;

void      sl_hand_free    (SlHand       *hand);
/* {user: {id, display_name}, raised_at} */
JsonNode *sl_hand_to_json (const SlHand *hand);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SlHand, sl_hand_free)

G_END_DECLS
