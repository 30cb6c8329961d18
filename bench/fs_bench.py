#!/usr/bin/python3
"""Filesystem benchmark: ctrfs against the same tree as plain files on tmpfs, same run.

For each N (containers; 3 namespaces, 8 labels and a 4 KB spec each) it builds a store,
mounts it, copies the mounted tree to tmpfs, and measures on both (ratio = ctrfs/tmpfs):
find | wc -l and ls -lR (cold: first run after mount; warm), cat of every image file,
grep -r over one namespace; then 10k label writes with `echo >` from one shell against
10k updates through the store library, the latency from a ctrfsctl write to the change
being seen through the mount, mount time and daemon RSS. Prints a table and JSON.

Usage: bench/fs_bench.py [--sizes 1000,10000,100000] [--writes 10000] [--json FILE]
Needs root (mounts tmpfs and FUSE). Not a test: it reports, it does not judge.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("CTRFS_BUILD_DIR", ROOT / "build"))
CTRFS = BUILD / "fs" / "ctrfs"
CTL = BUILD / "tools" / "ctrfsctl"
LABEL_UPDATES = BUILD / "bench" / "ctrfs-label-updates"
NAMESPACES = ["default", "k8s.io", "team-b"]


def spec_json(ns, cid):
    """A realistic OCI spec of about 4 KB (containerd's default plus env and mounts)."""
    env = [f"VAR_{i}=value-{i}-{'x' * 40}" for i in range(24)]
    return {
        "ociVersion": "1.0.2-dev",
        "process": {"user": {"uid": 0, "gid": 0}, "args": ["/bin/sh", "-c", "exec app"],
                    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + env,
                    "cwd": "/", "noNewPrivileges": True,
                    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]},
        "root": {"path": "rootfs"},
        "hostname": cid,
        "mounts": [{"destination": d, "type": "tmpfs", "source": "tmpfs",
                    "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}
                   for d in ("/dev", "/run", "/tmp", "/var/run", "/var/tmp")],
        "linux": {"cgroupsPath": f"/{ns}/{cid}",
                  "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")],
                  "maskedPaths": ["/proc/acpi", "/proc/kcore", "/proc/keys", "/sys/firmware"],
                  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys"]},
    }


def export_doc(n):
    per_ns = [n // 3 + (1 if i < n % 3 else 0) for i in range(3)]
    doc = {"version": 1, "namespaces": []}
    k = 0
    for ns, count in zip(NAMESPACES, per_ns):
        cs = []
        for i in range(count):
            cid = f"c{k:06d}"
            k += 1
            cs.append({
                "ID": cid,
                "Labels": {"app": "web" if k % 10 == 0 else f"svc-{k % 97}",
                           "tier": "frontend", "team": f"team-{k % 7}",
                           "io.kubernetes.pod/name": f"pod-{k}",
                           "io.kubernetes.pod/namespace": "prod",
                           "com.example.version": f"1.{k % 13}.{k % 5}",
                           "io.containerd.image.config.stop-signal": "SIGTERM",
                           "org.opencontainers.image.title": "bench"},
                "Image": f"docker.io/library/nginx:1.{k % 30}",
                "Runtime": {"Name": "io.containerd.runc.v2", "Options": None},
                "SnapshotKey": cid, "Snapshotter": "overlayfs",
                "Extensions": None,
                "Spec": spec_json(ns, cid),
            })
        doc["namespaces"].append({"name": ns, "labels": {}, "containers": cs})
    return doc


def run(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          executable="/bin/bash" if isinstance(cmd, str) else None, **kw)


def timed(cmd):
    t = time.perf_counter()
    run(cmd)
    return time.perf_counter() - t


def mount(store, mnt):
    t = time.perf_counter()
    run([str(CTRFS), str(store), str(mnt)])  # returns once mounted (daemon mode)
    elapsed = time.perf_counter() - t
    pid = int(run(f"pgrep -n -f '^{CTRFS} {store} {mnt}'").stdout.split()[0])
    return elapsed, pid


def unmount(mnt):
    run(["fusermount3", "-u", str(mnt)])
    for _ in range(100):
        if subprocess.run(["mountpoint", "-q", str(mnt)]).returncode != 0:
            return
        time.sleep(0.05)


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_size(n, writes, work):
    store, mnt, tmpfs = work / f"store-{n}", work / f"mnt-{n}", work / f"tmpfs-{n}"
    for d in (mnt, tmpfs):
        d.mkdir()
    docf = work / f"doc-{n}.json"
    docf.write_text(json.dumps(export_doc(n)))
    t = time.perf_counter()
    run([str(CTL), "--store", str(store), "import", str(docf)])
    build_s = time.perf_counter() - t
    docf.unlink()
    r = {"N": n, "store_build_s": build_s,
         "store_bytes_per_container": (store / "data.mdb").stat().st_blocks * 512 / n}

    run(["mount", "-t", "tmpfs", "-o", "size=80%", "tmpfs", str(tmpfs)])
    try:
        mount_s, pid = mount(store, mnt)
        r["mount_ms"] = mount_s * 1000
        run(f"cp -r {mnt}/. {tmpfs}/")  # the same tree as plain files (not timed)
        unmount(mnt)

        # cold: the first run after a fresh mount; then warm
        _, pid = mount(store, mnt)
        ops = {}
        for what, cmd in [("find", "find {} -type f | wc -l"), ("ls -lR", "ls -lR {} > /dev/null")]:
            ops[f"{what} cold"] = (timed(cmd.format(mnt)), timed(cmd.format(tmpfs)))
            ops[f"{what} warm"] = (timed(cmd.format(mnt)), timed(cmd.format(tmpfs)))
        ops["cat image (all)"] = tuple(timed(
            f"find {root} -name image -print0 | xargs -0 cat > /dev/null") for root in (mnt, tmpfs))
        ops[f"grep -r ({NAMESPACES[0]})"] = tuple(timed(
            f"grep -r nginx {root}/{NAMESPACES[0]} > /dev/null") for root in (mnt, tmpfs))

        # writes: one shell, `echo >` per label, against the store library directly
        target = f"{mnt}/{NAMESPACES[0]}/c000000/labels/bench"
        fs_w = timed(f"for ((i = 0; i < {writes}; i++)); do echo v$i > {target}; done")
        lib_w = float(run([str(LABEL_UPDATES), str(store), NAMESPACES[0], "c000000",
                           str(writes)]).stdout)
        ops[f"{writes} label writes (vs library)"] = (fs_w, lib_w)

        # latency: ctrfsctl write returns -> the new value read through the mount
        lat = []
        path = Path(mnt, NAMESPACES[0], "c000001", "labels", "seen")
        for i in range(50):
            run([str(CTL), "--store", str(store), "containers", "label", "c000001", f"seen=l{i}"])
            t = time.perf_counter()
            while True:
                try:
                    if path.read_text() == f"l{i}\n":
                        break
                except OSError:
                    pass
                if time.perf_counter() - t > 5:
                    break
            lat.append(time.perf_counter() - t)
        r["write_to_visible_ms_median"] = statistics.median(lat) * 1000
        r["write_to_visible_ms_max"] = max(lat) * 1000
        r["daemon_rss_mb"] = rss_mb(pid)
        r["ops"] = {k: {"ctrfs_s": a, "baseline_s": b, "ratio": a / b if b else float("inf")}
                    for k, (a, b) in ops.items()}
        unmount(mnt)
    finally:
        if subprocess.run(["mountpoint", "-q", str(mnt)]).returncode == 0:
            subprocess.run(["fusermount3", "-u", str(mnt)])
        subprocess.run(["umount", str(tmpfs)])
        shutil.rmtree(store, ignore_errors=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--writes", type=int, default=10000)
    ap.add_argument("--json", help="also write the JSON summary to this file")
    a = ap.parse_args()
    for exe in (CTRFS, CTL, LABEL_UPDATES):
        if not exe.exists():
            sys.exit(f"{exe} is missing: build first (ninja -C {BUILD})")
    results = []
    with tempfile.TemporaryDirectory(prefix="ctrfs-bench-") as tmp:
        for n in (int(x) for x in a.sizes.split(",")):
            print(f"== N={n} ...", file=sys.stderr, flush=True)
            results.append(bench_size(n, a.writes, Path(tmp)))
    print(f"{'N':>7} {'operation':<34} {'ctrfs s':>9} {'baseline s':>10} {'ratio':>7}")
    for r in results:
        for k, v in r["ops"].items():
            print(f"{r['N']:>7} {k:<34} {v['ctrfs_s']:>9.3f} {v['baseline_s']:>10.3f} {v['ratio']:>7.2f}")
        print(f"{r['N']:>7} mount {r['mount_ms']:.1f} ms, daemon RSS {r['daemon_rss_mb']:.1f} MB, "
              f"write->visible median {r['write_to_visible_ms_median']:.2f} ms "
              f"(max {r['write_to_visible_ms_max']:.2f}), store {r['store_bytes_per_container']:.0f} B/container")
    print("baseline: tmpfs for reads, the store library for label writes")
    out = json.dumps({"results": results}, indent=2)
    print(out)
    if a.json:
        Path(a.json).write_text(out)


if __name__ == "__main__":
    main()
