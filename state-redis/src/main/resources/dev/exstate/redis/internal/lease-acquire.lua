-- Takes a lease if free and issues the next fencing token from a counter that never expires.
-- Idempotent for one owner: if this owner (unique per acquisition) already holds the lease, a
-- repeated request returns the same token instead of failing, so a retry after a lost reply
-- neither leaks the lease nor burns a token.
-- KEYS[1] lease; KEYS[2] token counter (same hash tag); ARGV[1] owner; ARGV[2] ttl (ms)
-- Returns the token, or -1 if another owner holds the lease.
local cur = redis.call('GET', KEYS[1])
if cur then
  local owner, token = string.match(cur, '^(.*):(%d+)$')
  if owner == ARGV[1] then
    return tonumber(token)
  end
  return -1
end
local t = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. t, 'PX', ARGV[2])
return t
