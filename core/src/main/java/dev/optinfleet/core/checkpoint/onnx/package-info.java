/**
 * Import of BERT-family encoder weights from ONNX exports: {@link dev.optinfleet.core.checkpoint.onnx.OnnxImporter}
 * identifies every initializer by the graph nodes that consume it and returns a Hugging Face-layout
 * {@link dev.optinfleet.core.checkpoint.Checkpoint}. The protobuf classes in {@code .proto} are generated from the
 * subset of onnx.proto that weight import reads.
 */
package dev.optinfleet.core.checkpoint.onnx;
