package dev.exstate.codec;

/** Stored bytes could not be decoded (or a value could not be encoded) by a {@link Codec}. */
public class CodecException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public CodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
