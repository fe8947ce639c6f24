package dev.exstate.etcd;

import dev.exstate.lease.LeaseProvider;
import dev.exstate.testkit.TimeControl;
import dev.exstate.testkit.contract.LeaseProviderContract;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;

/**
 * The lease contract over mutual TLS with a private CA and etcd authentication, as a user whose
 * role has exactly the grants {@code README.md} documents (read-write on the lease prefix).
 */
@DisplayName("EtcdLeaseProvider over TLS as a user limited to its app passes the LeaseProvider contract")
class EtcdTlsAuthLeaseProviderContractIT extends LeaseProviderContract {
    private static final TimeControl TIME = TimeControl.real();
    private static SecuredEtcd etcd;

    private EtcdState state;
    private String app;

    @BeforeAll
    static void startEtcd() {
        etcd = SecuredEtcd.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    @BeforeEach
    void appUser() {
        app = "tls-" + UUID.randomUUID().toString().substring(0, 8);
        String user = "replica-" + app;
        state = EtcdState.connect(etcd.options(app, user, etcd.createAppUser(user, app)).build());
    }

    @AfterEach
    void closeState() {
        state.close();
    }

    @Override
    protected LeaseProvider newProvider() {
        return state.leaseProvider();
    }

    @Override
    protected TimeControl time() {
        return TIME;
    }

    /**
     * 3 s instead of 1 s: over TLS with authentication an acquisition costs more CPU, and on a busy
     * machine one of the contention test's hundreds could take over a second, which (correctly)
     * hands out a lease whose conservative local deadline has already passed.
     */
    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(3);
    }

    @Override
    protected boolean readsBackend() {
        return true;
    }

    /** The create revision of the lease key, read as root through the gateway: that is the fencing token. */
    @Override
    protected Optional<Long> storedToken(String name) {
        return etcd.server.createRevision("/exstate/" + app + "/lease/" + name);
    }
}
