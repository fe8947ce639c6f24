package dev.exstate.spring.boot.internal;

import dev.exstate.config.ConfigSource;
import dev.exstate.config.ConfigValidator;
import dev.exstate.config.FileConfigSource;
import dev.exstate.runtime.ProviderFactory;
import dev.exstate.spring.boot.ExstateProperties;
import java.util.List;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/** {@code exstate.config.file} as the runtime's config: a watched properties file, an {@link ExstateBackend} named {@value #NAME}. */
public final class FileConfigSupport {
    /** Backend name, as in the readiness component {@code config:file}. */
    public static final String NAME = "file";
    static final String FILE = "exstate.config.file";
    private static final String ETCD_ENDPOINTS = "exstate.etcd.endpoints";

    private FileConfigSupport() {
    }

    /**
     * The file as a config backend, its settings checked now (a bad poll interval fails start-up
     * naming its property); the file is opened when the runtime is built.
     */
    public static ExstateBackend backend(ExstateProperties.Config p, ConfigValidator validator) {
        FileConfigSource.Builder builder = Settings.of("exstate.config", FileConfigSource.builder(p.getFile()))
                .set("file-poll-interval", p.getFilePollInterval(), FileConfigSource.Builder::pollInterval)
                .builder()
                .validator(validator);
        return new ExstateBackend() {
            @Override
            public String name() {
                return NAME;
            }

            @Override
            public ProviderFactory<? extends ConfigSource> config() {
                return ctx -> builder.clock(ctx.clock()).build();
            }

            @Override
            public String toString() {
                return "config file " + p.getFile();
            }
        };
    }

    /**
     * Config comes from one place: {@code exstate.config.file} and {@code exstate.etcd.endpoints}
     * together fail start-up. Checked before any backend connects, so this is the error a user sees.
     */
    static void requireOneConfigSource(Environment env) {
        Binder binder = Binder.get(env);
        boolean file = binder.bind(FILE, Bindable.of(String.class)).map(s -> !s.isBlank()).orElse(false);
        boolean etcd = binder.bind(ETCD_ENDPOINTS, Bindable.listOf(String.class)).map(l -> !l.isEmpty()).orElse(false);
        if (file && etcd) {
            throw Settings.invalid(FILE, env.getProperty(FILE), new IllegalArgumentException(
                    "config comes from one place, and " + ETCD_ENDPOINTS + " is set too: unset " + FILE
                            + " to read config from etcd, or " + ETCD_ENDPOINTS + " to read it from the file"));
        }
    }

    /** For the runtime factory: the names of the backends offering config, when more than one does. */
    static void requireOneConfigBackend(List<String> offering) {
        if (offering.size() > 1) {
            throw new IllegalStateException("config comes from one place, but " + String.join(" and ", offering)
                    + " are both configured as its backend: configure one of them (" + FILE + " or " + ETCD_ENDPOINTS + ")");
        }
    }
}
