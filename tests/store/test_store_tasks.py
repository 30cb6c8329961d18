"""`ctrfsctl tasks ls` on a store that holds no tasks (never bound): ctr's header alone,
as `ctr tasks ls` prints it for a namespace without tasks; the aliases, -q and the
namespace rules of every command. (Tasks themselves come from containerd only: see
tests/containerd/test_tasks.py and tests/unit/test_tasks.c.)"""
import pytest

# `ctr tasks ls` of a namespace without tasks (tabwriter: minwidth 4, padding 4)
CTR_EMPTY = "TASK    PID    STATUS    \n"


@pytest.mark.parametrize("args", [["tasks", "ls"], ["t", "ls"], ["task", "list"]])
def test_no_tasks_is_ctr_header_alone(ctl, args):
    ctl.ok("containers", "create", "web")
    assert ctl(*args) == (0, CTR_EMPTY, "")
    assert ctl(*args, "-q") == (0, "", "")


def test_tasks_ls_needs_a_namespace_and_no_argument(ctl):
    ctl.ok("containers", "create", "web")
    r = ctl("-n", "", "tasks", "ls")
    assert r[0] == 1 and "namespace is required" in r[2]
    r = ctl("tasks", "ls", "extra")
    assert r == (2, "", "ctrfsctl: unexpected argument 'extra' "
                        "(see 'ctrfsctl tasks ls --help')\n")
