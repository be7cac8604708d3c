package dev.optinfleet.registry.events;

import dev.optinfleet.schemas.events.ObjectCreated;
import dev.optinfleet.schemas.job.JobRequest;

import java.util.Objects;

/** What {@link CheckpointPolicy} decided about one uploaded object: start a job, or not and why. */
public sealed interface Decision permits Decision.Start, Decision.Rejection {

    /** The event the decision is about. */
    ObjectCreated event();

    /**
     * The object completes a checkpoint a rule covers: start this job (unless the ledger says the version already
     * started one).
     *
     * @param event      the event
     * @param checkpoint the checkpoint version (ledger key and job id)
     * @param rule       the rule that matched
     * @param request    the job request, source {@code event}
     */
    record Start(ObjectCreated event, CheckpointVersion checkpoint, String rule, JobRequest request)
            implements Decision {
        public Start {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(checkpoint, "checkpoint");
            Objects.requireNonNull(rule, "rule");
            Objects.requireNonNull(request, "request");
        }

        /** {@link CheckpointVersion#jobId()}. */
        public String jobId() {
            return checkpoint.jobId();
        }
    }

    /**
     * No job, with the reason.
     *
     * @param event  the event
     * @param reason the kind of reason
     * @param detail what exactly, naming the object, file or field
     */
    record Rejection(ObjectCreated event, Reason reason, String detail) implements Decision {
        public Rejection {
            Objects.requireNonNull(event, "event");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public String toString() {
            return "no job for " + event.uri() + ": " + reason + ": " + detail;
        }
    }

    /** Why an event starts no job. */
    enum Reason {
        /** Not a file that can complete a checkpoint (config.json, model.safetensors, tokenizer.json, *.onnx). */
        NOT_A_CHECKPOINT_FILE,
        /** No rule covers the bucket and key. */
        NO_RULE_MATCHES,
        /** A file the checkpoint needs is not there (yet); the detail names the missing object. */
        INCOMPLETE,
        /** config.json is not a usable Hugging Face config; the detail names the file and field. */
        INVALID_CONFIG
    }
}
