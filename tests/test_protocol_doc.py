"""docs/protocol.md and the schema module agree: what a client author reads is what runs."""

from __future__ import annotations

import re
from pathlib import Path

from fireside_ask import protocol as p

DOC = (Path(__file__).parent.parent / "docs" / "protocol.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    start = DOC.index(f"\n## {title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start:end]


def _headings(section: str) -> set[str]:
    return set(re.findall(r"^### `([a-z_]+)`", section, re.MULTILINE))


def _action_table() -> dict[str, frozenset[str]]:
    table = DOC[DOC.index("### Moderator actions") : DOC.index("### `undo`")]
    rows = re.findall(r"^\| `([a-z_]+)` \|[^|]*\| ([a-z_, ]+) \|", table, re.MULTILINE)
    return {kind: frozenset(s.strip() for s in states.split(",")) for kind, states in rows}


def test_every_request_is_documented_and_every_documented_request_exists() -> None:
    """A client author finds every request the hub takes, and none it does not."""
    documented = _headings(_section("Client → hub")) | set(_action_table())
    assert documented == set(p.REQUESTS)


def test_every_hub_message_is_documented_and_every_documented_one_exists() -> None:
    """A client author finds every message the hub sends, and none it does not."""
    assert _headings(_section("Hub → client")) == set(p.MESSAGES)


def test_every_error_code_is_documented_and_every_documented_code_exists() -> None:
    """The table of error codes is exactly the codes the hub can send."""
    error = DOC[DOC.index("### `error`") : DOC.index("\n## Text")]
    documented = re.findall(r"^\| `([a-z_]+)` \|", error, re.MULTILINE)
    assert sorted(documented) == sorted(p.ERROR_CODES)


def test_the_table_of_moderator_actions_is_the_one_the_hub_enforces() -> None:
    """The states each action is allowed from, as documented, are ACTION_STATES."""
    assert _action_table() == p.ACTION_STATES


def test_the_close_codes_the_hub_uses_are_documented() -> None:
    """Every close code named in the schema module has a row in the close-code table."""
    close = _section("Close codes")
    codes = {v for k, v in vars(p).items() if k.startswith("CLOSE_")}
    assert codes <= {int(c) for c in re.findall(r"^\| (\d{4}) \|", close, re.MULTILINE)}
