"""The wording layer: every number and side a patient reads, in plain words, from the program.

Doses read "Do 10 times. Rest 1 minute. Do this 3 times."; a step's ``{hold}`` becomes the hold
the therapist set; the side line names the leg that works and the leg that stands or rests; "How
often" is derived from the program's rows. Numbers are written as digits (easier to scan) and the
patient never has to calculate anything. Nothing else may put a dose number into patient text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prescribe.catalog import Dose, Exercise
from prescribe.catalog.markup import fill

OPPOSITE = {"left": "right", "right": "left"}
ALTERNATE_LINE = "Switch {limb}s each time."


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def duration(seconds: int) -> str:
    """``45`` -> "45 seconds", ``60`` -> "1 minute", ``150`` -> "2 minutes 30 seconds"."""
    minutes, rest = divmod(seconds, 60)
    parts = []
    if minutes:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    if rest or not minutes:
        parts.append(f"{rest} second" + ("s" if rest != 1 else ""))
    return " ".join(parts)


def _per_week(days: int) -> str:
    return "every day" if days == 7 else f"{days} day a week" if days == 1 else f"{days} days a week"


def _frequency(times_per_day: int, days_per_week: int) -> str:
    return f"{_times(times_per_day)} a day, {_per_week(days_per_week)}"


def frequency_phrase(dose: Dose) -> str:
    """"twice a day, every day" / "once a day, 3 days a week"."""
    return _frequency(dose.times_per_day, dose.days_per_week)


def frequency_in_words(dose: Dose, start_gently: bool = False) -> str:
    """"Twice a day, every day." / "Once a day, 3 days a week."

    With ``start_gently`` (the program starts low and builds up), a dose of 3 or more days a week
    starts on 1 or 2 days a week and adds a day each week until it reaches the days set.
    """
    if start_gently and dose.days_per_week > 2:
        return (f"{_times(dose.times_per_day).capitalize()} a day. Start with 1 or 2 days a week. "
                f"Add a day each week until you do it {_per_week(dose.days_per_week)}.")
    return frequency_phrase(dose).capitalize() + "."


def amount_in_words(dose: Dose) -> list[str]:
    """The how-much sentences, without frequency or side."""
    if dose.minutes is not None:
        return [f"Keep going for {dose.minutes} minute{'s' if dose.minutes != 1 else ''}."]
    if dose.reps is not None:
        lines = [f"Do {dose.reps} time{'s' if dose.reps != 1 else ''}."]
        if dose.hold_seconds:
            lines.append(f"Hold each one for {duration(dose.hold_seconds)}.")
    else:
        lines = [f"Hold for {duration(dose.hold_seconds or 0)}."]
    if dose.sets > 1:
        if dose.rest_seconds:
            lines.append(f"Rest {duration(dose.rest_seconds)}.")
        lines.append(f"Do this {dose.sets} times.")
    return lines


def amount_in_short(dose: Dose, side: str = "", limb: str = "leg") -> str:
    """The amount in a few words, for the program at a glance and the log: "3 rounds of 10 with
    each leg, hold 5 seconds", "Hold 30 seconds, 3 times", "10 minutes" (``limb``: leg or arm)."""
    each = f" with each {limb}" if side in ("both", "alternate") else ""
    if dose.minutes is not None:
        return f"{dose.minutes} minute{'s' if dose.minutes != 1 else ''}"
    if dose.reps is not None:
        amount = f"{dose.sets} rounds of {dose.reps}" if dose.sets > 1 else _times(dose.reps).capitalize()
        hold = f", hold {duration(dose.hold_seconds)}" if dose.hold_seconds else ""
        return f"{amount}{each}{hold}"
    on_each = " on each side" if side == "both" else ""
    return f"Hold {duration(dose.hold_seconds or 0)}{on_each}" + (f", {dose.sets} times" if dose.sets > 1 else "")


def dose_in_words(dose: Dose, side: str = "", start_gently: bool = False, limb: str = "leg") -> list[str]:
    """The whole dose as short sentences, e.g. for a card's "How much" box (sides: :func:`side_line`)."""
    lines = amount_in_words(dose)
    if dose.reps is not None and side in ("both", "alternate"):
        # "Do 10 times with each leg." leaves no doubt whether 10 is per leg or in total.
        lines[0] = f"Do {dose.reps} time{'s' if dose.reps != 1 else ''} with each {limb}."
    elif dose.reps is None and dose.minutes is None and side == "both":
        lines[0] = f"Hold for {duration(dose.hold_seconds or 0)} on each side."
    lines.append(frequency_in_words(dose, start_gently))
    return lines


def side_line(exercise: Exercise, side: str) -> str:
    """Which leg (or arm) does what: "Stand on your left leg. Lift your right leg out to the side."

    ``side`` is the program row's side: one leg (``left``/``right``, the leg that works), ``both``
    or ``alternate``. For both sides, the dose already says "with each leg" or "on each side": the
    line only says how to change legs where that is not obvious. Empty for exercises not done per side.
    """
    if not exercise.per_side or not side:
        return ""
    if side in OPPOSITE:
        return fill(exercise.one_side, {"side": side, "other": OPPOSITE[side]})
    return ALTERNATE_LINE.format(limb=exercise.limb) if side == "alternate" else fill(exercise.to_switch)


def dose_values(dose: Dose) -> dict[str, str | None]:
    """The words a step's placeholders take from the dose: ``{hold}`` -> "7 seconds"."""
    return {
        "hold": duration(dose.hold_seconds) if dose.hold_seconds else None,
        "reps": str(dose.reps) if dose.reps else None,
        "minutes": (f"{dose.minutes} minute" + ("s" if dose.minutes != 1 else "")) if dose.minutes else None,
        "sets": str(dose.sets),
    }


def filled(texts: Iterable[str], dose: Dose) -> tuple[str, ...]:
    """Steps or tips as the patient reads them, with the tailored dose's numbers."""
    values = dose_values(dose)
    return tuple(text for text in (fill(t, values) for t in texts) if text)


def how_often_lines(rows: Sequence[tuple[str, Dose]], start_gently: bool = False) -> list[str]:
    """The handout's "How often", derived from the program's rows (exercise name, dose).

    One sentence when every row has the same frequency, else one line per frequency naming its
    exercises in program order; 2 or 3 days a week are done with a day off in between.
    """
    groups: dict[tuple[int, int], list[str]] = {}
    for name, dose in rows:
        groups.setdefault((dose.times_per_day, dose.days_per_week), []).append(name)
    phrases = {key: _frequency(*key) + (", with a day off in between" if key[1] in (2, 3) else "") for key in groups}
    if len(groups) == 1:
        lines = [f"Do all your exercises {next(iter(phrases.values()))}."]
    else:
        lines = [f"{phrases[key][0].upper()}{phrases[key][1:]}: {_join(names)}." for key, names in groups.items()]
    if start_gently and any(days > 2 for _, days in groups):
        lines.append("Start gently. In the first week, do them on 1 or 2 days. "
                     "Then add a day each week, as each exercise says.")
    return lines


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def dose_summary(dose: Dose) -> str:
    """A compact therapist-facing summary, e.g. "3 × 10, hold 3 s · 2×/day · 7 d/wk"."""
    if dose.minutes is not None:
        amount = f"{dose.minutes} min"
    elif dose.reps is not None:
        amount = f"{dose.sets} × {dose.reps}" + (f", hold {dose.hold_seconds} s" if dose.hold_seconds else "")
    else:
        amount = f"{dose.sets} × {dose.hold_seconds} s hold"
    return f"{amount} · {dose.times_per_day}×/day · {dose.days_per_week} d/wk"


def timer_seconds(dose: Dose) -> int | None:
    """How long the patient's page times one go: the hold, or the minutes of a timed exercise (None: no timer)."""
    if dose.hold_seconds:
        return dose.hold_seconds
    return dose.minutes * 60 if dose.minutes else None


def timer_label(dose: Dose) -> str:
    """The timer button's words: "Time my hold: 30 seconds", "Time it: 10 minutes" ("" when there is no timer)."""
    seconds = timer_seconds(dose)
    if seconds is None:
        return ""
    return f"Time my hold: {duration(seconds)}" if dose.hold_seconds else f"Time it: {duration(seconds)}"
