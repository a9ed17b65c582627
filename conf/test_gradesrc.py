#!/usr/bin/env python3
# Tests of conf/gradesrc.py (run by grade-lab6 as "gradesrc"): #defines with names in them, the
# memory layout and trap names, the host cpp's expansions, and the `tables` checks, which pass
# on the tree and fail, naming what is wrong, on a copy of it damaged one list at a time.
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from unitcheck import check, must_fail  # noqa: E402
import gradesrc as s  # noqa: E402


def check_defines(d):
    h1, h2 = os.path.join(d, "a.h"), os.path.join(d, "b.h")
    with open(h1, "w") as f:
        f.write("#define BASE\t0x1000UL\n#define  SIZE (4 * PAGE)  /* bytes */\n"
                "#define TOP (BASE + SIZE)\n#define LOOP LOOP\n#define STR \"no\"\n"
                "#define NAME \"a name\"\n#define ESC \"a\\\"b\"\n")
    with open(h2, "w") as f:
        f.write("# define PAGE 4096\n")
    check(s.c_define([h1, h2], "TOP") == 0x1000 + 4 * 4096, "TOP from names in two files")
    must_fail(lambda: s.c_define(h1, "LOOP"), "a define that refers to itself", "LOOP")
    must_fail(lambda: s.c_define(h1, "STR"), "a string define", "not a constant")
    must_fail(lambda: s.c_define(h1, "NONE"), "a missing define", "no #define NONE")
    check(s.c_string_define(h1, "NAME") == "a name", "c_string_define")
    must_fail(lambda: s.c_string_define(h1, "ESC"), "a string with an escape", "ESC")
    must_fail(lambda: s.c_string_define(h1, "BASE"), "a number as a string", "BASE")

    # The layout's own relations (inc/memlayout.h's diagram) and the trap numbers (inc/trap.h).
    pt = s.c_define("inc/mmu.h", "PTSIZE")
    check(s.layout("UENVS") == s.layout("UPAGES") - pt == s.layout("UTOP"), "UENVS, UPAGES, UTOP")
    check(s.layout("KSTACKTOP") == s.layout("KERNBASE") == 0xF0000000, "KERNBASE")
    check(s.TRAPS["Page Fault"] == 14 and s.TRAPS["Divide error"] == 0 and
          s.TRAPS["General Protection"] == 13 and s.TRAPS["Breakpoint"] == 3, "trap numbers")


def check_cpp(d):
    # An absolute header name: the host's cpp finds it without the include path.
    h = os.path.join(d, "list.h")
    with open(h, "w") as f:
        f.write("#define SHIFT 4\n#define SIZE (1u << SHIFT)\n"
                "#define LIST(X) \\\n\tX(ONE, \"one\", 1) \\\n\tX(TWO, \"two\", 2)\n"
                "#ifdef BIG\n#define EXTRA 0x100\n#else\n#define EXTRA 0\n#endif\n")
    check(s.x_macro_rows(h, "LIST") == [("ONE", '"one"', "1"), ("TWO", '"two"', "2")],
          "x_macro_rows: %s" % s.x_macro_rows(h, "LIST"))
    check(s.x_macro_rows(h, "NOLIST") == [], "x_macro_rows of an undefined list")
    check(s.c_value(h, "SIZE * 2 + EXTRA") == 32, "c_value")
    check(s.c_value(h, "SIZE + EXTRA", ["BIG"]) == 0x110, "c_value with a -D")
    must_fail(lambda: s.c_value(h, "LIST(X)"), "c_value of a list", "not a constant")
    must_fail(lambda: s.cpp_expand(os.path.join(d, "none.h"), ""), "a missing header",
              "cannot expand")
    check(s.c_value("inc/memlayout.h", "UTEXT") == s.layout("UTEXT"),
          "c_value and c_define agree on UTEXT")


def check_check_tests():
    names = s.check_tests()
    check(names and all(os.path.exists(os.path.join(s.ROOT, "check", n + "_test.c"))
                        for n in names), "check_tests: %s, each with check/NAME_test.c" % names)


# Each damage: (the file, what to replace, with what, the check that must fail, what it names).
DAMAGES = [
    ("inc/trap.h", '"Debug",                          0, 0)', '"Debug", 0, 2)',
     "tables_traps", '"Debug" (1): error code 0, DPL 2'),
    ("inc/trap.h", "X(T_NMI,", "X(T_DEBUG,", "tables_traps", "exception 2 has no line"),
    ("net/nssock.c", "\nreq_listen(envid_t client", "\nreq_listen_gone(envid_t client",
     "tables_ns_requests", "NSREQ_LISTEN (handler req_listen)"),
    ("net/nsdgram.c", "\nreq_sendto(envid_t client", "\nreq_sendto_gone(envid_t client",
     "tables_ns_requests", "NSREQ_SENDTO (handler req_sendto)"),
    ("lib/nsipc.c", "NSREQ_LISTEN", "NSREQ_BIND", "tables_ns_requests", "sends: NSREQ_LISTEN"),
    # A request served outside net/nssock.c, sent from outside lib/nsipc.c.
    ("net/nsdns.c", "\nnsdns_lookup(envid_t client", "\nnsdns_lookup_gone(envid_t client",
     "tables_ns_requests", "NSREQ_GETHOSTBYNAME (handler nsdns_lookup)"),
    ("lib/netdb.c", "NSREQ_GETHOSTBYNAME", "NSREQ_STATS", "tables_ns_requests",
     "sends: NSREQ_GETHOSTBYNAME"),
    ("lib/string.c", "\n#include", "\n#define STRAY_VA 0xd0000000\n#include",
     "tables_user_layout", "STRAY_VA in lib/string.c"),
    ("kern/kernel.ld", "ASSERT(end <= 0xF1000000", "ASSERT(end <= 0xF2000000",
     "tables_entry_map", "KERNBASE + ENTRY_MAPPED"),
    ("inc/syscalls.tab", "\nyield ", "\nyield_gone ", "tables_syscalls", "yield"),
]


def check_tables():
    for name in ("tables_syscalls", "tables_traps", "tables_ns_requests", "tables_user_layout",
                 "tables_entry_map"):
        getattr(s, name)()  # the tree itself passes
    real = s.ROOT
    with tempfile.TemporaryDirectory() as copy:
        for d in ("inc", "kern", "lib", "net", "fs", "user"):
            shutil.copytree(os.path.join(real, d), os.path.join(copy, d),
                            ignore=shutil.ignore_patterns("*.o", "*.img", "*.bin"))
        os.mkdir(os.path.join(copy, "conf"))
        shutil.copy(os.path.join(real, "conf", "mksyscalls.pl"), os.path.join(copy, "conf"))
        s.ROOT = copy
        try:
            for path, old, new, name, says in DAMAGES:
                text = s.source_text(path)
                check(old in text, "%s holds %r (the damage test is out of date)" % (path, old))
                getattr(s, name)()  # the undamaged copy passes
                with open(os.path.join(copy, path), "w") as f:
                    f.write(text.replace(old, new, 1))
                must_fail(getattr(s, name), "%s with %s damaged" % (name, path), says)
                with open(os.path.join(copy, path), "w") as f:
                    f.write(text)
        finally:
            s.ROOT = real


def main():
    with tempfile.TemporaryDirectory() as d:
        check_defines(d)
        check_cpp(d)
    check_check_tests()
    check_tables()
    print("gradesrc: all passed")


if __name__ == "__main__":
    main()
