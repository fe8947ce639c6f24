/**
 * Spring Boot auto-configuration of exstate: a {@link dev.exstate.runtime.StateRuntime} built from
 * the {@code exstate.*} properties ({@link dev.exstate.spring.boot.ExstateProperties}), its
 * providers as beans, an Actuator health indicator in the readiness group, and a shutdown order
 * that fits Boot's graceful shutdown. The auto-configuration classes are named here so that an
 * application can exclude them and other auto-configurations can order themselves after them;
 * everything in {@code dev.exstate.spring.boot.internal} may change without notice.
 */
package dev.exstate.spring.boot;
