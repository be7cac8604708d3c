package dev.optinfleet.coordinator.events;

/**
 * What the coordinator made of one checkpoint event (one created object, or a whole message it could not use), as
 * {@code GET /events} lists it.
 *
 * @param at      epoch milliseconds of the decision
 * @param source  where the event came from, {@code topic-partition@offset}
 * @param object  the created object, {@code s3://bucket/key}; null for a message that could not be read
 * @param etag    the object's entity tag as the event reported it; null when unknown
 * @param outcome {@code started}, {@code already_started}, {@code rejected} (policy), {@code malformed} (not a
 *                notification) or {@code failed} (the job could not be accepted, or storage or Kafka failed)
 * @param jobId   the job started now or earlier; null otherwise
 * @param reason  for a rejection the policy's reason ({@code NO_RULE_MATCHES}, {@code INCOMPLETE}, ...); else null
 * @param detail  what exactly: the rule that matched, the missing object, the error
 */
public record EventDecision(long at, String source, String object, String etag, String outcome, String jobId,
                            String reason, String detail) {
    public static final String STARTED = "started";
    public static final String ALREADY_STARTED = "already_started";
    public static final String REJECTED = "rejected";
    public static final String MALFORMED = "malformed";
    public static final String FAILED = "failed";
}
