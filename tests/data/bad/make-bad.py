#!/usr/bin/env python3
"""Write the committed bad (and one good) streams in this folder.

Each file is a way a stream can be wrong; every program that reads streams
must reject each *.nns here but good.nns with exit status 1 and a message
naming the file.  The streams are built from scratch by this script — a
small msgpack packer and the zstd command — which also shows that nnpipe's
format can be written with no nnpipe code (see nn-stream(5)).

Run it from anywhere: python3 tests/data/bad/make-bad.py
With --seeds it also writes the seed corpus of tests/fuzz/fuzz-objects.c:
the same objects uncompressed, each behind a 2-byte big-endian length.
"""
import os, struct, subprocess, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))


class Raw(bytes):
    """Bytes that are already msgpack, packed as they are."""


def pack(v):
    """The msgpack encoding of v (dict, list, str, bytes, int >= 0)."""
    if isinstance(v, Raw):
        return bytes(v)
    if isinstance(v, dict):
        out = bytes([0x80 | len(v)]) if len(v) < 16 else b'\xde' + struct.pack('>H', len(v))
        for k, x in v.items():
            out += pack(k) + pack(x)
        return out
    if isinstance(v, list):
        out = bytes([0x90 | len(v)]) if len(v) < 16 else b'\xdc' + struct.pack('>H', len(v))
        return out + b''.join(pack(x) for x in v)
    if isinstance(v, str):
        b = v.encode()
        return (bytes([0xa0 | len(b)]) if len(b) < 32 else b'\xd9' + bytes([len(b)])) + b
    if isinstance(v, bytes):
        return b'\xc6' + struct.pack('>I', len(v)) + v
    if isinstance(v, int):
        return bytes([v]) if v < 128 else b'\xcf' + struct.pack('>Q', v)
    raise TypeError(v)


def frame(obj_bytes):
    """One zstd frame with checksum and content size, via the zstd CLI."""
    return subprocess.run(['zstd', '-q', '-c', '--check', '-3'], input=obj_bytes,
                          stdout=subprocess.PIPE, check=True).stdout


def frame_sized(obj_bytes):
    # zstd writes the content size only when it knows it: give it a file
    tmp = os.path.join(HERE, '.tmp-obj')
    with open(tmp, 'wb') as f:
        f.write(obj_bytes)
    try:
        return subprocess.run(['zstd', '-q', '-c', '--check', '-3', tmp],
                              stdout=subprocess.PIPE, check=True).stdout
    finally:
        os.unlink(tmp)


def header(fields, kind='data', **extra):
    return pack(dict({'type': 'header', 'format': 'nnpipe', 'version': 1, 'kind': kind,
                      'fields': fields,
                      'provenance': {'program': 'make-bad.py', 'version': '0', 'args': []}},
                     **extra))


FIELDS = [{'name': 'x', 'dtype': 'f32', 'shape': [2]},
          {'name': 'y', 'dtype': 'i32', 'shape': [], 'classes': ['no', 'yes']}]


def stream(rows_per_batch, fields=FIELDS, parts=None):
    """A valid stream: batches of rows (x = [r, r/2], y = r % 2); the
    frames are also appended to parts when given."""
    out = frame_sized(header(fields))
    r = 0
    for i, n in enumerate(rows_per_batch):
        xs = b''.join(struct.pack('<ff', r + k, (r + k) / 2) for k in range(n))
        ys = b''.join(struct.pack('<i', (r + k) % 2) for k in range(n))
        out += frame_sized(pack({'type': 'batch', 'index': i, 'rows': n, 'columns': [xs, ys]}))
        r += n
    trailer = {'type': 'end', 'batches': len(rows_per_batch), 'rows': r,
               'crc32': zlib.crc32(out)}
    if parts is not None:
        parts.append(frame_sized(pack(trailer)))
    return out + frame_sized(pack(trailer))


def write(name, data):
    with open(os.path.join(HERE, name), 'wb') as f:
        f.write(data)


if '--stream' in sys.argv:
    # make-bad.py --stream N FILE: a valid stream of N batches of 1 to 7
    # rows, for the frame-boundary sweep (tests/sweep.sh)
    n, path = int(sys.argv[2]), sys.argv[3]
    with open(path, 'wb') as f:
        f.write(stream([1 + i * 5 % 7 for i in range(n)]))
    sys.exit(0)

if '--unnamed' in sys.argv:
    # make-bad.py --unnamed FILE: a valid stream of 7 rows in batches of 4
    # and 3 whose label names class 0 only; ids 1 (rows 2, 4, 6) have no
    # name (tests/bats/nn-export.bats)
    fields = [FIELDS[0], dict(FIELDS[1], classes=['no'])]
    with open(sys.argv[2], 'wb') as f:
        f.write(stream([4, 3], fields))
    sys.exit(0)

def str_stream(texts, width=8):
    """A stream of x = [r] (f32) and id (str [width]) holding texts as
    given: bytes, padded with NULs to width when shorter."""
    fields = [{'name': 'x', 'dtype': 'f32', 'shape': [1]},
              {'name': 'id', 'dtype': 'str', 'shape': [width]}]
    out = frame_sized(header(fields))
    xs = b''.join(struct.pack('<f', r) for r in range(len(texts)))
    ids = b''.join(t.ljust(width, b'\0') for t in texts)
    out += frame_sized(pack({'type': 'batch', 'index': 0, 'rows': len(texts), 'columns': [xs, ids]}))
    return out + frame_sized(pack({'type': 'end', 'batches': 1, 'rows': len(texts),
                                   'crc32': zlib.crc32(out)}))


if '--str' in sys.argv:
    # make-bad.py --str: only the str streams below (no other file changes)
    write('str-padding.nns', str_stream([b'a1', b'b2\0\0x', b'c3']))
    write('str-utf8.nns', str_stream([b'a1', b'\xe9t\xe9', b'c3']))
    # and the seed of tests/fuzz/fuzz-objects.c with a str field
    fields = [{'name': 'x', 'dtype': 'f32', 'shape': [1]},
              {'name': 'id', 'dtype': 'str', 'shape': [8]}]
    objs = [header(fields), pack({'type': 'batch', 'index': 0, 'rows': 3,
                                  'columns': [struct.pack('<fff', 0, 1, 2),
                                              b'a1\0\0\0\0\0\0caf\xc3\xa9\0\0\0' + b'\0' * 8]}),
            pack({'type': 'end', 'batches': 1, 'rows': 3, 'crc32': 0})]
    with open(os.path.join(HERE, '..', '..', 'fuzz', 'corpus', 'objects', 'text'), 'wb') as f:
        for o in objs:
            f.write(struct.pack('>H', len(o)) + o)
    sys.exit(0)

trailer_frame = []
good = stream([3, 3, 2], parts=trailer_frame)
write('good.nns', good)
# cut at a frame boundary: header and batches present, trailer missing
write('cut-at-frame.nns', good[:len(good) - len(trailer_frame[0])])
write('cut-mid-frame.nns', good[:len(good) // 2])
flipped = bytearray(good)
flipped[len(good) // 2] ^= 0x10
write('bit-flip.nns', bytes(flipped))
write('trailing-garbage.nns', good + b'\n# garbage after the end\n')
write('not-a-stream.nns', b'sepal_length,sepal_width,species\n5.1,3.5,setosa\n')
write('random-bytes.nns', bytes((i * 2654435761 >> 7) & 0xff for i in range(300)))
write('empty.nns', b'')
# a 5-byte map header claiming 2^32-1 entries (msgpack-c would allocate ~96 GB)
write('map-bomb.nns', frame_sized(b'\xdf\xff\xff\xff\xff'))
# a header claiming a row of 2^40 x 2^40 doubles
write('huge-shape.nns', frame_sized(header([{'name': 'x', 'dtype': 'f64',
                                              'shape': [1 << 40, 1 << 40]}])) + good)
# a batch claiming 2^62 rows with 8 bytes of data
hdr = frame_sized(header(FIELDS))
write('huge-rows.nns', hdr + frame_sized(pack({'type': 'batch', 'index': 0, 'rows': 1 << 62,
                                               'columns': [b'\0' * 8, b'\0' * 4]})))
# a bin whose 32-bit length claims 4 GiB inside a 40-byte object
bomb = pack({'type': 'batch', 'index': 0, 'rows': 1, 'columns': []})[:-1] + b'\x92\xc6\xff\xff\xff\xff'
write('bin-bomb.nns', hdr + frame_sized(bomb))
# metadata nested 100 deep
deep = b'\x91' * 100 + b'\xc0'
write('deep-meta.nns', frame_sized(header(FIELDS, meta=Raw(b'\x81' + pack('a') + deep)))
      + good[len(frame_sized(header(FIELDS))):])
# a frame claiming a 1 GiB window (zstd frame header crafted by hand, RFC
# 8878 3.1.1.1): magic; descriptor with checksum flag and a 4-byte content
# size; window descriptor 2^30; content size 60 MiB (under nnpipe's object
# limit, so zstd's window limit is what must refuse it); a block header
write('huge-window.nns', frame_sized(header(FIELDS)) + b'\x28\xb5\x2f\xfd' + bytes([0x04 | 0x80]) + bytes([(30 - 10) << 3])
      + struct.pack('<I', 60 << 20) + struct.pack('<I', 1 | 256 << 3)[:3] + b'\0' * 64)
# a zstd frame without a content checksum (zstd --no-check)
write('no-checksum.nns', subprocess.run(['zstd', '-q', '-c', '--no-check', '-'], input=header(FIELDS),
                                        stdout=subprocess.PIPE, check=True).stdout + good[len(hdr):])
# two streams whose schemas differ (x is f64 in the second)
other = [{'name': 'x', 'dtype': 'f64', 'shape': [2]}, FIELDS[1]]
write('cat-mismatch.nns', good + frame_sized(header(other)) +
      frame_sized(pack({'type': 'end', 'batches': 0, 'rows': 0,
                        'crc32': zlib.crc32(frame_sized(header(other)))})))
# batches out of order: batch 1 where batch 0 was due
b0 = frame_sized(pack({'type': 'batch', 'index': 1, 'rows': 1,
                       'columns': [struct.pack('<ff', 0, 0), struct.pack('<i', 0)]}))
write('batch-order.nns', hdr + b0)
# a trailer that undercounts the rows
body = hdr + frame_sized(pack({'type': 'batch', 'index': 0, 'rows': 1,
                               'columns': [struct.pack('<ff', 0, 0), struct.pack('<i', 0)]}))
write('trailer-count.nns', body + frame_sized(pack({'type': 'end', 'batches': 1, 'rows': 0,
                                                    'crc32': zlib.crc32(body)})))
# a stream from a future format version
write('version-2.nns', frame_sized(header(FIELDS).replace(pack('version') + b'\x01',
                                                          pack('version') + b'\x02')) + good[len(hdr):])

# str fields (nn-stream(5)): a byte after a row's NUL padding starts; a
# row that is Latin-1, not UTF-8
write('str-padding.nns', str_stream([b'a1', b'b2\0\0x', b'c3']))
write('str-utf8.nns', str_stream([b'a1', b'\xe9t\xe9', b'c3']))

# --- resource bombs (tests/bats/bombs.bats): each claims far more than it
# holds; a reader must refuse it with exit 1 in bounded memory and time.
# a fields array claiming 2^32-1 entries
write('fields-bomb.nns', frame_sized(header([]).replace(pack('fields') + b'\x90',
                                                        pack('fields') + b'\xdd\xff\xff\xff\xff')))
# a field whose class-name array claims 2^31 names
write('classes-bomb.nns', frame_sized(header([{'name': 'y', 'dtype': 'i32', 'shape': [],
                                               'classes': Raw(b'\xdd\x80\x00\x00\x00')}])))
# a field name whose 32-bit length claims 4 GiB
write('string-bomb.nns', frame_sized(header([{'name': Raw(b'\xdb\xff\xff\xff\xff'), 'dtype': 'f32',
                                              'shape': []}])))
# provenance args claiming 2^32-1 strings
write('args-bomb.nns', frame_sized(header(FIELDS).replace(pack('args') + b'\x90',
                                                          pack('args') + b'\xdd\xff\xff\xff\xff')))
# a shape with 1000 dimensions
write('dims-bomb.nns', frame_sized(header([{'name': 'x', 'dtype': 'u8', 'shape': [1] * 1000}])))
# metadata nested 200000 deep (a recursive parser would overflow its stack)
write('deep-bomb.nns', frame_sized(header(FIELDS, meta=Raw(b'\x81' + pack('a') + b'\x91' * 200000 + b'\xc0'))))
# a batch object of 65 MiB of zeros: a few KB compressed, over the 64 MiB
# object limit decompressed (the frame says so in its content size)
write('object-bomb.nns', hdr + frame_sized(b'\0' * (65 << 20)))
# the same without a content size in the frame header
write('no-size.nns', hdr + frame(b'\0' * (65 << 20)))
# a header of 5 MiB (over the 4 MiB header limit): a long metadata string
write('header-bomb.nns', frame_sized(header(FIELDS, meta=Raw(b'\x81' + pack('a') + b'\xdb'
                                                             + struct.pack('>I', 5 << 20) + b'a' * (5 << 20)))))

# --- model files that lie (tests/bats/bombs.bats): not data streams
os.makedirs(os.path.join(HERE, 'models'), exist_ok=True)


def model(layers, fields, classes=2, name='x', shape=None, kind='model'):
    meta = {'task': 'classification',
            'input': {'field': name, 'dtype': 'f32', 'shape': shape or [layers[0]]},
            'label': {'field': 'y', 'nclasses': classes},
            'layers': layers, 'activations': ['relu'] * (len(layers) - 2),
            'output': 'softmax', 'loss': 'ce'}
    h = frame_sized(header(fields, kind=kind, meta=Raw(pack(meta))))
    cols = [b'\0' * (4 * eval('*'.join(str(d) for d in f['shape']) or '1')) for f in fields]
    body = h + frame_sized(pack({'type': 'batch', 'index': 0, 'rows': 1, 'columns': cols}))
    return body + frame_sized(pack({'type': 'end', 'batches': 1, 'rows': 1, 'crc32': zlib.crc32(body)}))


def layer_fields(widths):
    out = []
    for i in range(len(widths) - 1):
        out += [{'name': 'layer%d.weight' % i, 'dtype': 'f32', 'shape': [widths[i + 1], widths[i]]},
                {'name': 'layer%d.bias' % i, 'dtype': 'f32', 'shape': [widths[i + 1]]}]
    return out


def write_model(name, data):
    write(os.path.join('models', name), data)


write_model('good.nnm', model([2, 3, 2], layer_fields([2, 3, 2])))
# layers of 2^24 claimed (a 2^48-parameter network), tensors of a tiny one
write_model('layers-bomb.nnm', model([1 << 24, 1 << 24, 1 << 24, 2], layer_fields([2, 3, 2]),
                                     shape=[1 << 24]))
write_model('layers-bomb-checkpoint.nnm', model([1 << 24, 1 << 24, 1 << 24, 2], layer_fields([2, 3, 2]),
                                                shape=[1 << 24], kind='checkpoint'))
# an input shape whose product wraps around 2^64 to the input width 1
write_model('shape-wrap.nnm', model([1, 2], layer_fields([1, 2]), shape=[1 << 32, 1 << 32, 1]))
# 65536 classes claimed for 2 outputs
write_model('classes-lie.nnm', model([2, 2], layer_fields([2, 2]), classes=65536))

if '--seeds' in sys.argv:
    seeds = os.path.join(HERE, '..', '..', 'fuzz', 'corpus', 'objects')
    os.makedirs(seeds, exist_ok=True)

    def objects(name, objs):
        with open(os.path.join(seeds, name), 'wb') as f:
            for o in objs:
                f.write(struct.pack('>H', len(o)) + o)

    def batch(i, n, first=0):
        xs = b''.join(struct.pack('<ff', first + k, (first + k) / 2) for k in range(n))
        ys = b''.join(struct.pack('<i', (first + k) % 2) for k in range(n))
        return pack({'type': 'batch', 'index': i, 'rows': n, 'columns': [xs, ys]})

    h = header(FIELDS)
    end = pack({'type': 'end', 'batches': 2, 'rows': 5, 'crc32': 0})
    objects('two-batches', [h, batch(0, 3), batch(1, 2, 3), end])
    objects('header-only', [h])
    objects('meta', [header(FIELDS, kind='model', meta=Raw(pack({'layers': [4, 3], 'act': 'relu'})))])
    objects('two-members', [h, batch(0, 1), end, h, batch(0, 1), end])
    objects('images', [header([{'name': 'x', 'dtype': 'u8', 'shape': [2, 2]},
                               {'name': 'y', 'dtype': 'i64', 'shape': []}]),
                       pack({'type': 'batch', 'index': 0, 'rows': 1,
                             'columns': [b'\1\2\3\4', struct.pack('<q', 7)]})])
