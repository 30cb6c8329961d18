"""containerd's filter syntax (pkg/filters) through `containers ls`: operators, quoting,
AND/OR, field names, absent fields and parse errors."""
import pytest


@pytest.fixture
def ctl3(ctl):
    """web (nginx, app=web and odd label keys), db (redis, kata runtime), bare (nothing)."""
    ctl.ok("containers", "create", "--image", "docker.io/library/nginx:1.25",
           "--label", "app=web", "--label", "a-b/c=slash", "--label", "a.b=dot",
           "--label", "tab=x\ty", "--label", "uni=héllo ✓", "--label", "tier=front", "web")
    ctl.ok("containers", "create", "--image", "docker.io/library/redis:7", "--label", "app=db",
           "--label", "tier=back", "--runtime", "io.containerd.kata.v2", "db")
    ctl.ok("containers", "create", "bare")
    return ctl


def ls(ctl, *filters):
    return sorted(ctl.ids(*filters))


@pytest.mark.parametrize("flt,expected", [
    ("labels.app==web", ["web"]),
    ("image==docker.io/library/redis:7", ["db"]),
    ("id==bare", ["bare"]),
    ("runtime.name==io.containerd.kata.v2", ["db"]),
    ("id==nope", []),
])
def test_equal_matches_the_exact_value(ctl3, flt, expected):
    assert ls(ctl3, flt) == expected


@pytest.mark.parametrize("flt,expected", [
    ("labels.app!=web", ["bare", "db"]),
    ("runtime.name!=io.containerd.runc.v2", ["db"]),
    ("image!=docker.io/library/redis:7", ["bare", "web"]),
])
def test_not_equal_also_matches_where_the_field_is_absent(ctl3, flt, expected):
    assert ls(ctl3, flt) == expected


def test_not_equal_to_the_empty_string_matches_only_present_fields(ctl3):
    assert ls(ctl3, 'labels.app!=""') == ["db", "web"]
    assert ls(ctl3, 'image!=""') == ["db", "web"]


def test_equal_never_matches_an_absent_field_even_against_empty(ctl3):
    assert ls(ctl3, 'labels.nope==""') == []
    assert ls(ctl3, 'image==""') == []


@pytest.mark.parametrize("flt,expected", [
    ("image~=nginx", ["web"]),
    ("image~=^nginx", []),                      # unanchored, but ^ anchors
    ("image~=redis:7$", ["db"]),
    ("labels.app~=e", ["web"]),
    ("labels.app~=/^(web|db)$/", ["db", "web"]),  # /re/ quoting
    ("labels.app~=|^d|", ["db"]),                # |re| quoting
    ('labels.app~="^w"', ["web"]),               # "re" quoting
    ("labels.uni~=✓$", ["web"]),
    ("labels.tier~=/[ok]/", ["db", "web"]),
])
def test_regexp_match_is_unanchored(ctl3, flt, expected):
    assert ls(ctl3, flt) == expected


@pytest.mark.parametrize("value,flt,matches", [
    ("a\vb", r"labels.k~=a\sb", False),          # Go's \s has no vertical tab
    ("a\fb", r"labels.k~=a\sb", True),
    ("a\vb", "labels.k~=a[[:space:]]b", True),
    ("aaa", "labels.k~=/^a{2,1000}$/", True),  # "," would end an unquoted value
    ("ÉTÉ", "labels.k~=(?i)^été$", True),
    ("é", r"labels.k~=^\pL$", True),
    ("é", "labels.k~=[[:alpha:]]", False),         # ASCII classes
    ("a.b", r"labels.k~=^a\Q.\Eb$", True),
    ("axb", r"labels.k~=^a\Q.\Eb$", False),
    ("x", "labels.k~=^(?P<n>x)$", True),
])
def test_regexp_is_gos(ctl3, value, flt, matches):
    ctl3.ok("containers", "label", "bare", "k=" + value)
    assert ls(ctl3, flt) == (["bare"] if matches else [])


def test_regexp_sees_an_absent_field_as_the_empty_string(ctl3):
    # containerd matches the adaptor's "" for an absent field
    assert ls(ctl3, "labels.nope~=/^$/") == ["bare", "db", "web"]
    assert ls(ctl3, "labels.app~=/^$/") == ["bare"]
    assert ls(ctl3, "labels.nope~=x") == []


@pytest.mark.parametrize("flt,expected", [
    ("labels.app", ["db", "web"]),
    ("image", ["db", "web"]),
    ("id", ["bare", "db", "web"]),
    ("labels.nope", []),
    ("labels", []),  # the map itself is no field
    ("runtime", []),
    ("nosuchfield", []),
])
def test_a_field_alone_tests_presence(ctl3, flt, expected):
    assert ls(ctl3, flt) == expected


def test_comma_is_and(ctl3):
    assert ls(ctl3, "labels.app,image~=redis") == ["db"]
    assert ls(ctl3, "labels.tier!=back,labels.app") == ["web"]
    assert ls(ctl3, "labels.app==web,labels.app==db") == []


def test_several_filters_are_or(ctl3):
    assert ls(ctl3, "labels.app==web", "labels.app==db") == ["db", "web"]
    assert ls(ctl3, "id==bare", "labels.app==db,image~=redis") == ["bare", "db"]


def test_an_empty_filter_matches_everything(ctl3):
    assert ls(ctl3, "") == ["bare", "db", "web"]
    assert ls(ctl3) == ["bare", "db", "web"]


@pytest.mark.parametrize("flt", ['labels."a-b/c"==slash', 'labels."a-b/c"~=/sl/',
                                 'labels."a-b/c"'])
def test_quoted_field_names_hold_any_character(ctl3, flt):
    assert ls(ctl3, flt) == ["web"]


def test_dotted_label_key_may_be_written_plain_or_quoted(ctl3):
    assert ls(ctl3, "labels.a.b==dot") == ["web"]
    assert ls(ctl3, 'labels."a.b"==dot') == ["web"]
    assert ls(ctl3, 'labels."a"."b"==dot') == ["web"]


def test_hyphen_is_no_field_character_as_in_containerd_1_6(ctl3):
    # containerd 1.6.20's scanner takes [A-Za-z0-9_] in a field: a key with "-" is quoted
    ctl3.ok("containers", "label", "bare", "x-y=1")
    assert ctl3.error("containers", "ls", "labels.x-y==1") == (
        'filters: parse error: [labels.x >|-|< y==1]: expected an operator '
        '("=="|"!="|"~="): invalid argument')
    assert ls(ctl3, 'labels."x-y"==1') == ["bare"]


@pytest.mark.parametrize("flt", [r'labels.tab=="x\ty"', r'labels.tab=="x\x09y"',
                                 r'labels.tab=="x\u0009y"', r'labels.tab=="x\011y"',
                                 r'labels.tab=="x\U00000009y"', r'labels.uni=="h\u00e9llo ✓"',
                                 r'labels."\x61pp"==web'])
def test_quoted_values_take_go_escapes(ctl3, flt):
    assert ls(ctl3, flt) == ["web"]


def test_unquoted_values_may_hold_dots_slashes_and_equals(ctl3):
    ctl3.ok("containers", "label", "bare", "url=a=b/c.d")
    assert ls(ctl3, "labels.url==a=b/c.d") == ["bare"]


def test_whitespace_before_a_selector_is_skipped(ctl3):
    assert ls(ctl3, "  labels.app==web") == ["web"]
    assert ls(ctl3, "id==bare, labels.app==db") == []  # AND of both


# ---- parse errors: containerd's message, exit status 1 ----

@pytest.mark.parametrize("flt,message", [
    ("labels.app==web,",
     "[labels.app==web,]: expected field or quoted"),
    ("labels.app=web",
     '[labels.app >|=|< web]: unsupported operator "="'),
    ("labels.app===web",
     '[labels.app >|=|< ==web]: unsupported operator "==="'),
    ("labels.app==",
     "[labels.app==]: expected value or quoted"),
    ("==web",
     "[ >|=|< =web]: expected field or quoted"),
    ("labels.app==web ,id==x",
     "[labels.app==web >| |< ,id==x]: unexpected input:  "),
    ("id==x ",
     "[id==x >| |< ]: unexpected input:  "),
    ('labels."app==x',
     '[labels. >|"|< app==x]: quoted literal not terminated'),
    (r'labels.app=="\q"',
     r'[labels.app== >|"|< \q"]: illegal escape sequence'),
    ("labels.app==/web/",
     "[labels.app== >|/|< web/]: invalid quote encountered"),
    ("labels.app~=.*",
     "[labels.app~= >|.|< *]: expected value or quoted"),
    ("labels.a-b/c==x",
     '[labels.a >|-|< b/c==x]: expected an operator ("=="|"!="|"~=")'),
    ("labels.a-b/c",
     '[labels.a >|-|< b/c]: expected an operator ("=="|"!="|"~=")'),
    ("image~=((",
     "[image~= >|(|< (]: error parsing regexp: missing closing ): `((`"),
    ("image~=/(?<=x)y/",
     "[image~= >|/|< (?<=x)y/]: error parsing regexp: invalid or unsupported Perl syntax: `(?<`"),
    ("image~=(a)\\1",
     "[image~= >|(|< a)\\1]: error parsing regexp: invalid escape sequence: `\\1`"),
    ("image~=a++",
     "[image~= >|a|< ++]: error parsing regexp: invalid nested repetition operator: `++`"),
    ("image~=x\\Z",
     "[image~= >|x|< \\Z]: error parsing regexp: invalid escape sequence: `\\Z`"),
    ("image~=x\\C",
     "[image~= >|x|< \\C]: error parsing regexp: invalid escape sequence: `\\C`"),
    ("image~=a{1001}",
     "[image~= >|a|< {1001}]: error parsing regexp: invalid repeat count: `{1001}`"),
])
def test_a_bad_filter_is_a_parse_error_pointing_at_the_offending_byte(ctl3, flt, message):
    assert ctl3.error("containers", "ls", flt) == (
        f"filters: parse error: {message}: invalid argument")


def test_a_bad_filter_among_good_ones_fails_the_whole_list(ctl3):
    r = ctl3("containers", "ls", "labels.app==web", "labels.app==")
    assert r.status == 1 and r.stdout == ""


def test_filters_apply_to_one_namespace(ctl3):
    ctl3.ok("containers", "create", "--label", "app=web", "web2", ns="other")
    assert ls(ctl3, "labels.app==web") == ["web"]
    assert ctl3.ids("labels.app==web", ns="other") == ["web2"]


def test_listing_a_namespace_that_does_not_exist_lists_nothing(ctl3):
    assert ctl3.ok("containers", "ls", "-q", ns="nope") == ""
