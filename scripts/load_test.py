"""Load test: 16 clients save and print handouts for 60 s against 2 gunicorn workers on SQLite.

Each client signs in and then loops: save a new handout through the builder (a PDF rendered and
stored), reprint one of its saved versions twice (the stored bytes, checked against the hash the
save returned) and open the handout's page. Every request must succeed, and the word "locked"
must appear nowhere: not in a reply and not in gunicorn's logs ("database is locked" is what SQLite
says when a writer gives up).

    .venv/bin/python scripts/load_test.py [--clients 16] [--seconds 60] [--workers 2] [--json FILE]

Exit status 0 when there were 0 errors and 0 "database is locked"; the figures are printed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loopback import Browser, Gunicorn, prepare_database, sha256  # noqa: E402


def run(clients: int, seconds: float, workers: int, workdir: Path) -> dict:
    url = f"sqlite:///{workdir / 'load.sqlite'}"
    prepare_database(url, workdir)
    server = Gunicorn(url, workdir, workers=workers)
    latencies: dict[str, list[float]] = {"save": [], "reprint": [], "page": []}
    errors: list[str] = []
    locked_replies = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    start = threading.Barrier(clients)

    def client(number: int) -> None:
        nonlocal locked_replies
        rng = random.Random(number)
        browser = Browser(server.base, timeout=120)
        saved: list[tuple[int, str]] = []  # (handout id, sha256 of the PDF)
        try:
            browser.sign_in()
            fields = browser.builder()
        except Exception as exc:  # noqa: BLE001 - counted as an error
            with lock:
                errors.append(f"client {number} could not start: {exc!r}")
            start.abort()  # the other clients must not wait for this one forever
            return
        try:
            start.wait(timeout=seconds + 120)
        except threading.BrokenBarrierError:
            with lock:
                errors.append(f"client {number}: another client could not start")
            return

        def record(kind: str, ok: bool, reply, what: str) -> None:
            nonlocal locked_replies
            with lock:
                latencies[kind].append(reply.seconds)
                if b"locked" in reply.body[:200_000] and not reply.content_type.startswith("application/pdf"):
                    locked_replies += 1
                if not ok:
                    errors.append(f"{what}: HTTP {reply.status}")

        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            try:
                reference = f"L{number:02d}-{attempt:04d}"
                form = dict(fields, patient_name=f"Load Patient {reference}", patient_reference=reference,
                            **{"exercises-0-reps": str(rng.randint(5, 20))})
                reply = browser.download(form)
                ok = reply.status == 200 and reply.content_type.startswith("application/pdf")
                record("save", ok, reply, "save")
                if not ok:
                    continue
                # Find the handout as a therapist would: search the patient, open their page.
                found = browser.request(f"/patients/?q={reference}")
                record("page", found.status == 200, found, "patient search")
                patient = browser.request("/patients/" + re.findall(rb'href="/patients/(\d+)"', found.body)[0].decode())
                record("page", patient.status == 200, patient, "patient page")
                handout_id = int(re.findall(rb'href="/handouts/(\d+)"', patient.body)[0])
                saved.append((handout_id, sha256(reply.body)))
                for _ in range(2):
                    handout_id, digest = rng.choice(saved)
                    again = browser.request(f"/handouts/{handout_id}/versions/1.pdf")
                    record("reprint", again.status == 200, again, "reprint")
                    if again.status == 200 and sha256(again.body) != digest:
                        with lock:
                            errors.append("a reprint differed from what was printed")
                shown = browser.request(f"/handouts/{handout_id}")
                record("page", shown.status == 200, shown, "handout page")
            except Exception as exc:  # noqa: BLE001 - a timeout or a reset connection is an error
                with lock:
                    errors.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    server.stop()
    logs = server.log_text()
    all_latencies = [s for values in latencies.values() for s in values]
    requests = len(all_latencies)

    def percentile(values: list[float], q: float) -> float:
        return round(statistics.quantiles(values, n=100)[q - 1], 2) if len(values) >= 2 else 0.0

    return {
        "clients": clients, "workers": workers, "seconds": round(elapsed, 1), "requests": requests,
        "saves": len(latencies["save"]), "reprints": len(latencies["reprint"]), "pages": len(latencies["page"]),
        "errors": len(errors), "error_samples": errors[:5],
        "database_is_locked": locked_replies + logs.count("database is locked"),
        "requests_per_second": round(requests / elapsed, 2),
        "saves_per_minute": round(len(latencies["save"]) * 60 / elapsed, 1),
        "save_p50_s": percentile(latencies["save"], 50), "save_p95_s": percentile(latencies["save"], 95),
        "reprint_p50_s": percentile(latencies["reprint"], 50), "reprint_p95_s": percentile(latencies["reprint"], 95),
        "worker_timeouts": logs.count("WORKER TIMEOUT"),
    }


def passed(figures: dict) -> bool:
    return (figures["errors"] == 0 and figures["database_is_locked"] == 0 and figures["saves"] > 0
            and figures["worker_timeouts"] == 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="prescribe-load-") as workdir:
        figures = run(args.clients, args.seconds, args.workers, Path(workdir))
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    ok = passed(figures)
    print(f"load test: {figures['requests']} requests ({figures['saves']} saves, {figures['reprints']} reprints) "
          f"from {figures['clients']} clients on {figures['workers']} workers in {figures['seconds']} s: "
          f"{figures['errors']} errors, {figures['database_is_locked']} \"database is locked\", "
          f"{figures['requests_per_second']} req/s -> {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
