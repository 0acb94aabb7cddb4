"""The policy brief (``moatlab report``): one self-contained HTML page whose numbers are the API's.

:mod:`moatlab.report.brief` builds and renders it; :mod:`moatlab.report.scenarios` holds the
packaged report scenarios (TOML).
"""

from .brief import (  # noqa: F401
    Brief,
    ReportError,
    ReportScenario,
    build_brief,
    chromium,
    load_report_scenario,
    packaged_reports,
    print_pdf,
    render_html,
    write_report,
)
