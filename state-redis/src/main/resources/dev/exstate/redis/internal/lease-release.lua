-- Frees the lease if it is still held by this owner and token; never touches a newer holder's.
-- KEYS[1] lease; ARGV[1] '<owner>:<token>'. Returns 1 if released, else 0.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
