/**
 * The numeric heart of optin-fleet: checkpoints, the masked transformer, OPTIN scoring, FLOPs, budgets and
 * physical slicing. Depends on DJL only; knows nothing of Kafka, Quarkus or object storage.
 */
package dev.optinfleet.core;
