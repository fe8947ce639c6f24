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
local function take()
  local t = redis.call('INCR', KEYS[2])
  redis.call('SET', KEYS[1], ARGV[1] .. ':' .. t, 'PX', ARGV[2])
  return t
end
