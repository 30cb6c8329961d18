"""ctrfsctl follows ctr's command-line conventions: a bare label KEY is KEY=true, an empty
namespace is refused, a runc container gets ctr's runtime options, ctr's aliases, `label`
prints the resulting labels, one not-found message, and Ctrl-C ends `events` as it ends
ctr. Where containerd can run, ctrfsctl is compared with the real ctr."""
import json
import signal
import subprocess
import textwrap

import pytest

from storetest import stop, wait_following

RUNC_OPTIONS = {"type_url": "containerd.runc.v1.Options"}


# ---- labels ----

def test_a_bare_label_key_means_true(ctl):
    ctl.ok("containers", "create", "--label", "k", "--label", "a=b", "web")
    assert ctl.labels("web") == {"a": "b", "k": "true"}
    ctl.ok("containers", "label", "web", "x")
    ctl.ok("containers", "update", "--label", "y", "web")
    assert ctl.labels("web") == {"a": "b", "k": "true", "x": "true", "y": "true"}
    ctl.ok("namespaces", "create", "team", "z")
    ctl.ok("namespaces", "label", "team", "w")
    assert ctl.ok("namespaces", "label", "team") == "w=true\nz=true\n"


def test_a_bare_label_key_means_what_it_means_to_ctr(ctl, real_ctr, tmp_path):
    real_ctr.ctr("containers", "rm", "bare")
    assert real_ctr.ctr("containers", "create", "--label", "k", "--rootfs", tmp_path,
                        "bare").status == 0
    try:
        want = json.loads(real_ctr.ctr("containers", "info", "bare").stdout)["Labels"]
    finally:
        real_ctr.ctr("containers", "rm", "bare")
    ctl.ok("containers", "create", "--label", "k", "web")
    assert ctl.labels("web") == want == {"k": "true"}


def test_label_prints_the_labels_the_container_now_has(ctl):
    ctl.ok("containers", "create", "--label", "a=1", "--label", "b=2", "web")
    assert ctl.ok("containers", "label", "web", "c=3", "a=") == "b=2\nc=3\n"
    assert ctl.ok("containers", "label", "web") == "b=2\nc=3\n"


def test_namespace_label_prints_the_labels_the_namespace_now_has(ctl):
    ctl.ok("namespaces", "create", "team", "a=1")
    assert ctl.ok("namespaces", "label", "team", "b=2") == "a=1\nb=2\n"


# ---- namespace ----

@pytest.mark.parametrize("args", [["containers", "ls"], ["containers", "create", "web"],
                                  ["containers", "info", "web"], ["export"],
                                  ["events", "--no-follow"]])
def test_an_empty_namespace_is_refused(ctl, args):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        assert ctl.error(*args, ns="") == "namespace is required: failed precondition"
        r = ctl(*args, env={"CONTAINERD_NAMESPACE": ""})
        assert (r.status, r.stderr) == (
            1, "ctrfsctl: namespace is required: failed precondition\n")


def test_an_empty_namespace_is_refused_as_ctr_refuses_it(ctl, real_ctr):
    r = real_ctr.ctr("containers", "ls", ns="")
    assert r.status == 1 and r.stderr.startswith("ctr: namespace is required"), r
    msg = ctl.error("containers", "ls", ns="")
    assert msg == r.stderr[len("ctr: "):].strip()


# ---- runtime options ----

def test_a_runc_container_gets_runc_options_with_an_empty_value(ctl):
    ctl.ok("containers", "create", "web")
    assert ctl.info("web")["Runtime"] == {"Name": "io.containerd.runc.v2",
                                          "Options": RUNC_OPTIONS}
    ctl.ok("containers", "create", "--runtime", "io.containerd.kata.v2", "kata")
    assert ctl.info("kata")["Runtime"]["Options"] is None


def test_a_runc_container_is_stored_as_ctr_stores_it(ctl, real_ctr, tmp_path):
    real_ctr.ctr("containers", "rm", "runc")
    assert real_ctr.ctr("containers", "create", "--rootfs", tmp_path, "runc").status == 0
    try:
        want = json.loads(real_ctr.ctr("containers", "info", "runc").stdout)["Runtime"]
    finally:
        real_ctr.ctr("containers", "rm", "runc")
    ctl.ok("containers", "create", "web")
    assert ctl.info("web")["Runtime"] == want


# ---- aliases ----

@pytest.mark.parametrize("alias", ["rm", "delete", "del", "remove"])
def test_container_removal_aliases(ctl, alias):
    ctl.ok("containers", "create", "web")
    ctl.ok("containers", alias, "web")
    assert ctl.ids() == []


@pytest.mark.parametrize("alias", ["rm", "delete", "del", "remove"])
def test_namespace_removal_aliases(ctl, alias):
    ctl.ok("namespaces", "create", "team")
    ctl.ok("namespaces", alias, "team")
    assert ctl.ok("namespaces", "ls", "-q") == ""


def test_event_is_events(ctl):
    ctl.ok("containers", "create", "web")
    assert ctl.ok("event", "--no-follow") == ctl.ok("events", "--no-follow")


def test_version_is_a_command(ctl):
    assert ctl.ok("version") == ctl.ok("--version")
    assert ctl.ok("version").startswith("ctrfsctl ")


# ---- not found ----

@pytest.mark.parametrize("args", [["containers", "info", "nope"],
                                  ["containers", "info", "--spec", "nope"],
                                  ["containers", "label", "nope"],
                                  ["containers", "label", "nope", "a=b"],
                                  ["containers", "update", "--image", "x", "nope"],
                                  ["containers", "rm", "nope"]])
def test_a_missing_container_is_said_one_way(ctl, args):
    ctl.ok("containers", "create", "web", ns="team")
    assert ctl.error(*args, ns="team") == 'container "nope" in namespace "team": not found'


def test_a_missing_container_is_said_as_ctr_says_it(ctl, real_ctr):
    r = real_ctr.ctr("containers", "rm", "nope")
    assert r.stderr.splitlines()[-1] == "ctr: " + ctl.error("containers", "rm", "nope")


# ---- events and Ctrl-C ----

def test_ctrl_c_ends_events_as_it_ends_ctr(ctl):
    proc = ctl.popen("events")
    wait_following(proc)
    status, out, err = stop(proc, signal.SIGINT)
    assert (status, out, err) == (-signal.SIGINT, "", "")


def test_ctrl_c_in_a_shell_gives_status_130(ctl):
    script = (f'"{ctl.exe}" --store "{ctl.store}" events & pid=$!; '
              f'while ! ls -l /proc/$pid/fd 2>/dev/null | grep -q inotify; do sleep 0.02; done; '
              f'kill -INT $pid; wait $pid; echo $?')
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert r.stdout == "130\n", r


def test_ctrl_c_ends_ctr_events_the_same_way(real_ctr, ctl):
    proc = subprocess.Popen(["ctr", "-a", str(real_ctr.sock), "events"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # ctr subscribes at once; a signal before that still ends it the same way
    status, _, _ = stop(proc, signal.SIGINT)
    assert status == -signal.SIGINT


# ---- containers ls --format json ----

def test_ls_format_json_is_an_array_of_info_objects(ctl):
    ctl.ok("containers", "create", "--label", "app=web", "web")
    ctl.ok("containers", "create", "--label", "app=db", "db")
    ctl.ok("containers", "create", "other", ns="team")
    out = ctl.ok("containers", "ls", "--format", "json")
    infos = [ctl.ok("containers", "info", cid) for cid in ("db", "web")]
    # MarshalIndent of an array: each object indented one level more
    assert out == "[\n" + ",\n".join(textwrap.indent(i.rstrip("\n"), "    ")
                                      for i in infos) + "\n]\n"
    assert json.loads(out) == [json.loads(i) for i in infos]


def test_ls_format_json_applies_filters_and_is_an_empty_array_when_none(ctl):
    ctl.ok("containers", "create", "--label", "app=web", "web")
    ctl.ok("containers", "create", "db")
    assert [c["ID"] for c in json.loads(ctl.ok("containers", "ls", "--format=json",
                                               "labels.app==web"))] == ["web"]
    assert ctl.ok("containers", "ls", "--format", "json", "id==nope") == "[]\n"
    assert ctl.ok("containers", "ls", "--format", "table", "-q") == "db\nweb\n"


def test_ls_format_refuses_what_it_does_not_know(ctl):
    r = ctl("containers", "ls", "--format", "yaml")
    assert (r.status, r.stderr) == (2, "ctrfsctl: unknown format 'yaml' (table or json) "
                                       "(see 'ctrfsctl containers ls --help')\n")
    assert ctl("containers", "ls", "-q", "--format", "json").status == 2
