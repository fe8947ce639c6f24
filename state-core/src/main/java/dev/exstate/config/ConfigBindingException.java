package dev.exstate.config;

/** A config value is missing or does not parse as the type asked for; the message names the key. */
public class ConfigBindingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigBindingException(String message, Throwable cause) {
        super(message, cause);
    }
}
