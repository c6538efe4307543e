"""The scheduled run: build what changed raw tables and changed definitions reach, nothing
when neither changed. The program lives in kpitree.daily; `--help` says how to use it.

    python scripts/daily_run.py [--state target/deployed]
"""

from __future__ import annotations

import sys

from kpitree.daily import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())
