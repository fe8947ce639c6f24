-- Undoes the first rotation step when the second could not be done, so the session is not lost.
-- KEYS[1] old session hash
if redis.call('HEXISTS', KEYS[1], 'm:r') == 1 then
  redis.call('HDEL', KEYS[1], 'm:r')
  redis.call('PEXPIRE', KEYS[1], redis.call('HGET', KEYS[1], 'm:i'))
  return 1
end
return 0
