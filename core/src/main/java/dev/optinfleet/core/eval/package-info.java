/**
 * Task quality of a model, dense, masked or pruned: labelled samples ({@link dev.optinfleet.core.eval.LabelledSet}),
 * frozen pooled features ({@link dev.optinfleet.core.eval.FeatureExtractor}), a linear head trained on them in
 * plain Java ({@link dev.optinfleet.core.eval.LinearProbe}) and accuracy or agreement of predictions
 * ({@link dev.optinfleet.core.eval.Evaluator}).
 */
package dev.optinfleet.core.eval;
