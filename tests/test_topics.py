"""Topic suggestion, duplicate hints and emergent groups, as the moderator sees them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fireside.agenda import default_agenda, parse_agenda
from fireside.topics import (
    DuplicateIndex,
    Suggestion,
    TopicSuggester,
    emergent_groups,
    suggest_lines,
)
from fireside.topics.stem import stem
from fireside.topics.suggest import LIVE_BONUS

ROOT = Path(__file__).resolve().parent.parent
DEV_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OWN_DATA = ROOT / "tests" / "data"

COOKING_AGENDA = """
title = "Knife to Plate: A Home Cook's Masterclass"
speakers = ["Ada Lovelace"]

[[segment]]
id = "knives"
title = "Choosing and sharpening knives"
prompt = "Which knives does a home cook really need, and how do you keep them sharp?"
duration = "10m"
keywords = ["whetstone", "honing steel", "santoku", "chef's knife", "carbon steel", "blade"]

[[segment]]
id = "sourdough"
title = "Sourdough from hobby to production"
prompt = "How do you keep a starter alive and bake a loaf with an open crumb?"
duration = "10m"
keywords = ["starter", "levain", "hydration", "crumb", "proofing", "flour", "bread"]

[[segment]]
id = "plating"
title = "Plating like a restaurant"
prompt = "How do restaurants make a plate look good, and what can you copy at home?"
duration = "10m"
keywords = ["garnish", "sauce", "presentation", "colour", "portion"]

[[segment]]
id = "qa"
title = "Your questions"
duration = "15m"
kind = "qa"
"""


@pytest.fixture(scope="module")
def suggester() -> TopicSuggester:
    return TopicSuggester(default_agenda())


@pytest.fixture(scope="module")
def cooking() -> TopicSuggester:
    return TopicSuggester(parse_agenda(COOKING_AGENDA, "cooking.toml"))


def read_jsonl(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def pair_f1(rows: list[dict[str, object]]) -> float:
    tp = fp = fn = 0
    for row in rows:
        index = DuplicateIndex()
        index.add(0, str(row["a"]))
        found = index.find(str(row["b"])) == 0
        tp += found and bool(row["duplicate"])
        fp += found and not row["duplicate"]
        fn += not found and bool(row["duplicate"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


# -- topics on the default agenda -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Will Alibaba keep publishing Qwen weights under Apache 2.0?", "landscape"),
        ("Is the open-weight race now decided between China and the US?", "landscape"),
        ("How many months behind GPT-5 are the best open models?", "gap"),
        ("Do closed models still win on long-context benchmarks?", "gap"),
        ("How do you measure gender bias in a model's answers?", "bias"),
        ("Does DeepSeek censor questions about Tiananmen?", "bias"),
        ("Is MCP the right way to give an agent tools?", "agents"),
        ("Are we seeing diminishing returns from scaling?", "agents"),
        ("How many GPUs do we need to serve a 70B model with vLLM?", "deployment"),
        ("Can we self-host under GDPR instead of using a hyperscaler?", "deployment"),
    ],
)
def test_clear_questions_get_their_agenda_topic(
    suggester: TopicSuggester, text: str, topic: str
) -> None:
    """A question plainly about one segment is suggested under that segment's id."""
    assert suggester.suggest(text).topic == topic


@pytest.mark.parametrize(
    "text",
    [
        "Where can I download the slides?",
        "Is this session being recorded?",
        "Will there be a signed copy of the book at the booth?",
        "How did you two get to know each other?",
        "What time is lunch?",
        "Can you elaborate on that?",
    ],
)
def test_off_topic_questions_are_other(suggester: TopicSuggester, text: str) -> None:
    """Logistics, personal and content-free questions land under "other", not a segment."""
    assert suggester.suggest(text).topic == "other"


def test_the_qa_segment_is_never_suggested(suggester: TopicSuggester) -> None:
    """The open Q&A segment is a time slot, not a topic: "audience questions" stay "other"."""
    assert "qa" not in suggester.topics
    assert suggester.suggest("Open questions from the audience?").topic == "other"


def test_words_explain_the_suggestion(suggester: TopicSuggester) -> None:
    """The moderator sees the words that led to the topic, as the attendee wrote them."""
    suggestion = suggester.suggest("Can fine-tuning remove the censorship baked into Qwen?")
    assert isinstance(suggestion, Suggestion)
    assert suggestion.topic == "bias"
    assert suggestion.words[0] == "censorship"
    assert suggestion.score > 0


def test_phrases_are_shown_as_typed(suggester: TopicSuggester) -> None:
    """Rewritten phrases are explained in the attendee's words ("on-prem", not a token)."""
    suggestion = suggester.suggest("Is on-prem inference with llama.cpp fast enough?")
    assert suggestion.topic == "deployment"
    assert {"on-prem", "llama.cpp"} <= set(suggestion.words)


def test_a_misspelt_topic_word_still_counts(suggester: TopicSuggester) -> None:
    """A typo such as "fairnes" or "deplyoment" still finds its topic."""
    assert suggester.suggest("How do you test for fairnes in hiring?").topic == "bias"
    assert suggester.suggest("Any deplyoment tips for kubernetes?").topic == "deployment"


def test_a_short_ordinary_word_is_not_mistaken_for_a_typo(suggester: TopicSuggester) -> None:
    """ "sides" is not read as "slides": a question about both sides is not about the slides."""
    assert suggester.suggest("What do both sides get wrong?").topic == "other"


# -- the live segment ----------------------------------------------------------------------------


BORDERLINE = "Does quantization make a model more biased?"


def test_borderline_case_is_really_borderline(suggester: TopicSuggester) -> None:
    """The example below scores bias and deployment within one live bonus of each other."""
    totals, _, _ = suggester.scores(BORDERLINE)
    assert abs(totals["bias"] - totals["deployment"]) < LIVE_BONUS


@pytest.mark.parametrize("live", ["bias", "deployment"])
def test_live_segment_tips_a_borderline_question(suggester: TopicSuggester, live: str) -> None:
    """A question that fits two topics goes to the one running when it arrived."""
    assert suggester.suggest(BORDERLINE, live_segment=live).topic == live


def test_live_segment_does_not_override_a_clear_match(suggester: TopicSuggester) -> None:
    """A clear deployment question that names Llama, asked during the landscape segment, is
    still deployment."""
    text = "Which GPUs do we need to serve Llama 70B with vLLM?"
    totals, _, _ = suggester.scores(text)
    assert totals["landscape"] > 0
    assert suggester.suggest(text, live_segment="landscape").topic == "deployment"
    assert suggester.suggest(text, live_segment="bias").topic == "deployment"


def test_live_segment_does_not_make_a_topic_out_of_nothing(suggester: TopicSuggester) -> None:
    """An off-topic question asked during a discussion segment stays "other"."""
    assert suggester.suggest("Is there a recording?", live_segment="agents").topic == "other"
    assert suggester.suggest("How did you two meet?", live_segment="gap").topic == "other"


def test_unknown_or_qa_live_segment_is_ignored(suggester: TopicSuggester) -> None:
    """During open Q&A (or with an unknown id), only the text decides."""
    text = "Does quantization make a model more biased?"
    plain = suggester.suggest(text)
    assert suggester.suggest(text, live_segment="qa") == plain
    assert suggester.suggest(text, live_segment="nope") == plain


# -- duplicates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("Is Qwen ahead of Llama now?", "Has Qwen surpassed Llama?"),
        ("How much VRAM does a 70B model need?", "What GPU memory does a 70 billion model need?"),
        ("Does DeepSeek censor political topics?", "Is DeepSeek censored on politics?"),
        ("Could you share the deck?", "Where can I get the slides?"),
        ("Is Ollama ready for production?", "Can we use Ollama in production?"),
        ("Will Meta keep open-sourcing Llama?", "Will Meta stop releasing Llama weights?"),
        ("How do you evaluate agents?", "How do you test AI agents?"),
    ],
)
def test_the_same_question_in_other_words_is_a_duplicate(earlier: str, later: str) -> None:
    """A question that asks what an earlier one asked points at that earlier question."""
    index = DuplicateIndex()
    index.add(1, "What is your favourite Python library?")
    index.add(2, earlier)
    assert index.find(later) == 2


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        ("How do you evaluate agents?", "How do you evaluate RAG pipelines?"),
        ("How do you detect gender bias?", "How do you detect political bias?"),
        ("Is Qwen good at German?", "Is Llama good at German?"),
        ("What hardware do you need for a 70B model?", "What does a 70B model cost per month?"),
        ("Where can I find the slides?", "Is there a recording of this session?"),
        ("Does quantization hurt quality?", "Does fine-tuning hurt quality?"),
    ],
)
def test_near_misses_are_not_duplicates(earlier: str, later: str) -> None:
    """Questions that share words but differ in what they ask get no duplicate hint."""
    index = DuplicateIndex()
    index.add(1, earlier)
    assert index.find(later) is None


def test_a_misspelt_duplicate_is_still_found() -> None:
    """A typo in the repeated question ("quantisaton") does not hide the duplicate."""
    index = DuplicateIndex()
    index.add(5, "Which quantization level keeps quality?")
    assert index.find("which quantisaton level keeps the quality") == 5


def test_the_best_match_wins_and_ties_go_to_the_earliest() -> None:
    """With several candidates, the hint names the closest; between equals, the first asked."""
    index = DuplicateIndex()
    index.add(10, "Is Qwen better than Llama?")
    index.add(11, "Is Qwen better than Llama?")
    index.add(12, "Is Qwen better than Llama for German?")
    assert index.find("Has Qwen overtaken Llama?") == 10
    assert index.find("Is Qwen better than Llama for German?") == 12


def test_removed_and_edited_questions_are_forgotten() -> None:
    """A rejected question is no longer hinted; an edited one is matched by its new text."""
    index = DuplicateIndex()
    index.add(1, "Where can I find the slides?")
    index.add(2, "Is there a recording?")
    index.remove(1)
    index.remove(99)
    assert index.find("Will the slides be shared?") is None
    index.add(2, "Will the slides be shared?")
    assert index.find("Where can I get the slides?") == 2
    assert index.find("Is there a recording?") is None
    assert len(index) == 1


def test_an_empty_index_and_empty_text_find_nothing() -> None:
    """The first question of a session, or one with no words, has no duplicate."""
    index = DuplicateIndex()
    assert index.find("Is Qwen better than Llama?") is None
    index.add(1, "Is Qwen better than Llama?")
    assert index.find("???") is None


# -- a custom agenda that has nothing to do with LLMs -------------------------------------------


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("How often should I sharpen my chef's knife?", "knives"),
        ("Is a whetstone better than a pull-through sharpener?", "knives"),
        ("My starter smells like acetone, is it dead?", "sourdough"),
        ("What hydration do you use for a first loaf?", "sourdough"),
        ("How do you make sauce dots look neat?", "plating"),
        ("Any tips for a garnish that doesn't look fussy?", "plating"),
        ("Where can I find the slides?", "other"),
        ("Should we self-host Llama on our own GPUs?", "other"),
    ],
)
def test_a_custom_agenda_suggests_its_own_segments(
    cooking: TopicSuggester, text: str, topic: str
) -> None:
    """A cooking agenda's segments are suggested from its own titles, prompts and keywords."""
    assert cooking.suggest(text).topic == topic


def test_a_custom_agenda_gets_no_built_in_llm_vocabulary(cooking: TopicSuggester) -> None:
    """Only the agenda's own segments are topics; LLM words do not leak into a cooking talk."""
    assert cooking.topics == ("knives", "sourdough", "plating")
    assert cooking.suggest("Which GPU do you use for vLLM inference?").topic == "other"


def test_a_custom_agenda_explains_with_its_keywords(cooking: TopicSuggester) -> None:
    """The "why" of a custom agenda's topic is its own keyword, as the attendee wrote it."""
    suggestion = cooking.suggest("What hydration do you use for a first loaf?")
    assert "hydration" in suggestion.words


def test_renamed_segments_of_the_llm_talk_keep_the_built_in_vocabulary() -> None:
    """The reference talk with other segment ids still gets its broad vocabulary."""
    source = default_agenda().to_wire()
    for number, segment in enumerate(source["segments"]):
        segment["id"] = f"part{number + 1}"
    from fireside.agenda import Agenda

    renamed = TopicSuggester(Agenda.from_wire(source))
    assert renamed.suggest("Should we use vLLM or Ollama on our own GPUs?").topic == "part5"
    assert renamed.suggest("Is alignment a form of censorship?").topic == "part3"


# -- emergent groups ----------------------------------------------------------------------------


def test_other_questions_about_slides_and_recording_are_grouped() -> None:
    """Slides questions share one label and recording questions another; loners get none."""
    questions = {
        1: "Where can I find the slides?",
        2: "Will you share the deck afterwards?",
        3: "Is this session being recorded?",
        4: "Will the recording be on YouTube?",
        5: "How did you two meet?",
        6: "Is Qwen better than Llama?",
    }
    topics = {1: "other", 2: "other", 3: "other", 4: "other", 5: "other", 6: "landscape"}
    groups = emergent_groups(questions, topics)
    assert groups[1] == groups[2] == "slides"
    assert groups[3] == groups[4] == "recording"
    assert 5 not in groups and 6 not in groups


def test_a_question_about_both_joins_the_groups_under_both_words() -> None:
    """A question asking for slides and recording links them: "recording · slides"."""
    questions = {
        1: "Where can I find the slides?",
        2: "Is there a recording?",
        3: "Slides and recording afterwards, please?",
    }
    groups = emergent_groups(questions, dict.fromkeys(questions, "other"))
    assert set(groups) == {1, 2, 3}
    assert set(groups[1].split(" · ")) == {"slides", "recording"}
    assert len(set(groups.values())) == 1


def test_only_other_questions_are_grouped() -> None:
    """Questions with an agenda topic never get an emergent label, even if they share words."""
    questions = {1: "Which GPU for vLLM?", 2: "Which GPU for Ollama?"}
    assert emergent_groups(questions, dict.fromkeys(questions, "deployment")) == {}


# -- fireside topics --json ------------------------------------------------------------------


def test_suggest_lines_gives_topics_and_duplicate_indexes() -> None:
    """Each line gets its topic and the 0-based index of an earlier line asking the same."""
    lines = [
        "Is Qwen better than Llama now?",
        "Where can I find the slides?",
        "Has Qwen overtaken Llama?",
        "",
        "Will the slides be shared after the talk?",
    ]
    results = suggest_lines(lines, default_agenda())
    assert [set(r) for r in results] == [{"text", "topic", "duplicate_of"}] * len(lines)
    assert [r["text"] for r in results] == lines
    assert [r["topic"] for r in results] == ["landscape", "other", "landscape", "other", "other"]
    assert [r["duplicate_of"] for r in results] == [None, None, 0, None, 1]


def test_suggest_lines_output_is_json() -> None:
    """The result serialises as the JSON lines that `fireside topics --json` prints."""
    results = suggest_lines(["How do you evaluate agents?"], default_agenda())
    assert json.loads(json.dumps(results[0])) == {
        "text": "How do you evaluate agents?",
        "topic": "agents",
        "duplicate_of": None,
    }


# -- the stemmer -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("caresses", "caress"),
        ("ponies", "poni"),
        ("hopping", "hop"),
        ("relational", "relat"),
        ("generalizations", "gener"),
        ("agentic", "agent"),
        ("biases", "bias"),
        ("70b", "70b"),
    ],
)
def test_stemmer_follows_porter(word: str, expected: str) -> None:
    """Inflected forms meet: "biases" and "bias", "agentic" and "agents"."""
    assert stem(word) == expected


# -- agreement with labelled sets --------------------------------------------------------------


def test_own_questions_agree_with_their_labels(suggester: TopicSuggester) -> None:
    """On our own 139 questions, written unlike the development set, 90% get their label."""
    rows = read_jsonl(OWN_DATA / "topics-own.jsonl")
    agree = sum(suggester.suggest(str(r["text"])).topic == r["topic"] for r in rows)
    assert len(rows) >= 30
    assert agree / len(rows) >= 0.9


def test_own_duplicate_pairs_reach_f1() -> None:
    """On our own labelled pairs, duplicate detection keeps an F1 of at least 0.85."""
    assert pair_f1(read_jsonl(OWN_DATA / "duplicates-own.jsonl")) >= 0.85


@pytest.mark.skipif(
    not (DEV_DATA / "questions-dev.jsonl").exists(),
    reason=f"development questions live outside the repository, in {DEV_DATA}",
)
def test_development_questions_agree_with_their_labels(suggester: TopicSuggester) -> None:
    """On the 60 labelled development questions, at least 90% get the labelled topic."""
    rows = read_jsonl(DEV_DATA / "questions-dev.jsonl")
    agree = sum(suggester.suggest(str(r["text"])).topic == r["topic"] for r in rows)
    assert agree / len(rows) >= 0.9


@pytest.mark.skipif(
    not (DEV_DATA / "duplicates-dev.jsonl").exists(),
    reason=f"development pairs live outside the repository, in {DEV_DATA}",
)
def test_development_duplicate_pairs_reach_f1() -> None:
    """On the 16 labelled development pairs, duplicate detection reaches an F1 of 0.85."""
    assert pair_f1(read_jsonl(DEV_DATA / "duplicates-dev.jsonl")) >= 0.85


@pytest.mark.e2e
def test_topics_benchmark_runs_and_reports_every_figure() -> None:
    """bench_topics.py runs on a small file and prints agreement, F1 and speed."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_topics.py"), "--questions", "50"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout[result.stdout.index("{") :])
    assert {"topics_own", "duplicates_own", "speed"} <= set(report)
    assert report["speed"]["file_lines"] == 50


def test_topics_explain_shows_what_decided_and_the_words_behind_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`fireside topics --explain` prints, under each line, what decided, each likely topic's
    probability, its matched words and features; without it the output is unchanged."""
    from fireside.cli import main

    agenda = tmp_path / "cooking.toml"
    agenda.write_text(COOKING_AGENDA, "utf-8")
    questions = tmp_path / "questions.txt"
    questions.write_text("How do I sharpen a santoku on a whetstone?\nIs there a recording?\n")
    assert main(["topics", "--agenda", str(agenda), str(questions)]) == 0
    plain = capsys.readouterr().out.splitlines()
    assert plain == [
        "knives\tHow do I sharpen a santoku on a whetstone?",
        "other\tIs there a recording?",
    ]
    assert main(["topics", "--agenda", str(agenda), "--explain", str(questions)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if not line.startswith("    ")] == plain
    first = out[1 : out.index(plain[1])]
    # A few keywords a segment are not a lexicon: on such agendas the model decides.
    assert first[0] == "    decided by the model (words and meaning)"
    assert first[1].startswith("    knives ")
    assert "whetstone 3" in first[1] and "santoku 3" in first[1]
    assert "words +" in first[1].split("; features ")[1]
    assert main(["topics", "--agenda", str(agenda), "--explain", "--json", str(questions)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["topic"] for r in rows] == ["knives", "other"]
    assert rows[1]["explain"]["candidates"][0]["topic"] == "other"
    assert rows[1]["explain"]["candidates"][0]["words"] == [["recording", 3.0]]
    # With the reference talk's curated vocabulary, unambiguous words decide.
    questions.write_text("Which GPUs do we need to serve Llama 70B with vLLM?\n")
    assert main(["topics", "--explain", str(questions)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        "deployment\tWhich GPUs do we need to serve Llama 70B with vLLM?",
        "    decided by the agenda's words, unambiguous",
    ]


class CountingIndex(DuplicateIndex):
    """A duplicate index that counts how many questions' key weights it sums."""

    sums = 0

    def _sum(self, keys: frozenset[str]) -> float:
        self.sums += 1
        return super()._sum(keys)


def test_a_growing_index_never_pauses_to_reweigh_every_question_at_once() -> None:
    """Each question added reweighs a handful of earlier ones, never the whole session (a walk
    of 17,000 questions held the hub's loop 48 ms), and every earlier one is reweighed before
    the index has grown by half again; its vector table grows without copying what it holds."""
    index = CountingIndex()
    first_block = None
    subjects = ["licence", "benchmark", "quantization", "agents", "latency", "tokenizer"]
    growths = 0
    for number in range(1, 1101):
        before, waiting = index.sums, len(index._stale)
        text = f"What about {subjects[number % 6]} number {number} and {subjects[number % 5]}?"
        index.add(number, text)
        assert index.sums - before <= 5, f"{index.sums - before} reweighed at question {number}"
        if len(index._stale) > waiting:  # grown by half: a new round of reweighing begins
            growths += 1
            assert waiting == 0, f"{waiting} still waiting from the last round at {number}"
        first_block = first_block if first_block is not None else index._blocks[0]
    assert growths >= 9
    assert len(index._blocks) > 1 and index._blocks[0] is first_block  # added, not copied
