"""Fit the topic model's weights on the development talks, choosing the regularisation by
leave-one-talk-out, and write them into the package.

    .venv/bin/python benchmarks/fit_topics.py [--data-dir DIR] [--dry-run]

Training data: every labelled question of the development talks (the reference talk, its dev
and our own questions together as one talk; other-talk; cooking; council; and since round six
security, museum, sports and gamedev, which were held out until round five), each scored four
ways: with the agenda's keywords and without them, and with no corrections or with the other
half of its talk (alternate questions) given as the moderator's corrections. The held-out
talks (``HELD_OUT`` in ``bench_topics.py``) are never read here. Deterministic: the same
data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_topics import (  # noqa: E402
    DEFAULT_DATA,
    HELD_OUT,
    read_jsonl,
    talk_sets,
    without_keywords,
)

from fireside.agenda import Agenda  # noqa: E402
from fireside.topics.features import FEATURES  # noqa: E402
from fireside.topics.lexicon import OTHER_TOPIC  # noqa: E402
from fireside.topics.linear import LinearModel, fit_softmax  # noqa: E402
from fireside.topics.suggest import (  # noqa: E402
    LEXICAL_MARGIN,
    LEXICAL_MIN,
    MODEL_FILE,
    TopicSuggester,
)

TALK_POWER = 1.0
"""A talk's questions weigh len**-TALK_POWER: 1 makes each talk count once in total (LOTO
mean 0.804 / 0.732 with / without keywords); 0.5 gave 0.800 / 0.715, so 1 it is."""
L2_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
ROUND_FIVE_L2 = 0.1
"""The penalty the round-five model was fitted with (chosen by LOTO over its four talks)."""
Instance = tuple[np.ndarray, int, str]
"""Feature rows, the labelled row, and the variant ("kw", "nokw", "kw+corr", "nokw+corr")."""


def dev_talks(data_dir: Path) -> dict[str, tuple[Agenda, list[dict[str, Any]]]]:
    """The development talks' agendas and labelled questions (reference dev + own as one)."""
    talks: dict[str, tuple[Agenda, list[dict[str, Any]]]] = {}
    for name, (agenda, questions, _) in talk_sets(data_dir).items():
        rows = read_jsonl(questions)
        if name in HELD_OUT or rows is None:
            continue
        talk = "reference" if name.startswith("reference") else name
        if talk in talks:
            talks[talk][1].extend(rows)
        else:
            talks[talk] = (agenda, list(rows))
    return talks


def _blank() -> LinearModel:
    return LinearModel(FEATURES, np.ones(len(FEATURES)), np.zeros(len(FEATURES)), {})


def instances(agenda: Agenda, rows: list[dict[str, Any]]) -> list[Instance]:
    """Every question of a talk as training instances, in the four variants."""
    result: list[Instance] = []
    # Alternate questions, not the first and second half: the files are grouped by topic, so
    # a first half would teach topics that the second half never asks about.
    evens, odds = rows[::2], rows[1::2]
    for variant, plan in (("kw", agenda), ("nokw", without_keywords(agenda))):
        plain = TopicSuggester(plan, model=_blank())
        result += [_instance(plain, row, variant) for row in rows]
        for taught_rows, asked in ((evens, odds), (odds, evens)):
            taught = TopicSuggester(plan, model=_blank())
            for row in taught_rows:
                taught.learn(row["text"], row["topic"])
            result += [_instance(taught, row, variant + "+corr") for row in asked]
    return result


def _instance(suggester: TopicSuggester, row: dict[str, Any], variant: str) -> Instance:
    features, _ = suggester.rows(row["text"])
    topic = row["topic"]
    label = suggester.topics.index(topic) if topic in suggester.topics else len(suggester.topics)
    if topic not in suggester.topics and topic != OTHER_TOPIC:
        print(f"  note: label {topic!r} is not a candidate topic; counted as other")
    return features, label, variant


def accuracy(model: LinearModel, data: list[Instance], variant: str) -> float:
    """Share of a variant's questions whose best-scoring row is the labelled one."""
    hits = [int(np.argmax(model.logits(f))) == label for f, label, v in data if v == variant]
    return float(np.mean(hits))


def fit(talks: dict[str, list[Instance]], l2: float) -> LinearModel:
    """Weights fitted on ``talks``, a talk's questions weighing less the more it has: the
    reference talk has five times the questions of any other, and its own vocabulary, so
    counted plainly it would teach mostly how to use that vocabulary."""
    data = [(i, len(d) ** -TALK_POWER) for d in talks.values() for i in d]
    mean = len(data) / sum(w for _, w in data)
    return fit_softmax(
        [f for (f, _, _), _ in data],
        [label for (_, label, _), _ in data],
        FEATURES,
        l2,
        [w * mean for _, w in data],
    )


VARIANTS = ("kw", "nokw", "kw+corr", "nokw+corr")
LIVE_SHARE = 0.5
"""The assumption behind the live bonus: a question asked while a segment runs is about that
segment half the time, and otherwise about any other topic alike. The labelled sets do not
record which segment was running, so arrival is simulated under this assumption."""
LIVE_GRID = tuple(round(0.1 * step, 1) for step in range(41))


def live_accuracy(data: list[tuple[np.ndarray, np.ndarray, int]], bonus: float) -> float:
    """Expected agreement when the running segment adds ``bonus`` to its score (only if its
    words give it any evidence), with arrival simulated as ``LIVE_SHARE`` says."""
    total = 0.0
    for logits, grounded, label in data:
        topics = len(logits) - 1
        for live in range(topics):
            if label == topics:
                chance = 1.0 / topics
            elif live == label:
                chance = LIVE_SHARE
            else:
                chance = (1 - LIVE_SHARE) / max(topics - 1, 1)
            shifted = logits.copy()
            shifted[live] += bonus * grounded[live]
            total += chance * float(int(np.argmax(shifted)) == label)
    return total / len(data)


def choose_live_bonus(
    talks: dict[str, list[Instance]], l2: float
) -> tuple[float, dict[str, float]]:
    """The bonus with the best expected agreement on held-out-talk scores (leave one talk out,
    each talk counting once), so that it fits how confident the model is on unseen talks; and
    of the bonuses within one question (in one variant) of the smallest talk of that best, the
    largest.

    The curve is flat (round six: 0.761 without a bonus, 0.767 at its peak), flatter than the
    guess it rests on (``LIVE_SHARE``), while the bonus exists to settle close calls: the
    peak alone (0.9) left "Does quantization make a model more biased?" with bias during the
    deployment segment (a behaviour test), which a bonus one question below the peak settles."""
    grounded = FEATURES.index("grounded")
    folds: list[list[tuple[np.ndarray, np.ndarray, int]]] = []
    for held, test in talks.items():
        model = fit({name: data for name, data in talks.items() if name != held}, l2)
        folds.append(
            [(model.logits(f), f[:, grounded], label) for f, label, v in test if "+" not in v]
        )
    curve = {
        str(bonus): round(float(np.mean([live_accuracy(fold, bonus) for fold in folds])), 4)
        for bonus in LIVE_GRID
    }
    peak = max(curve.values())
    # One question of the smallest talk, which counts 1/len(talks) of the mean.
    one_question = 1 / min(len(fold) for fold in folds) / len(folds)
    best = max(bonus for bonus in LIVE_GRID if curve[str(bonus)] >= peak - one_question)
    return best, curve


MARGIN_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
NOISE = 0.001
"""LOTO differences smaller than this are less than one question of the largest talk (229
questions, one of eight talks and two variants: 0.0003) or a third of one of a small talk;
they do not justify changing a rule."""
Lexical = tuple[np.ndarray, float, bool, bool]
"""A question's word evidence per topic, for "other", whether any topic's words match, and
whether every topic has a curated vocabulary."""


def lexical_evidence(agenda: Agenda, rows: list[dict[str, Any]]) -> dict[str, list[Lexical]]:
    """The words' evidence of every question, with and without keywords (no corrections)."""
    result: dict[str, list[Lexical]] = {}
    for variant, plan in (("kw", agenda), ("nokw", without_keywords(agenda))):
        suggester = TopicSuggester(plan, model=_blank())
        curated = suggester.lexicon.all_curated
        result[variant] = []
        for row in rows:
            totals, other, matched, _ = suggester.evidence(row["text"])
            grounded = any(matched.get(t) for t in suggester.topics)
            result[variant].append((np.array(list(totals.values())), other, grounded, curated))
    return result


def hybrid(logits: np.ndarray, lexical: Lexical, margin: float, curated_only: bool = False) -> int:
    """The topic row ``TopicSuggester._lexical`` would pick with ``margin``, else the model's
    (no live segment: the labelled sets do not record one). With ``curated_only`` the words
    decide only where every topic has a curated vocabulary."""
    totals, other, grounded, curated = lexical
    topics = len(totals)
    if not grounded:
        return topics if curated else int(np.argmax(logits))
    if curated_only and not curated:
        return int(np.argmax(logits))
    order = np.argsort(-totals, kind="stable")
    best = float(totals[order[0]])
    second = float(totals[order[1]]) if topics > 1 else 0.0
    if best >= LEXICAL_MIN and best - second >= margin and best > other:
        return int(order[0])
    return int(np.argmax(logits))


def choose_margin(
    talks: dict[str, list[Instance]],
    lexical: dict[str, dict[str, list[Lexical]]],
    l2: float,
    verbose: bool = True,
) -> tuple[str, dict[str, dict[str, dict[str, float]]]]:
    """Leave-one-talk-out agreement of the model alone (``None``) and of the hybrid at each
    margin, the words deciding on any agenda ("0.5") or only where every topic has a curated
    vocabulary ("0.5 curated"); the best mean over talks and with / without keywords is
    chosen, unless what ``suggest.py`` does now (``LEXICAL_MARGIN``, curated only) is within
    ``NOISE`` of it."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for held, test in talks.items():
        model = fit({name: data for name, data in talks.items() if name != held}, l2)
        for variant in ("kw", "nokw"):
            plain = [(model.logits(f), label) for f, label, v in test if v == variant]
            evidence = lexical[held][variant]
            for margin in (None, *MARGIN_GRID):
                for curated_only in (False, True) if margin is not None else (False,):
                    hits = [
                        (
                            int(np.argmax(lg))
                            if margin is None
                            else hybrid(lg, lex, margin, curated_only)
                        )
                        == label
                        for (lg, label), lex in zip(plain, evidence, strict=True)
                    ]
                    key = str(margin) + (" curated" if curated_only else "")
                    cell = table.setdefault(key, {}).setdefault(held, {})
                    cell[variant] = round(float(np.mean(hits)), 3)

    def mean(margin: str) -> float:
        return float(np.mean([v for talk in table[margin].values() for v in talk.values()]))

    if verbose:
        for margin in table:
            print(f"  hybrid margin {margin:>4}: LOTO mean {mean(margin):.3f} {table[margin]}")
    shipped = f"{LEXICAL_MARGIN} curated"
    best = max(table, key=mean)
    if mean(shipped) >= mean(best) - NOISE:
        best = shipped
    return best, table


ROUND_FIVE_POOL = ("reference", "other-talk", "cooking", "council")
"""The talks the round-five model was fitted on."""


def compare_pools(
    talks: dict[str, list[Instance]],
    lexical: dict[str, dict[str, list[Lexical]]],
    l2_small: float,
    l2_all: float,
) -> dict[str, dict[str, dict[str, float]]]:
    """Leave-one-talk-out over every development talk, the shipped pipeline (model, then the
    clear-words rule at ``LEXICAL_MARGIN``) fitted on the round-five pool (less the held
    talk) against the same fitted on all the other talks: does more data generalise better?"""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for held, test in talks.items():
        pools = {
            "round-five pool": (
                {n: d for n, d in talks.items() if n in ROUND_FIVE_POOL and n != held},
                l2_small,
            ),
            "all other talks": ({n: d for n, d in talks.items() if n != held}, l2_all),
        }
        for pool, (train, l2) in pools.items():
            model = fit(train, l2)
            for variant in ("kw", "nokw"):
                plain = [(model.logits(f), label) for f, label, v in test if v == variant]
                hits = [
                    hybrid(lg, lex, LEXICAL_MARGIN) == label
                    for (lg, label), lex in zip(plain, lexical[held][variant], strict=True)
                ]
                cell = table.setdefault(pool, {}).setdefault(held, {})
                cell[variant] = round(float(np.mean(hits)), 3)
    for pool, figures in table.items():
        mean = np.mean([v for talk in figures.values() for v in talk.values()])
        print(f"  {pool}: LOTO mean {mean:.3f} {figures}")
    return table


def choose_penalty(
    talks: dict[str, list[Instance]], lexical: dict[str, dict[str, list[Lexical]]]
) -> tuple[str, dict[str, dict[str, dict[str, float]]]]:
    """The L2 penalty whose whole pipeline as shipped (the model, then the clear-words rule
    of ``suggest.py``: ``LEXICAL_MARGIN``, curated vocabularies only) has the best
    leave-one-talk-out mean with and without keywords; and the model alone's LOTO per
    penalty. Round five chose it on the model alone, which favours a penalty (1.0 on eight
    talks) that the pipeline does not (10: 0.7946 -> 0.7956)."""
    loto: dict[str, dict[str, dict[str, float]]] = {}
    pipeline: dict[str, float] = {}
    for l2 in L2_GRID:
        figures: dict[str, dict[str, float]] = {}
        hits: list[float] = []
        for held, test in talks.items():
            model = fit({name: data for name, data in talks.items() if name != held}, l2)
            figures[held] = {v: round(accuracy(model, test, v), 3) for v in VARIANTS}
            for variant in ("kw", "nokw"):
                plain = [(model.logits(f), label) for f, label, v in test if v == variant]
                evidence = lexical[held][variant]
                hits.append(
                    float(
                        np.mean(
                            [
                                hybrid(lg, lex, LEXICAL_MARGIN, curated_only=True) == label
                                for (lg, label), lex in zip(plain, evidence, strict=True)
                            ]
                        )
                    )
                )
        loto[str(l2)] = figures
        pipeline[str(l2)] = float(np.mean(hits))
        alone = {v: np.mean([f[v] for f in figures.values()]) for v in VARIANTS}
        print(
            f"l2={l2:<5} LOTO model alone "
            + "  ".join(f"{v} {m:.3f}" for v, m in alone.items())
            + f"; as shipped {pipeline[str(l2)]:.4f}"
        )
    return max(pipeline, key=lambda l2: pipeline[l2]), loto


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--dry-run", action="store_true", help="report, do not write the file")
    parser.add_argument(
        "--compare-pools",
        action="store_true",
        help="also score, leaving one talk out, the round-five training pool against all talks",
    )
    args = parser.parse_args(argv)
    talks = {name: instances(*talk) for name, talk in dev_talks(args.data_dir).items()}
    print("talks:", {name: len(data) for name, data in talks.items()})
    lexical = {name: lexical_evidence(*talk) for name, talk in dev_talks(args.data_dir).items()}
    best, loto = choose_penalty(talks, lexical)
    model = fit(talks, float(best))
    live_bonus, curve = choose_live_bonus(talks, float(best))
    print(f"live bonus {live_bonus}; expected agreement by bonus: {curve}")
    margin, hybrid_table = choose_margin(talks, lexical, float(best))
    print(
        f"chosen hybrid {margin!r} (suggest.py: LEXICAL_MARGIN = {LEXICAL_MARGIN}, "
        "the words decide only with a curated vocabulary)"
    )
    if args.compare_pools:
        compare_pools(talks, lexical, ROUND_FIVE_L2, float(best))
    info = {
        "l2": float(best),
        "live_bonus": live_bonus,
        "live_share": LIVE_SHARE,
        "live_curve": curve,
        "trained_on": sorted(talks),
        "loto": loto[best],
        "hybrid": margin,
        "hybrid_loto": hybrid_table[margin],
        "note": "refit with benchmarks/fit_topics.py; held-out talks are never read",
    }
    model = LinearModel(model.features, model.scale, model.weights, info)
    print(f"chosen l2={best}; LOTO per talk: {json.dumps(loto[best])}")
    for name, weight in zip(model.features, model.weights, strict=True):
        print(f"  {name:18} {weight:+.3f}")
    if not args.dry_run:
        MODEL_FILE.write_text(model.to_json() + "\n", "utf-8")
        print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
