"""Validation: containerd's rules (core/metadata validateContainer, pkg/identifiers,
pkg/labels), in its order and with its messages; a refused change changes nothing."""
import pytest

from storetest import info_doc

IDENT_RE = "^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"
LONGEST = "a" * 76
TOO_LONG = "a" * 77

VALID_IDS = ["container.system-75-f19a.00", "underscores_are_allowed", LONGEST, "a", "0",
             "A-b_C.d"]
INVALID_IDS = ["foo..foo", "foo.-boo", "-foo.boo", "foo.boo-", "but__only_tasteful_underscores",
               "default--default", "foo/foo", ".hidden", "_x", "a b", "é"]


def must_match(ident):
    return f'identifier "{ident}" must match {IDENT_RE}: invalid argument'


# ---- identifiers: container IDs ----

@pytest.mark.parametrize("cid", VALID_IDS)
def test_container_id_valid_is_accepted(ctl, cid):
    assert ctl.ok("containers", "create", cid) == cid + "\n"
    assert ctl.ids() == [cid]


@pytest.mark.parametrize("cid", INVALID_IDS)
def test_container_id_not_matching_the_pattern_is_refused(ctl, cid):
    # "--": some of them start with "-"
    assert ctl.error("containers", "create", "--", cid) == (
        "create container failed validation: container.ID: " + must_match(cid))


def test_container_id_empty_is_refused(ctl):
    assert ctl.error("containers", "create", "") == (
        "create container failed validation: container.ID: "
        "identifier must not be empty: invalid argument")


def test_container_id_of_77_characters_is_refused(ctl):
    assert ctl.error("containers", "create", TOO_LONG) == (
        "create container failed validation: container.ID: "
        f'identifier "{TOO_LONG}" greater than maximum length (76 characters): invalid argument')


def test_container_id_length_is_checked_before_the_pattern(ctl):
    bad_and_long = "a" + "." * 76
    assert "greater than maximum length" in ctl.error("containers", "create", bad_and_long)


# ---- identifiers: namespace names ----

@pytest.mark.parametrize("name", VALID_IDS)
def test_namespace_name_valid_is_accepted(ctl, name):
    ctl.ok("namespaces", "create", name)
    assert ctl.ok("namespaces", "ls", "-q").split() == [name]


@pytest.mark.parametrize("name", INVALID_IDS)
def test_namespace_name_not_matching_the_pattern_is_refused(ctl, name):
    assert ctl.error("namespaces", "create", name) == must_match(name)


def test_namespace_name_empty_is_refused(ctl):
    assert ctl.error("namespaces", "create", "") == "identifier must not be empty: invalid argument"


def test_namespace_name_of_77_characters_is_refused(ctl):
    assert ctl.error("namespaces", "create", TOO_LONG) == (
        f'identifier "{TOO_LONG}" greater than maximum length (76 characters): invalid argument')


def test_namespace_of_76_characters_holds_containers(ctl):
    ctl.ok("containers", "create", LONGEST, ns=LONGEST)
    assert ctl.ids(ns=LONGEST) == [LONGEST]


def test_namespace_label_on_an_invalid_namespace_is_refused(ctl):
    assert ctl.error("namespaces", "label", "foo..foo", "a=b") == must_match("foo..foo")


@pytest.mark.parametrize("with_spec", [False, True], ids=["default-spec", "spec-file"])
def test_creating_in_an_invalid_namespace_is_refused(ctl, spec_file, with_spec):
    extra = ["--spec", spec_file] if with_spec else []
    msg = ctl.error("containers", "create", *extra, "web", ns="foo..foo")
    assert msg.endswith(must_match("foo..foo"))


@pytest.mark.parametrize("with_spec", [False, True], ids=["default-spec", "spec-file"])
def test_creating_in_an_invalid_namespace_says_namespace_validation(ctl, spec_file, with_spec):
    # containerd's namespaces.NamespaceRequired: fmt.Errorf("namespace validation: %w", err)
    extra = ["--spec", spec_file] if with_spec else []
    assert ctl.error("containers", "create", *extra, "web", ns="foo..foo") == (
        "namespace validation: " + must_match("foo..foo"))


# ---- labels: len(key) + len(value) <= 4096 ----

def test_label_of_exactly_4096_bytes_is_accepted(ctl):
    ctl.ok("containers", "create", "--label", "k=" + "v" * 4095, "web")
    assert ctl.labels("web") == {"k": "v" * 4095}


def test_label_of_4097_bytes_is_refused_naming_the_first_10_bytes_of_the_key(ctl):
    key = "abcdefghijklmnop"
    assert ctl.error("containers", "create", "--label", f"{key}={'v' * (4097 - len(key))}",
                     "web") == (
        "create container failed validation: containers.Labels: label key and value greater "
        "than maximum size (4096 bytes), key: abcdefghij: invalid argument")


def test_label_size_counts_bytes_not_characters(ctl):
    # "é" is two bytes: 1 + 2 * 2048 = 4097 bytes, 2049 characters
    msg = ctl.error("containers", "create", "--label", "k=" + "é" * 2048, "web")
    assert msg.endswith("label key and value greater than maximum size (4096 bytes), key: k: "
                        "invalid argument")


def test_label_set_by_update_is_validated(ctl):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        assert ctl.error("containers", "label", "web", "k=" + "v" * 4096) == (
            "update failed validation: containers.Labels: label key and value greater than "
            "maximum size (4096 bytes), key: k: invalid argument")


def test_namespace_label_of_4097_bytes_is_refused(ctl):
    ctl.ok("namespaces", "create", "ns1")
    with ctl.unchanged():
        assert ctl.error("namespaces", "label", "ns1", "k=" + "v" * 4096) == (
            "namespace.Labels: label key and value greater than maximum size (4096 bytes), "
            "key: k: invalid argument")
    assert ctl.error("namespaces", "create", "ns2", "k=" + "v" * 4096).startswith(
        "namespace.Labels: label key and value greater than maximum size")


def test_namespace_label_of_4096_bytes_is_accepted(ctl):
    ctl.ok("namespaces", "create", "ns1", "k=" + "v" * 4095)
    assert ctl.ok("namespaces", "label", "ns1") == "k=" + "v" * 4095 + "\n"


# ---- the other rules ----

def test_runtime_name_is_required(ctl):
    assert ctl.error("containers", "create", "--runtime", "", "web") == (
        "create container failed validation: container.Runtime.Name must be set: "
        "invalid argument")


def test_spec_is_required(ctl, write_json):
    doc = info_doc("web")
    del doc["Spec"]
    assert ctl.error("import", write_json(doc)).endswith(
        "container web: container.Spec must be set: invalid argument")


def test_spec_is_required_on_update(ctl, write_json):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        assert ctl.error("containers", "update", "--from-json",
                         write_json(info_doc("web", Spec=None)), "--path", "spec", "web") == (
            "update failed validation: container.Spec must be set: invalid argument")


def test_snapshotter_is_required_when_a_snapshot_key_is_set(ctl):
    assert ctl.error("containers", "create", "--snapshot-key", "k", "web") == (
        "create container failed validation: container.Snapshotter must be set if "
        "container.SnapshotKey is set: invalid argument")


def test_snapshot_key_without_snapshotter_is_refused_on_update(ctl):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        assert ctl.error("containers", "update", "--snapshot-key", "k", "web") == (
            "update failed validation: container.Snapshotter must be set if "
            "container.SnapshotKey is set: invalid argument")


def test_snapshot_key_with_snapshotter_is_accepted(ctl):
    ctl.ok("containers", "create", "--snapshotter", "native", "--snapshot-key", "k", "web")
    info = ctl.info("web")
    assert (info["Snapshotter"], info["SnapshotKey"]) == ("native", "k")


def test_empty_extension_name_is_refused(ctl):
    assert ctl.error("containers", "create", "--extension", "=t.example/T=v", "web") == (
        "create container failed validation: container.Extension keys must not be "
        "zero-length: invalid argument")


def test_duplicate_container_id_already_exists(ctl):
    ctl.ok("containers", "create", "--label", "a=1", "web")
    with ctl.unchanged():
        assert ctl.error("containers", "create", "--label", "a=2", "web") == (
            'container "web": already exists')
    assert ctl.labels("web") == {"a": "1"}


def test_same_id_in_two_namespaces_is_two_containers(ctl):
    ctl.ok("containers", "create", "--image", "one", "web", ns="ns1")
    ctl.ok("containers", "create", "--image", "two", "web", ns="ns2")
    assert ctl.info("web", ns="ns1")["Image"] == "one"
    assert ctl.info("web", ns="ns2")["Image"] == "two"


def test_duplicate_namespace_already_exists(ctl):
    ctl.ok("namespaces", "create", "ns1")
    assert ctl.error("namespaces", "create", "ns1") == 'namespace "ns1": already exists'


# ---- containerd's order: ID, extension names, labels, runtime, spec, snapshotter ----

BIG = "k=" + "v" * 4096


@pytest.mark.parametrize("args,expected", [
    (["--extension", "=t=v", "--label", BIG, "--runtime", "", "--snapshot-key", "k", "foo..foo"],
     "container.ID: "),
    (["--extension", "=t=v", "--label", BIG, "--runtime", "", "--snapshot-key", "k", "web"],
     "container.Extension keys must not be zero-length"),
    (["--label", BIG, "--runtime", "", "--snapshot-key", "k", "web"], "containers.Labels: "),
    (["--runtime", "", "--snapshot-key", "k", "web"], "container.Runtime.Name must be set"),
], ids=["id-first", "extension-before-labels", "labels-before-runtime", "runtime-before-snapshotter"])
def test_validation_reports_the_first_broken_rule_in_containerds_order(ctl, args, expected):
    msg = ctl.error("containers", "create", *args)
    assert msg.startswith("create container failed validation: " + expected), msg


def test_validation_checks_runtime_before_spec_and_spec_before_snapshotter(ctl, write_json):
    doc = info_doc("web", Runtime={"Name": "", "Options": None}, SnapshotKey="k", Spec=None)
    assert ctl.error("import", write_json(doc)).endswith("container.Runtime.Name must be set: "
                                                         "invalid argument")
    doc["Runtime"]["Name"] = "r"
    assert ctl.error("import", write_json(doc)).endswith("container.Spec must be set: "
                                                         "invalid argument")


# ---- failures change nothing ----

@pytest.fixture
def populated(ctl):
    ctl.ok("namespaces", "create", "team", "owner=me")
    ctl.ok("containers", "create", "--label", "app=web", "--image", "nginx", "web")
    ctl.ok("containers", "create", "--snapshotter", "native", "--snapshot-key", "s", "db",
           ns="team")
    return ctl


@pytest.mark.parametrize("args", [
    ["containers", "create", "web"],
    ["containers", "create", "foo..foo"],
    ["containers", "create", "--runtime", "", "x"],
    ["containers", "create", "--snapshot-key", "k", "x"],
    ["containers", "create", "--label", BIG, "x"],
    ["containers", "label", "web", "ok=1", BIG],
    ["containers", "label", "missing", "a=b"],
    ["containers", "update", "--image", "x", "missing"],
    ["containers", "update", "--snapshot-key", "k", "web"],
    ["containers", "rm", "missing"],
    ["-n", "team", "containers", "update", "--snapshot-key", "", "--image", "i", "nope"],
    ["namespaces", "create", "team"],
    ["namespaces", "rm", "team"],
    ["namespaces", "rm", "missing"],
    ["namespaces", "label", "team", BIG],
    ["containers", "ls", "labels.app=="],
])
def test_a_refused_change_changes_nothing(populated, args):
    ctl = populated
    with ctl.unchanged():
        r = ctl(*args)
        assert r.status == 1, r
        assert r.stdout == ""
        assert len(r.stderr.splitlines()) == 1 and r.stderr.startswith("ctrfsctl: "), r.stderr


def test_label_command_is_one_update_all_or_nothing(ctl):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        ctl.error("containers", "label", "web", "a=1", "b=2", BIG)
    assert ctl.labels("web") == {}


# ---- containerd's exact rules (issue 11) ----

def test_empty_label_key_is_refused_on_create(ctl):
    # bolt takes no empty key: containerd fails the write with "key required"
    ctl.ok("namespaces", "create", "default")
    with ctl.unchanged():
        assert ctl.error("containers", "create", "--label", "=v", "web") == (
            'failed to write container "web": failed to set label ""="v": key required')


def test_empty_label_key_is_refused_on_update(ctl):
    ctl.ok("containers", "create", "web")
    with ctl.unchanged():
        assert ctl.error("containers", "label", "web", "=v") == (
            'failed to write container "web": failed to set label ""="v": key required')


def test_empty_label_key_with_an_empty_value_is_dropped_as_containerd_drops_it(ctl):
    ctl.ok("containers", "create", "--label", "=", "--label", "a=1", "web")
    assert ctl.labels("web") == {"a": "1"}


def test_empty_label_key_is_refused_on_namespaces(ctl):
    ctl.ok("namespaces", "create", "other")
    with ctl.unchanged():
        assert ctl.error("namespaces", "create", "ns1", "=v") == (
            'namespace.Labels: failed to set label ""="v": key required')
    ctl.ok("namespaces", "create", "ns1")
    with ctl.unchanged():
        assert ctl.error("namespaces", "label", "ns1", "=v") == (
            'namespace.Labels: failed to set label ""="v": key required')


def test_removing_a_label_whose_key_is_over_the_size_limit_is_refused(ctl):
    # containerd sets the key to "" and validates before the write drops it
    ctl.ok("containers", "create", "web")
    key = "k" * 4097
    with ctl.unchanged():
        assert ctl.error("containers", "update", "--remove-label", key, "web") == (
            "update failed validation: containers.Labels: label key and value greater than "
            "maximum size (4096 bytes), key: kkkkkkkkkk: invalid argument")
        assert ctl.error("containers", "label", "web", key + "=") == (
            "update failed validation: containers.Labels: label key and value greater than "
            "maximum size (4096 bytes), key: kkkkkkkkkk: invalid argument")


def test_removing_a_label_of_4096_bytes_of_key_is_accepted(ctl):
    ctl.ok("containers", "create", "--label", "a=1", "web")
    ctl.ok("containers", "update", "--remove-label", "k" * 4096, "web")
    assert ctl.labels("web") == {"a": "1"}


def test_field_path_extensions_with_an_empty_name_is_refused(ctl, tmp_path):
    ctl.ok("containers", "create", "web")
    doc = tmp_path / "web.json"
    doc.write_text(ctl.ok("containers", "info", "web"))
    with ctl.unchanged():
        assert ctl.error("containers", "update", "--from-json", doc, "--path", "extensions.",
                         "web") == (
            "update failed validation: container.Extension keys must not be zero-length: "
            "invalid argument")


def test_namespace_labels_with_an_empty_value_are_not_stored(ctl):
    ctl.ok("namespaces", "create", "ns1", "a=1", "b=")
    assert ctl.ok("namespaces", "label", "ns1") == "a=1\n"
    ctl.ok("namespaces", "label", "ns1", "c=3")
    ctl.ok("namespaces", "label", "ns1", "a=")  # an empty value deletes, as containerd
    assert ctl.ok("namespaces", "label", "ns1") == "c=3\n"


@pytest.mark.parametrize("ident,quoted", [
    ("a\x07b", r'"a\ab"'),
    ("a\x0bb", r'"a\vb"'),
    ("a\x01b", r'"a\x01b"'),
    ("a\u00a0b", r'"a\u00a0b"'),
    ("a\u200bb", r'"a\u200bb"'),
    ("a\ufeffb", r'"a\ufeffb"'),
    ("é", '"é"'),
])
def test_refused_identifiers_are_quoted_as_gos_q(ctl, ident, quoted):
    assert ctl.error("containers", "create", ident) == (
        f"create container failed validation: container.ID: identifier {quoted} must match "
        f"{IDENT_RE}: invalid argument")


def test_not_found_messages_quote_as_gos_q(ctl):
    ctl.ok("containers", "create", "web")
    assert ctl.error("containers", "info", "a\tb\u200b") == (
        r'container "a\tb\u200b" in namespace "default": not found')
    assert ctl.error("namespaces", "label", "n\u00a0s") == r'namespace "n\u00a0s": not found'
