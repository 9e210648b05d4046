-- 0002_classes.sql (PostgreSQL): classes, their chat, mutes and hand queues
-- SPDX-License-Identifier: GPL-3.0-or-later
-- Times are unix seconds (UTC).

CREATE TABLE classes (
  id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id         BIGINT  NOT NULL REFERENCES users (id),
  title            TEXT    NOT NULL,
  description      TEXT    NOT NULL DEFAULT '',
  scheduled_at     BIGINT  NOT NULL,
  duration_minutes INTEGER NOT NULL,
  is_public        BOOLEAN NOT NULL DEFAULT FALSE,
  state            TEXT    NOT NULL DEFAULT 'scheduled'
                   CHECK (state IN ('scheduled', 'live', 'ended', 'cancelled')),
  started_at       BIGINT,
  ended_at         BIGINT,
  stream_key       TEXT    NOT NULL UNIQUE,
  created_at       BIGINT  NOT NULL,
  updated_at       BIGINT  NOT NULL
);

CREATE INDEX classes_owner_id_idx ON classes (owner_id);
-- One per list: live (newest start first), upcoming (soonest first), past
-- (latest end first).
CREATE INDEX classes_live_idx ON classes (state, started_at DESC, id DESC);
CREATE INDEX classes_upcoming_idx ON classes (state, scheduled_at, id);
CREATE INDEX classes_past_idx ON classes (state, coalesce(ended_at, updated_at) DESC, id DESC);

-- Deleted messages stay, marked, for moderation records.
CREATE TABLE chat_messages (
  id               BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  class_id         BIGINT  NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          BIGINT  NOT NULL REFERENCES users (id),
  text             TEXT    NOT NULL,
  created_at       BIGINT  NOT NULL,
  deleted_at       BIGINT,
  deleted_by       BIGINT  REFERENCES users (id)
);

CREATE INDEX chat_messages_class_id_idx ON chat_messages (class_id, id);

CREATE TABLE class_mutes (
  class_id         BIGINT  NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          BIGINT  NOT NULL REFERENCES users (id),
  muted_by         BIGINT  NOT NULL REFERENCES users (id),
  created_at       BIGINT  NOT NULL,
  PRIMARY KEY (class_id, user_id)
);

-- The hand queue: seq orders a class's raised hands.
CREATE TABLE hands (
  class_id         BIGINT  NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
  user_id          BIGINT  NOT NULL REFERENCES users (id),
  raised_at        BIGINT  NOT NULL,
  seq              BIGINT  GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (class_id, user_id)
);

CREATE INDEX hands_class_id_seq_idx ON hands (class_id, seq);
