"""Draw the README's picture of the tree page (docs/images/tree-page.png) from the project's
build with Debian's headless Chromium. The program lives in kpitree.export.screenshot;
`--help` says how to use it.

    python scripts/screenshot_tree_page.py      # make tree-picture, after make demo
"""

from __future__ import annotations

import sys

from kpitree.export.screenshot import main  # scripts/ is on the path when this file runs

if __name__ == "__main__":
    sys.exit(main())
