package dev.optinfleet.coordinator.messaging;

import dev.optinfleet.coordinator.config.CoordinatorSettings;
import dev.optinfleet.fleet.kafka.KafkaSend;
import dev.optinfleet.fleet.kafka.PublishFailedException;
import dev.optinfleet.schemas.Json;
import dev.optinfleet.schemas.status.JobStatus;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes job statuses on channel {@value #CHANNEL} (topic {@code optin.job-status}, compacted, key job id): the
 * latest status of every job, request included, is what a restarted coordinator rebuilds its state from.
 */
@Singleton
public class StatusPublisher {
    public static final String CHANNEL = "job-status";

    private final MutinyEmitter<String> emitter;
    private final CoordinatorSettings settings;

    public StatusPublisher(@Channel(CHANNEL) MutinyEmitter<String> emitter, CoordinatorSettings settings) {
        this.emitter = emitter;
        this.settings = settings;
    }

    /**
     * Sends the status and blocks until Kafka acknowledged it. Callers hold the job's lock, so that the statuses of
     * one job reach the topic in the order they were made.
     *
     * @throws PublishFailedException when it is not acknowledged within {@code optin.coordinator.publish-timeout}
     */
    public void publish(JobStatus status) {
        KafkaSend.sendAndAwait(emitter, CHANNEL, status.jobId(), Json.write(status), settings.publishTimeout());
    }
}
