#!/usr/bin/python3
"""tests/sign/cmscheck.py FILE.pdf CA.pem — independent check used when ../shared
(and its pades-verify) is absent: for every /ByteRange in the file, the gap must be
the /Contents hex string, and `openssl cms -verify` must accept the CMS over the
signed bytes with the chain checked against CA.pem.  Exit 0 only if every one does.
"""
import os, re, subprocess, sys, tempfile

pdf = open(sys.argv[1], 'rb').read()
ca = sys.argv[2]
n = bad = 0
tmp = tempfile.mkdtemp()
for m in re.finditer(rb'/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]', pdf):
    a, b, c, d = (int(x) for x in m.groups())
    n += 1
    if a != 0 or pdf[b:b + 1] != b'<' or pdf[c - 1:c] != b'>' or c + d > len(pdf):
        print('sig %d: bad ByteRange' % n); bad += 1; continue
    der = bytes.fromhex(pdf[b + 1:c - 1].decode())
    open(os.path.join(tmp, 's.der'), 'wb').write(der)
    open(os.path.join(tmp, 'c.bin'), 'wb').write(pdf[a:b] + pdf[c:c + d])
    r = subprocess.run(['openssl', 'cms', '-verify', '-binary', '-inform', 'DER', '-in', os.path.join(tmp, 's.der'),
                        '-content', os.path.join(tmp, 'c.bin'), '-CAfile', ca, '-purpose', 'any',
                        '-out', os.devnull], capture_output=True)
    ok = r.returncode == 0
    print('sig %d: %s %s' % (n, 'ok' if ok else 'FAILED', r.stderr.decode(errors='replace').strip().splitlines()[-1:]))
    bad += not ok
print('cmscheck: signatures=%d bad=%d' % (n, bad))
sys.exit(0 if n and not bad else 1)
