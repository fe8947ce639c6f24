-- Takes a lease if free and issues the next fencing token from a counter that never expires.
-- Idempotent for one owner: if this owner (unique per acquisition) already holds the lease, a
-- repeated request returns the same token instead of failing, so a retry after a lost reply
-- neither leaks the lease nor burns a token.
-- KEYS[1] lease; KEYS[2] token counter (same hash tag); ARGV[1] owner; ARGV[2] ttl (ms)
-- Returns the token, or -1 if another owner holds the lease.
local holder = held()
if holder then
  return holder
end
return take()
