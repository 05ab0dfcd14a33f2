#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point for a program with its own main (SwiftPM renames an executable's
 * main, so libFuzzer's main cannot be used); Swift sees no declaration of it without this. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
