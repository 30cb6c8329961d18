/* Interned strings: the node table's label keys, which repeat across containers, kept
 * once each, counted (intern.c). Not locked: the node table's lock serialises it. */
#ifndef CTRFS_FS_INTERN_H
#define CTRFS_FS_INTERN_H

/* The one copy of s, referenced once more: NULL when out of memory. */
const char *intern(const char *s);
/* Drops a reference taken by intern(s) (s is that copy). */
void unintern(const char *s);
/* Frees the index (every string must have been uninterned). */
void intern_destroy(void);

#endif
