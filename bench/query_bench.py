#!/usr/bin/python3
"""Query benchmark: "which containers have label app=web", three ways, same run.

For each N (containers, all in namespace default; one in ten has app=web, the others
app=svc-K; 8 labels and a 4 KB spec each, as in fs_bench.py) it builds a store, mounts
it and times, each through bash as a user types it:

  query     ls MOUNT/default/.query/labels.app==web
  ctrfsctl  ctrfsctl containers ls -q labels.app==web   (a process: start, open, list)
  grep      grep -l '^web$' MOUNT/default/*/labels/app  (the label files, one by one)

cold: the first run on a fresh mount (nothing in the kernel's or the daemon's caches),
the median of three mounts; after a change: the first run after a label of another
container changed (the daemon lists anew, the kernel keeps what it has), the median of
three; warm: the best of the five runs after each cold one. ctrfsctl has no mount: its
cold figure is its first run, its warm one the best of five.

Prints a table with the ratios grep/query and ctrfsctl/query, then JSON. Usage:
  bench/query_bench.py [--sizes 1000,10000] [--json FILE]
Not a test: it reports, it does not judge (the goal is query >= 5x faster than grep and
faster than ctrfsctl).
"""
import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fs_bench as fb  # noqa: E402 (the store builder and the mount helper)

NS = "default"
FILTER = "labels.app==web"
RUNS = 5
REPEATS = 3  # fresh mounts (cold) and changes (after a change): the median


def build_store(store, n, work):
    """N containers in one namespace, imported a chunk at a time."""
    docf = work / "chunk.json"
    for start in range(0, n, fb.IMPORT_CHUNK):
        cs = [fb.container(NS, k) for k in range(start, min(n, start + fb.IMPORT_CHUNK))]
        doc = {"version": 1, "namespaces": [{"name": NS, "labels": {}, "containers": cs}]}
        docf.write_text(json.dumps(doc))
        fb.run([str(fb.CTL), "--store", str(store), "import", str(docf)])
    docf.unlink()


def commands(store, mnt):
    return {
        "query": f"ls {mnt}/{NS}/.query/{FILTER} > /dev/null",
        "ctrfsctl": f"{fb.CTL} --store {store} -n {NS} containers ls -q {FILTER} > /dev/null",
        "grep": f"grep -l '^web$' {mnt}/{NS}/*/labels/app > /dev/null",
    }


def outputs_agree(store, mnt):
    """The three ways name the same containers (else the figures compare nothing)."""
    q = sorted(fb.run(f"ls {mnt}/{NS}/.query/{FILTER}").stdout.split())
    c = sorted(fb.run(f"{fb.CTL} --store {store} -n {NS} c ls -q {FILTER}").stdout.split())
    g = sorted(p.split("/")[-3] for p in
               fb.run(f"grep -l '^web$' {mnt}/{NS}/*/labels/app").stdout.split())
    return q == c == g and len(q) > 0


def bench_size(n, work):
    store, mnt = work / f"store-{n}", work / f"mnt-{n}"
    mnt.mkdir()
    build_store(store, n, work)
    cmds = commands(store, mnt)
    r = {"N": n, "matches": n // 10 + (1 if n % 10 else 0), "s": {}}
    m = None
    try:
        m = fb.Mounted(store, mnt)
        r["outputs_agree"] = outputs_agree(store, mnt)
        m.stop()
        change = [str(fb.CTL), "--store", str(store), "-n", NS, "c", "label", "c000001"]
        for what in ("query", "grep"):
            cold, changed, warm = [], [], []
            for _ in range(REPEATS):
                m = fb.Mounted(store, mnt)
                cold.append(fb.timed(cmds[what]))
                warm.append(fb.best(cmds[what], RUNS))
                # a change elsewhere: the store's change log moves on
                fb.run(change + [f"bench={time.monotonic_ns()}"])
                changed.append(fb.timed(cmds[what]))
                m.stop()
                m = None
            r["s"][what] = {"cold": statistics.median(cold),
                            "after a change": statistics.median(changed), "warm": min(warm)}
        first = fb.timed(cmds["ctrfsctl"])
        warm = fb.best(cmds["ctrfsctl"], RUNS)
        changed = []
        for _ in range(REPEATS):
            fb.run(change + [f"bench={time.monotonic_ns()}"])
            changed.append(fb.timed(cmds["ctrfsctl"]))
        r["s"]["ctrfsctl"] = {"cold": first, "after a change": statistics.median(changed),
                              "warm": warm}
        print(f"   N={n}: " + ", ".join(f"{k} {v['warm'] * 1000:.1f} ms warm"
                                       for k, v in r["s"].items()), file=sys.stderr,
              flush=True)
    finally:
        if m:
            m.stop()
        if subprocess.run(["mountpoint", "-q", str(mnt)]).returncode == 0:
            subprocess.run(["fusermount3", "-u", str(mnt)])
        shutil.rmtree(store, ignore_errors=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--json", help="also write the JSON summary to this file")
    a = ap.parse_args()
    for exe in (fb.CTRFS, fb.CTL):
        if not exe.exists():
            sys.exit(f"{exe} is missing: build first (ninja -C {fb.BUILD})")
    results = []
    with tempfile.TemporaryDirectory(prefix="ctrfs-qbench-", dir="/var/tmp") as tmp:
        for n in (int(x) for x in a.sizes.split(",")):
            print(f"== N={n} ...", file=sys.stderr, flush=True)
            results.append(bench_size(n, Path(tmp)))
    print(f"{'N':>7} {'run':<15} {'query ms':>9} {'ctrfsctl ms':>11} {'grep ms':>9} "
          f"{'grep/query':>10} {'ctrfsctl/query':>14}")
    for r in results:
        s = r["s"]
        for temp in ("cold", "after a change", "warm"):
            q, c, g = (s[k][temp] for k in ("query", "ctrfsctl", "grep"))
            print(f"{r['N']:>7} {temp:<15} {q * 1000:>9.2f} {c * 1000:>11.2f} {g * 1000:>9.2f} "
                  f"{g / q:>9.1f}x {c / q:>13.1f}x")
        if not r["outputs_agree"]:
            print(f"{r['N']:>7} WARNING: the three ways listed different containers")
    print(f"query: ls MOUNT/{NS}/.query/{FILTER}; ctrfsctl: ctrfsctl containers ls -q "
          f"{FILTER}; grep: grep -l '^web$' MOUNT/{NS}/*/labels/app; each run by bash "
          f"(cold: fresh mount, median of {REPEATS}, or ctrfsctl's first run; after a change: "
          f"median of {REPEATS}; warm: best of {RUNS})")
    out = json.dumps({"results": results}, indent=2)
    print(out)
    if a.json:
        Path(a.json).write_text(out)


if __name__ == "__main__":
    main()
