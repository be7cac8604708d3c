/**
 * S3 bucket notifications about checkpoints, as they arrive on {@link dev.optinfleet.schemas.Topics#CHECKPOINT_EVENTS}:
 * MinIO's format (a wrapper with {@code EventName}, {@code Key} and {@code Records}) and AWS's (only
 * {@code Records}). {@link dev.optinfleet.schemas.events.S3EventParser} reads both into
 * {@link dev.optinfleet.schemas.events.ObjectCreated} records; {@link dev.optinfleet.schemas.events.MinioEventWriter}
 * writes the MinIO form for uploads that no server announces. Schema: {@code /schemas/s3-event.schema.json}.
 */
package dev.optinfleet.schemas.events;
