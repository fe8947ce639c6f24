-- Records an access and slides the TTL if the last one is at least the touch interval old.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] touch interval (ms)
-- ARGV[3] invalidation channel, '' for none (published only if touched)
-- Returns 1 if touched, 0 if not needed or the session is gone.
local last = redis.call('HGET', KEYS[1], 'm:a')
if not last or redis.call('HEXISTS', KEYS[1], 'm:r') == 1 then
  return 0
end
if tonumber(ARGV[1]) - tonumber(last) >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'm:a', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], redis.call('HGET', KEYS[1], 'm:i'))
  if ARGV[3] ~= '' then
    redis.call('PUBLISH', ARGV[3], KEYS[1])
  end
  return 1
end
return 0
