/* Writing one seed file, for the seed makers built with -DFUZZ_MAKE_SEEDS:
 * a file that cannot be written ends the program with its reason. */
#ifndef LIAISON_FUZZ_SEED_FILE_H
#define LIAISON_FUZZ_SEED_FILE_H

#include <stdio.h>
#include <stdlib.h>

static void seed_write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#endif
