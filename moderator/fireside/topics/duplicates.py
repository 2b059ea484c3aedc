"""Duplicate questions: an earlier question that asks the same thing, in the same or other words.

A question becomes the set of its concept keys (stems after synonyms, so "overtaken" meets
"better" and "on-prem" meets "self-host"). Two questions are compared with a weighted Jaccard
index: the weight of the keys they share over the weight of all their keys. Content words weigh
1, vague words ("need", "good", "model") a fraction, and a key that many questions of the
session contain weighs less, so "agents" in an agents-heavy session no longer carries a match
alone. Words that differ therefore count heavily: "evaluate agents" and "evaluate RAG
pipelines" share only "evaluate" and stay apart. Misspelt keys (one edit apart) still meet.
"""

from __future__ import annotations

import difflib
import heapq
from collections import defaultdict

import numpy as np

from fireside.topics.pairs import (
    CONTRAST,
    DETAIL,
    TYPO_CREDIT,
    TYPO_MIN_LENGTH,
    frame,
    one_edit,
    question_keys,
    score,
)
from fireside.topics.semantic import DIMENSIONS, Embedder, Vector, shared_embedder
from fireside.topics.text import generic_weight, terms

THRESHOLD = 0.55
"""Similarity from which two questions count as the same in words. Chosen with
``RESIDUAL_AGREEMENT`` by leave-one-talk-out over the eight development talks' pairs
(``benchmarks/fit_duplicates.py --rules``; mean F1 0.570 at round five's 0.45 / 0.12, 0.651
choosing on the other talks, without more false hints in the 318-question session): at 0.45
sentences with one key word swapped ("Should the CISO report to the CEO or the CTO / the
board?", "hollandaise / mayonnaise") passed on every talk without a curated vocabulary. The
reference talk pays for it: seven of its paraphrases that share most words are now left to
the meaning match, which misses them ("Will the recording be online?" / "Is this session
being recorded?")."""
MAX_CANDIDATES = 32
"""Candidates scored in full per question, the strongest by shared distinctive weight."""
COMMON_POSTINGS = 200
"""A key in more questions than this (or a fifth of them) is only used to rank candidates."""
RESCORE_MARGIN = 0.1
"""Candidates scoring this close below the threshold are scored again exactly."""
SEMANTIC_THRESHOLD = 0.50
"""Cosine from which two questions that share too few words count as the same, measured after
taking away what the session's questions have in common (see SESSION_PRIOR)..."""
SEMANTIC_LEXICAL_CEILING = 0.35
"""...as long as their words are not this alike: two questions that share most words but
not the key one ("gender bias" / "political bias") are near misses, and their meanings are
close too. Both chosen on the development pairs (reference, ours, other-talk, cooking,
council) for the best mean F1; from 0.48 to 0.54 it moves by 0.02."""
SESSION_PRIOR = 20
"""The session's mean question vector is taken away before comparing, shrunk towards none as
if this many empty questions had been asked. In a session about one subject every question
is close to every other in meaning; without this, a 318-question session of distinct
questions got 124 duplicate hints, with it 24, and no pair set's F1 went down."""
SAME_FRAME = 0.6
"""Word-sequence similarity (stopwords included) from which two questions are the same
sentence with a word swapped ("Does quantization / fine-tuning hurt quality?"): their meanings
are close because their frames are, so only the lexical score may call them duplicates."""
RESIDUAL_AGREEMENT = 0.06
"""Least cosine between the words that differ (see ``_residual_agreement``), chosen with
``THRESHOLD`` by leave-one-talk-out (round five's 0.12 was set on five talks' pairs, where 13
of 14 near misses below the lexical ceiling fell under it and 24 of 29 paraphrases above)."""
RETRIEVAL_WEIGHT = 0.6
"""Words at least this distinctive find candidates; vaguer ones only add to their score."""


BLOCK_ROWS = 1024
"""Rows per block of the duplicate index's vector table (1 MiB of float32 each)."""

REFRESH_PER_ADD = 4
"""Cached totals refreshed with each question added, once the index has grown by half: all of
them within the next quarter of that growth, and no walk of the whole index at once (that
walk took 7 ms at 2,300 questions and 48 ms at 17,000, inside one hint step on the hub's
event loop, where every ask arriving meanwhile waited; docs/performance.md, issue 17). The
totals only choose which candidates to score again with today's weights (``_scored``)."""


class DuplicateIndex:
    """The questions asked so far, searchable for one that asks what a new one asks."""

    def __init__(self, embedder: Embedder | None = None) -> None:
        self._embedder = embedder or shared_embedder()
        self._rows: dict[int, int] = {}
        """Entry id -> its row of the vector table; rows of removed entries are zeroed, not
        reused."""
        self._blocks: list[Vector] = []
        """The vector table, ``BLOCK_ROWS`` rows a block: a block is added, the table never
        copied (a table doubling in one step took 10 ms at 4,096 rows, 38 ms at 16,384,
        inside a hint step on the hub's event loop)."""
        self._row_ids: list[int] = []
        self._aliases: dict[int, int] = {}
        """Entry id -> question id, for texts learned from merges (negative entry ids)."""
        self._next_alias = -1
        self._live = np.zeros(0, bool)
        self._vector_sum: Vector = np.zeros(DIMENSIONS, np.float32)
        self._texts: dict[int, str] = {}
        """Each entry's text, for telling a swapped word from a paraphrase."""
        self._keys: dict[int, frozenset[str]] = {}
        self._order: dict[int, int] = {}
        """Insertion order, so that the earliest of equally similar questions wins."""
        self._postings: dict[str, set[int]] = defaultdict(set)
        self._df: dict[str, int] = defaultdict(int)
        self._totals: dict[int, float] = {}
        """Each question's summed key weights, all refreshed when the index grows by half: a
        key's share of questions, hence its weight, changes slowly as a session grows."""
        self._totals_size = 0
        self._stale: list[int] = []
        """Entries whose total waits for its refresh, ``REFRESH_PER_ADD`` per question added."""
        self._added = 0

    def __len__(self) -> int:
        return len(self._keys)

    def add(self, question_id: int, text: str) -> None:
        """Index a question (again, after an edit: the old text is forgotten, the texts
        learned from merges into it are kept)."""
        self._remove_entry(question_id)
        self._add_entry(question_id, text)

    def learn_merge(self, source_text: str, target_id: int) -> None:
        """The moderator merged a question asking ``source_text`` into ``target_id``: later
        questions like either text point to the target."""
        if target_id not in self._keys:
            return
        alias = self._next_alias
        self._next_alias -= 1
        self._aliases[alias] = target_id
        self._add_entry(alias, source_text)

    def _add_entry(self, entry: int, text: str) -> None:
        vector = self._embedder.centered(text)
        row = len(self._row_ids)
        if row == len(self._live):
            self._blocks.append(np.zeros((BLOCK_ROWS, DIMENSIONS), np.float32))
            self._live = np.concatenate([self._live, np.zeros(BLOCK_ROWS, bool)])
        self._rows[entry] = row
        self._blocks[row // BLOCK_ROWS][row % BLOCK_ROWS] = vector
        self._live[row] = True
        self._vector_sum += vector
        self._texts[entry] = text
        self._row_ids.append(entry)
        question_id = entry
        keys = question_keys(text)
        self._keys[question_id] = keys
        self._order[question_id] = self._added
        self._added += 1
        for key in keys:
            self._postings[key].add(question_id)
            self._df[key] += 1
        self._totals[question_id] = self._sum(keys)
        if len(self._keys) > self._totals_size * 1.5 + 5:
            self._totals_size = len(self._keys)
            self._stale = list(self._keys)
        for _ in range(min(REFRESH_PER_ADD, len(self._stale))):
            entry = self._stale.pop()
            if entry in self._keys:
                self._totals[entry] = self._sum(self._keys[entry])

    def remove(self, question_id: int) -> None:
        """Forget a question (rejected, or merged into another); unknown ids are ignored."""
        for alias in [a for a, target in self._aliases.items() if target == question_id]:
            del self._aliases[alias]
            self._remove_entry(alias)
        self._remove_entry(question_id)

    def _remove_entry(self, question_id: int) -> None:
        row = self._rows.pop(question_id, None)
        if row is not None:
            block = self._blocks[row // BLOCK_ROWS]
            self._vector_sum -= block[row % BLOCK_ROWS]
            block[row % BLOCK_ROWS] = 0.0
            self._live[row] = False
            del self._texts[question_id]
        keys = self._keys.pop(question_id, None)
        if keys is None:
            return
        del self._order[question_id], self._totals[question_id]
        for key in keys:
            self._postings[key].discard(question_id)
            self._df[key] -= 1
            if not self._df[key]:
                del self._df[key], self._postings[key]

    def find(self, text: str) -> int | None:
        """The id of an indexed question asking the same as ``text``, or None.

        The most similar one wins; among equally similar ones, the earliest added.
        """
        best = self.matches(text, limit=1)
        if best:
            return best[0][0]
        return self._closest_in_meaning(text)

    def _closest_in_meaning(self, text: str) -> int | None:
        """The question closest in meaning, if at SEMANTIC_THRESHOLD: one paraphrase that
        shares too few words for the lexical score ("Is Llama falling behind?" / "Has Meta's
        Llama lost its lead?"), and not the same sentence with its key word swapped."""
        count = len(self._rows)
        if not count:
            return None
        size = len(self._row_ids)
        mean = self._vector_sum / (count + SESSION_PRIOR)
        vector = self._embedder.centered(text)
        # The cosines of (row - mean) and (vector - mean), from two products instead of a
        # copy of the index: rows and vector have length 1.
        with_mean = np.concatenate([block @ mean for block in self._blocks])[:size]
        with_vector = np.concatenate([block @ vector for block in self._blocks])[:size]
        mean_square = float(mean @ mean)
        dots = with_vector - with_mean - float(mean @ vector) + mean_square
        norms = np.sqrt(np.maximum(1 - 2 * with_mean + mean_square, 1e-9))
        norm = np.sqrt(max(1 - 2 * float(mean @ vector) + mean_square, 1e-9))
        cosines = np.where(self._live[:size], dots / (norms * norm), -1.0)
        row = int(np.argmax(cosines))
        if float(cosines[row]) < SEMANTIC_THRESHOLD:
            return None
        entry = self._row_ids[row]
        keys, other = question_keys(text), self._keys[entry]
        if self.similarity(keys, other) >= SEMANTIC_LEXICAL_CEILING:
            return None
        earlier = self._texts[entry]
        sequence = difflib.SequenceMatcher(None, frame(text), frame(earlier), autojunk=False)
        if sequence.ratio() >= SAME_FRAME:
            return None
        if self._residual_agreement(text, keys, earlier, other) < RESIDUAL_AGREEMENT:
            return None
        return self._aliases.get(entry, entry)

    def _residual_agreement(
        self, text: str, keys: frozenset[str], earlier: str, earlier_keys: frozenset[str]
    ) -> float:
        """Cosine between the words each question has and the other lacks (1 if either adds
        nothing): in a paraphrase they say the same thing in other words ("falling behind" /
        "lost its lead"), in a near miss they are the different subjects ("hardware" /
        "cost per month")."""
        own = " ".join(t.surface for t in terms(text) if t.key not in earlier_keys)
        theirs = " ".join(t.surface for t in terms(earlier) if t.key not in keys)
        if not own or not theirs:
            return 1.0
        return float(self._embedder.embed(own) @ self._embedder.embed(theirs))

    def matches(self, text: str, limit: int = 3) -> list[tuple[int, float]]:
        """Up to ``limit`` indexed questions at or above the threshold, most similar first."""
        keys = question_keys(text)
        memo = {key: self.weight(key) for key in keys}
        shared, vague = self._candidates(keys, memo)
        scored = self._scored(keys, memo, shared, vague)
        result: list[tuple[int, float]] = []
        for similarity, _, candidate in sorted(scored):
            question = self._aliases.get(candidate, candidate)
            if question not in (q for q, _ in result):
                result.append((question, -similarity))
        return result[:limit]

    def _candidates(
        self, keys: frozenset[str], memo: dict[str, float]
    ) -> tuple[dict[int, float], list[str]]:
        """The questions sharing a distinctive key with ``keys``, each with the weight of the
        distinctive keys shared (at most ``MAX_CANDIDATES``, the most shared), and the vague
        keys of the question, which only add to a candidate's score."""
        # Candidates share a distinctive word; the vague words they share are added after, so
        # that "model", in half the questions, does not make half the index a candidate.
        distinctive = [key for key in keys if generic_weight(key) >= RETRIEVAL_WEIGHT] or keys
        vague = [key for key in keys if key not in distinctive]
        # Walk the rarest keys' postings first; once enough candidates are found, a key in
        # a large share of the session adds only questions that share little else.
        shared: dict[int, float] = {}
        common_share = max(COMMON_POSTINGS, len(self._keys) // 5)
        for key in sorted(distinctive, key=lambda k: len(self._postings.get(k, ()))):
            postings = self._postings.get(key, ())
            if len(postings) > common_share and len(shared) >= MAX_CANDIDATES:
                for candidate in shared:  # still credit the candidates already found
                    if candidate in postings:
                        shared[candidate] += memo[key]
                continue
            weight = memo[key]
            for candidate in postings:
                shared[candidate] = shared.get(candidate, 0.0) + weight
        if len(shared) > MAX_CANDIDATES:
            # Keep the cost per question flat as the session grows: only the questions that
            # share the most distinctive weight can reach the threshold in practice.
            shared = dict(heapq.nlargest(MAX_CANDIDATES, shared.items(), key=lambda kv: kv[1]))
        return shared, vague

    def _scored(
        self,
        keys: frozenset[str],
        memo: dict[str, float],
        shared: dict[int, float],
        vague: list[str],
    ) -> list[tuple[float, int, int]]:
        """The candidates at or above the threshold as (-similarity, order added, entry)."""
        query_total = sum(memo[key] for key in keys)
        long_keys = [key for key in keys if len(key) >= TYPO_MIN_LENGTH]
        totals, all_keys = self._totals, self._keys
        contrast_weight = 2 * CONTRAST
        scored = []
        for candidate, common in shared.items():
            candidate_keys = all_keys[candidate]
            for key in vague:
                if key in candidate_keys:
                    common += memo[key]
            extra_a = query_total - common
            extra_b = totals[candidate] - common
            # score(), inlined: this loop runs for every candidate of every question.
            if extra_a < extra_b:
                spread = common + contrast_weight * extra_a + DETAIL * (extra_b - extra_a)
            else:
                spread = common + contrast_weight * extra_b + DETAIL * (extra_a - extra_b)
            similarity = common / spread if spread > 0 else 0.0
            if similarity >= THRESHOLD - RESCORE_MARGIN:
                # Close enough to count: score again with today's weights, not the cached
                # total, so that two identical questions score the same.
                similarity = self._exact(keys, candidate_keys, memo, long_keys)
            elif long_keys:
                extra_a, extra_b = max(extra_a, 0.0), max(extra_b, 0.0)
                # Could one misspelt word (weight at most 1) lift it over? Only then look.
                most = min(extra_a, extra_b, 1.0)
                if score(common + most, extra_a - most, extra_b - most) >= THRESHOLD:
                    similarity = self._exact(keys, candidate_keys, memo, long_keys)
            if similarity >= THRESHOLD:
                scored.append((-similarity, self._order[candidate], candidate))
        return scored

    def _exact(
        self,
        keys: frozenset[str],
        candidate_keys: frozenset[str],
        memo: dict[str, float],
        long_keys: list[str],
    ) -> float:
        """The similarity from current weights, misspellings included."""
        for key in candidate_keys:
            if key not in memo:
                memo[key] = self.weight(key)
        shared = sum(memo[k] for k in keys if k in candidate_keys)
        extra_a = sum(memo[k] for k in keys if k not in candidate_keys)
        extra_b = sum(memo[k] for k in candidate_keys if k not in keys)
        return self._with_typos(long_keys, candidate_keys, shared, extra_a, extra_b)

    def _with_typos(
        self,
        long_keys: list[str],
        candidate_keys: frozenset[str],
        shared: float,
        extra_a: float,
        extra_b: float,
    ) -> float:
        """The score again, counting a word one edit from a word of the other as shared."""
        theirs = [k for k in candidate_keys if len(k) >= TYPO_MIN_LENGTH]
        for x in long_keys:
            if x in candidate_keys:
                continue
            for y in theirs:
                if y[0] == x[0] and abs(len(x) - len(y)) <= 1 and one_edit(x, y):
                    weight_x, weight_y = self.weight(x), self.weight(y)
                    shared += TYPO_CREDIT * min(weight_x, weight_y)
                    extra_a -= weight_x
                    extra_b -= weight_y
                    theirs.remove(y)
                    break
        return score(shared, max(extra_a, 0.0), max(extra_b, 0.0))

    def _sum(self, keys: frozenset[str]) -> float:
        return sum(self.weight(key) for key in keys)

    def weight(self, key: str) -> float:
        """A key's weight: content 1, vague words less, and less again the commoner it is."""
        share = self._df.get(key, 0) / (len(self._keys) + 20)
        return generic_weight(key) / (1 + 2 * share)

    def similarity(self, a: frozenset[str], b: frozenset[str]) -> float:
        """How alike two questions' key sets are, between 0 and 1.

        A weighted Jaccard index that tells contrast from detail: what each question has and
        the other lacks is a different subject ("gender bias" / "political bias") and weighs
        ``CONTRAST`` times; what only one adds is the same subject asked more precisely
        ("...in months") and weighs ``DETAIL`` times. Plain Jaccard is CONTRAST = DETAIL = 1.
        A word one edit away from a word of the other question counts as (nearly) shared.
        """
        shared = sum(self.weight(k) for k in a & b)
        if not shared:
            return 0.0
        extra_a = sum(self.weight(k) for k in a - b)
        extra_b = sum(self.weight(k) for k in b - a)
        long_keys = [key for key in a if len(key) >= TYPO_MIN_LENGTH]
        return self._with_typos(long_keys, b, shared, extra_a, extra_b)
