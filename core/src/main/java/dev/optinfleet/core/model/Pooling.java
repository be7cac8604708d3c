package dev.optinfleet.core.model;

import java.util.Locale;

/**
 * How a sentence vector is made from the final hidden states [B, S, d] for the classifier head.
 *
 * <ul>
 *   <li>{@code CLS}: the hidden state of the first token;</li>
 *   <li>{@code MEAN}: the mean over non-padding tokens;</li>
 *   <li>{@code POOLER}: Hugging Face's pooler, tanh(W · h_CLS + b).</li>
 * </ul>
 */
public enum Pooling {
    CLS,
    MEAN,
    POOLER;

    /** The name used in config.json. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the config.json spelling; the message names the bad value and the accepted ones. */
    public static Pooling fromConfigName(String value) {
        for (Pooling p : values()) {
            if (p.configName().equals(value)) {
                return p;
            }
        }
        throw new IllegalArgumentException("pooling must be one of cls, mean, pooler, was '" + value + "'");
    }
}
