#!/bin/sh
# Sets up a fresh Debian 12 machine, builds ctrfs, creates a demo store from real
# containerd data, mounts it and shows it.
#   Usage: sudo tools/demo.sh [DIR]
# DIR (default /tmp/ctrfs-demo) gets the store (DIR/store) and the mount point
# (DIR/mnt); a demo already there is unmounted and replaced. CTRFS_SKIP_DEPS=1 skips
# installing packages; CTRFS_BUILD_DIR picks the build directory (default build/).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
demo=${1:-/tmp/ctrfs-demo}
build=${CTRFS_BUILD_DIR:-$top/build}
[ "${CTRFS_SKIP_DEPS:-}" = 1 ] || tools/install-deps
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" >/dev/null

ctl="$build/tools/ctrfsctl --store $demo/store"
daemon="$build/fs/ctrfs"
if mountpoint -q "$demo/mnt" 2>/dev/null; then
	fusermount3 -u "$demo/mnt"
fi
rm -rf "$demo/store"
mkdir -p "$demo/mnt"

# 14 containers in 3 namespaces, written by a real containerd 1.6 (see tests/data)
$ctl import --containerd tests/data/containerd/set-a/meta.db
# and one made here, to show create and labels
$ctl -n default containers create --label app=demo --label tier=frontend \
	docker.io/library/nginx:1.25 demo-web >/dev/null

echo
echo "== ctrfsctl namespaces ls"
$ctl namespaces ls
echo
echo "== ctrfsctl -n default containers ls"
$ctl -n default containers ls

if [ -x "$daemon" ]; then
	"$daemon" "$demo/store" "$demo/mnt"
	echo
	echo "== mounted at $demo/mnt"
	echo "\$ ls $demo/mnt/default/demo-web"
	ls "$demo/mnt/default/demo-web"
	echo "\$ cat $demo/mnt/default/demo-web/image"
	cat "$demo/mnt/default/demo-web/image"
	echo "\$ grep -r . $demo/mnt/default/demo-web/labels"
	grep -r . "$demo/mnt/default/demo-web/labels"
	cat <<MSG

Try:
  ls -l $demo/mnt/k8s.io
  cat $demo/mnt/default/a-web/labels/app
  echo nginx:1.26 > $demo/mnt/default/demo-web/image
  echo 1 > $demo/mnt/default/demo-web/labels/owner.team
  jq .Runtime $demo/mnt/default/a-kata/container.json
  vim $demo/mnt/default/demo-web/spec.json
  $ctl -n default containers info demo-web
Unmount with: fusermount3 -u $demo/mnt
MSG
fi
