"""The project's random run (random_run.py), bounded for CI: real tools writing and
reading through a mount while the daemon is killed with -9 every few seconds. Nothing
acknowledged may be lost, and nothing may fail but what a kill explains.

CTRFS_STRESS_SEED fixes the seed (a failure prints the one it used), CTRFS_STRESS_SECONDS
the duration (default 25)."""
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("random_run.py")


def random_run(build_dir, tmp_path, *args):
    argv = [sys.executable, str(SCRIPT), "--build-dir", str(build_dir), "--dir",
            str(tmp_path / "run"), "--json", *[str(a) for a in args]]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=240)
    assert p.stdout, f"random_run.py printed nothing: {p.returncode} {p.stderr}"
    summary = json.loads(p.stdout)
    return p.returncode, summary, " ".join(argv[1:])


def test_random_run_with_kills_loses_nothing(build_dir, tmp_path):
    seed = int(os.environ.get("CTRFS_STRESS_SEED", random.randrange(1 << 31)))
    seconds = os.environ.get("CTRFS_STRESS_SECONDS", "25")
    status, s, cmd = random_run(build_dir, tmp_path, "--seconds", seconds, "--seed", seed,
                                "--workers", 3, "--readers", 2, "--kill-every", 5)
    report = f"{cmd}\n" + json.dumps({k: v for k, v in s.items() if k != "ops"}, indent=1)
    assert s["lost"] == 0, "acknowledged writes lost:\n" + report
    assert s["unexpected"] == 0, "unexpected errors:\n" + report
    assert status == 0, report
    # the run did what it is for: writes acknowledged, reads checked, daemon killed
    assert s["acknowledged"] > 0 and s["kills"] > 0, report
    assert sum(n for k, n in s["ops"].items() if k.startswith("read:")) > 0, report


def test_random_run_sees_a_lost_write(build_dir, tmp_path):
    """The checker itself: a label changed behind the model's back is reported lost,
    and the run fails."""
    status, s, cmd = random_run(build_dir, tmp_path, "--seconds", 2, "--seed", 1,
                                "--workers", 1, "--readers", 0, "--inject-lost-write")
    assert status == 1, cmd
    assert s["lost"] == 1, cmd
    lost = s["lost_details"][0]
    assert lost["store"] == "injected" and lost["where"] == "final", lost


def is_mounted(path):
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == os.path.realpath(path) for line in f)


@pytest.mark.xfail(strict=False, reason=(
    "found by random_run.py: `: > labels/k` (open O_TRUNC, close() returns 0) deletes "
    "the label only at RELEASE, which the kernel sends after close() returned; kill -9 "
    "of ctrfs right after the close leaves k=v in the store. When fixed, remove this "
    "mark and the KNOWN case in random_run.py's note_lost."))
def test_emptying_survives_kill_right_after_close(build_dir, tmp_path):
    ctl = [str(build_dir / "tools" / "ctrfsctl"), "--store", str(tmp_path / "store")]
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    subprocess.run(ctl + ["c", "create", "--label", "k=v", "img:1", "c0"], check=True,
                   capture_output=True)
    daemon = subprocess.Popen([str(build_dir / "fs" / "ctrfs"), "-f", str(tmp_path / "store"),
                               str(mnt)])
    try:
        end = time.monotonic() + 10
        while not is_mounted(mnt):
            assert daemon.poll() is None and time.monotonic() < end, "ctrfs did not mount"
            time.sleep(0.01)
        # open(O_TRUNC) and close() both succeed: an acknowledged emptying
        subprocess.run([sys.executable, "-c", "import os, sys\n"
                        "open(sys.argv[1], 'w').close()\n"
                        "os.kill(int(sys.argv[2]), 9)",
                        str(mnt / "default/c0/labels/k"), str(daemon.pid)], check=True)
    finally:
        daemon.kill()
        daemon.wait()
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
    labels = subprocess.run(ctl + ["c", "label", "c0"], check=True, capture_output=True,
                            text=True).stdout
    assert labels == "", f"the emptied label is still in the store: {labels!r}"
