"""Export the resolved KPI tree of one period (JSON, Markdown + Mermaid, HTML, breaches as
JSON and CSV). The program lives in the kpitree.export package; `--help` says how to use it.

    python scripts/export_tree.py --tree cross_motion --grain week --period 2026-10-19
"""

from __future__ import annotations

import sys

from kpitree.export.cli import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())
