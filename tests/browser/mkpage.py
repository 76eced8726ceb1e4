#!/usr/bin/env python3
"""mkpage.py OUT.pgm SEED — a grey A4-shaped page (1240x1754, 150 dpi) with dark
bars where text lines would be, different for each SEED (so each file has its
own sha256).  Only the browser tests use it: they need a real original that
libvips renders, not a readable document."""
import sys

out, seed = sys.argv[1], int(sys.argv[2])
w, h = 1240, 1754
img = bytearray([245]) * (w * h)

def bar(x0, y0, x1, y1, v=30):
    for y in range(y0, y1):
        img[y * w + x0:y * w + x1] = bytes([v]) * (x1 - x0)

bar(100, 100, 600, 130)          # issuing body
bar(700, 100, 1140, 130)         # national motto
bar(100, 170, 450, 200)          # "Số: ..."
bar(700, 170, 1140, 200)         # place and date
for i in range(25):
    y = 300 + i * 48
    bar(100, y, 1140 - (i * 37 + seed * 13) % 300, y + 22, 60)
bar(800, 1600, 1100, 1630)       # signer
bar(10, 10, 10 + seed % 50 + 1, 20)
with open(out, "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (w, h))
    f.write(img)
