package dev.exstate.bench.spring;

import java.io.Serializable;

/**
 * The small value-type attribute both repositories store: a record, so exstate can store it as
 * JSON (its package is an allowed attribute package), and {@link Serializable}, so Spring Session's
 * default JDK serialization can store it.
 */
public record Cart(String sku, int quantity, long totalCents) implements Serializable {
    private static final long serialVersionUID = 1L;

    static Cart of(int n) {
        return new Cart("A-100", 1 + (n & 7), 1570L * (1 + (n & 7)));
    }
}
