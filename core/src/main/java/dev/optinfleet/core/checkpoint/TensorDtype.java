package dev.optinfleet.core.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * Floating-point element types that checkpoint readers widen or narrow to float32. Values are little-endian in
 * both safetensors and ONNX {@code raw_data}.
 *
 * <p>F16 is IEEE 754 binary16 (exact in float32); BF16 is the upper 16 bits of a float32 (exact); F64 is
 * rounded to the nearest float32.
 */
public enum TensorDtype {
    F32(4),
    F16(2),
    BF16(2),
    F64(8);

    private final int byteSize;

    TensorDtype(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype for a safetensors {@code dtype} string, if it is one this project converts to float32. */
    public static Optional<TensorDtype> fromSafetensorsName(String name) {
        for (TensorDtype t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /**
     * Decodes {@code count = dst.length} elements from {@code src} (from its position; it must hold
     * {@code count * byteSize()} bytes) into {@code dst}. Works in bulk through typed buffer views.
     */
    public void decode(ByteBuffer src, float[] dst) {
        ByteBuffer le = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        int n = dst.length;
        switch (this) {
            case F32 -> le.asFloatBuffer().get(dst, 0, n);
            case F64 -> {
                double[] tmp = new double[Math.min(n, 1 << 16)];
                var doubles = le.asDoubleBuffer();
                for (int off = 0; off < n; off += tmp.length) {
                    int len = Math.min(tmp.length, n - off);
                    doubles.get(tmp, 0, len);
                    for (int i = 0; i < len; i++) {
                        dst[off + i] = (float) tmp[i];
                    }
                }
            }
            case F16, BF16 -> {
                short[] tmp = new short[Math.min(n, 1 << 16)];
                var shorts = le.asShortBuffer();
                for (int off = 0; off < n; off += tmp.length) {
                    int len = Math.min(tmp.length, n - off);
                    shorts.get(tmp, 0, len);
                    for (int i = 0; i < len; i++) {
                        dst[off + i] = this == F16 ? halfToFloat(tmp[i]) : Float.intBitsToFloat((tmp[i] & 0xffff) << 16);
                    }
                }
            }
            default -> throw new AssertionError(this);
        }
    }

    /** IEEE 754 binary16 bits to float32 (exact, including subnormals, infinities and NaN). */
    public static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
