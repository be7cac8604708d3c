package dev.optinfleet.coordinator.jobs;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * The clock task deadlines are measured with: the system's, unless another {@link Clock} bean is present (the fault
 * tests move theirs forward instead of waiting real minutes).
 */
@Singleton
public class Clocks {
    @Produces
    @DefaultBean
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
