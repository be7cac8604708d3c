package dev.optinfleet.bench;

import java.math.BigDecimal;

final class BenchFormat {
    private BenchFormat() {
    }

    /** 10 -> "10", 0.1 -> "0.1", 1.0 -> "1.0" is printed "1". */
    static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
