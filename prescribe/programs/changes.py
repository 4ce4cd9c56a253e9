"""What changed between two versions of a program, in the words the handout's box prints.

"What changed since your last visit" lists exercises added, exercises to stop, and dose changes
("Bridge: do 12 times (was 10)."), so a patient sees at a glance what is new on the sheet.
"""

from __future__ import annotations

from prescribe.catalog import Catalog

from .model import Program, ProgramItem
from .wording import duration

NO_CHANGES = "Your exercises are the same as last time."
_SIDES = {"left": "left {limb} only", "right": "right {limb} only", "both": "both {limb}s",
          "alternate": "switch {limb}s", "": "no side"}


def _sides(side: str, limb: str) -> str:
    return _SIDES.get(side, side).format(limb=limb)


def _times(count: int | None) -> str:
    return {1: "once", 2: "twice"}.get(count or 0, f"{count} times")


def _dose_changes(old: ProgramItem, new: ProgramItem, limb: str = "leg") -> list[str]:
    """Each changed part of an exercise's dose as "do 12 times (was 10)"."""
    before, after = old.dose, new.dose
    parts = []
    if after.reps != before.reps and after.reps is not None and before.reps is not None:
        parts.append(f"do {after.reps} times (was {before.reps})")
    if after.hold_seconds != before.hold_seconds and after.hold_seconds and before.hold_seconds:
        parts.append(f"hold {duration(after.hold_seconds)} (was {duration(before.hold_seconds)})")
    elif after.hold_seconds and not before.hold_seconds:
        parts.append(f"now hold {duration(after.hold_seconds)}")
    elif before.hold_seconds and not after.hold_seconds and after.minutes is None:
        parts.append("no hold now")
    if after.sets != before.sets and after.minutes is None:
        parts.append(f"do the set {_times(after.sets)} (was {_times(before.sets)})")
    if after.minutes != before.minutes and after.minutes is not None and before.minutes is not None:
        parts.append(f"keep going {after.minutes} minutes (was {before.minutes})")
    if after.rest_seconds != before.rest_seconds and after.sets > 1:
        parts.append(f"rest {duration(after.rest_seconds)} (was {duration(before.rest_seconds)})")
    if after.times_per_day != before.times_per_day:
        parts.append(f"{_times(after.times_per_day)} a day (was {_times(before.times_per_day)})")
    if after.days_per_week != before.days_per_week:
        parts.append(f"{after.days_per_week} days a week (was {before.days_per_week})")
    if new.side != old.side:
        parts.append(f"{_sides(new.side, limb)} (was {_sides(old.side, limb)})")
    if new.resistance != old.resistance:
        parts.append(f"use {new.resistance or 'no band or weight'} (was {old.resistance or 'none'})")
    return parts


def describe_changes(previous: Program, current: Program, catalog: Catalog) -> tuple[str, ...]:
    """The lines of the "What changed since your last visit" box: new, changed, then stopped exercises."""
    def name(slug: str) -> str:
        exercise = catalog.exercise(slug)
        return exercise.name if exercise else slug

    old_items = {item.exercise: item for item in previous.items}
    new_items = {item.exercise: item for item in current.items}
    lines = []
    for slug in new_items:
        if slug not in old_items:
            lines.append(f"New: {name(slug)}.")
    for slug, item in new_items.items():
        if slug in old_items:
            exercise = catalog.exercise(slug)
            parts = _dose_changes(old_items[slug], item, exercise.limb if exercise else "leg")
            if parts:
                lines.append(f"{name(slug)}: {', '.join(parts)}.")
    for slug in old_items:
        if slug not in new_items:
            lines.append(f"Stop: {name(slug)}.")
    return tuple(lines) or (NO_CHANGES,)
