"""The semantic model loads offline, hints reach the moderator after the ack, and the
moderator's corrections change later suggestions."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fireside.agenda import load_agenda
from fireside.hub import Hub
from fireside.topics import DuplicateIndex, TopicSuggester
from fireside.topics.semantic import Embedder, ModelMissing

ROOT = Path(__file__).resolve().parent.parent
TALKS = ROOT / "tests" / "data" / "talks"

pytestmark = pytest.mark.usefixtures("anyio_backend")


def test_the_model_loads_with_the_network_unavailable() -> None:
    """With every socket refused and hub downloads disabled, the embeddings still load."""
    code = textwrap.dedent(
        """
        import socket
        def refuse(*args, **kwargs):
            raise OSError("network is off in this test")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        from fireside.topics.semantic import shared_embedder
        vector = shared_embedder().embed("Can I bake sourdough without a dutch oven?")
        print(vector.shape[0], round(float((vector * vector).sum()), 3))
        """
    )
    env = {"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["256", "1.0"]


def test_missing_model_files_give_a_clear_error(tmp_path: Path) -> None:
    """Without the embedding files, the error names the missing file and the fix."""
    with pytest.raises(ModelMissing, match="embedding file not found: .*weights.safetensors"):
        Embedder(tmp_path / "weights.safetensors", tmp_path / "tokenizer.json")


def test_a_topic_set_by_the_moderator_steers_later_questions() -> None:
    """After the moderator files a question under a topic, a rewording of it is suggested there."""
    suggester = TopicSuggester(load_agenda(TALKS / "council" / "agenda.toml"))
    later = "When will the potholes on Elm Avenue be repaired?"
    assert suggester.suggest(later).topic == "transport"
    # This moderator counts road repairs as spending: meaning alone would never say budget.
    suggester.learn("When will the potholes on Elm Avenue be fixed?", "budget")
    assert suggester.suggest(later).topic == "budget"
    # Only rewordings follow the correction; another question about the streets does not.
    assert suggester.suggest("Will the number 12 bus run on Sundays again?").topic == "transport"


def test_without_a_curated_vocabulary_meaning_still_files_unnamed_questions() -> None:
    """On an agenda with a few keywords a segment, a question naming none is filed by meaning."""
    suggester = TopicSuggester(load_agenda(TALKS / "council" / "agenda.toml"))
    assert suggester.suggest("Is anyone going to fill the potholes in our road?").topic == (
        "transport"
    )


def test_a_merge_makes_later_rewordings_point_to_the_target() -> None:
    """After the moderator merges a rewording into a question, the next rewording is linked."""
    index = DuplicateIndex()
    index.add(1, "Will the recipes be posted somewhere?")
    index.add(2, "Why does my hollandaise always split?")
    assert index.find("Is there a handout with everything you cooked today?") is None
    index.learn_merge("Is there a handout of today's dishes?", 1)
    assert index.find("Is there a handout with everything you cooked today?") == 1


async def test_the_hint_reaches_the_moderator_after_the_ack(hub: Hub, connect) -> None:  # type: ignore[no-untyped-def]
    """The moderator sees the question at once without a hint, then again with its hint."""
    moderator = await connect("moderator")
    attendee = await connect()
    first = await attendee.ask("Is Qwen better than Llama now?")
    ack = await attendee.ask("Has Qwen overtaken Llama?")
    assert ack["type"] == "ack"
    # Frames arrive in the order the hub sent them: the question's announcement is sent with
    # the ack, before any topic or duplicate work; had the hint been computed before the ack,
    # that first frame would already carry it.
    frames = []
    while not frames or frames[-1]["question"]["suggested_topic"] is None:
        frames.append(await moderator.expect("question"))
        if frames[-1]["question"]["id"] != ack["question_id"]:
            frames.pop()
    announced, hinted = frames[0]["question"], frames[-1]["question"]
    assert announced["suggested_topic"] is None and announced["duplicate_of"] is None
    assert hinted["suggested_topic"] == "landscape"
    assert hinted["duplicate_of"] == first["question_id"]
