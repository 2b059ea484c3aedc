"""The Textual internals the dashboard relies on are still there, with the same shape.

``QuestionTable`` overrides ``DataTable._update_dimensions`` and appends rows through
DataTable's private row stores; ``KeysFooter`` marks ``FooterKey``s and skips ``recompose``
until Footer's private ``_bindings_ready`` says its keys are known. Textual is pinned to the
tested minor in pyproject.toml; these tests fail first when an upgrade moves them.
"""

from __future__ import annotations

import inspect

from textual.widgets import DataTable


def test_datatable_update_dimensions_keeps_the_signature_question_table_overrides() -> None:
    """Opening a large session stays fast: the method QuestionTable skips is still called so."""
    parameters = list(inspect.signature(DataTable._update_dimensions).parameters)
    assert parameters == ["self", "new_rows"]


def test_datatable_keeps_the_row_stores_question_table_appends_to() -> None:
    """Rows appended in one go land where DataTable itself keeps rows."""
    made_in_init = inspect.getsource(DataTable.__init__)
    for name in ("_row_locations", "_data", "_new_rows", "_require_update_dimensions"):
        assert f"self.{name}" in made_in_init, f"DataTable keeps no {name} any more"
    assert "self._update_count" in inspect.getsource(DataTable)
    for name in ("_row_label_column_width", "_total_row_height"):
        assert isinstance(getattr(DataTable, name), property), name


def test_footer_key_is_where_keys_footer_imports_it() -> None:
    """The footer keeps ? Help on screen: FooterKey is still importable and has its action."""
    from textual.widgets._footer import FooterKey

    assert "action" in inspect.signature(FooterKey.__init__).parameters


def test_footer_keeps_the_readiness_flag_and_recompose_keys_footer_overrides() -> None:
    """The footer rebuilds when its keys change: Footer still marks when its bindings are ready."""
    from textual.widget import Widget
    from textual.widgets import Footer

    source = inspect.getsource(Footer)
    assert "_bindings_ready = reactive(" in source
    assert "self._bindings_ready = True" in source
    assert inspect.iscoroutinefunction(Widget.recompose)
    assert list(inspect.signature(Widget.recompose).parameters) == ["self"]
