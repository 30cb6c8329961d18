/* ctrfsctl export and import (ctrfs documents, ctr info output, containerd's meta.db). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

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
	if (cli_need_namespace(cli))
		return EXIT_FAIL;
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

/* The progress line, rewritten in place (\r): a big import takes a while. */
static void show_progress(struct import_report *r, const char *what)
{
	if (what)
		fprintf(stderr, "\rimporting: %s", what);
	else
		fprintf(stderr, "\rimporting: %zu/%zu containers\033[K", r->done, r->total);
}

static void print_action(void *arg, const char *ns, const char *id, const char *action)
{
	struct import_report *r = arg;
	if (r->progress && id && strcmp(action, "exists") != 0 && r->done < r->total &&
	    (++r->done % 500 == 0 || r->done == r->total))
		show_progress(r, NULL);
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

/* Reads the input into namespaces to import: a document, or containerd's meta.db. */
static int read_input(struct cli *cli, const char *path, bool containerd,
		      ctrfs_import_namespace **nss, size_t *n)
{
	ctrfs_error err;
	ctrfs_code code;
	if (containerd) {
		code =
		    ctrfs_containerd_db_read(path, cli->ns_explicit ? cli->ns : NULL, nss, n, &err);
	} else {
		size_t len;
		char *text = cli_read_file(path, &len);
		if (!text)
			return cli_errorf("%s: %m", path);
		code = ctrfs_import_parse(text, len, cli->ns, nss, n, &err);
		free(text);
	}
	return code ? cli_error(&err) : 0;
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
	    "before anything is written, listing them.\n\n"
	    "A store that does not exist is created (and that is said on stderr); a failed\n"
	    "import leaves none. On a terminal, a progress line is kept up to date on\n"
	    "stderr; otherwise only the summary line is printed there.\n";
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
	if (cli_need_namespace(cli))
		return EXIT_FAIL;
	const char *path = argv[optind];
	ctrfs_import_namespace *nss = NULL;
	size_t n = 0;
	rep.progress = !rep.verbose && isatty(STDERR_FILENO);
	if (rep.progress)
		show_progress(&rep, "reading the input...");
	int rc = read_input(cli, path, containerd, &nss, &n);
	for (size_t i = 0; !rc && i < n; i++)
		rep.total += nss[i].count;
	ctrfs_error err;
	ctrfs_import_result res;
	/* importing into a new store is a way to make one; a failed import leaves none */
	if (!rc && ctrfs_store_import_batch(cli_store_create(cli), nss, n, &io, &res, &err))
		rc = cli_error(&err);
	ctrfs_import_namespaces_free(nss, n);
	if (rep.progress)
		fputs(rep.done ? "\n" : "\r\033[K", stderr);
	if (rc && cli->store_created)
		cli_store_discard(cli);
	else if (cli->store_created)
		fprintf(stderr, "ctrfsctl: created a new store %s\n", cli->store_path);
	if (rc)
		return rc;
	fprintf(stderr, "%s%zu created, %zu replaced, %zu skipped, %zu new namespaces",
		(io.flags & CTRFS_IMPORT_DRY_RUN) ? "dry run: would have " : "", res.created,
		res.replaced, res.skipped, res.namespaces);
	/* containers are what most imports carry: images are counted when there are any */
	if (res.images || res.images_skipped)
		fprintf(stderr, "; images: %zu imported, %zu skipped", res.images,
			res.images_skipped);
	fputc('\n', stderr);
	return 0;
}
