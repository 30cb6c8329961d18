/* ctrfsctl export and import (ctrfs documents, ctr info output, containerd's meta.db). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "containerd_db.h"

int cmd_export(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
		"Usage: ctrfsctl [-n NS] export [-o FILE]\n\n"
		"Print every namespace (or only the one given with -n before the command) with\n"
		"its labels and containers as one JSON document, which `import` reads back.\n\n"
		"  -o, --output FILE   write to FILE instead of stdout\n";
	static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *output = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		if (c == 'o')
			output = optarg;
		else if (c == 'h')
			return fputs(help, stdout), 0;
		else
			return cli_bad_option("export", argv, c);
	}
	if (optind < argc)
		return cli_usage("export", "unexpected argument '%s'", argv[optind]);
	const char *only = cli->ns_explicit ? cli->ns : NULL;
	char *doc;
	size_t len;
	ctrfs_error err;
	if (ctrfs_store_export(cli_store(cli, true), only, &doc, &len, &err))
		return cli_error(&err);
	FILE *f = output ? fopen(output, "w") : stdout;
	int rc = 0;
	if (!f)
		rc = cli_errorf("%s: %m", output);
	else if (fwrite(doc, 1, len, f) != len || fflush(f) != 0)
		rc = cli_errorf("writing %s: %m", output ? output : "stdout");
	if (f && f != stdout && fclose(f) != 0 && !rc)
		rc = cli_errorf("%s: %m", output);
	free(doc);
	return rc;
}

struct import_report {
	bool verbose;
	const char *prefix;
	bool progress; /* stderr is a terminal: keep one progress line up to date */
	size_t done, total;
};

static void print_action(void *arg, const char *ns, const char *id, const char *action)
{
	struct import_report *r = arg;
	if (r->progress && id && strcmp(action, "exists") != 0 &&
	    (++r->done % 1000 == 0 || r->done == r->total))
		fprintf(stderr, "\rimporting: %zu/%zu containers", r->done, r->total);
	if (!r->verbose && strcmp(action, "exists") != 0)
		return;
	if (strcmp(action, "exists") == 0) {
		fprintf(stderr, "exists: container %s/%s\n", ns, id);
		return;
	}
	if (id)
		printf("%s%s container %s/%s\n", r->prefix, action, ns, id);
	else
		printf("%s%s namespace %s\n", r->prefix, action, ns);
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
		"Usage: ctrfsctl [-n NS] import [OPTIONS] FILE\n"
		"       ctrfsctl [-n NS] import --containerd [OPTIONS] META_DB\n\n"
		"Import containers. FILE (- for stdin) is a `ctrfsctl export` document or the\n"
		"output of `ctr containers info` (imported into the namespace of -n). With\n"
		"--containerd, read containerd's own bolt database (e.g. a copy of\n"
		"/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db); all its\n"
		"namespaces, or only the one of -n when given. Timestamps are kept.\n\n"
		"  --containerd     the input is containerd's meta.db\n"
		"  --replace        replace containers that already exist\n"
		"  --skip           leave containers that already exist as they are\n"
		"  --dry-run        print what would change, change nothing\n"
		"  -v, --verbose    print each container imported\n\n"
		"Without --replace or --skip, containers that exist make the import fail\n"
		"before anything is written, listing them.\n";
	enum { OPT_CONTAINERD = 256, OPT_REPLACE, OPT_SKIP, OPT_DRY_RUN };
	static const struct option opts[] = {{"containerd", no_argument, NULL, OPT_CONTAINERD},
					     {"replace", no_argument, NULL, OPT_REPLACE},
					     {"skip", no_argument, NULL, OPT_SKIP},
					     {"dry-run", no_argument, NULL, OPT_DRY_RUN},
					     {"verbose", no_argument, NULL, 'v'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool containerd = false;
	struct import_report rep = {false, "", false, 0, 0};
	ctrfs_import_options io = {0, print_action, &rep};
	int c;
	while ((c = getopt_long(argc, argv, ":vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONTAINERD:
			containerd = true;
			break;
		case OPT_REPLACE:
			io.flags |= CTRFS_IMPORT_REPLACE;
			break;
		case OPT_SKIP:
			io.flags |= CTRFS_IMPORT_SKIP;
			break;
		case OPT_DRY_RUN:
			io.flags |= CTRFS_IMPORT_DRY_RUN;
			rep.verbose = true;
			rep.prefix = "would ";
			break;
		case 'v':
			rep.verbose = true;
			break;
		case 'h':
			return fputs(help, stdout), 0;
		default:
			return cli_bad_option("import", argv, c);
		}
	}
	if (optind + 1 != argc)
		return cli_usage("import", "expected exactly one input file");
	if ((io.flags & CTRFS_IMPORT_REPLACE) && (io.flags & CTRFS_IMPORT_SKIP))
		return cli_usage("import", "--replace and --skip exclude each other");
	const char *path = argv[optind];
	const char *only = cli->ns_explicit ? cli->ns : NULL;
	ctrfs_error err;
	ctrfs_import_result res;
	ctrfs_code code;
	ctrfs_store *s = cli_store(cli, false);
	if (containerd) {
		ctrfs_import_namespace *nss;
		size_t n;
		code = containerd_db_read(path, only, &nss, &n, &err);
		for (size_t i = 0; !code && i < n; i++)
			rep.total += nss[i].count;
		rep.progress = !rep.verbose && rep.total >= 1000 && isatty(STDERR_FILENO);
		if (!code) {
			code = ctrfs_store_import_batch(s, nss, n, &io, &res, &err);
			ctrfs_import_namespaces_free(nss, n);
		}
	} else {
		size_t len;
		char *text = cli_read_file(path, &len);
		if (!text)
			return cli_errorf("%s: %m", path);
		code = ctrfs_store_import(s, text, len, cli->ns, &io, &res, &err);
		free(text);
	}
	if (rep.progress && rep.done)
		fputc('\n', stderr);
	if (code)
		return cli_error(&err);
	fprintf(stderr, "%s%zu created, %zu replaced, %zu skipped, %zu new namespaces\n",
		(io.flags & CTRFS_IMPORT_DRY_RUN) ? "dry run: would have " : "", res.created,
		res.replaced, res.skipped, res.namespaces);
	return 0;
}
