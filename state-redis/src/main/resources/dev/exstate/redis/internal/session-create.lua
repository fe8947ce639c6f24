-- Creates an empty session hash with its metadata and TTL. The arguments are checked first: a
-- PEXPIRE refused after the HSET would leave a hash that never expires.
-- KEYS[1] session hash; ARGV[1] now (epoch ms); ARGV[2] max inactive (ms)
arg_int(1, 'now', 0)
arg_int(2, 'max inactive', 1)
redis.call('HSET', KEYS[1], 'm:c', ARGV[1], 'm:a', ARGV[1], 'm:i', ARGV[2], 'm:b', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
