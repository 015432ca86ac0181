"""The training image's cost: build time (debootstrap with NumPy into the rootfs, then
``docker import``) and size beside the base image.

    python bench/train_image.py [--rebuild]    # --rebuild removes it first, to time a build
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from galapagos.sandbox.docker_backend import docker_client  # noqa: E402
from galapagos.sandbox.images import RECIPES, ensure_base, image_exists  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rebuild", action="store_true")
    args = ap.parse_args()
    client = docker_client()
    for name in ("base", "train"):
        tag = RECIPES[name].tag()
        if args.rebuild and name == "train" and image_exists(client, tag):
            client.images.remove(tag, force=True)
        start = time.perf_counter()
        built = not image_exists(client, tag)
        ensure_base(client, RECIPES[name], log=lambda m: None)
        took = time.perf_counter() - start
        size = client.images.get(tag).attrs["Size"] / 1e6
        print(f"{name:6} {tag:32} {size:7.0f} MB  packages {', '.join(RECIPES[name].packages)}"
              f"  {'built in %.0f s' % took if built else 'cached'}")


if __name__ == "__main__":
    main()
