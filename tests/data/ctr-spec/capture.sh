#!/bin/bash
# Records what containerd 1.6.20's ctr prints for each spec here: NAME.ctr is
# `ctr containers info --spec` of a container created with `ctr containers create
# --config NAME.json`, or, when ctr refuses the spec, Go's error message (ctr prints it
# after its own prefix). Usage: capture.sh SOCKET (a private containerd's grpc address).
set -u
cd "$(dirname "$0")"
for f in *.json; do
	n=${f%.json}
	ctr -a "$1" c rm "spec-$n" >/dev/null 2>&1
	if err=$(ctr -a "$1" c create --config "$f" "spec-$n" 2>&1); then
		ctr -a "$1" c info --spec "spec-$n" > "$n.ctr"
		ctr -a "$1" c rm "spec-$n"
	else
		printf '%s\n' "${err#*runtime-spec : v1.0.2-dev: }" > "$n.ctr"
	fi
done
