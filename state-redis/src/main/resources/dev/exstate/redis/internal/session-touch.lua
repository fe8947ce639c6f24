-- Records an access and slides the TTL if the last one is at least the touch interval old.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] touch interval (ms)
-- ARGV[3] invalidation channel, '' for none (published only if touched)
-- Returns 1 if touched, 0 if not needed or the session is gone.
local now = arg_int(1, 'now', 0)
local touch = arg_int(2, 'touch interval', 0)
local m = session_meta(KEYS[1])
if not m or m.r then
  return 0
end
if now - m.a >= touch then
  redis.call('HSET', KEYS[1], 'm:a', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], m.i)
  publish(ARGV[3], KEYS[1])
  return 1
end
return 0
