/* The block cache: the disk mapped at DISKMAP, blocks read on demand (by the page fault handler
 * or bc_fetch), written back from the pages' dirty bits, and evicted by a clock over the pages'
 * accessed bits when more than bc_max_resident blocks are resident or memory runs out.
 *
 * Eviction policy.  A cap (bc_max_resident, 1024 blocks = 4 MB by default) keeps the server's
 * share of memory bounded whatever the clients do; an allocation that fails with -E_NO_MEM
 * also evicts, so the server yields memory to others when the machine is short.  The victim is
 * chosen by a clock (second chance): the hand sweeps the block numbers; a resident block whose
 * page was accessed since the last sweep has its accessed bit cleared and is skipped, one that
 * was not is evicted.  Clearing the accessed bit means remapping the page, which clears its
 * dirty bit too, so a dirty block is written back first: the sweep doubles as a write-back of
 * blocks that have been dirty for a while.  Evicting a dirty block likewise writes it back
 * before unmapping it, so eviction never loses data and is invisible to the rest of the server.
 * The superblock and the bitmap are pinned: they are touched by every allocation. */

#include "fs.h"

#define BC_DEFAULT_MAX_RESIDENT	1024
#define BC_PERM		(PTE_P | PTE_U | PTE_W)
/* Where bc_unshare builds a block's copy: the server maps nothing else below the disk. */
#define BC_UNSHARE_VA	((void *) UTEMP)

uint32_t bc_max_resident = BC_DEFAULT_MAX_RESIDENT;
struct bc_stats bc_stats;

static uint32_t bc_nblocks;		/* blocks on the disk */
static uint32_t bc_npinned;		/* blocks [0, bc_npinned) are never evicted */
static uint32_t bc_hand;		/* the clock hand: the next block number to look at */

void *
diskaddr(uint32_t blockno)
{
	return (void *) (DISKMAP + blockno * BLKSIZE);
}

static pte_t
bc_pte(uint32_t blockno)
{
	uintptr_t va = (uintptr_t) diskaddr(blockno);

	if (!(uvpd[PDX(va)] & PTE_P))
		return 0;
	return uvpt[PGNUM(va)];
}

bool
bc_is_mapped(uint32_t blockno)
{
	return bc_pte(blockno) & PTE_P;
}

bool
bc_is_dirty(uint32_t blockno)
{
	pte_t pte = bc_pte(blockno);
	return (pte & PTE_P) && (pte & PTE_D);
}

/* Remap the block's page onto itself: this clears its accessed and dirty bits. */
static int
bc_remap(uint32_t blockno)
{
	void *va = diskaddr(blockno);
	return sys_page_map(0, va, 0, va, bc_pte(blockno) & PTE_SYSCALL);
}

int
bc_flush_block(uint32_t blockno)
{
	int r;

	if (blockno >= bc_nblocks)
		return -E_INVAL;
	if (!bc_is_dirty(blockno))
		return 0;
	if ((r = ide_write(blockno * BLKSECTS, diskaddr(blockno), BLKSECTS)) < 0)
		return r;
	bc_stats.writes++;
	return bc_remap(blockno);
}

int
bc_flush_all(void)
{
	int r, first = 0;

	for (uint32_t b = 0; b < bc_nblocks; b++)
		if ((r = bc_flush_block(b)) < 0 && first == 0)
			first = r;
	return first;
}

int
bc_evict_one(void)
{
	/* Two full turns: the first may only clear accessed bits. */
	for (uint32_t step = 0; step < 2 * bc_nblocks; step++) {
		uint32_t b = bc_hand;
		bc_hand = (bc_hand + 1) % bc_nblocks;
		if (b < bc_npinned || !bc_is_mapped(b))
			continue;
		bool accessed = bc_pte(b) & PTE_A;
		/* Write back first (remapping would lose the dirty bit); keep a block that could
		 * not be written. */
		if (bc_flush_block(b) < 0)
			continue;
		if (accessed) {
			bc_remap(b);	/* second chance: clear the accessed bit */
			continue;
		}
		if (sys_page_unmap(0, diskaddr(b)) < 0)
			continue;
		bc_stats.resident--;
		bc_stats.evictions++;
		return 0;
	}
	return -E_NO_MEM;
}

/* Map a zeroed page for blockno, evicting to stay under the cap or when memory is short. */
static int
bc_map(uint32_t blockno)
{
	int r;

	while (bc_stats.resident >= bc_max_resident)
		if (bc_evict_one() < 0)
			break;		/* everything left is pinned or unwritable: go over the cap */
	while ((r = sys_page_alloc(0, diskaddr(blockno), BC_PERM)) == -E_NO_MEM)
		if (bc_evict_one() < 0)
			return r;
	if (r < 0)
		return r;
	bc_stats.resident++;
	return 0;
}

/* Blocks [blockno, blockno + k), just mapped zeroed, read from the disk with one command and
 * left clean; unmapped again if the read fails. */
static int
bc_read_mapped(uint32_t blockno, uint32_t k)
{
	int r;

	if ((r = ide_read(blockno * BLKSECTS, diskaddr(blockno), k * BLKSECTS)) < 0) {
		for (uint32_t i = 0; i < k; i++) {
			sys_page_unmap(0, diskaddr(blockno + i));
			bc_stats.resident--;
		}
		return r;
	}
	for (uint32_t i = 0; i < k; i++) {
		bc_stats.reads++;
		/* Reading into the page dirtied it; it equals the disk. */
		if ((r = bc_remap(blockno + i)) < 0)
			return r;
	}
	return 0;
}

int
bc_fetch(uint32_t blockno)
{
	int r;

	if (blockno >= bc_nblocks)
		return -E_INVAL;
	if (bc_is_mapped(blockno))
		return 0;
	if ((r = bc_map(blockno)) < 0)
		return r;
	return bc_read_mapped(blockno, 1);
}

int
bc_fetch_run(uint32_t blockno, uint32_t n)
{
	uint32_t k = 0;

	if (blockno >= bc_nblocks || n == 0)
		return -E_INVAL;
	if (bc_is_mapped(blockno))
		return 0;
	/* The unmapped blocks from blockno on, mapped zeroed, then read in one go.  Only while
	 * there is room under the cap and free memory: making room evicts, and the victim could be
	 * one of the run's pages, not yet read (bc_fetch, one block, evicts as it must). */
	for (; k < n && blockno + k < bc_nblocks && !bc_is_mapped(blockno + k); k++) {
		if (bc_stats.resident >= bc_max_resident
		    || sys_page_alloc(0, diskaddr(blockno + k), BC_PERM) < 0)
			break;
		bc_stats.resident++;
	}
	return k == 0 ? bc_fetch(blockno) : bc_read_mapped(blockno, k);
}

int
bc_new(uint32_t blockno)
{
	int r;

	if (blockno >= bc_nblocks)
		return -E_INVAL;
	if (!bc_is_mapped(blockno) && (r = bc_map(blockno)) < 0)
		return r;
	/* Dirty even if it was already zero: the disk still holds the old contents. */
	memset(diskaddr(blockno), 0, BLKSIZE);
	return 0;
}

int
bc_unshare(void *blk)
{
	uint32_t blockno = ((uintptr_t) blk - DISKMAP) / BLKSIZE;
	void *va = diskaddr(blockno);
	int r;

	if (!bc_is_mapped(blockno) || pageref(va) <= 1)
		return 0;
	/* The copy first, then mapped over the lent page, which its borrowers keep. */
	if ((r = sys_page_alloc(0, BC_UNSHARE_VA, BC_PERM)) < 0)
		return r;
	memcpy(BC_UNSHARE_VA, va, BLKSIZE);
	r = sys_page_map(0, BC_UNSHARE_VA, 0, va, BC_PERM);
	sys_page_unmap(0, BC_UNSHARE_VA);
	if (r == 0)
		bc_stats.unshared++;
	return r;
}

void
bc_discard(uint32_t blockno)
{
	if (blockno < bc_nblocks && bc_is_mapped(blockno)
	    && sys_page_unmap(0, diskaddr(blockno)) == 0)
		bc_stats.resident--;
}

/* A touch of an unmapped block: read it in.  Other faults are bugs of the server. */
static void
bc_pgfault(struct UTrapframe *utf)
{
	uintptr_t va = utf->utf_fault_va;
	int r;

	if (va < DISKMAP || va >= DISKMAP + DISKSIZE)
		panic("page fault at va %08x, ip %08x, err %x: not in the disk map", va,
		      utf->utf_eip, utf->utf_err);
	uint32_t blockno = (va - DISKMAP) / BLKSIZE;
	if (blockno >= bc_nblocks)
		panic("page fault at va %08x, ip %08x: block %u is beyond the disk (%u blocks)", va,
		      utf->utf_eip, blockno, bc_nblocks);
	/* A disk that stops answering in the middle of an operation leaves nothing sensible to
	 * return to: the operations fetch their blocks with bc_fetch first, which reports it. */
	if ((r = bc_fetch(blockno)) < 0)
		panic("reading block %u at ip %08x: %e", blockno, utf->utf_eip, r);
}

void
bc_init(uint32_t nblocks)
{
	bc_nblocks = nblocks;
	set_pgfault_handler(bc_pgfault);
}

void
bc_pin_below(uint32_t n)
{
	bc_npinned = n;
}
