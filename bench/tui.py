"""The terminal UI on a big archive: 1,000 candidates x 500 val instances and 10,000 LLM
calls (generated). Time to first paint and to each screen switch (targets: first paint
under 1 s, a switch under 200 ms on 2 cores), and the memory used.

    python bench/tui.py [--candidates 1000] [--instances 500] [--calls 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from textual.widgets import DataTable, Tree  # noqa: E402

from galapagos.ui import GalapagosApp  # noqa: E402
from tests.fixtures.big_archive import build  # noqa: E402


async def measure(path: Path) -> None:
    """A switch is timed from the key to the first frame the app paints of the new screen
    with its content in (not a "loading" frame), and to when the app is idle again (every
    message handled)."""
    app, frames = GalapagosApp(path, poll_s=3600), []
    display = app._display

    def spy(screen: Any, renderable: Any) -> None:  # every frame the app paints
        if renderable is not None:
            frames.append((time.perf_counter(), type(screen).__name__, _filled(screen)))
        display(screen, renderable)

    app._display = spy  # type: ignore[method-assign]
    t = time.perf_counter()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        print(f"first paint (runs list)        {_painted(frames, t, 'RunsScreen'):8.0f} ms")
        for back, key, screen in (([], "enter", "RunScreen"), ([], "b", "CandidateScreen"),
                                  (["escape"], "g", "LineageScreen"),
                                  (["escape"], "f", "FrontierScreen"),
                                  (["escape"], "l", "CallsScreen")):
            await pilot.press(*back)
            await pilot.pause()
            t = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            idle = (time.perf_counter() - t) * 1000
            print(f"switch to {screen:20s} {_painted(frames, t, screen):8.0f} ms   idle after "
                  f"{idle:6.0f} ms")


def _painted(frames: list[tuple[float, str, bool]], since: float, screen: str) -> float:
    return next((at - since) * 1000 for at, name, filled in frames
                if at >= since and name == screen and filled)


def _filled(screen: Any) -> bool:
    """The screen's table has rows, or its tree has nodes (a screen that has neither, the
    candidate's, fills in its on_mount)."""
    tables = list(screen.query(DataTable)) + list(screen.query(Tree))
    return any(t.row_count if isinstance(t, DataTable) else t.root.children for t in tables) \
        or not tables or type(screen).__name__ == "CandidateScreen"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=1000)
    ap.add_argument("--instances", type=int, default=500)
    ap.add_argument("--calls", type=int, default=10000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "big.db"
        t = time.perf_counter()
        build(path, args.candidates, args.instances, args.calls)
        print(f"archive: {args.candidates} candidates x {args.instances} val instances, "
              f"{args.calls} LLM calls, {path.stat().st_size / 2**20:.0f} MiB, built in "
              f"{time.perf_counter() - t:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        asyncio.run(measure(path))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"peak memory                    {peak / 1024:8.0f} MiB "
              f"(+{(peak - before) / 1024:.0f} MiB for the UI)")


if __name__ == "__main__":
    main()
