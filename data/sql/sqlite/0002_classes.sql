-- 0002_classes.sql (SQLite): classes, their chat, mutes and hand queues
-- SPDX-License-Identifier: GPL-3.0-or-later
-- Times are unix seconds (UTC).

CREATE TABLE classes (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  owner_id         INTEGER NOT NULL REFERENCES users (id),
  title            TEXT    NOT NULL,
  description      TEXT    NOT NULL DEFAULT '',
  scheduled_at     INTEGER NOT NULL,
  duration_minutes INTEGER NOT NULL,
  is_public        INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
  state            TEXT    NOT NULL DEFAULT 'scheduled'
                   CHECK (state IN ('scheduled', 'live', 'ended', 'cancelled')),
  started_at       INTEGER,
  ended_at         INTEGER,
  stream_key       TEXT    NOT NULL UNIQUE,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) STRICT;

CREATE INDEX classes_owner_id_idx ON classes (owner_id);
-- One per list: live (newest start first), upcoming (soonest first), past
-- (latest end first).
CREATE INDEX classes_live_idx ON classes (state, started_at DESC, id DESC);
CREATE INDEX classes_upcoming_idx ON classes (state, scheduled_at, id);
CREATE INDEX classes_past_idx ON classes (state, coalesce(ended_at, updated_at) DESC, id DESC);

-- Deleted messages stay, marked, for moderation records.
CREATE TABLE chat_messages (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  class_id         INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL REFERENCES users (id),
  text             TEXT    NOT NULL,
  created_at       INTEGER NOT NULL,
  deleted_at       INTEGER,
  deleted_by       INTEGER REFERENCES users (id)
) STRICT;

CREATE INDEX chat_messages_class_id_idx ON chat_messages (class_id, id);

CREATE TABLE class_mutes (
  class_id         INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL REFERENCES users (id),
  muted_by         INTEGER NOT NULL REFERENCES users (id),
  created_at       INTEGER NOT NULL,
  PRIMARY KEY (class_id, user_id)
) STRICT;

-- The hand queue: seq orders a class's raised hands (the store gives each
-- new hand its class's highest seq + 1, writes being serialized).
CREATE TABLE hands (
  class_id         INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL REFERENCES users (id),
  raised_at        INTEGER NOT NULL,
  seq              INTEGER NOT NULL,
  PRIMARY KEY (class_id, user_id)
) STRICT;

CREATE INDEX hands_class_id_seq_idx ON hands (class_id, seq);
