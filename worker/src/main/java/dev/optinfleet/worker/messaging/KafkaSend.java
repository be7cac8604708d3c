package dev.optinfleet.worker.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.time.Duration;

/** Sends one keyed record through an emitter and waits until Kafka acknowledged it. */
final class KafkaSend {
    private KafkaSend() {
    }

    /**
     * @throws PublishFailedException naming the channel and key when the send fails or is not acknowledged within
     *                                the timeout
     */
    static void sendAndAwait(MutinyEmitter<String> emitter, String channel, String key, String json,
                             Duration timeout) {
        Message<String> record = Message.of(json, Metadata.of(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
        try {
            emitter.sendMessage(record).await().atMost(timeout);
        } catch (RuntimeException e) {
            throw new PublishFailedException("Kafka did not acknowledge the record with key '" + key
                    + "' on channel " + channel + " within " + timeout + ": " + e.getMessage(), e);
        }
    }
}
