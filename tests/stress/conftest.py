"""The stress suite needs what the FUSE suite needs: the ctrfs binary and /dev/fuse;
without them its tests are skipped (as tests/fs does)."""
import os
from pathlib import Path

import pytest

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR",
                                Path(__file__).resolve().parents[2] / "build"))


def pytest_collection_modifyitems(config, items):
    if not (BUILD_DIR / "fs" / "ctrfs").exists():
        reason = "ctrfs is not built (meson found no fuse3)"
    elif not Path("/dev/fuse").exists():
        reason = "no /dev/fuse"
    else:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if Path(item.fspath).parent == Path(__file__).parent:
            item.add_marker(skip)
