"""The change log: containerd's topics and payloads, filters, and following it live."""
import re
import signal

import pytest

from storetest import RUNC, read_lines, stop, wait_following

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$")


def test_each_kind_of_change_has_containerds_topic_and_payload(ctl):
    ctl.ok("namespaces", "create", "team", "owner=me")
    ctl.ok("namespaces", "label", "team", "tier=gold")
    ctl.ok("containers", "create", "--image", "nginx", "--runtime-options", "t/O=x", "web",
           ns="team")
    ctl.ok("containers", "update", "--snapshot-key", "", "--label", "a=1", "web", ns="team")
    ctl.ok("containers", "rm", "web", ns="team")
    ctl.ok("namespaces", "rm", "team")
    evs = ctl.events()
    assert [(e["topic"], e["namespace"], e["event"]) for e in evs] == [
        ("/namespaces/create", "team", {"name": "team", "labels": {"owner": "me"}}),
        ("/namespaces/update", "team", {"name": "team", "labels": {"owner": "me",
                                                                   "tier": "gold"}}),
        ("/containers/create", "team", {"id": "web", "image": "nginx", "runtime": {
            "name": RUNC, "options": {"type_url": "t/O", "value": "eA=="}}}),
        ("/containers/update", "team", {"id": "web", "image": "nginx", "labels": {"a": "1"},
                                        "snapshot_key": ""}),
        ("/containers/delete", "team", {"id": "web"}),
        ("/namespaces/delete", "team", {"name": "team"}),
    ]


def test_events_are_numbered_and_stamped(ctl):
    ctl.ok("containers", "create", "a")
    ctl.ok("containers", "create", "b")
    evs = ctl.events()
    assert [e["seq"] for e in evs] == [1, 2]
    assert all(TIMESTAMP.match(e["timestamp"]) for e in evs)
    assert evs[0]["timestamp"] <= evs[1]["timestamp"]
    assert all(list(e) == ["seq", "timestamp", "namespace", "topic", "event"] for e in evs)


def test_create_event_without_runtime_options_has_only_the_name(ctl):
    # a runtime other than runc v2: ctrfsctl, as ctr, gives it no options
    ctl.ok("containers", "create", "--runtime", "io.containerd.kata.v2", "web")
    assert ctl.events()[0]["event"] == {"id": "web", "image": "",
                                        "runtime": {"name": "io.containerd.kata.v2"}}


def test_a_namespace_label_removal_is_an_update(ctl):
    ctl.ok("namespaces", "create", "team", "a=1", "b=2")
    ctl.ok("namespaces", "label", "team", "a=")
    assert ctl.events()[-1]["event"] == {"name": "team", "labels": {"b": "2"}}


def test_a_failed_change_writes_no_event(ctl):
    ctl.ok("containers", "create", "web")
    ctl.error("containers", "create", "web")
    ctl.error("containers", "rm", "nope")
    assert len(ctl.events()) == 1


def test_since_starts_after_that_sequence_number(ctl):
    for cid in "abc":
        ctl.ok("containers", "create", cid)
    assert [e["event"]["id"] for e in ctl.events(since=1)] == ["b", "c"]
    assert ctl.events(since=3) == []
    assert ctl.events(since=99) == []


@pytest.mark.parametrize("since", ["x", "-1", "", "1x"])
def test_since_must_be_a_sequence_number(ctl, since):
    ctl.ok("containers", "create", "web")
    r = ctl("events", "--no-follow", "--since", since)
    assert r.status == 2
    assert r.stderr == ("ctrfsctl: --since needs a sequence number "
                        "(see 'ctrfsctl events --help')\n")


@pytest.fixture
def history(ctl):
    ctl.ok("containers", "create", "--image", "nginx", "web")
    ctl.ok("containers", "create", "--runtime", "io.containerd.kata.v2", "db")
    ctl.ok("containers", "label", "web", "app=web")
    ctl.ok("containers", "create", "web", ns="team")
    ctl.ok("containers", "rm", "db")
    return ctl


def topics_ids(evs):
    return [(e["topic"], e["namespace"], e["event"].get("id")) for e in evs]


def test_filter_by_topic(history):
    assert topics_ids(history.events('topic=="/containers/update"')) == [
        ("/containers/update", "default", "web")]
    assert len(history.events("topic~=|^/containers/(create\\|delete)$|")) == 4


def test_filter_by_payload_field(history):
    assert topics_ids(history.events("event.id==db")) == [
        ("/containers/create", "default", "db"), ("/containers/delete", "default", "db")]
    assert topics_ids(history.events("event.runtime.name==io.containerd.kata.v2")) == [
        ("/containers/create", "default", "db")]
    assert topics_ids(history.events("event.labels.app==web")) == [
        ("/containers/update", "default", "web")]


def test_filters_and_with_comma_and_or_as_arguments(history):
    assert topics_ids(history.events('topic=="/containers/create",event.id==web')) == [
        ("/containers/create", "default", "web"), ("/containers/create", "team", "web")]
    assert len(history.events("event.id==db", 'topic=="/containers/update"')) == 3


def test_namespace_option_restricts_to_one_namespace(history):
    assert topics_ids(history.events(ns="team")) == [("/containers/create", "team", "web")]
    assert topics_ids(history.events("event.id==web", ns="default")) == [
        ("/containers/create", "default", "web"), ("/containers/update", "default", "web")]
    assert topics_ids(history.events("namespace==team")) == [("/containers/create", "team", "web")]


def test_a_bad_event_filter_is_a_parse_error(history):
    assert history.error("events", "--no-follow", "topic==") == (
        "filters: parse error: [topic==]: expected value or quoted: invalid argument")


def test_the_filter_examples_of_events_help_work(history):
    help_text = history.ok("events", "--help")
    examples = re.findall(r"'(topic[^']+)'", help_text)
    assert len(examples) == 2, help_text
    for example in examples:
        r = history("events", "--no-follow", "--since", 0, example)
        assert r.status == 0, r.stderr


# ---- following ----

def test_following_prints_new_changes_as_they_happen_and_sigint_ends_it(ctl):
    ctl.ok("containers", "create", "old")
    proc = ctl.popen("events", "--since", ctl.last_seq())
    try:
        ctl.ok("containers", "create", "web")
        assert [e["topic"] for e in read_lines(proc, 1)] == ["/containers/create"]
        ctl.ok("containers", "label", "web", "a=1")
        ctl.ok("containers", "rm", "web")
        evs = read_lines(proc, 2)
        assert [(e["topic"], e["event"]["id"]) for e in evs] == [
            ("/containers/update", "web"), ("/containers/delete", "web")]
    finally:
        status, out, err = stop(proc, signal.SIGINT)
    assert status == -signal.SIGINT, err  # ends as ctr does: killed by the signal
    assert out == "" and err == ""


def test_following_without_since_prints_only_new_events(ctl):
    ctl.ok("containers", "create", "old")
    proc = ctl.popen("events")
    try:
        wait_following(proc)
        ctl.ok("containers", "create", "new")
        assert [e["event"]["id"] for e in read_lines(proc, 1)] == ["new"]
    finally:
        status, _, err = stop(proc, signal.SIGINT)
    assert status == -signal.SIGINT, err


def test_following_applies_filters_and_namespace(ctl):
    ctl.ok("namespaces", "create", "team")
    proc = ctl.popen("events", "--since", ctl.last_seq(), "event.id==web", ns="team")
    try:
        ctl.ok("containers", "create", "web")               # other namespace
        ctl.ok("containers", "create", "db", ns="team")     # other id
        ctl.ok("containers", "create", "web", ns="team")
        (ev,) = read_lines(proc, 1)
        assert (ev["namespace"], ev["event"]["id"]) == ("team", "web")
    finally:
        status, out, err = stop(proc, signal.SIGTERM)
    assert status == -signal.SIGTERM and out == "", (out, err)


def test_following_ends_quietly_when_the_reader_goes_away(ctl):
    for cid in ("a", "b", "c"):
        ctl.ok("containers", "create", cid)
    proc = ctl.popen("events", "--since", 0)
    read_lines(proc, 1)
    proc.stdout.close()
    ctl.ok("containers", "create", "d")
    ctl.ok("containers", "create", "e")
    assert proc.wait(timeout=10) == 0
    assert proc.stderr.read() == ""


def test_payload_strings_that_are_not_utf8_are_kept_as_u_fffd(ctl):
    # containerd keeps any bytes in an image or a label; the event used to be lost
    # ("out of memory") or to drop the label, since JSON text must be UTF-8
    ctl.ok("containers", "create", "--image", "\udc80x", "a")
    ctl.ok("containers", "update", "--label", "k=\udc80", "--label", "\udcffk=v", "a")
    evs = ctl.events()
    assert [e["event"].get("image") for e in evs] == ["\ufffdx", "\ufffdx"]
    assert evs[1]["event"]["labels"] == {"k": "\ufffd", "\ufffdk": "v"}
    # the record itself keeps the bytes
    assert ctl.ok("containers", "ls", "-q") == "a\n"
