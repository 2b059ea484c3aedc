"""From a question's text to the terms that topic suggestion and duplicate search compare.

The pipeline: spelling and phrase rewrites on the raw text ("on-prem" and "self-hosted" both
become ``selfhost``, "70 billion" becomes ``70b``), words, stopwords out, a Porter stem, then a
synonym table that maps stems onto shared concepts ("overtaken", "ahead" and "trail" all mean a
comparison; "deck" means the slides). Every term keeps the word the person typed, so that the
moderator is shown "censored", never ``censor``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from fireside.topics.stem import stem


@dataclass(frozen=True)
class Term:
    """One meaningful word of a question: its concept key and the word as written."""

    key: str
    surface: str


# Done before lower-casing: "US" the country is not "us" the pronoun.
_CASED = [(re.compile(r"\bU\.?S\.?A?\b\.?|\bUnited States\b"), "usa")]

# British spellings and irregular forms, so that the stemmer sees one spelling.
_SPELLING = [
    (
        r"\b(quant|optim|organ|recogn|real|special|custom|local|final|summar|token|normal|"
        r"priorit|standard|util|visual|categor|emphas|minim|maxim|general|penal|democrat|monet|"
        r"anonym|sanit|synthes|memor|character|modern|author|commercial|central|capital|critic|"
        r"stabil|initial|parallel|vector|operational|industrial|jeopard|harmon|moral|polar)"
        r"is(e|ed|es|ing|ation|ations|er|ers)\b",
        r"\1iz\2",
    ),
    (r"\b(behavi|fav|lab|col|hon|neighb|flav|rum|hum)our", r"\1or"),
    (r"\blicen[cs]", "licens"),
    (r"\b(cent|theat|lit|met)re\b", r"\1er"),
    (r"\banaly[sz]e", "analyze"),
    (r"\bmaths\b", "math"),
    (r"\bmodell", "model"),
]

# Phrases and forms that carry one idea; each becomes a single token.
_PHRASES = [
    (r"\bgpt[- ]?oss\b", "gptoss"),
    (r"\b(\d+(?:\.\d+)?)\s*(?:b|bn|billion)\b(?:[- ]param(?:eter)?s?)?", r"\1b"),
    (r"\b(\d+)\s*(?:m|mn|million)[- ]param(?:eter)?s?\b", r"\1m"),
    (r"\b(\d+)[- ]?bits?\b", r"\1bit"),
    (r"\bon[- ]?prem(?:ise|ises)?\b|\bself[- ]?host(?:ed|ing|s)?\b|\bin[- ]house\b", "selfhost"),
    (
        r"\bair[- ]?gapp?(?:ed)?\b|\bown (?:servers?|hardware|infrastructure)\b",
        "selfhost",
    ),
    (r"\bllama[. ]?cpp\b", "llamacpp"),
    (r"\bmacbook(?: pro| air)?s?\b|\bmac ?(?:mini|studio)s?\b", "mac"),
    (r"\bopen[- ]?sourcing\b", "release"),
    (r"\bopen[- ]?(?:source[ds]?|weights?)\b|\boss\b", "open"),
    (r"\bfine[- ]?tun(?:e|ed|es|ing)\b|\bfinetun(?:e|ed|es|ing)\b", "finetune"),
    (r"\bmulti[- ]?agents?\b", "multiagent"),
    (r"\b(?:tool|function)[- ]?(?:calls?|calling|use|using|usage)\b", "toolcall"),
    (r"\bmodel context protocol\b", "mcp"),
    (r"\bretrieval[- ]augmented(?: generation)?\b", "rag"),
    (r"\bcatch(?:es|ing)? up\b|\bcaught up\b", "catchup"),
    (r"\bfall(?:s|ing)? short\b|\bfell short\b", "behind"),
    (r"\bstate[- ]of[- ]the[- ]art\b", "sota"),
    (r"\bkeep(?:ing)? up\b", "keepup"),
    (r"\bg(?:o|oes|oing|one) live\b|\bin prod\b", "production"),
    (r"\bhuman[- ]in[- ]the[- ]loop\b", "humanloop"),
    (r"\btest[- ]time\b", "testtime"),
    (r"\b(?:eu )?ai act\b", "aiact"),
    (r"\bred[- ]team(?:s|ing|ed|ers?)?\b", "redteam"),
    (r"\bgpt[- ]?(?:\d[\w.]*)?\b|\bchat ?gpt\b", "gpt"),
    (r"\bo[134](?:[- ]mini|[- ]pro)?\b", "gpt"),
    (r"\bh(?:100|200)s?\b|\ba100s?\b|\bl40s?\b|\b[rg]tx ?\d{4}s?\b|\bb200s?\b", "hardware"),
    (r"\bhugging ?face\b", "huggingface"),
    (r"\bhow long\b|\bhow much time\b|\bhow many (?:hours|days|weeks|months)\b", "duration"),
    (r"\bscaling laws?\b", "scalinglaw"),
    (r"\bweak (?:spot|point)s?\b", "weak"),
    (r"\bvs ?code\b|\bvisual studio(?: code)?\b", "editor"),
    (r"\bvs\.?\b|\bversus\b", "versus"),
    (r"\be\.g\.|\bi\.e\.", ""),
]
_SPELLING_RE = [(re.compile(a), b) for a, b in _SPELLING]
_PHRASES_RE = [(re.compile(a), b) for a, b in _PHRASES]
_WORD = re.compile(r"[a-z][a-z0-9]*|\d+[a-z][a-z0-9]*")

STOPWORDS = frozenset(
    """a about above across after again against all almost also although am among an and any
    anybody anyone anything anyway are aren around as at away back be became because become
    been before being below between both but by can cannot could couldn did didn do does doesn
    doing don done down during each either else enough ever every everyone everything exactly
    far few for from further gonna got had has hasn have haven having he hello her here hers hey hi
    him his how however i if in into is isn it its itself just least less let lets like ll ma
    may maybe me mean might mine more most much must my myself no nor not now of off often oh
    ok okay on once one ones only onto or other others otherwise our ours ourselves out over
    own per perhaps please pretty quite rather re really right s said same say see seem seems
    shall she should shouldn since so some somebody someone something sometimes somewhat still
    such sure t than thank thanks that the their theirs them themselves then there therefore
    these they thing things this those though through thus to today too toward towards
    truly under until up upon us ve very via wanna want was wasn way ways we well were weren
    what whatever when whenever where whether which while who whoever whom whose why will
    with within without won would wouldn yeah yes yet you your yours yourself yourselves
    actually currently basically generally usually already anymore really guys folks kind sort
    lot lots many question questions wonder wondering curious tell know think thoughts opinion
    view honestly seriously also else ask asking""".split()
)

# Synonym groups: every word (or its stem) maps onto the first word, the concept.
# Only true synonyms and inflections here: these keys are what topic suggestion matches, so a
# broad group ("serve" = "run") would cost topics their signal words. Looser paraphrases that
# only help to recognise the same question live in duplicates.py.
_CONCEPTS = """
closed: =closed =closed-source proprietary
selfhost: selfhost locally local offline onsite
hardware: hardware gpu gpus vram graphics accelerator accelerators
need: need needs needed require required requirement requirements necessary
censor: censor censors censored censoring censorship refuse refuses refusal refusals
politic: political politics politically
china: china chinese prc beijing
usa: usa america american americans
europe: europe european eu
german: german germany deutsch
production: =production =prod
demo: demo demos prototype prototypes poc pocs toy
slide: slide slides deck decks
record: record recording recordings recorded video videos youtube livestream stream
obtain: find get share shared sharing available upload uploaded download online post posted
rag: rag retrieval
evaluate: evaluate evaluation evaluations eval evals assess assessment test testing tests
quantize: quantize quantized quantization quants 4bit 8bit 2bit 3bit int4 int8 fp8 gguf awq gptq
good: good bad great =weak strong poor decent mediocre fine
cost: cost costs price prices pricing expensive cheap cheaper afford budget money spend tco
release: release releases released releasing publish published launch launched
continue: keep keeps continue continues stop stops quit abandon
model: model models llm llms
framework: framework frameworks toolkit sdk
recommend: recommend recommendation suggest advice advise favorite best
bias: bias biased biases unbiased fairness fair unfair prejudice discriminate discriminating
  discrimination discriminatory
hallucinate: hallucinate hallucinates hallucination hallucinations confabulate
code: code coding programming software
company: company companies business businesses enterprise enterprises firm firms organization
small: small smaller smallest tiny little
large: large larger largest big bigger biggest huge
gdpr: gdpr dsgvo privacy
licens: licens licensing licensed
agent: agent agents agentic
meta: meta facebook zuckerberg
multilingual: multilingual languages translation translate
future: future years year next
book: book books edition
"""


def _build_concepts() -> tuple[dict[str, str], dict[str, str]]:
    """Two tables: words as written -> concept, and stems -> concept."""
    by_word: dict[str, str] = {}
    by_stem: dict[str, str] = {}
    for block in re.split(r"\n(?=\S)", _CONCEPTS.strip()):
        head, _, words = block.partition(":")
        listed = words.split()
        # "=closed": the word only, not its stem ("close" is another word); then the head too.
        exact = any(word.startswith("=") for word in listed)
        for word in [("=" if exact else "") + head, *listed]:
            by_word[word.lstrip("=")] = head
            if not word.startswith("="):
                by_stem[stem(word)] = head
    return by_word, by_stem


CONCEPTS, _CONCEPT_STEMS = _build_concepts()
_LISTED = {
    word.lstrip("="): rank
    for block in re.split(r"\n(?=\S)", _CONCEPTS.strip())
    for rank, word in enumerate(block.partition(":")[2].split())
}


def listing_rank(word: str) -> int:
    """Where a word stands in its synonym group (the plain nouns come first), for labels."""
    return _LISTED.get(word, len(_LISTED))


# Words that say little about what a question asks: they still count, at a fraction of a
# content word's weight. Listed as words; looked up by their keys.
_VAGUE = """need run obtain good continue recommend model company small large future open make
    work good help mean matter difference different new approach problem issue people team case
    example year important possible practical real talk session role play current practitioner
    aware especially rely handle deal go come level long take give look start right sense
    worth point idea try happen change affect impact effect able true part specific
    certain option experience plan stuff day"""


def generic_weight(key: str) -> float:
    """How much a term counts, between 0 and 1: content words 1, vague ones much less."""
    return GENERIC.get(key, 1.0)


def _fold(text: str) -> str:
    text = text.replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=8192)
def _key(word: str) -> str:
    if word in CONCEPTS:
        return CONCEPTS[word]
    stemmed = stem(word)
    return _CONCEPT_STEMS.get(stemmed, stemmed)


GENERIC: dict[str, float] = {
    **{_key(word): 0.3 for word in _VAGUE.split()},
    # "compare" comes from the paraphrases of duplicates.py.
    **dict.fromkeys(("compare", "closed"), 0.6),
    # In a talk on AI, "AI agents" says no more than "agents".
    "ai": 0.1,
}


def _placeholders(text: str) -> tuple[str, list[Term]]:
    """Text with each known phrase replaced by a placeholder word, and the phrases' terms."""
    phrases: list[Term] = []

    def keep(key_template: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            phrases.append(
                Term(match.expand(key_template).strip(), " ".join(match.group(0).split()))
            )
            return f" zzphrase{len(phrases) - 1} "

        return replace

    for pattern, key in _CASED:
        text = pattern.sub(keep(key), text)
    text = text.lower().replace("’", "'")
    text = re.sub(r"'(?:s|re|ve|ll|d|t|m)\b", "", text)
    for pattern, replacement in _SPELLING_RE:
        text = pattern.sub(replacement, text)
    for pattern, key in _PHRASES_RE:
        text = pattern.sub(keep(key), text)
    return text, phrases


@lru_cache(maxsize=4096)
def terms(text: str) -> tuple[Term, ...]:
    """The meaningful words of ``text`` in order, each with its concept key."""
    folded, phrases = _placeholders(_fold(text))
    found = []
    for word in _WORD.findall(folded):
        if word.startswith("zzphrase"):
            phrase = phrases[int(word[8:])]
            if phrase.key:
                found.append(Term(_key(phrase.key), phrase.surface))
            continue
        if word in STOPWORDS or len(word) < 2:
            continue
        key = _key(word)
        if key in STOPWORDS:
            continue
        found.append(Term(key, word))
    return tuple(found)


def word_overlap(a: str, b: str) -> float:
    """How many concepts two texts share, as a share of all they name (0 when either names none).

    A cheap ranking (the dashboard's merge targets, most similar first); duplicates are
    found by ``DuplicateIndex``, which weighs terms and spelling slips.
    """
    keys_a = {term.key for term in terms(a)}
    keys_b = {term.key for term in terms(b)}
    return len(keys_a & keys_b) / len(keys_a | keys_b) if keys_a and keys_b else 0.0


def bigrams(found: tuple[Term, ...]) -> list[tuple[str, str]]:
    """Adjacent pairs of terms, as ``("key key", "surface surface")``."""
    return [
        (f"{a.key} {b.key}", f"{a.surface} {b.surface}")
        for a, b in zip(found, found[1:], strict=False)
        if a.key != b.key
    ]


def trigrams(word: str) -> set[str]:
    """Character trigrams of a word padded with spaces: "bias" -> " bi", "bia", "ias", "as "."""
    padded = f" {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def within_edits(a: str, b: str, limit: int) -> bool:
    """Whether ``a`` becomes ``b`` in at most ``limit`` edits: insertions, deletions,
    substitutions, and swaps of two neighbouring letters (the commonest typing slip)."""
    if abs(len(a) - len(b)) > limit:
        return False
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return False
        before, previous = previous, current
    return previous[-1] <= limit


class Spelling:
    """Finds the known word a misspelt one was meant to be ("fairnes" -> "fairness")."""

    MIN_LENGTH = 6
    """Shorter words are too easily confused ("sides" is not a typo of "slides")."""

    def __init__(self, known: dict[str, str]) -> None:
        self._known = known
        self._grams: dict[str, list[str]] = {}
        for word in known:
            if len(word) >= self.MIN_LENGTH:
                for gram in trigrams(word):
                    self._grams.setdefault(gram, []).append(word)
        self._cache: dict[str, str | None] = {}

    def key(self, word: str) -> str | None:
        """The key of the known word within one edit (two for long words), if there is one."""
        meant = self.word(word)
        return None if meant is None else self._known[meant]

    def word(self, word: str) -> str | None:
        """The known word within one edit (two for long words), if there is one."""
        if word in self._cache:
            return self._cache[word]
        found = None
        if len(word) >= self.MIN_LENGTH and word.isalpha():
            counts: dict[str, int] = {}
            grams = trigrams(word)
            for gram in grams:
                for candidate in self._grams.get(gram, ()):
                    counts[candidate] = counts.get(candidate, 0) + 1
            limit = 1 if len(word) < 9 else 2
            for candidate, shared in sorted(counts.items(), key=lambda c: (-c[1], c[0])):
                if 2 * shared / (len(grams) + len(trigrams(candidate))) < 0.3:
                    break
                # Typing slips rarely hit the first letter; "internal" is not "internlm".
                if candidate[0] == word[0] and within_edits(word, candidate, limit):
                    found = candidate
                    break
        if len(self._cache) < 10000:
            self._cache[word] = found
        return found


def known_words(texts: list[str]) -> dict[str, str]:
    """Every plain word of ``texts`` and of the synonym table, mapped to its key."""
    words = {word: _key(word) for word in CONCEPTS if word.isalpha()}
    for text in texts:
        for word in _WORD.findall(text.lower()):
            if word.isalpha() and word not in STOPWORDS:
                words.setdefault(word, _key(word))
    return words
