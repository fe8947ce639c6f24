-- Records an access and slides the TTL if the last one is at least the touch interval old.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] touch interval (ms)
-- ARGV[3] invalidation channel, '' for none (published only if touched)
-- Returns {} if the session is gone, else {version, last access} after this call: the replica
-- that touched updates its near-cache entry if the version is the one it holds.
local now = arg_int(1, 'now', 0)
local touch = arg_int(2, 'touch interval', 0)
local m = session_meta(KEYS[1])
if not m or m.r then
  return {}
end
local access = m.a
if now - m.a >= touch then
  redis.call('HSET', KEYS[1], 'm:a', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], m.i)
  publish(ARGV[3], KEYS[1])
  track(KEYS[1])
  access = now
end
return {m.v, access}
