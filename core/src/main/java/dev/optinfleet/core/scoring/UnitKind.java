package dev.optinfleet.core.scoring;

/** The two kinds of removable units of a BERT layer. */
public enum UnitKind {
    HEAD,
    NEURON
}
