"""containerd's Update(container, fieldpaths...) through `containers update --from-json FILE
--path P` (and the option shortcuts): which paths are accepted, what each one changes, the
full replace, and the timestamps."""
import json
import time

import pytest

from storetest import RUNC, info_doc

FULL_ARGS = ["--image", "img1", "--label", "app=web", "--label", "a.b.c=dots",
             "--label", "io.kubernetes.pod/name=web-0", "--snapshotter", "native",
             "--snapshot-key", "key1", "--runtime-options", "example.com/Opts=raw-options",
             "--sandbox", "sb1", "--extension", "e1=example.com/E=one",
             "--extension", "e2=example.com/E=two"]


@pytest.fixture
def web(ctl):
    """A container `web` with every field set."""
    ctl.ok("containers", "create", *FULL_ARGS, "web")
    return ctl


def without_times(info):
    return {k: v for k, v in info.items() if k not in ("CreatedAt", "UpdatedAt")}


def update_from(ctl, write_json, doc, *paths, cid="web"):
    args = ["containers", "update", "--from-json", write_json(doc)]
    for p in paths:
        args += ["--path", p]
    return ctl(*args, cid)


def edited(ctl, cid="web", **changes):
    doc = ctl.info(cid)
    doc.update(changes)
    return doc


# ---- accepted paths ----

def test_path_labels_replaces_every_label(web, write_json):
    doc = edited(web, Labels={"new": "1", "other": "2"})
    assert update_from(web, write_json, doc, "labels").status == 0
    assert web.labels("web") == {"new": "1", "other": "2"}


def test_path_labels_with_null_removes_every_label(web, write_json):
    assert update_from(web, write_json, edited(web, Labels=None), "labels").status == 0
    assert web.info("web")["Labels"] is None


def test_path_labels_drops_empty_values(web, write_json):
    assert update_from(web, write_json, edited(web, Labels={"x": "", "y": "1"}),
                       "labels").status == 0
    assert web.labels("web") == {"y": "1"}


def test_path_labels_key_sets_one_label_and_keeps_the_others(web, write_json):
    before = web.labels("web")
    doc = edited(web, Labels={"app": "api", "ignored": "not in the path"})
    assert update_from(web, write_json, doc, "labels.app").status == 0
    assert web.labels("web") == {**before, "app": "api"}


@pytest.mark.parametrize("key", ["a.b.c", "io.kubernetes.pod/name", "new.key/with/slashes",
                                 "ünï.cödé", "with space", "labels.nested"])
def test_path_labels_key_is_everything_after_the_first_labels_dot(web, write_json, key):
    before = web.labels("web")
    assert update_from(web, write_json, edited(web, Labels={key: "v2"}),
                       "labels." + key).status == 0
    assert web.labels("web") == {**before, key: "v2"}


@pytest.mark.parametrize("value", [{"app": ""}, {}, None], ids=["empty", "missing", "null"])
def test_path_labels_key_with_empty_or_missing_value_deletes_the_label(web, write_json, value):
    before = web.labels("web")
    assert update_from(web, write_json, edited(web, Labels=value), "labels.app").status == 0
    del before["app"]
    assert web.labels("web") == before


def test_path_labels_key_of_an_absent_label_with_no_value_is_a_no_op(web, write_json):
    before = web.labels("web")
    assert update_from(web, write_json, edited(web), "labels.nope").status == 0
    assert web.labels("web") == before


def test_path_extensions_merges_as_containerd(web, write_json):
    # containerd writes the new extensions over the stored ones: none is deleted
    before = web.info("web")["Extensions"]
    ext = {"e1": {"type_url": "example.com/E", "value": "b25lIQ=="},
           "e3": {"type_url": "example.com/E", "value": "dGhyZWU="}}
    assert update_from(web, write_json, edited(web, Extensions=ext), "extensions").status == 0
    assert web.info("web")["Extensions"] == {**before, **ext}


def test_path_extensions_with_null_deletes_no_extension(web, write_json):
    before = web.info("web")["Extensions"]
    assert update_from(web, write_json, edited(web, Extensions=None), "extensions").status == 0
    assert web.info("web")["Extensions"] == before


def test_path_extensions_name_sets_one_extension(web, write_json):
    before = web.info("web")["Extensions"]
    new = {"type_url": "example.com/Other", "value": "eA=="}
    doc = edited(web, Extensions={"e1": new, "e9": new})
    assert update_from(web, write_json, doc, "extensions.e1").status == 0
    assert web.info("web")["Extensions"] == {**before, "e1": new}


def test_path_extensions_name_with_slashes(web, write_json):
    new = {"type_url": "example.com/Other", "value": "eA=="}
    doc = edited(web, Extensions={"fixture.example.com/ext": new})
    assert update_from(web, write_json, doc, "extensions.fixture.example.com/ext").status == 0
    assert web.info("web")["Extensions"]["fixture.example.com/ext"] == new


def test_path_extensions_name_absent_stores_an_empty_any_as_containerd(web, write_json):
    doc = edited(web, Extensions=None)
    assert update_from(web, write_json, doc, "extensions.e1", "extensions.e7").status == 0
    ext = web.info("web")["Extensions"]
    assert ext["e1"] == {} and ext["e7"] == {} and sorted(ext) == ["e1", "e2", "e7"]


def test_remove_extension_is_ctrfs_own_removal(web):
    web.ok("containers", "update", "--remove-extension", "e2", "web")
    assert list(web.info("web")["Extensions"]) == ["e1"]
    web.ok("containers", "update", "--remove-extension", "e1", "web")
    assert web.info("web")["Extensions"] is None
    with web.unchanged():
        assert web.error("containers", "update", "--remove-extension", "e1", "web") == (
            'container "web": extension "e1": not found')


def test_path_spec_replaces_the_spec(web, write_json):
    spec = {"ociVersion": "1.1.0", "hostname": "new"}
    assert update_from(web, write_json, edited(web, Spec=spec), "spec").status == 0
    assert web.info("web")["Spec"] == spec


def test_path_image_sets_the_image(web, write_json):
    assert update_from(web, write_json, edited(web, Image="img2"), "image").status == 0
    assert web.info("web")["Image"] == "img2"


def test_path_image_with_no_image_clears_it(web, write_json):
    doc = edited(web)
    del doc["Image"]
    assert update_from(web, write_json, doc, "image").status == 0
    assert web.info("web")["Image"] == ""
    assert web.ok("containers", "ls").splitlines()[1].split()[1] == "-"


def test_path_snapshotkey_sets_the_snapshot_key(web, write_json):
    assert update_from(web, write_json, edited(web, SnapshotKey="key2"), "snapshotkey").status == 0
    assert web.info("web")["SnapshotKey"] == "key2"


def test_a_path_changes_only_its_field(web, write_json):
    before = without_times(web.info("web"))
    doc = info_doc("web", Image="changed")  # every other field differs from web's too
    assert update_from(web, write_json, doc, "image").status == 0
    after = without_times(web.info("web"))
    assert after == {**before, "Image": "changed"}


def test_several_paths_apply_together(web, write_json):
    doc = edited(web, Image="i3", SnapshotKey="k3", Labels={"app": "x"})
    assert update_from(web, write_json, doc, "image", "snapshotkey", "labels.app").status == 0
    info = web.info("web")
    assert (info["Image"], info["SnapshotKey"], info["Labels"]["app"]) == ("i3", "k3", "x")


# ---- refused paths ----

@pytest.mark.parametrize("path", ["runtime", "runtime.name", "runtime.options", "snapshotter",
                                  "id", "createdat", "updatedat", "sandboxid", "Labels",
                                  "Spec", "Image", "SnapshotKey", "labels_", "label",
                                  "extension", "labelsx.a", "", "spec.process"])
def test_a_path_that_is_not_updatable_is_refused(web, write_json, path):
    doc = edited(web, Image="changed")
    with web.unchanged():
        r = update_from(web, write_json, doc, path)
        assert r.status == 1
        assert r.stderr == f'ctrfsctl: cannot update "{path}" field on "web": invalid argument\n'


def test_a_refused_path_after_good_ones_changes_nothing(web, write_json):
    doc = edited(web, Image="changed", Labels={"app": "x"})
    with web.unchanged():
        r = update_from(web, write_json, doc, "image", "labels.app", "runtime")
        assert r.stderr == 'ctrfsctl: cannot update "runtime" field on "web": invalid argument\n'


def test_update_of_a_missing_container_is_not_found(ctl, write_json):
    ctl.ok("containers", "create", "web")
    assert ctl.error("containers", "update", "--from-json", write_json(info_doc("nope")),
                     "--path", "image", "nope") == (
        'container "nope" in namespace "default": not found')


def test_update_takes_the_id_from_the_command_line_not_the_document(web, write_json):
    web.ok("containers", "create", "other")
    doc = edited(web, ID="other", Image="changed")
    assert update_from(web, write_json, doc, "image").status == 0
    assert web.info("web")["Image"] == "changed"
    assert web.info("other")["Image"] == ""


# ---- no field paths: full replace of the mutable fields ----

def test_full_update_replaces_every_mutable_field(web, write_json):
    doc = edited(web, Labels={"only": "this"}, Image="img9", SnapshotKey="key9",
                 Extensions={"e9": {"type_url": "example.com/E", "value": "bmluZQ=="}},
                 Spec={"ociVersion": "9"})
    assert update_from(web, write_json, doc).status == 0
    info = web.info("web")
    for field in ("Labels", "Image", "SnapshotKey", "Spec"):
        assert info[field] == doc[field], field
    # extensions merge, as containerd's: e1 and e2 stay
    assert sorted(info["Extensions"]) == ["e1", "e2", "e9"]


def test_full_update_keeps_runtime_options_and_sandbox_id(web, write_json):
    before = web.info("web")
    doc = edited(web, Image="img9", SandboxID="other-sandbox")
    doc["Runtime"]["Options"] = None
    assert update_from(web, write_json, doc).status == 0
    info = web.info("web")
    assert info["Runtime"] == before["Runtime"]
    assert info["Runtime"]["Options"] == {"type_url": "example.com/Opts",
                                          "value": "cmF3LW9wdGlvbnM="}
    assert info["SandboxID"] == "sb1"
    assert info["Image"] == "img9"


def test_full_update_with_another_snapshotter_is_refused(web, write_json):
    with web.unchanged():
        r = update_from(web, write_json, edited(web, Snapshotter="overlayfs", Image="x"))
        assert r.stderr == "ctrfsctl: container.Snapshotter field is immutable: invalid argument\n"
        assert r.status == 1


def test_full_update_with_another_runtime_name_is_refused(web, write_json):
    doc = edited(web, Image="x")
    doc["Runtime"]["Name"] = "io.containerd.kata.v2"
    with web.unchanged():
        r = update_from(web, write_json, doc)
        assert r.stderr == ("ctrfsctl: container.Runtime.Name field is immutable: "
                            "invalid argument\n")


def test_full_update_checks_the_snapshotter_before_the_runtime(web, write_json):
    doc = edited(web, Snapshotter="overlayfs")
    doc["Runtime"]["Name"] = "io.containerd.kata.v2"
    assert web.error("containers", "update", "--from-json", write_json(doc), "web") == (
        "container.Snapshotter field is immutable: invalid argument")


def test_full_update_without_a_spec_is_refused(web, write_json):
    with web.unchanged():
        assert web.error("containers", "update", "--from-json",
                         write_json(edited(web, Spec=None)), "web") == (
            "update failed validation: container.Spec must be set: invalid argument")


# ---- the option shortcuts are field paths too ----

def test_label_command_sets_and_removes_labels_in_one_update(web):
    seq = web.last_seq()
    web.ok("containers", "label", "web", "app=api", "a.b.c=", "added=1")
    labels = web.labels("web")
    assert labels["app"] == "api" and labels["added"] == "1" and "a.b.c" not in labels
    assert len(web.events(since=seq)) == 1


def test_label_command_without_labels_prints_them(web):
    assert web.ok("containers", "label", "web") == (
        "a.b.c=dots\napp=web\nio.kubernetes.pod/name=web-0\n")


def test_label_value_may_hold_equal_signs(web):
    web.ok("containers", "label", "web", "cmd=a=b=c")
    assert web.labels("web")["cmd"] == "a=b=c"


def test_update_options_set_their_fields(web, tmp_path):
    spec = tmp_path / "s.json"
    spec.write_text('{"ociVersion": "2", "hostname": "h"}')
    web.ok("containers", "update", "--image", "img7", "--snapshot-key", "k7", "--spec", spec,
           "--label", "app=seven", "--remove-label", "a.b.c", "--extension", "e3=example.com/E=3",
           "--remove-extension", "e1", "web")
    info = web.info("web")
    assert info["Image"] == "img7" and info["SnapshotKey"] == "k7"
    assert info["Spec"] == {"ociVersion": "2", "hostname": "h"}
    assert info["Labels"] == {"app": "seven", "io.kubernetes.pod/name": "web-0"}
    assert sorted(info["Extensions"]) == ["e2", "e3"]


@pytest.mark.parametrize("args,message", [
    ([], "nothing to update"),
    (["--path", "image"], "--path needs --from-json"),
    (["--image", "x", "--from-json", "f.json"], "--from-json cannot be combined with field options"),
])
def test_update_usage_errors(web, args, message):
    r = web("containers", "update", *args, "web")
    assert r.status == 2
    assert r.stderr == f"ctrfsctl: {message} (see 'ctrfsctl containers update --help')\n"


# ---- timestamps ----

def test_updated_at_changes_on_every_update_and_created_at_never(web, write_json):
    first = web.info("web")
    assert first["CreatedAt"] == first["UpdatedAt"]
    seen = [first["UpdatedAt"]]
    doc = edited(web, CreatedAt="2001-01-01T00:00:00Z", UpdatedAt="2001-01-01T00:00:00Z")
    steps = [
        ["containers", "label", "web", "app=web"],                       # same value: no-op
        ["containers", "update", "--image", "img1", "web"],              # same image: no-op
        ["containers", "update", "--from-json", write_json(doc), "--path", "image", "web"],
        ["containers", "update", "--from-json", write_json(doc), "web"],  # full, same values
        ["containers", "label", "web", "nope="],                          # removes nothing
    ]
    for step in steps:
        web.ok(*step)
        info = web.info("web")
        assert info["CreatedAt"] == first["CreatedAt"], step
        assert info["UpdatedAt"] not in seen, step
        assert info["UpdatedAt"] > seen[-1], step  # same format and length in one second
        seen.append(info["UpdatedAt"])


def test_created_at_given_on_create_is_ignored(ctl):
    before = time.time()
    ctl.ok("containers", "create", "web")
    created = ctl.info("web")["CreatedAt"]
    assert created.endswith("Z") and created[:4] >= time.strftime("%Y", time.gmtime(before))


def test_a_refused_update_does_not_touch_updated_at(web):
    before = web.info("web")["UpdatedAt"]
    web.error("containers", "label", "web", "k=" + "v" * 4096)
    assert web.info("web")["UpdatedAt"] == before


def test_update_event_carries_containerds_fields(web):
    seq = web.last_seq()
    web.ok("containers", "label", "web", "app=api")
    (ev,) = web.events(since=seq)
    assert ev["topic"] == "/containers/update"
    assert ev["event"] == {"id": "web", "image": "img1", "labels": web.labels("web"),
                           "snapshot_key": "key1"}


def test_json_document_errors_are_reported(web, write_json):
    with web.unchanged():
        assert web.error("containers", "update", "--from-json", write_json("{"),
                         "web").startswith("container JSON: ")
        assert web.error("containers", "update", "--from-json", write_json({"Bogus": 1}),
                         "web") == 'unknown field "Bogus": invalid argument'
        assert web.error("containers", "update", "--from-json", "/nonexistent.json",
                         "web") == "/nonexistent.json: No such file or directory"


def test_from_json_reads_what_info_prints(web, tmp_path):
    path = tmp_path / "web.json"
    path.write_text(web.ok("containers", "info", "web"))
    before = without_times(web.info("web"))
    web.ok("containers", "update", "--from-json", path, "web")
    assert without_times(web.info("web")) == before
    assert json.loads(path.read_text())["Runtime"]["Name"] == RUNC
