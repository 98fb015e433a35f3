import { randomBytes } from 'node:crypto';

/**
 * A well-formed one-page PDF of about `size` bytes (classic xref table, correct offsets), its
 * bulk in an incompressible stream, so that tests can move documents of a given size.
 */
export function makePdf(size = 2048, text = 'Jitsuin test document'): Buffer {
  const header = Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  const content = `BT /F1 24 Tf 72 720 Td (${text}) Tj ET`;
  const fixed = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const padding = Math.max(0, size - 680);
  const parts: Buffer[] = [header];
  const offsets: number[] = [];
  let offset = header.length;
  const push = (part: Buffer) => {
    parts.push(part);
    offset += part.length;
  };
  fixed.forEach((body, i) => {
    offsets.push(offset);
    push(Buffer.from(`${i + 1} 0 obj\n${body}\nendobj\n`, 'latin1'));
  });
  // An unreferenced stream object that carries the bulk.
  offsets.push(offset);
  push(Buffer.from(`6 0 obj\n<< /Length ${padding} >>\nstream\n`, 'latin1'));
  push(randomBytes(padding));
  push(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xrefOffset = offset;
  const rows = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  push(
    Buffer.from(
      `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${rows}trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`,
      'latin1',
    ),
  );
  return Buffer.concat(parts);
}

/** An incremental update appended to `pdf`: the bytes a signature revision would add. */
export function appendRevision(pdf: Buffer, note = 'revision'): Buffer {
  const text = pdf.toString('latin1', Math.max(0, pdf.length - 64));
  const previous = Number(/startxref\s+(\d+)/.exec(text)?.[1] ?? 0);
  const body = Buffer.from(`7 0 obj\n(${note})\nendobj\n`, 'latin1');
  const objectOffset = pdf.length;
  const xrefOffset = objectOffset + body.length;
  const tail = Buffer.from(
    `xref\n7 1\n${String(objectOffset).padStart(10, '0')} 00000 n \ntrailer\n<< /Size 8 /Root 1 0 R /Prev ${previous} >>\nstartxref\n${xrefOffset}\n%%EOF\n`,
    'latin1',
  );
  return Buffer.concat([pdf, body, tail]);
}
