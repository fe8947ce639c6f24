-- Extends the lease if it is still held by this owner and token.
-- KEYS[1] lease; ARGV[1] '<owner>:<token>'; ARGV[2] ttl (ms). Returns 1 if renewed, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
