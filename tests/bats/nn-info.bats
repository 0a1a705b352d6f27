#!/usr/bin/env bats
# nn-info: schema, provenance, statistics, class counts, --head, --verify.

load helper

# A small stream: x = [a, b] (f32), y = class ids of label (cat=0, dog=1).
# The finite x values are 1 2 3 5 4: mean 3, population std sqrt(2).
small() {
	printf 'a,b,label\n1,2,cat\n3,NA,dog\n5,4,cat\n' |
		nn-import --format csv --label label -o "$T/s.nns"
}

@test "nn-info: --help exits 0 and shows the synopsis" {
	run --separate-stderr nn-info --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "usage: nn-info [OPTIONS] [INPUT...]" ]
}

@test "nn-info: usage errors exit 2" {
	small
	run --separate-stderr nn-info --bogus "$T/s.nns"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	run --separate-stderr nn-info --head -1 "$T/s.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-info --head 2 --json "$T/s.nns"
	[ "$status" -eq 2 ]
	run --separate-stderr nn-info --verify --json "$T/s.nns"
	[ "$status" -eq 2 ]
}

@test "nn-info: schema, provenance and counts" {
	small
	run --separate-stderr nn-info "$T/s.nns"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[ "${lines[0]}" = "$(printf 'file\t%s' "$T/s.nns")" ]
	[[ "$output" == *$'\nkind\tdata\n'* ]]
	[[ "$output" == *$'\nprogram\tnn-import '* ]]
	[[ "$output" == *$'\nargs\t--format csv --label label'* ]]
	[[ "$output" == *$'\nmeta\t{"feature_names": ["a", "b"], "label_name": "label"}\n'* ]]
	[[ "$output" == *$'\nrows\t3\nmembers\t1\n'* ]]
	[[ "$output" == *$'\nfield\tx\tf32\t[2]\n'* ]]
	[[ "$output" == *$'\nfield\ty\ti32\t[]\t2 classes\n'* ]]
}

@test "nn-info: statistics, NaN and infinity counts" {
	small
	run --separate-stderr nn-info "$T/s.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nstats\tx\tmin=1\tmax=5\tmean=3\tstd=1.41421\tnan=1\tinf=0\n'* ]]
	[[ "$output" == *$'\nstats\ty\tmin=0\tmax=1\tmean=0.333333\tstd=0.471405\tnan=0\tinf=0\n'* ]]
	printf 'a\ninf\n-inf\nNA\n0.5\n' | nn-import -o "$T/i.nns"
	run --separate-stderr nn-info "$T/i.nns"
	[[ "$output" == *$'\nstats\tx\tmin=0.5\tmax=0.5\tmean=0.5\tstd=0\tnan=1\tinf=2' ]]
	printf 'a\nNA\n' | nn-import -o "$T/n.nns"
	run --separate-stderr nn-info "$T/n.nns"
	[[ "$output" == *$'\nstats\tx\tmin=nan\tmax=nan\tmean=nan\tstd=nan\tnan=1\tinf=0' ]]
}

@test "nn-info: statistics merge across batches and members" {
	small
	cat "$T/s.nns" "$T/s.nns" "$T/s.nns" >"$T/3.nns"
	run --separate-stderr nn-info "$T/3.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nrows\t9\nmembers\t3\n'* ]]
	[[ "$output" == *$'\nstats\tx\tmin=1\tmax=5\tmean=3\tstd=1.41421\tnan=3\tinf=0\n'* ]]
}

@test "nn-info: class counts, with names and without" {
	small
	run --separate-stderr nn-info "$T/s.nns"
	[[ "$output" == *$'\nclass\ty\t0\t2\tcat\nclass\ty\t1\t1\tdog'* ]]
	printf 'a,label\n1,7\n2,3\n3,7\n' | nn-import --label label -o "$T/n.nns"
	run --separate-stderr nn-info "$T/n.nns"
	[ "$(printf '%s\n' "$output" | grep '^class')" = "$(printf 'class\ty\t3\t1\nclass\ty\t7\t2')" ]
}

@test "nn-info: --json is one valid JSON object" {
	small
	run --separate-stderr nn-info --json "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	printf '%s\n' "$output" | python3 -c '
import json, math, sys
d = json.load(sys.stdin)
assert d["kind"] == "data" and d["rows"] == 3 and d["members"] == 1, d
assert d["program"] == "nn-import" and d["seed"] is None
assert d["meta"]["feature_names"] == ["a", "b"]
x, y = d["fields"]
assert x["name"] == "x" and x["dtype"] == "f32" and x["shape"] == [2]
assert x["classes"] is None and x["class_counts"] is None
s = x["stats"]
assert (s["count"], s["nan"], s["inf"], s["min"], s["max"], s["mean"]) == (5, 1, 0, 1, 5, 3), s
assert abs(s["std"] - math.sqrt(2)) < 1e-12, s
assert y["shape"] == [] and y["classes"] == ["cat", "dog"]
assert y["class_counts"] == [{"value": 0, "count": 2, "name": "cat"},
                             {"value": 1, "count": 1, "name": "dog"}], y
'
	printf 'a\nNA\n' | nn-import -o "$T/n.nns"
	run --separate-stderr nn-info --json "$T/n.nns"
	printf '%s\n' "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)["fields"][0]["stats"]
assert s["min"] is None and s["mean"] is None and s["nan"] == 1, s'
}

@test "nn-info: --head prints rows and stops reading" {
	small
	run --separate-stderr nn-info --head 2 "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'x\ty\n1 2\t0\n3 nan\t1')" ]
	run --separate-stderr nn-info -n 0 "$T/s.nns"
	[ "$output" = "$(printf 'x\ty')" ]
	run --separate-stderr nn-info -n 10 "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 4 ]
	# the rows before the cut print; --head does not look further
	cat "$T/s.nns" "$T/s.nns" | head -c -5 >"$T/cut.nns"
	run --separate-stderr nn-info --head 6 "$T/cut.nns"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	run --separate-stderr nn-info --head 7 "$T/cut.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-info: '$T/cut.nns': "* ]]
	run --separate-stderr nn-info --head 1 "$T/s.nns" "$T/s.nns"
	[ "$output" = "$(printf '==> %s <==\nx\ty\n1 2\t0\n\n==> %s <==\nx\ty\n1 2\t0' "$T/s.nns" "$T/s.nns")" ]
}

@test "nn-info: --verify says OK, or exits 1" {
	small
	run --separate-stderr nn-info --verify "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "$output" = "OK rows=3 members=1" ]
	run --separate-stderr nn-info --verify -q "$T/s.nns"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run --separate-stderr sh -c 'cat "$1" "$1" | nn-info --verify' sh "$T/s.nns"
	[ "$output" = "OK rows=6 members=2" ]
	head -c -5 "$T/s.nns" >"$T/cut.nns"
	run --separate-stderr nn-info --verify "$T/cut.nns"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "nn-info: '$T/cut.nns': "* ]]
	run --separate-stderr nn-info --verify -q "$T/cut.nns"
	[ "$status" -eq 1 ]
}

# Every cut and every flipped bit is the library's unit test (test-stream);
# here: the program turns each into status 1 and a message naming the file.
@test "nn-info: a stream cut at any byte, or with a flipped bit, fails" {
	printf 'a\n1\n' | nn-import -o "$T/s.nns"
	# make check: every 4th byte (a process each); make check-long: every byte
	python3 - "$T/s.nns" "$T/bad.nns" "$( [ "${NN_LONG:-0}" = 1 ] && echo 1 || echo 4)" <<'EOF'
import subprocess, sys
data = open(sys.argv[1], 'rb').read()
def fails(bad, *opts):
    open(sys.argv[2], 'wb').write(bad)
    r = subprocess.run(['nn-info', *opts, sys.argv[2]], capture_output=True)
    return r.returncode == 1 and r.stdout == b'' and \
        r.stderr.startswith(b"nn-info: '" + sys.argv[2].encode() + b"': ")
for i in range(0, len(data), int(sys.argv[3])):
    if not fails(data[:i]):
        sys.exit('cut at %d of %d bytes: not a failure' % (i, len(data)))
    if i % 16 == 0 and not fails(data[:i], '--verify'):
        sys.exit('--verify: cut at %d of %d bytes: not a failure' % (i, len(data)))
    if i % 3 == 0:
        flipped = bytearray(data)
        flipped[i] ^= 1 << (i % 8)
        if not fails(bytes(flipped)):
            sys.exit('bit %d of byte %d flipped: not a failure' % (i % 8, i))
EOF
}

@test "nn-info: bytes that are not a stream exit 1" {
	head -c 1000 /dev/urandom >"$T/random"
	run --separate-stderr nn-info "$T/random"
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[[ "$stderr" == "nn-info: '$T/random': not an nn stream"* ]]
	run --separate-stderr nn-info </dev/null
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-info: '(stdin)': "* ]]
	run --separate-stderr nn-info "$T/missing"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"No such file"* ]]
}

@test "nn-info: several inputs: each reported, a bad one fails the run" {
	small
	head -c -5 "$T/s.nns" >"$T/cut.nns"
	run --separate-stderr nn-info --verify "$T/s.nns" "$T/cut.nns" "$T/s.nns"
	[ "$status" -eq 1 ]
	[ "$output" = "$(printf '%s: OK rows=3 members=1\n%s: OK rows=3 members=1' "$T/s.nns" "$T/s.nns")" ]
	[[ "$stderr" == "nn-info: '$T/cut.nns': "* ]]
	run --separate-stderr nn-info --json "$T/s.nns" "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	printf '%s\n' "${lines[1]}" | python3 -m json.tool >/dev/null
}

@test "nn-info: -o writes the report, or no file when an input fails" {
	small
	nn-info -o "$T/report" "$T/s.nns"
	[ "$(nn-info "$T/s.nns")" = "$(cat "$T/report")" ]
	head -c -5 "$T/s.nns" >"$T/cut.nns"
	run --separate-stderr nn-info --verify -o "$T/r2" "$T/s.nns" "$T/cut.nns"
	[ "$status" -eq 1 ]
	[ ! -e "$T/r2" ]
	no_temporaries "$T"
}

@test "nn-info: a failed write exits 1" {
	small
	run --separate-stderr sh -c 'nn-info "$1" >/dev/full' sh "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == nn-info:* ]]
	run --separate-stderr nn-info -o /dev/full "$T/s.nns"
	[ "$status" -eq 1 ]
	[[ "$stderr" == "nn-info: '/dev/full': "* ]]
}

@test "nn-info: control characters from the file and in messages are shown escaped" {
	small
	# a name with a terminal escape and a newline, recorded in the args of
	# the stream nn-normalize writes (less -q); nn-info's text keeps one
	# line per item
	odd="$T/a"$'\e[2J\n'"b.nns"
	cp "$T/s.nns" "$odd"
	nn-normalize -q -o "$T/n.nns" "$odd"
	run --separate-stderr nn-info "$T/n.nns"
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\nargs\t'"'$T/a\\x1b[2J\\nb.nns'"$'\n'* ]]
	[[ "$output" != *$'\e'* ]]
	run --separate-stderr nn-info --verify "$odd" "$T/s.nns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$T/a\\x1b[2J\\nb.nns: OK rows=3 members=1" ]
	run --separate-stderr nn-info "$odd"
	[[ "$output" == "file	$T/a\\x1b[2J\\nb.nns"$'\n'* ]]
	# and an error message naming it
	run --separate-stderr nn-info "$odd.missing"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-info: '$T/a\\x1b[2J\\nb.nns.missing': No such file or directory" ]
	run --separate-stderr nn-export "$odd.missing"
	[ "$status" -eq 1 ]
	[ "$stderr" = "nn-export: '$T/a\\x1b[2J\\nb.nns.missing': No such file or directory" ]
}

@test "nn-info --json: a std that overflows a double is null, with a note, and the JSON stays valid" {
	python3 "$DATA/import/mkbin.py" npy "$T/big.npy" '<f8' 3 --values=1e308,-1e308,1e308
	nn-import -o "$T/big.nns" "$T/big.npy"
	run --separate-stderr nn-info --json "$T/big.nns"
	[ "$status" -eq 0 ]
	[ "$(printf '%s' "$output" | python3 -c 'import json, sys; print(json.load(sys.stdin)["fields"][0]["stats"]["std"])')" = None ]
	[[ "$stderr" == *"the std of a field overflows a double: null in the JSON"* ]]
}

@test "nn-info: a model in chunks is shown as its tensors: a field and statistics each, chunk by chunk" {
	# the fuzz seed of test-tensors: a 6-9-5-3 network in chunks of 40 bytes,
	# weight i of layer l ((37 i + l) mod 101) / 50 - 1 in f32 arithmetic
	# (each step rounded), bias i i/8
	f="$ROOT/tests/fuzz/corpus/model/model-chunks"
	run --separate-stderr nn-info "$f"
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *$'\nrows\t16\n'*$'\nchunks\t40 bytes\n'* ]] || fail "$output"
	[[ "$output" == *$'\nfield\tlayer0.weight\tf32\t[9,6]\n'*$'\nfield\tlayer2.bias\tf32\t[3]\n'* ]] || fail "$output"
	[ "$(grep -c $'^field\t' <<< "$output")" -eq 6 ]
	grep $'^stats\t' <<< "$output" | /usr/bin/python3 -c '
import struct, sys
f32 = lambda v: struct.unpack("<f", struct.pack("<f", v))[0]
width = [6, 9, 5, 3]
want = {}
for l in range(3):
    w = [f32(f32(((i * 37 + l) % 101) / 50) - 1) for i in range(width[l] * width[l + 1])]
    want["layer%d.weight" % l] = w
    want["layer%d.bias" % l] = [f32(i / 8) for i in range(width[l + 1])]
seen = 0
for line in sys.stdin:
    name, *kv = line.rstrip("\n").split("\t")[1:]
    got = dict(x.split("=") for x in kv)
    v = want[name]
    mean = sum(v) / len(v)
    std = (sum((x - mean) ** 2 for x in v) / len(v)) ** 0.5
    # min and max in the fewest digits that read back as the f32
    assert f32(float(got["min"])) == min(v) and f32(float(got["max"])) == max(v), (name, got)
    assert abs(float(got["mean"]) - mean) <= 1e-5 * max(1, abs(mean)), (name, got["mean"], mean)
    assert abs(float(got["std"]) - std) <= 1e-5 * std, (name, got["std"], std)
    seen += 1
assert seen == 6, seen'
	# JSON: the same fields, the chunk size; null for a file in one row
	nn-info --json "$f" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["chunk_bytes"] == 40 and [x["name"] for x in d["fields"]][:2] == ["layer0.weight", "layer0.bias"], d
assert d["fields"][0]["shape"] == [9, 6] and d["fields"][0]["stats"]["max"] == 1, d["fields"][0]'
	nn-import -q --label species -o "$T/iris.nns" "$ROOT/data/iris.csv"
	nn-info --json "$T/iris.nns" | grep -q '"chunk_bytes": null'
	# cut inside its chunks: refused, by --verify too
	head -c 300 "$f" > "$T/cut.nnm"
	run --separate-stderr nn-info --verify "$T/cut.nnm"
	[ "$status" -eq 1 ] && [[ "$stderr" == "nn-info: '$T/cut.nnm': "* ]] || fail "$status $stderr"
}
