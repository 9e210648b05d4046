/* sl-fuzz.h: the libFuzzer entry point every fuzz target defines
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Called with every input; must not leak, crash or abort on any of them. */
int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
