package dev.optinfleet.bench;

/** Wall-clock timing of a repeated action after warm-up: the median of the repeats, in seconds. */
final class Timer {
    private Timer() {
    }

    interface Action {
        void run() throws Exception;
    }

    static double medianSeconds(int warmup, int repeats, Action action) throws Exception {
        for (int i = 0; i < warmup; i++) {
            action.run();
        }
        double[] t = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            action.run();
            t[i] = (System.nanoTime() - start) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[repeats / 2];
    }
}
