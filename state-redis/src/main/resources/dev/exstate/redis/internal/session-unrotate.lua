-- Undoes the first rotation step when the second could not be done, so the session is not lost.
-- KEYS[1] old session hash
local m = session_meta(KEYS[1])
if m and m.r then
  redis.call('HDEL', KEYS[1], 'm:r')
  redis.call('PEXPIRE', KEYS[1], m.i)
  return 1
end
return 0
