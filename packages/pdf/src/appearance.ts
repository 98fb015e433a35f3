import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { deflateSync } from 'node:zlib';
import type * as Fontkit from '@pdf-lib/fontkit';
import { badOption, precondition } from './errors.js';
import { PdfDict, PdfIndirect, PdfStream, PdfString, dict, name, type PdfObject } from './objects.js';
import { formatNumber } from './serialize.js';
import type { Appearance } from './form.js';

// @pdf-lib/fontkit ships a UMD bundle whose exports Node's ESM loader cannot see by name. It is
// loaded on first use, so that signing without a visible appearance does not pay for it.
let fontkitModule: typeof Fontkit | undefined;
const fontkit = (): typeof Fontkit =>
  (fontkitModule ??= createRequire(import.meta.url)('@pdf-lib/fontkit') as typeof Fontkit);

/** IPAGothic from Debian's fonts-ipafont-gothic (IPA Font License: embedding allowed). */
export const DEFAULT_CJK_FONT = '/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf';

/** A TrueType font ready to be subset and embedded as a Type0 / CIDFontType2 font. */
export class EmbeddableFont {
  private constructor(
    readonly font: Fontkit.Font,
    readonly postscriptName: string,
  ) {}

  /** Loads a TrueType font (default: IPAGothic). Fonts are cached by path. */
  static load(path: string = DEFAULT_CJK_FONT): EmbeddableFont {
    const cached = fontCache.get(path);
    if (cached) return cached;
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      throw precondition(
        `font ${path} not found: install fonts-ipafont-gothic (apt-get install -y fonts-ipafont-gothic) or pass another TrueType font`,
      );
    }
    const loaded = EmbeddableFont.fromBytes(bytes);
    fontCache.set(path, loaded);
    return loaded;
  }

  static fromBytes(bytes: Uint8Array): EmbeddableFont {
    let font: Fontkit.Font;
    try {
      font = fontkit().create(bytes);
    } catch (error) {
      throw badOption(`not a usable font: ${(error as Error).message}`);
    }
    if (!(font as unknown as { directory?: { tables?: Record<string, unknown> } }).directory?.tables?.glyf) throw badOption('only TrueType (glyf) fonts can be embedded as CIDFontType2');
    const psName = (font.postscriptName || 'Font').replace(/[^A-Za-z0-9-]/g, '');
    return new EmbeddableFont(font, psName);
  }

  get unitsPerEm(): number {
    return this.font.unitsPerEm;
  }
}

const fontCache = new Map<string, EmbeddableFont>();

export interface TextAppearanceOptions {
  /** Width and height of the widget rectangle (points). */
  width: number;
  height: number;
  /** Lines of text, e.g. the signer's name, role and date. */
  lines: string[];
  /** Default: IPAGothic. */
  font?: EmbeddableFont;
  /** Largest font size to use; the text shrinks to fit the box. Default 12. */
  maxFontSize?: number;
  /** Inner margin in points. Default 4. */
  padding?: number;
  /** Draw a thin frame around the box. Default true. */
  border?: boolean;
  /** Text colour, RGB 0..1. Default black. */
  color?: [number, number, number];
}

interface LaidOutLine {
  glyphs: Fontkit.Glyph[];
  /** Width in 1/1000 em. */
  width: number;
}

/**
 * Builds a visible signature appearance: the lines of text (Japanese included) in an embedded
 * subset of a TrueType font (Type0 font, CIDFontType2, Identity-H, with a ToUnicode CMap so the
 * text can be copied and searched). Pass the result as `appearance` to prepareSignature.
 */
export async function buildTextAppearance(options: TextAppearanceOptions): Promise<Appearance> {
  const { width, height, lines } = options;
  if (!(width > 0 && height > 0 && Number.isFinite(width) && Number.isFinite(height))) {
    throw badOption('the appearance needs a positive width and height');
  }
  if (!Array.isArray(lines) || lines.length === 0 || lines.length > 50) throw badOption('the appearance needs 1 to 50 lines');
  const font = options.font ?? EmbeddableFont.load();
  const f = font.font;
  const scale = 1000 / f.unitsPerEm;
  const padding = options.padding ?? 4;
  const maxSize = options.maxFontSize ?? 12;

  const laidOut: LaidOutLine[] = lines.map((line) => {
    const glyphs = f.layout(String(line)).glyphs;
    return { glyphs, width: glyphs.reduce((w, g) => w + g.advanceWidth * scale, 0) };
  });
  const ascent = f.ascent * scale;
  const descent = f.descent * scale; // negative
  const lineGap = 1.25;
  const innerW = Math.max(1, width - 2 * padding);
  const innerH = Math.max(1, height - 2 * padding);
  const widest = Math.max(1, ...laidOut.map((l) => l.width));
  const byWidth = (innerW * 1000) / widest;
  const byHeight = innerH / ((lines.length - 1) * lineGap + (ascent - descent) / 1000);
  const size = Math.max(4, Math.min(maxSize, byWidth, byHeight));

  // The subset: new glyph ids are the CIDs (Identity-H with CIDToGIDMap /Identity).
  const subset = f.createSubset();
  const cids = new Map<number, { cid: number; glyph: Fontkit.Glyph }>();
  const cidOf = (glyph: Fontkit.Glyph): number => {
    let entry = cids.get(glyph.id);
    if (!entry) {
      entry = { cid: subset.includeGlyph(glyph), glyph };
      cids.set(glyph.id, entry);
    }
    return entry.cid;
  };

  const [r, g, b] = options.color ?? [0, 0, 0];
  const ops: string[] = ['q', `0 0 ${formatNumber(width)} ${formatNumber(height)} re W n`];
  if (options.border ?? true) {
    ops.push('0.5 w 0.2 0.2 0.2 RG', `0.25 0.25 ${formatNumber(width - 0.5)} ${formatNumber(height - 0.5)} re S`);
  }
  const blockHeight = ((lines.length - 1) * lineGap * size + ((ascent - descent) / 1000) * size);
  let baseline = height / 2 + blockHeight / 2 - (ascent / 1000) * size;
  ops.push('BT', `${formatNumber(r)} ${formatNumber(g)} ${formatNumber(b)} rg`, `/F1 ${formatNumber(round(size))} Tf`);
  let x0 = 0;
  let y0 = 0;
  for (const line of laidOut) {
    const x = padding;
    ops.push(`${formatNumber(round(x - x0))} ${formatNumber(round(baseline - y0))} Td`);
    x0 = x;
    y0 = baseline;
    const hex = line.glyphs.map((glyph) => cidOf(glyph).toString(16).padStart(4, '0')).join('');
    ops.push(`<${hex}> Tj`);
    baseline -= lineGap * size;
  }
  ops.push('ET', 'Q');

  const fontFile = Buffer.from(await encodeSubset(subset));
  const used = [...cids.values()].sort((a, b2) => a.cid - b2.cid);
  const tag = subsetTag(used.map((u) => u.glyph.id));
  const baseFont = name(`${tag}+${font.postscriptName}`);
  const bbox = f.bbox;
  const descriptor = dict({
    Type: name('FontDescriptor'),
    FontName: baseFont,
    Flags: 4,
    FontBBox: [bbox.minX, bbox.minY, bbox.maxX, bbox.maxY].map((v) => Math.round(v * scale)),
    ItalicAngle: 0,
    Ascent: Math.round(ascent),
    Descent: Math.round(descent),
    CapHeight: Math.round((f.capHeight || f.ascent) * scale),
    StemV: 80,
    FontFile2: new PdfIndirect(
      new PdfStream(dict({ Filter: name('FlateDecode'), Length1: fontFile.length }), deflateSync(fontFile)),
    ),
  });
  const widths: PdfObject[] = [];
  for (const { cid, glyph } of used) widths.push(cid, [Math.round(glyph.advanceWidth * scale)]);
  const cidFont = dict({
    Type: name('Font'),
    Subtype: name('CIDFontType2'),
    BaseFont: baseFont,
    CIDSystemInfo: dict({
      Registry: new PdfString(Buffer.from('Adobe')),
      Ordering: new PdfString(Buffer.from('Identity')),
      Supplement: 0,
    }),
    FontDescriptor: new PdfIndirect(descriptor),
    DW: 1000,
    W: widths,
    CIDToGIDMap: name('Identity'),
  });
  const type0 = dict({
    Type: name('Font'),
    Subtype: name('Type0'),
    BaseFont: baseFont,
    Encoding: name('Identity-H'),
    DescendantFonts: [new PdfIndirect(cidFont)],
    ToUnicode: new PdfIndirect(
      new PdfStream(dict({ Filter: name('FlateDecode') }), deflateSync(Buffer.from(toUnicodeCMap(used), 'latin1'))),
    ),
  });
  const resources = new PdfDict().set('Font', dict({ F1: new PdfIndirect(type0) }));
  return { content: ops.join('\n'), resources, bbox: [0, 0, width, height] };
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function encodeSubset(subset: Fontkit.Subset): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    try {
      subset
        .encodeStream()
        .on('data', (chunk) => chunks.push(chunk))
        .on('end', () => resolve(Buffer.concat(chunks)));
    } catch (error) {
      reject(badOption(`the font could not be subset: ${(error as Error).message}`));
    }
  });
}

/** Six upper-case letters naming the subset (PDF 9.9.2), derived from the glyphs it holds. */
function subsetTag(glyphIds: number[]): string {
  const digest = createHash('sha256').update(glyphIds.join(',')).digest();
  return [...digest.subarray(0, 6)].map((byte) => String.fromCharCode(65 + (byte % 26))).join('');
}

function toUnicodeCMap(used: { cid: number; glyph: Fontkit.Glyph }[]): string {
  const hex4 = (n: number) => n.toString(16).padStart(4, '0');
  const utf16 = (codePoints: number[]) =>
    Buffer.from(String.fromCodePoint(...codePoints), 'utf16le')
      .swap16()
      .toString('hex');
  const entries = used
    .filter((u) => u.glyph.codePoints && u.glyph.codePoints.length > 0)
    .map((u) => `<${hex4(u.cid)}> <${utf16(u.glyph.codePoints)}>`);
  const blocks: string[] = [];
  for (let i = 0; i < entries.length; i += 100) {
    const block = entries.slice(i, i + 100);
    blocks.push(`${block.length} beginbfchar\n${block.join('\n')}\nendbfchar`);
  }
  return [
    '/CIDInit /ProcSet findresource begin',
    '12 dict begin',
    'begincmap',
    '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
    '/CMapName /Adobe-Identity-UCS def',
    '/CMapType 2 def',
    '1 begincodespacerange',
    '<0000> <FFFF>',
    'endcodespacerange',
    ...blocks,
    'endcmap',
    'CMapName currentdict /CMap defineresource pop',
    'end',
    'end',
  ].join('\n');
}
