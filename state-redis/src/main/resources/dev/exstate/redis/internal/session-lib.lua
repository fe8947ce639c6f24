-- Shared checks and steps, prepended to every session script (see Scripts.java). Every session script calls
-- the checks before its first write: Redis does not roll a script back, so a script that wrote and then
-- failed would leave half its work behind (a hash without TTL, attributes without their byte count).
-- Errors: EXSTATE_CORRUPT when the stored metadata is missing or not what exstate writes (a data
-- error: never retried, never counted as an outage); EXSTATE_BADARG for an argument out of range.
-- A key that is not a hash makes Redis itself answer WRONGTYPE, also a data error.

-- a non-negative integer of at most 15 digits (exact in Lua's doubles, no overflow in PEXPIRE)
local function int_or_nil(v)
  if type(v) ~= 'string' or #v > 15 or not string.match(v, '^%d+$') then
    return nil
  end
  return tonumber(v)
end

local function arg_int(i, what, min)
  local n = int_or_nil(ARGV[i])
  if n == nil or n < min then
    error({err = 'EXSTATE_BADARG ' .. what .. ' must be an integer >= ' .. min})
  end
  return n
end

local function meta_int(v, field, min)
  local n = int_or_nil(v)
  if n == nil or n < min then
    error({err = 'EXSTATE_CORRUPT session metadata ' .. field .. (v and ' is not a valid number' or ' is missing')})
  end
  return n
end

-- Checks the metadata values of a session hash; returns {c, a, i (the stored string), b, r}.
local function check_meta(c, a, i, b, r)
  local m = {}
  m.c = meta_int(c, 'm:c', 0)
  m.a = meta_int(a, 'm:a', 0)
  meta_int(i, 'm:i', 1)
  m.i = i
  m.b = meta_int(b, 'm:b', 0)
  m.r = r and true or false
  return m
end

-- The values of the fields named in the set names (e.g. {['m:c'] = true}) of a flat field, value list,
-- read from index first on, by field name; every other field is passed to other(f), if given.
local function pick_fields(list, first, names, other)
  local v = {}
  for k = first, #list, 2 do
    local f = list[k]
    if names[f] then
      v[f] = list[k + 1]
    elseif other then
      other(f)
    end
  end
  return v
end

-- The checked metadata of the session hash at key, or nil if there is no such key.
local function session_meta(key)
  local v = redis.call('HMGET', key, 'm:c', 'm:a', 'm:i', 'm:b', 'm:r')
  if not (v[1] or v[2] or v[3] or v[4] or v[5]) and redis.call('EXISTS', key) == 0 then
    return nil
  end
  return check_meta(v[1], v[2], v[3], v[4], v[5])
end

-- An attribute field as the Java side makes it ('a:' + name); anything else would overwrite metadata.
local function check_field(f)
  if type(f) ~= 'string' or string.sub(f, 1, 2) ~= 'a:' then
    error({err = 'EXSTATE_BADARG attribute fields must start with a:'})
  end
end

-- Tells the other replicas' near caches that key changed; channel '' means no pub/sub invalidation.
local function publish(channel, key)
  if channel ~= '' then
    redis.call('PUBLISH', channel, key)
  end
end

-- The refusal of a write that would break a limit ({-1, count} too many attributes, {-2, bytes}
-- too many bytes), or nil if the resulting state keeps both.
local function over_limit(count, max_count, bytes, max_bytes)
  if count > max_count then
    return {-1, count}
  end
  if bytes > max_bytes then
    return {-2, bytes}
  end
  return nil
end

-- After an attribute write: stores the byte count, records the access now (ARGV[1] in every
-- session script; never moved back), slides the TTL and publishes the key.
local function after_write(key, m, now, bytes, channel)
  redis.call('HSET', key, 'm:b', math.max(bytes, 0))
  if now > m.a then
    redis.call('HSET', key, 'm:a', ARGV[1])
  end
  redis.call('PEXPIRE', key, m.i)
  publish(channel, key)
end
