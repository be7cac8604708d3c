package dev.optinfleet.coordinator.health;

import dev.optinfleet.coordinator.recovery.JobRecovery;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the job state was rebuilt from Kafka: before that, answers about jobs would be wrong. */
@Readiness
@ApplicationScoped
public class RecoveryReadinessCheck implements HealthCheck {
    private final JobRecovery recovery;

    public RecoveryReadinessCheck(JobRecovery recovery) {
        this.recovery = recovery;
    }

    @Override
    public HealthCheckResponse call() {
        boolean done = recovery.isRecovered();
        return HealthCheckResponse.named("optin-coordinator-recovery").status(done)
                .withData("state", done ? "recovered" : "reading job state from Kafka").build();
    }
}
