#!/usr/bin/env python3
"""Builds the debian-sections text classification task from Debian's package index.

Four classes, the archive Section of a package: games, sound, graphics, science. The text of a package is its
synopsis (the first line of its description) followed by the first paragraph of its long description, trimmed to
about 400 characters at a word boundary.

Inputs (plain, .gz, .xz, or .lz4 through apt-helper):
  --packages      a Packages index (Package, Section, Description, Description-md5); default: bookworm main amd64
                  from /var/lib/apt/lists
  --translations  a Translation-en index (Package, Description-md5, Description-en) with the long descriptions.
                  Debian's Packages files carry only the synopsis, so this is needed unless the Packages file holds
                  full descriptions itself. Default: the bookworm main Translation-en in /var/lib/apt/lists, if any.

Outputs, JSON Lines in --out (default: debian-sections beside this script):
  train.jsonl        {"text": ..., "label": ...}, balanced
  test.jsonl         {"text": ..., "label": ...}, balanced, 200 per class
  calibration.jsonl  {"text": ...}, 128 texts drawn from train (no labels: OPTIN calibration is label-free)

Cleaning: debug, documentation, data, development and library packages are dropped (they restate another
package's description); then a package is dropped when its normalised synopsis or normalised first paragraph was
already seen in any class (packages are visited in name order, so the main package of a family is the one kept);
texts that appear under two sections are dropped from both. Everything is deterministic for a given --seed.

Python 3 standard library only.
"""

import argparse
import gzip
import json
import lzma
import os
import random
import re
import subprocess
import sys
from collections import defaultdict

CLASSES = ["games", "sound", "graphics", "science"]
LISTS = "/var/lib/apt/lists"
DEFAULT_PACKAGES = LISTS + "/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4"
DEFAULT_TRANSLATIONS = LISTS + "/deb.debian.org_debian_dists_bookworm_main_i18n_Translation-en.lz4"
MAX_CHARS = 400
TEST_PER_CLASS = 200
TRAIN_PER_CLASS = 500
CALIBRATION = 128
DROP_SUFFIXES = ("-dbg", "-dbgsym", "-doc", "-docs", "-data", "-dev", "-common", "-examples")


def read_text(path):
    if path.endswith(".lz4"):
        return subprocess.run(["/usr/lib/apt/apt-helper", "cat-file", path], check=True, capture_output=True,
                              text=True, encoding="utf-8").stdout
    if path.endswith(".gz"):
        with gzip.open(path, "rt", encoding="utf-8") as f:
            return f.read()
    if path.endswith(".xz"):
        with lzma.open(path, "rt", encoding="utf-8") as f:
            return f.read()
    with open(path, encoding="utf-8") as f:
        return f.read()


def stanzas(text):
    """Yields each stanza as (fields, continuation lines per field)."""
    for block in text.split("\n\n"):
        fields = {}
        more = defaultdict(list)
        key = None
        for line in block.split("\n"):
            if not line:
                continue
            if line[0] in " \t":
                if key is not None:
                    more[key].append(line[1:])
                continue
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        if fields:
            yield fields, more


def first_paragraph(lines):
    """Continuation lines up to the first " ." paragraph break, joined with single spaces."""
    out = []
    for line in lines:
        if line.strip() == ".":
            if out:
                break
            continue
        out.append(line.strip())
    return " ".join(" ".join(out).split())


def trim(text, limit=MAX_CHARS):
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > limit // 2 else limit].rstrip(" ,;:")


def key(text):
    """Normalised form for duplicate detection: lower case, parentheses dropped, letters and digits only."""
    text = re.sub(r"\([^)]*\)", " ", text.lower())
    return " ".join(re.findall(r"[a-z0-9]+", text))


def keep_package(name):
    return not name.startswith("lib") and not name.endswith(DROP_SUFFIXES)


def load(packages_path, translations_path):
    long_descriptions = {}
    if translations_path:
        for fields, more in stanzas(read_text(translations_path)):
            if "Description-en" in fields:
                long_descriptions[(fields.get("Package"), fields.get("Description-md5"))] = more["Description-en"]
    rows = []
    for fields, more in stanzas(read_text(packages_path)):
        section = fields.get("Section", "")
        name = fields.get("Package", "")
        if section not in CLASSES or not keep_package(name):
            continue
        lines = more.get("Description") or long_descriptions.get((name, fields.get("Description-md5")), [])
        synopsis = " ".join(fields.get("Description", "").split())
        paragraph = first_paragraph(lines)
        if not synopsis or not paragraph:
            continue
        rows.append((name, section, synopsis, paragraph))
    if not rows:
        sys.exit("no package of " + ", ".join(CLASSES) + " in " + packages_path + " has a long description;"
                 " pass --translations with the matching Translation-en index")
    return rows


def deduplicate(rows):
    rows = sorted(rows)
    sections_of = defaultdict(set)
    for name, section, synopsis, paragraph in rows:
        sections_of[key(synopsis)].add(section)
        sections_of[key(paragraph)].add(section)
    seen = set()
    kept = defaultdict(list)
    for name, section, synopsis, paragraph in rows:
        keys = (key(synopsis), key(paragraph))
        ambiguous = any(len(sections_of[k]) > 1 for k in keys)
        if ambiguous or any(k in seen for k in keys):
            continue
        seen.update(keys)
        text = synopsis if synopsis.endswith((".", "!", "?")) else synopsis + "."
        kept[section].append(trim(text + " " + paragraph))
    return kept


def write(path, records):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("packages", nargs="?", default=DEFAULT_PACKAGES, help="Packages index (positional or --packages)")
    p.add_argument("--packages", dest="packages_opt")
    p.add_argument("--translations",
                   default=DEFAULT_TRANSLATIONS if os.path.exists(DEFAULT_TRANSLATIONS) else None)
    p.add_argument("--out", default=os.path.join(here, "debian-sections"))
    p.add_argument("--seed", type=int, default=20240501)
    args = p.parse_args()
    packages = args.packages_opt or args.packages

    kept = deduplicate(load(packages, args.translations))
    available = {c: len(kept[c]) for c in CLASSES}
    train_per_class = min(TRAIN_PER_CLASS, min(available.values()) - TEST_PER_CLASS)
    if train_per_class < 100:
        sys.exit("too few distinct packages per class: " + str(available))
    rnd = random.Random(args.seed)
    train, test = [], []
    for c in CLASSES:
        texts = kept[c]
        rnd.shuffle(texts)
        test += [{"text": t, "label": c} for t in texts[:TEST_PER_CLASS]]
        train += [{"text": t, "label": c} for t in texts[TEST_PER_CLASS:TEST_PER_CLASS + train_per_class]]
    rnd.shuffle(train)
    rnd.shuffle(test)
    calibration = [{"text": r["text"]} for r in rnd.sample(train, CALIBRATION)]

    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "train.jsonl"), train)
    write(os.path.join(args.out, "test.jsonl"), test)
    write(os.path.join(args.out, "calibration.jsonl"), calibration)
    for name, records in (("train", train), ("test", test), ("calibration", calibration)):
        mean = sum(len(r["text"]) for r in records) / len(records)
        print(f"{name}: {len(records)} samples, mean {mean:.0f} chars", file=sys.stderr)
    print("distinct packages per class: " + json.dumps(available) + f"; train {train_per_class}/class,"
          f" test {TEST_PER_CLASS}/class", file=sys.stderr)


if __name__ == "__main__":
    main()
