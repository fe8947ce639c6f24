-- Creates an empty session hash with its metadata and TTL.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] max inactive (ms)
redis.call('HSET', KEYS[1], 'm:c', ARGV[1], 'm:a', ARGV[1], 'm:i', ARGV[2], 'm:b', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
