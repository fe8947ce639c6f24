package dev.exstate.config;

/**
 * Told about every accepted change, in revision order, once per change, on one thread per
 * source. A listener that throws does not stop delivery to others; the error is logged.
 */
@FunctionalInterface
public interface ConfigListener {
    void onChange(ConfigChange change);
}
