#!/bin/sh
# Runs the filesystem suite with the daemon under valgrind memcheck, and the containerd
# client's suite with its probe under it: any memory error or definitely lost block
# makes the program exit 99, which fails the test that ran it.
#   tests/valgrind.sh [pytest args]    (after a plain build in build/)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${CTRFS_BUILD_DIR:-$top/build}
command -v valgrind >/dev/null || apt-get install -y -qq valgrind >/dev/null
export CTRFS_BUILD_DIR="$build"
export CTRFS_DAEMON_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
--suppressions=$top/tests/valgrind.supp \
--show-leak-kinds=definite --errors-for-leak-kinds=definite --track-fds=no"
export CTRFS_PROBE_WRAPPER="$CTRFS_DAEMON_WRAPPER"
exec /usr/bin/python3 -m pytest -q -p no:cacheprovider "$top/tests/fs" "$top/tests/containerd" \
	"$@"
