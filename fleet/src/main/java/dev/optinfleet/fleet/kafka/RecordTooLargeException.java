package dev.optinfleet.fleet.kafka;

/**
 * Kafka refused a record for its size (the producer's {@code max.request.size} or the topic's
 * {@code max.message.bytes}). Unlike {@link PublishFailedException} this is the record's fault, not the link's:
 * sending it again fails again, so a worker dead-letters the task it came from (naming the task and the size)
 * instead of giving it back forever.
 */
public class RecordTooLargeException extends RuntimeException {
    private final String key;
    private final long bytes;

    public RecordTooLargeException(String channel, String key, long bytes, Throwable cause) {
        super("the record with key '" + key + "' on channel " + channel + " is " + bytes + " bytes, more than Kafka"
                + " accepts (max.request.size of the producer or max.message.bytes of the topic): " + cause.getMessage(),
                cause);
        this.key = key;
        this.bytes = bytes;
    }

    public String key() {
        return key;
    }

    public long bytes() {
        return bytes;
    }
}
