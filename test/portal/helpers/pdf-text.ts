import zlib from "node:zlib";

/**
 * A small PDF text reader for the tests: enough for what pdfkit writes (Type0 fonts with a ToUnicode CMap, text in
 * TJ/Tj hex strings, Flate-compressed streams). Returns each text object (BT … ET) as one line, so a test can check
 * the words a reader sees, Vietnamese diacritics included.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const objects = new Map<number, { dict: string; stream?: string }>();
  for (const m of raw.matchAll(/(\d+) 0 obj([\s\S]*?)endobj/g)) {
    const body = m[2];
    const s = body.indexOf("stream");
    if (s < 0) {
      objects.set(Number(m[1]), { dict: body });
      continue;
    }
    const dict = body.slice(0, s);
    const start = s + "stream".length + (body[s + 6] === "\r" ? 2 : 1);
    // The stream's own /Length, not the text up to "endstream": compressed bytes may end in \r, which a trim of the
    // line break before "endstream" would take with it (1 stream in 256: a flaky "unexpected end of file").
    const length = /\/Length (\d+)/.exec(dict);
    const end = length ? start + Number(length[1]) : body.lastIndexOf("endstream");
    let bytes = Buffer.from(length ? body.slice(start, end) : body.slice(start, end).replace(/\r?\n$/, ""), "latin1");
    if (/\/FlateDecode/.test(dict)) bytes = zlib.inflateSync(bytes);
    objects.set(Number(m[1]), { dict, stream: bytes.toString("latin1") });
  }

  // Font resource name → ToUnicode map of the font object it names.
  const cmaps = new Map<number, Map<number, string>>();
  const fontCmap = (fontObj: number) => {
    if (!cmaps.has(fontObj)) {
      const ref = /\/ToUnicode (\d+) 0 R/.exec(objects.get(fontObj)?.dict ?? "");
      cmaps.set(fontObj, ref ? parseCmap(objects.get(Number(ref[1]))?.stream ?? "") : new Map());
    }
    return cmaps.get(fontObj)!;
  };
  const fontsByName = new Map<string, number>();
  for (const { dict } of objects.values()) {
    const fonts = /\/Font\s*<<([\s\S]*?)>>/.exec(dict);
    if (fonts) for (const f of fonts[1].matchAll(/\/(\w+)\s+(\d+) 0 R/g)) fontsByName.set(f[1], Number(f[2]));
  }

  const lines: string[] = [];
  for (const { stream } of objects.values()) {
    if (!stream || !/\bBT\b/.test(stream)) continue;
    let cmap = new Map<number, string>();
    let line = "";
    for (const tok of stream.matchAll(/\/(\w+)\s+[\d.]+\s+Tf|\[((?:[^\]])*)\]\s*TJ|<([0-9a-fA-F]*)>\s*Tj|\bET\b/g)) {
      if (tok[1]) cmap = fontCmap(fontsByName.get(tok[1]) ?? -1);
      else if (tok[2] !== undefined) for (const h of tok[2].matchAll(/<([0-9a-fA-F]*)>/g)) line += decode(h[1], cmap);
      else if (tok[3] !== undefined) line += decode(tok[3], cmap);
      else {
        if (line) lines.push(line);
        line = "";
      }
    }
  }
  return lines.join("\n");
}

function decode(hex: string, cmap: Map<number, string>): string {
  let out = "";
  for (let i = 0; i + 4 <= hex.length; i += 4) out += cmap.get(parseInt(hex.slice(i, i + 4), 16)) ?? "\ufffd";
  return out;
}

const utf16 = (hex: string) => Buffer.from(hex, "hex").swap16().toString("utf16le");

function parseCmap(text: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const block of text.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g)) map.set(parseInt(m[1], 16), utf16(m[2]));
  }
  for (const block of text.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const m of block[1].matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(\[[^\]]*\]|<[0-9a-fA-F]+>)/g)) {
      const lo = parseInt(m[1], 16);
      const hi = parseInt(m[2], 16);
      if (m[3].startsWith("[")) {
        // An entry may hold several code units (a ligature glyph: "<0066 0066>" is "ff").
        [...m[3].matchAll(/<([0-9a-fA-F\s]+)>/g)].forEach((d, i) => map.set(lo + i, utf16(d[1].replace(/\s+/g, ""))));
      } else {
        const base = Buffer.from(m[3].slice(1, -1), "hex");
        for (let code = lo; code <= hi; code++) {
          const dst = Buffer.from(base);
          dst.writeUInt16BE(dst.readUInt16BE(dst.length - 2) + (code - lo), dst.length - 2);
          map.set(code, utf16(dst.toString("hex")));
        }
      }
    }
  }
  return map;
}
