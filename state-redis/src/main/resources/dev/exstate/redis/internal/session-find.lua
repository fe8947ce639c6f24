-- Reads a session and, if its last recorded access is at least the touch interval old, records
-- this access and slides the TTL: reads write at most once per touch interval.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] touch interval (ms)
-- ARGV[3] invalidation channel, '' for none (published only if this read wrote)
-- Returns {} if absent (or tombstoned by a rotation), else {touched (0|1), field, value, ...}.
local h = redis.call('HGETALL', KEYS[1])
if #h == 0 then
  return {}
end
local last, inactive
for i = 1, #h, 2 do
  local f = h[i]
  if f == 'm:a' then
    last = tonumber(h[i + 1])
  elseif f == 'm:i' then
    inactive = h[i + 1]
  elseif f == 'm:r' then
    return {}
  end
end
if last == nil or inactive == nil then
  return {}
end
local touched = 0
if tonumber(ARGV[1]) - last >= tonumber(ARGV[2]) then
  redis.call('HSET', KEYS[1], 'm:a', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], inactive)
  touched = 1
  if ARGV[3] ~= '' then
    redis.call('PUBLISH', ARGV[3], KEYS[1])
  end
end
table.insert(h, 1, touched)
return h
