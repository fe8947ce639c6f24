package dev.exstate.spring.boot;

import dev.exstate.filesystem.FileSystemBlobStore;
import dev.exstate.filesystem.FileSystemOptions;
import dev.exstate.spring.boot.internal.ConditionalOnAnyProperty;
import dev.exstate.spring.boot.internal.ExstateBackend;
import dev.exstate.spring.boot.internal.FileSystemSupport;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Blobs on a directory every replica mounts (NFS, EFS, a ReadWriteMany volume), when
 * {@code state-filesystem} is on the class path and {@code exstate.filesystem.root} is set, or a
 * {@link FileSystemOptions} bean is defined. Bean: {@link FileSystemOptions} from
 * {@code exstate.filesystem.*}, unless the application defines its own. The directory must exist at
 * start-up. Blobs live in one place: with S3 configured as well, start-up fails.
 */
@AutoConfiguration(before = ExstateAutoConfiguration.class)
@ConditionalOnClass(FileSystemBlobStore.class)
@EnableConfigurationProperties(ExstateProperties.class)
public class ExstateFileSystemAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnAnyProperty("exstate.filesystem.root")
    public FileSystemOptions exstateFileSystemOptions(ExstateProperties properties) {
        return FileSystemSupport.options(properties.getFilesystem());
    }

    @Bean
    @ConditionalOnBean(FileSystemOptions.class)
    public ExstateBackend exstateFileSystemBackend(FileSystemOptions options) {
        return FileSystemSupport.backend(options);
    }
}
