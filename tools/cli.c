/* ctrfsctl: what every command shares (the store, errors, files, tables). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

/* The store could not be opened because it does not exist. */
static bool store_missing(const ctrfs_error *err)
{
	return err->code == CTRFS_NOT_FOUND && err->sys_errno == ENOENT;
}

ctrfs_store *cli_store(struct cli *cli, bool read_only)
{
	(void)read_only; /* no command creates a store as a side effect (cli_store_create) */
	if (cli->store)
		return cli->store;
	ctrfs_error err;
	ctrfs_open_options opts = {.no_create = true};
	if (ctrfs_store_open(cli->store_path, &opts, &cli->store, &err)) {
		if (store_missing(&err))
			cli_errorf("store %s does not exist; create it with 'ctrfsctl init %s'",
				   cli->store_path, cli->store_path);
		else
			cli_error(&err);
		exit(EXIT_FAIL);
	}
	return cli->store;
}

ctrfs_store *cli_store_create(struct cli *cli)
{
	if (cli->store)
		return cli->store;
	ctrfs_error err;
	ctrfs_open_options opts = {.no_create = true};
	ctrfs_code code = ctrfs_store_open(cli->store_path, &opts, &cli->store, &err);
	if (code && store_missing(&err)) {
		opts.no_create = false;
		code = ctrfs_store_open(cli->store_path, &opts, &cli->store, &err);
		cli->store_created = !code;
	}
	if (code) {
		cli_error(&err);
		exit(EXIT_FAIL);
	}
	return cli->store;
}

void cli_store_discard(struct cli *cli)
{
	char path[PATH_MAX];
	ctrfs_store_close(cli->store);
	cli->store = NULL;
	cli->store_created = false;
	/* only what ctrfs_store_open made: a directory holding LMDB's two files */
	for (const char *const *f = (const char *const[]){"data.mdb", "lock.mdb", NULL}; *f; f++)
		if (snprintf(path, sizeof(path), "%s/%s", cli->store_path, *f) < (int)sizeof(path))
			unlink(path);
	rmdir(cli->store_path);
}

int cli_need_namespace(const struct cli *cli)
{
	if (*cli->ns)
		return 0;
	/* as ctr, for -n "" or an empty $CONTAINERD_NAMESPACE */
	return cli_errorf("namespace is required: failed precondition");
}

int cli_error(const ctrfs_error *err)
{
	fprintf(stderr, "ctrfsctl: %s\n", err->text);
	return EXIT_FAIL;
}

int cli_errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ctrfsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("ctrfsctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (see 'ctrfsctl %s%s--help')\n", cmd, *cmd ? " " : "");
	va_end(ap);
	return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, char **argv, int getopt_result)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	if (getopt_result == ':')
		return cli_usage(cmd, "option '%s' needs a value", arg);
	if (optopt && optopt < 256 && strncmp(arg, "--", 2) != 0)
		return cli_usage(cmd, "bad option '-%c'", optopt);
	return cli_usage(cmd, "bad option '%s'", arg);
}

bool cli_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return true;
		}
	}
	return false;
}

int cli_dispatch(struct cli *cli, const char *group, const struct command *cmds, int argc,
		 char **argv)
{
	if (argc < 1 || strcmp(argv[0], "-h") == 0 || strcmp(argv[0], "--help") == 0 ||
	    strcmp(argv[0], "help") == 0) {
		printf("Usage: ctrfsctl %s COMMAND [OPTIONS]\n\nCommands:\n", group);
		for (const struct command *c = cmds; c->name; c++)
			printf("  %-10s %s%s%s%s\n", c->name, c->summary,
			       c->alias ? " (aliases: " : "", c->alias ? c->alias : "",
			       c->alias ? ")" : "");
		printf("\nRun 'ctrfsctl %s COMMAND --help' for a command's options.\n", group);
		return argc < 1 ? EXIT_USAGE : 0;
	}
	for (const struct command *c = cmds; c->name; c++)
		if (cli_command_is(c, argv[0]))
			return c->run(cli, argc, argv);
	return cli_usage(group, "unknown command '%s %s'", group, argv[0]);
}

bool cli_command_is(const struct command *c, const char *word)
{
	if (strcmp(word, c->name) == 0)
		return true;
	size_t n = strlen(word);
	for (const char *a = c->alias; n && a && *a; a += strcspn(a, " "), a += *a == ' ')
		if (strncmp(a, word, n) == 0 && (a[n] == ' ' || a[n] == '\0'))
			return true;
	return false;
}

void cli_quote(char *buf, size_t size, const char *s)
{
	ctrfs_quote(buf, size, s);
}

int cli_container_error(const struct cli *cli, const char *id, const ctrfs_error *err)
{
	char qid[256], qns[256], missing[600];
	cli_quote(qid, sizeof(qid), id);
	cli_quote(qns, sizeof(qns), cli->ns);
	snprintf(missing, sizeof(missing), "container %s: not found", qid);
	/* the store words it as containerd's Get, Update or Delete does; ctr (which always
	 * loads the container first) shows only Get's form: one form for every command.
	 * Anything else not found (an extension, a label) is said as the store says it. */
	if (err->code != CTRFS_NOT_FOUND || strcmp(err->text, missing) != 0)
		return cli_error(err);
	return cli_errorf("container %s in namespace %s: not found", qid, qns);
}

bool cli_split_kv(const char *arg, char **key, const char **value)
{
	const char *eq = strchr(arg, '=');
	*key = eq ? strndup(arg, (size_t)(eq - arg)) : strdup(arg);
	*value = eq ? eq + 1 : NULL;
	return *key != NULL;
}

int cli_parse_label(const char *cmd, const char *arg, ctrfs_labels *labels)
{
	char *k;
	const char *v;
	if (!cli_split_kv(arg, &k, &v))
		return cli_errorf("out of memory");
	int rc = 0;
	(void)cmd;
	/* as ctr's LabelArgs: a bare KEY means KEY=true */
	if (ctrfs_labels_set(labels, k, v ? v : "true"))
		rc = cli_errorf("out of memory");
	free(k);
	return rc;
}

int cli_parse_labels(const char *cmd, int argc, char **argv, ctrfs_labels *labels)
{
	for (int i = 0; i < argc; i++) {
		int rc = cli_parse_label(cmd, argv[i], labels);
		if (rc)
			return rc;
	}
	return 0;
}

void cli_print_labels(const ctrfs_labels *labels)
{
	for (size_t i = 0; i < labels->count; i++)
		printf("%s=%s\n", labels->items[i].key, labels->items[i].value);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *cli_labels_column(const ctrfs_labels *labels, bool sorted_pairs)
{
	size_t n = labels->count;
	char **pairs = calloc(n + 1, sizeof(*pairs));
	char *joined = NULL;
	size_t len = 0;
	FILE *m = pairs ? open_memstream(&joined, &len) : NULL;
	for (size_t i = 0; m && i < n; i++)
		if (asprintf(&pairs[i], "%s=%s", labels->items[i].key, labels->items[i].value) < 0)
			pairs[i] = NULL;
	if (m) {
		if (sorted_pairs)
			qsort(pairs, n, sizeof(*pairs), cmp_str);
		for (size_t i = 0; i < n; i++)
			fprintf(m, "%s%s", i ? "," : "", pairs[i] ? pairs[i] : "");
		fclose(m);
	}
	for (size_t i = 0; pairs && i < n; i++)
		free(pairs[i]);
	free(pairs);
	return joined;
}

int cli_ls_options(const char *cmd, const char *help, int argc, char **argv, bool *quiet)
{
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	int c;
	*quiet = false;
	while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
		if (c == 'q')
			*quiet = true;
		else if (c == 'h')
			return fputs(help, stdout), 0;
		else
			return cli_bad_option(cmd, argv, c);
	}
	return -1;
}

char *cli_read_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f)) {
				free(buf);
				buf = NULL;
			}
			break;
		}
		cap *= 2;
		char *p = realloc(buf, cap + 1);
		if (!p) {
			free(buf);
			buf = NULL;
			errno = ENOMEM;
		}
		buf = p;
	}
	int saved = errno;
	if (f != stdin)
		fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = n;
	}
	errno = saved;
	return buf;
}

char *cli_read_value(const char *arg, size_t *len)
{
	if (arg[0] == '@')
		return cli_read_file(arg + 1, len);
	*len = strlen(arg);
	return strdup(arg);
}

struct table {
	size_t ncols, minwidth, padding;
	size_t nrows;
	char **cells; /* nrows * ncols */
};

struct table *table_new(size_t ncols, size_t minwidth, size_t padding)
{
	struct table *t = calloc(1, sizeof(*t));
	if (t) {
		t->ncols = ncols;
		t->minwidth = minwidth;
		t->padding = padding;
	}
	return t;
}

void table_row(struct table *t, const char *const *cells)
{
	char **p = realloc(t->cells, (t->nrows + 1) * t->ncols * sizeof(char *));
	if (!p)
		return;
	t->cells = p;
	for (size_t i = 0; i < t->ncols; i++)
		p[t->nrows * t->ncols + i] = strdup(cells[i] ? cells[i] : "");
	t->nrows++;
}

static size_t utf8_width(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

void table_print(struct table *t)
{
	size_t *width = calloc(t->ncols, sizeof(size_t));
	for (size_t r = 0; width && r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t w = utf8_width(t->cells[r * t->ncols + c]) + t->padding;
			if (w < t->minwidth)
				w = t->minwidth;
			if (w > width[c])
				width[c] = w;
		}
	for (size_t r = 0; width && r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *cell = t->cells[r * t->ncols + c];
			fputs(cell, stdout);
			for (size_t w = utf8_width(cell); w < width[c]; w++)
				putchar(' ');
		}
		putchar('\n');
	}
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(width);
	free(t);
}
