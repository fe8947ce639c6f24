package dev.exstate.config;

/** No config snapshot has been loaded yet (the backend has not answered since start). */
public class ConfigNotLoadedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public ConfigNotLoadedException(String message) {
        super(message);
    }
}
