package dev.exstate.spring.boot.internal;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.etcd.EtcdOptions;
import dev.exstate.etcd.EtcdState;
import dev.exstate.lease.LeaseProvider;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.spring.boot.ExstateProperties;

/** {@code exstate.etcd.*} to {@link EtcdOptions}, and etcd as an {@link ExstateBackend}. */
public final class EtcdSupport {
    private static final String PREFIX = "exstate.etcd";

    private EtcdSupport() {
    }

    /**
     * The options the properties describe, built through {@link EtcdOptions}' builder.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         naming the property whose value the builder refused
     */
    public static EtcdOptions options(ExstateProperties.Etcd p) {
        Settings<EtcdOptions.Builder> s = Settings.from(PREFIX, "endpoints", p.getEndpoints(), EtcdOptions::builder,
                "endpoint", "endpoints", "http://", "https://");
        if (p.getUser() != null || p.getPassword() != null) {
            if (p.getUser() == null || p.getPassword() == null) {
                String missing = p.getUser() == null ? "user" : "password";
                throw Settings.invalid(PREFIX + "." + missing, null, new IllegalArgumentException(
                        "etcd user and password go together: set " + PREFIX + ".user and " + PREFIX + ".password"));
            }
            s.secret("password", p.getPassword(), (b, v) -> b.credentials(p.getUser(), v), "user");
        }
        s.set("trust-certificates", p.getTrustCertificates(), EtcdOptions.Builder::trustCertificates, "TLS");
        if (p.getClientCertificate() != null || p.getClientKey() != null) {
            s.set(p.getClientCertificate() != null ? "client-certificate" : "client-key",
                    p.getClientCertificate() != null ? p.getClientCertificate() : p.getClientKey(),
                    (b, v) -> b.clientCertificate(p.getClientCertificate(), p.getClientKey()), "clientCertificate", "clientKey");
        }
        s.set("authority", p.getAuthority(), EtcdOptions.Builder::authority)
                .set("key-prefix", p.getKeyPrefix(), EtcdOptions.Builder::keyPrefix)
                .set("app-name", p.getAppName(), EtcdOptions.Builder::appName)
                .set("connect-timeout", p.getConnectTimeout(), EtcdOptions.Builder::connectTimeout)
                .set("keep-alive-time", p.getKeepAliveTime(), EtcdOptions.Builder::keepAliveTime)
                .set("keep-alive-timeout", p.getKeepAliveTimeout(), EtcdOptions.Builder::keepAliveTimeout)
                .set("startup-timeout", p.getStartupTimeout(), EtcdOptions.Builder::startupTimeout)
                // config values may be secrets too: never echoed
                .secret("defaults", p.getDefaults() == null || p.getDefaults().isEmpty() ? null : p.getDefaults(),
                        EtcdOptions.Builder::defaults)
                .set("watch-progress-interval", p.getWatchProgressInterval(), EtcdOptions.Builder::watchProgressInterval)
                .set("watch-verify-interval", p.getWatchVerifyInterval(), EtcdOptions.Builder::watchVerifyInterval)
                .set("max-retry-backoff", p.getMaxRetryBackoff(), EtcdOptions.Builder::maxRetryBackoff)
                .set("max-inbound-message-size", p.getMaxInboundMessageSize(),
                        (b, v) -> b.maxInboundMessageSize(Sizes.toInt(v, "maxInboundMessageSize")));
        return s.build(EtcdOptions.Builder::build);
    }

    /**
     * etcd for the runtime: config (checked by {@code validator}) and leases; closing releases this
     * state's share of the client.
     */
    public static ExstateBackend backend(EtcdState etcd, ConfigValidator validator) {
        return new ExstateBackend() {
            @Override
            public String name() {
                return EtcdState.BACKEND;
            }

            @Override
            public ProviderFactory<? extends ConfigSource> config() {
                return etcd.config(validator);
            }

            @Override
            public ProviderFactory<? extends LeaseProvider> leases() {
                return etcd.leases();
            }

            @Override
            public void close() {
                etcd.close();
            }

            @Override
            public String toString() {
                return "etcd backend";
            }
        };
    }
}
