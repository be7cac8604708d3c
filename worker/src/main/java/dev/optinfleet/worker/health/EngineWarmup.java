package dev.optinfleet.worker.health;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import dev.optinfleet.fleet.threads.NamedThreads;
import dev.optinfleet.worker.config.WorkerSettings;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.util.concurrent.CompletableFuture;

/**
 * Initialises the DJL engine once, in the background from start-up: the first use unpacks and loads native
 * libraries (seconds, hundreds of MB), which must not block start-up or a health probe. {@link #state()} tells
 * the readiness check how far it got.
 */
@Singleton
public class EngineWarmup {
    private static final Logger LOG = Logger.getLogger(EngineWarmup.class);

    private final String engine;
    private final CompletableFuture<String> initialised = new CompletableFuture<>();

    public EngineWarmup(WorkerSettings settings) {
        this.engine = settings.engine();
    }

    void onStart(@Observes StartupEvent event) {
        NamedThreads.start("djl-engine-warmup", this::initialise);
    }

    /** The engine's name and version once initialised; null while initialising; throws what it failed with. */
    public String state() {
        return initialised.getNow(null);
    }

    private void initialise() {
        long started = System.nanoTime();
        try (NDManager manager = engine == null ? NDManager.newBaseManager(Device.cpu())
                : NDManager.newBaseManager(Device.cpu(), engine)) {
            manager.create(new float[] {1f, 2f}).sum().getFloat();
            Engine e = manager.getEngine();
            String name = e.getEngineName() + " " + e.getVersion();
            LOG.infof("DJL engine %s ready in %d ms", name, (System.nanoTime() - started) / 1_000_000);
            initialised.complete(name);
        } catch (RuntimeException | LinkageError e) {
            LOG.errorf(e, "DJL engine %s failed to initialise", engine == null ? "(default)" : engine);
            initialised.completeExceptionally(e);
        }
    }
}
