-- A GUI paste has no idempotency of its own: pasting twice is two messages in
-- the chat. So before a non-idempotent transport touches the screen, the
-- dispatcher commits an "attempt started" mark (when, which dispatcher, under
-- which claim), and recording the outcome clears it. A message found in play
-- with a mark was perhaps delivered by an attempt that was cut off (a crash
-- between paste and settle): it is resent only with a visible "may repeat"
-- header, or held as a dead letter, per agent (`on_uncertain`).

ALTER TABLE agent_messages ADD COLUMN attempt_started_at TEXT;
ALTER TABLE agent_messages ADD COLUMN attempt_by TEXT;
ALTER TABLE agent_messages ADD COLUMN attempt_token TEXT;
