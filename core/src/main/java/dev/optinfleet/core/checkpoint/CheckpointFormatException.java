package dev.optinfleet.core.checkpoint;

/**
 * A checkpoint (config.json, safetensors, ONNX, tokenizer.json) that cannot be used as it is. Not retryable: the
 * file itself must change. The message names the file and the tensor or field at fault.
 */
public class CheckpointFormatException extends RuntimeException {
    private final String source;
    private final String field;

    public CheckpointFormatException(String source, String field, String problem) {
        this(source, field, problem, null);
    }

    public CheckpointFormatException(String source, String field, String problem, Throwable cause) {
        super(source + (field == null ? "" : ": " + field) + ": " + problem, cause);
        this.source = source;
        this.field = field;
    }

    /** The file or object the problem is in. */
    public String source() {
        return source;
    }

    /** The tensor or config field at fault, or null when the whole file is unreadable. */
    public String field() {
        return field;
    }
}
