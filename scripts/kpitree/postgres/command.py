"""Run a command in its own process group, passing SIGINT, SIGTERM and SIGHUP on to it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from types import FrameType

from kpitree.postgres.server import say

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_SECONDS = 30  # after forwarding a signal, how long the command has to finish


def run_command(command: Sequence[str], env: Mapping[str, str]) -> int:
    """Run command in its own process group and return its exit code; SIGINT, SIGTERM and
    SIGHUP are passed on to the whole group, which gets GRACE_SECONDS to finish."""
    child = subprocess.Popen(list(command), env=dict(env), process_group=0)
    received: list[int] = []

    def forward(signum: int, frame: FrameType | None) -> None:
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signum)

    previous = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}
    try:
        deadline: float | None = None
        while child.poll() is None:
            if received and deadline is None:
                deadline = time.monotonic() + GRACE_SECONDS
            if deadline is not None and time.monotonic() > deadline:
                say(f"{command[0]} did not stop within {GRACE_SECONDS} s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.wait(timeout=0.5)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGKILL)
            child.wait()
    code = child.returncode
    return 128 - code if code < 0 else code
