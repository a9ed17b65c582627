# Helpers for grade-lab6: the source tree as the tests read it, without building it.  Facts
# (a #define's value, the memory layout, trap names, X-macro rows expanded by the host's cpp,
# the host unit tests' names), and the lists that must agree (the `tables` test: one check per
# list, each failing with the names missing).  Tested by conf/test_gradesrc.py (`gradesrc`).
#
# Every path is relative to ROOT, the tree read, looked up at each call: the unit tests point it
# at a copy they damage, to see each check fail.

import glob
import os
import re
import subprocess

import gradelib
from gradelib import fail

__all__ = ["source_text", "read_host_file", "c_define", "c_string_define", "layout", "trap_names",
           "TRAPS", "cpp_expand", "x_macro_rows", "c_value", "check_tests", "tables_syscalls",
           "tables_traps", "tables_ns_requests", "tables_user_layout", "tables_entry_map"]

ROOT = gradelib.ROOT


def tree(path):
    """path in the tree read (an absolute path stays as it is)."""
    return os.path.join(ROOT, path)


# ---- Text and #defines ---------------------------------------------------------------------------

def source_text(path):
    """A source file's text (UTF-8)."""
    with open(tree(path), "rb") as f:
        return f.read().decode()


def read_host_file(path):
    """A file of the tree (or of obj/) as bytes: what a test compares the guest's copy with."""
    with open(tree(path), "rb") as f:
        return f.read()


def c_define(paths, name, _seen=()):
    """The value of `#define NAME value` in a source file (or the first of a list of files that
    defines it): an integer constant expression of numbers, parentheses, + - * << >> and names
    #defined in the same files, which are resolved the same way."""
    if isinstance(paths, str):
        paths = [paths]
    if name in _seen:
        fail("%s: #define %s refers to itself" % (", ".join(paths), name))
    for path in paths:
        m = re.search(r"^#\s*define\s+%s\s+(.*?)\s*(?:/\*.*)?$" % name, source_text(path), re.M)
        if m:
            break
    else:
        fail("%s: no #define %s" % (", ".join(paths), name))
    value = m.group(1)
    if not re.fullmatch(r"[\w()\s*+<>-]+", value):
        fail("%s: #define %s %s is not a constant expression" % (path, name, value))
    value = re.sub(r"\b(0[xX][0-9a-fA-F]+|\d+)[uUlL]*\b", r"\1", value)
    value = re.sub(r"\b[A-Za-z_]\w*\b",
                   lambda n: str(c_define(paths, n.group(0), tuple(_seen) + (name,))), value)
    return int(eval(value, {"__builtins__": {}}))


def c_string_define(path, name):
    """The value of `#define NAME "string"` in a source file (no escapes in the string)."""
    m = re.search(r'^#define\s+%s\s+"([^"\\]*)"' % name, source_text(path), re.M)
    if not m:
        fail('%s: no #define %s "..."' % (path, name))
    return m.group(1)


LAYOUT_HEADERS = ["inc/memlayout.h", "inc/mmu.h"]


def layout(name):
    """An address or size of the memory layout, from inc/memlayout.h (and inc/mmu.h)."""
    return c_define(LAYOUT_HEADERS, name)


def trap_names():
    """{trap name: number} from TRAP_TABLE in inc/trap.h (the names the kernel prints)."""
    names = {name: c_define("inc/trap.h", vector)
             for vector, name in re.findall(r'^\s*X\((T_\w+),\s*"([^"]+)"',
                                            source_text("inc/trap.h"), re.M)
             if vector != "T_TLBFLUSH"}
    if "Page Fault" not in names:
        fail("inc/trap.h: no TRAP_TABLE with the page fault")
    return names


TRAPS = trap_names()


def check_tests():
    """The host unit tests' names (CHECK_TESTS in check/Makefrag), in the order make check runs
    them; [] if there are none."""
    m = re.search(r"^CHECK_TESTS\s*:=\s*(.*)$", source_text("check/Makefrag"), re.M)
    return m.group(1).split() if m else []


# ---- The host's C preprocessor -------------------------------------------------------------------
# The X-macro lists are expanded by the host's cpp, so what is checked is what the compiler sees.

def cpp_expand(header, text, defines=()):
    """text expanded by the host's C preprocessor after #include <header> (the tree as the
    include path, nothing of the host's; defines: NAME or NAME=VALUE)."""
    src = "#include <%s>\n%s\n" % (header, text)
    r = subprocess.run(["gcc", "-E", "-P", "-nostdinc", "-I", ROOT] + ["-D" + d for d in defines]
                       + ["-x", "c", "-"], input=src, capture_output=True, text=True)
    if r.returncode != 0:
        fail("the host's cpp cannot expand %s: %s" % (header, r.stderr.strip()))
    return r.stdout


def x_macro_rows(header, macro):
    """The rows of the X-macro list MACRO(X) in header, each a tuple of its arguments."""
    out = cpp_expand(header, "#define X_ROW(...) @@ __VA_ARGS__ @@\n%s(X_ROW)" % macro)
    return [tuple(a.strip() for a in row.split(",")) for row in re.findall(r"@@(.*?)@@", out)]


def c_value(header, expr, defines=()):
    """The value of the integer constant expression expr (numbers and macros only) after
    #include <header>."""
    text = cpp_expand(header, "@@ %s @@" % expr, defines).split("@@")[1]
    if not re.fullmatch(r"[0-9a-fA-FxXuUlL()\s*/+<>-]+", text):
        fail("%s: %s is not a constant: %s" % (header, expr, text.strip()))
    return int(eval(re.sub(r"(?<=[0-9a-fA-F])[uUlL]+", "", text), {"__builtins__": {}}))


# ---- The lists that must agree (the `tables` test) -----------------------------------------------

def _sources(pattern):
    """The text of every file of the tree matching pattern (a glob), together."""
    return "".join(source_text(os.path.relpath(p, tree("")))
                   for p in sorted(glob.glob(tree(pattern))))


def tables_ns_requests():
    """Every network-server request: a client request has its handler in one of the server's
    request files (net/ns*.c: the table is net/nssock.c's, made from NSREQ_CLIENT_LIST) and a
    client function in lib/ (lib/nsipc.c, lib/netdb.c, ...) that sends it; a helper's message to
    the server has its line in net/serv.c's helper_requests."""
    rows = x_macro_rows("inc/ns.h", "NSREQ_CLIENT_LIST")
    if not rows:
        fail("inc/ns.h: NSREQ_CLIENT_LIST has no rows")
    server, client = _sources("net/ns*.c"), _sources("lib/*.c")
    if not re.search(r"handlers\[NSREQ_CLIENT_MAX\] = \{\s*(#.*\n\s*)*NSREQ_CLIENT_LIST\(",
                     source_text("net/nssock.c")):
        fail("net/nssock.c: the handlers table is not made from NSREQ_CLIENT_LIST")
    defined = set(re.findall(r"^(\w+)\(envid_t client, uint32_t code, volatile union nsipc "
                             r"\*req\)$", server, re.M))
    missing = ["%s (handler %s)" % (code, fn) for code, fn in rows if fn not in defined]
    if missing:
        fail("net/ns*.c define no handler for: " + ", ".join(missing))
    unsent = [code for code, _ in rows if not re.search(r"\b%s\b" % code, client)]
    if unsent:
        fail("lib/ has no client function that sends: " + ", ".join(unsent))
    helpers = re.findall(r"^\s*(NSREQ_\w+)\b.*?/\* (\w+) -> server:", source_text("inc/ns.h"),
                         re.M)
    serv = source_text("net/serv.c")
    unhandled = [code for code, _ in helpers if not re.search(r"\[%s\]\s*=" % code, serv)]
    if not helpers or unhandled:
        fail("net/serv.c's helper_requests has no line for: %s"
             % (", ".join(unhandled) or "(no helper messages found in inc/ns.h)"))


def tables_entry_map():
    """kern/kernel.ld's bound on the kernel image is the end of what the entry page directory
    maps: KERNBASE + ENTRY_MAPPED (kern/pmap.h)."""
    want = c_value("kern/pmap.h", "KERNBASE + ENTRY_MAPPED", ["JOS_KERNEL"])
    m = re.search(r"ASSERT\(end <= (0x[0-9a-fA-F]+),", source_text("kern/kernel.ld"))
    if not m or int(m.group(1), 16) != want:
        fail("kern/kernel.ld: no ASSERT(end <= %#x, ...): KERNBASE + ENTRY_MAPPED" % want)


def tables_user_layout():
    """Fixed user addresses live in inc/memlayout.h (which checks them for overlaps): no other
    header or server file defines one, and user/user.ld links programs at UTEXT."""
    utext = c_value("inc/memlayout.h", "UTEXT")
    m = re.search(r"^\s*\. = (0x[0-9a-fA-F]+);", source_text("user/user.ld"), re.M)
    if not m or int(m.group(1), 16) != utext:
        fail("user/user.ld does not link at UTEXT (%#x) of inc/memlayout.h" % utext)
    stray = []
    for d in ("inc", "lib", "net", "net/lwip", "fs"):
        for name in sorted(os.listdir(tree(d))):
            path = os.path.join(d, name)
            if not name.endswith((".c", ".h")) or path == "inc/memlayout.h":
                continue
            defines = r"^#define\s+(\w+(?:_VA|_BASE|_LIM|MAP))\s+\(?0x[0-9a-fA-F]{7,8}\b"
            for va in re.findall(defines, source_text(path), re.M):
                stray.append("%s in %s" % (va, path))
    if stray:
        fail("user addresses defined outside inc/memlayout.h: " + ", ".join(stray))


def tables_syscalls():
    """inc/syscalls.tab: every call has a kernel handler sys_NAME in kern/, and every handler
    in kern/ is in the table (conf/mksyscalls.pl --check names what is missing)."""
    r = subprocess.run(["perl", "conf/mksyscalls.pl", "--check", "inc/syscalls.tab"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("inc/syscalls.tab disagrees with the kernel:\n" + r.stdout + r.stderr)


def tables_traps():
    """TRAP_TABLE (inc/trap.h): every exception of the SDM (0-19 but the reserved 15) named
    once, every vector below NVECTORS (so it has a stub), error codes only below 32, DPL 0 or 3
    (the boot self-check `traps` holds the IDT to the table)."""
    nvectors = c_value("inc/trap.h", "NVECTORS")
    rows = x_macro_rows("inc/trap.h", "TRAP_TABLE")
    vectors = [int(eval(v, {"__builtins__": {}})) for v, _, _, _ in rows]
    problems = ["vector %d listed twice" % v for v in set(vectors) if vectors.count(v) > 1]
    problems += ["exception %d has no line" % v for v in range(20)
                 if v != 15 and v not in vectors]
    for v, (_, name, err, dpl) in zip(vectors, rows):
        if v >= nvectors:
            problems.append("%s (%d) has no stub: NVECTORS is %d" % (name, v, nvectors))
        if err not in ("0", "1") or (err == "1" and v >= 32) or dpl not in ("0", "3"):
            problems.append("%s (%d): error code %s, DPL %s" % (name, v, err, dpl))
    if problems:
        fail("inc/trap.h TRAP_TABLE: " + "; ".join(problems))
