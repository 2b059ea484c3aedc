"""Agenda files: the example and the default agenda, and clear errors for broken files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fireside.agenda import (
    AgendaError,
    default_agenda,
    default_agenda_source,
    format_duration,
    load_agenda,
    parse_duration,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "pycon-de-2026.toml"


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fireside", "agenda", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_default_agenda_is_the_reference_session_in_45_minutes() -> None:
    """The built-in agenda: five discussion questions, then audience Q&A for half the time."""
    agenda = default_agenda()
    assert agenda.title.startswith("Stop Waiting, Start Shipping")
    assert agenda.speakers == ("Alexander Hendorf", "Sebastian Raschka")
    assert agenda.planned_seconds == 45 * 60
    kinds = [s.kind for s in agenda.segments]
    assert kinds == ["discussion"] * 5 + ["qa"]
    assert agenda.segments[-1].duration == agenda.planned_seconds // 2
    assert all(s.keywords for s in agenda.segments[:5])
    assert [s.id for s in agenda.segments] == [
        "landscape",
        "gap",
        "bias",
        "agents",
        "deployment",
        "qa",
    ]


def test_example_file_is_the_default_agenda() -> None:
    """examples/pycon-de-2026.toml is exactly what Fireside uses when given no agenda."""
    assert EXAMPLE.read_text(encoding="utf-8") == default_agenda_source()
    assert load_agenda(EXAMPLE) == default_agenda()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("4m", 240), ("4m30s", 270), ("1h5m", 3900), ("2h", 7200)],
)
def test_durations_read_as_seconds(text: str, seconds: int) -> None:
    """Durations are written as in the spec and read as seconds."""
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "4 m", "m", "1.5m", "-3m", "4m4h"])
def test_unreadable_durations_are_refused(text: str) -> None:
    """A duration that is not like 90s, 4m or 1h5m is an error, not a guess."""
    with pytest.raises(ValueError):
        parse_duration(text)


def test_durations_print_back_the_way_agendas_write_them() -> None:
    """The plan shows 4m30s, not 270."""
    assert [format_duration(s) for s in (90, 240, 270, 3900, 0)] == [
        "1m30s",
        "4m",
        "4m30s",
        "1h5m",
        "0s",
    ]


def test_agenda_check_accepts_the_example_and_prints_the_plan() -> None:
    """fireside agenda check prints every segment with its duration and start time."""
    result = run_check(EXAMPLE)
    assert result.returncode == 0, result.stderr
    for expected in (
        "landscape",
        "4m30s",
        "10:30",
        "10:34:30",
        "22m30s",
        "10:52:30",
        "45m in all",
        "OK.",
    ):
        assert expected in result.stdout


BROKEN = {
    "missing-id": (
        'title = "Talk"\n'
        "\n"
        "[[segment]]\n"
        'id = "intro"\n'
        'duration = "5m"\n'
        "\n"
        "[[segment]]\n"
        'title = "No id here"\n'
        'duration = "5m"\n',
        ":7:",
        "field 'id'",
    ),
    "duplicate-id": (
        'title = "Talk"\n'
        "[[segment]]\n"
        'id = "intro"\n'
        'duration = "5m"\n'
        "[[segment]]\n"
        'id = "intro"\n'
        'duration = "5m"\n',
        ":6:",
        "field 'id'",
    ),
    "bad-duration": (
        'title = "Talk"\n[[segment]]\nid = "intro"\nduration = "five minutes"\n',
        ":4:",
        "field 'duration'",
    ),
    "over-24-hours": (
        'title = "Marathon"\n'
        "[[segment]]\n"
        'id = "day"\n'
        'duration = "20h"\n'
        "[[segment]]\n"
        'id = "night"\n'
        'duration = "5h"\n',
        ":7:",
        "more than 24 hours",
    ),
    "not-toml": (
        'title = "Talk"\n[[segment]]\nid = "intro\nduration = "5m"\n',
        ":3:",
        "not valid TOML",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_agenda_check_refuses_a_broken_file_naming_line_and_field(
    case: str, tmp_path: Path
) -> None:
    """Each broken agenda gets one line on stderr with the file, line and field at fault."""
    text, line, field = BROKEN[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AgendaError) as caught:
        load_agenda(path)
    assert f"{path}{line}" in str(caught.value)
    assert field in str(caught.value)
    result = run_check(path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert f"{path}{line}" in result.stderr and field in result.stderr
    assert "Traceback" not in result.stderr
