-- Applies a session's attribute changes (a delta: other attributes are left alone), after
-- checking the arguments, the stored metadata and the limits against the resulting state;
-- refuses without writing anything if the session is gone, corrupt, or a limit would be exceeded.
-- Refreshes last access and TTL.
-- KEYS[1] session hash
-- ARGV[1] now (epoch ms); ARGV[2] max attributes; ARGV[3] max bytes
-- ARGV[4] invalidation channel, '' for none (pub/sub near-cache invalidation: the key is published)
-- then per change 4 values: field, 'p' (put) or 'd' (delete), value ('' for delete), name length
-- Returns {1, version before, version after, last access} saved, {0} not found, {-1, count} too many attributes, {-2, bytes} too many bytes.
local key = KEYS[1]
local now = arg_int(1, 'now', 0)
local maxCount = arg_int(2, 'max attributes', 1)
local maxBytes = arg_int(3, 'max bytes', 1)
if (#ARGV - 4) % 4 ~= 0 then
  error({err = 'EXSTATE_BADARG changes must come in groups of 4 arguments'})
end
local m = session_meta(key)
if not m or m.r then
  return {0}
end
local count = attribute_count(key, m)
local bytes = m.b
local i = 5
while i <= #ARGV do
  local field = ARGV[i]
  check_field(field)
  local op = ARGV[i + 1]
  if op ~= 'p' and op ~= 'd' then
    error({err = 'EXSTATE_BADARG a change is p (put) or d (delete)'})
  end
  local nameLen = arg_int(i + 3, 'name length', 1)
  if redis.call('HEXISTS', key, field) == 1 then
    count = count - 1
    bytes = bytes - nameLen - redis.call('HSTRLEN', key, field)
  end
  if op == 'p' then
    count = count + 1
    bytes = bytes + nameLen + string.len(ARGV[i + 2])
  end
  i = i + 4
end
local refused = over_limit(count, maxCount, bytes, maxBytes)
if refused then
  return refused
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
return after_write(key, m, now, bytes, ARGV[4])
