package dev.optinfleet.schemas;

import java.util.List;

/** Validation helpers for the records' compact constructors: each names the field and the bad value. */
public final class Checks {
    private Checks() {
    }

    public static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    public static String s3Uri(String field, String value) {
        required(field, value);
        if (!value.startsWith("s3://") || value.indexOf('/', 5) <= 5 || value.endsWith("/")) {
            throw new IllegalArgumentException(field + " must be an object URI s3://bucket/key, was '" + value + "'");
        }
        return value;
    }

    public static <T> List<T> nonEmpty(String field, List<T> values) {
        if (values == null || values.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be empty");
        }
        return List.copyOf(values);
    }

    public static double budget(String field, double value) {
        if (!(value > 0 && value <= 1)) {
            throw new IllegalArgumentException(field + " must be in (0, 1] (the kept fraction of prunable FLOPs), was "
                    + value);
        }
        return value;
    }

    public static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    public static void schemaVersion(int value, int supported) {
        if (value != supported) {
            throw new IllegalArgumentException("schema_version " + value + " is not supported; this build reads "
                    + supported);
        }
    }
}
