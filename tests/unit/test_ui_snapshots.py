"""How the UI looks, at 80x24 and 160x48: snapshots of each screen on a fixed archive (the
one the previous main wrote, so ids and times never change). Update after a deliberate
change with: pytest tests/unit/test_ui_snapshots.py --snapshot-update"""

import shutil

import pytest

from galapagos.ui import GalapagosApp
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "archives" / "main-8e02c45.db"
SCREENS = {"runs": [], "run": ["enter"], "candidate": ["enter", "b"],
           "lineage": ["enter", "g"], "frontier": ["enter", "f"], "calls": ["enter", "l"]}


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("screen", sorted(SCREENS))
def test_screens_look_as_recorded(snap_compare, tmp_path, screen, size):
    db = tmp_path / "a.db"
    shutil.copy(FIXTURE, db)
    async def keys_then_settle(pilot):
        await pilot.press(*SCREENS[screen])
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(GalapagosApp(db, poll_s=3600), terminal_size=size,
                        run_before=keys_then_settle)
