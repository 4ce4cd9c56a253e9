"""Child process for the throughput section's control: bare WeasyPrint renders, timed one by one.

Run by ``bench.run`` as ``python bench/engine_scaling.py RENDERS``, once alone and then twice at
the same time. It builds the 6-exercise handout's HTML (no app, no database, no HTTP), renders it
once to warm up, then ``RENDERS`` times with the same bare WeasyPrint calls as the engine-floor
row, printing one JSON line per render with its start and end on the system-wide monotonic
clock. Two copies running at once show how far this machine lets two render processes scale at
all: the ceiling the 2-worker figure is read against.
"""

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.inprocess import BareEngine  # noqa: E402
from bench.workload import demo_branding, six_exercise_program  # noqa: E402


def main(renders: int) -> None:
    from prescribe.catalog import load_default_catalog
    from prescribe.handout import build_handout_view, render_handout_html

    catalog = load_default_catalog()
    html = render_handout_html(build_handout_view(six_exercise_program(catalog), catalog, demo_branding()))
    engine = BareEngine()
    engine.render(html)
    for _ in range(renders):
        start = time.monotonic()
        engine.render(html)
        print(json.dumps({"start": start, "end": time.monotonic()}), flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]))
