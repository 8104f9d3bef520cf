// SPDX-License-Identifier: MIT
/* STUB: the vsmmu command-line tool (to be written). */
#include <stdio.h>
int main(void) { fprintf(stderr, "vsmmu: not yet implemented\n"); return 2; }
