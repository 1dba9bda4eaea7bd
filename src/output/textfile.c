/* Atomic replacement of a file (textfile.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockwatch/textfile.h"

static int
write_all(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		text += n;
		len -= (size_t)n;
	}
	return 0;
}

/* "DIR/.NAME.XXXXXX" for path "DIR/NAME"; NULL without memory. */
static char *
temporary_name(const char *path)
{
	char *dir_copy = strdup(path), *base_copy = strdup(path), *tmp = NULL;

	if (dir_copy != NULL && base_copy != NULL &&
	    asprintf(&tmp, "%s/.%s.XXXXXX", dirname(dir_copy),
		     basename(base_copy)) < 0)
		tmp = NULL;
	free(dir_copy);
	free(base_copy);
	return tmp;
}

int
textfile_write(const char *path, const char *text, size_t len)
{
	char *tmp = temporary_name(path);
	int fd, err;

	if (tmp == NULL)
		return -ENOMEM;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		err = -errno;
		free(tmp);
		return err;
	}
	/* Readable by the collector, which runs as another user. */
	err = fchmod(fd, 0644) < 0 ? -errno : write_all(fd, text, len);
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err < 0)
		unlink(tmp);
	free(tmp);
	return err;
}
