"""The picture of the tree page in the README (docs/images/tree-page.png): the HTML export of
one tree and period (render_html), drawn by Debian's headless Chromium at a fixed size, offline.

    python scripts/screenshot_tree_page.py      # after `make demo`: make tree-picture

The page is exported from the project's dbt target (as scripts/export_tree.py does: the
inbound tree, the latest complete month, by default) into a temporary folder, and Chromium
draws it once with a throwaway profile, every name lookup but 127.0.0.1 failing (the page
needs none). The demo's data are generated from a fixed seed, so the same build draws the
same picture. The PNG is checked before it replaces the old one: Chromium wrote it, at the
size asked for, and small enough for a README (--max-kb).

Exit codes: 0 written; 1 Chromium failed or the picture is too large; 2 nothing to draw (the
project not built, a bad tree or period: the export's own message).
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kpitree.export import cli

PROG = "screenshot_tree_page"
REPO_ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
    "--force-device-scale-factor=1", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)  # fmt: skip
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class PictureError(Exception):
    """Chromium did not draw the picture asked for; the message says what it wrote."""


def chromium_command(
    chromium: str, page: Path, output: Path, size: tuple[int, int], profile: Path
) -> list[str]:
    width, height = size
    return [
        chromium, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
        f"--screenshot={output}", page.resolve().as_uri(),
    ]  # fmt: skip


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (its IHDR chunk)."""
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        raise PictureError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def check_picture(data: bytes, size: tuple[int, int], max_kb: int) -> None:
    """A PNG of the size asked for, at most max_kb kilobytes."""
    drawn = png_size(data)
    if drawn != size:
        raise PictureError(f"the picture is {drawn[0]}x{drawn[1]}, not {size[0]}x{size[1]}")
    if len(data) > max_kb * 1024:
        raise PictureError(
            f"the picture is {len(data) / 1024:.0f} KB, over --max-kb {max_kb}: draw a smaller "
            "window (--width, --height)"
        )


def draw(page: Path, output: Path, size: tuple[int, int], max_kb: int, chromium: str) -> int:
    """Draw the page into output (replaced only by a checked picture); its size in bytes."""
    with tempfile.TemporaryDirectory(prefix="kpi-tree-picture-") as folder:
        drawn = Path(folder) / "page.png"
        command = chromium_command(chromium, page, drawn, size, Path(folder) / "profile")
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0 or not drawn.exists():
            raise PictureError(
                f"{chromium} exited with {result.returncode} and no picture: "
                + result.stderr.strip()[-500:]
            )
        data = drawn.read_bytes()
        check_picture(data, size, max_kb)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(f".{output.name}.partial")
        partial.write_bytes(data)
        partial.replace(output)
        return len(data)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--tree", default="inbound", help="default: inbound")
    parser.add_argument("--grain", default="month", help="default: month")
    parser.add_argument("--period", help="YYYY-MM-DD (default: the latest complete period)")
    parser.add_argument("--target", help="dbt target (default: the profile's, KPI_TARGET)")
    parser.add_argument(
        "--output",
        type=Path,
        default=REPO_ROOT / "docs" / "images" / "tree-page.png",
        help="default: docs/images/tree-page.png",
    )
    parser.add_argument("--width", type=int, default=1400, help="pixels (default: 1400)")
    parser.add_argument("--height", type=int, default=1010, help="pixels (default: 1010)")
    parser.add_argument("--max-kb", type=int, default=300, help="largest picture (default 300)")
    parser.add_argument("--chromium", default=CHROMIUM, help=f"default: {CHROMIUM}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    chromium = shutil.which(args.chromium)
    if chromium is None:
        print(f"{PROG}: error: no Chromium at {args.chromium} (Debian: apt-get install chromium)",
              file=sys.stderr)  # fmt: skip
        return 1
    with tempfile.TemporaryDirectory(prefix="kpi-tree-page-") as folder:
        export = ["--tree", args.tree, "--grain", args.grain, "--output-dir", folder, "--quiet"]
        export += [*(["--period", args.period] if args.period else [])]
        export += [*(["--target", args.target] if args.target else [])]
        code = cli.main(export)
        pages = sorted(Path(folder).glob("kpi_tree_*.html"))
        if code == 2 or len(pages) != 1:
            return 2  # the export said why
        try:
            written = draw(pages[0], args.output, (args.width, args.height), args.max_kb, chromium)
        except (PictureError, subprocess.TimeoutExpired) as error:
            print(f"{PROG}: error: {error}", file=sys.stderr)
            return 1
    print(f"{PROG}: wrote {args.output} ({pages[0].name}, {written / 1024:.0f} KB)")
    return 0
