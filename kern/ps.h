/* kern/ps.c: the environments at a glance (the monitor's `ps`, and Ctrl-T at the console). */
#ifndef JOS_KERN_PS_H
#define JOS_KERN_PS_H

/* The console character that prints the list whatever runs (Ctrl-T, BSD's status key); it is
 * not passed on as input. */
#define PS_STATUS_KEY	0x14

/* One console line per environment, between "ps: N ms since boot" and "ps: end". */
void	ps_print(void);

#endif /* !JOS_KERN_PS_H */
