"""Fixtures of the FUSE suite: a store with a few containers, mounted by the real ctrfs
(see fstest.Mount). Each test ends by unmounting with fusermount3 -u and checking that
the daemon exited 0 having logged only the refusals the test declared."""
import os
from pathlib import Path

import pytest

import fstest
from fstest import Mount

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR",
                                Path(__file__).resolve().parents[2] / "build"))


@pytest.fixture
def fs_build_dir():
    return BUILD_DIR


@pytest.fixture
def store_only(tmp_path):
    """A store with namespace default holding c1 (labels, image, snapshot) and c2,
    not mounted yet: start it with the options the test needs."""
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("c", "create", "--label", "app=web", "--label", "tier=front",
          "--snapshotter", "overlayfs", "--snapshot-key", "snap-c1",
          "docker.io/library/nginx:1.25", "c1")
    m.ctl("c", "create", "c2")
    yield m
    m.stop()


@pytest.fixture
def mnt(store_only):
    """That store, mounted (ctrfs -f STORE MNT)."""
    return store_only.start()
