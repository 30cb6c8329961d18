/* ctrfsctl containers: ls, info, create, label, update, rm. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The list as a JSON array of `containers info` objects (MarshalIndent's shape). */
static int print_json_list(const ctrfs_container *list, size_t n)
{
	char *json;
	size_t len;
	ctrfs_error err;
	if (ctrfs_container_list_info_json(list, n, &json, &len, &err))
		return cli_error(&err);
	fwrite(json, 1, len, stdout);
	free(json);
	return 0;
}

static int c_ls(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl containers ls [-q] [--format table|json] [FILTER...]\n\n"
	    "List containers of the namespace: CONTAINER, IMAGE (- when none), RUNTIME.\n"
	    "Filters use containerd's syntax; several are OR-ed, commas AND:\n"
	    "  id==web  image~=nginx  labels.app==web,runtime.name!=io.containerd.runc.v2\n"
	    "  labels.\"io.kubernetes.pod/name\"  (present)\n\n"
	    "  -q, --quiet       print only the IDs\n"
	    "  --format json     a JSON array of container objects, each as\n"
	    "                    `containers info` prints it (sorted by ID)\n";
	enum { OPT_FORMAT = 256 };
	static const struct option opts[] = {{"quiet", no_argument, NULL, 'q'},
					     {"format", required_argument, NULL, OPT_FORMAT},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	bool quiet = false, json = false;
	int c;
	while ((c = getopt_long(argc, argv, ":qh", opts, NULL)) != -1) {
		if (c == 'q')
			quiet = true;
		else if (c == OPT_FORMAT && strcmp(optarg, "json") != 0 &&
			 strcmp(optarg, "table") != 0)
			return cli_usage("containers ls", "unknown format '%s' (table or json)",
					 optarg);
		else if (c == OPT_FORMAT)
			json = strcmp(optarg, "json") == 0;
		else if (c == 'h')
			return fputs(help, stdout), 0;
		else
			return cli_bad_option("containers ls", argv, c);
	}
	if (quiet && json)
		return cli_usage("containers ls", "--quiet and --format json exclude each other");
	ctrfs_container *list;
	size_t n;
	ctrfs_error err;
	ctrfs_store *s = cli_store(cli, true);
	unsigned load = json ? CTRFS_LOAD_ALL : 0;
	if (ctrfs_container_list(s, cli->ns, (const char *const *)argv + optind,
				 (size_t)(argc - optind), load, &list, &n, &err))
		return cli_error(&err);
	if (json) {
		int rc = print_json_list(list, n);
		ctrfs_container_list_free(list, n);
		return rc;
	}
	struct table *t = quiet ? NULL : table_new(3, 4, 4);
	if (t)
		table_row(t, (const char *const[]){"CONTAINER", "IMAGE", "RUNTIME"});
	for (size_t i = 0; i < n; i++) {
		if (quiet)
			puts(list[i].id);
		else
			table_row(t, (const char *const[]){
					 list[i].id,
					 list[i].image && *list[i].image ? list[i].image : "-",
					 list[i].runtime_name});
	}
	if (t)
		table_print(t);
	ctrfs_container_list_free(list, n);
	return 0;
}

static int c_info(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl containers info [--spec] ID\n\n"
	    "Print the container as `ctr containers info` does (JSON).\n\n"
	    "  --spec   print only the OCI runtime spec, as ctr does: in the field order\n"
	    "           of the runtime-spec Go structs, keys they do not have dropped\n";
	static const struct option opts[] = {
	    {"spec", no_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
	bool spec_only = false;
	int c;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 's')
			spec_only = true;
		else if (c == 'h')
			return fputs(help, stdout), 0;
		else
			return cli_bad_option("containers info", argv, c);
	}
	if (optind + 1 != argc)
		return cli_usage("containers info", "expected exactly one container ID");
	ctrfs_container ct;
	ctrfs_error err;
	if (ctrfs_container_get(cli_store(cli, true), cli->ns, argv[optind], CTRFS_LOAD_ALL, &ct,
				&err))
		return cli_container_error(cli, argv[optind], &err);
	int rc = 0;
	if (spec_only) {
		/* as ctr: decoded into the OCI spec's Go struct, then printed indented */
		char *json;
		size_t len;
		if (!ct.has_spec)
			rc = cli_errorf("container %s has no spec", ct.id);
		else if (ctrfs_spec_json_go(ct.spec.value, ct.spec.value_len, &json, &len, &err))
			rc = cli_error(&err);
		else {
			fwrite(json, 1, len, stdout);
			free(json);
		}
	} else {
		char *json;
		size_t len;
		if (ctrfs_container_info_json(&ct, &json, &len, &err)) {
			rc = cli_error(&err);
		} else {
			fwrite(json, 1, len, stdout);
			free(json);
		}
	}
	ctrfs_container_clear(&ct);
	return rc;
}

/* "TYPE_URL=VALUE" or "TYPE_URL=@FILE" into an Any. */
static int parse_any_arg(const char *cmd, const char *arg, ctrfs_any *out)
{
	char *type;
	const char *value;
	if (!cli_split_kv(arg, &type, &value))
		return cli_errorf("out of memory");
	if (!value) {
		free(type);
		return cli_usage(cmd, "'%s' is not TYPE_URL=VALUE or TYPE_URL=@FILE", arg);
	}
	size_t len;
	char *bytes = cli_read_value(value, &len);
	if (!bytes) {
		free(type);
		return cli_errorf("%s: %m", value + 1);
	}
	ctrfs_any_set(out, type, bytes, len);
	free(type);
	free(bytes);
	return 0;
}

/* "NAME=TYPE_URL=VALUE" or "NAME=TYPE_URL=@FILE" into c's extensions. */
static int parse_extension_arg(const char *cmd, const char *arg, ctrfs_container *c)
{
	char *name;
	const char *rest;
	if (!cli_split_kv(arg, &name, &rest))
		return cli_errorf("out of memory");
	ctrfs_any any = {0};
	int rc = rest ? parse_any_arg(cmd, rest, &any)
		      : cli_usage(cmd, "extension '%s' is not NAME=TYPE_URL=VALUE", arg);
	if (!rc)
		ctrfs_extensions_set(&c->extensions, name, &any);
	ctrfs_any_clear(&any);
	free(name);
	return rc;
}

static int read_spec(const char *path, ctrfs_container *c)
{
	size_t len;
	char *text = cli_read_file(path, &len);
	ctrfs_any spec = {0};
	ctrfs_error err;
	if (!text)
		return cli_errorf("%s: %m", path);
	ctrfs_code code = ctrfs_spec_from_text(text, len, NULL, &spec, NULL, &err);
	free(text);
	if (code)
		return cli_errorf("%s: not an OCI spec JSON object", path);
	ctrfs_any_clear(&c->spec);
	c->spec = spec;
	c->has_spec = true;
	return 0;
}

enum {
	OPT_RUNTIME = 256,
	OPT_RUNTIME_OPTIONS,
	OPT_IMAGE,
	OPT_SPEC,
	OPT_LABEL,
	OPT_SNAPSHOTTER,
	OPT_SNAPSHOT_KEY,
	OPT_EXTENSION,
	OPT_SANDBOX,
	OPT_REMOVE_LABEL,
	OPT_REMOVE_EXTENSION,
	OPT_FROM_JSON,
	OPT_PATH,
};

static int c_create(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl containers create [OPTIONS] [IMAGE] ID\n\n"
	    "Create a container. Without --spec it gets containerd's default OCI spec.\n\n"
	    "  --runtime NAME              runtime (default " CTRFS_STORE_DEFAULT_RUNTIME ")\n"
	    "  --runtime-options URL=VAL   runtime options Any (VAL or @FILE); default for\n"
	    "                              io.containerd.runc.v2, as ctr:\n"
	    "                              containerd.runc.v1.Options, empty\n"
	    "  --image REF                 image reference (or give IMAGE before ID)\n"
	    "  --spec FILE                 OCI runtime spec JSON (- for stdin)\n"
	    "  --label KEY=VALUE           a label (repeatable); a bare KEY is KEY=true\n"
	    "  --snapshotter NAME          snapshotter\n"
	    "  --snapshot-key KEY          snapshot key (needs --snapshotter)\n"
	    "  --extension NAME=URL=VAL    an extension Any, VAL or @FILE (repeatable)\n"
	    "  --sandbox ID                sandbox ID\n";
	static const struct option opts[] = {
	    {"runtime", required_argument, NULL, OPT_RUNTIME},
	    {"runtime-options", required_argument, NULL, OPT_RUNTIME_OPTIONS},
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"spec", required_argument, NULL, OPT_SPEC},
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"snapshotter", required_argument, NULL, OPT_SNAPSHOTTER},
	    {"snapshot-key", required_argument, NULL, OPT_SNAPSHOT_KEY},
	    {"extension", required_argument, NULL, OPT_EXTENSION},
	    {"sandbox", required_argument, NULL, OPT_SANDBOX},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char cmd[] = "containers create";
	ctrfs_container c = {0};
	const char *spec_file = NULL;
	int rc = 0, o;
	c.runtime_name = strdup(CTRFS_STORE_DEFAULT_RUNTIME);
	while (!rc && (o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (o) {
		case OPT_RUNTIME:
			free(c.runtime_name);
			c.runtime_name = strdup(optarg);
			break;
		case OPT_RUNTIME_OPTIONS:
			rc = parse_any_arg(cmd, optarg, &c.runtime_options);
			c.has_runtime_options = true;
			break;
		case OPT_IMAGE:
			free(c.image);
			c.image = strdup(optarg);
			break;
		case OPT_SPEC:
			spec_file = optarg;
			break;
		case OPT_LABEL:
			rc = cli_parse_label(cmd, optarg, &c.labels);
			break;
		case OPT_SNAPSHOTTER:
			free(c.snapshotter);
			c.snapshotter = strdup(optarg);
			break;
		case OPT_SNAPSHOT_KEY:
			free(c.snapshot_key);
			c.snapshot_key = strdup(optarg);
			break;
		case OPT_EXTENSION:
			rc = parse_extension_arg(cmd, optarg, &c);
			break;
		case OPT_SANDBOX:
			free(c.sandbox_id);
			c.sandbox_id = strdup(optarg);
			break;
		case 'h':
			fputs(help, stdout);
			ctrfs_container_clear(&c);
			return 0;
		default:
			rc = cli_bad_option(cmd, argv, o);
		}
	}
	if (!rc && (argc - optind < 1 || argc - optind > 2))
		rc = cli_usage(cmd, "expected [IMAGE] ID");
	if (!rc && argc - optind == 2) {
		free(c.image);
		c.image = strdup(argv[optind++]);
	}
	if (!rc)
		c.id = strdup(argv[optind]);
	ctrfs_error err;
	if (!rc && spec_file)
		rc = read_spec(spec_file, &c);
	else if (!rc) {
		if (ctrfs_spec_default(cli->ns, c.id, &c.spec, &err))
			rc = cli_error(&err);
		c.has_spec = true;
	}
	/* as ctr: a runc v2 container gets runc's (empty) options unless some are given */
	if (!rc && !c.has_runtime_options && strcmp(c.runtime_name, "io.containerd.runc.v2") == 0) {
		ctrfs_any_set(&c.runtime_options, "containerd.runc.v1.Options", NULL, 0);
		c.has_runtime_options = true;
	}
	if (!rc && ctrfs_container_create(cli_store(cli, false), cli->ns, &c, NULL, &err))
		rc = cli_error(&err);
	if (!rc)
		puts(c.id);
	ctrfs_container_clear(&c);
	return rc;
}

static int c_label(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl containers label ID [KEY=VALUE...]\n\n"
	    "Set labels on a container in one update; KEY= (empty value) removes the label,\n"
	    "a bare KEY means KEY=true (as with ctr). Then print the container's labels\n"
	    "as KEY=VALUE lines (all of them, also without labels to set).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("containers label", "missing container ID");
	ctrfs_error err;
	ctrfs_container c = {0};
	if (argc == 2) {
		if (ctrfs_container_get(cli_store(cli, true), cli->ns, argv[1], CTRFS_LOAD_LABELS,
					&c, &err))
			return cli_container_error(cli, argv[1], &err);
		cli_print_labels(&c.labels);
		ctrfs_container_clear(&c);
		return 0;
	}
	int rc = cli_parse_labels("containers label", argc - 2, argv + 2, &c.labels);
	/* one update of every label given (an empty value removes it) */
	ctrfs_container updated = {0};
	if (!rc && ctrfs_container_set_labels(cli_store(cli, false), cli->ns, argv[1], &c.labels,
					      NULL, &updated, &err))
		rc = cli_container_error(cli, argv[1], &err);
	else if (!rc)
		cli_print_labels(&updated.labels); /* as ctr: the labels it now has */
	ctrfs_container_clear(&updated);
	ctrfs_container_clear(&c);
	return rc;
}

/* Appends `path` (malloc'd, NULL when out of memory; taken) to the field paths. */
static int add_path(char ***paths, size_t *n, char *path)
{
	char **p = path ? realloc(*paths, (*n + 1) * sizeof(char *)) : NULL;
	if (!p) {
		free(path);
		return cli_errorf("out of memory");
	}
	*paths = p;
	p[(*n)++] = path;
	return 0;
}

static int c_update(struct cli *cli, int argc, char **argv)
{
	static const char help[] =
	    "Usage: ctrfsctl containers update [OPTIONS] ID\n\n"
	    "Update a container with containerd's field-path semantics: each option\n"
	    "names the fields it changes, nothing else is touched.\n\n"
	    "  --image REF                 set the image (field path image)\n"
	    "  --snapshot-key KEY          set the snapshot key (snapshotkey)\n"
	    "  --spec FILE                 replace the OCI spec (spec)\n"
	    "  --label KEY=VALUE           set a label; KEY= removes it, a bare KEY is\n"
	    "                              KEY=true (labels.KEY)\n"
	    "  --remove-label KEY          remove a label (labels.KEY)\n"
	    "  --extension NAME=URL=VAL    set an extension (extensions.NAME)\n"
	    "  --remove-extension NAME     remove an extension (ctrfs's own: containerd's\n"
	    "                              update never removes one)\n"
	    "  --from-json FILE            take field values from a container JSON document\n"
	    "                              (`ctrfsctl containers info` form); with no --path,\n"
	    "                              a full update of every mutable field\n"
	    "  --path FIELDPATH            a field path to apply from --from-json (repeatable):\n"
	    "                              labels, labels.KEY, extensions, extensions.NAME,\n"
	    "                              spec, image, snapshotkey\n";
	static const struct option opts[] = {
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"snapshot-key", required_argument, NULL, OPT_SNAPSHOT_KEY},
	    {"spec", required_argument, NULL, OPT_SPEC},
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"remove-label", required_argument, NULL, OPT_REMOVE_LABEL},
	    {"extension", required_argument, NULL, OPT_EXTENSION},
	    {"remove-extension", required_argument, NULL, OPT_REMOVE_EXTENSION},
	    {"from-json", required_argument, NULL, OPT_FROM_JSON},
	    {"path", required_argument, NULL, OPT_PATH},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static const char cmd[] = "containers update";
	ctrfs_container c = {0};
	char **paths = NULL, **removals = NULL;
	size_t npaths = 0, nremovals = 0;
	const char *json_file = NULL, *spec_file = NULL;
	bool field_opts = false, explicit_paths = false;
	int rc = 0, o;
	ctrfs_error err;
	while (!rc && (o = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		char *k;
		const char *v;
		field_opts |= o != OPT_FROM_JSON && o != OPT_PATH && o != 'h';
		switch (o) {
		case OPT_IMAGE:
			free(c.image);
			c.image = strdup(optarg);
			rc = add_path(&paths, &npaths, strdup("image"));
			break;
		case OPT_SNAPSHOT_KEY:
			free(c.snapshot_key);
			c.snapshot_key = strdup(optarg);
			rc = add_path(&paths, &npaths, strdup("snapshotkey"));
			break;
		case OPT_SPEC:
			spec_file = optarg;
			rc = add_path(&paths, &npaths, strdup("spec"));
			break;
		case OPT_LABEL:
			rc = cli_parse_label(cmd, optarg, &c.labels);
			if (!rc && cli_split_kv(optarg, &k, &v)) {
				rc = add_path(&paths, &npaths, ctrfs_field_path_label(k));
				free(k);
			}
			break;
		case OPT_REMOVE_LABEL:
			rc = add_path(&paths, &npaths, ctrfs_field_path_label(optarg));
			break;
		case OPT_EXTENSION:
			rc = parse_extension_arg(cmd, optarg, &c);
			if (!rc && cli_split_kv(optarg, &k, &v)) {
				rc = add_path(&paths, &npaths, ctrfs_field_path_extension(k));
				free(k);
			}
			break;
		case OPT_REMOVE_EXTENSION:
			rc = add_path(&removals, &nremovals, strdup(optarg));
			break;
		case OPT_FROM_JSON:
			json_file = optarg;
			break;
		case OPT_PATH:
			explicit_paths = true;
			rc = add_path(&paths, &npaths, strdup(optarg));
			break;
		case 'h':
			fputs(help, stdout);
			goto out;
		default:
			rc = cli_bad_option(cmd, argv, o);
		}
	}
	if (!rc && optind + 1 != argc)
		rc = cli_usage(cmd, "expected exactly one container ID");
	if (!rc && json_file && field_opts)
		rc = cli_usage(cmd, "--from-json cannot be combined with field options");
	if (!rc && !json_file && explicit_paths)
		rc = cli_usage(cmd, "--path needs --from-json");
	if (!rc && !json_file && !npaths && !nremovals)
		rc = cli_usage(cmd, "nothing to update");
	if (!rc && json_file) {
		size_t len;
		char *text = cli_read_file(json_file, &len);
		if (!text) {
			rc = cli_errorf("%s: %m", json_file);
		} else {
			ctrfs_container_clear(&c);
			if (ctrfs_container_from_info_json(text, len, &c, &err))
				rc = cli_error(&err);
			free(text);
		}
	}
	if (!rc && spec_file)
		rc = read_spec(spec_file, &c);
	if (!rc) {
		free(c.id);
		c.id = strdup(argv[optind]);
		ctrfs_update_options uo = {.remove_extensions = (const char *const *)removals,
					   .nremove_extensions = nremovals};
		if (ctrfs_container_update_ex(cli_store(cli, false), cli->ns, &c,
					      (const char *const *)paths, npaths, &uo, NULL, &err))
			rc = cli_container_error(cli, argv[optind], &err);
	}
out:
	ctrfs_strv_free(paths, npaths);
	ctrfs_strv_free(removals, nremovals);
	ctrfs_container_clear(&c);
	return rc;
}

static int c_rm(struct cli *cli, int argc, char **argv)
{
	static const char help[] = "Usage: ctrfsctl containers rm ID...\n\n"
				   "Remove containers; each failure is reported and the rest\n"
				   "are still removed (exit status 1 if any failed).\n";
	if (cli_wants_help(argc, argv, help))
		return 0;
	if (argc < 2)
		return cli_usage("containers rm", "missing container ID");
	int rc = 0;
	ctrfs_error err;
	for (int i = 1; i < argc; i++)
		if (ctrfs_container_delete(cli_store(cli, false), cli->ns, argv[i], &err))
			rc = cli_container_error(cli, argv[i], &err);
	return rc;
}

int cmd_containers(struct cli *cli, int argc, char **argv)
{
	static const struct command cmds[] = {
	    {"ls", "list", c_ls, "list containers"},
	    {"info", NULL, c_info, "print a container as JSON"},
	    {"create", NULL, c_create, "create a container"},
	    {"label", NULL, c_label, "set or remove labels"},
	    {"update", NULL, c_update, "update fields by field path"},
	    {"rm", "delete del remove", c_rm, "remove containers"},
	    {NULL, NULL, NULL, NULL},
	};
	if (argc > 1 && cli_need_namespace(cli))
		return EXIT_FAIL;
	return cli_dispatch(cli, "containers", cmds, argc - 1, argv + 1);
}
