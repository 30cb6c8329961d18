/* libFuzzer target: filter strings (one per line) parsed and matched against a container. */
#include "filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static ctrfs_label labels[] = {
    {"a-b/c", "y"},
    {"a.b", "x"},
    {"bin", "\xff\xfe"},
    {"empty", ""},
    {"io.kubernetes.pod.name", "web-0"},
    {"nl", "a\nb\n"},
};

static const ctrfs_container containers[] = {
    {
	.id = "redis",
	.image = "docker.io/library/redis:7",
	.runtime_name = "io.containerd.runc.v2",
	.labels = {sizeof(labels) / sizeof(labels[0]), labels},
    },
    {.id = "bare"},
};

static void check_error(const ctrfs_error *err, ctrfs_code code)
{
	/* every failure is a parse error in containerd's form, or memory */
	if (code == CTRFS_INVALID_ARGUMENT) {
		if (err->code != code || strncmp(err->text, "filters: parse error: [", 23) != 0)
			abort();
	} else if (code != CTRFS_INTERNAL) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	/* each line is one filter string; an embedded NUL ends its string early */
	size_t n = 1;
	for (size_t i = 0; i < size; i++)
		n += text[i] == '\n';
	const char **exprs = malloc(n * sizeof(*exprs));
	if (!exprs) {
		free(text);
		return 0;
	}
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		char *nl = memchr(text + at, '\n', size - at);
		size_t end = nl ? (size_t)(nl - text) : size;
		text[end] = '\0';
		exprs[i] = text + at;
		at = end + 1;
	}

	ctrfs_filter *f = NULL;
	ctrfs_error err = {0};
	ctrfs_code code = filter_parse(exprs, n, &f, &err);
	if (code == CTRFS_OK) {
		for (size_t i = 0; i < sizeof(containers) / sizeof(containers[0]); i++)
			filter_match(f, filter_container_field, &containers[i]);
		filter_free(f);
	} else {
		if (f)
			abort();
		check_error(&err, code);
	}
	free(exprs);
	free(text);
	return 0;
}
