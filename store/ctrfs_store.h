/* ctrfs store: containerd's container metadata model, kept in LMDB.
 *
 * One prefix (ctrfs_) for the whole API. Every operation that can fail returns a
 * ctrfs_code (CTRFS_OK == 0) and, when `err` is not NULL, fills it with the code and
 * a precise message in containerd's words ("container \"x\": not found").
 *
 * Ownership: structures filled by the library (ctrfs_container, ctrfs_namespace,
 * lists, strings returned through char **) belong to the caller, who releases them
 * with the matching *_clear / *_free function. Structures passed in are only read.
 * A string field that is NULL means the empty string.
 */
#ifndef CTRFS_STORE_H
#define CTRFS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CTRFS_STORE_DEFAULT_RUNTIME "io.containerd.runc.v2"
#define CTRFS_SPEC_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Spec"
#define CTRFS_LABEL_MAX 4096	/* len(key) + len(value), as containerd */
#define CTRFS_IDENTIFIER_MAX 76 /* as containerd's pkg/identifiers */
/* How deeply a spec's JSON may nest ({} and [] count one level each). Ours: containerd
 * accepts any depth. Real OCI specs nest fewer than 10 levels; without a bound, a 20 KB
 * spec nested 9999 deep pretty-prints (spec.json, `ctr containers info`) as 400 MB,
 * since indentation grows with depth. Writes of deeper specs are refused; data already
 * deeper (older or hand-made stores) renders with its deeper levels compact. */
#define CTRFS_JSON_NESTING_MAX 64

/* Error codes, as containerd's errdefs. */
typedef enum ctrfs_code {
	CTRFS_OK = 0,
	CTRFS_INVALID_ARGUMENT,
	CTRFS_NOT_FOUND,
	CTRFS_ALREADY_EXISTS,
	CTRFS_FAILED_PRECONDITION,
	CTRFS_UNAVAILABLE, /* store read-only, busy or out of space: see sys_errno */
	CTRFS_INTERNAL,	   /* I/O or database failure: see sys_errno */
} ctrfs_code;

typedef struct ctrfs_error {
	ctrfs_code code;
	int sys_errno;	 /* errno behind UNAVAILABLE/INTERNAL (ENOSPC, EROFS, EIO...), else 0 */
	char text[1024]; /* one line, no trailing newline */
} ctrfs_error;

/* containerd's name for a code: "invalid argument", "not found", ... */
const char *ctrfs_code_name(ctrfs_code code);

/* s quoted as Go's %q quotes it (as containerd's messages quote identifiers), into
 * buf (NUL-terminated; a quote too long for it is cut at a rune, ending in `..."`). */
void ctrfs_quote(char *buf, size_t size, const char *s);

/* A point in time, UTC, nanosecond precision (seconds since the Unix epoch). */
typedef struct ctrfs_time {
	int64_t sec;
	int32_t nsec;
} ctrfs_time;

/* protobuf Any: type_url and opaque bytes, kept byte for byte. */
typedef struct ctrfs_any {
	char *type_url;
	unsigned char *value;
	size_t value_len;
} ctrfs_any;

typedef struct ctrfs_label {
	char *key;
	char *value;
} ctrfs_label;

/* A string map, kept sorted by key (bytewise), keys unique. */
typedef struct ctrfs_labels {
	size_t count;
	ctrfs_label *items;
} ctrfs_labels;

typedef struct ctrfs_extension {
	char *name;
	ctrfs_any any;
} ctrfs_extension;

/* Extensions map name -> Any, sorted by name, names unique. */
typedef struct ctrfs_extensions {
	size_t count;
	ctrfs_extension *items;
} ctrfs_extensions;

typedef struct ctrfs_container {
	char *id;
	ctrfs_labels labels;
	char *image;
	char *runtime_name;
	bool has_runtime_options; /* Go: Runtime.Options != nil */
	ctrfs_any runtime_options;
	bool has_spec; /* Go: Spec != nil */
	ctrfs_any spec;
	char *snapshot_key;
	char *snapshotter;
	char *sandbox_id;
	ctrfs_time created_at;
	ctrfs_time updated_at;
	ctrfs_extensions extensions;
} ctrfs_container;

typedef struct ctrfs_namespace {
	char *name;
	ctrfs_labels labels;
	ctrfs_time updated_at; /* latest change to the namespace or anything in it */
} ctrfs_namespace;

/* An OCI descriptor as containerd stores an image's target. */
/* (images: see store/images.c below) */
typedef struct ctrfs_descriptor {
	char *media_type;
	char *digest; /* "<algorithm>:<hex>" */
	int64_t size;
	ctrfs_labels annotations;
} ctrfs_descriptor;

typedef struct ctrfs_image {
	char *name; /* a reference: "docker.io/library/nginx:1.25", "sha256:<hex>" */
	ctrfs_labels labels;
	ctrfs_descriptor target;
	ctrfs_time created_at;
	ctrfs_time updated_at;
} ctrfs_image;

/* ---- values: construction and release ---- */

/* Releases what the container owns and zeroes it; safe on a zeroed container. */
void ctrfs_container_clear(ctrfs_container *c);
/* Deep copy; dst is overwritten (not cleared first). Returns CTRFS_OK or INTERNAL (ENOMEM). */
ctrfs_code ctrfs_container_copy(ctrfs_container *dst, const ctrfs_container *src);
void ctrfs_container_list_free(ctrfs_container *list, size_t count);
void ctrfs_namespace_clear(ctrfs_namespace *ns);
void ctrfs_namespace_list_free(ctrfs_namespace *list, size_t count);
void ctrfs_any_clear(ctrfs_any *a);
ctrfs_code ctrfs_any_set(ctrfs_any *a, const char *type_url, const void *value, size_t len);

/* Map helpers. set replaces an existing key; remove of a missing key is not an error. */
const char *ctrfs_labels_get(const ctrfs_labels *l, const char *key);
ctrfs_code ctrfs_labels_set(ctrfs_labels *l, const char *key, const char *value);
bool ctrfs_labels_remove(ctrfs_labels *l, const char *key);
void ctrfs_labels_clear(ctrfs_labels *l);
ctrfs_code ctrfs_labels_copy(ctrfs_labels *dst, const ctrfs_labels *src);
const ctrfs_any *ctrfs_extensions_get(const ctrfs_extensions *e, const char *name);
ctrfs_code ctrfs_extensions_set(ctrfs_extensions *e, const char *name, const ctrfs_any *any);
bool ctrfs_extensions_remove(ctrfs_extensions *e, const char *name);
void ctrfs_extensions_clear(ctrfs_extensions *e);

/* ---- validation (containerd's rules and messages) ---- */

/* identifier rules of containerd's pkg/identifiers */
ctrfs_code ctrfs_identifier_validate(const char *s, ctrfs_error *err);
/* containerd's pkg/labels: len(key)+len(value) <= 4096 */
ctrfs_code ctrfs_label_validate(const char *key, const char *value, ctrfs_error *err);
/* validateContainer of containerd's metadata store, in its order; then ours: a spec
 * that is JSON nests at most CTRFS_JSON_NESTING_MAX levels */
ctrfs_code ctrfs_container_validate(const ctrfs_container *c, ctrfs_error *err);

/* ---- the store ---- */

typedef struct ctrfs_store ctrfs_store;

typedef struct ctrfs_open_options {
	bool read_only; /* open without write access; writes fail UNAVAILABLE/EROFS */
	/* fail NOT_FOUND (sys_errno ENOENT) instead of creating a missing store: no
	 * directory, or a directory without the store's data file */
	bool no_create;
	bool no_sync;	 /* skip fsync at commit (benchmarks, throwaway stores) */
	size_t map_size; /* initial LMDB map size in bytes; 0 = $CTRFS_MAP_SIZE, else 256 MiB */
} ctrfs_open_options;

/* Opens (by default creating, mode 0700 directory, 0600 files) the store at `path`,
 * a directory. `opts` may be NULL. Clears stale reader slots left by dead processes. */
ctrfs_code ctrfs_store_open(const char *path, const ctrfs_open_options *opts, ctrfs_store **out,
			    ctrfs_error *err);
void ctrfs_store_close(ctrfs_store *s);
const char *ctrfs_store_path(const ctrfs_store *s);

/* Verifies the store's invariants in one read transaction: every record decodes, every
 * container passes validation and has its spec, no part record is orphaned, every
 * container's namespace has a record, the change log decodes. Each problem found is
 * passed to `report` (may be NULL) as one line; *problems counts them. Returns an
 * error only when the check itself could not run. */
ctrfs_code ctrfs_store_check(ctrfs_store *s, void (*report)(void *arg, const char *problem),
			     void *arg, size_t *problems, ctrfs_error *err);

/* The default store path when neither --store nor CTRFS_STORE says otherwise. */
#define CTRFS_STORE_DEFAULT_PATH "/var/lib/ctrfs/store"

/* ---- namespaces ---- */

/* Creates a namespace; labels may be NULL (those with an empty value are not stored, as
 * in containerd). ALREADY_EXISTS if present. */
ctrfs_code ctrfs_namespace_create(ctrfs_store *s, const char *name, const ctrfs_labels *labels,
				  ctrfs_error *err);
ctrfs_code ctrfs_namespace_get(ctrfs_store *s, const char *name, ctrfs_namespace *out,
			       ctrfs_error *err);
/* All namespaces, sorted by name. */
ctrfs_code ctrfs_namespace_list(ctrfs_store *s, ctrfs_namespace **out, size_t *count,
				ctrfs_error *err);
/* Sets one label; value NULL or "" removes it, as containerd's SetLabel. */
ctrfs_code ctrfs_namespace_set_label(ctrfs_store *s, const char *name, const char *key,
				     const char *value, ctrfs_error *err);
/* ctrfs_namespace_set_label as a compare-and-set: fails FAILED_PRECONDITION, writing
 * nothing, unless the label still holds `expect` (NULL: the label is absent). */
ctrfs_code ctrfs_namespace_set_label_if(ctrfs_store *s, const char *name, const char *key,
					const char *value, const char *expect, ctrfs_error *err);
/* Renames a label key in one transaction, replacing `to` if it exists (as rename(2)). */
ctrfs_code ctrfs_namespace_rename_label(ctrfs_store *s, const char *name, const char *from,
					const char *to, ctrfs_error *err);
/* FAILED_PRECONDITION while the namespace holds containers. */
ctrfs_code ctrfs_namespace_delete(ctrfs_store *s, const char *name, ctrfs_error *err);
/* When label `key` of the namespace last changed (set, changed or renamed to), not
 * when anything else in the namespace did. A store written before these times were
 * kept answers the namespace's UpdatedAt. NOT_FOUND for a missing namespace. */
ctrfs_code ctrfs_namespace_label_time(ctrfs_store *s, const char *name, const char *key,
				      ctrfs_time *out, ctrfs_error *err);

/* ---- containers ---- */

/* What to load: the small fields are always read; these add the larger parts. */
enum {
	CTRFS_LOAD_LABELS = 1 << 0,
	CTRFS_LOAD_EXTENSIONS = 1 << 1,
	CTRFS_LOAD_SPEC = 1 << 2,
	CTRFS_LOAD_ALL = 7,
};

ctrfs_code ctrfs_container_get(ctrfs_store *s, const char *ns, const char *id, unsigned load,
			       ctrfs_container *out, ctrfs_error *err);
/* Containers of `ns` matching any of `filters` (containerd filter syntax; none = all),
 * sorted by ID. A namespace that does not exist lists nothing. */
ctrfs_code ctrfs_container_list(ctrfs_store *s, const char *ns, const char *const *filters,
				size_t nfilters, unsigned load, ctrfs_container **out,
				size_t *count, ctrfs_error *err);
/* IDs only, sorted; cheap. */
ctrfs_code ctrfs_container_ids(ctrfs_store *s, const char *ns, char ***ids, size_t *count,
			       ctrfs_error *err);
void ctrfs_strv_free(char **v, size_t count);

/* Creates a container (namespace created implicitly). CreatedAt/UpdatedAt are set by the
 * store. `created` (may be NULL) receives the stored container. */
ctrfs_code ctrfs_container_create(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				  ctrfs_container *created, ctrfs_error *err);
/* containerd's Update: `c->id` names the container; `paths` are field paths (none =
 * replace every mutable field). Only the parts a path touches are rewritten. As in
 * containerd, "labels.K" takes the new value and is validated before an empty value is
 * dropped; extensions merge: "extensions" adds or overwrites each extension of `c`, and
 * "extensions.NAME" absent from `c` stores an empty Any under NAME (never a removal). */
ctrfs_code ctrfs_container_update(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				  const char *const *paths, size_t npaths, ctrfs_container *updated,
				  ctrfs_error *err);
/* How ctrfs_container_update_ex runs. */
typedef struct ctrfs_update_options {
	/* Validates the update exactly as it would be applied, in a read transaction, and
	 * writes nothing (`updated` then receives the merged container). */
	bool check_only;
	/* Compare-and-set: fails FAILED_PRECONDITION ("... changed since it was read"),
	 * writing nothing, when a field the paths name (every mutable field when there
	 * are none) no longer holds the value it has in this container. */
	const ctrfs_container *unless_changed;
	/* ctrfs's own operation, which containerd does not have (its Update never deletes
	 * an extension): removes these extensions in the same transaction, after the field
	 * paths are applied; NOT_FOUND, writing nothing, if one is missing. With no field
	 * paths, only the removal is done (not a full update). */
	const char *const *remove_extensions;
	size_t nremove_extensions;
	/* When set, receives the UpdatedAt the change was stored with (untouched by a
	 * check): what a caller showing the container's times needs, without a read. */
	ctrfs_time *stored_at;
} ctrfs_update_options;
/* ctrfs_container_update with options (opts may be NULL). */
ctrfs_code ctrfs_container_update_ex(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				     const char *const *paths, size_t npaths,
				     const ctrfs_update_options *opts, ctrfs_container *updated,
				     ctrfs_error *err);
/* The field paths of an update that turns `from` into `to`: "labels.<key>" and
 * "extensions.<name>" for each one added, changed or removed, then "image",
 * "snapshotkey" and "spec" when they differ (none when equal). INVALID_ARGUMENT with
 * containerd's message when an immutable field differs. Free with ctrfs_strv_free. */
ctrfs_code ctrfs_container_changed_paths(const ctrfs_container *from, const ctrfs_container *to,
					 char ***paths, size_t *count, ctrfs_error *err);
/* When the part `path` of a container last changed: the paths above ("labels.<key>",
 * "extensions.<name>", "image", "snapshotkey", "spec"); any other part is immutable
 * and answers CreatedAt. A part of a container written before these times were kept
 * answers its UpdatedAt. NOT_FOUND for a missing container. */
ctrfs_code ctrfs_container_part_time(ctrfs_store *s, const char *ns, const char *id,
				     const char *path, ctrfs_time *out, ctrfs_error *err);
/* Renames a label (or, with extension=true, an extension) in one transaction;
 * replaces an existing target, like rename(2). NOT_FOUND if `from` is missing. */
ctrfs_code ctrfs_container_rename_key(ctrfs_store *s, const char *ns, const char *id,
				      bool extension, const char *from, const char *to,
				      ctrfs_error *err);
/* Removes one extension: ctrfs's own operation, as the remove_extensions option of
 * ctrfs_container_update_ex. containerd has none: its Update never deletes an extension
 * (ctrfs_container_update stores a named extension absent from the new container as an
 * empty Any, as containerd does). NOT_FOUND when the container or extension is missing. */
ctrfs_code ctrfs_container_remove_extension(ctrfs_store *s, const char *ns, const char *id,
					    const char *name, ctrfs_error *err);
ctrfs_code ctrfs_container_delete(ctrfs_store *s, const char *ns, const char *id, ctrfs_error *err);
/* Rewrites the existing container c->id wholly as given, its creation-time fields
 * (runtime, snapshotter, sandbox) included, keeping its CreatedAt and stamping
 * UpdatedAt, in one transaction ("/containers/update" event); validated as a create.
 * Not containerd's: for ctrfs to finish a container whose creation came in several
 * writes (mkdir, then cp -a of a saved container). NOT_FOUND if it does not exist. */
ctrfs_code ctrfs_container_recreate(ctrfs_store *s, const char *ns, const ctrfs_container *c,
				    ctrfs_error *err);

/* ---- read snapshots ----
 * A reader holds one read transaction: every read through it sees the same state of
 * the store, whatever is written meanwhile, and costs no transaction of its own. Close
 * it before writing from the same thread (a reader held across a write can stall the
 * growth of the store's map). Results belong to the caller, as above. */
typedef struct ctrfs_reader ctrfs_reader;
ctrfs_code ctrfs_reader_open(ctrfs_store *s, ctrfs_reader **out, ctrfs_error *err);
void ctrfs_reader_close(ctrfs_reader *r); /* NULL is a no-op */
/* The seq of the newest event (0 when none): the state read is every change up to it. */
ctrfs_code ctrfs_reader_last_seq(ctrfs_reader *r, uint64_t *seq, ctrfs_error *err);
/* As ctrfs_container_get and ctrfs_namespace_get (NOT_FOUND in containerd's words). */
ctrfs_code ctrfs_reader_container_get(ctrfs_reader *r, const char *ns, const char *id,
				      unsigned load, ctrfs_container *out, ctrfs_error *err);
ctrfs_code ctrfs_reader_namespace_get(ctrfs_reader *r, const char *name, ctrfs_namespace *out,
				      ctrfs_error *err);
/* The IDs of the containers of `ns`, sorted; with ids NULL only *count (cheap: keys). */
ctrfs_code ctrfs_reader_container_ids(ctrfs_reader *r, const char *ns, char ***ids, size_t *count,
				      ctrfs_error *err);
/* As ctrfs_container_part_time, for container c as read (its UpdatedAt when the part
 * has no time of its own), and ctrfs_namespace_label_time for namespace n. */
ctrfs_code ctrfs_reader_part_time(ctrfs_reader *r, const char *ns, const ctrfs_container *c,
				  const char *path, ctrfs_time *out, ctrfs_error *err);
ctrfs_code ctrfs_reader_label_time(ctrfs_reader *r, const ctrfs_namespace *n, const char *key,
				   ctrfs_time *out, ctrfs_error *err);
/* Image `name` of `ns` (NOT_FOUND: containerd's `image "NAME": not found`); the
 * namespace's images sorted by name. (A task: ctrfs_reader_task_get.) */
ctrfs_code ctrfs_reader_image_get(ctrfs_reader *r, const char *ns, const char *name,
				  ctrfs_image *out, ctrfs_error *err);
ctrfs_code ctrfs_reader_image_list(ctrfs_reader *r, const char *ns, ctrfs_image **out,
				   size_t *count, ctrfs_error *err);

/* ---- one field of a container: typed calls ----
 * Each is ctrfs_container_update_ex of that one field's path (as containerd's Update
 * with one field path), so it validates, logs its event and times its part exactly as
 * the update would. `updated` (may be NULL) receives the container as stored. */
typedef struct ctrfs_field_options {
	/* validate exactly as the write would be applied, and write nothing */
	bool check_only;
	/* compare-and-set: fails FAILED_PRECONDITION ("... changed since it was read"),
	 * writing nothing, unless the field still holds `expect` (NULL: a label that is
	 * absent, a text field that is empty). Text fields only (labels, image, snapshot
	 * key): the other calls refuse it with INVALID_ARGUMENT. */
	bool unless_changed;
	const char *expect;
	/* as ctrfs_update_options.stored_at */
	ctrfs_time *stored_at;
} ctrfs_field_options;
/* The field path of a label ("labels.<key>") and of an extension ("extensions.<name>"),
 * malloc'd (NULL when out of memory). */
char *ctrfs_field_path_label(const char *key);
char *ctrfs_field_path_extension(const char *name);
/* Sets one label; value NULL or "" removes it (validated first, as containerd does). */
ctrfs_code ctrfs_container_set_label(ctrfs_store *s, const char *ns, const char *id,
				     const char *key, const char *value,
				     const ctrfs_field_options *opts, ctrfs_container *updated,
				     ctrfs_error *err);
ctrfs_code ctrfs_container_remove_label(ctrfs_store *s, const char *ns, const char *id,
					const char *key, const ctrfs_field_options *opts,
					ctrfs_container *updated, ctrfs_error *err);
/* Sets (an empty value: removes) each of `labels` in one update; no compare-and-set. */
ctrfs_code ctrfs_container_set_labels(ctrfs_store *s, const char *ns, const char *id,
				      const ctrfs_labels *labels, const ctrfs_field_options *opts,
				      ctrfs_container *updated, ctrfs_error *err);
/* image NULL or "" clears it (containerd: the image is optional). */
ctrfs_code ctrfs_container_set_image(ctrfs_store *s, const char *ns, const char *id,
				     const char *image, const ctrfs_field_options *opts,
				     ctrfs_container *updated, ctrfs_error *err);
ctrfs_code ctrfs_container_set_snapshot_key(ctrfs_store *s, const char *ns, const char *id,
					    const char *key, const ctrfs_field_options *opts,
					    ctrfs_container *updated, ctrfs_error *err);
/* Replaces the spec (see ctrfs_spec_from_text for its text form). */
ctrfs_code ctrfs_container_set_spec(ctrfs_store *s, const char *ns, const char *id,
				    const ctrfs_any *spec, const ctrfs_field_options *opts,
				    ctrfs_container *updated, ctrfs_error *err);
/* Adds or replaces one extension (removal: ctrfs_container_remove_extension). */
ctrfs_code ctrfs_container_set_extension(ctrfs_store *s, const char *ns, const char *id,
					 const char *name, const ctrfs_any *any,
					 const ctrfs_field_options *opts, ctrfs_container *updated,
					 ctrfs_error *err);

/* containerd's default OCI spec for a new container (cgroupsPath /ns/id), as an Any of
 * CTRFS_SPEC_TYPE_URL with compact JSON; `out` (zeroed or valid) is overwritten. */
ctrfs_code ctrfs_spec_default(const char *ns, const char *id, ctrfs_any *out, ctrfs_error *err);

/* ---- JSON forms ---- */

/* The container exactly as `ctr containers info` prints it (4-space indent, Go's
 * escaping, Spec last and decoded), ending in "\n". *out is malloc'd, NUL-terminated. */
ctrfs_code ctrfs_container_info_json(const ctrfs_container *c, char **out, size_t *len,
				     ctrfs_error *err);
/* The list as a JSON array of those objects, as json.MarshalIndent(list, "", "    ")
 * prints it ("[]" for none), ending in "\n". *out is malloc'd, NUL-terminated. */
ctrfs_code ctrfs_container_list_info_json(const ctrfs_container *list, size_t n, char **out,
					  size_t *len, ctrfs_error *err);
/* The spec exactly as `ctr containers info --spec` prints it: decoded as Go's
 * json.Unmarshal into the OCI runtime-spec struct does (keys matched case-insensitively,
 * unknown keys dropped, invalid UTF-8 as U+FFFD), then json.MarshalIndent with 4 spaces
 * (the struct's field order, omitempty, map keys sorted, Go's escaping), ending in "\n".
 * INVALID_ARGUMENT with Go's message when Go would refuse it. *out is malloc'd. */
ctrfs_code ctrfs_spec_json_go(const void *spec, size_t len, char **out, size_t *outlen,
			      ctrfs_error *err);
/* Parses that form (as printed by ctr or by ctrfs). Times are kept when present. A
 * "Spec" holding only "type_url" and "value" is read as the Any ctr prints for a spec
 * whose bytes are not JSON. */
ctrfs_code ctrfs_container_from_info_json(const char *text, size_t len, ctrfs_container *out,
					  ctrfs_error *err);

/* ---- text forms: values as ctrfs's files show them ----
 * The text is malloc'd, NUL-terminated, its length in *len (may be NULL); NULL when out
 * of memory. A parse of text that is a prefix of valid JSON fails INVALID_ARGUMENT
 * ("unexpected end of JSON input") with *incomplete (may be NULL) set: more bytes may
 * complete it. Otherwise a refusal says where ("... at byte N") and why. */

/* Is `text` JSON? INVALID_ARGUMENT with where and why ("... at byte N") when not. */
ctrfs_code ctrfs_json_check(const char *text, size_t len, bool *incomplete, ctrfs_error *err);
/* An Any as a JSON object: its "type_url" and, when the bytes are JSON, those bytes as
 * "json" (pretty-printed), else as "value" in base64 (omitted for no bytes); "\n". */
char *ctrfs_any_text(const ctrfs_any *a, size_t *len);
/* Parses that form (either member) into *out (cleared first). JSON bytes are stored
 * compact, except that bytes equal once compacted to `stored`'s (may be NULL) keep
 * their stored spelling exactly. */
ctrfs_code ctrfs_any_from_text(const char *text, size_t len, const ctrfs_any *stored,
			       ctrfs_any *out, bool *incomplete, ctrfs_error *err);
/* The spec: its JSON pretty-printed as `ctr containers info --spec` does ("\n" ended),
 * or, when its bytes are not JSON, the Any form above. */
char *ctrfs_spec_text(const ctrfs_any *spec, size_t *len);
/* Parses that form into *out: a JSON object (else INVALID_ARGUMENT "the OCI runtime
 * spec must be a JSON object"), compact or `stored`'s bytes as above, with `stored`'s
 * type_url (CTRFS_SPEC_TYPE_URL when none); the Any form when `stored`'s bytes are not
 * JSON. With `stored` NULL (a spec given whole, as `ctrfsctl --spec FILE`), it is read as
 * `ctr containers info` prints a spec: an object of only "type_url" and "value" is that
 * Any, any other object its JSON bytes (compact) of CTRFS_SPEC_TYPE_URL. */
ctrfs_code ctrfs_spec_from_text(const char *text, size_t len, const ctrfs_any *stored,
				ctrfs_any *out, bool *incomplete, ctrfs_error *err);
/* ctrfs_container_from_info_json, its Spec read beside
 * the stored spec (`stored`, may be NULL) as ctrfs_spec_from_text reads it: an Any when
 * the stored bytes are not JSON ("Spec: <why>"), else the stored bytes when equal. */
ctrfs_code ctrfs_container_from_info_text(const char *text, size_t len, const ctrfs_any *stored,
					  ctrfs_container *out, ctrfs_error *err);

/* The export document: {"version":1, "namespaces":[{"name", "labels", "containers":[
 * <info objects>]}]} of every namespace, or only `ns` when not NULL. */
ctrfs_code ctrfs_store_export(ctrfs_store *s, const char *ns, char **out, size_t *len,
			      ctrfs_error *err);
typedef struct ctrfs_import_result {
	size_t namespaces; /* namespaces created */
	size_t created;
	size_t replaced;
	size_t skipped;
	size_t conflicts; /* existing containers (and images) that made the import fail */
	size_t images;	  /* images created or replaced */
	size_t images_skipped;
} ctrfs_import_result;
enum {
	CTRFS_IMPORT_REPLACE = 1 << 0, /* replace containers that exist */
	CTRFS_IMPORT_SKIP = 1 << 1,    /* leave containers that exist */
	CTRFS_IMPORT_DRY_RUN = 1 << 2, /* check and count, change nothing */
};
typedef struct ctrfs_import_options {
	unsigned flags;
	/* Called for each container with action "create", "replace", "skip" or "exists"
	 * (a conflict), and for each new namespace with id NULL and action "create". */
	void (*report)(void *arg, const char *ns, const char *id, const char *action);
	void *arg;
} ctrfs_import_options;
/* One namespace to import: its name and labels, its containers and its images. */
typedef struct ctrfs_import_namespace {
	ctrfs_namespace ns;
	ctrfs_container *containers;
	size_t count;
	ctrfs_image *images; /* imported with the same replace/skip rule as containers */
	size_t nimages;
} ctrfs_import_namespace;
/* Imports namespaces and containers as given (timestamps kept), all in one transaction
 * (a failure leaves the store as it was). A container named twice is refused.
 * Namespace labels are merged into existing namespaces. Without REPLACE or SKIP, any
 * existing container makes it fail with ALREADY_EXISTS and nothing is written. A store
 * bound to containerd is refused (FAILED_PRECONDITION): the records would reach the
 * mirror only; a dry run is allowed. */
ctrfs_code ctrfs_store_import_batch(ctrfs_store *s, const ctrfs_import_namespace *nss, size_t n,
				    const ctrfs_import_options *opts, ctrfs_import_result *res,
				    ctrfs_error *err);
void ctrfs_import_namespaces_free(ctrfs_import_namespace *nss, size_t n);
/* Parses an export document or one `ctr containers info` object (into default_ns) into
 * namespaces to import, without writing (see ctrfs_store_import). */
ctrfs_code ctrfs_import_parse(const char *text, size_t len, const char *default_ns,
			      ctrfs_import_namespace **out, size_t *count, ctrfs_error *err);
/* Reads every namespace (or only `only_ns` when not NULL) of containerd's meta.db at
 * `path`, as containerd's own reader sees them (values byte for byte, missing times as
 * Go's zero time), sorted, to import. A namespace or container the store would refuse
 * fails the read, naming its path in the file; NOT_FOUND when the file (or only_ns in
 * it) does not exist. */
ctrfs_code ctrfs_containerd_db_read(const char *path, const char *only_ns,
				    ctrfs_import_namespace **out, size_t *count, ctrfs_error *err);
/* Imports an export document (see ctrfs_store_export) or a single `ctr containers info`
 * object (into `default_ns`), through ctrfs_store_import_batch. opts may be NULL. */
ctrfs_code ctrfs_store_import(ctrfs_store *s, const char *text, size_t len, const char *default_ns,
			      const ctrfs_import_options *opts, ctrfs_import_result *res,
			      ctrfs_error *err);

/* ---- bound to a running containerd (binding*.c; see ctrfs(8) BOUND TO CONTAINERD) ----
 * A bound store records containerd's address in its meta table: every process that
 * opens it sends each container and namespace write to containerd first, and stores
 * (mirrors) containerd's answer; containerd's refusal is the write's error, with
 * nothing changed. Reads are served from the store. */

/* Records the binding (address NULL or "": unbinds). Binding does not sync. A store
 * not bound yet that holds any namespace is refused (FAILED_PRECONDITION): the first
 * sync would replace the user's own records with containerd's, unless flags has
 * CTRFS_BIND_REPLACE. */
enum { CTRFS_BIND_REPLACE = 1 };
#define CTRFS_CONTAINERD_DEFAULT_ADDRESS "/run/containerd/containerd.sock"
/* The address ctr would use: $CONTAINERD_ADDRESS when set and not empty, else the
 * default socket. */
const char *ctrfs_containerd_default_address(void);
ctrfs_code ctrfs_store_bind(ctrfs_store *s, const char *address, unsigned flags, ctrfs_error *err);
/* *address: the recorded address (malloc'd), or NULL when the store is not bound. */
ctrfs_code ctrfs_store_bound_address(ctrfs_store *s, char **address, ctrfs_error *err);
typedef struct ctrfs_sync_result {
	size_t namespaces; /* in containerd */
	size_t containers; /* in containerd */
	size_t changed;	   /* namespaces, containers, tasks and images written to the store */
	size_t removed;	   /* namespaces, containers, tasks and images removed from the store */
	size_t tasks;	   /* in containerd */
	size_t images;	   /* in containerd */
} ctrfs_sync_result;
/* Makes a bound store hold exactly what containerd holds: every namespace (labels),
 * container (every field, containerd's times), task, and image (name, labels, target
 * with its annotations, containerd's times), in one transaction; what containerd no
 * longer has is removed. Changes are logged as events. res may be NULL. */
ctrfs_code ctrfs_store_sync(ctrfs_store *s, ctrfs_sync_result *res, ctrfs_error *err);
/* Brings one container (one namespace and its labels) of a bound store up to date with
 * containerd: stored as containerd has it, or removed when containerd has it not. */
ctrfs_code ctrfs_store_refresh_container(ctrfs_store *s, const char *ns, const char *id,
					 ctrfs_error *err);
ctrfs_code ctrfs_store_refresh_namespace(ctrfs_store *s, const char *name, ctrfs_error *err);
/* Brings container ns/id's task up to date with containerd (a Get): stored as
 * containerd reports it, or removed when it has none. */
ctrfs_code ctrfs_store_refresh_task(ctrfs_store *s, const char *ns, const char *id,
				    ctrfs_error *err);

/* ---- tasks: containerd's runtime side, mirrored (store/tasks.c) ----
 * A container's task (its init process) as containerd's Tasks service reports it. Only
 * the mirror of a bound store writes tasks (containerd's List and Get, its /tasks/...
 * events); there is no write for users. A container's deletion drops its task. A store
 * made before tasks were kept, opened read-only, has none. */
typedef enum ctrfs_task_status {
	CTRFS_TASK_UNKNOWN = 0, /* containerd's numbering (containerd.v1.types.Status) */
	CTRFS_TASK_CREATED,
	CTRFS_TASK_RUNNING,
	CTRFS_TASK_STOPPED,
	CTRFS_TASK_PAUSED,
	CTRFS_TASK_PAUSING,
} ctrfs_task_status;

typedef struct ctrfs_task {
	char *id; /* the container's ID */
	ctrfs_task_status status;
	uint32_t pid;
	uint32_t exit_status;
	ctrfs_time exited_at; /* {0, 0} until it exited */
} ctrfs_task;

/* "unknown", "created", "running", "stopped", "paused", "pausing" */
const char *ctrfs_task_status_name(ctrfs_task_status status);
void ctrfs_task_clear(ctrfs_task *task);
void ctrfs_task_list_free(ctrfs_task *list, size_t count);
/* The task of container ns/id; NOT_FOUND ("task ID in namespace NS: not found") when it
 * has none. */
ctrfs_code ctrfs_task_get(ctrfs_store *s, const char *ns, const char *id, ctrfs_task *out,
			  ctrfs_error *err);
/* The tasks of namespace `ns`, sorted by ID (none for a namespace that does not exist). */
ctrfs_code ctrfs_task_list(ctrfs_store *s, const char *ns, ctrfs_task **out, size_t *count,
			   ctrfs_error *err);
/* The same for image `name` of `ns`. */
ctrfs_code ctrfs_store_refresh_image(ctrfs_store *s, const char *ns, const char *name,
				     ctrfs_error *err);
/* Container ns/id's task in a read snapshot (NOT_FOUND when it has none). */
ctrfs_code ctrfs_reader_task_get(ctrfs_reader *r, const char *ns, const char *id, ctrfs_task *out,
				 ctrfs_error *err);

/* ---- change log ---- */

typedef struct ctrfs_event {
	uint64_t seq;
	ctrfs_time timestamp;
	const char *namespace_;
	const char *topic; /* "/containers/create", ... */
	const char *event; /* compact JSON payload, containerd's fields */
	/* What the event is about, kept beside the payload so that a reader need not parse
	 * it: the container's ID (a container's topics; a task's: its container_id), the
	 * image's name (an image's topics); NULL for a namespace's events and for events
	 * logged before it was kept. */
	const char *subject;
} ctrfs_event;

/* One JSON object per event: {"seq":N,"timestamp":"...","namespace":"...","topic":
 * "...","event":{...}} without a trailing newline; malloc'd. */
char *ctrfs_event_json(const ctrfs_event *ev);
/* Calls `fn` for each retained event with seq > since that matches any of `filters`
 * (containerd's filter syntax over topic, namespace and event.<field>; none = all),
 * oldest first; fn returns non-zero to stop. INVALID_ARGUMENT for a bad filter. */
ctrfs_code ctrfs_events_read(ctrfs_store *s, uint64_t since, const char *const *filters,
			     size_t nfilters, int (*fn)(const ctrfs_event *ev, void *arg),
			     void *arg, ctrfs_error *err);
/* The seq of the oldest retained event (0 when none), and the events after `since` in
 * a read snapshot, as ctrfs_events_read without filters. */
ctrfs_code ctrfs_reader_first_seq(ctrfs_reader *r, uint64_t *seq, ctrfs_error *err);
uint64_t ctrfs_reader_version(ctrfs_reader *r);
ctrfs_code ctrfs_reader_events(ctrfs_reader *r, uint64_t since,
			       int (*fn)(const ctrfs_event *ev, void *arg), void *arg,
			       ctrfs_error *err);
/* Sequence number of the oldest retained event (0 when none). */
ctrfs_code ctrfs_events_first_seq(ctrfs_store *s, uint64_t *seq, ctrfs_error *err);
/* Sequence number of the newest event (0 when none). Cheap: a read transaction. */
ctrfs_code ctrfs_events_last_seq(ctrfs_store *s, uint64_t *seq, ctrfs_error *err);
/* The seq of the newest event this store handle committed (0: none yet): what a
 * process waits for others to have seen of its own writes, without a transaction. */
uint64_t ctrfs_store_committed_seq(ctrfs_store *s);
/* A number that grows with every commit to the store, by any process, read without a
 * transaction (LMDB's last transaction ID); ctrfs_reader_version: the one a snapshot
 * shows. Equal numbers: nothing was committed in between, so nothing to read again. */
uint64_t ctrfs_store_version(ctrfs_store *s);
/* How many events the log keeps; older ones are dropped as new ones are written. */
#define CTRFS_EVENTS_RETAINED 100000
/* And how many bytes of LMDB pages it may fill: an update event carries every label of
 * its container (each up to 4 KiB), so a count alone lets a few large containers grow
 * the store by gigabytes. The oldest events beyond either bound are dropped in the
 * transaction that adds one; the newest is always kept. A store reads
 * $CTRFS_EVENTS_MAX_BYTES, when set, instead (tests use a small log). */
#define CTRFS_EVENTS_MAX_BYTES ((size_t)64 << 20)

/* ---- watchers: processes caching what they read (ctrfs mounts) ----
 *
 * A watcher registers a listening socket. Every write of any process, once committed,
 * connects to each registered watcher and waits for one byte, which the watcher sends
 * once it has handled the change log up to that connection: when a write returns, the
 * watchers have seen it. A writer waits CTRFS_WATCH_TIMEOUT_MS at most, and no more for
 * a watcher that once did not answer in that time; a watcher that is gone costs one
 * failed connect. A watcher must never write the store while writers wait for it. */
#define CTRFS_WATCH_TIMEOUT_MS 1000
/* Registers this process (the store needs write access): *fd receives the listening
 * socket, non-blocking and close-on-exec, to poll for POLLIN. Drops the records of
 * watchers that are gone. */
ctrfs_code ctrfs_store_watch(ctrfs_store *s, int *fd, ctrfs_error *err);
/* Takes up to `max` waiting writers from the socket (call when it is readable, before
 * reading the change log); returns how many were stored in writers[]. */
size_t ctrfs_watch_accept(int fd, int *writers, size_t max);
/* Tells accepted writers that their changes have been handled, and closes them. */
void ctrfs_watch_answer(const int *writers, size_t n);
/* Closes fd and removes the registration and the socket. */
void ctrfs_store_unwatch(ctrfs_store *s, int fd);

/* ---- CRI (Kubernetes) records (store/cri.c) ----
 *
 * containerd's CRI plugin keeps what a pod sandbox or a Kubernetes container is in an
 * extension of its container record (an Any whose value is JSON
 * {"Version":"v1","Metadata":{...}}) and a container's state in a status file under
 * its root directory. These decode both, bounded and with precise errors: the bytes
 * come from meta.db and from files anyone with access to the host may have written. */
#define CTRFS_CRI_ROOT_DEFAULT "/var/lib/containerd/io.containerd.grpc.v1.cri"
#define CTRFS_CRI_SANDBOX_EXTENSION "io.cri-containerd.sandbox.metadata"
#define CTRFS_CRI_CONTAINER_EXTENSION "io.cri-containerd.container.metadata"
/* Larger metadata or status documents are refused (real ones are a few KiB; a CRI
 * config is bounded by Kubernetes' own limits on labels and annotations, 256 KiB each). */
#define CTRFS_CRI_DOC_MAX ((size_t)1 << 20)

typedef enum ctrfs_cri_kind {
	CTRFS_CRI_NONE = 0, /* no CRI metadata */
	CTRFS_CRI_SANDBOX,
	CTRFS_CRI_CONTAINER,
} ctrfs_cri_kind;

/* What CRI knows of a container record. Strings are never NULL once decoded ("" when
 * absent). */
typedef struct ctrfs_cri {
	ctrfs_cri_kind kind;
	char *id;	       /* Metadata.ID */
	char *name;	       /* Config.metadata.name: the pod's or the container's name */
	char *unique_name;     /* Metadata.Name: CRI's reserved name (name_pod_ns_uid_attempt) */
	uint32_t attempt;      /* Config.metadata.attempt */
	char *pod_namespace;   /* sandbox: Config.metadata; container: its labels */
	char *pod_name;	       /* io.kubernetes.pod.name (sandbox: Config.metadata.name) */
	char *pod_uid;	       /* io.kubernetes.pod.uid (sandbox: Config.metadata.uid) */
	char *config;	       /* the CRI config, compact JSON as CRI wrote it */
	char *sandbox_id;      /* container: Metadata.SandboxID */
	char *image;	       /* container: Config.image.image, the image as asked for */
	char *image_ref;       /* container: Metadata.ImageRef */
	char *log_path;	       /* container: Metadata.LogPath */
	char *stop_signal;     /* container: Metadata.StopSignal */
	char *runtime_handler; /* sandbox: Metadata.RuntimeHandler ("" = the default) */
	char *netns_path;      /* sandbox: Metadata.NetNSPath ("" = host network) */
	char *ip;	       /* sandbox: Metadata.IP */
} ctrfs_cri;

void ctrfs_cri_clear(ctrfs_cri *cri);
/* "sandbox", "container" or "" */
const char *ctrfs_cri_kind_name(ctrfs_cri_kind kind);

/* Decodes the value of extension `ext_name` (CTRFS_CRI_SANDBOX_EXTENSION or
 * CTRFS_CRI_CONTAINER_EXTENSION). `out` (zeroed or cleared) is filled; on failure it is
 * left cleared and INVALID_ARGUMENT says what is wrong ("CRI sandbox metadata: ..."). */
ctrfs_code ctrfs_cri_decode_metadata(const char *ext_name, const void *value, size_t len,
				     ctrfs_cri *out, ctrfs_error *err);
/* The CRI view of a container (its extensions and labels; load them): NOT_FOUND when it
 * carries no CRI metadata, INVALID_ARGUMENT when that does not decode. The pod's
 * namespace, name and uid of a container come from its io.kubernetes.pod.* labels,
 * else from its CRI config's labels. */
ctrfs_code ctrfs_cri_from_container(const ctrfs_container *c, ctrfs_cri *out, ctrfs_error *err);
/* The CRI config pretty-printed (4-space indent, keys in CRI's order), ending in "\n";
 * *out malloc'd. */
ctrfs_code ctrfs_cri_config_pretty(const ctrfs_cri *cri, char **out, size_t *len, ctrfs_error *err);

typedef enum ctrfs_cri_state {
	CTRFS_CRI_STATE_UNKNOWN = 0,
	CTRFS_CRI_STATE_CREATED,
	CTRFS_CRI_STATE_RUNNING,
	CTRFS_CRI_STATE_EXITED,
} ctrfs_cri_state;

/* A container's status file, with the state and reason CRI derives from it. */
typedef struct ctrfs_cri_status {
	ctrfs_cri_state state;
	uint32_t pid;
	int64_t created_at, started_at, finished_at; /* Unix nanoseconds, 0 = never */
	int32_t exit_code;
	char *reason; /* as CRI reports it: "Completed"/"Error" for an exit without one */
	char *message;
} ctrfs_cri_status;

void ctrfs_cri_status_clear(ctrfs_cri_status *st);
/* "created", "running", "exited", "unknown" */
const char *ctrfs_cri_state_name(ctrfs_cri_state state);
/* Decodes a status file's bytes; INVALID_ARGUMENT ("CRI status: ...") when malformed. */
ctrfs_code ctrfs_cri_status_decode(const void *text, size_t len, ctrfs_cri_status *out,
				   ctrfs_error *err);
/* Can status files be read under `cri_root` (its containers/ directory)? UNAVAILABLE
 * with the errno and a message naming the directory when not. */
ctrfs_code ctrfs_cri_root_check(const char *cri_root, ctrfs_error *err);
/* Reads <cri_root>/containers/<id>/status: NOT_FOUND when there is none (a sandbox, a
 * removed container), UNAVAILABLE with the errno when it cannot be read,
 * INVALID_ARGUMENT when `id` is no identifier or the file does not decode. */
ctrfs_code ctrfs_cri_status_read(const char *cri_root, const char *id, ctrfs_cri_status *out,
				 ctrfs_error *err);

/* ---- images (store/images.c) ----
 *
 * containerd's image records, per namespace: what meta.db keeps under
 * v1/<ns>/images/<name>/. What an image is made of (manifests, layers, platforms) is in
 * containerd's content store, which ctrfs does not hold. */

/* LMDB keys hold at most 511 bytes: "<ns>\0<name>" must fit, so a longer name (none
 * that a registry serves) is refused, which containerd would not. */
#define CTRFS_IMAGE_NAME_MAX (511 - CTRFS_IDENTIFIER_MAX - 1)

void ctrfs_image_clear(ctrfs_image *im);
void ctrfs_image_list_free(ctrfs_image *list, size_t count);
ctrfs_code ctrfs_image_copy(ctrfs_image *dst, const ctrfs_image *src);
/* containerd's validateImage, in its order and words (name, labels, target digest,
 * size, media type); then ours: the name fits CTRFS_IMAGE_NAME_MAX. */
ctrfs_code ctrfs_image_validate(const ctrfs_image *im, ctrfs_error *err);
/* NOT_FOUND ("image \"NAME\": not found") when missing, in a namespace or a store
 * without images. */
ctrfs_code ctrfs_image_get(ctrfs_store *s, const char *ns, const char *name, ctrfs_image *out,
			   ctrfs_error *err);
/* Images of `ns` matching any of `filters` (containerd's filter syntax over name,
 * target.digest, target.mediatype, labels.<key>, annotations.<key>, as containerd's
 * adaptImage; none = all), sorted by name. INVALID_ARGUMENT for a bad filter. */
ctrfs_code ctrfs_image_list(ctrfs_store *s, const char *ns, const char *const *filters,
			    size_t nfilters, ctrfs_image **out, size_t *count, ctrfs_error *err);
/* Sets one label as containerd's Update with field path "labels.KEY": validated first
 * (CTRFS_LABEL_MAX, an empty key), then value NULL or "" removes it. UpdatedAt is
 * stamped and "/images/update" logged. NOT_FOUND for a missing image. On a store bound
 * to containerd, once the store's own checks pass, the write is containerd's
 * Images.Update with update_mask "labels.KEY": containerd's refusal is the error (as
 * for containers) with nothing changed, and the image containerd answers with is
 * mirrored before the call returns. */
ctrfs_code ctrfs_image_set_label(ctrfs_store *s, const char *ns, const char *name, const char *key,
				 const char *value, ctrfs_error *err);
/* Checks, writing nothing, what the store itself would refuse of ctrfs_image_set_label
 * (the label, a missing image), with the same errors. */
ctrfs_code ctrfs_image_label_check(ctrfs_store *s, const char *ns, const char *name,
				   const char *key, const char *value, ctrfs_error *err);
/* The same as a compare-and-set: FAILED_PRECONDITION, writing nothing, unless the
 * label still holds `expect` (NULL: absent). */
ctrfs_code ctrfs_image_set_label_if(ctrfs_store *s, const char *ns, const char *name,
				    const char *key, const char *value, const char *expect,
				    ctrfs_error *err);
/* Mirror writes (a binding, an import): stores `im` exactly as given, times included
 * (validated; "/images/create" or "/images/update" logged; the namespace is created
 * when missing). */
ctrfs_code ctrfs_image_put(ctrfs_store *s, const char *ns, const ctrfs_image *im, ctrfs_error *err);
/* Removes the image ("/images/delete"); NOT_FOUND when missing. */
ctrfs_code ctrfs_image_drop(ctrfs_store *s, const char *ns, const char *name, ctrfs_error *err);
/* What `ctr images ls` shows of image `name` from containerd's content store, on a
 * bound store only (binding_images.c): *size, its SIZE in bytes, and *platforms, its
 * PLATFORMS column ("os/arch[/variant]" sorted, comma-joined; malloc'd, NULL when ctr
 * prints "-"). Not bound: FAILED_PRECONDITION, *size -1. When containerd's content
 * store fails part of the walk (a document missing, one that does not parse), the
 * error is returned and *size >= 0 and *platforms hold what ctr then prints (after
 * logging the error); on any other error *size is -1 and *platforms NULL. */
ctrfs_code ctrfs_image_usage(ctrfs_store *s, const char *ns, const char *name, int64_t *size,
			     char **platforms, ctrfs_error *err);

/* ---- time ---- */
ctrfs_time ctrfs_time_now(void);
/* RFC 3339, UTC, nanoseconds with trailing zeros trimmed (Go's RFC3339Nano); buf >= 40 */
void ctrfs_time_format(ctrfs_time t, char *buf, size_t size);
bool ctrfs_time_parse(const char *s, ctrfs_time *out);

#ifdef __cplusplus
}
#endif
#endif
