-- Compare-and-set of one attribute, for compute(): writes only if the attribute still holds the
-- value (or absence) the caller computed from. Checks the arguments, the stored metadata and the
-- limits on the resulting state before writing anything.
-- KEYS[1] session hash
-- ARGV[1] now; ARGV[2] max attributes; ARGV[3] max bytes; ARGV[4] field; ARGV[5] name length
-- ARGV[6] '1' if a value was expected, '0' if absence; ARGV[7] expected value
-- ARGV[8] '1' to put ARGV[9], '0' to delete; ARGV[10] invalidation channel, '' for none
-- Returns {1, version before, version after, last access} written, {0} not found, {2, 0} conflict (now absent), {2, 1, value} conflict,
-- {-1, count} too many attributes, {-2, bytes} too many bytes.
local key = KEYS[1]
local now = arg_int(1, 'now', 0)
local maxCount = arg_int(2, 'max attributes', 1)
local maxBytes = arg_int(3, 'max bytes', 1)
local field = ARGV[4]
check_field(field)
local nameLen = arg_int(5, 'name length', 1)
local m = session_meta(key)
if not m or m.r then
  return {0}
end
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
local count = attribute_count(key, m)
local bytes = m.b
if cur then
  count = count - 1
  bytes = bytes - nameLen - string.len(cur)
end
if ARGV[8] == '1' then
  count = count + 1
  bytes = bytes + nameLen + string.len(ARGV[9])
end
local refused = over_limit(count, maxCount, bytes, maxBytes)
if refused then
  return refused
end
if ARGV[8] == '1' then
  redis.call('HSET', key, field, ARGV[9])
else
  redis.call('HDEL', key, field)
end
return after_write(key, m, now, bytes, ARGV[10])
