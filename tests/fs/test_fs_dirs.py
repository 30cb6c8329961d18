"""mkdir and rmdir: namespaces and containers."""
import json

from fstest import RUNC


def test_mkdir_in_the_root_creates_a_namespace(mnt):
    mnt.ok("mkdir prod")
    assert mnt.ctl("ns", "ls", "-q").out.split() == [b"default", b"prod"]
    assert mnt.ok("ls -A prod") == ".labels\n"


def test_mkdir_in_a_namespace_creates_a_container(mnt):
    mnt.ok("mkdir default/web")
    doc = json.loads(mnt.ctl("c", "info", "web").out)
    assert doc["Runtime"]["Name"] == RUNC
    assert doc["Spec"]["linux"]["cgroupsPath"] == "/default/web"
    assert mnt.text("default/web/runtime/name") == RUNC + "\n"
    assert json.loads(mnt.text("default/web/spec.json")) == doc["Spec"]


def test_mkdir_p_makes_namespace_and_container(mnt):
    mnt.ok("mkdir -p prod/api")
    assert json.loads(mnt.ctl("c", "info", "api", ns="prod").out)["ID"] == "api"


def test_mkdir_of_an_invalid_name_fails_with_einval(mnt):
    mnt.expect(r'refused mkdir /foo\.\.foo: identifier "foo\.\.foo" must match .* \(EINVAL\)')
    mnt.expect(r'refused mkdir /default/-x: identifier "-x" must match .* \(EINVAL\)')
    mnt.expect(r'refused mkdir /default/c1/labels/d: .* \(EPERM\)')
    with mnt.unchanged():
        mnt.fails("mkdir foo..foo", "Invalid argument")
        mnt.fails("mkdir default/-x", "Invalid argument")
        mnt.fails("mkdir default/c1/labels/d", "Operation not permitted")


def test_mkdir_of_an_existing_name_fails_with_eexist(mnt):
    with mnt.unchanged():
        mnt.fails("mkdir default", "File exists")
        mnt.fails("mkdir default/c1", "File exists")


def test_rmdir_deletes_a_container(mnt):
    mnt.ok("rmdir default/c2")
    assert mnt.ctl("c", "ls", "-q").out.split() == [b"c1"]
    assert mnt.ok("ls default") == "c1\n"


def test_rmdir_of_a_namespace_with_containers_fails_with_enotempty(mnt):
    mnt.expect(r'refused rmdir /default: namespace "default" must be empty.* \(ENOTEMPTY\)')
    with mnt.unchanged():
        mnt.fails("rmdir default", "Directory not empty")


def test_rmdir_deletes_an_empty_namespace(mnt):
    mnt.ok("mkdir prod && rmdir prod")
    assert mnt.ctl("ns", "ls", "-q").out.split() == [b"default"]


def test_rmdir_of_a_containers_own_directories_fails_with_eperm(mnt):
    mnt.expect(r"refused rmdir /default/c1/labels: .* \(EPERM\)")
    with mnt.unchanged():
        mnt.fails("rmdir default/c1/labels", "Operation not permitted")


def test_runtime_option_names_the_runtime_of_new_containers(store_only):
    m = store_only.start("-o", "runtime=io.containerd.kata.v2")
    m.ok("mkdir default/vm")
    assert m.text("default/vm/runtime/name") == "io.containerd.kata.v2\n"


def test_files_cannot_be_made_beside_namespaces_or_containers(mnt):
    mnt.expect(r"refused create /x: only directories are made here \(EPERM\)")
    mnt.expect(r"refused create /default/x: only directories are made here \(EPERM\)")
    with mnt.unchanged():
        mnt.fails("echo > x", "Operation not permitted")
        mnt.fails("echo > default/x", "Operation not permitted")
