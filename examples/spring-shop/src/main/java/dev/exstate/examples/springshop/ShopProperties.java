package dev.exstate.examples.springshop;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The shop's feature flags, {@code shop.discount} and {@code shop.discount-percent}. With
 * {@code exstate.etcd.endpoints} set they come from etcd and are rebound on every instance when
 * they change there; a JavaBean (not a record) so that it can be rebound in place.
 */
@ConfigurationProperties("shop")
public class ShopProperties {
    /** Whether the discount is on. */
    private boolean discount;
    /** The discount in percent, 0 to 100. */
    private int discountPercent;

    public boolean isDiscount() {
        return discount;
    }

    public void setDiscount(boolean discount) {
        this.discount = discount;
    }

    public int getDiscountPercent() {
        return discountPercent;
    }

    public void setDiscountPercent(int discountPercent) {
        this.discountPercent = discountPercent;
    }

    /** The answer of {@code GET /flags}, e.g. {@code discount=true percent=10}. */
    public String render() {
        return "discount=" + discount + " percent=" + discountPercent;
    }
}
