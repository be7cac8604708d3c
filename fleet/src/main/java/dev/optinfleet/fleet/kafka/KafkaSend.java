package dev.optinfleet.fleet.kafka;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sends keyed records through an emitter and waits until Kafka acknowledged them.
 *
 * <p>A send that fails is sent again, with a short backoff, until the timeout is used up (issue 16: a status
 * publish that failed while the broker restarted left the coordinator's memory and the status topic disagreeing).
 * The producer itself already retries inside {@code delivery.timeout.ms}; this covers what it gives up on sooner
 * (a send refused while its metadata is unavailable, the emitter's own failures). Sending again may store a record
 * twice: every topic of the fleet is read idempotently (compacted statuses and scores, tasks merged once). A record
 * too large for Kafka is not sent again ({@link RecordTooLargeException}).
 */
public final class KafkaSend {
    private static final Logger LOG = Logger.getLogger(KafkaSend.class);
    /**
     * Records in flight at once in {@link #sendAllAndAwait}: well under the emitter's buffer, so a plan of thousands
     * of tasks never overflows it.
     */
    public static final int BATCH = 64;
    /** First wait before sending a failed record again; doubled up to {@link #MAX_BACKOFF}. */
    static final Duration INITIAL_BACKOFF = Duration.ofMillis(250);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private KafkaSend() {
    }

    /**
     * @throws PublishFailedException   naming the channel and key when the record is not acknowledged within the
     *                                  timeout, however often it was sent
     * @throws RecordTooLargeException naming the key and the size when Kafka refuses the record for its size
     */
    public static void sendAndAwait(MutinyEmitter<String> emitter, String channel, String key, String json,
                                    Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Duration backoff = INITIAL_BACKOFF;
        for (int attempt = 1; ; attempt++) {
            try {
                emitter.sendMessage(record(key, json)).await().atMost(remaining(deadline));
                if (attempt > 1) {
                    LOG.infof("the record with key '%s' on channel %s was acknowledged at attempt %d", key, channel,
                            attempt);
                }
                return;
            } catch (RuntimeException e) {
                if (tooLarge(e) != null) {
                    throw new RecordTooLargeException(channel, key, json.getBytes(StandardCharsets.UTF_8).length,
                            tooLarge(e));
                }
                if (!pause(deadline, backoff, "the record with key '" + key + "' on channel " + channel, attempt, e)) {
                    throw new PublishFailedException("Kafka did not acknowledge the record with key '" + key
                            + "' on channel " + channel + " within " + timeout + " (" + attempt + " attempts): "
                            + e.getMessage(), e);
                }
                backoff = next(backoff);
            }
        }
    }

    /**
     * Sends key -> JSON records, {@value #BATCH} at a time, and returns once Kafka acknowledged every one; a batch
     * that fails is sent again while the timeout allows.
     *
     * @throws PublishFailedException naming the channel when a batch is not acknowledged within the timeout
     */
    public static void sendAllAndAwait(MutinyEmitter<String> emitter, String channel,
                                       List<Map.Entry<String, String>> records, Duration timeout) {
        for (int from = 0; from < records.size(); from += BATCH) {
            List<Map.Entry<String, String>> batch = records.subList(from, Math.min(records.size(), from + BATCH));
            long deadline = System.nanoTime() + timeout.toNanos();
            Duration backoff = INITIAL_BACKOFF;
            String what = "records " + from + ".." + (from + batch.size() - 1) + " of " + records.size()
                    + " on channel " + channel;
            for (int attempt = 1; ; attempt++) {
                List<Uni<Void>> sends = new ArrayList<>();
                for (Map.Entry<String, String> r : batch) {
                    sends.add(emitter.sendMessage(record(r.getKey(), r.getValue())));
                }
                try {
                    Uni.join().all(sends).andFailFast().await().atMost(remaining(deadline));
                    break;
                } catch (RuntimeException e) {
                    if (tooLarge(e) != null) {
                        throw new RecordTooLargeException(channel, "one of " + what, -1, tooLarge(e));
                    }
                    if (!pause(deadline, backoff, what, attempt, e)) {
                        throw new PublishFailedException("Kafka did not acknowledge " + what + " within " + timeout
                                + " (" + attempt + " attempts): " + e.getMessage(), e);
                    }
                    backoff = next(backoff);
                }
            }
        }
    }

    /** Waits the backoff before the next attempt; false when the deadline leaves no time for one. */
    private static boolean pause(long deadline, Duration backoff, String what, int attempt, RuntimeException e) {
        if (deadline - System.nanoTime() <= backoff.toNanos()) {
            return false;
        }
        LOG.warnf("attempt %d to send %s failed (%s); sending again in %d ms", attempt, what, e.getMessage(),
                backoff.toMillis());
        try {
            // A backoff between attempts while the broker is unreachable, not synchronisation.
            Thread.sleep(backoff.toMillis());
            return true;
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Duration next(Duration backoff) {
        Duration doubled = backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1, deadline - System.nanoTime()));
    }

    /** Kafka's own RecordTooLargeException in the cause chain, or null. */
    static Throwable tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RecordTooLargeException) {
                return t;
            }
        }
        return null;
    }

    private static Message<String> record(String key, String json) {
        return Message.of(json, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
