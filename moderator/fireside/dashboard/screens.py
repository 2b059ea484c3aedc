"""Modal screens: help, edit, topic, merge, full text, token, join QR and the quit question."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Markdown, OptionList, Static, Tree
from textual.widgets.option_list import Option

from .qr import qr_text


class HelpScreen(ModalScreen[None]):
    """Every key of the dashboard, generated from its bindings."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", id="help.close")]

    def __init__(self, bindings: list[Binding]) -> None:
        super().__init__()
        self.bindings_shown = bindings

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(style="dim")
        for binding in self.bindings_shown:
            key = binding.key_display or binding.key
            table.add_row(Text(key), Text(binding.description), Text(binding.tooltip))
        with Vertical(id="help-box"):
            yield Label(
                "Keys  ·  tab switches between inbox and queue  ·  "
                "ctrl+p opens the command palette  ·  esc closes"
            )
            with VerticalScroll():
                yield Static(table)

    def action_dismiss(self, result: None = None) -> Any:
        self.dismiss(None)


class EditScreen(ModalScreen[str | None]):
    """Edit a question's text; the original stays in its history."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="edit.cancel")]

    def __init__(self, question: dict[str, Any], max_chars: int) -> None:
        super().__init__()
        self.question = question
        self.max_chars = max_chars

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(f"Edit #{self.question['id']}  (enter saves, esc cancels)")
            yield Input(value=self.question["text"], max_length=self.max_chars, id="edit-text")
            if self.question.get("edited"):
                yield Static(
                    Text("original: " + self.question.get("original_text", ""), style="dim")
                )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        self.dismiss(text if text and text != self.question["text"] else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickScreen(ModalScreen[Any]):
    """Pick one option from a list (topics, merge targets); esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="pick.cancel")]

    def __init__(self, title: str, options: list[tuple[Any, Text]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text)
            yield OptionList(
                *[Option(label, id=str(index)) for index, (_, label) in enumerate(self.choices)],
                id="pick-list",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.choices[index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y or enter says yes, n or esc says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TopicsScreen(ModalScreen[int | None]):
    """Questions grouped by topic, with counts; enter on a question jumps to it."""

    BINDINGS = [Binding("escape,g", "cancel", "Close", id="topics.close")]

    def __init__(
        self,
        groups: list[tuple[str, str, list[dict[str, Any]]]],
        emergent: dict[int, str],
    ) -> None:
        super().__init__()
        self.groups = groups
        self.emergent = emergent

    def compose(self) -> ComposeResult:
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
        with Vertical(classes="dialog", id="topics-box"):
            yield Label("By topic · enter jumps to a question · esc closes")
            yield tree

    def on_tree_node_selected(self, event: Tree.NodeSelected[int | None]) -> None:
        if event.node.data is not None:
            self.dismiss(event.node.data)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _leaf(question: dict[str, Any]) -> Text:
    label = Text(f"#{question['id']} ", style="bold")
    label.append(
        f"[{question['state'].replace('_', ' ')}, {question.get('votes', 0)}] ", style="dim"
    )
    label.append(question["text"])
    return label


class RecordScreen(ModalScreen[bool]):
    """A preview of the session's Markdown record; w writes it beside the database."""

    BINDINGS = [
        Binding("w", "write", "Write the file", id="record.write"),
        Binding("escape,x", "close", "Close", id="record.close"),
    ]

    def __init__(self, markdown: str, target: str) -> None:
        super().__init__()
        self.markdown = markdown
        self.target = target

    def compose(self) -> ComposeResult:
        with Vertical(id="record-box"):
            yield Label(Text(f"Session record · w writes {self.target} · esc closes"))
            with VerticalScroll():
                yield Markdown(self.markdown, id="record-markdown")

    def action_write(self) -> None:
        self.dismiss(True)

    def action_close(self) -> None:
        self.dismiss(False)


class QuestionScreen(ModalScreen[None]):
    """One question in full, however long, with its hints and original text."""

    BINDINGS = [Binding("escape,v,q", "close", "Close", id="question.close")]

    def __init__(self, details: Text) -> None:
        super().__init__()
        self.details = details

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="question-box"):
            yield Label(Text("The question in full · esc closes", style="bold"))
            with VerticalScroll():
                yield Static(self.details, id="question-text")

    def action_close(self) -> None:
        self.dismiss(None)


#: What stands for the token until the moderator asks to see it.
MASK = "•" * 12


class TokenScreen(ModalScreen[None]):
    """The moderator token, masked until asked, to hand to a co-moderator."""

    BINDINGS = [
        Binding("s", "reveal", "Show", id="token.show"),
        Binding("escape,k,q", "close", "Close", id="token.close"),
    ]

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.revealed = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("Moderator token", style="bold"))
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

    def action_close(self) -> None:
        self.dismiss(None)


class JoinScreen(ModalScreen[None]):
    """The attendee page's address as a QR code, large enough to project, and the command."""

    BINDINGS = [Binding("escape,j,q", "close", "Close", id="join.close")]

    def __init__(self, url: str, command: str) -> None:
        super().__init__()
        self.url = url
        self.command = command

    def compose(self) -> ComposeResult:
        with Vertical(id="join-box"):
            yield Static(qr_text(self.url), id="join-qr")
            yield Label(Text(self.url, style="bold"), id="join-url")
            yield Label(Text(f"Terminal: {self.command}", style="dim"), id="join-command")

    def action_close(self) -> None:
        self.dismiss(None)


class TokenPromptScreen(ModalScreen[str | None]):
    """The hub refused the token: say why and ask for it again; esc gives up."""

    BINDINGS = [Binding("escape", "give_up", "Give up", id="token-prompt.give-up")]

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Text("The hub refused this dashboard", style="bold red"))
            yield Static(Text(self.reason))
            yield Label(Text("Moderator token (enter tries it, esc quits):"))
            yield Input(password=True, id="token-input")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        token = event.value.strip()
        if token:
            self.dismiss(token)

    def action_give_up(self) -> None:
        self.dismiss(None)
