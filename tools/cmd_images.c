/* ctrfsctl images: ls and label, as ctr images ls / label. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ctr's SIZE column: progress.Bytes, "%02.1f %s" in powers of 1024. */
static void size_column(int64_t n, char *buf, size_t len)
{
	static const char *const units[] = {"B",   "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB", "ZiB", "YiB"};
	double size = (double)n;
	size_t i = 0;
	while (size >= 1024 && i < sizeof(units) / sizeof(*units) - 1) {
		size /= 1024;
		i++;
	}
	snprintf(buf, len, "%02.1f %s", size, units[i]);
}

/* SIZE and PLATFORMS of a bound store's image from containerd's content store, as
 * ctr prints them; a content store error is said on stderr as ctr logs it, and what
 * ctr then prints is kept. "-" for what cannot be had. */
static void usage_columns(struct cli *cli, const char *name, char *size, size_t len,
			  char **platforms)
{
	int64_t n;
	ctrfs_error err;
	if (ctrfs_image_usage(cli_store(cli, true), cli->ns, name, &n, platforms, &err))
		fprintf(stderr, "ctrfsctl: image %s: %s\n", name, err.text);
	if (n >= 0)
		size_column(n, size, len);
	else
		snprintf(size, len, "-");
}

static int images_ls(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl images ls [-q] [FILTER...]\n\n"
	    "List the images of the namespace as `ctr images ls` does: REF, TYPE, DIGEST,\n"
	    "SIZE, PLATFORMS, LABELS. SIZE and PLATFORMS come from containerd's content\n"
	    "store, which ctrfs does not hold: on a store bound to containerd they are\n"
	    "read from it as ctr does, else printed as \"-\". FILTERs use\n"
	    "containerd's syntax over name, target.digest, target.mediatype, labels.KEY\n"
	    "and annotations.KEY (any one matching).\n\n"
	    "  -q, --quiet   print only the image references\n";
	bool quiet;
	int rc = cli_ls_options("images ls", help, argc, argv, &quiet);
	if (rc >= 0)
		return rc;
	if (cli_need_namespace(cli))
		return EXIT_FAIL;
	ctrfs_image *list;
	size_t n;
	ctrfs_error err;
	if (ctrfs_image_list(cli_store(cli, true), cli->ns, (const char *const *)argv + optind,
			     (size_t)(argc - optind), &list, &n, &err))
		return cli_errorf("failed to list images: %s", err.text);
	char *address = NULL;
	if (!quiet && ctrfs_store_bound_address(cli_store(cli, true), &address, &err))
		fprintf(stderr, "ctrfsctl: %s\n", err.text);
	bool bound = address != NULL;
	free(address);
	struct table *t = quiet ? NULL : table_new(6, 1, 1);
	if (t)
		table_row(t, (const char *const[]){"REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS",
						   "LABELS"});
	for (size_t i = 0; i < n; i++) {
		if (quiet) {
			puts(list[i].name);
			continue;
		}
		/* ctr's LABELS: the pairs sorted as strings, "-" when none */
		char *labels =
		    list[i].labels.count ? cli_labels_column(&list[i].labels, true) : strdup("-");
		char size[32] = "-", *platforms = NULL;
		if (bound)
			usage_columns(cli, list[i].name, size, sizeof(size), &platforms);
		table_row(t, (const char *const[]){
				 list[i].name, list[i].target.media_type, list[i].target.digest,
				 size, platforms ? platforms : "-", labels ? labels : ""});
		free(platforms);
		free(labels);
	}
	if (t)
		table_print(t);
	ctrfs_image_list_free(list, n);
	return 0;
}

static int images_label(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl images label NAME [KEY=VALUE...]\n\n"
	    "Set labels on an image (containerd's label rules); KEY= (empty value) removes\n"
	    "the label and a bare KEY means KEY=true, as with ctr. Then print the image's\n"
	    "labels as ctr does: KEY=VALUE pairs joined by commas (sorted).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("images label", "please specify an image");
	if (cli_need_namespace(cli))
		return EXIT_FAIL;
	ctrfs_error err;
	ctrfs_labels labels = {0};
	int rc = cli_parse_labels("images label", argc - 2, argv + 2, &labels);
	for (size_t i = 0; !rc && i < labels.count; i++)
		if (ctrfs_image_set_label(cli_store(cli, false), cli->ns, argv[1],
					  labels.items[i].key, labels.items[i].value, &err))
			rc = cli_error(&err);
	ctrfs_labels_clear(&labels);
	if (rc)
		return rc;
	ctrfs_image im;
	if (ctrfs_image_get(cli_store(cli, true), cli->ns, argv[1], &im, &err))
		return cli_error(&err);
	char *col = cli_labels_column(&im.labels, true);
	puts(col ? col : "");
	free(col);
	ctrfs_image_clear(&im);
	return 0;
}

int cmd_images(struct cli *cli, int argc, char **argv)
{
	static const struct command cmds[] = {
	    {"ls", "list", images_ls, "list images"},
	    {"label", NULL, images_label, "set and clear labels for an image"},
	    {NULL, NULL, NULL, NULL},
	};
	return cli_dispatch(cli, "images", cmds, argc - 1, argv + 1);
}
