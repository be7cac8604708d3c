package dev.optinfleet.coordinator.api;

/**
 * Every error answer of the REST API: {@code {"error": "..."}}, the message naming the field, object, job or
 * budget at fault.
 */
public record ApiError(String error) {
}
