package dev.optinfleet.worker.scoring;

import dev.optinfleet.storage.S3Uri;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which objects make up the model a task names. {@code model_uri} points at a {@code config.json} whose "directory"
 * holds {@code model.safetensors} (Hugging Face layout), or at an {@code .onnx} file.
 */
public final class ModelLayout {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String ONNX_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private ModelLayout() {
    }

    /**
     * Local file name -> object, in load order.
     *
     * @throws IllegalArgumentException naming the URI when it is neither form
     */
    public static Map<String, S3Uri> objects(S3Uri modelUri) {
        String name = modelUri.fileName();
        Map<String, S3Uri> files = new LinkedHashMap<>();
        if (name.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            files.put(ONNX_FILE, modelUri);
            return files;
        }
        if (name.equals(CONFIG_FILE)) {
            String key = modelUri.key();
            String dir = key.substring(0, key.length() - CONFIG_FILE.length());
            files.put(CONFIG_FILE, modelUri);
            files.put(WEIGHTS_FILE, S3Uri.of(modelUri.bucket(), dir + WEIGHTS_FILE));
            return files;
        }
        throw new IllegalArgumentException("model_uri must name a " + CONFIG_FILE + " (with " + WEIGHTS_FILE
                + " beside it) or an .onnx file, was " + modelUri);
    }
}
