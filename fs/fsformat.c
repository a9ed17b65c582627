/* fsformat: the host tool that makes a file system image (inc/fs.h) holding the given files in
 * its root directory; and, for the tests, damages an image in one named way. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <inc/fs.h>

/* inc/memlayout.h's DISKSIZE (that header is not for the host): the server maps the whole disk
 * at DISKMAP, so no image may be larger. */
#define HOST_DISKSIZE	0xC0000000UL

static const char *progname = "fsformat";

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

/* The image being built, all in memory. */
static uint8_t *disk;
static struct Super *super;
static uint32_t next_data_block;	/* blocks are handed out in order */
static uint32_t next_ino = FS_ROOT_INO + 1;

static void *
blockaddr(uint32_t blockno)
{
	return disk + (size_t) blockno * BLKSIZE;
}

static struct Inode *
inode(uint32_t ino)
{
	struct Inode *table = blockaddr(super->s_inode_start);
	return &table[ino];
}

static void
bitmap_set(uint32_t blockno)
{
	uint32_t *bitmap = blockaddr(super->s_bitmap_start);
	bitmap[blockno / 32] |= 1U << (blockno % 32);
}

/* A new zeroed data block, marked in use; dies when the image is full. */
static uint32_t
block_alloc(const char *what)
{
	if (next_data_block >= super->s_nblocks)
		die("image too small: no block left for %s (the image has %u blocks of %d bytes; "
		    "give a larger block count)", what, super->s_nblocks, BLKSIZE);
	bitmap_set(next_data_block);
	return next_data_block++;
}

/* The address of the block pointer for block i of the file, allocating the indirect blocks on
 * the way. */
static uint32_t *
block_slot(struct Inode *ip, uint32_t i, const char *what)
{
	if (i < NDIRECT)
		return &ip->i_direct[i];
	i -= NDIRECT;
	if (i < NINDIRECT) {
		if (!ip->i_indirect)
			ip->i_indirect = block_alloc(what);
		return (uint32_t *) blockaddr(ip->i_indirect) + i;
	}
	i -= NINDIRECT;
	if (!ip->i_dindirect)
		ip->i_dindirect = block_alloc(what);
	uint32_t *outer = (uint32_t *) blockaddr(ip->i_dindirect) + i / NINDIRECT;
	if (!*outer)
		*outer = block_alloc(what);
	return (uint32_t *) blockaddr(*outer) + i % NINDIRECT;
}

/* Append len bytes to the file. */
static void
inode_append(struct Inode *ip, const void *data, size_t len, const char *what)
{
	const uint8_t *p = data;

	if ((uint64_t) ip->i_size + len > FS_MAXFILESIZE)
		die("%s: too large (%llu bytes; the largest file is %d bytes)", what,
		    (unsigned long long) ip->i_size + len, FS_MAXFILESIZE);
	while (len > 0) {
		uint32_t off = ip->i_size % BLKSIZE;
		uint32_t *slot = block_slot(ip, ip->i_size / BLKSIZE, what);
		if (!*slot)
			*slot = block_alloc(what);
		size_t n = BLKSIZE - off < len ? BLKSIZE - off : len;
		memcpy((uint8_t *) blockaddr(*slot) + off, p, n);
		ip->i_size += n;
		p += n;
		len -= n;
	}
}

static uint32_t
inode_alloc(uint32_t type, const char *what)
{
	if (next_ino >= super->s_ninodes)
		die("image too small: no inode left for %s (%u inodes; give more with -i)", what,
		    super->s_ninodes);
	inode(next_ino)->i_type = type;
	return next_ino++;
}

/* The last component of path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void
add_file(const char *path)
{
	const char *name = base_name(path);
	struct Inode *root = inode(super->s_root_ino);

	if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		die("%s: not a usable file name", path);
	if (strlen(name) >= MAXNAMELEN)
		die("%s: name '%s' too long (%zu bytes; at most %d)", path, name, strlen(name),
		    MAXNAMELEN - 1);

	/* Names are unique: look through the root directory built so far. */
	for (uint32_t off = 0; off < root->i_size; off += sizeof(struct Dirent)) {
		struct Dirent *d = (struct Dirent *) ((uint8_t *) blockaddr(
			*block_slot(root, off / BLKSIZE, "/")) + off % BLKSIZE);
		if (strcmp(d->d_name, name) == 0)
			die("%s: a file named '%s' is already in the image", path, name);
	}

	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	uint32_t ino = inode_alloc(FTYPE_REG, path);
	static uint8_t buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		inode_append(inode(ino), buf, n, path);
	if (ferror(f))
		die("%s: read error", path);
	fclose(f);

	struct Dirent d;
	memset(&d, 0, sizeof(d));
	d.d_ino = ino;
	strcpy(d.d_name, name);
	inode_append(root, &d, sizeof(d), "the root directory");
}

/* Lay out an empty file system of nblocks blocks with ninodes inodes (rounded up to whole
 * inode blocks). */
static void
format(uint32_t nblocks, uint32_t ninodes)
{
	uint32_t bitmap_nblocks = (nblocks + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK;
	uint32_t inode_nblocks = (ninodes + INODES_PER_BLOCK - 1) / INODES_PER_BLOCK;
	uint32_t data_start = FS_SUPER_BLOCKNO + 1 + bitmap_nblocks + inode_nblocks;

	if (ninodes <= FS_ROOT_INO)
		die("%u inodes: at least %d are needed", ninodes, FS_ROOT_INO + 1);
	if (data_start >= nblocks)
		die("image too small: %u blocks, but the superblock, bitmap and inode table alone "
		    "take %u", nblocks, data_start);

	disk = calloc(nblocks, BLKSIZE);
	if (!disk)
		die("cannot allocate %u blocks: %s", nblocks, strerror(errno));
	super = blockaddr(FS_SUPER_BLOCKNO);
	super->s_magic = FS_MAGIC;
	super->s_version = FS_VERSION;
	super->s_nblocks = nblocks;
	super->s_bitmap_start = FS_SUPER_BLOCKNO + 1;
	super->s_bitmap_nblocks = bitmap_nblocks;
	super->s_inode_start = super->s_bitmap_start + bitmap_nblocks;
	super->s_inode_nblocks = inode_nblocks;
	super->s_ninodes = inode_nblocks * INODES_PER_BLOCK;
	super->s_data_start = data_start;
	super->s_root_ino = FS_ROOT_INO;

	for (uint32_t b = 0; b < data_start; b++)
		bitmap_set(b);
	next_data_block = data_start;
	inode(FS_ROOT_INO)->i_type = FTYPE_DIR;
}

static void
write_image(const char *path, uint32_t nblocks)
{
	/* Write to a temporary name and rename, so that a failed run leaves no half image. */
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	if (fwrite(disk, BLKSIZE, nblocks, f) != nblocks || fclose(f) != 0)
		die("%s: write error: %s", tmp, strerror(errno));
	if (rename(tmp, path) != 0)
		die("rename %s to %s: %s", tmp, path, strerror(errno));
}

/* The ways -c can damage an image, each one a check of fs/fs.c's mount must catch. */
static void
corrupt(const char *what, const char *path)
{
	FILE *f = fopen(path, "r+b");
	if (!f)
		die("%s: %s", path, strerror(errno));
	uint8_t block[BLKSIZE];
	struct Super *s = (struct Super *) block;
	if (fseek(f, (long) FS_SUPER_BLOCKNO * BLKSIZE, SEEK_SET) != 0
	    || fread(block, BLKSIZE, 1, f) != 1)
		die("%s: cannot read the superblock", path);

	long off = (long) FS_SUPER_BLOCKNO * BLKSIZE;
	if (strcmp(what, "magic") == 0) {
		s->s_magic = ~FS_MAGIC;
	} else if (strcmp(what, "nblocks") == 0) {
		s->s_nblocks *= 4;		/* claims more blocks than the disk has */
	} else if (strcmp(what, "root") == 0) {
		s->s_root_ino = s->s_ninodes + 1;
	} else if (strcmp(what, "bitmap") == 0) {
		/* Mark the superblock free in the bitmap. */
		off = (long) s->s_bitmap_start * BLKSIZE;
		if (fseek(f, off, SEEK_SET) != 0 || fread(block, BLKSIZE, 1, f) != 1)
			die("%s: cannot read the bitmap", path);
		((uint32_t *) block)[FS_SUPER_BLOCKNO / 32] &= ~(1U << (FS_SUPER_BLOCKNO % 32));
	} else {
		die("-c %s: unknown; use magic, nblocks, root or bitmap", what);
	}
	if (fseek(f, off, SEEK_SET) != 0 || fwrite(block, BLKSIZE, 1, f) != 1 || fclose(f) != 0)
		die("%s: write error", path);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-i NINODES] IMAGE NBLOCKS FILE...\n"
		"       %s -c magic|nblocks|root|bitmap IMAGE\n", progname, progname);
	exit(2);
}

int
main(int argc, char **argv)
{
	uint32_t ninodes = 0;
	int i = 1;

	if (argc >= 4 && strcmp(argv[1], "-c") == 0) {
		if (argc != 4)
			usage();
		corrupt(argv[2], argv[3]);
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "-i") == 0) {
		ninodes = strtoul(argv[2], NULL, 0);
		i = 3;
	}
	if (argc - i < 2)
		usage();

	const char *image = argv[i];
	char *end;
	unsigned long nblocks = strtoul(argv[i + 1], &end, 0);
	if (*end != '\0' || nblocks == 0)
		die("%s: not a block count", argv[i + 1]);
	if (nblocks > HOST_DISKSIZE / BLKSIZE)
		die("%lu blocks: larger than the server can map (%lu at most)", nblocks,
		    HOST_DISKSIZE / BLKSIZE);
	if (ninodes == 0)
		ninodes = nblocks / 8;

	format(nblocks, ninodes);
	for (i += 2; i < argc; i++)
		add_file(argv[i]);
	write_image(image, nblocks);
	return 0;
}
