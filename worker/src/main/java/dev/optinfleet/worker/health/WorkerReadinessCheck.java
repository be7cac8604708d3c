package dev.optinfleet.worker.health;

import dev.optinfleet.worker.config.WorkerSettings;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletionException;

/**
 * Ready once the DJL engine has initialised (an NDManager was created, used and closed) and the cache directory
 * takes a file. The Kafka channels add their own readiness checks.
 */
@Readiness
@ApplicationScoped
public class WorkerReadinessCheck implements HealthCheck {
    private final EngineWarmup engine;
    private final Path cacheDir;

    public WorkerReadinessCheck(EngineWarmup engine, WorkerSettings settings) {
        this.engine = engine;
        this.cacheDir = settings.cacheDir();
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("optin-worker").up();
        try {
            String state = engine.state();
            if (state == null) {
                response.down().withData("engine", "initialising");
            } else {
                response.withData("engine", state);
            }
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            response.down().withData("engine", "failed: " + cause);
        }
        response.withData("cache_dir", cacheDir.toString());
        String problem = writable(cacheDir);
        if (problem != null) {
            response.down().withData("cache", problem);
        }
        return response.build();
    }

    /** Null when a file can be created in the directory, else why not. */
    private static String writable(Path dir) {
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".ready", ".probe");
            Files.delete(probe);
            return null;
        } catch (IOException | RuntimeException e) {
            return "cannot write to " + dir + ": " + e;
        }
    }
}
