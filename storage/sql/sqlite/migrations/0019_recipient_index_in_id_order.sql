-- The seed's index of recipients keeps each recipient's messages in id order, so that its
-- newest few are read from the end of its range instead of from its whole history, sorted:
-- an inbox (`inbox_messages`), a recipient's latest finished messages (its coordination
-- efficiency) and marking messages read. At 100,000 messages over 8 recipients, without
-- planner statistics, an inbox took 21-43 ms and marking two messages read 1.7-2.8 ms;
-- now 0.1-0.2 ms and 0.05 ms. The index still leads with to_agent, so it serves every
-- look-up by recipient it served. Only a send writes it: no claim or settle changes
-- either column.
DROP INDEX idx_message_to_agent;
CREATE INDEX idx_message_to_agent ON agent_messages (to_agent, message_id);
