package dev.exstate.etcd;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The lease contract over mutual TLS with a private CA and etcd authentication, as a user whose
 * role has exactly the grants {@code README.md} documents (read-write on the lease prefix).
 */
@DisplayName("EtcdLeaseProvider over TLS as a user limited to its app passes the LeaseProvider contract")
class EtcdTlsAuthLeaseProviderContractIT extends EtcdLeaseContract {
    @RegisterExtension
    static final EtcdFixture<SecuredEtcd> etcd = EtcdFixture.secured("tls");

    /**
     * 3 s instead of 1 s: over TLS with authentication an acquisition costs more CPU, and on a busy
     * machine one of the contention test's hundreds could take over a second, which (correctly)
     * hands out a lease whose conservative local deadline has already passed.
     */
    @Override
    protected Duration ttl() {
        return Duration.ofSeconds(3);
    }
}
