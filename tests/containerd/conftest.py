"""Fixtures of the containerd client suite: one private containerd per session (see
ctrdtest.Containerd), skipped with the reason where it cannot run."""
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from ctrdtest import Containerd, skip_reason


def pytest_collection_modifyitems(config, items):
    reason = skip_reason()
    if not reason:
        return
    here = Path(__file__).resolve().parent
    for item in items:
        if Path(item.fspath).resolve().parent == here:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def containerd():
    tmp = tempfile.mkdtemp(prefix="ctrfs-containerd-")
    c = Containerd(tmp)
    yield c
    c.stop()
    subprocess.run(["umount", "-R", "-l", f"{tmp}/state"], capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)


_counter = [0]


@pytest.fixture
def ns(containerd):
    """A fresh namespace name per test (created on first use by ctr)."""
    _counter[0] += 1
    return f"t{os.getpid()}-{_counter[0]}"
