package dev.exstate.examples.springshop;

import java.util.ArrayList;
import java.util.List;

/**
 * A cart, kept as the {@code HttpSession} attribute {@code cart}. Stored as JSON, never with Java
 * serialization: the starter reads it back only because its package is listed in
 * {@code exstate.session.http.attribute-packages}.
 *
 * @param items the items in the order they were added
 */
public record Cart(List<String> items) {
    public Cart {
        items = List.copyOf(items);
    }

    public static Cart empty() {
        return new Cart(List.of());
    }

    public Cart with(String item) {
        List<String> more = new ArrayList<>(items);
        more.add(item);
        return new Cart(more);
    }
}
