"""The session record (``fireside export``): golden files, escaping, structure, snapshots, CLI.

The golden files in ``tests/golden/`` are the reviewed record of the session that
``tests/export_session.py`` plays through a real hub: ``session.md`` with the default
options, ``session-names-pending.md`` with ``--names --include-pending``. After an intended
change to the export, regenerate them, then read the diff and the rendered result before
committing:

    FIRESIDE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_export.py -k golden

Markdown is checked by parsing it with markdown-it-py (the parser behind Textual's Markdown
widget) in its ``commonmark`` and ``gfm-like`` presets, the latter with tables,
strikethrough and linkify (GitHub's extended autolinks).
"""

from __future__ import annotations

import html
import importlib.util
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from markdown_it.token import Token

from fireside.agenda import Agenda, Segment
from fireside.export import escape_markdown, render_export
from fireside.hub import HubConfig
from fireside.markdown import duration, over_under, zone_label
from fireside.room import Question
from fireside.runner import HubThread
from fireside.store import Store, event_write, meta_write, question_write, vote_write

from .export_session import Wire, build_session_db

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("FIRESIDE_UPDATE_GOLDEN") == "1"

PARSERS = {
    "commonmark": MarkdownIt("commonmark"),
    "commonmark+table": MarkdownIt("commonmark").enable(["table", "strikethrough"]),
    "gfm-like": MarkdownIt("gfm-like"),  # tables, strikethrough, linkify
}
assert PARSERS["gfm-like"].options["linkify"], "linkify-it-py is needed to test autolinks"

#: Token types no user text may ever produce.
FORBIDDEN = {
    "link_open",
    "image",
    "html_inline",
    "html_block",
    "code_inline",
    "code_block",
    "fence",
    "em_open",
    "strong_open",
    "s_open",
    "blockquote_open",
    "hr",
    "softbreak",
    "hardbreak",
}


def expected_text(text: str) -> str:
    """What a text must render as: white space collapsed, the e-mail ``@`` joined."""
    collapsed = " ".join(text.replace("\0", "\ufffd").split())
    return re.sub(r"(?<=[A-Za-z0-9.+_-])@", "\u2060@", collapsed)


def walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)


# --- 1. golden files of a session played through the real hub ---------------------------


@dataclass(frozen=True)
class Session:
    db: Path
    token: str


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """The reference session, played once through a real hub for the whole module."""
    db = tmp_path_factory.mktemp("session") / "fireside.db"
    token = build_session_db(db)
    return Session(db, token)


def check_golden(name: str, markdown: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(markdown, encoding="utf-8")
    assert path.exists(), f"no golden file {path}; run with FIRESIDE_UPDATE_GOLDEN=1"
    assert markdown == path.read_text(encoding="utf-8"), (
        f"the export differs from {path.name}; if the change is intended, regenerate with "
        "FIRESIDE_UPDATE_GOLDEN=1 and review the diff"
    )


def test_golden_record_of_a_real_session(session: Session) -> None:
    """The default record of a whole session reads exactly as the reviewed file."""
    check_golden("session.md", render_export(session.db))


def test_golden_record_with_names_and_pending_questions(session: Session) -> None:
    """With --names --include-pending the record adds who asked and the untriaged ones."""
    check_golden(
        "session-names-pending.md", render_export(session.db, names=True, include_pending=True)
    )


def test_default_record_names_nobody_and_lists_no_pending_question(session: Session) -> None:
    """By default no attendee name and no untriaged question text is published."""
    markdown = render_export(session.db)
    for name in ("Ada", "Grace", "Katie", "Yuki", "Sebastian fan", "onerror"):
        assert name not in markdown
    assert "— asked by" not in markdown
    assert "diminishing returns from scaling" not in markdown  # pending #20
    assert "- 3 questions never triaged" in markdown


def test_record_holds_no_markup_from_attendees(session: Session) -> None:
    """Links, images, HTML and markup typed as questions render as plain text."""
    markdown = render_export(session.db, names=True, include_pending=True)
    for parser in PARSERS.values():
        types = {token.type for token in walk(parser.parse(markdown))}
        assert not types & {"link_open", "image", "html_inline", "html_block", "code_inline"}
        assert not types & {"s_open", "blockquote_open", "fence", "code_block", "hr"}
    text = "".join(
        token.content for token in walk(PARSERS["gfm-like"].parse(markdown)) if token.type == "text"
    )
    assert "<script>alert('hi')</script> Is <b>HTML</b> escaped in the record?" in text
    assert "~~not struck~~ &amp; stays &amp;" in text
    assert "asked by <img src=x onerror=alert(1)>" in text


def test_record_never_contains_the_moderator_token(session: Session) -> None:
    """The token kept in the database is never written into the record."""
    assert len(session.token) > 10
    for names in (False, True):
        for pending in (False, True):
            assert session.token not in render_export(
                session.db, names=names, include_pending=pending
            )


def test_same_database_gives_the_same_bytes(session: Session, tmp_path: Path) -> None:
    """Exporting twice, or from a copy elsewhere, gives byte-identical records."""
    copy = tmp_path / "elsewhere" / "copy.db"
    copy.parent.mkdir()
    source = sqlite3.connect(session.db)
    target = sqlite3.connect(copy)
    source.backup(target)
    source.close()
    target.close()
    first = render_export(session.db, names=True, include_pending=True)
    assert render_export(session.db, names=True, include_pending=True) == first
    assert render_export(copy, names=True, include_pending=True) == first


# --- 2. escape_markdown on its own -----------------------------------------------------

FRAGMENTS = [
    "https://x.example/a?b=c#d", "http://a.b", "www.example.org", "WWW.EXAMPLE.ORG",
    "example.com", "me@example.com", "mailto:a@b.co", "xmpp:a@b.co", "ftp://x.y",
    "<b>", "</i>", "<http://a.b>", "<me@x.y>", "<!-- c -->", "<?php ?>", "<![CDATA[x]]>",
    "&amp;", "&#64;", "&#x40;", "&lt;", "&nbsp;", "`", "``", "```", "~~~", "~~x~~",
    "# ", "## ", "#", "- ", "+ ", "* ", "1. ", "2) ", "> ", "|", "| --- |", "\\", "\\|",
    "*", "_", "**", "__", "[a](b)", "![i](s.png)", "[x]: /u", "[^1]", "[x]", "$x$", "$$",
    ":smile:", "---", "===", "***", "    ", "\t", "\n", "\r\n", "\r", " ", "\x00", "@",
    "foo", "中文", "🤖", "👩‍💻", "\u00a0", "\u2028", "\u2060", "é", "(c)", "...", "--",
    "\"q\"", "'q'", "{", "}", "^", "=", "%", ";", "?", "!", ".", ":", "&",
    # Escaped only in some positions: next to letters, at the ends, inside link shapes.
    "a_b", "_a", "C#", " #", " ##", "&x;", "&#1;", "R&D", "0.", "9)", "123456789.",
    "hf.co", "x.com", "a.b.c.de", "//localhost", "localhost", "MAILTO:", "WwW.", "://",
    "llama.cpp", "user@host.io", "a\\", "\\b", "\\.", "x:/", "1.1.1.1",
]  # fmt: skip

ascii_text = st.text(st.characters(min_codepoint=0, max_codepoint=127), max_size=12)
any_text = st.text(max_size=6)
user_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), ascii_text, any_text), max_size=12).map(
    "".join
)


def inline_children(tokens: list[Token], index: int = 0) -> list[Token]:
    inlines = [token for token in tokens if token.type == "inline"]
    children = inlines[index].children
    assert children is not None
    return children


def only_text(children: list[Token], expected: str) -> None:
    assert [c.type for c in children] == ["text"], [(c.type, c.content) for c in children]
    assert children[0].content == expected


def block_types(tokens: list[Token]) -> list[str]:
    return [token.type for token in tokens]


PARAGRAPH = ["paragraph_open", "inline", "paragraph_close"]
LIST = ["bullet_list_open", "list_item_open", *PARAGRAPH, "list_item_close", "bullet_list_close"]
HEADING = ["heading_open", "inline", "heading_close"]
ROW = ["tr_open", "td_open", "inline", "td_close", "td_open", "inline", "td_close", "tr_close"]
TABLE = [
    "table_open", "thead_open", "tr_open", "th_open", "inline", "th_close", "th_open",
    "inline", "th_close", "tr_close", "thead_close", "tbody_open", *ROW, "tbody_close",
    "table_close",
]  # fmt: skip


@settings(max_examples=600, derandomize=True, database=None, deadline=None)
@given(user_text)
@example("me@example.com www.example.org https://x.y <b>&amp;</b> | `c` *e* _u_ ~~s~~")
@example("- \\| # 1. > [a](b) ![i](s) $x$ &#64;")
@example("  \t leading\nnew\r\nlines\rand trailing \n ")
def test_escaped_text_renders_as_itself_everywhere(text: str) -> None:
    """Whatever an attendee types shows as exactly that text, never as Markdown."""
    expected = expected_text(text)
    assume(expected)
    escaped = escape_markdown(text)
    assert "\n" not in escaped and "\r" not in escaped
    for name, parser in PARSERS.items():
        tokens = parser.parse(f"{escaped}\n")
        assert block_types(tokens) == PARAGRAPH, name
        only_text(inline_children(tokens), expected)

        tokens = parser.parse(f"- {escaped}\n")
        assert block_types(tokens) == LIST, name
        only_text(inline_children(tokens), expected)

        tokens = parser.parse(f"### {escaped}\n")
        assert block_types(tokens) == HEADING, name
        only_text(inline_children(tokens), expected)

        # As the export writes an item: its own bold id before, its own facts after.
        tokens = parser.parse(f"- **#7** {escaped} — 3 votes\n")
        assert block_types(tokens) == LIST, name
        # (markdown-it puts an empty text token before a leading delimiter; skip it.)
        children = [c for c in inline_children(tokens) if c.type != "text" or c.content]
        assert [c.type for c in children] == [
            "strong_open", "text", "strong_close", "text",
        ]  # fmt: skip
        assert children[3].content == f" {expected} — 3 votes"

        tokens = parser.parse(f"*{escaped}*\n")
        assert block_types(tokens) == PARAGRAPH, name
        children = [c for c in inline_children(tokens) if c.type != "text" or c.content]
        assert [c.type for c in children] == ["em_open", "text", "em_close"], name
        assert children[1].content == expected

        if name != "commonmark":
            tokens = parser.parse(f"| a | b |\n| --- | --- |\n| {escaped} | z |\n")
            assert block_types(tokens) == TABLE, name
            only_text(inline_children(tokens, 2), expected)
            only_text(inline_children(tokens, 3), "z")


def test_escaping_keeps_plain_prose_readable() -> None:
    """Ordinary questions keep their commas, apostrophes, hyphens and question marks."""
    text = 'Why did DeepSeek\'s release cause such a stir, mid-2025? 100% "open"; a/b'
    assert escape_markdown(text) == text


def test_plain_text_in_the_record_reads_as_typed() -> None:
    """Dots, colons, brackets and words with underscores get no backslash where they are inert."""
    for text in (
        "Stop Waiting, Start Shipping: Real-World Strategy for Open-Source LLMs",
        "vLLM, llama.cpp or Ollama for production?",
        "PyCon DE & PyData 2026, Merck Plenary (Spectrum) 1st Floor!",
        "Is snake_case still a thing in 2026? Q&A at 10:30 = fun {really} ^^ C#",
        "Mail me @ada, or read the docs/faq.",
    ):
        assert escape_markdown(text) == text
    assert escape_markdown("[bold red]Rich markup[/] and **Markdown**") == (
        "\\[bold red]Rich markup\\[/] and \\*\\*Markdown\\*\\*"
    )
    assert escape_markdown("1. see example.com ##") == "1\\. see example\\.com \\##"


def test_escaped_email_address_is_not_linked_on_github() -> None:
    """An e-mail address gets an invisible joiner before its @, the one thing GitHub honours."""
    assert escape_markdown("mail me@evil.example") == "mail me\u2060@evil.example"
    assert escape_markdown("mail me@evil.com") == "mail me\u2060@evil.com"
    tokens = walk(PARSERS["gfm-like"].parse(escape_markdown("mail me@evil.com, www.x.com")))
    assert "link_open" not in {token.type for token in tokens}
    assert escape_markdown("@ada and x @ y") == "@ada and x @ y"


@pytest.mark.skipif(
    importlib.util.find_spec("cmarkgfm") is None, reason="cmarkgfm (GitHub's parser) not installed"
)
@settings(max_examples=600, derandomize=True, database=None, deadline=None)
@given(user_text)
@example("see https://x.y, www.x.y and me@x.y or <a href=x>y</a> mailto:a@b.co")
def test_escaped_text_renders_literally_on_github(text: str) -> None:
    """GitHub's own parser (cmark-gfm, when installed) renders escaped text as plain text."""
    import cmarkgfm  # type: ignore[import-not-found]

    expected = html.escape(expected_text(text), quote=False).replace('"', "&quot;")
    assume(expected)
    escaped = escape_markdown(text)
    paragraph = cmarkgfm.github_flavored_markdown_to_html(f"{escaped}\n")
    assert paragraph == f"<p>{expected}</p>\n"
    table = cmarkgfm.github_flavored_markdown_to_html(f"| a | b |\n| - | - |\n| {escaped} | z |\n")
    assert f"<td>{expected}</td>\n<td>z</td>" in table


# --- 3. the whole export of random sessions --------------------------------------------

SEGMENT_IDS = ("one", "two", "three")
STATES = ("pending", "approved", "rejected", "on_air", "answered")
T0 = 1_776_155_400.0  # 2026-04-14 10:30 in Munich


@dataclass(frozen=True)
class Asked:
    """One generated question, before it becomes a row."""

    text: str
    state: str
    name: str | None
    topic: str | None
    suggested: str | None
    edited: bool
    merged_into: int | None
    on_air_segment: str | None
    voters: frozenset[int]


@dataclass(frozen=True)
class RandomSession:
    title: str
    event: str
    speakers: tuple[str, ...]
    segment_titles: tuple[str, ...]
    prompts: tuple[str, ...]
    questions: tuple[Asked, ...]


def shown(text: str) -> bool:
    """Texts the hub could store: something left after trimming."""
    return bool(" ".join(text.split()))


nonblank = user_text.filter(shown)


@st.composite
def random_sessions(draw: st.DrawFn) -> RandomSession:
    free_topic = nonblank.filter(lambda t: t not in SEGMENT_IDS and t.strip().casefold() != "other")
    count = draw(st.integers(1, 10))
    questions: list[Asked] = []
    for index in range(count):
        state = draw(st.sampled_from(STATES))
        targets = [
            i + 1
            for i, q in enumerate(questions)
            if q.merged_into is None and q.state not in ("rejected", "on_air")
        ]
        merged_into = None
        if targets and state != "on_air" and draw(st.booleans()):
            merged_into = draw(st.sampled_from(targets))
        questions.append(
            Asked(
                text=draw(nonblank),
                state=state,
                name=draw(st.none() | nonblank),
                topic=draw(st.none() | st.sampled_from((*SEGMENT_IDS, "other")) | free_topic),
                suggested=draw(st.none() | st.sampled_from((*SEGMENT_IDS, "other"))),
                edited=draw(st.booleans()),
                merged_into=merged_into,
                on_air_segment=draw(st.none() | st.sampled_from(SEGMENT_IDS)),
                voters=draw(st.frozensets(st.integers(0, 4), max_size=5)),
            )
        )
        assert index + 1 == len(questions)
    return RandomSession(
        title=draw(nonblank),
        event=draw(st.just("") | nonblank),
        speakers=tuple(draw(st.lists(nonblank, max_size=2))),
        segment_titles=tuple(draw(nonblank) for _ in SEGMENT_IDS),
        prompts=tuple(draw(st.just("") | nonblank) for _ in SEGMENT_IDS),
        questions=tuple(questions),
    )


def placeholders(session: RandomSession) -> tuple[RandomSession, dict[str, str]]:
    """The same session with every user text replaced by a unique inert word.

    Returns the safe session and, for each placeholder, the text it stands for as it must
    render (one free topic keeps one placeholder, so grouping is unchanged).
    """
    rendered: dict[str, str] = {}
    topics: dict[str, str] = {}

    def hold(kind: str, text: str) -> str:
        word = f"QQ{kind}{len(rendered)}QQ"
        rendered[word] = expected_text(text)
        return word

    def topic(value: str | None) -> str | None:
        if value is None or value in SEGMENT_IDS or value == "other":
            return value
        if value not in topics:
            topics[value] = hold("t", value)
        return topics[value]

    questions = tuple(
        replace(
            q,
            text=hold("q", q.text),
            name=hold("n", q.name) if q.name is not None else None,
            topic=topic(q.topic),
        )
        for q in session.questions
    )
    safe = RandomSession(
        title=hold("a", session.title),
        event=hold("e", session.event) if session.event else "",
        speakers=tuple(hold("s", s) for s in session.speakers),
        segment_titles=tuple(hold("g", t) for t in session.segment_titles),
        prompts=tuple(hold("p", t) if t else "" for t in session.prompts),
        questions=questions,
    )
    return safe, rendered


def write_session(path: Path, session: RandomSession) -> None:
    """Store a generated session as the hub would have left it, clock running in segment 2."""
    agenda = Agenda(
        title=session.title,
        event=session.event,
        speakers=session.speakers,
        starts_at=datetime.fromisoformat("2026-04-14T10:30:00+02:00"),
        segments=tuple(
            Segment(id=sid, title=title, duration=300, prompt=prompt)
            for sid, title, prompt in zip(
                SEGMENT_IDS, session.segment_titles, session.prompts, strict=True
            )
        ),
    )
    store = Store(path)
    store.db.execute("PRAGMA synchronous=OFF")  # test data: no need to survive a power cut
    writes = [
        meta_write("agenda", json.dumps(agenda.to_wire())),
        meta_write("peak_connected", "7"),
        meta_write("token", "never-in-the-record"),
        event_write(T0, "clock.start", {}),
        event_write(T0 + 320, "clock.next", {}),
        event_write(T0 + 400, "clock.pause", {}),
        event_write(T0 + 460, "clock.resume", {}),
    ]
    for index, q in enumerate(session.questions, start=1):
        at = T0 + index * 30
        discussed = q.state in ("on_air", "answered")
        question = Question(
            id=index,
            client_id=f"client-{index % 4}",
            request_id=f"r{index}",
            text=q.text,
            original_text=q.text + " (first)" if q.edited else q.text,
            state=q.state,
            created_at=at,
            name=q.name,
            topic=q.topic,
            suggested_topic=q.suggested,
            merged_into=q.merged_into,
            approved_at=at + 1 if q.state != "pending" else None,
            on_air_at=at + 2 if discussed else None,
            on_air_segment=q.on_air_segment if discussed else None,
            answered_at=at + 3 if q.state == "answered" else None,
        )
        writes.append(question_write(question))
        writes += [vote_write(index, f"voter-{v}", True, at + 4) for v in sorted(q.voters)]
    store.commit(writes)
    store.close()


def sections(tokens: list[Token]) -> dict[str, list[Token]]:
    """Block tokens under each level-2 heading, by heading text."""
    result: dict[str, list[Token]] = {}
    current: list[Token] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.tag == "h2":
            current = result.setdefault(tokens[index + 1].content, [])
        current.append(token)
    return result


def count(tokens: list[Token], kind: str, level: int | None = None) -> int:
    return sum(1 for t in tokens if t.type == kind and (level is None or t.level == level))


@settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(random_sessions())
def test_every_text_lands_in_its_place_and_the_structure_never_changes(
    session: RandomSession,
) -> None:
    """Random attendee and agenda texts show literally, where they belong, in a fixed layout."""
    safe, rendered = placeholders(session)
    with tempfile.TemporaryDirectory() as tmp:
        write_session(Path(tmp) / "real.db", session)
        write_session(Path(tmp) / "safe.db", safe)
        real_md = render_export(Path(tmp) / "real.db", names=True, include_pending=True)
        safe_md = render_export(Path(tmp) / "safe.db", names=True, include_pending=True)
    assert "never-in-the-record" not in real_md
    word = re.compile("|".join(sorted(map(re.escape, rendered), key=len, reverse=True)))
    seen: set[str] = set()
    for parser in PARSERS.values():
        real, safe_tokens = parser.parse(real_md), parser.parse(safe_md)
        assert [(t.type, t.tag, t.level) for t in real] == [
            (t.type, t.tag, t.level) for t in safe_tokens
        ]
        for got, want in zip(real, safe_tokens, strict=True):
            if got.type != "inline":
                continue
            assert got.children is not None and want.children is not None
            assert [c.type for c in got.children] == [c.type for c in want.children], (
                got.content,
                want.content,
            )
            for child, model in zip(got.children, want.children, strict=True):
                if child.type == "text":
                    seen.update(word.findall(model.content))
                    assert child.content == word.sub(lambda m: rendered[m[0]], model.content)
        assert not {t.type for t in walk(real)} & {"link_open", "image", "html_inline"}

    # Every text the record should show is there; rejected and merged ones never are.
    shown_words, hidden_words = _expected_words(safe)
    assert shown_words <= seen
    assert not hidden_words & set(word.findall(safe_md))
    qs = session.questions

    # And the layout is the one the exporter means for these questions.
    tokens = PARSERS["gfm-like"].parse(safe_md)
    assert count(tokens, "heading_open", 0) == 1 + 6 + 3 + _outside(qs) + _topic_groups(qs)
    parts = sections(tokens)
    live = [q for q in qs if q.merged_into is None]
    discussed = sum(1 for q in live if q.state in ("on_air", "answered"))
    public = sum(1 for q in live if q.state in ("approved", "on_air", "answered"))
    assert count(parts["Agenda"], "tr_open") == 1 + 3 + 1
    assert count(parts["Questions discussed"], "list_item_open") == discussed
    assert count(parts["Questions by topic"], "list_item_open") == public
    approved = sum(1 for q in live if q.state == "approved")
    assert count(parts["Not answered, for follow-up"], "list_item_open") == approved
    pending = sum(1 for q in live if q.state == "pending")
    assert count(parts["Never triaged"], "list_item_open") == pending
    assert count(parts["Left out"], "list_item_open") == 2


def _expected_words(safe: RandomSession) -> tuple[set[str], set[str]]:
    """Placeholders the full record must show, and those it must never show."""
    shown_words = {safe.title, *safe.speakers, *safe.segment_titles}
    shown_words |= {text for text in (safe.event, *safe.prompts) if text}
    hidden_words = set()
    for q in safe.questions:
        own = {q.text} | ({q.name} if q.name else set())
        if q.merged_into is not None or q.state == "rejected":
            hidden_words |= own
            continue
        shown_words |= own
        if q.state != "pending" and q.topic and q.topic.startswith("QQ"):
            shown_words.add(q.topic)
    return shown_words, hidden_words


def _outside(questions: tuple[Asked, ...]) -> int:
    return int(
        any(
            q.merged_into is None and q.state in ("on_air", "answered") and q.on_air_segment is None
            for q in questions
        )
    )


def _topic_groups(questions: tuple[Asked, ...]) -> int:
    keys = set()
    for q in questions:
        if q.merged_into is None and q.state in ("approved", "on_air", "answered"):
            topic = q.topic or q.suggested
            keys.add(None if topic in (None, "other") else topic)
    return len(keys)


# --- 4. exporting while the hub writes -------------------------------------------------

ASKED = re.compile(r"(\d+) questions? asked")
LEFT_OUT = re.compile(r"^- (\d+) questions? (rejected|merged into another)$", re.M)


def consistent_counts(markdown: str) -> int:
    """Check that every question asked is listed or counted once; return how many."""
    tokens = PARSERS["gfm-like"].parse(markdown)
    parts = sections(tokens)
    asked_match = ASKED.search(markdown)
    assert asked_match is not None
    asked = int(asked_match[1])
    listed = count(parts["Questions by topic"], "list_item_open")
    pending = count(parts["Never triaged"], "list_item_open")
    counted = sum(int(m[1]) for m in LEFT_OUT.finditer(markdown))
    assert asked == listed + pending + counted, markdown
    return asked


def test_export_while_the_hub_is_writing_reads_one_consistent_snapshot(tmp_path: Path) -> None:
    """Exporting during a live session works, and each record adds up on its own."""
    db = tmp_path / "live.db"
    config = HubConfig(
        db_path=db, host="127.0.0.1", port=0, questions_per_minute=100_000, votes_per_minute=100_000
    )
    stop = threading.Event()
    errors: list[BaseException] = []
    with HubThread(config) as hub:
        url = f"ws://127.0.0.1:{hub.port}"

        def session() -> None:
            attendee = Wire(url, name="Ada")
            moderator = Wire(url, role="moderator", token=hub.token)
            try:
                number = 0
                while not stop.is_set():
                    number += 1
                    reply = attendee.request({"type": "ask", "text": f"Question *{number}*?"})
                    qid = reply["question_id"]
                    if qid == 1 or qid % 2 == 0:
                        moderator.request({"type": "approve", "question_id": qid})
                    elif qid % 5 == 0:
                        moderator.request({"type": "reject", "question_id": qid})
                    if qid % 7 == 0:
                        moderator.request({"type": "merge", "question_id": qid, "into": 1})
                    if qid % 4 == 0:
                        moderator.request({"type": "on_air", "question_id": qid})
            except BaseException as exc:  # surfaced in the main thread
                errors.append(exc)
            finally:
                attendee.close()
                moderator.close()

        writer = threading.Thread(target=session, name="live-session")
        writer.start()
        try:
            totals: list[int] = []
            deadline = time.monotonic() + 30
            while len(totals) < 8 or len(set(totals)) < 4:
                assert time.monotonic() < deadline, f"exports saw only {totals}"
                assert not errors, errors
                if db.exists():
                    totals.append(
                        consistent_counts(render_export(db, names=True, include_pending=True))
                    )
        finally:
            stop.set()
            writer.join(10)
    assert not errors, errors
    assert totals == sorted(totals)  # snapshots only ever move forward
    consistent_counts(render_export(db, include_pending=True))


def test_export_of_a_database_with_no_agenda_and_no_clock(tmp_path: Path) -> None:
    """A bare database still exports: UTC times, date of the first question, no table."""
    store = Store(tmp_path / "bare.db")
    store.commit(
        [question_write(Question(1, "c1", "r1", "Hello?", "Hello?", "approved", T0 + 86_400 * 3))]
    )
    store.close()
    markdown = render_export(tmp_path / "bare.db")
    assert markdown.startswith("# Fireside session\n")
    assert "- **Date:** Friday, 17 April 2026\n" in markdown
    assert "- **Times:** UTC (the agenda gives no time zone)\n" in markdown
    assert "No agenda was stored with this session." in markdown
    assert "- **#1** Hello? — no votes · not answered\n" in markdown


def test_a_running_segment_is_measured_up_to_the_last_stored_moment(tmp_path: Path) -> None:
    """With the clock still running, actual times stop at the latest time in the database."""
    agenda = Agenda("Talk", (Segment("a", "Intro", 60), Segment("b", "Q&A", 60)))
    store = Store(tmp_path / "run.db")
    store.commit(
        [
            meta_write("agenda", json.dumps(agenda.to_wire())),
            event_write(T0, "clock.start", {}),
            event_write(T0 + 75, "clock.next", {}),
            question_write(Question(1, "c1", "r1", "Late?", "Late?", "pending", T0 + 100)),
        ]
    )
    store.close()
    markdown = render_export(tmp_path / "run.db")
    assert "| 1 | Intro | 1:00 | 1:15 | +0:15 | 08:30:00–08:31:00 | 08:30:00–08:31:15 |" in markdown
    assert "| 2 | Q&A | 1:00 | 0:25 | -0:35 | 08:31:00–08:32:00 | 08:31:15–… |" in markdown
    assert "- The clock was still running in *Q&A* when this record was made." in markdown
    assert "- **Times:** UTC (the agenda gives no time zone)" in markdown


def test_going_back_and_forward_again_shows_each_visit_without_overlap(tmp_path: Path) -> None:
    """A segment revisited shows its total time and each of its visits; no ranges overlap."""
    agenda = Agenda("Talk", (Segment("a", "Intro", 60), Segment("b", "Q&A", 60)))
    store = Store(tmp_path / "back.db")
    store.commit(
        [
            meta_write("agenda", json.dumps(agenda.to_wire())),
            event_write(T0, "clock.start", {}),
            event_write(T0 + 60, "clock.next", {}),  # pressed too early
            event_write(T0 + 70, "clock.back", {}),
            event_write(T0 + 120, "clock.next", {}),
            event_write(T0 + 180, "clock.next", {}),  # the end
        ]
    )
    store.close()
    markdown = render_export(tmp_path / "back.db")
    assert (
        "| 1 | Intro | 1:00 | 1:50 | +0:50 | 08:30:00–08:31:00 | "
        "08:30:00–08:31:00, 08:31:10–08:32:00 |" in markdown
    )
    assert (
        "| 2 | Q&A | 1:00 | 1:10 | +0:10 | 08:31:00–08:32:00 | "
        "08:31:00–08:31:10, 08:32:00–08:33:00 |" in markdown
    )
    shown = re.findall(r"(\d\d:\d\d:\d\d)–(\d\d:\d\d:\d\d)", markdown.split("| 1 |")[1])
    actual = sorted(set(shown[1:3] + shown[4:6]))  # each row: plan, then its visits
    assert all(a[1] <= b[0] for a, b in zip(actual, actual[1:], strict=False)), actual


# --- 5. the command ----------------------------------------------------------------------


def fireside(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fireside", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


def test_cli_export_prints_the_record(session: Session, tmp_path: Path) -> None:
    """fireside export --db FILE prints the record on standard output."""
    result = fireside("export", "--db", str(session.db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == render_export(session.db)
    assert session.token not in result.stdout + result.stderr


def test_cli_export_writes_a_file_with_o(session: Session, tmp_path: Path) -> None:
    """-o FILE writes the record there and says so on stderr, leaving stdout empty."""
    out = tmp_path / "record.md"
    result = fireside("export", "--db", str(session.db), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == render_export(session.db)
    assert session.token not in out.read_text(encoding="utf-8") + result.stderr


def test_cli_names_and_include_pending_change_the_record(session: Session, tmp_path: Path) -> None:
    """--names adds who asked, --include-pending lists untriaged questions."""
    plain = fireside("export", "--db", str(session.db), cwd=tmp_path).stdout
    named = fireside("export", "--db", str(session.db), "--names", cwd=tmp_path).stdout
    pending = fireside("export", "--db", str(session.db), "--include-pending", cwd=tmp_path)
    assert "asked by Ada" in named and "— asked by" not in plain
    assert "## Never triaged" in pending.stdout and "## Never triaged" not in plain
    assert named == render_export(session.db, names=True)
    assert pending.stdout == render_export(session.db, include_pending=True)
    no_names = fireside("export", "--db", str(session.db), "--no-names", cwd=tmp_path).stdout
    assert no_names == plain
    for output in (plain, named, pending.stdout):
        assert session.token not in output


def test_cli_export_of_a_missing_database_fails_in_one_line(tmp_path: Path) -> None:
    """A database that does not exist gives one line of error and a non-zero exit."""
    result = fireside("export", "--db", str(tmp_path / "nope.db"), cwd=tmp_path)
    assert result.returncode != 0
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "nope.db" in result.stderr
    assert not (tmp_path / "nope.db").exists()  # read-only: nothing is created


def test_cli_export_of_a_file_that_is_not_a_database_fails_in_one_line(tmp_path: Path) -> None:
    """A file that is not a Fireside database gives one line of error, never a traceback."""
    (tmp_path / "notes.db").write_text("just some notes\n" * 100)
    result = fireside("export", "--db", str(tmp_path / "notes.db"), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "notes.db" in result.stderr, result.stderr
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    result = fireside("export", "--db", str(empty), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == f"fireside: {empty} is not a Fireside session database.\n"


@pytest.mark.e2e
def test_export_benchmark_runs_and_reports_its_figures(tmp_path: Path) -> None:
    """bench_export.py builds a small session, times the export and prints the median."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_export.py"), "--questions", "50"]
        + ["--runs", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout[result.stdout.index("{") :])
    assert report["questions"] == 50 and report["median_s"] > 0 and report["cpus"] >= 1


@pytest.mark.parametrize(
    ("seconds", "shown", "against_plan"),
    [
        (0, "0:00", "0:00"),
        (0.4, "0:00", "0:00"),
        (80, "1:20", "+1:20"),
        (-45, "-0:45", "-0:45"),
        (3900, "1:05:00", "+1:05:00"),
    ],
)
def test_durations_read_like_a_stage_timer(seconds: float, shown: str, against_plan: str) -> None:
    """Durations show as m:ss (h:mm:ss past an hour); runs against the plan carry a sign."""
    assert duration(seconds) == shown
    assert over_under(seconds) == against_plan


def test_time_zones_are_named_by_their_offset() -> None:
    """The header names the agenda's zone as an offset from UTC, west or east."""
    assert zone_label(timezone(timedelta(hours=2))) == "UTC+02:00"
    assert zone_label(timezone(-timedelta(hours=3, minutes=30))) == "UTC-03:30"
    assert zone_label(UTC) == "UTC"
