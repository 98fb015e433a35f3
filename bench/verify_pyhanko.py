"""pyHanko's validator for bench/verify.ts (started by it; not run by hand):

    python verify_pyhanko.py FILE.pdf ROOTS.pem [--warm]

Setup (not timed): import pyHanko, load the trust roots. Timed: open the file, read it
(PdfFileReader), read the DSS, and validate every embedded signature offline from the DSS
alone (no fetching, revocation hard-fail: the work ours does with offline: true), with pyHanko's
default difference analysis; document timestamps with validate_pdf_timestamp. --warm validates
once untimed first. Prints `RESULT {json}` with the times, VmHWM and each signature's verdict.
"""
import json
import re
import sys
import time

t0 = time.perf_counter()
from pyhanko.keys import load_certs_from_pemder  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature, validate_pdf_timestamp  # noqa: E402


def hwm_kb():
    with open('/proc/self/status') as f:
        return int(re.search(r'^VmHWM:\s+(\d+) kB', f.read(), re.M).group(1))


def validate(path, roots):
    out = []
    with open(path, 'rb') as f:
        reader = PdfFileReader(f)
        dss = DocumentSecurityStore.read_dss(reader)
        for sig in reader.embedded_signatures:
            vc = dss.as_validation_context({'trust_roots': roots, 'allow_fetching': False, 'revocation_mode': 'hard-fail'})
            if sig.sig_object_type == '/DocTimeStamp':
                st = validate_pdf_timestamp(sig, validation_context=vc)
                ok = bool(st.intact and st.valid and st.trusted)
            else:
                st = validate_pdf_signature(sig, signer_validation_context=vc)
                ok = bool(st.bottom_line)
            out.append({'field': sig.field_name, 'ok': ok, 'modification_level': getattr(getattr(st, 'modification_level', None), 'name', None)})
    return out


def main():
    path, roots_path = sys.argv[1], sys.argv[2]
    roots = list(load_certs_from_pemder([roots_path]))
    setup_ms = (time.perf_counter() - t0) * 1000
    if '--warm' in sys.argv[3:]:
        validate(path, roots)
    c0 = time.process_time()
    s0 = time.perf_counter()
    sigs = validate(path, roots)
    total_ms = (time.perf_counter() - s0) * 1000
    cpu_ms = (time.process_time() - c0) * 1000
    print('RESULT ' + json.dumps({'setupMs': setup_ms, 'totalMs': total_ms, 'cpuMs': cpu_ms, 'hwmKb': hwm_kb(), 'signatures': sigs}))


main()
