"""The benchmark's output: one table on stdout and the same rows in ``bench/results.json``."""

from __future__ import annotations

import json
import operator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .stats import Summary


@dataclass(frozen=True)
class Target:
    """A goal for a ratio or a value, e.g. ``Target("ours/bare", "<=", 1.10)``."""

    label: str
    op: str  # "<=" or ">="
    limit: float
    unit: str = ""

    def met(self, value: float) -> bool:
        return {"<=": operator.le, ">=": operator.ge}[self.op](value, self.limit)

    def __str__(self) -> str:
        return f"{self.op} {_number(self.limit)}{self.unit}"


@dataclass
class Row:
    """One line of the table: a figure with its median, min and max, and an optional target.

    ``ratio`` is the value the target is checked against (a ratio of medians measured in this
    run, or the figure itself); ``status`` is "met", "MISSED", "not measured", "error" or "".
    """

    section: str
    figure: str
    unit: str
    median: float | None = None
    low: float | None = None
    high: float | None = None
    n: int | None = None
    ratio_label: str = ""
    ratio: float | None = None
    target: str = ""
    status: str = ""
    note: str = ""

    @classmethod
    def from_summary(cls, section: str, figure: str, unit: str, summary: Summary | None,
                     **kwargs: Any) -> Row:
        if summary is None:
            return cls(section, figure, unit, **kwargs)
        return cls(section, figure, unit, summary.median, summary.low, summary.high, summary.n,
                   **kwargs)

    def check(self, target: Target, value: float | None, label: str | None = None) -> Row:
        """Attach ``target`` and whether ``value`` (None = could not be measured) meets it.

        ``label`` names the checked value in the ratio column (default: the target's label;
        "" when the target applies to the figure's own median).
        """
        self.target = str(target)
        self.ratio_label = label if label is not None else target.label
        self.ratio = value
        self.status = "not measured" if value is None else ("met" if target.met(value) else "MISSED")
        return self


@dataclass
class Report:
    """All rows, run metadata, notes and raw samples; printed as a table and saved as JSON."""

    meta: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def sort(self, sections: list[str]) -> None:
        """Order the rows by section (in the given order), keeping their order within a section."""
        position = {name: index for index, name in enumerate(sections)}
        self.rows.sort(key=lambda row: position.get(row.section, len(sections)))

    def table(self) -> str:
        """The rows as one fixed-width text table, grouped by section."""
        header = ["figure", "median", "min", "max", "unit", "n", "ratio", "target", "met?"]
        lines: list[list[str]] = []
        sections: list[tuple[str, list[list[str]]]] = []
        for row in self.rows:
            if not sections or sections[-1][0] != row.section:
                sections.append((row.section, []))
            if not row.ratio_label:
                ratio = ""
            else:
                ratio = f"{row.ratio_label} {_number(row.ratio) if row.ratio is not None else '-'}"
            cells = [row.figure, _number(row.median), _number(row.low), _number(row.high), row.unit,
                     "" if row.n is None else str(row.n), ratio, row.target, row.status]
            sections[-1][1].append(cells)
            lines.append(cells)
        widths = [max(len(h), *(len(c[i]) for c in lines)) if lines else len(h)
                  for i, h in enumerate(header)]
        numeric = {1, 2, 3, 5}

        def fmt(cells: list[str]) -> str:
            return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

        out = [fmt(header), "  ".join("-" * w for w in widths)]
        for section, section_lines in sections:
            out.append(f"[{section}]")
            out.extend(fmt(cells) for cells in section_lines)
        return "\n".join(out)

    def summary_of_targets(self) -> str:
        """One line: how many targets were met, missed or not measured."""
        statuses = [r.status for r in self.rows if r.status]
        errors = statuses.count("error")
        return (f"targets: {statuses.count('met')} met, {statuses.count('MISSED')} missed, "
                f"{statuses.count('not measured')} not measured"
                + (f"; {errors} section(s) not measured because a phase failed" if errors else ""))

    def write_json(self, path: Path) -> None:
        data = {"meta": self.meta, "rows": [asdict(r) for r in self.rows], "notes": self.notes,
                "errors": self.errors, "raw": self.raw}
        path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")


def _number(value: float | None) -> str:
    """Compact, readable number: 1,234 / 123 / 12.3 / 1.23 / 0.0123."""
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1 or magnitude == 0:
        return f"{value:.2f}"
    return f"{value:.3g}"
