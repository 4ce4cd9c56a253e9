"""A bare WeasyPrint script: the reference for ``flask --app wsgi handout`` as a cold process.

``python bench/bare_script.py IN.html OUT.pdf`` renders the handout HTML with the print stylesheet
and PDF/UA-1, as the app does, with nothing else: no app, catalog, database or template.
"""

import sys
from pathlib import Path

from weasyprint import CSS, HTML

STATIC = Path(__file__).resolve().parents[1] / "prescribe" / "static"

if __name__ == "__main__":
    source, target = sys.argv[1], sys.argv[2]
    HTML(filename=source, base_url=STATIC.as_uri() + "/").write_pdf(
        target, stylesheets=[CSS(filename=str(STATIC / "handout" / "print.css"))], pdf_variant="pdf/ua-1")
