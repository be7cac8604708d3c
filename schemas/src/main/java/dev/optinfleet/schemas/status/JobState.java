package dev.optinfleet.schemas.status;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** Life of a job: accepted, scoring on the fleet, solving and writing outputs, then done or failed. */
public enum JobState {
    ACCEPTED,
    SCORING,
    SOLVING,
    DONE,
    FAILED;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobState fromWireName(String value) {
        for (JobState s : values()) {
            if (s.wireName().equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("state must be one of accepted, scoring, solving, done, failed, was '"
                + value + "'");
    }

    public boolean isFinal() {
        return this == DONE || this == FAILED;
    }
}
