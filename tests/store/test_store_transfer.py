"""export and import: round trips, conflicts (--skip, --replace, --dry-run), single ctr info
objects, malformed documents, and atomicity."""
import json
import resource
import signal
import subprocess

import pytest

from storetest import big_import, info_doc


@pytest.fixture
def rich(ctl, fixtures_dir):
    """The real containerd data plus namespace labels and a few containers of our own."""
    ctl.ok("import", "--containerd", fixtures_dir / "meta.db")
    ctl.ok("namespaces", "create", "empty", "note=")  # an empty namespace label is kept
    ctl.ok("containers", "create", "--sandbox", "sb", "--label", "x=1", "mine", ns="extra")
    return ctl


def test_export_import_export_is_identical(rich, new_ctl):
    doc = rich.export()
    other = new_ctl("other")
    r = other("import", "-", input=doc)
    assert r.status == 0, r
    assert r.stderr == "15 created, 0 replaced, 0 skipped, 5 new namespaces; images: 3 imported, 0 skipped\n"
    assert other.export() == doc


def test_export_keeps_times_and_every_field(rich, new_ctl, fixtures_dir):
    other = new_ctl("other")
    other.ok("import", "-", input=rich.export())
    for path in sorted(fixtures_dir.glob("*/*.info.json")):
        ns, cid = path.parent.name, path.name[:-len(".info.json")]
        assert other.ok("containers", "info", cid, ns=ns).encode() == path.read_bytes()
    assert other.info("mine", ns="extra") == rich.info("mine", ns="extra")


def test_export_document_shape(ctl):
    ctl.ok("namespaces", "create", "a", "k=v")
    ctl.ok("containers", "create", "c1", ns="b")
    doc = json.loads(ctl.export())
    assert doc["version"] == 1
    assert [n["name"] for n in doc["namespaces"]] == ["a", "b"]
    assert doc["namespaces"][0] == {"name": "a", "labels": {"k": "v"}, "containers": []}
    assert [c["ID"] for c in doc["namespaces"][1]["containers"]] == ["c1"]


def test_export_of_an_empty_store(ctl):
    ctl.ok("namespaces", "create", "a")
    ctl.ok("namespaces", "rm", "a")
    assert json.loads(ctl.export()) == {"version": 1, "namespaces": []}


def test_export_of_one_namespace_with_n(rich):
    doc = json.loads(rich.export(ns="team-b"))
    assert [n["name"] for n in doc["namespaces"]] == ["team-b"]
    assert rich.error("export", ns="nope") == 'namespace "nope": not found'


def test_export_to_a_file(rich, tmp_path):
    out = tmp_path / "out.json"
    assert rich.ok("export", "-o", out) == ""
    assert out.read_text() == rich.export()


def test_import_refuses_existing_containers_listing_them_and_changes_nothing(rich):
    doc = rich.export()
    with rich.unchanged():
        r = rich("import", "-", input=doc)
    assert r.status == 1
    last = r.stderr.splitlines()[-1]
    assert last.startswith("ctrfsctl: 15 containers already exist (default/a-db, "
                           "default/a-ext-custom, ")
    assert last.endswith("); use replace or skip: already exists")


def test_import_conflict_of_one_container_is_singular(ctl, write_json):
    ctl.ok("containers", "create", "web")
    r = ctl("import", write_json(info_doc("web")))
    assert r.stderr.splitlines()[-1] == (
        "ctrfsctl: 1 container already exists (default/web); use replace or skip: "
        "already exists")


def test_import_skip_leaves_existing_containers_and_adds_the_others(ctl, write_json):
    ctl.ok("containers", "create", "--image", "mine", "web")
    doc = {"version": 1, "namespaces": [{"name": "default", "labels": {}, "containers": [
        info_doc("web", Image="theirs"), info_doc("new", Image="theirs")]}]}
    r = ctl("import", "--skip", write_json(doc))
    assert r.status == 0 and r.stderr == "1 created, 0 replaced, 1 skipped, 0 new namespaces\n"
    assert ctl.info("web")["Image"] == "mine"
    assert ctl.info("new")["Image"] == "theirs"


def test_import_replace_overwrites_existing_containers_whole(ctl, write_json):
    ctl.ok("containers", "create", "--image", "mine", "--label", "old=1", "web")
    r = ctl("import", "--replace", "-v", write_json(info_doc("web", Image="theirs")))
    assert r.status == 0
    assert r.stdout == "replace container default/web\n"
    info = ctl.info("web")
    assert (info["Image"], info["Labels"], info["CreatedAt"]) == (
        "theirs", None, "2024-01-02T03:04:05.000000006Z")


def test_import_dry_run_changes_nothing_and_says_what_it_would_do(rich, new_ctl):
    doc = rich.export()
    with rich.unchanged():
        r = rich("import", "--dry-run", "--replace", "-", input=doc)
    assert r.status == 0
    assert "would replace container default/a-web\n" in r.stdout
    assert r.stderr == ("dry run: would have 0 created, 15 replaced, 0 skipped, 0 new namespaces; "
                        "images: 3 imported, 0 skipped\n")
    other = new_ctl("other")
    other.ok("namespaces", "create", "keep")
    with other.unchanged():
        r = other("import", "--dry-run", "-", input=doc)
    assert r.stderr == ("dry run: would have 15 created, 0 replaced, 0 skipped, 5 new namespaces; "
                        "images: 3 imported, 0 skipped\n")
    assert "would create namespace k8s.io\n" in r.stdout


def test_import_dry_run_conflict_report_reads_well(rich):
    r = rich("import", "--dry-run", "-", input=rich.export())
    assert r.status == 1
    assert "would exists" not in r.stderr


def test_import_replace_and_skip_exclude_each_other(ctl, write_json):
    r = ctl("import", "--replace", "--skip", write_json(info_doc("web")))
    assert r.status == 2
    assert r.stderr == ("ctrfsctl: --replace and --skip exclude each other "
                        "(see 'ctrfsctl import --help')\n")


def test_import_of_a_single_ctr_info_object_goes_to_the_namespace_of_n(ctl, write_json):
    path = write_json(info_doc("web", Image="img"))
    assert ctl("import", path, ns="team").stderr == (
        "1 created, 0 replaced, 0 skipped, 1 new namespaces\n")
    assert ctl.info("web", ns="team")["Image"] == "img"
    ctl.ok("import", path)
    assert ctl.ids(ns="default") == ["web"]


def test_import_reads_stdin(ctl):
    ctl.ok("import", "-", input=json.dumps(info_doc("web")))
    assert ctl.ids() == ["web"]


def test_import_keeps_the_given_times(ctl, write_json):
    ctl.ok("import", write_json(info_doc("web", CreatedAt="2019-05-06T07:08:09.5Z",
                                          UpdatedAt="2020-05-06T07:08:09Z")))
    info = ctl.info("web")
    assert (info["CreatedAt"], info["UpdatedAt"]) == ("2019-05-06T07:08:09.5Z",
                                                      "2020-05-06T07:08:09Z")


def test_import_merges_namespace_labels(ctl, write_json):
    ctl.ok("namespaces", "create", "team", "a=1", "b=2")
    ctl.ok("import", write_json({"version": 1, "namespaces": [
        {"name": "team", "labels": {"b": "3", "c": "4"}, "containers": []}]}))
    assert ctl.ok("namespaces", "label", "team") == "a=1\nb=3\nc=4\n"


@pytest.mark.parametrize("doc,message", [
    ('{"namespaces": [', "import: unexpected end of JSON input at byte 16: invalid argument"),
    ("[]", "import: not a ctrfs export document nor a `ctr containers info` object: "
           "invalid argument"),
    ("", None),
    ('{"namespaces": {}}', 'import: "namespaces" must be an array of namespace objects: '
                           "invalid argument"),
    ('{"namespaces": [{"labels": {}}]}', 'import: a namespace has no "name": invalid argument'),
    ('{"namespaces": [{"name": "x..y", "containers": []}]}', None),
    ('{"namespaces": [{"name": "ns", "containers": {}}]}',
     'import: namespace ns: "containers" must be an array of container objects: '
     "invalid argument"),
    ('{"namespaces": [{"name": "ns", "containers": [{"ID": "a"}]}]}',
     "namespace ns: container a: container.Runtime.Name must be set: invalid argument"),
    ('{"namespaces": [{"name": "ns", "containers": [{"ID": "a", "Bogus": 1}]}]}',
     'import: namespace ns: container #1: unknown field "Bogus": invalid argument'),
    ('{"namespaces": [{"name": "ns", "labels": {"k": 1}, "containers": []}]}',
     "import: namespace ns: label k: expected a string: invalid argument"),
    ('{"ID": "web", "Labels": {"a": 1}}', "Labels: expected an object of strings: invalid argument"),
    ('{"ID": "web", "CreatedAt": "yesterday"}',
     "CreatedAt: expected an RFC 3339 time: invalid argument"),
    ('{"ID": "web", "Runtime": {"Name": "r", "Options": {"value": "!!"}}, "Spec": {}}',
     "Runtime.Options: expected value in base64: invalid argument"),
    ('{"ID": "web", "Runtime": {"Name": "r"}, "Spec": "text"}',
     "Spec: expected the OCI runtime spec object: invalid argument"),
], ids=lambda v: v[:40] if isinstance(v, str) else "")
def test_a_malformed_document_is_one_clear_error_and_changes_nothing(ctl, write_json, doc,
                                                                     message):
    ctl.ok("containers", "create", "keep", ns="ns")
    with ctl.unchanged():
        msg = ctl.error("import", write_json(doc))
    if message:
        assert msg == message


def test_import_of_two_containers_with_one_id_is_refused(ctl, write_json):
    ctl.ok("namespaces", "create", "ns")
    doc = {"namespaces": [{"name": "ns", "containers": [info_doc("a"), info_doc("a")]}]}
    with ctl.unchanged():
        assert ctl.error("import", write_json(doc)) == (
            "namespace ns: container a appears twice in the import: invalid argument")


def test_import_of_one_id_under_a_namespace_named_twice_is_refused(ctl, write_json):
    ctl.ok("namespaces", "create", "ns")
    doc = {"namespaces": [{"name": "ns", "containers": [info_doc("a", Image="one")]},
                          {"name": "ns", "containers": [info_doc("a", Image="two")]}]}
    with ctl.unchanged():
        assert ctl.error("import", write_json(doc)) == (
            "namespace ns: container a appears twice in the import: invalid argument")


def test_import_of_a_missing_file(ctl):
    assert ctl.error("import", "/nonexistent.json") == "/nonexistent.json: No such file or directory"


def test_import_emits_create_events(ctl, write_json):
    ctl.ok("import", write_json(info_doc("web", Image="img")), ns="team")
    topics = [(e["topic"], e["namespace"]) for e in ctl.events()]
    assert topics == [("/namespaces/create", "team"), ("/containers/create", "team")]


def test_an_import_that_fails_while_writing_leaves_nothing(ctl, new_ctl, write_json):
    """The write fails at a file size limit that 2000 of the 8000 containers fit under."""
    scratch = new_ctl("scratch")
    scratch.ok("import", write_json(big_import(2000)))
    per_2000 = (scratch.store / "data.mdb").stat().st_size
    ctl.ok("namespaces", "create", "seed")
    path = write_json(big_import(8000))
    cap = (ctl.store / "data.mdb").stat().st_size + per_2000 * 3 // 2

    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))
    p = subprocess.run(ctl.argv(["import", path]), capture_output=True, text=True,
                       env=ctl.env, preexec_fn=limit, timeout=120)
    assert p.returncode != 0, "the limit was too high for this test"
    count = len(ctl.ids(ns="big"))
    assert count in (0, 8000), f"{count} of 8000 containers imported"


# ---- containerd's own meta.db ----

def test_import_containerd_with_n_takes_one_namespace(ctl, fixtures_dir):
    r = ctl("import", "--containerd", fixtures_dir / "meta.db", ns="team-b")
    assert (r.status, r.stderr) == (
        0, "2 created, 0 replaced, 0 skipped, 1 new namespaces; images: 1 imported, 0 skipped\n")
    assert ctl.ok("namespaces", "ls", "-q") == "team-b\n"
    assert ctl.ok("namespaces", "label", "team-b") == (
        "containerd.io/defaults/snapshotter=native\nowner=team-b\n")


def test_import_containerd_twice_conflicts_and_skip_resolves(ctl, fixtures_dir):
    meta = fixtures_dir / "meta.db"
    ctl.ok("import", "--containerd", meta)
    with ctl.unchanged():
        assert ctl("import", "--containerd", meta).status == 1
    r = ctl("import", "--containerd", "--skip", meta)
    assert r.stderr == "0 created, 0 replaced, 14 skipped, 0 new namespaces; images: 0 imported, 3 skipped\n"


def test_import_containerd_leaves_meta_db_untouched(ctl, fixtures_dir):
    import hashlib
    meta = fixtures_dir / "meta.db"
    expected = (fixtures_dir / "meta.db.sha256").read_text().split()[0]
    ctl.ok("import", "--containerd", meta)
    assert hashlib.sha256(meta.read_bytes()).hexdigest() == expected


@pytest.mark.parametrize("name", ["dump.json", "missing.db"])
def test_import_containerd_of_something_else_is_one_error(ctl, fixtures_dir, name):
    ctl.ok("namespaces", "create", "keep")
    with ctl.unchanged():
        msg = ctl.error("import", "--containerd", fixtures_dir / name)
    assert msg.startswith(str(fixtures_dir / name) + ": ")
