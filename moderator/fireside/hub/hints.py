"""Hints for the moderator: a suggested topic and an earlier question asking the same,
and what the moderator's topic and merge actions teach them."""

from __future__ import annotations

from fireside_ask import protocol as p

from ..agenda import Agenda
from ..room import Change, Question, Room
from ..topics import DuplicateIndex, TopicSuggester


def _live(question: Question) -> bool:
    """Whether a question can still be the original of a duplicate."""
    return question.state != p.REJECTED and question.merged_into is None


class Hints:
    """The topic suggester and duplicate index of one hub, kept in step with its room."""

    def __init__(self, agenda: Agenda) -> None:
        self.topics = TopicSuggester(agenda)
        self.duplicates = DuplicateIndex()

    def suggest(self, question: Question) -> None:
        """Suggest a topic and look for an earlier question asking the same, on arrival.

        Both are hints for the moderator, stored with the question: a topic the moderator
        sets wins, and a duplicate is only ever merged by the moderator.
        """
        suggestion = self.topics.suggest(question.text, live_segment=question.segment)
        question.suggested_topic = suggestion.topic
        question.suggestion_words = " ".join(suggestion.words) or None
        question.duplicate_of = self.duplicates.find(question.text)
        self.duplicates.add(question.id, question.text)

    def learn(self, change: Change, room: Room) -> None:
        """Turn the moderator's topic and merge actions into examples for later hints."""
        action = change.action
        if action is None or action.undone or action.kind not in ("topic", "merge"):
            return
        question = room.questions.get(action.question_id)
        if question is None:
            return
        if action.kind == "topic" and question.topic:
            self.topics.learn(question.text, question.topic)
        elif action.kind == "merge" and question.merged_into is not None:
            self.duplicates.learn_merge(question.text, question.merged_into)

    def index(self, room: Room) -> None:
        """Index the live questions of a (re)loaded room for duplicate search."""
        self.duplicates = DuplicateIndex()
        for question in sorted(room.questions.values(), key=lambda q: q.id):
            if _live(question):
                self.duplicates.add(question.id, question.text)

    def reindex(self, change: Change) -> None:
        """Keep the duplicate index to questions that are live, with their current text."""
        for question in change.questions:
            self.duplicates.remove(question.id)
            if _live(question):
                self.duplicates.add(question.id, question.text)
