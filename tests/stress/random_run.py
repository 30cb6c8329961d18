#!/usr/bin/env python3
r"""A long random run of ctrfs: real tools writing, reading and a daemon killed with -9.

    random_run.py --build-dir BUILD --seconds 120 --seed 7 --workers 3 --readers 2 \
                  --kill-every 5 --json

It creates a store (containers in two namespaces), mounts it with the real ctrfs and runs:
- writers: each owns a disjoint set of keys (labels on every container, namespace labels,
  the image of one container), so each key's history is sequential and its final value
  known. They change them with bash, coreutils, sed -i, vim -Es, python and ctrfsctl.
- readers: cat, ls -l, grep -r, find, stat, jq on the same files, checking only that
  what they read parses (it races the writers).
- a killer (--kill-every > 0): kill -9 of the daemon at random moments, a lazy unmount,
  `ctrfsctl check`, a comparison of the store with the model, and a remount.

The model: a write whose tool succeeded is acknowledged and must be in the store, also
after kill -9; a write that failed while the daemon was dying leaves its keys uncertain
until the next checkpoint reads them back from the store (or a later write succeeds).
`: > f` commits at RELEASE, which the kernel sends after close() returned and which
bash cannot report: it is acknowledged when no kill overlapped it, uncertain otherwise.

Exit status 0 when nothing was lost and nothing unexpected happened, 1 otherwise; the
summary (--json: one JSON object) counts operations, acknowledged writes, kills, lost
writes and unexpected errors with the details of the first few.
"""
import argparse
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from pathlib import Path

NAMESPACES = {"default": ["c0", "c1", "c2"], "other": ["d0", "d1"]}
LABELS_PER_CONTAINER = 3  # per writer
NS_LABELS = 2  # per writer and namespace
STATIC_LABELS = {"app": "stress", "tier": "front"}  # nobody writes them: must stay
OP_TIMEOUT = 30  # seconds; a tool still running then is a hang (reported)

# What a tool says when the daemon died under it (ENOTCONN, ECONNABORTED, EIO).
DEAD_DAEMON = ("Transport endpoint is not connected", "Software caused connection abort",
               "Input/output error")
# Errno texts that a dying daemon does not explain.
WRONG = ("Invalid argument", "Operation not permitted", "File exists", "Permission denied",
         "No space left", "Numerical result out of range", "Read-only file system",
         "No such file or directory", "Directory not empty", "Bad file descriptor",
         "Function not implemented", "Cannot allocate memory", "Too many open files",
         "File name too long", "Is a directory", "Not a directory")
ALPHABET = "abcdefxyz0123456789._"
MAX_DETAILS = 5
TOOL_TEMP = re.compile(r"sed[A-Za-z0-9]{6}")  # sed -i's temporary file (mkostemp)


def value_text(rng):
    n = rng.randint(1, 14)
    return rng.choice("abcxyz") + "".join(rng.choice(ALPHABET) for _ in range(n))


class Key:
    """One field a writer owns: a container label, a namespace label or an image."""

    def __init__(self, kind, ns, cid, name, value):
        self.kind, self.ns, self.cid, self.name = kind, ns, cid, name
        self.value = value  # last acknowledged value; None = no label
        self.certain = True
        self.history = deque(maxlen=8)

    def __str__(self):
        if self.kind == "label":
            return f"{self.ns}/{self.cid}/labels/{self.name}"
        if self.kind == "nslabel":
            return f"{self.ns}/.labels/{self.name}"
        return f"{self.ns}/{self.cid}/image"

    def dir_key(self):
        return (self.kind, self.ns, self.cid)


class Gate:
    """Operations pass one at a time per worker; the killer closes it to get a quiet
    store (every operation in flight finished) for its checkpoint."""

    def __init__(self):
        self.cv = threading.Condition()
        self.active = 0
        self.closed = False

    def enter(self):
        with self.cv:
            while self.closed:
                self.cv.wait()
            self.active += 1

    def leave(self):
        with self.cv:
            self.active -= 1
            self.cv.notify_all()

    def close(self):
        with self.cv:
            self.closed = True
            while self.active:
                self.cv.wait()

    def open(self):
        with self.cv:
            self.closed = False
            self.cv.notify_all()


def is_mounted(path):
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4] == path for line in f)


class Run:
    def __init__(self, args):
        self.args = args
        self.build = Path(args.build_dir)
        self.ctrfs = self.build / "fs" / "ctrfs"
        self.ctl_exe = self.build / "tools" / "ctrfsctl"
        self.base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="ctrfs-stress-"))
        self.base.mkdir(parents=True, exist_ok=True)
        self.store = self.base / "store"
        self.mnt = self.base / "mnt"
        self.mnt.mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("CTRFS_STORE", "CONTAINERD_NAMESPACE", "CTRFS_MAP_SIZE")}
        self.env["LC_ALL"] = "C.UTF-8"
        self.lock = threading.Lock()  # counters, kill state, details
        self.ops = Counter()
        self.acknowledged = 0
        self.uncertain_marked = 0
        self.resynced = 0
        self.kills = 0
        self.kill_times = []
        self.dead = False
        self.checkpoints = 0
        self.lost = []
        self.lost_known = []  # see note_lost
        self.unexpected = []
        self.daemon_log_lines = []
        self.leftovers = []  # labels left by a tool killed between write and rename
        self.gate = Gate()
        self.proc = None
        self.log_index = 0
        self.stop = threading.Event()
        self.t0 = time.monotonic()

    # ---- helpers ----

    def elapsed(self):
        return round(time.monotonic() - self.t0, 3)

    def ctl(self, *argv, ns=None, check=True):
        cmd = [str(self.ctl_exe), "--store", str(self.store)] + (["-n", ns] if ns else [])
        p = subprocess.run(cmd + list(argv), capture_output=True, text=True, env=self.env,
                           timeout=OP_TIMEOUT)
        if check and p.returncode != 0:
            raise RuntimeError(f"ctrfsctl {argv}: {p.returncode} {p.stderr}")
        return p

    def note_unexpected(self, what, **detail):
        with self.lock:
            self.unexpected.append({"what": what, "t": self.elapsed(), **detail})

    def note_lost(self, key, model, stored, where):
        last = key.history[-1] if key.history else None
        if last and last[1] == "truncate" and last[3] == "ack" and where != "final":
            # KNOWN: `: > f` is stored at RELEASE, which the kernel sends after close()
            # returned; a kill -9 before the daemon handled it loses the emptying
            # (test_random_run.py: test_emptying_survives_kill_right_after_close).
            with self.lock:
                self.lost_known.append({"key": str(key), "model": model, "store": stored,
                                        "where": where, "history": list(key.history)})
            return
        with self.lock:
            self.lost.append({"key": str(key), "model": model, "store": stored,
                              "where": where, "history": list(key.history)})

    # ---- the store and the daemon ----

    def make_store(self):
        self.ctl("init")  # ctrfsctl makes no store silently
        for ns, ids in NAMESPACES.items():
            for cid in ids:
                labels = sum((["--label", f"{k}={v}"] for k, v in STATIC_LABELS.items()), [])
                self.ctl("c", "create", *labels, f"registry.local/{cid}:0", cid, ns=ns)
            self.ctl("ns", "label", ns, "owner=stress")

    def start_daemon(self):
        self.log_index += 1
        log_path = self.base / f"ctrfs-{self.log_index}.log"
        self.log_file = open(log_path, "w")
        self.proc = subprocess.Popen([str(self.ctrfs), "-f", str(self.store), str(self.mnt)],
                                     stdout=self.log_file, stderr=subprocess.STDOUT,
                                     env=self.env)
        end = time.monotonic() + 10
        while not is_mounted(self.mnt):
            if self.proc.poll() is not None or time.monotonic() > end:
                self.proc.kill()
                raise RuntimeError(f"ctrfs did not mount: {log_path.read_text()}")
            time.sleep(0.01)

    def collect_log(self):
        """Every line the daemon printed is unexpected: nothing here is refused."""
        self.log_file.close()
        text = (self.base / f"ctrfs-{self.log_index}.log").read_text(errors="replace")
        for line in text.splitlines():
            if line.strip():
                self.daemon_log_lines.append(line)
                self.note_unexpected("daemon log line", line=line)

    def kill_daemon(self):
        with self.lock:
            self.dead = True
            self.kills += 1
            self.kill_times.append(self.elapsed())
        self.proc.kill()
        self.proc.wait()
        self.collect_log()

    def stop_daemon(self):
        um = subprocess.run(["fusermount3", "-u", str(self.mnt)], capture_output=True, text=True)
        try:
            status = self.proc.wait(timeout=OP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.collect_log()
        if um.returncode != 0 or status != 0:
            self.note_unexpected("clean unmount", fusermount=um.stderr.strip(), status=status)

    # ---- the model against the store ----

    def stored_values(self):
        doc = json.loads(self.ctl("export").stdout)
        out = {}
        for ns in doc["namespaces"]:
            out[("nslabels", ns["name"])] = ns.get("labels") or {}
            for c in ns.get("containers") or []:
                out[("labels", ns["name"], c["ID"])] = c.get("Labels") or {}
                out[("image", ns["name"], c["ID"])] = c.get("Image")
        return out

    def stored(self, stored, key):
        if key.kind == "label":
            return stored[("labels", key.ns, key.cid)].get(key.name)
        if key.kind == "nslabel":
            return stored[("nslabels", key.ns)].get(key.name)
        return stored[("image", key.ns, key.cid)]

    def checkpoint(self, where):
        """With every writer paused: the store is consistent, holds every acknowledged
        value and no label nobody wrote; uncertain keys take the store's value."""
        self.checkpoints += 1
        chk = self.ctl("check", check=False)
        if chk.returncode != 0:
            self.note_unexpected("ctrfsctl check", where=where, status=chk.returncode,
                                 out=(chk.stdout + chk.stderr)[:2000])
        stored = self.stored_values()
        for key in self.keys:
            value = self.stored(stored, key)
            if key.certain and value != key.value:
                self.note_lost(key, key.value, value, where)
            if not key.certain or value != key.value:
                key.history.append((self.elapsed(), "resync", value, where))
                key.value, key.certain = value, True
                self.resynced += 1
        owned = {(k.kind, k.ns, k.cid, k.name) for k in self.keys}
        for (kind, *where_), labels in stored.items():
            if kind == "image":
                continue
            ns, cid = (where_[0], where_[1]) if kind == "labels" else (where_[0], None)
            for name, value in labels.items():
                if kind == "labels" and STATIC_LABELS.get(name) == value:
                    continue
                if kind == "nslabels" and name == "owner" and value == "stress":
                    continue
                k2 = "label" if kind == "labels" else "nslabel"
                if (k2, ns, cid, name) in owned:
                    continue
                if where != "final" and TOOL_TEMP.fullmatch(name):
                    self.leftover(ns, cid, name, value, where)
                else:
                    self.note_unexpected("stray label in the store", where=where,
                                         ns=ns, cid=cid, name=name, value=value)
        for ns, ids in NAMESPACES.items():
            for cid in ids:
                labels = stored[("labels", ns, cid)]
                for name, value in STATIC_LABELS.items():
                    if labels.get(name) != value:
                        self.note_lost(Key("label", ns, cid, name, value), value,
                                       labels.get(name), where)

    def leftover(self, ns, cid, name, value, where):
        """A file made by sed -i (or cp's like) in labels/ is a label as soon as it holds
        a value (ctrfs(8)): a kill between its write and the rename over the target
        leaves it in the store, as it leaves a temporary file on a disk. Counted and
        removed, so that the next checkpoint does not see it again."""
        with self.lock:
            self.leftovers.append({"where": where, "ns": ns, "cid": cid, "name": name,
                                   "value": value})
        if cid:
            self.ctl("c", "label", cid, f"{name}=", ns=ns)
        else:
            self.ctl("ns", "label", ns, f"{name}=")

    def lose_a_write(self):
        """--inject-lost-write: the checker's own test. Changes one label behind the
        model's back, as a daemon that dropped an acknowledged write would leave it."""
        key = next(k for k in self.keys if k.kind == "label")
        self.ctl("c", "label", key.cid, f"{key.name}=injected", ns=key.ns)

    def read_back(self):
        """After a clean remount: the mount shows exactly the model, and no scratch file
        survived in a labels directory."""
        for key in self.keys:
            path = self.path(key)
            try:
                content = path.read_text()
            except FileNotFoundError:
                content = None
            want = None if key.value is None else key.value + "\n"
            if content != want:
                self.note_unexpected("read back through the mount", key=str(key),
                                     model=key.value, read=content)
        for ns, ids in NAMESPACES.items():
            allowed = {k.name for k in self.keys if k.kind == "nslabel" and k.ns == ns}
            allowed.add("owner")
            for name in os.listdir(self.mnt / ns / ".labels"):
                if name not in allowed:
                    self.note_unexpected("stray file after remount", path=f"{ns}/.labels/{name}")
            for cid in ids:
                allowed = {k.name for k in self.keys if k.kind == "label" and k.cid == cid}
                allowed |= set(STATIC_LABELS)
                for name in os.listdir(self.mnt / ns / cid / "labels"):
                    if name not in allowed:
                        self.note_unexpected("stray file after remount",
                                             path=f"{ns}/{cid}/labels/{name}")

    # ---- the workers ----

    def make_keys(self):
        self.keys = []
        self.owned = []
        containers = [(ns, cid) for ns, ids in NAMESPACES.items() for cid in ids]
        for w in range(self.args.workers):
            mine = []
            for ns, cid in containers:
                for i in range(LABELS_PER_CONTAINER):
                    mine.append(Key("label", ns, cid, f"w{w}k{i}", None))
            for ns in NAMESPACES:
                for i in range(NS_LABELS):
                    mine.append(Key("nslabel", ns, None, f"w{w}n{i}", None))
            if w < len(containers):
                ns, cid = containers[w]
                mine.append(Key("image", ns, cid, None, f"registry.local/{cid}:0"))
            self.owned.append(mine)
            self.keys += mine

    def path(self, key):
        if key.kind == "label":
            return self.mnt / key.ns / key.cid / "labels" / key.name
        if key.kind == "nslabel":
            return self.mnt / key.ns / ".labels" / key.name
        return self.mnt / key.ns / key.cid / "image"

    def run_op(self, argv, input=None):
        """Runs one tool; returns (status, stderr, affected) where affected says that a
        kill overlapped it (the daemon was dead when it began or died while it ran)."""
        start = self.elapsed()
        with self.lock:
            kills, dead = self.kills, self.dead
        try:
            p = subprocess.run(argv, input=input, capture_output=True, text=True,
                               stdin=None if input else subprocess.DEVNULL,
                               env=self.env, timeout=OP_TIMEOUT)
            status, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            status, err = "timeout", f"no answer within {OP_TIMEOUT}s"
        with self.lock:
            affected = dead or self.kills != kills
        return status, err, affected, start

    def writer(self, w):
        rng = random.Random(f"{self.args.seed}-w{w}")
        tmp = self.base / f"w{w}"
        tmp.mkdir(exist_ok=True)
        mine = self.owned[w]
        while not self.stop.is_set():
            self.gate.enter()
            try:
                self.write_once(rng, w, mine, tmp)
            finally:
                self.gate.leave()

    def choose(self, rng, key, mine):
        certain_value = key.certain and key.value is not None
        if key.kind == "image":
            return rng.choice(["echo", "printf", "python", "ctl", "tee"])
        kinds = ["echo"] * 4 + ["printf", "truncate", "cp", "tee", "python"] * 2 + ["ctl"] * 2
        if certain_value:
            kinds += ["sed"] * 2 + ["mv", "rm"] * 2 + ["vim"]
        else:
            kinds += ["rm-f"]
        kind = rng.choice(kinds)
        if kind == "mv" and not [k for k in mine if k is not key and
                                 k.dir_key() == key.dir_key()]:
            kind = "echo"
        return kind

    def write_once(self, rng, w, mine, tmp):
        key = rng.choice(mine)
        kind = self.choose(rng, key, mine)
        p = shlex.quote(str(self.path(key)))
        if key.kind == "image":
            new = f"registry.local/w{w}/{value_text(rng)}:{rng.randint(1, 99)}"
        else:
            new = value_text(rng)
        q = shlex.quote(new)
        touched = [key]
        result = {key: new}
        argv, stdin = None, None
        if kind == "echo":
            argv = ["bash", "-c", f"echo {q} > {p}"]
        elif kind == "printf":
            argv = ["bash", "-c", f"printf %s {q} > {p}"]
        elif kind == "truncate":
            argv = ["bash", "-c", f": > {p}"]
            # an empty label is none, of a container or a namespace (containerd's rule)
            result = {key: None}
        elif kind == "cp":
            src = tmp / "src"
            src.write_text(new + ("\n" if rng.random() < 0.7 else ""))
            argv = ["cp", str(src), str(self.path(key))]
        elif kind == "tee":
            argv = ["bash", "-c", f"printf '%s\\n' {q} | tee {p} > /dev/null"]
        elif kind == "python":
            argv = ["python3", "-c", "import sys\nf = open(sys.argv[1], 'w')\n"
                    "f.write(sys.argv[2])\nf.close()", str(self.path(key)), new + "\n"]
        elif kind == "sed":
            argv = ["sed", "-i", "s/a/b/", str(self.path(key))]
            result = {key: key.value.replace("a", "b", 1)}
        elif kind == "vim":
            argv = ["vim", "-Es", "-i", "NONE", "-c", "%s/x/y/e", "-c", "wq",
                    str(self.path(key))]
            result = {key: key.value.replace("x", "y", 1)}
            # The file's mtime is the container's (namespace's) UpdatedAt, which other
            # writers move: vim then asks "changed since reading it, write anyway?" and,
            # given no answer, writes nothing and still exits 0.
            stdin = "y\n"
        elif kind == "rm":
            argv = ["rm", str(self.path(key))]
            result = {key: None}
        elif kind == "rm-f":
            argv = ["rm", "-f", str(self.path(key))]
            result = {key: None}
        elif kind == "mv":
            dst = rng.choice([k for k in mine if k is not key and k.dir_key() == key.dir_key()])
            argv = ["mv", str(self.path(key)), str(self.path(dst))]
            touched = [key, dst]
            result = {key: None, dst: key.value}
        elif kind == "ctl":
            base = [str(self.ctl_exe), "--store", str(self.store), "-n", key.ns]
            if key.kind == "image":
                argv = base + ["c", "update", key.cid, "--image", new]
            else:
                if rng.random() < 0.2:
                    new = None
                    result = {key: None}
                assign = f"{key.name}={new or ''}"
                argv = base + (["c", "label", key.cid, assign] if key.kind == "label"
                               else ["ns", "label", key.ns, assign])
        status, err, affected, start = self.run_op(argv, stdin)
        self.account(kind, key, touched, result, status, err, affected, argv, start)

    def account(self, kind, key, touched, result, status, err, affected, argv, start):
        with self.lock:
            self.ops[f"{key.kind}:{kind}"] += 1
        t = (start, self.elapsed())
        if status == 0 and not (kind == "truncate" and affected):
            with self.lock:
                self.acknowledged += 1
            for k in touched:
                k.value, k.certain = result[k], True
                k.history.append((t, kind, result[k], "ack", "during a kill" if affected else ""))
            if self.args.check_acks and kind != "truncate":
                self.check_ack(kind, touched, t)
            return
        for k in touched:
            k.certain = False
            k.history.append((t, kind, result[k], f"status {status} affected {affected}: "
                              f"{err.strip()[:200]}"))
        with self.lock:
            self.uncertain_marked += len(touched)
        if status == 0:
            return  # `: > f` overlapped by a kill: its RELEASE may never have arrived
        explained = (affected and kind != "ctl" and status != "timeout"
                     and not any(w in err for w in WRONG))
        if not explained:
            self.note_unexpected("writer failed", key=str(key), op=kind, status=status,
                                 affected=affected, stderr=err.strip()[:500],
                                 argv=" ".join(shlex.quote(a) for a in argv))

    def check_ack(self, kind, touched, t):
        """--check-acks (a diagnosis): the store holds the write at once, before the
        writer's next operation."""
        stored = self.stored_values()
        for k in touched:
            value = self.stored(stored, k)
            if value != k.value:
                self.note_unexpected("acknowledged write not in the store at once", key=str(k),
                                     op=kind, op_time=t, model=k.value, store=value,
                                     history=list(k.history))

    def reader(self, r):
        rng = random.Random(f"{self.args.seed}-r{r}")
        while not self.stop.is_set():
            self.gate.enter()
            try:
                self.read_once(rng)
            finally:
                self.gate.leave()

    def read_once(self, rng):
        ns = rng.choice(list(NAMESPACES))
        cid = rng.choice(NAMESPACES[ns])
        d = self.mnt / ns / cid
        label = rng.choice([k for k in self.keys if k.kind == "label"
                            and k.ns == ns and k.cid == cid] or [None])
        kind = rng.choice(["cat-json", "jq", "cat-label", "cat-label", "ls", "grep", "find",
                           "stat", "cat-image", "cat-nslabel"])
        check = None
        if kind == "cat-json":
            argv = ["cat", str(d / "container.json")]

            def check(out):
                doc = json.loads(out)
                if doc.get("ID") != cid or not isinstance(doc.get("Labels"), dict):
                    raise ValueError("not this container's info")
        elif kind == "jq":
            argv = ["jq", ".", str(d / "container.json")]
            check = json.loads
        elif kind == "cat-label":
            argv = ["cat", str(d / "labels" / label.name)]
            check = self.one_value_line
        elif kind == "cat-nslabel":
            k = rng.choice([k for k in self.keys if k.kind == "nslabel" and k.ns == ns])
            argv = ["cat", str(self.mnt / ns / ".labels" / k.name)]
            check = self.one_value_line
        elif kind == "cat-image":
            # empty while a writer's `echo > image` has truncated it, as on any disk
            argv = ["cat", str(d / "image")]
            check = self.one_value_line
        elif kind == "ls":
            argv = ["ls", "-la", str(d / "labels"), str(self.mnt / ns / ".labels")]
        elif kind == "grep":
            argv = ["grep", "-r", ".", str(d)]
        elif kind == "find":
            argv = ["find", str(self.mnt / ns), "-maxdepth", "3"]
        else:
            argv = ["stat", "-c", "%n %s %Y", str(d / "container.json"), str(d / "image"),
                    str(d / "labels" / label.name)]
        with self.lock:
            kills, dead = self.kills, self.dead
        try:
            p = subprocess.run(argv, capture_output=True, stdin=subprocess.DEVNULL,
                               env=self.env, timeout=OP_TIMEOUT)
            status, out = p.returncode, p.stdout
            err = p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired:
            status, out, err = "timeout", b"", f"no answer within {OP_TIMEOUT}s"
        with self.lock:
            affected = dead or self.kills != kills
            self.ops[f"read:{kind}"] += 1
        bad = [line for line in err.splitlines() if line.strip() and not self.race(line)]
        if affected:
            bad = [line for line in bad if not any(x in line for x in DEAD_DAEMON)]
        fine_status = (0, 1) if kind == "grep" else (0,)
        if status not in fine_status and not bad and not (affected or self.only_races(err)):
            bad = [f"status {status}"]
        if status == "timeout":
            bad = [err]
        if bad:
            self.note_unexpected("reader failed", op=kind, status=status, affected=affected,
                                 stderr="\n".join(bad)[:500], argv=" ".join(argv))
            return
        if check and status == 0:
            try:
                check(out.decode())
            except (ValueError, UnicodeDecodeError) as e:
                self.note_unexpected("reader parse failure", op=kind, affected=affected,
                                     error=str(e)[:200], content=out[:300].decode(errors="replace"),
                                     argv=" ".join(argv))

    @staticmethod
    def race(line):
        """A label (or a tool's scratch file) removed between listing and reading it;
        grep's note on vim's swap file."""
        if line.endswith(": binary file matches"):
            return True
        return "No such file or directory" in line and ("/labels/" in line or
                                                        "/.labels/" in line)

    def only_races(self, err):
        lines = [line for line in err.splitlines() if line.strip()]
        return bool(lines) and all(self.race(line) for line in lines)

    @staticmethod
    def one_value_line(out):
        """A value file reads as nothing (no label) or one line ending in a newline."""
        if out == "":
            return None
        if not out.endswith("\n") or out.count("\n") != 1:
            raise ValueError(f"not one value line: {out!r}")
        return out[:-1]

    def killer(self):
        rng = random.Random(f"{self.args.seed}-k")
        every = self.args.kill_every
        while not self.stop.wait(rng.uniform(0.3, 1.7) * every):
            self.kill_daemon()
            self.gate.close()  # the tools in flight have failed or finished
            try:
                subprocess.run(["fusermount3", "-u", "-z", str(self.mnt)], capture_output=True)
                self.checkpoint(f"kill {self.kills}")
                self.start_daemon()
                with self.lock:
                    self.dead = False
            finally:
                self.gate.open()

    # ---- the run ----

    def run(self):
        self.make_store()
        self.make_keys()
        self.start_daemon()
        threads = [threading.Thread(target=self.writer, args=(w,), daemon=True)
                   for w in range(self.args.workers)]
        threads += [threading.Thread(target=self.reader, args=(r,), daemon=True)
                    for r in range(self.args.readers)]
        if self.args.kill_every > 0:
            threads.append(threading.Thread(target=self.killer, daemon=True))
        for t in threads:
            t.start()
        self.stop.wait(self.args.seconds)
        self.stop.set()
        for t in threads:
            t.join(OP_TIMEOUT * 3)
            if t.is_alive():
                self.note_unexpected("a worker did not end", thread=t.name)
        self.stop_daemon()
        if self.args.inject_lost_write:
            self.lose_a_write()
        self.checkpoint("final")
        self.start_daemon()
        self.read_back()
        self.stop_daemon()
        leftovers = sorted(p.name for p in self.store.iterdir() if p.name.endswith(".sock"))
        return self.summary(leftovers)

    def summary(self, leftovers):
        return {
            "seed": self.args.seed, "seconds": self.args.seconds,
            "workers": self.args.workers, "readers": self.args.readers,
            "kill_every": self.args.kill_every, "elapsed": self.elapsed(),
            "operations": sum(self.ops.values()), "ops": dict(sorted(self.ops.items())),
            "acknowledged": self.acknowledged, "uncertain_marked": self.uncertain_marked,
            "resynced": self.resynced, "kills": self.kills,
            "kill_times": self.kill_times, "checkpoints": self.checkpoints,
            "lost": len(self.lost), "lost_details": self.lost[:MAX_DETAILS],
            "lost_known_truncate_release": len(self.lost_known),
            "lost_known_details": self.lost_known[:MAX_DETAILS],
            "tool_leftovers": len(self.leftovers),
            "tool_leftover_details": self.leftovers[:MAX_DETAILS],
            "unexpected": len(self.unexpected),
            "unexpected_details": self.unexpected[:MAX_DETAILS],
            "sockets_left": leftovers, "dir": str(self.base),
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True, help="meson build dir (fs/ctrfs, tools/ctrfsctl)")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    ap.add_argument("--workers", type=int, default=3, help="writers")
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--kill-every", type=float, default=0,
                    help="mean seconds between kill -9 of the daemon (0: never)")
    ap.add_argument("--dir", help="work directory (default: a new one under $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--inject-lost-write", action="store_true",
                    help="change a label behind the model's back (tests the checker)")
    ap.add_argument("--check-acks", action="store_true",
                    help="read the store after every acknowledged write (a diagnosis)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args()
    run = Run(args)
    try:
        s = run.run()
    finally:
        if run.proc and run.proc.poll() is None:
            run.proc.kill()
            run.proc.wait()
        if is_mounted(run.mnt):
            subprocess.run(["fusermount3", "-u", "-z", str(run.mnt)], capture_output=True)
    failed = s["lost"] or s["unexpected"]
    if not failed and not args.keep and not args.dir:
        shutil.rmtree(run.base, ignore_errors=True)
    if args.json:
        print(json.dumps(s, indent=1))
    else:
        print(f"seed {s['seed']}: {s['operations']} operations, {s['acknowledged']} acknowledged"
              f" writes, {s['kills']} kills, {s['lost']} lost, {s['unexpected']} unexpected")
        for d in s["lost_details"] + s["unexpected_details"]:
            print("  ", json.dumps(d))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
