"""Structural edits of the builder's exercise rows on the raw submitted form data.

Working on the raw data rather than on parsed values is what keeps every typed character,
including invalid input the therapist has not fixed yet, when a row is added, removed or moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from ..numbers import parse_whole

ROW_KEY = re.compile(r"^(?P<prefix>[a-z_]+)-(?P<index>[0-9]{1,3})-(?P<field>[a-z_]+)$")


@dataclass(frozen=True)
class Action:
    """What the therapist asked for with the button they pressed."""

    kind: str  # update | preview | download | template | search | add | remove | up | down
    argument: str = ""

    @property
    def index(self) -> int | None:
        return parse_whole(self.argument, max_digits=3)


ACTIONS = {"update", "preview", "download", "template", "search", "add", "remove", "up", "down"}


def parse_action(value: str | None) -> Action:
    """``"remove:2"`` -> Action("remove", "2"); anything unknown is a plain update."""
    kind, _, argument = (value or "update").partition(":")
    if kind not in ACTIONS:
        return Action("update")
    return Action(kind, argument[:80])


def split_rows(formdata: MultiDict, prefix: str) -> tuple[MultiDict, list[MultiDict]]:
    """Separate ``prefix-N-field`` keys into one MultiDict per row, in index order."""
    rest: MultiDict = MultiDict()
    rows: dict[int, MultiDict] = {}
    for key, values in formdata.lists():
        match = ROW_KEY.match(key)
        if match and match["prefix"] == prefix:
            rows.setdefault(int(match["index"]), MultiDict()).setlist(match["field"], values)
        else:
            rest.setlist(key, values)
    return rest, [rows[i] for i in sorted(rows)]


def join_rows(rest: MultiDict, prefix: str, rows: list[MultiDict]) -> MultiDict:
    """Inverse of :func:`split_rows`, numbering the rows 0..n-1."""
    joined = MultiDict(rest)
    for index, row in enumerate(rows):
        for field, values in row.lists():
            joined.setlist(f"{prefix}-{index}-{field}", values)
    return joined


def apply_row_action(formdata: MultiDict, prefix: str, action: Action,
                     new_row: MultiDict | None = None) -> MultiDict:
    """Remove, move or append a row; returns new form data with rows renumbered."""
    rest, rows = split_rows(formdata, prefix)
    index = action.index
    if action.kind == "remove" and index is not None and index < len(rows):
        del rows[index]
    elif action.kind == "up" and index is not None and 0 < index < len(rows):
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif action.kind == "down" and index is not None and index < len(rows) - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
    elif action.kind == "add" and new_row is not None:
        rows.append(new_row)
    return join_rows(rest, prefix, rows)


def row_from_item(item_data: dict) -> MultiDict:
    """Raw form data for a new row from a program item's values."""
    return MultiDict({key: "" if value is None else str(value) for key, value in item_data.items()})
