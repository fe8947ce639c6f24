package dev.exstate.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exstate.session.SessionId;
import java.util.HashSet;
import java.util.Set;
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
    @DisplayName("a lease, its token counter and its tick record have the same hash tag, even for names with braces")
    void leaseKeys() {
        for (String name : new String[] {"report", "}", "{", "{x}", "a}b", "%", "%7D"}) {
            String lease = keys.lease(name);
            assertThat(hashTag(lease)).as(name).isEqualTo(hashTag(keys.leaseToken(name)))
                    .isEqualTo(hashTag(keys.leaseTick(name)));
            assertThat(hashTag(lease)).as(name).isEqualTo(RedisKeys.escape(name));
            assertThat(lease).as(name).startsWith("exstate:shop:lease:{");
            assertThat(keys.leaseTick(name)).as(name).startsWith("exstate:shop:lease-tick:{");
        }
        assertThat(keys.lease("%7D")).isNotEqualTo(keys.lease("}"));
        assertThat(keys.leaseTick("job:report")).isEqualTo("exstate:shop:lease-tick:{job:report}");
    }

    @Test
    @DisplayName("lease, counter and tick-record keys never collide, whatever the names")
    void leaseKeysNeverCollide() {
        String[] names = {"job:report", "job:report:token", "job:report@x:token", "job:report@x", "x}:token", "a@b@c"};
        Set<String> leaseAndTickKeys = new HashSet<>();
        Set<String> counters = new HashSet<>();
        for (String name : names) {
            assertThat(leaseAndTickKeys.add(keys.lease(name))).as("lease key of %s", name).isTrue();
            assertThat(leaseAndTickKeys.add(keys.leaseTick(name))).as("tick key of %s", name).isTrue();
            counters.add(keys.leaseToken(name));
        }
        assertThat(counters).doesNotContainAnyElementsOf(leaseAndTickKeys);
    }

    @Test
    @DisplayName("names of one family (family@suffix) share the family's slot and token counter, each with its own tick record")
    void leaseFamilies() {
        String first = keys.lease("export@2026-11");
        String second = keys.lease("export@2026-12");
        assertThat(first).isEqualTo("exstate:shop:lease:{export}@2026-11").isNotEqualTo(second);
        assertThat(hashTag(first)).isEqualTo("export").isEqualTo(hashTag(keys.leaseToken("export@2026-11")))
                .isEqualTo(hashTag(keys.leaseTick("export@2026-11")));
        assertThat(keys.leaseToken("export@2026-11"))
                .isEqualTo(keys.leaseToken("export@2026-12"))
                .isEqualTo(keys.leaseToken("export"));
        assertThat(keys.leaseTick("export@2026-11")).isNotEqualTo(keys.leaseTick("export@2026-12"))
                .isNotEqualTo(keys.leaseTick("export"));
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
