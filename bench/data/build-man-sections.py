#!/usr/bin/env python3
"""Builds bench/data/man-sections: man pages labelled by their manual section.

Source: the English manual pages installed on this machine (/usr/share/man/man{1,2,3,8}/*.gz, roff source).
Label: the section (1 user commands, 2 system calls, 3 library functions, 8 administration commands).
Text: the one-line summary of NAME (after the dash) plus the start of DESCRIPTION, roff markup removed, trimmed to
about 400 characters at a word boundary. Aliases (.so pages), Perl module pages (.3pm etc.) and duplicate texts are
dropped; a text found in two sections is dropped from both. Standard library only; deterministic (sorted input,
seeded shuffle).

Usage: python3 bench/data/build-man-sections.py [MAN_ROOT] [OUT_DIR]
"""
import gzip
import json
import os
import random
import re
import sys

SECTIONS = {"1": "user-command", "2": "system-call", "3": "library-function", "8": "admin-command"}
TEST_PER_CLASS = 100
TRAIN_PER_CLASS = 300
CALIBRATION = 128
MAX_CHARS = 400
SEED = 15

ESCAPES = [(r"\\f\[[^\]]*\]", ""), (r"\\f\(..", ""), (r"\\f.", ""), (r"\\\(em|\\\(en", "-"), (r"\\-", "-"),
           (r"\\\(aq", "'"), (r"\\\(lq|\\\(rq|\\\(dq", '"'), (r"\\\(..", ""), (r"\\\[[^\]]*\]", ""),
           (r"\\e", "\\\\"), (r"\\&|\\:|\\%|\\/|\\,|\\\^|\\\|", ""), (r"\\s[-+]?\d", ""), (r'\\".*$', ""),
           (r"\\\*\(..|\\\*.", ""), (r"\\ ", " "), (r"\\c", "")]
TEXT_MACROS = {".B", ".I", ".BR", ".IR", ".RB", ".RI", ".BI", ".IB", ".SM", ".SB", ".Nm", ".Nd", ".Ar", ".Fn",
               ".Xr", ".Dq", ".Qq", ".Em", ".Sy", ".Pa", ".Va", ".Dv", ".Er", ".Fa", ".Cm", ".Fl", ".Ql"}


def clean(line):
    for pattern, repl in ESCAPES:
        line = re.sub(pattern, repl, line)
    return line


def sections(lines):
    """roff source -> {SECTION NAME: [text lines]} for man(7) .SH and mdoc(7) .Sh headers."""
    out, current = {}, None
    for raw in lines:
        if raw.startswith((".SH", ".Sh")):
            current = raw[3:].strip().strip('"').upper()
            out.setdefault(current, [])
            continue
        if current is None:
            continue
        if raw.startswith(".") or raw.startswith("'"):
            macro, _, rest = raw.partition(" ")
            if macro in TEXT_MACROS and rest:
                out[current].append(clean(rest.replace('"', "")))
            elif macro in (".PP", ".P", ".LP", ".Pp", ".sp", ".TP", ".IP"):
                out[current].append("")
            continue
        out[current].append(clean(raw))
    return out


def first_paragraph(lines):
    words, started = [], False
    for line in lines:
        if not line.strip():
            if started and len(" ".join(words)) > 80:
                break
            continue
        started = True
        words.extend(line.split())
    return " ".join(words)


def trim(text):
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    return cut[:cut.rfind(" ")] if " " in cut else cut


def read_page(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    if lines and lines[0].startswith(".so "):
        return None
    s = sections(lines)
    name = " ".join(l for l in s.get("NAME", []) if l.strip())
    summary = re.split(r"\s-\s|\s-$|^-\s", name, maxsplit=1)
    summary = summary[1] if len(summary) > 1 else ""
    description = first_paragraph(s.get("DESCRIPTION", []))
    if len(summary) < 8 or len(description) < 60:
        return None
    return trim(summary.strip().rstrip(".") + ". " + description)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/man"
    out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(__file__), "man-sections")
    by_text = {}
    for sec, label in SECTIONS.items():
        d = os.path.join(root, "man" + sec)
        for name in sorted(os.listdir(d)):
            if not name.endswith("." + sec + ".gz"):
                continue  # drops 3pm, 3ssl, 1p, ... variants
            path = os.path.join(d, name)
            if os.path.islink(path):
                continue
            text = read_page(path)
            if text:
                by_text.setdefault(text.lower(), (text, set()))[1].add(label)
    per_class = {label: [] for label in SECTIONS.values()}
    for text, labels in by_text.values():
        if len(labels) == 1:
            per_class[next(iter(labels))].append(text)
    rnd = random.Random(SEED)
    train, test = [], []
    for label in sorted(per_class):
        texts = per_class[label]
        rnd.shuffle(texts)
        print(f"{label}: {len(texts)} distinct texts", file=sys.stderr)
        test += [{"text": t, "label": label} for t in texts[:TEST_PER_CLASS]]
        train += [{"text": t, "label": label} for t in texts[TEST_PER_CLASS:TEST_PER_CLASS + TRAIN_PER_CLASS]]
    rnd.shuffle(train)
    rnd.shuffle(test)
    calibration = [{"text": r["text"]} for r in train[:CALIBRATION]]
    os.makedirs(out_dir, exist_ok=True)
    for file, rows in (("train.jsonl", train), ("test.jsonl", test), ("calibration.jsonl", calibration)):
        with open(os.path.join(out_dir, file), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"train {len(train)}, test {len(test)}, calibration {len(calibration)} -> {out_dir}", file=sys.stderr)


if __name__ == "__main__":
    main()
