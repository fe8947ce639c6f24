package dev.exstate.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.session.SessionId;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("RedisKeys")
class RedisKeysTest {
    private final RedisKeys keys = new RedisKeys("exstate", "shop");

    /** What Redis Cluster hashes: the part between the first '{' and the next '}', if not empty. */
    private static String hashTag(String key) {
        int open = key.indexOf('{');
        if (open < 0) {
            return key;
        }
        int close = key.indexOf('}', open + 1);
        return close < 0 || close == open + 1 ? key : key.substring(open + 1, close);
    }

    @Test
    @DisplayName("a session key is namespaced and carries the session id as its hash tag")
    void sessionKey() {
        SessionId id = SessionId.generate();
        String key = keys.session(id);
        assertThat(key).isEqualTo("exstate:shop:session:{" + id.value() + "}");
        assertThat(hashTag(key)).isEqualTo(id.value());
        assertThat(keys.sessionIdOf(key)).contains(id);
    }

    @Test
    @DisplayName("only session keys of this namespace map back to a session id")
    void sessionIdOfOtherKeys() {
        SessionId id = SessionId.generate();
        assertThat(new RedisKeys("exstate", "other").sessionIdOf(keys.session(id))).isEmpty();
        assertThat(keys.sessionIdOf(keys.lease("x"))).isEmpty();
        assertThat(keys.sessionIdOf("exstate:shop:session:{not-an-id}")).isEmpty();
    }

    @Test
    @DisplayName("a lease and its token counter have the same hash tag, even for names with braces")
    void leaseKeys() {
        for (String name : new String[] {"report", "}", "{", "{x}", "a}b", "%", "%7D"}) {
            String lease = keys.lease(name);
            assertThat(hashTag(lease)).as(name).isEqualTo(hashTag(keys.leaseToken(name)));
            assertThat(hashTag(lease)).as(name).isEqualTo(RedisKeys.escape(name));
            assertThat(lease).as(name).startsWith("exstate:shop:lease:{");
        }
        assertThat(keys.lease("%7D")).isNotEqualTo(keys.lease("}"));
    }

    @Test
    @DisplayName("per-tick leases of one job share the job's slot and token counter, and leave no counter behind")
    void leaseFamilies() {
        String tick1 = keys.lease("job:report@29145");
        String tick2 = keys.lease("job:report@29146");
        assertThat(tick1).isEqualTo("exstate:shop:lease:{job:report}@29145").isNotEqualTo(tick2);
        assertThat(hashTag(tick1)).isEqualTo("job:report").isEqualTo(hashTag(keys.leaseToken("job:report@29145")));
        assertThat(keys.leaseToken("job:report@29145"))
                .isEqualTo(keys.leaseToken("job:report@29146"))
                .isEqualTo(keys.leaseToken("job:report"));
    }

    @Test
    @DisplayName("names starting with '@' never make an empty hash tag: lease and counter share a non-empty tag")
    void leadingAtSign() {
        for (String name : new String[] {"@x", "@", "@@x", "@x@7", "@@", "x@", "@{}@1"}) {
            String lease = keys.lease(name);
            assertThat(hashTag(lease)).as(name).isNotEmpty().isEqualTo(hashTag(keys.leaseToken(name)));
        }
        assertThat(keys.lease("@x")).isEqualTo("exstate:shop:lease:{@x}");
        assertThat(keys.lease("@x@7")).isEqualTo("exstate:shop:lease:{@x}@7");
        assertThat(keys.leaseToken("@x@7")).isEqualTo(keys.leaseToken("@x@8")).isEqualTo(keys.leaseToken("@x"));
        assertThat(keys.lease("@x")).isNotEqualTo(keys.lease("x")).isNotEqualTo(keys.lease("@x@"));
    }
}
