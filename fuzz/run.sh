#!/bin/sh
# Builds the libFuzzer targets with clang and runs each for a bounded time on its
# corpus; crashes fail the run. Each target gets CTRFS_FUZZ_SECONDS (default 60), but
# no more than its share of CTRFS_FUZZ_TOTAL_SECONDS (default 420, so that CI's fuzzing
# stays near 8 minutes with the build): with 12 targets, 35 s each.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
build=${CTRFS_FUZZ_BUILD_DIR:-build-fuzz}
secs=${CTRFS_FUZZ_SECONDS:-60}
total=${CTRFS_FUZZ_TOTAL_SECONDS:-420}
rm -rf "$build"
CC=clang CXX=clang++ meson setup "$build" -Dfuzz=true -Dfs=disabled -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug >/dev/null
ninja -C "$build"
n=0
for exe in "$build"/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] && n=$((n + 1))
done
[ "$n" -gt 0 ] && [ $((total / n)) -lt "$secs" ] && secs=$((total / n))
status=0
for exe in "$build"/fuzz/fuzz_*; do
	[ -f "$exe" ] && [ -x "$exe" ] || continue
	name=$(basename "$exe")
	corpus="fuzz/corpus/${name#fuzz_}"
	work=$(mktemp -d)
	# fuzz_store's scratch store: not in the corpus directory, which libFuzzer reads
	CTRFS_FUZZ_TMP=$(mktemp -d)
	export CTRFS_FUZZ_TMP
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
	rm -rf "$work" "$work.log" "$CTRFS_FUZZ_TMP"
done
exit $status
