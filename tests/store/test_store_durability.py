"""Several processes on one store, writers killed with SIGKILL, and a store that has to grow
its LMDB map (CTRFS_MAP_SIZE sets the initial map size in bytes; the default is 256 MiB)."""
import json
import os
import random
import signal
import subprocess
import time

import pytest

from storetest import big_import, read_lines, stop, wait_following


def shell(ctl, script, env=None):
    """Starts `bash -c script` in its own process group with $CTL and $STORE set."""
    return subprocess.Popen(["bash", "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**ctl.env, "CTL": ctl.exe, "STORE": str(ctl.store),
                                 **(env or {})})


def label_loop(prefix, count):
    return (f'for i in $(seq 1 {count}); do '
            f'"$CTL" --store "$STORE" containers label web {prefix}$i=v || exit 1; done')


def finish(procs, timeout=120):
    results = []
    for p in procs:
        out, err = p.communicate(timeout=timeout)
        results.append((p.returncode, out, err))
    return results


# ---- concurrency ----

def test_four_writers_labelling_one_container_lose_no_update(ctl):
    ctl.ok("containers", "create", "web")
    procs = [shell(ctl, label_loop(f"p{n}-", 200)) for n in range(4)]
    for status, out, err in finish(procs):
        assert (status, err) == (0, "")
    labels = ctl.labels("web")
    assert len(labels) == 800
    assert all(f"p{n}-{i}" in labels for n in range(4) for i in range(1, 201))
    assert len(ctl.events('topic=="/containers/update"')) == 800


def test_two_writers_creating_containers_in_one_namespace(ctl):
    ctl.ok("namespaces", "create", "default")
    loop = ('for i in $(seq 1 100); do "$CTL" --store "$STORE" containers create {p}$i '
            '>/dev/null || exit 1; done')
    procs = [shell(ctl, loop.format(p=p)) for p in ("a", "b")]
    for status, out, err in finish(procs):
        assert (status, err) == (0, "")
    assert len(ctl.ids()) == 200


def test_readers_never_fail_while_a_writer_writes(ctl):
    ctl.ok("containers", "create", "web")
    writer = shell(ctl, label_loop("k", 300))
    reader = shell(ctl, 'while :; do "$CTL" --store "$STORE" containers label web >/dev/null '
                        '|| exit 1; "$CTL" --store "$STORE" export >/dev/null || exit 1; done')
    try:
        (status, _, err), = finish([writer])
        assert (status, err) == (0, "")
        assert reader.poll() is None, reader.communicate()
    finally:
        os.killpg(reader.pid, signal.SIGKILL)
        reader.communicate()
    assert len(ctl.labels("web")) == 300


# ---- crash safety ----

def test_every_acknowledged_write_survives_sigkill_of_the_writer(ctl):
    ctl.ok("containers", "create", "web")
    acked = []
    for rnd in range(3):
        proc = shell(ctl, f'i=0; while :; do "$CTL" --store "$STORE" containers label web '
                          f'r{rnd}-$i=v >/dev/null || exit 1; echo r{rnd}-$i; i=$((i+1)); done')
        time.sleep(random.uniform(0.2, 0.6))
        os.killpg(proc.pid, signal.SIGKILL)  # the shell and the ctrfsctl it runs
        out, err = proc.communicate(timeout=10)
        assert err == ""
        lines = out.split("\n")[:-1]  # a line without its newline was not acknowledged
        assert lines, "the writer acknowledged nothing"
        acked += lines
        # the store is readable and writable again at once
        labels = ctl.labels("web")
        missing = [k for k in acked if k not in labels]
        assert not missing, f"acknowledged but lost: {missing[:10]}"
        ctl.ok("containers", "label", "web", f"after{rnd}=1")
    json.loads(ctl.export())


def test_a_store_stays_readable_after_an_import_is_killed(ctl, write_json):
    ctl.ok("namespaces", "create", "seed")
    path = write_json(big_import(6000))
    proc = ctl.popen("import", path, start_new_session=True)
    time.sleep(0.15)
    proc.kill()
    proc.communicate()
    json.loads(ctl.export())
    ctl.ok("import", "--skip", path)
    assert len(ctl.ids(ns="big")) == 6000


# ---- map growth ----

def big_spec(tmp_path, kib=120):
    path = tmp_path / f"spec{kib}.json"
    arg = "x" * 1000
    path.write_text(json.dumps({"ociVersion": "1.0.2-dev", "process": {"args": [arg] * kib}}))
    return path


def test_a_tiny_map_grows_to_hold_many_large_containers(ctl, tmp_path):
    spec = big_spec(tmp_path)
    small = {"CTRFS_MAP_SIZE": "65536"}
    ctl.ok("namespaces", "create", "default", env=small)
    for i in range(40):
        ctl.ok("containers", "create", "--spec", spec, f"c{i}", env=small)
    assert len(ctl.ids()) == 40
    assert (ctl.store / "data.mdb").stat().st_size > 40 * 120 * 1000
    assert ctl.info("c39")["Spec"] == json.loads(spec.read_text())


def test_a_reader_opened_before_the_map_grew_keeps_following(ctl, tmp_path):
    spec = big_spec(tmp_path)
    small = {"CTRFS_MAP_SIZE": "65536"}
    ctl.ok("namespaces", "create", "default", env=small)
    proc = ctl.popen("events", "--since", ctl.last_seq(), env=small)
    try:
        wait_following(proc)
        for i in range(20):
            ctl.ok("containers", "create", "--spec", spec, f"c{i}", env=small)
        evs = read_lines(proc, 20)
        assert [e["event"]["id"] for e in evs] == [f"c{i}" for i in range(20)]
    finally:
        status, out, err = stop(proc)
    assert (status, err) == (-signal.SIGINT, "")


def test_concurrent_writers_on_a_growing_map_never_fail(ctl, tmp_path):
    spec = big_spec(tmp_path)
    small = {"CTRFS_MAP_SIZE": "65536"}
    ctl.ok("namespaces", "create", "default", env=small)
    loop = ('for i in $(seq 1 25); do "$CTL" --store "$STORE" containers create --spec '
            f'{spec} {{p}}$i >/dev/null || echo "FAIL {{p}}$i" >&2; done')
    procs = [shell(ctl, loop.format(p=f"p{n}-"), env=small) for n in range(4)]
    errors = [err for _, _, err in finish(procs) if err]
    assert not errors, "".join(errors)[:2000]
    assert len(ctl.ids()) == 100
