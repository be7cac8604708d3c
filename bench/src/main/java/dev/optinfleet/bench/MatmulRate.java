package dev.optinfleet.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.optinfleet.core.model.ModelConfig;

/** The engine's plain matmul rate at the FFN's shape ([4096 x d] x [d x F]), after warm-up. */
final class MatmulRate {
    private MatmulRate() {
    }

    static double measure(ModelConfig c) throws Exception {
        int m = 4096;
        try (NDManager scope = NDManager.newBaseManager()) {
            NDArray a = scope.randomNormal(new Shape(m, c.hiddenSize()));
            NDArray b = scope.randomNormal(new Shape(c.hiddenSize(), c.intermediateSize()));
            double seconds = Timer.medianSeconds(8, 10, () -> {
                try (NDManager inner = scope.newSubManager()) {
                    NDArray r = a.matMul(b);
                    r.attach(inner);
                    r.getFloat(0, 0);
                }
            });
            return 2.0 * m * c.hiddenSize() * c.intermediateSize() / seconds / 1e9;
        }
    }
}
