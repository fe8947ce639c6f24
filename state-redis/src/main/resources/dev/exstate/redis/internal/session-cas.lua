-- Compare-and-set of one attribute, for compute(): writes only if the attribute still holds the
-- value (or absence) the caller computed from. Checks limits on the resulting state first.
-- KEYS[1] session hash
-- ARGV[1] now; ARGV[2] max attributes; ARGV[3] max bytes; ARGV[4] field; ARGV[5] name length
-- ARGV[6] '1' if a value was expected, '0' if absence; ARGV[7] expected value
-- ARGV[8] '1' to put ARGV[9], '0' to delete; ARGV[10] invalidation channel, '' for none
-- Returns {1} written, {0} not found, {2, 0} conflict (now absent), {2, 1, value} conflict,
-- {-1, count} too many attributes, {-2, bytes} too many bytes.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'm:r') == 1 then
  return {0}
end
local field = ARGV[4]
local cur = redis.call('HGET', key, field)
if ARGV[6] == '1' then
  if cur ~= ARGV[7] then
    if cur then
      return {2, 1, cur}
    end
    return {2, 0}
  end
elseif cur then
  return {2, 1, cur}
end
local nameLen = tonumber(ARGV[5])
local count = redis.call('HLEN', key) - 4
local bytes = tonumber(redis.call('HGET', key, 'm:b') or '0')
if cur then
  count = count - 1
  bytes = bytes - nameLen - string.len(cur)
end
if ARGV[8] == '1' then
  count = count + 1
  bytes = bytes + nameLen + string.len(ARGV[9])
end
if count > tonumber(ARGV[2]) then
  return {-1, count}
end
if bytes > tonumber(ARGV[3]) then
  return {-2, bytes}
end
if ARGV[8] == '1' then
  redis.call('HSET', key, field, ARGV[9])
else
  redis.call('HDEL', key, field)
end
redis.call('HSET', key, 'm:b', bytes)
local last = tonumber(redis.call('HGET', key, 'm:a') or '0')
if tonumber(ARGV[1]) > last then
  redis.call('HSET', key, 'm:a', ARGV[1])
end
redis.call('PEXPIRE', key, redis.call('HGET', key, 'm:i'))
if ARGV[10] ~= '' then
  redis.call('PUBLISH', ARGV[10], KEYS[1])
end
return {1}
