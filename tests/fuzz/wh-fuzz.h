/* SPDX-License-Identifier: GPL-3.0-or-later */
/* wh-fuzz.h: what every fuzz target shares.
 *
 * A target is one fuzz-*.c file defining LLVMFuzzerTestOneInput. Built with
 * -Dfuzzing=true (clang) it links libFuzzer's main; in a normal build it
 * links fuzz-replay.c instead, which runs it over its seed corpus in
 * tests/fuzz/corpus/<target>/ as a unit test, so every input that once
 * crashed stays a regression test on any compiler.
 *
 * A target returns quietly for input the decoder refuses, and aborts (with
 * g_assert, or a fatal critical) when the decoder misbehaves: a refusal
 * without an error, an accepted value that breaks the decoder's own
 * promises, or a crash.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

#include "wh-record.h"

G_BEGIN_DECLS

int  LLVMFuzzerInitialize   (int            *argc,
                             char         ***argv);
int  LLVMFuzzerTestOneInput (const uint8_t  *data,
                             size_t          size);

/* What a round trip must keep: equal records, and every double bit for bit
 * (wh_record_equal takes -0.0 for 0.0, as SQLite does). */
void wh_fuzz_assert_same_record (const WhRecord *a,
                                 const WhRecord *b);

G_END_DECLS
