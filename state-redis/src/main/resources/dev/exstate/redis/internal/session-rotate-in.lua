-- Second step of an id rotation: writes the content under the new id. Overwrites, so a retry is
-- harmless. Everything is checked before the first write.
-- KEYS[1] new session hash; ARGV[1] now (epoch ms); ARGV[2] max inactive (ms);
-- ARGV[3..] field, value pairs (metadata m:c, m:i, m:b without last access, and attributes)
local key = KEYS[1]
arg_int(1, 'now', 0)
arg_int(2, 'max inactive', 1)
if (#ARGV - 2) % 2 ~= 0 then
  error({err = 'EXSTATE_BADARG fields and values must come in pairs'})
end
local v = pick_fields(ARGV, 3, {['m:c'] = true, ['m:i'] = true, ['m:b'] = true}, check_field)
local i = v['m:i']
check_meta(v['m:c'], ARGV[1], i or ARGV[2], v['m:b'], nil)
for k = 3, #ARGV, 2 do
  redis.call('HSET', key, ARGV[k], ARGV[k + 1])
end
redis.call('HSET', key, 'm:a', ARGV[1])
if not i then
  redis.call('HSET', key, 'm:i', ARGV[2])
end
redis.call('PEXPIRE', key, ARGV[2])
return 1
