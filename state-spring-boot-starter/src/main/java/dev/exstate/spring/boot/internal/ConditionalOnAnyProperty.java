package dev.exstate.spring.boot.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.context.annotation.Conditional;

/**
 * Matches when at least one of the named properties has a non-blank value, in any form Spring
 * binds: {@code exstate.redis.uris=a,b}, {@code exstate.redis.uris[0]=a}, YAML lists, environment
 * variables. (Boot's {@code @ConditionalOnProperty} sees neither indexed nor list forms.)
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@Documented
@Conditional(OnAnyPropertyCondition.class)
public @interface ConditionalOnAnyProperty {

    /** Full property names, e.g. {@code exstate.redis.uri}. */
    String[] value();
}
