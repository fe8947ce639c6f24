package dev.exstate.spring.boot;

import dev.exstate.objectstore.S3BlobStore;
import dev.exstate.objectstore.S3Options;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.S3Support;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * S3 (or any S3-compatible store) for blobs, when {@code state-objectstore} is on the class path and
 * {@code exstate.s3.endpoint} or {@code exstate.s3.bucket} is set (both are then required), or an
 * {@link S3Options} bean is defined. Bean: {@link S3Options} from {@code exstate.s3.*}, unless the
 * application defines its own.
 */
@AutoConfiguration(before = ExstateAutoConfiguration.class)
@ConditionalOnClass(S3BlobStore.class)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateS3AutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAnyProperty({"exstate.s3.endpoint", "exstate.s3.bucket"})
    public S3Options exstateS3Options(ExstateProperties properties) {
        return S3Support.options(properties.getS3());
    }

    @Bean
    @ConditionalOnBean(S3Options.class)
    public ExstateBackend exstateS3Backend(S3Options options) {
        return S3Support.backend(options);
    }
}
