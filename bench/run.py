"""``make bench``: measure Prescribe's handout path and print one table (also bench/results.json).

Phases, in this order:

1. gunicorn on 127.0.0.1 with 1 and then 2 workers: PDF throughput, then (2 workers) the builder
   page under 16 concurrent clients, then a minimal Flask page served by the same workers under
   the same load (bench/served_app.py mounts it beside the app), then the round trip of the
   builder's row actions (add, remove, move) under the same load, with the app's own time of each
   from its ``Server-Timing`` header. It needs both cores, so it runs first, alone;
2. memory: a worker process rendering the same handout up to 500 times starts, and runs on one
   core from here to the end;
3. in-process, on the other core, interleaved rounds: ours (Flask test client POST /build/
   download) vs bare WeasyPrint on the same HTML vs the naive baseline, reprints, and the stage
   breakdown; then the PDF size of the largest default program;
4. cold start, on the other core: fresh ``python`` processes until their first PDF;
5. the memory worker's remaining renders, until it has 500 or the budget ends.

Time budget (``--budget``, default 280 s, so ``make bench`` ends within 5 minutes): each phase
has an allotment (``ALLOTMENTS``, scaled with the budget) after which it takes no more samples
once it has its minimum; the memory run gets whatever is left. ``--budget 0`` lifts every limit.
The ``n`` column shows how many samples each figure got.

Everything runs on a temporary instance folder and SQLite databases, deleted at the end.
Usage: ``python -m bench.run [--budget S] [--rounds N] [--cold-starts N] [--memory-renders N]
[--phases in-process,cold-start,memory,gunicorn]``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # run as ``python bench/run.py``
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.http_load import (  # noqa: E402
    Browser,
    GunicornServer,
    LoadResult,
    ok_check,
    pdf_check,
    request,
    run_load,
    sign_in_if_asked,
    timed_ok_check,
)
from bench.report import Report, Row, Target  # noqa: E402
from bench.stats import Summary, percentile, window_rates  # noqa: E402
from bench.workload import (  # noqa: E402
    BENCH_DIR,
    BUILDER_PATH,
    BUILDER_POST,
    DIAGNOSIS,
    DROPPED_EXERCISE,
    REPO_ROOT,
    ROW_ACTIONS,
    browser_form,
    create_bench_account,
    download_form,
    form_pairs,
    six_exercise_form,
)

# Targets of the issue; every ratio is taken between medians measured in the same run.
OURS_VS_BARE = Target("ours/bare", "<=", 1.10)
OURS_VS_NAIVE = Target("ours/naive", "<=", 0.5)
REPRINT_VS_BARE = Target("reprint/bare", "<=", 0.05)
TWO_WORKERS_SCALING = Target("2w/1w", ">=", 1.8)
HANDOUT_SIZE = Target("KB", "<=", 100, " KB")
BUILDER_VS_MINIMAL = Target("builder/minimal p95", "<=", 2)
PATIENT_PAGE_WEIGHT = Target("KB", "<=", 150, " KB")
ROW_ACTION_SERVER_P95 = Target("server p95", "<=", 100, " ms")
RSS_GROWTH = Target("RSS500/RSS100", "<=", 1.10)
# Issue #21 (bench/speed.py): CPU time of every process involved, ratios within this run.
HIT_VS_NAIVE = Target("hit/naive", "<=", 0.5)
HIT_VS_CHROMIUM = Target("hit/chromium", "<=", 1.0)
DOSE_VS_TODAY = Target("dose/today", "<=", 1.05)
CLI_VS_BARE_SCRIPT = Target("cli/bare script", "<=", 1.3)

DEFAULT_BUDGET_S = 280
# Seconds each phase may take samples for at the default budget (scaled with --budget); the
# memory run gets the rest. Minimum samples are taken whatever the clock says.
ALLOTMENTS = {"rounds": 55, "speed": 35, "cold": 25, "cli": 25, "pdf_load": 25, "builder": 15, "minimal": 8,
              "row_actions": 15, "patient_page": 8}
MIN_ROUNDS, MIN_COLD_STARTS = 3, 3
MEMORY_RESERVE_S = 6                 # kept back from the memory run for the report
UNLIMITED_CAP_S = 3600

# Load shapes: fixed request counts, stopped early by the time caps above.
PDF_REQUESTS_PER_WORKER = 7          # throughput: windows of `workers` consecutive PDFs
CEILING_RENDERS = 6                  # throughput control: bare renders per process, alone and in pairs
PAGE_CLIENTS = 16                    # builder / minimal page: concurrent clients
BUILDER_REQUESTS = 320                # as many as the minimal page: the same load shape for both
MINIMAL_REQUESTS = 320
ROW_ACTION_REQUESTS = 600            # add, remove, move in rotation: up to 200 of each
PATIENT_PAGE_REQUESTS = 320          # the patient's page of a printed version, as a phone opens it
PHONE_HEADERS = {"Accept-Encoding": "gzip"}
HTMX_HEADERS = {"HX-Request": "true", "HX-Target": "exercises"}  # as htmx sends a row action from the page
KB = 1000
PHASES = ("in-process", "cold-start", "memory", "gunicorn")
SERVED_APP = "bench.served_app:app"  # the app, with the minimal page mounted beside it
MINIMAL_PATH = "/minimal/"

SECTION_FLOOR = "1 engine floor: 6-exercise handout with log page"
SECTION_NAIVE = "2 naive baseline"
SECTION_REPRINT = "3 reprint of an unchanged saved version"
SECTION_COLD = "4 cold start"
SECTION_THROUGHPUT = "5 throughput: gunicorn --threads 1 on 127.0.0.1"
SECTION_PAGE = f"6 page latency: {PAGE_CLIENTS} concurrent clients, gunicorn 2 workers"
SECTION_MEMORY = "7 memory: RSS of one process rendering 50 different programs in turn"
SECTION_SIZE = "8 PDF size"
SECTION_STAGES = "9 stages of one render (same HTML as the bare render)"
SECTION_SPEED = "10 render only what is personal (#21): CPU of all processes, interleaved"
SECTION_CLI = "11 flask handout as a cold process"
SECTION_ORDER = [SECTION_FLOOR, SECTION_NAIVE, SECTION_REPRINT, SECTION_COLD, SECTION_THROUGHPUT,
                 SECTION_PAGE, SECTION_MEMORY, SECTION_SIZE, SECTION_STAGES, SECTION_SPEED, SECTION_CLI]


class Bench:
    """One benchmark run: temporary files, the phases, and the report they fill."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.started = time.monotonic()
        self.deadline = self.started + args.budget if args.budget > 0 else None
        self.workdir = Path(tempfile.mkdtemp(prefix="prescribe-bench-"))
        self.secret = secrets.token_hex(32)
        self.report = Report()
        self.rng = random.Random(args.seed)
        self.inprocess = None
        self.ours_median: float | None = None
        self.bare_median: float | None = None
        self.cpu_others: dict[str, float] = {}

    # -- helpers -----------------------------------------------------------------------------

    def progress(self, message: str) -> None:
        print(f"[{time.monotonic() - self.started:5.0f}s] {message}", file=sys.stderr, flush=True)

    def allotment(self, name: str) -> float:
        """Seconds phase ``name`` may keep taking samples (scaled with the budget)."""
        if self.deadline is None:
            return UNLIMITED_CAP_S
        return ALLOTMENTS[name] * self.args.budget / DEFAULT_BUDGET_S

    def child_env(self) -> dict[str, str]:
        """The environment of every child process: ours, minus PRESCRIBE_*, plus the repo on the path."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("PRESCRIBE_")}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        return env

    def server_env(self) -> dict[str, str]:
        """Production settings on a temporary database, as the README deploys the app."""
        env = self.child_env()
        env.update(PRESCRIBE_ENV_NAME="production", PRESCRIBE_SECRET_KEY=self.secret,
                   PRESCRIBE_DATABASE_URL=f"sqlite:///{self.workdir / 'server.sqlite'}",
                   # The workers' warm-up of handout layouts would share the CPU with the load measured.
                   PRESCRIBE_HANDOUT_WARM_LAYOUTS="false")
        return env

    def running_children(self) -> list[int]:
        """Our children still running across phases (the memory worker): their CPU is ours too."""
        process = getattr(self, "memory_process", None)
        return [process.pid] if process is not None and process.poll() is None else []

    def phase(self, name: str, function, sections: list[str]) -> None:
        """Run one phase and note how busy other processes kept the CPUs meanwhile.

        An error is reported, each of the phase's ``sections`` left without a figure gets a
        "not measured" row, and the next phase still runs.
        """
        before = CpuSnapshot.take(self.running_children())
        try:
            function()
        except Exception as exc:  # noqa: BLE001 - one broken phase must not hide the others
            self.report.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            traceback.print_exc()
            self.progress(f"{name} FAILED: {exc}")
            filled = {row.section for row in self.report.rows}
            for section in sections:
                if section not in filled:
                    self.report.add(Row(section, f"not measured: the {name} phase failed (ERROR below)", "",
                                        status="error"))
        others = CpuSnapshot.take(self.running_children()).others_since(before)
        if others is not None:
            self.cpu_others[name] = others

    # -- phase 1: in-process -----------------------------------------------------------------

    def run_inprocess(self) -> None:
        """Figures 1, 2, 3, 8 and 9 (see bench/inprocess.py)."""
        from bench.inprocess import InProcessApp, largest_default_programs, measure_rounds

        self.progress("in-process: creating the app on a temporary database")
        self.inprocess = InProcessApp(self.workdir, self.secret)
        if self.inprocess.signed_in:
            self.report.notes.append("The app asks to sign in: the bench created an account (in its "
                                     "temporary database) and signed in, in-process and over HTTP.")
        results = measure_rounds(self.inprocess, self.args.rounds, self.rng, self.progress,
                                 deadline=time.monotonic() + self.allotment("rounds"), min_rounds=MIN_ROUNDS)
        self.report.notes.extend(results.notes)
        s = results.samples
        self.report.raw["inprocess_seconds"] = dict(s)
        ms = 1000
        ours, bare, naive = Summary.of(s["ours"], ms), Summary.of(s["bare"], ms), Summary.of(s["naive"], ms)
        self.ours_median, self.bare_median = ours.median, bare.median
        ours_cpu, bare_cpu, naive_cpu = (Summary.of(s[f"{k}_cpu"], ms) for k in ("ours", "bare", "naive"))
        add = self.report.add
        # Targets are checked on CPU time: other processes on a shared machine cannot inflate it,
        # and on a quiet machine it equals wall-clock time. Wall-clock rows are shown alongside.
        add(Row.from_summary(SECTION_FLOOR, "ours: POST /build/ download -> PDF, wall", "ms", ours,
                             ratio_label="ours/bare", ratio=ours.median / bare.median))
        add(Row.from_summary(SECTION_FLOOR, "ours: same, CPU time", "ms", ours_cpu)
            ).check(OURS_VS_BARE, ours_cpu.median / bare_cpu.median)
        add(Row.from_summary(SECTION_FLOOR, "bare WeasyPrint, same HTML, wall", "ms", bare))
        add(Row.from_summary(SECTION_FLOOR, "bare: same, CPU time", "ms", bare_cpu))
        add(Row.from_summary(SECTION_NAIVE, "naive HTML/CSS, WeasyPrint defaults, wall", "ms", naive,
                             ratio_label="ours/naive", ratio=ours.median / naive.median))
        add(Row.from_summary(SECTION_NAIVE, "naive: same, CPU time", "ms", naive_cpu)
            ).check(OURS_VS_NAIVE, ours_cpu.median / naive_cpu.median)
        reprint = Summary.of(s["reprint"], ms)
        add(Row.from_summary(SECTION_REPRINT, "GET saved version (200, whole PDF)", "ms", reprint)
            ).check(REPRINT_VS_BARE, reprint.median / bare.median)
        not_modified = Summary.of(s["reprint_304"], ms)
        add(Row.from_summary(SECTION_REPRINT, "same, If-None-Match (304)", "ms", not_modified,
                             ratio_label="304/bare", ratio=not_modified.median / bare.median))
        for key, label in (("html_build", "HTML build (view model + template)"),
                           ("parse", "parse: HTML(string=...)"),
                           ("layout", "style + layout: .render()"),
                           ("write", "PDF write: .write_pdf()")):
            stage = Summary.of(s[key], ms)
            add(Row.from_summary(SECTION_STAGES, label, "ms", stage, ratio_label="of ours",
                                 ratio=stage.median / ours.median))
        size = Summary.of(results.download_sizes, 1 / KB)
        add(Row.from_summary(SECTION_SIZE, f"6-exercise handout ({results.pages['ours']} pages)", "KB", size)
            ).check(HANDOUT_SIZE, size.median, label="")
        self.report.raw["sizes_bytes"] = dict(results.sizes)

        self.progress("in-process: PDF size of the largest default program(s)")
        largest = largest_default_programs(self.inprocess)
        slug, exercises, size_bytes, pages = max(largest, key=lambda item: item[2])
        add(Row(SECTION_SIZE, f"largest default program ({exercises} exercises, {pages} pages)", "KB",
                size_bytes / KB, n=1,
                note=f"{slug}; all default programs with {exercises} exercises: "
                     + ", ".join(f"{s_} {b / KB:.1f} KB" for s_, _e, b, _p in largest)))
        add(Row(SECTION_SIZE, "naive baseline (untagged, DejaVu)", "KB", results.sizes["naive"] / KB, n=1))
        self.report.raw["largest_default_programs"] = largest
        self.run_speed()

    def run_speed(self) -> None:
        """Figure 10 (bench/speed.py): caches warm vs today's render, the naive document and Chromium."""
        from bench.speed import measure_speed
        from prescribe.clinics import branding_for
        from prescribe.storage import program_of

        version, clinic = self.inprocess.latest_version()
        results = measure_speed(self.inprocess.catalog, branding_for(clinic), program_of(version), self.workdir,
                                self.args.rounds, self.rng, self.progress,
                                deadline=time.monotonic() + self.allotment("speed"), min_rounds=MIN_ROUNDS,
                                exclude_pids=set(self.running_children()))
        self.report.notes.extend(results.notes)
        self.report.raw["speed_cpu_seconds"] = dict(results.cpu)
        cpu = {name: Summary.of(samples, 1000) for name, samples in results.cpu.items()}
        add = self.report.add

        def ratio(a: str, b: str) -> float | None:
            return cpu[a].median / cpu[b].median if a in cpu and b in cpu else None

        add(Row.from_summary(SECTION_SPEED, "today: full render, no figure or layout cache", "ms", cpu.get("today")))
        add(Row.from_summary(SECTION_SPEED, "hit: only the patient changed, caches warm", "ms", cpu.get("hit"),
                             ratio_label="hit/today", ratio=ratio("hit", "today")))
        add(Row.from_summary(SECTION_SPEED, "naive document, WeasyPrint defaults", "ms", cpu.get("naive"))
            ).check(HIT_VS_NAIVE, ratio("hit", "naive"))
        add(Row.from_summary(SECTION_SPEED, "Chromium, reused page (browser + driver CPU)", "ms",
                             cpu.get("chromium"))).check(HIT_VS_CHROMIUM, ratio("hit", "chromium"))
        add(Row.from_summary(SECTION_SPEED, "today: tailored dose, no figure or layout cache", "ms",
                             cpu.get("today_dose")))
        add(Row.from_summary(SECTION_SPEED, "tailored dose, caches warm (layout missed)", "ms", cpu.get("dose"))
            ).check(DOSE_VS_TODAY, ratio("dose", "today_dose"))
        self.report.notes.append(f"speed: the layout cache after the rounds: {results.layouts}.")

    # -- phase 2: cold start -----------------------------------------------------------------

    def run_cold_start(self) -> None:
        """Figure 4: ``python bench/cold_start.py`` from spawn to the PDF bytes."""
        if self.inprocess is None:
            raise RuntimeError("needs the in-process app (its database and session cookie)")
        stamps: dict[str, list[float]] = {k: [] for k in ("total", "interpreter", "imports", "app", "first_pdf")}
        deadline = time.monotonic() + self.allotment("cold")
        for number in range(1, self.args.cold_starts + 1):
            if number > MIN_COLD_STARTS and time.monotonic() > deadline:
                self.report.notes.append(f"cold start: {number - 1} of {self.args.cold_starts} runs fitted in "
                                         f"the phase's time allotment.")
                break
            self.progress(f"cold start {number}/{self.args.cold_starts}: fresh process -> first PDF")
            spec = {"config": self.inprocess.config, "cookie_name": self.inprocess.session_cookie_name,
                    "cookie": self.inprocess.session_cookie(),
                    "form": download_form(self.inprocess.fields, f"Cold Patient {number}")}
            t0 = time.monotonic()
            done = subprocess.run([sys.executable, str(BENCH_DIR / "cold_start.py")], input=json.dumps(spec),
                                  capture_output=True, text=True, env=self.child_env(), cwd=REPO_ROOT,
                                  timeout=180)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                raise RuntimeError(f"cold start child failed ({done.returncode}): {done.stderr[-800:]}")
            data = json.loads(lines[-1])
            if not data["ok"]:
                raise RuntimeError(f"cold start child got no PDF (status {data['status']})")
            stamps["total"].append(data["pdf"] - t0)
            stamps["interpreter"].append(data["main"] - t0)
            stamps["imports"].append(data["imported"] - data["main"])
            stamps["app"].append(data["app"] - data["imported"])
            stamps["first_pdf"].append(data["pdf"] - data["app"])
        self.report.raw["cold_start_seconds"] = stamps
        for key, label in (("total", "fresh process -> first PDF"),
                           ("interpreter", "  interpreter start"),
                           ("imports", "  import prescribe (Flask, ...)"),
                           ("app", "  create_app()"),
                           ("first_pdf", "  first POST -> PDF (imports WeasyPrint)")):
            summary = Summary.of(stamps[key], 1000)
            extra = {}
            if key == "total" and self.bare_median:
                extra = {"ratio_label": "cold/bare", "ratio": summary.median / self.bare_median}
            self.report.add(Row.from_summary(SECTION_COLD, label, "ms", summary, **extra))
        self.run_cli_cold_starts()

    def run_cli_cold_starts(self) -> None:
        """Figure 11: ``flask --app wsgi handout`` vs a bare WeasyPrint script, fresh processes, alternating."""
        from bench.speed import cli_cold_starts

        seconds = cli_cold_starts(self.inprocess.app, self.workdir, self.child_env(), self.args.cold_starts,
                                  self.progress, deadline=time.monotonic() + self.allotment("cli"),
                                  min_runs=MIN_COLD_STARTS)
        self.report.raw["cli_cold_seconds"] = seconds
        cli, bare = Summary.of(seconds["cli"], 1000), Summary.of(seconds["bare_script"], 1000)
        self.report.add(Row.from_summary(SECTION_CLI, "flask --app wsgi handout, wall", "ms", cli)
                        ).check(CLI_VS_BARE_SCRIPT, cli.median / bare.median)
        self.report.add(Row.from_summary(SECTION_CLI, "bare WeasyPrint script, same HTML, wall", "ms", bare))

    # -- phase 3: gunicorn -------------------------------------------------------------------

    def run_servers(self) -> None:
        """Figures 5 and 6: PDF throughput with 1 and 2 workers, builder vs minimal page latency."""
        env = self.server_env()
        self.progress("gunicorn: flask --app wsgi init-db on the temporary database")
        init = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "init-db"], cwd=REPO_ROOT,
                              env=env, capture_output=True, text=True, timeout=120)
        if init.returncode != 0:
            raise RuntimeError(f"init-db failed: {init.stderr[-800:]}")
        account: list[tuple[str, str]] = []

        def credentials() -> tuple[str, str]:
            """A bench account in the servers' database, created the first time it is needed."""
            if not account:
                from prescribe import create_app

                app = create_app({"ENV_NAME": "development", "SECRET_KEY": self.secret,
                                  "INSTANCE_PATH": str(self.workdir / "instance"),
                                  "DATABASE_URL": env["PRESCRIBE_DATABASE_URL"]})
                account.append(create_bench_account(app))
                app.extensions["db_engine"].dispose()
            return account[0]

        rates: dict[int, list[float]] = {}
        loads: dict[int, LoadResult] = {}
        for workers in (1, 2):
            with GunicornServer(SERVED_APP, workers, env, self.workdir / f"gunicorn-{workers}.log") as server:
                self.progress(f"gunicorn {workers} worker(s) answering after {server.ready_after:.1f} s on "
                              f"127.0.0.1:{server.port}; fetching the builder form")
                browser = Browser(server.port)
                page = sign_in_if_asked(browser, BUILDER_PATH, credentials)
                if page.status != 200:
                    raise RuntimeError(f"GET {BUILDER_PATH} answered {page.status}")
                fields = six_exercise_form(form_pairs(page.body.decode("utf-8")))
                cookie, port = browser.cookie, server.port

                # Called only within this iteration (run_load below), so the loop variables are the current ones.
                def send_pdf(number: int, label: str = "load"):
                    form = download_form(fields, f"Load Patient {workers}w-{label}-{number}")  # noqa: B023
                    return request(port, "POST", "/build/", fields=form, cookie=cookie)  # noqa: B023

                self.progress(f"gunicorn {workers} worker(s): warm-up, one PDF per worker")
                warm = run_load(lambda n: send_pdf(n, "warm"), pdf_check, total=workers, clients=workers,
                                time_cap=UNLIMITED_CAP_S)
                if warm.errors:
                    raise RuntimeError(f"warm-up PDF failed: {warm.errors[0]}")
                total = PDF_REQUESTS_PER_WORKER * workers
                self.progress(f"gunicorn {workers} worker(s): up to {total} PDFs from {2 * workers} clients")
                load = run_load(send_pdf, pdf_check, total=total, clients=2 * workers,
                                time_cap=self.allotment("pdf_load"))
                if load.errors:
                    raise RuntimeError(f"PDF load: {len(load.errors)} errors, first: {load.errors[0]}")
                loads[workers], rates[workers] = load, window_rates(load.completions, load.started, workers)
                if workers == 2:
                    builder = _counting_replaced_workers(server, self._builder_page, port, cookie)
                    minimal = _counting_replaced_workers(server, self._minimal_page, port)
                    self._report_pages(builder, minimal)
                    form = browser_form(page.body.decode("utf-8"))
                    self._report_row_actions(_counting_replaced_workers(server, self._row_actions, port, cookie, form))
                    patient = _counting_replaced_workers(server, self._patient_page, port, patient_page_path(browser))
                    self._report_patient_page(patient, minimal)
        self.report.raw["throughput"] = {
            w: {"window_rates": rates[w], "overall_per_s": loads[w].throughput,
                "requests": len(loads[w].completions), "elapsed_s": loads[w].elapsed, "capped": loads[w].capped}
            for w in rates}
        one, two = Summary.of(rates[1]), Summary.of(rates[2])
        for workers, summary in ((1, one), (2, two)):
            load = loads[workers]
            row = self.report.add(Row.from_summary(
                SECTION_THROUGHPUT, f"{workers} worker{'s' if workers > 1 else ''}: PDFs per second", "PDF/s",
                summary, note=f"{len(load.completions)} PDFs in {load.elapsed:.1f} s = {load.throughput:.2f}/s "
                              f"overall" + ("; time allotment hit" if load.capped else "")))
            if workers == 2:
                row.check(TWO_WORKERS_SCALING, two.median / one.median)
        ceiling = self._machine_ceiling()
        self.report.add(Row(
            SECTION_THROUGHPUT, "control: bare WeasyPrint, 2 processes at once vs 1 alone", "x",
            ceiling.median, ceiling.low, ceiling.high, ceiling.n, ratio_label="2w/1w / control",
            ratio=two.median / one.median / ceiling.median,
            note="how much two bare render processes gained over one on this machine in this run: the "
                 "2-worker figure is read against it"))

    def _machine_ceiling(self) -> Summary:
        """Renders per second of two bare-WeasyPrint processes at once over one alone (no app at all).

        On a shared machine the second core is not always a whole core (two renders at once each run
        slower than one alone, whatever the program); this control, measured right after the servers,
        tells that apart from anything the app or gunicorn adds. Each render that ran entirely while
        both processes were rendering is compared with the median render alone.
        """
        self.progress(f"control: bare WeasyPrint, {CEILING_RENDERS} renders in 1 process, then in 2 at once")
        alone = statistics.median(end - start for start, end in self._bare_renders(1)[0])
        pair = self._bare_renders(2)
        window_start = max(renders[0][0] for renders in pair)
        window_end = min(renders[-1][1] for renders in pair)
        overlapping = [end - start for renders in pair for start, end in renders
                       if start >= window_start and end <= window_end]
        self.report.raw["machine_ceiling"] = {"alone_s": alone, "pair": pair}
        if not overlapping:
            raise RuntimeError("the two control processes never rendered at the same time")
        return Summary.of([2 * alone / seconds for seconds in overlapping])

    def _bare_renders(self, copies: int) -> list[list[tuple[float, float]]]:
        """(start, end) of each timed render of ``copies`` bench/engine_scaling.py processes run together."""
        processes = [subprocess.Popen([sys.executable, str(BENCH_DIR / "engine_scaling.py"), str(CEILING_RENDERS)],
                                      stdout=subprocess.PIPE, text=True, env=self.child_env(), cwd=REPO_ROOT)
                     for _ in range(copies)]
        results = []
        for process in processes:
            out, _ = process.communicate(timeout=300)
            if process.returncode != 0:
                raise RuntimeError(f"bench/engine_scaling.py exited {process.returncode}")
            results.append([(line["start"], line["end"]) for line in map(json.loads, out.splitlines())])
        return results

    def _builder_page(self, port: int, cookie: str) -> LoadResult:
        self.progress(f"gunicorn 2 workers: builder page, up to {BUILDER_REQUESTS} GETs from {PAGE_CLIENTS} clients")

        def get(_number: int):
            return request(port, "GET", BUILDER_PATH, cookie=cookie)

        run_load(get, ok_check, total=2, clients=2, time_cap=UNLIMITED_CAP_S)  # warm-up, one per worker
        load = run_load(get, timed_ok_check, total=BUILDER_REQUESTS, clients=PAGE_CLIENTS,
                        time_cap=self.allotment("builder"))
        if load.errors or not load.latencies:
            raise RuntimeError(f"builder page load: {len(load.errors)} errors, first: {load.errors[:1]}")
        return load

    def _minimal_page(self, port: int) -> LoadResult:
        self.progress(f"gunicorn 2 workers: minimal page {MINIMAL_PATH}, up to {MINIMAL_REQUESTS} GETs from "
                      f"{PAGE_CLIENTS} clients")

        def get(_number: int):
            return request(port, "GET", MINIMAL_PATH)

        run_load(get, ok_check, total=PAGE_CLIENTS, clients=PAGE_CLIENTS, time_cap=UNLIMITED_CAP_S)
        minimal = run_load(get, ok_check, total=MINIMAL_REQUESTS, clients=PAGE_CLIENTS,
                           time_cap=self.allotment("minimal"))
        if minimal.errors or not minimal.latencies:
            raise RuntimeError(f"minimal page load: {len(minimal.errors)} errors")
        return minimal

    def _report_pages(self, builder: LoadResult, minimal: LoadResult) -> None:
        self.report.raw["page_latency_seconds"] = {"builder": builder.latencies, "minimal": minimal.latencies}
        b50, b95 = (percentile(builder.latencies, q) * 1000 for q in (50, 95))
        m50, m95 = (percentile(minimal.latencies, q) * 1000 for q in (50, 95))
        b_lo, b_hi = min(builder.latencies) * 1000, max(builder.latencies) * 1000
        m_lo, m_hi = min(minimal.latencies) * 1000, max(minimal.latencies) * 1000
        nb, nm = len(builder.latencies), len(minimal.latencies)
        add = self.report.add
        add(Row(SECTION_PAGE, "builder page: p50", "ms", b50, b_lo, b_hi, nb,
                ratio_label="builder/minimal p50", ratio=b50 / m50,
                note=f"GET {BUILDER_PATH}, signed in; min and max are over all requests"
                     + _replaced_workers_note(builder)))
        add(Row(SECTION_PAGE, "builder page: p95", "ms", b95, b_lo, b_hi, nb)).check(BUILDER_VS_MINIMAL, b95 / m95)
        server = [seconds * 1000 for seconds in builder.server_seconds]
        add(Row(SECTION_PAGE, "builder page: server time p95", "ms", percentile(server, 95), min(server),
                max(server), len(server), note="the app's own time (Server-Timing) of the same GETs: the rest "
                                               "of the latency is waiting for a free worker"))
        add(Row(SECTION_PAGE, "minimal Flask page: p50", "ms", m50, m_lo, m_hi, nm,
                note=_replaced_workers_note(minimal).removeprefix("; ")))
        add(Row(SECTION_PAGE, "minimal Flask page: p95", "ms", m95, m_lo, m_hi, nm))

    def _row_actions(self, port: int, cookie: str, fields: list[tuple[str, str]]) -> LoadResult:
        """POST the whole builder form plus one row action's button, the actions in rotation."""
        self.progress(f"gunicorn 2 workers: row actions ({', '.join(v for _k, v in ROW_ACTIONS)}), up to "
                      f"{ROW_ACTION_REQUESTS} POSTs from {PAGE_CLIENTS} clients")

        def post(number: int):
            _kind, button = ROW_ACTIONS[number % len(ROW_ACTIONS)]
            return request(port, "POST", BUILDER_POST, fields=[*fields, ("action", button)], cookie=cookie,
                           headers=HTMX_HEADERS)

        warm = run_load(post, timed_ok_check, total=2 * len(ROW_ACTIONS), clients=2, time_cap=UNLIMITED_CAP_S)
        if warm.errors:
            raise RuntimeError(f"row action warm-up failed: {warm.errors[0]}")
        load = run_load(post, timed_ok_check, total=ROW_ACTION_REQUESTS, clients=PAGE_CLIENTS,
                        time_cap=self.allotment("row_actions"))
        if load.errors or not load.latencies:
            raise RuntimeError(f"row actions: {len(load.errors)} errors, first: {load.errors[:1]}")
        return load

    def _report_row_actions(self, load: LoadResult) -> None:
        """Client latency and server time, p50 and p95, of all row actions and of each kind."""
        kinds = [ROW_ACTIONS[number % len(ROW_ACTIONS)][0] for number in load.numbers]
        groups = {"all": list(range(len(kinds)))}
        groups.update({kind: [i for i, k in enumerate(kinds) if k == kind] for kind, _button in ROW_ACTIONS})
        self.report.raw["row_actions_workers_replaced"] = load.workers_replaced
        self.report.raw["row_actions"] = {
            kind: {"client_seconds": [load.latencies[i] for i in indices],
                   "server_seconds": [load.server_seconds[i] for i in indices],
                   "body_bytes": [load.body_bytes[i] for i in indices]}
            for kind, indices in groups.items()}
        answers = ", ".join(f"{kind} {statistics.median(load.body_bytes[i] for i in groups[kind]) / KB:.0f} KB"
                            for kind, _button in ROW_ACTIONS)
        for group, indices in groups.items():
            for what, samples in (("client", load.latencies), ("server", load.server_seconds)):
                values = [samples[i] * 1000 for i in indices]
                for q in (50, 95):
                    row = self.report.add(Row(SECTION_PAGE, f"row action {group}: {what} p{q}", "ms",
                                              percentile(values, q), min(values), max(values), len(values)))
                    if group == "all" and what == "client" and q == 50:
                        row.note = (f"POST {BUILDER_POST} with the whole form of GET {BUILDER_PATH} plus "
                                    + ", ".join(f"action={button}" for _kind, button in ROW_ACTIONS)
                                    + " in rotation, HX-Request: true, HX-Target: exercises; "
                                    + f"answers (median size): {answers}"
                                    + _replaced_workers_note(load))
                    if group == "all" and what == "server" and q == 95:
                        row.check(ROW_ACTION_SERVER_P95, row.median, label="")

    def _patient_page(self, port: int, path: str) -> LoadResult:
        self.progress(f"gunicorn 2 workers: the patient's page, up to {PATIENT_PAGE_REQUESTS} GETs from "
                      f"{PAGE_CLIENTS} phones (gzip)")

        def get(_number: int):
            return request(port, "GET", path, headers=PHONE_HEADERS)

        run_load(get, timed_ok_check, total=2, clients=2, time_cap=UNLIMITED_CAP_S)
        load = run_load(get, timed_ok_check, total=PATIENT_PAGE_REQUESTS, clients=PAGE_CLIENTS,
                        time_cap=self.allotment("patient_page"))
        if load.errors or not load.latencies:
            raise RuntimeError(f"patient's page: {len(load.errors)} errors, first: {load.errors[:1]}")
        return load

    def _report_patient_page(self, load: LoadResult, minimal: LoadResult) -> None:
        """Latency (against the minimal page) and weight of the page a patient's phone opens."""
        self.report.raw["patient_page"] = {"client_seconds": load.latencies, "server_seconds": load.server_seconds,
                                           "body_bytes": load.body_bytes}
        ms = [seconds * 1000 for seconds in load.latencies]
        server = [seconds * 1000 for seconds in load.server_seconds]
        m50 = percentile(minimal.latencies, 50) * 1000
        add = self.report.add
        add(Row(SECTION_PAGE, "patient's page: p50", "ms", percentile(ms, 50), min(ms), max(ms), len(ms),
                ratio_label="patient/minimal p50", ratio=percentile(ms, 50) / m50,
                note="GET /p/<key> of a printed version, no cookie, gzip; each opening is counted and logged"
                     + _replaced_workers_note(load)))
        add(Row(SECTION_PAGE, "patient's page: p95", "ms", percentile(ms, 95), min(ms), max(ms), len(ms)))
        add(Row(SECTION_PAGE, "patient's page: server time p95", "ms", percentile(server, 95), min(server),
                max(server), len(server)))
        size = statistics.median(load.body_bytes) / KB
        add(Row(SECTION_PAGE, "patient's page: bytes over the wire", "KB", size, min(load.body_bytes) / KB,
                max(load.body_bytes) / KB, len(load.body_bytes),
                note="the page with every moving picture inlined, gzipped (its CSS and script are files, "
                     "cached)")).check(PATIENT_PAGE_WEIGHT, size, label="")

    # -- phase 4: memory ---------------------------------------------------------------------

    def start_memory(self) -> None:
        """Figure 7: start bench/memory_worker.py beside the single-process phases.

        It runs on the second core while the in-process and cold-start phases use the first, then
        alone until the budget ends; the gunicorn phase, which needs both cores, is over by then.
        """
        renders = self.args.memory_renders
        seconds = 0.0 if self.deadline is None else max(1.0, self.deadline - time.monotonic() - MEMORY_RESERVE_S)
        self.progress(f"memory: up to {renders} renders in one process, beside the next phases"
                      + ("" if self.deadline is None else f", within {seconds:.0f} s"))
        instance = self.workdir / "memory-instance"
        instance.mkdir()
        self.memory_process = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "memory_worker.py"), str(instance), str(renders),
             f"{seconds:.1f}"], stdout=subprocess.PIPE, text=True, env=self.child_env(), cwd=REPO_ROOT)
        self.memory_seconds = seconds

    def finish_memory(self) -> None:
        """Wait for the memory worker and report its checkpoints."""
        process, seconds = self.memory_process, self.memory_seconds
        renders = self.args.memory_renders
        watchdog = threading.Timer(seconds + 60, process.kill) if seconds else None
        if watchdog:
            watchdog.start()
        checkpoints: dict[int, float] = {}
        stop: dict = {}
        try:
            for line in process.stdout:
                data = json.loads(line)
                if "stopped" in data:
                    stop = data
                    continue
                checkpoints[data["renders"]] = data["rss_mb"]
                if data["renders"]:
                    self.progress(f"memory: RSS {data['rss_mb']:.1f} MB after {data['renders']} render(s) "
                                  f"({data['render_s'] * 1000:.0f} ms for the last one)")
            process.wait()
        finally:
            if watchdog:
                watchdog.cancel()
            if process.poll() is None:
                process.kill()
                process.wait()
        if not stop:
            raise RuntimeError(f"memory worker ended without a result (exit {process.returncode})")
        done = stop["stopped"]
        checkpoints.setdefault(done, stop["rss_mb"])
        self.report.raw["memory"] = {"rss_mb_by_renders": checkpoints, "stop": stop}
        unreached_note = (f"not reached: {done} renders fitted in the rest of the time budget "
                          f"({stop['render_s'] * 1000:.0f} ms per render); BENCH_ARGS=\"--budget 0\" runs all "
                          f"{renders}")
        for count in sorted({1, 100, 500} | ({done} if done > 1 else set())):
            label = f"RSS after {count} render{'s' if count > 1 else ''}"
            if count not in checkpoints:
                row = Row(SECTION_MEMORY, label, "MB", note=unreached_note)
                unreached_note = ""
            elif count in (1, 100, 500):
                row = Row(SECTION_MEMORY, label, "MB", checkpoints[count], n=1)
            else:
                row = Row(SECTION_MEMORY, f"{label} (budget ended)", "MB", checkpoints[count], n=1,
                          ratio_label=f"RSS{count}/RSS1", ratio=checkpoints[count] / checkpoints[1])
            if count == 500:
                both = 100 in checkpoints and 500 in checkpoints
                row.check(RSS_GROWTH, checkpoints[500] / checkpoints[100] if both else None)
            self.report.add(row)

    # -- the whole run -----------------------------------------------------------------------

    def run(self) -> int:
        meta = self.report.meta
        meta.update(started=datetime.datetime.now().isoformat(timespec="seconds"),
                    python=platform.python_version(), cpus=os.cpu_count(), loadavg_start=_loadavg(),
                    budget_s=self.args.budget, rounds=self.args.rounds, cold_starts=self.args.cold_starts,
                    memory_renders=self.args.memory_renders, seed=self.args.seed,
                    workload=f"{DIAGNOSIS} default program without {DROPPED_EXERCISE} (6 exercises), log page")
        meta.update(_versions())
        wanted = set(self.args.phases)
        try:
            if "gunicorn" in wanted:
                self.phase("gunicorn", self.run_servers, [SECTION_THROUGHPUT, SECTION_PAGE])
            if "memory" in wanted:
                self.start_memory()
            if wanted & {"in-process", "cold-start"}:  # the cold start reuses the in-process app
                self.phase("in-process", self.run_inprocess,
                           [SECTION_FLOOR, SECTION_NAIVE, SECTION_REPRINT, SECTION_SIZE, SECTION_STAGES,
                            SECTION_SPEED])
            if "cold-start" in wanted:
                self.phase("cold start", self.run_cold_start, [SECTION_COLD, SECTION_CLI])
            if "memory" in wanted:
                self.phase("memory", self.finish_memory, [SECTION_MEMORY])
            if self.inprocess is not None:
                self.inprocess.dispose()
        finally:
            shutil.rmtree(self.workdir, ignore_errors=True)
        meta.update(loadavg_end=_loadavg(), elapsed_s=round(time.monotonic() - self.started, 1),
                    cpu_used_by_other_processes=self.cpu_others)
        self.report.notes[:0] = self.explanations()
        self.report.sort(SECTION_ORDER)
        self.print_report()
        self.report.write_json(self.args.json)
        return 1 if self.report.errors else 0

    def explanations(self) -> list[str]:
        """What each figure measures, printed under the table."""
        notes = [
            f"ours: Flask test client POST /build/ action=download of the 6-exercise handout ({DIAGNOSIS} "
            f"default without {DROPPED_EXERCISE}, log page included). Every request carries a different patient "
            f"name so it really renders: an identical download is served from the stored version (dedupe).",
            "bare: plain WeasyPrint on the HTML our template produced for the same program (read back from the "
            "saved version): HTML(string).render(stylesheets=[print.css], PDF/UA-1).write_pdf() with the warm "
            "fetcher, FontConfiguration and stylesheet of prescribe.handout.pdf._engine(). No Flask, form, "
            "database, view model or template; options html_to_pdf adds on top (e.g. an image cache) count "
            "as ours.",
            "naive: bench/naive_handout.html, a fixed reference: plain HTML/CSS, table log grid, <img> SVG "
            "files, default fonts, WeasyPrint defaults (default fetcher, new FontConfiguration per document, "
            "untagged).",
            f"Figures 1-3 and 9 come from interleaved rounds (order shuffled each round, up to "
            f"{self.args.rounds}) after one warm-up of each operation. Ratios are ratios of medians from this "
            f"run. The ours/bare and ours/naive targets are checked on CPU time of this process for the same "
            f"calls (other processes cannot inflate it; on a quiet machine it equals wall-clock time).",
            "throughput: gunicorn --workers N --threads 1 (PRESCRIBE_ENV_NAME=production, temporary database), "
            f"one warm-up PDF per worker, then up to {PDF_REQUESTS_PER_WORKER} PDFs per worker from 2N clients "
            f"back to back; median over windows of N consecutive completions of that continuous run. The "
            f"control right after: bench/engine_scaling.py (bare WeasyPrint on the same HTML, no app) renders "
            f"{CEILING_RENDERS} times alone, then in two processes at once; each render made while both ran is "
            f"compared with the median alone (2 x alone / that render's time).",
            f"page latency: up to {BUILDER_REQUESTS} builder GETs from {PAGE_CLIENTS} clients (latency includes "
            f"queueing for the 2 workers). The minimal page is bench/minimal_app.py, mounted at {MINIMAL_PATH} "
            f"beside the app by bench/served_app.py and served by the same gunicorn workers right after the "
            f"builder (no route was added to the app); up to {MINIMAL_REQUESTS} GETs from {PAGE_CLIENTS} clients. "
            f"p50 and p95 are percentiles over all requests; the builder/minimal ratios are p50 over p50 and p95 "
            f"over p95 (the target is on p95). gunicorn runs with the repository's gunicorn.conf.py, as in "
            f"production, so it replaces each worker after 1,000 to 1,500 requests (max_requests): a row's note says "
            f"when that happened during its load (the requests that waited for a new worker to boot count in "
            f"the client latency).",
            f"row actions: the round trip of the builder's add, remove and move buttons. The bench signs in, "
            f"GETs {BUILDER_PATH} and reads its form as a browser posts it (bench/workload.py browser_form: "
            f"the builder form's inputs, textareas, selected options, checked boxes and CSRF token; not the "
            f"sign-out form's), then, right after the minimal page, up to {ROW_ACTION_REQUESTS} POST "
            f"{BUILDER_POST} from {PAGE_CLIENTS} clients, each the whole form plus "
            + ", ".join(f"action={button} ({kind})" for kind, button in ROW_ACTIONS)
            + " in rotation, with HX-Request: true and HX-Target: exercises, as htmx sends them (the answer "
            "is the exercises part of the page; a whole page would count too). Every request starts from "
            "the same form, so each adds, removes or moves one row. "
            "client = latency seen by the client, queueing for the 2 workers included; server = the app's own "
            "time from its Server-Timing: app;dur=<ms> header (prescribe/web/server_timing.py: from the "
            "request reaching the app to its status and headers), without the wait for a worker. The target "
            "is on the server p95 of all three kinds together.",
            "cold start: `python bench/cold_start.py` from spawn until it holds the PDF of the same POST download "
            "(test client, with the in-process app's session cookie and database).",
            "memory: bench/memory_worker.py renders 50 different programs in turn (the 6-exercise handout with "
            "the first exercise's sets and rest varied) with prescribe.handout.render_program in one process; "
            "VmRSS from /proc/self/status. It starts once the gunicorn phase (both cores) is over, "
            "runs on the second core beside the in-process and cold-start phases (both single-process), then "
            "alone until it has its renders or the budget ends.",
            "#21 (figure 10, bench/speed.py): today = render_program with WeasyPrint's plain image cache (warm) "
            "and no layout kept, as before the figure drawing and layout caches; hit = the same program (only the "
            "patient changed) with the process's caches warm (the kept layout, the personal part spliced in); "
            "tailored dose = the first exercise's sets and reps change every time (a layout miss), rendered "
            "both ways; naive as in figure 2; Chromium = Playwright printing our HTML (print.css linked) from one "
            "reused page. CPU time of every process each ran (Chromium's browser and driver processes read "
            "from /proc), in interleaved rounds.",
            "CLI (figure 11): `python -m flask --app wsgi handout` and `python bench/bare_script.py` (WeasyPrint, "
            "print.css, PDF/UA-1, the same HTML) as fresh processes, alternating, wall time.",
            "KB = 1000 bytes.",
        ]
        if self.cpu_others:
            busy = ", ".join(f"{name} {share:.0%}" for name, share in self.cpu_others.items())
            warning = (" Above ~10% the figures are inflated (absolute times most, same-run ratios less, "
                       "the 2-worker scaling most of all)." if max(self.cpu_others.values()) > 0.10 else "")
            notes.append(f"CPU used by other processes on this machine, share of all {os.cpu_count()} CPUs "
                         f"during each phase: {busy}.{warning}")
        return notes

    def print_report(self) -> None:
        meta = self.report.meta
        sys.stderr.flush()
        print()
        print(f"Prescribe benchmark, {meta['started']}: Python {meta['python']}, WeasyPrint "
              f"{meta.get('weasyprint')}, gunicorn {meta.get('gunicorn')}, HarfBuzz subsetting "
              f"{meta.get('harfbuzz_subset')}, {meta['cpus']} CPUs, load average {_fmt_load(meta['loadavg_start'])}"
              f" -> {_fmt_load(meta['loadavg_end'])}, {meta['elapsed_s']:.0f} s")
        print()
        print(self.report.table())
        print()
        print(self.report.summary_of_targets())
        for row in self.report.rows:
            if row.note:
                print(f"  * {row.figure.strip()}: {row.note}")
        print()
        for note in self.report.notes:
            print(f"- {note}")
        for error in self.report.errors:
            print(f"ERROR {error}")
        path = self.args.json.resolve()
        print(f"\nResults: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}",
              flush=True)


class CpuSnapshot:
    """CPU seconds used by the whole machine and by this process tree, to tell others' share.

    Our tree's time counts this process, every child it has waited for (gunicorn masters
    wait for their workers, so workers are counted once their server is stopped), and the
    running children named by pid (the memory worker, which runs beside other phases).
    """

    def __init__(self, machine: float, ours: float, wall: float):
        self.machine, self.ours, self.wall = machine, ours, wall

    @classmethod
    def take(cls, running_children: list[int] = ()) -> CpuSnapshot:
        try:
            with open("/proc/stat", encoding="ascii") as stat:
                fields = [int(x) for x in stat.readline().split()[1:]]
            busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
            machine = busy / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            machine = float("nan")
        times = os.times()
        ours = times.user + times.system + times.children_user + times.children_system
        ours += sum(_cpu_seconds_of(pid) for pid in running_children)
        return cls(machine, ours, time.monotonic())

    def others_since(self, before: CpuSnapshot) -> float | None:
        """Share (0-1) of all CPUs' time used by other processes between ``before`` and now."""
        wall = self.wall - before.wall
        if wall <= 0 or self.machine != self.machine:  # NaN: no /proc/stat
            return None
        others = (self.machine - before.machine) - (self.ours - before.ours)
        return max(0.0, others) / (wall * (os.cpu_count() or 1))


def patient_page_path(browser: Browser) -> str:
    """The path of a patient's page: "Make a link to copy" on the newest saved handout, as a therapist would."""
    home = browser.go("GET", "/").body.decode("utf-8")
    handout = re.search(r'href="(/handouts/[0-9]+)"', home)
    if handout is None:
        raise RuntimeError("no saved handout on the start page")
    page = browser.go("GET", handout[1]).body.decode("utf-8")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise RuntimeError("no form on the handout's page")
    made = browser.go("POST", handout[1] + "/links", fields=[("csrf_token", token[1])]).body.decode("utf-8")
    address = re.search(r'id="issued-url" class="copy-source" value="https?://[^/]+(/p/[A-Z2-7]+)"', made)
    if address is None:
        raise RuntimeError("the handout's page made no link")
    return address[1]


def _counting_replaced_workers(server: GunicornServer, measure, *args) -> LoadResult:
    """``measure(*args)``'s load, noting how many workers gunicorn replaced meanwhile (max_requests)."""
    before = server.worker_pids()
    load = measure(*args)
    after = server.worker_pids()
    load.workers_replaced = len(before - after) if before and after else None
    return load


def _replaced_workers_note(load: LoadResult) -> str:
    """"; gunicorn replaced N worker(s) ..." when it did during ``load`` (the client figures include the wait)."""
    if not load.workers_replaced:
        return ""
    return (f"; gunicorn replaced {load.workers_replaced} worker(s) during this load (max_requests in "
            f"gunicorn.conf.py, as in production): the requests that waited for a new worker to boot count "
            f"in the client figures, not in the server time")


def _cpu_seconds_of(pid: int) -> float:
    """User + system CPU seconds of a running process (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    except (OSError, ValueError, IndexError):
        return 0.0


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _fmt_load(load: list[float] | None) -> str:
    return "?" if not load else f"{load[0]:.2f}"


def _versions() -> dict[str, object]:
    """Versions of the PDF stack, and whether WeasyPrint can subset fonts with HarfBuzz."""
    out: dict[str, object] = {}
    try:
        import gunicorn
        import weasyprint

        out.update(weasyprint=weasyprint.__version__, gunicorn=gunicorn.__version__)
        from prescribe.handout.pdf import harfbuzz_subset_available

        out["harfbuzz_subset"] = harfbuzz_subset_available()
    except Exception as exc:  # noqa: BLE001 - metadata only
        out["versions_error"] = str(exc)
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Prescribe benchmark (see bench/__init__.py).")
    parser.add_argument("--budget", type=float, default=DEFAULT_BUDGET_S,
                        help=f"seconds for the whole run (default {DEFAULT_BUDGET_S}); 0 = no limit")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved in-process rounds (default 7)")
    parser.add_argument("--cold-starts", type=int, default=5, help="fresh processes timed (default 5)")
    parser.add_argument("--memory-renders", type=int, default=500, help="renders in the memory run (default 500)")
    parser.add_argument("--phases", type=lambda text: text.split(","), default=list(PHASES),
                        help=f"comma-separated subset of {','.join(PHASES)} (default all; a partial run "
                             f"prints only its figures)")
    parser.add_argument("--seed", type=int, default=20261121, help="seed of the round order shuffle")
    parser.add_argument("--json", type=Path, default=BENCH_DIR / "results.json", help="where to write results")
    args = parser.parse_args(argv)
    if unknown := set(args.phases) - set(PHASES):
        parser.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    return args


def main(argv: list[str] | None = None) -> int:
    return Bench(parse_args(argv)).run()


if __name__ == "__main__":
    sys.exit(main())
