/**
 * Registered pruned model versions with their lineage ({@link dev.optinfleet.registry.ModelVersion}) behind one
 * interface ({@link dev.optinfleet.registry.ModelRegistry}): {@link dev.optinfleet.registry.KafkaModelRegistry},
 * the default, durable on a compacted Kafka topic with an index object in storage, and
 * {@link dev.optinfleet.registry.mlflow.MlflowModelRegistry} over MLflow's Model Registry REST API. The
 * {@code events} subpackage decides which uploaded checkpoints start which jobs.
 */
package dev.optinfleet.registry;
