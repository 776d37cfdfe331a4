# Sourced by bench.sh and codec_bench.sh: generates the bench workloads' inputs. Expects $work
# (a scratch directory), $cpdir (one on tmpfs for the cp -a tree) and $python; sets cp_files,
# cp_mb and sort_mb. Both benches record the same data, so their numbers describe one workload.
echo "bench: generating inputs in $work ..." >&2
# cp -a input: >= 5,000 files of mixed sizes in nested directories: mostly 0-4 KiB, ~5% 64 KiB,
# ~0.4% 1 MiB; a third random bytes, the rest compressible text, like a real source tree. A fixed
# seed keeps the tree the same from one make bench to the next.
"$python" - "$cpdir/cp-src" <<'PY' || { echo "bench: cannot generate the cp -a tree" >&2; exit 1; }
import os, random, sys
rng = random.Random(1)
line = b"the quick brown fox jumps over the lazy dog 0123456789\n"
for a in range(12):
    for b in range(12):
        d = os.path.join(sys.argv[1], "d%02d" % a, "e%02d" % b)
        os.makedirs(d)
        for i in range(36):
            r = rng.random()
            size = 1 << 20 if r < 0.004 else 65536 if r < 0.05 else rng.randrange(0, 4097)
            data = os.urandom(size) if i % 3 == 0 else (line * (size // len(line) + 1))[:size]
            with open(os.path.join(d, "f%03d.dat" % i), "wb") as f:
                f.write(data)
PY
cp_files=$(find "$cpdir/cp-src" -type f | wc -l)
cp_mb=$(du -sm "$cpdir/cp-src" | cut -f1)
# sort input: ~200 MB (BENCH_SORT_MB) of random 76-character lines; base64 of /dev/urandom takes
# about a second. Base64 makes 4 characters of 3 bytes, so 0.75 MB of random bytes per MB of text.
head -c $(( ${BENCH_SORT_MB:-200} * 750000 )) /dev/urandom | base64 -w 76 > "$work/sort.txt"
sort_mb=$(( $(stat -c %s "$work/sort.txt") / 1000000 ))
cat > "$work/imports.py" <<'PY'
import json, re, os, sys, collections, itertools, functools, datetime, decimal, fractions, hashlib
import random, string, textwrap, csv, io, pathlib, tempfile, shutil, struct
d = tempfile.mkdtemp()
for i in range(50):
    pathlib.Path(d, "f%d.txt" % i).write_text(json.dumps({"i": i, "h": hashlib.sha256(str(i).encode()).hexdigest()}))
print(sum(len(p.read_text()) for p in pathlib.Path(d).iterdir()))
shutil.rmtree(d)
PY
head -c 50000000 /dev/urandom > "$work/big.bin"
mkdir -p "$work/mk"
for i in $(seq 1 20); do printf 'int f%d(int x){return x*%d+1;}\n' "$i" "$i" > "$work/mk/f$i.c"; done
{ printf '#include <stdio.h>\n'; for i in $(seq 1 20); do printf 'int f%d(int);\n' "$i"; done
  printf 'int main(void){int s=0;\n'; for i in $(seq 1 20); do printf 's+=f%d(%d);\n' "$i" "$i"; done
  printf 'printf("%%d\\n",s);return 0;}\n'; } > "$work/mk/main.c"
printf 'OBJS=$(patsubst %%.c,%%.o,$(wildcard *.c))\nprog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n%%.o: %%.c\n\t$(CC) -O1 -c $< -o $@\n' > "$work/mk/Makefile"
# Write the ~300 MB of inputs back now rather than in the background of the first timed runs.
sync
