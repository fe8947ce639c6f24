-- Applies a session's attribute changes (a delta: other attributes are left alone), after
-- checking the limits against the resulting state; refuses without writing anything if the
-- session is gone or a limit would be exceeded. Refreshes last access and TTL.
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms); ARGV[2] max attributes; ARGV[3] max bytes
-- ARGV[4] invalidation channel, '' for none (pub/sub near-cache invalidation: the key is published)
-- then per change 4 values: field, 'p' (put) or 'd' (delete), value ('' for delete), name length
-- Returns {1} saved, {0} not found, {-1, count} too many attributes, {-2, bytes} too many bytes.
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 or redis.call('HEXISTS', key, 'm:r') == 1 then
  return {0}
end
local count = redis.call('HLEN', key) - 4
local bytes = tonumber(redis.call('HGET', key, 'm:b') or '0')
local i = 5
while i <= #ARGV do
  local field = ARGV[i]
  local nameLen = tonumber(ARGV[i + 3])
  if redis.call('HEXISTS', key, field) == 1 then
    count = count - 1
    bytes = bytes - nameLen - redis.call('HSTRLEN', key, field)
  end
  if ARGV[i + 1] == 'p' then
    count = count + 1
    bytes = bytes + nameLen + string.len(ARGV[i + 2])
  end
  i = i + 4
end
if count > tonumber(ARGV[2]) then
  return {-1, count}
end
if bytes > tonumber(ARGV[3]) then
  return {-2, bytes}
end
i = 5
while i <= #ARGV do
  if ARGV[i + 1] == 'p' then
    redis.call('HSET', key, ARGV[i], ARGV[i + 2])
  else
    redis.call('HDEL', key, ARGV[i])
  end
  i = i + 4
end
redis.call('HSET', key, 'm:b', bytes)
local last = tonumber(redis.call('HGET', key, 'm:a') or '0')
if tonumber(ARGV[1]) > last then
  redis.call('HSET', key, 'm:a', ARGV[1])
end
redis.call('PEXPIRE', key, redis.call('HGET', key, 'm:i'))
if ARGV[4] ~= '' then
  redis.call('PUBLISH', ARGV[4], KEYS[1])
end
return {1}
