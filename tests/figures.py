"""Counts the security tests record for the report, printed in pytest's terminal summary."""

from __future__ import annotations

from collections import Counter

COUNTS: Counter[str] = Counter()
DATABASE = ""  # what the suite ran on ("SQLite", "postgres (PostgreSQL) 15.18 ...")
NOTES: list[str] = []  # whole lines, such as the crash and load tests' summaries


def note(line: str) -> None:
    NOTES.append(line)

LABELS = {
    "tenant_probes": "cross-clinic requests (routes x methods x users, clinic B's ids)",
    "tenant_routes": "URL rules walked across clinics",
    "tenant_leaks": "cross-clinic leaks found (B's data in a response, or B changed)",
    "anonymous_probes": "anonymous requests to non-public routes",
    "anonymous_not_redirected": "anonymous requests not sent to sign-in",
    "csrf_endpoints": "state-changing endpoints (rule x method)",
    "csrf_refusals": "of them refused without, with a wrong and with another session's CSRF token (all three)",
    "generated_inputs": "generated form submissions (hypothesis)",
    "generated_500s": "HTTP 500s seen among them",
}


def record(name: str, amount: int = 1) -> None:
    COUNTS[name] += amount


def summary_lines() -> list[str]:
    return [f"{COUNTS[key]:>6}  {label}" for key, label in LABELS.items() if key in COUNTS]
