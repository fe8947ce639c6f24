-- Second step of an id rotation: writes the content under the new id. Overwrites, so a retry is
-- harmless.
-- KEYS[1] new session hash; ARGV[1] now (epoch ms); ARGV[2] max inactive (ms);
-- ARGV[3..] field, value pairs (metadata without last access, and attributes)
local key = KEYS[1]
for i = 3, #ARGV, 2 do
  redis.call('HSET', key, ARGV[i], ARGV[i + 1])
end
redis.call('HSET', key, 'm:a', ARGV[1])
redis.call('PEXPIRE', key, ARGV[2])
return 1
