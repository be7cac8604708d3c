package dev.optinfleet.core.checkpoint.onnx;

import java.nio.file.Path;

/**
 * What {@link OnnxExporter} wrote.
 *
 * @param model        the {@code model.onnx} file
 * @param externalData its {@code model.onnx.data} side file when the weights were stored as external data, else null
 * @param bytes        total size of the written files
 */
public record OnnxExport(Path model, Path externalData, long bytes) {
}
