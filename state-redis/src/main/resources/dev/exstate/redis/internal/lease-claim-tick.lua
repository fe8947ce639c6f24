-- Claims one tick of a scheduled job: takes the lease if free AND the job's last claimed tick is
-- below this one, records the tick and issues the next fencing token, all in this one script, so
-- a tick is claimed at most once and tokens increase in tick order.
-- Idempotent for one owner: if this owner (unique per claim) already holds the lease, a repeated
-- request returns the same token, so a retry after a lost reply neither fails nor burns a token.
-- KEYS[1] lease; KEYS[2] token counter; KEYS[3] last claimed tick (same hash tag; like the
-- counter it never expires). ARGV[1] owner; ARGV[2] ttl (ms); ARGV[3] tick (0 .. 2^53 - 1, exact
-- as a Lua number).
-- Returns the token, -1 if another owner holds the lease, -2 if this tick or a later one was claimed.
local holder = held()
if holder then
  return holder
end
local last = redis.call('GET', KEYS[3])
if last and tonumber(last) >= tonumber(ARGV[3]) then
  return -2
end
local t = take()
redis.call('SET', KEYS[3], ARGV[3])
return t
