"""Build the English word list the language rule uses (``nlp/models/english_words.txt``).

    .venv/bin/python scripts/build_english_words.py \\
        --semeval ../shared/data/semeval_sentiment --tweeteval ../shared/data/tweeteval \\
        --out src/trustreach/nlp/models/english_words.txt --min-tweets 5

A word is listed when at least ``--min-tweets`` distinct training tweets of the
text models (SemEval 2013-2016 sentiment train, TweetEval offensive and hate
train: about 71,000 English tweets) contain it, after the same normalisation
the models use. The list is therefore "the words the models were trained on",
which is what :func:`trustreach.nlp.detect_languages` asks when it cannot place
a short text: are most of its words ones the English models know? Deterministic
(sorted output); prints the number of words and the file's SHA-256.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from collections import Counter
from pathlib import Path

from trustreach.nlp._language import word_forms

csv.field_size_limit(sys.maxsize)


def training_texts(semeval: Path, tweeteval: Path) -> list[str]:
    texts: list[str] = []
    with (semeval / "train.tsv").open(encoding="utf-8", newline="") as handle:
        texts += [r["text"] for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]
    for task in ("offensive", "hate"):
        texts += (tweeteval / task / "train_text.txt").read_text(encoding="utf-8").splitlines()
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--semeval", type=Path, required=True)
    parser.add_argument("--tweeteval", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--min-tweets", type=int, default=5)
    args = parser.parse_args()
    texts = training_texts(args.semeval, args.tweeteval)
    seen: Counter[str] = Counter()
    for text in texts:
        seen.update(set(word_forms(text)))
    kept = sorted(w for w, n in seen.items() if n >= args.min_tweets)
    body = "\n".join(kept) + "\n"
    args.out.write_text(body, encoding="utf-8")
    print(f"tweets={len(texts)}")
    print(f"words={len(kept)}")
    print(f"sha256={hashlib.sha256(body.encode('utf-8')).hexdigest()}")


if __name__ == "__main__":
    main()
