/* MOUNT/<ns>/.pods/<pod-namespace>/<pod-name>/: a Kubernetes pod as the operator names it,
 * made of symlinks into the namespace: `sandbox` (its latest sandbox), `attempts/<n>`
 * (each sandbox attempt) and `containers/<name>` (the latest attempt of each container).
 * Derived from the CRI records of the namespace at every request (a listing of the
 * namespace), so it is never kept by the kernel: its nodes are loose (node.c), their
 * entries and attributes not cached. `.pods` is not listed in its namespace, and holds
 * only directories and symlinks, so that find and grep -r never walk a container twice.
 *
 * A node's key is its path below .pods ("prod/web/containers/app"): Kubernetes names
 * hold no '/', and records whose names would not make one file name are left out. */
#include "pods.h"
#include "view_paths.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cri.h"
#include "views.h"

/* ---- paths ---- */

/* One name of the view: what a directory entry can be. */
static bool usable(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int pods_child(const struct fspath *dir, const char *name, struct fspath *out)
{
	enum node_kind kind;
	const char *key = dir->key ? dir->key : "";
	switch (dir->kind) {
	case NODE_PODS:
		kind = NODE_POD_NS;
		break;
	case NODE_POD_NS:
		kind = NODE_POD;
		break;
	case NODE_POD:
		if (strcmp(name, "sandbox") == 0)
			kind = NODE_POD_LINK;
		else if (strcmp(name, "attempts") == 0)
			kind = NODE_POD_ATTEMPTS;
		else if (strcmp(name, "containers") == 0)
			kind = NODE_POD_CONTAINERS;
		else
			return -ENOENT;
		break;
	case NODE_POD_ATTEMPTS:
	case NODE_POD_CONTAINERS:
		kind = NODE_POD_LINK;
		break;
	default:
		return -ENOTDIR;
	}
	if (!usable(name))
		return -ENOENT;
	if (asprintf(&out->key, "%s%s%s", key, *key ? "/" : "", name) < 0) {
		out->key = NULL;
		return -ENOMEM;
	}
	out->kind = kind;
	return 0;
}

int pods_parent(const struct fspath *dir, struct fspath *out)
{
	const char *key = dir->key ? dir->key : "";
	const char *slash = strrchr(key, '/');
	memcpy(out->ns, dir->ns, sizeof(out->ns));
	if (dir->kind == NODE_PODS) {
		out->kind = NODE_NS;
		return 0;
	}
	out->key = strndup(key, slash ? (size_t)(slash - key) : 0);
	if (!out->key)
		return -ENOMEM;
	out->kind = dir->kind == NODE_POD_NS ? NODE_PODS
		    : dir->kind == NODE_POD  ? NODE_POD_NS
					     : NODE_POD;
	return 0;
}

/* A key split into its names: pod namespace, pod name, group (attempts, containers,
 * sandbox) and leaf; absent ones "". */
struct podkey {
	char *buf;
	const char *pns, *pname, *group, *leaf;
};

static int key_split(const struct fspath *fp, struct podkey *k)
{
	const char **parts[] = {&k->pns, &k->pname, &k->group, &k->leaf};
	k->pns = k->pname = k->group = k->leaf = "";
	if (!(k->buf = strdup(fp->key ? fp->key : "")))
		return -ENOMEM;
	char *p = k->buf;
	for (size_t i = 0; i < 4 && *p; i++) {
		*parts[i] = p;
		char *slash = strchr(p, '/');
		if (!slash)
			break;
		*slash = '\0';
		p = slash + 1;
	}
	return 0;
}

/* ---- the pods of a namespace ---- */

struct sb {
	const char *id, *pns, *pname;
	uint32_t attempt;
	int64_t created;
};

struct ct {
	const char *id, *name;
	const struct sb *sandbox; /* NULL: its sandbox record is gone */
	const char *pns, *pname;
	uint32_t attempt;
	int64_t created;
};

/* The pods of one namespace as of one change, kept (views.h). */
struct pods {
	struct view_data v; /* first: the cache's part */
	struct sb *sb;
	size_t nsb;
	struct ct *ct;
	size_t nct;
	char *strings; /* every string of sb and ct, one allocation */
};

static void pods_free(struct pods *p)
{
	if (!p)
		return;
	free(p->sb);
	free(p->ct);
	free(p->strings);
	free(p);
}

static int64_t ns_of(ctrfs_time t)
{
	return t.sec * 1000000000 + t.nsec;
}

/* Copies strings into one buffer: offsets first (it may move), pointers at the end. */
struct strs {
	char *buf;
	size_t len, cap;
	bool oom;
};

static size_t strs_add(struct strs *s, const char *v)
{
	size_t n = strlen(v) + 1;
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		while (cap < s->len + n)
			cap *= 2;
		char *b = realloc(s->buf, cap);
		if (!b) {
			s->oom = true;
			return 0;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, v, n);
	s->len += n;
	return s->len - n;
}

#define OFF(x) ((const char *)(uintptr_t)(x))
#define PTR(p, x) ((p)->strings + (uintptr_t)(x))

/* Every CRI record of the namespace, decoded; records that do not decode are left out
 * (ctrfsctl pods and their cri/ files say why). */
static int pods_build(struct source *src, const char *ns, const char *name, struct view_data **out)
{
	(void)name;
	ctrfs_container *list;
	size_t nlist;
	if (ctrfs_container_list(src->fs->store, ns, NULL, 0,
				 CTRFS_LOAD_LABELS | CTRFS_LOAD_EXTENSIONS, &list, &nlist,
				 &src->err))
		return -store_errno(&src->err, EIO);
	struct pods *p = calloc(1, sizeof(*p));
	size_t n = nlist ? nlist : 1;
	ctrfs_cri *cri = calloc(n, sizeof(*cri));
	struct strs st = {0};
	if (p) {
		p->sb = calloc(n, sizeof(*p->sb));
		p->ct = calloc(n, sizeof(*p->ct));
	}
	if (!p || !cri || !p->sb || !p->ct) {
		free(cri);
		pods_free(p);
		ctrfs_container_list_free(list, nlist);
		return -ENOMEM;
	}
	ctrfs_error err;
	/* sandboxes first: each container then finds its pod by its sandbox */
	size_t *sb_of = calloc(n, sizeof(*sb_of));
	for (size_t i = 0; sb_of && i < nlist; i++) {
		const ctrfs_container *c = &list[i];
		if (!cri_has(c) || ctrfs_cri_from_container(c, &cri[i], &err))
			continue;
		if (cri[i].kind != CTRFS_CRI_SANDBOX || !usable(cri[i].pod_namespace) ||
		    !usable(cri[i].pod_name))
			continue;
		sb_of[i] = p->nsb + 1;
		p->sb[p->nsb++] = (struct sb){
		    OFF(strs_add(&st, c->id)), OFF(strs_add(&st, cri[i].pod_namespace)),
		    OFF(strs_add(&st, cri[i].pod_name)), cri[i].attempt, ns_of(c->created_at)};
	}
	for (size_t i = 0; sb_of && i < nlist; i++) {
		const ctrfs_cri *k = &cri[i];
		if (k->kind != CTRFS_CRI_CONTAINER || !usable(k->name))
			continue;
		size_t sb = 0;
		for (size_t j = 0; j < nlist && !sb; j++)
			if (sb_of[j] && strcmp(list[j].id, k->sandbox_id) == 0)
				sb = sb_of[j];
		struct ct *t = &p->ct[p->nct++];
		*t = (struct ct){OFF(strs_add(&st, list[i].id)),
				 OFF(strs_add(&st, k->name)),
				 sb ? &p->sb[sb - 1] : NULL,
				 sb ? p->sb[sb - 1].pns : OFF(strs_add(&st, k->pod_namespace)),
				 sb ? p->sb[sb - 1].pname : OFF(strs_add(&st, k->pod_name)),
				 k->attempt,
				 ns_of(list[i].created_at)};
	}
	for (size_t i = 0; i < nlist; i++)
		ctrfs_cri_clear(&cri[i]);
	free(cri);
	ctrfs_container_list_free(list, nlist);
	if (!sb_of || st.oom) {
		free(sb_of);
		free(st.buf);
		pods_free(p);
		return -ENOMEM;
	}
	free(sb_of);
	/* offsets into the final buffer become pointers */
	p->strings = st.buf ? st.buf : strdup("");
	for (size_t i = 0; i < p->nsb; i++) {
		p->sb[i].id = PTR(p, p->sb[i].id);
		p->sb[i].pns = PTR(p, p->sb[i].pns);
		p->sb[i].pname = PTR(p, p->sb[i].pname);
	}
	for (size_t i = 0; i < p->nct; i++) {
		struct ct *t = &p->ct[i];
		t->id = PTR(p, t->id);
		t->name = PTR(p, t->name);
		if (t->sandbox) {
			t->pns = t->sandbox->pns;
			t->pname = t->sandbox->pname;
		} else {
			t->pns = PTR(p, t->pns);
			t->pname = PTR(p, t->pname);
		}
	}
	*out = &p->v;
	return 0;
}

static void pods_data_free(struct view_data *d)
{
	pods_free((struct pods *)d);
}

static struct view_cache cache = VIEW_CACHE_INIT(pods_data_free);

static void pods_put(struct pods *p)
{
	view_put(&cache, p ? &p->v : NULL);
}

/* The pods of namespace `ns` as of the source's snapshot (a reference): 0 or -errno. */
static int pods_get(struct source *src, const char *ns, struct pods **out)
{
	struct view_data *d;
	int rc = view_get(&cache, src, ns, "", pods_build, &d);
	*out = rc ? NULL : (struct pods *)d;
	return rc;
}

void pods_cache_destroy(void)
{
	view_cache_destroy(&cache);
}

static bool sb_newer(const struct sb *a, const struct sb *b)
{
	return !b || a->created > b->created ||
	       (a->created == b->created && strcmp(a->id, b->id) > 0);
}

/* The latest sandbox of the pod (attempt: only that attempt, else any). */
static const struct sb *latest_sandbox(const struct pods *p, const char *pns, const char *pname,
				       const char *attempt)
{
	const struct sb *best = NULL;
	char num[16];
	for (size_t i = 0; i < p->nsb; i++) {
		const struct sb *s = &p->sb[i];
		if (strcmp(s->pns, pns) != 0 || (pname && strcmp(s->pname, pname) != 0))
			continue;
		snprintf(num, sizeof(num), "%u", s->attempt);
		if (attempt && strcmp(num, attempt) != 0)
			continue;
		if (sb_newer(s, best))
			best = s;
	}
	return best;
}

/* Latest first: the newer sandbox, then the higher attempt, then the newer record. */
static bool ct_newer(const struct ct *a, const struct ct *b)
{
	if (!b)
		return true;
	int64_t sa = a->sandbox ? a->sandbox->created : 0,
		sb = b->sandbox ? b->sandbox->created : 0;
	if (sa != sb)
		return sa > sb;
	if (a->attempt != b->attempt)
		return a->attempt > b->attempt;
	return a->created > b->created || (a->created == b->created && strcmp(a->id, b->id) > 0);
}

static const struct ct *latest_container(const struct pods *p, const char *pns, const char *pname,
					 const char *name)
{
	const struct ct *best = NULL;
	for (size_t i = 0; i < p->nct; i++) {
		const struct ct *t = &p->ct[i];
		if (strcmp(t->pns, pns) == 0 && strcmp(t->pname, pname) == 0 &&
		    strcmp(t->name, name) == 0 && ct_newer(t, best))
			best = t;
	}
	return best;
}

/* ---- what the view shows ---- */

/* The target of a link, relative to the link's directory: 0, -ENOENT. */
static int link_target(const struct pods *p, const struct podkey *k, char **target)
{
	const char *id = NULL, *up = "../../../../";
	if (strcmp(k->group, "sandbox") == 0 && !*k->leaf) {
		const struct sb *s = latest_sandbox(p, k->pns, k->pname, NULL);
		id = s ? s->id : NULL;
		up = "../../../";
	} else if (strcmp(k->group, "attempts") == 0 && *k->leaf) {
		const struct sb *s = latest_sandbox(p, k->pns, k->pname, k->leaf);
		id = s ? s->id : NULL;
	} else if (strcmp(k->group, "containers") == 0 && *k->leaf) {
		/* a pod's containers: only while the pod has a sandbox */
		const struct ct *t = latest_sandbox(p, k->pns, k->pname, NULL)
					 ? latest_container(p, k->pns, k->pname, k->leaf)
					 : NULL;
		id = t ? t->id : NULL;
	}
	if (!id)
		return -ENOENT;
	if (asprintf(target, "%s%s", up, id) < 0) {
		*target = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* Does the node exist? For a link, *target (may be NULL) gets where it points. */
static int resolve(struct source *src, const struct fspath *fp, const struct pods *p, char **target)
{
	const ctrfs_namespace *n;
	struct podkey k;
	int rc = source_namespace(src, fp->ns, &n);
	if (rc)
		return rc;
	if (fp->kind == NODE_PODS)
		return 0;
	if ((rc = key_split(fp, &k)))
		return rc;
	switch (fp->kind) {
	case NODE_POD_NS:
		rc = latest_sandbox(p, k.pns, NULL, NULL) ? 0 : -ENOENT;
		break;
	case NODE_POD:
	case NODE_POD_ATTEMPTS:
	case NODE_POD_CONTAINERS:
		rc = latest_sandbox(p, k.pns, k.pname, NULL) ? 0 : -ENOENT;
		break;
	case NODE_POD_LINK: {
		char *t = NULL;
		rc = link_target(p, &k, &t);
		if (target)
			*target = t;
		else
			free(t);
		break;
	}
	default:
		rc = -ENOENT;
	}
	free(k.buf);
	return rc;
}

/* Adds each name once: the entries are computed from records, names repeat. */
struct names {
	char **v;
	size_t n;
};

static bool names_add(struct names *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0)
			return false;
	char **v = realloc(s->v, (s->n + 1) * sizeof(*v));
	if (!v)
		return false;
	s->v = v;
	if (!(v[s->n] = strdup(name)))
		return false;
	s->n++;
	return true;
}

static void names_clear(struct names *s)
{
	ctrfs_strv_free(s->v, s->n);
	memset(s, 0, sizeof(*s));
}

static int entry(const struct fspath *dir, const char *name,
		 void (*fn)(void *, const char *, enum node_kind, const char *), void *arg)
{
	struct fspath fp = {0};
	int rc = pods_child(dir, name, &fp);
	if (rc == -ENOENT)
		return 0;
	if (!rc)
		fn(arg, name, fp.kind, fp.key);
	fspath_clear(&fp);
	return rc;
}

int pods_list(struct source *src, const struct fspath *dir,
	      void (*fn)(void *arg, const char *name, enum node_kind kind, const char *key),
	      void *arg)
{
	struct pods *p;
	struct podkey k = {0};
	struct names seen = {0};
	char num[16];
	int rc = pods_get(src, dir->ns, &p);
	if (rc)
		return rc;
	if ((rc = resolve(src, dir, p, NULL)) || (rc = key_split(dir, &k)))
		goto out;
	switch (dir->kind) {
	case NODE_PODS:
		for (size_t i = 0; i < p->nsb && !rc; i++)
			if (names_add(&seen, p->sb[i].pns))
				rc = entry(dir, p->sb[i].pns, fn, arg);
		break;
	case NODE_POD_NS:
		for (size_t i = 0; i < p->nsb && !rc; i++)
			if (strcmp(p->sb[i].pns, k.pns) == 0 && names_add(&seen, p->sb[i].pname))
				rc = entry(dir, p->sb[i].pname, fn, arg);
		break;
	case NODE_POD:
		if (!(rc = entry(dir, "sandbox", fn, arg)) &&
		    !(rc = entry(dir, "attempts", fn, arg)))
			rc = entry(dir, "containers", fn, arg);
		break;
	case NODE_POD_ATTEMPTS:
		for (size_t i = 0; i < p->nsb && !rc; i++) {
			const struct sb *s = &p->sb[i];
			snprintf(num, sizeof(num), "%u", s->attempt);
			if (strcmp(s->pns, k.pns) == 0 && strcmp(s->pname, k.pname) == 0 &&
			    names_add(&seen, num))
				rc = entry(dir, num, fn, arg);
		}
		break;
	case NODE_POD_CONTAINERS:
		for (size_t i = 0; i < p->nct && !rc; i++) {
			const struct ct *t = &p->ct[i];
			if (strcmp(t->pns, k.pns) == 0 && strcmp(t->pname, k.pname) == 0 &&
			    names_add(&seen, t->name))
				rc = entry(dir, t->name, fn, arg);
		}
		break;
	default:
		rc = -ENOTDIR;
	}
out:
	names_clear(&seen);
	free(k.buf);
	pods_put(p);
	return rc;
}

int pods_stat(struct source *src, const struct fspath *fp, struct stat *st)
{
	struct pods *p;
	char *target = NULL;
	const ctrfs_namespace *n;
	int rc = pods_get(src, fp->ns, &p);
	if (rc)
		return rc;
	rc = resolve(src, fp, p, &target);
	pods_put(p);
	if (!rc && !(rc = source_namespace(src, fp->ns, &n))) {
		/* the view changes with its namespace */
		st->st_atim = st->st_mtim = st->st_ctim =
		    (struct timespec){.tv_sec = n->updated_at.sec, .tv_nsec = n->updated_at.nsec};
		if (fp->kind == NODE_POD_LINK) {
			st->st_mode = S_IFLNK | 0777;
			st->st_size = (off_t)strlen(target);
		} else {
			st->st_mode = S_IFDIR | 0555;
			st->st_nlink = 2;
		}
	}
	free(target);
	return rc;
}

int pods_readlink(struct source *src, const struct fspath *fp, char **target)
{
	struct pods *p;
	*target = NULL;
	if (fp->kind != NODE_POD_LINK)
		return -EINVAL;
	int rc = pods_get(src, fp->ns, &p);
	if (rc)
		return rc;
	rc = resolve(src, fp, p, target);
	pods_put(p);
	return rc;
}
