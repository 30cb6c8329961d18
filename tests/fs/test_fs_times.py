"""Each file's time is when what it shows last changed: a label file's, when that label
did; not the container's or the namespace's latest change of anything. So `tar` does not
see files change as it reads them while other labels are written, and `find -newer`
lists only what changed."""
import os
import subprocess
import threading
import time

from fstest import SLOW


def mtime(m, rel):
    return os.stat(m.path(rel)).st_mtime_ns


def test_a_label_keeps_its_time_when_others_change(mnt):
    mnt.ok("echo a > default/.labels/a && echo b > default/c1/labels/b")
    files = ["default/.labels/a", "default/c1/labels/b", "default/c1/labels/app",
             "default/c1/image", "default/c1/spec.json", "default/c1/runtime/name",
             "default/c1/snapshotter", "default/c1/created_at"]
    before = {f: mtime(mnt, f) for f in files}
    time.sleep(0.01)
    mnt.ok("echo x > default/c1/labels/other && echo y > default/.labels/other")
    mnt.ctl("c", "label", "c2", "z=1")
    mnt.ctl("c", "create", "c3")
    assert {f: mtime(mnt, f) for f in files} == before
    # what did change shows it
    assert mtime(mnt, "default/c1/labels/other") > before["default/c1/labels/b"]
    assert mtime(mnt, "default/.labels/other") > before["default/.labels/a"]
    assert mtime(mnt, "default/c1/container.json") == mtime(mnt, "default/c1/labels/other")


def test_a_field_shows_when_it_changed(mnt):
    spec = mtime(mnt, "default/c1/spec.json")
    time.sleep(0.01)
    mnt.ok("echo docker.io/library/nginx:1.26 > default/c1/image")
    image = mtime(mnt, "default/c1/image")
    assert image > spec and mtime(mnt, "default/c1/spec.json") == spec
    assert mtime(mnt, "default/c1/updated_at") == image
    time.sleep(0.01)
    mnt.ok("echo k2 > default/c1/snapshot_key")
    assert mtime(mnt, "default/c1/image") == image
    assert mtime(mnt, "default/c1/snapshot_key") > image


def test_find_newer_lists_only_what_changed(mnt):
    mnt.ok("echo 1 > default/.labels/a; echo 1 > default/c1/labels/a")
    ref = mnt.mnt.parent / "ref"
    ref.write_text("")
    time.sleep(0.02)
    mnt.ok("echo 2 > default/c1/labels/a")
    mnt.ctl("c", "label", "c2", "n=1")
    found = sorted(mnt.ok(f"find . -type f -newer {ref}").split())
    assert found == ["./default/c1/container.json", "./default/c1/labels/a",
                     "./default/c1/updated_at", "./default/c2/container.json",
                     "./default/c2/labels/n", "./default/c2/updated_at"]


def test_tar_while_other_labels_are_written(mnt):
    """tar compares each file's times before and after reading it: writes to other
    labels (of the same container and namespace) must not move them."""
    keys = [f"k{i}" for i in range(10)]
    mnt.ok("; ".join(f"echo v > default/c1/labels/{k}; echo v > default/.labels/{k}"
                     for k in keys))
    files = [f"default/c1/labels/{k}" for k in keys] + [f"default/.labels/{k}" for k in keys]
    stop = threading.Event()

    def writer():
        w = subprocess.Popen(["bash", "-c", "i=0; while :; do i=$((i+1)); "
                              "echo $i > default/c1/labels/w; echo $i > default/.labels/w; "
                              "echo $i > default/c2/labels/w; done"],
                             cwd=mnt.mnt, stderr=subprocess.DEVNULL)
        stop.wait()
        w.kill()
        w.wait()

    t = threading.Thread(target=writer)
    t.start()
    try:
        bad = []
        for _ in range(30):
            r = subprocess.run(["tar", "cf", str(mnt.mnt.parent / "out.tar"), *files], cwd=mnt.mnt,
                               capture_output=True, text=True, timeout=30 * SLOW)
            if r.returncode != 0 or r.stderr:
                bad.append(r.stderr)
    finally:
        stop.set()
        t.join()
    assert bad == []
