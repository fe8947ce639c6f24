package dev.exstate.config;

/**
 * A config value is missing or does not parse as the type asked for; the message names the key.
 *
 * <p>The message quotes the offending value only when that cannot leak a secret. The rule errs on
 * the side of masking: the value is replaced by {@code <masked>} when the key, ignoring case,
 * contains any of {@code pass, pwd, secret, token, key, cred, auth, sig, private, salt, cookie,
 * session, bearer, jwt, otp, cert} ({@code db.password}, {@code db.pwd}, {@code db.credential},
 * {@code api-key}, {@code oauth.client-id} are all masked); otherwise a value containing {@code @}
 * or {@code ://} is shown with its user info and secret-looking query parameters masked
 * ({@code postgres://****@db:5432/app}); values are cut to 100 characters and control characters
 * shown as escapes.
 */
public class ConfigBindingException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigBindingException(String message, Throwable cause) {
        super(message, cause);
    }
}
