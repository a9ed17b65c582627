/* Formatted output and line input, shared by the kernel and user programs. */
#ifndef INC_STDIO_H
#define INC_STDIO_H

#include <inc/stdarg.h>

#ifndef NULL
#define NULL	((void *) 0)
#endif

/* lib/printfmt.c */
void	printfmt(void (*putch)(int, void *), void *putdat, const char *fmt, ...);
void	vprintfmt(void (*putch)(int, void *), void *putdat, const char *fmt, va_list);
int	snprintf(char *str, int size, const char *fmt, ...);
int	vsnprintf(char *str, int size, const char *fmt, va_list);
const char *error_string(int err);	/* the message for -E_* or E_*; NULL if unknown */

/* lib/console.c (user) or kern/console.c (kernel) */
void	cputchar(int c);
int	getchar(void);
int	iscons(int fd);

/* lib/printf.c (user) or kern/printf.c (kernel) */
int	cprintf(const char *fmt, ...);
int	vcprintf(const char *fmt, va_list);

/* lib/fprintf.c */
int	printf(const char *fmt, ...);
int	fprintf(int fd, const char *fmt, ...);
int	vfprintf(int fd, const char *fmt, va_list);

/* lib/readline.c: reads one line (at most READLINE_MAX-1 characters) with echo and backspace;
 * returns a static buffer, or NULL on end of input or error. */
#define READLINE_MAX 1024
char *	readline(const char *prompt);

#endif /* !INC_STDIO_H */
