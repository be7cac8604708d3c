package dev.optinfleet.schemas.task;

/**
 * Which part of the scoring a task covers. {@code type} "unit_range": units [from, from + count) of {@code kind}
 * ("head" or "neuron") in {@code layer}, every sample of the shard; "gradient_batch": samples
 * [sample_from, sample_to) of the shard, every unit.
 */
public record TaskSpec(String type, Integer layer, String kind, Integer from, Integer count, Integer sampleFrom,
                       Integer sampleTo) {

    public TaskSpec {
        if ("unit_range".equals(type)) {
            if (layer == null || layer < 0 || from == null || from < 0 || count == null || count <= 0) {
                throw new IllegalArgumentException("task of type unit_range needs layer >= 0, from >= 0 and count > 0,"
                        + " was layer " + layer + ", from " + from + ", count " + count);
            }
            if (!"head".equals(kind) && !"neuron".equals(kind)) {
                throw new IllegalArgumentException("task.kind must be head or neuron, was '" + kind + "'");
            }
        } else if ("gradient_batch".equals(type)) {
            if (sampleFrom == null || sampleFrom < 0 || sampleTo == null || sampleTo <= sampleFrom) {
                throw new IllegalArgumentException("task of type gradient_batch needs 0 <= sample_from < sample_to,"
                        + " was " + sampleFrom + ", " + sampleTo);
            }
        } else {
            throw new IllegalArgumentException("task.type must be unit_range or gradient_batch, was '" + type + "'");
        }
    }

    public static TaskSpec unitRange(int layer, String kind, int from, int count) {
        return new TaskSpec("unit_range", layer, kind, from, count, null, null);
    }

    public static TaskSpec gradientBatch(int sampleFrom, int sampleTo) {
        return new TaskSpec("gradient_batch", null, null, null, null, sampleFrom, sampleTo);
    }
}
