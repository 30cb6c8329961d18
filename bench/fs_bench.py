#!/usr/bin/python3
"""Filesystem benchmark: ctrfs against the same tree as plain files on tmpfs, same run.

For each N (containers; 3 namespaces, 8 labels and a 4 KB spec each) it builds a store,
mounts it, copies the mounted tree to tmpfs, and measures on both (ratio = ctrfs/tmpfs):

  find MOUNT -type f | wc -l, ls -lR MOUNT, cat of every image file, grep -r over one
  namespace: each cold (the first run after a fresh mount) and warm (the best of the
  next two runs), against the best of two runs on tmpfs;
  10k label writes with `echo >` from one shell, against 10k label updates through the
  store library (ctrfs-label-updates) in the same run with no mount; and those library
  updates again while mounted (each waits for the mount to have seen it);
  the latency from a ctrfsctl write (its exit) to the change seen through the mount
  (cat, stat, ls), and how often it was seen at the first look;
  mount time (mean of 5) and the daemon's memory after all the reads above on one mount
  (VmRSS, and its anonymous part: the rest is the store's file pages, mapped by LMDB).

Beside each ratio it prints the floor: the ratio FUSE itself sets on this machine, from a
request round trip and an open+read+close measured in the same run on ctrfs-fuse-floor
(a FUSE daemon answering from constants), times the requests each operation must make.

With --old-build DIR (a build of an earlier version), every figure taken through the
mount is also taken with that version's ctrfs on the same store in the same run, and
printed beside it ("old s"), so that a change is judged against what it replaces.

Prints a table, then JSON. Usage (root: it mounts tmpfs and FUSE):
  bench/fs_bench.py [--sizes 1000,10000,100000] [--writes 10000] [--json FILE]
                    [--old-build DIR]
Not a test: it reports, it does not judge.
"""
import argparse
import json
import os
import shutil
import signal
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
FLOOR = BUILD / "bench" / "ctrfs-fuse-floor"
COUNTER = BUILD / "bench" / "ctrfs-txn-counter.so"
NAMESPACES = ["default", "k8s.io", "team-b"]
IMPORT_CHUNK = 5000  # containers per import document: bounded memory at any N


def spec_json(ns, cid):
    """A realistic OCI spec of about 4 KB compact (containerd's default plus env and
    mounts)."""
    env = [f"VAR_{i}=value-{i}-{'x' * 40}" for i in range(40)]
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


def container(ns, k):
    cid = f"c{k:06d}"
    return {
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
    }


def build_store(store, n, work):
    """N containers over the namespaces (k-th container in namespace k % 3), imported a
    chunk at a time."""
    per_ns = [n // 3 + (1 if i < n % 3 else 0) for i in range(3)]
    k = 0
    docf = work / "chunk.json"
    for ns, count in zip(NAMESPACES, per_ns):
        for start in range(0, count, IMPORT_CHUNK):
            cs = []
            for _ in range(min(IMPORT_CHUNK, count - start)):
                cs.append(container(ns, k))
                k += 1
            doc = {"version": 1, "namespaces": [{"name": ns, "labels": {}, "containers": cs}]}
            docf.write_text(json.dumps(doc))
            run([str(CTL), "--store", str(store), "import", str(docf)])
    docf.unlink()


def run(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          executable="/bin/bash" if isinstance(cmd, str) else None, **kw)


def timed(cmd):
    t = time.perf_counter()
    run(cmd)
    return time.perf_counter() - t


class Mounted:
    """ctrfs serving `store` on `mnt`, started in daemon mode as a user would."""

    def __init__(self, store, mnt, exe=None):
        exe = exe or CTRFS
        self.store, self.mnt = store, mnt
        t = time.perf_counter()
        run([str(exe), str(store), str(mnt)])  # returns once mounted (daemon mode)
        self.mount_s = time.perf_counter() - t
        self.pid = int(run(["pgrep", "-n", "-f", f"^{exe} {store} {mnt}"]).stdout.split()[0])

    def cpu_s(self):
        """CPU seconds the daemon has used (user + system): the work an operation cost
        it, which a busy or virtual machine's scheduling does not blur as it does a
        wall-clock time."""
        f = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

    def memory_mb(self):
        """VmRSS, and its anonymous part (the rest: store pages mapped by LMDB)."""
        fields = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            k, _, v = line.partition(":")
            if k in ("VmRSS", "RssAnon", "RssFile"):
                fields[k] = int(v.split()[0]) / 1024
        return fields

    def stop(self):
        run(["fusermount3", "-u", str(self.mnt)])
        for _ in range(200):  # the daemon exits after the unmount
            if subprocess.run(["kill", "-0", str(self.pid)], capture_output=True).returncode:
                return
            time.sleep(0.01)


def per_call_us(fn, n=3000):
    """Mean cost of fn() in microseconds, the best of three runs of n calls."""
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        for _ in range(n):
            fn()
        runs.append((time.perf_counter() - t) / n * 1e6)
    return min(runs)


def read_file(path):
    fd = os.open(path, os.O_RDONLY)
    os.read(fd, 4096)
    os.close(fd)


def fuse_floor(work):
    """What any FUSE daemon costs on this machine (ctrfs-fuse-floor, answering from
    constants) beyond tmpfs, measured now: a request round trip (stat of a file whose
    attributes are not cached: GETATTR) and an open+read+close (OPEN, RELEASE)."""
    mnt, tmp = work / "floor-mnt", work / "floor-tmpfs"
    for d in (mnt, tmp):
        d.mkdir()
    run(["mount", "-t", "tmpfs", "tmpfs", str(tmp)])
    (tmp / "f").write_text("floor\n")
    run([str(FLOOR), str(mnt)])
    try:
        read_file(mnt / "g")  # "g": attributes and pages cached, as ctrfs's files are
        f_req = per_call_us(lambda: os.stat(mnt / "f"))
        t_req = per_call_us(lambda: os.stat(tmp / "f"))
        f_open = per_call_us(lambda: read_file(mnt / "g"))
        t_open = per_call_us(lambda: read_file(tmp / "f"))
    finally:
        run(["fusermount3", "-u", str(mnt)])
        run(["umount", str(tmp)])
    return {"request_us": max(f_req - t_req, 0.0), "open_us": max(f_open - t_open, 0.0),
            "tmpfs_stat_us": t_req, "tmpfs_open_us": t_open}


def tree_counts(root, ns0):
    """Directories and files of the tmpfs copy: what a FUSE traversal pays for."""
    c = {"dirs": 0, "files": 0, "ns_dirs": 0, "ns_files": 0}
    for d, _, files in os.walk(root):
        inside = Path(d).is_relative_to(Path(root) / ns0)
        c["dirs"] += 1
        c["files"] += len(files)
        c["ns_dirs"] += inside
        c["ns_files"] += len(files) if inside else 0
    return c


def floor_extra(what, cold, c, n, floor):
    """Seconds the FUSE floor alone adds to operation `what` (see read_ops): two
    READDIRPLUS per directory listed cold (the second finds the end), one open per file
    read; nothing for what the kernel has cached (warm listings and attributes)."""
    req, op = floor["request_us"] / 1e6, floor["open_us"] / 1e6
    if what.startswith("find") or what.startswith("ls"):
        return c["dirs"] * 2 * req if cold else 0.0
    if what.startswith("cat"):
        return (c["dirs"] * 2 * req if cold else 0.0) + n * op
    return (c["ns_dirs"] * 2 * req if cold else 0.0) + c["ns_files"] * op  # grep -r


def cgroup_page_cache():
    """Bytes of page cache charged to this process's memory cgroup (v1 or v2), or None."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, ctrl, path = line.split(":", 2)
        if ctrl == "memory":
            stat, key = Path("/sys/fs/cgroup/memory") / path.lstrip("/") / "memory.stat", "cache"
        elif ctrl == "" and Path("/sys/fs/cgroup/cgroup.controllers").exists():
            stat, key = Path("/sys/fs/cgroup") / path.lstrip("/") / "memory.stat", "file"
        else:
            continue
        try:
            for kv in stat.read_text().splitlines():
                k, v = kv.split()
                if k == key:
                    return int(v)
        except OSError:
            pass
    return None


def idle_reclaim_mb(seconds=5.0):
    """Page cache the machine takes back while nothing runs (some sandboxes reclaim
    proactively): warm reads of a tree larger than what stays cached pay for it."""
    before = cgroup_page_cache()
    time.sleep(seconds)
    after = cgroup_page_cache()
    return None if before is None or after is None else max(before - after, 0) / 2**20


def best(cmd, times=2):
    return min(timed(cmd) for _ in range(times))


def read_ops(mnt, tmpfs):
    ns0 = NAMESPACES[0]
    return [
        ("find -type f | wc -l", "find {} -type f | wc -l"),
        ("ls -lR", "ls -lR {} > /dev/null"),
        ("cat */*/image", "find {} -name image -print0 | xargs -0 cat > /dev/null"),
        (f"grep -r ({ns0})", "grep -r nginx {}/" + ns0 + " > /dev/null"),
    ]


def latency(store, mnt, samples=100):
    """From a ctrfsctl write's exit to the change seen through the mount (each way of
    looking at its own change), and the share seen at the first look."""
    ctr = "c000001"  # beside c000000, which the write test uses
    ns = NAMESPACES[0]
    d = Path(mnt, ns, ctr)
    out = {}

    def measure(what, change, seen):
        lat, first = [], 0
        for i in range(samples):
            run([str(CTL), "--store", str(store), "-n", ns] + change(i))
            t = time.perf_counter()
            looks = 0
            while True:
                looks += 1
                try:
                    if seen(i):
                        break
                except OSError:
                    pass
                if time.perf_counter() - t > 5:
                    break
            lat.append(time.perf_counter() - t)
            first += looks == 1
        out[what] = {"median_ms": statistics.median(lat) * 1000, "max_ms": max(lat) * 1000,
                     "seen_at_first_look": first / samples}

    os.listdir(d / "labels")
    measure("cat", lambda i: ["c", "update", "--image", f"img-{i}", ctr],
            lambda i: (d / "image").read_text() == f"img-{i}\n")
    measure("stat", lambda i: ["c", "update", "--image", "i" * (i % 50 + 1), ctr],
            lambda i: (d / "image").stat().st_size == i % 50 + 2)
    measure("ls", lambda i: ["c", "label", ctr, f"seen{i}=1"],
            lambda i: f"seen{i}" in os.listdir(d / "labels"))
    return out


def write_cost(exe, store, mnt, writes=500):
    """What one `echo > label` through exe's mount costs the daemon: read and write
    transactions and JSON parses, counted by ctrfs-txn-counter preloaded into it, per
    write of the same label from one shell (after three to warm up)."""
    counts = mnt.parent / "txn-counts"
    env = dict(os.environ, LD_PRELOAD=str(COUNTER), CTRFS_COUNT_FILE=str(counts))
    proc = subprocess.Popen([str(exe), "-f", str(store), str(mnt)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            if subprocess.run(["mountpoint", "-q", str(mnt)]).returncode == 0:
                break
            time.sleep(0.01)
        target = f"{mnt}/{NAMESPACES[0]}/c000000/labels/cost"

        def snapshot():
            counts.unlink(missing_ok=True)
            proc.send_signal(signal.SIGUSR2)
            for _ in range(500):
                if counts.exists() and counts.read_text().endswith("\n"):
                    return [int(x) for x in counts.read_text().split()]
                time.sleep(0.01)
            raise RuntimeError("the counter did not answer")

        run(f"for i in 1 2 3; do echo w$i > {target}; done")
        time.sleep(0.2)
        before = snapshot()
        run(f"for ((i = 0; i < {writes}; i++)); do echo v$i > {target}; done")
        time.sleep(0.2)
        after = snapshot()
    finally:
        run(["fusermount3", "-u", str(mnt)])
        proc.wait()
    per = [(b - a) / writes for a, b in zip(before, after)]
    return {"read_txns": per[0], "write_txns": per[1], "json_parses": per[2]}


def mounted_figures(exe, store, mnt, tmpfs, writes):
    """The read operations (cold, warm) and the echo label writes through `exe`'s
    mount: what --old-build compares."""
    out, cpu = {}, {}
    for what, cmd in read_ops(mnt, tmpfs):
        m = Mounted(store, mnt, exe)
        c0 = m.cpu_s()
        out[f"{what} cold"] = timed(cmd.format(mnt))
        c1 = m.cpu_s()
        out[f"{what} warm"] = best(cmd.format(mnt))
        cpu[f"{what} cold"], cpu[f"{what} warm"] = c1 - c0, (m.cpu_s() - c1) / 2
        m.stop()
    out["daemon_cpu_s"] = cpu
    m = Mounted(store, mnt, exe)
    target = f"{mnt}/{NAMESPACES[0]}/c000000/labels/bench"
    out[f"{writes} label writes (vs library)"] = timed(
        f"for ((i = 0; i < {writes}; i++)); do echo v$i > {target}; done")
    m.stop()
    return out


def bench_size(n, writes, work, floor, old=None):
    store, mnt, tmpfs = work / f"store-{n}", work / f"mnt-{n}", work / f"tmpfs-{n}"
    for d in (mnt, tmpfs):
        d.mkdir()
    t = time.perf_counter()
    build_store(store, n, work)
    r = {"N": n, "store_build_s": time.perf_counter() - t,
         "store_bytes_per_container": (store / "data.mdb").stat().st_blocks * 512 / n}
    print(f"   store built in {r['store_build_s']:.1f} s", file=sys.stderr, flush=True)

    run(["mount", "-t", "tmpfs", "-o", "size=90%,nr_inodes=0", "tmpfs", str(tmpfs)])
    m = None
    try:
        mounts = []
        for _ in range(5):
            m = Mounted(store, mnt)
            mounts.append(m.mount_s)
            m.stop()
        r["mount_ms"] = statistics.mean(mounts) * 1000
        m = Mounted(store, mnt)
        run(f"cp -r {mnt}/. {tmpfs}/")  # the same tree as plain files (not timed)
        m.stop()
        print("   tree copied to tmpfs", file=sys.stderr, flush=True)

        counts = tree_counts(tmpfs, NAMESPACES[0])
        ops, floors = {}, {}
        cpu = {}
        for what, cmd in read_ops(mnt, tmpfs):
            m = Mounted(store, mnt)
            c0 = m.cpu_s()
            cold = timed(cmd.format(mnt))
            c1 = m.cpu_s()
            warm = best(cmd.format(mnt))
            cpu[f"{what} cold"], cpu[f"{what} warm"] = c1 - c0, (m.cpu_s() - c1) / 2
            m.stop()
            base = best(cmd.format(tmpfs))
            ops[f"{what} cold"] = (cold, base)
            ops[f"{what} warm"] = (warm, base)
            for temp in ("cold", "warm"):
                floors[f"{what} {temp}"] = (
                    base + floor_extra(what, temp == "cold", counts, n, floor)) / base
            print(f"   {what}: cold {cold:.3f} s, warm {warm:.3f} s, tmpfs {base:.3f} s",
                  file=sys.stderr, flush=True)

        # memory: everything above on one mount, the kernel holding every inode
        m = Mounted(store, mnt)
        for _, cmd in read_ops(mnt, tmpfs):
            run(cmd.format(mnt))
        r["daemon_memory_mb"] = m.memory_mb()
        r["idle_page_cache_reclaimed_mb_per_5s"] = idle_reclaim_mb()

        # writes: one shell, `echo >` per label, against the store library directly
        target = f"{mnt}/{NAMESPACES[0]}/c000000/labels/bench"
        fs_w = timed(f"for ((i = 0; i < {writes}; i++)); do echo v$i > {target}; done")
        # the library alone: with no mount to wait for (a write waits for each mount)
        m.stop()
        lib_w = float(run([str(LABEL_UPDATES), str(store), NAMESPACES[0], "c000000",
                           str(writes)]).stdout)
        m = Mounted(store, mnt)
        # the same by another process while mounted: each write waits for the mount to
        # have seen it (the watcher handshake)
        lib_m = float(run([str(LABEL_UPDATES), str(store), NAMESPACES[0], "c000000",
                           str(writes)]).stdout)
        ops[f"{writes} library updates, mounted"] = (lib_m, lib_w)
        floors[f"{writes} library updates, mounted"] = 1.0
        ops[f"{writes} label writes (vs library)"] = (fs_w, lib_w)
        # echo > file: OPEN, WRITE and FLUSH each a round trip (RELEASE goes unawaited)
        floors[f"{writes} label writes (vs library)"] = (
            lib_w + writes * 3 * floor["request_us"] / 1e6) / lib_w
        print(f"   writes: mount {fs_w:.2f} s, library {lib_w:.2f} s", file=sys.stderr,
              flush=True)

        r["write_to_visible"] = latency(store, mnt)
        m.stop()
        m = None
        if COUNTER.exists():
            r["write_cost"] = write_cost(CTRFS, store, mnt)
            if old:
                r["write_cost_old"] = write_cost(old, store, mnt)
        if old:
            print("   the old build, same store ...", file=sys.stderr, flush=True)
            r["old"] = mounted_figures(old, store, mnt, tmpfs, writes)
        old_cpu = r.get("old", {}).get("daemon_cpu_s", {})
        r["ops"] = {k: {"ctrfs_s": a, "baseline_s": b, "ratio": a / b if b else float("inf"),
                        "fuse_floor_ratio": floors[k],
                        "old_s": r.get("old", {}).get(k),
                        "daemon_cpu_s": cpu.get(k), "old_daemon_cpu_s": old_cpu.get(k)}
                    for k, (a, b) in ops.items()}
        r["tree"] = counts
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
    ap.add_argument("--old-build", help="a build of an earlier version, measured beside")
    a = ap.parse_args()
    old = Path(a.old_build) / "fs" / "ctrfs" if a.old_build else None
    if old and not old.exists():
        sys.exit(f"{old} is missing")
    for exe in (CTRFS, CTL, LABEL_UPDATES, FLOOR):
        if not exe.exists():
            sys.exit(f"{exe} is missing: build first (ninja -C {BUILD})")
    results = []
    with tempfile.TemporaryDirectory(prefix="ctrfs-bench-", dir="/var/tmp") as tmp:
        floor = fuse_floor(Path(tmp))
        print(f"== FUSE floor: request {floor['request_us']:.1f} us, open+read+close "
              f"{floor['open_us']:.1f} us beyond tmpfs", file=sys.stderr, flush=True)
        for n in (int(x) for x in a.sizes.split(",")):
            print(f"== N={n} ...", file=sys.stderr, flush=True)
            results.append(bench_size(n, a.writes, Path(tmp), floor, old))
    print(f"{'N':>7} {'operation':<34} {'ctrfs s':>9} {'baseline s':>10} {'ratio':>7} "
          f"{'floor':>7} {'cpu s':>7}" +
          (f" {'old s':>9} {'old ratio':>9} {'old cpu':>7}" if old else ""))
    for r in results:
        for k, v in r["ops"].items():
            cpu = v.get("daemon_cpu_s")
            line = (f"{r['N']:>7} {k:<34} {v['ctrfs_s']:>9.3f} {v['baseline_s']:>10.3f} "
                    f"{v['ratio']:>7.2f} {v['fuse_floor_ratio']:>7.2f} "
                    + (f"{cpu:>7.2f}" if cpu is not None else f"{'':>7}"))
            if old and v["old_s"] is not None:
                ocpu = v.get("old_daemon_cpu_s")
                line += (f" {v['old_s']:>9.3f} {v['old_s'] / v['baseline_s']:>9.2f} "
                         + (f"{ocpu:>7.2f}" if ocpu is not None else ""))
            print(line)
        mem = r["daemon_memory_mb"]
        print(f"{r['N']:>7} mount {r['mount_ms']:.1f} ms; daemon VmRSS {mem['VmRSS']:.1f} MB "
              f"(anonymous {mem['RssAnon']:.1f} MB, store pages {mem['RssFile']:.1f} MB); "
              f"store {r['store_bytes_per_container']:.0f} B/container")
        lost = r["idle_page_cache_reclaimed_mb_per_5s"]
        if lost is not None:
            print(f"{r['N']:>7} page cache taken back by the machine while idle: {lost:.0f} MB "
                  "in 5 s (warm figures of a tree larger than what stays cached pay for it)")
        for key, who in (("write_cost", "this build"), ("write_cost_old", "old build")):
            if key in r:
                c = r[key]
                print(f"{r['N']:>7} one echo > label ({who}): {c['read_txns']:.2f} read "
                      f"transactions, {c['write_txns']:.2f} write, {c['json_parses']:.2f} "
                      "JSON parses in the daemon")
        for what, v in r["write_to_visible"].items():
            print(f"{r['N']:>7} ctrfsctl write -> seen by {what}: median {v['median_ms']:.3f} ms, "
                  f"max {v['max_ms']:.3f} ms, at the first look {v['seen_at_first_look']:.0%}")
    print("baseline: tmpfs (best of two) for reads, the store library for label writes")
    print("cpu s: the daemon's CPU seconds for the operation (warm: the mean of the two runs), "
          "which scheduling on a busy or virtual machine does not blur")
    print(f"floor: the ratio FUSE itself gives on this machine (request {floor['request_us']:.1f} us, "
          f"open+read+close {floor['open_us']:.1f} us beyond tmpfs, measured now with "
          "ctrfs-fuse-floor): two READDIRPLUS per directory listed cold, one OPEN per file "
          "read, three requests per echo >")
    out = json.dumps({"fuse_floor": floor, "results": results}, indent=2)
    print(out)
    if a.json:
        Path(a.json).write_text(out)


if __name__ == "__main__":
    main()
