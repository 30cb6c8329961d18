/* ctrfsctl: what every command shares (global options, the store, errors, output). */
#ifndef CTRFSCTL_CLI_H
#define CTRFSCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrfs_store.h"

/* Exit statuses: 0 success, 1 the operation failed, 2 the command line was wrong. */
enum { EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli {
	const char *store_path; /* --store, $CTRFS_STORE, CTRFS_STORE_DEFAULT_PATH */
	const char *ns;		/* -n, $CONTAINERD_NAMESPACE, "default"; "" when given empty */
	bool ns_explicit;	/* the namespace was chosen (-n or the environment) */
	const char *address;	/* -a/--address: containerd's socket (bind, --containerd) */
	bool containerd_on;	/* --containerd[=ADDRESS]: bind and sync before the command */
	const char *containerd; /* its ADDRESS, or NULL */
	ctrfs_store *store;
	bool store_created; /* cli_store_create made it: the caller says so */
};

struct command {
	const char *name;
	const char *alias; /* other names, separated by spaces */
	int (*run)(struct cli *cli, int argc, char **argv);
	const char *summary;
};

/* Opens the store on first use; exits with a message when it cannot. A missing store is
 * never created (a mistyped path would silently become a new empty store): the message
 * says how to create one. */
ctrfs_store *cli_store(struct cli *cli, bool read_only);
/* The same, creating the store when missing (init, import), which sets store_created:
 * the caller says so on stderr, or undoes it with cli_store_discard. */
ctrfs_store *cli_store_create(struct cli *cli);
/* Closes and removes the store cli_store_create has just made. */
void cli_store_discard(struct cli *cli);
/* 0 when a namespace is chosen; else prints ctr's message and returns EXIT_FAIL. */
int cli_need_namespace(const struct cli *cli);
/* Prints "ctrfsctl: <message>" to stderr; returns EXIT_FAIL. */
int cli_error(const ctrfs_error *err);
int cli_errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Usage error: message and a pointer to --help; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For getopt_long's '?' (unknown option) and ':' (missing value; optstrings start with
 * ':' and opterr is off so that this is the only line printed). */
int cli_bad_option(const char *cmd, char **argv, int getopt_result);

/* Runs the subcommand named by argv[0] from the table, or prints the table's help. */
int cli_dispatch(struct cli *cli, const char *group, const struct command *cmds, int argc,
		 char **argv);
/* True (after printing `usage`) when argv holds -h/--help before any "--". */
bool cli_wants_help(int argc, char **argv, const char *usage);

/* Is `word` the command's name or one of its aliases? */
bool cli_command_is(const struct command *c, const char *word);
/* s quoted as Go's %q does for ASCII (\" \\ \n... \xNN), cut to fit buf. */
void cli_quote(char *buf, size_t size, const char *s);
/* cli_error, but a container not found is said one way for every command:
 * container "ID" in namespace "NS": not found. */
int cli_container_error(const struct cli *cli, const char *id, const ctrfs_error *err);

/* Splits "key=value" (value may be empty; no '=' gives NULL value). key is malloc'd. */
bool cli_split_kv(const char *arg, char **key, const char **value);
/* Adds "KEY=VALUE" to labels (an empty VALUE is kept: callers give it their meaning;
 * an empty KEY is a key, as in containerd); a bare KEY is KEY=true, as with ctr. */
int cli_parse_label(const char *cmd, const char *arg, ctrfs_labels *labels);
/* The same for each of argv[0..argc). */
int cli_parse_labels(const char *cmd, int argc, char **argv, ctrfs_labels *labels);
/* KEY=VALUE lines. */
void cli_print_labels(const ctrfs_labels *labels);
/* A LABELS column as ctr prints one: KEY=VALUE pairs joined with ",", in key order (ctr
 * namespaces ls), or, `sorted_pairs`, sorted as whole strings (ctr images ls sorts the
 * pairs, not the keys); "" for none. malloc'd; NULL when out of memory. */
char *cli_labels_column(const ctrfs_labels *labels, bool sorted_pairs);
/* The options of an `ls`: -q/--quiet (into *quiet) and -h/--help (prints help). -1 to go
 * on, optind at the first operand; else the status to exit with (0 after --help). */
int cli_ls_options(const char *cmd, const char *help, int argc, char **argv, bool *quiet);

/* Reads a whole file ("-" = stdin). NULL with errno on failure. */
char *cli_read_file(const char *path, size_t *len);
/* "@FILE" reads the file, anything else is taken literally. */
char *cli_read_value(const char *arg, size_t *len);

/* Columns like Go's text/tabwriter (cells padded to the widest in their column plus
 * `padding`, widths counted in UTF-8 characters), as ctr prints its tables. */
struct table;
struct table *table_new(size_t ncols, size_t minwidth, size_t padding);
void table_row(struct table *t, const char *const *cells);
void table_print(struct table *t);

int cmd_namespaces(struct cli *cli, int argc, char **argv);
int cmd_containers(struct cli *cli, int argc, char **argv);
int cmd_export(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_events(struct cli *cli, int argc, char **argv);
int cmd_check(struct cli *cli, int argc, char **argv);
int cmd_pods(struct cli *cli, int argc, char **argv);
int cmd_init(struct cli *cli, int argc, char **argv);
int cmd_bind(struct cli *cli, int argc, char **argv);
int cmd_unbind(struct cli *cli, int argc, char **argv);
int cmd_sync(struct cli *cli, int argc, char **argv);
/* --containerd: binds the store (made when missing) and syncs it: 0 or EXIT_FAIL. */
int cli_containerd_prepare(struct cli *cli);
int cmd_images(struct cli *cli, int argc, char **argv);
int cmd_tasks(struct cli *cli, int argc, char **argv);

#endif
