#!/usr/bin/python3
"""Binding to containerd, measured (issue 13; not a test): needs root, containerd, ctr.

    CTRFS_BUILD_DIR=build bench/binding_bench.py [--containers 1000] [--samples 300]

A private containerd (tests/containerd/ctrdtest.py) gets N containers (1.9 KB spec
each, made with ctrd-probe); then, with a store mounted by `ctrfs -o containerd`:
- the first sync (empty store) and a resync of an unchanged store (a second mount),
  as the daemon logs them;
- a change made in containerd (ctrd-probe c update of one label) to the moment a
  read through the mount shows it: p50/p99 of SAMPLES, timed from the update's return;
- a label write through the mount (`echo v > labels/k`, in-process write) against
  `ctr c label` and ctrd-probe's Update, in the same run;
- the daemon's RSS after the sync.
"""
import argparse
import base64
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

top = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(top / "tests" / "containerd"), str(top / "tests" / "fs")]
from ctrdtest import PROBE, Containerd  # noqa: E402
from fstest import Mount  # noqa: E402

BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", top / "build"))
SPEC = json.dumps({"ociVersion": "1.0.2", "process": {"args": ["/bin/sleep", "300"],
                   "env": [f"VAR{i}=value-{i}" * 3 for i in range(40)]},
                   "root": {"path": "rootfs"}}).encode()
SPEC_URL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"


def probe(c, *args):
    r = subprocess.run([str(PROBE), "-a", c.sock, *args], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def synced_ms(log):
    found = re.findall(r"synced with containerd: .* in ([0-9.]+) ms", log)
    return float(found[-1]) if found else None


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--containers", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=300)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ctrfs-bind-bench-"))
    c = Containerd(tmp / "ctrd") if (tmp / "ctrd").mkdir() is None else None
    mounts = []
    try:
        ns = "bench"
        spec = base64.b64encode(SPEC).decode()
        t0 = time.monotonic()
        for i in range(a.containers):
            probe(c, "c", "create", ns, json.dumps({
                "id": f"c{i:05d}", "labels": {"app": "web", "n": str(i)},
                "image": "docker.io/library/busybox:latest",
                "runtime": {"name": "io.containerd.runc.v2", "options": None},
                "spec": {"type_url": SPEC_URL, "value": spec}}))
        print(f"made {a.containers} containers in containerd in "
              f"{time.monotonic() - t0:.1f} s (spec {len(SPEC)} B)")

        m = Mount(BUILD, tmp / "m1")
        m.start("-o", f"containerd={c.sock}", timeout=120)
        mounts.append(m)
        print(f"first sync (empty store): {synced_ms(m.log())} ms; "
              f"daemon RSS {rss_kb(m.proc.pid) / 1024:.1f} MB")
        m2 = Mount(BUILD, tmp / "m2", store=m.store)
        m2.start(timeout=120)
        mounts.append(m2)
        print(f"resync of an unchanged store (second mount): {synced_ms(m2.log())} ms")
        m2.stop(check_log=False)
        mounts.remove(m2)

        # containerd change -> visible through the mount
        lat = []
        f = m.mnt / ns / "c00000" / "labels" / "k"
        for i in range(a.samples):
            want = f"v{i}"
            probe(c, "c", "update", ns, json.dumps({"id": "c00000", "labels": {"k": want}}),
                  "labels.k")
            start = time.monotonic()
            end = start + 5
            while time.monotonic() < end:
                try:
                    if f.read_text().rstrip("\n") == want:
                        break
                except OSError:
                    pass
            lat.append((time.monotonic() - start) * 1e3)
        print(f"containerd change to visible through the mount (n={len(lat)}): "
              f"p50 {pct(lat, 50):.2f} ms, p90 {pct(lat, 90):.2f} ms, p99 {pct(lat, 99):.2f} ms, max {max(lat):.2f} ms")

        # a label write: through the mount vs ctr vs the probe
        def timed(fn, n=50):
            v = []
            for i in range(n):
                s = time.monotonic()
                fn(i)
                v.append((time.monotonic() - s) * 1e3)
            return statistics.median(v)

        wfile = m.mnt / ns / "c00001" / "labels" / "w"

        def through_mount(i):
            with open(wfile, "w") as fh:
                fh.write(f"m{i}\n")

        mount_ms = timed(through_mount)
        ctr_ms = timed(lambda i: c.ctr("c", "label", "c00001", f"w=c{i}", ns=ns))
        probe_ms = timed(lambda i: probe(c, "c", "update", ns, json.dumps(
            {"id": "c00001", "labels": {"w": f"p{i}"}}), "labels.w"))
        print(f"label write, p50 of 50: through the mount {mount_ms:.2f} ms; "
              f"`ctr c label` {ctr_ms:.1f} ms; ctrd-probe update (process) {probe_ms:.1f} ms")
    finally:
        for mm in mounts:
            mm.stop(check_log=False)
        c.stop()
        subprocess.run(["umount", "-R", "-l", f"{tmp}/ctrd/state"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
