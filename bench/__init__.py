"""Prescribe's performance benchmark: ``make bench`` (or ``python -m bench.run``).

A script, not a pytest test: it measures, prints one table and writes ``bench/results.json``.
Every figure is a median over repeated runs with min and max, and every ratio compares figures
measured side by side in the same run.

Modules:

* ``run``            entry point: runs the phases in order within a time budget, prints the table
* ``workload``       what is rendered: the 6-exercise hip-impingement handout, the builder form
                     (read as a browser posts it) and the row actions sent with it
* ``inprocess``      engine floor, naive baseline, reprint, PDF sizes and stage breakdown
                     (Flask test client and bare WeasyPrint in this process, interleaved rounds)
* ``speed``          issue #21: caches warm vs today's render, a tailored dose, the naive document and
                     headless Chromium (CPU of all processes); ``flask handout`` cold vs a bare script
* ``bare_script``    child process: a bare WeasyPrint script, the reference for ``flask handout`` cold
* ``http_load``      gunicorn servers on loopback and a bounded load generator (latency, and the
                     app's own time from each answer's ``Server-Timing`` header)
* ``cold_start``     child process: fresh interpreter -> first PDF
* ``memory_worker``  child process: RSS after 1, 100 and 500 renders of 50 different programs
* ``engine_scaling`` child process: bare renders timed one by one, the 2-process control
* ``minimal_app``    a one-route Flask app, the reference for the builder page latency
* ``served_app``     what the bench's gunicorn serves: the app, with the minimal app beside it
* ``stats``, ``report``  medians and percentiles; the table and the JSON file

Fixed reference files (do not regenerate them, or the "ours / naive" ratio is no longer
comparable between runs): ``naive_handout.html`` is the 6-exercise handout's content written as a
straightforward HTML/CSS document, and ``naive_svg/*.svg`` are the exercise pictures it links to,
drawn once with ``prescribe.illustration.render_svg`` in the demo clinic's accent colour.
"""
