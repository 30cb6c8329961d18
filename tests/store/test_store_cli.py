"""ctrfsctl as a command: exit statuses (0 ok, 1 failed, 2 wrong command line), errors as
one stderr line "ctrfsctl: ...", help on stdout, the store and namespace it picks, and the
namespace and remove commands."""
import stat
import subprocess

import pytest

from storetest import Ctl


def test_success_is_status_0_with_nothing_on_stderr(ctl):
    r = ctl("containers", "create", "web")
    assert r == (0, "web\n", "")


@pytest.mark.parametrize("args,message", [
    (["containers", "create"], "expected [IMAGE] ID (see 'ctrfsctl containers create --help')"),
    (["containers", "create", "a", "b", "c"],
     "expected [IMAGE] ID (see 'ctrfsctl containers create --help')"),
    (["containers", "info"], "expected exactly one container ID "
                             "(see 'ctrfsctl containers info --help')"),
    (["containers", "label"], "missing container ID (see 'ctrfsctl containers label --help')"),
    (["containers", "rm"], "missing container ID (see 'ctrfsctl containers rm --help')"),
    (["containers", "create", "--extension", "e=noval", "x"],
     "'noval' is not TYPE_URL=VALUE or TYPE_URL=@FILE "
     "(see 'ctrfsctl containers create --help')"),
    (["containers", "bogus"], "unknown command 'containers bogus' "
                              "(see 'ctrfsctl containers --help')"),
    (["namespaces", "create"], "missing namespace name (see 'ctrfsctl namespaces create --help')"),
    (["namespaces", "ls", "extra"],
     "unexpected argument 'extra' (see 'ctrfsctl namespaces ls --help')"),
    (["export", "extra"], "unexpected argument 'extra' (see 'ctrfsctl export --help')"),
    (["import"], "expected exactly one input file (see 'ctrfsctl import --help')"),
    (["bogus"], "unknown command 'bogus' (see 'ctrfsctl --help')"),
])
def test_a_usage_error_is_status_2_and_one_line(ctl, args, message):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        r = ctl(*args)
    assert (r.status, r.stdout, r.stderr) == (2, "", f"ctrfsctl: {message}\n")


@pytest.mark.parametrize("args", [["containers", "create", "--bogus", "x"],
                                  ["containers", "ls", "--bogus"], ["export", "--bogus"],
                                  ["import", "--bogus", "f"], ["events", "--bogus"]])
def test_an_unknown_option_is_one_ctrfsctl_line(ctl, args):
    ctl.ok("containers", "create", "web")
    r = ctl(*args)
    assert r.status == 2
    assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("ctrfsctl: "), r.stderr


def test_no_command_is_a_usage_error(ctl):
    r = ctl()
    assert r.status == 2 and r.stdout == "" and r.stderr.startswith("Usage: ctrfsctl")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["containers", "--help"],
                                  ["containers", "create", "--help"], ["containers", "ls", "-h"],
                                  ["containers", "info", "--help"],
                                  ["containers", "label", "--help"],
                                  ["containers", "update", "--help"],
                                  ["containers", "rm", "--help"], ["namespaces", "--help"],
                                  ["namespaces", "ls", "--help"],
                                  ["namespaces", "create", "--help"],
                                  ["namespaces", "label", "--help"],
                                  ["namespaces", "rm", "--help"], ["export", "--help"],
                                  ["import", "--help"], ["events", "--help"]])
def test_help_goes_to_stdout_with_status_0(no_store, args):
    r = no_store(*args)
    assert r.status == 0 and r.stderr == "" and r.stdout.startswith("Usage: ctrfsctl")
    assert not no_store.store.exists(), "help must not create a store"


def test_version(ctl):
    r = ctl("--version")
    assert r.status == 0 and r.stdout.startswith("ctrfsctl ")


def test_aliases(ctl):
    ctl.ok("c", "create", "web")
    assert ctl.ok("c", "list", "-q") == "web\n"
    ctl.ok("ns", "create", "team")
    assert ctl.ok("namespace", "list", "-q") == "default\nteam\n"
    ctl.ok("container", "delete", "web")
    ctl.ok("ns", "remove", "team")


def test_read_only_commands_do_not_create_a_store(no_store):
    for args in (["containers", "ls"], ["namespaces", "ls"], ["export"],
                 ["events", "--no-follow"], ["containers", "info", "x"]):
        r = no_store(*args)
        assert r.status == 1, r
        assert r.stderr == (f"ctrfsctl: store {no_store.store} does not exist; "
                            f"create it with 'ctrfsctl init {no_store.store}'\n")
    assert not no_store.store.exists()


def test_a_new_store_is_private(ctl):
    ctl.ok("containers", "create", "web")
    assert stat.S_IMODE(ctl.store.stat().st_mode) == 0o700
    assert stat.S_IMODE((ctl.store / "data.mdb").stat().st_mode) == 0o600


def test_store_may_be_named_by_ctrfs_store(ctl, ctrfsctl):
    ctl.ok("containers", "create", "web")
    nowhere = Ctl(ctrfsctl, "/nonexistent/store", env={"CTRFS_STORE": str(ctl.store)})
    r = nowhere("containers", "ls", "-q")
    assert r.status == 1  # --store wins over $CTRFS_STORE
    p = subprocess.run([str(ctrfsctl), "containers", "ls", "-q"], capture_output=True,
                       text=True, env={**ctl.env, "CTRFS_STORE": str(ctl.store)})
    assert (p.returncode, p.stdout) == (0, "web\n")


def test_namespace_may_be_named_by_containerd_namespace(ctl):
    r = ctl("containers", "create", "web", env={"CONTAINERD_NAMESPACE": "team"})
    assert r.status == 0
    assert ctl.ids(ns="team") == ["web"]
    assert ctl.ids(ns="default") == []
    r = ctl("containers", "ls", "-q", ns="default", env={"CONTAINERD_NAMESPACE": "team"})
    assert r.stdout == ""  # -n wins


def test_a_store_path_that_is_a_file_is_refused(ctl, tmp_path, ctrfsctl):
    f = tmp_path / "file"
    f.write_text("")
    assert Ctl(ctrfsctl, f).error("containers", "create", "web") == (
        f"store {f}: not a directory")


# ---- remove ----

def test_rm_removes_every_named_container_and_reports_each_failure(ctl):
    for cid in ("a", "b", "c"):
        ctl.ok("containers", "create", cid)
    r = ctl("containers", "rm", "a", "nope", "c", "gone")
    assert r.status == 1
    assert r.stderr == ('ctrfsctl: container "nope" in namespace "default": not found\n'
                        'ctrfsctl: container "gone" in namespace "default": not found\n')
    assert ctl.ids() == ["b"]


def test_a_namespace_holding_containers_cannot_be_removed(ctl):
    ctl.ok("containers", "create", "web", ns="team")
    assert ctl.error("namespaces", "rm", "team") == (
        'namespace "team" must be empty: failed precondition')
    ctl.ok("containers", "rm", "web", ns="team")
    assert ctl.ok("namespaces", "rm", "team") == "team\n"
    assert ctl.ok("namespaces", "ls", "-q") == ""


def test_removing_a_missing_namespace_is_not_found(ctl):
    ctl.ok("namespaces", "create", "a")
    r = ctl("namespaces", "rm", "nope", "a")
    assert (r.status, r.stdout, r.stderr) == (1, "a\n", 'ctrfsctl: namespace "nope": not found\n')


def test_a_namespace_is_created_implicitly_by_its_first_container(ctl):
    ctl.ok("containers", "create", "web", ns="team")
    assert ctl.ok("namespaces", "ls", "-q") == "team\n"


def test_labelling_a_missing_namespace_creates_it(ctl):
    ctl.ok("namespaces", "create", "a")
    ctl.ok("namespaces", "label", "team", "k=v")
    assert ctl.ok("namespaces", "label", "team") == "k=v\n"


def test_namespace_create_drops_empty_label_values(ctl):
    # containerd's Create sets each label through SetLabel, where "" deletes
    ctl.ok("namespaces", "create", "team", "empty=", "k=v")
    assert ctl.ok("namespaces", "label", "team") == "k=v\n"


def test_labels_of_a_missing_namespace_is_not_found(ctl):
    ctl.ok("namespaces", "create", "a")
    assert ctl.error("namespaces", "label", "nope") == 'namespace "nope": not found'


def test_container_label_of_a_missing_container_is_not_found(ctl):
    ctl.ok("namespaces", "create", "a")
    assert ctl.error("containers", "label", "nope", "a=b") == (
        'container "nope" in namespace "default": not found')
    assert ctl.error("containers", "label", "nope") == (
        'container "nope" in namespace "default": not found')


def test_create_with_image_as_first_argument(ctl):
    assert ctl.ok("containers", "create", "docker.io/library/nginx:1", "web") == "web\n"
    assert ctl.info("web")["Image"] == "docker.io/library/nginx:1"


def test_create_reads_values_from_files(ctl, tmp_path):
    f = tmp_path / "opts"
    f.write_bytes(b"\x00\x01\x02")
    ctl.ok("containers", "create", "--runtime-options", f"t/O=@{f}", "web")
    assert ctl.info("web")["Runtime"]["Options"] == {"type_url": "t/O", "value": "AAEC"}
    assert ctl.error("containers", "create", "--runtime-options", "t/O=@/nonexistent", "x") == (
        "/nonexistent: No such file or directory")


def test_create_refuses_a_spec_that_is_not_a_json_object(ctl, tmp_path):
    f = tmp_path / "bad.json"
    f.write_text("[1, 2]")
    assert ctl.error("containers", "create", "--spec", f, "web") == (
        f"{f}: not an OCI spec JSON object")


def test_create_reads_the_spec_from_stdin(ctl):
    ctl.ok("containers", "create", "--spec", "-", "web", input='{"hostname": "h"}')
    assert ctl.info("web")["Spec"] == {"hostname": "h"}


def test_a_namespace_is_not_held_by_one_whose_name_extends_it(ctl):
    ctl.ok("namespaces", "create", "a")
    ctl.ok("containers", "create", "x", ns="a-b")
    ctl.ok("containers", "create", "y", ns="a.b")
    assert ctl.ok("namespaces", "rm", "a") == "a\n"
    assert ctl.ids(ns="a") == []
    assert ctl.ids(ns="a-b") == ["x"] and ctl.ids(ns="a.b") == ["y"]


def test_create_drops_labels_with_an_empty_value(ctl):
    ctl.ok("containers", "create", "--label", "gone=", "--label", "kept=1", "web")
    assert ctl.labels("web") == {"kept": "1"}
