import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CJK_FONT,
  PdfDict,
  PdfDocument,
  PdfRef,
  PdfStream,
  buildTextAppearance,
  embedContents,
  prepareSignature,
} from '../src/index.js';
import { fakeDer, pdfOf, qpdfCheck, run, workDir } from './fixtures.js';

// Debian's fonts-ipafont-gothic, which ./jitsuin test installs.
describe('visible signature with Japanese text', () => {
  it('has the CJK font to embed', () => {
    expect(existsSync(DEFAULT_CJK_FONT), `${DEFAULT_CJK_FONT} (apt-get install fonts-ipafont-gothic)`).toBe(true);
  });

  it.each(['classic', 'xref-stream'] as const)('embeds a CJK subset a reader can render and extract (%s)', async (form) => {
    const lines = ['借主　山田　太郎', '金銭消費貸借契約', '2025年4月1日'];
    const appearance = await buildTextAppearance({ width: 200, height: 60, lines });
    const doc = PdfDocument.open(pdfOf(form));
    const prepared = prepareSignature(doc, {
      fieldName: 'Borrower',
      contentsSize: 4096,
      page: 1,
      rect: [300, 600, 500, 660],
      appearance,
    });
    const output = Buffer.concat(embedContents(prepared, fakeDer(2048)));
    const check = qpdfCheck(output);
    expect(check.ok, check.output).toBe(true);

    // The font objects: Type0 / CIDFontType2 / Identity-H, a subset with ToUnicode.
    const signed = PdfDocument.open(output);
    const widget = signed.getObject(signed.signatureFields()[0]!.ref!) as PdfDict;
    const ap = signed.getObject((widget.get('AP') as PdfDict).get('N') as PdfRef) as PdfStream;
    const fonts = signed.resolveDict(signed.resolveDict(ap.dict.get('Resources'), 'res')!.get('Font'), 'fonts')!;
    const type0 = signed.resolveDict(fonts.get('F1'), 'F1')!;
    expect(type0.name('Subtype')).toBe('Type0');
    expect(type0.name('Encoding')).toBe('Identity-H');
    expect(type0.name('BaseFont')).toMatch(/^[A-Z]{6}\+IPAGothic$/);
    const cidFont = signed.resolveDict((type0.get('DescendantFonts') as PdfRef[])[0], 'cid')!;
    expect(cidFont.name('Subtype')).toBe('CIDFontType2');
    const descriptor = signed.resolveDict(cidFont.get('FontDescriptor'), 'fd')!;
    const fontFile = signed.getObject(descriptor.get('FontFile2') as PdfRef) as PdfStream;
    // A subset: a few KB, not the 6 MB font.
    expect(signed.decodeStream(fontFile).length).toBeLessThan(64 * 1024);

    const { dir, cleanup } = workDir();
    try {
      const path = join(dir, 'visible.pdf');
      writeFileSync(path, output);
      const fontsOut = run('pdffonts', [path]).stdout;
      expect(fontsOut).toMatch(/\+IPAGothic\s+CID TrueType\s+Identity-H\s+yes yes yes/);
      const text = run('pdftotext', [path, '-']).stdout;
      expect(text).toContain('山田');
      expect(text).toContain('金銭消費貸借契約');
      expect(text).toContain('2025年4月1日');
      const render = run('pdftoppm', ['-r', '30', '-png', path, join(dir, 'page')]);
      expect(render.status, render.stderr).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('shrinks the text to fit a small box', async () => {
    const big = await buildTextAppearance({ width: 400, height: 100, lines: ['山田太郎'] });
    const small = await buildTextAppearance({ width: 40, height: 20, lines: ['山田太郎'] });
    const size = (a: { content: Uint8Array | string }) => Number(/\/F1 ([\d.]+) Tf/.exec(String(a.content))?.[1]);
    expect(size(big)).toBe(12);
    expect(size(small)).toBeLessThan(12);
    expect(size(small) * 4).toBeLessThanOrEqual(40);
  });
});
