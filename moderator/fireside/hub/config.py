"""What a hub can be told: ``HubConfig``, its fixed limits, and the command-line options
that set it (so each default and its help text are written once, here)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

from fireside_ask import protocol as p

from ..agenda import Agenda, default_agenda

#: Connections kept free beyond ``max_connections`` for moderators and stage screens.
RESERVED = 16

#: Seconds a client refused for a full room (or too many stage screens) is told to wait.
ROOM_FULL_RETRY = 10.0

#: Moderator answers kept per moderator client id for resends.
ANSWERS_KEPT = 256

#: Connections allowed to wait for their ``hello`` at once, at least: beyond this the
#: oldest waiting one is cut to let a new one in, so silent sockets cannot hold the door
#: shut on the moderator. Scales up with ``max_connections`` for reconnect storms.
MIN_PENDING = 32

#: A connection whose backlog stays above this, with no progress, for ``stall_timeout``
#: seconds is not reading.
STALL_BYTES = 16 * 1024


@dataclass
class HubConfig:
    """Everything ``fireside serve`` can set; the defaults are those of the spec."""

    db_path: Path = Path("fireside.db")
    """The session's SQLite file."""
    agenda: Agenda = field(default_factory=default_agenda)
    """The plan of the session."""
    host: str | None = None
    """Interface to listen on; ``None`` means all interfaces."""
    port: int = p.DEFAULT_PORT
    """TCP port; 0 picks a free one (tests)."""
    token: str | None = None
    """Moderator token; ``None`` reuses the stored one or generates one."""
    auto_approve: bool | None = None
    """Skip the moderation queue; ``None`` keeps the stored setting (default off)."""
    max_connections: int = 5000
    """Attendee connections beyond this are refused at ``hello`` ("the room is full")."""
    place_hold: float = 60.0
    """Seconds an attendee who left keeps its place in a full room (a dropped Wi-Fi)."""
    max_stages: int = 8
    """Stage screens open at once; more are refused at ``hello``, so that stage screens
    (which need no token) can never fill the moderators' reserve."""
    frames_burst: int = 60
    """Frames (pings included) a connection may send at once before its budget runs out."""
    frames_per_second: float = 10.0
    """How fast that budget refills; past it the connection is closed with 1008.
    Moderators are exempt once their token is checked."""
    max_frame: int = p.MAX_FRAME_BYTES
    """Largest frame a client may send, in bytes (close 1009 beyond)."""
    max_chars: int = p.MAX_QUESTION_CHARS
    """Longest question, in characters after cleaning."""
    questions_per_minute: int = p.QUESTIONS_PER_MINUTE
    """Asks allowed per attendee per minute."""
    votes_per_minute: int = p.VOTES_PER_MINUTE
    """Votes allowed per attendee per minute."""
    bad_frames_per_minute: int = 20
    """Bad frames tolerated per connection per minute before it is closed."""
    auth_failures_per_minute: int = 5
    """Wrong moderator tokens tolerated per remote address per minute."""
    new_clients_per_minute: int = 300
    """Attendee client ids never seen before that one address may bring per minute.
    High enough for a conference NAT (hundreds of people joining behind one address);
    people already known reconnect freely."""
    questions_per_address_per_minute: int = 60
    """Questions one address may ask per minute, whatever client ids it uses."""
    limit_loopback: bool = False
    """Apply the per-address limits to loopback too. Off: loopback is the moderator's own
    machine (the dashboard, ``--demo`` attendees, local tools), and anyone on it is out of
    the threat model."""
    allowed_origins: tuple[str, ...] = ()
    """Browser origins allowed to connect; terminal clients send no Origin and always may."""
    push_interval: float = 0.25
    """Seconds between coalesced vote and presence pushes (at most 4 per second)."""
    attendee_presence_interval: float = 2.0
    """Seconds between presence pushes to attendees while the count keeps changing.
    Moderators and stage screens get it every ``push_interval``; a whole room arriving
    would otherwise mean a push to everyone four times a second."""
    fanout_slice: int = 50
    """Connections written to between two looks at the clock when pushing to many (and the
    largest audience written to at once, without queueing)."""
    fanout_budget: float = 0.002
    """Seconds of writing a push to many before the event loop gets a turn (0: one slice per
    turn). Bounds how long an ask's ack can wait behind a push to the whole room."""
    switch_interval: float = 0.001
    """The interpreter's thread switch interval while the hub runs (``sys.setswitchinterval``;
    Python's default is 0.005). The writer thread's commit hands each ask back to the event
    loop; when the loop is busy in Python, that hand-over waited up to a whole interval for
    the GIL (issue 17). 0 leaves it alone."""
    hint_patience: float = 0.05
    """Seconds the hint worker waits for a moment without requests before computing one
    hint anyway (a long burst of asks still gets its hints, about 20 a second)."""
    gc_freeze_step: int = 500
    """Freeze long-lived objects out of the garbage collector's walks each time this many
    more connections are open (see ``fireside.gcpolicy``); 0 leaves the collector alone."""
    hello_timeout: float = 10.0
    """Seconds a new connection has to send ``hello``."""
    write_buffer_limit: int = 1 << 20
    """Bytes queued to one client before it counts as stalled and is dropped."""
    close_grace: float = 3.0
    """Seconds shutdown waits for connections to close before cutting them."""
    ping_interval: float = 20.0
    """Seconds between two keepalive pings to one connection; a ping still unanswered when
    the next is due drops the connection (see ``hub.keepalive``)."""
    stall_timeout: float = 1.5
    """Seconds a connection may hold a backlog over 16 KiB without progress before it is
    dropped as stalled (a slow reader that makes progress stays)."""
    published: bool = False
    """``fireside-ask`` is on the package index: the join command is the short
    ``pipx run fireside-ask HOST`` instead of installing from the wheel this hub serves."""
    certfile: Path | None = None
    """TLS certificate (PEM) to serve wss://; with ``keyfile``."""
    keyfile: Path | None = None
    """TLS private key (PEM) for ``certfile``."""


@dataclass(frozen=True)
class Option:
    """A numeric ``fireside serve`` option that sets the ``HubConfig`` field of its name."""

    field: str
    """The ``HubConfig`` field; the flag is its name with dashes."""
    metavar: str
    help: str
    """Help text; ``{default}`` is replaced by the field's default."""

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. ``--max-chars``."""
        return "--" + self.field.replace("_", "-")

    @property
    def default(self) -> int:
        """The field's default, as ``HubConfig`` declares it."""
        value = _DEFAULTS[self.field]
        assert isinstance(value, int)
        return value


_DEFAULTS = {f.name: f.default for f in fields(HubConfig)}

#: The numeric limits ``fireside serve`` and ``fireside run`` take, in ``--help`` order.
OPTIONS: tuple[Option, ...] = (
    Option(
        "max_connections",
        "N",
        "refuse attendees beyond N at hello (rate_limited, then close 1008; an "
        "attendee who dropped keeps its place for {place_hold:.0f} s); {reserved} more are kept "
        "for moderators and stage screens, and past those the handshake gets HTTP 503 "
        "(default: {default}); the hub raises its open-file limit (ulimit -n) to fit N, or "
        "warns if it cannot",
    ),
    Option("max_chars", "N", "longest question in characters (default: {default})"),
    Option("max_frame", "BYTES", "largest frame a client may send (default: {default})"),
    Option("questions_per_minute", "N", "questions per attendee per minute (default: {default})"),
    Option("votes_per_minute", "N", "votes per attendee per minute (default: {default})"),
    Option(
        "new_clients_per_minute",
        "N",
        "attendees never seen before that one network address may bring per minute; "
        "high enough for a conference NAT, and known attendees always come back "
        "(default: {default})",
    ),
    Option(
        "questions_per_address_per_minute",
        "N",
        "questions one network address may ask per minute, whoever asks them (default: {default})",
    ),
    Option("max_stages", "N", "stage screens open at once (default: {default})"),
)


def option_help(option: Option) -> str:
    """The option's ``--help`` text with its default (and related facts) filled in."""
    return option.help.format(
        default=option.default, place_hold=_DEFAULTS["place_hold"], reserved=RESERVED
    )
