/* The file system: its on-disk format (shared by the server in fs/ and the host tool
 * fs/fsformat.c) and the IPC protocol between clients (lib/file.c) and the server (fs/serv.c). */
#ifndef INC_FS_H
#define INC_FS_H

#ifdef FS_HOST
/* fsformat is built with the host compiler and its C library. */
# include <stdint.h>
#else
# include <inc/types.h>
# include <inc/mmu.h>
#endif

/*
 * ---- On-disk format --------------------------------------------------------------------------
 *
 * The disk is an array of BLKSIZE-byte blocks (a block is one page, so that the server's block
 * cache maps one block per page).  All numbers are little-endian 32-bit.
 *
 *   block 0                          reserved (never allocated: a block number of 0 in a block
 *                                    pointer means "no block")
 *   block FS_SUPER_BLOCKNO (1)       the superblock, struct Super
 *   s_bitmap_start ...               the allocation bitmap, s_bitmap_nblocks blocks: bit b (bit
 *                                    b % 32 of 32-bit word b / 32) is set iff block b is in use
 *   s_inode_start ...                the inode table, s_inode_nblocks blocks of struct Inode
 *   s_data_start ... s_nblocks-1     data blocks: file contents, directories, indirect blocks
 *
 * Invariants a valid image satisfies (fs/fs.c checks them at mount, fsformat makes them hold):
 *   - s_magic == FS_MAGIC and s_version == FS_VERSION;
 *   - s_bitmap_start == FS_SUPER_BLOCKNO + 1, and the regions above follow each other in that
 *     order without gaps, s_data_start < s_nblocks, and s_nblocks fits the disk;
 *   - s_bitmap_nblocks * BITS_PER_BLOCK >= s_nblocks; every block below s_data_start (block 0,
 *     the superblock, the bitmap itself and the inode table) is marked in use;
 *   - inode 0 is never used (a directory entry with d_ino 0 is an empty slot);
 *     s_root_ino (FS_ROOT_INO) is a directory;
 *   - an inode of type FTYPE_FREE owns no blocks; every block pointer of a used inode is 0 or
 *     a data block marked in use, and no block belongs to two files.
 *
 * A file's blocks: block i of the file (offset i * BLKSIZE) is
 *   i_direct[i]                                    for i < NDIRECT,
 *   entry i - NDIRECT of the block i_indirect      for i < NDIRECT + NINDIRECT,
 *   entry j % NINDIRECT of the block that is entry j / NINDIRECT of i_dindirect,
 *     where j = i - NDIRECT - NINDIRECT            beyond that.
 * A pointer of 0 is a hole: it reads as zeros (and an indirect pointer of 0 makes every block
 * it would cover a hole).  No block lies beyond ROUNDUP(i_size, BLKSIZE).
 *
 * A directory is a file whose contents are an array of struct Dirent; i_size is a multiple of
 * sizeof(struct Dirent).  Names are unique within a directory, NUL-terminated, non-empty,
 * without '/', and not "." or "..".  There are no hard links: each used inode but the root is
 * named by exactly one entry.
 */

#define BLKSIZE		4096
#define SECTSIZE	512				/* the disk's sector */
#define BLKSECTS	(BLKSIZE / SECTSIZE)		/* sectors per block */
#define BITS_PER_BLOCK	(BLKSIZE * 8)

#define FS_MAGIC	0x36387865U	/* the bytes "ex86" */
#define FS_VERSION	1
#define FS_SUPER_BLOCKNO 1
#define FS_ROOT_INO	1

struct Super {
	uint32_t s_magic;		/* FS_MAGIC */
	uint32_t s_version;		/* FS_VERSION */
	uint32_t s_nblocks;		/* blocks in the file system, block 0 included */
	uint32_t s_bitmap_start;	/* first bitmap block */
	uint32_t s_bitmap_nblocks;
	uint32_t s_inode_start;		/* first inode table block */
	uint32_t s_inode_nblocks;
	uint32_t s_ninodes;		/* s_inode_nblocks * INODES_PER_BLOCK */
	uint32_t s_data_start;		/* first data block */
	uint32_t s_root_ino;		/* FS_ROOT_INO */
};

/* Inode types (i_type). */
#define FTYPE_FREE	0
#define FTYPE_REG	1
#define FTYPE_DIR	2

#define NDIRECT		20
#define NINDIRECT	(BLKSIZE / 4)		/* block numbers in an indirect block */

struct Inode {
	uint32_t i_type;		/* FTYPE_* */
	uint32_t i_size;		/* bytes */
	uint32_t i_direct[NDIRECT];
	uint32_t i_indirect;
	uint32_t i_dindirect;		/* double indirect */
	uint32_t i_reserved[8];		/* zero; pads the inode to 128 bytes */
};

#define INODES_PER_BLOCK (BLKSIZE / sizeof(struct Inode))

/* The largest file: the block map reaches much further (NDIRECT + NINDIRECT + NINDIRECT^2
 * blocks, 4 GB), but sizes and offsets are off_t, so 1 GB keeps every offset + length sum far
 * from overflow. */
#define FS_MAXFILESIZE	0x40000000

#define MAXNAMELEN	60		/* a name's bytes, its NUL included */
#define MAXPATHLEN	1024		/* a path's bytes, its NUL included */

struct Dirent {
	uint32_t d_ino;			/* 0: an empty slot */
	char d_name[MAXNAMELEN];	/* NUL-terminated */
};

#define DIRENTS_PER_BLOCK (BLKSIZE / sizeof(struct Dirent))

_Static_assert(sizeof(struct Inode) == 128, "an inode is 128 bytes");
_Static_assert(sizeof(struct Dirent) == 64, "a directory entry is 64 bytes");
_Static_assert(sizeof(struct Super) <= BLKSIZE, "the superblock fits its block");
_Static_assert(BLKSIZE % sizeof(struct Dirent) == 0, "directory entries do not cross blocks");

#ifndef FS_HOST
_Static_assert(BLKSIZE == PGSIZE, "the block cache maps one block per page");

/*
 * ---- IPC protocol ----------------------------------------------------------------------------
 *
 * A client sends one request at a time to the file system server (the environment of type
 * ENV_TYPE_FS): the IPC value is the request type (FSREQ_*), and the IPC page, which the client
 * must send present, user and writable, holds the arguments as union Fsipc.  The server answers
 * with one IPC to the sender: the value is the result (>= 0, or a negative E_* code), and for a
 * successful FSREQ_OPEN the page is the open file's struct Fd (inc/fd.h), mapped
 * PTE_P|PTE_U|PTE_W|PTE_SHARE at the address the client receives at.  Replies that return data
 * (FSREQ_READ, FSREQ_STAT) write it into the request page, which the client still maps.
 *
 * Open files.  The server keeps a table of open files; each has an Fd page that the server
 * shares with the client (and, by PTE_SHARE, with the client's children).  An open file is named
 * in requests by (req_fileid, req_key): the id is its index in the table, the key a random
 * number the server chose at open and wrote into the Fd page (fd_file.key).  Only environments
 * that map the Fd page know the key, so a request with a valid id but the wrong key (a file the
 * sender was never given) is refused with -E_PERM.  The file offset lives in the Fd page
 * (fd_offset), shared by everyone who shares the descriptor; the server reads it, checks it, and
 * stores the new one after a read or write.  A table entry is free again once the server holds
 * the only reference to its Fd page (every client has closed it or exited).
 *
 * The server trusts nothing in the request page or the Fd page: it copies each field once
 * before checking it, bounds every length by the page, requires paths to be NUL-terminated
 * within MAXPATHLEN, and answers a bad request with an error instead of failing.
 *
 * Requests and their results:
 *   FSREQ_OPEN      req_path, req_omode (O_* of inc/lib.h)  -> 0, Fd page
 *   FSREQ_SET_SIZE  file, req_size                           -> 0
 *   FSREQ_READ      file, req_n                              -> bytes read into ret_buf
 *   FSREQ_WRITE     file, req_n, req_buf                     -> bytes written (all of them)
 *   FSREQ_STAT      file                                     -> 0, ret_name/ret_size/ret_isdir
 *   FSREQ_FLUSH     file                                     -> 0 (its blocks are on the disk)
 *   FSREQ_REMOVE    req_path                                 -> 0
 *   FSREQ_SYNC      (nothing)                                -> 0 (every block on the disk)
 *   FSREQ_READ_PAGES file, req_npages (1..FS_READ_PAGES_MAX)  -> bytes, and the pages that hold
 *                   them: from the file's offset (a multiple of BLKSIZE; at or past the
 *                   end: 0 bytes, wherever it is), up to req_npages
 *                   blocks or the end of the file (or a hole), the block cache's own pages,
 *                   mapped read-only at the client's window (sys_ipc_recv_pages), in order; the
 *                   offset moves past them.  The server never writes a page it lent: a write
 *                   to the file while a client maps one goes to a copy (fs/bc.c, bc_unshare),
 *                   so what a client was lent stays as it was.
 * Errors: -E_INVAL (unknown type, no page or a read-only one, bad length, bad id, bad mode),
 * -E_PERM (wrong key, a write on a read-only file, a read of a write-only file, opening a
 * directory for writing), -E_BAD_PATH, -E_NOT_FOUND (also for a file removed while open),
 * -E_FILE_EXISTS, -E_NO_DISK, -E_MAX_OPEN, -E_NOT_SUPP (removing a directory that is not
 * empty), -E_CORRUPT (the disk did not mount), -E_TIMEOUT (the disk did not answer).
 */
enum {
	FSREQ_OPEN = 1,
	FSREQ_SET_SIZE,
	FSREQ_READ,
	FSREQ_WRITE,
	FSREQ_STAT,
	FSREQ_FLUSH,
	FSREQ_REMOVE,
	FSREQ_SYNC,
	FSREQ_READ_PAGES,
	FSREQ_MAX			/* one past the last request type */
};

/* Names an open file in a request. */
struct Fsreq_file {
	uint32_t req_fileid;
	uint32_t req_key;
};

/* The most pages one FSREQ_READ_PAGES lends (256 KB): one IPC's worth. */
#define FS_READ_PAGES_MAX	64

union Fsipc {
	struct Fsreq_open {
		char req_path[MAXPATHLEN];
		int req_omode;
	} open;
	struct Fsreq_set_size {
		struct Fsreq_file req_file;
		uint32_t req_size;
	} set_size;
	struct Fsreq_read {
		struct Fsreq_file req_file;
		uint32_t req_n;
	} read;
	struct Fsret_read {
		char ret_buf[PGSIZE];
	} read_ret;
	struct Fsreq_write {
		struct Fsreq_file req_file;
		uint32_t req_n;
		char req_buf[PGSIZE - sizeof(struct Fsreq_file) - sizeof(uint32_t)];
	} write;
	struct Fsreq_stat {
		struct Fsreq_file req_file;
	} stat;
	struct Fsret_stat {
		char ret_name[MAXNAMELEN];
		uint32_t ret_size;
		uint32_t ret_isdir;
	} stat_ret;
	struct Fsreq_flush {
		struct Fsreq_file req_file;
	} flush;
	struct Fsreq_remove {
		char req_path[MAXPATHLEN];
	} remove;
	struct Fsreq_read_pages {
		struct Fsreq_file req_file;
		uint32_t req_npages;
	} read_pages;
	/* The union is exactly one page. */
	uint8_t _pad[PGSIZE];
};

_Static_assert(sizeof(union Fsipc) == PGSIZE, "a request is one page");
#endif /* !FS_HOST */

#endif /* !INC_FS_H */
