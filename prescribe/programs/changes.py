"""What changed between two versions of a program, in the words the handout's box prints.

"What changed since your last visit" lists exercises added, exercises to stop, and dose changes
("Bridge: do 12 times (was 10)."), so a patient sees at a glance what is new on the sheet. The lines
are written in each language the handout prints (the gettext catalog, the exercise names of the
catalog's translation), once, when the version is made; a reprint prints them as kept.
"""

from __future__ import annotations

from dataclasses import replace

from prescribe.catalog import Catalog
from prescribe.i18n import Words, words_for

from .model import Program, ProgramItem
from .wording import SPANISH_SIDES, duration, times

NO_CHANGES = "Your exercises are the same as last time."


def _sides(side: str, limb: str, w: Words, lang: str) -> str:
    """"left leg only", "both arms", "switch legs"; in Spanish with the side agreeing with its limb."""
    arm = limb == "arm"
    if side in SPANISH_SIDES:
        words = SPANISH_SIDES[side][1 if arm else 0] if lang == "es" else side
        text = w.gettext("%(side)s arm only") if arm else w.gettext("%(side)s leg only")
        return text % {"side": words}
    if side == "both":
        return w.gettext("both arms") if arm else w.gettext("both legs")
    if side == "alternate":
        return w.gettext("switch arms") if arm else w.gettext("switch legs")
    return w.gettext("no side")


def _dose_changes(old: ProgramItem, new: ProgramItem, limb: str, lang: str) -> list[str]:
    """Each changed part of an exercise's dose as "do 12 times (was 10)"."""
    w = words_for(lang)
    before, after = old.dose, new.dose

    def was(now: str, then: str) -> str:
        return w.gettext("%(now)s (was %(then)s)") % {"now": now, "then": then}

    parts = []
    if after.reps != before.reps and after.reps is not None and before.reps is not None:
        parts.append(was(w.gettext("do %(times)s") % {"times": times(after.reps, w)}, str(before.reps)))
    if after.hold_seconds != before.hold_seconds and after.hold_seconds and before.hold_seconds:
        parts.append(was(w.gettext("hold %(time)s") % {"time": duration(after.hold_seconds, lang)},
                         duration(before.hold_seconds, lang)))
    elif after.hold_seconds and not before.hold_seconds:
        parts.append(w.gettext("now hold %(time)s") % {"time": duration(after.hold_seconds, lang)})
    elif before.hold_seconds and not after.hold_seconds and after.minutes is None:
        parts.append(w.gettext("no hold now"))
    if after.sets != before.sets and after.minutes is None:
        parts.append(was(w.gettext("do the set %(times)s") % {"times": times(after.sets, w)}, times(before.sets, w)))
    if after.minutes != before.minutes and after.minutes is not None and before.minutes is not None:
        minutes = w.ngettext("keep going %(num)d minute", "keep going %(num)d minutes", after.minutes)
        parts.append(was(minutes % {"num": after.minutes}, str(before.minutes)))
    if after.rest_seconds != before.rest_seconds and after.sets > 1:
        parts.append(was(w.gettext("rest %(time)s") % {"time": duration(after.rest_seconds, lang)},
                         duration(before.rest_seconds, lang)))
    if after.times_per_day != before.times_per_day:
        parts.append(was(w.gettext("%(times)s a day") % {"times": times(after.times_per_day, w)},
                         times(before.times_per_day, w)))
    if after.days_per_week != before.days_per_week:
        days = w.ngettext("%(num)d day a week", "%(num)d days a week", after.days_per_week)
        parts.append(was(days % {"num": after.days_per_week}, str(before.days_per_week)))
    if new.side != old.side:
        parts.append(was(_sides(new.side, limb, w, lang), _sides(old.side, limb, w, lang)))
    if new.resistance != old.resistance:
        # The band or weight is the therapist's own words, printed as typed.
        parts.append(was(w.gettext("use %(what)s") % {"what": new.resistance or w.gettext("no band or weight")},
                         old.resistance or w.gettext("none")))
    return parts


def with_changes(program: Program, previous: Program, catalog: Catalog) -> Program:
    """``program`` with its "What changed" lines against ``previous``: in English, and in Spanish too
    when the handout prints Spanish."""
    spanish = program.language in ("es", "en-es")
    return replace(program, changes=describe_changes(previous, program, catalog),
                   changes_es=describe_changes(previous, program, catalog, "es") if spanish else ())


def describe_changes(previous: Program, current: Program, catalog: Catalog, lang: str = "en") -> tuple[str, ...]:
    """The lines of the "What changed since your last visit" box in ``lang``: new, changed, then
    stopped exercises."""
    w = words_for(lang)
    written = catalog.in_language(lang) if lang != "en" else catalog

    def name(slug: str) -> str:
        exercise = written.exercise(slug)
        return exercise.name if exercise else slug

    old_items = {item.exercise: item for item in previous.items}
    new_items = {item.exercise: item for item in current.items}
    lines = []
    for slug in new_items:
        if slug not in old_items:
            lines.append(w.gettext("New: %(name)s.") % {"name": name(slug)})
    for slug, item in new_items.items():
        if slug in old_items:
            exercise = catalog.exercise(slug)
            parts = _dose_changes(old_items[slug], item, exercise.limb if exercise else "leg", lang)
            if parts:
                lines.append(w.gettext("%(name)s: %(changes)s.") % {"name": name(slug), "changes": ", ".join(parts)})
    for slug in old_items:
        if slug not in new_items:
            lines.append(w.gettext("Stop: %(name)s.") % {"name": name(slug)})
    return tuple(lines) or (w.gettext(NO_CHANGES),)
