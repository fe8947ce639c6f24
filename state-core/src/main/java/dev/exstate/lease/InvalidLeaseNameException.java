package dev.exstate.lease;

/**
 * A lease name is blank, too long (over 200 characters), or contains control characters or
 * unpaired UTF-16 surrogates. Every provider refuses the same names, before any remote call.
 */
public class InvalidLeaseNameException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public InvalidLeaseNameException(String message) {
        super(message);
    }
}
