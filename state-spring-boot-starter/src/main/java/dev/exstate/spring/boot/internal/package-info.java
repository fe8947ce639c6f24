/**
 * Implementation of the exstate Spring Boot starter: property binding, backend contributions, the
 * health indicator and the shutdown steps. Not API, may change without notice.
 */
package dev.exstate.spring.boot.internal;
