"""Copying a saved container into the mount recreates it (making.h): cp -a and rsync -a
of a container directory, into a new name or onto the name of one deleted."""
import json
import os
import subprocess

import pytest

SAVED = ["c", "create", "--label", "app=web", "--label", "tier=front",
         "--runtime", "io.containerd.runc.v1", "--runtime-options",
         "containerd.runc.v1.Options=", "--snapshotter", "overlayfs",
         "--snapshot-key", "snap-c3", "--sandbox", "pod1",
         "--extension", "ext=types.example/x=YWJj", "docker.io/library/busybox:1.36", "c3"]

COPY = {"cp": "cp -a {src} {dst}", "rsync": "rsync -a {src}/ {dst}/"}


@pytest.fixture
def mnt(store_only):
    store_only.ctl(*SAVED)
    return store_only.start()


def info(m, cid):
    doc = json.loads(m.ctl("c", "info", cid).out)
    for k in ("ID", "CreatedAt", "UpdatedAt"):
        doc.pop(k)
    return doc


@pytest.mark.parametrize("tool", sorted(COPY))
def test_copying_a_saved_container_in_recreates_it(mnt, tmp_path, tool):
    backup = tmp_path / "backup"
    mnt.ok(COPY[tool].format(src="default/c3", dst=backup))
    mnt.ok(COPY[tool].format(src=backup, dst="default/new"))
    assert info(mnt, "new") == info(mnt, "c3")
    assert info(mnt, "new")["Runtime"] == {"Name": "io.containerd.runc.v1",
                                          "Options": {"type_url": "containerd.runc.v1.Options"}}
    # and the copy reads back as the saved files, times and name aside
    diff = subprocess.run(["diff", "-r", str(backup), str(mnt.path("default/new"))],
                          capture_output=True, text=True).stdout
    changed = sorted(l.split()[-1] for l in diff.splitlines() if l.startswith("diff "))
    assert changed == [str(mnt.path(f"default/new/{f}"))
                       for f in ("container.json", "created_at", "updated_at")]


@pytest.mark.parametrize("tool", sorted(COPY))
def test_a_saved_container_comes_back_under_its_name(mnt, tmp_path, tool):
    backup = tmp_path / "backup"
    saved = info(mnt, "c3")
    mnt.ok(COPY[tool].format(src="default/c3", dst=backup))
    mnt.ok("rmdir default/c3")
    mnt.ok(COPY[tool].format(src=backup, dst="default/c3"))
    assert info(mnt, "c3") == saved


def test_rsync_onto_the_container_itself_restores_what_changed(mnt, tmp_path):
    backup = tmp_path / "backup"
    saved = info(mnt, "c3")
    mnt.ok(f"rsync -a default/c3/ {backup}/")
    mnt.ok("echo api > default/c3/labels/app && echo other > default/c3/image")
    mnt.ok(f"rsync -a {backup}/ default/c3/")
    assert info(mnt, "c3") == saved


def test_rsync_of_another_container_onto_one_made_before_is_refused(mnt, tmp_path):
    # c2 is not being made: its runtime, snapshotter and sandbox stay as they are
    backup = tmp_path / "backup"
    mnt.ok(f"rsync -a default/c3/ {backup}/")
    for f in ("runtime/name", "runtime/options", "sandbox_id", "snapshotter", "created_at"):
        # a file that reads the same in both (runc's options) is accepted unchanged
        if mnt.path(f"default/c3/{f}").read_bytes() != mnt.path(f"default/c2/{f}").read_bytes():
            mnt.expect(rf"refused rename /default/c2/{f}: {f} is immutable \(EPERM\)")
    mnt.expect(r"refused rename /default/c2/container.json: .* \(EINVAL\)")
    mnt.expect(r"refused rename /default/c2/snapshot_key: .* \(EINVAL\)")
    # -I: every file, even one of the same size and time (runtime/name)
    r = mnt.sh(f"rsync -aI {backup}/ default/c2/")
    assert r.status != 0 and "Operation not permitted" in r.err
    assert info(mnt, "c2")["Runtime"]["Name"] == "io.containerd.runc.v2"


def test_a_read_only_file_written_as_it_reads_is_accepted(mnt):
    with mnt.unchanged():
        mnt.ok("cp default/c1/created_at default/c1/t && mv default/c1/t default/c1/created_at")
        mnt.ok("cp default/c1/runtime/name default/c1/runtime/t && "
               "mv default/c1/runtime/t default/c1/runtime/name")
        # updated_at: every change sets it, a restore writes an older one
        mnt.ok("echo 2001-01-01T00:00:00Z > default/c1/t && mv default/c1/t default/c1/updated_at")
    mnt.expect(r"refused rename /default/c1/created_at: created_at is immutable \(EPERM\)")
    mnt.expect(r"refused rename /default/c1/updated_at: updated_at is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.ok("echo 2001-01-01T00:00:00Z > default/c1/t")
        mnt.fails("mv default/c1/t default/c1/created_at", "Operation not permitted")
        mnt.ok("echo soon > default/c1/t")
        mnt.fails("mv default/c1/t default/c1/updated_at", "Operation not permitted")


MAKER = r"""
import os, subprocess, sys
d = "default/made"
os.mkdir(d)
# the maker sees only what it made; another process sees the whole container
assert not os.path.exists(d + "/spec.json") and not os.path.exists(d + "/labels")
assert subprocess.run(["test", "-f", d + "/spec.json"]).returncode == 0
# so that O_EXCL creates work, as cp's do; a snapshot key before its snapshotter waits
for name, value in (("snapshot_key", "k1\n"), ("snapshotter", "overlayfs\n"),
                    ("sandbox_id", "pod9\n"), ("created_at", "2001-01-01T00:00:00Z\n")):
    fd = os.open(f"{d}/{name}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, value.encode())
    os.close(fd)
    assert os.path.exists(f"{d}/{name}")
os.mkdir(d + "/runtime")
with open(d + "/runtime/name", "x") as f:
    f.write("io.containerd.runc.v1\n")
"""


def test_the_maker_of_a_container_sees_and_sets_what_it_made(mnt, tmp_path):
    (tmp_path / "maker.py").write_text(MAKER)
    mnt.ok(f"python3 {tmp_path}/maker.py")
    doc = json.loads(mnt.ctl("c", "info", "made").out)
    assert (doc["Snapshotter"], doc["SnapshotKey"], doc["SandboxID"]) == \
        ("overlayfs", "k1", "pod9")
    assert doc["Runtime"]["Name"] == "io.containerd.runc.v1"
    assert doc["CreatedAt"] != "2001-01-01T00:00:00Z"


def test_creation_fields_are_immutable_once_the_maker_ended(mnt):
    mnt.ok("mkdir default/x")
    mnt.expect(r"refused open /default/x/snapshotter: snapshotter is immutable \(EPERM\)")
    with mnt.unchanged():
        mnt.fails("echo overlayfs > default/x/snapshotter", "Operation not permitted")
    assert mnt.ok("ls default/x | head -1") == "container.json\n"


KEYS_AFTER_INFO = r"""
import os
d = "default/made"
info = open("default/c1/container.json").read()
os.mkdir(d)
with open(d + "/container.json", "x") as f:
    f.write(info)
# container.json gave it labels; the maker still creates them as cp does
os.mkdir(d + "/labels")
with open(d + "/labels/app", "x") as f:
    f.write("api\n")
"""


def test_the_maker_creates_keys_that_container_json_gave_already(mnt, tmp_path):
    (tmp_path / "maker.py").write_text(KEYS_AFTER_INFO)
    mnt.ok(f"python3 {tmp_path}/maker.py")
    doc = info(mnt, "made")
    want = info(mnt, "c1")
    want["Labels"]["app"] = "api"
    assert doc == want


def test_a_held_snapshot_key_without_snapshotter_is_reported_not_stored(mnt, tmp_path):
    (tmp_path / "maker.py").write_text(
        "import os\nos.mkdir('default/made')\n"
        "open('default/made/snapshot_key', 'x').write('k1\\n')\n")
    mnt.ok(f"python3 {tmp_path}/maker.py")
    assert mnt.text("default/made/snapshot_key") == "\n"
    # noticed at the next change that asks whether the container is being made
    mnt.expect(r'refused write /default/made/snapshot_key: the container was made without '
               r'a snapshotter, so its snapshot key "k1" was not stored \(EINVAL\)')
    mnt.expect(r"refused open /default/made/snapshotter: snapshotter is immutable \(EPERM\)")
    mnt.fails("echo overlayfs > default/made/snapshotter", "Operation not permitted")
    assert json.loads(mnt.ctl("c", "info", "made").out)["SnapshotKey"] == ""
