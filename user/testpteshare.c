/* testpteshare: a page mapped PTE_SHARE stays shared across fork and spawn (a child's writes
 * show in the parent), while an ordinary page is copied (they do not). */

#include <inc/lib.h>

#define SHARED_VA	((char *) 0xA0000000)
#define PRIVATE_VA	((char *) 0xA0001000)

static const char fork_msg[] = "written by the forked child";
static const char spawn_msg[] = "written by the spawned child";

void
umain(int argc, char **argv)
{
	envid_t child;
	int r;

	binaryname = "testpteshare";
	if (argc == 2 && strcmp(argv[1], "child") == 0) {
		/* Spawned: the shared page is here, with what the parent left in it. */
		if (strcmp(SHARED_VA, fork_msg) != 0)
			panic("spawned child sees '%.40s' in the shared page", SHARED_VA);
		strcpy(SHARED_VA, spawn_msg);
		return;
	}

	if ((r = sys_page_alloc(0, SHARED_VA, PTE_P | PTE_U | PTE_W | PTE_SHARE)) < 0)
		panic("sys_page_alloc: %e", r);
	if ((r = sys_page_alloc(0, PRIVATE_VA, PTE_P | PTE_U | PTE_W)) < 0)
		panic("sys_page_alloc: %e", r);
	strcpy(SHARED_VA, "parent");
	strcpy(PRIVATE_VA, "parent");

	if ((child = fork()) < 0)
		panic("fork: %e", child);
	if (child == 0) {
		strcpy(SHARED_VA, fork_msg);
		strcpy(PRIVATE_VA, fork_msg);
		exit();
	}
	wait(child);
	if (strcmp(SHARED_VA, fork_msg) != 0)
		panic("after fork, the shared page holds '%.40s'", SHARED_VA);
	if (strcmp(PRIVATE_VA, "parent") != 0)
		panic("after fork, the child's write reached the parent's private page");
	cprintf("testpteshare: fork shares PTE_SHARE pages: ok\n");

	if ((child = spawnl("/testpteshare", "testpteshare", "child", NULL)) < 0)
		panic("spawn: %e", child);
	wait(child);
	if (strcmp(SHARED_VA, spawn_msg) != 0)
		panic("after spawn, the shared page holds '%.40s'", SHARED_VA);
	cprintf("testpteshare: spawn shares PTE_SHARE pages: ok\n");
}
