"""`make test`: lint, the whole suite on SQLite and again on PostgreSQL, then the slow durability tests.

First the lint tier: ``ruff check`` (errors, style, import order) on the code and ``mypy`` on
``prescribe/``, both configured in pyproject.toml and run with this venv's interpreter. A finding
fails ``make test``, but the test passes still run, so one run shows everything.

Then the test passes, two at a time (one per core), each taking the next from a queue and printed
whole when it ends: the whole suite on SQLite; again on PostgreSQL, the tests that use the app and
its database (tests/conftest.py, ``PRESCRIBE_DATABASE_TESTS_ONLY``), browser tests aside (they
test the page, not the database); and the tests marked ``pages`` (every diagnosis's handout on both
papers in every print option, and in Spanish and bilingual, read back from the PDF: page fill, text
size, PDF/UA structure; tests/test_handout_pages.py), run once, in six parts by diagnosis
(``PRESCRIBE_PART``). Then the tests marked ``slow`` (the crash test and
the load test against real gunicorn workers, tests/test_durability.py; idle and slow-body clients
against gunicorn behind nginx, tests/test_slow_clients.py; ``make run`` itself, tests/test_make_run.py)
run alone, on SQLite, so nothing competes with them for the CPU. The last lines sum everything up, including, in so many
words, whether this machine has PostgreSQL at all.

Without PostgreSQL server binaries the PostgreSQL pass cannot run: that is a failure when
``PRESCRIBE_REQUIRE_POSTGRES=1`` (CI sets it) and a loud note otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.databases import find_postgres_binaries  # noqa: E402

# Figure lines the tests print (tests/figures.py) that the summary repeats: what the robustness tier ran.
FIGURES = re.compile(r"^(fuzz|slow clients|storage)\b.*:")
COUNTS = re.compile(r"(\d+) (passed|failed|errors?|skipped|deselected|xfailed|xpassed)")
# What the linters lint: ruff the code we write and run; mypy reads its files from pyproject.toml.
RUFF_PATHS = ["prescribe", "tests", "bench", "scripts", "wsgi.py", "gunicorn.conf.py"]
FINDINGS = re.compile(r"^Found (\d+) errors?\b", re.MULTILINE)


@dataclass
class Lint:
    """One linter run: its verdict, its closing line and how many findings it reported."""

    name: str
    args: list[str]
    status: int | None = None
    seconds: float = 0.0
    output: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def closing_line(self) -> str:
        lines = [line.strip() for line in self.output.splitlines() if line.strip()]
        verdicts = [line for line in lines if line.startswith(("Found ", "All checks passed", "Success:"))]
        return (verdicts or lines or [f"(no output, exit status {self.status})"])[-1]

    @property
    def findings(self) -> int:
        found = FINDINGS.search(self.output)
        return int(found.group(1)) if found else (0 if self.ok else 1)


def lint() -> list[Lint]:
    """ruff, then mypy, each printed as it finishes."""
    checks = [Lint("ruff", ["-m", "ruff", "check", "--output-format", "concise", *RUFF_PATHS]),
              Lint("mypy", ["-m", "mypy"])]
    for check in checks:
        started = time.monotonic()
        done = subprocess.run([sys.executable, *check.args], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        check.status, check.output = done.returncode, done.stdout
        check.seconds = time.monotonic() - started
        print(f"$ python {' '.join(check.args)}\n{check.output}", end="" if check.output.endswith("\n") else "\n",
              flush=True)
    return checks


@dataclass
class Pass:
    name: str
    args: list[str]
    env: dict[str, str]
    status: int | None = None
    seconds: float = 0.0
    output: str = ""

    @property
    def closing_line(self) -> str:
        lines = [line for line in self.output.splitlines() if COUNTS.search(line) and " in " in line]
        return lines[-1].strip("= ") if lines else "(no pytest summary)"

    def count(self, what: str) -> int:
        found = COUNTS.findall(self.closing_line)
        return sum(int(n) for n, kind in found if kind.rstrip("s") == what.rstrip("s"))

    @property
    def ok(self) -> bool:
        return self.status == 0


def run(test_pass: Pass, *, live: bool) -> None:
    """Run one pytest pass, keeping its output (and printing it line by line when ``live``)."""
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "pytest", *test_pass.args], cwd=REPO,
                               env={**os.environ, **test_pass.env}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, bufsize=1)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if live:
            sys.stdout.write(line)
            sys.stdout.flush()
    test_pass.status = process.wait()
    test_pass.seconds = time.monotonic() - started
    test_pass.output = "".join(lines)
    if test_pass.status == 5:  # pytest collected nothing: never a pass
        test_pass.output += "\npytest collected no tests: failing on purpose.\n"


PAGE_PARTS = 6
WORKERS = 2  # one pass per core


def run_side_by_side(passes: list[Pass]) -> None:
    """Run ``passes`` ``WORKERS`` at a time, in order, each printed whole when it ends."""
    queue = list(passes)
    lock = threading.Lock()
    started = time.monotonic()

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                test_pass = queue.pop(0)
                print(f"[{time.monotonic() - started:5.0f} s] started: {test_pass.name}", flush=True)
            run(test_pass, live=False)
            with lock:
                print(f"\n{'=' * 30} {test_pass.name} (ended at {time.monotonic() - started:.0f} s) {'=' * 30}")
                sys.stdout.write(test_pass.output)
                sys.stdout.flush()

    workers = [threading.Thread(target=work) for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> int:
    require_postgres = os.environ.get("PRESCRIBE_REQUIRE_POSTGRES") == "1"
    print(f"{'=' * 30} lint: ruff + mypy {'=' * 30}", flush=True)
    checks = lint()
    print(f"\n{'=' * 30} tests {'=' * 30}", flush=True)
    # Each pass names its 15 slowest tests, so the next one to move or trim is in the log.
    base = ["-p", "no:cacheprovider", "--durations=15", "-m", "not slow and not pages"]
    temp = Path(tempfile.gettempdir())
    sqlite = Pass("SQLite: the whole suite", [*base, f"--basetemp={temp / 'prescribe-tests-sqlite'}"],
                  {"PRESCRIBE_TEST_DATABASE": "sqlite"})
    postgres_bin = find_postgres_binaries()
    postgres = None
    if postgres_bin is not None:
        postgres = Pass("PostgreSQL: app tests, no browser",
                        ["-p", "no:cacheprovider", "--durations=15", "-m", "not slow and not pages and not browser",
                         f"--basetemp={temp / 'prescribe-tests-postgres'}"],
                        {"PRESCRIBE_TEST_DATABASE": "postgresql", "PRESCRIBE_POSTGRES_BIN": str(postgres_bin),
                         "PRESCRIBE_DATABASE_TESTS_ONLY": "1"})

    # The printed pages of every handout do not depend on the database: run once, in parts by diagnosis.
    handouts = len(list((REPO / "exercises_db" / "diagnoses").glob("*.toml")))
    parts = [Pass(f"pages {part + 1}/{PAGE_PARTS}: of {handouts} handouts",
                  ["-p", "no:cacheprovider", "--durations=5", "-m", "pages",
                   f"--basetemp={temp / f'prescribe-tests-pages-{part}'}"],
                  {"PRESCRIBE_TEST_DATABASE": "sqlite", "PRESCRIBE_PART": f"{part}/{PAGE_PARTS}"})
             for part in range(PAGE_PARTS)]
    run_side_by_side([p for p in (sqlite, postgres, *parts) if p is not None])
    slow = Pass("slow: crash, load, slow clients, make run (SQLite)", ["-p", "no:cacheprovider", "-m", "slow",
                                                f"--basetemp={temp / 'prescribe-tests-slow'}"],
                {"PRESCRIBE_TEST_DATABASE": "sqlite"})
    print(f"\n{'=' * 30} slow tests, run alone {'=' * 30}", flush=True)
    run(slow, live=True)

    passes = [p for p in (sqlite, postgres, *parts, slow) if p is not None]
    print(f"\n{'=' * 30} make test summary {'=' * 30}")
    lint_ok = all(check.ok for check in checks)
    lint_line = "; ".join(f"{check.name}: {check.closing_line.rstrip('.')}" for check in checks)
    print(f"{'lint: ruff + mypy':<30} {'ok' if lint_ok else 'FAILED':<7} {lint_line}  "
          f"(wall {sum(check.seconds for check in checks):.0f} s)")
    for test_pass in passes:
        verdict = "ok" if test_pass.ok else "FAILED"
        print(f"{test_pass.name:<30} {verdict:<7} {test_pass.closing_line}  (wall {test_pass.seconds:.0f} s)")
    if postgres is None:
        print(f"{'PostgreSQL':<30} {'NOT RUN':<7} this machine has no PostgreSQL server binaries (initdb, pg_ctl "
              "on the PATH or in /usr/lib/postgresql/*/bin): install the postgresql package."
              + (" Required here (PRESCRIBE_REQUIRE_POSTGRES=1)." if require_postgres else ""))
    for test_pass in passes:
        for line in test_pass.output.splitlines():
            if FIGURES.match(line):
                print(f"  {test_pass.name}: {line.strip()}")
    passed = sum(p.count("passed") for p in passes)
    failed = sum(p.count("failed") + p.count("error") for p in passes)
    skipped = sum(p.count("skipped") for p in passes)
    ok = lint_ok and all(p.ok for p in passes) and (postgres is not None or not require_postgres)
    findings = sum(check.findings for check in checks)
    # The plain closing line CI reads, whatever the runner.
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped; "
          f"lint {'ok' if lint_ok else f'FAILED ({findings} findings)'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
