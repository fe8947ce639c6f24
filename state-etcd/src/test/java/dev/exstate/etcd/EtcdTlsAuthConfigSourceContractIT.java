package dev.exstate.etcd;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The config contract over mutual TLS with a private CA and etcd authentication: every source
 * logs in as a user whose role has exactly the grants {@code README.md} documents (read on the
 * config prefix); the config is written by root, as a deploy job would.
 */
@DisplayName("EtcdConfigSource over TLS as a user limited to its app passes the ConfigSource contract")
class EtcdTlsAuthConfigSourceContractIT extends EtcdConfigContract {
    @RegisterExtension
    static final EtcdFixture<SecuredEtcd> etcd = EtcdFixture.secured("tls");

    @Override
    EtcdConfigAdmin writer(EtcdState replicas) {
        return etcd.state(etcd.rootOptions()).admin();
    }
}
