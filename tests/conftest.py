"""Shared by every pytest suite under tests/: where the build and the sources are.

CTRFS_BUILD_DIR names the meson build directory (meson test sets it; default: build/
beside tests/), CTRFS_SOURCE_DIR the source tree (default: the parent of tests/).
"""
import os
from pathlib import Path

import pytest

SOURCE_DIR = Path(os.environ.get("CTRFS_SOURCE_DIR", Path(__file__).resolve().parents[1]))
BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", SOURCE_DIR / "build"))


@pytest.fixture(scope="session")
def build_dir():
    """The meson build directory holding the binaries under test."""
    return BUILD_DIR


@pytest.fixture(scope="session")
def source_dir():
    """The source tree (for test data)."""
    return SOURCE_DIR


# The suites that drive a real mount: skipped, with the reason, where none can be made.
MOUNT_SUITES = ("fs", "stress")


def pytest_collection_modifyitems(config, items):
    if not (BUILD_DIR / "fs" / "ctrfs").exists():
        reason = "ctrfs is not built (meson found no fuse3)"
    elif not Path("/dev/fuse").exists():
        reason = "no /dev/fuse"
    else:
        return
    skip = pytest.mark.skip(reason=reason)
    here = Path(__file__).resolve().parent
    for item in items:
        suite = Path(item.fspath).resolve().parent
        if suite.parent == here and suite.name in MOUNT_SUITES:
            item.add_marker(skip)
