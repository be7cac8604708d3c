package dev.optinfleet.worker.scoring;

import dev.optinfleet.storage.S3Uri;

import java.util.Objects;

/**
 * One version of one object, and the file name a loader expects it under ({@code config.json},
 * {@code model.safetensors}, {@code model.onnx}, {@code tokenizer.json}, {@code shard.jsonl}).
 */
public record ObjectRef(S3Uri uri, String etag, String localName) {
    public ObjectRef {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(localName, "localName");
    }

    /** {@code uri@etag}: changes whenever the content does. */
    public String version() {
        return uri + "@" + etag;
    }
}
