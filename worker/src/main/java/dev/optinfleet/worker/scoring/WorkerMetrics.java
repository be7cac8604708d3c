package dev.optinfleet.worker.scoring;

import dev.optinfleet.storage.ObjectCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;

import java.time.Duration;

/**
 * The worker's meters, exported at {@code /q/metrics} (Prometheus names in brackets):
 * tasks completed [optin_worker_tasks_completed_total], tasks failed by error type
 * [optin_worker_tasks_failed_total{error}], units scored [optin_worker_units_scored_total], task latency
 * [optin_worker_task_duration_seconds], object-cache hits and misses [optin_worker_object_cache_hits/misses], and
 * hits and misses of the in-memory model and shard slots [optin_worker_runtime_cache_total{slot,result}].
 * Created at start-up so that every meter is exported (at zero) before the first task.
 */
@Singleton
@Startup
public class WorkerMetrics {
    private final MeterRegistry registry;
    private final Counter completed;
    private final Counter units;
    private final Timer latency;
    private final Counter modelHits;
    private final Counter modelMisses;
    private final Counter shardHits;
    private final Counter shardMisses;

    public WorkerMetrics(MeterRegistry registry, ObjectCache cache) {
        this.registry = registry;
        this.completed = Counter.builder("optin.worker.tasks.completed")
                .description("Tasks whose scores were published").register(registry);
        this.units = Counter.builder("optin.worker.units.scored")
                .description("Heads and neurons scored").register(registry);
        this.latency = Timer.builder("optin.worker.task.duration")
                .description("Time from receiving a task to its scores being acknowledged by Kafka")
                .register(registry);
        Gauge.builder("optin.worker.object.cache.hits", cache, c -> c.stats().hits())
                .description("Object fetches served from the local disk cache").register(registry);
        Gauge.builder("optin.worker.object.cache.misses", cache, c -> c.stats().misses())
                .description("Object fetches that downloaded").register(registry);
        Gauge.builder("optin.worker.object.cache.bytes", cache, c -> c.stats().bytes())
                .description("Bytes held by the local disk cache").register(registry);
        this.modelHits = runtime("model", "hit");
        this.modelMisses = runtime("model", "miss");
        this.shardHits = runtime("shard", "hit");
        this.shardMisses = runtime("shard", "miss");
    }

    public void taskCompleted(long unitsScored, Duration took) {
        completed.increment();
        units.increment(unitsScored);
        latency.record(took);
    }

    /** A task that was dead-lettered or given back, by the simple name of the error. */
    public void taskFailed(Throwable error) {
        Counter.builder("optin.worker.tasks.failed")
                .description("Tasks that could not be scored")
                .tag("error", error.getClass().getSimpleName())
                .register(registry)
                .increment();
    }

    void modelCacheHit() {
        modelHits.increment();
    }

    void modelCacheMiss() {
        modelMisses.increment();
    }

    void shardCacheHit() {
        shardHits.increment();
    }

    void shardCacheMiss() {
        shardMisses.increment();
    }

    private Counter runtime(String slot, String result) {
        return Counter.builder("optin.worker.runtime.cache")
                .description("Reuse of the loaded model and prepared shard between tasks")
                .tag("slot", slot).tag("result", result).register(registry);
    }
}
