"""Fixtures of the store/CLI suite: a `ctl` that runs the real ctrfsctl on a fresh store
(see storetest.Ctl for what it offers)."""
import json
import shutil
import tempfile

import pytest

import realctr

from storetest import Ctl


@pytest.fixture(scope="session")
def ctrfsctl(build_dir):
    exe = build_dir / "tools" / "ctrfsctl"
    assert exe.is_file(), f"{exe} is not built (ninja -C {build_dir})"
    return exe


@pytest.fixture
def ctl(ctrfsctl, tmp_path):
    """ctrfsctl on a fresh, empty store."""
    return Ctl(ctrfsctl, tmp_path / "store").init()


@pytest.fixture
def no_store(ctrfsctl, tmp_path):
    """ctrfsctl on a store path where there is none."""
    return Ctl(ctrfsctl, tmp_path / "missing")


@pytest.fixture
def new_ctl(ctrfsctl, tmp_path):
    """Makes more stores: new_ctl("other") -> a Ctl on a new store tmp_path/other."""
    def make(name, env=None):
        return Ctl(ctrfsctl, tmp_path / name, env).init()
    return make


@pytest.fixture(scope="session")
def fixtures_dir(source_dir):
    """Real containerd 1.6 data: <ns>/<id>.info.json are verbatim `ctr containers info`."""
    return source_dir / "tests" / "data" / "containerd" / "set-a"


@pytest.fixture
def write_json(tmp_path):
    """write_json(obj, name=None) -> path of a file holding obj as JSON (or a str as is)."""
    counter = [0]

    def write(obj, name=None):
        counter[0] += 1
        path = tmp_path / (name or f"doc{counter[0]}.json")
        path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
        return str(path)
    return write


@pytest.fixture
def spec_file(write_json):
    """A small OCI spec."""
    return write_json({"ociVersion": "1.0.2-dev", "process": {"args": ["/bin/sh"], "cwd": "/"},
                       "root": {"path": "rootfs"}}, "spec.json")


@pytest.fixture(scope="session")
def real_ctr():
    """A private containerd and its ctr, to compare with (skips where none can run)."""
    why = realctr.available()
    if why:
        pytest.skip(why)
    base = tempfile.mkdtemp(prefix="ctrfs-ctrd-")  # short: socket paths are limited
    ctrd = realctr.Containerd(base).start()
    yield ctrd
    ctrd.stop()
    shutil.rmtree(base, ignore_errors=True)
