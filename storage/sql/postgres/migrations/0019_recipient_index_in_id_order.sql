-- The seed's index of recipients keeps each recipient's messages in id order, so that its
-- newest few are read from the end of its range instead of from its whole history, sorted:
-- an inbox (`inbox_messages`), a recipient's latest finished messages (its coordination
-- efficiency) and marking messages read. Without it the planner sorted every message of a
-- recipient of few among many (tests/integration/test_postgres_plans.py); SQLite, without
-- statistics, did so for every recipient (its 0019). The index still leads with to_agent,
-- so it serves every look-up by recipient it served.
DROP INDEX idx_message_to_agent;
CREATE INDEX idx_message_to_agent ON agent_messages (to_agent, message_id);
