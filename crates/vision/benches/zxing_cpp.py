"""zxing-cpp (PyPI `zxing-cpp`) on the images named in a list file, for the `qr` bench.

Prints one JSON line per image: {"file", "texts", "ms"}; "ms" times the read only (the file is
loaded and made grey before the clock starts), like the bench's own rows. Default options
(try harder, rotate, invert, downscale), QR codes only.
"""
import json
import sys
import time

import zxingcpp
from PIL import Image

with open(sys.argv[1], encoding="utf-8") as listing:
    files = [line.rstrip("\n") for line in listing if line.strip()]
for path in files:
    image = Image.open(path).convert("L")
    image.load()
    start = time.perf_counter()
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    ms = (time.perf_counter() - start) * 1000.0
    print(json.dumps({"file": path, "texts": [r.text for r in results if r.valid], "ms": ms}), flush=True)
