/* The file system server's internal interfaces: the IDE driver (ide.c), the block cache (bc.c),
 * the file system proper (fs.c), the request loop (serv.c) and the self-tests (test.c).
 *
 * The server is one environment of type ENV_TYPE_FS, single-threaded: it handles one request
 * at a time, so nothing here locks.  Only this environment has I/O privilege (IOPL 3).
 *
 * The whole disk is mapped at DISKMAP: block b at diskaddr(b).  A block is read on the first
 * touch (a page fault, or bc_fetch); a write to its page sets the page's dirty bit, and
 * bc_flush_block writes it back.  The cache may evict any block at any time it loads another
 * (bc_fetch, bc_new, a page fault): eviction always writes a dirty block back first, so a
 * pointer into DISKMAP stays valid (touching it reads the block again), and no update is lost.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <inc/lib.h>
#include <inc/fs.h>

/* ---- ide.c: the second disk (primary channel, drive 1) by polled PIO ---------------------- */

/* Find the disk and its size in sectors.  0, -E_NOT_FOUND (no disk), -E_TIMEOUT. */
int	ide_probe(uint32_t *nsectors_store);
/* Transfer nsecs sectors starting at secno.  0, -E_TIMEOUT (the disk stayed busy), -E_INVAL
 * (beyond the disk), -E_CORRUPT (the disk reported an error). */
int	ide_read(uint32_t secno, void *dst, size_t nsecs);
int	ide_write(uint32_t secno, const void *src, size_t nsecs);

/* ---- bc.c: the block cache ----------------------------------------------------------------- */

void *	diskaddr(uint32_t blockno);
bool	bc_is_mapped(uint32_t blockno);
bool	bc_is_dirty(uint32_t blockno);
/* Set up the cache for a disk of nblocks blocks (the page fault handler included). */
void	bc_init(uint32_t nblocks);
/* Blocks that are never evicted (the superblock and the bitmap): [0, n). */
void	bc_pin_below(uint32_t n);
/* Make blockno resident, reading it from the disk if needed.  0, or the ide_read error. */
int	bc_fetch(uint32_t blockno);
/* bc_fetch of blockno and of the blocks after it that are not resident, up to n in all, read
 * from the disk with one command (a file's consecutive blocks: serve_read_pages). */
int	bc_fetch_run(uint32_t blockno, uint32_t n);
/* Make blockno resident as a zeroed, dirty block without reading the disk (a new block). */
int	bc_new(uint32_t blockno);
/* Write blockno back if it is resident and dirty.  0 or the ide_write error. */
int	bc_flush_block(uint32_t blockno);
/* Drop blockno from the cache without writing it back (a block just freed). */
void	bc_discard(uint32_t blockno);
/* The block page at blk is about to be written: if anyone else maps it (a client it was lent
 * to by FSREQ_READ_PAGES), put a copy in its place first, so that what they hold never
 * changes.  0 or -E_NO_MEM. */
int	bc_unshare(void *blk);
/* Write back every dirty block.  0 or the first error. */
int	bc_flush_all(void);
/* Evict one block chosen by the clock (writing it back if dirty).  0, or -E_NO_MEM if none can
 * go. */
int	bc_evict_one(void);

/* The eviction cap: at most this many blocks stay resident (pinned ones count too). */
extern uint32_t bc_max_resident;
struct bc_stats {
	uint32_t resident;	/* blocks mapped now */
	uint32_t reads;		/* blocks read from the disk */
	uint32_t writes;	/* blocks written back */
	uint32_t evictions;
	uint32_t unshared;	/* blocks copied before a write: a client held the page */
};
extern struct bc_stats bc_stats;

/* ---- fs.c: blocks, inodes, files, directories -------------------------------------------- */

extern struct Super *super;

/* Check the disk and its file system (see the invariants in inc/fs.h), print why if it is
 * unusable, and set up the block cache.  0, -E_NOT_FOUND (no disk), -E_CORRUPT, -E_TIMEOUT. */
int	fs_mount(void);

bool	block_is_free(uint32_t blockno);
/* A new zeroed block marked in use.  0 or -E_NO_DISK. */
int	block_alloc(uint32_t *blockno_store);
void	block_free(uint32_t blockno);
uint32_t fs_count_free_blocks(void);

/* Inode numbers name files.  inode(ino) points into the cached inode table. */
struct Inode *inode(uint32_t ino);

/* Path lookup: paths are absolute or relative to the root ("motd" is "/motd"), components
 * separated by '/'.  -E_BAD_PATH for a path too long, a component too long, or a non-directory
 * in the middle; -E_NOT_FOUND. */
int	file_lookup(const char *path, uint32_t *ino_store);
/* Create a file of type FTYPE_REG or FTYPE_DIR.  -E_FILE_EXISTS, -E_NO_DISK (no block or no
 * free inode), and the lookup errors for the parent. */
int	file_create(const char *path, uint32_t type, uint32_t *ino_store);
/* Remove the file; a directory only if it is empty (-E_NOT_SUPP), never the root
 * (-E_BAD_PATH).  Its inode number goes back through *ino_store for the caller's bookkeeping. */
int	file_remove(const char *path, uint32_t *ino_store);
/* Read up to n bytes at offset (fewer at the end of the file).  Returns the count or an error
 * (-E_INVAL for a negative offset, -E_TIMEOUT). */
ssize_t	file_read(uint32_t ino, void *buf, size_t n, off_t offset);
/* Write n bytes at offset, growing the file.  Returns n, or -E_NO_DISK (nothing written past
 * what fitted: the size covers only what was written), -E_INVAL (beyond FS_MAXFILESIZE). */
ssize_t	file_write(uint32_t ino, const void *buf, size_t n, off_t offset);
/* Shrink (freeing blocks) or grow (with a hole) the file.  0 or -E_INVAL. */
int	file_set_size(uint32_t ino, off_t size);
/* Write the file's blocks, its inode and the bitmap back to the disk. */
int	file_flush(uint32_t ino);
/* The disk block holding block i of the file (0 for a hole). */
int	file_block_number(uint32_t ino, uint32_t i, uint32_t *blockno_store);
/* Blocks a file holds, indirect blocks included. */
uint32_t file_count_blocks(uint32_t ino);
/* Write everything back. */
int	fs_sync(void);

/* ---- test.c ------------------------------------------------------------------------------ */

/* Run the self-tests, printing "selftest fs_NAME: ok" for each that passes; unless the server
 * was started with the argument "noselftest" (make FSSELFTEST=0), which it says. */
void	fs_selftest(void);

#endif /* !FS_FS_H */
