package dev.optinfleet.storage;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelObjectsTest {

    @Test
    void configJsonBringsTheSafetensorsBesideIt() {
        assertEquals(Map.of("config.json", S3Uri.parse("s3://models/bert/1/config.json"),
                        "model.safetensors", S3Uri.parse("s3://models/bert/1/model.safetensors")),
                ModelObjects.objects(S3Uri.parse("s3://models/bert/1/config.json")));
    }

    @Test
    void anOnnxFileIsLoadedAsModelOnnx() {
        assertEquals(Map.of("model.onnx", S3Uri.parse("s3://models/minilm/all-minilm.ONNX")),
                ModelObjects.objects(S3Uri.parse("s3://models/minilm/all-minilm.ONNX")));
    }

    @Test
    void rejectsAnythingElseNamingTheUri() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelObjects.objects(S3Uri.parse("s3://models/bert/1/model.bin")));
        assertTrue(e.getMessage().contains("s3://models/bert/1/model.bin"), e.getMessage());
    }
}
