"""The dashboard screen's keys: what applies to the highlighted question, and sending it.

Actions go to the hub and show up on screen only when the hub's update comes back, so the
screen always shows what is stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.widgets import DataTable

from .bindings import APPLIES, KEYS
from .link import HubLink
from .model import SORTS
from .screens import (
    ConfirmScreen,
    EditScreen,
    HelpScreen,
    JoinScreen,
    PickScreen,
    QuestionScreen,
    RecordScreen,
    TokenScreen,
    TopicsScreen,
)
from .view import DashboardView
from .widgets import question_details

if TYPE_CHECKING:
    from .app import DashboardApp


class DashboardScreen(DashboardView):
    """The dashboard's one screen: the view, with the moderator's keys."""

    BINDINGS: ClassVar[list[BindingType]] = list(KEYS)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answered" and self.model.on_air is not None:
            return True
        if action in APPLIES:
            question = self.selected()
            return question is not None and question["state"] in APPLIES[action]
        if action == "undo":
            return self.model.undo is not None
        return True

    # --- sending to the hub --------------------------------------------------------
    def send(self, message: dict[str, Any], done: str = "") -> None:
        """Send a request in a worker; say so if the hub refuses it."""
        self.run_worker(self._request(message, done), group="actions")

    async def _request(self, message: dict[str, Any], done: str) -> None:
        link: HubLink = self.app.link  # type: ignore[attr-defined]
        reply = await link.request(message)
        if reply.get("type") == "error":
            self.notify(
                str(reply.get("message", "Refused.")),
                title="Not done",
                severity="error",
                timeout=6,
                markup=False,
            )
        elif done:
            self.notify(done, timeout=2, markup=False)

    def _act(self, kind: str, **extra: Any) -> None:
        question = self.selected()
        if question is None:
            return
        self.send({"type": kind, "question_id": question["id"], **extra})

    def action_approve(self) -> None:
        self._act("approve")

    def action_reject(self) -> None:
        self._act("reject")

    def action_on_air(self) -> None:
        self._act("on_air")

    def action_answered(self) -> None:
        """Done: the question on air is answered (else the highlighted approved one)."""
        if self.model.on_air is not None:
            self.send({"type": "answered", "question_id": self.model.on_air})
        else:
            self._act("answered")

    def action_pin(self) -> None:
        question = self.selected()
        if question is not None:
            self._act("pin", pinned=not question.get("pinned"))

    def action_view(self) -> None:
        question = self.selected()
        if question is not None:
            self.app.push_screen(QuestionScreen(question_details(question, self.timezone)))

    def action_join_qr(self) -> None:
        url = self.join_url()
        if url:
            self.app.push_screen(JoinScreen(url, self.join_command()))
        else:
            self.notify("This hub serves no attendee page (an older hub?).", markup=False)

    def action_token(self) -> None:
        token = self.app.link.token  # type: ignore[attr-defined]
        if token:
            self.app.push_screen(TokenScreen(str(token)))
        else:
            self.notify("This dashboard has no moderator token.", markup=False)

    def action_undo(self) -> None:
        undo = self.model.undo
        label = f"Undone: {undo['kind'].replace('_', ' ')} #{undo['question_id']}" if undo else ""
        self.send({"type": "undo"}, done=label)

    def action_clock(self, command: str) -> None:
        self.send({"type": "clock", "action": command})

    def action_adjust(self, seconds: int) -> None:
        self.send({"type": "clock", "action": "adjust", "seconds": seconds})

    def action_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.refresh_all()

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.check_action("on_air", ()):
            self.action_on_air()

    def action_edit(self) -> None:
        question = self.selected()
        if question is None:
            return
        limit = self.settings.max_chars

        def done(text: str | None) -> None:
            if text:
                self.send({"type": "edit", "question_id": question["id"], "text": text})

        self.app.push_screen(EditScreen(question, limit), done)

    def action_topic(self) -> None:
        question = self.selected()
        if question is None:
            return
        options: list[tuple[Any, Text]] = [
            (topic_id, Text(f"{title}  ({topic_id})")) for topic_id, title in self.model.topics()
        ]
        options.append(("", Text("No topic (use the suggestion)", style="dim")))

        def done(topic: str | None) -> None:
            if topic is not None:
                self.send({"type": "topic", "question_id": question["id"], "topic": topic or None})

        self.app.push_screen(PickScreen(f"Topic for #{question['id']}", options), done)

    def action_merge(self) -> None:
        question = self.selected()
        if question is None:
            return
        targets = self.model.merge_targets(question["id"])
        if not targets:
            self.notify("There is no other question to merge into.", markup=False)
            return
        options: list[tuple[Any, Text]] = []
        for target in targets[:50]:
            label = Text(f"#{target['id']} ", style="bold")
            label.append(
                f"[{target['state'].replace('_', ' ')}, {target.get('votes', 0)}] ", style="dim"
            )
            label.append(target["text"])
            options.append((target["id"], label))

        def done(target_id: int | None) -> None:
            if target_id is not None:
                self.send(
                    {"type": "merge", "question_id": question["id"], "into": target_id},
                    done=f"Merged #{question['id']} into #{target_id}",
                )

        self.app.push_screen(
            PickScreen(f"Merge #{question['id']} into… (most similar first)", options), done
        )

    def action_topics(self) -> None:
        from ..topics import emergent_groups

        groups = self.model.by_topic()
        others = next((qs for topic, _, qs in groups if topic == "other"), [])
        emergent = emergent_groups(
            {q["id"]: q["text"] for q in others}, {q["id"]: "other" for q in others}
        )

        def done(question_id: int | None) -> None:
            if question_id is not None:
                self.jump_to(question_id)

        self.app.push_screen(TopicsScreen(groups, emergent), done)

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(KEYS))

    def action_quit_app(self) -> None:
        question = self.settings.quit_question

        def done(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._record_and_quit(), group="record", exclusive=True)

        self.app.push_screen(ConfirmScreen(question), done)

    async def _record_and_quit(self) -> None:
        """Write the session's record beside the database, then quit."""
        app: DashboardApp = self.app  # type: ignore[assignment]
        await app.write_record()
        app.exit()

    def action_record(self) -> None:
        self.run_worker(self._preview_record(), group="record", exclusive=True)

    async def _preview_record(self) -> None:
        app: DashboardApp = self.app  # type: ignore[assignment]
        reply = await app.link.request({"type": "export"})
        if reply.get("type") != "ack":
            self.notify(
                str(reply.get("message")), title="No record", severity="error", markup=False
            )
            return
        target = app.record_path(reply)

        def done(write: bool | None) -> None:
            if write:
                self.run_worker(app.write_record(), group="record", exclusive=True)

        app.push_screen(RecordScreen(str(reply["markdown"]), str(target)), done)
