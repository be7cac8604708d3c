package dev.optinfleet.storage;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which objects make up the model a job request or scoring task names. {@code model_uri} points at a
 * {@code config.json} whose "directory" holds {@code model.safetensors} (Hugging Face layout), or at an {@code .onnx}
 * file; the tokenizer is {@code tokenizer.json} in the same "directory" unless the request names another. The
 * coordinator checks and stages these objects; the worker fetches them to load the model.
 */
public final class ModelObjects {
    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    public static final String ONNX_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    private ModelObjects() {
    }

    /**
     * Local file name -> object, in load order.
     *
     * @throws IllegalArgumentException naming model_uri when it is neither form
     */
    public static Map<String, S3Uri> objects(S3Uri modelUri) {
        String name = modelUri.fileName();
        Map<String, S3Uri> files = new LinkedHashMap<>();
        if (name.toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            files.put(ONNX_FILE, modelUri);
            return files;
        }
        if (name.equals(CONFIG_FILE)) {
            files.put(CONFIG_FILE, modelUri);
            files.put(WEIGHTS_FILE, sibling(modelUri, WEIGHTS_FILE));
            return files;
        }
        throw new IllegalArgumentException("model_uri must name a " + CONFIG_FILE + " (with " + WEIGHTS_FILE
                + " beside it) or an .onnx file, was " + modelUri);
    }

    /** The tokenizer.json next to the model. */
    public static S3Uri defaultTokenizer(S3Uri modelUri) {
        return sibling(modelUri, TOKENIZER_FILE);
    }

    private static S3Uri sibling(S3Uri uri, String file) {
        String key = uri.key();
        return S3Uri.of(uri.bucket(), key.substring(0, key.lastIndexOf('/') + 1) + file);
    }
}
