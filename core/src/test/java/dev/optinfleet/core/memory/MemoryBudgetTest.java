package dev.optinfleet.core.memory;

import dev.optinfleet.core.model.DeviceChoice;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MemoryBudgetTest {
    @Test
    void parsesTheSizesUsersWrite() {
        assertEquals(4L << 30, MemoryBudget.parse("4g", "--memory").bytes());
        assertEquals(512L << 20, MemoryBudget.parse("512M", "--memory").bytes());
        assertEquals(3L << 29, MemoryBudget.parse("1.5GiB", "--memory").bytes());
        assertEquals(1000, MemoryBudget.parse("1000", "--memory").bytes());
    }

    @Test
    void aValueThatIsNotASizeIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("lots", "--memory"));
        assertTrue(e.getMessage().contains("--memory") && e.getMessage().contains("'lots'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MemoryBudget.parse("0g", "--memory"));
    }

    @Test
    void aBudgetBelowTheFixedOverheadNamesEveryPart() {
        var e = assertThrows(MemoryBudgetException.class,
                () -> MemoryBudget.parse("256m", "--memory").passBytes(100L << 20));
        assertTrue(e.getMessage().contains("Java heap"), e.getMessage());
        assertTrue(e.getMessage().contains("model weights"), e.getMessage());
        assertTrue(e.getMessage().contains("--memory 256m"), e.getMessage());
    }

    @Test
    void passesGetWhatIsLeftAfterHeapRuntimeAndWeights() {
        long heap = Runtime.getRuntime().maxMemory();
        MemoryBudget b = new MemoryBudget(heap + MemoryBudget.RUNTIME_BYTES + (300L << 20), "test");
        assertEquals(200L << 20, b.passBytes(100L << 20));
    }

    @Test
    void detectedBudgetIsBelowPhysicalMemory() {
        MemoryBudget b = MemoryBudget.detect();
        assertTrue(b.bytes() > 0);
        assertTrue(b.source().contains("90%"), b.source());
    }

    @Test
    void deviceChoiceTakesAGpuOnlyWhenThereIsOneAndFailsClearlyWhenCudaIsMissing() {
        assertEquals("cpu()", DeviceChoice.AUTO.resolve(0, "PyTorch").toString());
        assertEquals("gpu(0)", DeviceChoice.AUTO.resolve(2, "PyTorch").toString());
        assertEquals("cpu()", DeviceChoice.CPU.resolve(2, "PyTorch").toString());
        assertEquals("gpu(0)", DeviceChoice.CUDA.resolve(1, "PyTorch").toString());
        var e = assertThrows(IllegalStateException.class, () -> DeviceChoice.CUDA.resolve(0, "PyTorch"));
        assertTrue(e.getMessage().contains("no GPU"), e.getMessage());
        assertEquals(DeviceChoice.CUDA, DeviceChoice.parse("CUDA", "optin.device"));
        assertEquals(DeviceChoice.AUTO, DeviceChoice.parse(null, "optin.device"));
        var bad = assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("tpu", "optin.device"));
        assertTrue(bad.getMessage().contains("'tpu'"), bad.getMessage());
        // On this build (CPU natives) auto resolves to the CPU even where a driver is visible.
        assertEquals("cpu()", DeviceChoice.AUTO.resolve("PyTorch").toString());
    }
}
