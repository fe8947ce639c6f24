package dev.exstate.spring.boot.internal;

import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/** The condition of {@link ConditionalOnAnyProperty}. */
class OnAnyPropertyCondition extends SpringBootCondition {

    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String[] names = (String[]) metadata.getAnnotationAttributes(ConditionalOnAnyProperty.class.getName()).get("value");
        Binder binder = Binder.get(context.getEnvironment());
        for (String name : names) {
            List<String> values = binder.bind(name, Bindable.listOf(String.class)).orElse(List.of());
            if (values.stream().anyMatch(v -> v != null && !v.isBlank())) {
                return ConditionOutcome.match("property " + name + " is set");
            }
        }
        return ConditionOutcome.noMatch("none of " + String.join(", ", names) + " is set");
    }
}
