"""Every example in README.md runs as written on this machine.

The README's ```sh blocks are run by bash, line by line as one script, from the top of
the clone, on the demo set up by `tools/demo.sh DIR` (its documented DIR argument) in a
temporary directory. What the test changes, and why:
  - host paths become temporary ones (HOST_PATHS below), so nothing of the machine's is
    touched: the demo's directory, the host store and mountpoint, containerd's meta.db
    (the fixture written by a real containerd instead);
  - `build/` becomes CTRFS_BUILD_DIR when the suite runs on another build;
  - a line whose comment starts with "refused" must fail, every other line succeed;
  - a line whose comment says "Ctrl-C" follows forever: it gets SIGINT after 3 s and
    must have printed something;
  - containerd is a private one (tests/containerd/ctrdtest.py), found by `ctr`,
    `ctrfsctl` and `ctrfs` through $CONTAINERD_ADDRESS, as on a host;
  - `meson install` is not run (it would install into the machine's /usr/local;
    tests/install checks the installed tree).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "containerd"))
from ctrdtest import Containerd  # noqa: E402

TOP = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", TOP / "build")).resolve()
README = TOP / "README.md"

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not (BUILD / "fs" / "ctrfs").exists(),
                                reason="the README's examples need root and the daemon")


def sh_blocks(text):
    """The ```sh blocks of a markdown text, each as a list of lines."""
    return [m.group(1).splitlines() for m in re.finditer(r"^```sh\n(.*?)^```", text, re.M | re.S)]


def split_comment(line):
    """A shell line as (code, trailing `# ...` comment outside quotes, or '')."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1:]
    return line, ""


def script_of(lines):
    """One bash script that runs each line and stops at the first line that does not
    behave as its comment says."""
    out = ["set -u"]
    for n, line in enumerate(lines):
        code = line.strip()
        if not code or code.startswith("#"):
            continue
        code = re.sub(r"\s*&& meson install -C \S+", "", code)
        code, comment = split_comment(code)
        label = shlex.quote(code)
        if "Ctrl-C" in comment:
            # still running when interrupted: timeout's own status 124
            out.append(f"timeout -s INT 3 bash -c {shlex.quote(code)}; s=$?; "
                       f"[ $s = 124 ] || {{ echo \"stopped by itself ($s):\" {label} >&2; exit 1; }}")
        elif comment.strip().startswith("refused"):
            out.append(f"if {code}\nthen echo 'should have been refused:' {label} >&2; exit 1; fi")
        else:
            out.append(f"{code} || {{ echo \"failed ($?):\" {label} >&2; exit 1; }}")
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    base = tmp_path_factory.mktemp("readme")
    (base / "tmp").mkdir()
    (base / "var-lib-ctrfs").mkdir()
    paths = {
        "/tmp/": f"{base}/tmp/",
        "/var/lib/ctrfs/": f"{base}/var-lib-ctrfs/",
        "/run/ctrfs": str(base / "host-mnt"),
        "/run/ctrfs-live": str(base / "live-mnt"),
        "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db":
            str(TOP / "tests/data/containerd/set-a/meta.db"),
    }
    env = dict(os.environ, CTRFS_SKIP_DEPS="1", CTRFS_BUILD_DIR=str(BUILD),
               HOME=str(base))
    env.pop("CTRFS_STORE", None)
    assert shutil.which("containerd"), "the README's containerd section needs containerd"
    (base / "ctrd").mkdir()
    containerd = Containerd(base / "ctrd")
    env["CONTAINERD_ADDRESS"] = containerd.sock
    demo = base / "tmp/ctrfs-demo"
    r = subprocess.run(["tools/demo.sh", str(demo)], cwd=TOP, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    yield paths, env
    for mnt in [demo / "mnt", Path(paths["/run/ctrfs"]), Path(paths["/run/ctrfs-live"])]:
        subprocess.run(["fusermount3", "-u", "-z", str(mnt)], capture_output=True)
    containerd.stop()
    subprocess.run(["umount", "-R", "-l", f"{base}/ctrd/state"], capture_output=True)


def localise(text, paths):
    # one pass, longest first, so that a replacement is never replaced again
    alternatives = [re.escape(p) if p.endswith("/") else re.escape(p) + r"(?![\w.-])"
                    for p in sorted(paths, key=len, reverse=True)]
    text = re.sub("|".join(alternatives), lambda m: paths[m.group(0)], text)
    if BUILD != TOP / "build":
        text = text.replace("$PWD/build/", f"{BUILD}/")
        text = re.sub(r"(?<![\w/.-])build(?=/|\s|$)", str(BUILD), text, flags=re.M)
    return text


def test_the_readme_examples_run_as_written(host):
    paths, env = host
    blocks = sh_blocks(localise(README.read_text(), paths))
    # the two setup commands are run by this test (the demo) and by CI (the tests)
    runnable = [b for b in blocks if b not in (["tools/demo.sh"], ["tests/run.sh"])]
    assert len(runnable) >= 4, blocks
    # one shell session, as a reader typing them in order would run them
    script = script_of([line for lines in runnable for line in lines])
    r = subprocess.run(["bash", "-c", script], cwd=TOP, env=env, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, f"--- script:\n{script}\n--- stderr:\n{r.stderr}"
