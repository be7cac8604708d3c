package dev.optinfleet.core.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

import java.util.Locale;

/**
 * Where an encoder computes ({@code optin.device}): {@code auto} takes the engine's first GPU when it sees one
 * (CUDA natives and a driver present) and the CPU otherwise; {@code cpu} and {@code cuda} insist.
 */
public enum DeviceChoice {
    AUTO, CPU, CUDA;

    /** "auto", "cpu" or "cuda" (any case); the message names the value and the choices otherwise. */
    public static DeviceChoice parse(String text, String source) {
        if (text == null || text.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " must be auto, cpu or cuda, was '" + text + "'");
        }
    }

    /**
     * The device on an engine with {@code gpus} GPUs.
     *
     * @throws IllegalStateException for {@code cuda} when the engine sees no GPU, naming the likely cause
     */
    public Device resolve(int gpus, String engine) {
        return switch (this) {
            case CPU -> Device.cpu();
            case AUTO -> gpus > 0 ? Device.gpu(0) : Device.cpu();
            case CUDA -> {
                if (gpus <= 0) {
                    throw new IllegalStateException("optin.device=cuda, but the " + engine + " engine sees no GPU:"
                            + " this build carries CPU-only natives (build the worker with -Pcuda) or no CUDA driver"
                            + " is visible to the process");
                }
                yield Device.gpu(0);
            }
        };
    }

    /** The device on the named engine (null: the default engine). */
    public Device resolve(String engineName) {
        Engine engine = engineName == null ? Engine.getInstance() : Engine.getEngine(engineName);
        // A GPU counts only when the engine's natives can use it (CPU-only natives may still see a driver).
        boolean cuda = engine.hasCapability(ai.djl.engine.StandardCapabilities.CUDA);
        int gpus = this == CPU || !cuda ? 0 : engine.getGpuCount();
        return resolve(gpus, engine.getEngineName());
    }
}
