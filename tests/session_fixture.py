"""A realistic session built through a real hub: 40 questions in every state.

Used by the snapshot tests (and handy for trying the dashboard by hand). Everything goes
through the wire protocol with plain ``websockets`` clients, as attendees and a moderator.
The hub runs on its own thread with fixed wall and monotonic clocks, so every time on
screen is the same on every run.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fireside.hub import HubConfig
from fireside.runner import HubThread

from .export_session import Wire

TOKEN = "snapshot-token"
#: Ten minutes before the reference session's planned start (10:30 in Munich).
START = datetime.fromisoformat("2026-04-14T10:20:00+02:00").timestamp()

LONG = (
    "We run a regulated insurance business in Germany and our compliance team asks whether "
    "an open-weights model that we host ourselves counts as a 'general purpose AI system' "
    "under the AI Act, who is the provider in that case, what documentation we would have "
    "to produce for the model card and the training data, and whether fine-tuning it on our "
    "own claims data changes our obligations compared to simply calling a hosted API from "
    "one of the big US vendors. How do other teams in Europe handle this, practically?"
)[:500]

QUESTIONS: list[tuple[str, str | None]] = [
    ("Is Qwen better than Llama now for most practical tasks?", "Ada"),
    ("Why did DeepSeek's release cause such a stir?", None),
    ("How far behind the frontier are the best open models?", "Grace"),
    (LONG, "Jakob"),
    ("中国的开源模型在欧洲企业中能放心使用吗？", None),
    ("日本語の性能はオープンモデルでどのくらいですか？", "Yuki"),
    ("Wie gut sind offene Modelle auf Deutsch, ehrlich gesagt? 🇩🇪", None),
    ("Какие модели вы бы выбрали для русского языка?", None),
    ("هل النماذج المفتوحة جيدة باللغة العربية؟", None),
    ("Are agents in production anywhere, or still demos? 🤖", "Linus"),
    ("What GPU budget does a mid-size company need for a 70B model?", None),
    ("vLLM, llama.cpp or Ollama for production?", "Mia"),
    ("Does 4-bit quantisation hurt quality much?", None),
    ("RAG or fine-tuning first for a small team?", None),
    ("How do you test a model for political censorship?", "Lea"),
    ("What biases come from English-heavy training data?", None),
    ("Is MCP becoming the standard for tool use?", None),
    ("Will the slides be shared after the talk?", None),
    ("Is there a recording of this session?", None),
    ("👩‍💻 Which small model would you start with on one GPU?", "Noah"),
    ("Are we seeing diminishing returns from scaling?", None),
    ("Can a European team compete without hyperscaler compute?", "Katie"),
    ("What does GDPR mean for self-hosting LLMs?", None),
    ("Is Mistral still the European answer?", None),
    ("How do you evaluate an agent that takes twenty steps?", None),
    ("Will Meta keep releasing open weights?", None),
    ("Do open models close the gap on coding tasks?", None),
    ("What is a realistic monthly cost to serve 10k users?", None),
    ("Who is accountable when a biased answer reaches a customer?", None),
    ("Do you recommend a book to get started? 📚", None),
    ("[bold red]Rich markup[/] and **Markdown** stay literal", None),
    ("Buy followers now!!! cheap-likes.example", None),
    ("asdfgh", None),
    ("Is it true that Qwen beats Llama on most tasks now?", None),
    ("Are the slides going to be online?", None),
    ("Is long-context reasoning still a gap for open models?", None),
    ("Which open model family for a two-year roadmap?", None),
    ("How do you red-team a model with a small team?", None),
    ("Is on-prem worth it, or is a European cloud enough?", None),
    ("What would you tell a CTO who wants to wait?", "Sebastian fan"),
]
REJECTED = (32, 33)
MERGED = {34: 1, 35: 18}
APPROVED = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 20, 21, 22, 23)
PINNED = (22,)
ON_AIR = 3
ANSWERED = (2, 10, 15)


def build_session(url: str, now: list[float]) -> None:
    """Ask, vote and moderate through the hub until it holds the reference session."""
    for index, (text, name) in enumerate(QUESTIONS, start=1):
        now[0] = START - 3600 + index * 60
        attendee = Wire(url, name=name)
        attendee.request({"type": "ask", "text": text})
        attendee.close()
    moderator = Wire(url, role="moderator", token=TOKEN)
    for question_id in APPROVED:
        moderator.request({"type": "approve", "question_id": question_id})
    for question_id in REJECTED:
        moderator.request({"type": "reject", "question_id": question_id})
    for source, target in MERGED.items():
        moderator.request({"type": "merge", "question_id": source, "into": target})
    for question_id in PINNED:
        moderator.request({"type": "pin", "question_id": question_id, "pinned": True})
    moderator.request({"type": "topic", "question_id": 11, "topic": "deployment"})
    moderator.request(
        {
            "type": "edit",
            "question_id": 13,
            "text": "Does 4-bit quantisation hurt answer quality much?",
        }
    )
    for question_id in ANSWERED:
        moderator.request({"type": "on_air", "question_id": question_id})
    moderator.request({"type": "on_air", "question_id": ON_AIR})
    voters = [Wire(url) for _ in range(9)]
    for count, voter in enumerate(voters):
        for question_id in (1, 4, 9, 11, 12, 20, 21, 22, 23)[: count + 1]:
            voter.request({"type": "vote", "question_id": question_id})
        voter.close()
    now[0] = START
    moderator.request({"type": "clock", "action": "start"})
    # Paused exactly half-way (135 of 270 s), so the progress bar has no half-filled cell
    # whose rendering could differ by a hair between runs.
    now[0] = START + 135
    moderator.request({"type": "clock", "action": "pause"})
    moderator.close()


def start_session_hub(db_path: Path) -> tuple[HubThread, str]:
    """A hub on a free port holding the reference session, with the clock frozen."""
    now = [START - 3600]
    config = HubConfig(db_path=db_path, host="127.0.0.1", port=0, token=TOKEN)
    runner = HubThread(config, clock=lambda: now[0], monotonic=lambda: now[0])
    hub = runner.start()
    url = f"ws://127.0.0.1:{hub.port}"
    build_session(url, now)
    return runner, url
