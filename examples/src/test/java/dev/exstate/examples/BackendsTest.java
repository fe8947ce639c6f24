package dev.exstate.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the demo's backend URIs")
class BackendsTest {

    @Test
    @DisplayName("the user info shown nowhere ends at the last '@', so a password with '@' or '/' never shows")
    void userInfoEndsAtTheLastAt() {
        assertThat(Backends.withoutUserInfo("redis://app:p@ssw0rd@h:6379")).isEqualTo("redis://h:6379");
        assertThat(Backends.withoutUserInfo("redis://app:pa/ss@h:6379/0")).isEqualTo("redis://h:6379/0");
        assertThat(Backends.withoutUserInfo("redis-sentinel://:s3cr@t@s1:26379,s2:26379#m"))
                .isEqualTo("redis-sentinel://s1:26379,s2:26379#m");
        assertThat(Backends.withoutUserInfo("redis://h:6379")).isEqualTo("redis://h:6379");
    }
}
