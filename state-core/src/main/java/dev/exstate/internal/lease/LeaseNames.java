package dev.exstate.internal.lease;

import dev.exstate.internal.Text;
import dev.exstate.lease.InvalidLeaseNameException;

/** The one place where lease names are checked. Not API. */
final class LeaseNames {
    /** Longest accepted lease name, in characters. */
    public static final int MAX_LENGTH = 200;

    private LeaseNames() {
    }

    /** Returns {@code name} if it is a valid lease name, or throws {@link InvalidLeaseNameException}. */
    public static String check(String name) {
        if (name == null) {
            throw new InvalidLeaseNameException("lease name must not be null");
        }
        if (name.isBlank()) {
            throw new InvalidLeaseNameException("lease name must not be blank");
        }
        if (name.length() > MAX_LENGTH) {
            throw new InvalidLeaseNameException("lease name is " + name.length() + " characters long; the limit is "
                    + MAX_LENGTH + " (name starts with '" + Text.prefix(name, 40) + "')");
        }
        for (int i = 0; i < name.length(); i++) {
            if (Character.isISOControl(name.charAt(i))) {
                // the name itself is not echoed: control characters would garble logs
                throw new InvalidLeaseNameException("lease name contains a control character at index " + i
                        + "; use printable characters only");
            }
        }
        int bad = Text.unpairedSurrogate(name);
        if (bad >= 0) {
            // no UTF-8 form: a backend would store '?' instead, so two names would share one lease
            throw new InvalidLeaseNameException("lease name contains an unpaired UTF-16 surrogate at index " + bad
                    + "; use well-formed Unicode only");
        }
        return name;
    }
}
