/* Go's time formats the store meets: RFC 3339 text (JSON) and time.MarshalBinary. */
#ifndef CTRFS_TIMEFMT_H
#define CTRFS_TIMEFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "ctrfs_store.h"

/* ctrfs_time_now, ctrfs_time_format and ctrfs_time_parse are declared in ctrfs_store.h.
 * ctrfs_time_format writes what Go's Format(RFC3339Nano) writes, also for years outside
 * 0000..9999 ("-0001-...", "10000-..."), which Go's MarshalJSON refuses instead: */

/* Would Go's time.Time.MarshalJSON accept t (its year lies in 0000..9999)? */
bool gotime_json_ok(ctrfs_time t);

/*
 * Go time.MarshalBinary: version byte 1 (or 2 with seconds offset), int64 BE seconds
 * since 0001-01-01, int32 BE nanoseconds, int16 BE zone offset minutes (-1 = UTC);
 * 15 bytes (16 for version 2).
 *
 * unmarshal: the zone offset only says how Go would display the time, so it is
 * ignored; refuses other versions or lengths (as Go), and also a nanosecond field
 * outside 0..999999999 or seconds beyond the Unix range of int64 (Go takes those and
 * makes a broken Time).
 */
bool gotime_unmarshal_binary(const unsigned char *b, size_t len, ctrfs_time *out);
/* Writes t as a UTC time (version 1, offset -1), as containerd stores time.Now().UTC().
 * Returns 15, or 0 if t lies beyond what Go's int64 seconds since year 1 can hold. */
size_t gotime_marshal_binary(ctrfs_time t, unsigned char out[15]);

#endif
