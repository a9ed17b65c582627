/* The project's error codes.  One list (E_CODES) gives each code its number and its message;
 * the enum and printfmt's %e table are both generated from it, so they cannot drift apart.
 * Functions return the negated code: -E_INVAL.  */
#ifndef INC_ERROR_H
#define INC_ERROR_H

#define E_CODES(X)							\
	X(E_UNSPECIFIED,   1, "unspecified error")			\
	X(E_BAD_ENV,       2, "bad environment")			\
	X(E_INVAL,         3, "invalid parameter")			\
	X(E_NO_MEM,        4, "out of memory")				\
	X(E_NO_FREE_ENV,   5, "out of environments")			\
	X(E_FAULT,         6, "segmentation fault")			\
	X(E_IPC_NOT_RECV,  7, "env is not recving")			\
	X(E_EOF,           8, "unexpected end of file")		\
	X(E_NO_DISK,       9, "no free space on disk")			\
	X(E_MAX_OPEN,     10, "too many files are open")		\
	X(E_NOT_FOUND,    11, "file or block not found")		\
	X(E_BAD_PATH,     12, "invalid path")			\
	X(E_FILE_EXISTS,  13, "file already exists")		\
	X(E_NOT_EXEC,     14, "file is not a valid executable")	\
	X(E_NOT_SUPP,     15, "operation not supported")		\
	X(E_PERM,         16, "permission denied")			\
	X(E_AGAIN,        17, "resource temporarily unavailable")	\
	X(E_BUSY,         18, "device or ring busy")			\
	X(E_CORRUPT,      19, "corrupt or foreign data")		\
	X(E_TIMEOUT,      20, "timed out")				\
	X(E_NET,          21, "network error")				\
	X(E_NO_ADDR,      22, "no network address or name server yet")	\
	X(E_NO_HOST,      23, "no such host name")			\
	X(E_NAME_SERVER,  24, "name server gave no address")		\
	X(E_BAD_NAME,     25, "malformed host name")		\
	X(E_IN_PROGRESS,  26, "operation in progress")		\
	X(E_CONN_REFUSED, 27, "connection refused")			\
	X(E_CONN_RESET,   28, "connection reset by peer")		\
	X(E_CONN_ABORTED, 29, "connection aborted")			\
	X(E_CONN_TIMEOUT, 30, "connection timed out")		\
	X(E_UNREACH,      31, "network unreachable")			\
	X(E_NOT_CONN,     32, "not connected")

enum {
#define E_ENUM(name, num, msg) name = num,
	E_CODES(E_ENUM)
#undef E_ENUM
	MAXERROR
};

#endif /* !INC_ERROR_H */
