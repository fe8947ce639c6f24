package dev.exstate.spring.boot.scheduling;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

/** Stand-in with the starter's name (the starter is not on this module's classpath): the rules match by name. */
@Retention(RetentionPolicy.RUNTIME)
public @interface Leased {
}
