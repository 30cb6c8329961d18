#!/bin/sh
# Sets up a fresh Debian 12 machine and runs the whole ctrfs test suite.
#   tests/run.sh             plain build with -Werror, unit tests and the pytest suite
#   CTRFS_SANITIZE=1 tests/run.sh   the same under AddressSanitizer + UBSan
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# meson setup, from scratch each time (a stale build dir must not hide a failure)
setup() {
	dir=$1
	shift
	rm -rf "$dir"
	meson setup "$dir" "$@" >/dev/null
}
[ "${CTRFS_SKIP_DEPS:-}" = 1 ] || tools/install-deps
# formatting first: a second, and a mis-formatted file fails CI before any build
tests/format.sh

if [ "${CTRFS_SANITIZE:-}" = 1 ]; then
	build=${CTRFS_BUILD_DIR:-build-sanitize}
	# clang's runtime: ASan + UBSan + LSan (leak check at each process exit)
	CC=clang CXX=clang++ setup "$build" -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	export LSAN_OPTIONS=suppressions="$top/tests/lsan.supp"
else
	build=${CTRFS_BUILD_DIR:-build}
	setup "$build" -Dwerror=true
fi
ninja -C "$build"
case $build in /*) ;; *) build="$top/$build" ;; esac
CTRFS_BUILD_DIR="$build" meson test -C "$build" --print-errorlogs --num-processes 1
