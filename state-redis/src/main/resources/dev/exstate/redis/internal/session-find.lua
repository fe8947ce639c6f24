-- Reads a session and, if its last recorded access is at least the touch interval old, records
-- this access and slides the TTL: reads write at most once per touch interval.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] touch interval (ms)
-- ARGV[3] invalidation channel, '' for none (published only if this read wrote)
-- Returns {} if absent (or tombstoned by a rotation), else {touched (0|1), field, value, ...}.
local now = arg_int(1, 'now', 0)
local touch = arg_int(2, 'touch interval', 0)
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then
  return {}
end
local v = pick_fields(h, 1, {['m:c'] = true, ['m:a'] = true, ['m:i'] = true, ['m:b'] = true, ['m:r'] = true})
local m = check_meta(v['m:c'], v['m:a'], v['m:i'], v['m:b'], v['m:r'])
if m.r then
  return {}
end
local touched = 0
if now - m.a >= touch then
  redis.call('HSET', KEYS[1], 'm:a', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], m.i)
  touched = 1
  publish(ARGV[3], KEYS[1])
end
table.insert(h, 1, touched)
return h
