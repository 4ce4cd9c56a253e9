"""Child process for the memory figure: RSS of one process after 1, 100 and 500 renders.

Run by ``bench.run`` as ``python bench/memory_worker.py INSTANCE_DIR RENDERS SECONDS``. Renders the
6-exercise handout ``RENDERS`` times in-process with ``prescribe.handout.render_program``, as 50
different programs in turn (the first exercise's sets and rest change; the patient name changes every
time, so no cache can answer a whole render, while the per-process caches see new work) and prints
a JSON line with VmRSS at each checkpoint. It stops early, before a render that would end after
``SECONDS`` (0 = no limit), and says how far it got.
"""

import json
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.workload import demo_branding, rss_mb, six_exercise_program  # noqa: E402

CHECKPOINTS = {1, 10, 25, 50, 100, 150, 200, 300, 400, 500}
PROGRAMS = 50


def variant(program, number: int):
    """Program ``number % PROGRAMS`` of the 50: five set counts x ten rests on the first exercise."""
    first = program.items[0]
    index = number % PROGRAMS
    dose = replace(first.dose, sets=1 + index % 5, rest_seconds=30 + 10 * (index // 5))
    return replace(program, items=(replace(first, dose=dose), *program.items[1:]))


def emit(**values) -> None:
    print(json.dumps(values), flush=True)


def main(instance: str, renders: int, seconds: float) -> None:
    started = time.monotonic()
    deadline = started + seconds if seconds > 0 else None
    from prescribe import create_app
    from prescribe.handout import render_program

    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "memory-worker-" + "x" * 32,
                      "INSTANCE_PATH": instance, "DATABASE_URL": f"sqlite:///{instance}/memory.sqlite"})
    catalog = app.extensions["catalog"]
    program, branding = six_exercise_program(catalog), demo_branding()
    emit(renders=0, rss_mb=rss_mb(), seconds=0.0)
    last = 0.0
    for number in range(1, renders + 1):
        if deadline is not None and number > 1 and time.monotonic() + last > deadline:
            emit(stopped=number - 1, reason="time budget", rss_mb=rss_mb(), render_s=last)
            return
        t0 = time.monotonic()
        render_program(replace(variant(program, number), patient_name=f"Memory Patient {number}"), catalog, branding)
        last = time.monotonic() - t0
        if number in CHECKPOINTS or number == renders:
            emit(renders=number, rss_mb=rss_mb(), render_s=last, seconds=time.monotonic() - started)
    emit(stopped=renders, reason="complete", rss_mb=rss_mb(), render_s=last)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]))
