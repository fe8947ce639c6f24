-- Shared steps of the scripts that take a lease, prepended to them (see Scripts.java).
-- KEYS[1] lease; KEYS[2] token counter (same hash tag, never expires); ARGV[1] owner; ARGV[2] ttl (ms)

-- nil if the lease is free. If it is held: the token of this owner (unique per acquisition), so a
-- repeated request returns the same token instead of failing, or -1 if another owner holds it.
local function held()
  local cur = redis.call('GET', KEYS[1])
  if not cur then
    return nil
  end
  local owner, token = string.match(cur, '^(.*):(%d+)$')
  if owner == ARGV[1] then
    return tonumber(token)
  end
  return -1
end

-- Issues the next fencing token and takes the lease for this owner with it; returns the token.
-- The token is the counter plus one, raised to the server's clock in microseconds if that is
-- higher. Redis replicates asynchronously: a failover to a replica that missed the last INCRs
-- (or a restart without persistence) sets the counter back, but not the clock, so the tokens
-- handed out before are still below the next one as long as the new master's clock is not behind
-- the old one's by more than the failover took (seconds). Exact as a Lua number until 2^53 us
-- (year 2255); the counter is written back as an integer so INCR keeps working.
local function take()
  local now = redis.call('TIME')
  local floor = tonumber(now[1]) * 1000000 + tonumber(now[2])
  local t = redis.call('INCR', KEYS[2])
  if t < floor then
    t = floor
    redis.call('SET', KEYS[2], string.format('%.0f', t))
  end
  local token = string.format('%.0f', t)
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. token, 'PX', ARGV[2])
  return t
end
