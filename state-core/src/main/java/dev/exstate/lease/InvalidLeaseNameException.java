package dev.exstate.lease;

/** A lease name is empty, too long (over 200 characters) or contains control characters. */
public class InvalidLeaseNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidLeaseNameException(String message) {
        super(message);
    }
}
