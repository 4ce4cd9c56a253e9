"""Row actions: structural edits of the builder's exercise rows on the raw submitted form data.

Working on the raw data rather than on parsed values is what keeps every typed character,
including invalid input the therapist has not fixed yet, when a row is added, removed or moved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from prescribe.catalog import Catalog, Exercise
from prescribe.programs import new_item

from ..numbers import parse_whole

ROW_KEY = re.compile(r"^(?P<prefix>[a-z_]+)-(?P<index>[0-9]{1,3})-(?P<field>[a-z_]+)$")


@dataclass(frozen=True)
class Action:
    """What the therapist asked for with the button they pressed (or the row they dragged)."""

    kind: str  # update | preview | download | template | search | add | remove | up | down | move | swap | undo
    argument: str = ""

    @property
    def index(self) -> int | None:
        """The row the action is about: ``remove:2``, ``up:2``, ``swap:2:slug``, ``move:2:0``."""
        return parse_whole(self.argument.partition(":")[0], max_digits=3)

    @property
    def detail(self) -> str:
        """What follows the row: the place a row moves to, or the exercise it is swapped for."""
        return self.argument.partition(":")[2]

    @property
    def target(self) -> int | None:
        """Where ``move:FROM:TO`` puts the row."""
        return parse_whole(self.detail, max_digits=3)


ACTIONS = {"update", "preview", "download", "template", "search", "add", "remove", "up", "down", "move", "swap",
           "undo"}
# The actions that change the list of exercises (the page answers a script with that part only).
ROW_ACTIONS = frozenset({"add", "remove", "up", "down", "move", "swap", "undo"})
# A removed row's inputs travel with the form as ``removed-FIELD`` until the next row action, so
# Undo puts it back exactly as it was, typed text and all.
REMOVED = "removed"


def parse_action(value: str | None) -> Action:
    """``"remove:2"`` -> Action("remove", "2"); anything unknown is a plain update."""
    kind, _, argument = (value or "update").partition(":")
    if kind not in ACTIONS:
        return Action("update")
    return Action(kind, argument[:80])


@dataclass(frozen=True)
class RowChange:
    """The form data after a row action, and what the page says and focuses because of it."""

    formdata: MultiDict
    moved_to: int | None = None  # the row that moved (up, down, move) or came back (undo), now at this place
    removed: MultiDict | None = None  # the row just removed, for Undo
    removed_index: int | None = None


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


def _removed_row(rest: MultiDict) -> tuple[MultiDict, MultiDict, int | None]:
    """Take the ``removed-*`` inputs out of the form data: (the rest, the removed row, its place)."""
    kept: MultiDict = MultiDict()
    row: MultiDict = MultiDict()
    index = None
    for key, values in rest.lists():
        name, dash, field = key.partition("-")
        if name != REMOVED or not dash:
            kept.setlist(key, values)
        elif field == "index":
            index = parse_whole(values[0] if values else "", max_digits=3)
        elif field.isidentifier():
            row.setlist(field, values)
    return kept, row, index


def apply_row_action(formdata: MultiDict, prefix: str, action: Action,
                     new_row: MultiDict | None = None) -> RowChange:
    """Remove, move, swap, append or restore a row; the new form data has its rows renumbered.

    ``new_row`` is the row to append (add) or to put in place of the row (swap). Any earlier
    removal's ``removed-*`` inputs are dropped: Undo is for the last row action only.
    """
    rest, rows = split_rows(formdata, prefix)
    rest, removed, removed_at = _removed_row(rest)
    index = action.index
    count = len(rows)
    if action.kind == "remove" and index is not None and index < count:
        row = rows.pop(index)
        return RowChange(join_rows(rest, prefix, rows), removed=row, removed_index=index)
    if action.kind == "undo" and removed.get("exercise"):
        place = min(removed_at if removed_at is not None else count, count)
        rows.insert(place, removed)
        return RowChange(join_rows(rest, prefix, rows), moved_to=place)
    moved_to = None
    if action.kind == "up" and index is not None and 0 < index < count:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
        moved_to = index - 1
    elif action.kind == "down" and index is not None and index < count - 1:
        rows[index], rows[index + 1] = rows[index + 1], rows[index]
        moved_to = index + 1
    elif action.kind == "move" and index is not None and index < count and action.target is not None:
        moved_to = min(action.target, count - 1)
        rows.insert(moved_to, rows.pop(index))
    elif action.kind == "swap" and new_row is not None and index is not None and index < count:
        rows[index] = new_row
        moved_to = index
    elif action.kind == "add" and new_row is not None:
        rows.append(new_row)
        moved_to = len(rows) - 1
    return RowChange(join_rows(rest, prefix, rows), moved_to=moved_to)


def row_from_item(item_data: dict) -> MultiDict:
    """Raw form data for a new row from a program item's values."""
    return MultiDict({key: "" if value is None else str(value) for key, value in item_data.items()})


def new_row_for(exercise: Exercise, formdata: MultiDict, action: Action, catalog: Catalog) -> MultiDict:
    """A new row for ``exercise``: added at the end, or in place of the row it swaps for.

    A swapped row keeps its note and a side the therapist chose by hand; its dose is the one the
    diagnosis gives the new exercise, or the exercise's own.
    """
    diagnosis = catalog.diagnosis(formdata.get("diagnosis", ""))
    default_dose = next((entry.dose for entry in diagnosis.program if entry.exercise == exercise.slug),
                        None) if diagnosis else None
    item = new_item(exercise, default_dose, affected_side=formdata.get("affected_side", ""),
                    after_surgery=bool(diagnosis and diagnosis.surgery))
    values = {"exercise": item.exercise, **item.dose.as_dict(), "side": item.side, "side_default": item.side}
    if action.kind == "swap":
        old = f"exercises-{action.index}-"
        values["note"] = formdata.get(old + "note", "")
        side, followed = formdata.get(old + "side", ""), formdata.get(old + "side_default", "")
        if exercise.per_side and side and side != followed:
            values.update(side=side, side_default="")
    return row_from_item(values)
