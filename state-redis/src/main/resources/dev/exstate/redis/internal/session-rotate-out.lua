-- First step of an id rotation: marks the session as moved (from now on every operation on the
-- old id treats it as gone) and returns its content. The moment of the mark is the moment of
-- the rotation: later writes to the old id fail, earlier ones are in the returned content. A
-- session with corrupt metadata is refused before the mark, so it is never half moved.
-- KEYS[1] old session hash; ARGV[1] how long the tombstone may linger (ms)
-- ARGV[2] invalidation channel, '' for none
-- Returns {} if absent, else {field, value, ...} as it was before the mark.
local key = KEYS[1]
arg_int(1, 'tombstone time', 1)
local m = session_meta(key)
if not m or m.r then
  return {}
end
local h = redis.call('HGETALL', key)
redis.call('HSET', key, 'm:r', '1')
redis.call('PEXPIRE', key, ARGV[1])
publish(ARGV[2], KEYS[1])
return h
