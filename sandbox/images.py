"""Images without a registry: a Debian base image built locally (debootstrap minbase with
python3, plus our supervisor and a non-root user) and imported with ``docker import``;
task images layered on it with a Dockerfile. Tags are content hashes of the recipe, so an
unchanged recipe is never rebuilt."""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from galapagos.errors import ImageBuildError

SUPERVISOR = Path(__file__).with_name("supervise.py")
BAKED = (SUPERVISOR, Path(__file__).with_name("reset.py"))  # into /opt/galapagos
RECIPE_VERSION = "1"
SANDBOX_UID = 1000
IDLE_UID = 65534     # the container's idle process, and the grader of two-party runs


@dataclass(frozen=True)
class BaseRecipe:
    """A root image: Debian packages installed into the rootfs by debootstrap."""

    suite: str = "bookworm"
    packages: tuple[str, ...] = ("python3",)
    mirror: str = ""
    name: str = "base"

    def tag(self) -> str:
        h = hashlib.sha256("|".join([RECIPE_VERSION, self.suite, ",".join(self.packages),
                                     *(f.read_text() for f in BAKED)]).encode()).hexdigest()[:12]
        return f"galapagos/{self.name}:{h}"


# The images a task may run in ([task.sandbox] image). "train" adds NumPy for training
# tasks: Debian's build (about 20 MB installed with its BLAS), where PyTorch would add
# gigabytes; the GPU machine's process backend brings its own PyTorch.
RECIPES = {"base": BaseRecipe(),
           "train": BaseRecipe(name="train", packages=("python3", "python3-numpy"))}


@dataclass(frozen=True)
class TaskImage:
    """A task image: Dockerfile lines run on the base (RUN may use the network: only builds
    may), plus files copied into the build context."""

    name: str
    lines: tuple[str, ...] = ()
    files: dict[str, bytes] = field(default_factory=dict)

    def tag(self, base_tag: str) -> str:
        h = hashlib.sha256(base_tag.encode())
        for line in self.lines:
            h.update(line.encode())
        for path in sorted(self.files):
            h.update(path.encode() + hashlib.sha256(self.files[path]).digest())
        return f"galapagos/{self.name}:{h.hexdigest()[:12]}"


def debian_mirror() -> str:
    """The mirror apt already uses here (so builds work where only it is reachable)."""
    if env := os.environ.get("GALAPAGOS_DEBIAN_MIRROR"):
        return env
    for path in [Path("/etc/apt/sources.list"), *Path("/etc/apt/sources.list.d").glob("*")]:
        try:
            text = path.read_text()
        except OSError:
            continue
        m = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M) or \
            re.search(r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s", text, re.M)
        if m:
            return m.group(1)
    raise ImageBuildError(
        "No Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d, so "
        "debootstrap does not know where to fetch the base image from; set "
        "GALAPAGOS_DEBIAN_MIRROR to a Debian mirror's URL (the one ending in /debian).")


def image_exists(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_base(client: Any, recipe: BaseRecipe | None = None, log: Any = print) -> str:
    recipe = recipe or BaseRecipe()
    tag = recipe.tag()
    if image_exists(client, tag):
        return tag
    if not shutil.which("debootstrap"):
        raise ImageBuildError(
            "Building the sandbox base image needs debootstrap. On Debian: `apt-get install "
            "debootstrap` (from a clone, `bash scripts/setup.sh --docker` does it), then "
            "`galapagos sandbox build`.")
    log(f"building {tag} with debootstrap (a minute or two)…")
    with tempfile.TemporaryDirectory(prefix="galapagos-rootfs-") as tmp:
        root = Path(tmp) / "rootfs"
        _debootstrap(recipe, root)
        _customise(root)
        _import(client, root, tag)
    _prune_old_bases(client, keep=tag, name=recipe.name)
    return tag


def _prune_old_bases(client: Any, keep: str, name: str = "base") -> None:
    """Superseded images of this recipe (an older package set or supervisor) only take
    disk space; other recipes' images stay."""
    for image in client.images.list(name=f"galapagos/{name}"):
        for tag in image.tags:
            if tag != keep:
                try:
                    client.images.remove(tag)
                except Exception:  # noqa: BLE001 - still used by a task image: keep it
                    pass


def _debootstrap(recipe: BaseRecipe, root: Path) -> None:
    cmd = ["debootstrap", "--variant=minbase", f"--include={','.join(recipe.packages)}",
           recipe.suite, str(root), recipe.mirror or debian_mirror()]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-1500:]
        raise ImageBuildError(f"debootstrap failed (exit {proc.returncode}): {tail}. Check that "
                              "the Debian mirror is reachable (GALAPAGOS_DEBIAN_MIRROR sets it).")


def _customise(root: Path) -> None:
    (root / "opt/galapagos").mkdir(parents=True, exist_ok=True)
    for f in BAKED:
        shutil.copy(f, root / "opt/galapagos" / f.name)
    with open(root / "etc/passwd", "a") as f:
        f.write(f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}:sandbox:/work:/bin/sh\n")
    with open(root / "etc/group", "a") as f:
        f.write(f"sandbox:x:{SANDBOX_UID}:\n")
    for d in ("work", "grader"):
        (root / d).mkdir(exist_ok=True)
    shutil.rmtree(root / "var/cache/apt/archives", ignore_errors=True)
    shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)


def _import(client: Any, root: Path, tag: str) -> None:
    tar = subprocess.Popen(["tar", "-C", str(root), "--numeric-owner", "-c", "."],
                           stdout=subprocess.PIPE)
    imp = subprocess.run(["docker", "import", "-", tag], stdin=tar.stdout, capture_output=True,
                         text=True)
    tar.wait()
    if imp.returncode != 0 or tar.returncode != 0:
        raise ImageBuildError(f"docker import of the base image failed: {imp.stderr.strip()}")


def ensure_task_image(client: Any, image: TaskImage, base_tag: str) -> str:
    """Layer a task image on the base with the Docker API (no registry involved)."""
    tag = image.tag(base_tag)
    if image_exists(client, tag):
        return tag
    dockerfile = "\n".join([f"FROM {base_tag}", *image.lines]) + "\n"
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in {"Dockerfile": dockerfile.encode(), **image.files}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    try:
        client.images.build(fileobj=buf, custom_context=True, tag=tag, rm=True,
                            forcerm=True, pull=False, labels={"galapagos": "1"})
    except Exception as exc:  # docker.errors.BuildError, APIError
        raise ImageBuildError(f"building task image {tag} failed: {exc}") from exc
    return tag
