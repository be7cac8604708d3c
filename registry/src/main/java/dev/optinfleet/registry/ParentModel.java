package dev.optinfleet.registry;

import dev.optinfleet.schemas.Checks;

/**
 * The model a version was pruned from.
 *
 * @param uri     the source checkpoint, {@code s3://bucket/key} of its config.json or .onnx file
 * @param name    its registered name, when it is itself a registered version; else null
 * @param version its registered version, when it is one; else null
 * @param etag    entity tag of its weights object, identifying the exact content; null when unknown
 */
public record ParentModel(String uri, String name, Integer version, String etag) {
    public ParentModel {
        Checks.s3Uri("parent.uri", uri);
        if (version != null) {
            Checks.atLeast("parent.version", version, 1);
        }
        if (name != null && name.isBlank()) {
            throw new IllegalArgumentException("parent.name must not be blank when given");
        }
        if (etag != null && etag.isBlank()) {
            throw new IllegalArgumentException("parent.etag must not be blank when given");
        }
    }

    /** A parent known only by its checkpoint and weights version. */
    public static ParentModel checkpoint(String uri, String etag) {
        return new ParentModel(uri, null, null, etag);
    }
}
