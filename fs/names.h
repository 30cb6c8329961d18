/* File names for label keys and extension names: a reversible percent-escaping. */
#ifndef CTRFS_FS_NAMES_H
#define CTRFS_FS_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A key is shown as itself except for these bytes, written %XX (uppercase hex):
 * every '%' and '/', a '.' that starts the key and a '~' that ends it. The empty key
 * is the name "%". So "." is "%2E", ".." is "%2E.", "a/b" is "a%2Fb" and "x~" is "x%7E".
 *
 * Only this canonical form names a key: a name that does not decode, or that decodes
 * to a key whose canonical form is another name ("%41", ".swp", "image~"), is not a
 * key, so editors' swap and backup files beside keys stay scratch files.
 *
 * A name longer than NAMES_MAX (FUSE's limit: the kernel neither lists nor looks up
 * longer ones) is shortened to its first bytes, cut before a %XX, then "%%" and 16
 * hexadecimal digits of a hash of the key: never the canonical name of a key, and
 * still unique in practice. Such a name cannot be decoded by itself, so the keys
 * given one are remembered (the last NAMES_LONG_KEPT of them) and the name names its
 * key once it was shown in a listing.
 */

#define NAMES_MAX 1024
#define NAMES_LONG_KEPT 4096

/* The file name of `key` (NUL-terminated), malloc'd; NULL when out of memory. A long
 * key's shortened name is remembered, to be decoded. */
char *names_encode(const char *key);

/* The key a file name stands for, malloc'd into *key; false when `name` is not the
 * canonical name of any key (or memory ran out, with *key NULL either way). */
bool names_decode(const char *name, char **key);

#endif
