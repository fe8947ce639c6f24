package dev.exstate.spring.boot;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.ApplicationListener;

/** Beans of the live-config tests (unit and integration): properties holders and an event recorder. */
public final class LiveConfigFixtures {
    private LiveConfigFixtures() {
    }

    /** JavaBean-style: rebound on change. */
    @ConfigurationProperties("shop")
    public static class ShopProperties {
        private int discountPercent;
        private String greeting = "default greeting";
        private int maxItems = 10;
        private int secretPin;
        private String banner;
        /** Set by the @Bean method that made it: was the runtime already there? */
        volatile boolean createdBeforeRuntime;

        public int getDiscountPercent() {
            return discountPercent;
        }

        public void setDiscountPercent(int discountPercent) {
            this.discountPercent = discountPercent;
        }

        public String getGreeting() {
            return greeting;
        }

        public void setGreeting(String greeting) {
            this.greeting = greeting;
        }

        public int getMaxItems() {
            return maxItems;
        }

        public void setMaxItems(int maxItems) {
            this.maxItems = maxItems;
        }

        public int getSecretPin() {
            return secretPin;
        }

        public void setSecretPin(int secretPin) {
            this.secretPin = secretPin;
        }

        public String getBanner() {
            return banner;
        }

        public void setBanner(String banner) {
            this.banner = banner;
        }
    }

    /** Constructor-bound: read once. */
    @ConfigurationProperties("shop")
    public record ImmutableShop(int discountPercent) {
    }

    /** Another prefix: counts how often it is bound. */
    @ConfigurationProperties("other")
    public static class OtherProperties {
        final AtomicInteger binds = new AtomicInteger();
        private String name;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            binds.incrementAndGet();
            this.name = name;
        }
    }

    /** Every ExstateConfigChangedEvent, in order. */
    static final class Recorder implements ApplicationListener<ExstateConfigChangedEvent> {
        final List<ExstateConfigChangedEvent> events = new CopyOnWriteArrayList<>();

        @Override
        public void onApplicationEvent(ExstateConfigChangedEvent event) {
            events.add(event);
        }

        ExstateConfigChangedEvent last() {
            return events.isEmpty() ? null : events.get(events.size() - 1);
        }
    }
}
