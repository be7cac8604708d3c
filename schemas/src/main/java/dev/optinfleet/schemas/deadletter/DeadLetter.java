package dev.optinfleet.schemas.deadletter;

import dev.optinfleet.schemas.Checks;

/**
 * A message that could not be processed, on topic {@code optin.dead-letters}, with everything needed to find,
 * understand and replay it. Schema: {@code /schemas/dead-letter.schema.json}.
 *
 * @param schemaVersion 1
 * @param sourceTopic   where the message came from
 * @param partition     its partition
 * @param offset        its offset
 * @param key           its key, if any
 * @param payload       its value as text
 * @param reason        what was wrong, naming the object, tensor or field
 * @param errorType     the exception type
 * @param jobId         the job it belonged to, when known
 * @param taskId        the task, when known
 * @param processor     the worker or coordinator instance that gave up on it
 * @param at            epoch milliseconds
 */
public record DeadLetter(int schemaVersion, String sourceTopic, int partition, long offset, String key,
                         String payload, String reason, String errorType, String jobId, String taskId,
                         String processor, long at) {
    public static final int SCHEMA_VERSION = 1;

    public DeadLetter {
        Checks.schemaVersion(schemaVersion, SCHEMA_VERSION);
        Checks.required("source_topic", sourceTopic);
        Checks.required("reason", reason);
    }
}
