/* Baseline for the filesystem benchmark: N label updates through the store library,
 * the same work as N `echo v > labels/k` through a mount.
 * Usage: ctrfs-label-updates STORE NAMESPACE ID COUNT  (prints seconds) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ctrfs_store.h"

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: %s STORE NAMESPACE ID COUNT\n", argv[0]);
		return 2;
	}
	ctrfs_store *s;
	ctrfs_error err;
	if (ctrfs_store_open(argv[1], NULL, &s, &err)) {
		fprintf(stderr, "%s\n", err.text);
		return 1;
	}
	long n = atol(argv[4]);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		char value[32];
		snprintf(value, sizeof(value), "v%ld", i);
		ctrfs_label l = {"bench", value};
		ctrfs_container c = {.id = argv[3], .labels = {1, &l}};
		const char *path = "labels.bench";
		if (ctrfs_container_update(s, argv[2], &c, &path, 1, NULL, &err)) {
			fprintf(stderr, "%s\n", err.text);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.6f\n", (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9);
	ctrfs_store_close(s);
	return 0;
}
