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
from prescribe.i18n import Words, words_for

OPPOSITE = {"left": "right", "right": "left"}
# A side in Spanish agrees with its noun: {side_f} "izquierda" (pierna, cadera), {side_m} "izquierdo" (lado, pie).
SPANISH_SIDES = {"left": ("izquierda", "izquierdo"), "right": ("derecha", "derecho")}


def times(count: int, w: Words) -> str:
    """"once", "twice", "3 times" in ``w``'s language (also for the changes box: prescribe/programs/changes.py)."""
    if count == 1:
        return w.gettext("once")
    if count == 2:
        return w.gettext("twice")
    return w.ngettext("%(num)d time", "%(num)d times", count) % {"num": count}


def duration(seconds: int, lang: str = "en") -> str:
    """``45`` -> "45 seconds", ``60`` -> "1 minute", ``150`` -> "2 minutes 30 seconds"."""
    w = words_for(lang)
    minutes, rest = divmod(seconds, 60)
    in_minutes = w.ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}
    in_seconds = w.ngettext("%(num)d second", "%(num)d seconds", rest) % {"num": rest}
    if minutes and rest:
        return w.gettext("%(minutes)s %(seconds)s") % {"minutes": in_minutes, "seconds": in_seconds}
    return in_minutes if minutes else in_seconds


def _minutes(count: int, w: Words) -> str:
    return w.ngettext("%(num)d minute", "%(num)d minutes", count) % {"num": count}


def _per_week(days: int, w: Words) -> str:
    if days == 7:
        return w.gettext("every day")
    return w.ngettext("%(num)d day a week", "%(num)d days a week", days) % {"num": days}


def _frequency(times_per_day: int, days_per_week: int, w: Words) -> str:
    return w.gettext("%(times)s a day, %(days)s") % {"times": times(times_per_day, w),
                                                      "days": _per_week(days_per_week, w)}


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def frequency_phrase(dose: Dose, lang: str = "en") -> str:
    """"twice a day, every day" / "once a day, 3 days a week"."""
    return _frequency(dose.times_per_day, dose.days_per_week, words_for(lang))


def frequency_in_words(dose: Dose, start_gently: bool = False, lang: str = "en") -> str:
    """"Twice a day, every day." / "Once a day, 3 days a week."

    With ``start_gently`` (the program starts low and builds up), a dose of 3 or more days a week
    starts on 1 or 2 days a week and adds a day each week until it reaches the days set.
    """
    w = words_for(lang)
    if start_gently and dose.days_per_week > 2:
        return _capital(w.gettext("%(times)s a day. Start with 1 or 2 days a week. Add a day each week until "
                                  "you do it %(days)s.") % {"times": times(dose.times_per_day, w),
                                                            "days": _per_week(dose.days_per_week, w)})
    return _capital(frequency_phrase(dose, lang)) + "."


def _do_reps(reps: int, w: Words, each: str = "") -> str:
    """ "Do 10 times." or, with ``each`` (the limb: leg or arm), "Do 10 times with each leg."."""
    if each == "arm":
        return w.ngettext("Do %(num)d time with each arm.", "Do %(num)d times with each arm.", reps) % {"num": reps}
    if each:
        return w.ngettext("Do %(num)d time with each leg.", "Do %(num)d times with each leg.", reps) % {"num": reps}
    return w.ngettext("Do %(num)d time.", "Do %(num)d times.", reps) % {"num": reps}


def amount_in_words(dose: Dose, lang: str = "en") -> list[str]:
    """The how-much sentences, without frequency or side."""
    w = words_for(lang)
    if dose.minutes is not None:
        return [w.ngettext("Keep going for %(num)d minute.", "Keep going for %(num)d minutes.", dose.minutes)
                % {"num": dose.minutes}]
    if dose.reps is not None:
        lines = [_do_reps(dose.reps, w)]
        if dose.hold_seconds:
            lines.append(w.gettext("Hold each one for %(time)s.") % {"time": duration(dose.hold_seconds, lang)})
    else:
        lines = [w.gettext("Hold for %(time)s.") % {"time": duration(dose.hold_seconds or 0, lang)}]
    if dose.sets > 1:
        if dose.rest_seconds:
            lines.append(w.gettext("Rest %(time)s.") % {"time": duration(dose.rest_seconds, lang)})
        lines.append(w.ngettext("Do this %(num)d time.", "Do this %(num)d times.", dose.sets) % {"num": dose.sets})
    return lines


def amount_in_short(dose: Dose, side: str = "", lang: str = "en", limb: str = "leg") -> str:
    """The amount in a few words, for the program at a glance and the log: "3 rounds of 10 with
    each leg, hold 5 seconds", "Hold 30 seconds, 3 times", "10 minutes" (``limb``: leg or arm)."""
    w = words_for(lang)
    each = ((w.gettext(" with each arm") if limb == "arm" else w.gettext(" with each leg"))
            if side in ("both", "alternate") else "")
    if dose.minutes is not None:
        return _minutes(dose.minutes, w)
    if dose.reps is not None:
        if dose.sets > 1:
            reps = w.npgettext("rounds of", "%(num)d", "%(num)d", dose.reps) % {"num": dose.reps}
            amount = w.ngettext("%(sets)d round of %(reps)s", "%(sets)d rounds of %(reps)s", dose.sets) % {
                "sets": dose.sets, "reps": reps}
        elif dose.reps <= 2:
            amount = w.pgettext("reps", "Once") if dose.reps == 1 else w.pgettext("reps", "Twice")
        else:
            amount = w.npgettext("reps", "%(num)d time", "%(num)d times", dose.reps) % {"num": dose.reps}
            amount = _capital(amount)
        hold = w.gettext(", hold %(time)s") % {"time": duration(dose.hold_seconds, lang)} if dose.hold_seconds else ""
        return f"{amount}{each}{hold}"
    on_each = w.gettext(" on each side") if side == "both" else ""
    repeats = w.ngettext(", %(num)d time", ", %(num)d times", dose.sets) % {"num": dose.sets} if dose.sets > 1 else ""
    return w.gettext("Hold %(time)s") % {"time": duration(dose.hold_seconds or 0, lang)} + on_each + repeats


def dose_in_words(dose: Dose, side: str = "", start_gently: bool = False, lang: str = "en",
                  limb: str = "leg") -> list[str]:
    """The whole dose as short sentences, e.g. for a card's "How much" box (sides: :func:`side_line`)."""
    w = words_for(lang)
    lines = amount_in_words(dose, lang)
    if dose.reps is not None and side in ("both", "alternate"):
        # "Do 10 times with each leg." leaves no doubt whether 10 is per leg or in total.
        lines[0] = _do_reps(dose.reps, w, each=limb)
    elif dose.reps is None and dose.minutes is None and side == "both":
        lines[0] = w.gettext("Hold for %(time)s on each side.") % {"time": duration(dose.hold_seconds or 0, lang)}
    lines.append(frequency_in_words(dose, start_gently, lang))
    return lines


def side_values(side: str, lang: str = "en", operated: bool = False) -> dict[str, str | None]:
    """The words of ``{side}``/``{other}`` (Spanish: ``{side_f}``, ``{side_m}``, ``{other_f}``, ``{other_m}``)
    for a working side ``left`` or ``right``; with ``operated`` and no side, "operated"/"operada"."""
    if side not in OPPOSITE:
        if not operated:
            return {}
        return ({"side_f": "operada", "side_m": "operado"} if lang == "es" else {"side": "operated"})
    if lang == "es":
        mine, other = SPANISH_SIDES[side], SPANISH_SIDES[OPPOSITE[side]]
        return {"side_f": mine[0], "side_m": mine[1], "other_f": other[0], "other_m": other[1]}
    return {"side": side, "other": OPPOSITE[side]}


def side_line(exercise: Exercise, side: str, lang: str = "en") -> str:
    """Which leg (or arm) does what: "Stand on your left leg. Lift your right leg out to the side."

    ``side`` is the program row's side: one leg (``left``/``right``, the leg that works), ``both``
    or ``alternate``. For both sides, the dose already says "with each leg" or "on each side": the
    line only says how to change legs where that is not obvious. Empty for exercises not done per side.
    ``exercise`` is in ``lang`` already (``Catalog.in_language``).
    """
    if not exercise.per_side or not side:
        return ""
    if side in OPPOSITE:
        return fill(exercise.one_side, side_values(side, lang))
    if side == "alternate":
        words = words_for(lang)
        return words.gettext("Switch arms each time.") if exercise.limb == "arm" else words.gettext(
            "Switch legs each time.")
    return fill(exercise.to_switch)


def dose_values(dose: Dose, lang: str = "en") -> dict[str, str | None]:
    """The words a step's placeholders take from the dose: ``{hold}`` -> "7 seconds"."""
    return {
        "hold": duration(dose.hold_seconds, lang) if dose.hold_seconds else None,
        "reps": str(dose.reps) if dose.reps else None,
        "minutes": _minutes(dose.minutes, words_for(lang)) if dose.minutes else None,
        "sets": str(dose.sets),
    }


def filled(texts: Iterable[str], dose: Dose, lang: str = "en") -> tuple[str, ...]:
    """Steps or tips as the patient reads them, with the tailored dose's numbers."""
    values = dose_values(dose, lang)
    return tuple(text for text in (fill(t, values) for t in texts) if text)


def how_often_lines(rows: Sequence[tuple[str, Dose]], start_gently: bool = False, lang: str = "en") -> list[str]:
    """The handout's "How often", derived from the program's rows (exercise name, dose).

    One sentence when every row has the same frequency, else one line per frequency naming its
    exercises in program order; 2 or 3 days a week are done with a day off in between.
    """
    w = words_for(lang)
    groups: dict[tuple[int, int], list[str]] = {}
    for name, dose in rows:
        groups.setdefault((dose.times_per_day, dose.days_per_week), []).append(name)
    phrases = {key: _frequency(*key, w) + (w.gettext(", with a day off in between") if key[1] in (2, 3) else "")
               for key in groups}
    if len(groups) == 1:
        lines = [w.gettext("Do all your exercises %(often)s.") % {"often": next(iter(phrases.values()))}]
    else:
        lines = [f"{_capital(phrases[key])}: {_join(names, w)}." for key, names in groups.items()]
    if start_gently and any(days > 2 for _, days in groups):
        lines.append(w.gettext("Start gently. In the first week, do them on 1 or 2 days. "
                               "Then add a day each week, as each exercise says."))
    return lines


def _join(names: Sequence[str], w: Words) -> str:
    if len(names) == 1:
        return names[0]
    return w.gettext("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


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

