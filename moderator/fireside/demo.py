"""Simulated attendees for ``fireside run --demo N``: the real client code over real sockets.

They arrive over a minute (the first few within seconds, so a new user sees questions at
once), each asks one or two questions about the reference session, and they keep voting
on what they see. Every one of them is a ``fireside_ask.session.Session``, exactly what an
attendee's terminal runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import uuid

from fireside_ask.session import Session, SessionError

log = logging.getLogger(__name__)

QUESTIONS = [
    "Is DeepSeek's cost advantage real, or is it mostly accounting?",
    "How much does it matter where an open-weights model was trained if we run it ourselves?",
    "Will Qwen keep shipping open weights now that it leads several leaderboards?",
    "Is Mistral still the European answer, or has it fallen behind the US and Chinese labs?",
    "Which open model family would you bet a two-year product roadmap on today?",
    "Are Chinese labs releasing open weights as a strategy to commoditise US products?",
    "Does Llama's licence still count as open source in your view?",
    "Where do closed models still clearly win for real work, not benchmarks?",
    "How many months behind the frontier are the best open models right now?",
    "Is long-context reasoning still the big gap between open and proprietary models?",
    "Do open models handle German and other European languages well enough for customers?",
    "Are the public benchmarks even useful for comparing open and closed models anymore?",
    "For coding assistants, can an open model replace a paid API today?",
    "How do you check a model for political censorship before deploying it?",
    "What biases did you find in models trained mostly on English web data?",
    "Is fine-tuning on our own data enough to remove a model's cultural bias?",
    "Who should be accountable when a biased answer reaches a customer?",
    "Are there good open tools to measure fairness of LLM outputs in production?",
    "How do you red-team an open model with a small team?",
    "Are agents actually in production anywhere, or still mostly demos?",
    "Do tool-calling agents get better with bigger models or are we hitting a wall?",
    "What is the most reliable agent architecture you have seen that uses open models?",
    "Is MCP going to become the standard for connecting agents to tools?",
    "How do you evaluate an agent that takes twenty steps before answering?",
    "Are we seeing diminishing returns from scaling, and what comes next?",
    "What GPU budget does a mid-size company need to self-host a 70B model?",
    "vLLM, llama.cpp or Ollama: what do you use in production and why?",
    "Does 4-bit quantisation hurt quality enough to matter for customer-facing chat?",
    "RAG or fine-tuning first, for a team with strong domain experts and little compute?",
    "How do GDPR and the AI Act change where we can host models?",
    "Can a European team without hyperscaler budgets still build a competitive product?",
    "What is a realistic monthly cost to serve an open model to ten thousand users?",
    "Is it worth running models on-prem, or is a European cloud provider good enough?",
    "Which small model would you start with on a single GPU?",
    "Will the slides be shared after the talk?",
    "Is this session being recorded?",
    "What books or courses do you recommend to get started with LLMs?",
    "Sebastian, what made you write a book about building an LLM from scratch?",
    "How do you keep up with the pace of model releases without burning out?",
    "What would you tell a CTO who still wants to wait for the next model generation?",
]
NAMES = ["Ada", "Grace", "Linus", "Guido", "Katie", "Ines", "Jakob", "Mia", "Noah", "Lea"]


async def simulated_attendee(
    url: str, index: int, rng: random.Random, context: ssl.SSLContext | None = None
) -> None:
    """One attendee: arrive, ask, then vote on what the room shows, until cancelled."""
    await asyncio.sleep(rng.uniform(0, 4) if index < 4 else rng.uniform(3, 60))
    name = rng.choice(NAMES) if rng.random() < 0.4 else None
    session = Session(url, f"demo-{uuid.uuid4().hex[:16]}", name=name, ssl=context)
    runner = asyncio.create_task(session.run())
    try:
        await asyncio.wait_for(session.connected.wait(), 30)
        for text in rng.sample(QUESTIONS, rng.choice((1, 1, 2))):
            with contextlib.suppress(SessionError):
                await session.ask(text).future
            await asyncio.sleep(rng.uniform(5, 25))
        voted: set[int] = set()
        while True:
            visible = [q["id"] for q in session.state.visible() if q["id"] not in voted]
            if visible and rng.random() < 0.7:
                # Early questions and popular ones attract more votes, as in a real room.
                choice = min(rng.sample(visible, min(3, len(visible))))
                voted.add(choice)
                with contextlib.suppress(SessionError):
                    await session.vote(choice).future
            await asyncio.sleep(rng.uniform(3, 15))
    except (TimeoutError, SessionError) as exc:
        log.warning("demo attendee %d gave up: %s", index, exc)
    finally:
        await session.close()
        runner.cancel()
        with contextlib.suppress(asyncio.CancelledError, SessionError):
            await runner


async def run_demo(
    url: str, count: int, seed: int | None = None, *, insecure_loopback: bool = False
) -> None:
    """Run ``count`` simulated attendees against the hub at ``url`` until cancelled.

    ``insecure_loopback`` skips certificate checks for a wss:// hub on this machine.
    """
    rng = random.Random(seed)
    context = None
    if insecure_loopback and url.startswith("wss://"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    tasks = [
        asyncio.create_task(simulated_attendee(url, i, random.Random(rng.random()), context))
        for i in range(count)
    ]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
