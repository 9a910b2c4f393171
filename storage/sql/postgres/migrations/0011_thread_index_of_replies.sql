-- The thread index holds replies only. A thread's first message carries its own id as
-- thread_id and is found by its key; every other message of the thread by this index.
-- Most messages start no thread and answer none, and each of them paid an entry here at
-- its send (and, on PostgreSQL, again at its claim and at its settle, which rewrite the
-- row and so enter every index anew) for a look-up its key already serves. Measured on
-- SQLite: a send's commit wrote 12.6 log pages with the full index, 11.3 without it.
DROP INDEX idx_message_thread;
CREATE INDEX idx_message_thread_replies ON agent_messages (thread_id, message_id)
    WHERE thread_id <> message_id;
