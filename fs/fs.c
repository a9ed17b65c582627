/* The file system proper (format: inc/fs.h): mounting and checking, the block bitmap, inodes,
 * a file's block map (direct, indirect, double indirect), reading, writing and resizing files,
 * directories and path names.  Everything works on blocks through the cache (bc.c). */

#include "fs.h"

struct Super *super;
static uint32_t *bitmap;		/* diskaddr(super->s_bitmap_start) */
static uint32_t alloc_hint;		/* where block_alloc starts looking */

/* ---- Mounting ------------------------------------------------------------------------------ */

static int __attribute__((format(printf, 1, 2)))
mount_refuse(const char *fmt, ...)
{
	va_list ap;
	char why[256];

	/* One cprintf, so one sys_cputs: the line cannot be split by another environment's. */
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	cprintf("fs: cannot mount the disk: %s\n", why);
	return -E_CORRUPT;
}

static bool
bitmap_test(uint32_t blockno)
{
	return bitmap[blockno / 32] & (1U << (blockno % 32));
}

/* Check the superblock against the disk and inc/fs.h's invariants, one message per problem
 * found first. */
static int
fs_check_super(uint32_t disk_nblocks)
{
	const struct Super *s = super;

	if (s->s_magic != FS_MAGIC)
		return mount_refuse("the superblock's magic number is %08x, not %08x: this is not "
				    "an exo386 file system image, or its superblock is damaged",
				    s->s_magic, FS_MAGIC);
	if (s->s_version != FS_VERSION)
		return mount_refuse("file system version %u; this server reads version %u",
				    s->s_version, FS_VERSION);
	if (s->s_nblocks > disk_nblocks)
		return mount_refuse("the superblock says %u blocks, but the disk holds only %u",
				    s->s_nblocks, disk_nblocks);
	if (s->s_bitmap_start != FS_SUPER_BLOCKNO + 1
	    || s->s_bitmap_nblocks != (s->s_nblocks + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK
	    || s->s_inode_start != s->s_bitmap_start + s->s_bitmap_nblocks
	    || s->s_inode_nblocks == 0
	    || s->s_inode_nblocks > s->s_nblocks
	    || s->s_ninodes != s->s_inode_nblocks * INODES_PER_BLOCK
	    || s->s_data_start != s->s_inode_start + s->s_inode_nblocks
	    || s->s_data_start >= s->s_nblocks)
		return mount_refuse("the superblock's layout does not add up (%u blocks: bitmap "
				    "%u+%u, inodes %u+%u holding %u, data from %u)",
				    s->s_nblocks, s->s_bitmap_start, s->s_bitmap_nblocks,
				    s->s_inode_start, s->s_inode_nblocks, s->s_ninodes,
				    s->s_data_start);
	if (s->s_root_ino != FS_ROOT_INO)
		return mount_refuse("the root directory is inode %u; it must be inode %u",
				    s->s_root_ino, FS_ROOT_INO);
	return 0;
}

int
fs_mount(void)
{
	uint32_t nsectors;
	int r;

	if ((r = ide_probe(&nsectors)) < 0) {
		cprintf("fs: no file system disk (IDE drive 1): %e\n", r);
		return r;
	}
	uint32_t disk_nblocks = MIN(nsectors / BLKSECTS, (uint32_t) (DISKSIZE / BLKSIZE));
	if (disk_nblocks <= FS_SUPER_BLOCKNO)
		return mount_refuse("the disk has %u sectors: too small for a superblock", nsectors);
	bc_init(disk_nblocks);
	if ((r = bc_fetch(FS_SUPER_BLOCKNO)) < 0) {
		cprintf("fs: cannot read the superblock: %e\n", r);
		return r;
	}
	super = diskaddr(FS_SUPER_BLOCKNO);
	if ((r = fs_check_super(disk_nblocks)) < 0)
		return r;

	/* From here on only the file system's blocks exist; the superblock and the bitmap
	 * stay resident. */
	bc_init(super->s_nblocks);
	bc_pin_below(super->s_bitmap_start + super->s_bitmap_nblocks);
	for (uint32_t b = super->s_bitmap_start; b < super->s_inode_start; b++)
		if ((r = bc_fetch(b)) < 0) {
			cprintf("fs: cannot read the bitmap: %e\n", r);
			return r;
		}
	bitmap = diskaddr(super->s_bitmap_start);
	for (uint32_t b = 0; b < super->s_data_start; b++)
		if (!bitmap_test(b))
			return mount_refuse("the bitmap marks block %u free, but it is %s", b,
					    b == 0 ? "the reserved block 0" :
					    b == FS_SUPER_BLOCKNO ? "the superblock" :
					    b < super->s_inode_start ? "part of the bitmap itself" :
					    "part of the inode table");

	struct Inode *root = inode(FS_ROOT_INO);
	if ((r = bc_fetch(super->s_inode_start)) < 0)
		return r;
	if (root->i_type != FTYPE_DIR || root->i_size % sizeof(struct Dirent) != 0
	    || root->i_size > FS_MAXFILESIZE)
		return mount_refuse("the root inode is not a directory (type %u, size %u)",
				    root->i_type, root->i_size);
	alloc_hint = super->s_data_start;
	return 0;
}

/* ---- Blocks -------------------------------------------------------------------------------- */

/* Could b be a block of a file (a data block of this file system)? */
static bool
block_is_data(uint32_t b)
{
	return b >= super->s_data_start && b < super->s_nblocks;
}

bool
block_is_free(uint32_t blockno)
{
	return blockno < super->s_nblocks && !bitmap_test(blockno);
}

int
block_alloc(uint32_t *blockno_store)
{
	uint32_t first = super->s_data_start, n = super->s_nblocks - first;
	int r;

	/* First fit from the hint, wrapping around once; whole words at a time when full. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t b = first + (alloc_hint - first + i) % n;
		if (b % 32 == 0 && bitmap[b / 32] == ~0U && b + 32 <= super->s_nblocks) {
			i += 31;
			continue;
		}
		if (bitmap_test(b))
			continue;
		bitmap[b / 32] |= 1U << (b % 32);
		if ((r = bc_new(b)) < 0) {
			bitmap[b / 32] &= ~(1U << (b % 32));
			return r;
		}
		alloc_hint = b + 1 < super->s_nblocks ? b + 1 : first;
		*blockno_store = b;
		return 0;
	}
	return -E_NO_DISK;
}

void
block_free(uint32_t blockno)
{
	/* Only a damaged inode points outside the data area: leave such a block alone. */
	if (!block_is_data(blockno))
		return;
	bitmap[blockno / 32] &= ~(1U << (blockno % 32));
	bc_discard(blockno);
}

uint32_t
fs_count_free_blocks(void)
{
	uint32_t n = 0;

	for (uint32_t b = super->s_data_start; b < super->s_nblocks; b++)
		if (!bitmap_test(b))
			n++;
	return n;
}

/* ---- Inodes -------------------------------------------------------------------------------- */

struct Inode *
inode(uint32_t ino)
{
	return (struct Inode *) diskaddr(super->s_inode_start) + ino;
}

/* The inode ino, its block resident.  -E_CORRUPT for a number out of range (a damaged
 * directory entry), or the read error. */
static int
inode_get(uint32_t ino, struct Inode **ip_store)
{
	int r;

	if (ino == 0 || ino >= super->s_ninodes)
		return -E_CORRUPT;
	if ((r = bc_fetch(super->s_inode_start + ino / INODES_PER_BLOCK)) < 0)
		return r;
	*ip_store = inode(ino);
	return 0;
}

static int
inode_alloc(uint32_t type, uint32_t *ino_store)
{
	struct Inode *ip;
	int r;

	for (uint32_t ino = FS_ROOT_INO + 1; ino < super->s_ninodes; ino++) {
		if ((r = inode_get(ino, &ip)) < 0)
			return r;
		if (ip->i_type == FTYPE_FREE) {
			memset(ip, 0, sizeof(*ip));
			ip->i_type = type;
			*ino_store = ino;
			return 0;
		}
	}
	return -E_NO_DISK;
}

/* ---- A file's block map -------------------------------------------------------------------- */

/* *ptr names a block of the file, data or indirect (0: none yet).  Make it resident, allocating
 * it (zeroed) if there is none and alloc.  -E_NOT_FOUND (no block and !alloc), -E_NO_DISK,
 * -E_CORRUPT (a block number outside the data area). */
static int
block_resolve(uint32_t *ptr, bool alloc)
{
	uint32_t b = *ptr;
	int r;

	if (b == 0) {
		if (!alloc)
			return -E_NOT_FOUND;
		if ((r = block_alloc(&b)) < 0)
			return r;
		*ptr = b;
		return 0;
	}
	if (!block_is_data(b))
		return -E_CORRUPT;
	return bc_fetch(b);
}

/* *ptr names an indirect block (0: none yet).  Store the address of its entry idx, allocating
 * the block if alloc.  block_resolve's errors. */
static int
indirect_entry(uint32_t *ptr, uint32_t idx, bool alloc, uint32_t **entry_store)
{
	int r;

	if ((r = block_resolve(ptr, alloc)) < 0)
		return r;
	*entry_store = (uint32_t *) diskaddr(*ptr) + idx;
	return 0;
}

/* Store the address of the pointer to block i of the file (which may be 0, a hole), allocating
 * indirect blocks if alloc.  -E_INVAL (i beyond any file), and indirect_entry's errors. */
static int
file_block_slot(struct Inode *ip, uint32_t i, bool alloc, uint32_t **slot_store)
{
	uint32_t *outer;
	int r;

	if (i < NDIRECT) {
		*slot_store = &ip->i_direct[i];
		return 0;
	}
	i -= NDIRECT;
	if (i < NINDIRECT)
		return indirect_entry(&ip->i_indirect, i, alloc, slot_store);
	i -= NINDIRECT;
	if (i >= NINDIRECT * NINDIRECT)
		return -E_INVAL;
	if ((r = indirect_entry(&ip->i_dindirect, i / NINDIRECT, alloc, &outer)) < 0)
		return r;
	return indirect_entry(outer, i % NINDIRECT, alloc, slot_store);
}

/* The address of block i of the file, resident.  Without alloc a hole gives NULL; with alloc
 * the block is allocated (zeroed). */
static int
file_get_block(struct Inode *ip, uint32_t i, bool alloc, char **addr_store)
{
	uint32_t *slot;
	int r;

	if ((r = file_block_slot(ip, i, alloc, &slot)) == 0)
		r = block_resolve(slot, alloc);
	if (r == -E_NOT_FOUND) {	/* a hole, in the block map or in the file */
		*addr_store = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	*addr_store = diskaddr(*slot);
	return 0;
}

int
file_block_number(uint32_t ino, uint32_t i, uint32_t *blockno_store)
{
	struct Inode *ip;
	uint32_t *slot;
	int r;

	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	r = file_block_slot(ip, i, false, &slot);
	*blockno_store = r == 0 ? *slot : 0;
	return r == -E_NOT_FOUND ? 0 : r;
}

/* Free block i of the file, if it has one. */
static void
file_free_block(struct Inode *ip, uint32_t i)
{
	uint32_t *slot;

	if (file_block_slot(ip, i, false, &slot) == 0 && *slot != 0) {
		block_free(*slot);
		*slot = 0;
	}
}

/* ---- Files --------------------------------------------------------------------------------- */

ssize_t
file_read(uint32_t ino, void *buf, size_t n, off_t offset)
{
	struct Inode *ip;
	char *blk;
	int r;

	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	if (offset < 0)
		return -E_INVAL;
	if ((uint32_t) offset >= ip->i_size)
		return 0;
	n = MIN(n, ip->i_size - offset);
	for (size_t done = 0; done < n;) {
		uint32_t pos = offset + done, in = pos % BLKSIZE;
		size_t chunk = MIN(n - done, (size_t) (BLKSIZE - in));
		if ((r = file_get_block(ip, pos / BLKSIZE, false, &blk)) < 0)
			return done ? (ssize_t) done : r;
		if (blk)
			memmove(buf + done, blk + in, chunk);
		else
			memset(buf + done, 0, chunk);
		done += chunk;
	}
	return n;
}

ssize_t
file_write(uint32_t ino, const void *buf, size_t n, off_t offset)
{
	struct Inode *ip;
	char *blk;
	size_t done;
	int r = 0;

	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	if (offset < 0 || offset > FS_MAXFILESIZE || n > (size_t) (FS_MAXFILESIZE - offset))
		return -E_INVAL;
	for (done = 0; done < n;) {
		uint32_t pos = offset + done, in = pos % BLKSIZE;
		size_t chunk = MIN(n - done, (size_t) (BLKSIZE - in));
		if ((r = file_get_block(ip, pos / BLKSIZE, true, &blk)) < 0
		    || (r = bc_unshare(blk)) < 0)
			break;
		memmove(blk + in, buf + done, chunk);
		done += chunk;
		if (pos + chunk > ip->i_size)
			ip->i_size = pos + chunk;
	}
	return done > 0 ? (ssize_t) done : r;
}

int
file_set_size(uint32_t ino, off_t size)
{
	struct Inode *ip;
	char *blk;
	int r;

	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	if (size < 0 || size > FS_MAXFILESIZE)
		return -E_INVAL;
	if ((uint32_t) size >= ip->i_size) {
		ip->i_size = size;	/* the new part is a hole */
		return 0;
	}

	uint32_t keep = ROUNDUP((uint32_t) size, BLKSIZE) / BLKSIZE;
	uint32_t old = ROUNDUP(ip->i_size, BLKSIZE) / BLKSIZE;
	/* Data blocks first, then the indirect blocks that map nothing any more: freeing drops a
	 * block from the cache, and the data pointers live in the indirect blocks. */
	for (uint32_t i = keep; i < old; i++)
		file_free_block(ip, i);
	if (ip->i_dindirect && block_is_data(ip->i_dindirect)) {
		uint32_t *outer = diskaddr(ip->i_dindirect);
		for (uint32_t k = 0; k < NINDIRECT; k++) {
			uint32_t first = NDIRECT + NINDIRECT + k * NINDIRECT;
			if (first >= keep && outer[k]) {
				block_free(outer[k]);
				outer[k] = 0;
			}
		}
		if (keep <= NDIRECT + NINDIRECT) {
			block_free(ip->i_dindirect);
			ip->i_dindirect = 0;
		}
	}
	if (keep <= NDIRECT && ip->i_indirect) {
		block_free(ip->i_indirect);
		ip->i_indirect = 0;
	}
	/* Zero the rest of the last block, so that growing the file again shows zeros. */
	if (size % BLKSIZE != 0 && file_get_block(ip, size / BLKSIZE, false, &blk) == 0 && blk)
		memset(blk + size % BLKSIZE, 0, BLKSIZE - size % BLKSIZE);
	ip->i_size = size;
	return 0;
}

/* Call fn on every block the file holds: data, indirect and double indirect blocks. */
static void
file_for_each_block(struct Inode *ip, void (*fn)(uint32_t blockno, void *arg), void *arg)
{
	uint32_t nblocks = ROUNDUP(ip->i_size, BLKSIZE) / BLKSIZE;
	uint32_t *slot;

	for (uint32_t i = 0; i < nblocks; i++)
		if (file_block_slot(ip, i, false, &slot) == 0 && *slot != 0)
			fn(*slot, arg);
	if (ip->i_indirect)
		fn(ip->i_indirect, arg);
	if (ip->i_dindirect && block_is_data(ip->i_dindirect)) {
		uint32_t *outer = diskaddr(ip->i_dindirect);
		for (uint32_t k = 0; k < NINDIRECT; k++)
			if (outer[k])
				fn(outer[k], arg);
		fn(ip->i_dindirect, arg);
	}
}

static void
count_block(uint32_t blockno, void *arg)
{
	(*(uint32_t *) arg)++;
}

uint32_t
file_count_blocks(uint32_t ino)
{
	struct Inode *ip;
	uint32_t n = 0;

	if (inode_get(ino, &ip) == 0)
		file_for_each_block(ip, count_block, &n);
	return n;
}

static void
flush_block(uint32_t blockno, void *arg)
{
	int r = bc_flush_block(blockno);

	if (r < 0 && *(int *) arg == 0)
		*(int *) arg = r;
}

int
file_flush(uint32_t ino)
{
	struct Inode *ip;
	int r, err = 0;

	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	file_for_each_block(ip, flush_block, &err);
	flush_block(super->s_inode_start + ino / INODES_PER_BLOCK, &err);
	for (uint32_t b = super->s_bitmap_start; b < super->s_inode_start; b++)
		flush_block(b, &err);
	return err;
}

int
fs_sync(void)
{
	return bc_flush_all();
}

/* ---- Directories --------------------------------------------------------------------------- */

/* Find name in directory dino: its inode number and the entry's offset in the directory. */
static int
dir_lookup(uint32_t dino, const char *name, uint32_t *ino_store, uint32_t *off_store)
{
	struct Inode *dp;
	char *blk;
	int r;

	if ((r = inode_get(dino, &dp)) < 0)
		return r;
	for (uint32_t off = 0; off < dp->i_size; off += BLKSIZE) {
		if ((r = file_get_block(dp, off / BLKSIZE, false, &blk)) < 0)
			return r;
		if (!blk)
			continue;
		struct Dirent *d = (struct Dirent *) blk;
		uint32_t n = MIN((uint32_t) DIRENTS_PER_BLOCK,
				 (uint32_t) ((dp->i_size - off) / sizeof(struct Dirent)));
		for (uint32_t j = 0; j < n; j++)
			if (d[j].d_ino != 0 && strncmp(d[j].d_name, name, MAXNAMELEN) == 0) {
				*ino_store = d[j].d_ino;
				if (off_store)
					*off_store = off + j * sizeof(struct Dirent);
				return 0;
			}
	}
	return -E_NOT_FOUND;
}

/* Does directory dino hold no entry? */
static int
dir_is_empty(uint32_t dino)
{
	struct Dirent d;
	ssize_t r;

	for (off_t off = 0; (r = file_read(dino, &d, sizeof(d), off)) == sizeof(d); off += r)
		if (d.d_ino != 0)
			return 0;
	return r < 0 ? r : 1;
}

/* Add an entry name -> ino to directory dino: in the first empty slot, else at the end. */
static int
dir_add(uint32_t dino, const char *name, uint32_t ino)
{
	struct Dirent d;
	off_t off;
	ssize_t r;

	for (off = 0; (r = file_read(dino, &d, sizeof(d), off)) == sizeof(d); off += r)
		if (d.d_ino == 0)
			break;
	if (r < 0)
		return r;
	memset(&d, 0, sizeof(d));
	d.d_ino = ino;
	strlcpy(d.d_name, name, sizeof(d.d_name));
	r = file_write(dino, &d, sizeof(d), off);
	if (r >= 0 && r != sizeof(d))
		r = -E_NO_DISK;		/* the directory's size covers only whole entries */
	return r < 0 ? r : 0;
}

/* ---- Paths --------------------------------------------------------------------------------- */

/* Copy the next component of *path into name (MAXNAMELEN bytes) and advance *path past it.
 * Returns its length, 0 at the end of the path, or -E_BAD_PATH. */
static int
path_next(const char **path, char *name)
{
	const char *p = *path;
	int n = 0;

	while (*p == '/')
		p++;
	while (p[n] != '/' && p[n] != '\0') {
		if (n >= MAXNAMELEN - 1)
			return -E_BAD_PATH;
		name[n] = p[n];
		n++;
	}
	name[n] = '\0';
	*path = p + n;
	if ((n == 1 && name[0] == '.') || (n == 2 && name[0] == '.' && name[1] == '.'))
		return -E_BAD_PATH;	/* no "." or "..": every path starts at the root */
	return n;
}

/* Walk path from the root.  On success, *ino_store is the file.  On -E_NOT_FOUND for the last
 * component only, *dir_store is the directory that would hold it and last its name (for
 * file_create); otherwise *dir_store is 0. */
static int
path_walk(const char *path, uint32_t *dir_store, uint32_t *ino_store, char *last,
	  uint32_t *off_store)
{
	uint32_t ino = FS_ROOT_INO, next;
	struct Inode *ip;
	char name[MAXNAMELEN];
	int r, n;

	*dir_store = 0;
	if (strnlen(path, MAXPATHLEN) >= MAXPATHLEN)
		return -E_BAD_PATH;
	last[0] = '\0';
	while ((n = path_next(&path, name)) > 0) {
		if ((r = inode_get(ino, &ip)) < 0)
			return r;
		if (ip->i_type != FTYPE_DIR)
			return -E_BAD_PATH;
		r = dir_lookup(ino, name, &next, off_store);
		if (r == -E_NOT_FOUND) {
			/* The last component?  Then the caller may create it here. */
			const char *rest = path;
			while (*rest == '/')
				rest++;
			if (*rest == '\0') {
				*dir_store = ino;
				strlcpy(last, name, MAXNAMELEN);
			}
			return r;
		}
		if (r < 0)
			return r;
		*dir_store = ino;
		strlcpy(last, name, MAXNAMELEN);
		ino = next;
	}
	if (n < 0)
		return n;
	/* The entry's inode number comes from the disk: check it before anyone uses it. */
	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	*ino_store = ino;
	return 0;
}

int
file_lookup(const char *path, uint32_t *ino_store)
{
	uint32_t dir;
	char last[MAXNAMELEN];

	return path_walk(path, &dir, ino_store, last, NULL);
}

int
file_create(const char *path, uint32_t type, uint32_t *ino_store)
{
	uint32_t dir, ino;
	char last[MAXNAMELEN];
	struct Inode *ip;
	int r;

	r = path_walk(path, &dir, &ino, last, NULL);
	if (r == 0)
		return -E_FILE_EXISTS;
	if (r != -E_NOT_FOUND || dir == 0)
		return r;
	if ((r = inode_alloc(type, &ino)) < 0)
		return r;
	if ((r = dir_add(dir, last, ino)) < 0) {
		if (inode_get(ino, &ip) == 0)
			memset(ip, 0, sizeof(*ip));
		return r;
	}
	*ino_store = ino;
	return 0;
}

int
file_remove(const char *path, uint32_t *ino_store)
{
	uint32_t dir, ino, off;
	char last[MAXNAMELEN];
	struct Inode *ip;
	struct Dirent d;
	int r;

	if ((r = path_walk(path, &dir, &ino, last, &off)) < 0)
		return r;
	if (ino == FS_ROOT_INO)
		return -E_BAD_PATH;
	if ((r = inode_get(ino, &ip)) < 0)
		return r;
	if (ip->i_type == FTYPE_DIR && (r = dir_is_empty(ino)) != 1)
		return r < 0 ? r : -E_NOT_SUPP;

	/* Unlink first, then free: a failure half-way leaks blocks but never leaves an entry
	 * pointing at a free inode. */
	memset(&d, 0, sizeof(d));
	if ((r = file_write(dir, &d, sizeof(d), off)) < 0)
		return r;
	if ((r = file_set_size(ino, 0)) < 0)
		return r;
	memset(ip, 0, sizeof(*ip));
	*ino_store = ino;
	return 0;
}
