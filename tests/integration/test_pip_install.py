"""A pip user's first run (issue 20.2): the package built as a wheel and installed the way
pip installs it (not editable, not the clone) runs `galapagos init` then `galapagos run` in
an empty folder. The dependencies come from the test environment, so nothing is fetched."""

import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pip")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w",
                            str(tmp / "dist"), str(ROOT)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    (tmp / "build.log").write_text(built.stdout + built.stderr)
    wheel = next((tmp / "dist").glob("galapagos-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    own_site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path("
                               "'purelib'))"], capture_output=True, text=True, check=True)
    # the test environment's packages, without its editable finder for the clone
    Path(own_site.stdout.strip(), "deps.pth").write_text("\n".join(site.getsitepackages()))
    got = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q",
                          "--no-deps", str(wheel)], capture_output=True, text=True)
    assert got.returncode == 0, got.stderr[-2000:]
    return venv


def test_the_build_has_no_packaging_warnings(installed):
    """Data folders (problem repositories, seed scripts) are not importable names, so
    setuptools does not take them for packages left out of the configuration (issue 20.9)."""
    log = (installed.parent / "build.log").read_text()
    assert "Successfully built galapagos" in log
    assert "would be ignored" not in log and "absent from the `packages`" not in log


def test_the_installed_package_is_not_the_clone(installed):
    where = subprocess.run([str(installed / "bin" / "python"), "-c",
                            "import galapagos.orchestrator as o; print(o.__file__)"],
                           cwd=installed, capture_output=True, text=True, check=True).stdout
    assert where.startswith(str(installed)), where


def test_init_then_run_in_an_empty_folder(installed, tmp_path):
    exe = str(installed / "bin" / "galapagos")
    made = subprocess.run([exe, "init", "--task", "--model", "fake/deterministic"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    ran = subprocess.run([exe, "run", "-c", "config.toml", "--max-iterations", "3"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-2000:]
    assert "finished" in ran.stdout and (tmp_path / ".galapagos" / "archive.db").is_file()
    listed = subprocess.run([exe, "tasks"], cwd=tmp_path, capture_output=True, text=True)
    assert "sentiment" in listed.stdout and "agent" in listed.stdout


def test_the_shipped_data_is_installed(installed):
    probe = ("from galapagos.tasks.training import SEEDS; from galapagos.tasks.agent import "
             "REPOS; from galapagos.tasks.grading import FUNCTIONS, HiddenGrader; "
             "import galapagos.ui as u, pathlib; print(sorted(SEEDS), "
             "len(FUNCTIONS.read_text().splitlines()), len(HiddenGrader.code()), "
             "len(list(REPOS.iterdir())), len(list(pathlib.Path(u.__file__).parent."
             "glob('*.tcss'))))")
    out = subprocess.run([str(installed / "bin" / "python"), "-c", probe], cwd=installed,
                         capture_output=True, text=True, check=True).stdout
    assert "cross_entropy" in out and "0" not in out.split()[-4:], out
