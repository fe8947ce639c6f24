package dev.exstate.examples;

import dev.exstate.codec.Codec;
import java.util.ArrayList;
import java.util.List;

/**
 * A shopping cart: the items in the order they were added. Immutable; stored in a session
 * attribute as JSON ({@code {"items":["apple","pear"]}}), never with Java serialization.
 *
 * @param items the items, oldest first
 */
public record Cart(List<String> items) {
    /** How carts are stored and how both shop services answer {@code GET /cart}. */
    public static final Codec<Cart> JSON = Codec.json(Cart.class);

    /** A cart holds at most this many items, so a session stays small. */
    public static final int MAX_ITEMS = 100;

    public Cart {
        items = List.copyOf(items == null ? List.of() : items);
    }

    public static Cart empty() {
        return new Cart(List.of());
    }

    /** This cart plus {@code item}; a full cart stays as it is. */
    public Cart with(String item) {
        if (items.size() >= MAX_ITEMS) {
            return this;
        }
        List<String> more = new ArrayList<>(items);
        more.add(item);
        return new Cart(more);
    }
}
