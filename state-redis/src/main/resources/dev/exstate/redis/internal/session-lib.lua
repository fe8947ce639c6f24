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

-- Checks the metadata values of a session hash; returns {c, a, i (the stored string), b, r, v}.
-- v is the version: counts the writes that changed attributes; 0 (and no field) until the first.
local function check_meta(c, a, i, b, r, v)
  local m = {}
  m.c = meta_int(c, 'm:c', 0)
  m.a = meta_int(a, 'm:a', 0)
  meta_int(i, 'm:i', 1)
  m.i = i
  m.b = meta_int(b, 'm:b', 0)
  m.r = r and true or false
  m.v = v and meta_int(v, 'm:v', 1) or 0
  return m
end

-- The number of attributes of a session hash with metadata m: its fields less m:c, m:a, m:i, m:b
-- and, once there is one, m:v.
local function attribute_count(key, m)
  return redis.call('HLEN', key) - (m.v > 0 and 5 or 4)
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
  local v = redis.call('HMGET', key, 'm:c', 'm:a', 'm:i', 'm:b', 'm:r', 'm:v')
  if not (v[1] or v[2] or v[3] or v[4] or v[5] or v[6]) and redis.call('EXISTS', key) == 0 then
    return nil
  end
  return check_meta(v[1], v[2], v[3], v[4], v[5], v[6])
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

-- Reads the key as the script's last command on it. A replica's connection tracks with NOLOOP:
-- its own writes send it no invalidation but still end Redis's tracking of the key for it, and
-- this read starts it again, so a later write by anyone else reaches this replica's near cache.
local function track(key)
  return redis.call('HGET', key, 'm:v')
end

-- After an attribute write: stores the byte count, bumps the version, records the access now
-- (ARGV[1] in every session script; never moved back), slides the TTL and publishes the key.
-- Returns {1, version before, version after, last access after}: the replica that wrote keeps
-- its near-cache entry if the version before is the one it loaded.
local function after_write(key, m, now, bytes, channel)
  redis.call('HSET', key, 'm:b', math.max(bytes, 0))
  local access = m.a
  if now > m.a then
    redis.call('HSET', key, 'm:a', ARGV[1])
    access = now
  end
  redis.call('HSET', key, 'm:v', m.v + 1)
  redis.call('PEXPIRE', key, m.i)
  publish(channel, key)
  return {1, m.v, tonumber(track(key)), access}
end
