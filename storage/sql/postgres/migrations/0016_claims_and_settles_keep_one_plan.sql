-- The claim and settle functions plan their statements once per connection, not on
-- every call, however many messages wait.
--
-- PL/pgSQL plans a statement that uses the function's variables for its first five
-- calls, then keeps a generic plan only if the planner costs it no higher than the
-- average of those five. With 100,000 messages waiting in 8 lanes it never does, so every
-- call of `swarmbus_claim_runs` planned each lane's three statements again: 1.7-2.5 ms
-- a call for 8 lanes, against 0.54-0.66 ms with the generic plans kept (on a table
-- of 200 waiting messages the server kept them by itself: 0.9 ms). bench/history.py
-- read the claim and settle of a message at 731 and 783 µs there, against 507 and 752
-- on the empty table. The generic plans are the ones migrations 0014 and 0015 shaped
-- to reach rows by primary key and by the lane index alone
-- (tests/integration/test_postgres_plans.py); a new plan is made whenever ANALYZE
-- changes the table's statistics, as before.

ALTER FUNCTION swarmbus_claim_runs(JSONB, FLOAT8, TEXT, TEXT)
    SET plan_cache_mode = force_generic_plan;
ALTER FUNCTION swarmbus_mark_delivered(JSONB, BOOLEAN)
    SET plan_cache_mode = force_generic_plan;
