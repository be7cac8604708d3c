"""The label-free Fisher estimates of optin-fleet's `fisher` and `fisher_trajectory` scorers, written in PyTorch
itself, as the speed reference of `scripts/bench.sh speed` (run in bench/.venv, see setup-venv.sh).

Same estimate as the Java scorer: per-sample gates (all 1) on every head's context and every FFN activation; one
forward pass per micro-batch, then one backward pass per probe with the graph kept (retain_graph): output probes
r ~ N(0, I) on the mean-pooled output of a headless encoder, and for fisher_trajectory Gram probes s ~ N(0, I) on
each layer's Gram matrix of L2-normalised FFN outputs. importance = sum over samples, mean over probes, of the
squared gate gradients. Prints one line: RESULT seconds=<scoring wall time>.

Usage: python fisher_reference.py CHECKPOINT_DIR IDS_JSON SCORER PROBES MICRO_BATCH THREADS
(IDS_JSON: a list of token-id lists of one length; written by the Java benchmark from the same tokenizer).
"""
import json
import math
import sys
import time

import torch
from safetensors.torch import load_file


def load(directory):
    config = json.load(open(f"{directory}/config.json"))
    weights = {k.removeprefix("bert."): v.float() for k, v in load_file(f"{directory}/model.safetensors").items()}
    return config, weights


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def forward(config, w, ids, head_gates, neuron_gates, keep_features):
    eps = config.get("layer_norm_eps", 1e-12)
    heads = config["num_attention_heads"]
    b, s = ids.shape
    positions = torch.arange(s).unsqueeze(0)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
         + w["embeddings.token_type_embeddings.weight"][torch.zeros_like(ids)])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    features = []
    for l in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{l}."
        d = x.shape[-1]
        dh = d // heads

        def proj(name):
            return torch.nn.functional.linear(x, w[p + name + ".weight"], w[p + name + ".bias"])

        q = proj("attention.self.query").view(b, s, heads, dh).transpose(1, 2)
        k = proj("attention.self.key").view(b, s, heads, dh).transpose(1, 2)
        v = proj("attention.self.value").view(b, s, heads, dh).transpose(1, 2)
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        ctx = (probs @ v) * head_gates[l].view(b, heads, 1, 1)
        ctx = ctx.transpose(1, 2).reshape(b, s, d)
        a = layer_norm(x + torch.nn.functional.linear(ctx, w[p + "attention.output.dense.weight"],
                                                      w[p + "attention.output.dense.bias"]),
                       w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"], eps)
        act = torch.nn.functional.gelu(torch.nn.functional.linear(a, w[p + "intermediate.dense.weight"],
                                                                  w[p + "intermediate.dense.bias"]))
        f = torch.nn.functional.linear(act * neuron_gates[l].view(b, 1, -1), w[p + "output.dense.weight"],
                                       w[p + "output.dense.bias"])
        if keep_features:
            features.append(f)
        x = layer_norm(a + f, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    return x.mean(dim=1), features


def main():
    directory, ids_file, scorer, probes, micro, threads = sys.argv[1:7]
    probes, micro = int(probes), int(micro)
    torch.set_num_threads(int(threads))
    config, w = load(directory)
    ids = torch.tensor(json.load(open(ids_file)), dtype=torch.long)
    layers = config["num_hidden_layers"]
    heads = config["num_attention_heads"]
    width = config["intermediate_size"]
    features = scorer == "fisher_trajectory"
    generator = torch.Generator().manual_seed(0)
    head_scores = torch.zeros(layers, heads, dtype=torch.float64)
    neuron_scores = torch.zeros(layers, width, dtype=torch.float64)
    start = time.perf_counter()
    for first in range(0, ids.shape[0], micro):
        batch = ids[first:first + micro]
        b, s = batch.shape
        hg = [torch.ones(b, heads, requires_grad=True) for _ in range(layers)]
        ng = [torch.ones(b, width, requires_grad=True) for _ in range(layers)]
        z, feats = forward(config, w, batch, hg, ng, features)
        grams = []
        for f in feats:
            u = f / f.norm(dim=-1, keepdim=True)
            grams.append(u @ u.transpose(1, 2))
        backwards = probes * (2 if features else 1)
        done = 0
        for p in range(2 * probes if features else probes):
            done += 1
            if p < probes:
                r = torch.randn(z.shape, generator=generator)
                target, grad = z, r
            else:
                target = sum((torch.randn(g.shape, generator=generator) * g).sum() for g in grams)
                grad = None
            gates = hg + ng
            grads = torch.autograd.grad(target, gates, grad_outputs=grad, retain_graph=done < backwards)
            for l in range(layers):
                head_scores[l] += grads[l].double().pow(2).sum(0) / probes
                neuron_scores[l] += grads[layers + l].double().pow(2).sum(0) / probes
    seconds = time.perf_counter() - start
    print(f"RESULT seconds={seconds:.2f} total={float(head_scores.sum() + neuron_scores.sum()):.6g}")


if __name__ == "__main__":
    main()
