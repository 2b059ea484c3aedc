"""Try a learned duplicate-pair classifier against the hand-set rules, by leave-one-talk-out.

    .venv/bin/python benchmarks/fit_duplicates.py [--data-dir DIR] [--rules]

With ``--rules``: the rules' own thresholds (``RULE_GRID``) chosen by leave-one-talk-out over
the development talks' labelled pairs, with no more false hints in the 318-question session
than the shipped setting; round six took ``THRESHOLD`` 0.55 and ``RESIDUAL_AGREEMENT`` 0.06
from it (LOTO mean F1 0.570 -> 0.651).

Without it:

A logistic regression (``topics/linear.py``, a softmax against a fixed zero row) over
agenda-agnostic pair features: the lexical similarity of ``DuplicateIndex``, the cosine of
the centred meanings, word-sequence similarity, the meaning of the words that differ, the
ratio of content-word counts, and a number/version-token mismatch. Fitted on the development
pairs (reference dev and own as one talk, and the other development talks); the threshold is the
lowest probability whose training-fold precision is at least ``PRECISION``. Reports each
held-out dev talk's F1 for the classifier and for the rules, and the duplicate hints either
gives in one session of the distinct development questions. Never reads held-out talks.
The classifier is shipped only if its LOTO F1 beats the rules. It does not: without the
session negatives below, LOTO F1 0.91 against the rules' 0.66, but 317 hints among 318
distinct questions; with them (3 neighbours) 11 hints and LOTO F1 0.33 (1 neighbour: 15 hints,
0.37), because at precision 0.9 the threshold then passes no pair of the small talks. So the
rules stay (docs/topics.md) and this is a record of the experiment, rerunnable.
"""

from __future__ import annotations

import argparse
import difflib
import itertools
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_topics import (  # noqa: E402
    DEFAULT_DATA,
    HELD_OUT,
    ROUND_FIVE_DEV,
    distinct_questions,
    read_jsonl,
    talk_sets,
)

from fireside.topics import duplicates  # noqa: E402
from fireside.topics.duplicates import DuplicateIndex  # noqa: E402
from fireside.topics.linear import LinearModel, fit_softmax  # noqa: E402
from fireside.topics.pairs import frame as sentence_frame  # noqa: E402
from fireside.topics.pairs import question_keys  # noqa: E402
from fireside.topics.semantic import shared_embedder  # noqa: E402
from fireside.topics.text import generic_weight, terms  # noqa: E402

PAIR_FEATURES = ("bias", "lexical", "meaning", "frame", "residual", "length_ratio", "numbers")
PRECISION = 0.9
L2 = 1.0
_NUMBER = re.compile(r"\b\w*\d\w*\b")


def pair_features(index: DuplicateIndex, a: str, b: str) -> np.ndarray:
    """What a pair (``a`` indexed, ``b`` asked) looks like, in features any talk shares."""
    embed = index._embedder
    keys_a, keys_b = question_keys(a), question_keys(b)
    words_a = sum(generic_weight(t.key) for t in terms(a)) or 1.0
    words_b = sum(generic_weight(t.key) for t in terms(b)) or 1.0
    sequence = difflib.SequenceMatcher(None, sentence_frame(b), sentence_frame(a), autojunk=False)
    frame = sequence.ratio()
    numbers = float(set(_NUMBER.findall(a.lower())) != set(_NUMBER.findall(b.lower())))
    return np.array(
        [
            1.0,
            index.similarity(keys_b, keys_a),
            float(embed.centered(a) @ embed.centered(b)),
            frame,
            index._residual_agreement(b, keys_b, a, keys_a),
            min(words_a, words_b) / max(words_a, words_b),
            numbers,
        ]
    )


NEIGHBOURS = 3
"""Negatives from a talk's own questions: each distinct question with this many earlier ones
closest in meaning. The labelled pair sets are half duplicates, a session nearly none: without
these the classifier flagged 317 of 318 distinct questions."""


def session_negatives(questions: list[str], pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pairs of distinct questions of one talk (in no labelled pair), the closest first."""
    in_pairs = {row["a"] for row in pairs} | {row["b"] for row in pairs}
    distinct = [text for text in dict.fromkeys(questions) if text not in in_pairs]
    embed = shared_embedder()
    vectors = np.stack([embed.centered(t) for t in distinct])
    negatives = []
    for number in range(1, len(distinct)):
        near = np.argsort(-(vectors[:number] @ vectors[number]))[:NEIGHBOURS]
        negatives += [
            {"a": distinct[int(j)], "b": distinct[number], "duplicate": False} for j in near
        ]
    return negatives


def dev_pairs(
    data_dir: Path, negatives: bool = True
) -> dict[str, list[tuple[np.ndarray, bool, bool]]]:
    """Per development talk: each pair's features, its label, and the rules' verdict; the
    labelled pairs first (F1 is reported on them), then the session negatives."""
    labelled: dict[str, list[dict[str, Any]]] = {}
    extra: dict[str, list[dict[str, Any]]] = {}
    for name, (_, questions, pairs) in talk_sets(data_dir).items():
        rows, texts = read_jsonl(pairs), read_jsonl(questions)
        if name in HELD_OUT or rows is None or texts is None:
            continue
        talk = "reference" if name.startswith("reference") else name
        labelled.setdefault(talk, []).extend(rows)
        if negatives:
            extra.setdefault(talk, []).extend(session_negatives([r["text"] for r in texts], rows))
    talks: dict[str, list[tuple[np.ndarray, bool, bool]]] = {}
    for talk, rows in labelled.items():
        for row in rows + extra.get(talk, []):
            index = DuplicateIndex()
            index.add(0, row["a"])
            rules = index.find(row["b"]) == 0
            features = pair_features(index, row["a"], row["b"])
            talks.setdefault(talk, []).append((features, bool(row["duplicate"]), rules))
    return talks


def fit(pairs: list[tuple[np.ndarray, bool, bool]]) -> LinearModel:
    groups = [np.vstack([np.zeros(len(PAIR_FEATURES)), f]) for f, _, _ in pairs]
    return fit_softmax(groups, [int(label) for _, label, _ in pairs], PAIR_FEATURES, L2)


def threshold(model: LinearModel, pairs: list[tuple[np.ndarray, bool, bool]]) -> float:
    """The lowest logit at which the training pairs' precision reaches ``PRECISION``."""
    scored = sorted(((float(model.logits(f[None])[0]), y) for f, y, _ in pairs), reverse=True)
    best = float("inf")
    hits = 0
    for rank, (logit, label) in enumerate(scored, 1):
        hits += label
        if hits / rank >= PRECISION:
            best = logit
    return best


def f1(predicted: list[bool], labels: list[bool]) -> float:
    tp = sum(p and y for p, y in zip(predicted, labels, strict=True))
    fp = sum(p and not y for p, y in zip(predicted, labels, strict=True))
    fn = sum(y and not p for p, y in zip(predicted, labels, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def false_hints(data_dir: Path, model: LinearModel, cut: float) -> int:
    """Hints the classifier gives in the distinct-question session of bench_topics.py."""
    distinct = distinct_questions(data_dir)
    embed = shared_embedder()
    vectors = np.stack([embed.centered(t) for t in distinct])
    index = DuplicateIndex()
    flagged = 0
    for number, text in enumerate(distinct):
        if number:
            # Only the 10 closest in meaning are scored in full: the others cannot pass.
            near = np.argsort(-(vectors[:number] @ vectors[number]))[:10]
            flagged += any(
                float(model.logits(pair_features(index, distinct[j], text)[None])[0]) >= cut
                for j in near
            )
        index.add(number, text)
    return flagged


def read_pairs(data_dir: Path, talk: str) -> list[dict[str, Any]]:
    """The labelled pairs of one development talk (reference: dev and own together)."""
    rows: list[dict[str, Any]] = []
    for name, (_, _, pairs) in talk_sets(data_dir).items():
        if name == talk or (talk == "reference" and name.startswith("reference")):
            rows += read_jsonl(pairs) or []
    return rows


RULE_GRID = {
    "THRESHOLD": (0.40, 0.45, 0.50, 0.55, 0.60),
    "SEMANTIC_THRESHOLD": (0.40, 0.45, 0.50, 0.55, 0.60),
    "RESIDUAL_AGREEMENT": (0.0, 0.06, 0.12, 0.18, 0.24),
}
"""The rules' thresholds tried by ``--rules`` (lexical, meaning, and the differing words'
agreement), around the values in ``duplicates.py``."""


def rule_figures(data_dir: Path, talks: list[str]) -> dict[tuple[float, ...], dict[str, Any]]:
    """For every setting of ``RULE_GRID``: each talk's F1 on its labelled pairs, and the hints
    in the 318-question session of the round-five development sets (``ROUND_FIVE_DEV``)."""
    pairs = {talk: read_pairs(data_dir, talk) for talk in talks}
    session = distinct_questions(data_dir, ROUND_FIVE_DEV)
    shipped = {name: getattr(duplicates, name) for name in RULE_GRID}
    figures: dict[tuple[float, ...], dict[str, Any]] = {}
    try:
        for setting in itertools.product(*RULE_GRID.values()):
            for name, value in zip(RULE_GRID, setting, strict=True):
                setattr(duplicates, name, value)
            f1s = {}
            for talk, rows in pairs.items():
                found = []
                for row in rows:
                    index = DuplicateIndex()
                    index.add(0, row["a"])
                    found.append(index.find(row["b"]) == 0)
                f1s[talk] = f1(found, [bool(row["duplicate"]) for row in rows])
            index, hints = DuplicateIndex(), 0
            for number, text in enumerate(session):
                hints += index.find(text) is not None
                index.add(number, text)
            figures[setting] = {"f1": f1s, "hints": hints}
    finally:
        for name, value in shipped.items():
            setattr(duplicates, name, value)
    return figures


def rules_loto(data_dir: Path) -> None:
    """Leave one talk out: choose the rules' thresholds on the other talks (best mean F1,
    without more hints in the 318-question session than the shipped setting gives), score
    the held-out talk; against the shipped thresholds' F1. Prints both and the setting
    that all talks would choose."""
    talks = sorted(dev_pairs(data_dir, negatives=False))
    figures = rule_figures(data_dir, talks)
    shipped = tuple(getattr(duplicates, name) for name in RULE_GRID)
    allowed = [s for s, f in figures.items() if f["hints"] <= figures[shipped]["hints"]]

    def chosen(on: list[str]) -> tuple[float, ...]:
        def mean(setting: tuple[float, ...]) -> float:
            return float(np.mean([figures[setting]["f1"][t] for t in on]))

        best = max(allowed, key=mean)
        return shipped if mean(shipped) >= mean(best) else best

    loto, fixed = [], []
    for held in talks:
        setting = chosen([t for t in talks if t != held])
        loto.append(figures[setting]["f1"][held])
        fixed.append(figures[shipped]["f1"][held])
        print(
            f"{held:11} shipped {fixed[-1]:.2f}  LOTO {loto[-1]:.2f} "
            f"(chosen on the others: {dict(zip(RULE_GRID, setting, strict=True))})"
        )
    print(f"mean        shipped {np.mean(fixed):.3f}  LOTO {np.mean(loto):.3f}")
    final = chosen(talks)
    print(
        f"all talks choose {dict(zip(RULE_GRID, final, strict=True))}: mean F1 "
        f"{np.mean([figures[final]['f1'][t] for t in talks]):.3f}, "
        f"{figures[final]['hints']} hints (shipped {figures[shipped]['hints']})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--rules", action="store_true", help="choose the rules' thresholds by leave-one-talk-out"
    )
    args = parser.parse_args(argv)
    if args.rules:
        rules_loto(args.data_dir)
        return 0
    talks = dev_pairs(args.data_dir)
    report: dict[str, Any] = {}
    for held, test in talks.items():
        train = [p for name, pairs in talks.items() if name != held for p in pairs]
        model = fit(train)
        cut = threshold(model, train)
        labels = [y for _, y, _ in test]
        # F1 on the labelled pairs only, as bench_topics.py reports it; negatives trained.
        test = test[: len(read_pairs(args.data_dir, held))]
        labels = labels[: len(test)]
        learned = [float(model.logits(f[None])[0]) >= cut for f, _, _ in test]
        rules = [r for _, _, r in test]
        report[held] = {
            "pairs": len(test),
            "learned": f1(learned, labels),
            "rules": f1(rules, labels),
        }
        print(
            f"{held:11} {len(test):3} pairs  LOTO F1 learned {f1(learned, labels):.2f}  "
            f"rules {f1(rules, labels):.2f}"
        )
    mean = {k: float(np.mean([r[k] for r in report.values()])) for k in ("learned", "rules")}
    print(f"mean        LOTO F1 learned {mean['learned']:.3f}  rules {mean['rules']:.3f}")
    everything = [p for pairs in talks.values() for p in pairs]
    model = fit(everything)
    cut = threshold(model, everything)
    for name, weight in zip(PAIR_FEATURES, model.weights, strict=True):
        print(f"  {name:13} {weight:+.3f}")
    print(f"distinct-question session: {false_hints(args.data_dir, model, cut)} hints (learned)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
