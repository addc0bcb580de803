import fs from 'node:fs';
import path from 'node:path';
import { communesOf, courierWilayaCode, courierWilayaOf, getCommune, getWilaya, listCommunes, listWilayas } from '../../src/geo/algeria';
import { parseCsv } from '../../src/geo/csv';

describe('geo data (src/geo/data, CC0 copy of djazairdev/wilayas)', () => {
  it('loads 69 wilayas and 1,541 communes with unique codes', () => {
    expect(listWilayas()).toHaveLength(69);
    expect(listCommunes()).toHaveLength(1541);
    expect(new Set(listCommunes().map((c) => c.code)).size).toBe(1541);
    expect(listWilayas().map((w) => w.code)).toEqual(Array.from({ length: 69 }, (_, i) => String(i + 1).padStart(2, '0')));
  });

  it('keeps the quoted name that holds commas intact', () => {
    expect(getCommune('0419')).toMatchObject({ nameFr: 'El Fedjoudj, Boughrara, Saoudi', wilaya: '04' });
  });

  it('gives each wilaya as many communes as wilayas.csv says', () => {
    const rows = parseCsv(fs.readFileSync(path.join(__dirname, '../../src/geo/data/wilayas.csv'), 'utf8'));
    for (const r of rows) expect([r.code, communesOf(r.code!).length]).toEqual([r.code, Number(r.communes)]);
  });

  it('finds wilayas by code in the forms callers pass', () => {
    expect(getWilaya('16')?.nameFr).toBe('Alger');
    expect(getWilaya('6')?.code).toBe('06');
    expect(getWilaya(9)?.code).toBe('09');
    expect(getWilaya(' 31 ')?.nameFr).toBe('Oran');
    expect(getWilaya('70')).toBeUndefined();
    expect(getWilaya('0')).toBeUndefined();
    expect(getWilaya('alger')).toBeUndefined();
    expect(getCommune('9999')).toBeUndefined();
  });

  it('sends moved communes to couriers under their former wilaya (1..58), the others under their own', () => {
    const moved = listCommunes().filter((c) => c.wilayaBefore);
    expect(moved).toHaveLength(108);
    // The dataset README: always 1..58, and equal to int(code[:2]).
    const wrong = listCommunes().filter((c) => {
      const n = courierWilayaCode(c);
      return n < 1 || n > 58 || n !== Number(c.code.slice(0, 2));
    });
    expect(wrong).toEqual([]);
    const bouSaada = listCommunes().find((c) => c.nameFr === 'Bou Saada')!;
    expect(bouSaada).toMatchObject({ wilaya: '68', wilayaBefore: '28' });
    expect(courierWilayaCode(bouSaada)).toBe(28);
    expect(courierWilayaCode(bouSaada.code)).toBe(28);
    expect(courierWilayaCode('1609')).toBe(16);
    expect(() => courierWilayaCode('0000')).toThrow(/unknown commune/);
  });

  it('maps the new wilayas 59..69 to their parent for couriers', () => {
    expect(courierWilayaOf(getWilaya('68')!)).toBe(28);
    expect(courierWilayaOf(getWilaya('60')!)).toBe(5);
    expect(courierWilayaOf(getWilaya('49')!)).toBe(49);
    expect(courierWilayaOf(getWilaya('16')!)).toBe(16);
  });

  it('lists a wilaya with or without the communes it lost in 2026', () => {
    const now = communesOf('28');
    const before = communesOf('28', { includeMovedOut: true });
    expect(now.some((c) => c.nameFr === 'Bou Saada')).toBe(false);
    expect(before.some((c) => c.nameFr === 'Bou Saada')).toBe(true);
    expect(communesOf('68').every((c) => c.wilayaBefore === '28')).toBe(true);
    expect(communesOf('99')).toEqual([]);
  });
});

describe('parseCsv', () => {
  it('handles quotes, doubled quotes, commas, CRLF, a BOM and a missing final newline', () => {
    const rows = parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\r\n1,\n"multi\nline",z');
    expect(rows).toEqual([
      { a: 'x, y', b: 'say "hi"' },
      { a: '1', b: '' },
      { a: 'multi\nline', b: 'z' },
    ]);
  });

  it('rejects a row with the wrong number of fields and an unterminated quote', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow(/3 fields/);
    expect(() => parseCsv('a,b\n"1,2\n')).toThrow(/unterminated/);
  });
});
