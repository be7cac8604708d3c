package dev.optinfleet.fleet.kafka;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Sends keyed records through an emitter and waits until Kafka acknowledged them. */
public final class KafkaSend {
    /**
     * Records in flight at once in {@link #sendAllAndAwait}: well under the emitter's buffer, so a plan of thousands
     * of tasks never overflows it.
     */
    public static final int BATCH = 64;

    private KafkaSend() {
    }

    /**
     * @throws PublishFailedException naming the channel and key when the send fails or is not acknowledged within
     *                                the timeout
     */
    public static void sendAndAwait(MutinyEmitter<String> emitter, String channel, String key, String json,
                                    Duration timeout) {
        try {
            emitter.sendMessage(record(key, json)).await().atMost(timeout);
        } catch (RuntimeException e) {
            throw new PublishFailedException("Kafka did not acknowledge the record with key '" + key
                    + "' on channel " + channel + " within " + timeout + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sends key -> JSON records, {@value #BATCH} at a time, and returns once Kafka acknowledged every one.
     *
     * @throws PublishFailedException naming the channel when a batch is not acknowledged within the timeout
     */
    public static void sendAllAndAwait(MutinyEmitter<String> emitter, String channel,
                                       List<Map.Entry<String, String>> records, Duration timeout) {
        for (int from = 0; from < records.size(); from += BATCH) {
            List<Uni<Void>> sends = new ArrayList<>();
            for (Map.Entry<String, String> r : records.subList(from, Math.min(records.size(), from + BATCH))) {
                sends.add(emitter.sendMessage(record(r.getKey(), r.getValue())));
            }
            try {
                Uni.join().all(sends).andFailFast().await().atMost(timeout);
            } catch (RuntimeException e) {
                throw new PublishFailedException("Kafka did not acknowledge records " + from + ".."
                        + (from + sends.size() - 1) + " of " + records.size() + " on channel " + channel + " within "
                        + timeout + ": " + e.getMessage(), e);
            }
        }
    }

    private static Message<String> record(String key, String json) {
        return Message.of(json, Metadata.of(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
