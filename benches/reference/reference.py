#!/usr/bin/env python3
"""The do-it-yourself reference baobei is measured against: Python jieba plus a keyword dict.

What an operator's script does today: cut every title with Python jieba, and count the value of
the keywords whose words the title holds (a dict from word to the keywords holding it). Measured
side by side with the release binary on the same titles and the same keywords, in interleaved
passes (the machine is shared, so sequential runs see different loads), medians reported:

  score      `baobei score --threads 1` on the real titles vs the Python script on them
  segment    `baobei segment --threads 1` vs `jieba.lcut` on the same titles
  cold start `baobei lint 面霜` vs `python3 -c 'import jieba; jieba.lcut("面霜")'`

Both sides include what a user waits for: for baobei the whole process (start, dictionary,
reading, writing), for Python the cutting and matching after jieba is loaded (its 0.8 s load is
left out of the score and segment figures, in its favour).

Run from the repository (needs `pip install jieba` and ../shared/data):

  cargo build --release && python3 benches/reference/reference.py

Not part of the product: nothing in baobei runs or imports this.
"""

import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    import jieba
except ImportError:
    sys.exit("Python jieba is not installed (pip install jieba): nothing to compare with")

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("BAOBEI_SHARED_DATA", ROOT.parent / "shared" / "data"))
BAOBEI = Path(os.environ.get("BAOBEI_BIN", ROOT / "target" / "release" / "baobei"))
PASSES = int(os.environ.get("BAOBEI_REFERENCE_PASSES", "5"))
# The batch measured: the distinct real titles repeated to this many, so that process start is
# a small part of baobei's time, as in a real batch.
BATCH = int(os.environ.get("BAOBEI_REFERENCE_TITLES", "100000"))


def real_titles():
    """The titles the Rust benches use (benches/common): distinct, sorted."""
    titles = []
    with open(DATA / "tmall-beauty-double11.csv", encoding="utf-8", newline="") as f:
        rows = csv.reader(f)
        next(rows)
        titles.extend(row[2] for row in rows)
    with open(DATA / "taobao-titles-ner-train.jsonl", encoding="utf-8") as f:
        titles.extend(json.loads(line)["title"] for line in f)
    return sorted(set(titles))


def baobei(ws, *args, stdout=subprocess.DEVNULL):
    subprocess.run(
        [str(BAOBEI), "--workspace", str(ws), "--quiet", *args],
        check=True,
        stdout=stdout,
        env={**os.environ, "LANG": "C"},
    )


def market(ws, titles, tmp):
    """The bench market: the titles as one day's listings, valued by the real queries as
    `keywords derive` values them. Returns the keywords with their value, for the reference."""
    listings = tmp / "listings.csv"
    with open(listings, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["宝贝ID", "标题"])
        for i, t in enumerate(titles):
            w.writerow([i, t])
    baobei(ws, "index", "add", str(listings), "--role", "industry", "--snapshot", "2016-11-11")
    baobei(ws, "keywords", "derive", "--queries", str(DATA / "taobao-queries.tsv"))
    exported = tmp / "keywords.jsonl"
    with open(exported, "w", encoding="utf-8") as out:
        baobei(ws, "keywords", "top", "--by", "demand", "--limit", "10000000",
               "--format", "json", stdout=out)
    with open(exported, encoding="utf-8") as f:
        return [(r["keyword"], r["demand"]) for r in map(json.loads, f)]


class Reference:
    """Python jieba plus a keyword dict: the script an operator would write."""

    def __init__(self, keywords):
        self.keywords = []
        self.by_word = {}
        for text, value in keywords:
            words = frozenset(w for w in jieba.lcut(text) if w.strip())
            k = len(self.keywords)
            self.keywords.append((words, value))
            for w in words:
                self.by_word.setdefault(w, []).append(k)

    def score(self, title):
        words = set(jieba.lcut(title))
        found = 0.0
        seen = set()
        for w in words:
            for k in self.by_word.get(w, ()):
                if k not in seen:
                    seen.add(k)
                    kw, value = self.keywords[k]
                    if kw <= words:
                        found += value
        return found


def timed(f):
    started = time.perf_counter()
    f()
    return time.perf_counter() - started


def main():
    if not BAOBEI.exists():
        sys.exit(f"{BAOBEI}: build it first (cargo build --release)")
    titles = real_titles()
    jieba.setLogLevel(60)
    jieba.initialize()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        ws = tmp / "ws"
        keywords = market(ws, titles, tmp)
        reference = Reference(keywords)
        batch = (titles * (BATCH // len(titles) + 1))[:BATCH]
        text = tmp / "titles.txt"
        text.write_text("".join(t + "\n" for t in batch), encoding="utf-8")
        out = tmp / "out.csv"

        cases = {
            "score": (
                lambda: baobei(ws, "score", "--threads", "1", "-i", str(text), "-o", str(out)),
                lambda: [reference.score(t) for t in batch],
                len(batch),
            ),
            "segment": (
                lambda: baobei(ws, "segment", "--threads", "1", "-i", str(text), "-o", str(out)),
                lambda: [jieba.lcut(t) for t in batch],
                len(batch),
            ),
            "cold start": (
                lambda: baobei(ws, "lint", "面霜"),
                lambda: subprocess.run(
                    [sys.executable, "-c", "import jieba; jieba.setLogLevel(60); jieba.lcut('面霜')"],
                    check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
                1,
            ),
        }
        print(f"{len(batch)} titles ({len(titles)} distinct real ones), {len(keywords)} derived "
              f"keywords of {DATA / 'taobao-queries.tsv'}, "
              f"{PASSES} interleaved passes, medians")
        for name, (rust, python, n) in cases.items():
            rust_times, python_times = [], []
            for _ in range(PASSES):
                rust_times.append(timed(rust))
                python_times.append(timed(python))
            r, p = statistics.median(rust_times), statistics.median(python_times)
            if n > 1:
                print(f"{name:10}  baobei {n / r:9.0f}/s  python {n / p:9.0f}/s  "
                      f"baobei is {p / r:5.1f}x faster")
            else:
                print(f"{name:10}  baobei {r * 1000:7.0f} ms  python {p * 1000:7.0f} ms  "
                      f"baobei is {p / r:5.1f}x faster")


if __name__ == "__main__":
    main()
