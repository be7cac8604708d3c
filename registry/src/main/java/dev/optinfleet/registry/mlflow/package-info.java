/**
 * {@link dev.optinfleet.registry.ModelRegistry} over MLflow's Model Registry REST API 2.0: registered model per name,
 * one model version per pruned output (source = the pruned checkpoint's URI, lineage as tags), an alias per budget.
 */
package dev.optinfleet.registry.mlflow;
