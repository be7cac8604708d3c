package dev.optinfleet.bench;

import dev.optinfleet.core.calibration.CalibrationShard;
import dev.optinfleet.core.tokenize.TextTokenizer;
import dev.optinfleet.core.tokenize.TokenBatch;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Splits calibration samples into shards of similar length, so that a batch is padded to little more than its
 * own samples (a batch is padded to its longest sample; real texts vary 3x in length). Scores are sums over
 * shards, so this is a valid use of several shards; the Gram matrices are then per shard.
 */
final class LengthBuckets {
    private LengthBuckets() {
    }

    static List<TokenBatch> split(CalibrationShard shard, TextTokenizer tokenizer, int buckets) {
        TokenBatch all = shard.tokenize(tokenizer, shard.size());
        int[] lengths = all.lengths();
        List<Integer> order = new ArrayList<>(IntStream.range(0, lengths.length).boxed().toList());
        order.sort(Comparator.comparingInt(i -> lengths[i]));
        List<TokenBatch> out = new ArrayList<>();
        int per = (int) Math.ceil(order.size() / (double) buckets);
        for (int from = 0; from < order.size(); from += per) {
            List<Integer> idx = order.subList(from, Math.min(order.size(), from + per));
            List<String> texts = idx.stream().map(i -> shard.texts().get(i)).toList();
            List<String> pairs = idx.stream().map(i -> shard.pairs().get(i)).toList();
            out.add(new CalibrationShard(shard.source(), texts, pairs).tokenize(tokenizer, texts.size()));
        }
        return out;
    }
}
