package dev.exstate.spring.boot.internal;

import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.spring.boot.ExstateProperties;

/** {@code exstate.s3.*} to {@link S3Options}, and S3 as an {@link ExstateBackend}. */
public final class S3Support {
    private static final String PREFIX = "exstate.s3";

    private S3Support() {
    }

    /**
     * The options the properties describe, built through {@link S3Options}' builder.
     *
     * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException
     *         naming the property whose value the builder refused
     */
    public static S3Options options(ExstateProperties.S3 p) {
        Settings<S3Options.Builder> s = Settings.of(PREFIX, S3Options.builder());
        if (p.getEndpoint() == null) {
            throw Settings.invalid(PREFIX + ".endpoint", null,
                    new IllegalArgumentException("the S3 endpoint is required, e.g. https://s3.eu-west-1.amazonaws.com"));
        }
        // an endpoint may carry credentials: its value is never echoed (the builder's messages redact it)
        s.secret("endpoint", p.getEndpoint(), S3Options.Builder::endpoint, "S3 endpoint", "http://", "https://")
                .set("region", p.getRegion(), S3Options.Builder::region, "S3 region");
        if (p.getAccessKey() != null || p.getSecretKey() != null) {
            s.secret(p.getAccessKey() != null ? "access-key" : "secret-key",
                    p.getAccessKey() != null ? p.getAccessKey() : p.getSecretKey(),
                    (b, v) -> b.credentials(p.getAccessKey(), p.getSecretKey()), "S3 access key", "access key", "secret key");
        }
        s.set("bucket", p.getBucket(), S3Options.Builder::bucket, "bucket name", "S3 bucket")
                .set("auto-create-bucket", p.isAutoCreateBucket(), S3Options.Builder::autoCreateBucket)
                .set("part-size", p.getPartSize(), (b, v) -> b.partSize(Sizes.toInt(v, "partSize")))
                .set("parts-in-flight", p.getPartsInFlight(), S3Options.Builder::partsInFlight)
                .set("guard-name", p.getGuardName(), S3Options.Builder::guardName)
                .set("connect-timeout", p.getConnectTimeout(), S3Options.Builder::connectTimeout)
                .set("read-timeout", p.getReadTimeout(), S3Options.Builder::readTimeout)
                .set("max-connections", p.getMaxConnections(), S3Options.Builder::maxConnections)
                .set("startup-timeout", p.getStartupTimeout(), S3Options.Builder::startupTimeout)
                .set("trust-certificates", p.getTrustCertificates(), S3Options.Builder::trustCertificates);
        return s.build(S3Options.Builder::build);
    }

    /** S3 for the runtime: the blob store, on a guard named by {@code options}. */
    public static ExstateBackend backend(S3Options options) {
        return ExstateBackend.blobsOnly("s3", options.guardName(), S3Options.DEFAULT_GUARD_POLICY,
                S3BlobStore.blobs(options), "s3 backend");
    }
}
