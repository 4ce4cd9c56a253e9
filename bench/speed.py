"""Issue #21's figures: our render with its caches warm against the render as it was before them,
the naive document and headless Chromium; and the CLI as a cold process against a bare script.

In-process figures run in interleaved rounds (order shuffled each round) on the 6-exercise handout:

* ``today``: ``render_program`` with WeasyPrint's plain image cache (warm) and no layout kept, as before the
  figure drawing cache (prescribe/handout/weasy_internals.py) and the layout cache
  (prescribe/handout/layouts.py): the full render a patient got until now;
* ``hit``: the same program (only the patient changed) with the process's caches warm: the kept
  layout with this patient's personal part spliced in;
* ``today_dose`` and ``dose``: a tailored program never rendered before (the first exercise's sets
  and reps change every time), without and with the caches: with them, a layout miss;
* ``naive``: bench/naive_handout.html with WeasyPrint's defaults (bench/inprocess.py);
* ``chromium``: headless Chromium (Playwright, the Debian ``chromium``) printing the HTML our template
  made for the same program, with the print stylesheet linked, from one page reused for every print.
  Its CPU time is that of every process it runs (the browser's and Playwright's driver), read from
  /proc, plus this process's.

Every render carries a new patient name, so the whole-program cache (prescribe/handout/cache.py)
never answers.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from time import monotonic, process_time

from .workload import BENCH_DIR, DIAGNOSIS, REPO_ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLI_PATIENT = "Cold Patient"


@dataclass
class SpeedResults:
    """CPU seconds per operation (all processes the operation ran), and notes worth printing."""

    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    notes: list[str] = field(default_factory=list)
    layouts: object = None  # the layout cache's statistics after the rounds


def _children_cpu(exclude: set[int]) -> float:
    """CPU seconds of every running descendant of this process but ``exclude`` (and theirs)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    ours = {os.getpid()}
    grew = True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in ours and pid not in ours and pid not in exclude}
        grew = bool(found)
        ours |= found
    return sum(times[pid] for pid in ours - {os.getpid()})


class ChromiumPrinter:
    """Headless Chromium with one page, reused to print every document (as fast as it gets)."""

    def __init__(self, workdir: Path):
        from playwright.sync_api import sync_playwright

        self.workdir = workdir
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                         args=CHROMIUM_FLAGS)
        self.page = self._browser.new_page()
        self.count = 0

    def print(self, html: str, paper: str) -> bytes:
        """The PDF of ``html`` (a file next to nothing: the static folder is its base)."""
        self.count += 1
        path = self.workdir / f"chromium-{self.count % 2}.html"
        path.write_text(html, encoding="utf-8")
        self.page.goto(path.as_uri(), wait_until="load")
        return self.page.pdf(format="A4" if paper == "a4" else "Letter", prefer_css_page_size=True)

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()


def chromium_html(html: str) -> str:
    """Our handout HTML with the print stylesheet linked (WeasyPrint gets it as a parsed object)."""
    from prescribe.handout.pdf import PRINT_CSS, STATIC_ROOT

    link = f'<base href="{STATIC_ROOT.as_uri()}/"><link rel="stylesheet" href="{PRINT_CSS.as_uri()}">'
    return html.replace("<head>", "<head>" + link, 1)


def measure_speed(catalog, branding, program, workdir: Path, rounds: int, rng: random.Random,
                  progress: Callable[[str], None], deadline: float | None, min_rounds: int,
                  exclude_pids: set[int]) -> SpeedResults:
    """Interleaved rounds of today / hit / dose / naive / chromium (see the module docstring)."""
    from prescribe.handout import build_handout_view, pdf, render_handout_html, render_program
    from prescribe.handout.layouts import LayoutCache

    from .inprocess import naive_render

    results = SpeedResults()
    names = iter(f"Speed Patient {n}" for n in range(10**6))
    record = False
    first = program.items[0]
    rounds_done = [0]
    tailorings = [0]

    def timed(name: str, work: Callable[[], object], with_children: bool = False) -> None:
        c0 = process_time()
        k0 = _children_cpu(exclude_pids) if with_children else 0.0
        work()
        cpu = process_time() - c0 + ((_children_cpu(exclude_pids) - k0) if with_children else 0.0)
        if record:
            results.cpu[name].append(cpu)

    def tailored() -> object:
        """A tailored program never rendered before: the first exercise's sets and reps change with
        every call (so its layout is never kept: the exercise section is always a miss)."""
        tailorings[0] += 1
        dose = replace(first.dose, sets=1 + tailorings[0] % 5, reps=6 + tailorings[0] // 5)
        items = (replace(first, dose=dose), *program.items[1:])
        return replace(program, items=items, patient_name=next(names))

    plain_images: dict = {}  # WeasyPrint's image cache as the process kept it before: warm, no drawings

    def without_figure_cache(name: str, work: Callable[[], object]) -> None:
        """``work`` as a render was before these caches: WeasyPrint's plain image cache (kept warm
        across renders, as the process kept it), every handout laid out whole."""
        warm = pdf._image_cache, pdf.layouts
        pdf._image_cache, pdf.layouts = plain_images, LayoutCache(limit_mb=0)
        try:
            timed(name, work)
        finally:
            pdf._image_cache, pdf.layouts = warm

    def today() -> None:
        renamed = replace(program, patient_name=next(names))
        without_figure_cache("today", lambda: render_program(renamed, catalog, branding))

    def today_dose() -> None:
        tailored_program = tailored()
        without_figure_cache("today_dose", lambda: render_program(tailored_program, catalog, branding))

    def hit() -> None:
        timed("hit", lambda: render_program(replace(program, patient_name=next(names)), catalog, branding))

    def dose() -> None:
        tailored_program = tailored()
        timed("dose", lambda: render_program(tailored_program, catalog, branding))

    def naive() -> None:
        timed("naive", naive_render)

    operations = [today, hit, today_dose, dose, naive]
    printer = None
    try:
        if Path(CHROMIUM).exists():
            printer = ChromiumPrinter(workdir)
        else:
            results.notes.append(f"chromium: not measured, no browser at {CHROMIUM}")
    except Exception as exc:  # noqa: BLE001 - the other figures still count
        results.notes.append(f"chromium: not measured, Playwright could not start it: {exc}")
    if printer is not None:
        def chromium() -> None:
            renamed = replace(program, patient_name=next(names))
            html = chromium_html(render_handout_html(build_handout_view(renamed, catalog, branding)))
            timed("chromium", lambda: printer.print(html, program.paper), with_children=True)

        operations.append(chromium)
    try:
        progress("speed: warm-up (one of each)")
        for operation in operations:
            operation()
        record = True
        for number in range(1, rounds + 1):
            if number > min_rounds and deadline is not None and monotonic() > deadline:
                results.notes.append(f"speed: {number - 1} of {rounds} rounds fitted in the phase's allotment.")
                break
            progress(f"speed round {number}/{rounds}: today, hit, tailored today and cached, naive, chromium")
            order = operations[:]
            rng.shuffle(order)
            for operation in order:
                operation()
            rounds_done[0] += 1
    finally:
        if printer is not None:
            printer.close()
    results.layouts = pdf.layouts.stats()
    return results


def cli_cold_starts(app, workdir: Path, env: dict[str, str], runs: int, progress: Callable[[str], None],
                    deadline: float | None, min_runs: int) -> dict[str, list[float]]:
    """Wall seconds of ``flask --app wsgi handout`` and of bench/bare_script.py on the same HTML,
    each a fresh process, alternating; the CLI's database is made once beforehand (init-db)."""
    env = dict(env, PRESCRIBE_ENV_NAME="development", PRESCRIBE_SECRET_KEY="cli-cold-" + "x" * 32,
               PRESCRIBE_INSTANCE_PATH=str(workdir / "cli-instance"),
               PRESCRIBE_DATABASE_URL=f"sqlite:///{workdir / 'cli.sqlite'}")
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "init-db"], cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=120)
    html_path = workdir / "cli.html"
    html_path.write_text(_cli_html(app), encoding="utf-8")
    commands = {
        "cli": [*flask, "handout", DIAGNOSIS, "--out", str(workdir / "cli.pdf"), "--patient", CLI_PATIENT],
        "bare_script": [sys.executable, str(BENCH_DIR / "bare_script.py"), str(html_path), str(workdir / "bare.pdf")],
    }
    seconds: dict[str, list[float]] = defaultdict(list)
    for number in range(1, runs + 1):
        if number > min_runs and deadline is not None and monotonic() > deadline:
            break
        progress(f"CLI cold start {number}/{runs}: flask handout, then a bare WeasyPrint script")
        for name, command in commands.items():
            t0 = time.monotonic()
            subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, capture_output=True, timeout=180)
            seconds[name].append(time.monotonic() - t0)
    return dict(seconds)


def _cli_html(app) -> str:
    """The HTML ``flask handout DIAGNOSIS --patient CLI_PATIENT`` renders, for the bare script."""
    from datetime import date

    from prescribe.clinics import branding_for, ensure_default_clinic
    from prescribe.db import get_session
    from prescribe.handout import build_handout_view, render_handout_html
    from prescribe.programs import default_program, for_patient

    catalog = app.extensions["catalog"]
    with app.app_context():
        clinic = ensure_default_clinic(get_session(), Path(app.instance_path))
        program = default_program(catalog.diagnoses[DIAGNOSIS], catalog, today=date.today(),
                                  paper=clinic.default_paper, layout=clinic.default_layout,
                                  greyscale=clinic.default_greyscale, language=clinic.default_language)
        program = for_patient(program, catalog, name=CLI_PATIENT, reference="", affected_side="")
        return render_handout_html(build_handout_view(program, catalog, branding_for(clinic)))
