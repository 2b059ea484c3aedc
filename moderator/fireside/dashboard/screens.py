"""Modal screens: help, edit, topic, merge, full text, token, join QR and the quit question."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static, Tree
from textual.widgets.option_list import Option

from .qr import qr_modules, qr_text

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    """A modal window: a box with a title line over its body; its close key answers
    ``CLOSED``, the answer for "nothing chosen"."""

    CLOSED: ClassVar[Any] = None
    BOX_ID: ClassVar[str | None] = None
    """The box's id, for the windows the stylesheet sizes apart."""
    BOX_CLASSES: ClassVar[str] = "dialog"

    def __init__(self, title: str | Text) -> None:
        super().__init__()
        self.heading = title
        """The title line: a ``str`` is Textual markup (our own words only), else ``Text``."""

    def compose(self) -> ComposeResult:
        with Vertical(classes=self.BOX_CLASSES, id=self.BOX_ID):
            # A Static wraps: a long question is read whole on a narrow terminal.
            yield Static(self.heading, classes="dialog-title")
            yield from self.body()

    def body(self) -> ComposeResult:
        """What the window shows under its title."""
        raise NotImplementedError

    def action_close(self) -> None:
        self.dismiss(self.CLOSED)


class HelpScreen(Dialog[None]):
    """Every key of the dashboard, generated from its bindings."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="help.close")]
    BOX_ID, BOX_CLASSES = "help-box", ""

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__(
            "Keys  ·  tab switches between inbox and queue  ·  "
            "ctrl+p opens the command palette  ·  esc closes"
        )
        self.bindings_shown = bindings

    def body(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="dim")
        for binding in self.bindings_shown:
            key = binding.key_display or binding.key
            table.add_row(Text(key), Text(binding.description), Text(binding.tooltip))
        with VerticalScroll():
            yield Static(table)


class EditScreen(Dialog[str | None]):
    """Edit a question's text; the original stays in its history."""

    BINDINGS = [Binding("escape", "close", "Cancel", id="edit.cancel")]

    def __init__(self, question: dict[str, Any], max_chars: int) -> None:
        super().__init__(f"Edit #{question['id']}  (enter saves, esc cancels)")
        self.question = question
        self.max_chars = max_chars

    def body(self) -> ComposeResult:
        yield Input(value=self.question["text"], max_length=self.max_chars, id="edit-text")
        if self.question.get("edited"):
            yield Static(Text("original: " + self.question.get("original_text", ""), style="dim"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text if text and text != self.question["text"] else None)


class PickScreen(Dialog[Any]):
    """Pick one option from a list (topics, merge targets); esc cancels."""

    BINDINGS = [Binding("escape", "close", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, options: list[tuple[Any, Text]]) -> None:
        super().__init__(title)
        self.choices = options

    def body(self) -> ComposeResult:
        yield OptionList(
            *[Option(label, id=str(index)) for index, (_, label) in enumerate(self.choices)],
            id="pick-list",
        )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.choices[index][0])


class ConfirmScreen(Dialog[bool]):
    """A yes/no question; y or enter says yes, n or esc says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def body(self) -> ComposeResult:
        with Horizontal(classes="buttons"):
            yield Button("Yes (y)", id="yes", variant="error")
            yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TopicsScreen(Dialog[int | None]):
    """Questions grouped by topic, with counts; enter on a question jumps to it."""

    BINDINGS = [Binding("escape,g", "close", "Close", id="topics.close")]
    BOX_ID = "topics-box"

    def __init__(
        self,
        groups: list[tuple[str, str, list[dict[str, Any]]]],
        emergent: dict[int, str],
    ) -> None:
        super().__init__("By topic · enter jumps to a question · esc closes")
        self.groups = groups
        self.emergent = emergent

    def body(self) -> ComposeResult:
        tree: Tree[int | None] = Tree(Text("Questions by topic"), id="topics-tree")
        tree.root.expand()
        for topic, title, questions in self.groups:
            label = Text(f"{title} ", style="bold")
            label.append(f"({len(questions)})", style="dim")
            node = tree.root.add(label, expand=True)
            if topic == "other":
                themed: dict[str, list[dict[str, Any]]] = {}
                for question in questions:
                    themed.setdefault(self.emergent.get(question["id"], ""), []).append(question)
                for theme, members in sorted(themed.items(), key=lambda kv: (not kv[0], kv[0])):
                    parent = node
                    if theme:
                        parent = node.add(
                            Text(f"“{theme}” ({len(members)})", style="italic"), expand=True
                        )
                    for question in members:
                        parent.add_leaf(_leaf(question), data=question["id"])
            else:
                for question in questions:
                    node.add_leaf(_leaf(question), data=question["id"])
        yield tree

    def on_tree_node_selected(self, event: Tree.NodeSelected[int | None]) -> None:
        if event.node.data is not None:
            self.dismiss(event.node.data)


def _leaf(question: dict[str, Any]) -> Text:
    label = Text(f"#{question['id']} ", style="bold")
    label.append(
        f"[{question['state'].replace('_', ' ')}, {question.get('votes', 0)}] ", style="dim"
    )
    label.append(question["text"])
    return label


class RecordScreen(Dialog[bool]):
    """A preview of the session's Markdown record; w writes it beside the database."""

    BINDINGS = [
        Binding("w", "write", "Write the file", id="record.write"),
        Binding("escape,x", "close", "Close", id="record.close"),
    ]
    CLOSED = False
    BOX_ID, BOX_CLASSES = "record-box", ""

    def __init__(self, markdown: str, target: str) -> None:
        super().__init__(Text(f"Session record · w writes {target} · esc closes"))
        self.markdown = markdown
        self.target = target

    def body(self) -> ComposeResult:
        # Textual's Markdown loads markdown-it and linkify: not on the way to opening.
        from textual.widgets import Markdown

        with VerticalScroll():
            yield Markdown(self.markdown, id="record-markdown")

    def action_write(self) -> None:
        self.dismiss(True)


class QuestionScreen(Dialog[None]):
    """One question in full, however long, with its hints and original text."""

    BINDINGS = [Binding("escape,v,q", "close", "Close", id="question.close")]
    BOX_ID = "question-box"

    def __init__(self, details: Text) -> None:
        super().__init__(Text("The question in full · esc closes", style="bold"))
        self.details = details

    def body(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self.details, id="question-text")


#: What stands for the token until the moderator asks to see it.
MASK = "•" * 12


class TokenScreen(Dialog[None]):
    """The moderator token, masked until asked, to hand to a co-moderator."""

    BINDINGS = [
        Binding("s", "reveal", "Show", id="token.show"),
        Binding("escape,k,q", "close", "Close", id="token.close"),
    ]

    def __init__(self, token: str) -> None:
        super().__init__(Text("Moderator token", style="bold"))
        self.token = token
        self.revealed = False

    def body(self) -> ComposeResult:
        yield Static(Text(MASK), id="token-value")
        # A Static, not a Label: it wraps on a narrow terminal instead of being cut.
        yield Static(
            Text(
                "s shows it (mind who can see the screen) · esc closes\n"
                "A co-moderator opens: fireside dashboard HOST (and types it when asked)",
                style="dim",
            )
        )

    def action_reveal(self) -> None:
        self.revealed = not self.revealed
        shown = Text(self.token, style="bold") if self.revealed else Text(MASK)
        self.query_one("#token-value", Static).update(shown)


class JoinScreen(ModalScreen[None]):
    """The attendee page's address as a QR code, large enough to project, and the command."""

    BINDINGS = [Binding("escape,j,q", "close", "Close", id="join.close")]

    def __init__(self, url: str, command: str) -> None:
        super().__init__()
        self.url = url
        self.command = command

    def compose(self) -> ComposeResult:
        with Vertical(id="join-box"):
            # Centred: the command under it is often wider than the code.
            with Center():
                yield Static(
                    qr_text(self.url, scale=self.scale_for(self.app.size)), id="join-qr"
                )
            yield Label(Text(self.url, style="bold"), id="join-url")
            # A Static, so that the long pipx command wraps on a narrow terminal.
            yield Static(Text(f"Terminal: {self.command}", style="dim"), id="join-command")

    def scale_for(self, size: Size) -> int:
        """2 (twice as large, for a projector) when the screen has room for it, else 1."""
        modules = len(qr_modules(self.url))
        # Room for the code, the address and the command's lines under it, and the frame.
        return 2 if size.height >= modules + 6 and size.width >= 2 * modules + 4 else 1

    def on_resize(self, event: events.Resize) -> None:
        self.query_one("#join-qr", Static).update(
            qr_text(self.url, scale=self.scale_for(self.app.size))
        )

    def action_close(self) -> None:
        self.dismiss(None)


class TokenPromptScreen(Dialog[str | None]):
    """The hub refused the token: say why and ask for it again; esc gives up."""

    BINDINGS = [Binding("escape", "close", "Give up", id="token-prompt.give-up")]

    def __init__(self, reason: str) -> None:
        super().__init__(Text("The hub refused this dashboard", style="bold red"))
        self.reason = reason

    def body(self) -> ComposeResult:
        yield Static(Text(self.reason))
        yield Label(Text("Moderator token (enter tries it, esc quits):"))
        yield Input(password=True, id="token-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        if token:
            self.dismiss(token)
