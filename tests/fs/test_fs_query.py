"""MOUNT/<ns>/.query/<filter>/: the containers a containerd filter matches, as symlinks
named by their IDs, checked against `ctrfsctl containers ls -q FILTER` for the filter
cases of the store's suite (tests/store/test_store_filters.py) and on containerd's own
meta.db (tests/data/containerd/set-a)."""
import os
from pathlib import Path

import pytest

from fstest import Mount, name_of

BUILD_DIR = Path(os.environ.get("CTRFS_BUILD_DIR", Path(__file__).resolve().parents[2] / "build"))
SET_A = Path(__file__).resolve().parents[1] / "data" / "containerd" / "set-a"


def enc(flt):
    """The file name of a filter: escaped as a label key (ctrfs(8), NAMES)."""
    return name_of(flt.encode()).decode()


def query(m, flt, ns="default"):
    return sorted(os.listdir(m.path(f"{ns}/.query/{enc(flt)}")))


def ctl_ids(m, flt, ns="default"):
    return sorted(m.ctl("containers", "ls", "-q", flt, ns=ns).out.decode().split())


@pytest.fixture
def m3(tmp_path):
    """The store suite's ctl3: web (nginx, app=web and odd label keys), db (redis, kata
    runtime), bare (k=a\\fb: a regexp case)."""
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("containers", "create", "--image", "docker.io/library/nginx:1.25",
          "--label", "app=web", "--label", "a-b/c=slash", "--label", "a.b=dot",
          "--label", "tab=x\ty", "--label", "uni=héllo ✓", "--label", "tier=front", "web")
    m.ctl("containers", "create", "--image", "docker.io/library/redis:7", "--label", "app=db",
          "--label", "tier=back", "--runtime", "io.containerd.kata.v2", "db")
    m.ctl("containers", "create", "--label", "k=a\fb", "--label", "url=a=b/c.d",
          "--label", "x-y=1", "bare")
    m.start()
    yield m
    m.stop()


# every single filter of the store's filter suite that parses, and what it matches there
FILTERS = [
    ("labels.app==web", ["web"]),
    ("image==docker.io/library/redis:7", ["db"]),
    ("id==bare", ["bare"]),
    ("runtime.name==io.containerd.kata.v2", ["db"]),
    ("id==nope", []),
    ("labels.app!=web", ["bare", "db"]),
    ("runtime.name!=io.containerd.runc.v2", ["db"]),
    ("image!=docker.io/library/redis:7", ["bare", "web"]),
    ('labels.app!=""', ["db", "web"]),
    ('labels.nope==""', []),
    ("image~=nginx", ["web"]),
    ("image~=^nginx", []),
    ("image~=redis:7$", ["db"]),
    ("labels.app~=e", ["web"]),
    ("labels.app~=/^(web|db)$/", ["db", "web"]),
    ("labels.app~=|^d|", ["db"]),
    ('labels.app~="^w"', ["web"]),
    ("labels.uni~=✓$", ["web"]),
    ("labels.tier~=/[ok]/", ["db", "web"]),
    (r"labels.k~=a\sb", ["bare"]),
    ("labels.k~=/^a.b$/", ["bare"]),
    ("labels.nope~=/^$/", ["bare", "db", "web"]),
    ("labels.app~=/^$/", ["bare"]),
    ("labels.app", ["db", "web"]),
    ("image", ["db", "web"]),
    ("id", ["bare", "db", "web"]),
    ("labels.nope", []),
    ("labels", []),
    ("nosuchfield", []),
    ("labels.app,image~=redis", ["db"]),
    ("labels.tier!=back,labels.app", ["web"]),
    ("labels.app==web,labels.app==db", []),
    ("", ["bare", "db", "web"]),
    ('labels."a-b/c"==slash', ["web"]),
    ('labels."a-b/c"~=/sl/', ["web"]),
    ('labels."a-b/c"', ["web"]),
    ("labels.a.b==dot", ["web"]),
    ('labels."a.b"==dot', ["web"]),
    ('labels."a"."b"==dot', ["web"]),
    ('labels."x-y"==1', ["bare"]),
    (r'labels.tab=="x\ty"', ["web"]),
    (r'labels.tab=="x\u0009y"', ["web"]),
    (r'labels.uni=="h\u00e9llo ✓"', ["web"]),
    (r'labels."\x61pp"==web', ["web"]),
    ("labels.url==a=b/c.d", ["bare"]),
    ("  labels.app==web", ["web"]),
    ("id==bare, labels.app==db", []),
]


def test_each_filter_lists_what_ctrfsctl_lists(m3):
    for flt, expected in FILTERS:
        assert ctl_ids(m3, flt) == expected, flt  # the case holds as in the store's suite
        assert query(m3, flt) == expected, flt


def test_containerd_fixture_filters_match_ctrfsctl(tmp_path):
    m = Mount(BUILD_DIR, tmp_path)
    m.ctl("import", "--containerd", SET_A / "meta.db")
    m.start()
    try:
        cases = {
            "default": ["labels.app==web-v2", 'labels."io.kubernetes.pod/name"==web-0',
                        "labels.org.opencontainers.image.title==fixture",
                        "image==docker.io/library/fixture:1.0,runtime.name~=kata",
                        'labels."ключ.ü"~=^зна', "labels.fixture.kind", "id~=^a-ext-",
                        "runtime.name!=io.containerd.runc.v2", "labels.tier"],
            "k8s.io": ['labels."io.kubernetes.pod.name"==coredns-5d78c9869d-abcde',
                       'labels."io.cri-containerd.kind"==sandbox',
                       'labels."io.kubernetes.container.name"'],
            "team-b": ["labels.team==b", "labels.gvisor==true", "labels.team==a"],
        }
        nonempty = 0
        for ns, filters in cases.items():
            for flt in filters:
                want = ctl_ids(m, flt, ns)
                nonempty += bool(want)
                assert query(m, flt, ns) == want, (ns, flt)
        assert nonempty >= 12
    finally:
        m.stop()


def test_a_filter_with_a_slash_is_named_escaped(m3):
    assert m3.ok("ls default/.query/'image==docker.io%2Flibrary%2Fredis:7'").split() == ["db"]
    assert m3.ok("ls default/.query/'labels.\"a-b%2Fc\"==slash'").split() == ["web"]
    # unescaped, the '/' is a path: .query/image==docker.io is a directory, library not in it
    m3.fails("ls default/.query/'image==docker.io/library/redis:7'", "No such file")
    # only the canonical name names a filter, as for label keys: %77 is 'w'
    m3.fails("ls default/.query/labels.app==%77eb", "No such file")
    # the empty filter (all) is "%", a leading '.' is escaped
    assert m3.ok("ls default/.query/%").split() == ["bare", "db", "web"]


def test_the_links_resolve_to_the_containers(m3):
    d = "default/.query/labels.tier"
    assert os.readlink(m3.path(f"{d}/web")) == "../../web"
    assert m3.ok(f"cat {d}/web/image") == "docker.io/library/nginx:1.25\n"
    assert m3.ok(f"cat {d}/db/labels/app") == "db\n"
    assert m3.ok(f"ls -l {d}").count(" -> ../../") == 2
    assert m3.ok(f"stat -c %F {d} {d}/db") == "directory\nsymbolic link\n"
    # a container the filter does not match is no entry there
    m3.fails(f"ls {d}/bare", "No such file")
    r = m3.sh("readlink -e default/.query/labels.app==web/db")
    assert r.status != 0 and r.out == "", r  # readlink -e fails silently


def test_an_invalid_filter_is_no_directory_and_its_parse_error_is_logged(m3):
    flt = "labels.app=web"
    why = ('filters: parse error: [labels.app >|=|< web]: unsupported operator "=": '
           'invalid argument')
    r = m3.fails(f"ls default/.query/{flt}", "No such file or directory")
    assert r.status != 0
    line = f"refused lookup /default/.query/{flt}: {why} (ENOENT)"
    m3.expect(r"refused lookup /default/\.query/labels\.app=web: filters: parse error")
    assert line in m3.text(".errors")
    assert m3.ctl("containers", "ls", flt, check=False).err.decode() == f"ctrfsctl: {why}\n"
    # the position is the offending byte's, as ctrfsctl shows it
    m3.fails("ls default/.query/'labels.app==web,'", "No such file or directory")
    m3.expect(r"refused lookup /default/\.query/labels\.app==web,: filters: parse error: "
              r"\[labels\.app==web,\]: expected field or quoted: invalid argument \(ENOENT\)")


def test_query_lists_nothing_and_is_not_listed(m3):
    assert m3.ok("ls -A default/.query") == ""
    assert ".query" not in m3.ok("ls -A default").split()
    # find and grep -r never walk into it: every container once
    found = m3.ok("find . -name image").split()
    assert sorted(found) == ["./default/bare/image", "./default/db/image", "./default/web/image"]
    assert m3.ok("grep -rl nginx . | sort") == "./default/web/container.json\n./default/web/image\n"
    # a namespace that does not exist has none
    m3.fails("ls nope/.query/labels.app==web", "No such file")


def test_query_is_read_only(m3):
    d = "default/.query/labels.app==web"
    why = r"\.query/ is read-only: each directory shows what its filter matches \(EROFS\)"
    with m3.unchanged():
        # every filter that parses is a directory already (EEXIST); one that does not
        m3.fails("mkdir default/.query/labels.x==1", "File exists")
        m3.fails("mkdir default/.query/labels.x=1", "Read-only file system")
        m3.expect(r"refused lookup /default/\.query/labels\.x=1: filters: parse error")
        m3.expect(rf"refused mkdir /default/\.query/labels\.x=1: {why}")
        m3.fails(f"mkdir {d}/x", "Read-only file system")
        m3.expect(rf"refused mkdir /{d}/x: {why}")
        m3.fails(f"touch {d}/new", "Read-only file system")
        m3.expect(rf"refused create /{d}/new: {why}")
        m3.fails(f"rm {d}/web", "Read-only file system")
        m3.expect(rf"refused unlink /{d}/web: {why}")
        m3.fails(f"rmdir {d}", "Read-only file system")
        m3.expect(rf"refused rmdir /{d}: {why}")
        m3.fails(f"mv {d}/web {d}/other", "Read-only file system")
        m3.expect(rf"refused rename /{d}/web: {why}")
        m3.fails(f"ln -s x {d}/link", "Operation not permitted")
        m3.expect(rf"refused symlink /{d}/link: symbolic links are not supported")
        # writing through a link writes the container's file: that is no view
        assert m3.ok(f"ls {d}") == "web\n"


def test_a_change_shows_at_the_next_listing(m3):
    d = "default/.query/labels.app==web"
    assert m3.ok(f"ls {d}").split() == ["web"]
    m3.ctl("containers", "label", "bare", "app=web")
    assert m3.ok(f"ls {d}").split() == ["bare", "web"]
    m3.ok("echo db > default/web/labels/app")
    assert m3.ok(f"ls {d}").split() == ["bare"]
    m3.fails(f"cat {d}/web/image", "No such file")
    m3.ok("rm default/bare/labels/app")
    assert m3.ok(f"ls {d}").split() == []
    m3.ctl("containers", "create", "--label", "app=web", "new")
    assert m3.ok(f"ls {d}").split() == ["new"]
    assert m3.ok(f"cat {d}/new/labels/app") == "web\n"
    m3.ok("rmdir default/new")
    assert m3.ok(f"ls {d}").split() == []
