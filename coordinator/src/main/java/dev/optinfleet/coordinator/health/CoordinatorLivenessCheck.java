package dev.optinfleet.coordinator.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the JVM answers. The Kafka connector adds its own liveness check, which goes down when an incoming
 * channel stopped (Kafka refused our output), so that the orchestrator restarts the coordinator, which then
 * recovers from the topics.
 */
@Liveness
@ApplicationScoped
public class CoordinatorLivenessCheck implements HealthCheck {
    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.up("optin-coordinator");
    }
}
