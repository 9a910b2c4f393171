-- Each sender's messages in id order, so that the pages which list what an agent sent
-- read the newest few from the end of the sender's range instead of walking the table:
-- an agent's messages both ways (`messages_of_agent`: the dashboard's agent page,
-- `swarmbus messages --agent`, the bot's listing) and the replies to what a person wrote
-- (`messages_for_person`). At 1,000,000 messages, an agent that had sent and received
-- nothing took 0.35-0.48 s to list, the person page 0.53-0.64 s; now 0.01 ms and a
-- look-up per message the person wrote. Only a send writes it: no claim or settle
-- changes either column (the raw insert, claim and settle cycle on this schema: 2,996
-- messages a second with it and without it, 7 interleaved rounds of 4,000).
CREATE INDEX idx_message_from_agent ON agent_messages (from_agent, message_id);
