package org.springframework.scheduling.annotation;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

/** Stand-in with Spring's name: the hidden-state rules match annotations by name, without Spring. */
@Retention(RetentionPolicy.RUNTIME)
public @interface Scheduled {
    long fixedRate() default -1;
}
