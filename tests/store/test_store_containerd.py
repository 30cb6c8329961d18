"""`import --containerd`: containerd's own meta.db, and files that are not one."""
import shutil

import pytest



@pytest.fixture
def metadb(tmp_path, fixtures_dir):
    dst = tmp_path / "meta.db"
    shutil.copy(fixtures_dir / "meta.db", dst)
    return dst


def test_one_namespace_imports_alone(ctl, metadb):
    ctl.ok("-n", "team-b", "import", "--containerd", metadb)
    assert ctl.ok("namespaces", "ls", "-q") == "team-b\n"
    assert ctl.ok("-n", "team-b", "containers", "ls", "-q") == "b-worker-1\nb-worker-2\n"


def test_a_second_import_refuses_existing_containers_and_lists_them(ctl, metadb):
    ctl.ok("import", "--containerd", metadb)
    with ctl.unchanged():
        r = ctl("import", "--containerd", metadb)
    assert r.status == 1
    assert "exists: container default/a-web" in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("ctrfsctl: 14 containers already exist")


def test_skip_and_replace_resolve_existing_containers(ctl, metadb):
    ctl.ok("import", "--containerd", metadb)
    r = ctl("import", "--containerd", "--skip", metadb)
    assert r.status == 0 and "0 created, 0 replaced, 14 skipped" in r.stderr
    r = ctl("import", "--containerd", "--replace", metadb)
    assert r.status == 0 and "0 created, 14 replaced, 0 skipped" in r.stderr


def test_a_dry_run_prints_what_would_change_and_changes_nothing(ctl, metadb):
    ctl.ok("namespaces", "create", "existing")
    with ctl.unchanged():
        r = ctl("import", "--containerd", "--dry-run", metadb)
    assert r.status == 0
    assert "would create container k8s.io/0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e" in r.stdout
    assert "would create namespace team-b" in r.stdout


@pytest.mark.parametrize("damage", ["empty", "text", "truncated", "zeroed-metas", "random"])
def test_a_file_that_is_not_a_good_bolt_database_is_one_clear_error(ctl, metadb, damage):
    data = metadb.read_bytes()
    if damage == "empty":
        data = b""
    elif damage == "text":
        data = b"this is not a database\n" * 100
    elif damage == "truncated":
        data = data[:4096 * 3 + 100]
    elif damage == "zeroed-metas":
        data = bytes(8192) + data[8192:]
    elif damage == "random":
        import random
        rnd = random.Random(7)
        data = bytes(rnd.getrandbits(8) for _ in range(64 * 1024))
    metadb.write_bytes(data)
    ctl.ok("namespaces", "create", "existing")
    with ctl.unchanged():
        msg = ctl.error("import", "--containerd", metadb)
    assert str(metadb) in msg or "bbolt" in msg or "database" in msg, msg


def test_a_missing_file_is_reported_as_not_found(ctl, tmp_path):
    msg = ctl.error("import", "--containerd", tmp_path / "nope.db")
    assert msg == f"{tmp_path / 'nope.db'}: no such file", msg
