package dev.optinfleet.worker.health;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Alive while the JVM answers. The Kafka connector adds its own liveness check, which goes down when the task
 * channel stopped after a worker failure, so that the orchestrator restarts the worker.
 */
@Liveness
@ApplicationScoped
public class WorkerLivenessCheck implements HealthCheck {
    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.up("optin-worker");
    }
}
