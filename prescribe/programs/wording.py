"""Doses in plain words, as a patient reads them: "Do 10 times. Rest 1 minute. Do this 3 times."

Numbers are written as digits (easier to scan) and the patient never has to calculate anything.
"""

from __future__ import annotations

from prescribe.catalog import Dose

_SIDE_WORDS = {
    "left": "Left leg only.",
    "right": "Right leg only.",
    "both": "Do both legs.",
    "alternate": "Switch legs each time.",
}


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


def frequency_in_words(dose: Dose) -> str:
    """"Twice a day, every day." / "Once a day, 3 days a week.\""""
    per_day = _times(dose.times_per_day).capitalize() + " a day"
    per_week = "every day" if dose.days_per_week == 7 else (
        f"{dose.days_per_week} day a week" if dose.days_per_week == 1
        else f"{dose.days_per_week} days a week")
    return f"{per_day}, {per_week}."


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


def dose_in_words(dose: Dose, side: str = "") -> list[str]:
    """The whole dose as short sentences, e.g. for a card's "How much" box."""
    lines = amount_in_words(dose)
    if dose.reps is not None and side in ("both", "alternate"):
        # "Do 10 times with each leg." leaves no doubt whether 10 is per leg or in total.
        lines[0] = f"Do {dose.reps} time{'s' if dose.reps != 1 else ''} with each leg."
    lines.append(frequency_in_words(dose))
    if side in _SIDE_WORDS and not (dose.reps is not None and side == "both"):
        lines.append(_SIDE_WORDS[side])
    return lines


def dose_summary(dose: Dose) -> str:
    """A compact therapist-facing summary, e.g. "3 × 10, hold 3 s · 2×/day · 7 d/wk"."""
    if dose.minutes is not None:
        amount = f"{dose.minutes} min"
    elif dose.reps is not None:
        amount = f"{dose.sets} × {dose.reps}" + (f", hold {dose.hold_seconds} s" if dose.hold_seconds else "")
    else:
        amount = f"{dose.sets} × {dose.hold_seconds} s hold"
    return f"{amount} · {dose.times_per_day}×/day · {dose.days_per_week} d/wk"
