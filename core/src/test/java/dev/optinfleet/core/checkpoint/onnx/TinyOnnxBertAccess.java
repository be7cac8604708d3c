package dev.optinfleet.core.checkpoint.onnx;

import java.io.IOException;
import java.nio.file.Path;

/** Lets tests in other packages write the synthetic one-layer ONNX encoder of {@link TinyOnnxBert}. */
public final class TinyOnnxBertAccess {
    private TinyOnnxBertAccess() {
    }

    public static void writeValid(Path file) throws IOException {
        TinyOnnxBert.write(file, TinyOnnxBert.Options.VALID);
    }
}
