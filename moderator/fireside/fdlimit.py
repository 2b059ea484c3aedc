"""The hub's open-file limit: raise it toward the hard limit, or say plainly that it is short.

Every connection is a file descriptor. A common default soft limit is 1,024, far below the
default ``--max-connections`` of 5,000; at the limit, accepting fails and nobody new gets
in, the moderator included. The soft limit may be raised up to the hard one by any process,
so the hub does that at start; if even the hard limit is too low it warns, once, with what
to do.
"""

from __future__ import annotations

HEADROOM = 64
"""Descriptors the hub needs besides connections: the database and its WAL, the log,
listening sockets, the event loop, standard streams, threads' files."""


def ensure_open_files(max_connections: int, reserved: int = 0) -> str | None:
    """Raise the soft RLIMIT_NOFILE to fit the connections allowed; a warning if it cannot.

    ``reserved`` are the connections kept beyond ``max_connections`` for moderators.
    """
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows has no such limit to raise
        return None
    wanted = max_connections + reserved + HEADROOM
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return None
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft >= wanted:
        return None
    return (
        f"this process may have only {soft} open files (ulimit -n; the hard limit is {hard}), "
        f"fewer than the {wanted} that --max-connections {max_connections} needs: past the "
        "limit new connections fail, the moderator's too. Raise the limit "
        f"(ulimit -n {wanted}) or lower --max-connections."
    )
