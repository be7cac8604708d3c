package dev.optinfleet.core.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor held on the Java heap, row-major. The value type checkpoints are read into and written
 * from; the engine copies it once into its own arrays.
 *
 * @param name  tensor name (Hugging Face naming, see {@link TensorNames})
 * @param shape dimensions, each >= 0
 * @param data  row-major values, {@code data.length == product(shape)}
 */
public record FloatTensor(String name, long[] shape, float[] data) {

    public FloatTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        long n = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension in shape "
                        + Arrays.toString(shape));
            }
            n *= dim;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public long dim(int axis) {
        return shape[axis];
    }

    public boolean hasShape(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /** The same values under another name. */
    public FloatTensor renamed(String newName) {
        return new FloatTensor(newName, shape, data);
    }

    /** The transpose of a matrix, as a new tensor. */
    public FloatTensor transposed() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("tensor " + name + ": transpose needs rank 2, shape is "
                    + Arrays.toString(shape));
        }
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        float[] out = new float[data.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = data[r * cols + c];
            }
        }
        return new FloatTensor(name, new long[] {cols, rows}, out);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "FloatTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
