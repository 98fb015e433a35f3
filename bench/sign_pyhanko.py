"""pyHanko's side of bench/sign.ts: one PAdES B-B signature with a PKCS#12, timed in process.

    python sign_pyhanko.py IN.pdf OUT.pdf SEAL.p12 PASSWORD     (IN '-': load only, sign nothing)

Prints one line `RESULT {json}`: importMs (importing pyHanko), setupMs (loading the PKCS#12),
totalMs (open IN, sign, write OUT: what is compared), cpuMs (process CPU time over that span),
hwmKb (VmHWM of this process). BENCH_WARM=1: sign once untimed first (a warm process). The
interpreter's own start-up is what the parent's wall time for the process has on top of these.
"""
import time

t_start = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.sign import fields, signers  # noqa: E402

t_imported = time.perf_counter()


def hwm_kb() -> int:
    with open('/proc/self/status') as f:
        return int(re.search(r'^VmHWM:\s+(\d+) kB', f.read(), re.M).group(1))


def main() -> None:
    src, dst, p12, password = sys.argv[1:5]
    signer = signers.SimpleSigner.load_pkcs12(p12, passphrase=password.encode())
    if signer is None:
        raise SystemExit('pyHanko could not load the PKCS#12')
    t_setup = time.perf_counter()
    result = {'importMs': (t_imported - t_start) * 1e3, 'setupMs': (t_setup - t_imported) * 1e3}
    if src != '-':
        def sign(out_path):
            meta = signers.PdfSignatureMetadata(field_name='Signature1', subfilter=fields.SigSeedSubFilter.PADES, md_algorithm='sha256')
            with open(src, 'rb') as inf, open(out_path, 'wb') as outf:
                writer = IncrementalPdfFileWriter(inf)
                opened = time.perf_counter()
                signers.sign_pdf(writer, meta, signer=signer, output=outf)
            return opened

        if os.environ.get('BENCH_WARM'):
            sign(dst)  # BENCH_WARM=1: once untimed first, then the timed one
        c0 = time.process_time()
        t0 = time.perf_counter()
        t_opened = sign(dst)
        t1 = time.perf_counter()
        c1 = time.process_time()
        result.update({
            'totalMs': (t1 - t0) * 1e3,
            'cpuMs': (c1 - c0) * 1e3,
            'phases': {'open': (t_opened - t0) * 1e3, 'signAndWrite': (t1 - t_opened) * 1e3},
        })
    result['hwmKb'] = hwm_kb()
    print('RESULT ' + json.dumps(result), flush=True)


main()
