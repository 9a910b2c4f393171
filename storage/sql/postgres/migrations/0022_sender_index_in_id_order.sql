-- Each sender's messages in id order, so that the pages which list what an agent sent
-- read the newest few from the end of the sender's range instead of walking the table:
-- an agent's messages both ways (`messages_of_agent`: the dashboard's agent page,
-- `swarmbus messages --agent`, the bot's listing) and the replies to what a person wrote
-- (`messages_for_person`); without it, listing a quiet agent read the whole table. Every
-- claim and settle writes a new version of the row into it, as into every index of the
-- table (none of them is HOT: they change delivery_status). 64 senders in process, 9
-- interleaved rounds of 4,000 messages: 5,584 messages a second against 5,768 without it
-- (medians, 3% fewer); one sender: no change measurable.
CREATE INDEX idx_message_from_agent ON agent_messages (from_agent, message_id);
