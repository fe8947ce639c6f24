package dev.exstate.spring.boot.session;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/** {@code exstate.session.http.*}: {@code HttpSession} on exstate through Spring Session. */
@ConfigurationProperties("exstate.session.http")
public class HttpSessionProperties {
    /**
     * Keep HttpSession in exstate's session store (Spring Session's filter over
     * ExstateSessionRepository) when Spring Session is on the class path.
     */
    private boolean enabled = true;

    /**
     * Packages whose records, beans and enums may be session attribute values (sub-packages
     * included), besides String, boxed primitives, BigDecimal, BigInteger, Map, List and Set.
     * Unset: the application's auto-configuration packages (those of @SpringBootApplication).
     */
    private List<String> attributePackages = new ArrayList<>();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public List<String> getAttributePackages() {
        return attributePackages;
    }

    public void setAttributePackages(List<String> attributePackages) {
        this.attributePackages = attributePackages;
    }
}
