#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for a bounded time
# (CTRFS_FUZZ_SECONDS, default 60) on its corpus; crashes fail the run.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${CTRFS_FUZZ_BUILD_DIR:-build-fuzz}
secs=${CTRFS_FUZZ_SECONDS:-60}
rm -rf "$build"
CC=clang meson setup "$build" -Dfuzz=true -Dfs=disabled -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug >/dev/null
ninja -C "$build"
status=0
for exe in "$build"/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	corpus="fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
	echo "-- $name: ${secs}s"
	if ! "$exe" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work" >"$work.log" 2>&1; then
		echo "$name FAILED; last lines:"
		tail -30 "$work.log"
		ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* 2>/dev/null || true
		status=1
	else
		grep -E '^#[0-9]+.*DONE|Done [0-9]+ runs' "$work.log" | tail -1 || true
	fi
	rm -rf "$work" "$work.log"
done
exit $status
