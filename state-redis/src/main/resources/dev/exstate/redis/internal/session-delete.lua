-- Deletes a session and publishes its key on the invalidation channel, atomically: used instead
-- of a plain DEL only with pub/sub near-cache invalidation.
-- KEYS[1] session hash; ARGV[1] invalidation channel
local n = redis.call('DEL', KEYS[1])
publish(ARGV[1], KEYS[1])
return n
