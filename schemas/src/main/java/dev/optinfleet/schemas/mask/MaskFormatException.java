package dev.optinfleet.schemas.mask;

/**
 * A {@code mask.json} that does not follow its schema or is inconsistent (a ragged matrix, a value other than 0 or
 * 1, counts that disagree with the matrices). Not retryable: the same bytes fail again; the message names the field.
 */
public class MaskFormatException extends RuntimeException {
    public MaskFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
