# testshell.sh: the shell test.  testshell runs sh on this file and compares what it prints
# with /testshell.key, byte by byte.
echo hello, world
echo "two  spaces, kept by quotes"   and   words   # and a comment
echo -n no newline; echo " <- joined by ;"
echo one > /testshell.out
cat < /testshell.out
echo two three | num
num < /lorem | cat | num > /testshell.out
cat /testshell.out
ls -l -d /testshell.out /lorem
echo a|cat|cat|cat|cat
cat /no-such-file
echo "after an error, the script goes on"
